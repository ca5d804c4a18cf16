/*
 * netaddr.h - transport endpoints (IPv4/IPv6 address + port).
 *
 * A plain record used everywhere an address appears: packet source and
 * destination, Via sent-by, Contact, SDP c=/m=.  Addresses are kept in
 * network byte order in ip[]; for IPv4 only ip[0..3] are used and the rest
 * is zero, so memcmp over the whole struct compares endpoints.
 */
#ifndef SIPALG_NETADDR_H
#define SIPALG_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/htab.h"

#define NETADDR_STRLEN 56 /* "[ipv6]:port" plus NUL */

struct ep {
	uint8_t family;     /* 0 = none, 4 or 6 */
	uint8_t pad;
	uint16_t port;      /* host order; 0 = none */
	uint8_t ip[16];
};

/* Zeroes e (family 0). */
void ep_clear(struct ep *e);

/*
 * Same family and address; ports ignored.  Only ip[0..3] count for IPv4.
 * Inline (with ep_eq), as the RTP stream table compares two endpoints per
 * packet.
 */
static inline bool
ep_same_ip(const struct ep *a, const struct ep *b)
{
	if (a->family != b->family)
		return false;
	return a->family == 4 ? memcmp(a->ip, b->ip, 4) == 0 :
	    memcmp(a->ip, b->ip, 16) == 0;
}

/* Same family, address and port. */
static inline bool
ep_eq(const struct ep *a, const struct ep *b)
{
	return a->port == b->port && ep_same_ip(a, b);
}

/* A 64-bit hash of the endpoint; endpoints ep_eq() calls equal hash equal. */
uint64_t ep_hash(const struct ep *e);
/* A non-IPv4 address (its 16 bytes) as one keyed word (netaddr.c). */
uint64_t ep_addr6_word(const struct ep *e);

/* An address in one word: IPv4 as it is (32 bits), IPv6 keyed. */
static inline uint64_t
ep_addr_word(const struct ep *e)
{
	uint32_t v4;

	if (e->family == 4) {
		memcpy(&v4, e->ip, 4);
		return v4;
	}
	return ep_addr6_word(e);
}

/*
 * A 64-bit hash of an ordered pair of endpoints and a 32-bit tag (a flow
 * and its SSRC), cheaper than combining two ep_hash(): pairs equal
 * endpoint by endpoint under ep_eq(), with equal tags, hash equal.
 *
 * Runs once per RTP packet (the stream table's key), so inline.  The two
 * addresses go into one word (two IPv4 addresses side by side:
 * injective; an IPv6 one as its keyed word), which is mixed under the
 * key; then ports and tag, spread over 64 bits by an odd multiplier, and
 * the final mix: two mix64 rounds for an IPv4 flow.  The inner mix is
 * what the key is for: with the addresses xored in raw, ports and tag (a
 * free 64-bit value) could be solved to cancel any address pair, giving
 * one value under every key (tests/unit/test_htab.c builds such flows).
 */
static inline uint64_t
ep_pair_hash(const struct ep *a, const struct ep *b, uint32_t tag)
{
	uint64_t wa = ep_addr_word(a);
	uint64_t addrs = (wa << 32 | wa >> 32) ^ ep_addr_word(b);
	uint64_t ports = (uint64_t)a->port << 48 | (uint64_t)b->port << 32 |
	    tag;

	return htab_mix64(htab_mix64(addrs) ^ ports * 0x9e3779b97f4a7c15ULL);
}
/*
 * Parses an IP literal (dotted IPv4, or IPv6 with or without brackets) of
 * exactly len bytes into e, keeping e->port.  Returns 0, or -1 when the text
 * is not an IP literal (e.g. a host name); e is unchanged then.
 */
int ep_parse_ip(struct ep *e, const char *s, size_t len);
/* Formats the address only ("10.0.0.2", "2001:db8::1") into buf. */
const char *ep_ip_str(const struct ep *e, char *buf, size_t n);
/*
 * Formats "10.0.0.2:5060" or "[2001:db8::1]:5060" ("-" when family 0; the
 * address alone when port is 0).  Truncates to n-1 bytes; returns buf.
 */
const char *ep_str(const struct ep *e, char *buf, size_t n);
/* The IPv4 ranges of ep_is_private, a the four bytes of an address. */
static inline bool
ep_v4_private(const uint8_t *a)
{
	switch (a[0]) {
	case 10:                                  /* RFC 1918 */
	case 127:                                 /* loopback */
		return true;
	case 172:
		return (a[1] & 0xf0) == 16;       /* RFC 1918 */
	case 192:
		return a[1] == 168;               /* RFC 1918 */
	case 100:
		return (a[1] & 0xc0) == 64;       /* RFC 6598 */
	case 169:
		return a[1] == 254;               /* link-local */
	default:
		return false;
	}
}
/* The IPv6 ranges of ep_is_private (netaddr.c), e of family 6. */
bool ep_is_private6(const struct ep *e);
/*
 * True for addresses that do not route on the Internet: RFC 1918, RFC 6598
 * (CGN 100.64/10), loopback, link-local, IPv6 ULA fc00::/7 and fe80::/10.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by its IPv4 part.
 *
 * Inline: the detectors ask it a dozen times per SIP message, nearly
 * always of an IPv4 address.
 */
static inline bool
ep_is_private(const struct ep *e)
{
	if (e->family == 4)
		return ep_v4_private(e->ip);
	return e->family == 6 && ep_is_private6(e);
}

#endif /* SIPALG_NETADDR_H */
