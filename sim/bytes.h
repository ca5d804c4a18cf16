/*
 * bytes.h - the growing byte buffer the simulator builds messages in:
 * the ALG's rewritten message (alg.c), the far end's outside bytes
 * (farend.c) and the outside payload of a packet that carries several
 * messages (inbound.c, outbound.c).
 *
 * A buffer never grows past BYTES_MAX (a SIP message at its cap plus
 * room for rewrites); past that, or when memory runs out, it keeps what
 * it has and sets err, and every later put is ignored, so a builder
 * checks err once at the end.
 */
#ifndef SIPALG_SIM_BYTES_H
#define SIPALG_SIM_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/caps.h"

#define BYTES_MAX (CAP_SIP_MSG_BYTES + 8192)

/* Zero-initialise; the caller frees p. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

/* Appends p[0..n) (nothing after err). */
void bytes_put(struct bytes *b, const void *p, size_t n);
void bytes_puts(struct bytes *b, const char *s);
/* The bytes of b: never NULL, an empty buffer is "" (callers index them). */
const uint8_t *bytes_data(const struct bytes *b);

/*
 * Appends src[0..n) to the buffer *p of *len bytes and *cap capacity,
 * growing it (doubling) as needed.  Returns false, leaving the buffer
 * as it was, when memory runs out.
 */
bool bytes_append(uint8_t **p, size_t *len, size_t *cap, const void *src,
    size_t n);

#endif /* SIPALG_SIM_BYTES_H */
