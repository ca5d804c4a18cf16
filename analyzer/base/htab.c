/*
 * htab.c - intrusive chained hash table (htab.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"

int
htab_init(struct htab *h, size_t initial)
{
	size_t nb = 16;

	while (nb < initial)
		nb <<= 1;
	/* Buckets are pointers: sizeof(struct hnode *) is meant. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	h->b = calloc(nb, sizeof(*h->b));
	h->nb = h->b ? nb : 0;
	h->n = 0;
	return h->b ? 0 : -1;
}

void
htab_fini(struct htab *h)
{
	free(h->b);
	h->b = NULL;
	h->nb = h->n = 0;
}

static void
grow(struct htab *h)
{
	size_t nb = h->nb * 2;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	struct hnode **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < h->nb; i++) {
		struct hnode *n = h->b[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
}

void
htab_add(struct htab *h, struct hnode *node, uint64_t hash)
{
	size_t i;

	if (h->nb == 0)
		return;
	if (h->n >= h->nb)
		grow(h);
	node->hash = hash;
	i = hash & (h->nb - 1);
	node->next = h->b[i];
	h->b[i] = node;
	h->n++;
}

void
htab_del(struct htab *h, struct hnode *node)
{
	struct hnode **pp;

	if (h->nb == 0)
		return;
	for (pp = &h->b[node->hash & (h->nb - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			h->n--;
			return;
		}
	}
}

uint64_t
htab_hash(const void *vp, size_t len, uint64_t seed)
{
	const unsigned char *p = vp;
	uint64_t h = seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t
htab_hash_words(const void *vp, size_t len)
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
	return htab_mix64(h);
}
