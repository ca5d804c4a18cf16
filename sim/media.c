/*
 * media.c - the media side of a replay (media.h).
 *
 * Each dialog of the far-end model has media lines: where the phone
 * listens inside (phone_in), what the far end learnt from the outside SDP
 * (phone_out), the far end's own address (far).  The ALG picks the
 * public media port (media_port, the mport_policy knobs); a far end that
 * relays another inside phone's SDP passes on that phone's outside
 * values (media_relay_sdp).  RTP the capture does not show is probed
 * against the NAT at the moment it would flow (media_due_probes), along
 * the LAN or the hairpin when the far end is another phone behind the
 * router.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "base/htab.h"
#include "ingest/pkt.h"
#include "fegen.h"
#include "media.h"
#include "nat.h"

uint16_t
media_port(void *user, const struct ep *inside)
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

struct fe_media *
media_line(struct fe_dialog *d, int idx)
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
static uint32_t
mix_bucket(const struct ep *e, int kind)
{
	uint64_t h;

	if (kind == RUN_MIX_PORT)
		h = htab_mix64(((uint64_t)e->port << 8) ^ 0x5a5a5a5a00ULL);
	else
		h = htab_mix64(ep_hash(e) + (uint64_t)kind);
	return (uint32_t)(h & (RUN_DLG_BUCKETS - 1));
}

/* Adds the entry (di, k) of kind under e. */
static int
mix_add(struct run *r, uint32_t di, int k, int kind, const struct ep *e)
{
	uint32_t b;

	if (r->nmix == r->mixcap) {
		size_t nc = r->mixcap ? r->mixcap * 2 : 256;
		struct run_mix *nm = realloc(r->mix, nc * sizeof(*nm));

		if (nm == NULL)
			return -1;
		r->mix = nm;
		r->mixcap = nc;
	}
	b = mix_bucket(e, kind);
	r->mix[r->nmix].dlg = di;
	r->mix[r->nmix].line = (uint8_t)k;
	r->mix[r->nmix].kind = (uint8_t)kind;
	r->mix[r->nmix].next = r->mhead[b];
	r->mhead[b] = (uint32_t)r->nmix++;
	return 0;
}

/*
 * The endpoint a media line is indexed under: phone_in (o 0), phone_out
 * (1), or the public c= the phone wrote itself (2; none when it wrote a
 * private one, which phone_in already is).
 */
static const struct ep *
line_ep(const struct fe_media *m, int o)
{
	static const struct ep none;

	if (o == 2)
		return m->public_sdp ? &m->phone_sdp : &none;
	return o ? &m->phone_out : &m->phone_in;
}

/*
 * The index of media lines by phone endpoint catches up with the dialogs
 * handed out since the last look (only those can have learnt an SDP):
 * a line whose endpoint changed is indexed under the new one (phone_in
 * also under its port alone); entries under an old endpoint stay and are
 * skipped when looked up.  Returns -1 when the index cannot grow (the
 * caller scans instead; the index stays broken for the run).
 */
static int
mix_refresh(struct run *r)
{
	size_t j;
	int k, o;

	if (r->mix_broken)
		return -1;
	if (r->mhead == NULL) {
		if ((r->mhead = malloc(RUN_DLG_BUCKETS * sizeof(*r->mhead))) == NULL)
			return -1;
		memset(r->mhead, 0xff, RUN_DLG_BUCKETS * sizeof(*r->mhead));
	}
	for (j = 0; j < r->ndirty; j++) {
		uint32_t di = r->dirty[j];
		const struct fe_dialog *d = &r->res->dlg[di];

		for (k = 0; k < d->nmedia && k < FE_MAX_MEDIA; k++)
			for (o = 0; o < 3; o++) {
				const struct ep *m = line_ep(&d->media[k], o);

				if (ep_eq(m, &r->msnap[di][k][o]))
					continue;
				if (m->family != 0) {
					if (mix_add(r, di, k, o == 2 ? RUN_MIX_SDP :
					    o ? RUN_MIX_OUT : RUN_MIX_IN, m) != 0 ||
					    (o == 0 && m->port != r->msnap[di][k][o].port &&
					    mix_add(r, di, k, RUN_MIX_PORT, m) != 0)) {
						r->mix_broken = true;
						return -1;
					}
				}
				r->msnap[di][k][o] = *m;
			}
		r->isdirty[di] = 0;
	}
	r->ndirty = 0;
	return 0;
}

/* Newest dialog first, its first line whose endpoint of kind is e. */
static struct fe_media *
media_find_kind(struct run *r, const struct ep *e, int kind,
    struct fe_dialog **dout)
{
	size_t i;
	int k, bk = -1, o = kind == RUN_MIX_SDP ? 2 : kind == RUN_MIX_OUT;
	uint32_t x;
	long bd = -1;

	if (e->family == 0)
		return NULL;
	if (mix_refresh(r) != 0) {
		r->work += r->res->ndlg;
		for (i = r->res->ndlg; i-- > 0;) {
			struct fe_dialog *d = &r->res->dlg[i];

			for (k = 0; k < d->nmedia; k++) {
				const struct ep *m = line_ep(&d->media[k], o);

				if (m->family != 0 && ep_eq(m, e)) {
					run_ghost_check(r, run_fp(kind, NULL, e), d->seq);
					*dout = d;
					return &d->media[k];
				}
			}
		}
		run_ghost_check(r, run_fp(kind, NULL, e), -1);
		return NULL;
	}
	for (x = r->mhead[mix_bucket(e, kind)]; x != UINT32_MAX;
	    x = r->mix[x].next, r->work++) {
		const struct run_mix *mx = &r->mix[x];
		const struct fe_dialog *d = &r->res->dlg[mx->dlg];
		const struct ep *m;

		if (mx->kind != kind || mx->line >= d->nmedia ||
		    (long)mx->dlg < bd || ((long)mx->dlg == bd && mx->line >= bk))
			continue;
		m = line_ep(&d->media[mx->line], o);
		if (m->family != 0 && ep_eq(m, e)) {
			bd = (long)mx->dlg;
			bk = mx->line;
		}
	}
	/* a retired dialog newer than the one found would have been */
	run_ghost_check(r, run_fp(kind, NULL, e),
	    bd < 0 ? -1 : (int64_t)r->res->dlg[bd].seq);
	if (bd < 0)
		return NULL;
	run_dialog_handed(r, (size_t)bd);
	*dout = &r->res->dlg[bd];
	return &r->res->dlg[bd].media[bk];
}

/* Newest dialog first, its first line whose phone_out (or phone_in) is e. */
struct fe_media *
media_find(struct run *r, const struct ep *e, bool outside,
    struct fe_dialog **dout)
{
	return media_find_kind(r, e, outside ? RUN_MIX_OUT : RUN_MIX_IN, dout);
}

struct fe_media *
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
static bool
relayed_line(const struct run *r, const struct fe_dialog *d,
    const struct fe_media *m, const struct ep *host, const struct ep *e)
{
	if (ep_same_ip(&d->phone_ip, host))
		return false;
	if (m->phone_out.family == 0 || ep_eq(&m->phone_out, e))
		return false;
	return ep_eq(&m->phone_in, e) ||
	    (r->cap_public.family != 0 && ep_same_ip(&r->cap_public, e) &&
	    e->port == m->phone_in.port);
}

/*
 * A retired dialog newer than than whose line media_relayed would have
 * looked at (under e, or e's port when e is the capture's router): a
 * conflict (run_ghost_check), whether or not relayed_line would take it.
 */
static void
relayed_ghosts(struct run *r, const struct ep *e, int64_t than)
{
	if (e->family == 0)
		return;
	run_ghost_check(r, run_fp(RUN_MIX_IN, NULL, e), than);
	if (r->cap_public.family != 0 && ep_same_ip(&r->cap_public, e))
		run_ghost_check(r, run_fp(RUN_MIX_PORT, NULL, e), than);
}

int
media_ghosts(struct run *r, const struct fe_dialog *d)
{
	int k, o;

	for (k = 0; k < d->nmedia && k < FE_MAX_MEDIA; k++)
		for (o = 0; o < 3; o++) {
			const struct ep *m = line_ep(&d->media[k], o);

			if (m->family == 0)
				continue;
			if (run_ghost_add(r, run_fp(o == 2 ? RUN_MIX_SDP : o ?
			    RUN_MIX_OUT : RUN_MIX_IN, NULL, m), d->seq) != 0 ||
			    (o == 0 && run_ghost_add(r, run_fp(RUN_MIX_PORT,
			    NULL, m), d->seq) != 0))
				return -1;
		}
	return 0;
}

static const struct fe_media *
media_relayed(struct run *r, const struct ep *host, const struct ep *e)
{
	size_t i;
	int k, bk = -1, pass;
	uint32_t x;
	long bd = -1;

	/* (an endpoint the index cannot hold: every line is looked at) */
	if (e->family == 0 || e->port == 0 || mix_refresh(r) != 0) {
		r->work += r->res->ndlg;
		for (i = r->res->ndlg; i-- > 0;) {
			const struct fe_dialog *d = &r->res->dlg[i];

			for (k = 0; k < d->nmedia; k++)
				if (relayed_line(r, d, &d->media[k], host, e)) {
					relayed_ghosts(r, e, d->seq);
					return &d->media[k];
				}
		}
		relayed_ghosts(r, e, -1);
		return NULL;
	}
	/* the lines under e, and under its port when e is the capture's router */
	for (pass = 0; pass < 2; pass++) {
		int kind = pass == 0 ? RUN_MIX_IN : RUN_MIX_PORT;

		if (pass == 1 && !(r->cap_public.family != 0 &&
		    ep_same_ip(&r->cap_public, e)))
			break;
		for (x = r->mhead[mix_bucket(e, kind)]; x != UINT32_MAX;
		    x = r->mix[x].next, r->work++) {
			const struct run_mix *mx = &r->mix[x];
			const struct fe_dialog *d = &r->res->dlg[mx->dlg];

			if (mx->kind != kind || mx->line >= d->nmedia ||
			    (long)mx->dlg < bd ||
			    ((long)mx->dlg == bd && mx->line >= bk))
				continue;
			if (relayed_line(r, d, &d->media[mx->line], host, e)) {
				bd = (long)mx->dlg;
				bk = mx->line;
			}
		}
	}
	relayed_ghosts(r, e, bd < 0 ? -1 : (int64_t)r->res->dlg[bd].seq);
	return bd < 0 ? NULL : &r->res->dlg[bd].media[bk];
}

struct relay_ctx {
	struct run *r;
	struct ep host;
};

static uint16_t
relay_port(void *user, const struct ep *in)
{
	const struct relay_ctx *rc = user;
	const struct fe_media *m = media_relayed(rc->r, &rc->host, in);

	return m != NULL ? m->phone_out.port : in->port;
}

/* The SDP-only rewrite media_relay_sdp runs: no header is touched. */
void
media_relay_init(struct sim_cfg *c, const struct sim_cfg *run_cfg)
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
	c->sdp_session = SDPSESS_NAT_ADDRESS;
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
bool
media_relay_sdp(struct run *r, const struct fe_dialog *d,
    const struct sipmsg *m, const uint8_t *msg, size_t len,
    struct alg_result *ar)
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
bool
media_shortcut(void *user, const struct ep *pub, struct ep *inside)
{
	const struct run *r = user;

	return nat_media_pinhole(r->nat, pub, r->now, inside);
}

/* Counts an RTP packet p towards the phone of media line m. */
void
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
			run_copy(m->in_lost_reason, sizeof(m->in_lost_reason),
			    why);
			m->in_lost_frame = p->frame;
		}
	}
}

/* Where the far end sends RTP for this media line now. */
bool
media_rtp_target(const struct run *r, const struct fe_media *m, struct ep *t)
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

/*
 * The media line of another phone of this capture that m's far address
 * names: where that phone listens (its private address), or its SDP
 * address as it left the router: the ALG's public form (a hairpin
 * target), or a public address the phone wrote itself (phone_sdp, also
 * when an ALG rewrote it), passed on by a proxy relaying between the two.  A
 * far end that anchors the media names its own address, which no phone
 * wrote: no partner then.
 */
static struct fe_media *
lan_partner(struct run *r, const struct fe_dialog *d, const struct fe_media *m)
{
	struct fe_dialog *pd;
	struct fe_media *pm;
	int o;

	if (!m->have_far)
		return NULL;
	for (o = 0; o < 3; o++) {
		pm = media_find_kind(r, &m->far, o == 2 ? RUN_MIX_SDP :
		    o ? RUN_MIX_OUT : RUN_MIX_IN, &pd);
		if (pm != NULL && !ep_same_ip(&pd->phone_ip, &d->phone_ip))
			return pm;
	}
	return NULL;
}

/*
 * RTP from inside endpoint src to target, for the other phone of a LAN
 * call listening at want: along the LAN when target is private, through
 * the router's hairpin (or not, nat_hairpin) when it is the router's
 * public address; any other public address is a host out on the
 * Internet that is neither phone: the packet leaves the router and never
 * comes back to the phone behind it.
 */
static bool
lan_reach(struct run *r, const struct ep *src, const struct ep *target,
    const struct ep *want, int64_t t, char *why, size_t n)
{
	char a[NETADDR_STRLEN];

	if (nat_is_inside(r->nat, target) ||
	    ep_same_ip(target, nat_public(r->nat)))
		return run_lan_path(r, src, target, want, t, true, why, n);
	snprintf(why, n,
	    "RTP to %s leaves the router for a public host that is neither phone: the other phone is behind this router and never gets it",
	    ep_str(target, a, sizeof(a)));
	return false;
}

/*
 * Probes the far end's RTP for a dialog whose capture shows none.  When
 * the far end is another phone behind the router (a LAN call) both
 * directions are probed along run_lan_path: RTP between the phones may never
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
			m->probe_ok = lan_reach(r, &pm->phone_in,
			    pm->have_far ? &pm->far : &m->phone_out, &m->phone_in,
			    d->media_check_ns, m->probe_why, sizeof(m->probe_why));
			m->lan_out_ok = lan_reach(r, &m->phone_in, &m->far,
			    &pm->phone_in, d->media_check_ns, m->lan_why,
			    sizeof(m->lan_why));
			/*
			 * The same two paths seen from the other phone's leg,
			 * whose own far address may name no line of this one (a
			 * proxy that relays one SDP untouched and the other as
			 * the real router of the capture wrote it): a proxy that
			 * passes a phone's SDP on does not anchor the media, so
			 * that leg's RTP is the RTP of these two phones too
			 * (unless that leg already models a far end's RTP).
			 */
			if (!pm->lan_probed && !pm->model_on) {
				pm->probed = pm->lan_probed = true;
				pm->probe_ok = m->lan_out_ok;
				pm->lan_out_ok = m->probe_ok;
				run_copy(pm->probe_why, sizeof(pm->probe_why),
				    m->lan_why);
				run_copy(pm->lan_why, sizeof(pm->lan_why),
				    m->probe_why);
			}
			continue;
		}
		/* (linked by the other phone's leg: its probe decided both) */
		if (m->lan_probed)
			continue;
		fegen_rtp_start(r, d, k, d->media_check_ns);
		if (!media_rtp_target(r, m, &t)) {
			snprintf(m->probe_why, sizeof(m->probe_why),
			    "far end has no address to send RTP to");
			continue;
		}
		m->probe_ok = run_deliver(r, PKT_UDP, m->have_far ? &m->far : &d->peer,
		    &t, &m->phone_in, d->media_check_ns, true, m->probe_why,
		    sizeof(m->probe_why));
		if (!m->probe_ok) {
			struct nat_result nr;
			const struct ep *src = m->have_far ? &m->far : &d->peer;

			/* the far end keeps sending: a refused packet leaves its
			 * conntrack (unsolicited_tuple) */
			nat_probe(r->nat, PKT_UDP, src, &t, d->media_check_ns, &nr);
			if (nr.verdict != NAT_PASS)
				nat_unsolicited(r->nat, PKT_UDP, src, &t,
				    d->media_check_ns);
		}
	}
	d->media_check_ns = 0;
}

void
media_probe_at(struct run *r, struct fe_dialog *d, int64_t t)
{
	size_t i = (size_t)(d - r->res->dlg);

	d->media_check_ns = t;
	if (r->ispend[i])
		return;
	if (run_list_add(&r->pend, &r->npend, &r->pendcap, (uint32_t)i) != 0) {
		/* media_due_probes looks at every dialog instead */
		r->pend_lost = true;
		return;
	}
	r->ispend[i] = 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every probe due by now runs, in the order of the dialogs (a probe
 * changes the NAT the next one meets).  A probe is scheduled at least
 * RUN_PROBE_MIN_DELAY_NS after the packet that schedules it, so until
 * then none can be due that the last full look did not see.  Only the
 * dialogs with a probe scheduled are looked at (media_probe_at): the
 * cost follows the probes pending, not the dialogs of the file.
 */
void
media_due_probes(struct run *r, int64_t now)
{
	size_t i, j, ndue;
	int64_t min = INT64_MAX;

	/* (a packet earlier than the last look looks again) */
	if (r->probe_scan != 0 && now < r->probe_min && now >= r->probe_scan &&
	    now - r->probe_scan < RUN_PROBE_MIN_DELAY_NS)
		return;
	if (r->pend_lost) {
		r->work += r->res->ndlg;
		for (i = 0; i < r->res->ndlg; i++) {
			struct fe_dialog *d = &r->res->dlg[i];

			if (d->media_check_ns != 0 && d->media_check_ns <= now)
				media_probe(r, d);
			if (d->media_check_ns != 0 && d->media_check_ns < min)
				min = d->media_check_ns;
		}
		r->probe_min = min;
		r->probe_scan = now;
		return;
	}
	/* the due ones to the front, in dialog order */
	r->work += r->npend;
	for (i = ndue = 0; i < r->npend; i++) {
		const struct fe_dialog *d = &r->res->dlg[r->pend[i]];

		if (d->media_check_ns != 0 && d->media_check_ns <= now) {
			uint32_t x = r->pend[ndue];

			r->pend[ndue++] = r->pend[i];
			r->pend[i] = x;
		}
	}
	if (ndue > 1)
		qsort(r->pend, ndue, sizeof(*r->pend), cmp_u32);
	for (i = 0; i < ndue; i++) {
		struct fe_dialog *d = &r->res->dlg[r->pend[i]];

		if (d->media_check_ns != 0 && d->media_check_ns <= now)
			media_probe(r, d);
	}
	/* those without a probe leave */
	for (i = j = 0; i < r->npend; i++) {
		const struct fe_dialog *d = &r->res->dlg[r->pend[i]];

		if (d->media_check_ns == 0) {
			r->ispend[r->pend[i]] = 0;
			continue;
		}
		if (d->media_check_ns < min)
			min = d->media_check_ns;
		r->pend[j++] = r->pend[i];
	}
	r->npend = j;
	r->probe_min = min;
	r->probe_scan = now;
}
