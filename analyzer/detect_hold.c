/*
 * detect_hold.c - media_lost_after_hold: after a hold and resume, audio
 * comes back in one direction only.
 *
 * On hold (RFC 3264 §8.4: a=sendonly / a=inactive, or the older
 * c=0.0.0.0 of RFC 2543) one or both directions stop; the NAT or ALG
 * media pinhole then idles out (conntrack 30/120 s, Juniper 120 s, ZyXEL
 * 5 min) and the packets of the direction that must come back in are
 * dropped after the resume.  Flagged when, after a hold offer and a later
 * sendrecv offer in the same dialog, over >= 5 s from 2 s after the
 * resume to the end of the call, one direction carries >= 80 % of the
 * expected rate (a=ptime, default 50 pps) and the other < 5 %, the
 * silent one having carried media before the hold (confidence 0.7; 0.8
 * when the hold lasted longer than 30 s, a NAT UDP timeout).
 */
#include <string.h>

#include "detect_int.h"

static const char explanation[] =
    "While the call was on hold one direction carried no RTP, and the NAT "
    "or ALG media binding for it timed out (30-300 s depending on the "
    "box).  After the resume the packets coming back in hit a closed "
    "pinhole: audio returns in one direction only.";
static const char rem[] =
    "Disable the SIP ALG (see --fix VENDOR), raise the router's UDP "
    "timeout to 150-300 s, and prefer music-on-hold or RTP keepalives "
    "(comfort noise) so the binding stays alive during hold.";

static bool
is_hold(const struct sdp *s)
{
	const struct sdp_media *m = detect_audio_media(s);

	return m != NULL && (m->dir == SDP_SENDONLY ||
	    m->dir == SDP_INACTIVE || detect_ep_unspecified(&m->conn));
}

static bool
is_resume(const struct sdp *s)
{
	const struct sdp_media *m = detect_audio_media(s);

	return m != NULL && m->dir == SDP_SENDRECV && m->port != 0 &&
	    !detect_ep_unspecified(&m->conn);
}

void
detect_media_lost_after_hold(struct detect *dt, const struct dialog *d,
    struct findings *fs)
{
	const struct dmsg *hold = NULL, *resume = NULL;
	double pk[2] = { 0, 0 }, before[2] = { 0, 0 }, exp, w;
	int64_t from, end;
	struct finding *f;

	(void)dt;
	if (d->kind != DIALOG_CALL || d->answer_ns == 0)
		return;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!m->m->is_request || m->m->sdp == NULL ||
		    m->m->to_tag[0] == '\0')
			continue;
		if (hold == NULL && is_hold(m->m->sdp))
			hold = m;
		else if (hold != NULL && resume == NULL && is_resume(m->m->sdp))
			resume = m;
	}
	if (hold == NULL || resume == NULL)
		return;
	from = resume->ts_ns + 2 * DETECT_NS;
	end = d->end_ns > from ? d->end_ns : d->last_ns;
	if (end - from < 5 * DETECT_NS)
		return;
	w = (double)(end - from) / 1e9;
	for (int i = 0; i < d->nstreams; i++) {
		int dir = detect_stream_dir(d, d->streams[i]);

		if (dir == 0)
			continue;
		pk[dir > 0 ? 0 : 1] += detect_stream_packets_between(
		    d->streams[i], from, end);
		before[dir > 0 ? 0 : 1] += detect_stream_packets_between(
		    d->streams[i], d->answer_ns, hold->ts_ns);
	}
	exp = w * 50;
	{
		const struct sdp_media *am = detect_audio_media(resume->m->sdp);

		if (am != NULL && am->ptime_ms >= 5 && am->ptime_ms <= 200)
			exp = w * 1000.0 / am->ptime_ms;
	}
	for (int k = 0; k < 2; k++) {
		if (pk[k] < 0.8 * exp || pk[1 - k] >= 0.05 * exp ||
		    before[1 - k] < 1)
			continue;
		f = detect_finding_add(fs, DET_MEDIA_LOST_AFTER_HOLD,
		    resume->ts_ns - hold->ts_ns > 30 * DETECT_NS ? 0.8 : 0.7,
		    explanation, rem, "after hold (%.0f s) and resume, RTP %s flows "
		    "but %s is silent", (double)(resume->ts_ns - hold->ts_ns) /
		    1e9, k == 0 ? "caller->callee" : "callee->caller",
		    k == 0 ? "callee->caller" : "caller->callee");
		detect_ev(f, hold, "hold offer", "%s", sdp_dir_name(
		    detect_audio_media(hold->m->sdp)->dir));
		detect_ev(f, resume, "resume offer", "sendrecv");
		detect_ev(f, NULL, "RTP after resume", "%.0f and %.0f packets, "
		    "%.0f expected each", pk[k], pk[1 - k], exp);
		detect_ev(f, NULL, "RTP before hold", "%.0f packets in the "
		    "silent direction", before[1 - k]);
		return;
	}
}
