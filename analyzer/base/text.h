/*
 * text.h - length-bounded text helpers for untrusted bytes.
 *
 * Packet text is never NUL-terminated and never trusted: everything here
 * takes explicit lengths.  This is the one range-checked integer parser and
 * the one escaper used before bytes reach a terminal, CSV cell or JSON
 * string (SIP headers can carry terminal escape sequences).
 */
#ifndef SIPALG_TEXT_H
#define SIPALG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Parses a decimal integer from exactly len bytes (leading/trailing blanks
 * allowed, no sign).  Returns 0 with *out set, or -1 when there are no
 * digits, a non-digit, or the value exceeds max.
 */
int text_parse_uint(const void *p, size_t len, uint64_t max, uint64_t *out);

/* Case-insensitive comparison of p[0..len) with the C string s. */
bool text_ieq(const void *p, size_t len, const char *s);
/* Case-insensitive prefix test. */
bool text_iprefix(const void *p, size_t len, const char *prefix);
/* Bounded memmem; NULL when absent. */
const void *text_find(const void *hay, size_t hlen, const void *needle,
    size_t nlen);
/* Trims blanks (SP, HTAB) from both ends of the span (p, len). */
void text_trim(const uint8_t **p, size_t *len);

/*
 * Copies p[0..len) into dst as a C string of at most n-1 bytes (n > 0),
 * replacing NUL bytes with '?'.  Returns dst.  For storing fields; escape
 * before printing.
 */
char *text_copy(char *dst, size_t n, const void *p, size_t len);

enum text_esc { TEXT_ESC_PLAIN, TEXT_ESC_JSON, TEXT_ESC_CSV };

/*
 * Writes p[0..len) to f escaped for the target: control bytes and DEL as
 * \xNN (plain) or \u00NN (JSON, with \" \\ \n \r \t), quotes doubled for
 * CSV (the caller writes the surrounding quotes).  Bytes >= 0x80 are
 * passed through only when they form valid UTF-8, else escaped as \xNN
 * (plain/CSV) or U+FFFD (JSON) so JSON output is always valid UTF-8.
 */
void text_fput_escaped(FILE *f, const void *p, size_t len, enum text_esc esc);

/* Escapes into a buffer (plain mode, truncated to n-1); returns dst. */
char *text_escape(char *dst, size_t n, const void *p, size_t len);

#endif /* SIPALG_TEXT_H */
