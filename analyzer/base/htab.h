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

/* The per-process key word htab_mix64 adds (htab.c draws it before main). */
extern uint64_t htab_mix_key;

/*
 * The splitmix64 finaliser over x plus a per-process key word: every input
 * bit reaches the low bits, and which inputs share low bits changes from
 * one process to the next (integer keys from a capture: ports, SSRCs).
 * It is a bijection, so equal x hash equal under every key: give it an
 * injective packing of the key's fields, or fold a further field in only
 * after the key is in (htab_mix64(htab_mix64(a) ^ b)), never fields
 * combined raw (xor, add, multiply), which a capture can solve for one
 * x (netaddr.c's ep_pair_hash says how).
 */
static inline uint64_t
htab_mix64(uint64_t x)
{
	x += htab_mix_key;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * Keyed hashes of bytes, under a key drawn once per process
 * (htab.c says why), so a capture cannot be made to pile its keys into one
 * chain.  Values hold for this process only: never print, store or order
 * anything by them.  SIPALG_HASH_SEED=N in the environment fixes the key,
 * to repeat a run (tests/hashseed.sh shows the outputs do not depend on
 * it; the man pages' ENVIRONMENT).
 *
 * htab_hash chains through seed (start with HTAB_SEED, pass the previous
 * value to hash the next field).  htab_hash_words (whole messages,
 * Call-IDs) is another keyed hash: up to 512 bytes NH and a polynomial
 * over 2^61 - 1 (htab.c), SipHash-1-3 beyond.  It is universal rather
 * than pseudorandom: two distinct keys fixed before the process drew
 * its key share a value with probability at most 2^-64 + 3/(2^61 - 1)
 * and a bucket of a 2^b-bucket table at most 2^-64 + 6/2^b, which is
 * what keeps a crafted capture from piling its keys into one chain; it
 * does not hide the key from someone watching which of his keys
 * collide.  Never mix the two for one table.
 */
#define HTAB_SEED 14695981039346656037ULL
uint64_t htab_hash(const void *p, size_t len, uint64_t seed);
uint64_t htab_hash_words(const void *p, size_t len);
/*
 * htab_hash_words of a long key's ends: its first head and last tail
 * bytes and its length (the whole key when len <= head + tail), in one
 * pass, for keys that mostly differ near their ends (whole messages:
 * start line and top Via first, body last).  Keys equal in those bytes
 * and length share the value: confirm a match on the whole key.  head
 * must be a multiple of 16 and head + tail at most 512 (else the whole
 * key is hashed).
 */
uint64_t htab_hash_ends(const void *p, size_t len, size_t head, size_t tail);
/*
 * SipHash-c-d of p[0..len) under the key (k0, k1), the reference
 * algorithm with its rounds as arguments: for tests against the published
 * SipHash-2-4 vectors, not for tables (htab_hash is the unrolled 1-3).
 */
uint64_t htab_siphash(const void *p, size_t len, uint64_t k0, uint64_t k1,
    int crounds, int drounds);

/* Container-of for records embedding a struct hnode. */
#define HTAB_ENTRY(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif /* SIPALG_HTAB_H */
