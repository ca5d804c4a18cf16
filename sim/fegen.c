/*
 * fegen.c - the far end's modelled frames in the outside view (fegen.h).
 *
 * Two small tables, bounded by SIM_CAP_MODEL_STREAMS and
 * SIM_CAP_MODEL_RESENDS (past them: the anomaly sim_model_table_full,
 * the frame not written): the RTP streams being modelled, by dialog
 * number and media line (dialogs move when their array grows), and the
 * retransmissions pending, each with the bytes of the message as it
 * went outside.  fegen_due() writes, before each captured packet, every
 * modelled frame due before it, oldest first, so the outside pcap stays
 * in time order.
 *
 * A modelled RTP packet (RFC 3550 5.1):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |                             SSRC                              |
 *   |            payload: ptime x clock / 1000 bytes                |
 *
 * PT, ptime and clock from the far end's SDP (PT 0, 20 ms, 8000 Hz when
 * it gives none), SSRC and first sequence number from the Call-ID, the
 * payload one octet of silence repeated (G.711 mu-law 0xff, A-law 0xd5).
 * Limits: the far end's stream follows its last SDP (no hold within
 * the stream beyond its direction attribute), one octet per sample
 * whatever the codec, no RTCP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "fegen.h"
#include "ingest/pkt.h"
#include "media.h"

#define FG_T1_NS (CAP_NS_PER_SEC / 2)
#define FG_T2_NS (4 * CAP_NS_PER_SEC)
#define FG_RTP_HDR 12
#define FG_RTP_MAX 1200           /* payload bytes at most (60 ms at 16 kHz and more) */

struct fg_stream {
	uint32_t dlg;
	uint8_t line;
};

struct fg_resend {
	uint64_t hash;            /* of the message as the capture shows it */
	uint32_t dlg;
	struct ep src, dst, want;
	uint8_t *b;               /* as it went outside */
	size_t len;
	int64_t next_ns, step_ns, end_ns;
	bool invite;              /* Timer A: the interval keeps doubling */
};

struct fegen {
	struct fg_stream s[SIM_CAP_MODEL_STREAMS];
	int ns;
	struct fg_resend q[SIM_CAP_MODEL_RESENDS];
	int nq;
};

struct fegen *
fegen_new(void)
{
	return calloc(1, sizeof(struct fegen));
}

void
fegen_free(struct fegen *g)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nq; i++)
		free(g->q[i].b);
	free(g);
}

static uint64_t
fg_hash(const uint8_t *b, size_t n, uint64_t h)
{
	while (n-- > 0)
		h = (h ^ *b++) * 1099511628211ULL;
	return h;
}

/* Whether the capture shows the far end's RTP to line m (as far as known
 * by now when the pre-pass cannot say). */
static bool
far_rtp_shown(const struct run *r, const struct fe_media *m)
{
	int v = r->far_rtp_shown != NULL ?
	    r->far_rtp_shown(r->far_rtp_user, &m->phone_in) : -1;

	return v < 0 ? m->in_pkts > 0 : v > 0;
}

void
fegen_rtp_start(struct run *r, struct fe_dialog *d, int k, int64_t t)
{
	struct fegen *g = r->fg;
	struct fe_media *m = &d->media[k];
	uint64_t h;

	if (g == NULL || m->model_on || !m->have_far ||
	    !m->far_sends || d->gone || d->t_answer_ns == 0 ||
	    run_media_class(m->media) != 'a' || far_rtp_shown(r, m))
		return;
	if (g->ns >= SIM_CAP_MODEL_STREAMS) {
		anomaly_add(&r->res->an, ANOMALY_SIM_MODEL_TABLE_FULL);
		return;
	}
	m->model_on = true;
	m->model_next_ns = t;
	h = fg_hash((const uint8_t *)d->call_id, strlen(d->call_id),
	    1469598103934665603ULL ^ (uint64_t)k);
	m->model_ssrc = (uint32_t)(h >> 32) ^ 0x5a5a0000u;
	m->model_seq = (uint16_t)h;
	m->model_ts = (uint32_t)(h >> 16);
	g->s[g->ns].dlg = (uint32_t)(d - r->res->dlg);
	g->s[g->ns].line = (uint8_t)k;
	g->ns++;
}

void
fegen_sip(struct run *r, const struct sim_pkt *p, const struct sipmsg *m,
    const uint8_t *wb, size_t wl, const struct ep *target, bool delivered)
{
	struct fegen *g = r->fg;
	struct fe_dialog *d;
	struct fg_resend *q;
	uint64_t h;
	int i;

	if (g == NULL || m == NULL || p->l4 != PKT_UDP)
		return;
	h = fg_hash(p->payload, p->len, fg_hash((const uint8_t *)&p->src,
	    sizeof(p->src), 1469598103934665603ULL));
	for (i = 0; i < g->nq; i++)
		if (g->q[i].hash == h) {
			/* the capture shows this message again: no more made up */
			g->q[i].end_ns = 0;
			return;
		}
	if (delivered || !ep_same_ip(target, nat_public(r->nat)))
		return;
	if (!m->is_request && !(m->status >= 200 && m->status < 300 &&
	    strcmp(m->cseq_method, "INVITE") == 0))
		return;
	if (m->is_request && strcmp(m->method, "ACK") == 0)
		return;   /* never retransmitted on its own (17.1.1.3) */
	if ((d = run_dialog(r, m->call_id, false, p)) == NULL)
		return;
	if (g->nq >= SIM_CAP_MODEL_RESENDS) {
		anomaly_add(&r->res->an, ANOMALY_SIM_MODEL_TABLE_FULL);
		return;
	}
	q = &g->q[g->nq];
	memset(q, 0, sizeof(*q));
	if ((q->b = malloc(wl > 0 ? wl : 1)) == NULL)
		return;
	memcpy(q->b, wb, wl);
	q->len = wl;
	q->hash = h;
	q->dlg = (uint32_t)(d - r->res->dlg);
	q->src = p->src;
	q->dst = *target;
	q->want = p->dst;
	q->invite = m->is_request && strcmp(m->method, "INVITE") == 0;
	q->step_ns = FG_T1_NS;
	q->next_ns = p->ts_ns + FG_T1_NS;
	q->end_ns = p->ts_ns + 64 * FG_T1_NS;
	g->nq++;
}

/* Payload octets of a packet of line m, and the RTP timestamp step. */
static size_t
rtp_size(const struct fe_media *m, int64_t *step_ns, uint32_t *ts_step)
{
	int ptime = m->far_ptime_ms > 0 && m->far_ptime_ms <= 200 ?
	    m->far_ptime_ms : 20;
	uint32_t clock = m->far_clock >= 8000 && m->far_clock <= 48000 ?
	    m->far_clock : 8000;
	size_t n = (size_t)clock * (size_t)ptime / 1000;

	*step_ns = (int64_t)ptime * (CAP_NS_PER_SEC / 1000);
	*ts_step = (uint32_t)n;
	return n < FG_RTP_MAX ? n : FG_RTP_MAX;
}

/* Writes one modelled packet src -> dst at t (the writer's own TTL and
 * IP ID: no captured packet to keep them from), put to the NAT as a
 * probe; returns whether the NAT lets it through to want, and then it
 * goes into the inside view too, as the phone receives it. */
static bool
fg_write(struct run *r, int64_t t, const struct ep *src, const struct ep *dst,
    const struct ep *want, const uint8_t *b, size_t len)
{
	char why[240];
	bool ok;

	if (r->w != NULL && pcapw_udp(r->w, t, src, dst, b, len) == 0)
		r->res->written++;
	ok = run_deliver(r, PKT_UDP, src, dst, want, t, true, why, sizeof(why));
	if (ok)
		run_write_inside(r, NULL, t, src, want, b, len);
	return ok;
}

/* When stream s sends next; false once it has ended (its dialog gone or
 * ended by a BYE, or the capture shows the far end's own RTP). */
static bool
stream_next(const struct run *r, const struct fg_stream *s, int64_t *t)
{
	const struct fe_dialog *d = &r->res->dlg[s->dlg];
	const struct fe_media *m = &d->media[s->line];

	if (d->gone || (r->far_rtp_shown == NULL && m->in_pkts > 0) ||
	    (d->bye_seen && m->model_next_ns >= d->t_bye_ns))
		return false;
	*t = m->model_next_ns;
	return true;
}

/* The next packet of stream s: written when the far end's model sends
 * it to the router's public address. */
static void
stream_emit(struct run *r, const struct fg_stream *s)
{
	struct fe_dialog *d = &r->res->dlg[s->dlg];
	struct fe_media *m = &d->media[s->line];
	uint8_t pkt[FG_RTP_HDR + FG_RTP_MAX];
	int64_t step;
	uint32_t ts_step;
	size_t n = rtp_size(m, &step, &ts_step);
	struct ep t;

	if (media_rtp_target(r, m, &t) && ep_same_ip(&t, nat_public(r->nat))) {
		pkt[0] = 0x80;
		pkt[1] = (uint8_t)(m->far_pt & 0x7f);
		pkt[2] = (uint8_t)(m->model_seq >> 8);
		pkt[3] = (uint8_t)m->model_seq;
		pkt[4] = (uint8_t)(m->model_ts >> 24);
		pkt[5] = (uint8_t)(m->model_ts >> 16);
		pkt[6] = (uint8_t)(m->model_ts >> 8);
		pkt[7] = (uint8_t)m->model_ts;
		pkt[8] = (uint8_t)(m->model_ssrc >> 24);
		pkt[9] = (uint8_t)(m->model_ssrc >> 16);
		pkt[10] = (uint8_t)(m->model_ssrc >> 8);
		pkt[11] = (uint8_t)m->model_ssrc;
		memset(pkt + FG_RTP_HDR, m->far_pt == 8 ? 0xd5 : 0xff, n);
		if (fg_write(r, m->model_next_ns, &m->far, &t, &m->phone_in, pkt,
		    FG_RTP_HDR + n))
			m->model_delivered++;
		m->model_pkts++;
		d->modelled_rtp++;
		r->res->modelled_rtp++;
	}
	m->model_seq++;
	m->model_ts += ts_step;
	m->model_next_ns += step;
}

/* The next retransmission of q. */
static void
resend_emit(struct run *r, struct fg_resend *q)
{
	struct fe_dialog *d = &r->res->dlg[q->dlg];

	(void)fg_write(r, q->next_ns, &q->src, &q->dst, &q->want, q->b, q->len);
	d->modelled_sip++;
	r->res->modelled_sip++;
	q->step_ns *= 2;
	if (!q->invite && q->step_ns > FG_T2_NS)
		q->step_ns = FG_T2_NS;
	q->next_ns += q->step_ns;
}

void
fegen_due(struct run *r, int64_t now, bool final)
{
	struct fegen *g = r->fg;
	int i, j, bs, bq;
	int64_t t, bt;

	if (g == NULL)
		return;
	/* the earliest frame due of all, one at a time: time order */
	for (;;) {
		bs = bq = -1;
		bt = INT64_MAX;
		for (i = 0, j = 0; i < g->ns; i++) {
			if (!stream_next(r, &g->s[i], &t))
				continue;
			g->s[j] = g->s[i];
			if (t < now && t < bt) {
				bt = t;
				bs = j;
			}
			j++;
		}
		g->ns = j;
		for (i = 0; i < g->nq; i++) {
			struct fg_resend *q = &g->q[i];

			if (q->next_ns < q->end_ns && (q->next_ns < now || final) &&
			    q->next_ns < bt && !(r->res->dlg[q->dlg].gone &&
			    !q->invite)) {
				bt = q->next_ns;
				bq = i;
				bs = -1;
			}
		}
		if (bq >= 0)
			resend_emit(r, &g->q[bq]);
		else if (bs >= 0)
			stream_emit(r, &g->s[bs]);
		else
			break;
	}
	for (i = 0, j = 0; i < g->nq; i++) {
		if (g->q[i].next_ns < g->q[i].end_ns &&
		    !(r->res->dlg[g->q[i].dlg].gone && !g->q[i].invite)) {
			g->q[j++] = g->q[i];
			continue;
		}
		free(g->q[i].b);
	}
	g->nq = j;
}

void
fegen_mark(const struct fegen *g, uint8_t *busy)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ns; i++)
		busy[g->s[i].dlg] = 1;
	for (i = 0; i < g->nq; i++)
		busy[g->q[i].dlg] = 1;
}

void
fegen_remap(struct fegen *g, const uint32_t *map)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ns; i++)
		g->s[i].dlg = map[g->s[i].dlg];
	for (i = 0; i < g->nq; i++)
		g->q[i].dlg = map[g->q[i].dlg];
}
