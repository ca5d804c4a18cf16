/*
 * test_detect_hold.c - media_lost_after_hold (analyzer/detect/detect_hold.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * media_lost_after_hold: one direction lost after a hold and resume,
 * and the long-silence variant against the media pinhole timeouts.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
reinvite(struct tb *b, int64_t t, int cseq, const char *dir)
{
	char body[512];

	snprintf(body, sizeof(body), SDP_FMT, SV, SV, 6000, dir);
	tb_add(b, t, "198.51.100.1", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKre%d\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: ho1\nCSeq: %d INVITE\n"
	    "Content-Type: application/sdp\n\n%s", cseq, cseq, body);
}

static void
test_media_lost_after_hold(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "ho1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ho1", "sendrecv", "");
	/* Both ways for 10 s, hold for 60 s, resume: only caller->callee. */
	tb_stream(&b, SV, 6000, SV, 7000, T0 + SEC, 500, 50);
	tb_stream(&b, SV, 7000, SV, 6000, T0 + SEC, 500, 50);
	reinvite(&b, T0 + 11 * SEC, 2, "sendonly");
	reinvite(&b, T0 + 71 * SEC, 3, "sendrecv");
	tb_stream(&b, SV, 6000, SV, 7000, T0 + 72 * SEC, 500, 50);
	inreq(&b, T0 + 83 * SEC, "BYE", 4, true, "ho1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);
}

/*
 * Call answered at T0 + 1 s; caller->callee RTP for fwd_s seconds,
 * callee->caller for rev_s seconds, then optionally again from
 * resume_at_s for 10 s on resume_port; BYE at bye_s.
 */
static void
silence_call(struct tb *b, const char *cid, int fwd_s, int rev_s,
    int resume_at_s, uint16_t resume_port, int bye_s)
{
	invite(b, T0, cid, PH, "sendrecv");
	ok200(b, T0 + SEC, cid, "sendrecv", "");
	inreq(b, T0 + SEC + 10 * MS, "ACK", 1, true, cid, "ack");
	tb_stream(b, "198.51.100.1", 6000, SV, 7000, T0 + SEC, fwd_s * 50, 50);
	tb_stream(b, SV, 7000, PH, 6000, T0 + SEC, rev_s * 50, 50);
	if (resume_at_s > 0)
		tb_stream(b, SV, resume_port, PH, 6000,
		    T0 + (int64_t)resume_at_s * SEC, 500, 50);
	inreq(b, T0 + (int64_t)bye_s * SEC, "BYE", 2, true, cid, "bye");
}

static void
test_media_long_silence(void)
{
	struct tb b;
	const struct finding *f;

	/* Callee stops at 11 s, caller sends to 200 s: 190 s of silence. */
	tb_init(&b);
	silence_call(&b, "ls1", 199, 10, 0, 0, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "callee->caller stopped"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "120 s conntrack stream"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "never came back"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "last RTP packet"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "call still up"));
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);

	/* 119 s of silence: below the 120 s preset. */
	tb_init(&b);
	silence_call(&b, "ls2", 129, 10, 0, 0, 130);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* 121 s: flagged. */
	tb_init(&b);
	silence_call(&b, "ls3", 131, 10, 0, 0, 132);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	tb_free(&b);

	/* Beyond 300 s: ZyXEL too, 0.7. */
	tb_init(&b);
	silence_call(&b, "ls4", 349, 10, 0, 0, 350);
	tb_finish(&b);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.7, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "300 s ZyXEL"));
	tb_free(&b);

	/* Back after 150 s on a new port: flagged as such. */
	tb_init(&b);
	silence_call(&b, "ls5", 200, 10, 161, 7002, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "came back only on new ports"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "RTP resumed on new ports"));
	tb_free(&b);

	/* Back after 150 s on the same ports: not lost, silent. */
	tb_init(&b);
	silence_call(&b, "ls6", 200, 10, 161, 7000, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* The other direction stopped too: nothing kept flowing. */
	tb_init(&b);
	silence_call(&b, "ls7", 10, 10, 0, 0, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* Hung up at 20 s: the call did not stay up. */
	tb_init(&b);
	silence_call(&b, "ls8", 19, 10, 0, 0, 20);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "media lost after hold", test_media_lost_after_hold },
		{ "media lost after long silence", test_media_long_silence },
		{ NULL, NULL }
	};

	return detect_test_main("detect_hold", tests);
}
