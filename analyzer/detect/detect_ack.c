/*
 * detect_ack.c - ack_timeout_drop: the call that drops after ~32 s because
 * the ACK for the 2xx never reaches the UAS.
 *
 * RFC 3261 §13.3.1.4: the UAS core retransmits a 2xx to INVITE at T1,
 * doubling up to T2 (0.5, 1, 2, 4, 4, ... s gaps with the defaults), until
 * the ACK arrives; with no ACK after 64*T1 (32 s) it ends the dialog with a
 * BYE.  The ACK follows the 2xx Contact (and the Record-Route set, §12.1.2),
 * so a Contact left private (no ALG) or rewritten to the wrong port sends
 * it nowhere.  In the capture:
 *   - one 2xx retransmitted >= 6 times with gaps matching T1 doubling
 *     capped at T2 (each gap within 35 % or 0.25 s; one miss allowed),
 *     T1 estimated from the first gap (0.1 .. 2 s);
 *   - no ACK with that CSeq sent to the 2xx's source address, or >= 4
 *     retransmissions still after it (it did not get through);
 *   - then a BYE from the UAS at 64*T1 +- 1.5 s (confidence 0.9), or
 *     retransmissions that stop near 64*T1 (0.8), else capture end (0.7).
 *   3 to 5 such retransmissions count only with the BYE at 64*T1 (0.6).
 * The caller-side view is the same pattern: the far end's 2xx retransmits
 * arrive while our ACK goes to another address (evidence says where).
 * Reliable transports do not show 2xx retransmissions on the wire; there
 * only "no ACK at all, BYE from the UAS at 32 +- 1.5 s after the 2xx"
 * counts, at 0.5.  A UDP call with no retransmission and no ACK is not
 * flagged: the capture more likely missed the ACK.
 *
 * Seen from beyond the point where the 2xx was lost (the public side of
 * a router whose ALG dropped it, the server's link), the same call shows
 * no 2xx at all: the INVITE passed, maybe a 1xx came back, and then the
 * callee sends a BYE.  A callee may send BYE only on a dialog it
 * confirmed with a 2xx (RFC 3261 §15), and, with no ACK, only once its
 * 2xx retransmissions time out at 64*T1 (§13.3.1.4, §15.1.1 "until the
 * server transaction times out").  So a BYE from the callee with no 2xx,
 * no ACK and no final error response of the INVITE in the capture says
 * the callee answered and its answer was lost before this capture point.
 * The 2xx cannot precede the callee's last message seen before it (the
 * INVITE's last provisional response, else the INVITE), so the BYE must
 * come at least 64*T1 - 1.5 s after that message (T1 = 500 ms, the
 * default: no 2xx timing to estimate it from); within 64*T1 +- 1.5 s of
 * it the answer followed at once (0.8), later the callee rang longer
 * first (0.6).  An earlier BYE is not the timeout: not flagged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect_int.h"

#define MIN_RETRANS 6
#define MIN_RETRANS_WITH_BYE 3
#define BYE_TOL_NS (1500 * 1000000LL)
#define T1_DEFAULT_NS (500 * 1000000LL)

static const char explanation[] =
    "The UAS retransmits its 2xx to INVITE (T1 doubling up to T2, RFC 3261 "
    "13.3.1.4) until the caller's ACK arrives, and hangs up with a BYE "
    "after 64*T1 (32 s) without one.  The caller sends the ACK to the 2xx "
    "Contact: when a NAT box leaves that Contact private (no ALG) or an "
    "ALG rewrites it to an address or port that does not lead back, the "
    "ACK never arrives and every call drops at about 32 seconds.";
static const char rem[] =
    "Make the 2xx Contact reachable: disable the router's SIP ALG and let "
    "the phone or PBX handle NAT itself (rport, STUN, or a fixed external "
    "address/port forward on the PBX), or fix the ALG so it rewrites "
    "Contact consistently.  On the server side, NAT handling (e.g. "
    "Kamailio fix_nated_contact, Asterisk nat=force_rport,comedia) routes "
    "the ACK to the packet source.  See --fix VENDOR.";

static const char lost_explanation[] =
    "The callee hung up with a BYE, which a callee may send only on a call "
    "it answered (RFC 3261 15), and with no ACK only after its 2xx "
    "retransmissions time out at 64*T1 (32 s, RFC 3261 13.3.1.4).  No 2xx "
    "of this call is in the capture: the answer was lost between the "
    "callee and this capture point, so the caller never learnt the call "
    "was answered, sent no ACK, and the call dropped at about 32 seconds.  "
    "A SIP ALG that drops the 2xx does this (it cannot rewrite it, or, as "
    "the Linux helper does, refuses an SDP whose media port another call "
    "already holds).";
static const char lost_rem[] =
    "Capture on the callee's side of the router as well (sipalg-analyze "
    "--inside/--outside shows which device dropped the 2xx).  Disable the "
    "router's SIP ALG and let the phone or PBX handle NAT itself (rport, "
    "STUN, an external address on the PBX); with two phones behind one "
    "Linux router, give them different RTP ports.  See --fix VENDOR.";

static bool
gap_ok(int64_t gap, int64_t want)
{
	int64_t tol = want * 35 / 100;

	if (tol < 250000000LL)
		tol = 250000000LL;
	return gap >= want - tol && gap <= want + tol;
}

/* Counts retransmission gaps matching T1 doubling capped at T2. */
static int
pattern_matches(const struct dmsg *r, int64_t *t1_out)
{
	int n = r->retrans < DIALOG_RETRANS_KEPT ? (int)r->retrans :
	    DIALOG_RETRANS_KEPT;
	int64_t t1, prev = r->ts_ns;
	int ok = 0;

	*t1_out = 0;
	if (n < 1)
		return 0;
	t1 = r->retrans_ns[0] - r->ts_ns;
	if (t1 < DETECT_NS / 10 || t1 > 2 * DETECT_NS)
		return 0;
	*t1_out = t1;
	for (int i = 0; i < n; i++) {
		int64_t gap = r->retrans_ns[i] - prev, want = t1;

		for (int k = 0; k < i && want < 4 * DETECT_NS; k++)
			want *= 2;
		if (want > 4 * DETECT_NS && want > 8 * t1)
			want = 4 * DETECT_NS > 8 * t1 ? 4 * DETECT_NS : 8 * t1;
		if (gap_ok(gap, want) ||
		    (want > 4 * DETECT_NS && gap_ok(gap, 4 * DETECT_NS)))
			ok++;
		prev = r->retrans_ns[i];
	}
	return ok;
}

static const struct dmsg *
find_ack(const struct dialog *d, const struct dmsg *r)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (m->is_request && dmsg_method_is(&d->msgs[i], SIPM_ACK) &&
		    m->cseq == r->m->cseq)
			return &d->msgs[i];
	}
	return NULL;
}

/* The BYE sent by the side that sent r, after r. */
static const struct dmsg *
find_uas_bye(const struct dialog *d, const struct dmsg *r)
{
	bool uas_caller = detect_from_caller(d, r);

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (m->ts_ns >= r->ts_ns && m->m->is_request &&
		    dmsg_method_is(m, SIPM_BYE) &&
		    detect_from_caller(d, m) == uas_caller)
			return m;
	}
	return NULL;
}

/* The size of an evidence value and of a summary (struct detect_str's
 * buffers, cut where snprintf into them cut). */
#define EV_VALUE_BYTES sizeof(((struct evidence *)0)->value)
#define SUMMARY_BYTES sizeof(((struct finding *)0)->summary)

static void
add_common_ev(struct finding *f, const struct dmsg *r)
{
	char a[NETADDR_STRLEN], v[EV_VALUE_BYTES];
	struct detect_str s;

	if (f == NULL)
		return;
	/* "%d %s from %s to %s": status, reason, source, destination. */
	detect_str_init(&s, v, sizeof(v));
	detect_str_int(&s, r->m->status);
	detect_str_put(&s, " ");
	detect_str_put(&s, r->m->reason);
	detect_str_put(&s, " from ");
	detect_str_put(&s, ep_str(&r->src, a, sizeof(a)));
	detect_str_put(&s, " to ");
	detect_str_put(&s, ep_str(&r->dst, a, sizeof(a)));
	detect_ev(f, r, "2xx to INVITE", "%s", v);
	if (r->m->ncontact > 0)
		detect_ev(f, r, "Contact", "%s", r->m->contact[0].uri);
	if (r->m->record_route[0] != '\0')
		detect_ev(f, r, "Record-Route", "%s", r->m->record_route);
}

static void
check_reliable(const struct dialog *d, const struct dmsg *r,
    struct findings *fs)
{
	const struct dmsg *bye;
	struct finding *f;
	int64_t dt;

	if (find_ack(d, r) != NULL)
		return;
	for (size_t i = 0; i < d->nmsgs; i++)
		if (d->msgs[i].m->is_request &&
		    dmsg_method_is(&d->msgs[i], SIPM_ACK))
			return;
	bye = find_uas_bye(d, r);
	if (bye == NULL)
		return;
	dt = bye->ts_ns - r->ts_ns;
	if (dt < 32 * DETECT_NS - BYE_TOL_NS || dt > 32 * DETECT_NS + BYE_TOL_NS)
		return;
	f = detect_finding_add(fs, SYMPTOM_ACK_TIMEOUT_DROP, 0.5, explanation, rem,
	    "no ACK for the %d answer; the answering side hung up %.1f s "
	    "later (64*T1 = 32 s ACK timeout)", r->m->status,
	    (double)dt / 1e9);
	add_common_ev(f, r);
	detect_ev(f, NULL, "ACK", "none seen for CSeq %u (reliable transport: "
	    "no 2xx retransmissions expected on the wire)", r->m->cseq);
	detect_ev(f, bye, "BYE", "from the answering side at +%.3f s",
	    (double)dt / 1e9);
}

/*
 * The callee's BYE on a call whose 2xx is not in the capture (the form
 * seen beyond the point where the 2xx was lost; see the top comment).
 */
static void
check_answer_lost(const struct dialog *d, struct findings *fs)
{
	const struct dmsg *inv = detect_initial(d), *last, *bye = NULL;
	struct finding *f;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	int64_t dt;

	if (inv == NULL || detect_answer(d) != NULL)
		return;
	last = inv;
	for (size_t i = 0; i < d->nmsgs && bye == NULL; i++) {
		const struct dmsg *x = &d->msgs[i];
		const struct sipmsg *m = x->m;

		if (m->is_request && dmsg_method_is(x, SIPM_ACK) &&
		    m->cseq == inv->m->cseq)
			return;
		if (!m->is_request && m->cseq == inv->m->cseq &&
		    dmsg_cseq_is(x, SIPM_INVITE)) {
			if (m->status >= 300)
				return;
			if (x->ts_ns > last->ts_ns)
				last = x;
		}
		if (m->is_request && dmsg_method_is(x, SIPM_BYE) &&
		    !detect_from_caller(d, x))
			bye = x;
	}
	if (bye == NULL)
		return;
	dt = bye->ts_ns - last->ts_ns;
	if (dt < 64 * T1_DEFAULT_NS - BYE_TOL_NS)
		return;
	f = detect_finding_add(fs, SYMPTOM_ACK_TIMEOUT_DROP,
	    dt <= 64 * T1_DEFAULT_NS + BYE_TOL_NS ? 0.8 : 0.6,
	    lost_explanation, lost_rem,
	    "no 2xx in this capture, yet the callee hung up with a BYE "
	    "%.1f s after its %s: its answer was lost before this point "
	    "(64*T1 = 32 s ACK timeout)", (double)dt / 1e9,
	    last == inv ? "INVITE" : "last provisional response");
	detect_ev(f, inv, "INVITE", "from %s to %s",
	    ep_str(&inv->src, a, sizeof(a)), ep_str(&inv->dst, b, sizeof(b)));
	if (last != inv)
		detect_ev(f, last, "last provisional", "%d %s from %s",
		    last->m->status, last->m->reason,
		    ep_str(&last->src, a, sizeof(a)));
	detect_ev(f, NULL, "2xx to INVITE", "none seen for CSeq %u",
	    inv->m->cseq);
	detect_ev(f, NULL, "ACK", "none seen for CSeq %u", inv->m->cseq);
	detect_ev(f, bye, "BYE", "from the callee %s at +%.3f s after the "
	    "INVITE (a callee sends BYE only on a call it answered)",
	    ep_str(&bye->src, a, sizeof(a)),
	    (double)(bye->ts_ns - inv->ts_ns) / 1e9);
}

/*
 * True when 2xx b is a copy of 2xx a seen at another capture point (an
 * inside and an outside capture of the router in one run or one file):
 * the same response (CSeq, status, To tag) between other addresses,
 * within half a second.  Its drop is one event, reported once.
 */
static bool
same_2xx_elsewhere(const struct dmsg *a, const struct dmsg *b)
{
	int64_t dt = b->ts_ns - a->ts_ns;

	return a->m->cseq == b->m->cseq && a->m->status == b->m->status &&
	    strcmp(a->m->to_tag, b->m->to_tag) == 0 &&
	    !(ep_eq(&a->src, &b->src) && ep_eq(&a->dst, &b->dst)) &&
	    dt > -DETECT_NS / 2 && dt < DETECT_NS / 2;
}

void
detect_ack_timeout_drop(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *done[4];
	struct finding *done_f[4];
	int ndone = 0;

	(void)dt;
	if (d->kind != DIALOG_CALL)
		return;
	check_answer_lost(d, fs);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *r = &d->msgs[i], *ack, *bye;
		const struct sipmsg *m = r->m;
		struct finding *f;
		int64_t t1, last, since;
		int n, ok, after_ack = 0, c;
		bool ack_through, bye_on_time = false;
		double conf;
		char a[NETADDR_STRLEN], buf[256];
		/* room for any int64 count of ns or ms, sign and decimals */
		char fig[2][TEXT_FIXED_BYTES + 8];
		size_t off = 0;
		char text[SUMMARY_BYTES > EV_VALUE_BYTES ? SUMMARY_BYTES :
		    EV_VALUE_BYTES];
		struct detect_str s;

		if (m->is_request || m->status < 200 || m->status >= 300 ||
		    !dmsg_cseq_is(r, SIPM_INVITE))
			continue;
		for (c = 0; c < ndone && !same_2xx_elsewhere(done[c], r); c++)
			;
		if (c < ndone) {
			/* The same 2xx seen at another point: one event. */
			if (done_f[c] != NULL)
				detect_ev(done_f[c], r, "2xx copy", "the same %d "
				    "from %s, seen at another capture point, "
				    "%u retransmissions", m->status,
				    ep_str(&r->src, a, sizeof(a)), r->retrans);
			continue;
		}
		if ((r->transport & 0x7f) != PKT_UDP) {
			check_reliable(d, r, fs);
			continue;
		}
		n = r->retrans < DIALOG_RETRANS_KEPT ? (int)r->retrans :
		    DIALOG_RETRANS_KEPT;
		if (n < MIN_RETRANS_WITH_BYE)
			continue;
		ok = pattern_matches(r, &t1);
		if (ok < n - 1)
			continue;
		ack = find_ack(d, r);
		ack_through = ack != NULL && ep_same_ip(&ack->dst, &r->src);
		if (ack_through)
			for (int k = 0; k < n; k++)
				if (r->retrans_ns[k] > ack->ts_ns + DETECT_NS / 2)
					after_ack++;
		if (ack_through && after_ack < 4)
			continue;
		bye = find_uas_bye(d, r);
		if (bye != NULL) {
			since = bye->ts_ns - r->ts_ns;
			bye_on_time = since >= 64 * t1 - BYE_TOL_NS &&
			    since <= 64 * t1 + BYE_TOL_NS;
		}
		if ((int)r->retrans < MIN_RETRANS && !bye_on_time)
			continue;
		last = r->retrans_ns[n - 1];
		if (bye_on_time)
			conf = (int)r->retrans < MIN_RETRANS ? 0.6 : 0.9;
		else if (r->retrans <= DIALOG_RETRANS_KEPT &&
		    last - r->ts_ns >= 64 * t1 - 4 * DETECT_NS - BYE_TOL_NS &&
		    last - r->ts_ns <= 64 * t1 + BYE_TOL_NS)
			conf = 0.8;
		else
			conf = 0.7;
		/* The figures as "%.0f" and "%.3f" write them, without
		 * printf's float formatting (most of a finding's cost). */
		(void)text_snprintf_fixed(fig[0], sizeof(fig[0]), "",
		    (double)t1 / 1e6, 0);
		/* The summary and the common values put together (struct
		 * detect_str), as their formats in the comments write them. */
		/* "%d answer retransmitted %u times with no ACK getting
		 * through (T1 %s ms)%s" */
		detect_str_init(&s, text, SUMMARY_BYTES);
		detect_str_int(&s, m->status);
		detect_str_put(&s, " answer retransmitted ");
		detect_str_uint(&s, r->retrans);
		detect_str_put(&s, " times with no ACK getting through (T1 ");
		detect_str_put(&s, fig[0]);
		detect_str_put(&s, " ms)");
		detect_str_put(&s, bye_on_time ?
		    "; BYE at 64*T1: the call drops at ~32 s" : "");
		f = detect_finding_add(fs, SYMPTOM_ACK_TIMEOUT_DROP, conf,
		    explanation, rem, "%s", text);
		if (ndone < (int)(sizeof(done) / sizeof(done[0]))) {
			done[ndone] = r;
			done_f[ndone++] = f;
		}
		add_common_ev(f, r);
		for (int k = 0; k < n && off < sizeof(buf) - 16; k++)
			off += (size_t)text_snprintf_fixed(buf + off,
			    sizeof(buf) - off, k ? " +" : "+",
			    (double)(r->retrans_ns[k] - r->ts_ns) / 1e9, 2);
		/* "%u at %s s" */
		detect_str_init(&s, text, EV_VALUE_BYTES);
		detect_str_uint(&s, r->retrans);
		detect_str_put(&s, " at ");
		detect_str_put(&s, buf);
		detect_str_put(&s, " s");
		detect_ev_at(f, r->cap_idx, r->retrans_frame[0],
		    r->retrans_ns[0], "2xx retransmissions", "%s", text);
		if (ack == NULL) {
			/* "none seen for CSeq %u" */
			detect_str_init(&s, text, EV_VALUE_BYTES);
			detect_str_put(&s, "none seen for CSeq ");
			detect_str_uint(&s, m->cseq);
			detect_ev(f, NULL, "ACK", "%s", text);
		} else if (!ack_through) {
			detect_ev(f, ack, "ACK", "sent to %s, not to the 2xx "
			    "source", ep_str(&ack->dst, a, sizeof(a)));
		} else {
			detect_ev(f, ack, "ACK", "seen, but %d retransmissions "
			    "followed it: it did not reach the UAS", after_ack);
		}
		if (bye != NULL) {
			(void)text_snprintf_fixed(fig[0], sizeof(fig[0]), "+",
			    (double)(bye->ts_ns - r->ts_ns) / 1e9, 3);
			(void)text_snprintf_fixed(fig[1], sizeof(fig[1]), "",
			    (double)(64 * t1) / 1e9, 1);
			/* "from the answering side at %s s (64*T1 = %s s)" */
			detect_str_init(&s, text, EV_VALUE_BYTES);
			detect_str_put(&s, "from the answering side at ");
			detect_str_put(&s, fig[0]);
			detect_str_put(&s, " s (64*T1 = ");
			detect_str_put(&s, fig[1]);
			detect_str_put(&s, " s)");
			detect_ev(f, bye, "BYE", "%s", text);
		}
	}
}
