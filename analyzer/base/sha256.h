/*
 * sha256.h - SHA-256 (FIPS 180-4), for identifying capture files in the
 * store without a crypto library dependency.
 */
#ifndef SIPALG_SHA256_H
#define SIPALG_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;             /* bytes hashed */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* Writes the 32-byte digest. */
void sha256_final(struct sha256 *s, uint8_t out[32]);
/*
 * Hashes a whole file into hex (65 bytes with NUL).  Returns 0, or -1 with
 * errno set when the file cannot be read.
 */
int sha256_file(const char *path, char hex[65]);

#endif /* SIPALG_SHA256_H */
