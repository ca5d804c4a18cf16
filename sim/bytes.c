/*
 * bytes.c - the simulator's growing byte buffer (bytes.h).  One copy of
 * the grow-and-append code that the ALG rewrite, the far-end model and
 * the packet builders share.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

void
bytes_put(struct bytes *b, const void *p, size_t n)
{
	uint8_t *np;
	size_t nc;

	if (b->err || n == 0)
		return;
	if (b->len + n > BYTES_MAX) {
		b->err = true;
		return;
	}
	if (b->len + n > b->cap) {
		nc = b->cap ? b->cap * 2 : 1024;
		while (nc < b->len + n)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL) {
			b->err = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
bytes_puts(struct bytes *b, const char *s)
{
	bytes_put(b, s, strlen(s));
}

const uint8_t *
bytes_data(const struct bytes *b)
{
	return b->p != NULL ? b->p : (const uint8_t *)"";
}

bool
bytes_append(uint8_t **p, size_t *len, size_t *cap, const void *src, size_t n)
{
	if (*len + n > *cap) {
		size_t nc = (*len + n) * 2;
		uint8_t *nb = realloc(*p, nc);

		if (nb == NULL)
			return false;
		*p = nb;
		*cap = nc;
	}
	if (n > 0)
		memcpy(*p + *len, src, n);
	*len += n;
	return true;
}
