/*
 * test_capfilter.c - CUnit tests for capfilter.c: recorded libpcap
 * filters judged on one RTP datagram (yes, no, unknown).
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "ingest/capfilter.h"

static struct ep src, dst;

static enum capfilter_verdict
judge(const char *f)
{
	return capfilter_udp(f, strlen(f), &src, &dst);
}

static void
setup(const char *a, unsigned ap, const char *b, unsigned bp)
{
	CU_ASSERT_EQUAL_FATAL(ep_parse_ip(&src, a, strlen(a)), 0);
	CU_ASSERT_EQUAL_FATAL(ep_parse_ip(&dst, b, strlen(b)), 0);
	src.port = (uint16_t)ap;
	dst.port = (uint16_t)bp;
}

static void
test_sip_only(void)
{
	setup("10.0.0.2", 6000, "198.51.100.2", 6002);
	CU_ASSERT_EQUAL(judge("port 5060"), CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("udp port 5060 or tcp port 5060"),
	    CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("portrange 5060-5061"), CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("port 5060 or port 5070 or port 5080"),
	    CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("host 198.51.100.2 and port 5060"),
	    CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("(udp port 5060) || (tcp && port 5061)"),
	    CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("tcp"), CAPFILTER_NO);
	/* a term we do not read does not save an 'and' with a no */
	CU_ASSERT_EQUAL(judge("port 5060 and less 1500"), CAPFILTER_NO);
}

static void
test_media_passes(void)
{
	setup("10.0.0.2", 6000, "198.51.100.2", 6002);
	CU_ASSERT_EQUAL(judge(""), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("   "), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("ip"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("udp"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("not port 22"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("port 5060 or udp portrange 6000-6999"),
	    CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("host 10.0.0.2"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("net 10.0.0.0/8"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("net 10"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("src host 10.0.0.2 and dst port 6002"),
	    CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("src or dst host 198.51.100.2"), CAPFILTER_YES);
	CU_ASSERT_EQUAL(judge("ip6"), CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("dst host 10.0.0.2"), CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("src and dst net 10.0.0.0/8"), CAPFILTER_NO);
	CU_ASSERT_EQUAL(judge("!udp"), CAPFILTER_NO);
}

static void
test_unknown(void)
{
	setup("10.0.0.2", 6000, "198.51.100.2", 6002);
	CU_ASSERT_EQUAL(judge("host sip.example.com"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("port sip"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("vlan and udp"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("udp[8:2] = 0x8000"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("port 5060 or less 200"), CAPFILTER_UNKNOWN);
	/* syntax errors */
	CU_ASSERT_EQUAL(judge("port"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("(udp"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("udp and"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("udp & tcp"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("port 99999"), CAPFILTER_UNKNOWN);
	CU_ASSERT_EQUAL(judge("net 10.0.0.0/99"), CAPFILTER_UNKNOWN);
	/* not NUL-terminated: only len bytes are read */
	CU_ASSERT_EQUAL(capfilter_udp("port 5060 or udp", 9, &src, &dst),
	    CAPFILTER_NO);
	/* deep nesting is bounded */
	{
		char deep[400];

		memset(deep, '(', sizeof(deep));
		CU_ASSERT_EQUAL(capfilter_udp(deep, sizeof(deep), &src, &dst),
		    CAPFILTER_UNKNOWN);
		memset(deep, '!', sizeof(deep));
		CU_ASSERT_EQUAL(capfilter_udp(deep, sizeof(deep), &src, &dst),
		    CAPFILTER_UNKNOWN);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("capfilter", NULL, NULL);
	if (s == NULL || CU_add_test(s, "SIP only", test_sip_only) == NULL ||
	    CU_add_test(s, "media passes", test_media_passes) == NULL ||
	    CU_add_test(s, "unknown", test_unknown) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
