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
struct fe_dialog *
run_dialog(struct run *r, const char *call_id, bool create,
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
	if (r->ntcp >= SIM_MAX_TCP_CONN)
		return NULL;
	memset(&r->tcp[r->ntcp], 0, sizeof(r->tcp[0]));
	r->tcp[r->ntcp].phone = *phone;
	r->tcp[r->ntcp].remote = *remote;
	return &r->tcp[r->ntcp++];
}

void
run_write(struct run *r, const struct sim_pkt *p, const struct ep *src,
    const struct ep *dst, const uint8_t *b, size_t len, bool outbound,
    int64_t delta_before)
{
	if (r->w == NULL)
		return;
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

int
run_tcp_split(const uint8_t *p, size_t len, struct sipframe_span *sp, int max)
{
	size_t used;
	int n = sipframe_messages(p, len, sp, max, &used, NULL);

	return n >= 0 && used == len ? n : -1;
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
