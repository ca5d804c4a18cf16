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
	/* Back to the panel that read them: no panel shows them now. */
	if (a->nfetched > 0 && a->depth <= a->fetch_depth)
		app_fetched_free(a);
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
app_marked(const struct app *a, const struct view_row *r)
{
	return r->id < a->nmarks && a->marks[r->id];
}

void
app_mark(struct app *a, const struct view_row *r, bool on)
{
	if (r->id >= a->nmarks) {
		size_t nn = r->id * 2 + 64;
		bool *m = realloc(a->marks, nn * sizeof(*m));

		if (m == NULL)
			return;
		memset(m + a->nmarks, 0, (nn - a->nmarks) * sizeof(*m));
		a->marks = m;
		a->nmarks = nn;
	}
	a->marks[r->id] = on;
}

static int
row_id_cmp(const void *x, const void *y)
{
	const struct view_row *a = *(struct view_row *const *)x;
	const struct view_row *b = *(struct view_row *const *)y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* The index of id in v[0..n) sorted by id, n when none. */
static size_t
id_index(struct view_row *const *v, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo]->id == id ? lo : n;
}

/* Shows what the UI waits for on the title line (a fetch blocks it). */
static void
app_busy(struct app *a, const char *what)
{
	char t[200];

	snprintf(t, sizeof(t), " %s", what);
	ui_put(0, 0, t, COLS, ui_attr(a, UC_HEADER), true);
	refresh();
}

/* The ids of rows v[0..n) sorted (in place) by id; NULL on OOM. */
static uint64_t *
rows_ids(struct view_row **v, size_t n)
{
	uint64_t *ids = malloc((n ? n : 1) * sizeof(*ids));

	if (ids == NULL)
		return NULL;
	qsort(v, n, sizeof(*v), row_id_cmp);
	for (size_t i = 0; i < n; i++)
		ids[i] = v[i]->id;
	return ids;
}

struct filter_pass {
	struct app *a;
	struct view_row **need;
	size_t n;
};

static bool
filter_each(void *user, struct dialog *d)
{
	struct filter_pass *fp = user;
	size_t k = id_index(fp->need, fp->n, d->id);

	if (k < fp->n) {
		struct view_row *r = fp->need[k];

		r->fhit = view_filter_match(&fp->a->filt, d);
		r->fgen = fp->a->fgen;
	}
	return false;
}

/*
 * Answers the filter for the rows need[0..n) that the loader did not
 * keep whole, reading their dialogs again: once per filter (the answer
 * stays on the row with the filter's generation).
 */
static void
filter_fetch(struct app *a, struct view_row **need, size_t n)
{
	struct filter_pass fp = { a, need, n };
	uint64_t *ids = rows_ids(need, n);
	char err[256];

	app_busy(a, "searching the messages of dialogs read again from the "
	    "source ...");
	if (ids == NULL || loader_fetch(&a->ld, ids, n, filter_each, &fp, err,
	    sizeof(err)) < 0)
		ui_status(a, "cannot search the messages: %s", ids == NULL ?
		    "out of memory" : err);
	/* Rows not found (or not read) do not match. */
	for (size_t i = 0; i < n; i++)
		if (need[i]->fgen != a->fgen) {
			need[i]->fhit = false;
			need[i]->fgen = a->fgen;
		}
	free(ids);
}

void
app_refilter(struct app *a)
{
	struct view_row *keep = a->placed && a->cur < a->nrows ?
	    a->rows[a->cur] : NULL;
	struct view_row **r = realloc(a->rows, (a->nall ? a->nall : 1) *
	    sizeof(*r));
	struct view_row **need = NULL;
	size_t nneed = 0;

	if (r == NULL)
		return;
	a->rows = r;
	if (memcmp(&a->filt, &a->fprev, sizeof(a->filt)) != 0) {
		a->fprev = a->filt;
		/* 0 is every new row's: never a live generation. */
		if (++a->fgen == 0)
			a->fgen = 1;
	}
	/* Rows only the messages can answer, read again once loaded. */
	for (size_t i = 0; a->finished && i < a->nall; i++) {
		struct view_row *x = a->all[i];

		if (x->d == NULL && x->fgen != a->fgen &&
		    view_row_match(&a->filt, x) < 0) {
			if (need == NULL && (need = malloc(a->nall *
			    sizeof(*need))) == NULL)
				break;
			need[nneed++] = x;
		}
	}
	if (nneed > 0)
		filter_fetch(a, need, nneed);
	free(need);
	a->nrows = 0;
	for (size_t i = 0; i < a->nall; i++) {
		struct view_row *x = a->all[i];
		int m = view_row_match(&a->filt, x);

		if (m < 0)
			m = x->d != NULL ? view_filter_match(&a->filt, x->d) :
			    x->fgen == a->fgen && x->fhit;
		if (m)
			a->rows[a->nrows++] = x;
	}
	view_sort(a->rows, a->nrows, a->sort, a->desc);
	a->cur = 0;
	for (size_t i = 0; keep != NULL && i < a->nrows; i++)
		if (a->rows[i] == keep)
			a->cur = i;
}

struct dialogs_pass {
	struct view_row **need;   /* sorted by id */
	size_t n;
	struct dialog **got;      /* by position in need */
};

static bool
dialogs_each(void *user, struct dialog *d)
{
	struct dialogs_pass *dp = user;
	size_t k = id_index(dp->need, dp->n, d->id);

	if (k == dp->n || dp->got[k] != NULL)
		return false;
	dp->got[k] = d;
	return true;
}

int
app_dialogs(struct app *a, struct view_row *const *rows, size_t n,
    struct dialog **out, bool *fetched, char *err, size_t errlen)
{
	struct dialogs_pass dp = { 0 };
	uint64_t *ids = NULL;
	long found;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = rows[i]->d;
		fetched[i] = false;
		if (rows[i]->d == NULL)
			dp.n++;
	}
	if (dp.n == 0)
		return 0;
	dp.need = malloc(dp.n * sizeof(*dp.need));
	dp.got = calloc(dp.n, sizeof(*dp.got));
	if (dp.need == NULL || dp.got == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	dp.n = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i]->d == NULL)
			dp.need[dp.n++] = rows[i];
	if ((ids = rows_ids(dp.need, dp.n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	app_busy(a, dp.n == 1 ? "reading the dialog again from the source ..." :
	    "reading the dialogs again from the source ...");
	found = loader_fetch(&a->ld, ids, dp.n, dialogs_each, &dp, err, errlen);
	if (found >= 0 && (size_t)found < dp.n)
		snprintf(err, errlen, "%zu of the dialogs are no longer in the "
		    "source (did it change?)", dp.n - (size_t)found);
	if (found < 0 || (size_t)found < dp.n) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[i] != NULL)
			continue;
		out[i] = dp.got[id_index(dp.need, dp.n, rows[i]->id)];
		fetched[i] = true;
	}
out:
	if (rc < 0)
		for (size_t i = 0; dp.got != NULL && i < dp.n; i++)
			dialog_free(dp.got[i]);
	free(ids);
	free(dp.need);
	free(dp.got);
	return rc;
}

void
app_fetched_free(struct app *a)
{
	for (size_t i = 0; i < a->nfetched; i++)
		dialog_free(a->fetched[i]);
	free(a->fetched);
	a->fetched = NULL;
	a->nfetched = 0;
}

size_t
app_selection(struct app *a, const struct dialog ***out)
{
	size_t n = 0, nf = 0;
	struct view_row **v = calloc(a->nrows ? a->nrows : 1, sizeof(*v));
	struct dialog **d = NULL;
	bool *fetched = NULL;
	char err[256];

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
	/* The panels of the last selection are closed: its dialogs go. */
	app_fetched_free(a);
	d = malloc(n * sizeof(*d));
	fetched = malloc(n * sizeof(*fetched));
	if (d == NULL || fetched == NULL) {
		ui_status(a, "out of memory");
		n = 0;
	} else if (app_dialogs(a, v, n, d, fetched, err, sizeof(err)) < 0) {
		ui_status(a, "cannot read the dialog again: %s", err);
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		nf += fetched[i];
	if (nf > 0) {
		a->fetched = malloc(nf * sizeof(*a->fetched));
		if (a->fetched == NULL) {
			for (size_t i = 0; i < n; i++)
				if (fetched[i])
					dialog_free(d[i]);
			ui_status(a, "out of memory");
			n = 0;
		} else {
			for (size_t i = 0; i < n; i++)
				if (fetched[i])
					a->fetched[a->nfetched++] = d[i];
			a->fetch_depth = a->depth;
		}
	}
	free(v);
	free(fetched);
	if (n == 0) {
		free(d);
		return 0;
	}
	*out = (const struct dialog **)d;
	return n;
}
