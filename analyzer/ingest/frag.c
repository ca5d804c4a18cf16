/*
 * frag.c - IPv4 and IPv6 fragment reassembly with hard bounds (frag.h).
 *
 * RFC 791 section 3.2 and RFC 8200 section 4.5 reassemble a datagram from
 * (offset, length, more-fragments) pieces.  Instead of RFC 815's hole list
 * each pending datagram keeps a byte buffer and a coverage bitmap (one bit
 * per byte), both grown lazily up to the highest byte seen, never beyond
 * CAP_FRAG_DATAGRAM_BYTES, so memory follows the bytes really captured and
 * not the lengths the fragments claim.  A datagram is complete when the
 * last fragment (MF clear) fixed its length and every byte below it is
 * covered.
 *
 * Overlaps keep the first copy (the policy of most end hosts' answer to
 * RFC 5722 teardrop-style tricks would be to drop; we are a passive
 * observer and keep what arrived first) and count FRAG_OVERLAP once per
 * fragment when the bytes differ.  A fragment that contradicts the known
 * end of the datagram (data past it, or a second, different last fragment)
 * drops the datagram and also counts FRAG_OVERLAP.
 *
 * Bounds: CAP_FRAG_DATAGRAMS pending (a new datagram beyond that is dropped
 * with FRAG_TABLE_FULL; old ones leave by timeout), CAP_FRAG_PER_DATAGRAM
 * fragments (FRAG_TOO_MANY), CAP_FRAG_DATAGRAM_BYTES (FRAG_TOO_BIG),
 * CAP_FRAG_TIMEOUT_NS of capture time from the first fragment
 * (FRAG_TIMEOUT; the timeout of Linux's ipfrag_time, RFC 791's upper
 * bound on a reassembly timer is 15 s to 2 min).  Pending datagrams sit in
 * a hash table for lookup and on a list in creation order, so expiry looks
 * only at the oldest ones.  At the end of the input (frag_table_flush)
 * what is still pending is FRAG_UNFINISHED.
 *
 * A datagram that leaves unfinished (timeout, a stale one whose id is
 * reused, the end) goes to the lost callback with the bytes it holds from
 * offset 0: a router or filter that drops non-first fragments leaves only
 * first fragments on the wire, and their start is all anyone will see of
 * the message (oversize_drop).  Nothing more is kept for it: the buffer
 * is the one reassembly already had, within the caps above.
 *
 * Completed buffers are handed out from a small ring so that a datagram
 * reassembled inside another reassembled datagram (fragments in a tunnel
 * that was itself fragmented) does not free the outer buffer while the
 * decoder still walks it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/frag.h"

#define FRAG_BUCKETS 2048            /* power of two, > CAP_FRAG_DATAGRAMS */
#define FRAG_GROW    2048            /* buffer growth step in bytes */
#define FRAG_RING    (CAP_ENCAP_DEPTH + 2)
#define NIL          (-1)

struct fdg {
	struct frag_key key;
	int64_t first_ns;
	uint8_t *buf;                /* data, cap bytes */
	uint8_t *map;                /* coverage bitmap, cap / 8 bytes */
	uint32_t cap;                /* bytes allocated */
	uint32_t covered;            /* distinct bytes received */
	uint32_t total;              /* datagram length once the last is seen */
	uint32_t cap_idx;            /* the fragment at offset 0 (frame 0: */
	uint64_t frame;              /* not seen yet) */
	uint16_t nfrags;
	uint8_t have_last;
	uint8_t used;
	int hnext;                   /* hash chain */
	int prev, next;              /* creation order list */
};

struct frag_table {
	int bucket[FRAG_BUCKETS];
	struct fdg dg[CAP_FRAG_DATAGRAMS];
	int free_head;               /* free slots, chained through hnext */
	int old, young;              /* creation order list ends */
	size_t pending;
	uint8_t *ring[FRAG_RING];    /* completed buffers still lent out */
	unsigned ring_pos;
	frag_lost_fn lost;
	void *lost_user;
};

static uint32_t
key_hash(const struct frag_key *k)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = { k->src, k->dst };
	size_t n = k->family == 4 ? 4 : 16;

	h = (h ^ k->family) * 16777619u;
	h = (h ^ k->proto) * 16777619u;
	for (int j = 0; j < 2; j++)
		for (size_t i = 0; i < n; i++)
			h = (h ^ parts[j][i]) * 16777619u;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((k->id >> (8 * i)) & 0xff)) * 16777619u;
	h ^= h >> 15;
	return h & (FRAG_BUCKETS - 1);
}

static int
key_eq(const struct frag_key *a, const struct frag_key *b)
{
	size_t n = a->family == 4 ? 4 : 16;

	return a->family == b->family && a->proto == b->proto &&
	    a->id == b->id && memcmp(a->src, b->src, n) == 0 &&
	    memcmp(a->dst, b->dst, n) == 0;
}

struct frag_table *
frag_table_new(void)
{
	struct frag_table *ft = calloc(1, sizeof(*ft));

	if (ft == NULL)
		return NULL;
	for (int i = 0; i < FRAG_BUCKETS; i++)
		ft->bucket[i] = NIL;
	for (int i = 0; i < CAP_FRAG_DATAGRAMS; i++)
		ft->dg[i].hnext = i + 1 < CAP_FRAG_DATAGRAMS ? i + 1 : NIL;
	ft->free_head = 0;
	ft->old = ft->young = NIL;
	return ft;
}

void
frag_table_free(struct frag_table *ft)
{
	if (ft == NULL)
		return;
	for (int i = 0; i < CAP_FRAG_DATAGRAMS; i++) {
		free(ft->dg[i].buf);
		free(ft->dg[i].map);
	}
	for (int i = 0; i < FRAG_RING; i++)
		free(ft->ring[i]);
	free(ft);
}

size_t
frag_table_pending(const struct frag_table *ft)
{
	return ft->pending;
}

void
frag_table_on_lost(struct frag_table *ft, frag_lost_fn fn, void *user)
{
	ft->lost = fn;
	ft->lost_user = user;
}

/* Unlinks slot i from its bucket and the order list and frees it. */
static void
dg_drop(struct frag_table *ft, int i)
{
	struct fdg *g = &ft->dg[i];
	int *pp = &ft->bucket[key_hash(&g->key)];

	while (*pp != NIL && *pp != i)
		pp = &ft->dg[*pp].hnext;
	if (*pp == i)
		*pp = g->hnext;
	if (g->prev != NIL)
		ft->dg[g->prev].next = g->next;
	else
		ft->old = g->next;
	if (g->next != NIL)
		ft->dg[g->next].prev = g->prev;
	else
		ft->young = g->prev;
	free(g->buf);
	free(g->map);
	memset(g, 0, sizeof(*g));
	g->hnext = ft->free_head;
	ft->free_head = i;
	ft->pending--;
}

static int
dg_find(struct frag_table *ft, const struct frag_key *k)
{
	for (int i = ft->bucket[key_hash(k)]; i != NIL; i = ft->dg[i].hnext)
		if (key_eq(&ft->dg[i].key, k))
			return i;
	return NIL;
}

static int
dg_create(struct frag_table *ft, const struct frag_key *k, int64_t ts_ns)
{
	int i = ft->free_head;
	struct fdg *g;
	uint32_t h;

	if (i == NIL)
		return NIL;
	g = &ft->dg[i];
	ft->free_head = g->hnext;
	memset(g, 0, sizeof(*g));
	g->key = *k;
	g->used = 1;
	g->first_ns = ts_ns;
	h = key_hash(k);
	g->hnext = ft->bucket[h];
	ft->bucket[h] = i;
	g->next = NIL;
	g->prev = ft->young;
	if (ft->young != NIL)
		ft->dg[ft->young].next = i;
	else
		ft->old = i;
	ft->young = i;
	ft->pending++;
	return i;
}

/* Grows buffer and bitmap to hold end bytes; -1 on OOM. */
static int
dg_grow(struct fdg *g, uint32_t end)
{
	uint32_t ncap;
	uint8_t *nb, *nm;

	if (end <= g->cap)
		return 0;
	ncap = (end + FRAG_GROW - 1) / FRAG_GROW * FRAG_GROW;
	if (ncap > CAP_FRAG_DATAGRAM_BYTES)
		ncap = CAP_FRAG_DATAGRAM_BYTES;
	nb = realloc(g->buf, ncap);
	if (nb == NULL)
		return -1;
	g->buf = nb;
	nm = realloc(g->map, (ncap + 7) / 8);
	if (nm == NULL)
		return -1;
	memset(nm + (g->cap + 7) / 8, 0, (ncap + 7) / 8 - (g->cap + 7) / 8);
	g->map = nm;
	g->cap = ncap;
	return 0;
}

/*
 * Copies data into the datagram at off, byte ranges already covered are
 * kept.  Returns 1 when some already covered byte differed.
 */
static int
dg_fill(struct fdg *g, uint32_t off, const uint8_t *data, uint32_t len)
{
	int differ = 0;

	for (uint32_t i = 0; i < len; i++) {
		uint32_t b = off + i;
		uint8_t bit = (uint8_t)(1u << (b & 7));

		/* Whole uncovered bitmap bytes go eight at a time. */
		if ((b & 7) == 0 && len - i >= 8 && g->map[b >> 3] == 0) {
			memcpy(g->buf + b, data + i, 8);
			g->map[b >> 3] = 0xff;
			g->covered += 8;
			i += 7;
			continue;
		}
		if (g->map[b >> 3] & bit) {
			if (g->buf[b] != data[i])
				differ = 1;
			continue;
		}
		g->buf[b] = data[i];
		g->map[b >> 3] |= bit;
		g->covered++;
	}
	return differ;
}

/*
 * Slot i leaves unfinished: tells the lost callback what it holds (the
 * bytes covered without a gap from offset 0, checked eight at a time
 * where the bitmap allows), then drops it.
 */
static void
dg_lost(struct frag_table *ft, int i, struct anomalies *an)
{
	struct fdg *g = &ft->dg[i];
	struct frag_lost l;
	uint32_t n = 0;

	if (ft->lost != NULL) {
		while (n < g->cap) {
			if ((n & 7) == 0 && n + 8 <= g->cap &&
			    g->map[n >> 3] == 0xff) {
				n += 8;
				continue;
			}
			if (!(g->map[n >> 3] & (1u << (n & 7))))
				break;
			n++;
		}
		memset(&l, 0, sizeof(l));
		l.key = g->key;
		l.at.ts_ns = g->first_ns;
		l.at.cap_idx = g->cap_idx;
		l.at.frame = g->frame;
		l.nfrags = g->nfrags;
		l.seen = g->covered;
		l.total = g->have_last ? g->total : 0;
		l.head = g->buf;
		l.head_len = n;
		ft->lost(ft->lost_user, &l, an);
	}
	dg_drop(ft, i);
}

/* Hands the completed buffer of slot i to the ring and drops the slot. */
static const uint8_t *
dg_finish(struct frag_table *ft, int i)
{
	struct fdg *g = &ft->dg[i];
	uint8_t *b = g->buf;

	g->buf = NULL;
	ft->ring_pos = (ft->ring_pos + 1) % FRAG_RING;
	free(ft->ring[ft->ring_pos]);
	ft->ring[ft->ring_pos] = b;
	dg_drop(ft, i);
	return b;
}

int
frag_table_add(struct frag_table *ft, const struct frag_key *key,
    uint32_t offset, int more, const uint8_t *data, size_t len,
    const struct frag_at *at, const uint8_t **out, size_t *outlen,
    uint16_t *nfrags, struct anomalies *an)
{
	int64_t ts_ns = at->ts_ns;
	struct fdg *g;
	uint64_t end = (uint64_t)offset + len;
	int i;

	*out = NULL;
	*outlen = 0;
	*nfrags = 0;
	if (data == NULL)
		len = 0;
	i = dg_find(ft, key);
	if (i != NIL && ts_ns - ft->dg[i].first_ns > CAP_FRAG_TIMEOUT_NS) {
		/* A stale datagram with a reused id: the old one timed out. */
		anomaly_add(an, ANOMALY_FRAG_TIMEOUT);
		dg_lost(ft, i, an);
		i = NIL;
	}
	if (i == NIL && offset == 0 && !more) {
		/* Not really fragmented (e.g. an IPv6 atomic fragment). */
		*out = data;
		*outlen = len;
		*nfrags = 1;
		return 1;
	}
	if (end > CAP_FRAG_DATAGRAM_BYTES) {
		anomaly_add(an, ANOMALY_FRAG_TOO_BIG);
		if (i != NIL)
			dg_drop(ft, i);
		return -1;
	}
	if (i == NIL) {
		i = dg_create(ft, key, ts_ns);
		if (i == NIL) {
			anomaly_add(an, ANOMALY_FRAG_TABLE_FULL);
			return -1;
		}
	}
	g = &ft->dg[i];
	if (g->nfrags >= CAP_FRAG_PER_DATAGRAM) {
		anomaly_add(an, ANOMALY_FRAG_TOO_MANY);
		dg_drop(ft, i);
		return -1;
	}
	if (g->have_last && (end > g->total || (!more && end != g->total))) {
		anomaly_add(an, ANOMALY_FRAG_OVERLAP);
		dg_drop(ft, i);
		return -1;
	}
	if (dg_grow(g, (uint32_t)end) < 0) {
		/* Out of memory counts as the datagram being too big for us. */
		anomaly_add(an, ANOMALY_FRAG_TOO_BIG);
		dg_drop(ft, i);
		return -1;
	}
	g->nfrags++;
	if (offset == 0 && g->frame == 0) {
		g->cap_idx = at->cap_idx;
		g->frame = at->frame;
	}
	if (!more && !g->have_last) {
		/* Bytes already received past the claimed end contradict it. */
		for (uint32_t b = (uint32_t)end; b < g->cap; b++)
			if (g->map[b >> 3] & (1u << (b & 7))) {
				anomaly_add(an, ANOMALY_FRAG_OVERLAP);
				dg_drop(ft, i);
				return -1;
			}
		g->have_last = 1;
		g->total = (uint32_t)end;
	}
	if (len > 0 && dg_fill(g, offset, data, (uint32_t)len))
		anomaly_add(an, ANOMALY_FRAG_OVERLAP);
	if (g->have_last && g->covered == g->total) {
		*nfrags = g->nfrags;
		*outlen = g->total;
		if (g->total == 0) {
			/* Nothing was carried; a non-NULL empty span. */
			*out = (const uint8_t *)"";
			dg_drop(ft, i);
		} else
			*out = dg_finish(ft, i);
		return 1;
	}
	return 0;
}

void
frag_table_expire(struct frag_table *ft, int64_t now_ns,
    struct anomalies *an)
{
	while (ft->old != NIL &&
	    now_ns - ft->dg[ft->old].first_ns > CAP_FRAG_TIMEOUT_NS) {
		anomaly_add(an, ANOMALY_FRAG_TIMEOUT);
		dg_lost(ft, ft->old, an);
	}
}

void
frag_table_flush(struct frag_table *ft, struct anomalies *an)
{
	while (ft->old != NIL) {
		anomaly_add(an, ANOMALY_FRAG_UNFINISHED);
		dg_lost(ft, ft->old, an);
	}
}
