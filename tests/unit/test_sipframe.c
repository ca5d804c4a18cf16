/*
 * test_sipframe.c - CUnit tests for SIP recognition and framing
 * (analyzer/ingest/sipframe.c): start lines (whole and cut short), stream
 * framing with Content-Length in all its spellings, a run of messages
 * framed without state, datagram framing, header look-up, caps, and
 * truncation at every length; the framing compared with a plain
 * memchr() reference on crafted and random messages, cut anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/text.h"
#include "ingest/sipframe.h"

#define S(lit) ((const uint8_t *)(lit)), (sizeof(lit) - 1)

static const char invite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
    "Call-ID: abc@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "v=0\r\n";

static void
test_recognise_requests(void)
{
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S(invite)));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("REGISTER sips:example.com SIP/2.0\r\n")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("MESSAGE tel:+15551234 SIP/2.0\n")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("FOO-BAR.x urn:service:sos sip/2.0\r\n")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("OPTIONS sip:a SIP/2.0\r\n")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("SUBSCRIBE sip:a@b SIP/2.0\r\n")));
	/* The line must be complete and end right after the version. */
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE sip:a SIP/2.0")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE sip:a SIP/2.0 \r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE sip:a SIP/2.1\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE sip:a SIP/2.0\rX")));
	/* URI needs a scheme and something after it. */
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE bob SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE sip: SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE 1sip:a SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INVITE  sip:a SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("GET / HTTP/1.1\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("GET ws://x/ HTTP/1.1\r\n")));
	/* Method of 32 token characters is fine, 33 is not. */
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA sip:a SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA sip:a SIP/2.0\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("INV(TE sip:a SIP/2.0\r\n")));
}

/*
 * Every byte in a method: recognised exactly when it is an RFC 3261
 * §25.1 token character (alphanumeric or one of -.!%*_+`'~).
 */
static void
test_method_bytes(void)
{
	for (int c = 0; c < 256; c++) {
		uint8_t line[] = "AxB sip:a SIP/2.0\r\n";
		bool tok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != 0 &&
		    strchr("-.!%*_+`'~", c) != NULL);

		line[1] = (uint8_t)c;
		CU_ASSERT_EQUAL(sipframe_looks_like_sip(line, sizeof(line) - 1),
		    tok);
	}
	/* Every byte at every place of a URI: any but SP, controls, DEL. */
	for (int c = 0; c < 256; c++)
		for (size_t k = 0; k < 24; k++) {
			uint8_t line[] = "INVITE sip:abcdefghijklmnopqrstuvwx"
			    " SIP/2.0\r\n";
			bool ok = c > ' ' && c != 0x7f;

			line[11 + k] = (uint8_t)c;
			/* A SP inside the URI ends it: the rest is no version. */
			CU_ASSERT_EQUAL(sipframe_looks_like_sip(line,
			    sizeof(line) - 1), ok);
		}
}

static void
test_recognise_responses(void)
{
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("SIP/2.0 200 OK\r\n")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("SIP/2.0 100 ")));
	CU_ASSERT_TRUE(sipframe_looks_like_sip(S("sip/2.0 486 Busy Here\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("SIP/2.0 20 OK\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("SIP/2.0 2000 OK\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("SIP/2.0 200")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("SIP/1.0 200 OK\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("HTTP/1.1 200 OK\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(NULL, 10));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("")));
}

static void
test_reject_rtp_and_garbage(void)
{
	static const uint8_t rtp[] = {
		0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0xa0,
		0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff,
	};
	static const uint8_t stun[] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
	};
	uint8_t junk[256];

	CU_ASSERT_FALSE(sipframe_looks_like_sip(rtp, sizeof(rtp)));
	CU_ASSERT_EQUAL(sipframe_start(rtp, sizeof(rtp)), SIPFRAME_ERROR);
	CU_ASSERT_FALSE(sipframe_looks_like_sip(stun, sizeof(stun)));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("\r\n\r\n")));
	CU_ASSERT_FALSE(sipframe_looks_like_sip(S("hello world\r\n")));
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i <= sizeof(junk); i++)
		CU_ASSERT_FALSE(sipframe_looks_like_sip(junk, i));
}

/* Every proper prefix of a start line is INCOMPLETE, never OK. */
static void
test_start_prefixes(void)
{
	const char *lines[] = {
		"INVITE sip:bob@example.com SIP/2.0\r\n",
		"SIP/2.0 180 Ringing\r\n",
		"BYE tel:+1 sip/2.0\n",
	};

	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		const uint8_t *p = (const uint8_t *)lines[l];
		size_t n = strlen(lines[l]);

		for (size_t i = 1; i < n; i++) {
			enum sipframe_rc rc = sipframe_start(p, i);

			/* Status lines are whole after "SIP/2.0 NNN ". */
			if (p[0] == 'S' && i >= 12) {
				CU_ASSERT_EQUAL(rc, SIPFRAME_OK);
			} else {
				CU_ASSERT_EQUAL(rc, SIPFRAME_INCOMPLETE);
			}
		}
		CU_ASSERT_EQUAL(sipframe_start(p, n), SIPFRAME_OK);
	}
}

/* Bytes cut short: a start line, or a valid beginning of one, is SIP. */
static void
test_starts_like_sip(void)
{
	const uint8_t *p = (const uint8_t *)invite;

	for (size_t i = 1; i < sizeof(invite); i++)
		CU_ASSERT_TRUE(sipframe_starts_like_sip(p, i));
	CU_ASSERT_TRUE(sipframe_starts_like_sip(S("SIP/2.0 2")));
	CU_ASSERT_TRUE(sipframe_starts_like_sip(S("O")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(NULL, 4));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("\x80\x00\x12\x34")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("INVITE sip:a SIP/1")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("SIP/2.0 2x")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("GET / HTTP/1.1")));
	CU_ASSERT_FALSE(sipframe_starts_like_sip(S("\r\nINVITE")));
}

/* The span form tells where the body starts; messages() frames a run. */
static void
test_stream_span_and_messages(void)
{
	static const char two[] =
	    "\r\nSIP/2.0 100 Trying\r\nl: 0\r\n\r\n"
	    "SIP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nab"
	    "BYE sip:a SIP/2.0\r\n";
	const uint8_t *p = (const uint8_t *)two;
	size_t n = sizeof(two) - 1, used = 99;
	struct anomalies an = { { 0 } };
	struct sipframe_span sp[4];

	CU_ASSERT_EQUAL(sipframe_stream_span(S(invite), &sp[0], &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(sp[0].off, 0);
	CU_ASSERT_EQUAL(sp[0].len, sizeof(invite) - 1);
	CU_ASSERT_EQUAL(sp[0].hdr_len, sizeof(invite) - 1 - 5);
	/* Two whole messages after a CRLF, then the start of a third. */
	CU_ASSERT_EQUAL(sipframe_messages(p, n, sp, 4, &used, &an), 2);
	CU_ASSERT_EQUAL(sp[0].off, 2);
	CU_ASSERT_EQUAL(sp[0].len, 28);
	CU_ASSERT_EQUAL(sp[0].hdr_len, 28);
	CU_ASSERT_EQUAL(sp[1].off, 30);
	CU_ASSERT_EQUAL(sp[1].hdr_len, 37);
	CU_ASSERT_EQUAL(sp[1].len, 39);
	CU_ASSERT_EQUAL(used, 69);
	/* At most max messages. */
	CU_ASSERT_EQUAL(sipframe_messages(p, n, sp, 1, &used, &an), 1);
	CU_ASSERT_EQUAL(used, 30);
	/* Bytes that are not SIP before the end: -1. */
	CU_ASSERT_EQUAL(sipframe_messages(S("SIP/2.0 200 OK\r\nl: 0\r\n\r\n"
	    "hello\r\n"), sp, 4, &used, &an), -1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(sipframe_messages(S("SIP/2.0 200 OK\r\nl: x\r\n\r\n"),
	    sp, 4, &used, &an), -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 1);
	/* Nothing whole yet: 0, nothing used. */
	CU_ASSERT_EQUAL(sipframe_messages(p, 20, sp, 4, &used, &an), 0);
	CU_ASSERT_EQUAL(used, 0);
}

static void
test_stream_basic(void)
{
	struct anomalies an = { { 0 } };
	size_t sk = 99, ml = 99;

	CU_ASSERT_EQUAL(sipframe_stream(S(invite), &sk, &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(sk, 0);
	CU_ASSERT_EQUAL(ml, sizeof(invite) - 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_stream_two_messages(void)
{
	static const char two[] =
	    "SIP/2.0 100 Trying\r\nl: 0\r\n\r\n"
	    "SIP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nab";
	struct anomalies an = { { 0 } };
	size_t sk, ml;
	const uint8_t *p = (const uint8_t *)two;

	CU_ASSERT_EQUAL(sipframe_stream(p, sizeof(two) - 1, &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 28);
	CU_ASSERT_EQUAL(sipframe_stream(p + 28, sizeof(two) - 29, &sk, &ml,
	    &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(sk, 0);
	CU_ASSERT_EQUAL(ml, sizeof(two) - 29);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_stream_content_length_forms(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml;

	/* Compact form, lower case, blank before the colon. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nl : 3\r\n\r\nxyzEXTRA"), &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 35);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nCONTENT-length:\t3 \r\n\r\nxyz"), &sk,
	    &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 48);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nL: 3\r\n\r\nxyz"), &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 34);
	/* "Length:" or "lx:" are other headers. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nlx: 3\r\n\r\nxyz"), &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 32);
	/* Blanks before the colon; a longer name; a name with no colon. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nContent-Length \t: 3\r\n\r\nxyzEXTRA"),
	    &sk, &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 49);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nContent-Lengthy: 3\r\n\r\nxyz"), &sk,
	    &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 45);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\r\nContent-Length\r\nl:2\r\n\r\nxyz"),
	    &sk, &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 48);
	/* Bare LF line ends. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "OPTIONS sip:a SIP/2.0\nl: 1\n\nz"), &sk, &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 29);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/*
 * The framing's one-pass Content-Length (header_end, cl_line) against
 * sipframe_header()'s lookup of the same block, over names that differ
 * from it at each place its quick tests look (the '-', the 'L'), in
 * any case, over the other 'c' headers before it, and over folded
 * lines and first bytes that its first test (one byte with 0x20 set)
 * must tell from c and l.
 */
static void
test_cl_names_vs_lookup(void)
{
	static const char *const names[] = {
		"Content-Length", "content-length", "CONTENT-LENGTH",
		"cOnTeNt-LeNgTh", "Content_Length", "Content-Lengtx",
		"Content-Type", "Content-Lengths", "Contact", "Call-ID",
		"CSeq", "Content-length ", "Content-\x01ength", "l", "L",
		"Content-Encoding", "Content-Language", "Content-Lengt",
		/* Folded lines (not headers), first bytes near c and l. */
		" Content-Length", "\tl", " l", "\tContent-Length", "lx",
		"Ll", "#ontent-Length", "\x0c", "\x4c", "l\t", "L ",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char msg[256];
		const uint8_t *v;
		size_t vl, ml, bo, want;
		int n;

		n = snprintf(msg, sizeof(msg), "INVITE sip:a@b SIP/2.0\r\n"
		    "Call-ID: x\r\nContact: <sip:a@b>\r\n%s: 4\r\n"
		    "Content-Length: 2\r\n\r\nabcdEF", names[i]);
		CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(msg));
		CU_ASSERT_EQUAL_FATAL(sipframe_datagram((const uint8_t *)msg,
		    (size_t)n, &ml, &bo, NULL), SIPFRAME_OK);
		CU_ASSERT_FATAL(sipframe_header((const uint8_t *)msg, bo,
		    "Content-Length", 'l', &v, &vl));
		want = vl == 1 && v[0] == '4' ? 4 : 2;
		CU_ASSERT_EQUAL(ml, bo + want);
		if (ml != bo + want)
			fprintf(stderr, "name '%s': length %zu, lookup %zu\n",
			    names[i], ml - bo, want);
	}
}

static void
test_stream_missing_cl(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml;

	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nCall-ID: x\r\n\r\nBYE sip:b SIP/2.0\r\n"),
	    &sk, &ml, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 33);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_stream_cl_invalid(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml;

	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nContent-Length: 12abc\r\n\r\n"), &sk, &ml,
	    &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 1);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n"), &sk, &ml,
	    &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nContent-Length:\r\n\r\n"), &sk, &ml,
	    &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 3);
	/* Beyond the cap, and beyond 64 bits. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nContent-Length: 65536\r\n\r\n"), &sk, &ml,
	    &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n"), &sk,
	    &ml, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nl: 18446744073709551616\r\n\r\n"), &sk,
	    &ml, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 3);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 3);
	/* A blank inside is no number; blanks around are trimmed. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nl: 1 2\r\n\r\nx"), &sk, &ml, &an),
	    SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 4);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nl: \t 1 \t\r\n\r\nx"), &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 32);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 4);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 3);
}

static void
test_stream_keepalives(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml;

	CU_ASSERT_EQUAL(sipframe_stream(S("\r\n\r\n"), &sk, &ml, &an),
	    SIPFRAME_INCOMPLETE);
	CU_ASSERT_EQUAL(sk, 4);
	CU_ASSERT_EQUAL(ml, 0);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "\r\n\r\n\nSIP/2.0 200 OK\r\nl:0\r\n\r\n"), &sk, &ml, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(sk, 5);
	CU_ASSERT_EQUAL(ml, 23);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* Every prefix of a message is INCOMPLETE, without anomalies. */
static void
test_stream_truncations(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml, n = sizeof(invite) - 1, hdr;
	const uint8_t *p = (const uint8_t *)invite;

	hdr = (size_t)((const uint8_t *)strstr(invite, "\r\n\r\n") - p) + 4;
	for (size_t i = 0; i < n; i++) {
		uint8_t *copy = malloc(i + 1);

		memcpy(copy, p, i);
		CU_ASSERT_EQUAL(sipframe_stream(copy, i, &sk, &ml, &an),
		    SIPFRAME_INCOMPLETE);
		/* Once the header block is complete the length is known. */
		CU_ASSERT_EQUAL(ml, i >= hdr ? n : 0);
		free(copy);
	}
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_stream_not_sip(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml;

	CU_ASSERT_EQUAL(sipframe_stream(S("HELLO\r\n\r\n"), &sk, &ml, &an),
	    SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_stream_line_too_long(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml, n, pre;
	uint8_t *m;
	static const char start[] = "INVITE sip:a SIP/2.0\r\nX-Long: ";

	pre = sizeof(start) - 1;
	n = pre + CAP_SIP_LINE_BYTES + 100;
	m = malloc(n);
	memcpy(m, start, pre);
	memset(m + pre, 'a', n - pre);
	CU_ASSERT_EQUAL(sipframe_stream(m, n, &sk, &ml, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_LINE_TOO_LONG], 1);
	/* Ended, but still longer than the cap. */
	m[n - 2] = '\r';
	m[n - 1] = '\n';
	CU_ASSERT_EQUAL(sipframe_stream(m, n, &sk, &ml, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_LINE_TOO_LONG], 2);
	/* A line of exactly the cap is fine (INCOMPLETE: no empty line). */
	n = pre + (CAP_SIP_LINE_BYTES - (pre - 22)) + 2;
	m[n - 2] = '\r';
	m[n - 1] = '\n';
	CU_ASSERT_EQUAL(sipframe_stream(m, n, &sk, &ml, &an),
	    SIPFRAME_INCOMPLETE);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_LINE_TOO_LONG], 2);
	/* A start line longer than the cap. */
	memcpy(m, "INVITE sip:", 11);
	memset(m + 11, 'b', CAP_SIP_LINE_BYTES + 10);
	CU_ASSERT_EQUAL(sipframe_stream(m, CAP_SIP_LINE_BYTES + 21, &sk, &ml,
	    &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_LINE_TOO_LONG], 3);
	free(m);
}

static void
test_stream_too_large(void)
{
	struct anomalies an = { { 0 } };
	size_t sk, ml, n = 0, cap = CAP_SIP_MSG_BYTES + 4096;
	uint8_t *m = malloc(cap);
	static const char start[] = "INVITE sip:a SIP/2.0\r\n";
	static const char line[] = "X-Filler: 0123456789abcdef\r\n";

	memcpy(m, start, sizeof(start) - 1);
	n = sizeof(start) - 1;
	while (n + sizeof(line) - 1 <= cap) {
		memcpy(m + n, line, sizeof(line) - 1);
		n += sizeof(line) - 1;
	}
	CU_ASSERT_EQUAL(sipframe_stream(m, n, &sk, &ml, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 1);
	/* Below the cap it is merely incomplete. */
	CU_ASSERT_EQUAL(sipframe_stream(m, 60000, &sk, &ml, &an),
	    SIPFRAME_INCOMPLETE);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 1);
	/* Headers fine, body makes it too large. */
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "BYE sip:a SIP/2.0\r\nl: 65530\r\n\r\n"), &sk, &ml, &an),
	    SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 2);
	free(m);
}

static void
test_datagram(void)
{
	struct anomalies an = { { 0 } };
	size_t ml, bo;

	/* Missing Content-Length: body runs to the end (RFC 3261 18.3). */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 42);
	CU_ASSERT_EQUAL(bo, 37);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* Exact. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: 5\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 36);
	CU_ASSERT_EQUAL(bo, 31);

	/* No body at all. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "SIP/2.0 200 OK\r\nl: 0\r\n\r\n"), &ml, &bo, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 24);
	CU_ASSERT_EQUAL(bo, 24);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* Claims more than carried: cut at the data end. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: 500\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 38);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_BEYOND_DATA], 1);

	/* Claims fewer: extra bytes ignored and counted. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: 2\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 33);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_SHORT], 1);

	/* ... unless the surplus is only padding. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: 5\r\n\r\nhello\r\n\0\0"), &ml, &bo,
	    &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 36);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_SHORT], 1);

	/* Not a number: counted, body to the end, still OK. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: five\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 39);
	CU_ASSERT_EQUAL(bo, 34);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 1);

	/* No empty line. */
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "MESSAGE sip:a SIP/2.0\r\nl: 0\r\n"), &ml, &bo, &an),
	    SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_UNPARSEABLE], 1);

	/* Not SIP: no anomaly. */
	CU_ASSERT_EQUAL(sipframe_datagram(S("\x80\x00\x01\x02"), &ml, &bo, &an),
	    SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_UNPARSEABLE], 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 4);
}

/* Truncated datagrams never crash and never claim beyond the data. */
/*
 * A start line whose method is "Content-Length" or "l" is not the
 * header: header_end() tests every line for it, the start line too
 * (cl_line() rejects it by the SP and scheme after the method).
 */
static void
test_start_line_not_cl(void)
{
	struct anomalies an = { { 0 } };
	size_t ml, bo, skipped, len;

	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "Content-Length sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\nhello"), &ml,
	    &bo, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, 49);
	CU_ASSERT_EQUAL(bo, 44);
	CU_ASSERT_EQUAL(sipframe_datagram(S(
	    "l sip:a SIP/2.0\r\nl: 2\r\n\r\nhello"), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(bo, 25);
	CU_ASSERT_EQUAL(ml, 27);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "CONTENT-LENGTH\tsip:a SIP/2.0\r\nl: 2\r\n\r\nhi"), &skipped,
	    &len, &an), SIPFRAME_ERROR);
	CU_ASSERT_EQUAL(sipframe_stream(S(
	    "Content-Length sip:a SIP/2.0\r\nContent-Length: 2\r\n\r\nhi"),
	    &skipped, &len, &an), SIPFRAME_OK);
	CU_ASSERT_EQUAL(len, 53);
	CU_ASSERT_EQUAL(anomaly_total(&an), 1);
}

static void
test_datagram_truncations(void)
{
	struct anomalies an = { { 0 } };
	size_t ml, bo, n = sizeof(invite) - 1;

	for (size_t i = 0; i <= n; i++) {
		uint8_t *copy = malloc(i + 1);
		enum sipframe_rc rc;

		memcpy(copy, invite, i);
		rc = sipframe_datagram(copy, i, &ml, &bo, &an);
		if (rc == SIPFRAME_OK) {
			CU_ASSERT(ml <= i);
			CU_ASSERT(bo <= ml);
		}
		free(copy);
	}
	/* Whole: exact, no anomaly added by it. */
	memset(&an, 0, sizeof(an));
	CU_ASSERT_EQUAL(sipframe_datagram(S(invite), &ml, &bo, &an),
	    SIPFRAME_OK);
	CU_ASSERT_EQUAL(ml, n);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_header_lookup(void)
{
	static const char m[] =
	    "INVITE sip:Call-ID:x@y SIP/2.0\r\n"
	    "via : SIP/2.0/UDP h\r\n"
	    "i:   abc@host  \r\n"
	    " folded: no\r\n"
	    "Content-Type: application/sdp\r\n"
	    "\r\n"
	    "Subject: in the body\r\n";
	const uint8_t *v;
	size_t vl, n = sizeof(m) - 1;
	const uint8_t *p = (const uint8_t *)m;

	CU_ASSERT_TRUE(sipframe_header(p, n, "Call-ID", 'i', &v, &vl));
	CU_ASSERT_EQUAL(vl, 8);
	CU_ASSERT_EQUAL(memcmp(v, "abc@host", 8), 0);
	CU_ASSERT_TRUE(sipframe_header(p, n, "VIA", 'v', &v, &vl));
	CU_ASSERT_EQUAL(vl, 13);
	CU_ASSERT_TRUE(sipframe_header(p, n, "content-type", 'c', &v, &vl));
	CU_ASSERT_EQUAL(vl, 15);
	CU_ASSERT_FALSE(sipframe_header(p, n, "Subject", 's', &v, &vl));
	CU_ASSERT_FALSE(sipframe_header(p, n, "folded", 0, &v, &vl));
	CU_ASSERT_FALSE(sipframe_header(p, n, "Call", 0, &v, &vl));
	/* Bounded: a block cut inside the Call-ID line. */
	CU_ASSERT_TRUE(sipframe_header(p, 53 + 6, "Call-ID", 'i', &v, &vl));
	CU_ASSERT_EQUAL(vl, 1);
	for (size_t i = 0; i <= n; i++)
		(void)sipframe_header(p, i, "Content-Type", 'c', &v, &vl);
	CU_ASSERT_FALSE(sipframe_header(p, 0, "Via", 'v', &v, &vl));
}

/*
 * The reference framing: the end of the header block found one memchr()
 * a line, as sipframe.c did before its lines came from SSE2 block
 * masks, and Content-Length by sipframe_header().  For p starting with
 * a whole start line.  Returns the rc, sets *hdr_len on OK and notes
 * the line ends in nl[] (*nn of them, kept on OK only), counting the
 * anomalies as header_end() does.
 */
static enum sipframe_rc
ref_header_end(const uint8_t *p, size_t len, size_t *hdr_len,
    uint16_t nl[SIPFRAME_LINES], unsigned *nn, struct anomalies *an)
{
	size_t pos = 0;

	*nn = 0;
	for (;;) {
		size_t left = len - pos, w, k, content;
		const uint8_t *lf;

		w = left < CAP_SIP_LINE_BYTES + 2 ? left :
		    CAP_SIP_LINE_BYTES + 2;
		lf = w > 0 ? memchr(p + pos, '\n', w) : NULL;
		if (lf == NULL) {
			*nn = 0;
			if (left >= CAP_SIP_LINE_BYTES + 2) {
				anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
				return SIPFRAME_ERROR;
			}
			if (len > CAP_SIP_MSG_BYTES) {
				anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
				return SIPFRAME_ERROR;
			}
			return SIPFRAME_INCOMPLETE;
		}
		k = (size_t)(lf - (p + pos));
		if (*nn < SIPFRAME_LINES && pos + k <= UINT16_MAX)
			nl[(*nn)++] = (uint16_t)(pos + k);
		content = (k > 0 && lf[-1] == '\r') ? k - 1 : k;
		if (content > CAP_SIP_LINE_BYTES) {
			*nn = 0;
			anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
			return SIPFRAME_ERROR;
		}
		if (content == 0) {
			*hdr_len = pos + k + 1;
			return SIPFRAME_OK;
		}
		pos += k + 1;
		if (pos > CAP_SIP_MSG_BYTES) {
			*nn = 0;
			anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
			return SIPFRAME_ERROR;
		}
	}
}

/* Content-Length of the block p[0..hdr_len): 1 none, -1 not a number. */
static int
ref_cl(const uint8_t *p, size_t hdr_len, uint64_t *cl)
{
	const uint8_t *v;
	size_t vl;

	if (!sipframe_header(p, hdr_len, "Content-Length", 'l', &v, &vl))
		return 1;
	if (text_parse_uint(v, vl, UINT64_MAX, cl) == 0)
		return 0;
	if (vl == 0)
		return -1;
	for (size_t i = 0; i < vl; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	*cl = UINT64_MAX;
	return 0;
}

/* sipframe_stream_lines() by the reference, for p with a start line. */
static enum sipframe_rc
ref_stream(const uint8_t *p, size_t len, struct sipframe_span *sp,
    struct sipframe_lines *ln, struct anomalies *an)
{
	size_t i = 0, n, hdr_len = 0;
	unsigned nn;
	uint64_t cl = 0;
	enum sipframe_rc rc;

	memset(sp, 0, sizeof(*sp));
	ln->n = 0;
	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	sp->off = i;
	p += i;
	n = len - i;
	rc = sipframe_start(p, n);
	if (rc != SIPFRAME_OK)
		return rc;
	rc = ref_header_end(p, n, &hdr_len, ln->nl, &nn, an);
	if (rc != SIPFRAME_OK)
		return rc;
	switch (ref_cl(p, hdr_len, &cl)) {
	case 1:
		cl = 0;
		break;
	case -1:
		anomaly_add(an, ANOMALY_SIP_CL_INVALID);
		return SIPFRAME_ERROR;
	}
	if (cl > CAP_SIP_MSG_BYTES || hdr_len + cl > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return SIPFRAME_ERROR;
	}
	sp->len = hdr_len + (size_t)cl;
	sp->hdr_len = hdr_len;
	if (n < sp->len)
		return SIPFRAME_INCOMPLETE;
	ln->n = (uint16_t)nn;
	return SIPFRAME_OK;
}

/* sipframe_datagram_sip() by the reference, for p with a start line. */
static enum sipframe_rc
ref_datagram(const uint8_t *p, size_t len, size_t *msg_len,
    size_t *body_off, struct sipframe_lines *ln, struct anomalies *an)
{
	size_t hdr_len = 0, end, i;
	unsigned nn;
	uint64_t cl = 0;
	enum sipframe_rc rc;

	*msg_len = *body_off = 0;
	ln->n = 0;
	if (len > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return SIPFRAME_ERROR;
	}
	rc = ref_header_end(p, len, &hdr_len, ln->nl, &nn, an);
	if (rc == SIPFRAME_INCOMPLETE)
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
	if (rc != SIPFRAME_OK)
		return SIPFRAME_ERROR;
	ln->n = (uint16_t)nn;
	*body_off = hdr_len;
	*msg_len = len;
	switch (ref_cl(p, hdr_len, &cl)) {
	case 1:
		return SIPFRAME_OK;
	case -1:
		anomaly_add(an, ANOMALY_SIP_CL_INVALID);
		return SIPFRAME_OK;
	}
	if (cl > len - hdr_len) {
		anomaly_add(an, ANOMALY_SIP_CL_BEYOND_DATA);
		return SIPFRAME_OK;
	}
	end = hdr_len + (size_t)cl;
	*msg_len = end;
	for (i = end; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
			break;
	if (i < len)
		anomaly_add(an, ANOMALY_SIP_CL_SHORT);
	return SIPFRAME_OK;
}

static unsigned long ref_compared, ref_ok;

/*
 * Frames p[0..len) as a stream and as a datagram, each by sipframe.c and
 * by the reference, from a copy of exactly len bytes (ASan sees a read
 * past them), and asserts the same answers, notes and anomalies.
 */
static void
ref_check(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len > 0 ? len : 1);
	struct anomalies a1 = { { 0 } }, a2 = { { 0 } };
	struct sipframe_span s1, s2;
	struct sipframe_lines l1, l2;
	enum sipframe_rc r1, r2;
	size_t m1, m2, b1, b2;
	bool sip;

	memcpy(q, p, len);
	r1 = sipframe_stream_lines(q, len, &s1, &l1, &a1);
	r2 = ref_stream(q, len, &s2, &l2, &a2);
	CU_ASSERT_EQUAL(r1, r2);
	ref_ok += r2 == SIPFRAME_OK;
	CU_ASSERT_EQUAL(s1.off, s2.off);
	if (r1 == SIPFRAME_OK || (r1 == SIPFRAME_INCOMPLETE && s2.len > 0)) {
		CU_ASSERT_EQUAL(s1.len, s2.len);
	}
	if (r1 == SIPFRAME_OK) {
		CU_ASSERT_EQUAL(s1.hdr_len, s2.hdr_len);
	}
	CU_ASSERT_EQUAL(l1.n, l2.n);
	if (l1.n == l2.n)
		CU_ASSERT(memcmp(l1.nl, l2.nl, l1.n * sizeof(l1.nl[0])) == 0);
	CU_ASSERT(memcmp(&a1, &a2, sizeof(a1)) == 0);

	memset(&a1, 0, sizeof(a1));
	memset(&a2, 0, sizeof(a2));
	sip = sipframe_datagram_sip(q, len, &r1, &m1, &b1, &l1, &a1);
	CU_ASSERT_EQUAL(sip, sipframe_looks_like_sip(q, len));
	if (sip) {
		r2 = ref_datagram(q, len, &m2, &b2, &l2, &a2);
		CU_ASSERT_EQUAL(r1, r2);
		CU_ASSERT_EQUAL(m1, m2);
		CU_ASSERT_EQUAL(b1, b2);
		CU_ASSERT_EQUAL(l1.n, l2.n);
		if (l1.n == l2.n)
			CU_ASSERT(memcmp(l1.nl, l2.nl,
			    l1.n * sizeof(l1.nl[0])) == 0);
		CU_ASSERT(memcmp(&a1, &a2, sizeof(a1)) == 0);
	}
	ref_compared++;
	free(q);
}

/* A growing byte buffer for building messages. */
struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_rep(struct buf *b, int c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = (uint8_t)c;

		put(b, &x, 1);
	}
}

/* Every prefix of b (a TCP stream cut anywhere), and the whole. */
static void
ref_check_prefixes(const struct buf *b)
{
	for (size_t i = 0; i <= b->n; i++)
		ref_check(b->p, i);
}

/*
 * Crafted cases: line ends on and around the 64-byte block edges (LF
 * as a block's first or last byte, CR and LF of one line end in two
 * blocks, the empty line across an edge), bare LF, CR without LF,
 * folded lines, NULs, compact and odd Content-Length names, messages
 * under 64 bytes, more lines than notes, lines at the line cap, no
 * LF for longer than it, the empty line about the message cap, and
 * header lines of 0 to 3 bytes.
 */
static void
test_framing_vs_reference(void)
{
	static const char *const ends[] = { "\r\n", "\n", "\r\r\n" };
	static const char *const heads[] = {
		"INVITE sip:bob@example.com SIP/2.0",
		"SIP/2.0 200 OK", "BYE sip:a SIP/2.0",
	};
	struct buf b = { NULL, 0, 0 };

	/* A filler line of every length from 0 to 140 before the end. */
	for (size_t h = 0; h < 3; h++) {
		for (size_t e = 0; e < 3; e++) {
			for (size_t f = 0; f <= 140; f++) {
				b.n = 0;
				puts_(&b, heads[h]);
				puts_(&b, ends[e]);
				puts_(&b, "X:");
				put_rep(&b, 'a', f);
				puts_(&b, ends[(e + f) % 3]);
				puts_(&b, (f & 1) ? "l: 3" : "Content-Length:3");
				puts_(&b, ends[e]);
				puts_(&b, ends[f % 2]);
				puts_(&b, "abc\r\n");
				ref_check_prefixes(&b);
			}
		}
	}
	/* Odd bytes: CR alone, folding, NULs, names near Content-Length. */
	{
		static const char *const lines[] = {
			"Via: a\rb", "\r", " folded: 1", "\tl: 9",
			"Content-Length : 2", "content-LENGTH:\t4 ",
			"Content-Lengthx: 5", "L:7", "l :x", "Content-Length",
			"c: text/plain", "Call-ID: \0\0x", "\0", ":",
			"Content-Length: 99999999999999999999999",
			"Content-Length: 70000", "l: 1\0",
		};
		const size_t nlines = sizeof(lines) / sizeof(lines[0]);

		for (size_t i = 0; i < nlines; i++) {
			for (size_t j = 0; j < nlines; j += 3) {
				b.n = 0;
				puts_(&b, "OPTIONS sip:x SIP/2.0\r\n");
				put(&b, lines[i], strlen(lines[i]) +
				    (strcmp(lines[i], "\0") == 0));
				puts_(&b, ends[i % 3]);
				put(&b, lines[j], strlen(lines[j]));
				puts_(&b, "\r\n\r\nab\0\r\n");
				ref_check_prefixes(&b);
			}
		}
	}
	/* Keepalives before, and two messages in one stream. */
	b.n = 0;
	puts_(&b, "\r\n\r\n\nSIP/2.0 100 Trying\nl: 0\n\n"
	    "SIP/2.0 180 Ringing\r\nl: 0\r\n\r\n");
	ref_check_prefixes(&b);
	/* More lines than SIPFRAME_LINES notes. */
	for (size_t n = SIPFRAME_LINES - 2; n < SIPFRAME_LINES + 3; n++) {
		b.n = 0;
		puts_(&b, "ACK sip:a SIP/2.0\r\n");
		for (size_t i = 0; i < n; i++)
			puts_(&b, (i & 1) ? "V: x\r\n" : "Route: <sip:p>\n");
		puts_(&b, "\r\n");
		ref_check_prefixes(&b);
	}
	/* Lines about the line cap, ended by CRLF, LF or nothing. */
	for (size_t d = 0; d < 6; d++) {
		for (size_t e = 0; e < 3; e++) {
			b.n = 0;
			puts_(&b, "INVITE sip:a SIP/2.0\r\nX-Long: ");
			put_rep(&b, 'z', CAP_SIP_LINE_BYTES - 10 + d);
			if (e < 2)
				puts_(&b, ends[e]);
			puts_(&b, "l: 0\r\n\r\n");
			ref_check(b.p, b.n);
			ref_check(b.p, b.n - 6);
			for (size_t cut = CAP_SIP_LINE_BYTES - 40;
			    cut < b.n; cut += 7)
				ref_check(b.p, cut);
		}
	}
	/* No LF at all for twice the line cap, and a message past 64 KB. */
	b.n = 0;
	puts_(&b, "INVITE sip:a SIP/2.0\r\nX: ");
	put_rep(&b, 'q', 2 * CAP_SIP_LINE_BYTES);
	ref_check(b.p, b.n);
	b.n = 0;
	puts_(&b, "INVITE sip:a SIP/2.0\r\n");
	while (b.n < CAP_SIP_MSG_BYTES + 200)
		puts_(&b, "X-Filler: 0123456789abcdefghijklmnopqrstuvwxyz\n");
	ref_check(b.p, b.n);
	ref_check(b.p, CAP_SIP_MSG_BYTES);
	ref_check(b.p, CAP_SIP_MSG_BYTES + 1);
	puts_(&b, "\n");
	ref_check(b.p, b.n);
	/* Past the message cap, then a line past the line cap: TOO_LARGE. */
	b.n--;
	put_rep(&b, 'w', 2 * CAP_SIP_LINE_BYTES);
	ref_check(b.p, b.n);
	/*
	 * The empty line (CRLF or LF) with its LF on and around the last
	 * byte the block scan takes (CAP_SIP_MSG_BYTES - 1), the rest
	 * left to the memchr() loop, and a message of data beyond.
	 */
	for (size_t d = 0; d < 8; d++) {
		for (size_t e = 0; e < 2; e++) {
			size_t at = CAP_SIP_MSG_BYTES - 4 + d;

			b.n = 0;
			puts_(&b, "INVITE sip:a SIP/2.0\r\n");
			while (b.n + 60 < at)
				puts_(&b, "X-Filler: 0123456789abcdef\r\n");
			puts_(&b, "X: ");
			put_rep(&b, 'y', at + 1 - b.n - 2 * strlen(ends[e]));
			puts_(&b, ends[e]);
			puts_(&b, ends[e]);
			CU_ASSERT_EQUAL(b.n, at + 1);
			puts_(&b, "SIP/2.0 200 OK\r\n");
			ref_check(b.p, b.n);
			ref_check(b.p, at);
			ref_check(b.p, at + 1);
		}
	}
	/* Header lines of 0 to 3 bytes before their ends (k of 0 to 4). */
	for (size_t k = 0; k < 4; k++) {
		for (size_t e = 0; e < 3; e++) {
			b.n = 0;
			puts_(&b, "BYE sip:a SIP/2.0\r\nl: 2\r\n");
			put(&b, "l:1", k);
			puts_(&b, ends[e]);
			puts_(&b, "c\n\r\nab");
			ref_check_prefixes(&b);
		}
	}
	free(b.p);
}

/* xorshift64*: the random cases are the same on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/*
 * Random messages: start lines, header lines of random names (full and
 * compact Content-Length among them) and lengths, line ends CRLF, LF,
 * CR CR LF or a lone CR inside, folded lines, NULs and bytes changed at
 * random, a body; each compared whole and cut at random places.
 */
static void
test_framing_random(void)
{
	static const char *const starts[] = {
		"INVITE sip:bob@b.example SIP/2.0", "SIP/2.0 180 Ringing",
		"REGISTER sips:r.example;transport=tcp SIP/2.0",
	};
	static const char *const names[] = {
		"Via", "v", "From", "To", "Call-ID", "CSeq", "Contact",
		"Content-Type", "Content-Length", "l", "L", "content-length",
		" ", "\t", "X-Pad", "c", "Content-Lengthy", "",
	};
	static const char *const ends[] = { "\r\n", "\n", "\r\r\n" };
	uint64_t seed = 0x5eed5eedULL;
	struct buf b = { NULL, 0, 0 };

	ref_compared = ref_ok = 0;
	for (int iter = 0; iter < 40000; iter++) {
		uint64_t r = rnd(&seed);
		size_t nl = 1 + rnd(&seed) % 24, blen = rnd(&seed) % 90;
		const char *end = ends[r % 3 == 2 && (r >> 8) % 4 != 0 ?
		    0 : r % 3];
		char num[24];

		b.n = 0;
		puts_(&b, starts[(r >> 4) % 3]);
		puts_(&b, end);
		for (size_t i = 0; i < nl; i++) {
			uint64_t x = rnd(&seed);
			const char *name = names[x % (sizeof(names) /
			    sizeof(names[0]))];

			puts_(&b, name);
			puts_(&b, (x >> 8) % 5 == 0 ? " :" : ":");
			if (strchr("lL", name[0]) != NULL || (name[0] == 'c' &&
			    name[1] == 'o') || name[0] == 'C') {
				snprintf(num, sizeof(num), " %zu",
				    (size_t)((x >> 12) % 8 == 0 ?
				    (x >> 16) % 200 : blen));
				puts_(&b, num);
			} else {
				put_rep(&b, 'a' + (int)(x >> 20) % 26,
				    (x >> 24) % 130);
			}
			puts_(&b, (x >> 32) % 9 == 0 ? ends[(x >> 36) % 3] :
			    end);
		}
		puts_(&b, end);
		put_rep(&b, 'v', blen);
		if (r >> 40 & 1)
			puts_(&b, "\r\n\0");
		/* A few bytes changed: CR, LF, NUL, SP or a letter. */
		for (int k = (int)((r >> 44) % 4); k > 0; k--) {
			static const uint8_t odd[] = "\r\n\0 \tlc:";

			b.p[1 + rnd(&seed) % (b.n - 1)] =
			    odd[rnd(&seed) % (sizeof(odd) - 1)];
		}
		ref_check(b.p, b.n);
		for (int k = 0; k < 3; k++)
			ref_check(b.p, rnd(&seed) % (b.n + 1));
	}
	/* Most cut short; enough of them whole. */
	CU_ASSERT(ref_compared > 150000);
	CU_ASSERT(ref_ok > 20000);
	free(b.p);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sipframe", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "recognise requests", test_recognise_requests) ||
	    !CU_add_test(s, "token bytes in a method, URI bytes", test_method_bytes) ||
	    !CU_add_test(s, "recognise responses", test_recognise_responses) ||
	    !CU_add_test(s, "reject RTP and garbage", test_reject_rtp_and_garbage) ||
	    !CU_add_test(s, "start line prefixes", test_start_prefixes) ||
	    !CU_add_test(s, "starts like SIP", test_starts_like_sip) ||
	    !CU_add_test(s, "stream span, messages", test_stream_span_and_messages) ||
	    !CU_add_test(s, "stream basic", test_stream_basic) ||
	    !CU_add_test(s, "stream two messages", test_stream_two_messages) ||
	    !CU_add_test(s, "stream Content-Length forms", test_stream_content_length_forms) ||
	    !CU_add_test(s, "Content-Length names vs lookup", test_cl_names_vs_lookup) ||
	    !CU_add_test(s, "stream missing CL", test_stream_missing_cl) ||
	    !CU_add_test(s, "stream CL invalid", test_stream_cl_invalid) ||
	    !CU_add_test(s, "stream keepalives", test_stream_keepalives) ||
	    !CU_add_test(s, "stream truncations", test_stream_truncations) ||
	    !CU_add_test(s, "stream not SIP", test_stream_not_sip) ||
	    !CU_add_test(s, "stream line too long", test_stream_line_too_long) ||
	    !CU_add_test(s, "stream too large", test_stream_too_large) ||
	    !CU_add_test(s, "datagram", test_datagram) ||
	    !CU_add_test(s, "start line not Content-Length",
	    test_start_line_not_cl) ||
	    !CU_add_test(s, "datagram truncations", test_datagram_truncations) ||
	    !CU_add_test(s, "header lookup", test_header_lookup) ||
	    !CU_add_test(s, "framing vs reference", test_framing_vs_reference) ||
	    !CU_add_test(s, "framing vs reference, random", test_framing_random)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned f = CU_get_number_of_failures();

		CU_cleanup_registry();
		return f != 0;
	}
}
