/*
 * ingest.h - the one path from capture files to SIP messages, media
 * datagrams and keepalives.
 *
 * An ingest stage reads capture files (capture.h, merged by time), decodes
 * each frame (decode.h: links, tunnels, IP fragments), reassembles TCP
 * (tcpstream.h) and frames what it carries (tcpframe.h: SIP, WebSocket,
 * TLS), frames SIP datagrams (sipframe.h), and reports what it found as
 * events.  It knows no detector, dialog or stream: the analysis, the
 * inside/outside comparison (one stage per side) and the simulator's
 * loader subscribe to the events they need.
 *
 *   on_packet     every UDP datagram, TCP segment (as the wire carried
 *                 it) and SCTP user message the decoder emits, first
 *   on_sip        one framed SIP message (struct sipframe_msg)
 *   on_media      a UDP datagram that is neither SIP nor a keepalive:
 *                 candidate RTP or RTCP
 *   on_keepalive  a keepalive (RFC 5626 §4.4): CRLF or a short run of
 *                 blanks in a datagram, CRLFs between SIP messages of a
 *                 TCP stream, a STUN message in a UDP datagram
 *   on_unreach    an ICMP destination unreachable quoting a UDP datagram
 *                 that is not SIP (pkt.h PKT_ICMP_UNREACH), or an ICMP
 *                 fragmentation needed / packet too big quoting SIP
 *                 (PKT_ICMP_TOOBIG) or fragment reassembly time
 *                 exceeded quoting SIP (PKT_ICMP_REASM), or any other
 *                 destination unreachable quoting SIP
 *                 (PKT_ICMP_SIP_UNREACH), or the start
 *                 of a SIP datagram
 *                 whose IP fragments never all arrived (PKT_FRAG_LOST:
 *                 when the fragment table gives it up, up to
 *                 CAP_FRAG_TIMEOUT_NS after it began, or at
 *                 ingest_flush): SIP the path lost; tell them apart by
 *                 p->l4
 *
 * A callback left NULL costs nothing; the events of one packet come in the
 * order above.  Every pointer an event carries is valid only during the
 * call.  Anomalies go to the struct anomalies given with the input.  A
 * NULL stage (ingest_new() out of memory) takes input and does nothing;
 * adding a file to it fails with "out of memory".
 */
#ifndef SIPALG_INGEST_H
#define SIPALG_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/capture.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"

/* What a keepalive is made of. */
enum ingest_keepalive {
	INGEST_KA_CRLF,   /* CR and LF only (RFC 5626 §3.5.1) */
	INGEST_KA_BLANK,  /* up to 16 spaces, tabs or NULs, as many phones
	                   * send instead (e.g. four NULs) */
	INGEST_KA_STUN    /* a STUN message (RFC 5389 §6, magic cookie):
	                   * RFC 5626 §3.5.2 keepalive, or an ICE check on a
	                   * media port */
};

struct ingest_cb {
	void (*on_packet)(void *user, const struct pkt *p,
	    struct anomalies *an);
	void (*on_sip)(void *user, const struct sipframe_msg *m,
	    struct anomalies *an);
	void (*on_media)(void *user, const struct pkt *p,
	    struct anomalies *an);
	/* p: the datagram, or the TCP segment holding the CRLFs. */
	void (*on_keepalive)(void *user, const struct pkt *p,
	    enum ingest_keepalive kind, struct anomalies *an);
	void (*on_unreach)(void *user, const struct pkt *p,
	    struct anomalies *an);
	void *user;
};

struct ingest_opts {
	/*
	 * No TCP reassembly: segments reach on_packet as the wire carried
	 * them and nothing else (the simulator, whose ALG model looks at
	 * each segment on its own, as the kernel's does).
	 */
	bool tcp_segments_only;
	/*
	 * Data-less TCP segments (pure ACKs, window updates) reach on_packet
	 * too (the simulator writes them outside); by default only those
	 * with SYN, FIN or RST do.
	 */
	bool tcp_pure_acks;
};

struct ingest;

/* Returns NULL on OOM.  o (NULL: all defaults) and cb are copied. */
struct ingest *ingest_new(const struct ingest_opts *o,
    const struct ingest_cb *cb);
/* Frees everything; what TCP still holds is not delivered (see
 * ingest_flush). */
void ingest_free(struct ingest *in);

/*
 * Adds a capture file.  Returns 0, or -1 with a reason for people in err
 * ("not a pcap or pcapng file") and nothing added.
 */
int ingest_add_file(struct ingest *in, const char *path, char *err,
    size_t errlen);

/* The files added, their information and progress (borrowed). */
struct capture_set *ingest_captures(struct ingest *in);

/*
 * The frame ingest_next() will process (reading it from the files when
 * needed), or NULL when every file is exhausted.  Peeking again returns
 * the same frame; it stays valid until the call after the ingest_next()
 * that runs it.
 */
const struct capture_frame *ingest_peek(struct ingest *in);

/*
 * Runs the next frame (the peeked one, if any) through the stage, calling
 * the callbacks for what it carries.  Returns that frame (valid until the
 * next ingest_peek() or ingest_next()), or NULL when there was none left.
 * Decoding and framing anomalies go to an, or with an NULL to the
 * frame's file's capture_info, where reading anomalies always go.
 */
const struct capture_frame *ingest_next(struct ingest *in,
    struct anomalies *an);

/*
 * Runs one decoded packet through the stage, as if the decoder had
 * emitted it (packets from elsewhere: tests, the comparison's API).
 */
void ingest_packet(struct ingest *in, const struct pkt *p,
    struct anomalies *an);

/*
 * Housekeeping at capture time now_ns: TCP directions idle longer than
 * CAP_TCP_IDLE_NS are flushed and forgotten, fragments older than
 * CAP_FRAG_TIMEOUT_NS dropped (FRAG_TIMEOUT).
 */
void ingest_expire(struct ingest *in, int64_t now_ns, struct anomalies *an);

/*
 * End of input: gives up the fragments still pending (FRAG_UNFINISHED;
 * SIP ones reach on_unreach as PKT_FRAG_LOST), then frames and delivers
 * what TCP still holds and forgets every connection.
 */
void ingest_flush(struct ingest *in, struct anomalies *an);

/* TCP half-connections tracked now (0 with tcp_segments_only). */
size_t ingest_tcp_flows(const struct ingest *in);

#endif /* SIPALG_INGEST_H */
