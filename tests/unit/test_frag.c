/*
 * test_frag.c - CUnit tests for frag.c: in-order, out-of-order, duplicate
 * and overlapping fragments, the caps (fragments per datagram, size,
 * pending datagrams), contradicting last fragments, the timeout, and
 * what a datagram that leaves unfinished hands to the lost callback.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/frag.h"

static uint8_t pattern[70000];
static const struct frag_at at0 = { 0, 0, 7 };

static struct frag_key
key(uint32_t id)
{
	struct frag_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 17;
	k.src[0] = 10;
	k.src[3] = 1;
	k.dst[0] = 10;
	k.dst[3] = 2;
	k.id = id;
	return k;
}

static int
add(struct frag_table *ft, uint32_t id, uint32_t off, int more, size_t len,
    int64_t ts, const uint8_t **out, size_t *outlen, uint16_t *nf,
    struct anomalies *an)
{
	struct frag_key k = key(id);
	struct frag_at at = { ts, 0, 1 + off };

	return frag_table_add(ft, &k, off, more, pattern + off, len, &at, out,
	    outlen, nf, an);
}

static void
test_in_order(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	CU_ASSERT_EQUAL(add(ft, 1, 0, 1, 1480, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 1);
	CU_ASSERT_EQUAL(add(ft, 1, 1480, 1, 1480, 0, &out, &outlen, &nf, &an),
	    0);
	CU_ASSERT_EQUAL(add(ft, 1, 2960, 0, 100, 0, &out, &outlen, &nf, &an), 1);
	CU_ASSERT_EQUAL(outlen, 3060);
	CU_ASSERT_EQUAL(nf, 3);
	CU_ASSERT_EQUAL(memcmp(out, pattern, 3060), 0);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	frag_table_free(ft);
}

static void
test_out_of_order_dup(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	CU_ASSERT_EQUAL(add(ft, 2, 16, 0, 5, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 2, 8, 1, 8, 0, &out, &outlen, &nf, &an), 0);
	/* An identical duplicate is not an overlap anomaly. */
	CU_ASSERT_EQUAL(add(ft, 2, 8, 1, 8, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(add(ft, 2, 0, 1, 8, 0, &out, &outlen, &nf, &an), 1);
	CU_ASSERT_EQUAL(outlen, 21);
	CU_ASSERT_EQUAL(nf, 4);
	CU_ASSERT_EQUAL(memcmp(out, pattern, 21), 0);
	frag_table_free(ft);
}

static void
test_overlap_keeps_first(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	struct frag_key k = key(3);
	uint8_t a[16], b[16];
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	CU_ASSERT_EQUAL(frag_table_add(ft, &k, 0, 1, a, 16, &at0, &out, &outlen,
	    &nf, &an), 0);
	CU_ASSERT_EQUAL(frag_table_add(ft, &k, 8, 0, b, 16, &at0, &out, &outlen,
	    &nf, &an), 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_OVERLAP], 1);
	CU_ASSERT_EQUAL(outlen, 24);
	CU_ASSERT_EQUAL(memcmp(out, a, 16), 0);
	CU_ASSERT_EQUAL(out[16], 'B');
	CU_ASSERT_EQUAL(out[23], 'B');
	frag_table_free(ft);
}

static void
test_contradicting_end(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	/* Last fragment says 24 bytes, then data beyond 24 arrives. */
	CU_ASSERT_EQUAL(add(ft, 4, 16, 0, 8, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 4, 24, 1, 8, 0, &out, &outlen, &nf, &an), -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_OVERLAP], 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	/* Data at 32..40 first, then a last fragment ending at 16. */
	CU_ASSERT_EQUAL(add(ft, 5, 32, 1, 8, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 5, 8, 0, 8, 0, &out, &outlen, &nf, &an), -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_OVERLAP], 2);
	/* Two different last fragments. */
	CU_ASSERT_EQUAL(add(ft, 6, 8, 0, 8, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 6, 8, 0, 4, 0, &out, &outlen, &nf, &an), -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_OVERLAP], 3);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	frag_table_free(ft);
}

static void
test_too_many(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;
	int r = 0;

	for (uint32_t i = 0; i < CAP_FRAG_PER_DATAGRAM; i++)
		CU_ASSERT_EQUAL(add(ft, 7, i * 8, 1, 8, 0, &out, &outlen, &nf,
		    &an), 0);
	r = add(ft, 7, CAP_FRAG_PER_DATAGRAM * 8, 0, 8, 0, &out, &outlen, &nf,
	    &an);
	CU_ASSERT_EQUAL(r, -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TOO_MANY], 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	frag_table_free(ft);
}

static void
test_too_big(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	CU_ASSERT_EQUAL(add(ft, 8, 0, 1, 1000, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 8, 65528, 0, 100, 0, &out, &outlen, &nf, &an),
	    -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TOO_BIG], 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	/* Exactly at the cap is fine. */
	CU_ASSERT_EQUAL(add(ft, 9, 0, 1, 65528, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 9, 65528, 0, CAP_FRAG_DATAGRAM_BYTES - 65528, 0,
	    &out, &outlen, &nf, &an), 1);
	CU_ASSERT_EQUAL(outlen, CAP_FRAG_DATAGRAM_BYTES);
	CU_ASSERT_EQUAL(memcmp(out, pattern, outlen), 0);
	frag_table_free(ft);
}

static void
test_table_full_and_expire(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	for (uint32_t i = 0; i < CAP_FRAG_DATAGRAMS; i++)
		CU_ASSERT_EQUAL(add(ft, 100 + i, 0, 1, 8, (int64_t)i, &out,
		    &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(frag_table_pending(ft), CAP_FRAG_DATAGRAMS);
	CU_ASSERT_EQUAL(add(ft, 99999, 0, 1, 8, 0, &out, &outlen, &nf, &an),
	    -1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TABLE_FULL], 1);
	/* Datagrams still complete while the table is full. */
	CU_ASSERT_EQUAL(add(ft, 100, 8, 0, 8, 5, &out, &outlen, &nf, &an), 1);
	CU_ASSERT_EQUAL(outlen, 16);
	/* Expiry drops only the old ones (created at 1..1023 ns). */
	frag_table_expire(ft, CAP_FRAG_TIMEOUT_NS + 10, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 9);
	CU_ASSERT_EQUAL(frag_table_pending(ft), CAP_FRAG_DATAGRAMS - 10);
	frag_table_expire(ft, CAP_FRAG_TIMEOUT_NS * 2, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], CAP_FRAG_DATAGRAMS - 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	frag_table_free(ft);
}

static void
test_stale_reuse(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	CU_ASSERT_EQUAL(add(ft, 11, 0, 1, 8, 0, &out, &outlen, &nf, &an), 0);
	/* Same id long after: the old datagram timed out, a new one starts. */
	CU_ASSERT_EQUAL(add(ft, 11, 8, 0, 8, CAP_FRAG_TIMEOUT_NS + 1, &out,
	    &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 1);
	frag_table_free(ft);
}

static void
test_atomic_and_empty(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	CU_ASSERT_EQUAL(add(ft, 12, 0, 0, 30, 0, &out, &outlen, &nf, &an), 1);
	CU_ASSERT_PTR_EQUAL(out, pattern);
	CU_ASSERT_EQUAL(outlen, 30);
	CU_ASSERT_EQUAL(nf, 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	/* Zero-length pieces: a datagram of 0 bytes in two fragments. */
	CU_ASSERT_EQUAL(add(ft, 13, 0, 1, 0, 0, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 13, 0, 0, 0, 0, &out, &outlen, &nf, &an), 1);
	CU_ASSERT_EQUAL(outlen, 0);
	CU_ASSERT_PTR_NOT_NULL(out);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	frag_table_free(ft);
}

/* What the lost callback was told, copied. */
struct lost_seen {
	int calls;
	struct frag_lost l;
	uint8_t head[64];
};

static void
on_lost(void *user, const struct frag_lost *l, struct anomalies *an)
{
	struct lost_seen *ls = user;

	(void)an;
	ls->calls++;
	ls->l = *l;
	memcpy(ls->head, l->head, l->head_len < 64 ? l->head_len : 64);
	ls->l.head = NULL;
}

/*
 * A datagram whose middle never arrives leaves by timeout with the bytes
 * that arrived without a gap from offset 0 and the first fragment's
 * frame; one whose first fragment is missing has no head; what is still
 * pending at the end leaves by frag_table_flush as FRAG_UNFINISHED.
 */
static void
test_lost(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	struct lost_seen ls;
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	memset(&ls, 0, sizeof(ls));
	frag_table_on_lost(ft, on_lost, &ls);
	/* 0..24 and 40..48 (last) of id 1: 24..40 missing. */
	CU_ASSERT_EQUAL(add(ft, 1, 0, 1, 24, 100, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 1, 40, 0, 8, 200, &out, &outlen, &nf, &an), 0);
	/* id 2: only a fragment at 16. */
	CU_ASSERT_EQUAL(add(ft, 2, 16, 1, 8, 300, &out, &outlen, &nf, &an), 0);
	frag_table_expire(ft, 101 + CAP_FRAG_TIMEOUT_NS, &an);
	CU_ASSERT_EQUAL(ls.calls, 1);
	CU_ASSERT_EQUAL(ls.l.key.id, 1);
	CU_ASSERT_EQUAL(ls.l.head_len, 24);
	CU_ASSERT_EQUAL(memcmp(ls.head, pattern, 24), 0);
	CU_ASSERT_EQUAL(ls.l.seen, 32);
	CU_ASSERT_EQUAL(ls.l.total, 48);
	CU_ASSERT_EQUAL(ls.l.nfrags, 2);
	CU_ASSERT_EQUAL(ls.l.at.frame, 1);     /* add(): frame 1 + offset */
	CU_ASSERT_EQUAL(ls.l.at.ts_ns, 100);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 1);
	frag_table_flush(ft, &an);
	CU_ASSERT_EQUAL(ls.calls, 2);
	CU_ASSERT_EQUAL(ls.l.key.id, 2);
	CU_ASSERT_EQUAL(ls.l.head_len, 0);
	CU_ASSERT_EQUAL(ls.l.at.frame, 0);
	CU_ASSERT_EQUAL(ls.l.total, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_UNFINISHED], 1);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 0);
	/* A completed datagram is never reported lost. */
	CU_ASSERT_EQUAL(add(ft, 3, 0, 1, 8, 400, &out, &outlen, &nf, &an), 0);
	CU_ASSERT_EQUAL(add(ft, 3, 8, 0, 8, 401, &out, &outlen, &nf, &an), 1);
	frag_table_flush(ft, &an);
	CU_ASSERT_EQUAL(ls.calls, 2);
	frag_table_free(ft);
}

static void
test_keys_distinct(void)
{
	struct frag_table *ft = frag_table_new();
	struct anomalies an = { { 0 } };
	struct frag_key k1 = key(20), k2 = key(20);
	uint8_t x[8] = { 1, 1, 1, 1, 1, 1, 1, 1 }, y[8] = { 2, 2, 2, 2, 2, 2, 2, 2 };
	const uint8_t *out;
	size_t outlen;
	uint16_t nf;

	k2.proto = 6;
	CU_ASSERT_EQUAL(frag_table_add(ft, &k1, 0, 1, x, 8, &at0, &out, &outlen,
	    &nf, &an), 0);
	CU_ASSERT_EQUAL(frag_table_add(ft, &k2, 0, 1, y, 8, &at0, &out, &outlen,
	    &nf, &an), 0);
	CU_ASSERT_EQUAL(frag_table_pending(ft), 2);
	CU_ASSERT_EQUAL(frag_table_add(ft, &k1, 8, 0, y, 8, &at0, &out, &outlen,
	    &nf, &an), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	CU_ASSERT_EQUAL(out[8], 2);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	frag_table_free(ft);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8));
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("frag", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "in order", test_in_order) == NULL ||
	    CU_add_test(s, "out of order, duplicate", test_out_of_order_dup) == NULL ||
	    CU_add_test(s, "overlap keeps first", test_overlap_keeps_first) == NULL ||
	    CU_add_test(s, "contradicting end", test_contradicting_end) == NULL ||
	    CU_add_test(s, "too many", test_too_many) == NULL ||
	    CU_add_test(s, "too big", test_too_big) == NULL ||
	    CU_add_test(s, "table full, expire", test_table_full_and_expire) == NULL ||
	    CU_add_test(s, "stale id reuse", test_stale_reuse) == NULL ||
	    CU_add_test(s, "atomic and empty", test_atomic_and_empty) == NULL ||
	    CU_add_test(s, "keys distinct", test_keys_distinct) == NULL ||
	    CU_add_test(s, "lost datagrams", test_lost) == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
