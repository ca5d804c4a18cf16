/*
 * analysis.c - the streaming pipeline behind analysis.h.
 *
 *   ingest (ingest.h) ─on_sip───────▶ sipmsg ─▶ dialogs ─▶ detectors
 *     capture, decode,  ─on_media─────▶ RTP/RTCP ─▶ streams (by SDP endpoint)
 *     TCP, framing      ─on_keepalive─▶ count, binding detector
 *                       ─on_unreach───▶ refused RTP, SIP too big or never
 *                                        reassembled, the start of SIP whose
 *                                        fragments were lost (oversize_drop)
 *                       ─on_packet────▶ transport counts
 *
 * Media attribution: every SDP body registers its media endpoints (c= and
 * m= port, and the RTCP port) in a table, one entry per address and
 * dialog.  A UDP packet that is not SIP and is sent to (or, for
 * symmetric RTP, from) an announced endpoint starts a stream of a dialog
 * that announced it, keyed by source, destination and SSRC as
 * Wireshark's RTP streams are.  When several dialogs announced the
 * destination (else the source), the newest announcement wins: a later
 * call reusing ports and SSRC takes the flow from the moment its SDP is
 * seen (its packets start a new stream).  Announcements within the
 * inside/outside pairing window of the newest may be copies of one
 * offer/answer at two translations: the inside and outside copies of a
 * call whose Call-ID an ALG rewrote are two dialogs (ALG-REFERENCE.md 2,
 * rewrite_call_id), and each keeps the media at its own translation,
 * that of the dialog that negotiated both ends of the flow, else whose
 * signalling is seen at the packet's addresses (owner_among).  After an
 * SDP a stream's owner is chosen again only when an entry of one of its
 * two addresses was announced since (owner_unchanged: a version per
 * address slot), or when several were candidates.  Packets matching no
 * endpoint go through the RTP header heuristic and are kept as
 * unannounced streams, reported apart.  Endpoints and streams die with
 * their dialog.
 *
 * Housekeeping (expiry of dialogs, TCP flows, fragments, idle streams) runs
 * once per second of capture time, so the cost per packet stays constant.
 */
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis.h"
#include "base/caps.h"
#include "base/htab.h"
#include "base/text.h"
#include "detect/detect.h"
#include "ingest/ingest.h"
#include "sip/sipmsg.h"

/* An announced media endpoint: where a dialog expects RTP or RTCP. */
struct media_ep {
	struct hnode node;
	struct ep addr;
	struct dialog *d;
	struct media_ep *next_of_dialog;
	uint64_t seq;             /* order of the latest announcement */
	int64_t ts_ns;            /* and its capture time */
	int pt;                   /* the SDP's first payload type, -1 none */
	uint32_t clock_rate;      /* its clock */
	int event_pt;             /* telephone-event PT of the SDP, 0 none */
	char codec[32];
	bool rtcp;
};

/*
 * A stream in the table: the public record plus linkage.  The owner and
 * owner_seq, which every packet reads, are in the record's first line
 * (rtp_stream's tab_ fields), beside the key the stream cache confirms a
 * hit by; the per-packet fields take the next two; the rest, the table's
 * link too, is read far less often.
 */
struct stream_rec {
	struct rtp_stream s;      /* first member: a stream_rec is its rtp_stream */
	struct stream_rec *lru_prev, *lru_next; /* unannounced only */
	bool detached;            /* out of the table: a later call took its flow */
};

/* The dialog r is attributed to, NULL when unannounced. */
static struct dialog *
rec_owner(const struct stream_rec *r)
{
	return r->s.tab_owner;
}

/*
 * Versions of the endpoint table by address (see owner_unchanged): a slot
 * per hash of an address, so two addresses may share one; it then changes
 * for both, which costs a choice recomputed, never a wrong one.
 */
#define EP_VER_BITS 10
#define EP_VER_SLOTS (1U << EP_VER_BITS)

struct analysis {
	struct analysis_cb cb;
	struct ingest *ing;
	struct dialog_table *dialogs;
	struct detect *det;
	struct htab eps;          /* struct media_ep by address, one per dialog */
	/* Records of dialogs gone, and the rest of the last block, kept for
	 * the next announcements (linked by next_of_dialog): never more than
	 * were in use at once plus one block (ep_alloc). */
	struct media_ep *ep_spare;
	struct ep_block *ep_blocks; /* every block, freed at the end */
	uint64_t ep_seq;          /* announcements so far */
	uint64_t ep_ver[EP_VER_SLOTS]; /* by address hash: ep_seq of its last */
#ifdef SIPALG_CHECK_OWNER
	uint64_t own_checked, own_full, own_kept; /* see owner_check */
	uint64_t scache_hits;     /* see scache_check */
#endif
	struct htab streams;      /* struct stream_rec by src, dst, ssrc */
	struct scache_set *scache; /* in front of streams: stream_find */
	uint64_t scache_origin;   /* scache_base: set by the first record */
	bool scache_origin_set;
	struct scache_set *hint_set; /* the last hit's set and way (HINT) */
	unsigned hint_way;
	struct stream_rec *orphan_head, *orphan_tail;
	size_t nstreams, norphans;
	uintptr_t heap_advised;   /* the heap's end when last advised */
	struct analysis_capstats *stats; /* one per file */
	size_t nstats;
	int64_t now_ns;
	int64_t last_housekeeping_s;
	int64_t sec_start_ns;     /* of the last frame's second, if sec_known */
	bool sec_known;
	uint64_t packets;
	size_t peak_dialogs, peak_streams, peak_dialog_bytes;
	struct anomalies *cur_an; /* anomalies of the file being read */
	volatile sig_atomic_t stop; /* set by analysis_stop(), maybe from a signal */
	uint32_t cur_cap;
};

/* ---- media endpoints ------------------------------------------------ */

/*
 * Endpoint records come in blocks of EP_BLOCK, taken only when no spare
 * one is left: a calloc per record cost about 220 instructions (sig5k),
 * most of an announcement.  Records of dialogs gone go back to the spare
 * list, so the blocks are bounded by the records in use at once (itself
 * capped at CAP_SDP_ENDPOINTS) plus one block.
 */
#define EP_BLOCK 64

struct ep_block {
	struct ep_block *next;
	struct media_ep m[EP_BLOCK];
};

/* A record for an announcement, zeroed; NULL when out of memory. */
static struct media_ep *
ep_alloc(struct analysis *a)
{
	struct media_ep *m;

	if (a->ep_spare == NULL) {
		struct ep_block *b = malloc(sizeof(*b));

		if (b == NULL)
			return NULL;
		b->next = a->ep_blocks;
		a->ep_blocks = b;
		for (size_t i = 0; i < EP_BLOCK; i++) {
			b->m[i].next_of_dialog = a->ep_spare;
			a->ep_spare = &b->m[i];
		}
	}
	m = a->ep_spare;
	a->ep_spare = m->next_of_dialog;
	memset(m, 0, sizeof(*m));
	return m;
}

static uint64_t
ep_key_hash(const struct ep *e)
{
	return ep_hash(e);
}

static int
ep_match(const struct hnode *n, const void *key)
{
	const struct media_ep *m = HTAB_ENTRY(n, struct media_ep, node);

	return ep_eq(&m->addr, (const struct ep *)key);
}

/* e's version slot: a multiplicative hash of its port and its IPv4
 * address, or an IPv6 address's first and last four bytes (cheaper than
 * ep_hash; it runs for two addresses each time a stream's owner is
 * checked after an SDP).  Endpoints ep_eq() calls equal have one slot:
 * the bytes after an IPv4 address are not read. */
static unsigned
ep_ver_slot(const struct ep *e)
{
	uint32_t x, y = 0;

	memcpy(&x, e->ip, 4);
	if (e->family != 4)
		memcpy(&y, e->ip + 12, 4);
	return ((x ^ y ^ (uint32_t)e->port * 0x9e3779b1U) * 0x85ebca6bU) >>
	    (32 - EP_VER_BITS);
}

/* An entry of e was announced (added or announced again): its version
 * is the announcement's ep_seq. */
static void
ep_changed(struct analysis *a, const struct ep *e)
{
	a->ep_ver[ep_ver_slot(e)] = a->ep_seq;
}

/* The first entry announcing e, whose ep_key_hash is h (of any
 * dialog), NULL when none; the others follow through ep_next. */
static struct media_ep *
ep_first_h(struct analysis *a, const struct ep *e, uint64_t h)
{
	struct hnode *n = htab_find(&a->eps, h, ep_match, e);

	return n ? HTAB_ENTRY(n, struct media_ep, node) : NULL;
}

static struct media_ep *
ep_first(struct analysis *a, const struct ep *e)
{
	return ep_first_h(a, e, ep_key_hash(e));
}

static struct media_ep *
ep_next(const struct media_ep *m)
{
	struct hnode *n = htab_find_next(&m->node, ep_match, &m->addr);

	return n ? HTAB_ENTRY(n, struct media_ep, node) : NULL;
}

/* d's entry for e (whose ep_key_hash is h), NULL when d never
 * announced it. */
static struct media_ep *
ep_of_h(struct analysis *a, const struct ep *e, uint64_t h,
    const struct dialog *d)
{
	struct media_ep *m;

	for (m = ep_first_h(a, e, h); m != NULL; m = ep_next(m))
		if (m->d == d)
			return m;
	return NULL;
}

static struct media_ep *
ep_of(struct analysis *a, const struct ep *e, const struct dialog *d)
{
	return ep_of_h(a, e, ep_key_hash(e), d);
}

/* The payload an announcement of sm gives the streams started after it;
 * codec is sm's as a media_ep keeps it (announce_sdp copies it once for
 * the RTP and the RTCP address). */
static void
ep_set_payload(struct media_ep *m, const struct sdp_media *sm,
    const char *codec)
{
	m->pt = sm->npayloads > 0 ? sm->payloads[0] : -1;
	m->clock_rate = sm->clock_rate;
	m->event_pt = sm->event_pt;
	memcpy(m->codec, codec, sizeof(m->codec));
}

/*
 * Announces addr for dialog d, newer than every announcement before.  The
 * payload details (codec, clock rate, telephone-event type) are those of
 * the newest announcement: a re-INVITE that changes the codec applies to
 * the streams that start after it; a stream already running keeps the
 * payload types and clock it started with (rtp.h, clock_pt).
 */
static void
ep_announce(struct analysis *a, struct dialog *d, const struct ep *addr,
    const struct sdp_media *sm, const char *codec, bool rtcp, int64_t ts_ns)
{
	struct media_ep *m;
	uint64_t h;

	if (addr->family == 0 || addr->port == 0)
		return;
	h = ep_key_hash(addr);	/* for the lookup and the insertion */
	m = ep_of_h(a, addr, h, d);
	if (m != NULL) {
		m->seq = ++a->ep_seq;
		ep_changed(a, addr);
		m->ts_ns = ts_ns;
		ep_set_payload(m, sm, codec);
		return;
	}
	if (a->eps.n >= CAP_SDP_ENDPOINTS)
		return;
	if ((m = ep_alloc(a)) == NULL)
		return;
	m->addr = *addr;
	m->d = d;
	htab_add(&a->eps, &m->node, h);
	m->next_of_dialog = d->media_eps;
	d->media_eps = m;
	m->seq = ++a->ep_seq;
	ep_changed(a, addr);
	m->ts_ns = ts_ns;
	m->rtcp = rtcp;
	ep_set_payload(m, sm, codec);
}

/*
 * The two endpoints an SDP media announces: the RTP one (c= and m= port)
 * and the RTCP one (a=rtcp, else the next port).  False when it
 * announces none (no c=, or port 0: a rejected stream).
 */
static bool
media_eps_of(const struct sdp_media *sm, struct ep *rtp, struct ep *rtcp)
{
	if (!sm->has_conn || sm->port == 0)
		return false;
	*rtp = sm->conn;
	if (sm->has_rtcp) {
		*rtcp = sm->rtcp;
	} else {
		*rtcp = sm->conn;
		rtcp->port = (uint16_t)(sm->port + 1);
	}
	return true;
}

/* Asks the cache for every line of record m, for writing. */
static void
ep_rec_prefetch(const struct media_ep *m)
{
	__builtin_prefetch(m, 1);
	__builtin_prefetch((const char *)m + sizeof(*m) - 1, 1);
}

/*
 * Fetches what announce_sdp(a, d, sdp) will touch: the endpoint table's
 * slots it looks up, and the two spare records the first new endpoints
 * take (ep_alloc clears them).  The slot array is too large for the
 * cache (16 bytes a slot, two per record), announcements are scattered
 * over it, and spare records were last touched when their dialog left:
 * ep_announce waited for its slot (four fifths of its time), then for
 * its record.  Called some work before announce_sdp, these misses
 * overlap each other and that work.
 */
static void
prefetch_sdp_eps(const struct analysis *a, const struct sdp *sdp)
{
	bool any = false;

	for (int i = 0; i < sdp->nmedia; i++) {
		struct ep rtp, rtcp;

		if (!media_eps_of(&sdp->media[i], &rtp, &rtcp))
			continue;
		if (rtp.family != 0)
			htab_prefetch(&a->eps, ep_key_hash(&rtp));
		if (rtcp.family != 0)
			htab_prefetch(&a->eps, ep_key_hash(&rtcp));
		any = true;
	}
	if (any && a->ep_spare != NULL) {
		ep_rec_prefetch(a->ep_spare);
		if (a->ep_spare->next_of_dialog != NULL)
			ep_rec_prefetch(a->ep_spare->next_of_dialog);
	}
}

static void
announce_sdp(struct analysis *a, struct dialog *d, const struct sdp *sdp,
    int64_t ts_ns)
{
	for (int i = 0; i < sdp->nmedia; i++) {
		const struct sdp_media *sm = &sdp->media[i];
		struct ep rtp, rtcp;
		char codec[sizeof(((struct media_ep *)0)->codec)] = { 0 };

		if (!media_eps_of(sm, &rtp, &rtcp))
			continue;
		text_copy(codec, sizeof(codec), sm->codec,
		    strnlen(sm->codec, sizeof(codec) - 1));
		ep_announce(a, d, &rtp, sm, codec, false, ts_ns);
		ep_announce(a, d, &rtcp, sm, codec, true, ts_ns);
	}
}

/*
 * Unlinks d's records and gives them back to the spare list, in their
 * list's order.  Each htab_del waits for its slot (see prefetch_sdp_eps);
 * the slots of up to EP_FORGET_BATCH records are asked for first, so
 * their misses overlap instead of following one another.
 */
#define EP_FORGET_BATCH 8

static void
forget_dialog_eps(struct analysis *a, struct dialog *d)
{
	struct media_ep *m = d->media_eps;

	while (m != NULL) {
		struct media_ep *batch[EP_FORGET_BATCH];
		int n = 0;

		for (; m != NULL && n < EP_FORGET_BATCH; m = m->next_of_dialog) {
			htab_prefetch(&a->eps, m->node.hash);
			batch[n++] = m;
		}
		for (int i = 0; i < n; i++) {
			htab_del(&a->eps, &batch[i]->node);
			batch[i]->next_of_dialog = a->ep_spare;
			a->ep_spare = batch[i];
		}
	}
	d->media_eps = NULL;
}

/* ---- streams -------------------------------------------------------- */

struct stream_key {
	const struct ep *src, *dst;
	uint32_t ssrc;
};

/*
 * A stream's key: ep_pair_hash, inline (it runs for every RTP packet) and
 * keyed before the fields combine (htab.h), so no capture can choose its
 * ports and SSRCs into one chain.  test_htab's crafted flows cover it.
 */
static uint64_t
stream_hash(const struct ep *src, const struct ep *dst, uint32_t ssrc)
{
	return ep_pair_hash(src, dst, ssrc);
}

static int
stream_match(const struct hnode *n, const void *key)
{
	const struct stream_rec *r = HTAB_ENTRY(n, struct stream_rec,
	    s.tab_node);
	const struct stream_key *k = key;

	return r->s.ssrc == k->ssrc && ep_eq(&r->s.src, k->src) &&
	    ep_eq(&r->s.dst, k->dst);
}

/*
 * The stream cache, in front of the table: hashing a packet's key under
 * the table's keyed mix (ep_pair_hash) and comparing along its chain cost
 * about 100 instructions a packet, most packets being RTP of a stream
 * the table holds.  The cache finds an IPv4 stream by a cheap hash of the
 * same key (not keyed: it only picks the set) among the SCACHE_WAYS
 * records of one set, a cache line of tags and references, and confirms
 * it with the table's own stream_match: a hit is the record the table
 * would give.  Anything the cache does not hold (IPv6, a set that flows
 * chose or crafted to collide overflowed, a record too far from the
 * cache to be referenced) is looked up in the table and put in its set,
 * replacing an empty way, else the ways in turn: a miss costs the probe
 * on top of the table's lookup, never another answer.  A record leaves
 * its set when it leaves the table (stream_unlink).  The proof build
 * (SIPALG_CHECK_OWNER) looks every hit up in the table too.
 *
 * Why references: the set's line is read before the record it names
 * (one load waits for the other), and a media capture sends each packet
 * to another stream, so both are mostly not in the CPU's caches: the
 * two loads were half of on_media's time (perf, rtp.pcap).  With 16-bit
 * tags and 32-bit references (scache_ref) the line has room for each
 * way's successor hint (scache_next), which starts both loads for the
 * next packet early.
 */
#define SCACHE_WAYS 4
#define SCACHE_SET_BITS 10

struct scache_set {
	_Alignas(64) uint16_t tag[SCACHE_WAYS]; /* 0: empty way */
	uint32_t ref[SCACHE_WAYS];              /* scache_ref of the record */
	/* HINT: the stream of the packet after the last one of this way's
	 * stream, and its set (a hint only: it may be stale) */
	uint32_t next_ref[SCACHE_WAYS];
	uint16_t next_set[SCACHE_WAYS];
	uint32_t victim;          /* the way the next miss replaces */
};
_Static_assert(sizeof(struct scache_set) == 64, "a set is one cache line");

/*
 * A way names its record by the record's distance from the first record
 * the analysis made, in STREAM_ALIGN units (records are allocated so
 * aligned): 32 bits reach 2^38 bytes either side, the whole region the
 * records come from in practice (glibc's heap; a sanitizer's allocator
 * keeps blocks of one size in one region, while the cache's own array,
 * of another size, may be terabytes away: measured from it, no record
 * of an ASan build was in reach).  A record out of reach is not cached
 * (scache_ref gives 0), which only costs its packets the table's lookup.
 */
#define STREAM_ALIGN_BITS 7
#define STREAM_ALIGN (1U << STREAM_ALIGN_BITS)
#define SCACHE_REACH ((uint64_t)1 << (31 + STREAM_ALIGN_BITS))

/* Where reference 0 would point: SCACHE_REACH below the first record
 * (stream_origin sets it before any record can be referenced). */
static uint64_t
scache_base(const struct analysis *a)
{
	return a->scache_origin;
}

/* The first record made fixes scache_base (r is STREAM_ALIGN aligned). */
static void
stream_origin(struct analysis *a, const struct stream_rec *r)
{
	if (!a->scache_origin_set) {
		a->scache_origin = (uint64_t)(uintptr_t)r - SCACHE_REACH;
		a->scache_origin_set = true;
	}
}

static uint32_t
scache_ref(const struct analysis *a, const struct stream_rec *r)
{
	uint64_t d = (uint64_t)(uintptr_t)r - scache_base(a);

	if (d >= 2 * SCACHE_REACH || d % STREAM_ALIGN != 0)
		return 0;
	return (uint32_t)(d >> STREAM_ALIGN_BITS);
}

static struct stream_rec *
scache_rec(const struct analysis *a, uint32_t ref)
{
	return (struct stream_rec *)(uintptr_t)(scache_base(a) +
	    ((uint64_t)ref << STREAM_ALIGN_BITS));
}

/*
 * The bytes ep_eq compares of an IPv4 endpoint (family, port, address:
 * the first 8 of struct ep but pad) as one word, for the cache's hash
 * and its confirmation: two IPv4 endpoints are ep_eq when their words are
 * equal.
 */
_Static_assert(offsetof(struct ep, port) == 2 && offsetof(struct ep, ip) == 4,
    "ep4_word reads family, port and an IPv4 address as one word");

static uint64_t
ep4_word(const struct ep *e)
{
	static const struct ep mask = { 0xff, 0, 0xffff, { 0xff, 0xff, 0xff,
	    0xff } };
	uint64_t w, m;

	memcpy(&w, e, 8);
	memcpy(&m, &mask, 8);
	return w & m;
}

/* The hash of a key of two IPv4 endpoints' words: the set from its top
 * bits, the tag from the middle (never 0). */
static uint64_t
scache_hash(uint64_t src, uint64_t dst, uint32_t ssrc)
{
	return ((src * 0x9e3779b97f4a7c15ULL) ^ dst ^ (uint64_t)ssrc << 24) *
	    0xbf58476d1ce4e5b9ULL;
}

static struct scache_set *
scache_set_of(const struct analysis *a, uint64_t h)
{
	return &a->scache[h >> (64 - SCACHE_SET_BITS)];
}

static uint16_t
scache_tag(uint64_t h)
{
	return (uint16_t)(h >> 20) | 1;
}

static void
scache_put(const struct analysis *a, struct scache_set *set, uint16_t tag,
    struct stream_rec *r)
{
	unsigned w = set->victim++ % SCACHE_WAYS;
	uint32_t ref = scache_ref(a, r);

	if (ref == 0)
		return;
	for (unsigned i = 0; i < SCACHE_WAYS; i++)
		if (set->tag[i] == 0) {
			w = i;
			break;
		}
	set->tag[w] = tag;
	set->ref[w] = ref;
}

/* r leaves the cache (it leaves the table). */
static void
scache_forget(struct analysis *a, const struct stream_rec *r)
{
	struct scache_set *set;
	uint32_t ref = scache_ref(a, r);

	if (r->s.src.family != 4 || r->s.dst.family != 4 || ref == 0)
		return;
	set = scache_set_of(a, scache_hash(ep4_word(&r->s.src),
	    ep4_word(&r->s.dst), r->s.ssrc));
	for (unsigned i = 0; i < SCACHE_WAYS; i++)
		if (set->tag[i] != 0 && set->ref[i] == ref) {
			set->ref[i] = 0;
			set->tag[i] = 0;
		}
}

#ifdef SIPALG_CHECK_OWNER
/* The proof of a cache hit r for k: the table gives r too, else the run
 * aborts (counted in the proof's log, see owner_check_log). */
static void
scache_check(struct analysis *a, const struct stream_rec *r,
    const struct stream_key *k)
{
	struct hnode *n = htab_find(&a->streams,
	    stream_hash(k->src, k->dst, k->ssrc), stream_match, k);

	a->scache_hits++;
	if (n != &r->s.tab_node) {
		fprintf(stderr, "owner_check: the stream cache's record is not "
		    "the table's\n");
		abort();
	}
}
#endif

/* The table's lookup, for what the cache did not hold; the record found
 * goes into set (NULL: not an IPv4 key) under tag. */
static __attribute__((noinline)) struct stream_rec *
stream_find_table(struct analysis *a, const struct stream_key *k,
    struct scache_set *set, uint16_t tag)
{
	struct hnode *n = htab_find(&a->streams,
	    stream_hash(k->src, k->dst, k->ssrc), stream_match, k);
	struct stream_rec *r;

	if (n == NULL)
		return NULL;
	r = HTAB_ENTRY(n, struct stream_rec, s.tab_node);
	if (set != NULL)
		scache_put(a, set, tag, r);
	return r;
}

/*
 * The successor hint (HINT): a media capture's streams send at one
 * packet time each, so the streams' packets come in much the same order
 * every packet time, and the stream that followed a stream's last packet
 * is mostly the one that follows its next.  On a hit of way i of set,
 * the loads of what the next packet then reads first, its set and its
 * record's first lines, start now, under this packet's work, instead of
 * one after the other when it comes; and the hit is written down as the
 * successor of the last hit.  A hint is only ever prefetched, never
 * read through: a stale one (its stream gone, its way reused) costs a
 * useless prefetch (which never faults), not another answer.
 */
static void
scache_next(struct analysis *a, struct scache_set *set, unsigned i)
{
	uint32_t next = set->next_ref[i];

	if (next != 0) {
		const char *n = (const char *)scache_rec(a, next);

		__builtin_prefetch(&a->scache[set->next_set[i]]);
		__builtin_prefetch(n);
		__builtin_prefetch(n + 64);
		__builtin_prefetch(n + 128);
	}
	if (a->hint_set != NULL) {
		a->hint_set->next_ref[a->hint_way] = set->ref[i];
		a->hint_set->next_set[a->hint_way] =
		    (uint16_t)(set - a->scache);
	}
	a->hint_set = set;
	a->hint_way = i;
}

static inline struct stream_rec *
stream_find(struct analysis *a, const struct ep *src, const struct ep *dst,
    uint32_t ssrc)
{
	struct stream_key k = { src, dst, ssrc };
	struct scache_set *set = NULL;
	uint16_t tag = 0;

	if (src->family == 4 && dst->family == 4) {
		uint64_t ws = ep4_word(src), wd = ep4_word(dst);
		uint64_t h = scache_hash(ws, wd, ssrc);

		set = scache_set_of(a, h);
		tag = scache_tag(h);
		for (unsigned i = 0; i < SCACHE_WAYS; i++) {
			struct stream_rec *r;

			if (set->tag[i] != tag)
				continue;
			r = scache_rec(a, set->ref[i]);
			/* stream_match for an IPv4 key */
			if (r->s.ssrc == ssrc &&
			    ep4_word(&r->s.src) == ws &&
			    ep4_word(&r->s.dst) == wd) {
#ifdef SIPALG_CHECK_OWNER
				scache_check(a, r, &k);
#endif
				scache_next(a, set, i);
				return r;
			}
		}
	}
	a->hint_set = NULL;
	return stream_find_table(a, &k, set, tag);
}

/* r leaves the table (and so the cache). */
static void
stream_unlink(struct analysis *a, struct stream_rec *r)
{
	htab_del(&a->streams, &r->s.tab_node);
	scache_forget(a, r);
	a->nstreams--;
}

static void
orphan_unlink(struct analysis *a, struct stream_rec *r)
{
	if (r->lru_prev != NULL || r->lru_next != NULL || a->orphan_head == r)
		a->norphans--;
	if (r->lru_prev)
		r->lru_prev->lru_next = r->lru_next;
	else if (a->orphan_head == r)
		a->orphan_head = r->lru_next;
	if (r->lru_next)
		r->lru_next->lru_prev = r->lru_prev;
	else if (a->orphan_tail == r)
		a->orphan_tail = r->lru_prev;
	r->lru_prev = r->lru_next = NULL;
}

static void
orphan_append(struct analysis *a, struct stream_rec *r)
{
	a->norphans++;
	r->lru_next = NULL;
	r->lru_prev = a->orphan_tail;
	if (a->orphan_tail)
		a->orphan_tail->lru_next = r;
	else
		a->orphan_head = r;
	a->orphan_tail = r;
}

/*
 * Unannounced flows are only reported once they look like a real stream:
 * enough packets of one SSRC, mostly in sequence.  This keeps the
 * heuristic from turning random UDP into "RTP".
 */
#define ORPHAN_MIN_PACKETS 8

static void
orphan_release(struct analysis *a, struct stream_rec *r)
{
	orphan_unlink(a, r);
	stream_unlink(a, r);
	rtp_stream_settle(&r->s);
	if (r->s.packets >= ORPHAN_MIN_PACKETS &&
	    r->s.lost + r->s.seq_jumps * 4 < r->s.packets) {
		if (r->s.src.family != 0 && a->stats != NULL)
			a->stats[a->cur_cap].rtp_unannounced++;
		if (a->cb.on_stream)
			a->cb.on_stream(a->cb.user, &r->s);
	}
	free(r);
}

/*
 * Huge pages for the heap the stream records come from.  A media
 * capture makes records (about 3 KB each) and dialogs as its calls
 * start, and each new 4 KB page of heap costs a page fault when first
 * touched (a few microseconds in a virtual machine).  Mapped by 2 MB
 * pages they cost one fault per 2 MB: on rtp.pcap 7 % less CPU (paired
 * runs, 11 of 11 won; system time, user time unchanged), as much as
 * glibc's own GLIBC_TUNABLES=glibc.malloc.hugetlb=1 gave.  The kernel
 * maps memory so when it is advised (MADV_HUGEPAGE, with THP "madvise",
 * the Debian default; "always" does anyway, "never" not at all) and a
 * whole aligned 2 MB of it is untouched when first touched.  So the heap
 * grows in steps of HEAP_PAD (glibc's M_TOP_PAD, set by analysis_new for
 * the whole program: the heap then keeps up to that much free at its
 * top, mostly never touched), and what a step added is advised when the
 * next stream is made, mostly before it is touched.  Peak memory grows
 * by at most the 2 MB pages partly used (rtp.pcap: 2.5 MB).  Nothing
 * depends on it: a failure leaves small pages.
 *
 * A signalling capture makes no streams: its heap is the dialogs'
 * message blocks, so the heap is advised too whenever the dialogs' bytes
 * reach a new peak (on_sip).  On the bench's sig.pcap (40,000 calls, no
 * RTP, the dialogs filling their 32 MB budget) that took the page faults
 * from 10,650 to 1,310 and the CPU from 0.82 to 0.67 s (medians of 15
 * alternating runs, 13 won), peak memory 46.0 -> 48.3 MB.
 */
#define HEAP_PAD (32 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void
heap_advise(struct analysis *a)
{
	uintptr_t top = (uintptr_t)sbrk(0);
	uintptr_t lo = (a->heap_advised + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = top & ~(HUGE_PAGE - 1);

	if (top == (uintptr_t)-1 || top <= a->heap_advised)
		return;
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	a->heap_advised = top;
}

/* STREAM_ALIGN (above, as scache_ref counts in it) is two cache lines,
 * the pair a CPU's adjacent-line prefetch fetches. */

static struct stream_rec *
stream_new(struct analysis *a, const struct pkt *p, uint32_t ssrc,
    struct dialog *owner, const struct media_ep *m)
{
	struct stream_rec *r;

	if (a->nstreams >= CAP_STREAMS) {
		anomaly_add(a->cur_an, ANOMALY_STREAM_TABLE_FULL);
		return NULL;
	}
	if (owner != NULL && owner->nstreams >= CAP_DIALOG_STREAMS)
		owner = NULL;
	if (owner == NULL && a->norphans >= CAP_UNANNOUNCED_STREAMS) {
		/* Make room: the least recently active stray stream goes. */
		anomaly_add(a->cur_an, ANOMALY_STREAM_TABLE_FULL);
		orphan_release(a, a->orphan_head);
	}
	/* Aligned, so the per-packet part takes three lines, not four (see
	 * struct rtp_stream). */
	r = aligned_alloc(STREAM_ALIGN, (sizeof(*r) + STREAM_ALIGN - 1) /
	    STREAM_ALIGN * STREAM_ALIGN);
	if (r == NULL)
		return NULL;
	stream_origin(a, r);
	heap_advise(a);
	memset(r, 0, sizeof(*r));
	rtp_stream_init(&r->s, &p->src, &p->dst, ssrc);
	if (m != NULL) {
		rtp_stream_set_payload(&r->s, m->pt, m->clock_rate);
		rtp_stream_set_event_pt(&r->s, m->event_pt);
		snprintf(r->s.codec, sizeof(r->s.codec), "%s", m->codec);
	}
	r->s.tab_owner = owner;
	htab_add(&a->streams, &r->s.tab_node,
	    stream_hash(&p->src, &p->dst, ssrc));
	a->nstreams++;
	if (a->nstreams > a->peak_streams)
		a->peak_streams = a->nstreams;
	if (owner != NULL) {
		owner->streams[owner->nstreams++] = &r->s;
		a->stats[owner->cap_idx].rtp_streams++;
	} else {
		orphan_append(a, r);
	}
	return r;
}

/* True when d signals from e's address: the host is seen with it here. */
static bool
sig_from(const struct dialog *d, const struct ep *e)
{
	for (size_t i = 0; i < d->nmsgs; i++)
		if (ep_same_ip(&d->msgs[i].src, e))
			return true;
	return false;
}

/*
 * How well d's signalling matches the packet: 2 when d signals on the
 * packet's side of a NAT (the packet is inside when its source is
 * private, or its destination is private and d signals from there, as
 * detect_audio places streams; a message likewise), plus 1 for each of
 * the packet's two addresses d's signalling is seen at.
 */
static int
sig_match(const struct dialog *d, const struct pkt *p)
{
	bool pin = ep_is_private(&p->src) ||
	    (ep_is_private(&p->dst) && sig_from(d, &p->dst));
	bool seg = false, s = false, t = false;

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		bool min = ep_is_private(&m->src) ||
		    (ep_is_private(&m->dst) && sig_from(d, &m->dst));

		seg = seg || min == pin;
		s = s || ep_same_ip(&m->src, &p->src) ||
		    ep_same_ip(&m->dst, &p->src);
		t = t || ep_same_ip(&m->src, &p->dst) ||
		    ep_same_ip(&m->dst, &p->dst);
		if (seg && s && t)
			break;
	}
	return (seg ? 2 : 0) + (int)s + (int)t;
}

#define OWNER_CANDIDATES 8

/*
 * Of the entries of one address (the packet's destination, or when no
 * dialog announced it its source), the owner of the packet.  The newest
 * announcement wins, as a later call reusing ports and SSRC takes the
 * flow; but announcements within DIFF_WINDOW_NS of it may be copies of
 * one offer/answer seen at two capture points (inside and outside a NAT
 * whose ALG rewrote the Call-ID, so two dialogs): among those, the
 * dialog that also announced the packet's other end (peer, NULL: none
 * to test), then the one that signals on the packet's side of the NAT
 * and at more of its addresses (sig_match), then the newest.  *single is
 * set when there was one candidate: the choice then depends on nothing
 * but the entries of that address.
 */
static struct media_ep *
owner_among(struct analysis *a, struct media_ep *first, const struct ep *peer,
    const struct pkt *p, bool *single)
{
	struct media_ep *c[OWNER_CANDIDATES], *m, *best = NULL;
	int n = 0, best_score = -1;
	int64_t newest = 0;

	for (m = first; m != NULL; m = ep_next(m))
		if (n == 0 || m->ts_ns > newest)
			newest = m->ts_ns, n = 1;
	n = 0;
	for (m = first; m != NULL && n < OWNER_CANDIDATES; m = ep_next(m))
		if (m->ts_ns >= newest - DIFF_WINDOW_NS)
			c[n++] = m;
	*single = n <= 1;
	for (int i = 0; i < n; i++) {
		int score = 0;

		if (n > 1) {
			if (peer != NULL && ep_of(a, peer, c[i]->d) != NULL)
				score += 8;
			score += sig_match(c[i]->d, p);
		}
		if (score > best_score ||
		    (score == best_score && c[i]->seq > best->seq)) {
			best = c[i];
			best_score = score;
		}
	}
	return best;
}

/*
 * The endpoint a media packet belongs to (see the top of this file): an
 * announcement of its destination, else of its source (symmetric RTP),
 * chosen by owner_among.  NULL when no dialog announced either end.
 * *single is set when the choice depends on the entries of the packet's
 * two addresses alone (none, or one candidate): the same entries give
 * the same choice.  With several candidates it depends also on their
 * dialogs' signalling (sig_match) and on the order of the entries.
 */
static struct media_ep *
media_owner_of(struct analysis *a, const struct pkt *p, bool *single)
{
	struct media_ep *m = ep_first(a, &p->dst);

	*single = true;
	if (m != NULL)
		return owner_among(a, m, &p->src, p, single);
	m = ep_first(a, &p->src);
	return m != NULL ? owner_among(a, m, NULL, p, single) : NULL;
}

static struct media_ep *
media_owner(struct analysis *a, const struct pkt *p)
{
	bool single;

	return media_owner_of(a, p, &single);
}

/*
 * A stream's tab_seq is the announcement count (ep_seq) when its owner
 * was last chosen or found unchanged, with OWN_SEVERAL set when several
 * announcements were candidates then (media_owner_of's single false).
 * ep_seq stays below 2^63.  A stream with OWN_SEVERAL never equals
 * ep_seq: its packets come to owner_recheck, which compares without
 * the flag.
 */
#define OWN_SEVERAL (1ULL << 63)

/* The tab_seq of a choice made now. */
static uint64_t
owner_stamp(const struct analysis *a, bool single)
{
	return a->ep_seq | (single ? 0 : OWN_SEVERAL);
}

/*
 * True when media_owner would choose for r's packets (p one of them)
 * what it chose last: one candidate then, and no entry of the packet's
 * destination or source announced since (nor of an address sharing
 * their version slots).  With one candidate media_owner reads nothing
 * else: the entries of the destination, else of the source, and their
 * times.  An entry forgotten (its dialog ended) does not change such a
 * choice either: the candidate's own (its dialog ended with its
 * streams) or one outside the window of the newest, which the
 * candidate is and stays.  O(1): two slots read.
 */
static bool
owner_unchanged(const struct analysis *a, const struct stream_rec *r,
    const struct pkt *p)
{
	uint64_t at = r->s.tab_seq;

	return (at & OWN_SEVERAL) == 0 &&
	    a->ep_ver[ep_ver_slot(&p->dst)] <= at &&
	    a->ep_ver[ep_ver_slot(&p->src)] <= at;
}

#ifdef SIPALG_CHECK_OWNER
/*
 * The test build's proof of owner_unchanged (configure with
 * CPPFLAGS=-DSIPALG_CHECK_OWNER): for every packet of an announced
 * stream it holds for, the full choice is made as well and must keep the
 * stream with its owner, as the last full choice did, else the run
 * aborts; so does a stream cache hit the table does not give
 * (scache_check).  The counts (packets checked, choices made again after
 * an SDP, choices kept after one without making them, cache hits proved)
 * are appended to the
 * file named by $SIPALG_CHECK_OWNER_LOG at the end (analysis_free), so
 * the outputs stay those of the normal build (tests/golden.sh runs it).
 */
static void
owner_check_log(const struct analysis *a)
{
	const char *path = getenv("SIPALG_CHECK_OWNER_LOG");
	FILE *f = path != NULL ? fopen(path, "a") : NULL;

	if (f == NULL)
		return;
	fprintf(f, "%llu %llu %llu %llu\n", (unsigned long long)a->own_checked,
	    (unsigned long long)a->own_full, (unsigned long long)a->own_kept,
	    (unsigned long long)a->scache_hits);
	fclose(f);
}

static void
owner_check(struct analysis *a, struct stream_rec *r, const struct pkt *p)
{
	struct media_ep *m;

	if (!owner_unchanged(a, r, p))
		return;
	m = media_owner(a, p);
	a->own_checked++;
	if (m != NULL && m->d != rec_owner(r)) {
		fprintf(stderr, "owner_check: frame %llu: the cached owner "
		    "differs from the full choice\n",
		    (unsigned long long)p->frame);
		abort();
	}
}
#endif

static void
handle_rtcp(struct analysis *a, const struct pkt *p, uint32_t ssrc,
    uint8_t first_pt)
{
	struct media_ep *m = media_owner(a, p);
	struct ep s = p->src, d = p->dst;
	struct stream_rec *r;

	a->stats[a->cur_cap].rtcp_packets++;
	/* RTCP from port n+1 belongs to the RTP stream sent from port n. */
	if (s.port > 0 && d.port > 0) {
		s.port--;
		d.port--;
		r = stream_find(a, &s, &d, ssrc);
		if (r != NULL) {
			rtp_stream_add_rtcp(&r->s, first_pt);
			if (rec_owner(r) != NULL)
				dialog_table_touch(a->dialogs, rec_owner(r),
				    p->ts_ns);
			return;
		}
	}
	if (m != NULL) {
		m->d->rtcp_packets++;
		dialog_table_touch(a->dialogs, m->d, p->ts_ns);
	}
}

/*
 * r's tab_seq is not ep_seq: an SDP was seen since r's owner was last
 * chosen, or several announcements were candidates (OWN_SEVERAL).  After
 * an SDP, the choice is made again when the entries it read may have
 * changed (else it is the same: owner_unchanged).  When a newer
 * offer/answer announced this flow for another call (phones with fixed
 * ports and SSRCs, SIPp, two calls back to back), it is from now on a
 * stream of that call: the old stream stays with its call, out of the
 * table, and NULL is returned.
 */
static struct stream_rec *
owner_recheck(struct analysis *a, struct stream_rec *r, const struct pkt *p)
{
	struct media_ep *m;
	bool single;

	if ((r->s.tab_seq & ~OWN_SEVERAL) == a->ep_seq)
		return r;         /* several candidates, no SDP since */
	if (owner_unchanged(a, r, p)) {
#ifdef SIPALG_CHECK_OWNER
		a->own_kept++;
#endif
		r->s.tab_seq = a->ep_seq;
		return r;
	}
#ifdef SIPALG_CHECK_OWNER
	a->own_full++;
#endif
	m = media_owner_of(a, p, &single);
	r->s.tab_seq = owner_stamp(a, single);
	if (m != NULL && m->d != rec_owner(r)) {
		stream_unlink(a, r);
		r->detached = true;
		return NULL;
	}
	return r;
}

static void
handle_media(struct analysis *a, const struct pkt *p)
{
	struct rtp_hdr h;
	struct stream_rec *r;
	uint32_t ssrc;
	uint8_t pt;

	if (p->len >= 2 && p->payload[1] >= 200 && p->payload[1] <= 204) {
		if (rtcp_looks_like(p->payload, p->len, &ssrc, &pt))
			handle_rtcp(a, p, ssrc, pt);
		return;
	}
	if (rtp_parse(p->payload, p->len, &h) != 0)
		return;
	r = stream_find(a, &p->src, &p->dst, h.ssrc);
#ifdef SIPALG_CHECK_OWNER
	if (r != NULL && rec_owner(r) != NULL)
		owner_check(a, r, p);
#endif
	/* The owner's last_ns, written by dialog_table_touch below, is
	 * mostly not in cache: its load starts now, under rtp_stream_add. */
	if (r != NULL && rec_owner(r) != NULL)
		__builtin_prefetch(&rec_owner(r)->last_ns, 1);
	if (r != NULL && rec_owner(r) != NULL && r->s.tab_seq != a->ep_seq)
		r = owner_recheck(a, r, p);
	if (r == NULL) {
		bool single;
		struct media_ep *m = media_owner_of(a, p, &single);

		if (m == NULL && !rtp_looks_like(p->payload, p->len))
			return;
		r = stream_new(a, p, h.ssrc, m ? m->d : NULL, m);
		if (r == NULL)
			return;
		r->s.tab_seq = owner_stamp(a, single);
	}
	rtp_stream_add(&r->s, &h, p->ts_ns, p->frame);
	a->stats[a->cur_cap].rtp_packets++;
	if (rec_owner(r) != NULL) {
		dialog_table_touch(a->dialogs, rec_owner(r), p->ts_ns);
	} else {
		orphan_unlink(a, r);
		orphan_append(a, r);
	}
}

static void
expire_orphans(struct analysis *a, int64_t now_ns, bool all)
{
	while (a->orphan_head != NULL &&
	    (all || now_ns - a->orphan_head->s.last_ns > CAP_STREAM_IDLE_NS))
		orphan_release(a, a->orphan_head);
}

/* ---- SIP ------------------------------------------------------------ */

static void
on_sip(void *user, const struct sipframe_msg *fm, struct anomalies *an)
{
	struct analysis *a = user;
	struct analysis_capstats *st = &a->stats[a->cur_cap];
	const struct pkt *p = fm->p;
	struct dialog *d;
	enum dialog_take took;

	(void)an;
	took = dialog_table_take(a->dialogs, fm->msg, fm->len, fm->lines, p,
	    fm->first_frame, a->cur_an, &d);
	if (took == DIALOG_TAKE_UNPARSED)
		return;
	st->sip_messages++;
	switch (p->l4) {
	case PKT_TCP:
		st->sip_tcp++;
		break;
	case PKT_SCTP:
		st->sip_sctp++;
		break;
	case DMSG_WS:
		st->sip_ws++;
		break;
	default:
		st->sip_udp++;
		break;
	}
	if (d == NULL)
		return;
	if (took == DIALOG_TAKE_RETRANS) {
		st->sip_retrans++;
		return;
	}
	/* The new message is d's last; its SDP announces media; a response
	 * shows what size its request's path carries (oversize_drop). */
	if (d->nmsgs > 0 && d->msgs[d->nmsgs - 1].frame == p->frame) {
		const struct dmsg *nm = &d->msgs[d->nmsgs - 1];
		uint64_t dropped = detect_copies_dropped(a->det);

		/* The detectors (which never read the endpoints) run
		 * between the prefetch and the announcement. */
		if (nm->m->sdp != NULL)
			prefetch_sdp_eps(a, nm->m->sdp);
		if (!nm->m->is_request)
			detect_request_answered(a->det, d, nm);
		else
			detect_request_sent(a->det, d, nm);
		if (nm->m->sdp != NULL)
			announce_sdp(a, d, nm->m->sdp, nm->ts_ns);
		/* Not noted for the join: named for the file being read. */
		if (a->cur_an != NULL)
			a->cur_an->n[ANOMALY_JOIN_COPIES_DROPPED] +=
			    detect_copies_dropped(a->det) - dropped;
	}
	size_t nd = dialog_table_count(a->dialogs);
	size_t nb = dialog_table_bytes(a->dialogs);
	if (nd > a->peak_dialogs)
		a->peak_dialogs = nd;
	if (nb > a->peak_dialog_bytes) {
		a->peak_dialog_bytes = nb;
		heap_advise(a);
	}
}

/*
 * The capture summary's keepalives are those of datagrams, CRLF or
 * blanks, as they have always been counted.  The binding detector sees
 * every kind (RFC 5626 3.5.1 CRLF on UDP and between messages on TCP,
 * 3.5.2 STUN): a STUN message refreshes a binding only on a flow already
 * known as a phone's (STUN on media ports is ICE, not a SIP keepalive).
 */
static void
on_keepalive(void *user, const struct pkt *p, enum ingest_keepalive kind,
    struct anomalies *an)
{
	struct analysis *a = user;

	(void)an;
	if (kind == INGEST_KA_STUN) {
		detect_keepalive_known(a->det, &p->src, &p->dst, p->ts_ns);
		return;
	}
	if (p->l4 != PKT_TCP)
		a->stats[a->cur_cap].keepalives++;
	detect_keepalive(a->det, &p->src, &p->dst, p->ts_ns);
}

static void
on_media(void *user, const struct pkt *p, struct anomalies *an)
{
	(void)an;
	handle_media(user, p);
}

/*
 * An ICMP destination unreachable quoting a UDP datagram: when the quoted
 * flow is an RTP stream of a dialog whose SDP announced its destination,
 * the stream was refused on the way (a closed port, or a router that
 * does not loop packets to its own public address back in).
 */
static void
handle_icmp_unreach(struct analysis *a, const struct pkt *p)
{
	struct media_ep *m = media_owner(a, p);

	if (m == NULL || ep_of(a, &p->dst, m->d) == NULL)
		return;
	for (int i = 0; i < m->d->nstreams; i++) {
		struct rtp_stream *s = m->d->streams[i];

		if (ep_eq(&s->src, &p->src) && ep_eq(&s->dst, &p->dst)) {
			rtp_stream_refused(s, &p->reporter, p->ts_ns,
			    (int64_t)p->frame);
			return;
		}
	}
}

/* Transport payloads decoded, by protocol. */
static void
on_packet(void *user, const struct pkt *p, struct anomalies *an)
{
	struct analysis *a = user;
	struct analysis_capstats *st = &a->stats[a->cur_cap];

	(void)an;
	switch (p->l4) {
	case PKT_UDP:
		st->udp++;
		break;
	case PKT_SCTP:
		st->sctp++;
		break;
	case PKT_TCP:
		st->tcp++;
		break;
	default:
		break;
	}
}

/*
 * The start of a SIP datagram whose fragments never all arrived: what
 * the capture shows of that message, taken as a UDP message of its
 * dialog (the full parse refuses a cut header block; the raw fallback
 * places it), marked with the bytes that arrived (dmsg frag_seen) for
 * oversize_drop.  A body that began in those bytes is left out: part of
 * an SDP would read as an offer it is not.  Retransmissions lost the
 * same way are the same bytes: counted as retransmissions of it.
 */
static void
handle_frag_lost(struct analysis *a, const struct pkt *p,
    struct anomalies *an)
{
	struct pkt q = *p;
	struct sipframe_msg m;
	size_t n = p->len;

	for (size_t i = 0; i + 4 <= p->len; i++)
		if (memcmp(p->payload + i, "\r\n\r\n", 4) == 0) {
			n = i + 4;
			break;
		}
	q.l4 = PKT_UDP;
	memset(&m, 0, sizeof(m));
	m.p = &q;
	m.first_frame = p->frame;
	m.msg = p->payload;
	m.len = m.body_off = m.carried = n;
	on_sip(a, &m, an);
}

static void
on_unreach(void *user, const struct pkt *p, struct anomalies *an)
{
	struct analysis *a = user;

	if (p->l4 == PKT_FRAG_LOST) {
		handle_frag_lost(a, p, an);
		return;
	}
	if (p->l4 == PKT_ICMP_TOOBIG || p->l4 == PKT_ICMP_REASM) {
		struct detect_too_big_ev e = {
			.cap_idx = p->cap_idx, .frame = p->frame,
			.ts_ns = p->ts_ns, .src = p->src, .dst = p->dst,
			.reporter = p->reporter, .quoted_len = p->ip_len,
			.mtu = p->icmp_mtu, .df = p->ip_df != 0,
			.reasm = p->l4 == PKT_ICMP_REASM,
		};

		detect_too_big(a->det, &e);
		return;
	}
	if (p->l4 == PKT_ICMP_SIP_UNREACH) {
		/* SIP refused on the way: evidence on the request's dialog */
		struct detect_refusal_ev e = {
			.cap_idx = p->cap_idx, .frame = p->frame,
			.ts_ns = p->ts_ns, .src = p->src, .dst = p->dst,
			.reporter = p->reporter, .type = p->icmp_type,
			.code = p->icmp_code, .quote = p->payload,
			.quote_len = p->len,
		};

		detect_sip_refused(a->det, &e);
		return;
	}
	handle_icmp_unreach(a, p);
}

/* ---- dialogs leaving ------------------------------------------------ */

static bool
on_dialog_done(void *user, struct dialog *d)
{
	struct analysis *a = user;

	forget_dialog_eps(a, d);
	if (d->cap_idx < a->nstats)
		a->stats[d->cap_idx].dialogs++;
	/* The detectors and the outputs read the rate strips. */
	for (int i = 0; i < d->nstreams; i++)
		rtp_stream_settle(d->streams[i]);
	detect_dialog(a->det, d);
	for (int i = 0; i < d->nstreams; i++) {
		struct stream_rec *r = (struct stream_rec *)(void *)d->streams[i];

		if (!r->detached)
			stream_unlink(a, r);
		r->s.tab_owner = NULL;
	}
	return a->cb.on_dialog ? a->cb.on_dialog(a->cb.user, d) : false;
}

/* ---- life cycle ----------------------------------------------------- */

struct analysis *
analysis_new(const struct analysis_cb *cb)
{
	struct analysis *a = calloc(1, sizeof(*a));
	struct ingest_cb icb = {
		on_packet, on_sip, on_media, on_keepalive, on_unreach, NULL
	};

	if (a == NULL)
		return NULL;
	icb.user = a;
	if (cb)
		a->cb = *cb;
	sipmsg_global_init();
	a->ing = ingest_new(NULL, &icb);
	a->dialogs = dialog_table_new(on_dialog_done, a);
	a->det = detect_new();
	/* heap_advise: the heap grows in large steps; what is there now is
	 * mostly touched already. */
	(void)mallopt(M_TOP_PAD, HEAP_PAD);
	a->heap_advised = (uintptr_t)sbrk(0);
	a->scache = aligned_alloc(_Alignof(struct scache_set),
	    sizeof(struct scache_set) << SCACHE_SET_BITS);
	if (a->scache != NULL)
		memset(a->scache, 0, sizeof(struct scache_set) <<
		    SCACHE_SET_BITS);
	if (a->det == NULL || a->ing == NULL ||
	    a->dialogs == NULL || a->scache == NULL ||
	    htab_init(&a->eps, 1024) != 0 ||
	    htab_init(&a->streams, 1024) != 0) {
		analysis_free(a);
		return NULL;
	}
	return a;
}

void
analysis_free(struct analysis *a)
{
	if (a == NULL)
		return;
	if (a->dialogs) {
		/* Drop without reporting. */
		a->cb.on_dialog = NULL;
		a->cb.on_stream = NULL;
		dialog_table_free(a->dialogs);
	}
	while (a->orphan_head)
		orphan_release(a, a->orphan_head);
#ifdef SIPALG_CHECK_OWNER
	owner_check_log(a);
#endif
	ingest_free(a->ing);
	while (a->ep_blocks != NULL) {
		struct ep_block *b = a->ep_blocks;

		a->ep_blocks = b->next;
		free(b);
	}
	htab_fini(&a->eps);
	htab_fini(&a->streams);
	free(a->scache);
	detect_free(a->det);
	free(a->stats);
	free(a);
}

int
analysis_add_file(struct analysis *a, const char *path, char *err,
    size_t errlen)
{
	struct capture_set *cs = ingest_captures(a->ing);
	struct analysis_capstats *ns;

	if (ingest_add_file(a->ing, path, err, errlen) != 0)
		return -1;
	ns = realloc(a->stats, capture_set_count(cs) * sizeof(*ns));
	if (ns == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->stats = ns;
	memset(&a->stats[capture_set_count(cs) - 1], 0, sizeof(*ns));
	a->nstats = capture_set_count(cs);
	detect_set_capture(a->det, (uint32_t)(a->nstats - 1),
	    capture_set_info(cs, a->nstats - 1));
	return 0;
}

static void
housekeeping(struct analysis *a, int64_t now_ns)
{
	dialog_table_expire(a->dialogs, now_ns);
	ingest_expire(a->ing, now_ns, a->cur_an);
	expire_orphans(a, now_ns, false);
}

#define PROGRESS_EVERY 65536

int
analysis_run(struct analysis *a)
{
	struct capture_set *cs = ingest_captures(a->ing);
	const struct capture_frame *f;

	/*
	 * Per frame, what the last frame found is taken again when it
	 * holds: the file's anomalies while the file is the same, and the
	 * frame's second (no division) while within it.
	 */
	a->cur_an = NULL;
	a->sec_known = false;
	while (!a->stop && (f = ingest_peek(a->ing)) != NULL) {
		int64_t ts = f->ts_ns;

		if (f->cap_idx != a->cur_cap || a->cur_an == NULL) {
			a->cur_cap = f->cap_idx;
			a->cur_an = &capture_set_info(cs, f->cap_idx)->an;
		}
		if (ts > a->now_ns)
			a->now_ns = ts;
		ingest_next(a->ing, a->cur_an);
		if (!a->sec_known || ts < a->sec_start_ns ||
		    ts - a->sec_start_ns >= CAP_NS_PER_SEC) {
			int64_t sec = ts / CAP_NS_PER_SEC;

			if (sec != a->last_housekeeping_s) {
				a->last_housekeeping_s = sec;
				housekeeping(a, a->now_ns);
			}
			/* [sec_start_ns, + 1 s) is the second's for ts >= 0
			 * (the division rounds towards zero) */
			a->sec_known = ts >= 0;
			a->sec_start_ns = sec * CAP_NS_PER_SEC;
		}
		if (++a->packets % PROGRESS_EVERY == 0 && a->cb.on_progress) {
			uint64_t done, total;

			capture_set_progress(cs, &done, &total);
			a->cb.on_progress(a->cb.user, done, total, a->packets);
		}
	}
	if (a->stop)
		return 1;
	/* End of input: flush what TCP still holds, then report everything
	 * still open as it stands. */
	ingest_flush(a->ing, a->cur_an);
	expire_orphans(a, a->now_ns, true);
	dialog_table_free(a->dialogs);
	a->dialogs = dialog_table_new(on_dialog_done, a);
	if (a->cb.on_progress) {
		uint64_t done, total;

		capture_set_progress(cs, &done, &total);
		a->cb.on_progress(a->cb.user, total, total, a->packets);
	}
	return 0;
}

void
analysis_stop(struct analysis *a)
{
	a->stop = 1;
}

size_t
analysis_capture_count(const struct analysis *a)
{
	return a->nstats;
}

const struct capture_info *
analysis_capture_info(struct analysis *a, size_t idx)
{
	return idx < a->nstats ? capture_set_info(ingest_captures(a->ing), idx) :
	    NULL;
}

const struct analysis_capstats *
analysis_capture_stats(const struct analysis *a, size_t idx)
{
	return idx < a->nstats ? &a->stats[idx] : NULL;
}

const struct detect *
analysis_detect(const struct analysis *a)
{
	return a->det;
}

void
analysis_peaks(const struct analysis *a, size_t *dialogs, size_t *streams,
    size_t *dialog_bytes)
{
	*dialogs = a->peak_dialogs;
	*streams = a->peak_streams;
	*dialog_bytes = a->peak_dialog_bytes;
}
