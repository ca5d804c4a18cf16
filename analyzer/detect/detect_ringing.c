/*
 * detect_ringing.c - ringing_after_answer: the callee answered, but the
 * caller never learnt it and keeps ringing (then gives up).
 *
 * An INVITE client transaction stops retransmitting once any response
 * arrives (RFC 3261 §17.1.1.2), and a caller that got the 2xx sends an ACK
 * and never a CANCEL (§9.1: CANCEL after a final response has no effect).
 * So, in one capture:
 *   - the initial INVITE retransmitted more than 200 ms after the first
 *     2xx was seen (confidence 0.6), and/or
 *   - a CANCEL from the caller more than 200 ms after the 2xx (0.7);
 *   both together 0.8.  A missing ACK is added as evidence.
 * The 200 ms margin absorbs messages that crossed on the wire.  The usual
 * ALG cause: the 2xx (larger, with SDP) dropped or mangled by the ALG on
 * the way back while the provisional responses passed.
 */
#include <string.h>

#include "detect/detect_int.h"

#define CROSS_NS (200 * 1000000LL)

static const char explanation[] =
    "The callee's 2xx answer was sent but the caller behaves as if it "
    "never arrived: it keeps retransmitting the INVITE or cancels the "
    "call.  A SIP ALG that fails to parse or rewrite the 2xx (it carries "
    "the SDP answer and is larger than the 18x) drops it; the callee "
    "sees an answered call, the caller hears ringing.";
static const char rem[] =
    "Disable the SIP ALG on the router between the caller and the "
    "network (see --fix VENDOR); if the 2xx is large, avoid IP "
    "fragmentation (SIP over TCP, or trim codecs from the SDP).";

void
detect_ringing_after_answer(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *inv, *ans, *cancel = NULL, *ack = NULL;
	uint32_t late = 0;
	int64_t first_late = 0;
	struct finding *f;
	double conf;

	inv = detect_initial(d);
	ans = detect_answer(d);
	if (inv == NULL || ans == NULL)
		return;
	for (uint32_t i = 0; i < inv->retrans && i < DIALOG_RETRANS_KEPT; i++)
		if (inv->retrans_ns[i] > ans->ts_ns + CROSS_NS) {
			if (late++ == 0)
				first_late = inv->retrans_ns[i];
		}
	/* No late INVITE and no CANCEL at all: nothing below to find. */
	if (late == 0 && !detect_has_request(dt, SIPM_CANCEL))
		return;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!m->m->is_request || !detect_from_caller(d, m))
			continue;
		if (cancel == NULL && dmsg_method_is(m, SIPM_CANCEL) &&
		    m->ts_ns > ans->ts_ns + CROSS_NS)
			cancel = m;
		if (ack == NULL && dmsg_method_is(m, SIPM_ACK) &&
		    m->m->cseq == ans->m->cseq)
			ack = m;
	}
	if (late == 0 && cancel == NULL)
		return;
	conf = late > 0 && cancel != NULL ? 0.8 : cancel != NULL ? 0.7 : 0.6;
	f = detect_finding_add(fs, SYMPTOM_RINGING_AFTER_ANSWER, conf, explanation, rem,
	    "callee answered (%d) but the caller %s", ans->m->status,
	    cancel != NULL ? "cancelled afterwards" :
	    "kept retransmitting the INVITE");
	detect_ev(f, ans, "2xx to INVITE", "%d %s", ans->m->status,
	    ans->m->reason);
	if (late > 0)
		detect_ev_at(f, inv->cap_idx, 0, first_late,
		    "INVITE retransmission", "%u after the 2xx, first at +%.3f s",
		    late, (double)(first_late - ans->ts_ns) / 1e9);
	if (cancel != NULL)
		detect_ev(f, cancel, "CANCEL", "at +%.3f s after the 2xx",
		    (double)(cancel->ts_ns - ans->ts_ns) / 1e9);
	if (ack == NULL)
		detect_ev(f, NULL, "ACK", "none for CSeq %u", ans->m->cseq);
}
