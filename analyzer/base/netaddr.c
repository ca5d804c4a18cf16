/*
 * netaddr.c - transport endpoints: hash, parse and format (netaddr.h;
 * the comparisons are inline there).
 *
 * Text comes from SIP headers and SDP bodies, so ep_parse_ip() never trusts
 * a terminator: it copies at most INET6_ADDRSTRLEN bytes into a local
 * buffer, refuses embedded NULs and lets inet_pton(3) judge the literal
 * (RFC 3986 section 3.2.2 brackets are accepted around IPv6).  Zone ids
 * ("fe80::1%eth0") are not IP literals for inet_pton and are refused.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2)
 * is kept as family 6 exactly as written, so formatting gives back what was
 * parsed; ep_is_private() judges it by the IPv4 address it carries.
 */
#include <arpa/inet.h>
#include <string.h>

#include "base/htab.h"
#include "base/netaddr.h"

void
ep_clear(struct ep *e)
{
	memset(e, 0, sizeof(*e));
}

/*
 * The hashes below feed htab_mix64, a keyed bijection: it hides which
 * inputs share a bucket, but two equal inputs hash equal under every key.
 * So fields from a packet are never combined (xor, add, multiply) before
 * the key is in, or a capture could solve for many keys that combine to
 * one value: first an injective packing (an IPv4 address with a port,
 * two IPv4 addresses in one word), or a keyed mix of one part, then the
 * next part, then the final mix.
 */

/*
 * The 16 bytes of a non-IPv4 address (all that ep_eq compares) as one
 * keyed word: the first eight mixed under the key before the last eight
 * join them, then mixed again.  Two addresses give equal words only by
 * chance (their first words' mixes would have to differ by what their
 * last words do, unknown without the key).
 */
uint64_t
ep_addr6_word(const struct ep *e)
{
	uint64_t a, b;

	memcpy(&a, e->ip, 8);
	memcpy(&b, e->ip + 8, 8);
	return htab_mix64(htab_mix64(a) ^ b);
}

/*
 * An IPv4 endpoint packs into one word (address, family, port: distinct
 * endpoints, distinct words), so one keyed mix does.  An IPv6 address
 * goes through the key alone first (its keyed word), then family and
 * port join, then the final mix: two endpoints share a value only when
 * their words differ by what their ports do, unknown without the key.
 */
uint64_t
ep_hash(const struct ep *e)
{
	uint32_t v4;

	if (e->family == 4) {
		memcpy(&v4, e->ip, 4);
		return htab_mix64((uint64_t)v4 << 32 | 4u << 16 | e->port);
	}
	return htab_mix64(ep_addr6_word(e) ^
	    ((uint64_t)e->family << 16 | e->port));
}

/*
 * s[0..len) when it is a dotted quad in the one form every inet_pton
 * accepts -- four decimal octets of one to three digits, each at most 255,
 * no leading zero -- into a; false for anything else (inet_pton then
 * judges, so what is accepted does not change).  Addresses are parsed
 * several times per SIP message and inet_pton's copy and checks were a
 * large part of that.
 *
 * The 7 to 15 bytes are first copied into a zeroed 16-byte buffer (two
 * overlapping fixed-size loads), so the scan reads past the text into
 * zeros, which are neither digits nor dots, and needs no bound check per
 * byte: an octet reads at most three digits and a dot, so nothing is read
 * beyond b[14].  A NUL inside the text stops the scan like any other
 * stray byte, and the final position must be the text's end.
 */
/* One octet at p: one to three digits, no leading zero, at most 255. */
#define QUAD_OCTET(k) do {						\
	unsigned v_ = (unsigned)(p[0] - '0'), d_;			\
									\
	if (v_ > 9)							\
		return false;						\
	if ((d_ = (unsigned)(p[1] - '0')) > 9) {			\
		p += 1;							\
	} else if (v_ == 0) {						\
		return false;	/* a leading zero */			\
	} else {							\
		v_ = v_ * 10 + d_;					\
		if ((d_ = (unsigned)(p[2] - '0')) > 9) {		\
			p += 2;						\
		} else {						\
			v_ = v_ * 10 + d_;				\
			if (v_ > 255)					\
				return false;				\
			p += 3;						\
		}							\
	}								\
	a[k] = (uint8_t)v_;						\
} while (0)

static inline bool
quad_fast(const char *s, size_t len, uint8_t a[4])
{
	uint8_t b[16] = { 0 };
	const uint8_t *p = b;

	if (len - 7 > 15 - 7)
		return false;   /* "0.0.0.0" to "255.255.255.255" */
	if (len >= 8) {
		memcpy(b, s, 8);
		memcpy(b + len - 8, s + len - 8, 8);
	} else {
		memcpy(b, s, 4);
		memcpy(b + 3, s + 3, 4);
	}
	QUAD_OCTET(0);
	if (*p++ != '.')
		return false;
	QUAD_OCTET(1);
	if (*p++ != '.')
		return false;
	QUAD_OCTET(2);
	if (*p++ != '.')
		return false;
	QUAD_OCTET(3);
	return p == b + len;
}
#undef QUAD_OCTET

/* ep_parse_ip past the dotted-quad fast path: inet_pton judges. */
static __attribute__((noinline)) int
parse_ip_pton(struct ep *e, const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t a[16];
	int bracketed = 0;

	if (s == NULL)
		return -1;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
		bracketed = 1;
	}
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* Dotted IPv4 only without brackets; brackets mean IPv6. */
	if (!bracketed && memchr(buf, ':', len) == NULL) {
		if (inet_pton(AF_INET, buf, a) != 1)
			return -1;
		e->family = 4;
		e->pad = 0;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	e->family = 6;
	e->pad = 0;
	memcpy(e->ip, a, 16);
	return 0;
}

int
ep_parse_ip(struct ep *e, const char *s, size_t len)
{
	uint8_t a[4];

	if (s != NULL && quad_fast(s, len, a)) {
		e->family = 4;
		e->pad = 0;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, a, 4);
		return 0;
	}
	return parse_ip_pton(e, s, len);
}

/*
 * Formatting.  An IPv4 address is written digit by digit (inet_ntop and
 * snprintf cost some 3,000 instructions an endpoint, and reports format
 * one for every message they list); IPv6 by inet_ntop, as ever.  Both
 * give exactly what inet_ntop and "%s:%u" gave.
 */

/* The decimal digits of v at p; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	char d[10];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

/* e's address as text at p (room for INET6_ADDRSTRLEN), "-" when its
 * family is neither 4 nor 6; returns the end (not terminated). */
static char *
put_ip(char *p, const struct ep *e)
{
	if (e->family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			p = put_dec(p, e->ip[i]);
		}
		return p;
	}
	if (e->family == 6 &&
	    inet_ntop(AF_INET6, e->ip, p, INET6_ADDRSTRLEN) != NULL)
		return p + strlen(p);
	*p++ = '-';
	return p;
}

/* text[0..len) into buf (n > 0), cut to n - 1 bytes as snprintf cuts. */
static const char *
put_out(char *buf, size_t n, const char *text, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

const char *
ep_ip_str(const struct ep *e, char *buf, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t len;

	if (n == 0)
		return buf;
	/* put_ip writes at most INET6_ADDRSTRLEN - 1 bytes; saying so lets
	 * the compiler see it (an LTO/PGO link warned of an overread). */
	len = (size_t)(put_ip(tmp, e) - tmp);
	if (len > sizeof(tmp) - 1)
		len = sizeof(tmp) - 1;
	return put_out(buf, n, tmp, len);
}

const char *
ep_str(const struct ep *e, char *buf, size_t n)
{
	/* "[", the address, "]:", five digits */
	char tmp[INET6_ADDRSTRLEN + 8], *p = tmp;

	if (n == 0)
		return buf;
	if (e->family != 4 && e->family != 6)
		return put_out(buf, n, "-", 1);
	if (e->port != 0 && e->family == 6)
		*p++ = '[';
	p = put_ip(p, e);
	if (e->port != 0) {
		if (e->family == 6)
			*p++ = ']';
		*p++ = ':';
		p = put_dec(p, e->port);
	}
	return put_out(buf, n, tmp, (size_t)(p - tmp));
}

/* The IPv6 half of ep_is_private (netaddr.h). */
bool
ep_is_private6(const struct ep *e)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(e->ip, loop6, 16) == 0)
		return true;
	if ((e->ip[0] & 0xfe) == 0xfc)                      /* fc00::/7 */
		return true;
	if (e->ip[0] == 0xfe && (e->ip[1] & 0xc0) == 0x80)  /* fe80::/10 */
		return true;
	if (memcmp(e->ip, mapped, 12) == 0)                 /* ::ffff:a.b.c.d */
		return ep_v4_private(e->ip + 12);
	return false;
}
