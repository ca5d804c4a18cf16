/*
 * rtp.h - RTP and RTCP recognition and per-stream statistics.
 *
 * A stream is one SSRC on one (src, dst) flow.  Statistics follow RFC 3550:
 * extended highest sequence with wrap-around (A.1), expected and lost
 * (A.3; never negative: duplicates counted apart), duplicates and
 * out-of-order packets, interarrival jitter (A.8, in timestamp units and
 * reported in ms using the payload's clock rate, which follows the audio
 * payload type: see clock_pt), max inter-arrival gap,
 * and a packet-rate strip (CAP_RTP_RATE_SECONDS_STRIP slots) so a stream
 * that stops half way shows it.  A slot covers rate_bucket_sec seconds
 * (1 at first); when a stream outlives the strip, adjacent slots are merged
 * pairwise and the width doubles, so the strip always spans the whole
 * stream.  RTCP SR/RR/SDES/BYE packets (PT 200-204,
 * compound) are recognised and counted on the stream of their SSRC.
 *
 * Packetisation is measured, not taken from SDP (a=ptime is only the
 * receiver's wish, RFC 3264 section 5.1): between consecutive audio
 * packets (sequence step 1) the RTP timestamp step over the clock rate,
 * and the arrival gap, each kept in a histogram of whole milliseconds;
 * the medians are the stream's ptime and inter-arrival.  Within one SSRC
 * the payload types are told apart (RFC 3551, 3389, 4733): the audio
 * payload type (the first packet that is neither comfort noise, PT 13 or
 * 19, nor a telephone event), comfort noise, and telephone events (the
 * payload type rtp_stream_set_event_pt names from SDP's rtpmap, else a
 * dynamic type with a 4-byte payload, the RFC 4733 event record).  Only
 * audio packets count towards packetisation and audio_packets.
 */
#ifndef SIPALG_RTP_H
#define SIPALG_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/htab.h"
#include "base/netaddr.h"

/* Parsed fixed RTP header. */
struct rtp_hdr {
	uint8_t version, padding, extension, csrc_count, marker, pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t header_len;        /* fixed + CSRC + extension */
	size_t payload_len;       /* minus padding */
};

/*
 * Parses an RTP header; returns 0, or -1 when the bytes cannot be RTP
 * (version != 2, too short, CSRC/extension/padding beyond the data, a
 * padding count of 0, or marker set with payload type 72-79: the second
 * byte is then 200-207, an RTCP packet type, RFC 5761 section 4).
 * h is written only on success.
 *
 * The commonest header, version 2 with no padding, extension or CSRC and
 * not RTCP, is taken here, inline in the caller (one packet in, per RTP
 * packet of a capture); rtp_parse_rest() parses every other.
 */
int rtp_parse_rest(const uint8_t *p, size_t len, struct rtp_hdr *h);

static inline int
rtp_parse(const uint8_t *p, size_t len, struct rtp_hdr *h)
{
	if (len >= 12 && p[0] == 0x80 && (p[1] < 200 || p[1] > 207)) {
		h->version = 2;
		h->padding = h->extension = h->csrc_count = 0;
		h->marker = p[1] >> 7;
		h->pt = p[1] & 0x7f;
		h->seq = (uint16_t)(p[2] << 8 | p[3]);
		h->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		    (uint32_t)p[6] << 8 | p[7];
		h->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
		    (uint32_t)p[10] << 8 | p[11];
		h->header_len = 12;
		h->payload_len = len - 12;
		return 0;
	}
	return rtp_parse_rest(p, len, h);
}

/*
 * True when p is a plausible RTCP compound packet: every sub-packet has
 * version 2 and a type in 192-223, the first one a type in 200-207 (SR, RR,
 * SDES, BYE, APP, RTPFB, PSFB, XR) and an SSRC, padding only on the last,
 * SR/RR long enough for their report blocks, and the sub-packet lengths
 * ((length + 1) * 4 bytes each) add up to len exactly.  On true, *ssrc gets
 * the first sender SSRC and *first_pt the first packet type (either
 * pointer may be NULL).
 */
bool rtcp_looks_like(const uint8_t *p, size_t len, uint32_t *ssrc,
    uint8_t *first_pt);

/*
 * Heuristic for UDP flows no SDP announced: RTP header valid, payload type
 * a static audio/video type or dynamic 96-127, payload not empty.  Cheap:
 * no allocation, a few byte reads.  The port test (even destination port
 * >= 1024) and "not SIP" are the caller's; a SIP message cannot pass
 * anyway, as its first byte is ASCII and RTP version 2 needs 0x80-0xbf.
 * Stricter checks happen per flow (rtp_stream confirms after consecutive
 * packets with the same SSRC and increasing sequence).
 */
bool rtp_looks_like(const uint8_t *p, size_t len);

/* Milliseconds kept in the packetisation histograms (larger steps count
 * in the last slot, so the median of a stream with DTX gaps is still its
 * packet time). */
#define RTP_PTIME_SLOTS 256

/* Which side of a NAT a stream was seen on (set by the detectors). */
enum rtp_segment { RTP_SEG_UNKNOWN = 0, RTP_SEG_INSIDE, RTP_SEG_OUTSIDE };
/* Whether a stream went where its receiver is seen using (detectors). */
enum rtp_state { RTP_STATE_UNKNOWN = 0, RTP_STATE_DELIVERED,
	RTP_STATE_UNDELIVERABLE };

/* "inside", "outside"; NULL for RTP_SEG_UNKNOWN. */
const char *rtp_segment_name(enum rtp_segment seg);
/* "delivered", "undeliverable"; NULL for RTP_STATE_UNKNOWN. */
const char *rtp_state_name(enum rtp_state st);

/* Clock rate of a static payload type (RFC 3551), 0 when unknown. */
uint32_t rtp_static_clock(int pt);
/* Name of a static payload type ("PCMU"), NULL when unknown. */
const char *rtp_static_name(int pt);

struct rtp_stream {
	/*
	 * What rtp_stream_add touches for every packet comes first,
	 * together, and the tables it indexes after everything else: a
	 * media capture holds hundreds of streams at once and each packet
	 * goes to another one, so what a packet touches is mostly not in
	 * the CPU's cache, and each cache line it spans costs a miss.  The
	 * key (src, dst, ssrc) opens the record, so the stream table's
	 * lookup reads the lines the packet's accounting then uses; with
	 * the table's fields before it, the per-packet part fits in four
	 * lines (256 bytes) when the record is aligned on one.  Keep it so:
	 * a field added here pushes the last ones into a fifth.
	 *
	 * The table that holds the stream (analysis.c) keeps its chain link,
	 * the stream's owner and the announcement count it chose the owner
	 * at (with a flag: analysis.c, OWN_SEVERAL) here, as it reads them
	 * for every packet; nothing else uses them.
	 */
	struct hnode tab_node;
	void *tab_owner;
	uint64_t tab_seq;
	struct ep src, dst;
	uint32_t ssrc;
	uint32_t clock_rate;      /* of the audio payload type: see clock_pt */
	/* sequence tracking state (private to rtp.c) */
	uint32_t max_seq, cycles, received_in_seq, base_seq;
	uint32_t run_start;       /* private: see seen_bits */
	uint32_t last_transit;    /* private to rtp.c */
	int64_t last_ns;
	int64_t max_gap_ns;       /* largest inter-arrival gap */
	uint64_t packets, bytes;  /* RTP packets and payload bytes */
	int64_t last_frame;
	uint64_t lost;            /* expected - received, clamped at 0 */
	uint64_t lost_prior;      /* private: lost in epochs before a restart */
	int64_t first_ns;
	double jitter;            /* RFC 3550 A.8, in timestamp units */
	uint64_t audio_packets;
	int64_t last_audio_ns;
	/*
	 * What the last packet computed, for the next one of the same
	 * second or timestamp step (private to rtp.c): the start of its
	 * capture second and its rate[] slot; the RTP timestamp step and
	 * the clock it was divided by (the slot it gave is hist_slot[0]);
	 * when gap_cached, the arrival gaps from gap_lo_ns on, for one
	 * millisecond, round to the slot of the last (hist_slot[1]).
	 */
	int64_t sec_start_ns;
	uint32_t rate_slot;
	uint32_t gap_lo_ns;
	bool gap_cached;
	/* Payload kinds within the SSRC and the measured packetisation. */
	int audio_pt;             /* -1 until an audio packet is seen */
	int event_pt;             /* telephone-event PT from SDP, -1 unknown */
	uint32_t last_audio_ts;
	uint32_t step_ticks, step_clock;
	uint32_t nsteps;          /* samples in both histograms */
	/*
	 * Private to rtp.c: samples of each packetisation histogram not yet
	 * added to ptime_hist, all of slot hist_slot[col] (a stream's step
	 * and gap rarely change, so the table is written when they do).
	 */
	uint32_t hist_pend[2];
	uint16_t hist_slot[2];
	uint16_t last_audio_seq;
	bool probation_done;      /* set by the first packet (no probation) */
	bool have_transit;        /* last_transit valid (reset on restart) */
	bool have_last_audio;
	bool sec_cached, step_cached;
	/*
	 * The payload type clock_rate is that of (RTP_PT_NONE before the
	 * first audio packet).  The clock follows the audio payload type
	 * (RFC 3550 5.1: the timestamp's clock is the payload format's):
	 * the SDP's clock for the type it named (rtp_stream_set_payload),
	 * the static table's for a static type, and for another dynamic
	 * type the clock already in use (its rtpmap is not known here).
	 * Comfort noise and telephone events keep the audio's clock.
	 */
	uint8_t clock_pt;

	/* Counted on some packets only. */
	uint64_t dup;             /* same sequence seen again */
	uint64_t ooo;             /* arrived after a higher sequence */
	uint64_t loss_runs;       /* forward sequence gaps (bursts of loss), for
	                           * the burst ratio (quality.h); late packets
	                           * filling a gap do not undo it */
	uint64_t cn_packets, event_packets;
	uint32_t bad_seq;         /* private to rtp.c: pending big jump */
	uint32_t rate_base_sec;   /* epoch second of rate[0] */
	/* Counted once a second of the stream. */
	uint32_t nrate;           /* slots filled (seconds when bucket is 1) */
	uint32_t rate_bucket_sec; /* seconds per rate[] slot: 1, 2, 4, ... */

	/* Per stream, not per packet. */
	int pt;                   /* payload type of the first packet */
	int sdp_pt;               /* type the SDP named, -1 none ... */
	uint32_t sdp_clock;       /* ... and its clock rate, 0 unknown */
	char codec[32];
	int64_t first_frame;
	uint64_t seq_jumps;       /* large sequence discontinuities (restarts) */
	uint64_t expected_prior;  /* expected in epochs before a restart */
	uint64_t rtcp_sr, rtcp_rr, rtcp_other;
	/*
	 * ICMP destination unreachable errors quoting this flow (the
	 * receiver's host or the router refused it; see rtp_stream_refused).
	 */
	uint32_t icmp_unreach;
	int64_t icmp_first_ns, icmp_first_frame, icmp_last_ns;
	struct ep icmp_from;      /* who sent the first one */
	/*
	 * Set by the detectors once the call is judged (detect_audio):
	 * direction in the call (1 caller->callee, -1 callee->caller, 0
	 * unknown), the segment the capture saw it on and whether it went
	 * where the receiver is seen using there.
	 */
	int dir;
	enum rtp_segment segment;
	enum rtp_state state;

	/*
	 * The tables: rate[] gets a count per packet; the histograms are
	 * written when a step or gap changes, seen_bits after a gap or for
	 * a late packet (below).  The two packetisation
	 * histograms are interleaved, [ms][0] the RTP timestamp step and
	 * [ms][1] the arrival gap.
	 *
	 * seen_bits: recent extended sequence numbers, for duplicates, bit
	 * ext % 1024 for ext in (highest - 1024, highest]; those of the run
	 * of consecutive packets ending at the highest, [run_start,
	 * highest], are set only when a gap ends the run, so a packet in
	 * order does not write here.
	 */
	uint8_t seen_bits[128];
	uint16_t ptime_hist[RTP_PTIME_SLOTS][2];
	uint32_t hist_total[2];   /* private: the sum of each column */
	/*
	 * Packets per slot; slot i covers seconds [i * rate_bucket_sec,
	 * (i + 1) * rate_bucket_sec) after rate_base_sec.  Counts saturate
	 * at 65535.  Divide by rate_bucket_sec for packets per second.
	 */
	uint16_t rate[CAP_RTP_RATE_SECONDS_STRIP];
};

/*
 * Records an ICMP destination unreachable quoting one of s's packets,
 * sent by from at ts_ns in frame.  Bounded: the count saturates.
 */
void rtp_stream_refused(struct rtp_stream *s, const struct ep *from,
    int64_t ts_ns, int64_t frame);

/* clock_pt before an audio packet. */
#define RTP_PT_NONE 0xff

/* Starts a stream for this flow and SSRC. */
void rtp_stream_init(struct rtp_stream *s, const struct ep *src,
    const struct ep *dst, uint32_t ssrc);

/*
 * Accounts one RTP packet (already parsed into h) arriving at ts_ns.
 * Returns 0, or -1 when h->ssrc differs from the stream's.
 */
int rtp_stream_add(struct rtp_stream *s, const struct rtp_hdr *h,
    int64_t ts_ns, uint64_t frame);

/*
 * Names the telephone-event payload type the SDP announced for this
 * stream (RFC 4733 rtpmap "telephone-event"); 0 or -1: none known.
 */
void rtp_stream_set_event_pt(struct rtp_stream *s, int pt);

/*
 * Names the payload type the SDP negotiated for this stream (the first
 * of its m= line) and that type's clock rate (a=rtpmap, else the static
 * table; 0 unknown).  Before the first packet: clock_rate becomes clock
 * and follows the packets' payload type from then on (see clock_pt).
 * A clock_rate set directly instead is taken for the first audio type's.
 */
void rtp_stream_set_payload(struct rtp_stream *s, int pt, uint32_t clock);

/* Accounts one RTCP packet for this stream. */
void rtp_stream_add_rtcp(struct rtp_stream *s, uint8_t first_pt);

/*
 * Jitter in milliseconds, and expected packet count (A.3; summed over the
 * epochs a sequence restart separates).
 */
double rtp_stream_jitter_ms(const struct rtp_stream *s);
uint64_t rtp_stream_expected(const struct rtp_stream *s);
/* Mean packets per second between first and last packet:
 * (packets - 1) / (last - first); 0 with fewer than 2 packets or no
 * elapsed time. */
double rtp_stream_pps(const struct rtp_stream *s);

/*
 * Measured packetisation: the median RTP timestamp step of consecutive
 * audio packets in ms (the stream's ptime), and the median arrival gap
 * between them in ms.  0 when fewer than 2 consecutive audio packets
 * were seen.
 */
int rtp_stream_ptime_ms(const struct rtp_stream *s);
int rtp_stream_gap_ms(const struct rtp_stream *s);

/*
 * For a stream read back from a store, which keeps the two medians and
 * not the histograms: afterwards rtp_stream_ptime_ms and
 * rtp_stream_gap_ms return ptime_ms and gap_ms (0 or out of range:
 * not measured).
 */
void rtp_stream_restore_ptime(struct rtp_stream *s, int ptime_ms,
    int gap_ms);

/* Audio packets of s; all its packets for a stream that has no payload
 * kinds recorded (read from a store written before they were). */
uint64_t rtp_stream_audio(const struct rtp_stream *s);

#endif /* SIPALG_RTP_H */
