/*
 * view_text.c - message text in the presentation model (view.h): a raw
 * message split into escaped lines, and two messages aligned line by
 * line (longest common subsequence) with what differs inside a line.
 *
 * Limits: a message's lines beyond VIEW_DIFF_LINES are compared pairwise,
 * not aligned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "present/view.h"

void
view_lines_init(struct view_lines *l)
{
	l->v = NULL;
	l->n = 0;
}

int
view_lines_add(struct view_lines *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	l->v = v;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

int
view_lines_split(struct view_lines *out, const char *raw, size_t len)
{
	size_t cap = 16, start = 0;

	out->n = 0;
	out->v = malloc(cap * sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	while (raw != NULL && start < len) {
		const char *nl = memchr(raw + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - raw) : len;
		size_t l = end - start, esz;
		char *s;

		if (l > 0 && raw[start + l - 1] == '\r')
			l--;
		esz = l * 4 + 1; /* every byte may become \xNN */
		s = malloc(esz);
		if (s == NULL)
			goto oom;
		text_escape(s, esz, raw + start, l);
		if (out->n == cap) {
			char **v = realloc(out->v, cap * 2 * sizeof(*v));

			if (v == NULL) {
				free(s);
				goto oom;
			}
			out->v = v;
			cap *= 2;
		}
		out->v[out->n++] = s;
		start = end + 1;
	}
	return 0;
oom:
	view_lines_free(out);
	return -1;
}

void
view_lines_free(struct view_lines *l)
{
	for (size_t i = 0; l->v != NULL && i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Emits the removed lines a[ad..ae) and added b[bd..be) as pairs. */
static void
emit_changes(struct diff_row *rows, size_t *k, long ad, long ae, long bd,
    long be)
{
	while (ad < ae || bd < be) {
		rows[*k].a = ad < ae ? ad++ : -1;
		rows[*k].b = bd < be ? bd++ : -1;
		rows[*k].differ = true;
		(*k)++;
	}
}

void
view_line_span(const char *a, const char *b, size_t *pre, size_t *suf)
{
	size_t la = strlen(a), lb = strlen(b), m = la < lb ? la : lb;
	size_t p = 0, s = 0;

	while (p < m && a[p] == b[p])
		p++;
	/* Back to the start of a UTF-8 sequence (continuation: 10xxxxxx). */
	while (p > 0 && p < m && ((unsigned char)a[p] & 0xc0) == 0x80)
		p--;
	while (s < m - p && a[la - 1 - s] == b[lb - 1 - s])
		s++;
	while (s > 0 && ((unsigned char)a[la - s] & 0xc0) == 0x80)
		s--;
	*pre = p;
	*suf = s;
}

int
view_diff(const struct view_lines *a, const struct view_lines *b,
    struct diff_row **rowsp, size_t *nrowsp)
{
	size_t na = a->n < VIEW_DIFF_LINES ? a->n : VIEW_DIFF_LINES;
	size_t nb = b->n < VIEW_DIFF_LINES ? b->n : VIEW_DIFF_LINES;
	size_t W = nb + 1, k = 0, i = 0, j = 0;
	uint16_t *t;
	struct diff_row *rows;
	long ad = 0, bd = 0;

	*rowsp = NULL;
	*nrowsp = 0;
	t = calloc((na + 1) * W, sizeof(*t));
	rows = calloc(a->n + b->n + 1, sizeof(*rows));
	if (t == NULL || rows == NULL) {
		free(t);
		free(rows);
		return -1;
	}
	/* LCS lengths of the suffixes. */
	for (size_t x = na; x-- > 0;)
		for (size_t y = nb; y-- > 0;) {
			if (strcmp(a->v[x], b->v[y]) == 0)
				t[x * W + y] = (uint16_t)(t[(x + 1) * W + y + 1] + 1);
			else {
				uint16_t p = t[(x + 1) * W + y], q = t[x * W + y + 1];

				t[x * W + y] = p > q ? p : q;
			}
		}
	while (i < na && j < nb) {
		if (strcmp(a->v[i], b->v[j]) == 0) {
			emit_changes(rows, &k, ad, (long)i, bd, (long)j);
			rows[k].a = (long)i;
			rows[k].b = (long)j;
			rows[k].differ = false;
			k++;
			i++, j++;
			ad = (long)i;
			bd = (long)j;
		} else if (t[(i + 1) * W + j] >= t[i * W + j + 1])
			i++;
		else
			j++;
	}
	emit_changes(rows, &k, ad, (long)na, bd, (long)nb);
	/* Beyond the aligned part: pairwise. */
	for (i = na, j = nb; i < a->n || j < b->n; i++, j++) {
		rows[k].a = i < a->n ? (long)i : -1;
		rows[k].b = j < b->n ? (long)j : -1;
		rows[k].differ = rows[k].a < 0 || rows[k].b < 0 ||
		    strcmp(a->v[i], b->v[j]) != 0;
		k++;
	}
	free(t);
	*rowsp = rows;
	*nrowsp = k;
	return 0;
}
