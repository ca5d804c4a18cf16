/*
 * pcapw.h - writing the simulated outside view as a classic pcap file.
 *
 * Nanosecond pcap (magic 0xa1b23c4d) written by libpcap's pcap_dump,
 * Ethernet link type with fixed
 * locally administered MAC addresses, IPv4 or IPv6, UDP or TCP.  Every
 * length and checksum (IPv4 header, UDP and TCP over the pseudo-header) is
 * computed here from the bytes written, so a payload that an ALG rewrote
 * to another length still makes a valid packet.
 */
#ifndef SIPALG_SIM_PCAPW_H
#define SIPALG_SIM_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/netaddr.h"

struct pcapw;

/*
 * Opens path for writing: the pcap goes to a temporary file beside it
 * and replaces path at pcapw_close, when complete (path itself when it is
 * not a regular file, e.g. /dev/stdout).  Returns NULL with err on
 * failure.
 */
struct pcapw *pcapw_open(const char *path, char *err, size_t errlen);
/*
 * As pcapw_open, a pcapng file: one Ethernet interface named ifname (at
 * most 64 bytes kept), nanosecond time stamps, recording the capture
 * filter the view stands for: filter_type < 0 records none (if_filter
 * left out: what was filtered is not known), else the if_filter option
 * is that type byte followed by filter (type 0: a libpcap expression;
 * "" = nothing filtered), at most CAP_IFFILTER bytes of it kept.
 */
struct pcapw *pcapw_open_ng(const char *path, const char *ifname,
    int filter_type, const char *filter, char *err, size_t errlen);
/* Writes to an open stream (not closed by pcapw_close); NULL on OOM. */
struct pcapw *pcapw_fdopen(FILE *f);

/*
 * One UDP datagram src -> dst (same family).  Returns 0, or -1 when the
 * packet would exceed 65535 bytes of IP or on a write error.
 */
int pcapw_udp(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const uint8_t *payload, size_t len);

/*
 * The same datagram as pcapw_udp, IPv4 fragments of at most mtu bytes of
 * IP each (DF clear) when it is longer: what a router that fragments
 * puts on its outside link.  Same return values.
 */
int pcapw_udp_frag(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const uint8_t *payload, size_t len, unsigned mtu);

/* One TCP segment; flags as on the wire (PKT_TCP_*); window 65535, no
 * options. */
int pcapw_tcp(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, uint32_t seq, uint32_t ack, uint8_t flags,
    const uint8_t *payload, size_t len);

/* The TCP header fields a forwarded segment keeps (pcapw_tcp_fwd). */
struct pcapw_tcph {
	uint32_t seq, ack;
	uint8_t flags;            /* as on the wire (PKT_TCP_*) */
	uint8_t x2;               /* the 4 bits after the data offset */
	uint16_t win, urp;
	const uint8_t *opt;       /* options, a multiple of 4 bytes, <= 40 */
	size_t optlen;
};

/*
 * One TCP segment with the header fields of h, the options copied byte
 * for byte (the data offset follows from optlen) and the checksum
 * computed.  The acknowledgment number is written as given (a pure ACK
 * has the ACK flag; a segment without it keeps what it carried).  Same
 * return values as pcapw_tcp; -1 also for options not a multiple of 4 or
 * longer than 40 bytes.
 */
int pcapw_tcp_fwd(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const struct pcapw_tcph *h, const uint8_t *payload,
    size_t len);

/*
 * The next packet written (all its fragments) gets this IPv4 TTL,
 * identification and Don't Fragment bit instead of the writer's own
 * (TTL 64, a counter, DF): what a router forwarding a packet keeps of it
 * (RFC 1812 5.3.1: TTL one less; a NAT keeps the identification).
 */
void pcapw_set_ip(struct pcapw *w, uint8_t ttl, uint16_t id, bool df);

/* Packets written so far. */
uint64_t pcapw_count(const struct pcapw *w);

/*
 * Flushes and closes; a file from pcapw_open is renamed into place, or
 * removed when a write failed.  Returns 0, or -1 when a write failed at
 * any point (path then untouched).
 */
int pcapw_close(struct pcapw *w);

/* The Internet checksum (RFC 1071) of p[0..len) added to sum. */
uint16_t pcapw_cksum(const uint8_t *p, size_t len, uint32_t sum);

#endif /* SIPALG_SIM_PCAPW_H */
