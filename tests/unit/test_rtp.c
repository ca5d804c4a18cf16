/*
 * test_rtp.c - CUnit tests for rtp.c: RTP header parsing (CSRC, extension,
 * padding, truncation at every length), RTCP compound recognition, the
 * static payload table, and stream statistics (RFC 3550 A.1 sequence
 * tracking, A.3 loss, A.8 jitter, the rate strip and its bucket doubling).
 *
 * Packets are built byte by byte; truncated copies go to exact-size heap
 * buffers so ASan catches any read past the end.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/rtp.h"
#include "rtp_ref.h"

#define MS (1000000LL)
#define SEC (1000000000LL)

/* Parses a heap copy of exactly len bytes, so overreads are caught. */
static int
parse_exact(const uint8_t *p, size_t len, struct rtp_hdr *h)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	CU_ASSERT_FATAL(b != NULL);
	if (len)
		memcpy(b, p, len);
	r = rtp_parse(len ? b : NULL, len, h);
	free(b);
	return r;
}

static bool
rtcp_exact(const uint8_t *p, size_t len, uint32_t *ssrc, uint8_t *pt)
{
	uint8_t *b = malloc(len ? len : 1);
	bool r;

	CU_ASSERT_FATAL(b != NULL);
	if (len)
		memcpy(b, p, len);
	r = rtcp_looks_like(len ? b : NULL, len, ssrc, pt);
	free(b);
	return r;
}

/* ---- RTP header ---- */

static const uint8_t pcmu_pkt[] = {
	0x80, 0x00, 0x12, 0x34,		/* V=2, PT 0, seq 0x1234 */
	0xde, 0xad, 0xbe, 0xef,		/* timestamp */
	0x01, 0x02, 0x03, 0x04,		/* SSRC */
	0xff, 0xff, 0xff, 0xff,		/* 4 payload bytes */
};

static void
test_parse_basic(void)
{
	struct rtp_hdr h;

	CU_ASSERT_EQUAL_FATAL(parse_exact(pcmu_pkt, sizeof(pcmu_pkt), &h), 0);
	CU_ASSERT_EQUAL(h.version, 2);
	CU_ASSERT_EQUAL(h.padding, 0);
	CU_ASSERT_EQUAL(h.extension, 0);
	CU_ASSERT_EQUAL(h.csrc_count, 0);
	CU_ASSERT_EQUAL(h.marker, 0);
	CU_ASSERT_EQUAL(h.pt, 0);
	CU_ASSERT_EQUAL(h.seq, 0x1234);
	CU_ASSERT_EQUAL(h.ts, 0xdeadbeefu);
	CU_ASSERT_EQUAL(h.ssrc, 0x01020304u);
	CU_ASSERT_EQUAL(h.header_len, 12);
	CU_ASSERT_EQUAL(h.payload_len, 4);

	/* Header only: valid RTP with an empty payload. */
	CU_ASSERT_EQUAL(parse_exact(pcmu_pkt, 12, &h), 0);
	CU_ASSERT_EQUAL(h.payload_len, 0);
	for (size_t n = 0; n < 12; n++)
		CU_ASSERT_EQUAL(parse_exact(pcmu_pkt, n, &h), -1);
}

static void
test_parse_marker_and_version(void)
{
	uint8_t p[16];
	struct rtp_hdr h;

	memcpy(p, pcmu_pkt, sizeof(p));
	p[1] = 0x80 | 96;		/* marker, dynamic PT */
	CU_ASSERT_EQUAL_FATAL(rtp_parse(p, sizeof(p), &h), 0);
	CU_ASSERT_EQUAL(h.marker, 1);
	CU_ASSERT_EQUAL(h.pt, 96);

	for (int v = 0; v < 4; v++) {
		p[0] = (uint8_t)(v << 6);
		CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h), v == 2 ? 0 : -1);
	}
	p[0] = 0x80;
	/* Second byte 200..207 is an RTCP packet type, never RTP. */
	for (int b = 192; b < 256; b++) {
		p[1] = (uint8_t)b;
		CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h),
		    (b >= 200 && b <= 207) ? -1 : 0);
	}
	/* PT 72 without marker is not the RTCP byte. */
	p[1] = 72;
	CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h), 0);
}

/* CC=2, X=1 with a 2-word extension, P=1 with 3 padding bytes. */
static const uint8_t full_pkt[] = {
	0xb2, 0x08, 0x00, 0x07,		/* V=2 P=1 X=1 CC=2, PT 8, seq 7 */
	0x00, 0x00, 0x01, 0x40,		/* ts 320 */
	0xca, 0xfe, 0xba, 0xbe,		/* SSRC */
	0x11, 0x11, 0x11, 0x11,		/* CSRC 1 */
	0x22, 0x22, 0x22, 0x22,		/* CSRC 2 */
	0xbe, 0xde, 0x00, 0x02,		/* ext profile 0xBEDE, 2 words */
	0x10, 0xaa, 0x00, 0x00,
	0x21, 0xbb, 0xcc, 0x00,
	0x55, 0x55, 0x55, 0x55, 0x55,	/* 5 payload bytes */
	0x00, 0x00, 0x03,		/* padding, count 3 */
};

static void
test_parse_csrc_ext_padding(void)
{
	struct rtp_hdr h;
	const size_t hl = 12 + 8 + 4 + 8;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(parse_exact(full_pkt, sizeof(full_pkt), &h), 0);
	CU_ASSERT_EQUAL(h.padding, 1);
	CU_ASSERT_EQUAL(h.extension, 1);
	CU_ASSERT_EQUAL(h.csrc_count, 2);
	CU_ASSERT_EQUAL(h.pt, 8);
	CU_ASSERT_EQUAL(h.seq, 7);
	CU_ASSERT_EQUAL(h.ts, 320);
	CU_ASSERT_EQUAL(h.ssrc, 0xcafebabeu);
	CU_ASSERT_EQUAL(h.header_len, hl);
	CU_ASSERT_EQUAL(h.payload_len, 5);

	/* Every cut inside the header (CSRC, extension) is rejected. */
	for (n = 0; n <= hl; n++)
		CU_ASSERT_EQUAL(parse_exact(full_pkt, n, &h), -1);
	/*
	 * Past the header the last byte is taken as the padding count: the
	 * cut is accepted only when that byte is a count that fits.
	 */
	for (; n < sizeof(full_pkt); n++) {
		uint8_t last = full_pkt[n - 1];
		int r = parse_exact(full_pkt, n, &h);
		bool fits = last != 0 && last <= n - hl;

		CU_ASSERT_EQUAL(r, fits ? 0 : -1);
		if (r == 0)
			CU_ASSERT(h.header_len + h.payload_len < n);
	}
}

static void
test_parse_padding_bounds(void)
{
	uint8_t p[16];
	struct rtp_hdr h;

	memcpy(p, pcmu_pkt, sizeof(p));
	p[0] = 0xa0;			/* P=1 */
	p[15] = 0;			/* count 0: invalid */
	CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h), -1);
	p[15] = 1;
	CU_ASSERT_EQUAL_FATAL(rtp_parse(p, sizeof(p), &h), 0);
	CU_ASSERT_EQUAL(h.payload_len, 3);
	p[15] = 4;			/* all of the payload is padding */
	CU_ASSERT_EQUAL_FATAL(rtp_parse(p, sizeof(p), &h), 0);
	CU_ASSERT_EQUAL(h.payload_len, 0);
	p[15] = 5;			/* reaches into the header */
	CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h), -1);
	p[15] = 0xff;
	CU_ASSERT_EQUAL(rtp_parse(p, sizeof(p), &h), -1);
	/* P=1 with no byte after the header. */
	CU_ASSERT_EQUAL(parse_exact(p, 12, &h), -1);

	/* Extension length pointing far past the data. */
	{
		const uint8_t x[] = {
			0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,
			0xbe, 0xde, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		};

		CU_ASSERT_EQUAL(parse_exact(x, sizeof(x), &h), -1);
	}
	/* CC=15 with 8 bytes after the fixed header. */
	{
		const uint8_t x[] = {
			0x8f, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,
			1, 2, 3, 4, 5, 6, 7, 8,
		};

		CU_ASSERT_EQUAL(parse_exact(x, sizeof(x), &h), -1);
	}
}

static void
test_looks_like(void)
{
	uint8_t p[16];
	static const char sip[] = "INVITE sip:bob@example.com SIP/2.0\r\n";
	static const uint8_t stun[] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	};

	memcpy(p, pcmu_pkt, sizeof(p));
	CU_ASSERT_TRUE(rtp_looks_like(p, sizeof(p)));
	CU_ASSERT_FALSE(rtp_looks_like(p, 12));		/* no payload */
	CU_ASSERT_FALSE(rtp_looks_like(p, 11));
	CU_ASSERT_FALSE(rtp_looks_like(NULL, 0));
	for (int pt = 0; pt < 128; pt++) {
		bool want = pt == 0 || (pt >= 3 && pt <= 18) || pt == 25 ||
		    pt == 26 || pt == 28 || (pt >= 31 && pt <= 34) ||
		    pt >= 96;

		p[1] = (uint8_t)pt;
		CU_ASSERT_EQUAL(rtp_looks_like(p, sizeof(p)), want);
	}
	CU_ASSERT_FALSE(rtp_looks_like((const uint8_t *)sip, sizeof(sip) - 1));
	CU_ASSERT_FALSE(rtp_looks_like(stun, sizeof(stun)));
}

static void
test_static_table(void)
{
	static const struct { int pt; const char *name; uint32_t clock; } t[] = {
		{ 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 },
		{ 5, "DVI4", 8000 }, { 6, "DVI4", 16000 }, { 7, "LPC", 8000 },
		{ 8, "PCMA", 8000 }, { 9, "G722", 8000 }, { 10, "L16", 44100 },
		{ 11, "L16", 44100 }, { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
		{ 14, "MPA", 90000 }, { 15, "G728", 8000 },
		{ 16, "DVI4", 11025 }, { 17, "DVI4", 22050 },
		{ 18, "G729", 8000 }, { 25, "CelB", 90000 },
		{ 26, "JPEG", 90000 }, { 28, "nv", 90000 },
		{ 31, "H261", 90000 }, { 32, "MPV", 90000 },
		{ 33, "MP2T", 90000 }, { 34, "H263", 90000 },
	};
	static const int unknown[] = { -1, 1, 2, 19, 20, 24, 27, 29, 30, 35,
	    72, 96, 127, 128, 1000 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(rtp_static_clock(t[i].pt), t[i].clock);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rtp_static_name(t[i].pt));
		CU_ASSERT_STRING_EQUAL(rtp_static_name(t[i].pt), t[i].name);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		CU_ASSERT_EQUAL(rtp_static_clock(unknown[i]), 0);
		CU_ASSERT_PTR_NULL(rtp_static_name(unknown[i]));
	}
}

/* ---- RTCP ---- */

/* SR (RC=0, 28 bytes) + SDES (CNAME "ab", 16 bytes). */
static const uint8_t sr_sdes[] = {
	0x80, 0xc8, 0x00, 0x06,		/* SR, length 6 -> 28 bytes */
	0x11, 0x22, 0x33, 0x44,		/* sender SSRC */
	0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* NTP */
	0x00, 0x00, 0x01, 0x40,		/* RTP ts */
	0x00, 0x00, 0x00, 0x32,		/* packets */
	0x00, 0x00, 0x1f, 0x40,		/* octets */
	0x81, 0xca, 0x00, 0x03,		/* SDES, SC=1, length 3 -> 16 */
	0x11, 0x22, 0x33, 0x44,
	0x01, 0x02, 'a', 'b',		/* CNAME "ab" */
	0x00, 0x00, 0x00, 0x00,		/* end + pad to 32 bits */
};

/* RR with one report block (32 bytes). */
static const uint8_t rr1[] = {
	0x81, 0xc9, 0x00, 0x07,
	0xaa, 0xbb, 0xcc, 0xdd,		/* reporter SSRC */
	0x11, 0x22, 0x33, 0x44,		/* source */
	0x05, 0x00, 0x00, 0x02,		/* fraction, cumulative lost */
	0x00, 0x01, 0x00, 0x10,		/* ext highest seq */
	0x00, 0x00, 0x00, 0x07,		/* jitter */
	0x00, 0x00, 0x00, 0x00,		/* LSR */
	0x00, 0x00, 0x00, 0x00,		/* DLSR */
};

static void
test_rtcp_compound(void)
{
	uint32_t ssrc = 0;
	uint8_t pt = 0;
	size_t n;
	struct rtp_hdr h;

	CU_ASSERT_TRUE(rtcp_exact(sr_sdes, sizeof(sr_sdes), &ssrc, &pt));
	CU_ASSERT_EQUAL(ssrc, 0x11223344u);
	CU_ASSERT_EQUAL(pt, 200);
	CU_ASSERT_TRUE(rtcp_exact(rr1, sizeof(rr1), &ssrc, &pt));
	CU_ASSERT_EQUAL(ssrc, 0xaabbccddu);
	CU_ASSERT_EQUAL(pt, 201);
	CU_ASSERT_TRUE(rtcp_looks_like(rr1, sizeof(rr1), NULL, NULL));
	/* RTCP is never taken for RTP. */
	CU_ASSERT_EQUAL(rtp_parse(sr_sdes, sizeof(sr_sdes), &h), -1);
	CU_ASSERT_EQUAL(rtp_parse(rr1, sizeof(rr1), &h), -1);
	CU_ASSERT_FALSE(rtp_looks_like(rr1, sizeof(rr1)));
	/* RTP is never taken for RTCP. */
	CU_ASSERT_FALSE(rtcp_looks_like(pcmu_pkt, sizeof(pcmu_pkt), NULL,
	    NULL));

	/* Cuts: only the boundary after the SR is a whole compound. */
	for (n = 0; n < sizeof(sr_sdes); n++)
		CU_ASSERT_EQUAL(rtcp_exact(sr_sdes, n, NULL, NULL), n == 28);
	for (n = 0; n < sizeof(rr1); n++)
		CU_ASSERT_FALSE(rtcp_exact(rr1, n, NULL, NULL));
}

static void
test_rtcp_bogus(void)
{
	uint8_t b[sizeof(sr_sdes) + 4];
	size_t n = sizeof(sr_sdes);

	memcpy(b, sr_sdes, n);
	b[3] = 0x07;			/* SR longer than the data */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	b[3] = 0x05;			/* SR too short for sender info */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	b[3] = 0xff;
	b[2] = 0xff;
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[31] = 0x04;			/* SDES length overruns */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	b[31] = 0x02;			/* SDES leaves 4 trailing bytes */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	memset(b + n, 0, 4);		/* 4 bytes of junk after the compound */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n + 4, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[0] = 0x40;			/* version 1 */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[28] = 0x41;			/* second packet version 1 */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[1] = 199;			/* first type not RTCP 200-207 */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	b[1] = 208;
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[0] = 0x81;			/* SR claims a report block it lacks */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[0] = 0xa0;			/* padding on a packet not the last */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));
	memcpy(b, sr_sdes, n);
	b[29] = 0x00;			/* second packet type 0 */
	CU_ASSERT_FALSE(rtcp_looks_like(b, n, NULL, NULL));

	/* RR claiming 2 report blocks with room for one. */
	memcpy(b, rr1, sizeof(rr1));
	b[0] = 0x82;
	CU_ASSERT_FALSE(rtcp_looks_like(b, sizeof(rr1), NULL, NULL));
	/* Bare RR (RC=0, 8 bytes) and a feedback packet first are fine. */
	{
		const uint8_t rr0[] = { 0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4 };
		const uint8_t fb[] = { 0x81, 0xcd, 0x00, 0x02, 1, 2, 3, 4,
		    5, 6, 7, 8 };
		const uint8_t hdr4[] = { 0x80, 0xc9, 0x00, 0x00 };
		uint8_t pt = 0;

		CU_ASSERT_TRUE(rtcp_exact(rr0, sizeof(rr0), NULL, &pt));
		CU_ASSERT_EQUAL(pt, 201);
		CU_ASSERT_TRUE(rtcp_exact(fb, sizeof(fb), NULL, &pt));
		CU_ASSERT_EQUAL(pt, 205);
		/* No SSRC in the first packet. */
		CU_ASSERT_FALSE(rtcp_exact(hdr4, sizeof(hdr4), NULL, NULL));
	}
}

/* ---- streams ---- */

static struct rtp_hdr
mk(uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	struct rtp_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.pt = 0;
	h.seq = seq;
	h.ts = ts;
	h.ssrc = ssrc;
	h.header_len = 12;
	h.payload_len = 160;
	return h;
}

#define T0 (1700000000LL * SEC)	/* on a second boundary */

/* Packet i of s every 20 ms from T0 (sequence i, 160 ticks a step), of
 * payload type pt with len bytes. */
static void
add20(struct rtp_stream *s, int i, int pt, size_t len)
{
	struct rtp_hdr h = mk((uint16_t)i, (uint32_t)i * 160, s->ssrc);

	h.pt = (uint8_t)pt;
	h.payload_len = len;
	CU_ASSERT_EQUAL(rtp_stream_add(s, &h, T0 + i * 20 * MS, (uint64_t)i),
	    0);
}

static void
add(struct rtp_stream *s, uint16_t seq, uint32_t ts, int64_t ns)
{
	struct rtp_hdr h = mk(seq, ts, s->ssrc);

	CU_ASSERT_EQUAL(rtp_stream_add(s, &h, ns, s->packets + 1), 0);
}

/* Sends seq first..first+n-1 at perfect 20 ms timing from slot k0. */
static void
add_run(struct rtp_stream *s, uint16_t first, int n, int k0)
{
	for (int i = 0; i < n; i++)
		add(s, (uint16_t)(first + i), (uint32_t)(k0 + i) * 160,
		    T0 + (int64_t)(k0 + i) * 20 * MS);
}

static void
test_stream_perfect(void)
{
	struct rtp_stream s;
	struct ep a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = 4;
	a.port = 40000;
	b.port = 50000;
	rtp_stream_init(&s, &a, &b, 0x1234);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 0);
	CU_ASSERT_EQUAL(s.rate_bucket_sec, 1);
	CU_ASSERT_TRUE(memcmp(&s.src, &a, sizeof(a)) == 0);
	CU_ASSERT_TRUE(memcmp(&s.dst, &b, sizeof(b)) == 0);
	add_run(&s, 1000, 500, 0);
	CU_ASSERT_EQUAL(s.packets, 500);
	CU_ASSERT_EQUAL(s.bytes, 500 * 160);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 500);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.dup, 0);
	CU_ASSERT_EQUAL(s.ooo, 0);
	CU_ASSERT_EQUAL(s.seq_jumps, 0);
	CU_ASSERT_EQUAL(s.jitter, 0.0);
	CU_ASSERT_EQUAL(rtp_stream_jitter_ms(&s), 0.0);
	CU_ASSERT_EQUAL(s.max_gap_ns, 20 * MS);
	CU_ASSERT_DOUBLE_EQUAL(rtp_stream_pps(&s), 50.0, 1e-9);
	CU_ASSERT_EQUAL(s.pt, 0);
	CU_ASSERT_EQUAL(s.clock_rate, 8000);
	CU_ASSERT_STRING_EQUAL(s.codec, "PCMU");
	CU_ASSERT_EQUAL(s.first_ns, T0);
	CU_ASSERT_EQUAL(s.last_ns, T0 + 499 * 20 * MS);
	CU_ASSERT_EQUAL(s.first_frame, 1);
	CU_ASSERT_EQUAL(s.last_frame, 500);
	CU_ASSERT_EQUAL(s.rate_base_sec, 1700000000u);
	CU_ASSERT_EQUAL(s.nrate, 10);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(s.rate[i], 50);
	CU_ASSERT_EQUAL(s.rate[10], 0);
	/* A stream stays small: it is kept per flow. */
	CU_ASSERT(sizeof(struct rtp_stream) <= 4096);
}

/*
 * Packetisation measured from the stream: 60 ms frames (480 ticks at
 * 8 kHz) whatever the SDP said, with a DTX gap (timestamp and arrival
 * jump together), comfort noise (PT 13) and telephone events (a dynamic
 * PT with 4-byte payloads, and one named from SDP) kept apart from the
 * audio and out of the medians.
 */
static void
test_stream_ptime(void)
{
	struct rtp_stream s;
	struct rtp_hdr h;
	uint16_t seq = 1;
	uint32_t ts = 0;
	int64_t t = T0;

	rtp_stream_init(&s, NULL, NULL, 0x77);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(&s), 0);
	for (int i = 0; i < 100; i++, seq++, ts += 480, t += 60 * MS) {
		h = mk(seq, ts, 0x77);
		CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, t, seq), 0);
	}
	/* a 2 s silence: one comfort-noise packet, then audio again */
	h = mk(seq++, ts, 0x77);
	h.pt = 13;
	h.payload_len = 1;
	CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, t, seq), 0);
	ts += 16000;
	t += 2 * SEC;
	/* a DTMF digit: three event packets of 4 bytes, PT 101 */
	for (int i = 0; i < 3; i++) {
		h = mk(seq++, ts, 0x77);
		h.pt = 101;
		h.payload_len = 4;
		CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, t, seq), 0);
		t += 50 * MS;
	}
	for (int i = 0; i < 50; i++, seq++, ts += 480, t += 60 * MS) {
		h = mk(seq, ts, 0x77);
		CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, t + (i % 2) * MS, seq),
		    0);
	}
	CU_ASSERT_EQUAL(s.packets, 154);
	CU_ASSERT_EQUAL(s.audio_packets, 150);
	CU_ASSERT_EQUAL(s.cn_packets, 1);
	CU_ASSERT_EQUAL(s.event_packets, 3);
	CU_ASSERT_EQUAL(s.audio_pt, 0);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(&s), 60);
	CU_ASSERT(rtp_stream_gap_ms(&s) >= 59 && rtp_stream_gap_ms(&s) <= 61);

	/* the SDP's telephone-event type counts as events at any size;
	 * another dynamic type with a longer payload is audio */
	rtp_stream_init(&s, NULL, NULL, 0x78);
	rtp_stream_set_event_pt(&s, 97);
	for (int i = 0; i < 10; i++)
		add20(&s, i, i < 5 ? 97 : 96, i < 5 ? 16 : 4);
	CU_ASSERT_EQUAL(s.event_packets, 5);
	CU_ASSERT_EQUAL(s.audio_packets, 5);
	CU_ASSERT_EQUAL(s.audio_pt, 96);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(&s), 20);
	CU_ASSERT_STRING_EQUAL(rtp_segment_name(RTP_SEG_INSIDE), "inside");
	CU_ASSERT_PTR_NULL(rtp_state_name(RTP_STATE_UNKNOWN));
}

static void
test_stream_ssrc_mismatch(void)
{
	struct rtp_stream s;
	struct rtp_hdr h = mk(1, 0, 0x9999);

	rtp_stream_init(&s, NULL, NULL, 0x1234);
	CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, T0, 1), -1);
	CU_ASSERT_EQUAL(s.packets, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 0);
	CU_ASSERT_EQUAL(rtp_stream_pps(&s), 0.0);
}

static void
test_stream_jitter_alternating(void)
{
	struct rtp_stream s;
	double j = 0.0;
	int i, n = 200;

	/*
	 * Packet i is sent at i * 20 ms (ts i * 160) and arrives 5 ms late
	 * when i is even, 5 ms early when odd.  Each transit difference
	 * (A.8) is then |+-10 ms| = 80 units at 8 kHz, so
	 * J(k) = J(k-1) + (80 - J(k-1)) / 16, from J = 0 at the first packet.
	 */
	rtp_stream_init(&s, NULL, NULL, 7);
	for (i = 0; i < n; i++) {
		int64_t off = (i % 2 == 0) ? 5 * MS : -5 * MS;

		add(&s, (uint16_t)i, (uint32_t)i * 160,
		    T0 + 10 * MS + (int64_t)i * 20 * MS + off);
		if (i > 0)
			j += (80.0 - j) / 16.0;
		if (i == 1)
			CU_ASSERT_EQUAL(s.jitter, 5.0);
		if (i == 2)
			CU_ASSERT_EQUAL(s.jitter, 5.0 + 75.0 / 16.0);
	}
	CU_ASSERT_EQUAL(s.jitter, j);
	/* Closed form: 80 * (1 - (15/16)^(n-1)). */
	{
		double q = 1.0;

		for (i = 1; i < n; i++)
			q *= 15.0 / 16.0;
		CU_ASSERT_DOUBLE_EQUAL(s.jitter, 80.0 * (1.0 - q), 1e-9);
	}
	CU_ASSERT_DOUBLE_EQUAL(rtp_stream_jitter_ms(&s), j / 8.0, 1e-12);
	CU_ASSERT(rtp_stream_jitter_ms(&s) > 9.99 && rtp_stream_jitter_ms(&s) < 10.0);
	CU_ASSERT_EQUAL(s.max_gap_ns, 30 * MS);
	CU_ASSERT_EQUAL(s.lost, 0);

	/* The clock rate scales the arrival time: 16 kHz doubles units. */
	rtp_stream_init(&s, NULL, NULL, 7);
	s.clock_rate = 16000;
	add(&s, 0, 0, T0);
	add(&s, 1, 320, T0 + 30 * MS);	/* 10 ms late = 160 units */
	CU_ASSERT_EQUAL(s.jitter, 10.0);
	CU_ASSERT_DOUBLE_EQUAL(rtp_stream_jitter_ms(&s), 10.0 / 16.0, 1e-12);
}

/*
 * One SSRC changes codec mid-stream (RFC 3550 5.1: the timestamp clock is
 * the payload format's): opus (dynamic, 48 kHz as its SDP said) for 1 s,
 * then PCMU (static PT 0, 8 kHz) for 2 s, 20 ms packets with perfect
 * timing throughout.  The clock follows the payload type: ptime 20 ms
 * and no jitter, where keeping opus's clock made PCMU's 160-tick steps
 * 3 ms and grew jitter to some 16 ms.
 */
static void
codec_change(struct rtp_stream *s)
{
	struct rtp_hdr h;
	uint16_t seq = 100;
	uint32_t ts = 5000;
	int64_t t = T0;

	for (int i = 0; i < 50; i++, seq++, ts += 960, t += 20 * MS) {
		h = mk(seq, ts, s->ssrc);
		h.pt = 111;
		h.payload_len = 80;
		CU_ASSERT_EQUAL(rtp_stream_add(s, &h, t, seq), 0);
	}
	CU_ASSERT_EQUAL(s->clock_rate, 48000);
	for (int i = 0; i < 100; i++, seq++, ts += 160, t += 20 * MS) {
		h = mk(seq, ts, s->ssrc);
		CU_ASSERT_EQUAL(rtp_stream_add(s, &h, t, seq), 0);
	}
	CU_ASSERT_EQUAL(s->clock_rate, 8000);
	CU_ASSERT_EQUAL(s->audio_packets, 150);
	CU_ASSERT_EQUAL(s->lost, 0);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(s), 20);
	CU_ASSERT_EQUAL(rtp_stream_gap_ms(s), 20);
	CU_ASSERT(rtp_stream_jitter_ms(s) < 0.01);
}

static void
test_stream_codec_change(void)
{
	struct rtp_stream s;
	struct rtp_hdr h;

	/* The clock given directly, as for the first packet's type. */
	rtp_stream_init(&s, NULL, NULL, 0x51);
	s.clock_rate = 48000;
	codec_change(&s);

	/* The SDP's payload type and clock. */
	rtp_stream_init(&s, NULL, NULL, 0x52);
	rtp_stream_set_payload(&s, 111, 48000);
	codec_change(&s);

	/* Back to the SDP's type: its clock again, jitter in its units. */
	h = mk(250, 100000, 0x52);
	h.pt = 111;
	CU_ASSERT_EQUAL(rtp_stream_add(&s, &h, T0 + 3 * SEC, 250), 0);
	CU_ASSERT_EQUAL(s.clock_rate, 48000);
	CU_ASSERT(rtp_stream_jitter_ms(&s) < 0.01);

	/* The SDP named opus first, the packets are PCMU from the start:
	 * PCMU's clock; comfort noise and events keep it. */
	rtp_stream_init(&s, NULL, NULL, 0x53);
	rtp_stream_set_payload(&s, 111, 48000);
	rtp_stream_set_event_pt(&s, 101);
	for (int i = 0; i < 20; i++)
		add20(&s, i, i == 10 ? 13 : i == 11 ? 101 : 0, 160);
	CU_ASSERT_EQUAL(s.clock_rate, 8000);
	CU_ASSERT_EQUAL(s.cn_packets, 1);
	CU_ASSERT_EQUAL(s.event_packets, 1);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(&s), 20);
	CU_ASSERT(rtp_stream_jitter_ms(&s) < 0.01);

	/* A dynamic type the SDP did not name: its clock is not known,
	 * the one in use stays. */
	rtp_stream_init(&s, NULL, NULL, 0x54);
	rtp_stream_set_payload(&s, 0, 8000);
	for (int i = 0; i < 10; i++)
		add20(&s, i, i < 5 ? 0 : 98, 160);
	CU_ASSERT_EQUAL(s.clock_rate, 8000);
	CU_ASSERT_EQUAL(rtp_stream_ptime_ms(&s), 20);
}

static void
test_stream_ts_wrap(void)
{
	struct rtp_stream s;
	uint32_t ts0 = 0xffffffffu - 800;

	/* RTP timestamp wraps mid-stream with perfect timing: jitter 0. */
	rtp_stream_init(&s, NULL, NULL, 7);
	for (int i = 0; i < 20; i++)
		add(&s, (uint16_t)i, ts0 + (uint32_t)i * 160,
		    T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(s.jitter, 0.0);
}

static void
test_stream_loss(void)
{
	struct rtp_stream s;

	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 0, 10, 0);		/* 0..9 */
	add_run(&s, 15, 10, 15);	/* 15..24: 10..14 lost */
	CU_ASSERT_EQUAL(s.packets, 20);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 25);
	CU_ASSERT_EQUAL(s.lost, 5);
	CU_ASSERT_EQUAL(s.ooo, 0);
	CU_ASSERT_EQUAL(s.dup, 0);
	CU_ASSERT_EQUAL(s.max_gap_ns, 6 * 20 * MS);
	CU_ASSERT_EQUAL(s.jitter, 0.0);	/* the gap is loss, not jitter */

	/* One of the lost ones turns up late: loss drops, counted ooo. */
	add(&s, 12, 12 * 160, T0 + 25 * 20 * MS);
	CU_ASSERT_EQUAL(s.lost, 4);
	CU_ASSERT_EQUAL(s.ooo, 1);
	CU_ASSERT_EQUAL(s.dup, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 25);
}

static void
test_stream_duplicates(void)
{
	struct rtp_stream s;

	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 100, 10, 0);	/* 100..109 */
	add(&s, 109, 9 * 160, T0 + 200 * MS);	/* the highest again */
	add(&s, 105, 5 * 160, T0 + 201 * MS);	/* an older one again */
	add(&s, 105, 5 * 160, T0 + 202 * MS);
	add(&s, 100, 0, T0 + 203 * MS);		/* the very first again */
	CU_ASSERT_EQUAL(s.packets, 14);
	CU_ASSERT_EQUAL(s.dup, 4);
	CU_ASSERT_EQUAL(s.ooo, 0);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 10);
	CU_ASSERT_EQUAL(s.bytes, 14 * 160);

	/* Every packet twice: loss stays 0 (never negative). */
	rtp_stream_init(&s, NULL, NULL, 1);
	for (int i = 0; i < 300; i++) {
		add(&s, (uint16_t)(65500 + i), 0, T0 + i * 20 * MS);
		add(&s, (uint16_t)(65500 + i), 0, T0 + i * 20 * MS + MS);
	}
	CU_ASSERT_EQUAL(s.dup, 300);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 300);
}

static void
test_stream_reorder(void)
{
	struct rtp_stream s;
	static const uint16_t order[] = { 0, 1, 2, 4, 3, 5, 8, 6, 7, 9 };

	rtp_stream_init(&s, NULL, NULL, 1);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		add(&s, order[i], order[i] * 160u, T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(s.ooo, 3);
	CU_ASSERT_EQUAL(s.dup, 0);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 10);
	add(&s, 3, 3 * 160, T0 + 300 * MS);	/* late duplicate */
	CU_ASSERT_EQUAL(s.dup, 1);
	CU_ASSERT_EQUAL(s.ooo, 3);

	/* A packet from before the first one seen widens the range. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add(&s, 10, 1600, T0);
	add(&s, 11, 1760, T0 + 20 * MS);
	add(&s, 9, 1440, T0 + 21 * MS);
	add(&s, 12, 1920, T0 + 40 * MS);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 4);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.ooo, 1);
	add(&s, 9, 1440, T0 + 41 * MS);
	CU_ASSERT_EQUAL(s.dup, 1);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 4);
}

static void
test_stream_wrap(void)
{
	struct rtp_stream s;
	static const uint16_t order[] = { 65533, 65534, 0, 65535, 1, 2, 3 };

	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 65530, 40, 0);	/* 65530..65535, 0..33 */
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 40);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.seq_jumps, 0);
	CU_ASSERT_EQUAL(s.ooo, 0);
	CU_ASSERT_EQUAL(s.dup, 0);

	/* Reordered across the wrap. */
	rtp_stream_init(&s, NULL, NULL, 1);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		add(&s, order[i], 0, T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 7);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.ooo, 1);

	/* Several wraps in a long stream with a loss in each cycle. */
	rtp_stream_init(&s, NULL, NULL, 1);
	for (uint32_t i = 0; i < 3 * 65536; i++)
		if (i % 65536 != 777)
			add(&s, (uint16_t)i, i * 160, T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 3 * 65536);
	CU_ASSERT_EQUAL(s.lost, 3);
	CU_ASSERT_EQUAL(s.seq_jumps, 0);
	CU_ASSERT_EQUAL(s.ooo, 0);
}

static void
test_stream_jump(void)
{
	struct rtp_stream s;

	/* Restart: a big jump followed by the next sequence number. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 0, 10, 0);
	add_run(&s, 20000, 10, 10);
	CU_ASSERT_EQUAL(s.seq_jumps, 1);
	CU_ASSERT_EQUAL(s.packets, 20);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 20);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.ooo, 0);
	CU_ASSERT_EQUAL(s.dup, 0);
	/* Loss after the restart adds to the loss before it. */
	add_run(&s, 20012, 1, 22);	/* 20010, 20011 lost */
	CU_ASSERT_EQUAL(s.lost, 2);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 23);

	/* A restart backwards (seq reset to a lower number). */
	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 30000, 10, 0);
	add_run(&s, 5, 10, 10);
	CU_ASSERT_EQUAL(s.seq_jumps, 1);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 20);

	/* A single stray packet is not a restart and costs no loss. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 0, 10, 0);
	add(&s, 40000, 0, T0 + 201 * MS);
	add_run(&s, 10, 10, 10);
	CU_ASSERT_EQUAL(s.seq_jumps, 0);
	CU_ASSERT_EQUAL(s.packets, 21);
	CU_ASSERT_EQUAL(rtp_stream_expected(&s), 20);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.jitter, 0.0);

	/* A gap below MAX_DROPOUT is loss, not a restart. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 0, 10, 0);
	add_run(&s, 2999 + 9, 1, 10);
	CU_ASSERT_EQUAL(s.seq_jumps, 0);
	CU_ASSERT_EQUAL(s.lost, 2998);
}

static void
test_stream_rate_strip(void)
{
	struct rtp_stream s;
	const int n = CAP_RTP_RATE_SECONDS_STRIP;
	int i;

	/* Stops after 3 s, resumes at 6 s: the hole shows. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add_run(&s, 0, 150, 0);
	add_run(&s, 150, 50, 300);
	CU_ASSERT_EQUAL(s.nrate, 7);
	CU_ASSERT_EQUAL(s.rate[2], 50);
	CU_ASSERT_EQUAL(s.rate[3], 0);
	CU_ASSERT_EQUAL(s.rate[5], 0);
	CU_ASSERT_EQUAL(s.rate[6], 50);
	CU_ASSERT_EQUAL(s.max_gap_ns, 151 * 20 * MS);

	/* Exactly the strip: bucket stays 1 s. */
	rtp_stream_init(&s, NULL, NULL, 1);
	for (i = 0; i < n * 50; i++)
		add(&s, (uint16_t)i, (uint32_t)i * 160,
		    T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(s.rate_bucket_sec, 1);
	CU_ASSERT_EQUAL(s.nrate, (uint32_t)n);
	CU_ASSERT_EQUAL(s.rate[0], 50);
	CU_ASSERT_EQUAL(s.rate[n - 1], 50);

	/* One second more: pairs merge, 2 s per slot, counting goes on. */
	for (; i < (n + 1) * 50; i++)
		add(&s, (uint16_t)i, (uint32_t)i * 160,
		    T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(s.rate_bucket_sec, 2);
	CU_ASSERT_EQUAL(s.nrate, (uint32_t)(n / 2 + 1));
	CU_ASSERT_EQUAL(s.rate[0], 100);
	CU_ASSERT_EQUAL(s.rate[n / 2 - 1], 100);
	CU_ASSERT_EQUAL(s.rate[n / 2], 50);	/* second n, half a slot */
	CU_ASSERT_EQUAL(s.rate[n / 2 + 1], 0);

	/* Past twice the strip: 4 s per slot; the totals are all kept. */
	for (; i < (2 * n + 3) * 50; i++)
		add(&s, (uint16_t)i, (uint32_t)i * 160,
		    T0 + (int64_t)i * 20 * MS);
	CU_ASSERT_EQUAL(s.rate_bucket_sec, 4);
	CU_ASSERT_EQUAL(s.rate[0], 200);
	{
		uint64_t sum = 0;

		for (int k = 0; k < n; k++)
			sum += s.rate[k];
		CU_ASSERT_EQUAL(sum, s.packets);
	}
	CU_ASSERT_EQUAL(s.packets, (uint64_t)(2 * n + 3) * 50);
	CU_ASSERT_EQUAL(s.lost, 0);

	/* A jump far ahead in time folds several times at once. */
	rtp_stream_init(&s, NULL, NULL, 1);
	add(&s, 0, 0, T0);
	add(&s, 1, 160, T0 + (int64_t)n * 5 * SEC);
	CU_ASSERT_EQUAL(s.rate_bucket_sec, 8);
	CU_ASSERT_EQUAL(s.rate[0], 1);
	CU_ASSERT_EQUAL(s.rate[n * 5 / 8], 1);
	CU_ASSERT_EQUAL(s.nrate, (uint32_t)(n * 5 / 8 + 1));

	/* Capture clock stepping back lands in the first slot. */
	add(&s, 2, 320, T0 - 10 * SEC);
	CU_ASSERT_EQUAL(s.rate[0], 2);
}

static void
test_stream_rtcp(void)
{
	struct rtp_stream s;

	rtp_stream_init(&s, NULL, NULL, 1);
	rtp_stream_add_rtcp(&s, 200);
	rtp_stream_add_rtcp(&s, 201);
	rtp_stream_add_rtcp(&s, 201);
	rtp_stream_add_rtcp(&s, 202);
	rtp_stream_add_rtcp(&s, 203);
	CU_ASSERT_EQUAL(s.rtcp_sr, 1);
	CU_ASSERT_EQUAL(s.rtcp_rr, 2);
	CU_ASSERT_EQUAL(s.rtcp_other, 2);
	CU_ASSERT_EQUAL(s.packets, 0);
}

/* Pseudo-random sequences: invariants hold, nothing crashes. */
static void
test_stream_random(void)
{
	struct rtp_stream s;
	uint32_t x = 12345;

	for (int round = 0; round < 50; round++) {
		uint16_t seq = (uint16_t)(x >> 8);

		rtp_stream_init(&s, NULL, NULL, 1);
		for (int i = 0; i < 2000; i++) {
			x = x * 1103515245u + 12345u;
			switch ((x >> 16) % 8) {
			case 0: seq = (uint16_t)(seq - (x >> 20) % 200); break;
			case 1: seq = (uint16_t)(x >> 3); break;
			case 2: break;
			default: seq = (uint16_t)(seq + 1 + (x >> 20) % 3); break;
			}
			add(&s, seq, x, T0 + (int64_t)i * 20 * MS +
			    (int64_t)((x >> 8) % 5) * MS);
		}
		CU_ASSERT(s.lost <= rtp_stream_expected(&s));
		CU_ASSERT(s.dup + s.ooo <= s.packets);
		CU_ASSERT(s.jitter >= 0.0);
		CU_ASSERT_EQUAL(s.packets, 2000);
	}
}

/*
 * Duplicates and late packets against a plain model: every extended
 * sequence number seen kept in a set (A.1's extension: a step forward of
 * less than 3000, a step back of less than 100), on random sequences of
 * long in-order runs (longer than the 1024-bit map, whose bits of the
 * current run are set only when a gap ends it), gaps, late packets and
 * repeats.
 */
#define MODEL_BITS (1u << 20)

static void
test_stream_dup_model(void)
{
	static uint8_t seen[MODEL_BITS / 8];
	struct rtp_stream s;
	uint32_t x = 777;

	for (int round = 0; round < 40; round++) {
		uint16_t seq = (uint16_t)(x >> 8), back = 0;
		uint32_t max_ext = 1u << 19 | seq, dup = 0, ooo = 0;
		int64_t t = T0;

		memset(seen, 0, sizeof(seen));
		seen[max_ext / 8] |= (uint8_t)(1u << (max_ext % 8));
		rtp_stream_init(&s, NULL, NULL, 9);
		add(&s, seq, 0, t);
		for (int i = 0; i < 6000; i++) {
			uint16_t q, udelta;
			uint32_t ext;

			x = x * 1103515245u + 12345u;
			/* odd rounds: runs of thousands of packets */
			switch ((x >> 12) % (round % 2 ? 4096 : 64)) {
			case 0: case 1:	/* a gap */
				seq = (uint16_t)(seq + 2 + (x >> 24) % 5);
				q = seq;
				break;
			case 2: case 3:	/* late, up to 99 back */
				q = (uint16_t)(seq - 1 - (x >> 24) % 99);
				break;
			case 4:		/* the same again, or the last late */
				q = (x >> 23) & 1 ||
				    (uint16_t)(seq - back) >= 99 ? seq : back;
				break;
			default:
				q = ++seq;
				break;
			}
			udelta = (uint16_t)(q - (uint16_t)max_ext);
			if (udelta == 0) {
				dup++;
			} else if (udelta < 3000) {
				max_ext += udelta;
				seen[max_ext / 8] |= (uint8_t)(1u << (max_ext % 8));
			} else {
				ext = max_ext - (uint16_t)(0u - udelta);
				if (seen[ext / 8] >> (ext % 8) & 1) {
					dup++;
				} else {
					seen[ext / 8] |= (uint8_t)(1u << (ext % 8));
					ooo++;
					back = q;
				}
			}
			t += 20 * MS;
			add(&s, q, (uint32_t)i * 160, t);
		}
		CU_ASSERT_EQUAL(s.dup, dup);
		CU_ASSERT_EQUAL(s.ooo, ooo);
		CU_ASSERT_EQUAL(s.packets, 6001);
	}
}

/*
 * rtp_stream_add's fast paths against the general code (rtp_ref.c: the
 * same rtp.c built with RTP_REFERENCE): random streams of in-order runs,
 * losses, duplicates, late packets, restarts and sequence wraps; arrival
 * gaps around 20 ms with jitter, on millisecond and second boundaries,
 * anywhere in seconds, just below 2^32 ns, pauses long enough to fold
 * the rate strip, and a clock stepping back; audio with steps that
 * change, comfort noise, telephone events (their type named before the
 * stream or late, the audio's) and codec changes; another SSRC now and
 * then.  After every packet the two records must be equal, byte for
 * byte, and so must the medians (the reference adds the histogram's
 * slots up).
 */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
test_stream_fast_vs_reference(void)
{
	static const int pts[] = { 0, 8, 18, 96, 101, 13, 19, 9 };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint64_t packets = 0, diffs = 0;

	for (int round = 0; round < 400; round++) {
		struct rtp_stream *f = calloc(1, sizeof(*f));
		struct rtp_stream *r = calloc(1, sizeof(*r));
		uint16_t seq = (uint16_t)rnd(&x);
		uint32_t ts = (uint32_t)rnd(&x), step = 160;
		int64_t t = (int64_t)(rnd(&x) % 4000) * SEC;
		int audio = pts[rnd(&x) % 4], n = 500 + (int)(rnd(&x) % 3000);
		int mode = (int)(rnd(&x) % 4);

		CU_ASSERT_FATAL(f != NULL && r != NULL);
		rtp_stream_init(f, NULL, NULL, 7);
		ref_rtp_stream_init(r, NULL, NULL, 7);
		if (round % 3 == 0) {
			rtp_stream_set_payload(f, audio, round % 2 ? 8000 : 0);
			ref_rtp_stream_set_payload(r, audio, round % 2 ? 8000 : 0);
		}
		if (round % 5 == 0) {
			rtp_stream_set_event_pt(f, 101);
			ref_rtp_stream_set_event_pt(r, 101);
		}
		for (int i = 0; i < n; i++) {
			struct rtp_hdr h;
			uint64_t c = rnd(&x), k = c % 100;
			int64_t gap;

			memset(&h, 0, sizeof(h));
			h.version = 2;
			h.ssrc = 7;
			h.payload_len = 160;
			h.pt = (uint8_t)audio;
			if (k < (uint64_t)(70 - mode * 10)) {
				seq++;
			} else if (k < 78) {
				seq = (uint16_t)(seq + 2 + c / 100 % 40);
			} else if (k < 82) {
				/* a duplicate or a late packet */
				seq = (uint16_t)(seq - c / 100 % 120);
			} else if (k < 84) {
				seq = (uint16_t)(seq + 3000 + c / 100 % 60000);
			} else if (k < 86) {
				seq = (uint16_t)(0xfffe + c / 100 % 4);
			} else if (k < 89) {
				h.pt = (uint8_t)pts[4 + c / 100 % 3];
				h.payload_len = c / 1000 % 2 ? 4 : 20;
				seq++;
			} else if (k < 91) {
				audio = pts[c / 100 % 8];
				h.pt = (uint8_t)audio;
				seq++;
			} else if (k < 93) {
				step = c / 100 % 3 == 0 ? 160 : (uint32_t)(c / 100 % 700);
				seq++;
			} else if (k < 94) {
				h.ssrc = 8;
				seq++;
			} else if (k == 94 && c / 100 % 8 == 0) {
				/* events named late: the audio type's */
				rtp_stream_set_event_pt(f, audio);
				ref_rtp_stream_set_event_pt(r, audio);
				seq++;
			} else {
				seq++;
			}
			ts += step;
			h.seq = seq;
			h.ts = ts + (k == 95 ? 5000u : 0u);
			c = rnd(&x);
			switch (c % 16) {
			case 4:	/* to a second's boundary, either side */
				gap = SEC - ((t % SEC) + SEC) % SEC -
				    (int64_t)(c / 16 % 3) + 1;
				break;
			case 5:	/* anything from -2 to 6 s */
				gap = (int64_t)(c / 16 % (8 * SEC)) - 2 * SEC;
				break;
			case 6:	/* just below 2^32 ns */
				gap = (INT64_C(1) << 32) - (int64_t)(c / 16 % (2 * MS));
				break;
			case 0:	/* on a rounding boundary, either side */
				gap = (int64_t)(c / 16 % 40) * MS + MS / 2 -
				    (int64_t)(c / 640 % 2);
				break;
			case 1:	/* a pause: seconds to many minutes */
				gap = (int64_t)(c / 16 % (mode == 3 ? 4000 : 90)) *
				    SEC;
				break;
			case 2:	/* the capture clock steps back */
				gap = -(int64_t)(c / 16 % 3000) * MS;
				break;
			case 3:
				gap = 0;
				break;
			default:
				gap = 20 * MS + (int64_t)(c / 16 % 4000000) -
				    2000000;
				break;
			}
			t += gap;
			CU_ASSERT_EQUAL(rtp_stream_add(f, &h, t, (uint64_t)i),
			    ref_rtp_stream_add(r, &h, t, (uint64_t)i));
			packets++;
			if (memcmp(f, r, sizeof(*f)) != 0 ||
			    rtp_stream_ptime_ms(f) != ref_rtp_stream_ptime_ms(r) ||
			    rtp_stream_gap_ms(f) != ref_rtp_stream_gap_ms(r))
				diffs++;
		}
		free(f);
		free(r);
	}
	CU_ASSERT(packets > 500000);
	CU_ASSERT_EQUAL(diffs, 0);
}

int
main(void)
{
	CU_pSuite p, r, st;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	p = CU_add_suite("rtp_parse", NULL, NULL);
	r = CU_add_suite("rtcp", NULL, NULL);
	st = CU_add_suite("rtp_stream", NULL, NULL);
	if (p == NULL || r == NULL || st == NULL ||
	    !CU_add_test(p, "basic", test_parse_basic) ||
	    !CU_add_test(p, "marker and version", test_parse_marker_and_version) ||
	    !CU_add_test(p, "csrc, extension, padding", test_parse_csrc_ext_padding) ||
	    !CU_add_test(p, "padding bounds", test_parse_padding_bounds) ||
	    !CU_add_test(p, "looks like", test_looks_like) ||
	    !CU_add_test(p, "static table", test_static_table) ||
	    !CU_add_test(r, "compound", test_rtcp_compound) ||
	    !CU_add_test(r, "bogus", test_rtcp_bogus) ||
	    !CU_add_test(st, "perfect", test_stream_perfect) ||
	    !CU_add_test(st, "ssrc mismatch", test_stream_ssrc_mismatch) ||
	    !CU_add_test(st, "jitter alternating", test_stream_jitter_alternating) ||
	    !CU_add_test(st, "timestamp wrap", test_stream_ts_wrap) ||
	    !CU_add_test(st, "loss", test_stream_loss) ||
	    !CU_add_test(st, "duplicates", test_stream_duplicates) ||
	    !CU_add_test(st, "reorder", test_stream_reorder) ||
	    !CU_add_test(st, "wrap", test_stream_wrap) ||
	    !CU_add_test(st, "jump", test_stream_jump) ||
	    !CU_add_test(st, "rate strip", test_stream_rate_strip) ||
	    !CU_add_test(st, "rtcp", test_stream_rtcp) ||
	    !CU_add_test(st, "packetisation", test_stream_ptime) ||
	    !CU_add_test(st, "codec change", test_stream_codec_change) ||
	    !CU_add_test(st, "random", test_stream_random) ||
	    !CU_add_test(st, "fast paths = reference",
	    test_stream_fast_vs_reference) ||
	    !CU_add_test(st, "duplicates, model", test_stream_dup_model)) {
		CU_cleanup_registry();
		return CU_get_error() ? (int)CU_get_error() : 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned fails = CU_get_number_of_failures();

		CU_cleanup_registry();
		return fails != 0;
	}
}
