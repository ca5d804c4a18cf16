/*
 * csv.h - the one CSV writer, for `sipalg-analyze -f csv` and the
 * browser's export of its call list.
 *
 * Rows are written cell by cell; the writer puts the commas and ends the
 * row.  What a cell holds decides how it is written:
 *   csv_text    text that came from a packet (From, To, Call-ID ...):
 *               always quoted, quotes doubled, control bytes and invalid
 *               UTF-8 escaped as \xNN (text_fput_escaped), and a cell
 *               starting with =, +, -, @, tab or CR (a spreadsheet
 *               formula) prefixed with ' so it is read as text;
 *   csv_quoted  text the program made from a fixed vocabulary (a time,
 *               or "-" for none), quoted and escaped the same way, never
 *               a formula;
 *   csv_bare    a token the program made that needs no quotes (a state
 *               name, a time), written as is;
 *   csv_u64, csv_int, csv_fixed   numbers, unquoted.
 * Streams to a FILE; no memory beyond the struct.
 */
#ifndef SIPALG_CSV_H
#define SIPALG_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Plain record; csv_init fills it. */
struct csv {
	FILE *f;
	int col;                  /* cells written in the current row */
	size_t cell;              /* bytes added to the open text cell */
};

/* A writer on f.  f stays the caller's. */
void csv_init(struct csv *c, FILE *f);

/* A header row from names[0..n) (program-made, written bare). */
void csv_header(struct csv *c, const char *const *names, size_t n);

void csv_text(struct csv *c, const char *s);
/* A text cell written in parts: _begin, any number of _add, _end. */
void csv_text_begin(struct csv *c);
void csv_text_add(struct csv *c, const void *s, size_t len);
void csv_text_end(struct csv *c);
void csv_quoted(struct csv *c, const char *s);
void csv_bare(struct csv *c, const char *s);
void csv_u64(struct csv *c, uint64_t v);
void csv_int(struct csv *c, int v);
/* v with a fixed number of decimals ("%.3f"). */
void csv_fixed(struct csv *c, double v, int decimals);

/* Ends the row.  Returns 0, or -1 when f has had a write error. */
int csv_row_end(struct csv *c);

#endif /* SIPALG_CSV_H */
