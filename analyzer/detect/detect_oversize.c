/*
 * detect_oversize.c - oversize_drop: a SIP message lost because it was
 * too large for the path.
 *
 * A router that cannot forward a datagram whole with DF set drops it and
 * answers ICMP "fragmentation needed" (RFC 792 type 3 code 4, with the
 * next-hop MTU, RFC 1191) or ICMPv6 "packet too big" (RFC 4443 type 2),
 * quoting the IP header and the first bytes of what it dropped.  An ALG
 * that rewrites a SIP message grows it (198.51.100.1 is longer than
 * 10.0.0.2, rport=, received=): a message that fitted the MTU when the
 * phone sent it no longer does after the rewrite, and the Linux helper
 * does exactly this (nf_nat_sip mangles the packet, the forward path
 * then finds it over the egress MTU).  The phone's kernel learns the
 * path MTU, but its own datagram still fits it, so each retransmission
 * is dropped again: the request is never answered.
 *
 * The analysis hands every such error quoting SIP (ingest PKT_ICMP_TOOBIG)
 * to detect_too_big, which keeps it in a fixed table (DETECT_MAX_TOOBIG,
 * oldest replaced, one entry per quoted flow and size with a count).  A
 * UDP request of a dialog is oversize-dropped when an error quotes its
 * flow (source and destination address:port) within Timer B (64*T1 =
 * 32 s, RFC 3261 17.1.1.2) of its first transmission and the transaction
 * got no final response.  Evidence: the request (size, retransmissions),
 * the ICMP (reporter, MTU, quoted length, DF), and the growth on the way
 * when the quoted datagram is longer than the one sent (a rewrite: from
 * a private source, counted for the ALG verdict as a copy rewritten
 * across the box, HIT_PAIR_REWRITTEN).
 * An INVITE found so is not also inbound_call_unanswered (one finding per
 * event: detect_oversize_request).
 *
 * Limits: fragments whose reassembly never completes, and a large
 * request lost silently (no ICMP: a router that does not send it, or a
 * filter that drops it) are not judged here.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

/* An error this long after the request's first copy is about another. */
#define TOOBIG_WINDOW_NS (32 * DETECT_NS + DETECT_NS)

static const char explanation[] =
    "A router on the path could not forward this SIP message whole: it "
    "was larger than the next link's MTU with Don't Fragment set, so the "
    "router dropped it and said so with ICMP \"fragmentation needed\" "
    "(IPv6: \"packet too big\").  A SIP ALG that rewrites addresses makes "
    "messages longer (a public address, rport, received=), so a request "
    "that fitted when the phone sent it may no longer fit after the "
    "rewrite; the phone's retransmissions are the same size and are "
    "dropped again, and the call never gets an answer.  Large SDP offers "
    "(many codecs) and long headers sit closest to the limit.";
static const char rem[] =
    "Make the message fit: use SIP over TCP (or TLS) for large requests "
    "(RFC 3261 18.1.1: UDP only below the path MTU minus 200 bytes), offer "
    "fewer codecs and drop unneeded headers on the phone/PBX, or raise the "
    "MTU of the link that refused it (PPPoE and tunnels often lower it). "
    "Where the quoted copy is longer than what the phone sent, a SIP ALG "
    "grew it: turn the ALG off (see --fix VENDOR).";

void
detect_too_big(struct detect *dt, const struct detect_too_big_ev *e)
{
	struct detect_toobig *t;

	for (unsigned i = 0; i < dt->ntoobig; i++) {
		t = &dt->toobig[i];
		if (t->ev.cap_idx == e->cap_idx &&
		    ep_eq(&t->ev.src, &e->src) && ep_eq(&t->ev.dst, &e->dst) &&
		    t->ev.quoted_len == e->quoted_len &&
		    e->ts_ns - t->last_ns < TOOBIG_WINDOW_NS) {
			if (t->count < UINT32_MAX)
				t->count++;
			t->last_ns = e->ts_ns;
			return;
		}
	}
	if (dt->ntoobig < DETECT_MAX_TOOBIG)
		t = &dt->toobig[dt->ntoobig++];
	else {
		t = &dt->toobig[dt->toobig_next];
		dt->toobig_next = (dt->toobig_next + 1) % DETECT_MAX_TOOBIG;
	}
	memset(t, 0, sizeof(*t));
	t->ev = *e;
	t->count = 1;
	t->last_ns = e->ts_ns;
}

/* True when the transaction of request m got a final response in d. */
static bool
answered(const struct dialog *d, const struct dmsg *m)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *r = d->msgs[i].m;

		if (!r->is_request && r->status >= 200 &&
		    r->cseq == m->m->cseq && r->cseq_method != NULL &&
		    m->m->method != NULL &&
		    strcmp(r->cseq_method, m->m->method) == 0)
			return true;
	}
	return false;
}

/* The error that refused request m, NULL none. */
static const struct detect_toobig *
refusal(const struct detect *dt, const struct dmsg *m)
{
	for (unsigned i = 0; i < dt->ntoobig; i++) {
		const struct detect_toobig *t = &dt->toobig[i];

		if (ep_eq(&t->ev.src, &m->src) && ep_eq(&t->ev.dst, &m->dst) &&
		    t->ev.ts_ns >= m->ts_ns &&
		    t->ev.ts_ns - m->ts_ns < TOOBIG_WINDOW_NS)
			return t;
	}
	return NULL;
}

const struct dmsg *
detect_oversize_request(const struct detect *dt, const struct dialog *d,
    const struct detect_toobig **tp)
{
	for (size_t i = 0; i < d->nmsgs && dt->ntoobig > 0; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct detect_toobig *t;

		if (!m->m->is_request || (m->transport & 0x7f) != PKT_UDP ||
		    m->m->method == NULL)
			continue;
		if ((t = refusal(dt, m)) == NULL || answered(d, m))
			continue;
		if (tp != NULL)
			*tp = t;
		return m;
	}
	return NULL;
}

void
detect_oversize_drop(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct detect_toobig *t = NULL;
	const struct dmsg *m = detect_oversize_request(dt, d, &t);
	uint32_t sent;
	struct finding *f;
	char a[NETADDR_STRLEN], mtu[32];

	if (m == NULL)
		return;
	sent = m->ip_len > m->m->raw_len ? m->ip_len : (uint32_t)m->m->raw_len;
	if (t->ev.mtu > 0)
		snprintf(mtu, sizeof(mtu), "MTU %u", t->ev.mtu);
	else
		snprintf(mtu, sizeof(mtu), "MTU not given");
	f = detect_finding_add(fs, SYMPTOM_OVERSIZE_DROP, 0.9, explanation,
	    rem, "%s of %u bytes dropped for its size: ICMP %s (%s) from %s, "
	    "%u time(s), quoting it at %u bytes; no final response",
	    m->m->method, sent, t->ev.src.family == 6 ? "packet too big" :
	    "fragmentation needed", mtu,
	    ep_ip_str(&t->ev.reporter, a, sizeof(a)), t->count,
	    t->ev.quoted_len);
	detect_ev(f, m, m->m->method, "%u bytes as sent here, %u "
	    "retransmission(s)%s", sent, m->retrans,
	    m->nfrags > 1 ? ", in IP fragments" : "");
	detect_ev_at(f, t->ev.cap_idx, t->ev.frame, t->ev.ts_ns,
	    "ICMP too big", "from %s: %s, quoted datagram %u bytes%s, %u "
	    "error(s) for this flow", a, mtu, t->ev.quoted_len,
	    t->ev.df ? " with DF set" : "", t->count);
	/* IP length against IP length (0: the size sent is not known). */
	if (m->ip_len > 0 && t->ev.quoted_len > m->ip_len && f != NULL) {
		detect_ev_at(f, t->ev.cap_idx, t->ev.frame, t->ev.ts_ns,
		    "grown on the way", "the router quotes it %u bytes "
		    "longer than it was sent: rewritten before the MTU check "
		    "(an ALG)", t->ev.quoted_len - m->ip_len);
		/* The router's copy differs from the one sent: a rewrite
		 * seen across the box, as an inside/outside pair shows it. */
		if (ep_is_private(&m->src))
			detect_hit(dt, HIT_PAIR_REWRITTEN, &f->ev[f->nev - 1],
			    &m->src);
	}
}
