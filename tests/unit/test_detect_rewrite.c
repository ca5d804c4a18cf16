/*
 * test_detect_rewrite.c - alg_rewrite_evidence (analyzer/detect/detect_rewrite.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * alg_rewrite_evidence and the ALG verdict: public fields beside
 * private residue, Content-Length not matching the body, received=
 * restored to the phone's own address.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_rewrite_residue(void)
{
	struct tb b;
	struct detect_verdict v;
	char body[512];

	/* Outside view of an ALG-rewritten INVITE: Via, Contact, c= public
	 * (= source), a=rtcp and Call-ID still private. */
	tb_init(&b);
	snprintf(body, sizeof(body), "v=0\no=- 1 1 IN IP4 203.0.113.9\ns=-\n"
	    "c=IN IP4 203.0.113.9\nt=0 0\nm=audio 6000 RTP/AVP 8\n"
	    "a=rtcp:6001 IN IP4 10.0.0.2\n");
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKa\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: 1-2@10.0.0.2\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@203.0.113.9:5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	CU_ASSERT(v.nstrongest >= 1);
	tb_free(&b);

	/* A STUN-aware UA: everything public, Call-ID random: silent. */
	tb_init(&b);
	snprintf(body, sizeof(body), "v=0\no=- 1 1 IN IP4 203.0.113.9\ns=-\n"
	    "c=IN IP4 203.0.113.9\nt=0 0\nm=audio 6000 RTP/AVP 8\n");
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKa\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: a8f7e6d5c4\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@203.0.113.9:5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNKNOWN);
	tb_free(&b);
}

static void
test_rewrite_content_length_and_received(void)
{
	struct tb b;
	struct detect_verdict v;

	/* Content-Length 200 for a shorter body. */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, 200,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: cl1\nCSeq: 1 OPTIONS\nContent-Type: text/plain\n\n"
	    "hello\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	tb_free(&b);

	/* Inside capture: a public server's response with received= equal
	 * to the phone's own private address. */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: rc1\nCSeq: 1 OPTIONS\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport=5060;received=" PH
	    ";branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: rc1\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	CU_ASSERT(v.score >= 2.0);
	tb_free(&b);

	/* received= showing the public NAT address: no ALG sign. */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: rc2\nCSeq: 1 OPTIONS\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport=1024;received=203.0.113.9"
	    ";branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: rc2\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "rewrite residue", test_rewrite_residue },
		{ "content-length, received=", test_rewrite_content_length_and_received },
		{ NULL, NULL }
	};

	return detect_test_main("detect_rewrite", tests);
}
