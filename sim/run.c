/*
 * run.c - what every part of a replay uses (run.h): the drop list, the
 * dialogs of the far-end model, the ALG's inspection rule, TCP
 * connections and their byte shifts (seqadj), the outside pcap, and the
 * verdict on a packet's path through the router: the NAT's bindings,
 * filtering and pinholes for a far-end packet (run_deliver), the LAN or
 * the router's hairpin for RTP between two phones behind it
 * (run_lan_path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg/algrule.h"
#include "base/caps.h"
#include "base/htab.h"
#include "base/text.h"
#include "ingest/pkt.h"
#include "run.h"

/* Bounded copy of a C string (truncates). */
void
run_copy(char *dst, size_t n, const char *src)
{
	text_copy(dst, n, src, strlen(src));
}

void
run_drop(struct run *r, const struct sim_pkt *p, bool outbound,
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
uint32_t
run_dlg_bucket(const char *call_id, const struct ep *host)
{
	return (uint32_t)(htab_mix64(htab_hash(call_id, strlen(call_id),
	    HTAB_SEED) ^ ep_hash(host)) & (RUN_DLG_BUCKETS - 1));
}

void
run_dialog_handed(struct run *r, size_t i)
{
	r->res->dlg[i].t_touch_ns = r->now;
	if (r->isdirty[i])
		return;
	r->isdirty[i] = 1;
	r->dirty[r->ndirty++] = (uint32_t)i;
}

int
run_list_add(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		uint32_t *na = realloc(*a, nc * sizeof(*na));

		if (na == NULL)
			return -1;
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
	return 0;
}

void
run_registered(struct run *r, const struct fe_dialog *d)
{
	if (run_list_add(&r->regs, &r->nregs, &r->regcap,
	    (uint32_t)(d - r->res->dlg)) != 0)
		r->regs_lost = true;   /* sip_target looks at every dialog */
}

static int
dlg_grow(struct run *r)
{
	size_t nc = r->dcap ? r->dcap * 2 : 16;
	struct fe_dialog *nd = realloc(r->res->dlg, nc * sizeof(*nd));
	uint32_t *nn, *ndy;
	uint8_t *nis;
	struct ep (*ns)[FE_MAX_MEDIA][3];

	if (nd == NULL)
		return -1;
	r->res->dlg = nd;
	if ((nn = realloc(r->dnext, nc * sizeof(*nn))) == NULL)
		return -1;
	r->dnext = nn;
	if ((ndy = realloc(r->dirty, nc * sizeof(*ndy))) == NULL)
		return -1;
	r->dirty = ndy;
	if ((nis = realloc(r->isdirty, nc)) == NULL)
		return -1;
	r->isdirty = nis;
	if ((ns = realloc(r->msnap, nc * sizeof(*ns))) == NULL)
		return -1;
	r->msnap = ns;
	if ((nis = realloc(r->ispend, nc)) == NULL)
		return -1;
	r->ispend = nis;
	r->dcap = nc;
	return 0;
}

uint64_t
run_fp(int kind, const char *call_id, const struct ep *e)
{
	uint64_t h = HTAB_SEED + (uint64_t)kind * 0x9e3779b97f4a7c15ULL;
	uint8_t b[19];

	if (kind == RUN_FP_LEG || kind == RUN_FP_CID)
		h = htab_hash(call_id, strlen(call_id), h);
	if (kind == RUN_FP_LEG)
		h = htab_hash(e->ip, e->family == 4 ? 4 : 16, h + e->family);
	else if (kind != RUN_FP_CID) {
		memset(b, 0, sizeof(b));
		b[0] = e->family;
		b[1] = (uint8_t)(e->port >> 8);
		b[2] = (uint8_t)e->port;
		if (kind != RUN_MIX_PORT)
			memcpy(b + 3, e->ip, 16);
		h = htab_hash(b, sizeof(b), h);
	}
	h = htab_mix64(h);
	return h != 0 ? h : 1;
}

static size_t
ghost_slot(const struct run_ghosts *g, uint64_t fp)
{
	size_t i = (size_t)(fp ^ fp >> 29) & (g->cap - 1);

	while (g->fp[i] != 0 && g->fp[i] != fp)
		i = (i + 1) & (g->cap - 1);
	return i;
}

int
run_ghost_add(struct run *r, uint64_t fp, uint32_t seq)
{
	struct run_ghosts *g = &r->gh;
	size_t i;

	if ((g->n + 1) * 4 > g->cap * 3) {
		struct run_ghosts ng;
		size_t k;

		ng.cap = g->cap ? g->cap * 2 : 1024;
		ng.n = g->n;
		ng.fp = calloc(ng.cap, sizeof(*ng.fp));
		ng.seq = malloc(ng.cap * sizeof(*ng.seq));
		if (ng.fp == NULL || ng.seq == NULL) {
			free(ng.fp);
			free(ng.seq);
			return -1;
		}
		for (k = 0; k < g->cap; k++)
			if (g->fp[k] != 0) {
				i = ghost_slot(&ng, g->fp[k]);
				ng.fp[i] = g->fp[k];
				ng.seq[i] = g->seq[k];
			}
		free(g->fp);
		free(g->seq);
		*g = ng;
	}
	i = ghost_slot(g, fp);
	if (g->fp[i] == 0) {
		g->fp[i] = fp;
		g->seq[i] = seq;
		g->n++;
	} else if (seq > g->seq[i])
		g->seq[i] = seq;
	return 0;
}

void
run_ghost_check(struct run *r, uint64_t fp, int64_t than)
{
	const struct run_ghosts *g = &r->gh;
	size_t i;

	if (g->n == 0)
		return;
	i = ghost_slot(g, fp);
	if (g->fp[i] == 0 || (int64_t)g->seq[i] <= than)
		return;
	r->conflict = true;
	(void)run_list_add(&r->conf, &r->nconf, &r->confcap, g->seq[i]);
}

struct fe_dialog *
run_dialog(struct run *r, const char *call_id, bool create,
    const struct sim_pkt *p)
{
	uint32_t i, b;
	struct fe_dialog *d;
	struct ep host = nat_is_inside(r->nat, &p->src) ? p->src : p->dst;

	host.port = 0;
	if (r->dhead == NULL) {
		if ((r->dhead = malloc(RUN_DLG_BUCKETS * sizeof(*r->dhead))) == NULL)
			return NULL;
		memset(r->dhead, 0xff, RUN_DLG_BUCKETS * sizeof(*r->dhead));
	}
	b = run_dlg_bucket(call_id, &host);
	for (i = r->dhead[b]; i != UINT32_MAX; i = r->dnext[i], r->work++)
		if (strcmp(r->res->dlg[i].call_id, call_id) == 0 &&
		    ep_same_ip(&r->res->dlg[i].phone_ip, &host)) {
			run_dialog_handed(r, i);
			return &r->res->dlg[i];
		}
	/* a retired dialog of this leg would have been found */
	run_ghost_check(r, run_fp(RUN_FP_LEG, call_id, &host), -1);
	if (!create)
		return NULL;
	if (r->res->ndlg >= SIM_CAP_DIALOGS) {
		anomaly_add(&r->res->an, ANOMALY_SIM_DIALOG_TABLE_FULL);
		return NULL;
	}
	if (r->res->ndlg == r->dcap && dlg_grow(r) != 0)
		return NULL;
	i = (uint32_t)r->res->ndlg++;
	if (r->res->ndlg > r->res->live_peak)
		r->res->live_peak = r->res->ndlg;
	d = &r->res->dlg[i];
	memset(d, 0, sizeof(*d));
	snprintf(d->call_id, sizeof(d->call_id), "%s", call_id);
	d->phone_ip = host;
	d->kind = FE_OTHER;
	d->session_expires = -1;
	d->reg_expires = -1;
	d->t_first_ns = p->ts_ns;
	d->first_frame = p->frame;
	d->seq = (uint32_t)r->res->nseq++;
	/* chained by the key as stored (a Call-ID is truncated to fit) */
	b = run_dlg_bucket(d->call_id, &host);
	r->dnext[i] = r->dhead[b];
	r->dhead[b] = i;
	memset(r->msnap[i], 0, sizeof(r->msnap[i]));
	r->isdirty[i] = 0;
	r->ispend[i] = 0;
	run_dialog_handed(r, i);
	/* a new leg of a Call-ID retired: outcome.c reads the other legs */
	run_ghost_check(r, run_fp(RUN_FP_CID, d->call_id, NULL), -1);
	return d;
}

void
run_index_free(struct run *r)
{
	free(r->dhead);
	free(r->dnext);
	free(r->mix);
	free(r->mhead);
	free(r->msnap);
	free(r->dirty);
	free(r->isdirty);
	free(r->pend);
	free(r->ispend);
	free(r->regs);
	alg_cids_free(r->cids);
	r->cids = NULL;
	free(r->gh.fp);
	free(r->gh.seq);
	free(r->conf);
}

static bool
run_inside_host(const void *user, const struct ep *e)
{
	return nat_is_inside(user, e);
}

void
run_alg_flow(struct run *r, struct alg_flow *fl)
{
	if (r->cids == NULL)
		r->cids = alg_cids_new();
	fl->cids = r->cids;
	fl->inside = run_inside_host;
	fl->inside_user = r->nat;
}

/* The ALG looks at this flow (K3: only listed ports; TCP optional). */
bool
run_inspected(const struct sim_cfg *c, const struct sim_pkt *p)
{
	return algrule_inspects(c, p->l4, p->dst.port, p->src.port);
}

struct tcp_conn *
run_tcp_conn(struct run *r, const struct ep *phone, const struct ep *remote)
{
	int i;

	for (i = 0; i < r->ntcp; i++)
		if (ep_eq(&r->tcp[i].phone, phone) && ep_eq(&r->tcp[i].remote, remote))
			return &r->tcp[i];
	if (r->ntcp >= SIM_CAP_TCP_CONNS) {
		anomaly_add(&r->res->an, ANOMALY_SIM_TCP_TABLE_FULL);
		return NULL;
	}
	memset(&r->tcp[r->ntcp], 0, sizeof(r->tcp[0]));
	r->tcp[r->ntcp].phone = *phone;
	r->tcp[r->ntcp].remote = *remote;
	return &r->tcp[r->ntcp++];
}

/*
 * The SACK blocks (RFC 2018) among TCP options opt[0..n) shifted by delta:
 * they name sequence numbers of the other direction, which the router
 * shifts as it shifts the acknowledgment (nf_conntrack_seqadj.c
 * nf_ct_sack_adjust).  Every other option is left byte for byte; a
 * malformed option list ends the walk.
 */
static void
sack_shift(uint8_t *opt, size_t n, uint32_t delta)
{
	size_t i = 0, k;

	while (i < n && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || opt[i + 1] > n - i)
			return;
		if (opt[i] == 5)
			for (k = i + 2; k + 4 <= i + opt[i + 1]; k += 4) {
				uint32_t v = (uint32_t)opt[k] << 24 |
				    (uint32_t)opt[k + 1] << 16 |
				    (uint32_t)opt[k + 2] << 8 | opt[k + 3];

				v += delta;
				opt[k] = (uint8_t)(v >> 24);
				opt[k + 1] = (uint8_t)(v >> 16);
				opt[k + 2] = (uint8_t)(v >> 8);
				opt[k + 3] = (uint8_t)v;
			}
		i += opt[i + 1];
	}
}

void
run_write(struct run *r, const struct sim_pkt *p, const struct ep *src,
    const struct ep *dst, const uint8_t *b, size_t len, bool outbound,
    int64_t delta_before)
{
	if (r->w == NULL)
		return;
	/*
	 * What the router keeps of the packet it forwards: the IP
	 * identification and DF, the TTL one less (RFC 1812 5.3.1): the
	 * phone's minus one outside, the far end's plus one (the inside
	 * capture shows it after the router).  A packet the model made up
	 * (TTL 0) gets the writer's own.
	 */
	if (p->ip_ttl > 0)
		pcapw_set_ip(r->w, outbound ? (uint8_t)(p->ip_ttl - 1) :
		    (uint8_t)(p->ip_ttl < 255 ? p->ip_ttl + 1 : 255), p->ip_id,
		    p->ip_df);
	if (p->l4 == PKT_UDP) {
		/* the router fragments what passed run_mtu_exceeded */
		if ((outbound ? pcapw_udp_frag(r->w, p->ts_ns, src, dst, b, len,
		    r->cfg->outside_mtu) : pcapw_udp(r->w, p->ts_ns, src, dst, b,
		    len)) == 0)
			r->res->written++;
	} else {
		struct tcp_conn *tc = outbound ?
		    run_tcp_conn(r, &p->src, &p->dst) :
		    run_tcp_conn(r, &p->dst, &p->src);
		uint32_t seq = p->tcp_seq, ack = p->tcp_ack, dack = 0;
		struct pcapw_tcph h;
		uint8_t opt[40];
		int rc;

		if (tc != NULL) {
			dack = (uint32_t)(outbound ? tc->d_in : tc->d_out);
			seq += (uint32_t)delta_before;
			ack += dack;
		}
		if (p->ip_ttl == 0) {
			/* made up by the model: the writer's own header */
			rc = pcapw_tcp(r->w, p->ts_ns, src, dst, seq, ack,
			    p->tcp_flags, b, len);
		} else {
			/*
			 * Forwarded: the router changes addresses, ports and
			 * what seqadj shifts (sequence, acknowledgment, SACK
			 * blocks); window, urgent pointer and every other
			 * option stay as the phone or the far end wrote them.
			 */
			memset(&h, 0, sizeof(h));
			h.seq = seq;
			h.ack = (p->tcp_flags & PKT_TCP_ACK) ? ack : p->tcp_ack;
			h.flags = p->tcp_flags;
			h.x2 = p->tcp_x2;
			h.win = p->tcp_win;
			h.urp = p->tcp_urp;
			h.optlen = p->tcp_optlen <= sizeof(opt) ?
			    p->tcp_optlen & ~3u : 0;
			memcpy(opt, p->tcp_opt, h.optlen);
			if (dack != 0)
				sack_shift(opt, h.optlen, dack);
			h.opt = opt;
			rc = pcapw_tcp_fwd(r->w, p->ts_ns, src, dst, &h, b, len);
		}
		if (rc == 0)
			r->res->written++;
	}
}

/* The TCP option kind in opt[0..n): its offset, or -1. */
static int
tcp_opt_find(const uint8_t *opt, size_t n, uint8_t kind, uint8_t len)
{
	size_t i = 0;

	while (i < n && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			return -1;
		if (opt[i] == kind && opt[i + 1] == len)
			return (int)i;
		i += opt[i + 1];
	}
	return -1;
}

static uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

void
run_tcp_far_seen(struct tcp_conn *tc, const struct sim_pkt *p)
{
	int k = tcp_opt_find(p->tcp_opt, p->tcp_optlen, 8, 10);

	if (p->tcp_flags & PKT_TCP_SYN) {
		int w = tcp_opt_find(p->tcp_opt, p->tcp_optlen, 3, 3);

		tc->far_wscale = w >= 0 && p->tcp_opt[w + 2] <= 14 ?
		    p->tcp_opt[w + 2] : 0;
	}
	tc->far_seen = true;
	tc->far_ttl = p->ip_ttl;
	tc->far_df = p->ip_df;
	tc->far_id = p->ip_id;
	tc->far_win = p->tcp_win;
	tc->far_nxt = p->tcp_seq + (uint32_t)p->len +
	    ((p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
	tc->far_ack_out = p->tcp_ack + (uint32_t)tc->d_out;
	tc->far_ts = k >= 0;
	if (k >= 0)
		tc->far_tsval = be32(p->tcp_opt + k + 2);
	tc->far_ns = p->ts_ns;
}

void
run_tcp_unadjusted(struct run *r, struct tcp_conn *tc, const struct sim_pkt *p,
    uint32_t end)
{
	int k = tcp_opt_find(p->tcp_opt, p->tcp_optlen, 8, 10);

	if (tc->rst_due != 0 || !tc->far_seen)
		return;             /* reset already, or no far end to copy */
	tc->rst_due = p->ts_ns + RUN_DELACK_NS;
	tc->rst_ack = end;
	tc->rst_ecr = k >= 0 ? be32(p->tcp_opt + k + 2) : 0;
	r->ntcp_due++;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* The far end's ACK of tc's grown segment and the router's reset. */
static void
tcp_reset_write(struct run *r, struct tcp_conn *tc)
{
	const struct ep *pub;
	struct ep src;
	struct pcapw_tcph h;
	uint8_t opt[12];
	uint32_t took = tc->rst_ack - tc->far_ack_out, win;
	int64_t t = tc->rst_due;

	if (r->w == NULL)
		return;
	/* the far end's public view of the phone: the connection's mapping */
	if (!nat_lookup_out(r->nat, PKT_TCP, &tc->phone, &tc->remote, t, &src)) {
		src = *nat_public(r->nat);
		src.port = tc->phone.port;
	}
	pub = &src;
	/*
	 * The receive window it advertises: the last one less what it took
	 * in since (a receiver whose window has not reopened, as in every
	 * TCP run of samples/linux-alg).
	 */
	win = (uint32_t)tc->far_win << tc->far_wscale;
	win = win > took ? (win - took) >> tc->far_wscale : 0;
	memset(&h, 0, sizeof(h));
	h.seq = tc->far_nxt + (uint32_t)tc->d_in;
	h.ack = tc->rst_ack;
	h.flags = PKT_TCP_ACK;
	h.win = (uint16_t)(win > 65535 ? 65535 : win);
	if (tc->far_ts) {
		/* its clock: the last TSval plus the milliseconds since */
		opt[0] = opt[1] = 1;
		opt[2] = 8;
		opt[3] = 10;
		put32(opt + 4, tc->far_tsval + (uint32_t)((t - tc->far_ns +
		    CAP_NS_PER_SEC / 2000) / (CAP_NS_PER_SEC / 1000)));
		put32(opt + 8, tc->rst_ecr);
		h.opt = opt;
		h.optlen = 12;
	}
	/* the far end's next IP identification (a counter per connection) */
	pcapw_set_ip(r->w, tc->far_ttl < 255 ? (uint8_t)(tc->far_ttl + 1) : 255,
	    (uint16_t)(tc->far_id + 1), tc->far_df);
	if (pcapw_tcp_fwd(r->w, t, &tc->remote, pub, &h, NULL, 0) == 0)
		r->res->written++;
	memset(&h, 0, sizeof(h));
	h.seq = tc->rst_ack;
	h.flags = PKT_TCP_RST;
	pcapw_set_ip(r->w, 64, 0, true);
	if (pcapw_tcp_fwd(r->w, t + 1000, pub, &tc->remote, &h, NULL, 0) == 0)
		r->res->written++;
}

void
run_tcp_due(struct run *r, int64_t now)
{
	int i;

	if (r->ntcp_due == 0)
		return;
	for (i = 0; i < r->ntcp; i++) {
		struct tcp_conn *tc = &r->tcp[i];

		if (tc->rst_due <= 0 || tc->rst_due > now)
			continue;
		tcp_reset_write(r, tc);
		tc->rst_due = -1;   /* once per connection */
		r->ntcp_due--;
	}
}

void
run_write_inside(struct run *r, const struct sim_pkt *p, int64_t t,
    const struct ep *src, const struct ep *dst, const uint8_t *b, size_t len)
{
	if (r->wi == NULL)
		return;
	if (p != NULL && p->ip_ttl > 0)
		pcapw_set_ip(r->wi, p->ip_ttl, p->ip_id, p->ip_df);
	if (p != NULL && p->l4 == PKT_TCP) {
		uint32_t seq = p->tcp_seq, ack = p->tcp_ack;
		int i;

		for (i = 0; i < r->ntcp; i++) {
			const struct tcp_conn *tc = &r->tcp[i];

			if (ep_eq(&tc->phone, src) && ep_eq(&tc->remote, dst) &&
			    (p->tcp_flags & PKT_TCP_ACK))
				ack += (uint32_t)tc->d_wi;
			else if (ep_eq(&tc->phone, dst) && ep_eq(&tc->remote, src))
				seq += (uint32_t)tc->d_wi;
			else
				continue;
			break;
		}
		(void)pcapw_tcp(r->wi, p->ts_ns, src, dst, seq, ack,
		    p->tcp_flags, b, len);
	}
	else
		(void)pcapw_udp_frag(r->wi, p != NULL ? p->ts_ns : t, src, dst, b,
		    len, 1500);
}

char
run_media_class(const char *media)
{
	if (media == NULL)
		return 0;
	if (strcmp(media, "audio") == 0)
		return 'a';
	if (strcmp(media, "video") == 0)
		return 'v';
	if (strcmp(media, "image") == 0)
		return 'i';
	return 0;
}

void
run_sig_flow(const struct sim_pkt *p, bool outbound, struct nat_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->proto = p->l4;
	fl->in = outbound ? p->src : p->dst;
	fl->remote = outbound ? p->dst : p->src;
}

void
run_alg_flush(struct run *r, const struct sim_pkt *p, bool outbound,
    const struct sipmsg *m)
{
	struct nat_flow fl;

	if (m == NULL || !r->cfg->alg || r->cfg->pinhole_scope != PINHOLE_FLOW)
		return;
	if (m->is_request ? strcmp(m->method, "INVITE") != 0 &&
	    strcmp(m->method, "BYE") != 0 :
	    strcmp(m->cseq_method, "INVITE") != 0 || m->status < 300)
		return;
	run_sig_flow(p, outbound, &fl);
	nat_flush_flow(r->nat, &fl);
}

bool
run_mtu_exceeded(const struct run *r, const struct sim_pkt *p, size_t len)
{
	return p->l4 == PKT_UDP && p->src.family == 4 && p->ip_df &&
	    p->nfrags <= 1 && 20 + 8 + len > r->cfg->outside_mtu;
}

/* Bytes of CRLF keepalives at the start of p[0..len). */
size_t
run_crlf_lead(const uint8_t *p, size_t len)
{
	size_t k = 0;

	while (k < len && (p[k] == '\r' || p[k] == '\n'))
		k++;
	return k;
}

void
run_spans_init(struct run_spans *s)
{
	s->sp = s->inl;
	s->cap = RUN_SPANS_INLINE;
	s->oom = false;
}

void
run_spans_fini(struct run_spans *s)
{
	if (s->sp != s->inl)
		free(s->sp);
	run_spans_init(s);
}

/* Room for span n in s; false (s->oom set) when there is none. */
static bool
spans_room(struct run_spans *s, int n)
{
	struct sipframe_span *np;
	int cap;

	if (n < s->cap)
		return true;
	cap = s->cap * 2;
	if (s->sp == s->inl) {
		if ((np = malloc((size_t)cap * sizeof(*np))) != NULL)
			memcpy(np, s->inl, sizeof(s->inl));
	} else
		np = realloc(s->sp, (size_t)cap * sizeof(*np));
	if (np == NULL) {
		s->oom = true;
		return false;
	}
	s->sp = np;
	s->cap = cap;
	return true;
}

int
run_messages(struct run_spans *s, const uint8_t *p, size_t len, size_t *used)
{
	size_t at = 0, u;
	int n = 0, k, i;

	for (;;) {
		k = sipframe_messages(p + at, len - at, s->sp + n, s->cap - n,
		    &u, NULL);
		if (k < 0)
			return -1;
		for (i = n; i < n + k; i++)
			s->sp[i].off += at;
		n += k;
		at += u;
		/* the array was full: there may be more */
		if (n < s->cap || at >= len || !spans_room(s, n))
			break;
	}
	*used = at;
	return n;
}

int
run_track_add(uint8_t **buf, size_t *buflen, const uint8_t *b, size_t len,
    struct run_spans *s, size_t *used)
{
	uint8_t *np;
	int n;

	*used = 0;
	if (*buflen == 0 && run_crlf_lead(b, len) == len)
		return 0;           /* CRLF keepalives after the last message */
	if (*buflen + len > SIM_TCP_PEND_MAX ||
	    (np = realloc(*buf, *buflen + len)) == NULL) {
		*buflen = 0;
		return 0;
	}
	*buf = np;
	memcpy(*buf + *buflen, b, len);
	*buflen += len;
	n = run_messages(s, *buf, *buflen, used);
	if (n < 0) {
		*buflen = 0;
		*used = 0;
		return 0;
	}
	return n;
}

void
run_track_done(uint8_t *buf, size_t *buflen, size_t used)
{
	if (used == 0)
		return;
	memmove(buf, buf + used, *buflen - used);
	*buflen -= used;
}

struct sipmsg *
run_sipmsg(const uint8_t *msg, size_t len)
{
	size_t k = run_crlf_lead(msg, len);

	return sipmsg_parse(msg + k, len - k, NULL);
}

bool
run_looks_like_sip(const uint8_t *p, size_t len)
{
	size_t k = run_crlf_lead(p, len);

	return k < len && sipframe_looks_like_sip(p + k, len - k);
}

/* Case-insensitive p[0..n) == s (s lower case). */
static bool
ieq_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) != s[i])
			return false;
	return true;
}

/*
 * The next Content-Length header in p[0..len) as ct_sip_get_header()
 * finds it (nf_conntrack_sip.c): at the start of any line after the
 * first (a header of a later message, or of a body, counts too), the
 * long name or the compact "l" followed by a non-letter, blanks, a colon,
 * blanks and at least one digit.  Sets *clen (modulo 2^64) and *end (just
 * past the digits).  Folded lines are not followed.
 */
static bool
kernel_cl(const uint8_t *p, size_t len, uint64_t *clen, size_t *end)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		j = i + 1;
		if (j < len && p[i] == '\r' && p[j] == '\n')
			j++;
		if (j >= len || p[j] == ' ' || p[j] == '\t')
			continue;
		if (len - j >= 14 && ieq_prefix(p + j, 14, "content-length"))
			j += 14;
		else if (len - j >= 2 && (p[j] == 'l' || p[j] == 'L') &&
		    !((p[j + 1] | 0x20) >= 'a' && (p[j + 1] | 0x20) <= 'z'))
			j += 1;
		else
			continue;
		while (j < len && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j >= len || p[j] != ':')
			continue;
		j++;
		while (j < len && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j >= len || p[j] < '0' || p[j] > '9')
			continue;
		*clen = 0;
		/* simple_strtoul() on a 64-bit kernel: wraps modulo 2^64 */
		for (; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			*clen = *clen * 10 + (uint64_t)(p[j] - '0');
		*end = j;
		return true;
	}
	return false;
}

/*
 * sip_help_tcp()'s cut of one segment (tcp_segment_framing =
 * content_length): each message runs from the previous one's end (CRLF
 * keepalives included) to the end of the body the next Content-Length
 * header gives, the body starting after the first CRLF CRLF past that
 * header.  The loop has no message count.  It stops, the rest untouched,
 * at a segment shorter than "SIP/2.0 200", when no Content-Length
 * follows, or when no CRLF CRLF follows it.  A body that runs past the
 * segment's end (tcp_cl_check): with TCPCL_SEGMENT (the 2026 fix,
 * "if (clen > datalen) break;") a Content-Length above the bytes left
 * from the message's start stops the loop like the cases above, and only
 * a smaller one makes the helper return before its seq adjust (*noadj);
 * with TCPCL_BODY_END (older kernels, clen an unsigned int) the
 * Content-Length is taken modulo 2^32 and any body past the end returns
 * first.  Like the kernel's loop, it has no message count.
 */
static int
kernel_spans(const uint8_t *p, size_t len, enum tcp_cl_check chk,
    struct run_spans *s, struct run_cut *cut)
{
	struct sipframe_span *sp;
	size_t at = 0, end, k;
	uint64_t clen;
	int n = 0;

	if (len < 11) {
		cut->used = 0;
		return 0;
	}
	while (kernel_cl(p + at, len - at, &clen, &end)) {
		if (chk == TCPCL_SEGMENT && clen > len - at)
			break;
		if (chk == TCPCL_BODY_END)
			clen &= UINT32_MAX;
		end += at;
		for (k = end; k + 4 <= len; k++)
			if (p[k] == '\r' && p[k + 1] == '\n' && p[k + 2] == '\r' &&
			    p[k + 3] == '\n')
				break;
		if (k + 4 > len)
			break;
		if (clen > len - (k + 4)) {
			cut->noadj = true;
			break;
		}
		if (!spans_room(s, n))
			break;
		sp = s->sp;
		sp[n].off = at;
		sp[n].hdr_len = k + 4 - at;
		sp[n].len = sp[n].hdr_len + (size_t)clen;
		at += sp[n].len;
		n++;
	}
	cut->used = at;
	return n;
}

int
run_sip_spans(const struct sim_cfg *c, const struct sim_pkt *p,
    struct run_spans *s, struct run_cut *cut)
{
	struct sipframe_span *sp = s->sp;
	size_t used, body;
	int n;

	cut->used = p->len;
	cut->noadj = false;
	if (p->l4 == PKT_TCP &&
	    c->tcp_segment_framing == TCPFRAME_CONTENT_LENGTH)
		return kernel_spans(p->payload, p->len,
		    (enum tcp_cl_check)c->tcp_cl_check, s, cut);
	if (p->l4 == PKT_TCP) {
		size_t start = 0;
		int k;

		n = run_messages(s, p->payload, p->len, &used);
		if (n < 0 || used != p->len)
			return -1;
		sp = s->sp;
		/* each message from the previous one's end, CRLF keepalives
		 * before it included, as sip_help_tcp() cuts them */
		for (k = 0; k < n; k++) {
			sp[k].len += sp[k].off - start;
			sp[k].hdr_len += sp[k].off - start;
			sp[k].off = start;
			start = sp[k].off + sp[k].len;
		}
		return n;
	}
	if (sipframe_datagram(p->payload, p->len, &sp[0].len, &body,
	    NULL) != SIPFRAME_OK)
		sp[0].len = p->len;
	sp[0].off = 0;
	return 1;
}

/* Decides whether a far-end packet to target reaches the phone at want. */
bool
run_deliver(struct run *r, uint8_t proto, const struct ep *src,
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
bool
run_lan_path(struct run *r, const struct ep *src, const struct ep *target,
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
	return run_deliver(r, PKT_UDP, &src_pub, target, want, t, probe, why,
	    n);
}
