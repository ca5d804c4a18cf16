/*
 * test_sim.c - unit tests of the ALG simulator: the NAT model (mapping and
 * filtering types, timeouts, port preservation, pinholes, forwards), each
 * ALG knob's rewrite on messages built byte by byte, Content-Length
 * handling, the profile parser and its errors, the pcap writer's
 * checksums, the far-end model, and whole replays of small captures.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alg.h"
#include "base/caps.h"
#include "farend.h"
#include "nat.h"
#include "outcome.h"
#include "pcapw.h"
#include "run.h"
#include "ingest/pkt.h"
#include "alg/profile.h"
#include "sim.h"
#include "sip/sipmsg.h"

#define S (CAP_NS_PER_SEC)

static struct ep
E(const char *ip, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	ep_parse_ip(&e, ip, strlen(ip));
	e.port = port;
	return e;
}

static struct sim_cfg cfg;

static void
linux_cfg(void)
{
	profile_defaults(&cfg);
}

static void
set(const char *arg)
{
	char err[2048];

	CU_ASSERT_EQUAL_FATAL(profile_set_arg(&cfg, arg, err, sizeof(err)), 0);
}

/* ---- NAT ------------------------------------------------------------- */

static void
test_nat_port_preservation(void)
{
	struct ep pub = E("198.51.100.1", 0), p1, p2, p3;
	struct ep a = E("10.0.0.2", 5060), b = E("10.0.0.3", 5060);
	struct ep srv = E("198.51.100.2", 5060);
	struct nat *n;

	linux_cfg();
	n = nat_new(&cfg, &pub);
	CU_ASSERT_FATAL(n != NULL);
	CU_ASSERT_EQUAL(nat_outbound(n, 17, &a, &srv, 0, false, false, &p1), 0);
	CU_ASSERT_EQUAL(p1.port, 5060);
	CU_ASSERT(ep_same_ip(&p1, &pub));
	/* a second phone on the same port cannot have 5060 */
	CU_ASSERT_EQUAL(nat_outbound(n, 17, &b, &srv, S, false, false, &p2), 0);
	CU_ASSERT_NOT_EQUAL(p2.port, 5060);
	/* the first one keeps its binding */
	CU_ASSERT_EQUAL(nat_outbound(n, 17, &a, &srv, 2 * S, false, false, &p3), 0);
	CU_ASSERT_EQUAL(p3.port, 5060);
	nat_free(n);

	set("port_preservation=false");
	n = nat_new(&cfg, &pub);
	CU_ASSERT_EQUAL(nat_outbound(n, 17, &a, &srv, 0, false, false, &p1), 0);
	CU_ASSERT_NOT_EQUAL(p1.port, 5060);
	nat_free(n);
}

/*
 * More phones on one source port to one server than 32768-60999 holds:
 * Linux's masquerade takes the others from 1024-65535
 * (samples/linux-alg/nat-ports-alg-off: ports 16340 and 59601), so every
 * one of 40,000 gets a distinct public port; a NAT of another class
 * (nat_mapping=eim) keeps the model's narrower range and runs out.
 */
static int
ports_given(int phones, uint16_t *lo, uint16_t *hi)
{
	struct ep pub = E("198.51.100.1", 0), p;
	struct ep srv = E("198.51.100.2", 5060);
	struct nat *n = nat_new(&cfg, &pub);
	static uint8_t seen[65536];
	int k, got = 0;

	CU_ASSERT_FATAL(n != NULL);
	memset(seen, 0, sizeof(seen));
	*lo = 65535;
	*hi = 0;
	for (k = 0; k < phones; k++) {
		struct ep a = E("10.0.0.1", 5060);

		a.ip[1] = (uint8_t)(k >> 16);
		a.ip[2] = (uint8_t)(k >> 8);
		a.ip[3] = (uint8_t)k;
		if (nat_outbound(n, 17, &a, &srv, (int64_t)k * 1000, false,
		    false, &p) != 0)
			continue;
		CU_ASSERT_EQUAL(seen[p.port], 0);
		seen[p.port] = 1;
		if (p.port < *lo)
			*lo = p.port;
		if (p.port > *hi)
			*hi = p.port;
		got++;
	}
	nat_free(n);
	return got;
}

static void
test_nat_port_range(void)
{
	uint16_t lo, hi;

	linux_cfg();
	CU_ASSERT_EQUAL(ports_given(40000, &lo, &hi), 40000);
	CU_ASSERT(lo >= 1024);
	CU_ASSERT(hi > 60999);
	CU_ASSERT(lo < 32768);
	set("nat_mapping=eim");
	CU_ASSERT_EQUAL(ports_given(40000, &lo, &hi), 60999 - 32768 + 1 + 1);
	CU_ASSERT(lo >= 5060 && hi <= 60999);
}

/*
 * The port summary (sim/nat.c struct psum) lets a search pass a block of
 * ports all held; the port it finds must be the one the plain scan of
 * every port finds (nat_set_exhaustive), since that order is the
 * kernel's.  Two NATs take the same random operations -- phones to a few
 * servers (per tuple: a port held toward one is free toward another),
 * signalling that lives an hour and flows that die in 30 s, media pairs
 * (+2 and random), pinholes, forwards, keepalives, inbound packets --
 * until the range is full, then on, with the time jumping now and then
 * so that part of the holders die; every answer must agree.
 */
struct twin {
	struct nat *n[2];
	uint32_t rnd;
	int64_t t;
	unsigned fails, ops, filled;
};

static uint32_t
twin_rnd(struct twin *w, uint32_t below)
{
	w->rnd = w->rnd * 1103515245u + 12345u;
	return (w->rnd >> 8) % below;
}

static struct ep
twin_ep(const char *net, uint32_t k, uint16_t port)
{
	struct ep e = E(net, port);

	e.ip[2] = (uint8_t)(k >> 8);
	e.ip[3] = (uint8_t)k;
	return e;
}

static void
twin_op(struct twin *w, uint32_t phones, uint32_t servers)
{
	/* half of them among those that filled the range */
	struct ep ph = twin_rnd(w, 2) == 0 ?
	    twin_ep("10.1.0.0", twin_rnd(w, w->filled), 5060) :
	    twin_ep("10.0.0.0", twin_rnd(w, phones), twin_rnd(w, 4) == 0 ?
	    (uint16_t)(1024 + twin_rnd(w, 60000)) : 5060);
	struct ep srv = twin_ep("198.51.0.0", twin_rnd(w, 4) != 0 ? 0 :
	    twin_rnd(w, servers), 5060);
	struct ep pub[2], out;
	struct nat_result r[2];
	uint32_t op = twin_rnd(w, 100);
	uint8_t proto = twin_rnd(w, 20) == 0 ? 6 : 17;
	int k, rc[2];

	w->ops++;
	w->t += twin_rnd(w, 3) * (S / 1000);
	if (twin_rnd(w, 3000) == 0)
		w->t += (int64_t)(31 + twin_rnd(w, 100)) * S;
	if (op < 60) {
		bool sig = twin_rnd(w, 3) != 0, fresh = twin_rnd(w, 5) == 0;

		for (k = 0; k < 2; k++)
			rc[k] = nat_outbound(w->n[k], proto, &ph, &srv, w->t, sig,
			    fresh, &pub[k]);
		CU_ASSERT_EQUAL(rc[0], rc[1]);
		if (rc[0] == 0 && rc[1] == 0)
			CU_ASSERT_EQUAL(pub[0].port, pub[1].port);
		w->fails += rc[0] != 0;
	} else if (op < 80) {
		uint16_t want = (uint16_t)(twin_rnd(w, 4) == 0 ?
		    1024 + twin_rnd(w, 64000) : 16384 + 2 * twin_rnd(w, 8000));
		int pol = twin_rnd(w, 5) == 0 ? MPORT_RANDOM :
		    MPORT_KEEP_UNLESS_BUSY;
		uint16_t got[2];

		ph.port = (uint16_t)(16384 + 2 * twin_rnd(w, 8000));
		for (k = 0; k < 2; k++)
			got[k] = nat_reserve_media(w->n[k], &ph, want, pol, w->t);
		CU_ASSERT_EQUAL(got[0], got[1]);
		w->fails += got[0] == 0;
	} else if (op < 88) {
		struct ep p = E("198.51.100.1", (uint16_t)(1024 + twin_rnd(w, 64512)));
		struct ep ins = twin_ep("10.0.0.0", twin_rnd(w, phones),
		    (uint16_t)(16384 + twin_rnd(w, 16000)));
		bool reg = twin_rnd(w, 4) == 0, outward = twin_rnd(w, 5) == 0;
		struct nat_flow fl;

		fl.proto = 17;
		fl.in = ph;
		fl.remote = srv;
		for (k = 0; k < 2; k++)
			rc[k] = reg ? nat_add_pinhole(w->n[k], 17, &p, &ins, &srv,
			    w->t + 180 * S, true) :
			    nat_add_media_pinhole(w->n[k], &fl, 'a', outward, &p,
			    &ins, NULL, w->t, w->t + 180 * S);
		CU_ASSERT_EQUAL(rc[0], rc[1]);
	} else if (op < 90) {
		struct nat_flow fl;

		fl.proto = 17;
		fl.in = ph;
		fl.remote = srv;
		for (k = 0; k < 2; k++)
			nat_flush_flow(w->n[k], &fl);
	} else if (op < 92) {
		ph.port = (uint16_t)(16384 + 2 * twin_rnd(w, 8000));
		for (k = 0; k < 2; k++)
			nat_close_pinholes(w->n[k], &ph);
	} else if (op < 93) {
		for (k = 0; k < 2; k++)
			nat_keepalive(w->n[k], proto, &ph, 20, w->t);
	} else {
		/* an inbound packet, to a port in use or any */
		struct ep p = E("198.51.100.1", 0);

		if (nat_lookup_out(w->n[0], proto, &ph, &srv, w->t, &out) &&
		    twin_rnd(w, 2) == 0)
			p.port = out.port;
		else
			p.port = (uint16_t)(1024 + twin_rnd(w, 64512));
		for (k = 0; k < 2; k++)
			nat_inbound(w->n[k], proto, &srv, &p, w->t, &r[k]);
		CU_ASSERT_EQUAL(r[0].verdict, r[1].verdict);
		CU_ASSERT(ep_eq(&r[0].inside, &r[1].inside));
	}
}

static void
twin_run(const char *knob, uint32_t phones, uint32_t servers, unsigned ops)
{
	struct ep pub = E("198.51.100.1", 0);
	struct twin w;
	unsigned i, full;
	int64_t t0;
	int k;

	linux_cfg();
	if (knob != NULL)
		set(knob);
	memset(&w, 0, sizeof(w));
	w.rnd = 7 + phones + servers;
	for (k = 0; k < 2; k++) {
		w.n[k] = nat_new(&cfg, &pub);
		CU_ASSERT_FATAL(w.n[k] != NULL);
	}
	nat_set_exhaustive(w.n[1], true);
	for (k = 0; k < 2; k++) {
		struct ep fin = E("10.0.0.9", 8080);

		CU_ASSERT_EQUAL(nat_add_forward(w.n[k], 17, 40000, &fin), 0);
		CU_ASSERT_EQUAL(nat_add_forward(w.n[k], 6, 443, &fin), 0);
	}
	/* phones to the first server until no port is left */
	for (i = 0; i < 70000 && w.fails == 0; i++) {
		struct ep ph = twin_ep("10.1.0.0", i, 5060), p[2];
		struct ep srv = twin_ep("198.51.0.0", 0, 5060);
		int rc[2];

		w.t += S / 1000;
		for (k = 0; k < 2; k++)
			rc[k] = nat_outbound(w.n[k], 17, &ph, &srv, w.t, true,
			    false, &p[k]);
		CU_ASSERT_EQUAL(rc[0], rc[1]);
		if (rc[0] == 0 && rc[1] == 0)
			CU_ASSERT_EQUAL(p[0].port, p[1].port);
		w.fails += rc[0] != 0;
	}
	/* it reached a full range (a search failed), and goes on from there */
	CU_ASSERT(w.fails > 0);
	w.filled = i;
	t0 = w.t;
	for (i = 0; i < ops / 2; i++)
		twin_op(&w, phones, servers);
	/* to where the hour of the first phones' signalling is running out:
	 * the range comes free a few ports at a time */
	full = w.fails;
	w.t = t0 + 3600 * S - 30 * S;
	for (; i < ops; i++)
		twin_op(&w, phones, servers);
	printf(" [%s: %u operations, %u found no port, %u of them after the hour]",
	    knob ? knob : "linux", w.ops, w.fails, w.fails - full);
	for (k = 0; k < 2; k++)
		nat_free(w.n[k]);
}

static void
test_nat_port_summary(void)
{
	/* 1024-65535 per tuple: 3 servers, more phones than ports */
	twin_run(NULL, 65000, 3, 16000);
	/* 32768-60999, one binding per phone for every remote */
	twin_run("nat_mapping=eim", 40000, 2, 16000);
	twin_run("port_preservation=false", 40000, 1, 12000);
	twin_run("mport_policy=random", 30000, 2, 12000);
}

/*
 * A per-tuple NAT (nat_mapping apdm, Linux's conntrack) holds a public
 * port per remote: phone C keeps 5060 toward another server while phone
 * A holds 5060 toward the first (samples/linux-alg/nat-ports-alg-off),
 * and an inbound packet on 5060 goes to the binding whose tuple it
 * answers, whatever the filtering.  A NAT that maps per inside endpoint
 * or per remote address (eim, adm) holds the port for every remote.
 */
static void
test_nat_port_per_tuple(void)
{
	struct ep pub = E("198.51.100.1", 0), pa, pb, pc;
	struct ep a = E("10.0.0.2", 5060), b = E("10.0.0.3", 5060);
	struct ep c = E("10.0.0.4", 5060);
	struct ep s1 = E("198.51.100.2", 5060), s2 = E("198.51.100.3", 5060);
	struct ep other = E("192.0.2.7", 5060);
	static const char *const filt[] = { "nat_filtering=apdf",
	    "nat_filtering=eif" };
	static const char *const map[] = { "nat_mapping=eim",
	    "nat_mapping=adm" };
	struct nat_result r;
	struct nat *n;
	size_t k;

	for (k = 0; k < 2; k++) {
		linux_cfg();                        /* apdm, port preservation */
		set(filt[k]);
		n = nat_new(&cfg, &pub);
		CU_ASSERT_FATAL(n != NULL);
		CU_ASSERT_EQUAL(nat_outbound(n, 17, &a, &s1, 0, false, false, &pa), 0);
		CU_ASSERT_EQUAL(nat_outbound(n, 17, &b, &s1, S, false, false, &pb), 0);
		CU_ASSERT_EQUAL(nat_outbound(n, 17, &c, &s2, 2 * S, false, false, &pc), 0);
		CU_ASSERT_EQUAL(pa.port, 5060);
		CU_ASSERT_NOT_EQUAL(pb.port, 5060);  /* same tuple as A's: taken */
		CU_ASSERT_EQUAL(pc.port, 5060);      /* another remote: free */
		nat_inbound(n, 17, &s2, &pc, 3 * S, &r);
		CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
		CU_ASSERT(ep_eq(&r.inside, &c));
		nat_inbound(n, 17, &s1, &pa, 3 * S, &r);
		CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
		CU_ASSERT(ep_eq(&r.inside, &a));
		nat_probe(n, 17, &other, &pa, 3 * S, &r);
		CU_ASSERT_EQUAL(r.verdict, k == 0 ? NAT_FILTERED : NAT_PASS);
		nat_free(n);
	}
	for (k = 0; k < 2; k++) {
		linux_cfg();
		set(map[k]);
		n = nat_new(&cfg, &pub);
		CU_ASSERT_FATAL(n != NULL);
		CU_ASSERT_EQUAL(nat_outbound(n, 17, &a, &s1, 0, false, false, &pa), 0);
		CU_ASSERT_EQUAL(nat_outbound(n, 17, &c, &s2, S, false, false, &pc), 0);
		CU_ASSERT_EQUAL(pa.port, 5060);
		CU_ASSERT_NOT_EQUAL(pc.port, 5060);
		nat_free(n);
	}
}

static void
test_nat_mapping_kinds(void)
{
	struct ep pub = E("198.51.100.1", 0), p1, p2;
	struct ep a = E("10.0.0.2", 4000);
	struct ep r1 = E("198.51.100.2", 5060), r2 = E("192.0.2.9", 5060);
	struct nat *n;

	linux_cfg();
	set("port_preservation=false");
	set("nat_mapping=eim");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &r1, 0, false, false, &p1);
	nat_outbound(n, 17, &a, &r2, S, false, false, &p2);
	CU_ASSERT_EQUAL(p1.port, p2.port);          /* RFC 4787 EIM */
	nat_free(n);

	set("nat_mapping=apdm");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &r1, 0, false, false, &p1);
	nat_outbound(n, 17, &a, &r2, S, false, false, &p2);
	CU_ASSERT_NOT_EQUAL(p1.port, p2.port);      /* new mapping per remote */
	nat_free(n);

	set("nat_mapping=adm");
	n = nat_new(&cfg, &pub);
	r2 = E("198.51.100.2", 5080);               /* same address, other port */
	nat_outbound(n, 17, &a, &r1, 0, false, false, &p1);
	nat_outbound(n, 17, &a, &r2, S, false, false, &p2);
	CU_ASSERT_EQUAL(p1.port, p2.port);
	nat_free(n);

	/* consistent_nat = false: a "fresh" request gets a new port */
	linux_cfg();
	set("nat_mapping=eim");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &r1, 0, false, false, &p1);
	nat_outbound(n, 17, &a, &r1, S, false, true, &p2);
	CU_ASSERT_NOT_EQUAL(p1.port, p2.port);
	nat_free(n);
}

static void
test_nat_filtering(void)
{
	struct ep pub = E("198.51.100.1", 0), p;
	struct ep a = E("10.0.0.2", 5060);
	struct ep srv = E("198.51.100.2", 5060), srv_other_port = E("198.51.100.2", 5070);
	struct ep other = E("192.0.2.7", 5060);
	struct nat_result r;
	struct nat *n;

	linux_cfg();                                /* apdf */
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_inbound(n, 17, &srv, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	CU_ASSERT(ep_eq(&r.inside, &a));
	nat_probe(n, 17, &srv_other_port, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_FILTERED);
	nat_probe(n, 17, &other, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_FILTERED);
	nat_free(n);

	set("nat_filtering=adf");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_probe(n, 17, &srv_other_port, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_probe(n, 17, &other, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_FILTERED);
	nat_free(n);

	set("nat_filtering=eif");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_probe(n, 17, &other, &p, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	/* wrong public address, unknown port */
	{
		struct ep elsewhere = E("203.0.113.9", 5060), nope = p;

		nat_probe(n, 17, &other, &elsewhere, S, &r);
		CU_ASSERT_EQUAL(r.verdict, NAT_NOT_PUBLIC);
		nope.port = 1234;
		nat_probe(n, 17, &other, &nope, S, &r);
		CU_ASSERT_EQUAL(r.verdict, NAT_NO_BINDING);
	}
	nat_free(n);
}

static void
test_nat_timeouts(void)
{
	struct ep pub = E("198.51.100.1", 0), p;
	struct ep a = E("10.0.0.2", 5060), srv = E("198.51.100.2", 5060);
	struct nat_result r;
	struct nat *n;

	linux_cfg();
	/* unreplied: 30 s */
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_probe(n, 17, &srv, &p, 29 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_probe(n, 17, &srv, &p, 31 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	CU_ASSERT_EQUAL(r.timeout_s, 30);
	nat_free(n);

	/* replied within 1 s only: the 2-second rule keeps 30 s */
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_inbound(n, 17, &srv, &p, S / 2, &r);
	nat_probe(n, 17, &srv, &p, S / 2 + 31 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	nat_free(n);
	/* legacy: no 2-second rule, 180 s once replied */
	set("udp_stream_2s_rule=false");
	set("udp_stream_timeout=180");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_inbound(n, 17, &srv, &p, S / 2, &r);
	nat_probe(n, 17, &srv, &p, S / 2 + 179 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_probe(n, 17, &srv, &p, S / 2 + 181 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	nat_free(n);

	/* stream active beyond 2 s: 120 s */
	linux_cfg();
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, false, false, &p);
	nat_inbound(n, 17, &srv, &p, 3 * S, &r);
	nat_probe(n, 17, &srv, &p, 3 * S + 119 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_free(n);

	/* inspected signalling with the ALG: sip_timeout (3600 s) */
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, true, false, &p);
	nat_probe(n, 17, &srv, &p, 3000 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_free(n);
	set("alg=false");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, true, false, &p);
	nat_probe(n, 17, &srv, &p, 40 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	/* registrar keepalives every 20 s keep it */
	nat_keepalive(n, 17, &a, 20, S);
	nat_probe(n, 17, &srv, &p, 300 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_free(n);
	/* keepalives rarer than the timeout do not */
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 17, &a, &srv, 0, true, false, &p);
	nat_keepalive(n, 17, &a, 60, S);
	nat_probe(n, 17, &srv, &p, 45 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	nat_free(n);
	/* TCP */
	linux_cfg();
	set("tcp_timeout=100");
	n = nat_new(&cfg, &pub);
	nat_outbound(n, 6, &a, &srv, 0, false, false, &p);
	nat_probe(n, 6, &srv, &p, 99 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	nat_probe(n, 6, &srv, &p, 101 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_EXPIRED);
	nat_probe(n, 17, &srv, &p, 1 * S, &r);      /* other protocol */
	CU_ASSERT_EQUAL(r.verdict, NAT_NO_BINDING);
	nat_free(n);
}

static void
test_nat_pinholes(void)
{
	struct ep pub = E("198.51.100.1", 0), pp;
	struct ep media = E("10.0.0.2", 6000), srv = E("198.51.100.2", 6002);
	struct ep other = E("192.0.2.1", 6002);
	struct nat_result r;
	struct nat *n;
	uint16_t port;

	linux_cfg();
	n = nat_new(&cfg, &pub);
	port = nat_reserve_media(n, &media, 6000, MPORT_KEEP_UNLESS_BUSY, 0);
	CU_ASSERT_EQUAL(port, 6000);
	pp = pub;
	pp.port = port;
	CU_ASSERT_EQUAL(nat_add_pinhole(n, 17, &pp, &media, &srv, 180 * S, false), 0);
	/* the pinhole on 6000 clashes for another phone and the same peer
	 * (Linux: -EALREADY), not for another peer, the same phone, an open
	 * pinhole or another port; the media lookup finds it (until a packet uses it) */
	{
		struct ep media2 = E("10.0.0.3", 6000), w = E("198.51.100.1", 6000);
		struct ep w2 = E("198.51.100.1", 6002), in;

		CU_ASSERT(nat_pinhole_clash(n, &w, &srv, &media2, 2 * S));
		CU_ASSERT(!nat_pinhole_clash(n, &w, &other, &media2, 2 * S));
		CU_ASSERT(!nat_pinhole_clash(n, &w, &srv, &media, 2 * S));
		CU_ASSERT(!nat_pinhole_clash(n, &w, NULL, &media2, 2 * S));
		CU_ASSERT(!nat_pinhole_clash(n, &w2, &srv, &media2, 2 * S));
		CU_ASSERT(!nat_pinhole_clash(n, &w, &srv, &media2, 181 * S));
		CU_ASSERT(nat_media_pinhole(n, &w, 2 * S, &in));
		CU_ASSERT(ep_eq(&in, &media));
		CU_ASSERT(!nat_media_pinhole(n, &w2, 2 * S, &in));
	}
	nat_probe(n, 17, &other, &pp, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PINHOLE_SRC);   /* sip_direct_media */
	nat_probe(n, 17, &srv, &pp, 181 * S, &r);
	CU_ASSERT_NOT_EQUAL(r.verdict, NAT_PASS);      /* expired */
	nat_inbound(n, 17, &srv, &pp, S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	CU_ASSERT_EQUAL(r.via, NAT_VIA_PINHOLE_MEDIA);
	CU_ASSERT(ep_eq(&r.inside, &media));
	/* a second phone wanting 6000 gets 6002 (+2) */
	{
		struct ep media2 = E("10.0.0.3", 6000);

		CU_ASSERT_EQUAL(nat_reserve_media(n, &media2, 6000,
		    MPORT_KEEP_UNLESS_BUSY, 2 * S), 6002);
	}
	/* the RTCP pinhole of the first stream does not block its own re-INVITE */
	pp.port = 6001;
	nat_add_pinhole(n, 17, &pp, &(struct ep){ 4, 0, 6001, { 10, 0, 0, 2 } },
	    &srv, 180 * S, false);
	CU_ASSERT_EQUAL(nat_reserve_media(n, &media, 6000,
	    MPORT_KEEP_UNLESS_BUSY, 3 * S), 6000);
	nat_close_pinholes(n, &media);
	nat_free(n);

	/* registration pinhole, any source, and a forward */
	n = nat_new(&cfg, &pub);
	pp = pub;
	pp.port = 5062;
	nat_add_pinhole(n, 17, &pp, &(struct ep){ 4, 0, 5060, { 10, 0, 0, 2 } },
	    NULL, 0, true);
	nat_inbound(n, 17, &other, &pp, 100 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	CU_ASSERT_EQUAL(r.via, NAT_VIA_PINHOLE_REGISTER);
	pp.port = 5080;
	nat_add_forward(n, 17, 5080, &(struct ep){ 4, 0, 5080, { 10, 0, 0, 2 } });
	nat_inbound(n, 17, &other, &pp, 100 * S, &r);
	CU_ASSERT_EQUAL(r.verdict, NAT_PASS);
	CU_ASSERT_EQUAL(r.via, NAT_VIA_FORWARD);
	nat_free(n);
}

static void
test_nat_inside_nets(void)
{
	struct ep pub = E("198.51.100.1", 0);
	struct ep a = E("10.1.2.3", 0), b = E("100.64.1.1", 0), c = E("172.31.0.1", 0);
	struct nat *n;

	linux_cfg();
	n = nat_new(&cfg, &pub);
	CU_ASSERT(nat_is_inside(n, &a));
	CU_ASSERT(nat_is_inside(n, &c));
	CU_ASSERT(!nat_is_inside(n, &b));
	CU_ASSERT(!nat_is_inside(n, &pub));
	CU_ASSERT_EQUAL(nat_add_inside_net(n, "100.64.0.0/10"), 0);
	CU_ASSERT(nat_is_inside(n, &b));
	CU_ASSERT(!nat_is_inside(n, &a));           /* explicit list replaces RFC 1918 */
	CU_ASSERT_EQUAL(nat_add_inside_net(n, "100.64.0.0/33"), -1);
	CU_ASSERT_EQUAL(nat_add_inside_net(n, "host/8"), -1);
	CU_ASSERT_EQUAL(nat_add_inside_net(n, "10.0.0.0/"), -1);
	CU_ASSERT_EQUAL(nat_add_inside_net(n, "10.0.0.0/x"), -1);
	nat_free(n);
}

/* ---- ALG -------------------------------------------------------------- */

static const char INVITE[] =
    "INVITE sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK0\r\n"
    "From: <sip:alice@10.0.0.2:5060>;tag=a\r\n"
    "To: <sip:bob@198.51.100.2:5060>\r\n"
    "Call-ID: abc@10.0.0.2\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@10.0.0.2:5060>, <sip:alice@10.0.0.2:5070>\r\n"
    "Record-Route: <sip:10.0.0.2:5060;lr>\r\n"
    "X-Private: 10.0.0.2\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 182\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 1 1 IN IP4 10.0.0.2\r\n"
    "s=-\r\n"
    "c=IN IP4 10.0.0.2\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 8\r\n"
    "a=rtcp:6001\r\n"
    "a=candidate:1 1 UDP 2130706431 10.0.0.2 6000 typ host\r\n"
    "m=video 6010 RTP/AVP 96\r\n";

static uint16_t busy_port;

static uint16_t
media_fn(void *user, const struct ep *in)
{
	(void)user;
	return in->port == busy_port ? (uint16_t)(in->port + 2) : in->port;
}

/* Runs the INVITE above outbound from 10.0.0.2:5060 to 198.51.100.1:5060. */
static void
run(const char *msg, size_t len, struct alg_result *res, uint16_t srcport,
    uint16_t pubport)
{
	struct alg_flow fl;

	memset(&fl, 0, sizeof(fl));
	fl.outbound = true;
	fl.match = E("10.0.0.2", srcport);
	fl.repl = E("198.51.100.1", pubport);
	alg_process(&cfg, (const uint8_t *)msg, len, &fl, media_fn, NULL, res);
}

/* The rewritten text (or the input) as a C string in buf. */
static const char *
text(const struct alg_result *res, const char *in, char *buf, size_t n)
{
	if (res->action == ALG_REWRITTEN)
		snprintf(buf, n, "%.*s", (int)res->out_len, res->out);
	else
		snprintf(buf, n, "%s", in);
	return buf;
}

static size_t
body_len(const char *m)
{
	const char *b = strstr(m, "\r\n\r\n");

	return b ? strlen(b + 4) : 0;
}

static long
cl_of(const char *m)
{
	const char *c = strstr(m, "Content-Length: ");

	return c ? strtol(c + 16, NULL, 10) : -1;
}

static void
test_alg_linux_invite(void)
{
	struct alg_result res;
	char out[4096];

	linux_cfg();
	CU_ASSERT_EQUAL(body_len(INVITE), 182);
	busy_port = 0;
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	CU_ASSERT_EQUAL_FATAL(res.action, ALG_REWRITTEN);
	text(&res, INVITE, out, sizeof(out));
	/* R-URI is the server: untouched */
	CU_ASSERT(strstr(out, "INVITE sip:bob@198.51.100.2:5060 SIP/2.0\r\n") != NULL);
	/* top Via only */
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1;rport\r\n") != NULL);
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK0\r\n") != NULL);
	CU_ASSERT(strstr(out, "From: <sip:alice@198.51.100.1:5060>;tag=a\r\n") != NULL);
	CU_ASSERT(strstr(out, "To: <sip:bob@198.51.100.2:5060>\r\n") != NULL);
	/* Contact: each value on exact match; :5070 stays */
	CU_ASSERT(strstr(out, "Contact: <sip:alice@198.51.100.1:5060>, <sip:alice@10.0.0.2:5070>\r\n") != NULL);
	/* never rewritten by Linux */
	CU_ASSERT(strstr(out, "Call-ID: abc@10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "Record-Route: <sip:10.0.0.2:5060;lr>\r\n") != NULL);
	CU_ASSERT(strstr(out, "X-Private: 10.0.0.2\r\n") != NULL);
	/* SDP */
	CU_ASSERT(strstr(out, "o=alice 1 1 IN IP4 198.51.100.1\r\n") != NULL);
	CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
	CU_ASSERT(strstr(out, "m=audio 6000 RTP/AVP 8\r\n") != NULL);
	CU_ASSERT(strstr(out, "a=rtcp:6001\r\n") != NULL);
	CU_ASSERT(strstr(out, "a=candidate:1 1 UDP 2130706431 10.0.0.2 6000 typ host\r\n") != NULL);
	CU_ASSERT_EQUAL(res.nmedia, 2);
	CU_ASSERT_EQUAL(res.media[0].outside.port, 6000);
	/* Content-Length = body from v= (bare SDP: right) */
	CU_ASSERT_EQUAL(cl_of(out), (long)body_len(out));
	CU_ASSERT(res.cl_changed);
	CU_ASSERT(!res.cl_wrong);
	alg_result_fini(&res);

	/* source port 5062: Contact :5060 no longer matches (require_port_match) */
	run(INVITE, sizeof(INVITE) - 1, &res, 5062, 40000);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "Contact: <sip:alice@10.0.0.2:5060>") != NULL);
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1") != NULL);
	alg_result_fini(&res);
	/* ... and without it the address is replaced, the port kept */
	set("require_port_match=false");
	run(INVITE, sizeof(INVITE) - 1, &res, 5062, 40000);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "Contact: <sip:alice@198.51.100.1:5060>, <sip:alice@198.51.100.1:5070>") != NULL);
	alg_result_fini(&res);
}

static void
test_alg_header_knobs(void)
{
	struct alg_result res;
	char out[4096];

	linux_cfg();
	busy_port = 0;
	set("rewrite_via=all");
	set("rewrite_call_id=true");
	set("rewrite_route_rr=true");
	set("rewrite_contact=first");
	set("strip_unknown_headers=true");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK0\r\n") != NULL);
	CU_ASSERT(strstr(out, "Call-ID: abc@198.51.100.1\r\n") != NULL);
	CU_ASSERT(strstr(out, "Record-Route: <sip:198.51.100.1:5060;lr>\r\n") != NULL);
	CU_ASSERT(strstr(out, "Contact: <sip:alice@198.51.100.1:5060>, <sip:alice@10.0.0.2:5070>\r\n") != NULL);
	CU_ASSERT(strstr(out, "X-Private") == NULL);
	alg_result_fini(&res);

	linux_cfg();
	set("rewrite_via=off");
	set("rewrite_contact=off");
	set("rewrite_from_to=off");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1") != NULL);
	CU_ASSERT(strstr(out, "From: <sip:alice@10.0.0.2:5060>") != NULL);
	CU_ASSERT(strstr(out, "Contact: <sip:alice@10.0.0.2:5060>") != NULL);
	alg_result_fini(&res);

	/* rewrite_from_to=always: address match whatever the port */
	linux_cfg();
	set("rewrite_from_to=always");
	run(INVITE, sizeof(INVITE) - 1, &res, 5062, 40000);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "From: <sip:alice@198.51.100.1:5060>;tag=a") != NULL);
	alg_result_fini(&res);
}

static void
test_alg_ruri_and_inbound(void)
{
	static const char req[] =
	    "BYE sip:alice@198.51.100.1:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.2:5060;branch=z9hG4bKb\r\n"
	    "From: <sip:bob@198.51.100.2>;tag=b\r\n"
	    "To: <sip:alice@198.51.100.1>;tag=a\r\n"
	    "Call-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
	static const char resp[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1;received=198.51.100.1;rport=5060\r\n"
	    "From: <sip:alice@198.51.100.1:5060>;tag=a\r\n"
	    "To: <sip:bob@198.51.100.2>;tag=b\r\n"
	    "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct alg_flow fl;
	struct alg_result res;
	char out[2048];

	linux_cfg();
	memset(&fl, 0, sizeof(fl));
	fl.outbound = false;
	fl.match = E("198.51.100.1", 5060);
	fl.repl = E("10.0.0.2", 5060);
	alg_process(&cfg, (const uint8_t *)req, sizeof(req) - 1, &fl, NULL, NULL, &res);
	text(&res, req, out, sizeof(out));
	CU_ASSERT(strstr(out, "BYE sip:alice@10.0.0.2:5060 SIP/2.0\r\n") != NULL);
	CU_ASSERT(strstr(out, "To: <sip:alice@10.0.0.2>;tag=a") != NULL);
	alg_result_fini(&res);
	/* rewrite_ruri=off */
	set("rewrite_ruri=off");
	alg_process(&cfg, (const uint8_t *)req, sizeof(req) - 1, &fl, NULL, NULL, &res);
	text(&res, req, out, sizeof(out));
	CU_ASSERT(strstr(out, "BYE sip:alice@198.51.100.1:5060 SIP/2.0\r\n") != NULL);
	alg_result_fini(&res);

	/* inbound response: Via sent-by, received= and rport= restored (K1) */
	linux_cfg();
	alg_process(&cfg, (const uint8_t *)resp, sizeof(resp) - 1, &fl, NULL, NULL, &res);
	text(&res, resp, out, sizeof(out));
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;received=10.0.0.2;rport=5060\r\n") != NULL);
	alg_result_fini(&res);
	set("rewrite_via_params=none");
	alg_process(&cfg, (const uint8_t *)resp, sizeof(resp) - 1, &fl, NULL, NULL, &res);
	text(&res, resp, out, sizeof(out));
	CU_ASSERT(strstr(out, ";received=198.51.100.1;rport=5060\r\n") != NULL);
	alg_result_fini(&res);
	/* rport restored when the mapped port differs */
	set("rewrite_via_params=rport");
	fl.match = E("198.51.100.1", 5060);
	fl.repl = E("10.0.0.2", 5062);
	alg_process(&cfg, (const uint8_t *)resp, sizeof(resp) - 1, &fl, NULL, NULL, &res);
	text(&res, resp, out, sizeof(out));
	CU_ASSERT(strstr(out, ";received=198.51.100.1;rport=5062\r\n") != NULL);
	alg_result_fini(&res);

	/* contact_fixup=false: no Contact rewrite on inbound with Record-Route */
	{
		static const char m2[] =
		    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKx\r\n"
		    "Record-Route: <sip:198.51.100.2;lr>\r\n"
		    "Contact: <sip:alice@198.51.100.1:5060>\r\n"
		    "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\n"
		    "Call-ID: y\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

		linux_cfg();
		fl.repl = E("10.0.0.2", 5060);
		alg_process(&cfg, (const uint8_t *)m2, sizeof(m2) - 1, &fl, NULL, NULL, &res);
		text(&res, m2, out, sizeof(out));
		CU_ASSERT(strstr(out, "Contact: <sip:alice@10.0.0.2:5060>") != NULL);
		alg_result_fini(&res);
		set("contact_fixup=false");
		alg_process(&cfg, (const uint8_t *)m2, sizeof(m2) - 1, &fl, NULL, NULL, &res);
		text(&res, m2, out, sizeof(out));
		CU_ASSERT(strstr(out, "Contact: <sip:alice@198.51.100.1:5060>") != NULL);
		alg_result_fini(&res);
	}
}

static void
test_alg_sdp_knobs(void)
{
	struct alg_result res;
	char out[4096];

	linux_cfg();
	busy_port = 6000;                            /* the pair is busy: +2 */
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "m=audio 6002 RTP/AVP 8\r\n") != NULL);
	CU_ASSERT_EQUAL(res.media[0].outside.port, 6002);
	CU_ASSERT_EQUAL(cl_of(out), (long)body_len(out));
	alg_result_fini(&res);

	busy_port = 0;
	set("rewrite_a_rtcp=true");
	set("rewrite_ice=true");
	set("sdp_add_i_line=true");
	set("sdp_max_media=1");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "a=rtcp:6001\r\n") != NULL);
	CU_ASSERT(strstr(out, "a=candidate:1 1 UDP 2130706431 198.51.100.1 6000 typ host\r\n") != NULL);
	CU_ASSERT(strstr(out, "s=-\r\ni=10.0.0.2\r\n") != NULL);
	CU_ASSERT_EQUAL(res.nmedia, 1);              /* video beyond sdp_max_media */
	alg_result_fini(&res);

	linux_cfg();
	set("rewrite_o_line=false");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "o=alice 1 1 IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
	alg_result_fini(&res);

	linux_cfg();
	set("sdp_fixup=false");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	text(&res, INVITE, out, sizeof(out));
	CU_ASSERT(strstr(out, "c=IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(!res.sdp_rewritten);
	CU_ASSERT_EQUAL(cl_of(out), 182);            /* body untouched: CL untouched */
	alg_result_fini(&res);

	/* c= not the signalling source: Linux leaves it; double translation without */
	{
		char m[4096], *p;

		linux_cfg();
		snprintf(m, sizeof(m), "%s", INVITE);
		p = strstr(m, "c=IN IP4 10.0.0.2");
		memcpy(p, "c=IN IP4 10.0.0.9", 17);
		run(m, strlen(m), &res, 5060, 5060);
		text(&res, m, out, sizeof(out));
		CU_ASSERT(strstr(out, "c=IN IP4 10.0.0.9\r\n") != NULL);
		/* sdp_session last_media: o= follows that c= (kern-phonemedia-dm1) */
		CU_ASSERT(strstr(out, "o=alice 1 1 IN IP4 10.0.0.9\r\n") != NULL);
		CU_ASSERT_EQUAL(cl_of(out), (long)body_len(out));
		CU_ASSERT_EQUAL(res.nmedia, 0);
		alg_result_fini(&res);
		set("sdp_session=nat_address");
		run(m, strlen(m), &res, 5060, 5060);
		text(&res, m, out, sizeof(out));
		CU_ASSERT(strstr(out, "o=alice 1 1 IN IP4 10.0.0.2\r\n") != NULL);
		alg_result_fini(&res);
		linux_cfg();
		set("sdp_requires_src_match=false");
		run(m, strlen(m), &res, 5060, 5060);
		text(&res, m, out, sizeof(out));
		CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
		alg_result_fini(&res);
	}
}

/* An answer whose media is at another far-end address: o= and the
 * session c= take it on the way in (sdp_session last_media). */
static void
test_alg_sdp_session_inbound(void)
{
	static const char resp[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1\r\n"
	    "From: <sip:alice@198.51.100.1:5060>;tag=a\r\n"
	    "To: <sip:bob@198.51.100.2>;tag=b\r\n"
	    "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
	    "Content-Length: 118\r\n\r\n"
	    "v=0\r\no=bob 2 2 IN IP4 198.51.100.2\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/AVP 8\r\nc=IN IP4 198.51.100.3\r\n";
	struct alg_flow fl;
	struct alg_result res;
	char out[2048];

	linux_cfg();
	memset(&fl, 0, sizeof(fl));
	fl.outbound = false;
	fl.match = E("198.51.100.1", 5060);
	fl.repl = E("10.0.0.2", 5060);
	fl.peer = E("198.51.100.2", 5060);
	CU_ASSERT_EQUAL(body_len(resp), 118);
	alg_process(&cfg, (const uint8_t *)resp, sizeof(resp) - 1, &fl, NULL, NULL, &res);
	text(&res, resp, out, sizeof(out));
	CU_ASSERT(strstr(out, "o=bob 2 2 IN IP4 198.51.100.3\r\n") != NULL);
	CU_ASSERT(strstr(out, "s=-\r\nc=IN IP4 198.51.100.3\r\n") != NULL);
	CU_ASSERT(strstr(out, "m=audio 7000 RTP/AVP 8\r\nc=IN IP4 198.51.100.3\r\n") != NULL);
	CU_ASSERT_EQUAL(cl_of(out), (long)body_len(out));
	alg_result_fini(&res);
	set("sdp_session=nat_address");
	alg_process(&cfg, (const uint8_t *)resp, sizeof(resp) - 1, &fl, NULL, NULL, &res);
	text(&res, resp, out, sizeof(out));
	CU_ASSERT(strstr(out, "o=bob 2 2 IN IP4 198.51.100.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "s=-\r\nc=IN IP4 198.51.100.2\r\n") != NULL);
	CU_ASSERT(!res.sdp_rewritten);
	alg_result_fini(&res);
}

/* CRLF keepalives before a message (leading_crlf). */
static void
test_alg_leading_crlf(void)
{
	char m[4096], out[4096];
	struct alg_result res;

	snprintf(m, sizeof(m), "\r\n\r\n%s", INVITE);
	linux_cfg();
	run(m, strlen(m), &res, 5060, 5060);
	text(&res, m, out, sizeof(out));
	/* headers_only: Via, From, Contact as a request's; start line and SDP not */
	CU_ASSERT(strncmp(out, "\r\n\r\nINVITE ", 10) == 0);
	CU_ASSERT(strstr(out, "Via: SIP/2.0/UDP 198.51.100.1:5060") != NULL);
	CU_ASSERT(strstr(out, "c=IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "o=alice 1 1 IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(!res.sdp_rewritten);
	CU_ASSERT_EQUAL(res.nmedia, 0);              /* no pinhole */
	alg_result_fini(&res);
	set("leading_crlf=skip");
	run(m, strlen(m), &res, 5060, 5060);
	text(&res, m, out, sizeof(out));
	CU_ASSERT(strncmp(out, "\r\n\r\nINVITE ", 10) == 0);
	CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
	CU_ASSERT(res.nmedia > 0);
	alg_result_fini(&res);
}

static void
test_alg_content_length(void)
{
	static const char hdr[] =
	    "INVITE sip:b@198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKm\r\n"
	    "From: <sip:a@10.0.0.2>;tag=1\r\nTo: <sip:b@198.51.100.2>\r\n"
	    "Call-ID: m\r\nCSeq: 1 INVITE\r\n"
	    "Content-Type: multipart/mixed;boundary=bb\r\n"
	    "Content-Length: %zu\r\n\r\n%s";
	static const char body[] =
	    "--bb\r\nContent-Type: application/sdp\r\n\r\n"
	    "v=0\r\no=a 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\n\r\n--bb--\r\n";
	char m[2048], out[4096];
	struct alg_result res;
	size_t vpos = (size_t)(strstr(body, "v=0") - body);

	snprintf(m, sizeof(m), hdr, strlen(body), body);
	linux_cfg();
	busy_port = 0;
	run(m, strlen(m), &res, 5060, 5060);
	text(&res, m, out, sizeof(out));
	/* K1: message end - start of v= : short by the multipart preamble */
	CU_ASSERT_EQUAL(cl_of(out), (long)(body_len(out) - vpos));
	CU_ASSERT(res.cl_wrong);
	alg_result_fini(&res);
	set("content_length=exact");
	run(m, strlen(m), &res, 5060, 5060);
	text(&res, m, out, sizeof(out));
	CU_ASSERT_EQUAL(cl_of(out), (long)body_len(out));
	CU_ASSERT(!res.cl_wrong);
	alg_result_fini(&res);
	set("content_length=none");
	run(m, strlen(m), &res, 5060, 5060);
	text(&res, m, out, sizeof(out));
	CU_ASSERT_EQUAL(cl_of(out), (long)strlen(body));
	CU_ASSERT(res.cl_wrong);                     /* body grew, CL did not */
	CU_ASSERT(!res.cl_changed);
	alg_result_fini(&res);
}

static void
test_alg_drops(void)
{
	struct alg_result res;
	char m[4096], *p;

	/* m= port below 1024: Linux drop rule */
	linux_cfg();
	snprintf(m, sizeof(m), "%s", INVITE);
	p = strstr(m, "m=audio 6000");
	memcpy(p, "m=audio 0080", 12);
	run(m, strlen(m), &res, 5060, 5060);
	CU_ASSERT_EQUAL(res.action, ALG_DROP);
	CU_ASSERT(strstr(res.reason, "below 1024") != NULL);
	alg_result_fini(&res);
	set("drop_on_parse_error=false");
	run(m, strlen(m), &res, 5060, 5060);
	CU_ASSERT_EQUAL(res.action, ALG_PASS);
	alg_result_fini(&res);

	linux_cfg();
	set("max_line_length=40");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	CU_ASSERT_EQUAL(res.action, ALG_DROP);
	CU_ASSERT(strstr(res.reason, "max_line_length") != NULL);
	alg_result_fini(&res);
	linux_cfg();
	set("max_ruri_len=10");
	run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
	CU_ASSERT_EQUAL(res.action, ALG_DROP);
	alg_result_fini(&res);
	linux_cfg();
	set("block_unknown_methods=true");
	{
		static const char foo[] = "FOO sip:x@198.51.100.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKf\r\nCall-ID: f\r\n"
		    "CSeq: 1 FOO\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		    "Content-Length: 0\r\n\r\n";

		run(foo, sizeof(foo) - 1, &res, 5060, 5060);
		CU_ASSERT_EQUAL(res.action, ALG_DROP);
		alg_result_fini(&res);
		run(INVITE, sizeof(INVITE) - 1, &res, 5060, 5060);
		CU_ASSERT_NOT_EQUAL(res.action, ALG_DROP);
		alg_result_fini(&res);
	}
	linux_cfg();
	set("register_requires_contact_port=true");
	{
		static const char reg[] = "REGISTER sip:198.51.100.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKr\r\nCall-ID: r\r\n"
		    "CSeq: 1 REGISTER\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
		    "Contact: <sip:a@10.0.0.2>\r\nContent-Length: 0\r\n\r\n";
		static const char reg2[] = "REGISTER sip:198.51.100.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKr\r\nCall-ID: r\r\n"
		    "CSeq: 1 REGISTER\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
		    "Contact: <sip:a@10.0.0.2:5060>\r\nContent-Length: 0\r\n\r\n";

		run(reg, sizeof(reg) - 1, &res, 5060, 5060);
		CU_ASSERT_EQUAL(res.action, ALG_DROP);
		alg_result_fini(&res);
		run(reg2, sizeof(reg2) - 1, &res, 5060, 5060);
		CU_ASSERT_EQUAL(res.action, ALG_REWRITTEN);
		alg_result_fini(&res);
		/* without the knob, the port-less Contact matches as :5060 */
		set("register_requires_contact_port=false");
		run(reg, sizeof(reg) - 1, &res, 5060, 5060);
		CU_ASSERT_EQUAL(res.action, ALG_REWRITTEN);
		CU_ASSERT(res.out != NULL && strstr((char *)res.out, "Contact: <sip:a@198.51.100.1>") != NULL);
		alg_result_fini(&res);
	}
}

/* Every prefix of the INVITE: no crash, no read past the end (ASan). */
static void
test_alg_truncations(void)
{
	struct alg_result res;
	size_t n;
	uint8_t *copy;

	linux_cfg();
	for (n = 0; n <= sizeof(INVITE) - 1; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, INVITE, n);
		run((const char *)copy, n, &res, 5060, 5060);
		CU_ASSERT(res.action != ALG_REWRITTEN || res.out_len > 0);
		alg_result_fini(&res);
		free(copy);
	}
	/* garbage */
	{
		uint8_t junk[512];
		size_t i;

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(i * 37 + 11);
		run((const char *)junk, sizeof(junk), &res, 5060, 5060);
		CU_ASSERT_EQUAL(res.action, ALG_DROP);
		alg_result_fini(&res);
	}
}

/* ---- profiles --------------------------------------------------------- */

static void
test_profile_errors(void)
{
	char err[2048], buf[64];
	struct sim_cfg c;
	const char *dirs[] = { SIPALG_SRC_PROFILES_DIR, NULL };
	FILE *f;
	char path[] = "/tmp/test_sim_prof_XXXXXX";
	int fd;

	profile_defaults(&c);
	CU_ASSERT_EQUAL(profile_set(&c, "nosuch", "1", err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "valid knobs: nat_mapping") != NULL);
	CU_ASSERT(strstr(err, "farend_nat_keepalive") != NULL);
	CU_ASSERT_EQUAL(profile_set(&c, "alg", "maybe", err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "true or false") != NULL);
	CU_ASSERT_EQUAL(profile_set(&c, "udp_timeout", "0", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "udp_timeout", "86401", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "udp_timeout", "-5", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "udp_timeout", "", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "nat_mapping", "xyz", err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "eim, adm, apdm") != NULL);
	CU_ASSERT_EQUAL(profile_set(&c, "rewrite_via_params", "received,bogus", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "inspect_ports", "udp/0", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set(&c, "inspect_ports", "sctp/5060", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set_arg(&c, "noequals", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(profile_set_arg(&c, "=5", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(c.udp_timeout, 30);          /* unchanged by failures */
	CU_ASSERT_EQUAL(profile_set(&c, "inspect_ports", "udp/5060,udp/5080,tcp/5061", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.ninspect_udp, 2);
	CU_ASSERT_EQUAL(c.inspect_tcp_ports[0], 5061);
	CU_ASSERT_STRING_EQUAL(profile_get(&c, "inspect_ports", buf, sizeof(buf)),
	    "udp/5060,udp/5080,tcp/5061");
	CU_ASSERT_EQUAL(profile_set(&c, "rewrite_via_params", "rport,maddr", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(profile_get(&c, "rewrite_via_params", buf, sizeof(buf)), "rport,maddr");
	CU_ASSERT_PTR_NULL(profile_get(&c, "nosuch", buf, sizeof(buf)));

	/* file errors carry file:line */
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# comment\n\nudp_timeout = 45   # trailing\nalg = nope\n");
	fclose(f);
	CU_ASSERT_EQUAL(profile_load_file(&c, path, dirs, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, ":4: bad value 'nope' for knob alg") != NULL);
	CU_ASSERT_EQUAL(c.udp_timeout, 45);
	f = fopen(path, "w");
	fprintf(f, "include nosuchprofile\n");
	fclose(f);
	CU_ASSERT_EQUAL(profile_load_file(&c, path, dirs, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, ":1: unknown profile 'nosuchprofile'") != NULL);
	f = fopen(path, "w");
	fprintf(f, "include ../etc/passwd\n");
	fclose(f);
	CU_ASSERT_EQUAL(profile_load_file(&c, path, dirs, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "bad profile name") != NULL);
	unlink(path);
	CU_ASSERT_EQUAL(profile_load_file(&c, "/nonexistent/x.conf", dirs, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "No such file") != NULL);
}

static void
test_profile_shipped(void)
{
	static const char *const names[] = { "off", "linux", "linux-legacy",
		"consumer", "fortigate", "juniper", "sonicwall", "cisco-asa" };
	const char *dirs[] = { SIPALG_SRC_PROFILES_DIR, NULL };
	struct sim_cfg c, d;
	char err[2048];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CU_ASSERT_EQUAL(profile_load(&c, names[i], dirs, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(c.name, names[i]);
	}
	/* linux.conf equals the built-in defaults */
	profile_load(&c, "linux", dirs, err, sizeof(err));
	profile_defaults(&d);
	CU_ASSERT_EQUAL(memcmp(&c, &d, sizeof(c)), 0);
	profile_load(&c, "off", dirs, err, sizeof(err));
	CU_ASSERT(!c.alg);
	profile_load(&c, "sonicwall", dirs, err, sizeof(err));
	CU_ASSERT(!c.consistent_nat);
	CU_ASSERT_EQUAL(c.udp_fragments, FRAG_DROP);
	profile_load(&c, "fortigate", dirs, err, sizeof(err));
	CU_ASSERT(c.sdp_add_i_line);
	CU_ASSERT(c.rewrite_call_id);
	CU_ASSERT_EQUAL(profile_list(dirs, NULL, NULL), 8);
}

/* ---- pcap writer ------------------------------------------------------ */

static void
test_pcapw_checksums(void)
{
	FILE *f = tmpfile();
	struct pcapw *w;
	struct ep a = E("198.51.100.1", 5060), b = E("198.51.100.2", 5060);
	uint8_t buf[2048];
	size_t n;
	const uint8_t pl[] = "hello, odd length";
	uint32_t sum;
	size_t i;

	CU_ASSERT_FATAL(f != NULL);
	w = pcapw_fdopen(f);
	CU_ASSERT_EQUAL(pcapw_udp(w, 5 * S + 7, &a, &b, pl, sizeof(pl) - 1), 0);
	CU_ASSERT_EQUAL(pcapw_tcp(w, 6 * S, &a, &b, 1000, 2000,
	    PKT_TCP_ACK | PKT_TCP_PSH, pl, sizeof(pl) - 1), 0);
	CU_ASSERT_EQUAL(pcapw_count(w), 2);
	CU_ASSERT_EQUAL(pcapw_close(w), 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_EQUAL(n, 24 + 16 + 14 + 20 + 8 + 17 + 16 + 14 + 20 + 20 + 17);
	/* nanosecond magic, Ethernet */
	CU_ASSERT_EQUAL(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, 0xa1b23c4du);
	/* record 1: ts 5 s + 7 ns */
	CU_ASSERT_EQUAL(buf[24], 5);
	CU_ASSERT_EQUAL(buf[28], 7);
	/* IPv4 header checksum verifies to 0 */
	CU_ASSERT_EQUAL(pcapw_cksum(buf + 40 + 14, 20, 0), 0);
	CU_ASSERT_EQUAL(buf[40 + 14 + 2] << 8 | buf[40 + 14 + 3], 20 + 8 + 17);
	/* UDP checksum over the pseudo-header verifies to 0 */
	sum = 0;
	for (i = 0; i < 8; i += 2)
		sum += (uint32_t)(buf[40 + 14 + 12 + i] << 8 | buf[40 + 14 + 12 + i + 1]);
	sum += 17 + 8 + 17;
	CU_ASSERT_EQUAL(pcapw_cksum(buf + 40 + 14 + 20, 8 + 17, sum), 0);
	/* TCP: seq, ack, checksum */
	{
		const uint8_t *ip = buf + 40 + 14 + 20 + 8 + 17 + 16 + 14;
		const uint8_t *t = ip + 20;

		CU_ASSERT_EQUAL(pcapw_cksum(ip, 20, 0), 0);
		CU_ASSERT_EQUAL((uint32_t)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7], 1000);
		CU_ASSERT_EQUAL((uint32_t)t[8] << 24 | t[9] << 16 | t[10] << 8 | t[11], 2000);
		sum = 0;
		for (i = 0; i < 8; i += 2)
			sum += (uint32_t)(ip[12 + i] << 8 | ip[12 + i + 1]);
		sum += 6 + 20 + 17;
		CU_ASSERT_EQUAL(pcapw_cksum(t, 20 + 17, sum), 0);
	}
	/* family mismatch refused */
	f = tmpfile();
	w = pcapw_fdopen(f);
	{
		struct ep v6 = E("2001:db8::1", 5060);

		CU_ASSERT_EQUAL(pcapw_udp(w, 0, &a, &v6, pl, 3), -1);
	}
	pcapw_close(w);
	fclose(f);
}

/* ---- far end ---------------------------------------------------------- */

static void
test_farend(void)
{
	struct fe_dialog d;
	struct alg_result ar;
	struct ep t;
	static const char resp[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=5060;received=10.0.0.2\r\n"
	    "From: <sip:alice@10.0.0.2:5060>;tag=a\r\n"
	    "To: <sip:bob@198.51.100.2>;tag=b\r\n"
	    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char inv[] =
	    "INVITE sip:alice@10.0.0.2:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.2:5060;branch=z9hG4bKs\r\n"
	    "From: <sip:bob@198.51.100.2>;tag=b\r\n"
	    "To: <sip:alice@10.0.0.2:5060>\r\n"
	    "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	uint8_t *out;
	size_t ol;
	struct ep src_pub = E("198.51.100.1", 40000);
	char buf[1024];

	linux_cfg();
	memset(&d, 0, sizeof(d));
	snprintf(d.call_id, sizeof(d.call_id), "c1");
	d.ntxn = 1;
	d.txn[0].cseq = 1;
	snprintf(d.txn[0].method, sizeof(d.txn[0].method), "INVITE");
	d.txn[0].via_out = E("198.51.100.1", 5060);
	d.txn[0].rport = true;
	d.txn[0].src_pub = src_pub;
	CU_ASSERT(fe_response_target(&cfg, &d, 1, "INVITE", &t));
	CU_ASSERT_EQUAL(t.port, 40000);              /* rport: the source port */
	set("farend_rport=false");
	CU_ASSERT(fe_response_target(&cfg, &d, 1, "INVITE", &t));
	CU_ASSERT_EQUAL(t.port, 5060);               /* the sent-by port */
	CU_ASSERT(ep_same_ip(&t, &src_pub));         /* received = source address */
	CU_ASSERT(!fe_response_target(&cfg, &d, 2, "BYE", &t));

	/* echo: the ALG's edits of Via/From come back in the response */
	memset(&ar, 0, sizeof(ar));
	ar.nedits = 2;
	snprintf(ar.edits[0].field, sizeof(ar.edits[0].field), "Via");
	snprintf(ar.edits[0].before, sizeof(ar.edits[0].before), "10.0.0.2:5060");
	snprintf(ar.edits[0].after, sizeof(ar.edits[0].after), "198.51.100.1:5060");
	snprintf(ar.edits[1].field, sizeof(ar.edits[1].field), "From");
	snprintf(ar.edits[1].before, sizeof(ar.edits[1].before), "10.0.0.2:5060");
	snprintf(ar.edits[1].after, sizeof(ar.edits[1].after), "198.51.100.1:5060");
	fe_learn_edits(&d, &ar);
	fe_learn_edits(&d, &ar);                     /* idempotent */
	CU_ASSERT_EQUAL(d.nsubs, 2);
	fe_outside_bytes(&d, (const uint8_t *)resp, sizeof(resp) - 1, false,
	    NULL, NULL, &src_pub, false, &out, &ol);
	CU_ASSERT_FATAL(out != NULL);
	snprintf(buf, sizeof(buf), "%.*s", (int)ol, out);
	CU_ASSERT(strstr(buf, "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1;rport=40000;received=198.51.100.1\r\n") != NULL);
	CU_ASSERT(strstr(buf, "From: <sip:alice@198.51.100.1:5060>;tag=a") != NULL);
	free(out);
	/* its request left verbatim: Via and From echo the private address */
	fe_outside_bytes(&d, (const uint8_t *)resp, sizeof(resp) - 1, false,
	    NULL, NULL, &src_pub, true, &out, &ol);
	snprintf(buf, sizeof(buf), "%.*s", out != NULL ? (int)ol : 0,
	    out != NULL ? (const char *)out : "");
	CU_ASSERT(strstr(buf, "From: <sip:alice@198.51.100.1:5060>") == NULL);
	free(out);

	/* a new request to the phone: R-URI and To name the public target */
	memset(&d, 0, sizeof(d));
	{
		struct ep phone = E("10.0.0.2", 5060), target = E("198.51.100.1", 5062);

		fe_outside_bytes(&d, (const uint8_t *)inv, sizeof(inv) - 1, true,
		    &phone, &target, NULL, false, &out, &ol);
		CU_ASSERT_FATAL(out != NULL);
		snprintf(buf, sizeof(buf), "%.*s", (int)ol, out);
		CU_ASSERT(strstr(buf, "INVITE sip:alice@198.51.100.1:5062 SIP/2.0\r\n") != NULL);
		CU_ASSERT(strstr(buf, "To: <sip:alice@198.51.100.1:5062>\r\n") != NULL);
		CU_ASSERT(strstr(buf, "Via: SIP/2.0/UDP 198.51.100.2:5060;branch=z9hG4bKs\r\n") != NULL);
		free(out);
	}
	/* nothing to change: NULL */
	fe_outside_bytes(&d, (const uint8_t *)inv, sizeof(inv) - 1, true,
	    NULL, NULL, NULL, false, &out, &ol);
	CU_ASSERT_PTR_NULL(out);
	/* findings are kept once per name */
	fe_finding_add(&d, "transfer_failure", 1, 2, "x");
	fe_finding_add(&d, "transfer_failure", 3, 4, "y");
	CU_ASSERT_EQUAL(d.nf, 1);
}

/* ---- whole replays ------------------------------------------------------ */

struct wr {
	struct pcapw *w;
	int64_t t;
};

static void
udp(struct wr *w, double dt, const char *src, uint16_t sp, const char *dst,
    uint16_t dp, const char *payload, size_t len)
{
	struct ep a = E(src, sp), b = E(dst, dp);

	w->t += (int64_t)(dt * 1e9);
	pcapw_udp(w->w, w->t, &a, &b, (const uint8_t *)payload, len);
}

static const char *
sip(char *buf, size_t n, const char *first, const char *via_host, int cseq,
    const char *method, const char *tag_to, const char *contact, int sdp_port,
    const char *sdp_ip)
{
	char body[512] = "";

	if (sdp_port > 0)
		snprintf(body, sizeof(body),
		    "v=0\r\no=u 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		    "m=audio %d RTP/AVP 0\r\n", sdp_ip, sdp_ip, sdp_port);
	snprintf(buf, n, "%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d%s;rport\r\n"
	    "From: <sip:a@10.0.0.2>;tag=f\r\nTo: <sip:b@198.51.100.2>%s%s\r\n"
	    "Call-ID: call-1\r\nCSeq: %d %s\r\nContact: <sip:%s>\r\n%s"
	    "Content-Length: %zu\r\n\r\n%s", first, via_host, cseq, method,
	    tag_to ? ";tag=" : "", tag_to ? tag_to : "", cseq, method, contact,
	    body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
	return buf;
}

/* An outbound call: INVITE/200/ACK, RTP both ways, BYE/200. */
static void
write_call(const char *path, bool with_inbound_rtp)
{
	FILE *f = fopen(path, "wb");
	struct wr w = { pcapw_fdopen(f), 1000 * S };
	char m[2048], rtp[172];
	int i;

	memset(rtp, 0xd5, sizeof(rtp));
	rtp[0] = (char)0x80;
	rtp[1] = 0;
	sip(m, sizeof(m), "INVITE sip:b@198.51.100.2 SIP/2.0", "10.0.0.2:5060", 1,
	    "INVITE", NULL, "a@10.0.0.2:5060", 6000, "10.0.0.2");
	udp(&w, 0, "10.0.0.2", 5060, "198.51.100.2", 5060, m, strlen(m));
	sip(m, sizeof(m), "SIP/2.0 200 OK", "10.0.0.2:5060", 1, "INVITE", "t",
	    "b@198.51.100.2:5060", 7000, "198.51.100.2");
	udp(&w, 0.1, "198.51.100.2", 5060, "10.0.0.2", 5060, m, strlen(m));
	sip(m, sizeof(m), "ACK sip:b@198.51.100.2:5060 SIP/2.0", "10.0.0.2:5060", 1,
	    "ACK", "t", "a@10.0.0.2:5060", 0, "");
	udp(&w, 0.01, "10.0.0.2", 5060, "198.51.100.2", 5060, m, strlen(m));
	for (i = 0; i < 100; i++) {
		rtp[3] = (char)i;
		udp(&w, 0.02, "10.0.0.2", 6000, "198.51.100.2", 7000, rtp, sizeof(rtp));
		if (with_inbound_rtp)
			udp(&w, 0.001, "198.51.100.2", 7000, "10.0.0.2", 6000, rtp, sizeof(rtp));
	}
	sip(m, sizeof(m), "BYE sip:b@198.51.100.2:5060 SIP/2.0", "10.0.0.2:5060", 2,
	    "BYE", "t", "a@10.0.0.2:5060", 0, "");
	udp(&w, 0.1, "10.0.0.2", 5060, "198.51.100.2", 5060, m, strlen(m));
	sip(m, sizeof(m), "SIP/2.0 200 OK", "10.0.0.2:5060", 2, "BYE", "t",
	    "b@198.51.100.2:5060", 0, "");
	udp(&w, 0.01, "198.51.100.2", 5060, "10.0.0.2", 5060, m, strlen(m));
	pcapw_close(w.w);
	fclose(f);
}

static enum outcome_id
replay(const char *path, const char *profile, const char *extra,
    struct sim_result *res, const char *out)
{
	const char *dirs[] = { SIPALG_SRC_PROFILES_DIR, NULL };
	struct sim_capture *cap;
	struct sim_opts o;
	struct outcome oc;
	char err[512];

	CU_ASSERT_FATAL(profile_load(&cfg, profile, dirs, err, sizeof(err)) == 0);
	if (extra != NULL)
		set(extra);
	cap = sim_capture_load(path, err, sizeof(err));
	CU_ASSERT_FATAL(cap != NULL);
	memset(&o, 0, sizeof(o));
	o.write_path = out;
	CU_ASSERT_FATAL(sim_run(&cfg, cap, &o, res, err, sizeof(err)) == 0);
	sim_capture_free(cap);
	CU_ASSERT_FATAL(res->ndlg >= 1);
	outcome_eval(&cfg, res, &res->dlg[0], &oc);
	return oc.id;
}

/*
 * A capture read back whole (the simulator streams its input; these
 * tests look at every packet of a small outside view at once).
 */
struct held {
	struct sim_pkt *p;
	size_t n;
	struct anomalies an;
};

static void
hold_pkt(void *user, const struct sim_pkt *p)
{
	struct held *h = user;
	struct sim_pkt *np = realloc(h->p, (h->n + 1) * sizeof(*np));
	uint8_t *b = p->len > 0 ? malloc(p->len) : NULL;

	CU_ASSERT_FATAL(np != NULL && (p->len == 0 || b != NULL));
	h->p = np;
	h->p[h->n] = *p;
	if (b != NULL)
		memcpy(b, p->payload, p->len);
	h->p[h->n++].payload = b;
}

static struct held *
held_load(const char *path)
{
	char err[256];
	struct sim_capture *c = sim_capture_load(path, err, sizeof(err));
	struct held *h = calloc(1, sizeof(*h));

	if (c == NULL || h == NULL ||
	    sim_capture_each(c, hold_pkt, h, err, sizeof(err)) != 0) {
		sim_capture_free(c);
		free(h);
		return NULL;
	}
	h->an = c->an;
	sim_capture_free(c);
	return h;
}

static void
held_free(struct held *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free((void *)h->p[i].payload);
	free(h->p);
	free(h);
}

static void
test_replay_outcomes(void)
{
	char path[] = "/tmp/test_sim_cap_XXXXXX", outp[] = "/tmp/test_sim_out_XXXXXX";
	struct sim_result res;
	int fd = mkstemp(path), fd2 = mkstemp(outp);
	char verdict[512];

	CU_ASSERT_FATAL(fd >= 0 && fd2 >= 0);
	close(fd);
	close(fd2);
	write_call(path, true);
	/* implied public address: none in this capture, the default is used */
	CU_ASSERT_EQUAL(replay(path, "off", NULL, &res, NULL), OUT_ONE_WAY_AUDIO);
	CU_ASSERT(res.farend_lost >= 100);
	{
		char a[64];

		CU_ASSERT_STRING_EQUAL(ep_ip_str(&res.public_ip, a, sizeof(a)), "203.0.113.1");
	}
	outcome_verdict(&cfg, &res, verdict, sizeof(verdict));
	CU_ASSERT_STRING_EQUAL(verdict,
	    "with the ALG off, 0 of 1 call complete, 1 have one-way audio");
	sim_result_fini(&res);
	CU_ASSERT_EQUAL(replay(path, "linux", NULL, &res, outp), OUT_COMPLETED);
	CU_ASSERT(res.rewritten >= 3);
	CU_ASSERT(res.written > 200);
	sim_result_fini(&res);
	/* the outside capture reads back: every packet from the public address */
	{
		struct held *c = held_load(outp);
		struct ep pub = E("203.0.113.1", 0);
		size_t i, fromphone = 0;

		CU_ASSERT_FATAL(c != NULL);
		CU_ASSERT_EQUAL(c->an.n[ANOMALY_UDP_BAD_LEN], 0);
		for (i = 0; i < c->n; i++) {
			CU_ASSERT(!ep_is_private(&c->p[i].src));
			CU_ASSERT(!ep_is_private(&c->p[i].dst));
			if (ep_same_ip(&c->p[i].src, &pub))
				fromphone++;
		}
		CU_ASSERT(fromphone > 100);
		held_free(c);
	}
	/* the capture lost the far end's RTP: the model still predicts it */
	write_call(path, false);
	CU_ASSERT_EQUAL(replay(path, "linux", NULL, &res, NULL), OUT_COMPLETED);
	sim_result_fini(&res);
	CU_ASSERT_EQUAL(replay(path, "off", NULL, &res, NULL), OUT_ONE_WAY_AUDIO);
	sim_result_fini(&res);
	/* latching far end rescues ALG off */
	CU_ASSERT_EQUAL(replay(path, "off", "farend_symmetric_rtp=true", &res, NULL),
	    OUT_COMPLETED);
	sim_result_fini(&res);
	/* media from another address than the signalling peer */
	CU_ASSERT_EQUAL(replay(path, "linux", "media_src=signalling_peer", &res, NULL),
	    OUT_COMPLETED);
	sim_result_fini(&res);
	/* an ALG that drops the INVITE */
	CU_ASSERT_EQUAL(replay(path, "linux", "max_ruri_len=5", &res, NULL),
	    OUT_CALL_FAILED);
	CU_ASSERT(res.alg_drops >= 1);
	CU_ASSERT(res.suppressed > 0);               /* the rest cannot happen */
	sim_result_fini(&res);
	/* session timer: Juniper-like tracking with no Session-Expires: no effect */
	CU_ASSERT_EQUAL(replay(path, "juniper", NULL, &res, NULL), OUT_COMPLETED);
	sim_result_fini(&res);
	/* max_call shorter than the call */
	CU_ASSERT_EQUAL(replay(path, "linux", "max_call=1", &res, NULL),
	    OUT_MAX_CALL_DROP);
	sim_result_fini(&res);
	unlink(path);
	unlink(outp);
}

/* ---- a forwarded TCP header: options, window, urgent pointer kept ---- */
static void
test_pcapw_tcp_fwd(void)
{
	FILE *f = tmpfile();
	struct pcapw *w;
	struct ep a = E("198.51.100.1", 5060), b = E("198.51.100.2", 5060);
	/* NOP NOP timestamps, then NOP NOP SACK one block */
	static const uint8_t opt[24] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
	    1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0 };
	struct pcapw_tcph h = { 1000, 2000, PKT_TCP_ACK, 0, 501, 0, opt, 24 };
	uint8_t buf[512];
	const uint8_t *t;
	size_t n;
	uint32_t sum = 0;
	int i;

	CU_ASSERT_FATAL(f != NULL);
	w = pcapw_fdopen(f);
	CU_ASSERT_EQUAL(pcapw_tcp_fwd(w, 0, &a, &b, &h, NULL, 0), 0);
	h.optlen = 3;           /* not a multiple of 4: refused */
	CU_ASSERT_EQUAL(pcapw_tcp_fwd(w, 0, &a, &b, &h, NULL, 0), -1);
	CU_ASSERT_EQUAL(pcapw_close(w), 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(n, 24 + 16 + 14 + 20 + 20 + 24);
	t = buf + 24 + 16 + 14 + 20;
	CU_ASSERT_EQUAL(t[12] >> 4, 11);            /* data offset: 44 bytes */
	CU_ASSERT_EQUAL(t[14] << 8 | t[15], 501);   /* window as given */
	CU_ASSERT_EQUAL(memcmp(t + 20, opt, 24), 0);
	for (i = 0; i < 8; i += 2)
		sum += (uint32_t)(t[-8 + i] << 8 | t[-8 + i + 1]);
	sum += 6 + 44;
	CU_ASSERT_EQUAL(pcapw_cksum(t, 44, sum), 0);
}

/* ---- sip_help_tcp()'s cut of one segment (tcp_segment_framing) ------- */
static void
test_tcp_segment_framing(void)
{
	static const char ack[] = "ACK sip:s@198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 10.0.0.2:5060\r\nContent-Length: 0\r\n\r\n";
	static const char nocl[] = "ACK sip:s@198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 10.0.0.2:5060\r\n\r\n";
	static const char bye[] = "BYE sip:s@198.51.100.2 SIP/2.0\r\n"
	    "l: 10\r\n\r\n0123456789";
	struct sim_cfg c;
	struct sim_pkt p;
	struct run_spans s;
	struct sipframe_span *sp;
	static char many[64 * 80];
	size_t ml = 0;
	int i;
	struct run_cut cut;
	char seg[512];
	size_t al = strlen(ack), bl = strlen(bye);

	profile_defaults(&c);
	run_spans_init(&s);
	memset(&p, 0, sizeof(p));
	p.l4 = PKT_TCP;
	p.payload = (const uint8_t *)seg;
	/* two whole messages and a CRLF keepalive: both cut, CRLFs left */
	snprintf(seg, sizeof(seg), "%s%s\r\n\r\n", ack, bye);
	p.len = strlen(seg);
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 2);
	sp = s.sp;
	CU_ASSERT_EQUAL(sp[1].off, al);
	CU_ASSERT_EQUAL(sp[1].len, bl);
	CU_ASSERT_EQUAL(cut.used, al + bl);
	CU_ASSERT_FALSE(cut.noadj);
	/* the body runs past the segment: the ACK cut, no seq adjust */
	p.len = al + bl - 4;
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 1);
	CU_ASSERT_EQUAL(cut.used, al);
	CU_ASSERT_TRUE(cut.noadj);
	/* cut in the BYE's headers: the ACK cut, seq adjust kept */
	p.len = al + 20;
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 1);
	CU_ASSERT_FALSE(cut.noadj);
	/* no Content-Length: nothing cut */
	snprintf(seg, sizeof(seg), "%s", nocl);
	p.len = strlen(seg);
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 0);
	CU_ASSERT_EQUAL(cut.used, 0);
	/* a message without one before a message with one: cut as one */
	snprintf(seg, sizeof(seg), "%s%s", nocl, ack);
	p.len = strlen(seg);
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 1);
	CU_ASSERT_EQUAL(s.sp[0].len, p.len);
	/* stream framing: the trailing CRLFs make it not whole messages */
	c.tcp_segment_framing = TCPFRAME_STREAM;
	snprintf(seg, sizeof(seg), "%s\r\n", ack);
	p.len = strlen(seg);
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), -1);
	/*
	 * No message count, as sip_help_tcp() has none: 60 ACKs in one
	 * segment are 60 spans, the last one ending at the segment's end.
	 */
	c.tcp_segment_framing = TCPFRAME_CONTENT_LENGTH;
	for (i = 0; i < 60; i++) {
		memcpy(many + ml, ack, al);
		ml += al;
	}
	p.payload = (const uint8_t *)many;
	p.len = ml;
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 60);
	CU_ASSERT_EQUAL(s.sp[59].off, 59 * al);
	CU_ASSERT_EQUAL(cut.used, ml);
	CU_ASSERT_FALSE(s.oom);
	c.tcp_segment_framing = TCPFRAME_STREAM;
	CU_ASSERT_EQUAL(run_sip_spans(&c, &p, &s, &cut), 60);
	CU_ASSERT_EQUAL(s.sp[59].off + s.sp[59].len, ml);
	CU_ASSERT_EQUAL(run_messages(&s, p.payload, p.len, &ml), 60);
	CU_ASSERT_EQUAL(ml, p.len);
	run_spans_fini(&s);
}

/* ---- tcp_split_msgs --------------------------------------------------- */

static void
tcp(struct wr *w, double dt, const char *src, uint16_t sp, const char *dst,
    uint16_t dp, uint32_t seq, uint32_t ack, const char *payload, size_t len)
{
	struct ep a = E(src, sp), b = E(dst, dp);

	w->t += (int64_t)(dt * 1e9);
	pcapw_tcp(w->w, w->t, &a, &b, seq, ack, 0x18, (const uint8_t *)payload,
	    len);
}

/*
 * An outbound call over TCP whose INVITE is split in two segments (the
 * SDP body in the second), then 200 OK, ACK (whole segments), RTP both
 * ways.  Inside sequence numbers: phone from 1000, remote from 5000.
 */
static size_t
write_tcp_split_call(const char *path)
{
	FILE *f = fopen(path, "wb");
	struct wr w = { pcapw_fdopen(f), 1000 * S };
	char inv[2048], ok[2048], ack[1024], rtp[172], *v;
	size_t il, cut, okl, al;
	int i;

	memset(rtp, 0xd5, sizeof(rtp));
	rtp[0] = (char)0x80;
	rtp[1] = 0;
	sip(inv, sizeof(inv), "INVITE sip:b@198.51.100.2 SIP/2.0", "10.0.0.2:5060",
	    1, "INVITE", NULL, "a@10.0.0.2:5060", 6000, "10.0.0.2");
	for (v = inv; (v = strstr(v, "UDP")) != NULL;)
		memcpy(v, "TCP", 3);
	il = strlen(inv);
	cut = (size_t)(strstr(inv, "v=0") - inv);
	sip(ok, sizeof(ok), "SIP/2.0 200 OK", "10.0.0.2:5060", 1, "INVITE", "t",
	    "b@198.51.100.2:5060", 7000, "198.51.100.2");
	okl = strlen(ok);
	sip(ack, sizeof(ack), "ACK sip:b@198.51.100.2:5060 SIP/2.0", "10.0.0.2:5060",
	    1, "ACK", "t", "a@10.0.0.2:5060", 0, "");
	al = strlen(ack);
	tcp(&w, 0, "10.0.0.2", 5060, "198.51.100.2", 5060, 1000, 5000, inv, cut);
	tcp(&w, 0.01, "10.0.0.2", 5060, "198.51.100.2", 5060,
	    1000 + (uint32_t)cut, 5000, inv + cut, il - cut);
	tcp(&w, 0.1, "198.51.100.2", 5060, "10.0.0.2", 5060, 5000,
	    1000 + (uint32_t)il, ok, okl);
	tcp(&w, 0.01, "10.0.0.2", 5060, "198.51.100.2", 5060,
	    1000 + (uint32_t)il, 5000 + (uint32_t)okl, ack, al);
	for (i = 0; i < 50; i++) {
		rtp[3] = (char)i;
		udp(&w, 0.02, "10.0.0.2", 6000, "198.51.100.2", 7000, rtp, sizeof(rtp));
		udp(&w, 0.001, "198.51.100.2", 7000, "10.0.0.2", 6000, rtp, sizeof(rtp));
	}
	pcapw_close(w.w);
	fclose(f);
	return il;
}

/* True when the bytes hold the string (bounded search). */
static bool
has(const uint8_t *b, size_t len, const char *s)
{
	return memmem(b, len, s, strlen(s)) != NULL;
}

static void
test_tcp_split(void)
{
	char path[] = "/tmp/test_sim_tcp_XXXXXX", outp[] = "/tmp/test_sim_tout_XXXXXX";
	struct sim_result res;
	struct held *c;
	int fd = mkstemp(path), fd2 = mkstemp(outp);
	size_t il, i, segs;
	bool leak, invite_whole;
	int64_t delta = 0;

	CU_ASSERT_FATAL(fd >= 0 && fd2 >= 0);
	close(fd);
	close(fd2);
	il = write_tcp_split_call(path);

	/* pass_untranslated (K2): both pieces leave with the private address */
	(void)replay(path, "linux", NULL, &res, outp);
	CU_ASSERT_EQUAL(res.alg_drops, 0);
	sim_result_fini(&res);
	c = held_load(outp);
	CU_ASSERT_FATAL(c != NULL);
	for (i = 0, leak = false, segs = 0; i < c->n; i++)
		if (c->p[i].l4 == 6 && c->p[i].dst.port == 5060 && c->p[i].len > 0) {
			segs++;
			leak |= has(c->p[i].payload, c->p[i].len, "c=IN IP4 10.0.0.2");
		}
	CU_ASSERT(leak);
	CU_ASSERT(segs >= 2);
	held_free(c);

	/* reassemble: one rewritten INVITE segment, later seq shifted (seqadj) */
	CU_ASSERT_EQUAL(replay(path, "linux", "tcp_split_msgs=reassemble", &res,
	    outp), OUT_COMPLETED);
	CU_ASSERT(res.rewritten >= 2);
	sim_result_fini(&res);
	c = held_load(outp);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(c->an.n[ANOMALY_UDP_BAD_LEN], 0);
	for (i = 0, leak = false, segs = 0, invite_whole = false; i < c->n; i++) {
		const struct sim_pkt *p = &c->p[i];

		if (p->l4 != 6 || p->dst.port != 5060 || p->len == 0)
			continue;
		segs++;
		leak |= has(p->payload, p->len, "10.0.0.2");
		if (has(p->payload, p->len, "INVITE sip:") &&
		    has(p->payload, p->len, "c=IN IP4 203.0.113.1")) {
			invite_whole = true;
			CU_ASSERT_EQUAL(p->tcp_seq, 1000);
			delta = (int64_t)p->len - (int64_t)il;
		}
		if (has(p->payload, p->len, "ACK sip:"))
			CU_ASSERT_EQUAL(p->tcp_seq, (uint32_t)(1000 + il + delta));
	}
	CU_ASSERT(invite_whole);
	CU_ASSERT(!leak);
	CU_ASSERT(delta != 0);                     /* 203.0.113.1 is longer */
	CU_ASSERT(segs >= 2);
	/* the remote's ACK number acknowledges the rewritten length */
	for (i = 0; i < c->n; i++)
		if (c->p[i].l4 == 6 && c->p[i].src.port == 5060 &&
		    has(c->p[i].payload, c->p[i].len, "SIP/2.0 200 OK"))
			CU_ASSERT_EQUAL(c->p[i].tcp_ack, (uint32_t)(1000 + il + delta));
	held_free(c);

	/* drop: the INVITE never arrives, the connection stalls */
	CU_ASSERT_EQUAL(replay(path, "linux", "tcp_split_msgs=drop", &res, outp),
	    OUT_CALL_FAILED);
	CU_ASSERT(res.alg_drops >= 3);             /* both pieces and the ACK */
	CU_ASSERT(res.ndrops >= 1 && strstr(res.drops[0].reason, "stalls") != NULL);
	sim_result_fini(&res);
	c = held_load(outp);
	CU_ASSERT_FATAL(c != NULL);
	for (i = 0, segs = 0; i < c->n; i++)
		if (c->p[i].l4 == 6 && c->p[i].dst.port == 5060 && c->p[i].len > 0)
			segs++;
	CU_ASSERT_EQUAL(segs, 0);
	held_free(c);

	/* not inspected (SonicWall: TCP opt-in): the knob does not apply */
	CU_ASSERT_EQUAL(replay(path, "linux",
	    "tcp_split_msgs=drop", &res, NULL), OUT_CALL_FAILED);
	sim_result_fini(&res);
	(void)replay(path, "sonicwall", "tcp_split_msgs=drop", &res, NULL);
	CU_ASSERT_EQUAL(res.alg_drops, 0);
	sim_result_fini(&res);
	unlink(path);
	unlink(outp);
}

/* ---- reg_hides_nat --------------------------------------------------- */

/* REGISTER (Contact :5060 from 5060), 200 OK, then 20 s idle and an inbound INVITE. */
static void
write_register_then_call(const char *path)
{
	FILE *f = fopen(path, "wb");
	struct wr w = { pcapw_fdopen(f), 1000 * S };
	char m[2048];
	const char *reg =
	    "REGISTER sip:198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKr1;rport\r\n"
	    "From: <sip:a@198.51.100.2>;tag=r\r\nTo: <sip:a@198.51.100.2>\r\n"
	    "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:a@10.0.0.2:5060>\r\nExpires: 3600\r\n"
	    "Content-Length: 0\r\n\r\n";
	const char *rok =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKr1;rport\r\n"
	    "From: <sip:a@198.51.100.2>;tag=r\r\nTo: <sip:a@198.51.100.2>;tag=s\r\n"
	    "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:a@10.0.0.2:5060>;expires=3600\r\n"
	    "Content-Length: 0\r\n\r\n";

	udp(&w, 0, "10.0.0.2", 5060, "198.51.100.2", 5060, reg, strlen(reg));
	udp(&w, 0.01, "198.51.100.2", 5060, "10.0.0.2", 5060, rok, strlen(rok));
	snprintf(m, sizeof(m),
	    "INVITE sip:a@10.0.0.2:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.2:5060;branch=z9hG4bKi1\r\n"
	    "From: <sip:b@198.51.100.2>;tag=b\r\nTo: <sip:a@198.51.100.2>\r\n"
	    "Call-ID: in-1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:b@198.51.100.2:5060>\r\nContent-Length: 0\r\n\r\n");
	udp(&w, 20, "198.51.100.2", 5060, "10.0.0.2", 5060, m, strlen(m));
	pcapw_close(w.w);
	fclose(f);
}

static enum outcome_id
replay_dlg(const char *path, const char *profile, const char *const *extra,
    size_t idx)
{
	const char *dirs[] = { SIPALG_SRC_PROFILES_DIR, NULL };
	struct sim_capture *cap;
	struct sim_result res;
	struct sim_opts o;
	struct outcome oc;
	char err[512];
	enum outcome_id id = OUT_COMPLETED;

	CU_ASSERT_FATAL(profile_load(&cfg, profile, dirs, err, sizeof(err)) == 0);
	for (; extra != NULL && *extra != NULL; extra++)
		set(*extra);
	cap = sim_capture_load(path, err, sizeof(err));
	CU_ASSERT_FATAL(cap != NULL);
	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(sim_run(&cfg, cap, &o, &res, err, sizeof(err)) == 0);
	sim_capture_free(cap);
	CU_ASSERT(res.ndlg > idx);
	if (res.ndlg > idx) {
		outcome_eval(&cfg, &res, &res.dlg[idx], &oc);
		id = oc.id;
	}
	sim_result_fini(&res);
	return id;
}

static void
test_reg_hides_nat(void)
{
	char path[] = "/tmp/test_sim_reg_XXXXXX";
	int fd = mkstemp(path);
	const char *hide[] = { "udp_timeout=5", "registrar_target=source",
	    "farend_nat_keepalive=4", "reg_hides_nat=true", NULL };
	const char *show[] = { "udp_timeout=5", "registrar_target=source",
	    "farend_nat_keepalive=4", "reg_hides_nat=false", NULL };
	const char *nopings[] = { "udp_timeout=5", "registrar_target=source",
	    "farend_nat_keepalive=0", "reg_hides_nat=false", NULL };
	const char *off[] = { "udp_timeout=5", "registrar_target=source",
	    "farend_nat_keepalive=4", NULL };

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	write_register_then_call(path);
	/* consumer: 5 s bindings, no signalling timer, no REGISTER pinhole */
	CU_ASSERT_EQUAL(replay_dlg(path, "consumer", hide, 1),
	    OUT_INBOUND_UNANSWERED);
	CU_ASSERT_NOT_EQUAL(replay_dlg(path, "consumer", show, 1),
	    OUT_INBOUND_UNANSWERED);
	/* the registrar that never pings: the knob cannot help */
	CU_ASSERT_EQUAL(replay_dlg(path, "consumer", nopings, 1),
	    OUT_INBOUND_UNANSWERED);
	/* ALG off: the private Contact shows NAT, the pings keep the binding */
	CU_ASSERT_NOT_EQUAL(replay_dlg(path, "off", off, 1),
	    OUT_INBOUND_UNANSWERED);
	unlink(path);
}

/* ---- lan_media_shortcut --------------------------------------------- */

/* Lookup for the shortcut: 198.51.100.1:6000 is phone 10.0.0.2's media
 * (public port 6000 <- private 6010); with claim_self the pinhole belongs
 * to the destination phone 10.0.0.3 itself. */
static bool claim_self;

static bool
lookup_pinhole(void *user, const struct ep *pub, struct ep *inside)
{
	struct ep a = E("198.51.100.1", 6000), b = E("198.51.100.2", 6000);

	(void)user;
	if (!ep_eq(pub, &a) && !ep_eq(pub, &b))
		return false;
	*inside = E(claim_self ? "10.0.0.3" : "10.0.0.2", 6010);
	return true;
}

static void
shortcut_run(const char *msg, const char *peer, bool with_lookup,
    struct alg_result *res, char *out, size_t n)
{
	struct alg_flow fl;

	memset(&fl, 0, sizeof(fl));
	fl.outbound = false;
	fl.match = E("198.51.100.1", 5062);
	fl.repl = E("10.0.0.3", 5062);
	fl.peer = E(peer, 5060);
	fl.shortcut = with_lookup ? lookup_pinhole : NULL;
	alg_process(&cfg, (const uint8_t *)msg, strlen(msg), &fl, NULL, NULL, res);
	text(res, msg, out, n);
}

/* The proxy's INVITE to phone 10.0.0.3 (public 198.51.100.1:5062). */
static void
lan_invite(char *buf, size_t n, const char *sdp)
{
	snprintf(buf, n,
	    "INVITE sip:b@198.51.100.1:5062 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.2:5060;branch=z9hG4bKp\r\n"
	    "From: <sip:a@198.51.100.2>;tag=a\r\nTo: <sip:b@198.51.100.2>\r\n"
	    "Call-ID: lan\r\nCSeq: 1 INVITE\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(sdp), sdp);
}

static void
test_lan_shortcut(void)
{
	static const char sdp_pub[] =
	    "v=0\r\no=a 1 1 IN IP4 198.51.100.1\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\n";
	static const char sdp_peer[] =
	    "v=0\r\no=a 1 1 IN IP4 198.51.100.2\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.2\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\n";
	char inv[1024], inv2[1024], out[2048], want[64];
	struct alg_result res;
	const char *body;

	lan_invite(inv, sizeof(inv), sdp_pub);
	lan_invite(inv2, sizeof(inv2), sdp_peer);

	/* sip_direct_media=0: the public media of phone 10.0.0.2 goes back to
	 * its private address and port (K2 direct RTP) */
	linux_cfg();
	set("sdp_requires_src_match=false");
	claim_self = false;
	shortcut_run(inv, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT_EQUAL(res.action, ALG_REWRITTEN);
	CU_ASSERT(res.sdp_rewritten);
	CU_ASSERT(strstr(out, "c=IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "o=a 1 1 IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "m=audio 6010 RTP/AVP 8\r\n") != NULL);
	/* headers are not the shortcut's business: the Request-URI is NATed */
	CU_ASSERT(strstr(out, "INVITE sip:b@10.0.0.3:5062 SIP/2.0\r\n") != NULL);
	body = strstr(out, "\r\n\r\n");
	CU_ASSERT_FATAL(body != NULL);
	snprintf(want, sizeof(want), "Content-Length: %zu\r\n", strlen(body + 4));
	CU_ASSERT(strstr(out, want) != NULL);
	alg_result_fini(&res);

	/* the knob off, no lookup, or the pinhole is the phone's own: no SDP
	 * rewrite */
	set("lan_media_shortcut=false");
	shortcut_run(inv, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT(!res.sdp_rewritten);
	CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
	alg_result_fini(&res);
	set("lan_media_shortcut=true");
	shortcut_run(inv, "198.51.100.2", false, &res, out, sizeof(out));
	CU_ASSERT(!res.sdp_rewritten);
	alg_result_fini(&res);
	claim_self = true;
	shortcut_run(inv, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT(!res.sdp_rewritten);
	CU_ASSERT(strstr(out, "m=audio 6000 RTP/AVP 8\r\n") != NULL);
	alg_result_fini(&res);
	claim_self = false;

	/* sip_direct_media=1 (Linux default): only a c= equal to the sender */
	linux_cfg();
	shortcut_run(inv, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT(!res.sdp_rewritten);
	CU_ASSERT(strstr(out, "c=IN IP4 198.51.100.1\r\n") != NULL);
	alg_result_fini(&res);
	shortcut_run(inv2, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT(res.sdp_rewritten);
	CU_ASSERT(strstr(out, "c=IN IP4 10.0.0.2\r\n") != NULL);
	CU_ASSERT(strstr(out, "m=audio 6010 RTP/AVP 8\r\n") != NULL);
	alg_result_fini(&res);
	/* sdp_fixup=false turns every SDP rewrite off, this one too */
	set("sdp_fixup=false");
	shortcut_run(inv2, "198.51.100.2", true, &res, out, sizeof(out));
	CU_ASSERT(!res.sdp_rewritten);
	alg_result_fini(&res);
}

/* An unreadable capture is an error with the file named. */
static void
test_replay_errors(void)
{
	char err[512];

	CU_ASSERT_PTR_NULL(sim_capture_load("/nonexistent.pcap", err, sizeof(err)));
	CU_ASSERT(strstr(err, "/nonexistent.pcap: ") != NULL);
}

int
main(void)
{
	CU_pSuite s;

	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("nat", NULL, NULL);
	CU_add_test(s, "port preservation", test_nat_port_preservation);
	CU_add_test(s, "port range", test_nat_port_range);
	CU_add_test(s, "port per tuple", test_nat_port_per_tuple);
	CU_add_test(s, "port summary = plain scan", test_nat_port_summary);
	CU_add_test(s, "mapping kinds", test_nat_mapping_kinds);
	CU_add_test(s, "filtering", test_nat_filtering);
	CU_add_test(s, "timeouts", test_nat_timeouts);
	CU_add_test(s, "pinholes and forwards", test_nat_pinholes);
	CU_add_test(s, "inside networks", test_nat_inside_nets);
	s = CU_add_suite("alg", NULL, NULL);
	CU_add_test(s, "linux invite", test_alg_linux_invite);
	CU_add_test(s, "header knobs", test_alg_header_knobs);
	CU_add_test(s, "request-uri and inbound", test_alg_ruri_and_inbound);
	CU_add_test(s, "sdp knobs", test_alg_sdp_knobs);
	CU_add_test(s, "sdp session lines inbound", test_alg_sdp_session_inbound);
	CU_add_test(s, "leading CRLF", test_alg_leading_crlf);
	CU_add_test(s, "content-length", test_alg_content_length);
	CU_add_test(s, "drops", test_alg_drops);
	CU_add_test(s, "truncations", test_alg_truncations);
	CU_add_test(s, "lan_media_shortcut", test_lan_shortcut);
	s = CU_add_suite("profile", NULL, NULL);
	CU_add_test(s, "errors", test_profile_errors);
	CU_add_test(s, "shipped profiles", test_profile_shipped);
	s = CU_add_suite("pcapw", NULL, NULL);
	CU_add_test(s, "checksums", test_pcapw_checksums);
	CU_add_test(s, "forwarded TCP header", test_pcapw_tcp_fwd);
	s = CU_add_suite("tcp framing", NULL, NULL);
	CU_add_test(s, "sip_help_tcp cut", test_tcp_segment_framing);
	s = CU_add_suite("farend", NULL, NULL);
	CU_add_test(s, "routing and echo", test_farend);
	s = CU_add_suite("replay", NULL, NULL);
	CU_add_test(s, "outcomes", test_replay_outcomes);
	CU_add_test(s, "errors", test_replay_errors);
	CU_add_test(s, "tcp_split_msgs", test_tcp_split);
	CU_add_test(s, "reg_hides_nat", test_reg_hides_nat);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		int fails = (int)CU_get_number_of_failures();

		CU_cleanup_registry();
		return fails != 0 || CU_get_error() != CUE_SUCCESS;
	}
}
