/*
 * test_diff.c - CUnit tests for the inside/outside comparison (diff.h).
 *
 * Inputs are built at the packet level: UDP datagrams with SIP text or RTP
 * headers, given to diff_learn (pass 1) and diff_feed (pass 2) in time
 * order as diff_files would.  Phone 10.0.0.2 behind a router whose public
 * address is 198.51.100.1, server 198.51.100.2.  Covered: identical and
 * NAT-only pairs, consistent rewrites (Linux-like), inconsistent ones
 * (wrong port, wrong address, stale Content-Length, added header), drops
 * and injections in both directions, window edges, clock offset
 * estimation (also with retransmissions and a forced offset), Call-ID
 * host rewriting and the profile guess, RTP pairing, early handing out of
 * quiet dialogs, the mapping rules, and truncated messages at every
 * length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "diff/diff.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

/* ---- packets -------------------------------------------------------- */

struct tpkt {
	int side;
	struct pkt p;
	uint8_t *data;
};

struct tcase {
	struct tpkt pk[64];
	int n;
};

static struct ep
mkep(const char *ip, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	ep_parse_ip(&e, ip, strlen(ip));
	e.port = port;
	return e;
}

static void
add_pkt(struct tcase *tc, int side, int64_t ts, const char *src,
    uint16_t sport, const char *dst, uint16_t dport, const void *data,
    size_t len)
{
	struct tpkt *t = &tc->pk[tc->n++];

	memset(t, 0, sizeof(*t));
	t->side = side;
	t->data = malloc(len ? len : 1);
	memcpy(t->data, data, len);
	t->p.l4 = PKT_UDP;
	t->p.ts_ns = ts;
	t->p.frame = (uint64_t)tc->n;
	t->p.src = mkep(src, sport);
	t->p.dst = mkep(dst, dport);
	t->p.payload = t->data;
	t->p.len = len;
	t->p.ip_len = (uint32_t)len + 28;
}

static void
add_sip(struct tcase *tc, int side, int64_t ts, const char *src,
    uint16_t sport, const char *dst, uint16_t dport, const char *text)
{
	add_pkt(tc, side, ts, src, sport, dst, dport, text, strlen(text));
}

static void
add_rtp(struct tcase *tc, int side, int64_t ts, const char *src,
    uint16_t sport, const char *dst, uint16_t dport, uint32_t ssrc,
    uint16_t seq)
{
	uint8_t b[12 + 20];

	memset(b, 0xd5, sizeof(b));
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = b[5] = b[6] = b[7] = 0;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	add_pkt(tc, side, ts, src, sport, dst, dport, b, sizeof(b));
}

static void
tc_free(struct tcase *tc)
{
	for (int i = 0; i < tc->n; i++)
		free(tc->pk[i].data);
	tc->n = 0;
}

/* ---- results collected from the callback ---------------------------- */

struct rpair {
	enum diff_class cls;
	enum diff_dir dir;
	char label[64];
	char fields[16][48];
	bool explained[16];
	char after[16][DIFF_VALUE_BYTES];
	int nch;
	int nunexplained;
	bool cl_stale_out;
};

struct results {
	struct rpair p[64];
	int n;
	int dialogs;
	int64_t max_feed_ts;      /* corrected time of the last packet fed */
	int64_t flushed_at[8];    /* max_feed_ts when each dialog came out */
};

static void
collect(void *user, const struct diff_dialog *dd)
{
	struct results *r = user;

	if (r->dialogs < 8)
		r->flushed_at[r->dialogs] = r->max_feed_ts;
	r->dialogs++;
	for (int i = 0; i < dd->npairs && r->n < 64; i++) {
		const struct diff_pair *p = &dd->pairs[i];
		struct rpair *q = &r->p[r->n++];

		memset(q, 0, sizeof(*q));
		q->cls = p->cls;
		q->dir = p->dir;
		snprintf(q->label, sizeof(q->label), "%s", p->label);
		q->nunexplained = p->nunexplained;
		q->cl_stale_out = p->copy[DIFF_OUTSIDE].cl_stale;
		for (int k = 0; k < p->nch && k < 16; k++) {
			snprintf(q->fields[k], sizeof(q->fields[k]), "%s",
			    p->ch[k].field);
			snprintf(q->after[k], sizeof(q->after[k]), "%s",
			    p->ch[k].after);
			q->explained[k] = p->ch[k].explained;
			q->nch = k + 1;
		}
	}
}

/* Index of a change field in pair q, -1 when absent. */
static int
field_at(const struct rpair *q, const char *field)
{
	for (int k = 0; k < q->nch; k++)
		if (strcmp(q->fields[k], field) == 0)
			return k;
	return -1;
}

static const struct rpair *
find_pair(const struct results *r, const char *label, enum diff_class cls)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->p[i].label, label) == 0 && r->p[i].cls == cls)
			return &r->p[i];
	return NULL;
}

static int
cmp_adj(const struct tpkt *a, const struct tpkt *b, int64_t off)
{
	int64_t ta = a->p.ts_ns - (a->side ? off : 0);
	int64_t tb = b->p.ts_ns - (b->side ? off : 0);

	return ta < tb ? -1 : ta > tb;
}

/* Both passes over tc, as diff_files does; returns the diff (caller frees). */
static struct diff *
run(struct tcase *tc, const struct diff_opts *o, struct results *r)
{
	struct diff_cb cb = { NULL, collect, r };
	struct diff *d = diff_new(o, &cb);
	struct tpkt *order[64];
	int64_t off;

	memset(r, 0, sizeof(*r));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (int i = 0; i < tc->n; i++)
		diff_learn(d, (enum diff_side)tc->pk[i].side, &tc->pk[i].p,
		    NULL);
	diff_learn_done(d);
	off = diff_offset(d);
	for (int i = 0; i < tc->n; i++)
		order[i] = &tc->pk[i];
	/* insertion sort by corrected time, stable */
	for (int i = 1; i < tc->n; i++)
		for (int j = i; j > 0 && cmp_adj(order[j - 1], order[j],
		    off) > 0; j--) {
			struct tpkt *t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < tc->n; i++) {
		int64_t adj = order[i]->p.ts_ns - (order[i]->side ? off : 0);

		if (adj > r->max_feed_ts)
			r->max_feed_ts = adj;
		diff_feed(d, (enum diff_side)order[i]->side, &order[i]->p,
		    NULL);
	}
	diff_finish(d);
	return d;
}

/* ---- SIP texts ------------------------------------------------------ */

static char *
invite(char *buf, size_t n, const char *via_host, const char *contact,
    const char *sdp_addr, int cl_delta, const char *callid_host,
    const char *extra)
{
	char body[512];
	int blen = snprintf(body, sizeof(body),
	    "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
	    "m=audio 40000 RTP/AVP 0\r\na=rtcp:40001 IN IP4 10.0.0.2\r\n",
	    sdp_addr, sdp_addr);

	snprintf(buf, n,
	    "INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKinv1;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@198.51.100.2>;tag=ft1\r\n"
	    "To: <sip:bob@198.51.100.2>\r\n"
	    "Call-ID: cid42@%s\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Contact: <sip:alice@%s>\r\n"
	    "%s"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: %d\r\n\r\n%s",
	    via_host, callid_host, contact, extra, blen + cl_delta, body);
	return buf;
}

static char *
ok200(char *buf, size_t n, const char *via_host, const char *received)
{
	snprintf(buf, n,
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKinv1;rport=5060;received=%s\r\n"
	    "From: <sip:alice@198.51.100.2>;tag=ft1\r\n"
	    "To: <sip:bob@198.51.100.2>;tag=tt1\r\n"
	    "Call-ID: cid42@10.0.0.2\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: 0\r\n\r\n", via_host, received);
	return buf;
}

#define PH "10.0.0.2"
#define PUB "198.51.100.1"
#define SRV "198.51.100.2"

/* Outbound INVITE and inbound 200 through the router, outside clock +off. */
static void
call(struct tcase *tc, int64_t off, const char *out_invite,
    const char *in_invite, const char *out_ok, const char *in_ok)
{
	if (in_invite)
		add_sip(tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, in_invite);
	if (out_invite)
		add_sip(tc, DIFF_OUTSIDE, T0 + off + 300000, PUB, 5060, SRV,
		    5060, out_invite);
	if (out_ok)
		add_sip(tc, DIFF_OUTSIDE, T0 + off + SEC / 2, SRV, 5060, PUB,
		    5060, out_ok);
	if (in_ok)
		add_sip(tc, DIFF_INSIDE, T0 + SEC / 2 + 300000, SRV, 5060, PH,
		    5060, in_ok);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_consistent_linux(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], b[2048], c[1024], e[1024];
	const struct rpair *q;
	struct diff_profile pr;
	struct diff_nat_behaviour nb;
	int k;

	call(&tc, 0,
	    invite(b, sizeof(b), PUB, PUB ":5060", PUB, 0, PH, ""),
	    invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""),
	    ok200(e, sizeof(e), PUB, PUB), ok200(c, sizeof(c), PH, PH));
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(r.n, 2);
	q = find_pair(&r, "INVITE", DIFF_CONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(q->dir, DIFF_OUTBOUND);
	CU_ASSERT_EQUAL(q->nunexplained, 0);
	CU_ASSERT((k = field_at(q, "L3/L4 src")) >= 0 && q->explained[k]);
	CU_ASSERT((k = field_at(q, "Via[0] sent-by")) >= 0 && q->explained[k]);
	CU_ASSERT(k >= 0 && strcmp(q->after[k], PUB ":5060") == 0);
	CU_ASSERT((k = field_at(q, "Contact[0]")) >= 0 && q->explained[k]);
	CU_ASSERT((k = field_at(q, "SDP o=")) >= 0 && q->explained[k]);
	CU_ASSERT((k = field_at(q, "SDP c=")) >= 0 && q->explained[k]);
	/* the public address is longer: Content-Length fixed to the body */
	CU_ASSERT((k = field_at(q, "Content-Length")) >= 0 && q->explained[k]);
	CU_ASSERT_EQUAL(field_at(q, "SDP m[0] m="), -1);
	CU_ASSERT_EQUAL(field_at(q, "Call-ID[0]"), -1);
	CU_ASSERT_EQUAL(field_at(q, "SDP m[0] a=rtcp"), -1);
	q = find_pair(&r, "200 OK", DIFF_CONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(q->dir, DIFF_INBOUND);
	CU_ASSERT((k = field_at(q, "Via[0] ;received")) >= 0 &&
	    q->explained[k]);
	CU_ASSERT(k >= 0 && strcmp(q->after[k], PH) == 0);
	CU_ASSERT((k = field_at(q, "L3/L4 dst")) >= 0 && q->explained[k]);

	CU_ASSERT_EQUAL(diff_mapping_count(d), 1);
	{
		const struct diff_mapping *m = diff_mapping_get(d, 0);
		struct ep pv = mkep(PH, 5060), pb = mkep(PUB, 5060);

		CU_ASSERT(ep_eq(&m->priv, &pv));
		CU_ASSERT(ep_eq(&m->pub, &pb));
		CU_ASSERT_EQUAL(m->uses, 2);
	}
	diff_nat_behaviour_get(d, &nb);
	CU_ASSERT_EQUAL(nb.port_preserved, 1);
	CU_ASSERT_EQUAL(nb.endpoint_independent, 1);
	/* Every profile file is scored: linux explains it, tied with
	 * linux-legacy (only timers differ); the restored received= rules
	 * out consumer, the untouched Call-ID juniper and fortigate. */
	diff_profile_get(d, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_TIE);
	CU_ASSERT_STRING_EQUAL(pr.name, "linux");
	CU_ASSERT_STRING_EQUAL(pr.tied, "linux-legacy");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "received= the public address: restored (1) [not"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "consumer"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "Call-ID holding the private address: left (1) [not"));
	CU_ASSERT_EQUAL(pr.nprofiles, 8);
	CU_ASSERT_EQUAL(diff_features_get(d)->sdp_private_residue, 1);
	CU_ASSERT_EQUAL(diff_features_get(d)->sdp_m_port_kept, 1);
	CU_ASSERT_EQUAL(diff_summary_get(d)->count[DIFF_CONSISTENT], 2);
	diff_free(d);
	tc_free(&tc);
}

static void
test_nat_only(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], c[1024];
	struct diff_profile pr;

	/* ALG off: same bytes, only the addresses of the packets change. */
	call(&tc, 0, invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""),
	    a, ok200(c, sizeof(c), PH, PUB), c);
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(r.p[0].cls, DIFF_IDENTICAL);
	CU_ASSERT_EQUAL(r.p[1].cls, DIFF_IDENTICAL);
	CU_ASSERT(field_at(&r.p[0], "L3/L4 src") >= 0);
	CU_ASSERT_EQUAL(r.p[0].nch, 1);
	diff_profile_get(d, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_MATCH);
	CU_ASSERT_STRING_EQUAL(pr.name, "off");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "top Via with the private address: left (1)"));
	CU_ASSERT_EQUAL(diff_features_get(d)->payload_rewrites, 0);
	diff_free(d);
	tc_free(&tc);
}

static void
test_inconsistent(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], b[2048];
	const struct rpair *q;
	int k;

	/* Contact port rewritten to 5062 while the NAT kept 5060. */
	call(&tc, 0, invite(b, sizeof(b), PUB, PUB ":5062", PUB, 0, PH, ""),
	    invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""), NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_INCONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(q->nunexplained, 1);
	CU_ASSERT((k = field_at(q, "Contact[0]")) >= 0 && !q->explained[k]);
	CU_ASSERT((k = field_at(q, "Via[0] sent-by")) >= 0 && q->explained[k]);
	diff_free(d);
	tc_free(&tc);

	/* A wrong public address in c=. */
	call(&tc, 0, invite(b, sizeof(b), PUB, PUB ":5060", "198.51.100.77", 0,
	    PH, ""), invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""),
	    NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_INCONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT((k = field_at(q, "SDP c=")) >= 0 && !q->explained[k]);
	diff_free(d);
	tc_free(&tc);

	/* Stale Content-Length: the body grew, the header kept the old count. */
	call(&tc, 0, invite(b, sizeof(b), PUB, PUB ":5060", PUB, -8, PH, ""),
	    invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""), NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_INCONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT(q->cl_stale_out);
	CU_ASSERT_EQUAL(diff_features_get(d)->cl_stale, 1);
	diff_free(d);
	tc_free(&tc);

	/* A header added by the router is not NAT. */
	call(&tc, 0, invite(b, sizeof(b), PH, PH ":5060", PH, 0, PH,
	    "X-Router: yes\r\n"),
	    invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""), NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_INCONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT((k = field_at(q, "X-Router[0]")) >= 0 && !q->explained[k]);
	CU_ASSERT_EQUAL(diff_features_get(d)->headers_added, 1);
	diff_free(d);
	tc_free(&tc);
}

static void
test_drops_and_injections(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], c[1024];

	/* Outbound INVITE inside only; inbound 200 outside only. */
	call(&tc, 0, NULL, invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""),
	    ok200(c, sizeof(c), PH, PUB), NULL);
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "INVITE", DIFF_DROPPED));
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "200 OK", DIFF_DROPPED));
	CU_ASSERT_EQUAL(diff_summary_get(d)->count[DIFF_DROPPED], 2);
	diff_free(d);
	tc_free(&tc);

	/* Outbound INVITE outside only; inbound 200 inside only. */
	call(&tc, 0, invite(a, sizeof(a), PUB, PUB ":5060", PUB, 0, PH, ""),
	    NULL, NULL, ok200(c, sizeof(c), PH, PH));
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "INVITE", DIFF_INJECTED));
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "200 OK", DIFF_INJECTED));
	if (r.n == 2) {
		CU_ASSERT_EQUAL(find_pair(&r, "INVITE",
		    DIFF_INJECTED)->dir, DIFF_OUTBOUND);
	}
	diff_free(d);
	tc_free(&tc);
}

static void
test_window(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	struct diff_opts o;
	char a[2048];

	/* The outside copy comes 3 s late: beyond the 1 s window, and the
	 * offset (forced to 0) does not cover it. */
	memset(&o, 0, sizeof(o));
	o.offset_given = true;
	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	add_sip(&tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, a);
	add_sip(&tc, DIFF_OUTSIDE, T0 + 3 * SEC, PUB, 5060, SRV, 5060, a);
	d = run(&tc, &o, &r);
	CU_ASSERT_EQUAL(diff_offset(d), 0);
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "INVITE", DIFF_DROPPED));
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "INVITE", DIFF_INJECTED));
	diff_free(d);

	/* Window 5 s: the same copies pair. */
	o.window_ns = 5 * SEC;
	d = run(&tc, &o, &r);
	CU_ASSERT_PTR_NOT_NULL(find_pair(&r, "INVITE", DIFF_IDENTICAL));
	CU_ASSERT_EQUAL(r.n, 1);
	diff_free(d);
	tc_free(&tc);
}

static void
test_offset(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], b[2048], c[1024], e[1024];
	int64_t off = 7 * SEC + 123456789;

	/* Outside clock 7.12 s ahead; the INVITE is retransmitted on both
	 * sides (ambiguous key, not a sample), the 200 pairs once. */
	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	invite(b, sizeof(b), PUB, PUB ":5060", PUB, 0, PH, "");
	ok200(c, sizeof(c), PH, PH);
	ok200(e, sizeof(e), PUB, PUB);
	add_sip(&tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, a);
	add_sip(&tc, DIFF_OUTSIDE, T0 + off + 200000, PUB, 5060, SRV, 5060, b);
	add_sip(&tc, DIFF_INSIDE, T0 + SEC / 2, PH, 5060, SRV, 5060, a);
	add_sip(&tc, DIFF_OUTSIDE, T0 + off + SEC / 2 + 200000, PUB, 5060, SRV,
	    5060, b);
	add_sip(&tc, DIFF_OUTSIDE, T0 + off + SEC, SRV, 5060, PUB, 5060, e);
	add_sip(&tc, DIFF_INSIDE, T0 + SEC + 100000, SRV, 5060, PH, 5060, c);
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(diff_summary_get(d)->offset_samples, 1);
	CU_ASSERT_EQUAL(diff_offset(d), off - 100000);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(diff_summary_get(d)->count[DIFF_CONSISTENT], 3);
	diff_free(d);

	/* A forced offset wins over the estimate. */
	{
		struct diff_opts o;

		memset(&o, 0, sizeof(o));
		o.offset_given = true;
		o.offset_ns = off;
		d = run(&tc, &o, &r);
		CU_ASSERT_EQUAL(diff_offset(d), off);
		CU_ASSERT(diff_summary_get(d)->offset_forced);
		CU_ASSERT_EQUAL(diff_summary_get(d)->count[DIFF_CONSISTENT], 3);
		diff_free(d);
	}
	tc_free(&tc);

	/* Median of several: one wrong sample does not move it. */
	for (int i = 0; i < 5; i++) {
		char x[512];
		int64_t skew = i == 4 ? 900000000 : i * 1000;

		snprintf(x, sizeof(x),
		    "OPTIONS sip:" SRV " SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo%d\r\n"
		    "From: <sip:a@" SRV ">;tag=o%d\r\nTo: <sip:" SRV ">\r\n"
		    "Call-ID: opt%d\r\nCSeq: 1 OPTIONS\r\n"
		    "Content-Length: 0\r\n\r\n", i, i, i);
		add_sip(&tc, DIFF_INSIDE, T0 + i * SEC, PH, 5060, SRV, 5060,
		    x);
		add_sip(&tc, DIFF_OUTSIDE, T0 + i * SEC - 2 * SEC + skew, PUB,
		    5060, SRV, 5060, x);
	}
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(diff_summary_get(d)->offset_samples, 5);
	CU_ASSERT_EQUAL(diff_offset(d), -2 * SEC + 2000);
	CU_ASSERT_EQUAL(diff_summary_get(d)->count[DIFF_IDENTICAL], 5);
	diff_free(d);
	tc_free(&tc);
}

static void
test_callid_profiles(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], b[2048];
	struct diff_profile pr;
	const struct rpair *q;
	int k;

	/* Juniper-like: Call-ID host rewritten; still paired. */
	call(&tc, 0, invite(b, sizeof(b), PUB, PUB ":5060", PUB, 0, PUB, ""),
	    invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""), NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_CONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT((k = field_at(q, "Call-ID[0]")) >= 0 && q->explained[k]);
	/* Call-ID hiding without i=: juniper alone */
	diff_profile_get(d, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_MATCH);
	CU_ASSERT_STRING_EQUAL(pr.name, "juniper");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "SDP i= line (c= rewritten): not added (1) [not fortigate]"));
	diff_free(d);
	tc_free(&tc);

	/* Fortinet-like: i= added as well. */
	{
		char *s = invite(b, sizeof(b), PUB, PUB ":5060", PUB, 0, PUB,
		    "");
		char body[2048], *v = strstr(s, "v=0");
		char *cl = strstr(s, "Content-Length: ");

		/* insert "i=nat-trace 10.0.0.2" after s=- and fix CL */
		snprintf(body, sizeof(body), "%.*s", (int)(strstr(v, "c=") - v),
		    v);
		strcat(body, "i=nat-trace 10.0.0.2\r\n");
		strcat(body, strstr(v, "c="));
		snprintf(cl, sizeof(b) - (size_t)(cl - b),
		    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	}
	call(&tc, 0, b, invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, ""),
	    NULL, NULL);
	d = run(&tc, NULL, &r);
	q = find_pair(&r, "INVITE", DIFF_INCONSISTENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT((k = field_at(q, "SDP i=")) >= 0 && !q->explained[k]);
	diff_profile_get(d, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_MATCH);
	CU_ASSERT_STRING_EQUAL(pr.name, "fortigate");
	diff_free(d);
	tc_free(&tc);
}

/* ---- the profile guess on profile files of our own ------------------ */

static char pdir[64];

static void
write_profile(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", pdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void
remove_profiles(void)
{
	static const char *const names[] = { "plain", "hider", "anyport",
	    "none", NULL };
	char path[128];

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s.conf", pdir, names[i]);
		remove(path);
	}
	rmdir(pdir);
}

/* One outbound INVITE pair, egress copy out, ingress copy in. */
static void
guess(const char *out, const char *in, const char *const *dirs,
    struct diff_profile *pr)
{
	struct tcase tc = { .n = 0 };
	struct diff_opts o;
	struct results r;
	struct diff *d;

	memset(&o, 0, sizeof(o));
	o.profile_dirs = dirs;
	call(&tc, 0, out, in, NULL, NULL);
	d = run(&tc, &o, &r);
	diff_profile_get(d, pr);
	diff_free(d);
	tc_free(&tc);
}

static void
test_profile_files(void)
{
	const char *dirs[] = { pdir, NULL };
	const char *nowhere[] = { "/nonexistent/sipalg-profiles", NULL };
	char a[2048], b[2048], *rt;
	struct diff_profile pr;

	snprintf(pdir, sizeof(pdir), "/tmp/sipalg-test-diff-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(pdir));
	/* A new vendor is one file: three of them, the built-in defaults
	 * (nf_nat_sip) changed by one knob each. */
	write_profile("plain", "# the defaults\nalg = true\n");
	write_profile("hider", "rewrite_call_id = true\n");
	write_profile("anyport", "require_port_match = false\n");

	/* Contact on the flow's port, Call-ID with the address left: the
	 * port knob shows nothing, so plain and anyport tie; plain is named
	 * (fewer knobs away from the defaults). */
	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	invite(b, sizeof(b), PUB, PUB ":5060", PUB, 4, PH, "");
	guess(b, a, dirs, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_TIE);
	CU_ASSERT_STRING_EQUAL(pr.name, "plain");
	CU_ASSERT_STRING_EQUAL(pr.tied, "anyport");
	CU_ASSERT_EQUAL(pr.nprofiles, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "anyport (differs in require_port_match)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why,
	    "outbound Call-ID holding the private address: left (1) [not hider]"));

	/* The same with the Contact on another port, left: now the capture
	 * shows the port knob and plain alone explains it. */
	invite(a, sizeof(a), PH, PH ":5062", PH, 0, PH, "");
	invite(b, sizeof(b), PUB, PH ":5062", PUB, 4, PH, "");
	guess(b, a, dirs, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_MATCH);
	CU_ASSERT_STRING_EQUAL(pr.name, "plain");
	CU_ASSERT_STRING_EQUAL(pr.tied, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why,
	    "outbound Contact with the private address on another port: left (1) [not anyport]"));

	/* a=rtcp rewritten too, which none of them does: hider fails that,
	 * plain and anyport that and the Call-ID; one apart is not clear. */
	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	invite(b, sizeof(b), PUB, PUB ":5060", PUB, 8, PUB, "");
	rt = strstr(b, "a=rtcp:40001 IN IP4 10.0.0.2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
	memcpy(rt, "a=rtcp:40001 IN IP4 198.51.100.1\r\n", 35);
	rt[35] = '\0';
	guess(b, a, dirs, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_UNCLEAR);
	CU_ASSERT_STRING_EQUAL(pr.name, "no clear match");
	CU_ASSERT_STRING_EQUAL(pr.tied, "hider plain anyport");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "hider fails outbound SDP a=rtcp"));

	/* With an ALG-less profile instead of hider: plain fails one (the
	 * a=rtcp), none three (Via, Contact, c=): plain is the closest. */
	remove_profiles();
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(strcpy(pdir,
	    "/tmp/sipalg-test-diff-XXXXXX")));
	write_profile("plain", "alg = true\n");
	write_profile("none", "alg = false\n");
	invite(b, sizeof(b), PUB, PUB ":5060", PUB, 8, PH, "");
	rt = strstr(b, "a=rtcp:40001 IN IP4 10.0.0.2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
	memcpy(rt, "a=rtcp:40001 IN IP4 198.51.100.1\r\n", 35);
	rt[35] = '\0';
	guess(b, a, dirs, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_CLOSEST);
	CU_ASSERT_STRING_EQUAL(pr.name, "plain");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "closest: explains"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "fails: outbound SDP a=rtcp"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "[not none]"));
	remove_profiles();

	/* No profile files: nothing to name. */
	guess(b, a, nowhere, &pr);
	CU_ASSERT_EQUAL(pr.id, DIFF_PROFILE_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(pr.name, "unknown");
	CU_ASSERT_PTR_NOT_NULL(strstr(pr.why, "no ALG profile files found"));
}

static void
test_rtp(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	const struct diff_stream *s0, *s1;
	char a[2048];

	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	add_sip(&tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, a);
	add_sip(&tc, DIFF_OUTSIDE, T0 + 1000, PUB, 5060, SRV, 5060, a);
	/* outbound 10 packets: 8 through, seq 3 and 4 dropped */
	for (uint16_t i = 0; i < 10; i++) {
		int64_t t = T0 + SEC / 10 + i * 20000000LL;

		add_rtp(&tc, DIFF_INSIDE, t, PH, 40000, SRV, 30000, 0xabc, i);
		if (i != 3 && i != 4)
			add_rtp(&tc, DIFF_OUTSIDE, t + 1000, PUB, 40002, SRV,
			    30000, 0xabc, i);
	}
	/* inbound: 3 delivered, plus one inside only (injected) */
	for (uint16_t i = 0; i < 3; i++) {
		int64_t t = T0 + SEC / 10 + i * 20000000LL + 5000;

		add_rtp(&tc, DIFF_OUTSIDE, t, SRV, 30000, PUB, 40002, 0xdef, i);
		add_rtp(&tc, DIFF_INSIDE, t + 1000, SRV, 30000, PH, 40000,
		    0xdef, i);
	}
	add_rtp(&tc, DIFF_INSIDE, T0 + SEC / 2, SRV, 30000, PH, 40000, 0xdef,
	    99);
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL_FATAL(diff_stream_count(d), 2);
	s0 = diff_stream_get(d, 0);
	s1 = diff_stream_get(d, 1);
	if (s0->ssrc != 0xabc) {
		const struct diff_stream *t = s0;

		s0 = s1;
		s1 = t;
	}
	CU_ASSERT_EQUAL(s0->dir, DIFF_OUTBOUND);
	CU_ASSERT_EQUAL(s0->paired, 8);
	CU_ASSERT_EQUAL(s0->dropped, 2);
	CU_ASSERT_EQUAL(s0->injected, 0);
	CU_ASSERT_EQUAL(s1->dir, DIFF_INBOUND);
	CU_ASSERT_EQUAL(s1->paired, 3);
	CU_ASSERT_EQUAL(s1->injected, 1);
	CU_ASSERT_EQUAL(diff_summary_get(d)->rtp_dropped, 2);
	/* media mapping: port not preserved (40000 -> 40002) */
	{
		struct diff_nat_behaviour nb;
		struct ep pv = mkep(PH, 40000), pb = mkep(PUB, 40002);
		bool found = false;

		for (size_t i = 0; i < diff_mapping_count(d); i++) {
			const struct diff_mapping *m = diff_mapping_get(d, i);

			if (m->media && ep_eq(&m->priv, &pv) &&
			    ep_eq(&m->pub, &pb))
				found = true;
		}
		CU_ASSERT(found);
		diff_nat_behaviour_get(d, &nb);
		CU_ASSERT_EQUAL(nb.port_preserved, 0);
	}
	diff_free(d);
	tc_free(&tc);
}

static void
test_quiet_dialog(void)
{
	struct tcase tc = { .n = 0 };
	struct results r;
	struct diff *d;
	char a[2048], x[512];

	/* Dialog 1 at T0, then an OPTIONS 60 s later: dialog 1 is handed
	 * out before the end of input. */
	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	add_sip(&tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, a);
	add_sip(&tc, DIFF_OUTSIDE, T0 + 1000, PUB, 5060, SRV, 5060, a);
	snprintf(x, sizeof(x), "OPTIONS sip:" SRV " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKq\r\n"
	    "From: <sip:a@" SRV ">;tag=q\r\nTo: <sip:" SRV ">\r\n"
	    "Call-ID: later\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	add_sip(&tc, DIFF_INSIDE, T0 + 60 * SEC, PH, 5060, SRV, 5060, x);
	add_sip(&tc, DIFF_OUTSIDE, T0 + 60 * SEC + 1000, PUB, 5060, SRV, 5060,
	    x);
	d = run(&tc, NULL, &r);
	CU_ASSERT_EQUAL(r.dialogs, 2);
	CU_ASSERT(r.flushed_at[0] >= T0 + 60 * SEC &&
	    r.flushed_at[0] < T0 + 61 * SEC);
	CU_ASSERT_EQUAL(diff_summary_get(d)->dialogs, 2);
	diff_free(d);
	tc_free(&tc);
}

static void
test_mapping_rules(void)
{
	struct diff *d = diff_new(NULL, NULL);
	struct ep pv = mkep(PH, 5060), pb = mkep(PUB, 1024), rm = mkep(SRV, 5060);
	struct ep o, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	diff_mapping_add(d, PKT_UDP, &pv, &pb, &rm, T0, false);
	/* exact */
	CU_ASSERT(diff_mapping_explains(d, DIFF_OUTBOUND, &pv, true, &pb, true));
	/* inbound is the reverse */
	CU_ASSERT(diff_mapping_explains(d, DIFF_INBOUND, &pb, true, &pv, true));
	CU_ASSERT(!diff_mapping_explains(d, DIFF_OUTBOUND, &pb, true, &pv,
	    true));
	/* the signalling port is mapped to 1024: keeping 5060 is wrong */
	o = mkep(PH, 5060);
	n = mkep(PUB, 5060);
	CU_ASSERT(!diff_mapping_explains(d, DIFF_OUTBOUND, &o, true, &n, true));
	/* a media port kept across the address rewrite is fine */
	o.port = n.port = 40000;
	CU_ASSERT(diff_mapping_explains(d, DIFF_OUTBOUND, &o, true, &n, true));
	/* address only */
	o.port = n.port = 0;
	CU_ASSERT(diff_mapping_explains(d, DIFF_OUTBOUND, &o, true, &n, true));
	/* bare ports (rport=) */
	ep_clear(&o);
	ep_clear(&n);
	o.port = 1024;
	n.port = 5060;
	CU_ASSERT(diff_mapping_explains(d, DIFF_INBOUND, &o, false, &n, false));
	n.port = 5070;
	CU_ASSERT(!diff_mapping_explains(d, DIFF_INBOUND, &o, false, &n, false));
	/* unknown address, mixed kinds */
	n = mkep("203.0.113.5", 0);
	o = mkep(PH, 0);
	CU_ASSERT(!diff_mapping_explains(d, DIFF_OUTBOUND, &o, true, &n, true));
	CU_ASSERT(!diff_mapping_explains(d, DIFF_OUTBOUND, &o, true, &n, false));
	CU_ASSERT(!diff_mapping_explains(NULL, DIFF_OUTBOUND, &o, true, &n,
	    true));
	/* identical endpoints are not a mapping row */
	diff_mapping_add(d, PKT_UDP, &rm, &rm, &rm, T0, false);
	CU_ASSERT_EQUAL(diff_mapping_count(d), 1);
	diff_free(d);
}

static void
test_fields_direct(void)
{
	static const char a[] =
	    "SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1,"
	    " SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK0\r\n"
	    "i: x@10.0.0.2\r\nl: 3\r\n\r\nabc";
	static const char b[] =
	    "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK1;"
	    "received=1.2.3.4, SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK0\r\n"
	    "Call-ID: x@10.0.0.2\r\nContent-Length: 4\r\n\r\nabcd";
	struct diff_pair pr;
	struct diff_features f;
	bool seen_proto = false, seen_recv = false, seen_cl = false,
	    seen_body = false;

	memset(&pr, 0, sizeof(pr));
	memset(&f, 0, sizeof(f));
	diff_fields_compare(NULL, &pr, (const uint8_t *)a, sizeof(a) - 1,
	    (const uint8_t *)b, sizeof(b) - 1, &f);
	for (int i = 0; i < pr.nch; i++) {
		const struct diff_change *c = &pr.ch[i];

		if (strcmp(c->field, "Via[0] protocol") == 0) {
			seen_proto = true;
			CU_ASSERT(!c->explained);
		} else if (strcmp(c->field, "Via[0] ;received") == 0) {
			seen_recv = true;
			CU_ASSERT_EQUAL(c->kind, DIFF_ADDED);
		} else if (strcmp(c->field, "Content-Length") == 0) {
			seen_cl = true;
			CU_ASSERT(c->explained);    /* 4 = body carried */
		} else if (strcmp(c->field, "Body") == 0) {
			seen_body = true;
		} else {
			CU_FAIL("unexpected change");
			printf("\n  unexpected %s\n", c->field);
		}
	}
	CU_ASSERT(seen_proto && seen_recv && seen_cl && seen_body);
	/* compact forms expanded: Call-ID equal, Via[1] equal */
	CU_ASSERT_EQUAL(f.call_id_rewritten, 0);
	CU_ASSERT_EQUAL(f.via_lower_rewritten, 0);
	CU_ASSERT_EQUAL(f.cl_fixed, 1);
	diff_pair_fini(&pr);
	CU_ASSERT_PTR_NULL(pr.ch);
}

static void
test_truncations(void)
{
	char a[2048], b[2048];
	size_t la, lb;

	invite(a, sizeof(a), PH, PH ":5060", PH, 0, PH, "");
	invite(b, sizeof(b), PUB, PUB ":5060", PUB, 0, PH, "");
	la = strlen(a);
	lb = strlen(b);
	/* Every prefix of both copies, paired against the whole other one:
	 * nothing crashes, nothing reads past the bytes given. */
	for (size_t n = 0; n <= la; n++) {
		struct diff_pair pr;
		struct diff_features f;
		uint8_t *x = malloc(n ? n : 1);

		memcpy(x, a, n);
		memset(&pr, 0, sizeof(pr));
		memset(&f, 0, sizeof(f));
		diff_fields_compare(NULL, &pr, x, n, (const uint8_t *)b, lb,
		    &f);
		diff_pair_fini(&pr);
		diff_fields_compare(NULL, &pr, (const uint8_t *)b, lb, x, n,
		    &f);
		diff_pair_fini(&pr);
		free(x);
	}
	/* And through the whole pipeline, truncated on the outside. */
	for (size_t n = 0; n <= lb; n += 7) {
		struct tcase tc = { .n = 0 };
		struct results r;
		struct diff *d;

		add_sip(&tc, DIFF_INSIDE, T0, PH, 5060, SRV, 5060, a);
		add_pkt(&tc, DIFF_OUTSIDE, T0 + 1000, PUB, 5060, SRV, 5060, b,
		    n);
		d = run(&tc, NULL, &r);
		CU_ASSERT(r.n >= 1 && r.n <= 2);
		diff_free(d);
		tc_free(&tc);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("diff", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "consistent rewrites (Linux-like)",
	    test_consistent_linux) ||
	    !CU_add_test(s, "NAT only (ALG off)", test_nat_only) ||
	    !CU_add_test(s, "inconsistent rewrites", test_inconsistent) ||
	    !CU_add_test(s, "drops and injections", test_drops_and_injections) ||
	    !CU_add_test(s, "pairing window", test_window) ||
	    !CU_add_test(s, "clock offset", test_offset) ||
	    !CU_add_test(s, "Call-ID rewriting and profiles",
	    test_callid_profiles) ||
	    !CU_add_test(s, "profile guess on profile files",
	    test_profile_files) ||
	    !CU_add_test(s, "RTP pairing", test_rtp) ||
	    !CU_add_test(s, "quiet dialogs handed out", test_quiet_dialog) ||
	    !CU_add_test(s, "mapping rules", test_mapping_rules) ||
	    !CU_add_test(s, "field comparison", test_fields_direct) ||
	    !CU_add_test(s, "truncations", test_truncations)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned fails = CU_get_number_of_failures();

		CU_cleanup_registry();
		return fails != 0;
	}
}
