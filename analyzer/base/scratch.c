/*
 * scratch.c - bump allocator reset as a whole (scratch.h).
 *
 *	buffer:  | hdr | block 0 ... | hdr | block 1 ... |  free  |
 *	                ^ aligned           ^ aligned     ^ off
 *
 * Each block is preceded by a header of SCRATCH_ALIGN bytes whose last
 * size_t holds the block's requested size, so scratch_realloc() knows how
 * much to copy and can grow the newest block in place.  When the current
 * buffer is full a heap chunk of at least SCRATCH_CHUNK_BYTES becomes the
 * current buffer; the space left in the old one is not used again before
 * the next reset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/scratch.h"

#define SCRATCH_CHUNK_BYTES (32 * 1024)

struct scratch_chunk {
	struct scratch_chunk *next;
	size_t cap;
	_Alignas(SCRATCH_ALIGN) char data[];
};

void
scratch_init(struct scratch *s, void *buf, size_t n)
{
	s->first = buf;
	s->first_cap = buf != NULL ? n / SCRATCH_ALIGN * SCRATCH_ALIGN : 0;
	s->base = s->first;
	s->cap = s->first_cap;
	s->off = 0;
	s->chunks = NULL;
	s->spent = 0;
	if (s->first != NULL)
		SCRATCH_POISON(s->first, s->first_cap);
}

static void
free_chunks(struct scratch *s)
{
	struct scratch_chunk *c = s->chunks, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		SCRATCH_UNPOISON(c->data, c->cap);
		free(c);
	}
	s->chunks = NULL;
}

void
scratch_fini(struct scratch *s)
{
	free_chunks(s);
	/* The caller's buffer is the caller's again, whole. */
	if (s->first != NULL)
		SCRATCH_UNPOISON(s->first, s->first_cap);
	s->base = s->first;
	s->cap = s->first_cap;
	s->off = 0;
	s->spent = 0;
}

void
scratch_reset(struct scratch *s)
{
	free_chunks(s);
	s->base = s->first;
	s->cap = s->first_cap;
	s->off = 0;
	s->spent = 0;
	if (s->first != NULL)
		SCRATCH_POISON(s->first, s->first_cap);
}

void
scratch_free(struct scratch *s, void *p)
{
	(void)s;
	if (p != NULL)
		SCRATCH_POISON((char *)p - sizeof(size_t),
		    ((size_t *)p)[-1] + sizeof(size_t));
}

void *
scratch_alloc_chunk(struct scratch *s, size_t n)
{
	struct scratch_chunk *c;
	size_t need, cap;

	if (n > SIZE_MAX / 2)
		return NULL;
	need = (n + 2 * SCRATCH_ALIGN - 1) / SCRATCH_ALIGN * SCRATCH_ALIGN;
	cap = need > SCRATCH_CHUNK_BYTES ? need : SCRATCH_CHUNK_BYTES;
	c = malloc(sizeof(*c) + cap);
	if (c == NULL)
		return NULL;
	c->cap = cap;
	SCRATCH_POISON(c->data, cap);
	c->next = s->chunks;
	s->chunks = c;
	s->spent += s->off;
	s->base = c->data;
	s->cap = cap;
	s->off = 0;
	return scratch_alloc(s, n);
}

/* a in [base, base + n), compared as addresses (base may be unrelated). */
static bool
within(const void *a, const void *base, size_t n)
{
	uintptr_t x = (uintptr_t)a, b = (uintptr_t)base;

	return base != NULL && x >= b && x - b < n;
}

static size_t
block_size(const void *p)
{
	return ((const size_t *)p)[-1];
}

void *
scratch_realloc(struct scratch *s, void *p, size_t n)
{
	size_t old, need;
	char *q;

	if (p == NULL)
		return scratch_alloc(s, n);
	old = block_size(p);
	/* The newest block of the current buffer grows where it is. */
	if (within(p, s->base, s->cap) && n <= SIZE_MAX / 2) {
		size_t start = (size_t)((char *)p - s->base) - SCRATCH_ALIGN;
		size_t end = start + (old + 2 * SCRATCH_ALIGN - 1) /
		    SCRATCH_ALIGN * SCRATCH_ALIGN;

		need = (n + 2 * SCRATCH_ALIGN - 1) / SCRATCH_ALIGN *
		    SCRATCH_ALIGN;
		if (end == s->off && need <= s->cap - start) {
			/* What it no longer holds, poisoned; then its n bytes. */
			SCRATCH_POISON(p, old);
			SCRATCH_UNPOISON(p, n);
			((size_t *)p)[-1] = n;
			s->off = start + need;
			return p;
		}
	}
	q = scratch_alloc(s, n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	scratch_free(s, p);
	return q;
}

bool
scratch_owns(const struct scratch *s, const void *p)
{
	const struct scratch_chunk *k;

	if (within(p, s->first, s->first_cap))
		return true;
	for (k = s->chunks; k != NULL; k = k->next)
		if (within(p, k->data, k->cap))
			return true;
	return false;
}

size_t
scratch_used(const struct scratch *s)
{
	return s->spent + s->off;
}
