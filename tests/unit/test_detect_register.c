/*
 * test_detect_register.c - registration_failure (analyzer/detect/detect_register.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * registration_failure: challenge loops, Contact port churn, and
 * refresh intervals against the NAT UDP timeout presets.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
reg(struct tb *b, int64_t t, int cseq, uint16_t cport, bool auth,
    int status, const char *reason)
{
	tb_add(b, t, PH, cport, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":%u;branch=z9hG4bKr%d\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">\n"
	    "Call-ID: reg1\nCSeq: %d REGISTER\n"
	    "Contact: <sip:phone@" PH ":%u>\nExpires: 300\n%s\n",
	    cport, cseq, cseq, cport, auth ?
	    "Authorization: Digest username=\"phone\", uri=\"sip:x\"\n" : "");
	if (status > 0)
		tb_add(b, t + 20 * MS, SV, 5060, PH, cport, -1,
		    "SIP/2.0 %d %s\n"
		    "Via: SIP/2.0/UDP " PH ":%u;branch=z9hG4bKr%d\n"
		    "From: <sip:phone@" SV ">;tag=r1\n"
		    "To: <sip:phone@" SV ">;tag=x\n"
		    "Call-ID: reg1\nCSeq: %d REGISTER\n\n", status, reason, cport,
		    cseq, cseq);
}

static void
test_registration(void)
{
	struct tb b;

	/* Normal: challenge, credentials, 200; refreshed every 300 s. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, false, 401, "Unauthorized");
	reg(&b, T0 + SEC, 2, 5060, true, 200, "OK");
	reg(&b, T0 + 300 * SEC, 3, 5060, true, 200, "OK");
	reg(&b, T0 + 600 * SEC, 4, 5060, true, 200, "OK");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* Credentials challenged again twice: a loop. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, false, 401, "Unauthorized");
	reg(&b, T0 + SEC, 2, 5060, true, 401, "Unauthorized");
	reg(&b, T0 + 2 * SEC, 3, 5060, true, 401, "Unauthorized");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "registration_failure"), 1);
	tb_free(&b);

	/* Only once (stale nonce): silent. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, false, 401, "Unauthorized");
	reg(&b, T0 + SEC, 2, 5060, true, 401, "Unauthorized");
	reg(&b, T0 + 2 * SEC, 3, 5060, true, 200, "OK");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* Contact port churning between refreshes of one binding. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, true, 200, "OK");
	reg(&b, T0 + 300 * SEC, 2, 1024, true, 200, "OK");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "registration_failure"), 1);
	tb_free(&b);
}

/* registration_failure: refresh interval against NAT timeouts. */
static void
refresh_case(int expires, int second_after_s, bool keepalive,
    double want_conf, const char *want_sum)
{
	struct tb b;
	const struct finding *f;
	struct ep ph = mkep(NAT, 5060), sv = mkep(SV, 5060);

	tb_init(&b);
	reg_out(&b, T0, "rf", 1, expires);
	if (second_after_s > 0)
		reg_out(&b, T0 + second_after_s * SEC, "rf", 2, expires);
	if (keepalive)
		detect_keepalive(b.s.dt, &ph, &sv, T0 + 10 * SEC);
	tb_finish(&b);
	/* A risk, not a failure: an advisory, never a finding. */
	CU_ASSERT_PTR_NULL(find_in(of(&b, "rf"), "registration_failure",
	    "keepalive"));
	f = adv_in(of(&b, "rf"), "registration_failure", "keepalive");
	if (want_conf < 0) {
		CU_ASSERT_PTR_NULL(f);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_DOUBLE_EQUAL(f->confidence, want_conf, 1e-9);
		CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, want_sum));
		CU_ASSERT_PTR_NOT_NULL(ev_of(f, "NAT"));
		CU_ASSERT_PTR_NOT_NULL(ev_of(f, "keepalives"));
		CU_ASSERT_PTR_NOT_NULL(ev_of(f, second_after_s > 0 ?
		    "refresh interval" : "expires granted"));
	}
	tb_free(&b);
}

static void
test_registration_refresh(void)
{
	struct tb b;

	refresh_case(30, 0, false, -1, NULL);
	refresh_case(31, 0, false, 0.4, "granted a registration of 31 s");
	refresh_case(60, 0, false, 0.4, "30 s Linux conntrack UDP timeout");
	refresh_case(61, 0, false, 0.5, "60 s consumer-router");
	refresh_case(3600, 0, false, 0.5, "180 s FortiGate");
	refresh_case(3600, 0, true, -1, NULL);
	/* Two refreshes: the interval counts, not the granted expiry. */
	refresh_case(3600, 25, false, -1, NULL);
	refresh_case(3600, 45, false, 0.4, "only every 45 s");
	refresh_case(3600, 45, true, -1, NULL);

	/* Inside view (private source to a public registrar): the NAT is
	 * shown, an advisory; still no finding. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, true, 200, "OK");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	CU_ASSERT_PTR_NOT_NULL(adv_in(&b.s.f, "registration_failure",
	    "granted a registration of 300 s"));
	tb_free(&b);

	/* A phone with a public address of its own: no NAT, silent. */
	tb_init(&b);
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " NAT ":5060;branch=z9hG4bKpub\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">\n"
	    "Call-ID: pub\nCSeq: 1 REGISTER\nExpires: 3600\n"
	    "Contact: <sip:phone@" NAT ":5060>\n\n");
	tb_add(&b, T0 + 20 * MS, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " NAT ":5060;branch=z9hG4bKpub\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">;tag=x\n"
	    "Call-ID: pub\nCSeq: 1 REGISTER\nExpires: 3600\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* Public Via and Contact, but the registrar saw another address. */
	tb_init(&b);
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKrc\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">\n"
	    "Call-ID: rc\nCSeq: 1 REGISTER\nExpires: 600\n"
	    "Contact: <sip:phone@192.0.2.50:5060>\n\n");
	tb_add(&b, T0 + 20 * MS, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKrc;received=" NAT "\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">;tag=x\n"
	    "Call-ID: rc\nCSeq: 1 REGISTER\nExpires: 600\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "registration_failure"), 0);
	CU_ASSERT_EQUAL_FATAL(b.s.f.nadv, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.s.f.adv[0].ev[0].value,
	    "the registrar saw it from " NAT));
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "registration", test_registration },
		{ "registration refresh vs NAT", test_registration_refresh },
		{ NULL, NULL }
	};

	return detect_test_main("detect_register", tests);
}
