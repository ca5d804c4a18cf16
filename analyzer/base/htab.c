/*
 * htab.c - the intrusive hash table (htab.h), and the keyed hashes its
 * users link records by.
 *
 * Every key hashed here comes from a capture (Call-IDs, tags, branches,
 * whole messages, addresses and ports), so a capture made to give many
 * keys one slot's low bits would make every lookup walk their probe run:
 * quadratic time.  An
 * unkeyed hash cannot prevent that (the bucket is a few low bits: about
 * 2^k tries find each key for a 2^k-bucket table, and the old FNV-1a and
 * word hashes had cheap exact multicollisions besides), so the byte hashes
 * are keyed, under a key drawn once per process: htab_hash is SipHash-1-3
 * (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012; the
 * 1-3 rounds Python and Rust use for their tables), htab_hash_words a
 * universal hash (NH and a polynomial, below, with the bound it gives),
 * and htab_mix64 adds a key word before mixing (a keyed bijection: its
 * callers put the key in before they combine integer fields, htab.h says
 * why).  Hash values therefore
 * differ from one run to the next; nothing may print, store or order
 * output by them (records of one key keep their insertion order whatever
 * the key: grow() treats them alike).  SIPALG_HASH_SEED=N in the
 * environment fixes the key (tests/hashseed.sh runs the tools under two
 * seeds and compares the outputs byte for byte; a fixed key gives the
 * protection up).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/htab.h"

uint64_t htab_mix_key;
static uint64_t sip_key[2];
static uint64_t nh_key[64];       /* htab_hash_words' NH key, 512 bytes */
static uint64_t poly_key[2];      /* its finish's point r and term s, < 2^61 - 1 */

static inline uint64_t siphash13(const unsigned char *p, size_t len,
    uint64_t k0, uint64_t k1);

/*
 * Draws the key before main (so before any thread): a constructor, since
 * htab_hash is too hot for a once-guard.  getrandom() without GRND_RANDOM
 * blocks only before the kernel's pool is first ready, never after boot;
 * if it fails the key falls back to time and address bits (weaker, still
 * unknown to a capture made in advance).
 */
__attribute__((constructor)) static void
htab_key_init(void)
{
	uint64_t k[3] = { 0, 0, 0 };
	const char *env = getenv("SIPALG_HASH_SEED");
	char *end;

	if (env != NULL && *env != '\0') {
		uint64_t s;

		errno = 0;
		s = strtoull(env, &end, 0);
		if (errno == 0 && *end == '\0') {
			/* splitmix64 expands the seed into the three words */
			for (int i = 0; i < 3; i++) {
				s += 0x9e3779b97f4a7c15ULL;
				k[i] = s;
			}
			goto mix;
		}
	}
	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
		k[0] = (uint64_t)(uintptr_t)&k ^ (uint64_t)(uintptr_t)env;
		struct timespec ts;

		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		k[1] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		k[2] = k[0] * 0x9e3779b97f4a7c15ULL ^ k[1];
	}
mix:
	htab_mix_key = 0;
	sip_key[0] = htab_mix64(k[0]);
	sip_key[1] = htab_mix64(k[1]);
	htab_mix_key = htab_mix64(k[2]);
	/* the NH key: SipHash of the word's index under the key, a PRF */
	for (uint64_t i = 0; i < sizeof(nh_key) / sizeof(nh_key[0]); i++)
		nh_key[i] = siphash13((const unsigned char *)&i, sizeof(i),
		    sip_key[0], sip_key[1] ^ 3);
	/* r and s: the next two, taken below 2^61 - 1 (one value of 2^61
	 * is folded onto 0: a bias of 2^-61) */
	for (uint64_t i = 0; i < 2; i++) {
		uint64_t j = i + 64, v = siphash13((const unsigned char *)&j,
		    sizeof(j), sip_key[0], sip_key[1] ^ 3) & ((1ULL << 61) - 1);

		poly_key[i] = v == (1ULL << 61) - 1 ? 0 : v;
	}
}

int
htab_init(struct htab *h, size_t initial)
{
	size_t nb = 16;

	while (nb < initial)
		nb <<= 1;
	h->s = calloc(2 * nb, sizeof(*h->s));
	h->mask = h->s ? 2 * nb - 1 : 0;
	h->nb = h->s ? nb : 0;
	h->used = h->n = 0;
	return h->s ? 0 : -1;
}

void
htab_fini(struct htab *h)
{
	free(h->s);
	h->s = NULL;
	h->mask = h->used = h->n = h->nb = 0;
}

/* Reverses the chain from head (its records' order, htab.h), returning
 * the new head. */
static struct hnode *
reverse(struct hnode *head)
{
	struct hnode *rev = NULL, *next;

	for (; head != NULL; head = next) {
		next = head->next;
		head->next = rev;
		rev = head;
	}
	return rev;
}

/* The slot of hash in s (mask + 1 slots), or the free slot ending its
 * probe run. */
static struct hslot *
probe(struct hslot *s, size_t mask, uint64_t hash)
{
	size_t i = hash & mask;

	while (s[i].head != NULL && s[i].hash != hash)
		i = (i + 1) & mask;
	return &s[i];
}

/*
 * The growth point (htab.h): nb doubles, every chain of several records
 * is reversed, and the slots move to an array twice the size (kept in
 * place when that cannot be allocated).  Only slots are read, and the
 * records of shared hashes.
 */
static void
grow(struct htab *h)
{
	size_t slots = 2 * (h->mask + 1);
	struct hslot *s = calloc(slots, sizeof(*s));

	for (size_t i = 0; i <= h->mask; i++) {
		struct hslot *o = &h->s[i];

		if (o->head == NULL)
			continue;
		if (o->head->next != NULL)
			o->head = reverse(o->head);
		if (s != NULL)
			*probe(s, slots - 1, o->hash) = *o;
	}
	h->nb *= 2;
	if (s == NULL)
		return;
	free(h->s);
	h->s = s;
	h->mask = slots - 1;
}

void
htab_add(struct htab *h, struct hnode *node, uint64_t hash)
{
	struct hslot *s;

	if (h->s == NULL)
		return;
	if (h->n >= h->nb)
		grow(h);
	node->hash = hash;
	s = probe(h->s, h->mask, hash);
	if (s->head == NULL) {
		/* keep a free slot, which ends every probe run */
		if (h->used + 1 > h->mask)
			return;
		s->hash = hash;
		h->used++;
	}
	node->next = s->head;
	s->head = node;
	h->n++;
}

/*
 * Frees slot i: the slots after it in its probe run move back into the
 * hole when their hash's own slot (its low bits) is not between the hole
 * and them, so that every probe run stays unbroken (no tombstones).
 */
static void
slot_free(struct htab *h, size_t i)
{
	for (size_t j = (i + 1) & h->mask; h->s[j].head != NULL;
	    j = (j + 1) & h->mask) {
		size_t home = h->s[j].hash & h->mask;

		if (((j - home) & h->mask) >= ((j - i) & h->mask)) {
			h->s[i] = h->s[j];
			i = j;
		}
	}
	h->s[i].head = NULL;
	h->used--;
}

void
htab_del(struct htab *h, struct hnode *node)
{
	struct hslot *s;

	if (h->s == NULL)
		return;
	s = probe(h->s, h->mask, node->hash);
	for (struct hnode **pp = &s->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			h->n--;
			if (s->head == NULL)
				slot_free(h, (size_t)(s - h->s));
			return;
		}
	}
}

void
htab_foreach(struct htab *h, void (*f)(struct hnode *, void *), void *arg)
{
	for (size_t i = 0; h->s != NULL && i <= h->mask; i++) {
		struct hnode *n = h->s[i].head, *next;

		for (; n != NULL; n = next) {
			next = n->next;
			f(n, arg);
		}
	}
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/*
 * Little-endian load of n bytes (1 to 8, a constant where it is called),
 * as the SipHash paper reads words; the bytes not loaded are zero.
 */
static inline uint64_t
load_le(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline uint64_t
load_le64(const unsigned char *p)
{
	return load_le(p, 8);
}

/*
 * SipHash-c-d of p[0..len) under (k0, k1).  Always inlined: with the
 * rounds constant (siphash13) the compiler unrolls them.
 */
static inline __attribute__((always_inline)) uint64_t
siphash(const unsigned char *p, size_t len, uint64_t k0, uint64_t k1,
    int crounds, int drounds)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56, m;
	size_t left = len & 7;
	const unsigned char *end = p + (len - left);

	for (; p != end; p += 8) {
		m = load_le64(p);
		v3 ^= m;
#pragma GCC unroll 4
		for (int i = 0; i < crounds; i++)
			SIPROUND;
		v0 ^= m;
	}
	switch (left) {
	case 7: b |= (uint64_t)p[6] << 48; /* FALLTHROUGH */
	case 6: b |= (uint64_t)p[5] << 40; /* FALLTHROUGH */
	case 5: b |= (uint64_t)p[4] << 32; /* FALLTHROUGH */
	case 4: b |= (uint64_t)p[3] << 24; /* FALLTHROUGH */
	case 3: b |= (uint64_t)p[2] << 16; /* FALLTHROUGH */
	case 2: b |= (uint64_t)p[1] << 8;  /* FALLTHROUGH */
	case 1: b |= (uint64_t)p[0]; break;
	default: break;
	}
	v3 ^= b;
#pragma GCC unroll 4
	for (int i = 0; i < crounds; i++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
#pragma GCC unroll 4
	for (int i = 0; i < drounds; i++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
htab_siphash(const void *p, size_t len, uint64_t k0, uint64_t k1,
    int crounds, int drounds)
{
	return siphash(p, len, k0, k1, crounds, drounds);
}

/* SipHash-1-3, the tables' hash (Python's and Rust's choice). */
static inline uint64_t
siphash13(const unsigned char *p, size_t len, uint64_t k0, uint64_t k1)
{
	return siphash(p, len, k0, k1, 1, 3);
}

uint64_t
htab_hash(const void *vp, size_t len, uint64_t seed)
{
	return siphash13(vp, len, sip_key[0] ^ seed, sip_key[1]);
}

/*
 * Keys up to NH_BYTES (Call-IDs, whole messages) go through NH, the
 * universal hash of UMAC (Black et al., "UMAC: fast and secure message
 * authentication", CRYPTO 1999, section 3): the sum of the products of
 * pairs of words, each plus a key word.  With 64-bit words and the
 * 128-bit sum (VMAC's NH, Krovetz 2007) two distinct keys of one length
 * give one sum with probability at most 2^-64 over the key, at one
 * multiply per sixteen bytes (about ten instructions, against about 14
 * per eight bytes for a SipHash round).
 *
 * The sum and the length are then finished by a polynomial over the
 * prime field of p = 2^61 - 1 (Carter and Wegman's universal hashing;
 * VMAC's second level is of this kind), at a point r and plus s, both
 * drawn with the key: h = c1 r^3 + c2 r^2 + c3 r + s mod p, where c1,
 * c2, c3 pack the sum's 128 bits and the length, 60 bits each (below
 * p, so distinct inputs give distinct coefficients).  Two distinct
 * (sum, length) differ in a nonzero polynomial of degree at most 3 with
 * no constant term, zero at no more than 3 of the p points r.  So, for
 * any two distinct keys fixed before the process drew its key (a
 * capture is written before, and nothing prints, stores or orders by
 * hash values), they share a value with probability at most
 * 2^-64 + 3/p, and the low b bits a 2^b-bucket table indexes by with
 * probability at most 2^-64 + 6/2^b (there are at most 2p/2^b
 * differences mod p that agree in those bits); a random function would
 * give 1/2^b.  That bound is what stops a crafted capture piling its
 * keys into one chain.  Unlike the SipHash-1-3 finish it replaces (a
 * pseudorandom function, about 110 instructions against about 40 here,
 * and not needed for the bound) it is not meant to hide the key from
 * someone who could watch which of his keys collide while choosing the
 * next ones; nobody watches this process while its capture is made.
 * Keys longer than NH_BYTES take SipHash-1-3 whole.  Without a 128-bit
 * type the 32-bit NH (2^-32) with the SipHash-1-3 finish is used, and
 * keys below 64 bytes take SipHash-1-3 whole (NH_TAKES).
 */
#define NH_BYTES (8 * (sizeof(nh_key) / sizeof(nh_key[0])))
#ifdef __SIZEOF_INT128__
#define NH_TAKES(len) ((len) <= NH_BYTES)
#else
#define NH_TAKES(len) ((len) >= 64 && (len) <= NH_BYTES)
#endif

/* The NH sum so far: 128 bits, or 64 with the 32-bit NH. */
struct nh {
	uint64_t lo, hi;
};

/*
 * The last pair of words of a segment of len bytes (len % 16 != 0),
 * read without copying: its last sixteen bytes when it has them
 * (overlapping the pair before), else its bytes in overlapping pieces,
 * the rest zero.  For one len every byte lands in some word, so the
 * words are a one-to-one function of the bytes: all NH's bound asks
 * (keys of different lengths are kept apart by the length the caller
 * finishes with).
 */
static inline void
nh_last(const unsigned char *seg, size_t len, uint64_t w[2])
{
	if (len >= 16) {
		w[0] = load_le64(seg + len - 16);
		w[1] = load_le64(seg + len - 8);
	} else if (len >= 8) {
		w[0] = load_le64(seg);
		w[1] = load_le64(seg + len - 8);
	} else if (len >= 4) {
		w[0] = load_le(seg, 4) | load_le(seg + len - 4, 4) << 32;
		w[1] = 0;
	} else {
		w[0] = seg[0] | (uint64_t)seg[len / 2] << 8 |
		    (uint64_t)seg[len - 1] << 16;
		w[1] = 0;
	}
}

/*
 * Adds p[0..len) to the NH sum s at key word *k (advanced past the
 * words used): whole pairs of words, then the rest as nh_last() reads
 * it.
 */
static inline __attribute__((always_inline)) void
nh_add(struct nh *s, const unsigned char *p, size_t len, const uint64_t **kp)
{
	const unsigned char *seg = p, *end = p + (len & ~(size_t)15);
	const uint64_t *k = *kp;
	uint64_t last[2];
#ifdef __SIZEOF_INT128__
	unsigned __int128 acc = (unsigned __int128)s->hi << 64 | s->lo;

#pragma GCC unroll 4
	for (; p != end; p += 16, k += 2)
		acc += (unsigned __int128)(load_le64(p) + k[0]) *
		    (load_le64(p + 8) + k[1]);
	if (len & 15) {
		nh_last(seg, len, last);
		acc += (unsigned __int128)(last[0] + k[0]) * (last[1] + k[1]);
		k += 2;
	}
	s->lo = (uint64_t)acc;
	s->hi = (uint64_t)(acc >> 64);
#else
	uint64_t acc = s->lo, w, w2;

	for (; p != end; p += 16, k += 2) {
		w = load_le64(p);
		w2 = load_le64(p + 8);
		acc += (uint64_t)(uint32_t)(w + k[0]) *
		    (uint32_t)((w >> 32) + (k[0] >> 32));
		acc += (uint64_t)(uint32_t)(w2 + k[1]) *
		    (uint32_t)((w2 >> 32) + (k[1] >> 32));
	}
	if (len & 15) {
		nh_last(seg, len, last);
		for (int i = 0; i < 2; i++) {
			w = last[i];
			acc += (uint64_t)(uint32_t)(w + k[i]) *
			    (uint32_t)((w >> 32) + (k[i] >> 32));
		}
		k += 2;
	}
	s->lo = acc;
#endif
	*kp = k;
}

#ifdef __SIZEOF_INT128__
#define P61 ((1ULL << 61) - 1)
#define M60 ((1ULL << 60) - 1)

/*
 * h * r + c, reduced only as far as the next step needs: 2^61 = 1 mod p,
 * so the bits above 61 fold onto the low ones.  With h < 2^63, r < 2^61
 * and c < 2^61 the result stays below 2^64 (three steps from h < 2^60,
 * nh_final).
 */
static inline uint64_t
p61_step(uint64_t h, uint64_t r, uint64_t c)
{
	unsigned __int128 x = (unsigned __int128)h * r;

	return ((uint64_t)x & P61) + (uint64_t)(x >> 61) + c;
}

/* The value of an NH sum over len bytes (len < 2^52): the polynomial. */
static inline uint64_t
nh_final(const struct nh *s, size_t len)
{
	uint64_t c1 = s->lo & M60;
	uint64_t c2 = (s->lo >> 60 | s->hi << 4) & M60;
	uint64_t c3 = s->hi >> 56 | (uint64_t)len << 8;
	uint64_t h;

	h = p61_step(c1, poly_key[0], c2);           /* < 2^62 */
	h = p61_step(h, poly_key[0], c3);            /* < 2^63 */
	h = p61_step(h, poly_key[0], poly_key[1]);   /* < 2^64 */
	h = (h & P61) + (h >> 61);
	return h >= P61 ? h - P61 : h;
}
#else
/* The value of an NH sum over len bytes. */
static inline uint64_t
nh_final(const struct nh *s, size_t len)
{
	uint64_t fin[3] = { s->lo, s->hi, (uint64_t)len };

	return siphash13((const unsigned char *)fin, sizeof(fin),
	    sip_key[0], sip_key[1] ^ 2);
}
#endif

uint64_t
htab_hash_words(const void *vp, size_t len)
{
	const uint64_t *k = nh_key;
	struct nh s = { 0, 0 };

	if (!NH_TAKES(len))
		return siphash13(vp, len, sip_key[0], sip_key[1] ^ 1);
	nh_add(&s, vp, len, &k);
	return nh_final(&s, len);
}

uint64_t
htab_hash_ends(const void *vp, size_t len, size_t head, size_t tail)
{
	const unsigned char *p = vp;
	const uint64_t *k = nh_key;
	struct nh s = { 0, 0 };

	if (len <= head + tail)
		return htab_hash_words(p, len);
	/* Out of NH's reach (a caller's mistake): the whole key. */
	if (head % 16 != 0 || head + tail > NH_BYTES)
		return siphash13(p, len, sip_key[0], sip_key[1] ^ 1);
	/* As NH over the head and tail side by side; the length (greater
	 * than any head + tail) keeps these apart from whole keys. */
	nh_add(&s, p, head, &k);
	nh_add(&s, p + len - tail, tail, &k);
	return nh_final(&s, len);
}
