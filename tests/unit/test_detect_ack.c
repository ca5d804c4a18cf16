/*
 * test_detect_ack.c - ack_timeout_drop (analyzer/detect/detect_ack.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * ack_timeout_drop: the UAS's 2xx retransmitted on T1/T2 with no ACK
 * and a BYE at 64*T1, at the edges of its thresholds, and the normal
 * hangups around 32 s that must stay silent; and the call seen beyond
 * the point where its 2xx was lost (no 2xx, the callee's BYE at 32 s).
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

/* The phone answers an incoming call: server INVITE, phone 200 x(1+n). */
static void
uas_call(struct tb *b, const char *cid, int nretrans, bool ack, double bye_at,
    int64_t t1)
{
	char body[512];
	int64_t t = T0, gap = t1, rt = T0 + SEC;

	snprintf(body, sizeof(body), SDP_FMT, SV, SV, 7000, "sendrecv");
	tb_add(b, t, SV, 5060, PH, 5060, -1,
	    "INVITE sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKi%s\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n"
	    "Content-Type: application/sdp\n\n%s", cid, cid, body);
	snprintf(body, sizeof(body), SDP_FMT, PH, PH, 6000, "sendrecv");
	for (int i = 0; i <= nretrans; i++) {
		bool r = tb_add(b, rt, PH, 5060, SV, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKi%s\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\n"
		    "Contact: <sip:phone@" PH ":5060>\n"
		    "Content-Type: application/sdp\n\n%s", cid, cid, body);
		CU_ASSERT_EQUAL(r, i > 0);
		rt += gap;
		gap = gap * 2 > 4 * SEC ? 4 * SEC : gap * 2; /* T2 */
	}
	if (ack)
		tb_add(b, T0 + SEC + 50 * MS, SV, 5060, PH, 5060, -1,
		    "ACK sip:phone@" PH " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKack\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: 1 ACK\n\n", cid);
	if (bye_at > 0)
		tb_add(b, T0 + SEC + (int64_t)(bye_at * 1e9), PH, 5060, SV, 5060,
		    -1, "BYE sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKbye\n"
		    "From: <sip:phone@" PH ">;tag=ph1\n"
		    "To: <sip:server@" SV ">;tag=sv1\n"
		    "Call-ID: %s\nCSeq: 2 BYE\n\n", cid);
}

static void
test_ack_timeout_full_pattern(void)
{
	struct tb b;
	const struct finding *f;

	tb_init(&b);
	uas_call(&b, "ack1", 10, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	f = get(&b, "ack_timeout_drop");
	CU_ASSERT(f->confidence >= 0.89);
	CU_ASSERT(f->nev >= 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "10 times"));
	/* The figures as printf's "%.0f", "%.3f" and "%.1f" write them. */
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "(T1 500 ms)"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "BYE"));
	if (ev_of(f, "BYE") != NULL)
		CU_ASSERT_STRING_EQUAL(ev_of(f, "BYE")->value,
		    "from the answering side at +32.000 s (64*T1 = 32.0 s)");
	/* The texts put together without printf (struct detect_str), as
	 * their printf formats wrote them. */
	CU_ASSERT_STRING_EQUAL(f->summary, "200 answer retransmitted 10 "
	    "times with no ACK getting through (T1 500 ms); BYE at 64*T1: "
	    "the call drops at ~32 s");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev_of(f, "2xx to INVITE"));
	CU_ASSERT_STRING_EQUAL(ev_of(f, "2xx to INVITE")->value,
	    "200 OK from " PH ":5060 to " SV ":5060");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev_of(f, "ACK"));
	CU_ASSERT_STRING_EQUAL(ev_of(f, "ACK")->value, "none seen for CSeq 1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev_of(f, "2xx retransmissions"));
	CU_ASSERT_STRING_EQUAL(ev_of(f, "2xx retransmissions")->value,
	    "10 at +0.50 +1.50 +3.50 +7.50 +11.50 +15.50 +19.50 +23.50 "
	    "+27.50 +31.50 s");
	tb_free(&b);
}

static void
test_ack_timeout_edges(void)
{
	struct tb b;

	/* Exactly 6 retransmissions, BYE at 64*T1 + 1.4 s: flagged. */
	tb_init(&b);
	uas_call(&b, "ack2", 6, false, 33.4, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	tb_free(&b);

	/* BYE at 64*T1 + 1.6 s with 6 retransmissions: still flagged, with
	 * less confidence (no BYE on time). */
	tb_init(&b);
	uas_call(&b, "ack3", 6, false, 33.6, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence < 0.85);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence > 0);
	tb_free(&b);

	/* 3 retransmissions and no BYE: too few. */
	tb_init(&b);
	uas_call(&b, "ack4", 3, false, 0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* 3 retransmissions and the BYE exactly at 64*T1: flagged at 0.6. */
	tb_init(&b);
	uas_call(&b, "ack5", 3, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence < 0.65);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence > 0);
	tb_free(&b);

	/* T1 estimated from the first gap: T1 = 1 s, BYE at 64 s. */
	tb_init(&b);
	uas_call(&b, "ack6", 8, false, 64.0, SEC);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence >= 0.89);
	tb_free(&b);
}

static void
test_ack_timeout_silent(void)
{
	struct tb b;

	/* Normal hangup at 31 s: ACK arrived, no retransmissions. */
	tb_init(&b);
	uas_call(&b, "ok1", 0, true, 31.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* Hangup at 32 s without ACK in the capture, no retransmissions:
	 * the capture missed the ACK; not flagged. */
	tb_init(&b);
	uas_call(&b, "ok2", 0, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* Two retransmissions crossing the ACK: normal. */
	tb_init(&b);
	uas_call(&b, "ok3", 2, true, 31.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);
}

/*
 * The same call seen beyond the point where the 2xx was lost: the phone's
 * INVITE, the server's 180 (or the final response final) at +0.1 s, no
 * 2xx; (ack) the phone's ACK; then (bye_at > 0) a BYE bye_at s after
 * it, from the server (callee_bye) or the phone.
 */
static void
lost_call(struct tb *b, const char *cid, double bye_at, bool ack, int final,
    bool callee_bye)
{
	int64_t t180 = T0 + 100 * MS;

	invite(b, T0, cid, PH, "sendrecv");
	tb_add(b, t180, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 %d %s\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinv%s\n"
	    "From: <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\n\n", final ? final : 180,
	    final ? "Busy Here" : "Ringing", cid, cid);
	if (ack)
		inreq(b, t180 + SEC, "ACK", 1, true, cid, "la");
	if (bye_at > 0)
		inreq(b, t180 + (int64_t)(bye_at * 1e9), "BYE", 2, !callee_bye,
		    cid, "lb");
}

static void
test_answer_lost_before_capture(void)
{
	struct tb b;
	const struct finding *f;

	/* BYE from the callee 32 s after its 180, no 2xx: flagged at 0.8
	 * with the evidence that makes the case. */
	tb_init(&b);
	lost_call(&b, "lost1", 32.0, false, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	f = get(&b, "ack_timeout_drop");
	CU_ASSERT(f->confidence > 0.75 && f->confidence < 0.85);
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "BYE"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "last provisional"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "2xx to INVITE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "lost before this point"));
	tb_free(&b);

	/* At the edge: 30.6 s still the timeout; a minute later the callee
	 * rang longer first: flagged, less sure. */
	tb_init(&b);
	lost_call(&b, "lost2", 30.6, false, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	tb_free(&b);
	tb_init(&b);
	lost_call(&b, "lost3", 95.0, false, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence < 0.65);
	tb_free(&b);
}

/*
 * One 2xx seen at two capture points in one run (inside from the phone,
 * outside from the NAT's public address 20 us later), retransmitted 10
 * times, no ACK, BYE at 32 s: one event, one finding, citing the copy.
 */
static void
test_ack_timeout_two_points(void)
{
	struct tb b;
	char body[512];
	int64_t rt = T0 + SEC, gap = SEC / 2;
	const struct finding *f;

	tb_init(&b);
	snprintf(body, sizeof(body), SDP_FMT, SV, SV, 7000, "sendrecv");
	tb_add(&b, T0, SV, 5060, PH, 5060, -1,
	    "INVITE sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKtp\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">\n"
	    "Call-ID: two\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n"
	    "Content-Type: application/sdp\n\n%s", body);
	snprintf(body, sizeof(body), SDP_FMT, PH, PH, 6000, "sendrecv");
	for (int i = 0; i <= 10; i++) {
		for (int k = 0; k < 2; k++)
			tb_add(&b, rt + k * 20000, k ? "198.51.100.1" : PH,
			    5060, SV, 5060, -1,
			    "SIP/2.0 200 OK\n"
			    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKtp\n"
			    "From: <sip:server@" SV ">;tag=sv1\n"
			    "To: <sip:phone@" PH ">;tag=ph1\n"
			    "Call-ID: two\nCSeq: 1 INVITE\n"
			    "Contact: <sip:phone@" PH ":5060>\n"
			    "Content-Type: application/sdp\n\n%s", body);
		rt += gap;
		gap = gap * 2 > 4 * SEC ? 4 * SEC : gap * 2;
	}
	tb_add(&b, T0 + 33 * SEC, PH, 5060, SV, 5060, -1,
	    "BYE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKtpb\n"
	    "From: <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: two\nCSeq: 2 BYE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	f = get(&b, "ack_timeout_drop");
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "2xx copy"));
	tb_free(&b);
}

static void
test_answer_lost_silent(void)
{
	struct tb b;

	/* The callee's BYE 30.4 s after its 180: sooner than any ACK
	 * timeout of a 2xx sent after it: not this. */
	tb_init(&b);
	lost_call(&b, "nl1", 30.4, false, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* An ACK of the INVITE in the capture: the caller had the answer
	 * (the capture missed the 2xx, nothing was lost). */
	tb_init(&b);
	lost_call(&b, "nl2", 32.0, true, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* A final error response: the call was refused, not answered. */
	tb_init(&b);
	lost_call(&b, "nl3", 32.0, false, 486, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* The caller's BYE on the early dialog: the caller hung up. */
	tb_init(&b);
	lost_call(&b, "nl4", 32.0, false, 0, false);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* No BYE at all: an unanswered call. */
	tb_init(&b);
	lost_call(&b, "nl5", 0, false, 0, true);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "ack timeout, full pattern", test_ack_timeout_full_pattern },
		{ "ack timeout, threshold edges", test_ack_timeout_edges },
		{ "ack timeout, silent cases", test_ack_timeout_silent },
		{ "2xx lost before the capture point",
		    test_answer_lost_before_capture },
		{ "2xx lost: silent cases", test_answer_lost_silent },
		{ "one 2xx seen at two points", test_ack_timeout_two_points },
		{ NULL, NULL }
	};

	return detect_test_main("detect_ack", tests);
}
