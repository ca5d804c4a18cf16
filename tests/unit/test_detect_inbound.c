/*
 * test_detect_inbound.c - inbound_call_unanswered (analyzer/detect/detect_inbound.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * inbound_call_unanswered: INVITEs nothing answered, the phone's idle
 * binding before them (reported on the call or on the registration,
 * whichever dialog ends last), INVITEs from another address than the
 * registrar, and the phone's own INVITE nothing answers (not this
 * symptom).
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"

static void
test_inbound_unanswered(void)
{
	struct tb b;

	/* Timer A: 0, 0.5, 1.5 s, no response. */
	tb_init(&b);
	inbound_invite(&b, T0, SV, "iu1", 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);

	/* One retransmission only: below the threshold. */
	tb_init(&b);
	inbound_invite(&b, T0, SV, "iu2", 1);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Retransmitted but answered 100 Trying: silent. */
	tb_init(&b);
	inbound_invite(&b, T0, SV, "iu3", 2);
	tb_add(&b, T0 + 2 * SEC, NAT, 5060, SV, 5060, -1,
	    "SIP/2.0 100 Trying\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKiniu3\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" NAT ">\n"
	    "Call-ID: iu3\nCSeq: 1 INVITE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);
}

/* The analysis hands each response on as it arrives (the bench does not):
 * b's last message, a response. */
static void
answered(struct tb *b)
{
	CU_ASSERT_FATAL(b->d != NULL && b->d->nmsgs > 0 &&
	    !b->d->msgs[b->d->nmsgs - 1].m->is_request);
	detect_request_answered(b->s.dt, b->d, &b->d->msgs[b->d->nmsgs - 1]);
}

/*
 * One INVITE the phone sends (its own call out), nothing answering it:
 * sent from src:5060 to SV with Via sent-by via_host, Contact ct_host and
 * Call-ID cid (which may name a host), transmitted 3 times.
 */
static void
phone_invite(struct tb *b, int64_t t, const char *src, const char *via_host,
    const char *ct_host, const char *cid)
{
	int64_t gap = SEC / 2;

	for (int i = 0; i < 3; i++) {
		tb_add(b, t, src, 5060, SV, 5060, -1,
		    "INVITE sip:server@" SV ":5060 SIP/2.0\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKout1;rport\n"
		    "From: <sip:phone@%s:5060>;tag=ph1\n"
		    "To: <sip:server@" SV ":5060>\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\n"
		    "Contact: <sip:phone@%s:5060>\n"
		    "Content-Type: application/sdp\n\n" SDP_FMT, via_host,
		    ct_host, cid, ct_host, ct_host, ct_host, 6000, "sendrecv");
		t += gap;
		gap *= 2;
	}
}

/*
 * The phone's own INVITE that nothing answers (a filter beyond the router
 * drops it: samples/linux-alg/noanswer-invite-*) is no incoming call that
 * never reached the phone, seen at any capture point, the ALG off or on,
 * with or without the phone's REGISTER; an INVITE to the phone still is.
 */
static void
test_inbound_phone_calls_out(void)
{
	struct tb b;

	/* Inside: from the private phone to the public server. */
	tb_init(&b);
	phone_invite(&b, T0, PH, PH, PH, "po1@" PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Outside, the ALG off: Via and Contact name the private phone. */
	tb_init(&b);
	phone_invite(&b, T0, NAT, PH, PH, "po2@" PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Outside, the ALG on: Via and Contact rewritten to the NAT's
	 * address, the Call-ID left around the phone's private one. */
	tb_init(&b);
	phone_invite(&b, T0, NAT, NAT, NAT, "po3@" PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Outside, every field public (the ALG, or a phone writing its
	 * public address itself): the phone registered from that address,
	 * its registration still in flight when the INVITE is judged (as at
	 * the end of a capture). */
	tb_init(&b);
	reg_out(&b, T0, "po4-reg", 1, 3600);
	answered(&b);
	phone_invite(&b, T0 + 2 * SEC, NAT, NAT, NAT, "po4");
	tb_finish(&b);
	CU_ASSERT_PTR_NULL(find_in(of(&b, "po4"), "inbound_call_unanswered",
	    NULL));
	tb_free(&b);

	/* ... and with nothing to tell it from a server's INVITE (no
	 * REGISTER, no private residue) it stays reported. */
	tb_init(&b);
	phone_invite(&b, T0, NAT, NAT, NAT, "po5");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);

	/* To the phone's registered address, from another phone that also
	 * registered: the callee's incoming call. */
	tb_init(&b);
	reg_out(&b, T0, "po6-reg", 1, 3600);
	answered(&b);
	tb_add(&b, T0 + SEC, OTHER, 5060, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " OTHER ":5060;branch=z9hG4bKr6\n"
	    "From: <sip:other@" SV ">;tag=r6\nTo: <sip:other@" SV ">\n"
	    "Call-ID: po6-reg2\nCSeq: 1 REGISTER\n"
	    "Contact: <sip:other@" OTHER ":5060>\n\n");
	tb_add(&b, T0 + SEC + 20 * MS, SV, 5060, OTHER, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " OTHER ":5060;branch=z9hG4bKr6\n"
	    "From: <sip:other@" SV ">;tag=r6\nTo: <sip:other@" SV ">;tag=x\n"
	    "Call-ID: po6-reg2\nCSeq: 1 REGISTER\n"
	    "Contact: <sip:other@" OTHER ":5060>;expires=3600\n\n");
	answered(&b);
	inbound_invite(&b, T0 + 2 * SEC, OTHER, "po6", 3);
	tb_finish(&b);
	CU_ASSERT_PTR_NOT_NULL(find_in(of(&b, "po6"),
	    "inbound_call_unanswered", NULL));
	tb_free(&b);

	/* Inside, coming in: from the public server to the private phone. */
	tb_init(&b);
	for (int i = 0; i < 3; i++)
		tb_add(&b, T0 + i * SEC, SV, 5060, PH, 5060, -1,
		    "INVITE sip:phone@" PH ":5060 SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKpi7\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">\nCall-ID: po7\nCSeq: 1 INVITE\n"
		    "Contact: <sip:server@" SV ">\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);

	/* Proxied to the phone's public address: the proxy's own Via on
	 * top, the NATed caller's private Via and Contact below it. */
	tb_init(&b);
	for (int i = 0; i < 3; i++)
		tb_add(&b, T0 + i * SEC, SV, 5060, NAT, 5060, -1,
		    "INVITE sip:phone@" NAT ":5060 SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKpx8\n"
		    "Via: SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bKc8;"
		    "received=" OTHER "\n"
		    "From: <sip:caller@" SV ">;tag=c8\n"
		    "To: <sip:phone@" SV ">\nCall-ID: po8@192.168.1.5\n"
		    "CSeq: 1 INVITE\nContact: <sip:caller@192.168.1.5:5060>\n"
		    "\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);
}

/*
 * The INVITE's dialog is reported before the registration (as at the end
 * of a capture): one event, one finding, on the INVITE's dialog; the
 * registration gets no finding for it, its advisory (registered 3600 s
 * behind NAT, no keepalive) cites the lost INVITE with the gap.
 */
static void
gap_pending(double gap_s, const char *want_sum)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;

	tb_init(&b);
	reg_out(&b, T0, "gp-reg", 1, 3600);
	inbound_invite(&b, T0 + (int64_t)(gap_s * 1e9), SV, "gp-inv", 5);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.n, 2);
	CU_ASSERT_STRING_EQUAL(b.s.all[0].cid, "gp-inv");
	/* The call's own finding, from its retransmissions. */
	f = find_in(of(&b, "gp-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	/* Not again on the registration. */
	CU_ASSERT_EQUAL(of(&b, "gp-reg")->n, 0);
	f = adv_in(of(&b, "gp-reg"), "registration_failure", "keepalive");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	e = ev_of(f, "observed: INVITE lost");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->frame, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "gp-inv"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, want_sum));
	tb_free(&b);
}

static void
test_inbound_gap_pending(void)
{
	/* Below every preset: the gap is shown, the confidence not raised. */
	gap_pending(10.3, "silent 10.3 s on its binding");
	/* 30 s exactly is not beyond the 30 s conntrack timeout. */
	gap_pending(30.0, "silent 30.0 s on its binding");
	gap_pending(30.5, "(beyond the 30 s Linux conntrack UDP timeout)");
	gap_pending(60.0, "(beyond the 30 s Linux conntrack UDP timeout)");
	gap_pending(60.5, "30 s Linux conntrack and 60 s consumer-router");
	gap_pending(181, "180 s FortiGate");
}

/*
 * The registration reported first (it ended before): the INVITE's own
 * finding carries the gap; a keepalive in between shortens it.
 */
static void
test_inbound_gap_known(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;
	struct ep ph = mkep(NAT, 5060), sv = mkep(SV, 5060);

	tb_init(&b);
	reg_out(&b, T0, "gk-reg", 1, 3600);
	tb_next(&b);
	inbound_invite(&b, T0 + 45 * SEC, SV, "gk-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "gk-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.7, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "silent 45.0 s"));
	e = ev_of(f, "binding idle gap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "45.0 s since the phone's "
	    "last packet on " NAT ":5060 -> " SV ":5060 (REGISTER), beyond "
	    "the 30 s Linux conntrack"));
	tb_free(&b);

	/* A CRLF keepalive 25 s after the REGISTER: gap 20 s, not flagged. */
	tb_init(&b);
	reg_out(&b, T0, "gk-reg", 1, 3600);
	tb_next(&b);
	detect_keepalive(b.s.dt, &ph, &sv, T0 + 25 * SEC);
	inbound_invite(&b, T0 + 45 * SEC, SV, "gk-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "gk-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	e = ev_of(f, "binding idle gap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->ts_ns, T0 + 25 * SEC);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "20.0 s since"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "(keepalive)"));
	tb_free(&b);

	/* Keepalives every 15 s right up to the INVITE: "under 20 s". */
	tb_init(&b);
	reg_out(&b, T0, "gk-reg", 1, 3600);
	tb_next(&b);
	for (int i = 1; i <= 20; i++)
		detect_keepalive(b.s.dt, &ph, &sv, T0 + i * 15 * SEC);
	inbound_invite(&b, T0 + 100 * SEC, SV, "gk-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "gk-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	e = ev_of(f, "binding idle gap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "under 20 s"));
	tb_free(&b);

	/* Answered after a long gap: no finding at all. */
	tb_init(&b);
	reg_out(&b, T0, "gk-reg", 1, 3600);
	tb_next(&b);
	inbound_invite(&b, T0 + 300 * SEC, SV, "gk-inv", 0);
	tb_add(&b, T0 + 300 * SEC + 50 * MS, NAT, 5060, SV, 5060, -1,
	    "SIP/2.0 180 Ringing\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKingk-inv\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" NAT ">;tag=p\n"
	    "Call-ID: gk-inv\nCSeq: 1 INVITE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(of(&b, "gk-inv")->n, 0);
	tb_free(&b);
}

/* An INVITE from another address than the registrar. */
static void
test_inbound_not_registrar(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *e;

	/* Registration known first: on the INVITE. */
	tb_init(&b);
	reg_out(&b, T0, "nr-reg", 1, 3600);
	tb_next(&b);
	inbound_invite(&b, T0 + 5 * SEC, OTHER, "nr-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "nr-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.7, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "not the registrar "
	    SV ":5060") == NULL ? strstr(f->summary, "another address than "
	    "the registrar " SV ":5060") : NULL);
	e = ev_of(f, "INVITE source vs registrar");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "INVITE from " OTHER ":5060"));
	tb_free(&b);

	/* Registration reported after: cited on its advisory only. */
	tb_init(&b);
	reg_out(&b, T0, "nr-reg", 1, 3600);
	inbound_invite(&b, T0 + 5 * SEC, OTHER, "nr-inv", 3);
	tb_finish(&b);
	CU_ASSERT_PTR_NULL(find_in(of(&b, "nr-reg"), "inbound_call_unanswered",
	    NULL));
	f = adv_in(of(&b, "nr-reg"), "registration_failure", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	e = ev_of(f, "observed: INVITE lost");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->value, "another address than the "
	    "registrar " SV ":5060"));
	tb_free(&b);

	/* From the registrar, 5 s after the REGISTER: no source evidence. */
	tb_init(&b);
	reg_out(&b, T0, "nr-reg", 1, 3600);
	tb_next(&b);
	inbound_invite(&b, T0 + 5 * SEC, SV, "nr-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "nr-inv"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	CU_ASSERT_PTR_NULL(ev_of(f, "INVITE source vs registrar"));
	tb_free(&b);

	/* An INVITE to another phone: the pending entry stays unresolved
	 * and the registration gets nothing. */
	tb_init(&b);
	reg_out(&b, T0, "nr-reg", 1, 20);
	tb_add(&b, T0 + 10 * SEC, SV, 5060, "198.51.100.7", 5060, -1,
	    "INVITE sip:x@198.51.100.7 SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKo1\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:x@198.51.100.7>\n"
	    "Call-ID: nr-x\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(of(&b, "nr-reg")->n, 0);
	tb_free(&b);
}

/*
 * An ICMP destination unreachable from reporter, type 3 code code, at t,
 * quoting the INVITE sent from src to NAT with Call-ID cid and branch
 * z9hG4bKin<br>, the quote cut after cut bytes (0: whole).
 */
static void
refuse(struct tb *b, int64_t t, const char *reporter, uint8_t code,
    const char *src, const char *cid, const char *br, size_t cut)
{
	char q[512];
	int n = snprintf(q, sizeof(q), "INVITE sip:phone@" NAT ":5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKin%s\r\n"
	    "From: <sip:server@%s>;tag=sv1\r\nTo: <sip:phone@" NAT ">\r\n"
	    "Call-ID: %s\r\nCSeq: 1 INVITE\r\n", src, br, src, cid);
	struct detect_refusal_ev e = {
		.cap_idx = 0, .frame = 9000 + (uint64_t)code, .ts_ns = t,
		.src = mkep(src, 5060), .dst = mkep(NAT, 5060),
		.reporter = mkep(reporter, 0), .type = 3, .code = code,
		.quote = (const uint8_t *)q,
		.quote_len = cut != 0 && cut < (size_t)n ? cut : (size_t)n,
	};

	detect_sip_refused(b->s.dt, &e);
}

static void
test_inbound_refused(void)
{
	struct tb b;
	const struct finding *f;
	const struct evidence *ev;

	/* Sent once, the NAT's own address answers port unreachable: the
	 * refusal is the proof, named with its reporter, type and code. */
	tb_init(&b);
	refuse(&b, T0 + MS, NAT, 3, SV, "ir1", "ir1", 0);
	inbound_invite(&b, T0, SV, "ir1", 0);
	tb_finish(&b);
	f = get(&b, "inbound_call_unanswered");
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	CU_ASSERT(f->confidence >= 0.8);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, NAT " refused it (ICMP port "
	    "unreachable), its own destination"));
	ev = ev_of(f, "ICMP refusal");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->frame, 9003);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev->value, NAT " sent ICMP type 3 code 3 "
	    "(port unreachable) quoting this INVITE, 1 time(s): its "
	    "destination itself"));
	tb_free(&b);

	/* A router on the path, admin-prohibited, each transmission. */
	tb_init(&b);
	for (int i = 0; i < 3; i++)
		refuse(&b, T0 + (int64_t)i * SEC / 2 + MS, OTHER, 13, SV, "ir2",
		    "ir2", 0);
	inbound_invite(&b, T0, SV, "ir2", 2);
	tb_finish(&b);
	ev = ev_of(get(&b, "inbound_call_unanswered"), "ICMP refusal");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev->value, OTHER " sent ICMP type 3 code "
	    "13 (communication administratively prohibited) quoting this "
	    "INVITE, 3 time(s): a router on the path, not its destination"));
	tb_free(&b);

	/* The same flow, another call's Call-ID in the quote: not this
	 * INVITE's refusal (sent once: nothing to report). */
	tb_init(&b);
	refuse(&b, T0 + MS, NAT, 3, SV, "other-call", "ir3", 0);
	inbound_invite(&b, T0, SV, "ir3", 0);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* A quote cut after the top Via, before the Call-ID (110 bytes):
	 * matched by its flow and its top
	 * Via branch; another branch is another transaction. */
	tb_init(&b);
	refuse(&b, T0 + MS, NAT, 3, SV, "ir4", "ir4", 110);
	inbound_invite(&b, T0, SV, "ir4", 0);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);
	tb_init(&b);
	refuse(&b, T0 + MS, NAT, 3, SV, "ir5", "zz", 110);
	inbound_invite(&b, T0, SV, "ir5", 0);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* An error beyond Timer B of the INVITE, or before it: not its. */
	tb_init(&b);
	refuse(&b, T0 + 40 * SEC, NAT, 3, SV, "ir6", "ir6", 0);
	refuse(&b, T0 - SEC, NAT, 3, SV, "ir6", "ir6", 0);
	inbound_invite(&b, T0, SV, "ir6", 2);
	tb_finish(&b);
	f = get(&b, "inbound_call_unanswered");
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	CU_ASSERT_PTR_NULL(ev_of(f, "ICMP refusal"));
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "inbound unanswered", test_inbound_unanswered },
		{ "inbound: gap cited on the registration", test_inbound_gap_pending },
		{ "inbound: gap on the call", test_inbound_gap_known },
		{ "inbound: not the registrar", test_inbound_not_registrar },
		{ "inbound: the phone's own call out",
		    test_inbound_phone_calls_out },
		{ "inbound: refused by ICMP", test_inbound_refused },
		{ NULL, NULL }
	};

	return detect_test_main("detect_inbound", tests);
}
