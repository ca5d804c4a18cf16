/*
 * frag.h - IPv4 and IPv6 fragment reassembly with hard bounds.
 *
 * Datagrams are keyed by (family, src, dst, protocol, id).  Bounds from
 * caps.h: CAP_FRAG_DATAGRAMS pending, CAP_FRAG_PER_DATAGRAM fragments each,
 * CAP_FRAG_DATAGRAM_BYTES reassembled, CAP_FRAG_TIMEOUT_NS capture time.
 * Overlaps keep the first copy (and count FRAG_OVERLAP if they differ).
 */
#ifndef SIPALG_FRAG_H
#define SIPALG_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"

struct frag_table;

struct frag_key {
	uint8_t family;       /* 4 or 6 */
	uint8_t proto;        /* next protocol of the reassembled payload */
	uint8_t src[16], dst[16];
	uint32_t id;
};

/* Returns NULL on OOM. */
struct frag_table *frag_table_new(void);
void frag_table_free(struct frag_table *ft);

/*
 * Adds the payload of one fragment (the bytes after the IP header and, for
 * IPv6, after the fragment header).  offset is in bytes, more is the MF
 * flag.  Returns 1 and sets *out and *outlen to the whole reassembled payload
 * when this fragment completes the datagram (buffer owned by the table,
 * valid until the next call), 0 when more are awaited, -1 when the datagram
 * was dropped (an anomaly was counted).
 */
int frag_table_add(struct frag_table *ft, const struct frag_key *key,
    uint32_t offset, int more, const uint8_t *data, size_t len,
    int64_t ts_ns, const uint8_t **out, size_t *outlen, uint16_t *nfrags,
    struct anomalies *an);

/* Drops datagrams older than the timeout, counting FRAG_TIMEOUT each. */
void frag_table_expire(struct frag_table *ft, int64_t now_ns,
    struct anomalies *an);

/* Datagrams pending reassembly. */
size_t frag_table_pending(const struct frag_table *ft);

#endif /* SIPALG_FRAG_H */
