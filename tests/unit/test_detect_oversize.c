/*
 * test_detect_oversize.c - oversize_drop (analyzer/detect/detect_oversize.c)
 * on dialogs built with the detector test bench (detect_fixture.h) and
 * ICMP too-big errors handed to detect_too_big as the analysis does.
 *
 * A request an error quotes and nothing answers is oversize_drop (and
 * not inbound_call_unanswered); an answered one, another flow, an error
 * long after, are not; a copy grown on the way counts for the verdict.
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
	 * shown too big. */
	tb_init(&b);
	sent_thrice(&b, "on1", 1387, 5070, 1407, MS / 10);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "oversize_drop"), 0);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
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

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "oversize: dropped, grown", test_oversize_dropped },
		{ "oversize: not", test_oversize_not },
		{ "oversize: bounded", test_oversize_bounded },
		{ NULL, NULL }
	};

	return detect_test_main("detect_oversize", tests);
}
