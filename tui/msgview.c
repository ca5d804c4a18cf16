/*
 * msgview.c - one message full screen, and two messages side by side
 * with their differing lines highlighted (view_diff).
 *
 * The text is the raw captured message split at line ends and escaped
 * (view_lines_split), so control bytes and escape sequences in headers
 * appear as \xNN.  The comparison is for spotting what an ALG rewrote:
 * mark a message in the ladder, select another and press d.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

struct mv {
	const struct dialog *d;
	size_t msg;
	struct view_lines lines;
	size_t top;
};

static const struct keyhelp msgview_help[] = {
	{ "Up Down j k", "scroll" },
	{ "q Esc", "back to the ladder" },
	{ NULL, NULL }
};

static void
msg_title(struct app *a, const struct dialog *d, size_t i, char *buf, size_t n)
{
	const struct dmsg *dm = &d->msgs[i];
	char tm[40], sa[NETADDR_STRLEN], da[NETADDR_STRLEN], fr[160];

	snprintf(buf, n, " frame %s  %s  %s -> %s%s",
	    loader_frame_ref(&a->ld, dm->cap_idx, dm->frame, fr, sizeof(fr)),
	    view_clock(dm->ts_ns, tm, sizeof(tm)),
	    ep_str(&dm->src, sa, sizeof(sa)), ep_str(&dm->dst, da, sizeof(da)),
	    dm->retrans ? "  (retransmitted)" : "");
}

static void
msgview_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct mv *s = p->priv;
	char t[300];

	msg_title(a, s->d, s->msg, t, sizeof(t));
	ui_put(y0, 0, t, w, ui_attr(a, UC_HEADER), true);
	for (int i = 0; i < h - 1; i++) {
		size_t k = s->top + (size_t)i;

		if (k >= s->lines.n)
			break;
		ui_put(y0 + 1 + i, 0, s->lines.v[k], w, ui_attr(a, UC_NORMAL),
		    false);
	}
}

static int
msgview_key(struct panel *p, struct app *a, int ch)
{
	struct mv *s = p->priv;

	(void)a;
	if (ui_move(ch, &s->top, s->lines.n, LINES - 3))
		return PK_HANDLED;
	return PK_UNHANDLED;
}

static void
msgview_destroy(struct panel *p)
{
	struct mv *s = p->priv;

	view_lines_free(&s->lines);
	free(s);
	free(p);
}

static const struct panel_ops msgview_ops = {
	"Message", "Up/Down scroll  ? help  q back", msgview_help,
	msgview_draw, msgview_key, msgview_destroy
};

struct panel *
msgview_panel_new(const struct dialog *d, size_t msg)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct mv *s = calloc(1, sizeof(*s));
	const struct sipmsg *m = d->msgs[msg].m;

	if (p == NULL || s == NULL || m == NULL ||
	    view_lines_split(&s->lines, m->raw, m->raw_len) < 0) {
		free(p);
		free(s);
		return NULL;
	}
	s->d = d;
	s->msg = msg;
	p->ops = &msgview_ops;
	p->priv = s;
	return p;
}

/* ---- comparison ---- */

struct dv {
	const struct dialog *da, *db;
	size_t ma, mb;
	const char *na, *nb;      /* side names, "" none */
	struct view_lines a, b;
	struct diff_row *rows;
	size_t nrows, top, ndiff;
};

static const struct keyhelp diff_help[] = {
	{ "Up Down j k", "scroll" },
	{ "n", "next differing line" },
	{ "q Esc", "back to the ladder" },
	{ NULL, NULL }
};

/*
 * Draws line x in w columns with the part that differs from y
 * highlighted (view_line_span); an empty difference (x is y with
 * something added) marks the column where it starts.
 */
static void
draw_span(struct app *a, int y, int x0, int w, const char *x, const char *o)
{
	size_t pre, suf, len = strlen(x);
	char *tmp = strdup(x);
	int used = 0;

	if (tmp == NULL) {
		ui_put(y, x0, x, w, ui_attr(a, UC_DIFF), true);
		return;
	}
	view_line_span(x, o, &pre, &suf);
	tmp[pre] = '\0';
	used += ui_put(y, x0, tmp, w, ui_attr(a, UC_NORMAL), false);
	memcpy(tmp, x + pre, len - pre - suf);
	tmp[len - pre - suf] = '\0';
	if (tmp[0] == '\0' && used < w)
		used += ui_put(y, x0 + used, " ", 1, ui_attr(a, UC_DIFF), false);
	else if (used < w)
		used += ui_put(y, x0 + used, tmp, w - used, ui_attr(a, UC_DIFF),
		    false);
	if (used < w)
		ui_put(y, x0 + used, x + len - suf, w - used,
		    ui_attr(a, UC_NORMAL), true);
	free(tmp);
}

static void
diff_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct dv *s = p->priv;
	int half = (w - 1) / 2;
	char t[300];

	msg_title(a, s->da, s->ma, t + strlen(s->na), sizeof(t) - strlen(s->na));
	memcpy(t, s->na, strlen(s->na));
	ui_put(y0, 0, t, half, ui_attr(a, UC_HEADER), true);
	msg_title(a, s->db, s->mb, t + strlen(s->nb), sizeof(t) - strlen(s->nb));
	memcpy(t, s->nb, strlen(s->nb));
	ui_put(y0, half + 1, t, w - half - 1, ui_attr(a, UC_HEADER), true);
	for (int i = 0; i < h - 1; i++) {
		size_t k = s->top + (size_t)i;
		const struct diff_row *r;
		int attr;

		if (k >= s->nrows)
			break;
		r = &s->rows[k];
		attr = r->differ ? ui_attr(a, UC_DIFF) : ui_attr(a, UC_NORMAL);
		if (r->differ && r->a >= 0 && r->b >= 0) {
			/* Changed line: highlight only what differs in it. */
			draw_span(a, y0 + 1 + i, 0, half, s->a.v[r->a],
			    s->b.v[r->b]);
			draw_span(a, y0 + 1 + i, half + 1, w - half - 1,
			    s->b.v[r->b], s->a.v[r->a]);
		} else {
			ui_put(y0 + 1 + i, 0, r->a >= 0 ? s->a.v[r->a] : "",
			    half, attr, r->differ);
			ui_put(y0 + 1 + i, half + 1, r->b >= 0 ?
			    s->b.v[r->b] : "", w - half - 1, attr, r->differ);
		}
		ui_put(y0 + 1 + i, half, r->differ ? (a->utf8 ?
		    "\xe2\x94\x83" : "!") : (a->utf8 ? "\xe2\x94\x82" : "|"), 1,
		    ui_attr(a, UC_NORMAL), false);
	}
	if (s->ndiff == 0 && h > 3)
		ui_put(y0 + h - 1, 0, " the two messages are identical ", w,
		    ui_attr(a, UC_MARK), false);
}

static int
diff_key(struct panel *p, struct app *a, int ch)
{
	struct dv *s = p->priv;

	(void)a;
	if (ui_move(ch, &s->top, s->nrows, LINES - 3))
		return PK_HANDLED;
	if (ch == 'n') {
		for (size_t k = s->top + 1; k < s->nrows; k++)
			if (s->rows[k].differ) {
				s->top = k;
				break;
			}
		return PK_HANDLED;
	}
	return PK_UNHANDLED;
}

static void
diff_destroy(struct panel *p)
{
	struct dv *s = p->priv;

	view_lines_free(&s->a);
	view_lines_free(&s->b);
	free(s->rows);
	free(s);
	free(p);
}

static const struct panel_ops diff_ops = {
	"Compare", "Up/Down scroll  n next difference  ? help  q back",
	diff_help, diff_draw, diff_key, diff_destroy
};

struct panel *
diff_panel_new(const struct dialog *da, size_t ma, const struct dialog *db,
    size_t mb)
{
	return diff_panel_new_sides(da, ma, db, mb, "", "");
}

struct panel *
diff_panel_new_sides(const struct dialog *da, size_t ma,
    const struct dialog *db, size_t mb, const char *na, const char *nb)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct dv *s = calloc(1, sizeof(*s));
	const struct sipmsg *x = da->msgs[ma].m, *y = db->msgs[mb].m;

	if (p == NULL || s == NULL || x == NULL || y == NULL)
		goto fail;
	if (view_lines_split(&s->a, x->raw, x->raw_len) < 0)
		goto fail;
	if (view_lines_split(&s->b, y->raw, y->raw_len) < 0 ||
	    view_diff(&s->a, &s->b, &s->rows, &s->nrows) < 0) {
		view_lines_free(&s->a);
		view_lines_free(&s->b);
		goto fail;
	}
	for (size_t k = 0; k < s->nrows; k++)
		s->ndiff += s->rows[k].differ;
	s->da = da;
	s->db = db;
	s->ma = ma;
	s->mb = mb;
	s->na = na;
	s->nb = nb;
	p->ops = &diff_ops;
	p->priv = s;
	return p;
fail:
	free(p);
	free(s);
	return NULL;
}
