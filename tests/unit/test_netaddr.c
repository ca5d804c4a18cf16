/*
 * test_netaddr.c - CUnit tests for netaddr.c: parsing IP literals from
 * untrusted text, formatting, comparison, hashing and the private-address
 * ranges.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/netaddr.h"

static struct ep
mk(const char *s, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	e.port = port;
	CU_ASSERT_EQUAL_FATAL(ep_parse_ip(&e, s, strlen(s)), 0);
	return e;
}

static void
test_parse_v4(void)
{
	struct ep e = mk("10.0.0.2", 5060);
	static const uint8_t want[16] = { 10, 0, 0, 2 };

	CU_ASSERT_EQUAL(e.family, 4);
	CU_ASSERT_EQUAL(e.port, 5060);
	CU_ASSERT_EQUAL(memcmp(e.ip, want, 16), 0);
}

/*
 * min to min + spread - 1 bytes of alpha[0..na) into s from the xorshift
 * state *x, NUL-terminated; returns the length.
 */
static size_t
rand_text(uint64_t *x, const char *alpha, size_t na, size_t min,
    size_t spread, char *s)
{
	size_t n;

	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	n = min + *x % spread;
	for (size_t k = 0; k < n; k++) {
		*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
		s[k] = alpha[*x % na];
	}
	s[n] = '\0';
	return n;
}

/* ep_parse_ip of s[0..n) gives want, and inet_pton's address a on 0. */
static void
check_v4(const char *s, size_t n, int want, const uint8_t a[4])
{
	struct ep e;

	ep_clear(&e);
	CU_ASSERT_EQUAL(ep_parse_ip(&e, s, n), want);
	if (want == 0) {
		CU_ASSERT_EQUAL(e.family, 4);
		CU_ASSERT_EQUAL(memcmp(e.ip, a, 4), 0);
	} else {
		CU_ASSERT_EQUAL(e.family, 0);
	}
}

/*
 * Dotted quads are read without inet_pton when their form leaves no
 * doubt: whatever the string, the answer must be inet_pton's.  Strings
 * of digits and dots (leading zeros, empty and long octets, values past
 * 255, too few or many octets) from a fixed generator, plus named cases.
 */
static void
test_parse_v4_as_inet_pton(void)
{
	static const char *named[] = { "0.0.0.0", "255.255.255.255", "01.2.3.4",
	    "1.02.3.4", "00.0.0.0", "1.2.3.4.", ".1.2.3.4", "1..2.3",
	    "1.2.3.4.5", "1234.1.1.1", "999.1.1.1", "256.0.0.1", "1.2.3.0255",
	    "1.2.3.00", "192.168.100.200", "9.9.9.9" };
	const char alpha[] = "0123456789..25";
	uint64_t x = 88172645463325252ULL;
	char s[24];

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) + 200000; i++) {
		const char *p = s;
		uint8_t a[4];
		int want;

		if (i < sizeof(named) / sizeof(named[0])) {
			p = named[i];
		} else {
			(void)rand_text(&x, alpha, sizeof(alpha) - 1, 7, 10, s);
		}
		want = inet_pton(AF_INET, p, a) == 1 ? 0 : -1;
		check_v4(p, strlen(p), want, a);
	}
}

/*
 * The dotted-quad reader scans a zero-padded copy of the text: stray
 * bytes (blanks, letters, NULs, which C strings cannot carry) anywhere in
 * 6 to 17 bytes must give inet_pton's answer, and -1 whenever the text
 * holds a NUL (ep_parse_ip refuses them).
 */
static void
test_parse_v4_stray_bytes(void)
{
	const char alpha[] = "0123456789...25 x\0";
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char s[24];

	for (size_t i = 0; i < 200000; i++) {
		size_t n;
		bool nul = false;
		uint8_t a[4];
		int want;

		n = rand_text(&x, alpha, sizeof(alpha) - 1, 6, 12, s);
		for (size_t k = 0; k < n; k++)
			nul |= s[k] == '\0';
		want = !nul && inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
		check_v4(s, n, want, a);
	}
}

static void
test_parse_v6(void)
{
	struct ep e = mk("[2001:db8::1]", 0);
	struct ep f = mk("2001:db8::1", 0);

	CU_ASSERT_EQUAL(e.family, 6);
	CU_ASSERT_EQUAL(e.ip[0], 0x20);
	CU_ASSERT_EQUAL(e.ip[1], 0x01);
	CU_ASSERT_EQUAL(e.ip[15], 1);
	CU_ASSERT_TRUE(ep_eq(&e, &f));
}

static void
test_parse_bad(void)
{
	static const char *bad[] = { "", "host.example.com", "10.0.0", "1.2.3.256",
	    "10.0.0.1 ", "[10.0.0.1]", "fe80::1%eth0", "[2001:db8::1", "::g",
	    "[]", "10.0.0.1:5060" };
	struct ep e;

	ep_clear(&e);
	e.port = 77;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(ep_parse_ip(&e, bad[i], strlen(bad[i])), -1);
		CU_ASSERT_EQUAL(e.family, 0);
		CU_ASSERT_EQUAL(e.port, 77);
	}
	/* Embedded NUL and overlong input. */
	CU_ASSERT_EQUAL(ep_parse_ip(&e, "10.0\0.0.1", 9), -1);
	{
		char big[200];

		memset(big, '1', sizeof(big));
		CU_ASSERT_EQUAL(ep_parse_ip(&e, big, sizeof(big)), -1);
	}
	CU_ASSERT_EQUAL(ep_parse_ip(&e, NULL, 0), -1);
	/* Length bounds the read: no terminator needed. */
	CU_ASSERT_EQUAL(ep_parse_ip(&e, "192.168.1.1XXXX", 11), 0);
	CU_ASSERT_EQUAL(e.ip[3], 1);
}

static void
test_format(void)
{
	char b[NETADDR_STRLEN];
	struct ep e = mk("10.0.0.2", 5060);
	struct ep f = mk("2001:db8::1", 5061);
	struct ep z;

	CU_ASSERT_STRING_EQUAL(ep_str(&e, b, sizeof(b)), "10.0.0.2:5060");
	CU_ASSERT_STRING_EQUAL(ep_ip_str(&e, b, sizeof(b)), "10.0.0.2");
	CU_ASSERT_STRING_EQUAL(ep_str(&f, b, sizeof(b)), "[2001:db8::1]:5061");
	CU_ASSERT_STRING_EQUAL(ep_ip_str(&f, b, sizeof(b)), "2001:db8::1");
	f.port = 0;
	CU_ASSERT_STRING_EQUAL(ep_str(&f, b, sizeof(b)), "2001:db8::1");
	ep_clear(&z);
	CU_ASSERT_STRING_EQUAL(ep_str(&z, b, sizeof(b)), "-");
	CU_ASSERT_STRING_EQUAL(ep_ip_str(&z, b, sizeof(b)), "-");
	/* Truncation keeps a terminated string. */
	CU_ASSERT_STRING_EQUAL(ep_str(&e, b, 5), "10.0");
	/* Longest form fits NETADDR_STRLEN. */
	{
		struct ep l = mk("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		    65535);

		ep_str(&l, b, sizeof(b));
		CU_ASSERT_EQUAL(b[0], '[');
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "]:65535"));
	}
}

/* The formatters as they were (inet_ntop and snprintf): the reference. */
static const char *
old_ip_str(const struct ep *e, char *buf, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *r = NULL;

	if (n == 0)
		return buf;
	if (e->family == 4)
		r = inet_ntop(AF_INET, e->ip, tmp, sizeof(tmp));
	else if (e->family == 6)
		r = inet_ntop(AF_INET6, e->ip, tmp, sizeof(tmp));
	snprintf(buf, n, "%s", r != NULL ? r : "-");
	return buf;
}

static const char *
old_str(const struct ep *e, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (n == 0)
		return buf;
	if (e->family != 4 && e->family != 6) {
		snprintf(buf, n, "-");
		return buf;
	}
	old_ip_str(e, ip, sizeof(ip));
	if (e->port == 0)
		snprintf(buf, n, "%s", ip);
	else if (e->family == 6)
		snprintf(buf, n, "[%s]:%u", ip, (unsigned)e->port);
	else
		snprintf(buf, n, "%s:%u", ip, (unsigned)e->port);
	return buf;
}

/* A random endpoint: IPv4 (bytes often 0, 9, 10, 99, 100, 255: where
 * the digit count changes), IPv6 (runs of zero words, for "::"),
 * IPv4-mapped and -compatible IPv6, other families; ports of every
 * length, 0 included. */
static struct ep
random_ep(void)
{
	static const uint8_t edge[] = { 0, 1, 9, 10, 99, 100, 199, 200, 255 };
	static const uint16_t ports[] = { 0, 1, 9, 10, 99, 100, 999, 1000,
	    5060, 9999, 10000, 65535 };
	struct ep e;
	int kind = rand() % 8;

	memset(&e, 0, sizeof(e));
	for (int i = 0; i < 16; i++)
		e.ip[i] = rand() % 2 ? edge[rand() % (int)sizeof(edge)] :
		    (uint8_t)rand();
	if (kind < 3) {
		e.family = 4;
		if (rand() % 2)
			memset(e.ip + 4, 0, 12);  /* as parsed: the rest zero */
	} else if (kind < 6) {
		e.family = 6;
		/* zero words here and there: "::" runs of any length */
		for (int w = 0; w < 8; w++)
			if (rand() % 2)
				e.ip[2 * w] = e.ip[2 * w + 1] = 0;
	} else if (kind == 6) {
		e.family = 6;
		memset(e.ip, 0, 10);
		/* ::ffff:a.b.c.d, ::a.b.c.d, or ::ffff:0:a.b.c.d-like */
		if (rand() % 3 == 0) {
			e.ip[10] = e.ip[11] = 0xff;
		} else if (rand() % 2) {
			e.ip[10] = e.ip[11] = 0;
		} else {
			e.ip[8] = e.ip[9] = 0xff;
			e.ip[10] = e.ip[11] = 0;
		}
		if (rand() % 4 == 0)
			memset(e.ip + 12, 0, rand() % 5);
	} else {
		e.family = (uint8_t)(rand() % 3 == 0 ? 0 : rand() % 256);
	}
	e.port = rand() % 2 ? ports[rand() % (int)(sizeof(ports) /
	    sizeof(ports[0]))] : (uint16_t)rand();
	return e;
}

/*
 * ep_str and ep_ip_str write what inet_ntop and snprintf wrote, for
 * random endpoints of every family and every buffer size (the cut too).
 */
static void
test_format_as_before(void)
{
	srand(20261206);
	for (int i = 0; i < 300000; i++) {
		struct ep e = random_ep();
		char a[NETADDR_STRLEN + 8], b[NETADDR_STRLEN + 8];
		size_t n = i % 4 == 0 ? (size_t)(rand() % (NETADDR_STRLEN + 2)) :
		    NETADDR_STRLEN;

		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		CU_ASSERT_PTR_EQUAL(ep_str(&e, a, n), a);
		old_str(&e, b, n);
		if (memcmp(a, b, sizeof(a)) != 0) {
			CU_FAIL("ep_str differs from inet_ntop + snprintf");
			fprintf(stderr, "family %u port %u n %zu: \"%.*s\" "
			    "\"%.*s\"\n", e.family, e.port, n, (int)n, a,
			    (int)n, b);
			break;
		}
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		CU_ASSERT_PTR_EQUAL(ep_ip_str(&e, a, n), a);
		old_ip_str(&e, b, n);
		if (memcmp(a, b, sizeof(a)) != 0) {
			CU_FAIL("ep_ip_str differs from inet_ntop + snprintf");
			break;
		}
	}
}

static void
test_compare_hash(void)
{
	struct ep a = mk("10.0.0.2", 5060), b = mk("10.0.0.2", 5062);
	struct ep c = mk("10.0.0.3", 5060), d = mk("10.0.0.2", 5060);

	CU_ASSERT_TRUE(ep_same_ip(&a, &b));
	CU_ASSERT_FALSE(ep_eq(&a, &b));
	CU_ASSERT_FALSE(ep_same_ip(&a, &c));
	CU_ASSERT_TRUE(ep_eq(&a, &d));
	CU_ASSERT_EQUAL(ep_hash(&a), ep_hash(&d));
	CU_ASSERT_NOT_EQUAL(ep_hash(&a), ep_hash(&b));
	CU_ASSERT_NOT_EQUAL(ep_hash(&a), ep_hash(&c));
	/* v4 vs v6 with the same leading bytes differ. */
	{
		struct ep v6 = mk("a00:2::", 5060);

		CU_ASSERT_FALSE(ep_same_ip(&a, &v6));
		CU_ASSERT_NOT_EQUAL(ep_hash(&a), ep_hash(&v6));
	}
}

/* ep_pair_hash: the stream table's key (src, dst, SSRC). */
static void
test_pair_hash(void)
{
	struct ep a = mk("10.0.0.2", 5060), b = mk("203.0.113.7", 20000);
	struct ep a2 = a, v6 = mk("2001:db8::7", 20000), v6b = v6;
	uint64_t h = ep_pair_hash(&a, &b, 0x1234);

	/* Bytes ep_eq() ignores (pad, ip[4..15] of IPv4) do not count. */
	a2.pad = 9;
	a2.ip[9] = 0x55;
	CU_ASSERT_TRUE(ep_eq(&a, &a2));
	CU_ASSERT_EQUAL(ep_pair_hash(&a2, &b, 0x1234), h);
	v6b.pad = 3;
	CU_ASSERT_EQUAL(ep_pair_hash(&a, &v6b, 7), ep_pair_hash(&a, &v6, 7));
	/* Order, tag, ports and addresses all count. */
	CU_ASSERT_NOT_EQUAL(ep_pair_hash(&b, &a, 0x1234), h);
	CU_ASSERT_NOT_EQUAL(ep_pair_hash(&a, &b, 0x1235), h);
	b.port++;
	CU_ASSERT_NOT_EQUAL(ep_pair_hash(&a, &b, 0x1234), h);
	b.port--;
	b.ip[3]++;
	CU_ASSERT_NOT_EQUAL(ep_pair_hash(&a, &b, 0x1234), h);
	v6b.ip[15]++;
	CU_ASSERT_NOT_EQUAL(ep_pair_hash(&a, &v6b, 7),
	    ep_pair_hash(&a, &v6, 7));
}

static void
test_private(void)
{
	static const char *priv[] = { "10.1.2.3", "172.16.0.1", "172.31.255.255",
	    "192.168.1.1", "100.64.0.1", "100.127.255.255", "127.0.0.1",
	    "169.254.10.1", "::1", "fc00::1", "fd17:625c::1", "fe80::1",
	    "febf::1", "::ffff:192.168.1.1" };
	static const char *pub[] = { "8.8.8.8", "172.15.255.255", "172.32.0.1",
	    "192.169.0.1", "100.63.255.255", "100.128.0.1", "169.253.1.1",
	    "2001:db8::1", "fec0::1", "::ffff:8.8.8.8", "::2", "11.0.0.1" };
	struct ep z;

	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		struct ep e = mk(priv[i], 0);

		if (!ep_is_private(&e))
			fprintf(stderr, "expected private: %s\n", priv[i]);
		CU_ASSERT_TRUE(ep_is_private(&e));
	}
	for (size_t i = 0; i < sizeof(pub) / sizeof(pub[0]); i++) {
		struct ep e = mk(pub[i], 0);

		if (ep_is_private(&e))
			fprintf(stderr, "expected public: %s\n", pub[i]);
		CU_ASSERT_FALSE(ep_is_private(&e));
	}
	ep_clear(&z);
	CU_ASSERT_FALSE(ep_is_private(&z));
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("netaddr", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "parse v4", test_parse_v4) == NULL ||
	    CU_add_test(s, "parse v4 as inet_pton", test_parse_v4_as_inet_pton) ==
	    NULL ||
	    CU_add_test(s, "parse v6", test_parse_v6) == NULL ||
	    CU_add_test(s, "parse bad", test_parse_bad) == NULL ||
	    CU_add_test(s, "format", test_format) == NULL ||
	    CU_add_test(s, "format as inet_ntop + snprintf",
	    test_format_as_before) == NULL ||
	    CU_add_test(s, "compare and hash", test_compare_hash) == NULL ||
	    CU_add_test(s, "pair hash", test_pair_hash) == NULL ||
	    CU_add_test(s, "private ranges", test_private) == NULL ||
	    CU_add_test(s, "dotted quad with stray bytes",
	    test_parse_v4_stray_bytes) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
