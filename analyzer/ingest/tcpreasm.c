/*
 * tcpreasm.c - TCP stream reassembly for SIP, SIP over WebSocket and TLS
 * accounting (tcpreasm.h).
 *
 * SIP over TCP (RFC 3261 §18.3) is a byte stream: a segment may hold
 * several messages, a message may span several segments, and captures
 * lose, repeat and reorder segments.  Each direction of a connection (a
 * "half-connection") is tracked on its own, keyed by (source, destination)
 * in a chained hash table of at most CAP_TCP_FLOWS entries.
 *
 * Sequence space (RFC 793 §3.3) is 32 bits and wraps; positions are
 * compared with signed 32-bit differences against next_seq, the next byte
 * expected.  The first byte's number comes from the SYN (seq + 1) or, when
 * the capture starts mid-connection, from the first data segment.
 *
 *	 seq - next_seq < 0   bytes already seen: trimmed (retransmission)
 *	 seq - next_seq = 0   appended, then held segments are drained
 *	 seq - next_seq > 0   held, sorted, until the gap fills
 *
 * When GAP_PATIENCE later segments pile up (or at FIN or expiry) the
 * missing bytes were not captured: TCP_GAP is counted, the partial message
 * is dropped and the SIP framer resynchronises at the next line start where
 * a SIP start line is found.
 *
 * A direction is classified by its first bytes:
 *   - SIP start line or CRLF keepalive: framed with sipframe_stream();
 *   - "GET " / "HTTP/1.x" with "Upgrade: websocket" (RFC 6455 §4): the
 *     header block is skipped and frames follow (below);
 *   - TLS record header (type 0x14-0x17, major version 3): record lengths
 *     are walked and each record counted TLS_UNDECRYPTABLE; at most the
 *     5 header bytes are kept between segments;
 *   - anything else: ignored; the direction keeps only its small struct.
 * Captures that start mid-connection get GAP_PROBES segments to show a SIP
 * start line at a line start before the direction is ignored.
 *
 * WebSocket frame (RFC 6455 §5.2), read with the bounded cursor:
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+-+-+-+-+-------+-+-------------+-------------------------------+
 *	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *	| |1|2|3|       |K|             |                               |
 *	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *	|     Extended payload length continued, if payload len == 127  |
 *	+ - - - - - - - - - - - - - - - +-------------------------------+
 *	|                               | Masking-key, if MASK set to 1 |
 *	+-------------------------------+-------------------------------+
 *	| Masking-key (continued)       |          Payload Data         |
 *	+-------------------------------- - - - - - - - - - - - - - - - +
 *
 * Text and binary messages (continuations joined, control frames
 * skipped) that look like SIP are delivered whole, as a datagram would be
 * (RFC 7118 §5: one SIP message per WebSocket message).  Payloads over
 * CAP_SIP_MSG_BYTES are WS_BAD_FRAME and skipped without being buffered;
 * compressed frames (RSV bits, permessage-deflate) cannot be read and are
 * WS_BAD_FRAME too.
 *
 * Limits: unframed bytes per direction are capped at CAP_TCP_FLOW_BYTES
 * (TCP_BUFFER_FULL: the buffer is dropped and the framer resynchronises);
 * held segments at CAP_TCP_OOO_SEGMENTS (TCP_OOO_FULL: the segment is
 * dropped).  first_frame is exact when every message starts in a segment
 * processed after the previous message ended, which is always the case
 * without errors; after a resynchronisation inside old bytes it may name
 * a later frame.  A partial message left at FIN or expiry is dropped
 * without an anomaly.
 */
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "base/cursor.h"
#include "ingest/sipframe.h"
#include "ingest/tcpreasm.h"
#include "base/text.h"

#define TABLE_BUCKETS	16384		/* power of two, > CAP_TCP_FLOWS */
#define GAP_PATIENCE	16		/* held segments before a gap is declared */
#define GAP_PROBES	8		/* mid-stream segments tried for SIP */
#define BUF_MIN		2048

enum dir_class {
	DC_UNKNOWN,	/* not enough bytes seen to decide */
	DC_SIP,
	DC_HTTP,	/* HTTP header block, maybe a WebSocket upgrade */
	DC_WS,
	DC_TLS,
	DC_IGNORED,
	DC_CLOSED	/* FIN or RST seen: swallow until forgotten */
};

/* A segment held until the bytes before it arrive. */
struct seg {
	struct seg *next;
	uint32_t seq;
	size_t len;
	struct pkt meta;	/* payload points at data */
	uint8_t data[];
};

/* Bytes received in order but not framed yet; only for SIP/HTTP/WS. */
struct sbuf {
	uint8_t *p;
	size_t len, cap;
	uint64_t head_frame;	/* frame holding p[0] */
	/* SIP framer */
	size_t need;		/* whole message length once known, else 0 */
	size_t scan;		/* header-end search resumes here */
	size_t line_start;	/* start of the line being scanned */
	/* WebSocket */
	uint8_t *msg;		/* continuation frames joined */
	size_t mlen, mcap;
	uint64_t msg_first;
	int in_msg;
	uint64_t skip;		/* payload bytes of an over-cap frame to skip */
};

struct dir {
	struct dir *hnext;
	struct dir *prev, *next;	/* least recently used first */
	struct ep src, dst;
	uint32_t bucket;
	int64_t last_ns;
	uint32_t next_seq;
	uint32_t isn;		/* sequence number of the SYN */
	uint8_t seq_known, syn_seen, cls, resync;
	uint8_t probes;
	uint8_t tls_hlen;
	uint8_t tls_hdr[5];
	uint32_t tls_left;	/* record body bytes still to skip */
	uint16_t nseg;
	struct seg *segs;	/* held segments, sorted by sequence */
	struct sbuf *b;
};

struct tcp_reasm {
	tcp_msg_fn fn;
	void *user;
	struct dir *table[TABLE_BUCKETS];
	struct dir *lru_head, *lru_tail;
	size_t ndirs;
};

static void dir_data(struct tcp_reasm *, struct dir *, const uint8_t *,
    size_t, const struct pkt *, struct anomalies *);

/* ---- flow table ---- */

static uint32_t
ep_mix(uint32_t h, const struct ep *e)
{
	/* FNV-1a over the fields that make an endpoint. */
	h = (h ^ e->family) * 16777619u;
	h = (h ^ (e->port & 0xff)) * 16777619u;
	h = (h ^ (e->port >> 8)) * 16777619u;
	for (size_t i = 0; i < sizeof(e->ip); i++)
		h = (h ^ e->ip[i]) * 16777619u;
	return h;
}

static uint32_t
key_bucket(const struct ep *src, const struct ep *dst)
{
	return ep_mix(ep_mix(2166136261u, src), dst) & (TABLE_BUCKETS - 1);
}

static int
ep_same(const struct ep *a, const struct ep *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

static struct dir *
dir_find(struct tcp_reasm *tr, const struct ep *src, const struct ep *dst)
{
	struct dir *d;

	for (d = tr->table[key_bucket(src, dst)]; d != NULL; d = d->hnext)
		if (ep_same(&d->src, src) && ep_same(&d->dst, dst))
			return d;
	return NULL;
}

static void
lru_unlink(struct tcp_reasm *tr, struct dir *d)
{
	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		tr->lru_head = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	else
		tr->lru_tail = d->prev;
	d->prev = d->next = NULL;
}

static void
lru_append(struct tcp_reasm *tr, struct dir *d)
{
	d->prev = tr->lru_tail;
	d->next = NULL;
	if (tr->lru_tail != NULL)
		tr->lru_tail->next = d;
	else
		tr->lru_head = d;
	tr->lru_tail = d;
}

static void
segs_free(struct dir *d)
{
	struct seg *s, *n;

	for (s = d->segs; s != NULL; s = n) {
		n = s->next;
		free(s);
	}
	d->segs = NULL;
	d->nseg = 0;
}

static void
buf_free(struct dir *d)
{
	if (d->b != NULL) {
		free(d->b->p);
		free(d->b->msg);
		free(d->b);
		d->b = NULL;
	}
}

/* Back to a fresh direction (keys and list links kept). */
static void
dir_reset(struct dir *d)
{
	segs_free(d);
	buf_free(d);
	d->seq_known = d->syn_seen = d->resync = d->probes = 0;
	d->cls = DC_UNKNOWN;
	d->tls_hlen = 0;
	d->tls_left = 0;
	d->next_seq = 0;
}

/* Drops all state; the struct stays until expiry so late copies are eaten. */
static void
dir_close(struct dir *d)
{
	segs_free(d);
	buf_free(d);
	d->cls = DC_CLOSED;
}

/* Stops looking at a direction; it costs only its struct from now on. */
static void
dir_ignore(struct dir *d)
{
	segs_free(d);
	buf_free(d);
	d->cls = DC_IGNORED;
}

static void
dir_remove(struct tcp_reasm *tr, struct dir *d)
{
	struct dir **pp;

	for (pp = &tr->table[d->bucket]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			break;
		}
	}
	lru_unlink(tr, d);
	segs_free(d);
	buf_free(d);
	free(d);
	tr->ndirs--;
}

static struct dir *
dir_new(struct tcp_reasm *tr, const struct pkt *p, struct anomalies *an)
{
	struct dir *d;

	/* A closed connection waiting for expiry may make room. */
	if (tr->ndirs >= CAP_TCP_FLOWS && tr->lru_head != NULL &&
	    tr->lru_head->cls == DC_CLOSED)
		dir_remove(tr, tr->lru_head);
	if (tr->ndirs >= CAP_TCP_FLOWS) {
		anomaly_add(an, ANOMALY_TCP_FLOW_TABLE_FULL);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->src = p->src;
	d->dst = p->dst;
	d->bucket = key_bucket(&p->src, &p->dst);
	d->hnext = tr->table[d->bucket];
	tr->table[d->bucket] = d;
	lru_append(tr, d);
	tr->ndirs++;
	return d;
}

/* ---- unframed byte buffer ---- */

static struct sbuf *
buf_get(struct dir *d)
{
	if (d->b == NULL)
		d->b = calloc(1, sizeof(*d->b));
	return d->b;
}

/*
 * Appends n bytes.  Returns 0, or -1 when the cap (TCP_BUFFER_FULL,
 * counted) or memory ran out; the buffer is emptied then and the bytes
 * are not added.
 */
static int
buf_append(struct dir *d, const uint8_t *data, size_t n,
    const struct pkt *p, struct anomalies *an)
{
	struct sbuf *b = buf_get(d);
	size_t ncap;
	uint8_t *np;

	if (b == NULL)
		return -1;
	/*
	 * Nothing to add: return before memcpy, whose destination is still
	 * NULL on a fresh buffer (NULL + 0 and memcpy(NULL, ..., 0) are
	 * undefined; found by clang-tidy's NonNullParamChecker).
	 */
	if (n == 0)
		return 0;
	if (n > CAP_TCP_FLOW_BYTES - b->len) {
		anomaly_add(an, ANOMALY_TCP_BUFFER_FULL);
		b->len = b->need = b->scan = b->line_start = 0;
		return -1;
	}
	if (b->len + n > b->cap) {
		ncap = b->cap ? b->cap : BUF_MIN;
		while (ncap < b->len + n)
			ncap *= 2;
		if (ncap > CAP_TCP_FLOW_BYTES)
			ncap = CAP_TCP_FLOW_BYTES;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			anomaly_add(an, ANOMALY_TCP_BUFFER_FULL);
			b->len = b->need = b->scan = b->line_start = 0;
			return -1;
		}
		b->p = np;
		b->cap = ncap;
	}
	if (b->len == 0)
		b->head_frame = p->frame;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

/*
 * Drops the first off bytes.  seg_off is where the current segment's
 * bytes begin: a new head at or past it lies in the current frame.
 */
static void
buf_consume(struct sbuf *b, size_t off, size_t seg_off, uint64_t frame)
{
	if (off == 0)
		return;
	if (off >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + off, b->len - off);
		b->len -= off;
		if (off >= seg_off)
			b->head_frame = frame;
	}
	b->need = b->scan = b->line_start = 0;
}

/* ---- SIP ---- */

/*
 * Looks for a SIP start line at p[0] or after an LF.  Returns the offset
 * of the first candidate (*rc OK when whole, INCOMPLETE when it may be),
 * or len when there is none.
 */
static size_t
find_sip_start(const uint8_t *p, size_t len, enum sipframe_rc *rc)
{
	size_t pos = 0;
	const uint8_t *nl;

	while (pos < len) {
		*rc = sipframe_start(p + pos, len - pos);
		if (*rc != SIPFRAME_ERROR)
			return pos;
		nl = memchr(p + pos, '\n', len - pos);
		if (nl == NULL)
			break;
		pos = (size_t)(nl - p) + 1;
	}
	*rc = SIPFRAME_ERROR;
	return len;
}

/*
 * Continues the search for the empty line ending the header block, from
 * where the last call stopped.  Returns true when one is in p[0..len).
 */
static bool
hdr_end_seen(struct sbuf *b, const uint8_t *p, size_t len)
{
	const uint8_t *nl;
	size_t k, content;

	while (b->scan < len) {
		nl = memchr(p + b->scan, '\n', len - b->scan);
		if (nl == NULL) {
			b->scan = len;
			break;
		}
		k = (size_t)(nl - p);
		content = k - b->line_start;
		if (content > 0 && p[k - 1] == '\r')
			content--;
		b->scan = k + 1;
		if (content == 0 && b->line_start > 0)
			return true;
		b->line_start = k + 1;
	}
	return false;
}

/*
 * Moves the SIP framer's start n bytes on (*off is where the unframed
 * bytes begin); the bytes are removed from the buffer once, at the end of
 * sip_process(), so many messages in one segment cost one memmove.
 */
static void
sip_advance(struct sbuf *b, size_t *off, size_t n, size_t seg_off,
    uint64_t frame)
{
	*off += n;
	if (*off >= seg_off && *off < b->len)
		b->head_frame = frame;
	b->need = b->scan = b->line_start = 0;
}

/*
 * Gives up on the message at p: skips its first line (all the data when
 * there is no LF) and looks for the next start line from there.
 */
static void
sip_skip_line(struct dir *d, size_t *off, size_t seg_off, uint64_t frame)
{
	struct sbuf *b = d->b;
	const uint8_t *q = b->p + *off;
	size_t avail = b->len - *off;
	const uint8_t *nl = memchr(q, '\n', avail);

	sip_advance(b, off, nl != NULL ? (size_t)(nl - q) + 1 : avail,
	    seg_off, frame);
	d->resync = 1;
}

static void
sip_process(struct tcp_reasm *tr, struct dir *d, const struct pkt *p,
    size_t seg_off, struct anomalies *an)
{
	struct sbuf *b = d->b;
	size_t off = 0, skipped, mlen, avail, pos;
	const uint8_t *q;
	enum sipframe_rc rc;

	for (;;) {
		avail = b->len - off;
		q = b->p + off;
		if (avail == 0)
			break;
		if (d->resync) {
			pos = find_sip_start(q, avail, &rc);
			if (pos > 0) {
				sip_advance(b, &off, pos, seg_off, p->frame);
				continue;
			}
			if (rc != SIPFRAME_OK)
				break;
			d->resync = 0;
		}
		/* CRLF keepalives (RFC 5626 §3.5.1) between messages. */
		if (q[0] == '\r' || q[0] == '\n') {
			for (pos = 0; pos < avail &&
			    (q[pos] == '\r' || q[pos] == '\n'); pos++)
				;
			sip_advance(b, &off, pos, seg_off, p->frame);
			continue;
		}
		if (b->need != 0) {
			if (avail < b->need)
				break;
		} else {
			rc = sipframe_start(q, avail);
			if (rc == SIPFRAME_INCOMPLETE)
				break;
			if (rc == SIPFRAME_ERROR) {
				/* No LF within the cap: the line is too long. */
				if (avail >= CAP_SIP_LINE_BYTES && memchr(q, '\n',
				    CAP_SIP_LINE_BYTES) == NULL)
					anomaly_add(an,
					    ANOMALY_SIP_LINE_TOO_LONG);
				else
					anomaly_add(an,
					    ANOMALY_SIP_UNPARSEABLE);
				sip_skip_line(d, &off, seg_off, p->frame);
				continue;
			}
			/*
			 * Call the framer only once the header block has
			 * ended or a cap may be hit: rescanning a growing
			 * header on every small segment would be quadratic.
			 */
			if (!hdr_end_seen(b, q, avail) &&
			    avail <= CAP_SIP_MSG_BYTES &&
			    avail - b->line_start <= CAP_SIP_LINE_BYTES + 1)
				break;
		}
		rc = sipframe_stream(q, avail, &skipped, &mlen, an);
		if (rc == SIPFRAME_OK) {
			tr->fn(tr->user, p, b->head_frame, q + skipped, mlen, an);
			sip_advance(b, &off, skipped + mlen, seg_off, p->frame);
			continue;
		}
		if (rc == SIPFRAME_INCOMPLETE) {
			b->need = mlen;
			break;
		}
		/* A cap or a bad Content-Length: find the next message. */
		sip_skip_line(d, &off, seg_off, p->frame);
	}
	/* buf_consume() resets the scan state: keep it across the move. */
	if (off > 0) {
		size_t need = b->need, scan = b->scan, ls = b->line_start;

		buf_consume(b, off, seg_off, p->frame);
		if (b->len > 0) {
			b->need = need;
			b->scan = scan;
			b->line_start = ls;
		}
	}
}

/* ---- WebSocket ---- */

static int
ws_msg_append(struct sbuf *b, const uint8_t *p, size_t n)
{
	size_t ncap;
	uint8_t *np;

	if (n > CAP_SIP_MSG_BYTES - b->mlen)
		return -1;
	if (b->mlen + n > b->mcap) {
		ncap = b->mcap ? b->mcap : BUF_MIN;
		while (ncap < b->mlen + n)
			ncap *= 2;
		np = realloc(b->msg, ncap);
		if (np == NULL)
			return -1;
		b->msg = np;
		b->mcap = ncap;
	}
	memcpy(b->msg + b->mlen, p, n);
	b->mlen += n;
	return 0;
}

static void
ws_deliver(struct tcp_reasm *tr, const struct pkt *p, uint64_t first,
    const uint8_t *m, size_t n, struct anomalies *an)
{
	struct pkt q = *p;

	/* Tell the consumer these bytes came in WebSocket frames. */
	q.l4 = PKT_WS;
	if (sipframe_looks_like_sip(m, n))
		tr->fn(tr->user, &q, first, m, n, an);
}

static void
ws_process(struct tcp_reasm *tr, struct dir *d, const struct pkt *p,
    size_t seg_off, struct anomalies *an)
{
	struct sbuf *b = d->b;
	size_t off = 0, avail, hl, t;
	uint8_t b0, b1, op, key[4];
	uint64_t plen;
	int fin, masked;
	struct cur c;
	uint8_t *pay;

	for (;;) {
		avail = b->len - off;
		if (avail == 0)
			break;
		if (b->skip != 0) {
			t = avail < b->skip ? avail : (size_t)b->skip;
			b->skip -= t;
			off += t;
			continue;
		}
		cur_init(&c, b->p + off, avail);
		b0 = cur_u8(&c);
		b1 = cur_u8(&c);
		fin = (b0 & 0x80) != 0;
		op = b0 & 0x0f;
		masked = (b1 & 0x80) != 0;
		plen = b1 & 0x7f;
		if (plen == 126)
			plen = cur_be16(&c);
		else if (plen == 127)
			plen = ((uint64_t)cur_be32(&c) << 32) | cur_be32(&c);
		if (masked) {
			const uint8_t *k = cur_take(&c, 4);

			if (k != NULL)
				memcpy(key, k, 4);
		}
		if (c.err)
			break;		/* header not all here yet */
		hl = c.off;
		if ((plen >> 63) != 0) {
			/* §5.2: the most significant bit MUST be 0. */
			anomaly_add(an, ANOMALY_WS_BAD_FRAME);
			dir_ignore(d);
			return;
		}
		if (plen > CAP_SIP_MSG_BYTES) {
			anomaly_add(an, ANOMALY_WS_BAD_FRAME);
			if (op < 8) {
				b->in_msg = 0;
				b->mlen = 0;
			}
			off += hl;
			b->skip = plen;
			continue;
		}
		if (avail - hl < plen)
			break;
		pay = b->p + off + hl;
		if (masked)
			for (size_t i = 0; i < plen; i++)
				pay[i] ^= key[i & 3];
		if ((b0 & 0x70) != 0 || (op >= 3 && op <= 7) || op >= 11) {
			/* Extensions (compression) or reserved opcodes. */
			anomaly_add(an, ANOMALY_WS_BAD_FRAME);
		} else if (op >= 8) {
			/* ping, pong, close: nothing for SIP */
		} else if (op == 0 && !b->in_msg) {
			anomaly_add(an, ANOMALY_WS_BAD_FRAME);
		} else {
			uint64_t first = off == 0 ? b->head_frame :
			    (off >= seg_off ? p->frame : b->head_frame);

			if (op != 0 && b->in_msg) {
				/* A new message before the last one ended. */
				anomaly_add(an, ANOMALY_WS_BAD_FRAME);
				b->in_msg = 0;
				b->mlen = 0;
			}
			if (op != 0)
				b->msg_first = first;
			if (fin && !b->in_msg) {
				ws_deliver(tr, p, first, pay, (size_t)plen, an);
			} else if (ws_msg_append(b, pay, (size_t)plen) != 0) {
				anomaly_add(an, ANOMALY_WS_BAD_FRAME);
				b->in_msg = 0;
				b->mlen = 0;
			} else if (fin) {
				ws_deliver(tr, p, b->msg_first, b->msg, b->mlen,
				    an);
				b->in_msg = 0;
				b->mlen = 0;
			} else {
				b->in_msg = 1;
			}
		}
		off += hl + (size_t)plen;
	}
	buf_consume(b, off, seg_off, p->frame);
}

/*
 * The HTTP header block of a possible WebSocket handshake is complete in
 * b: decide between WebSocket and ignoring the direction.
 */
static void
http_process(struct tcp_reasm *tr, struct dir *d, const struct pkt *p,
    size_t seg_off, struct anomalies *an)
{
	struct sbuf *b = d->b;
	const uint8_t *v;
	size_t vlen, hdr_len;
	bool ws = false;

	/* The buffer only grows until the decision: scan incrementally. */
	if (!hdr_end_seen(b, b->p, b->len))
		return;
	hdr_len = b->scan;
	if (text_iprefix(b->p, b->len, "GET ")) {
		ws = true;
	} else if (text_iprefix(b->p, b->len, "HTTP/1.") && b->len >= 13 &&
	    memcmp(b->p + 8, " 101", 4) == 0) {
		ws = true;
	}
	if (ws && (!sipframe_header(b->p, hdr_len, "Upgrade", 0, &v, &vlen) ||
	    !text_ieq(v, vlen, "websocket")))
		ws = false;
	if (!ws) {
		dir_ignore(d);
		return;
	}
	d->cls = DC_WS;
	buf_consume(b, hdr_len, seg_off, p->frame);
	seg_off = seg_off > hdr_len ? seg_off - hdr_len : 0;
	ws_process(tr, d, p, seg_off, an);
}

/* ---- TLS ---- */

/*
 * TLS record header (RFC 8446 §5.1): type(1) version(2) length(2).  Only
 * the lengths are needed to hop from one record to the next.
 */
static void
tls_walk(struct dir *d, const uint8_t *data, size_t n, struct anomalies *an)
{
	size_t i = 0, t;

	while (i < n) {
		if (d->tls_left != 0) {
			t = n - i < d->tls_left ? n - i : d->tls_left;
			d->tls_left -= (uint32_t)t;
			i += t;
			continue;
		}
		while (d->tls_hlen < 5 && i < n)
			d->tls_hdr[d->tls_hlen++] = data[i++];
		if (d->tls_hlen < 5)
			break;
		d->tls_hlen = 0;
		if (d->tls_hdr[0] < 0x14 || d->tls_hdr[0] > 0x18 ||
		    d->tls_hdr[1] != 0x03) {
			/* Lost the record boundaries: stop looking. */
			dir_ignore(d);
			return;
		}
		anomaly_add(an, ANOMALY_TLS_UNDECRYPTABLE);
		d->tls_left = ((uint32_t)d->tls_hdr[3] << 8) | d->tls_hdr[4];
	}
}

/* ---- classification ---- */

/*
 * Decides what the buffered first bytes of a direction are.  Returns
 * with d->cls still DC_UNKNOWN when more bytes are needed.
 */
static void
classify(struct dir *d, struct anomalies *an)
{
	struct sbuf *b = d->b;
	const uint8_t *q = b->p;
	size_t len = b->len, pos;
	enum sipframe_rc rc;
	int m_get, m_http;

	if (q[0] == '\r' || q[0] == '\n') {
		d->cls = DC_SIP;
		return;
	}
	if (q[0] >= 0x14 && q[0] <= 0x17) {
		if (len < 2)
			return;
		if (q[1] == 0x03) {
			/* From now on nothing is buffered. */
			d->cls = DC_TLS;
			tls_walk(d, q, len, an);
			buf_free(d);
			return;
		}
	}
	rc = sipframe_start(q, len);
	if (rc == SIPFRAME_OK) {
		d->cls = DC_SIP;
		return;
	}
	m_get = memcmp(q, "GET ", len < 4 ? len : 4) == 0;
	m_http = memcmp(q, "HTTP/1.", len < 7 ? len : 7) == 0;
	if (rc == SIPFRAME_INCOMPLETE || ((m_get || m_http) && len < 7))
		return;
	if (m_get || m_http) {
		d->cls = DC_HTTP;
		return;
	}
	if (!d->syn_seen && d->probes < GAP_PROBES) {
		/*
		 * Mid-connection capture: the first bytes seen may be the
		 * middle of a message.  Look for a start line further on.
		 */
		pos = find_sip_start(q, len, &rc);
		if (pos < len && rc == SIPFRAME_OK) {
			d->cls = DC_SIP;
			d->resync = 1;
			return;
		}
		d->probes++;
		b->len = 0;
		return;
	}
	dir_ignore(d);
}

/* ---- placing bytes ---- */

/* In-order bytes of one segment (meta p) for direction d. */
static void
dir_data(struct tcp_reasm *tr, struct dir *d, const uint8_t *data, size_t n,
    const struct pkt *p, struct anomalies *an)
{
	size_t seg_off;

	switch (d->cls) {
	case DC_TLS:
		tls_walk(d, data, n, an);
		return;
	case DC_IGNORED:
	case DC_CLOSED:
		return;
	default:
		break;
	}
	seg_off = d->b != NULL ? d->b->len : 0;
	if (buf_append(d, data, n, p, an) != 0) {
		if (d->cls == DC_SIP) {
			d->resync = 1;
			/* Resynchronise inside the new bytes if they fit. */
			if (buf_append(d, data, n, p, an) != 0)
				return;
			seg_off = 0;
		} else {
			dir_ignore(d);
			return;
		}
	}
	if (d->cls == DC_UNKNOWN) {
		classify(d, an);
		if (d->cls == DC_UNKNOWN || d->cls == DC_IGNORED ||
		    d->cls == DC_TLS)
			return;
	}
	switch (d->cls) {
	case DC_SIP:
		sip_process(tr, d, p, seg_off, an);
		break;
	case DC_HTTP:
		http_process(tr, d, p, seg_off, an);
		break;
	case DC_WS:
		ws_process(tr, d, p, seg_off, an);
		break;
	}
}

/* Held segments that now start at or before next_seq go in. */
static void
drain(struct tcp_reasm *tr, struct dir *d, struct anomalies *an)
{
	struct seg *s;
	int32_t diff;
	size_t trim;

	while ((s = d->segs) != NULL) {
		diff = (int32_t)(s->seq - d->next_seq);
		if (diff > 0)
			break;
		d->segs = s->next;
		d->nseg--;
		trim = (size_t)-(int64_t)diff;
		if (trim < s->len) {
			d->next_seq += (uint32_t)(s->len - trim);
			s->meta.payload = s->data + trim;
			s->meta.len = s->len - trim;
			dir_data(tr, d, s->data + trim, s->len - trim, &s->meta,
			    an);
		}
		free(s);
		if (d->cls == DC_IGNORED || d->cls == DC_CLOSED) {
			segs_free(d);
			return;
		}
	}
}

/* The bytes before the first held segment will not come: skip them. */
static void
gap_skip(struct tcp_reasm *tr, struct dir *d, struct anomalies *an)
{
	if (d->segs == NULL)
		return;
	anomaly_add(an, ANOMALY_TCP_GAP);
	d->next_seq = d->segs->seq;
	switch (d->cls) {
	case DC_SIP:
		if (d->b != NULL)
			d->b->len = d->b->need = d->b->scan =
			    d->b->line_start = 0;
		d->resync = 1;
		break;
	case DC_UNKNOWN:
		if (d->b != NULL)
			d->b->len = 0;
		d->syn_seen = 0;	/* classify as if mid-stream */
		break;
	default:
		/* WebSocket, TLS and HTTP cannot find their place again. */
		dir_ignore(d);
		return;
	}
	drain(tr, d, an);
}

static void
seg_hold(struct tcp_reasm *tr, struct dir *d, uint32_t seq,
    const uint8_t *data, size_t n, const struct pkt *p, struct anomalies *an)
{
	struct seg **pp, *s;
	int32_t rel = (int32_t)(seq - d->next_seq);

	for (pp = &d->segs; *pp != NULL; pp = &(*pp)->next) {
		int32_t r = (int32_t)((*pp)->seq - d->next_seq);

		if (r == rel && (*pp)->len >= n)
			return;		/* a copy of a held segment */
		if (r > rel)
			break;
	}
	if (d->nseg >= CAP_TCP_OOO_SEGMENTS) {
		anomaly_add(an, ANOMALY_TCP_OOO_FULL);
		return;
	}
	s = malloc(sizeof(*s) + n);
	if (s == NULL)
		return;
	s->seq = seq;
	s->len = n;
	s->meta = *p;
	s->meta.payload = s->data;
	s->meta.len = n;
	memcpy(s->data, data, n);
	s->next = *pp;
	*pp = s;
	d->nseg++;
	if (d->nseg > GAP_PATIENCE)
		gap_skip(tr, d, an);
}

/* Declares every remaining gap and frames what can be framed. */
static void
dir_flush(struct tcp_reasm *tr, struct dir *d, struct anomalies *an)
{
	while (d->segs != NULL && d->cls != DC_IGNORED && d->cls != DC_CLOSED)
		gap_skip(tr, d, an);
}

void
tcp_reasm_segment(struct tcp_reasm *tr, const struct pkt *p,
    struct anomalies *an)
{
	struct dir *d, *r;
	uint32_t seq;
	const uint8_t *data = p->payload;
	size_t n = p->payload != NULL ? p->len : 0;
	int32_t diff;
	size_t trim;

	if (tr == NULL || p->l4 != PKT_TCP)
		return;
	d = dir_find(tr, &p->src, &p->dst);
	if (p->tcp_flags & PKT_TCP_RST) {
		/* The connection is gone; what is unframed will never be. */
		if (d != NULL)
			dir_close(d);
		r = dir_find(tr, &p->dst, &p->src);
		if (r != NULL)
			dir_close(r);
		return;
	}
	if (d == NULL) {
		if (!(p->tcp_flags & PKT_TCP_SYN) && n == 0)
			return;		/* a bare ACK or FIN: nothing to track */
		d = dir_new(tr, p, an);
		if (d == NULL)
			return;
	} else {
		lru_unlink(tr, d);
		lru_append(tr, d);
	}
	d->last_ns = p->ts_ns;

	seq = p->tcp_seq;
	if (p->tcp_flags & PKT_TCP_SYN) {
		/* A SYN other than a copy of ours opens a new connection. */
		if (d->cls == DC_CLOSED || (d->syn_seen && seq != d->isn) ||
		    (!d->syn_seen && d->seq_known))
			dir_reset(d);
		if (!d->seq_known) {
			d->isn = seq;
			d->next_seq = seq + 1;
			d->seq_known = 1;
			d->syn_seen = 1;
		}
		seq++;
	}
	if (d->cls == DC_CLOSED)
		return;
	if (d->cls == DC_IGNORED) {
		if (p->tcp_flags & PKT_TCP_FIN)
			dir_close(d);
		return;
	}

	if (n > 0) {
		if (!d->seq_known) {
			d->next_seq = seq;
			d->seq_known = 1;
		}
		diff = (int32_t)(seq - d->next_seq);
		if (diff < 0) {
			trim = (size_t)-(int64_t)diff;
			if (trim >= n) {
				n = 0;		/* all seen before */
			} else {
				data += trim;
				n -= trim;
				diff = 0;
			}
		}
		if (n > 0 && diff > 0) {
			seg_hold(tr, d, seq, data, n, p, an);
		} else if (n > 0) {
			d->next_seq += (uint32_t)n;
			dir_data(tr, d, data, n, p, an);
			drain(tr, d, an);
		}
	}
	if ((p->tcp_flags & PKT_TCP_FIN) && d->cls != DC_CLOSED) {
		dir_flush(tr, d, an);
		dir_close(d);
	}
}

struct tcp_reasm *
tcp_reasm_new(tcp_msg_fn fn, void *user)
{
	struct tcp_reasm *tr = calloc(1, sizeof(*tr));

	if (tr == NULL)
		return NULL;
	tr->fn = fn;
	tr->user = user;
	return tr;
}

void
tcp_reasm_free(struct tcp_reasm *tr)
{
	if (tr == NULL)
		return;
	while (tr->lru_head != NULL)
		dir_remove(tr, tr->lru_head);
	free(tr);
}

void
tcp_reasm_expire(struct tcp_reasm *tr, int64_t now_ns, struct anomalies *an)
{
	struct dir *d, *n;

	if (tr == NULL)
		return;
	for (d = tr->lru_head; d != NULL; d = n) {
		n = d->next;
		if (d->cls != DC_CLOSED && (now_ns <= d->last_ns ||
		    (uint64_t)now_ns - (uint64_t)d->last_ns <=
		    (uint64_t)CAP_TCP_IDLE_NS))
			continue;
		if (d->cls != DC_CLOSED)
			dir_flush(tr, d, an);
		/* Flushing delivers through the callback but never frees. */
		n = d->next;
		dir_remove(tr, d);
	}
}

size_t
tcp_reasm_flows(const struct tcp_reasm *tr)
{
	return tr != NULL ? tr->ndirs : 0;
}
