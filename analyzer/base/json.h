/*
 * json.h - the one JSON writer: nesting, commas, escaping and null, for
 * every JSON the project writes (the analysis report, the inside/outside
 * comparison, the simulator's predictions).
 *
 * The writer streams to a FILE and keeps only the nesting state (at most
 * JSON_MAX_DEPTH levels), so a document of any size costs no memory.
 * Callers say what comes next (a key, a value, the start or end of an
 * object or array) and the writer puts the commas and the key separator
 * between them.  Every string goes through text_fput_escaped(): control
 * bytes become \u00NN, invalid UTF-8 becomes U+FFFD, so the output is
 * always valid JSON in valid UTF-8, whatever the packets held.
 *
 * Layout is the caller's choice, so each document keeps its established
 * bytes: a style (":" and "," or ": " and ", "), and json_break(), which
 * puts a newline and an indent before the next item (after its comma) or
 * before a closing bracket.
 *
 * "No value" has two spellings today: json_u64_or_null() writes 0 as
 * null (the report's and the comparison's frames), json_u64() writes it
 * as 0 (the simulator's frames).  Both exist so the outputs stay as they
 * are until one spelling is chosen for all.
 */
#ifndef SIPALG_JSON_H
#define SIPALG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 16

enum json_style {
	JSON_COMPACT,             /* {"a":1,"b":[1,2]} */
	JSON_SPACED               /* {"a": 1, "b": [1, 2]} */
};

/* Plain record; json_init fills it.  Fields are the writer's. */
struct json {
	FILE *f;
	enum json_style style;
	int depth;
	bool nonempty[JSON_MAX_DEPTH + 1]; /* a value written at that level */
	bool after_key;           /* a key was written, its value is next */
	const char *brk;          /* whitespace due before the next token */
	bool too_deep;            /* nesting beyond JSON_MAX_DEPTH: ignored */
	/* JSON_COMPACT, no key waiting, no break due and a value already
	 * at this level (a key next needs a comma and nothing else): the
	 * others in one flag, kept by every writer that changes them, so
	 * that json_key_at_ tests one byte, not five fields. */
	bool key_fast;
};

/* A writer on f at the top level.  f stays the caller's. */
void json_init(struct json *j, FILE *f, enum json_style style);
/*
 * A writer for the elements of an array whose brackets another writer
 * writes (a spool file copied inside it later): values are separated by
 * commas as inside that array.
 */
void json_init_fragment(struct json *j, FILE *f, enum json_style style);

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);

/* A key inside an object; its value is the next call. */
void json_key(struct json *j, const char *key);

/*
 * The same for a key known to need no escaping (printable ASCII, no '"'
 * or '\\'), written as is, with no length or escape scan.
 * JSON_KEY(j, "name") passes a string literal (the "" around it refuse
 * anything else at compile time) already quoted and followed by ": "
 * ("\"name\": ", len bytes), written in one copy (without its last
 * byte, the space, in JSON_COMPACT); the keys of our own documents are
 * literals of [a-z0-9_], a tenth of a signalling-heavy JSON report's
 * cost when each was scanned.
 */
void json_key_quoted(struct json *j, const char *quoted, size_t len);
#define JSON_KEY(j, lit) \
	json_key_lit_((j), "\"" lit "\": ", sizeof(lit) + 3)

/*
 * JSON_KEY's common case, inline, where len is a constant: a key after
 * another item of a JSON_COMPACT object, no break pending, the stream's
 * buffer (glibc's struct FILE pointers, as putc_unlocked uses them) with
 * room for the key and vmax bytes more: the comma and the key put there
 * in one fixed-size copy; returns where its value goes (the caller puts
 * it there and moves the buffer's pointer past it, or sets the pointer
 * there and j->after_key).  NULL in every other case: nothing written.
 * Always inline: as one function called at each of a hundred keys, the
 * copy was a loop over a length it did not know (a sixth of a dialog's
 * JSON).
 */
static inline __attribute__((always_inline)) char *
json_key_at_(struct json *j, const char *quoted, size_t len, size_t vmax)
{
#ifdef __GLIBC__
	FILE *f = j->f;
	char *d = f->_IO_write_ptr;

	if (j->key_fast && d != NULL &&
	    f->_IO_write_end - d > (ptrdiff_t)(len + vmax)) {
		d[0] = ',';
		memcpy(d + 1, quoted, len);     /* the space: overwritten */
		return d + len;
	}
#else
	(void)j, (void)quoted, (void)len, (void)vmax;
#endif
	return NULL;
}

static inline __attribute__((always_inline)) void
json_key_lit_(struct json *j, const char *quoted, size_t len)
{
	char *d = json_key_at_(j, quoted, len, 0);

	if (d != NULL) {
#ifdef __GLIBC__
		j->f->_IO_write_ptr = d;
#endif
		j->after_key = true;
		j->key_fast = false;
		return;
	}
	json_key_quoted(j, quoted, len);
}

/*
 * A value formatted where it goes: JSON_KV_RAW(j, "name", n) is
 * json_key_at_ for that key (JSON_KEY's bytes, and then room for n
 * bytes), returning where the value goes; the caller writes it there,
 * bytes that are JSON as they are (digits, null, a quoted string that
 * needs no escaping), and json_raw_end(j, e) ends it at e.  Until then
 * what is there is past the stream's pointer, not written: a caller may
 * give up and write the key and value the usual way.  NULL (where
 * json_key_at_ is): the usual way only.
 */
#define JSON_KV_RAW(j, lit, n) \
	json_key_at_((j), "\"" lit "\": ", sizeof(lit) + 3, (n))

static inline void
json_raw_end(struct json *j, char *e)
{
#ifdef __GLIBC__
	j->f->_IO_write_ptr = e;
#else
	(void)j, (void)e;
#endif
}

/* A string value s[0..len) under the same rule (a time we format). */
void json_strn_plain(struct json *j, const char *s, size_t len);

/* Strings (escaped); s NULL writes null. */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const void *s, size_t len);
/* A string written in parts: _begin, any number of _add, _end. */
void json_str_begin(struct json *j);
void json_str_add(struct json *j, const void *s, size_t len);
void json_str_end(struct json *j);

void json_null(struct json *j);
void json_bool(struct json *j, bool v);
void json_int(struct json *j, int v);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
/* v, or null when v is 0 ("none", e.g. no frame). */
void json_u64_or_null(struct json *j, uint64_t v);
/* v with a fixed number of decimals ("%.3f"); null when not finite. */
void json_fixed(struct json *j, double v, int decimals);
/* A number the caller formatted as JSON, b[0..n), written as it is. */
void json_number(struct json *j, const char *b, size_t n);

/*
 * A key and its value in one: JSON_KV_U64(j, "name", v) is
 * JSON_KEY(j, "name") then json_u64(j, v), and so for _I64 and _STR
 * (json_str: escaped, NULL as null), the same bytes; where the key goes
 * straight into the buffer (json_key_at_) the value follows it there,
 * with no key-then-value state between them.
 */
#define JSON_KV_U64(j, lit, v) \
	json_kv_u64_((j), "\"" lit "\": ", sizeof(lit) + 3, (v))
#define JSON_KV_I64(j, lit, v) \
	json_kv_i64_((j), "\"" lit "\": ", sizeof(lit) + 3, (v))
#define JSON_KV_STR(j, lit, s) \
	json_kv_str_((j), "\"" lit "\": ", sizeof(lit) + 3, (s))

/*
 * The values of the above: at d, from json_key_at_ (with room for 21
 * bytes after the key, for a number); when d is NULL, the key quoted
 * (JSON_KEY's) then the value the usual way.  mag and neg: the number's
 * magnitude and sign.
 */
void json_dec_at_(struct json *j, char *d, const char *quoted, size_t len,
    uint64_t mag, bool neg);
void json_str_at_(struct json *j, char *d, const char *quoted, size_t len,
    const char *s);

static inline __attribute__((always_inline)) void
json_kv_u64_(struct json *j, const char *quoted, size_t len, uint64_t v)
{
	json_dec_at_(j, json_key_at_(j, quoted, len, 21), quoted, len, v,
	    false);
}

static inline __attribute__((always_inline)) void
json_kv_i64_(struct json *j, const char *quoted, size_t len, int64_t v)
{
	json_dec_at_(j, json_key_at_(j, quoted, len, 21), quoted, len,
	    v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static inline __attribute__((always_inline)) void
json_kv_str_(struct json *j, const char *quoted, size_t len, const char *s)
{
	json_str_at_(j, json_key_at_(j, quoted, len, 0), quoted, len, s);
}

/*
 * Whitespace (a newline and an indent, say) written before the next item
 * or closing bracket, after the comma that item needs.
 */
void json_break(struct json *j, const char *ws);

/* Ends the document with a newline.  Returns 0, or -1 when f has had a
 * write error. */
int json_end(struct json *j);

#endif /* SIPALG_JSON_H */
