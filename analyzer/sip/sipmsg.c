/*
 * sipmsg.c - one framed SIP message (RFC 3261 section 7) parsed with
 * libosip2 and reduced to the fields the analyzer uses.
 *
 *	INVITE sip:bob@198.51.100.7 SIP/2.0          start line
 *	Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport
 *	From: "Alice" <sip:alice@10.0.0.2>;tag=a1
 *	To: <sip:bob@198.51.100.7>
 *	Call-ID: 1@10.0.0.2
 *	CSeq: 1 INVITE
 *	Content-Type: application/sdp
 *	Content-Length: 142
 *	                                             empty line (CRLF or LF)
 *	v=0 ...                                      body
 *
 * One walk over the header block does all our line work: it finds the
 * first empty line (each line capped at CAP_SIP_LINE_BYTES), so
 * body_off/body_len are exact byte offsets in the captured message; it
 * indexes the headers we read ourselves; and it builds libosip2's input.
 *
 * libosip2 parses the start line and the structured headers we take from
 * it (Via, From, To, Call-ID, CSeq, Contact, Record-Route, Route, in full
 * or compact form).  It is given a normalised copy of just those lines
 * (CRLF line ends, NUL bytes as '?') and no body, because it rejects a
 * whole message when Content-Length disagrees with the body, when a
 * multipart body is cut, or when any header it knows is malformed or
 * repeated (a second Content-Type, seen in real captures) -- none of which
 * should cost us the dialog.  Framing and Content-Length anomalies are
 * sipframe.c's.  A message libosip2 still rejects is SIP_UNPARSEABLE.
 *
 * Every other header (Content-Type, Content-Length, User-Agent, Refer-To,
 * Event, Session-Expires, ...) is read from the raw block through the
 * walk's index, under its full and compact names (RFC 3261 section
 * 7.3.3, and r, o, x, k, ... from later RFCs); the first occurrence wins
 * and folded continuation lines are not joined.
 *
 * Cost.  libosip2 allocates a hundred small blocks per message; they come
 * from a scratch (base/scratch.h) on the stack through libosip2's
 * allocator hooks and are dropped together, without osip_message_free
 * (see osip_scratch below).  And most header lines of a message repeat
 * an earlier message of its dialog byte for byte (From, To and Call-ID
 * in every message, the Via of a request in each of its responses):
 * sipmsg_parse_with() takes such a line's results from that earlier
 * message instead of handing the line to libosip2 again (memo_find()).
 *
 * Memory: messages stay in memory for the life of their dialog (a
 * registration can hold hundreds), so a parsed message is ONE right-sized
 * block.  Fields are first extracted into a scratch on the stack (struct
 * msg_buf): the strings, cut at the caps of sipmsg.h, are put back to
 * back in its area; then pack_new() copies the struct, the Via and
 * Contact arrays sized to the values seen, the SDP (sdp_pack), the raw
 * bytes and the area into a block of exactly the size they need.
 *
 * Bodies: application/sdp is parsed with sdp_parse (sdp.c); inside
 * multipart/ bodies (RFC 2046 section 5.1) the first application/sdp part
 * is; message/sipfrag (RFC 3420, NOTIFY for REFER) yields the status code
 * of its start line.
 *
 * Limits: messages over CAP_SIP_MSG_BYTES are dropped (SIP_TOO_LARGE), as
 * are those with a line over CAP_SIP_LINE_BYTES (SIP_LINE_TOO_LONG); Via
 * and Contact values beyond CAP_SIP_VIAS / CAP_SIP_CONTACTS are not kept
 * (SIP_VALUES_CAP, once per message).  A request whose CSeq method is not
 * its method is kept and counted (SIP_CSEQ_METHOD_MISMATCH).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "base/scratch.h"
#include "base/cursor.h"
#include "sip/sipmsg.h"
#include "base/text.h"

/*
 * Room for every string field at its cap (the SIPMSG_*_BYTES of sipmsg.h,
 * each with its NUL): what one message can need, whatever it holds.
 */
#define STR_AREA_BYTES (2 * SIPMSG_METHOD_BYTES + SIPMSG_REASON_BYTES + \
	12 * SIPMSG_URI_BYTES + 4 * SIPMSG_TAG_BYTES + \
	2 * SIPMSG_TEXT_BYTES + 2 * SIPMSG_EVENT_BYTES + \
	SIPMSG_REFRESHER_BYTES + CAP_SIP_VIAS * (SIPMSG_TRANSPORT_BYTES + \
	3 * SIPMSG_HOST_BYTES + SIPMSG_BRANCH_BYTES) + \
	CAP_SIP_CONTACTS * SIPMSG_URI_BYTES)

/*
 * Extraction scratch (about 10 KB, on the stack, never cleared as a
 * whole): m's string fields point into area, where each string is put
 * once, back to back, so that pack() copies all of them with one memcpy;
 * its arrays are via[] and contact[].  m.raw points at the caller's bytes
 * meanwhile, m.sdp at a temporary sdp_parse result.
 */
struct msg_buf {
	struct sipmsg m;
	struct sipmsg_via via[CAP_SIP_VIAS];
	struct sipmsg_contact contact[CAP_SIP_CONTACTS];
	size_t used;              /* bytes of area taken */
	char area[STR_AREA_BYTES];
};

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

static char
compact_of(const char *name)
{
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		/* Every .name is a literal; the analyzer assumes one NULL. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		if (strcasecmp(compact_names[i].name, name) == 0)
			return compact_names[i].c;
	return 0;
}

static const char *
full_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + 32);
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		if (compact_names[i].c == c)
			return compact_names[i].name;
	return NULL;
}

/* Length of a libosip2-owned C string, bounded all the same. */
static size_t
olen(const char *s)
{
	return s != NULL ? strnlen(s, CAP_SIP_MSG_BYTES) : 0;
}

/*
 * Starts a string of at most cap - 1 bytes in b's area: returns where to
 * write and sets *room to the bytes that may be written (its NUL not
 * counted); sa_end() closes it.  An area too full for more (it cannot
 * be, see STR_AREA_BYTES) gives room 0.
 */
static char *
sa_begin(struct msg_buf *b, size_t cap, size_t *room)
{
	size_t left = sizeof(b->area) - b->used;

	*room = cap == 0 || left == 0 ? 0 : (cap - 1 < left - 1 ?
	    cap - 1 : left - 1);
	return b->area + b->used;
}

/* Closes the string sa_begin() started, len bytes long; "" when empty. */
static const char *
sa_end(struct msg_buf *b, size_t len)
{
	char *s = b->area + b->used;

	if (len == 0)
		return "";
	s[len] = '\0';
	b->used += len + 1;
	return s;
}

/*
 * Puts p[0..len) in b's area as a string field of cap bytes: cut at
 * cap - 1, NUL bytes as '?' (text_copy's rule).  "" when empty.
 */
static char *
sa_put(struct msg_buf *b, const void *p, size_t len, size_t cap)
{
	size_t room;
	char *d = sa_begin(b, cap, &room), *z;

	if (len > room)
		len = room;
	if (len == 0)
		return (char *)(uintptr_t)"";
	memcpy(d, p, len);
	for (z = memchr(d, 0, len); z != NULL;
	    z = memchr(z + 1, 0, len - (size_t)(z + 1 - d)))
		*z = '?';
	return (char *)(uintptr_t)sa_end(b, len);
}

/*
 * A NUL-terminated string (libosip2's or ours; NULL is ""), capped: no
 * NUL inside to replace.
 */
static const char *
sa_str(struct msg_buf *b, const char *s, size_t cap)
{
	size_t room, len;
	char *d;

	if (s == NULL)
		return "";
	d = sa_begin(b, cap, &room);
	len = strnlen(s, room);
	memcpy(d, s, len);
	return sa_end(b, len);
}

/*
 * Takes the next line of c: *line and *ll are its content without CR/LF.
 * Returns false at the end of the window.
 */
static bool
next_line(struct cur *c, const uint8_t **line, size_t *ll)
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

	while (next_line(c, &line, &ll)) {
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
static bool
hdr_find(const uint8_t *p, size_t len, bool skip_first, const char *name,
    char cname, const uint8_t **val, size_t *vlen)
{
	struct cur c;
	const uint8_t *line, *n, *v;
	size_t ll, nl, vl;

	cur_init(&c, p, len);
	if (skip_first && !next_line(&c, &line, &ll))
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
 * The headers extract() and parse_body() read from the raw block.  They
 * are found in the one walk over it (walk_headers) rather than one
 * hdr_find() scan each: with fourteen names those scans were a third of
 * the cost of a message.  The result is the same as hdr_find() with the
 * name's compact letter: first occurrence, full or compact name.
 */
enum hx {
	HX_CALL_ID, HX_USER_AGENT, HX_SERVER, HX_PAI, HX_RPID, HX_REFER_TO,
	HX_REPLACES, HX_EVENT, HX_SUBSCRIPTION_STATE, HX_CONTENT_TYPE,
	HX_CONTENT_LENGTH, HX_EXPIRES, HX_SESSION_EXPIRES, HX_MIN_SE,
	HX_COUNT
};

/* A header name with its length, for tables compared against every line. */
struct hname {
	const char *name;
	size_t len;
};

#define HNAME(s) { s, sizeof(s) - 1 }

/* First value of each enum hx header; val NULL when absent. */
struct hdr_index {
	const uint8_t *val[HX_COUNT];
	size_t len[HX_COUNT];
};

/* The first value of header id, false when the message has none. */
static bool
hx_get(const struct hdr_index *x, enum hx id, const uint8_t **val,
    size_t *vlen)
{
	if (x->val[id] == NULL)
		return false;
	*val = x->val[id];
	*vlen = x->len[id];
	return true;
}

/*
 * The headers libosip2 is asked to parse: the ones we take from its
 * structures.  Everything else is read from the raw block, so a malformed
 * header we do not use (a second Content-Type, a broken WWW-Authenticate)
 * cannot make libosip2 reject the whole message.  The first six are
 * "memo" headers (MEMO_COUNT): when such a header occurs once, on one
 * line, and an earlier message of the same Call-ID carried the very same
 * line, that message's results are taken instead of asking libosip2 again
 * (see struct memo_use).
 */
enum ok {
	OK_VIA, OK_FROM, OK_TO, OK_CALL_ID, OK_CSEQ, OK_CONTACT,
	OK_RECORD_ROUTE, OK_ROUTE, OK_COUNT, OK_NONE = -1
};

#define MEMO_COUNT SIPMSG_MEMO_HEADERS
_Static_assert(OK_CONTACT + 1 == MEMO_COUNT, "memo headers come first");

/* The header names classify() knows, with their roles. */
enum kh {
	KH_VIA, KH_FROM, KH_TO, KH_CALL_ID, KH_CSEQ, KH_CONTACT,
	KH_RECORD_ROUTE, KH_ROUTE, KH_USER_AGENT, KH_SERVER, KH_PAI, KH_RPID,
	KH_REFER_TO, KH_REPLACES, KH_EVENT, KH_SUBSCRIPTION_STATE,
	KH_CONTENT_TYPE, KH_CONTENT_LENGTH, KH_EXPIRES, KH_SESSION_EXPIRES,
	KH_MIN_SE, KH_COUNT
};

static const struct {
	struct hname n;
	signed char hx;   /* enum hx, -1 none */
	signed char ok;   /* enum ok, OK_NONE none */
} known_headers[KH_COUNT] = {
	[KH_VIA] = { HNAME("Via"), -1, OK_VIA },
	[KH_FROM] = { HNAME("From"), -1, OK_FROM },
	[KH_TO] = { HNAME("To"), -1, OK_TO },
	[KH_CALL_ID] = { HNAME("Call-ID"), HX_CALL_ID, OK_CALL_ID },
	[KH_CSEQ] = { HNAME("CSeq"), -1, OK_CSEQ },
	[KH_CONTACT] = { HNAME("Contact"), -1, OK_CONTACT },
	[KH_RECORD_ROUTE] = { HNAME("Record-Route"), -1, OK_RECORD_ROUTE },
	[KH_ROUTE] = { HNAME("Route"), -1, OK_ROUTE },
	[KH_USER_AGENT] = { HNAME("User-Agent"), HX_USER_AGENT, OK_NONE },
	[KH_SERVER] = { HNAME("Server"), HX_SERVER, OK_NONE },
	[KH_PAI] = { HNAME("P-Asserted-Identity"), HX_PAI, OK_NONE },
	[KH_RPID] = { HNAME("Remote-Party-ID"), HX_RPID, OK_NONE },
	[KH_REFER_TO] = { HNAME("Refer-To"), HX_REFER_TO, OK_NONE },
	[KH_REPLACES] = { HNAME("Replaces"), HX_REPLACES, OK_NONE },
	[KH_EVENT] = { HNAME("Event"), HX_EVENT, OK_NONE },
	[KH_SUBSCRIPTION_STATE] = { HNAME("Subscription-State"),
	    HX_SUBSCRIPTION_STATE, OK_NONE },
	[KH_CONTENT_TYPE] = { HNAME("Content-Type"), HX_CONTENT_TYPE, OK_NONE },
	[KH_CONTENT_LENGTH] = { HNAME("Content-Length"), HX_CONTENT_LENGTH,
	    OK_NONE },
	[KH_EXPIRES] = { HNAME("Expires"), HX_EXPIRES, OK_NONE },
	[KH_SESSION_EXPIRES] = { HNAME("Session-Expires"), HX_SESSION_EXPIRES,
	    OK_NONE },
	[KH_MIN_SE] = { HNAME("Min-SE"), HX_MIN_SE, OK_NONE },
};

/*
 * known_headers by the first letter of their names, plus one (0 ends a
 * list): classify() compares a line's name with these only, not with
 * all of them.  Every name above must be in the list of its letter.
 */
#define KH_PER_LETTER 6
static const unsigned char kh_by_letter[26][KH_PER_LETTER] = {
	['c' - 'a'] = { KH_CALL_ID + 1, KH_CSEQ + 1, KH_CONTACT + 1,
	    KH_CONTENT_TYPE + 1, KH_CONTENT_LENGTH + 1 },
	['e' - 'a'] = { KH_EVENT + 1, KH_EXPIRES + 1 },
	['f' - 'a'] = { KH_FROM + 1 },
	['m' - 'a'] = { KH_MIN_SE + 1 },
	['p' - 'a'] = { KH_PAI + 1 },
	['r' - 'a'] = { KH_RECORD_ROUTE + 1, KH_ROUTE + 1, KH_RPID + 1,
	    KH_REFER_TO + 1, KH_REPLACES + 1 },
	['s' - 'a'] = { KH_SERVER + 1, KH_SUBSCRIPTION_STATE + 1,
	    KH_SESSION_EXPIRES + 1 },
	['t' - 'a'] = { KH_TO + 1 },
	['u' - 'a'] = { KH_USER_AGENT + 1 },
	['v' - 'a'] = { KH_VIA + 1 },
};

/*
 * n[0..nl) is h in any case, as hname_is() but cheaper: the names in our
 * tables are ASCII letters and '-' only, and for a letter, setting bit
 * 0x20 maps exactly its two cases (and no other byte) to the lowercase.
 */
static bool
name_is(const uint8_t *n, size_t nl, const struct hname *h)
{
	if (nl != h->len || (n[0] | 0x20) != ((uint8_t)h->name[0] | 0x20))
		return false;
	for (size_t i = 1; i < nl; i++) {
		uint8_t b = (uint8_t)h->name[i];

		if (b == '-' ? n[i] != '-' : (n[i] | 0x20) != (b | 0x20))
			return false;
	}
	return true;
}

/* The known_headers entry named n[0..nl) (any case), -1 none. */
static int
known_header(const uint8_t *n, size_t nl)
{
	unsigned l = (unsigned)((n[0] | 0x20) - 'a');

	if (nl == 0 || l >= 26)
		return -1;
	for (int i = 0; i < KH_PER_LETTER && kh_by_letter[l][i] != 0; i++)
		if (name_is(n, nl, &known_headers[kh_by_letter[l][i] - 1].n))
			return kh_by_letter[l][i] - 1;
	return -1;
}

/*
 * The roles of header name n[0..nl) (trimmed).  libosip2 is given the
 * compact forms of its headers (v, f, t, i, m); the index looks a
 * one-letter name up under its full name (full_of), so "i" finds Call-ID
 * and "c" Content-Type.
 */
static void
classify(const uint8_t *n, size_t nl, int *hx, int *ok)
{
	int k;

	*hx = -1;
	*ok = OK_NONE;
	if (nl == 1) {
		const char *full = full_of((char)n[0]);

		switch (n[0] | 0x20) {
		case 'v': *ok = OK_VIA; break;
		case 'f': *ok = OK_FROM; break;
		case 't': *ok = OK_TO; break;
		case 'i': *ok = OK_CALL_ID; break;
		case 'm': *ok = OK_CONTACT; break;
		default: break;
		}
		/* full_of's names are our literals, not packet data. */
		if (full != NULL && (k = known_header((const uint8_t *)full,
		    strlen(full))) >= 0)
			*hx = known_headers[k].hx;
		return;
	}
	if ((k = known_header(n, nl)) >= 0) {
		*hx = known_headers[k].hx;
		*ok = known_headers[k].ok;
	}
}

/* A memo header's line: where it is in the message and in the copy. */
struct memo_line {
	const uint8_t *line;
	size_t ll;
	size_t in_off;   /* its place in the libosip2 copy (ll + 2 bytes) */
	int count;       /* lines of this header in the message */
	bool usable;     /* once, on one line (no folded continuation) */
};

/*
 * One walk over the header block of msg[0..len): frames it, indexes the
 * headers we read ourselves, and builds the copy handed to libosip2.
 */
struct walk {
	size_t hdr_len;   /* start line and headers with their line ends */
	size_t body_off;  /* first byte after the empty line; len if none */
	bool too_long;    /* a line over CAP_SIP_LINE_BYTES */
	bool has_cr;      /* a CR inside a line of the copy */
	struct hdr_index hx;
	struct memo_line memo[MEMO_COUNT];
	char *in;         /* the libosip2 copy, NUL-terminated */
	size_t inlen;
};

/*
 * Appends one line to the libosip2 copy: CRLF-terminated, NUL as '?'.
 * A CR left inside a line is noted: libosip2 ends a header there, and
 * its header block at a line starting with one.
 */
static void
in_line(struct walk *w, const uint8_t *line, size_t ll)
{
	char *o = w->in + w->inlen;
	size_t i = 0;

	/*
	 * Eight bytes at a time while none is NUL or CR (the usual case);
	 * the byte loop below handles the rest.  A byte of x is zero exactly
	 * when its top bit is set in (x - 0x01..) & ~x & 0x80.. (the classic
	 * test; borrows only run from a zero byte upwards).
	 */
	for (; i + 8 <= ll; i += 8) {
		const uint64_t lo = 0x0101010101010101ULL;
		const uint64_t hi = 0x8080808080808080ULL;
		uint64_t x, y;

		memcpy(&x, line + i, 8);
		y = x ^ (lo * '\r');
		if ((((x - lo) & ~x) | ((y - lo) & ~y)) & hi)
			break;
		memcpy(o + i, &x, 8);
	}
	for (; i < ll; i++) {
		uint8_t c = line[i];

		if (c == '\r')
			w->has_cr = true;
		o[i] = c == 0 ? '?' : (char)c;
	}
	o[ll] = '\r';
	o[ll + 1] = '\n';
	w->inlen += ll + 2;
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
 * (for libosip2 to judge), in their order; w->memo notes where each memo
 * header's line went, for in_drop().  A terminated line grows by at most
 * one byte per byte consumed (a bare "\n" becomes CRLF), the unterminated
 * last line by two, then CRLF and NUL: 2 * len + 5 bounds the copy.
 */
static int
walk_headers(struct walk *w, struct scratch *s, const uint8_t *msg,
    size_t len)
{
	struct cur c;
	const uint8_t *line;
	size_t ll, start;
	bool first = true, dropping = false;
	struct memo_line *last = NULL;  /* memo line just before */

	memset(w, 0, sizeof(*w));
	w->in = scratch_alloc(s, 2 * len + 5);
	if (w->in == NULL)
		return -1;
	w->hdr_len = w->body_off = len;
	cur_init(&c, msg, len);
	while (start = c.off, next_line(&c, &line, &ll)) {
		const uint8_t *colon, *n, *v;
		size_t nl, vl;
		int hx, ok;

		if (ll > CAP_SIP_LINE_BYTES) {
			w->too_long = true;
			return 0;
		}
		if (ll == 0 && start > 0) {
			w->hdr_len = start;
			w->body_off = c.off;
			break;
		}
		if (first) {
			first = false;
			in_line(w, line, ll);
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			/* A folded line: its header cannot be reused. */
			if (last != NULL)
				last->usable = false;
			if (!dropping)
				in_line(w, line, ll);
			continue;
		}
		last = NULL;
		colon = memchr(line, ':', ll);
		if (colon == NULL) {
			dropping = false;
			in_line(w, line, ll);
			continue;
		}
		n = line;
		nl = (size_t)(colon - line);
		text_trim(&n, &nl);
		classify(n, nl, &hx, &ok);
		if (hx >= 0 && w->hx.val[hx] == NULL) {
			v = colon + 1;
			vl = (size_t)(line + ll - v);
			text_trim(&v, &vl);
			w->hx.val[hx] = v;
			w->hx.len[hx] = vl;
		}
		dropping = ok == OK_NONE;
		if (dropping)
			continue;
		if (ok < MEMO_COUNT) {
			struct memo_line *ml = &w->memo[ok];

			ml->usable = ++ml->count == 1;
			ml->line = line;
			ml->ll = ll;
			ml->in_off = w->inlen;
			last = ml;
		}
		in_line(w, line, ll);
	}
	return 0;
}

/*
 * Takes the lines of the memo headers an earlier message answers for
 * (use[k] set) out of the libosip2 copy, which then is exactly the copy
 * those lines were never in, and closes it (empty line and NUL).
 */
static void
in_drop(struct walk *w, const struct sipmsg *const use[MEMO_COUNT])
{
	size_t o = 0, from = 0;

	for (;;) {
		const struct memo_line *next = NULL;

		/* The next line to drop, in the order of the copy. */
		for (int k = 0; k < MEMO_COUNT; k++)
			if (use[k] != NULL && w->memo[k].in_off >= from &&
			    (next == NULL || w->memo[k].in_off < next->in_off))
				next = &w->memo[k];
		if (next == NULL)
			break;
		memmove(w->in + o, w->in + from, next->in_off - from);
		o += next->in_off - from;
		from = next->in_off + next->ll + 2;
	}
	memmove(w->in + o, w->in + from, w->inlen - from);
	w->inlen = o + w->inlen - from;
	w->in[w->inlen++] = '\r';
	w->in[w->inlen++] = '\n';
	w->in[w->inlen] = '\0';
}

/* A generic parameter by name (its gvalue is NULL when valueless). */
static osip_generic_param_t *
param_get(osip_list_t *l, const char *name)
{
	int n = osip_list_size(l);

	for (int i = 0; i < n; i++) {
		osip_generic_param_t *p = osip_list_get(l, i);

		if (p != NULL && p->gname != NULL &&
		    strcasecmp(p->gname, name) == 0)
			return p;
	}
	return NULL;
}

/* Parses a decimal port; def when absent or invalid. */
static uint16_t
port_or(const char *s, uint16_t def)
{
	uint64_t v;

	if (s == NULL || text_parse_uint(s, olen(s), 65535, &v) != 0 || v == 0)
		return def;
	return (uint16_t)v;
}

/* The endpoint of a URI whose host is an IP literal (sips: -> 5061). */
static void
uri_ep(const osip_uri_t *u, struct ep *e)
{
	uint16_t def;

	ep_clear(e);
	if (u == NULL || u->host == NULL)
		return;
	def = (u->scheme != NULL && strcasecmp(u->scheme, "sips") == 0) ?
	    5061 : 5060;
	if (ep_parse_ip(e, u->host, olen(u->host)) == 0)
		e->port = port_or(u->port, def);
}

/* A URI as libosip2 writes it back, as a string field of cap bytes. */
static const char *
uri_put(struct msg_buf *b, const osip_uri_t *u, size_t cap)
{
	char *s = NULL;
	const char *r;

	if (u == NULL || osip_uri_to_str(u, &s) != 0 || s == NULL)
		return "";
	r = sa_str(b, s, cap);
	osip_free(s);
	return r;
}

/* Display name without its surrounding quotes. */
static const char *
display_put(struct msg_buf *b, const char *s, size_t cap)
{
	size_t len = olen(s);

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	return s != NULL ? sa_put(b, s, len, cap) : "";
}

static int
int_or(const uint8_t *p, size_t len, int def)
{
	uint64_t v;

	if (text_parse_uint(p, len, INT32_MAX, &v) != 0)
		return def;
	return (int)v;
}

static void
via_fill(struct sipmsg_via *d, struct msg_buf *b, osip_via_t *v)
{
	osip_generic_param_t *p;
	size_t hl = olen(v->host), room;
	char *t;

	memset(d, 0, sizeof(*d));
	d->transport = t = sa_put(b, v->protocol != NULL ? v->protocol : "",
	    olen(v->protocol), SIPMSG_TRANSPORT_BYTES);
	for (; *t != '\0'; t++)
		if (*t >= 'a' && *t <= 'z')
			*t = (char)(*t - 32);
	/* libosip2 strips the brackets of an IPv6 sent-by; put them back. */
	if (v->host != NULL && memchr(v->host, ':', hl) != NULL &&
	    v->host[0] != '[' && hl + 3 <= SIPMSG_HOST_BYTES &&
	    (t = sa_begin(b, SIPMSG_HOST_BYTES, &room)) != NULL &&
	    hl + 2 <= room) {
		t[0] = '[';
		memcpy(t + 1, v->host, hl);
		t[hl + 1] = ']';
		d->host = sa_end(b, hl + 2);
	} else {
		d->host = sa_str(b, v->host, SIPMSG_HOST_BYTES);
	}
	d->branch = d->received = d->maddr = "";
	ep_clear(&d->sent_by);
	if (v->host != NULL && ep_parse_ip(&d->sent_by, v->host, hl) == 0)
		d->sent_by.port = port_or(v->port,
		    strcmp(d->transport, "TLS") == 0 ? 5061 : 5060);
	if ((p = param_get(&v->via_params, "branch")) != NULL)
		d->branch = sa_str(b, p->gvalue, SIPMSG_BRANCH_BYTES);
	if ((p = param_get(&v->via_params, "received")) != NULL)
		d->received = sa_str(b, p->gvalue, SIPMSG_HOST_BYTES);
	if ((p = param_get(&v->via_params, "maddr")) != NULL)
		d->maddr = sa_str(b, p->gvalue, SIPMSG_HOST_BYTES);
	if ((p = param_get(&v->via_params, "rport")) != NULL) {
		/* RFC 3581: a bare ";rport" asks for the port to be filled. */
		d->rport = port_or(p->gvalue, 0);
		if (d->rport == 0)
			d->rport = -1;
	}
}

static void
contact_fill(struct sipmsg_contact *d, struct msg_buf *b, osip_contact_t *c)
{
	osip_generic_param_t *p;

	memset(d, 0, sizeof(*d));
	d->uri = uri_put(b, c->url, SIPMSG_URI_BYTES);
	uri_ep(c->url, &d->addr);
	d->expires = -1;
	if ((p = param_get(&c->gen_params, "expires")) != NULL &&
	    p->gvalue != NULL)
		d->expires = int_or((const uint8_t *)p->gvalue,
		    olen(p->gvalue), -1);
}

/* First Record-Route / Route value, re-serialised by libosip2. */
static const char *
route_put(struct msg_buf *b, osip_list_t *l)
{
	osip_from_t *r = osip_list_get(l, 0);
	char *s = NULL;
	const char *d;

	if (r == NULL || osip_from_to_str(r, &s) != 0 || s == NULL)
		return "";
	d = sa_str(b, s, SIPMSG_URI_BYTES);
	osip_free(s);
	return d;
}

/* An optional header's first value (full or compact name), "" if none. */
static const char *
opt_put(struct msg_buf *b, const struct hdr_index *x, enum hx id,
    size_t cap)
{
	const uint8_t *v;
	size_t vl;

	return hx_get(x, id, &v, &vl) ? sa_put(b, v, vl, cap) : "";
}

/* An optional header's first value into dst (n bytes), "" if none. */
static bool
opt_hdr(const struct hdr_index *x, enum hx id, char *dst, size_t n)
{
	const uint8_t *v;
	size_t vl;

	if (hx_get(x, id, &v, &vl)) {
		text_copy(dst, n, v, vl);
		return true;
	}
	dst[0] = '\0';
	return false;
}

/* True when a Content-Type value's media type (before ';') is type. */
static bool
ct_is(const uint8_t *p, size_t len, const char *type)
{
	const uint8_t *semi = len > 0 ? memchr(p, ';', len) : NULL;

	if (semi != NULL)
		len = (size_t)(semi - p);
	text_trim(&p, &len);
	return text_ieq(p, len, type);
}

static bool
ct_is_prefix(const uint8_t *p, size_t len, const char *prefix)
{
	text_trim(&p, &len);
	return text_iprefix(p, len, prefix);
}

/*
 * The boundary parameter of a multipart Content-Type (quotes removed);
 * false when absent or longer than RFC 2046's 70 characters.
 */
static bool
ct_boundary(const uint8_t *p, size_t len, const uint8_t **b, size_t *blen)
{
	struct cur c;

	cur_init(&c, p, len);
	while (cur_left(&c) > 0) {
		const uint8_t *s = cur_rest(&c);
		size_t left = cur_left(&c);
		const uint8_t *semi = memchr(s, ';', left);
		size_t pl = semi != NULL ? (size_t)(semi - s) : left;
		const uint8_t *eq = memchr(s, '=', pl);

		(void)cur_skip(&c, semi != NULL ? pl + 1 : pl);
		if (eq != NULL) {
			const uint8_t *n = s, *v = eq + 1;
			size_t nl = (size_t)(eq - s);
			size_t vl = pl - nl - 1;

			text_trim(&n, &nl);
			text_trim(&v, &vl);
			if (!text_ieq(n, nl, "boundary"))
				continue;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (vl == 0 || vl > 70)
				return false;
			*b = v;
			*blen = vl;
			return true;
		}
	}
	return false;
}

/*
 * Finds the first application/sdp part of a multipart body.  Parts are
 * separated by lines "--boundary" (RFC 2046 section 5.1.1); the CRLF
 * before a delimiter belongs to it, not to the part.
 */
static bool
multipart_sdp(const uint8_t *body, size_t len, const uint8_t *b, size_t blen,
    const uint8_t **part, size_t *plen)
{
	uint8_t delim[80];
	size_t dl = blen + 2, off = 0;

	delim[0] = '-';
	delim[1] = '-';
	memcpy(delim + 2, b, blen);
	while (off < len) {
		const uint8_t *d = text_find(body + off, len - off, delim, dl);
		size_t pos, hstart, hoff, hl, cstart, cend;
		const uint8_t *nd, *ct;
		struct cur c;
		const uint8_t *line;
		size_t ll, ctl;

		if (d == NULL)
			return false;
		pos = (size_t)(d - body);
		off = pos + dl;
		if (pos > 0 && body[pos - 1] != '\n')
			continue;         /* not at a line start */
		if (len - off >= 2 && body[off] == '-' && body[off + 1] == '-')
			return false;     /* close delimiter */
		/* Skip the rest of the delimiter line (transport padding). */
		cur_init(&c, body + off, len - off);
		if (!next_line(&c, &line, &ll))
			return false;
		hstart = off + c.off;
		/* Part headers end at the first empty line. */
		cur_init(&c, body + hstart, len - hstart);
		/* hoff is set by the loop test below before any read. */
		hl = len - hstart;
		cstart = len;
		while (hoff = c.off, next_line(&c, &line, &ll)) {
			if (ll == 0) {
				hl = hoff;
				cstart = hstart + c.off;
				break;
			}
		}
		nd = cstart < len ? text_find(body + cstart, len - cstart,
		    delim, dl) : NULL;
		while (nd != NULL && nd > body + cstart && nd[-1] != '\n') {
			size_t np = (size_t)(nd - body) + dl;

			nd = text_find(body + np, len - np, delim, dl);
		}
		cend = nd != NULL ? (size_t)(nd - body) : len;
		off = cend;
		if (nd != NULL && cend > cstart && body[cend - 1] == '\n') {
			cend--;
			if (cend > cstart && body[cend - 1] == '\r')
				cend--;
		}
		if (cstart >= len)
			return false;
		if (hdr_find(body + hstart, hl, false, "Content-Type", 'c',
		    &ct, &ctl) && ct_is(ct, ctl, "application/sdp")) {
			*part = body + cstart;
			*plen = cend - cstart;
			return true;
		}
	}
	return false;
}

/* Parses an SDP body into m->sdp; a body that is not SDP is counted. */
/*
 * Parses an SDP body into a temporary m->sdp (packed into the message
 * block later); a body that is not SDP is counted.
 */
static void
attach_sdp(struct sipmsg *m, const uint8_t *p, size_t len,
    struct anomalies *an)
{
	uint64_t before;

	if (len == 0 || m->sdp != NULL)
		return;
	before = m->quiet ? anomaly_total(an) : 0;
	if (sdp_parse(p, len, &m->sdp, an) == -1)
		anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
	if (m->quiet && anomaly_total(an) != before)
		m->quiet = false;
}

static void
parse_body(struct sipmsg *m, const struct hdr_index *x, struct anomalies *an)
{
	const uint8_t *body = (const uint8_t *)m->raw + m->body_off;
	const uint8_t *ct, *b, *part;
	size_t ctl, blen, plen;
	uint64_t code;

	if (m->body_len == 0 || !hx_get(x, HX_CONTENT_TYPE, &ct, &ctl))
		return;
	if (ct_is(ct, ctl, "application/sdp")) {
		attach_sdp(m, body, m->body_len, an);
	} else if (ct_is_prefix(ct, ctl, "multipart/")) {
		if (ct_boundary(ct, ctl, &b, &blen) &&
		    multipart_sdp(body, m->body_len, b, blen, &part, &plen))
			attach_sdp(m, part, plen, an);
	} else if (ct_is(ct, ctl, "message/sipfrag")) {
		/* RFC 3515 section 2.4.5: "SIP/2.0 200 OK" of the referred. */
		if (m->body_len >= 11 && text_iprefix(body, m->body_len,
		    "SIP/2.0 ") && text_parse_uint(body + 8, 3, 699,
		    &code) == 0 && code >= 100 &&
		    (m->body_len == 11 || body[11] == ' ' || body[11] == '\r' ||
		    body[11] == '\n'))
			m->sipfrag_status = (int)code;
	}
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The Replaces embedded in a Refer-To URI (RFC 3891 section 3:
 * <sip:bob@b?Replaces=id%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>), %-decoded.
 */
static const char *
replaces_from_refer_to(struct msg_buf *b, const char *rt)
{
	size_t len = olen(rt), i, o = 0, room;
	const char *q = memchr(rt, '?', len);
	const char *s;
	char *dst;

	if (q == NULL)
		return "";
	len -= (size_t)(q - rt);
	for (s = q; s != NULL; ) {
		size_t left = len - (size_t)(s - q);

		if (left > 10 && text_iprefix(s + 1, left - 1, "Replaces="))
			break;
		s = memchr(s + 1, '&', left - 1);
	}
	if (s == NULL)
		return "";
	s += 10;
	len -= (size_t)(s - q);
	dst = sa_begin(b, SIPMSG_URI_BYTES, &room);
	for (i = 0; i < len && o < room; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c == '&' || c == '>')
			break;
		if (c == '%' && i + 2 < len && hexval((uint8_t)s[i + 1]) >= 0 &&
		    hexval((uint8_t)s[i + 2]) >= 0) {
			c = (uint8_t)(hexval((uint8_t)s[i + 1]) * 16 +
			    hexval((uint8_t)s[i + 2]));
			i += 2;
		}
		dst[o++] = c == 0 ? '?' : (char)c;
	}
	return sa_end(b, o);
}

/* "1800;refresher=uac" (RFC 4028 section 4). */
static void
session_expires(struct msg_buf *b, const char *v)
{
	struct sipmsg *m = &b->m;
	size_t len = olen(v);
	const char *semi = memchr(v, ';', len);
	size_t nl = semi != NULL ? (size_t)(semi - v) : len;
	const char *r, *refresher = "";

	m->session_expires = int_or((const uint8_t *)v, nl, -1);
	if (semi == NULL)
		return;
	r = semi;
	while (r != NULL) {
		size_t left = len - (size_t)(r - v) - 1;
		const uint8_t *pp = (const uint8_t *)r + 1;
		const uint8_t *end = memchr(pp, ';', left);
		size_t pl = end != NULL ? (size_t)(end - pp) : left;
		const uint8_t *eq = memchr(pp, '=', pl);

		if (eq != NULL) {
			const uint8_t *n = pp, *val = eq + 1;
			size_t nn = (size_t)(eq - pp);
			size_t vl = pl - nn - 1;

			text_trim(&n, &nn);
			text_trim(&val, &vl);
			if (text_ieq(n, nn, "refresher")) {
				if (text_ieq(val, vl, "uac"))
					refresher = "uac";
				else if (text_ieq(val, vl, "uas"))
					refresher = "uas";
			}
		}
		r = (const char *)end;
	}
	/* The last refresher= wins; put once. */
	m->se_refresher = sa_str(b, refresher, SIPMSG_REFRESHER_BYTES);
}

/*
 * From (to false) or To: URI, display name, tag and address, taken from
 * u, an earlier message with the same line, or else as libosip2 parsed
 * it (f).
 */
static void
party_put(struct msg_buf *b, bool to, const struct sipmsg *u,
    osip_from_t *f)
{
	struct sipmsg *m = &b->m;
	const char **uri = to ? &m->to_uri : &m->from_uri;
	const char **display = to ? &m->to_display : &m->from_display;
	const char **tag = to ? &m->to_tag : &m->from_tag;
	struct ep *addr = to ? &m->to_addr : &m->from_addr;
	osip_generic_param_t *t;

	if (u != NULL) {
		*uri = sa_str(b, to ? u->to_uri : u->from_uri,
		    SIPMSG_URI_BYTES);
		*display = sa_str(b, to ? u->to_display : u->from_display,
		    SIPMSG_TAG_BYTES);
		*tag = sa_str(b, to ? u->to_tag : u->from_tag,
		    SIPMSG_TAG_BYTES);
		*addr = to ? u->to_addr : u->from_addr;
		return;
	}
	*uri = uri_put(b, f->url, SIPMSG_URI_BYTES);
	uri_ep(f->url, addr);
	*display = display_put(b, f->displayname, SIPMSG_TAG_BYTES);
	*tag = osip_from_get_tag(f, &t) >= 0 && t != NULL ?
	    sa_str(b, t->gvalue, SIPMSG_TAG_BYTES) : "";
}

/*
 * Extracts every field, the raw headers from x; returns the anomaly that
 * rejects m, or -1.
 */
static int
extract(struct msg_buf *b, const struct hdr_index *x, osip_message_t *om,
    size_t hdr_len, const struct sipmsg *const use[MEMO_COUNT],
    struct anomalies *an)
{
	struct sipmsg *m = &b->m;
	char tmp[CAP_SIP_STR_BYTES];
	bool over_cap = false;
	const char *cm;
	const uint8_t *v;
	size_t vl;
	uint64_t num;
	int n;

	m->is_request = MSG_IS_REQUEST(om);
	if (m->is_request) {
		const uint8_t *sp1, *sp2;
		const uint8_t *line = (const uint8_t *)m->raw;
		size_t ll;
		struct cur c;

		m->method = sa_str(b, om->sip_method, SIPMSG_METHOD_BYTES);
		/* Request-URI as written: between the first and last SP. */
		cur_init(&c, m->raw, hdr_len);
		if (next_line(&c, &line, &ll) &&
		    (sp1 = memchr(line, ' ', ll)) != NULL) {
			sp2 = memrchr(line, ' ', ll);
			if (sp2 > sp1)
				m->ruri = sa_put(b, sp1 + 1,
				    (size_t)(sp2 - sp1 - 1), SIPMSG_URI_BYTES);
		}
		uri_ep(om->req_uri, &m->ruri_addr);
	} else {
		m->status = om->status_code;
		m->reason = sa_str(b, om->reason_phrase, SIPMSG_REASON_BYTES);
	}

	if ((use[OK_CALL_ID] == NULL && om->call_id == NULL) ||
	    (use[OK_FROM] == NULL && om->from == NULL) ||
	    (use[OK_TO] == NULL && om->to == NULL) ||
	    (use[OK_CSEQ] == NULL && om->cseq == NULL) ||
	    m->call_id[0] == '\0')  /* parse_in() put the raw Call-ID */
		return ANOMALY_SIP_MISSING_HEADER;

	if (use[OK_CSEQ] != NULL) {
		m->cseq = use[OK_CSEQ]->cseq;
		cm = use[OK_CSEQ]->cseq_method;
	} else {
		if (om->cseq->number == NULL || om->cseq->method == NULL ||
		    text_parse_uint(om->cseq->number,
		    olen(om->cseq->number), UINT32_MAX, &num) != 0 ||
		    olen(om->cseq->method) == 0)
			return ANOMALY_SIP_BAD_CSEQ;
		m->cseq = (uint32_t)num;
		cm = om->cseq->method;
	}
	/* Equal in nearly every message: stored once. */
	m->cseq_method = m->is_request &&
	    strncmp(cm, m->method, SIPMSG_METHOD_BYTES - 1) == 0 ?
	    m->method : sa_str(b, cm, SIPMSG_METHOD_BYTES);
	if (!m->is_request)
		m->method = m->cseq_method;  /* same cap, same copy */
	else if (strcmp(m->method, m->cseq_method) != 0) {
		/*
		 * RFC 3261 section 8.1.1.5 wants them equal; the message is
		 * still kept, since dropping it would hide the dialog.
		 */
		anomaly_add(an, ANOMALY_SIP_CSEQ_METHOD_MISMATCH);
		m->quiet = false;
	}

	party_put(b, false, use[OK_FROM], om->from);
	party_put(b, true, use[OK_TO], om->to);

	if (use[OK_VIA] != NULL) {
		/* Its one Via line gave fewer values than the cap. */
		const struct sipmsg *u = use[OK_VIA];

		m->nvia = u->nvia;
		for (int i = 0; i < m->nvia; i++) {
			struct sipmsg_via *d = &b->via[i];

			*d = u->via[i];
			d->transport = sa_str(b, d->transport,
			    SIPMSG_TRANSPORT_BYTES);
			d->host = sa_str(b, d->host, SIPMSG_HOST_BYTES);
			d->branch = sa_str(b, d->branch, SIPMSG_BRANCH_BYTES);
			d->received = sa_str(b, d->received,
			    SIPMSG_HOST_BYTES);
			d->maddr = sa_str(b, d->maddr, SIPMSG_HOST_BYTES);
		}
	}
	n = use[OK_VIA] != NULL ? 0 : osip_list_size(&om->vias);
	for (int i = 0; i < n; i++) {
		osip_via_t *via = NULL;

		if (osip_message_get_via(om, i, &via) < 0 || via == NULL)
			continue;
		if (m->nvia >= CAP_SIP_VIAS) {
			over_cap = true;
			break;
		}
		via_fill(&b->via[m->nvia], b, via);
		m->nvia++;
	}
	if (m->is_request && m->nvia == 0)
		return ANOMALY_SIP_MISSING_HEADER;

	if (use[OK_CONTACT] != NULL) {
		/* Its one Contact line gave fewer values than the cap. */
		const struct sipmsg *u = use[OK_CONTACT];

		m->ncontact = u->ncontact;
		m->contact_star = u->contact_star;
		for (int i = 0; i < m->ncontact; i++) {
			b->contact[i] = u->contact[i];
			b->contact[i].uri = sa_str(b, u->contact[i].uri,
			    SIPMSG_URI_BYTES);
		}
	}
	n = use[OK_CONTACT] != NULL ? 0 : osip_list_size(&om->contacts);
	for (int i = 0; i < n; i++) {
		osip_contact_t *ct = NULL;

		if (osip_message_get_contact(om, i, &ct) < 0 || ct == NULL)
			continue;
		/* "Contact: *" (REGISTER removal): a URL-less "*" entry. */
		if (ct->url == NULL && ct->displayname != NULL &&
		    strcmp(ct->displayname, "*") == 0) {
			m->contact_star = true;
			continue;
		}
		if (m->ncontact >= CAP_SIP_CONTACTS) {
			over_cap = true;
			continue;
		}
		contact_fill(&b->contact[m->ncontact], b, ct);
		m->ncontact++;
	}
	if (over_cap) {
		anomaly_add(an, ANOMALY_SIP_VALUES_CAP);
		m->quiet = false;
	}

	m->nrecord_route = osip_list_size(&om->record_routes);
	m->record_route = route_put(b, &om->record_routes);
	m->route = route_put(b, &om->routes);

	m->user_agent = hx_get(x, HX_USER_AGENT, &v, &vl) ?
	    opt_put(b, x, HX_USER_AGENT, SIPMSG_TEXT_BYTES) :
	    opt_put(b, x, HX_SERVER, SIPMSG_TEXT_BYTES);
	m->pai = opt_put(b, x, HX_PAI, SIPMSG_URI_BYTES);
	m->rpid = opt_put(b, x, HX_RPID, SIPMSG_URI_BYTES);
	m->refer_to = opt_put(b, x, HX_REFER_TO, SIPMSG_URI_BYTES);
	m->replaces = hx_get(x, HX_REPLACES, &v, &vl) ?
	    opt_put(b, x, HX_REPLACES, SIPMSG_URI_BYTES) :
	    replaces_from_refer_to(b, m->refer_to);
	m->event = opt_put(b, x, HX_EVENT, SIPMSG_EVENT_BYTES);
	m->subscription_state = opt_put(b, x, HX_SUBSCRIPTION_STATE,
	    SIPMSG_EVENT_BYTES);
	m->content_type = opt_put(b, x, HX_CONTENT_TYPE, SIPMSG_TEXT_BYTES);

	/* Framing (sipframe.c) counted any Content-Length anomaly already. */
	m->content_length = -1;
	if (hx_get(x, HX_CONTENT_LENGTH, &v, &vl) &&
	    text_parse_uint(v, vl, INT64_MAX, &num) == 0)
		m->content_length = (int64_t)num;

	m->expires = opt_hdr(x, HX_EXPIRES, tmp, sizeof(tmp)) ?
	    int_or((const uint8_t *)tmp, olen(tmp), -1) : -1;
	m->session_expires = -1;
	if (opt_hdr(x, HX_SESSION_EXPIRES, tmp, sizeof(tmp)))
		session_expires(b, tmp);
	m->min_se = -1;
	if (opt_hdr(x, HX_MIN_SE, tmp, sizeof(tmp))) {
		const char *semi = memchr(tmp, ';', olen(tmp));

		m->min_se = int_or((const uint8_t *)tmp, semi != NULL ?
		    (size_t)(semi - tmp) : olen(tmp), -1);
	}
	return -1;
}

/* Starts the scratch message: no strings yet (all ""), empty area. */
static void
msg_buf_init(struct msg_buf *b, const uint8_t *msg, size_t len)
{
	struct sipmsg *m = &b->m;

	memset(m, 0, sizeof(*m));
	b->used = 0;
	/* Read only while extracting; pack() stores the copy. */
	m->raw = (char *)(uintptr_t)msg;
	m->raw_len = len;
	m->method = m->reason = m->ruri = m->call_id = "";
	m->from_uri = m->from_tag = m->from_display = "";
	m->to_uri = m->to_tag = m->to_display = "";
	m->cseq_method = m->record_route = m->route = "";
	m->user_agent = m->pai = m->rpid = m->refer_to = "";
	m->replaces = m->event = m->subscription_state = "";
	m->content_type = m->se_refresher = "";
	m->via = b->via;
	m->contact = b->contact;
}

static int
clamp_count(int n, int cap)
{
	return n < 0 ? 0 : n > cap ? cap : n;
}

/* Reserves n bytes aligned to align at *off; returns their offset. */
static size_t
lay(size_t *off, size_t n, size_t align)
{
	size_t o = (*off + align - 1) / align * align;

	*off = o + n;
	return o;
}

/*
 * Where p -- a string of b's area, or a static "" -- points once the area
 * is copied to area.
 */
static const char *
reloc(const struct msg_buf *b, const char *p, char *area)
{
	uintptr_t x = (uintptr_t)p, lo = (uintptr_t)b->area;

	return x - lo < b->used ? area + (x - lo) : p;
}

/*
 * Copies the scratch message into its own right-sized block: the
 * struct, via[], contact[] (each at least one element, zeroed with ""
 * strings when empty, see sipmsg.h), the SDP region (sdp_pack), the raw
 * copy, then the area -- every non-empty string, each once (the block
 * is the size the old string-by-string packing gave).
 */
static struct sipmsg *
pack_new(const struct msg_buf *b, const struct sipmsg_lend *lend)
{
	static const struct sipmsg_via no_via = {
		.transport = "", .host = "", .branch = "", .received = "",
		.maddr = "",
	};
	static const struct sipmsg_contact no_contact = { .uri = "" };
	const struct sipmsg *src = &b->m;
	int nv = clamp_count(src->nvia, CAP_SIP_VIAS);
	int nc = clamp_count(src->ncontact, CAP_SIP_CONTACTS);
	size_t sdp_n = src->sdp != NULL ? sdp_pack_size(src->sdp) : 0;
	size_t n = 0, o_via, o_ct, o_sdp = 0, o_raw, o_area, cap;
	struct sipmsg_via *via;
	struct sipmsg_contact *ct;
	struct sipmsg *d;
	char *blk, *area;

	(void)lay(&n, sizeof(*d), _Alignof(struct sipmsg));
	o_via = lay(&n, (size_t)(nv > 0 ? nv : 1) * sizeof(*via),
	    _Alignof(struct sipmsg_via));
	o_ct = lay(&n, (size_t)(nc > 0 ? nc : 1) * sizeof(*ct),
	    _Alignof(struct sipmsg_contact));
	if (src->sdp != NULL)
		o_sdp = lay(&n, sdp_n, _Alignof(max_align_t));
	o_raw = lay(&n, src->raw_len + 1, 1);
	o_area = lay(&n, b->used, 1);
	cap = n;
	blk = lend != NULL && lend->alloc != NULL ?
	    lend->alloc(lend->user, n, &cap) : malloc(n);
	if (blk == NULL)
		return NULL;
	d = (struct sipmsg *)(void *)blk;
	via = (struct sipmsg_via *)(void *)(blk + o_via);
	ct = (struct sipmsg_contact *)(void *)(blk + o_ct);
	area = blk + o_area;
	*d = *src;
	d->sdp = src->sdp != NULL ? sdp_pack(src->sdp, blk + o_sdp, sdp_n) :
	    NULL;
	d->raw = blk + o_raw;
	memcpy(d->raw, src->raw, src->raw_len);
	d->raw[src->raw_len] = '\0';
	memcpy(area, b->area, b->used);
	d->method = reloc(b, src->method, area);
	d->reason = reloc(b, src->reason, area);
	d->ruri = reloc(b, src->ruri, area);
	d->call_id = reloc(b, src->call_id, area);
	d->from_uri = reloc(b, src->from_uri, area);
	d->from_tag = reloc(b, src->from_tag, area);
	d->from_display = reloc(b, src->from_display, area);
	d->to_uri = reloc(b, src->to_uri, area);
	d->to_tag = reloc(b, src->to_tag, area);
	d->to_display = reloc(b, src->to_display, area);
	d->cseq_method = reloc(b, src->cseq_method, area);
	d->record_route = reloc(b, src->record_route, area);
	d->route = reloc(b, src->route, area);
	d->user_agent = reloc(b, src->user_agent, area);
	d->pai = reloc(b, src->pai, area);
	d->rpid = reloc(b, src->rpid, area);
	d->refer_to = reloc(b, src->refer_to, area);
	d->replaces = reloc(b, src->replaces, area);
	d->event = reloc(b, src->event, area);
	d->subscription_state = reloc(b, src->subscription_state, area);
	d->content_type = reloc(b, src->content_type, area);
	d->se_refresher = reloc(b, src->se_refresher, area);
	for (int i = 0; i < (nv > 0 ? nv : 1); i++) {
		struct sipmsg_via v = i < nv ? src->via[i] : no_via;

		v.transport = reloc(b, v.transport, area);
		v.host = reloc(b, v.host, area);
		v.branch = reloc(b, v.branch, area);
		v.received = reloc(b, v.received, area);
		v.maddr = reloc(b, v.maddr, area);
		via[i] = v;
	}
	for (int i = 0; i < (nc > 0 ? nc : 1); i++) {
		struct sipmsg_contact c = i < nc ? src->contact[i] : no_contact;

		c.uri = reloc(b, c.uri, area);
		ct[i] = c;
	}
	d->via = via;
	d->nvia = nv;
	d->contact = ct;
	d->ncontact = nc;
	d->mem_bytes = n;
	d->block_bytes = cap;
	return d;
}

/*
 * libosip2's allocations while it parses one message.  libosip2 takes its
 * allocator from three process-global function pointers (osip_malloc_func
 * and friends, osip_port.h); global_init_once() points them at the hooks
 * below, once per process.  The hooks serve from the scratch that the
 * calling thread's sipmsg_parse() has made current, and fall through to
 * malloc/realloc/free when none is -- outside a parse, in any other
 * thread, or for any other libosip2 user in the process, which therefore
 * sees libosip2's default behaviour.
 *
 * The current scratch is thread-local and set only for the length of one
 * sipmsg_parse() call (saved and restored around it), so the library
 * keeps no state between calls: two analyses in one process, in one
 * thread or several, never share it.  While it is set, everything
 * libosip2 builds comes from the scratch, and the whole tree is dropped
 * by one scratch_fini() instead of osip_message_free() walking it; a
 * block libosip2 frees in between stays allocated until then.  A pointer
 * the scratch did not hand out (none is expected) is freed normally.
 *
 * Should the process replace libosip2's allocators after ours were
 * installed, sipmsg_parse() notices (osip_malloc_func is no longer ours)
 * and frees the tree with osip_message_free() as before.
 */
static _Thread_local struct scratch *osip_scratch;

static void *
osip_hook_malloc(size_t n)
{
	struct scratch *s = osip_scratch;

	return s != NULL ? scratch_alloc(s, n) : malloc(n);
}

static void *
osip_hook_realloc(void *p, size_t n)
{
	struct scratch *s = osip_scratch;

	if (s != NULL && (p == NULL || scratch_owns(s, p)))
		return scratch_realloc(s, p, n);
	return realloc(p, n);
}

static void
osip_hook_free(void *p)
{
	struct scratch *s = osip_scratch;

	if (s == NULL || !scratch_owns(s, p))
		free(p);
}

/*
 * The stack buffer of a parse's scratch: libosip2's tree of a typical
 * message (a few KB) and our copy of its header block fit, so most
 * messages cost no heap allocation until the final block.
 */
#define PARSE_SCRATCH_BYTES (16 * 1024)

/*
 * Asks lend->prior for earlier messages of call_id; false when it stops
 * the parse.  For each memo header that occurred once on one line, use[]
 * gets an earlier message that carried the very same line: its results
 * are those libosip2 would give again, since a header's parse depends on
 * its own line only and that message was accepted with it.  Via and
 * Contact are reused only when that line gave fewer values than the cap
 * (so no SIP_VALUES_CAP is owed).
 */
static bool
memo_find(struct walk *w, const char *call_id,
    const struct sipmsg_lend *lend, const struct sipmsg *use[MEMO_COUNT])
{
	const struct sipmsg *pm[SIPMSG_PRIOR_MAX];
	size_t np = lend->prior(lend->user, call_id, pm, SIPMSG_PRIOR_MAX);

	if (np == SIPMSG_PRIOR_STOP)
		return false;
	if (np > SIPMSG_PRIOR_MAX)
		np = SIPMSG_PRIOR_MAX;
	for (int k = 0; k < MEMO_COUNT; k++) {
		const struct memo_line *ml = &w->memo[k];

		if (!ml->usable)
			continue;
		for (size_t i = 0; i < np; i++) {
			const struct sipmsg *p = pm[i];

			if (p->memo_len[k] != ml->ll ||
			    memcmp(p->raw + p->memo_off[k], ml->line,
			    ml->ll) != 0)
				continue;
			if ((k == OK_VIA && p->nvia >= CAP_SIP_VIAS) ||
			    (k == OK_CONTACT &&
			    p->ncontact >= CAP_SIP_CONTACTS))
				continue;
			use[k] = p;
			break;
		}
	}
	return true;
}

/*
 * Walks the header block, lets libosip2 parse what no earlier message
 * answers for, reduces the result into a stack scratch and packs that
 * into the message's one block.  Every failure path counts one anomaly
 * (none on out-of-memory); what libosip2 allocated goes with the scratch
 * s (or with osip_message_free when the scratch is not libosip2's
 * allocator, own false).
 */
static struct sipmsg *
parse_in(struct scratch *s, bool own, const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an)
{
	struct msg_buf b;
	struct walk w;
	const struct sipmsg *use[MEMO_COUNT] = { NULL };
	struct sipmsg *m = &b.m, *out;
	osip_message_t *om = NULL;
	const uint8_t *v;
	size_t vl;
	int rc;

	msg_buf_init(&b, msg, len);
	/* Cleared by every anomaly counted from here on (none: quiet). */
	m->quiet = an != NULL;
	if (walk_headers(&w, s, msg, len) != 0)
		return NULL;
	if (w.too_long) {
		anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
		return NULL;
	}
	m->body_off = w.body_off;
	m->body_len = len - m->body_off;
	/*
	 * A CR inside a line makes where libosip2 ends a header, or its
	 * header block, depend on the lines around: then it reads all.
	 */
	if (hx_get(&w.hx, HX_CALL_ID, &v, &vl) && vl > 0) {
		m->call_id = sa_put(&b, v, vl, SIPMSG_URI_BYTES);
		if (lend != NULL && lend->prior != NULL && !w.has_cr &&
		    !memo_find(&w, m->call_id, lend, use))
			return NULL;  /* the caller knows it: nothing counted */
	}
	in_drop(&w, use);

	if (osip_message_init(&om) != 0)
		return NULL;
	rc = osip_message_parse(om, w.in, w.inlen);
	if (rc != 0) {
		if (!own)
			osip_message_free(om);
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return NULL;
	}
	rc = extract(&b, &w.hx, om, w.hdr_len, use, an);
	if (!own)
		osip_message_free(om);
	if (rc >= 0) {
		anomaly_add(an, (enum anomaly_id)rc);
		return NULL;
	}
	parse_body(m, &w.hx, an);
	for (int k = 0; k < MEMO_COUNT; k++)
		if (w.memo[k].usable && !w.has_cr) {
			/* Both fit: len <= CAP_SIP_MSG_BYTES (65535). */
			m->memo_off[k] = (uint16_t)(w.memo[k].line - msg);
			m->memo_len[k] = (uint16_t)w.memo[k].ll;
		}
	out = pack_new(&b, lend);
	sdp_free(m->sdp);
	return out;
}

struct sipmsg *
sipmsg_parse_with(const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an)
{
	_Alignas(SCRATCH_ALIGN) char buf[PARSE_SCRATCH_BYTES];
	struct scratch s, *saved;
	struct sipmsg *out;
	bool own;

	if (len > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return NULL;
	}
	if (msg == NULL || len == 0) {
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return NULL;
	}
	sipmsg_global_init();
	scratch_init(&s, buf, sizeof(buf));
	own = osip_malloc_func == osip_hook_malloc &&
	    osip_realloc_func == osip_hook_realloc &&
	    osip_free_func == osip_hook_free;
	saved = osip_scratch;
	if (own)
		osip_scratch = &s;
	out = parse_in(&s, own, msg, len, lend, an);
	osip_scratch = saved;
	scratch_fini(&s);
	return out;
}

struct sipmsg *
sipmsg_parse(const uint8_t *msg, size_t len, struct anomalies *an)
{
	return sipmsg_parse_with(msg, len, NULL, an);
}

/* The SDP, raw copy and strings are all inside m's block. */
void
sipmsg_free(struct sipmsg *m)
{
	free(m);
}

size_t
sipmsg_mem_bytes(const struct sipmsg *m)
{
	return m != NULL ? m->mem_bytes : 0;
}

const char *
sipmsg_label(const struct sipmsg *m, char *buf, size_t n)
{
	const char *reason = m->reason != NULL ? m->reason : "";
	const char *method;
	int w;

	if (n == 0)
		return buf;
	/*
	 * Raw bytes, not escaped: every printer escapes packet strings for
	 * its own target (plain, JSON, CSV, curses), and escaping here too
	 * showed "\\x1b" for an ESC in the reason phrase.
	 */
	if (m->is_request) {
		method = m->method != NULL ? m->method : "";
		text_copy(buf, n, method, strnlen(method,
		    SIPMSG_METHOD_BYTES));
		return buf;
	}
	w = snprintf(buf, n, "%d ", m->status);
	if (w < 0 || (size_t)w >= n)
		return buf;
	text_copy(buf + w, n - (size_t)w, reason,
	    strnlen(reason, SIPMSG_REASON_BYTES));
	/* No reason phrase: drop the trailing blank. */
	if (reason[0] == '\0')
		buf[w - 1] = '\0';
	return buf;
}

/*
 * "sip:alice@10.0.0.2:5060;transport=udp" -> "alice@10.0.0.2:5060".  A
 * name-addr ("Alice" <sip:...>;tag=x) is reduced to what is inside the
 * angle brackets; parameters are cut after the host part only, since a
 * telephone-subscriber user part may itself carry ';'.
 */
const char *
sipmsg_uri_userhost(const char *uri, char *buf, size_t n)
{
	const uint8_t *p = (const uint8_t *)uri;
	size_t len = uri != NULL ? strnlen(uri, CAP_SIP_STR_BYTES) : 0;
	const uint8_t *lt, *gt, *at, *end;
	size_t i;

	if (n == 0)
		return buf;
	if (len > 0 && (lt = memchr(p, '<', len)) != NULL) {
		len -= (size_t)(lt + 1 - p);
		p = lt + 1;
		if ((gt = memchr(p, '>', len)) != NULL)
			len = (size_t)(gt - p);
	}
	text_trim(&p, &len);
	/*
	 * Strip a scheme ("sip:", "sips:", "tel:", any letters before ':'),
	 * but not the "host:" of a bare "host:port".
	 */
	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.'))))
			break;
	}
	if (i > 0 && i < len && p[i] == ':' &&
	    (text_ieq(p, i, "sip") || text_ieq(p, i, "sips") ||
	    text_ieq(p, i, "tel") || i + 1 == len ||
	    p[i + 1] < '0' || p[i + 1] > '9')) {
		p += i + 1;
		len -= i + 1;
	}
	at = len > 0 ? memrchr(p, '@', len) : NULL;
	end = at != NULL ? at : p;
	for (i = (size_t)(end - p); i < len; i++)
		if (p[i] == ';' || p[i] == '?' || p[i] == '>')
			break;
	text_copy(buf, n, p, i);
	return buf;
}

const char *
sipmsg_header(const struct sipmsg *m, const char *name, char *buf, size_t n)
{
	const char *full = name;
	const uint8_t *v;
	size_t vl;
	char c;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (m == NULL || m->raw == NULL || name == NULL || name[0] == '\0')
		return buf;
	if (name[1] == '\0' && (full = full_of(name[0])) == NULL)
		full = name;
	c = compact_of(full);
	if (hdr_find((const uint8_t *)m->raw, m->body_off, true, full, c, &v,
	    &vl))
		text_copy(buf, n, v, vl);
	return buf;
}

/* libosip2's trace output would go to stderr; the library stays quiet. */
static void
osip_silent(const char *fi, int li, osip_trace_level_t level,
    const char *chfr, va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

static void
global_init_once(void)
{
	parser_init();
	osip_set_allocators(osip_hook_malloc, osip_hook_realloc,
	    osip_hook_free);
	osip_trace_initialize_func(END_TRACE_LEVEL, osip_silent);
	for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);
}

/*
 * libosip2's parser tables and trace settings are process-global, so this
 * pthread_once guard is the one static the analyzer keeps.  sipmsg_parse
 * calls it too; callers may call it early to keep the cost out of the
 * first packet.
 */
void
sipmsg_global_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, global_init_once);
}
