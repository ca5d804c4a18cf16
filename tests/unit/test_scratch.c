/*
 * test_scratch.c - the bump allocator reset per message (base/scratch.h)
 * and the word-at-a-time hash (htab_hash_words).
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/htab.h"
#include "base/scratch.h"

static bool
aligned(const void *p)
{
	return (uintptr_t)p % SCRATCH_ALIGN == 0;
}

/* Small blocks come from the caller's buffer, aligned and apart. */
static void
test_from_buffer(void)
{
	_Alignas(SCRATCH_ALIGN) char buf[1024];
	struct scratch s;
	char *a, *b, *z;

	scratch_init(&s, buf, sizeof(buf));
	a = scratch_alloc(&s, 10);
	b = scratch_alloc(&s, 1);
	z = scratch_alloc(&s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	CU_ASSERT(aligned(a) && aligned(b) && aligned(z));
	CU_ASSERT(b >= a + 10);
	CU_ASSERT(z > b);
	CU_ASSERT(a >= buf && b < buf + sizeof(buf));
	CU_ASSERT(scratch_owns(&s, a) && scratch_owns(&s, b + 0));
	CU_ASSERT_FALSE(scratch_owns(&s, &s));
	memset(a, 'a', 10);
	memset(b, 'b', 1);
	CU_ASSERT_EQUAL(a[9], 'a');
	scratch_reset(&s);
	CU_ASSERT_PTR_EQUAL(scratch_alloc(&s, 10), a);
	scratch_fini(&s);
}

/*
 * Under AddressSanitizer the scratch poisons what is not handed out
 * (scratch.h): the byte after a block and the header before it, a block
 * given back, everything after a reset; scratch_fini() leaves the
 * caller's buffer whole.  Without ASan there is nothing to see and the
 * test says so.
 */
static void
test_poison(void)
{
#ifdef SCRATCH_ASAN
	_Alignas(SCRATCH_ALIGN) char buf[1024];
	struct scratch s;
	char *a, *b, *c, *g;

	scratch_init(&s, buf, sizeof(buf));
	CU_ASSERT(__asan_address_is_poisoned(buf));
	a = scratch_alloc(&s, 10);
	b = scratch_alloc(&s, 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NULL(__asan_region_is_poisoned(a, 10));
	CU_ASSERT(__asan_address_is_poisoned(a + 10));
	CU_ASSERT(__asan_address_is_poisoned(a - SCRATCH_ALIGN));
	CU_ASSERT_PTR_NULL(__asan_region_is_poisoned(b, 32));
	CU_ASSERT(__asan_address_is_poisoned(b + 32));
	/* Grown in place: the new end is the boundary. */
	g = scratch_realloc(&s, b, 40);
	CU_ASSERT_PTR_EQUAL(g, b);
	CU_ASSERT_PTR_NULL(__asan_region_is_poisoned(b, 40));
	CU_ASSERT(__asan_address_is_poisoned(b + 40));
	/* Moved: the old block is gone. */
	c = scratch_realloc(&s, a, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c != a);
	CU_ASSERT(__asan_address_is_poisoned(a));
	scratch_free(&s, b);
	CU_ASSERT(__asan_address_is_poisoned(b));
	scratch_reset(&s);
	CU_ASSERT(__asan_address_is_poisoned(c));
	scratch_fini(&s);
	CU_ASSERT_PTR_NULL(__asan_region_is_poisoned(buf, sizeof(buf)));
#else
	printf("(not an ASan build: nothing poisoned to check) ");
#endif
}

/* Past the buffer, heap chunks; a reset or fini frees them (ASan). */
static void
test_chunks(void)
{
	_Alignas(SCRATCH_ALIGN) char buf[256];
	struct scratch s;
	char *big, *p;
	size_t used;

	scratch_init(&s, buf, sizeof(buf));
	big = scratch_alloc(&s, 100000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT(aligned(big));
	CU_ASSERT_FALSE(big >= buf && big < buf + sizeof(buf));
	CU_ASSERT(scratch_owns(&s, big + 99999));
	memset(big, 1, 100000);
	for (int i = 0; i < 1000; i++) {
		p = scratch_alloc(&s, 100);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT(aligned(p));
		memset(p, 2, 100);
	}
	used = scratch_used(&s);
	CU_ASSERT(used >= 100000 + 1000 * 100);
	scratch_reset(&s);
	CU_ASSERT_EQUAL(scratch_used(&s), 0);
	p = scratch_alloc(&s, 16);
	CU_ASSERT(p >= buf && p < buf + sizeof(buf));
	CU_ASSERT_FALSE(scratch_owns(&s, big));
	(void)scratch_alloc(&s, 5000);
	scratch_fini(&s);

	/* No buffer at all: heap from the first block. */
	scratch_init(&s, NULL, 0);
	p = scratch_alloc(&s, 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(scratch_owns(&s, p));
	scratch_fini(&s);
}

/* realloc keeps the content; the newest block grows in place. */
static void
test_realloc(void)
{
	_Alignas(SCRATCH_ALIGN) char buf[4096];
	struct scratch s;
	char *a, *b, *c, *d;

	scratch_init(&s, buf, sizeof(buf));
	a = scratch_realloc(&s, NULL, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	memcpy(a, "hello", 5);
	b = scratch_realloc(&s, a, 200);
	CU_ASSERT_PTR_EQUAL(b, a);          /* newest: in place */
	CU_ASSERT_EQUAL(memcmp(b, "hello", 5), 0);
	c = scratch_alloc(&s, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	d = scratch_realloc(&s, b, 300);    /* no longer the newest: moves */
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_EQUAL(d, b);
	CU_ASSERT_EQUAL(memcmp(d, "hello", 5), 0);
	CU_ASSERT(aligned(d));
	/* Shrinking keeps the block and its first bytes. */
	CU_ASSERT_PTR_EQUAL(scratch_realloc(&s, d, 2), d);
	CU_ASSERT_EQUAL(memcmp(d, "he", 2), 0);
	/* Growing beyond the buffer moves to a chunk, content kept. */
	d = scratch_realloc(&s, d, 50000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(memcmp(d, "he", 2), 0);
	CU_ASSERT(scratch_owns(&s, d + 49999));
	scratch_fini(&s);
}

/* Equal bytes hash equal; a change of any byte or the length shows. */
static void
test_hash_words(void)
{
	char a[100], b[100];
	uint64_t h;

	for (int i = 0; i < 100; i++)
		a[i] = (char)('a' + i % 26);
	memcpy(b, a, sizeof(a));
	h = htab_hash_words(a, 100);
	CU_ASSERT_EQUAL(h, htab_hash_words(b, 100));
	for (int i = 0; i < 100; i++) {
		b[i] ^= 1;
		CU_ASSERT_NOT_EQUAL(h, htab_hash_words(b, 100));
		b[i] ^= 1;
	}
	for (size_t n = 0; n < 100; n++)
		CU_ASSERT_NOT_EQUAL(htab_hash_words(a, n),
		    htab_hash_words(a, n + 1));
	/* Unaligned starts read the same bytes. */
	memcpy(b + 1, a, 50);
	CU_ASSERT_EQUAL(htab_hash_words(a, 50), htab_hash_words(b + 1, 50));
}

int
main(void)
{
	CU_pSuite su;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("scratch", NULL, NULL);
	if (su == NULL ||
	    CU_add_test(su, "from the buffer", test_from_buffer) == NULL ||
	    CU_add_test(su, "heap chunks", test_chunks) == NULL ||
	    CU_add_test(su, "realloc", test_realloc) == NULL ||
	    CU_add_test(su, "word hash", test_hash_words) == NULL ||
	    CU_add_test(su, "ASan poisoning", test_poison) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
