/*
 * decode.h - from a captured frame to transport payloads.
 *
 * Link layers: Ethernet (802.1Q, QinQ 0x88a8/0x9100), Linux cooked SLL and
 * SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback/NULL (both byte
 * orders) and OpenBSD LOOP.  Network: IPv4 (options) and IPv6 (hop-by-hop,
 * routing, destination options, fragment, AH), with fragment reassembly
 * (frag.h).  Tunnels: IP-in-IP (4in4, 6in4, 4in6, 6in6), GRE (with
 * checksum/key/sequence, Ethernet bridging 0x6558, PPP 0x880b and plain
 * IP payloads) and ERSPAN types I, II and III.  Transport: UDP, TCP and
 * SCTP user messages (a DATA chunk with B and E set, or pieces B..E with
 * consecutive TSNs put together) are emitted; ICMP errors are recognised
 * and, when they quote a SIP datagram, counted as ANOMALY_ICMP_QUOTED_SIP
 * (and emitted as PKT_ICMP_TOOBIG, PKT_ICMP_REASM or PKT_ICMP_SIP_UNREACH,
 * never as SIP); a destination unreachable quoting another UDP datagram
 * is emitted as PKT_ICMP_UNREACH (pkt.h) with no payload.
 *
 * Lengths: the captured length and the length each header claims are kept
 * apart; the smaller is used and a claim beyond the data is an anomaly.
 */
#ifndef SIPALG_DECODE_H
#define SIPALG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/pkt.h"

struct decoder;

/* Called once per UDP datagram, TCP segment and SCTP DATA chunk. */
typedef void (*decode_emit_fn)(void *user, const struct pkt *p,
    struct anomalies *an);

/* Returns NULL on OOM. */
struct decoder *decoder_new(decode_emit_fn emit, void *user);
void decoder_free(struct decoder *d);

/*
 * keep: emit TCP segments without data and without SYN, FIN or RST (pure
 * ACKs, window updates) too; by default they are not emitted (nothing in
 * them is SIP).  The simulator keeps them to write them outside.
 */
void decoder_keep_pure_acks(struct decoder *d, bool keep);

/*
 * Decodes one frame and calls emit for what it carries.  Anomalies go to
 * an (may be NULL).  cap_idx, frame and ts_ns are copied into each pkt.
 */
void decoder_frame(struct decoder *d, int linktype, uint32_t cap_idx,
    uint64_t frame, int64_t ts_ns, const uint8_t *data, size_t caplen,
    size_t wirelen, struct anomalies *an);

/*
 * Drops fragment state older than the timeout (FRAG_TIMEOUT anomalies);
 * a SIP datagram among them is emitted as PKT_FRAG_LOST (pkt.h).
 */
void decoder_expire(struct decoder *d, int64_t now_ns, struct anomalies *an);

/*
 * End of input: every datagram still awaiting fragments is given up
 * (FRAG_UNFINISHED), SIP ones emitted as PKT_FRAG_LOST.
 */
void decoder_flush(struct decoder *d, struct anomalies *an);

/*
 * Counters for the capture summary: frames given to decoder_frame(); ip =
 * IP headers decoded (a tunnelled frame counts each layer); udp, tcp =
 * valid UDP/TCP headers (pure ACKs included, though not emitted); sctp =
 * SCTP packets; icmp = ICMP/ICMPv6 messages; reassembled = IP datagrams
 * completed from more than one fragment.
 */
struct decoder_stats {
	uint64_t frames, ip, udp, tcp, sctp, icmp, reassembled;
};
void decoder_stats_get(const struct decoder *d, struct decoder_stats *st);

#endif /* SIPALG_DECODE_H */
