/*
 * test_detect.c - the symptom detectors (detect.h) on dialogs built here:
 * SIP messages written out in full and parsed, put through the dialog
 * table as the analysis does, RTP streams filled in directly.  Each
 * detector gets cases at the edges of its thresholds and cases that must
 * stay silent (a clean call, a normal re-registration, a normal hangup at
 * 31 s).
 */
#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/detect_int.h"
#include "sip/dialog.h"
#include "sip/sipmsg.h"

#define SEC 1000000000LL
#define MS 1000000LL
#define T0 (1700000000LL * SEC)

/* What the done callback saw: detector results of the last dialog, and
 * of every dialog by Call-ID (the first SEEN_ALL). */
#define SEEN_ALL 8
struct seen {
	struct detect *dt;
	struct findings f;
	int n;
	struct {
		char cid[64];
		struct findings f;
	} all[SEEN_ALL];
};

static bool
done(void *user, struct dialog *d)
{
	struct seen *s = user;

	detect_dialog(s->dt, d);
	memset(&s->f, 0, sizeof(s->f));
	if (d->findings != NULL)
		s->f = *d->findings;
	if (s->n < SEEN_ALL) {
		snprintf(s->all[s->n].cid, sizeof(s->all[s->n].cid), "%.63s",
		    d->call_id);
		s->all[s->n].f = s->f;
	}
	s->n++;
	return false;
}

struct tb {
	struct seen s;
	struct dialog_table *t;
	struct dialog *d;
	uint64_t frame;
};

static void
tb_init(struct tb *b)
{
	memset(b, 0, sizeof(*b));
	b->s.dt = detect_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->s.dt);
	b->t = dialog_table_new(done, &b->s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->t);
}

/* Ends the table (runs the detectors) and frees it. */
static void
tb_finish(struct tb *b)
{
	dialog_table_free(b->t);
	b->t = NULL;
}

/* Reports what is in flight, then starts a new table on the same detector
 * state (dialogs reported in this order, whatever their kind). */
static void
tb_next(struct tb *b)
{
	dialog_table_free(b->t);
	b->t = dialog_table_new(done, &b->s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->t);
}

static void
tb_free(struct tb *b)
{
	if (b->t)
		dialog_table_free(b->t);
	detect_free(b->s.dt);
}

static struct ep
mkep(const char *ip, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	e.port = port;
	CU_ASSERT_EQUAL_FATAL(ep_parse_ip(&e, ip, strlen(ip)), 0);
	return e;
}

/*
 * Adds one message (printf-style text, \n turned into CRLF, body after
 * the blank line, Content-Length computed unless cl >= 0 is given) sent
 * from src to dst at t.  Returns whether it was a retransmission.
 */
static bool
tb_add(struct tb *b, int64_t t, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, int cl, const char *fmt, ...)
{
	char text[4096], raw[8192], *body;
	size_t n = 0, hl, bl;
	va_list ap;
	struct pkt p;
	struct sipmsg *m;
	bool rt = false;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	body = strstr(text, "\n\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	*body = '\0';
	body += 2;
	bl = 0;
	for (const char *q = body; *q; q++)
		bl += *q == '\n' ? 2 : 1;
	for (const char *q = text; *q && n < sizeof(raw) - 64; q++) {
		if (*q == '\n')
			raw[n++] = '\r';
		raw[n++] = *q;
	}
	n += (size_t)snprintf(raw + n, sizeof(raw) - n,
	    "\r\nContent-Length: %d\r\n\r\n", cl >= 0 ? cl : (int)bl);
	hl = n;
	for (const char *q = body; *q && n < sizeof(raw) - 2; q++) {
		if (*q == '\n')
			raw[n++] = '\r';
		raw[n++] = *q;
	}
	(void)hl;
	m = sipmsg_parse((const uint8_t *)raw, n, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(&p, 0, sizeof(p));
	p.l4 = PKT_UDP;
	p.ts_ns = t;
	p.frame = ++b->frame;
	p.src = mkep(src, sport);
	p.dst = mkep(dst, dport);
	b->d = dialog_table_add(b->t, m, &p, 0, NULL, &rt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->d);
	return rt;
}

/* An RTP stream of n packets from first at pps, attached to the dialog. */
static void
tb_stream(struct tb *b, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, int64_t first, int n, int pps)
{
	struct rtp_stream *s = calloc(1, sizeof(*s));
	struct ep a = mkep(src, sport), c = mkep(dst, dport);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	rtp_stream_init(s, &a, &c, 0x1234);
	for (int i = 0; i < n; i++) {
		struct rtp_hdr h = { 2, 0, 0, 0, 0, 8, (uint16_t)i,
		    (uint32_t)i * 160, 0x1234, 12, 160 };

		rtp_stream_add(s, &h, first + (int64_t)i * SEC / pps,
		    (uint64_t)i);
	}
	CU_ASSERT_FATAL(b->d->nstreams < CAP_DIALOG_STREAMS);
	b->d->streams[b->d->nstreams++] = s;
	dialog_table_touch(b->t, b->d, s->last_ns);
}

static int
count(const struct tb *b, const char *id)
{
	int n = 0;

	for (int i = 0; i < b->s.f.n; i++)
		if (strcmp(b->s.f.f[i].id, id) == 0)
			n++;
	return n;
}

/* The findings of the dialog with this Call-ID (empty when not seen). */
static const struct findings *
of(const struct tb *b, const char *cid)
{
	static const struct findings none;

	for (int i = 0; i < b->s.n && i < SEEN_ALL; i++)
		if (strcmp(b->s.all[i].cid, cid) == 0)
			return &b->s.all[i].f;
	return &none;
}

static const struct finding *
find_in(const struct findings *fs, const char *id, const char *in_summary)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].id, id) == 0 && (in_summary == NULL ||
		    strstr(fs->f[i].summary, in_summary) != NULL))
			return &fs->f[i];
	return NULL;
}

/* The evidence of f with this field, NULL none. */
static const struct evidence *
ev_of(const struct finding *f, const char *field)
{
	for (int i = 0; f != NULL && i < f->nev; i++)
		if (strcmp(f->ev[i].field, field) == 0)
			return &f->ev[i];
	return NULL;
}

static const struct finding *
get(const struct tb *b, const char *id)
{
	static const struct finding none = { .confidence = -1 };

	for (int i = 0; i < b->s.f.n; i++)
		if (strcmp(b->s.f.f[i].id, id) == 0)
			return &b->s.f.f[i];
	return &none;
}

/* ---- a call between a phone (caller) and a server ---------------- */

#define PH "10.0.0.2"
#define SV "198.51.100.2"

static const char sdp_fmt[] =
    "v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n"
    "m=audio %d RTP/AVP 8\na=rtpmap:8 PCMA/8000\na=%s\n";

static void
invite(struct tb *b, int64_t t, const char *cid, const char *c,
    const char *dir)
{
	char body[512];

	snprintf(body, sizeof(body), sdp_fmt, c, c, 6000, dir);
	tb_add(b, t, PH, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinv%s\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:phone@" PH ":5060>\n"
	    "Content-Type: application/sdp\n\n%s", cid, cid, body);
}

static void
ok200(struct tb *b, int64_t t, const char *cid, const char *dir,
    const char *extra)
{
	char body[512];

	snprintf(body, sizeof(body), sdp_fmt, SV, SV, 7000, dir);
	tb_add(b, t, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinv%s\n"
	    "From: <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@" SV ":5060>\n"
	    "%sContent-Type: application/sdp\n\n%s", cid, cid, extra, body);
}

static void
inreq(struct tb *b, int64_t t, const char *method, int cseq, bool from_phone,
    const char *cid, const char *branch)
{
	if (from_phone)
		tb_add(b, t, PH, 5060, SV, 5060, -1,
		    "%s sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bK%s\n"
		    "From: <sip:phone@" PH ">;tag=ph1\n"
		    "To: <sip:server@" SV ">;tag=sv1\n"
		    "Call-ID: %s\nCSeq: %d %s\n\n", method, branch, cid, cseq,
		    method);
	else
		tb_add(b, t, SV, 5060, PH, 5060, -1,
		    "%s sip:phone@" PH " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bK%s\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: %d %s\n\n", method, branch, cid, cseq,
		    method);
}

/* ---- ack_timeout_drop -------------------------------------------- */

/* The phone answers an incoming call: server INVITE, phone 200 x(1+n). */
static void
uas_call(struct tb *b, const char *cid, int nretrans, bool ack, double bye_at,
    int64_t t1)
{
	char body[512];
	int64_t t = T0, gap = t1, rt = T0 + SEC;

	snprintf(body, sizeof(body), sdp_fmt, SV, SV, 7000, "sendrecv");
	tb_add(b, t, SV, 5060, PH, 5060, -1,
	    "INVITE sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKi%s\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n"
	    "Content-Type: application/sdp\n\n%s", cid, cid, body);
	snprintf(body, sizeof(body), sdp_fmt, PH, PH, 6000, "sendrecv");
	for (int i = 0; i <= nretrans; i++) {
		bool r = tb_add(b, rt, PH, 5060, SV, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKi%s\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\n"
		    "Contact: <sip:phone@" PH ":5060>\n"
		    "Content-Type: application/sdp\n\n%s", cid, cid, body);
		CU_ASSERT_EQUAL(r, i > 0);
		rt += gap;
		gap = gap * 2 > 4 * SEC ? 4 * SEC : gap * 2; /* T2 */
	}
	if (ack)
		tb_add(b, T0 + SEC + 50 * MS, SV, 5060, PH, 5060, -1,
		    "ACK sip:phone@" PH " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKack\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: 1 ACK\n\n", cid);
	if (bye_at > 0)
		tb_add(b, T0 + SEC + (int64_t)(bye_at * 1e9), PH, 5060, SV, 5060,
		    -1, "BYE sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKbye\n"
		    "From: <sip:phone@" PH ">;tag=ph1\n"
		    "To: <sip:server@" SV ">;tag=sv1\n"
		    "Call-ID: %s\nCSeq: 2 BYE\n\n", cid);
}

static void
test_ack_timeout_full_pattern(void)
{
	struct tb b;
	const struct finding *f;

	tb_init(&b);
	uas_call(&b, "ack1", 10, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	f = get(&b, "ack_timeout_drop");
	CU_ASSERT(f->confidence >= 0.89);
	CU_ASSERT(f->nev >= 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "10 times"));
	tb_free(&b);
}

static void
test_ack_timeout_edges(void)
{
	struct tb b;

	/* Exactly 6 retransmissions, BYE at 64*T1 + 1.4 s: flagged. */
	tb_init(&b);
	uas_call(&b, "ack2", 6, false, 33.4, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	tb_free(&b);

	/* BYE at 64*T1 + 1.6 s with 6 retransmissions: still flagged, with
	 * less confidence (no BYE on time). */
	tb_init(&b);
	uas_call(&b, "ack3", 6, false, 33.6, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence < 0.85);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence > 0);
	tb_free(&b);

	/* 3 retransmissions and no BYE: too few. */
	tb_init(&b);
	uas_call(&b, "ack4", 3, false, 0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* 3 retransmissions and the BYE exactly at 64*T1: flagged at 0.6. */
	tb_init(&b);
	uas_call(&b, "ack5", 3, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence < 0.65);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence > 0);
	tb_free(&b);

	/* T1 estimated from the first gap: T1 = 1 s, BYE at 64 s. */
	tb_init(&b);
	uas_call(&b, "ack6", 8, false, 64.0, SEC);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 1);
	CU_ASSERT(get(&b, "ack_timeout_drop")->confidence >= 0.89);
	tb_free(&b);
}

static void
test_ack_timeout_silent(void)
{
	struct tb b;

	/* Normal hangup at 31 s: ACK arrived, no retransmissions. */
	tb_init(&b);
	uas_call(&b, "ok1", 0, true, 31.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);

	/* Hangup at 32 s without ACK in the capture, no retransmissions:
	 * the capture missed the ACK; not flagged. */
	tb_init(&b);
	uas_call(&b, "ok2", 0, false, 32.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);

	/* Two retransmissions crossing the ACK: normal. */
	tb_init(&b);
	uas_call(&b, "ok3", 2, true, 31.0, SEC / 2);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ack_timeout_drop"), 0);
	tb_free(&b);
}

/* ---- one_way_audio / no_audio ------------------------------------ */

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
	call_with_media(&b, "cl1", "sendrecv", "sendrecv", 500, 500, SV);
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
	struct ep rep = mkep(SV, 0);

	/* two-way RTP, the reverse refused throughout: one-way audio */
	tb_init(&b);
	call_with_media(&b, "rf1", "sendrecv", "sendrecv", 500, 500, SV);
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
			    strstr(f->ev[i].value, "10 ICMP destination unreachable from " SV) != NULL)
				ev = true;
		CU_ASSERT(ev);
	}
	tb_free(&b);

	/* both refused: no audio */
	tb_init(&b);
	call_with_media(&b, "rf2", "sendrecv", "sendrecv", 500, 500, SV);
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
	call_with_media(&b, "rf3", "sendrecv", "sendrecv", 500, 500, SV);
	rtp_stream_refused(b.d->streams[1], &rep, T0 + 11 * SEC, 498);
	rtp_stream_refused(b.d->streams[1], &rep, T0 + 11 * SEC, 499);
	rtp_stream_refused(b.d->streams[0], &rep, T0 + SEC, 1);
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);
}

/* ---- ringing_after_answer / inbound_call_unanswered ------------- */

static void
test_ringing_after_answer(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "ra1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ra1", "sendrecv", "");
	/* The caller never got it: INVITE again at +2 s, CANCEL at +5 s. */
	invite(&b, T0 + 2 * SEC, "ra1", SV, "sendrecv");
	tb_add(&b, T0 + 5 * SEC, PH, 5060, SV, 5060, -1,
	    "CANCEL sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinvra1\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: ra1\nCSeq: 1 CANCEL\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ringing_after_answer"), 1);
	CU_ASSERT(get(&b, "ringing_after_answer")->confidence >= 0.79);
	tb_free(&b);

	/* A retransmission 100 ms after the 2xx crossed it: silent. */
	tb_init(&b);
	invite(&b, T0, "ra2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ra2", "sendrecv", "");
	invite(&b, T0 + SEC + 100 * MS, "ra2", SV, "sendrecv");
	inreq(&b, T0 + SEC + 200 * MS, "ACK", 1, true, "ra2", "ack");
	inreq(&b, T0 + 3 * SEC, "BYE", 2, true, "ra2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "ringing_after_answer"), 0);
	tb_free(&b);
}

static void
test_inbound_unanswered(void)
{
	struct tb b;

	/* Timer A: 0, 0.5, 1.5 s, no response. */
	tb_init(&b);
	invite(&b, T0, "iu1", SV, "sendrecv");
	invite(&b, T0 + SEC / 2, "iu1", SV, "sendrecv");
	invite(&b, T0 + 3 * SEC / 2, "iu1", SV, "sendrecv");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 1);
	tb_free(&b);

	/* One retransmission only: below the threshold. */
	tb_init(&b);
	invite(&b, T0, "iu2", SV, "sendrecv");
	invite(&b, T0 + SEC / 2, "iu2", SV, "sendrecv");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);

	/* Retransmitted but answered 100 Trying: silent. */
	tb_init(&b);
	invite(&b, T0, "iu3", SV, "sendrecv");
	invite(&b, T0 + SEC / 2, "iu3", SV, "sendrecv");
	invite(&b, T0 + 3 * SEC / 2, "iu3", SV, "sendrecv");
	tb_add(&b, T0 + 2 * SEC, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 100 Trying\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinviu3\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: iu3\nCSeq: 1 INVITE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);
}

/* ---- registration_failure ---------------------------------------- */

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

/* ---- alg_rewrite_evidence and the verdict ------------------------ */

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

/* ---- session timers, transfer, caller ID, hold ------------------- */

static void
test_session_refresh(void)
{
	struct tb b;

	/* SE 120 s, no refresh, BYE at SE - 32 = 88 s after the answer. */
	tb_init(&b);
	invite(&b, T0, "se1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "se1", "sendrecv",
	    "Session-Expires: 120;refresher=uac\n");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "se1", "ack");
	inreq(&b, T0 + SEC + 88 * SEC, "BYE", 2, false, "se1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "session_refresh_failure"), 1);
	tb_free(&b);

	/* Refreshed at 60 s, hangup at 100 s: silent. */
	tb_init(&b);
	invite(&b, T0, "se2", SV, "sendrecv");
	ok200(&b, T0 + SEC, "se2", "sendrecv",
	    "Session-Expires: 120;refresher=uac\n");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "se2", "ack");
	inreq(&b, T0 + 61 * SEC, "UPDATE", 2, true, "se2", "upd");
	tb_add(&b, T0 + 61 * SEC + 10 * MS, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\nVia: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKupd\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: se2\nCSeq: 2 UPDATE\n\n");
	inreq(&b, T0 + 101 * SEC, "BYE", 3, true, "se2", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
	tb_free(&b);
}

static void
test_transfer_and_callerid(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "tr1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "tr1", "sendrecv", "");
	inreq(&b, T0 + SEC + 10 * MS, "ACK", 1, true, "tr1", "ack");
	tb_add(&b, T0 + 5 * SEC, SV, 5060, PH, 5060, -1,
	    "REFER sip:phone@" PH " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr1\nCSeq: 5 REFER\nRefer-To: <sip:carol@192.168.7.7>\n\n");
	tb_add(&b, T0 + 5 * SEC + 10 * MS, PH, 5060, SV, 5060, -1,
	    "SIP/2.0 202 Accepted\n"
	    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKref\n"
	    "From: <sip:server@" SV ">;tag=sv1\nTo: <sip:phone@" PH ">;tag=ph1\n"
	    "Call-ID: tr1\nCSeq: 5 REFER\n\n");
	tb_add(&b, T0 + 6 * SEC, PH, 5060, SV, 5060, -1,
	    "NOTIFY sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKnot\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: tr1\nCSeq: 3 NOTIFY\nEvent: refer\n"
	    "Subscription-State: terminated\n"
	    "Content-Type: message/sipfrag\n\nSIP/2.0 503 Service Unavailable\n");
	tb_finish(&b);
	/* The private Refer-To from a public REFER, and the sipfrag 503. */
	CU_ASSERT_EQUAL(count(&b, "transfer_failure"), 2);
	tb_free(&b);

	/* From public, PAI private. */
	tb_init(&b);
	tb_add(&b, T0, "203.0.113.9", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKc\n"
	    "From: <sip:100@203.0.113.9>;tag=p\nTo: <sip:server@" SV ">\n"
	    "P-Asserted-Identity: <sip:100@192.168.1.10>\n"
	    "Call-ID: cid1\nCSeq: 1 INVITE\n\n");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "caller_id_mismatch"), 1);
	tb_free(&b);
}

static void
reinvite(struct tb *b, int64_t t, int cseq, const char *dir)
{
	char body[512];

	snprintf(body, sizeof(body), sdp_fmt, SV, SV, 6000, dir);
	tb_add(b, t, "198.51.100.1", 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKre%d\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: ho1\nCSeq: %d INVITE\n"
	    "Content-Type: application/sdp\n\n%s", cseq, cseq, body);
}

static void
test_media_lost_after_hold(void)
{
	struct tb b;

	tb_init(&b);
	invite(&b, T0, "ho1", SV, "sendrecv");
	ok200(&b, T0 + SEC, "ho1", "sendrecv", "");
	/* Both ways for 10 s, hold for 60 s, resume: only caller->callee. */
	tb_stream(&b, SV, 6000, SV, 7000, T0 + SEC, 500, 50);
	tb_stream(&b, SV, 7000, SV, 6000, T0 + SEC, 500, 50);
	reinvite(&b, T0 + 11 * SEC, 2, "sendonly");
	reinvite(&b, T0 + 71 * SEC, 3, "sendrecv");
	tb_stream(&b, SV, 6000, SV, 7000, T0 + 72 * SEC, 500, 50);
	inreq(&b, T0 + 83 * SEC, "BYE", 4, true, "ho1", "bye");
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);
}

static void
test_verdict_names(void)
{
	struct detect *dt = detect_new();
	struct detect_verdict v;

	CU_ASSERT_STRING_EQUAL(detect_alg_name(DETECT_ALG_LIKELY), "likely");
	CU_ASSERT_STRING_EQUAL(detect_alg_name(DETECT_ALG_UNLIKELY), "unlikely");
	CU_ASSERT_STRING_EQUAL(detect_alg_name(DETECT_ALG_UNKNOWN), "unknown");
	detect_verdict_get(dt, &v);
	CU_ASSERT_EQUAL(v.alg, DETECT_ALG_UNKNOWN);
	CU_ASSERT_EQUAL(v.dialogs, 0);
	CU_ASSERT_STRING_EQUAL(detect_ids[0], "ack_timeout_drop");
	CU_ASSERT_STRING_EQUAL(detect_ids[10], "alg_rewrite_evidence");
	CU_ASSERT_PTR_NULL(detect_ids[11]);
	detect_free(dt);
}

/* ---- the phone's binding: idle gap, registrar, keepalives -------- */

#define NAT "198.51.100.1"      /* the phone's public address (outside view) */
#define OTHER "203.0.113.9"     /* a caller that is not the registrar */

/* REGISTER seen outside: NAT:5060 -> SV, Contact private, 200 granting
 * expires (0: no Expires in the 200). */
static void
reg_out(struct tb *b, int64_t t, const char *cid, int cseq, int expires)
{
	tb_add(b, t, NAT, 5060, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo%s%d\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">\n"
	    "Call-ID: %s\nCSeq: %d REGISTER\n"
	    "Contact: <sip:phone@" PH ":5060>\n\n", cid, cseq, cid, cseq);
	tb_add(b, t + 20 * MS, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo%s%d\n"
	    "From: <sip:phone@" SV ">;tag=r1\n"
	    "To: <sip:phone@" SV ">;tag=x\n"
	    "Call-ID: %s\nCSeq: %d REGISTER\n"
	    "Contact: <sip:phone@" PH ":5060>;expires=%d\n\n", cid, cseq, cid,
	    cseq, expires);
}

/* An INVITE from src to the phone's public binding at t, sent 1 + n
 * times on Timer A, never answered. */
static void
inbound_invite(struct tb *b, int64_t t, const char *src, const char *cid,
    int n)
{
	char body[512];
	int64_t gap = SEC / 2;

	snprintf(body, sizeof(body), sdp_fmt, src, src, 7000, "sendrecv");
	for (int i = 0; i <= n; i++) {
		tb_add(b, t, src, 5060, NAT, 5060, -1,
		    "INVITE sip:phone@" NAT ":5060 SIP/2.0\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKin%s\n"
		    "From: <sip:server@%s>;tag=sv1\nTo: <sip:phone@" NAT ">\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@%s>\n"
		    "Content-Type: application/sdp\n\n%s", src, cid, src, cid,
		    src, body);
		t += gap;
		gap *= 2;
	}
}

/*
 * The INVITE's dialog is reported before the registration (as at the end
 * of a capture): the gap is reported on the registration dialog.
 */
static void
gap_pending(double gap_s, double want_conf, const char *want_sum)
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
	/* The binding's finding, with the gap. */
	f = find_in(of(&b, "gp-reg"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, want_conf, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, want_sum));
	e = ev_of(f, "binding idle gap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->frame, 1);      /* the REGISTER */
	CU_ASSERT_EQUAL(e->ts_ns, T0);
	e = ev_of(f, "INVITE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->frame, 3);
	CU_ASSERT_PTR_NULL(ev_of(f, "INVITE source vs registrar"));
	tb_free(&b);
}

static void
test_inbound_gap_pending(void)
{
	/* Below every preset: the gap is shown, the confidence not raised. */
	gap_pending(10.3, 0.6, "silent 10.3 s on its binding");
	/* 30 s exactly is not beyond the 30 s conntrack timeout. */
	gap_pending(30.0, 0.6, "silent 30.0 s on its binding");
	gap_pending(30.5, 0.7, "(beyond the 30 s Linux conntrack UDP timeout)");
	gap_pending(60.0, 0.7, "(beyond the 30 s Linux conntrack UDP timeout)");
	gap_pending(60.5, 0.75, "30 s Linux conntrack and 60 s consumer-router");
	gap_pending(181, 0.8, "180 s FortiGate");
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

	/* Registration reported after: on the registration. */
	tb_init(&b);
	reg_out(&b, T0, "nr-reg", 1, 3600);
	inbound_invite(&b, T0 + 5 * SEC, OTHER, "nr-inv", 3);
	tb_finish(&b);
	f = find_in(of(&b, "nr-reg"), "inbound_call_unanswered", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.7, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "INVITE source vs registrar"));
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

/* Tables in struct detect stay bounded. */
static void
test_binding_bounds(void)
{
	struct detect *dt = detect_new();
	struct detect_verdict v;
	struct detect_binding *bd;
	struct ep ph = mkep(NAT, 5060), sv = mkep(SV, 5060);
	int64_t gap;
	const struct detect_span *sp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dt);
	for (int i = 0; i < DETECT_MAX_BINDINGS + 100; i++) {
		struct ep e = ph;

		e.port = (uint16_t)(1024 + i);
		detect_keepalive(dt, &e, &sv, T0);
	}
	detect_verdict_get(dt, &v);
	CU_ASSERT_EQUAL(v.bindings_dropped, 100);
	CU_ASSERT_EQUAL(dt->nbindings, DETECT_MAX_BINDINGS);
	/* A full table records nothing new, and nothing old is disturbed. */
	detect_keepalive(dt, &ph, &sv, T0);
	CU_ASSERT_PTR_NULL(detect_binding_get(dt, &ph, &sv, false));
	detect_free(dt);

	/* Spans: merged under 20 s, at most BINDING_SPANS, oldest dropped. */
	dt = detect_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dt);
	for (int i = 0; i < 100; i++)
		detect_keepalive(dt, &ph, &sv, T0 + i * 10 * SEC);
	bd = detect_binding_get(dt, &ph, &sv, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bd);
	CU_ASSERT_EQUAL(bd->nspan, 1);
	CU_ASSERT_EQUAL(bd->keepalives, 100);
	CU_ASSERT_EQUAL(detect_binding_last_tx(bd, T0 + 500 * SEC, &gap, &sp), 0);
	CU_ASSERT_EQUAL(detect_binding_last_tx(bd, T0 + 1000 * SEC, &gap, &sp), 1);
	CU_ASSERT_EQUAL(gap, 10 * SEC);
	CU_ASSERT_EQUAL(detect_binding_last_tx(bd, T0, &gap, &sp), -1);
	for (int i = 0; i < 50; i++)
		detect_keepalive(dt, &ph, &sv, T0 + 2000 * SEC + i * 21 * SEC);
	CU_ASSERT_EQUAL(bd->nspan, BINDING_SPANS);
	CU_ASSERT_EQUAL(bd->span[BINDING_SPANS - 1].to_ns,
	    T0 + 2000 * SEC + 49 * 21 * SEC);
	for (int i = 1; i < bd->nspan; i++)
		CU_ASSERT(bd->span[i].from_ns > bd->span[i - 1].to_ns +
		    BINDING_MERGE_NS);
	/* Full, and older than every span kept: dropped, not inserted. */
	detect_keepalive(dt, &ph, &sv, T0 - 1000 * SEC);
	CU_ASSERT_EQUAL(bd->nspan, BINDING_SPANS);
	CU_ASSERT(bd->span[0].from_ns > T0);
	/* Out of order: a packet between two spans joins them. */
	CU_ASSERT_EQUAL(detect_binding_last_tx(bd, T0 + 2000 * SEC +
	    48 * 21 * SEC + 10 * SEC, &gap, &sp), 1);
	CU_ASSERT_EQUAL(gap, 10 * SEC);
	detect_keepalive(dt, &ph, &sv, T0 + 2000 * SEC + 48 * 21 * SEC + 10 * SEC);
	CU_ASSERT_EQUAL(bd->nspan, BINDING_SPANS - 1);
	CU_ASSERT_EQUAL(detect_binding_last_tx(bd, T0 + 2000 * SEC +
	    48 * 21 * SEC + 15 * SEC, &gap, &sp), 0);
	/* Not full: an older packet gets a span of its own, first. */
	detect_keepalive(dt, &ph, &sv, T0 - 1000 * SEC);
	CU_ASSERT_EQUAL(bd->nspan, BINDING_SPANS);
	CU_ASSERT_EQUAL(bd->span[0].from_ns, T0 - 1000 * SEC);
	detect_free(dt);

	/* Pending INVITEs: at most DETECT_MAX_PENDING, the rest counted. */
	{
		struct tb b;
		char cid[32];

		tb_init(&b);
		for (int i = 0; i < DETECT_MAX_PENDING + 3; i++) {
			snprintf(cid, sizeof(cid), "pend%d", i);
			inbound_invite(&b, T0 + i * SEC, SV, cid, 2);
		}
		tb_finish(&b);
		detect_verdict_get(b.s.dt, &v);
		CU_ASSERT_EQUAL(v.bindings_dropped, 3);
		tb_free(&b);
	}
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
	f = find_in(of(&b, "rf"), "registration_failure", "keepalive");
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

	/* Inside view (private source): not judged, the box may keep it. */
	tb_init(&b);
	reg(&b, T0, 1, 5060, true, 200, "OK");
	tb_finish(&b);
	CU_ASSERT_EQUAL(b.s.f.n, 0);
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
	CU_ASSERT_EQUAL(count(&b, "registration_failure"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(get(&b, "registration_failure")->ev[0].value,
	    "the registrar saw it from " NAT));
	tb_free(&b);
}

/* ---- media_lost_after_hold: the long-silence variant --------------- */

/*
 * Call answered at T0 + 1 s; caller->callee RTP for fwd_s seconds,
 * callee->caller for rev_s seconds, then optionally again from
 * resume_at_s for 10 s on resume_port; BYE at bye_s.
 */
static void
silence_call(struct tb *b, const char *cid, int fwd_s, int rev_s,
    int resume_at_s, uint16_t resume_port, int bye_s)
{
	invite(b, T0, cid, PH, "sendrecv");
	ok200(b, T0 + SEC, cid, "sendrecv", "");
	inreq(b, T0 + SEC + 10 * MS, "ACK", 1, true, cid, "ack");
	tb_stream(b, "198.51.100.1", 6000, SV, 7000, T0 + SEC, fwd_s * 50, 50);
	tb_stream(b, SV, 7000, PH, 6000, T0 + SEC, rev_s * 50, 50);
	if (resume_at_s > 0)
		tb_stream(b, SV, resume_port, PH, 6000,
		    T0 + (int64_t)resume_at_s * SEC, 500, 50);
	inreq(b, T0 + (int64_t)bye_s * SEC, "BYE", 2, true, cid, "bye");
}

static void
test_media_long_silence(void)
{
	struct tb b;
	const struct finding *f;

	/* Callee stops at 11 s, caller sends to 200 s: 190 s of silence. */
	tb_init(&b);
	silence_call(&b, "ls1", 199, 10, 0, 0, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.6, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "callee->caller stopped"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "120 s conntrack stream"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "never came back"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "last RTP packet"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "call still up"));
	CU_ASSERT_EQUAL(count(&b, "one_way_audio"), 0);
	tb_free(&b);

	/* 119 s of silence: below the 120 s preset. */
	tb_init(&b);
	silence_call(&b, "ls2", 129, 10, 0, 0, 130);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* 121 s: flagged. */
	tb_init(&b);
	silence_call(&b, "ls3", 131, 10, 0, 0, 132);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	tb_free(&b);

	/* Beyond 300 s: ZyXEL too, 0.7. */
	tb_init(&b);
	silence_call(&b, "ls4", 349, 10, 0, 0, 350);
	tb_finish(&b);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_DOUBLE_EQUAL(f->confidence, 0.7, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "300 s ZyXEL"));
	tb_free(&b);

	/* Back after 150 s on a new port: flagged as such. */
	tb_init(&b);
	silence_call(&b, "ls5", 200, 10, 161, 7002, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 1);
	f = get(&b, "media_lost_after_hold");
	CU_ASSERT_PTR_NOT_NULL(strstr(f->summary, "came back only on new ports"));
	CU_ASSERT_PTR_NOT_NULL(ev_of(f, "RTP resumed on new ports"));
	tb_free(&b);

	/* Back after 150 s on the same ports: not lost, silent. */
	tb_init(&b);
	silence_call(&b, "ls6", 200, 10, 161, 7000, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* The other direction stopped too: nothing kept flowing. */
	tb_init(&b);
	silence_call(&b, "ls7", 10, 10, 0, 0, 200);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
	tb_free(&b);

	/* Hung up at 20 s: the call did not stay up. */
	tb_init(&b);
	silence_call(&b, "ls8", 19, 10, 0, 0, 20);
	tb_finish(&b);
	CU_ASSERT_EQUAL(count(&b, "media_lost_after_hold"), 0);
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
	    "flagged at >= 80 % vs < 5 % over >= 2 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(get(&b, "one_way_audio")->explanation,
	    "at least 2 s"));
	tb_free(&b);
}

int
main(void)
{
	CU_pSuite s;

	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("detect", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "ack timeout, full pattern", test_ack_timeout_full_pattern) ||
	    !CU_add_test(s, "ack timeout, threshold edges", test_ack_timeout_edges) ||
	    !CU_add_test(s, "ack timeout, silent cases", test_ack_timeout_silent) ||
	    !CU_add_test(s, "one-way audio", test_one_way_audio) ||
	    !CU_add_test(s, "audio, silent cases", test_audio_silent) ||
	    !CU_add_test(s, "no audio", test_no_audio) ||
	    !CU_add_test(s, "refused RTP", test_refused_rtp) ||
	    !CU_add_test(s, "ringing after answer", test_ringing_after_answer) ||
	    !CU_add_test(s, "inbound unanswered", test_inbound_unanswered) ||
	    !CU_add_test(s, "registration", test_registration) ||
	    !CU_add_test(s, "rewrite residue", test_rewrite_residue) ||
	    !CU_add_test(s, "content-length, received=", test_rewrite_content_length_and_received) ||
	    !CU_add_test(s, "session refresh", test_session_refresh) ||
	    !CU_add_test(s, "transfer, caller id", test_transfer_and_callerid) ||
	    !CU_add_test(s, "media lost after hold", test_media_lost_after_hold) ||
	    !CU_add_test(s, "verdict names", test_verdict_names) ||
	    !CU_add_test(s, "inbound: gap on the registration", test_inbound_gap_pending) ||
	    !CU_add_test(s, "inbound: gap on the call", test_inbound_gap_known) ||
	    !CU_add_test(s, "inbound: not the registrar", test_inbound_not_registrar) ||
	    !CU_add_test(s, "binding tables bounded", test_binding_bounds) ||
	    !CU_add_test(s, "registration refresh vs NAT", test_registration_refresh) ||
	    !CU_add_test(s, "media lost after long silence", test_media_long_silence) ||
	    !CU_add_test(s, "one-way audio, late start", test_one_way_late_start)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned nf = CU_get_number_of_failures();

		CU_cleanup_registry();
		return nf != 0;
	}
}
