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
 * modelled.  TCP segments are framed each on its own, as the kernel's ALG
 * does (outbound.c for split messages and seqadj).  RTP between two
 * phones behind the router stays on the LAN or needs the router's
 * hairpin (lan_media).
 *
 * The parts, lowest first (each uses only those before it):
 *   load.c      the inside capture, through the ingest stage
 *   run.c       run state, drops, dialogs, TCP shifts, pcap, the path
 *               of a packet through the NAT
 *   media.c     media lines, the ALG's media ports, relayed SDP, probes
 *   model.c     the far-end model's facts per dialog
 *   outbound.c  phone -> outside
 *   inbound.c   outside -> phone
 *   sim.c       this loop, and RTP between phones inside
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "fegen.h"
#include "inbound.h"
#include "ingest/pkt.h"
#include "media.h"
#include "outbound.h"
#include "outcome.h"
#include "run.h"

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
	    (p->len > 0 && run_looks_like_sip(p->payload, p->len)) ||
	    (ms = media_by_phone(r, &p->src, &ds)) == NULL) {
		r->res->not_modelled++;
		return;
	}
	if (ds->gone) {
		r->res->suppressed++;
		return;
	}
	target = ms->have_far ? ms->far : p->dst;
	/* the inside view: the phone sends where the run's SDP told it */
	run_write_inside(r, p, 0, &p->src, &target, p->payload, p->len);
	r->wi_done = true;
	if (!nat_is_inside(r->nat, &target) &&
	    !ep_same_ip(&target, nat_public(r->nat))) {
		struct sim_pkt q = *p;

		q.dst = target;
		outbound_packet(r, &q);
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
	ok = run_lan_path(r, &p->src, &target, mr != NULL ? &mr->phone_in : NULL,
	    p->ts_ns, false, why, sizeof(why));
	if (ok) {
		ms->lan_delivered++;
		r->res->lan_pkts++;
		if (mr != NULL && ep_same_ip(&target, nat_public(r->nat))) {
			struct ep from;

			/* looped back by the router: from the sender's mapping */
			if (!nat_lookup_out(r->nat, PKT_UDP, &p->src, &target,
			    p->ts_ns, &from) &&
			    !nat_lookup_out(r->nat, PKT_UDP, &p->src, NULL,
			    p->ts_ns, &from)) {
				from = *nat_public(r->nat);
				from.port = p->src.port;
			}
			run_write_inside(r, p, 0, &from, &mr->phone_in,
			    p->payload, p->len);
		}
	} else if (ms->lan_why[0] == '\0') {
		run_copy(ms->lan_why, sizeof(ms->lan_why), why);
		ms->lan_frame = p->frame;
	}
	if (mr != NULL)
		media_in(mr, p, ok, why);
	if (!ok) {
		r->res->nat_drops++;
		if (ms->lan_pkts - ms->lan_delivered == 1)
			run_drop(r, p, true, "RTP", "nat", why);
		else
			r->res->drops_total++;
	}
}

static void retire(struct run *r);

/* One packet of the capture through one run. */
static void
run_step(struct run *r, const struct sim_pkt *p)
{
	struct sim_result *res = r->res;
	bool si = nat_is_inside(r->nat, &p->src);
	bool di = nat_is_inside(r->nat, &p->dst);
	uint64_t sup;

	if (res->first_ns == 0)
		res->first_ns = p->ts_ns;
	res->last_ns = p->ts_ns;
	media_due_probes(r, p->ts_ns);
	fegen_due(r, p->ts_ns, false);
	r->now = p->ts_ns;
	if (r->retire_done || res->ndlg >= SIM_CAP_DIALOGS)
		retire(r);
	r->wi_done = false;
	sup = res->suppressed;
	if (si && (di || ep_same_ip(&p->dst, nat_public(r->nat))))
		lan_media(r, p);
	else if (si)
		outbound_packet(r, p);
	else if (di)
		inbound_packet(r, p);
	else
		res->not_modelled++;
	/* the inside view: what the phone sent, as it sent it (inbound
	 * frames go in where the router delivers them, inbound.c) */
	if (si && !r->wi_done && res->suppressed == sup)
		run_write_inside(r, p, 0, &p->src, &p->dst, p->payload, p->len);
}

/* The runs of one pass over the capture, in lockstep. */
struct runs {
	struct run **r;
	const struct sim_opts *o;
	size_t n;
};

/* Port forwards go to the inside endpoint the capture shows on that port
 * (the first packet to or from it). */
static void
fwd_pkt(void *user, const struct sim_pkt *p)
{
	struct runs *rs = user;
	size_t i;
	int k;

	for (i = 0; i < rs->n; i++) {
		struct run *r = rs->r[i];

		for (k = 0; k < rs->o[i].nfwd; k++) {
			if (r->fwd_found[k])
				continue;
			if (p->l4 == rs->o[i].fwd[k].proto &&
			    nat_is_inside(r->nat, &p->dst) &&
			    p->dst.port == rs->o[i].fwd[k].port) {
				nat_add_forward(r->nat, p->l4, rs->o[i].fwd[k].port, &p->dst);
				r->fwd_found[k] = true;
			} else if (p->l4 == rs->o[i].fwd[k].proto &&
			    nat_is_inside(r->nat, &p->src) &&
			    p->src.port == rs->o[i].fwd[k].port) {
				nat_add_forward(r->nat, p->l4, rs->o[i].fwd[k].port, &p->src);
				r->fwd_found[k] = true;
			}
		}
	}
}

static void
step_pkt(void *user, const struct sim_pkt *p)
{
	struct runs *rs = user;
	size_t i;

	/* (a run in conflict goes on: its result is thrown away, but the
	 * lookups that follow find every other dialog retired too soon, all
	 * kept live in one replay) */
	for (i = 0; i < rs->n; i++)
		run_step(rs->r[i], p);
}

static void leg_index(struct sim_result *res);

static void
run_free(struct run *r)
{
	int k;

	if (r == NULL)
		return;
	for (k = 0; k < r->ntcp; k++) {
		free(r->tcp[k].pend);
		free(r->tcp[k].trk);
		free(r->tcp[k].trk_in);
	}
	pcapw_close(r->w);
	pcapw_close(r->wi);
	fegen_free(r->fg);
	if (r->res != NULL) {
		r->res->work = r->work + nat_work(r->nat);
		leg_index(r->res);
	}
	nat_free(r->nat);
	run_index_free(r);
	free(r);
}

/* A run of cfg ready for its first packet, or NULL with err. */
static struct run *
run_new(const struct sim_cfg *cfg, const struct sim_capture *cap,
    const struct sim_opts *o, struct sim_result *res, char *err,
    size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	struct ep pub;
	int k;

	memset(res, 0, sizeof(*res));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
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
	media_relay_init(&r->relay_cfg, cfg);
	r->cap_public = cap->implied_public.family != 0 ? cap->implied_public : pub;
	if ((r->nat = nat_new(cfg, &pub)) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nat_set_anomalies(r->nat, &res->an);
	for (k = 0; k < o->ninside; k++)
		if (nat_add_inside_net(r->nat, o->inside_nets[k]) != 0) {
			snprintf(err, errlen, "bad inside network '%s'", o->inside_nets[k]);
			goto fail;
		}
	/* the views record the input's capture filter when it recorded
	 * one; else -w is a pcap (no filter recorded) and the inside view
	 * records an empty one (the model's view of the phones is whole),
	 * or none when the input's cannot be carried (sim.h) */
	if (o->write_path != NULL && (r->w = cap->filter_type < 0 ?
	    pcapw_open(o->write_path, err, errlen) :
	    pcapw_open_ng(o->write_path, "outside", cap->filter_type,
	    cap->filter, err, errlen)) == NULL) {
		char e2[200];

		snprintf(e2, sizeof(e2), "%s", err);
		snprintf(err, errlen, "%s: cannot write: %s", o->write_path, e2);
		goto fail;
	}
	if (o->write_inside_path != NULL &&
	    (r->wi = pcapw_open_ng(o->write_inside_path, "inside",
	    cap->filter_type == -1 ? 0 : cap->filter_type,
	    cap->filter_type == -1 ? "" : cap->filter, err, errlen)) == NULL) {
		char e2[200];

		snprintf(e2, sizeof(e2), "%s", err);
		snprintf(err, errlen, "%s: cannot write: %s", o->write_inside_path, e2);
		goto fail;
	}
	r->opts = o;
	r->far_rtp_shown = o->far_rtp_shown;
	r->far_rtp_user = o->far_rtp_user;
	if ((r->w != NULL || r->wi != NULL) && (r->fg = fegen_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return r;
fail:
	run_free(r);
	return NULL;
}

/* Closes one written view (-w or --write-inside) and clears it; the first
 * write error becomes the run's error (rc -1, err naming path). */
static void
close_view(struct pcapw **w, const char *path, int *rc, char *err,
    size_t errlen)
{
	int e;

	if (*w == NULL)
		return;
	e = pcapw_close(*w);
	*w = NULL;
	if (e != 0 && *rc == 0) {
		snprintf(err, errlen, "%s: cannot write: write error", path);
		*rc = -1;
	}
}

/*
 * What the capture shows of each dialog whose first request the phone
 * sent (an INVITE, a REGISTER), that the model delivered (not
 * invite_lost, not reg_dropped) and that got no response in the replay:
 * farend_answers=false (sim_opts far_silent), unanswered through all its
 * transmissions, the far end never answers it; else (sim_opts
 * far_refused) refused beyond the router by ICMP, the path refuses it as
 * it did in the capture, whatever the profile (the refusal matched the
 * request, not what the ALG writes).
 */
static void
mark_far_end_one(const struct sim_opts *o, struct fe_dialog *d)
{
	struct sim_silent s;
	struct sim_refusal r;

	if (o == NULL)
		return;
	if (!d->phone_uac || d->kind == FE_OTHER || d->invite_lost ||
	    d->reg_dropped || d->final_status != 0 || d->t_answer_ns != 0)
		return;
	memset(&s, 0, sizeof(s));
	if (o->far_silent != NULL &&
	    o->far_silent(o->far_silent_user, d->call_id, &d->phone_ip, &s)) {
		d->far_silent = true;
		d->silent_ntx = s.ntx;
		d->silent_first_ns = s.first_ns;
		d->silent_last_ns = s.last_ns;
		d->silent_frame = s.frame;
		return;
	}
	memset(&r, 0, sizeof(r));
	if (o->far_refused == NULL || !o->far_refused(o->far_refused_user,
	    d->call_id, &d->phone_ip, &r))
		return;
	d->far_refused = true;
	d->refused_frame = r.icmp_frame;
	d->refused_last_ns = r.req.last_ns;
	snprintf(d->refused_why, sizeof(d->refused_why),
	    "the model delivers the %s past the router, but the path refuses it, as the capture shows: sent %u times over %.1f s, %u ICMP refusals quoting it (frame %llu: %s)",
	    d->kind == FE_REGISTER ? "REGISTER" : "INVITE", r.req.ntx,
	    (double)(r.req.last_ns - r.req.first_ns) / 1e9, r.nicmp,
	    (unsigned long long)r.icmp_frame, r.icmp);
}

static void
mark_far_end(const struct sim_opts *o, struct sim_result *res)
{
	size_t k;

	for (k = 0; k < res->ndlg; k++)
		mark_far_end_one(o, &res->dlg[k]);
}

/*
 * Dialog retirement.  Every SIM_RETIRE_RETRY_NS of the capture (and
 * with the table full, SIM_CAP_DIALOGS live records), the dialogs nothing
 * more can change are reduced to the rows the reports print (outcome.h
 * sim_row, its outcome evaluated now) and their records freed: the
 * dialogs live follow the calls in flight, not the file.  A dialog is
 * done when it has ended (a call: its BYE once answered, else a final
 * error, the INVITE lost or never established; a registration: unless
 * it is a live binding the registrar routes new requests by, inbound.c;
 * any other: its transaction), no packet has touched it for 64*T1 (the
 * transaction timers, retransmissions of its last messages), no probe of
 * its media is scheduled, no modelled frame of it is still due
 * (fegen.c), and the same holds for every other leg of its Call-ID
 * (outcome.c reads them together).  An answered call with no BYE is in
 * flight: its session timer and max_call are judged at the capture's
 * end.  The keys a retired dialog could still be found by (its leg, its
 * Call-ID, its media endpoints) are kept (run_ghost_add); a lookup that
 * would have found it (a late packet) makes sim_runs replay with that
 * dialog kept live: the reports are those of a run that never retires.
 */
#define SIM_RETIRE_QUIET_NS (64 * (CAP_NS_PER_SEC / 2))
/* How often the dialogs are looked at for those done. */
#define SIM_RETIRE_RETRY_NS (CAP_NS_PER_SEC / 10)

/* Whether seq is among v[0..n), ascending. */
static bool
kept(const uint32_t *v, size_t n, uint32_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == seq)
			return true;
		if (v[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool
retirable(const struct run *r, const struct fe_dialog *d, size_t i,
    const uint8_t *busy)
{
	if (busy[i] || r->ispend[i] || d->media_check_ns != 0 ||
	    kept(r->keep, r->nkeep, d->seq) ||
	    r->now - d->t_touch_ns <= SIM_RETIRE_QUIET_NS)
		return false;
	switch (d->kind) {
	case FE_CALL:
		if (d->t_answer_ns != 0)
			return d->bye_seen;
		return d->final_status >= 300 || d->gone || d->invite_lost;
	case FE_REGISTER:
		return !(d->final_status >= 200 && d->final_status < 300 &&
		    d->reg_contact_in.family != 0);
	default:
		return true;
	}
}

static int
seq_bucket_set(struct sim_result *res, size_t seq, uint32_t b)
{
	if (seq >= res->seq_bucket_cap) {
		size_t nc = res->seq_bucket_cap ? res->seq_bucket_cap : 1024;
		uint32_t *nb;

		while (nc <= seq)
			nc *= 2;
		if ((nb = realloc(res->seq_bucket, nc * sizeof(*nb))) == NULL)
			return -1;
		res->seq_bucket = nb;
		res->seq_bucket_cap = nc;
	}
	res->seq_bucket[seq] = b;
	return 0;
}

static uint32_t key_bucket(const char *call_id, const struct ep *ip);

/* The slot of h in the open-addressed set fp[0..cap). */
static size_t
cid_slot(const uint64_t *fp, size_t cap, uint64_t h)
{
	size_t s = (size_t)(h ^ h >> 31) & (cap - 1);

	while (fp[s] != 0 && fp[s] != h)
		s = (s + 1) & (cap - 1);
	return s;
}

/*
 * busy[i] for every dialog not retirable now, and for every dialog
 * sharing a Call-ID with one (its legs through a proxy between two
 * phones of the capture: outcome.c reads them together): the legs of a
 * Call-ID retire together or not at all.  fp: scratch, 2 * n slots.
 */
static void
retire_legs(const struct run *r, uint8_t *busy, uint64_t *fp, size_t n)
{
	const struct fe_dialog *dlg = r->res->dlg;
	size_t cap = 2, i, h;

	while (cap < 2 * n)
		cap *= 2;
	memset(fp, 0, cap * sizeof(*fp));
	for (i = 0; i < n; i++) {
		if (!busy[i] && !retirable(r, &dlg[i], i, busy))
			busy[i] = 1;
		if (!busy[i])
			continue;
		h = run_fp(RUN_FP_CID, dlg[i].call_id, NULL);
		fp[cid_slot(fp, cap, h)] = h;
	}
	for (i = 0; i < n; i++) {
		if (busy[i])
			continue;
		h = run_fp(RUN_FP_CID, dlg[i].call_id, NULL);
		if (fp[cid_slot(fp, cap, h)] == h)
			busy[i] = 1;
	}
}

/* Retires the dialogs of r that are done; the table stays in order. */
static void
retire(struct run *r)
{
	struct sim_result *res = r->res;
	size_t n = res->ndlg, i, j, k;
	uint8_t *busy;
	uint32_t *map;
	uint64_t *fp = NULL;
	struct sim_row row;
	struct fe_dialog copy;

	/*
	 * A table that has just filled is looked at at once, not a pass
	 * later; one full with nothing done looks again SIM_RETIRE_RETRY_NS
	 * later, as when retiring only at the cap (else every packet of a
	 * flood of calls in flight would walk the whole table).
	 */
	if (r->now < r->retire_next && !(r->retire_done &&
	    n >= SIM_CAP_DIALOGS && !r->retire_full_idle))
		return;
	r->retire_next = r->now + SIM_RETIRE_RETRY_NS;
	r->retire_full_idle = false;
	r->work += n;                  /* a pass walks the table */
	busy = calloc(n ? n : 1, 1);
	map = malloc((n ? n : 1) * sizeof(*map));
	fp = malloc((4 * n + 4) * sizeof(*fp));
	if (busy == NULL || map == NULL || fp == NULL)
		goto out;
	fegen_mark(r->fg, busy);
	retire_legs(r, busy, fp, n);
	/*
	 * Retiring compacts the table (every live record moves up, the
	 * indexes are made again): below the cap only once a quarter of it
	 * is done, so each move pays for itself.  Retiring later changes no
	 * report (see above); the records live stay within 4/3 of those not
	 * done.
	 */
	for (i = k = 0; i < n; i++)
		k += !busy[i];
	if (k == 0 || (n < SIM_CAP_DIALOGS && 4 * k < n)) {
		r->retire_full_idle = n >= SIM_CAP_DIALOGS;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!busy[i]) {
			struct fe_dialog *d = &res->dlg[i];

			/* as at the capture's end (on a copy: a dialog
			 * that cannot be kept stays live as it was) */
			copy = *d;
			mark_far_end_one(r->opts, &copy);
			outcome_row(r->cfg, res, &copy, &row);
			if (seq_bucket_set(res, d->seq,
			    key_bucket(d->call_id, &d->phone_ip)) != 0 ||
			    run_ghost_add(r, run_fp(RUN_FP_LEG, d->call_id,
			    &d->phone_ip), d->seq) != 0 ||
			    run_ghost_add(r, run_fp(RUN_FP_CID, d->call_id,
			    NULL), d->seq) != 0 ||
			    media_ghosts(r, d) != 0 ||
			    outcome_rows_add(res, &row) != 0)
				break;         /* kept live */
			busy[i] = 2;
			res->nretired++;
		}
	for (i = j = 0; i < n; i++) {
		if (busy[i] == 2) {
			map[i] = UINT32_MAX;
			continue;
		}
		map[i] = (uint32_t)j;
		if (j != i) {
			res->dlg[j] = res->dlg[i];
			r->ispend[j] = r->ispend[i];
		}
		j++;
	}
	if (j == n) {
		r->retire_full_idle = n >= SIM_CAP_DIALOGS;
		goto out;
	}
	res->ndlg = j;
	/* the indexes by Call-ID and by media endpoint, made again */
	memset(r->dhead, 0xff, RUN_DLG_BUCKETS * sizeof(*r->dhead));
	for (i = 0; i < j; i++) {
		uint32_t b = run_dlg_bucket(res->dlg[i].call_id,
		    &res->dlg[i].phone_ip);

		r->dnext[i] = r->dhead[b];
		r->dhead[b] = (uint32_t)i;
	}
	r->nmix = 0;
	r->mix_broken = false;
	if (r->mhead != NULL)
		memset(r->mhead, 0xff, RUN_DLG_BUCKETS * sizeof(*r->mhead));
	r->ndirty = 0;
	for (i = 0; i < j; i++) {
		memset(r->msnap[i], 0, sizeof(r->msnap[i]));
		r->isdirty[i] = 1;
		r->dirty[r->ndirty++] = (uint32_t)i;
	}
	/* the lists of dialog numbers, renumbered */
	for (i = k = 0; i < r->npend; i++)
		if (map[r->pend[i]] != UINT32_MAX)
			r->pend[k++] = map[r->pend[i]];
	r->npend = k;
	for (i = k = 0; i < r->nregs; i++)
		if (map[r->regs[i]] != UINT32_MAX)
			r->regs[k++] = map[r->regs[i]];
	r->nregs = k;
	fegen_remap(r->fg, map);
out:
	free(busy);
	free(map);
	free(fp);
}

/*
 * A lookup of the replay that would have found a dialog already retired
 * (a late packet of its Call-ID, RTP to one of its media endpoints that
 * no newer dialog holds: run_ghost_check) puts the run in conflict; it
 * goes on to the end (retiring as before) so that one pass finds every
 * such dialog, and the runs start again with all of them kept live
 * throughout (keeping a dialog live changes no report).  A replay starts
 * again only when it finds new ones (a lookup the first pass did not
 * make, its state having gone another way after a conflict), at most
 * this many times; past that dialogs retire only when the table is full.
 */
#define SIM_RETIRE_TRIES 8

/* Dialog numbers kept live (run.keep), ascending. */
struct keep {
	uint32_t *v;
	size_t n, cap;
};

static int
keep_add(struct keep *k, uint32_t seq)
{
	size_t i;

	if (run_list_add(&k->v, &k->n, &k->cap, seq) != 0)
		return -1;
	for (i = k->n - 1; i > 0 && k->v[i - 1] > seq; i--)
		k->v[i] = k->v[i - 1];
	k->v[i] = seq;
	return 0;
}

int
sim_runs(const struct sim_cfg *cfgs, size_t n, const struct sim_capture *cap,
    const struct sim_opts *o, struct sim_result *res, char *err,
    size_t errlen)
{
	struct runs rs;
	struct keep *keep = NULL;
	size_t i;
	int k, rc = -1, attempt;
	bool forwards = false, retire_at_cap;

	/* (SIPALG_SIM_RETIRE=cap: only with the table full, as up to
	 * 2026-12, for tests/sim.sh to compare) */
	retire_at_cap = getenv("SIPALG_SIM_RETIRE") != NULL &&
	    strcmp(getenv("SIPALG_SIM_RETIRE"), "cap") == 0;
	memset(&rs, 0, sizeof(rs));
	rs.n = n;
	rs.o = o;
	rs.r = calloc(n > 0 ? n : 1, sizeof(*rs.r));
	keep = calloc(n > 0 ? n : 1, sizeof(*keep));
	if (rs.r == NULL || keep == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (attempt = 0; ; attempt++) {
		bool again = false;

		for (i = 0; i < n; i++) {
			if ((rs.r[i] = run_new(&cfgs[i], cap, &o[i], &res[i], err,
			    errlen)) == NULL)
				goto out;
			rs.r[i]->retire_done = attempt < SIM_RETIRE_TRIES &&
			    !retire_at_cap;
			rs.r[i]->keep = keep[i].v;
			rs.r[i]->nkeep = keep[i].n;
			if (o[i].nfwd > 0)
				forwards = true;
		}
		if (forwards &&
		    sim_capture_each(cap, fwd_pkt, &rs, err, errlen) != 0)
			goto out;
		if (sim_capture_each(cap, step_pkt, &rs, err, errlen) != 0)
			goto out;
		/* a dialog retired too soon: the runs again, keeping it */
		for (i = 0; i < n && attempt < SIM_RETIRE_TRIES; i++) {
			struct run *r = rs.r[i];
			size_t c;

			if (!r->conflict)
				continue;
			again = true;
			for (c = 0; c < r->nconf; c++)
				if (!kept(keep[i].v, keep[i].n, r->conf[c]) &&
				    keep_add(&keep[i], r->conf[c]) != 0) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
		}
		for (i = 0; i < n; i++) {
			res[i].replays = (unsigned)attempt;
			res[i].ghosts = rs.r[i]->gh.n;
		}
		if (!again)
			break;
		for (i = 0; i < n; i++) {
			run_free(rs.r[i]);
			rs.r[i] = NULL;
			sim_result_fini(&res[i]);
		}
	}
	rc = 0;
	for (i = 0; i < n; i++) {
		struct run *r = rs.r[i];

		mark_far_end(&o[i], &res[i]);
		media_due_probes(r, INT64_MAX);
		fegen_due(r, res[i].last_ns, true);
		res[i].not_modelled += cap->skipped;
		for (k = 0; k < ANOMALY_COUNT; k++)
			res[i].an.n[k] += cap->an.n[k];
		close_view(&r->w, o[i].write_path, &rc, err, errlen);
		close_view(&r->wi, o[i].write_inside_path, &rc, err, errlen);
		if (rc == 0 && outcome_rows_error(&res[i]) != 0) {
			snprintf(err, errlen, "%s: cannot keep the dialogs "
			    "done in a temporary file ($TMPDIR, else /tmp): %s",
			    cap->shown, strerror(outcome_rows_error(&res[i])));
			rc = -1;
		}
	}
out:
	for (i = 0; rs.r != NULL && i < n; i++)
		run_free(rs.r[i]);
	for (i = 0; keep != NULL && i < n; i++)
		free(keep[i].v);
	free(keep);
	free(rs.r);
	if (rc != 0)
		for (i = 0; i < n; i++)
			sim_result_fini(&res[i]);
	return rc;
}

int
sim_run(const struct sim_cfg *cfg, const struct sim_capture *cap,
    const struct sim_opts *o, struct sim_result *res, char *err,
    size_t errlen)
{
	return sim_runs(cfg, 1, cap, o, res, err, errlen);
}

#define SIM_LEG_BUCKETS 8192        /* a power of two */

static uint32_t
key_bucket(const char *call_id, const struct ep *ip)
{
	uint64_t h = htab_hash(call_id, strlen(call_id), HTAB_SEED);

	h ^= htab_hash(ip->ip, ip->family == 4 ? 4 : 16, HTAB_SEED + ip->family);
	return (uint32_t)(htab_mix64(h) & (SIM_LEG_BUCKETS - 1));
}

const struct fe_dialog *
sim_live(const struct sim_result *r, size_t seq)
{
	size_t lo = 0, hi = r->ndlg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->dlg[mid].seq == seq)
			return &r->dlg[mid];
		if (r->dlg[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Indexes res's dialogs by leg (sim_leg); left unbuilt out of memory. */
static void
leg_index(struct sim_result *res)
{
	size_t k, i;

	free(res->leg_head);
	free(res->leg_next);
	res->leg_head = malloc(SIM_LEG_BUCKETS * sizeof(*res->leg_head));
	res->leg_next = malloc((res->nseq ? res->nseq : 1) * sizeof(*res->leg_next));
	if (res->leg_head == NULL || res->leg_next == NULL) {
		free(res->leg_head);
		free(res->leg_next);
		res->leg_head = res->leg_next = NULL;
		return;
	}
	memset(res->leg_head, 0xff, SIM_LEG_BUCKETS * sizeof(*res->leg_head));
	for (k = res->nseq, i = res->ndlg; k-- > 0;) {
		uint32_t b;

		if (i > 0 && res->dlg[i - 1].seq == k) {
			i--;
			b = key_bucket(res->dlg[i].call_id, &res->dlg[i].phone_ip);
		} else if (k < res->seq_bucket_cap)
			b = res->seq_bucket[k] & (SIM_LEG_BUCKETS - 1);
		else
			continue;
		res->leg_next[k] = res->leg_head[b];
		res->leg_head[b] = (uint32_t)k;
	}
}

/* Whether dialog number k of r is the leg (call_id, phone). */
static bool
same_leg(const struct sim_result *r, size_t k, const char *call_id,
    const struct ep *phone)
{
	const struct fe_dialog *d = sim_live(r, k);
	struct sim_row row;

	if (d != NULL)
		return strcmp(d->call_id, call_id) == 0 &&
		    ep_same_ip(&d->phone_ip, phone);
	if (outcome_row_get(NULL, r, k, &row) != 0)
		return false;
	return strcmp(row.call_id, call_id) == 0 &&
	    ep_same_ip(&row.phone_ip, phone);
}

size_t
sim_leg(const struct sim_result *r, const char *call_id,
    const struct ep *phone, size_t after)
{
	size_t k;
	uint32_t x;

	if (r->leg_head == NULL) {
		for (k = after != SIZE_MAX ? after + 1 : 0; k < r->nseq; k++)
			if (same_leg(r, k, call_id, phone))
				return k;
		return SIZE_MAX;
	}
	x = after != SIZE_MAX ? r->leg_next[after] :
	    r->leg_head[key_bucket(call_id, phone)];
	for (; x != UINT32_MAX; x = r->leg_next[x])
		if (same_leg(r, x, call_id, phone))
			return x;
	return SIZE_MAX;
}

void
sim_result_fini(struct sim_result *res)
{
	free(res->leg_head);
	free(res->leg_next);
	res->leg_head = res->leg_next = NULL;
	free(res->dlg);
	res->dlg = NULL;
	res->ndlg = 0;
	res->nseq = 0;
	free(res->seq_bucket);
	res->seq_bucket = NULL;
	res->seq_bucket_cap = 0;
	outcome_rows_free(res);
}
