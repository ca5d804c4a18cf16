/*
 * tcpstream.h - TCP stream reassembly: sequence space only.
 *
 * One half-connection per direction, keyed by the 4-tuple, at most
 * CAP_TCP_FLOWS of them.  Segments are placed by sequence number:
 * in-order data goes up, retransmitted bytes are trimmed, out-of-order
 * segments wait (at most CAP_TCP_OOO_SEGMENTS) until the gap before them
 * fills; a gap that never fills (bytes not captured) is TCP_GAP and the
 * bytes after it go up anyway.  What the bytes mean is the business of the
 * application layer above (tcpframe.h: SIP, WebSocket, TLS), which this
 * module calls through struct tcp_stream_ops and never looks into, as
 * Suricata's stream engine hands its data to the app layer.
 */
#ifndef SIPALG_TCPSTREAM_H
#define SIPALG_TCPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/pkt.h"

struct tcp_stream;

/* What the application layer answers to bytes. */
enum tcp_app_rc {
	TCP_APP_OK,       /* go on */
	TCP_APP_IGNORE    /* not worth following: held segments are dropped
	                   * and later bytes swallowed until FIN, RST or a
	                   * new SYN */
};

/* What the application layer does after a gap. */
enum tcp_gap_rc {
	TCP_GAP_RESYNC,   /* it finds its place again in the bytes after it */
	TCP_GAP_RESTART,  /* it starts over as for a capture that began
	                   * mid-connection: from_start is false from now on */
	TCP_GAP_IGNORE    /* it cannot: as TCP_APP_IGNORE */
};

/*
 * The application layer.  Each direction carries app_size bytes of its
 * state, zeroed when the direction starts (and starts again: a new SYN);
 * app points at them in every call.  user is tcp_stream_new()'s.
 */
struct tcp_stream_ops {
	size_t app_size;
	/*
	 * n > 0 in-order bytes of a direction, from segment p (p->payload
	 * may hold more: retransmitted bytes before data are already
	 * trimmed).  from_start: the direction's first byte was seen (its
	 * SYN was captured and no gap restarted it).
	 */
	enum tcp_app_rc (*data)(void *user, void *app, bool from_start,
	    const uint8_t *data, size_t n, const struct pkt *p,
	    struct anomalies *an);
	/* The bytes before the next held segment will never come. */
	enum tcp_gap_rc (*gap)(void *user, void *app, struct anomalies *an);
	/*
	 * Frees what app holds (may be NULL): the direction is closed,
	 * ignored, restarted or forgotten.  The stream zeroes app after.
	 */
	void (*release)(void *user, void *app);
};

/* Returns NULL on OOM.  ops is copied. */
struct tcp_stream *tcp_stream_new(const struct tcp_stream_ops *ops,
    void *user);
/*
 * Frees everything without delivering (release is called for every
 * direction); call tcp_stream_expire(ts, INT64_MAX, an) first to flush.
 */
void tcp_stream_free(struct tcp_stream *ts);

/* Feeds one segment (p->l4 == PKT_TCP; others are ignored). */
void tcp_stream_segment(struct tcp_stream *ts, const struct pkt *p,
    struct anomalies *an);

/*
 * Forgets directions idle longer than CAP_TCP_IDLE_NS or closed (FIN or
 * RST seen).  Idle ones are flushed first: every remaining gap is
 * declared (TCP_GAP) and the held segments go up.
 */
void tcp_stream_expire(struct tcp_stream *ts, int64_t now_ns,
    struct anomalies *an);

/* Half-connections (directions) tracked now, closed ones included. */
size_t tcp_stream_flows(const struct tcp_stream *ts);

#endif /* SIPALG_TCPSTREAM_H */
