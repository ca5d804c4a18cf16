/*
 * ui.c - the UI helpers every panel of sipalg-browse uses: colour roles,
 * clipped drawing of packet text (escaped, UTF-8 aware), the status and
 * prompt lines, the panel stack, key movement, and the call-list model
 * (marks, filter and sort, the selection an action applies to).  It
 * knows no panel: panels use it, never the reverse (tests/layers.sh).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/text.h"
#include "ui.h"

/* ---- drawing helpers ---- */

int
ui_attr(const struct app *a, enum ui_color c)
{
	if (a->color)
		return c == UC_NORMAL ? A_NORMAL : (int)COLOR_PAIR(c) |
		    (c == UC_DIFF || c == UC_BADGE || c == UC_MARK ? A_BOLD : 0);
	switch (c) {
	case UC_HEADER: case UC_FOOTER: case UC_SELECT:
		return A_REVERSE;
	case UC_DIFF:
		return A_BOLD | A_UNDERLINE;
	case UC_ERROR: case UC_BADGE: case UC_MARK:
		return A_BOLD;
	default:
		return A_NORMAL;
	}
}

int
ui_put(int y, int x, const char *s, int w, int attr, bool pad)
{
	mbstate_t st;
	size_t i = 0, len = strlen(s);
	int used = 0;

	memset(&st, 0, sizeof(st));
	attron(attr);
	move(y, x);
	while (i < len && used < w) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		int cw;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			/* Not in the locale's charset: show a placeholder. */
			memset(&st, 0, sizeof(st));
			addch('?');
			used++;
			i++;
			continue;
		}
		cw = wcwidth(wc);
		if (cw < 0)
			cw = 1, wc = L'?';
		if (used + cw > w)
			break;
		addnwstr(&wc, 1);
		used += cw;
		i += k;
	}
	while (pad && used < w) {
		addch(' ');
		used++;
	}
	attroff(attr);
	return used;
}

void
ui_status(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->status, sizeof(a->status), fmt, ap);
	va_end(ap);
}

bool
ui_prompt(struct app *a, const char *q, char *buf, size_t n)
{
	size_t len = strlen(buf);

	curs_set(1);
	for (;;) {
		int ch, y = LINES - 1, qw = (int)strlen(q);

		ui_put(y, 0, q, COLS, ui_attr(a, UC_FOOTER), true);
		ui_put(y, qw, buf, COLS - qw - 1, ui_attr(a, UC_NORMAL), true);
		move(y, qw + (int)len < COLS ? qw + (int)len : COLS - 1);
		refresh();
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			curs_set(0);
			return true;
		}
		if (ch == 27) {
			curs_set(0);
			return false;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len > 0)
			buf[--len] = '\0';
		else if (ch == 21) /* ^U */
			buf[len = 0] = '\0';
		else if (ch >= 0x20 && ch < 0x7f && len + 1 < n) {
			buf[len++] = (char)ch;
			buf[len] = '\0';
		}
	}
}

struct panel *
ui_panel_alloc(const struct panel_ops *ops, size_t size,
    const struct dialog *const *ds, size_t n, const struct dialog ***copy)
{
	struct panel *p = calloc(1, sizeof(*p));
	void *s = calloc(1, size);
	const struct dialog **c = malloc((n ? n : 1) * sizeof(*c));

	if (p == NULL || s == NULL || c == NULL) {
		free(p);
		free(s);
		free(c);
		return NULL;
	}
	if (n > 0)
		memcpy(c, ds, n * sizeof(*ds));
	*copy = c;
	p->ops = ops;
	p->priv = s;
	return p;
}

void
ui_push(struct app *a, struct panel *p)
{
	if (p == NULL) {
		ui_status(a, "out of memory");
		return;
	}
	if (a->depth == UI_STACK) {
		ui_status(a, "too many screens open: press q to go back");
		p->ops->destroy(p);
		return;
	}
	a->stack[a->depth++] = p;
}

void
ui_pop(struct app *a)
{
	struct panel *p;

	if (a->depth == 0)
		return;
	p = a->stack[--a->depth];
	p->ops->destroy(p);
}

bool
ui_move(int ch, size_t *cur, size_t n, int h)
{
	size_t page = h > 1 ? (size_t)h - 1 : 1;

	switch (ch) {
	case KEY_UP: case 'k':
		if (*cur > 0)
			(*cur)--;
		return true;
	case KEY_DOWN: case 'j':
		if (*cur + 1 < n)
			(*cur)++;
		return true;
	case KEY_PPAGE: case 2: /* ^B */
		*cur = *cur > page ? *cur - page : 0;
		return true;
	case KEY_NPAGE: case 6: /* ^F */
		*cur = *cur + page < n ? *cur + page : (n ? n - 1 : 0);
		return true;
	case KEY_HOME: case 'g':
		*cur = 0;
		return true;
	case KEY_END: case 'G':
		*cur = n ? n - 1 : 0;
		return true;
	}
	return false;
}

void
ui_scroll(size_t cur, size_t *top, int h)
{
	if (h <= 0)
		return;
	if (cur < *top)
		*top = cur;
	else if (cur >= *top + (size_t)h)
		*top = cur - (size_t)h + 1;
}

/* ---- the call list model ---- */

bool
app_marked(const struct app *a, const struct dialog *d)
{
	return d->id < a->nmarks && a->marks[d->id];
}

void
app_mark(struct app *a, const struct dialog *d, bool on)
{
	if (d->id >= a->nmarks) {
		size_t nn = d->id * 2 + 64;
		bool *m = realloc(a->marks, nn * sizeof(*m));

		if (m == NULL)
			return;
		memset(m + a->nmarks, 0, (nn - a->nmarks) * sizeof(*m));
		a->marks = m;
		a->nmarks = nn;
	}
	a->marks[d->id] = on;
}

void
app_refilter(struct app *a)
{
	struct dialog *keep = a->cur < a->nrows ? a->rows[a->cur] : NULL;
	struct dialog **r = realloc(a->rows, (a->nall ? a->nall : 1) *
	    sizeof(*r));

	if (r == NULL)
		return;
	a->rows = r;
	a->nrows = 0;
	for (size_t i = 0; i < a->nall; i++)
		if (view_filter_match(&a->filt, a->all[i]))
			a->rows[a->nrows++] = a->all[i];
	view_sort(a->rows, a->nrows, a->sort, a->desc);
	a->cur = 0;
	for (size_t i = 0; keep != NULL && i < a->nrows; i++)
		if (a->rows[i] == keep)
			a->cur = i;
}

size_t
app_selection(struct app *a, const struct dialog ***out)
{
	size_t n = 0;
	const struct dialog **v = calloc(a->nrows ? a->nrows : 1, sizeof(*v));

	*out = NULL;
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < a->nrows; i++)
		if (app_marked(a, a->rows[i]))
			v[n++] = a->rows[i];
	if (n == 0 && a->cur < a->nrows)
		v[n++] = a->rows[a->cur];
	if (n == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return n;
}

