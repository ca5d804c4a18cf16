/*
 * sipmsg_hdr.c - the one walk over a SIP message's header block
 * (RFC 3261 section 7): it frames the block at the first empty line
 * (each line capped at CAP_SIP_LINE_BYTES; the line ends the framing
 * noted, sipframe_lines, are taken rather than searched for again),
 * indexes the headers the
 * analyzer reads raw (enum hx, first occurrence, full or compact name)
 * and builds the normalised copy handed to libosip2 (CRLF line ends, NUL
 * bytes as '?', only the headers libosip2 parses: enum ok).  Also the
 * table of compact header names (RFC 3261 section 7.3.3 and later RFCs)
 * and hdr_find(), the line-by-line lookup used for MIME part headers and
 * sipmsg_header().  Limits: folded continuation lines are not joined.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/text.h"
#include "sip/sipmsg_int.h"

/* RFC 3261 section 7.3.3 and later RFCs' compact header names. */
static const struct {
	const char *name;
	char c;
} compact_names[] = {
	{ "Accept-Contact", 'a' },
	{ "Referred-By", 'b' },
	{ "Content-Type", 'c' },
	{ "Request-Disposition", 'd' },
	{ "Content-Encoding", 'e' },
	{ "From", 'f' },
	{ "Call-ID", 'i' },
	{ "Reject-Contact", 'j' },
	{ "Supported", 'k' },
	{ "Content-Length", 'l' },
	{ "Contact", 'm' },
	{ "Identity-Info", 'n' },
	{ "Event", 'o' },
	{ "Refer-To", 'r' },
	{ "Subject", 's' },
	{ "To", 't' },
	{ "Allow-Events", 'u' },
	{ "Via", 'v' },
	{ "Session-Expires", 'x' },
	{ "Identity", 'y' },
};

char
hdr_compact_of(const char *name)
{
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		/* Every .name is a literal; the analyzer assumes one NULL. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		if (strcasecmp(compact_names[i].name, name) == 0)
			return compact_names[i].c;
	return 0;
}

const char *
hdr_full_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + 32);
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		if (compact_names[i].c == c)
			return compact_names[i].name;
	return NULL;
}

/*
 * Takes the next line of c: *line and *ll are its content without CR/LF.
 * Returns false at the end of the window.
 */
bool
hdr_next_line(struct cur *c, const uint8_t **line, size_t *ll)
{
	const uint8_t *p = cur_rest(c);
	size_t left = cur_left(c);
	const uint8_t *nl;
	size_t n;

	if (left == 0)
		return false;
	nl = memchr(p, '\n', left);
	n = nl != NULL ? (size_t)(nl - p) : left;
	(void)cur_skip(c, nl != NULL ? n + 1 : n);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*ll = n;
	return true;
}

/*
 * hdr_next_line() for the walk, on msg[0..len) from *off (< len): the
 * line there, *ll its content without CR/LF; *off moves past its LF (to
 * len when it has none).  The line's end is taken from the framing's
 * notes while they last and fit (ln: the i-th LF of the message is at
 * ln->nl[i], i < n), the same line without searching for it again.
 * The offset is the walk's local, not a cursor in memory: every byte
 * the walk stores could alias a cursor, as far as the compiler knows.
 */
static inline const uint8_t *
walk_next_line(const uint8_t *msg, size_t len, size_t *off,
    const struct sipframe_lines *ln, unsigned n, unsigned i, size_t *ll)
{
	const uint8_t *line = msg + *off, *lf;
	size_t e;

	if (i >= n || (e = ln->nl[i]) < *off || e >= len || msg[e] != '\n') {
		lf = memchr(line, '\n', len - *off);
		e = lf != NULL ? (size_t)(lf - msg) : len;
	}
	*ll = e - *off;
	*off = e < len ? e + 1 : len;
	if (*ll > 0 && line[*ll - 1] == '\r')
		(*ll)--;
	return line;
}

/*
 * The first ':' of line[0..ll), NULL when none: what memchr() gives,
 * without its call for the few bytes of a header name.  Eight bytes at a
 * time: a byte of x ^ 0x3a.. is zero exactly where x holds ':', and its
 * top bit is then set in (y - 0x01..) & ~y & 0x80.. -- a wrong flag can
 * only sit above a true one (borrows run upwards), so the lowest is
 * exact.
 */
static inline const uint8_t *
line_colon(const uint8_t *line, size_t ll)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= ll; i += 8) {
		const uint64_t lo = 0x0101010101010101ULL;
		const uint64_t hi = 0x8080808080808080ULL;
		uint64_t x, m;

		memcpy(&x, line + i, 8);
		x ^= lo * ':';
		m = (x - lo) & ~x & hi;
		if (m != 0)
			return line + i + (unsigned)__builtin_ctzll(m) / 8;
	}
#endif
	for (; i < ll; i++)
		if (line[i] == ':')
			return line + i;
	return NULL;
}

/*
 * Steps to the next header line of the block c walks, stopping at the
 * first empty line: sets the trimmed name and value of "name: value".
 * Folded continuation lines (leading SP or HTAB) and lines without ':'
 * are skipped.  Returns false at the empty line or the end of the block.
 */
static bool
next_header(struct cur *c, const uint8_t **name, size_t *nl,
    const uint8_t **val, size_t *vlen)
{
	const uint8_t *line, *colon;
	size_t ll;

	while (hdr_next_line(c, &line, &ll)) {
		if (ll == 0)
			return false;
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		colon = memchr(line, ':', ll);
		if (colon == NULL)
			continue;
		*name = line;
		*nl = (size_t)(colon - line);
		text_trim(name, nl);
		*val = colon + 1;
		*vlen = (size_t)(line + ll - *val);
		text_trim(val, vlen);
		return true;
	}
	return false;
}

/*
 * Looks up a header by full name or compact letter (0: none) in the block
 * p[0..len), stopping at the first empty line.  skip_first skips the start
 * line (SIP messages; not MIME part headers).  Sets the trimmed value of
 * the first occurrence; folded continuation lines are not joined.
 */
bool
hdr_find(const uint8_t *p, size_t len, bool skip_first, const char *name,
    char cname, const uint8_t **val, size_t *vlen)
{
	struct cur c;
	const uint8_t *line, *n, *v;
	size_t ll, nl, vl;

	cur_init(&c, p, len);
	if (skip_first && !hdr_next_line(&c, &line, &ll))
		return false;
	while (next_header(&c, &n, &nl, &v, &vl)) {
		if (!text_ieq(n, nl, name) && !(cname != 0 && nl == 1 &&
		    (n[0] | 0x20) == cname))
			continue;
		*val = v;
		*vlen = vl;
		return true;
	}
	return false;
}

/*
 * The header names the walk knows, with their roles, in a table indexed
 * by a hash of a name's length and first three bytes (any case; a name
 * of two bytes is taken with the ':' after it, as a line holds it): a
 * line's name is compared with the one entry of its slot, not with a
 * list.  The hash is a multiply of the word of those bytes: line_known()
 * has them in the word it loaded, and no byte is loaded for it (the
 * length, first and last letters it was cost a dependent load and a
 * dozen instructions a line).  KH_K puts the names below in distinct
 * slots of 64 (found by a search over odd multipliers): a name added in
 * a taken slot overrides the initializer before it (gcc:
 * -Woverride-init) and test_sipmsg's "known header names" fails on the
 * name lost; then pick another KH_K.  An empty slot has len 0, which no
 * name has.
 *
 * Each entry also holds its name as words for line_known(): y the name's
 * bytes and a ':', padded with NULs, with 0x20 set on its letters (f:
 * 0x20 on each letter's byte, 0 on '-' and ':'), m 0xff on the name's
 * bytes (not the ':').  A letter
 * has bit 0x40 (0x41-0x5a, 0x61-0x7a), '-' not (0x2d): with 0x20 set in
 * both, a byte of a line equals a letter of the name exactly when it is
 * that letter in either case, and '-' compares as it is.  The words are
 * written out from the literal by KH_W at compile time; the first three
 * bytes are given beside it (an array designator must be an integer
 * constant expression, which a literal's byte is not).
 */
#define KH_K 0xafbd67f9u
/* The hash of a name of len (< 256) bytes whose first three are b0-b2. */
#define KH_HASH(len, b0, b1, b2) \
	((size_t)(((((uint32_t)(uint8_t)(b0) << 8 | \
	(uint32_t)(uint8_t)(b1) << 16 | (uint32_t)(uint8_t)(b2) << 24) | \
	0x20202000u | (uint32_t)(len)) * KH_K) >> 26))
#define KH_B(s, i) ((uint64_t)(uint8_t)(s "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")[i] \
	<< 8 * ((i) & 7))
#define KH_W(s, o) (KH_B(s, o) | KH_B(s, o + 1) | KH_B(s, o + 2) | \
	KH_B(s, o + 3) | KH_B(s, o + 4) | KH_B(s, o + 5) | KH_B(s, o + 6) | \
	KH_B(s, o + 7))
#define KH_F(w) (((w) & 0x4040404040404040ULL) >> 1)
/* The bytes of a name of n bytes in its word at o (0 or 8). */
#define KH_M(n, o) ((n) <= (o) ? 0 : (n) >= (o) + 8 ? ~0ULL : \
	(1ULL << 8 * ((n) - (o))) - 1)
/*
 * The bytes of a 16-byte block line_known() need not compare: those
 * past the name and its ':' (none for a name of 15 bytes or more, whose
 * ':' is not in the block: see line_known()).
 */
#define KH_N(n) ((n) >= 15 ? 0 : (uint16_t)(0xffffu << ((n) + 1)))
#define KH_E(s, b0, b1, b2, h, o) \
	[KH_HASH(sizeof(s) - 1, b0, b1, b2)] = { \
	{ KH_W(s ":", 0) | KH_F(KH_W(s, 0)), \
	KH_W(s ":", 8) | KH_F(KH_W(s, 8)) }, \
	{ KH_F(KH_W(s, 0)), KH_F(KH_W(s, 8)) }, \
	{ KH_M(sizeof(s) - 1, 0), KH_M(sizeof(s) - 1, 8) }, \
	s, sizeof(s) - 1, h, o, KH_N(sizeof(s) - 1) }
/* The slot of a name by its length and first three bytes. */
#define KH_AT(len, b0, b1, b2) (&kh_tab[KH_HASH(len, b0, b1, b2)])

struct kh_entry {
	uint64_t y[2], f[2], m[2];
	const char *name;
	unsigned char len;
	signed char hx;   /* enum hx, -1 none */
	signed char ok;   /* enum ok, OK_NONE none */
	uint16_t nm;      /* KH_N(len): bit i set, byte i not compared */
};
/* line_known() loads y and f as aligned 16-byte blocks. */
_Static_assert(sizeof(struct kh_entry) == 64, "kh_entry: 64 bytes");

static const _Alignas(64) struct kh_entry kh_tab[64] = {
	KH_E("Via", 'V', 'i', 'a', -1, OK_VIA),
	KH_E("From", 'F', 'r', 'o', -1, OK_FROM),
	KH_E("To", 'T', 'o', ':', -1, OK_TO),
	KH_E("Call-ID", 'C', 'a', 'l', HX_CALL_ID, OK_CALL_ID),
	KH_E("CSeq", 'C', 'S', 'e', -1, OK_CSEQ),
	KH_E("Contact", 'C', 'o', 'n', -1, OK_CONTACT),
	KH_E("Record-Route", 'R', 'e', 'c', -1, OK_RECORD_ROUTE),
	KH_E("Route", 'R', 'o', 'u', -1, OK_ROUTE),
	KH_E("User-Agent", 'U', 's', 'e', HX_USER_AGENT, OK_NONE),
	KH_E("Server", 'S', 'e', 'r', HX_SERVER, OK_NONE),
	KH_E("P-Asserted-Identity", 'P', '-', 'A', HX_PAI, OK_NONE),
	KH_E("Remote-Party-ID", 'R', 'e', 'm', HX_RPID, OK_NONE),
	KH_E("Refer-To", 'R', 'e', 'f', HX_REFER_TO, OK_NONE),
	KH_E("Replaces", 'R', 'e', 'p', HX_REPLACES, OK_NONE),
	KH_E("Event", 'E', 'v', 'e', HX_EVENT, OK_NONE),
	KH_E("Subscription-State", 'S', 'u', 'b', HX_SUBSCRIPTION_STATE,
	    OK_NONE),
	KH_E("Content-Type", 'C', 'o', 'n', HX_CONTENT_TYPE, OK_NONE),
	KH_E("Content-Length", 'C', 'o', 'n', HX_CONTENT_LENGTH, OK_NONE),
	KH_E("Expires", 'E', 'x', 'p', HX_EXPIRES, OK_NONE),
	KH_E("Session-Expires", 'S', 'e', 's', HX_SESSION_EXPIRES, OK_NONE),
	KH_E("Min-SE", 'M', 'i', 'n', HX_MIN_SE, OK_NONE),
};

/*
 * The kh_tab slot of a name of nl bytes whose first three bytes (the
 * third ':' for nl 2) are the low three of b (byte 0 lowest; the top one
 * is dropped): KH_HASH of them.  Any other nl gives some slot, whose
 * entry's len then differs.
 */
static inline const struct kh_entry *
kh_slot(uint32_t b, size_t nl)
{
	return &kh_tab[((b << 8 | 0x20202000u | (uint32_t)nl) * KH_K) >> 26];
}

/* What a name the walk does not know is: no role. */
static const struct kh_entry kh_none = { .hx = -1, .ok = OK_NONE };

/*
 * a[0..n) == b[0..n) for 1 <= n: words of 8 or 4 bytes from each end
 * (overlapping, never past n), bytes below 4; inline, where memcmp()
 * of a variable length is a call.
 */
static inline bool
eq_bytes(const uint8_t *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return u == v;
	}
	if (n >= 4) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&v4, b + n - 4, 4);
		return x4 == y4 && u4 == v4;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return false;
	return true;
}

/*
 * n[0..nl) is h's name in any case: the names in our table are ASCII
 * letters and '-' only, and for a letter, setting bit 0x20 maps exactly
 * its two cases (and no other byte) to the lowercase.
 */
static inline bool
name_is(const uint8_t *n, size_t nl, const struct kh_entry *h)
{
	if (nl != h->len || (n[0] | 0x20) != ((uint8_t)h->name[0] | 0x20))
		return false;
	/* Most senders write the names as the RFCs do. */
	if (eq_bytes(n, h->name, nl))
		return true;
	for (size_t i = 1; i < nl; i++) {
		uint8_t b = (uint8_t)h->name[i];

		if (b == '-' ? n[i] != '-' : (n[i] | 0x20) != (b | 0x20))
			return false;
	}
	return true;
}

/*
 * The kh_tab entry of the line line[0..ll), when its name is under
 * sixteen bytes, written right before its ':' and one the walk knows
 * (nearly every line): its first one or two words then hold the ':' and
 * the name, and a compare of those words with the one entry of its hash
 * slot decides, without a search and a trim of the name.  *colon is set
 * to the first ':'.  Returns NULL when the line is not of that shape or
 * its name not in the table (folded lines, compact names, blanks before
 * the ':', other names): classify() decides.  avail is the bytes of the
 * message from line on (ll <= avail).  Reads line[0..16) when avail >= 16
 * (the usual line: one 16-byte block, bounded by avail, not ll), else
 * line[0..16) when ll >= 16, line[0..8) when ll >= 8, and nothing for a
 * shorter line.
 */
static inline const struct kh_entry *
line_known(const uint8_t *line, size_t ll, size_t avail,
    const uint8_t **colon)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t lo = 0x0101010101010101ULL;
	const uint64_t hi = 0x8080808080808080ULL;
	const struct kh_entry *h;
	uint64_t x, x2 = 0, y, m;
	size_t nl;

#ifdef __SSE2__
	/*
	 * Sixteen bytes at once: the first ':' from a compare, and the name
	 * with its ':' compared with the slot's y in one more (bytes set in
	 * h->nm not compared).  The bytes past the line's end (its CR, LF,
	 * the next line) are in the message, and cannot pass: a name's
	 * byte and its ':' match only a letter, '-' or ':' (CR | 0x20 is
	 * '-', but f is 0 on '-'), and the ':' here is the first of the
	 * block.  A name of another length in the slot fails too: its ':'
	 * meets a letter, or a letter meets this ':'.  Cut the walk's
	 * instructions from 40.4M to 34.7M on sig5k against the words
	 * below (a third of them gone from the known line).
	 */
	if (avail >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    line);
		unsigned cm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8(':')));
		__m128i hy, hf;

		/* Also keeps names of sixteen bytes and more (nm 0) out. */
		if (cm == 0)
			return NULL;
		nl = (unsigned)__builtin_ctz(cm);
		h = kh_slot((uint32_t)_mm_cvtsi128_si32(v), nl);
		hy = _mm_load_si128((const __m128i *)(const void *)h->y);
		hf = _mm_load_si128((const __m128i *)(const void *)h->f);
		if (((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_or_si128(v, hf), hy)) | h->nm) != 0xffffu)
			return NULL;
		*colon = line + nl;
		return h;
	}
#else
	(void)avail;
#endif
	if (ll < 8)
		return NULL;
	/* The lowest flag of m is exact (line_colon). */
	memcpy(&x, line, 8);
	y = x ^ lo * ':';
	m = (y - lo) & ~y & hi;
	if (m == 0) {
		if (ll < 16)
			return NULL;
		memcpy(&x2, line + 8, 8);
		y = x2 ^ lo * ':';
		m = (y - lo) & ~y & hi;
		if (m == 0)
			return NULL;
		nl = 8 + (unsigned)__builtin_ctzll(m) / 8;
	} else {
		nl = (unsigned)__builtin_ctzll(m) / 8;
		/* An empty name: an empty slot has len 0 too. */
		if (nl == 0)
			return NULL;
	}
	/* Bytes 0-2 of x are the name's, or "To:"'s (see kh_tab). */
	h = kh_slot((uint32_t)x, nl);
	/* x2 is 0 for a name in x, where h->m[1] is 0 for a match. */
	if (nl != h->len || ((((x | h->f[0]) ^ h->y[0]) & h->m[0]) |
	    (((x2 | h->f[1]) ^ h->y[1]) & h->m[1])) != 0)
		return NULL;
	*colon = line + nl;
	return h;
#else
	(void)line;
	(void)ll;
	(void)avail;
	(void)colon;
	return NULL;
#endif
}

/*
 * The roles of header name n[0..nl) (trimmed), &kh_none when it has
 * none.  libosip2 is given the compact forms of its headers (v, f, t,
 * i, m); the index looks a one-letter name up under its full name
 * (hdr_full_of), so "i" finds Call-ID and "c" Content-Type.
 */
static const struct kh_entry *
classify(const uint8_t *n, size_t nl)
{
	const struct kh_entry *h;

	if (nl == 1) {
		/*
		 * compact_names' letters of our headers, as hdr_full_of()
		 * and the full name would say (a letter in either case; no
		 * other byte is a compact name).
		 */
		switch (n[0] | 0x20) {
		case 'v': return KH_AT(3, 'V', 'i', 'a');   /* Via */
		case 'f': return KH_AT(4, 'F', 'r', 'o');   /* From */
		case 't': return KH_AT(2, 'T', 'o', ':');   /* To */
		case 'i': return KH_AT(7, 'C', 'a', 'l');   /* Call-ID */
		case 'm': return KH_AT(7, 'C', 'o', 'n');   /* Contact */
		case 'c': return KH_AT(12, 'C', 'o', 'n');  /* Content-Type */
		case 'l': return KH_AT(14, 'C', 'o', 'n');  /* Content-Length */
		case 'o': return KH_AT(5, 'E', 'v', 'e');   /* Event */
		case 'r': return KH_AT(8, 'R', 'e', 'f');   /* Refer-To */
		case 'x': return KH_AT(15, 'S', 'e', 's'); /* Session-Expires */
		default: return &kh_none;
		}
	}
	if (nl == 0)
		return &kh_none;
	/* A name of two bytes is hashed with the ':' a line has after it. */
	h = kh_slot((uint32_t)n[0] | (uint32_t)n[1] << 8 |
	    (uint32_t)(nl > 2 ? n[2] : ':') << 16, nl);
	return name_is(n, nl, h) ? h : &kh_none;
}

/*
 * Whether a byte of x is NUL or CR: a byte of x (or of x ^ 0x0d..) is
 * zero exactly when its top bit is set in (x - 0x01..) & ~x & 0x80..
 * (the classic test; borrows only run from a zero byte upwards).
 */
static inline bool
nul_or_cr(uint64_t x)
{
	const uint64_t lo = 0x0101010101010101ULL;
	const uint64_t hi = 0x8080808080808080ULL;
	uint64_t y = x ^ (lo * '\r');

	return ((((x - lo) & ~x) | ((y - lo) & ~y)) & hi) != 0;
}

#ifdef __SSE2__
/* nul_or_cr() for sixteen bytes. */
static inline bool
nul_or_cr16(__m128i v)
{
	return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v,
	    _mm_setzero_si128()), _mm_cmpeq_epi8(v,
	    _mm_set1_epi8('\r')))) != 0;
}
#endif

/*
 * Writes one line at o as the libosip2 copy holds it: CRLF-terminated,
 * NUL as '?'.  Returns whether a CR was left inside the line: libosip2
 * ends a header there, and its header block at a line starting with one.
 */
static bool
put_line(char *o, const uint8_t *line, size_t ll)
{
	bool cr = false;
	size_t i = 0;
	uint64_t x;

#ifdef __SSE2__
	/*
	 * Sixteen bytes a compare while none is NUL or CR (the usual
	 * case), the last ones as one block ending at ll (overlapping
	 * those copied); the words and bytes below handle the rest.
	 */
	__m128i v;

	for (; i + 16 <= ll; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
		if (nul_or_cr16(v))
			break;
		_mm_storeu_si128((__m128i *)(void *)(o + i), v);
	}
	if (i < ll && i + 16 > ll && ll >= 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(line + ll -
		    16));
		if (!nul_or_cr16(v)) {
			_mm_storeu_si128((__m128i *)(void *)(o + ll - 16), v);
			i = ll;
		}
	}
#endif
	/*
	 * Eight bytes at a time while none is NUL or CR (the usual case);
	 * the byte loop below handles the rest.
	 */
	for (; i + 8 <= ll; i += 8) {
		memcpy(&x, line + i, 8);
		if (nul_or_cr(x))
			break;
		memcpy(o + i, &x, 8);
	}
	/*
	 * The last bytes of a clean line as one word ending at ll
	 * (overlapping the words copied), not byte by byte.
	 */
	if (i < ll && i + 8 > ll && ll >= 8) {
		memcpy(&x, line + ll - 8, 8);
		if (!nul_or_cr(x)) {
			memcpy(o + ll - 8, &x, 8);
			i = ll;
		}
	}
	for (; i < ll; i++) {
		uint8_t c = line[i];

		if (c == '\r')
			cr = true;
		o[i] = c == 0 ? '?' : (char)c;
	}
	o[ll] = '\r';
	o[ll + 1] = '\n';
	return cr;
}

/* Appends one line to the libosip2 copy (put_line), noting a CR inside. */
static void
in_line(struct walk *w, const uint8_t *line, size_t ll)
{
	if (put_line(w->in + w->inlen, line, ll))
		w->has_cr = true;
	w->inlen += ll + 2;
}

/*
 * Whether deferred memo line a goes into the copy before b: by place,
 * and at one place in the order of the header block.
 */
static bool
goes_before(const struct memo_line *a, const struct memo_line *b)
{
	return a->in_off < b->in_off ||
	    (a->in_off == b->in_off && a->seq < b->seq);
}

/*
 * Puts the deferred memo line ml into the copy at its place now (a
 * second line of its header came: it can no longer be taken), moving
 * what follows, and the places of the deferred lines after it, on.
 */
static void
undefer(struct walk *w, struct memo_line *ml)
{
	size_t n = ml->ll + 2;

	memmove(w->in + ml->in_off + n, w->in + ml->in_off,
	    w->inlen - ml->in_off);
	/* Not looked at while deferred (walk_cr): now, as in_line() does. */
	if (put_line(w->in + ml->in_off, ml->line, ml->ll))
		w->has_cr = true;
	w->inlen += n;
	for (int k = 0; k < MEMO_COUNT; k++)
		if (w->memo[k].deferred && goes_before(ml, &w->memo[k]))
			w->memo[k].in_off += n;
	ml->deferred = false;
}

/*
 * Clears x (no header found yet).  Sixteen bytes a store where SSE2 is
 * there: gcc makes the memset() of these 112 bytes a "rep stos", whose
 * start-up cost more than the stores, once a message (a hot line of the
 * walk in the time profile).
 */
static inline void
hx_clear(struct hdr_index *x)
{
#ifdef __SSE2__
	/* Written out: gcc makes a loop of these stores a memset() again. */
	__m128i *v = (__m128i *)(void *)x->val;
	const __m128i z = _mm_setzero_si128();

	_Static_assert(sizeof(x->val) == 7 * 16, "seven 16-byte stores");
	_mm_storeu_si128(v, z);
	_mm_storeu_si128(v + 1, z);
	_mm_storeu_si128(v + 2, z);
	_mm_storeu_si128(v + 3, z);
	_mm_storeu_si128(v + 4, z);
	_mm_storeu_si128(v + 5, z);
	_mm_storeu_si128(v + 6, z);
#else
	memset(x->val, 0, sizeof(x->val));
#endif
}

/*
 * The walk.  The block ends at the first empty line after the start line
 * (RFC 3261 section 7.5); every line before it, the start line included,
 * must be at most CAP_SIP_LINE_BYTES (too_long otherwise, and nothing
 * else is meaningful).  The index skips the start line, folded
 * continuation lines (leading SP or HTAB, not joined) and lines without
 * ':', and keeps the trimmed value of each header's first occurrence.
 * The libosip2 copy holds the start line, the headers libosip2 parses
 * (enum ok) with their continuation lines, and every line without ':'
 * (for libosip2 to judge), in their order.  The first line of each memo
 * header is not copied yet: w->memo notes where it goes, and walk_drop()
 * puts it there unless it is taken (a second line of the header puts
 * the first in at once).  A terminated line grows by at most
 * one byte per byte consumed (a bare "\n" becomes CRLF), the unterminated
 * last line by two, then CRLF and NUL: 2 * len + 5 bounds the copy.
 *
 * Kept out of line: inlined into the parse (LTO), among its many
 * locals, the loop reloaded msg, len and the notes from the stack on
 * every line; a call a message costs less.
 */
__attribute__((noinline)) int
walk_headers(struct walk *w, struct scratch *s, const uint8_t *msg,
    size_t len, const struct sipframe_lines *ln)
{
	const uint8_t *line;
	size_t ll, start, off = 0;
	bool dropping = false;
	struct memo_line *last = NULL;  /* memo line just before */
	unsigned seq = 0, nnotes = ln != NULL ? ln->n : 0;

	/*
	 * Not the whole struct: hx.len[k] is read only with hx.val[k] set,
	 * a memo line's other fields only with its count, usable or
	 * deferred set (they were a tenth of the walk's instructions).
	 */
	w->too_long = w->has_cr = w->extra = false;
	hx_clear(&w->hx);
	for (int k = 0; k < MEMO_COUNT; k++) {
		w->memo[k].count = 0;
		w->memo[k].usable = w->memo[k].deferred = false;
	}
	w->inlen = 0;
	w->sl_len = 0;
	w->in = scratch_alloc(s, 2 * len + 5);
	if (w->in == NULL)
		return -1;
	w->hdr_len = w->body_off = len;
	/*
	 * The start line, before the loop: it is copied whole, and a test
	 * for it on every header line cost a compare and a branch each.
	 * seq counts the lines taken: the next one's index in ln.
	 */
	if (off < len) {
		line = walk_next_line(msg, len, &off, ln, nnotes, seq, &ll);
		seq++;
		if (ll > CAP_SIP_LINE_BYTES) {
			w->too_long = true;
			return 0;
		}
		in_line(w, line, ll);
		/* The copy is this line and CRLF: its first CR ends it. */
		w->sl_len = ll;
		if (w->has_cr)
			w->sl_len = (size_t)((const char *)memchr(w->in, '\r',
			    ll) - w->in);
	}
	while (off < len) {
		const struct kh_entry *h;
		const uint8_t *colon, *v, *lf;
		size_t e, vl;
		int hx, ok;

		/*
		 * The line's LF: the framing's note while there is one and it
		 * is an LF of the rest (one compare tells off <= e < len),
		 * else searched for (e is len when there is none).
		 */
		start = off;
		line = msg + off;
		if (seq >= nnotes || (e = ln->nl[seq]) - off >= len - off ||
		    msg[e] != '\n') {
			lf = memchr(line, '\n', len - off);
			e = lf != NULL ? (size_t)(lf - msg) : len;
		}
		seq++;
		ll = e - off;
		off = e + 1;
		/*
		 * Its CR.  line[-1] (an empty line's) is in the message: off
		 * was past the start line's LF here, and msg[start - 1] is
		 * the LF ending the line before, not a CR.
		 */
		ll -= line[(ptrdiff_t)ll - 1] == '\r';
		/* Empty or over the cap: one compare passes the usual line. */
		if (__builtin_expect(ll - 1 >= CAP_SIP_LINE_BYTES, 0)) {
			if (ll != 0) {
				w->too_long = true;
				return 0;
			}
			w->hdr_len = start;
			w->body_off = e < len ? e + 1 : len;
			break;
		}
		colon = NULL;
		h = line_known(line, ll, len - start, &colon);
		if (h == NULL) {
			const uint8_t *n;
			size_t nl;

			if (line[0] == ' ' || line[0] == '\t') {
				/* A folded line: its header cannot be reused. */
				if (last != NULL)
					last->usable = false;
				if (!dropping) {
					w->extra = true;
					in_line(w, line, ll);
				}
				continue;
			}
			colon = line_colon(line, ll);
			if (colon == NULL) {
				last = NULL;
				dropping = false;
				w->extra = true;
				in_line(w, line, ll);
				continue;
			}
			n = line;
			nl = (size_t)(colon - line);
			text_trim(&n, &nl);
			h = classify(n, nl);
		}
		last = NULL;
		hx = h->hx;
		ok = h->ok;
		if (hx >= 0 && w->hx.val[hx] == NULL) {
			v = colon + 1;
			vl = (size_t)(line + ll - v);
			/*
			 * Usually one SP, then the value with no blank at
			 * its end: what text_trim() gives, without its loops
			 * (v[1] and v[vl - 1] are in the line for vl >= 2).
			 */
			if (vl >= 2 && v[0] == ' ' && v[1] != ' ' &&
			    v[1] != '\t' && v[vl - 1] != ' ' &&
			    v[vl - 1] != '\t') {
				v++;
				vl--;
			} else {
				text_trim(&v, &vl);
			}
			w->hx.val[hx] = v;
			w->hx.len[hx] = vl;
		}
		dropping = ok == OK_NONE;
		if (dropping)
			continue;
		if (ok < MEMO_COUNT) {
			struct memo_line *ml = &w->memo[ok];

			/*
			 * The first line of a memo header waits for
			 * walk_drop(): it is mostly taken, and then never
			 * copied.  A CR inside it is looked for by undefer()
			 * or walk_cr(), not here: a taken line has none.
			 */
			if (ml->deferred)
				undefer(w, ml);
			ml->usable = ++ml->count == 1;
			ml->line = line;
			ml->ll = ll;
			ml->colon = colon;
			ml->in_off = w->inlen;
			ml->seq = seq;
			last = ml;
			if (ml->usable) {
				ml->deferred = true;
				continue;
			}
		} else {
			w->extra = true;
		}
		in_line(w, line, ll);
	}
	return 0;
}

void
walk_cr(struct walk *w, const bool clean[MEMO_COUNT])
{
	for (int k = 0; k < MEMO_COUNT && !w->has_cr; k++) {
		const struct memo_line *ml = &w->memo[k];

		if (ml->deferred && (clean == NULL || !clean[k]) &&
		    memchr(ml->line, '\r', ml->ll) != NULL)
			w->has_cr = true;
	}
}

/*
 * Puts the deferred lines of the memo headers not answered for without
 * libosip2 (taken[k] false) into the libosip2 copy at their places, so
 * that it is exactly the copy with every line and the taken ones left
 * out, and closes it (empty line and NUL).  A taken line is always a
 * deferred one (taken needs usable: one line, the first).  The lines go
 * in from the last one back, each stretch of the copy moved once.
 */
void
walk_drop(struct walk *w, const bool taken[MEMO_COUNT])
{
	struct memo_line *put[MEMO_COUNT];
	size_t np = 0, add = 0, src, dst;

	for (int k = 0; k < MEMO_COUNT; k++) {
		struct memo_line *ml = &w->memo[k];
		size_t i;

		if (!ml->deferred || taken[k])
			continue;
		/* In copy order (insertion; at most MEMO_COUNT lines). */
		for (i = np; i > 0 && goes_before(ml, put[i - 1]); i--)
			put[i] = put[i - 1];
		put[i] = ml;
		np++;
		add += ml->ll + 2;
	}
	src = w->inlen;
	dst = w->inlen + add;
	while (np > 0) {
		struct memo_line *ml = put[--np];
		size_t tail = src - ml->in_off;

		dst -= tail;
		memmove(w->in + dst, w->in + ml->in_off, tail);
		dst -= ml->ll + 2;
		(void)put_line(w->in + dst, ml->line, ml->ll);
		src = ml->in_off;
		ml->deferred = false;
	}
	w->inlen += add;
	w->in[w->inlen++] = '\r';
	w->in[w->inlen++] = '\n';
	w->in[w->inlen] = '\0';
}
