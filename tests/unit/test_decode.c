/*
 * test_decode.c - CUnit tests for decode.c.
 *
 * Frames are built byte by byte: fixed headers as hex arrays, with the
 * length and offset fields filled in by small helpers, for every link type
 * and tunnel the decoder claims.  The emitted pkt fields (addresses, ports,
 * payload, nfrags, encapsulation depth) and the anomaly counters are
 * checked, and every frame is also cut at every length to show that the
 * decoder neither crashes nor stays silent about it.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/decode.h"

/* ---- collecting what the decoder emits ---- */

#define GOT_MAX 80

struct got {
	int n;
	struct pkt p[GOT_MAX];
	uint8_t data[GOT_MAX][2048];
};

static struct got got;
static struct anomalies an;
static struct decoder *dec;

static void
on_pkt(void *user, const struct pkt *p, struct anomalies *a)
{
	(void)user;
	CU_ASSERT_PTR_EQUAL(a, &an);
	if (got.n >= GOT_MAX)
		return;
	got.p[got.n] = *p;
	if (p->len > 0 && p->len <= sizeof(got.data[0]))
		memcpy(got.data[got.n], p->payload, p->len);
	got.p[got.n].payload = got.data[got.n];
	got.n++;
}

static void
reset(void)
{
	decoder_free(dec);
	dec = decoder_new(on_pkt, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dec);
	memset(&got, 0, sizeof(got));
	memset(&an, 0, sizeof(an));
}

/* Decodes a copy of exactly len bytes, so ASan sees any overread. */
static void
run(int link, const uint8_t *f, size_t len, size_t wirelen, int64_t ts)
{
	uint8_t *copy = malloc(len ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	if (len > 0)
		memcpy(copy, f, len);
	decoder_frame(dec, link, 0, 1, ts, copy, len, wirelen, &an);
	free(copy);
}

/* ---- building frames ---- */

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	CU_ASSERT_FATAL(b->n + n <= sizeof(b->b));
	if (n > 0)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void
set16(struct buf *b, size_t off, size_t v)
{
	b->b[off] = (uint8_t)(v >> 8);
	b->b[off + 1] = (uint8_t)v;
}

static const uint8_t A4[4] = { 10, 0, 0, 1 }, B4[4] = { 192, 0, 2, 9 };
static const uint8_t C4[4] = { 172, 16, 0, 1 }, D4[4] = { 172, 16, 0, 2 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static const char SIP[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Call-ID: x@y\r\n\r\n";
#define SIPLEN (sizeof(SIP) - 1)

static void
eth(struct buf *b, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10 };

	put(b, macs, 12);
	put16(b, type);
}

/* IPv4 header, hlen 20 + opt bytes; returns its offset for ip4_end. */
static size_t
ip4(struct buf *b, uint8_t proto, const uint8_t *s, const uint8_t *d,
    uint16_t id, uint16_t ff, size_t opt)
{
	size_t o = b->n;
	uint8_t h[12] = { (uint8_t)(0x40 | (5 + opt / 4)), 0, 0, 0 };

	h[4] = (uint8_t)(id >> 8);
	h[5] = (uint8_t)id;
	h[6] = (uint8_t)(ff >> 8);
	h[7] = (uint8_t)ff;
	h[8] = 64;
	h[9] = proto;
	put(b, h, 12);
	put(b, s, 4);
	put(b, d, 4);
	for (size_t i = 0; i < opt; i++)
		put(b, "\x01", 1);  /* NOP options */
	return o;
}

static void
ip4_end(struct buf *b, size_t o)
{
	set16(b, o + 2, b->n - o);
}

static size_t
ip6(struct buf *b, uint8_t nh, const uint8_t *s, const uint8_t *d)
{
	size_t o = b->n;
	uint8_t h[8] = { 0x60, 0, 0, 0, 0, 0, nh, 64 };

	put(b, h, 8);
	put(b, s, 16);
	put(b, d, 16);
	return o;
}

static void
ip6_end(struct buf *b, size_t o)
{
	set16(b, o + 4, b->n - o - 40);
}

static void
udp(struct buf *b, uint16_t sp, uint16_t dp, const void *pl, size_t n)
{
	put16(b, sp);
	put16(b, dp);
	put16(b, (uint16_t)(8 + n));
	put16(b, 0);
	put(b, pl, n);
}

/* IPv4/UDP/SIP from A4:5060 to B4:5062. */
static void
ip4_udp_sip(struct buf *b)
{
	size_t o = ip4(b, 17, A4, B4, 1, 0, 0);

	udp(b, 5060, 5062, SIP, SIPLEN);
	ip4_end(b, o);
}

static void
ip6_udp_sip(struct buf *b)
{
	size_t o = ip6(b, 17, A6, B6);

	udp(b, 5060, 5062, SIP, SIPLEN);
	ip6_end(b, o);
}

static void
check_sip4(int i, uint8_t depth)
{
	CU_ASSERT_FATAL(got.n > i);
	CU_ASSERT_EQUAL(got.p[i].l4, PKT_UDP);
	CU_ASSERT_EQUAL(got.p[i].src.family, 4);
	CU_ASSERT_EQUAL(memcmp(got.p[i].src.ip, A4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[i].dst.ip, B4, 4), 0);
	CU_ASSERT_EQUAL(got.p[i].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[i].dst.port, 5062);
	CU_ASSERT_EQUAL(got.p[i].len, SIPLEN);
	CU_ASSERT_EQUAL(memcmp(got.p[i].payload, SIP, SIPLEN), 0);
	CU_ASSERT_EQUAL(got.p[i].encap_depth, depth);
	CU_ASSERT_EQUAL(got.p[i].nfrags, 1);
}

static void
check_sip6(int i, uint8_t depth)
{
	CU_ASSERT_FATAL(got.n > i);
	CU_ASSERT_EQUAL(got.p[i].l4, PKT_UDP);
	CU_ASSERT_EQUAL(got.p[i].src.family, 6);
	CU_ASSERT_EQUAL(memcmp(got.p[i].src.ip, A6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[i].dst.ip, B6, 16), 0);
	CU_ASSERT_EQUAL(got.p[i].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[i].dst.port, 5062);
	CU_ASSERT_EQUAL(got.p[i].len, SIPLEN);
	CU_ASSERT_EQUAL(memcmp(got.p[i].payload, SIP, SIPLEN), 0);
	CU_ASSERT_EQUAL(got.p[i].encap_depth, depth);
}

/*
 * Cuts f at every length below its size and decodes each piece twice: as a
 * frame that really is that short (an anomaly must be counted unless only
 * link-layer padding beyond `used` bytes was cut) and as a snaplen-cut frame
 * (caplen < wirelen; only no crash is required).
 */
static void
truncations_used(int link, const struct buf *f, size_t used)
{
	for (size_t len = 0; len < f->n; len++) {
		reset();
		run(link, f->b, len, len, 0);
		if (len >= used)
			continue;
		if (anomaly_total(&an) == 0)
			fprintf(stderr, "link %d: no anomaly at length %zu of %zu\n",
			    link, len, f->n);
		CU_ASSERT(anomaly_total(&an) > 0);
		reset();
		run(link, f->b, len, f->n, 0);
	}
	reset();
}

static void
truncations(int link, const struct buf *f)
{
	truncations_used(link, f, f->n);
}

/* ---- link layers ---- */

static void
test_eth_qinq_ipv4_options_padding(void)
{
	struct buf f = { .n = 0 };
	size_t o;
	static const uint8_t pad[12] = { 0 };

	reset();
	eth(&f, 0x88a8);
	put16(&f, 0x0064);          /* S-tag VLAN 100 */
	put16(&f, 0x8100);
	put16(&f, 0x00c8);          /* C-tag VLAN 200 */
	put16(&f, 0x0800);
	o = ip4(&f, 17, A4, B4, 7, 0x4000, 8); /* DF, 8 bytes of options */
	udp(&f, 5060, 5062, SIP, SIPLEN);
	ip4_end(&f, o);
	put(&f, pad, sizeof(pad));  /* Ethernet padding: must be ignored */
	run(1, f.b, f.n, f.n, 1234);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 0);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 28 + 8 + SIPLEN);
	CU_ASSERT_EQUAL(got.p[0].ts_ns, 1234);
	CU_ASSERT_EQUAL(got.p[0].frame, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations_used(1, &f, f.n - sizeof(pad));
}

static void
test_vlan_too_deep(void)
{
	struct buf f = { .n = 0 };

	reset();
	eth(&f, 0x8100);
	for (int i = 0; i < CAP_VLAN_DEPTH; i++) {
		put16(&f, (uint16_t)(i + 1));
		put16(&f, 0x8100);
	}
	put16(&f, 9);
	put16(&f, 0x0800);
	ip4_udp_sip(&f);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_VLAN_TOO_DEEP], 1);
	/* One tag fewer is fine. */
	reset();
	f.n = 0;
	eth(&f, 0x9100);
	for (int i = 0; i < CAP_VLAN_DEPTH - 1; i++) {
		put16(&f, (uint16_t)(i + 1));
		put16(&f, 0x8100);
	}
	put16(&f, 9);
	put16(&f, 0x0800);
	ip4_udp_sip(&f);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 0);
}

static void
test_sll(void)
{
	struct buf f = { .n = 0 };
	static const uint8_t sll[14] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0,
	    0 };

	reset();
	put(&f, sll, sizeof(sll));
	put16(&f, 0x0800);
	ip4_udp_sip(&f);
	run(113, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(113, &f);
}

static void
test_sll2(void)
{
	struct buf f = { .n = 0 };
	static const uint8_t rest[18] = { 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3,
	    4, 5, 6, 0, 0 };

	reset();
	put16(&f, 0x86dd);
	put(&f, rest, sizeof(rest));
	ip6_udp_sip(&f);
	run(276, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 0);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 40 + 8 + SIPLEN);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(276, &f);
}

static void
test_null_loop(void)
{
	static const uint8_t fam[][4] = {
		{ 2, 0, 0, 0 }, { 0, 0, 0, 2 },         /* AF_INET both orders */
		{ 30, 0, 0, 0 }, { 0, 0, 0, 24 },       /* AF_INET6 macOS, BSD */
		{ 28, 0, 0, 0 }, { 10, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		struct buf f = { .n = 0 };

		reset();
		put(&f, fam[i], 4);
		if (i < 2)
			ip4_udp_sip(&f);
		else
			ip6_udp_sip(&f);
		run(0, f.b, f.n, f.n, 0);
		CU_ASSERT_EQUAL(got.n, 1);
		if (i < 2)
			check_sip4(0, 0);
		else
			check_sip6(0, 0);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	}
	{
		struct buf f = { .n = 0 };

		/* LOOP is network order only. */
		reset();
		put(&f, fam[1], 4);
		ip4_udp_sip(&f);
		run(108, f.b, f.n, f.n, 0);
		CU_ASSERT_EQUAL(got.n, 1);
		truncations(108, &f);
		reset();
		f.b[0] = 2;
		f.b[3] = 0;
		run(108, f.b, f.n, f.n, 0);
		CU_ASSERT_EQUAL(got.n, 0);
		CU_ASSERT_EQUAL(an.n[ANOMALY_ETHERTYPE_UNSUPPORTED], 1);
		truncations(0, &f);
	}
}

static void
test_raw_ipv6_ext_headers(void)
{
	struct buf f = { .n = 0 };
	size_t o;
	static const uint8_t hbh[8] = { 60, 0, 1, 4, 0, 0, 0, 0 };   /* PadN */
	static const uint8_t dst[16] = { 51, 1, 1, 12, 0 };         /* PadN */
	/* AH: 24 bytes, length field in 4-byte words minus 2. */
	static const uint8_t ah[24] = { 17, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

	reset();
	o = ip6(&f, 0, A6, B6);
	put(&f, hbh, sizeof(hbh));
	put(&f, dst, sizeof(dst));
	put(&f, ah, sizeof(ah));
	udp(&f, 5060, 5062, SIP, SIPLEN);
	ip6_end(&f, o);
	run(101, f.b, f.n, f.n, 0);
	run(229, f.b, f.n, f.n, 0);
	run(12, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 3);
	check_sip6(0, 0);
	check_sip6(1, 0);
	check_sip6(2, 0);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 40 + 48 + 8 + SIPLEN);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(101, &f);
	/* IPv4 on an IPv6-only link type is a bad version. */
	reset();
	f.n = 0;
	ip4_udp_sip(&f);
	run(229, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_BAD_VERSION], 1);
	run(228, f.b, f.n, f.n, 0);
	run(14, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 2);
}

static void
test_ipv6_ext_too_many(void)
{
	struct buf f = { .n = 0 };
	size_t o;
	uint8_t dst[8] = { 60, 0, 1, 4, 0, 0, 0, 0 };

	reset();
	o = ip6(&f, 60, A6, B6);
	for (int i = 0; i < CAP_IPV6_EXT_HEADERS + 1; i++) {
		dst[0] = i == CAP_IPV6_EXT_HEADERS ? 17 : 60;
		put(&f, dst, sizeof(dst));
	}
	udp(&f, 5060, 5062, SIP, SIPLEN);
	ip6_end(&f, o);
	run(101, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IPV6_EXT_TOO_MANY], 1);
}

static void
test_link_misc(void)
{
	struct buf f = { .n = 0 };

	reset();
	eth(&f, 0x0806);            /* ARP: silently ignored */
	put32(&f, 0x00010800);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	f.n = 0;
	eth(&f, 0x0026);            /* 802.3 length: LLC, ignored */
	put32(&f, 0x42420300);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	f.n = 0;
	eth(&f, 0x88b5);            /* experimental ethertype */
	put32(&f, 0);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ETHERTYPE_UNSUPPORTED], 1);
	run(105, f.b, f.n, f.n, 0); /* 802.11 */
	CU_ASSERT_EQUAL(an.n[ANOMALY_LINK_UNSUPPORTED], 1);
	decoder_frame(dec, 1, 0, 1, 0, NULL, 0, 0, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_LINK_TRUNCATED], 1);
	CU_ASSERT_EQUAL(got.n, 0);
}

static void
test_mpls_pppoe(void)
{
	struct buf f = { .n = 0 };
	size_t o;

	reset();
	eth(&f, 0x8847);
	put32(&f, 0x00010040);      /* label 16, S=0 */
	put32(&f, 0x00011140);      /* label 17, S=1 */
	ip4_udp_sip(&f);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 0);
	truncations(1, &f);
	/* PPPoE session carrying IPv6. */
	f.n = 0;
	eth(&f, 0x8864);
	put16(&f, 0x1100);
	put16(&f, 0x0001);
	o = f.n;
	put16(&f, 0);
	put16(&f, 0x0057);
	ip6_udp_sip(&f);
	set16(&f, o, f.n - o - 2);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* ---- tunnels ---- */

static void
test_ipip(void)
{
	struct buf f = { .n = 0 };
	size_t o;

	reset();
	eth(&f, 0x0800);
	o = ip4(&f, 4, C4, D4, 9, 0, 0);
	ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 20 + 8 + SIPLEN);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(1, &f);
	/* 6in4 */
	f.n = 0;
	o = ip4(&f, 41, C4, D4, 9, 0, 0);
	ip6_udp_sip(&f);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 1);
	/* 4in6 */
	reset();
	f.n = 0;
	o = ip6(&f, 4, B6, A6);
	ip4_udp_sip(&f);
	ip6_end(&f, o);
	run(229, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_encap_too_deep(void)
{
	struct buf f = { .n = 0 };
	size_t o[CAP_ENCAP_DEPTH + 1];

	reset();
	for (int i = 0; i <= CAP_ENCAP_DEPTH; i++)
		o[i] = ip4(&f, 4, C4, D4, 9, 0, 0);
	ip4_udp_sip(&f);
	for (int i = CAP_ENCAP_DEPTH; i >= 0; i--)
		ip4_end(&f, o[i]);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ENCAP_TOO_DEEP], 1);
	/* At the cap exactly: decoded. */
	reset();
	run(228, f.b + 20, f.n - 20, f.n - 20, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, CAP_ENCAP_DEPTH);
}

static void
test_gre_key_seq(void)
{
	struct buf f = { .n = 0 };
	size_t o;

	reset();
	eth(&f, 0x0800);
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x3000);          /* K and S */
	put16(&f, 0x0800);
	put32(&f, 0xdeadbeef);      /* key */
	put32(&f, 42);              /* sequence */
	ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(1, &f);
	/* Checksum, key and sequence, IPv6 payload. */
	f.n = 0;
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0xb000);
	put16(&f, 0x86dd);
	put32(&f, 0);
	put32(&f, 1);
	put32(&f, 2);
	ip6_udp_sip(&f);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 1);
	/* Routing bit and version 2 are not decoded. */
	f.b[20] = 0x40;
	run(228, f.b, f.n, f.n, 0);
	f.b[20] = 0x00;
	f.b[21] = 0x02;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_GRE_UNSUPPORTED], 2);
	CU_ASSERT_EQUAL(got.n, 1);
}

/* Ethernet-framed IPv4/UDP/SIP, for ERSPAN and bridged GRE. */
static void
eth_ip4_udp_sip(struct buf *b)
{
	eth(b, 0x0800);
	ip4_udp_sip(b);
}

static void
test_gre_erspan2_and_1(void)
{
	struct buf f = { .n = 0 };
	size_t o;
	static const uint8_t erspan2[8] = { 0x10, 0x64, 0x00, 0x01, 0, 0, 0, 0 };

	reset();
	eth(&f, 0x0800);
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x1000);          /* S */
	put16(&f, 0x88be);
	put32(&f, 7);
	put(&f, erspan2, sizeof(erspan2));
	eth_ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(1, &f);
	/* Type I: no sequence number, no ERSPAN header. */
	f.n = 0;
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x0000);
	put16(&f, 0x88be);
	eth_ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	/* Transparent Ethernet bridging. */
	reset();
	f.n = 0;
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x0000);
	put16(&f, 0x6558);
	eth_ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_erspan3(void)
{
	for (int obit = 0; obit < 2; obit++) {
		struct buf f = { .n = 0 };
		size_t o;
		uint8_t e3[12] = { 0x20, 0x64, 0x00, 0x01, 1, 2, 3, 4, 0, 0, 0,
		    0 };
		static const uint8_t plat[8] = { 0x0c, 0, 0, 0, 1, 2, 3, 4 };

		e3[11] = (uint8_t)obit;
		reset();
		eth(&f, 0x0800);
		o = ip4(&f, 47, C4, D4, 9, 0, 0);
		put16(&f, 0x1000);
		put16(&f, 0x22eb);
		put32(&f, 7);
		put(&f, e3, sizeof(e3));
		if (obit)
			put(&f, plat, sizeof(plat));
		eth_ip4_udp_sip(&f);
		ip4_end(&f, o);
		run(1, f.b, f.n, f.n, 0);
		CU_ASSERT_EQUAL(got.n, 1);
		check_sip4(0, 1);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
		truncations(1, &f);
	}
}

static void
test_gre_v1_ppp(void)
{
	struct buf f = { .n = 0 };
	size_t o, plen;

	reset();
	eth(&f, 0x8100);
	put16(&f, 0x0005);
	put16(&f, 0x0800);
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x3081);          /* K, S, A, version 1 */
	put16(&f, 0x880b);
	plen = f.n;
	put16(&f, 0);               /* payload length, set below */
	put16(&f, 0x1234);          /* call id */
	put32(&f, 10);              /* sequence */
	put32(&f, 9);               /* acknowledgment */
	put16(&f, 0xff03);
	put16(&f, 0x0021);
	ip4_udp_sip(&f);
	set16(&f, plen, f.n - plen - 12);
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(1, &f);
	/* No address/control, compressed protocol 0x57 (IPv6), no ack. */
	f.n = 0;
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x3001);
	put16(&f, 0x880b);
	put32(&f, 0);
	put32(&f, 10);
	put(&f, "\x57", 1);
	ip6_udp_sip(&f);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 1);
	/* Ack-only packet: nothing, no anomaly. */
	reset();
	f.n = 0;
	o = ip4(&f, 47, C4, D4, 9, 0, 0);
	put16(&f, 0x2081);
	put16(&f, 0x880b);
	put32(&f, 0);
	put32(&f, 10);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	/* Version 1 without key: unsupported. */
	f.b[20] = 0x00;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_GRE_UNSUPPORTED], 1);
}

/* ---- fragments ---- */

/* A UDP datagram of n payload bytes split into IPv4 fragments of fl. */
static size_t
frag4(struct buf *frames, size_t fl, size_t n, uint16_t id)
{
	struct buf dg = { .n = 0 };
	static uint8_t pl[4000];
	size_t k = 0;

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)('a' + i % 26);
	udp(&dg, 5060, 5062, pl, n);
	for (size_t off = 0; off < dg.n; off += fl, k++) {
		size_t len = dg.n - off < fl ? dg.n - off : fl;
		int more = off + len < dg.n;
		size_t o;

		frames[k].n = 0;
		o = ip4(&frames[k], 17, A4, B4, id,
		    (uint16_t)((more ? 0x2000 : 0) | off / 8), 0);
		put(&frames[k], dg.b + off, len);
		ip4_end(&frames[k], o);
	}
	return k;
}

static int
payload_ok(int i, size_t n)
{
	if (got.n <= i || got.p[i].len != n)
		return 0;
	for (size_t j = 0; j < n; j++)
		if (got.p[i].payload[j] != (uint8_t)('a' + j % 26))
			return 0;
	return 1;
}

static void
test_ipv4_frag_orders(void)
{
	static struct buf fr[8];
	size_t k = frag4(fr, 400, 1200, 77);
	static const int orders[][4] = { { 0, 1, 2, 3 }, { 3, 1, 0, 2 },
	    { 2, 3, 1, 0 } };

	CU_ASSERT_EQUAL_FATAL(k, 4);
	for (size_t o = 0; o < 3; o++) {
		reset();
		for (int i = 0; i < 4; i++) {
			run(228, fr[orders[o][i]].b, fr[orders[o][i]].n,
			    fr[orders[o][i]].n, 0);
			CU_ASSERT_EQUAL(got.n, i == 3 ? 1 : 0);
		}
		CU_ASSERT(payload_ok(0, 1200));
		CU_ASSERT_EQUAL(got.p[0].nfrags, 4);
		CU_ASSERT_EQUAL(got.p[0].ip_len, 20 + 1208);
		CU_ASSERT_EQUAL(got.p[0].src.port, 5060);
		CU_ASSERT_EQUAL(memcmp(got.p[0].dst.ip, B4, 4), 0);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
		{
			struct decoder_stats st;

			decoder_stats_get(dec, &st);
			CU_ASSERT_EQUAL(st.frames, 4);
			CU_ASSERT_EQUAL(st.reassembled, 1);
			CU_ASSERT_EQUAL(st.udp, 1);
			CU_ASSERT_EQUAL(st.ip, 4);
		}
	}
}

static void
test_ipv4_frag_overlap(void)
{
	static struct buf fr[8];
	struct buf bad;
	size_t k = frag4(fr, 400, 1200, 78);

	CU_ASSERT_EQUAL_FATAL(k, 4);
	reset();
	run(228, fr[0].b, fr[0].n, fr[0].n, 0);
	/* A second copy of fragment 1 with different bytes. */
	bad = fr[1];
	bad.b[30] ^= 0xff;
	run(228, bad.b, bad.n, bad.n, 0);
	run(228, fr[1].b, fr[1].n, fr[1].n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_OVERLAP], 1);
	run(228, fr[2].b, fr[2].n, fr[2].n, 0);
	run(228, fr[3].b, fr[3].n, fr[3].n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	/* First copy kept: the payload differs from the pattern there. */
	CU_ASSERT_FALSE(payload_ok(0, 1200));
	CU_ASSERT_EQUAL(got.p[0].len, 1200);
}

static void
test_ipv4_frag_too_many_and_timeout(void)
{
	static struct buf fr[80];
	size_t k = frag4(fr, 8, 8 * (CAP_FRAG_PER_DATAGRAM + 1), 79);

	CU_ASSERT_EQUAL_FATAL(k, CAP_FRAG_PER_DATAGRAM + 2);
	reset();
	for (size_t i = 0; i < k; i++)
		run(228, fr[i].b, fr[i].n, fr[i].n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TOO_MANY], 1);
	CU_ASSERT_EQUAL(got.n, 0);

	/* Never complete: dropped at expiry, not before. */
	k = frag4(fr, 400, 1200, 80);
	reset();
	run(228, fr[0].b, fr[0].n, fr[0].n, 1000);
	run(228, fr[2].b, fr[2].n, fr[2].n, 2000);
	decoder_expire(dec, 1000 + CAP_FRAG_TIMEOUT_NS, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 0);
	decoder_expire(dec, 1001 + CAP_FRAG_TIMEOUT_NS, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 1);
	/* The rest now starts a new datagram that cannot complete either. */
	run(228, fr[1].b, fr[1].n, fr[1].n, 3000 + CAP_FRAG_TIMEOUT_NS);
	run(228, fr[3].b, fr[3].n, fr[3].n, 3000 + CAP_FRAG_TIMEOUT_NS);
	CU_ASSERT_EQUAL(got.n, 0);
}

static void
test_ipv4_frag_truncated_piece(void)
{
	static struct buf fr[8];
	size_t k = frag4(fr, 400, 1200, 81);

	CU_ASSERT_EQUAL_FATAL(k, 4);
	reset();
	/* The second fragment was cut by the snaplen: no reassembly. */
	run(228, fr[0].b, fr[0].n, fr[0].n, 0);
	run(228, fr[1].b, fr[1].n - 100, fr[1].n, 0);
	run(228, fr[2].b, fr[2].n, fr[2].n, 0);
	run(228, fr[3].b, fr[3].n, fr[3].n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	decoder_expire(dec, CAP_FRAG_TIMEOUT_NS + 1, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 1);
}

static void
test_ipv6_frag(void)
{
	struct buf dg = { .n = 0 }, fr[3];
	static uint8_t pl[1500];
	static const uint8_t dopt[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	size_t cut[4] = { 0, 504, 1008, 0 };

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)('a' + i % 26);
	/* Fragmentable part: destination options, then UDP. */
	put(&dg, dopt, sizeof(dopt));
	udp(&dg, 5060, 5062, pl, 1300);
	cut[3] = dg.n;
	for (int i = 0; i < 3; i++) {
		size_t o;

		fr[i].n = 0;
		o = ip6(&fr[i], 44, A6, B6);
		put(&fr[i], "\x3c\x00", 2);
		put16(&fr[i], (uint16_t)(cut[i] | (i < 2 ? 1 : 0)));
		put32(&fr[i], 0xabcdef01);
		put(&fr[i], dg.b + cut[i], cut[i + 1] - cut[i]);
		ip6_end(&fr[i], o);
	}
	reset();
	run(229, fr[2].b, fr[2].n, fr[2].n, 0);
	run(229, fr[0].b, fr[0].n, fr[0].n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	run(229, fr[1].b, fr[1].n, fr[1].n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT(payload_ok(0, 1300));
	CU_ASSERT_EQUAL(got.p[0].nfrags, 3);
	CU_ASSERT_EQUAL(got.p[0].src.family, 6);
	CU_ASSERT_EQUAL(memcmp(got.p[0].src.ip, A6, 16), 0);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 40 + dg.n);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	/* An atomic fragment (offset 0, M clear) is decoded directly. */
	reset();
	fr[0].b[43] = 0;
	fr[0].n = 48;
	put(&fr[0], dopt, sizeof(dopt));
	udp(&fr[0], 5060, 5062, SIP, SIPLEN);
	ip6_end(&fr[0], 0);
	run(229, fr[0].b, fr[0].n, fr[0].n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip6(0, 0);
	truncations(229, &fr[0]);
}

/* ---- transport ---- */

static void
tcp(struct buf *b, uint8_t flags, uint32_t seq, const void *pl, size_t n,
    size_t opt)
{
	put16(b, 40000);
	put16(b, 5060);
	put32(b, seq);
	put32(b, 0x11223344);
	put16(b, (uint16_t)((((20 + opt) / 4) << 12) | flags));
	put16(b, 65535);
	put32(b, 0);
	for (size_t i = 0; i < opt; i++)
		put(b, "\x01", 1);
	put(b, pl, n);
}

static void
test_tcp(void)
{
	struct buf f = { .n = 0 };
	size_t o;

	reset();
	o = ip4(&f, 6, A4, B4, 1, 0, 0);
	tcp(&f, PKT_TCP_SYN, 1000, NULL, 0, 12);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_TCP);
	CU_ASSERT_EQUAL(got.p[0].tcp_flags, PKT_TCP_SYN);
	CU_ASSERT_EQUAL(got.p[0].tcp_seq, 1000);
	CU_ASSERT_EQUAL(got.p[0].tcp_ack, 0x11223344);
	CU_ASSERT_EQUAL(got.p[0].len, 0);
	CU_ASSERT_EQUAL(got.p[0].src.port, 40000);
	/* Data segment. */
	f.n = 0;
	o = ip4(&f, 6, A4, B4, 2, 0, 0);
	tcp(&f, PKT_TCP_ACK | PKT_TCP_PSH, 1001, SIP, SIPLEN, 0);
	ip4_end(&f, o);
	put(&f, "\0\0\0\0", 4);     /* padding */
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[1].len, SIPLEN);
	CU_ASSERT_EQUAL(memcmp(got.p[1].payload, SIP, SIPLEN), 0);
	CU_ASSERT_EQUAL(got.p[1].tcp_seq, 1001);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations_used(228, &f, f.n - 4);
	/* Pure ACK: not emitted.  FIN: emitted. */
	f.n = 0;
	o = ip4(&f, 6, A4, B4, 3, 0, 0);
	tcp(&f, PKT_TCP_ACK, 1001, NULL, 0, 0);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 0);
	f.b[33] = PKT_TCP_ACK | PKT_TCP_FIN;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	/* Data offset 4 words, and 15 words beyond the segment. */
	f.b[32] = 0x40;
	run(228, f.b, f.n, f.n, 0);
	f.b[32] = 0xf0;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_BAD_HLEN], 2);
	CU_ASSERT_EQUAL(got.n, 1);
	{
		struct decoder_stats st;

		decoder_stats_get(dec, &st);
		CU_ASSERT_EQUAL(st.tcp, 2);
	}
	/* decoder_keep_pure_acks: a pure ACK is emitted, window and options
	 * with it (the simulator forwards them) */
	decoder_keep_pure_acks(dec, true);
	f.n = 0;
	o = ip4(&f, 6, A4, B4, 4, 0, 0);
	tcp(&f, PKT_TCP_ACK, 1001, NULL, 0, 12);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[1].tcp_flags, PKT_TCP_ACK);
	CU_ASSERT_EQUAL(got.p[1].len, 0);
	CU_ASSERT_EQUAL(got.p[1].tcp_win, 65535);
	CU_ASSERT_EQUAL(got.p[1].tcp_optlen, 12);
}

static void
sctp_data(struct buf *b, uint8_t flags, uint32_t tsn, const void *pl,
    size_t n)
{
	static const uint8_t pad[4] = { 0 };

	put(b, "\x00", 1);
	put(b, &flags, 1);
	put16(b, (uint16_t)(16 + n));
	put32(b, tsn);
	put32(b, 0);                /* stream id, seq */
	put32(b, 0);                /* PPID */
	put(b, pl, n);
	put(b, pad, (4 - n % 4) % 4);
}

static void
test_sctp(void)
{
	struct buf f = { .n = 0 };
	size_t o;
	static const char two[] = "SIP/2.0 100 Trying\r\n\r\n";

	reset();
	o = ip4(&f, 132, A4, B4, 1, 0, 0);
	put16(&f, 5060);
	put16(&f, 5062);
	put32(&f, 0xcafe);
	put32(&f, 0);
	/* A SACK chunk first, then two whole DATA chunks, one fragment. */
	put32(&f, 0x03000010);
	put32(&f, 1);
	put32(&f, 0x1000);
	put32(&f, 0);
	sctp_data(&f, 0x03, 1, SIP, SIPLEN);
	sctp_data(&f, 0x07, 2, two, sizeof(two) - 1);
	/* A fragmented message in three pieces, then one with a gap. */
	sctp_data(&f, 0x02, 3, "xyz", 3);
	sctp_data(&f, 0x00, 4, "middle", 6);
	sctp_data(&f, 0x01, 5, "end", 3);
	sctp_data(&f, 0x02, 6, "lost", 4);
	sctp_data(&f, 0x01, 8, "gap", 3);
	ip4_end(&f, o);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL_FATAL(got.n, 3);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_SCTP);
	CU_ASSERT_EQUAL(got.p[0].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[0].dst.port, 5062);
	CU_ASSERT_EQUAL(got.p[0].len, SIPLEN);
	CU_ASSERT_EQUAL(memcmp(got.p[0].payload, SIP, SIPLEN), 0);
	CU_ASSERT_EQUAL(got.p[1].len, sizeof(two) - 1);
	CU_ASSERT_EQUAL(memcmp(got.p[1].payload, two, sizeof(two) - 1), 0);
	CU_ASSERT_EQUAL(got.p[2].len, 12);
	CU_ASSERT_EQUAL(memcmp(got.p[2].payload, "xyzmiddleend", 12), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	truncations(228, &f);
	/* Chunk length 2, then a length beyond the packet. */
	f.b[32 + 2] = 0;
	f.b[32 + 3] = 2;
	run(228, f.b, f.n, f.n, 0);
	f.b[32 + 2] = 0x10;
	f.b[32 + 3] = 0;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SCTP_BAD_CHUNK], 2);
	CU_ASSERT_EQUAL(got.n, 0);
}

/* An SCTP message in two pieces, in two packets, as INVITEs often are. */
static size_t
sctp_one(struct buf *f, uint8_t flags, uint32_t tsn, const void *pl,
    size_t n, uint16_t sport)
{
	size_t o;

	f->n = 0;
	o = ip4(f, 132, A4, B4, 1, 0, 0);
	put16(f, sport);
	put16(f, 5060);
	put32(f, 0xcafe);
	put32(f, 0);
	sctp_data(f, flags, tsn, pl, n);
	ip4_end(f, o);
	return f->n;
}

static void
test_sctp_pieces(void)
{
	struct buf f;
	static uint8_t big[1200];

	reset();
	sctp_one(&f, 0x02, 100, SIP, 20, 5060);
	run(228, f.b, f.n, f.n, 1);
	/* Another association interleaves a whole message. */
	sctp_one(&f, 0x03, 7, "OPTIONS", 7, 5070);
	run(228, f.b, f.n, f.n, 2);
	CU_ASSERT_EQUAL(got.n, 1);
	sctp_one(&f, 0x01, 101, SIP + 20, SIPLEN - 20, 5060);
	run(228, f.b, f.n, f.n, 3);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[1].len, SIPLEN);
	CU_ASSERT_EQUAL(memcmp(got.p[1].payload, SIP, SIPLEN), 0);
	CU_ASSERT_EQUAL(got.p[1].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[1].ts_ns, 3);
	/* An end piece alone is dropped. */
	run(228, f.b, f.n, f.n, 4);
	CU_ASSERT_EQUAL(got.n, 2);
	/* More than CAP_SIP_MSG_BYTES in pieces: SIP_TOO_LARGE. */
	sctp_one(&f, 0x02, 0, big, sizeof(big), 5080);
	run(228, f.b, f.n, f.n, 5);
	for (uint32_t t = 1; t * sizeof(big) <= CAP_SIP_MSG_BYTES + sizeof(big);
	    t++) {
		sctp_one(&f, 0x00, t, big, sizeof(big), 5080);
		run(228, f.b, f.n, f.n, 5);
	}
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 1);
	/* Many concurrent messages: slots are reused, nothing breaks. */
	for (uint16_t p = 0; p < 100; p++) {
		sctp_one(&f, 0x02, 1, "ab", 2, (uint16_t)(6000 + p));
		run(228, f.b, f.n, f.n, 10 + p);
	}
	sctp_one(&f, 0x01, 2, "cd", 2, 6099);
	run(228, f.b, f.n, f.n, 200);
	CU_ASSERT_EQUAL_FATAL(got.n, 3);
	CU_ASSERT_EQUAL(memcmp(got.p[2].payload, "abcd", 4), 0);
	sctp_one(&f, 0x01, 2, "cd", 2, 6000);
	run(228, f.b, f.n, f.n, 201);
	CU_ASSERT_EQUAL(got.n, 3);
}

static void
test_udp_bad_len(void)
{
	struct buf f = { .n = 0 };

	reset();
	ip4_udp_sip(&f);
	f.b[24] = 0;
	f.b[25] = 4;                /* UDP length 4 */
	run(228, f.b, f.n, f.n, 0);
	f.b[24] = 0x10;             /* 4100, beyond the IP payload */
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_UDP_BAD_LEN], 2);
	CU_ASSERT_EQUAL(got.n, 2);
	check_sip4(0, 0);
	check_sip4(1, 0);
	/* UDP length shorter than the IP payload clamps the payload. */
	reset();
	set16(&f, 24, 8 + 6);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].len, 6);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/*
 * Ethernet, IPv4 and UDP are decoded in one step when nothing about the
 * frame is unusual (decode.c: ether_ip4_udp); any other frame goes
 * through the layers.  Each variant of an IPv4/UDP datagram below, cut at
 * every length, as a full frame and as a snaplen-cut one, must give the
 * same packets, anomalies and counters straight after Ethernet as after
 * an 802.1Q tag (which the one-step path does not take): that path is
 * only a shortcut.
 */
struct decoded {
	int n;
	struct pkt p[2];
	uint8_t data[2][2048];
	struct anomalies an;
	struct decoder_stats st;
};

static void
decode_as(const uint8_t *dgram, size_t len, size_t wirelen, int vlan,
    struct decoded *out)
{
	struct buf f = { .n = 0 };

	reset();
	if (vlan) {
		eth(&f, 0x8100);
		put16(&f, 0x0064);
		put16(&f, 0x0800);
	} else
		eth(&f, 0x0800);
	put(&f, dgram, len);
	run(1, f.b, f.n, f.n - len + wirelen, 77);
	memset(out, 0, sizeof(*out));
	out->n = got.n;
	for (int i = 0; i < got.n && i < 2; i++) {
		out->p[i] = got.p[i];
		memcpy(out->data[i], got.data[i], sizeof(out->data[i]));
	}
	out->an = an;
	decoder_stats_get(dec, &out->st);
}

static void
same_as_layers(const uint8_t *dgram, size_t n)
{
	static struct decoded a, b;

	for (size_t len = 0; len <= n; len++)
		for (int cut = 0; cut < 2; cut++) {
			size_t wire = cut ? n + 100 : len;

			decode_as(dgram, len, wire, 0, &a);
			decode_as(dgram, len, wire, 1, &b);
			CU_ASSERT_EQUAL(a.n, b.n);
			CU_ASSERT_EQUAL(memcmp(&a.an, &b.an, sizeof(a.an)), 0);
			CU_ASSERT_EQUAL(memcmp(&a.st, &b.st, sizeof(a.st)), 0);
			for (int i = 0; i < a.n && i < b.n && i < 2; i++) {
				const struct pkt *x = &a.p[i], *y = &b.p[i];

				CU_ASSERT_EQUAL(x->l4, y->l4);
				CU_ASSERT_EQUAL(x->frame, y->frame);
				CU_ASSERT_EQUAL(x->ts_ns, y->ts_ns);
				CU_ASSERT_EQUAL(x->src.family, y->src.family);
				CU_ASSERT_EQUAL(x->src.port, y->src.port);
				CU_ASSERT_EQUAL(x->dst.port, y->dst.port);
				CU_ASSERT_EQUAL(memcmp(x->src.ip, y->src.ip, 16), 0);
				CU_ASSERT_EQUAL(memcmp(x->dst.ip, y->dst.ip, 16), 0);
				CU_ASSERT_EQUAL(x->len, y->len);
				CU_ASSERT_EQUAL(memcmp(a.data[i], b.data[i],
				    sizeof(a.data[i])), 0);
				CU_ASSERT_EQUAL(x->ip_len, y->ip_len);
				CU_ASSERT_EQUAL(x->nfrags, y->nfrags);
				CU_ASSERT_EQUAL(x->ip_df, y->ip_df);
				CU_ASSERT_EQUAL(x->ip_ttl, y->ip_ttl);
				CU_ASSERT_EQUAL(x->ip_id, y->ip_id);
				CU_ASSERT_EQUAL(x->encap_depth, y->encap_depth);
			}
		}
}

static void
test_eth_ip4_udp_shortcut(void)
{
	struct buf f = { .n = 0 };
	static const uint8_t pad[10] = { 0 };
	size_t o, k;

	ip4_udp_sip(&f);
	same_as_layers(f.b, f.n);               /* plain */
	f.b[6] = 0x40;                          /* DF, TTL 9, id 0xbeef */
	f.b[8] = 9;
	set16(&f, 4, 0xbeef);
	same_as_layers(f.b, f.n);
	k = f.n;
	put(&f, pad, sizeof(pad));              /* Ethernet padding */
	same_as_layers(f.b, f.n);
	f.n = k;
	set16(&f, 24, 8 + 6);                   /* UDP length < IP payload */
	same_as_layers(f.b, f.n);
	set16(&f, 24, 7);                       /* UDP length below 8 */
	same_as_layers(f.b, f.n);
	set16(&f, 24, 8 + SIPLEN + 1);          /* beyond the IP payload */
	same_as_layers(f.b, f.n);
	set16(&f, 24, 8 + SIPLEN);
	set16(&f, 2, 20 + 8 + SIPLEN + 4);      /* IP length beyond the data */
	same_as_layers(f.b, f.n);
	set16(&f, 2, 20 + 6);                   /* IP length below IP + UDP */
	same_as_layers(f.b, f.n);
	set16(&f, 2, 0);                        /* IP length 0 (offload) */
	same_as_layers(f.b, f.n);
	set16(&f, 2, 20 + 8 + SIPLEN);
	f.b[6] = 0x20;                          /* a first fragment */
	same_as_layers(f.b, f.n);
	f.b[6] = 0;
	f.b[7] = 1;                             /* a later fragment */
	same_as_layers(f.b, f.n);
	f.b[7] = 0;
	f.b[9] = 6;                             /* not UDP */
	same_as_layers(f.b, f.n);
	f.b[9] = 17;
	f.b[0] = 0x46;                          /* header length 24 */
	same_as_layers(f.b, f.n);
	f.b[0] = 0x55;                          /* version 5 */
	same_as_layers(f.b, f.n);
	f.n = 0;                                /* with options */
	o = ip4(&f, 17, A4, B4, 3, 0x4000, 4);
	udp(&f, 5060, 5062, SIP, SIPLEN);
	ip4_end(&f, o);
	same_as_layers(f.b, f.n);
	reset();
}

static void
test_ip_lengths(void)
{
	struct buf f = { .n = 0 };

	reset();
	ip4_udp_sip(&f);
	/* Really short: IP claims more than there is. */
	run(228, f.b, f.n - 10, f.n - 10, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_TOTLEN_BEYOND_DATA], 1);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].len, SIPLEN - 10);
	/* Cut by snaplen: decoded, no anomaly from the decoder. */
	reset();
	run(228, f.b, f.n - 10, f.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].len, SIPLEN - 10);
	CU_ASSERT_EQUAL(memcmp(got.p[0].payload, SIP, SIPLEN - 10), 0);
	/* IHL 4, total length below the header, total length 0 (TSO). */
	reset();
	f.b[0] = 0x44;
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_BAD_HLEN], 1);
	f.b[0] = 0x45;
	set16(&f, 2, 12);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_BAD_TOTLEN], 1);
	set16(&f, 2, 0);
	run(228, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_BAD_TOTLEN], 2);
	CU_ASSERT_EQUAL(got.n, 1);
	check_sip4(0, 0);
	/* Version 5 on a raw link. */
	f.b[0] = 0x55;
	run(101, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_IP_BAD_VERSION], 1);
}

static void
test_icmp_quoted_sip(void)
{
	struct buf f = { .n = 0 };
	size_t o;

	reset();
	eth(&f, 0x0800);
	o = ip4(&f, 1, B4, A4, 5, 0, 0);
	put32(&f, 0x0303abcd);      /* port unreachable */
	put32(&f, 0);
	ip4_udp_sip(&f);
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 1);
	/* Counted, and handed up as SIP refused on the way (never as SIP):
	 * the quoted endpoints, the reporter, the type and code, the quote. */
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_SIP_UNREACH);
	CU_ASSERT_EQUAL(got.p[0].icmp_type, 3);
	CU_ASSERT_EQUAL(got.p[0].icmp_code, 3);
	CU_ASSERT_EQUAL(memcmp(got.p[0].reporter.ip, B4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[0].src.ip, A4, 4), 0);
	CU_ASSERT_EQUAL(got.p[0].dst.port, 5062);
	CU_ASSERT(got.p[0].len > 0);
	got.n = 0;
	/* An echo request carrying the same bytes is not counted. */
	f.b[34] = 8;
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 1);
	CU_ASSERT_EQUAL(got.n, 0);
	/* Nor is a quoted datagram that is not SIP: that one goes up as a
	 * refusal of its flow, with the quoted endpoints and the reporter. */
	f.b[34] = 3;
	memcpy(f.b + 14 + 20 + 8 + 28, "GET / HTTP/1.1", 14);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 1);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_UNREACH);
	CU_ASSERT_EQUAL(got.p[0].len, 0);
	CU_ASSERT_EQUAL(memcmp(got.p[0].reporter.ip, B4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[0].src.ip, A4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[0].dst.ip, B4, 4), 0);
	CU_ASSERT_EQUAL(got.p[0].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[0].dst.port, 5062);
	/* A time exceeded (type 11) quoting the same is not a refusal. */
	f.b[34] = 11;
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(got.n, 1);
	f.b[34] = 3;
	{
		struct decoder_stats st;

		decoder_stats_get(dec, &st);
		CU_ASSERT_EQUAL(st.icmp, 4);
		CU_ASSERT_EQUAL(st.udp, 0);
	}
	/* ICMPv6 destination unreachable quoting a SIP response. */
	got.n = 0;
	f.n = 0;
	o = ip6(&f, 58, B6, A6);
	put32(&f, 0x01040000);
	put32(&f, 0);
	{
		size_t q = ip6(&f, 17, A6, B6);

		udp(&f, 5060, 5062, "SIP/2.0 200 OK\r\n", 16);
		ip6_end(&f, q);
	}
	ip6_end(&f, o);
	run(229, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 2);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_SIP_UNREACH);
	CU_ASSERT_EQUAL(got.p[0].icmp_type, 1);
	CU_ASSERT_EQUAL(got.p[0].icmp_code, 4);
	truncations(229, &f);
}

/*
 * An ICMP error quoting a UDP datagram with `quote` as its payload
 * (an IPv4 frame from B4 about A4:5060 -> B4:5062).
 */
static void
icmp_quote(struct buf *f, const char *quote)
{
	size_t o, q;

	f->n = 0;
	eth(f, 0x0800);
	o = ip4(f, 1, B4, A4, 5, 0, 0);
	put32(f, 0x0303abcd);       /* port unreachable */
	put32(f, 0);
	q = ip4(f, 17, A4, B4, 1, 0, 0);
	udp(f, 5060, 5062, quote, strlen(quote));
	ip4_end(f, q);
	ip4_end(f, o);
}

/*
 * Routers quote as little as 8 bytes of the datagram (RFC 792): a quote
 * cut inside the start line is still SIP (the recogniser of sipframe.c,
 * on a beginning); no payload at all cannot be told and is a refusal.
 */
static void
test_icmp_quote_cut(void)
{
	struct buf f = { .n = 0 };

	reset();
	icmp_quote(&f, "INVITE sip:bo");
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 1);
	CU_ASSERT_EQUAL(got.n, 1);
	icmp_quote(&f, "SIP/2.0 1");
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 2);
	/* both handed up as SIP refused on the way */
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_SIP_UNREACH);
	CU_ASSERT_EQUAL(got.p[1].l4, PKT_ICMP_SIP_UNREACH);
	got.n = 0;
	/* Not a beginning of SIP: a refusal of the flow. */
	icmp_quote(&f, "INVITE sip:bob@b SIP/1.0");
	run(1, f.b, f.n, f.n, 0);
	icmp_quote(&f, "");
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 2);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_UNREACH);
	CU_ASSERT_EQUAL(got.p[1].l4, PKT_ICMP_UNREACH);
	CU_ASSERT_EQUAL(got.p[1].dst.port, 5062);
}

/*
 * ICMP fragmentation needed (type 3 code 4) quoting SIP goes up as
 * PKT_ICMP_TOOBIG, with the MTU, the quoted length and DF, and the SIP
 * bytes quoted; ICMPv6 packet too big (type 2) the same.  The anomaly is
 * counted as for any quoted SIP.
 */
static void
test_icmp_too_big(void)
{
	struct buf f = { .n = 0 };
	size_t o, q;

	reset();
	eth(&f, 0x0800);
	o = ip4(&f, 1, B4, A4, 5, 0, 0);
	put32(&f, 0x0304abcd);      /* fragmentation needed */
	put32(&f, 1400);            /* unused, next-hop MTU */
	q = ip4(&f, 17, A4, B4, 1, 0x4000, 0);
	udp(&f, 5060, 5062, "INVITE sip:bob@b SIP/2.0\r\n", 26);
	ip4_end(&f, q);
	set16(&f, q + 2, 1407);     /* as the router saw it, before the cut */
	ip4_end(&f, o);
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 1);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_TOOBIG);
	CU_ASSERT_EQUAL(got.p[0].icmp_mtu, 1400);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 1407);
	CU_ASSERT_EQUAL(got.p[0].ip_df, 1);
	CU_ASSERT_EQUAL(memcmp(got.p[0].reporter.ip, B4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.p[0].src.ip, A4, 4), 0);
	CU_ASSERT_EQUAL(got.p[0].src.port, 5060);
	CU_ASSERT_EQUAL(got.p[0].dst.port, 5062);
	CU_ASSERT_EQUAL(got.p[0].len, 26);
	CU_ASSERT_EQUAL(memcmp(got.data[0], "INVITE", 6), 0);
	/* Port unreachable quoting the same SIP: counted, and emitted as a
	 * refusal (no MTU), never as too big. */
	f.b[14 + 20 + 1] = 3;
	run(1, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 2);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(got.p[1].l4, PKT_ICMP_SIP_UNREACH);
	CU_ASSERT_EQUAL(got.p[1].icmp_code, 3);
	CU_ASSERT_EQUAL(got.p[1].icmp_mtu, 0);

	/* ICMPv6 packet too big, MTU 1280. */
	got.n = 0;
	f.n = 0;
	o = ip6(&f, 58, B6, A6);
	put32(&f, 0x02000000);
	put32(&f, 1280);
	q = ip6(&f, 17, A6, B6);
	udp(&f, 5060, 5062, "SIP/2.0 200 OK\r\n", 16);
	ip6_end(&f, q);
	ip6_end(&f, o);
	run(229, f.b, f.n, f.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_ICMP_QUOTED_SIP], 3);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.p[0].l4, PKT_ICMP_TOOBIG);
	CU_ASSERT_EQUAL(got.p[0].icmp_mtu, 1280);
	CU_ASSERT_EQUAL(got.p[0].ip_len, 40 + 8 + 16);
	truncations(229, &f);
}

/* ---- robustness ---- */

static void
test_random_bytes(void)
{
	static const int links[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
	uint8_t b[600];
	uint32_t x = 12345;

	reset();
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(x % sizeof(b));

		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (uint8_t)(x >> 16);
		}
		/* Make the interesting paths likely. */
		if (n > 40) {
			b[0] = (round & 1) ? 0x45 : 0x60;
			b[9] = (uint8_t[]){ 17, 6, 132, 47, 4, 41, 1, 58 }[round % 8];
			b[6] = (uint8_t[]){ 17, 6, 132, 47, 4, 41, 44, 0 }[round % 8];
		}
		run(links[round % 9], b, n, n + (size_t)(round & 1), round);
	}
	decoder_expire(dec, INT64_MAX / 2, &an);
	CU_PASS("no crash on random bytes");
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "ethernet QinQ IPv4 options padding", test_eth_qinq_ipv4_options_padding },
		{ "vlan too deep", test_vlan_too_deep },
		{ "linux sll", test_sll },
		{ "linux sll2", test_sll2 },
		{ "null and loop", test_null_loop },
		{ "raw ipv6 ext headers", test_raw_ipv6_ext_headers },
		{ "ipv6 ext too many", test_ipv6_ext_too_many },
		{ "link misc", test_link_misc },
		{ "mpls and pppoe", test_mpls_pppoe },
		{ "ip in ip", test_ipip },
		{ "encap too deep", test_encap_too_deep },
		{ "gre key seq", test_gre_key_seq },
		{ "gre erspan II and I", test_gre_erspan2_and_1 },
		{ "erspan III", test_erspan3 },
		{ "gre v1 ppp", test_gre_v1_ppp },
		{ "ipv4 fragments orders", test_ipv4_frag_orders },
		{ "ipv4 fragments overlap", test_ipv4_frag_overlap },
		{ "ipv4 fragments too many, timeout", test_ipv4_frag_too_many_and_timeout },
		{ "ipv4 fragment truncated", test_ipv4_frag_truncated_piece },
		{ "ipv6 fragments", test_ipv6_frag },
		{ "tcp", test_tcp },
		{ "sctp", test_sctp },
		{ "sctp pieces", test_sctp_pieces },
		{ "udp bad length", test_udp_bad_len },
		{ "ip lengths", test_ip_lengths },
		{ "ethernet IPv4 UDP shortcut", test_eth_ip4_udp_shortcut },
		{ "icmp quoted sip", test_icmp_quoted_sip },
		{ "icmp too big quoting sip", test_icmp_too_big },
		{ "icmp quote cut short", test_icmp_quote_cut },
		{ "random bytes", test_random_bytes },
	};

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("decode", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL) {
			CU_cleanup_registry();
			return 2;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	decoder_free(dec);
	return fails != 0;
}
