/*
 * detect_callerid.c - caller_id_mismatch: identity headers of one INVITE
 * that disagree in a way only a rewrite explains.
 *
 * ALGs rewrite From (Linux: first IP literal matching the NAT tuple;
 * Fortinet/Juniper: always) but never P-Asserted-Identity or
 * Remote-Party-ID (RFC 3325, draft-ietf-sip-privacy).  Flagged when the
 * initial INVITE's From host is an IP literal and PAI or RPID carries an
 * IP literal on the other side of the private/public divide (confidence
 * 0.4: a weak ALG link, provider policy explains most caller-ID trouble).
 * Differing user parts are normal (provider numbering) and not flagged.
 */
#include <string.h>

#include "detect/detect_int.h"

static const char explanation[] =
    "The From host and the P-Asserted-Identity / Remote-Party-ID host "
    "disagree: one is a public address, the other a private one.  An ALG "
    "rewrites From (and To) but leaves the identity headers alone, so the "
    "far end may show or validate the wrong identity.";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR) and configure the phone/PBX "
    "with its public identity (outbound proxy, domain name instead of IP "
    "literals).  Caller-ID display itself is mostly provider policy.";

static void
check(const struct dmsg *m, const char *name, const char *val,
    struct findings *fs, bool *done)
{
	struct ep fh, h;
	struct finding *f;

	if (*done || detect_str_empty(m->m, val) ||
	    detect_uri_ip(m->m->from_uri, &fh) != 0 ||
	    detect_uri_ip(val, &h) != 0)
		return;
	if (ep_is_private(&fh) == ep_is_private(&h))
		return;
	f = detect_finding_add(fs, SYMPTOM_CALLER_ID_MISMATCH, 0.4, explanation, rem,
	    "From host is %s but %s host is %s",
	    ep_is_private(&fh) ? "private" : "public", name,
	    ep_is_private(&h) ? "private" : "public");
	detect_ev(f, m, "From", "%s", m->m->from_uri);
	detect_ev(f, m, name, "%s", val);
	*done = true;
}

void
detect_caller_id_mismatch(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *inv = detect_initial(d);
	bool done = false;

	(void)dt;
	if (inv == NULL)
		return;
	check(inv, "P-Asserted-Identity", inv->m->pai, fs, &done);
	check(inv, "Remote-Party-ID", inv->m->rpid, fs, &done);
}
