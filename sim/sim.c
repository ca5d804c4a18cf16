/*
 * sim.c - the replay engine: inside capture -> NAT + ALG -> outside view,
 * with the far-end model deciding where the outside parties send.
 *
 * For every packet of the inside capture, in time order:
 *
 *   phone -> outside   NAT binding (created or refreshed), then, when the
 *                      flow is inspected SIP, the ALG (rewrite or drop);
 *                      the result is written to the outside pcap from the
 *                      public endpoint.  The outside bytes teach the far
 *                      end the phone's Contact, Via and SDP.
 *   outside -> phone   the far-end model says where this packet would
 *                      really have been sent (Via/rport for responses,
 *                      Contact for in-dialog requests, SDP or latched
 *                      source for RTP, registered Contact or source for
 *                      new requests); a private target never reaches the
 *                      router (lost on the Internet); a public one is
 *                      written to the outside pcap and then meets the
 *                      NAT's bindings, filtering and pinholes, and the
 *                      ALG's inbound checks.
 *
 * Events the capture cannot show (the ACK a far end would send to the
 * 2xx Contact, RTP it would send to the announced address) are probed
 * against the NAT state at the moment they would happen (nat_probe), so
 * outcomes are predicted even when the recorded run lost those packets.
 *
 * IPv4 UDP and TCP are modelled; other packets are counted as not
 * modelled.  TCP segments carrying several whole SIP messages are
 * rewritten message by message; a segment holding part of a message
 * passes untranslated (K2), or is held until the message is whole and then
 * rewritten, or is dropped and stalls the connection (tcp_split_msgs, see
 * split_outbound); sequence numbers of later segments are shifted by the
 * length changes (seqadj).  Split messages from the outside pass as they
 * are in every mode (the inbound rewrite only restores Via parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "alg/algrule.h"
#include "ingest/capture.h"
#include "base/caps.h"
#include "ingest/decode.h"
#include "farend.h"
#include "nat.h"
#include "pcapw.h"
#include "ingest/pkt.h"
#include "sim.h"
#include "ingest/sipframe.h"
#include "sip/sipmsg.h"
#include "base/text.h"

#define SIM_MAX_PACKETS 2000000
#define SIM_MAX_TCP_CONN 256
#define T1_NS (CAP_NS_PER_SEC / 2)
#define TIMER_B_NS (64 * T1_NS)

/* ---- loading ---------------------------------------------------------- */

static void
on_pkt(void *user, const struct pkt *p, struct anomalies *an)
{
	struct sim_capture *c = user;
	struct sim_pkt *sp;

	(void)an;
	if (p->l4 == PKT_ICMP_UNREACH)
		return;   /* the router's own answers are the model's to make */
	if ((p->l4 != PKT_UDP && p->l4 != PKT_TCP) || p->src.family != 4 ||
	    p->dst.family != 4 || p->encap_depth > 0) {
		c->skipped++;
		return;
	}
	if (c->n >= SIM_MAX_PACKETS) {
		c->skipped++;
		return;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 1024;
		struct sim_pkt *np = realloc(c->p, nc * sizeof(*np));

		if (np == NULL) {
			c->skipped++;
			return;
		}
		c->p = np;
		c->cap = nc;
	}
	sp = &c->p[c->n];
	memset(sp, 0, sizeof(*sp));
	sp->ts_ns = p->ts_ns;
	sp->frame = p->frame;
	sp->l4 = p->l4;
	sp->src = p->src;
	sp->dst = p->dst;
	sp->nfrags = p->nfrags;
	sp->tcp_flags = p->tcp_flags;
	sp->tcp_seq = p->tcp_seq;
	sp->tcp_ack = p->tcp_ack;
	if (p->len > 0) {
		if ((sp->payload = malloc(p->len)) == NULL) {
			c->skipped++;
			return;
		}
		memcpy(sp->payload, p->payload, p->len);
		sp->len = p->len;
	}
	c->n++;
}

/* A public address the capture itself shows for the router: received= in
 * a response to the phone, or a public Request-URI host of an inbound
 * request that is not its sender's. */
static void
infer_public(struct sim_capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct sim_pkt *p = &c->p[i];
		struct sipmsg *m;
		struct ep e;

		if (p->len == 0 || !sipframe_looks_like_sip(p->payload, p->len) ||
		    ep_is_private(&p->src) || !ep_is_private(&p->dst))
			continue;
		if ((m = sipmsg_parse(p->payload, p->len, NULL)) == NULL)
			continue;
		ep_clear(&e);
		if (!m->is_request && m->nvia > 0 && m->via[0].received[0] != '\0' &&
		    ep_parse_ip(&e, m->via[0].received, strlen(m->via[0].received)) == 0 &&
		    !ep_is_private(&e)) {
			c->implied_public = e;
		} else if (m->is_request && m->ruri_addr.family == 4 &&
		    !ep_is_private(&m->ruri_addr) &&
		    !ep_same_ip(&m->ruri_addr, &p->src)) {
			c->implied_public = m->ruri_addr;
		}
		sipmsg_free(m);
		if (c->implied_public.family != 0) {
			c->implied_public.port = 0;
			return;
		}
	}
}

struct sim_capture *
sim_capture_load(const char *path, char *err, size_t errlen)
{
	struct capture_set *cs = capture_set_new();
	struct sim_capture *c = calloc(1, sizeof(*c));
	struct decoder *d = NULL;
	struct capture_frame f;
	char e2[256];

	if (cs == NULL || c == NULL ||
	    (d = decoder_new(on_pkt, c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (capture_set_add(cs, path, e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, e2);
		goto fail;
	}
	while (capture_set_next(cs, &f)) {
		c->frames++;
		decoder_frame(d, f.linktype, f.cap_idx, f.frame, f.ts_ns, f.data,
		    f.caplen, f.wirelen, &c->an);
	}
	{
		struct capture_info *ci = capture_set_info(cs, 0);

		if (ci != NULL && ci->err[0] != '\0' && c->frames == 0) {
			snprintf(err, errlen, "cannot read '%s': %s", path, ci->err);
			goto fail;
		}
	}
	decoder_free(d);
	capture_set_free(cs);
	infer_public(c);
	return c;
fail:
	decoder_free(d);
	capture_set_free(cs);
	sim_capture_free(c);
	return NULL;
}

void
sim_capture_free(struct sim_capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->p[i].payload);
	free(c->p);
	free(c);
}

/* Bounded copy of a C string (truncates). */
static void
scopy(char *dst, size_t n, const char *src)
{
	text_copy(dst, n, src, strlen(src));
}

/* ---- run state -------------------------------------------------------- */

struct tcp_conn {
	struct ep phone, remote;
	int64_t d_out;            /* outside - inside bytes, phone -> remote */
	int64_t d_in;             /* outside - inside bytes, remote -> phone */
	/* tcp_split_msgs = reassemble or drop: phone -> remote bytes held */
	uint8_t *pend;            /* from the start of an unfinished message */
	size_t pend_len;
	uint32_t pend_seq;        /* inside sequence number of pend[0] */
	bool stalled;             /* drop: a split message was dropped */
};

/* Bytes the ALG holds for one unfinished message before it gives up. */
#define SIM_TCP_PEND_MAX 65536

struct run {
	const struct sim_cfg *cfg;
	struct nat *nat;
	struct pcapw *w;
	struct sim_result *res;
	int64_t now;
	struct tcp_conn tcp[SIM_MAX_TCP_CONN];
	int ntcp;
	size_t dcap;
	struct sim_cfg relay_cfg; /* relay_sdp's rewrite: SDP only */
	struct ep cap_public;     /* the capture's own router address, if it shows one */
};

static void
add_drop(struct run *r, const struct sim_pkt *p, bool outbound,
    const char *what, const char *where, const char *reason)
{
	struct sim_drop *d;

	r->res->drops_total++;
	if (r->res->ndrops >= SIM_MAX_DROPS)
		return;
	d = &r->res->drops[r->res->ndrops++];
	d->frame = p->frame;
	d->ts_ns = p->ts_ns;
	d->outbound = outbound;
	snprintf(d->what, sizeof(d->what), "%s", what);
	snprintf(d->where, sizeof(d->where), "%s", where);
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
}

/*
 * The dialog of call_id on the phone side of p.  Two phones behind the
 * router in one call through a proxy share the Call-ID: each is its own
 * leg, keyed by its inside host.
 */
static struct fe_dialog *
dialog_find(struct run *r, const char *call_id, bool create,
    const struct sim_pkt *p)
{
	size_t i;
	struct fe_dialog *d;
	struct ep host = nat_is_inside(r->nat, &p->src) ? p->src : p->dst;

	host.port = 0;
	for (i = 0; i < r->res->ndlg; i++)
		if (strcmp(r->res->dlg[i].call_id, call_id) == 0 &&
		    ep_same_ip(&r->res->dlg[i].phone_ip, &host))
			return &r->res->dlg[i];
	if (!create || r->res->ndlg >= SIM_MAX_DIALOGS)
		return NULL;
	if (r->res->ndlg == r->dcap) {
		size_t nc = r->dcap ? r->dcap * 2 : 16;
		struct fe_dialog *nd = realloc(r->res->dlg, nc * sizeof(*nd));

		if (nd == NULL)
			return NULL;
		r->res->dlg = nd;
		r->dcap = nc;
	}
	d = &r->res->dlg[r->res->ndlg++];
	memset(d, 0, sizeof(*d));
	snprintf(d->call_id, sizeof(d->call_id), "%s", call_id);
	d->phone_ip = host;
	d->kind = FE_OTHER;
	d->session_expires = -1;
	d->reg_expires = -1;
	d->t_first_ns = p->ts_ns;
	d->first_frame = p->frame;
	return d;
}

/* The ALG looks at this flow (K3: only listed ports; TCP optional). */
static bool
inspected(const struct sim_cfg *c, const struct sim_pkt *p)
{
	return algrule_inspects(c, p->l4, p->dst.port, p->src.port);
}

static struct tcp_conn *
tcp_conn(struct run *r, const struct ep *phone, const struct ep *remote)
{
	int i;

	for (i = 0; i < r->ntcp; i++)
		if (ep_eq(&r->tcp[i].phone, phone) && ep_eq(&r->tcp[i].remote, remote))
			return &r->tcp[i];
	if (r->ntcp >= SIM_MAX_TCP_CONN)
		return NULL;
	memset(&r->tcp[r->ntcp], 0, sizeof(r->tcp[0]));
	r->tcp[r->ntcp].phone = *phone;
	r->tcp[r->ntcp].remote = *remote;
	return &r->tcp[r->ntcp++];
}

static void
write_out(struct run *r, const struct sim_pkt *p, const struct ep *src,
    const struct ep *dst, const uint8_t *b, size_t len, bool outbound,
    int64_t delta_before)
{
	if (r->w == NULL)
		return;
	if (p->l4 == PKT_UDP) {
		if (pcapw_udp(r->w, p->ts_ns, src, dst, b, len) == 0)
			r->res->written++;
	} else {
		struct tcp_conn *tc = outbound ? tcp_conn(r, &p->src, &p->dst) :
		    tcp_conn(r, &p->dst, &p->src);
		uint32_t seq = p->tcp_seq, ack = p->tcp_ack;

		if (tc != NULL) {
			seq += (uint32_t)delta_before;
			ack += (uint32_t)(outbound ? tc->d_in : tc->d_out);
		}
		if (pcapw_tcp(r->w, p->ts_ns, src, dst, seq, ack,
		    p->tcp_flags, b, len) == 0)
			r->res->written++;
	}
}

/* ---- media ------------------------------------------------------------ */

struct media_ctx {
	struct run *r;
	int64_t t;
	struct ep peer;           /* the signalling peer the SDP goes to */
};

static uint16_t
media_cb(void *user, const struct ep *inside)
{
	struct media_ctx *mc = user;
	const struct sim_cfg *c = mc->r->cfg;
	struct ep want = *nat_public(mc->r->nat);

	if (c->mport_policy == MPORT_KEEP_PRIVATE)
		return inside->port;
	want.port = inside->port;
	if (c->mport_policy == MPORT_KEEP_UNLESS_BUSY &&
	    c->mport_clash == MCLASH_DROP &&
	    nat_pinhole_clash(mc->r->nat, &want,
	    c->media_src == SRC_PEER ? &mc->peer : NULL, inside, mc->t))
		return 0;   /* the message is a mangle failure (dropped) */
	return nat_reserve_media(mc->r->nat, inside, inside->port,
	    mc->r->cfg->mport_policy, mc->t);
}

static struct fe_media *
media_for(struct fe_dialog *d, int idx)
{
	if (idx >= FE_MAX_MEDIA)
		return NULL;
	while (d->nmedia <= idx) {
		memset(&d->media[d->nmedia], 0, sizeof(d->media[0]));
		d->nmedia++;
	}
	return &d->media[idx];
}

/*
 * The dialog and media line (newest) whose phone media endpoint is e: as
 * the phone wrote it inside (outside false), or as the far end learnt it
 * from the outside SDP (outside true: a hairpin target).
 */
static struct fe_media *
media_find(struct run *r, const struct ep *e, bool outside,
    struct fe_dialog **dout)
{
	size_t i;
	int k;

	for (i = r->res->ndlg; i-- > 0;) {
		struct fe_dialog *d = &r->res->dlg[i];

		for (k = 0; k < d->nmedia; k++) {
			const struct ep *m = outside ? &d->media[k].phone_out :
			    &d->media[k].phone_in;

			if (m->family != 0 && ep_eq(m, e)) {
				*dout = d;
				return &d->media[k];
			}
		}
	}
	return NULL;
}

static struct fe_media *
media_by_phone(struct run *r, const struct ep *e, struct fe_dialog **dout)
{
	return media_find(r, e, false, dout);
}

/*
 * The media line of a phone other than host that an SDP naming e speaks
 * of: e is its c=:m= as the phone wrote it, or as the real router of the
 * capture let it out (that router's public address, the port kept),
 * and the run's outside form differs from e.  Newest first.
 */
static const struct fe_media *
media_relayed(const struct run *r, const struct ep *host, const struct ep *e)
{
	size_t i;
	int k;

	for (i = r->res->ndlg; i-- > 0;) {
		const struct fe_dialog *d = &r->res->dlg[i];

		if (ep_same_ip(&d->phone_ip, host))
			continue;
		for (k = 0; k < d->nmedia; k++) {
			const struct fe_media *m = &d->media[k];

			if (m->phone_out.family == 0 || ep_eq(&m->phone_out, e))
				continue;
			if (ep_eq(&m->phone_in, e) ||
			    (r->cap_public.family != 0 && ep_same_ip(&r->cap_public, e) &&
			    e->port == m->phone_in.port))
				return m;
		}
	}
	return NULL;
}

struct relay_ctx {
	const struct run *r;
	struct ep host;
};

static uint16_t
relay_port(void *user, const struct ep *in)
{
	const struct relay_ctx *rc = user;
	const struct fe_media *m = media_relayed(rc->r, &rc->host, in);

	return m != NULL ? m->phone_out.port : in->port;
}

/* The SDP-only rewrite relay_sdp runs: no header is touched. */
static void
relay_cfg_init(struct sim_cfg *c, const struct sim_cfg *run_cfg)
{
	profile_defaults(c);
	c->rewrite_ruri = RW_RURI_OFF;
	c->rewrite_via = RW_VIA_OFF;
	c->rewrite_via_params = 0;
	c->rewrite_contact = RW_CONTACT_OFF;
	c->rewrite_from_to = RW_FROMTO_OFF;
	c->rewrite_call_id = false;
	c->rewrite_route_rr = false;
	c->sdp_fixup = true;
	c->sdp_requires_src_match = true;
	c->rewrite_o_line = !run_cfg->alg || run_cfg->rewrite_o_line;
	c->sdp_max_media = CAP_SDP_MEDIA;
	c->content_length = CL_EXACT;
	c->drop_on_parse_error = false;
}

/*
 * A far end that relays the SDP of another phone behind this router (a
 * proxy forwarding the other leg's offer or answer without anchoring its
 * media) passes on what it received: that phone's media as the ALG wrote
 * it on the way out, not the private values the capture shows.  The
 * rewrite is the ALG's own SDP code run as that relay (c=/o= address and
 * m= ports of the other phone replaced, nothing else, Content-Length
 * exact).  Returns true with ar holding the new bytes (alg_result_fini).
 */
static bool
relay_sdp(struct run *r, const struct fe_dialog *d, const struct sipmsg *m,
    const uint8_t *msg, size_t len, struct alg_result *ar)
{
	struct relay_ctx rc;
	struct alg_flow fl;
	const struct fe_media *o = NULL;
	const struct ep *seen = NULL;
	int k;

	if (m->sdp == NULL)
		return false;
	for (k = 0; k < m->sdp->nmedia && o == NULL; k++) {
		seen = &m->sdp->media[k].conn;
		o = media_relayed(r, &d->phone_ip, seen);
	}
	if (o == NULL)
		return false;
	rc.r = r;
	rc.host = d->phone_ip;
	memset(&fl, 0, sizeof(fl));
	fl.outbound = true;
	fl.match = *seen;
	fl.repl = o->phone_out;
	alg_process(&r->relay_cfg, msg, len, &fl, relay_port, &rc, ar);
	if (ar->action == ALG_REWRITTEN)
		return true;
	alg_result_fini(ar);
	return false;
}

/* The ALG's "direct RTP" lookup (alg_shortcut_fn): a live media pinhole. */
static bool
shortcut_cb(void *user, const struct ep *pub, struct ep *inside)
{
	const struct run *r = user;

	return nat_media_pinhole(r->nat, pub, r->now, inside);
}

/* Counts an RTP packet p towards the phone of media line m. */
static void
media_in(struct fe_media *m, const struct sim_pkt *p, bool ok, const char *why)
{
	m->in_pkts++;
	if (m->first_in_ns == 0)
		m->first_in_ns = p->ts_ns;
	if (ok)
		m->in_delivered++;
	else {
		m->in_lost++;
		if (m->in_lost_reason[0] == '\0') {
			scopy(m->in_lost_reason, sizeof(m->in_lost_reason), why);
			m->in_lost_frame = p->frame;
		}
	}
}

/* Where the far end sends RTP for this media line now. */
static bool
rtp_target(const struct run *r, const struct fe_media *m, struct ep *t)
{
	if (r->cfg->farend_symmetric_rtp && m->phone_sent) {
		*t = m->phone_rtp_pub;
		return true;
	}
	if (m->phone_out.family == 0)
		return false;
	*t = m->phone_out;
	return true;
}

/* Decides whether a far-end packet to target reaches the phone at want. */
static bool
deliver(struct run *r, uint8_t proto, const struct ep *src,
    const struct ep *target, const struct ep *want, int64_t t, bool probe,
    char *why, size_t n)
{
	struct nat_result nr;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (!ep_same_ip(target, nat_public(r->nat))) {
		snprintf(why, n, "far end sends to %s%s, which never reaches the router",
		    ep_str(target, a, sizeof(a)),
		    ep_is_private(target) ? " (private address)" : "");
		return false;
	}
	if (probe)
		nat_probe(r->nat, proto, src, target, t, &nr);
	else
		nat_inbound(r->nat, proto, src, target, t, &nr);
	if (nr.verdict == NAT_EXPIRED) {
		snprintf(why, n, "binding %s expired: idle %.1f s > %u s timeout",
		    ep_str(target, a, sizeof(a)), (double)nr.idle_ns / 1e9,
		    nr.timeout_s);
		return false;
	}
	if (nr.verdict != NAT_PASS) {
		snprintf(why, n, "NAT drops packet from %s to %s: %s",
		    ep_str(src, b, sizeof(b)), ep_str(target, a, sizeof(a)),
		    nat_verdict_name(nr.verdict));
		return false;
	}
	if (want != NULL && !ep_eq(&nr.inside, want)) {
		char c2[NETADDR_STRLEN];

		snprintf(why, n, "NAT forwards %s to %s, but the phone listens at %s",
		    ep_str(target, a, sizeof(a)), ep_str(&nr.inside, b, sizeof(b)),
		    ep_str(want, c2, sizeof(c2)));
		return false;
	}
	return true;
}

/*
 * RTP from inside endpoint src to target, another phone behind the router
 * (want: where that phone listens): an inside target is reached on the
 * LAN; the router's public address only when the router loops the packet
 * back (nat_hairpin), through its mappings and pinholes like any inbound
 * packet.  probe: decide without changing the NAT.
 */
static bool
lan_path(struct run *r, const struct ep *src, const struct ep *target,
    const struct ep *want, int64_t t, bool probe, char *why, size_t n)
{
	struct ep src_pub;
	char a[NETADDR_STRLEN];

	if (nat_is_inside(r->nat, target))
		return true;
	if (!r->cfg->nat_hairpin) {
		snprintf(why, n,
		    "RTP to %s, the router's own public address, is not looped back to the LAN (nat_hairpin=false)",
		    ep_str(target, a, sizeof(a)));
		return false;
	}
	if (probe) {
		if (!nat_lookup_out(r->nat, PKT_UDP, src, target, t, &src_pub)) {
			src_pub = *nat_public(r->nat);
			src_pub.port = src->port;
		}
	} else if (nat_outbound(r->nat, PKT_UDP, src, target, t, false, false,
	    &src_pub) != 0) {
		snprintf(why, n, "no public port left (NAT table full)");
		return false;
	}
	return deliver(r, PKT_UDP, &src_pub, target, want, t, probe, why, n);
}

/* The media line of another phone of this capture that m's far address
 * names (its private address, or its public one for a hairpin). */
static struct fe_media *
lan_partner(struct run *r, const struct fe_dialog *d, const struct fe_media *m)
{
	struct fe_dialog *pd;
	struct fe_media *pm = NULL;

	if (!m->have_far)
		return NULL;
	if (nat_is_inside(r->nat, &m->far))
		pm = media_find(r, &m->far, false, &pd);
	else if (ep_same_ip(&m->far, nat_public(r->nat)))
		pm = media_find(r, &m->far, true, &pd);
	if (pm == NULL || ep_same_ip(&pd->phone_ip, &d->phone_ip))
		return NULL;
	return pm;
}

/*
 * Probes the far end's RTP for a dialog whose capture shows none.  When
 * the far end is another phone behind the router (a LAN call) both
 * directions are probed along lan_path: RTP between the phones may never
 * pass the capture point.
 */
static void
media_probe(struct run *r, struct fe_dialog *d)
{
	int k;
	struct ep t;

	for (k = 0; k < d->nmedia; k++) {
		struct fe_media *m = &d->media[k], *pm;

		if (m->probed || m->phone_in.family == 0 || m->phone_in.port == 0)
			continue;
		m->probed = true;
		if ((pm = lan_partner(r, d, m)) != NULL) {
			m->lan_probed = true;
			m->probe_ok = lan_path(r, &pm->phone_in,
			    pm->have_far ? &pm->far : &m->phone_out, &m->phone_in,
			    d->media_check_ns, true, m->probe_why, sizeof(m->probe_why));
			m->lan_out_ok = lan_path(r, &m->phone_in, &m->far,
			    &pm->phone_in, d->media_check_ns, true, m->lan_why,
			    sizeof(m->lan_why));
			continue;
		}
		if (!rtp_target(r, m, &t)) {
			snprintf(m->probe_why, sizeof(m->probe_why),
			    "far end has no address to send RTP to");
			continue;
		}
		m->probe_ok = deliver(r, PKT_UDP, m->have_far ? &m->far : &d->peer,
		    &t, &m->phone_in, d->media_check_ns, true, m->probe_why,
		    sizeof(m->probe_why));
	}
	d->media_check_ns = 0;
}

static void
due_probes(struct run *r, int64_t now)
{
	size_t i;

	for (i = 0; i < r->res->ndlg; i++) {
		struct fe_dialog *d = &r->res->dlg[i];

		if (d->media_check_ns != 0 && d->media_check_ns <= now)
			media_probe(r, d);
	}
}

/*
 * True when a message of d cannot exist in this run: the dialog never got
 * started (its INVITE lost, its REGISTER dropped), so only the initiator's
 * retransmissions of that request (and CANCEL) are real.
 */
static bool
suppressed(const struct fe_dialog *d, const struct sipmsg *m, bool from_phone)
{
	if (d == NULL || !d->gone || m == NULL)
		return false;
	if (m->is_request && from_phone == d->phone_uac &&
	    (strcmp(m->method, d->first_method) == 0 ||
	    strcmp(m->method, "CANCEL") == 0))
		return false;
	return true;
}

/* ---- SIP model -------------------------------------------------------- */

static void
learn_sdp(struct fe_dialog *d, const struct sipmsg *in, const struct sipmsg *out,
    bool from_phone, int64_t t)
{
	int k;

	if (in == NULL || in->sdp == NULL)
		return;
	for (k = 0; k < in->sdp->nmedia && k < FE_MAX_MEDIA; k++) {
		struct fe_media *m = media_for(d, k);
		const struct sdp_media *sm = &in->sdp->media[k];

		if (m == NULL)
			break;
		snprintf(m->media, sizeof(m->media), "%s", sm->media);
		if (from_phone) {
			struct ep pin = sm->conn, pout;

			pin.port = sm->port;
			ep_clear(&pout);
			if (out != NULL && out->sdp != NULL && k < out->sdp->nmedia) {
				pout = out->sdp->media[k].conn;
				pout.port = out->sdp->media[k].port;
			}
			if (!ep_eq(&pin, &m->phone_in) || !ep_eq(&pout, &m->phone_out)) {
				/* a new address: probe the far end's RTP again */
				m->phone_in = pin;
				m->phone_out = pout;
				if (m->probed) {
					m->probed = false;
					d->media_check_ns = t + CAP_NS_PER_SEC / 10;
				}
			}
		} else {
			m->far = sm->conn;
			m->far.port = sm->port;
			m->have_far = sm->conn.family != 0 && sm->port != 0;
		}
	}
}

static bool
is_invite_like(const char *m)
{
	return strcmp(m, "INVITE") == 0 || strcmp(m, "UPDATE") == 0;
}

/*
 * Where the far end sends an in-dialog request of d: the phone's Contact
 * as it learnt it (RFC 3261 12.2.1.1), or, with farend_dialog_target =
 * source, the public source of the phone's last message (a NAT-aware
 * proxy).  False when it knows neither.
 */
static bool
dialog_target(const struct run *r, const struct fe_dialog *d, struct ep *t)
{
	if (r->cfg->farend_dialog_target == REG_TARGET_SOURCE &&
	    d->phone_pub.family != 0) {
		*t = d->phone_pub;
		return true;
	}
	if (!d->has_contact_out)
		return false;
	*t = d->contact_out;
	return true;
}

static void
model_outbound(struct run *r, struct fe_dialog *d, const struct sim_pkt *p,
    const struct sipmsg *mi, const struct sipmsg *mo, const struct ep *pub,
    const struct alg_result *ar)
{
	char why[240], a[NETADDR_STRLEN];
	int k;

	d->phone_sig = p->src;
	d->phone_pub = *pub;
	d->peer = p->dst;
	d->proto = p->l4;
	d->t_last_ns = p->ts_ns;
	if (ar != NULL)
		fe_learn_edits(d, ar);
	if (mo != NULL && d->call_id_out[0] == '\0')
		snprintf(d->call_id_out, sizeof(d->call_id_out), "%s", mo->call_id);
	if (mi->session_expires > 0)
		d->session_expires = mi->session_expires;
	if (mi->is_request) {
		if (d->first_method[0] == '\0') {
			d->phone_uac = true;
			snprintf(d->first_method, sizeof(d->first_method), "%s", mi->method);
			d->kind = strcmp(mi->method, "INVITE") == 0 ? FE_CALL :
			    strcmp(mi->method, "REGISTER") == 0 ? FE_REGISTER : FE_OTHER;
		}
		if (d->ntxn < FE_MAX_TXN || d->ntxn > 0) {
			struct fe_txn *t;

			if (d->ntxn == FE_MAX_TXN) {
				memmove(&d->txn[0], &d->txn[1], sizeof(d->txn[0]) *
				    (FE_MAX_TXN - 1));
				d->ntxn--;
			}
			t = &d->txn[d->ntxn++];
			memset(t, 0, sizeof(*t));
			t->cseq = mi->cseq;
			snprintf(t->method, sizeof(t->method), "%s", mi->method);
			if (mo != NULL && mo->nvia > 0) {
				t->via_out = mo->via[0].sent_by;
				t->rport = mo->via[0].rport != 0;
			}
			t->src_pub = *pub;
			t->t_ns = p->ts_ns;
		}
		if (strcmp(mi->method, "INVITE") == 0 || strcmp(mi->method, "UPDATE") == 0 ||
		    strcmp(mi->method, "SUBSCRIBE") == 0 || strcmp(mi->method, "REFER") == 0) {
			if (mo != NULL && mo->ncontact > 0 && mo->contact[0].addr.family != 0) {
				d->contact_out = mo->contact[0].addr;
				d->has_contact_out = true;
			}
		}
		if (is_invite_like(mi->method) && d->t_answer_ns != 0 &&
		    d->kind == FE_CALL) {
			d->refreshed = true;
			d->t_refresh_ns = p->ts_ns;
		}
		if (strcmp(mi->method, "REGISTER") == 0 && mo != NULL) {
			if (mi->ncontact > 0)
				d->reg_contact_in = mi->contact[0].addr;
			if (mo->ncontact > 0)
				d->reg_contact_out = mo->contact[0].addr;
			d->reg_src_pub = *pub;
			d->registrar = p->dst;
			d->reg_contact_rewritten = false;
			for (k = 0; ar != NULL && k < ar->nedits; k++)
				if (strcmp(ar->edits[k].field, "Contact") == 0)
					d->reg_contact_rewritten = true;
			d->reg_expires = mi->ncontact > 0 && mi->contact[0].expires >= 0 ?
			    mi->contact[0].expires : mi->expires;
		}
		if (strcmp(mi->method, "BYE") == 0) {
			d->bye_seen = true;
			d->t_bye_ns = p->ts_ns;
		}
		if (strcmp(mi->method, "REFER") == 0 && mo != NULL) {
			struct ep e;
			const char *rt = mo->refer_to, *at = strchr(rt, '@');

			/* Refer-To is never rewritten by Linux (1.2): a private host leaks. */
			ep_clear(&e);
			if (at != NULL) {
				size_t hl = strcspn(at + 1, ":;>?");

				if (ep_parse_ip(&e, at + 1, hl) == 0 && ep_is_private(&e)) {
					snprintf(why, sizeof(why),
					    "REFER leaves with Refer-To host %s (private, not rewritten): the transfer target is unreachable",
					    ep_ip_str(&e, a, sizeof(a)));
					fe_finding_add(d, "transfer_failure", p->ts_ns, p->frame, why);
				}
			}
		}
		if (mi->replaces[0] != '\0' && r->cfg->alg && r->cfg->rewrite_call_id) {
			fe_finding_add(d, "transfer_failure", p->ts_ns, p->frame,
			    "INVITE with Replaces: the ALG rewrites Call-IDs (rewrite_call_id), so Replaces names a dialog the far end does not know (481)");
		}
	} else {
		if (d->first_method[0] == '\0') {
			snprintf(d->first_method, sizeof(d->first_method), "%s", mi->cseq_method);
			d->kind = strcmp(mi->cseq_method, "INVITE") == 0 ? FE_CALL : FE_OTHER;
		}
		if (strcmp(mi->cseq_method, "INVITE") == 0 && mi->status >= 200 &&
		    mi->status < 300) {
			if (mo != NULL && mo->ncontact > 0 && mo->contact[0].addr.family != 0) {
				d->contact_out = mo->contact[0].addr;
				d->has_contact_out = true;
			}
			d->has_rr = mi->nrecord_route > 0;
			if (d->t_answer_ns == 0) {
				struct ep want = mi->ncontact > 0 ? mi->contact[0].addr : p->src;
				struct ep ackt;

				d->t_answer_ns = p->ts_ns;
				d->answer_frame = p->frame;
				d->final_status = mi->status;
				/*
				 * The caller's ACK goes to this 2xx's Contact (RFC 3261
				 * 13.2.2.4, 12.1.2): decide now whether it can come back.
				 */
				d->ack_predicted = true;
				if (!dialog_target(r, d, &ackt)) {
					d->ack_lost = false;
				} else if (!deliver(r, p->l4, &p->dst, &ackt, &want,
				    p->ts_ns + CAP_NS_PER_SEC / 100, true, d->ack_lost_why,
				    sizeof(d->ack_lost_why))) {
					d->ack_lost = true;
				}
				d->media_check_ns = p->ts_ns + CAP_NS_PER_SEC / 10;
			}
		} else if (strcmp(mi->cseq_method, "INVITE") == 0 && mi->status >= 300 &&
		    d->final_status == 0)
			d->final_status = mi->status;
	}
	learn_sdp(d, mi, mo, true, p->ts_ns);
}

/*
 * Whether the registrar's NAT test (P2 nat_uac_test: Contact against the
 * packet source) finds the phone behind NAT, so that it sends keepalives
 * every farend_nat_keepalive seconds.  A Contact the ALG rewrote to the
 * public address passes that test (V1: reg_hides_nat) unless the ALG is
 * modelled as leaving a trace (reg_hides_nat=false).  Without a rewrite the
 * test is the plain comparison: a private or foreign Contact is NAT.
 */
static bool
registrar_sees_nat(const struct sim_cfg *cfg, const struct fe_dialog *d)
{
	if (d->reg_contact_rewritten)
		return !cfg->reg_hides_nat;
	return !ep_eq(&d->reg_contact_out, &d->reg_src_pub);
}

/*
 * The model's view of a far-end message mi (as the capture shows it) that
 * was delivered to the phone or not; seen is the same message as the
 * phone got it (the far end's outside bytes after the ALG), which is where
 * the far end's media address is learnt.
 */
static void
model_inbound(struct run *r, struct fe_dialog *d, const struct sim_pkt *p,
    const struct sipmsg *mi, const struct sipmsg *seen, bool delivered,
    const char *why, const struct ep *target)
{
	char buf[300];

	(void)target;
	d->t_last_ns = p->ts_ns;
	if (d->peer.family == 0)
		d->peer = p->src;
	if (d->proto == 0)
		d->proto = p->l4;
	if (d->phone_sig.family == 0)
		d->phone_sig = p->dst;
	if (mi->session_expires > 0)
		d->session_expires = mi->session_expires;
	if (mi->is_request) {
		if (d->first_method[0] == '\0') {
			d->phone_uac = false;
			snprintf(d->first_method, sizeof(d->first_method), "%s", mi->method);
			d->kind = strcmp(mi->method, "INVITE") == 0 ? FE_CALL :
			    strcmp(mi->method, "REGISTER") == 0 ? FE_REGISTER : FE_OTHER;
			if (!delivered) {
				d->invite_lost = true;
				d->gone = d->kind == FE_CALL;
				scopy(d->invite_lost_why, sizeof(d->invite_lost_why), why);
				d->invite_lost_frame = p->frame;
			}
		} else if (strcmp(mi->method, "INVITE") == 0 && !d->phone_uac &&
		    d->t_answer_ns == 0 && d->invite_lost && delivered) {
			/* a retransmission got through after all */
			d->invite_lost = false;
			d->gone = false;
		}
		if (strcmp(mi->method, "ACK") == 0) {
			if (delivered) {
				d->ack_seen = true;
				d->ack_lost = false;
				d->ack_frame = p->frame;
			} else if (!d->ack_seen) {
				d->ack_lost = true;
				scopy(d->ack_lost_why, sizeof(d->ack_lost_why), why);
				d->ack_frame = p->frame;
			}
			d->ack_predicted = false;
		}
		if (is_invite_like(mi->method) && d->t_answer_ns != 0) {
			d->refreshed = true;
			d->t_refresh_ns = p->ts_ns;
		}
		if (strcmp(mi->method, "BYE") == 0) {
			d->bye_seen = true;
			d->t_bye_ns = p->ts_ns;
		}
		if (strcmp(mi->method, "NOTIFY") == 0 && mi->sipfrag_status >= 300) {
			snprintf(buf, sizeof(buf), "NOTIFY reports the transfer failed (sipfrag %d)",
			    mi->sipfrag_status);
			fe_finding_add(d, "transfer_failure", p->ts_ns, p->frame, buf);
		}
		learn_sdp(d, seen, NULL, false, p->ts_ns);
		return;
	}
	/* responses to the phone's requests */
	if (strcmp(mi->cseq_method, "INVITE") == 0 && d->phone_uac) {
		if (mi->status >= 200 && mi->status < 300) {
			if (d->t_answer_ns == 0) {
				d->t_answer_ns = p->ts_ns;
				d->answer_frame = p->frame;
				d->final_status = mi->status;
				d->media_check_ns = p->ts_ns + CAP_NS_PER_SEC / 10;
			}
			if (!delivered && !d->ack_seen) {
				if (!d->answer_lost) {
					d->answer_lost = true;
					scopy(d->answer_lost_why, sizeof(d->answer_lost_why), why);
				}
			} else if (delivered) {
				d->answer_lost = false;
				d->ack_seen = true;
			}
		} else if (mi->status >= 300 && d->final_status == 0)
			d->final_status = mi->status;
	}
	if (d->kind == FE_OTHER && d->phone_uac && mi->status >= 200 &&
	    strcmp(mi->cseq_method, d->first_method) == 0) {
		if (d->final_status == 0) {
			d->final_status = mi->status;
			d->t_answer_ns = p->ts_ns;
			d->answer_frame = p->frame;
		}
		if (!delivered && !d->answer_lost && d->final_status == mi->status) {
			d->answer_lost = true;
			scopy(d->answer_lost_why, sizeof(d->answer_lost_why), why);
		} else if (delivered)
			d->answer_lost = false;
	}
	if (strcmp(mi->cseq_method, "REGISTER") == 0 && mi->status >= 200) {
		d->final_status = mi->status;
		if (mi->status < 300) {
			if (!delivered) {
				d->reg_dropped = true;
				snprintf(d->reg_why, sizeof(d->reg_why),
				    "200 OK to REGISTER lost: %.170s", why);
			} else {
				d->reg_dropped = false;
				d->reg_why[0] = '\0';
				if (r->cfg->alg && r->cfg->register_pinhole &&
				    d->reg_contact_out.family == 4 &&
				    ep_same_ip(&d->reg_contact_out, nat_public(r->nat)) &&
				    d->reg_expires != 0) {
					int ex = mi->ncontact > 0 && mi->contact[0].expires >= 0 ?
					    mi->contact[0].expires :
					    mi->expires >= 0 ? mi->expires : d->reg_expires;

					/* K2: a permanent expectation, live for the Contact expiry. */
					nat_add_pinhole(r->nat, p->l4, &d->reg_contact_out,
					    &d->reg_contact_in,
					    r->cfg->pinhole_src == SRC_PEER ? &d->registrar : NULL,
					    p->ts_ns + (int64_t)(ex > 0 ? ex : 3600) * CAP_NS_PER_SEC,
					    true);
				}
				if (r->cfg->farend_nat_keepalive > 0 &&
				    registrar_sees_nat(r->cfg, d))
					nat_keepalive(r->nat, p->l4, &d->phone_sig,
					    r->cfg->farend_nat_keepalive, p->ts_ns);
				else if (r->cfg->farend_nat_keepalive > 0 &&
				    d->note[0] == '\0')
					snprintf(d->note, sizeof(d->note),
					    "the ALG's REGISTER rewrite hides the NAT (reg_hides_nat): the registrar sends no keepalives");
			}
		} else if (mi->status != 401 && mi->status != 407) {
			d->reg_dropped = true;
			snprintf(d->reg_why, sizeof(d->reg_why),
			    "registrar answered %d", mi->status);
		}
	}
	learn_sdp(d, seen, NULL, false, p->ts_ns);
}

static void
close_media(struct run *r, struct fe_dialog *d)
{
	int k;

	for (k = 0; k < d->nmedia; k++)
		if (d->media[k].phone_in.family != 0)
			nat_close_pinholes(r->nat, &d->media[k].phone_in);
}

/*
 * A message from the phone that never reaches the far end (dropped by the
 * ALG, or discarded by the far end): what it means for its dialog.
 */
static void
outbound_lost(struct fe_dialog *d, const struct sipmsg *mi,
    const struct sim_pkt *p, const char *why)
{
	if (d == NULL || mi == NULL)
		return;
	d->phone_sig = p->src;
	d->peer = p->dst;
	d->proto = p->l4;
	d->t_last_ns = p->ts_ns;
	if (d->first_method[0] == '\0') {
		d->phone_uac = mi->is_request;
		snprintf(d->first_method, sizeof(d->first_method), "%s",
		    mi->is_request ? mi->method : mi->cseq_method);
		d->kind = strcmp(d->first_method, "INVITE") == 0 ? FE_CALL :
		    strcmp(d->first_method, "REGISTER") == 0 ? FE_REGISTER : FE_OTHER;
	}
	if (mi->is_request && strcmp(mi->method, "REGISTER") == 0) {
		d->reg_dropped = true;
		d->gone = d->final_status == 0;
		scopy(d->reg_why, sizeof(d->reg_why), why);
	} else if (mi->is_request && strcmp(mi->method, "INVITE") == 0 &&
	    d->phone_uac && d->t_answer_ns == 0) {
		d->invite_lost = true;
		d->gone = true;
		scopy(d->invite_lost_why, sizeof(d->invite_lost_why), why);
		d->invite_lost_frame = p->frame;
	} else if (!mi->is_request && strcmp(mi->cseq_method, "INVITE") == 0 &&
	    mi->status >= 200 && mi->status < 300) {
		if (d->t_answer_ns == 0) {
			d->t_answer_ns = p->ts_ns;
			d->answer_frame = p->frame;
		}
		d->answer_lost = true;
		scopy(d->answer_lost_why, sizeof(d->answer_lost_why), why);
	} else if (mi->is_request && strcmp(mi->method, "REFER") == 0) {
		fe_finding_add(d, "transfer_failure", p->ts_ns, p->frame, why);
	} else if (mi->is_request && d->kind == FE_OTHER && d->phone_uac &&
	    strcmp(mi->method, d->first_method) == 0 && d->final_status == 0) {
		/* OPTIONS, SUBSCRIBE, MESSAGE ...: the transaction is lost */
		d->invite_lost = true;
		scopy(d->invite_lost_why, sizeof(d->invite_lost_why), why);
		d->invite_lost_frame = p->frame;
	}
}

/*
 * Whether the far end can take a message whose Content-Length the ALG
 * left wrong: over UDP a Content-Length beyond the datagram makes it
 * discard the message (RFC 3261 18.3); over TCP any mismatch misframes
 * the stream.  A shorter Content-Length over UDP just cuts the body (the
 * far end then parses the cut SDP).  Returns true with why set when lost.
 */
static bool
farend_discards(const struct sim_pkt *p, const uint8_t *b, size_t len,
    char *why, size_t n)
{
	struct anomalies an;
	size_t ml, bo;

	memset(&an, 0, sizeof(an));
	if (sipframe_datagram(b, len, &ml, &bo, &an) != SIPFRAME_OK)
		return false;
	if (an.n[ANOMALY_SIP_CL_BEYOND_DATA] > 0) {
		snprintf(why, n, "the ALG left Content-Length larger than the message: the far end discards it (RFC 3261 18.3)");
		return true;
	}
	if (p->l4 == PKT_TCP && an.n[ANOMALY_SIP_CL_SHORT] > 0) {
		snprintf(why, n, "the ALG left Content-Length shorter than the body: the far end misframes the TCP stream");
		return true;
	}
	return false;
}

/* One outbound SIP message; appends the outside bytes to o. */
static void
sip_outbound(struct run *r, const struct sim_pkt *p, const uint8_t *msg,
    size_t len, const struct ep *pub, bool insp, uint8_t **ob, size_t *ol,
    size_t *ocap)
{
	struct sipmsg *mi = sipmsg_parse(msg, len, NULL), *mo = NULL;
	struct alg_result ar;
	struct fe_dialog *d = NULL;
	const uint8_t *outb = msg;
	size_t outl = len;
	char label[64], why[300];
	bool have_ar = false, discarded = false;

	if (mi != NULL) {
		d = dialog_find(r, mi->call_id, true, p);
		sipmsg_label(mi, label, sizeof(label));
	} else
		snprintf(label, sizeof(label), "SIP");
	if (suppressed(d, mi, true)) {
		r->res->suppressed++;
		sipmsg_free(mi);
		return;
	}
	if (insp) {
		struct media_ctx mc = { r, p->ts_ns, p->dst };
		struct alg_flow fl;

		memset(&fl, 0, sizeof(fl));
		fl.outbound = true;
		fl.match = p->src;
		fl.repl = *pub;
		if (p->l4 == PKT_UDP && p->nfrags > 1 &&
		    r->cfg->udp_fragments == FRAG_DROP) {
			snprintf(why, sizeof(why),
			    "%s arrived in %u IP fragments and the ALG drops fragmented SIP (udp_fragments=drop)",
			    label, p->nfrags);
			goto dropped;
		}
		alg_process(r->cfg, msg, len, &fl, media_cb, &mc, &ar);
		have_ar = true;
		if (ar.action == ALG_DROP) {
			snprintf(why, sizeof(why), "ALG drops %.60s: %.220s", label, ar.reason);
			alg_result_fini(&ar);
			goto dropped;
		}
		if (ar.action == ALG_REWRITTEN) {
			outb = ar.out;
			outl = ar.out_len;
			r->res->rewritten++;
			if (ar.cl_wrong && farend_discards(p, outb, outl, why, sizeof(why)))
				discarded = true;
		}
		if (d != NULL) {
			int k;

			/* keep_private trusts the NAT to keep the port: no expectation */
			for (k = 0; r->cfg->mport_policy != MPORT_KEEP_PRIVATE &&
			    k < ar.nmedia; k++) {
				struct ep rtcp_o = ar.media[k].outside, rtcp_i = ar.media[k].inside;
				const struct ep *allow = r->cfg->media_src == SRC_PEER ?
				    &p->dst : NULL;
				int64_t exp = p->ts_ns + (int64_t)r->cfg->expect_timeout *
				    CAP_NS_PER_SEC;

				nat_add_pinhole(r->nat, PKT_UDP, &ar.media[k].outside,
				    &ar.media[k].inside, allow, exp, false);
				rtcp_o.port++;
				rtcp_i.port++;
				nat_add_pinhole(r->nat, PKT_UDP, &rtcp_o, &rtcp_i, allow, exp,
				    false);
			}
		}
	}
	if (discarded) {
		r->res->farend_lost++;
		add_drop(r, p, true, label, "far-end", why);
		outbound_lost(d, mi, p, why);
	} else if (mi != NULL && d != NULL) {
		mo = outb == msg ? NULL : sipmsg_parse(outb, outl, NULL);
		model_outbound(r, d, p, mi, mo != NULL ? mo : mi, pub,
		    have_ar ? &ar : NULL);
		if (mi->is_request && strcmp(mi->method, "BYE") == 0)
			close_media(r, d);
	}
	/* append */
	if (*ol + outl > *ocap) {
		size_t nc = (*ol + outl) * 2;
		uint8_t *nb = realloc(*ob, nc);

		if (nb != NULL) {
			*ob = nb;
			*ocap = nc;
		}
	}
	if (*ol + outl <= *ocap) {
		memcpy(*ob + *ol, outb, outl);
		*ol += outl;
	}
	if (have_ar)
		alg_result_fini(&ar);
	sipmsg_free(mo);
	sipmsg_free(mi);
	return;
dropped:
	r->res->alg_drops++;
	add_drop(r, p, true, label, "alg", why);
	outbound_lost(d, mi, p, why);
	sipmsg_free(mi);
}

/* ---- packets ---------------------------------------------------------- */

/*
 * Frames the whole SIP messages at the start of a held TCP byte stream.
 * Returns their count (at most max) with *used the bytes they span, or -1
 * when the bytes are not SIP (not framable: Content-Length missing, a cap
 * hit).  A trailing unfinished message is left for later segments.
 */
static int
tcp_frame(const uint8_t *p, size_t len, size_t *off, size_t *ln, int max,
    size_t *used)
{
	size_t at = 0, skipped, ml;
	enum sipframe_rc rc;
	int n = 0;

	while (at < len && n < max) {
		rc = sipframe_stream(p + at, len - at, &skipped, &ml, NULL);
		if (rc == SIPFRAME_INCOMPLETE)
			break;
		if (rc != SIPFRAME_OK)
			return -1;
		off[n] = at + skipped;
		ln[n] = ml;
		n++;
		at += skipped + ml;
	}
	*used = at;
	return n;
}

/*
 * Splits a TCP payload into whole SIP messages.  Returns the count (at most
 * max), or -1 when the segment does not consist of whole messages.
 */
static int
tcp_split(const uint8_t *p, size_t len, size_t *off, size_t *ln, int max)
{
	size_t used;
	int n = tcp_frame(p, len, off, ln, max, &used);

	return n >= 0 && used == len ? n : -1;
}

/* Writes the held bytes as they are (the ALG gives up on them). */
static void
pend_flush_raw(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    const struct ep *pub)
{
	struct sim_pkt q = *p;

	q.tcp_seq = tc->pend_seq;
	write_out(r, &q, pub, &p->dst, tc->pend, tc->pend_len, true, tc->d_out);
	tc->pend_len = 0;
}

/*
 * tcp_split_msgs = reassemble or drop, for an inspected phone -> remote
 * TCP segment that starts, continues or follows a split SIP message.
 *
 *   reassemble  the ALG holds the segments until the message is whole,
 *               rewrites it like any other and sends the result as one
 *               segment at the sequence number of the first held byte
 *               (shifted by earlier length changes); later segments are
 *               shifted by this message's change too (seqadj).
 *   drop        the segment is dropped; the phone's retransmissions are
 *               dropped alike, so the remote never gets these bytes and
 *               every later byte of the connection waits behind them: the
 *               connection stalls.  Each message in the held bytes is lost
 *               for its dialog (an INVITE: call_failed).
 */
static void
split_outbound(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    const struct ep *pub)
{
	size_t off[32], ln[32], used = 0;
	uint8_t *ob = NULL, *np;
	size_t ol = 0, ocap = 0;
	char why[240];
	int n, k;

	if (tc->pend_len == 0)
		tc->pend_seq = p->tcp_seq;
	if (tc->pend_len + p->len > SIM_TCP_PEND_MAX &&
	    r->cfg->tcp_split_msgs == TCPSPLIT_DROP) {
		tc->pend_len = 0;     /* stalled anyway: forget what was held */
		tc->pend_seq = p->tcp_seq;
	} else if (tc->pend_len + p->len > SIM_TCP_PEND_MAX) {
		/* the ALG gives up: everything held passes as it is */
		pend_flush_raw(r, p, tc, pub);
		tc->pend_seq = p->tcp_seq;
		if (p->len > SIM_TCP_PEND_MAX) {
			write_out(r, p, pub, &p->dst, p->payload, p->len, true,
			    tc->d_out);
			return;
		}
	}
	if ((np = realloc(tc->pend, tc->pend_len + p->len)) == NULL) {
		write_out(r, p, pub, &p->dst, p->payload, p->len, true, tc->d_out);
		return;
	}
	tc->pend = np;
	memcpy(tc->pend + tc->pend_len, p->payload, p->len);
	tc->pend_len += p->len;
	n = tcp_frame(tc->pend, tc->pend_len, off, ln, 32, &used);
	if (r->cfg->tcp_split_msgs == TCPSPLIT_DROP) {
		r->res->alg_drops++;
		add_drop(r, p, true, "TCP", "alg", tc->stalled ?
		    "connection stalled: the remote still waits for the bytes of the dropped split SIP message" :
		    "SIP message split across TCP segments: the ALG drops the segment (tcp_split_msgs=drop), then its retransmissions: the connection stalls");
		tc->stalled = true;
		snprintf(why, sizeof(why),
		    "the ALG dropped a SIP message split across TCP segments (tcp_split_msgs=drop): the TCP connection stalls and this message never arrives");
		for (k = 0; k < n; k++) {
			struct sipmsg *mi = sipmsg_parse(tc->pend + off[k], ln[k], NULL);
			struct fe_dialog *d = mi != NULL ?
			    dialog_find(r, mi->call_id, true, p) : NULL;

			if (d != NULL && !suppressed(d, mi, true))
				outbound_lost(d, mi, p, why);
			sipmsg_free(mi);
		}
	} else if (n < 0) {
		/* not framable SIP (no Content-Length): passes un-NATed (K2) */
		pend_flush_raw(r, p, tc, pub);
		return;
	} else if (n > 0) {
		struct sim_pkt q = *p;
		int64_t before = tc->d_out;

		for (k = 0; k < n; k++)
			sip_outbound(r, p, tc->pend + off[k], ln[k], pub, true, &ob,
			    &ol, &ocap);
		q.tcp_seq = tc->pend_seq;
		if (ol > 0)
			write_out(r, &q, pub, &p->dst, ob, ol, true, before);
		tc->d_out += (int64_t)ol - (int64_t)used;
		free(ob);
	}
	if (n < 0)
		used = tc->pend_len;
	memmove(tc->pend, tc->pend + used, tc->pend_len - used);
	tc->pend_len -= used;
	tc->pend_seq += (uint32_t)used;
}

static void
outbound(struct run *r, const struct sim_pkt *p)
{
	bool is_sip = p->len > 0 && sipframe_looks_like_sip(p->payload, p->len);
	bool insp = is_sip && inspected(r->cfg, p);
	bool fresh = false;
	struct ep pub;

	r->res->out_pkts++;
	if (is_sip && !r->cfg->consistent_nat && p->l4 == PKT_UDP) {
		/* S1: without consistent NAT each new request gets a new port. */
		struct sipmsg *m = sipmsg_parse(p->payload, p->len, NULL);

		if (m != NULL && m->is_request && strcmp(m->method, "ACK") != 0) {
			struct fe_dialog *d = dialog_find(r, m->call_id, false, p);
			int k;

			fresh = true;
			for (k = 0; d != NULL && k < d->ntxn; k++)
				if (d->txn[k].cseq == m->cseq &&
				    strcmp(d->txn[k].method, m->method) == 0)
					fresh = false;   /* a retransmission */
		}
		sipmsg_free(m);
	}
	if (nat_outbound(r->nat, p->l4, &p->src, &p->dst, p->ts_ns,
	    is_sip && insp, fresh, &pub) != 0) {
		r->res->nat_drops++;
		add_drop(r, p, true, is_sip ? "SIP" : "UDP", "nat",
		    "no public port left (NAT table full)");
		return;
	}
	if (p->l4 == PKT_TCP && p->len > 0 &&
	    r->cfg->tcp_split_msgs != TCPSPLIT_PASS &&
	    algrule_inspects(r->cfg, PKT_TCP, p->dst.port, p->src.port)) {
		struct tcp_conn *tc = tcp_conn(r, &p->src, &p->dst);
		size_t off[32], ln[32], used;
		int n = is_sip ? tcp_frame(p->payload, p->len, off, ln, 32, &used) : -1;

		/* a continuation does not look like SIP: held bytes decide */
		if (tc != NULL && (tc->pend_len > 0 || tc->stalled ||
		    (is_sip && n >= 0 && used < p->len))) {
			split_outbound(r, p, tc, &pub);
			return;
		}
	}
	if (is_sip) {
		uint8_t *ob = NULL;
		size_t ol = 0, ocap = 0;
		size_t off[32], ln[32];
		int n, k;
		int64_t delta_before = 0;
		struct tcp_conn *tc = NULL;

		if (p->l4 == PKT_TCP) {
			tc = tcp_conn(r, &p->src, &p->dst);
			delta_before = tc != NULL ? tc->d_out : 0;
			n = tcp_split(p->payload, p->len, off, ln, 32);
			if (n < 0) {
				/* K2: a message split across segments passes un-NATed. */
				write_out(r, p, &pub, &p->dst, p->payload, p->len, true,
				    delta_before);
				return;
			}
		} else {
			size_t body;

			if (sipframe_datagram(p->payload, p->len, &ln[0], &body, NULL) !=
			    SIPFRAME_OK)
				ln[0] = p->len;
			off[0] = 0;
			n = 1;
		}
		for (k = 0; k < n; k++)
			sip_outbound(r, p, p->payload + off[k], ln[k], &pub, insp, &ob,
			    &ol, &ocap);
		if (n == 0 || ol > 0) {
			if (p->l4 == PKT_UDP && ol < p->len && n == 1 && ln[0] < p->len) {
				/* keep trailing bytes after the message (padding) */
				uint8_t *nb = realloc(ob, ol + (p->len - ln[0]));

				if (nb != NULL) {
					ob = nb;
					memcpy(ob + ol, p->payload + ln[0], p->len - ln[0]);
					ol += p->len - ln[0];
				}
			}
			write_out(r, p, &pub, &p->dst, ob, ol, true, delta_before);
			if (tc != NULL)
				tc->d_out += (int64_t)ol - (int64_t)p->len;
		} else if (p->l4 == PKT_TCP && tc != NULL) {
			/* every message dropped: the bytes vanish from the stream */
			tc->d_out -= (int64_t)p->len;
		}
		free(ob);
		return;
	}
	/* media and anything else */
	if (p->l4 == PKT_UDP) {
		struct fe_dialog *d;
		struct fe_media *m = media_by_phone(r, &p->src, &d);

		if (m != NULL && d->gone) {
			r->res->suppressed++;
			return;
		}
		if (m != NULL) {
			m->out_pkts++;
			if (!m->phone_sent) {
				m->phone_sent = true;
				m->first_out_ns = p->ts_ns;
				if (r->cfg->farend_symmetric_rtp && m->in_pkts == 0) {
					/* the far end latches onto this source: probe again */
					m->probed = false;
					d->media_check_ns = p->ts_ns + CAP_NS_PER_SEC / 50;
				}
			}
			m->phone_rtp_pub = pub;
		}
	}
	write_out(r, p, &pub, &p->dst, p->payload, p->len, true,
	    p->l4 == PKT_TCP && tcp_conn(r, &p->src, &p->dst) != NULL ?
	    tcp_conn(r, &p->src, &p->dst)->d_out : 0);
}

/* Says on the dialog that the ALG turned the far end's SDP into another
 * inside phone's private media address (lan_media_shortcut). */
static void
shortcut_note(struct fe_dialog *d, const struct alg_result *ar)
{
	int k;

	if (d->note[0] != '\0')
		return;
	for (k = 0; k < ar->nedits; k++)
		if (strcmp(ar->edits[k].field, "c=") == 0) {
			snprintf(d->note, sizeof(d->note),
			    "the ALG rewrites the far end's SDP c=%s to %s, another phone behind this router (lan_media_shortcut): media stays on the LAN",
			    ar->edits[k].before, ar->edits[k].after);
			return;
		}
}

/* Where the far end sends this message (see farend.h). */
static void
sip_target(struct run *r, const struct sim_pkt *p, const struct sipmsg *m,
    struct fe_dialog *d, struct ep *target, bool *retarget)
{
	size_t i;

	*retarget = false;
	if (p->l4 == PKT_TCP) {
		/* RFC 3261 18.2.2: over TCP the answer uses the connection. */
		if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src, p->ts_ns, target)) {
			*target = *nat_public(r->nat);
			target->port = p->dst.port;
		}
		return;
	}
	if (!m->is_request) {
		if (d != NULL && fe_response_target(r->cfg, d, m->cseq,
		    m->cseq_method, target))
			return;
	} else if (d != NULL && m->to_tag[0] != '\0' && dialog_target(r, d, target)) {
		return;
	} else if (m->to_tag[0] == '\0') {
		/* a new request: the registrar's idea of the phone, if any */
		for (i = r->res->ndlg; i-- > 0;) {
			const struct fe_dialog *g = &r->res->dlg[i];

			if (g->kind != FE_REGISTER || g->reg_contact_in.family == 0 ||
			    !ep_same_ip(&g->reg_contact_in, &p->dst) ||
			    g->final_status < 200 || g->final_status >= 300)
				continue;
			*target = r->cfg->registrar_target == REG_TARGET_SOURCE ?
			    g->reg_src_pub : g->reg_contact_out;
			*retarget = true;
			return;
		}
		*retarget = true;
	}
	if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src, p->ts_ns, target)) {
		/* no binding: the far end used the public address and the same port
		 * (a port forward, or a binding made before the capture) */
		*target = *nat_public(r->nat);
		target->port = p->dst.port;
	}
}

static void
inbound_sip(struct run *r, const struct sim_pkt *p, const uint8_t *msg,
    size_t len, uint8_t **ob, size_t *ol, size_t *ocap, bool *any_pass,
    struct ep *seg_target)
{
	struct sipmsg *m = sipmsg_parse(msg, len, NULL), *seen = NULL;
	struct fe_dialog *d = NULL;
	struct ep target, src_pub;
	bool retarget = false, ok;
	char why[300], label[64];
	uint8_t *outb = NULL;
	size_t outl = 0;
	const uint8_t *wb = msg;
	size_t wl = len;

	ep_clear(&src_pub);
	if (m == NULL) {
		/* unparseable: goes to the flow's binding, bytes as they are */
		if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src, p->ts_ns, &target)) {
			target = *nat_public(r->nat);
			target.port = p->dst.port;
		}
		snprintf(label, sizeof(label), "SIP");
	} else {
		d = dialog_find(r, m->call_id, true, p);
		if (suppressed(d, m, false)) {
			r->res->suppressed++;
			sipmsg_free(m);
			return;
		}
		sipmsg_label(m, label, sizeof(label));
		sip_target(r, p, m, d, &target, &retarget);
		if (!m->is_request && d != NULL) {
			int k;

			for (k = d->ntxn - 1; k >= 0; k--)
				if (d->txn[k].cseq == m->cseq &&
				    strcmp(d->txn[k].method, m->cseq_method) == 0) {
					src_pub = d->txn[k].src_pub;
					break;
				}
		}
		if (d != NULL) {
			struct alg_result rr;

			fe_outside_bytes(d, msg, len, m->is_request, &p->dst,
			    retarget ? &target : NULL, src_pub.family ? &src_pub : NULL,
			    &outb, &outl);
			if (outb != NULL) {
				wb = outb;
				wl = outl;
			}
			if (relay_sdp(r, d, m, wb, wl, &rr)) {
				free(outb);
				outb = rr.out;
				outl = rr.out_len;
				rr.out = NULL;
				wb = outb;
				wl = outl;
			}
		}
	}
	*seg_target = target;
	ok = deliver(r, p->l4, &p->src, &target, &p->dst, p->ts_ns, true, why,
	    sizeof(why));
	if (ep_same_ip(&target, nat_public(r->nat))) {
		/* it is on the wire outside, whatever the NAT does next */
		if (*ol + wl > *ocap) {
			size_t nc = (*ol + wl) * 2;
			uint8_t *nb = realloc(*ob, nc);

			if (nb != NULL) {
				*ob = nb;
				*ocap = nc;
			}
		}
		if (*ol + wl <= *ocap) {
			memcpy(*ob + *ol, wb, wl);
			*ol += wl;
		}
	}
	if (ok) {
		struct nat_result nr;

		nat_inbound(r->nat, p->l4, &p->src, &target, p->ts_ns, &nr);
		if (inspected(r->cfg, p)) {
			struct alg_result ar;
			struct alg_flow fl;

			memset(&fl, 0, sizeof(fl));
			fl.outbound = false;
			fl.match = target;
			fl.repl = p->dst;
			fl.peer = p->src;
			fl.shortcut = shortcut_cb;
			fl.shortcut_user = r;
			alg_process(r->cfg, wb, wl, &fl, NULL, NULL, &ar);
			if (ar.action == ALG_REWRITTEN && ar.sdp_rewritten && m != NULL) {
				/* the phone learns the far end's media from these bytes */
				seen = sipmsg_parse(ar.out, ar.out_len, NULL);
				if (d != NULL)
					shortcut_note(d, &ar);
			}
			if (ar.action == ALG_REWRITTEN && d != NULL && d->note[0] == '\0') {
				int k;

				/* K1: restored received/rport hide the NAT from the phone */
				for (k = 0; k < ar.nedits; k++)
					if (strncmp(ar.edits[k].field, "Via ", 4) == 0) {
						snprintf(d->note, sizeof(d->note),
						    "the ALG restores %s=%s in responses: the phone cannot learn its public address (rewrite_via_params)",
						    ar.edits[k].field + 4, ar.edits[k].after);
						break;
					}
			}
			if (ar.action == ALG_DROP) {
				ok = false;
				snprintf(why, sizeof(why), "ALG drops %.40s on the way in: %.180s",
				    label, ar.reason);
				r->res->alg_drops++;
				add_drop(r, p, false, label, "alg", why);
			}
			alg_result_fini(&ar);
		}
		if (ok)
			*any_pass = true;
	} else {
		if (ep_same_ip(&target, nat_public(r->nat))) {
			r->res->nat_drops++;
			add_drop(r, p, false, label, "nat", why);
		} else {
			r->res->farend_lost++;
			add_drop(r, p, false, label, "far-end", why);
		}
	}
	if (seen == NULL && m != NULL && wb != msg && m->sdp != NULL)
		seen = sipmsg_parse(wb, wl, NULL);
	if (m != NULL && d != NULL) {
		model_inbound(r, d, p, m, seen != NULL ? seen : m, ok, why, &target);
		if (m->is_request && strcmp(m->method, "BYE") == 0)
			close_media(r, d);
		if (!m->is_request && strcmp(m->cseq_method, "INVITE") == 0 &&
		    m->status >= 300)
			close_media(r, d);
	}
	free(outb);
	sipmsg_free(seen);
	sipmsg_free(m);
}

static void
inbound(struct run *r, const struct sim_pkt *p)
{
	bool is_sip = p->len > 0 && sipframe_looks_like_sip(p->payload, p->len);
	struct ep target;
	char why[240];
	bool ok;

	r->res->in_pkts++;
	if (is_sip) {
		uint8_t *ob = NULL;
		size_t ol = 0, ocap = 0, off[32], ln[32];
		int n, k;
		bool any_pass = false;
		struct tcp_conn *tc = p->l4 == PKT_TCP ?
		    tcp_conn(r, &p->dst, &p->src) : NULL;
		int64_t delta_before = tc != NULL ? tc->d_in : 0;
		struct ep seg_target;

		ep_clear(&seg_target);
		if (p->l4 == PKT_TCP) {
			n = tcp_split(p->payload, p->len, off, ln, 32);
			if (n < 0) {
				off[0] = 0;
				ln[0] = p->len;
				n = 1;
			}
		} else {
			size_t body;

			if (sipframe_datagram(p->payload, p->len, &ln[0], &body, NULL) !=
			    SIPFRAME_OK)
				ln[0] = p->len;
			off[0] = 0;
			n = 1;
		}
		for (k = 0; k < n; k++)
			inbound_sip(r, p, p->payload + off[k], ln[k], &ob, &ol, &ocap,
			    &any_pass, &seg_target);
		if (ol > 0)
			write_out(r, p, &p->src, &seg_target, ob, ol, false, delta_before);
		if (tc != NULL)
			tc->d_in += (int64_t)ol - (int64_t)p->len;
		free(ob);
		return;
	}
	if (p->l4 == PKT_UDP) {
		struct fe_dialog *d;
		struct fe_media *m = media_by_phone(r, &p->dst, &d);

		if (m != NULL && d->gone) {
			r->res->suppressed++;
			return;
		}
		if (m != NULL) {
			if (!rtp_target(r, m, &target)) {
				if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src,
				    p->ts_ns, &target)) {
					target = *nat_public(r->nat);
					target.port = p->dst.port;
				}
			}
			ok = deliver(r, PKT_UDP, &p->src, &target, &p->dst, p->ts_ns,
			    false, why, sizeof(why));
			media_in(m, p, ok, why);
			if (ep_same_ip(&target, nat_public(r->nat)))
				write_out(r, p, &p->src, &target, p->payload, p->len,
				    false, 0);
			if (!ok) {
				if (ep_same_ip(&target, nat_public(r->nat)))
					r->res->nat_drops++;
				else
					r->res->farend_lost++;
				/* one line per stream and reason: the first packet */
				if (m->in_lost == 1)
					add_drop(r, p, false, "RTP", ep_same_ip(&target,
					    nat_public(r->nat)) ? "nat" : "far-end", why);
				else
					r->res->drops_total++;
			}
			return;
		}
	}
	/* other traffic: back to the binding of its flow */
	if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src, p->ts_ns, &target)) {
		target = *nat_public(r->nat);
		target.port = p->dst.port;
	}
	ok = deliver(r, p->l4, &p->src, &target, &p->dst, p->ts_ns, false, why,
	    sizeof(why));
	write_out(r, p, &p->src, &target, p->payload, p->len, false,
	    p->l4 == PKT_TCP && tcp_conn(r, &p->dst, &p->src) != NULL ?
	    tcp_conn(r, &p->dst, &p->src)->d_in : 0);
	if (!ok) {
		r->res->nat_drops++;
		add_drop(r, p, false, p->l4 == PKT_TCP ? "TCP" : "UDP", "nat", why);
	}
}

/*
 * RTP between two phones behind the router: the capture shows it inside
 * to inside (or to the router's public address).  In the run the sender
 * sends where its SDP told it (the far media address it learnt): an inside
 * address stays on the LAN and arrives; the public address needs the
 * router to loop the packet back (nat_hairpin) through its mappings and
 * pinholes, filtering included; neither crosses the outside wire.  A
 * public far end elsewhere (a media relay) makes it an ordinary outbound
 * packet to that address.
 */
static void
lan_media(struct run *r, const struct sim_pkt *p)
{
	struct fe_dialog *ds, *dr = NULL;
	struct fe_media *ms, *mr = NULL;
	struct ep target;
	char why[200];
	bool ok = true;

	if (p->l4 != PKT_UDP ||
	    (p->len > 0 && sipframe_looks_like_sip(p->payload, p->len)) ||
	    (ms = media_by_phone(r, &p->src, &ds)) == NULL) {
		r->res->not_modelled++;
		return;
	}
	if (ds->gone) {
		r->res->suppressed++;
		return;
	}
	target = ms->have_far ? ms->far : p->dst;
	if (!nat_is_inside(r->nat, &target) &&
	    !ep_same_ip(&target, nat_public(r->nat))) {
		struct sim_pkt q = *p;

		q.dst = target;
		outbound(r, &q);
		return;
	}
	r->res->out_pkts++;
	ms->out_pkts++;
	if (!ms->phone_sent) {
		ms->phone_sent = true;
		ms->first_out_ns = p->ts_ns;
	}
	ms->lan_pkts++;
	why[0] = '\0';
	mr = nat_is_inside(r->nat, &target) ? media_by_phone(r, &target, &dr) :
	    media_find(r, &target, true, &dr);
	ok = lan_path(r, &p->src, &target, mr != NULL ? &mr->phone_in : NULL,
	    p->ts_ns, false, why, sizeof(why));
	if (ok) {
		ms->lan_delivered++;
		r->res->lan_pkts++;
	} else if (ms->lan_why[0] == '\0') {
		scopy(ms->lan_why, sizeof(ms->lan_why), why);
		ms->lan_frame = p->frame;
	}
	if (mr != NULL)
		media_in(mr, p, ok, why);
	if (!ok) {
		r->res->nat_drops++;
		if (ms->lan_pkts - ms->lan_delivered == 1)
			add_drop(r, p, true, "RTP", "nat", why);
		else
			r->res->drops_total++;
	}
}

int
sim_run(const struct sim_cfg *cfg, const struct sim_capture *cap,
    const struct sim_opts *o, struct sim_result *res, char *err,
    size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	struct ep pub;
	size_t i;
	int k;

	memset(res, 0, sizeof(*res));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(res->cfg_name, sizeof(res->cfg_name), "%s", cfg->name);
	pub = o->public_ip;
	if (pub.family == 0)
		pub = cap->implied_public;
	if (pub.family == 0) {
		ep_clear(&pub);
		ep_parse_ip(&pub, "203.0.113.1", 11);
	}
	pub.port = 0;
	res->public_ip = pub;
	r->cfg = cfg;
	r->res = res;
	relay_cfg_init(&r->relay_cfg, cfg);
	r->cap_public = cap->implied_public.family != 0 ? cap->implied_public : pub;
	if ((r->nat = nat_new(cfg, &pub)) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (k = 0; k < o->ninside; k++)
		if (nat_add_inside_net(r->nat, o->inside_nets[k]) != 0) {
			snprintf(err, errlen, "bad inside network '%s'", o->inside_nets[k]);
			goto fail;
		}
	if (o->write_path != NULL &&
	    (r->w = pcapw_open(o->write_path, err, errlen)) == NULL) {
		char e2[200];

		snprintf(e2, sizeof(e2), "%s", err);
		snprintf(err, errlen, "cannot write '%s': %s", o->write_path, e2);
		goto fail;
	}
	/* Port forwards go to the inside endpoint the capture shows on that port. */
	for (k = 0; k < o->nfwd; k++) {
		for (i = 0; i < cap->n; i++) {
			const struct sim_pkt *p = &cap->p[i];

			if (p->l4 == o->fwd[k].proto && nat_is_inside(r->nat, &p->dst) &&
			    p->dst.port == o->fwd[k].port) {
				nat_add_forward(r->nat, p->l4, o->fwd[k].port, &p->dst);
				break;
			}
			if (p->l4 == o->fwd[k].proto && nat_is_inside(r->nat, &p->src) &&
			    p->src.port == o->fwd[k].port) {
				nat_add_forward(r->nat, p->l4, o->fwd[k].port, &p->src);
				break;
			}
		}
	}
	for (i = 0; i < cap->n; i++) {
		const struct sim_pkt *p = &cap->p[i];
		bool si = nat_is_inside(r->nat, &p->src);
		bool di = nat_is_inside(r->nat, &p->dst);

		if (res->first_ns == 0)
			res->first_ns = p->ts_ns;
		res->last_ns = p->ts_ns;
		due_probes(r, p->ts_ns);
		r->now = p->ts_ns;
		if (si && (di || ep_same_ip(&p->dst, nat_public(r->nat))))
			lan_media(r, p);
		else if (si)
			outbound(r, p);
		else if (di)
			inbound(r, p);
		else
			res->not_modelled++;
	}
	due_probes(r, INT64_MAX);
	for (k = 0; k < r->ntcp; k++)
		free(r->tcp[k].pend);
	res->not_modelled += cap->skipped;
	if (r->w != NULL && pcapw_close(r->w) != 0) {
		r->w = NULL;
		snprintf(err, errlen, "cannot write '%s': write error", o->write_path);
		nat_free(r->nat);
		free(r);
		return -1;
	}
	nat_free(r->nat);
	free(r);
	return 0;
fail:
	pcapw_close(r->w);
	nat_free(r->nat);
	free(r);
	free(res->dlg);
	res->dlg = NULL;
	return -1;
}

void
sim_result_fini(struct sim_result *res)
{
	free(res->dlg);
	res->dlg = NULL;
	res->ndlg = 0;
}
