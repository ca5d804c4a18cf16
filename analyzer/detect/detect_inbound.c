/*
 * detect_inbound.c - inbound_call_unanswered: an INVITE that gets no
 * response at all (the phone does not ring; the caller goes to voicemail).
 *
 * An unsolicited INVITE reaches a NATed phone only through a live binding
 * or pinhole; an ALG pinhole restricted to the registrar
 * (sip_direct_signalling) or an expired binding drops it silently, and
 * the caller's Timer A retransmits it at 0.5, 1, 2, 4 ... s (RFC 3261
 * §17.1.1.2) until Timer B (32 s) or a CANCEL.  A UDP INVITE over 1300
 * bytes (§18.1.1) is fragmented and fragments are what ALGs and firewalls
 * drop (SonicWall, FortiGate NP7).  Flagged, only when nothing answered
 * the INVITE (no 1xx, no final response):
 *   - the INVITE retransmitted >= 2 times (confidence 0.6);
 *   - a UDP INVITE carried in IP fragments, or larger than 1300 bytes
 *     and retransmitted (0.7); one big INVITE sent once may just be at
 *     the end of the capture.
 * Requests with no SDP and no Contact (scanners) are ignored.
 *
 * Only an INVITE to the phone (the phone its UAS): one the NATed phone
 * sends itself (its UAC, a call out nothing answers) is not this symptom.
 * The direction is read from what the capture shows, at any capture
 * point, the first rule that applies deciding (invite_from_phone):
 *   1. sent to an address a REGISTER came from (the phone's binding, its
 *      private address inside, its NAT mapping outside and at the
 *      server): to the phone;
 *   2. sent from such an address: from the phone;
 *   3. from a public address to a private one (inside, coming in): to the
 *      phone;  4. from a private address to a public one (inside, going
 *      out): from the phone;
 *   5. from a public address, its sender's own Via (the topmost) names a
 *      private host, or, written by that sender alone (one Via), its
 *      Contact does or its Call-ID is private beside the public source
 *      (detect_msg_partly_rewritten): a UA behind NAT sent it, with the
 *      ALG off or on, so it is that phone's call out;
 *   6. nothing shows it: kept as before, to the phone.
 * So a phone writing its public address itself (STUN), with no REGISTER
 * and seen only outside, reads as rule 6; a B2BUA's or proxy's INVITE to
 * the phone carries the server's own Via and, proxied, the caller's
 * Contact below a second Via, which rule 5 does not read.  Limits: a
 * server on a private address captured on itself (a cloud PBX) sending to
 * a phone whose REGISTER the capture lacks reads as rule 4, and a server
 * that registers itself (to a trunk) as rule 2, both not reported.
 *
 * The phone's binding (detect_binding.c): the time since the phone last
 * sent on the 5-tuple the INVITE comes in on (or, failing that, on its
 * registration flow) is the idle gap g of ALG-REFERENCE.md section 3.
 * It is printed whenever known; g beyond a NAT UDP timeout preset (30 s
 * Linux conntrack, 60 s consumer routers, 180 s FortiGate; section 2)
 * raises the confidence to 0.7 / 0.75 / 0.8 and the summary names the
 * preset.  An INVITE from another address than the registrar the phone
 * registered with is what a Linux-style pinhole (sip_direct_signalling)
 * refuses: 0.7.  Dialogs are reported out of time order (a registration
 * only after an hour of quiet or at the end of the capture), so when the
 * binding is not known yet when the INVITE's dialog ends, the INVITE is
 * kept pending (DETECT_MAX_PENDING) and, once the REGISTERs of that
 * binding are seen, the gap is cited on the registration's advisory
 * (detect_pending_cite): the INVITE is one event, reported once, on its
 * own dialog.  The gap counts what was seen by then: packets of dialogs
 * still in flight cannot shorten it.
 *
 * Refused by ICMP.  An ICMP(v6) destination unreachable that quotes the
 * INVITE (detect_sip_refused: its flow, source and destination
 * address:port, and, where the quote holds them whole, its Call-ID, CSeq
 * number and top Via branch; within Timer B, 64*T1 = 32 s, of its first
 * transmission) is the proof that it never reached the phone and names
 * who stopped it: from the INVITE's own destination address (a NAT's
 * public address answering port unreachable: no binding or pinhole
 * admitted it, the router's own stack refused it) or from another
 * address (a router or filter on the path).  Reported even when the
 * INVITE was sent once (0.8), with the reporter, the ICMP type and code
 * and the first error's frame as evidence.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect_int.h"

#define MIN_RETRANS 2
#define BIG_INVITE 1300
#define REFUSAL_WINDOW_NS (32 * DETECT_NS + DETECT_NS)

static const char explanation[] =
    "Nothing answered this INVITE, not even 100 Trying: it never reached "
    "the phone.  Behind NAT an incoming call needs a live binding; it is "
    "lost when the NAT/ALG binding expired (UDP timeouts of 30-60 s on "
    "consumer routers, 30 s Linux conntrack) because the phone sent "
    "nothing for longer than that, when the ALG only admits INVITEs from "
    "the registrar, or when a large UDP INVITE is fragmented and the "
    "fragments are dropped.";
static const char rem[] =
    "Raise the router's UDP timeout to 150-300 s or register/keepalive "
    "more often than the NAT timeout (CRLF, STUN or OPTIONS keepalives), "
    "and avoid fragmentation: SIP over TCP/TLS, or fewer codecs in the "
    "SDP.  Where the ALG verdict shows one at work, turn it off too (see "
    "--fix VENDOR).";

/* What the bindings say about an INVITE from caller to phone at t. */
struct gapinfo {
	int known;                     /* detect_binding_last_tx result */
	int64_t gap;
	const struct detect_span *sp;
	const struct detect_binding *b;
	const struct detect_binding *reg; /* registered, other source */
	const char *preset;
	int preset_s;
};

static void
gap_lookup(struct detect *dt, const struct ep *phone, const struct ep *caller,
    int64_t t, struct gapinfo *g)
{
	struct detect_binding *b5, *reg;

	memset(g, 0, sizeof(*g));
	g->known = -1;
	b5 = detect_binding_get(dt, phone, caller, false);
	reg = detect_binding_registered(dt, phone);
	if (reg != NULL && !ep_same_ip(&reg->peer, caller) && b5 == NULL)
		g->reg = reg;
	g->b = b5 != NULL ? b5 : reg;
	if (g->b == NULL)
		return;
	g->known = detect_binding_last_tx(g->b, t, &g->gap, &g->sp);
	if (g->known == 1)
		g->preset = detect_nat_preset(g->gap, &g->preset_s);
}

static double
gap_confidence(const struct gapinfo *g, double conf)
{
	double c = 0;

	if (g->preset_s >= 180)
		c = 0.8;
	else if (g->preset_s >= 60)
		c = 0.75;
	else if (g->preset_s >= 30)
		c = 0.7;
	if (g->reg != NULL && c < 0.7)
		c = 0.7;
	return c > conf ? c : conf;
}

/* Appends ", silent 45.0 s on its binding (beyond ...)" and the like. */
static void
gap_summary(const struct gapinfo *g, char *buf, size_t n)
{
	char a[NETADDR_STRLEN];
	int k = 0;

	buf[0] = '\0';
	if (g->known == 1)
		k = snprintf(buf, n, "; the phone had been silent %.1f s on "
		    "its binding%s%s%s", (double)g->gap / 1e9,
		    g->preset ? " (beyond " : "",
		    g->preset ? g->preset : "", g->preset ? ")" : "");
	if (k < 0 || (size_t)k >= n)
		return;
	if (g->reg != NULL)
		snprintf(buf + k, n - (size_t)k, "; it came from another "
		    "address than the registrar %s",
		    ep_str(&g->reg->peer, a, sizeof(a)));
}

static void
gap_evidence(struct finding *f, const struct gapinfo *g,
    const struct ep *caller)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[NETADDR_STRLEN];
	const struct detect_span *sp = g->sp;

	if (g->b == NULL || f == NULL)
		return;
	ep_str(&g->b->phone, a, sizeof(a));
	ep_str(&g->b->peer, b, sizeof(b));
	if (g->known == 1 && g->preset)
		detect_ev_at(f, sp->cap_idx, sp->frame, sp->to_ns,
		    "binding idle gap", "%.1f s since the phone's last packet "
		    "on %s -> %s (%s), beyond %s",
		    (double)g->gap / 1e9, a, b, sp->what, g->preset);
	else if (g->known == 1)
		detect_ev_at(f, sp->cap_idx, sp->frame, sp->to_ns,
		    "binding idle gap", "%.1f s since the phone's last packet "
		    "on %s -> %s (%s); below the 30 s conntrack and 60 s "
		    "consumer presets, so only a shorter NAT timeout closes "
		    "it", (double)g->gap / 1e9, a, b, sp->what);
	else if (g->known == 0)
		detect_ev_at(f, sp->cap_idx, sp->frame, sp->to_ns,
		    "binding idle gap", "under %.0f s: the phone was sending "
		    "on %s -> %s (%s) around then",
		    (double)BINDING_MERGE_NS / 1e9, a, b, sp->what);
	if (g->reg != NULL)
		detect_ev_at(f, 0, 0, 0, "INVITE source vs registrar",
		    "INVITE from %s, the phone registered %s with %s; a "
		    "Linux-style ALG pinhole (sip_direct_signalling) admits "
		    "only the registrar", ep_str(caller, a, sizeof(a)),
		    ep_str(&g->reg->phone, b, sizeof(b)),
		    ep_str(&g->reg->peer, c, sizeof(c)));
}

/*
 * The value of the first header line named name (or its compact form c,
 * 0 none) in the quoted SIP bytes q[0..n), into out (NUL-terminated,
 * spaces around it trimmed): true only when the whole line is in the
 * quote and the value fits out.
 */
static bool
quoted_header(const uint8_t *q, size_t n, const char *name, char c,
    char *out, size_t outn)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + 2 < n; i++) {
		size_t j = i + 2, e;

		if (q[i] != '\r' || q[i + 1] != '\n')
			continue;
		if (n - j > nl && text_iprefix(q + j, n - j, name))
			j += nl;
		else if (c != 0 && tolower(q[j]) == c)
			j++;
		else
			continue;
		while (j < n && (q[j] == ' ' || q[j] == '\t'))
			j++;
		if (j >= n || q[j] != ':')
			continue;
		for (j++; j < n && (q[j] == ' ' || q[j] == '\t'); j++)
			;
		for (e = j; e < n && q[e] != '\r' && q[e] != '\n'; e++)
			;
		if (e >= n)
			return false;   /* the quote ends inside it */
		while (e > j && (q[e - 1] == ' ' || q[e - 1] == '\t'))
			e--;
		if (e - j >= outn)
			return false;
		memcpy(out, q + j, e - j);
		out[e - j] = '\0';
		return true;
	}
	return false;
}

/* The branch parameter of a Via value, into out ("" none). */
static void
via_branch(const char *via, char *out, size_t outn)
{
	out[0] = '\0';
	for (const char *p = via; *p != '\0'; p++) {
		size_t k = 0;

		if (*p != ';')
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (strncasecmp(p, "branch=", 7) != 0) {
			p--;
			continue;
		}
		for (p += 7; p[k] != '\0' && p[k] != ';' && p[k] != ',' &&
		    p[k] != ' ' && p[k] != '\t'; k++)
			;
		if (k < outn) {
			memcpy(out, p, k);
			out[k] = '\0';
		}
		return;
	}
}

void
detect_sip_refused(struct detect *dt, const struct detect_refusal_ev *e)
{
	struct detect_refusal r, *t;
	char via[256], cseq[32];
	uint64_t v;

	memset(&r, 0, sizeof(r));
	if (!quoted_header(e->quote, e->quote_len, "Call-ID", 'i',
	    r.call_id, sizeof(r.call_id)))
		r.call_id[0] = '\0';
	if (quoted_header(e->quote, e->quote_len, "CSeq", 0, cseq,
	    sizeof(cseq))) {
		size_t k = 0;

		while (isdigit((unsigned char)cseq[k]))
			k++;
		if (k > 0 && text_parse_uint(cseq, k, UINT32_MAX, &v) == 0) {
			r.has_cseq = true;
			r.cseq = (uint32_t)v;
		}
	}
	if (quoted_header(e->quote, e->quote_len, "Via", 'v', via,
	    sizeof(via)))
		via_branch(via, r.branch, sizeof(r.branch));
	for (unsigned i = 0; i < dt->nrefusals; i++) {
		t = &dt->refusals[i];
		if (t->cap_idx == e->cap_idx && t->type == e->type &&
		    t->code == e->code && ep_eq(&t->src, &e->src) &&
		    ep_eq(&t->dst, &e->dst) &&
		    ep_same_ip(&t->reporter, &e->reporter) &&
		    strcmp(t->call_id, r.call_id) == 0 &&
		    e->ts_ns - t->last_ns < REFUSAL_WINDOW_NS) {
			if (t->count < UINT32_MAX)
				t->count++;
			t->last_ns = e->ts_ns;
			return;
		}
	}
	if (dt->nrefusals < DETECT_MAX_REFUSALS) {
		t = &dt->refusals[dt->nrefusals++];
	} else {
		t = &dt->refusals[dt->refusal_next];
		dt->refusal_next = (dt->refusal_next + 1) % DETECT_MAX_REFUSALS;
	}
	r.cap_idx = e->cap_idx;
	r.frame = e->frame;
	r.ts_ns = r.last_ns = e->ts_ns;
	r.src = e->src;
	r.dst = e->dst;
	r.reporter = e->reporter;
	r.type = e->type;
	r.code = e->code;
	r.count = 1;
	*t = r;
}

/* The ICMP refusal of inv, the first recorded, or NULL: its flow, within
 * Timer B of inv, and the Call-ID, CSeq and branch the quote holds. */
static const struct detect_refusal *
refusal_of(const struct detect *dt, const struct dmsg *inv)
{
	const struct detect_refusal *best = NULL;
	const struct sipmsg *m = inv->m;

	if ((inv->transport & 0x7f) != PKT_UDP)
		return NULL;
	for (unsigned i = 0; i < dt->nrefusals; i++) {
		const struct detect_refusal *t = &dt->refusals[i];

		if (t->cap_idx != inv->cap_idx || !ep_eq(&t->src, &inv->src) ||
		    !ep_eq(&t->dst, &inv->dst) || t->ts_ns < inv->ts_ns ||
		    t->ts_ns - inv->ts_ns > REFUSAL_WINDOW_NS)
			continue;
		if (t->call_id[0] != '\0' &&
		    (m->call_id == NULL || strcmp(t->call_id, m->call_id) != 0))
			continue;
		if (t->has_cseq && t->cseq != m->cseq)
			continue;
		if (t->branch[0] != '\0' && m->nvia > 0 &&
		    m->via[0].branch != NULL &&
		    strcmp(t->branch, m->via[0].branch) != 0)
			continue;
		if (best == NULL || t->ts_ns < best->ts_ns)
			best = t;
	}
	return best;
}

/* "port unreachable" and the like, for ICMP type 3 / ICMPv6 type 1. */
static const char *
unreach_name(const struct detect_refusal *r)
{
	static const char *const v4[] = {
		"net unreachable", "host unreachable", "protocol unreachable",
		"port unreachable", NULL, "source route failed",
		"destination net unknown", "destination host unknown", NULL,
		"net administratively prohibited",
		"host administratively prohibited", NULL, NULL,
		"communication administratively prohibited",
	};
	static const char *const v6[] = {
		"no route to destination", "administratively prohibited",
		"beyond scope of source address", "address unreachable",
		"port unreachable", "source address failed ingress/egress "
		"policy", "reject route to destination",
	};

	if (r->reporter.family == 6 && r->type == 1 &&
	    r->code < sizeof(v6) / sizeof(v6[0]))
		return v6[r->code];
	if (r->reporter.family == 4 && r->type == 3 &&
	    r->code < sizeof(v4) / sizeof(v4[0]) && v4[r->code] != NULL)
		return v4[r->code];
	return "destination unreachable";
}

static bool
public_addr(const struct ep *e)
{
	return e->family != 0 && !ep_is_private(e);
}

/* True when the capture shows inv sent by the NATed phone (rules above). */
static bool
invite_from_phone(const struct detect *dt, const struct dmsg *inv)
{
	const struct sipmsg *s = inv->m;

	if (detect_binding_registers(dt, &inv->dst))
		return false;
	if (detect_binding_registers(dt, &inv->src))
		return true;
	if (detect_nat_private(&inv->dst) && public_addr(&inv->src))
		return false;
	if (detect_nat_private(&inv->src) && public_addr(&inv->dst))
		return true;
	if (!public_addr(&inv->src))
		return false;
	if (s->nvia > 0 && detect_nat_private(&s->via[0].sent_by))
		return true;
	if (s->nvia == 1 && s->ncontact > 0 &&
	    detect_nat_private(&s->contact[0].addr))
		return true;
	return detect_msg_partly_rewritten(inv);
}

static void
pending_add(struct detect *dt, const struct dmsg *inv)
{
	for (int i = 0; i < DETECT_MAX_PENDING; i++) {
		struct detect_pending *p = &dt->pending[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->phone = inv->dst;
		p->caller = inv->src;
		p->ts_ns = inv->ts_ns;
		p->cap_idx = inv->cap_idx;
		p->frame = inv->frame;
		p->retrans = inv->retrans;
		snprintf(p->call_id, sizeof(p->call_id), "%s",
		    inv->m->call_id);
		return;
	}
	dt->bindings_dropped++;
}

/*
 * A registration dialog d ends: the pending INVITEs to its bindings were
 * already reported on their own dialogs (one finding per event); here
 * they are cited on d's advisory adv (the risk that explains them, may be
 * NULL) with the idle gap now known, and forgotten.
 */
void
detect_pending_cite(struct detect *dt, const struct dialog *d,
    struct finding *adv)
{
	for (int i = 0; i < DETECT_MAX_PENDING; i++) {
		struct detect_pending *p = &dt->pending[i];
		struct gapinfo g;
		char sum[200];
		bool mine = false;

		if (!p->used)
			continue;
		for (size_t k = 0; k < d->nmsgs && !mine; k++)
			mine = d->msgs[k].m->is_request &&
			    dmsg_method_is(&d->msgs[k], SIPM_REGISTER) &&
			    ep_eq(&d->msgs[k].src, &p->phone);
		if (!mine)
			continue;
		p->used = false;
		if (adv == NULL)
			continue;
		gap_lookup(dt, &p->phone, &p->caller, p->ts_ns, &g);
		if (g.known < 0)
			continue;  /* registered only after the INVITE */
		gap_summary(&g, sum, sizeof(sum));
		detect_ev_at(adv, p->cap_idx, p->frame, p->ts_ns,
		    "observed: INVITE lost", "Call-ID %s to this binding got no "
		    "response (%u retransmission(s))%s; reported on its own "
		    "dialog", p->call_id, p->retrans, sum);
		gap_evidence(adv, &g, &p->caller);
	}
}

void
detect_inbound_call_unanswered(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *inv = detect_initial(d), *cancel = NULL;
	bool big, frag;
	uint32_t size;
	struct finding *f;
	const struct detect_refusal *ref;
	struct gapinfo g;
	char sum[200], refused[120], a[NETADDR_STRLEN];
	double conf;

	if (d->kind == DIALOG_REGISTER)
		return;  /* its pending INVITEs: detect_pending_cite */
	if (inv == NULL || (inv->m->sdp == NULL && inv->m->ncontact == 0))
		return;
	/* An answered INVITE first: the cheaper walk, and nearly every
	 * call's (both tests only return, so their order is free). */
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!m->m->is_request && m->m->cseq == inv->m->cseq &&
		    dmsg_cseq_is(m, SIPM_INVITE))
			return;
		if (cancel == NULL && m->m->is_request &&
		    dmsg_method_is(m, SIPM_CANCEL))
			cancel = m;
	}
	if (detect_oversize_request(dt, d, NULL) != NULL)
		return;  /* one event: oversize_drop says why */
	size = inv->ip_len > inv->m->raw_len ? inv->ip_len :
	    (uint32_t)inv->m->raw_len;
	frag = inv->nfrags > 1;
	big = (inv->transport & 0x7f) == PKT_UDP && (frag ||
	    (inv->m->raw_len > BIG_INVITE && inv->retrans >= 1));
	ref = refusal_of(dt, inv);
	if (inv->retrans < MIN_RETRANS && !big && ref == NULL)
		return;
	if (invite_from_phone(dt, inv))
		return;  /* the phone's own call out: not an incoming call */
	if (ref != NULL)
		conf = 0.8;
	else if (big)
		conf = 0.7;
	else
		conf = 0.6;
	gap_lookup(dt, &inv->dst, &inv->src, inv->ts_ns, &g);
	if (g.b == NULL)
		pending_add(dt, inv);
	conf = gap_confidence(&g, conf);
	gap_summary(&g, sum, sizeof(sum));
	refused[0] = '\0';
	if (ref != NULL)
		snprintf(refused, sizeof(refused), "; %s refused it (ICMP %s)%s",
		    ep_ip_str(&ref->reporter, a, sizeof(a)), unreach_name(ref),
		    ep_same_ip(&ref->reporter, &inv->dst) ? ", its own "
		    "destination" : ", a router on the path");
	f = detect_finding_add(fs, SYMPTOM_INBOUND_CALL_UNANSWERED, conf, explanation, rem,
	    "INVITE %s got no response at all%s%s%s",
	    inv->retrans ? "retransmitted" : "sent once",
	    big ? (frag ? "; it was IP-fragmented" :
	    "; it is larger than 1300 bytes over UDP") : "", refused, sum);
	detect_ev(f, inv, "INVITE", "%u retransmission(s), %u bytes%s",
	    inv->retrans, size, frag ? ", in IP fragments" : "");
	if (ref != NULL)
		detect_ev_at(f, ref->cap_idx, ref->frame, ref->ts_ns,
		    "ICMP refusal", "%s sent ICMP%s type %u code %u (%s) "
		    "quoting this INVITE, %u time(s): %s",
		    ep_ip_str(&ref->reporter, a, sizeof(a)),
		    ref->reporter.family == 6 ? "v6" : "", ref->type,
		    ref->code, unreach_name(ref), ref->count,
		    !ep_same_ip(&ref->reporter, &inv->dst) ?
		    "a router on the path, not its destination" :
		    detect_nat_private(&inv->dst) ? "its destination itself" :
		    "its destination itself: no binding, pinhole or listener "
		    "there took it in");
	if (frag)
		detect_ev(f, inv, "IP fragments", "%u", inv->nfrags);
	if (cancel != NULL)
		detect_ev(f, cancel, "CANCEL", "at +%.3f s",
		    (double)(cancel->ts_ns - inv->ts_ns) / 1e9);
	gap_evidence(f, &g, &inv->src);
	/* The risk behind it, when the binding is known already. */
	if (g.b != NULL && g.b->registered &&
	    detect_binding_keepalives(dt, &g.b->phone, inv->cap_idx) == 0 &&
	    g.known == 1 && g.preset != NULL)
		detect_ev(f, NULL, "risk: no keepalive", "the phone registered "
		    "on this binding and sent no keepalive (CRLF, STUN, "
		    "OPTIONS) to hold it open");
}
