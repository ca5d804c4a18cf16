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
 *
 * The "long silence" variant, with no hold offer: the same pinhole dies
 * when one direction goes quiet (silence suppression, a muted phone) for
 * longer than the media timeout while the call stays up.  Per direction,
 * the last packet L of its streams (or the last before it resumes on a
 * new port); flagged when, for a silence S > 120 s (conntrack stream
 * timeout, Juniper media pinhole; 300 s ZyXEL, ALG-REFERENCE.md section
 * 2), the other direction kept flowing over [L, L + S] at >= 50 % of its
 * expected rate, the dialog was not ended before L + S, no SDP restricted
 * audio (a negotiated hold is the case above), and the silent direction
 * never came back, or came back only on other ports (confidence 0.6,
 * 0.7 beyond 300 s).  Traffic that resumes on the same ports is left
 * alone: at the capture point it was not lost.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

#define SILENCE_MIN_NS (120 * DETECT_NS)
#define FLOWING_RATIO 0.5

static const char explanation[] =
    "While the call was on hold one direction carried no RTP, and the NAT "
    "or ALG media binding for it timed out (30-300 s depending on the "
    "box).  After the resume the packets coming back in hit a closed "
    "pinhole: audio returns in one direction only.";
static const char expl_silence[] =
    "One direction of the call went quiet (silence suppression or a muted "
    "phone) for longer than the NAT or ALG keeps an idle media binding "
    "(120 s Linux conntrack stream timeout and Juniper pinholes, 300 s "
    "ZyXEL) while the call stayed up and the other direction kept "
    "flowing.  That direction never came back, or came back on new "
    "ports: its binding was gone.";
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

/* Does any SDP of the dialog restrict audio (hold, one-way, port 0)? */
static bool
any_restricted(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sdp_media *m = detect_audio_media(d->msgs[i].m->sdp);

		if (m != NULL && (m->dir != SDP_SENDRECV || m->port == 0 ||
		    detect_ep_unspecified(&m->conn)))
			return true;
	}
	return false;
}

static bool
same_ports(const struct rtp_stream *a, const struct rtp_stream *b)
{
	return ep_eq(&a->src, &b->src) && ep_eq(&a->dst, &b->dst);
}

static double
expected_pps(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sdp_media *m = detect_audio_media(d->msgs[i].m->sdp);

		if (m != NULL && m->ptime_ms >= 5 && m->ptime_ms <= 200)
			return 1000.0 / m->ptime_ms;
	}
	return 50;
}

/*
 * The long-silence variant.  For each direction, each point L where all
 * of its streams have stopped (one's last packet, none running past it)
 * and the next traffic of that direction (a stream starting after L, on
 * other ports, or none before the end of the call).
 */
static void
long_silence(const struct dialog *d, struct findings *fs)
{
	int64_t end;
	double pps;

	/* Every finding below is about a stream: none, nothing to walk. */
	if (d->nstreams == 0 || any_restricted(d))
		return;
	end = d->end_ns > 0 ? d->end_ns : d->last_ns;
	pps = expected_pps(d);
	for (int k = 0; k < 2; k++) {
		int dir = k == 0 ? 1 : -1;

		for (int i = 0; i < d->nstreams; i++) {
			const struct rtp_stream *stop = d->streams[i];
			const struct rtp_stream *again = NULL;
			int64_t until, s_ns, last = stop->last_ns;
			double other = 0, want;
			bool running = false;
			int ps;
			const char *preset;
			struct finding *f;
			char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

			if (stop->packets == 0 || detect_stream_dir(d, stop) != dir)
				continue;
			for (int j = 0; j < d->nstreams; j++) {
				const struct rtp_stream *s = d->streams[j];

				if (j == i || s->packets == 0 ||
				    detect_stream_dir(d, s) != dir)
					continue;
				if (s->first_ns <= last && s->last_ns > last)
					running = true;
				else if (s->first_ns > last && (again == NULL ||
				    s->first_ns < again->first_ns))
					again = s;
			}
			if (running || (again != NULL && same_ports(again, stop)))
				continue;
			until = again != NULL ? again->first_ns : end;
			s_ns = until - last;
			if (s_ns <= SILENCE_MIN_NS)
				continue;
			for (int j = 0; j < d->nstreams; j++)
				if (detect_stream_dir(d, d->streams[j]) == -dir)
					other += detect_stream_packets_between(
					    d->streams[j], last, until);
			want = (double)s_ns / 1e9 * pps;
			if (other < FLOWING_RATIO * want)
				continue;
			preset = detect_media_preset(s_ns, &ps);
			f = detect_finding_add(fs, SYMPTOM_MEDIA_LOST_AFTER_HOLD,
			    ps >= 300 ? 0.7 : 0.6, expl_silence, rem,
			    "RTP %s stopped for %.0f s (beyond %s) while the "
			    "other direction kept flowing, and %s",
			    k == 0 ? "caller->callee" : "callee->caller",
			    (double)s_ns / 1e9, preset, again != NULL ?
			    "came back only on new ports" : "never came back");
			detect_ev_at(f, d->cap_idx, (uint64_t)stop->last_frame,
			    last, "last RTP packet", "%s -> %s, %lu packets",
			    ep_str(&stop->src, a, sizeof(a)),
			    ep_str(&stop->dst, b, sizeof(b)),
			    (unsigned long)stop->packets);
			detect_ev(f, NULL, "other direction", "%.0f packets "
			    "over the %.0f s silence, %.0f expected", other,
			    (double)s_ns / 1e9, want);
			if (again != NULL)
				detect_ev_at(f, d->cap_idx,
				    (uint64_t)again->first_frame,
				    again->first_ns, "RTP resumed on new ports",
				    "%s -> %s", ep_str(&again->src, a, sizeof(a)),
				    ep_str(&again->dst, b, sizeof(b)));
			else
				detect_ev(f, NULL, "call still up", "%.0f s "
				    "after the last packet of this direction%s",
				    (double)(end - last) / 1e9, d->end_ns > 0 ?
				    ", then ended" : " (no BYE seen)");
			return;
		}
	}
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
		    !detect_msg_to_tag(m))
			continue;
		if (hold == NULL && is_hold(m->m->sdp))
			hold = m;
		else if (hold != NULL && resume == NULL && is_resume(m->m->sdp))
			resume = m;
	}
	if (hold == NULL || resume == NULL) {
		long_silence(d, fs);
		return;
	}
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
		f = detect_finding_add(fs, SYMPTOM_MEDIA_LOST_AFTER_HOLD,
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
