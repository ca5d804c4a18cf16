/*
 * scratch.h - a bump allocator for short-lived work, reset as a whole.
 *
 * Parsing one SIP message with libosip2 makes a hundred small allocations
 * that all die together when the message has been reduced to our own
 * record.  A scratch hands them out from one buffer by moving an offset,
 * and scratch_reset() takes them all back at once: no free() per object,
 * no walk over the parsed tree.
 *
 * The first buffer is the caller's (a stack array, typically), so a
 * message that fits costs no heap allocation at all; requests beyond it
 * go to heap chunks that scratch_reset() and scratch_fini() release, so
 * what a scratch holds is bounded by the largest single piece of work.
 * Every block is aligned for any type (max_align_t) and carries its size
 * just before it, which scratch_realloc() needs.  scratch_free() of a
 * block is a no-op.  Not thread-safe; a scratch belongs to one thread.
 */
#ifndef SIPALG_SCRATCH_H
#define SIPALG_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Under AddressSanitizer the scratch poisons what it has not handed out:
 * a buffer is poisoned when it becomes the scratch's, each block is
 * unpoisoned for exactly its n bytes (the header before it stays
 * poisoned, but for the size it holds, and so does the slack after it),
 * a block scratch_free() gets back is poisoned again, and so is the
 * whole caller's buffer at scratch_reset().  A read or write past a
 * block, before it, after its free or after a reset is reported as for
 * malloc'd memory.  scratch_fini() unpoisons the caller's buffer, which
 * is usually a stack array the caller's frame reuses.  Code built
 * without ASan (libosip2 from the distribution) is not checked, but what
 * our code reads of the tree it built is.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_ASAN 1
#endif
#endif
#ifdef SCRATCH_ASAN
#include <sanitizer/asan_interface.h>
#define SCRATCH_POISON(p, n) __asan_poison_memory_region((p), (n))
#define SCRATCH_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define SCRATCH_POISON(p, n) ((void)(p), (void)(n))
#define SCRATCH_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct scratch_chunk;

struct scratch {
	char *base;       /* current buffer */
	size_t cap, off;  /* its size, bytes handed out */
	char *first;      /* the caller's buffer */
	size_t first_cap;
	struct scratch_chunk *chunks; /* heap overflow, newest first */
	size_t spent;     /* bytes handed out from earlier buffers */
};

#define SCRATCH_ALIGN _Alignof(max_align_t)

/*
 * Starts s on the caller's buffer buf[0..n) (n may be 0, buf NULL: heap
 * only).  buf must outlive s and be aligned to SCRATCH_ALIGN.
 */
void scratch_init(struct scratch *s, void *buf, size_t n);
/* Releases the heap chunks; the caller's buffer is the caller's. */
void scratch_fini(struct scratch *s);
/*
 * Takes every block back: the next allocation starts at the caller's
 * buffer again, heap chunks are freed.  Pointers handed out before are
 * dangling.
 */
void scratch_reset(struct scratch *s);

/* Slow path of scratch_alloc: a new heap chunk.  NULL on OOM. */
void *scratch_alloc_chunk(struct scratch *s, size_t n);

/* n bytes (n == 0 gives a valid unique block); NULL on OOM. */
static inline void *
scratch_alloc(struct scratch *s, size_t n)
{
	size_t need = (n + 2 * SCRATCH_ALIGN - 1) / SCRATCH_ALIGN *
	    SCRATCH_ALIGN;
	char *p;

	if (n > ((size_t)-1) / 2 || s->cap - s->off < need)
		return scratch_alloc_chunk(s, n);
	p = s->base + s->off + SCRATCH_ALIGN;
	SCRATCH_UNPOISON(p - sizeof(size_t), n + sizeof(size_t));
	((size_t *)(void *)p)[-1] = n;
	s->off += need;
	return p;
}

/*
 * Gives p (a block of s, or NULL) back: a no-op but for ASan, which sees
 * it freed from here on.  Its room is reused only after a reset.
 */
void scratch_free(struct scratch *s, void *p);

/*
 * Resizes a block of s (p NULL: a new one).  The last block handed out
 * grows in place when its buffer has room; otherwise the content moves
 * to a new block.  NULL on OOM, p then unchanged.
 */
void *scratch_realloc(struct scratch *s, void *p, size_t n);

/* True when p points into one of s's buffers (a block it handed out). */
bool scratch_owns(const struct scratch *s, const void *p);

/* Bytes handed out since the last reset (block headers included). */
size_t scratch_used(const struct scratch *s);

#endif /* SIPALG_SCRATCH_H */
