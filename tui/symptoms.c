/*
 * symptoms.c - the symptom panel: each finding of the selected dialogs
 * (detect.h) with its summary, the mechanism that explains it, the
 * evidence (frame, field, value as captured) and the remediation.  A
 * call's heading is followed by its RTP packets each way and its media
 * legs per direction and segment with their state (view_media.c).  The
 * dialog's advisories (risks that caused no failure, detect.h) follow
 * its findings in a section of their own, each marked "~ advisory", in
 * another colour, and are not counted as findings.
 *
 * Enter on an evidence line opens the ladder of that dialog with the
 * evidence's frame selected.  The lines are rebuilt when the width
 * changes so the prose wraps to the screen.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "base/text.h"
#include "ui.h"

enum sl_kind { SL_TITLE, SL_ADVISORY, SL_TEXT, SL_EVIDENCE, SL_HEAD };

struct sline {
	enum sl_kind kind;
	char *text;
	const struct dialog *d;
	uint32_t cap_idx;
	uint64_t frame;
};

struct sym {
	const struct dialog **ds;
	size_t nd;
	struct sline *l;
	size_t n, cap, cur, top;
	int width;
	size_t nfindings;
};

static const struct keyhelp symptoms_help[] = {
	{ "Up Down j k", "move between lines" },
	{ "Enter", "on an evidence line: that frame in the ladder" },
	{ "q Esc", "back" },
	{ NULL, NULL }
};

static void
add(struct sym *s, enum sl_kind k, const char *t, const struct dialog *d,
    uint32_t cap, uint64_t frame)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct sline *v = realloc(s->l, nc * sizeof(*v));

		if (v == NULL)
			return;
		s->l = v;
		s->cap = nc;
	}
	s->l[s->n].text = strdup(t);
	if (s->l[s->n].text == NULL)
		return;
	s->l[s->n].kind = k;
	s->l[s->n].d = d;
	s->l[s->n].cap_idx = cap;
	s->l[s->n].frame = frame;
	s->n++;
}

/* Adds text wrapped at width with an indent. */
static void
add_wrapped(struct sym *s, const char *prefix, const char *text, int width)
{
	char line[1024];
	size_t pl = strlen(prefix), len = strlen(text), i = 0;
	size_t room = width > (int)pl + 10 ? (size_t)width - pl : 10;

	while (i < len) {
		size_t take = len - i, cut;

		if (take > room) {
			cut = room;
			while (cut > 0 && text[i + cut] != ' ')
				cut--;
			take = cut > 0 ? cut : room;
		}
		if (take > sizeof(line) - pl - 1)
			take = sizeof(line) - pl - 1;
		snprintf(line, sizeof(line), "%s%.*s", i == 0 ? prefix : "",
		    (int)take, text + i);
		if (i > 0) {
			memmove(line + pl, line, strlen(line) + 1);
			memset(line, ' ', pl);
		}
		add(s, SL_TEXT, line, NULL, 0, 0);
		i += take;
		while (i < len && text[i] == ' ')
			i++;
	}
}

static void
sym_clear(struct sym *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->l[i].text);
	s->n = 0;
}

/*
 * One finding (or advisory): its title line "[BADGE] id (NN%): summary"
 * after mark, why, the evidence lines (Enter opens the ladder there) and
 * the fix.
 */
static void
add_finding(struct sym *s, const struct dialog *d, const struct finding *f,
    const char *mark, int width)
{
	char buf[1024], esc[600], tm[40];

	text_escape(esc, sizeof(esc), f->summary,
	    strnlen(f->summary, sizeof(f->summary)));
	snprintf(buf, sizeof(buf), "%s[%s] %s (%.0f%%): %s", mark,
	    f->id ? view_badge(f->id) : "?", f->id ? f->id : "?",
	    f->confidence * 100, esc);
	add(s, *mark != '\0' ? SL_ADVISORY : SL_TITLE, buf, d, 0, 0);
	if (f->explanation != NULL)
		add_wrapped(s, "  Why: ", f->explanation, width);
	if (f->nev > 0)
		add(s, SL_TEXT, "  Evidence (Enter: show in ladder):", NULL, 0, 0);
	for (int k = 0; k < f->nev && k < DETECT_MAX_EVIDENCE; k++) {
		const struct evidence *e = &f->ev[k];
		char fld[100];

		text_escape(fld, sizeof(fld), e->field,
		    strnlen(e->field, sizeof(e->field)));
		text_escape(esc, sizeof(esc), e->value,
		    strnlen(e->value, sizeof(e->value)));
		if (e->frame > 0)
			snprintf(buf, sizeof(buf),
			    "   > frame %" PRIu64 " %s  %s: %s", e->frame,
			    view_clock(e->ts_ns, tm, sizeof(tm)), fld, esc);
		else
			snprintf(buf, sizeof(buf), "   - %s: %s", fld, esc);
		add(s, SL_EVIDENCE, buf, d, e->cap_idx, e->frame);
	}
	if (f->remediation != NULL)
		add_wrapped(s, "  Fix: ", f->remediation, width);
}

/*
 * The dialog's advisories (detect.h: risks that have caused no failure),
 * in a section of their own after its findings, each title marked "~"
 * as sipalg-analyze's text report marks them; never counted as findings.
 */
static void
add_advisories(struct sym *s, const struct dialog *d, int width)
{
	const struct findings *fs = d->findings;
	char buf[128];

	if (fs == NULL || fs->nadv == 0)
		return;
	snprintf(buf, sizeof(buf), "  Advisories (%d: risks, not symptoms "
	    "found):", fs->nadv);
	add(s, SL_TEXT, buf, NULL, 0, 0);
	for (int j = 0; j < fs->nadv && j < DETECT_MAX_ADVISORIES; j++)
		add_finding(s, d, &fs->adv[j], "~ advisory ", width);
}

static void
build(struct sym *s, int width)
{
	char buf[1024], cid[300];

	sym_clear(s);
	s->nfindings = 0;
	s->width = width;
	for (size_t i = 0; i < s->nd; i++) {
		const struct dialog *d = s->ds[i];
		const struct findings *fs = d->findings;

		text_escape(cid, sizeof(cid), d->call_id, strlen(d->call_id));
		snprintf(buf, sizeof(buf), "Dialog %" PRIu64 "  %s  Call-ID %s",
		    d->id, dialog_state_name(d->state), cid);
		add(s, SL_HEAD, buf, d, 0, 0);
		if (d->join.id != 0) {
			char j[1400];

			add_wrapped(s, "  joined: ", view_join(d, j, sizeof(j)),
			    width);
		}
		if (d->kind == DIALOG_CALL) {
			char m[400];

			snprintf(buf, sizeof(buf), "  %s", view_rtp_dirs(d, m,
			    sizeof(m)));
			add(s, SL_TEXT, buf, NULL, 0, 0);
			if (view_media_legs(d, m, sizeof(m))[0] != '\0')
				add_wrapped(s, "  media: ", m, width);
		}
		if (fs == NULL || fs->n == 0) {
			add(s, SL_TEXT, "  No symptoms found in this dialog.",
			    NULL, 0, 0);
			add_advisories(s, d, width);
			continue;
		}
		for (int j = 0; j < fs->n; j++) {
			s->nfindings++;
			add_finding(s, d, &fs->f[j], "", width);
		}
		add_advisories(s, d, width);
	}
	if (s->cur >= s->n)
		s->cur = s->n ? s->n - 1 : 0;
}

static void
symptoms_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct sym *s = p->priv;

	if (w != s->width)
		build(s, w);
	ui_scroll(s->cur, &s->top, h);
	for (int i = 0; i < h; i++) {
		size_t k = s->top + (size_t)i;
		int attr;

		if (k >= s->n)
			break;
		attr = k == s->cur ? ui_attr(a, UC_SELECT) :
		    s->l[k].kind == SL_HEAD ? ui_attr(a, UC_HEADER) :
		    s->l[k].kind == SL_TITLE ? ui_attr(a, UC_BADGE) :
		    s->l[k].kind == SL_ADVISORY ? ui_attr(a, UC_MARK) :
		    s->l[k].kind == SL_EVIDENCE ? ui_attr(a, UC_REQUEST) :
		    ui_attr(a, UC_NORMAL);
		ui_put(y0 + i, 0, s->l[k].text, w, attr,
		    k == s->cur || s->l[k].kind == SL_HEAD);
	}
}

static int
symptoms_key(struct panel *p, struct app *a, int ch)
{
	struct sym *s = p->priv;

	if (ui_move(ch, &s->cur, s->n, LINES - 2))
		return PK_HANDLED;
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		const struct sline *l = s->cur < s->n ? &s->l[s->cur] : NULL;

		if (l == NULL || l->kind != SL_EVIDENCE || l->frame == 0) {
			ui_status(a, "select an evidence line with a frame");
			return PK_HANDLED;
		}
		/* Through the app: the ladder opens this panel too. */
		ui_push(a, a->ladder_new(&l->d, 1, (long)l->cap_idx,
		    (long)l->frame));
		return PK_HANDLED;
	}
	return PK_UNHANDLED;
}

static void
symptoms_destroy(struct panel *p)
{
	struct sym *s = p->priv;

	sym_clear(s);
	free(s->l);
	free(s->ds);
	free(s);
	free(p);
}

static const struct panel_ops symptoms_ops = {
	"Symptoms", "Up/Down move  Enter evidence in ladder  ? help  q back",
	symptoms_help, symptoms_draw, symptoms_key, symptoms_destroy
};

struct panel *
symptoms_panel_new(const struct dialog *const *ds, size_t n)
{
	const struct dialog **copy;
	struct panel *p = ui_panel_alloc(&symptoms_ops, sizeof(struct sym), ds, n,
	    &copy);
	struct sym *s;

	if (p == NULL)
		return NULL;
	s = p->priv;
	s->ds = copy;
	s->nd = n;
	s->width = -1;
	return p;
}
