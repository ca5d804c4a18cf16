/*
 * htab.h - an intrusive chained hash table.
 *
 * Records embed a struct hnode and are linked in by their 64-bit hash; the
 * caller compares keys in its own match callback, so one table type serves
 * dialogs (by Call-ID), RTP streams (by flow and SSRC) and media endpoints.
 * The table grows by doubling when the load passes 1; it never owns the
 * records.  Not thread-safe.
 */
#ifndef SIPALG_HTAB_H
#define SIPALG_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **b;
	size_t nb;       /* buckets, a power of two */
	size_t n;        /* records linked */
};

/* Returns 0, or -1 on OOM (table empty and unusable). */
int htab_init(struct htab *h, size_t initial);
/* Frees the buckets only; records are the caller's. */
void htab_fini(struct htab *h);
/* Links node with hash (it must not be linked already).  Never fails: when
 * growing is impossible the chains just get longer. */
void htab_add(struct htab *h, struct hnode *node, uint64_t hash);
/* Unlinks node; no-op when absent. */
void htab_del(struct htab *h, struct hnode *node);
/*
 * First node with this hash for which match(node, key) is non-zero, NULL
 * when none.  Inline, so that a match function the caller names is
 * inlined too: the RTP stream table looks up once per packet.
 */
static inline struct hnode *
htab_find(const struct htab *h, uint64_t hash,
    int (*match)(const struct hnode *, const void *), const void *key)
{
	struct hnode *n;

	if (h->nb == 0)
		return NULL;
	for (n = h->b[hash & (h->nb - 1)]; n != NULL; n = n->next)
		if (n->hash == hash && match(n, key))
			return n;
	return NULL;
}

/*
 * The next node after n (a node htab_find or this function returned) with
 * the same hash for which match(node, key) is non-zero, NULL when none:
 * walks every record of one key when several share it.
 */
static inline struct hnode *
htab_find_next(const struct hnode *n,
    int (*match)(const struct hnode *, const void *), const void *key)
{
	uint64_t hash = n->hash;

	for (n = n->next; n != NULL; n = n->next)
		if (n->hash == hash && match(n, key))
			return (struct hnode *)n;
	return NULL;
}

/* The splitmix64 finaliser: every input bit reaches the low bits. */
static inline uint64_t
htab_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* FNV-1a 64 over bytes, chainable through seed (start with HTAB_SEED). */
#define HTAB_SEED 14695981039346656037ULL
uint64_t htab_hash(const void *p, size_t len, uint64_t seed);
/*
 * A hash of p[0..len) that reads eight bytes at a step, for long keys
 * (whole messages): several times faster than htab_hash on them, with
 * different values (never mix the two for one table).  Values are for
 * this process only (they depend on the host's byte order).
 */
uint64_t htab_hash_words(const void *p, size_t len);

/* Container-of for records embedding a struct hnode. */
#define HTAB_ENTRY(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif /* SIPALG_HTAB_H */
