/*
 * sdp.c - a bounded, line-by-line SDP parser (RFC 8866, formerly 4566)
 * for the fields NAT and SIP ALGs rewrite.
 *
 * An SDP body is a sequence of "<type>=<value>" lines ending in CRLF (bare
 * LF tolerated).  Lines before the first m= describe the session; each m=
 * opens a media description whose lines override the session ones:
 *
 *	v=0
 *	o=<user> <sess-id> <sess-version> IN IP4 <addr>      origin
 *	s=<name>
 *	i=<text>                  session information (Fortinet nat-trace)
 *	c=IN IP4 <addr>[/ttl[/n]] session connection (default for media)
 *	a=sendrecv                session direction (RFC 3264 section 5.1)
 *	m=<media> <port>[/<n>] <proto> <fmt> ...
 *	c=IN IP4 <addr>           media connection (wins over the session one)
 *	a=rtpmap:<pt> <name>/<rate>[/<channels>]
 *	a=rtcp:<port> [IN IP4 <addr>]                        (RFC 3605)
 *	a=candidate:<fnd> <comp> <transport> <prio> <addr> <port> typ <type> ...
 *	                                                     (RFC 8445/8839)
 *
 * We write our own parser instead of libosip2's sdp_message_parse so the
 * behaviour on hostile bodies is ours: every line is found by a bounded
 * scan (struct lines), capped at CAP_SIP_LINE_BYTES, and every field
 * is copied into a fixed-size scratch array (struct sdp_state, on the
 * stack), which caps it at the SDP_*_BYTES of sdp.h.  Unknown line types
 * and attributes are ignored (RFC 8866 section 5 asks parsers to do so); a
 * line that is not "<letter>=" or whose known fields do not parse marks
 * the body SDP_UNPARSEABLE once, and the rest of the body is still used.
 * m= lines beyond CAP_SDP_MEDIA count SDP_TOO_MANY_MEDIA and their lines
 * are skipped; payload types and candidates beyond their caps are dropped
 * and count SDP_VALUES_CAP (once per body each).
 *
 * Bodies stay in memory as long as their dialog, so the result is packed
 * into one right-sized block: the struct sdp, then its media, candidate
 * and payload arrays sized to the counts really seen, then the strings.
 * The same packing code measures (arena without a base) and copies, so
 * the size and the layout cannot disagree.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "sip/sdp.h"
#include "base/text.h"

/* A span of bytes inside the body; never NUL-terminated. */
struct span {
	const uint8_t *p;
	size_t len;
};

/*
 * Per-media facts only needed while parsing, and the fixed-size buffers
 * the media's strings and arrays point to until sdp_pack copies them.
 * What every media writes comes first, in three cache lines (the scratch
 * is cold when a body starts: its scattered fields cost a D1 miss each);
 * the candidates and the a=rtcp address, seldom there, come last.
 */
struct media_tmp {
	bool dir_set;             /* direction attribute at media level */
	bool rtcp_has_addr;
	bool codec_from_rtpmap;
	/* strlen() of each string below, noted as it is written (NOTED) */
	uint8_t media_len, proto_len, codec_len;
	uint8_t cand_type_len[CAP_SDP_CANDIDATES];
	size_t conn_len;
	char media[SDP_MEDIA_NAME_BYTES];
	char proto[SDP_PROTO_BYTES];
	char codec[SDP_CODEC_BYTES];
	int payloads[CAP_SDP_PAYLOADS];
	char conn_text[SDP_ADDR_TEXT_BYTES];
	struct sdp_candidate cand[CAP_SDP_CANDIDATES];
	char cand_type[CAP_SDP_CANDIDATES][SDP_CAND_TYPE_BYTES];
	char rtcp_addr[64];       /* a=rtcp address as written */
};

/*
 * Parse scratch (a few KB, on the stack); s points into it.  Ordered as
 * a body touches it: the scalars and the struct sdp (cleared whole, up
 * to o_user), the session strings, then the media.
 */
struct sdp_state {
	struct sdp *s;
	const uint8_t *lo;        /* the body's start (span_uint) */
	int cur;                  /* media index, -1 at session level */
	bool skipping;            /* inside an m= beyond the cap */
	bool bad;                 /* a malformed line was seen */
	bool too_many;            /* an m= line beyond CAP_SDP_MEDIA */
	bool over_cap;            /* a payload/candidate cap was hit */
	size_t origin_len;        /* strlen(origin_text), 0 before o= */
	size_t conn_len;          /* strlen(conn_text), 0 before c= */
	uint8_t o_user_len, o_sess_id_len, i_line_len;  /* strlen() too */
	struct sdp sdp;
	char o_user[SDP_O_USER_BYTES];
	char o_sess_id[SDP_O_SESS_ID_BYTES];
	char origin_text[SDP_ADDR_TEXT_BYTES];
	char conn_text[SDP_ADDR_TEXT_BYTES];
	char i_line[SDP_I_LINE_BYTES];
	struct sdp_media media[CAP_SDP_MEDIA];
	struct media_tmp tmp[CAP_SDP_MEDIA];
};

/*
 * Static payload types of RFC 3551 section 6 (and the historic ones still
 * seen in captures).  G.722 is listed at 8000 Hz on purpose: RFC 3551
 * section 4.5.2 keeps its RTP clock at 8000 for compatibility although it
 * samples at 16 kHz.
 */
/* NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding): small table */
static const struct {
	int pt;
	const char *name;
	uint32_t rate;
} static_pt[] = {
	{ 0, "PCMU", 8000 },
	{ 3, "GSM", 8000 },
	{ 4, "G723", 8000 },
	{ 5, "DVI4", 8000 },
	{ 6, "DVI4", 16000 },
	{ 7, "LPC", 8000 },
	{ 8, "PCMA", 8000 },
	{ 9, "G722", 8000 },
	{ 10, "L16", 44100 },
	{ 11, "L16", 44100 },
	{ 12, "QCELP", 8000 },
	{ 13, "CN", 8000 },
	{ 14, "MPA", 90000 },
	{ 15, "G728", 8000 },
	{ 16, "DVI4", 11025 },
	{ 17, "DVI4", 22050 },
	{ 18, "G729", 8000 },
	{ 25, "CelB", 90000 },
	{ 26, "JPEG", 90000 },
	{ 28, "nv", 90000 },
	{ 31, "H261", 90000 },
	{ 32, "MPV", 90000 },
	{ 33, "MP2T", 90000 },
	{ 34, "H263", 90000 },
};

/*
 * SDP_REFERENCE (tests/unit/test_sdp.c compiles this file again with it)
 * turns every fast path below off: tokens are scanned a byte at a time,
 * lines and separators are found with memchr(), c= takes the general
 * path and numbers and names go to text.c, so the two builds must parse
 * every body alike.
 */
#if defined(__SSE2__) && !defined(SDP_REFERENCE)
#include <emmintrin.h>
#define SDP_SSE2 1
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(SDP_REFERENCE)
#define SDP_SWAR 1
#define SWAR_LO 0x0101010101010101ULL
#define SWAR_HI 0x8080808080808080ULL
/*
 * Bit 7 of the bytes of x (eight bytes in memory order, little-endian)
 * below 0x21: SP, HTAB and the other controls.  A byte can be flagged
 * wrongly only above one that really is (a borrow runs upwards), so the
 * lowest flag is exact.
 */
static inline uint64_t
swar_low(uint64_t x)
{
	return (x - SWAR_LO * 0x21) & ~x & SWAR_HI;
}
#endif

/*
 * The first SP or HTAB in [p, end), else end; the bytes in [start, p)
 * are known to be neither (start <= p).  Words are searched for bytes
 * below 0x21; the first such byte ends the token when it is SP or HTAB,
 * else (a control byte inside a token) the search goes on after it.
 */
static inline __attribute__((always_inline)) const uint8_t *
find_blank(const uint8_t *start, const uint8_t *p, const uint8_t *end)
{
#ifdef SDP_SWAR
	uint64_t x, m;

	for (;;) {
		const uint8_t *q;

		if (end - p >= 8) {
			memcpy(&x, p, 8);
			if ((m = swar_low(x)) == 0) {
				p += 8;
				continue;
			}
			q = p + __builtin_ctzll(m) / 8;
		} else if (p == end) {
			return end;
		} else if (end - start >= 8) {
			/*
			 * The last eight bytes, overlapping known ones (which
			 * may be low bytes too: their flags are dropped).
			 */
			memcpy(&x, end - 8, 8);
			m = swar_low(x) & (~0ULL << (8 * (p - (end - 8))));
			if (m == 0)
				return end;
			q = end - 8 + __builtin_ctzll(m) / 8;
		} else {
			break;
		}
		if (*q == ' ' || *q == '\t')
			return q;
		p = q + 1;        /* q too is known to be neither; q >= p */
	}
#else
	(void)start;
#endif
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/*
 * Splits the next blank-separated token off *s; false when none is left.
 * *s then starts after the blank that ended the token (find_blank has
 * looked at it: the next call's skip need not test it again), or is
 * empty.  Inlined into every field parser: its spans then stay in
 * registers (a call per token was most of the cost of a line).
 */
static inline __attribute__((always_inline)) bool
next_token(struct span *s, struct span *tok)
{
	const uint8_t *p = s->p, *end = p + s->len, *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end) {
		s->p = end;
		s->len = 0;
		return false;
	}
	q = find_blank(p, p + 1, end);
	tok->p = p;
	tok->len = (size_t)(q - p);
	if (q < end)
		q++;              /* the SP or HTAB find_blank stopped at */
	s->p = q;
	s->len = (size_t)(end - q);
	return true;
}

/*
 * The first c in s, else NULL: memchr() inline.  The spans searched (an
 * attribute's name, "PCMU/8000", an address) are a few bytes long and a
 * call's set-up and exit cost more than the search; eight bytes a step
 * (a byte xor c is zero exactly where it is c, and the lowest flag of
 * the zero-byte test is exact), the tail as the last eight, overlapping
 * bytes already known to differ, and a span under eight bytes a byte at
 * a time.
 */
static inline __attribute__((always_inline)) const uint8_t *
span_chr(struct span s, uint8_t c)
{
#ifdef SDP_SWAR
	const uint8_t *p = s.p, *end = s.p + s.len;
	const uint64_t cc = SWAR_LO * c;
	uint64_t x, m;

	if (s.len >= 8) {
		for (; end - p >= 8; p += 8) {
			memcpy(&x, p, 8);
			x ^= cc;
			if ((m = (x - SWAR_LO) & ~x & SWAR_HI) != 0)
				return p + __builtin_ctzll(m) / 8;
		}
		if (p == end)
			return NULL;
		memcpy(&x, end - 8, 8);
		x ^= cc;
		m = (x - SWAR_LO) & ~x & SWAR_HI &
		    (~0ULL << (8 * (p - (end - 8))));
		return m != 0 ? end - 8 + __builtin_ctzll(m) / 8 : NULL;
	}
	for (; p < end; p++)
		if (*p == c)
			return p;
	return NULL;
#else
	return s.len > 0 ? memchr(s.p, c, s.len) : NULL;
#endif
}

/* Cuts s at its first c, if any. */
static inline __attribute__((always_inline)) void
cut_at(struct span *s, uint8_t c)
{
	const uint8_t *q = span_chr(*s, c);

	if (q != NULL)
		s->len = (size_t)(q - s->p);
}

/* Splits *s at the first c: *head gets the part before, *s the rest. */
static inline __attribute__((always_inline)) bool
split_at(struct span *s, uint8_t c, struct span *head)
{
	const uint8_t *q = span_chr(*s, c);

	if (q == NULL)
		return false;
	head->p = s->p;
	head->len = (size_t)(q - s->p);
	s->len -= head->len + 1;
	s->p = q + 1;
	return true;
}

/*
 * text_ieq(n, lc) for lc a literal of lower-case letters only: at most
 * eight of them are compared as one word with bit 5 set in every byte,
 * which turns exactly the upper-case letter into its lower-case one and
 * no other byte into a lower-case letter.  text_ieq compares names
 * shorter than eight bytes a byte at a time, folding each side's case,
 * and attribute names are matched on every a= line.
 */
static inline __attribute__((always_inline)) bool
name_is(struct span n, const char *lc)
{
	size_t len = strlen(lc);
	uint64_t x = 0, y = 0;

#ifdef SDP_REFERENCE
	len = 9;          /* text_ieq, the reference */
#endif
	if (len > 8)
		return text_ieq(n.p, n.len, lc);
	if (n.len != len)
		return false;
	memcpy(&x, n.p, len);
	memcpy(&y, lc, len);
	return (x | (0x2020202020202020ULL >> (8 * (8 - len)))) == y;
}

#ifdef SDP_SWAR
/*
 * The value of the one to eight bytes before end when all are digits,
 * else -1 (as an unsigned: above any value).  The eight bytes before end
 * are read as one word (the caller knows them to be inside the body),
 * those before the len wanted made '0', checked in one go and converted
 * with three multiplications (digits in memory order, the first the
 * most significant).
 */
static inline uint64_t
digits8(const uint8_t *end, size_t len)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL, zeros = SWAR_LO * '0';
	uint64_t x, pad = len < 8 ? ~0ULL >> (8 * len) : 0;

	memcpy(&x, end - 8, 8);
	x = (x & ~pad) | (zeros & pad);
	/* Every byte 0x30-0x3f, and none above 0x39 (+6 carries out). */
	if ((x & hi) != zeros || ((x + SWAR_LO * 6) & hi) != zeros)
		return UINT64_MAX;
	x -= zeros;
	x = x * 10 + (x >> 8);
	return ((x & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32)) +
	    ((x >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32))) >>
	    32;
}
#endif

/*
 * text_parse_uint of t; one to nineteen digits (ports, payload types,
 * ptime, clock rates, the o= version) are read inline (text.h's
 * text_uint_plain), as text_parse_uint reads them first: an SDP body has
 * some six numbers and the call was a third of their cost.  The o= version,
 * often eight to ten digits, was the one call left in a common body.
 *
 * lo, when not NULL, is the start of the body t lies in: three to
 * sixteen digits with at least eight (sixteen) body bytes before t's end
 * are then read a word of eight at a time (digits8) instead of a byte at
 * a time (nine instructions a digit; a body has some twenty digits; one
 * or two digits are cheaper a byte at a time).  Every number parsed
 * follows "v=", a LF, "<type>=", a token and a blank (seven bytes), so
 * the bound always holds; it is tested all the same, so that no read
 * can start before the body whatever the callers become.
 */
static inline __attribute__((always_inline)) int
span_uint(struct span t, uint64_t max, uint64_t *out, const uint8_t *lo)
{
#ifndef SDP_REFERENCE
	uint64_t v = UINT64_MAX;
	int r;

#ifdef SDP_SWAR
	const uint8_t *end = t.p + t.len;

	if (lo != NULL && t.len - 3 < 14 && end - lo >= 8 &&
	    (t.len <= 8 || end - lo >= 16)) {
		v = digits8(end, t.len < 8 ? t.len : 8);
		if (t.len > 8 && v != UINT64_MAX) {
			uint64_t h = digits8(end - 8, t.len - 8);

			v = h != UINT64_MAX ? h * 100000000 + v : h;
		}
	}
#else
	(void)lo;
#endif
	if (v != UINT64_MAX) {
		if (v > max)
			return -1;
		*out = v;
		return 0;
	}
	if ((r = text_uint_plain(t.p, t.len, max, out)) != 1)
		return r;
#else
	(void)lo;
#endif
	return text_parse_uint(t.p, t.len, max, out);
}

/*
 * text_copy(dst, cap, p, n), its length (at most cap - 1 <= 255, NULs
 * replaced, so strlen(dst)) noted in *len for sdp_pack_plan.
 */
static inline __attribute__((always_inline)) void
copy_noted(char *dst, size_t cap, uint8_t *len, const uint8_t *p, size_t n)
{
	text_copy(dst, cap, p, n);
	*len = (uint8_t)(n < cap - 1 ? n : cap - 1);
}

/*
 * An address parse_addr() has filled: its endpoint, its text and that
 * text's length.
 */
struct addr_out {
	struct ep *e;
	char *text;
	size_t *len;
};

/*
 * Parses "<addr>[/ttl[/n]]" (the slash suffixes are multicast only) into
 * out (text at most SDP_ADDR_TEXT_BYTES - 1 bytes); host names leave the
 * endpoint at family 0.
 *
 * prev, when not NULL, is an address parsed before (c= after o=, a
 * media's c= after the session's): the same bytes give the same result,
 * so when its text holds exactly these bytes (none cut: shorter than the
 * cap; none replaced: text_copy writes '?' for a NUL, which then differs)
 * the result is copied, not parsed again.  Most bodies write one address
 * in o= and c=; parsing it twice cost some 90 instructions of a body's
 * 3,300.
 */
static void
parse_addr(struct span a, const struct addr_out *out,
    const struct addr_out *prev)
{
	cut_at(&a, '/');
	*out->len = a.len < SDP_ADDR_TEXT_BYTES - 1 ? a.len :
	    SDP_ADDR_TEXT_BYTES - 1;
	if (prev != NULL && a.len == *prev->len &&
	    a.len < SDP_ADDR_TEXT_BYTES - 1 &&
	    memcmp(prev->text, a.p, a.len) == 0) {
		memcpy(out->text, prev->text, a.len + 1);
		*out->e = *prev->e;
		out->e->port = 0;
		return;
	}
	text_copy(out->text, SDP_ADDR_TEXT_BYTES, a.p, a.len);
	ep_clear(out->e);
	(void)ep_parse_ip(out->e, (const char *)a.p, a.len);
}

#ifdef SDP_SWAR
/*
 * True when p[0..7) is "IN IP4 " or "IN IP6 ", the nettype and addrtype
 * as nearly every agent writes them, compared as one word: p[0..8) must
 * be readable (p[7] is not compared).
 */
static inline __attribute__((always_inline)) bool
in_ip(const uint8_t *p)
{
	uint64_t x, in4, in6;

	memcpy(&x, p, 8);
	memcpy(&in4, "IN IP4 ", 8);
	memcpy(&in6, "IN IP6 ", 8);
	x &= 0x00ffffffffffffffULL;
	return x == in4 || x == in6;
}
#endif

/* o=<user> <sess-id> <sess-version> <nettype> <addrtype> <addr> */
static bool
parse_o(struct sdp_state *st, struct span v)
{
	struct sdp *s = st->s;
	struct span user, id, ver, nt, at, addr;
	uint64_t n;

	if (!next_token(&v, &user) || !next_token(&v, &id) ||
	    !next_token(&v, &ver))
		return false;
#ifdef SDP_SWAR
	/*
	 * "IN IP4 <addr>" after the version's blank (nettype and addrtype
	 * are not checked: only there) as the two next_token() calls below
	 * would skip it: the address starts after the one blank after IP4.
	 */
	if (v.len >= 8 && in_ip(v.p) && v.p[7] != ' ' && v.p[7] != '\t') {
		addr.p = v.p + 7;
		addr.len = (size_t)(find_blank(addr.p, addr.p + 1,
		    v.p + v.len) - addr.p);
	} else
#endif
	if (!next_token(&v, &nt) || !next_token(&v, &at) ||
	    !next_token(&v, &addr))
		return false;
	copy_noted(st->o_user, sizeof(st->o_user), &st->o_user_len, user.p,
	    user.len);
	copy_noted(st->o_sess_id, sizeof(st->o_sess_id), &st->o_sess_id_len,
	    id.p, id.len);
	if (span_uint(ver, UINT64_MAX, &n, st->lo) != 0)
		return false;
	s->o_version = n;
	parse_addr(addr, &(struct addr_out){ &s->origin, st->origin_text,
	    &st->origin_len }, NULL);
	return true;
}

/* c=<nettype> <addrtype> <addr>[/ttl[/n]] */
static bool
parse_c(struct span v, const struct addr_out *out,
    const struct addr_out *prev)
{
	struct span nt, at, addr, extra;

#ifdef SDP_SWAR
	/*
	 * "IN IP4 <addr>" as nearly every agent writes it: the first two
	 * tokens in one compare, then the address and nothing but blanks
	 * after it, as the general path below would find them.
	 */
	if (v.len >= 8 && v.p[7] != ' ' && v.p[7] != '\t') {
		const uint8_t *end = v.p + v.len, *q;

		if (in_ip(v.p)) {
			addr.p = v.p + 7;
			q = find_blank(addr.p, addr.p + 1, end);
			addr.len = (size_t)(q - addr.p);
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q != end)
				return false;
			parse_addr(addr, out, prev);
			return true;
		}
	}
#endif
	if (!next_token(&v, &nt) || !next_token(&v, &at) ||
	    !next_token(&v, &addr) || next_token(&v, &extra))
		return false;
	if (!name_is(nt, "in") ||
	    (!text_ieq(at.p, at.len, "IP4") && !text_ieq(at.p, at.len, "IP6")))
		return false;
	parse_addr(addr, out, prev);
	return true;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static bool
parse_m(struct sdp_state *st, struct sdp_media *m, struct media_tmp *t,
    struct span v)
{
	struct span media, port, proto, fmt, count;
	uint64_t n;

	if (!next_token(&v, &media) || !next_token(&v, &count) ||
	    !next_token(&v, &proto))
		return false;
	copy_noted(t->media, sizeof(t->media), &t->media_len, media.p,
	    media.len);
	copy_noted(t->proto, sizeof(t->proto), &t->proto_len, proto.p,
	    proto.len);
	m->nports = 1;
	/*
	 * "<port>/<count>": split_at leaves the count in count.  A token
	 * that is a number has no '/' (text_parse_uint takes digits and
	 * blanks only): the usual port is read without looking for one.
	 */
	if (span_uint(count, 65535, &n, st->lo) != 0) {
		if (split_at(&count, '/', &port)) {
			if (span_uint(count, 65535, &n, st->lo) != 0 ||
			    n == 0)
				return false;
			m->nports = (uint16_t)n;
		} else {
			port = count;
		}
		if (span_uint(port, 65535, &n, st->lo) != 0)
			return false;
	}
	m->port = (uint16_t)n;
	while (next_token(&v, &fmt)) {
		if (span_uint(fmt, 127, &n, st->lo) != 0) {
			/* Non-RTP formats (udptl t38, "*"): name the first. */
			if (m->npayloads == 0 && m->codec[0] == '\0')
				copy_noted(t->codec, sizeof(t->codec),
				    &t->codec_len, fmt.p, fmt.len);
			continue;
		}
		if (m->npayloads >= CAP_SDP_PAYLOADS) {
			st->over_cap = true;
			continue;
		}
		m->payloads[m->npayloads++] = (int)n;
	}
	return true;
}

/* rtcp:<port> [IN IP4 <addr>] (RFC 3605 section 2.1) */
static bool
parse_rtcp(struct sdp_media *m, struct media_tmp *t, struct span v)
{
	struct span port, nt, at, addr;
	uint64_t n;

	if (!next_token(&v, &port) || span_uint(port, 65535, &n, NULL) != 0)
		return false;
	m->has_rtcp = true;
	m->rtcp.port = (uint16_t)n;
	if (next_token(&v, &nt)) {
		if (!next_token(&v, &at) || !next_token(&v, &addr))
			return false;
		t->rtcp_has_addr = true;
		cut_at(&addr, '/');
		text_copy(t->rtcp_addr, sizeof(t->rtcp_addr), addr.p,
		    addr.len);
	}
	return true;
}

/* rtpmap:<pt> <name>/<rate>[/<channels>] */
static bool
parse_rtpmap(struct sdp_media *m, struct media_tmp *t, struct span v,
    const uint8_t *lo)
{
	struct span pt, enc, name;
	uint64_t n, rate;

	if (!next_token(&v, &pt) || !next_token(&v, &enc) ||
	    span_uint(pt, 127, &n, lo) != 0)
		return false;
	if (!split_at(&enc, '/', &name) || name.len == 0)
		return false;
	/*
	 * enc now holds "<rate>[/<channels>]"; a number has no '/' (as
	 * parse_m's port).
	 */
	if (span_uint(enc, UINT32_MAX, &rate, lo) != 0) {
		cut_at(&enc, '/');
		if (span_uint(enc, UINT32_MAX, &rate, lo) != 0)
			return false;
	}
	if (n >= 96 && text_ieq(name.p, name.len, "telephone-event"))
		m->event_pt = (int)n;
	if (m->npayloads > 0 && m->payloads[0] == (int)n &&
	    !t->codec_from_rtpmap) {
		copy_noted(t->codec, sizeof(t->codec), &t->codec_len, name.p,
		    name.len);
		m->clock_rate = (uint32_t)rate;
		t->codec_from_rtpmap = true;
	}
	return true;
}

/*
 * candidate:<foundation> <component> <transport> <priority> <addr> <port>
 * typ <type> [...]  (RFC 8839 section 5.1)
 */
static bool
parse_candidate(struct sdp_state *st, struct sdp_media *m,
    struct media_tmp *t, struct span v)
{
	struct span fnd, comp, tr, prio, addr, port, typ, type;
	struct sdp_candidate *c;
	uint64_t n;

	if (!next_token(&v, &fnd) || !next_token(&v, &comp) ||
	    !next_token(&v, &tr) || !next_token(&v, &prio) ||
	    !next_token(&v, &addr) || !next_token(&v, &port) ||
	    !next_token(&v, &typ) || !next_token(&v, &type))
		return false;
	if (!name_is(typ, "typ") ||
	    span_uint(port, 65535, &n, st->lo) != 0)
		return false;
	if (m->ncand >= CAP_SDP_CANDIDATES) {
		st->over_cap = true;
		return true;
	}
	c = &m->cand[m->ncand];
	ep_clear(&c->addr);
	/* mDNS (.local) candidates keep family 0. */
	(void)ep_parse_ip(&c->addr, (const char *)addr.p, addr.len);
	c->addr.port = (uint16_t)n;
	copy_noted(t->cand_type[m->ncand], sizeof(t->cand_type[m->ncand]),
	    &t->cand_type_len[m->ncand], type.p, type.len);
	c->type = t->cand_type[m->ncand];
	m->ncand++;
	return true;
}

static bool
parse_dir(struct span name, enum sdp_dir *d)
{
	if (name_is(name, "sendrecv"))
		*d = SDP_SENDRECV;
	else if (name_is(name, "sendonly"))
		*d = SDP_SENDONLY;
	else if (name_is(name, "recvonly"))
		*d = SDP_RECVONLY;
	else if (name_is(name, "inactive"))
		*d = SDP_INACTIVE;
	else
		return false;
	return true;
}

/* a=<name>[:<value>] */
static bool
parse_a(struct sdp_state *st, struct span v)
{
	struct sdp *s = st->s;
	struct sdp_media *m = st->cur >= 0 ? &s->media[st->cur] : NULL;
	struct media_tmp *t = st->cur >= 0 ? &st->tmp[st->cur] : NULL;
	struct span name, val = v;
	enum sdp_dir d;
	uint64_t n;

	if (!split_at(&val, ':', &name)) {
		name = v;
		val.p = v.p + v.len;
		val.len = 0;
	}
	text_trim(&name.p, &name.len);
	if (parse_dir(name, &d)) {
		if (m != NULL) {
			m->dir = d;
			t->dir_set = true;
		} else {
			s->dir = d;
		}
		return true;
	}
	if (m == NULL)
		return true;      /* other session-level attributes: unused */
	if (name_is(name, "rtcp"))
		return parse_rtcp(m, t, val);
	if (name_is(name, "rtpmap"))
		return parse_rtpmap(m, t, val, st->lo);
	if (name_is(name, "candidate"))
		return parse_candidate(st, m, t, val);
	if (name_is(name, "ptime")) {
		struct span ip = val;

		/* Some agents write "20.0"; keep the integer part. */
		text_trim(&ip.p, &ip.len);
		/* A number has no '.' (as parse_m's port). */
		if (span_uint(ip, 100000, &n, st->lo) != 0) {
			cut_at(&ip, '.');
			if (span_uint(ip, 100000, &n, st->lo) != 0)
				return false;
		}
		m->ptime_ms = (int)n;
		return true;
	}
	return true;
}

/* Points a new media's strings and arrays at its scratch buffers. */
static void
media_init(struct sdp_state *st, int i)
{
	struct sdp_media *m = &st->media[i];
	struct media_tmp *t = &st->tmp[i];

	/*
	 * Zeroed here, when first used, not all CAP_SDP_MEDIA up front; of
	 * t only what is read before being written (strings are read up to
	 * their NUL, arrays up to their counts, rtcp_addr only when
	 * rtcp_has_addr, cand_type[k] once cand[k] is counted).
	 */
	memset(m, 0, sizeof(*m));
	t->dir_set = false;
	t->rtcp_has_addr = false;
	t->codec_from_rtpmap = false;
	t->media[0] = '\0';
	t->proto[0] = '\0';
	t->conn_text[0] = '\0';
	t->codec[0] = '\0';
	t->media_len = 0;
	t->proto_len = 0;
	t->conn_len = 0;
	t->codec_len = 0;
	m->media = t->media;
	m->proto = t->proto;
	m->conn_text = t->conn_text;
	m->codec = t->codec;
	m->payloads = t->payloads;
	m->cand = t->cand;
}

/* One "<type>=<value>" line (CR already stripped). */
static void
parse_line(struct sdp_state *st, const uint8_t *p, size_t len)
{
	struct sdp *s = st->s;
	struct span v;
	uint8_t type;
	bool ok = true;

	if (len == 0)
		return;           /* stray blank lines are tolerated */
	if (len < 2 || p[1] != '=' ||
	    !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z'))) {
		st->bad = true;
		return;
	}
	type = p[0];
	v.p = p + 2;
	v.len = len - 2;
	if (type == 'm') {
		if (s->nmedia >= CAP_SDP_MEDIA) {
			/* Counted once per body by sdp_parse. */
			st->too_many = true;
			st->skipping = true;
			return;
		}
		st->skipping = false;
		st->cur = s->nmedia++;
		media_init(st, st->cur);
		ok = parse_m(st, &s->media[st->cur], &st->tmp[st->cur], v);
	} else if (st->skipping) {
		return;
	} else if (type == 'o' && st->cur < 0) {
		ok = parse_o(st, v);
	} else if (type == 'c') {
		struct addr_out origin = { &s->origin, st->origin_text,
			&st->origin_len };
		struct addr_out sess = { &s->conn, st->conn_text,
			&st->conn_len };

		if (st->cur < 0) {
			ok = parse_c(v, &sess, &origin);
			s->has_conn = ok;
		} else {
			struct sdp_media *m = &s->media[st->cur];
			struct media_tmp *t = &st->tmp[st->cur];
			ok = parse_c(v, &(struct addr_out){ &m->conn,
			    t->conn_text, &t->conn_len }, &sess);
			m->has_conn = m->conn_is_media = ok;
		}
	} else if (type == 'i') {
		if (st->cur < 0 && !s->has_i) {
			struct span t = v;

			text_trim(&t.p, &t.len);
			copy_noted(st->i_line, sizeof(st->i_line),
			    &st->i_line_len, t.p, t.len);
		}
		s->has_i = true;
	} else if (type == 'a') {
		ok = parse_a(st, v);
	}
	if (!ok)
		st->bad = true;
}

/* Fills the effective per-media values once every line has been seen. */
static void
resolve_media(struct sdp_state *st)
{
	struct sdp *s = st->s;

	for (int i = 0; i < s->nmedia; i++) {
		struct sdp_media *m = &s->media[i];
		struct media_tmp *t = &st->tmp[i];

		if (!m->conn_is_media && s->has_conn) {
			m->conn = s->conn;
			m->conn_text = s->conn_text;   /* shared when packed */
			m->has_conn = true;
		}
		/*
		 * c=0.0.0.0 (RFC 2543 hold) keeps the direction as written;
		 * callers treat a 0.0.0.0 connection as inactive.
		 */
		m->conn.port = m->port;
		if (!t->dir_set)
			m->dir = s->dir;
		if (m->has_rtcp) {
			uint16_t port = m->rtcp.port;

			if (t->rtcp_has_addr) {
				ep_clear(&m->rtcp);
				(void)ep_parse_ip(&m->rtcp, t->rtcp_addr,
				    strnlen(t->rtcp_addr, sizeof(t->rtcp_addr)));
			} else {
				m->rtcp = m->conn;
			}
			m->rtcp.port = port;
		}
		if (!t->codec_from_rtpmap && m->npayloads > 0) {
			t->codec[0] = '\0';
			t->codec_len = 0;
			m->clock_rate = 0;
			for (size_t k = 0; k < sizeof(static_pt) /
			    sizeof(static_pt[0]); k++) {
				if (static_pt[k].pt != m->payloads[0])
					continue;
				copy_noted(t->codec, sizeof(t->codec),
				    &t->codec_len, (const uint8_t *)
				    static_pt[k].name, strlen(static_pt[k].name));
				m->clock_rate = static_pt[k].rate;
				break;
			}
		}
	}
}

/*
 * The lines of a body, LF excluded (a CR before it is the caller's).
 * With SSE2 the LFs come from the bits of whole 64-byte blocks, sixteen
 * bytes a compare, rather than from one memchr() call a line: a call,
 * its set-up and its exit cost more than the search itself on SDP lines
 * of a dozen or two bytes (a body's nine calls were an eighth of its
 * parse).  The last bytes are one block ending at the body's end, its
 * bits shifted to the bytes not yet looked at; a body under 64 bytes is
 * looked at through a zero-padded copy: nothing is read past the end.
 */
struct lines {
	const uint8_t *p;         /* start of the next line */
	const uint8_t *end;
#ifdef SDP_SSE2
	const uint8_t *blk;       /* bits describes blk[0..64) */
	uint64_t bits;            /* LFs at or after p in that block */
	size_t len;               /* the whole body's */
#endif
};

#ifdef SDP_SSE2
/* The LFs of p[0..64) as the bits of a word (bit i: p[i]). */
static inline uint64_t
lf_mask64(const uint8_t *p)
{
	const __m128i lf = _mm_set1_epi8('\n');
	uint64_t m = 0;

	for (int k = 3; k >= 0; k--) {
		__m128i v = _mm_loadu_si128((const void *)(p + 16 * k));

		m = m << 16 | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    lf));
	}
	return m;
}

/* The LFs of blk[0..end - blk) (at least one byte), as lf_mask64. */
static inline uint64_t
lf_block(const uint8_t *blk, const uint8_t *end, size_t len)
{
	size_t left = (size_t)(end - blk);
	uint8_t pad[64];

	if (left >= 64)
		return lf_mask64(blk);
	if (len >= 64)
		return lf_mask64(end - 64) >> (64 - left);
	memset(pad, 0, sizeof(pad));
	memcpy(pad, blk, left);
	return lf_mask64(pad);
}
#endif

static inline void
lines_init(struct lines *ls, const uint8_t *body, size_t len)
{
	ls->p = body;
	ls->end = body + len;
#ifdef SDP_SSE2
	ls->blk = body;
	ls->len = len;
	ls->bits = len > 0 ? lf_block(body, ls->end, len) : 0;
#endif
}

/*
 * The next line's start, its length (LF excluded) in *ll; NULL when the
 * body is used up.  The last line need not end in LF.
 */
static inline __attribute__((always_inline)) const uint8_t *
lines_next(struct lines *ls, size_t *ll)
{
	const uint8_t *p = ls->p, *nl;

	if (p >= ls->end)
		return NULL;
#ifdef SDP_SSE2
	while (ls->bits == 0) {
		ls->blk += 64;
		if (ls->blk >= ls->end) {
			*ll = (size_t)(ls->end - p);
			ls->p = ls->end;
			return p;
		}
		ls->bits = lf_block(ls->blk, ls->end, ls->len);
	}
	nl = ls->blk + __builtin_ctzll(ls->bits);
	ls->bits &= ls->bits - 1;
#else
	nl = memchr(p, '\n', (size_t)(ls->end - p));
	if (nl == NULL) {
		*ll = (size_t)(ls->end - p);
		ls->p = ls->end;
		return p;
	}
#endif
	*ll = (size_t)(nl - p);
	ls->p = nl + 1;
	return p;
}

/*
 * Walks body[0..len) line by line into the scratch st (st->s then points
 * into st).  The body must open with "v=" after optional blank lines, else
 * it is not SDP (-1, nothing counted: the caller decides whether that is
 * an anomaly).  Otherwise returns how many anomalies it counted (0-3).
 */
static int
parse_body(struct sdp_state *st, const uint8_t *body, size_t len,
    struct anomalies *an)
{
	struct sdp *s = &st->sdp;
	struct lines ls;
	const uint8_t *p;
	size_t ll;
	bool first = true;

	/*
	 * The scalars (lengths 0, flags false) and the struct sdp only: not
	 * the strings (read up to their NUL, set below) nor media[] and
	 * tmp[] (most of the scratch's bytes, and all but one media unused
	 * in most bodies): media_init() sets each as an m= line starts it,
	 * and nothing reads one before.
	 */
	memset(st, 0, offsetof(struct sdp_state, o_user));
	/* The strings are read up to their NUL only. */
	st->o_user[0] = '\0';
	st->o_sess_id[0] = '\0';
	st->origin_text[0] = '\0';
	st->conn_text[0] = '\0';
	st->i_line[0] = '\0';
	st->s = s;
	st->lo = body;
	st->cur = -1;
	s->dir = SDP_SENDRECV;
	s->o_user = st->o_user;
	s->o_sess_id = st->o_sess_id;
	s->origin_text = st->origin_text;
	s->conn_text = st->conn_text;
	s->i_line = st->i_line;
	s->media = st->media;
#ifndef SDP_REFERENCE
	/* The reference measures every string, as sdp_pack once did. */
	s->noted = true;
#endif
	lines_init(&ls, body, len);
	while ((p = lines_next(&ls, &ll)) != NULL) {
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (first) {
			if (ll == 0)
				continue;
			if (ll < 2 || p[0] != 'v' || p[1] != '=')
				return -1;
			first = false;
			continue;
		}
		if (ll > CAP_SIP_LINE_BYTES) {
			st->bad = true;
			continue;
		}
		parse_line(st, p, ll);
	}
	if (first)
		return -1;
	resolve_media(st);
	if (st->bad)
		anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
	if (st->too_many)
		anomaly_add(an, ANOMALY_SDP_TOO_MANY_MEDIA);
	if (st->over_cap)
		anomaly_add(an, ANOMALY_SDP_VALUES_CAP);
	return (int)st->bad + (int)st->too_many + (int)st->over_cap;
}

static int
clamp_count(int n, int cap)
{
	return n < 0 ? 0 : n > cap ? cap : n;
}

/* arena_str() with the length noted in, or taken from, lens (pack()). */
_Static_assert(SDP_I_LINE_BYTES <= 256 && SDP_O_USER_BYTES <= 256 &&
    SDP_ADDR_TEXT_BYTES <= 256 && SDP_O_SESS_ID_BYTES <= 256 &&
    SDP_MEDIA_NAME_BYTES <= 256 && SDP_PROTO_BYTES <= 256 &&
    SDP_CODEC_BYTES <= 256 && SDP_CAND_TYPE_BYTES <= 256,
    "a kept SDP string's length must fit sdp_plan's uint8_t");
static inline __attribute__((always_inline)) const char *
pack_str(struct arena *a, struct sdp_plan *lens, bool use_lens,
    const char *s, size_t cap, int noted)
{
	size_t n;

	if (use_lens) {
		n = lens->len[lens->nstr++];
	} else {
		n = noted >= 0 ? (size_t)noted :
		    s != NULL ? strnlen(s, cap - 1) : 0;
		if (lens != NULL)
			lens->len[lens->nstr++] = (uint8_t)n;
	}
	return arena_strn(a, s, n);
}

/*
 * The length parse_body noted in st (a struct sdp_state or media_tmp,
 * NULL when none) for a string, else -1: pack_str measures it.  Each
 * string of the struct sdp in a scratch points to its buffer there
 * (conn_text of a media that inherits the session's is not packed
 * again), so no pointer is compared.
 */
#define NOTED(st, len)	((st) != NULL ? (int)(st)->len : -1)

/*
 * The scratch holding s when sdp_parse_scratch made it (its strings'
 * lengths are noted there: sdp.h), else NULL.
 */
/* sdp.h's noted sits in what was padding: block sizes are unchanged. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct sdp) == 128,
    "struct sdp grew");
static inline const struct sdp_state *
state_of(const struct sdp *s)
{
	if (!s->noted)
		return NULL;
	return (const struct sdp_state *)(const void *)((const char *)s -
	    offsetof(struct sdp_state, sdp));
}

/*
 * Lays src out in a: struct sdp, media[], every media's cand[] then
 * payloads[] (pointer-aligned structs first, ints next, strings last, so
 * alignment wastes nothing), then the strings.  With a measuring arena it
 * returns NULL and only a->off is meaningful.  Empty arrays get one zeroed
 * element (see sdp.h); a media c= text equal to the session one (by
 * pointer) is stored once.
 *
 * Inlined into each caller, whose arena is a local: in sdp_pack_size
 * the compiler then knows there is no base and drops every copy, so the
 * measuring pass costs what the offsets and string lengths cost (it
 * was three fifths of the copying pass).
 *
 * The strings' lengths: with use_lens false each is read from st, the
 * scratch src was parsed in, when src is one (state_of: noted as each
 * string was written; their strnlen() calls were some 200 instructions
 * a body), else measured (strnlen), and, when lens is not NULL, noted in
 * lens in the order of the copies; with use_lens true they are taken
 * from lens, as a measuring pass over the same src noted them
 * (sdp_pack_planned: no string measured twice).
 */
static inline __attribute__((always_inline)) struct sdp *
pack(struct arena *a, const struct sdp *src, struct sdp_plan *lens,
    bool use_lens, const struct sdp_state *st)
{
	static const struct sdp_media no_media;
	struct sdp *dst = arena_take(a, sizeof(*dst), _Alignof(struct sdp));
	int nm = clamp_count(src->nmedia, CAP_SDP_MEDIA);
	int slots = nm > 0 ? nm : 1;
	struct sdp_media *media = arena_take(a, (size_t)slots *
	    sizeof(*media), _Alignof(struct sdp_media));
	struct sdp_candidate *cand[CAP_SDP_MEDIA];
	int *pl[CAP_SDP_MEDIA];
	/*
	 * Written in place when copying (a struct sdp or sdp_media copied
	 * to a local and then to the block cost a tenth of the pass); to
	 * locals the compiler drops when measuring.
	 */
	struct sdp dm, *d = dst != NULL ? dst : &dm;

	for (int i = 0; i < slots; i++) {
		const struct sdp_media *sm = i < nm ? &src->media[i] :
		    &no_media;
		int nc = clamp_count(sm->ncand, CAP_SDP_CANDIDATES);

		cand[i] = arena_take(a, (size_t)(nc > 0 ? nc : 1) *
		    sizeof(*cand[i]), _Alignof(struct sdp_candidate));
	}
	for (int i = 0; i < slots; i++) {
		const struct sdp_media *sm = i < nm ? &src->media[i] :
		    &no_media;
		int np = clamp_count(sm->npayloads, CAP_SDP_PAYLOADS);

		pl[i] = arena_take(a, (size_t)(np > 0 ? np : 1) *
		    sizeof(*pl[i]), _Alignof(int));
	}
	*d = *src;
	d->noted = false;
	d->o_user = pack_str(a, lens, use_lens, src->o_user, SDP_O_USER_BYTES,
	    NOTED(st, o_user_len));
	d->o_sess_id = pack_str(a, lens, use_lens, src->o_sess_id,
	    SDP_O_SESS_ID_BYTES, NOTED(st, o_sess_id_len));
	d->origin_text = pack_str(a, lens, use_lens, src->origin_text,
	    SDP_ADDR_TEXT_BYTES, NOTED(st, origin_len));
	d->conn_text = pack_str(a, lens, use_lens, src->conn_text,
	    SDP_ADDR_TEXT_BYTES, NOTED(st, conn_len));
	d->i_line = pack_str(a, lens, use_lens, src->i_line, SDP_I_LINE_BYTES,
	    NOTED(st, i_line_len));
	d->media = media;
	d->nmedia = nm;
	for (int i = 0; i < slots; i++) {
		const struct sdp_media *sm = i < nm ? &src->media[i] :
		    &no_media;
		struct sdp_media mm, *m = media != NULL ? &media[i] : &mm;
		int np = clamp_count(sm->npayloads, CAP_SDP_PAYLOADS);
		int nc = clamp_count(sm->ncand, CAP_SDP_CANDIDATES);

		/* The scratch's buffers of sm (only read when st is). */
		const struct media_tmp *t = st != NULL && i < nm ?
		    &st->tmp[i] : NULL;

		*m = *sm;
		m->media = pack_str(a, lens, use_lens, sm->media,
		    SDP_MEDIA_NAME_BYTES, NOTED(t, media_len));
		m->proto = pack_str(a, lens, use_lens, sm->proto,
		    SDP_PROTO_BYTES, NOTED(t, proto_len));
		m->conn_text = sm->conn_text == src->conn_text ? d->conn_text :
		    pack_str(a, lens, use_lens, sm->conn_text,
		    SDP_ADDR_TEXT_BYTES, NOTED(t, conn_len));
		m->codec = pack_str(a, lens, use_lens, sm->codec,
		    SDP_CODEC_BYTES, NOTED(t, codec_len));
		m->payloads = pl[i];
		m->npayloads = np;
		m->cand = cand[i];
		m->ncand = nc;
		if (pl[i] != NULL) {
			pl[i][0] = 0;
			if (np > 0)
				memcpy(pl[i], sm->payloads,
				    (size_t)np * sizeof(*pl[i]));
		}
		if (cand[i] != NULL && nc == 0) {
			memset(&cand[i][0], 0, sizeof(cand[i][0]));
			cand[i][0].type = "";
		}
		for (int k = 0; k < nc; k++) {
			struct sdp_candidate c = sm->cand[k];

			c.type = pack_str(a, lens, use_lens, c.type,
			    SDP_CAND_TYPE_BYTES, NOTED(t, cand_type_len[k]));
			if (cand[i] != NULL)
				cand[i][k] = c;
		}
	}
	return dst;
}

size_t
sdp_pack_size(const struct sdp *s)
{
	struct arena a = { NULL, 0 };

	(void)pack(&a, s, NULL, false, state_of(s));
	return a.off;
}

struct sdp *
sdp_pack(const struct sdp *s, void *buf, size_t n)
{
	struct arena a = { buf, 0 };

	if (buf == NULL || n < sdp_pack_size(s))
		return NULL;
	return pack(&a, s, NULL, false, state_of(s));
}

size_t
sdp_pack_plan(const struct sdp *s, struct sdp_plan *p)
{
	struct arena a = { NULL, 0 };

	p->nstr = 0;
	(void)pack(&a, s, p, false, state_of(s));
	p->size = a.off;
	return a.off;
}

struct sdp *
sdp_pack_planned(const struct sdp *s, struct sdp_plan *p, void *buf)
{
	struct arena a = { buf, 0 };

	p->nstr = 0;
	return buf != NULL ? pack(&a, s, p, true, NULL) : NULL;
}

size_t
sdp_scratch_size(void)
{
	return sizeof(struct sdp_state);
}

int
sdp_parse_scratch(const uint8_t *body, size_t len, void *room,
    struct sdp **out, struct anomalies *an)
{
	struct sdp_state *st = room;

	int rc;

	*out = NULL;
	if ((rc = parse_body(st, body, len, an)) < 0)
		return -1;
	*out = st->s;
	return rc;
}

/*
 * Parses into a stack scratch of fixed arrays (the caps), then copies the
 * result into one block of exactly the size it needs.
 */
int
sdp_parse(const uint8_t *body, size_t len, struct sdp **out,
    struct anomalies *an)
{
	struct sdp_state st;
	size_t n;
	void *buf;

	*out = NULL;
	if (parse_body(&st, body, len, an) < 0)
		return -1;
	n = sdp_pack_size(st.s);
	buf = malloc(n);
	if (buf == NULL)
		return -2;
	*out = sdp_pack(st.s, buf, n);
	if (*out == NULL) {
		/* Cannot happen (n is sdp_pack_size), but buf must not leak. */
		free(buf);
		return -2;
	}
	return 0;
}

void
sdp_free(struct sdp *s)
{
	free(s);
}

const char *
sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_SENDRECV:
		return "sendrecv";
	case SDP_SENDONLY:
		return "sendonly";
	case SDP_RECVONLY:
		return "recvonly";
	case SDP_INACTIVE:
		return "inactive";
	}
	return "unknown";
}

bool
sdp_dir_sends(enum sdp_dir d)
{
	return d == SDP_SENDRECV || d == SDP_SENDONLY;
}

bool
sdp_dir_receives(enum sdp_dir d)
{
	return d == SDP_SENDRECV || d == SDP_RECVONLY;
}
