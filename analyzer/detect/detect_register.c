/*
 * detect_register.c - registration_failure: REGISTER failing, looping or
 * churning its Contact.
 *
 * RFC 3261 §10 and §22: a REGISTER is challenged (401/407) and sent again
 * with credentials; a second challenge to credentials means they were
 * refused (an ALG that rewrote the Request-URI or To makes the digest
 * uri= disagree, §22.4).  RFC 5626 and 4787 REQ-1: a NAT with consistent
 * (endpoint-independent) mapping keeps the same public port for a phone;
 * an ALG or NAT that maps each refresh anew shows the registrar a new
 * Contact port every time, and incoming calls go to the old one.  One
 * dialog holds all refreshes sharing a Call-ID.  Flagged:
 *   - >= 2 REGISTERs carrying credentials answered 401/407 (0.6);
 *   - a REGISTER carrying credentials answered 403 (0.5);
 *   - a REGISTER retransmitted >= 3 times with no response (0.6);
 *   - the Contact port (same Contact IP) changing between refreshes of
 *     one binding (0.6); the same across Call-IDs of one AOR within an
 *     hour (0.4, a phone restart changes Call-ID too).
 * Expiry-zero REGISTERs (de-registration) are left out of the churn test.
 *
 * Refresh interval against NAT timeouts (RFC 5626 section 3.5, RFC 4787
 * REQ-5; ALG-REFERENCE.md sections 2 and 3), an advisory (a risk, not an
 * observed failure: fs->adv, not counted; detect_inbound.c cites it when
 * an incoming INVITE to the binding is seen lost): a NATed phone that sends
 * nothing between refreshes loses its UDP mapping after the NAT timeout
 * (30 s Linux conntrack for a flow that never became a stream, 30-60 s
 * consumer routers, 180 s FortiGate) and stops receiving calls until it
 * registers again.  Per binding (REGISTER source) the refresh interval r
 * is the longest time between successive 2xx-answered REGISTERs, or, with
 * one such REGISTER, the expiry the 2xx grants (Contact expires=, else
 * Expires; the request's when the 2xx has none).  Flagged (0.4; 0.5 when r
 * exceeds 60 s) when r > 30 s, the capture shows a NAT boundary (a
 * REGISTER after the NAT, public source, with the phone's private address
 * left in Contact or Via, or a 2xx Via received= differing from the
 * sent-by; or, inside, a REGISTER from a private address to a public
 * registrar) and no keepalive was seen from that address:port (CRLF or
 * blank datagrams, CRLFs between messages on TCP, STUN binding requests
 * on the SIP flow, all reported by the analysis; OPTIONS pings either
 * way).  Inside, a box that keeps the binding itself (the Linux helper
 * raises it to sip_timeout, 3600 s) makes the risk smaller: it is still
 * an advisory, since the capture cannot show the box's timer.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

static const char expl_auth[] =
    "The registrar keeps rejecting the credentials.  Wrong passwords do "
    "that, but so does a SIP ALG that rewrites the Request-URI, To or "
    "Contact after the phone computed its digest (RFC 3261 22.4), or "
    "strips headers the registrar needs.";
static const char expl_timeout[] =
    "The REGISTER was retransmitted and nothing answered: the request or "
    "its responses are lost between the phone and the registrar (an ALG "
    "that drops what it cannot parse, a blocked port, or a dead path).";
static const char expl_churn[] =
    "The Contact port of this binding changes from one refresh to the "
    "next: the NAT/ALG gives the phone a new public port each time "
    "(mapping not endpoint-independent, or the UDP binding expired "
    "between refreshes).  Incoming calls are sent to the old port and "
    "never arrive.";
static const char expl_refresh[] =
    "The phone is behind NAT and sends nothing between registration "
    "refreshes that are further apart than typical NAT UDP timeouts "
    "(30 s Linux conntrack, 30-60 s consumer routers, 180 s FortiGate): "
    "the mapping the registrar knows expires long before the next "
    "refresh, and incoming calls sent to it are dropped (the phone does "
    "not ring) until the phone registers again.  Keepalives (CRLF or STUN, "
    "RFC 5626) or shorter refreshes keep it open.  This is a risk, not an "
    "observed failure: a call lost to it is reported on its own dialog "
    "and cited here.";
static const char rem_refresh[] =
    "Enable keepalives on the phone (CRLF, STUN or OPTIONS, RFC 5626 "
    "outbound) or register more often than the NAT UDP timeout, or raise "
    "the router's UDP timeout to 150-300 s.";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR); set the router's UDP timeout "
    "to 150-300 s and enable consistent NAT / endpoint-independent "
    "mapping; register more often than the NAT timeout or enable "
    "keepalives (CRLF, OPTIONS, or RFC 5626 outbound).  Check the "
    "credentials if no ALG is involved.";

static bool
has_credentials(const struct sipmsg *m)
{
	char b[8];

	return sipmsg_header(m, "Authorization", b, sizeof(b))[0] != '\0' ||
	    sipmsg_header(m, "Proxy-Authorization", b, sizeof(b))[0] != '\0';
}

static const struct dmsg *
final_for(const struct dialog *d, const struct dmsg *req)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (!m->is_request && m->status >= 200 &&
		    m->cseq == req->m->cseq &&
		    dmsg_cseq_is(&d->msgs[i], SIPM_REGISTER))
			return &d->msgs[i];
	}
	return NULL;
}

static bool
any_response(const struct dialog *d, const struct dmsg *req)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (!d->msgs[i].m->is_request &&
		    d->msgs[i].m->cseq == req->m->cseq)
			return true;
	return false;
}

static bool
is_deregister(const struct sipmsg *m)
{
	if (m->contact_star || m->expires == 0)
		return true;
	return m->ncontact > 0 && m->contact[0].expires == 0;
}

static struct detect_aor *
aor_get(struct detect *dt, const char *aor)
{
	struct detect_aor *a;

	for (unsigned i = 0; i < DETECT_AORS; i++)
		if (dt->aors[i].used && strcmp(dt->aors[i].aor, aor) == 0)
			return &dt->aors[i];
	a = &dt->aors[dt->aor_next++ % DETECT_AORS];
	memset(a, 0, sizeof(*a));
	a->used = true;
	snprintf(a->aor, sizeof(a->aor), "%s", aor);
	return a;
}

/* The expiry a 2xx grants the REGISTER r (seconds), -1 unknown. */
static int
granted(const struct dmsg *r, const struct dmsg *ok)
{
	for (int i = 0; ok != NULL && i < ok->m->ncontact; i++)
		if (ok->m->contact[i].expires > 0 &&
		    r->m->ncontact > 0 && ep_eq(&ok->m->contact[i].addr,
		    &r->m->contact[0].addr))
			return ok->m->contact[i].expires;
	if (ok != NULL && ok->m->ncontact > 0 && ok->m->contact[0].expires > 0)
		return ok->m->contact[0].expires;
	if (ok != NULL && ok->m->expires > 0)
		return ok->m->expires;
	if (r->m->ncontact > 0 && r->m->contact[0].expires > 0)
		return r->m->contact[0].expires;
	return r->m->expires > 0 ? r->m->expires : -1;
}

/* Why the phone sending r looks NATed; NULL when nothing shows it. */
static const char *
natted(const struct dmsg *r, const struct dmsg *ok, char *buf, size_t n)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	const struct ep *c = r->m->ncontact > 0 ? &r->m->contact[0].addr : NULL;

	/* Inside: a private phone registering with a public registrar. */
	if (ep_is_private(&r->src)) {
		if (r->dst.family == 0 || ep_is_private(&r->dst))
			return NULL;
		snprintf(buf, n, "sent from %s (private) to the public "
		    "registrar %s", ep_str(&r->src, a, sizeof(a)),
		    ep_str(&r->dst, b, sizeof(b)));
		return buf;
	}
	if (c != NULL && c->family != 0 && ep_is_private(c)) {
		snprintf(buf, n, "Contact %s (private) sent from %s",
		    ep_str(c, a, sizeof(a)), ep_str(&r->src, b, sizeof(b)));
		return buf;
	}
	if (r->m->nvia > 0 && r->m->via[0].sent_by.family != 0 &&
	    ep_is_private(&r->m->via[0].sent_by)) {
		snprintf(buf, n, "Via %s (private) sent from %s",
		    r->m->via[0].host, ep_str(&r->src, b, sizeof(b)));
		return buf;
	}
	if (ok != NULL && ok->m->nvia > 0 && ok->m->via[0].received[0] != '\0' &&
	    ok->m->via[0].sent_by.family != 0) {
		struct ep rcv = ok->m->via[0].sent_by;

		if (ep_parse_ip(&rcv, ok->m->via[0].received,
		    strlen(ok->m->via[0].received)) == 0 &&
		    !ep_same_ip(&rcv, &ok->m->via[0].sent_by)) {
			snprintf(buf, n, "the registrar saw it from %s, Via "
			    "says %s", ok->m->via[0].received,
			    ok->m->via[0].host);
			return buf;
		}
	}
	return NULL;
}

#define REFRESH_SOURCES 4

/* registration_failure: refresh interval beyond NAT timeouts, no keepalive. */
static void
refresh_check(struct detect *dt, const struct dialog *d, struct findings *fs)
{
	const struct dmsg *srcs[REFRESH_SOURCES];
	int nsrc = 0;

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *r = &d->msgs[i], *ok, *first = NULL;
		const struct dmsg *okfirst = NULL, *rb = NULL;
		int64_t prev = 0, r_ns = 0;
		int n = 0, g, ps;
		bool dup = false;
		const char *why, *preset;
		char nb[160];
		struct finding *f;

		if (!r->m->is_request || !dmsg_method_is(r, SIPM_REGISTER))
			continue;
		for (int k = 0; k < nsrc; k++)
			dup = dup || ep_eq(&srcs[k]->src, &r->src);
		if (dup || nsrc == REFRESH_SOURCES)
			continue;
		srcs[nsrc++] = r;
		/* The 2xx-answered refreshes of this source, in order. */
		for (size_t k = i; k < d->nmsgs; k++) {
			const struct dmsg *q = &d->msgs[k];

			if (!q->m->is_request ||
			    !dmsg_method_is(q, SIPM_REGISTER) ||
			    !ep_eq(&q->src, &r->src) || is_deregister(q->m))
				continue;
			ok = final_for(d, q);
			if (ok == NULL || ok->m->status < 200 ||
			    ok->m->status >= 300)
				continue;
			if (n++ == 0) {
				first = q;
				okfirst = ok;
			} else if (q->ts_ns - prev > r_ns) {
				r_ns = q->ts_ns - prev;
				rb = q;
			}
			prev = q->ts_ns;
		}
		if (first == NULL)
			continue;
		g = -1;
		if (n == 1) {
			g = granted(first, okfirst);
			if (g < 0)
				continue;
			r_ns = (int64_t)g * DETECT_NS;
		}
		preset = detect_nat_preset(r_ns, &ps);
		if (preset == NULL)
			continue;
		if (detect_binding_keepalives(dt, &first->src, first->cap_idx) > 0)
			continue;
		why = natted(first, okfirst, nb, sizeof(nb));
		if (why == NULL)
			continue;
		f = detect_advisory_add(fs, SYMPTOM_REGISTRATION_FAILURE,
		    ps > 30 ? 0.5 : 0.4, expl_refresh, rem_refresh,
		    "risk: NATed phone %s %d s with no keepalive: beyond %s", n == 1 ? "is granted a registration of" :
		    "refreshes its registration only every",
		    (int)(r_ns / DETECT_NS), preset);
		detect_ev(f, first, "NAT", "%s", why);
		if (n == 1)
			detect_ev(f, okfirst, "expires granted", "%d s in the "
			    "%d %s", g, okfirst->m->status, okfirst->m->reason);
		else
			detect_ev(f, rb, "refresh interval", "%.1f s since the "
			    "previous 2xx-answered REGISTER", (double)r_ns / 1e9);
		{
			char a[NETADDR_STRLEN];

			detect_ev(f, NULL, "keepalives", "none from %s (CRLF, "
			    "STUN, OPTIONS)", ep_str(&first->src, a, sizeof(a)));
		}
	}
}

void
detect_registration_failure(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *first_c = NULL, *prev_ok = NULL, *churn = NULL;
	const struct dmsg *rej = NULL, *lost = NULL, *forbidden = NULL;
	int rejected = 0, nadv;
	struct finding *f;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (d->kind != DIALOG_REGISTER)
		return;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *r = &d->msgs[i], *fin;

		if (!r->m->is_request || !dmsg_method_is(r, SIPM_REGISTER))
			continue;
		fin = final_for(d, r);
		if (fin == NULL) {
			if (r->retrans >= 3 && !any_response(d, r) && !lost)
				lost = r;
			continue;
		}
		if (has_credentials(r->m) &&
		    (fin->m->status == 401 || fin->m->status == 407)) {
			if (rejected++ == 0)
				rej = fin;
		} else if (has_credentials(r->m) && fin->m->status == 403) {
			if (forbidden == NULL)
				forbidden = fin;
		} else if (fin->m->status >= 200 && fin->m->status < 300) {
			rejected = rejected >= 2 ? rejected : 0;
			if (r->m->ncontact == 0 || is_deregister(r->m) ||
			    r->m->contact[0].addr.family == 0)
				continue;
			if (first_c == NULL)
				first_c = r;
			else if (ep_same_ip(&first_c->m->contact[0].addr,
			    &r->m->contact[0].addr) &&
			    first_c->m->contact[0].addr.port !=
			    r->m->contact[0].addr.port && churn == NULL)
				churn = r;
			prev_ok = r;
		}
	}
	if (rejected >= 2) {
		f = detect_finding_add(fs, SYMPTOM_REGISTRATION_FAILURE, 0.6,
		    expl_auth, rem, "REGISTER with credentials challenged "
		    "again %d times", rejected);
		detect_ev(f, rej, "challenge", "%d %s to a REGISTER with "
		    "credentials", rej->m->status, rej->m->reason);
	}
	if (forbidden != NULL) {
		f = detect_finding_add(fs, SYMPTOM_REGISTRATION_FAILURE, 0.5,
		    expl_auth, rem, "REGISTER with credentials refused: %d %s",
		    forbidden->m->status, forbidden->m->reason);
		detect_ev(f, forbidden, "final response", "%d %s",
		    forbidden->m->status, forbidden->m->reason);
	}
	if (lost != NULL) {
		f = detect_finding_add(fs, SYMPTOM_REGISTRATION_FAILURE, 0.6,
		    expl_timeout, rem, "REGISTER retransmitted %u times with "
		    "no response", lost->retrans);
		detect_ev(f, lost, "REGISTER", "to %s, %u retransmissions",
		    ep_str(&lost->dst, a, sizeof(a)), lost->retrans);
	}
	if (churn != NULL) {
		f = detect_finding_add(fs, SYMPTOM_REGISTRATION_FAILURE, 0.6,
		    expl_churn, rem, "Contact port changes between refreshes "
		    "of one binding");
		detect_ev(f, first_c, "Contact", "%s (from %s)",
		    first_c->m->contact[0].uri,
		    ep_str(&first_c->src, a, sizeof(a)));
		detect_ev(f, churn, "Contact", "%s (from %s)",
		    churn->m->contact[0].uri, ep_str(&churn->src, b, sizeof(b)));
	}
	/* Across Call-IDs: the last good binding of this AOR. */
	if (prev_ok != NULL && d->to[0] != '\0') {
		struct detect_aor *ao = aor_get(dt, d->to);
		const struct ep *c = &prev_ok->m->contact[0].addr;

		if (churn == NULL && ao->contact.family != 0 &&
		    ep_same_ip(&ao->contact, c) && ao->contact.port != c->port &&
		    first_c != NULL && first_c->ts_ns - ao->last_ns <
		    3600 * DETECT_NS && first_c->ts_ns >= ao->last_ns) {
			f = detect_finding_add(fs, SYMPTOM_REGISTRATION_FAILURE, 0.4,
			    expl_churn, rem, "Contact port of %s changed from "
			    "%u to %u since the previous registration",
			    d->to, ao->contact.port, c->port);
			detect_ev(f, first_c, "Contact", "%s",
			    first_c->m->contact[0].uri);
		}
		ao->contact = *c;
		ao->last_ns = prev_ok->ts_ns;
	}
	nadv = fs->nadv;
	refresh_check(dt, d, fs);
	detect_pending_cite(dt, d, fs->nadv > nadv ? &fs->adv[nadv] : NULL);
}
