/*
 * outbound.c - phone -> outside (outbound.h).
 *
 * The NAT binding is created or refreshed (a new port per request without
 * consistent NAT, S1); when the flow is inspected SIP the ALG rewrites
 * or drops each message; the result leaves from the public endpoint into
 * the outside pcap, and the far-end model learns the phone's Contact, Via
 * and SDP from those outside bytes.
 *
 * TCP: the kernel's ALG looks at each segment on its own, so each is
 * cut on its own (run_sip_spans(), tcp_segment_framing): the messages it
 * cuts are rewritten one by one, what it leaves (a message without
 * Content-Length, the part of one continued in the next segment, CRLF
 * keepalives after the last) passes untranslated (K2), or with
 * tcp_split_msgs a split message is held until whole and then rewritten,
 * or dropped, stalling the connection (split_outbound).  Sequence numbers
 * of later segments are shifted by the length changes (seqadj, struct
 * tcp_conn), unless the helper returned before recording them
 * (seq_unadjusted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "bytes.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"
#include "media.h"
#include "model.h"
#include "outbound.h"

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

/*
 * The ALG rewrote a segment to another length but returned before its
 * seq adjust (run_cut.noadj): later segments keep their sequence numbers,
 * so the far end takes the first bytes of the next one as already
 * received (grown) or waits for bytes that never come (shrunk), and what
 * it reads from then on is no longer the phone's messages.
 */
static void
seq_unadjusted(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    int64_t diff)
{
	char why[300];

	if (tc->unadjusted == 0)
		tc->unadjusted_frame = p->frame;
	tc->unadjusted += diff;
	if (diff > 0)
		snprintf(why, sizeof(why),
		    "the ALG grew this segment by %lld bytes but recorded no seq adjust (a body runs past the segment's end: sip_help_tcp() returns first): the far end's ACK is beyond what conntrack saw, not translated back: the router resets the connection",
		    (long long)diff);
	else
		snprintf(why, sizeof(why),
		    "the ALG shrank this segment by %lld bytes but recorded no seq adjust (a body runs past the segment's end: sip_help_tcp() returns first): later segments are misplaced in the far end's stream",
		    (long long)-diff);
	run_drop(r, p, true, "TCP", "alg", why);
}

/* Whether the far end can still frame the phone's stream on p's connection. */
static bool
stream_misplaced(struct run *r, const struct sim_pkt *p, char *why, size_t n)
{
	struct tcp_conn *tc;

	if (p->l4 != PKT_TCP ||
	    (tc = run_tcp_conn(r, &p->src, &p->dst)) == NULL ||
	    tc->unadjusted == 0)
		return false;
	snprintf(why, n,
	    "the ALG changed frame %llu's length by %+lld bytes without a sequence adjustment: the connection is %s, this message never reaches the far end",
	    (unsigned long long)tc->unadjusted_frame, (long long)tc->unadjusted,
	    tc->unadjusted > 0 ? "reset by the router" : "misplaced");
	return true;
}

/* One outbound SIP message; appends the outside bytes to o. */
static void
sip_outbound(struct run *r, const struct sim_pkt *p, const uint8_t *msg,
    size_t len, const struct ep *pub, bool insp, uint8_t **ob, size_t *ol,
    size_t *ocap)
{
	struct sipmsg *mi = run_sipmsg(msg, len), *mo = NULL;
	struct alg_result ar;
	struct fe_dialog *d = NULL;
	const uint8_t *outb = msg;
	size_t outl = len;
	char label[64], why[300];
	bool have_ar = false, discarded = false;

	if (mi != NULL) {
		d = run_dialog(r, mi->call_id, true, p);
		sipmsg_label(mi, label, sizeof(label));
	} else
		snprintf(label, sizeof(label), "SIP");
	if (model_suppressed(d, mi, true)) {
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
		run_alg_flow(r, &fl);
		if (p->l4 == PKT_UDP && p->nfrags > 1 &&
		    r->cfg->udp_fragments == FRAG_DROP) {
			snprintf(why, sizeof(why),
			    "%s arrived in %u IP fragments and the ALG drops fragmented SIP (udp_fragments=drop)",
			    label, p->nfrags);
			goto dropped;
		}
		run_alg_flush(r, p, true, mi);
		alg_process(r->cfg, msg, len, &fl, media_port, &mc, &ar);
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

				char cls = run_media_class(ar.media[k].media);
				struct nat_flow sf;

				run_sig_flow(p, true, &sf);
				nat_add_media_pinhole(r->nat, &sf, cls, false,
				    &ar.media[k].outside, &ar.media[k].inside, allow,
				    p->ts_ns, exp);
				rtcp_o.port++;
				rtcp_i.port++;
				nat_add_media_pinhole(r->nat, &sf, cls, false, &rtcp_o,
				    &rtcp_i, allow, p->ts_ns, exp);
			}
		}
	}
	if (run_mtu_exceeded(r, p, outl + (p->len - len))) {
		size_t ipl = 20 + 8 + outl + (p->len - len);

		if (outl != len)
			snprintf(why, sizeof(why),
			    "%s grew to %zu bytes of IP in the ALG's rewrite (%zu sent): past the outside MTU %u with DF set, dropped with ICMP fragmentation needed (mtu %u) to the phone",
			    label, ipl, ipl - outl + len, r->cfg->outside_mtu,
			    r->cfg->outside_mtu);
		else
			snprintf(why, sizeof(why),
			    "%s is %zu bytes of IP: past the outside MTU %u with DF set, dropped with ICMP fragmentation needed (mtu %u) to the phone",
			    label, ipl, r->cfg->outside_mtu, r->cfg->outside_mtu);
		r->res->nat_drops++;
		run_drop(r, p, true, label, "mtu", why);
		model_outbound_lost(d, mi, p, why);
		if (have_ar)
			alg_result_fini(&ar);
		sipmsg_free(mi);
		return;
	}
	if (!discarded && stream_misplaced(r, p, why, sizeof(why)))
		discarded = true;
	if (discarded) {
		r->res->farend_lost++;
		run_drop(r, p, true, label, "far-end", why);
		model_outbound_lost(d, mi, p, why);
	} else if (mi != NULL && d != NULL) {
		mo = outb == msg ? NULL : run_sipmsg(outb, outl);
		model_outbound(r, d, p, mi, mo != NULL ? mo : mi, pub,
		    have_ar ? &ar : NULL);
		fe_learn_public(d, &p->src, pub, outb, outl);
		if (mi->is_request && strcmp(mi->method, "BYE") == 0)
			model_close_media(r, d);
	}
	(void)bytes_append(ob, ol, ocap, outb, outl);
	if (have_ar)
		alg_result_fini(&ar);
	sipmsg_free(mo);
	sipmsg_free(mi);
	return;
dropped:
	r->res->alg_drops++;
	run_drop(r, p, true, label, "alg", why);
	model_outbound_lost(d, mi, p, why);
	sipmsg_free(mi);
}

/* Writes the held bytes as they are (the ALG gives up on them). */
static void
pend_flush_raw(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    const struct ep *pub)
{
	struct sim_pkt q = *p;

	q.tcp_seq = tc->pend_seq;
	run_write(r, &q, pub, &p->dst, tc->pend, tc->pend_len, true, tc->d_out);
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
	struct run_spans s;
	struct sipframe_span *sp;
	size_t used = 0;
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
			run_write(r, p, pub, &p->dst, p->payload, p->len, true,
			    tc->d_out);
			return;
		}
	}
	if ((np = realloc(tc->pend, tc->pend_len + p->len)) == NULL) {
		run_write(r, p, pub, &p->dst, p->payload, p->len, true, tc->d_out);
		return;
	}
	tc->pend = np;
	memcpy(tc->pend + tc->pend_len, p->payload, p->len);
	tc->pend_len += p->len;
	run_spans_init(&s);
	n = run_messages(&s, tc->pend, tc->pend_len, &used);
	sp = s.sp;
	if (r->cfg->tcp_split_msgs == TCPSPLIT_DROP) {
		r->res->alg_drops++;
		run_drop(r, p, true, "TCP", "alg", tc->stalled ?
		    "connection stalled: the remote still waits for the bytes of the dropped split SIP message" :
		    "SIP message split across TCP segments: the ALG drops the segment (tcp_split_msgs=drop), then its retransmissions: the connection stalls");
		tc->stalled = true;
		snprintf(why, sizeof(why),
		    "the ALG dropped a SIP message split across TCP segments (tcp_split_msgs=drop): the TCP connection stalls and this message never arrives");
		for (k = 0; k < n; k++) {
			struct sipmsg *mi = sipmsg_parse(tc->pend + sp[k].off,
			    sp[k].len, NULL);
			struct fe_dialog *d = mi != NULL ?
			    run_dialog(r, mi->call_id, true, p) : NULL;

			if (d != NULL && !model_suppressed(d, mi, true))
				model_outbound_lost(d, mi, p, why);
			sipmsg_free(mi);
		}
	} else if (n < 0) {
		/* not framable SIP (no Content-Length): passes un-NATed (K2) */
		pend_flush_raw(r, p, tc, pub);
		run_spans_fini(&s);
		return;
	} else if (n > 0) {
		struct sim_pkt q = *p;
		int64_t before = tc->d_out;

		for (k = 0; k < n; k++)
			sip_outbound(r, p, tc->pend + sp[k].off, sp[k].len, pub,
			    true, &ob, &ol, &ocap);
		q.tcp_seq = tc->pend_seq;
		if (ol > 0)
			run_write(r, &q, pub, &p->dst, ob, ol, true, before);
		tc->d_out += (int64_t)ol - (int64_t)used;
		free(ob);
	}
	run_spans_fini(&s);
	if (n < 0)
		used = tc->pend_len;
	memmove(tc->pend, tc->pend + used, tc->pend_len - used);
	tc->pend_len -= used;
	tc->pend_seq += (uint32_t)used;
}

/*
 * A SIP message split over TCP segments passes the ALG untranslated
 * (tcp_split_msgs = pass_untranslated), but it still reaches the far
 * end, which reads the stream: the dialog goes on with the message as the
 * phone wrote it (private Contact and SDP).  The segments are put
 * together here for the far-end model only; the wire got them as they
 * were.
 */
static void
split_track(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    const struct ep *pub, const uint8_t *b, size_t len)
{
	struct run_spans s;
	uint8_t *ob = NULL;
	size_t used, ol = 0, ocap = 0;
	int n, k;

	run_spans_init(&s);
	n = run_track_add(&tc->trk, &tc->trk_len, b, len, &s, &used);
	for (k = 0; k < n; k++)
		sip_outbound(r, p, tc->trk + s.sp[k].off, s.sp[k].len, pub,
		    false, &ob, &ol, &ocap);
	free(ob);           /* the bytes already left as the segments were */
	run_spans_fini(&s);
	run_track_done(tc->trk, &tc->trk_len, used);
}

void
outbound_packet(struct run *r, const struct sim_pkt *p)
{
	bool is_sip = run_looks_like_sip(p->payload, p->len);
	bool insp = is_sip && run_inspected(r->cfg, p);
	bool fresh = false;
	struct ep pub;

	r->res->out_pkts++;
	run_tcp_due(r, p->ts_ns);
	if (is_sip && !r->cfg->consistent_nat && p->l4 == PKT_UDP) {
		/* S1: without consistent NAT each new request gets a new port. */
		struct sipmsg *m = sipmsg_parse(p->payload, p->len, NULL);

		if (m != NULL && m->is_request && strcmp(m->method, "ACK") != 0) {
			struct fe_dialog *d = run_dialog(r, m->call_id, false, p);
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
		run_drop(r, p, true, is_sip ? "SIP" : "UDP", "nat",
		    "no public port left (NAT table full)");
		return;
	}
	if (p->l4 == PKT_TCP && p->len > 0 &&
	    r->cfg->tcp_split_msgs != TCPSPLIT_PASS && run_inspected(r->cfg, p)) {
		struct tcp_conn *tc = run_tcp_conn(r, &p->src, &p->dst);
		struct run_spans s;
		size_t used;
		int n;

		run_spans_init(&s);
		n = is_sip ? run_messages(&s, p->payload, p->len, &used) : -1;
		run_spans_fini(&s);

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
		struct run_spans s;
		struct sipframe_span *sp;
		int n, k;
		int64_t delta_before = 0;
		struct tcp_conn *tc = NULL;
		struct run_cut cut;

		if (p->l4 == PKT_TCP) {
			tc = run_tcp_conn(r, &p->src, &p->dst);
			delta_before = tc != NULL ? tc->d_out : 0;
		}
		run_spans_init(&s);
		n = run_sip_spans(r->cfg, p, &s, &cut);
		sp = s.sp;
		if (n < 0 || (n == 0 && p->l4 == PKT_TCP)) {
			/*
			 * K2: a message split across segments (or, cut by
			 * Content-Length, one without it) passes un-NATed; the
			 * far end still reads it from the stream.
			 */
			run_write(r, p, &pub, &p->dst, p->payload, p->len, true,
			    delta_before);
			if (tc != NULL)
				split_track(r, p, tc, &pub, p->payload, p->len);
			run_spans_fini(&s);
			return;
		}
		for (k = 0; k < n; k++)
			sip_outbound(r, p, p->payload + sp[k].off, sp[k].len,
			    &pub, insp, &ob, &ol, &ocap);
		if (p->l4 == PKT_TCP && cut.used < p->len) {
			/* what the helper did not cut passes as it is */
			(void)bytes_append(&ob, &ol, &ocap, p->payload + cut.used,
			    p->len - cut.used);
			if (tc != NULL)
				split_track(r, p, tc, &pub, p->payload + cut.used,
				    p->len - cut.used);
		}
		if (n == 0 || ol > 0) {
			if (p->l4 == PKT_UDP && ol < p->len && n == 1 &&
			    sp[0].len < p->len) {
				/* keep trailing bytes after the message (padding) */
				uint8_t *nb = realloc(ob, ol + (p->len - sp[0].len));

				if (nb != NULL) {
					ob = nb;
					memcpy(ob + ol, p->payload + sp[0].len,
					    p->len - sp[0].len);
					ol += p->len - sp[0].len;
				}
			}
			run_write(r, p, &pub, &p->dst, ob, ol, true, delta_before);
			if (tc != NULL && cut.noadj && ol != p->len) {
				seq_unadjusted(r, p, tc, (int64_t)ol - (int64_t)p->len);
				if (ol > p->len)
					run_tcp_unadjusted(r, tc, p, p->tcp_seq +
					    (uint32_t)delta_before + (uint32_t)ol);
			}
			else if (tc != NULL)
				tc->d_out += (int64_t)ol - (int64_t)p->len;
		} else if (p->l4 == PKT_TCP && tc != NULL) {
			/* every message dropped: the bytes vanish from the stream */
			tc->d_out -= (int64_t)p->len;
		}
		free(ob);
		run_spans_fini(&s);
		return;
	}
	/* media and anything else */
	if (p->l4 == PKT_TCP && p->len > 0) {
		struct tcp_conn *tc = run_tcp_conn(r, &p->src, &p->dst);

		if (tc != NULL && tc->trk_len > 0)   /* the rest of a split message */
			split_track(r, p, tc, &pub, p->payload, p->len);
	}
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
				if (m->in_pkts == 0 && (r->cfg->farend_symmetric_rtp ||
				    (m->probed && !m->probe_ok))) {
					/*
					 * The far end latches onto this source, or keeps
					 * sending where it was refused: the phone's own RTP
					 * may have opened that mapping now.  Probe again.
					 */
					m->probed = false;
					media_probe_at(r, d, p->ts_ns + CAP_NS_PER_SEC / 50);
				}
			}
			m->phone_rtp_pub = pub;
		}
	}
	run_write(r, p, &pub, &p->dst, p->payload, p->len, true,
	    p->l4 == PKT_TCP && run_tcp_conn(r, &p->src, &p->dst) != NULL ?
	    run_tcp_conn(r, &p->src, &p->dst)->d_out : 0);
}
