/*
 * detect_rewrite.c - alg_rewrite_evidence: traces in the messages that a
 * box on the path rewrote them (ALG-REFERENCE.md section 4), and the
 * opposite trace, a NATed phone's private address left untranslated on
 * the public side.  Both feed the capture verdict (detect.c).
 *
 * Linux nf_nat_sip rewrites the top Via, Contact, o= and c= but never the
 * Call-ID, a=rtcp, ICE candidates or i= (K1/K2); Fortinet adds the
 * original address as i=.  So, per message sent from a public address:
 *   - residue: Via sent-by, Contact or c= equal to the packet source
 *     while the a=rtcp address, o= address or an i= line holds a private
 *     IP (confidence 0.7), or the Call-ID host does, in a message from
 *     an out-of-dialog request with one Via and no private c=, when no
 *     leg of the dialog runs between two private hosts (0.5: a B2BUA
 *     may pass a Call-ID through);
 *   - ICE: c= equal to the public source, all candidates private host
 *     candidates (no srflx) (0.4).
 * Per message: Content-Length not the body size (the Linux helper
 * recomputes it from v=, wrong for multipart; a body cut mid-line means
 * the declared length is short), UDP only (0.6).
 * Per response from a public address: top Via received= equal to the
 * private sent-by address (only a box restoring the inside view writes
 * that: inside capture, 0.8).
 * Per RTP stream: the sender's c= is the public source address, but the
 * packets come from another port than its m= (0.4).
 * Inside and outside captures read together: one message (same CSeq,
 * method or status, top Via branch, within 1 s) whose Contact or c= is
 * the private sender inside and the public sender outside (0.9).
 * Against an ALG (verdict only, no finding): a request or response from a
 * public address whose Contact or c= is private; received= showing a
 * public address for a private sent-by.
 */
#include <stdio.h>
#include <string.h>

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

struct acc {
	struct finding *f;
	struct findings *fs;
	double conf;
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

/* Private in the NAT sense: RFC 1918/6598/ULA, not loopback. */
static bool
nat_private(const struct ep *e)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (!ep_is_private(e))
		return false;
	if (e->family == 4 && e->ip[0] == 127)
		return false;
	return !(e->family == 6 && memcmp(e->ip, v6lo, 16) == 0);
}

/* A message of d between two private hosts (an inside B2BUA leg). */
static bool
private_leg(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (nat_private(&d->msgs[i].src) && nat_private(&d->msgs[i].dst))
			return true;
	return false;
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
hit_last(struct detect *dt, enum alg_hit k, const struct finding *f)
{
	if (f != NULL && f->nev > 0)
		detect_hit(dt, k, &f->ev[f->nev - 1]);
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

	if (ep_is_private(&m->src) || m->src.family == 0)
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
	} else if (s->sdp != NULL && s->sdp->has_i &&
	    text_private_ip(s->sdp->i_line, &e) == 0) {
		what = "i=";
		snprintf(val, sizeof(val), "%s", s->sdp->i_line);
	} else if (s->is_request && s->to_tag[0] == '\0' && s->nvia == 1 &&
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
	if (what != NULL) {
		f = acc_get(ac, strong ? 0.7 : 0.5);
		detect_ev(f, m, pub_c ? "c=" : pub_contact ? "Contact" : "Via",
		    "%s (public, = packet source %s)", pub_c ? am->conn_text :
		    pub_contact ? s->contact[0].uri : s->via[0].host,
		    ep_ip_str(&m->src, a, sizeof(a)));
		detect_ev(f, m, what, "%s (private, left untranslated)", val);
		hit_last(dt, HIT_PRIVATE_RESIDUE, f);
	}
	if (am != NULL && pub_c && am->ncand > 0) {
		bool all_host_private = true;

		for (int k = 0; k < am->ncand; k++)
			if (strcmp(am->cand[k].type, "host") != 0 ||
			    !ep_is_private(&am->cand[k].addr))
				all_host_private = false;
		if (all_host_private) {
			f = acc_get(ac, 0.4);
			detect_ev(f, m, "a=candidate", "only private host "
			    "candidates (%s) under public c=%s",
			    ep_str(&am->cand[0].addr, a, sizeof(a)),
			    am->conn_text);
			hit_last(dt, HIT_ICE_RESIDUE, f);
		}
	}
}

static void
check_content_length(struct detect *dt, const struct dmsg *m, struct acc *ac)
{
	const struct sipmsg *s = m->m;
	struct finding *f;
	bool cut;

	if ((m->transport & 0x7f) != PKT_UDP || s->content_length < 0)
		return;
	cut = s->sdp != NULL && s->body_len > 0 &&
	    s->body_off + s->body_len <= s->raw_len &&
	    s->raw[s->body_off + s->body_len - 1] != '\n' &&
	    m->ip_len > s->raw_len + 28 + 2;
	if ((uint64_t)s->content_length == s->body_len && !cut)
		return;
	f = acc_get(ac, 0.6);
	detect_ev(f, m, "Content-Length", "%lld declared, body %s %zu bytes",
	    (long long)s->content_length, cut ? "cut mid-line at" : "is",
	    s->body_len);
	hit_last(dt, HIT_CONTENT_LENGTH, f);
}

static void
check_received(struct detect *dt, const struct dmsg *m, struct acc *ac)
{
	const struct sipmsg *s = m->m;
	const struct sipmsg_via *v;
	struct ep r;
	struct finding *f;
	struct evidence ev;

	if (s->is_request || s->nvia < 1 || ep_is_private(&m->src) ||
	    m->src.family == 0)
		return;
	v = &s->via[0];
	if (v->received[0] == '\0' || v->sent_by.family == 0 ||
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
		hit_last(dt, HIT_RECEIVED_RESTORED, f);
	} else if (!ep_is_private(&r)) {
		memset(&ev, 0, sizeof(ev));
		ev.cap_idx = m->cap_idx;
		ev.frame = m->frame;
		ev.ts_ns = m->ts_ns;
		snprintf(ev.field, sizeof(ev.field), "Via received=");
		snprintf(ev.value, sizeof(ev.value), "%s (public) for private "
		    "sent-by %s: the server saw the NAT and nothing restored it",
		    v->received, v->host);
		detect_hit(dt, HIT_NOALG_RECEIVED_PUBLIC, &ev);
	}
}

static void
check_leak(struct detect *dt, const struct dmsg *m)
{
	const struct sipmsg *s = m->m;
	const struct sdp_media *am = s->sdp ? detect_audio_media(s->sdp) : NULL;
	struct evidence ev;
	char a[NETADDR_STRLEN];

	/* A registrar lists the bindings it holds in its 2xx: not a leak. */
	if (ep_is_private(&m->src) || m->src.family == 0 || dt->hits[
	    HIT_NOALG_PRIVATE_LEAK] > 0 || (!s->is_request &&
	    strcmp(s->cseq_method, "REGISTER") == 0))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.cap_idx = m->cap_idx;
	ev.frame = m->frame;
	ev.ts_ns = m->ts_ns;
	if (s->ncontact > 0 && s->contact[0].addr.family != 0 &&
	    nat_private(&s->contact[0].addr)) {
		snprintf(ev.field, sizeof(ev.field), "Contact");
		snprintf(ev.value, sizeof(ev.value), "%s (private) sent from "
		    "public %s: not translated", s->contact[0].uri,
		    ep_ip_str(&m->src, a, sizeof(a)));
	} else if (am != NULL && am->has_conn && am->port != 0 &&
	    !detect_ep_unspecified(&am->conn) && nat_private(&am->conn)) {
		snprintf(ev.field, sizeof(ev.field), "c=");
		snprintf(ev.value, sizeof(ev.value), "%s (private) sent from "
		    "public %s: not translated", am->conn_text,
		    ep_ip_str(&m->src, a, sizeof(a)));
	} else {
		return;
	}
	detect_hit(dt, HIT_NOALG_PRIVATE_LEAK, &ev);
}

static void
check_mport(struct detect *dt, const struct dialog *d, struct acc *ac)
{
	char a[NETADDR_STRLEN];

	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *st = d->streams[i];
		bool ip_match = false, port_match = false;
		const struct dmsg *sdpm = NULL;
		struct finding *f;

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
		f = acc_get(ac, 0.4);
		detect_ev(f, sdpm, "m= port", "SDP announces %s with another "
		    "port than the RTP really uses (%s)",
		    detect_audio_media(sdpm->m->sdp) ?
		    detect_audio_media(sdpm->m->sdp)->conn_text : "?",
		    ep_str(&st->src, a, sizeof(a)));
		hit_last(dt, HIT_MPORT_MISMATCH, f);
		return;
	}
}

/* The same message seen on two captures (inside and outside)? */
static bool
same_message(const struct dmsg *a, const struct dmsg *b)
{
	const struct sipmsg *x = a->m, *y = b->m;
	int64_t dt = a->ts_ns - b->ts_ns;

	if (a->cap_idx == b->cap_idx || x->is_request != y->is_request ||
	    x->cseq != y->cseq || x->status != y->status ||
	    strcmp(x->method, y->method) != 0 ||
	    strcmp(x->cseq_method, y->cseq_method) != 0 ||
	    dt > DETECT_NS || dt < -DETECT_NS)
		return false;
	if (x->nvia > 0 && y->nvia > 0 &&
	    strcmp(x->via[0].branch, y->via[0].branch) != 0)
		return false;
	return true;
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
			hit_last(dt, HIT_PAIR_REWRITTEN, f);
			return;
		}
	}
}

void
detect_alg_rewrite_evidence(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	struct acc ac = { NULL, fs, 0 };

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		check_residue(dt, d, m, &ac);
		check_content_length(dt, m, &ac);
		check_received(dt, m, &ac);
		check_leak(dt, m);
		if (ac.f != NULL && ac.f->nev >= DETECT_MAX_EVIDENCE - 2)
			break;
	}
	if (d->kind == DIALOG_CALL)
		check_mport(dt, d, &ac);
	check_pairs(dt, d, &ac);
}
