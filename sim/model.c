/*
 * model.c - the far-end model's view of each dialog (model.h).
 *
 * From the messages of a replay it keeps, per dialog, what a real far
 * end would know: the phone's Contact and public source, the
 * transactions and their Via, the answer, the ACK, BYE, REGISTER and
 * its expiry, the media addresses on both sides (learn_sdp), and the
 * findings (transfer failures) the capture shows.  It decides at the 2xx
 * whether the caller's ACK can come back (RFC 3261 13.2.2.4), arms the
 * media probes (media.h) and, for a REGISTER answered 200, the ALG's
 * permanent pinhole and the registrar's NAT keepalives.
 */
#include <stdio.h>
#include <string.h>

#include "base/caps.h"
#include "detect/symptom.h"
#include "media.h"
#include "model.h"

/* The outcome a failed transfer predicts: the analyzer's symptom id. */
#define XFER_FAILED symptom_name(SYMPTOM_TRANSFER_FAILURE)

/*
 * True when a message of d cannot exist in this run: the dialog never got
 * started (its INVITE lost, its REGISTER dropped), so only the initiator's
 * retransmissions of that request (and CANCEL) are real.
 */
bool
model_suppressed(const struct fe_dialog *d, const struct sipmsg *m,
    bool from_phone)
{
	if (d == NULL || !d->gone || m == NULL)
		return false;
	if (m->is_request && from_phone == d->phone_uac &&
	    (strcmp(m->method, d->first_method) == 0 ||
	    strcmp(m->method, "CANCEL") == 0))
		return false;
	return true;
}

/*
 * A phone that writes its public address itself (STUN, a configured
 * external address: RFC 5389, RFC 8489) still listens on its own inside
 * address: its RTP leaves from there with the m= port.  So the media line
 * is keyed on the phone's own address whenever the c= it wrote is not
 * inside the NAT while the phone is (the far end learns the c= as written,
 * phone_out).  Returns the endpoint the phone listens on.
 */
static struct ep
phone_listens(const struct run *r, const struct sim_pkt *p, const struct ep *c,
    uint16_t port, bool *public_sdp)
{
	struct ep e = *c;

	*public_sdp = false;
	if (r != NULL && p != NULL && c->family != 0 &&
	    !nat_is_inside(r->nat, c) && nat_is_inside(r->nat, &p->src)) {
		e = p->src;
		*public_sdp = true;
	}
	e.port = port;
	return e;
}

static void
learn_sdp(struct run *r, const struct sim_pkt *p, struct fe_dialog *d,
    const struct sipmsg *in, const struct sipmsg *out, bool from_phone,
    int64_t t)
{
	int k;

	if (in == NULL || in->sdp == NULL)
		return;
	for (k = 0; k < in->sdp->nmedia && k < FE_MAX_MEDIA; k++) {
		struct fe_media *m = media_line(d, k);
		const struct sdp_media *sm = &in->sdp->media[k];

		if (m == NULL)
			break;
		snprintf(m->media, sizeof(m->media), "%s", sm->media);
		if (from_phone) {
			bool pub;
			struct ep pin = phone_listens(r, p, &sm->conn, sm->port, &pub),
			    pout;

			m->public_sdp = pub;
			m->phone_sdp = sm->conn, m->phone_sdp.port = sm->port;
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
					media_probe_at(r, d, t + CAP_NS_PER_SEC / 10);
				}
			}
		} else {
			m->far = sm->conn;
			m->far.port = sm->port;
			m->have_far = sm->conn.family != 0 && sm->port != 0;
			m->far_pt = sm->npayloads > 0 ? sm->payloads[0] : 0;
			m->far_ptime_ms = sm->ptime_ms;
			m->far_clock = sm->clock_rate;
			m->far_sends = sm->dir == SDP_SENDRECV || sm->dir == SDP_SENDONLY;
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
bool
model_dialog_target(const struct run *r, const struct fe_dialog *d,
    struct ep *t)
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

void
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
			t->verbatim = mo == mi && mi->nvia > 0 &&
			    ep_is_private(&mi->via[0].sent_by);
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
			if (mi->ncontact > 0) {
				if (d->reg_contact_in.family == 0)
					run_registered(r, d);
				d->reg_contact_in = mi->contact[0].addr;
			}
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
					fe_finding_add(d, XFER_FAILED, p->ts_ns,
					    p->frame, why);
				}
			}
		}
		if (mi->replaces[0] != '\0' && r->cfg->alg && r->cfg->rewrite_call_id) {
			fe_finding_add(d, XFER_FAILED, p->ts_ns, p->frame,
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
				if (!model_dialog_target(r, d, &ackt)) {
					d->ack_lost = false;
				} else if (!run_deliver(r, p->l4, &p->dst, &ackt, &want,
				    p->ts_ns + CAP_NS_PER_SEC / 100, true, d->ack_lost_why,
				    sizeof(d->ack_lost_why))) {
					d->ack_lost = true;
				}
				media_probe_at(r, d, p->ts_ns + CAP_NS_PER_SEC / 10);
			}
		} else if (strcmp(mi->cseq_method, "INVITE") == 0 && mi->status >= 300 &&
		    d->final_status == 0)
			d->final_status = mi->status;
	}
	learn_sdp(r, p, d, mi, mo, true, p->ts_ns);
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
 * Whether a 2xx to REGISTER keeps the ALG's registration expectation
 * (register_contact_rule; nf_conntrack_sip.c process_register_response):
 * one of its Contacts is the registered one (as the router let it out,
 * or as it translated it back for the phone) with expires > 0, from the
 * Contact's expires= or else the Expires header (0 when both are
 * absent, as the kernel reads it).
 */
static bool
reg_2xx_keeps(const struct fe_dialog *d, const struct sipmsg *mi)
{
	int k;

	for (k = 0; k < mi->ncontact; k++) {
		const struct sipmsg_contact *c = &mi->contact[k];
		int ex = c->expires >= 0 ? c->expires :
		    mi->expires >= 0 ? mi->expires : 0;

		if (ex > 0 && c->addr.family != 0 &&
		    (ep_eq(&c->addr, &d->reg_contact_out) ||
		    ep_eq(&c->addr, &d->reg_contact_in)))
			return true;
	}
	return false;
}

/*
 * The model's view of a far-end message mi (as the capture shows it) that
 * was delivered to the phone or not; seen is the same message as the
 * phone got it (the far end's outside bytes after the ALG), which is where
 * the far end's media address is learnt.  target is where the far end sent
 * it: the router's public address (then it is on the outside view), or
 * one that never reaches the router (a private Contact).
 */
void
model_inbound(struct run *r, struct fe_dialog *d, const struct sim_pkt *p,
    const struct sipmsg *mi, const struct sipmsg *seen, bool delivered,
    const char *why, const struct ep *target)
{
	char buf[300];

	if (ep_same_ip(target, nat_public(r->nat)))
		d->far_at_router = true;
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
				run_copy(d->invite_lost_why,
				    sizeof(d->invite_lost_why), why);
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
				run_copy(d->ack_lost_why,
				    sizeof(d->ack_lost_why), why);
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
			fe_finding_add(d, XFER_FAILED, p->ts_ns, p->frame, buf);
		}
		learn_sdp(r, p, d, seen, NULL, false, p->ts_ns);
		return;
	}
	/* responses to the phone's requests */
	if (strcmp(mi->cseq_method, "INVITE") == 0 && d->phone_uac) {
		if (mi->status >= 200 && mi->status < 300) {
			if (d->t_answer_ns == 0) {
				d->t_answer_ns = p->ts_ns;
				d->answer_frame = p->frame;
				d->final_status = mi->status;
				media_probe_at(r, d, p->ts_ns + CAP_NS_PER_SEC / 10);
			}
			if (!delivered && !d->ack_seen) {
				if (!d->answer_lost) {
					d->answer_lost = true;
					run_copy(d->answer_lost_why,
					    sizeof(d->answer_lost_why), why);
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
			run_copy(d->answer_lost_why,
			    sizeof(d->answer_lost_why), why);
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
				bool keep = !r->cfg->register_contact_rule ||
				    reg_2xx_keeps(d, mi);

				if (r->cfg->alg && r->cfg->register_pinhole && !keep &&
				    d->note[0] == '\0')
					snprintf(d->note, sizeof(d->note),
					    "the registrar's 2xx lists no Contact equal to the registered one with expires > 0: the ALG flushes the registration pinhole (register_contact_rule)");
				if (r->cfg->alg && r->cfg->register_pinhole && keep &&
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
	learn_sdp(r, p, d, seen, NULL, false, p->ts_ns);
}

void
model_close_media(struct run *r, struct fe_dialog *d)
{
	int k;

	if (r->cfg->pinhole_scope == PINHOLE_FLOW)
		return;         /* the flow's flush did it (run_alg_flush) */
	for (k = 0; k < d->nmedia; k++)
		if (d->media[k].phone_in.family != 0)
			nat_close_pinholes(r->nat, &d->media[k].phone_in);
}

/*
 * A message from the phone that never reaches the far end (dropped by the
 * ALG, or discarded by the far end): what it means for its dialog.
 */
void
model_outbound_lost(struct fe_dialog *d, const struct sipmsg *mi,
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
		run_copy(d->reg_why, sizeof(d->reg_why), why);
	} else if (mi->is_request && strcmp(mi->method, "INVITE") == 0 &&
	    d->phone_uac && d->t_answer_ns == 0) {
		d->invite_lost = true;
		d->gone = true;
		run_copy(d->invite_lost_why, sizeof(d->invite_lost_why), why);
		d->invite_lost_frame = p->frame;
	} else if (!mi->is_request && strcmp(mi->cseq_method, "INVITE") == 0 &&
	    mi->status >= 200 && mi->status < 300) {
		if (d->t_answer_ns == 0) {
			d->t_answer_ns = p->ts_ns;
			d->answer_frame = p->frame;
		}
		d->answer_lost = true;
		run_copy(d->answer_lost_why, sizeof(d->answer_lost_why), why);
	} else if (mi->is_request && strcmp(mi->method, "REFER") == 0) {
		fe_finding_add(d, XFER_FAILED, p->ts_ns, p->frame, why);
	} else if (mi->is_request && d->kind == FE_OTHER && d->phone_uac &&
	    strcmp(mi->method, d->first_method) == 0 && d->final_status == 0) {
		/* OPTIONS, SUBSCRIBE, MESSAGE ...: the transaction is lost */
		d->invite_lost = true;
		run_copy(d->invite_lost_why, sizeof(d->invite_lost_why), why);
		d->invite_lost_frame = p->frame;
	}
}
