/*
 * test_writers.c - the JSON writer (json.h) and the CSV writer (csv.h):
 * nesting and commas, both layout styles and the breaks that keep each
 * document's bytes, escaping of packet text, the two spellings of "no
 * value", a fragment written elsewhere and copied in, CSV quoting and
 * the neutralising of cells a spreadsheet would run as formulas.
 * Every case compares the exact bytes written to a memory stream.
 */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/csv.h"
#include "base/json.h"
#include "base/text.h"
#include "output/report.h"
#include "output/report_int.h"

/* A memory stream and what it holds once closed. */
struct mem {
	FILE *f;
	char *buf;
	size_t len;
	bool file;                /* a temporary file, read back on close */
	char *vbuf;               /* its stdio buffer, when ours */
};

static void
mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->file = false;
	m->f = open_memstream(&m->buf, &m->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->f);
}

/*
 * A stream whose buffer holds sz bytes (0: stdio's default), so the
 * writers' fast paths find its end often and their stdio paths run.
 * A temporary file with a buffer of ours: glibc's memory streams ignore
 * setvbuf(), and so does glibc for a size without a buffer (it keeps
 * its default of a few KiB): either way only the fast paths would run.
 */
static void
mem_open_buffered(struct mem *m, size_t sz)
{
	m->buf = NULL;
	m->len = 0;
	m->file = true;
	m->vbuf = NULL;
	m->f = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->f);
	if (sz > 0) {
		m->vbuf = malloc(sz);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m->vbuf);
		CU_ASSERT_EQUAL_FATAL(setvbuf(m->f, m->vbuf, _IOFBF, sz), 0);
	}
}

/* Closes the stream; m->buf (NUL-terminated, to free) holds its bytes. */
static void
mem_close(struct mem *m)
{
	long n;

	if (!m->file) {
		fclose(m->f);
		return;
	}
	fflush(m->f);
	n = ftell(m->f);
	CU_ASSERT_FATAL(n >= 0);
	m->buf = malloc((size_t)n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->buf);
	rewind(m->f);
	m->len = fread(m->buf, 1, (size_t)n, m->f);
	m->buf[m->len] = '\0';
	fclose(m->f);
	free(m->vbuf);
}

/* Closes the stream, compares with want, frees. */
static void
mem_check(struct mem *m, const char *want)
{
	mem_close(m);
	CU_ASSERT_STRING_EQUAL(m->buf, want);
	if (strcmp(m->buf, want) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s\n", m->buf, want);
	free(m->buf);
}

static void
test_json_compact(void)
{
	struct mem m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, JSON_COMPACT);
	json_obj_begin(&j);
	json_key(&j, "a");
	json_int(&j, -1);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_u64(&j, 18446744073709551615ULL);
	json_i64(&j, -9);
	json_bool(&j, true);
	json_null(&j);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_key(&j, "s");
	json_str(&j, NULL);
	json_key(&j, "x");
	json_fixed(&j, 2.0 / 3, 3);
	json_obj_end(&j);
	CU_ASSERT_EQUAL(json_end(&j), 0);
	mem_check(&m, "{\"a\":-1,\"list\":[18446744073709551615,-9,true,"
	    "null,[],{}],\"s\":null,\"x\":0.667}\n");
}

static void
test_json_spaced_breaks(void)
{
	struct mem m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, JSON_SPACED);
	json_obj_begin(&j);
	json_key(&j, "d");
	json_obj_begin(&j);
	json_break(&j, "\n  ");
	json_key(&j, "in");
	json_obj_begin(&j);
	json_key(&j, "p");
	json_str(&j, "x");
	json_key(&j, "q");
	json_int(&j, 1);
	json_obj_end(&j);
	json_break(&j, "\n  ");
	json_key(&j, "items");
	json_arr_begin(&j);
	for (int i = 0; i < 2; i++) {
		json_break(&j, "\n    ");
		json_int(&j, i);
	}
	json_break(&j, "\n  ");
	json_arr_end(&j);
	json_break(&j, "\n  ");
	json_key(&j, "empty");
	json_arr_begin(&j);
	json_break(&j, "\n  ");
	json_arr_end(&j);
	json_break(&j, "\n");
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
	mem_check(&m, "{\"d\": {\n  \"in\": {\"p\": \"x\", \"q\": 1},\n"
	    "  \"items\": [\n    0,\n    1\n  ],\n  \"empty\": [\n  ]\n}}\n");
}

/* One document with its keys written by json_key (lit false) or
 * JSON_KEY (true): first and later keys, nested, after a break. */
static char *
json_keys_doc(enum json_style style, bool lit)
{
	struct mem m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, style);
	json_obj_begin(&j);
	if (lit)
		JSON_KEY(&j, "a");
	else
		json_key(&j, "a");
	json_int(&j, 1);
	if (lit)
		JSON_KEY(&j, "sip_messages");
	else
		json_key(&j, "sip_messages");
	json_obj_begin(&j);
	json_break(&j, "\n  ");
	if (lit)
		JSON_KEY(&j, "in");
	else
		json_key(&j, "in");
	json_arr_begin(&j);
	json_arr_end(&j);
	if (lit)
		JSON_KEY(&j, "x_2");
	else
		json_key(&j, "x_2");
	json_str(&j, "v");
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
	mem_close(&m);
	return m.buf;
}

/* JSON_KEY writes what json_key does, in both styles. */
static void
test_json_key_literal(void)
{
	static const char *const want[2] = {
		"{\"a\":1,\"sip_messages\":{\n  \"in\":[],\"x_2\":\"v\"}}\n",
		"{\"a\": 1, \"sip_messages\": {\n  \"in\": [], \"x_2\": \"v\"}}\n",
	};

	for (int st = 0; st < 2; st++) {
		enum json_style style = st ? JSON_SPACED : JSON_COMPACT;
		char *a = json_keys_doc(style, false);
		char *b = json_keys_doc(style, true);

		CU_ASSERT_STRING_EQUAL(a, want[st]);
		CU_ASSERT_STRING_EQUAL(b, a);
		free(a);
		free(b);
	}
}

static void
test_json_escaping(void)
{
	struct mem m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, JSON_COMPACT);
	json_arr_begin(&j);
	/* ESC, a quote, a backslash, a tab, invalid UTF-8, valid UTF-8 */
	json_str(&j, "a\x1b[2J\"\\\t\xff\xc3\xa9");
	json_strn(&j, "n\0l", 3);
	json_str_begin(&j);
	json_str_add(&j, "one", 3);
	json_str_add(&j, "; ", 2);
	json_str_add(&j, "\x07two", 4);
	json_str_end(&j);
	json_arr_end(&j);
	json_end(&j);
	mem_check(&m, "[\"a\\u001b[2J\\\"\\\\\\t\\ufffd\xc3\xa9\","
	    "\"n\\u0000l\",\"one; \\u0007two\"]\n");

	/* Keys are escaped too. */
	mem_open(&m);
	json_init(&j, m.f, JSON_COMPACT);
	json_obj_begin(&j);
	json_key(&j, "k\"\n");
	json_int(&j, 0);
	json_obj_end(&j);
	json_end(&j);
	mem_check(&m, "{\"k\\\"\\n\":0}\n");
}

/* One byte as the JSON writer escapes it when it stands alone. */
static size_t
ref_byte(char *d, unsigned char c)
{
	switch (c) {
	case '"':
		return (size_t)sprintf(d, "\\\"");
	case '\\':
		return (size_t)sprintf(d, "\\\\");
	case '\n':
		return (size_t)sprintf(d, "\\n");
	case '\r':
		return (size_t)sprintf(d, "\\r");
	case '\t':
		return (size_t)sprintf(d, "\\t");
	}
	if (c < 0x20 || c == 0x7f)
		return (size_t)sprintf(d, "\\u%04x", c);
	if (c >= 0x80)
		return (size_t)sprintf(d, "\\ufffd");  /* alone: invalid UTF-8 */
	d[0] = (char)c;
	return 1;
}

/*
 * The fast path of json_strn and json_key (strings copied straight into
 * the stream's buffer while checked sixteen bytes at a step, shorter ones
 * in two overlapping loads of 8 or 4 bytes, the rest escaped from the
 * first byte that needs it) against a byte-by-byte reference: every byte
 * value at every position of strings of 1 to 50 bytes (each load size,
 * one to three 16-byte blocks and the overlapping tail after them), on a
 * stream with a roomy buffer and one with a 16-byte buffer (the stdio
 * path); keys with a special byte in their second block; then UTF-8
 * around a block boundary.
 */
static void
test_json_plain_blocks(void)
{
	static char want[4 * 1024 * 1024];
	char s[64];
	size_t bad = 0;

	for (int small = 0; small < 2; small++) {
		for (size_t len = 1; len <= 50; len++) {
			struct mem m;
			struct json j;
			size_t o = 0;

			mem_open_buffered(&m, small ? 16 : 0);
			json_init(&j, m.f, JSON_COMPACT);
			json_arr_begin(&j);
			want[o++] = '[';
			for (size_t pos = 0; pos < len; pos++)
				for (int c = 0; c < 256; c++) {
					for (size_t i = 0; i < len; i++)
						s[i] = (char)('a' + i % 26);
					s[pos] = (char)c;
					json_strn(&j, s, len);
					if (o > 1)
						want[o++] = ',';
					want[o++] = '"';
					for (size_t i = 0; i < len; i++)
						o += ref_byte(want + o,
						    (unsigned char)s[i]);
					want[o++] = '"';
				}
			json_arr_end(&j);
			json_end(&j);
			want[o++] = ']';
			want[o++] = '\n';
			want[o] = '\0';
			mem_close(&m);
			if (strcmp(m.buf, want) != 0)
				bad++;
			free(m.buf);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* Keys: a quote or a control byte in the second block, 0x7f last. */
	for (int small = 0; small < 2; small++) {
		struct mem m;
		struct json j;

		mem_open_buffered(&m, small ? 16 : 0);
		json_init(&j, m.f, JSON_SPACED);
		json_obj_begin(&j);
		json_key(&j, "abcdefgh\"jklmnop");
		json_int(&j, 1);
		json_key(&j, "abcdefghijklmno\x01q");
		json_int(&j, 2);
		json_key(&j, "abcdefghijklmnop");
		json_int(&j, 3);
		json_key(&j, "abcdefg\x7f");
		json_int(&j, 4);
		json_obj_end(&j);
		json_end(&j);
		mem_check(&m, "{\"abcdefgh\\\"jklmnop\": 1, "
		    "\"abcdefghijklmno\\u0001q\": 2, \"abcdefghijklmnop\": 3, "
		    "\"abcdefg\\u007f\": 4}\n");
	}

	/*
	 * UTF-8 across the end of the first block: é passes, a C1 control
	 * (U+0085) and a bidi override (U+202E) are named, a lead byte
	 * without its continuation is U+FFFD; then a plain run longer than
	 * the 16-byte buffer.
	 */
	{
		struct mem m;
		struct json j;

		mem_open_buffered(&m, 16);
		json_init(&j, m.f, JSON_COMPACT);
		json_arr_begin(&j);
		json_str(&j, "abcdefg\xc3\xa9z");
		json_str(&j, "abcdefg\xc2\x85z");
		json_str(&j, "abcdef\xe2\x80\xaez");
		json_str(&j, "abcdefg\xc3");
		json_str(&j, "0123456789abcdefghijklmnopqrstuvwxyz\\");
		json_arr_end(&j);
		json_end(&j);
		mem_check(&m, "[\"abcdefg\xc3\xa9z\",\"abcdefg\\u0085z\","
		    "\"abcdef\\u202ez\",\"abcdefg\\ufffd\","
		    "\"0123456789abcdefghijklmnopqrstuvwxyz\\\\\"]\n");
	}
}

/*
 * A random string for test_json_kv_random: mostly plain, with quotes,
 * backslashes, controls, DEL and high bytes that are never valid UTF-8
 * (continuation bytes and 0xf8-0xff: each one alone, so the reference
 * writes each as U+FFFD), NUL-terminated, its length returned.
 */
static size_t
rand_str(char *s, size_t cap, uint64_t *x)
{
	static const char odd[] = "\"\\\n\r\t\x01\x1b\x1f\x7f";
	size_t n;

	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	/* A quarter up to cap - 1 bytes, the rest short (a Call-ID). */
	n = (size_t)(*x >> 8) % (*x % 4 == 0 ? cap : 41);
	for (size_t i = 0; i < n; i++) {
		unsigned r;

		*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
		r = (unsigned)(*x >> 24) % 100;
		if (r < 80)
			s[i] = (char)(0x20 + (*x >> 40) % 0x5f);
		else if (r < 90)
			s[i] = odd[(*x >> 40) % (sizeof(odd) - 1)];
		else if (r < 95)
			s[i] = (char)(0x80 + (*x >> 40) % 0x40);
		else
			s[i] = (char)(0xf8 + (*x >> 40) % 8);
	}
	s[n] = '\0';
	return n;
}

/*
 * JSON_KV_STR, _U64 and _I64 (key and value in one, straight into the
 * buffer), and JSON_KV_RAW with a value written in place (or given up
 * after writing there, then written the usual way: what was written
 * must not show), against a simple reference (ref_byte for each byte of
 * each string): random strings up to 600 bytes and numbers at their limits,
 * first in their object (the slow path) and after other items, on a
 * roomy buffer and on buffers of 1 to 97 bytes, whose end the key or
 * its value meets; the same document written with JSON_KEY and the
 * separate value calls must be the same bytes.
 */
/* "raw": b[0..n) through JSON_KV_RAW, or, when not keep, junk written
 * where it would go and then the key and b the usual way. */
static void
kv_raw(struct json *j, const char *b, size_t n, bool keep)
{
	char *d = JSON_KV_RAW(j, "raw", 24);

	if (d != NULL && keep) {
		memcpy(d, b, n);
		json_raw_end(j, d + n);
		return;
	}
	if (d != NULL)
		memcpy(d, "\"junk\"", 6);
	JSON_KEY(j, "raw");
	json_number(j, b, n);
}

static void
test_json_kv_random(void)
{
	static char want[1 << 20];
	static char str[64][600];
	static const int64_t nums[] = { 0, 1, -1, 9, 10, -10, 99, 100,
	    INT64_MAX, INT64_MIN, 4294967296LL, -4294967297LL };
	uint64_t x = 88172645463325252ULL;
	size_t bad = 0;

	for (int round = 0; round < 40; round++) {
		size_t o = 0;
		char *doc[2], num[24];

		for (int k = 0; k < 64; k++)
			rand_str(str[k], sizeof(str[k]), &x);
		for (int way = 0; way < 2; way++) {
			struct mem m;
			struct json j;

			if (round == 0)
				mem_open(&m);
			else
				mem_open_buffered(&m, round < 3 ? 0 :
				    (size_t)(round * 7 % 97) + 1);
			json_init(&j, m.f, JSON_COMPACT);
			json_arr_begin(&j);
			for (int k = 0; k < 64; k += 4) {
				json_obj_begin(&j);
				if (way == 0) {
					JSON_KV_STR(&j, "first", str[k]);
					JSON_KV_STR(&j, "s", str[k + 1]);
					JSON_KV_U64(&j, "u",
					    (uint64_t)nums[k / 4 % 12]);
					JSON_KV_I64(&j, "i", nums[k / 4 % 12]);
					kv_raw(&j, num, (size_t)sprintf(num,
					    "%" PRId64, nums[k / 4 % 12]),
					    k % 8 == 0);
					JSON_KV_STR(&j, "null", NULL);
					JSON_KV_STR(&j, "a_longer_key",
					    str[k + 2]);
					json_break(&j, "\n");
					JSON_KV_STR(&j, "after_break",
					    str[k + 3]);
				} else {
					JSON_KEY(&j, "first");
					json_str(&j, str[k]);
					JSON_KEY(&j, "s");
					json_str(&j, str[k + 1]);
					JSON_KEY(&j, "u");
					json_u64(&j, (uint64_t)nums[k / 4 % 12]);
					JSON_KEY(&j, "i");
					json_i64(&j, nums[k / 4 % 12]);
					JSON_KEY(&j, "raw");
					json_i64(&j, nums[k / 4 % 12]);
					JSON_KEY(&j, "null");
					json_str(&j, NULL);
					JSON_KEY(&j, "a_longer_key");
					json_str(&j, str[k + 2]);
					json_break(&j, "\n");
					JSON_KEY(&j, "after_break");
					json_str(&j, str[k + 3]);
				}
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_end(&j);
			mem_close(&m);
			doc[way] = m.buf;
		}
		/* The reference. */
		want[o++] = '[';
		for (int k = 0; k < 64; k += 4) {
			static const char *const key[] = { "first", "s",
			    "a_longer_key", "after_break" };

			if (k > 0)
				want[o++] = ',';
			want[o++] = '{';
			for (int q = 0; q < 4; q++) {
				const char *v = str[k + q];

				if (q == 2)
					o += (size_t)sprintf(want + o,
					    ",\"u\":%" PRIu64 ",\"i\":%" PRId64
					    ",\"raw\":%" PRId64 ",\"null\":null",
					    (uint64_t)nums[k / 4 % 12],
					    nums[k / 4 % 12], nums[k / 4 % 12]);
				o += (size_t)sprintf(want + o, "%s%s\"%s\":\"",
				    q > 0 ? "," : "", q == 3 ? "\n" : "",
				    key[q]);
				for (size_t i = 0; v[i] != '\0'; i++)
					o += ref_byte(want + o,
					    (unsigned char)v[i]);
				want[o++] = '"';
			}
			want[o++] = '}';
		}
		want[o++] = ']';
		want[o++] = '\n';
		want[o] = '\0';
		if (strcmp(doc[0], want) != 0 || strcmp(doc[1], want) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "\nround %d:\n got: %s\nsame: %s\n"
				    "want: %s\n", round, doc[0], doc[1], want);
		}
		free(doc[0]);
		free(doc[1]);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Writes one document of every kind of item, hostile strings included. */
static void
json_mixed_doc(FILE *f)
{
	static const char why[] = "no RTP or other media of this call here, "
	    "and the capture filter \"udp port 5060 \x1b]0;pwned\x07\" "
	    "passes signalling only: media not observable";
	struct json j;

	json_init(&j, f, JSON_COMPACT);
	json_obj_begin(&j);
	JSON_KEY(&j, "id");
	json_u64(&j, 18446744073709551615ULL);
	JSON_KEY(&j, "call_id");
	json_str(&j, "94b16b71a16c82b6-18@10.0.0.20");
	json_break(&j, "\n");
	JSON_KEY(&j, "from");
	json_str(&j, "\"Mallory\" <sip:a\\b@x>\r\n</script><script>");
	json_key(&j, "k\x7f");
	json_i64(&j, INT64_MIN);
	JSON_KEY(&j, "list");
	json_arr_begin(&j);
	json_null(&j);
	json_bool(&j, false);
	json_bool(&j, true);
	json_int(&j, -1);
	json_fixed(&j, 30.0, 3);
	json_strn(&j, "a\0b", 3);
	json_strn_plain(&j, "2023-11-14T22:13:20.290475Z", 27);
	json_str(&j, why);
	json_str(&j, "\xc3\xa9t\xe9\xed\xa0\x80\xf4\x90\x80\x80");
	json_arr_end(&j);
	JSON_KEY(&j, "e");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

/*
 * Where the stream's buffer ends (the fast paths write only what fits,
 * else go through stdio): the same document on buffers of 1 to 300
 * bytes is the bytes written with a roomy one, which are the expected
 * ones.
 */
static void
test_json_buffer_ends(void)
{
	static const char want[] =
	    "{\"id\":18446744073709551615,"
	    "\"call_id\":\"94b16b71a16c82b6-18@10.0.0.20\",\n"
	    "\"from\":\"\\\"Mallory\\\" <sip:a\\\\b@x>\\r\\n"
	    "</script><script>\",\"k\\u007f\":-9223372036854775808,"
	    "\"list\":[null,false,true,-1,30.000,\"a\\u0000b\","
	    "\"2023-11-14T22:13:20.290475Z\",\"no RTP or other media of this "
	    "call here, and the capture filter \\\"udp port 5060 "
	    "\\u001b]0;pwned\\u0007\\\" passes signalling only: media not "
	    "observable\",\"\xc3\xa9t\\ufffd\\ufffd\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\"],\"e\":{}}\n";
	struct mem m;
	size_t bad = 0;

	mem_open(&m);
	json_mixed_doc(m.f);
	mem_check(&m, want);
	for (size_t sz = 1; sz <= 300; sz++) {
		mem_open_buffered(&m, sz);
		json_mixed_doc(m.f);
		mem_close(&m);
		if (strcmp(m.buf, want) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "\nbuffer %zu: %s\n", sz, m.buf);
		}
		free(m.buf);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_json_none(void)
{
	struct mem m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, JSON_COMPACT);
	json_arr_begin(&j);
	json_u64_or_null(&j, 0);
	json_u64_or_null(&j, 7);
	json_u64(&j, 0);
	json_fixed(&j, NAN, 2);
	json_fixed(&j, INFINITY, 2);
	json_fixed(&j, -0.5, 2);
	json_arr_end(&j);
	json_end(&j);
	mem_check(&m, "[null,7,0,null,null,-0.50]\n");
}

/* A spool of array elements, written by its own writer and copied in. */
/*
 * json_fixed() formats most values itself: every value must come out as
 * printf's "%.*f" writes it -- halves and values next to them, negative
 * values rounding to zero ("-0.00"), -0, large values -- for 0..6
 * decimals (and 7, which printf writes).
 */
static void
test_json_fixed_as_printf(void)
{
	static const double named[] = { 0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125,
	    0.375, 1.005, 2.675, -0.001, -0.004, 0.0049999999, 999999999.4,
	    1e9, 1e12, 123456.789, 50.0, 3.3333333, 1e-7, -1e-9 };
	uint64_t x = 2463534242ULL;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) + 60000; i++) {
		double v;
		int dec = (int)(i % 8);
		char want[64];
		struct mem m;

		if (i < sizeof(named) / sizeof(named[0])) {
			v = named[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Integers over 10^k, so halves and exact values occur. */
			v = (double)(int64_t)(x % 2000001 - 1000000) /
			    pow(10, (double)(x >> 32 & 7));
			if (x >> 40 & 1)
				v += (double)((int64_t)(x >> 41 & 3) - 1) * 1e-12;
		}
		snprintf(want, sizeof(want), "%.*f", dec, v);
		mem_open(&m);
		{
			struct json j;

			json_init(&j, m.f, JSON_COMPACT);
			json_fixed(&j, v, dec);
		}
		mem_check(&m, want);
	}
}

static void
test_json_fragment(void)
{
	struct mem m, sp;
	struct json j, s;

	mem_open(&sp);
	json_init_fragment(&s, sp.f, JSON_COMPACT);
	for (int i = 0; i < 3; i++) {
		json_obj_begin(&s);
		json_key(&s, "i");
		json_int(&s, i);
		json_obj_end(&s);
	}
	fclose(sp.f);
	mem_open(&m);
	json_init(&j, m.f, JSON_COMPACT);
	json_obj_begin(&j);
	json_key(&j, "spooled");
	json_arr_begin(&j);
	fputs(sp.buf, m.f);
	json_arr_end(&j);
	json_key(&j, "after");
	json_int(&j, 1);
	json_obj_end(&j);
	json_end(&j);
	free(sp.buf);
	mem_check(&m, "{\"spooled\":[{\"i\":0},{\"i\":1},{\"i\":2}],"
	    "\"after\":1}\n");
}

static void
test_csv(void)
{
	struct mem m;
	struct csv c;
	static const char *const head[] = { "id", "name", "n" };

	mem_open(&m);
	csv_init(&c, m.f);
	csv_header(&c, head, 3);
	csv_u64(&c, 1);
	csv_text(&c, "al\"ice, \x1b[31m");
	csv_bare(&c, "in call");
	csv_quoted(&c, "2023-11-14 22:13:20.000000");
	csv_fixed(&c, -1.25, 3);
	csv_int(&c, -3);
	CU_ASSERT_EQUAL(csv_row_end(&c), 0);
	csv_text_begin(&c);
	csv_text_add(&c, "a", 1);
	csv_text_add(&c, ";\"b", 3);
	csv_text_end(&c);
	csv_text(&c, "");
	csv_row_end(&c);
	/* Figures as printf writes them, also where text_fixed defers. */
	csv_u64(&c, 18446744073709551615ULL);
	csv_u64(&c, 0);
	csv_int(&c, -2147483647 - 1);
	csv_int(&c, 2147483647);
	csv_fixed(&c, 1e12 / 3, 3);
	csv_fixed(&c, 0.0005, 3);
	csv_fixed(&c, -0.0, 2);
	csv_row_end(&c);
	mem_check(&m, "id,name,n\n"
	    "1,\"al\"\"ice, \\x1b[31m\",in call,\"2023-11-14 22:13:20.000000\","
	    "-1.250,-3\n"
	    "\"a;\"\"b\",\"\"\n"
	    "18446744073709551615,0,-2147483648,2147483647,333333333333.333,"
	    "0.001,-0.00\n");
}

/*
 * The fast path of CSV text cells (plain bytes copied straight into the
 * stream's buffer while checked, bufput.h) against what escaping the
 * whole cell with text_fput_escaped() writes, which the cells were
 * before: every byte value at every position of cells of 1 to 50 bytes,
 * on a roomy buffer and on buffers of 1 to 40 bytes (where a cell fits
 * the space left or not).
 */
static void
test_csv_plain_blocks(void)
{
	char s[64];
	size_t bad = 0;

	for (size_t len = 1; len <= 50; len++)
		for (size_t pos = 0; pos < len; pos++)
			for (int ch = 0; ch < 256; ch++) {
				struct mem m, r;
				struct csv c;
				size_t sz = (len * 256 + pos * 7 + (size_t)ch) % 41;

				for (size_t i = 0; i < len; i++)
					s[i] = (char)('a' + i % 26);
				s[pos] = (char)ch;
				mem_open_buffered(&m, sz);
				csv_init(&c, m.f);
				csv_u64(&c, len);
				csv_text_begin(&c);
				csv_text_add(&c, s, len);
				csv_text_end(&c);
				csv_row_end(&c);
				mem_close(&m);
				mem_open(&r);
				fprintf(r.f, "%zu,\"%s", len,
				    pos == 0 && strchr("=+-@\t\r", ch) != NULL &&
				    ch != 0 ? "'" : "");
				text_fput_escaped(r.f, s, len, TEXT_ESC_CSV);
				fputs("\"\n", r.f);
				fclose(r.f);
				if (strcmp(m.buf, r.buf) != 0 && bad++ == 0)
					fprintf(stderr, "\n got: %s\nwant: %s\n",
					    m.buf, r.buf);
				free(m.buf);
				free(r.buf);
			}
	CU_ASSERT_EQUAL(bad, 0);
}

/*
 * Formula injection: a text cell starting with =, +, -, @, tab or CR gets
 * a ' in front (also when written in parts, and only at its start);
 * numbers and program-made cells are never touched.
 */
static void
test_csv_formula(void)
{
	struct mem m;
	struct csv c;

	mem_open(&m);
	csv_init(&c, m.f);
	csv_text(&c, "=HYPERLINK(\"http://evil/x\",\"click\")");
	csv_text(&c, "+15551234567@example.com");
	csv_text(&c, "-2+3");
	csv_text(&c, "@SUM(1+1)");
	csv_text(&c, "\t=1");
	csv_text(&c, "\r=1");
	csv_text(&c, "a=1");
	csv_row_end(&c);
	csv_text_begin(&c);
	csv_text_add(&c, "", 0);
	csv_text_add(&c, "=x", 2);
	csv_text_add(&c, "=y", 2);
	csv_text_end(&c);
	csv_text_begin(&c);
	csv_text_add(&c, "ok", 2);
	csv_text_add(&c, "-y", 2);
	csv_text_end(&c);
	csv_fixed(&c, -1.5, 3);
	csv_int(&c, -7);
	csv_quoted(&c, "-");
	csv_bare(&c, "-");
	csv_row_end(&c);
	mem_check(&m,
	    "\"'=HYPERLINK(\"\"http://evil/x\"\",\"\"click\"\")\","
	    "\"'+15551234567@example.com\",\"'-2+3\",\"'@SUM(1+1)\","
	    "\"'\\x09=1\",\"'\\x0d=1\",\"a=1\"\n"
	    "\"'=x=y\",\"ok-y\",-1.500,-7,\"-\",-\n");
}

/* What report_time() must write: gmtime_r() and strftime(). */
static void
ref_time(int64_t ns, char sep, char *b)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char d[32];

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d?%H:%M:%S", &tm);
	d[10] = sep;
	sprintf(b, "%s.%06ld", d, (long)(ns % 1000000000 / 1000));
}

/*
 * Times written by hand, the date kept per day (report_time_at), against
 * gmtime_r: around day, month, leap-day and century boundaries (2000 is
 * a leap year, 2100 and 2200 are not), the last second of int64 ns
 * (2262), and a pseudo-random walk back and forth over the whole range
 * with one kept day (a cached date must never outlive its day).
 */
static void
test_report_time(void)
{
	static const int64_t base[] = {
		1, 999, 1000, 86399999999999, 86400000000000,
		951782400000000000,   /* 2000-02-29 00:00:00 */
		951868799999999999,   /* 2000-02-29 23:59:59.999999 */
		4107542400000000000,  /* 2100-03-01 */
		4107455999000000000,  /* 2100-02-28 23:59:59 */
		1700000000290475000,  /* 2023-11-14 22:13:20.290475 */
		INT64_MAX,
	};
	struct report_day day = REPORT_DAY_INIT;
	char got[64], want[64];
	uint64_t x = 88172645463325252ULL;
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		for (int64_t k = -2; k <= 2; k++) {
			int64_t ns;

			if ((k > 0 && base[i] > INT64_MAX - k * 1000) ||
			    base[i] + k * 1000 <= 0)
				continue;
			ns = base[i] + k * 1000;
			CU_ASSERT_EQUAL(report_time_at(&day, ns, 'T', got),
			    REPORT_TIME_LEN);
			got[REPORT_TIME_LEN] = '\0';
			ref_time(ns, 'T', want);
			bad += strcmp(got, want) != 0;
			report_time(ns, got, sizeof(got));
			ref_time(ns, ' ', want);
			bad += strcmp(got, want) != 0;
		}
	for (int i = 0; i < 200000; i++) {
		int64_t ns;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly near the last time (same day or next), sometimes far. */
		ns = (int64_t)(x % 8 == 0 ? x >> 1 :
		    1700000000000000000ULL + x % 400000000000000ULL);
		if (ns <= 0)
			continue;
		report_time_at(&day, ns, ' ', got);
		got[REPORT_TIME_LEN] = '\0';
		ref_time(ns, ' ', want);
		if (strcmp(got, want) != 0 && bad++ == 0)
			fprintf(stderr, "\n%lld: got %s want %s\n",
			    (long long)ns, got, want);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Cut as snprintf would cut it; none: "-". */
	CU_ASSERT_STRING_EQUAL(report_time(1700000000290475000, got, 11),
	    "2023-11-14");
	CU_ASSERT_STRING_EQUAL(report_time(0, got, sizeof(got)), "-");
}

/*
 * The CSV report's start cell keeps the date from row to row
 * (report_time_at): each row must still say what report_time() says of
 * its dialog, over dialogs with no start (0, negative: "-"), on one day,
 * across days and back again.
 */
static void
test_csv_report_times(void)
{
	static const int64_t starts[] = {
		1700000000290475000, 1700000001000000000, 0,
		1700086400000000000, -5, 1700000000290475000,
		951868799999999999, 951868800000000000, INT64_MAX, 1,
	};
	struct report_opts o = { .format = REPORT_CSV };
	struct dialog *d = calloc(1, sizeof(*d));
	struct mem m;
	struct report *r;
	const char *line;
	size_t row = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	mem_open(&m);
	r = report_new(m.f, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	report_begin(r);
	d->kind = DIALOG_REGISTER;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		d->id = i + 1;
		d->start_ns = starts[i];
		report_dialog(r, d);
	}
	report_free(r);
	mem_close(&m);
	line = strchr(m.buf, '\n');    /* past the header */
	while (line != NULL && line[1] != '\0') {
		char want[80], t[64];
		int n;

		line++;
		CU_ASSERT_FATAL(row < sizeof(starts) / sizeof(starts[0]));
		n = snprintf(want, sizeof(want), "%zu,\"%s\",", row + 1,
		    report_time(starts[row], t, sizeof(t)));
		CU_ASSERT_EQUAL(strncmp(line, want, (size_t)n), 0);
		row++;
		line = strchr(line, '\n');
	}
	CU_ASSERT_EQUAL(row, sizeof(starts) / sizeof(starts[0]));
	free(m.buf);
	free(d);
}

/*
 * The text report's evidence lines keep the date from line to line
 * (report_time_at): each must still show the time of day report_time()
 * gives, after the frame, on one day, across days and back, and no time
 * at all for none.
 */
static void
test_text_evidence_times(void)
{
	static const int64_t ts[] = {
		1700000000290475000, 0, 1700000001000000000,
		1700086400000000000, 1700000000290475000, -3,
		951868799999999999, 951868800000000000, INT64_MAX, 1,
	};
	enum { NTS = sizeof(ts) / sizeof(ts[0]) };
	struct report_opts o = { .format = REPORT_TEXT };
	struct report_summary sum;
	struct dialog *d = calloc(1, sizeof(*d));
	struct findings *fs = calloc(1, sizeof(*fs));
	struct mem m;
	struct report *r;
	size_t bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
	memset(&sum, 0, sizeof(sum));
	mem_open(&m);
	r = report_new(m.f, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	report_begin(r);
	d->kind = DIALOG_CALL;
	d->findings = fs;
	fs->n = 1;
	fs->f[0].id = "test_symptom";
	fs->f[0].confidence = 0.5;
	fs->f[0].explanation = "why";
	fs->f[0].remediation = "fix";
	/* One dialog per time, its evidence alternating frame and none. */
	for (size_t i = 0; i < NTS; i++) {
		struct evidence *e = &fs->f[0].ev[0];

		memset(e, 0, sizeof(*e));
		fs->f[0].nev = 1;
		e->frame = i % 2 ? 0 : 100 + i;
		e->ts_ns = ts[i];
		snprintf(e->field, sizeof(e->field), "field%zu", i);
		snprintf(e->value, sizeof(e->value), "v");
		d->id = i + 1;
		report_dialog(r, d);
	}
	report_end(r, &sum);
	report_free(r);
	mem_close(&m);
	for (size_t i = 0; i < NTS; i++) {
		char want[128], t[64], fr[32];

		if (i % 2)
			snprintf(fr, sizeof(fr), "         ");
		else
			snprintf(fr, sizeof(fr), "         frame %-6zu ", 100 + i);
		if (ts[i] > 0)
			snprintf(want, sizeof(want), "\n%s%s  field%zu: v\n", fr,
			    report_time(ts[i], t, sizeof(t)) + 11, i);
		else
			snprintf(want, sizeof(want), "\n%sfield%zu: v\n", fr, i);
		if (strstr(m.buf, want) == NULL && bad++ == 0)
			fprintf(stderr, "\nmissing: %s", want);
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(m.buf);
	free(fs);
	free(d);
}

/*
 * Seconds from ns by integers (report_secs3) against printf's "%.3f" of
 * the double: around each half millisecond (exactly half defers),
 * 2^50 ns, and pseudo-random ns of every size below it.
 */
static void
test_report_secs3(void)
{
	static const int64_t edge[] = {
		0, 1, 499999, 500000, 500001, 999999, 1000000, 1500000,
		30000000000, 100000000, 2500000, 999999500000, 999999500001,
		(INT64_C(1) << 50) - 1, INT64_C(1) << 50, -1, -1000000,
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char got[40], want[64];
	size_t bad = 0, deferred = 0;

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 400000; i++) {
		int64_t ns;
		size_t n;

		if (i < sizeof(edge) / sizeof(edge[0])) {
			ns = edge[i];
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* every magnitude; a third near a half millisecond */
			ns = (int64_t)(x >> (14 + x % 50));
			if (x % 3 == 0)
				ns = ns / 1000000 * 1000000 + 500000 +
				    (int64_t)(x >> 60) - 8;
		}
		n = report_secs3(ns, got);
		if (n == 0) {
			deferred++;
			continue;
		}
		got[n] = '\0';
		snprintf(want, sizeof(want), "%.3f", report_secs(ns));
		if (strcmp(got, want) != 0 && bad++ == 0)
			fprintf(stderr, "\n%lld: got %s want %s\n",
			    (long long)ns, got, want);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* the cases it leaves to printf, and only those */
	CU_ASSERT_EQUAL(report_secs3(500000, got), 0);
	CU_ASSERT_EQUAL(report_secs3(-1, got), 0);
	CU_ASSERT_EQUAL(report_secs3(INT64_C(1) << 50, got), 0);
	CU_ASSERT(deferred < 200000);
}

int
main(void)
{
	CU_pSuite s;
	unsigned nf;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("writers", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "json compact", test_json_compact) ||
	    !CU_add_test(s, "json spaced, breaks", test_json_spaced_breaks) ||
	    !CU_add_test(s, "json escaping", test_json_escaping) ||
	    !CU_add_test(s, "json literal keys", test_json_key_literal) ||
	    !CU_add_test(s, "json plain blocks", test_json_plain_blocks) ||
	    !CU_add_test(s, "json key and value", test_json_kv_random) ||
	    !CU_add_test(s, "json buffer ends", test_json_buffer_ends) ||
	    !CU_add_test(s, "json null and 0", test_json_none) ||
	    !CU_add_test(s, "json fragment", test_json_fragment) ||
	    !CU_add_test(s, "json fixed as printf", test_json_fixed_as_printf) ||
	    !CU_add_test(s, "report times", test_report_time) ||
	    !CU_add_test(s, "report seconds", test_report_secs3) ||
	    !CU_add_test(s, "csv", test_csv) ||
	    !CU_add_test(s, "csv formula injection", test_csv_formula) ||
	    !CU_add_test(s, "csv plain blocks", test_csv_plain_blocks) ||
	    !CU_add_test(s, "csv report times", test_csv_report_times) ||
	    !CU_add_test(s, "text evidence times",
	    test_text_evidence_times)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	nf = CU_get_number_of_failures();
	CU_cleanup_registry();
	return nf != 0;
}
