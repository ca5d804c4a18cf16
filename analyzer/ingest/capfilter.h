/*
 * capfilter.h - what a recorded capture filter lets through, for the
 * question "would this capture show the call's media?" (issue 15.3).
 *
 * A pcapng interface may record the libpcap filter it was captured with
 * (if_filter, capture.h).  capfilter_media() reads that expression
 * (pcap-filter(7)) and says whether a UDP datagram with the given
 * addresses and ports would pass: yes, no, or unknown when the
 * expression uses anything it does not read.
 */
#ifndef SIPALG_CAPFILTER_H
#define SIPALG_CAPFILTER_H

#include <stddef.h>

#include "base/netaddr.h"

enum capfilter_verdict {
	CAPFILTER_NO = 0,
	CAPFILTER_YES = 1,
	CAPFILTER_UNKNOWN = 2,
};

/*
 * Would a UDP datagram from src to dst (address family, address and port
 * all set) pass the libpcap expression expr (len bytes, not necessarily
 * NUL-terminated; an empty one passes everything)?  Read: and/&&, or/||,
 * not/!, parentheses, ip, ip6, udp, tcp, sctp, icmp, icmp6, arp, rarp,
 * [src|dst|src or dst|src and dst] host ADDRESS | net ADDRESS[/LEN] |
 * port N | portrange N-M, with an optional protocol in front.  Anything
 * else (host names, named ports, byte offsets, less/greater, vlan, mask)
 * makes the answer CAPFILTER_UNKNOWN, as does a syntax error.
 */
enum capfilter_verdict capfilter_udp(const char *expr, size_t len,
    const struct ep *src, const struct ep *dst);

#endif /* SIPALG_CAPFILTER_H */
