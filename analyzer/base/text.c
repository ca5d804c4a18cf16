/*
 * text.c - bounded text helpers (text.h).
 *
 * The escaper keeps valid UTF-8 readable but lets no character through
 * that a terminal or a spreadsheet acts on: C0 controls and DEL, C1
 * controls (U+0080..U+009F, which 8-bit terminals take as ESC [ and
 * friends), the Unicode bidi controls (Bidi_Control: U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069, which reorder what is shown,
 * the "Trojan Source" trick) and the line and paragraph separators
 * U+2028/U+2029 (which start a new line without being LF).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/text.h"

/* Bit 7 of each byte of x that is zero (exactly: nonzero iff one is). */
#define SWAR_LO 0x0101010101010101ULL
#define SWAR_HI 0x8080808080808080ULL
#define SWAR_ZERO(x) (((x) - SWAR_LO) & ~(x) & SWAR_HI)

int
text_parse_uint(const void *vp, size_t len, uint64_t max, uint64_t *out)
{
	const uint8_t *p = vp;
	size_t i = 0, digits = 0;
	uint64_t v = 0, q;
	unsigned r;

	/* The usual case first: text_uint_plain(). */
	int plain = text_uint_plain(vp, len, max, out);

	if (plain != 1)
		return plain;
	/*
	 * Otherwise v * 10 + d > max exactly when v > q, or v == q and
	 * d > r: one division per call, not one per digit (a 64-bit
	 * division costs tens of cycles).
	 */
	q = max / 10;
	r = (unsigned)(max % 10);
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (v > q || (v == q && d > r))
			return -1;
		v = v * 10 + d;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (digits == 0 || i != len)
		return -1;
	*out = v;
	return 0;
}

bool
text_iprefix(const void *vp, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && text_ieq(vp, n, prefix);
}

const void *
text_find(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	if (nlen == 0 || hay == NULL || hlen < nlen)
		return NULL;
	return memmem(hay, hlen, needle, nlen);
}

char *
text_copy(char *dst, size_t n, const void *vp, size_t len)
{
	const uint8_t *p = vp;
	size_t i;

	if (n == 0)
		return dst;
	if (len > n - 1)
		len = n - 1;
	/*
	 * Eight bytes at a time while none is a NUL (SWAR_ZERO is exact as
	 * yes/no), the tail as the last eight, overlapping; four and four
	 * for 4 to 7 bytes.  A block with a NUL goes byte by byte.
	 */
	i = 0;
	if (len >= 8) {
		uint64_t x;

		for (; i + 8 <= len; i += 8) {
			memcpy(&x, p + i, 8);
			if (SWAR_ZERO(x))
				break;
			memcpy(dst + i, &x, 8);
		}
		if (i < len && i + 8 > len) {
			memcpy(&x, p + len - 8, 8);
			if (!SWAR_ZERO(x)) {
				memcpy(dst + len - 8, &x, 8);
				i = len;
			}
		}
	} else if (len >= 4) {
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + len - 4, 4);
		if (((a - 0x01010101u) & ~a & 0x80808080u) == 0 &&
		    ((b - 0x01010101u) & ~b & 0x80808080u) == 0) {
			memcpy(dst, &a, 4);
			memcpy(dst + len - 4, &b, 4);
			i = len;
		}
	}
	for (; i < len; i++)
		dst[i] = p[i] == 0 ? '?' : (char)p[i];
	dst[i] = '\0';
	return dst;
}

size_t
text_utf8_len(const uint8_t *p, size_t len, uint32_t *cpo)
{
	size_t n;
	uint32_t cp;

	*cpo = p[0];
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpo = cp;
	return n;
}

bool
text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Whether one of the eight bytes of x needs JSON escaping: below 0x20
 * (x - 0x20.. borrows into bit 7 of such a byte, ~x keeps the bytes that
 * had it clear), from 0x7f up (0x7f itself, or bit 7 set), '"' or '\\'.
 * Exact as a yes/no: a byte can only be flagged wrongly above one that
 * really is.
 */
static inline bool
swar_json_special(uint64_t x)
{
	uint64_t below = (x - SWAR_LO * 0x20) & ~x;

	return ((below | x | SWAR_ZERO(x ^ (SWAR_LO * 0x7f)) |
	    SWAR_ZERO(x ^ (SWAR_LO * '"')) |
	    SWAR_ZERO(x ^ (SWAR_LO * '\\'))) & SWAR_HI) != 0;
}

/* The bytes a JSON string takes as they are: printable ASCII but '"' and '\\'. */
#define PLAIN_ROW(b) \
	((b) >= 0x20 && (b) <= 0x7e && (b) != '"' && (b) != '\\')
#define PLAIN_16(b) PLAIN_ROW(b), PLAIN_ROW((b) + 1), PLAIN_ROW((b) + 2), \
	PLAIN_ROW((b) + 3), PLAIN_ROW((b) + 4), PLAIN_ROW((b) + 5), \
	PLAIN_ROW((b) + 6), PLAIN_ROW((b) + 7), PLAIN_ROW((b) + 8), \
	PLAIN_ROW((b) + 9), PLAIN_ROW((b) + 10), PLAIN_ROW((b) + 11), \
	PLAIN_ROW((b) + 12), PLAIN_ROW((b) + 13), PLAIN_ROW((b) + 14), \
	PLAIN_ROW((b) + 15)
static const bool json_plain[256] = {
	PLAIN_16(0x00), PLAIN_16(0x10), PLAIN_16(0x20), PLAIN_16(0x30),
	PLAIN_16(0x40), PLAIN_16(0x50), PLAIN_16(0x60), PLAIN_16(0x70),
	PLAIN_16(0x80), PLAIN_16(0x90), PLAIN_16(0xa0), PLAIN_16(0xb0),
	PLAIN_16(0xc0), PLAIN_16(0xd0), PLAIN_16(0xe0), PLAIN_16(0xf0),
};

size_t
text_plain_run(const void *vp, size_t len, enum text_esc esc)
{
	const uint8_t *p = vp;
	size_t r = 0;

	switch (esc) {
	case TEXT_ESC_JSON:
#ifdef __SSE2__
		/*
		 * Sixteen bytes at a step; the mask gives the first byte that
		 * needs escaping exactly.  Signed, the bytes from 0x80 up are
		 * below 0x20 too.
		 */
		if (len >= 16) {
			const __m128i sp = _mm_set1_epi8(0x20);
			const __m128i del = _mm_set1_epi8(0x7f);
			const __m128i qu = _mm_set1_epi8('"');
			const __m128i bs = _mm_set1_epi8('\\');
			unsigned mask;

			for (; r + 16 <= len; r += 16) {
				__m128i v = _mm_loadu_si128((const void *)(p + r));

				mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				    _mm_or_si128(_mm_cmplt_epi8(v, sp),
				    _mm_cmpeq_epi8(v, del)),
				    _mm_or_si128(_mm_cmpeq_epi8(v, qu),
				    _mm_cmpeq_epi8(v, bs))));
				if (mask != 0)
					return r + (size_t)__builtin_ctz(mask);
			}
			if (r == len)
				return len;
			/*
			 * The last sixteen bytes, overlapping ones that passed:
			 * the first flagged one is at or after r.
			 */
			{
				__m128i v = _mm_loadu_si128((const void *)(p +
				    len - 16));

				mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				    _mm_or_si128(_mm_cmplt_epi8(v, sp),
				    _mm_cmpeq_epi8(v, del)),
				    _mm_or_si128(_mm_cmpeq_epi8(v, qu),
				    _mm_cmpeq_epi8(v, bs))));
				return mask == 0 ? len :
				    len - 16 + (size_t)__builtin_ctz(mask);
			}
		}
#endif
		/* Eight bytes at a step while none needs escaping. */
		for (; r + 8 <= len; r += 8) {
			uint64_t x;

			memcpy(&x, p + r, 8);
			if (swar_json_special(x))
				break;
		}
		/*
		 * All blocks passed and a tail is left: the last eight bytes
		 * (overlapping ones that passed) decide it in one step.
		 */
		if (r < len && r + 8 > len && len >= 8) {
			uint64_t x;

			memcpy(&x, p + len - 8, 8);
			if (!swar_json_special(x))
				return len;
		}
		while (r < len && json_plain[p[r]])
			r++;
		break;
	case TEXT_ESC_CSV:
		while (r < len && p[r] >= 0x20 && p[r] < 0x7f && p[r] != '"')
			r++;
		break;
	case TEXT_ESC_HTML:
		while (r < len && p[r] >= 0x20 && p[r] < 0x7f &&
		    p[r] != '\\' && p[r] != '&' && p[r] != '<' &&
		    p[r] != '>' && p[r] != '"' && p[r] != '\'')
			r++;
		break;
	default:
		while (r < len && p[r] >= 0x20 && p[r] < 0x7f && p[r] != '\\')
			r++;
		break;
	}
	return r;
}

void
text_fput_escaped(FILE *f, const void *vp, size_t len, enum text_esc esc)
{
	const uint8_t *p = vp;
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t run = 0;

		/* Copy the longest run of bytes that need no escaping at once. */
		run = text_plain_run(p + i, len - i, esc);
		if (run > 0) {
			text_put_bytes(f, p + i, run);
			i += run;
			continue;
		}
		if (c >= 0x80) {
			uint32_t cp;
			size_t n = text_utf8_len(p + i, len - i, &cp);

			if (n > 1 && text_is_control(cp)) {
				/* The character, named: the same in every target. */
				fprintf(f, "\\u%04x", (unsigned)cp);
				i += n;
				continue;
			}
			if (n > 1) {
				text_put_bytes(f, p + i, n);
				i += n;
				continue;
			}
			if (esc == TEXT_ESC_JSON)
				fputs("\\ufffd", f);
			else
				fprintf(f, "\\x%02x", c);
			i++;
			continue;
		}
		switch (esc) {
		case TEXT_ESC_JSON:
			if (c == '"')
				fputs("\\\"", f);
			else if (c == '\\')
				fputs("\\\\", f);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\r')
				fputs("\\r", f);
			else if (c == '\t')
				fputs("\\t", f);
			else
				fprintf(f, "\\u%04x", c);
			break;
		case TEXT_ESC_CSV:
			if (c == '"')
				fputs("\"\"", f);
			else
				fprintf(f, "\\x%02x", c);
			break;
		case TEXT_ESC_HTML:
			if (c == '&')
				fputs("&amp;", f);
			else if (c == '<')
				fputs("&lt;", f);
			else if (c == '>')
				fputs("&gt;", f);
			else if (c == '"')
				fputs("&quot;", f);
			else if (c == '\'')
				fputs("&#39;", f);
			else if (c == '\\')
				fputs("\\\\", f);
			else
				fprintf(f, "\\x%02x", c);
			break;
		default:
			if (c == '\\')
				fputs("\\\\", f);
			else
				fprintf(f, "\\x%02x", c);
			break;
		}
		i++;
	}
}

char *
text_escape(char *dst, size_t n, const void *vp, size_t len)
{
	const uint8_t *p = vp;
	size_t o = 0;

	if (n == 0)
		return dst;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= n)
				break;
			snprintf(dst + o, n - o, "\\x%02x", c);
			o += 4;
		}
	}
	dst[o] = '\0';
	return dst;
}

void
text_fwarn(FILE *f, const char *prog, const char *fmt, ...)
{
	char buf[1024], *m = buf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf) && (m = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(m, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (m == NULL) {
		m = buf;
		n = (int)strlen(buf);
	}
	fprintf(f, "%s: ", prog);
	text_fput_escaped(f, m, (size_t)n, TEXT_ESC_PLAIN);
	fputc('\n', f);
	if (m != buf)
		free(m);
}

char *
text_frame_ref(char *buf, size_t n, const char *name, uint64_t frame)
{
	if (frame == 0)
		snprintf(buf, n, "-");
	else if (name != NULL)
		snprintf(buf, n, "%s#%" PRIu64, name, frame);
	else
		snprintf(buf, n, "%" PRIu64, frame);
	return buf;
}

/*
 * v with 0..6 decimals as printf's "%.*f" writes it, into b
 * (TEXT_FIXED_BYTES, not NUL-terminated),
 * when that can be decided without printf: r = |v| * 10^decimals below
 * 10^9 is within 2^-53 * 10^9 (about 1.1e-7) of the exact product, so
 * unless r is within 1e-6 of a half the exact value rounds as r does.
 * The sign is printf's: '-' for every negative v, -0 included.  Returns
 * the length, 0 when printf must decide (fprintf was most of the cost
 * of a dialog's figures).
 */
size_t
text_fixed(char *b, double v, int decimals)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	double r, fl;
	uint64_t q;
	char d[24];
	size_t o = 0, nd = 0;

	if (decimals < 0 || decimals > 6)
		return 0;
	r = fabs(v) * p10[decimals];
	if (!(r < 1e9))
		return 0;
	fl = floor(r);
	if (fabs(r - fl - 0.5) < 1e-6)
		return 0;
	q = (uint64_t)fl + (r - fl > 0.5);
	do {
		d[nd++] = (char)('0' + q % 10);
		q /= 10;
	} while (q != 0);
	while (nd <= (size_t)decimals)
		d[nd++] = '0';
	if (signbit(v))
		b[o++] = '-';
	while (nd > (size_t)decimals)
		b[o++] = d[--nd];
	if (decimals > 0)
		b[o++] = '.';
	while (nd > 0)
		b[o++] = d[--nd];
	return o;
}

int
text_snprintf_fixed(char *buf, size_t n, const char *prefix, double v,
    int decimals)
{
	char b[TEXT_FIXED_BYTES];
	size_t pl = strlen(prefix), fl = text_fixed(b, v, decimals), k, c;

	if (fl == 0)
		return snprintf(buf, n, "%s%.*f", prefix, decimals, v);
	if (n > 0) {
		k = pl < n - 1 ? pl : n - 1;
		c = fl < n - 1 - k ? fl : n - 1 - k;
		memcpy(buf, prefix, k);
		memcpy(buf + k, b, c);
		buf[k + c] = '\0';
	}
	return (int)(pl + fl);
}
