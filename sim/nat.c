/*
 * nat.c - a NAT model after RFC 4787, with Linux conntrack timers.
 *
 * A binding is (proto, inside endpoint) -> public port, plus the remotes
 * the inside has sent to.  The mapping behaviour decides which outbound
 * packets share a binding: EIM = same inside endpoint; ADM = also same
 * remote address; APDM = also same remote port (Linux masquerade, where
 * port preservation makes it look endpoint-independent until two flows
 * collide).  A per-tuple (APDM) NAT holds a public port per remote, as
 * conntrack's tuple does: two inside endpoints may share one toward
 * different remotes, and an inbound packet goes to the binding whose
 * tuple it answers.  The filtering behaviour decides which inbound packets a live
 * binding accepts: EIF anyone, ADF remotes the inside sent to, APDF those
 * remote address:port pairs only (RFC 4787 section 5).
 *
 * Lifetimes (ALG-REFERENCE 1.3, K5): a UDP binding lives udp_timeout
 * seconds after its last packet until it has seen both directions, then
 * udp_stream_timeout -- with the 2-second rule, only once it is still
 * active 2 s after its first packet.  Inspected signalling gets
 * sip_timeout (K4: the helper refreshes the master conntrack to an hour).
 * TCP gets tcp_timeout.  Each packet either way refreshes.
 *
 * Tables are arrays bounded by caps.h (SIM_CAP_NAT_MAPPINGS,
 * SIM_CAP_PINHOLES; hitting one counts a SIM_*_TABLE_FULL anomaly),
 * indexed by chains of slot numbers: bindings by public port (one chain
 * a port) and by inside endpoint, pinholes by public port, signalling
 * flow and inside media pair (hashed).  A summary of the ports held, by
 * blocks of 64 (struct psum), lets a port search pass a block all held
 * instead of trying each port: the port found is the plain scan's.  Where several entries match, the lowest slot wins, as a
 * scan of the array in order would have it, and a new entry takes the
 * lowest slot that is free (a binding: free or dead), so the decisions
 * do not depend on the indexes.  A min tree over the bindings' death
 * times finds that slot; a heap of expiry times ends pinholes that time
 * out when a new media expectation is made.
 */
#include <stdlib.h>
#include <string.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/htab.h"
#include "nat.h"

#define NIL UINT32_MAX
#define NAT_BUCKETS 16384          /* per index, a power of two */

struct remote_set {
	struct ep r[NAT_MAX_REMOTES];
	int n;
};

struct binding {
	bool used;
	uint8_t proto;
	bool sig;                 /* inspected signalling */
	bool replied;             /* seen inbound traffic */
	bool media;               /* reserved by the ALG for SDP media */
	struct ep in, pub;
	struct ep key_remote;     /* ADM/APDM: the remote this binding is for */
	struct remote_set rs;
	int64_t first_ns, last_ns, reply_ns;
	uint32_t keepalive_s;     /* registrar keepalives keep it alive */
	int64_t keepalive_from;
	uint32_t nx_pub, nx_in;   /* index chains (NIL: end) */
	bool linked;
	bool counted;             /* in the port summary (struct psum) */
};

struct pinhole {
	bool used;
	bool is_register;
	bool outward;             /* an expectation for the far end's media: holds a slot, admits nothing inbound */
	uint8_t proto;
	char kind;                /* 'a' audio, 'v' video, 'i' image, 0 none (expectation class) */
	struct ep pub, inside, allowed;
	struct nat_flow flow;     /* the signalling flow that announced it (proto 0: none) */
	int64_t expires_ns;
	uint64_t born;            /* insertion order, for eviction of the oldest */
	uint32_t nx_port, nx_flow, nx_in; /* index chains (NIL: end) */
	bool linked;
	bool counted;             /* in the port summary (struct psum) */
};

/* One chained index over slot numbers. */
struct idx {
	uint32_t head[NAT_BUCKETS];
};

/*
 * Which public ports of one protocol are held, by blocks of 64, so that
 * a search can pass a block every port of which is held without looking
 * at each port.  A holder is counted from when it is linked until it is
 * unlinked, or for a binding until a search at a time past its death
 * finds it dead (the tree cdeath): a counted holder holds its port for
 * every search at a time not before that, except for the inside endpoint
 * that owns it (same_owner) and, in a per-tuple NAT, a search for another
 * remote than the binding's.  So all[] counts every holder; x[] those
 * that hold the port for the block's remote xr[] too (pinholes, forwards,
 * media bindings and the bindings whose tuple has xr), which a search
 * for that remote may trust.  A block counts its ports with a holder.
 * The summary only says where every port is held: a block with a free
 * port is searched port by port, with port_held, as before.
 */
#define PS_PORTS 65536
#define PS_BLK 64
#define PS_NBLK (PS_PORTS / PS_BLK)
#define PS_MAX_OWN 64             /* ports of the searcher's own holders */

struct psum {
	uint32_t all[PS_PORTS], x[PS_PORTS];
	uint16_t blk_all[PS_NBLK], blk_x[PS_NBLK];
	struct ep xr[PS_NBLK];
	bool xset[PS_NBLK];       /* false: x[] counts the holders for any remote */
};

/* A pinhole's expiry, for the heap (stale when the slot changed since). */
struct expiry {
	int64_t at;
	uint32_t slot;
	uint64_t born;
};

/*
 * A conntrack entry made by an inbound packet that no mapping or pinhole
 * admitted (Linux: the router's own INPUT path confirms it): it holds the
 * tuple remote -> public port, so a later outbound flow to that remote
 * cannot take that public port (nf_nat_used_tuple) and gets another one.
 */
struct ghost {
	uint8_t proto;
	uint16_t port;
	struct ep remote;
	int64_t last_ns;
};

struct fwd {
	uint8_t proto;
	uint16_t port;
	struct ep inside;
};

struct cidr {
	uint8_t ip[4];
	int bits;
};

/*
 * The ports alloc_port's scan looks at (its cursor's range, and the
 * port above for an even pair): a holder elsewhere does not matter to it.
 */
/*
 * Where a new public port comes from when the source port cannot be kept
 * (taken, or port_preservation off).  Linux's masquerade (nf_nat_core.c
 * get_unique_tuple -> nf_nat_l4proto_unique_tuple, no port range given)
 * picks from 1024-65535 for a source port >= 1024
 * (samples/linux-alg/nat-ports-alg-off: 16340 and 59601): a NAT that
 * maps per tuple and keeps ports (nat_mapping apdm, port_preservation)
 * is taken to do the same (its 600-1023 and 1-511 ranges for privileged
 * source ports are not modelled); any other keeps the range the model
 * had (32768-60999, Linux's local port range), for want of evidence.
 */
#define ALLOC_PORT_MIN(n) ((n)->pmin)
#define ALLOC_PORT_MAX(n) ((n)->pmax)
#define ALLOC_WIDE_MIN 1024
#define ALLOC_WIDE_MAX 65535
#define ALLOC_NARROW_MIN 32768
#define ALLOC_NARROW_MAX 60999

struct nat {
	const struct sim_cfg *cfg;
	struct ep pub;
	struct binding *b;
	size_t nb, bcap;
	int64_t *death;           /* min tree over slots: when each binding dies */
	uint32_t *b_port;         /* bindings by public port: one chain per port */
	struct idx *b_in;
	int64_t *cdeath;          /* min tree over slots: death of counted bindings */
	struct psum *ps[2];       /* UDP, TCP */
	int64_t swept;            /* counted bindings die at or after this */
	int64_t ka_max;           /* the latest keepalive start (binding_alive's edge) */
	bool exhaustive;          /* nat_set_exhaustive */
	struct pinhole *ph;
	size_t nph, phcap;        /* slots in use so far, allocated */
	uint64_t *ph_free;        /* bitmap of used pinhole slots */
	struct idx *p_port, *p_flow, *p_in;
	struct expiry *heap;
	size_t nheap, heapcap;
	uint64_t ph_born;
	struct anomalies *an;
	struct ghost gh[NAT_MAX_GHOSTS];
	struct fwd fw[NAT_MAX_FORWARDS];
	int nfw;
	struct cidr nets[NAT_MAX_INSIDE_NETS];
	int nnets;
	uint32_t next_port;       /* allocator cursor */
	uint32_t pmin, pmax;      /* its range (ALLOC_PORT_MIN/MAX) */
	/*
	 * alloc_port's last full scan that found no port (every one held):
	 * while nothing that held a port has gone (gen: a binding unlinked
	 * or dying earlier than it did, a pinhole unlinked, a forward added)
	 * and every holder it met is still alive (before fail_until), the
	 * same scan finds none again for an inside endpoint that holds no
	 * port itself: alloc_port then only moves the cursor as the scan
	 * would.  Without it a table full of live bindings costs a scan of
	 * every port per new flow, per packet.
	 */
	uint64_t gen;
	uint64_t work;            /* ports tried (nat_work) */
	bool fail_valid, fail_even;
	uint8_t fail_proto;
	uint64_t fail_gen;
	int64_t fail_t0, fail_until;
	struct ep fail_in;
	struct ep fail_remote;    /* the remote it was for (per tuple) ... */
	bool fail_remote_set;     /* ... if it was for one */
	/* the ports of that scan a pinhole held (by offset in the range) */
	uint64_t fail_ph[(ALLOC_WIDE_MAX + 2 - ALLOC_WIDE_MIN + 63) / 64];
	uint32_t rnd;             /* deterministic generator for random ports */
};

const char *
nat_verdict_name(enum nat_verdict v)
{
	switch (v) {
	case NAT_PASS: return "pass";
	case NAT_NO_BINDING: return "no_binding";
	case NAT_EXPIRED: return "binding_expired";
	case NAT_FILTERED: return "filtered";
	case NAT_PINHOLE_SRC: return "pinhole_source_not_allowed";
	case NAT_NOT_PUBLIC: return "not_public_address";
	case NAT_TABLE_FULL: return "nat_table_full";
	}
	return "unknown";
}

/* ---- the indexes: chains of slot numbers ---- */

static struct idx *
idx_new(void)
{
	struct idx *x = malloc(sizeof(*x));

	if (x != NULL)
		memset(x->head, 0xff, sizeof(x->head));   /* NIL everywhere */
	return x;
}

static uint32_t
bucket(uint64_t h)
{
	return (uint32_t)(htab_mix64(h) & (NAT_BUCKETS - 1));
}

static uint64_t
hash_ep(uint8_t proto, const struct ep *e)
{
	return ep_hash(e) ^ ((uint64_t)proto << 56);
}

static uint64_t
hash_flow(const struct nat_flow *f)
{
	return ep_hash(&f->in) * 31 + ep_hash(&f->remote) + f->proto;
}

/* The inside media pair of e: its address and port & ~1 (RTP and RTCP). */
static uint64_t
hash_pair(const struct ep *e)
{
	struct ep k = *e;

	k.port &= (uint16_t)~1u;
	return ep_hash(&k);
}

/* Unlinks slot from the chain at *head whose links are next[] (stride). */
#define IDX_DEL(head, arr, field, slot) do {				\
	uint32_t *pp_ = (head);						\
	while (*pp_ != NIL && *pp_ != (slot))				\
		pp_ = &(arr)[*pp_].field;				\
	if (*pp_ == (slot))						\
		*pp_ = (arr)[slot].field;				\
} while (0)

static bool
in_alloc_range(const struct nat *n, uint32_t port)
{
	return port >= ALLOC_PORT_MIN(n) && port <= ALLOC_PORT_MAX(n) + 1;
}

/* ---- the port summary ---- */

static bool remote_known(const struct remote_set *rs, const struct ep *r);
static void remote_add(struct remote_set *rs, const struct ep *r);

static struct psum *
ps_of(const struct nat *n, uint8_t proto)
{
	return proto == 17 ? n->ps[0] : proto == 6 ? n->ps[1] : NULL;
}

/* Whether counted binding b holds its port for the remote of its block
 * (tuple_apart false for it). */
static bool
holds_x(const struct psum *s, const struct binding *b)
{
	size_t k = b->pub.port / PS_BLK;

	return b->media || (s->xset[k] && (ep_eq(&b->key_remote, &s->xr[k]) ||
	    remote_known(&b->rs, &s->xr[k])));
}

/* One holder more (d = 1) or less (-1) on port p, for x[] too if x. */
static void
ps_add(struct psum *s, uint16_t p, bool x, int d)
{
	size_t k = p / PS_BLK;

	if (d > 0) {
		if (s->all[p]++ == 0)
			s->blk_all[k]++;
		if (x && s->x[p]++ == 0)
			s->blk_x[k]++;
	} else {
		if (--s->all[p] == 0)
			s->blk_all[k]--;
		if (x && --s->x[p] == 0)
			s->blk_x[k]--;
	}
}

/* Sets leaf slot of the min tree t (bcap leaves) to v. */
static void
tree_set(int64_t *tr, size_t bcap, size_t slot, int64_t v)
{
	size_t i = bcap + slot;

	tr[i] = v;
	for (i >>= 1; i >= 1; i >>= 1) {
		int64_t a = tr[2 * i], b = tr[2 * i + 1];

		tr[i] = a < b ? a : b;
	}
}

/*
 * Counts binding slot in the summary, or stops counting it, as it should
 * be now: counted while linked and not dead before n->swept.
 */
static void
binding_sync(struct nat *n, size_t slot)
{
	struct binding *b = &n->b[slot];
	struct psum *s = ps_of(n, b->proto);
	int64_t d = n->death[n->bcap + slot];
	bool want = s != NULL && b->linked && b->used && d >= n->swept;

	if (want != b->counted) {
		ps_add(s, b->pub.port, holds_x(s, b), want ? 1 : -1);
		b->counted = want;
	}
	if (n->cdeath[n->bcap + slot] != (want ? d : INT64_MAX))
		tree_set(n->cdeath, n->bcap, slot, want ? d : INT64_MAX);
}

/* Stops counting every binding dead at t (death before t). */
static void
ps_sweep(struct nat *n, int64_t t)
{
	if (t > n->swept)
		n->swept = t;
	while (n->nb > 0 && n->cdeath[1] < t) {
		size_t i = 1;

		while (i < n->bcap)
			i = n->cdeath[2 * i] <= n->cdeath[2 * i + 1] ? 2 * i :
			    2 * i + 1;
		binding_sync(n, i - n->bcap);
	}
}

/* rs of binding b gains r: its summary count for its block's remote follows. */
static void
binding_remote_add(struct nat *n, struct binding *b, const struct ep *r)
{
	struct psum *s = b->counted ? ps_of(n, b->proto) : NULL;
	bool h0 = s != NULL && holds_x(s, b), h1;

	remote_add(&b->rs, r);
	if (s == NULL || (h1 = holds_x(s, b)) == h0)
		return;
	if (h1 && s->x[b->pub.port]++ == 0)
		s->blk_x[b->pub.port / PS_BLK]++;
	else if (!h1 && --s->x[b->pub.port] == 0)
		s->blk_x[b->pub.port / PS_BLK]--;
}

/* ---- bindings: indexes and the min tree of death times ---- */

static int64_t binding_death(const struct nat *n, const struct binding *b);

/* Tree leaves start at bcap (a power of two); node i = min(2i, 2i+1). */
static void
death_set(struct nat *n, size_t slot, int64_t v)
{
	if (v < n->death[n->bcap + slot] &&
	    in_alloc_range(n, n->b[slot].pub.port))
		n->gen++;     /* a holder may die earlier (alloc_port's memo) */
	tree_set(n->death, n->bcap, slot, v);
	binding_sync(n, slot);
}

/* Lowest slot below nb whose binding is free or dead at t; nb if none. */
static size_t
death_first(const struct nat *n, int64_t t)
{
	size_t i = 1;

	if (n->nb == 0 || n->death[1] >= t)
		return n->nb;
	while (i < n->bcap)
		i = n->death[2 * i] < t ? 2 * i : 2 * i + 1;
	return i - n->bcap;
}

static void
binding_touch(struct nat *n, const struct binding *b)
{
	death_set(n, (size_t)(b - n->b), binding_death(n, b));
}

static void
binding_unlink(struct nat *n, size_t i)
{
	struct binding *b = &n->b[i];

	if (!b->linked)
		return;
	if (in_alloc_range(n, b->pub.port))
		n->gen++;
	IDX_DEL(&n->b_port[b->pub.port], n->b, nx_pub, (uint32_t)i);
	IDX_DEL(&n->b_in->head[bucket(hash_ep(b->proto, &b->in))], n->b, nx_in,
	    (uint32_t)i);
	b->linked = false;
	binding_sync(n, i);
}

/* b's proto, pub and in are set: index it, and its death time. */
static void
binding_link(struct nat *n, struct binding *b)
{
	uint32_t i = (uint32_t)(b - n->b), *h;

	h = &n->b_port[b->pub.port];
	b->nx_pub = *h;
	*h = i;
	h = &n->b_in->head[bucket(hash_ep(b->proto, &b->in))];
	b->nx_in = *h;
	*h = i;
	b->linked = true;
	binding_touch(n, b);
}

static int
binding_grow(struct nat *n)
{
	size_t nc = n->bcap * 2, i;
	struct binding *nb;
	int64_t *nd, *ncd;

	if (nc > SIM_CAP_NAT_MAPPINGS)
		return -1;
	if ((nb = realloc(n->b, nc * sizeof(*nb))) == NULL)
		return -1;
	n->b = nb;
	memset(&n->b[n->bcap], 0, (nc - n->bcap) * sizeof(*nb));
	if ((nd = malloc(2 * nc * sizeof(*nd))) == NULL)
		return -1;
	if ((ncd = malloc(2 * nc * sizeof(*ncd))) == NULL) {
		free(nd);
		return -1;
	}
	for (i = 0; i < nc; i++) {
		nd[nc + i] = i < n->nb ? n->death[n->bcap + i] : INT64_MAX;
		ncd[nc + i] = i < n->nb ? n->cdeath[n->bcap + i] : INT64_MAX;
	}
	for (i = nc - 1; i >= 1; i--) {
		nd[i] = nd[2 * i] < nd[2 * i + 1] ? nd[2 * i] : nd[2 * i + 1];
		ncd[i] = ncd[2 * i] < ncd[2 * i + 1] ? ncd[2 * i] :
		    ncd[2 * i + 1];
	}
	free(n->death);
	free(n->cdeath);
	n->death = nd;
	n->cdeath = ncd;
	n->bcap = nc;
	return 0;
}

/* ---- pinholes: indexes, used bitmap, expiry heap ---- */

static bool
flow_eq(const struct nat_flow *a, const struct nat_flow *b)
{
	return a->proto == b->proto && ep_eq(&a->in, &b->in) &&
	    ep_eq(&a->remote, &b->remote);
}

static void
ph_unlink(struct nat *n, size_t k)
{
	struct pinhole *p = &n->ph[k];

	if (!p->linked)
		return;
	if (n->fail_valid && in_alloc_range(n, p->pub.port) &&
	    (n->fail_ph[(p->pub.port - ALLOC_PORT_MIN(n)) / 64] >>
	    ((p->pub.port - ALLOC_PORT_MIN(n)) % 64) & 1))
		n->gen++;     /* it held a port for alloc_port's memo */
	IDX_DEL(&n->p_port->head[bucket(p->pub.port)], n->ph, nx_port,
	    (uint32_t)k);
	IDX_DEL(&n->p_flow->head[bucket(hash_flow(&p->flow))], n->ph, nx_flow,
	    (uint32_t)k);
	if (!p->outward)
		IDX_DEL(&n->p_in->head[bucket(hash_pair(&p->inside))], n->ph,
		    nx_in, (uint32_t)k);
	p->linked = false;
	if (p->counted)
		ps_add(ps_of(n, p->proto), p->pub.port, true, -1);
	p->counted = false;
}

/* The slot is free again. */
static void
ph_release(struct nat *n, size_t k)
{
	ph_unlink(n, k);
	n->ph[k].used = false;
	n->ph_free[k / 64] &= ~(1ull << (k % 64));
}

static void
heap_push(struct nat *n, int64_t at, uint32_t slot, uint64_t born)
{
	size_t i;

	if (n->nheap == n->heapcap) {
		size_t nc = n->heapcap ? n->heapcap * 2 : 256;
		struct expiry *nh;

		/* entries are never more than slots used plus stale ones:
		 * past 4 per slot, rebuild from the live slots */
		if (nc > 4 * (size_t)SIM_CAP_PINHOLES) {
			size_t k;

			n->nheap = 0;
			for (k = 0; k < n->nph; k++)
				if (n->ph[k].used && n->ph[k].expires_ns != 0 &&
				    n->nheap < n->heapcap) {
					n->heap[n->nheap].at = n->ph[k].expires_ns;
					n->heap[n->nheap].slot = (uint32_t)k;
					n->heap[n->nheap].born = n->ph[k].born;
					for (i = n->nheap++; i > 0 &&
					    n->heap[(i - 1) / 2].at > n->heap[i].at; i = (i - 1) / 2) {
						struct expiry t = n->heap[i];

						n->heap[i] = n->heap[(i - 1) / 2];
						n->heap[(i - 1) / 2] = t;
					}
				}
			if (n->nheap == n->heapcap)
				return;
		} else {
			if ((nh = realloc(n->heap, nc * sizeof(*nh))) == NULL)
				return;
			n->heap = nh;
			n->heapcap = nc;
		}
	}
	i = n->nheap++;
	n->heap[i].at = at;
	n->heap[i].slot = slot;
	n->heap[i].born = born;
	while (i > 0 && n->heap[(i - 1) / 2].at > n->heap[i].at) {
		struct expiry t = n->heap[i];

		n->heap[i] = n->heap[(i - 1) / 2];
		n->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void
heap_pop(struct nat *n)
{
	size_t i = 0;

	n->heap[0] = n->heap[--n->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n->nheap && n->heap[l].at < n->heap[m].at)
			m = l;
		if (r < n->nheap && n->heap[r].at < n->heap[m].at)
			m = r;
		if (m == i)
			break;
		{
			struct expiry t = n->heap[i];

			n->heap[i] = n->heap[m];
			n->heap[m] = t;
		}
		i = m;
	}
}

/* Every pinhole expired at t is closed (its slot free). */
static void
ph_expire(struct nat *n, int64_t t)
{
	while (n->nheap > 0 && n->heap[0].at < t) {
		struct expiry e = n->heap[0];
		struct pinhole *p = &n->ph[e.slot];

		heap_pop(n);
		if (p->used && p->born == e.born && p->expires_ns == e.at)
			ph_release(n, e.slot);
	}
}

/* p's keys are set: index it (and its expiry). */
static void
ph_link(struct nat *n, size_t k)
{
	struct pinhole *p = &n->ph[k];
	uint32_t *h;

	ph_unlink(n, k);
	h = &n->p_port->head[bucket(p->pub.port)];
	p->nx_port = *h;
	*h = (uint32_t)k;
	h = &n->p_flow->head[bucket(hash_flow(&p->flow))];
	p->nx_flow = *h;
	*h = (uint32_t)k;
	/* (an outward expectation has no inside endpoint to find it by) */
	if (!p->outward) {
		h = &n->p_in->head[bucket(hash_pair(&p->inside))];
		p->nx_in = *h;
		*h = (uint32_t)k;
	}
	p->linked = true;
	p->used = true;
	/* a pinhole holds its port for every remote (port_held) */
	if (!p->outward && ps_of(n, p->proto) != NULL) {
		ps_add(ps_of(n, p->proto), p->pub.port, true, 1);
		p->counted = true;
	}
	n->ph_free[k / 64] |= 1ull << (k % 64);
	if (p->expires_ns != 0)
		heap_push(n, p->expires_ns, (uint32_t)k, p->born);
}

/* Lowest unused pinhole slot (growing the table), or -1 when full. */
static long
ph_slot(struct nat *n)
{
	size_t w, k;

	for (w = 0; w < SIM_CAP_PINHOLES / 64; w++)
		if (n->ph_free[w] != ~0ull)
			break;
	if (w == SIM_CAP_PINHOLES / 64) {
		anomaly_add(n->an, ANOMALY_SIM_PINHOLE_TABLE_FULL);
		return -1;
	}
	k = w * 64 + (size_t)__builtin_ctzll(~n->ph_free[w]);
	if (k >= n->phcap) {
		size_t nc = n->phcap * 2;
		struct pinhole *np = realloc(n->ph, nc * sizeof(*np));

		if (np == NULL)
			return -1;
		memset(&np[n->phcap], 0, (nc - n->phcap) * sizeof(*np));
		n->ph = np;
		n->phcap = nc;
	}
	if (k >= n->nph)
		n->nph = k + 1;
	return (long)k;
}

struct nat *
nat_new(const struct sim_cfg *cfg, const struct ep *pub)
{
	struct nat *n = calloc(1, sizeof(*n));
	size_t i;

	if (n == NULL)
		return NULL;
	n->bcap = 1024;
	n->phcap = 256;
	n->b = calloc(n->bcap, sizeof(*n->b));
	n->death = malloc(2 * n->bcap * sizeof(*n->death));
	n->cdeath = malloc(2 * n->bcap * sizeof(*n->cdeath));
	n->b_port = malloc(PS_PORTS * sizeof(*n->b_port));
	n->ps[0] = calloc(1, sizeof(*n->ps[0]));
	n->ps[1] = calloc(1, sizeof(*n->ps[1]));
	n->ph = calloc(n->phcap, sizeof(*n->ph));
	n->ph_free = calloc(SIM_CAP_PINHOLES / 64, sizeof(*n->ph_free));
	n->b_in = idx_new();
	n->p_port = idx_new();
	n->p_flow = idx_new();
	n->p_in = idx_new();
	if (n->b == NULL || n->death == NULL || n->cdeath == NULL ||
	    n->b_port == NULL || n->ps[0] == NULL || n->ps[1] == NULL ||
	    n->ph == NULL || n->ph_free == NULL || n->b_in == NULL ||
	    n->p_port == NULL || n->p_flow == NULL || n->p_in == NULL) {
		nat_free(n);
		return NULL;
	}
	for (i = 0; i < 2 * n->bcap; i++)
		n->death[i] = n->cdeath[i] = INT64_MAX;
	memset(n->b_port, 0xff, PS_PORTS * sizeof(*n->b_port)); /* NIL */
	n->swept = INT64_MIN;
	n->ka_max = INT64_MIN;
	n->cfg = cfg;
	n->pub = *pub;
	n->pub.port = 0;
	if (cfg->nat_mapping == NAT_APDM && cfg->port_preservation) {
		n->pmin = ALLOC_WIDE_MIN;
		n->pmax = ALLOC_WIDE_MAX;
	} else {
		n->pmin = ALLOC_NARROW_MIN;
		n->pmax = ALLOC_NARROW_MAX;
	}
	n->next_port = ALLOC_NARROW_MIN;
	n->rnd = 0x2545f491u;
	return n;
}

void
nat_set_exhaustive(struct nat *n, bool on)
{
	n->exhaustive = on;
}

uint64_t
nat_work(const struct nat *n)
{
	return n != NULL ? n->work : 0;
}

void
nat_free(struct nat *n)
{
	if (n == NULL)
		return;
	free(n->b);
	free(n->death);
	free(n->cdeath);
	free(n->b_port);
	free(n->ps[0]);
	free(n->ps[1]);
	free(n->ph);
	free(n->ph_free);
	free(n->b_in);
	free(n->p_port);
	free(n->p_flow);
	free(n->p_in);
	free(n->heap);
	free(n);
}

void
nat_set_anomalies(struct nat *n, struct anomalies *an)
{
	n->an = an;
}

const struct ep *
nat_public(const struct nat *n)
{
	return &n->pub;
}

int
nat_add_inside_net(struct nat *n, const char *cidr)
{
	const char *slash = strchr(cidr, '/');
	struct ep e;
	uint64_t bits = 32;
	size_t al = slash ? (size_t)(slash - cidr) : strlen(cidr);

	ep_clear(&e);
	if (n->nnets >= NAT_MAX_INSIDE_NETS || ep_parse_ip(&e, cidr, al) != 0 ||
	    e.family != 4)
		return -1;
	if (slash != NULL) {
		const char *b = slash + 1;
		size_t i, bl = strlen(b);

		if (bl == 0 || bl > 2)
			return -1;
		bits = 0;
		for (i = 0; i < bl; i++) {
			if (b[i] < '0' || b[i] > '9')
				return -1;
			bits = bits * 10 + (uint64_t)(b[i] - '0');
		}
		if (bits > 32)
			return -1;
	}
	memcpy(n->nets[n->nnets].ip, e.ip, 4);
	n->nets[n->nnets].bits = (int)bits;
	n->nnets++;
	return 0;
}

static bool
in_cidr(const struct cidr *c, const uint8_t *ip)
{
	uint32_t a = ((uint32_t)ip[0] << 24) | ((uint32_t)ip[1] << 16) |
	    ((uint32_t)ip[2] << 8) | ip[3];
	uint32_t b = ((uint32_t)c->ip[0] << 24) | ((uint32_t)c->ip[1] << 16) |
	    ((uint32_t)c->ip[2] << 8) | c->ip[3];
	uint32_t mask = c->bits == 0 ? 0 : 0xffffffffu << (32 - c->bits);

	return (a & mask) == (b & mask);
}

bool
nat_is_inside(const struct nat *n, const struct ep *e)
{
	static const struct cidr rfc1918[] = {
		{ { 10, 0, 0, 0 }, 8 }, { { 172, 16, 0, 0 }, 12 },
		{ { 192, 168, 0, 0 }, 16 },
	};
	int i;

	if (e->family != 4)
		return false;
	if (n->nnets == 0) {
		for (i = 0; i < 3; i++)
			if (in_cidr(&rfc1918[i], e->ip))
				return true;
		return false;
	}
	for (i = 0; i < n->nnets; i++)
		if (in_cidr(&n->nets[i], e->ip))
			return true;
	return false;
}

int
nat_add_forward(struct nat *n, uint8_t proto, uint16_t pub_port,
    const struct ep *inside)
{
	if (n->nfw >= NAT_MAX_FORWARDS)
		return -1;
	n->fw[n->nfw].proto = proto;
	n->fw[n->nfw].port = pub_port;
	n->fw[n->nfw].inside = *inside;
	n->nfw++;
	n->gen++;
	if (ps_of(n, proto) != NULL)
		ps_add(ps_of(n, proto), pub_port, true, 1);
	return 0;
}

/* The timeout that applies to b now, in seconds. */
static uint32_t
binding_timeout(const struct nat *n, const struct binding *b)
{
	const struct sim_cfg *c = n->cfg;

	if (b->proto == 6)
		return c->tcp_timeout;
	if (b->sig && c->alg && c->sip_timeout > 0)
		return c->sip_timeout;
	if (b->replied) {
		/* K5: stream status only when still active 2 s after the start. */
		if (!c->udp_stream_2s_rule ||
		    b->last_ns - b->first_ns >= 2 * CAP_NS_PER_SEC)
			return c->udp_stream_timeout;
	}
	return c->udp_timeout;
}

/* Last moment b was refreshed, counting far-end keepalives up to t. */
static int64_t
binding_last(const struct binding *b, int64_t t)
{
	int64_t last = b->last_ns, k;

	if (b->keepalive_s > 0 && t > b->keepalive_from) {
		k = b->keepalive_from + ((t - b->keepalive_from) /
		    ((int64_t)b->keepalive_s * CAP_NS_PER_SEC)) *
		    (int64_t)b->keepalive_s * CAP_NS_PER_SEC;
		if (k > last)
			last = k;
	}
	return last;
}

static bool
binding_alive(const struct nat *n, const struct binding *b, int64_t t)
{
	uint32_t to = binding_timeout(n, b);
	/* Keepalives rarer than the timeout cannot hold the binding. */
	int64_t last = b->keepalive_s > 0 && b->keepalive_s <= to ?
	    binding_last(b, t) : b->last_ns;

	return b->used && t - last <= (int64_t)to * CAP_NS_PER_SEC;
}

/*
 * The first time at which b is dead (binding_alive false for every
 * t > it): never while keepalives at most its timeout apart hold it.
 */
static int64_t
binding_death(const struct nat *n, const struct binding *b)
{
	uint32_t to = binding_timeout(n, b);

	if (!b->used)
		return INT64_MIN;
	if (b->keepalive_s > 0 && b->keepalive_s <= to)
		return INT64_MAX;
	return b->last_ns + (int64_t)to * CAP_NS_PER_SEC;
}

static bool
remote_key_match(const struct nat *n, const struct binding *b,
    const struct ep *remote)
{
	switch (n->cfg->nat_mapping) {
	case NAT_EIM:
		return true;
	case NAT_ADM:
		return ep_same_ip(&b->key_remote, remote);
	default:
		return ep_eq(&b->key_remote, remote);
	}
}

static void
remote_add(struct remote_set *rs, const struct ep *r)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (ep_eq(&rs->r[i], r))
			return;
	if (rs->n < NAT_MAX_REMOTES)
		rs->r[rs->n++] = *r;
	else
		rs->r[NAT_MAX_REMOTES - 1] = *r;
}

static bool
filter_allows(const struct nat *n, const struct binding *b,
    const struct ep *remote)
{
	int i;

	if (b->media && b->rs.n == 0)
		return false;
	switch (n->cfg->nat_filtering) {
	case NAT_EIF:
		return true;
	case NAT_ADF:
		for (i = 0; i < b->rs.n; i++)
			if (ep_same_ip(&b->rs.r[i], remote))
				return true;
		return false;
	default:
		for (i = 0; i < b->rs.n; i++)
			if (ep_eq(&b->rs.r[i], remote))
				return true;
		return false;
	}
}

/*
 * Same owner for port allocation: the same endpoint, or (for media) the
 * RTP/RTCP pair it belongs to -- the RTCP pinhole of a stream must not
 * make its own RTP port look busy on a re-INVITE.
 */
static bool
same_owner(const struct ep *a, const struct ep *b)
{
	return ep_eq(a, b) || (ep_same_ip(a, b) &&
	    (a->port & ~1) == (b->port & ~1));
}

/*
 * Until when binding b, alive at t, stays alive whatever happens to it
 * short of a touch that brings its death earlier (death_set counts those).
 */
static int64_t
binding_alive_until(const struct nat *n, const struct binding *b, int64_t t)
{
	uint32_t to = binding_timeout(n, b);

	if (b->keepalive_s > 0 && b->keepalive_s <= to && t > b->keepalive_from)
		return INT64_MAX;
	return b->last_ns + (int64_t)to * CAP_NS_PER_SEC;
}

static bool
remote_known(const struct remote_set *rs, const struct ep *r)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (ep_eq(&rs->r[i], r))
			return true;
	return false;
}

/*
 * Whether the mapping is per tuple (APDM, RFC 4787 section 4.1: Linux's
 * conntrack): then a public port is one flow's only together with the
 * remote, and two bindings may share it toward different remotes.
 */
static bool
per_tuple(const struct nat *n)
{
	return n->cfg->nat_mapping == NAT_APDM;
}

/*
 * Whether binding b's tuple leaves its public port free for a new flow
 * to remote (NULL: any remote, nothing is left free): in a per-tuple NAT
 * a binding for another remote address:port does not hold the port
 * (nf_nat_used_tuple looks the whole reply tuple up;
 * samples/linux-alg/nat-ports-alg-off, phone 10.0.0.4 keeps 5060 toward
 * .3 while 10.0.0.2 holds it toward .2).  A binding the ALG reserved for
 * media has no remote yet and holds the port for every one.
 */
static bool
tuple_apart(const struct nat *n, const struct binding *b,
    const struct ep *remote)
{
	return remote != NULL && per_tuple(n) && !b->media &&
	    !ep_eq(&b->key_remote, remote) && !remote_known(&b->rs, remote);
}

/*
 * Whether public port p of proto is held by someone other than in (for
 * a flow to remote, NULL: any): 0 not, else by whom (PORT_BY_*).  until
 * (NULL: not wanted) is lowered to when the holder found stops holding
 * it by time alone (a binding).
 */
enum { PORT_FREE, PORT_BY_BINDING, PORT_BY_PINHOLE, PORT_BY_FORWARD };

static int
port_held(const struct nat *n, uint8_t proto, uint16_t p, const struct ep *in,
    const struct ep *remote, int64_t t, int64_t *until)
{
	uint32_t i;
	int k;

	for (i = n->b_port[p]; i != NIL; i = n->b[i].nx_pub) {
		const struct binding *b = &n->b[i];

		/* dead before t (death from its array, without reading b) */
		if (n->death[n->bcap + i] < t)
			continue;
		if (b->used && b->proto == proto &&
		    (in == NULL || !same_owner(&b->in, in)) &&
		    !tuple_apart(n, b, remote) && binding_alive(n, b, t)) {
			if (until != NULL) {
				int64_t u = binding_alive_until(n, b, t);

				if (u < *until)
					*until = u;
			}
			return PORT_BY_BINDING;
		}
	}
	for (i = n->p_port->head[bucket(p)]; i != NIL; i = n->ph[i].nx_port)
		if (n->ph[i].used && !n->ph[i].outward && n->ph[i].proto == proto &&
		    n->ph[i].pub.port == p &&
		    (in == NULL || !same_owner(&n->ph[i].inside, in)))
			return PORT_BY_PINHOLE;
	for (k = 0; k < n->nfw; k++)
		if (n->fw[k].proto == proto && n->fw[k].port == p &&
		    (in == NULL || !ep_eq(&n->fw[k].inside, in)))
			return PORT_BY_FORWARD;
	return PORT_FREE;
}

static bool
port_busy(const struct nat *n, uint8_t proto, uint16_t p, const struct ep *in,
    const struct ep *remote, int64_t t)
{
	return port_held(n, proto, p, in, remote, t, NULL) != PORT_FREE;
}

/* Whether in holds a port itself (a binding or a pinhole of its own,
 * which port_busy does not count for it). */
static bool
holds_port(const struct nat *n, uint8_t proto, const struct ep *in)
{
	struct ep e = *in;
	uint32_t i;
	int j;

	for (j = 0; j < 2; j++) {
		e.port = (uint16_t)((in->port & ~1u) | (unsigned)j);
		for (i = n->b_in->head[bucket(hash_ep(proto, &e))]; i != NIL;
		    i = n->b[i].nx_in)
			if (n->b[i].used && same_owner(&n->b[i].in, in))
				return true;
	}
	for (i = n->p_in->head[bucket(hash_pair(in))]; i != NIL;
	    i = n->ph[i].nx_in)
		if (n->ph[i].used && !n->ph[i].outward &&
		    same_owner(&n->ph[i].inside, in))
			return true;
	for (j = 0; j < n->nfw; j++)
		if (ep_eq(&n->fw[j].inside, in))
			return true;
	return false;
}

/*
 * The ports of in's own holders (port_held's same_owner exemption) into
 * own[], their number; -1 when more than PS_MAX_OWN.
 */
static int
own_ports(const struct nat *n, uint8_t proto, const struct ep *in,
    uint16_t own[PS_MAX_OWN])
{
	struct ep e;
	uint32_t i;
	int j, k = 0;

	if (in == NULL)
		return 0;
	e = *in;
	for (j = 0; j < 2; j++) {
		e.port = (uint16_t)((in->port & ~1u) | (unsigned)j);
		for (i = n->b_in->head[bucket(hash_ep(proto, &e))]; i != NIL;
		    i = n->b[i].nx_in)
			if (n->b[i].used && n->b[i].proto == proto &&
			    same_owner(&n->b[i].in, in)) {
				if (k == PS_MAX_OWN)
					return -1;
				own[k++] = n->b[i].pub.port;
			}
	}
	for (i = n->p_in->head[bucket(hash_pair(in))]; i != NIL;
	    i = n->ph[i].nx_in)
		if (n->ph[i].used && !n->ph[i].outward && n->ph[i].proto == proto &&
		    same_owner(&n->ph[i].inside, in)) {
			if (k == PS_MAX_OWN)
				return -1;
			own[k++] = n->ph[i].pub.port;
		}
	for (j = 0; j < n->nfw; j++)
		if (n->fw[j].proto == proto && ep_eq(&n->fw[j].inside, in)) {
			if (k == PS_MAX_OWN)
				return -1;
			own[k++] = n->fw[j].port;
		}
	return k;
}

/*
 * Recounts x[] of block k for remote r: the counted holders of each of
 * its ports that hold it for r.  As many chain steps as port_held on
 * each port of the block.
 */
static void
ps_set_remote(struct nat *n, struct psum *s, uint8_t proto, size_t k,
    const struct ep *r)
{
	uint32_t p, i;
	int f;

	s->xr[k] = *r;
	s->xset[k] = true;
	s->blk_x[k] = 0;
	for (p = (uint32_t)k * PS_BLK; p < (uint32_t)(k + 1) * PS_BLK; p++) {
		uint32_t c = 0;

		for (i = n->b_port[p]; i != NIL; i = n->b[i].nx_pub)
			if (n->b[i].counted && n->b[i].proto == proto &&
			    holds_x(s, &n->b[i]))
				c++;
		for (i = n->p_port->head[bucket(p)]; i != NIL;
		    i = n->ph[i].nx_port)
			if (n->ph[i].counted && n->ph[i].proto == proto &&
			    n->ph[i].pub.port == p)
				c++;
		for (f = 0; f < n->nfw; f++)
			if (n->fw[f].proto == proto && n->fw[f].port == p)
				c++;
		s->x[p] = c;
		if (c > 0)
			s->blk_x[k]++;
	}
	n->work += PS_BLK;
}

/*
 * Whether every port of block k is held for a search by in (own: the
 * ports of its own holders) for remote (NULL: any) at the time of the
 * last ps_sweep: then the search may pass the block.  A per-tuple search
 * for another remote than the block's recounts the block for its remote
 * when every port has some holder.
 */
static bool
ps_block_held(struct nat *n, struct psum *s, uint8_t proto, size_t k,
    const struct ep *remote, const uint16_t *own, int nown)
{
	int j;

	if (s->blk_all[k] < PS_BLK)
		return false;
	for (j = 0; j < nown; j++)
		if (own[j] / PS_BLK == k)
			return false;
	if (remote == NULL || !per_tuple(n))
		return true;
	if (!s->xset[k] || !ep_eq(&s->xr[k], remote))
		ps_set_remote(n, s, proto, k, remote);
	return s->blk_x[k] == PS_BLK;
}

/*
 * Whether the summary can answer a search by in at t: a protocol it
 * counts, no binding that keepalives hold but binding_alive may find
 * dead at t (at or before its keepalive start, binding_death's INT64_MAX
 * notwithstanding), few own ports.  Sweeps the dead out and fills own.
 */
static struct psum *
ps_ready(struct nat *n, uint8_t proto, const struct ep *in, int64_t t,
    uint16_t own[PS_MAX_OWN], int *nown)
{
	struct psum *s = ps_of(n, proto);

	if (s == NULL || n->exhaustive || t <= n->ka_max ||
	    (*nown = own_ports(n, proto, in, own)) < 0)
		return NULL;
	ps_sweep(n, t);
	return s;
}

/* The allocator cursor after tries steps. */
static uint32_t
cursor_after(const struct nat *n, uint32_t c, uint32_t tries)
{
	uint32_t lo = ALLOC_PORT_MIN(n), hi = ALLOC_PORT_MAX(n);

	if (c >= lo && c <= hi)
		return lo + (uint32_t)(((uint64_t)(c - lo) + tries) %
		    (hi - lo + 1));
	while (tries-- > 0)
		c = c >= hi ? lo : c + 1;
	return c;
}

/* Ports one scan tries: the whole range, and a little more. */
#define ALLOC_TRIES(n) (ALLOC_PORT_MAX(n) - ALLOC_PORT_MIN(n) + 1768)

/*
 * alloc_port's scan with the summary: the same port found, the cursor
 * left where the scan leaves it, passing every block whose ports are all
 * held.  Returns 1 (*port set, 0 when none is free) or 0 when the
 * summary cannot answer (the plain scan must).
 */
static int
alloc_fast(struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, bool even, int64_t t, uint16_t *port)
{
	uint32_t lo = ALLOC_PORT_MIN(n), hi = ALLOC_PORT_MAX(n);
	uint32_t c = n->next_port, p = c, left = hi - lo + 1;
	uint16_t own[PS_MAX_OWN];
	int nown = 0;
	struct psum *s;

	if (c < lo || c > hi ||
	    (s = ps_ready(n, proto, in, t, own, &nown)) == NULL)
		return 0;
	while (left > 0) {
		uint32_t end = (p | (PS_BLK - 1)) < hi ? (p | (PS_BLK - 1)) : hi;

		if (ps_block_held(n, s, proto, p / PS_BLK, remote, own, nown)) {
			/* (back at the start's block, only up to the start) */
			n->work++;
			left -= end - p + 1 < left ? end - p + 1 : left;
			p = end + 1;
		} else {
			for (; p <= end && left > 0; p++, left--) {
				if (even && (p & 1))
					continue;
				n->work++;
				if (port_held(n, proto, (uint16_t)p, in, remote, t,
				    NULL) == PORT_FREE && (!even ||
				    port_held(n, proto, (uint16_t)(p + 1), in,
				    remote, t, NULL) == PORT_FREE)) {
					n->next_port = p >= hi ? lo : p + 1;
					*port = (uint16_t)p;
					return 1;
				}
			}
		}
		if (p > hi)
			p = lo;
	}
	n->next_port = cursor_after(n, c, ALLOC_TRIES(n));
	*port = 0;
	return 1;
}

/*
 * K1's media port: want if the RTP/RTCP pair is free, else want + 2,
 * + 4 ... below 65534, passing blocks whose ports are all held; 0 when
 * none is free.
 */
static uint16_t
keep_port(struct nat *n, const struct ep *in, uint16_t want, int64_t t)
{
	uint16_t own[PS_MAX_OWN];
	int nown = 0;
	struct psum *s = want != 0 ? ps_ready(n, 17, in, t, own, &nown) : NULL;
	uint32_t port;

	for (port = want; port != 0 && port < 65534; port += 2, n->work++) {
		if (s != NULL &&
		    ps_block_held(n, s, 17, port / PS_BLK, NULL, own, nown)) {
			/* to the last step in the block: the next is past it */
			port += ((port | (PS_BLK - 1)) - port) & ~1u;
			continue;
		}
		if (!port_busy(n, 17, (uint16_t)port, in, NULL, t) &&
		    !port_busy(n, 17, (uint16_t)(port + 1), in, NULL, t))
			return (uint16_t)port;
	}
	return 0;
}

static uint16_t
alloc_port(struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, uint16_t want, bool even, int64_t t)
{
	uint32_t tries;
	uint16_t p;
	int64_t until = INT64_MAX;
	bool in_range = n->next_port >= ALLOC_PORT_MIN(n) &&
	    n->next_port <= ALLOC_PORT_MAX(n);
	int h;

	if (want != 0 && !port_busy(n, proto, want, in, remote, t))
		return want;
	if (alloc_fast(n, proto, in, remote, even, t, &p))
		return p;
	if (n->fail_valid && n->fail_gen == n->gen && n->fail_proto == proto &&
	    n->fail_even == even && t >= n->fail_t0 && t <= n->fail_until &&
	    (remote == NULL ? !n->fail_remote_set : n->fail_remote_set &&
	    ep_eq(remote, &n->fail_remote)) &&
	    in != NULL && (ep_eq(in, &n->fail_in) || !holds_port(n, proto, in))) {
		n->next_port = cursor_after(n, n->next_port, ALLOC_TRIES(n));
		return 0;
	}
	n->fail_valid = false;
	memset(n->fail_ph, 0, sizeof(n->fail_ph));
	for (tries = 0; tries < ALLOC_TRIES(n); tries++) {
		p = (uint16_t)n->next_port;
		n->next_port = n->next_port >= ALLOC_PORT_MAX(n) ?
		    ALLOC_PORT_MIN(n) : n->next_port + 1;
		if (even && (p & 1))
			continue;
		n->work++;
		if ((h = port_held(n, proto, p, in, remote, t, &until)) ==
		    PORT_FREE && even)
			h = port_held(n, proto, ++p, in, remote, t, &until);
		if (h == PORT_FREE)
			return even ? (uint16_t)(p - 1) : p;
		if (h == PORT_BY_PINHOLE && in_alloc_range(n, p))
			n->fail_ph[(p - ALLOC_PORT_MIN(n)) / 64] |=
			    1ull << ((p - ALLOC_PORT_MIN(n)) % 64);
	}
	if (in != NULL && in_range) {
		n->fail_valid = true;
		n->fail_gen = n->gen;
		n->fail_proto = proto;
		n->fail_even = even;
		n->fail_t0 = t;
		n->fail_until = until;
		n->fail_in = *in;
		n->fail_remote_set = remote != NULL;
		if (remote != NULL)
			n->fail_remote = *remote;
	}
	return 0;
}

/* The lowest slot free or dead at t, cleared (the caller sets its keys
 * and links it), or NULL when the table is full (counted). */
static struct binding *
binding_new(struct nat *n, int64_t t)
{
	size_t i = death_first(n, t);

	if (i == n->nb) {
		if (n->nb >= n->bcap && binding_grow(n) != 0) {
			anomaly_add(n->an, ANOMALY_SIM_NAT_TABLE_FULL);
			return NULL;
		}
		n->nb++;
	}
	binding_unlink(n, i);
	memset(&n->b[i], 0, sizeof(n->b[i]));
	n->b[i].used = true;
	return &n->b[i];
}

static struct binding *
find_out(const struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t)
{
	uint32_t i;
	struct binding *best = NULL;

	for (i = n->b_in->head[bucket(hash_ep(proto, in))]; i != NIL;
	    i = n->b[i].nx_in) {
		struct binding *b = &n->b[i];

		if (!b->used || b->proto != proto || !ep_eq(&b->in, in) ||
		    !binding_alive(n, b, t))
			continue;
		if (remote != NULL && !b->media && !remote_key_match(n, b, remote))
			continue;
		/* The newest binding wins (consistent_nat = false churn), the
		 * later slot among equals. */
		if (best == NULL || b->first_ns > best->first_ns ||
		    (b->first_ns == best->first_ns && b > best))
			best = b;
	}
	return best;
}

static bool
ghost_live(const struct nat *n, uint8_t proto, const struct ep *remote,
    uint16_t port, int64_t t)
{
	int k;

	for (k = 0; k < NAT_MAX_GHOSTS; k++) {
		const struct ghost *g = &n->gh[k];

		if (g->proto == proto && g->port == port &&
		    ep_eq(&g->remote, remote) &&
		    t - g->last_ns <= (int64_t)n->cfg->udp_timeout * CAP_NS_PER_SEC)
			return true;
	}
	return false;
}

void
nat_unsolicited(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t)
{
	int k, slot = -1;

	/*
	 * Only a per-tuple NAT (conntrack's SNAT, APDM) can move one flow's
	 * port: an endpoint-independent mapping keeps one public port for
	 * every destination (RFC 4787 REQ-1).  A packet the router loops
	 * back to itself (hairpin) is not modelled as leaving state: no run
	 * shows it.
	 */
	if (!n->cfg->unsolicited_tuple || proto != 17 ||
	    n->cfg->nat_mapping != NAT_APDM || !ep_same_ip(pub, &n->pub) ||
	    ep_same_ip(remote, &n->pub))
		return;
	for (k = 0; k < NAT_MAX_GHOSTS; k++) {
		struct ghost *g = &n->gh[k];

		if (g->proto == proto && g->port == pub->port &&
		    ep_eq(&g->remote, remote)) {
			slot = k;
			break;
		}
		if (slot < 0 || g->last_ns < n->gh[slot].last_ns)
			slot = k;
	}
	n->gh[slot].proto = proto;
	n->gh[slot].port = pub->port;
	n->gh[slot].remote = *remote;
	n->gh[slot].last_ns = t;
}

int
nat_outbound(struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, bool sig, bool fresh, struct ep *pub)
{
	struct binding *b = fresh ? NULL : find_out(n, proto, in, remote, t);
	uint16_t port, want = n->cfg->port_preservation && !fresh ? in->port : 0;

	/* A new flow whose reply tuple a ghost holds needs another port. */
	if (b != NULL && !remote_known(&b->rs, remote) &&
	    ghost_live(n, proto, remote, b->pub.port, t))
		b = NULL;
	if (b == NULL) {
		if (want != 0 && ghost_live(n, proto, remote, want, t))
			want = 0;
		port = alloc_port(n, proto, in, per_tuple(n) ? remote : NULL,
		    want, false, t);
		if (port == 0 || (b = binding_new(n, t)) == NULL)
			return -1;
		b->proto = proto;
		b->in = *in;
		b->pub = n->pub;
		b->pub.port = port;
		b->key_remote = *remote;
		b->first_ns = t;
		binding_link(n, b);
	}
	if (sig)
		b->sig = true;
	if (b->media && b->rs.n == 0)
		b->first_ns = t;
	binding_remote_add(n, b, remote);
	b->last_ns = t;
	binding_touch(n, b);
	*pub = b->pub;
	return 0;
}

bool
nat_lookup_out(const struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, struct ep *pub)
{
	const struct binding *b = find_out(n, proto, in, remote, t);

	if (b == NULL)
		return false;
	*pub = b->pub;
	return true;
}

/*
 * The inbound decision.  Returns the binding that passes (or NULL) and,
 * through *ph / *fw, the pinhole or forward that would create one.
 */
static void
decide(const struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r,
    struct binding **bout, int *phout, int *fwout)
{
	uint32_t i;
	int k;
	const struct binding *dead = NULL;
	struct binding *pass = NULL, *exact = NULL;
	long phk = -1;
	bool filtered = false, ph_src = false;

	memset(r, 0, sizeof(*r));
	*bout = NULL;
	*phout = -1;
	*fwout = -1;
	if (!ep_same_ip(pub, &n->pub)) {
		r->verdict = NAT_NOT_PUBLIC;
		return;
	}
	/*
	 * The lowest slot that passes, as a scan in slot order finds it; in
	 * a per-tuple NAT the binding whose tuple is this packet's reply
	 * before it (two flows may share the public port toward different
	 * remotes: the packet belongs to its own).
	 */
	for (i = n->b_port[pub->port]; i != NIL; i = n->b[i].nx_pub) {
		struct binding *b = &n->b[i];

		if (!b->used || b->proto != proto || b->pub.port != pub->port ||
		    (pass != NULL && b > pass && !per_tuple(n)))
			continue;
		if (!binding_alive(n, b, t)) {
			if (dead == NULL || b->last_ns > dead->last_ns ||
			    (b->last_ns == dead->last_ns && b < dead))
				dead = b;
			continue;
		}
		if (!filter_allows(n, b, remote)) {
			filtered = true;
			continue;
		}
		if (per_tuple(n) && !tuple_apart(n, b, remote) && !b->media &&
		    (exact == NULL || b < exact))
			exact = b;
		if (pass == NULL || b < pass)
			pass = b;
	}
	if (exact != NULL)
		pass = exact;
	if (pass != NULL) {
		r->verdict = NAT_PASS;
		r->via = NAT_VIA_BINDING;
		r->inside = pass->in;
		*bout = pass;
		return;
	}
	for (i = n->p_port->head[bucket(pub->port)]; i != NIL;
	    i = n->ph[i].nx_port) {
		const struct pinhole *p = &n->ph[i];

		if (!p->used || p->outward || p->proto != proto ||
		    p->pub.port != pub->port ||
		    (p->expires_ns != 0 && t > p->expires_ns) ||
		    (phk >= 0 && (long)i > phk))
			continue;
		if (p->allowed.family != 0 && !ep_same_ip(&p->allowed, remote)) {
			ph_src = true;
			continue;
		}
		phk = (long)i;
	}
	if (phk >= 0) {
		const struct pinhole *p = &n->ph[phk];

		r->verdict = NAT_PASS;
		r->via = p->is_register ? NAT_VIA_PINHOLE_REGISTER :
		    NAT_VIA_PINHOLE_MEDIA;
		r->inside = p->inside;
		*phout = (int)phk;
		return;
	}
	for (k = 0; k < n->nfw; k++)
		if (n->fw[k].proto == proto && n->fw[k].port == pub->port) {
			r->verdict = NAT_PASS;
			r->via = NAT_VIA_FORWARD;
			r->inside = n->fw[k].inside;
			*fwout = k;
			return;
		}
	if (ph_src)
		r->verdict = NAT_PINHOLE_SRC;
	else if (filtered)
		r->verdict = NAT_FILTERED;
	else if (dead != NULL) {
		r->verdict = NAT_EXPIRED;
		r->timeout_s = binding_timeout(n, dead);
		r->expired_at_ns = binding_last(dead, t) +
		    (int64_t)r->timeout_s * CAP_NS_PER_SEC;
		r->idle_ns = t - binding_last(dead, t);
	} else
		r->verdict = NAT_NO_BINDING;
}

void
nat_probe(const struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r)
{
	struct binding *b;
	int ph, fw;

	decide(n, proto, remote, pub, t, r, &b, &ph, &fw);
}

void
nat_inbound(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r)
{
	struct binding *b;
	int ph, fw;

	decide(n, proto, remote, pub, t, r, &b, &ph, &fw);
	if (r->verdict != NAT_PASS) {
		if (r->verdict != NAT_NOT_PUBLIC && r->verdict != NAT_TABLE_FULL)
			nat_unsolicited(n, proto, remote, pub, t);
		return;
	}
	if (b == NULL) {
		/* Pinhole or forward: a binding for this flow from now on. */
		if ((b = binding_new(n, t)) == NULL) {
			r->verdict = NAT_TABLE_FULL;
			return;
		}
		b->proto = proto;
		b->in = r->inside;
		b->pub = *pub;
		b->key_remote = *remote;
		b->first_ns = t;
		b->sig = ph >= 0 ? n->ph[ph].is_register : fw >= 0;
		binding_remote_add(n, b, remote);
		binding_link(n, b);
		/* A media expectation is used once (K2); a registration one stays. */
		if (ph >= 0 && !n->ph[ph].is_register)
			ph_release(n, (size_t)ph);
	}
	b->replied = true;
	if (b->reply_ns == 0)
		b->reply_ns = t;
	b->last_ns = t;
	binding_touch(n, b);
}

uint16_t
nat_reserve_media(struct nat *n, const struct ep *in, uint16_t want,
    int policy, int64_t t)
{
	struct binding *b = find_out(n, 17, in, NULL, t);
	uint16_t port;

	if (b != NULL && b->media)
		return b->pub.port;
	switch (policy) {
	case MPORT_KEEP_UNLESS_BUSY:
		if ((port = keep_port(n, in, want, t)) == 0)
			return 0;
		break;
	case MPORT_RANDOM:
		n->rnd = n->rnd * 1103515245u + 12345u;
		n->next_port = 32768 + ((n->rnd >> 8) % 28000);
		port = alloc_port(n, 17, in, NULL, 0, true, t);
		break;
	default:
		return 0;
	}
	if (port == 0 || (b = binding_new(n, t)) == NULL)
		return 0;
	b->proto = 17;
	b->in = *in;
	b->pub = n->pub;
	b->pub.port = port;
	ep_clear(&b->key_remote);
	b->media = true;
	b->first_ns = t;
	b->last_ns = t;
	binding_link(n, b);
	return port;
}

int
nat_add_pinhole(struct nat *n, uint8_t proto, const struct ep *pub,
    const struct ep *inside, const struct ep *allowed, int64_t expires_ns,
    bool is_register)
{
	uint32_t i;
	long freeslot = -1;

	for (i = n->p_port->head[bucket(pub->port)]; i != NIL;
	    i = n->ph[i].nx_port) {
		struct pinhole *p = &n->ph[i];

		if (p->used && p->proto == proto && ep_eq(&p->pub, pub) &&
		    p->is_register == is_register &&
		    (freeslot < 0 || (long)i < freeslot))
			freeslot = (long)i;
	}
	/* the lowest match, else the lowest free slot (as a scan would) */
	if (freeslot < 0) {
		long f = ph_slot(n);

		if (f < 0)
			return -1;
		freeslot = f;
	}
	n->ph[freeslot].used = true;
	n->ph[freeslot].is_register = is_register;
	n->ph[freeslot].proto = proto;
	n->ph[freeslot].pub = *pub;
	n->ph[freeslot].inside = *inside;
	if (allowed != NULL)
		n->ph[freeslot].allowed = *allowed;
	else
		ep_clear(&n->ph[freeslot].allowed);
	n->ph[freeslot].expires_ns = expires_ns;
	ph_link(n, (size_t)freeslot);
	return 0;
}

int
nat_add_media_pinhole(struct nat *n, const struct nat_flow *fl, char kind,
    bool outward, const struct ep *pub, const struct ep *inside,
    const struct ep *allowed, int64_t t, int64_t expires_ns)
{
	bool per_flow = n->cfg->pinhole_scope == PINHOLE_FLOW && fl != NULL &&
	    fl->proto != 0;
	uint32_t lim = n->cfg->max_pinholes_per_flow;
	uint32_t i;
	long slot = -1;

	ph_expire(n, t);                /* expired: their slots are free */
	for (i = n->p_port->head[bucket(pub->port)]; i != NIL;
	    i = n->ph[i].nx_port) {
		const struct pinhole *p = &n->ph[i];

		if (p->used && !p->is_register && p->outward == outward &&
		    p->proto == 17 && ep_eq(&p->pub, pub) &&
		    (!outward || !per_flow || flow_eq(&p->flow, fl)) &&
		    (slot < 0 || (long)i < slot))
			slot = (long)i;         /* the same expectation again */
	}
	if (slot < 0 && per_flow && lim > 0 && kind != 0) {
		uint32_t cnt;
		long oldest;

		if (kind == 'i')
			lim = lim / 2 > 0 ? lim / 2 : 1;
		for (;;) {
			cnt = 0;
			oldest = -1;
			for (i = n->p_flow->head[bucket(hash_flow(fl))]; i != NIL;
			    i = n->ph[i].nx_flow) {
				const struct pinhole *p = &n->ph[i];

				if (!p->used || p->is_register || p->kind != kind ||
				    !flow_eq(&p->flow, fl))
					continue;
				cnt++;
				if (oldest < 0 || p->born < n->ph[oldest].born)
					oldest = (long)i;
			}
			if (cnt < lim || oldest < 0)
				break;
			ph_release(n, (size_t)oldest);  /* evict_oldest_expect() */
		}
	}
	if (slot < 0)
		slot = ph_slot(n);
	if (slot < 0)
		return -1;
	ph_unlink(n, (size_t)slot);
	memset(&n->ph[slot], 0, sizeof(n->ph[slot]));
	n->ph[slot].outward = outward;
	n->ph[slot].proto = 17;
	n->ph[slot].kind = kind;
	n->ph[slot].pub = *pub;
	if (inside != NULL)
		n->ph[slot].inside = *inside;
	if (allowed != NULL)
		n->ph[slot].allowed = *allowed;
	if (fl != NULL)
		n->ph[slot].flow = *fl;
	n->ph[slot].expires_ns = expires_ns;
	n->ph[slot].born = ++n->ph_born;
	ph_link(n, (size_t)slot);
	return 0;
}

void
nat_flush_flow(struct nat *n, const struct nat_flow *fl)
{
	uint32_t i, nx;

	for (i = n->p_flow->head[bucket(hash_flow(fl))]; i != NIL; i = nx) {
		nx = n->ph[i].nx_flow;
		if (n->ph[i].used && !n->ph[i].is_register &&
		    flow_eq(&n->ph[i].flow, fl))
			ph_release(n, i);
	}
}

bool
nat_media_pinhole(const struct nat *n, const struct ep *pub, int64_t t,
    struct ep *inside)
{
	uint32_t i;
	long k = -1;

	for (i = n->p_port->head[bucket(pub->port)]; i != NIL;
	    i = n->ph[i].nx_port) {
		const struct pinhole *p = &n->ph[i];

		if (p->used && !p->is_register && !p->outward && p->proto == 17 &&
		    ep_eq(&p->pub, pub) && (p->expires_ns == 0 || t <= p->expires_ns) &&
		    (k < 0 || (long)i < k))
			k = (long)i;
	}
	if (k < 0)
		return false;
	*inside = n->ph[k].inside;
	return true;
}

bool
nat_pinhole_clash(const struct nat *n, const struct ep *pub,
    const struct ep *allowed, const struct ep *inside, int64_t t)
{
	bool any = allowed == NULL || allowed->family == 0;
	uint32_t i;

	for (i = n->p_port->head[bucket(pub->port)]; i != NIL;
	    i = n->ph[i].nx_port) {
		const struct pinhole *p = &n->ph[i];

		if (!p->used || p->is_register || p->outward || p->proto != 17 ||
		    !ep_eq(&p->pub, pub) || ep_same_ip(&p->inside, inside) ||
		    (p->expires_ns != 0 && t > p->expires_ns))
			continue;
		if (any ? p->allowed.family == 0 :
		    p->allowed.family != 0 && ep_same_ip(&p->allowed, allowed))
			return true;
	}
	return false;
}

void
nat_close_pinholes(struct nat *n, const struct ep *inside)
{
	uint32_t i, nx;

	for (i = n->p_in->head[bucket(hash_pair(inside))]; i != NIL; i = nx) {
		nx = n->ph[i].nx_in;
		if (n->ph[i].used && !n->ph[i].is_register && !n->ph[i].outward &&
		    ep_same_ip(&n->ph[i].inside, inside) &&
		    (n->ph[i].inside.port & ~1) == (inside->port & ~1))
			ph_release(n, i);
	}
}

void
nat_keepalive(struct nat *n, uint8_t proto, const struct ep *in,
    uint32_t period_s, int64_t t)
{
	uint32_t i;

	for (i = n->b_in->head[bucket(hash_ep(proto, in))]; i != NIL;
	    i = n->b[i].nx_in) {
		struct binding *b = &n->b[i];

		if (b->used && b->proto == proto && ep_eq(&b->in, in) &&
		    binding_alive(n, b, t)) {
			b->keepalive_s = period_s;
			b->keepalive_from = t;
			if (t > n->ka_max)
				n->ka_max = t;
			n->gen++;
			b->replied = true;
			binding_touch(n, b);
		}
	}
}
