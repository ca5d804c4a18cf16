/*
 * test_htab.c - the hash table (base/htab.h): htab_find_next over every
 * record of one key, the order of one key's records whatever the hash,
 * long random runs against a model of the table (the chained table it
 * replaced, its order included), and the keyed hashes (SipHash against its published vectors; keys
 * crafted to share one chain under the old unkeyed hashes, or under the
 * old integer hashes whatever their key, spread out).
 */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/netaddr.h"

struct rec {
	struct hnode node;
	int key;
	int seq;                  /* insertion order */
};

static int
rec_match(const struct hnode *n, const void *key)
{
	return HTAB_ENTRY(n, struct rec, node)->key == *(const int *)key;
}

/* Collects the seq of every record of key, through find then find_next. */
static size_t
walk(const struct htab *h, uint64_t hash, int key, int *seq, size_t max)
{
	size_t n = 0;

	for (struct hnode *p = htab_find(h, hash, rec_match, &key); p != NULL;
	    p = htab_find_next(p, rec_match, &key)) {
		if (n < max)
			seq[n] = HTAB_ENTRY(p, struct rec, node)->seq;
		n++;
	}
	return n;
}

/*
 * find_next walks every record of one key once and no other, also when
 * other keys share the hash (forced here: every key hashes to one of
 * three values), across growth and after deletions.
 */
static void
test_find_next(void)
{
	enum { N = 600, KEYS = 7 };
	static struct rec r[N];
	struct htab h;
	int seq[N];
	size_t counts[KEYS] = { 0 };

	CU_ASSERT_FATAL(htab_init(&h, 4) == 0);
	for (int i = 0; i < N; i++) {
		r[i].key = (i * 5) % KEYS;
		r[i].seq = i;
		counts[r[i].key]++;
		htab_add(&h, &r[i].node, (uint64_t)(r[i].key % 3));
	}
	CU_ASSERT(h.nb >= N);             /* it grew past the initial 16 */
	for (int k = 0; k < KEYS; k++) {
		size_t n = walk(&h, (uint64_t)(k % 3), k, seq, N);

		CU_ASSERT_EQUAL(n, counts[k]);
		for (size_t i = 0; i < n && i < N; i++)
			CU_ASSERT_EQUAL(r[seq[i]].key, k);
		for (size_t i = 1; i < n && i < N; i++)
			CU_ASSERT_NOT_EQUAL(seq[i], seq[i - 1]);
	}
	/* a key absent, with a hash others use: nothing */
	CU_ASSERT_EQUAL(walk(&h, 0, KEYS + 3, seq, N), 0);
	/* the wrong hash for a present key: nothing either */
	CU_ASSERT_EQUAL(walk(&h, 99, 0, seq, N), 0);
	/* delete every other record of key 2: find_next skips nothing else */
	for (int i = 0; i < N; i++)
		if (r[i].key == 2 && i % 2 == 0) {
			htab_del(&h, &r[i].node);
			counts[2]--;
		}
	CU_ASSERT_EQUAL(walk(&h, 2, 2, seq, N), counts[2]);
	for (size_t i = 0; i < counts[2]; i++)
		CU_ASSERT(seq[i] % 2 == 1 && r[seq[i]].key == 2);
	/* from the last record of a key, find_next is NULL */
	{
		int k = 4;
		struct hnode *p = htab_find(&h, 1, rec_match, &k), *last = p;

		for (; p != NULL; p = htab_find_next(p, rec_match, &k))
			last = p;
		CU_ASSERT_PTR_NOT_NULL_FATAL(last);
		CU_ASSERT_PTR_NULL(htab_find_next(last, rec_match, &k));
	}
	htab_fini(&h);
}

/*
 * The records of one key come out in one order whatever hash the key has
 * (the hash key changes per process; outputs must not).  Same insertions
 * under two unrelated hash functions: same walk per key.
 */
static void
test_order_independent_of_hash(void)
{
	enum { N = 3000, KEYS = 97 };
	static struct rec a[N], b[N];
	struct htab ha, hb;
	static int sa[N], sb[N];

	CU_ASSERT_FATAL(htab_init(&ha, 16) == 0);
	CU_ASSERT_FATAL(htab_init(&hb, 16) == 0);
	for (int i = 0; i < N; i++) {
		int k = (i * 31 + i / 7) % KEYS;

		a[i].key = b[i].key = k;
		a[i].seq = b[i].seq = i;
		htab_add(&ha, &a[i].node, htab_hash(&k, sizeof(k), 1));
		htab_add(&hb, &b[i].node, htab_hash(&k, sizeof(k), 2));
		if (i % 11 == 0) {        /* deletions interleaved */
			htab_del(&ha, &a[i / 2].node);
			htab_del(&hb, &b[i / 2].node);
		}
	}
	for (int k = 0; k < KEYS; k++) {
		size_t na = walk(&ha, htab_hash(&k, sizeof(k), 1), k, sa, N);
		size_t nb = walk(&hb, htab_hash(&k, sizeof(k), 2), k, sb, N);

		CU_ASSERT_EQUAL_FATAL(na, nb);
		CU_ASSERT(memcmp(sa, sb, na * sizeof(sa[0])) == 0);
	}
	htab_fini(&ha);
	htab_fini(&hb);
}

/*
 * The published SipHash-2-4 vectors (Aumasson and Bernstein, appendix A,
 * and the reference vectors.h): key 00..0f; the 15-byte message 00..0e
 * gives a129ca6149be45e5, the empty message 726fdb47dd0e0e31, the 8-byte
 * message 00..07 93f5f5799a932462.  The table's SipHash-1-3 is the same
 * code with fewer rounds.
 */
static void
test_siphash_vectors(void)
{
	uint8_t m[64];
	uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;

	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(htab_siphash(m, 15, k0, k1, 2, 4),
	    0xa129ca6149be45e5ULL);
	CU_ASSERT_EQUAL(htab_siphash(m, 0, k0, k1, 2, 4),
	    0x726fdb47dd0e0e31ULL);
	CU_ASSERT_EQUAL(htab_siphash(m, 8, k0, k1, 2, 4),
	    0x93f5f5799a932462ULL);
}

/* main's htab_hash_words: FNV-style words, an unkeyed public start. */
static uint64_t
old_words(const void *vp, size_t len)
{
	const unsigned char *p = vp;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x87c37b91114253d5ULL;
		h ^= h >> 31;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * 0x87c37b91114253d5ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* main's htab_hash: FNV-1a 64 from the public offset basis. */
static uint64_t
old_fnv(const void *vp, size_t len)
{
	const unsigned char *p = vp;
	uint64_t h = HTAB_SEED;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct key {
	struct hnode node;
	unsigned char b[28];
	size_t len;
};

/* Counts a record in its bucket of h's nb (a chained table's buckets). */
struct buckets {
	size_t *count, mask, worst;
};

static void
bucket_count(struct hnode *n, void *arg)
{
	struct buckets *b = arg;
	size_t c = ++b->count[n->hash & b->mask];

	if (c > b->worst)
		b->worst = c;
}

/*
 * The most records sharing the low bits of their hash that a chained
 * table of h's size (nb buckets, at least the records) indexes by: the
 * longest chain it would have, which also bounds the records a lookup
 * here meets (its hash's) and how many hashes crowd one probe run.
 */
static size_t
longest_chain(struct htab *h)
{
	struct buckets b = { calloc(h->nb, sizeof(size_t)), h->nb - 1, 0 };

	CU_ASSERT_FATAL(b.count != NULL);
	htab_foreach(h, bucket_count, &b);
	free(b.count);
	return b.worst;
}

/* The key's two words, for hashes of 16-byte keys built here. */
static void
key_words(const struct key *k, uint64_t *w0, uint64_t *w1)
{
	memcpy(w0, k->b, 8);
	memcpy(w1, k->b + 8, 8);
}

static uint64_t
by_words(const struct key *k)
{
	return htab_hash_words(k->b, k->len);
}

static uint64_t
by_old_words(const struct key *k)
{
	return old_words(k->b, k->len);
}

static uint64_t
by_branch(const struct key *k)
{
	return htab_hash(k->b, k->len, HTAB_SEED);
}

static uint64_t
by_old_fnv(const struct key *k)
{
	return old_fnv(k->b, k->len);
}

/* The low 58 bits of an NH product of the two words, under fixed key
 * words: what a finish indexing by the sum's low bits would see. */
static uint64_t
by_nh_low(const struct key *k)
{
	uint64_t w0, w1;

	key_words(k, &w0, &w1);
	return ((w0 + 5) * (w1 + 7)) & ((1ULL << 58) - 1);
}

/* The longest chain of k[0..n) linked by hash. */
static size_t
keys_chain(struct key *k, size_t n, uint64_t (*hash)(const struct key *))
{
	struct htab h;
	size_t worst;

	CU_ASSERT_FATAL(htab_init(&h, 16) == 0);
	for (size_t i = 0; i < n; i++)
		htab_add(&h, &k[i].node, hash(&k[i]));
	worst = longest_chain(&h);
	htab_fini(&h);
	return worst;
}

/*
 * Call-IDs of 16 bytes that all had one value under the old word hash
 * (the dialog table's): its per-word step is invertible, so the second
 * word can undo whatever the first did.  Under the old hash they made
 * one chain of N records whatever the table's size; keyed, the longest
 * chain of N records in N or more buckets stays that of random keys
 * (about 5 here; above 12 with odds under 1e-5).
 */
static void
test_crafted_word_collisions(void)
{
	enum { N = 4096 };
	static struct key k[N];
	uint64_t h0 = 0x9e3779b97f4a7c15ULL ^ 16, s, w2;
	const uint64_t target = 0x4242424242424242ULL;

	for (int i = 0; i < N; i++) {
		uint64_t w1 = 0x2d6c6c6163000000ULL | (uint64_t)i;

		s = (h0 ^ w1) * 0x87c37b91114253d5ULL;
		s ^= s >> 31;
		w2 = s ^ target;          /* the state after word 2: fixed */
		memcpy(k[i].b, &w1, 8);
		memcpy(k[i].b + 8, &w2, 8);
		k[i].len = 16;
	}
	for (int i = 1; i < N; i++)
		CU_ASSERT_EQUAL_FATAL(old_words(k[i].b, 16),
		    old_words(k[0].b, 16));
	CU_ASSERT(keys_chain(k, N, by_words) <= 12);
	/* the same keys under the old hash: one chain */
	CU_ASSERT_EQUAL(keys_chain(k, N, by_old_words), N);
}

/*
 * Keys crafted against NH's own structure: 16-byte keys that differ
 * only in the top 6 bits of each word.  (w + k) mod 2^58 is then the
 * same for every key whatever the key word k, so the low 58 bits of the
 * NH sum (w0 + k0)(w1 + k1) are shared by all 4,096 keys under every
 * key: checked here with random key words.  A finish that indexed by
 * the sum's low bits would put them in one chain; the polynomial over
 * 2^61 - 1 spreads them as random keys (htab.c bounds it).
 */
static void
test_crafted_nh_collisions(void)
{
	enum { N = 4096 };
	static struct key k[N];
	const uint64_t m58 = (1ULL << 58) - 1;
	uint64_t r = 0x243f6a8885a308d3ULL;

	for (int i = 0; i < N; i++) {
		uint64_t w0 = 0x3132333435363738ULL ^ (uint64_t)(i & 63) << 58;
		uint64_t w1 = 0x6162636465666768ULL ^ (uint64_t)(i >> 6) << 58;

		memcpy(k[i].b, &w0, 8);
		memcpy(k[i].b + 8, &w1, 8);
		k[i].len = 16;
	}
	for (int t = 0; t < 8; t++) {
		uint64_t k0 = r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t k1 = r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t low0 = 0;

		for (int i = 0; i < N; i++) {
			uint64_t w0, w1, low;

			key_words(&k[i], &w0, &w1);
			low = ((w0 + k0) * (w1 + k1)) & m58;
			if (i == 0)
				low0 = low;
			CU_ASSERT_EQUAL_FATAL(low, low0);
		}
	}
	CU_ASSERT(keys_chain(k, N, by_words) <= 12);
	/* the same keys by the product's low bits alone: one chain */
	CU_ASSERT_EQUAL(keys_chain(k, N, by_nh_low), N);
}

/*
 * Short keys (Call-IDs, tags: 1 to 48 bytes, read by NH in overlapping
 * pieces) see every bit of every byte, and 200,000 random keys of 4 to
 * 27 bytes spread over the buckets as random values do (longest chain
 * about 8 in 262,144 buckets; above 14 with odds under 1e-6).
 */
static void
test_short_keys(void)
{
	enum { N = 200000 };
	static struct key k[N];
	unsigned char a[48];
	struct htab h;
	uint64_t r = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 29 + 11);
	for (size_t len = 1; len <= sizeof(a); len++) {
		uint64_t v = htab_hash_words(a, len);

		for (size_t i = 0; i < len; i++)
			for (int bit = 0; bit < 8; bit++) {
				a[i] ^= (unsigned char)(1u << bit);
				CU_ASSERT_NOT_EQUAL(htab_hash_words(a, len), v);
				a[i] ^= (unsigned char)(1u << bit);
			}
		CU_ASSERT_EQUAL(htab_hash_words(a, len), v);
	}
	CU_ASSERT_FATAL(htab_init(&h, 16) == 0);
	for (int i = 0; i < N; i++) {
		k[i].len = 4 + (size_t)(i % 24);
		for (size_t j = 0; j < k[i].len; j++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			k[i].b[j] = (unsigned char)(r >> 56);
		}
		htab_add(&h, &k[i].node, htab_hash_words(k[i].b, k[i].len));
	}
	CU_ASSERT(longest_chain(&h) <= 14);
	htab_fini(&h);
}

/*
 * Branch-like keys whose old FNV-1a values share their low 16 bits (found
 * by trying about 65,536 candidates each): under the old hash the join's
 * notes put all of them in one chain until the table had 65,536 buckets.
 * Keyed, they spread.
 */
static void
test_crafted_fnv_collisions(void)
{
	enum { N = 128 };
	static struct key k[N];
	uint32_t cand = 0;

	for (int i = 0; i < N; i++) {
		for (;; cand++) {
			k[i].len = (size_t)snprintf((char *)k[i].b,
			    sizeof(k[i].b), "z9hG4bK%08x", cand);
			if ((old_fnv(k[i].b, k[i].len) & 0xffff) == 0x5a5a)
				break;
		}
		cand++;
	}
	CU_ASSERT(keys_chain(k, N, by_branch) <= 10);
	CU_ASSERT_EQUAL(keys_chain(k, N, by_old_fnv), N);
}

/*
 * The integer hashes before the key went in first: htab_mix64 (keyed, but
 * a bijection) over fields combined raw.  Equal combinations gave equal
 * values under every key.
 */
#define PAIR_MUL 0x9e3779b97f4a7c15ULL

static uint64_t
old_addr_word(const struct ep *e)
{
	uint64_t a = 0, b = 0;

	if (e->family == 4) {
		memcpy(&a, e->ip, 4);
		return a;
	}
	memcpy(&a, e->ip, 8);
	memcpy(&b, e->ip + 8, 8);
	return htab_mix64(a) ^ b;
}

static uint64_t
old_pair_hash(const struct ep *a, const struct ep *b, uint32_t tag)
{
	uint64_t wa = old_addr_word(a);
	uint64_t addrs = (wa << 32 | wa >> 32) ^ old_addr_word(b);
	uint64_t ports = (uint64_t)a->port << 48 | (uint64_t)b->port << 32 |
	    tag;

	return htab_mix64(addrs ^ ports * PAIR_MUL);
}

static uint64_t
old_ep_hash(const struct ep *e)
{
	uint64_t a = 0, b = 0;

	if (e->family == 4)
		memcpy(&a, e->ip, 4);
	else {
		memcpy(&a, e->ip, 8);
		memcpy(&b, e->ip + 8, 8);
	}
	return htab_mix64(htab_mix64(((uint64_t)e->family << 16 | e->port) ^
	    a) ^ b);
}

/* A flow (a, b, tag) or, for the endpoint hashes, an endpoint (a). */
struct flow {
	struct hnode node;
	struct ep a, b;
	uint32_t tag;
};

enum by { OLD_PAIR, PAIR, OLD_EP, EP };

static struct ep
ep4(uint32_t word, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	e.family = 4;
	e.port = port;
	memcpy(e.ip, &word, 4);
	return e;
}

static uint64_t
flow_hash(const struct flow *f, enum by by)
{
	switch (by) {
	case OLD_PAIR: return old_pair_hash(&f->a, &f->b, f->tag);
	case PAIR: return ep_pair_hash(&f->a, &f->b, f->tag);
	case OLD_EP: return old_ep_hash(&f->a);
	default: return ep_hash(&f->a);
	}
}

/* The longest chain of f[0..n) linked by the hash named. */
static size_t
flows_chain(struct flow *f, size_t n, enum by by)
{
	struct htab h;
	size_t worst;

	CU_ASSERT_FATAL(htab_init(&h, 16) == 0);
	for (size_t i = 0; i < n; i++)
		htab_add(&h, &f[i].node, flow_hash(&f[i], by));
	worst = longest_chain(&h);
	htab_fini(&h);
	return worst;
}

/*
 * f[0..n) all have one value under the old hash (one chain), and spread
 * under the new one as random keys do (longest chain 5 to 7 for 4,096;
 * above 12 with odds under 1e-5).
 */
static void
crafted_spread(struct flow *f, size_t n, enum by old, enum by new)
{
	for (size_t i = 1; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(flow_hash(&f[i], old), flow_hash(f, old));
	CU_ASSERT_EQUAL(flows_chain(f, n, old), n);
	CU_ASSERT(flows_chain(f, n, new) <= 12);
}

/*
 * RTP flows whose ports and SSRC are solved to cancel their addresses:
 * with x = addrs ^ ports * PAIR_MUL, ports = (X0 ^ addrs) * PAIR_MUL^-1
 * puts every flow on x = X0, one value under every key (the stream table
 * in one chain: quadratic time).  Then IPv6 flows whose low address
 * halves cancel each other (the old word of an IPv6 address was linear in
 * them).  Keyed before the fields combine, both spread.
 */
static void
test_crafted_flow_collisions(void)
{
	enum { N = 4096 };
	static struct flow f[N];
	uint64_t inv = PAIR_MUL, x0 = 0x0123456789abcdefULL;
	uint32_t wa = 0x0164336c;        /* 108.51.100.1 in memory order */

	for (int i = 0; i < 5; i++)      /* Newton: 3, 6, ... 96 bits */
		inv *= 2 - PAIR_MUL * inv;
	CU_ASSERT_EQUAL_FATAL(inv * PAIR_MUL, 1);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t wb = 0x0000000a | (i + 1) << 8;  /* 10.x.y.z */
		uint64_t ports = (x0 ^ ((uint64_t)wa << 32 ^ wb)) * inv;

		f[i].a = ep4(wa, (uint16_t)(ports >> 48));
		f[i].b = ep4(wb, (uint16_t)(ports >> 32));
		f[i].tag = (uint32_t)ports;
	}
	crafted_spread(f, N, OLD_PAIR, PAIR);

	/* IPv6: rot32(low half of a) ^ (low half of b) fixed */
	for (uint64_t i = 0; i < N; i++) {
		uint64_t la = i * 0x0001000100010001ULL + 1, lb;

		lb = (la << 32 | la >> 32) ^ 0x5555aaaa5555aaaaULL;
		ep_clear(&f[i].a);
		ep_clear(&f[i].b);
		f[i].a.family = f[i].b.family = 6;
		f[i].a.port = 5004;
		f[i].b.port = 6000;
		f[i].a.ip[0] = f[i].b.ip[0] = 0x20;
		f[i].a.ip[1] = f[i].b.ip[1] = 0x01;
		f[i].b.ip[5] = 1;
		memcpy(f[i].a.ip + 8, &la, 8);
		memcpy(f[i].b.ip + 8, &lb, 8);
		f[i].tag = 0x12345678;
	}
	crafted_spread(f, N, OLD_PAIR, PAIR);
}

/*
 * Endpoints whose address and port xor to one value (the old ep_hash
 * combined them raw): 65,536 of them per value, IPv4 or IPv6, all in one
 * chain under every key.  Keyed first, they spread.
 */
static void
test_crafted_endpoint_collisions(void)
{
	enum { N = 4096 };
	static struct flow p[N];

	for (int fam = 4; fam <= 6; fam += 2) {
		for (uint32_t i = 0; i < N; i++) {
			uint16_t port = (uint16_t)(5000 + i);

			if (fam == 4)
				p[i].a = ep4(0x0100000a ^ (5000u ^ port), port);
			else {
				ep_clear(&p[i].a);
				p[i].a.family = 6;
				p[i].a.port = port;
				p[i].a.ip[0] = 0x20;
				p[i].a.ip[15] = 1;
				p[i].a.ip[0] ^= (uint8_t)(5000u ^ port);
				p[i].a.ip[1] ^= (uint8_t)((5000u ^ port) >> 8);
			}
		}
		crafted_spread(p, N, OLD_EP, EP);
	}
}

/*
 * Keys as captures hold them, varying in few bits: 64 addresses that
 * differ in their last octet (the top bits of ep_hash's packed word) by
 * 64 even ports; flows between them with consecutive SSRCs.  They spread
 * like random keys too.
 */
static void
test_structured_keys_spread(void)
{
	enum { N = 4096 };
	static struct flow f[N];

	for (uint32_t i = 0; i < N; i++) {
		uint32_t w = 0x0000a8c0 | (i >> 6) << 24;  /* 192.168.0.x */
		uint16_t port = (uint16_t)(10000 + 2 * (i & 63));

		f[i].a = ep4(w, port);
		f[i].b = ep4(0x0100000a, 20000);
		f[i].tag = 1000 + (i & 63);
	}
	CU_ASSERT(flows_chain(f, N, EP) <= 12);
	CU_ASSERT(flows_chain(f, N, PAIR) <= 12);
}

/*
 * The hashes see every byte and the length (the word hash through NH for
 * long keys and SipHash for short ones); htab_hash chains through seed.
 */
static void
test_hash_inputs(void)
{
	unsigned char a[600], b[600];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 13 + 1);
	for (size_t len = 1; len <= sizeof(a); len += 37) {
		uint64_t hw = htab_hash_words(a, len), hh = htab_hash(a, len, 5);

		CU_ASSERT_EQUAL(hw, htab_hash_words(b, len));
		for (size_t i = 0; i < len; i += 7) {
			b[i] ^= 0x80;
			CU_ASSERT_NOT_EQUAL(hw, htab_hash_words(b, len));
			CU_ASSERT_NOT_EQUAL(hh, htab_hash(b, len, 5));
			b[i] ^= 0x80;
		}
		CU_ASSERT_NOT_EQUAL(hw, htab_hash_words(a, len - 1));
		CU_ASSERT_NOT_EQUAL(hh, htab_hash(a, len, 6));
	}
	/* trailing zero bytes change the value (the length counts) */
	memset(a, 0, 100);
	CU_ASSERT_NOT_EQUAL(htab_hash_words(a, 99), htab_hash_words(a, 100));
	CU_ASSERT_NOT_EQUAL(htab_hash(a, 3, HTAB_SEED),
	    htab_hash(a, 4, HTAB_SEED));
}

/*
 * htab_hash_ends sees the head, the tail and the length, in one pass:
 * the whole key's word hash when short, and a change in any byte of the
 * ends or in the length changes it; the middle of a long key does not
 * (its callers confirm matches on the whole key).
 */
static void
test_hash_ends(void)
{
	unsigned char a[900], b[900];
	uint64_t h;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 3);
	for (size_t len = 1; len <= 320; len += 29)
		CU_ASSERT_EQUAL(htab_hash_ends(a, len, 256, 64),
		    htab_hash_words(a, len));
	for (size_t len = 321; len <= sizeof(a); len += 97) {
		h = htab_hash_ends(a, len, 256, 64);
		CU_ASSERT_EQUAL(h, htab_hash_ends(b, len, 256, 64));
		for (size_t i = 0; i < len; i += 5) {
			b[i] ^= 0x01;
			bool end = i < 256 || i >= len - 64;

			CU_ASSERT_EQUAL(end, htab_hash_ends(b, len, 256, 64) !=
			    h);
			b[i] ^= 0x01;
		}
		CU_ASSERT_NOT_EQUAL(h, htab_hash_ends(a, len - 1, 256, 64));
		CU_ASSERT_NOT_EQUAL(h, htab_hash_ends(a + 1, len, 256, 64));
	}
	/* a zero tail and a zero-padded shorter key stay apart */
	memset(a, 0, sizeof(a));
	CU_ASSERT_NOT_EQUAL(htab_hash_ends(a, 400, 256, 64),
	    htab_hash_ends(a, 401, 256, 64));
	CU_ASSERT_NOT_EQUAL(htab_hash_ends(a, 321, 256, 64),
	    htab_hash_words(a, 320));
}

/*
 * The model: the records linked, in the order htab.h promises for the
 * records of one hash -- each add puts its record first, and each time
 * n reaches nb (16, doubling) the whole sequence is reversed first, as
 * the chained table's growth did.  Lookups take the first record of the
 * sequence with the hash and key asked.
 */
struct model {
	struct rec **ord;
	size_t n, nb;
};

static uint64_t
rnd(uint64_t *r)
{
	*r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
	return *r >> 33;
}

/* Key -1 matches every record of the hash. */
static int
rec_match_any(const struct hnode *n, const void *key)
{
	int k = *(const int *)key;

	return k < 0 || HTAB_ENTRY(n, struct rec, node)->key == k;
}

static void
model_add(struct model *m, struct rec *r)
{
	if (m->n >= m->nb) {
		m->nb *= 2;
		for (size_t i = 0; i < m->n / 2; i++) {
			struct rec *t = m->ord[i];

			m->ord[i] = m->ord[m->n - 1 - i];
			m->ord[m->n - 1 - i] = t;
		}
	}
	memmove(m->ord + 1, m->ord, m->n * sizeof(m->ord[0]));
	m->ord[0] = r;
	m->n++;
}

static void
model_del(struct model *m, const struct rec *r)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->ord[i] == r) {
			memmove(m->ord + i, m->ord + i + 1,
			    (m->n - i - 1) * sizeof(m->ord[0]));
			m->n--;
			return;
		}
}

/* The table's own invariants: every used slot reachable from its hash's
 * low bits without a free slot between, one slot a hash, its records all
 * of that hash, the counts right. */
static void
check_slots(const struct htab *h)
{
	size_t used = 0, n = 0;

	for (size_t i = 0; i <= h->mask; i++) {
		const struct hslot *s = &h->s[i];

		if (s->head == NULL)
			continue;
		used++;
		for (size_t j = s->hash & h->mask; j != i;
		    j = (j + 1) & h->mask) {
			CU_ASSERT_PTR_NOT_NULL(h->s[j].head);
			CU_ASSERT(h->s[j].hash != s->hash);
		}
		for (const struct hnode *p = s->head; p != NULL; p = p->next) {
			CU_ASSERT_EQUAL(p->hash, s->hash);
			n++;
		}
	}
	CU_ASSERT_EQUAL(used, h->used);
	CU_ASSERT_EQUAL(n, h->n);
	CU_ASSERT(h->used <= h->mask);        /* a free slot remains */
}

/* A walk of hash and key (-1: any) in the table and in the model agree;
 * with del set, every other record met is unlinked during the walk
 * (after find_next gave the next one), in both. */
static void
check_walk(struct htab *h, struct model *m, uint64_t hash, int key, bool del)
{
	struct rec *want[64];
	size_t nw = 0, got = 0;
	struct hnode *p, *next;

	for (size_t i = 0; i < m->n && nw < 64; i++)
		if (m->ord[i]->node.hash == hash &&
		    (key < 0 || m->ord[i]->key == key))
			want[nw++] = m->ord[i];
	for (p = htab_find(h, hash, rec_match_any, &key); p != NULL;
	    p = next) {
		next = htab_find_next(p, rec_match_any, &key);
		CU_ASSERT_FATAL(got < nw);
		CU_ASSERT_PTR_EQUAL(HTAB_ENTRY(p, struct rec, node), want[got]);
		if (del && got % 2 == 0) {
			htab_del(h, p);
			model_del(m, want[got]);
		}
		got++;
	}
	CU_ASSERT_EQUAL(got, nw);
}

/*
 * Long random runs of adds, deletes, lookups and walks against the
 * model, with growth: hashes drawn from a few values (runs of one hash,
 * several keys each) and from values sharing their low bits (long probe
 * runs, shifted back on deletion), so that the order of one hash's
 * records, growth and the deletion's shifts are all exercised.
 */
static void
test_against_model(void)
{
	enum { N = 3000, STEPS = 200000 };
	static struct rec r[N];
	static struct rec *ord[N];
	static bool linked[N];
	uint64_t seed = 12345;

	for (int run = 0; run < 4; run++) {
		struct htab h;
		struct model m = { ord, 0, 16 };
		size_t initial = run == 0 ? 4 : run * 100;

		memset(linked, 0, sizeof(linked));
		CU_ASSERT_FATAL(htab_init(&h, initial) == 0);
		while (m.nb < initial)
			m.nb *= 2;
		for (int step = 0; step < STEPS; step++) {
			uint64_t x = rnd(&seed), hash;
			size_t i = (size_t)(rnd(&seed) % N);

			/* few hashes, or many sharing their low 6 bits */
			if (x % 3 == 0)
				hash = x % 7;
			else
				hash = (x >> 2) % 5000 << 6 | (x >> 20) % 3;
			switch (rnd(&seed) % 8) {
			case 0: case 1: case 2:         /* add */
				if (linked[i])
					break;
				r[i].key = (int)(x >> 8) % 4;
				r[i].seq = step;
				htab_add(&h, &r[i].node, hash);
				model_add(&m, &r[i]);
				linked[i] = true;
				break;
			case 3: case 4:                 /* delete, or no-op */
				htab_del(&h, &r[i].node);
				model_del(&m, &r[i]);
				linked[i] = false;
				break;
			case 5: case 6:                 /* find and walk */
				check_walk(&h, &m, linked[i] ? r[i].node.hash :
				    hash, (int)(x >> 8) % 5 - 1, false);
				break;
			default:                        /* delete while walking */
				check_walk(&h, &m, hash, -1, true);
				for (size_t k = 0; k < N; k++)
					linked[k] = false;
				for (size_t k = 0; k < m.n; k++)
					linked[m.ord[k] - r] = true;
				break;
			}
			CU_ASSERT_EQUAL_FATAL(h.n, m.n);
			if (step % 5000 == 0)
				check_slots(&h);
		}
		check_slots(&h);
		CU_ASSERT(h.nb >= 1024);          /* it grew */
		htab_fini(&h);
	}
}

int
main(void)
{
	CU_pSuite su;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("htab", NULL, NULL);
	if (su == NULL ||
	    CU_add_test(su, "find_next walks one key", test_find_next) == NULL ||
	    CU_add_test(su, "one key's order whatever the hash",
	    test_order_independent_of_hash) == NULL ||
	    CU_add_test(su, "random runs against a model",
	    test_against_model) == NULL ||
	    CU_add_test(su, "SipHash-2-4 vectors", test_siphash_vectors) == NULL ||
	    CU_add_test(su, "crafted word-hash collisions spread",
	    test_crafted_word_collisions) == NULL ||
	    CU_add_test(su, "crafted NH collisions spread",
	    test_crafted_nh_collisions) == NULL ||
	    CU_add_test(su, "short keys", test_short_keys) == NULL ||
	    CU_add_test(su, "crafted FNV collisions spread",
	    test_crafted_fnv_collisions) == NULL ||
	    CU_add_test(su, "crafted RTP flow collisions spread",
	    test_crafted_flow_collisions) == NULL ||
	    CU_add_test(su, "crafted endpoint collisions spread",
	    test_crafted_endpoint_collisions) == NULL ||
	    CU_add_test(su, "structured integer keys spread",
	    test_structured_keys_spread) == NULL ||
	    CU_add_test(su, "hashes see every byte", test_hash_inputs) == NULL ||
	    CU_add_test(su, "the ends' hash", test_hash_ends) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
