/*
 * view_media.c - a call's media in words and spans, for every screen
 * and page (view.h): which way each RTP stream runs, the packets each
 * way ("rtp caller>callee 0, callee>caller 150": a packet seen on both
 * segments of the NAT once), the media legs per
 * direction and segment with their state (issue 15: delivered,
 * undeliverable, absent, not observable; detect_media_legs), and the
 * intervals a call was on hold.
 *
 * Direction: the detector's (detect_stream_dir: each side's SDP
 * endpoints first, then the addresses each side signals from), so the
 * packets each way on a call's line equal the streams and findings
 * printed beside it, also where both phones sit behind one NAT and a
 * stream neither leaves nor reaches an address the caller itself uses.
 * The report writers (output/report.c) and the browser both ask here, so
 * a figure printed in a text report and on the screen name the same way.
 *
 * Hold: the spans, after media first flowed both ways by the SDP (each
 * side's latest SDP asks for audio sendrecv on a real address and port),
 * during which one side's latest SDP stops or restricts it (sendonly,
 * recvonly, inactive, port 0, c=0.0.0.0; RFC 3264 8.4), up to the SDP
 * that resumes it or the dialog's end.  The same reading of the SDP as
 * detect_audio.c's open intervals, which judge media only outside them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect.h"
#include "present/view_int.h"

int
view_stream_dir(const struct dialog *d, const struct rtp_stream *s)
{
	return detect_stream_dir(d, s);
}

/*
 * True when a and b can be the same packets seen on the two segments:
 * one stream inside and one outside the NAT, the same SSRC (a NAT or an
 * ALG rewrites addresses and ports, never the RTP header) and spans of
 * capture time (first to last packet) that overlap.  A stream that moved
 * (a re-INVITE's new address, which may put it on the other segment by
 * address privacy, detect_audio.c) carries on after the old one stopped,
 * and different SSRCs are different packets.  Spans of time and counts,
 * not sequence numbers: a stream read back from a store keeps its span
 * and expected count but not its sequence range, and the browser must
 * count as the report did.
 */
static bool
same_packets(const struct rtp_stream *a, const struct rtp_stream *b)
{
	return ((a->segment == RTP_SEG_INSIDE &&
	    b->segment == RTP_SEG_OUTSIDE) ||
	    (a->segment == RTP_SEG_OUTSIDE &&
	    b->segment == RTP_SEG_INSIDE)) &&
	    a->ssrc == b->ssrc && a->packets > 0 && b->packets > 0 &&
	    a->first_ns <= b->last_ns && b->first_ns <= a->last_ns;
}

/*
 * Each way, every packet once: a packet counts once for two sightings
 * only where it was seen on both segments of a call captured inside and
 * outside the NAT (the two views merged into one file, a mirror port).
 * Streams of one direction that same_packets links (directly or through
 * others: a re-INVITE inside while the NAT kept one mapping outside) are
 * one group; every other stream adds up (a new SSRC, a stream on one
 * segment only, a segment not judged: RTP_SEG_UNKNOWN, not a call).
 * A group counts the packets of both segments, but no more than the
 * sequence numbers the larger of the two segments' ranges holds (the
 * expected count, RFC 3550 A.3): copies take no new numbers, while a
 * packet one segment lost that the other saw fills its hole.  Never less
 * than the segment that saw the most.  The ranges are taken as nested
 * (both views cover the call); views that each saw only one end of the
 * stream undercount by the part the larger range misses.
 * A capture of one segment, or of one point where a call's streams fall
 * on both segments by their addresses at different times, counts every
 * stream.
 */
void
view_dir_packets(const struct dialog *d, uint64_t *fwd, uint64_t *rev)
{
	int n = d->nstreams < CAP_DIALOG_STREAMS ? d->nstreams :
	    CAP_DIALOG_STREAMS;
	int group[CAP_DIALOG_STREAMS], way[CAP_DIALOG_STREAMS];

	for (int i = 0; i < n; i++) {
		group[i] = i;
		way[i] = view_stream_dir(d, d->streams[i]) >= 0 ? 0 : 1;
	}
	/* Groups: each stream takes the lowest group of those it links. */
	for (bool moved = true; moved;) {
		moved = false;
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++)
				if (way[i] == way[j] && group[i] != group[j] &&
				    same_packets(d->streams[i], d->streams[j])) {
					int g = group[i] < group[j] ? group[i] :
					    group[j];

					group[i] = group[j] = g;
					moved = true;
				}
	}
	*fwd = *rev = 0;
	for (int g = 0; g < n; g++) {
		/* index: unknown, inside, outside */
		uint64_t pk[3] = { 0 }, exp[3] = { 0 }, sum, most, range;
		int w = -1;

		for (int i = 0; i < n; i++) {
			const struct rtp_stream *s = d->streams[i];
			int k = s->segment == RTP_SEG_INSIDE ? 1 :
			    s->segment == RTP_SEG_OUTSIDE ? 2 : 0;

			if (group[i] != g)
				continue;
			w = way[i];
			pk[k] += s->packets;
			exp[k] += rtp_stream_expected(s);
		}
		if (w < 0)
			continue;
		/* pk[0] only in a group of one (never linked). */
		sum = pk[0] + pk[1] + pk[2];
		if (pk[1] > 0 && pk[2] > 0) {
			most = pk[1] > pk[2] ? pk[1] : pk[2];
			range = exp[1] > exp[2] ? exp[1] : exp[2];
			sum = sum < range ? sum : range;
			sum = sum > most ? sum : most;
		}
		*(w == 0 ? fwd : rev) += sum;
	}
}

char *
view_rtp_dirs(const struct dialog *d, char *buf, size_t n)
{
	uint64_t fwd, rev;

	view_dir_packets(d, &fwd, &rev);
	snprintf(buf, n, "rtp caller>callee %" PRIu64 ", callee>caller %"
	    PRIu64, fwd, rev);
	return buf;
}

char *
view_media_legs(const struct dialog *d, char *buf, size_t n)
{
	struct detect_media_leg leg[4];
	int k;
	size_t o = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (d->kind != DIALOG_CALL || (k = detect_media_legs(d, leg, 4)) == 0)
		return buf;
	for (int i = 0; i < k && o < n; i++) {
		int w = snprintf(buf + o, n - o, "%s%s %s %s", i ? "; " : "",
		    leg[i].dir > 0 ? "caller>callee" : "callee>caller",
		    rtp_segment_name(leg[i].segment), leg[i].state);

		o += w > 0 ? (size_t)w : 0;
		if (o < n && leg[i].packets)
			o += (size_t)snprintf(buf + o, n - o, " %" PRIu64 " pkts",
			    leg[i].packets);
		if (o < n && leg[i].ptime_ms > 0)
			o += (size_t)snprintf(buf + o, n - o, " ptime %d ms",
			    leg[i].ptime_ms);
		/* no RTP there and media not visible: why (issue 15.3) */
		if (o < n && leg[i].packets == 0 &&
		    leg[i].vis != DIALOG_VIS_UNJUDGED &&
		    leg[i].vis != DIALOG_VIS_VISIBLE &&
		    (i == 0 || leg[i - 1].segment != leg[i].segment)) {
			size_t b = o;

			o += (size_t)snprintf(buf + o, n - o, " (%s)",
			    leg[i].why);
			/* a recorded filter's bytes: no control or non-ASCII
			 * byte reaches a screen through this line */
			for (size_t q = b; q < n && buf[q] != '\0'; q++)
				if ((unsigned char)buf[q] < 0x20 ||
				    (unsigned char)buf[q] >= 0x7f)
					buf[q] = '?';
		}
	}
	return buf;
}

/* The SDP asks for audio both ways on a real address and port. */
static bool
audio_open(const struct sdp *s)
{
	static const uint8_t zero[16];

	for (int i = 0; i < s->nmedia; i++) {
		const struct sdp_media *sm = &s->media[i];

		if (strcmp(sm->media, "audio") != 0)
			continue;
		return sm->dir == SDP_SENDRECV && sm->port != 0 &&
		    sm->has_conn && !(sm->conn.family != 0 &&
		    memcmp(sm->conn.ip, zero, sizeof(zero)) == 0);
	}
	return false;
}

int
view_hold_spans(const struct dialog *d, int64_t out[][2], int max)
{
	bool side_open[2] = { false, false }, was_open = false, opened = false;
	int64_t from = 0, end = d->last_ns;
	int n = 0;

	if (d->nmsgs == 0)
		return 0;
	for (size_t i = 0; i < d->nmsgs && n < max; i++) {
		const struct dmsg *m = &d->msgs[i];
		bool now;

		if (m->m == NULL || m->m->sdp == NULL)
			continue;
		side_open[ep_eq(&m->src, &d->msgs[0].src) ? 0 : 1] =
		    audio_open(m->m->sdp);
		now = side_open[0] && side_open[1];
		if (was_open && !now) {
			from = m->ts_ns;
		} else if (!was_open && now) {
			if (opened && m->ts_ns > from) {
				out[n][0] = from;
				out[n][1] = m->ts_ns;
				n++;
			}
			opened = true;
		}
		was_open = now;
	}
	if (opened && !was_open && n < max && end > from) {
		out[n][0] = from;
		out[n][1] = end;
		n++;
	}
	return n;
}

/* ---- a call seen as two dialogs -------------------------------------- */

enum rtp_segment
view_join_other(const struct dialog *d)
{
	if (d->join.id == 0)
		return RTP_SEG_UNKNOWN;
	return d->join.segment == RTP_SEG_INSIDE ? RTP_SEG_OUTSIDE :
	    RTP_SEG_INSIDE;
}

char *
view_join(const struct dialog *d, char *buf, size_t n)
{
	char cid[sizeof(d->join.call_id) * 4];

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (d->join.id == 0)
		return buf;
	text_escape(cid, sizeof(cid), d->join.call_id,
	    strnlen(d->join.call_id, sizeof(d->join.call_id)));
	snprintf(buf, n, "same call as %s (dialog %" PRIu64 ") on the %s "
	    "segment: Call-ID rewritten between the segments (SIP ALG)", cid,
	    d->join.id, rtp_segment_name(view_join_other(d)));
	return buf;
}
