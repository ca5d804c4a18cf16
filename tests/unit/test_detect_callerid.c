/*
 * test_detect_callerid.c - caller_id_mismatch (analyzer/detect/detect_callerid.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * caller_id_mismatch: From public, P-Asserted-Identity private.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_caller_id(void)
{
	struct tb b;

	/* From public, PAI private. */
	tb_init(&b);
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKc\n"
	    "From: <sip:100@203.0.113.9>;tag=p\nTo: <sip:server@" SV ">\n"
	    "P-Asserted-Identity: <sip:100@192.168.1.10>\n"
	    "Call-ID: cid1\nCSeq: 1 INVITE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "caller_id_mismatch"), 1);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "caller id", test_caller_id },
		{ NULL, NULL }
	};

	return detect_test_main("detect_callerid", tests);
}
