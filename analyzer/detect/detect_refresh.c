/*
 * detect_refresh.c - session_refresh_failure: a session timer negotiated
 * and not kept (the call that drops after N minutes).
 *
 * RFC 4028: the 2xx to INVITE (else the INVITE) fixes Session-Expires SE;
 * the refresher sends a re-INVITE or UPDATE by SE/2, and without one the
 * session ends, with a BYE sent at SE - min(32, SE/3) (§10).  ALGs that
 * tie their dialog timer to Session-Expires (Juniper, Fortinet) or drop
 * the refresh break it.  Flagged for answered calls:
 *   - no refresh by SE/2 + 5 s after the answer (or after the previous
 *     refresh) while the call went on, and a BYE within 5 s of
 *     SE - min(32, SE/3) or of SE: confidence 0.7;
 *   - the same without such a BYE, the call still alive past SE + 5 s
 *     (refreshes may take another path, 0.3);
 *   - a refresh request with no final response (0.5).
 */
#include <string.h>

#include "detect/detect_int.h"

#define TOL_NS (5 * DETECT_NS)

static const char explanation[] =
    "Session timers (RFC 4028) require a refresh (re-INVITE or UPDATE) by "
    "half the negotiated Session-Expires; without it either end tears the "
    "call down at expiry.  Refreshes lost or dropped by an ALG, or an ALG "
    "whose own dialog timer follows Session-Expires, make calls drop after "
    "a fixed number of minutes.";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR) or raise its call/session "
    "timers; check that refreshes from both sides pass the NAT (UDP "
    "timeout 150-300 s); as a workaround lengthen Session-Expires or let "
    "the PBX be the refresher.";

static bool
is_refresh(const struct dialog *d, const struct dmsg *m)
{
	(void)d;
	return m->m->is_request && detect_msg_to_tag(m) &&
	    (dmsg_method_is(m, SIPM_INVITE) ||
	    dmsg_method_is(m, SIPM_UPDATE));
}

static bool
has_final(const struct dialog *d, const struct dmsg *req)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (!m->is_request && m->status >= 200 &&
		    m->cseq == req->m->cseq &&
		    sip_method_same(d->msgs[i].cseq_code, m->cseq_method,
		    req->method_code, req->m->method))
			return true;
	}
	return false;
}

void
detect_session_refresh_failure(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *inv = detect_initial(d), *ans = detect_answer(d);
	const struct dmsg *bye = NULL, *norsp = NULL;
	int64_t se, prev, end, expiry, due = 0;
	bool late = false, bye_at_expiry = false;
	struct finding *f;

	(void)dt;
	if (inv == NULL || ans == NULL || d->answer_ns == 0)
		return;
	se = ans->m->session_expires > 0 ? ans->m->session_expires :
	    inv->m->session_expires;
	if (se <= 0)
		return;
	se *= DETECT_NS;
	prev = d->answer_ns;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (m->ts_ns <= d->answer_ns)
			continue;
		if (is_refresh(d, m)) {
			if (!late && m->ts_ns > prev + se / 2 + TOL_NS) {
				late = true;
				due = prev + se / 2;
			}
			if (!has_final(d, m) && norsp == NULL &&
			    m->ts_ns + 32 * DETECT_NS < d->last_ns)
				norsp = m;
			prev = m->ts_ns;
		} else if (bye == NULL && m->m->is_request &&
		    dmsg_method_is(m, SIPM_BYE)) {
			bye = m;
		}
	}
	end = bye != NULL ? bye->ts_ns : d->last_ns;
	if (!late && end > prev + se / 2 + TOL_NS) {
		late = true;
		due = prev + se / 2;
	}
	expiry = due - se / 2 + se;
	if (late && bye != NULL) {
		int64_t early = expiry - (se / 3 < 32 * DETECT_NS ? se / 3 :
		    32 * DETECT_NS);

		bye_at_expiry = (bye->ts_ns >= early - TOL_NS &&
		    bye->ts_ns <= early + TOL_NS) ||
		    (bye->ts_ns >= expiry - TOL_NS &&
		    bye->ts_ns <= expiry + TOL_NS);
	}
	if (late && (bye_at_expiry || (bye == NULL && end > expiry + TOL_NS))) {
		f = detect_finding_add(fs, SYMPTOM_SESSION_REFRESH_FAILURE,
		    bye_at_expiry ? 0.7 : 0.3, explanation, rem,
		    "Session-Expires %lld s negotiated, no refresh by half of "
		    "it%s", (long long)(se / DETECT_NS), bye_at_expiry ?
		    "; BYE at expiry" : "");
		detect_ev(f, ans, "Session-Expires", "%d%s%s",
		    ans->m->session_expires > 0 ? ans->m->session_expires :
		    inv->m->session_expires, ans->m->se_refresher[0] ?
		    ";refresher=" : "", ans->m->se_refresher);
		detect_ev_at(f, d->cap_idx, 0, due, "refresh due", "by +%.1f s "
		    "after the answer or last refresh", (double)se / 2e9);
		if (bye != NULL)
			detect_ev(f, bye, "BYE", "at +%.1f s after the answer",
			    (double)(bye->ts_ns - d->answer_ns) / 1e9);
	}
	if (norsp != NULL) {
		f = detect_finding_add(fs, SYMPTOM_SESSION_REFRESH_FAILURE, 0.5,
		    explanation, rem, "session refresh %s got no final response",
		    norsp->m->method);
		detect_ev(f, norsp, "refresh", "%s CSeq %u, %u retransmissions",
		    norsp->m->method, norsp->m->cseq, norsp->retrans);
	}
}
