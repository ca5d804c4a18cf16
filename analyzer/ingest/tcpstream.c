/*
 * tcpstream.c - TCP stream reassembly, sequence space only (tcpstream.h).
 *
 * A TCP payload is a piece of a byte stream: captures lose, repeat and
 * reorder segments, and a message of the protocol above may span several
 * of them.  Each direction of a connection (a "half-connection") is
 * tracked on its own, keyed by (source, destination) in a chained hash
 * table of at most CAP_TCP_FLOWS entries with a least-recently-used list
 * for expiry.
 *
 * Sequence space (RFC 9293 §3.4) is 32 bits and wraps; positions are
 * compared with signed 32-bit differences against next_seq, the next byte
 * expected.  The first byte's number comes from the SYN (seq + 1) or, when
 * the capture starts mid-connection, from the first data segment.
 *
 *	 seq - next_seq < 0   bytes already seen: trimmed (retransmission)
 *	 seq - next_seq = 0   delivered, then held segments are drained
 *	 seq - next_seq > 0   held, sorted, until the gap fills
 *
 * When GAP_PATIENCE later segments pile up (or at FIN or expiry) the
 * missing bytes were not captured: TCP_GAP is counted, next_seq jumps to
 * the first held segment and the application layer is told, so that it
 * can find its place again (or give up on the direction).
 *
 * A SYN other than a copy of the one seen starts the direction afresh; a
 * RST closes both directions, a FIN declares the remaining gaps and closes
 * its own.  A closed direction keeps only its small struct until expiry,
 * so that late copies of its segments are swallowed; so does one the
 * application layer ignores.
 *
 * Limits: held segments per direction at CAP_TCP_OOO_SEGMENTS (TCP_OOO_FULL:
 * the segment is dropped); directions at CAP_TCP_FLOWS
 * (TCP_FLOW_TABLE_FULL, after a closed one was made room for).  Bytes the
 * application layer buffers are its own to bound.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/tcpstream.h"

#define TABLE_BUCKETS	16384		/* power of two, > CAP_TCP_FLOWS */
#define GAP_PATIENCE	16		/* held segments before a gap is declared */

enum dir_state {
	DS_ACTIVE,
	DS_IGNORED,	/* the application layer gave up: swallow until FIN */
	DS_CLOSED	/* FIN or RST seen: swallow until forgotten */
};

/* A segment held until the bytes before it arrive. */
struct seg {
	struct seg *next;
	uint32_t seq;
	size_t len;
	struct pkt meta;	/* payload points at data */
	uint8_t data[];
};

struct dir {
	struct dir *hnext;
	struct dir *prev, *next;	/* least recently used first */
	struct ep src, dst;
	uint32_t bucket;
	int64_t last_ns;
	uint32_t next_seq;
	uint32_t isn;		/* sequence number of the SYN */
	uint8_t seq_known, syn_seen, state;
	uint16_t nseg;
	struct seg *segs;	/* held segments, sorted by sequence */
	max_align_t app[];	/* ops.app_size bytes of application state */
};

struct tcp_stream {
	struct tcp_stream_ops ops;
	void *user;
	struct dir *table[TABLE_BUCKETS];
	struct dir *lru_head, *lru_tail;
	size_t ndirs;
};

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
dir_find(struct tcp_stream *ts, const struct ep *src, const struct ep *dst)
{
	struct dir *d;

	for (d = ts->table[key_bucket(src, dst)]; d != NULL; d = d->hnext)
		if (ep_same(&d->src, src) && ep_same(&d->dst, dst))
			return d;
	return NULL;
}

static void
lru_unlink(struct tcp_stream *ts, struct dir *d)
{
	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		ts->lru_head = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	else
		ts->lru_tail = d->prev;
	d->prev = d->next = NULL;
}

static void
lru_append(struct tcp_stream *ts, struct dir *d)
{
	d->prev = ts->lru_tail;
	d->next = NULL;
	if (ts->lru_tail != NULL)
		ts->lru_tail->next = d;
	else
		ts->lru_head = d;
	ts->lru_tail = d;
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

/* The application layer lets go of the direction's state. */
static void
app_release(struct tcp_stream *ts, struct dir *d)
{
	if (ts->ops.release != NULL)
		ts->ops.release(ts->user, d->app);
	memset(d->app, 0, ts->ops.app_size);
}

/* Back to a fresh direction (keys and list links kept). */
static void
dir_reset(struct tcp_stream *ts, struct dir *d)
{
	segs_free(d);
	app_release(ts, d);
	d->seq_known = d->syn_seen = 0;
	d->state = DS_ACTIVE;
	d->next_seq = 0;
}

/* Drops all state; the struct stays until expiry so late copies are eaten. */
static void
dir_close(struct tcp_stream *ts, struct dir *d)
{
	segs_free(d);
	app_release(ts, d);
	d->state = DS_CLOSED;
}

/* Stops looking at a direction; it costs only its struct from now on. */
static void
dir_ignore(struct tcp_stream *ts, struct dir *d)
{
	segs_free(d);
	app_release(ts, d);
	d->state = DS_IGNORED;
}

static void
dir_remove(struct tcp_stream *ts, struct dir *d)
{
	struct dir **pp;

	for (pp = &ts->table[d->bucket]; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			break;
		}
	}
	lru_unlink(ts, d);
	segs_free(d);
	if (ts->ops.release != NULL)
		ts->ops.release(ts->user, d->app);
	free(d);
	ts->ndirs--;
}

static struct dir *
dir_new(struct tcp_stream *ts, const struct pkt *p, struct anomalies *an)
{
	struct dir *d;

	/* A closed connection waiting for expiry may make room. */
	if (ts->ndirs >= CAP_TCP_FLOWS && ts->lru_head != NULL &&
	    ts->lru_head->state == DS_CLOSED)
		dir_remove(ts, ts->lru_head);
	if (ts->ndirs >= CAP_TCP_FLOWS) {
		anomaly_add(an, ANOMALY_TCP_FLOW_TABLE_FULL);
		return NULL;
	}
	d = calloc(1, sizeof(*d) + ts->ops.app_size);
	if (d == NULL)
		return NULL;
	d->src = p->src;
	d->dst = p->dst;
	d->bucket = key_bucket(&p->src, &p->dst);
	d->hnext = ts->table[d->bucket];
	ts->table[d->bucket] = d;
	lru_append(ts, d);
	ts->ndirs++;
	return d;
}

/* ---- placing bytes ---- */

/* In-order bytes of one segment (meta p) go up. */
static void
deliver(struct tcp_stream *ts, struct dir *d, const uint8_t *data, size_t n,
    const struct pkt *p, struct anomalies *an)
{
	if (d->state != DS_ACTIVE)
		return;
	if (ts->ops.data(ts->user, d->app, d->syn_seen != 0, data, n, p,
	    an) == TCP_APP_IGNORE)
		dir_ignore(ts, d);
}

/* Held segments that now start at or before next_seq go up. */
static void
drain(struct tcp_stream *ts, struct dir *d, struct anomalies *an)
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
			deliver(ts, d, s->data + trim, s->len - trim, &s->meta,
			    an);
		}
		free(s);
		if (d->state != DS_ACTIVE) {
			segs_free(d);
			return;
		}
	}
}

/* The bytes before the first held segment will not come: skip them. */
static void
gap_skip(struct tcp_stream *ts, struct dir *d, struct anomalies *an)
{
	if (d->segs == NULL)
		return;
	anomaly_add(an, ANOMALY_TCP_GAP);
	d->next_seq = d->segs->seq;
	switch (ts->ops.gap(ts->user, d->app, an)) {
	case TCP_GAP_RESYNC:
		break;
	case TCP_GAP_RESTART:
		d->syn_seen = 0;	/* as if the capture began here */
		break;
	default:
		dir_ignore(ts, d);
		return;
	}
	drain(ts, d, an);
}

static void
seg_hold(struct tcp_stream *ts, struct dir *d, uint32_t seq,
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
		gap_skip(ts, d, an);
}

/* Declares every remaining gap, so that the held bytes go up. */
static void
dir_flush(struct tcp_stream *ts, struct dir *d, struct anomalies *an)
{
	while (d->segs != NULL && d->state == DS_ACTIVE)
		gap_skip(ts, d, an);
}

void
tcp_stream_segment(struct tcp_stream *ts, const struct pkt *p,
    struct anomalies *an)
{
	struct dir *d, *r;
	uint32_t seq;
	const uint8_t *data = p->payload;
	size_t n = p->payload != NULL ? p->len : 0;
	int32_t diff;
	size_t trim;

	if (ts == NULL || p->l4 != PKT_TCP)
		return;
	d = dir_find(ts, &p->src, &p->dst);
	if (p->tcp_flags & PKT_TCP_RST) {
		/* The connection is gone; what is not delivered never will be. */
		if (d != NULL)
			dir_close(ts, d);
		r = dir_find(ts, &p->dst, &p->src);
		if (r != NULL)
			dir_close(ts, r);
		return;
	}
	if (d == NULL) {
		if (!(p->tcp_flags & PKT_TCP_SYN) && n == 0)
			return;		/* a bare ACK or FIN: nothing to track */
		d = dir_new(ts, p, an);
		if (d == NULL)
			return;
	} else {
		lru_unlink(ts, d);
		lru_append(ts, d);
	}
	d->last_ns = p->ts_ns;

	seq = p->tcp_seq;
	if (p->tcp_flags & PKT_TCP_SYN) {
		/* A SYN other than a copy of ours opens a new connection. */
		if (d->state == DS_CLOSED || (d->syn_seen && seq != d->isn) ||
		    (!d->syn_seen && d->seq_known))
			dir_reset(ts, d);
		if (!d->seq_known) {
			d->isn = seq;
			d->next_seq = seq + 1;
			d->seq_known = 1;
			d->syn_seen = 1;
		}
		seq++;
	}
	if (d->state == DS_CLOSED)
		return;
	if (d->state == DS_IGNORED) {
		if (p->tcp_flags & PKT_TCP_FIN)
			dir_close(ts, d);
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
			seg_hold(ts, d, seq, data, n, p, an);
		} else if (n > 0) {
			d->next_seq += (uint32_t)n;
			deliver(ts, d, data, n, p, an);
			drain(ts, d, an);
		}
	}
	if ((p->tcp_flags & PKT_TCP_FIN) && d->state != DS_CLOSED) {
		dir_flush(ts, d, an);
		dir_close(ts, d);
	}
}

struct tcp_stream *
tcp_stream_new(const struct tcp_stream_ops *ops, void *user)
{
	struct tcp_stream *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return NULL;
	ts->ops = *ops;
	ts->user = user;
	return ts;
}

void
tcp_stream_free(struct tcp_stream *ts)
{
	if (ts == NULL)
		return;
	while (ts->lru_head != NULL)
		dir_remove(ts, ts->lru_head);
	free(ts);
}

void
tcp_stream_expire(struct tcp_stream *ts, int64_t now_ns, struct anomalies *an)
{
	struct dir *d, *n;

	if (ts == NULL)
		return;
	for (d = ts->lru_head; d != NULL; d = n) {
		n = d->next;
		if (d->state != DS_CLOSED && (now_ns <= d->last_ns ||
		    (uint64_t)now_ns - (uint64_t)d->last_ns <=
		    (uint64_t)CAP_TCP_IDLE_NS))
			continue;
		if (d->state != DS_CLOSED)
			dir_flush(ts, d, an);
		/* Flushing delivers through the callbacks but never frees. */
		n = d->next;
		dir_remove(ts, d);
	}
}

size_t
tcp_stream_flows(const struct tcp_stream *ts)
{
	return ts != NULL ? ts->ndirs : 0;
}
