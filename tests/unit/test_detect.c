/*
 * test_detect.c - what detect.c and detect_binding.c do for every
 * detector: the verdict of an empty run, and the phone-binding tables
 * (keepalives, spans, pending INVITEs) staying bounded.  Each detector
 * has its own tests/unit/test_detect_<name>.c; the catalogue
 * (symptom.h) is tested in test_symptom.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_fixture.h"

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
	for (int k = 0; k < SYMPTOM_COUNT; k++)
		CU_ASSERT_EQUAL(v.by_id[k], 0);
	detect_free(dt);
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

/* Call i's INVITE at t, on the inside (PH) or its copy outside (NAT,
 * the Call-ID rewritten), noted as the analysis notes a new request. */
static void
join_invite(struct tb *b, int64_t t, int i, bool outside)
{
	tb_add(b, t, outside ? NAT : PH, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKjoin%d\n"
	    "From: <sip:phone@" PH ">;tag=f%d\nTo: <sip:server@" SV ">\n"
	    "Call-ID: c%d@%s\nCSeq: 1 INVITE\n\n", outside ? NAT : PH, i, i,
	    i, outside ? NAT : PH);
	detect_request_sent(b->s.dt, b->d, &b->d->msgs[b->d->nmsgs - 1]);
}

/*
 * The join's tables follow the calls in flight: 2,000 calls, each seen
 * as two dialogs (4,000 notes, four times the fixed table there was;
 * under the dialog table's byte budget), all judged after the last:
 * every one joined and counted once; once judged and past the copy
 * window, nothing of them is kept.
 */
static void
test_join_bounds(void)
{
	struct tb b;
	struct detect_verdict v;
	enum { CALLS = 2000 };

	tb_init(&b);
	for (int i = 0; i < CALLS; i++) {
		join_invite(&b, T0 + i * MS, i, false);
		join_invite(&b, T0 + i * MS + MS / 2, i, true);
	}
	/* The notes of the last second, a record per dialog paired. */
	CU_ASSERT(b.s.dt->copies.n <= 2 * 1000 + 2);
	CU_ASSERT_EQUAL(b.s.dt->joiners.n, 2 * CALLS);
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.dialogs, 2 * CALLS);
	CU_ASSERT_EQUAL(v.affected, CALLS);
	CU_ASSERT_EQUAL(v.by_id[SYMPTOM_ALG_REWRITE_EVIDENCE], CALLS);
	CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
	/* A call 10 s later: the others' notes age out, and their records
	 * with them. */
	tb_next(&b);
	join_invite(&b, T0 + 10 * SEC, CALLS, false);
	CU_ASSERT_EQUAL(b.s.dt->copies.n, 1);
	CU_ASSERT_EQUAL(b.s.dt->joiners.n, 1);
	tb_free(&b);
}

/* An INVITE inside (PH) or its copy outside (NAT) under Call-ID cid,
 * with the Via branch and From tag given whole. */
static void
key_invite(struct tb *b, int64_t t, bool outside, const char *cid,
    const char *branch, const char *tag)
{
	tb_add(b, t, outside ? NAT : PH, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=%s\n"
	    "From: <sip:phone@" PH ">;tag=%s\nTo: <sip:server@" SV ">\n"
	    "Call-ID: %s@%s\nCSeq: 1 INVITE\n\n", outside ? NAT : PH, branch,
	    tag, cid, outside ? NAT : PH);
	detect_request_sent(b->s.dt, b->d, &b->d->msgs[b->d->nmsgs - 1]);
}

/* join_invite with Call-ID "c<i><pad>@<address>", and bpad after the
 * branch and the From tag. */
static void
join_invite_pad(struct tb *b, int64_t t, int i, bool outside,
    const char *pad, const char *bpad)
{
	char cid[200], branch[200], tag[200];

	snprintf(cid, sizeof(cid), "c%d%s", i, pad);
	snprintf(branch, sizeof(branch), "z9hG4bKjoin%d%s", i, bpad);
	snprintf(tag, sizeof(tag), "f%d%s", i, bpad);
	key_invite(b, t, outside, cid, branch, tag);
}

static size_t
spares(const struct tb *b, size_t *joiners)
{
	size_t n = 0;

	*joiners = 0;
	for (const struct detect_copy *c = b->s.dt->copy_spare; c != NULL;
	    c = c->newer)
		n++;
	for (const struct detect_joiner *j = b->s.dt->joiner_spare;
	    j != NULL; j = j->spare)
		(*joiners)++;
	return n;
}

/*
 * Notes and dialog records freed are kept and used again (copy_new,
 * joiner_new): a second wave of calls, with Call-IDs longer than the
 * first's (a record's Call-ID buffer too small) and branches and tags
 * shorter (a note's key is hashed zero-padded: copy_hash), pairs every
 * call again
 * and cites the other segment's whole Call-ID, as the first wave's
 * fresh allocations did; the spares never outnumber what was in use at
 * once.
 */
static void
test_join_reuse(void)
{
	struct tb b;
	struct detect_verdict v;
	char pad[121], want[200];
	size_t c1, j1, c2, j2;
	enum { CALLS = 300 };

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	tb_init(&b);
	for (int i = 0; i < CALLS; i++) {
		join_invite_pad(&b, T0 + i * MS, i, false, "",
		    i % 2 ? "abcdefghijklmnopqrstuvwxyz" : "0123456789");
	}
	/* The copies after all the originals: spare notes taken again
	 * pair the first wave's odd and even calls' (stale) keys. */
	for (int i = 0; i < CALLS; i++) {
		join_invite_pad(&b, T0 + 400 * MS + i * MS, i, true, "",
		    i % 2 ? "abcdefghijklmnopqrstuvwxyz" : "0123456789");
	}
	tb_next(&b);
	/* Past the copy window: the first wave's notes go as the second's
	 * come, their records once judged. */
	b.s.n = 0;
	for (int i = 0; i < CALLS; i++) {
		join_invite_pad(&b, T0 + 5 * SEC + i * MS, CALLS + i, false,
		    pad, "");
		join_invite_pad(&b, T0 + 5 * SEC + i * MS + MS / 2, CALLS + i,
		    true, pad, "");
		if (i == 0) {
			/* The first wave's all spare, two taken again. */
			c1 = spares(&b, &j1);
			CU_ASSERT_EQUAL(c1, 2 * CALLS - 2);
			CU_ASSERT_EQUAL(j1, 2 * CALLS - 2);
		}
	}
	/* The second wave took the spares, nothing more. */
	c1 = spares(&b, &j1);
	CU_ASSERT_EQUAL(c1 + b.s.dt->copies.n, 2 * CALLS);
	CU_ASSERT_EQUAL(j1 + b.s.dt->joiners.n, 2 * CALLS);
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	CU_ASSERT_EQUAL(v.dialogs, 4 * CALLS);
	CU_ASSERT_EQUAL(v.by_id[SYMPTOM_ALG_REWRITE_EVIDENCE], 2 * CALLS);
	CU_ASSERT_EQUAL(b.s.dt->copies_dropped, 0);
	/* Each second-wave dialog seen names the other's long Call-ID. */
	CU_ASSERT_EQUAL(b.s.n, 2 * CALLS);
	for (int k = 0; k < SEEN_ALL; k++) {
		const struct finding *f = find_in(&b.s.all[k].f,
		    "alg_rewrite_evidence", NULL);
		bool outside = strstr(b.s.all[k].cid, "@" NAT) != NULL;
		bool cited = false;
		int i;

		CU_ASSERT_FATAL(sscanf(b.s.all[k].cid, "c%d", &i) == 1);
		CU_ASSERT(i >= CALLS);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		snprintf(want, sizeof(want), "c%d%s@%s", i, pad,
		    outside ? PH : NAT);
		for (int e = 0; e < f->nev; e++)
			if (strncmp(f->ev[e].value, want, 100) == 0 &&
			    strstr(f->ev[e].value, "in its copy") != NULL)
				cited = true;
		CU_ASSERT(cited);
	}
	c2 = spares(&b, &j2);
	CU_ASSERT(c2 + b.s.dt->copies.n <= 2 * CALLS);
	CU_ASSERT(j2 + b.s.dt->joiners.n <= 2 * CALLS);
	tb_free(&b);
}

/* Whether an inside INVITE and its outside copy with these branches and
 * tags are joined (one call, counted once with alg_rewrite_evidence). */
static bool
keys_join(const char *b1, const char *t1, const char *b2, const char *t2)
{
	struct tb b;
	struct detect_verdict v;

	tb_init(&b);
	key_invite(&b, T0, false, "in", b1, t1);
	key_invite(&b, T0 + MS, true, "out", b2, t2);
	tb_finish(&b);
	detect_verdict_get(b.s.dt, &v);
	tb_free(&b);
	return v.by_id[SYMPTOM_ALG_REWRITE_EVIDENCE] == 1;
}

/*
 * A note's key (copy_key_set: method, branch and From tag packed into
 * one block) tells the strings apart as comparing each did: the same
 * strings join; a branch and tag cut at another place (the same bytes
 * end to end) do not; strings differing only past what a note keeps
 * (79 bytes of branch, 63 of tag) join, as before; one byte apart at
 * the end of what is kept, or lengths around NH's 16-byte words and the
 * 64-byte least, do not.
 */
static void
test_join_keys(void)
{
	char lb1[120], lb2[120], lt1[90], lt2[90];

	CU_ASSERT(keys_join("z9hG4bKsplitab", "cd", "z9hG4bKsplitab", "cd"));
	CU_ASSERT(!keys_join("z9hG4bKsplitab", "cd", "z9hG4bKsplita", "bcd"));
	CU_ASSERT(!keys_join("z9hG4bKsplita", "bcd", "z9hG4bKsplitab", "cd"));
	/* 79 bytes of branch kept: a difference at the 80th is not seen,
	 * one at the 79th is. */
	memset(lb1, 'b', sizeof(lb1) - 1);
	lb1[sizeof(lb1) - 1] = '\0';
	memcpy(lb1, "z9hG4bK", 7);
	memcpy(lb2, lb1, sizeof(lb1));
	lb2[79] = 'X';
	CU_ASSERT(keys_join(lb1, "t", lb2, "t"));
	lb2[78] = 'X';
	CU_ASSERT(!keys_join(lb1, "t", lb2, "t"));
	/* 63 bytes of tag kept, the same. */
	memset(lt1, 't', sizeof(lt1) - 1);
	lt1[sizeof(lt1) - 1] = '\0';
	memcpy(lt2, lt1, sizeof(lt1));
	lt2[63] = 'X';
	CU_ASSERT(keys_join("z9hG4bKlong", lt1, "z9hG4bKlong", lt2));
	lt2[62] = 'X';
	CU_ASSERT(!keys_join("z9hG4bKlong", lt1, "z9hG4bKlong", lt2));
	/* Every length of branch around the word and least sizes: the
	 * same strings join, one byte more or one changed does not. */
	for (int n = 10; n < 70; n++) {
		char x[80], y[80];

		memset(x, 'a' + n % 26, (size_t)n);
		memcpy(x, "z9hG4bK", 7);
		x[n] = '\0';
		memcpy(y, x, sizeof(x));
		CU_ASSERT(keys_join(x, "tag", y, "tag"));
		y[n] = 'Q';
		y[n + 1] = '\0';
		CU_ASSERT(!keys_join(x, "tag", y, "tag"));
		y[n] = '\0';
		y[n - 1] = 'Q';
		CU_ASSERT(!keys_join(x, "tag", y, "tag"));
	}
}

/*
 * A flood of one message under many Call-IDs at one instant (the same
 * branch, tags and CSeq: no call does that): the notes of that key stay
 * bounded, so that no hash chain grows with the flood.
 */
static void
test_join_flood(void)
{
	struct tb b;

	tb_init(&b);
	for (int i = 0; i < 500; i++) {
		tb_add(&b, T0, PH, (uint16_t)(1024 + i), SV, 5060, -1,
		    "INVITE sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKflood\n"
		    "From: <sip:phone@" PH ">;tag=f\nTo: <sip:server@" SV ">\n"
		    "Call-ID: flood%d\nCSeq: 1 INVITE\n\n", i);
		detect_request_sent(b.s.dt, b.d, &b.d->msgs[b.d->nmsgs - 1]);
	}
	CU_ASSERT(b.s.dt->copies.n <= DETECT_COPY_SCAN + 1);
	CU_ASSERT(b.s.dt->copies_dropped >= 500 - DETECT_COPY_SCAN - 1);
	CU_ASSERT(b.s.dt->joiners.n <= DETECT_COPY_SCAN + 1);
	tb_free(&b);
}

/*
 * What detect_dialog sets of the dialog (d->vis, what the capture can
 * show of its media; d->join, the other segment's dialog) it sets
 * member by member, not with a memset of the whole (detect.c,
 * detect_join): a dialog judged with every byte of both set to junk is
 * judged as one judged clean -- each state and why string, each join
 * member -- for a call whose media is seen (segments judged) and for a
 * registration (none judged).
 */
static void
judge_over_junk(struct dialog *d)
{
	struct dialog_vis vis[3];
	struct dialog_join join;
	struct detect *dt;
	int nf;

	_Static_assert(sizeof(vis) == sizeof(d->vis), "three segments");
	for (int pass = 0; pass < 2; pass++) {
		memset(d->vis, pass ? 0xa5 : 0, sizeof(d->vis));
		memset(&d->join, pass ? 0xa5 : 0, sizeof(d->join));
		dt = detect_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(dt);
		free(d->findings);
		d->findings = NULL;
		detect_dialog(dt, d);
		nf = d->findings != NULL ? d->findings->n : 0;
		detect_free(dt);
		if (pass == 0) {
			memcpy(vis, d->vis, sizeof(vis));
			join = d->join;
			CU_ASSERT_EQUAL(join.id, 0);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			CU_ASSERT_EQUAL(d->vis[i].state, vis[i].state);
			CU_ASSERT_NSTRING_EQUAL(d->vis[i].why, vis[i].why,
			    sizeof(vis[i].why));
		}
		CU_ASSERT_EQUAL(d->join.id, join.id);
		CU_ASSERT_NSTRING_EQUAL(d->join.call_id, join.call_id,
		    sizeof(join.call_id));
		CU_ASSERT_EQUAL(d->join.segment, join.segment);
		CU_ASSERT_EQUAL(d->join.other_first, join.other_first);
		CU_ASSERT_EQUAL(d->join.other_affected, join.other_affected);
		CU_ASSERT_EQUAL(d->join.counted, join.counted);
		CU_ASSERT_EQUAL(nf, d->findings != NULL ? d->findings->n : 0);
	}
	/* The table judges it again when it ends (detect_dialog does not
	 * free what it finds there). */
	free(d->findings);
	d->findings = NULL;
}

static void
test_judged_over_junk(void)
{
	struct tb b;
	bool judged = false;

	tb_init(&b);
	invite(&b, T0, "junk-call", PH, "sendrecv");
	ok200(&b, T0 + SEC, "junk-call", "sendrecv", "");
	tb_stream(&b, SV, 7000, PH, 6000, T0 + 2 * SEC, 200, 50);
	judge_over_junk(b.d);
	for (int i = 0; i < 3; i++)
		judged = judged || b.d->vis[i].state != DIALOG_VIS_UNJUDGED;
	CU_ASSERT(judged);
	reg_out(&b, T0 + 10 * SEC, "junk-reg", 1, 3600);
	CU_ASSERT_EQUAL_FATAL(b.d->kind, DIALOG_REGISTER);
	judge_over_junk(b.d);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(b.d->vis[i].state, DIALOG_VIS_UNJUDGED);
	tb_finish(&b);
	tb_free(&b);
}

/* detect_from_caller worked out with strcmp, as the memo's answer must
 * be: requests carry the sender's From tag, responses the requester's. */
static bool
side_by_strcmp(const struct dialog *d, const struct dmsg *m)
{
	bool caller_tag;

	if (d->from_tag[0] == '\0' || m->m->from_tag[0] == '\0')
		return m->m->is_request;
	caller_tag = strcmp(m->m->from_tag, d->from_tag) == 0;
	return m->m->is_request ? caller_tag : !caller_tag;
}

/*
 * A message's side by its From tag (from_caller's tag_eq, a memcmp over
 * the message tag's length and NUL): a BYE from the callee whose tag is
 * a prefix of the caller's, and one whose tag extends it, are the
 * callee's; tags as long as the dialog's copy holds and longer are
 * judged as strcmp judges them.
 */
static void
test_side_by_tag(void)
{
	static const char *const bye_tags[] = { "abc", "abcdefx", "" };
	char big[200];
	struct tb b;

	for (size_t k = 0; k < sizeof(bye_tags) / sizeof(bye_tags[0]); k++) {
		tb_init(&b);
		tb_add(&b, T0, PH, 5060, SV, 5060, -1,
		    "INVITE sip:s@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKside1\n"
		    "From: <sip:p@" PH ">;tag=abcdef\nTo: <sip:s@" SV ">\n"
		    "Call-ID: side%zu\nCSeq: 1 INVITE\n\n", k);
		tb_add(&b, T0 + MS, SV, 5060, PH, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKside1\n"
		    "From: <sip:p@" PH ">;tag=abcdef\n"
		    "To: <sip:s@" SV ">;tag=%s\n"
		    "Call-ID: side%zu\nCSeq: 1 INVITE\n\n", bye_tags[k], k);
		tb_add(&b, T0 + SEC, SV, 5060, PH, 5060, -1,
		    "BYE sip:p@" PH " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bKside2\n"
		    "From: <sip:s@" SV ">;tag=%s\n"
		    "To: <sip:p@" PH ">;tag=abcdef\n"
		    "Call-ID: side%zu\nCSeq: 1 BYE\n\n", bye_tags[k], k);
		CU_ASSERT_EQUAL_FATAL(b.d->nmsgs, 3);
		CU_ASSERT(detect_from_caller(b.d, &b.d->msgs[0]));
		CU_ASSERT(!detect_from_caller(b.d, &b.d->msgs[1]));
		/* No tag at all: its addresses (the callee's). */
		CU_ASSERT(!detect_from_caller(b.d, &b.d->msgs[2]));
		tb_finish(&b);
		tb_free(&b);
	}
	/* Tags of 120 to 199 bytes: whatever the copies keep, strcmp's
	 * answer. */
	for (size_t n = 120; n < sizeof(big); n += 7) {
		memset(big, 'q', n);
		big[n] = '\0';
		tb_init(&b);
		tb_add(&b, T0, PH, 5060, SV, 5060, -1,
		    "INVITE sip:s@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKlong1\n"
		    "From: <sip:p@" PH ">;tag=%s\nTo: <sip:s@" SV ">\n"
		    "Call-ID: long%zu\nCSeq: 1 INVITE\n\n", big, n);
		tb_add(&b, T0 + MS, SV, 5060, PH, 5060, -1,
		    "SIP/2.0 200 OK\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKlong1\n"
		    "From: <sip:p@" PH ">;tag=%s\nTo: <sip:s@" SV ">;tag=t\n"
		    "Call-ID: long%zu\nCSeq: 1 INVITE\n\n", big, n);
		CU_ASSERT_EQUAL_FATAL(b.d->nmsgs, 2);
		for (size_t i = 0; i < b.d->nmsgs; i++)
			CU_ASSERT_EQUAL(detect_from_caller(b.d, &b.d->msgs[i]),
			    side_by_strcmp(b.d, &b.d->msgs[i]));
		tb_finish(&b);
		tb_free(&b);
	}
}

/*
 * struct detect_str writes what snprintf writes into a buffer of the
 * same size: "%s%lld%s%llu" with every piece cut where the room ends,
 * at every size from 1 to past the whole text.
 */
static void
test_str_as_snprintf(void)
{
	static const long long ints[] = { 0, 7, -7, 200, -1234567,
	    INT64_MAX, INT64_MIN };
	static const unsigned long long uints[] = { 0, 9, 10, 4294967295ULL,
	    UINT64_MAX };
	static const char *const strs[] = { "", "200 OK from ", NULL };
	char want[80], got[80];
	struct detect_str s;

	for (size_t a = 0; a < sizeof(strs) / sizeof(strs[0]); a++)
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			for (size_t u = 0; u < sizeof(uints) / sizeof(uints[0]);
			    u++)
				for (size_t n = 1; n <= sizeof(got); n++) {
					const char *p = strs[a];

					snprintf(want, n, "%s%lld at %llu",
					    p != NULL ? p : "(null)", ints[i],
					    uints[u]);
					memset(got, 'x', sizeof(got));
					detect_str_init(&s, got, n);
					detect_str_put(&s, p);
					detect_str_int(&s, ints[i]);
					detect_str_put(&s, " at ");
					detect_str_uint(&s, uints[u]);
					CU_ASSERT_STRING_EQUAL(got, want);
					CU_ASSERT_EQUAL(s.len, strlen(want));
					/* Nothing written past the room. */
					if (n < sizeof(got))
						CU_ASSERT_EQUAL(got[n], 'x');
				}
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "verdict names", test_verdict_names },
		{ "binding tables bounded", test_binding_bounds },
		{ "join tables follow the calls in flight", test_join_bounds },
		{ "join notes of one key bounded", test_join_flood },
		{ "join notes and records used again", test_join_reuse },
		{ "join keys tell the strings apart", test_join_keys },
		{ "a dialog judged over junk as over zeros", test_judged_over_junk },
		{ "a message's side by its From tag", test_side_by_tag },
		{ "detect_str writes what snprintf writes", test_str_as_snprintf },
		{ NULL, NULL }
	};

	return detect_test_main("detect", tests);
}
