/*
 * rtp.c - RTP and RTCP recognition and per-stream statistics (rtp.h).
 *
 * Recognition reads the RFC 3550 section 5.1 fixed header, the CSRC list,
 * the section 5.3.1 header extension and the padding count through a
 * struct cur, so a short or lying packet yields -1 and never a read past
 * the data.  RTCP (section 6) is told apart from RTP by the second byte:
 * RFC 5761 section 4 keeps RTP payload types 64-95 free because with the
 * marker bit they read as RTCP packet types 192-223.
 *
 * Statistics follow RFC 3550 appendix A: A.1 sequence tracking (extended
 * highest sequence with 16-bit wrap-around cycles, MAX_DROPOUT and
 * MAX_MISORDER, re-sync after two sequential packets following a big
 * jump), A.3 expected and lost, A.8 interarrival jitter.  Departures from
 * the RFC text, and why:
 *
 *  - No probation: the first packet already counts.  A capture often
 *    holds only a few packets of a stream, and dropping the first
 *    MIN_SEQUENTIAL would show loss that never happened.  Flows are
 *    confirmed as RTP by the caller before a stream is created.
 *  - Duplicates are told apart from late packets with a 1024-bit map of
 *    recent extended sequence numbers, so "lost" never goes negative
 *    because of duplicates; it is clamped at 0 anyway.
 *  - A late packet from before the first one seen (within MAX_MISORDER)
 *    moves the base back instead of making "received" exceed "expected".
 *  - A restart (big jump, then the next sequence) starts a new epoch:
 *    expected and lost of the old epoch are kept in expected_prior and
 *    lost_prior, the packet before the restart counts in the new epoch,
 *    and jitter keeps its value but restarts its transit reference (the
 *    RTP timestamp base usually changed too).
 *
 * Packetisation (rtp.h) is measured over consecutive audio packets only:
 * a sequence step of 1 within one payload type, so a DTX gap (timestamp
 * and arrival jump together) or a lost packet adds no sample; steps and
 * gaps of RTP_PTIME_SLOTS ms or more count in the last slot.  Comfort
 * noise (RFC 3389: PT 13; 19 as older gear uses it) and telephone events
 * (RFC 4733) keep the SSRC's sequence but are not audio.
 *
 * Limits: the stream is a fixed-size record (about 3 KB) and
 * rtp_stream_add is O(1) with no allocation: setting the bits of the run
 * a gap ends and clearing the duplicate map on a forward jump touch at
 * most 1024 bits each, and folding the rate strip at
 * most CAP_RTP_RATE_SECONDS_STRIP slots per doubling (a doubling happens
 * once per strip-length of stream time).  Rate slots saturate at 65535.
 */
#include <string.h>

#include "base/cursor.h"
#include "sip/rtp.h"

#define RTP_SEQ_MOD    (1u << 16)
#define MAX_DROPOUT    3000
#define MAX_MISORDER   100
#define MIN_SEQUENTIAL 2   /* restart needs this many sequential packets */
#define SEEN_BITS      (sizeof(((struct rtp_stream *)0)->seen_bits) * 8)

/*
 * The fast paths of rtp_stream_add (the next packet in order, its
 * payload kind, timestamp step, arrival gap and rate slot those of the
 * last packet) give what the general code gives.  Compiled with
 * RTP_REFERENCE, every packet takes the general code; test_rtp runs
 * that build (tests/unit/rtp_ref.c) beside this one on random streams
 * and compares the records after every packet.
 */
#ifdef RTP_REFERENCE
#define RTP_FAST 0
#else
#define RTP_FAST 1
#endif

/*
 * The extended sequence numbers of an epoch start at cycles = RTP_SEQ_MOD
 * rather than 0, so a late packet from before the first one seen (at most
 * MAX_MISORDER back, possibly across a wrap) still has a positive extended
 * number and can become the new base.
 */
#define EPOCH_CYCLES   RTP_SEQ_MOD

/*
 * RFC 3550 5.1:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers (CC)        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  defined by profile (X=1)     |   length (32-bit words)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     extension (length words)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   payload ...                 | padding ... (P=1) | pad count |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int
rtp_parse_rest(const uint8_t *p, size_t len, struct rtp_hdr *h)
{
	struct cur c;
	struct rtp_hdr r;
	const uint8_t *f;
	uint8_t b0, b1;
	size_t rest;

	/* the fixed 12 bytes in one take */
	cur_init(&c, p, len);
	f = cur_take(&c, 12);
	if (f == NULL)
		return -1;
	b0 = f[0];
	b1 = f[1];
	r.seq = (uint16_t)(f[2] << 8 | f[3]);
	r.ts = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 |
	    (uint32_t)f[6] << 8 | f[7];
	r.ssrc = (uint32_t)f[8] << 24 | (uint32_t)f[9] << 16 |
	    (uint32_t)f[10] << 8 | f[11];
	r.version = b0 >> 6;
	r.padding = (b0 >> 5) & 1;
	r.extension = (b0 >> 4) & 1;
	r.csrc_count = b0 & 0x0f;
	r.marker = b1 >> 7;
	r.pt = b1 & 0x7f;
	if (r.version != 2)
		return -1;
	if (b1 >= 200 && b1 <= 207)	/* RTCP SR..XR, RFC 5761 4 */
		return -1;
	if (!cur_skip(&c, (size_t)r.csrc_count * 4))
		return -1;
	if (r.extension) {
		uint16_t words;

		(void)cur_be16(&c);	/* profile-defined */
		words = cur_be16(&c);
		if (c.err || !cur_skip(&c, (size_t)words * 4))
			return -1;
	}
	r.header_len = c.off;
	rest = cur_left(&c);
	if (r.padding) {
		struct cur t = c;
		uint8_t pad;

		/* The count is the last byte and includes itself. */
		if (rest == 0 || !cur_skip(&t, rest - 1))
			return -1;
		pad = cur_u8(&t);
		if (t.err || pad == 0 || pad > rest)
			return -1;
		rest -= pad;
	}
	r.payload_len = rest;
	*h = r;
	return 0;
}

/*
 * RFC 3550 6.4.1 (SR), 6.4.2 (RR); every RTCP packet starts alike:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|   RC    |   PT=200..207 |  length (32-bit words - 1)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   SSRC of sender / first source               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | SR: sender info (20 bytes); then RC report blocks of 24 bytes |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A compound packet is such packets back to back; A.2 lists the checks.
 */
bool
rtcp_looks_like(const uint8_t *p, size_t len, uint32_t *ssrc,
    uint8_t *first_pt)
{
	struct cur c;
	uint32_t first_ssrc = 0;
	uint8_t fpt = 0;
	bool first = true;

	if (p == NULL || len < 8)
		return false;
	cur_init(&c, p, len);
	while (cur_left(&c) > 0) {
		uint8_t b0 = cur_u8(&c);
		uint8_t pt = cur_u8(&c);
		size_t bytes = ((size_t)cur_be16(&c) + 1) * 4;
		unsigned count = b0 & 0x1f;
		struct cur sub;

		if (c.err || (b0 >> 6) != 2 || pt < 192 || pt > 223)
			return false;
		/* bytes counts the 4 header bytes already read. */
		sub = cur_sub(&c, bytes - 4);
		if (sub.err)
			return false;
		if ((b0 & 0x20) && cur_left(&c) > 0)
			return false;	/* padding only on the last packet */
		if (pt == 200 && bytes < 28 + (size_t)count * 24)
			return false;
		if (pt == 201 && bytes < 8 + (size_t)count * 24)
			return false;
		if (first) {
			if (pt < 200 || pt > 207)
				return false;
			fpt = pt;
			first_ssrc = cur_be32(&sub);
			if (sub.err)
				return false;
			first = false;
		}
	}
	if (ssrc != NULL)
		*ssrc = first_ssrc;
	if (first_pt != NULL)
		*first_pt = fpt;
	return true;
}

/* RFC 3551 tables 4 and 5. */
static const struct {
	const char *name;
	uint32_t clock;
} rtp_static[35] = {
	[0] = { "PCMU", 8000 },
	[3] = { "GSM", 8000 },
	[4] = { "G723", 8000 },
	[5] = { "DVI4", 8000 },
	[6] = { "DVI4", 16000 },
	[7] = { "LPC", 8000 },
	[8] = { "PCMA", 8000 },
	[9] = { "G722", 8000 },	/* 16 kHz audio, 8 kHz clock (RFC 3551 4.5.2) */
	[10] = { "L16", 44100 },
	[11] = { "L16", 44100 },
	[12] = { "QCELP", 8000 },
	[13] = { "CN", 8000 },
	[14] = { "MPA", 90000 },
	[15] = { "G728", 8000 },
	[16] = { "DVI4", 11025 },
	[17] = { "DVI4", 22050 },
	[18] = { "G729", 8000 },
	[25] = { "CelB", 90000 },
	[26] = { "JPEG", 90000 },
	[28] = { "nv", 90000 },
	[31] = { "H261", 90000 },
	[32] = { "MPV", 90000 },
	[33] = { "MP2T", 90000 },
	[34] = { "H263", 90000 },
};

uint32_t
rtp_static_clock(int pt)
{
	if (pt < 0 || (size_t)pt >= sizeof(rtp_static) / sizeof(rtp_static[0]))
		return 0;
	return rtp_static[pt].clock;
}

const char *
rtp_static_name(int pt)
{
	if (pt < 0 || (size_t)pt >= sizeof(rtp_static) / sizeof(rtp_static[0]))
		return NULL;
	return rtp_static[pt].name;
}

bool
rtp_looks_like(const uint8_t *p, size_t len)
{
	struct rtp_hdr h;

	if (rtp_parse(p, len, &h) != 0 || h.payload_len == 0)
		return false;
	return rtp_static_clock(h.pt) != 0 || (h.pt >= 96 && h.pt <= 127);
}

void
rtp_stream_init(struct rtp_stream *s, const struct ep *src,
    const struct ep *dst, uint32_t ssrc)
{
	memset(s, 0, sizeof(*s));
	if (src != NULL)
		s->src = *src;
	if (dst != NULL)
		s->dst = *dst;
	s->ssrc = ssrc;
	s->pt = -1;
	s->rate_bucket_sec = 1;
	s->bad_seq = RTP_SEQ_MOD + 1;	/* no pending jump */
	s->audio_pt = -1;
	s->event_pt = -1;
	s->sdp_pt = -1;
	s->clock_pt = RTP_PT_NONE;
}

void
rtp_stream_set_payload(struct rtp_stream *s, int pt, uint32_t clock)
{
	s->sdp_pt = pt >= 0 && pt <= 127 ? pt : -1;
	s->sdp_clock = s->sdp_pt >= 0 ? clock : 0;
	if (clock != 0)
		s->clock_rate = clock;
}

void
rtp_stream_set_event_pt(struct rtp_stream *s, int pt)
{
	s->event_pt = pt > 0 && pt <= 127 ? pt : -1;
}

const char *
rtp_segment_name(enum rtp_segment seg)
{
	switch (seg) {
	case RTP_SEG_INSIDE:
		return "inside";
	case RTP_SEG_OUTSIDE:
		return "outside";
	default:
		return NULL;
	}
}

const char *
rtp_state_name(enum rtp_state st)
{
	switch (st) {
	case RTP_STATE_DELIVERED:
		return "delivered";
	case RTP_STATE_UNDELIVERABLE:
		return "undeliverable";
	default:
		return NULL;
	}
}

enum pt_kind { PT_AUDIO, PT_CN, PT_EVENT };

/* What a packet of payload type pt with len payload bytes carries. */
static enum pt_kind
pt_kind(const struct rtp_stream *s, int pt, size_t len)
{
	if (pt == 13 || pt == 19)
		return PT_CN;
	if (pt == s->event_pt)
		return PT_EVENT;
	if (pt == s->audio_pt)
		return PT_AUDIO;
	/* RFC 4733 2.3: an event record is 4 bytes; a dynamic type other
	 * than the audio one carrying exactly that is taken for events. */
	if (pt >= 96 && s->event_pt < 0 && len == 4)
		return PT_EVENT;
	return PT_AUDIO;
}

/*
 * An audio packet h of another payload type than the clock's (clock_pt):
 * the clock becomes that of its type when known (see clock_pt); jitter
 * is rescaled to the new clock's units and its transit reference, like
 * the packetisation's last packet, starts again (timestamps of two
 * clocks do not subtract).  Kept out of line: it runs once per codec
 * change, and inlined into audio_add it cost every packet 4
 * instructions (callgrind).
 */
static __attribute__((noinline)) void
clock_follow(struct rtp_stream *s, const struct rtp_hdr *h)
{
	uint32_t c;

	if (h->pt == s->sdp_pt && s->sdp_clock != 0)
		c = s->sdp_clock;
	else if (s->clock_pt == RTP_PT_NONE && s->sdp_pt < 0)
		c = s->clock_rate;	/* set directly: the first type's */
	else
		c = rtp_static_clock(h->pt);
	s->clock_pt = h->pt;
	if (c == 0 || c == s->clock_rate)
		return;
	if (s->clock_rate != 0)
		s->jitter = s->jitter * c / s->clock_rate;
	s->clock_rate = c;
	s->have_transit = false;
	s->have_last_audio = false;
}

/* Histogram column col of s (0: timestamp step, 1: arrival gap). */
enum { HIST_STEP, HIST_GAP };

/* Slot i of column col with the pending samples, saturated as the
 * table's slots are. */
static uint32_t
hist_count(const struct rtp_stream *s, size_t i, int col)
{
	uint32_t v = s->ptime_hist[i][col];

	if (i == s->hist_slot[col])
		v += s->hist_pend[col];
	return v > UINT16_MAX ? UINT16_MAX : v;
}

/* Adds the pending samples of column col to the table. */
static void
hist_flush(struct rtp_stream *s, int col)
{
	size_t i = s->hist_slot[col];

	uint16_t v;

	if (s->hist_pend[col] == 0)
		return;
	v = (uint16_t)hist_count(s, i, col);
	s->hist_total[col] += v - s->ptime_hist[i][col];
	s->ptime_hist[i][col] = v;
	s->hist_pend[col] = 0;
}

/*
 * One sample of ms in column col: counted as pending while the slot is
 * that of the samples pending, the table written when it changes (the
 * table then holds what counting each sample into it gives).
 */
static __attribute__((noinline)) void
hist_add(struct rtp_stream *s, int col, int64_t ms)
{
	uint16_t i = ms < 0 ? 0 : ms >= RTP_PTIME_SLOTS ? RTP_PTIME_SLOTS - 1 :
	    (uint16_t)ms;

	if (i != s->hist_slot[col]) {
		hist_flush(s, col);
		s->hist_slot[col] = i;
	}
	if (s->hist_pend[col] < UINT16_MAX)
		s->hist_pend[col]++;
}

/* Median slot of histogram column col; 0 when empty. */
static int
hist_median(const struct rtp_stream *s, int col)
{
	size_t at = s->hist_slot[col];
	uint64_t n = 0, acc = 0, extra;

	/* The column's sum, kept as it is written (the reference build
	 * adds the slots up). */
	if (RTP_FAST) {
		n = s->hist_total[col];
	} else {
		for (size_t i = 0; i < RTP_PTIME_SLOTS; i++)
			n += s->ptime_hist[i][col];
	}
	extra = hist_count(s, at, col) - s->ptime_hist[at][col];
	n += extra;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < RTP_PTIME_SLOTS; i++) {
		acc += s->ptime_hist[i][col] + (i == at ? extra : 0);
		if (acc * 2 >= n)
			return (int)i;
	}
	return RTP_PTIME_SLOTS - 1;
}

/*
 * The payload kind of an RTP packet h that audio_add's test does not
 * take: comfort noise and telephone events counted, false; for audio,
 * the clock follows its type (clock_follow) and the first audio type is
 * noted, true.
 */
static __attribute__((noinline)) bool
audio_kind(struct rtp_stream *s, const struct rtp_hdr *h)
{
	enum pt_kind k = pt_kind(s, h->pt, h->payload_len);

	if (k == PT_CN) {
		s->cn_packets++;
		return false;
	}
	if (k == PT_EVENT) {
		s->event_packets++;
		return false;
	}
	if (h->pt != s->clock_pt)
		clock_follow(s, h);
	if (s->audio_pt < 0)
		s->audio_pt = h->pt;
	return true;
}

/*
 * An arrival gap sample of gap_ns, rounded to the nearest ms.  A
 * stream's gaps mostly round to the last one's slot: within that slot's
 * millisecond (gap_lo_ns on, kept for the slots 1 to RTP_PTIME_SLOTS - 2
 * that no clamp shares) it is counted as hist_add would, pending,
 * without the division.
 */
static void
gap_add(struct rtp_stream *s, int64_t gap_ns)
{
	int64_t ms;

	if (RTP_FAST && s->gap_cached &&
	    (uint64_t)gap_ns - s->gap_lo_ns < (uint64_t)(CAP_NS_PER_SEC / 1000)) {
		if (s->hist_pend[HIST_GAP] < UINT16_MAX)
			s->hist_pend[HIST_GAP]++;
		return;
	}
	ms = (gap_ns + CAP_NS_PER_SEC / 2000) / (CAP_NS_PER_SEC / 1000);
	hist_add(s, HIST_GAP, ms);
	s->gap_cached = ms >= 1 && ms < RTP_PTIME_SLOTS - 1;
	if (s->gap_cached)
		s->gap_lo_ns = (uint32_t)(ms * (CAP_NS_PER_SEC / 1000) -
		    CAP_NS_PER_SEC / 2000);
}

/* Accounts an audio packet's payload kind and packetisation sample. */
static void
audio_add(struct rtp_stream *s, const struct rtp_hdr *h, int64_t ts_ns)
{
	/*
	 * Most packets are of the audio payload type whose clock is in
	 * use: audio (pt_kind; the audio type is never comfort noise's),
	 * with no clock to follow.
	 */
	if ((!RTP_FAST || h->pt != s->audio_pt || h->pt != s->clock_pt ||
	    h->pt == s->event_pt) && !audio_kind(s, h))
		return;
	s->audio_packets++;
	if (s->have_last_audio &&
	    (uint16_t)(h->seq - s->last_audio_seq) == 1) {
		uint32_t clock = s->clock_rate ? s->clock_rate : 8000;
		uint32_t step = h->ts - s->last_audio_ts;

		/* Rounded to the nearest ms: 160 ticks at 8 kHz is 20.  The
		 * step rarely changes: the slot of the last one is that of
		 * the samples pending. */
		if (!RTP_FAST || !s->step_cached || step != s->step_ticks ||
		    clock != s->step_clock) {
			uint64_t ms = ((uint64_t)step * 1000 + clock / 2) /
			    clock;

			hist_add(s, HIST_STEP, ms >= RTP_PTIME_SLOTS ?
			    RTP_PTIME_SLOTS - 1 : (int64_t)ms);
			s->step_ticks = step;
			s->step_clock = clock;
			s->step_cached = true;
		} else if (s->hist_pend[HIST_STEP] < UINT16_MAX) {
			s->hist_pend[HIST_STEP]++;
		}
		gap_add(s, ts_ns - s->last_audio_ns);
		if (s->nsteps < UINT32_MAX)
			s->nsteps++;
	}
	s->have_last_audio = true;
	s->last_audio_seq = h->seq;
	s->last_audio_ts = h->ts;
	s->last_audio_ns = ts_ns;
}

int
rtp_stream_ptime_ms(const struct rtp_stream *s)
{
	return hist_median(s, HIST_STEP);
}

int
rtp_stream_gap_ms(const struct rtp_stream *s)
{
	return hist_median(s, HIST_GAP);
}

void
rtp_stream_restore_ptime(struct rtp_stream *s, int ptime_ms, int gap_ms)
{
	memset(s->ptime_hist, 0, sizeof(s->ptime_hist));
	s->hist_pend[HIST_STEP] = s->hist_pend[HIST_GAP] = 0;
	s->hist_total[HIST_STEP] = s->hist_total[HIST_GAP] = 0;
	s->step_cached = s->gap_cached = false;
	if (ptime_ms > 0 && ptime_ms < RTP_PTIME_SLOTS) {
		s->ptime_hist[ptime_ms][HIST_STEP] = 1;
		s->hist_total[HIST_STEP] = 1;
	}
	if (gap_ms > 0 && gap_ms < RTP_PTIME_SLOTS) {
		s->ptime_hist[gap_ms][HIST_GAP] = 1;
		s->hist_total[HIST_GAP] = 1;
	}
}

uint64_t
rtp_stream_audio(const struct rtp_stream *s)
{
	if (s->audio_packets == 0 && s->cn_packets == 0 &&
	    s->event_packets == 0)
		return s->packets;
	return s->audio_packets;
}

/*
 * Whether extended sequence ext, within SEEN_BITS of the highest, was
 * seen: in the current run of consecutive packets, or by its bit.
 */
static bool
seen_get(const struct rtp_stream *s, uint32_t ext)
{
	uint32_t i = ext % SEEN_BITS;

	if (ext >= s->run_start)
		return true;
	return (s->seen_bits[i >> 3] >> (i & 7)) & 1;
}

static void
seen_set(struct rtp_stream *s, uint32_t ext)
{
	uint32_t i = ext % SEEN_BITS;

	s->seen_bits[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Sets the bits of the run [run_start, highest] (highest is ext). */
static void
seen_end_run(struct rtp_stream *s, uint32_t ext)
{
	uint32_t i;

	if (ext - s->run_start >= SEEN_BITS) {
		memset(s->seen_bits, 0xff, sizeof(s->seen_bits));
		return;
	}
	for (i = s->run_start; i != ext + 1; i++)
		seen_set(s, i);
}

/* Forgets the bits of (from, to], which the window slides over. */
static void
seen_clear_range(struct rtp_stream *s, uint32_t from, uint32_t to)
{
	uint32_t i;

	if (to - from >= SEEN_BITS) {
		memset(s->seen_bits, 0, sizeof(s->seen_bits));
		return;
	}
	for (i = from + 1; i != to + 1; i++) {
		uint32_t b = i % SEEN_BITS;

		s->seen_bits[b >> 3] &= (uint8_t)~(1u << (b & 7));
	}
}

static uint64_t
epoch_expected(const struct rtp_stream *s)
{
	return (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
}

static void
update_lost(struct rtp_stream *s)
{
	uint64_t exp = epoch_expected(s);

	s->lost = s->lost_prior +
	    (exp > s->received_in_seq ? exp - s->received_in_seq : 0);
}

/* A.1 init_seq: a new epoch whose first packet is seq (already counted). */
static void
init_seq(struct rtp_stream *s, uint16_t seq)
{
	s->cycles = EPOCH_CYCLES;
	s->base_seq = EPOCH_CYCLES + seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;
	s->received_in_seq = 1;
	memset(s->seen_bits, 0, sizeof(s->seen_bits));
	s->run_start = s->base_seq;
}

enum seq_verdict { SEQ_NEW, SEQ_DUP, SEQ_STRAY };

/*
 * A.1 update_seq, without probation.  Returns SEQ_NEW for a packet that
 * counts as received (in order, late or restarting), SEQ_DUP for a
 * duplicate and SEQ_STRAY for the first packet after a big jump.
 */
static __attribute__((noinline)) enum seq_verdict
update_seq(struct rtp_stream *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - (uint16_t)s->max_seq);
	uint32_t max_ext = s->cycles + s->max_seq;

	if (udelta == 0)
		return SEQ_DUP;
	if (udelta < MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;
		s->max_seq = seq;
		if (udelta > 1) {
			/* A gap: the run ends, the packet starts the next. */
			seen_end_run(s, max_ext);
			seen_clear_range(s, max_ext, max_ext + udelta);
			s->run_start = max_ext + udelta;
			s->loss_runs++;
		}
		s->received_in_seq++;
		return SEQ_NEW;
	}
	if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* A very large jump: restart only if the next one follows. */
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
			return SEQ_STRAY;
		}
		s->lost_prior = s->lost;	/* includes the old lost_prior */
		s->expected_prior += epoch_expected(s);
		s->seq_jumps++;
		s->have_transit = false;
		/* The packet before, seq - 1, opens the new epoch. */
		init_seq(s, (uint16_t)(seq - 1));
		return update_seq(s, seq);
	}
	/* Behind the highest by less than MAX_MISORDER: late or duplicate. */
	{
		uint32_t ext = max_ext - (uint16_t)(RTP_SEQ_MOD - udelta);

		if (ext < s->base_seq) {
			/* From before the first packet seen: widen the epoch. */
			s->base_seq = ext;
		} else if (seen_get(s, ext)) {
			return SEQ_DUP;
		}
		seen_set(s, ext);	/* ext is before the run: a bit */
		s->ooo++;
		s->received_in_seq++;
		return SEQ_NEW;
	}
}

/* Whole seconds of ns, rounded towards minus infinity. */
static int64_t
floor_sec(int64_t ns)
{
	int64_t q = ns / CAP_NS_PER_SEC;

	return (ns % CAP_NS_PER_SEC < 0) ? q - 1 : q;
}

/* Halves the strip's resolution: slot i becomes slots 2i and 2i+1. */
static void
rate_fold(struct rtp_stream *s)
{
	uint32_t i, n = CAP_RTP_RATE_SECONDS_STRIP;

	for (i = 0; i < n / 2; i++) {
		uint32_t v = (uint32_t)s->rate[2 * i] + s->rate[2 * i + 1];

		s->rate[i] = v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
	}
	if (n % 2)
		s->rate[i++] = s->rate[n - 1];
	for (; i < n; i++)
		s->rate[i] = 0;
	s->nrate = (s->nrate + 1) / 2;
	s->rate_bucket_sec *= 2;
}

/*
 * The rate slot of a packet at ts_ns, in another second than the last
 * packet's: its seconds after the first packet's over the slot width,
 * the strip folded until it fits.  The slot and the start of its second
 * are kept for the packets of the same second (rate_add); false, and
 * nothing kept, when no slot can count it.  Out of line: it runs once a
 * second of a stream.
 */
static __attribute__((noinline)) bool
rate_second(struct rtp_stream *s, int64_t ts_ns)
{
	int64_t sec = floor_sec(ts_ns);
	int64_t rel = sec - floor_sec(s->first_ns);
	uint64_t slot;

	s->sec_cached = false;
	if (rel < 0)
		rel = 0;	/* capture clock stepped back: first slot */
	if (s->rate_bucket_sec == 0)
		s->rate_bucket_sec = 1;
	slot = (uint64_t)rel / s->rate_bucket_sec;
	while (slot >= CAP_RTP_RATE_SECONDS_STRIP) {
		if (s->rate_bucket_sec > UINT32_MAX / 2)
			return false;	/* beyond 2^31 s per slot: not a stream */
		rate_fold(s);
		slot = (uint64_t)rel / s->rate_bucket_sec;
	}
	if (slot + 1 > s->nrate)
		s->nrate = (uint32_t)slot + 1;
	s->rate_slot = (uint32_t)slot;
	s->sec_start_ns = sec * CAP_NS_PER_SEC;
	s->sec_cached = true;
	return true;
}

/*
 * Counts a packet in its rate slot: the last packet's while in its
 * second (the unsigned difference is below one second; only
 * rate_second folds the strip, so the slot still holds that second).
 */
static void
rate_add(struct rtp_stream *s, int64_t ts_ns)
{
	if ((RTP_FAST && s->sec_cached &&
	    (uint64_t)ts_ns - (uint64_t)s->sec_start_ns <
	    (uint64_t)CAP_NS_PER_SEC) || rate_second(s, ts_ns)) {
		if (s->rate[s->rate_slot] < UINT16_MAX)
			s->rate[s->rate_slot]++;
	}
}

/*
 * A.8: arrival time in timestamp units minus the RTP timestamp, both
 * modulo 2^32, so wrap of either cancels in the difference.  Arrival is
 * counted from the stream's first packet to keep the product small.
 */
static void
jitter_add(struct rtp_stream *s, uint32_t rtp_ts, int64_t ts_ns)
{
	uint32_t clock = s->clock_rate ? s->clock_rate : 8000;
	int64_t rel = ts_ns - s->first_ns;
	int64_t arrival;
	uint32_t transit;

	/*
	 * rel * clock / 10^9 in one step while the product fits (clocks up
	 * to 2^20 Hz, |rel| below 2^42 ns, 73 minutes): the same value as
	 * the split below, both rounding toward zero, with one division by
	 * a constant instead of two.
	 */
	if (clock <= (UINT32_C(1) << 20) &&
	    (uint64_t)rel + (UINT64_C(1) << 42) < (UINT64_C(1) << 43))
		arrival = rel * (int64_t)clock / CAP_NS_PER_SEC;
	else
		arrival = (rel / CAP_NS_PER_SEC) * clock +
		    (rel % CAP_NS_PER_SEC) * clock / CAP_NS_PER_SEC;
	transit = (uint32_t)arrival - rtp_ts;

	if (s->have_transit) {
		int32_t d = (int32_t)(transit - s->last_transit);
		double ad = d < 0 ? -(double)d : (double)d;

		s->jitter += (ad - s->jitter) / 16.0;
	}
	s->last_transit = transit;
	s->have_transit = true;
}

/*
 * The first packet h of s: what it starts (its sequence, time, payload
 * type and codec).  Out of line, as the other cases rtp_stream_add meets
 * seldom: the common path keeps fewer registers to save.
 */
static __attribute__((noinline)) void
stream_first(struct rtp_stream *s, const struct rtp_hdr *h, int64_t ts_ns,
    uint64_t frame)
{
	s->probation_done = true;
	s->pt = h->pt;
	if (s->clock_rate == 0)
		s->clock_rate = rtp_static_clock(h->pt);
	if (s->clock_rate == 0)
		s->clock_rate = 8000;
	if (s->codec[0] == '\0' && rtp_static_name(h->pt) != NULL) {
		const char *n = rtp_static_name(h->pt);
		size_t l = strlen(n);	/* our table, not packet data */

		if (l >= sizeof(s->codec))
			l = sizeof(s->codec) - 1;
		memcpy(s->codec, n, l);
		s->codec[l] = '\0';
	}
	s->first_ns = s->last_ns = ts_ns;
	s->first_frame = (int64_t)frame;
	s->rate_base_sec = (uint32_t)floor_sec(ts_ns);
	init_seq(s, h->seq);
}

int
rtp_stream_add(struct rtp_stream *s, const struct rtp_hdr *h, int64_t ts_ns,
    uint64_t frame)
{
	enum seq_verdict v;
	bool next = false;	/* the next in order: lost stays */

	if (h->ssrc != s->ssrc)
		return -1;
	/*
	 * The rate slot rate_add will count in, most likely the last
	 * packet's, lies past the tables, in a cache line of its own that
	 * is mostly not in cache: its load starts now, under the work
	 * below.  A wrong guess costs nothing but the load.
	 */
	__builtin_prefetch(&s->rate[s->rate_slot], 1);
	if (!s->probation_done) {
		stream_first(s, h, ts_ns, frame);
		v = SEQ_NEW;
	} else {
		int64_t gap = ts_ns - s->last_ns;

		if (gap > s->max_gap_ns)
			s->max_gap_ns = gap;
		/*
		 * The next in order, update_seq's commonest case, here: it
		 * adds one to expected and one to received, so lost, their
		 * difference, stays as update_lost left it.
		 */
		if (RTP_FAST &&
		    (uint16_t)(h->seq - (uint16_t)s->max_seq) == 1) {
			if (h->seq < s->max_seq)
				s->cycles += RTP_SEQ_MOD;
			s->max_seq = h->seq;
			s->received_in_seq++;
			v = SEQ_NEW;
			next = true;
		} else
			v = update_seq(s, h->seq);
	}
	s->packets++;
	s->bytes += h->payload_len;
	s->last_ns = ts_ns;
	s->last_frame = (int64_t)frame;
	if (v == SEQ_DUP) {
		s->dup++;
	} else if (v == SEQ_NEW) {
		/* audio_add first: it may change the clock jitter uses */
		audio_add(s, h, ts_ns);
		jitter_add(s, h->ts, ts_ns);
	}
	if (!RTP_FAST || !next)
		update_lost(s);
	rate_add(s, ts_ns);
	return 0;
}

void
rtp_stream_add_rtcp(struct rtp_stream *s, uint8_t first_pt)
{
	if (first_pt == 200)
		s->rtcp_sr++;
	else if (first_pt == 201)
		s->rtcp_rr++;
	else
		s->rtcp_other++;
}

double
rtp_stream_jitter_ms(const struct rtp_stream *s)
{
	uint32_t clock = s->clock_rate ? s->clock_rate : 8000;

	return s->jitter * 1000.0 / clock;
}

uint64_t
rtp_stream_expected(const struct rtp_stream *s)
{
	if (!s->probation_done)
		return 0;
	return s->expected_prior + epoch_expected(s);
}

double
rtp_stream_pps(const struct rtp_stream *s)
{
	int64_t d = s->last_ns - s->first_ns;

	if (s->packets < 2 || d <= 0)
		return 0.0;
	return (double)(s->packets - 1) * 1e9 / (double)d;
}

void
rtp_stream_refused(struct rtp_stream *s, const struct ep *from, int64_t ts_ns,
    int64_t frame)
{
	if (s->icmp_unreach == 0) {
		s->icmp_first_ns = ts_ns;
		s->icmp_first_frame = frame;
		s->icmp_from = *from;
	}
	s->icmp_last_ns = ts_ns;
	if (s->icmp_unreach < UINT32_MAX)
		s->icmp_unreach++;
}
