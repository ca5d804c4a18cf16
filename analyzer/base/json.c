/*
 * json.c - the streaming JSON writer (json.h).
 *
 * The only state is one flag per nesting level (has a value been written
 * there: then the next one needs a comma), whether a key is waiting for
 * its value, and the pending break.  Nesting beyond JSON_MAX_DEPTH is
 * written but not tracked (commas there would be wrong); no document of
 * this project nests more than six levels.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "base/bufput.h"
#include "base/json.h"
#include "base/text.h"

/* The writer's pieces go straight into the stream's buffer (text.h). */
static inline void
put_bytes(FILE *f, const char *b, size_t n)
{
	text_put_bytes(f, b, n);
}

static inline void
put_char(FILE *f, char c)
{
	putc_unlocked(c, f);
}

/* The leading bytes of s that need no JSON escaping, copied to d. */
static inline size_t
copy_plain(char *d, const char *s, size_t len)
{
	return bufput_plain(d, s, len, '"', '\\');
}

/* key_fast from the fields it stands for (json.h), after they changed. */
static inline void
key_fast_set(struct json *j)
{
	j->key_fast = j->style == JSON_COMPACT && !j->after_key &&
	    j->brk == NULL && j->nonempty[j->depth];
}

void
json_init(struct json *j, FILE *f, enum json_style style)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->style = style;
}

void
json_init_fragment(struct json *j, FILE *f, enum json_style style)
{
	json_init(j, f, style);
	j->depth = 1;
}

void
json_break(struct json *j, const char *ws)
{
	j->brk = ws;
	key_fast_set(j);
}

static void
put_break(struct json *j)
{
	if (j->brk != NULL) {
		put_bytes(j->f, j->brk, strlen(j->brk));
		j->brk = NULL;
	}
}

/* Before a value or a key: the comma and the break it needs. */
static void
item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		put_break(j);
		key_fast_set(j);
		return;
	}
	if (j->nonempty[j->depth]) {
		put_char(j->f, ',');
		if (j->brk == NULL && j->style == JSON_SPACED)
			put_char(j->f, ' ');
	}
	put_break(j);
	j->nonempty[j->depth] = true;
	j->key_fast = j->style == JSON_COMPACT;
}

/*
 * The writers' fast path: where the next item can go straight into the
 * stream's buffer, n bytes of it at most, after the comma item() puts
 * before it, which is written there (no break pending: the common case);
 * NULL when the item must go through item() and stdio instead.  The
 * caller writes its bytes at the pointer returned and sets BUFPUT_PTR(f) to
 * their end.
 */
static inline __attribute__((always_inline)) char *
item_at(struct json *j, size_t n)
{
	char *d;

	if (j->brk != NULL || bufput_room(j->f) < n + 2)
		return NULL;
	d = BUFPUT_PTR(j->f);
	/* no break due: key_fast is JSON_COMPACT and the level's flag */
	if (j->after_key) {
		j->after_key = false;
		j->key_fast = j->style == JSON_COMPACT &&
		    j->nonempty[j->depth];
		return d;
	}
	j->key_fast = j->style == JSON_COMPACT;
	if (j->nonempty[j->depth]) {
		d[0] = ',';
		d[1] = ' ';
		return d + (j->style == JSON_SPACED ? 2 : 1);
	}
	j->nonempty[j->depth] = true;
	return d;
}

/* item(), then b[0..n). */
static inline __attribute__((always_inline)) void
put_item(struct json *j, const char *b, size_t n)
{
	char *d = item_at(j, n);

	if (d != NULL) {
		bufput_copy_small(d, b, n);
		BUFPUT_PTR(j->f) = d + n;
		return;
	}
	item(j);
	put_bytes(j->f, b, n);
}

static void
open_level(struct json *j, char c)
{
	put_item(j, &c, 1);
	if (j->depth < JSON_MAX_DEPTH) {
		j->depth++;
		j->nonempty[j->depth] = false;
	} else {
		j->too_deep = true;
	}
	key_fast_set(j);
}

static void
close_level(struct json *j, char c)
{
	put_break(j);
	put_char(j->f, c);
	j->after_key = false;
	if (j->depth > 0 && !j->too_deep)
		j->depth--;
	key_fast_set(j);
}

void
json_obj_begin(struct json *j)
{
	open_level(j, '{');
}

void
json_obj_end(struct json *j)
{
	close_level(j, '}');
}

void
json_arr_begin(struct json *j)
{
	open_level(j, '[');
}

void
json_arr_end(struct json *j)
{
	close_level(j, ']');
}

/*
 * The rest of a string from its first byte that needs escaping (through
 * stdio), its closing quote and tail[0..tl).
 */
static void
str_rest(FILE *f, const char *s, size_t len, const char *tail, size_t tl)
{
	text_fput_escaped(f, s, len, TEXT_ESC_JSON);
	put_char(f, '"');
	put_bytes(f, tail, tl);
}

/* How many bytes fit in f's buffer from d, a place in it. */
static inline size_t
room_at(const FILE *f, const char *d)
{
#ifdef __GLIBC__
	return (size_t)(f->_IO_write_end - d);
#else
	(void)f, (void)d;
	return 0;
#endif
}

/*
 * s[0..len) as a JSON string followed by tail[0..tl), put at d in f's
 * buffer, which has room for len + tl + 2 bytes: copied while it needs
 * no escaping (copy_plain), then escaped from the first byte that does.
 * trusted: s is known to need no escaping (a time we format), copied
 * without a look.
 */
static inline __attribute__((always_inline)) void
str_at(FILE *f, char *d, const char *s, size_t len, const char *tail,
    size_t tl, bool trusted)
{
	size_t plain;

	*d++ = '"';
	if (trusted) {
		bufput_copy_small(d, s, len);
		plain = len;
	} else {
		plain = copy_plain(d, s, len);
	}
	if (plain == len) {
		d += len;
		*d++ = '"';
		bufput_copy_small(d, tail, tl);
		BUFPUT_PTR(f) = d + tl;
		return;
	}
	BUFPUT_PTR(f) = d + plain;
	str_rest(f, s + plain, len - plain, tail, tl);
}

/*
 * item(), then s[0..len) as a JSON string followed by tail[0..tl): in
 * the stream's buffer at once when it fits (str_at), else through stdio.
 */
static inline __attribute__((always_inline)) void
put_str(struct json *j, const char *s, size_t len, const char *tail,
    size_t tl, bool trusted)
{
	FILE *f = j->f;
	char *d = item_at(j, len + tl + 2);
	size_t plain;

	if (d != NULL) {
		str_at(f, d, s, len, tail, tl, trusted);
		return;
	}
	item(j);
	put_char(f, '"');
	plain = trusted ? len : text_plain_run(s, len, TEXT_ESC_JSON);
	put_bytes(f, s, plain);
	if (plain == len) {
		put_char(f, '"');
		put_bytes(f, tail, tl);
		return;
	}
	str_rest(f, s + plain, len - plain, tail, tl);
}

void
json_key(struct json *j, const char *key)
{
	put_str(j, key, strlen(key), ": ", j->style == JSON_SPACED ? 2 : 1,
	    false);
	j->after_key = true;
	j->key_fast = false;
}

void
json_key_quoted(struct json *j, const char *quoted, size_t len)
{
	put_item(j, quoted, j->style == JSON_SPACED ? len : len - 1);
	j->after_key = true;
	j->key_fast = false;
}

void
json_str_begin(struct json *j)
{
	item(j);
	put_char(j->f, '"');
}

void
json_str_add(struct json *j, const void *s, size_t len)
{
	text_fput_escaped(j->f, s, len, TEXT_ESC_JSON);
}

void
json_str_end(struct json *j)
{
	put_char(j->f, '"');
}

void
json_strn(struct json *j, const void *s, size_t len)
{
	put_str(j, s, len, "", 0, false);
}

void
json_strn_plain(struct json *j, const char *s, size_t len)
{
	put_str(j, s, len, "", 0, true);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		put_str(j, s, strlen(s), "", 0, false);
}

void
json_null(struct json *j)
{
	put_item(j, "null", 4);
}

void
json_bool(struct json *j, bool v)
{
	if (v)
		put_item(j, "true", 4);
	else
		put_item(j, "false", 5);
}

/*
 * item(), then mag in decimal after a '-' when neg; the magnitude of a
 * negative int64_t is taken in uint64_t, so INT64_MIN is right.
 */
static void
put_dec(struct json *j, uint64_t mag, bool neg)
{
	char b[24], *d = item_at(j, 21);
	size_t n;

	if (d != NULL) {
		if (neg)
			*d++ = '-';
		BUFPUT_PTR(j->f) = d + bufput_dec(d, mag);
		return;
	}
	item(j);
	n = 0;
	if (neg)
		b[n++] = '-';
	n += bufput_dec(b + n, mag);
	put_bytes(j->f, b, n);
}

void
json_int(struct json *j, int v)
{
	json_i64(j, v);
}

void
json_u64(struct json *j, uint64_t v)
{
	put_dec(j, v, false);
}

void
json_i64(struct json *j, int64_t v)
{
	put_dec(j, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/*
 * The values of JSON_KV_*: d is in f's buffer just after the key that
 * json_key_at_ wrote there, whose state (after_key) was never set, as
 * the value follows at once; or NULL: nothing written yet.
 */
void
json_dec_at_(struct json *j, char *d, const char *quoted, size_t len,
    uint64_t mag, bool neg)
{
	if (d == NULL) {
		json_key_quoted(j, quoted, len);
		put_dec(j, mag, neg);
		return;
	}
	if (neg)
		*d++ = '-';
	BUFPUT_PTR(j->f) = d + bufput_dec(d, mag);
}

/* A string may not fit where the key left room for nothing more: then
 * the key stands written and its value goes the usual way. */
void
json_str_at_(struct json *j, char *d, const char *quoted, size_t len,
    const char *s)
{
	size_t n;

	if (d == NULL) {
		json_key_quoted(j, quoted, len);
		json_str(j, s);
		return;
	}
	if (s != NULL && room_at(j->f, d) >= (n = strlen(s)) + 2) {
		str_at(j->f, d, s, n, "", 0, false);
		return;
	}
	BUFPUT_PTR(j->f) = d;
	j->after_key = true;
	j->key_fast = false;
	json_str(j, s);
}

void
json_u64_or_null(struct json *j, uint64_t v)
{
	if (v == 0)
		json_null(j);
	else
		json_u64(j, v);
}

void
json_fixed(struct json *j, double v, int decimals)
{
	char b[2 * TEXT_FIXED_BYTES];  /* twice: no bounds warning from
	                                 * copy_small's cases above 32 */
	size_t n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	if ((n = text_fixed(b, v, decimals)) > 0) {
		put_item(j, b, n);
	} else {
		item(j);
		fprintf(j->f, "%.*f", decimals, v);
	}
}

void
json_number(struct json *j, const char *b, size_t n)
{
	put_item(j, b, n);
}

int
json_end(struct json *j)
{
	put_break(j);
	key_fast_set(j);
	fputc('\n', j->f);
	return ferror(j->f) ? -1 : 0;
}
