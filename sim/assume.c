/*
 * assume.c - far-end assumptions and what the inside capture shows of
 * them (assume.h).
 *
 * Rules (each names the frame that shows it):
 *   farend_dialog_target = source: an in-dialog request from outside
 *     reached a phone whose Contact in that dialog was private (RFC 3261
 *     12.2.1.1 would have sent it to that private address, lost on the
 *     Internet), and a far-end message carried another phone's private
 *     address into this capture untranslated (so no ALG on this router
 *     rewrote the Contact on the way out: the Linux helper only maps
 *     addresses of the flow's own tuple, nf_nat_sip.c map_addr()).
 *   registrar_target = source: likewise for a new request from outside
 *     to a phone whose REGISTER Contact was private.
 *   farend_symmetric_rtp = true: far-end RTP reached a phone whose SDP
 *     address (as the phone wrote it) was private, and either one of its
 *     packets is byte for byte one the phone sent before on that address
 *     (an echo: the far end returns the phone's packets to where they
 *     came from), or it began after the phone's and the capture shows
 *     private addresses crossing untranslated.  Arrival alone is not
 *     enough: an ALG on the capture's router that rewrote the SDP
 *     explains it as well (it is then only said, not inferred).
 *   farend_rport = source: a response reached the phone at the source
 *     port of its request although the request's top Via named another
 *     sent-by port and had no ;rport (RFC 3261 18.2.2 sends it to the
 *     sent-by port), and the capture shows private addresses crossing
 *     untranslated (else an ALG that rewrote the Via to the source
 *     explains it as well: only said).  The opposite (an rport ignored)
 *     does not show inside: the response would be lost.
 *   farend_answers = false: a phone's first request of a call (an INVITE
 *     without To tag) or a REGISTER, over UDP, was sent at least twice
 *     and got no response of any kind (a far end that gets a request
 *     answers its retransmission at the latest, RFC 3261 17.2: with 100
 *     Trying or the response it already sent); and nothing on the path
 *     refused it (no ICMP "fragmentation needed" quoting it, no
 *     "fragment reassembly time exceeded" about it from anyone but its
 *     destination, no fragments of it that never all arrived in the
 *     capture, no other ICMP destination unreachable quoting it from
 *     anyone (admin-prohibited, host or port unreachable: refused, not
 *     silent): what the ingest stage hands on, sim_capture_each_refusals).
 *     A request refused so from a public address was refused beyond the
 *     router: the run fails it under every profile, named by its ICMP
 *     (assume_far_refused); from a private address it is this router's
 *     or its LAN's, which the model stands for.  The far end, or the path
 *     beyond the router, does not answer it: where the model delivers
 *     that request and it gets no answer, the call (registration) fails
 *     as the phone saw it, not "incomplete".  An ICMP that quotes it from
 *     the request's own destination ("fragment reassembly time
 *     exceeded": it got only part of it) is the far end's, and does not
 *     stop the inference; one from anyone else, and any "fragmentation
 *     needed", is a router's (the capture's own, dropping it for its
 *     size), a drop the model decides under each profile.  Nor does a
 *     request whose silence goes with its size, the SILENT form of
 *     oversize_drop (oversize_rule.h, the analyzer's rule): retransmitted
 *     on the Timer A/E schedule, larger than 576 bytes of IP and more
 *     than 200 bytes larger than the largest request answered on the
 *     same path (the phone's source and the far end, address:port), and
 *     not sent in IP fragments by the phone.  Such a request passes or
 *     not by its size on the path, which the profile changes (an ALG
 *     grows it): a far end that does not answer and a path that drops
 *     what is too big look the same inside, so farend_answers stays
 *     true (the model's outside_mtu decides) and its text says why; a
 *     --set farend_answers=false takes it as silent too.  A request the
 *     phone fragmented whose fragments vanish beyond the router, and a
 *     small one nobody answers, keep the inference; the text then names
 *     the larger one left to the MTU model too, and any refused one.
 * Every SIP message counts, several in one TCP segment and one over
 * several segments included (sim_sipread, sim.h).
 * Bounded: at most ASSUME_MAX_* phones, dialogs and media endpoints are
 * remembered; past that, packets add nothing.
 */
#include <stdio.h>
#include <string.h>

#include "assume.h"
#include "run.h"
#include "detect/oversize_rule.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"
#include "sip/sdp.h"
#include "sip/sipmsg.h"

static const char *const knob_names[ASSUME_NKNOBS] = {
	[ASSUME_REGISTRAR_TARGET] = "registrar_target",
	[ASSUME_DIALOG_TARGET] = "farend_dialog_target",
	[ASSUME_SYMMETRIC_RTP] = "farend_symmetric_rtp",
	[ASSUME_RPORT] = "farend_rport",
	[ASSUME_ANSWERS] = "farend_answers",
};

void
assume_init(struct assume_ctx *x)
{
	memset(x, 0, sizeof(*x));
	sim_sipread_init(&x->rd);
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static bool
ep_in(const struct ep *set, int n, const struct ep *e)
{
	int i;

	for (i = 0; i < n; i++)
		if (ep_same_ip(&set[i], e))
			return true;
	return false;
}

static void
ep_add(struct ep *set, int *n, const struct ep *e)
{
	if (!ep_in(set, *n, e) && *n < ASSUME_MAX_PHONES)
		set[(*n)++] = *e;
}

/* The dialog leg of call_id at phone (two phones of one capture can be
 * the two ends of one Call-ID). */
static int
dlg_find(struct assume_ctx *x, const char *call_id, const struct ep *phone,
    bool create)
{
	uint64_t h = str_hash(call_id);
	int i;

	for (i = 0; i < x->ndlg; i++)
		if (x->dlg[i].hash == h && ep_same_ip(&x->dlg[i].phone, phone))
			return i;
	if (!create || x->ndlg >= ASSUME_MAX_DIALOGS)
		return -1;
	memset(&x->dlg[x->ndlg], 0, sizeof(x->dlg[0]));
	x->dlg[x->ndlg].hash = h;
	x->dlg[x->ndlg].phone = *phone;
	return x->ndlg++;
}

static int
med_find(struct assume_ctx *x, const struct ep *e)
{
	int i;

	for (i = 0; i < x->nmed; i++)
		if (ep_eq(&x->med[i].e, e))
			return i;
	return -1;
}

/* The IP length of a datagram of p's UDP payload (IPv4 without options). */
static uint32_t
ip_len(const struct sim_pkt *p)
{
	return (uint32_t)p->len + 8 + (p->src.family == 6 ? 40 : 20);
}

/* A phone's UDP request (not ACK) to outside: its size, kept in a ring
 * until a response says its path passes that much. */
static void
sent_note(struct assume_ctx *x, const struct sim_pkt *p,
    const struct sipmsg *m)
{
	uint64_t h = str_hash(m->call_id), mh = str_hash(m->method);
	unsigned r;

	if (h == 0)
		h = 1;
	for (r = 0; r < ASSUME_MAX_SENT && r < x->nsent; r++)
		if (x->sent[r].hash == h && x->sent[r].method == mh &&
		    x->sent[r].cseq == m->cseq && ep_eq(&x->sent[r].src, &p->src) &&
		    ep_eq(&x->sent[r].dst, &p->dst))
			return;         /* a retransmission */
	r = x->nsent++ % ASSUME_MAX_SENT;
	x->sent[r].hash = h;
	x->sent[r].method = mh;
	x->sent[r].cseq = m->cseq;
	x->sent[r].src = p->src;
	x->sent[r].dst = p->dst;
	x->sent[r].ip_len = ip_len(p);
}

/* The path from src to dst, or -1. */
static int
path_find(const struct assume_ctx *x, const struct ep *src,
    const struct ep *dst)
{
	int i;

	for (i = 0; i < ASSUME_MAX_PATHS; i++)
		if (x->path[i].src.family != 0 && ep_eq(&x->path[i].src, src) &&
		    ep_eq(&x->path[i].dst, dst))
			return i;
	return -1;
}

/* The path from src to dst, a new one when there is none (the oldest
 * replaced when all are in use). */
static int
path_take(struct assume_ctx *x, const struct ep *src, const struct ep *dst)
{
	int i;

	if ((i = path_find(x, src, dst)) >= 0)
		return i;
	for (i = 0; i < ASSUME_MAX_PATHS; i++)
		if (x->path[i].src.family == 0)
			break;
	if (i == ASSUME_MAX_PATHS) {
		i = (int)x->path_next;
		x->path_next = (x->path_next + 1) % ASSUME_MAX_PATHS;
	}
	memset(&x->path[i], 0, sizeof(x->path[0]));
	x->path[i].src = *src;
	x->path[i].dst = *dst;
	return i;
}

/* A response from outside to a phone: the request it answers passed its
 * path (the response comes back from where the request went, to where it
 * came from). */
static void
path_answered(struct assume_ctx *x, const struct sim_pkt *p,
    const struct sipmsg *m, uint64_t h)
{
	unsigned r;
	int i;

	if (m->cseq_method == NULL)
		return;
	if (h == 0)
		h = 1;
	for (r = 0; r < ASSUME_MAX_SENT && r < x->nsent; r++) {
		if (x->sent[r].hash != h || x->sent[r].cseq != m->cseq ||
		    x->sent[r].method != str_hash(m->cseq_method) ||
		    !ep_eq(&x->sent[r].src, &p->dst) ||
		    !ep_eq(&x->sent[r].dst, &p->src))
			continue;
		i = path_take(x, &p->dst, &p->src);
		if (x->sent[r].ip_len > x->path[i].max_len) {
			x->path[i].max_len = x->sent[r].ip_len;
			x->path[i].frame = p->frame;
		}
	}
}

/* The awaited request of Call-ID hash h and CSeq from src, or -1. */
static int
tx_find(const struct assume_ctx *x, uint64_t h, uint32_t cseq,
    const struct ep *src)
{
	int i;

	for (i = 0; i < ASSUME_MAX_TX; i++)
		if (x->tx[i].hash == h && x->tx[i].cseq == cseq &&
		    ep_eq(&x->tx[i].src, src))
			return i;
	return -1;
}

/*
 * A phone's INVITE (first of a call) or REGISTER over UDP: a new
 * transmission of one awaited, or a new one.  A new request takes a free
 * slot or the one of an answered request; when every slot awaits an
 * answer, it is not followed (bounded).
 */
static void
tx_sent(struct assume_ctx *x, const struct sim_pkt *p, const struct sipmsg *m)
{
	uint64_t h = str_hash(m->call_id);
	struct assume_tx *t;
	int i, k;

	if (h == 0)
		h = 1;
	if ((i = tx_find(x, h, m->cseq, &p->src)) >= 0) {
		t = &x->tx[i];
		if (!ep_eq(&t->dst, &p->dst))
			return;
		t->last_ns = p->ts_ns;
		if (++t->ntx == 1 + OVERSIZE_SILENT_RETRANS)
			t->fourth_ns = p->ts_ns;
		return;
	}
	for (k = 0, i = -1; k < ASSUME_MAX_TX && i < 0; k++) {
		int s = (int)((x->tx_seq + (uint64_t)k) % ASSUME_MAX_TX);

		if (x->tx[s].hash == 0 || x->tx[s].answered)
			i = s;
	}
	if (i < 0)
		return;
	x->tx_seq = (uint64_t)i + 1;
	t = &x->tx[i];
	memset(t, 0, sizeof(*t));
	t->hash = h;
	t->cseq = m->cseq;
	t->invite = strcmp(m->method, "INVITE") == 0;
	t->src = p->src;
	t->dst = p->dst;
	t->ntx = 1;
	t->first_ns = t->last_ns = p->ts_ns;
	t->frame = p->frame;
	t->ip_len = ip_len(p);
	t->phone_frags = p->nfrags > 1;
}

/* A response from outside to a phone: its request is answered. */
static void
tx_answered(struct assume_ctx *x, const struct sim_pkt *p,
    const struct sipmsg *m, uint64_t h)
{
	int i;

	if (h == 0)
		h = 1;
	/* at any port of the phone: a far end may answer to the Via's */
	for (i = 0; i < ASSUME_MAX_TX; i++)
		if (x->tx[i].hash == h && x->tx[i].cseq == m->cseq &&
		    ep_same_ip(&x->tx[i].src, &p->dst) && m->cseq_method != NULL &&
		    strcmp(m->cseq_method, x->tx[i].invite ? "INVITE" :
		    "REGISTER") == 0)
			x->tx[i].answered = true;
}

/* A message from a phone (a private source) to outside. */
static void
from_phone(struct assume_ctx *x, const struct sim_pkt *p, const struct sipmsg *m)
{
	bool priv_contact = m->ncontact > 0 && m->contact[0].addr.family != 0 &&
	    ep_is_private(&m->contact[0].addr);
	int k, di;

	ep_add(x->phones, &x->nphones, &p->src);
	if (m->is_request && m->nvia > 0 && m->via[0].rport == 0 &&
	    m->via[0].sent_by.family != 0 &&
	    m->via[0].sent_by.port != p->src.port) {
		unsigned r = x->nreq++ % ASSUME_MAX_REQS;

		x->req[r].hash = str_hash(m->call_id);
		x->req[r].cseq = m->cseq;
		x->req[r].src = p->src;
		x->req[r].via_port = m->via[0].sent_by.port;
	}
	if (m->is_request && strcmp(m->method, "REGISTER") == 0 && priv_contact)
		ep_add(x->reg_private, &x->nreg, &p->src);
	if (m->is_request && p->l4 == PKT_UDP && strcmp(m->method, "ACK") != 0)
		sent_note(x, p, m);
	if (m->is_request && p->l4 == PKT_UDP &&
	    (strcmp(m->method, "REGISTER") == 0 ||
	    (strcmp(m->method, "INVITE") == 0 &&
	    (m->to_tag == NULL || m->to_tag[0] == '\0'))))
		tx_sent(x, p, m);
	if (m->ncontact > 0 && (di = dlg_find(x, m->call_id, &p->src, true)) >= 0)
		x->dlg[di].contact_private = priv_contact;
	for (k = 0; m->sdp != NULL && k < m->sdp->nmedia; k++) {
		struct ep e = m->sdp->media[k].conn;

		if (e.family == 0 || m->sdp->media[k].port == 0 ||
		    !ep_is_private(&e) || !ep_same_ip(&e, &p->src) ||
		    med_find(x, &e) >= 0 || x->nmed >= ASSUME_MAX_MEDIA)
			continue;
		memset(&x->med[x->nmed], 0, sizeof(x->med[0]));
		x->med[x->nmed].e = e;
		x->med[x->nmed].e.port = m->sdp->media[k].port;
		x->nmed++;
	}
}

/* True when e is the private address of a phone of this capture other
 * than the one at to. */
static bool
other_phone(const struct assume_ctx *x, const struct ep *e, const struct ep *to)
{
	return e->family != 0 && ep_is_private(e) && !ep_same_ip(e, to) &&
	    ep_in(x->phones, x->nphones, e);
}

/* A message from outside (a public source) to a phone. */
static void
to_phone(struct assume_ctx *x, const struct sim_pkt *p, const struct sipmsg *m)
{
	int k, di;

	if (x->untranslated_frame == 0) {
		bool leak = m->ncontact > 0 &&
		    other_phone(x, &m->contact[0].addr, &p->dst);

		for (k = 0; !leak && m->sdp != NULL && k < m->sdp->nmedia; k++)
			leak = other_phone(x, &m->sdp->media[k].conn, &p->dst);
		if (leak)
			x->untranslated_frame = p->frame;
	}
	if (!m->is_request) {
		uint64_t h = str_hash(m->call_id);
		unsigned r;

		tx_answered(x, p, m, h);
		if (p->l4 == PKT_UDP)
			path_answered(x, p, m, h);

		for (r = 0; x->rport_frame == 0 && r < ASSUME_MAX_REQS &&
		    r < x->nreq; r++)
			if (x->req[r].hash == h && x->req[r].cseq == m->cseq &&
			    ep_eq(&x->req[r].src, &p->dst)) {
				x->rport_frame = p->frame;
				x->rport_via = x->req[r].via_port;
				x->rport_src = x->req[r].src.port;
			}
		return;
	}
	if (m->to_tag != NULL && m->to_tag[0] != '\0') {
		di = dlg_find(x, m->call_id, &p->dst, false);
		if (di >= 0 && x->dlg[di].contact_private && x->dialog_frame == 0)
			x->dialog_frame = p->frame;
	} else if (x->register_frame == 0 &&
	    ep_in(x->reg_private, x->nreg, &p->dst))
		x->register_frame = p->frame;
}

static uint64_t
bytes_hash(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ *b++) * 1099511628211ULL;
	return h;
}

static void
media(struct assume_ctx *x, const struct sim_pkt *p)
{
	uint64_t h = bytes_hash(p->payload, p->len);
	unsigned k;
	int i;

	if (ep_is_private(&p->src) && (i = med_find(x, &p->src)) >= 0) {
		if (x->med[i].first_out_ns == 0)
			x->med[i].first_out_ns = p->ts_ns;
		x->med[i].sent[x->med[i].nsent++ % 8] = h;
	} else if (!ep_is_private(&p->src) && (i = med_find(x, &p->dst)) >= 0) {
		if (x->med[i].first_in_ns == 0) {
			x->med[i].first_in_ns = p->ts_ns;
			x->med[i].in_frame = p->frame;
			x->med[i].far_src = p->src;
		}
		for (k = 0; x->med[i].echo_frame == 0 && k < 8 &&
		    k < x->med[i].nsent; k++)
			if (x->med[i].sent[k] == h)
				x->med[i].echo_frame = p->frame;
	}
}

/* One SIP message of p (sim_sipread: every one a packet carries). */
static void
observe_msg(void *user, const struct sim_pkt *p, const uint8_t *msg,
    size_t len)
{
	struct assume_ctx *x = user;
	struct sipmsg *m;
	bool src_priv = ep_is_private(&p->src), dst_priv = ep_is_private(&p->dst);

	x->sip_msgs++;
	if (src_priv || dst_priv)
		x->private_sip++;
	if (src_priv == dst_priv)
		return;         /* LAN or public-only: nothing crosses the NAT */
	if ((m = run_sipmsg(msg, len)) == NULL)
		return;
	if (m->call_id != NULL) {
		if (src_priv)
			from_phone(x, p, m);
		else
			to_phone(x, p, m);
	}
	sipmsg_free(m);
}

void
assume_observe(struct assume_ctx *x, const struct sim_pkt *p)
{
	if (p->len == 0)
		return;
	/* a message after CRLF keepalives in its segment counts too */
	if (p->l4 == PKT_UDP && !run_looks_like_sip(p->payload, p->len)) {
		if (ep_is_private(&p->src) != ep_is_private(&p->dst))
			media(x, p);
		return;
	}
	sim_sipread(&x->rd, p, observe_msg, x);
}

void
assume_refused(struct assume_ctx *x, const struct sim_pkt *p)
{
	bool far_end = p->l4 == PKT_ICMP_REASM &&
	    ep_same_ip(&p->reporter, &p->dst);
	int i;

	if (far_end)
		return;         /* its destination got part of it: the far end's */
	/* the quote may be cut before the Call-ID: every awaited request of
	 * that flow sent by then */
	for (i = 0; i < ASSUME_MAX_TX; i++) {
		struct assume_tx *t = &x->tx[i];

		if (t->hash == 0 || !ep_eq(&t->src, &p->src) ||
		    !ep_eq(&t->dst, &p->dst) || t->first_ns > p->ts_ns)
			continue;
		if (p->l4 == PKT_ICMP_SIP_UNREACH && t->nunreach < UINT32_MAX)
			t->nunreach++;
		if (t->refused_frame != 0)
			continue;
		t->refused_frame = p->frame;
		t->refused_l4 = p->l4;
		t->refused_type = p->icmp_type;
		t->refused_code = p->icmp_code;
		t->refused_by = p->reporter;
	}
}

/* The name of an ICMP destination unreachable code (RFC 792, RFC 1812
 * 5.2.7.1; ICMPv6: RFC 4443 3.1), or NULL for one without a name. */
static const char *
unreach_name(int v6, unsigned code)
{
	static const char *const v4[16] = {
		"net unreachable", "host unreachable", "protocol unreachable",
		"port unreachable", "fragmentation needed", "source route failed",
		"destination network unknown", "destination host unknown",
		"source host isolated", "network administratively prohibited",
		"host administratively prohibited", "network unreachable for TOS",
		"host unreachable for TOS", "communication administratively prohibited",
		"host precedence violation", "precedence cutoff in effect",
	};
	static const char *const v6n[7] = {
		"no route to destination", "communication administratively prohibited",
		"beyond scope of source address", "address unreachable",
		"port unreachable", "source address failed ingress/egress policy",
		"reject route to destination",
	};

	if (v6)
		return code < 7 ? v6n[code] : NULL;
	return code < 16 ? v4[code] : NULL;
}

/*
 * Names t's refusal: the ICMP (type, code) and who sent it; an ICMP in
 * the name of the request's own destination is told apart (its host, or
 * a filter on the path writing as it, as Linux's netdev and bridge
 * "reject" do).
 */
static void
refusal_str(const struct assume_tx *t, char *buf, size_t n)
{
	char by[NETADDR_STRLEN];
	const char *name;
	int v6 = t->refused_by.family == 6;

	if (t->refused_l4 != PKT_ICMP_SIP_UNREACH) {
		snprintf(buf, n, "%s",
		    t->refused_l4 == PKT_ICMP_TOOBIG ? "ICMP fragmentation needed" :
		    t->refused_l4 == PKT_ICMP_REASM ?
		    "ICMP fragment reassembly time exceeded" :
		    "fragments that never all arrived");
		return;
	}
	ep_ip_str(&t->refused_by, by, sizeof(by));
	name = unreach_name(v6, t->refused_code);
	snprintf(buf, n, "ICMP%s destination unreachable, %s%scode %u, from %s%s",
	    v6 ? "v6" : "", name != NULL ? name : "", name != NULL ?
	    " " : "", (unsigned)t->refused_code, by,
	    ep_same_ip(&t->refused_by, &t->dst) ?
	    ", the request's destination (its host, or a filter writing in its name)" :
	    ep_is_private(&t->refused_by) ? ", a private address (this router or its LAN)" :
	    ", a router on the path");
}

/* Whether t was refused beyond the router (assume_far_refused). */
static bool
tx_refused_beyond(const struct assume_tx *t)
{
	return t->hash != 0 && !t->answered && t->refused_frame != 0 &&
	    t->refused_l4 == PKT_ICMP_SIP_UNREACH &&
	    t->refused_by.family != 0 && !ep_is_private(&t->refused_by);
}

static bool
tx_refused_beyond_any(const struct assume_ctx *x, const struct assume_tx *t)
{
	(void)x;
	return tx_refused_beyond(t);
}


void
assume_fini(struct assume_ctx *x)
{
	sim_sipread_fini(&x->rd);
}

int
assume_far_rtp_shown(const void *user, const struct ep *e)
{
	const struct assume_ctx *x = user;
	int i;

	for (i = 0; i < x->nmed; i++)
		if (ep_eq(&x->med[i].e, e))
			return x->med[i].first_in_ns != 0;
	return -1;
}

bool
assume_outside_capture(const struct assume_ctx *x)
{
	return x->sip_msgs > 0 && x->private_sip == 0;
}

static void
set_knob(struct sim_cfg *c, struct assumption *a, const char *value,
    uint64_t frame, const char *why)
{
	char err[200];

	if (profile_set(c, a->knob, value, err, sizeof(err)) != 0)
		return;
	a->how = ASSUME_INFERRED;
	a->frame = frame;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

/*
 * A request that reached a phone at frame although the far end, going by
 * the phone's private Contact, could not have sent it there: it used the
 * phone's source, when the capture also shows private addresses crossing
 * untranslated (else an ALG that rewrote the Contact explains it).
 */
static void
infer_source(const struct assume_ctx *x, struct sim_cfg *c,
    struct assumption *a, uint64_t frame, const char *what)
{
	char why[400];

	if (a->how != ASSUME_PROFILE || frame == 0)
		return;
	if (x->untranslated_frame == 0) {
		snprintf(a->why, sizeof(a->why),
		    "frame %llu: %s (a far end using the source, or an ALG that rewrote the Contact)",
		    (unsigned long long)frame, what);
		return;
	}
	snprintf(why, sizeof(why),
	    "%s; frame %llu shows private addresses crossing untranslated", what,
	    (unsigned long long)x->untranslated_frame);
	set_knob(c, a, "source", frame, why);
}

static void infer_answers(const struct assume_ctx *x, struct assumption *a);

void
assume_apply(const struct assume_ctx *x, struct sim_cfg *c,
    bool (*is_set)(void *user, const char *knob), void *user,
    struct sim_assume *out)
{
	char why[400], a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	int k, i;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < ASSUME_NKNOBS; k++) {
		out->a[k].knob = knob_names[k];
		out->a[k].how = is_set != NULL && is_set(user, knob_names[k]) ?
		    ASSUME_SET : ASSUME_PROFILE;
	}
	infer_source(x, c, &out->a[ASSUME_DIALOG_TARGET], x->dialog_frame,
	    "an in-dialog request reached a phone whose Contact was private");
	infer_source(x, c, &out->a[ASSUME_REGISTRAR_TARGET], x->register_frame,
	    "a new request reached a phone registered with a private Contact");
	if (out->a[ASSUME_RPORT].how == ASSUME_PROFILE && x->rport_frame != 0) {
		snprintf(why, sizeof(why),
		    "a response reached the phone's source port %u although its request's Via named port %u without ;rport",
		    x->rport_src, x->rport_via);
		if (x->untranslated_frame == 0)
			snprintf(out->a[ASSUME_RPORT].why, sizeof(why),
			    "frame %llu: %s (a far end answering to the source, or an ALG that rewrote the Via)",
			    (unsigned long long)x->rport_frame, why);
		else {
			size_t l = strlen(why);

			snprintf(why + l, sizeof(why) - l,
			    "; frame %llu shows private addresses crossing untranslated",
			    (unsigned long long)x->untranslated_frame);
			set_knob(c, &out->a[ASSUME_RPORT], "source",
			    x->rport_frame, why);
		}
	}
	if (out->a[ASSUME_SYMMETRIC_RTP].how == ASSUME_PROFILE)
		for (i = 0; i < x->nmed; i++) {
			bool after = x->med[i].first_in_ns != 0 &&
			    x->med[i].first_out_ns != 0 &&
			    x->med[i].first_in_ns >= x->med[i].first_out_ns;

			if (x->med[i].first_in_ns == 0)
				continue;
			ep_str(&x->med[i].far_src, a, sizeof(a));
			ep_str(&x->med[i].e, b, sizeof(b));
			if (x->med[i].echo_frame != 0) {
				snprintf(why, sizeof(why),
				    "RTP from %s to the phone's private SDP address %s returns the phone's own packets: the far end sends to where they come from",
				    a, b);
				set_knob(c, &out->a[ASSUME_SYMMETRIC_RTP], "true",
				    x->med[i].echo_frame, why);
				break;
			}
			if (after && x->untranslated_frame != 0) {
				snprintf(why, sizeof(why),
				    "RTP from %s reached the phone's private SDP address %s after the phone's own; frame %llu shows private addresses crossing untranslated",
				    a, b, (unsigned long long)x->untranslated_frame);
				set_knob(c, &out->a[ASSUME_SYMMETRIC_RTP], "true",
				    x->med[i].in_frame, why);
				break;
			}
			snprintf(out->a[ASSUME_SYMMETRIC_RTP].why, sizeof(why),
			    "frame %llu: RTP from %s reached the phone's private SDP address %s (a far end that latches, or an ALG that rewrote the SDP)",
			    (unsigned long long)x->med[i].in_frame, a, b);
		}
	infer_answers(x, &out->a[ASSUME_ANSWERS]);
	for (k = 0; k < ASSUME_NKNOBS; k++)
		if (k != ASSUME_ANSWERS && profile_get(c, knob_names[k],
		    out->a[k].value, sizeof(out->a[k].value)) == NULL)
			snprintf(out->a[k].value, sizeof(out->a[k].value), "?");
}

/* Whether t was sent again and never answered, nor refused on the path. */
static bool
tx_silent(const struct assume_tx *t)
{
	return t->hash != 0 && !t->answered && t->refused_frame == 0 &&
	    t->ntx >= 2;
}

/*
 * The path of t when t's silence goes with its size (the SILENT form of
 * oversize_drop, oversize_rule.h) and the phone did not fragment it:
 * what passes there, or NULL.
 */
static const struct assume_path *
tx_size_suspect(const struct assume_ctx *x, const struct assume_tx *t)
{
	int i;

	if (t->phone_frags || t->fourth_ns == 0 ||
	    !oversize_silent_schedule(t->ntx - 1, t->fourth_ns - t->first_ns))
		return NULL;
	i = path_find(x, &t->src, &t->dst);
	if (i < 0 || !oversize_silent_size(t->ip_len, t->src.family == 6,
	    x->path[i].max_len))
		return NULL;
	return &x->path[i];
}

/* Says why the unanswered request t does not show a far end that does
 * not answer: its silence goes with its size (path p passes less). */
static void
size_why(char *buf, size_t n, const struct assume_tx *t,
    const struct assume_path *p)
{
	char dst[NETADDR_STRLEN];

	ep_str(&t->dst, dst, sizeof(dst));
	snprintf(buf, n,
	    "frame %llu: the phone's %s to %s, %u bytes of IP sent %u times over %.1f s, went unanswered, but larger than every request answered on the path (%u bytes at most, answered in frame %llu), not fragmented by the phone, and no ICMP: the path MTU may have dropped it (the model's outside_mtu decides); --set outside_mtu=N or farend_answers=false",
	    (unsigned long long)t->frame, t->invite ? "INVITE" : "REGISTER",
	    dst, t->ip_len, t->ntx, (double)(t->last_ns - t->first_ns) / 1e9,
	    p->max_len, (unsigned long long)p->frame);
}

/*
 * farend_answers: false when the capture shows a request of a phone
 * unanswered through all its transmissions and nothing on the path
 * refusing it, unless its silence goes with its size (the rules at the
 * top); the first such request names the frame.  A --set keeps its
 * value; the model's default is true.
 */
/* buf = a, then "; also " and b when both are given (either may be ""). */
static void
join_why(char *buf, size_t n, const char *a, const char *b)
{
	snprintf(buf, n, "%s%s%s", a, a[0] != '\0' && b[0] != '\0' ?
	    "; also " : "", b);
}

static void
infer_answers(const struct assume_ctx *x, struct assumption *a)
{
	const struct assume_tx *t = NULL, *refused = NULL, *big = NULL;
	const struct assume_path *big_path = NULL;
	char dst[NETADDR_STRLEN], small_why[300], big_why[400],
	    refused_why[520], both[720];
	int i;

	big_why[0] = refused_why[0] = '\0';
	if (a->how == ASSUME_SET)
		return;
	a->how = ASSUME_DEFAULT;
	snprintf(a->value, sizeof(a->value), "true");
	for (i = 0; i < ASSUME_MAX_TX; i++) {
		const struct assume_tx *u = &x->tx[i];
		const struct assume_path *p;

		if (tx_silent(u) && (p = tx_size_suspect(x, u)) != NULL) {
			if (big == NULL || u->frame < big->frame) {
				big = u;
				big_path = p;
			}
		} else if (tx_silent(u) && (t == NULL || u->frame < t->frame))
			t = u;
		if (u->hash != 0 && !u->answered && u->refused_frame != 0 &&
		    (refused == NULL || u->frame < refused->frame))
			refused = u;
	}
	if (refused != NULL) {
		char r[200];

		ep_str(&refused->dst, dst, sizeof(dst));
		refusal_str(refused, r, sizeof(r));
		snprintf(refused_why, sizeof(refused_why),
		    "frame %llu: the %s to %s got no answer, and frame %llu shows it refused on the way (%s): %s",
		    (unsigned long long)refused->frame,
		    refused->invite ? "INVITE" : "REGISTER", dst,
		    (unsigned long long)refused->refused_frame, r,
		    tx_refused_beyond(refused) ?
		    "it never reached a far end that stays silent; the run fails it, refused as in the capture" :
		    "a drop the model decides, not the far end");
	}
	if (big != NULL)
		size_why(big_why, sizeof(big_why), big, big_path);
	if (t == NULL) {
		/* nothing makes it false: say what kept it true */
		join_why(a->why, sizeof(a->why), big_why, refused_why);
		return;
	}
	ep_str(&t->dst, dst, sizeof(dst));
	a->how = ASSUME_INFERRED;
	a->frame = t->frame;
	snprintf(a->value, sizeof(a->value), "false");
	snprintf(small_why, sizeof(small_why),
	    "the phone sent its %s to %s %u times over %.1f s and got no answer of any kind; nothing on the path refused it: the far end (or the path beyond the router) does not answer",
	    t->invite ? "INVITE" : "REGISTER", dst, t->ntx,
	    (double)(t->last_ns - t->first_ns) / 1e9);
	/* the larger silent request stays the MTU model's (and a refused
	 * one the path's): named too, so the text holds every request */
	join_why(both, sizeof(both), small_why, big_why);
	join_why(a->why, sizeof(a->why), both, refused_why);
}

bool
assume_own_knob(const char *set, int *value, char *err, size_t errlen)
{
	static const char name[] = "farend_answers=";
	const char *v;

	if (strncmp(set, name, sizeof(name) - 1) != 0)
		return false;
	v = set + sizeof(name) - 1;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "yes") == 0)
		*value = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcmp(v, "no") == 0)
		*value = 0;
	else {
		*value = -1;
		snprintf(err, errlen,
		    "farend_answers: true or false, not '%.40s'", v);
	}
	return true;
}

void
assume_set_answers(struct sim_assume *out, int value)
{
	struct assumption *a = &out->a[ASSUME_ANSWERS];

	a->how = ASSUME_SET;
	a->frame = 0;
	a->why[0] = '\0';
	snprintf(a->value, sizeof(a->value), "%s", value ? "true" : "false");
}

bool
assume_answers_false(const struct sim_assume *out)
{
	return strcmp(out->a[ASSUME_ANSWERS].value, "false") == 0;
}

/*
 * The first awaited request of call_id from phone for which ok(x, t)
 * holds, or NULL.
 */
static const struct assume_tx *
tx_first(const struct assume_ctx *x, const char *call_id,
    const struct ep *phone,
    bool (*ok)(const struct assume_ctx *, const struct assume_tx *))
{
	uint64_t h = str_hash(call_id);
	const struct assume_tx *t = NULL;
	int i;

	if (h == 0)
		h = 1;
	for (i = 0; i < ASSUME_MAX_TX; i++)
		if (x->tx[i].hash == h && ep_same_ip(&x->tx[i].src, phone) &&
		    ok(x, &x->tx[i]) && (t == NULL || x->tx[i].frame < t->frame))
			t = &x->tx[i];
	return t;
}

static bool
tx_silent_unsized(const struct assume_ctx *x, const struct assume_tx *t)
{
	return tx_silent(t) && tx_size_suspect(x, t) == NULL;
}

static bool
tx_silent_any(const struct assume_ctx *x, const struct assume_tx *t)
{
	(void)x;
	return tx_silent(t);
}

/* How often and when t went out. */
static void
tx_transmissions(const struct assume_tx *t, struct sim_silent *out)
{
	out->ntx = t->ntx;
	out->first_ns = t->first_ns;
	out->last_ns = t->last_ns;
	out->frame = t->frame;
}

/* assume_far_silent(_all); sized: also a request whose silence goes with
 * its size. */
static bool
far_silent(const struct assume_ctx *x, const char *call_id,
    const struct ep *phone, struct sim_silent *out, bool sized)
{
	const struct assume_tx *t = tx_first(x, call_id, phone,
	    sized ? tx_silent_any : tx_silent_unsized);

	if (t == NULL)
		return false;
	tx_transmissions(t, out);
	return true;
}

bool
assume_far_silent(const void *user, const char *call_id,
    const struct ep *phone, struct sim_silent *out)
{
	return far_silent(user, call_id, phone, out, false);
}

bool
assume_far_silent_all(const void *user, const char *call_id,
    const struct ep *phone, struct sim_silent *out)
{
	return far_silent(user, call_id, phone, out, true);
}

bool
assume_far_refused(const void *user, const char *call_id,
    const struct ep *phone, struct sim_refusal *out)
{
	const struct assume_tx *t = tx_first(user, call_id, phone,
	    tx_refused_beyond_any);

	if (t == NULL)
		return false;
	tx_transmissions(t, &out->req);
	out->icmp_frame = t->refused_frame;
	out->nicmp = t->nunreach;
	refusal_str(t, out->icmp, sizeof(out->icmp));
	return true;
}

bool
assume_answers_set(const struct sim_assume *out)
{
	return out->a[ASSUME_ANSWERS].how == ASSUME_SET;
}
