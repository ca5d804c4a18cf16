/*
 * inbound.c - outside -> phone (inbound.h).
 *
 * The far-end model says where this packet would really have been sent
 * (farend.h: Via/rport for responses, Contact for in-dialog requests,
 * SDP or latched source for RTP, registered Contact or source for new
 * requests; over TCP the connection).  A private target never reaches
 * the router (lost on the Internet); a public one is written to the
 * outside pcap and then meets the NAT's bindings, filtering and pinholes,
 * and the ALG's inbound checks.  A TCP segment is cut on its own
 * (run_sip_spans(), tcp_segment_framing); what the cut leaves after its
 * messages passes as it is, in every tcp_split_msgs mode (the inbound
 * rewrite only restores Via parameters).  A segment with nothing cut
 * (no Content-Length, or part of a message split over segments) passes
 * the ALG untouched, as sip_help_tcp() leaves it (samples/linux-alg
 * k27-tcp-insplit, k27-tcp-innocl); the far-end model still reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "bytes.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"
#include "fegen.h"
#include "inbound.h"
#include "media.h"
#include "model.h"

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

/*
 * The far end's SDP makes the ALG expect the phone's media towards each
 * audio, video and image address it announces (RTP and RTCP): pinholes
 * on the outward side that admit nothing from outside, but take the
 * signalling flow's expectation slots (max_pinholes_per_flow), so they
 * can evict the phone's own inbound ones (samples/linux-alg
 * overlap-alg-on: the 200 OK of the first call evicts the second's).
 */
static void
far_expectations(struct run *r, const struct sim_pkt *p, const struct sipmsg *m)
{
	struct nat_flow sf;
	int k;
	int64_t exp = p->ts_ns + (int64_t)r->cfg->expect_timeout * CAP_NS_PER_SEC;

	if (!r->cfg->alg || r->cfg->pinhole_scope != PINHOLE_FLOW)
		return;
	run_sig_flow(p, false, &sf);
	for (k = 0; k < m->sdp->nmedia && k < (int)r->cfg->sdp_max_media; k++) {
		const struct sdp_media *sm = &m->sdp->media[k];
		char cls = run_media_class(sm->media);
		struct ep e = sm->conn;

		if (cls == 0 || e.family == 0 || sm->port == 0)
			continue;
		e.port = sm->port;
		nat_add_media_pinhole(r->nat, &sf, cls, true, &e, NULL, NULL,
		    p->ts_ns, exp);
		e.port++;
		nat_add_media_pinhole(r->nat, &sf, cls, true, &e, NULL, NULL,
		    p->ts_ns, exp);
	}
}

/*
 * A phone that writes its public address itself (STUN, a configured
 * external address) sent Via and From with that address, so the ALG made
 * no substitution on the way out; the kernel's inbound rewrite
 * (nf_nat_sip.c nf_nat_sip(): the top Via and map_sip_addr() From/To,
 * every address equal to the packet's destination mapped to the
 * conntrack's original source) still turns them into the private address
 * in the responses, a value the phone never wrote.  Says so once.
 */
static void
foreign_rewrite_note(struct fe_dialog *d, const struct alg_result *ar)
{
	int k, j;

	if (d->note[0] != '\0')
		return;
	for (k = 0; k < ar->nedits; k++) {
		const struct alg_edit *e = &ar->edits[k];
		bool own = false;

		if (strcmp(e->field, "Via") != 0 && strcmp(e->field, "From") != 0)
			continue;
		for (j = 0; j < d->nsubs; j++)
			if (!d->subs[j].foreign &&
			    strcmp(d->subs[j].out, e->before) == 0)
				own = true;
		if (own)
			continue;
		snprintf(d->note, sizeof(d->note),
		    "the ALG rewrites the responses' %s %s to %s, which the phone never wrote (it writes its public address itself)",
		    e->field, e->before, e->after);
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
	} else if (d != NULL && m->to_tag[0] != '\0' &&
	    model_dialog_target(r, d, target)) {
		return;
	} else if (m->to_tag[0] == '\0') {
		/* a new request: the registrar's idea of the phone, if any
		 * (the newest registration that fits) */
		const struct fe_dialog *best = NULL;
		size_t n = r->regs_lost ? r->res->ndlg : r->nregs;

		r->work += n;
		for (i = 0; i < n; i++) {
			const struct fe_dialog *g = &r->res->dlg[r->regs_lost ? i :
			    r->regs[i]];

			if (g->kind != FE_REGISTER || g->reg_contact_in.family == 0 ||
			    !ep_same_ip(&g->reg_contact_in, &p->dst) ||
			    g->final_status < 200 || g->final_status >= 300 ||
			    (best != NULL && g < best))
				continue;
			best = g;
		}
		if (best != NULL) {
			*target = r->cfg->registrar_target == REG_TARGET_SOURCE ?
			    best->reg_src_pub : best->reg_contact_out;
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

/*
 * One far-end SIP message of p: where the far end sends it (its bytes as
 * the far end wrote them appended to ob when they reach the router), the
 * NAT, the ALG when cut (false: the helper never cut it out of its TCP
 * segment and it passes as it is), and the dialog model unless model is
 * false (the start of a message split over segments: split_track_in()
 * gives the dialog model the whole message when its last byte comes).
 */
/* The dialog model's part of one far-end message m (seen: as the phone
 * got it) and what a BYE or a failed INVITE closes. */
static void
model_in(struct run *r, struct fe_dialog *d, const struct sim_pkt *p,
    const struct sipmsg *m, const struct sipmsg *seen, bool ok,
    const char *why, const struct ep *target)
{
	model_inbound(r, d, p, m, seen, ok, why, target);
	if (m->is_request && strcmp(m->method, "BYE") == 0)
		model_close_media(r, d);
	if (!m->is_request && strcmp(m->cseq_method, "INVITE") == 0 &&
	    m->status >= 300)
		model_close_media(r, d);
}

/*
 * The far end -> phone stream of a message split over TCP segments: the
 * helper passes every piece as it is (nf_conntrack_sip.c sip_help_tcp()
 * returns before a body that runs past the segment, and finds no
 * Content-Length in the rest), and the phone reads the message when its
 * last byte comes.  The pieces are put together here for the dialog
 * model only (the wire got them as they were), as outbound.c's
 * split_track() does the other way; ok, why and target are the last
 * piece's delivery.
 */
static void
split_track_in(struct run *r, const struct sim_pkt *p, struct tcp_conn *tc,
    const uint8_t *b, size_t len, bool ok, const char *why,
    const struct ep *target)
{
	struct run_spans s;
	size_t used;
	int n, k;

	run_spans_init(&s);
	n = run_track_add(&tc->trk_in, &tc->trk_in_len, b, len, &s, &used);
	for (k = 0; k < n; k++) {
		struct sipmsg *m = run_sipmsg(tc->trk_in + s.sp[k].off,
		    s.sp[k].len);
		struct fe_dialog *d = m != NULL ?
		    run_dialog(r, m->call_id, true, p) : NULL;

		if (d != NULL && !model_suppressed(d, m, false))
			model_in(r, d, p, m, m, ok, why, target);
		sipmsg_free(m);
	}
	run_spans_fini(&s);
	run_track_done(tc->trk_in, &tc->trk_in_len, used);
}

/*
 * One far-end SIP message msg[0..len) of p (cut: the ALG handles it;
 * model: the dialog model reads it): its outside bytes are appended to
 * ob, and when it reaches the phone the bytes it arrives with (the ALG's
 * rewrite of the outside bytes, or those as they are) to ib.
 */
static void
inbound_sip(struct run *r, const struct sim_pkt *p, const uint8_t *msg,
    size_t len, bool cut, bool model, uint8_t **ob, size_t *ol, size_t *ocap,
    struct bytes *ib, bool *any_pass, struct ep *seg_target)
{
	struct sipmsg *m = run_sipmsg(msg, len), *seen = NULL;
	struct fe_dialog *d = NULL;
	struct ep target, src_pub;
	bool retarget = false, ok, verbatim = false;
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
		d = run_dialog(r, m->call_id, true, p);
		if (model_suppressed(d, m, false)) {
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
					verbatim = d->txn[k].verbatim;
					break;
				}
		}
		if (d != NULL) {
			struct alg_result rr;
			const char *co;

			/* a leg that starts inbound (a proxy's INVITE to a second
			 * inside phone): the Call-ID's one outside form */
			if (d->call_id_out[0] == '\0' && r->cids != NULL &&
			    (co = alg_cids_find(r->cids, d->call_id,
			    strlen(d->call_id), false)) != NULL)
				snprintf(d->call_id_out, sizeof(d->call_id_out), "%s", co);
			fe_outside_bytes(d, msg, len, m->is_request, &p->dst,
			    retarget ? &target : NULL, src_pub.family ? &src_pub : NULL,
			    verbatim, &outb, &outl);
			if (outb != NULL) {
				wb = outb;
				wl = outl;
			}
			if (media_relay_sdp(r, d, m, wb, wl, &rr)) {
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
	ok = run_deliver(r, p->l4, &p->src, &target, &p->dst, p->ts_ns, true, why,
	    sizeof(why));
	if (ep_same_ip(&target, nat_public(r->nat))) {
		/* it is on the wire outside, whatever the NAT does next */
		(void)bytes_append(ob, ol, ocap, wb, wl);
	}
	if (ok) {
		struct nat_result nr;

		nat_inbound(r->nat, p->l4, &p->src, &target, p->ts_ns, &nr);
		if (cut && run_inspected(r->cfg, p)) {
			struct alg_result ar;
			struct alg_flow fl;

			memset(&fl, 0, sizeof(fl));
			fl.outbound = false;
			fl.match = target;
			fl.repl = p->dst;
			fl.peer = p->src;
			fl.shortcut = media_shortcut;
			fl.shortcut_user = r;
			run_alg_flow(r, &fl);
			run_alg_flush(r, p, false, m);
			alg_process(r->cfg, wb, wl, &fl, NULL, NULL, &ar);
			if (ar.action != ALG_DROP && m != NULL && m->sdp != NULL)
				far_expectations(r, p, m);
			if (ar.action == ALG_REWRITTEN && ar.sdp_rewritten && m != NULL) {
				/* the phone learns the far end's media from these bytes */
				seen = run_sipmsg(ar.out, ar.out_len);
				if (d != NULL)
					shortcut_note(d, &ar);
			}
			if (ar.action == ALG_REWRITTEN && d != NULL && m != NULL &&
			    !m->is_request)
				foreign_rewrite_note(d, &ar);
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
				run_drop(r, p, false, label, "alg", why);
			}
			if (ok && p->l4 == PKT_UDP)
				run_write_inside(r, p, 0, &p->src, &p->dst,
				    ar.action == ALG_REWRITTEN ? ar.out : wb,
				    ar.action == ALG_REWRITTEN ? ar.out_len : wl);
			else if (ok)
				bytes_put(ib, ar.action == ALG_REWRITTEN ? ar.out : wb,
				    ar.action == ALG_REWRITTEN ? ar.out_len : wl);
			alg_result_fini(&ar);
		} else if (p->l4 == PKT_UDP)
			run_write_inside(r, p, 0, &p->src, &p->dst, wb, wl);
		else
			bytes_put(ib, wb, wl);   /* passes the ALG as it is */
		if (ok)
			*any_pass = true;
	} else {
		if (ep_same_ip(&target, nat_public(r->nat))) {
			r->res->nat_drops++;
			run_drop(r, p, false, label, "nat", why);
		} else {
			r->res->farend_lost++;
			run_drop(r, p, false, label, "far-end", why);
		}
	}
	if (!model)
		goto out;
	fegen_sip(r, p, m, wb, wl, &target, ok);   /* modelled retransmissions */
	if (seen == NULL && m != NULL && wb != msg && m->sdp != NULL)
		seen = run_sipmsg(wb, wl);
	if (m != NULL && d != NULL)
		model_in(r, d, p, m, seen != NULL ? seen : m, ok, why, &target);
out:
	free(outb);
	sipmsg_free(seen);
	sipmsg_free(m);
}

void
inbound_packet(struct run *r, const struct sim_pkt *p)
{
	bool is_sip = run_looks_like_sip(p->payload, p->len);
	struct ep target;
	char why[240];
	bool ok;

	r->res->in_pkts++;
	run_tcp_due(r, p->ts_ns);
	if (p->l4 == PKT_TCP) {
		struct tcp_conn *ftc = run_tcp_conn(r, &p->dst, &p->src);

		if (ftc != NULL)
			run_tcp_far_seen(ftc, p);
	}
	if (is_sip) {
		uint8_t *ob = NULL;
		size_t ol = 0, ocap = 0;
		struct run_spans s;
		struct sipframe_span *sp;
		struct bytes ib = { 0 };
		int n, k;
		bool any_pass = false;
		struct tcp_conn *tc = p->l4 == PKT_TCP ?
		    run_tcp_conn(r, &p->dst, &p->src) : NULL;
		int64_t delta_before = tc != NULL ? tc->d_in : 0;
		struct ep seg_target;
		struct run_cut cut;
		bool partial = false;

		ep_clear(&seg_target);
		run_spans_init(&s);
		n = run_sip_spans(r->cfg, p, &s, &cut);
		sp = s.sp;
		if (n <= 0) {
			/*
			 * Nothing the helper can cut (no Content-Length, the
			 * start of a message split over segments, or not whole
			 * messages under tcp_segment_framing=stream): it passes
			 * as it is, unseen by the ALG (no rewrite, drop, flush
			 * or expectation), and the length the far end wrote is
			 * the length the phone gets, so every byte of difference
			 * from the capture shifts the far end's stream.  The
			 * far-end model still reads it as one message.
			 */
			sp[0].off = 0;
			sp[0].len = p->len;
			cut.used = p->len;
			cut.noadj = false;
		}
		if (n <= 0 && tc != NULL) {
			size_t used;
			int w = run_messages(&s, p->payload, p->len, &used);

			/* the start of a split message: modelled when whole */
			partial = w >= 0 && used < p->len;
			sp = s.sp;
			sp[0].off = 0;
			sp[0].len = p->len;
		}
		for (k = 0; k < (n > 0 ? n : 1); k++)
			inbound_sip(r, p, p->payload + sp[k].off, sp[k].len,
			    n > 0, !partial, &ob, &ol, &ocap, &ib, &any_pass,
			    &seg_target);
		if (partial)
			split_track_in(r, p, tc, p->payload, p->len, any_pass,
			    "", &seg_target);
		else if (tc != NULL && cut.used < p->len)
			split_track_in(r, p, tc, p->payload + cut.used,
			    p->len - cut.used, any_pass, "", &seg_target);
		if (ol > 0 && cut.used < p->len)
			/* what the helper did not cut passes as it is */
			(void)bytes_append(&ob, &ol, &ocap, p->payload + cut.used,
			    p->len - cut.used);
		if (ol > 0)
			run_write(r, p, &p->src, &seg_target, ob, ol, false,
			    delta_before);
		/*
		 * TCP: the segment as the modelled router delivers it: each
		 * message as the ALG left it (rewritten, or the outside bytes
		 * as they are), what the helper did not cut as it is; the
		 * inside view's numbering follows the length (run_write_inside).
		 */
		if (any_pass && p->l4 == PKT_TCP) {
			if (cut.used < p->len)
				bytes_put(&ib, p->payload + cut.used,
				    p->len - cut.used);
			if (ib.err)
				run_write_inside(r, p, 0, &p->src, &p->dst,
				    p->payload, p->len);
			else {
				run_write_inside(r, p, 0, &p->src, &p->dst,
				    bytes_data(&ib), ib.len);
				if (tc != NULL)
					tc->d_wi += (int64_t)ib.len - (int64_t)p->len;
			}
		}
		if (tc != NULL && !cut.noadj)
			tc->d_in += (int64_t)ol - (int64_t)p->len;
		free(ob);
		free(ib.p);
		run_spans_fini(&s);
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
			if (!media_rtp_target(r, m, &target)) {
				if (!nat_lookup_out(r->nat, p->l4, &p->dst, &p->src,
				    p->ts_ns, &target)) {
					target = *nat_public(r->nat);
					target.port = p->dst.port;
				}
			}
			ok = run_deliver(r, PKT_UDP, &p->src, &target, &p->dst, p->ts_ns,
			    false, why, sizeof(why));
			media_in(m, p, ok, why);
			if (ok)
				run_write_inside(r, p, 0, &p->src, &p->dst,
				    p->payload, p->len);
			if (ep_same_ip(&target, nat_public(r->nat)))
				run_write(r, p, &p->src, &target, p->payload, p->len,
				    false, 0);
			if (!ok) {
				if (ep_same_ip(&target, nat_public(r->nat)))
					r->res->nat_drops++;
				else
					r->res->farend_lost++;
				/* one line per stream and reason: the first packet */
				if (m->in_lost == 1)
					run_drop(r, p, false, "RTP", ep_same_ip(&target,
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
	ok = run_deliver(r, p->l4, &p->src, &target, &p->dst, p->ts_ns, false, why,
	    sizeof(why));
	if (p->l4 == PKT_TCP && p->len > 0) {
		struct tcp_conn *tc = run_tcp_conn(r, &p->dst, &p->src);

		if (tc != NULL && tc->trk_in_len > 0)  /* the rest of a split message */
			split_track_in(r, p, tc, p->payload, p->len, ok,
			    ok ? "" : why, &target);
	}
	run_write(r, p, &p->src, &target, p->payload, p->len, false,
	    p->l4 == PKT_TCP && run_tcp_conn(r, &p->dst, &p->src) != NULL ?
	    run_tcp_conn(r, &p->dst, &p->src)->d_in : 0);
	if (ok)
		run_write_inside(r, p, 0, &p->src, &p->dst, p->payload, p->len);
	if (!ok) {
		r->res->nat_drops++;
		run_drop(r, p, false, p->l4 == PKT_TCP ? "TCP" : "UDP", "nat", why);
	}
}
