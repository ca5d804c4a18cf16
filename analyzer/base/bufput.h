/*
 * bufput.h - the report writers' fast path into a stream's buffer
 * (json.c, csv.c): a piece that fits is put straight into the buffer of
 * a glibc FILE, through the pointers putc_unlocked() uses, instead of a
 * stdio call per piece; and a string's bytes that need no escaping are
 * copied there while they are checked, sixteen at a step.
 *
 * Not for a stream another thread writes at the same time (the programs
 * write their reports from one thread, with stdio's locking off).
 */
#ifndef SIPALG_BUFPUT_H
#define SIPALG_BUFPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * How many bytes fit in f's buffer now (0 on other C libraries, or
 * before the buffer exists: every piece then goes through stdio).
 */
static inline size_t
bufput_room(const FILE *f)
{
#ifdef __GLIBC__
	if (f->_IO_write_ptr != NULL)
		return (size_t)(f->_IO_write_end - f->_IO_write_ptr);
#else
	(void)f;
#endif
	return 0;
}

/* Where the next byte goes in f's buffer: write there what room allows,
 * then move it past what was written. */
#ifdef __GLIBC__
#define BUFPUT_PTR(f) ((f)->_IO_write_ptr)
#else
#define BUFPUT_PTR(f) (*(char **)NULL)  /* room is 0: never used */
#endif

/*
 * Copies s[0..len) to d while its bytes need no escaping -- printable
 * ASCII (0x20 to 0x7e) but q1 and q2 -- and returns how many leading
 * bytes do (len when all).  d must have room for len bytes; the bytes
 * of d after the returned count are undefined (the caller writes the
 * rest escaped over them).  With SSE2 (every x86-64), sixteen bytes are
 * checked and copied at a step, and a string shorter than that in two
 * overlapping loads: a scan and then a copy cost three times as much on
 * a report's strings (a reason of 150 bytes, a Call-ID of 30).
 */
/*
 * Copies s[0..n) to d, k <= n <= 2k, k at most 16, in two overlapping
 * copies of k bytes (with k a constant, a load and a store each).
 */
static inline __attribute__((always_inline)) void
bufput_copy2(char *d, const char *s, size_t n, size_t k)
{
	char a[16], b[16];

	memcpy(a, s, k);
	memcpy(b, s + n - k, k);
	memcpy(d, a, k);
	memcpy(d + n - k, b, k);
}

/*
 * Copies n bytes: when n <= 32 in at most two overlapping copies of a
 * fixed size (a key, a formatted number: a call to memcpy cost more than
 * such a copy).
 */
static inline __attribute__((always_inline)) void
bufput_copy_small(char *d, const char *s, size_t n)
{
	if (n >= 16 && n <= 32)
		bufput_copy2(d, s, n, 16);
	else if (n >= 8 && n < 16)
		bufput_copy2(d, s, n, 8);
	else if (n >= 4 && n < 8)
		bufput_copy2(d, s, n, 4);
	else if (n >= 2 && n < 4)
		bufput_copy2(d, s, n, 2);
	else if (n == 1)
		*d = *s;
	else if (n > 32)
		memcpy(d, s, n);
}

/* bufput_plain() a byte at a time. */
static inline size_t
bufput_plain_bytes(char *d, const char *s, size_t len, char q1, char q2)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c < 0x20 || c >= 0x7f || c == (uint8_t)q1 ||
		    c == (uint8_t)q2)
			break;
		d[i] = (char)c;
	}
	return i;
}

#ifdef __SSE2__
/* Bit i set: byte i of x needs escaping. */
static inline unsigned
bufput_special16(__m128i x, char q1, char q2)
{
	/* Signed: bytes from 0x80 up are negative, so below 0x20 too. */
	__m128i c = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));

	c = _mm_or_si128(c, _mm_cmpeq_epi8(x, _mm_set1_epi8(q1)));
	c = _mm_or_si128(c, _mm_cmpeq_epi8(x, _mm_set1_epi8(q2)));
	return (unsigned)_mm_movemask_epi8(c);
}

static inline size_t
bufput_plain(char *d, const char *s, size_t len, char q1, char q2)
{
	unsigned m;
	size_t i;

	if (len >= 16) {
		__m128i x;

		for (i = 0; i + 16 <= len; i += 16) {
			x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			_mm_storeu_si128((__m128i *)(void *)(d + i), x);
			if ((m = bufput_special16(x, q1, q2)) != 0)
				return i + (size_t)__builtin_ctz(m);
		}
		if (i == len)
			return len;
		/* The last sixteen, overlapping bytes already found plain. */
		x = _mm_loadu_si128((const __m128i *)(const void *)(s + len - 16));
		_mm_storeu_si128((__m128i *)(void *)(d + len - 16), x);
		if ((m = bufput_special16(x, q1, q2)) != 0)
			return len - 16 + (size_t)__builtin_ctz(m);
		return len;
	}
	if (len >= 8) {
		uint64_t a, b;

		bufput_copy2(d, s, len, 8);
		memcpy(&a, s, 8);
		memcpy(&b, s + len - 8, 8);
		m = bufput_special16(_mm_set_epi64x((long long)b, (long long)a),
		    q1, q2);
		if ((m & 0xff) != 0)
			return (size_t)__builtin_ctz(m);
		/* b's bytes before len - 8 + 8 = 8 were a's: plain. */
		return m != 0 ? len - 8 + (size_t)__builtin_ctz(m >> 8) : len;
	}
	if (len >= 4) {
		uint32_t a, b;

		bufput_copy2(d, s, len, 4);
		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		/* The upper lanes hold 'a', which is plain. */
		m = bufput_special16(_mm_set_epi32(0x61616161, 0x61616161,
		    (int)b, (int)a), q1, q2);
		if ((m & 0xf) != 0)
			return (size_t)__builtin_ctz(m);
		return m != 0 ? len - 4 + (size_t)__builtin_ctz(m >> 4) : len;
	}
	return bufput_plain_bytes(d, s, len, q1, q2);
}
#else
static inline size_t
bufput_plain(char *d, const char *s, size_t len, char q1, char q2)
{
	return bufput_plain_bytes(d, s, len, q1, q2);
}
#endif

/* v (0 <= v < 100) as two decimal digits at d (v * 205 >> 11 is v / 10
 * for v below 1029). */
static inline void
bufput_2digits(char *d, unsigned v)
{
	unsigned t = v * 205 >> 11;

	d[0] = (char)('0' + t);
	d[1] = (char)('0' + (v - 10 * t));
}

/*
 * v in decimal at d (room for 20 bytes), as printf's %d writes it, two
 * digits at a step (fprintf was a tenth of a large report's cost);
 * returns the length.
 */
static inline size_t
bufput_dec(char *d, uint64_t v)
{
	size_t n = 1;
	char *e;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	e = d + n;
	while (v >= 100) {
		e -= 2;
		bufput_2digits(e, (unsigned)(v % 100));
		v /= 100;
	}
	if (v >= 10)
		bufput_2digits(e - 2, (unsigned)v);
	else
		e[-1] = (char)('0' + v);
	return n;
}

#endif /* SIPALG_BUFPUT_H */
