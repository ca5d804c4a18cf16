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
	/*
	 * The bound against a plain comparison: every value 0..1299 (and
	 * with leading zeros) under every max 0..1209, and the values
	 * around the caps the analyzer uses.
	 */
	{
		static const uint64_t caps[] = { 65535, INT32_MAX, UINT32_MAX,
		    INT64_MAX, UINT64_MAX };
		size_t bad = 0;
		char b[32];

		for (uint64_t max = 0; max < 1210; max++)
			for (unsigned x = 0; x < 1300; x++) {
				int n = snprintf(b, sizeof(b), "%s%u",
				    x % 7 == 0 ? "00" : "", x);
				int rc = text_parse_uint(b, (size_t)n, max, &v);

				if (rc != (x <= max ? 0 : -1) ||
				    (rc == 0 && v != x))
					bad++;
			}
		for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
			for (int dlt = -11; dlt <= 11; dlt++) {
				uint64_t x = caps[k] + (uint64_t)(int64_t)dlt;
				bool over = dlt > 0;
				int n, rc;

				/* Past UINT64_MAX the sum wraps: skip. */
				if (caps[k] == UINT64_MAX && dlt > 0)
					continue;
				n = snprintf(b, sizeof(b), "%llu",
				    (unsigned long long)x);
				rc = text_parse_uint(b, (size_t)n, caps[k], &v);
				if (rc != (over ? -1 : 0) || (rc == 0 && v != x))
					bad++;
			}
		CU_ASSERT_EQUAL(bad, 0);
	}
	/*
	 * A digit above a small max must not wrap max - digit: 9 with max
	 * 8 (sdp_max_media), any digit with max 0, and a last digit that
	 * would need max - d below zero.
	 */
	CU_ASSERT_EQUAL(text_parse_uint("9", 1, 8, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("8", 1, 8, &v), 0);
	CU_ASSERT_EQUAL(v, 8);
	for (unsigned max = 0; max < 10; max++)
		for (unsigned d = 0; d < 10; d++) {
			char b[2] = { (char)('0' + d), 0 };

			CU_ASSERT_EQUAL(text_parse_uint(b, 1, max, &v),
			    d <= max ? 0 : -1);
		}
	CU_ASSERT_EQUAL(text_parse_uint("0", 1, 0, &v), 0);
	CU_ASSERT_EQUAL(text_parse_uint("19", 2, 15, &v), -1);
	CU_ASSERT_EQUAL(text_parse_uint("15", 2, 15, &v), 0);
	/* Every value around every max from 0 to 300 agrees with arithmetic. */
	for (unsigned max = 0; max <= 300; max++)
		for (unsigned x = 0; x <= 1000; x += (x < 320 ? 1 : 97)) {
			char b[8];
			int n = snprintf(b, sizeof(b), "%u", x);

			CU_ASSERT_EQUAL(text_parse_uint(b, (size_t)n, max, &v),
			    x <= max ? 0 : -1);
			if (x <= max)
				CU_ASSERT_EQUAL(v, x);
		}
	/* Only len bytes are read: the digit after is ignored. */
	CU_ASSERT_EQUAL(text_parse_uint("129", 2, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 12);
}

static void
test_ieq(void)
{
	CU_ASSERT_TRUE(text_ieq("Content-Length", 14, "content-length"));
	CU_ASSERT_FALSE(text_ieq("Content-Lengt", 13, "content-length"));
	/*
	 * Equal blocks are compared eight bytes at once: a case or a byte
	 * differing at any place of a 19-byte name still decides it.
	 */
	for (size_t at = 0; at < 19; at++) {
		char b[20];

		memcpy(b, "application/sdp-xyz", 20);
		b[at] = (char)(b[at] ^ 0x20);
		/* '/' and '-' flipped are other bytes, letters other cases. */
		CU_ASSERT_EQUAL(text_ieq(b, 19, "application/sdp-xyz"),
		    b[at] != '\x0f' && b[at] != '\r');
		b[at] = '?';
		CU_ASSERT_FALSE(text_ieq(b, 19, "application/sdp-xyz"));
	}
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
	/* HTML: markup becomes character references (safe in element text
	 * and quoted attributes), controls are shown as in plain text. */
	CU_ASSERT_STRING_EQUAL(escaped("<script>x</script>", 18, TEXT_ESC_HTML),
	    "&lt;script&gt;x&lt;/script&gt;");
	CU_ASSERT_STRING_EQUAL(escaped("\"><svg onload=a('&')>", 21,
	    TEXT_ESC_HTML), "&quot;&gt;&lt;svg onload=a(&#39;&amp;&#39;)&gt;");
	CU_ASSERT_STRING_EQUAL(escaped("a\033[1m\\\xff\xc3\xa9", 9,
	    TEXT_ESC_HTML), "a\\x1b[1m\\\\\\xff\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(escaped("&amp;", 5, TEXT_ESC_HTML), "&amp;amp;");
}

/*
 * Controls above U+007F in valid UTF-8: C1 (CSI U+009B, NEL U+0085), the
 * bidi controls and the line separators, in every target, escaped by
 * their code point; their neighbours pass.
 */
static void
test_escape_unicode_controls(void)
{
	static const struct {
		const char *utf8;
		const char *want;
	} c[] = {
		{ "\xc2\x80", "\\u0080" }, { "\xc2\x85", "\\u0085" },
		{ "\xc2\x9b", "\\u009b" }, { "\xc2\x9f", "\\u009f" },
		{ "\xd8\x9c", "\\u061c" },
		{ "\xe2\x80\x8e", "\\u200e" }, { "\xe2\x80\x8f", "\\u200f" },
		{ "\xe2\x80\xa8", "\\u2028" }, { "\xe2\x80\xa9", "\\u2029" },
		{ "\xe2\x80\xaa", "\\u202a" }, { "\xe2\x80\xae", "\\u202e" },
		{ "\xe2\x81\xa6", "\\u2066" }, { "\xe2\x81\xa9", "\\u2069" },
	};
	static const enum text_esc all[] = { TEXT_ESC_PLAIN, TEXT_ESC_CSV,
	    TEXT_ESC_JSON, TEXT_ESC_HTML };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
			char in[16], want[32];

			snprintf(in, sizeof(in), "a%sb", c[i].utf8);
			snprintf(want, sizeof(want), "a%sb", c[i].want);
			CU_ASSERT_STRING_EQUAL(escaped(in, strlen(in), all[k]),
			    want);
		}
	/* Printable neighbours stay as they are. */
	CU_ASSERT_STRING_EQUAL(escaped("\xc2\xa0", 2, TEXT_ESC_PLAIN),
	    "\xc2\xa0");                                /* U+00A0 */
	CU_ASSERT_STRING_EQUAL(escaped("\xe2\x80\x90", 3, TEXT_ESC_CSV),
	    "\xe2\x80\x90");                            /* U+2010 */
	CU_ASSERT_STRING_EQUAL(escaped("\xe2\x81\xaa", 3, TEXT_ESC_PLAIN),
	    "\xe2\x81\xaa");                            /* U+206A */
	CU_ASSERT_TRUE(text_is_control(0x1b));
	CU_ASSERT_TRUE(text_is_control(0x7f));
	CU_ASSERT_FALSE(text_is_control(0xa0));
	CU_ASSERT_FALSE(text_is_control(0x2027));
	CU_ASSERT_FALSE(text_is_control(0x202f));
	CU_ASSERT_FALSE(text_is_control(0x2065));
	CU_ASSERT_FALSE(text_is_control(0x206a));
}

/* Error lines: the whole message escaped once, prefixed, one line. */
static void
test_fwarn(void)
{
	static char buf[4096];
	char longname[3000];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	text_fwarn(f, "prog", "%s: %s", "evil\033]0;title\007.pcap",
	    "no \xe2\x80\xae such");
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf,
	    "prog: evil\\x1b]0;title\\x07.pcap: no \\u202e such\n");
	/* Longer than the stack buffer: still whole. */
	memset(longname, 'x', sizeof(longname) - 2);
	longname[sizeof(longname) - 2] = '\033';
	longname[sizeof(longname) - 1] = '\0';
	f = fmemopen(buf, sizeof(buf), "w");
	text_fwarn(f, "p", "%s", longname);
	fclose(f);
	CU_ASSERT_EQUAL(strlen(buf), 3 + sizeof(longname) - 2 + 4 + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "xx\\x1b\n"));
}

static void
test_copy_escape_buf(void)
{
	char b[8];

	CU_ASSERT_STRING_EQUAL(text_copy(b, sizeof(b), "abc\0d", 5), "abc?d");
	/*
	 * Every length 1 to 20 (word steps, overlapping tails, four and
	 * four, bytes), a NUL at any place or none: NULs become '?', the
	 * copy is cut at n - 1 and nothing after it is written.
	 */
	for (size_t len = 1; len <= 20; len++)
		for (size_t at = 0; at <= len; at++)
			for (size_t n = 1; n <= 22; n++) {
				char src[20], want[21], got[32];
				size_t k = len < n - 1 ? len : n - 1;

				memcpy(src, "0123456789abcdefghij", 20);
				if (at < len)
					src[at] = '\0';
				for (size_t i = 0; i < k; i++)
					want[i] = src[i] == '\0' ? '?' : src[i];
				want[k] = '\0';
				memset(got, '#', sizeof(got));
				CU_ASSERT_STRING_EQUAL(text_copy(got, n, src, len),
				    want);
				CU_ASSERT_EQUAL(got[k + 1], '#');
			}
	CU_ASSERT_STRING_EQUAL(text_copy(b, sizeof(b), "0123456789", 10),
	    "0123456");
	CU_ASSERT_STRING_EQUAL(text_escape(b, sizeof(b), "a\033b", 3),
	    "a\\x1bb");
	/* Truncation never splits an escape. */
	CU_ASSERT_STRING_EQUAL(text_escape(b, 6, "ab\033", 3), "ab");
}

/*
 * text_snprintf_fixed() is snprintf(buf, n, "%s%.*f", ...) without the
 * format machinery: same bytes, same result, cut the same way in every
 * buffer size, for values it formats itself and values it hands to
 * printf (halves, large values, -0).
 */
static void
test_snprintf_fixed(void)
{
	static const double v[] = { 0, -0.0, 0.005, 0.015, 1.25, 2.5, -0.001,
	    31.9951, 64.0, 0.3333333, 123456789.123, 1e12, -7.125, 1e-9 };
	static const char *const pre[] = { "", "+", " +" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (size_t p = 0; p < 3; p++)
			for (int dec = 0; dec <= 7; dec++)
				for (size_t n = 0; n <= 24; n++) {
					char a[32], b[32];
					int ra, rb;

					memset(a, 'x', sizeof(a));
					memset(b, 'x', sizeof(b));
					ra = snprintf(a, n, "%s%.*f", pre[p], dec,
					    v[i]);
					rb = text_snprintf_fixed(b, n, pre[p], v[i],
					    dec);
					CU_ASSERT_EQUAL(ra, rb);
					CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
				}
}

/*
 * text_plain_run for JSON reads sixteen (SSE2) or eight bytes at a step:
 * every byte value, at every place of a 40-byte run of plain text (both
 * block positions and the tail), must stop the run exactly where a
 * byte-by-byte test says, and plain text of every length must run to its
 * end.
 */
static void
test_plain_run_json(void)
{
	uint8_t buf[40];
	size_t bad = 0;

	for (size_t n = 0; n <= sizeof(buf); n++) {
		memset(buf, 'a', sizeof(buf));
		CU_ASSERT_EQUAL(text_plain_run(buf, n, TEXT_ESC_JSON), n);
	}
	for (unsigned c = 0; c < 256; c++) {
		bool plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';

		for (size_t at = 0; at < sizeof(buf); at++) {
			size_t want = plain ? sizeof(buf) : at;

			memset(buf, 'x', sizeof(buf));
			buf[at] = (uint8_t)c;
			/* A plain byte just below the tested one: no borrow
			 * from it may hide or fake a special. */
			if (at > 0)
				buf[at - 1] = 0x7e;
			if (text_plain_run(buf, sizeof(buf), TEXT_ESC_JSON) !=
			    want)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/*
	 * Lengths 1 to 40 (the tail after the last whole block is decided
	 * by the last block's bytes at once when all blocks passed): every
	 * byte value at every place stops the run where the byte test says.
	 */
	bad = 0;
	for (size_t n = 1; n <= sizeof(buf); n++)
		for (unsigned c = 0; c < 256; c++) {
			bool plain = c >= 0x20 && c <= 0x7e && c != '"' &&
			    c != '\\';

			for (size_t at = 0; at < n; at++) {
				memset(buf, 'y', sizeof(buf));
				buf[at] = (uint8_t)c;
				if (text_plain_run(buf, n, TEXT_ESC_JSON) !=
				    (plain ? n : at))
					bad++;
			}
		}
	CU_ASSERT_EQUAL(bad, 0);
	/* Two specials in one word: the first one stops it. */
	memcpy(buf, "abcdefgh\x01\"ijklmnopqrs", 20);
	CU_ASSERT_EQUAL(text_plain_run(buf, 20, TEXT_ESC_JSON), 8);
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
	CU_add_test(s, "escape unicode controls", test_escape_unicode_controls);
	CU_add_test(s, "fwarn", test_fwarn);
	CU_add_test(s, "copy_escape_buf", test_copy_escape_buf);
	CU_add_test(s, "snprintf_fixed", test_snprintf_fixed);
	CU_add_test(s, "plain_run json", test_plain_run_json);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
