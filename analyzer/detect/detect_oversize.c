/*
 * detect_oversize.c - oversize_drop: a SIP message lost because it was
 * too large for the path.  Three forms of the one event, strongest first:
 *
 * ICMP.  A router that cannot forward a datagram whole with DF set drops
 * it and answers ICMP "fragmentation needed" (RFC 792 type 3 code 4, with
 * the next-hop MTU, RFC 1191) or ICMPv6 "packet too big" (RFC 4443 type
 * 2), quoting the IP header and the first bytes of what it dropped.  An
 * ALG that rewrites a SIP message grows it (198.51.100.1 is longer than
 * 10.0.0.2, rport=, received=): a message that fitted the MTU when the
 * phone sent it no longer does after the rewrite, and the Linux helper
 * does exactly this (nf_nat_sip mangles the packet, the forward path then
 * finds it over the egress MTU).  The phone's own datagram still fits the
 * path MTU it learns, so each retransmission is dropped again.  A
 * receiver that got only some fragments of a datagram says so with
 * "fragment reassembly time exceeded" (RFC 792 type 11 code 1, RFC 4443
 * type 3 code 1) quoting the first one: the same loss seen from the far
 * end.  The analysis hands every such error quoting SIP to detect_too_big,
 * which keeps it in a fixed table (DETECT_MAX_TOOBIG, oldest replaced,
 * one entry per quoted flow, size and kind, with a count).  A UDP request
 * is oversize-dropped when an error quotes its flow (source and
 * destination address:port) within Timer B (64*T1 = 32 s, RFC 3261
 * 17.1.1.2; a reassembly timeout comes 30 s or so after the first
 * fragment, within it) of its first transmission and the transaction got
 * no final response (0.9 too big, 0.8 reassembly).  When the quoted
 * datagram is longer than the one sent, it grew on the way (a rewrite:
 * from a private source, counted for the ALG verdict as a copy rewritten
 * across the box, HIT_PAIR_REWRITTEN).
 *
 * CUT.  Only the start of the request is in the capture: its first IP
 * fragment arrived, the others never did (ingest PKT_FRAG_LOST: the
 * fragment table gave the datagram up; dmsg frag_seen), a filter or a
 * link that drops non-first fragments.  The request is oversize-dropped
 * when nothing at all answered its transaction and it was retransmitted
 * (a UA retransmits an unanswered UDP request at T1, RFC 3261 17.1.1.2;
 * one cut copy alone may be the end of the capture) (0.8).  Evidence:
 * the first fragments, the size the UDP header announces against what
 * arrived, a reassembly timeout from the receiver when there is one.
 *
 * SILENT.  An MTU black hole: ICMP filtered or never sent, the request
 * simply vanishes.  The rule for the class (oversize_rule.h, which
 * sipalg-sim shares): a UDP request (not ACK) that
 * nothing at all answered, retransmitted on the doubling Timer A/E
 * schedule (RFC 3261 17.1.1.2, 17.1.2.2) at least three times with the
 * third no sooner than 6*T1 after the first copy (copies at 0, T1, 3T1,
 * 7T1: a client really waiting for an answer, not a burst of duplicates),
 * larger than every datagram the IP version guarantees to pass (576
 * bytes IPv4, RFC 791; 1280 IPv6, RFC 8200), and more than 200 bytes
 * (RFC 3261 18.1.1's margin below the path MTU) larger than the largest
 * request answered on the same path (source and destination address:port
 * in the same capture; detect_request_answered, DETECT_MAX_PATHS paths,
 * the oldest replaced), with no ICMP about it.  Lower confidence (0.5):
 * a dead server answers nothing too, but then small requests on the
 * path would go unanswered as well.  Evidence: the sizes answered and
 * unanswered, the retransmissions.
 *
 * A request found so is one event: inbound_call_unanswered and the other
 * detectors of an unanswered request leave it to oversize_drop
 * (detect_oversize_request).
 */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect_int.h"
#include "detect/oversize_rule.h"

/* An error this long after the request's first copy is about another. */
#define TOOBIG_WINDOW_NS (32 * DETECT_NS + DETECT_NS)

static const char explanation[] =
    "This SIP message was lost because it was too large for the path.  A "
    "link with a lower MTU (PPPoE, a tunnel, a VPN) cannot carry it "
    "whole: with Don't Fragment set a router drops it and should say so "
    "with ICMP \"fragmentation needed\" (IPv6: \"packet too big\"); "
    "without DF the message travels in IP fragments, and routers, "
    "firewalls and ALGs that drop non-first fragments leave the receiver "
    "with a start it can never complete; where ICMP is filtered the "
    "message simply vanishes while smaller ones on the same path pass "
    "(an MTU black hole).  The sender's retransmissions are the same size "
    "and are lost again, so the request is never answered.  A SIP ALG "
    "that rewrites addresses makes messages longer (a public address, "
    "rport, received=), so one that fitted when the phone sent it may no "
    "longer fit after the rewrite.  Large SDP offers (many codecs) and "
    "long headers sit closest to the limit.";
static const char rem[] =
    "Make the message fit: use SIP over TCP (or TLS) for large requests "
    "(RFC 3261 18.1.1: UDP only below the path MTU minus 200 bytes), offer "
    "fewer codecs and drop unneeded headers on the phone/PBX, or raise the "
    "MTU of the link that refused it (PPPoE and tunnels often lower it); "
    "let fragments and ICMP \"fragmentation needed\" through the firewalls "
    "on the path.  Where the evidence shows the message grown on the way, "
    "a SIP ALG grew it: turn the ALG off (see --fix VENDOR).";

/*
 * The slot for a new entry of a fixed table holding *n of max entries:
 * the next free one, or when full the oldest (round robin on *next).
 */
static unsigned
slot_take(unsigned *n, unsigned *next, unsigned max)
{
	unsigned i;

	if (*n < max)
		return (*n)++;
	i = *next;
	*next = (*next + 1) % max;
	return i;
}

void
detect_too_big(struct detect *dt, const struct detect_too_big_ev *e)
{
	struct detect_toobig *t;

	for (unsigned i = 0; i < dt->ntoobig; i++) {
		t = &dt->toobig[i];
		if (t->ev.cap_idx == e->cap_idx && t->ev.reasm == e->reasm &&
		    ep_eq(&t->ev.src, &e->src) && ep_eq(&t->ev.dst, &e->dst) &&
		    t->ev.quoted_len == e->quoted_len &&
		    e->ts_ns - t->last_ns < TOOBIG_WINDOW_NS) {
			if (t->count < UINT32_MAX)
				t->count++;
			t->last_ns = e->ts_ns;
			return;
		}
	}
	t = &dt->toobig[slot_take(&dt->ntoobig, &dt->toobig_next,
	    DETECT_MAX_TOOBIG)];
	memset(t, 0, sizeof(*t));
	t->ev = *e;
	t->count = 1;
	t->last_ns = e->ts_ns;
}

/*
 * The paths' index: chains through detect_path.next from path_head[],
 * by a hash of the path's capture, source and destination.  A path's
 * key is unique in the table (one is added only when none is found),
 * so a lookup finds what a scan of paths[] in order would.
 */
static unsigned
path_bucket(uint32_t cap_idx, const struct ep *src, const struct ep *dst)
{
	return (unsigned)(ep_pair_hash(src, dst, cap_idx) &
	    (DETECT_PATH_BUCKETS - 1));
}

/* The path request m was sent on, NULL when none is kept. */
static struct detect_path *
path_find(const struct detect *dt, const struct dmsg *m)
{
	unsigned i = dt->path_head[path_bucket(m->cap_idx, &m->src, &m->dst)];

	for (; i != 0; i = dt->paths[i - 1].next) {
		const struct detect_path *p = &dt->paths[i - 1];

		if (p->cap_idx == m->cap_idx && ep_eq(&p->src, &m->src) &&
		    ep_eq(&p->dst, &m->dst))
			return (struct detect_path *)p;
	}
	return NULL;
}

static void
path_link(struct detect *dt, unsigned i)
{
	struct detect_path *p = &dt->paths[i];
	uint16_t *h = &dt->path_head[path_bucket(p->cap_idx, &p->src,
	    &p->dst)];

	p->next = *h;
	*h = (uint16_t)(i + 1);
}

static void
path_unlink(struct detect *dt, unsigned i)
{
	struct detect_path *p = &dt->paths[i];
	uint16_t *pp = &dt->path_head[path_bucket(p->cap_idx, &p->src,
	    &p->dst)];

	for (; *pp != 0; pp = &dt->paths[*pp - 1].next)
		if (*pp == i + 1) {
			*pp = p->next;
			return;
		}
}

/* The IP length of m as sent here (the message's when not known). */
static uint32_t
sent_len(const struct dmsg *m)
{
	return m->ip_len > m->m->raw_len ? m->ip_len : (uint32_t)m->m->raw_len;
}

/*
 * True when r is a response to the transaction of request m.  The
 * methods' codes first: when they decide, m's method string and the line
 * of m's struct holding its pointer are not read (m is a request that
 * arrived long before, cold; a known code comes from a parsed string,
 * never NULL).
 */
static bool
responds(const struct dmsg *r, const struct dmsg *m)
{
	if (r->m->is_request || r->m->cseq != m->m->cseq)
		return false;
	if (r->cseq_code > SIPM_OTHER && m->method_code > SIPM_NONE)
		return r->cseq_code == m->method_code;
	if (m->method_code > SIPM_OTHER && r->cseq_code > SIPM_NONE)
		return false;
	return r->m->cseq_method != NULL && m->m->method != NULL &&
	    strcmp(r->m->cseq_method, m->m->method) == 0;
}

/* Request m's method: the name of its code when known (static, in
 * cache), else its string (in m's block). */
static const char *
method_of(const struct dmsg *m)
{
	return m->method_code > SIPM_OTHER ? sip_method_name(m->method_code) :
	    m->m->method;
}

/* True when request m's transaction got a final response in d (final),
 * or any response at all (!final). */
static bool
answered(const struct dialog *d, const struct dmsg *m, bool final)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (responds(&d->msgs[i], m) &&
		    (!final || d->msgs[i].m->status >= 200))
			return true;
	return false;
}

void
detect_request_answered(struct detect *dt, const struct dialog *d,
    const struct dmsg *r)
{
	const struct dmsg *m = NULL;
	struct detect_path *p = NULL;
	uint32_t len;

	/* Still in cache: what the detectors ask of it, now; its side
	 * reads the dialog's From tag, a cold line, asked for first and
	 * read after the notes (detect_msg_memo_soon). */
	detect_msg_memo_soon(d);
	detect_copy_note(dt, d, r);
	detect_binding_note(dt, d, r);
	detect_msg_memo(d, r);
	if (r->m->is_request || (r->transport & 0x7f) != PKT_UDP)
		return;
	for (size_t i = d->nmsgs; i-- > 0;) {
		const struct dmsg *q = &d->msgs[i];

		/* The addresses and time first: they are in q itself (the
		 * dialog's array), its message block is not read for the
		 * messages they rule out. */
		if (ep_eq(&q->src, &r->dst) && ep_eq(&q->dst, &r->src) &&
		    q->ts_ns <= r->ts_ns && q->m->is_request &&
		    responds(r, q)) {
			m = q;
			break;
		}
	}
	if (m == NULL || (m->transport & 0x7f) != PKT_UDP)
		return;
	len = sent_len(m);
	p = path_find(dt, m);
	if (p == NULL) {
		unsigned i = slot_take(&dt->npaths, &dt->path_next,
		    DETECT_MAX_PATHS);

		p = &dt->paths[i];
		if (p->used)
			path_unlink(dt, i);
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->cap_idx = m->cap_idx;
		p->src = m->src;
		p->dst = m->dst;
		path_link(dt, i);
	}
	if (p->answered < UINT32_MAX)
		p->answered++;
	if (len > p->max_len) {
		p->max_len = len;
		p->frame = m->frame;
		p->ts_ns = m->ts_ns;
		text_copy_str(p->method, sizeof(p->method), method_of(m));
	}
}

/* The error that refused request m, NULL none. */
static const struct detect_toobig *
refusal(const struct detect *dt, const struct dmsg *m)
{
	for (unsigned i = 0; i < dt->ntoobig; i++) {
		const struct detect_toobig *t = &dt->toobig[i];

		if (t->ev.cap_idx == m->cap_idx &&
		    ep_eq(&t->ev.src, &m->src) && ep_eq(&t->ev.dst, &m->dst) &&
		    t->ev.ts_ns >= m->ts_ns &&
		    t->ev.ts_ns - m->ts_ns < TOOBIG_WINDOW_NS)
			return t;
	}
	return NULL;
}

/* The silent form's path: what passes where m vanished, NULL no case. */
static const struct detect_path *
black_hole(const struct detect *dt, const struct dmsg *m)
{
	const struct detect_path *p;
	uint32_t len = sent_len(m);
	int k = m->retrans < DIALOG_RETRANS_KEPT ? (int)m->retrans :
	    DIALOG_RETRANS_KEPT;

	if (k < OVERSIZE_SILENT_RETRANS || !oversize_silent_schedule(m->retrans,
	    m->retrans_ns[OVERSIZE_SILENT_RETRANS - 1] - m->ts_ns))
		return NULL;
	p = path_find(dt, m);
	return p != NULL && oversize_silent_size(len, m->src.family == 6,
	    p->max_len) ? p : NULL;
}

const struct dmsg *
detect_oversize_request(const struct detect *dt, const struct dialog *d,
    struct detect_oversize *w)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		struct detect_oversize o;

		if (!m->m->is_request || (m->transport & 0x7f) != PKT_UDP ||
		    m->m->method == NULL || dmsg_method_is(m, SIPM_ACK))
			continue;
		memset(&o, 0, sizeof(o));
		o.t = refusal(dt, m);
		if (m->frag_seen > 0 && m->retrans >= 1 &&
		    !answered(d, m, false))
			o.form = OVERSIZE_CUT;
		else if (o.t != NULL && !answered(d, m, true))
			o.form = OVERSIZE_ICMP;
		else if (o.t == NULL && m->frag_seen == 0 &&
		    (o.path = black_hole(dt, m)) != NULL &&
		    !answered(d, m, false))
			/* black_hole's retransmission count first: it refuses
			 * nearly every request without a walk (answered's). */
			o.form = OVERSIZE_SILENT;
		else
			continue;
		if (w != NULL)
			*w = o;
		return m;
	}
	return NULL;
}

/* The retransmissions of m as evidence, up to room for `keep` more. */
static void
retrans_ev(struct finding *f, const struct dmsg *m, const char *what,
    int keep)
{
	uint32_t n = m->retrans < DIALOG_RETRANS_KEPT ? m->retrans :
	    DIALOG_RETRANS_KEPT;

	for (uint32_t i = 0; i < n && f->nev < DETECT_MAX_EVIDENCE - keep;
	    i++)
		detect_ev_at(f, m->cap_idx, m->retrans_frame[i],
		    m->retrans_ns[i], "retransmission", "%s at +%.3f s", what,
		    (double)(m->retrans_ns[i] - m->ts_ns) / 1e9);
}

static void
icmp_ev(struct detect *dt, struct finding *f, const struct dmsg *m,
    const struct detect_toobig *t)
{
	char a[NETADDR_STRLEN], mtu[32];

	ep_ip_str(&t->ev.reporter, a, sizeof(a));
	if (t->ev.reasm) {
		detect_ev_at(f, t->ev.cap_idx, t->ev.frame, t->ev.ts_ns,
		    "ICMP reassembly timeout", "from %s: fragment reassembly "
		    "time exceeded, quoting its first fragment, %u error(s) "
		    "for this flow", a, t->count);
		return;
	}
	if (t->ev.mtu > 0)
		snprintf(mtu, sizeof(mtu), "MTU %u", t->ev.mtu);
	else
		snprintf(mtu, sizeof(mtu), "MTU not given");
	detect_ev_at(f, t->ev.cap_idx, t->ev.frame, t->ev.ts_ns,
	    "ICMP too big", "from %s: %s, quoted datagram %u bytes%s, %u "
	    "error(s) for this flow", a, mtu, t->ev.quoted_len,
	    t->ev.df ? " with DF set" : "", t->count);
	/* IP length against IP length (0: the size sent is not known). */
	if (m->ip_len > 0 && t->ev.quoted_len > m->ip_len && f != NULL) {
		detect_ev_at(f, t->ev.cap_idx, t->ev.frame, t->ev.ts_ns,
		    "grown on the way", "the router quotes it %u bytes "
		    "longer than it was sent: rewritten before the MTU check "
		    "(an ALG)", t->ev.quoted_len - m->ip_len);
		/* The router's copy differs from the one sent: a rewrite
		 * seen across the box, as an inside/outside pair shows it. */
		if (ep_is_private(&m->src))
			detect_hit(dt, HIT_PAIR_REWRITTEN, &f->ev[f->nev - 1],
			    &m->src);
	}
}

void
detect_oversize_drop(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	struct detect_oversize w;
	const struct dmsg *m = detect_oversize_request(dt, d, &w);
	const struct detect_toobig *t = w.t;
	uint32_t sent;
	struct finding *f;
	char a[NETADDR_STRLEN], mtu[32];

	if (m == NULL)
		return;
	sent = sent_len(m);
	switch (w.form) {
	case OVERSIZE_CUT:
		f = detect_finding_add(fs, SYMPTOM_OVERSIZE_DROP, 0.8,
		    explanation, rem, "%s of %u bytes (as its UDP header "
		    "announces) arrived only in part: %u bytes in %u IP "
		    "fragment(s), the rest never; %u retransmission(s) lost "
		    "the same way%s; no response", m->m->method, sent,
		    m->frag_seen, m->nfrags, m->retrans, t != NULL &&
		    t->ev.reasm ? "; the receiver timed out reassembling it" :
		    "");
		detect_ev(f, m, m->m->method, "first fragment: %u of %u bytes "
		    "arrived, in %u fragment(s); the rest of the datagram "
		    "never did", m->frag_seen, sent, m->nfrags);
		if (t != NULL)
			icmp_ev(dt, f, m, t);
		retrans_ev(f, m, "first fragment again, the rest lost", 0);
		return;
	case OVERSIZE_ICMP:
		if (t->ev.reasm) {
			f = detect_finding_add(fs, SYMPTOM_OVERSIZE_DROP, 0.8,
			    explanation, rem, "%s of %u bytes in IP fragments "
			    "never reassembled: ICMP fragment reassembly time "
			    "exceeded from %s, %u time(s); no final response",
			    m->m->method, sent, ep_ip_str(&t->ev.reporter, a,
			    sizeof(a)), t->count);
			detect_ev(f, m, m->m->method, "%u bytes as sent here "
			    "in %u IP fragment(s), %u retransmission(s)", sent,
			    m->nfrags, m->retrans);
			icmp_ev(dt, f, m, t);
			return;
		}
		if (t->ev.mtu > 0)
			snprintf(mtu, sizeof(mtu), "MTU %u", t->ev.mtu);
		else
			snprintf(mtu, sizeof(mtu), "MTU not given");
		f = detect_finding_add(fs, SYMPTOM_OVERSIZE_DROP, 0.9,
		    explanation, rem, "%s of %u bytes dropped for its size: "
		    "ICMP %s (%s) from %s, %u time(s), quoting it at %u bytes; "
		    "no final response", m->m->method, sent,
		    t->ev.src.family == 6 ? "packet too big" :
		    "fragmentation needed", mtu,
		    ep_ip_str(&t->ev.reporter, a, sizeof(a)), t->count,
		    t->ev.quoted_len);
		detect_ev(f, m, m->m->method, "%u bytes as sent here, %u "
		    "retransmission(s)%s", sent, m->retrans,
		    m->nfrags > 1 ? ", in IP fragments" : "");
		icmp_ev(dt, f, m, t);
		return;
	case OVERSIZE_SILENT:
		f = detect_finding_add(fs, SYMPTOM_OVERSIZE_DROP, 0.5,
		    explanation, rem, "%s of %u bytes retransmitted %u time(s) "
		    "with no response at all, while requests of up to %u bytes "
		    "on the same path were answered; no ICMP: a path that "
		    "drops what exceeds its MTU silently", m->m->method, sent,
		    m->retrans, w.path->max_len);
		detect_ev(f, m, m->m->method, "%u bytes%s, unanswered, %u "
		    "retransmission(s) (Timer A/E)", sent, m->nfrags > 1 ?
		    " in IP fragments" : "", m->retrans);
		detect_ev_at(f, m->cap_idx, w.path->frame, w.path->ts_ns,
		    "largest answered", "%s of %u bytes on the same path; %u "
		    "request(s) answered there", w.path->method,
		    w.path->max_len, w.path->answered);
		retrans_ev(f, m, "the same size, no answer", 0);
		return;
	}
}
