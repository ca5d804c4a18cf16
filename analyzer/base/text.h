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
#include <string.h>

/*
 * Parses a decimal integer from exactly len bytes (leading/trailing blanks
 * allowed, no sign).  Returns 0 with *out set, or -1 when there are no
 * digits, a non-digit, or the value exceeds max (any max, 0 included:
 * nothing wraps).
 */
int text_parse_uint(const void *p, size_t len, uint64_t max, uint64_t *out);

/*
 * text_parse_uint()'s usual case, inline: exactly len bytes, 1 to 19 of
 * them, all digits (which cannot overflow 64 bits, so the value is
 * compared with max once).  Returns 0 with *out set, -1 when the value
 * exceeds max, 1 when p[0..len) is not of that shape (blanks, no digit,
 * too long: text_parse_uint() judges it).
 */
static inline int
text_uint_plain(const void *vp, size_t len, uint64_t max, uint64_t *out)
{
	const uint8_t *p = vp;
	uint64_t v = 0;

	if (len - 1 >= 19)
		return 1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (d > 9)
			return 1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Case-insensitive comparison of p[0..len) with the C string s.  Inline:
 * s is nearly always a literal, whose length the compiler then knows, so
 * most calls end at the length test (names of headers, SDP attributes).
 */
static inline bool
text_ieq(const void *p, size_t len, const char *s)
{
	const uint8_t *b = p;
	size_t i = 0;

	if (strlen(s) != len)
		return false;
	/*
	 * Most texts are written as the name is: eight bytes equal at a
	 * time, then byte by byte from the first block that differs.
	 */
	for (; i + 8 <= len; i += 8) {
		uint64_t x, y;

		memcpy(&x, b + i, 8);
		memcpy(&y, s + i, 8);
		if (x != y)
			break;
	}
	for (; i < len; i++) {
		int x = b[i], y = (unsigned char)s[i];

		if ((x >= 'A' && x <= 'Z' ? x + 32 : x) !=
		    (y >= 'A' && y <= 'Z' ? y + 32 : y))
			return false;
	}
	return true;
}
/* Case-insensitive prefix test. */
bool text_iprefix(const void *p, size_t len, const char *prefix);
/* Bounded memmem; NULL when absent. */
const void *text_find(const void *hay, size_t hlen, const void *needle,
    size_t nlen);
/*
 * Trims blanks (SP, HTAB) from both ends of the span (p, len).  Inline:
 * the header walk trims every name and value, mostly with nothing to
 * trim, and the call was most of the cost.
 */
static inline void
text_trim(const uint8_t **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * Copies p[0..len) into dst as a C string of at most n-1 bytes (n > 0),
 * replacing NUL bytes with '?'.  Returns dst.  For storing fields; escape
 * before printing.
 */
char *text_copy(char *dst, size_t n, const void *p, size_t len);

/*
 * Copies C string src into dst as a C string of at most n-1 bytes
 * (n > 0): snprintf(dst, n, "%s", src) without the format machinery.
 */
static inline void
text_copy_str(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = '\0';
}

/*
 * Length of the valid UTF-8 sequence at p[0..len) (1-4; len > 0), or 0
 * when invalid (overlong forms, surrogates, beyond U+10FFFF); the code
 * point in *cpo.
 */
size_t text_utf8_len(const uint8_t *p, size_t len, uint32_t *cpo);

enum text_esc { TEXT_ESC_PLAIN, TEXT_ESC_JSON, TEXT_ESC_CSV, TEXT_ESC_HTML };

/*
 * Whether code point cp is a character a terminal or a viewer acts on
 * rather than shows: C0, DEL, C1 (U+0080..U+009F), the bidi controls
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the line
 * and paragraph separators (U+2028, U+2029).
 */
bool text_is_control(uint32_t cp);

/*
 * Writes p[0..len) to f escaped for the target: control bytes and DEL as
 * \xNN (plain) or \u00NN (JSON, with \" \\ \n \r \t), quotes doubled for
 * CSV (the caller writes the surrounding quotes); for HTML, as plain text
 * with & < > " ' written as character references, so the result is safe
 * both as element text and inside a quoted attribute value.  Bytes >= 0x80 are
 * passed through only when they form valid UTF-8, else escaped as \xNN
 * (plain/CSV) or U+FFFD (JSON) so JSON output is always valid UTF-8.
 * Valid UTF-8 that encodes a control above U+007F (text_is_control) is
 * written as \uNNNN in every target (JSON readers get the character
 * back; a terminal or a spreadsheet sees six plain characters).
 */
void text_fput_escaped(FILE *f, const void *p, size_t len, enum text_esc esc);
/*
 * How many bytes from p need no escaping for esc: printable ASCII (0x20
 * to 0x7e) but the target's own specials (JSON: '"' and '\\').
 */
size_t text_plain_run(const void *p, size_t len, enum text_esc esc);

/*
 * fwrite(p, 1, n, f) for the many short pieces of the report writers.
 * With glibc, a piece that fits the stream's buffer is put there as its
 * own putc_unlocked() macro puts a byte (the buffer pointers of struct
 * FILE); the rest, and other C libraries, go through stdio.  The stdio
 * calls (fwrite's lock check, xsputn, the copy) were a tenth of a JSON
 * report.  Not for a stream another thread writes at the same time.
 */
static inline void
text_put_bytes(FILE *f, const void *p, size_t n)
{
#ifdef __GLIBC__
	if (f->_IO_write_ptr != NULL &&
	    (size_t)(f->_IO_write_end - f->_IO_write_ptr) >= n) {
		memcpy(f->_IO_write_ptr, p, n);
		f->_IO_write_ptr += n;
		return;
	}
#endif
	fwrite(p, 1, n, f);
}

/*
 * Writes "prog: MESSAGE\n" to f, the message formatted as printf does and
 * escaped as plain text (text_fput_escaped), so a file name or an error
 * text carrying control characters reaches the terminal inert.  For the
 * front ends' error lines; the message should not end in a newline.
 */
void text_fwarn(FILE *f, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Escapes into a buffer (plain mode, truncated to n-1); returns dst. */
char *text_escape(char *dst, size_t n, const void *p, size_t len);

/*
 * A frame as reports and the browser name it: "NAME#N" when name is not
 * NULL (the capture's file name, when several are read), "N" otherwise,
 * "-" for frame 0 (none).  Truncated to n-1; returns buf.
 */
char *text_frame_ref(char *buf, size_t n, const char *name, uint64_t frame);

/*
 * v with 0..6 decimals exactly as printf's "%.*f" writes it, into b
 * (TEXT_FIXED_BYTES, not NUL-terminated) when that is decided without
 * printf (nearly always); returns the length, 0 when only printf can
 * say (then b is undefined).  printf's float formatting was most of the
 * cost of the figures in a report.
 */
#define TEXT_FIXED_BYTES 32
size_t text_fixed(char *b, double v, int decimals);

/* snprintf(buf, n, "%s%.*f", prefix, decimals, v), same bytes and result. */
int text_snprintf_fixed(char *buf, size_t n, const char *prefix, double v,
    int decimals);

#endif /* SIPALG_TEXT_H */
