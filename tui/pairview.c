/*
 * pairview.c - pair mode's panels (--inside/--outside): the list of
 * compared dialogs with a badge for the worst class of their pairs, one
 * dialog's pairs with the fields the router changed, and the summary with
 * the NAT mapping table and the ALG profile guess.
 *
 * The text comes from pairs.c; this file places it and maps keys.  The
 * side-by-side view of a pair is the comparison panel (msgview.c) on the
 * two copies as the normal analysis of each capture found them: a copy is
 * looked up by Call-ID and frame number (first copy or a retransmission),
 * so a message the analysis dropped (caps) can only be shown as changes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "ui.h"

/* ---- finding the analysed copies ---- */

static bool
same_call_id(const struct dialog *d, const char *cid)
{
	size_t n = strnlen(cid, 127);

	return n > 0 && strncmp(d->call_id, cid, n) == 0 &&
	    (n == 127 || d->call_id[n] == '\0');
}

/* The dialog of side s holding frame (0: any) with Call-ID cid; *msg is
 * the message index, or -1 when no message has that frame. */
static const struct dialog *
find_copy(struct app *a, int s, const char *cid, uint64_t frame, long *msg)
{
	bool in = s == DIFF_INSIDE && a->ld.ps != NULL;
	size_t n;
	const struct dialog *hit = NULL;

	*msg = -1;
	pthread_mutex_lock(&a->ld.mu);
	/* Pair mode keeps the outside's dialogs whole on their rows. */
	n = in ? a->ld.ps->nin : a->ld.n;
	for (size_t i = 0; i < n && *msg < 0; i++) {
		const struct dialog *d = in ? a->ld.ps->in[i] : a->ld.v[i]->d;

		if (d == NULL || !same_call_id(d, cid))
			continue;
		if (hit == NULL)
			hit = d;
		for (size_t k = 0; frame != 0 && k < d->nmsgs; k++) {
			const struct dmsg *m = &d->msgs[k];
			bool found = m->frame == frame || m->first_frame == frame;

			for (uint32_t j = 0; !found && j < m->retrans &&
			    j < DIALOG_RETRANS_KEPT; j++)
				found = m->retrans_frame[j] == frame;
			if (found) {
				hit = d;
				*msg = (long)k;
				break;
			}
		}
	}
	pthread_mutex_unlock(&a->ld.mu);
	return hit;
}

static const char *
pair_cid(const struct pair_dialog *pd, int s)
{
	for (int i = 0; i < pd->npairs; i++)
		if (pd->pairs[i].call_id[s][0] != '\0')
			return pd->pairs[i].call_id[s];
	return pd->call_id;
}

static bool
loading(struct app *a)
{
	bool f;

	pthread_mutex_lock(&a->ld.mu);
	f = a->ld.finished;
	pthread_mutex_unlock(&a->ld.mu);
	return !f;
}

static int
class_attr(const struct app *a, enum diff_class c)
{
	switch (c) {
	case DIFF_IDENTICAL:
		return ui_attr(a, UC_NORMAL);
	case DIFF_CONSISTENT:
		return ui_attr(a, UC_OK);
	default:
		return ui_attr(a, UC_ERROR);
	}
}

/* Opens the ladder of side s's dialog for pd, at frame when given. */
static void
open_ladder(struct app *a, const struct pair_dialog *pd, int s,
    uint64_t frame)
{
	const struct dialog *d;
	long msg;

	if (loading(a)) {
		ui_status(a, "still analysing: the ladder is there once the "
		    "captures are read");
		return;
	}
	d = find_copy(a, s, pair_cid(pd, s), frame, &msg);
	if (d == NULL) {
		ui_status(a, "the analysis of the %s capture has no dialog with "
		    "this Call-ID", s == DIFF_INSIDE ? "inside" : "outside");
		return;
	}
	ui_push(a, ladder_panel_new(&d, 1, msg >= 0 ? (long)d->msgs[msg].cap_idx
	    : -1, msg >= 0 ? (long)d->msgs[msg].frame : -1));
}

/* ---- the pair list ---- */

struct plist {
	size_t cur, top;
};

static const struct keyhelp pairlist_help[] = {
	{ "Enter", "the pairs of this dialog (inside vs outside)" },
	{ "s", "summary: NAT mappings and the ALG profile guess" },
	{ "l  L", "ladder of the outside / inside copy of the dialog" },
	{ "p", "symptoms of the outside copy (normal analysis)" },
	{ "c", "call list of the outside capture (normal analysis)" },
	{ "q Esc", "quit" },
	{ NULL, NULL }
};

static void
pairlist_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct plist *s = p->priv;
	char line[1024];

	view_pairlist_header(w - 2, line + 2, sizeof(line) - 2);
	line[0] = line[1] = ' ';
	ui_put(y0, 0, line, w, ui_attr(a, UC_HEADER) | A_BOLD, true);
	if (a->npds == 0) {
		pthread_mutex_lock(&a->ld.mu);
		snprintf(line, sizeof(line), "%s", a->ld.finished ?
		    (a->ld.err[0] ? a->ld.err : "No SIP dialog in common.") :
		    "Comparing the captures...");
		pthread_mutex_unlock(&a->ld.mu);
		ui_put(y0 + 2, 2, line, w - 2, ui_attr(a, UC_NORMAL), false);
	}
	ui_scroll(s->cur, &s->top, h - 1);
	for (int i = 0; i < h - 1; i++) {
		size_t k = s->top + (size_t)i;
		const struct pair_dialog *pd;

		if (k >= a->npds)
			break;
		pd = a->pds[k];
		view_pairlist_row(pd, w - 2, line + 2, sizeof(line) - 2);
		line[0] = line[1] = ' ';
		ui_put(y0 + 1 + i, 0, line, w, k == s->cur ?
		    ui_attr(a, UC_SELECT) : pd->worst == DIFF_IDENTICAL ?
		    ui_attr(a, UC_NORMAL) : pd->worst == DIFF_CONSISTENT ?
		    ui_attr(a, UC_OK) : ui_attr(a, UC_BADGE), true);
	}
}

static int
pairlist_key(struct panel *p, struct app *a, int ch)
{
	struct plist *s = p->priv;
	const struct pair_dialog *pd = s->cur < a->npds ? a->pds[s->cur] : NULL;
	const struct dialog *d;
	long msg;

	if (ui_move(ch, &s->cur, a->npds, LINES - 4))
		return PK_HANDLED;
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		if (pd != NULL)
			ui_push(a, pairview_panel_new(pd));
		return PK_HANDLED;
	case 's':
		ui_push(a, pairsum_panel_new());
		return PK_HANDLED;
	case 'l': case 'L':
		if (pd != NULL)
			open_ladder(a, pd, ch == 'l' ? DIFF_OUTSIDE : DIFF_INSIDE,
			    0);
		return PK_HANDLED;
	case 'p':
		if (pd == NULL)
			return PK_HANDLED;
		d = loading(a) ? NULL : find_copy(a, DIFF_OUTSIDE,
		    pair_cid(pd, DIFF_OUTSIDE), 0, &msg);
		if (d == NULL)
			ui_status(a, "no analysed outside dialog for this Call-ID "
			    "(yet)");
		else
			ui_push(a, symptoms_panel_new(&d, 1));
		return PK_HANDLED;
	case 'c':
		ui_push(a, calls_panel_new());
		return PK_HANDLED;
	case 'q': case 'Q': case 27:
		a->quit = true;
		return PK_HANDLED;
	}
	return PK_UNHANDLED;
}

static void
plain_destroy(struct panel *p)
{
	free(p->priv);
	free(p);
}

static const struct panel_ops pairlist_ops = {
	"Pairs",
	"Enter pairs  s summary  l/L ladder out/in  p symptoms  c calls  "
	"? help  q quit",
	pairlist_help, pairlist_draw, pairlist_key, plain_destroy
};

struct panel *
pairlist_panel_new(void)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct plist *s = calloc(1, sizeof(*s));

	if (p == NULL || s == NULL) {
		free(p);
		free(s);
		return NULL;
	}
	p->ops = &pairlist_ops;
	p->priv = s;
	return p;
}

/* ---- one dialog's pairs ---- */

struct pview {
	const struct pair_dialog *pd;
	size_t cur, top, dtop;
};

static const struct keyhelp pairview_help[] = {
	{ "Up Down j k", "select a pair" },
	{ "Enter d", "inside and outside copy side by side, changes "
	    "highlighted" },
	{ "[ ]", "scroll the changes" },
	{ "l  L", "the pair's message in the outside / inside ladder" },
	{ "s", "summary: NAT mappings and the ALG profile guess" },
	{ "q Esc", "back to the list" },
	{ NULL, NULL }
};

static void
copy_line(const struct diff_pair *pr, int s, char *buf, size_t n)
{
	const struct diff_copy *c = &pr->copy[s];
	char tm[40], sa[NETADDR_STRLEN], da[NETADDR_STRLEN];

	if (!c->present) {
		snprintf(buf, n, "  %-7s -", s == DIFF_INSIDE ? "inside" :
		    "outside");
		return;
	}
	snprintf(buf, n, "  %-7s frame %-6" PRIu64 " %s  %s -> %s%s",
	    s == DIFF_INSIDE ? "inside" : "outside", c->frame,
	    view_clock(c->ts_ns, tm, sizeof(tm)), ep_str(&c->src, sa, sizeof(sa)),
	    ep_str(&c->dst, da, sizeof(da)), c->cl_stale ? "  stale CL" : "");
}

static void
pairview_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct pview *s = p->priv;
	const struct pair_dialog *pd = s->pd;
	const struct diff_pair *pr;
	char line[2048], tmp[1024];
	int ph, y, dh;

	text_escape(tmp, sizeof(tmp), pd->call_id, strnlen(pd->call_id,
	    sizeof(pd->call_id)));
	snprintf(line, sizeof(line), " %s  %d pair%s  worst: %s", tmp,
	    pd->npairs, pd->npairs == 1 ? "" : "s", pair_class_text(pd->worst));
	ui_put(y0, 0, line, w, ui_attr(a, UC_HEADER) | A_BOLD, true);
	if (pd->npairs == 0)
		return;
	ph = pd->npairs;
	if (ph > (h - 1) / 2)
		ph = (h - 1) / 2;
	if (ph < 1)
		ph = 1;
	ui_scroll(s->cur, &s->top, ph);
	for (int i = 0; i < ph; i++) {
		size_t k = s->top + (size_t)i;
		char tm[40];

		if (k >= (size_t)pd->npairs)
			break;
		pr = &pd->pairs[k];
		view_pair_row(pr, tmp, sizeof(tmp));
		snprintf(line, sizeof(line), " %s %s", view_clock(
		    pr->copy[pr->copy[0].present ? 0 : 1].ts_ns, tm, sizeof(tm)),
		    tmp);
		ui_put(y0 + 1 + i, 0, line, w, k == s->cur ?
		    ui_attr(a, UC_SELECT) : class_attr(a, pr->cls), true);
	}
	pr = &pd->pairs[s->cur];
	y = y0 + 1 + ph;
	ui_put(y++, 0, " copies and changes (before -> after = ingress -> "
	    "egress)", w, ui_attr(a, UC_HEADER), true);
	dh = y0 + h - y;
	/* The detail lines, scrolled by dtop. */
	{
		struct view_lines l;
		int r = 0;

		view_lines_init(&l);
		copy_line(pr, DIFF_INSIDE, line, sizeof(line));
		r |= view_lines_add(&l, line);
		copy_line(pr, DIFF_OUTSIDE, line, sizeof(line));
		r |= view_lines_add(&l, line);
		if (pr->reason[0]) {
			text_escape(tmp, sizeof(tmp), pr->reason,
			    strnlen(pr->reason, sizeof(pr->reason)));
			snprintf(line, sizeof(line), "! %s: %s",
			    pair_class_text(pr->cls), tmp);
			r |= view_lines_add(&l, line);
		}
		if (pr->private_leak[0]) {
			text_escape(tmp, sizeof(tmp), pr->private_leak,
			    strnlen(pr->private_leak, sizeof(pr->private_leak)));
			snprintf(line, sizeof(line), "! private address left in "
			    "the outside copy: %s", tmp);
			r |= view_lines_add(&l, line);
		}
		for (int i = 0; i < pr->nch; i++) {
			view_change_text(&pr->ch[i], tmp, sizeof(tmp));
			snprintf(line, sizeof(line), "  %s", tmp);
			r |= view_lines_add(&l, line);
		}
		if (pr->cls == DIFF_IDENTICAL)
			r |= view_lines_add(&l, "  SIP bytes identical: only the "
			    "packet's addresses and ports differ (NAT)");
		if (pr->changes_truncated)
			r |= view_lines_add(&l, "  (more changes not kept)");
		if (s->dtop >= l.n)
			s->dtop = l.n ? l.n - 1 : 0;
		for (int i = 0; r == 0 && i < dh; i++) {
			size_t k = s->dtop + (size_t)i;
			const char *t;

			if (k >= l.n)
				break;
			t = l.v[k];
			ui_put(y + i, 0, t, w, t[0] == '!' || (t[0] == ' ' &&
			    t[2] == '!') ? ui_attr(a, UC_ERROR) : k >= 2 ?
			    ui_attr(a, UC_MARK) : ui_attr(a, UC_NORMAL), false);
		}
		view_lines_free(&l);
	}
}

static int
pairview_key(struct panel *p, struct app *a, int ch)
{
	struct pview *s = p->priv;
	const struct pair_dialog *pd = s->pd;
	const struct diff_pair *pr;
	const struct dialog *d[2];
	long m[2];
	size_t old = s->cur;

	if (ui_move(ch, &s->cur, (size_t)pd->npairs, (LINES - 3) / 2)) {
		if (s->cur != old)
			s->dtop = 0;
		return PK_HANDLED;
	}
	if (pd->npairs == 0)
		return PK_UNHANDLED;
	pr = &pd->pairs[s->cur];
	switch (ch) {
	case '[':
		if (s->dtop > 0)
			s->dtop--;
		return PK_HANDLED;
	case ']':
		s->dtop++;
		return PK_HANDLED;
	case 's':
		ui_push(a, pairsum_panel_new());
		return PK_HANDLED;
	case 'l': case 'L': {
		int side = ch == 'l' ? DIFF_OUTSIDE : DIFF_INSIDE;

		open_ladder(a, pd, side, pr->copy[side].present ?
		    pr->copy[side].frame : 0);
		return PK_HANDLED;
	}
	case '\n': case '\r': case KEY_ENTER: case 'd':
		if (!pr->copy[0].present || !pr->copy[1].present) {
			ui_status(a, "%s: only the %s copy exists",
			    pair_class_text(pr->cls), pr->copy[0].present ?
			    "inside" : "outside");
			return PK_HANDLED;
		}
		if (loading(a)) {
			ui_status(a, "still analysing: the message text is there "
			    "once the captures are read");
			return PK_HANDLED;
		}
		for (int k = 0; k < 2; k++)
			d[k] = find_copy(a, k, pr->call_id[k][0] ?
			    pr->call_id[k] : pd->call_id, pr->copy[k].frame, &m[k]);
		if (d[0] == NULL || d[1] == NULL || m[0] < 0 || m[1] < 0) {
			ui_status(a, "the analysis did not keep the %s copy "
			    "(frame %" PRIu64 "): only the changes are shown",
			    d[0] == NULL || m[0] < 0 ? "inside" : "outside",
			    pr->copy[d[0] == NULL || m[0] < 0 ? 0 : 1].frame);
			return PK_HANDLED;
		}
		ui_push(a, diff_panel_new_sides(d[0], (size_t)m[0], d[1],
		    (size_t)m[1], "inside", "outside"));
		return PK_HANDLED;
	}
	return PK_UNHANDLED;
}

static const struct panel_ops pairview_ops = {
	"Pair",
	"Enter side by side  [/] changes  l/L ladder out/in  s summary  "
	"? help  q back",
	pairview_help, pairview_draw, pairview_key, plain_destroy
};

struct panel *
pairview_panel_new(const struct pair_dialog *pd)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct pview *s = calloc(1, sizeof(*s));

	if (p == NULL || s == NULL) {
		free(p);
		free(s);
		return NULL;
	}
	s->pd = pd;
	p->ops = &pairview_ops;
	p->priv = s;
	return p;
}

/* ---- summary ---- */

struct psum {
	struct view_lines l;
	bool built;
	size_t top;
};

static const struct keyhelp pairsum_help[] = {
	{ "Up Down j k", "scroll" },
	{ "q Esc", "back" },
	{ NULL, NULL }
};

static void
pairsum_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct psum *s = p->priv;

	if (!s->built) {
		bool have;

		pthread_mutex_lock(&a->ld.mu);
		have = a->ld.ps != NULL && a->ld.ps->have_summary;
		pthread_mutex_unlock(&a->ld.mu);
		if (!have) {
			ui_put(y0 + 1, 2, "The summary is there once both captures "
			    "are compared.", w - 2, ui_attr(a, UC_NORMAL), false);
			return;
		}
		view_lines_init(&s->l);
		if (view_pair_summary_lines(&s->l, a->ld.ps->summary) < 0) {
			view_lines_free(&s->l);
			ui_status(a, "out of memory");
			return;
		}
		s->built = true;
	}
	for (int i = 0; i < h; i++) {
		size_t k = s->top + (size_t)i;
		const char *t;

		if (k >= s->l.n)
			break;
		t = s->l.v[k];
		ui_put(y0 + i, 0, t, w, t[0] != ' ' && t[0] != '\0' ?
		    ui_attr(a, UC_HEADER) : ui_attr(a, UC_NORMAL), t[0] != ' ' &&
		    t[0] != '\0');
	}
}

static int
pairsum_key(struct panel *p, struct app *a, int ch)
{
	struct psum *s = p->priv;

	(void)a;
	if (ui_move(ch, &s->top, s->l.n, LINES - 2))
		return PK_HANDLED;
	return PK_UNHANDLED;
}

static void
pairsum_destroy(struct panel *p)
{
	struct psum *s = p->priv;

	if (s->built)
		view_lines_free(&s->l);
	free(s);
	free(p);
}

static const struct panel_ops pairsum_ops = {
	"Summary", "Up/Down scroll  ? help  q back", pairsum_help, pairsum_draw,
	pairsum_key, pairsum_destroy
};

struct panel *
pairsum_panel_new(void)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct psum *s = calloc(1, sizeof(*s));

	if (p == NULL || s == NULL) {
		free(p);
		free(s);
		return NULL;
	}
	p->ops = &pairsum_ops;
	p->priv = s;
	return p;
}
