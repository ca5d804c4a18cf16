/*
 * ladder.c - the ladder (call flow) panel: the diagram of one or several
 * dialogs (view_ladder_*), the selected message's raw text beside it
 * (120 columns and more) or below it, and the keys that open a message,
 * compare two messages or show the dialogs' symptoms and streams.
 * Each row shows its time, the time since the row before and '*' where a
 * finding cites its frame (view.h: the pins); the selected row's title
 * names that finding's badge.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/report.h"
#include "base/text.h"
#include "detect/detect.h"
#include "ui.h"

struct lad {
	const struct dialog **ds;
	size_t nd;
	struct ladder l;
	size_t cur, top;
	int xoff;
	size_t rawtop;
	long mark;                /* row marked for comparison, -1 none */
	size_t lines_row;         /* row whose text is in lines */
	struct view_lines lines;
	bool have_lines;
};

static const struct keyhelp ladder_help[] = {
	{ "Up Down j k", "select the previous / next message" },
	{ "Left Right h l", "scroll the diagram sideways (many addresses)" },
	{ "[ ]", "scroll the message text" },
	{ "Enter", "open the message (RTP row: the stream panel)" },
	{ "Space", "mark this message for comparison" },
	{ "d", "compare the marked message with this one" },
	{ "p", "symptoms of these dialogs" },
	{ "r", "RTP streams of these dialogs" },
	{ "q Esc", "back to the call list" },
	{ NULL, NULL }
};

static void
load_lines(struct lad *s)
{
	const struct ladder_row *r;

	if (s->have_lines && s->lines_row == s->cur)
		return;
	if (s->have_lines)
		view_lines_free(&s->lines);
	s->have_lines = false;
	s->rawtop = 0;
	if (s->cur >= s->l.nrows)
		return;
	r = &s->l.rows[s->cur];
	if (r->kind == LADDER_MSG) {
		const struct sipmsg *m = r->d->msgs[r->idx].m;

		if (m == NULL || view_lines_split(&s->lines, m->raw,
		    m->raw_len) < 0)
			return;
	} else {
		const struct rtp_stream *st = r->d->streams[r->idx];
		char buf[1024], a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[40];
		int dir = report_stream_dir(r->d, st);

		text_escape(c, sizeof(c), st->codec, strnlen(st->codec,
		    sizeof(st->codec)));
		snprintf(buf, sizeof(buf),
		    "RTP %s -> %s\nssrc 0x%08" PRIx32 "  pt %d %s  %s\n"
		    "packets %" PRIu64 "  lost %" PRIu64 "  jitter %.1f ms  "
		    "max gap %.0f ms\n(Enter: the RTP panel)",
		    ep_str(&st->src, a, sizeof(a)), ep_str(&st->dst, b, sizeof(b)),
		    st->ssrc, st->pt, c, dir > 0 ? "caller->callee" :
		    dir < 0 ? "callee->caller" : "", st->packets, st->lost,
		    rtp_stream_jitter_ms(st), (double)st->max_gap_ns / 1e6);
		if (view_lines_split(&s->lines, buf, strlen(buf)) < 0)
			return;
	}
	s->have_lines = true;
	s->lines_row = s->cur;
}

static int
row_attr(const struct app *a, const struct ladder_row *r)
{
	const struct sipmsg *m;

	if (r->kind == LADDER_RTP)
		return ui_attr(a, UC_RTP);
	m = r->d->msgs[r->idx].m;
	if (m == NULL)
		return ui_attr(a, UC_NORMAL);
	if (m->is_request)
		return ui_attr(a, UC_REQUEST);
	if (m->status >= 300)
		return ui_attr(a, UC_ERROR);
	if (m->status >= 200)
		return ui_attr(a, UC_OK);
	return ui_attr(a, UC_NORMAL);
}

static void
draw_msg_title(struct app *a, struct lad *s, int y, int x, int w)
{
	char t[300], tm[40], sa[NETADDR_STRLEN], da[NETADDR_STRLEN], fr[160];
	const struct ladder_row *r;

	if (s->cur >= s->l.nrows)
		return;
	r = &s->l.rows[s->cur];
	if (r->kind == LADDER_MSG) {
		const struct dmsg *dm = &r->d->msgs[r->idx];
		bool sctp = dm->transport == PKT_SCTP;
		const char *tr = sctp ? "SCTP" : (dm->transport & 0x7f) ==
		    PKT_TCP ? "TCP" : "UDP";

		snprintf(t, sizeof(t), " frame %s  %s  %s -> %s  %s%s%s",
		    loader_frame_ref(&a->ld, dm->cap_idx, dm->frame, fr,
		    sizeof(fr)), view_clock(dm->ts_ns, tm, sizeof(tm)),
		    ep_str(&dm->src, sa, sizeof(sa)),
		    ep_str(&dm->dst, da, sizeof(da)), tr,
		    !sctp && (dm->transport & PKT_WS) ? "/WS" : "",
		    s->mark >= 0 ? "  [marked for d]" : "");
	} else
		snprintf(t, sizeof(t), " RTP stream");
	/* The '*' of the row: which finding cites it (p: all of them). */
	if (r->pin > 0 && r->d->findings != NULL && r->pin <= r->d->findings->n) {
		size_t o = strlen(t);

		snprintf(t + o, sizeof(t) - o, "  * %s cites it%s",
		    view_badge(r->d->findings->f[r->pin - 1].id),
		    r->npins > 1 ? " (and more: p)" : "");
	}
	ui_put(y, x, t, w, ui_attr(a, UC_HEADER), true);
}

static void
ladder_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct lad *s = p->priv;
	struct ladder_geom g;
	int lw, lh, rx, ry, rw, rh;
	char line[4096];

	if (w >= 120) {
		lw = w * 6 / 10;
		lh = h;
		rx = lw + 1;
		ry = y0;
		rw = w - rx;
		rh = h;
		for (int i = 0; i < h; i++)
			ui_put(y0 + i, lw, a->utf8 ? "\xe2\x94\x82" : "|", 1,
			    ui_attr(a, UC_NORMAL), false);
	} else {
		lw = w;
		lh = h * 55 / 100;
		if (lh < 5)
			lh = h > 5 ? 5 : h;
		rx = 0;
		ry = y0 + lh;
		rw = w;
		rh = h - lh;
	}
	view_ladder_geom(&s->l, lw, &g);
	if (s->xoff > g.total - lw)
		s->xoff = g.total - lw > 0 ? g.total - lw : 0;
	ui_put(y0, 0, view_ladder_header(&s->l, &g, s->xoff, lw, a->utf8,
	    line, sizeof(line)), lw, ui_attr(a, UC_HEADER) | A_BOLD, true);
	ui_scroll(s->cur, &s->top, lh - 1);
	for (int i = 0; i < lh - 1; i++) {
		size_t k = s->top + (size_t)i;
		int attr;

		if (k >= s->l.nrows)
			break;
		view_ladder_line(&s->l, k, &g, s->xoff, lw, a->utf8, line,
		    sizeof(line));
		attr = k == s->cur ? ui_attr(a, UC_SELECT) :
		    (long)k == s->mark ? (int)(ui_attr(a, UC_MARK) | A_REVERSE) :
		    row_attr(a, &s->l.rows[k]);
		ui_put(y0 + 1 + i, 0, line, lw, attr, k == s->cur);
	}
	if (rh < 2)
		return;
	load_lines(s);
	draw_msg_title(a, s, ry, rx, rw);
	for (int i = 0; i < rh - 1 && s->have_lines; i++) {
		size_t k = s->rawtop + (size_t)i;

		if (k >= s->lines.n)
			break;
		ui_put(ry + 1 + i, rx, s->lines.v[k], rw, ui_attr(a, UC_NORMAL),
		    false);
	}
}

static int
ladder_key(struct panel *p, struct app *a, int ch)
{
	struct lad *s = p->priv;
	const struct ladder_row *r = s->cur < s->l.nrows ?
	    &s->l.rows[s->cur] : NULL;
	struct ladder_geom g;

	view_ladder_geom(&s->l, COLS, &g);
	if (ui_move(ch, &s->cur, s->l.nrows, LINES / 2))
		return PK_HANDLED;
	switch (ch) {
	case KEY_LEFT: case 'h':
		s->xoff = s->xoff > g.colw / 2 ? s->xoff - g.colw / 2 : 0;
		return PK_HANDLED;
	case KEY_RIGHT: case 'l':
		s->xoff += g.colw / 2;
		return PK_HANDLED;
	case '[':
		if (s->rawtop > 0)
			s->rawtop--;
		return PK_HANDLED;
	case ']':
		if (s->have_lines && s->rawtop + 1 < s->lines.n)
			s->rawtop++;
		return PK_HANDLED;
	case '\n': case '\r': case KEY_ENTER:
		if (r == NULL)
			return PK_HANDLED;
		if (r->kind == LADDER_MSG)
			ui_push(a, msgview_panel_new(r->d, r->idx));
		else
			ui_push(a, rtpview_panel_new(&r->d, 1));
		return PK_HANDLED;
	case ' ':
		if (r != NULL && r->kind == LADDER_MSG)
			s->mark = s->mark == (long)s->cur ? -1 : (long)s->cur;
		return PK_HANDLED;
	case 'd':
		if (r == NULL || r->kind != LADDER_MSG || s->mark < 0 ||
		    s->mark == (long)s->cur) {
			ui_status(a, "mark a message with Space, select another, "
			    "then press d");
			return PK_HANDLED;
		}
		ui_push(a, diff_panel_new(s->l.rows[s->mark].d,
		    s->l.rows[s->mark].idx, r->d, r->idx));
		return PK_HANDLED;
	case 'p':
		ui_push(a, symptoms_panel_new(s->ds, s->nd));
		return PK_HANDLED;
	case 'r':
		ui_push(a, rtpview_panel_new(s->ds, s->nd));
		return PK_HANDLED;
	}
	return PK_UNHANDLED;
}

static void
ladder_destroy(struct panel *p)
{
	struct lad *s = p->priv;

	if (s->have_lines)
		view_lines_free(&s->lines);
	view_ladder_free(&s->l);
	free(s->ds);
	free(s);
	free(p);
}

static const struct panel_ops ladder_ops = {
	"Ladder",
	"Enter open  Spc mark  d compare  h/l scroll  [/] text  p symptoms  "
	"r RTP  ? help  q back",
	ladder_help, ladder_draw, ladder_key, ladder_destroy
};

struct panel *
ladder_panel_new(const struct dialog *const *ds, size_t n, long sel_cap,
    long sel_frame)
{
	const struct dialog **copy;
	struct panel *p = ui_panel_alloc(&ladder_ops, sizeof(struct lad), ds,
	    n, &copy);
	struct lad *s;

	if (p == NULL)
		return NULL;
	s = p->priv;
	s->ds = copy;
	s->nd = n;
	s->mark = -1;
	if (view_ladder_build(&s->l, s->ds, n) < 0) {
		ladder_destroy(p);
		return NULL;
	}
	if (sel_cap >= 0 && sel_frame > 0) {
		long r = view_ladder_find_frame(&s->l, (uint32_t)sel_cap,
		    (uint64_t)sel_frame);

		if (r >= 0)
			s->cur = (size_t)r;
	}
	return p;
}
