/*
 * tcpframe.c - the application layer above TCP stream reassembly: SIP,
 * SIP over WebSocket and TLS accounting (tcpframe.h).
 *
 * SIP over TCP (RFC 3261 §18.3) is a byte stream: a segment may hold
 * several messages, and a message may span several segments.  tcpstream.c
 * puts the bytes of each direction in order and hands them here (struct
 * tcp_stream_ops); this file decides what they are and cuts them into
 * messages.  Each direction keeps a small struct app inside the stream's
 * direction, and a byte buffer (struct sbuf) only while it frames SIP,
 * HTTP or WebSocket.
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
 * start line at a line start before the direction is ignored.  After a
 * gap the SIP framer drops the partial message and resynchronises at the
 * next line start where a SIP start line is found; an unclassified
 * direction starts over as mid-connection; the others cannot find their
 * place again and are ignored.
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
 * skipped) that look like SIP are framed as a datagram would be and
 * delivered (RFC 7118 §5: one SIP message per WebSocket message).
 * Payloads over CAP_SIP_MSG_BYTES are WS_BAD_FRAME and skipped without
 * being buffered; compressed frames (RSV bits, permessage-deflate) cannot
 * be read and are WS_BAD_FRAME too.
 *
 * Limits: unframed bytes per direction are capped at CAP_TCP_FLOW_BYTES
 * (TCP_BUFFER_FULL: the buffer is dropped and the framer resynchronises).
 * first_frame is exact when every message starts in a segment processed
 * after the previous message ended, which is always the case without
 * errors; after a resynchronisation inside old bytes it may name a later
 * frame.  A partial message left at FIN or expiry is dropped without an
 * anomaly.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "base/cursor.h"
#include "base/text.h"
#include "ingest/sipframe.h"
#include "ingest/tcpframe.h"
#include "ingest/tcpstream.h"

#define GAP_PROBES	8		/* mid-stream segments tried for SIP */
#define BUF_MIN		2048

enum dir_class {
	DC_UNKNOWN,	/* not enough bytes seen to decide */
	DC_SIP,
	DC_HTTP,	/* HTTP header block, maybe a WebSocket upgrade */
	DC_WS,
	DC_TLS,
	DC_IGNORED	/* given up on: the stream is told so */
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

/*
 * The application state of one direction, kept inside the stream's
 * direction (tcp_stream_ops.app_size) and zeroed by it on every restart:
 * all zero is a fresh, unclassified direction.
 */
struct dir {
	uint8_t cls, resync;
	uint8_t probes;
	uint8_t tls_hlen;
	uint8_t tls_hdr[5];
	uint32_t tls_left;	/* record body bytes still to skip */
	struct sbuf *b;
};

struct tcp_framer {
	struct tcp_framer_cb cb;
	struct tcp_stream *ts;
};

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

/* Stops looking at a direction: the stream ignores it from now on. */
static void
dir_ignore(struct dir *d)
{
	buf_free(d);
	d->cls = DC_IGNORED;
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
sip_process(struct tcp_framer *fr, struct dir *d, const struct pkt *p,
    size_t seg_off, struct anomalies *an)
{
	struct sbuf *b = d->b;
	size_t off = 0, avail, pos;
	const uint8_t *q;
	struct sipframe_span sp;
	struct sipframe_lines lines;
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
			if (fr->cb.on_keepalive != NULL)
				fr->cb.on_keepalive(fr->cb.user, p, pos, an);
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
		rc = sipframe_stream_lines(q, avail, &sp, &lines, an);
		if (rc == SIPFRAME_OK) {
			struct sipframe_msg m = { p, b->head_frame, q + sp.off,
			    sp.len, sp.hdr_len, sp.len, &lines };

			fr->cb.on_msg(fr->cb.user, &m, an);
			sip_advance(b, &off, sp.off + sp.len, seg_off, p->frame);
			continue;
		}
		if (rc == SIPFRAME_INCOMPLETE) {
			b->need = sp.len;
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
	if (n == 0)
		return 0;	/* b->msg may still be NULL: no memcpy */
	if (b->msg == NULL || b->mlen + n > b->mcap) {
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
ws_deliver(struct tcp_framer *fr, const struct pkt *p, uint64_t first,
    const uint8_t *m, size_t n, struct anomalies *an)
{
	struct pkt q = *p;
	struct sipframe_lines lines;
	struct sipframe_msg sm;
	enum sipframe_rc rc;
	size_t msg_len, body_off;

	if (!sipframe_datagram_sip(m, n, &rc, &msg_len, &body_off, &lines,
	    an) || rc != SIPFRAME_OK)
		return;
	/* Tell the consumer these bytes came in WebSocket frames. */
	q.l4 = PKT_WS;
	sm.p = &q;
	sm.first_frame = first;
	sm.msg = m;
	sm.len = msg_len;
	sm.body_off = body_off;
	sm.carried = n;
	sm.lines = &lines;
	fr->cb.on_msg(fr->cb.user, &sm, an);
}

static void
ws_process(struct tcp_framer *fr, struct dir *d, const struct pkt *p,
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
				ws_deliver(fr, p, first, pay, (size_t)plen, an);
			} else if (ws_msg_append(b, pay, (size_t)plen) != 0) {
				anomaly_add(an, ANOMALY_WS_BAD_FRAME);
				b->in_msg = 0;
				b->mlen = 0;
			} else if (fin) {
				ws_deliver(fr, p, b->msg_first, b->msg, b->mlen,
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
http_process(struct tcp_framer *fr, struct dir *d, const struct pkt *p,
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
	ws_process(fr, d, p, seg_off, an);
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
classify(struct dir *d, bool from_start, struct anomalies *an)
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
	if (!from_start && d->probes < GAP_PROBES) {
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

/* ---- the stream's application layer (tcp_stream_ops) ---- */

/* In-order bytes of one segment (meta p) for direction d. */
static enum tcp_app_rc
app_data(void *user, void *app, bool from_start, const uint8_t *data,
    size_t n, const struct pkt *p, struct anomalies *an)
{
	struct tcp_framer *fr = user;
	struct dir *d = app;
	size_t seg_off;

	if (n == 0)
		return TCP_APP_OK;	/* never from the stream (n > 0) */
	if (d->cls == DC_TLS) {
		tls_walk(d, data, n, an);
		return d->cls == DC_IGNORED ? TCP_APP_IGNORE : TCP_APP_OK;
	}
	seg_off = d->b != NULL ? d->b->len : 0;
	if (buf_append(d, data, n, p, an) != 0) {
		if (d->cls == DC_SIP) {
			d->resync = 1;
			/* Resynchronise inside the new bytes if they fit. */
			if (buf_append(d, data, n, p, an) != 0)
				return TCP_APP_OK;
			seg_off = 0;
		} else {
			dir_ignore(d);
			return TCP_APP_IGNORE;
		}
	}
	if (d->cls == DC_UNKNOWN) {
		classify(d, from_start, an);
		if (d->cls == DC_UNKNOWN || d->cls == DC_IGNORED ||
		    d->cls == DC_TLS)
			return d->cls == DC_IGNORED ? TCP_APP_IGNORE : TCP_APP_OK;
	}
	switch (d->cls) {
	case DC_SIP:
		sip_process(fr, d, p, seg_off, an);
		break;
	case DC_HTTP:
		http_process(fr, d, p, seg_off, an);
		break;
	case DC_WS:
		ws_process(fr, d, p, seg_off, an);
		break;
	}
	return d->cls == DC_IGNORED ? TCP_APP_IGNORE : TCP_APP_OK;
}

/* The bytes before the next held segment will not come. */
static enum tcp_gap_rc
app_gap(void *user, void *app, struct anomalies *an)
{
	struct dir *d = app;

	(void)user;
	(void)an;
	switch (d->cls) {
	case DC_SIP:
		if (d->b != NULL)
			d->b->len = d->b->need = d->b->scan =
			    d->b->line_start = 0;
		d->resync = 1;
		return TCP_GAP_RESYNC;
	case DC_UNKNOWN:
		if (d->b != NULL)
			d->b->len = 0;
		return TCP_GAP_RESTART;	/* classify as if mid-stream */
	default:
		/* WebSocket, TLS and HTTP cannot find their place again. */
		dir_ignore(d);
		return TCP_GAP_IGNORE;
	}
}

static void
app_release(void *user, void *app)
{
	(void)user;
	buf_free(app);
}

static const struct tcp_stream_ops framer_ops = {
	sizeof(struct dir), app_data, app_gap, app_release
};

/* ---- life cycle ---- */

struct tcp_framer *
tcp_framer_new(const struct tcp_framer_cb *cb)
{
	struct tcp_framer *fr = calloc(1, sizeof(*fr));

	if (fr == NULL)
		return NULL;
	fr->cb = *cb;
	fr->ts = tcp_stream_new(&framer_ops, fr);
	if (fr->ts == NULL) {
		free(fr);
		return NULL;
	}
	return fr;
}

void
tcp_framer_free(struct tcp_framer *fr)
{
	if (fr == NULL)
		return;
	tcp_stream_free(fr->ts);
	free(fr);
}

void
tcp_framer_segment(struct tcp_framer *fr, const struct pkt *p,
    struct anomalies *an)
{
	if (fr != NULL)
		tcp_stream_segment(fr->ts, p, an);
}

void
tcp_framer_expire(struct tcp_framer *fr, int64_t now_ns, struct anomalies *an)
{
	if (fr != NULL)
		tcp_stream_expire(fr->ts, now_ns, an);
}

size_t
tcp_framer_flows(const struct tcp_framer *fr)
{
	return fr != NULL ? tcp_stream_flows(fr->ts) : 0;
}
