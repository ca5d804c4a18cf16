/*
 * test_algrule.c - CUnit tests for the per-field ALG rules (alg/algrule.h):
 * the header table (full and compact names, any case), what each knob
 * makes of a field (the Linux defaults, address-only matching, Contact
 * behind Record-Route without contact_fixup, Via on every value), and the
 * scanners (URIs as an ALG finds them, host:port, the REGISTER Contact
 * port, where the SDP starts).
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "alg/algrule.h"
#include "alg/profile.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static void
test_headers(void)
{
	CU_ASSERT_EQUAL(algrule_header(S("Via")), ALGRULE_VIA);
	CU_ASSERT_EQUAL(algrule_header(S("v")), ALGRULE_VIA);
	CU_ASSERT_EQUAL(algrule_header(S("CONTACT")), ALGRULE_CONTACT);
	CU_ASSERT_EQUAL(algrule_header(S("m")), ALGRULE_CONTACT);
	CU_ASSERT_EQUAL(algrule_header(S("i")), ALGRULE_CALL_ID);
	CU_ASSERT_EQUAL(algrule_header(S("Record-Route")), ALGRULE_RECORD_ROUTE);
	CU_ASSERT_EQUAL(algrule_header(S("l")), ALGRULE_CONTENT_LENGTH);
	CU_ASSERT_EQUAL(algrule_header(S("Subject")), -1);
	CU_ASSERT_EQUAL(algrule_header(S("Vias")), -1);
	CU_ASSERT_TRUE(algrule_header_known(S("Max-Forwards")));
	CU_ASSERT_FALSE(algrule_header_known(S("X-Custom")));
	CU_ASSERT_TRUE(algrule_method_known(S("INVITE")));
	CU_ASSERT_FALSE(algrule_method_known(S("invite")));
	CU_ASSERT_FALSE(algrule_method_known(S("FROB")));
	CU_ASSERT_STRING_EQUAL(algrule_knob(ALGRULE_FROM), "rewrite_from_to");
}

static void
test_rules(void)
{
	struct sim_cfg c;
	struct algrule r;

	profile_defaults(&c);
	/* Linux: Contact every value, exact address:port */
	algrule_get(&c, ALGRULE_CONTACT, false, &r);
	CU_ASSERT_TRUE(r.on);
	CU_ASSERT_TRUE(r.port_match);
	CU_ASSERT_EQUAL(r.max_uris, ALGRULE_ALL_URIS);
	algrule_get(&c, ALGRULE_FROM, false, &r);
	CU_ASSERT_TRUE(r.on && r.port_match && r.first_header);
	CU_ASSERT_EQUAL(r.max_uris, 1);
	algrule_get(&c, ALGRULE_CALL_ID, false, &r);
	CU_ASSERT_FALSE(r.on);
	algrule_get(&c, ALGRULE_VIA, false, &r);
	CU_ASSERT_TRUE(r.on && r.port_match && !r.all_values);
	CU_ASSERT_EQUAL(r.via_params, VIA_PARAM_RECEIVED | VIA_PARAM_RPORT |
	    VIA_PARAM_MADDR);
	/* "always" From/To and no port match: the address alone */
	c.rewrite_from_to = RW_FROMTO_ALWAYS;
	c.require_port_match = false;
	algrule_get(&c, ALGRULE_FROM, false, &r);
	CU_ASSERT_TRUE(r.on && !r.port_match);
	/* first_match keeps the port only when require_port_match says so */
	c.rewrite_from_to = RW_FROMTO_FIRST;
	algrule_get(&c, ALGRULE_TO, false, &r);
	CU_ASSERT_FALSE(r.port_match);
	/* Contact behind Record-Route without contact_fixup: left */
	c.contact_fixup = false;
	algrule_get(&c, ALGRULE_CONTACT, true, &r);
	CU_ASSERT_FALSE(r.on);
	algrule_get(&c, ALGRULE_CONTACT, false, &r);
	CU_ASSERT_TRUE(r.on);
	c.rewrite_contact = RW_CONTACT_FIRST;
	algrule_get(&c, ALGRULE_CONTACT, false, &r);
	CU_ASSERT_EQUAL(r.max_uris, 1);
	c.rewrite_via = RW_VIA_ALL;
	algrule_get(&c, ALGRULE_VIA, false, &r);
	CU_ASSERT_TRUE(r.all_values);
	c.rewrite_ruri = RW_RURI_IP;
	algrule_get(&c, ALGRULE_RURI, false, &r);
	CU_ASSERT_TRUE(r.on && !r.port_match);
}

static void
test_scanners(void)
{
	const char *v = "\"x sip:a@1.2.3.4\" <sip:b@10.0.0.2:5062;lr>, xsip:c@1.1.1.1, <SIP:[2001:db8::1]:5060>";
	struct algrule_uri u;
	size_t hl, pl;
	struct ep e;

	/* inside the quoted display name too: an ALG does not parse quotes */
	CU_ASSERT_TRUE_FATAL(algrule_uri_find(S(v), 0, &u));
	CU_ASSERT_EQUAL(strncmp(v + u.host, "1.2.3.4\"", 8), 0);
	CU_ASSERT_TRUE_FATAL(algrule_uri_find(S(v), u.end, &u));
	CU_ASSERT_EQUAL(strncmp(v + u.host, "10.0.0.2:5062;", 14), 0);
	CU_ASSERT_TRUE(algrule_hostport((const uint8_t *)v + u.host,
	    u.end - u.host, &hl, &pl, &e));
	CU_ASSERT_EQUAL(hl, 8);
	CU_ASSERT_EQUAL(pl, 5);
	CU_ASSERT_EQUAL(e.port, 5062);
	/* "xsip:" is skipped; "SIP:" is found */
	CU_ASSERT_TRUE_FATAL(algrule_uri_find(S(v), u.end, &u));
	CU_ASSERT_EQUAL(strncmp(v + u.host, "[2001:db8::1]:5060>", 19), 0);
	CU_ASSERT_TRUE(algrule_hostport((const uint8_t *)v + u.host,
	    u.end - u.host, &hl, &pl, &e));
	CU_ASSERT_EQUAL(e.family, 6);
	CU_ASSERT_FALSE(algrule_uri_find(S(v), u.end, &u));
	/* no port: 5060; a host name is not an address */
	CU_ASSERT_TRUE(algrule_hostport(S("10.0.0.2"), &hl, &pl, &e));
	CU_ASSERT_EQUAL(pl, 0);
	CU_ASSERT_EQUAL(e.port, 5060);
	CU_ASSERT_FALSE(algrule_hostport(S("pbx.example"), &hl, &pl, &e));
	CU_ASSERT_FALSE(algrule_hostport(S("10.0.0.2:"), &hl, &pl, &e));
	CU_ASSERT_TRUE(algrule_contact_has_port(S("<sip:a@10.0.0.2:5060>")));
	CU_ASSERT_FALSE(algrule_contact_has_port(S("<sip:a@10.0.0.2>")));
	CU_ASSERT_FALSE(algrule_contact_has_port(S("<sip:a@[2001:db8::1]>")));
	CU_ASSERT_TRUE(algrule_contact_has_port(S("*")));
	CU_ASSERT_EQUAL(algrule_sdp_start(S("v=0\r\n")), 0);
	CU_ASSERT_EQUAL(algrule_sdp_start(S("--b\r\n\r\nv=0\r\n")), 7);
	CU_ASSERT_EQUAL(algrule_sdp_start(S("hello v=0")), (size_t)-1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("algrule", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "header table", test_headers) ||
	    !CU_add_test(s, "knobs to rules", test_rules) ||
	    !CU_add_test(s, "scanners", test_scanners)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
