/*
 * tcpreasm.h - TCP stream reassembly for SIP, SIP over WebSocket and TLS
 * accounting.
 *
 * One half-connection per direction, keyed by the 4-tuple.  Segments are
 * placed by sequence number: in-order data is appended, retransmitted bytes
 * are trimmed, out-of-order segments wait (at most CAP_TCP_OOO_SEGMENTS)
 * until the gap fills.  A gap that never fills (bytes not captured) is
 * TCP_GAP: the buffer is resynchronised at the next segment that starts
 * with a SIP start line.  A stream is classified by its first bytes:
 *   - SIP: framed with sipframe_stream(), several messages per segment and
 *     messages across segments;
 *   - WebSocket (RFC 6455/7118): HTTP Upgrade handshake skipped, frames
 *     unmasked and text/binary messages delivered as SIP datagrams;
 *   - TLS (record header 0x14-0x17 0x03): each record counted as
 *     TLS_UNDECRYPTABLE, nothing buffered;
 *   - anything else: ignored, nothing buffered.
 * Unframed bytes per direction are capped at CAP_TCP_FLOW_BYTES
 * (TCP_BUFFER_FULL, then the buffer is dropped and resynchronised).
 */
#ifndef SIPALG_TCPREASM_H
#define SIPALG_TCPREASM_H

#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/pkt.h"

struct tcp_reasm;

/*
 * One framed SIP message.  p is the segment that completed it (addresses,
 * frame, time); first_frame is the frame holding its first byte.  msg is
 * valid only during the call.  Over plain TCP msg is exactly one message
 * as framed by sipframe_stream(); over WebSocket it is one whole
 * WebSocket message that passed sipframe_looks_like_sip() (frame it with
 * sipframe_datagram() as for UDP) and p->l4 is PKT_WS.
 */
typedef void (*tcp_msg_fn)(void *user, const struct pkt *p,
    uint64_t first_frame, const uint8_t *msg, size_t len,
    struct anomalies *an);

/* Returns NULL on OOM. */
struct tcp_reasm *tcp_reasm_new(tcp_msg_fn fn, void *user);
/*
 * Frees everything without delivering; call tcp_reasm_expire(tr,
 * INT64_MAX, an) first to frame what is left at the end of a capture.
 */
void tcp_reasm_free(struct tcp_reasm *tr);

/* Feeds one segment (p->l4 == PKT_TCP). */
void tcp_reasm_segment(struct tcp_reasm *tr, const struct pkt *p,
    struct anomalies *an);

/*
 * Forgets connections idle longer than CAP_TCP_IDLE_NS or closed (FIN or
 * RST seen).  Idle ones are flushed first: held segments are placed past
 * their gaps (TCP_GAP) and complete messages delivered.
 */
void tcp_reasm_expire(struct tcp_reasm *tr, int64_t now_ns,
    struct anomalies *an);

/* Half-connections (directions) tracked now, closed ones included. */
size_t tcp_reasm_flows(const struct tcp_reasm *tr);

#endif /* SIPALG_TCPREASM_H */
