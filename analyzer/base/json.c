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

/*
 * fwrite(b, 1, n, f) and fputc(c, f) for the writer's many short pieces.
 * With glibc, a piece that fits the stream's buffer is put there as its
 * own putc_unlocked() macro puts a byte (the buffer pointers of struct
 * FILE); the rest, and other C libraries, go through stdio.  The stdio
 * calls (fwrite's lock check, xsputn, the copy) were a tenth of a JSON
 * report.  Like every JSON writer call, not for a stream another thread
 * writes at the same time.
 */
static inline void
put_bytes(FILE *f, const char *b, size_t n)
{
#ifdef __GLIBC__
	if (f->_IO_write_ptr != NULL &&
	    (size_t)(f->_IO_write_end - f->_IO_write_ptr) >= n) {
		memcpy(f->_IO_write_ptr, b, n);
		f->_IO_write_ptr += n;
		return;
	}
#endif
	fwrite(b, 1, n, f);
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

/* The bytes a JSON string takes as they are: printable ASCII but " and \. */
#define PLAIN_ROW(b) \
	((b) >= 0x20 && (b) <= 0x7e && (b) != '"' && (b) != '\\')
#define PLAIN_16(b) PLAIN_ROW(b), PLAIN_ROW((b) + 1), PLAIN_ROW((b) + 2), \
	PLAIN_ROW((b) + 3), PLAIN_ROW((b) + 4), PLAIN_ROW((b) + 5), \
	PLAIN_ROW((b) + 6), PLAIN_ROW((b) + 7), PLAIN_ROW((b) + 8), \
	PLAIN_ROW((b) + 9), PLAIN_ROW((b) + 10), PLAIN_ROW((b) + 11), \
	PLAIN_ROW((b) + 12), PLAIN_ROW((b) + 13), PLAIN_ROW((b) + 14), \
	PLAIN_ROW((b) + 15)
static const bool plain_byte[256] = {
	PLAIN_16(0x00), PLAIN_16(0x10), PLAIN_16(0x20), PLAIN_16(0x30),
	PLAIN_16(0x40), PLAIN_16(0x50), PLAIN_16(0x60), PLAIN_16(0x70),
	PLAIN_16(0x80), PLAIN_16(0x90), PLAIN_16(0xa0), PLAIN_16(0xb0),
	PLAIN_16(0xc0), PLAIN_16(0xd0), PLAIN_16(0xe0), PLAIN_16(0xf0),
};

/*
 * "s" followed by tail, in one write, when s[0..len) needs no escaping
 * and all fits a small buffer; false (nothing written) otherwise.  Keys
 * and most values are short and plain, and three stdio calls per item
 * were a tenth of a large report's cost.
 */
static bool
put_plain(struct json *j, const char *s, size_t len, const char *tail)
{
	char b[128];
	size_t tl = tail[0] == '\0' ? 0 : tail[1] == '\0' ? 1 : strlen(tail);
	size_t o = 0;

	if (len + tl + 2 > sizeof(b))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!plain_byte[(unsigned char)s[i]])
			return false;
	b[o++] = '"';
	memcpy(b + o, s, len);
	o += len;
	b[o++] = '"';
	memcpy(b + o, tail, tl);
	put_bytes(j->f, b, o + tl);
	return true;
}

void
json_key(struct json *j, const char *key)
{
	const char *tail = j->style == JSON_SPACED ? ": " : ":";
	size_t len = strlen(key);

	item(j);
	if (!put_plain(j, key, len, tail)) {
		put_char(j->f, '"');
		text_fput_escaped(j->f, key, len, TEXT_ESC_JSON);
		put_char(j->f, '"');
		fputs(tail, j->f);
	}
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
	if (put_plain(j, s, len, ""))
		return;
	put_char(j->f, '"');
	json_str_add(j, s, len);
	json_str_end(j);
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
