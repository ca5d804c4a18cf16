/*
 * outcome.c - from replay facts to one predicted outcome per dialog, and
 * the comparison reports.
 *
 * Order of judgement for a call (the first that applies wins; the others
 * are listed under "also"):
 *   1. the INVITE never arrives     inbound_call_unanswered / call_failed
 *   2. the 2xx never reaches the caller (RFC 3261 13.3.1.4: the UAS
 *      retransmits it and gives up at 64*T1)       ack_timeout_drop
 *   3. a final error response                      call_failed
 *   4. no answer in the capture                    incomplete
 *   5. the caller's ACK (to the 2xx Contact) is lost, or the caller is
 *      another phone of the capture whose own leg of the call never gets
 *      a 2xx (a proxy relaying between two inside phones: its ACK can
 *      only follow the caller's)                     ack_timeout_drop
 *   6. RTP: none either way = no_audio; one way = one_way_audio
 *   7. Session-Expires tracking / max_call         session_timer_drop ...
 *   8. a transfer finding                          transfer_failure
 * The "direction" of one_way_audio names the direction that still works.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/caps.h"
#include "base/json.h"
#include "detect/symptom.h"
#include "outcome.h"
#include "base/text.h"

/*
 * An outcome that is also an analyzer symptom takes its name from the
 * symptom catalogue (symptom.h), so a prediction and a finding about the
 * same call use the same word; the others are the simulator's own.
 */
static const struct {
	int symptom;              /* enum symptom_id, or -1 */
	const char *name;         /* when not a symptom */
} names[] = {
	[OUT_COMPLETED] = { -1, "completed" },
	[OUT_REGISTERED] = { -1, "registered" },
	[OUT_ACK_TIMEOUT_DROP] = { SYMPTOM_ACK_TIMEOUT_DROP, NULL },
	[OUT_ONE_WAY_AUDIO] = { SYMPTOM_ONE_WAY_AUDIO, NULL },
	[OUT_NO_AUDIO] = { SYMPTOM_NO_AUDIO, NULL },
	[OUT_INBOUND_UNANSWERED] = { SYMPTOM_INBOUND_CALL_UNANSWERED, NULL },
	[OUT_CALL_FAILED] = { -1, "call_failed" },
	[OUT_REGISTRATION_FAILURE] = { SYMPTOM_REGISTRATION_FAILURE, NULL },
	[OUT_TRANSFER_FAILURE] = { SYMPTOM_TRANSFER_FAILURE, NULL },
	[OUT_SESSION_TIMER_DROP] = { -1, "session_timer_drop" },
	[OUT_MAX_CALL_DROP] = { -1, "max_call_drop" },
	[OUT_TRANSACTION_LOST] = { -1, "transaction_lost" },
	[OUT_INCOMPLETE] = { -1, "incomplete" },
};
_Static_assert(sizeof(names) / sizeof(names[0]) == OUT_COUNT,
    "one name per outcome");

const char *
outcome_name(enum outcome_id id)
{
	if ((unsigned)id >= OUT_COUNT)
		return "unknown";
	if (names[id].symptom >= 0)
		return symptom_name((enum symptom_id)names[id].symptom);
	return names[id].name;
}

int
outcome_ok(enum outcome_id id)
{
	return id == OUT_COMPLETED || id == OUT_REGISTERED;
}

static void
also_add(struct outcome *o, const char *name)
{
	size_t l = strlen(o->also);

	if (strstr(o->also, name) != NULL)
		return;
	snprintf(o->also + l, sizeof(o->also) - l, "%s%s", l ? "," : "", name);
}

/* Sets the outcome unless one is already chosen (then it goes to "also"). */
static void
pick(struct outcome *o, int *chosen, enum outcome_id id, int64_t t,
    uint64_t frame, const char *detail)
{
	if (*chosen) {
		if (o->id != id && !outcome_ok(id) && id != OUT_INCOMPLETE)
			also_add(o, outcome_name(id));
		return;
	}
	*chosen = 1;
	o->id = id;
	o->t_ns = t;
	o->frame = frame;
	text_copy(o->detail, sizeof(o->detail), detail, strlen(detail));
}

/*
 * The media outcome just picked (when chosen was 0 before) rests on no
 * packet of any written view: the far end of m is another phone behind
 * the router (lan_probed) and neither the capture nor the model put one
 * RTP packet of the line on the inside or the outside view.  With two
 * phones behind the router the capture point, on the router's side of the
 * LAN, sees their RTP only when it goes through the router: a capture
 * without it cannot tell silent phones from RTP that stayed on the LAN,
 * and the model's probes of the path, not a packet, decide.  The same for
 * one-way audio whose live direction (out_ok or in_ok) has no packet on
 * any view: it went phone to phone, and the views show the dead direction
 * alone, which no view can tell from a live one.
 */
static void
media_unseen(struct outcome *o, int was_chosen, const struct fe_media *m,
    bool out_ok, bool in_ok)
{
	char a[NETADDR_STRLEN];

	if (was_chosen || !m->lan_probed)
		return;
	if (m->out_pkts == 0 && m->in_pkts == 0 && m->lan_pkts == 0 &&
	    m->model_pkts == 0) {
		o->unobservable = true;
		snprintf(o->unobs_why, sizeof(o->unobs_why),
		    "the other end of this media is a phone behind the same router (SDP %s) and the capture shows none of their RTP (between two phones it may stay on their LAN, out of the capture point's sight): no written view holds a packet of it; the model's probes of the path decide",
		    ep_str(&m->far, a, sizeof(a)));
	} else if (out_ok != in_ok &&
	    (in_ok ? m->in_pkts == 0 : m->out_pkts == 0 && m->lan_pkts == 0)) {
		o->unobservable = true;
		snprintf(o->unobs_why, sizeof(o->unobs_why),
		    "one-way audio between two phones behind the same router (SDP %s): the direction that flows goes phone to phone and no written view holds a packet of it; the views show the dead direction alone, which they cannot tell from a live one",
		    ep_str(&m->far, a, sizeof(a)));
	}
}

static void
eval_media(const struct fe_dialog *d, struct outcome *o, int *chosen)
{
	const struct fe_media *m = NULL;
	bool out_ok, in_ok;
	const char *out_why;
	char buf[460];
	int k, was = *chosen;

	for (k = 0; k < d->nmedia; k++)
		if (d->media[k].phone_in.family != 0 && d->media[k].phone_in.port != 0 &&
		    (m == NULL || strcmp(d->media[k].media, "audio") == 0)) {
			m = &d->media[k];
			if (strcmp(m->media, "audio") == 0)
				break;
		}
	if (m == NULL)
		return;
	/* RTP to another phone behind the router counts when it arrived */
	out_ok = m->out_pkts > 0 && (m->lan_pkts > 0 ? m->lan_delivered > 0 :
	    !(m->have_far && ep_is_private(&m->far)));
	if (m->in_pkts > 0)
		in_ok = m->in_delivered > 0;
	else
		in_ok = m->probed && m->probe_ok;
	/*
	 * A call with another phone behind the router whose RTP the capture
	 * does not show (it stays on the LAN, out of the capture point's
	 * sight): the probes along the LAN path decide.
	 */
	out_why = m->out_pkts == 0 ? "the phone sent no RTP" :
	    m->lan_pkts > 0 ? m->lan_why : "the far end announced a private address";
	if (m->lan_probed && m->lan_pkts == 0) {
		out_ok = m->lan_out_ok;
		out_why = m->lan_why;
	}
	if (out_ok && in_ok)
		return;
	if (!out_ok && !in_ok) {
		snprintf(buf, sizeof(buf), "no RTP reaches either side: %s; %s",
		    out_why,
		    m->in_pkts > 0 ? m->in_lost_reason :
		    m->probe_why[0] ? m->probe_why : "the far end's RTP cannot come back");
		pick(o, chosen, OUT_NO_AUDIO, d->t_answer_ns, m->in_lost_frame, buf);
		media_unseen(o, was, m, out_ok, in_ok);
		return;
	}
	if (!in_ok) {
		char port[160];

		/*
		 * The far end keeps sending to the port it was told while the
		 * phone's RTP left from another one (its port was not free: the
		 * conntrack of the far end's earlier refused RTP holds it,
		 * unsolicited_tuple; or no port preservation).
		 */
		port[0] = '\0';
		if (m->phone_sent && m->phone_out.family != 0 &&
		    ep_same_ip(&m->phone_out, &m->phone_rtp_pub) &&
		    m->phone_out.port != m->phone_rtp_pub.port)
			snprintf(port, sizeof(port),
			    "; the phone's RTP leaves from public port %u, not the %u the far end sends to",
			    m->phone_rtp_pub.port, m->phone_out.port);
		snprintf(buf, sizeof(buf), "the phone hears nothing: %s%s",
		    m->in_pkts > 0 ? m->in_lost_reason :
		    m->probe_why[0] ? m->probe_why : "the far end's RTP cannot come back",
		    port);
		if (!*chosen)
			snprintf(o->direction, sizeof(o->direction), "phone_to_far_only");
		pick(o, chosen, OUT_ONE_WAY_AUDIO, m->first_in_ns ? m->first_in_ns :
		    d->t_answer_ns, m->in_lost_frame, buf);
	} else {
		snprintf(buf, sizeof(buf), "the far end hears nothing: %s", out_why);
		if (!*chosen)
			snprintf(o->direction, sizeof(o->direction), "far_to_phone_only");
		pick(o, chosen, OUT_ONE_WAY_AUDIO, d->t_answer_ns,
		    m->lan_pkts > 0 ? m->lan_frame : 0, buf);
	}
	media_unseen(o, was, m, out_ok, in_ok);
}

/*
 * The leg of the same call on which the caller is another phone of this
 * capture, when that leg never gets a 2xx delivered: the far end (a proxy
 * relaying between two inside phones, one Call-ID) sends the answering
 * phone its ACK only after the caller has acknowledged the 2xx (RFC 3261
 * 16.7, 13.2.2.4), so no ACK can be predicted for d.  NULL when d's caller
 * is not in the capture, or its leg is answered.
 */
static const struct fe_dialog *
unanswered_inside_caller(const struct sim_result *res, const struct fe_dialog *d)
{
	size_t k;

	if (d->phone_uac || d->kind != FE_CALL)
		return NULL;
	for (k = 0; k < res->ndlg; k++) {
		const struct fe_dialog *c = &res->dlg[k];

		if (c != d && c->kind == FE_CALL && c->phone_uac &&
		    strcmp(c->call_id, d->call_id) == 0 &&
		    !ep_same_ip(&c->phone_ip, &d->phone_ip) &&
		    (c->t_answer_ns == 0 || c->answer_lost))
			return c;
	}
	return NULL;
}

/* Why a request the far end never answers fails (farend_answers=false). */
static const char *
silent_why(const struct fe_dialog *d, char *buf, size_t n)
{
	snprintf(buf, n,
	    "the model delivers the %s, but the far end never answers it (farend_answers=false): the capture shows it sent %u times over %.1f s with no answer, and the phone gives up after its last transmission",
	    d->kind == FE_REGISTER ? "REGISTER" : "INVITE", d->silent_ntx,
	    (double)(d->silent_last_ns - d->silent_first_ns) / 1e9);
	return buf;
}

void
outcome_eval(const struct sim_cfg *cfg, const struct sim_result *res,
    const struct fe_dialog *d, struct outcome *o)
{
	const struct fe_dialog *caller;
	int chosen = 0, i;
	char buf[400];
	int64_t end;

	memset(o, 0, sizeof(*o));
	o->id = OUT_COMPLETED;
	if (d->kind == FE_REGISTER) {
		if (d->reg_dropped)
			pick(o, &chosen, OUT_REGISTRATION_FAILURE, d->t_last_ns,
			    d->first_frame, d->reg_why);
		else if (d->final_status >= 200 && d->final_status < 300)
			pick(o, &chosen, OUT_REGISTERED, d->t_last_ns, 0,
			    "200 OK reaches the phone");
		else if (d->far_silent)
			pick(o, &chosen, OUT_REGISTRATION_FAILURE,
			    d->silent_last_ns, d->silent_frame,
			    silent_why(d, buf, sizeof(buf)));
		else if (d->far_refused)
			pick(o, &chosen, OUT_REGISTRATION_FAILURE,
			    d->refused_last_ns, d->refused_frame,
			    d->refused_why);
		else
			pick(o, &chosen, OUT_INCOMPLETE, d->t_last_ns, 0,
			    "no final answer to REGISTER in the capture");
		return;
	}
	if (d->kind == FE_OTHER) {
		for (i = 0; i < d->nf; i++)
			if (strcmp(d->f[i].outcome,
			    outcome_name(OUT_TRANSFER_FAILURE)) == 0)
				pick(o, &chosen, OUT_TRANSFER_FAILURE, d->f[i].t_ns,
				    d->f[i].frame, d->f[i].detail);
		if (d->answer_lost)
			pick(o, &chosen, OUT_TRANSACTION_LOST, d->t_answer_ns,
			    d->answer_frame, d->answer_lost_why);
		if (d->invite_lost)
			pick(o, &chosen, OUT_TRANSACTION_LOST, d->t_first_ns,
			    d->invite_lost_frame, d->invite_lost_why);
		pick(o, &chosen, OUT_COMPLETED, d->t_last_ns, 0, "");
		return;
	}
	/* calls */
	if (d->invite_lost)
		pick(o, &chosen, d->phone_uac ? OUT_CALL_FAILED :
		    OUT_INBOUND_UNANSWERED, d->t_first_ns, d->invite_lost_frame,
		    d->invite_lost_why);
	if (o->id == OUT_INBOUND_UNANSWERED && !d->far_at_router) {
		/*
		 * The far end sent it where no route brings it to the router (a
		 * private Contact): it is on neither the outside view nor, never
		 * delivered, the inside one.
		 */
		o->unobservable = true;
		snprintf(o->unobs_why, sizeof(o->unobs_why),
		    "the far end sends the INVITE to an address that never reaches the router: it is on neither the outside nor the inside view");
	}
	if (d->answer_lost) {
		snprintf(buf, sizeof(buf),
		    "the 2xx never reaches the %s (%s): no ACK, the 2xx is retransmitted and the call dropped after 64*T1",
		    d->phone_uac ? "phone" : "caller", d->answer_lost_why);
		pick(o, &chosen, OUT_ACK_TIMEOUT_DROP, d->t_answer_ns + 64 * (CAP_NS_PER_SEC / 2),
		    d->answer_frame, buf);
	}
	if (d->final_status >= 300) {
		snprintf(buf, sizeof(buf), "final response %d", d->final_status);
		pick(o, &chosen, OUT_CALL_FAILED, d->t_last_ns, 0, buf);
	}
	if (d->far_silent)
		pick(o, &chosen, OUT_CALL_FAILED, d->silent_last_ns,
		    d->silent_frame, silent_why(d, buf, sizeof(buf)));
	if (d->far_refused)
		pick(o, &chosen, OUT_CALL_FAILED, d->refused_last_ns,
		    d->refused_frame, d->refused_why);
	if (d->t_answer_ns == 0)
		pick(o, &chosen, OUT_INCOMPLETE, d->t_last_ns, 0,
		    "no answer in the capture");
	if (!d->phone_uac && d->ack_lost && !d->ack_seen) {
		snprintf(buf, sizeof(buf),
		    "the caller's ACK is routed by the 2xx Contact and lost (%s): the phone retransmits its 2xx and gives up after 64*T1 = 32 s",
		    d->ack_lost_why);
		pick(o, &chosen, OUT_ACK_TIMEOUT_DROP, d->t_answer_ns + 64 * (CAP_NS_PER_SEC / 2),
		    d->ack_frame ? d->ack_frame : d->answer_frame, buf);
	}
	if (d->t_answer_ns != 0 && !d->ack_seen &&
	    (caller = unanswered_inside_caller(res, d)) != NULL) {
		char ip[64];

		ep_ip_str(&caller->phone_ip, ip, sizeof(ip));
		snprintf(buf, sizeof(buf),
		    "the caller is the inside phone %s, whose leg of this call gets no 2xx%s: no ACK can follow, the phone retransmits its 2xx and gives up after 64*T1 = 32 s",
		    ip, caller->answer_lost ? " through the router" : " in the capture");
		pick(o, &chosen, OUT_ACK_TIMEOUT_DROP, d->t_answer_ns + 64 * (CAP_NS_PER_SEC / 2),
		    d->answer_frame, buf);
	}
	if (d->t_answer_ns != 0)
		eval_media(d, o, &chosen);
	end = d->bye_seen ? d->t_bye_ns : res->last_ns;
	if (cfg->alg && cfg->session_expires_tracking && d->session_expires > 0 &&
	    d->t_answer_ns != 0 &&
	    end - d->t_answer_ns > (int64_t)d->session_expires * CAP_NS_PER_SEC &&
	    (!d->refreshed || d->t_refresh_ns - d->t_answer_ns >
	    (int64_t)d->session_expires * CAP_NS_PER_SEC)) {
		snprintf(buf, sizeof(buf),
		    "no refresh within Session-Expires %d s: the ALG drops the dialog (session_expires_tracking)",
		    d->session_expires);
		pick(o, &chosen, OUT_SESSION_TIMER_DROP, d->t_answer_ns +
		    (int64_t)d->session_expires * CAP_NS_PER_SEC, 0, buf);
	}
	if (cfg->alg && cfg->max_call > 0 && d->t_answer_ns != 0 &&
	    end - d->t_answer_ns > (int64_t)cfg->max_call * CAP_NS_PER_SEC) {
		snprintf(buf, sizeof(buf), "call longer than max_call %u s", cfg->max_call);
		pick(o, &chosen, OUT_MAX_CALL_DROP, d->t_answer_ns +
		    (int64_t)cfg->max_call * CAP_NS_PER_SEC, 0, buf);
	}
	for (i = 0; i < d->nf; i++)
		if (strcmp(d->f[i].outcome,
		    outcome_name(OUT_TRANSFER_FAILURE)) == 0)
			pick(o, &chosen, OUT_TRANSFER_FAILURE, d->f[i].t_ns,
			    d->f[i].frame, d->f[i].detail);
	pick(o, &chosen, OUT_COMPLETED, d->t_last_ns, 0,
	    d->ack_predicted ? "answered; the model delivers the ACK and RTP both ways" :
	    "answered, ACKed, RTP both ways");
}

static void
run_label(const struct sim_cfg *cfg, char *buf, size_t n)
{
	if (!cfg->alg && strcmp(cfg->name, "off") == 0)
		snprintf(buf, n, "with the ALG off");
	else
		snprintf(buf, n, "with profile %s", cfg->name);
}

static const char *
phrase(enum outcome_id id)
{
	switch (id) {
	case OUT_ACK_TIMEOUT_DROP: return "drop at 32 s";
	case OUT_ONE_WAY_AUDIO: return "have one-way audio";
	case OUT_NO_AUDIO: return "have no audio";
	case OUT_INBOUND_UNANSWERED: return "never reach the phone";
	case OUT_CALL_FAILED: return "fail";
	case OUT_TRANSFER_FAILURE: return "fail to transfer";
	case OUT_SESSION_TIMER_DROP: return "drop at the session timer";
	case OUT_MAX_CALL_DROP: return "are cut at max_call";
	case OUT_INCOMPLETE: return "are unanswered in the capture";
	default: return outcome_name(id);
	}
}

void
outcome_verdict(const struct sim_cfg *cfg, const struct sim_result *res,
    char *buf, size_t n)
{
	unsigned cnt[OUT_COUNT], calls = 0, regs = 0, regok = 0;
	size_t i, l;
	struct outcome o;
	struct sim_row row;
	int k;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < res->nseq; i++) {
		if (outcome_row_get(cfg, res, i, &row) != 0)
			continue;
		o = row.o;
		if (row.kind == FE_CALL) {
			calls++;
			cnt[o.id]++;
		} else if (row.kind == FE_REGISTER) {
			regs++;
			if (o.id == OUT_REGISTERED)
				regok++;
		} else if (o.id == OUT_TRANSFER_FAILURE)
			cnt[o.id]++;
	}
	run_label(cfg, buf, n);
	l = strlen(buf);
	if (calls > 0)
		snprintf(buf + l, n - l, ", %u of %u call%s complete", cnt[OUT_COMPLETED],
		    calls, calls == 1 ? "" : "s");
	for (k = 0; k < OUT_COUNT; k++) {
		l = strlen(buf);
		if (k != OUT_COMPLETED && k != OUT_REGISTERED && cnt[k] > 0)
			snprintf(buf + l, n - l, ", %u %s", cnt[k],
			    phrase((enum outcome_id)k));
	}
	l = strlen(buf);
	if (regs > 0)
		snprintf(buf + l, n - l, ", %u of %u registration%s succeed%s", regok,
		    regs, regs == 1 ? "" : "s", regs == 1 ? "s" : "");
	if (calls == 0 && regs == 0) {
		l = strlen(buf);
		snprintf(buf + l, n - l, ", no calls or registrations in the capture");
	}
}

static double
rel(const struct sim_result *res, int64_t t)
{
	return t == 0 ? 0.0 : (double)(t - res->first_ns) / 1e9;
}

static const char *
kind_name(const struct sim_row *d)
{
	return d->kind == FE_CALL ? "call" : d->kind == FE_REGISTER ?
	    "registration" : "other";
}

static void
tstr(FILE *f, const char *s, size_t max)
{
	size_t l = strlen(s);

	text_fput_escaped(f, s, l < max ? l : max, TEXT_ESC_PLAIN);
}

#define MAX_TABLE_RUNS 16

/* "outcome[:direction]" of the leg d0 in one run, "-" if absent. */
static void
cell(const struct sim_cfg *cfg, const struct sim_result *r,
    const struct sim_row *d0, char *buf, size_t n)
{
	struct sim_row row;
	size_t k = sim_leg(r, d0->call_id, &d0->phone_ip, SIZE_MAX);

	if (k != SIZE_MAX && outcome_row_get(cfg, r, k, &row) == 0) {
		snprintf(buf, n, "%s%s%s", outcome_name(row.o.id),
		    row.o.direction[0] ? ":" : "", row.o.direction);
		return;
	}
	snprintf(buf, n, "-");
}

/*
 * The anomalies of a run (the capture's, and the simulator's caps hit:
 * SIM_*_TABLE_FULL), as the analyzer prints them; nothing when none.
 */
static void
text_anomalies(FILE *f, const char *cfg, const struct sim_result *r)
{
	int k;

	if (anomaly_total(&r->an) == 0)
		return;
	fprintf(f, "anomalies%s%s%s:\n", cfg ? " (" : "", cfg ? cfg : "",
	    cfg ? ")" : "");
	for (k = 0; k < ANOMALY_COUNT; k++)
		if (r->an.n[k] != 0)
			fprintf(f, "  %-24s %8" PRIu64 "  %s\n",
			    anomaly_name((enum anomaly_id)k), r->an.n[k],
			    anomaly_desc((enum anomaly_id)k));
}

static void
json_anomalies(struct json *j, const struct sim_result *r)
{
	int k;

	if (anomaly_total(&r->an) == 0)
		return;
	json_key(j, "anomalies");
	json_obj_begin(j);
	for (k = 0; k < ANOMALY_COUNT; k++)
		if (r->an.n[k] != 0) {
			json_key(j, anomaly_name((enum anomaly_id)k));
			json_u64(j, r->an.n[k]);
		}
	json_obj_end(j);
}

/* What a capture taken outside a NAT is, and what to run instead. */
static const char outside_text[] =
    "this capture was taken outside a NAT: its SIP is only between public addresses, there is no private phone whose traffic a router would translate. "
    "Run sipalg-analyze on it (alone, or with --inside/--outside beside a capture from the phone's side); "
    "for a prediction, give sipalg-sim a capture taken on the phone's side of the router";

static const char *const how_name[] = {
	[ASSUME_PROFILE] = "profile", [ASSUME_SET] = "set",
	[ASSUME_INFERRED] = "inferred", [ASSUME_DEFAULT] = "default",
};

const char outcome_modelled_note[] =
    "the far end's packets as the model predicts them, never captured: "
    "its RTP where the capture shows none reaching the phone, and "
    "retransmissions of its messages the router dropped, written to the "
    "outside pcap (-w) beside the captured ones";

const char *
outcome_assume_source(const struct sim_cfg *cfg, const struct assumption *a,
    char *buf, size_t n)
{
	if (a->how == ASSUME_INFERRED)
		snprintf(buf, n, "inferred from frame %" PRIu64, a->frame);
	else if (a->how == ASSUME_SET)
		snprintf(buf, n, "--set");
	else if (a->how == ASSUME_DEFAULT)
		snprintf(buf, n, "default");
	else
		snprintf(buf, n, "profile %s", cfg->name);
	return buf;
}

void
outcome_modelled(const struct fe_dialog *d, uint64_t *rtp, uint64_t *rtp_in,
    uint64_t *sip)
{
	int k;

	*rtp = *rtp_in = 0;
	for (k = 0; k < d->nmedia; k++) {
		*rtp += d->media[k].model_pkts;
		*rtp_in += d->media[k].model_delivered;
	}
	*sip = d->modelled_sip;
}

/* The far-end assumptions of one run, one line each. */
static void
text_assumptions(FILE *f, const struct sim_cfg *cfg, const struct sim_assume *as,
    const char *indent)
{
	char src[80];
	int k;

	for (k = 0; k < ASSUME_NKNOBS; k++) {
		const struct assumption *a = &as->a[k];

		fprintf(f, "%s%s=%s (%s)", indent, a->knob, a->value,
		    outcome_assume_source(cfg, a, src, sizeof(src)));
		if (a->why[0] != '\0') {
			fprintf(f, ": ");
			tstr(f, a->why, sizeof(a->why));
		}
		fprintf(f, "\n");
	}
}

static void
report_text(FILE *f, const char *capture, const struct sim_cfg *const *cfgs,
    const struct sim_result *const *res, const struct sim_assume *as,
    bool outside, size_t n)
{
	char buf[512], a[NETADDR_STRLEN];
	size_t i, j;
	struct outcome o;
	struct sim_row row, row0;

	fprintf(f, "capture: ");
	tstr(f, capture, 300);
	fprintf(f, "\npublic address: %s\n", ep_ip_str(&res[0]->public_ip, a, sizeof(a)));
	if (outside) {
		fprintf(f, "\n%s.\n", outside_text);
		return;
	}
	if (n == 1) {
		const struct sim_result *r = res[0];

		fprintf(f, "configuration: %s\n", cfgs[0]->name);
		fprintf(f, "packets: %" PRIu64 " from the inside, %" PRIu64
		    " from outside parties, %" PRIu64 " SIP messages rewritten",
		    r->out_pkts, r->in_pkts, r->rewritten);
		if (r->written > 0)
			fprintf(f, ", %" PRIu64 " written to the outside pcap", r->written);
		if (r->suppressed > 0)
			fprintf(f, ", %" PRIu64 " that cannot happen (their dialog never started)",
			    r->suppressed);
		fprintf(f, "\n");
		fprintf(f, "dropped: %" PRIu64 " by the ALG, %" PRIu64 " by the NAT, %"
		    PRIu64 " sent by the far end where the router never sees them\n",
		    r->alg_drops, r->nat_drops, r->farend_lost);
		if (r->modelled_rtp + r->modelled_sip > 0)
			fprintf(f, "modelled: %" PRIu64 " far-end RTP packets and %"
			    PRIu64 " SIP retransmissions in the outside pcap: %s\n",
			    r->modelled_rtp, r->modelled_sip, outcome_modelled_note);
		text_anomalies(f, NULL, r);
		if (as != NULL) {
			fprintf(f, "far end assumed:\n");
			text_assumptions(f, cfgs[0], &as[0], "  ");
		}
		fprintf(f, "\ndialogs:\n");
		for (i = 0; i < r->nseq; i++) {
			const struct sim_row *d = &row;

			if (outcome_row_get(cfgs[0], r, i, &row) != 0)
				continue;
			o = row.o;
			fprintf(f, "  %zu  %-12s %-8s %s  ", i + 1, kind_name(d),
			    d->first_method, d->phone_uac ? "phone->out" : "out->phone");
			tstr(f, d->call_id, 40);
			fprintf(f, "  phone %s", ep_ip_str(&d->phone_ip, a, sizeof(a)));
			fprintf(f, "\n     outcome: %s", outcome_name(o.id));
			if (o.direction[0])
				fprintf(f, " (%s)", o.direction);
			if (o.t_ns != 0)
				fprintf(f, " at +%.3f s", rel(r, o.t_ns));
			if (o.frame != 0)
				fprintf(f, ", frame %" PRIu64, o.frame);
			fprintf(f, "\n");
			if (o.detail[0]) {
				fprintf(f, "     why: ");
				tstr(f, o.detail, sizeof(o.detail));
				fprintf(f, "\n");
			}
			if (o.also[0])
				fprintf(f, "     also: %s\n", o.also);
			if (o.unobservable) {
				fprintf(f, "     not observable in the written views: ");
				tstr(f, o.unobs_why, sizeof(o.unobs_why));
				fprintf(f, "\n");
			}
			if (d->note[0]) {
				fprintf(f, "     note: ");
				tstr(f, d->note, sizeof(d->note));
				fprintf(f, "\n");
			}
			{
				uint64_t mr = d->mrtp, mi = d->mrtp_in, ms = d->msip;

				if (mr + ms > 0)
					fprintf(f, "     modelled: %" PRIu64 " far-end RTP "
					    "packets (%" PRIu64 " let in by the NAT), %"
					    PRIu64 " SIP retransmissions\n", mr, mi, ms);
			}
		}
		if (r->ndrops > 0) {
			fprintf(f, "\ndrops (%" PRIu64 "):\n", r->drops_total);
			for (i = 0; i < r->ndrops && i < 40; i++) {
				const struct sim_drop *dr = &r->drops[i];

				fprintf(f, "  frame %-6" PRIu64 " +%8.3f s  %-3s %-8s ",
				    dr->frame, rel(r, dr->ts_ns), dr->outbound ? "out" : "in",
				    dr->where);
				tstr(f, dr->what, 20);
				fprintf(f, ": ");
				tstr(f, dr->reason, sizeof(dr->reason));
				fprintf(f, "\n");
			}
			if (r->ndrops > 40)
				fprintf(f, "  ... %zu more\n", r->ndrops - 40);
		}
		outcome_verdict(cfgs[0], r, buf, sizeof(buf));
		fprintf(f, "\nverdict: %s.\n", buf);
		return;
	}
	/* table: dialogs of the first run as rows; columns as wide as needed */
	{
		int w[MAX_TABLE_RUNS];

		for (j = 0; j < n && j < MAX_TABLE_RUNS; j++) {
			w[j] = (int)strlen(cfgs[j]->name);
			for (i = 0; i < res[0]->nseq; i++) {
				if (outcome_row_get(cfgs[0], res[0], i, &row0) != 0)
					continue;
				cell(cfgs[j], res[j], &row0, buf, sizeof(buf));
				if ((int)strlen(buf) > w[j])
					w[j] = (int)strlen(buf);
			}
		}
		fprintf(f, "\n%-4s %-13s %-9s", "#", "kind", "method");
		for (j = 0; j < n && j < MAX_TABLE_RUNS; j++)
			fprintf(f, " %-*s", w[j], cfgs[j]->name);
		fprintf(f, "\n");
		for (i = 0; i < res[0]->nseq; i++) {
			const struct sim_row *d0 = &row0;

			if (outcome_row_get(cfgs[0], res[0], i, &row0) != 0)
				continue;
			fprintf(f, "%-4zu %-13s %-9.9s", i + 1, kind_name(d0),
			    d0->first_method);
			for (j = 0; j < n && j < MAX_TABLE_RUNS; j++) {
				cell(cfgs[j], res[j], d0, buf, sizeof(buf));
				fprintf(f, " %-*s", w[j], buf);
			}
			fprintf(f, "\n");
		}
	}
	if (as != NULL)
		for (j = 0; j < n; j++) {
			fprintf(f, "\nfar end assumed by %s:\n", cfgs[j]->name);
			text_assumptions(f, cfgs[j], &as[j], "  ");
		}
	fprintf(f, "\nwhy:\n");
	for (i = 0; i < res[0]->nseq; i++) {
		if (outcome_row_get(cfgs[0], res[0], i, &row0) != 0)
			continue;
		for (j = 0; j < n; j++) {
			size_t k = SIZE_MAX;

			while ((k = sim_leg(res[j], row0.call_id, &row0.phone_ip,
			    k)) != SIZE_MAX) {
				if (outcome_row_get(cfgs[j], res[j], k, &row) != 0)
					continue;
				o = row.o;
				if (outcome_ok(o.id) || o.detail[0] == '\0')
					continue;
				fprintf(f, "  %zu %s: ", i + 1, cfgs[j]->name);
				tstr(f, o.detail, sizeof(o.detail));
				fprintf(f, "\n");
				if (o.unobservable) {
					fprintf(f, "  %zu %s: not observable in the written views: ",
					    i + 1, cfgs[j]->name);
					tstr(f, o.unobs_why, sizeof(o.unobs_why));
					fprintf(f, "\n");
				}
			}
		}
	}
	for (j = 0; j < n; j++)
		if (res[j]->modelled_rtp + res[j]->modelled_sip > 0)
			fprintf(f, "\nmodelled by %s: %" PRIu64 " far-end RTP packets "
			    "and %" PRIu64 " SIP retransmissions in the outside pcap: "
			    "%s\n", cfgs[j]->name, res[j]->modelled_rtp,
			    res[j]->modelled_sip, outcome_modelled_note);
	for (j = 0; j < n; j++)
		text_anomalies(f, cfgs[j]->name, res[j]);
	fprintf(f, "\nverdict: ");
	for (j = 0; j < n; j++) {
		outcome_verdict(cfgs[j], res[j], buf, sizeof(buf));
		fprintf(f, "%s%s", j ? "; " : "", buf);
	}
	fprintf(f, ".\n");
}

/* One dialog's predicted outcome (JSON).  "no frame" is 0 here. */
static void
json_dialog(struct json *j, const struct sim_result *r,
    const struct sim_row *d)
{
	char a[NETADDR_STRLEN];
	const struct outcome *op = &d->o;
	const char *p;
#define o (*op)
	json_obj_begin(j);
	json_key(j, "call_id");
	json_str(j, d->call_id);
	json_key(j, "phone");
	json_str(j, ep_ip_str(&d->phone_ip, a, sizeof(a)));
	json_key(j, "kind");
	json_str(j, kind_name(d));
	json_key(j, "method");
	json_str(j, d->first_method);
	json_key(j, "phone_role");
	json_str(j, d->phone_uac ? "uac" : "uas");
	json_key(j, "outcome");
	json_str(j, outcome_name(o.id));
	json_key(j, "direction");
	json_str(j, o.direction);
	json_key(j, "time");
	json_fixed(j, rel(r, o.t_ns), 3);
	json_key(j, "frame");
	json_u64_or_null(j, o.frame);
	json_key(j, "detail");
	json_str(j, o.detail);
	if (o.unobservable) {
		json_key(j, "observable");
		json_bool(j, false);
		json_key(j, "unobservable_why");
		json_str(j, o.unobs_why);
	}
	json_key(j, "also");
	json_arr_begin(j);
	for (p = o.also; *p != '\0';) {
		size_t l = strcspn(p, ",");

		json_strn(j, p, l);
		p += l;
		if (*p == ',')
			p++;
	}
	json_arr_end(j);
	json_key(j, "note");
	json_str(j, d->note);
	{
		uint64_t mr = d->mrtp, mi = d->mrtp_in, ms = d->msip;

		json_key(j, "modelled");
		json_obj_begin(j);
		json_key(j, "rtp");
		json_u64(j, mr);
		json_key(j, "rtp_let_in");
		json_u64(j, mi);
		json_key(j, "sip");
		json_u64(j, ms);
		json_obj_end(j);
	}
	json_obj_end(j);
#undef o
}

static void
json_assumptions(struct json *j, const struct sim_assume *as)
{
	int k;

	json_key(j, "assumptions");
	json_arr_begin(j);
	for (k = 0; k < ASSUME_NKNOBS; k++) {
		const struct assumption *a = &as->a[k];

		json_obj_begin(j);
		json_key(j, "knob");
		json_str(j, a->knob);
		json_key(j, "value");
		json_str(j, a->value);
		json_key(j, "source");
		json_str(j, how_name[a->how]);
		json_key(j, "frame");
		json_u64_or_null(j, a->frame);
		json_key(j, "why");
		json_str(j, a->why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
json_run(struct json *j, const struct sim_cfg *cfg,
    const struct sim_result *r, const struct sim_assume *as)
{
	static const char *const stat_names[] = {
		"inside_packets", "outside_packets", "rewritten", "written",
		"alg_drops", "nat_drops", "farend_lost", "modelled_rtp",
		"modelled_sip"
	};
	const uint64_t stats[] = {
		r->out_pkts, r->in_pkts, r->rewritten, r->written,
		r->alg_drops, r->nat_drops, r->farend_lost, r->modelled_rtp,
		r->modelled_sip
	};
	char buf[512];

	_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) ==
	    sizeof(stats) / sizeof(stats[0]), "one name per figure");
	json_obj_begin(j);
	json_key(j, "config");
	json_str(j, cfg->name);
	json_key(j, "alg");
	json_bool(j, cfg->alg);
	json_key(j, "stats");
	json_obj_begin(j);
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		json_key(j, stat_names[i]);
		json_u64(j, stats[i]);
	}
	json_obj_end(j);
	if (r->modelled_rtp + r->modelled_sip > 0) {
		json_key(j, "modelled_note");
		json_str(j, outcome_modelled_note);
	}
	if (as != NULL)
		json_assumptions(j, as);
	json_key(j, "dialogs");
	json_arr_begin(j);
	for (size_t i = 0; i < r->nseq; i++) {
		struct sim_row row;

		if (outcome_row_get(cfg, r, i, &row) == 0)
			json_dialog(j, r, &row);
	}
	json_arr_end(j);
	json_key(j, "drops");
	json_arr_begin(j);
	for (size_t k = 0; k < r->ndrops; k++) {
		const struct sim_drop *dr = &r->drops[k];

		json_obj_begin(j);
		json_key(j, "frame");
		json_u64(j, dr->frame);
		json_key(j, "time");
		json_fixed(j, rel(r, dr->ts_ns), 3);
		json_key(j, "direction");
		json_str(j, dr->outbound ? "out" : "in");
		json_key(j, "where");
		json_str(j, dr->where);
		json_key(j, "what");
		json_str(j, dr->what);
		json_key(j, "reason");
		json_str(j, dr->reason);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "drops_total");
	json_u64(j, r->drops_total);
	json_anomalies(j, r);
	json_key(j, "verdict");
	outcome_verdict(cfg, r, buf, sizeof(buf));
	json_str(j, buf);
	json_obj_end(j);
}

/*
 * The runs as one JSON document (compact, with the project's writer,
 * json.h): capture, public address, one object per run, and the
 * verdicts of every run joined in one string.
 */
static void
report_json(FILE *f, const char *capture, const struct sim_cfg *const *cfgs,
    const struct sim_result *const *res, const struct sim_assume *as,
    bool outside, size_t n)
{
	char buf[512], a[NETADDR_STRLEN];
	struct json j;

	json_init(&j, f, JSON_COMPACT);
	json_obj_begin(&j);
	json_key(&j, "capture");
	json_str(&j, capture);
	json_key(&j, "public_ip");
	json_str(&j, ep_ip_str(&res[0]->public_ip, a, sizeof(a)));
	json_key(&j, "capture_side");
	json_str(&j, outside ? "outside" : "inside");
	json_key(&j, "runs");
	json_arr_begin(&j);
	for (size_t i = 0; !outside && i < n; i++)
		json_run(&j, cfgs[i], res[i], as != NULL ? &as[i] : NULL);
	json_arr_end(&j);
	json_key(&j, "verdict");
	if (outside) {
		json_str(&j, outside_text);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	json_str_begin(&j);
	for (size_t i = 0; i < n; i++) {
		outcome_verdict(cfgs[i], res[i], buf, sizeof(buf));
		if (i)
			json_str_add(&j, "; ", 2);
		json_str_add(&j, buf, strlen(buf));
	}
	json_str_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

void
outcome_report(FILE *f, enum outcome_fmt fmt, const char *capture,
    const struct sim_cfg *const *cfgs, const struct sim_result *const *res,
    const struct sim_assume *as, bool outside, size_t n)
{
	if (n == 0)
		return;
	if (fmt == OUTCOME_JSON)
		report_json(f, capture, cfgs, res, as, outside, n);
	else
		report_text(f, capture, cfgs, res, as, outside, n);
}

void
outcome_row(const struct sim_cfg *cfg, const struct sim_result *res,
    const struct fe_dialog *d, struct sim_row *row)
{
	memset(row, 0, sizeof(*row));
	row->seq = d->seq;
	row->kind = d->kind;
	row->phone_uac = d->phone_uac;
	memcpy(row->first_method, d->first_method, sizeof(row->first_method));
	memcpy(row->call_id, d->call_id, sizeof(row->call_id));
	row->phone_ip = d->phone_ip;
	row->first_frame = d->first_frame;
	memcpy(row->note, d->note, sizeof(row->note));
	outcome_modelled(d, &row->mrtp, &row->mrtp_in, &row->msip);
	outcome_eval(cfg, res, d, &row->o);
}

/*
 * The store of retired rows: each row encoded (fixed fields, then its
 * strings as a length and the bytes) one after the other in an unlinked
 * temporary file, and where each begins in another, at 8 bytes per
 * dialog number (a sparse file: live dialogs leave holes, read as 0).
 */
struct sim_rows {
	FILE *f, *idx;
	uint64_t end;             /* bytes in f */
	bool bad;                 /* a write or read failed (outcome_rows_error) */
	int err;                  /* its errno (EIO when it set none) */
};

/* Marks s failed with the errno of the moment (EIO when none). */
static void
rows_fail(struct sim_rows *s)
{
	if (!s->bad)
		s->err = errno != 0 ? errno : EIO;
	s->bad = true;
}

/* An unlinked temporary file in $TMPDIR (else /tmp), as load.c spools
 * standard input: tmpfile() would ignore TMPDIR. */
static FILE *
rows_tmp(void)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	FILE *fp;
	int fd;

	snprintf(tmpl, sizeof(tmpl), "%s/sipalg-sim-rows-XXXXXX",
	    dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(tmpl)) < 0)
		return NULL;
	unlink(tmpl);
	if ((fp = fdopen(fd, "w+b")) == NULL)
		close(fd);
	return fp;
}

struct row_fixed {
	uint64_t seq, first_frame, frame, mrtp, mrtp_in, msip;
	int64_t t_ns;
	struct ep phone_ip;
	uint8_t kind, phone_uac, id, unobservable;
};

/* The row's strings in their encoding's order. */
#define ROW_STRINGS(r) { \
	{ (r)->first_method, sizeof((r)->first_method) }, \
	{ (r)->call_id, sizeof((r)->call_id) }, \
	{ (r)->note, sizeof((r)->note) }, \
	{ (r)->o.direction, sizeof((r)->o.direction) }, \
	{ (r)->o.detail, sizeof((r)->o.detail) }, \
	{ (r)->o.also, sizeof((r)->o.also) }, \
	{ (r)->o.unobs_why, sizeof((r)->o.unobs_why) } }
#define ROW_NSTRINGS 7

struct row_str {
	char *s;
	size_t n;
};

size_t
outcome_row_bytes(const struct sim_row *row)
{
	struct row_str st[ROW_NSTRINGS] = ROW_STRINGS((struct sim_row *)row);
	size_t b = sizeof(struct row_fixed);
	int k;

	for (k = 0; k < ROW_NSTRINGS; k++)
		b += 2 + strnlen(st[k].s, st[k].n - 1);
	return b;
}

int
outcome_rows_add(struct sim_result *res, const struct sim_row *row)
{
	struct sim_rows *s = res->rows;
	struct row_str st[ROW_NSTRINGS] = ROW_STRINGS((struct sim_row *)row);
	struct row_fixed fx;
	uint64_t at;
	int k;

	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		errno = 0;
		s->f = rows_tmp();
		s->idx = s->f != NULL ? rows_tmp() : NULL;
		res->rows = s;
		if (s->f == NULL || s->idx == NULL)
			rows_fail(s);
	}
	if (s->bad)
		return -1;
	memset(&fx, 0, sizeof(fx));
	fx.seq = row->seq;
	fx.first_frame = row->first_frame;
	fx.frame = row->o.frame;
	fx.mrtp = row->mrtp;
	fx.mrtp_in = row->mrtp_in;
	fx.msip = row->msip;
	fx.t_ns = row->o.t_ns;
	fx.phone_ip = row->phone_ip;
	fx.kind = (uint8_t)row->kind;
	fx.phone_uac = row->phone_uac;
	fx.id = (uint8_t)row->o.id;
	fx.unobservable = row->o.unobservable;
	at = s->end + 1;          /* 0 in the index: no row */
	if (fseeko(s->f, (off_t)s->end, SEEK_SET) != 0 ||
	    fwrite(&fx, sizeof(fx), 1, s->f) != 1)
		goto bad;
	s->end += sizeof(fx);
	for (k = 0; k < ROW_NSTRINGS; k++) {
		uint16_t l = (uint16_t)strnlen(st[k].s, st[k].n - 1);

		if (fwrite(&l, 2, 1, s->f) != 1 ||
		    (l > 0 && fwrite(st[k].s, l, 1, s->f) != 1))
			goto bad;
		s->end += 2 + (uint64_t)l;
	}
	if (fseeko(s->idx, (off_t)(row->seq * sizeof(at)), SEEK_SET) != 0 ||
	    fwrite(&at, sizeof(at), 1, s->idx) != 1)
		goto bad;
	/* a full disk shows at the write, not at a later read */
	if (fflush(s->f) != 0 || fflush(s->idx) != 0 || ferror(s->f) ||
	    ferror(s->idx))
		goto bad;
	return 0;
bad:
	rows_fail(s);
	return -1;
}

int
outcome_rows_error(const struct sim_result *res)
{
	return res->rows != NULL && res->rows->bad ? res->rows->err : 0;
}

static int
row_read(const struct sim_result *res, size_t seq, struct sim_row *row)
{
	struct sim_rows *s = res->rows;
	struct row_str st[ROW_NSTRINGS] = ROW_STRINGS(row);
	struct row_fixed fx;
	uint64_t at = 0;
	int k;

	if (s == NULL || s->f == NULL || s->idx == NULL)
		return -1;
	errno = 0;
	if (fseeko(s->idx, (off_t)(seq * sizeof(at)), SEEK_SET) != 0 ||
	    fread(&at, sizeof(at), 1, s->idx) != 1 || at == 0 || at > s->end)
		goto bad;
	if (fseeko(s->f, (off_t)(at - 1), SEEK_SET) != 0 ||
	    fread(&fx, sizeof(fx), 1, s->f) != 1 || fx.seq != seq)
		goto bad;
	memset(row, 0, sizeof(*row));
	row->seq = (size_t)fx.seq;
	row->first_frame = fx.first_frame;
	row->o.frame = fx.frame;
	row->mrtp = fx.mrtp;
	row->mrtp_in = fx.mrtp_in;
	row->msip = fx.msip;
	row->o.t_ns = fx.t_ns;
	row->phone_ip = fx.phone_ip;
	row->kind = (enum fe_kind)fx.kind;
	row->phone_uac = fx.phone_uac != 0;
	row->o.id = (enum outcome_id)fx.id;
	row->o.unobservable = fx.unobservable != 0;
	for (k = 0; k < ROW_NSTRINGS; k++) {
		uint16_t l;

		if (fread(&l, 2, 1, s->f) != 1 || l >= st[k].n ||
		    (l > 0 && fread(st[k].s, l, 1, s->f) != 1))
			goto bad;
		st[k].s[l] = '\0';
	}
	return 0;
bad:
	rows_fail(s);            /* a row lost: the run's error, not a gap */
	return -1;
}

int
outcome_row_get(const struct sim_cfg *cfg, const struct sim_result *res,
    size_t seq, struct sim_row *row)
{
	const struct fe_dialog *d = sim_live(res, seq);

	if (d != NULL) {
		outcome_row(cfg, res, d, row);
		return 0;
	}
	return row_read(res, seq, row);
}

void
outcome_rows_free(struct sim_result *res)
{
	struct sim_rows *s = res->rows;

	if (s == NULL)
		return;
	if (s->f != NULL)
		fclose(s->f);
	if (s->idx != NULL)
		fclose(s->idx);
	free(s);
	res->rows = NULL;
}
