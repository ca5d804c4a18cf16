/*
 * capfilter.c - a conservative reader of libpcap filter expressions
 * (capfilter.h), to tell from a pcapng's recorded if_filter whether the
 * capture could show a call's RTP.
 *
 * Recursive descent over the grammar of pcap-filter(7), reduced to what
 * a capture for SIP and RTP uses:
 *
 *   expr    = and { ("or" | "||") and }
 *   and     = unary { ("and" | "&&") unary }
 *   unary   = ("not" | "!") unary | "(" expr ")" | prim
 *   prim    = [proto] [dir] (("host" | "net") ADDR | "port" N |
 *             "portrange" N-M) | proto
 *
 * Each term is judged on one datagram (UDP, known addresses and ports)
 * in three values: yes, no, unknown; "and" is no if any operand is no,
 * "or" yes if any is yes, "not" swaps yes and no.  A word we do not read
 * makes its term unknown (not an error) when the rest of the expression
 * still parses, so "port 5060 and less 1500" is still no for RTP; a
 * syntax error makes the whole answer unknown.  Tokens are found with
 * length-bounded scans; the expression is never modified.
 *
 * Limits: libpcap's implicit repetition ("host a or b", where b inherits
 * "host") is read as an unknown term; a host name is unknown (no
 * resolver runs); IPv4 "net 10" (class-style) is 10.0.0.0/8.
 */
#include <ctype.h>
#include <string.h>

#include "ingest/capfilter.h"

#define TOK_MAX 64
#define DEPTH_MAX 32

struct fp {
	const char *s;
	size_t len, off;
	char tok[TOK_MAX];        /* current token, NUL-terminated */
	size_t toklen;
	int err;
	int depth;
	const struct ep *src, *dst;
};

typedef enum capfilter_verdict tri;

static void
next(struct fp *p)
{
	size_t b;

	while (p->off < p->len && isspace((unsigned char)p->s[p->off]))
		p->off++;
	b = p->off;
	if (p->off >= p->len) {
		p->tok[0] = '\0';
		p->toklen = 0;
		return;
	}
	if (strchr("()!", p->s[p->off]) != NULL)
		p->off++;
	else if (p->off + 1 < p->len &&
	    ((p->s[p->off] == '&' && p->s[p->off + 1] == '&') ||
	    (p->s[p->off] == '|' && p->s[p->off + 1] == '|')))
		p->off += 2;
	else
		while (p->off < p->len &&
		    !isspace((unsigned char)p->s[p->off]) &&
		    strchr("()!&|", p->s[p->off]) == NULL)
			p->off++;
	if (p->off - b >= TOK_MAX) {
		p->err = 1;
		p->toklen = 0;
		p->tok[0] = '\0';
		return;
	}
	p->toklen = p->off - b;
	memcpy(p->tok, p->s + b, p->toklen);
	p->tok[p->toklen] = '\0';
	if (p->toklen == 0)     /* a lone '&' or '|' */
		p->err = 1;
}

static int
is(const struct fp *p, const char *w)
{
	return strcmp(p->tok, w) == 0;
}

static tri
t_and(tri a, tri b)
{
	if (a == CAPFILTER_NO || b == CAPFILTER_NO)
		return CAPFILTER_NO;
	return a == CAPFILTER_YES && b == CAPFILTER_YES ? CAPFILTER_YES :
	    CAPFILTER_UNKNOWN;
}

static tri
t_or(tri a, tri b)
{
	if (a == CAPFILTER_YES || b == CAPFILTER_YES)
		return CAPFILTER_YES;
	return a == CAPFILTER_NO && b == CAPFILTER_NO ? CAPFILTER_NO :
	    CAPFILTER_UNKNOWN;
}

static tri
t_bool(int v)
{
	return v ? CAPFILTER_YES : CAPFILTER_NO;
}

/* A decimal number 0..max in the whole of s[0..n); -1 otherwise. */
static long
num(const char *s, size_t n, long max)
{
	long v = 0;

	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Does address e lie in ADDR[/LEN] (tok)?  -1 when tok is not one. */
static int
in_net(const char *tok, const struct ep *e, int is_net)
{
	const char *slash = strchr(tok, '/');
	size_t alen = slash ? (size_t)(slash - tok) : strlen(tok);
	struct ep a;
	long bits;
	int dots = 0;
	char buf[TOK_MAX];

	memcpy(buf, tok, alen);
	buf[alen] = '\0';
	for (size_t i = 0; i < alen; i++)
		dots += buf[i] == '.';
	bits = slash ? num(slash + 1, strlen(slash + 1), 128) : -1;
	if (slash != NULL && (bits < 0 || !is_net))
		return -1;
	if (is_net && slash == NULL && strchr(buf, ':') == NULL && dots < 3) {
		/* "net 10", "net 192.168": the octets given */
		bits = 8L * (dots + 1);
		while (dots++ < 3 && alen + 2 < sizeof(buf)) {
			strcat(buf, ".0");
			alen += 2;
		}
	}
	if (ep_parse_ip(&a, buf, alen) != 0)
		return -1;
	if (bits < 0)
		bits = a.family == 4 ? 32 : 128;
	if (a.family != e->family)
		return 0;
	/* an IPv4 address is in ip[0..3] (netaddr.c) */
	if (bits > (a.family == 4 ? 32 : 128))
		return -1;
	for (long i = 0; i < bits; i++)
		if (((a.ip[i / 8] ^ e->ip[i / 8]) >> (7 - i % 8)) & 1)
			return 0;
	return 1;
}

enum dir { D_ANY, D_SRC, D_DST, D_BOTH };

/* host/net/port/portrange VALUE with protocol and direction given. */
static tri
qualified(struct fp *p, int proto_udp_ok, enum dir d)
{
	int s = -1, t = -1;
	char kind[TOK_MAX];

	memcpy(kind, p->tok, p->toklen + 1);
	next(p);
	if (p->toklen == 0 || is(p, "(") || is(p, ")")) {
		p->err = 1;
		return CAPFILTER_UNKNOWN;
	}
	if (strcmp(kind, "host") == 0 || strcmp(kind, "net") == 0) {
		int n = strcmp(kind, "net") == 0;

		s = in_net(p->tok, p->src, n);
		t = in_net(p->tok, p->dst, n);
		next(p);
		if (s < 0 || t < 0)
			return CAPFILTER_UNKNOWN;   /* a host name, a mask */
		if (!proto_udp_ok)
			return CAPFILTER_NO;
	} else {
		long lo, hi;
		const char *dash = strchr(p->tok, '-');

		if (strcmp(kind, "port") == 0) {
			lo = hi = num(p->tok, p->toklen, 65535);
		} else if (dash != NULL) {
			lo = num(p->tok, (size_t)(dash - p->tok), 65535);
			hi = num(dash + 1, strlen(dash + 1), 65535);
		} else
			lo = hi = -1;
		next(p);
		if (lo < 0 || hi < 0)
			return CAPFILTER_UNKNOWN;   /* a named port */
		if (!proto_udp_ok)
			return CAPFILTER_NO;
		s = p->src->port >= lo && p->src->port <= hi;
		t = p->dst->port >= lo && p->dst->port <= hi;
	}
	switch (d) {
	case D_SRC:
		return t_bool(s);
	case D_DST:
		return t_bool(t);
	case D_BOTH:
		return t_bool(s && t);
	default:
		return t_bool(s || t);
	}
}

static tri expr(struct fp *p);

static tri
prim(struct fp *p)
{
	static const char *const other[] = { "tcp", "sctp", "icmp", "icmp6",
	    "arp", "rarp", "igmp", "pim", "vrrp", NULL };
	int udp_ok = 1, had_proto = 0;
	tri proto = CAPFILTER_YES;
	enum dir d = D_ANY;

	if (is(p, "udp") || is(p, "ip") || is(p, "ip6")) {
		if (is(p, "ip"))
			proto = t_bool(p->src->family == 4);
		else if (is(p, "ip6"))
			proto = t_bool(p->src->family == 6);
		had_proto = 1;
		next(p);
	} else {
		for (int i = 0; other[i] != NULL; i++)
			if (is(p, other[i])) {
				udp_ok = 0;
				proto = CAPFILTER_NO;
				had_proto = 1;
				next(p);
				break;
			}
	}
	if (is(p, "src") || is(p, "dst")) {
		d = is(p, "src") ? D_SRC : D_DST;
		next(p);
		if (is(p, "or") || is(p, "and")) {
			/* "src or dst", "src and dst" */
			enum dir both = is(p, "or") ? D_ANY : D_BOTH;

			next(p);
			if (!is(p, "src") && !is(p, "dst")) {
				p->err = 1;
				return CAPFILTER_UNKNOWN;
			}
			d = both;
			next(p);
		}
	}
	if (is(p, "host") || is(p, "net") || is(p, "port") ||
	    is(p, "portrange"))
		return t_and(proto, qualified(p, udp_ok, d));
	if (had_proto && d == D_ANY)
		return proto;           /* "udp", "ip", "tcp" alone */
	if (p->toklen == 0 || is(p, ")") || is(p, "and") || is(p, "or") ||
	    is(p, "&&") || is(p, "||")) {
		p->err = 1;
		return CAPFILTER_UNKNOWN;
	}
	/*
	 * A word we do not read (vlan, less 1500, ether host ..., udp[8:2]
	 * = ...): skip the words of this term up to the next operator.
	 */
	while (p->toklen > 0 && !is(p, ")") && !is(p, "and") &&
	    !is(p, "or") && !is(p, "&&") && !is(p, "||")) {
		if (is(p, "(")) {
			p->depth++;
			next(p);
			if (p->depth > DEPTH_MAX) {
				p->err = 1;
				return CAPFILTER_UNKNOWN;
			}
			(void)expr(p);
			p->depth--;
			if (!is(p, ")"))
				p->err = 1;
		}
		next(p);
	}
	return CAPFILTER_UNKNOWN;
}

static tri
unary(struct fp *p)
{
	tri v;

	if (p->err)
		return CAPFILTER_UNKNOWN;
	if (is(p, "not") || is(p, "!")) {
		if (++p->depth > DEPTH_MAX) {
			p->err = 1;
			return CAPFILTER_UNKNOWN;
		}
		next(p);
		v = unary(p);
		p->depth--;
		return v == CAPFILTER_UNKNOWN ? v :
		    v == CAPFILTER_YES ? CAPFILTER_NO : CAPFILTER_YES;
	}
	if (is(p, "(")) {
		if (++p->depth > DEPTH_MAX) {
			p->err = 1;
			return CAPFILTER_UNKNOWN;
		}
		next(p);
		v = expr(p);
		p->depth--;
		if (!is(p, ")"))
			p->err = 1;
		next(p);
		return v;
	}
	return prim(p);
}

static tri
and_expr(struct fp *p)
{
	tri v = unary(p);

	while (!p->err && (is(p, "and") || is(p, "&&"))) {
		next(p);
		v = t_and(v, unary(p));
	}
	return v;
}

static tri
expr(struct fp *p)
{
	tri v = and_expr(p);

	while (!p->err && (is(p, "or") || is(p, "||"))) {
		next(p);
		v = t_or(v, and_expr(p));
	}
	return v;
}

enum capfilter_verdict
capfilter_udp(const char *s, size_t len, const struct ep *src,
    const struct ep *dst)
{
	struct fp p;
	tri v;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.len = s != NULL ? len : 0;
	p.src = src;
	p.dst = dst;
	next(&p);
	if (p.toklen == 0 && !p.err)
		return CAPFILTER_YES;   /* no expression: everything */
	v = expr(&p);
	if (p.err || p.toklen != 0)
		return CAPFILTER_UNKNOWN;
	return v;
}
