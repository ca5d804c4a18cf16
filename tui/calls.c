/*
 * calls.c - the call list panel: one row per dialog with the configured
 * columns, sorting, filters, marks, and the actions that open the other
 * panels or write files.
 *
 * The rows are the app's filtered and sorted array (app_refilter); this
 * file only draws them and maps keys to changes of the filter and sort.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/outfile.h"
#include "detect/detect.h"
#include "export.h"
#include "ui.h"

static const struct keyhelp calls_help[] = {
	{ "Enter", "ladder of the marked dialogs (or the current one)" },
	{ "Space", "mark / unmark the current dialog" },
	{ "a  u", "mark every shown dialog / clear the marks" },
	{ "< >", "sort by the previous / next column" },
	{ "1..9", "sort by column N; again: reverse" },
	{ "S", "reverse the sort order" },
	{ "/", "filter: text in From, To, Call-ID, state, symptoms or any message" },
	{ "m", "filter: dialogs with a request of this method" },
	{ "t", "filter: dialog state (setup, ringing, in call, ...)" },
	{ "y", "filter: symptom id or badge (any = with findings)" },
	{ "c", "only calls (INVITE dialogs) on / off" },
	{ "x", "clear every filter" },
	{ "p", "symptoms of the marked / current dialogs" },
	{ "r", "RTP streams of the marked / current dialogs" },
	{ "w", "save the marked / current dialogs (SIP + RTP) to a pcap" },
	{ "e", "export the shown call list to CSV" },
	{ "q Esc", "quit (pair mode: back to the pair list)" },
	{ NULL, NULL }
};

/*
 * A joined call's JOIN#N is never cut (a cut number names another
 * dialog): when a shown row's is wider than the symptoms column, the
 * column takes the room from the flexible ones (From, To, Call-ID),
 * widest first, none below its minimum.  The JOIN#N of a dialog number
 * past 999 is wider than the column at 80 columns.
 */
static void
widen_for_join(const struct app *a, int body, int *cw)
{
	int s = -1, need = 0;

	for (int i = 0; i < a->ncols; i++)
		if (a->cols[i] == VCOL_SYMPTOMS)
			s = i;
	for (int i = 0; s >= 0 && i < body && a->top + (size_t)i < a->nrows;
	    i++) {
		const struct view_row *r = a->rows[a->top + (size_t)i];
		char j[32];
		int n;

		if (r->join_id == 0)
			continue;
		n = snprintf(j, sizeof(j), "JOIN#%" PRIu64, r->join_id);
		if (n > need)
			need = n;
	}
	while (s >= 0 && cw[s] < need) {
		int k = -1;

		for (int i = 0; i < a->ncols; i++)
			if (view_cols[a->cols[i]].maxw == 0 &&
			    cw[i] > view_cols[a->cols[i]].minw &&
			    (k < 0 || cw[i] > cw[k]))
				k = i;
		if (k < 0)
			break;
		cw[k]--;
		cw[s]++;
	}
}

static void
calls_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	int cw[VCOL_COUNT];
	char line[2048], head[1024];
	int body = h - 1;

	(void)p;
	view_layout(a->cols, a->ncols, w - 2, cw);
	ui_scroll(a->cur, &a->top, body);
	widen_for_join(a, body, cw);
	view_header_text(a->cols, a->ncols, cw, head, sizeof(head));
	/* Mark the sort column in the header. */
	{
		size_t x = 2;

		for (int i = 0; i < a->ncols; i++) {
			if (a->cols[i] == a->sort) {
				size_t tl = strlen(view_cols[a->cols[i]].title);

				if (view_cols[a->cols[i]].right)
					x += (size_t)cw[i] - tl;
				if (x - 2 + tl < strlen(head) && tl < (size_t)cw[i])
					head[x - 2 + tl] = a->desc ? 'v' : '^';
				break;
			}
			x += (size_t)cw[i] + 1;
		}
	}
	snprintf(line, sizeof(line), "  %s", head);
	ui_put(y0, 0, line, w, ui_attr(a, UC_HEADER) | A_BOLD, true);
	if (a->nrows == 0) {
		ui_put(y0 + 2, 2, a->nall == 0 ? "No dialogs yet." :
		    "No dialog matches the filter (x clears it).", w - 2,
		    ui_attr(a, UC_NORMAL), false);
	}
	for (int i = 0; i < body; i++) {
		size_t k = a->top + (size_t)i;
		const struct view_row *r;
		int attr;

		if (k >= a->nrows)
			break;
		r = a->rows[k];
		view_row_text(r, a->cols, a->ncols, cw, line + 2,
		    sizeof(line) - 2);
		line[0] = app_marked(a, r) ? '*' : ' ';
		line[1] = ' ';
		attr = k == a->cur ? ui_attr(a, UC_SELECT) :
		    app_marked(a, r) ? ui_attr(a, UC_MARK) :
		    r->nf > 0 ? ui_attr(a, UC_BADGE) : ui_attr(a, UC_NORMAL);
		ui_put(y0 + 1 + i, 0, line, w, attr, true);
	}
	{
		char f[300], s[360];

		view_filter_describe(&a->filt, f, sizeof(f));
		if (f[0] != '\0') {
			snprintf(s, sizeof(s), " filter: %s ", f);
			ui_put(y0 + h - 1, 0, s, w, ui_attr(a, UC_MARK), false);
		}
	}
}

static void
set_sort(struct app *a, enum view_col c)
{
	if (a->sort == c)
		a->desc = !a->desc;
	else {
		a->sort = c;
		a->desc = false;
	}
	app_refilter(a);
}

static int
col_index(const struct app *a)
{
	for (int i = 0; i < a->ncols; i++)
		if (a->cols[i] == a->sort)
			return i;
	return -1;
}

static void
save_pcap(struct app *a)
{
	char name[256] = "sipalg-selected.pcap", err[300];
	const struct dialog **sel;
	uint64_t written, skipped;
	size_t n;
	bool finished;

	pthread_mutex_lock(&a->ld.mu);
	finished = a->ld.finished;
	pthread_mutex_unlock(&a->ld.mu);
	if (!finished) {
		ui_status(a, "still loading: save when the capture is read");
		return;
	}
	n = app_selection(a, &sel);
	if (n == 0) {
		ui_status(a, "no dialog to save");
		return;
	}
	if (ui_prompt(a, "Save pcap as: ", name, sizeof(name)) &&
	    name[0] != '\0') {
		if (loader_save(&a->ld, sel, n, name, &written, &skipped, err,
		    sizeof(err)) < 0)
			ui_status(a, "cannot save: %s", err);
		else
			ui_status(a, "saved %zu dialog(s), %llu frames to %s%s", n,
			    (unsigned long long)written, name,
			    skipped ? " (frames of another link type skipped)" :
			    "");
	}
	free(sel);
}

/*
 * The shown rows as CSV, in their order.  Rows that do not hold their
 * dialog are read again EXPORT_BATCH at a time (a pass over the source
 * each), so that memory stays bounded however long the list.  Returns 0,
 * -1 (errno) or -2 with a reason in e.
 */
#define EXPORT_BATCH 4096

static int
export_rows(struct app *a, FILE *f, char *e, size_t elen)
{
	struct dialog **d = malloc(EXPORT_BATCH * sizeof(*d));
	bool *fetched = malloc(EXPORT_BATCH * sizeof(*fetched));
	struct export_csv *x = NULL;
	int rc = 0;

	if (d == NULL || fetched == NULL || (x = export_csv_begin(f)) == NULL) {
		snprintf(e, elen, "out of memory");
		rc = -2;
	}
	for (size_t i = 0; rc == 0 && i < a->nrows; i += EXPORT_BATCH) {
		size_t n = a->nrows - i < EXPORT_BATCH ? a->nrows - i :
		    EXPORT_BATCH;

		if (app_dialogs(a, a->rows + i, n, d, fetched, e, elen) < 0) {
			rc = -2;
			break;
		}
		for (size_t k = 0; k < n; k++) {
			export_csv_dialog(x, d[k]);
			if (fetched[k])
				dialog_free(d[k]);
		}
	}
	if (x != NULL && export_csv_end(x) < 0 && rc == 0)
		rc = -1;
	free(d);
	free(fetched);
	return rc;
}

static void
save_csv(struct app *a)
{
	char name[256] = "sipalg-calls.csv", e[256];
	struct outfile of;
	const char *what;
	FILE *f;
	int rc;

	if (!ui_prompt(a, "Export CSV as: ", name, sizeof(name)) ||
	    name[0] == '\0')
		return;
	/* Never over a file being browsed; written beside, then renamed. */
	if ((what = loader_is_input(&a->ld, name)) != NULL) {
		ui_status(a, "cannot write %s: it is %s (the same file); choose "
		    "another name", name, what);
		return;
	}
	if (outfile_begin(&of, name, e, sizeof(e)) != 0) {
		ui_status(a, "cannot write %s: %s", name, e);
		return;
	}
	f = fopen(of.write_path, "w");
	if (f == NULL) {
		ui_status(a, "cannot write %s: %s", name, strerror(errno));
		outfile_abort(&of);
		return;
	}
	rc = export_rows(a, f, e, sizeof(e));
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		if (rc == -1)
			snprintf(e, sizeof(e), "%s", strerror(errno));
		outfile_abort(&of);
	} else if (outfile_commit(&of, e, sizeof(e)) != 0) {
		rc = -1;
	}
	if (rc < 0)
		ui_status(a, "cannot write %s: %s", name, e);
	else
		ui_status(a, "exported %zu dialogs to %s", a->nrows, name);
}

static int
calls_key(struct panel *p, struct app *a, int ch)
{
	const struct dialog **sel;
	char buf[128];
	size_t n;
	int i;

	(void)p;
	if (ui_move(ch, &a->cur, a->nrows, LINES - 4)) {
		a->placed = true;
		return PK_HANDLED;
	}
	/* Keys that act on the current dialog place the cursor on it. */
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case ' ': case 'p': case 'r':
	case 'w':
		a->placed = true;
		break;
	}
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		n = app_selection(a, &sel);
		if (n > 0)
			ui_push(a, ladder_panel_new(sel, n, -1, -1));
		free(sel);
		return PK_HANDLED;
	case ' ':
		if (a->cur < a->nrows) {
			app_mark(a, a->rows[a->cur],
			    !app_marked(a, a->rows[a->cur]));
			if (a->cur + 1 < a->nrows)
				a->cur++;
		}
		return PK_HANDLED;
	case 'a':
		for (size_t k = 0; k < a->nrows; k++)
			app_mark(a, a->rows[k], true);
		return PK_HANDLED;
	case 'u':
		for (size_t k = 0; k < a->nall; k++)
			app_mark(a, a->all[k], false);
		return PK_HANDLED;
	case '<': case '>':
		i = col_index(a);
		i = ch == '>' ? (i + 1) % a->ncols :
		    (i <= 0 ? a->ncols - 1 : i - 1);
		a->sort = a->cols[i];
		a->desc = false;
		app_refilter(a);
		return PK_HANDLED;
	case 'S':
		a->desc = !a->desc;
		app_refilter(a);
		return PK_HANDLED;
	case '/':
		snprintf(buf, sizeof(buf), "%s", a->filt.text);
		if (ui_prompt(a, "Filter text: ", buf, sizeof(buf))) {
			snprintf(a->filt.text, sizeof(a->filt.text), "%s", buf);
			app_refilter(a);
		}
		return PK_HANDLED;
	case 'm':
		snprintf(buf, sizeof(buf), "%s", a->filt.method);
		if (ui_prompt(a, "Method (INVITE, REGISTER ...): ", buf,
		    sizeof(buf))) {
			snprintf(a->filt.method, sizeof(a->filt.method), "%.*s",
			    (int)sizeof(a->filt.method) - 1, buf);
			app_refilter(a);
		}
		return PK_HANDLED;
	case 't':
		buf[0] = '\0';
		if (ui_prompt(a, "State (setup, ringing, in call, completed, "
		    "cancelled, rejected, busy, diverted, failed, no 2xx): ", buf,
		    sizeof(buf))) {
			if (buf[0] == '\0')
				a->filt.state = -1;
			else if ((i = view_state_parse(buf)) < 0) {
				ui_status(a, "unknown state '%.40s'", buf);
				return PK_HANDLED;
			} else
				a->filt.state = i;
			app_refilter(a);
		}
		return PK_HANDLED;
	case 'y':
		snprintf(buf, sizeof(buf), "%s", a->filt.symptom);
		if (ui_prompt(a, "Symptom id or badge (any = with findings): ",
		    buf, sizeof(buf))) {
			snprintf(a->filt.symptom, sizeof(a->filt.symptom), "%.*s",
			    (int)sizeof(a->filt.symptom) - 1, buf);
			app_refilter(a);
		}
		return PK_HANDLED;
	case 'c':
		a->filt.only_calls = !a->filt.only_calls;
		app_refilter(a);
		return PK_HANDLED;
	case 'x':
		view_filter_init(&a->filt);
		app_refilter(a);
		return PK_HANDLED;
	case 'p': case 'r':
		n = app_selection(a, &sel);
		if (n > 0)
			ui_push(a, ch == 'p' ? symptoms_panel_new(sel, n) :
			    rtpview_panel_new(sel, n));
		free(sel);
		return PK_HANDLED;
	case 'w':
		save_pcap(a);
		return PK_HANDLED;
	case 'e':
		save_csv(a);
		return PK_HANDLED;
	case 'q': case 'Q': case 27:
		/* Opened from pair mode's list: back to it. */
		if (a->depth > 1)
			return PK_CLOSE;
		a->quit = true;
		return PK_HANDLED;
	default:
		if (ch >= '1' && ch <= '9' && ch - '1' < a->ncols) {
			set_sort(a, a->cols[ch - '1']);
			return PK_HANDLED;
		}
	}
	return PK_UNHANDLED;
}

static void
calls_destroy(struct panel *p)
{
	free(p);
}

static const struct panel_ops calls_ops = {
	"Call list",
	"Enter ladder  Spc mark  </> sort  / search  y symptom  c calls  "
	"p symptoms  r RTP  w pcap  e CSV  ? help  q quit",
	calls_help, calls_draw, calls_key, calls_destroy
};

struct panel *
calls_panel_new(void)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (p != NULL)
		p->ops = &calls_ops;
	return p;
}
