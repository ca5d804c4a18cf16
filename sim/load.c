/*
 * load.c - loading an inside capture for the replay (sim_capture_load in
 * sim.h).
 *
 * The capture goes through the ingest stage (ingest.h) without TCP
 * reassembly: the ALG model looks at each TCP segment as the wire carried
 * it (a SIP message split over segments is treated differently by the
 * kernel's ALG than one that is whole), so segments are kept as they are
 * and framed per segment at replay time.  IPv4 UDP and TCP outside
 * tunnels are kept, payloads copied, at most SIM_MAX_PACKETS; anything
 * else is counted as not modelled.  The capture may show the router's
 * public address (infer_public), which a run then uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/sipframe.h"
#include "sim.h"
#include "sip/sipmsg.h"

#define SIM_MAX_PACKETS 2000000

static void
on_pkt(void *user, const struct pkt *p, struct anomalies *an)
{
	struct sim_capture *c = user;
	struct sim_pkt *sp;

	/* ICMP refusals (on_unreach) are the router's own answers: the
	 * model's to make, not replayed. */
	(void)an;
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
	sp->ip_df = p->ip_df != 0;
	sp->ip_ttl = p->ip_ttl;
	sp->ip_id = p->ip_id;
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

/*
 * The loader is an ingest stage without TCP reassembly: the ALG model
 * looks at each TCP segment as the wire carried it (a SIP message split
 * over segments is treated differently by the kernel's ALG than one that
 * is whole), so the segments are kept as they are and framed per segment
 * at replay time (sipframe_messages()).
 */
struct sim_capture *
sim_capture_load(const char *path, char *err, size_t errlen)
{
	struct sim_capture *c = calloc(1, sizeof(*c));
	struct ingest_opts io = { .tcp_segments_only = true };
	struct ingest_cb cb = { on_pkt, NULL, NULL, NULL, NULL, c };
	struct ingest *in = NULL;
	char e2[256];

	if (c == NULL || (in = ingest_new(&io, &cb)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ingest_add_file(in, path, e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "%s: %s", path, e2);
		goto fail;
	}
	while (ingest_next(in, &c->an) != NULL)
		c->frames++;
	{
		struct capture_info *ci = capture_set_info(ingest_captures(in), 0);

		if (ci != NULL && ci->err[0] != '\0' && c->frames == 0) {
			snprintf(err, errlen, "%s: %s", path, ci->err);
			goto fail;
		}
	}
	ingest_free(in);
	infer_public(c);
	return c;
fail:
	ingest_free(in);
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
