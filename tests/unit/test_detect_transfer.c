/*
 * test_detect_transfer.c - transfer_failure (analyzer/detect/detect_transfer.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * transfer_failure: a REFER from a public address with a private
 * Refer-To, and a NOTIFY sipfrag reporting a failure.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_transfer(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "tr1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "tr1", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "tr1", "ack");
	tb_add(&b, T0 + 5 * SEC, SV, 5060, PH, 5060, -1,
	    "REFER sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr1\nCSeq: 5 REFER\nRefer-To: <sip:carol@192.168.7.7>\n\n");
	tb_add(&b, T0 + 5 * SEC + 10 * MS, PH, 5060, SV, 5060, -1,
	    "SIP/2.0 202 Accepted\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr1\nCSeq: 5 REFER\n\n");
	tb_add(&b, T0 + 6 * SEC, PH, 5060, SV, 5060, -1,
	    "NOTIFY sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKnot\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: tr1\nCSeq: 3 NOTIFY\nEvent: refer\n"
	    "Subscription-State: terminated\n"
	    "Content-Type: message/sipfrag\n\nSIP/2.0 503 Service Unavailable\n");
	tb_finish(&b);
	/* The private Refer-To from a public REFER, and the sipfrag 503. */
	CU_ASSERT_EQUAL(count(&b, "transfer_failure"), 2);
	tb_free(&b);
}

/* A REFER rejected outright (4xx-6xx) is a failed transfer; 202 is not. */
static void
refer_answered(int status, const char *reason, int want)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "tr2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "tr2", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "tr2", "ack");
	tb_add(&b, T0 + 5 * SEC, SV, 5060, PH, 5060, -1,
	    "REFER sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref2\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr2\nCSeq: 5 REFER\nRefer-To: <sip:carol@example.com>\n\n");
	tb_add(&b, T0 + 5 * SEC + 10 * MS, PH, 5060, SV, 5060, -1,
	    "SIP/2.0 %d %s\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref2\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr2\nCSeq: 5 REFER\n\n", status, reason);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "transfer_failure"), want);
	if (want > 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(get(&b, "transfer_failure")->summary,
		    "REFER rejected"));
	tb_free(&b);
}

static void
test_transfer_rejected(void)
{
	refer_answered(603, "Decline", 1);
	refer_answered(405, "Method Not Allowed", 1);
	refer_answered(202, "Accepted", 0);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "transfer", test_transfer },
		{ "REFER rejected", test_transfer_rejected },
		{ NULL, NULL }
	};

	return detect_test_main("detect_transfer", tests);
}
