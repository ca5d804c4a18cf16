/*
 * test_tui_view.c - the presentation model the browser draws
 * (analyzer/present/view.h) and its exports (tui/export.c): call-list
 * cells, layout, sort and filter, the ladder,
 * message lines and comparison, sparklines, CSV, and saving a dialog to a
 * pcap that the analyzer reads back to the same dialog; pair mode's model
 * and text (tui/pairs.c): deep copies of diff dialogs, worst class and
 * badges, change lines, the summary's lines.
 *
 * Dialogs are built by hand from SIP messages written here byte by byte
 * (sipmsg_parse), and the pcap test writes its own capture file.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "detect/detect.h"
#include "export.h"
#include "pairs.h"
#include "present/view.h"
#include "sip/sipmsg.h"

static const char invite_txt[] =
    "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n"
    "From: <sip:alice@10.0.0.1>;tag=f1\r\n"
    "To: <sip:bob@10.0.0.2>\r\n"
    "Call-ID: call-1@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@10.0.0.1:5060>\r\n"
    "User-Agent: PhoneX/1.0\r\n"
    "Content-Length: 0\r\n\r\n";

static const char ok_txt[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n"
    "From: <sip:alice@10.0.0.1>;tag=f1\r\n"
    "To: <sip:bob@10.0.0.2>;tag=t1\r\n"
    "Call-ID: call-1@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:bob@203.0.113.9:5060>\r\n"
    "Content-Length: 0\r\n\r\n";

static const char reg_txt[] =
    "REGISTER sip:10.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKr1\r\n"
    "From: <sip:carol@10.0.0.2>;tag=r1\r\n"
    "To: <sip:carol@10.0.0.2>\r\n"
    "Call-ID: reg-9\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static struct ep
mkep(const char *ip, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	e.port = port;
	CU_ASSERT_FATAL(ep_parse_ip(&e, ip, strlen(ip)) == 0);
	return e;
}

static void
add_msg(struct dialog *d, const char *txt, const char *src, uint16_t sp,
    const char *dst, uint16_t dp, int64_t ts, uint64_t frame)
{
	struct dmsg *m;

	d->msgs = realloc(d->msgs, (d->nmsgs + 1) * sizeof(*d->msgs));
	CU_ASSERT_FATAL(d->msgs != NULL);
	m = &d->msgs[d->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->m = sipmsg_parse((const uint8_t *)txt, strlen(txt), NULL);
	CU_ASSERT_FATAL(m->m != NULL);
	m->src = mkep(src, sp);
	m->dst = mkep(dst, dp);
	m->ts_ns = ts;
	m->frame = frame;
	m->first_frame = frame;
	m->transport = PKT_UDP;
}

static struct dialog *
mk_dialog(uint64_t id, const char *callid, const char *from, const char *to,
    enum dialog_kind kind, enum dialog_state st, int64_t start)
{
	struct dialog *d = calloc(1, sizeof(*d));

	CU_ASSERT_FATAL(d != NULL);
	d->id = id;
	d->kind = kind;
	d->state = st;
	snprintf(d->call_id, sizeof(d->call_id), "%s", callid);
	snprintf(d->from, sizeof(d->from), "%s", from);
	snprintf(d->to, sizeof(d->to), "%s", to);
	snprintf(d->first_method, sizeof(d->first_method), "%s",
	    kind == DIALOG_CALL ? "INVITE" : "REGISTER");
	d->start_ns = start;
	return d;
}

#define T0 (1700000000LL * CAP_NS_PER_SEC)

/* A call: INVITE, 200 OK seen 7 times, and one RTP stream. */
static struct dialog *
mk_call(void)
{
	struct dialog *d = mk_dialog(1, "call-1@10.0.0.1", "alice@10.0.0.1",
	    "bob@10.0.0.2", DIALOG_CALL, DIALOG_INCALL, T0);
	struct rtp_stream *s = calloc(1, sizeof(*s));

	add_msg(d, invite_txt, "10.0.0.1", 5060, "10.0.0.2", 5060, T0, 1);
	add_msg(d, ok_txt, "10.0.0.2", 5060, "10.0.0.1", 5060,
	    T0 + 100000000, 2);
	d->msgs[1].retrans = 6;
	d->msgs[1].retrans_frame[0] = 5;
	d->msgs[1].retrans_frame[5] = 9;
	d->answer_ns = T0 + 100000000;
	d->end_ns = T0 + 10 * CAP_NS_PER_SEC + 100000000;
	CU_ASSERT_FATAL(s != NULL);
	s->src = mkep("10.0.0.1", 4000);
	s->dst = mkep("10.0.0.2", 5000);
	s->packets = 500;
	s->lost = 3;
	s->first_ns = T0 + 200000000;
	s->last_ns = T0 + 10 * CAP_NS_PER_SEC;
	s->first_frame = 10;
	s->last_frame = 600;
	snprintf(s->codec, sizeof(s->codec), "PCMU");
	d->streams[d->nstreams++] = s;
	return d;
}

static struct dialog *
mk_reg(void)
{
	struct dialog *d = mk_dialog(2, "reg-9", "carol@10.0.0.2",
	    "carol@10.0.0.2", DIALOG_REGISTER, DIALOG_COMPLETED,
	    T0 - CAP_NS_PER_SEC);

	add_msg(d, reg_txt, "10.0.0.3", 5060, "10.0.0.2", 5060,
	    T0 - CAP_NS_PER_SEC, 3);
	return d;
}

static void
add_finding(struct dialog *d, const char *id)
{
	if (d->findings == NULL)
		d->findings = calloc(1, sizeof(*d->findings));
	CU_ASSERT_FATAL(d->findings != NULL);
	d->findings->f[d->findings->n].id = id;
	d->findings->n++;
}

/* ---- a call's media: hold spans, directions ---- */

/* A message from (src) with an SDP body: audio at conn:port in dir. */
static void
add_sdp_msg(struct dialog *d, bool request, const char *src,
    const char *dst, const char *conn, const char *dir, int64_t ts,
    uint64_t frame)
{
	char body[256], msg[1024];

	snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\n"
	    "c=IN IP4 %s\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=%s\r\n",
	    src, conn, dir);
	snprintf(msg, sizeof(msg), "%s\r\nVia: SIP/2.0/UDP %s:5060;branch="
	    "z9hG4bK%" PRIu64 "\r\nFrom: <sip:a@x>;tag=f1\r\nTo: <sip:b@x>"
	    ";tag=t1\r\nCall-ID: hold-1\r\nCSeq: %" PRIu64 " INVITE\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    request ? "INVITE sip:b@x SIP/2.0" : "SIP/2.0 200 OK", src, frame,
	    frame, strlen(body), body);
	add_msg(d, msg, src, 5060, dst, 5060, ts, frame);
}

static void
test_hold_spans(void)
{
	struct dialog *d = mk_dialog(7, "hold-1", "a@x", "b@x", DIALOG_CALL,
	    DIALOG_INCALL, T0);
	int64_t sp[4][2];
	int n;

	/* Offer and answer sendrecv; hold at +10 s (sendonly / recvonly);
	 * resume at +20 s; hold again at +30 s with c=0.0.0.0 (RFC 2543)
	 * until the end at +40 s. */
	add_sdp_msg(d, true, "10.0.0.1", "10.0.0.2", "10.0.0.1", "sendrecv",
	    T0, 1);
	add_sdp_msg(d, false, "10.0.0.2", "10.0.0.1", "10.0.0.2", "sendrecv",
	    T0 + CAP_NS_PER_SEC, 2);
	CU_ASSERT_EQUAL(view_hold_spans(d, sp, 4), 0);
	add_sdp_msg(d, true, "10.0.0.1", "10.0.0.2", "10.0.0.1", "sendonly",
	    T0 + 10 * CAP_NS_PER_SEC, 3);
	add_sdp_msg(d, false, "10.0.0.2", "10.0.0.1", "10.0.0.2", "recvonly",
	    T0 + 10 * CAP_NS_PER_SEC + 1000, 4);
	add_sdp_msg(d, true, "10.0.0.1", "10.0.0.2", "10.0.0.1", "sendrecv",
	    T0 + 20 * CAP_NS_PER_SEC, 5);
	add_sdp_msg(d, false, "10.0.0.2", "10.0.0.1", "10.0.0.2", "sendrecv",
	    T0 + 20 * CAP_NS_PER_SEC + 1000, 6);
	add_sdp_msg(d, true, "10.0.0.2", "10.0.0.1", "0.0.0.0", "sendrecv",
	    T0 + 30 * CAP_NS_PER_SEC, 7);
	d->last_ns = T0 + 40 * CAP_NS_PER_SEC;
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->msgs[0].m->sdp);
	n = view_hold_spans(d, sp, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(sp[0][0], T0 + 10 * CAP_NS_PER_SEC);
	CU_ASSERT_EQUAL(sp[0][1], T0 + 20 * CAP_NS_PER_SEC + 1000);
	CU_ASSERT_EQUAL(sp[1][0], T0 + 30 * CAP_NS_PER_SEC);
	CU_ASSERT_EQUAL(sp[1][1], T0 + 40 * CAP_NS_PER_SEC);
	/* Room for one: the first only. */
	CU_ASSERT_EQUAL(view_hold_spans(d, sp, 1), 1);
	dialog_free(d);
}

static void
test_rtp_dirs(void)
{
	struct dialog *d = mk_call();
	struct rtp_stream *r = calloc(1, sizeof(*r));
	char buf[128];

	CU_ASSERT_FATAL(r != NULL);
	/* mk_call's stream leaves the caller; this one comes back. */
	r->src = mkep("10.0.0.2", 5000);
	r->dst = mkep("10.0.0.1", 4000);
	r->packets = 150;
	d->streams[d->nstreams++] = r;
	CU_ASSERT_EQUAL(view_stream_dir(d, d->streams[0]), 1);
	CU_ASSERT_EQUAL(view_stream_dir(d, r), -1);
	CU_ASSERT_STRING_EQUAL(view_rtp_dirs(d, buf, sizeof(buf)),
	    "rtp caller>callee 500, callee>caller 150");
	dialog_free(d);
}

/*
 * Two phones behind one NAT calling through a public proxy, seen inside:
 * A (10.0.0.2) offers its own address, B (10.0.0.3) is given the router's
 * public one (an ALG's rewrite) and answers a public address it is not
 * at.  B's RTP goes from B to the router's address: neither leaves nor
 * reaches an address A itself uses, yet it runs callee -> caller, as the
 * stream line and the findings say; the call's line counted it
 * caller -> callee ("rtp caller>callee 320, callee>caller 0").
 */
static void
test_rtp_dirs_one_nat(void)
{
	struct dialog *d = mk_dialog(3, "lan-1", "a@x", "b@x", DIALOG_CALL,
	    DIALOG_COMPLETED, T0);
	const char *src[2] = { "10.0.0.2", "10.0.0.3" };
	const char *dst[2] = { "198.51.100.4", "198.51.100.1" };
	char buf[128];

	snprintf(d->from_tag, sizeof(d->from_tag), "f1");
	add_sdp_msg(d, true, "10.0.0.2", "198.51.100.2", "10.0.0.2", "sendrecv",
	    T0, 1);
	add_sdp_msg(d, true, "198.51.100.2", "10.0.0.3", "198.51.100.1",
	    "sendrecv", T0 + 1, 2);
	add_sdp_msg(d, false, "10.0.0.3", "198.51.100.2", "198.51.100.4",
	    "sendrecv", T0 + 2, 3);
	add_sdp_msg(d, false, "198.51.100.2", "10.0.0.2", "198.51.100.4",
	    "sendrecv", T0 + 3, 4);
	for (int k = 0; k < 2; k++) {
		struct rtp_stream *r = calloc(1, sizeof(*r));

		CU_ASSERT_FATAL(r != NULL);
		r->src = mkep(src[k], 4000);
		r->dst = mkep(dst[k], 4000);
		r->packets = 160;
		d->streams[d->nstreams++] = r;
	}
	CU_ASSERT_EQUAL(view_stream_dir(d, d->streams[0]), 1);
	CU_ASSERT_EQUAL(view_stream_dir(d, d->streams[1]), -1);
	CU_ASSERT_STRING_EQUAL(view_rtp_dirs(d, buf, sizeof(buf)),
	    "rtp caller>callee 160, callee>caller 160");
	dialog_free(d);
}

/*
 * A stream of the caller's on segment seg: ssrc, packets, the sequence
 * numbers its range holds (expected, as a store gives it back) and its
 * span of capture time in ms after T0.
 */
static void
add_seg_stream(struct dialog *d, const char *src, enum rtp_segment seg,
    uint32_t ssrc, uint64_t packets, uint64_t expected, int first_ms,
    int last_ms)
{
	struct rtp_stream *r = calloc(1, sizeof(*r));

	CU_ASSERT_FATAL(r != NULL);
	rtp_stream_init(r, &(struct ep){ 0 }, &(struct ep){ 0 }, ssrc);
	r->src = mkep(src, 4000);
	r->dst = mkep("10.0.0.2", 5000);
	r->segment = seg;
	r->packets = packets;
	r->probation_done = true;
	r->expected_prior = expected;
	r->base_seq = 1;	/* empty current epoch, as store_read.c */
	r->max_seq = 0;
	r->cycles = 0;
	r->first_ns = T0 + first_ms * 1000000LL;
	r->last_ns = T0 + last_ms * 1000000LL;
	d->streams[d->nstreams++] = r;
}

/*
 * Each packet once each way: a stream seen on both segments (the same
 * SSRC inside and outside over the same time) counts once, a packet one
 * segment missed that the other saw included; a stream that moved to
 * the other segment by its address (re-INVITE) and a new SSRC add up.
 */
static void
test_rtp_dirs_segments(void)
{
	static const struct {
		const char *what, *want;
		struct { int seg; uint32_t ssrc; uint64_t pk, exp;
			int first, last; } s[2];
	} cases[] = {
		{ "copies inside and outside (a merged capture, a mirror port)",
		  "rtp caller>callee 160, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 160, 160, 0, 3180 },
		    { RTP_SEG_OUTSIDE, 7, 160, 160, 1, 3181 } } },
		{ "the outside lost ten the inside saw",
		  "rtp caller>callee 160, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 160, 160, 0, 3180 },
		    { RTP_SEG_OUTSIDE, 7, 150, 160, 1, 3181 } } },
		{ "the one packet the inside lacks, seen outside",
		  "rtp caller>callee 13, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 12, 13, 0, 240 },
		    { RTP_SEG_OUTSIDE, 7, 1, 1, 40, 40 } } },
		{ "moved to the other segment by a re-INVITE",
		  "rtp caller>callee 150, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 50, 50, 0, 980 },
		    { RTP_SEG_OUTSIDE, 7, 100, 100, 2300, 4280 } } },
		{ "two SSRCs at once",
		  "rtp caller>callee 320, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 160, 160, 0, 3180 },
		    { RTP_SEG_OUTSIDE, 8, 160, 160, 1, 3181 } } },
		{ "one segment only",
		  "rtp caller>callee 320, callee>caller 0",
		  { { RTP_SEG_INSIDE, 7, 160, 160, 0, 3180 },
		    { RTP_SEG_INSIDE, 7, 160, 160, 1, 3181 } } },
	};
	char buf[128];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct dialog *d = mk_call();

		free(d->streams[0]);
		d->nstreams = 0;
		for (int k = 0; k < 2; k++)
			add_seg_stream(d, k ? "203.0.113.1" : "10.0.0.1",
			    (enum rtp_segment)cases[c].s[k].seg,
			    cases[c].s[k].ssrc, cases[c].s[k].pk,
			    cases[c].s[k].exp, cases[c].s[k].first,
			    cases[c].s[k].last);
		view_rtp_dirs(d, buf, sizeof(buf));
		if (strcmp(buf, cases[c].want) != 0)
			fprintf(stderr, "%s: %s, want %s\n", cases[c].what,
			    buf, cases[c].want);
		CU_ASSERT_STRING_EQUAL(buf, cases[c].want);
		dialog_free(d);
	}
}

/* ---- call list ---- */

static void
test_columns_parse(void)
{
	enum view_col c[VCOL_COUNT];
	char err[100];

	CU_ASSERT_EQUAL(view_columns_parse(VIEW_DEFAULT_COLUMNS, c, VCOL_COUNT,
	    err, sizeof(err)), 8);
	CU_ASSERT_EQUAL(c[0], VCOL_START);
	CU_ASSERT_EQUAL(c[3], VCOL_CALLID);
	CU_ASSERT_EQUAL(c[7], VCOL_SYMPTOMS);
	CU_ASSERT_EQUAL(view_columns_parse("callid,kind", c, VCOL_COUNT, err,
	    sizeof(err)), 2);
	CU_ASSERT_EQUAL(c[1], VCOL_KIND);
	CU_ASSERT_EQUAL(view_columns_parse("start,bogus", c, VCOL_COUNT, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
	CU_ASSERT_EQUAL(view_columns_parse("from,from", c, VCOL_COUNT, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
	CU_ASSERT_EQUAL(view_columns_parse("", c, VCOL_COUNT, err,
	    sizeof(err)), -1);
}

static void
test_cells_escape(void)
{
	struct dialog *d = mk_call();
	char buf[300];

	snprintf(d->call_id, sizeof(d->call_id), "evil\x1b[2Jid");
	view_cell(d, VCOL_CALLID, buf, sizeof(buf));
	CU_ASSERT_PTR_NULL(strchr(buf, 0x1b));
	CU_ASSERT_STRING_EQUAL(buf, "evil\\x1b[2Jid");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_STATE, buf, sizeof(buf)),
	    "in call");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_DURATION, buf, sizeof(buf)),
	    "10.0s");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_MSGS, buf, sizeof(buf)), "2");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_START, buf, sizeof(buf)),
	    "22:13:20.000");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_SYMPTOMS, buf, sizeof(buf)),
	    "");
	add_finding(d, "one_way_audio");
	add_finding(d, "alg_rewrite_evidence");
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_SYMPTOMS, buf, sizeof(buf)),
	    "1WAY ALG");
	/* One call seen as two dialogs (dialog.h, join): marked in the
	 * list, named in words, its Call-ID escaped. */
	{
		char j[1400];

		CU_ASSERT_STRING_EQUAL(view_join(d, j, sizeof(j)), "");
		CU_ASSERT_EQUAL(view_join_other(d), RTP_SEG_UNKNOWN);
		d->join.id = 7;
		d->join.segment = RTP_SEG_INSIDE;
		snprintf(d->join.call_id, sizeof(d->join.call_id),
		    "x\x1b[2J@203.0.113.1");
		CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_SYMPTOMS, buf,
		    sizeof(buf)), "1WAY ALG JOIN#7");
		CU_ASSERT_EQUAL(view_join_other(d), RTP_SEG_OUTSIDE);
		CU_ASSERT_STRING_EQUAL(view_join(d, j, sizeof(j)),
		    "same call as x\\x1b[2J@203.0.113.1 (dialog 7) on the "
		    "outside segment: Call-ID rewritten between the segments "
		    "(SIP ALG)");
		memset(&d->join, 0, sizeof(d->join));
	}
	d->answer_ns = 0;
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_DURATION, buf, sizeof(buf)),
	    "-");
	dialog_free(d);
}

static void
test_layout_rows(void)
{
	enum view_col c[VCOL_COUNT];
	int n, w[VCOL_COUNT], total;
	char err[100], row[512], head[512];
	struct dialog *d = mk_call();
	struct view_row *r = view_row_new(d);

	n = view_columns_parse(VIEW_DEFAULT_COLUMNS, c, VCOL_COUNT, err,
	    sizeof(err));
	for (int width = 71; width <= 200; width += 7) {
		total = view_layout(c, n, width, w);
		CU_ASSERT(total <= width);
		CU_ASSERT(total >= width - 2 || width > 150);
		CU_ASSERT_EQUAL(w[0], 12);
		view_row_text(r, c, n, w, row, sizeof(row));
		CU_ASSERT_EQUAL((int)strlen(row), total);
		view_header_text(c, n, w, head, sizeof(head));
		CU_ASSERT_EQUAL((int)strlen(head), total);
	}
	total = view_layout(c, n, 78, w);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "22:13:20.000 alice@"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "in call"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "call-1@"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "10.0s    2"));
	/*
	 * The Call-ID's share: 11 at 80 columns as ever, 20 at 100 (it was
	 * 15: a phone's "1-26301@10.0.0.2" cut; 21 with the one column
	 * left over), the symptoms column 16 there still; more at 132, the
	 * names never below 10.
	 */
	{
		int k = -1, wn[3][VCOL_COUNT];
		const int widths[3] = { 78, 98, 130 };

		for (int i = 0; i < n; i++)
			if (c[i] == VCOL_CALLID)
				k = i;
		CU_ASSERT_FATAL(k >= 0);
		for (int i = 0; i < 3; i++)
			view_layout(c, n, widths[i], wn[i]);
		CU_ASSERT_EQUAL(wn[0][k], 11);
		CU_ASSERT_EQUAL(wn[0][n - 1], 8);
		CU_ASSERT(wn[1][k] >= 20 && wn[1][k] <= 21);
		CU_ASSERT_EQUAL(wn[1][n - 1], 16);
		CU_ASSERT(wn[2][k] > 21);
		CU_ASSERT_EQUAL(wn[2][n - 1], 16);
		for (int i = 0; i < n; i++)
			if (view_cols[c[i]].maxw == 0)
				for (int x = 0; x < 3; x++)
					CU_ASSERT(wn[x][i] >= 10);
	}
	/* Tiny buffers truncate, never overflow. */
	view_row_text(r, c, n, w, row, 10);
	CU_ASSERT(strlen(row) < 10);
	free(r);
	/*
	 * Badges wider than their column: the first that fit, "+k" for the
	 * others, and a joined call's JOIN#N always whole at the end (80
	 * and 100 columns: the column is 8, then 16 wide).
	 */
	add_finding(d, "one_way_audio");
	add_finding(d, "alg_rewrite_evidence");
	add_finding(d, "oversize_drop");
	r = view_row_new(d);
	CU_ASSERT_FATAL(r != NULL);
	view_layout(c, n, 78, w);
	CU_ASSERT_EQUAL(w[n - 1], 8);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " 1WAY +2"));
	view_layout(c, n, 98, w);
	CU_ASSERT_EQUAL(w[n - 1], 16);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " 1WAY ALG MTU"));
	free(r);
	d->join.id = 1234;
	r = view_row_new(d);
	CU_ASSERT_FATAL(r != NULL);
	view_layout(c, n, 98, w);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " +3 JOIN#1234"));
	/* 9 wide (the browser widens the column for it): whole. */
	w[n - 1] = 9;
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " JOIN#1234"));
	free(r);
	d->join.id = 7;
	r = view_row_new(d);
	CU_ASSERT_FATAL(r != NULL);
	view_layout(c, n, 78, w);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " JOIN#7"));
	CU_ASSERT_PTR_NULL(strstr(row, "1WAY"));
	view_layout(c, n, 98, w);
	view_row_text(r, c, n, w, row, sizeof(row));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, " 1WAY +2 JOIN#7"));
	/* The cell itself, for sorting and CSV, stays whole. */
	CU_ASSERT_STRING_EQUAL(view_cell(d, VCOL_SYMPTOMS, row, sizeof(row)),
	    "1WAY ALG MTU JOIN#7");
	free(r);
	dialog_free(d);
}

/* Rows of a and b (again after a change), sorted on c. */
static void
sort2(struct view_row **v, struct dialog *a, struct dialog *b,
    enum view_col c, bool desc)
{
	free(v[0]);
	free(v[1]);
	v[0] = view_row_new(a);
	v[1] = view_row_new(b);
	CU_ASSERT_FATAL(v[0] != NULL && v[1] != NULL);
	view_sort(v, 2, c, desc);
}

static void
test_sort(void)
{
	struct dialog *a = mk_call(), *b = mk_reg();
	struct view_row *v[2] = { NULL, NULL };

	sort2(v, a, b, VCOL_START, false);
	CU_ASSERT_EQUAL(v[0]->id, b->id);
	sort2(v, a, b, VCOL_START, true);
	CU_ASSERT_EQUAL(v[0]->id, a->id);
	sort2(v, a, b, VCOL_MSGS, false);
	CU_ASSERT_EQUAL(v[0]->id, b->id);
	sort2(v, a, b, VCOL_CALLID, false);
	CU_ASSERT_EQUAL(v[0]->id, a->id);    /* "call-1" < "reg-9" */
	sort2(v, a, b, VCOL_STATE, true);
	CU_ASSERT_EQUAL(v[0]->id, b->id);    /* completed > in call */
	add_finding(b, "registration_failure");
	sort2(v, a, b, VCOL_SYMPTOMS, true);
	CU_ASSERT_EQUAL(v[0]->id, b->id);
	/* Equal keys fall back to the id. */
	b->start_ns = a->start_ns;
	sort2(v, a, b, VCOL_START, false);
	CU_ASSERT_EQUAL(v[0]->id, a->id);
	free(v[0]);
	free(v[1]);
	dialog_free(a);
	dialog_free(b);
}

/*
 * The row decides what its fields can (the same answer as the dialog)
 * and says -1 exactly when only the messages can tell.
 */
static void
test_row_match(void)
{
	struct dialog *a = mk_call(), *b = mk_reg();
	struct view_row *ra, *rb;
	struct view_filter f;

	add_finding(a, "one_way_audio");
	snprintf(a->findings->f[0].summary, sizeof(a->findings->f[0].summary),
	    "callee's audio never arrives");
	ra = view_row_new(a);
	rb = view_row_new(b);
	CU_ASSERT_FATAL(ra != NULL && rb != NULL);
	CU_ASSERT_STRING_EQUAL(view_row_callid(ra), a->call_id);
	CU_ASSERT_STRING_EQUAL(view_row_from(rb), b->from);
	CU_ASSERT_STRING_EQUAL(view_row_to(rb), b->to);
	view_filter_init(&f);
	CU_ASSERT_EQUAL(view_row_match(&f, ra), 1);
	/* In a summary field: decided without the messages. */
	snprintf(f.text, sizeof(f.text), "NEVER ARRIVES");
	CU_ASSERT_EQUAL(view_row_match(&f, ra), 1);
	/* Only in a message's raw text ("phonex" is in a's Contact). */
	snprintf(f.text, sizeof(f.text), "phonex");
	CU_ASSERT_EQUAL(view_row_match(&f, ra), -1);
	CU_ASSERT_EQUAL(view_row_match(&f, rb), -1);
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	CU_ASSERT_FALSE(view_filter_match(&f, b));
	/* A criterion the row decides wins over the open text. */
	f.only_calls = true;
	CU_ASSERT_EQUAL(view_row_match(&f, rb), 0);
	f.only_calls = false;
	f.text[0] = '\0';
	/* Methods: a common one is answered, another one left open. */
	snprintf(f.method, sizeof(f.method), "Register");
	CU_ASSERT_EQUAL(view_row_match(&f, ra), 0);
	CU_ASSERT_EQUAL(view_row_match(&f, rb), 1);
	snprintf(f.method, sizeof(f.method), "FOO");
	CU_ASSERT_EQUAL(view_row_match(&f, ra), 0);  /* no other method */
	CU_ASSERT_FALSE(view_filter_match(&f, a));
	f.method[0] = '\0';
	snprintf(f.symptom, sizeof(f.symptom), "1way");
	CU_ASSERT_EQUAL(view_row_match(&f, ra), 1);
	CU_ASSERT_EQUAL(view_row_match(&f, rb), 0);
	free(ra);
	free(rb);
	dialog_free(a);
	dialog_free(b);
}

static void
test_filter(void)
{
	struct dialog *a = mk_call(), *b = mk_reg();
	struct view_filter f;
	char desc[200];

	view_filter_init(&f);
	CU_ASSERT_FALSE(view_filter_active(&f));
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	CU_ASSERT_TRUE(view_filter_match(&f, b));
	/* Text: From/To/Call-ID, and any message's raw bytes. */
	snprintf(f.text, sizeof(f.text), "phonex");
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	CU_ASSERT_FALSE(view_filter_match(&f, b));
	snprintf(f.text, sizeof(f.text), "CAROL");
	CU_ASSERT_FALSE(view_filter_match(&f, a));
	CU_ASSERT_TRUE(view_filter_match(&f, b));
	snprintf(f.text, sizeof(f.text), "in call");
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	/* Symptoms: a finding's id, badge or summary. */
	{
		struct dialog *c = mk_call();

		snprintf(f.text, sizeof(f.text), "one_way");
		CU_ASSERT_FALSE(view_filter_match(&f, c));
		add_finding(c, "one_way_audio");
		snprintf(c->findings->f[0].summary,
		    sizeof(c->findings->f[0].summary),
		    "callee's audio never arrives");
		CU_ASSERT_TRUE(view_filter_match(&f, c));
		CU_ASSERT_FALSE(view_filter_match(&f, b));
		snprintf(f.text, sizeof(f.text), "%s",
		    view_badge("one_way_audio"));
		CU_ASSERT_TRUE(view_filter_match(&f, c));
		snprintf(f.text, sizeof(f.text), "NEVER ARRIVES");
		CU_ASSERT_TRUE(view_filter_match(&f, c));
		dialog_free(c);
	}
	f.text[0] = '\0';
	snprintf(f.method, sizeof(f.method), "register");
	CU_ASSERT_FALSE(view_filter_match(&f, a));
	CU_ASSERT_TRUE(view_filter_match(&f, b));
	f.method[0] = '\0';
	f.only_calls = true;
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	CU_ASSERT_FALSE(view_filter_match(&f, b));
	f.only_calls = false;
	f.state = view_state_parse("incall");
	CU_ASSERT_EQUAL(f.state, DIALOG_INCALL);
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	CU_ASSERT_FALSE(view_filter_match(&f, b));
	CU_ASSERT_EQUAL(view_state_parse("In Call"), DIALOG_INCALL);
	CU_ASSERT_EQUAL(view_state_parse("rejected"), DIALOG_REJECTED);
	CU_ASSERT_EQUAL(view_state_parse("in"), -1);
	CU_ASSERT_EQUAL(view_state_parse("bogus"), -1);
	f.state = -1;
	snprintf(f.symptom, sizeof(f.symptom), "any");
	CU_ASSERT_FALSE(view_filter_match(&f, a));
	add_finding(a, "one_way_audio");
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	snprintf(f.symptom, sizeof(f.symptom), "1way");
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	snprintf(f.symptom, sizeof(f.symptom), "one_way_audio");
	CU_ASSERT_TRUE(view_filter_match(&f, a));
	snprintf(f.symptom, sizeof(f.symptom), "no_audio");
	CU_ASSERT_FALSE(view_filter_match(&f, a));
	f.only_calls = true;
	view_filter_describe(&f, desc, sizeof(desc));
	CU_ASSERT_STRING_EQUAL(desc, "symptom no_audio, calls only");
	dialog_free(a);
	dialog_free(b);
}

/* ---- ladder ---- */

static void
test_ladder(void)
{
	struct dialog *a = mk_call(), *b = mk_reg();
	const struct dialog *v[2] = { a, b };
	struct ladder l;
	struct ladder_geom g;
	char line[2048];
	char *inv, *arrow;

	/* A finding citing the 200 OK's last retransmission (frame 9). */
	add_finding(a, "ack_timeout_drop");
	a->findings->f[0].ev[0].frame = 9;
	a->findings->f[0].nev = 1;
	CU_ASSERT_EQUAL_FATAL(view_ladder_build(&l, v, 2), 0);
	/* Time since the row before; the pin on the cited row only. */
	CU_ASSERT_EQUAL(l.rows[0].delta_ns, 0);
	CU_ASSERT_EQUAL(l.rows[1].delta_ns, CAP_NS_PER_SEC);
	CU_ASSERT_EQUAL(l.rows[2].delta_ns, 100000000);
	CU_ASSERT_EQUAL(l.rows[2].pin, 1);
	CU_ASSERT_EQUAL(l.rows[2].npins, 1);
	CU_ASSERT_EQUAL(l.rows[1].pin, 0);
	CU_ASSERT_EQUAL(l.rows[3].pin, 0);
	/* 10.0.0.1:5060, 10.0.0.2:5060, 10.0.0.3:5060; RTP joins by IP. */
	CU_ASSERT_EQUAL(l.ncols, 3);
	CU_ASSERT_STRING_EQUAL(l.cols[0].name, "10.0.0.1:5060");
	CU_ASSERT_STRING_EQUAL(l.cols[1].name, "10.0.0.2:5060");
	CU_ASSERT_EQUAL_FATAL(l.nrows, 4);
	/* Time order across dialogs: REGISTER first. */
	CU_ASSERT_STRING_EQUAL(l.rows[0].label, "REGISTER");
	CU_ASSERT_STRING_EQUAL(l.rows[1].label, "INVITE");
	CU_ASSERT_STRING_EQUAL(l.rows[2].label, "200 OK x7");
	CU_ASSERT_EQUAL(l.rows[3].kind, LADDER_RTP);
	CU_ASSERT_STRING_EQUAL(l.rows[3].label, "RTP PCMU 500p lost 3");
	CU_ASSERT_EQUAL(l.rows[3].from, 0);
	CU_ASSERT_EQUAL(l.rows[3].to, 1);

	view_ladder_geom(&l, 80, &g);
	CU_ASSERT(g.total <= 80);
	view_ladder_header(&l, &g, 0, 80, false, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "10.0.0.1:5060"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "10.0.0.3:5060"));
	view_ladder_line(&l, 1, &g, 0, 80, false, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "22:13:20.000"));
	inv = strstr(line, " INVITE ");
	arrow = strchr(line, '>');
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(arrow);
	CU_ASSERT(arrow > inv);              /* left to right */
	CU_ASSERT_PTR_NULL(strchr(line, '<'));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "22:13:20.000 +1.000  "));
	view_ladder_line(&l, 2, &g, 0, 80, false, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "22:13:20.100 +0.100 *"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "|<-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "200 OK x7"));
	view_ladder_line(&l, 3, &g, 0, 80, false, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "RTP PCMU"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "|. RTP PCMU"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, ">|"));
	/* UTF-8 line drawing. */
	view_ladder_line(&l, 1, &g, 0, 80, true, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\xe2\x94\x82\xe2\x94\x80"));
	/* Horizontal scroll: the time column scrolls away. */
	view_ladder_line(&l, 1, &g, 22, 80, false, line, sizeof(line));
	CU_ASSERT_PTR_NULL(strstr(line, "22:13"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "INVITE"));
	/* Narrow screens: the diagram is wider than the screen. */
	view_ladder_geom(&l, 40, &g);
	CU_ASSERT(g.total > 40);
	view_ladder_line(&l, 1, &g, 0, 40, false, line, sizeof(line));
	CU_ASSERT_EQUAL(strlen(line), 40);
	/* Out of range rows are empty. */
	view_ladder_line(&l, 99, &g, 0, 40, false, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "");

	/* Frames: the message, a retransmission, a media frame. */
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 0, 1), 1);
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 0, 9), 2);
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 0, 3), 0);
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 0, 300), 3);
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 0, 7000), -1);
	CU_ASSERT_EQUAL(view_ladder_find_frame(&l, 1, 1), -1);
	view_ladder_free(&l);
	CU_ASSERT_EQUAL(view_ladder_build(&l, v, 0), 0);
	CU_ASSERT_EQUAL(l.nrows, 0);
	view_ladder_free(&l);
	dialog_free(a);
	dialog_free(b);
}

/* ---- lines and comparison ---- */

static void
test_lines(void)
{
	struct view_lines l;
	static const char raw[] = "A: 1\r\nB: \x1b]0;x\x07\r\n\r\nbody";

	CU_ASSERT_EQUAL_FATAL(view_lines_split(&l, raw, sizeof(raw) - 1), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 4);
	CU_ASSERT_STRING_EQUAL(l.v[0], "A: 1");
	CU_ASSERT_STRING_EQUAL(l.v[1], "B: \\x1b]0;x\\x07");
	CU_ASSERT_STRING_EQUAL(l.v[2], "");
	CU_ASSERT_STRING_EQUAL(l.v[3], "body");
	view_lines_free(&l);
	CU_ASSERT_EQUAL(view_lines_split(&l, "", 0), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	view_lines_free(&l);
}

static void
test_diff(void)
{
	struct view_lines a, b;
	struct diff_row *r;
	size_t n, nd = 0;
	static const char x[] = "INVITE\nVia: 1\nContact: <sip:10.0.0.1>\n"
	    "CSeq: 1\nc=IN IP4 10.0.0.1";
	static const char y[] = "INVITE\nVia: 1\nContact: <sip:203.0.113.9>\n"
	    "CSeq: 1\nX-New: 1\nc=IN IP4 10.0.0.1";

	view_lines_split(&a, x, sizeof(x) - 1);
	view_lines_split(&b, x, sizeof(x) - 1);
	CU_ASSERT_EQUAL_FATAL(view_diff(&a, &b, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 5);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_FALSE(r[i].differ);
	free(r);
	view_lines_free(&b);

	view_lines_split(&b, y, sizeof(y) - 1);
	CU_ASSERT_EQUAL_FATAL(view_diff(&a, &b, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	for (size_t i = 0; i < n; i++)
		nd += r[i].differ;
	CU_ASSERT_EQUAL(nd, 2);
	/* The rewritten Contact lines sit side by side. */
	CU_ASSERT_TRUE(r[2].differ);
	CU_ASSERT_EQUAL(r[2].a, 2);
	CU_ASSERT_EQUAL(r[2].b, 2);
	CU_ASSERT_FALSE(r[3].differ);
	/* The added header has no left line. */
	CU_ASSERT_TRUE(r[4].differ);
	CU_ASSERT_EQUAL(r[4].a, -1);
	CU_ASSERT_EQUAL(r[4].b, 4);
	CU_ASSERT_FALSE(r[5].differ);
	CU_ASSERT_EQUAL(r[5].a, 4);
	free(r);
	view_lines_free(&a);
	view_lines_free(&b);
}

static void
test_diff_long(void)
{
	struct view_lines a, b;
	struct diff_row *r;
	size_t n, nd = 0;
	size_t cnt = VIEW_DIFF_LINES + 50;
	char *txt = malloc(cnt * 16), *p = txt;

	for (size_t i = 0; i < cnt; i++)
		p += sprintf(p, "line %zu\n", i);
	view_lines_split(&a, txt, (size_t)(p - txt));
	txt[(size_t)(p - txt) - 3] = 'X';      /* change the last line */
	view_lines_split(&b, txt, (size_t)(p - txt));
	CU_ASSERT_EQUAL_FATAL(view_diff(&a, &b, &r, &n), 0);
	CU_ASSERT_EQUAL(n, cnt);
	for (size_t i = 0; i < n; i++)
		nd += r[i].differ;
	CU_ASSERT_EQUAL(nd, 1);
	CU_ASSERT_TRUE(r[n - 1].differ);
	free(r);
	free(txt);
	view_lines_free(&a);
	view_lines_free(&b);
}

/* ---- sparkline ---- */

static void
test_sparkline(void)
{
	uint16_t r[6] = { 50, 50, 0, 25, 50, 0 };
	char buf[200];

	view_sparkline(r, 6, 10, false, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "@@ =@ ");
	view_sparkline(r, 6, 3, false, buf, sizeof(buf));
	/* Means of pairs: 50, 12.5, 25. */
	CU_ASSERT_STRING_EQUAL(buf, "@:=");
	view_sparkline(r, 6, 10, true, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "\xe2\x96\x88\xe2\x96\x88 \xe2\x96\x84"
	    "\xe2\x96\x88 ");
	view_sparkline(r, 0, 10, false, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	view_sparkline(r, 6, 10, false, buf, 3);
	CU_ASSERT_STRING_EQUAL(buf, "@@");
}

/* ---- CSV ---- */

static void
test_csv(void)
{
	struct dialog *a = mk_call(), *b = mk_reg();
	const struct dialog *v[2] = { a, b };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	snprintf(a->from, sizeof(a->from), "al\"ice\x1b");
	add_finding(a, "one_way_audio");
	CU_ASSERT_EQUAL(export_csv(f, v, 2), 0);
	fclose(f);
	/* The columns of `sipalg-analyze -f csv` (report_csv.c). */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "id,start,kind,state,from,to,"
	    "call_id,duration,messages,retransmissions,streams,"
	    "rtp_packets_fwd,rtp_packets_rev,symptoms,advisories,mos_fwd,"
	    "mos_rev,media,joined_id,joined_call_id,joined_segment\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1,\"2023-11-14 22:13:20.000000\","
	    "call,in call,\"al\"\"ice\\x1b\",\"bob@10.0.0.2\","
	    "\"call-1@10.0.0.1\",10.000,2,0,1,500,0,\"one_way_audio:0.00\","
	    "\"\",4.37,,\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n2,\"2023-11-14 22:13:19.000000\","
	    "register,completed,"));
	CU_ASSERT_PTR_NULL(strchr(out, 0x1b));
	free(out);

	/* A From user that a spreadsheet would run (OWASP CSV injection):
	 * the cell gets a ' in front; the numbers beside it do not. */
	snprintf(a->from, sizeof(a->from), "=HYPERLINK(\"http://evil/x\","
	    "\"click\")");
	snprintf(b->call_id, sizeof(b->call_id), "-1@x");
	f = open_memstream(&out, &len);
	CU_ASSERT_EQUAL(export_csv(f, v, 2), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n1,\"2023-11-14 22:13:20.000000\","
	    "call,in call,\"'=HYPERLINK(\"\"http://evil/x\"\",\"\"click\"\")\","
	    "\"bob@10.0.0.2\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",\"'-1@x\","));
	free(out);
	dialog_free(a);
	dialog_free(b);
}

/* ---- pcap save ---- */

static void
put16(FILE *f, uint16_t v)
{
	fputc(v & 0xff, f);
	fputc(v >> 8, f);
}

static void
put32(FILE *f, uint32_t v)
{
	put16(f, (uint16_t)(v & 0xffff));
	put16(f, (uint16_t)(v >> 16));
}

/* One Ethernet/IPv4/UDP frame, microsecond pcap record. */
static void
put_udp(FILE *f, uint32_t sec, uint32_t usec, const uint8_t src[4],
    uint16_t sp, const uint8_t dst[4], uint16_t dp, const void *pl,
    size_t plen)
{
	uint8_t h[42];
	size_t ulen = 8 + plen, iplen = 20 + ulen;

	memset(h, 0, sizeof(h));
	h[12] = 0x08;
	h[14] = 0x45;
	h[16] = (uint8_t)(iplen >> 8);
	h[17] = (uint8_t)iplen;
	h[22] = 64;
	h[23] = 17;
	memcpy(h + 26, src, 4);
	memcpy(h + 30, dst, 4);
	h[34] = (uint8_t)(sp >> 8);
	h[35] = (uint8_t)sp;
	h[36] = (uint8_t)(dp >> 8);
	h[37] = (uint8_t)dp;
	h[38] = (uint8_t)(ulen >> 8);
	h[39] = (uint8_t)ulen;
	put32(f, sec);
	put32(f, usec);
	put32(f, (uint32_t)(42 + plen));
	put32(f, (uint32_t)(42 + plen));
	fwrite(h, 1, sizeof(h), f);
	fwrite(pl, 1, plen, f);
}

static const char sdp_invite[] =
    "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKs1\r\n"
    "From: <sip:alice@10.0.0.1>;tag=f1\r\n"
    "To: <sip:bob@10.0.0.2>\r\n"
    "Call-ID: save-1@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@10.0.0.1:5060>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 78\r\n\r\n"
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
    "m=audio 4000 RTP/AVP 0\r\n";

static const char other_sip[] =
    "OPTIONS sip:x@10.0.0.9 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bKo1\r\n"
    "From: <sip:y@10.0.0.8>;tag=o1\r\n"
    "To: <sip:x@10.0.0.9>\r\n"
    "Call-ID: other-7\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

static const char sdp_ok[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKs1\r\n"
    "From: <sip:alice@10.0.0.1>;tag=f1\r\n"
    "To: <sip:bob@10.0.0.2>;tag=t1\r\n"
    "Call-ID: save-1@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:bob@10.0.0.2:5060>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 78\r\n\r\n"
    "v=0\r\no=- 2 2 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
    "m=audio 5000 RTP/AVP 0\r\n";

struct kept {
	struct dialog *d[8];
	int n;
};

static bool
keep(void *user, struct dialog *d)
{
	struct kept *k = user;

	if (k->n == 8)
		return false;
	k->d[k->n++] = d;
	return true;
}

static void
analyse(const char *path, struct kept *k)
{
	struct analysis_cb cb = { 0 };
	struct analysis *an;
	char err[200];

	memset(k, 0, sizeof(*k));
	cb.on_dialog = keep;
	cb.user = k;
	an = analysis_new(&cb);
	CU_ASSERT_FATAL(an != NULL);
	CU_ASSERT_EQUAL_FATAL(analysis_add_file(an, path, err, sizeof(err)), 0);
	analysis_run(an);
	analysis_free(an);
}

static struct dialog *
find_call(struct kept *k, const char *cid)
{
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->d[i]->call_id, cid) == 0)
			return k->d[i];
	return NULL;
}

static void
test_pcap_save(void)
{
	static const uint8_t A[4] = { 10, 0, 0, 1 }, B[4] = { 10, 0, 0, 2 },
	    C[4] = { 10, 0, 0, 8 }, D[4] = { 10, 0, 0, 9 };
	char in[64], out[64], err[200];
	struct kept k1, k2;
	struct dialog *d, *d2;
	const struct dialog *sel[1];
	uint64_t written, skipped;
	const char *paths[1];
	FILE *f;
	int fd;

	snprintf(in, sizeof(in), "/tmp/test_tui_in_XXXXXX");
	fd = mkstemp(in);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "wb");
	put32(f, 0xa1b2c3d4);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);
	put_udp(f, 1700000000, 0, A, 5060, B, 5060, sdp_invite,
	    sizeof(sdp_invite) - 1);                             /* 1 */
	put_udp(f, 1700000000, 1000, C, 5060, D, 5060, other_sip,
	    sizeof(other_sip) - 1);                              /* 2 */
	put_udp(f, 1700000000, 50000, B, 5060, A, 5060, sdp_ok,
	    sizeof(sdp_ok) - 1);                                 /* 3 */
	put_udp(f, 1700000000, 60000, B, 5060, A, 5060, sdp_ok,
	    sizeof(sdp_ok) - 1);                                 /* 4: retrans */
	for (int i = 0; i < 5; i++) {                            /* 5..14 */
		uint8_t rtp[172] = { 0x80, 0x00 };

		rtp[3] = (uint8_t)i;
		rtp[7] = (uint8_t)(i * 160);
		rtp[8] = 0x11;
		put_udp(f, 1700000000, 100000 + 20000 * (uint32_t)i, A, 4000, B,
		    5000, rtp, sizeof(rtp));
		put_udp(f, 1700000000, 101000 + 20000 * (uint32_t)i, C, 1234, D,
		    5678, "unrelated", 9);
	}
	fclose(f);

	analyse(in, &k1);
	d = find_call(&k1, "save-1@10.0.0.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->nmsgs, 2);
	CU_ASSERT_EQUAL(d->retrans_total, 1);
	CU_ASSERT_EQUAL_FATAL(d->nstreams, 1);
	CU_ASSERT_EQUAL(d->streams[0]->packets, 5);

	snprintf(out, sizeof(out), "/tmp/test_tui_out_XXXXXX");
	fd = mkstemp(out);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	paths[0] = in;
	sel[0] = d;
	CU_ASSERT_EQUAL_FATAL(export_pcap(paths, 1, sel, 1, out, &written,
	    &skipped, err, sizeof(err)), 0);
	/* INVITE, 200 OK and its retransmission, 5 RTP; not the others. */
	CU_ASSERT_EQUAL(written, 8);
	CU_ASSERT_EQUAL(skipped, 0);

	analyse(out, &k2);
	CU_ASSERT_EQUAL(k2.n, 1);
	d2 = find_call(&k2, "save-1@10.0.0.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d2);
	CU_ASSERT_EQUAL(d2->nmsgs, d->nmsgs);
	CU_ASSERT_EQUAL(d2->retrans_total, d->retrans_total);
	CU_ASSERT_EQUAL(d2->state, d->state);
	CU_ASSERT_EQUAL(d2->start_ns, d->start_ns);
	CU_ASSERT_EQUAL_FATAL(d2->nstreams, 1);
	CU_ASSERT_EQUAL(d2->streams[0]->packets, 5);

	/* Errors name the file. */
	paths[0] = "/nonexistent/x.pcap";
	CU_ASSERT_EQUAL(export_pcap(paths, 1, sel, 1, out, &written,
	    &skipped, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.pcap"));
	paths[0] = in;
	CU_ASSERT_EQUAL(export_pcap(paths, 1, sel, 1, "/nonexistent/o.pcap",
	    &written, &skipped, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(export_pcap(paths, 0, sel, 1, out, &written,
	    &skipped, err, sizeof(err)), -1);

	for (int i = 0; i < k1.n; i++)
		dialog_free(k1.d[i]);
	for (int i = 0; i < k2.n; i++)
		dialog_free(k2.d[i]);
	unlink(in);
	unlink(out);
}


/* ---- pair mode (tui/pairs.c) ---- */

static void
test_line_span(void)
{
	size_t p, s;

	view_line_span("Contact: <sip:a@10.0.0.2:5060>",
	    "Contact: <sip:a@198.51.100.1:5060>", &p, &s);
	CU_ASSERT_EQUAL(p, strlen("Contact: <sip:a@1"));
	CU_ASSERT_EQUAL(s, strlen(":5060>"));
	/* Equal lines: everything is prefix, nothing counted twice. */
	view_line_span("abc", "abc", &p, &s);
	CU_ASSERT_EQUAL(p, 3);
	CU_ASSERT_EQUAL(s, 0);
	/* One is the other plus a tail. */
	view_line_span("abc", "abcdef", &p, &s);
	CU_ASSERT_EQUAL(p, 3);
	CU_ASSERT_EQUAL(s, 0);
	/* Overlap: "aXa" vs "a": the suffix may not reuse the prefix. */
	view_line_span("aXa", "a", &p, &s);
	CU_ASSERT_TRUE(p + s <= 1);
	/* Never inside a UTF-8 sequence: é (c3 a9) vs è (c3 a8). */
	view_line_span("x\xc3\xa9y", "x\xc3\xa8y", &p, &s);
	CU_ASSERT_EQUAL(p, 1);
	CU_ASSERT_EQUAL(s, 1);
	view_line_span("", "", &p, &s);
	CU_ASSERT_EQUAL(p + s, 0);
}

static void
test_pair_worst(void)
{
	uint32_t c[DIFF_NCLASSES] = { 0 };

	CU_ASSERT_EQUAL(pair_worst(c), DIFF_IDENTICAL);
	c[DIFF_IDENTICAL] = 5;
	CU_ASSERT_EQUAL(pair_worst(c), DIFF_IDENTICAL);
	c[DIFF_CONSISTENT] = 1;
	CU_ASSERT_EQUAL(pair_worst(c), DIFF_CONSISTENT);
	c[DIFF_INJECTED] = 1;
	CU_ASSERT_EQUAL(pair_worst(c), DIFF_INJECTED);
	c[DIFF_INCONSISTENT] = 1;
	CU_ASSERT_EQUAL(pair_worst(c), DIFF_INCONSISTENT);
	c[DIFF_DROPPED] = 1;
	CU_ASSERT_EQUAL(pair_worst(c), DIFF_DROPPED);
	CU_ASSERT_STRING_EQUAL(pair_badge(DIFF_IDENTICAL), "SAME");
	CU_ASSERT_STRING_EQUAL(pair_badge(DIFF_CONSISTENT), "NAT-OK");
	CU_ASSERT_STRING_EQUAL(pair_badge(DIFF_INCONSISTENT), "ALG!");
	CU_ASSERT_STRING_EQUAL(pair_badge(DIFF_DROPPED), "DROP");
	CU_ASSERT_STRING_EQUAL(pair_badge(DIFF_INJECTED), "INJ");
	CU_ASSERT_STRING_EQUAL(pair_badge((enum diff_class)99), "?");
	CU_ASSERT_STRING_EQUAL(pair_class_text(DIFF_CONSISTENT),
	    "rewritten consistently");
	CU_ASSERT_STRING_EQUAL(pair_class_text((enum diff_class)-1), "unknown");
}

static struct diff_change
mkchange(enum diff_change_kind k, bool expl, const char *f, const char *b,
    const char *a)
{
	struct diff_change c;

	memset(&c, 0, sizeof(c));
	c.kind = k;
	c.explained = expl;
	snprintf(c.field, sizeof(c.field), "%s", f);
	snprintf(c.before, sizeof(c.before), "%s", b);
	snprintf(c.after, sizeof(c.after), "%s", a);
	return c;
}

static void
test_change_text(void)
{
	struct diff_change c;
	char buf[512];

	c = mkchange(DIFF_CHANGED, true, "Contact[0]",
	    "<sip:phone@10.0.0.2:5060;transport=UDP>",
	    "<sip:phone@198.51.100.1:5060;transport=UDP>");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "Contact[0]: <sip:phone@{10.0.0.2 -> 198.51.100.1}:5060;"
	    "transport=UDP>");
	/* Same address, other port: the port alone, never "{50 -> 60}60". */
	c = mkchange(DIFF_CHANGED, true, "Via[0] sent-by", "10.0.0.2:5060",
	    "10.0.0.2:6060");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "Via[0] sent-by: 10.0.0.2:{5060 -> 6060}");
	/* Numbers sharing a digit are not split. */
	c = mkchange(DIFF_CHANGED, true, "Content-Length", "135", "143");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "Content-Length: 135 -> 143");
	/* Unexplained changes are marked. */
	c = mkchange(DIFF_CHANGED, false, "SDP m[0] m=",
	    "m=audio 6000 RTP/AVP 8", "m=audio 7000 RTP/AVP 8");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "! SDP m[0] m=: m=audio {6000 -> 7000} RTP/AVP 8");
	c = mkchange(DIFF_ADDED, false, "SDP i=", "", "i=nat-trace");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "! SDP i=: + i=nat-trace");
	c = mkchange(DIFF_REMOVED, true, "X-Foo[0]", "bar", "");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "X-Foo[0]: - bar");
	/* Packet text is escaped: an escape sequence is shown, not sent. */
	c = mkchange(DIFF_CHANGED, true, "User-Agent[0]", "a\x1b[31m",
	    "b\x1b[31m");
	view_change_text(&c, buf, sizeof(buf));
	CU_ASSERT_PTR_NULL(strchr(buf, 0x1b));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\\x1b"));
	/* Nothing in common. */
	c = mkchange(DIFF_CHANGED, true, "L3/L4 src", "a", "b");
	CU_ASSERT_STRING_EQUAL(view_change_text(&c, buf, sizeof(buf)),
	    "L3/L4 src: a -> b");
	/* Truncation is safe. */
	c = mkchange(DIFF_CHANGED, true, "Contact[0]", "<sip:10.0.0.2>",
	    "<sip:198.51.100.1>");
	view_change_text(&c, buf, 8);
	CU_ASSERT_EQUAL(strlen(buf), 7);
}

static void
test_pair_dup(void)
{
	struct diff_change ch[2], ch2[2];
	struct diff_pair pr[2];
	struct diff_dialog dd;
	struct pair_dialog *pd;
	char buf[256];

	memset(pr, 0, sizeof(pr));
	memset(&dd, 0, sizeof(dd));
	ch[0] = mkchange(DIFF_CHANGED, true, "Contact[0]", "<sip:10.0.0.2>",
	    "<sip:198.51.100.1>");
	ch[1] = mkchange(DIFF_CHANGED, true, "Content-Length", "1", "2");
	pr[0].cls = DIFF_CONSISTENT;
	pr[0].dir = DIFF_OUTBOUND;
	snprintf(pr[0].label, sizeof(pr[0].label), "INVITE");
	pr[0].cseq = 1;
	pr[0].copy[0].present = pr[0].copy[1].present = true;
	pr[0].copy[0].ts_ns = 1000;
	pr[0].ch = ch;
	pr[0].nch = 2;
	pr[1].cls = DIFF_DROPPED;
	pr[1].dir = DIFF_INBOUND;
	snprintf(pr[1].label, sizeof(pr[1].label), "200 OK");
	pr[1].cseq = 1;
	pr[1].copy[1].present = true;
	snprintf(dd.call_id, sizeof(dd.call_id), "c1@10.0.0.2");
	dd.pairs = pr;
	dd.npairs = 2;
	dd.count[DIFF_CONSISTENT] = 1;
	dd.count[DIFF_DROPPED] = 1;

	ch2[0] = mkchange(DIFF_CHANGED, true, "L3/L4 dst", "a", "b");
	ch2[1] = mkchange(DIFF_CHANGED, false, "Via[0] ;received", "a", "b");
	pd = pair_dialog_dup(&dd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
	/* A deep copy: the diff frees its dialog after the callback. */
	memset(ch, 0xa5, sizeof(ch));
	memset(pr, 0xa5, sizeof(pr));
	CU_ASSERT_EQUAL(pd->npairs, 2);
	CU_ASSERT_EQUAL(pd->worst, DIFF_DROPPED);
	CU_ASSERT_EQUAL(pd->start_ns, 1000);
	CU_ASSERT_STRING_EQUAL(pd->call_id, "c1@10.0.0.2");
	CU_ASSERT_EQUAL_FATAL(pd->pairs[0].nch, 2);
	CU_ASSERT_STRING_EQUAL(pd->pairs[0].ch[1].field, "Content-Length");
	CU_ASSERT_PTR_NULL(pd->pairs[1].ch);

	view_pair_row(&pd->pairs[0], buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "-> INVITE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "CSeq 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "rewritten consistently  2 changes"));
	/* Only the packet addresses changed: NAT, no SIP change counted. */
	{
		struct diff_pair nat = pd->pairs[0];
		struct diff_change l3 = mkchange(DIFF_CHANGED, true,
		    "L3/L4 src", "10.0.0.2:5060", "198.51.100.1:5060");

		nat.cls = DIFF_IDENTICAL;
		nat.ch = &l3;
		nat.nch = 1;
		view_pair_row(&nat, buf, sizeof(buf));
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "identical  NAT only"));
		nat.ch = ch2;
		nat.nch = 2;
		view_pair_row(&nat, buf, sizeof(buf));
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "identical  1 change"));
	}
	view_pair_row(&pd->pairs[1], buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<- 200 OK"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "dropped"));
	CU_ASSERT_PTR_NULL(strstr(buf, "change"));

	view_pairlist_row(pd, 80, buf, sizeof(buf));
	CU_ASSERT_EQUAL(strncmp(buf, "DROP   c1@10.0.0.2 ", 19), 0);
	CU_ASSERT_EQUAL(strlen(buf), 80);
	view_pairlist_header(80, buf, sizeof(buf));
	CU_ASSERT_EQUAL(strncmp(buf, "Worst  Call-ID", 14), 0);
	CU_ASSERT_EQUAL(strlen(buf), 80);
	pair_dialog_free(pd);
	pair_dialog_free(NULL);

	/* No pairs at all. */
	dd.pairs = NULL;
	dd.npairs = 0;
	memset(dd.count, 0, sizeof(dd.count));
	pd = pair_dialog_dup(&dd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
	CU_ASSERT_EQUAL(pd->worst, DIFF_IDENTICAL);
	CU_ASSERT_EQUAL(pd->start_ns, 0);
	pair_dialog_free(pd);
}

static bool
has_line(const struct view_lines *l, const char *needle)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i], needle) != NULL)
			return true;
	return false;
}

static void
test_pair_summary(void)
{
	struct pair_summary s;
	struct view_lines l;
	struct ep priv = mkep("10.0.0.2", 5060), pub = mkep("198.51.100.1",
	    5060), rem = mkep("198.51.100.2", 5060);
	struct diff *d;

	/* From a real (empty) comparison with one mapping learnt by hand. */
	d = diff_new(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	diff_learn_done(d);
	diff_mapping_add(d, PKT_UDP, &priv, &pub, &rem, 1, false);
	diff_finish(d);
	CU_ASSERT_EQUAL_FATAL(pair_summary_fill(&s, d), 0);
	diff_free(d);
	CU_ASSERT_EQUAL(s.nmap, 1);
	view_lines_init(&l);
	CU_ASSERT_EQUAL_FATAL(view_pair_summary_lines(&l, &s), 0);
	CU_ASSERT_TRUE(has_line(&l,
	    "udp sip   10.0.0.2:5060 -> 198.51.100.1:5060  remote "
	    "198.51.100.2:5060"));
	CU_ASSERT_TRUE(has_line(&l, "NAT mappings (1)"));
	CU_ASSERT_TRUE(has_line(&l, "features: none"));
	view_lines_free(&l);
	pair_summary_fini(&s);

	/* By hand: profile, a long reason wrapped, features listed. */
	memset(&s, 0, sizeof(s));
	s.prof.id = DIFF_PROFILE_MATCH;
	snprintf(s.prof.name, sizeof(s.prof.name), "linux");
	snprintf(s.prof.why, sizeof(s.prof.why), "Call-ID untouched; top Via "
	    "only (7); m= port kept (1); a=rtcp/ICE untouched; and a few more "
	    "words\x1b to wrap");
	s.feat.contact_rewritten = 3;
	s.feat.cl_fixed = 1;
	s.beh.port_preserved = 1;
	s.beh.endpoint_independent = -1;
	s.sum.count[DIFF_CONSISTENT] = 7;
	view_lines_init(&l);
	CU_ASSERT_EQUAL_FATAL(view_pair_summary_lines(&l, &s), 0);
	CU_ASSERT_STRING_EQUAL(l.v[0], "ALG profile: linux");
	CU_ASSERT_EQUAL(strncmp(l.v[1], "  decided by: Call-ID untouched;", 32),
	    0);
	CU_ASSERT_TRUE(strlen(l.v[1]) <= 78);
	CU_ASSERT_EQUAL(strncmp(l.v[2], "              ", 14), 0);
	CU_ASSERT_TRUE(has_line(&l, "to wrap"));
	CU_ASSERT_TRUE(has_line(&l, "\\x1b"));
	CU_ASSERT_TRUE(has_line(&l, "contact_rewritten=3 cl_fixed=1"));
	CU_ASSERT_FALSE(has_line(&l, "via_top_rewritten"));
	CU_ASSERT_TRUE(has_line(&l, "port preserved: yes; same public endpoint "
	    "for every destination: unknown"));
	CU_ASSERT_TRUE(has_line(&l, "0 identical  7 consistent"));
	for (size_t i = 0; i < l.n; i++)
		CU_ASSERT_PTR_NULL(strchr(l.v[i], 0x1b));
	view_lines_free(&l);
}

int
main(void)
{
	CU_pSuite s;
	int fails;

	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tui_view", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "columns_parse", test_columns_parse) ||
	    !CU_add_test(s, "cells_escape", test_cells_escape) ||
	    !CU_add_test(s, "layout_rows", test_layout_rows) ||
	    !CU_add_test(s, "sort", test_sort) ||
	    !CU_add_test(s, "row match", test_row_match) ||
	    !CU_add_test(s, "filter", test_filter) ||
	    !CU_add_test(s, "ladder", test_ladder) ||
	    !CU_add_test(s, "lines", test_lines) ||
	    !CU_add_test(s, "diff", test_diff) ||
	    !CU_add_test(s, "diff_long", test_diff_long) ||
	    !CU_add_test(s, "sparkline", test_sparkline) ||
	    !CU_add_test(s, "csv", test_csv) ||
	    !CU_add_test(s, "pcap_save", test_pcap_save) ||
	    !CU_add_test(s, "line_span", test_line_span) ||
	    !CU_add_test(s, "pair_worst", test_pair_worst) ||
	    !CU_add_test(s, "change_text", test_change_text) ||
	    !CU_add_test(s, "pair_dup", test_pair_dup) ||
	    !CU_add_test(s, "pair_summary", test_pair_summary) ||
	    !CU_add_test(s, "hold_spans", test_hold_spans) ||
	    !CU_add_test(s, "rtp_dirs", test_rtp_dirs) ||
	    !CU_add_test(s, "rtp_dirs_one_nat", test_rtp_dirs_one_nat) ||
	    !CU_add_test(s, "rtp_dirs_segments", test_rtp_dirs_segments)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
