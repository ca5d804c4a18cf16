/*
 * detect.c - runs the symptom detectors on each finished dialog and keeps
 * the capture-level ALG verdict (detect.h); shared helpers for the
 * detector modules (detect_int.h).
 *
 * Each detector is a module of its own (detect_<name>.c) with a top
 * paragraph giving the mechanism, the RFC sections and its thresholds;
 * ALG-REFERENCE.md sections 3 and 4 are the catalogue they follow.  This
 * file only dispatches, stores findings on the dialog (one allocation per
 * dialog with findings, freed by dialog_free) and scores the ALG
 * fingerprints the detectors report with detect_hit().
 *
 * Verdict: each fingerprint kind counts once, with a weight: one message
 * seen inside and outside (captures of both sides analysed together) with
 * Contact/c= translated from the inside source to the outside source 2.0
 * (section 4, definitive); Via received= restored to the phone's own
 * private address 2.0 (impossible without a rewriting box); public Via/Contact/c= beside a private Call-ID, a=rtcp
 * or i= 1.5 (section 4.1); Content-Length not matching the body 1.0
 * (4.2); m= port not the RTP port, or only private ICE host candidates
 * under a public c=, 0.5 each.  "likely" at a score of 1.5 or more.  A
 * NATed phone's private address left in Contact/SDP of a packet from a
 * public source, or in the only Via of any request or response there
 * (detect_msg_via_leak), counts 1.0 against, received= showing the public address
 * in an inside capture 0.5; "unlikely" when those reach 1.0 and the ALG
 * score stays under 1.0; otherwise "unknown".
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/remedy.h"
#include "base/bufput.h"
#include "base/text.h"

#ifdef SIPALG_CHECK_DETECT_MEMO
static void memo_check(const struct dialog *d);
static void memo_log(void);
#endif

/*
 * The detectors in catalogue order.  A function named by several rows
 * (one_way_audio and no_audio share detect_audio) runs once, at its
 * first row: later rows are skipped by detect_dialog.
 */
static const detect_fn detectors[SYMPTOM_COUNT] = {
#define DETECT_FN(e, id, badge, fn, title) [SYMPTOM_##e] = (fn),
	SYMPTOM_TABLE(DETECT_FN)
#undef DETECT_FN
};

static const double hit_weight[HIT_KIND_COUNT] = {
	[HIT_RECEIVED_RESTORED] = 2.0,
	[HIT_PRIVATE_RESIDUE] = 1.5,
	[HIT_CONTENT_LENGTH] = 1.0,
	[HIT_MPORT_MISMATCH] = 0.5,
	[HIT_ICE_RESIDUE] = 0.5,
	[HIT_PAIR_REWRITTEN] = 2.0,
	[HIT_VIA_CHANGED] = 2.0,
	[HIT_INCONSISTENT] = 2.0,
	[HIT_ORIGIN_RESIDUE] = 1.0,
	[HIT_OPAQUE_RESIDUE] = 0.5,
	[HIT_NOALG_PRIVATE_LEAK] = 1.0,
	[HIT_NOALG_RECEIVED_PUBLIC] = 0.5,
};

/*
 * The kinds that show a field translated across a NAT boundary: the
 * private address and the public one are both in the capture, in fields
 * only a box on the path writes that way.  A mask of enum alg_hit bits,
 * as struct detect's kinds.
 */
#define HIT_PROOF_MASK (1u << HIT_RECEIVED_RESTORED | \
	1u << HIT_PRIVATE_RESIDUE | 1u << HIT_PAIR_REWRITTEN | \
	1u << HIT_VIA_CHANGED | 1u << HIT_INCONSISTENT)

static bool
hit_proof(int k)
{
	return (HIT_PROOF_MASK >> k & 1u) != 0;
}

/* detect_verdict_get copies the counters whole. */
_Static_assert(sizeof(((struct detect_verdict *)0)->by_id) ==
    sizeof(((struct detect *)0)->by_id), "by_id sizes differ");

#define VERDICT_AGAINST 1.0

struct detect *
detect_new(void)
{
	struct detect *dt = calloc(1, sizeof(struct detect));
#ifdef SIPALG_CHECK_DETECT_MEMO
	static bool registered;

	if (!registered)
		registered = atexit(memo_log) == 0;
#endif

	if (dt != NULL && detect_join_init(dt) != 0) {
		free(dt);
		return NULL;
	}
	/* Which rows run their detector: the first row naming it. */
	for (int i = 0; dt != NULL && i < SYMPTOM_COUNT; i++) {
		bool ran = false;

		for (int k = 0; k < i && !ran; k++)
			ran = detectors[k] == detectors[i];
		dt->runs[i] = !ran;
	}
	return dt;
}

void
detect_set_capture(struct detect *dt, uint32_t cap_idx,
    const struct capture_info *ci)
{
	if (cap_idx < CAP_FILES)
		dt->caps[cap_idx] = ci;
}

void
detect_join_cite(struct detect *dt, const struct evidence ev[2])
{
	memcpy(dt->join_cite_ev, ev, sizeof(dt->join_cite_ev));
	dt->join_cite = true;
}

void
detect_free(struct detect *dt)
{
	if (dt == NULL)
		return;
	detect_join_fini(dt);
	free(dt);
}

/*
 * A finding must not blame an ALG the capture does not show: with no NAT
 * boundary in the dialog (both ends seen sending) nor in the dialogs
 * reported before it, or with private
 * addresses crossing the NAT untranslated (in this dialog, or in the
 * capture so far with nothing translated anywhere: ALG unlikely),
 * each finding's explanation and fix are the catalogue's no-ALG ones
 * (remedy.h): what else explains the symptom.
 */
static void
no_alg_advice(struct detect *dt, const struct dialog *d, struct findings *fs)
{
	bool nat = false, proof = false, any_proof = false, leak, both = false;
	enum remedy_case c;

	/* What the dialogs reported so far show (the same in a replay from
	 * the store, which reports dialogs in this order too). */
	for (size_t i = 0; i < d->nmsgs; i++) {
		if (detect_msg_nat(&d->msgs[i], &leak))
			nat = true;
		dt->leak_seen = dt->leak_seen || leak;
		both = both || ep_same_ip(&d->msgs[i].src, &d->msgs[0].dst);
	}

	proof = (dt->dlg_kinds & HIT_PROOF_MASK) != 0;
	any_proof = (dt->kinds & HIT_PROOF_MASK) != 0;
	nat = nat || proof;
	dt->nat_seen = dt->nat_seen || nat;
	if (proof)
		return;
	/* No NAT shown: only when both ends were seen sending (a phone that
	 * never answered may sit behind a NAT this dialog cannot show) and,
	 * for a call, its answer was: a 2xx lost before this capture point
	 * took a path the capture does not show (detect_ack.c). */
	if (d->kind == DIALOG_CALL && detect_answer(d) == NULL)
		both = false;
	if (!nat && !dt->nat_seen && both)
		c = REMEDY_NO_NAT;
	else if ((dt->dlg_kinds & 1u << HIT_NOALG_PRIVATE_LEAK) != 0 ||
	    (dt->leak_seen && !any_proof))
		c = REMEDY_NAT_NO_ALG;
	else
		return;
	/* Advisories' own texts name no ALG. */
	for (int i = 0; i < fs->n; i++) {
		struct finding *f = &fs->f[i];
		const char *e, *r;
		int k = symptom_lookup(f->id);

		if (k < 0 || remedy_no_alg((enum symptom_id)k, c, &e, &r) != 0)
			continue;
		f->explanation = e;
		f->remediation = r;
	}
}

/*
 * The used part of finding s into d: the evidence it holds, not the room
 * left (a whole struct findings is about 85 KB, nearly all unused room).
 */
static void
finding_copy(struct finding *d, const struct finding *s)
{
	int nev = s->nev < 0 ? 0 : s->nev > DETECT_MAX_EVIDENCE ?
	    DETECT_MAX_EVIDENCE : s->nev;

	memcpy(d, s, offsetof(struct finding, ev));
	memcpy(d->ev, s->ev, (size_t)nev * sizeof(s->ev[0]));
	d->nev = s->nev;
}

static void
findings_copy(struct findings *d, const struct findings *s)
{
	d->n = s->n;
	d->nadv = s->nadv;
	for (int i = 0; i < s->n && i < DETECT_MAX_FINDINGS; i++)
		finding_copy(&d->f[i], &s->f[i]);
	for (int i = 0; i < s->nadv && i < DETECT_MAX_ADVISORIES; i++)
		finding_copy(&d->adv[i], &s->adv[i]);
}

/* The request methods of d, bit per enum sip_method (detect_has_request);
 * every bit when one is not known. */
static uint32_t
request_methods(const struct dialog *d)
{
	uint32_t r = 0;

	_Static_assert(SIPM_COUNT <= 32, "a method mask is 32 bits");
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!m->m->is_request)
			continue;
		if (m->method_code == SIPM_NONE)
			return UINT32_MAX;
		r |= 1u << m->method_code;
	}
	return r;
}

void
detect_dialog(struct detect *dt, struct dialog *d)
{
	struct findings fs;
	bool seen[SYMPTOM_COUNT] = { false };
	uint32_t mask = 0;

#ifdef SIPALG_CHECK_DETECT_MEMO
	memo_check(d);
#endif
	d->findings = NULL;
	dt->dialogs++;
	fs.n = 0;
	fs.nadv = 0;
	dt->dlg_kinds = 0;
	dt->dlg_requests = request_methods(d);
	/* What the phones sent in this dialog, before any detector asks. */
	detect_binding_feed(dt, d);
	/* Where its media runs and what the capture can show of it: not
	 * judged yet.  The state and an empty why per segment, not the
	 * whole array: its 603 bytes are ten cold lines of the dialog a
	 * memset loaded one after the other (a fifth of detect_dialog's own
	 * time); why is only read as a string, and only when state is set. */
	for (size_t i = 0; i < sizeof(d->vis) / sizeof(d->vis[0]); i++) {
		d->vis[i].state = DIALOG_VIS_UNJUDGED;
		d->vis[i].why[0] = '\0';
	}
	/* The same call on the other segment, under another Call-ID; cited
	 * as the analysis cited it when it was stored. */
	detect_join(dt, d);
	if (dt->join_cite && dt->join_pair)
		memcpy(dt->join_ev, dt->join_cite_ev, sizeof(dt->join_ev));
	dt->join_cite = false;
	if (d->kind == DIALOG_CALL) {
		detect_media_classify(d);
		detect_media_visibility(dt, d);
	}
	for (int i = 0; i < SYMPTOM_COUNT; i++)
		if (dt->runs[i])
			detectors[i](dt, d, &fs);
	no_alg_advice(dt, d, &fs);
	/*
	 * A call seen as two dialogs (d->join) is counted once: this one
	 * adds what its other segment, judged first, did not.
	 */
	for (int i = 0; i < fs.n; i++) {
		int k = symptom_lookup(fs.f[i].id);

		if (k >= 0 && !seen[k]) {
			seen[k] = true;
			mask |= 1u << k;
			if (!d->join.other_first || !(d->join.counted & 1u << k))
				dt->by_id[k]++;
		}
	}
	if (fs.n > 0 && (!d->join.other_first || !d->join.other_affected))
		dt->affected++;
	detect_join_judged(dt, d, fs.n > 0, mask);
	if (fs.n == 0 && fs.nadv == 0)
		return;
	d->findings = malloc(sizeof(fs));
	if (d->findings != NULL)
		findings_copy(d->findings, &fs);
}

/* One device's verdict from its fingerprints. */
static void
device_score(const struct detect_device *dv, struct detect_device_verdict *o)
{
	bool proof = false;

	memset(o, 0, sizeof(*o));
	o->key = dv->key;
	for (int k = 0; k < HIT_KIND_COUNT; k++) {
		if (dv->hits[k] == 0)
			continue;
		if (k < HIT_ALG_COUNT)
			o->score += hit_weight[k];
		else
			o->against += hit_weight[k];
		proof = proof || hit_proof(k);
	}
	if (proof)
		o->alg = DETECT_ALG_LIKELY;
	else if (o->against >= VERDICT_AGAINST)
		o->alg = DETECT_ALG_UNLIKELY;
	else
		o->alg = DETECT_ALG_UNKNOWN;
}

static int
device_rank(const struct detect_device_verdict *d)
{
	return d->alg == DETECT_ALG_LIKELY ? 0 : d->alg == DETECT_ALG_UNLIKELY ?
	    1 : 2;
}

void
detect_verdict_get(const struct detect *dt, struct detect_verdict *v)
{
	double alg = 0;
	int order[HIT_KIND_COUNT], n = 0;
	bool likely = false, against = false, open = false;

	memset(v, 0, sizeof(*v));
	v->dialogs = dt->dialogs;
	v->affected = dt->affected;
	v->bindings_dropped = dt->bindings_dropped;
	v->nat = dt->nat_seen;
	memcpy(v->by_id, dt->by_id, sizeof(v->by_id));
	for (int k = 0; k < HIT_ALG_COUNT; k++)
		if (dt->hits[k] != 0)
			alg += hit_weight[k];
	/*
	 * Per device: proof makes it likely; supporting evidence with no
	 * counter-evidence on the same device keeps the capture open
	 * (unknown) rather than unlikely.
	 */
	for (unsigned i = 0; i < dt->ndevices; i++) {
		struct detect_device_verdict dv;

		device_score(&dt->devices[i], &dv);
		likely = likely || dv.alg == DETECT_ALG_LIKELY;
		against = against || dv.alg == DETECT_ALG_UNLIKELY;
		open = open || (dv.alg == DETECT_ALG_UNKNOWN && dv.score >= 1.0);
		/* Keep the strongest DETECT_VERDICT_DEVICES: likely first. */
		int at = v->ndevices;
		if (at == DETECT_VERDICT_DEVICES) {
			if (device_rank(&dv) >= device_rank(&v->devices[at - 1]))
				continue;
			at--;
		} else {
			v->ndevices++;
		}
		while (at > 0 && device_rank(&dv) <
		    device_rank(&v->devices[at - 1])) {
			v->devices[at] = v->devices[at - 1];
			at--;
		}
		v->devices[at] = dv;
	}
	if (likely)
		v->alg = DETECT_ALG_LIKELY;
	else if (against && !open)
		v->alg = DETECT_ALG_UNLIKELY;
	else
		v->alg = DETECT_ALG_UNKNOWN;
	v->score = alg;
	/* Strongest first: the side of the verdict, proof before support. */
	for (int k = 0; k < HIT_KIND_COUNT; k++) {
		bool for_alg = k < HIT_ALG_COUNT;

		if (dt->hits[k] == 0)
			continue;
		if (v->alg == DETECT_ALG_UNLIKELY && for_alg)
			continue;
		if (v->alg == DETECT_ALG_LIKELY && !for_alg)
			continue;
		order[n++] = k;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && (hit_proof(order[j]) >
		    hit_proof(order[j - 1]) || (hit_proof(order[j]) ==
		    hit_proof(order[j - 1]) && hit_weight[order[j]] >
		    hit_weight[order[j - 1]])); j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < n && v->nstrongest < 4; i++)
		v->strongest[v->nstrongest++] = dt->hit_ev[order[i]];
}

const char *
detect_alg_name(enum detect_alg a)
{
	switch (a) {
	case DETECT_ALG_LIKELY:
		return "likely";
	case DETECT_ALG_UNLIKELY:
		return "unlikely";
	default:
		return "unknown";
	}
}

/* ---- helpers for the modules ---------------------------------------- */

/*
 * vsnprintf(dst, n, fmt, ap), with a format that is one string ("%s")
 * copied as snprintf cuts it, without the format's walk (glibc prints a
 * null one as "(null)"): what a detector gives when it put the text
 * together itself (struct detect_str).
 */
static void
str_vformat(char *dst, size_t n, const char *fmt, va_list ap)
{
	if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
		/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): the caller's va_start */
		const char *v = va_arg(ap, const char *);

		text_copy_str(dst, n, v != NULL ? v : "(null)");
		return;
	}
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): the caller's va_start */
	vsnprintf(dst, n, fmt, ap);
}

/* f's evidence is read only below nev (finding_copy, the reports): the
 * array, most of the struct's 4 KB, is not zeroed. */
static struct finding *
finding_vinit(struct finding *f, enum symptom_id id, double confidence,
    const char *expl, const char *rem, const char *fmt, va_list ap)
{
	memset(f, 0, offsetof(struct finding, ev));
	f->nev = 0;
	f->id = symptom_name(id);
	f->confidence = confidence < 0 ? 0 : confidence > 1 ? 1 : confidence;
	f->explanation = expl;
	f->remediation = rem;
	str_vformat(f->summary, sizeof(f->summary), fmt, ap);
	return f;
}

struct finding *
detect_finding_add(struct findings *fs, enum symptom_id id, double confidence,
    const char *expl, const char *rem, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (fs->n >= DETECT_MAX_FINDINGS)
		return NULL;
	va_start(ap, fmt);
	f = finding_vinit(&fs->f[fs->n++], id, confidence, expl, rem, fmt, ap);
	va_end(ap);
	return f;
}

struct finding *
detect_advisory_add(struct findings *fs, enum symptom_id id,
    double confidence, const char *expl, const char *rem, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (fs->nadv >= DETECT_MAX_ADVISORIES)
		return NULL;
	va_start(ap, fmt);
	f = finding_vinit(&fs->adv[fs->nadv++], id, confidence, expl, rem, fmt,
	    ap);
	va_end(ap);
	return f;
}

static void
ev_vadd(struct finding *f, uint32_t cap_idx, uint64_t frame, int64_t ts,
    const char *field, const char *fmt, va_list ap)
{
	struct evidence *e;

	if (f == NULL || f->nev >= DETECT_MAX_EVIDENCE)
		return;
	e = &f->ev[f->nev++];
	e->cap_idx = cap_idx;
	e->frame = frame;
	e->ts_ns = ts;
	/* As snprintf "%s" truncates it, without the format's walk. */
	text_copy_str(e->field, sizeof(e->field), field);
	str_vformat(e->value, sizeof(e->value), fmt, ap);
}

void
detect_str_init(struct detect_str *s, char *buf, size_t size)
{
	s->buf = buf;
	s->size = size;
	s->len = 0;
	buf[0] = '\0';
}

/* Appends p[0..n), what of it fits. */
static void
str_bytes(struct detect_str *s, const char *p, size_t n)
{
	size_t room = s->size - 1 - s->len;

	if (n > room)
		n = room;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void
detect_str_put(struct detect_str *s, const char *p)
{
	if (p == NULL)
		p = "(null)";
	/* No further than the room: p may be longer. */
	str_bytes(s, p, strnlen(p, s->size - 1 - s->len));
}

void
detect_str_uint(struct detect_str *s, unsigned long long v)
{
	char d[20];               /* 18446744073709551615 */

	str_bytes(s, d, bufput_dec(d, v));
}

void
detect_str_int(struct detect_str *s, long long v)
{
	if (v < 0) {
		str_bytes(s, "-", 1);
		detect_str_uint(s, 0ULL - (unsigned long long)v);
	} else {
		detect_str_uint(s, (unsigned long long)v);
	}
}

void
detect_ev(struct finding *f, const struct dmsg *m, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_vadd(f, m ? m->cap_idx : 0, m ? m->frame : 0, m ? m->ts_ns : 0,
	    field, fmt, ap);
	va_end(ap);
}

void
detect_ev_at(struct finding *f, uint32_t cap_idx, uint64_t frame,
    int64_t ts_ns, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_vadd(f, cap_idx, frame, ts_ns, field, fmt, ap);
	va_end(ap);
}

void
detect_hit(struct detect *dt, enum alg_hit k, const struct evidence *ev,
    const struct ep *dev)
{
	static const struct ep none;
	struct detect_device *dv = NULL;

	if (k >= HIT_KIND_COUNT)
		return;
	if (dt->hits[k]++ == 0 && ev != NULL)
		dt->hit_ev[k] = *ev;
	if (dev == NULL)
		dev = &none;
	for (unsigned i = 0; i < dt->ndevices && dv == NULL; i++)
		if (ep_eq(&dt->devices[i].key, dev))
			dv = &dt->devices[i];
	if (dv == NULL && dt->ndevices < DETECT_MAX_DEVICES) {
		dv = &dt->devices[dt->ndevices++];
		memset(dv, 0, sizeof(*dv));
		dv->key = *dev;
	}
	if (dv == NULL)
		dv = &dt->devices[DETECT_MAX_DEVICES - 1];
	dv->hits[k]++;
	dt->dlg_kinds |= 1u << k;
	dt->kinds |= 1u << k;
}

/*
 * strcmp(a, b) == 0 for b the dialog's From tag (an array of n bytes, a
 * string).  b lies in a line of the dialog that nothing else reads as a
 * message arrives (asked for by detect_msg_memo_soon), near its end (31
 * bytes before the next, with dialog.h's layout today): strcmp's 32-byte
 * loads read the next line too, one more memory round trip per message.
 * memcmp over a's length and NUL reads no further than that (a short
 * tag: within the line asked for).
 */
static bool
tag_eq(const char *a, const char *b, size_t n)
{
	size_t l = strlen(a);

	return l < n ? memcmp(a, b, l + 1) == 0 : strcmp(a, b) == 0;
}

static bool
from_caller(const struct dialog *d, const struct dmsg *m)
{
	bool caller_tag;

	if (d->from_tag[0] != '\0' && m->m->from_tag[0] != '\0') {
		caller_tag = tag_eq(m->m->from_tag, d->from_tag,
		    sizeof(d->from_tag));
		/* Requests carry the sender's tag in From; responses the
		 * requester's. */
		return m->m->is_request ? caller_tag : !caller_tag;
	}
	if (ep_eq(&m->src, &d->msgs[0].src))
		return true;
	if (ep_eq(&m->dst, &d->msgs[0].src))
		return false;
	return m->m->is_request;
}

bool
detect_side_memo(const struct dialog *d, const struct dmsg *m)
{
	bool c;

	if (d->nmsgs == 0)
		return false;
	c = from_caller(d, m);
	/* NOLINTNEXTLINE: a memo in the caller's heap record (dialog.h) */
	((struct dmsg *)m)->side_memo |= c ? 2 : 1;
	return c;
}

uint8_t
detect_facts_memo(const struct dmsg *m)
{
	uint8_t f = (m->side_memo & DMSG_MEMO_SIDE) | DMSG_MEMO_FACTS;

	if (m->m->to_tag[0] != '\0')
		f |= DMSG_MEMO_TO_TAG;
	if (ep_is_private(&m->src))
		f |= DMSG_MEMO_SRC_PRIV;
	if (ep_is_private(&m->dst))
		f |= DMSG_MEMO_DST_PRIV;
	if (detect_received_set(m->m))
		f |= DMSG_MEMO_RECEIVED;
	if (detect_content_length_off(m, NULL))
		f |= DMSG_MEMO_CL_OFF;
	/* NOLINTNEXTLINE: a memo in the caller's heap record (dialog.h) */
	((struct dmsg *)m)->side_memo = f;
	return f;
}

bool
detect_content_length_off(const struct dmsg *m, bool *cut)
{
	const struct sipmsg *s = m->m;
	bool c;

	if (cut != NULL)
		*cut = false;
	/* A message only partly seen (fragments lost) is short by loss. */
	if ((m->transport & 0x7f) != PKT_UDP || s->content_length < 0 ||
	    m->frag_seen > 0)
		return false;
	c = s->sdp != NULL && s->body_len > 0 &&
	    s->body_off + s->body_len <= s->raw_len &&
	    s->raw[s->body_off + s->body_len - 1] != '\n' &&
	    m->ip_len > s->raw_len + 28 + 2;
	if (cut != NULL)
		*cut = c;
	return (uint64_t)s->content_length != s->body_len || c;
}

void
detect_msg_memo(const struct dialog *d, const struct dmsg *m)
{
	(void)detect_facts_memo(m);
	if ((m->side_memo & DMSG_MEMO_SIDE) == 0)
		(void)detect_side_memo(d, m);
}

#ifdef SIPALG_CHECK_DETECT_MEMO
/*
 * The proof build: every memo of d's messages equals what the message
 * gives worked out again (aborts otherwise), and a line "MESSAGES
 * NOTED" (messages checked, those noted as they arrived) is added to
 * $SIPALG_CHECK_DETECT_MEMO_LOG at exit.
 */
static uint64_t memo_checked, memo_noted;

static void
memo_log(void)
{
	const char *path = getenv("SIPALG_CHECK_DETECT_MEMO_LOG");
	FILE *f = path != NULL ? fopen(path, "a") : NULL;

	if (f == NULL)
		return;
	fprintf(f, "%llu %llu\n", (unsigned long long)memo_checked,
	    (unsigned long long)memo_noted);
	fclose(f);
}

static void
memo_check(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		uint8_t f = m->side_memo;
		bool bad = false;

		memo_checked++;
		if ((f & DMSG_MEMO_SIDE) != 0)
			bad = bad || ((f & DMSG_MEMO_SIDE) == 2) !=
			    from_caller(d, m);
		if ((f & DMSG_MEMO_FACTS) != 0) {
			/* Before the detectors ask: noted as it arrived,
			 * with its side. */
			memo_noted++;
			bad = bad || (f & DMSG_MEMO_SIDE) == 0 ||
			    ((f & DMSG_MEMO_SRC_PRIV) != 0) !=
			    ep_is_private(&m->src) ||
			    ((f & DMSG_MEMO_DST_PRIV) != 0) !=
			    ep_is_private(&m->dst) ||
			    ((f & DMSG_MEMO_TO_TAG) != 0) !=
			    (m->m->to_tag[0] != '\0') ||
			    ((f & DMSG_MEMO_RECEIVED) != 0) !=
			    detect_received_set(m->m) ||
			    ((f & DMSG_MEMO_CL_OFF) != 0) !=
			    detect_content_length_off(m, NULL);
		}
		if (bad) {
			fprintf(stderr, "detect_memo_check: dialog %llu message "
			    "%zu (frame %llu): memo 0x%02x differs\n",
			    (unsigned long long)d->id, i,
			    (unsigned long long)m->frame, f);
			abort();
		}
	}
}
#endif

const struct dmsg *
detect_last_sdp(const struct dialog *d, bool caller)
{
	for (size_t i = d->nmsgs; i-- > 0;)
		if (d->msgs[i].m->sdp != NULL &&
		    detect_from_caller(d, &d->msgs[i]) == caller)
			return &d->msgs[i];
	return NULL;
}

/* Whether memo w still answers for d (struct dialog_memo). */
static bool
memo_valid(const struct dialog_memo *w, const struct dialog *d)
{
	return w->msgs == d->msgs && w->nmsgs == d->nmsgs &&
	    w->answer_ns == d->answer_ns;
}

/* Records in memo w (of d, through a const view: see dialog.h) that
 * the answer is m, NULL none; returns m. */
static const struct dmsg *
memo_set(const struct dialog *d, const struct dialog_memo *w,
    const struct dmsg *m)
{
	struct dialog_memo *x = (struct dialog_memo *)(uintptr_t)w;

	x->msgs = d->msgs;
	x->nmsgs = d->nmsgs;
	x->answer_ns = d->answer_ns;
	x->at = m != NULL ? (uint32_t)(m - d->msgs) + 1 : 0;
	return m;
}

static const struct dmsg *
find_initial(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (m->is_request && dmsg_method_is(&d->msgs[i], SIPM_INVITE) &&
		    !detect_msg_to_tag(&d->msgs[i]))
			return &d->msgs[i];
	}
	return NULL;
}

const struct dmsg *
detect_initial(const struct dialog *d)
{
	if (d->kind != DIALOG_CALL)
		return NULL;
	if (memo_valid(&d->memo_initial, d))
		return d->memo_initial.at ? &d->msgs[d->memo_initial.at - 1] :
		    NULL;
	return memo_set(d, &d->memo_initial, find_initial(d));
}

static const struct dmsg *
find_answer(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (!m->is_request && m->status >= 200 && m->status < 300 &&
		    dmsg_cseq_is(&d->msgs[i], SIPM_INVITE) &&
		    d->msgs[i].ts_ns == d->answer_ns)
			return &d->msgs[i];
	}
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (!m->is_request && m->status >= 200 && m->status < 300 &&
		    dmsg_cseq_is(&d->msgs[i], SIPM_INVITE))
			return &d->msgs[i];
	}
	return NULL;
}

const struct dmsg *
detect_answer(const struct dialog *d)
{
	if (memo_valid(&d->memo_answer, d))
		return d->memo_answer.at ? &d->msgs[d->memo_answer.at - 1] :
		    NULL;
	return memo_set(d, &d->memo_answer, find_answer(d));
}

const struct sdp_media *
detect_audio_media(const struct sdp *s)
{
	if (s == NULL)
		return NULL;
	/* asked of every SDP by most detectors */
	for (int i = 0; i < s->nmedia; i++)
		if (detect_media_is_audio(&s->media[i]))
			return &s->media[i];
	return NULL;
}

/*
 * A request whose sender wrote its Call-ID around a private address (an
 * out-of-dialog or in-dialog request with a single Via: the Call-ID's
 * author), yet whose Contact or Via sent-by names the public address the
 * packet comes from: the phone knew only its private side, so something
 * on the way wrote the public one.  A private c= beside them is then a
 * partial rewrite (the Linux helper leaves a c= that is not the sender's
 * own address, and skips the body of a message it did not parse whole),
 * not a message that crossed the NAT untranslated: no evidence that no
 * ALG is there.  A proxy or B2BUA relaying a phone's SDP wrote its own
 * Call-ID and is not matched.
 */
bool
detect_msg_partly_rewritten(const struct dmsg *m)
{
	const struct sipmsg *s = m->m;
	struct ep e;

	if (!s->is_request || s->nvia != 1 ||
	    detect_callid_ip(s->call_id, &e) != 0 || !detect_nat_private(&e))
		return false;
	if (s->ncontact > 0 && s->contact[0].addr.family != 0 &&
	    ep_same_ip(&s->contact[0].addr, &m->src))
		return true;
	return s->via[0].sent_by.family != 0 &&
	    ep_same_ip(&s->via[0].sent_by, &m->src);
}

const struct ep *
detect_msg_via_leak(const struct dmsg *m)
{
	const struct sipmsg *s = m->m;
	const struct sdp_media *am;

	if (s->nvia != 1 || m->src.family == 0 || detect_src_private(m) ||
	    !detect_nat_private(&s->via[0].sent_by))
		return NULL;
	if (!s->is_request)
		return m->dst.family != 0 && !detect_dst_private(m) ? &m->dst :
		    NULL;
	if (detect_nat_private(&s->ruri_addr) ||
	    (s->ncontact > 0 && ep_same_ip(&s->contact[0].addr, &m->src)))
		return NULL;
	am = s->sdp ? detect_audio_media(s->sdp) : NULL;
	if (am != NULL && am->has_conn && ep_same_ip(&am->conn, &m->src))
		return NULL;
	return &m->src;
}

bool
detect_msg_nat(const struct dmsg *m, bool *leak)
{
	const struct sipmsg *s = m->m;
	const struct sdp_media *am;
	bool mine, src_priv, dst_priv, src_pub, dst_pub;

	/* The addresses' privacy from m's memo: asked of every message. */
	src_priv = detect_src_private(m);
	dst_priv = detect_dst_private(m);
	src_pub = m->src.family != 0 && !src_priv;
	dst_pub = m->dst.family != 0 && !dst_priv;
	*leak = false;
	if ((src_priv && !detect_loopback(&m->src) && dst_pub) ||
	    (dst_priv && !detect_loopback(&m->dst) && src_pub))
		return true;
	if (!src_pub)
		return false;
	/* The phone's own message: not a registrar's list of bindings, not
	 * a server's request to a registered private Contact. */
	mine = !(!s->is_request && dmsg_cseq_is(m, SIPM_REGISTER)) &&
	    !(s->is_request && detect_nat_private(&s->ruri_addr));
	if (s->ncontact > 0 && detect_nat_private(&s->contact[0].addr)) {
		*leak = mine || detect_msg_via_leak(m) != NULL;
		return true;
	}
	am = s->sdp ? detect_audio_media(s->sdp) : NULL;
	if (am != NULL && am->has_conn && am->port != 0 &&
	    detect_nat_private(&am->conn)) {
		*leak = (mine && !detect_msg_partly_rewritten(m)) ||
		    detect_msg_via_leak(m) != NULL;
		return true;
	}
	/* The Via any method carries (a response's: its request's). */
	if (detect_msg_via_leak(m) != NULL) {
		*leak = true;
		return true;
	}
	return s->is_request && s->nvia > 0 &&
	    detect_nat_private(&s->via[s->nvia - 1].sent_by);
}

bool
detect_ep_unspecified(const struct ep *e)
{
	static const uint8_t zero[16];

	return e->family != 0 && memcmp(e->ip, zero, sizeof(zero)) == 0;
}

/* Does an SDP from this side announce exactly (ip, port) / ip? */
static int
side_announces(const struct dialog *d, bool caller, const struct ep *e)
{
	int best = 0;

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sdp *s = d->msgs[i].m->sdp;

		if (s == NULL || detect_from_caller(d, &d->msgs[i]) != caller)
			continue;
		for (int k = 0; k < s->nmedia; k++) {
			if (!s->media[k].has_conn)
				continue;
			if (ep_eq(&s->media[k].conn, e))
				return 2;
			if (ep_same_ip(&s->media[k].conn, e))
				best = 1;
		}
	}
	return best;
}

static bool
side_signals_from(const struct dialog *d, bool caller, const struct ep *e)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (detect_from_caller(d, &d->msgs[i]) == caller &&
		    ep_same_ip(&d->msgs[i].src, e))
			return true;
	return false;
}

int
detect_stream_dir(const struct dialog *d, const struct rtp_stream *s)
{
	int sc = side_announces(d, true, &s->src);
	int se = side_announces(d, false, &s->src);
	int dc = side_announces(d, true, &s->dst);
	int de = side_announces(d, false, &s->dst);

	/* Exact endpoint matches first: the receiver's announced port. */
	if (de == 2 && dc != 2)
		return 1;
	if (dc == 2 && de != 2)
		return -1;
	if (sc == 2 && se != 2)
		return 1;
	if (se == 2 && sc != 2)
		return -1;
	if (sc > se || de > dc)
		return 1;
	if (se > sc || dc > de)
		return -1;
	if (side_signals_from(d, true, &s->src) &&
	    !side_signals_from(d, false, &s->src))
		return 1;
	if (side_signals_from(d, false, &s->src) &&
	    !side_signals_from(d, true, &s->src))
		return -1;
	if (side_signals_from(d, false, &s->dst))
		return 1;
	if (side_signals_from(d, true, &s->dst))
		return -1;
	return 0;
}

double
detect_stream_packets_between(const struct rtp_stream *s, int64_t from_ns,
    int64_t to_ns)
{
	double sum = 0;
	int64_t w = (int64_t)(s->rate_bucket_sec ? s->rate_bucket_sec : 1) *
	    DETECT_NS;

	if (s->packets == 0 || to_ns <= from_ns)
		return 0;
	for (uint32_t i = 0; i < s->nrate && i < CAP_RTP_RATE_SECONDS_STRIP;
	    i++) {
		int64_t a = (int64_t)s->rate_base_sec * DETECT_NS +
		    (int64_t)i * w;
		int64_t b = a + w;
		int64_t lo = a > from_ns ? a : from_ns;
		int64_t hi = b < to_ns ? b : to_ns;

		if (hi > lo)
			sum += (double)s->rate[i] * (double)(hi - lo) /
			    (double)w;
	}
	return sum;
}

int
detect_uri_ip(const char *uri, struct ep *e)
{
	const char *p = uri, *at, *end;
	size_t n = strlen(uri);

	/* Display name and angle brackets: take what is inside <...>. */
	const char *lt = memchr(p, '<', n);
	if (lt != NULL) {
		p = lt + 1;
		n = strlen(p);
		const char *gt = memchr(p, '>', n);
		if (gt != NULL)
			n = (size_t)(gt - p);
	}
	if (n >= 4 && strncasecmp(p, "sip:", 4) == 0) {
		p += 4;
		n -= 4;
	} else if (n >= 5 && strncasecmp(p, "sips:", 5) == 0) {
		p += 5;
		n -= 5;
	} else if (n >= 4 && strncasecmp(p, "tel:", 4) == 0) {
		return -1;
	}
	at = memchr(p, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	end = p;
	if (n > 0 && *p == '[') {
		const char *rb = memchr(p, ']', n);

		if (rb == NULL)
			return -1;
		end = rb + 1;
	} else {
		while ((size_t)(end - p) < n && *end != ':' && *end != ';' &&
		    *end != '>' && *end != '?' && *end != ' ')
			end++;
	}
	ep_clear(e);
	return ep_parse_ip(e, p, (size_t)(end - p));
}

int
detect_callid_ip(const char *callid, struct ep *e)
{
	const char *at = strrchr(callid, '@');
	size_t n;

	if (at == NULL)
		return -1;
	at++;
	n = strlen(at);
	if (n > 0 && at[0] == '[' && at[n - 1] == ']') {
		at++;
		n -= 2;
	}
	ep_clear(e);
	return ep_parse_ip(e, at, n);
}
