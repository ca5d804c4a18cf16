/*
 * cursor.h - the one bounded reader for untrusted bytes.
 *
 * Every fetch from packet data goes through a struct cur.  A read past the
 * end sets cur.err, returns 0 (or NULL) and leaves the offset at the end,
 * so a decoder reads a whole header and checks err once, as tcpdump's
 * GET_BE_U_2 / ND_TTEST_LEN pattern does.  Multi-byte values are assembled
 * byte by byte: no struct is ever cast onto packet bytes and no unaligned
 * load happens.
 */
#ifndef SIPALG_CURSOR_H
#define SIPALG_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct cur {
	const uint8_t *p;   /* start of the window */
	size_t len;         /* bytes in the window */
	size_t off;         /* next byte to read */
	int err;            /* set once a read went past len */
};

static inline void
cur_init(struct cur *c, const void *p, size_t len)
{
	c->p = (const uint8_t *)p;
	c->len = p != NULL ? len : 0;
	c->off = 0;
	c->err = 0;
}

static inline size_t
cur_left(const struct cur *c)
{
	return c->err ? 0 : c->len - c->off;
}

/* Non-zero when n more bytes can be read. */
static inline int
cur_has(const struct cur *c, size_t n)
{
	return !c->err && n <= c->len - c->off;
}

/* Pointer to the next n bytes and advance; NULL (and err) if short. */
static inline const uint8_t *
cur_take(struct cur *c, size_t n)
{
	const uint8_t *r;

	if (!cur_has(c, n)) {
		c->err = 1;
		c->off = c->len;
		return NULL;
	}
	r = c->p + c->off;
	c->off += n;
	return r;
}

/* Pointer to the next n bytes without advancing; NULL if short (no err). */
static inline const uint8_t *
cur_peek(const struct cur *c, size_t n)
{
	return cur_has(c, n) ? c->p + c->off : NULL;
}

static inline int
cur_skip(struct cur *c, size_t n)
{
	return cur_take(c, n) != NULL;
}

static inline uint8_t
cur_u8(struct cur *c)
{
	const uint8_t *b = cur_take(c, 1);

	return b ? b[0] : 0;
}

static inline uint16_t
cur_be16(struct cur *c)
{
	const uint8_t *b = cur_take(c, 2);

	return b ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

static inline uint32_t
cur_be32(struct cur *c)
{
	const uint8_t *b = cur_take(c, 4);

	return b ? ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3] : 0;
}

static inline uint16_t
cur_le16(struct cur *c)
{
	const uint8_t *b = cur_take(c, 2);

	return b ? (uint16_t)((b[1] << 8) | b[0]) : 0;
}

static inline uint32_t
cur_le32(struct cur *c)
{
	const uint8_t *b = cur_take(c, 4);

	return b ? ((uint32_t)b[3] << 24) | ((uint32_t)b[2] << 16) |
	    ((uint32_t)b[1] << 8) | b[0] : 0;
}

/* A sub-window of the next n bytes (advances c); err in both if short. */
static inline struct cur
cur_sub(struct cur *c, size_t n)
{
	struct cur s;
	const uint8_t *b = cur_take(c, n);

	cur_init(&s, b, b ? n : 0);
	if (b == NULL)
		s.err = 1;
	return s;
}

/* Remaining bytes as a pointer (may be NULL when empty). */
static inline const uint8_t *
cur_rest(const struct cur *c)
{
	return c->err ? NULL : c->p + c->off;
}

#endif /* SIPALG_CURSOR_H */
