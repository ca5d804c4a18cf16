/*
 * arena.h - a two-pass bump allocator for packing a parsed record, with
 * its strings and arrays, into one right-sized block.
 *
 * The first pass runs with base == NULL and only measures: the offsets it
 * hands out are those a real pass over a block of the final size uses.
 * The caller then allocates a->off bytes and runs the same copy code again
 * with base set, so size and layout cannot disagree.  sipmsg.c and sdp.c
 * pack their results this way (one free() releases a whole message).
 */
#ifndef SIPALG_ARENA_H
#define SIPALG_ARENA_H

#include <stddef.h>
#include <string.h>

/*
 * memcpy() and memset() as calls into the C library, never expanded
 * inline, for the copies and clears of a few hundred bytes that fill a
 * packed block or a parse's scratch.  GCC expands those (a struct, or a
 * length the profile of the PGO build says is typical) into "rep movsq"
 * or "rep stosq", which on the bench machine (AMD Zen 3) cost two to
 * three times libc's vector loops for 200 to 640 bytes, hot or cold
 * destination (32-40 ns against 13-14 for a hot 416-byte copy): in the
 * PGO build three such copies took 42 % of msg_buf_pack's time.  The
 * compiler knows memcpy by its C name only, so under another name (the
 * assembler name is the library's) the call stays a call, to libc's or
 * the sanitizer's memcpy.
 */
void *arena_memcpy(void *dst, const void *src, size_t n) __asm__("memcpy");
void *arena_memset(void *dst, int c, size_t n) __asm__("memset");

struct arena {
	char *base;   /* NULL: measuring pass */
	size_t off;   /* bytes handed out so far */
};

/* n bytes aligned to align; NULL in the measuring pass. */
static inline void *
arena_take(struct arena *a, size_t n, size_t align)
{
	size_t o = (a->off + align - 1) / align * align;

	a->off = o + n;
	return a->base != NULL ? a->base + o : NULL;
}

/*
 * Copies s[0..n) and a NUL (n already measured by the caller); the empty
 * string is the shared "" and costs nothing.
 */
static inline const char *
arena_strn(struct arena *a, const char *s, size_t n)
{
	char *d;

	if (n == 0)
		return "";
	d = arena_take(a, n + 1, 1);
	if (d == NULL)
		return "";
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/*
 * Copies a NUL-terminated string of our own (at most cap - 1 bytes kept);
 * the empty string is the shared "" and costs nothing.
 */
static inline const char *
arena_str(struct arena *a, const char *s, size_t cap)
{
	return arena_strn(a, s, s != NULL ? strnlen(s, cap - 1) : 0);
}

#endif /* SIPALG_ARENA_H */
