/*
 * csv.c - the CSV writer (csv.h).  RFC 4180 quoting: a quoted cell may
 * hold commas, and a quote is doubled.
 *
 * Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell
 * that starts with =, +, - or @ as a formula (=HYPERLINK(...) in a From
 * header becomes a link; DDE payloads run programs), and a leading tab or
 * carriage return hides such a start.  A text cell starting with one of
 * them gets a ' in front, which spreadsheets take as "this is text".
 * Only text cells: numbers are written by csv_u64/int/fixed unquoted and
 * untouched, so -1.250 stays a number.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "base/bufput.h"
#include "base/csv.h"
#include "base/text.h"

void
csv_init(struct csv *c, FILE *f)
{
	c->f = f;
	c->col = 0;
	c->cell = 0;
}

static void
sep(struct csv *c)
{
	if (c->col++ > 0)
		putc_unlocked(',', c->f);
}

void
csv_header(struct csv *c, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csv_bare(c, names[i]);
	csv_row_end(c);
}

/*
 * s[0..len) escaped: copied straight into the stream's buffer while its
 * bytes need none (bufput.h), the rest from the first that does through
 * text_fput_escaped().
 */
static void
put_escaped(FILE *f, const void *s, size_t len)
{
	size_t plain = 0;

	if (len > 0 && bufput_room(f) >= len) {
		plain = bufput_plain(BUFPUT_PTR(f), s, len, '"', '"');
		BUFPUT_PTR(f) += plain;
	}
	if (plain < len)
		text_fput_escaped(f, (const char *)s + plain, len - plain,
		    TEXT_ESC_CSV);
}

static void
quoted(struct csv *c, const char *s)
{
	putc_unlocked('"', c->f);
	put_escaped(c->f, s, strlen(s));
	putc_unlocked('"', c->f);
}

void
csv_text_begin(struct csv *c)
{
	sep(c);
	putc_unlocked('"', c->f);
	c->cell = 0;
}

/* True when a cell starting with byte b would be read as a formula. */
static bool
formula_start(uint8_t b)
{
	return b == '=' || b == '+' || b == '-' || b == '@' || b == '\t' ||
	    b == '\r';
}

void
csv_text_add(struct csv *c, const void *s, size_t len)
{
	if (c->cell == 0 && len > 0 && formula_start(*(const uint8_t *)s))
		putc_unlocked('\'', c->f);
	put_escaped(c->f, s, len);
	c->cell += len;
}

void
csv_text_end(struct csv *c)
{
	putc_unlocked('"', c->f);
}

void
csv_text(struct csv *c, const char *s)
{
	csv_text_begin(c);
	csv_text_add(c, s, strlen(s));
	csv_text_end(c);
}

void
csv_quoted(struct csv *c, const char *s)
{
	sep(c);
	quoted(c, s);
}

void
csv_bare(struct csv *c, const char *s)
{
	sep(c);
	text_put_bytes(c->f, s, strlen(s));
}

/*
 * mag in decimal after a '-' when neg, as printf's %d writes it
 * (fprintf was most of the cost of a row's figures).
 */
static void
put_dec(struct csv *c, uint64_t mag, bool neg)
{
	char b[24];
	size_t n = 0;

	if (neg)
		b[n++] = '-';
	n += bufput_dec(b + n, mag);
	sep(c);
	text_put_bytes(c->f, b, n);
}

void
csv_u64(struct csv *c, uint64_t v)
{
	put_dec(c, v, false);
}

void
csv_int(struct csv *c, int v)
{
	put_dec(c, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void
csv_fixed(struct csv *c, double v, int decimals)
{
	char b[TEXT_FIXED_BYTES];
	size_t n = text_fixed(b, v, decimals);

	sep(c);
	if (n > 0)
		text_put_bytes(c->f, b, n);
	else
		fprintf(c->f, "%.*f", decimals, v);
}

int
csv_row_end(struct csv *c)
{
	fputc('\n', c->f);
	c->col = 0;
	return ferror(c->f) ? -1 : 0;
}
