/*
 * test_detect_ringing.c - ringing_after_answer (analyzer/detect/detect_ringing.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * ringing_after_answer: the INVITE retransmitted or cancelled after the
 * 2xx, and a retransmission that merely crossed it.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_ringing_after_answer(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "ra1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ra1", "sendrecv", "");
	/* The caller never got it: INVITE again at +2 s, CANCEL at +5 s. */
	invite(&b, T0 + 2 * SEC, "ra1", SV, "sendrecv");
	tb_add(&b, T0 + 5 * SEC, PH, 5060, SV, 5060, -1,
	    "CANCEL sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinvra1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: ra1\nCSeq: 1 CANCEL\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ringing_after_answer"), 1);
	CU_ASSERT(get(&b, "ringing_after_answer")->confidence >= 0.79);
	tb_free(&b);

	/* A CANCEL after the 2xx with no INVITE again: found from the
	 * CANCEL alone (the walk for it is skipped only without one). */
	tb_init(&b);
	invite(&b, T0, "ra3", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ra3", "sendrecv", "");
	tb_add(&b, T0 + 5 * SEC, PH, 5060, SV, 5060, -1,
	    "CANCEL sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinvra3\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: ra3\nCSeq: 1 CANCEL\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ringing_after_answer"), 1);
	CU_ASSERT(get(&b, "ringing_after_answer") != NULL &&
	    get(&b, "ringing_after_answer")->confidence > 0.69 &&
	    get(&b, "ringing_after_answer")->confidence < 0.71);
	tb_free(&b);

	/* A retransmission 100 ms after the 2xx crossed it: silent. */
	tb_init(&b);
	invite(&b, T0, "ra2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ra2", "sendrecv", "");
	invite(&b, T0 + SEC + 100 * MS, "ra2", SV, "sendrecv");
	inreq(&b, T0 + SEC + 200 * MS, "ACK", 1, true, "ra2", "ack");
	inreq(&b, T0 + 3 * SEC, "BYE", 2, true, "ra2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ringing_after_answer"), 0);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "ringing after answer", test_ringing_after_answer },
		{ NULL, NULL }
	};

	return detect_test_main("detect_ringing", tests);
}
