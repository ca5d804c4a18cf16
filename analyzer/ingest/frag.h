/*
 * frag.h - IPv4 and IPv6 fragment reassembly with hard bounds.
 *
 * Datagrams are keyed by (family, src, dst, protocol, id).  Bounds from
 * caps.h: CAP_FRAG_DATAGRAMS pending, CAP_FRAG_PER_DATAGRAM fragments each,
 * CAP_FRAG_DATAGRAM_BYTES reassembled, CAP_FRAG_TIMEOUT_NS capture time.
 * Overlaps keep the first copy (and count FRAG_OVERLAP if they differ).
 * A datagram that leaves the table unfinished (timeout, or the end of the
 * input) is handed to the table's lost callback first, with the bytes it
 * had from its start: the beginning of a message the path lost.
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

/* Where and when a fragment was captured. */
struct frag_at {
	int64_t ts_ns;
	uint32_t cap_idx;
	uint64_t frame;
};

/*
 * A datagram that never completed, as it leaves the table.  at: the
 * fragment at offset 0 (frame 0 when it was never seen; ts_ns is then
 * the first fragment's); nfrags fragments and seen distinct payload
 * bytes arrived; total the payload length once the last fragment fixed
 * it, else 0; head[0..head_len) the bytes received contiguously from
 * offset 0 (borrowed for the duration of the call, head_len 0 when the
 * first fragment is missing).
 */
struct frag_lost {
	struct frag_key key;
	struct frag_at at;
	uint16_t nfrags;
	uint32_t seen, total;
	const uint8_t *head;
	size_t head_len;
};

typedef void (*frag_lost_fn)(void *user, const struct frag_lost *l,
    struct anomalies *an);

/* Returns NULL on OOM. */
struct frag_table *frag_table_new(void);

/* Datagrams that leave unfinished go to fn (NULL: none) from now on. */
void frag_table_on_lost(struct frag_table *ft, frag_lost_fn fn, void *user);
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
    const struct frag_at *at, const uint8_t **out, size_t *outlen,
    uint16_t *nfrags, struct anomalies *an);

/*
 * Drops datagrams older than the timeout, counting FRAG_TIMEOUT each and
 * handing each to the lost callback first.
 */
void frag_table_expire(struct frag_table *ft, int64_t now_ns,
    struct anomalies *an);

/*
 * End of input: every datagram still pending leaves unfinished, counted
 * FRAG_UNFINISHED and handed to the lost callback.
 */
void frag_table_flush(struct frag_table *ft, struct anomalies *an);

/* Datagrams pending reassembly. */
size_t frag_table_pending(const struct frag_table *ft);

#endif /* SIPALG_FRAG_H */
