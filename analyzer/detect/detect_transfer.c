/*
 * detect_transfer.c - transfer_failure: REFER-based transfers (RFC 3515)
 * and Replaces (RFC 3891) that fail.
 *
 * Linux nf_nat_sip never rewrites Refer-To or Replaces; Juniper and
 * Fortinet rewrite Call-ID, so a Replaces built from the inside Call-ID
 * matches no dialog outside.  Flagged:
 *   - a REFER accepted (2xx) and then a NOTIFY whose message/sipfrag
 *     status is >= 300 (confidence 0.6);
 *   - an INVITE carrying Replaces answered 481 (0.6);
 *   - a REFER from a public address whose Refer-To host is a private IP
 *     literal (0.5);
 *   - a REFER rejected outright: a final response 300-699 to it (0.6),
 *     but for 401/407 (a challenge: the REFER is sent again with
 *     credentials) and 491 (request pending: tried again later).
 */
#include <string.h>

#include "detect/detect_int.h"

static const char explanation[] =
    "The transfer did not complete.  ALGs leave Refer-To and Replaces "
    "untouched (Linux) or rewrite the Call-ID (Juniper, Fortinet), so the "
    "transfer target can be a private address the far end cannot reach, "
    "or the Replaces header names a dialog the far end does not know "
    "(481).";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR); let the PBX perform the "
    "transfer itself (attended transfer handled by the PBX, not the "
    "phones), and use domain names instead of IP literals in URIs.";

void
detect_transfer_failure(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *refer = NULL, *inv = detect_initial(d);
	bool accepted = false;
	struct finding *f;
	struct ep e;
	char a[NETADDR_STRLEN];

	/* Every case of the walk starts at a REFER. */
	for (size_t i = 0; detect_has_request(dt, SIPM_REFER) && i < d->nmsgs;
	    i++) {
		const struct dmsg *m = &d->msgs[i];

		if (m->m->is_request && dmsg_method_is(m, SIPM_REFER)) {
			refer = m;
			if (m->m->refer_to[0] != '\0' &&
			    !ep_is_private(&m->src) &&
			    detect_uri_ip(m->m->refer_to, &e) == 0 &&
			    ep_is_private(&e)) {
				f = detect_finding_add(fs, SYMPTOM_TRANSFER_FAILURE,
				    0.5, explanation, rem, "REFER from a public "
				    "address names a private transfer target");
				detect_ev(f, m, "Refer-To", "%s", m->m->refer_to);
				detect_ev(f, m, "source", "%s",
				    ep_str(&m->src, a, sizeof(a)));
			}
		} else if (refer != NULL && !m->m->is_request &&
		    dmsg_cseq_is(m, SIPM_REFER) &&
		    m->m->status >= 200 && m->m->status < 300) {
			accepted = true;
		} else if (refer != NULL && !m->m->is_request &&
		    dmsg_cseq_is(m, SIPM_REFER) &&
		    m->m->status >= 300 && m->m->status != 401 &&
		    m->m->status != 407 && m->m->status != 491 &&
		    m->m->cseq == refer->m->cseq) {
			f = detect_finding_add(fs, SYMPTOM_TRANSFER_FAILURE, 0.6,
			    explanation, rem, "REFER rejected: %d %s",
			    m->m->status, m->m->reason);
			detect_ev(f, refer, "REFER", "Refer-To %s",
			    refer->m->refer_to);
			detect_ev(f, m, "final response", "%d %s", m->m->status,
			    m->m->reason);
			refer = NULL;
		} else if (accepted && m->m->is_request &&
		    dmsg_method_is(m, SIPM_NOTIFY) &&
		    m->m->sipfrag_status >= 300) {
			f = detect_finding_add(fs, SYMPTOM_TRANSFER_FAILURE, 0.6,
			    explanation, rem, "transfer accepted but reported as "
			    "failed: NOTIFY sipfrag %d", m->m->sipfrag_status);
			detect_ev(f, refer, "REFER", "Refer-To %s",
			    refer->m->refer_to);
			detect_ev(f, m, "NOTIFY sipfrag", "SIP/2.0 %d",
			    m->m->sipfrag_status);
			accepted = false;
		}
	}
	if (inv != NULL && d->final_status == 481 &&
	    !detect_str_empty(inv->m, inv->m->replaces)) {
		f = detect_finding_add(fs, SYMPTOM_TRANSFER_FAILURE, 0.6, explanation, rem,
		    "INVITE with Replaces answered 481: the replaced dialog "
		    "is unknown to the far end");
		detect_ev(f, inv, "Replaces", "%s", inv->m->replaces);
	}
}
