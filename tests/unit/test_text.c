/*
 * test_text.c - the integer parser and the output escapers (text.h).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

static void
test_parse_uint(void)
{
	uint64_t v = 0;

	CU_ASSERT_EQUAL(text_parse_uint("1234", 4, 99999, &v), 0);
	CU_ASSERT_EQUAL(v, 1234);
	CU_ASSERT_EQUAL(text_parse_uint(" 42 \t", 5, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(text_parse_uint("", 0, 100, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("  ", 2, 100, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("12a", 3, 100, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("-1", 2, 100, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("101", 3, 100, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("100", 3, 100, &v), 0);
	/* Overflow of 64 bits is caught, not wrapped. */
	CU_ASSERT_EQUAL(text_parse_uint("18446744073709551616", 20,
	    UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("18446744073709551615", 20,
	    UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	/* Only len bytes are read: the digit after is ignored. */
	CU_ASSERT_EQUAL(text_parse_uint("129", 2, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 12);
}

static void
test_ieq(void)
{
	CU_ASSERT_TRUE(text_ieq("Content-Length", 14, "content-length"));
	CU_ASSERT_FALSE(text_ieq("Content-Lengt", 13, "content-length"));
	CU_ASSERT_TRUE(text_iprefix("SIP/2.0 200", 11, "sip/2.0"));
	CU_ASSERT_FALSE(text_iprefix("SIP", 3, "sip/2.0"));
}

static char *
escaped(const void *p, size_t len, enum text_esc esc)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	text_fput_escaped(f, p, len, esc);
	fclose(f);
	return buf;
}

static void
test_escape(void)
{
	/* A terminal escape sequence in a header is shown, not executed. */
	CU_ASSERT_STRING_EQUAL(escaped("a\033[2Jb", 6, TEXT_ESC_PLAIN),
	    "a\\x1b[2Jb");
	CU_ASSERT_STRING_EQUAL(escaped("q\"\\\n", 4, TEXT_ESC_JSON),
	    "q\\\"\\\\\\n");
	CU_ASSERT_STRING_EQUAL(escaped("\x01", 1, TEXT_ESC_JSON), "\\u0001");
	CU_ASSERT_STRING_EQUAL(escaped("a\"b", 3, TEXT_ESC_CSV), "a\"\"b");
	/* Valid UTF-8 passes; invalid bytes are replaced. */
	CU_ASSERT_STRING_EQUAL(escaped("\xc3\xa9", 2, TEXT_ESC_JSON),
	    "\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(escaped("\xff", 1, TEXT_ESC_JSON), "\\ufffd");
	CU_ASSERT_STRING_EQUAL(escaped("\xc3", 1, TEXT_ESC_PLAIN), "\\xc3");
	/* Overlong encoding of '/' is not valid UTF-8. */
	CU_ASSERT_STRING_EQUAL(escaped("\xc0\xaf", 2, TEXT_ESC_JSON),
	    "\\ufffd\\ufffd");
	/* NUL inside data. */
	CU_ASSERT_STRING_EQUAL(escaped("a\0b", 3, TEXT_ESC_PLAIN), "a\\x00b");
}

static void
test_copy_escape_buf(void)
{
	char b[8];

	CU_ASSERT_STRING_EQUAL(text_copy(b, sizeof(b), "abc\0d", 5), "abc?d");
	CU_ASSERT_STRING_EQUAL(text_copy(b, sizeof(b), "0123456789", 10),
	    "0123456");
	CU_ASSERT_STRING_EQUAL(text_escape(b, sizeof(b), "a\033b", 3),
	    "a\\x1bb");
	/* Truncation never splits an escape. */
	CU_ASSERT_STRING_EQUAL(text_escape(b, 6, "ab\033", 3), "ab");
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("text", NULL, NULL);
	CU_add_test(s, "parse_uint", test_parse_uint);
	CU_add_test(s, "ieq", test_ieq);
	CU_add_test(s, "escape", test_escape);
	CU_add_test(s, "copy_escape_buf", test_copy_escape_buf);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
