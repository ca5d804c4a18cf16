/*
 * test_detect_refresh.c - session_refresh_failure (analyzer/detect/detect_refresh.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * session_refresh_failure: Session-Expires with no refresh and a BYE
 * near the expiry, and a refreshed call that stays silent.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_session_refresh(void)
{
	struct tb b;

	/* SE 120 s, no refresh, BYE at SE - 32 = 88 s after the answer. */
	tb_init(&b);
	invite(&b, T0, "se1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "se1", "sendrecv",
	    "Session-Expires: 120;refresher=uac\n");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "se1", "ack");
	inreq(&b, T0 + SEC + 88 * SEC, "BYE", 2, false, "se1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "session_refresh_failure"), 1);
	tb_free(&b);

	/* Refreshed at 60 s, hangup at 100 s: silent. */
	tb_init(&b);
	invite(&b, T0, "se2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "se2", "sendrecv",
	    "Session-Expires: 120;refresher=uac\n");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "se2", "ack");
	inreq(&b, T0 + 61 * SEC, "UPDATE", 2, true, "se2", "upd");
	tb_add(&b, T0 + 61 * SEC + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\nVia: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKupd\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: se2\nCSeq: 2 UPDATE\n\n");
	inreq(&b, T0 + 101 * SEC, "BYE", 3, true, "se2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "session refresh", test_session_refresh },
		{ NULL, NULL }
	};

	return detect_test_main("detect_refresh", tests);
}
