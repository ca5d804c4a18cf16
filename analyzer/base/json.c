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
}

static void
put_break(struct json *j)
{
	if (j->brk != NULL) {
		fputs(j->brk, j->f);
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
		return;
	}
	if (j->nonempty[j->depth]) {
		put_char(j->f, ',');
		if (j->brk == NULL && j->style == JSON_SPACED)
			put_char(j->f, ' ');
	}
	put_break(j);
	j->nonempty[j->depth] = true;
}

static void
open_level(struct json *j, int c)
{
	item(j);
	put_char(j->f, (char)c);
	if (j->depth < JSON_MAX_DEPTH) {
		j->depth++;
		j->nonempty[j->depth] = false;
	} else {
		j->too_deep = true;
	}
}

static void
close_level(struct json *j, int c)
{
	put_break(j);
	put_char(j->f, (char)c);
	j->after_key = false;
	if (j->depth > 0 && !j->too_deep)
		j->depth--;
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
 * "s[0..plain)" and then s[plain..len) escaped, followed by tail[0..tl):
 * plain is how many leading bytes need no escaping (text_plain_run).
 * When all do (keys and most values), the whole piece goes into the
 * stream's buffer in one step when it fits: one scan eight bytes at a
 * time and one copy, where a table lookup per byte, a copy to a stack
 * buffer and a second copy were a twentieth of a JSON report's cost.
 */
static void
put_quoted(struct json *j, const char *s, size_t len, size_t plain,
    const char *tail, size_t tl)
{
	FILE *f = j->f;

#ifdef __GLIBC__
	if (plain == len && f->_IO_write_ptr != NULL &&
	    (size_t)(f->_IO_write_end - f->_IO_write_ptr) >= len + tl + 2) {
		char *d = f->_IO_write_ptr;

		*d++ = '"';
		memcpy(d, s, len);
		d += len;
		*d++ = '"';
		memcpy(d, tail, tl);
		f->_IO_write_ptr = d + tl;
		return;
	}
#endif
	put_char(f, '"');
	put_bytes(f, s, plain);
	if (plain < len)
		text_fput_escaped(f, s + plain, len - plain, TEXT_ESC_JSON);
	put_char(f, '"');
	put_bytes(f, tail, tl);
}

void
json_key(struct json *j, const char *key)
{
	size_t len = strlen(key);

	item(j);
	put_quoted(j, key, len, text_plain_run(key, len, TEXT_ESC_JSON),
	    ": ", j->style == JSON_SPACED ? 2 : 1);
	j->after_key = true;
}

void
json_key_quoted(struct json *j, const char *quoted, size_t len)
{
	item(j);
	put_bytes(j->f, quoted, j->style == JSON_SPACED ? len : len - 1);
	j->after_key = true;
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
	item(j);
	put_quoted(j, s, len, text_plain_run(s, len, TEXT_ESC_JSON), "", 0);
}

void
json_strn_plain(struct json *j, const char *s, size_t len)
{
	item(j);
	put_quoted(j, s, len, len, "", 0);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void
json_null(struct json *j)
{
	item(j);
	put_bytes(j->f, "null", 4);
}

void
json_bool(struct json *j, bool v)
{
	item(j);
	put_bytes(j->f, v ? "true" : "false", v ? 4 : 5);
}

/*
 * A decimal integer, as printf's %d would write it (fprintf was a tenth
 * of a large JSON report's cost); the magnitude of a negative v is taken
 * in uint64_t, so INT64_MIN is right.
 */
static void
put_dec(struct json *j, uint64_t mag, bool neg)
{
	char b[24];
	size_t o = sizeof(b);

	do {
		b[--o] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag != 0);
	if (neg)
		b[--o] = '-';
	put_bytes(j->f, b + o, sizeof(b) - o);
}

void
json_int(struct json *j, int v)
{
	json_i64(j, v);
}

void
json_u64(struct json *j, uint64_t v)
{
	item(j);
	put_dec(j, v, false);
}

void
json_i64(struct json *j, int64_t v)
{
	item(j);
	put_dec(j, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
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
	char b[TEXT_FIXED_BYTES];
	size_t n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	item(j);
	if ((n = text_fixed(b, v, decimals)) > 0)
		put_bytes(j->f, b, n);
	else
		fprintf(j->f, "%.*f", decimals, v);
}

int
json_end(struct json *j)
{
	put_break(j);
	fputc('\n', j->f);
	return ferror(j->f) ? -1 : 0;
}
