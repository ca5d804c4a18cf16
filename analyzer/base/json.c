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
		fputc(',', j->f);
		if (j->brk == NULL && j->style == JSON_SPACED)
			fputc(' ', j->f);
	}
	put_break(j);
	j->nonempty[j->depth] = true;
}

static void
open_level(struct json *j, int c)
{
	item(j);
	fputc(c, j->f);
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
	fputc(c, j->f);
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
 * "s" followed by tail, in one write, when s[0..len) needs no escaping
 * and all fits a small buffer; false (nothing written) otherwise.  Keys
 * and most values are short and plain, and three stdio calls per item
 * were a tenth of a large report's cost.
 */
static bool
put_plain(struct json *j, const char *s, size_t len, const char *tail)
{
	char b[128];
	size_t tl = strlen(tail), o = 0;

	if (len + tl + 2 > sizeof(b))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	b[o++] = '"';
	memcpy(b + o, s, len);
	o += len;
	b[o++] = '"';
	memcpy(b + o, tail, tl);
	fwrite(b, 1, o + tl, j->f);
	return true;
}

void
json_key(struct json *j, const char *key)
{
	const char *tail = j->style == JSON_SPACED ? ": " : ":";
	size_t len = strlen(key);

	item(j);
	if (!put_plain(j, key, len, tail)) {
		fputc('"', j->f);
		text_fput_escaped(j->f, key, len, TEXT_ESC_JSON);
		fputc('"', j->f);
		fputs(tail, j->f);
	}
	j->after_key = true;
}

void
json_str_begin(struct json *j)
{
	item(j);
	fputc('"', j->f);
}

void
json_str_add(struct json *j, const void *s, size_t len)
{
	text_fput_escaped(j->f, s, len, TEXT_ESC_JSON);
}

void
json_str_end(struct json *j)
{
	fputc('"', j->f);
}

void
json_strn(struct json *j, const void *s, size_t len)
{
	item(j);
	if (put_plain(j, s, len, ""))
		return;
	fputc('"', j->f);
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
	fputs("null", j->f);
}

void
json_bool(struct json *j, bool v)
{
	item(j);
	fputs(v ? "true" : "false", j->f);
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
	fwrite(b + o, 1, sizeof(b) - o, j->f);
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
	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	item(j);
	fprintf(j->f, "%.*f", decimals, v);
}

int
json_end(struct json *j)
{
	put_break(j);
	fputc('\n', j->f);
	return ferror(j->f) ? -1 : 0;
}
