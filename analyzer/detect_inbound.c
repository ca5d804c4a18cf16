/*
 * detect_inbound.c - inbound_call_unanswered: an INVITE that gets no
 * response at all (the phone does not ring; the caller goes to voicemail).
 *
 * An unsolicited INVITE reaches a NATed phone only through a live binding
 * or pinhole; an ALG pinhole restricted to the registrar
 * (sip_direct_signalling) or an expired binding drops it silently, and
 * the caller's Timer A retransmits it at 0.5, 1, 2, 4 ... s (RFC 3261
 * §17.1.1.2) until Timer B (32 s) or a CANCEL.  A UDP INVITE over 1300
 * bytes (§18.1.1) is fragmented and fragments are what ALGs and firewalls
 * drop (SonicWall, FortiGate NP7).  Flagged, only when nothing answered
 * the INVITE (no 1xx, no final response):
 *   - the INVITE retransmitted >= 2 times (confidence 0.6);
 *   - a UDP INVITE carried in IP fragments, or larger than 1300 bytes
 *     and retransmitted (0.7); one big INVITE sent once may just be at
 *     the end of the capture.
 * Requests with no SDP and no Contact (scanners) are ignored.
 */
#include <string.h>

#include "detect_int.h"

#define MIN_RETRANS 2
#define BIG_INVITE 1300

static const char explanation[] =
    "Nothing answered this INVITE, not even 100 Trying: it never reached "
    "the phone.  Behind NAT an incoming call needs a live binding; it is "
    "lost when the NAT/ALG binding expired (UDP timeouts of 30-60 s on "
    "consumer routers), when the ALG only admits INVITEs from the "
    "registrar, or when a large UDP INVITE is fragmented and the "
    "fragments are dropped.";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR), raise the router's UDP "
    "timeout to 150-300 s or register/keepalive more often than the NAT "
    "timeout (CRLF or OPTIONS keepalives), and avoid fragmentation: SIP "
    "over TCP/TLS, or fewer codecs in the SDP.";

void
detect_inbound_call_unanswered(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *inv = detect_initial(d), *cancel = NULL;
	bool big, frag;
	uint32_t size;
	struct finding *f;
	double conf;

	(void)dt;
	if (inv == NULL || (inv->m->sdp == NULL && inv->m->ncontact == 0))
		return;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!m->m->is_request && m->m->cseq == inv->m->cseq &&
		    strcmp(m->m->cseq_method, "INVITE") == 0)
			return;
		if (cancel == NULL && m->m->is_request &&
		    strcmp(m->m->method, "CANCEL") == 0)
			cancel = m;
	}
	size = inv->ip_len > inv->m->raw_len ? inv->ip_len :
	    (uint32_t)inv->m->raw_len;
	frag = inv->nfrags > 1;
	big = (inv->transport & 0x7f) == PKT_UDP && (frag ||
	    (inv->m->raw_len > BIG_INVITE && inv->retrans >= 1));
	if (inv->retrans < MIN_RETRANS && !big)
		return;
	if (big)
		conf = 0.7;
	else
		conf = 0.6;
	f = detect_finding_add(fs, DET_INBOUND_CALL_UNANSWERED, conf, explanation, rem,
	    "INVITE %s got no response at all%s",
	    inv->retrans ? "retransmitted" : "sent once",
	    big ? (frag ? "; it was IP-fragmented" :
	    "; it is larger than 1300 bytes over UDP") : "");
	detect_ev(f, inv, "INVITE", "%u retransmission(s), %u bytes%s",
	    inv->retrans, size, frag ? ", in IP fragments" : "");
	if (frag)
		detect_ev(f, inv, "IP fragments", "%u", inv->nfrags);
	if (cancel != NULL)
		detect_ev(f, cancel, "CANCEL", "at +%.3f s",
		    (double)(cancel->ts_ns - inv->ts_ns) / 1e9);
}
