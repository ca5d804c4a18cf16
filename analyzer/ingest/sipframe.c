/*
 * sipframe.c - recognising SIP by content and cutting bytes into messages
 * (sipframe.h).
 *
 * Recognition must be cheap: it runs on every UDP datagram and most of
 * those are RTP, whose first byte (version 2: 0x80-0xbf) is never a token
 * character, so the usual answer costs one table look-up.  A request line
 * is RFC 3261 §25.1 Request-Line reduced to what a recogniser needs:
 *
 *	Method SP scheme ":" 1*uri-char SP "SIP/2.0" CRLF
 *	  |         |
 *	  |         ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3986)
 *	  1*32 token characters
 *
 * and a status line is "SIP/2.0" SP 3DIGIT SP.  "SIP/2.0" is matched
 * without regard to case (ABNF literals are case-insensitive).
 *
 * Framing follows RFC 3261 §18.3: the header block ends at the first empty
 * line (CRLF CRLF; a bare LF is tolerated as §7.5 suggests), the body is
 * Content-Length bytes ("l" in compact form, §20.14).  On streams the
 * length is mandatory in practice and a missing one means no body; in
 * datagrams a missing one means the body runs to the end of the datagram.
 * Line ends are found sixteen bytes a compare (SSE2, a 64-bit mask of
 * the LFs of each 64-byte block; length-bounded memchr() elsewhere and
 * to tell why data ended), never past len; lines are capped at
 * CAP_SIP_LINE_BYTES, and a message at CAP_SIP_MSG_BYTES: hitting a cap
 * counts the anomaly and gives up on the message.  Folded header lines
 * (§7.3.1) are not joined; a folded Content-Length is not seen.  The
 * line ends found on the way are noted for the parse (sipframe_lines),
 * which would otherwise search for them again.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/caps.h"
#include "ingest/sipframe.h"
#include "base/text.h"

/* Internal answers of start_line(). */
#define START_YES	1
#define START_MORE	0
#define START_NO	(-1)
#define START_LONG	(-2)	/* plausible start line beyond the line cap */

#define METHOD_MAX	32
#define SCHEME_MAX	32

/*
 * RFC 3261 §25.1 token characters: alphanumerics and - . ! % * _ + ` ' ~,
 * as bits of two words (bytes 0-63, 64-127; none above), one test a byte.
 */
static const uint64_t token_bits[2] = {
	0x03ff6ca200000000ULL, 0x47ffffff87fffffeULL,
};

static inline int
is_token(uint8_t c)
{
	return c < 128 && (token_bits[c >> 6] >> (c & 63) & 1) != 0;
}

static int
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/*
 * Compares p[0..len) with as much of the literal lit as is available.
 * Returns 1 when all of lit matched, 0 when the data ran out first while
 * matching, -1 on a mismatch.
 */
static inline int
match_prefix(const uint8_t *p, size_t len, const char *lit)
{
	size_t i, n = strlen(lit);

	/* Senders write "SIP/2.0" as the RFC does: one compare decides. */
	if (len >= n && memcmp(p, lit, n) == 0)
		return 1;
	for (i = 0; lit[i] != '\0'; i++) {
		if (i >= len)
			return 0;
		if (lower(p[i]) != lower((uint8_t)lit[i]))
			return -1;
	}
	return 1;
}

static int
status_line(const uint8_t *p, size_t len)
{
	size_t i;
	int m = match_prefix(p, len, "SIP/2.0 ");

	if (m <= 0)
		return m == 0 ? START_MORE : START_NO;
	for (i = 8; i < 11; i++) {
		if (i >= len)
			return START_MORE;
		if (p[i] < '0' || p[i] > '9')
			return START_NO;
	}
	if (i >= len)
		return START_MORE;
	return p[i] == ' ' ? START_YES : START_NO;
}

static int
request_line(const uint8_t *p, size_t len)
{
	size_t i = 0, u, lim;
	int m;

	while (i < len && i <= METHOD_MAX && is_token(p[i]))
		i++;
	if (i == 0 || i > METHOD_MAX)
		return START_NO;
	if (i == len)
		return START_MORE;
	if (p[i++] != ' ')
		return START_NO;

	/* URI scheme. */
	if (i == len)
		return START_MORE;
	if (!is_alpha(p[i]))
		return START_NO;
	for (u = i; i < len && i - u <= SCHEME_MAX &&
	    (is_alpha(p[i]) || (p[i] >= '0' && p[i] <= '9') ||
	    p[i] == '+' || p[i] == '-' || p[i] == '.'); i++)
		;
	if (i == len)
		return START_MORE;
	if (p[i++] != ':' || i - u > SCHEME_MAX + 1)
		return START_NO;

	/* Rest of the URI: no blanks, no control bytes. */
	u = i;
	lim = len < CAP_SIP_LINE_BYTES ? len : CAP_SIP_LINE_BYTES;
	/*
	 * Eight bytes at a time while none is SP or below, nor DEL (the
	 * usual URI); the byte loop decides on the rest.  A byte of x below
	 * 0x21 sets its top bit in (x - 0x21..) & ~x & 0x80.., a byte equal
	 * to 0x7f does so for y = x ^ 0x7f.. with 0x01 (exact as a test of
	 * the whole word: borrows start only at such a byte).
	 */
	while (i + 8 <= lim) {
		const uint64_t lo = 0x0101010101010101ULL;
		const uint64_t hi = 0x8080808080808080ULL;
		uint64_t x, y;

		memcpy(&x, p + i, 8);
		y = x ^ (lo * 0x7f);
		if (((x - lo * 0x21) & ~x & hi) | ((y - lo) & ~y & hi))
			break;
		i += 8;
	}
	while (i < lim && p[i] > ' ' && p[i] != 0x7f)
		i++;
	if (i >= CAP_SIP_LINE_BYTES)
		return START_LONG;
	if (i == len)
		return START_MORE;
	if (p[i] != ' ' || i == u)
		return START_NO;
	i++;

	m = match_prefix(p + i, len - i, "SIP/2.0");
	if (m <= 0)
		return m == 0 ? START_MORE : START_NO;
	i += 7;
	if (i == len)
		return START_MORE;
	if (p[i] == '\n')
		return START_YES;
	if (p[i] != '\r')
		return START_NO;
	if (i + 1 == len)
		return START_MORE;
	return p[i + 1] == '\n' ? START_YES : START_NO;
}

static int
start_line(const uint8_t *p, size_t len)
{
	int r;

	if (p == NULL || len == 0)
		return START_MORE;
	/* One byte decides for RTP, DNS, STUN and most binary traffic. */
	if (!is_token(p[0]))
		return START_NO;
	if (p[0] == 'S' || p[0] == 's') {
		r = status_line(p, len);
		if (r != START_NO)
			return r;
	}
	return request_line(p, len);
}

bool
sipframe_looks_like_sip(const uint8_t *p, size_t len)
{
	return p != NULL && len > 0 && start_line(p, len) == START_YES;
}

bool
sipframe_starts_like_sip(const uint8_t *p, size_t len)
{
	return p != NULL && len > 0 && start_line(p, len) != START_NO;
}

enum sipframe_rc
sipframe_start(const uint8_t *p, size_t len)
{
	switch (start_line(p, len)) {
	case START_YES:
		return SIPFRAME_OK;
	case START_MORE:
		return SIPFRAME_INCOMPLETE;
	default:
		return SIPFRAME_ERROR;
	}
}

/*
 * The first bytes of a line that can be Content-Length or "l", lowered
 * ('c' or 'l'; 0 for any other byte): one load and a test a line.
 */
static const uint8_t cl_first[256] = {
	['C'] = 'c', ['c'] = 'c', ['L'] = 'l', ['l'] = 'l',
};

/*
 * Whether the header line line[0..k) (not the start line, not empty;
 * k counts a CR before its LF) is Content-Length or "l", as
 * sipframe_header() would match it: not a folded line, the name before
 * the first ':' trimmed of SP and HTAB at its end; sets the trimmed
 * value.  c is cl_first[line[0]], not 0.  Forced inline: header_line()
 * is inlined twice, and the call then cost more than most of its tests.
 */
static inline __attribute__((always_inline)) bool
cl_line(const uint8_t *line, size_t k, int c, const uint8_t **val,
    size_t *vlen)
{
	const uint8_t *v;
	size_t i, n, ll;

	/*
	 * The name is "l" or "Content-Length" (senders write it as the RFC
	 * does: a compare of fixed length, inlined, decides first), then SP
	 * or HTAB up to the first ':'.  Decided on the name's bytes, not
	 * after a search for the ':' in every line starting with c or l.
	 */
	if (c == 'l')
		i = 1;
	else if (k > 14 &&
	    (memcmp(line, "Content-Length", 14) == 0 ||
	    /* Call-ID, CSeq, Contact, Content-Type fail here, at once. */
	    (line[7] == '-' && lower(line[8]) == 'l' &&
	    text_ieq(line, 14, "Content-Length"))))
		i = 14;
	else
		return false;
	/* A CR as the last byte is the line end's (k >= 1: not empty). */
	ll = k - (line[k - 1] == '\r');
	while (i < ll && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == ll || line[i] != ':')
		return false;
	v = line + i + 1;
	n = ll - i - 1;
	text_trim(&v, &n);
	*val = v;
	*vlen = n;
	return true;
}

/* What header_end() carries from one line to the next. */
struct hscan {
	size_t pos;             /* the next line's first byte */
	unsigned nn, nmax;      /* line ends noted, at most */
	const uint8_t *clv;     /* the first Content-Length value, or NULL */
	size_t clvl;
	size_t hdr_len;         /* set when the empty line is found */
	enum sipframe_rc rc;    /* set on ERROR (anomaly counted) */
};

/*
 * header_end()'s step for the line from st->pos to its LF at p[e]:
 * notes it, checks the caps, looks for Content-Length, and tells
 * whether the header block goes on (1), ends with this empty line (0,
 * st->hdr_len set) or hits a cap (-1, counted, st->rc ERROR).  The
 * notes are kept in st (locals once inlined) until the end: through ln
 * every step cost a load and a store of ln->n (the packet bytes may
 * alias it, as far as the compiler knows).  bounded (a constant once
 * inlined) says e < CAP_SIP_MSG_BYTES, as header_lines_sse2() keeps
 * it: then e fits the notes and the next line cannot start past the
 * message cap, and neither is tested; and ln is not NULL (the spare
 * notes when the caller wants none): every e is stored at nl[st->nn],
 * which then moves on while under st->nmax (nl[SIPFRAME_LINES] is the
 * spare slot for those past it), without a branch.
 */
static inline __attribute__((always_inline)) int
header_line(const uint8_t *p, size_t e, struct hscan *st,
    struct sipframe_lines *ln, struct anomalies *an, bool bounded)
{
	size_t pos = st->pos, k = e - pos;
	unsigned c;

	if (bounded) {
		ln->nl[st->nn] = (uint16_t)e;
		st->nn += st->nn < st->nmax;
	} else if (st->nn < st->nmax && e <= UINT16_MAX) {
		/* Offsets past 16 bits end the noting (never on OK). */
		ln->nl[st->nn++] = (uint16_t)e;
	}
	/*
	 * A line of 2 to CAP_SIP_LINE_BYTES bytes before its LF is neither
	 * empty nor over the cap, CR or not: one compare passes the usual
	 * line without reading its last byte.
	 */
	if (__builtin_expect(k - 2 > CAP_SIP_LINE_BYTES - 2, 0)) {
		size_t content = (k > 0 && p[e - 1] == '\r') ? k - 1 : k;

		if (content > CAP_SIP_LINE_BYTES) {
			anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
			st->rc = SIPFRAME_ERROR;
			return -1;
		}
		/* The first line is a checked start line, never empty. */
		if (content == 0) {
			st->hdr_len = e + 1;
			return 0;
		}
	}
	/*
	 * Only a line starting with c or l can be Content-Length (SP and
	 * HTAB, a folded line's, are neither): one look-up rejects most.
	 * The start line (pos 0) needs no test of its own: cl_line() wants
	 * SP or HTAB only between the name and a ':', and a request line
	 * has "SP scheme" after its method (a scheme starts with a letter),
	 * a status line starts with 'S'.
	 */
	c = cl_first[p[pos]];
	if (c != 0 && st->clv == NULL)
		(void)cl_line(p + pos, k, (int)c, &st->clv, &st->clvl);
	st->pos = e + 1;
	if (!bounded && st->pos > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		st->rc = SIPFRAME_ERROR;
		return -1;
	}
	return 1;
}

#ifdef __SSE2__
/* The LF bytes of p[0..16) as the bits of a word (bit i: p[i]). */
static inline uint64_t
lf_bits16(const uint8_t *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('\n')));
}

/* The LF bytes of p[0..64) as the bits of a word (bit i: p[i]). */
static inline uint64_t
lf_bits(const uint8_t *p)
{
	return lf_bits16(p) | lf_bits16(p + 16) << 16 |
	    lf_bits16(p + 32) << 32 | lf_bits16(p + 48) << 48;
}

/*
 * header_end()'s lines while their LFs come from the bits of whole
 * 64-byte blocks (SSE2: sixteen bytes a compare) rather than one
 * memchr() call a line: a call, its set-up and its mispredicted exit
 * cost more than the search itself on lines of a few dozen bytes.  The
 * last bytes are one block ending at len (its bits shifted to the
 * bytes not yet looked at), a message under 64 bytes a zero-padded
 * copy: nothing is read past len.  Only the first CAP_SIP_MSG_BYTES
 * bytes are taken (header_line()'s bounded case).  Returns as
 * header_line() does at the empty line or a cap, 1 when the data (or
 * those bytes) ends first or a line runs past the line cap with no LF
 * (st->pos there: header_end()'s own loop decides, as it would have).
 */
static int
header_lines_sse2(const uint8_t *p, size_t len, struct hscan *st,
    struct sipframe_lines *ln, struct anomalies *an)
{
	size_t b = 0;

	/* LFs at CAP_SIP_MSG_BYTES and on are the memchr() loop's. */
	if (len > CAP_SIP_MSG_BYTES)
		len = CAP_SIP_MSG_BYTES;
	while (b < len) {
		uint64_t m;
		size_t nb = len - b, base = b;

		if (nb >= 64) {
			m = lf_bits(p + b);
			nb = 64;
		} else if (len >= 64) {
			m = lf_bits(p + len - 64) >> (64 - nb);
		} else {
			uint8_t pad[64] = { 0 };

			memcpy(pad, p + b, nb);
			m = lf_bits(pad);
		}
		b += nb;
		/*
		 * No LF in the line cap: the memchr() loop says so.  Only
		 * a block without an LF can end such a line (a line that
		 * starts in this one is shorter than it).
		 */
		if (m == 0) {
			if (b - st->pos > CAP_SIP_LINE_BYTES + 2)
				break;
			continue;
		}
		do {
			int r = header_line(p,
			    base + (unsigned)__builtin_ctzll(m), st, ln, an,
			    true);

			if (r <= 0)
				return r;
			m &= m - 1;
		} while (m != 0);
	}
	return 1;
}
#endif

/*
 * Finds the end of the header block of p[0..len), which starts with a
 * non-empty line.  OK sets *hdr_len (the empty line included) and, in
 * the same pass, *cl to the value of its first Content-Length header
 * (NULL when none: what sipframe_header(p, *hdr_len, "Content-Length",
 * 'l') finds); INCOMPLETE when the data ends first; ERROR when a cap is
 * hit (counted).  ln (NULL: none) gets the line ends on the way
 * (sipframe.h), kept on OK only.  The lines are taken by
 * header_lines_sse2() where it is built, and then the loop below only
 * tells why the data ended without the empty line.
 */
static enum sipframe_rc
header_end(const uint8_t *p, size_t len, size_t *hdr_len,
    const uint8_t **cl, size_t *cl_len, struct sipframe_lines *ln,
    struct anomalies *an)
{
	struct hscan st = {
		.pos = 0, .nn = 0, .nmax = ln != NULL ? SIPFRAME_LINES : 0,
		.clv = NULL, .clvl = 0, .hdr_len = 0, .rc = SIPFRAME_OK,
	};
	int r = 1;

#ifdef __SSE2__
	/* Not read: header_line()'s stores when ln is NULL (st.nmax 0). */
	struct sipframe_lines spare;

	r = header_lines_sse2(p, len, &st, ln != NULL ? ln : &spare, an);
#endif
	while (r > 0) {
		size_t left = len - st.pos, w;
		const uint8_t *nl;

		w = left < CAP_SIP_LINE_BYTES + 2 ? left :
		    CAP_SIP_LINE_BYTES + 2;
		nl = w > 0 ? memchr(p + st.pos, '\n', w) : NULL;
		if (nl == NULL) {
			if (left >= CAP_SIP_LINE_BYTES + 2) {
				anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
				st.rc = SIPFRAME_ERROR;
			} else if (len > CAP_SIP_MSG_BYTES) {
				anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
				st.rc = SIPFRAME_ERROR;
			} else {
				st.rc = SIPFRAME_INCOMPLETE;
			}
			break;
		}
		r = header_line(p, (size_t)(nl - p), &st, ln, an, false);
	}
	if (r == 0) {
		*hdr_len = st.hdr_len;
		*cl = st.clv;
		*cl_len = st.clvl;
		if (ln != NULL)
			ln->n = (uint16_t)st.nn;
		return SIPFRAME_OK;
	}
	*cl = NULL;
	*cl_len = 0;
	if (ln != NULL)
		ln->n = 0;
	return st.rc;
}

/*
 * The Content-Length value v[0..vlen) header_end() found (v NULL: none;
 * trimmed of SP and HTAB): 0 with *cl set, 1 when absent, -1 when not a number.  A number too
 * large for 64 bits is UINT64_MAX.
 */
static int
content_length(const uint8_t *v, size_t vlen, uint64_t *cl)
{
	size_t i;

	if (v == NULL)
		return 1;
	/*
	 * v is trimmed (cl_line): text_parse_uint() takes it exactly when
	 * it is all digits and fits, the usual case, decided in one pass.
	 */
	if (text_parse_uint(v, vlen, UINT64_MAX, cl) == 0)
		return 0;
	for (i = 0; i < vlen; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	if (vlen == 0)
		return -1;
	*cl = UINT64_MAX;
	return 0;
}

enum sipframe_rc
sipframe_stream_lines(const uint8_t *p, size_t len, struct sipframe_span *sp,
    struct sipframe_lines *ln, struct anomalies *an)
{
	size_t i = 0, n, hdr_len, cll;
	const uint8_t *clv;
	uint64_t cl = 0;
	enum sipframe_rc rc;

	sp->len = sp->hdr_len = 0;
	if (ln != NULL)
		ln->n = 0;
	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	sp->off = i;
	if (i == len)
		return SIPFRAME_INCOMPLETE;
	p += i;
	n = len - i;

	switch (start_line(p, n)) {
	case START_YES:
		break;
	case START_MORE:
		return SIPFRAME_INCOMPLETE;
	case START_LONG:
		anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
		return SIPFRAME_ERROR;
	default:
		return SIPFRAME_ERROR;
	}

	rc = header_end(p, n, &hdr_len, &clv, &cll, ln, an);
	if (rc != SIPFRAME_OK)
		return rc;
	switch (content_length(clv, cll, &cl)) {
	case 1:
		cl = 0;
		break;
	case -1:
		anomaly_add(an, ANOMALY_SIP_CL_INVALID);
		rc = SIPFRAME_ERROR;
		break;
	}
	if (rc == SIPFRAME_OK &&
	    (cl > CAP_SIP_MSG_BYTES || hdr_len + cl > CAP_SIP_MSG_BYTES)) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		rc = SIPFRAME_ERROR;
	}
	if (rc == SIPFRAME_OK) {
		sp->len = hdr_len + (size_t)cl;
		sp->hdr_len = hdr_len;
		if (n >= sp->len)
			return SIPFRAME_OK;
		rc = SIPFRAME_INCOMPLETE;
	}
	if (ln != NULL)
		ln->n = 0;
	return rc;
}

enum sipframe_rc
sipframe_stream_span(const uint8_t *p, size_t len, struct sipframe_span *sp,
    struct anomalies *an)
{
	return sipframe_stream_lines(p, len, sp, NULL, an);
}

enum sipframe_rc
sipframe_stream(const uint8_t *p, size_t len, size_t *skipped,
    size_t *msg_len, struct anomalies *an)
{
	struct sipframe_span sp;
	enum sipframe_rc rc = sipframe_stream_span(p, len, &sp, an);

	*skipped = sp.off;
	*msg_len = sp.len;
	return rc;
}

int
sipframe_messages(const uint8_t *p, size_t len, struct sipframe_span *out,
    int max, size_t *used, struct anomalies *an)
{
	size_t at = 0;
	int n = 0;

	while (at < len && n < max) {
		struct sipframe_span sp;
		enum sipframe_rc rc = sipframe_stream_span(p + at, len - at, &sp,
		    an);

		if (rc == SIPFRAME_INCOMPLETE)
			break;
		if (rc != SIPFRAME_OK)
			return -1;
		out[n].off = at + sp.off;
		out[n].len = sp.len;
		out[n].hdr_len = sp.hdr_len;
		n++;
		at += sp.off + sp.len;
	}
	*used = at;
	return n;
}

/*
 * sipframe_datagram() after its start line: p starts with one
 * (start_line() said START_YES).
 */
static enum sipframe_rc
datagram_framed(const uint8_t *p, size_t len, size_t *msg_len,
    size_t *body_off, struct sipframe_lines *ln, struct anomalies *an)
{
	size_t hdr_len, end, i, cll;
	const uint8_t *clv;
	uint64_t cl = 0;

	if (len > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return SIPFRAME_ERROR;
	}
	switch (header_end(p, len, &hdr_len, &clv, &cll, ln, an)) {
	case SIPFRAME_OK:
		break;
	case SIPFRAME_INCOMPLETE:
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return SIPFRAME_ERROR;
	case SIPFRAME_ERROR:
		return SIPFRAME_ERROR;
	}

	*body_off = hdr_len;
	switch (content_length(clv, cll, &cl)) {
	case 1:
		/* RFC 3261 §18.3: on UDP the body runs to the datagram end. */
		*msg_len = len;
		return SIPFRAME_OK;
	case -1:
		anomaly_add(an, ANOMALY_SIP_CL_INVALID);
		*msg_len = len;
		return SIPFRAME_OK;
	}
	if (cl > len - hdr_len) {
		anomaly_add(an, ANOMALY_SIP_CL_BEYOND_DATA);
		*msg_len = len;
		return SIPFRAME_OK;
	}
	end = hdr_len + (size_t)cl;
	*msg_len = end;
	/* Trailing CRLF or NUL padding is common and harmless. */
	for (i = end; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
			break;
	if (i < len)
		anomaly_add(an, ANOMALY_SIP_CL_SHORT);
	return SIPFRAME_OK;
}

enum sipframe_rc
sipframe_datagram(const uint8_t *p, size_t len, size_t *msg_len,
    size_t *body_off, struct anomalies *an)
{
	*msg_len = 0;
	*body_off = 0;
	switch (start_line(p, len)) {
	case START_YES:
		return datagram_framed(p, len, msg_len, body_off, NULL, an);
	case START_LONG:
		anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
		return SIPFRAME_ERROR;
	default:
		return SIPFRAME_ERROR;
	}
}

bool
sipframe_datagram_sip(const uint8_t *p, size_t len, enum sipframe_rc *rc,
    size_t *msg_len, size_t *body_off, struct sipframe_lines *ln,
    struct anomalies *an)
{
	*rc = SIPFRAME_ERROR;
	*msg_len = 0;
	*body_off = 0;
	if (ln != NULL)
		ln->n = 0;
	if (p == NULL || len == 0 || start_line(p, len) != START_YES)
		return false;
	*rc = datagram_framed(p, len, msg_len, body_off, ln, an);
	return true;
}

bool
sipframe_header(const uint8_t *p, size_t hdr_len, const char *name,
    char cname, const uint8_t **val, size_t *vlen)
{
	const uint8_t *nl, *line, *colon, *v;
	size_t pos, llen, nlen, n;

	if (p == NULL || name == NULL)
		return false;
	/* Skip the start line. */
	nl = memchr(p, '\n', hdr_len);
	if (nl == NULL)
		return false;
	pos = (size_t)(nl - p) + 1;

	while (pos < hdr_len) {
		line = p + pos;
		nl = memchr(line, '\n', hdr_len - pos);
		llen = nl != NULL ? (size_t)(nl - line) : hdr_len - pos;
		pos += llen + 1;
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break;		/* end of the header block */
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* folded continuation */
		/* Neither name can match a line starting otherwise. */
		if (name[0] != '\0' &&
		    lower(line[0]) != lower((uint8_t)name[0]) &&
		    (cname == 0 || lower(line[0]) != lower((uint8_t)cname)))
			continue;
		colon = memchr(line, ':', llen);
		if (colon == NULL)
			continue;
		nlen = (size_t)(colon - line);
		while (nlen > 0 && (line[nlen - 1] == ' ' ||
		    line[nlen - 1] == '\t'))
			nlen--;
		if (!text_ieq(line, nlen, name) && !(cname != 0 && nlen == 1 &&
		    lower(line[0]) == lower((uint8_t)cname)))
			continue;
		v = colon + 1;
		n = llen - (size_t)(v - line);
		text_trim(&v, &n);
		*val = v;
		*vlen = n;
		return true;
	}
	return false;
}
