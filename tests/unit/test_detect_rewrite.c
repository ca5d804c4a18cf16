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

/* Content-Length 200 for a shorter body (Call-ID cl1). */
static void
add_cl_off(struct tb *b)
{
	tb_add(b, T0, PH, 5060, SV, 5060, 200,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: cl1\nCSeq: 1 OPTIONS\nContent-Type: text/plain\n\n"
	    "hello\n");
}

/* The phone's OPTIONS to the server, asking for rport. */
static void
add_options(struct tb *b, const char *cid)
{
	tb_add(b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: %s\nCSeq: 1 OPTIONS\n\n", cid);
}

/* The public server's answer to add_options(b, "rc1") with received=
 * equal to the phone's own private address. */
static void
add_restored(struct tb *b)
{
	tb_add(b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport=5060;received=" PH
	    ";branch=z9hG4bKo\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: rc1\nCSeq: 1 OPTIONS\n\n");
}

/* Notes every message of b's dialog as the analysis does as they
 * arrive (detect_msg_memo), and checks each memo bit against the
 * message. */
static void
memo_all(struct tb *b)
{
	for (size_t i = 0; i < b->d->nmsgs; i++) {
		const struct dmsg *m = &b->d->msgs[i];
		uint8_t f;

		detect_msg_memo(b->d, m);
		f = m->side_memo;
		CU_ASSERT((f & DMSG_MEMO_FACTS) != 0);
		CU_ASSERT(((f & DMSG_MEMO_TO_TAG) != 0) ==
		    (m->m->to_tag[0] != '\0'));
		CU_ASSERT((f & DMSG_MEMO_SIDE) != 0);
		CU_ASSERT(((f & DMSG_MEMO_RECEIVED) != 0) ==
		    detect_received_set(m->m));
		CU_ASSERT(((f & DMSG_MEMO_CL_OFF) != 0) ==
		    detect_content_length_off(m, NULL));
		CU_ASSERT(((f & DMSG_MEMO_SRC_PRIV) != 0) ==
		    ep_is_private(&m->src));
	}
}

/*
 * The memo filled as messages arrive answers as the messages do: the
 * Content-Length and received= findings come out the same, and the
 * bits are set exactly where the messages say so.
 */
static void
test_rewrite_memo(void)
{
	struct tb b;
	struct detect_verdict v;

	tb_init(&b);
	add_cl_off(&b);
	memo_all(&b);
	CU_ASSERT(detect_msg_cl_off(&b.d->msgs[0]));
	CU_ASSERT(!detect_msg_received(&b.d->msgs[0]));
	CU_ASSERT(detect_from_caller(b.d, &b.d->msgs[0]));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	tb_free(&b);

	tb_init(&b);
	add_options(&b, "rc1");
	memo_all(&b);
	add_restored(&b);
	memo_all(&b);
	CU_ASSERT(!detect_msg_cl_off(&b.d->msgs[1]));
	CU_ASSERT(detect_msg_received(&b.d->msgs[1]));
	CU_ASSERT(!detect_msg_received(&b.d->msgs[0]));
	CU_ASSERT(!detect_from_caller(b.d, &b.d->msgs[1]));
	CU_ASSERT(detect_msg_to_tag(&b.d->msgs[1]));
	CU_ASSERT(!detect_msg_to_tag(&b.d->msgs[0]));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);
}

static void
test_rewrite_content_length_and_received(void)
{
	struct tb b;
	struct detect_verdict v;

	/* Content-Length 200 for a shorter body. */
	tb_init(&b);
	add_cl_off(&b);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	tb_free(&b);

	/* Inside capture: a public server's response with received= equal
	 * to the phone's own private address. */
	tb_init(&b);
	add_options(&b, "rc1");
	add_restored(&b);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	CU_ASSERT(v.score >= 2.0);
	tb_free(&b);

	/* received= showing the public NAT address: no ALG sign. */
	tb_init(&b);
	add_options(&b, "rc2");
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

/*
 * A phone that writes its public address itself (STUN, an external
 * address setting): everything public but the Call-ID host and o=.
 * Opaque tokens are no evidence by themselves: no finding, and the
 * verdict stays unknown.
 */
static void
test_rewrite_opaque_only(void)
{
	struct tb b;
	struct detect_verdict v;
	char body[512];

	tb_init(&b);
	snprintf(body, sizeof(body), "v=0\no=- 1 1 IN IP4 10.0.0.2\ns=-\n"
	    "c=IN IP4 " NAT "\nt=0 0\nm=audio 6000 RTP/AVP 8\n");
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " NAT ":5060;branch=z9hG4bKstun1\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: 1a881451@10.0.0.2\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@" NAT ":5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNKNOWN);
	tb_free(&b);
}

/*
 * Inside capture: the phone wrote its public address in Via; the
 * response comes back with the private one.  Only a box on the path
 * changes a Via of one branch: proof, verdict likely, per device.
 */
static void
test_rewrite_via_branch(void)
{
	struct tb b;
	struct detect_verdict v;

	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " NAT ":5060;rport;branch=z9hG4bKvia1\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: vb1\nCSeq: 1 OPTIONS\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKvia1\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: vb1\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	CU_ASSERT_TRUE(v.nat);
	CU_ASSERT_TRUE(v.ndevices >= 1);
	CU_ASSERT_EQUAL(v.devices[0].alg, DETECT_ALG_LIKELY);
	tb_free(&b);

	/* The same branch with the same sent-by: nothing. */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKvia2\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: vb2\nCSeq: 1 OPTIONS\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport=5060;branch=z9hG4bKvia2\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: vb2\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);

	/*
	 * check_via_branch leaves a dialog without a private and a public
	 * sent-by at once: a loopback sent-by is neither, so with the
	 * private one it pairs with nothing ...
	 */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKvia3\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: vb3\nCSeq: 1 OPTIONS\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKvia3\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: vb3\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	tb_free(&b);

	/* ... and the public one found in a second Via, in either
	 * message, still pairs. */
	for (int later = 0; later < 2; later++) {
		tb_init(&b);
		tb_add(&b, T0, PH, 5060, SV, 5060, -1,
		    "OPTIONS sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKvia4\n"
		    "%s"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV
		    ">\nCall-ID: vb4\nCSeq: 1 OPTIONS\n\n",
		    later ? PH : "127.0.0.1", later ? "" :
		    "Via: SIP/2.0/UDP " NAT ":5060;branch=z9hG4bKvia5\n");
		tb_add(&b, T0 + 10 * MS, SV, 5060, PH, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s\n"
		    "%s"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV
		    ">;tag=s\nCall-ID: vb4\nCSeq: 1 OPTIONS\n\n",
		    later ? "127.0.0.1" : PH, later ? "via6" : "via5",
		    later ? "Via: SIP/2.0/UDP " NAT
		    ":5060;branch=z9hG4bKvia4\n" : "");
		tb_finish(&b);
		CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
		tb_free(&b);
	}
}

#define REQ(m, cseq, branch, host) \
	m " sip:server@" SV " SIP/2.0\n" \
	"Via: SIP/2.0/TCP " host ":5060;branch=" branch "\n" \
	"From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n" \
	"Call-ID: inc1\nCSeq: " cseq "\n" \
	"Contact: <sip:phone@" host ":5060;transport=tcp>\n\n"

/*
 * Outside view: the INVITE leaves untranslated (private Via/Contact, a
 * message split over TCP segments the ALG did not parse), the ACK and
 * BYE from the same sender translated: strong evidence.  The untranslated
 * message is counter-evidence on the same device, which the proof
 * outweighs.
 */
static void
test_rewrite_inconsistent(void)
{
	struct tb b;
	struct detect_verdict v;

	tb_init(&b);
	tb_add(&b, T0, NAT, 40000, SV, 5060, -1, REQ("INVITE", "1 INVITE",
	    "z9hG4bKinv", PH));
	tb_add(&b, T0 + 50 * MS, SV, 5060, NAT, 40000, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/TCP " PH ":5060;branch=z9hG4bKinv\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: inc1\nCSeq: 1 INVITE\n"
	    "Contact: <sip:server@" SV ":5060>\n\n");
	tb_add(&b, T0 + 60 * MS, NAT, 40000, SV, 5060, -1, REQ("ACK", "1 ACK",
	    "z9hG4bKack", NAT));
	tb_add(&b, T0 + 3 * SEC, NAT, 40000, SV, 5060, -1, REQ("BYE", "2 BYE",
	    "z9hG4bKbye", NAT));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	CU_ASSERT_TRUE(v.ndevices >= 1 && v.devices[0].against > 0);
	tb_free(&b);

	/* The same untranslated all along: ALG unlikely, no finding. */
	tb_init(&b);
	tb_add(&b, T0, NAT, 40000, SV, 5060, -1, REQ("INVITE", "1 INVITE",
	    "z9hG4bKinv", PH));
	tb_add(&b, T0 + 60 * MS, NAT, 40000, SV, 5060, -1, REQ("ACK", "1 ACK",
	    "z9hG4bKack", PH));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
	tb_free(&b);
}

/*
 * A proxy forwarding the phone's request (its own Via on top) and the
 * callee's response from one address: another's Contact in each, no
 * inconsistency of one sender.
 */
static void
test_rewrite_proxy_not_inconsistent(void)
{
	struct tb b;

	tb_init(&b);
	tb_add(&b, T0, SV, 5070, OTHER, 5060, -1,
	    "INVITE sip:callee@" OTHER " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5070;branch=z9hG4bKprx\n"
	    "Via: SIP/2.0/UDP " PH ":5060;received=" NAT ";branch=z9hG4bKph\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:callee@" OTHER ">\n"
	    "Call-ID: prx1\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@" PH ":5060>\n\n");
	tb_add(&b, T0 + 10 * MS, SV, 5070, OTHER, 5060, -1,
	    "INFO sip:callee@" OTHER " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5070;branch=z9hG4bKprx2\n"
	    "Via: SIP/2.0/UDP " PH ":5060;received=" NAT ";branch=z9hG4bKph2\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:callee@" OTHER ">;tag=c\n"
	    "Call-ID: prx1\nCSeq: 2 INFO\n"
	    "Contact: <sip:server@" SV ":5070>\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 0);
	tb_free(&b);
}

/*
 * No NAT boundary (both ends public): a finding is still reported, but
 * neither its explanation nor its fix blames an ALG.
 */
static void
test_rewrite_no_nat_no_blame(void)
{
	struct tb b;
	const struct finding *f;
	struct detect_verdict v;

	tb_init(&b);
	for (int i = 0; i < 3; i++) {
		tb_add(&b, T0 + i * SEC, OTHER, 5060, SV, 5060, -1,
		    "REGISTER sip:" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " OTHER ":5060;branch=z9hG4bKreg%d\n"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:phone@" SV ">\n"
		    "Call-ID: nonat1\nCSeq: %d REGISTER\n"
		    "Contact: <sip:phone@" OTHER ":5060>\n%s\n", i, i + 1,
		    i ? "Authorization: Digest username=\"p\", uri=\"sip:x\"\n" :
		    "");
		tb_add(&b, T0 + i * SEC + 20 * MS, SV, 5060, OTHER, 5060, -1,
		    "SIP/2.0 401 Unauthorized\n"
		    "Via: SIP/2.0/UDP " OTHER ":5060;branch=z9hG4bKreg%d\n"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:phone@" SV ">;tag=s\n"
		    "Call-ID: nonat1\nCSeq: %d REGISTER\n\n", i, i + 1);
	}
	tb_finish(&b);
	f = get(&b, "registration_failure");
	CU_ASSERT_FATAL(f->confidence > 0);
	CU_ASSERT_PTR_NULL(strstr(f->remediation, "ALG"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->explanation, "No NAT boundary"));
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_FALSE(v.nat);
	tb_free(&b);
}

/*
 * A partial rewrite: the INVITE's Via and Contact name the public address
 * it comes from while its Call-ID (written by the phone) and c= stay
 * private, as the Linux helper leaves a c= that is not the sender's own
 * address (sip_direct_media=1) or skips the body after a leading CRLF.
 * The private c= is no sign that nothing rewrote the message: the verdict
 * must not say "unlikely".  The same private c= relayed by a B2BUA under
 * its own Call-ID still counts against an ALG.
 */
static void
test_rewrite_partial_not_untranslated(void)
{
	struct tb b;
	struct detect_verdict v;
	char body[512];

	snprintf(body, sizeof(body), "v=0\no=- 1 1 IN IP4 10.0.0.4\ns=-\n"
	    "c=IN IP4 10.0.0.4\nt=0 0\nm=audio 6000 RTP/AVP 8\n");
	tb_init(&b);
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKa\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: 1-2@10.0.0.2\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@203.0.113.9:5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
	tb_free(&b);

	tb_init(&b);
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKa\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: b2b-77aa@203.0.113.9\nCSeq: 1 INVITE\n"
	    "Contact: <sip:phone@203.0.113.9:5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
	tb_free(&b);
}

/*
 * The Via every request and response carries, of any method (issue 16.1,
 * samples/linux-alg nat-ports-alg-off: OPTIONS only, ALG off): a NATed
 * phone's private sent-by on the public side is untranslated, as its
 * private Contact is (an ALG translates the top Via of what it passes);
 * a response to the public mapping shows its request's.  Not when the
 * request names the public source elsewhere (a phone's external-address
 * setting), not a proxy's request (its Via above the phone's), not
 * inside.
 */
static void
test_rewrite_via_any_method(void)
{
	static const char *methods[] = { "OPTIONS", "REGISTER", "SUBSCRIBE",
	    "NOTIFY", "MESSAGE", "INFO", "PUBLISH" };
	struct tb b;
	struct detect_verdict v;
	struct ep nat = mkep(NAT, 5062);

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		/* The request, outside. */
		tb_init(&b);
		tb_add(&b, T0, NAT, 5062, SV, 5060, -1,
		    "%s sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKany%zu\n"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
		    "Call-ID: any%zu\nCSeq: 1 %s\n\n", methods[i], i, i,
		    methods[i]);
		tb_finish(&b);
		CU_ASSERT_EQUAL(b.s.f.n, 0);
		detect_verdict_get(b.s.dt, &v);
		CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
		CU_ASSERT_TRUE(v.nat);
		CU_ASSERT_EQUAL_FATAL(v.ndevices, 1);
		CU_ASSERT_TRUE(ep_eq(&v.devices[0].key, &nat));
		CU_ASSERT_EQUAL_FATAL(v.nstrongest, 1);
		CU_ASSERT_STRING_EQUAL(v.strongest[0].field, "Via");
		tb_free(&b);

		/* Only its response seen (a one-way filter): the same. */
		tb_init(&b);
		tb_add(&b, T0, SV, 5060, NAT, 5062, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":5060;rport=5062;received=" NAT
		    ";branch=z9hG4bKany%zu\n"
		    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV
		    ">;tag=s\nCall-ID: anyr%zu\nCSeq: 1 %s\n\n", i, i,
		    methods[i]);
		tb_finish(&b);
		detect_verdict_get(b.s.dt, &v);
		CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
		CU_ASSERT_EQUAL_FATAL(v.ndevices, 1);
		CU_ASSERT_TRUE(ep_eq(&v.devices[0].key, &nat));
		tb_free(&b);
	}

	/* Inside: the phone's own view, no NAT crossed yet. */
	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "OPTIONS sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKin\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: in1\nCSeq: 1 OPTIONS\n\n");
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNKNOWN);
	tb_free(&b);

	/* A phone that writes its public Contact itself and leaves its Via:
	 * not a message that crossed untranslated. */
	tb_init(&b);
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "SUBSCRIBE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKext\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">\n"
	    "Call-ID: ext1\nCSeq: 1 SUBSCRIBE\n"
	    "Contact: <sip:phone@" NAT ":5060>\n\n");
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
	tb_free(&b);

	/* A public proxy relaying it: its own Via on top. */
	tb_init(&b);
	tb_add(&b, T0, SV, 5060, OTHER, 5060, -1,
	    "MESSAGE sip:callee@" OTHER " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKprxm\n"
	    "Via: SIP/2.0/UDP " PH ":5060;received=" NAT ";branch=z9hG4bKphm\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:callee@" OTHER ">\n"
	    "Call-ID: prxm1\nCSeq: 1 MESSAGE\n\n");
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_NOT_EQUAL(v.alg, DETECT_ALG_UNLIKELY);
	tb_free(&b);
}

/*
 * The "for" side in the same class: a NOTIFY seen inside and outside
 * (captures of both sides together) with Contact and Via translated from
 * the private sender to the public one is proof, as an INVITE is.
 */
static void
test_rewrite_pair_any_method(void)
{
	struct tb b;
	struct detect_verdict v;

	tb_init(&b);
	tb_add(&b, T0, PH, 5060, SV, 5060, -1,
	    "NOTIFY sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;rport;branch=z9hG4bKnfy\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: nfy1\nCSeq: 7 NOTIFY\n"
	    "Contact: <sip:phone@" PH ":5060>\n\n");
	tb_add(&b, T0 + MS, NAT, 5060, SV, 5060, -1,
	    "NOTIFY sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " NAT ":5060;rport;branch=z9hG4bKnfy\n"
	    "From: <sip:phone@" SV ">;tag=p\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: nfy1\nCSeq: 7 NOTIFY\n"
	    "Contact: <sip:phone@" NAT ":5060>\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "alg_rewrite_evidence"), 1);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_LIKELY);
	tb_free(&b);
}

/*
 * Message `status` (0: the INVITE) of call cid from src to dst at t,
 * its branch and tags fixed, noted for the join as the analysis notes
 * it (detect_copy_note: a new request, a response to it).
 */
static void
join_msg(struct tb *b, int64_t t, const char *cid, int status,
    const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	if (status == 0)
		tb_add(b, t, src, sport, dst, dport, -1,
		    "INVITE sip:callee@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKleg1\n"
		    "From: <sip:phone@" SV ">;tag=f1\n"
		    "To: <sip:callee@" SV ">\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\n\n", cid);
	else
		tb_add(b, t, src, sport, dst, dport, -1,
		    "SIP/2.0 %d X\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKleg1\n"
		    "From: <sip:phone@" SV ">;tag=f1\n"
		    "To: <sip:callee@" SV ">%s\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\n\n", status,
		    status > 100 ? ";tag=t1" : "", cid);
	detect_copy_note(b->s.dt, b->d, &b->d->msgs[b->d->nmsgs - 1]);
}

/*
 * A call through a proxy (SV) between two phones behind one NAT that
 * keeps the Call-ID (the Linux kernel ALG), inside and outside recorded
 * at once: every message of the INVITE transaction four times under one
 * Call-ID, 16 messages within 20 ms, twice the dialog's notes
 * (DETECT_COPY_PER_DIALOG).  No copy under another Call-ID comes: the
 * join lost nothing and names no message dropped.
 */
static void
test_join_same_callid_copies(void)
{
	static const int st[] = { 0, 100, 180, 200 };
	struct tb b;
	int64_t t = T0;

	tb_init(&b);
	for (int k = 0; k < 4; k++) {
		/* the request: caller -> NAT -> proxy -> NAT -> callee;
		 * responses back the same way */
		if (k == 0) {
			join_msg(&b, t += MS, "kern@" PH, 0, PH, 5060, SV, 5060);
			join_msg(&b, t += MS, "kern@" PH, 0, NAT, 5060, SV, 5060);
			join_msg(&b, t += MS, "kern@" PH, 0, SV, 5060, NAT, 5062);
			join_msg(&b, t += MS, "kern@" PH, 0, SV, 5060, "10.0.0.3", 5062);
		} else {
			join_msg(&b, t += MS, "kern@" PH, st[k], "10.0.0.3", 5062, SV, 5060);
			join_msg(&b, t += MS, "kern@" PH, st[k], NAT, 5062, SV, 5060);
			join_msg(&b, t += MS, "kern@" PH, st[k], SV, 5060, NAT, 5060);
			join_msg(&b, t += MS, "kern@" PH, st[k], SV, 5060, PH, 5060);
		}
	}
	CU_ASSERT(b.s.dt->copies.n <= DETECT_COPY_PER_DIALOG);
	CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
	tb_free(&b);
}

/* Call full@PH's INVITE and 7 responses within 8 ms: its 8 notes
 * (DETECT_COPY_PER_DIALOG), all on the inside. */
static void
join_full(struct tb *b)
{
	static const int st[] = { 100, 180, 181, 182, 183, 199, 200 };

	join_msg(b, T0, "full@" PH, 0, PH, 5060, SV, 5060);
	for (int k = 0; k < 7; k++)
		join_msg(b, T0 + (k + 1) * MS, "full@" PH, st[k], SV, 5060,
		    PH, 5060);
}

/*
 * The same dialog over its notes, and then a copy of its last message
 * under another Call-ID at another translation (an ALG that rewrote the
 * Call-ID): the pair the join could not make is counted, once.  A copy
 * under the same Call-ID, or under another with no translation between
 * (no end in common), or more than 1 s later, is none.
 */
static void
test_join_lost_pair_counted(void)
{
	struct tb b;

	for (int c = 0; c < 4; c++) {
		tb_init(&b);
		join_full(&b);
		CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
		/* the ninth: not noted */
		join_msg(&b, T0 + 10 * MS, "full@" PH, 202, SV, 5060, PH, 5060);
		CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
		switch (c) {
		case 0: /* its copy outside, Call-ID rewritten */
			join_msg(&b, T0 + 11 * MS, "out@" NAT, 202, SV, 5060,
			    NAT, 5060);
			join_msg(&b, T0 + 12 * MS, "out2@" NAT, 202, SV, 5060,
			    NAT, 5060);
			break;
		case 1: /* the same Call-ID */
			join_msg(&b, T0 + 11 * MS, "full@" PH, 202, SV, 5060,
			    NAT, 5060);
			break;
		case 2: /* no translation between: no end in common */
			join_msg(&b, T0 + 11 * MS, "out@" NAT, 202, OTHER,
			    5060, NAT, 5060);
			break;
		case 3: /* too late to be a copy */
			join_msg(&b, T0 + 1100 * MS, "out@" NAT, 202, SV, 5060,
			    NAT, 5060);
			break;
		}
		CU_ASSERT_EQUAL(b.s.dt->copies_dropped, c == 0 ? 1 : 0);
		tb_free(&b);
	}
}

/*
 * A message over its dialog's notes still pairs with the copy noted
 * before it under another Call-ID: only keeping it is refused.
 */
static void
test_join_over_cap_pairs(void)
{
	struct tb b;

	tb_init(&b);
	join_full(&b);
	join_msg(&b, T0 + 9 * MS, "out@" NAT, 202, SV, 5060, NAT, 5060);
	join_msg(&b, T0 + 10 * MS, "full@" PH, 202, SV, 5060, PH, 5060);
	CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
	tb_finish(&b);
	CU_ASSERT(find_in(of(&b, "full@" PH), "alg_rewrite_evidence", NULL) != NULL);
	tb_free(&b);
}

/*
 * Messages over a dialog's notes stay bounded too: one message under one
 * Call-ID from 500 ports at once (a flood, no call does that): at most
 * DETECT_COPY_SCAN of one key followed, the rest counted at once.
 */
static void
test_join_misses_bounded(void)
{
	struct tb b;

	tb_init(&b);
	join_full(&b);
	for (int i = 0; i < 500; i++)
		join_msg(&b, T0 + 10 * MS, "full@" PH, 202, SV, 5060, PH,
		    (uint16_t)(1024 + i));
	CU_ASSERT(b.s.dt->misses.n <= DETECT_COPY_SCAN + 1);
	CU_ASSERT(b.s.dt->copies_dropped >= 500 - DETECT_COPY_SCAN - 1);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "rewrite residue", test_rewrite_residue },
		{ "content-length, received=", test_rewrite_content_length_and_received },
		{ "memo as messages arrive", test_rewrite_memo },
		{ "opaque tokens only", test_rewrite_opaque_only },
		{ "Via branch rewritten", test_rewrite_via_branch },
		{ "inconsistent rewriting", test_rewrite_inconsistent },
		{ "proxy is not inconsistent", test_rewrite_proxy_not_inconsistent },
		{ "no NAT, no ALG blame", test_rewrite_no_nat_no_blame },
		{ "partial rewrite is not untranslated", test_rewrite_partial_not_untranslated },
		{ "private Via of any method untranslated", test_rewrite_via_any_method },
		{ "pair rewritten, any method", test_rewrite_pair_any_method },
		{ "join: copies under one Call-ID over the cap", test_join_same_callid_copies },
		{ "join: a lost pair counted", test_join_lost_pair_counted },
		{ "join: over the cap, still paired", test_join_over_cap_pairs },
		{ "join: messages over the cap bounded", test_join_misses_bounded },
		{ NULL, NULL }
	};

	return detect_test_main("detect_rewrite", tests);
}
