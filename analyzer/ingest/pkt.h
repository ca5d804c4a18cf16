/*
 * pkt.h - one decoded transport payload, as the decoder hands it up.
 *
 * The decoder (decode.c) peels link layer, tunnels and IP (reassembling
 * fragments) and emits one struct pkt per UDP datagram, per TCP segment
 * and per SCTP user message (payload = the DATA chunks' user data).
 * payload points into the frame (or into a reassembly buffer) and is
 * valid only for the duration of the callback.
 */
#ifndef SIPALG_PKT_H
#define SIPALG_PKT_H

#include <stdint.h>

#include "base/netaddr.h"

enum pkt_l4 { PKT_UDP = 17, PKT_TCP = 6, PKT_SCTP = 132 };

/*
 * Not an IP protocol: set by the TCP framer (tcpframe.h) on the pkt it
 * hands up with a message that arrived inside WebSocket frames (RFC 7118).
 */
#define PKT_WS 0x80

/*
 * Not an IP protocol: an ICMP destination unreachable (ICMPv6 type 1)
 * quoting a UDP datagram that is not SIP.  src, dst and their ports are
 * the quoted datagram's (the packet that was refused), reporter is who
 * sent the ICMP; payload is NULL and len 0.
 */
#define PKT_ICMP_UNREACH 0x81

/*
 * Not an IP protocol: an ICMP "fragmentation needed" (type 3 code 4) or
 * ICMPv6 "packet too big" (type 2) quoting a UDP datagram that starts
 * like SIP: a SIP message dropped because it is larger than the path's
 * MTU.  src, dst and ports are the quoted datagram's, ip_len its IP total
 * length as quoted (what the router tried to forward), ip_df its DF bit,
 * icmp_mtu the next-hop MTU the error reports (0 when not given),
 * reporter who sent the ICMP; payload is the quoted SIP bytes (cut
 * anywhere), never taken as a message.
 */
#define PKT_ICMP_TOOBIG 0x82

/*
 * Not an IP protocol: the start of a UDP datagram whose IP fragments
 * never all arrived (the fragment table gave it up: timeout, or the end
 * of the input), when that start looks like SIP.  frame and ts_ns are
 * the first fragment's (offset 0), src, dst and ports the datagram's,
 * payload the SIP bytes that arrived from its start (cut anywhere),
 * ip_len the IP length its UDP header announces, frag_seen the IP bytes
 * that arrived, nfrags the fragments that did.
 */
#define PKT_FRAG_LOST 0x83

/*
 * Not an IP protocol: an ICMP "fragment reassembly time exceeded" (type
 * 11 code 1; ICMPv6 type 3 code 1) quoting the first fragment of a UDP
 * datagram that starts like SIP: its receiver got only some of the
 * fragments.  Fields as for PKT_ICMP_TOOBIG, icmp_mtu 0.
 */
#define PKT_ICMP_REASM 0x85  /* 0x84 is PKT_SCTP */

/*
 * Not an IP protocol: any other ICMP destination unreachable (type 3 but
 * code 4; ICMPv6 type 1) quoting a UDP datagram that starts like SIP:
 * the SIP was refused on the way (a filter's admin-prohibited, a host or
 * port unreachable).  Fields as for PKT_ICMP_TOOBIG, icmp_mtu 0, and
 * icmp_type, icmp_code the error's.  Never taken as a message.
 */
#define PKT_ICMP_SIP_UNREACH 0x86

/* TCP flag bits as on the wire. */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

struct pkt {
	uint32_t cap_idx;      /* which capture file (0-based) */
	uint64_t frame;        /* 1-based frame number within that file */
	int64_t ts_ns;         /* capture time, ns since the epoch */
	uint8_t l4;            /* enum pkt_l4 */
	struct ep src, dst;    /* addresses and ports of the innermost IP */
	const uint8_t *payload;/* UDP data, TCP data, or SCTP DATA chunk user data */
	size_t len;            /* bytes at payload (captured, clamped to the claimed length) */
	uint32_t ip_len;       /* IP datagram length on the wire (after reassembly) */
	uint16_t nfrags;       /* >1 when reassembled from IP fragments */
	uint8_t ip_df;         /* IPv4 Don't Fragment bit of the (first) datagram */
	uint8_t ip_ttl;        /* IPv4 TTL / IPv6 hop limit of the innermost IP */
	uint16_t ip_id;        /* IPv4 identification of the innermost IP */
	uint8_t encap_depth;   /* tunnels peeled (IP-in-IP, GRE, ERSPAN) */
	uint8_t tcp_flags;     /* TCP only */
	uint32_t tcp_seq;      /* TCP only */
	uint32_t tcp_ack;      /* TCP only */
	uint16_t tcp_win;      /* TCP only: window, as on the wire */
	uint16_t tcp_urp;      /* TCP only: urgent pointer */
	uint8_t tcp_x2;        /* TCP only: the 4 bits after the data offset */
	uint8_t tcp_optlen;    /* TCP only: option bytes at tcp_opt (0..40) */
	const uint8_t *tcp_opt;/* TCP only: the options, as on the wire */
	struct ep reporter;    /* PKT_ICMP_UNREACH/TOOBIG/REASM: the ICMP's source */
	uint32_t icmp_mtu;     /* PKT_ICMP_TOOBIG only: next-hop MTU reported */
	uint8_t icmp_type;     /* PKT_ICMP_SIP_UNREACH: the ICMP(v6) type */
	uint8_t icmp_code;     /* PKT_ICMP_SIP_UNREACH: and its code */
	uint32_t frag_seen;    /* PKT_FRAG_LOST only: IP bytes that arrived */
	uint32_t ifnum;        /* 1 + the pcapng interface of the frame
	                        * (capture_frame.ifnum), 0 not known; set by
	                        * ingest.c, never by the decoder */
};

#endif /* SIPALG_PKT_H */
