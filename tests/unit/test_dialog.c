/*
 * test_dialog.c - grouping, retransmissions, call states and expiry of the
 * dialog table (dialog.h), with SIP messages written out in full.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sipframe.h"
#include "sip/dialog.h"
#include "sip/sipmsg.h"

#define SEC 1000000000LL

struct seen {
	int n;
	enum dialog_state state[8];
	int64_t duration[8];
	uint64_t retrans[8];
	size_t nmsgs[8];
	int nforks[8];
	bool evicted[8];
};

static bool
done(void *user, struct dialog *d)
{
	struct seen *s = user;

	if (s->n < 8) {
		s->state[s->n] = d->state;
		s->duration[s->n] = dialog_duration_ns(d);
		s->retrans[s->n] = d->retrans_total;
		s->nmsgs[s->n] = d->nmsgs;
		s->nforks[s->n] = d->nforks;
		s->evicted[s->n] = d->evicted;
	}
	s->n++;
	return false;
}

static struct pkt
mkpkt(int from_caller, int64_t t)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.l4 = PKT_UDP;
	p.ts_ns = t;
	p.frame = (uint64_t)(t / SEC) + 1;
	p.src.family = p.dst.family = 4;
	p.src.ip[0] = p.dst.ip[0] = 10;
	p.src.ip[3] = from_caller ? 2 : 3;
	p.dst.ip[3] = from_caller ? 3 : 2;
	p.src.port = p.dst.port = 5060;
	return p;
}

/* A request or response of the test call; cseq/method/status vary. */
static struct sipmsg *
msg(const char *callid, const char *first_line, int cseq,
    const char *cseq_method, const char *to_tag, const char *branch)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
	    "%s\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=%s\r\n"
	    "From: <sip:alice@10.0.0.2>;tag=ft1\r\n"
	    "To: <sip:bob@10.0.0.3>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %d %s\r\n"
	    "Content-Length: 0\r\n\r\n",
	    first_line, branch, to_tag[0] ? ";tag=" : "", to_tag, callid,
	    cseq, cseq_method);
	struct sipmsg *m = sipmsg_parse((const uint8_t *)buf, (size_t)n, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

static struct dialog *
add(struct dialog_table *t, struct sipmsg *m, int from_caller, int64_t ts,
    bool *rt)
{
	struct pkt p = mkpkt(from_caller, ts);

	return dialog_table_add(t, m, &p, 0, NULL, rt);
}

#define INV "INVITE sip:bob@10.0.0.3 SIP/2.0"
#define BYE "BYE sip:bob@10.0.0.3 SIP/2.0"
#define ACK "ACK sip:bob@10.0.0.3 SIP/2.0"
#define CAN "CANCEL sip:bob@10.0.0.3 SIP/2.0"

static void
test_completed_call_with_retransmissions(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct dialog *d;
	bool rt;

	d = add(t, msg("c1", INV, 1, "INVITE", "", "z9hG4bK1"), 1, 0, &rt);
	CU_ASSERT_FALSE(rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_SETUP);
	/* INVITE retransmitted after T1. */
	add(t, msg("c1", INV, 1, "INVITE", "", "z9hG4bK1"), 1, SEC / 2, &rt);
	CU_ASSERT_TRUE(rt);
	add(t, msg("c1", "SIP/2.0 180 Ringing", 1, "INVITE", "tt", "z9hG4bK1"),
	    0, 1 * SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_RINGING);
	add(t, msg("c1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z9hG4bK1"), 0,
	    3 * SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_INCALL);
	/* 200 OK retransmitted twice: folded into the first copy. */
	add(t, msg("c1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z9hG4bK1"), 0,
	    3 * SEC + SEC / 2, &rt);
	CU_ASSERT_TRUE(rt);
	add(t, msg("c1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z9hG4bK1"), 0,
	    4 * SEC + SEC / 2, &rt);
	CU_ASSERT_EQUAL(d->msgs[2].retrans, 2);
	CU_ASSERT_EQUAL(d->msgs[2].retrans_ns[0], 3 * SEC + SEC / 2);
	add(t, msg("c1", ACK, 1, "ACK", "tt", "z9hG4bK2"), 1, 5 * SEC, &rt);
	add(t, msg("c1", BYE, 2, "BYE", "tt", "z9hG4bK3"), 1, 13 * SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_COMPLETED);
	add(t, msg("c1", "SIP/2.0 200 OK", 2, "BYE", "tt", "z9hG4bK3"), 0,
	    13 * SEC + 1, &rt);
	CU_ASSERT_FALSE(rt);
	CU_ASSERT_EQUAL(dialog_table_count(t), 1);

	/* Lingers after the end, then is reported and freed. */
	dialog_table_expire(t, 20 * SEC);
	CU_ASSERT_EQUAL(s.n, 0);
	dialog_table_expire(t, 13 * SEC + CAP_DIALOG_LINGER_NS + SEC);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(s.state[0], DIALOG_COMPLETED);
	CU_ASSERT_EQUAL(s.duration[0], 10 * SEC);
	CU_ASSERT_EQUAL(s.retrans[0], 3);
	CU_ASSERT_EQUAL(s.nmsgs[0], 6);
	CU_ASSERT_EQUAL(s.nforks[0], 1);
	CU_ASSERT_EQUAL(dialog_table_count(t), 0);
	dialog_table_free(t);
}

static void
test_final_states(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	bool rt;

	/* Busy. */
	add(t, msg("b", INV, 1, "INVITE", "", "br1"), 1, 0, &rt);
	add(t, msg("b", "SIP/2.0 486 Busy Here", 1, "INVITE", "x", "br1"), 0,
	    SEC, &rt);
	/* Cancelled by CANCEL, then 487. */
	add(t, msg("c", INV, 1, "INVITE", "", "br2"), 1, 0, &rt);
	add(t, msg("c", CAN, 1, "CANCEL", "", "br2"), 1, SEC, &rt);
	add(t, msg("c", "SIP/2.0 487 Request Terminated", 1, "INVITE", "y",
	    "br2"), 0, SEC, &rt);
	/* Challenge then success with a higher CSeq: not rejected. */
	add(t, msg("a", INV, 1, "INVITE", "", "br3"), 1, 0, &rt);
	add(t, msg("a", "SIP/2.0 407 Proxy Authentication Required", 1,
	    "INVITE", "z", "br3"), 0, SEC / 10, &rt);
	struct dialog *d = add(t, msg("a", INV, 2, "INVITE", "", "br4"), 1,
	    SEC / 5, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_SETUP);
	add(t, msg("a", "SIP/2.0 503 Service Unavailable", 2, "INVITE", "z",
	    "br4"), 0, SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_FAILED);
	/* Diverted. */
	add(t, msg("d", INV, 1, "INVITE", "", "br5"), 1, 0, &rt);
	add(t, msg("d", "SIP/2.0 302 Moved", 1, "INVITE", "w", "br5"), 0, SEC,
	    &rt);
	/* Rejected. */
	add(t, msg("r", INV, 1, "INVITE", "", "br6"), 1, 0, &rt);
	add(t, msg("r", "SIP/2.0 404 Not Found", 1, "INVITE", "v", "br6"), 0,
	    SEC, &rt);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 5);
	/* Emitted in list order: all ended at t=1 s; order of activity. */
	int busy = 0, canc = 0, fail = 0, div = 0, rej = 0;
	for (int i = 0; i < 5; i++) {
		busy += s.state[i] == DIALOG_BUSY;
		canc += s.state[i] == DIALOG_CANCELLED;
		fail += s.state[i] == DIALOG_FAILED;
		div += s.state[i] == DIALOG_DIVERTED;
		rej += s.state[i] == DIALOG_REJECTED;
	}
	CU_ASSERT_EQUAL(busy, 1);
	CU_ASSERT_EQUAL(canc, 1);
	CU_ASSERT_EQUAL(fail, 1);
	CU_ASSERT_EQUAL(div, 1);
	CU_ASSERT_EQUAL(rej, 1);
}

/* A call ended by a BYE with no answer seen is named by what was seen:
 * "no 2xx", not "cancelled" (no CANCEL, no 487); a CANCEL seen
 * before the BYE keeps "cancelled". */
static void
test_bye_without_answer(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct dialog *d;
	bool rt;

	d = add(t, msg("n", INV, 1, "INVITE", "", "br1"), 1, 0, &rt);
	add(t, msg("n", "SIP/2.0 180 Ringing", 1, "INVITE", "tn", "br1"), 0,
	    SEC / 10, &rt);
	/* The callee's BYE (its 2xx lost before the capture point). */
	add(t, msg("n", BYE, 2, "BYE", "tn", "br2"), 0, 32 * SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_NO_ANSWER);
	CU_ASSERT_STRING_EQUAL(dialog_state_name(d->state), "no 2xx");
	d = add(t, msg("c", INV, 1, "INVITE", "", "br3"), 1, 0, &rt);
	add(t, msg("c", CAN, 1, "CANCEL", "", "br3"), 1, SEC, &rt);
	add(t, msg("c", BYE, 2, "BYE", "", "br4"), 1, 2 * SEC, &rt);
	CU_ASSERT_EQUAL(d->state, DIALOG_CANCELLED);
	dialog_table_free(t);
	/* Every state has a distinct name. */
	for (int i = 0; i < DIALOG_STATE_COUNT; i++)
		for (int k = 0; k < i; k++)
			CU_ASSERT(strcmp(dialog_state_name((enum dialog_state)i),
			    dialog_state_name((enum dialog_state)k)) != 0);
}

/*
 * An answer whose To tag an older answer already had is no new fork,
 * however many answers came between (count_fork looks through them all,
 * newest first).
 */
static void
test_fork_tag_seen_long_before(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct dialog *d;
	bool rt;

	d = add(t, msg("g", INV, 1, "INVITE", "", "b1"), 1, 0, &rt);
	add(t, msg("g", "SIP/2.0 180 Ringing", 1, "INVITE", "t1", "b1"), 0,
	    SEC, &rt);
	add(t, msg("g", "SIP/2.0 180 Ringing", 1, "INVITE", "t2", "b1"), 0,
	    SEC, &rt);
	add(t, msg("g", "SIP/2.0 183 Session Progress", 1, "INVITE", "t2",
	    "b1"), 0, 2 * SEC, &rt);
	add(t, msg("g", "SIP/2.0 183 Session Progress", 1, "INVITE", "t3",
	    "b1"), 0, 2 * SEC, &rt);
	CU_ASSERT_EQUAL(d->nforks, 3);
	add(t, msg("g", "SIP/2.0 200 OK", 1, "INVITE", "t1", "b1"), 0,
	    3 * SEC, &rt);
	CU_ASSERT_FALSE(rt);
	CU_ASSERT_EQUAL(d->nmsgs, 6);
	CU_ASSERT_EQUAL(d->nforks, 3);
	CU_ASSERT_EQUAL(d->state, DIALOG_INCALL);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 1);
}

static void
test_forks_and_proxy_legs(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct dialog *d;
	bool rt;

	d = add(t, msg("f", INV, 1, "INVITE", "", "b1"), 1, 0, &rt);
	add(t, msg("f", "SIP/2.0 180 Ringing", 1, "INVITE", "t1", "b1"), 0,
	    SEC, &rt);
	add(t, msg("f", "SIP/2.0 180 Ringing", 1, "INVITE", "t2", "b1"), 0,
	    SEC, &rt);
	CU_ASSERT_FALSE(rt);
	CU_ASSERT_EQUAL(d->nforks, 2);
	/* The same request in the other direction (a proxy's second leg) is a
	 * new message, not a retransmission. */
	add(t, msg("f", INV, 1, "INVITE", "", "b1"), 0, SEC, &rt);
	CU_ASSERT_FALSE(rt);
	CU_ASSERT_EQUAL(d->nmsgs, 4);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 1);
}

static void
test_byte_budget_evicts(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct anomalies an;
	char cid[32];
	bool rt;
	int i;

	memset(&an, 0, sizeof(an));
	/* Far more registrations than the budget allows stay bounded. */
	for (i = 0; i < 20000; i++) {
		struct pkt p = mkpkt(1, i);

		snprintf(cid, sizeof(cid), "reg-%d", i);
		dialog_table_add(t, msg(cid, "REGISTER sip:10.0.0.3 SIP/2.0", 1,
		    "REGISTER", "", "zz"), &p, 0, &an, &rt);
		CU_ASSERT_TRUE_FATAL(dialog_table_bytes(t) <=
		    CAP_DIALOG_TOTAL_BYTES);
	}
	CU_ASSERT_TRUE(an.n[ANOMALY_DIALOG_TABLE_FULL] > 0);
	CU_ASSERT_EQUAL((uint64_t)s.n, an.n[ANOMALY_DIALOG_TABLE_FULL]);
	CU_ASSERT_TRUE(s.evicted[0]);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 20000);
}

/* ---- dialog_table_take: the same as sipmsg_parse + dialog_table_add -- */

struct rawmsg {
	char text[1024];
	size_t len;
	int from_caller;
	int64_t ts;
};

static void
rawmsg(struct rawmsg *r, const char *callid, const char *first_line,
    int cseq, const char *cseq_method, const char *to_tag,
    const char *branch, int from_caller, int64_t ts)
{
	int n = snprintf(r->text, sizeof(r->text),
	    "%s\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=%s\r\n"
	    "From: <sip:alice@10.0.0.2>;tag=ft1\r\n"
	    "To: <sip:bob@10.0.0.3>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %d %s\r\n"
	    "Content-Length: 0\r\n\r\n",
	    first_line, branch, to_tag[0] ? ";tag=" : "", to_tag, callid,
	    cseq, cseq_method);

	r->len = (size_t)n;
	r->from_caller = from_caller;
	r->ts = ts;
}

/* What a done callback saw, in order, in more detail than struct seen. */
struct log {
	int n;
	char line[64][400];
};

static bool
log_done(void *user, struct dialog *d)
{
	struct log *l = user;
	size_t nr = 0;

	for (size_t i = 0; i < d->nmsgs; i++)
		nr += d->msgs[i].retrans;
	if (l->n < 64)
		snprintf(l->line[l->n], sizeof(l->line[0]),
		    "%s %s %d msgs %zu retrans %llu/%zu forks %d end %lld",
		    d->call_id, dialog_state_name(d->state), d->final_status,
		    d->nmsgs, (unsigned long long)d->retrans_total, nr,
		    d->nforks, (long long)d->end_ns);
	l->n++;
	return false;
}

/*
 * Gives text[0..len) seen in p to ta by dialog_table_take (with the line
 * ends the framing notes when lines, as ingest passes them) and to tb by
 * sipmsg_parse + dialog_table_add, and asserts both did the same: the
 * result, the dialog, its messages, copies and state, the anomalies.
 * Returns what take did.
 */
static enum dialog_take
take_and_add(struct dialog_table *ta, struct dialog_table *tb,
    const char *text, size_t len, bool lines, const struct pkt *p,
    struct anomalies *ana, struct anomalies *anb)
{
	struct dialog *da, *db = NULL;
	struct sipframe_lines ln;
	struct sipmsg *m;
	enum dialog_take k;
	enum sipframe_rc rc;
	size_t ml, bo;
	bool rt = false;

	(void)sipframe_datagram_sip((const uint8_t *)text, len, &rc, &ml, &bo,
	    &ln, NULL);
	k = dialog_table_take(ta, (const uint8_t *)text, len,
	    rc == SIPFRAME_OK && lines ? &ln : NULL, p, 0, ana, &da);
	m = sipmsg_parse((const uint8_t *)text, len, anb);
	if (m != NULL)
		db = dialog_table_add(tb, m, p, 0, anb, &rt);
	CU_ASSERT_EQUAL(k == DIALOG_TAKE_UNPARSED, m == NULL);
	CU_ASSERT_EQUAL(k == DIALOG_TAKE_RETRANS, m != NULL && rt);
	CU_ASSERT_EQUAL(da == NULL, db == NULL);
	if (da != NULL && db != NULL) {
		CU_ASSERT_STRING_EQUAL(da->call_id, db->call_id);
		CU_ASSERT_EQUAL(da->id, db->id);
		CU_ASSERT_EQUAL(da->nmsgs, db->nmsgs);
		CU_ASSERT_EQUAL(da->retrans_total, db->retrans_total);
		CU_ASSERT_EQUAL(da->state, db->state);
		CU_ASSERT_EQUAL(da->last_ns, db->last_ns);
	}
	CU_ASSERT_EQUAL(memcmp(ana, anb, sizeof(*ana)), 0);
	return k;
}

static void
test_take_matches_add(void)
{
	struct rawmsg r[32];
	struct log la = { 0 }, lb = { 0 };
	struct dialog_table *ta = dialog_table_new(log_done, &la);
	struct dialog_table *tb = dialog_table_new(log_done, &lb);
	struct anomalies ana, anb;
	int n = 0;

	memset(&ana, 0, sizeof(ana));
	memset(&anb, 0, sizeof(anb));
	rawmsg(&r[n++], "t1", INV, 1, "INVITE", "", "z1", 1, 0);
	rawmsg(&r[n++], "t1", INV, 1, "INVITE", "", "z1", 1, SEC / 2);
	rawmsg(&r[n++], "t1", "SIP/2.0 180 Ringing", 1, "INVITE", "tt", "z1",
	    0, SEC);
	rawmsg(&r[n++], "t1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z1", 0,
	    2 * SEC);
	rawmsg(&r[n++], "t1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z1", 0,
	    3 * SEC);
	/* The same bytes the other way (a proxy's second leg): new. */
	rawmsg(&r[n++], "t1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z1", 1,
	    3 * SEC);
	rawmsg(&r[n++], "t1", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z1", 0,
	    4 * SEC);
	/* A CSeq method that is not the request's: counted on every copy. */
	rawmsg(&r[n++], "t1", ACK, 1, "INVITE", "tt", "z2", 1, 5 * SEC);
	rawmsg(&r[n++], "t1", ACK, 1, "INVITE", "tt", "z2", 1, 6 * SEC);
	rawmsg(&r[n++], "t1", BYE, 2, "BYE", "tt", "z3", 1, 9 * SEC);
	rawmsg(&r[n++], "t1", BYE, 2, "BYE", "tt", "z3", 1, 10 * SEC);
	rawmsg(&r[n++], "t1", "SIP/2.0 200 OK", 2, "BYE", "tt", "z3", 0,
	    10 * SEC);
	/* After t1 is reported, a late copy of its BYE opens a new dialog. */
	rawmsg(&r[n++], "t1", BYE, 2, "BYE", "tt", "z3", 1,
	    60 * SEC + CAP_DIALOG_LINGER_NS);
	rawmsg(&r[n++], "t2", "SIP/2.0 200 OK", 5, "OPTIONS", "q", "z9", 0,
	    61 * SEC + CAP_DIALOG_LINGER_NS);
	rawmsg(&r[n++], "t2", "SIP/2.0 200 OK", 5, "OPTIONS", "q", "z9", 0,
	    62 * SEC + CAP_DIALOG_LINGER_NS);
	rawmsg(&r[n++], "t3", "garbage", 1, "X", "", "z", 1,
	    63 * SEC + CAP_DIALOG_LINGER_NS);
	for (int i = 0; i < n; i++) {
		struct pkt p = mkpkt(r[i].from_caller, r[i].ts);

		dialog_table_expire(ta, r[i].ts);
		dialog_table_expire(tb, r[i].ts);
		(void)take_and_add(ta, tb, r[i].text, r[i].len, true, &p, &ana,
		    &anb);
	}
	CU_ASSERT_EQUAL(ana.n[ANOMALY_SIP_CSEQ_METHOD_MISMATCH], 2);
	dialog_table_free(ta);
	dialog_table_free(tb);
	CU_ASSERT_EQUAL(la.n, lb.n);
	CU_ASSERT_EQUAL(la.n, 3);
	for (int i = 0; i < la.n && i < 64; i++)
		CU_ASSERT_STRING_EQUAL(la.line[i], lb.line[i]);
}

/*
 * A byte-identical retransmission is folded without being parsed: with
 * the stored copy's status doctored (in the message, the table's key
 * copy and its fingerprint), a parse of the new copy would no longer
 * match it and be stored as new; the bytes still match.  Without anomaly counters a parse
 * cannot vouch that a copy would count none, so copies are parsed; and
 * a copy differing in one byte is parsed.
 */
/*
 * The transaction fingerprint (dialog.h key_fp) the table keeps for a
 * message of call "bb" with this first line, CSeq 1 INVITE: the first
 * message of a table of its own.
 */
static uint16_t
key_fp_of(const char *first_line)
{
	struct dialog_table *t = dialog_table_new(NULL, NULL);
	struct rawmsg r;
	struct pkt p = mkpkt(0, SEC);
	struct dialog *d;
	uint16_t fp;

	rawmsg(&r, "bb", first_line, 1, "INVITE", "tt", "z1", 0, SEC);
	CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)r.text, r.len,
	    NULL, &p, 0, NULL, &d), DIALOG_TAKE_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	fp = d->key_fp[0];
	dialog_table_free(t);
	return fp;
}

static void
test_take_by_bytes(void)
{
	struct seen s = { 0 };
	struct dialog_table *t;
	struct anomalies an;
	struct rawmsg a, b;
	struct pkt p;
	struct dialog *d;
	char *via;

	memset(&an, 0, sizeof(an));
	rawmsg(&a, "bb", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z1", 0, SEC);
	b = a;
	via = strstr(b.text, "Via:") + 4;
	memmove(via + 1, via, b.len - (size_t)(via - b.text));
	b.len++;
	for (int counted = 0; counted < 2; counted++) {
		struct anomalies *pa = counted ? &an : NULL;

		t = dialog_table_new(done, &s);
		p = mkpkt(0, SEC);
		CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)a.text,
		    a.len, NULL, &p, 0, pa, &d), DIALOG_TAKE_NEW);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		d->msgs[0].m->status = 299;
		d->msgs[0].key_status = 299;
		d->key_fp[0] = key_fp_of("SIP/2.0 299 OK");
		p = mkpkt(0, 2 * SEC);
		CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)a.text,
		    a.len, NULL, &p, 0, pa, &d), counted ? DIALOG_TAKE_RETRANS :
		    DIALOG_TAKE_NEW);
		CU_ASSERT_EQUAL(d->nmsgs, counted ? 1 : 2);
		CU_ASSERT_EQUAL(d->msgs[0].retrans, counted ? 1 : 0);
		if (counted)
			CU_ASSERT_EQUAL(d->msgs[0].retrans_ns[0], 2 * SEC);
		p = mkpkt(0, 3 * SEC);
		CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)b.text,
		    b.len, NULL, &p, 0, pa, &d), counted ? DIALOG_TAKE_NEW :
		    DIALOG_TAKE_RETRANS);
		CU_ASSERT_EQUAL(d->nmsgs, 2);
		dialog_table_free(t);
	}
	/* The first 200 OK opened its dialog; nothing else was counted. */
	CU_ASSERT_EQUAL(an.n[ANOMALY_ORPHAN_RESPONSE], 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 1);
}

/*
 * Many calls through one table: message blocks of reported dialogs are
 * reused for later ones (under ASan: no block used after it was freed,
 * none leaked), and every call is reported complete.
 */
static void
test_take_many(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct anomalies an;
	int calls = 3000;

	memset(&an, 0, sizeof(an));
	for (int c = 0; c < calls; c++) {
		char cid[32], br[16];
		struct rawmsg r[4];
		int64_t t0 = (int64_t)c * SEC / 10;

		snprintf(cid, sizeof(cid), "many-%d", c);
		snprintf(br, sizeof(br), "zm%d", c);
		rawmsg(&r[0], cid, INV, 1, "INVITE", "", br, 1, t0);
		rawmsg(&r[1], cid, "SIP/2.0 200 OK", 1, "INVITE", "tg", br, 0,
		    t0 + SEC);
		rawmsg(&r[2], cid, BYE, 2, "BYE", "tg", br, 1, t0 + 2 * SEC);
		rawmsg(&r[3], cid, "SIP/2.0 200 OK", 2, "BYE", "tg", br, 0,
		    t0 + 2 * SEC);
		for (int i = 0; i < 4; i++) {
			struct pkt p = mkpkt(r[i].from_caller, r[i].ts);
			struct dialog *d;

			dialog_table_expire(t, r[i].ts);
			CU_ASSERT_EQUAL(dialog_table_take(t,
			    (const uint8_t *)r[i].text, r[i].len, NULL, &p, 0, &an,
			    &d), DIALOG_TAKE_NEW);
		}
	}
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, calls);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(s.state[i], DIALOG_COMPLETED);
		CU_ASSERT_EQUAL(s.nmsgs[i], 4);
	}
}

/* A done callback that scribbles over what dialog_release() no longer
 * reads once it returns, and remembers where the dialog was. */
static bool
scribble_done(void *user, struct dialog *d)
{
	*(struct dialog **)user = d;
	memset(d->call_id, 'x', sizeof(d->call_id));
	memset(d->first_method, 'x', sizeof(d->first_method));
	memset(d->from, 'x', sizeof(d->from));
	memset(d->to, 'x', sizeof(d->to));
	memset(d->from_tag, 'x', sizeof(d->from_tag));
	memset(d->vis, 0x5a, sizeof(d->vis));
	memset(&d->join, 0x5a, sizeof(d->join));
	memset(&d->memo_initial, 0x5a, sizeof(d->memo_initial));
	memset(&d->memo_answer, 0x5a, sizeof(d->memo_answer));
	d->rtcp_packets = 77;
	d->retrans_total = 77;
	d->evicted = true;
	d->media_eps = d;
	return false;
}

/*
 * A new dialog in the block of one that left (the pool hands it back) is
 * as a zeroed one but for the bytes past its strings' ends: every other
 * field zero, every string what its first message said.
 */
static void
test_new_dialog_zeroed(void)
{
	struct dialog *old = NULL, *d;
	struct dialog_table *t = dialog_table_new(scribble_done, &old);
	struct rawmsg r;
	struct pkt p = mkpkt(1, SEC);
	const struct dialog_memo zm = { 0 };

	rawmsg(&r, "zero-a", INV, 1, "INVITE", "", "z9hG4bKza", 1, SEC);
	CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)r.text, r.len,
	    NULL, &p, 0, NULL, &d), DIALOG_TAKE_NEW);
	dialog_table_expire(t, 10000 * SEC);
	CU_ASSERT_PTR_EQUAL_FATAL(old, d);
	rawmsg(&r, "zero-b", INV, 1, "INVITE", "", "z9hG4bKzb", 1, 10001 * SEC);
	p = mkpkt(1, 10001 * SEC);
	CU_ASSERT_EQUAL(dialog_table_take(t, (const uint8_t *)r.text, r.len,
	    NULL, &p, 0, NULL, &d), DIALOG_TAKE_NEW);
	CU_ASSERT_PTR_EQUAL(d, old);
	CU_ASSERT_STRING_EQUAL(d->call_id, "zero-b");
	CU_ASSERT_STRING_EQUAL(d->first_method, "INVITE");
	CU_ASSERT_STRING_EQUAL(d->from, "alice@10.0.0.2");
	CU_ASSERT_STRING_EQUAL(d->to, "bob@10.0.0.3");
	CU_ASSERT_STRING_EQUAL(d->from_tag, "ft1");
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(d->vis[i].state, 0);
		CU_ASSERT_EQUAL(d->vis[i].why[0], '\0');
	}
	CU_ASSERT_EQUAL(d->join.id, 0);
	CU_ASSERT_EQUAL(d->join.call_id[0], '\0');
	CU_ASSERT_EQUAL(d->join.segment, 0);
	CU_ASSERT(!d->join.other_first && !d->join.other_affected);
	CU_ASSERT_EQUAL(d->join.counted, 0);
	CU_ASSERT(memcmp(&d->memo_initial, &zm, sizeof(zm)) == 0);
	CU_ASSERT(memcmp(&d->memo_answer, &zm, sizeof(zm)) == 0);
	CU_ASSERT_EQUAL(d->rtcp_packets, 0);
	CU_ASSERT_EQUAL(d->retrans_total, 0);
	CU_ASSERT(!d->evicted);
	CU_ASSERT_PTR_NULL(d->media_eps);
	CU_ASSERT_PTR_NULL(d->findings);
	CU_ASSERT_EQUAL(d->nstreams, 0);
	dialog_table_free(t);
}

/*
 * Messages equal in length and in the ends raw_hash reads (first 128
 * and last 32 bytes) but not in the middle -- here 2,000 INVITEs whose
 * Call-IDs differ -- share one hash whatever the key, and a capture can
 * hold as many as it likes.  A copy is looked for only among its own
 * dialog's messages (found by Call-ID), never among all messages of its
 * hash: each copy is folded into its own original, and messages of
 * distinct hashes alike.  (A table-wide index by raw hash would have to
 * keep such messages out, or walk a chain of 2,000 on every lookup.)
 */
static void
test_take_same_ends(void)
{
	enum { N = 2000 };
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct anomalies an;
	static struct rawmsg r[N];

	memset(&an, 0, sizeof(an));
	for (int i = 0; i < N; i++) {
		char cid[32];

		snprintf(cid, sizeof(cid), "same-ends-%04d", i);
		rawmsg(&r[i], cid, INV, 1, "INVITE", "", "z9hG4bKsame", 1,
		    SEC + i);
		CU_ASSERT_FATAL(r[i].len > 128 + 32 && r[i].len == r[0].len);
		CU_ASSERT(memcmp(r[i].text, r[0].text, 128) == 0);
		CU_ASSERT(memcmp(r[i].text + r[i].len - 32,
		    r[0].text + r[0].len - 32, 32) == 0);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < N; i++) {
			struct pkt p = mkpkt(1, r[i].ts + pass * SEC);
			struct dialog *d;

			CU_ASSERT_EQUAL(dialog_table_take(t,
			    (const uint8_t *)r[i].text, r[i].len, NULL, &p, 0, &an,
			    &d), pass ? DIALOG_TAKE_RETRANS : DIALOG_TAKE_NEW);
			CU_ASSERT_PTR_NOT_NULL_FATAL(d);
			CU_ASSERT_EQUAL(d->nmsgs, 1);
			CU_ASSERT_EQUAL(d->msgs[0].retrans, (uint32_t)pass);
		}
	CU_ASSERT_EQUAL(dialog_table_count(t), N);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, N);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* distinct branches: distinct ends, every copy folded too */
	t = dialog_table_new(done, &s);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < N; i++) {
			char cid[32], br[32];
			struct pkt p = mkpkt(1, SEC + i + pass * SEC);
			struct dialog *d;

			snprintf(cid, sizeof(cid), "same-ends-%04d", i);
			snprintf(br, sizeof(br), "z9hG4bK%04d", i);
			rawmsg(&r[i], cid, INV, 1, "INVITE", "", br, 1, SEC + i);
			CU_ASSERT_EQUAL(dialog_table_take(t,
			    (const uint8_t *)r[i].text, r[i].len, NULL, &p, 0, &an,
			    &d), pass ? DIALOG_TAKE_RETRANS : DIALOG_TAKE_NEW);
			CU_ASSERT_PTR_NOT_NULL_FATAL(d);
			CU_ASSERT_EQUAL(d->msgs[0].retrans, (uint32_t)pass);
		}
	CU_ASSERT_EQUAL(dialog_table_count(t), N);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/*
 * Copies are recognised before libosip2 parses them by the raw hash
 * each dialog keeps in its message array: the array moves as a dialog
 * grows (8, 16, 32 messages) and its old block is reused by the other
 * dialog.  Every copy of every message of two interleaved dialogs still
 * folds into its own original, in its own dialog.
 */
static void
test_take_index_moves(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct anomalies an;
	struct rawmsg r[2][20];
	struct dialog *dd[2] = { NULL, NULL };
	enum { N = 20 };

	memset(&an, 0, sizeof(an));
	for (int k = 0; k < N; k++)
		for (int c = 0; c < 2; c++) {
			char br[16];
			struct pkt p;
			struct dialog *d;

			snprintf(br, sizeof(br), "zx%d-%d", c, k);
			rawmsg(&r[c][k], c ? "idx-b" : "idx-a",
			    k == 0 ? INV : BYE, k + 1, k == 0 ? "INVITE" : "BYE",
			    "", br, 1, (int64_t)k * (SEC / 1000));
			p = mkpkt(1, r[c][k].ts);
			CU_ASSERT_EQUAL(dialog_table_take(t,
			    (const uint8_t *)r[c][k].text, r[c][k].len, NULL, &p, 0,
			    &an, &d), DIALOG_TAKE_NEW);
			CU_ASSERT(dd[c] == NULL || d == dd[c]);
			dd[c] = d;
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(dd[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dd[1]);
	CU_ASSERT(dd[0] != dd[1]);
	for (int k = 0; k < N; k++)
		for (int c = 0; c < 2; c++) {
			struct pkt p = mkpkt(1, SEC + (int64_t)k * (SEC / 1000));
			struct dialog *d;

			CU_ASSERT_EQUAL(dialog_table_take(t,
			    (const uint8_t *)r[c][k].text, r[c][k].len, NULL, &p, 0,
			    &an, &d), DIALOG_TAKE_RETRANS);
			CU_ASSERT_PTR_EQUAL(d, dd[c]);
		}
	for (int c = 0; c < 2; c++) {
		CU_ASSERT_EQUAL(dd[c]->nmsgs, N);
		CU_ASSERT_EQUAL(dd[c]->retrans_total, N);
		for (int k = 0; k < N; k++)
			CU_ASSERT_EQUAL(dd[c]->msgs[k].retrans, 1);
	}
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* A done callback folding what log_done() writes into one hash. */
struct digest {
	int n;
	uint64_t h;
};

static bool
digest_done(void *user, struct dialog *d)
{
	struct digest *g = user;
	struct log l = { 0 };

	(void)log_done(&l, d);
	for (const char *c = l.line[0]; *c != '\0'; c++)
		g->h = (g->h ^ (unsigned char)*c) * 1099511628211ULL;
	g->h = (g->h ^ '\n') * 1099511628211ULL;
	g->n++;
	return false;
}

/*
 * Replaces the first occurrence of what in r by with (the text stays
 * under its size: the test's edits are short).
 */
static void
rawmsg_edit(struct rawmsg *r, const char *what, const char *with)
{
	char *at = strstr(r->text, what);
	size_t wl = strlen(what), nl = strlen(with);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	CU_ASSERT_FATAL(r->len - wl + nl < sizeof(r->text));
	memmove(at + nl, at + wl, r->len - (size_t)(at - r->text) - wl + 1);
	memcpy(at, with, nl);
	r->len = r->len - wl + nl;
}

/*
 * Every kind of copy dialog_table_take may meet is folded (or not) as
 * sipmsg_parse + dialog_table_add fold it: random sequences of a pool
 * of messages -- quiet ones, ones that count an anomaly on every copy
 * (never folded unparsed), ones with a bare CR inside a line (the
 * header walk does not ask for priors), with no Call-ID (not SIP),
 * with a Call-ID longer than a dialog keeps, and ones equal in length
 * and hashed ends but of distinct Call-IDs (one raw_hash) -- sent both
 * ways, over UDP, TCP and WebSocket, whole or in fragments, with long
 * pauses that report dialogs and open them again.  At every step the
 * two tables agree (take_and_add); at the end on every dialog reported.
 */
static void
test_take_every_copy(void)
{
	enum { POOL = 96, STEPS = 6000 };
	static const char *const lines[] = { INV, "SIP/2.0 100 Trying",
	    "SIP/2.0 180 Ringing", "SIP/2.0 200 OK", ACK, BYE, CAN,
	    "SIP/2.0 487 Request Terminated", "OPTIONS sip:bob@10.0.0.3 SIP/2.0",
	    "SIP/2.0 503 Busy Here" };
	static const char *const methods[] = { "INVITE", "INVITE", "INVITE",
	    "INVITE", "ACK", "BYE", "CANCEL", "INVITE", "OPTIONS", "BYE" };
	static struct rawmsg pool[POOL];
	struct digest ga = { 0, 0 }, gb = { 0, 0 };
	struct dialog_table *ta = dialog_table_new(digest_done, &ga);
	struct dialog_table *tb = dialog_table_new(digest_done, &gb);
	struct anomalies ana, anb;
	char longcid[320];
	int64_t now = SEC;
	int folds = 0, folds_loud = 0, unparsed = 0;

	memset(&ana, 0, sizeof(ana));
	memset(&anb, 0, sizeof(anb));
	memset(longcid, 'L', 300);
	longcid[300] = '\0';
	srand(1717);
	for (int i = 0; i < POOL; i++) {
		int l = rand() % (int)(sizeof(lines) / sizeof(lines[0]));
		int kind = i % 8;
		char cid[340], br[16];

		/* kind 5: same length and ends, distinct Call-IDs */
		if (kind == 4)
			snprintf(cid, sizeof(cid), "%s%d", longcid, rand() % 2);
		else if (kind == 5)
			snprintf(cid, sizeof(cid), "ends-%03d", rand() % 4);
		else
			snprintf(cid, sizeof(cid), "k%d", rand() % 4);
		snprintf(br, sizeof(br), kind == 5 ? "zsame" : "z%d",
		    rand() % 3);
		rawmsg(&pool[i], cid, lines[l], 1 + rand() % 2,
		    kind == 1 ? "NOTIFY" : methods[l],
		    lines[l][0] == 'S' || rand() % 2 ? "tt" : "", br,
		    rand() % 2, 0);
		if (kind == 2)
			rawmsg_edit(&pool[i], ";tag=ft1", ";tag=f\rt1");
		else if (kind == 3)
			rawmsg_edit(&pool[i], "Call-ID:", "X-Call:");
	}
	for (int i = 0; i < STEPS; i++) {
		/* Mostly one of the last few: copies come soon after. */
		const struct rawmsg *r = &pool[rand() % 3 ? (i / 16 + rand() %
		    4) % POOL : rand() % POOL];
		struct pkt p;
		enum dialog_take k;

		now += rand() % 50 == 0 ? CAP_DIALOG_LINGER_NS + SEC :
		    rand() % (SEC / 4);
		p = mkpkt(rand() % 4 == 0 ? !r->from_caller : r->from_caller,
		    now);
		p.l4 = rand() % 3 == 0 ? PKT_TCP : PKT_UDP;
		if (p.l4 == PKT_TCP && rand() % 2)
			p.l4 |= PKT_WS;
		p.nfrags = rand() % 4 == 0 ? 2 : 1;
		dialog_table_expire(ta, now);
		dialog_table_expire(tb, now);
		k = take_and_add(ta, tb, r->text, r->len, rand() % 2, &p, &ana,
		    &anb);
		folds += k == DIALOG_TAKE_RETRANS;
		/* a request of CSeq method NOTIFY counts a mismatch */
		folds_loud += k == DIALOG_TAKE_RETRANS && r->text[0] != 'S' &&
		    strstr(r->text, " NOTIFY\r") != NULL;
		unparsed += k == DIALOG_TAKE_UNPARSED;
	}
	dialog_table_free(ta);
	dialog_table_free(tb);
	CU_ASSERT_EQUAL(ga.n, gb.n);
	CU_ASSERT_EQUAL(ga.h, gb.h);
	/* Every kind met: copies folded, loud ones too, and non-SIP. */
	CU_ASSERT(folds > STEPS / 10);
	CU_ASSERT(folds_loud > 0);
	CU_ASSERT(unparsed > 0);
	CU_ASSERT(ana.n[ANOMALY_SIP_CSEQ_METHOD_MISMATCH] > 0);
}

/* The methods with a code, and strings near them that have none. */
static const char *const known_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "PRACK", "UPDATE", "REGISTER",
	"OPTIONS", "SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER", "INFO",
};

/* What sip_method_code must answer for s: strcmp against every name. */
static uint8_t
code_by_strcmp(const char *s)
{
	for (unsigned c = SIPM_OTHER + 1; c < SIPM_COUNT; c++)
		if (strcmp(s, sip_method_name(c)) == 0)
			return (uint8_t)c;
	return SIPM_OTHER;
}

/*
 * A dialog of more messages than it keeps fingerprints of (DIALOG_FP:
 * the raw bytes' and the transaction keys', dialog.h): a copy of a
 * message before the limit and of one after it, with the same bytes and
 * with other bytes of the same transaction, is each folded into its own
 * original, by take as by parse + add; a response with the CSeq of a
 * stored request, and a request of a new CSeq, are new.
 */
static void
test_take_past_fingerprints(void)
{
	enum { N = DIALOG_FP + 24 };
	struct log la = { 0 }, lb = { 0 };
	struct dialog_table *ta = dialog_table_new(log_done, &la);
	struct dialog_table *tb = dialog_table_new(log_done, &lb);
	struct anomalies ana, anb;
	static struct rawmsg r[N];
	const int copied[] = { 0, 3, DIALOG_FP - 1, DIALOG_FP, N - 2 };
	struct dialog *d;
	char br[16];
	int64_t ts = SEC;

	memset(&ana, 0, sizeof(ana));
	memset(&anb, 0, sizeof(anb));
	for (int i = 0; i < N; i++, ts += SEC / 100) {
		struct pkt p = mkpkt(1, ts);

		snprintf(br, sizeof(br), "zfp%d", i);
		rawmsg(&r[i], "fp-call", "INFO sip:bob@10.0.0.3 SIP/2.0", i + 1,
		    "INFO", "tt", br, 1, ts);
		CU_ASSERT_EQUAL(take_and_add(ta, tb, r[i].text, r[i].len, true,
		    &p, &ana, &anb), DIALOG_TAKE_NEW);
	}
	for (size_t k = 0; k < sizeof(copied) / sizeof(copied[0]); k++) {
		int i = copied[k];
		struct rawmsg o = r[i];
		char *cl = strstr(o.text, "Content-Length");
		struct pkt p = mkpkt(1, ts);

		/* The same bytes: folded before the parse. */
		CU_ASSERT_EQUAL(take_and_add(ta, tb, r[i].text, r[i].len, true,
		    &p, &ana, &anb), DIALOG_TAKE_RETRANS);
		/* Other bytes, the same transaction: folded after it. */
		memmove(cl + 12, cl, o.len - (size_t)(cl - o.text) + 1);
		memcpy(cl, "Subject: x\r\n", 12);
		o.len += 12;
		CU_ASSERT_EQUAL(take_and_add(ta, tb, o.text, o.len, true, &p,
		    &ana, &anb), DIALOG_TAKE_RETRANS);
		/* A response to it (same CSeq, a status): new. */
		snprintf(br, sizeof(br), "zfp%d", i);
		rawmsg(&o, "fp-call", "SIP/2.0 200 OK", i + 1, "INFO", "tt", br,
		    0, ts);
		p = mkpkt(0, ts);
		CU_ASSERT_EQUAL(take_and_add(ta, tb, o.text, o.len, true, &p,
		    &ana, &anb), DIALOG_TAKE_NEW);
		ts += SEC / 100;
	}
	/* A request of a new CSeq: new (and hands back the dialog). */
	{
		struct rawmsg o;
		struct pkt p = mkpkt(1, ts);

		rawmsg(&o, "fp-call", "INFO sip:bob@10.0.0.3 SIP/2.0", N + 1,
		    "INFO", "tt", "zfpn", 1, ts);
		bool rt = true;

		CU_ASSERT_EQUAL(dialog_table_take(ta, (const uint8_t *)o.text,
		    o.len, NULL, &p, 0, &ana, &d), DIALOG_TAKE_NEW);
		CU_ASSERT_PTR_NOT_NULL(dialog_table_add(tb,
		    sipmsg_parse((const uint8_t *)o.text, o.len, &anb), &p, 0,
		    &anb, &rt));
		CU_ASSERT(!rt);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (int i = 0; i < N; i++) {
		bool c = false;

		for (size_t k = 0; k < sizeof(copied) / sizeof(copied[0]); k++)
			c = c || copied[k] == i;
		CU_ASSERT_EQUAL(d->msgs[i].retrans, c ? 2 : 0);
	}
	dialog_table_free(ta);
	dialog_table_free(tb);
	CU_ASSERT_EQUAL(la.n, 1);
	CU_ASSERT_EQUAL(la.n, lb.n);
	CU_ASSERT_STRING_EQUAL(la.line[0], lb.line[0]);
}

/*
 * sip_method_code is strcmp against the names: every name, each prefix,
 * each with one byte changed or added, lower case, and many random
 * strings of the names' letters.
 */
static void
test_method_codes(void)
{
	const size_t nk = sizeof(known_methods) / sizeof(known_methods[0]);
	static const char letters[] = "ABCDEFGHIKLMNOPRSTUVY";
	unsigned seen = 0;
	char buf[16];

	CU_ASSERT_EQUAL(nk, SIPM_COUNT - 2);
	CU_ASSERT_STRING_EQUAL(sip_method_name(SIPM_NONE), "");
	CU_ASSERT_STRING_EQUAL(sip_method_name(SIPM_OTHER), "");
	CU_ASSERT_STRING_EQUAL(sip_method_name(SIPM_COUNT), "");
	for (size_t i = 0; i < nk; i++) {
		const char *k = known_methods[i];
		size_t n = strlen(k);
		uint8_t c = sip_method_code(k);

		CU_ASSERT(c > SIPM_OTHER && c < SIPM_COUNT);
		CU_ASSERT_STRING_EQUAL(sip_method_name(c), k);
		seen |= 1u << c;
		for (size_t l = 0; l < n; l++) {
			memcpy(buf, k, l);
			buf[l] = '\0';
			CU_ASSERT_EQUAL(sip_method_code(buf), SIPM_OTHER);
			memcpy(buf, k, n + 1);
			buf[l] = (char)(buf[l] + 1);
			CU_ASSERT_EQUAL(sip_method_code(buf), code_by_strcmp(buf));
			buf[l] = (char)(k[l] | 0x20);  /* lower case */
			CU_ASSERT_EQUAL(sip_method_code(buf), SIPM_OTHER);
		}
		memcpy(buf, k, n);
		memcpy(buf + n, "S", 2);
		CU_ASSERT_EQUAL(sip_method_code(buf), SIPM_OTHER);
	}
	/* Every code named once. */
	CU_ASSERT_EQUAL(seen, ((1u << SIPM_COUNT) - 1) & ~3u);
	srand(17);
	for (int i = 0; i < 200000; i++) {
		int n = rand() % 10;

		for (int l = 0; l < n; l++)
			buf[l] = letters[rand() % (int)(sizeof(letters) - 1)];
		buf[n] = '\0';
		/* Half of them a name with its tail replaced. */
		if (i % 2 == 0) {
			const char *k = known_methods[rand() % (int)nk];
			size_t l = (size_t)rand() % (strlen(k) + 1);

			memcpy(buf, k, l);
			if (l > (size_t)n)
				buf[l] = '\0';
		}
		CU_ASSERT_EQUAL(sip_method_code(buf), code_by_strcmp(buf));
	}
}

/*
 * sip_method_same, dmsg_method_is and dmsg_cseq_is answer as strcmp
 * does, with codes known or not (SIPM_NONE: a dmsg not stored by the
 * table), for names, other methods and method strings of other case.
 */
static void
test_method_compare(void)
{
	static const char *const ms[] = { "INVITE", "ACK", "BYE", "REGISTER",
	    "INFO", "FOO", "BAR", "invite", "" };
	const size_t n = sizeof(ms) / sizeof(ms[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			for (int k = 0; k < 4; k++) {
				uint8_t a = k & 1 ? sip_method_code(ms[i]) :
				    SIPM_NONE;
				uint8_t b = k & 2 ? sip_method_code(ms[j]) :
				    SIPM_NONE;

				CU_ASSERT_EQUAL(sip_method_same(a, ms[i], b,
				    ms[j]), strcmp(ms[i], ms[j]) == 0);
			}
	for (size_t i = 0; i < n; i++)
		for (unsigned c = SIPM_OTHER + 1; c < SIPM_COUNT; c++)
			for (int k = 0; k < 2; k++) {
				struct sipmsg m;
				struct dmsg dm;
				bool want = strcmp(ms[i], sip_method_name(c)) == 0;

				memset(&m, 0, sizeof(m));
				memset(&dm, 0, sizeof(dm));
				m.method = ms[i];
				m.cseq_method = ms[i];
				dm.m = &m;
				if (k) {
					dm.method_code = sip_method_code(ms[i]);
					dm.cseq_code = dm.method_code;
				}
				CU_ASSERT_EQUAL(dmsg_method_is(&dm, c), want);
				CU_ASSERT_EQUAL(dmsg_cseq_is(&dm, c), want);
			}
}

/* Every message the table stores carries the codes of its strings. */
static void
test_stored_codes(void)
{
	struct seen s = { 0 };
	struct dialog_table *t = dialog_table_new(done, &s);
	struct dialog *d;
	bool rt;

	d = add(t, msg("codes", INV, 1, "INVITE", "", "z9hG4bKc1"), 1, 0, &rt);
	add(t, msg("codes", "SIP/2.0 200 OK", 1, "INVITE", "tt", "z9hG4bKc1"), 0,
	    SEC / 10, &rt);
	add(t, msg("codes", ACK, 1, "ACK", "tt", "z9hG4bKc2"), 1, SEC / 5, &rt);
	add(t, msg("codes", "FOO sip:bob@10.0.0.3 SIP/2.0", 2, "FOO", "tt",
	    "z9hG4bKc3"), 1, SEC / 4, &rt);
	add(t, msg("codes", "SIP/2.0 501 Nope", 2, "FOO", "tt", "z9hG4bKc3"), 0,
	    SEC / 3, &rt);
	add(t, msg("codes", BYE, 3, "BYE", "tt", "z9hG4bKc4"), 0, SEC, &rt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL_FATAL(d->nmsgs, 6);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		CU_ASSERT_EQUAL(m->method_code, code_by_strcmp(m->m->method));
		CU_ASSERT_EQUAL(m->cseq_code,
		    code_by_strcmp(m->m->cseq_method));
	}
	CU_ASSERT_EQUAL(d->msgs[3].method_code, SIPM_OTHER);
	CU_ASSERT_EQUAL(d->msgs[4].cseq_code, SIPM_OTHER);
	CU_ASSERT_EQUAL(d->state, DIALOG_COMPLETED);
	dialog_table_free(t);
	CU_ASSERT_EQUAL(s.n, 1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dialog", NULL, NULL);
	CU_add_test(s, "completed call with retransmissions",
	    test_completed_call_with_retransmissions);
	CU_add_test(s, "final states", test_final_states);
	CU_add_test(s, "BYE with no answer seen", test_bye_without_answer);
	CU_add_test(s, "forks and proxy legs", test_forks_and_proxy_legs);
	CU_add_test(s, "fork: a tag seen long before",
	    test_fork_tag_seen_long_before);
	CU_add_test(s, "byte budget evicts", test_byte_budget_evicts);
	CU_add_test(s, "take: as parse + add", test_take_matches_add);
	CU_add_test(s, "take: retransmission by bytes", test_take_by_bytes);
	CU_add_test(s, "take: many calls, blocks reused", test_take_many);
	CU_add_test(s, "a new dialog in a reused block is zeroed",
	    test_new_dialog_zeroed);
	CU_add_test(s, "take: copies of messages of one hash",
	    test_take_same_ends);
	CU_add_test(s, "take: copies found in moved arrays",
	    test_take_index_moves);
	CU_add_test(s, "take: every kind of copy, as parse + add",
	    test_take_every_copy);
	CU_add_test(s, "take: copies past the kept fingerprints",
	    test_take_past_fingerprints);
	CU_add_test(s, "method codes: strcmp's answer", test_method_codes);
	CU_add_test(s, "method codes: comparisons", test_method_compare);
	CU_add_test(s, "method codes: stored messages", test_stored_codes);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
