/*
 * tcpframe.h - the application layer above TCP stream reassembly: SIP over
 * TCP, SIP over WebSocket, and TLS accounting.
 *
 * A tcp_framer owns a tcp_stream (tcpstream.h, sequence space) and frames
 * the in-order bytes of each direction.  A direction is recognised by its
 * first bytes:
 *   - SIP (a start line, or CRLF): framed by Content-Length with
 *     sipframe_stream(), several messages per segment and messages across
 *     segments; the CRLFs between messages are keepalives;
 *   - WebSocket (RFC 6455/7118): the HTTP Upgrade handshake skipped,
 *     frames unmasked, and each text or binary message that is SIP framed
 *     as a datagram (one SIP message per WebSocket message);
 *   - TLS (record header 0x14-0x17 0x03): each record counted as
 *     TLS_UNDECRYPTABLE, nothing buffered;
 *   - anything else: ignored, nothing buffered.
 * Unframed bytes per direction are capped at CAP_TCP_FLOW_BYTES
 * (TCP_BUFFER_FULL, then the buffer is dropped and resynchronised).
 */
#ifndef SIPALG_TCPFRAME_H
#define SIPALG_TCPFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"

struct tcp_framer;

struct tcp_framer_cb {
	/*
	 * One framed SIP message; m->p is the segment that completed it
	 * (addresses, frame, time) with p->l4 PKT_TCP, or PKT_WS for a
	 * message that came in WebSocket frames.  Over plain TCP the message
	 * is exactly what sipframe_stream() framed (carried == len); over
	 * WebSocket it is what sipframe_datagram() framed of the WebSocket
	 * message, carried being the whole WebSocket message.  Valid only
	 * during the call.
	 */
	void (*on_msg)(void *user, const struct sipframe_msg *m,
	    struct anomalies *an);
	/*
	 * CR and LF bytes between SIP messages of a TCP stream (RFC 5626
	 * §3.5.1 keepalives), n of them at once, in segment p.  May be NULL.
	 */
	void (*on_keepalive)(void *user, const struct pkt *p, size_t n,
	    struct anomalies *an);
	void *user;
};

/* Returns NULL on OOM.  cb is copied. */
struct tcp_framer *tcp_framer_new(const struct tcp_framer_cb *cb);
/*
 * Frees everything without delivering; call tcp_framer_expire(fr,
 * INT64_MAX, an) first to frame what is left at the end of a capture.
 */
void tcp_framer_free(struct tcp_framer *fr);

/* Feeds one segment (p->l4 == PKT_TCP). */
void tcp_framer_segment(struct tcp_framer *fr, const struct pkt *p,
    struct anomalies *an);

/*
 * Forgets connections idle longer than CAP_TCP_IDLE_NS or closed (FIN or
 * RST seen).  Idle ones are flushed first: held segments are placed past
 * their gaps (TCP_GAP) and complete messages delivered.
 */
void tcp_framer_expire(struct tcp_framer *fr, int64_t now_ns,
    struct anomalies *an);

/* Half-connections (directions) tracked now, closed ones included. */
size_t tcp_framer_flows(const struct tcp_framer *fr);

#endif /* SIPALG_TCPFRAME_H */
