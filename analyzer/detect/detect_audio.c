/*
 * detect_audio.c - one_way_audio and no_audio, and the media vantage
 * model behind them: per call, direction and segment, what the capture
 * shows of the audio.
 *
 * Each side's SDP (RFC 3264 offer/answer; RFC 8866 c=, m=) says where it
 * wants media.  Behind NAT without a working ALG (or with one that
 * rewrites wrongly) the address in c=/m= is not where the packets must
 * go, and the peer's RTP is lost (RFC 4961 symmetric RTP and RFC 7362
 * latching are the usual cures).
 *
 * Vantage.  Each stream is placed on a segment from the addresses on the
 * wire: inside the NAT when its source is private (a private source never
 * crosses a NAT) or its private destination is seen sending from that
 * address in this capture; outside (the router's WAN port, a server's or
 * a far end's link, which a capture cannot tell apart) otherwise.  On its
 * segment a stream is delivered when it goes where the receiver is seen
 * using there (the source of the receiver's own RTP on that segment, else
 * its SDP port at its SDP or signalling address, never a private address
 * on the public side; an SDP a proxy relayed is not the receiver's own;
 * where both sides signal from one public address, the NAT's, only that
 * address: two phones behind one NAT), and undeliverable otherwise, or
 * when a router on the way refused it with ICMP from start to end.  A
 * refusal from the destination itself (port unreachable) means the host
 * was reached: delivered, and shown, when the receiver is seen at that
 * address (signals or sends RTP from it); undeliverable when it is not
 * (another host answered).
 * detect_media_legs sums this per direction and segment, with "absent"
 * for a direction missing where the call's other media is seen and
 * "not_observable" where none is.
 *
 * Verdicts, over the answered part of the call (answer to BYE or the
 * last packet, narrowed to the span that carried RTP in either direction
 * when there was any, and cut at the first SDP that restricts audio:
 * sendonly/recvonly/inactive, c=0.0.0.0 or port 0, so negotiated one-way
 * calls such as the FreeSWITCH sip-rtp-* samples and holds stay silent):
 * a direction's count is its delivered audio packets (not comfort noise
 * or telephone events) on the receiver's side of the NAT (or the other
 * side when the capture shows no media there), its audio time that count
 * times its packet time as measured from the RTP timestamps (rtp.h), else
 * as the SDPs imply (a=ptime of the sender, of the receiver, 20 ms; G.723
 * 30 ms): a=ptime is only the receiver's wish and senders ignore it.
 *   one_way_audio: one direction carries >= MIN_LIVE_AUDIO_S of audio,
 *     the other less than 5 % of its audio time, over a window of
 *     >= 2 s.  This is NOT the catalogue's 5 s minimum
 *     (ALG-REFERENCE.md section 3): the real-kernel lab calls carry only
 *     3 s of audio, and 150 packets against none is no less clear.  A
 *     direction starting 1 s late in a 3 s call still carries ~66 % of
 *     the other's audio, far above 5 %;
 *   no_audio: both below 5 % of what their packet time implies over
 *     >= 2 s, where the capture can show each direction's media on the
 *     segment it is judged on (d->vis, detect_media_visibility: the
 *     call's own RTP there, else the pcapng's recorded capture filter;
 *     never other calls in the file); and, at any rate, an audio m= with a port
 *     below 1024 or no c= (Linux nf_nat_sip drops such a message).
 * Judged per segment when a direction cannot be observed on its
 * receiver's side (two phones behind one NAT, one direction phone to
 * phone: given the other's private address, it crosses neither point,
 * inside or outside): a segment that shows both directions (delivered, undeliverable
 * or absent) judges the pair alone, as a capture of that segment alone
 * would (judge_segment); the finding is reported once and names that
 * segment.  An inside and an outside capture merged then give the call
 * what each view gives alone, once.
 * Evidence: delivered audio packets per direction and the measured ptime
 * (the stream figures printed beside the finding), the silent direction's
 * announced address (private or not), where the live direction's RTP
 * really comes from when that is not the sender's c=, refused streams
 * and streams sent to addresses no SDP announced.
 *
 * Where no segment can show media, a private c= sent untranslated from a
 * public address against a public one is an advisory ("one-way audio
 * predicted from the SDP"), not a symptom.
 *
 * Limits: a segment is a side of one NAT; behind two NATs the inner one
 * is not told apart.  Visibility from a recorded filter is judged on the
 * negotiated ports (a NAT that renumbers a port is not modelled), per
 * interface of a pcapng (capture_frame.ifnum), on the interfaces that
 * carried the call's messages on that segment.  A merge that folds
 * several captures' interfaces into one (mergecap's default mode when
 * their link type, snap length and time precision agree) leaves one
 * description, the first file's, for every packet: the file says no
 * more than that.
 */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect_int.h"
#include "ingest/capfilter.h"
#include "ingest/capture.h"

#define MIN_WINDOW_NS (2 * DETECT_NS)
/* A stream is refused when ICMP destination unreachable errors came back
 * for it at least this often, from its start (the first within
 * REFUSED_EDGE_NS of its first packet) to its end (the last within
 * REFUSED_EDGE_NS of its last): a port that opened late, or closed at
 * hangup while the last packets were on the way, does not count. */
#define REFUSED_MIN_ICMP 2
#define REFUSED_EDGE_NS (2 * DETECT_NS)
/* The live direction must carry at least this much audio (50 packets of
 * 20 ms, 17 of 60 ms): packets times the measured packet time. */
#define MIN_LIVE_AUDIO_S 1.0
#define DEAD_RATIO 0.05

static const char expl_oneway[] =
    "Each side's SDP (c= address, m= port) says where it wants to receive "
    "RTP.  Behind NAT the phone's own SDP holds its private address; "
    "unless something translates it (an ALG, STUN on the phone, or a "
    "server that latches onto where media really comes from), the far "
    "end sends its audio to an address that does not route back, and only "
    "one direction is heard.  An ALG that rewrites c= but not the port, or "
    "closes its media pinhole, has the same effect.  Flagged when, over at "
    "least 2 s of the answered call, one direction delivers at least 1 s "
    "of audio and the other less than 5 % of that "
    "(packets times the packet time measured from the RTP timestamps); "
    "packets sent to an address the receiver does not use there (a "
    "private address on the public side) are not delivered.  The ALG "
    "catalogue asks for 5 s; 2 s is used so that calls with a few "
    "seconds of audio are judged too.";
static const char rem_oneway[] =
    "Turn the SIP ALG off and use one NAT traversal method end to end: "
    "symmetric RTP / comedia (media latching) on the server or SBC, STUN "
    "or a configured external address on the phone/PBX, or an SBC.  Keep "
    "the RTP port range forwarded (or pinholes open) where the PBX sits "
    "behind NAT, and set UDP timeouts of 150-300 s.  See --fix VENDOR.";
static const char expl_noaudio[] =
    "Neither direction carries media although both SDPs ask for it: both "
    "announced addresses are unreachable (private addresses on both sides "
    "of a NAT, or an ALG that rewrote them wrongly), the media was "
    "blocked by a firewall, or the SDP itself was dropped.  The Linux ALG "
    "drops any message whose audio m= port is below 1024 or that has no "
    "c= line.";
static const char rem_noaudio[] =
    "Check that the SDP addresses are public (or reachable) on each leg, "
    "disable the SIP ALG, open or forward the RTP port range, and let the "
    "server/SBC latch media (comedia).  See --fix VENDOR.";

struct dirinfo {
	double pkts, expected, ratio;
	double pps;
	const struct dmsg *rx_sdp;     /* the receiver's SDP */
	const struct dmsg *tx_sdp;     /* the sender's SDP */
};

static double
pps_for(const struct sdp_media *tx, const struct sdp_media *rx)
{
	int ptime = 0;

	if (tx != NULL && tx->ptime_ms > 0)
		ptime = tx->ptime_ms;
	else if (rx != NULL && rx->ptime_ms > 0)
		ptime = rx->ptime_ms;
	else if (tx != NULL && strcasecmp(tx->codec, "G723") == 0)
		ptime = 30;
	if (ptime < 5 || ptime > 200)
		ptime = 20;
	return 1000.0 / ptime;
}

static bool
usable(const struct sdp *s)
{
	const struct sdp_media *sm = detect_audio_media(s);

	return sm != NULL && sm->dir == SDP_SENDRECV && sm->port != 0 &&
	    sm->has_conn && !detect_ep_unspecified(&sm->conn);
}

#define MAX_INTERVALS 16

/*
 * Spans of [start, end) during which the latest SDP of each side asks for
 * media both ways (before a hold and after the resume).  Returns how many
 * were written to out.
 */
static int
open_intervals(const struct dialog *d, int64_t start, int64_t end,
    int64_t out[][2])
{
	bool cu = false, eu = false, was_open = false;
	int64_t from = 0;
	int n = 0;

	for (size_t i = 0; i <= d->nmsgs && n < MAX_INTERVALS; i++) {
		const struct dmsg *m = i < d->nmsgs ? &d->msgs[i] : NULL;
		int64_t t = m ? m->ts_ns : end;
		bool now_open;

		if (m != NULL && m->m->sdp == NULL)
			continue;
		if (m != NULL) {
			if (detect_from_caller(d, m))
				cu = usable(m->m->sdp);
			else
				eu = usable(m->m->sdp);
		}
		now_open = m != NULL && cu && eu;
		if (was_open && !now_open) {
			int64_t a = from > start ? from : start;
			int64_t b = t < end ? t : end;

			if (b > a) {
				out[n][0] = a;
				out[n][1] = b;
				n++;
			}
		}
		if (!was_open && now_open)
			from = t;
		was_open = now_open;
	}
	return n;
}

/* Time of the first SDP in the dialog that stops or restricts audio
 * (hold, sendonly, port 0 ...), 0 when none: media is judged before it. */
static int64_t
restricted(const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sdp *s = d->msgs[i].m->sdp;

		if (s == NULL)
			continue;
		for (int k = 0; k < s->nmedia; k++) {
			const struct sdp_media *sm = &s->media[k];

			if (!detect_media_is_audio(sm))
				continue;
			if (sm->dir != SDP_SENDRECV || sm->port == 0 ||
			    !sm->has_conn || detect_ep_unspecified(&sm->conn))
				return d->msgs[i].ts_ns > 0 ? d->msgs[i].ts_ns : 1;
		}
	}
	return 0;
}

static void
linux_drop_rule(const struct dialog *d, struct findings *fs)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct sdp *s = m->m->sdp;
		struct finding *f;

		if (s == NULL)
			continue;
		for (int k = 0; k < s->nmedia; k++) {
			const struct sdp_media *sm = &s->media[k];

			if (!detect_media_is_audio(sm) || sm->port == 0)
				continue;
			if (sm->port >= 1024 && sm->has_conn)
				continue;
			f = detect_finding_add(fs, SYMPTOM_NO_AUDIO, 0.4,
			    expl_noaudio, rem_noaudio,
			    "SDP that a Linux-style ALG drops: audio %s",
			    sm->has_conn ? "m= port below 1024" : "without c=");
			detect_ev(f, m, "m=", "audio %u %s", sm->port,
			    sm->proto);
			return;
		}
	}
}

/* True when s was refused from start to end (see REFUSED_MIN_ICMP). */
static bool
refused(const struct rtp_stream *s)
{
	return s->icmp_unreach >= REFUSED_MIN_ICMP &&
	    s->icmp_first_ns <= s->first_ns + REFUSED_EDGE_NS &&
	    s->icmp_last_ns >= s->last_ns - REFUSED_EDGE_NS;
}

/* Streams in d that ICMP destination unreachable errors refused. */
static void
refused_ev(const struct dialog *d, struct finding *f)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[NETADDR_STRLEN];

	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		if (!refused(s))
			continue;
		ep_ip_str(&s->icmp_from, c, sizeof(c));
		detect_ev_at(f, d->cap_idx, (uint64_t)s->icmp_first_frame,
		    s->icmp_first_ns, "RTP refused",
		    "%s -> %s: %lu packets, %lu ICMP destination unreachable "
		    "from %s%s", ep_str(&s->src, a, sizeof(a)),
		    ep_str(&s->dst, b, sizeof(b)), (unsigned long)s->packets,
		    (unsigned long)s->icmp_unreach, c,
		    ep_same_ip(&s->icmp_from, &s->dst) ?
		    " (the destination itself: nothing listens there; a "
		    "router's own public address when it does not loop "
		    "packets back)" : "");
	}
}

/* Streams in d that go to an address no SDP of the receiver announced. */
static void
unannounced_dst_ev(const struct dialog *d, struct finding *f)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];
		bool announced = false;

		for (size_t k = 0; k < d->nmsgs && !announced; k++) {
			const struct sdp *sd = d->msgs[k].m->sdp;

			for (int j = 0; sd != NULL && j < sd->nmedia; j++)
				if (ep_eq(&sd->media[j].conn, &s->dst))
					announced = true;
		}
		if (!announced)
			detect_ev_at(f, d->cap_idx, (uint64_t)s->first_frame,
			    s->first_ns, "RTP to unannounced address",
			    "%s -> %s, %lu packets",
			    ep_str(&s->src, a, sizeof(a)),
			    ep_str(&s->dst, b, sizeof(b)),
			    (unsigned long)s->packets);
	}
}

/* Where a live direction's RTP comes from vs the sender's SDP c=. */
static void
source_ev(const struct dialog *d, int dir, const struct sdp_media *tx,
    struct finding *f)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (tx == NULL)
		return;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		if (detect_stream_dir(d, s) != dir || s->packets == 0)
			continue;
		if (!ep_same_ip(&s->src, &tx->conn))
			detect_ev_at(f, d->cap_idx, (uint64_t)s->first_frame,
			    s->first_ns, "RTP source vs c=",
			    "RTP comes from %s, SDP announced %s",
			    ep_str(&s->src, a, sizeof(a)),
			    ep_str(&tx->conn, b, sizeof(b)));
		return;
	}
}

/* ---- vantage: segment and delivery of each stream ------------------ */

/* True when some message or stream of d was sent from e's address: the
 * host is seen on this capture's wire with that address as its own. */
static bool
source_seen(const struct dialog *d, const struct ep *e)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (ep_same_ip(&d->msgs[i].src, e))
			return true;
	for (int i = 0; i < d->nstreams; i++)
		if (d->streams[i]->packets > 0 &&
		    ep_same_ip(&d->streams[i]->src, e))
			return true;
	return false;
}

/*
 * The side of the NAT a packet from src to dst was captured on.  A
 * private source never leaves its own network through a NAT, so it was
 * seen inside; a private destination is inside only when that host is
 * seen sending from it here (on the public side it is an address the
 * packet can never reach).  Everything else is outside: the public side,
 * which a capture at the router's WAN port, at a server or at a far end
 * all see alike.
 */
static enum rtp_segment
seg_of(const struct dialog *d, const struct ep *src, const struct ep *dst)
{
	if (ep_is_private(src))
		return RTP_SEG_INSIDE;
	if (ep_is_private(dst) && source_seen(d, dst))
		return RTP_SEG_INSIDE;
	return RTP_SEG_OUTSIDE;
}

/* seg_of for message m of d, its addresses' privacy from its memo
 * (inlined: asked for every message by most of this file). */
static inline __attribute__((always_inline)) enum rtp_segment
msg_seg(const struct dialog *d, const struct dmsg *m)
{
	if (detect_src_private(m))
		return RTP_SEG_INSIDE;
	if (detect_dst_private(m) && source_seen(d, &m->dst))
		return RTP_SEG_INSIDE;
	return RTP_SEG_OUTSIDE;
}

/*
 * Delivery of stream s (direction dir) on its segment: to where its
 * receiver is seen using there, i.e. the source of the receiver's own RTP
 * on that segment; when the receiver sends none there, its SDP port at
 * its SDP address or at the address it signals from on that segment,
 * and never a private address on the public side.
 */
/*
 * True when m is a later copy of an earlier message of d (the same
 * request or response, relayed by a proxy seen in the same capture): its
 * SDP is what the relay passed on, not what the sender itself wrote.
 */
static bool
relayed_copy(const struct dialog *d, size_t idx)
{
	const struct sipmsg *m = d->msgs[idx].m;

	for (size_t i = 0; i < idx; i++) {
		const struct sipmsg *o = d->msgs[i].m;

		if (o->is_request == m->is_request && o->status == m->status &&
		    o->cseq == m->cseq && o->sdp != NULL &&
		    o->cseq_method != NULL && m->cseq_method != NULL &&
		    sip_method_same(d->msgs[i].cseq_code, o->cseq_method,
		    d->msgs[idx].cseq_code, m->cseq_method))
			return true;
	}
	return false;
}

/*
 * True when the receiver of stream s is seen at its destination address
 * in this capture: it signals from there, or sends RTP from there.
 */
static bool
receiver_at(const struct dialog *d, const struct rtp_stream *s)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if ((s->dir == 0 || detect_from_caller(d, &d->msgs[i]) ==
		    (s->dir < 0)) && ep_same_ip(&d->msgs[i].src, &s->dst))
			return true;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *r = d->streams[i];

		if (r->packets > 0 && (s->dir == 0 || r->dir == -s->dir) &&
		    ep_same_ip(&r->src, &s->dst))
			return true;
	}
	return false;
}

/*
 * True when both sides of d sit behind one NAT whose public address the
 * capture shows on seg (the outside): the caller's first request and the
 * callee's first response above 100 there (each side's own message, sent
 * before any proxy relays it) come from one public address.  Media
 * reaches either side there only at that address.
 */
static bool
one_nat_outside(const struct dialog *d, int seg)
{
	const struct ep *c = NULL, *e = NULL;

	if (seg != RTP_SEG_OUTSIDE)
		return false;
	for (size_t i = 0; i < d->nmsgs && (c == NULL || e == NULL); i++) {
		const struct dmsg *m = &d->msgs[i];
		bool caller = detect_from_caller(d, m);

		if ((int)msg_seg(d, m) != seg)
			continue;
		if (caller && c == NULL && m->m->is_request)
			c = &m->src;
		else if (!caller && e == NULL && !m->m->is_request &&
		    m->m->status > 100)
			e = &m->src;
	}
	return c != NULL && e != NULL && !ep_is_private(c) &&
	    ep_same_ip(c, e);
}

static enum rtp_state
stream_state(const struct dialog *d, const struct rtp_stream *s)
{
	bool rx_caller = s->dir < 0, have_rev = false, rx_behind = false;

	if (s->dir == 0)
		return RTP_STATE_UNKNOWN;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *r = d->streams[i];

		if (r->dir != -s->dir || r->segment != s->segment ||
		    rtp_stream_audio(r) == 0)
			continue;
		have_rev = true;
		if (ep_eq(&r->src, &s->dst))
			return RTP_STATE_DELIVERED;
	}
	if (have_rev)
		return RTP_STATE_UNDELIVERABLE;
	if (s->segment == RTP_SEG_OUTSIDE && ep_is_private(&s->dst))
		return RTP_STATE_UNDELIVERABLE;
	/* A receiver that signals from a private address on this segment
	 * sits behind its NAT: a public address in its SDP (the NAT's, put
	 * there by an ALG or by the phone itself) is not where it is seen
	 * here, and media sent to it turns at the NAT (hairpin) or dies
	 * there; only the receiver's own address or RTP source counts. */
	/* Likewise on the public side when both sides signal from one
	 * public address there (two phones behind one NAT): media sent out
	 * of it to another address reaches neither here; only that address
	 * (the receiver's own there) counts. */
	if (!ep_is_private(&s->dst))
		rx_behind = one_nat_outside(d, s->segment);
	if (!ep_is_private(&s->dst))
		for (size_t i = 0; i < d->nmsgs && !rx_behind; i++)
			rx_behind = detect_from_caller(d, &d->msgs[i]) ==
			    rx_caller && ep_is_private(&d->msgs[i].src) &&
			    msg_seg(d, &d->msgs[i]) ==
			    s->segment;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct sdp_media *sm;

		if (detect_from_caller(d, m) != rx_caller)
			continue;
		if (ep_same_ip(&m->src, &s->dst) &&
		    msg_seg(d, m) == s->segment) {
			/* signals from there: its SDP port decides */
			for (size_t k = 0; k < d->nmsgs; k++) {
				const struct dmsg *o = &d->msgs[k];

				if (o->m->sdp == NULL ||
				    detect_from_caller(d, o) != rx_caller)
					continue;
				sm = detect_audio_media(o->m->sdp);
				if (sm != NULL && sm->port == s->dst.port)
					return RTP_STATE_DELIVERED;
			}
		}
		if (m->m->sdp == NULL || relayed_copy(d, i) || rx_behind)
			continue;
		sm = detect_audio_media(m->m->sdp);
		if (sm != NULL && ep_eq(&sm->conn, &s->dst))
			return RTP_STATE_DELIVERED;
	}
	return RTP_STATE_UNDELIVERABLE;
}

void
detect_media_classify(const struct dialog *d)
{
	for (int i = 0; i < d->nstreams; i++) {
		struct rtp_stream *s = d->streams[i];

		s->dir = detect_stream_dir(d, s);
		s->segment = seg_of(d, &s->src, &s->dst);
	}
	/*
	 * ICMP refusals from start to end (refused) sent by a router on the
	 * way mean the packets never got there.  Sent by the destination
	 * itself (port unreachable), they reached that host: delivered, with
	 * the refusal shown as evidence (refused_ev), when the receiver is
	 * seen there (a server refusing a port it closed, overlap runs);
	 * undeliverable when it is not (a public address a phone behind a
	 * NAT wrote as its c= but does not use: another host answered).
	 */
	for (int i = 0; i < d->nstreams; i++) {
		struct rtp_stream *s = d->streams[i];

		s->state = stream_state(d, s);
		if (refused(s) && (!ep_same_ip(&s->icmp_from, &s->dst) ||
		    !receiver_at(d, s)))
			s->state = RTP_STATE_UNDELIVERABLE;
	}
}

/* ---- visibility: can this capture show the media? (issue 15.3) ----- */

/*
 * Where each side of d (0 the caller, 1 the callee) signals from on
 * segment seg, and the audio m= of its last SDP sent there (else
 * anywhere): one walk over the messages for both sides.  found[k] false
 * when side k sends nothing on seg (addr[k] then untouched).
 */
static void
sides_on_seg(const struct dialog *d, enum rtp_segment seg, bool found[2],
    struct ep addr[2], const struct sdp_media *sm[2])
{
	found[0] = found[1] = false;
	sm[0] = sm[1] = NULL;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		int k = !detect_from_caller(d, m);
		const struct sdp_media *x;

		x = m->m->sdp ? detect_audio_media(m->m->sdp) : NULL;
		if (msg_seg(d, m) != seg) {
			if (x != NULL && !found[k] && sm[k] == NULL)
				sm[k] = x;
			continue;
		}
		if (!found[k])
			addr[k] = m->src;
		found[k] = true;
		if (x != NULL)
			sm[k] = x;
	}
}

/* Appends the escaped-later raw text of a filter to why, quoted. */
static void
why_filter(char *why, size_t n, const char *what, const struct capture_iface *ifc,
    const char *tail)
{
	snprintf(why, n, "%s capture filter \"%s%s\"%s%s%s %s", what,
	    ifc->filter, ifc->filter_cut ? "..." : "",
	    ifc->name[0] ? " (interface " : "", ifc->name,
	    ifc->name[0] ? ")" : "", tail);
}

/*
 * One interface's recorded filter judged on a datagram each way between
 * ca and ea: folds its answer into *yes and *no and returns true, or
 * says why it cannot tell in why and returns false.
 */
static bool
iface_vis(const struct capture_iface *ifc, int idx, const struct ep *ca,
    const struct ep *ea, bool *yes, bool *no, char *why, size_t n)
{
	enum capfilter_verdict v1, v2;
	char num[16];

	if (ifc->filter_type < 0) {
		snprintf(num, sizeof(num), "%d", idx);
		snprintf(why, n, "no RTP of this call here, and interface %s "
		    "records no capture filter: media not observable",
		    ifc->name[0] ? ifc->name : num);
		return false;
	}
	if (ifc->filter_type != 0 || ifc->filter_cut) {
		snprintf(why, n, "no RTP of this call here, and the capture "
		    "filter is %s: media not observable", ifc->filter_cut ?
		    "longer than kept" : "not a libpcap expression");
		return false;
	}
	v1 = capfilter_udp(ifc->filter, strlen(ifc->filter), ca, ea);
	v2 = capfilter_udp(ifc->filter, strlen(ifc->filter), ea, ca);
	if (v1 == CAPFILTER_UNKNOWN || v2 == CAPFILTER_UNKNOWN) {
		why_filter(why, n, "no RTP of this call here; the", ifc,
		    "is not read far enough to tell: media not observable");
		return false;
	}
	*yes = *yes && v1 == CAPFILTER_YES && v2 == CAPFILTER_YES;
	*no = *no && v1 == CAPFILTER_NO && v2 == CAPFILTER_NO;
	if (*yes)
		why_filter(why, n, "the", ifc, "passes this call's RTP: "
		    "missing media was not sent here");
	else if (*no)
		why_filter(why, n, "the", ifc, "passes signalling only: "
		    "media not observable");
	return true;
}

/* True when a message of d goes directly between the addresses a and b
 * (either way): two hosts that signal each other on this path. */
static bool
talk_directly(const struct dialog *d, const struct ep *a, const struct ep *b)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct ep *s = &d->msgs[i].src, *t = &d->msgs[i].dst;

		if ((ep_same_ip(s, a) && ep_same_ip(t, b)) ||
		    (ep_same_ip(s, b) && ep_same_ip(t, a)))
			return true;
	}
	return false;
}

/*
 * True when the media of both sides (cm, em) is addressed behind the one
 * NAT that seg sees, and no message of d on seg goes directly between
 * those two media addresses: the signalling crosses this point towards a
 * host past the NAT, the media need not.  Inside: both sides signal from
 * private addresses and both SDPs name private ones.  Outside: both
 * signal from one public address, the NAT's (ca and ea), and each SDP
 * names a private address or that very address (an ALG's rewrite, or a
 * phone that wrote its public address itself): whatever was written,
 * media to either stays behind the NAT or turns at it (hairpin), and
 * none of it goes out of the NAT's public side.
 */
static bool
behind_one_nat(const struct dialog *d, enum rtp_segment seg,
    const struct ep *ca, const struct ep *ea, const struct sdp_media *cm,
    const struct sdp_media *em)
{
	if (seg == RTP_SEG_INSIDE ? !ep_is_private(ca) || !ep_is_private(ea) ||
	    !ep_is_private(&cm->conn) || !ep_is_private(&em->conn) :
	    !ep_same_ip(ca, ea) ||
	    !(ep_is_private(&cm->conn) || ep_same_ip(&cm->conn, ca)) ||
	    !(ep_is_private(&em->conn) || ep_same_ip(&em->conn, ca)))
		return false;
	return !talk_directly(d, &cm->conn, &em->conn);
}

/*
 * The recorded filters of the interfaces that carried d's messages on
 * seg, judged on a datagram each way between the two sides' signalling
 * addresses there, at their SDP ports.  Per interface, not per file: an
 * inside capture filtered one way and an outside one merged into one
 * pcapng (mergecap -I none), or a mirror port's interfaces, each say
 * only what their own segment shows.  A message whose interface is not
 * known (a frame of a pcapng whose block walk stopped) is judged on
 * every interface of its file, as a file with one interface is.
 */
#define NO_FILTER_WHY(cause) "no RTP or other media of this call here, " \
	"and no capture filter recorded (" cause "): media not observable"

static enum dialog_vis_state
filter_vis(const struct detect *dt, const struct dialog *d,
    enum rtp_segment seg, char *why, size_t n)
{
	struct ep ca, ea, addr[2];
	const struct sdp_media *cm, *em, *media[2];
	bool yes = true, no = true, seen_file = false, found[2];
	char a[NETADDR_STRLEN];

	memset(addr, 0, sizeof(addr));
	sides_on_seg(d, seg, found, addr, media);
	ca = addr[0];
	ea = addr[1];
	cm = media[0];
	em = media[1];
	if (!found[0] || !found[1] || cm == NULL || em == NULL) {
		snprintf(why, n, "no RTP of this call here, and no offer and "
		    "answer between hosts signalling here to judge a capture "
		    "filter on");
		return DIALOG_VIS_UNKNOWN;
	}
	/* Media anchored at a host that does not signal the call here (a
	 * B2BUA's or proxy's far end, a media server) need not cross this
	 * capture point at all: no filter can say it would be seen. */
	for (int k = 0; k < 2; k++) {
		const struct sdp_media *sm = k ? em : cm;
		const struct ep *sig = k ? &ea : &ca;

		if (seg == RTP_SEG_OUTSIDE && ep_is_private(&sm->conn))
			continue;       /* its NAT's address is where it is */
		if (!ep_same_ip(&sm->conn, sig)) {
			snprintf(why, n, "no RTP of this call here; its SDP "
			    "puts the %s's media at %s, not at the address it "
			    "signals from here: the media need not cross this "
			    "capture point", k ? "callee" : "caller",
			    ep_ip_str(&sm->conn, a, sizeof(a)));
			return DIALOG_VIS_UNKNOWN;
		}
	}
	ca.port = cm->port;
	ea.port = em->port;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct capture_info *ci;
		uint32_t c = d->msgs[i].cap_idx, ifn = d->msgs[i].ifnum;
		bool dup = false;

		if (msg_seg(d, &d->msgs[i]) != seg)
			continue;
		for (size_t k = 0; k < i && !dup; k++)
			dup = d->msgs[k].cap_idx == c &&
			    d->msgs[k].ifnum == ifn &&
			    msg_seg(d, &d->msgs[k]) == seg;
		if (dup)
			continue;
		seen_file = true;
		ci = c < CAP_FILES ? dt->caps[c] : NULL;
		if (ci == NULL || !ci->pcapng || (ifn == 0 &&
		    (!ci->ifaces_known || ci->nifaces == 0))) {
			/* Every dialog of a pcap file comes here: copied,
			 * not formatted. */
			text_copy_str(why, n, ci != NULL && ci->pcapng ?
			    NO_FILTER_WHY("pcapng interfaces not readable") :
			    NO_FILTER_WHY("a pcap file does not record one"));
			return DIALOG_VIS_UNKNOWN;
		}
		if (ifn > (uint32_t)ci->nifaces) {
			snprintf(why, n, "no RTP or other media of this call "
			    "here, and its interface (%lu) is not described "
			    "or not kept: media not observable",
			    (unsigned long)ifn - 1);
			return DIALOG_VIS_UNKNOWN;
		}
		for (int k = ifn ? (int)ifn - 1 : 0;
		    k < (ifn ? (int)ifn : ci->nifaces); k++)
			if (!iface_vis(&ci->ifaces[k], k, &ca, &ea, &yes, &no,
			    why, n))
				return DIALOG_VIS_UNKNOWN;
	}
	if (!seen_file) {
		snprintf(why, n, "no message of this call here");
		return DIALOG_VIS_UNKNOWN;
	}
	/* Both sides' media at one address: two hosts behind one NAT (or
	 * one host), whose media turns there and never crosses this
	 * capture point, whatever the filter passes. */
	if (yes && ep_same_ip(&cm->conn, &em->conn)) {
		snprintf(why, n, "no RTP of this call here; its SDPs put both "
		    "sides' media at %s (behind one NAT, or one host): the "
		    "media turns there and need not cross this capture point",
		    ep_ip_str(&cm->conn, a, sizeof(a)));
		return DIALOG_VIS_UNKNOWN;
	}
	/* Both sides' media at private addresses behind the one NAT this
	 * segment sees (inside: each at the private address it signals
	 * from; outside: both signalling from one public address), while
	 * their signalling goes through a host elsewhere (a proxy past the
	 * NAT): the media goes phone to phone behind the NAT and need not
	 * cross the point that carried the signalling.  Two hosts seen
	 * signalling each other directly here keep their media on that
	 * same path, and a missing stream there stays no_audio. */
	if (yes && behind_one_nat(d, seg, &ca, &ea, cm, em)) {
		char b[NETADDR_STRLEN];

		snprintf(why, n, "no RTP of this call here; its SDPs put both "
		    "sides' media behind one NAT (%s, %s), its signalling "
		    "goes past it: the media need not cross this point",
		    ep_ip_str(&cm->conn, a, sizeof(a)),
		    ep_ip_str(&em->conn, b, sizeof(b)));
		return DIALOG_VIS_UNKNOWN;
	}
	if (yes)
		return DIALOG_VIS_VISIBLE;
	if (no)
		return DIALOG_VIS_HIDDEN;
	snprintf(why, n, "no RTP of this call here, and the capture filters "
	    "pass it one way only: media not observable");
	return DIALOG_VIS_UNKNOWN;
}

void
detect_media_visibility(const struct detect *dt, struct dialog *d)
{
	bool seen[3] = { false, false, false };
	uint64_t pk[3] = { 0, 0, 0 };

	for (size_t i = 0; i < d->nmsgs; i++)
		seen[msg_seg(d, &d->msgs[i])] = true;
	for (int i = 0; i < d->nstreams; i++)
		if (d->streams[i]->packets > 0) {
			seen[d->streams[i]->segment] = true;
			pk[d->streams[i]->segment] += d->streams[i]->packets;
		}
	for (int seg = RTP_SEG_INSIDE; seg <= RTP_SEG_OUTSIDE; seg++) {
		struct dialog_vis *v = &d->vis[seg];

		if (!seen[seg])
			continue;
		if (pk[seg] > 0) {
			v->state = DIALOG_VIS_VISIBLE;
			snprintf(v->why, sizeof(v->why), "RTP of this call "
			    "crosses it (%llu packets)",
			    (unsigned long long)pk[seg]);
			continue;
		}
		v->state = (uint8_t)filter_vis(dt, d, (enum rtp_segment)seg,
		    v->why, sizeof(v->why));
	}
}

/* True when the capture can show d's media on seg (see d->vis). */
static bool
visible(const struct dialog *d, int seg)
{
	return seg > 0 && seg < 3 && d->vis[seg].state == DIALOG_VIS_VISIBLE;
}

/* True when the caller (or callee) side signals from a private address:
 * it sits inside a NAT, so its media arrives on the inside segment. */
static bool
receiver_inside(const struct dialog *d, bool caller)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (detect_from_caller(d, &d->msgs[i]) == caller &&
		    ep_is_private(&d->msgs[i].src))
			return true;
	return false;
}

static const char why_lan_dir[] = "no RTP of this direction here: both "
    "sides signal from behind the NAT and the receiver's SDP, as the "
    "sender got it, names a private address: this direction goes phone "
    "to phone behind the NAT and need not cross this point";

/*
 * True when direction dir (1: caller->callee) of d need not cross the
 * capture point of segment seg although other media of d does: both
 * sides sit behind the one NAT, the SDP the sender got from the receiver
 * on seg names a private address, and none of this direction's RTP is
 * on seg.  Two phones behind one NAT calling through a proxy past it,
 * one of which was given the other's private address: that direction
 * stays on their own network, whatever the other direction does (sent
 * to a public address, it crosses both points).
 *   Inside: both sides signal from private addresses, and no message
 *   goes directly between the sender's own (private) signalling address
 *   and that address (their signalling goes through a host past the
 *   NAT; two hosts signalling each other here keep their media on the
 *   same path).
 *   Outside: both sides signal from one public address here, the NAT's.
 *   The receiver's SDP naming that very address instead (an ALG's
 *   rewrite) does not count: media sent to the NAT's own address from
 *   behind it turns at the NAT or dies there, as the inside judges it
 *   (stream_state), and none of it is a phone-to-phone path.
 */
static bool
lan_direction(const struct dialog *d, int dir, int seg)
{
	const struct sdp_media *got = NULL;

	if (seg == RTP_SEG_INSIDE ? !receiver_inside(d, true) ||
	    !receiver_inside(d, false) : !one_nat_outside(d, seg))
		return false;
	for (int i = 0; i < d->nstreams; i++)
		if (d->streams[i]->dir == dir && d->streams[i]->packets > 0 &&
		    (int)d->streams[i]->segment == seg)
			return false;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct sdp_media *x = m->m->sdp ?
		    detect_audio_media(m->m->sdp) : NULL;

		if (x != NULL && detect_from_caller(d, m) == (dir < 0) &&
		    (seg == RTP_SEG_OUTSIDE || ep_is_private(&m->dst)) &&
		    (int)msg_seg(d, m) == seg)
			got = x;
	}
	if (got == NULL || !got->has_conn || !ep_is_private(&got->conn))
		return false;
	for (size_t i = 0; i < d->nmsgs && seg == RTP_SEG_INSIDE; i++)
		if (detect_from_caller(d, &d->msgs[i]) == (dir > 0) &&
		    ep_is_private(&d->msgs[i].src) &&
		    talk_directly(d, &d->msgs[i].src, &got->conn))
			return false;
	return true;
}

/*
 * A direction (dir) of d with no audio on segment seg: true when the
 * capture shows it missing there ("absent"), false when it cannot show
 * it ("not observable"; *lan when that is because the direction goes
 * phone to phone behind the NAT, lan_direction).  media_seg: some media
 * of d is on seg.
 */
static bool
quiet_leg_absent(const struct dialog *d, int dir, int seg, bool media_seg,
    bool *lan)
{
	*lan = false;
	if (seg != RTP_SEG_INSIDE && seg != RTP_SEG_OUTSIDE)
		return false;
	*lan = visible(d, seg) && lan_direction(d, dir, seg);
	if (*lan)
		return false;
	if (d->vis[seg].state != DIALOG_VIS_UNJUDGED)
		return visible(d, seg);
	return media_seg;
}

int
detect_media_legs(const struct dialog *d, struct detect_media_leg *out,
    int max)
{
	bool seen[3] = { false, false, false }, media[3] = { false };
	int n = 0;

	for (size_t i = 0; i < d->nmsgs; i++)
		seen[msg_seg(d, &d->msgs[i])] = true;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		if (s->segment == RTP_SEG_UNKNOWN || s->packets == 0)
			continue;
		seen[s->segment] = media[s->segment] = true;
	}
	for (int seg = RTP_SEG_INSIDE; seg <= RTP_SEG_OUTSIDE; seg++) {
		for (int dir = 1; dir >= -1 && seen[seg]; dir -= 2) {
			struct detect_media_leg *l;
			uint64_t ok = 0, bad = 0, best = 0;
			bool lan;

			if (n >= max)
				return n;
			l = &out[n++];
			memset(l, 0, sizeof(*l));
			l->dir = dir;
			l->segment = (enum rtp_segment)seg;
			for (int i = 0; i < d->nstreams; i++) {
				const struct rtp_stream *s = d->streams[i];

				uint64_t au = rtp_stream_audio(s);

				if (s->dir != dir || (int)s->segment != seg ||
				    au == 0)
					continue;
				if (s->state == RTP_STATE_DELIVERED)
					ok += au;
				else
					bad += au;
				if (au > best) {
					best = au;
					l->ptime_ms = rtp_stream_ptime_ms(s);
				}
			}
			l->packets = ok + bad;
			l->vis = d->vis[seg].state;
			l->why = d->vis[seg].why;
			if (ok + bad > 0)
				l->state = ok >= bad ? "delivered" :
				    "undeliverable";
			else if (quiet_leg_absent(d, dir, seg, media[seg],
			    &lan))
				l->state = "absent";
			else {
				l->state = "not_observable";
				if (lan) {
					l->vis = DIALOG_VIS_UNKNOWN;
					l->why = why_lan_dir;
				}
			}
		}
	}
	return n;
}

/* ---- advisory: predicted from the SDP (issues 15, 16) -------------- */

static const char expl_predicted[] =
    "This capture cannot show the call's media (a capture filter, or a "
    "capture point the media does not cross, such as a server's link when "
    "media flows between the phone and another host), so no media "
    "symptom is reported.  But one side's SDP, as it arrived on the "
    "public side, still announces its private address although it was "
    "sent from a public one: nothing on the way rewrote it, and the other "
    "side, at a public address, will send its RTP where it cannot arrive "
    "unless it latches onto the source of the media it receives.  A "
    "prediction, not an observation.";

/*
 * When no segment of d can show media: a side whose SDP arrived on the
 * public side with a private c= from a public source, against a public
 * c= of the other side, predicts that the other side's audio is lost.
 * An advisory; a symptom at lower confidence when the capture shows the
 * signalling failure the same untranslated answer causes (the 2xx
 * retransmitted, its ACK lost: ack_timeout_drop found before this).
 */
static void
predicted_oneway(const struct dialog *d, struct findings *fs)
{
	bool acklost = false;

	const struct dmsg *priv[2] = { NULL, NULL }, *pub[2] = { NULL, NULL };
	char a[NETADDR_STRLEN];
	struct finding *f;

	for (int seg = RTP_SEG_INSIDE; seg <= RTP_SEG_OUTSIDE; seg++)
		if (visible(d, seg))
			return;
	for (int i = 0; i < fs->n; i++)
		acklost = acklost ||
		    strcmp(fs->f[i].id, "ack_timeout_drop") == 0;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct sdp_media *sm = m->m->sdp ?
		    detect_audio_media(m->m->sdp) : NULL;
		int k;

		if (sm == NULL || !sm->has_conn || sm->port == 0 ||
		    detect_ep_unspecified(&sm->conn) ||
		    msg_seg(d, m) != RTP_SEG_OUTSIDE)
			continue;
		k = detect_from_caller(d, m) ? 0 : 1;
		if (ep_is_private(&sm->conn) && !ep_is_private(&m->src))
			priv[k] = priv[k] ? priv[k] : m;
		else if (!ep_is_private(&sm->conn))
			pub[k] = pub[k] ? pub[k] : m;
	}
	for (int k = 0; k < 2; k++) {
		const struct sdp_media *pm, *om;

		if (priv[k] == NULL || pub[1 - k] == NULL || pub[k] != NULL ||
		    priv[1 - k] != NULL)
			continue;
		pm = detect_audio_media(priv[k]->m->sdp);
		om = detect_audio_media(pub[1 - k]->m->sdp);
		/* The other side's media at the very public address the
		 * private side signals from: the NAT's own, so the other
		 * side is behind that NAT too and reaches the private
		 * address on their own network. */
		if (ep_same_ip(&om->conn, &priv[k]->src))
			continue;
		if (acklost)
			f = detect_finding_add(fs, SYMPTOM_ONE_WAY_AUDIO, 0.5,
			    expl_predicted, rem_oneway,
			    "one-way audio, with the lost ACK: the %s "
			    "announces private %s from public %s, the %s's "
			    "audio cannot reach it (media not observable "
			    "here; judged from the SDP and the signalling)",
			    k ? "callee" : "caller", pm->conn_text,
			    ep_ip_str(&priv[k]->src, a, sizeof(a)),
			    k ? "caller" : "callee");
		else
			f = detect_advisory_add(fs, SYMPTOM_ONE_WAY_AUDIO, 0.6,
			    expl_predicted, rem_oneway,
			    "one-way audio predicted from the SDP: the %s "
			    "announces private %s from public %s, the %s's "
			    "audio cannot reach it (media not observable "
			    "here)", k ? "callee" : "caller", pm->conn_text,
			    ep_ip_str(&priv[k]->src, a, sizeof(a)),
			    k ? "caller" : "callee");
		if (f == NULL)
			return;
		detect_ev(f, priv[k], "c= (private, untranslated)",
		    "%s:%u sent from %s", pm->conn_text, pm->port,
		    ep_ip_str(&priv[k]->src, a, sizeof(a)));
		detect_ev(f, pub[1 - k], "c= of the other side", "%s:%u",
		    om->conn_text, om->port);
		for (int seg = RTP_SEG_INSIDE; seg <= RTP_SEG_OUTSIDE; seg++)
			if (d->vis[seg].state != DIALOG_VIS_UNJUDGED)
				detect_ev(f, NULL, "media visibility", "%s: %s",
				    rtp_segment_name((enum rtp_segment)seg),
				    d->vis[seg].why);
		return;
	}
}

/* ---- the detector --------------------------------------------------- */

/* Packets per second a direction's ptime implies: the measured one,
 * else what the SDPs say (pps_for). */
static double
dir_pps(const struct dialog *d, int dir, const struct sdp_media *tx,
    const struct sdp_media *rx, int *ptime)
{
	uint64_t best = 0;

	*ptime = 0;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];
		int p = rtp_stream_ptime_ms(s);

		if (s->dir == dir && rtp_stream_audio(s) > best && p >= 5 &&
		    p <= 200) {
			best = rtp_stream_audio(s);
			*ptime = p;
		}
	}
	return *ptime ? 1000.0 / *ptime : pps_for(tx, rx);
}

/*
 * Evidence naming the segment a verdict was judged on (seg), with the
 * states of both directions on every segment of d: the receiver's side
 * could not observe one of them there.
 */
static void
segment_ev(const struct dialog *d, struct finding *f, enum rtp_segment seg)
{
	struct detect_media_leg legs[4];
	char line[192];
	size_t len = 0;
	int n = detect_media_legs(d, legs, 4);

	line[0] = '\0';
	for (int i = 0; i < n && len < sizeof(line); i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s %s %s",
		    i ? ", " : "", rtp_segment_name(legs[i].segment),
		    legs[i].dir > 0 ? "caller>callee" : "callee>caller",
		    legs[i].state);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	detect_ev(f, NULL, "judged on segment", "%s (media states: %s): a "
	    "direction is not observable on its receiver's side",
	    rtp_segment_name(seg), line);
}

/*
 * one_way_audio when one direction of di carries less than 5 % of the
 * other's audio time (packets times packet time, so a 60 ms sender
 * against a 20 ms one is compared fairly), while the other carries at
 * least MIN_LIVE_AUDIO_S of audio.  seg: the segment both were counted
 * on, NULL when each was counted on its receiver's side.  Returns true
 * when it reported one.
 */
static bool
one_dead(const struct dialog *d, struct findings *fs, struct dirinfo di[2],
    double w, const int ptime[2], const double und[2], const char *seg)
{
	char a[NETADDR_STRLEN];
	struct finding *f;

	for (int k = 0; k < 2; k++) {
		struct dirinfo *live = &di[k], *dead = &di[1 - k];
		const struct sdp_media *rxm, *txm;

		if (live->pkts / live->pps < MIN_LIVE_AUDIO_S ||
		    dead->pkts / dead->pps >= DEAD_RATIO * live->pkts / live->pps)
			continue;
		rxm = detect_audio_media(dead->rx_sdp->m->sdp);
		txm = detect_audio_media(live->tx_sdp->m->sdp);
		f = detect_finding_add(fs, SYMPTOM_ONE_WAY_AUDIO,
		    ep_is_private(&rxm->conn) &&
		    !ep_is_private(&dead->rx_sdp->src) ? 0.9 : 0.8,
		    expl_oneway, rem_oneway,
		    "one-way audio: %s -> %s delivered %.0f audio packets "
		    "(%.1f s of audio), the reverse %.0f (%.1f s) over %.1f s "
		    "(flagged below 5 %% of the other direction)%s%s%s",
		    k == 0 ? "caller" : "callee", k == 0 ? "callee" : "caller",
		    live->pkts, live->pkts / live->pps, dead->pkts,
		    dead->pkts / dead->pps, w, seg ? ", on the " : "",
		    seg ? seg : "", seg ? " segment" : "");
		if (f == NULL)
			return true;
		detect_ev(f, NULL, k == 0 ? "RTP caller->callee" :
		    "RTP callee->caller", "%.0f audio packets delivered, "
		    "ptime %d ms%s", live->pkts,
		    ptime[k] ? ptime[k] : (int)(1000 / live->pps + 0.5),
		    ptime[k] ? " (measured)" : " (from SDP)");
		if (und[1 - k] > 0)
			detect_ev(f, NULL, k == 0 ? "RTP callee->caller" :
			    "RTP caller->callee", "%.0f audio packets "
			    "delivered, %.0f sent to an address the receiver "
			    "does not use", dead->pkts, und[1 - k]);
		else
			detect_ev(f, NULL, k == 0 ? "RTP callee->caller" :
			    "RTP caller->callee", "%.0f audio packets "
			    "delivered", dead->pkts);
		detect_ev(f, dead->rx_sdp, "c= of the silent receiver",
		    "%s%s, signalling from %s", rxm->conn_text,
		    ep_is_private(&rxm->conn) ? " (private)" : "",
		    ep_str(&dead->rx_sdp->src, a, sizeof(a)));
		source_ev(d, k == 0 ? 1 : -1, txm, f);
		refused_ev(d, f);
		unannounced_dst_ev(d, f);
		return true;
	}
	return false;
}

/* no_audio over di (both directions below 5 %); seg as for one_dead. */
static void
report_noaudio(const struct dialog *d, struct findings *fs,
    const struct dirinfo di[2], double w, const double und[2],
    bool any_media, const struct dmsg *csdp, const struct dmsg *esdp,
    const char *seg)
{
	const struct sdp_media *cm = detect_audio_media(csdp->m->sdp);
	const struct sdp_media *em = detect_audio_media(esdp->m->sdp);
	struct finding *f;

	f = detect_finding_add(fs, SYMPTOM_NO_AUDIO, any_media ? 0.7 : 0.5,
	    expl_noaudio, rem_noaudio,
	    "no audio: %.0f and %.0f audio packets delivered where "
	    "%.0f and %.0f were expected over %.1f s%s%s%s", di[0].pkts,
	    di[1].pkts, di[0].expected, di[1].expected, w,
	    seg ? ", on the " : "", seg ? seg : "", seg ? " segment" : "");
	if (f == NULL)
		return;
	detect_ev(f, csdp, "caller c=", "%s:%u%s", cm->conn_text,
	    cm->port, ep_is_private(&cm->conn) ? " (private)" : "");
	detect_ev(f, esdp, "callee c=", "%s:%u%s", em->conn_text,
	    em->port, ep_is_private(&em->conn) ? " (private)" : "");
	if (und[0] + und[1] > 0)
		detect_ev(f, NULL, "RTP undeliverable",
		    "%.0f packets sent where the receiver does not "
		    "listen", und[0] + und[1]);
	for (int s = RTP_SEG_INSIDE; s <= RTP_SEG_OUTSIDE; s++)
		if (!any_media && visible(d, s))
			detect_ev(f, NULL, "media visibility", "%s: %s",
			    rtp_segment_name((enum rtp_segment)s),
			    d->vis[s].why);
	refused_ev(d, f);
	unannounced_dst_ev(d, f);
}

/* True when direction dir of d is observable on seg: audio of it is
 * there (delivered or not), or the capture shows it missing there. */
static bool
dir_observable(const struct dialog *d, int dir, int seg)
{
	bool media_seg = false, lan;

	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		if ((int)s->segment != seg || s->packets == 0)
			continue;
		media_seg = true;
		if (s->dir == dir && rtp_stream_audio(s) > 0)
			return true;
	}
	return quiet_leg_absent(d, dir, seg, media_seg, &lan);
}

/*
 * The pair judged on segment seg alone, as a capture of that segment
 * would judge it: only when the call was seen there and both directions
 * are observable there; each direction's count is what it delivers on
 * seg (seg_pk).  Used when a direction cannot be observed on its
 * receiver's side: two phones behind one NAT, one direction phone to
 * phone (never on a router leg), the other sent to a public address the
 * receiver wrote; the inside shows that one undeliverable, the outside
 * shows it leave the NAT towards the address its receiver announced, and
 * the reverse missing there.  The finding names the segment, once.
 * Returns true when a finding was reported.
 */
static bool
judge_segment(const struct dialog *d, struct findings *fs,
    const struct dirinfo di0[2], double w, const int ptime[2],
    double seg_pk[2][3], const double und[2], bool any_media,
    const struct dmsg *csdp, const struct dmsg *esdp, int seg)
{
	struct dirinfo di[2];
	const char *name = rtp_segment_name((enum rtp_segment)seg);
	int before = fs->n;
	bool seen = false;

	/* A segment the capture cannot show first: no walk for it. */
	if (!visible(d, seg))
		return false;
	for (size_t i = 0; i < d->nmsgs && !seen; i++)
		seen = (int)msg_seg(d, &d->msgs[i]) == seg;
	if (!seen || !dir_observable(d, 1, seg) ||
	    !dir_observable(d, -1, seg))
		return false;
	for (int k = 0; k < 2; k++) {
		di[k] = di0[k];
		di[k].pkts = seg_pk[k][seg];
		di[k].ratio = di[k].pkts / di[k].expected;
	}
	if (one_dead(d, fs, di, w, ptime, und, name)) {
		if (fs->n > before)
			segment_ev(d, &fs->f[fs->n - 1], (enum rtp_segment)seg);
		return true;
	}
	if (di[0].ratio < DEAD_RATIO && di[1].ratio < DEAD_RATIO) {
		report_noaudio(d, fs, di, w, und, any_media, csdp, esdp, name);
		if (fs->n > before)
			segment_ev(d, &fs->f[fs->n - 1], (enum rtp_segment)seg);
		return true;
	}
	return false;
}

void
detect_audio(struct detect *dt, const struct dialog *d, struct findings *fs)
{
	const struct dmsg *csdp, *esdp;
	int64_t hold, open[MAX_INTERVALS][2];
	int nopen;
	const struct sdp_media *cm, *em;
	struct dirinfo di[2];          /* 0: caller->callee, 1: reverse */
	int64_t start, end, first = 0, last = 0;
	double w, seg_pk[2][3], und[2];
	bool any_media = d->rtcp_packets > 0;
	bool vis_dir[2] = { false, false };
	int ptime[2];

	(void)dt;
	if (d->kind != DIALOG_CALL)
		return;
	detect_media_classify(d);
	linux_drop_rule(d, fs);
	if (d->answer_ns == 0)
		return;
	hold = restricted(d);
	/* The SDPs in force before any hold: the last of each side before it. */
	csdp = esdp = NULL;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (m->m->sdp == NULL || (hold != 0 && m->ts_ns >= hold))
			continue;
		if (detect_from_caller(d, m))
			csdp = m;
		else
			esdp = m;
	}
	cm = csdp ? detect_audio_media(csdp->m->sdp) : NULL;
	em = esdp ? detect_audio_media(esdp->m->sdp) : NULL;
	if (cm == NULL || em == NULL)
		return;
	predicted_oneway(d, fs);
	start = d->answer_ns;
	end = d->end_ns > start ? d->end_ns : d->last_ns;
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		if (s->packets == 0)
			continue;
		any_media = true;
		if (first == 0 || s->first_ns < first)
			first = s->first_ns;
		if (s->last_ns > last)
			last = s->last_ns;
	}
	/*
	 * The window is the part of the call that carried media at all
	 * (a player that sends 3 s of audio in a 30 s call is not one-way
	 * for the other 27 s), or the whole call when there was none.
	 */
	if (first != 0) {
		if (first > start)
			start = first;
		if (last < end)
			end = last;
	}
	nopen = open_intervals(d, start, end, open);
	w = 0;
	for (int k = 0; k < nopen; k++)
		w += (double)(open[k][1] - open[k][0]) / 1e9;
	if (w * 1e9 < (double)MIN_WINDOW_NS)
		return;
	memset(di, 0, sizeof(di));
	memset(seg_pk, 0, sizeof(seg_pk));
	und[0] = und[1] = 0;
	di[0].tx_sdp = csdp;
	di[0].rx_sdp = esdp;
	di[1].tx_sdp = esdp;
	di[1].rx_sdp = csdp;
	di[0].pps = dir_pps(d, 1, cm, em, &ptime[0]);
	di[1].pps = dir_pps(d, -1, em, cm, &ptime[1]);
	/*
	 * Audio packets (not comfort noise or events) of each direction in
	 * the window, per segment, delivered ones apart.  Packets cross the
	 * segments from the sender's side to the receiver's: what a
	 * direction delivers on the receiver's side of the NAT (or, when the
	 * capture shows no media of the call there, on the other side) is
	 * what reaches the receiver.
	 */
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];
		int k = s->dir > 0 ? 0 : 1;
		double p = 0;

		if (s->packets == 0)
			continue;
		if (s->dir == 0 || rtp_stream_audio(s) == 0)
			continue;
		/* Exact when a window holds the whole stream (so the figures
		 * quoted equal the stream's own), else from the rate strip. */
		for (int j = 0; j < nopen; j++) {
			if (open[j][0] <= s->first_ns &&
			    open[j][1] >= s->last_ns) {
				p += (double)s->packets;
				continue;
			}
			p += detect_stream_packets_between(s, open[j][0],
			    open[j][1]);
		}
		p = (double)(uint64_t)(p * (double)rtp_stream_audio(s) /
		    (double)s->packets + 0.5);
		if (s->state == RTP_STATE_DELIVERED)
			seg_pk[k][s->segment] += p;
		else
			und[k] += p;
	}
	for (int k = 0; k < 2; k++) {
		int g = RTP_SEG_INSIDE;

		/* The receiver's side, where it can change something: a
		 * segment visible, or packets counted apart on the two
		 * (neither: both give the same, and no walk is needed). */
		if (visible(d, RTP_SEG_INSIDE) ||
		    visible(d, RTP_SEG_OUTSIDE) ||
		    seg_pk[k][RTP_SEG_INSIDE] != seg_pk[k][RTP_SEG_OUTSIDE]) {
			g = receiver_inside(d, k == 1) ? RTP_SEG_INSIDE :
			    RTP_SEG_OUTSIDE;
			if (!visible(d, g))
				g = g == RTP_SEG_INSIDE ? RTP_SEG_OUTSIDE :
				    RTP_SEG_INSIDE;
		}
		vis_dir[k] = visible(d, g) &&
		    !lan_direction(d, k == 0 ? 1 : -1, g);
		di[k].pkts = seg_pk[k][g];
		di[k].expected = w * di[k].pps;
		di[k].ratio = di[k].pkts / di[k].expected;
	}
	/*
	 * One direction dead relative to the other, judged on the receiver's
	 * side of each direction (one_dead).  When a direction cannot be
	 * observed there, the pair is judged instead on a segment that shows
	 * both directions (judge_segment).
	 */
	if (one_dead(d, fs, di, w, ptime, und, NULL))
		return;
	if (vis_dir[0] && vis_dir[1]) {
		if (di[0].ratio < DEAD_RATIO && di[1].ratio < DEAD_RATIO)
			report_noaudio(d, fs, di, w, und, any_media, csdp, esdp,
			    NULL);
		return;
	}
	for (int seg = RTP_SEG_INSIDE; seg <= RTP_SEG_OUTSIDE; seg++)
		if (judge_segment(d, fs, di, w, ptime, seg_pk, und, any_media,
		    csdp, esdp, seg))
			return;
}
