/*
 * detect_rewrite.c - alg_rewrite_evidence: traces in the messages that a
 * box on the path rewrote them (ALG-REFERENCE.md section 4), and the
 * opposite trace, a NATed phone's private address left untranslated on
 * the public side.  Both feed the capture verdict (detect.c), per device:
 * the address:port the NATed phone is seen at.
 *
 * Proof (a field translated across a NAT boundary: the finding, and the
 * verdict "likely"):
 *   - one Via branch (RFC 3261 8.1.1.7: the sender writes it once, every
 *     response and every proxied copy carries it unchanged, 8.2.6.2 and
 *     16.6) seen with a private sent-by and a public one: inside, a
 *     response whose Via no longer matches its request; a request seen
 *     before and after the router (0.9);
 *   - one dialog where the same public sender's requests carry its
 *     public address in Contact or Via in some messages and a private
 *     one in others, with no response having told it its public address
 *     in between (a phone learning it from received=/rport does that):
 *     an ALG that misses some messages, e.g. a SIP message split over
 *     TCP segments (0.8);
 *   - Via received= in a response from a public address equal to the
 *     phone's private sent-by (0.8);
 *   - inside and outside captures read together: one message (same CSeq,
 *     method or status, top Via branch, within 1 s) whose Contact or c=
 *     is the private sender inside and the public sender outside (0.9);
 *   - a public c= (= packet source) beside a private a=rtcp or i= line
 *     (Linux nf_nat_sip never rewrites a=rtcp, Fortinet adds i=) (0.7).
 * Rewriting without the NAT shown: the Content-Length not matching the
 * body (the Linux helper recomputes it from v=, wrong for multipart; a
 * body cut mid-line means the declared length is short), UDP only (0.6);
 * never on a message only partly seen (its fragments lost: short by
 * loss, not by a rewrite).
 * Support only (cited when one of the above makes a finding, never one
 * on its own; ALG-REFERENCE 4.1 and issue 16.1): a private address in an
 * opaque token (the Call-ID host) or in o= beside public fields; only
 * private ICE host candidates under a public c=; an RTP stream from the
 * public c= address but another port than its m=.  A STUN-aware phone, a
 * PBX with an external-address setting or a cloud PBX on private VPC
 * addresses leaves exactly these traces with no ALG on the path.
 * Against an ALG (verdict only, no finding): a request or response from
 * a public address whose Contact or c= is private, or whose only Via
 * names a private sent-by (any method: an ALG translates the top Via of
 * every request it passes, and a response carries its request's; not
 * beside a Contact or c= naming the public source, detect_msg_via_leak);
 * received= showing a public address for a private sent-by.  A
 * registrar's 2xx listing bindings, and a server's request to a
 * registered Contact, are the server's view of the phone, not the
 * phone's message: their Contact and SDP never counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/text.h"
#include "detect/detect_int.h"

static const char explanation[] =
    "Something between the phone and the far end rewrote this SIP "
    "message: some fields carry the public NAT address while others that "
    "a SIP ALG does not touch (Call-ID, a=rtcp, o=, i=, ICE candidates) "
    "still carry the private one, or the Content-Length no longer "
    "matches the body, or a response's Via received= was changed back to "
    "the phone's private address.  A SIP ALG is active on the path; its "
    "partial rewrites are a common cause of one-way audio, failed "
    "transfers and calls dropped at 32 s.";
static const char rem[] =
    "Disable the SIP ALG (SIP inspection, SIP helper, SIP passthrough) on "
    "the router or firewall: see --fix VENDOR for the steps on common "
    "equipment.  Then handle NAT at the phone/PBX (STUN, rport, outbound "
    "proxy) or on the server (NAT helper, SBC).";

/* Supporting evidence kept until the dialog shows proof (at most). */
#define SUPPORT_MAX 4

struct acc {
	struct finding *f;
	struct findings *fs;
	double conf;
	struct evidence support[SUPPORT_MAX];
	int nsupport;
};

static struct finding *
acc_get(struct acc *ac, double conf)
{
	if (ac->f == NULL)
		ac->f = detect_finding_add(ac->fs, SYMPTOM_ALG_REWRITE_EVIDENCE,
		    conf, explanation, rem, "messages show signs of rewriting by a "
		    "SIP ALG");
	if (ac->f != NULL && conf > ac->f->confidence)
		ac->f->confidence = conf;
	return ac->f;
}

#define nat_private detect_nat_private

/* A message of d between two private hosts (an inside B2BUA leg). */
static bool
private_leg(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (nat_private(&d->msgs[i].src) && nat_private(&d->msgs[i].dst))
			return true;
	return false;
}

static bool
public_src(const struct dmsg *m)
{
	return m->src.family != 0 && !detect_src_private(m);
}

/* No SDP, or its audio c= is not a private address. */
static bool
nat_private_sdp_free(const struct sipmsg *s)
{
	const struct sdp_media *am = s->sdp ? detect_audio_media(s->sdp) : NULL;

	return am == NULL || !am->has_conn || !nat_private(&am->conn);
}

/* Copies evidence just added to f into the verdict as hit k. */
static void
hit_last(struct detect *dt, enum alg_hit k, const struct finding *f,
    const struct ep *dev)
{
	if (f != NULL && f->nev > 0)
		detect_hit(dt, k, &f->ev[f->nev - 1], dev);
	else
		detect_hit(dt, k, NULL, dev);
}

/*
 * Supporting evidence (kind k) tied to message m: counted for the
 * verdict now, cited in the finding only if the dialog shows proof.
 */
static void
support(struct detect *dt, struct acc *ac, enum alg_hit k,
    const struct dmsg *m, const struct ep *dev, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
support(struct detect *dt, struct acc *ac, enum alg_hit k,
    const struct dmsg *m, const struct ep *dev, const char *field,
    const char *fmt, ...)
{
	struct evidence ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	if (m != NULL) {
		ev.cap_idx = m->cap_idx;
		ev.frame = m->frame;
		ev.ts_ns = m->ts_ns;
	}
	snprintf(ev.field, sizeof(ev.field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(ev.value, sizeof(ev.value), fmt, ap);
	va_end(ap);
	detect_hit(dt, k, &ev, dev);
	if (ac->nsupport < SUPPORT_MAX)
		ac->support[ac->nsupport++] = ev;
}

/* First private IPv4/IPv6 literal in free text (an i= line), or -1. */
static int
text_private_ip(const char *s, struct ep *e)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && (s[j] == '.' || s[j] == ':' ||
		    (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f') ||
		    (s[j] >= 'A' && s[j] <= 'F')))
			j++;
		if (j > i) {
			ep_clear(e);
			if (ep_parse_ip(e, s + i, j - i) == 0 && nat_private(e))
				return 0;
			i = j;
		} else {
			i++;
		}
	}
	return -1;
}

/* A request to a private Request-URI host: a server's request to a
 * registered Contact (or a relay passing one on). */
static bool
to_registered(const struct dmsg *m)
{
	return m->m->is_request && m->m->ruri_addr.family != 0 &&
	    nat_private(&m->m->ruri_addr) && !detect_src_private(m);
}

static void
check_residue(struct detect *dt, const struct dialog *d, const struct dmsg *m,
    struct acc *ac)
{
	const struct sipmsg *s = m->m;
	const struct sdp_media *am = s->sdp ? detect_audio_media(s->sdp) : NULL;
	bool pub_via, pub_contact, pub_c;
	struct ep e;
	char a[NETADDR_STRLEN];
	const char *what = NULL;
	char val[200];
	struct finding *f;
	bool strong = true;

	if (detect_src_private(m) || m->src.family == 0 || to_registered(m))
		return;
	pub_via = s->is_request && s->nvia > 0 &&
	    ep_same_ip(&s->via[0].sent_by, &m->src);
	pub_contact = s->ncontact > 0 && ep_same_ip(&s->contact[0].addr,
	    &m->src);
	pub_c = am != NULL && am->has_conn && ep_same_ip(&am->conn, &m->src);
	if (!pub_via && !pub_contact && !pub_c)
		return;
	if (am != NULL && am->has_rtcp && nat_private(&am->rtcp) &&
	    pub_c) {
		what = "a=rtcp";
		snprintf(val, sizeof(val), "%s", ep_str(&am->rtcp, a,
		    sizeof(a)));
	} else if (s->sdp != NULL && pub_c && s->sdp->origin.family != 0 &&
	    nat_private(&s->sdp->origin)) {
		what = "o=";
		snprintf(val, sizeof(val), "%s", s->sdp->origin_text);
		strong = false;
	} else if (s->sdp != NULL && s->sdp->has_i &&
	    text_private_ip(s->sdp->i_line, &e) == 0) {
		what = "i=";
		snprintf(val, sizeof(val), "%s", s->sdp->i_line);
	} else if (s->is_request && !detect_msg_to_tag(m) && s->nvia == 1 &&
	    !private_leg(d) &&
	    (pub_via || pub_contact) && nat_private_sdp_free(s) &&
	    detect_callid_ip(s->call_id, &e) == 0 && nat_private(&e)) {
		/*
		 * Only the sender of an out-of-dialog request with a single
		 * Via wrote its Call-ID (responses and proxied requests carry
		 * someone else's), and an ALG leaves no private c= behind.
		 * A leg between two private hosts with the same Call-ID is a
		 * B2BUA/SBC passing it through, not a NAT.
		 */
		what = "Call-ID";
		snprintf(val, sizeof(val), "%s", s->call_id);
		strong = false;
	}
	if (what != NULL && strong) {
		f = acc_get(ac, 0.7);
		detect_ev(f, m, pub_c ? "c=" : pub_contact ? "Contact" : "Via",
		    "%s (public, = packet source %s)", pub_c ? am->conn_text :
		    pub_contact ? s->contact[0].uri : s->via[0].host,
		    ep_ip_str(&m->src, a, sizeof(a)));
		detect_ev(f, m, what, "%s (private, left untranslated)", val);
		hit_last(dt, HIT_PRIVATE_RESIDUE, f, &m->src);
	} else if (what != NULL) {
		support(dt, ac, what[0] == 'o' ? HIT_ORIGIN_RESIDUE :
		    HIT_OPAQUE_RESIDUE, m, &m->src, what, "%s (private, beside "
		    "public %s %s; a phone writing its public address leaves "
		    "it too)", val, pub_c ? "c=" : pub_contact ? "Contact" :
		    "Via", ep_ip_str(&m->src, a, sizeof(a)));
	}
	if (am != NULL && pub_c && am->ncand > 0) {
		bool all_host_private = true;

		for (int k = 0; k < am->ncand; k++)
			if (strcmp(am->cand[k].type, "host") != 0 ||
			    !ep_is_private(&am->cand[k].addr))
				all_host_private = false;
		if (all_host_private)
			support(dt, ac, HIT_ICE_RESIDUE, m, &m->src,
			    "a=candidate", "only private host candidates (%s) "
			    "under public c=%s", ep_str(&am->cand[0].addr, a,
			    sizeof(a)), am->conn_text);
	}
}

static void
check_content_length(struct detect *dt, const struct dmsg *m, struct acc *ac)
{
	const struct sipmsg *s = m->m;
	struct finding *f;
	bool cut;

	/* From m's memo: the body's end is the far end of its block. */
	if (!detect_msg_cl_off(m))
		return;
	(void)detect_content_length_off(m, &cut);
	f = acc_get(ac, 0.6);
	detect_ev(f, m, "Content-Length", "%lld declared, body %s %zu bytes",
	    (long long)s->content_length, cut ? "cut mid-line at" : "is",
	    s->body_len);
	hit_last(dt, HIT_CONTENT_LENGTH, f, &m->src);
}

static void
check_received(struct detect *dt, const struct dmsg *m, struct acc *ac)
{
	const struct sipmsg *s = m->m;
	const struct sipmsg_via *v;
	struct ep r;
	struct finding *f;
	struct evidence ev;

	/* received= from m's memo: its string is in the block's far end. */
	if (s->is_request || s->nvia < 1 || detect_src_private(m) ||
	    m->src.family == 0 || !detect_msg_received(m))
		return;
	v = &s->via[0];
	if (v->sent_by.family == 0 ||
	    !nat_private(&v->sent_by))
		return;
	ep_clear(&r);
	if (ep_parse_ip(&r, v->received, strlen(v->received)) != 0)
		return;
	if (ep_same_ip(&r, &v->sent_by)) {
		f = acc_get(ac, 0.8);
		detect_ev(f, m, "Via received=", "%s = the phone's own private "
		    "sent-by %s, in a response from a public server",
		    v->received, v->host);
		hit_last(dt, HIT_RECEIVED_RESTORED, f, &m->dst);
	} else if (!ep_is_private(&r)) {
		memset(&ev, 0, sizeof(ev));
		ev.cap_idx = m->cap_idx;
		ev.frame = m->frame;
		ev.ts_ns = m->ts_ns;
		snprintf(ev.field, sizeof(ev.field), "Via received=");
		snprintf(ev.value, sizeof(ev.value), "%s (public) for private "
		    "sent-by %s: the server saw the NAT and nothing restored it",
		    v->received, v->host);
		detect_hit(dt, HIT_NOALG_RECEIVED_PUBLIC, &ev, &m->dst);
	}
}

static void
check_leak(struct detect *dt, const struct dmsg *m)
{
	const struct sipmsg *s = m->m;
	const struct sdp_media *am;
	const struct ep *dev = &m->src;
	struct evidence ev;
	char a[NETADDR_STRLEN], v[NETADDR_STRLEN];
	const char *field, *val;
	bool own;

	if (detect_src_private(m) || m->src.family == 0 ||
	    (dt->dlg_kinds & 1u << HIT_NOALG_PRIVATE_LEAK) != 0)
		return;
	/*
	 * A registrar lists the bindings it holds in its 2xx, and a server's
	 * request to a registered Contact carries what it was told: neither
	 * is the phone's own Contact or SDP.  Once per dialog.
	 */
	own = !(!s->is_request && dmsg_cseq_is(m, SIPM_REGISTER)) &&
	    !to_registered(m);
	am = s->sdp ? detect_audio_media(s->sdp) : NULL;
	if (own && s->ncontact > 0 && s->contact[0].addr.family != 0 &&
	    nat_private(&s->contact[0].addr)) {
		field = "Contact";
		val = s->contact[0].uri;
	} else if (own && am != NULL && am->has_conn && am->port != 0 &&
	    !detect_ep_unspecified(&am->conn) && nat_private(&am->conn) &&
	    !detect_msg_partly_rewritten(m)) {
		field = "c=";
		val = am->conn_text;
	} else if ((dev = detect_msg_via_leak(m)) != NULL) {
		/* The Via a request (or the request a response answers)
		 * carried: any method, as an ALG translates any. */
		field = "Via";
		val = ep_str(&s->via[0].sent_by, v, sizeof(v));
	} else {
		return;
	}
	/* The evidence only for a leak: most messages have none. */
	memset(&ev, 0, sizeof(ev));
	ev.cap_idx = m->cap_idx;
	ev.frame = m->frame;
	ev.ts_ns = m->ts_ns;
	snprintf(ev.field, sizeof(ev.field), "%s", field);
	if (s->is_request || field[0] != 'V')
		snprintf(ev.value, sizeof(ev.value), "%s (private) sent from "
		    "public %s: not translated", val,
		    ep_ip_str(&m->src, a, sizeof(a)));
	else
		snprintf(ev.value, sizeof(ev.value), "%s (private) in a "
		    "response to public %s: its request left untranslated",
		    val, ep_ip_str(&m->dst, a, sizeof(a)));
	detect_hit(dt, HIT_NOALG_PRIVATE_LEAK, &ev, dev);
}

static void
check_mport(struct detect *dt, const struct dialog *d, struct acc *ac)
{
	char a[NETADDR_STRLEN];

	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *st = d->streams[i];
		bool ip_match = false, port_match = false;
		const struct dmsg *sdpm = NULL;

		if (st->packets < 10 || ep_is_private(&st->src))
			continue;
		for (size_t k = 0; k < d->nmsgs; k++) {
			const struct sdp *s = d->msgs[k].m->sdp;

			for (int j = 0; s != NULL && j < s->nmedia; j++) {
				if (!ep_same_ip(&s->media[j].conn, &st->src))
					continue;
				if (!ep_same_ip(&d->msgs[k].src, &st->src))
					continue;
				ip_match = true;
				sdpm = &d->msgs[k];
				if (s->media[j].port == st->src.port)
					port_match = true;
			}
		}
		if (!ip_match || port_match)
			continue;
		support(dt, ac, HIT_MPORT_MISMATCH, sdpm, &sdpm->src, "m= port",
		    "SDP announces %s with another port than the RTP really "
		    "uses (%s)", detect_audio_media(sdpm->m->sdp) ?
		    detect_audio_media(sdpm->m->sdp)->conn_text : "?",
		    ep_str(&st->src, a, sizeof(a)));
		return;
	}
}

/*
 * What the pairing of copies reads of one message: a dmsg in a dialog,
 * or a response noted for another dialog (struct detect_copy).  branch
 * NULL: no Via.
 */
struct copy_key {
	bool is_request;
	uint32_t cseq;
	int status;
	const char *method, *cseq_method, *branch;
	uint32_t cap_idx;
	const struct ep *src, *dst;
	int64_t ts_ns;
};

static void
key_of_msg(const struct dmsg *m, struct copy_key *k)
{
	const struct sipmsg *x = m->m;

	k->is_request = x->is_request;
	k->cseq = x->cseq;
	k->status = x->status;
	k->method = x->method;
	k->cseq_method = x->cseq_method;
	k->branch = x->nvia > 0 ? x->via[0].branch : NULL;
	k->cap_idx = m->cap_idx;
	k->src = &m->src;
	k->dst = &m->dst;
	k->ts_ns = m->ts_ns;
}

/* A note's method and Via branch (struct detect_copy's key). */
static const char *
copy_method(const struct detect_copy *c)
{
	return c->key;
}

static const char *
copy_branch(const struct detect_copy *c)
{
	return c->key + 16;
}

/* A noted message: a response's method is its CSeq method (sipmsg.h). */
static void
key_of_copy(const struct detect_copy *c, struct copy_key *k)
{
	k->is_request = c->is_request;
	k->cseq = c->cseq;
	k->status = c->status;
	k->method = copy_method(c);
	k->cseq_method = copy_method(c);
	k->branch = copy_branch(c);
	k->cap_idx = c->cap_idx;
	k->src = &c->src;
	k->dst = &c->dst;
	k->ts_ns = c->ts_ns;
}

/*
 * The same message seen at two capture points (inside and outside): on
 * two captures, or in one (a merged inside+outside file, a mirror port)
 * at two translations, with other addresses than a retransmission has.
 * The one pairing rule of copies in the analysis (check_pairs within a
 * dialog, detect_join across two).
 */
static bool
same_copy(const struct copy_key *a, const struct copy_key *b)
{
	int64_t dt = a->ts_ns - b->ts_ns;

	if ((a->cap_idx == b->cap_idx && ep_eq(a->src, b->src) &&
	    ep_eq(a->dst, b->dst)) || a->is_request != b->is_request ||
	    a->cseq != b->cseq || a->status != b->status ||
	    strcmp(a->method, b->method) != 0 ||
	    strcmp(a->cseq_method, b->cseq_method) != 0 ||
	    dt > DETECT_NS || dt < -DETECT_NS)
		return false;
	if (a->branch != NULL && b->branch != NULL &&
	    strcmp(a->branch, b->branch) != 0)
		return false;
	return true;
}

static bool
same_message(const struct dmsg *a, const struct dmsg *b)
{
	struct copy_key x, y;

	/* same_copy's cheapest refusals first, without building keys:
	 * most pairs of a dialog's messages differ here. */
	if (a->m->cseq != b->m->cseq || a->m->status != b->m->status ||
	    a->m->is_request != b->m->is_request)
		return false;
	key_of_msg(a, &x);
	key_of_msg(b, &y);
	return same_copy(&x, &y);
}

/*
 * Inside and outside copies of one message (section 4, "inside + outside
 * capture"): a field equal to the inside sender's private address inside
 * and to the outside sender's public address outside was translated by
 * the box in between.
 */
static void
check_pairs(struct detect *dt, const struct dialog *d, struct acc *ac)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	for (size_t i = 0; i < d->nmsgs; i++) {
		for (size_t j = i + 1; j < d->nmsgs && j < i + 64; j++) {
			const struct dmsg *in = &d->msgs[i], *out = &d->msgs[j];
			const struct sdp_media *ci, *co;
			struct finding *f;
			const char *field = NULL;
			struct ep vi, vo;

			if (!same_message(in, out))
				continue;
			if (!nat_private(&in->src)) {
				const struct dmsg *t = in;

				in = out;
				out = t;
			}
			if (!nat_private(&in->src) || ep_is_private(&out->src))
				continue;
			ci = in->m->sdp ? detect_audio_media(in->m->sdp) : NULL;
			co = out->m->sdp ? detect_audio_media(out->m->sdp) : NULL;
			if (in->m->ncontact > 0 && out->m->ncontact > 0 &&
			    ep_same_ip(&in->m->contact[0].addr, &in->src) &&
			    ep_same_ip(&out->m->contact[0].addr, &out->src)) {
				field = "Contact";
				vi = in->m->contact[0].addr;
				vo = out->m->contact[0].addr;
			} else if (ci != NULL && co != NULL && ci->has_conn &&
			    co->has_conn && ep_same_ip(&ci->conn, &in->src) &&
			    ep_same_ip(&co->conn, &out->src)) {
				field = "c=";
				vi = ci->conn;
				vo = co->conn;
			}
			if (field == NULL)
				continue;
			f = acc_get(ac, 0.9);
			detect_ev(f, out, field, "%s inside (frame %lu of capture "
			    "%u) became %s outside: translated by the NAT box",
			    ep_ip_str(&vi, a, sizeof(a)),
			    (unsigned long)in->frame, in->cap_idx,
			    ep_ip_str(&vo, b, sizeof(b)));
			hit_last(dt, HIT_PAIR_REWRITTEN, f, &out->src);
			return;
		}
	}
}

/* An RFC 3261 branch: unique per transaction, so safe to match on. */
static bool
rfc3261_branch(const char *b)
{
	/* strncmp(b, "z9hG4bK", 7) == 0 && strlen(b) > 9, inline (asked
	 * of every message the join notes): the prefix, then three more
	 * bytes before the end. */
	return b != NULL && b[0] == 'z' && b[1] == '9' && b[2] == 'h' &&
	    b[3] == 'G' && b[4] == '4' && b[5] == 'b' && b[6] == 'K' &&
	    b[7] != '\0' && b[8] != '\0' && b[9] != '\0';
}

/*
 * One Via branch seen with a private sent-by and a public one.  The
 * sender writes its Via once; responses copy it (RFC 3261 8.2.6.2, a
 * server adds received=/rport= only) and proxies add their own above it
 * (16.6), so its sent-by changes only where a box rewrote it in transit.
 */
static void
check_via_branch(struct detect *dt, const struct dialog *d, struct acc *ac)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	bool any_private = false, any_public = false;

	/* A pair below needs a Via sent-by of each class (a private one
	 * and a public one, neither loopback): a dialog without both has
	 * none, and is left after one pass. */
	for (size_t i = 0; i < d->nmsgs && !(any_private && any_public); i++) {
		const struct sipmsg *x = d->msgs[i].m;

		for (int vi = 0; vi < x->nvia; vi++) {
			const struct ep *e = &x->via[vi].sent_by;
			bool p;

			if (e->family == 0)
				continue;
			p = nat_private(e);
			if (ep_is_private(e) != p)
				continue;
			if (p)
				any_private = true;
			else
				any_public = true;
		}
	}
	if (!any_private || !any_public)
		return;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *x = d->msgs[i].m;

		for (int vi = 0; vi < x->nvia; vi++) {
			const struct sipmsg_via *v = &x->via[vi];
			bool vp = nat_private(&v->sent_by);

			/* A pair needs one private sent-by and one public (not
			 * loopback) and the same branch: the cheap tests first,
			 * the branches compared last. */
			if (!rfc3261_branch(v->branch) || v->sent_by.family == 0 ||
			    ep_is_private(&v->sent_by) != vp)
				continue;
			for (size_t j = i + 1; j < d->nmsgs && j < i + 64; j++) {
				const struct sipmsg *y = d->msgs[j].m;

				for (int wi = 0; wi < y->nvia; wi++) {
					const struct sipmsg_via *w = &y->via[wi];
					const struct dmsg *pm, *um;
					const struct sipmsg_via *pv, *uv;
					struct finding *f;
					bool wp;

					if (w->sent_by.family == 0)
						continue;
					wp = nat_private(&w->sent_by);
					if (vp == wp ||
					    ep_is_private(&w->sent_by) != wp ||
					    strcmp(v->branch, w->branch) != 0)
						continue;
					/* pm/pv: the copy with the private sent-by. */
					if (nat_private(&v->sent_by)) {
						pm = &d->msgs[i]; pv = v;
						um = &d->msgs[j]; uv = w;
					} else {
						pm = &d->msgs[j]; pv = w;
						um = &d->msgs[i]; uv = v;
					}
					f = acc_get(ac, 0.9);
					detect_ev(f, pm, "Via", "%s (private) in this %s",
					    ep_str(&pv->sent_by, a, sizeof(a)),
					    pm->m->is_request ? pm->m->method :
					    "response");
					detect_ev(f, um, "Via", "%s (public) in the %s "
					    "of the same branch %.40s: a box on the "
					    "path rewrote the Via",
					    ep_str(&uv->sent_by, b, sizeof(b)),
					    um->m->is_request ? um->m->method :
					    "response", uv->branch);
					hit_last(dt, HIT_VIA_CHANGED, f,
					    &uv->sent_by);
					return;
				}
			}
		}
	}
}

/*
 * The address the sender of a request wrote for itself: Contact, else its
 * Via.  Only requests with one Via: the originating UA sent them itself
 * (a proxy adds its Via; a response may come through a proxy and carry
 * another's Contact).  NULL otherwise.
 */
static const struct ep *
own_addr(const struct sipmsg *s, const char **field)
{
	if (!s->is_request || s->nvia != 1)
		return NULL;
	if (s->ncontact > 0 && s->contact[0].addr.family != 0) {
		*field = "Contact";
		return &s->contact[0].addr;
	}
	if (s->is_request && s->nvia > 0 && s->via[0].sent_by.family != 0) {
		*field = "Via";
		return &s->via[0].sent_by;
	}
	return NULL;
}

/* Did a response before `before` tell `to` its public address ip? */
static bool
told_public(const struct dialog *d, size_t before, const struct ep *to)
{
	for (size_t k = 0; k < before; k++) {
		const struct sipmsg *s = d->msgs[k].m;
		struct ep r;

		if (s->is_request || !ep_eq(&d->msgs[k].dst, to) ||
		    !detect_msg_received(&d->msgs[k]))
			continue;
		ep_clear(&r);
		if (ep_parse_ip(&r, s->via[0].received,
		    strlen(s->via[0].received)) == 0 && ep_same_ip(&r, to))
			return true;
	}
	return false;
}

/*
 * One public sender in one dialog writing its public address in some
 * requests and a private one in others: an ALG that translated some and
 * missed others (a message split over TCP segments, a message larger
 * than it parses).  A phone writes its own address the same way all
 * along, unless a response told it the public one (received=).
 */
static void
check_inconsistent(struct detect *dt, const struct dialog *d, struct acc *ac)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *pm = &d->msgs[i];
		const char *pf, *uf;
		const struct ep *pa = own_addr(pm->m, &pf), *ua;

		if (pa == NULL || !nat_private(pa) || !public_src(pm) ||
		    to_registered(pm))
			continue;
		for (size_t j = 0; j < d->nmsgs; j++) {
			const struct dmsg *um = &d->msgs[j];
			struct finding *f;

			if (j == i || !ep_eq(&um->src, &pm->src) ||
			    to_registered(um))
				continue;
			ua = own_addr(um->m, &uf);
			if (ua == NULL || !ep_same_ip(ua, &um->src))
				continue;
			if (j > i && told_public(d, j, &um->src))
				continue;
			f = acc_get(ac, 0.8);
			detect_ev(f, pm, pf, "%s (private) sent from %s: not "
			    "translated", ep_str(pa, a, sizeof(a)),
			    ep_str(&pm->src, b, sizeof(b)));
			detect_ev(f, um, uf, "%s (public, = packet source) from "
			    "the same sender in the same dialog: translated",
			    ep_str(ua, a, sizeof(a)));
			hit_last(dt, HIT_INCONSISTENT, f, &pm->src);
			return;
		}
	}
}

/* ---- one call seen as two dialogs ---------------------------------- */

/*
 * A message of d the join goes by: d's initial request (every dialog has
 * it on each segment it crosses, answered or not: the phone's
 * retransmissions of an INVITE nobody answers are still one call) or a
 * response to it, with an RFC 3261 branch and a From tag, so that two
 * independent calls do not share its key.  An ACK or CANCEL carries the
 * initial request's CSeq number and branch too, but is another message.
 */
static bool
joinable(const struct dialog *d, const struct dmsg *r)
{
	const struct sipmsg *s = r->m;

	if (s->cseq != d->initial_cseq || s->nvia < 1 ||
	    !rfc3261_branch(s->via[0].branch) || s->from_tag == NULL ||
	    s->from_tag[0] == '\0')
		return false;
	return !s->is_request || (!dmsg_method_is(r, SIPM_ACK) &&
	    !dmsg_method_is(r, SIPM_CANCEL));
}

/*
 * Copies a (this dialog's) and b at two translations of one NAT: one
 * end the same, the other a private address in one copy and a public
 * one in the other.  Sets a's segment and the public end.
 */
static bool
translated(const struct copy_key *a, const struct copy_key *b,
    uint8_t *seg, struct ep *pub)
{
	const struct ep *x, *y;

	if (ep_eq(a->src, b->src) && !ep_eq(a->dst, b->dst)) {
		x = a->dst;
		y = b->dst;
	} else if (ep_eq(a->dst, b->dst) && !ep_eq(a->src, b->src)) {
		x = a->src;
		y = b->src;
	} else {
		return false;
	}
	if (nat_private(x) && !ep_is_private(y)) {
		*seg = RTP_SEG_INSIDE;
		*pub = *y;
	} else if (nat_private(y) && !ep_is_private(x)) {
		*seg = RTP_SEG_OUTSIDE;
		*pub = *x;
	} else {
		return false;
	}
	return true;
}

/* A note's To tag (struct detect_copy). */
static const char *
copy_to_tag(const struct detect_copy *c)
{
	return c->key + c->key_len;
}

/*
 * Fills note c's key from the method, Via branch and From tag of s,
 * truncated to 15, 79 and 63 bytes, and its To tag (63): the packed
 * strings end in zeros up to key_len, the used bytes rounded up to NH's
 * 16-byte words (a typical key is 64 bytes: hashing the whole 160 took
 * most of a note's time).  Only those bytes are written: c comes from
 * copy_new not zeroed (zeroing the whole note wrote twice the lines a
 * note with short strings reads).
 */
static void
copy_key_set(struct detect_copy *c, const struct sipmsg *s)
{
	size_t ml = strnlen(s->method, 15);
	size_t bl = strnlen(s->via[0].branch, 79);
	size_t fl = strnlen(s->from_tag, 63);
	const char *to = s->to_tag != NULL ? s->to_tag : "";
	size_t used;

	_Static_assert(sizeof(c->key) == 16 + 80 + 64 + 64, "the key's room");
	c->tag_at = (uint8_t)(16 + bl + 1);
	used = (c->tag_at + fl + 1 + 15) / 16 * 16;
	c->key_len = (uint16_t)(used < 64 ? 64 : used);
	memset(c->key, 0, c->key_len);
	memcpy(c->key, s->method, ml);
	memcpy(c->key + 16, s->via[0].branch, bl);
	memcpy(c->key + c->tag_at, s->from_tag, fl);
	text_copy_str(c->key + c->key_len, 64, to);
}

/* The key two copies of one message share (struct detect_copy). */
static uint64_t
copy_hash(const struct detect_copy *c)
{
	return htab_hash_words(c->key, c->key_len) ^
	    htab_mix64(((uint64_t)c->cseq << 32) ^ (uint32_t)c->status);
}

/* The same key: the same strings, so the same packed bytes and length. */
static int
copy_match(const struct hnode *n, const void *key)
{
	const struct detect_copy *a = HTAB_ENTRY(n, struct detect_copy, node);
	const struct detect_copy *b = key;

	return a->cseq == b->cseq && a->status == b->status &&
	    a->is_request == b->is_request && a->key_len == b->key_len &&
	    memcmp(a->key, b->key, a->key_len) == 0;
}

static int
joiner_match(const struct hnode *n, const void *key)
{
	return HTAB_ENTRY(n, struct detect_joiner, node)->dialog_id ==
	    *(const uint64_t *)key;
}

static struct detect_joiner *
joiner_get(const struct detect *dt, uint64_t id)
{
	struct hnode *n = htab_find(&dt->joiners, htab_mix64(id), joiner_match,
	    &id);

	return n != NULL ? HTAB_ENTRY(n, struct detect_joiner, node) : NULL;
}

/* A new record for dialog d, NULL on OOM or at DETECT_COPY_DIALOGS. */
static struct detect_joiner *
joiner_new(struct detect *dt, const struct dialog *d)
{
	size_t n = strnlen(d->call_id, sizeof(d->join.call_id) - 1);
	struct detect_joiner *j;
	char *id;
	size_t size;

	if (dt->joiners.n >= DETECT_COPY_DIALOGS)
		return NULL;
	/* A spare one (its Call-ID's buffer kept if large enough) or a
	 * new one, zeroed as calloc would but for its peers (read only
	 * below npeers, each written whole by pair_one): 192 bytes of a
	 * cold record not written. */
	if ((j = dt->joiner_spare) != NULL) {
		dt->joiner_spare = j->spare;
		id = j->call_id;
		size = j->call_id_size;
		if (size < n + 1) {
			free(id);
			id = NULL;
		}
	} else if ((j = malloc(sizeof(*j))) != NULL) {
		id = NULL;
	} else {
		return NULL;
	}
	if (id == NULL && (id = malloc(size = n + 1)) == NULL) {
		free(j);
		return NULL;
	}
	memset(j, 0, offsetof(struct detect_joiner, peer));
	j->call_id = id;
	j->call_id_size = size;
	text_copy_str(j->call_id, n + 1, d->call_id);
	j->dialog_id = d->id;
	htab_add(&dt->joiners, &j->node, htab_mix64(d->id));
	return j;
}

/* htab_hash of j's Call-ID, taken the first time a miss asks for it
 * (most captures never have a miss: most joiners never hash it). */
static uint64_t
joiner_cid(struct detect_joiner *j)
{
	if (!j->call_id_hashed) {
		j->call_id_hash = htab_hash(j->call_id, strlen(j->call_id),
		    HTAB_SEED);
		j->call_id_hashed = true;
	}
	return j->call_id_hash;
}

/* Frees j once no dialog needs it any more (struct detect_joiner). */
static void
joiner_release(struct detect *dt, struct detect_joiner *j)
{
	if (j->ncopies > 0 || j->refs > 0 || (!j->judged && j->npeers > 0))
		return;
	htab_del(&dt->joiners, &j->node);
	j->spare = dt->joiner_spare;
	dt->joiner_spare = j;
}

/* Bytes of a note's block: whole lines, so that it starts one. */
#define COPY_BLOCK ((sizeof(struct detect_copy) + 63) / 64 * 64)

/*
 * A note, a spare one or a new one, not zeroed: detect_copy_note sets
 * every member but node (htab_add's), and copy_key_set what of the key
 * is read.  Zeroing it wrote six lines of a block last used a second
 * ago, cold, where a note uses three; a new one is 64-byte aligned so
 * that it does.
 */
static struct detect_copy *
copy_new(struct detect *dt)
{
	struct detect_copy *c = dt->copy_spare;

	if (c != NULL)
		dt->copy_spare = c->newer;
	else if ((c = aligned_alloc(64, COPY_BLOCK)) == NULL)
		return NULL;
	return c;
}

/* Keeps note c, no longer linked anywhere, for copy_new. */
static void
copy_put(struct detect *dt, struct detect_copy *c)
{
	c->newer = dt->copy_spare;
	dt->copy_spare = c;
}

/* Forgets the oldest note. */
static void
copy_drop_oldest(struct detect *dt)
{
	struct detect_copy *c = dt->copy_oldest;

	dt->copy_oldest = c->newer;
	if (dt->copy_oldest == NULL)
		dt->copy_newest = NULL;
	htab_del(&dt->copies, &c->node);
	c->owner->ncopies--;
	joiner_release(dt, c->owner);
	copy_put(dt, c);
}

static struct detect_peer *
peer_of(struct detect_joiner *j, uint64_t id)
{
	for (unsigned i = 0; i < j->npeers; i++)
		if (j->peer[i].id == id)
			return &j->peer[i];
	return NULL;
}

/*
 * Pairs a's dialog with b's, mine (a's note) and other (b's) the copies
 * of one message, mine at segment seg: a names b, and b names a while b
 * is not judged yet (a judged dialog reads no pair again).  The
 * evidence kept is a response pair where the call has one (its To tag,
 * the far end's, is one more field the two copies share), else the
 * initial request's.
 */
static void
pair_one(struct detect_joiner *a, const struct detect_copy *mine,
    struct detect_joiner *b, const struct detect_copy *other, uint8_t seg,
    const struct ep *pub)
{
	struct detect_peer *p = peer_of(a, b->dialog_id);

	if (p == NULL) {
		if (a->npeers == DETECT_COPY_PEERS) {
			a->more = true;
			return;
		}
		p = &a->peer[a->npeers++];
		b->refs++;
	} else if (!p->is_request || mine->is_request) {
		return;
	}
	p->id = b->dialog_id;
	p->segment = seg;
	p->pub = *pub;
	p->is_request = mine->is_request;
	p->status = mine->status;
	memcpy(p->method, copy_method(mine), sizeof(p->method));
	p->cap_idx[0] = mine->cap_idx;
	p->frame[0] = mine->frame;
	p->ts_ns[0] = mine->ts_ns;
	p->cap_idx[1] = other->cap_idx;
	p->frame[1] = other->frame;
	p->ts_ns[1] = other->ts_ns;
}

static void
pair(struct detect_joiner *a, const struct detect_copy *ca,
    struct detect_joiner *b, const struct detect_copy *cb, uint8_t seg,
    const struct ep *pub)
{
	pair_one(a, ca, b, cb, seg, pub);
	if (!b->judged)
		pair_one(b, cb, a, ca, seg == RTP_SEG_INSIDE ? RTP_SEG_OUTSIDE :
		    RTP_SEG_INSIDE, pub);
}

/* Forgets the oldest message followed over the per-dialog cap. */
static void
miss_drop_oldest(struct detect *dt)
{
	struct detect_miss *m = dt->miss_oldest;

	dt->miss_oldest = m->newer;
	if (dt->miss_oldest == NULL)
		dt->miss_newest = NULL;
	htab_del(&dt->misses, &m->node);
	free(m);
}

/*
 * Message c of dialog j (Call-ID hash cid), over j's notes: followed for
 * DETECT_NS in case a copy under another Call-ID comes, the one thing
 * its note would have been kept for.  Over DETECT_COPY_MISSES (or on
 * OOM) it cannot be followed: counted at once.
 */
static void
miss_add(struct detect *dt, const struct detect_copy *c, uint64_t h,
    uint64_t cid)
{
	struct detect_miss *m;

	if (dt->misses.n >= DETECT_COPY_MISSES) {
		if (!dt->miss_oldest->counted)
			dt->copies_dropped++;
		miss_drop_oldest(dt);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		dt->copies_dropped++;
		return;
	}
	m->call_id = cid;
	m->ts_ns = c->ts_ns;
	m->cap_idx = c->cap_idx;
	m->src = c->src;
	m->dst = c->dst;
	htab_add(&dt->misses, &m->node, h);
	if (dt->miss_newest != NULL)
		dt->miss_newest->newer = m;
	else
		dt->miss_oldest = m;
	dt->miss_newest = m;
}

/* The hash (64 bits of key and To tag) is the match: a false one could
 * only count a message, never pair one. */
static int
miss_match(const struct hnode *n, const void *key)
{
	(void)n;
	(void)key;
	return 1;
}

/*
 * c (key kc, hash h of key and To tag) of a dialog with Call-ID hash
 * cid: each message not noted that it would have paired with (another
 * Call-ID, a copy at another translation) is a pair the join lost:
 * counted, once.  Returns whether DETECT_COPY_SCAN of that key are
 * followed already (a flood, as for the notes).
 */
static bool
miss_check(struct detect *dt, const struct copy_key *kc, uint64_t h,
    uint64_t cid)
{
	struct hnode *n, *next;
	int scanned = 0;

	for (n = htab_find(&dt->misses, h, miss_match, NULL);
	    n != NULL && scanned++ < DETECT_COPY_SCAN; n = next) {
		struct detect_miss *m = HTAB_ENTRY(n, struct detect_miss, node);
		struct copy_key km = *kc;
		uint8_t seg;
		struct ep pub;

		next = htab_find_next(n, miss_match, NULL);
		km.cap_idx = m->cap_idx;
		km.src = &m->src;
		km.dst = &m->dst;
		km.ts_ns = m->ts_ns;
		if (m->counted || m->call_id == cid || !same_copy(kc, &km) ||
		    !translated(kc, &km, &seg, &pub))
			continue;
		dt->copies_dropped++;
		m->counted = true;
	}
	return scanned > DETECT_COPY_SCAN;
}

void
detect_copy_note(struct detect *dt, const struct dialog *d,
    const struct dmsg *r)
{
	const struct sipmsg *s = r->m;
	struct detect_joiner *j;
	struct detect_copy *c;
	struct copy_key kc;
	struct hnode *n;
	uint64_t h, hm, cid;
	int scanned = 0;
	bool mfull;

	if (!joinable(d, r))
		return;
	/* A note past the copy window pairs with nothing any more; over
	 * the cap, the oldest goes first.  A message not noted and past
	 * the window met no copy under another Call-ID: nothing lost. */
	while (dt->copy_oldest != NULL &&
	    (r->ts_ns - dt->copy_oldest->ts_ns > DETECT_NS ||
	    dt->copies.n >= DETECT_COPY_MAX)) {
		if (r->ts_ns - dt->copy_oldest->ts_ns <= DETECT_NS)
			dt->copies_dropped++;
		copy_drop_oldest(dt);
	}
	while (dt->miss_oldest != NULL &&
	    r->ts_ns - dt->miss_oldest->ts_ns > DETECT_NS)
		miss_drop_oldest(dt);
	j = joiner_get(dt, d->id);
	if (j == NULL && (j = joiner_new(dt, d)) == NULL) {
		dt->copies_dropped++;
		return;
	}
	if ((c = copy_new(dt)) == NULL) {
		dt->copies_dropped++;
		joiner_release(dt, j);
		return;
	}
	c->newer = NULL;
	c->owner = j;
	c->ts_ns = r->ts_ns;
	c->frame = r->frame;
	c->cap_idx = r->cap_idx;
	c->src = r->src;
	c->dst = r->dst;
	c->is_request = s->is_request;
	c->cseq = s->cseq;
	c->status = s->status;
	copy_key_set(c, s);
	h = copy_hash(c);
	key_of_copy(c, &kc);
	/* Its copies on another segment, under another Call-ID. */
	for (n = htab_find(&dt->copies, h, copy_match, c);
	    n != NULL && scanned++ < DETECT_COPY_SCAN;
	    n = htab_find_next(n, copy_match, c)) {
		const struct detect_copy *o = HTAB_ENTRY(n, struct detect_copy,
		    node);
		struct copy_key ko;
		uint8_t seg;
		struct ep pub;

		if (o->owner == j || strcmp(o->owner->call_id, j->call_id) == 0 ||
		    strcmp(copy_to_tag(o), copy_to_tag(c)) != 0)
			continue;
		key_of_copy(o, &ko);
		if (same_copy(&kc, &ko) && translated(&kc, &ko, &seg, &pub))
			pair(j, c, o->owner, o, seg, &pub);
	}
	/* The misses' hash only where it is read: misses to check, or this
	 * message to follow as one (most captures never have any). */
	cid = 0;
	hm = 0;
	mfull = false;
	if (dt->misses.n > 0 || j->ncopies >= DETECT_COPY_PER_DIALOG) {
		cid = joiner_cid(j);
		hm = htab_hash(copy_to_tag(c), strlen(copy_to_tag(c)), h);
		mfull = miss_check(dt, &kc, hm, cid);
	}
	/* A key noted DETECT_COPY_SCAN times already is no message seen at
	 * a few capture points but a flood: not kept, so that no chain of
	 * the table grows with it (aging one out walks its chain). */
	if (scanned > DETECT_COPY_SCAN) {
		dt->copies_dropped++;
		copy_put(dt, c);
		joiner_release(dt, j);
		return;
	}
	/* Over its dialog's notes (several copies of each message under
	 * one Call-ID: two legs through a proxy, a spiral, two capture
	 * points of an ALG that keeps the Call-ID): paired above with the
	 * copies noted before it, not kept; counted only if a copy under
	 * another Call-ID that it would have paired with comes later (or
	 * when it cannot be followed: a flood of its key, too many). */
	if (j->ncopies >= DETECT_COPY_PER_DIALOG) {
		if (mfull)
			dt->copies_dropped++;
		else
			miss_add(dt, c, hm, cid);
		copy_put(dt, c);
		joiner_release(dt, j);
		return;
	}
	htab_add(&dt->copies, &c->node, h);
	if (dt->copy_newest != NULL)
		dt->copy_newest->newer = c;
	else
		dt->copy_oldest = c;
	dt->copy_newest = c;
	j->ncopies++;
}

uint64_t
detect_copies_dropped(const struct detect *dt)
{
	return dt->copies_dropped;
}

void
detect_request_sent(struct detect *dt, const struct dialog *d,
    const struct dmsg *q)
{
	/* Still in cache: what the detectors ask of it, now (after the
	 * note, as detect_request_answered does). */
	detect_msg_memo_soon(d);
	detect_copy_note(dt, d, q);
	detect_msg_memo(d, q);
}

void
detect_join(struct detect *dt, struct dialog *d)
{
	const struct detect_joiner *j, *o;
	const struct detect_peer *p;
	uint8_t other_seg;
	char a[NETADDR_STRLEN], what[64];

	/* Not joined: each member, not the struct's 272 bytes (five cold
	 * lines of the dialog); call_id is only read as a string. */
	d->join.id = 0;
	d->join.call_id[0] = '\0';
	d->join.segment = 0;
	d->join.other_first = false;
	d->join.other_affected = false;
	d->join.counted = 0;
	dt->join_pair = false;
	/* Paired with one dialog; with several, which is this call's
	 * other segment is not known, so none. */
	j = joiner_get(dt, d->id);
	if (j == NULL || j->npeers != 1 || j->more)
		return;
	p = &j->peer[0];
	/* Alive: this dialog holds a reference to it. */
	if ((o = joiner_get(dt, p->id)) == NULL)
		return;
	d->join.id = p->id;
	snprintf(d->join.call_id, sizeof(d->join.call_id), "%s", o->call_id);
	d->join.segment = p->segment;
	d->join.other_first = o->judged;
	d->join.other_affected = o->affected;
	d->join.counted = o->symptoms;
	/* The evidence: the two copies of one message, two Call-IDs. */
	dt->join_pair = true;
	dt->join_dev = p->pub;
	memset(dt->join_ev, 0, sizeof(dt->join_ev));
	for (int k = 0; k < 2; k++) {
		dt->join_ev[k].cap_idx = p->cap_idx[k];
		dt->join_ev[k].frame = p->frame[k];
		dt->join_ev[k].ts_ns = p->ts_ns[k];
		snprintf(dt->join_ev[k].field, sizeof(dt->join_ev[k].field),
		    "Call-ID");
	}
	if (p->is_request)
		snprintf(what, sizeof(what), "%.20s", p->method);
	else
		snprintf(what, sizeof(what), "%d response to %.20s",
		    p->status, p->method);
	snprintf(dt->join_ev[0].value, sizeof(dt->join_ev[0].value),
	    "%.120s in this %s on the %s segment", d->call_id, what,
	    rtp_segment_name(p->segment));
	other_seg = p->segment == RTP_SEG_INSIDE ? RTP_SEG_OUTSIDE :
	    RTP_SEG_INSIDE;
	snprintf(dt->join_ev[1].value, sizeof(dt->join_ev[1].value),
	    "%.100s in its copy on the %s segment (same Via branch, tags, "
	    "CSeq; %s public): the Call-ID was rewritten between them",
	    o->call_id, rtp_segment_name(other_seg),
	    ep_ip_str(&p->pub, a, sizeof(a)));
}

void
detect_join_judged(struct detect *dt, const struct dialog *d,
    bool affected, uint32_t mask)
{
	struct detect_joiner *j = joiner_get(dt, d->id);

	if (j == NULL)
		return;
	j->judged = true;
	j->affected = affected;
	j->symptoms = mask;
	/* The dialogs it named need not stay for it any more. */
	for (unsigned i = 0; i < j->npeers; i++) {
		struct detect_joiner *o = joiner_get(dt, j->peer[i].id);

		if (o != NULL && o->refs > 0) {
			o->refs--;
			joiner_release(dt, o);
		}
	}
	joiner_release(dt, j);
}

int
detect_join_init(struct detect *dt)
{
	if (htab_init(&dt->copies, 64) != 0)
		return -1;
	if (htab_init(&dt->joiners, 64) != 0) {
		htab_fini(&dt->copies);
		return -1;
	}
	if (htab_init(&dt->misses, 64) != 0) {
		htab_fini(&dt->copies);
		htab_fini(&dt->joiners);
		return -1;
	}
	return 0;
}

static void
joiner_free(struct hnode *n, void *unused)
{
	struct detect_joiner *j = HTAB_ENTRY(n, struct detect_joiner, node);

	(void)unused;
	free(j->call_id);
	free(j);
}

void
detect_join_fini(struct detect *dt)
{
	struct detect_copy *c, *next;
	struct detect_joiner *sp, *spn;

	for (c = dt->copy_oldest; c != NULL; c = next) {
		next = c->newer;
		free(c);
	}
	for (c = dt->copy_spare; c != NULL; c = next) {
		next = c->newer;
		free(c);
	}
	dt->copy_oldest = dt->copy_newest = dt->copy_spare = NULL;
	for (sp = dt->joiner_spare; sp != NULL; sp = spn) {
		spn = sp->spare;
		free(sp->call_id);
		free(sp);
	}
	dt->joiner_spare = NULL;
	while (dt->miss_oldest != NULL)
		miss_drop_oldest(dt);
	htab_foreach(&dt->joiners, joiner_free, NULL);
	htab_fini(&dt->copies);
	htab_fini(&dt->joiners);
	htab_fini(&dt->misses);
}

/*
 * A call seen as two dialogs (detect_join): one message under two
 * Call-IDs at two translations is proof that the box between rewrote
 * the Call-ID (ALG-REFERENCE.md 2, rewrite_call_id).
 */
static void
check_join(struct detect *dt, struct acc *ac)
{
	struct finding *f;

	if (!dt->join_pair)
		return;
	f = acc_get(ac, 0.9);
	if (f == NULL || f->nev + 2 > DETECT_MAX_EVIDENCE)
		return;
	f->ev[f->nev++] = dt->join_ev[0];
	f->ev[f->nev++] = dt->join_ev[1];
	hit_last(dt, HIT_PAIR_REWRITTEN, f, &dt->join_dev);
}

void
detect_alg_rewrite_evidence(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	struct acc ac;

	/* Its supporting evidence is read only up to nsupport: the array
	 * (four struct evidence) is not zeroed for every dialog. */
	ac.f = NULL;
	ac.fs = fs;
	ac.conf = 0;
	ac.nsupport = 0;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		/* residue, received= and leak are about a message from a
		 * public address (each returns at once otherwise): asked
		 * once here.  The order is the evidence's. */
		bool pub = public_src(m);

		if (pub)
			check_residue(dt, d, m, &ac);
		check_content_length(dt, m, &ac);
		if (pub) {
			check_received(dt, m, &ac);
			check_leak(dt, m);
		}
		if (ac.f != NULL && ac.f->nev >= DETECT_MAX_EVIDENCE - 2)
			break;
	}
	if (d->kind == DIALOG_CALL)
		check_mport(dt, d, &ac);
	check_pairs(dt, d, &ac);
	check_join(dt, &ac);
	check_via_branch(dt, d, &ac);
	check_inconsistent(dt, d, &ac);
	/* Supporting evidence only beside proof of rewriting. */
	for (int i = 0; ac.f != NULL && i < ac.nsupport &&
	    ac.f->nev < DETECT_MAX_EVIDENCE; i++)
		ac.f->ev[ac.f->nev++] = ac.support[i];
}
