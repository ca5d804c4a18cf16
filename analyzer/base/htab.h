/*
 * htab.h - an intrusive hash table: open addressing over the distinct
 * hashes, each slot chaining the records of its hash.
 *
 * Records embed a struct hnode and are linked in by their 64-bit hash; the
 * caller compares keys in its own match callback, so one table type serves
 * dialogs (by Call-ID), RTP streams (by flow and SSRC) and media endpoints.
 * It never owns the records.  Not thread-safe.
 *
 * Layout, for memory latency (the analyzer waits on cache misses, not on
 * instructions): the slot array holds, for each distinct hash, the hash
 * and the newest record of it (16 bytes, four slots a cache line, linear
 * probing from the hash's low bits); a record's hnode chains to the
 * other records of the same hash.  So a lookup that finds nothing reads
 * slots only (mostly one line) and never a record; a hit reads the slot
 * and then only records of its own hash (the one it needs, for keys
 * that are unique); htab_del finds the slot the same way and unlinks
 * without reading other keys' records.  A chained table read every
 * record in the bucket, each a cache miss of its own.
 *
 * Contract:
 * - Load: at most half the slots are used (one per distinct hash), as
 *   long as growing succeeds: unsuccessful probes average under 2.5
 *   slots.  Deletion shifts the following slots back (no tombstones).
 * - Growth: when a record is added while n reaches nb (a power of two,
 *   at least 16 and htab_init's initial), nb doubles and the slot array
 *   doubles to 2 nb slots, in one pass over the old slots (records are
 *   not read, except those sharing a hash, whose chain is reversed; see
 *   order).  It runs inside htab_add, so mid-packet: O(old slots) time,
 *   old plus new array in memory for that moment; amortised O(1) per add.
 *   If the new array cannot be allocated the old one fills past half;
 *   the last free slot is never given: a record of a new hash is then
 *   not linked (find does not see it, del of it is a no-op), as when
 *   htab_init failed.
 * - Worst case: records sharing one hash (equal keys, by design: several
 *   dialogs announcing one address) share one slot, so they cost only
 *   the lookups of their own hash, which walk them all (as in a chained
 *   table), never other keys' lookups or probe runs.  Distinct hashes
 *   that collide in low bits lengthen probe runs; the keyed hashes below
 *   make that as rare as for random keys (no quadratic time on crafted
 *   keys).  htab_del walks the chain of its hash up to the record.
 * - Order: the records of one hash are visited by htab_find and
 *   htab_find_next in an order that depends on the adds and dels only,
 *   never on hash values: newest first, and the whole sequence reversed
 *   each time nb doubles (the order the earlier chained table gave, each
 *   of its growths reversing its chains; outputs that choose among equal
 *   keys were made with it).  test_htab checks it against a model.
 * - A record stays where it is (nodes are never moved or copied); a
 *   node may be unlinked (htab_del) during a walk of its hash once the
 *   walk holds the next node; adding during a walk may reverse it.
 */
#ifndef SIPALG_HTAB_H
#define SIPALG_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;       /* the next record of this hash */
	uint64_t hash;
};

/* A slot: a hash and its newest record (NULL: the slot is free). */
struct hslot {
	uint64_t hash;
	struct hnode *head;
};

struct htab {
	struct hslot *s;
	size_t mask;     /* slots - 1, slots a power of two (2 nb) */
	size_t used;     /* slots in use: distinct hashes */
	size_t n;        /* records linked */
	size_t nb;       /* where the next growth is (see the contract) */
};

/* Returns 0, or -1 on OOM (table empty and unusable). */
int htab_init(struct htab *h, size_t initial);
/* Frees the slots only; records are the caller's. */
void htab_fini(struct htab *h);
/* Links node with hash (it must not be linked already).  Never fails
 * while memory lasts (the contract above says what happens without). */
void htab_add(struct htab *h, struct hnode *node, uint64_t hash);
/* Unlinks node; no-op when absent. */
void htab_del(struct htab *h, struct hnode *node);
/*
 * Calls f(node, arg) once for every node linked, in no set order (never
 * let output depend on it): to free the records.  f may free its node's
 * record, nothing else may change the table meanwhile; the table is left
 * as it was (call htab_fini after).
 */
void htab_foreach(struct htab *h, void (*f)(struct hnode *, void *),
    void *arg);

/*
 * First node with this hash for which match(node, key) is non-zero, NULL
 * when none.  Inline, so that a match function the caller names is
 * inlined too: the RTP stream table looks up once per packet.
 */
static inline struct hnode *
htab_find(const struct htab *h, uint64_t hash,
    int (*match)(const struct hnode *, const void *), const void *key)
{
	if (h->s == NULL)
		return NULL;
	for (size_t i = hash & h->mask;; i = (i + 1) & h->mask) {
		const struct hslot *s = &h->s[i];

		if (s->head == NULL)
			return NULL;
		if (s->hash == hash) {
			for (struct hnode *n = s->head; n != NULL; n = n->next)
				if (match(n, key))
					return n;
			return NULL;
		}
	}
}

/*
 * Asks the cache for the slot a lookup, add or del of hash starts its
 * probe at, for writing: a caller that knows a key well before it looks
 * it up hides the miss of a table too large for the cache.  Only a hint:
 * no result, and a prefetch never faults.
 */
static inline void
htab_prefetch(const struct htab *h, uint64_t hash)
{
	if (h->s != NULL)
		__builtin_prefetch(&h->s[hash & h->mask], 1);
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
	for (n = n->next; n != NULL; n = n->next)
		if (match(n, key))
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
 * probe run.  Values hold for this process only: never print, store or order
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
 * and the low b bits of a 2^b-slot table at most 2^-64 + 6/2^b, which
 * is what keeps a crafted capture from piling its keys into one probe
 * run; it does not hide the key from someone watching which of his keys
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
