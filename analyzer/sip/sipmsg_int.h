/*
 * sipmsg_int.h - what the files of one SIP message parse share (private
 * to analyzer/sip/sipmsg*.c; the public contract is sipmsg.h).
 *
 * The parse is cut along its seams:
 *
 *	sipmsg_hdr.c   the one walk over the header block: framing at the
 *	               empty line, the index of the headers we read raw,
 *	               libosip2's copy of the rest, compact header names
 *	sipmsg_body.c  the body: SDP, multipart/ parts, message/sipfrag
 *	sipmsg_pack.c  the extraction scratch (struct msg_buf) and the
 *	               packing of a message into one right-sized block
 *	sipmsg.c       libosip2: its allocator hooks, the fields taken from
 *	               its structures, the memo of earlier lines, the API
 *
 * Nothing here is seen outside analyzer/sip/.
 */
#ifndef SIPALG_SIP_SIPMSG_INT_H
#define SIPALG_SIP_SIPMSG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/anomaly.h"
#include "base/cursor.h"
#include "base/scratch.h"
#include "ingest/sipframe.h"
#include "sip/sipmsg.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
 * once, back to back, so that msg_buf_pack() copies all of them with one
 * memcpy; its arrays are via[] and contact[].  m.raw points at the
 * caller's bytes meanwhile, m.sdp at a temporary sdp_parse result.
 *
 * Every empty string field points at nul, the byte just before area
 * (sa_empty), never at a static "": so every string of the message lies
 * in nul..area[used), and msg_buf_pack() moves each pointer with one
 * add (the block puts the area right after the raw copy's NUL, which
 * then stands for nul).
 */
struct msg_buf {
	struct sipmsg m;
	struct sipmsg_via via[CAP_SIP_VIAS];
	struct sipmsg_contact contact[CAP_SIP_CONTACTS];
	size_t used;              /* bytes of area taken */
	char nul;                 /* '\0': the empty string */
	char area[STR_AREA_BYTES];
};

_Static_assert(offsetof(struct msg_buf, area) ==
    offsetof(struct msg_buf, nul) + 1, "area follows nul");

/*
 * The headers extract() and sipmsg_body_parse() read from the raw block.  They
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

/* First value of each enum hx header; val NULL when absent. */
struct hdr_index {
	const uint8_t *val[HX_COUNT];
	size_t len[HX_COUNT];
};

/* The first value of header id, false when the message has none. */
static inline bool
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

/* A memo header's line: where it is in the message and in the copy. */
struct memo_line {
	const uint8_t *line;
	size_t ll;
	const uint8_t *colon;  /* its first ':' (the walk found it) */
	size_t in_off;   /* its place in the libosip2 copy (ll + 2 bytes) */
	int count;       /* lines of this header in the message */
	unsigned seq;    /* its line's number in the header block */
	bool usable;     /* once, on one line (no folded continuation) */
	bool deferred;   /* not yet in the copy: walk_drop() puts it at
	                    in_off unless taken (the first occurrence) */
};

/*
 * One walk over the header block of msg[0..len): frames it, indexes the
 * headers we read ourselves, and builds the copy handed to libosip2.
 */
struct walk {
	size_t hdr_len;   /* start line and headers with their line ends */
	size_t body_off;  /* first byte after the empty line; len if none */
	bool too_long;    /* a line over CAP_SIP_LINE_BYTES */
	bool has_cr;      /* a CR inside a line of the copy; the deferred
	                     memo lines are looked at by walk_cr() only */
	bool extra;       /* the copy holds a line other than the start line
	                     and the memo headers' own single lines */
	struct hdr_index hx;
	struct memo_line memo[MEMO_COUNT];
	char *in;         /* the libosip2 copy, NUL-terminated */
	size_t inlen;
	size_t sl_len;    /* bytes of the copy before its first CR: the
	                     start line's, or less at a CR inside it */
};

/* ---- sipmsg_hdr.c: the header walk ---- */

/* The compact letter of a full header name (any case), 0 when none. */
char hdr_compact_of(const char *name);

/* The full name of a compact letter (any case), NULL when none. */
const char *hdr_full_of(char c);

/*
 * Takes the next line of c: *line and *ll are its content without CR/LF.
 * Returns false at the end of the window.
 */
bool hdr_next_line(struct cur *c, const uint8_t **line, size_t *ll);

/*
 * Looks up a header by full name or compact letter (0: none) in the block
 * p[0..len), stopping at the first empty line.  skip_first skips the start
 * line (SIP messages; not MIME part headers).  Sets the trimmed value of
 * the first occurrence; folded continuation lines are not joined.
 */
bool hdr_find(const uint8_t *p, size_t len, bool skip_first,
    const char *name, char cname, const uint8_t **val, size_t *vlen);

/*
 * Walks the header block of msg[0..len) into w (see struct walk); the
 * libosip2 copy comes from s.  ln (NULL: none) are the line ends the
 * framing found in msg (sipframe.h), taken instead of searched for.
 * Returns -1 when s is out of memory, else 0 (w->too_long tells a line
 * over the cap).
 */
int walk_headers(struct walk *w, struct scratch *s, const uint8_t *msg,
    size_t len, const struct sipframe_lines *ln);

/*
 * Completes w->has_cr with the memo lines still deferred, which the walk
 * does not look at: most of them are taken, and a taken line is known
 * to hold no CR.  clean[k] (clean NULL: none) says that memo line k is
 * such a line, not looked at again; every other deferred line is.
 */
void walk_cr(struct walk *w, const bool clean[MEMO_COUNT]);

/*
 * Finishes the libosip2 copy: the memo headers' first lines, which the
 * walk left out (deferred), go in at their places unless answered for
 * without libosip2 (taken[k]: by an earlier message or by sipmsg.c's
 * fast scan; only a usable line is taken); then the empty line and NUL.
 * Until then the copy is complete up to its start line only.
 */
void walk_drop(struct walk *w, const bool taken[MEMO_COUNT]);

/* ---- sipmsg_body.c ---- */

/*
 * Reads m's body by its Content-Type (from x): SDP into a temporary
 * m->sdp, the first SDP part of a multipart body, a sipfrag's status.
 * The SDP lives in room (sdp_scratch_size() bytes, sdp_parse_scratch)
 * when room is not NULL, else in a block the caller frees with
 * sdp_free().  A body that is not what it claims is counted in an.
 */
void sipmsg_body_parse(struct sipmsg *m, const struct hdr_index *x,
    void *room, struct anomalies *an);

/* ---- sipmsg_pack.c: the string area and the packing ---- */

/*
 * (Inline: they are called a dozen times a message, from three files.)
 *
 * Starts a string of at most cap - 1 bytes in b's area: returns where to
 * write and sets *room to the bytes that may be written (its NUL not
 * counted); sa_end() closes it.  An area too full for more (it cannot
 * be, see STR_AREA_BYTES) gives room 0.
 */
static inline char *
sa_begin(struct msg_buf *b, size_t cap, size_t *room)
{
	size_t left = sizeof(b->area) - b->used;
	size_t r = cap < left ? cap : left;

	/* min(cap - 1, left - 1), 0 when either is 0: one test fewer. */
	*room = r != 0 ? r - 1 : 0;
	return b->area + b->used;
}

/*
 * memcpy(d, s, n) for the short strings of a message (n under a few
 * hundred bytes: every string field is capped at SIPMSG_URI_BYTES),
 * returning whether s[0..n) holds a NUL byte (sa_put() replaces those).
 * GCC's PGO build expanded these copies into "rep movsb", which
 * cachegrind counts a byte at a time and which starts slowly on short
 * lengths (sig5k: 388.2M -> 383.3M Ir with the moves below), and
 * sa_put() searched the copy for NUL with a memchr() call (83K calls,
 * 2.2M Ir).  Here: 16-byte moves, the last one ending at n
 * (overlapping the one before); below 16 bytes two overlapping moves
 * of 8 or 4, or three single bytes; each move's bytes tested for zero
 * as they pass.  Every load lies in s[0..n), every store in d[0..n).
 */
static inline bool
sa_copy_z(char *d, const char *s, size_t n)
{
	const uint64_t lo = 0x0101010101010101ULL;
	const uint64_t hi = 0x8080808080808080ULL;

	if (n >= 16) {
#ifdef __SSE2__
		__m128i z = _mm_setzero_si128(), t;
		size_t i;

		for (i = 0; i + 16 < n; i += 16) {
			t = _mm_loadu_si128((const __m128i *)(const void *)
			    (s + i));
			_mm_storeu_si128((__m128i *)(void *)(d + i), t);
			z = _mm_or_si128(z, _mm_cmpeq_epi8(t,
			    _mm_setzero_si128()));
		}
		t = _mm_loadu_si128((const __m128i *)(const void *)
		    (s + n - 16));
		_mm_storeu_si128((__m128i *)(void *)(d + n - 16), t);
		z = _mm_or_si128(z, _mm_cmpeq_epi8(t, _mm_setzero_si128()));
		return _mm_movemask_epi8(z) != 0;
#else
		uint64_t x, f = 0;
		size_t i;

		/* (x - 0x01..) & ~x & 0x80.. is nonzero iff a byte is 0. */
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&x, s + i, 8);
			memcpy(d + i, &x, 8);
			f |= (x - lo) & ~x & hi;
		}
		memcpy(&x, s + n - 8, 8);
		memcpy(d + n - 8, &x, 8);
		return ((f | ((x - lo) & ~x)) & hi) != 0;
#endif
	} else if (n >= 8) {
		uint64_t a, z;

		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &z, 8);
		return ((((a - lo) & ~a) | ((z - lo) & ~z)) & hi) != 0;
	} else if (n >= 4) {
		uint32_t a, z;

		memcpy(&a, s, 4);
		memcpy(&z, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &z, 4);
		return ((((a - (uint32_t)lo) & ~a) | ((z - (uint32_t)lo) &
		    ~z)) & (uint32_t)hi) != 0;
	} else if (n > 0) {
		char a = s[0], m = s[n / 2], z = s[n - 1];

		d[0] = a;
		d[n / 2] = m;
		d[n - 1] = z;
		return a == 0 || m == 0 || z == 0;
	}
	return false;
}

/* sa_copy_z() without the answer (the compiler drops its tests). */
static inline void
sa_copy(char *d, const char *s, size_t n)
{
	(void)sa_copy_z(d, s, n);
}

/*
 * The empty string of b's message (a string field is never a static "",
 * see struct msg_buf).
 */
static inline char *
sa_empty(struct msg_buf *b)
{
	return &b->nul;
}

/* Closes the string sa_begin() started, len bytes long; "" when empty. */
static inline const char *
sa_end(struct msg_buf *b, size_t len)
{
	char *s = b->area + b->used;

	if (len == 0)
		return sa_empty(b);
	s[len] = '\0';
	b->used += len + 1;
	return s;
}

/*
 * Puts p[0..len) in b's area as a string field of cap bytes: cut at
 * cap - 1, NUL bytes as '?' (text_copy's rule).  "" when empty.
 */
static inline char *
sa_put(struct msg_buf *b, const void *p, size_t len, size_t cap)
{
	size_t room;
	char *d = sa_begin(b, cap, &room), *z;

	if (len > room)
		len = room;
	if (len == 0)
		return sa_empty(b);
	if (!sa_copy_z(d, p, len))
		return (char *)(uintptr_t)sa_end(b, len);
	for (z = memchr(d, 0, len); z != NULL;
	    z = memchr(z + 1, 0, len - (size_t)(z + 1 - d)))
		*z = '?';
	return (char *)(uintptr_t)sa_end(b, len);
}

/*
 * A NUL-terminated string (libosip2's or ours; NULL is ""), capped: no
 * NUL inside to replace.
 */
static inline const char *
sa_str(struct msg_buf *b, const char *s, size_t cap)
{
	size_t room, len;
	char *d;

	/* What sa_end() gives an empty one, without the calls (many are). */
	if (s == NULL || s[0] == '\0')
		return sa_empty(b);
	d = sa_begin(b, cap, &room);
	len = strnlen(s, room);
	sa_copy(d, s, len);
	return sa_end(b, len);
}

/* Starts the scratch message: no strings yet (all ""), empty area. */
void msg_buf_init(struct msg_buf *b, const uint8_t *msg, size_t len);

/*
 * Copies the scratch message into its own right-sized block (from
 * lend->alloc when set, else malloc).  NULL on out-of-memory.
 */
struct sipmsg *msg_buf_pack(const struct msg_buf *b,
    const struct sipmsg_lend *lend);

#endif
