/*
 * test_detect_oversize.c - oversize_drop (analyzer/detect/detect_oversize.c)
 * on dialogs built with the detector test bench (detect_fixture.h) and
 * ICMP too-big errors handed to detect_too_big as the analysis does.
 *
 * A request an error quotes and nothing answers is oversize_drop (and
 * not inbound_call_unanswered); an answered one, another flow, an error
 * long after, are not; a copy grown on the way counts for the verdict.
 * The two other forms: a request seen only as its first fragments
 * (dmsg frag_seen) and retransmitted unanswered, or a receiver's
 * "fragment reassembly time exceeded"; and the silent one, a request
 * retransmitted on Timer A and never answered while a request more than
 * 200 bytes smaller was answered on the same path.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

#define ROUTER "10.0.0.1"

/* One error about PH:5060 -> SV:5060 (or to dport) at t. */
static void
too_big(struct tb *b, int64_t t, uint16_t dport, uint32_t quoted,
    uint32_t mtu)
{
	struct detect_too_big_ev e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = t;
	e.frame = ++b->frame;
	e.src = mkep(PH, 5060);
	e.dst = mkep(SV, dport);
	e.reporter = mkep(ROUTER, 0);
	e.quoted_len = quoted;
	e.mtu = mtu;
	e.df = true;
	detect_too_big(b->s.dt, &e);
}

/* The INVITE sent at 0, 0.5, 1.5 s (its IP size set to ip), an error
 * after each when err_dport is not 0. */
static void
sent_thrice(struct tb *b, const char *cid, uint32_t ip, uint16_t err_dport,
    uint32_t quoted, int64_t err_delay)
{
	static const int64_t at[] = { 0, SEC / 2, 3 * SEC / 2 };

	for (int i = 0; i < 3; i++) {
		invite(b, T0 + at[i], cid, PH, "sendrecv");
		if (i == 0)
			b->d->msgs[0].ip_len = ip;
		if (err_dport != 0)
			too_big(b, T0 + at[i] + err_delay, err_dport, quoted,
			    1400);
	}
}

static void
test_oversize_dropped(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;
	struct detect_verdict v;

	/* Grown by 20 bytes past a 1400-byte MTU, each transmission. */
	tb_init(&b);
	sent_thrice(&b, "ov1", 1387, 5060, 1407, MS / 10);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 1);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	f = get(&b, "oversize_drop");
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "INVITE of 1387 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "MTU 1400"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "3 time(s)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "1407 bytes"));
	e = ev_of(f, "ICMP too big");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, ROUTER));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "DF set"));
	e = ev_of(f, "grown on the way");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "20 bytes longer"));
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);

	/* Too big as sent (no growth): dropped all the same, no ALG shown. */
	tb_init(&b);
	sent_thrice(&b, "ov2", 1450, 5060, 1450, MS / 10);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 1);
	f = get(&b, "oversize_drop");
	CU_ASSERT_PTR_NULL(ev_of(f, "grown on the way"));
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);
}

static void
test_oversize_not(void)
{
	struct tb b;

	/* The error is about another flow: the INVITE is unanswered, not
	 * shown too big (and, the phone's own call out, no incoming call
	 * lost either: detect_inbound.c). */
	tb_init(&b);
	sent_thrice(&b, "on1", 1387, 5070, 1407, MS / 10);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Errors 40 s later (beyond Timer B) are about something else. */
	tb_init(&b);
	sent_thrice(&b, "on2", 1387, 5060, 1407, 40 * SEC);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	tb_free(&b);

	/* Answered after all (a smaller retransmission got through). */
	tb_init(&b);
	sent_thrice(&b, "on3", 1387, 5060, 1407, MS / 10);
	ok200(&b, T0 + 2 * SEC, "on3", "sendrecv", "");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	tb_free(&b);
}

/* The table is bounded: more flows than it holds replace the oldest. */
static void
test_oversize_bounded(void)
{
	struct tb b;
	struct detect_too_big_ev e;

	tb_init(&b);
	for (int i = 0; i < 3 * DETECT_MAX_TOOBIG; i++) {
		memset(&e, 0, sizeof(e));
		e.ts_ns = T0 - SEC + i;
		e.src = mkep(PH, (uint16_t)(20000 + i));
		e.dst = mkep(SV, 5060);
		e.quoted_len = 1500;
		detect_too_big(b.s.dt, &e);
	}
	CU_ASSERT(b.s.dt->ntoobig <= DETECT_MAX_TOOBIG);
	/* The newest error still finds its request. */
	sent_thrice(&b, "ob1", 1387, 5060, 1407, MS / 10);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 1);
	CU_ASSERT(b.s.dt->ntoobig <= DETECT_MAX_TOOBIG);
	tb_free(&b);
}

/* The INVITE of cid at the times given (ms), its first copy's IP size
 * ip; seen only in part (seen IP bytes of it arrived) when seen > 0. */
static void
sent_at(struct tb *b, const char *cid, const int *ms, int n, uint32_t ip,
    uint32_t seen)
{
	for (int i = 0; i < n; i++) {
		invite(b, T0 + ms[i] * MS, cid, PH, "sendrecv");
		if (i == 0) {
			b->d->msgs[0].ip_len = ip;
			b->d->msgs[0].frag_seen = seen;
			b->d->msgs[0].nfrags = seen > 0 ? 1 : 2;
		}
	}
}

static const int timer_a[] = { 0, 500, 1500, 3500, 7500 };

static void
test_oversize_cut(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;
	struct detect_too_big_ev r;

	/* Only first fragments, retransmitted, nothing answers. */
	tb_init(&b);
	sent_at(&b, "oc1", timer_a, 3, 2156, 1500);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 1);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	f = get(&b, "oversize_drop");
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "INVITE of 2156 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "arrived only in part"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "1500 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "2 retransmission(s)"));
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.8, 1e-9);
	e = ev_of(f, "retransmission");
	CU_ASSERT_PTR_NOT_NULL(e);
	tb_free(&b);

	/* Sent once only: may be the end of the capture, not judged. */
	tb_init(&b);
	sent_at(&b, "oc2", timer_a, 1, 2156, 1500);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	tb_free(&b);

	/* Answered: the capture lost the fragments, the path did not. */
	tb_init(&b);
	sent_at(&b, "oc3", timer_a, 3, 2156, 1500);
	ok200(&b, T0 + 2 * SEC, "oc3", "sendrecv", "");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	tb_free(&b);

	/* Whole here, but its receiver timed out reassembling it. */
	tb_init(&b);
	sent_at(&b, "oc4", timer_a, 3, 2156, 0);
	memset(&r, 0, sizeof(r));
	r.ts_ns = T0 + 30 * SEC;
	r.frame = 99;
	r.src = mkep(PH, 5060);
	r.dst = mkep(SV, 5060);
	r.reporter = mkep(SV, 0);
	r.quoted_len = 1500;
	r.reasm = true;
	detect_too_big(b.s.dt, &r);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 1);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	f = get(&b, "oversize_drop");
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "never reassembled"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "ICMP reassembly timeout"));
	CU_ASSERT_PTR_NULL(ev_of(f, "grown on the way"));
	tb_free(&b);
}

/* A 600-byte INVITE answered on PH:5060 -> SV:5060 (detect_request_answered
 * as the analysis calls it on the 200). */
static void
small_answered(struct tb *b)
{
	invite(b, T0 - 10 * SEC, "small", PH, "sendrecv");
	b->d->msgs[0].ip_len = 600;
	ok200(b, T0 - 10 * SEC + 50 * MS, "small", "sendrecv", "");
	detect_request_answered(b->s.dt, b->d, &b->d->msgs[b->d->nmsgs - 1]);
}

static void
test_oversize_silent(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;

	/* 1387 bytes on Timer A, unanswered; 600 answered on the path. */
	tb_init(&b);
	small_answered(&b);
	sent_at(&b, "os1", timer_a, 4, 1387, 0);
	tb_finish(&b);
	f = find_in(of(&b, "os1"), "oversize_drop", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NULL(find_in(of(&b, "os1"), "inbound_call_unanswered",
	    NULL));
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.5, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "1387 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "up to 600 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "no ICMP"));
	e = ev_of(f, "largest answered");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "INVITE of 600 bytes"));
	tb_free(&b);

	/* Not the Timer A pattern: three copies within 1.5 s. */
	tb_init(&b);
	small_answered(&b);
	sent_at(&b, "os2", timer_a, 3, 1387, 0);
	tb_finish(&b);
	CU_ASSERT_PTR_NULL(find_in(of(&b, "os2"), "oversize_drop", NULL));
	tb_free(&b);

	/* Within 200 bytes of what the path answered: not shown too big. */
	tb_init(&b);
	small_answered(&b);
	sent_at(&b, "os3", timer_a, 4, 790, 0);
	tb_finish(&b);
	CU_ASSERT_PTR_NULL(find_in(of(&b, "os3"), "oversize_drop", NULL));
	tb_free(&b);

	/* Nothing answered on the path: a dead server looks the same (the
	 * phone's own call out: no inbound_call_unanswered either). */
	tb_init(&b);
	sent_at(&b, "os4", timer_a, 4, 1387, 0);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);
}

/* Paths kept from source port port (a scan of the table, not its
 * index); *answered gets the last one's count. */
static int
paths_with(const struct detect *dt, uint16_t port, uint32_t *answered)
{
	int k = 0;

	for (unsigned i = 0; i < dt->npaths; i++)
		if (dt->paths[i].src.port == port) {
			k++;
			if (answered != NULL)
				*answered = dt->paths[i].answered;
		}
	return k;
}

/* r, the 200 to the dialog's INVITE, answers it sent from port. */
static void
answered_from(struct tb *b, struct dmsg *r, uint16_t port)
{
	b->d->msgs[0].src.port = port;
	r->dst.port = port;
	detect_request_answered(b->s.dt, b->d, r);
}

/* The path table is bounded: more paths than it holds replace the
 * oldest, and the newest still counts. */
static void
test_paths_bounded(void)
{
	struct tb b;
	struct dmsg *r;
	uint32_t n;

	tb_init(&b);
	invite(&b, T0 - 20 * SEC, "many", PH, "sendrecv");
	ok200(&b, T0 - 20 * SEC + MS, "many", "sendrecv", "");
	r = &b.d->msgs[b.d->nmsgs - 1];
	/* A request is no answer: nothing recorded for it. */
	detect_request_answered(b.s.dt, b.d, &b.d->msgs[0]);
	CU_ASSERT_EQUAL(b.s.dt->npaths, 0);
	/* The same answered request seen from as many source ports. */
	for (int i = 0; i < DETECT_MAX_PATHS + 10; i++) {
		b.d->msgs[0].src.port = (uint16_t)(30000 + i);
		r->dst.port = (uint16_t)(30000 + i);
		detect_request_answered(b.s.dt, b.d, r);
		CU_ASSERT(b.s.dt->npaths <= DETECT_MAX_PATHS);
	}
	CU_ASSERT_EQUAL(b.s.dt->npaths, DETECT_MAX_PATHS);
	/*
	 * Found again where it is kept, forgotten where it was replaced:
	 * 30000-30009 gave their slots to 30256-30265, so 30010 is the
	 * oldest.  Seen again it is counted in its entry; then 30000 comes
	 * back as a new path, in 30010's slot, and 30010 is gone.
	 */
	CU_ASSERT_EQUAL(paths_with(b.s.dt, 30000, NULL), 0);
	answered_from(&b, r, 30010);
	CU_ASSERT_EQUAL(paths_with(b.s.dt, 30010, &n), 1);
	CU_ASSERT_EQUAL(n, 2);
	answered_from(&b, r, 30000);
	CU_ASSERT_EQUAL(paths_with(b.s.dt, 30000, &n), 1);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(paths_with(b.s.dt, 30010, NULL), 0);
	CU_ASSERT_EQUAL(b.s.dt->npaths, DETECT_MAX_PATHS);
	for (int i = 11; i < DETECT_MAX_PATHS + 10; i++) {
		answered_from(&b, r, (uint16_t)(30000 + i));
		CU_ASSERT_EQUAL(paths_with(b.s.dt, (uint16_t)(30000 + i), &n),
		    1);
		CU_ASSERT_EQUAL(n, 2);
	}
	b.d->msgs[0].src.port = 5060;
	r->dst.port = 5060;
	tb_next(&b);
	small_answered(&b);
	sent_at(&b, "pb1", timer_a, 4, 1387, 0);
	tb_finish(&b);
	CU_ASSERT_PTR_NOT_NULL(find_in(of(&b, "pb1"), "oversize_drop", NULL));
	tb_free(&b);
}

/*
 * A path keeps the method of its largest answered request by its code
 * when the dialog table knows it, by its string for a method it has no
 * code for; a response of another CSeq method (the same number) answers
 * nothing.
 */
static void
test_paths_method(void)
{
	static const char *const methods[] = { "OPTIONS", "FOOBAR", "ACK" };
	struct tb b;
	uint16_t port = 40000;

	for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
		const char *mt = methods[k];

		tb_init(&b);
		tb_add(&b, T0, PH, port, SV, 5060, -1,
		    "%s sip:s@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":%u;branch=z9hG4bKpm%zu\n"
		    "From: <sip:p@" PH ">;tag=pm\nTo: <sip:s@" SV ">\n"
		    "Call-ID: pm%zu\nCSeq: 7 %s\n\n", mt, port, k, k, mt);
		/* A response of CSeq 7 BARBAZ: not to it. */
		tb_add(&b, T0 + MS, SV, 5060, PH, port, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":%u;branch=z9hG4bKpm%zu\n"
		    "From: <sip:p@" PH ">;tag=pm\nTo: <sip:s@" SV ">;tag=x\n"
		    "Call-ID: pm%zu\nCSeq: 7 BARBAZ\n\n", port, k, k);
		detect_request_answered(b.s.dt, b.d,
		    &b.d->msgs[b.d->nmsgs - 1]);
		CU_ASSERT_EQUAL(paths_with(b.s.dt, port, NULL), 0);
		tb_add(&b, T0 + 2 * MS, SV, 5060, PH, port, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":%u;branch=z9hG4bKpm%zu\n"
		    "From: <sip:p@" PH ">;tag=pm\nTo: <sip:s@" SV ">;tag=x\n"
		    "Call-ID: pm%zu\nCSeq: 7 %s\n\n", port, k, k, mt);
		detect_request_answered(b.s.dt, b.d,
		    &b.d->msgs[b.d->nmsgs - 1]);
		CU_ASSERT_EQUAL_FATAL(b.s.dt->npaths, 1);
		CU_ASSERT_STRING_EQUAL(b.s.dt->paths[0].method, mt);
		CU_ASSERT_EQUAL(b.s.dt->paths[0].answered, 1);
		CU_ASSERT_EQUAL(b.d->msgs[0].method_code,
		    sip_method_code(mt));
		tb_finish(&b);
		tb_free(&b);
	}
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "oversize: dropped, grown", test_oversize_dropped },
		{ "oversize: not", test_oversize_not },
		{ "oversize: bounded", test_oversize_bounded },
		{ "oversize: cut, reassembly", test_oversize_cut },
		{ "oversize: silent", test_oversize_silent },
		{ "oversize: paths", test_paths_bounded },
		{ "oversize: paths, methods", test_paths_method },
		{ NULL, NULL }
	};

	return detect_test_main("detect_oversize", tests);
}
