/*
 * oversize_rule.h - the SILENT form of oversize_drop (an MTU black hole,
 * detect_oversize.c): when an unanswered UDP request's silence goes with
 * its size.  Shared by the analyzer's detector and sipalg-sim's far-end
 * inference (sim/assume.c: such a request does not show a far end that
 * does not answer), so the two read the capture by one rule.
 *
 * The request was retransmitted on the doubling Timer A/E schedule (RFC
 * 3261 17.1.1.2, 17.1.2.2) at least OVERSIZE_SILENT_RETRANS times, the
 * third retransmission no sooner than OVERSIZE_SILENT_SPAN_NS after the
 * first copy (copies at 0, T1, 3T1, 7T1: a client really waiting for an
 * answer, not a burst of duplicates); its IP length exceeds what the IP
 * version guarantees to pass (576 bytes IPv4, RFC 791; 1280 IPv6, RFC
 * 8200) and, by more than OVERSIZE_SILENT_MARGIN (RFC 3261 18.1.1's
 * margin below the path MTU), the largest request answered on the same
 * path (source and destination address:port).
 */
#ifndef SIPALG_DETECT_OVERSIZE_RULE_H
#define SIPALG_DETECT_OVERSIZE_RULE_H

#include <stdbool.h>
#include <stdint.h>

/* RFC 3261 17.1.1.1: T1. */
#define OVERSIZE_T1_NS 500000000LL
#define OVERSIZE_SILENT_RETRANS 3
#define OVERSIZE_SILENT_SPAN_NS (6 * OVERSIZE_T1_NS)
/* RFC 3261 18.1.1: UDP only for messages 200 bytes below the path MTU. */
#define OVERSIZE_SILENT_MARGIN 200

/* Whether retrans retransmissions, the third third_ns after the first
 * copy (ignored below three), are the Timer A/E schedule of a client
 * waiting for an answer. */
static inline bool
oversize_silent_schedule(uint32_t retrans, int64_t third_ns)
{
	return retrans >= OVERSIZE_SILENT_RETRANS &&
	    third_ns >= OVERSIZE_SILENT_SPAN_NS;
}

/* Whether an IP datagram of ip_len bytes (ipv6: IPv6) is large enough to
 * be the one a path dropped for its size while requests of up to
 * max_answered bytes passed. */
static inline bool
oversize_silent_size(uint32_t ip_len, bool ipv6, uint32_t max_answered)
{
	return ip_len > (ipv6 ? 1280u : 576u) &&
	    ip_len > max_answered + OVERSIZE_SILENT_MARGIN;
}

#endif /* SIPALG_DETECT_OVERSIZE_RULE_H */
