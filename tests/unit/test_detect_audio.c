/*
 * test_detect_audio.c - one_way_audio and no_audio (analyzer/detect/detect_audio.c) on dialogs
 * built with the detector test bench (detect_fixture.h).
 *
 * one_way_audio and no_audio: RTP per direction, each judged against the
 * other, with the packet time measured from the RTP timestamps; refused
 * RTP (ICMP), media directions asked for by the SDP, and a direction that
 * starts late.  The phone's SDP names NAT (as an ALG writes it) where
 * its RTP is seen coming from: the far end's RTP to it is delivered.
 */
#include <stdio.h>
#include <string.h>

#include "detect_fixture.h"
#include "ingest/capture.h"

static void
call_with_media(struct tb *b, const char *cid, const char *dir_c,
    const char *dir_e, int fwd, int rev, const char *phone_c)
{
	invite(b, T0, cid, phone_c, dir_c);
	ok200(b, T0 + SEC, cid, dir_e, "");
	inreq(b, T0 + SEC + 10 * MS, "ACK", 1, true, cid, "ack");
	if (fwd > 0)
		tb_stream(b, "198.51.100.1", 6000, SV, 7000, T0 + SEC, fwd, 50);
	if (rev > 0)
		tb_stream(b, SV, 7000, phone_c, 6000, T0 + SEC, rev, 50);
	inreq(b, T0 + SEC + 11 * SEC, "BYE", 2, true, cid, "bye");
}

static void
test_one_way_audio(void)
{
	struct tb b;
	const struct finding *f;

	/* 10 s call, caller->callee 500 packets, reverse none. */
	tb_init(&b);
	call_with_media(&b, "ow1", "sendrecv", "sendrecv", 500, 0, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 1);
	f = get(&b, "one_way_audio");
	CU_ASSERT(f->confidence >= 0.79); /* inside view: 0.8 */
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* Reverse carries 4 % (20 of 500): still one-way. */
	tb_init(&b);
	call_with_media(&b, "ow2", "sendrecv", "sendrecv", 500, 20, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 1);
	tb_free(&b);

	/* Reverse carries 6 % (30): not one-way. */
	tb_init(&b);
	call_with_media(&b, "ow3", "sendrecv", "sendrecv", 500, 30, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);
}

static void
test_audio_silent(void)
{
	struct tb b;

	/* Clean call, two-way audio. */
	tb_init(&b);
	call_with_media(&b, "cl1", "sendrecv", "sendrecv", 500, 500, NAT);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* One-way by design: the caller offers sendonly. */
	tb_init(&b);
	call_with_media(&b, "cl2", "sendonly", "recvonly", 500, 0, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);
}

static void
test_no_audio(void)
{
	struct tb b;

	/* A few packets then nothing either way over a 10 s call. */
	tb_init(&b);
	invite(&b, T0, "na1", PH, "sendrecv");
	ok200(&b, T0 + SEC, "na1", "sendrecv", "");
	tb_stream(&b, "198.51.100.1", 6000, SV, 7000, T0 + SEC, 5, 50);
	tb_stream(&b, SV, 7000, PH, 6000, T0 + SEC, 5, 50);
	/* Make the window 10 s long: a late packet each way. */
	tb_stream(&b, "198.51.100.1", 6000, SV, 7000, T0 + 11 * SEC, 2, 50);
	inreq(&b, T0 + 11 * SEC + SEC / 2, "BYE", 2, true, "na1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);

	/* Signalling-only call (no RTP anywhere in the capture): silent. */
	tb_init(&b);
	invite(&b, T0, "na2", PH, "sendrecv");
	ok200(&b, T0 + SEC, "na2", "sendrecv", "");
	inreq(&b, T0 + 20 * SEC, "BYE", 2, true, "na2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);
}

/* A signalling-only call inside (phone -> server), 10 s, no RTP. */
static void
silent_call(struct tb *b, const char *cid)
{
	invite(b, T0, cid, PH, "sendrecv");
	ok200(b, T0 + SEC, cid, "sendrecv", "");
	inreq(b, T0 + SEC + 10 * MS, "ACK", 1, true, cid, "ack");
	inreq(b, T0 + 11 * SEC, "BYE", 2, true, cid, "bye");
}

/* A pcapng capture info with one interface and this filter (NULL: no
 * if_filter recorded). */
static void
ng_info(struct capture_info *ci, const char *filter)
{
	memset(ci, 0, sizeof(*ci));
	ci->pcapng = 1;
	ci->ifaces_known = 1;
	ci->nifaces = 1;
	snprintf(ci->ifaces[0].name, sizeof(ci->ifaces[0].name), "lan0");
	ci->ifaces[0].filter_type = filter ? 0 : -1;
	if (filter)
		snprintf(ci->ifaces[0].filter, sizeof(ci->ifaces[0].filter),
		    "%s", filter);
}

/* The media legs of b's dialog once classified and judged for
 * visibility, as the detector sees them (room for 4). */
static int
judged_legs(struct tb *b, struct detect_media_leg *leg)
{
	detect_media_classify(b->d);
	detect_media_visibility(b->s.dt, b->d);
	return detect_media_legs(b->d, leg, 4);
}

/*
 * Issue 15.3: whether a capture can show media is decided per call and
 * segment, from its own RTP or the recorded capture filter, never from
 * other calls in the file.
 */
static void
test_visibility(void)
{
	struct tb b;
	struct capture_info ci;
	struct detect_media_leg leg[4];
	int n;

	/* another call carried RTP first: a silent call after it is still
	 * not judged (a pcap records no filter) */
	tb_init(&b);
	call_with_media(&b, "v1", "sendrecv", "sendrecv", 500, 500, NAT);
	tb_next(&b);
	silent_call(&b, "v2");
	n = judged_legs(&b, leg);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(leg[0].state, "not_observable");
	CU_ASSERT_EQUAL(leg[0].vis, DIALOG_VIS_UNKNOWN);
	CU_ASSERT_PTR_NOT_NULL(strstr(leg[0].why, "no capture filter recorded"));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* a recorded filter that passes the media: no audio, seen */
	tb_init(&b);
	ng_info(&ci, "ip");
	detect_set_capture(b.s.dt, 0, &ci);
	silent_call(&b, "v3");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	tb_free(&b);

	/* SIP only: nothing judged, the legs say why */
	tb_init(&b);
	ng_info(&ci, "udp port 5060 or tcp port 5060");
	detect_set_capture(b.s.dt, 0, &ci);
	silent_call(&b, "v4");
	n = judged_legs(&b, leg);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(leg[1].vis, DIALOG_VIS_HIDDEN);
	CU_ASSERT_STRING_EQUAL(leg[1].state, "not_observable");
	CU_ASSERT_PTR_NOT_NULL(strstr(leg[1].why, "passes signalling only"));
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* a pcapng without if_filter, or a filter not read: unknown */
	tb_init(&b);
	ng_info(&ci, NULL);
	detect_set_capture(b.s.dt, 0, &ci);
	silent_call(&b, "v5");
	tb_next(&b);
	ng_info(&ci, "host pbx.example.com");
	silent_call(&b, "v6");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	CU_ASSERT_EQUAL(find_in(of(&b, "v5"), "no_audio", NULL), NULL);
	tb_free(&b);
}

/*
 * Where the capture cannot show media, a private c= that crossed to the
 * public side untranslated is an advisory, not a symptom.
 */
static void
test_predicted_oneway(void)
{
	struct tb b;
	char body[512];
	const struct finding *f;

	tb_init(&b);
	snprintf(body, sizeof(body), SDP_FMT, PH, PH, 6000, "sendrecv");
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKp1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: p1\nCSeq: 1 INVITE\nContact: <sip:phone@" PH ":5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	snprintf(body, sizeof(body), SDP_FMT, SV, SV, 7000, "sendrecv");
	tb_add(&b, T0 + SEC, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKp1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: p1\nCSeq: 1 INVITE\nContact: <sip:server@" SV ":5060>\n"
	    "Content-Type: application/sdp\n\n%s", body);
	tb_add(&b, T0 + 11 * SEC, NAT, 5060, SV, 5060, -1,
	    "BYE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKp2\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: p1\nCSeq: 2 BYE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	f = adv_in(of(&b, "p1"), "one_way_audio", "predicted from the SDP");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "c= (private, untranslated)"));
	tb_free(&b);
}

/*
 * RTP refused on the way: ICMP destination unreachable errors for a
 * stream from its start to its end make it count as never received; a
 * couple at the end only (the port closed at hangup) do not.
 */
static void
test_refused_rtp(void)
{
	struct tb b;
	const struct finding *f;
	struct ep rep = mkep("203.0.113.9", 0);	/* a router on the way */
	struct ep dst = mkep(NAT, 0);

	/* two-way RTP, the reverse refused throughout: one-way audio */
	tb_init(&b);
	call_with_media(&b, "rf1", "sendrecv", "sendrecv", 500, 500, NAT);
	for (int i = 0; i < 10; i++)
		rtp_stream_refused(b.d->streams[1], &rep, T0 + SEC + i * SEC,
		    (int64_t)i);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 1);
	f = get(&b, "one_way_audio");
	CU_ASSERT_FATAL(f != NULL);
	{
		bool ev = false;

		for (int i = 0; i < f->nev; i++)
			if (strcmp(f->ev[i].field, "RTP refused") == 0 &&
			    strstr(f->ev[i].value, "10 ICMP destination unreachable from 203.0.113.9") != NULL)
				ev = true;
		CU_ASSERT(ev);
	}
	tb_free(&b);

	/* both refused: no audio */
	tb_init(&b);
	call_with_media(&b, "rf2", "sendrecv", "sendrecv", 500, 500, NAT);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 10; i++)
			rtp_stream_refused(b.d->streams[k], &rep,
			    T0 + SEC + i * SEC, (int64_t)i);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);

	/* two refusals at the end only, or one alone: still two-way audio */
	tb_init(&b);
	call_with_media(&b, "rf3", "sendrecv", "sendrecv", 500, 500, NAT);
	rtp_stream_refused(b.d->streams[1], &rep, T0 + 11 * SEC, 498);
	rtp_stream_refused(b.d->streams[1], &rep, T0 + 11 * SEC, 499);
	rtp_stream_refused(b.d->streams[0], &rep, T0 + SEC, 1);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* refused throughout by the destination itself (port unreachable):
	 * the packets reached the host the receiver uses, as in the kernel
	 * runs overlap-alg-*: delivered, no finding */
	tb_init(&b);
	call_with_media(&b, "rf4", "sendrecv", "sendrecv", 500, 500, NAT);
	for (int i = 0; i < 10; i++)
		rtp_stream_refused(b.d->streams[1], &dst, T0 + SEC + i * SEC,
		    (int64_t)i);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* refused throughout by the destination itself, a host the receiver
	 * is never seen at (the c= it wrote; it signals from elsewhere):
	 * another host answered, the receiver got nothing; nothing came
	 * back either: no audio, not one-way (v15-lanproxy-bfar-alg-on's
	 * outside, where the callee wrote a public address that was not
	 * its own) */
	tb_init(&b);
	{
		char body[512];
		struct ep far = mkep(OTHER, 0);

		invite(&b, T0, "rf5", NAT, "sendrecv");
		snprintf(body, sizeof(body), SDP_FMT, OTHER, OTHER, 7000,
		    "sendrecv");
		tb_add(&b, T0 + SEC, SV, 5060, PH, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinvrf5\n"
		    "From: <sip:phone@" PH ">;tag=ph1\n"
		    "To: <sip:server@" SV ">;tag=sv1\n"
		    "Call-ID: rf5\nCSeq: 1 INVITE\n"
		    "Contact: <sip:server@" SV ":5060>\n"
		    "Content-Type: application/sdp\n\n%s", body);
		inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "rf5", "ack");
		tb_stream(&b, NAT, 6000, OTHER, 7000, T0 + SEC, 500, 50);
		inreq(&b, T0 + 12 * SEC, "BYE", 2, true, "rf5", "bye");
		for (int i = 0; i < 10; i++)
			rtp_stream_refused(b.d->streams[0], &far,
			    T0 + SEC + i * SEC, (int64_t)i);
	}
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	tb_free(&b);
}

/* one_way_audio: a direction starting 1 s late is not one-way audio. */
static void
test_one_way_late_start(void)
{
	struct tb b;

	/* 3 s of audio (as in the lab calls), the callee's starting 1 s
	 * late (ring-back / early media asymmetry). */
	tb_init(&b);
	invite(&b, T0, "late1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "late1", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "late1", "ack");
	tb_stream(&b, SV, 6000, SV, 7000, T0 + SEC, 150, 50);
	tb_stream(&b, SV, 7000, SV, 6000, T0 + 2 * SEC, 100, 50);
	inreq(&b, T0 + 4200 * MS, "BYE", 2, true, "late1", "bye");
	tb_finish(&b);
	/* (alg_rewrite_evidence: these calls carry a public c= beside the
	 * phone's private Via, as the hold tests do.) */
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* The same over 10 s. */
	tb_init(&b);
	invite(&b, T0, "late2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "late2", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "late2", "ack");
	tb_stream(&b, SV, 6000, SV, 7000, T0 + SEC, 500, 50);
	tb_stream(&b, SV, 7000, SV, 6000, T0 + 2 * SEC, 450, 50);
	inreq(&b, T0 + 11200 * MS, "BYE", 2, true, "late2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* Control: the late direction never starts: flagged, and the
	 * summary states the threshold. */
	tb_init(&b);
	invite(&b, T0, "late3", SV, "sendrecv");
	ok200(&b, T0 + SEC, "late3", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "late3", "ack");
	tb_stream(&b, SV, 6000, SV, 7000, T0 + SEC, 150, 50);
	inreq(&b, T0 + 4200 * MS, "BYE", 2, true, "late3", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(get(&b, "one_way_audio")->summary,
	    "flagged below 5 % of the other direction"));
	CU_ASSERT_PTR_NOT_NULL(strstr(get(&b, "one_way_audio")->explanation,
	    "at least 2 s"));
	tb_free(&b);
}

/*
 * Packetisation measured, not predicted: a 60 ms sender without a=ptime
 * delivers a third of the packets a 20 ms one does and is alive; each
 * direction's ptime is what its timestamps say.
 */
static void
test_measured_ptime(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "pt1", NAT, "sendrecv");
	ok200(&b, T0 + SEC, "pt1", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "pt1", "ack");
	tb_stream_ptime(&b, NAT, 6000, SV, 7000, T0 + SEC, 500, 20);
	tb_stream_ptime(&b, SV, 7000, NAT, 6000, T0 + SEC, 167, 60);
	inreq(&b, T0 + 11 * SEC, "BYE", 2, true, "pt1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* 60 ms the other way round, the reverse dead: the finding quotes
	 * the measured ptime and the packets the stream carries */
	tb_init(&b);
	invite(&b, T0, "pt2", NAT, "sendrecv");
	ok200(&b, T0 + SEC, "pt2", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "pt2", "ack");
	tb_stream_ptime(&b, NAT, 6000, SV, 7000, T0 + SEC, 167, 60);
	inreq(&b, T0 + 11 * SEC, "BYE", 2, true, "pt2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(count(&b, "one_way_audio"), 1);
	{
		const struct finding *f = get(&b, "one_way_audio");
		bool ev = false;

		for (int i = 0; i < f->nev; i++)
			if (strstr(f->ev[i].value, "ptime 60 ms (measured)"))
				ev = true;
		CU_ASSERT(ev);
		CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "delivered 167 "));
	}
	tb_free(&b);
}

/*
 * Seen on the public side (a server's capture, the ALG off): the far
 * end's RTP goes to the phone's private c=, which is on the wire here but
 * undeliverable; the phone's RTP arrives from the NAT.  One-way audio,
 * and the legs say so per segment.
 */
static void
test_undeliverable(void)
{
	struct tb b;
	struct detect_media_leg leg[4];
	int n;

	tb_init(&b);
	tb_add(&b, T0, NAT, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKu1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: ud1\nCSeq: 1 INVITE\nContact: <sip:phone@" PH ":5060>\n"
	    "Content-Type: application/sdp\n\n" SDP_FMT, PH, PH, 6000,
	    "sendrecv");
	tb_add(&b, T0 + SEC, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKu1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: ud1\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n"
	    "Content-Type: application/sdp\n\n" SDP_FMT, SV, SV, 7000,
	    "sendrecv");
	tb_stream_ptime(&b, NAT, 6000, SV, 7000, T0 + SEC, 500, 20);
	tb_stream_ptime(&b, SV, 7000, PH, 6000, T0 + SEC, 500, 20);
	tb_add(&b, T0 + 11 * SEC, NAT, 5060, SV, 5060, -1,
	    "BYE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKu2\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=s\n"
	    "Call-ID: ud1\nCSeq: 2 BYE\n\n");
	detect_media_classify(b.d);
	n = detect_media_legs(b.d, leg, 4);
	/* all on the public side: the private destination is not the
	 * phone's own address here (the phone sends from NAT) */
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(leg[0].dir, 1);
	CU_ASSERT_EQUAL(leg[0].segment, RTP_SEG_OUTSIDE);
	CU_ASSERT_STRING_EQUAL(leg[0].state, "delivered");
	CU_ASSERT_EQUAL(leg[0].packets, 500);
	CU_ASSERT_EQUAL(leg[0].ptime_ms, 20);
	CU_ASSERT_EQUAL(leg[1].dir, -1);
	CU_ASSERT_STRING_EQUAL(leg[1].state, "undeliverable");
	CU_ASSERT_EQUAL(leg[1].packets, 500);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 1);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* the same call seen inside (the phone's own address on the wire):
	 * the far end's RTP to the phone's private c= is delivered */
	tb_init(&b);
	invite(&b, T0, "ud2", PH, "sendrecv");
	ok200(&b, T0 + SEC, "ud2", "sendrecv", "");
	tb_stream_ptime(&b, PH, 6000, SV, 7000, T0 + SEC, 500, 20);
	tb_stream_ptime(&b, SV, 7000, PH, 6000, T0 + SEC, 500, 20);
	inreq(&b, T0 + 11 * SEC, "BYE", 2, true, "ud2", "bye");
	detect_media_classify(b.d);
	n = detect_media_legs(b.d, leg, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(leg[0].segment, RTP_SEG_INSIDE);
	CU_ASSERT_STRING_EQUAL(leg[0].state, "delivered");
	CU_ASSERT_STRING_EQUAL(leg[1].state, "delivered");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);
}

/*
 * Issue 15, "findings once, per segment": two phones behind one NAT (A =
 * PH:5060, B = PB:5062) call through a proxy past it (SV), B having
 * written a public address that is not its own (OTHER) as its c=.  A's
 * RTP goes there; B's goes to A's private address phone to phone and
 * crosses no capture point.  Seen inside and outside at once (a merged
 * file): inside, A's RTP is undeliverable (B signals from behind the NAT)
 * and B's not observable; outside, A's RTP leaves for B's c= and B's is
 * missing.  The receiver's side (inside) cannot judge the pair, the
 * outside can: one_way_audio once, from the outside segment, as a
 * capture of the outside alone reports it.  The inside alone: nothing.
 */
#define PB "10.0.0.3"

/* One message of the lan-proxy call: kind 0 INVITE (A's SDP, c= a_conn
 * from the proxy on), 1 200 OK (B's SDP), 2 ACK, 3 BYE; leg 0 between A
 * and the proxy, 1 between the proxy and B; outside: as seen on the
 * NAT's public side. */
static void
lp_msg(struct tb *b, int64_t t, int kind, int leg, bool outside,
    const char *a_conn)
{
	static const char *const meth[] = { "INVITE", NULL, "ACK", "BYE" };
	const char *phone = outside ? NAT : (leg ? PB : PH);
	uint16_t pport = leg ? 5062 : 5060;
	char body[512] = "";
	bool to_phone = (kind == 1) != (leg == 1);

	if (kind == 0 && (leg == 1 || outside))
		snprintf(body, sizeof(body), SDP_FMT, PH, a_conn, 6000,
		    "sendrecv");
	else if (kind == 0)
		snprintf(body, sizeof(body), SDP_FMT, PH, PH, 6000, "sendrecv");
	else if (kind == 1)
		snprintf(body, sizeof(body), SDP_FMT, OTHER, OTHER, 6100,
		    "sendrecv");
	if (kind == 1)
		tb_add(b, t, to_phone ? SV : phone, to_phone ? 5060 : pport,
		    to_phone ? phone : SV, to_phone ? pport : 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "%sVia: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKlp0\n"
		    "From: <sip:a@" SV ">;tag=a1\nTo: <sip:b@" SV ">;tag=b1\n"
		    "Call-ID: lp1\nCSeq: 1 INVITE\nContact: <sip:b@" PB
		    ":5062>\nContent-Type: application/sdp\n\n%s",
		    leg ? "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKpx0\n" :
		    "", body);
	else
		tb_add(b, t, to_phone ? SV : phone, to_phone ? 5060 : pport,
		    to_phone ? phone : SV, to_phone ? pport : 5060, -1,
		    "%s sip:b@%s SIP/2.0\n"
		    "%sVia: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKlp%d\n"
		    "From: <sip:a@" SV ">;tag=a1\nTo: <sip:b@" SV ">%s\n"
		    "Call-ID: lp1\nCSeq: %d %s\nContact: <sip:a@" PH ":5060>\n"
		    "%s\n%s", meth[kind], leg ? PB : SV,
		    leg ? "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKpx1\n" :
		    "", kind, kind ? ";tag=b1" : "", kind == 3 ? 2 : 1,
		    kind == 2 ? "INVITE" : meth[kind],
		    kind == 0 ? "Content-Type: application/sdp\n" : "", body);
}

/*
 * The lan-proxy call: A (PH) and B (PB) behind one NAT, through a proxy
 * past it; B writes a public c= it is not at (OTHER).  views: 1 inside,
 * 2 outside, 3 both; a_conn: A's c= as B gets it (PH: no ALG; NAT: an
 * ALG's rewrite).  A's RTP goes to OTHER and crosses both points; B's
 * goes to a_conn: phone to phone (PH), or to the NAT's own address.
 */
static void
lan_proxy_call(struct tb *b, int views, const char *a_conn)
{
	static const struct { int kind, leg; int64_t at; } seq[] = {
		{ 0, 0, 0 }, { 0, 1, 2 * MS }, { 1, 1, SEC },
		{ 1, 0, SEC + 2 * MS }, { 2, 0, SEC + 10 * MS },
		{ 2, 1, SEC + 12 * MS }, { 3, 0, 11 * SEC },
		{ 3, 1, 11 * SEC + 2 * MS },
	};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		if (views & 1)
			lp_msg(b, T0 + seq[i].at, seq[i].kind, seq[i].leg,
			    false, a_conn);
		if (views & 2)
			lp_msg(b, T0 + seq[i].at + MS / 2, seq[i].kind,
			    seq[i].leg, true, a_conn);
	}
	if (views & 1) {
		tb_stream_ptime(b, PH, 6000, OTHER, 6100, T0 + SEC + 20 * MS,
		    500, 20);
		if (strcmp(a_conn, NAT) == 0)
			tb_stream_ptime(b, PB, 6100, NAT, 6000,
			    T0 + SEC + 20 * MS, 500, 20);
	}
	if (views & 2)
		tb_stream_ptime(b, NAT, 6000, OTHER, 6100, T0 + SEC + 20 * MS,
		    500, 20);
}

/*
 * Two phones behind one NAT, B's c= a public address it is not at.  On
 * the public side both signal from the NAT's address: media reaches
 * either there only at that address, so A's RTP sent out of it to B's
 * c= is undeliverable there as inside; B's, given A's private address,
 * goes phone to phone and is not observable on either side (it was
 * "absent" outside, and the pair judged there gave one_way_audio naming
 * A's dead RTP as the live direction); given the NAT's own address (an
 * ALG's rewrite) it turns at the NAT or dies there, never crossing the
 * public side: absent there, and the outside alone gives no_audio
 * (v15-lanproxy-bfar-alg-on: one_way_audio before).
 */
static void
test_segment_fallback(void)
{
	struct tb b;
	struct detect_media_leg leg[4];
	int n;

	/* inside and outside at once, no ALG */
	tb_init(&b);
	lan_proxy_call(&b, 3, PH);
	n = judged_legs(&b, leg);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(leg[0].segment, RTP_SEG_INSIDE);
	CU_ASSERT_STRING_EQUAL(leg[0].state, "undeliverable");
	CU_ASSERT_STRING_EQUAL(leg[1].state, "not_observable");
	CU_ASSERT_EQUAL(leg[2].segment, RTP_SEG_OUTSIDE);
	CU_ASSERT_STRING_EQUAL(leg[2].state, "undeliverable");
	CU_ASSERT_STRING_EQUAL(leg[3].state, "not_observable");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* the inside alone shows only the dead direction: nothing */
	tb_init(&b);
	lan_proxy_call(&b, 1, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* the outside alone, no ALG: nothing either */
	tb_init(&b);
	lan_proxy_call(&b, 2, PH);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 0);
	tb_free(&b);

	/* the outside alone, B given the NAT's address: no audio */
	tb_init(&b);
	lan_proxy_call(&b, 2, NAT);
	n = judged_legs(&b, leg);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(leg[0].state, "undeliverable");
	CU_ASSERT_STRING_EQUAL(leg[1].state, "absent");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	tb_free(&b);

	/* both views, B given the NAT's address: no audio, once */
	tb_init(&b);
	lan_proxy_call(&b, 3, NAT);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	CU_ASSERT_EQUAL(count(&b, "no_audio"), 1);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "one-way audio", test_one_way_audio },
		{ "audio, silent cases", test_audio_silent },
		{ "no audio", test_no_audio },
		{ "media visibility", test_visibility },
		{ "one-way predicted from the SDP", test_predicted_oneway },
		{ "refused RTP", test_refused_rtp },
		{ "one-way audio, late start", test_one_way_late_start },
		{ "measured packetisation", test_measured_ptime },
		{ "undeliverable on the public side", test_undeliverable },
		{ "judged on the segment that shows both directions",
		    test_segment_fallback },
		{ NULL, NULL }
	};

	return detect_test_main("detect_audio", tests);
}
