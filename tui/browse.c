/*
 * browse.c - sipalg-browse, the interactive dialog browser: main(), the
 * loader thread, the panel stack and the shared drawing helpers.
 *
 * Loading: the analysis (analysis.h) reads a capture to the end in one
 * call, so it runs on a background thread; each finished dialog is kept
 * (on_dialog returns true) and appended to a mutex-protected array, and
 * progress figures are updated the same way.  The UI thread polls input
 * every 100 ms, copies the array when it grew and redraws: the call list
 * fills while the file is read and the title line shows the progress.
 * Dialogs are never changed once handed over, so the UI reads them
 * without the lock.  Quitting during the load leaves the thread to die
 * with the process (the library has no cancel; see the man page).
 *
 * Sources (struct source_ops in ui.h): pcap files here; a stored analysis
 * (--db) and an inside/outside pair (--inside/--outside) in sources.c.
 * In pair mode the bottom panel is the list of compared dialogs
 * (pairview.c) instead of the call list.
 *
 * Terminal: UTF-8 line drawing when the locale's codeset is UTF-8 (and not
 * --ascii), colours when has_colors() (and not --no-color), bold and
 * reverse otherwise; KEY_RESIZE redraws at the new size.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "config.h"
#include "detect/symptom.h"
#include "sip/sipmsg.h"
#include "base/outfile.h"
#include "base/text.h"
#include "source/source.h"
#include "ui.h"

#define PROG "sipalg-browse"

/* ---- the pcap source ---- */

bool
loader_on_dialog(void *user, struct dialog *d)
{
	return loader_add(user, d);
}

void
loader_on_progress(void *user, uint64_t done, uint64_t total,
    uint64_t packets)
{
	struct loader *ld = user;

	pthread_mutex_lock(&ld->mu);
	ld->done = done;
	ld->total = total;
	ld->packets = packets;
	pthread_mutex_unlock(&ld->mu);
}

static void
pcap_run(struct loader *ld)
{
	(void)source_run(ld->src_ctx, NULL, 0);
}

static void
pcap_free(struct loader *ld)
{
	source_free(ld->src_ctx);
}

static const struct source_ops pcap_source = {
	"pcap", pcap_run, pcap_free
};

int
loader_open_pcaps(struct loader *ld, const char *const *paths, size_t npaths,
    char *err, size_t errlen)
{
	struct source_cb cb = { 0 };

	cb.on_dialog = loader_on_dialog;
	cb.on_progress = loader_on_progress;
	cb.user = ld;
	ld->src_ctx = source_open_files(paths, npaths, &cb, err, errlen);
	if (ld->src_ctx == NULL)
		return -1;
	ld->src = &pcap_source;
	ld->paths = paths;
	ld->npaths = npaths;
	return 0;
}

bool
loader_add(struct loader *ld, struct dialog *d)
{
	bool kept = true;

	pthread_mutex_lock(&ld->mu);
	if (ld->n == ld->cap) {
		size_t nc = ld->cap ? ld->cap * 2 : 256;
		struct dialog **v = realloc(ld->v, nc * sizeof(*v));

		if (v == NULL) {
			ld->dropped++;
			kept = false;
		} else {
			ld->v = v;
			ld->cap = nc;
		}
	}
	if (kept)
		ld->v[ld->n++] = d;
	pthread_mutex_unlock(&ld->mu);
	return kept;
}

static void *
loader_main(void *arg)
{
	struct loader *ld = arg;

	ld->src->run(ld);
	pthread_mutex_lock(&ld->mu);
	ld->finished = true;
	pthread_mutex_unlock(&ld->mu);
	return NULL;
}

int
loader_start(struct loader *ld)
{
	if (pthread_create(&ld->thread, NULL, loader_main, ld) != 0)
		return -1;
	ld->started = true;
	return 0;
}

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

/* Copies new dialogs from the loader; true when the list changed. */
static bool
app_sync(struct app *a, bool *finished)
{
	bool grew = false;

	pthread_mutex_lock(&a->ld.mu);
	*finished = a->ld.finished;
	if (a->ld.n != a->nall) {
		struct dialog **v = realloc(a->all, a->ld.n * sizeof(*v));

		if (v != NULL) {
			memcpy(v, a->ld.v, a->ld.n * sizeof(*v));
			a->all = v;
			a->nall = a->ld.n;
			grew = true;
		}
	}
	if (a->ld.ps != NULL && a->ld.ps->npd != a->npds) {
		struct pair_dialog **v = realloc(a->pds, a->ld.ps->npd *
		    sizeof(*v));

		if (v != NULL) {
			memcpy(v, a->ld.ps->pd, a->ld.ps->npd * sizeof(*v));
			a->pds = v;
			a->npds = a->ld.ps->npd;
		}
	}
	pthread_mutex_unlock(&a->ld.mu);
	if (grew)
		app_refilter(a);
	return grew;
}

/* ---- help ---- */

static const struct keyhelp global_keys[] = {
	{ "? F1", "this help" },
	{ "q Esc", "back; quit from the call list" },
	{ "Up Down j k", "move" },
	{ "PgUp PgDn ^B ^F", "page" },
	{ "g G Home End", "first / last" },
	{ "^L", "redraw" },
	{ NULL, NULL }
};

struct help {
	const struct panel_ops *under;
	size_t top;
	char **lines;
	size_t n;
};

static void
help_add(struct help *h, const char *s)
{
	char **v = realloc(h->lines, (h->n + 1) * sizeof(*v));

	if (v == NULL)
		return;
	h->lines = v;
	if ((h->lines[h->n] = strdup(s)) != NULL)
		h->n++;
}

static void
help_keys(struct help *h, const struct keyhelp *k)
{
	char line[160];

	for (; k != NULL && k->key != NULL; k++) {
		snprintf(line, sizeof(line), "  %-18s %s", k->key, k->what);
		help_add(h, line);
	}
}

static void
help_draw(struct panel *p, struct app *a, int y0, int hgt, int w)
{
	struct help *h = p->priv;

	for (int i = 0; i < hgt; i++) {
		size_t k = h->top + (size_t)i;

		if (k < h->n)
			ui_put(y0 + i, 0, h->lines[k], w,
			    h->lines[k][0] != ' ' ? ui_attr(a, UC_HEADER) :
			    ui_attr(a, UC_NORMAL), h->lines[k][0] != ' ');
	}
}

static int
help_key(struct panel *p, struct app *a, int ch)
{
	struct help *h = p->priv;

	(void)a;
	if (ui_move(ch, &h->top, h->n, LINES - 2))
		return PK_HANDLED;
	if (ch == '?' || ch == KEY_F(1))
		return PK_CLOSE;
	return PK_UNHANDLED;
}

static void
help_destroy(struct panel *p)
{
	struct help *h = p->priv;

	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	free(h->lines);
	free(h);
	free(p);
}

static const struct panel_ops help_ops = {
	"Help", "q/Esc back  Up/Down scroll", NULL, help_draw, help_key,
	help_destroy
};

struct panel *
help_panel_new(const struct panel *under)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct help *h = calloc(1, sizeof(*h));
	char line[160];

	if (p == NULL || h == NULL) {
		free(p);
		free(h);
		return NULL;
	}
	p->ops = &help_ops;
	p->priv = h;
	snprintf(line, sizeof(line), "Keys of this screen (%s)",
	    under->ops->name);
	help_add(h, line);
	help_keys(h, under->ops->help);
	help_add(h, "Keys everywhere");
	help_keys(h, global_keys);
	help_add(h, "Ladder labels");
	help_add(h, "  \"200 OK x3\" = the message was seen 3 times (2 "
	    "retransmissions)");
	help_add(h, "  dotted arrows = RTP streams: codec, packets, loss");
	help_add(h, "Symptom badges");
	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		snprintf(line, sizeof(line), "  %-*s %-*s %s", SYMPTOM_BADGE_MAX,
		    symptom_badge((enum symptom_id)i), SYMPTOM_ID_MAX,
		    symptom_name((enum symptom_id)i),
		    symptom_title((enum symptom_id)i));
		help_add(h, line);
	}
	help_add(h, "Pair badges (--inside/--outside: worst pair of the dialog)");
	help_add(h, "  SAME identical   NAT-OK rewritten consistently   "
	    "ALG! inconsistently");
	help_add(h, "  DROP dropped by the router   INJ injected by the router");
	return p;
}

/* ---- main loop ---- */

static void
draw_title(struct app *a, bool finished)
{
	char t[512];
	uint64_t done, total, packets, dropped;
	const char *phase;
	char err[sizeof(a->ld.err)];

	pthread_mutex_lock(&a->ld.mu);
	done = a->ld.done;
	total = a->ld.total;
	packets = a->ld.packets;
	dropped = a->ld.dropped;
	phase = a->ld.phase;
	memcpy(err, a->ld.err, sizeof(err));
	pthread_mutex_unlock(&a->ld.mu);
	if (a->status[0] != '\0')
		snprintf(t, sizeof(t), " %s", a->status);
	else if (!finished && a->ld.is_db)
		snprintf(t, sizeof(t), " " PROG "  %s  %llu of %llu dialogs",
		    phase, (unsigned long long)done, (unsigned long long)total);
	else if (!finished)
		snprintf(t, sizeof(t), " " PROG "  %s %d%%  %llu packets  "
		    "%zu dialogs", phase != NULL ? phase : "loading",
		    total ? (int)(done * 100 / total) : 0,
		    (unsigned long long)packets, a->pair_mode ? a->npds : a->nall);
	else if (err[0] != '\0')
		snprintf(t, sizeof(t), " " PROG "  %s", err);
	else if (a->pair_mode)
		snprintf(t, sizeof(t), " " PROG "  %zu compared dialogs  "
		    "%zu analysed outside%s  %s", a->npds, a->nall,
		    dropped ? "  some lost to OOM" : "",
		    a->stack[a->depth - 1]->ops->name);
	else
		snprintf(t, sizeof(t), " " PROG "  %zu dialogs (%zu shown)%s  "
		    "%s", a->nall, a->nrows, dropped ? "  some lost to OOM" : "",
		    a->stack[a->depth - 1]->ops->name);
	ui_put(0, 0, t, COLS, ui_attr(a, UC_HEADER), true);
}

static void
draw(struct app *a, bool finished)
{
	struct panel *p = a->stack[a->depth - 1];

	erase();
	draw_title(a, finished);
	if (LINES > 2)
		p->ops->draw(p, a, 1, LINES - 2, COLS);
	ui_put(LINES - 1, 0, p->ops->footer, COLS, ui_attr(a, UC_FOOTER), true);
	refresh();
}

static void
colors_init(struct app *a)
{
	if (!a->color || !has_colors()) {
		a->color = false;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(UC_HEADER, COLOR_BLACK, COLOR_CYAN);
	init_pair(UC_SELECT, COLOR_BLACK, COLOR_WHITE);
	init_pair(UC_REQUEST, COLOR_CYAN, -1);
	init_pair(UC_OK, COLOR_GREEN, -1);
	init_pair(UC_ERROR, COLOR_RED, -1);
	init_pair(UC_RTP, COLOR_YELLOW, -1);
	init_pair(UC_DIFF, COLOR_WHITE, COLOR_RED);
	init_pair(UC_BADGE, COLOR_RED, -1);
	init_pair(UC_FOOTER, COLOR_BLACK, COLOR_WHITE);
	init_pair(UC_MARK, COLOR_YELLOW, -1);
}

static const struct option longopts[] = {
	{ "ascii", no_argument, NULL, 'a' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "columns", required_argument, NULL, 'c' },
	{ "db", required_argument, NULL, 'd' },
	{ "inside", required_argument, NULL, 'i' },
	{ "outside", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " PROG " [options] FILE...\n"
	    "       " PROG " [options] --db FILE.db\n"
	    "       " PROG " [options] --inside LAN.pcap --outside WAN.pcap\n"
	    "Browse the SIP dialogs of pcap/pcapng captures: call list, ladder\n"
	    "diagrams, messages, symptoms and RTP streams.\n"
	    "\n"
	    "  -d, --db FILE.db     browse the analyses stored in a database\n"
	    "                       (sipalg-analyze --db); read only\n"
	    "  -i, --inside FILE    pair mode: the capture on the LAN side of\n"
	    "                       the router, with --outside\n"
	    "  -o, --outside FILE   the capture on the WAN side: each message's\n"
	    "                       two copies compared, the NAT mappings and the\n"
	    "                       ALG profile guess\n"
	    "  -a, --ascii          ASCII line drawing even in a UTF-8 locale\n"
	    "  -C, --no-color       no colours (bold and reverse only)\n"
	    "  -c, --columns LIST   call-list columns, comma separated, from\n"
	    "                       start,from,to,callid,state,duration,msgs,\n"
	    "                       symptoms,kind (default: all but kind)\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Several files are merged by time.  Press ? inside for the keys.\n");
}

/* --help and --version: 0, or 3 when standard output took no text. */
static int
stdout_written(void)
{
	int e = outfile_close(stdout);

	if (e == 0)
		return 0;
	text_fwarn(stderr, PROG, "writing output: %s", strerror(e));
	return 3;
}

int
main(int argc, char **argv)
{
	static struct app app;
	struct app *a = &app;
	char err[512];
	const char *columns = VIEW_DEFAULT_COLUMNS;
	const char *db = NULL, *inside = NULL, *outside = NULL;
	bool ascii = false, finished = false;
	int ch;

	a->color = true;
	while ((ch = getopt_long(argc, argv, "aCc:d:hi:o:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			ascii = true;
			break;
		case 'C':
			a->color = false;
			break;
		case 'c':
			columns = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'i':
			inside = optarg;
			break;
		case 'o':
			outside = optarg;
			break;
		case 'h':
			usage(stdout);
			return stdout_written();
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			return stdout_written();
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
	}
	a->ncols = view_columns_parse(columns, a->cols, VCOL_COUNT, err,
	    sizeof(err));
	if (a->ncols < 0) {
		text_fwarn(stderr, PROG, "--columns: %s", err);
		fprintf(stderr, "Try '" PROG " --help'.\n");
		return 2;
	}
	if ((inside != NULL) != (outside != NULL)) {
		fprintf(stderr, PROG ": --inside and --outside go together\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if ((db != NULL || inside != NULL) && optind < argc) {
		fprintf(stderr, PROG ": capture files and --%s exclude each "
		    "other\nTry '" PROG " --help'.\n", db != NULL ? "db" :
		    "inside");
		return 2;
	}
	if (db != NULL && inside != NULL) {
		fprintf(stderr, PROG ": --db and --inside/--outside exclude each "
		    "other\nTry '" PROG " --help'.\n");
		return 2;
	}
	if (optind >= argc && db == NULL && inside == NULL) {
		fprintf(stderr, PROG ": no capture file given\nTry '" PROG
		    " --help'.\n");
		return 2;
	}
	if ((size_t)(argc - optind) > CAP_FILES) {
		fprintf(stderr, PROG ": at most %d files\n", CAP_FILES);
		return 2;
	}
	setlocale(LC_ALL, "");
	a->utf8 = !ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	sipmsg_global_init();
	pthread_mutex_init(&a->ld.mu, NULL);
	if (db != NULL) {
		/* File names and reasons escaped (text_fwarn). */
		if (loader_open_db(&a->ld, db, err, sizeof(err)) < 0) {
			text_fwarn(stderr, PROG, "%s: %s", db, err);
			return 3;
		}
	} else if (inside != NULL) {
		if (loader_open_pair(&a->ld, inside, outside, err,
		    sizeof(err)) < 0) {
			text_fwarn(stderr, PROG, "%s", err);
			return 3;
		}
		a->pair_mode = true;
	} else if (loader_open_pcaps(&a->ld, (const char *const *)argv + optind,
	    (size_t)(argc - optind), err, sizeof(err)) < 0) {
		text_fwarn(stderr, PROG, "%s", err);
		return 3;
	}
	/*
	 * Interactive only: without a terminal on both sides curses would
	 * spin on a closed input or write its escapes into a pipe.  Checked
	 * after the sources opened, so that a bad file is named first.
	 */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, PROG ": standard %s is not a terminal: the "
		    "browser is interactive (for a report on a pipe or file "
		    "use sipalg-analyze)\n", !isatty(STDIN_FILENO) ? "input" :
		    "output");
		loader_fini(&a->ld);
		return 2;
	}
	view_filter_init(&a->filt);
	a->sort = VCOL_START;
	ui_push(a, a->pair_mode ? pairlist_panel_new() : calls_panel_new());
	if (a->depth == 0 || loader_start(&a->ld) < 0) {
		fprintf(stderr, PROG ": cannot start: %s\n", strerror(errno));
		return 1;
	}

	if (initscr() == NULL) {
		fprintf(stderr, PROG ": cannot initialise the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(100);
	colors_init(a);

	while (!a->quit && a->depth > 0) {
		struct panel *p;
		int r;

		app_sync(a, &finished);
		draw(a, finished);
		ch = getch();
		if (ch == ERR || ch == KEY_RESIZE)
			continue;
		a->status[0] = '\0';
		p = a->stack[a->depth - 1];
		if (ch == 12) { /* ^L */
			clearok(curscr, TRUE);
			continue;
		}
		if ((ch == '?' || ch == KEY_F(1)) && p->ops != &help_ops) {
			ui_push(a, help_panel_new(p));
			continue;
		}
		r = p->ops->key(p, a, ch);
		if (r == PK_UNHANDLED && (ch == 'q' || ch == 'Q' || ch == 27))
			r = PK_CLOSE;
		if (r == PK_CLOSE)
			ui_pop(a);
	}
	endwin();
	while (a->depth > 0)
		ui_pop(a);

	/* Still loading: leave; exit() ends the loader thread with us. */
	app_sync(a, &finished);
	if (!finished)
		return 0;
	pthread_join(a->ld.thread, NULL);
	for (size_t i = 0; i < a->ld.n; i++)
		dialog_free(a->ld.v[i]);
	loader_fini(&a->ld);
	free(a->ld.v);
	free(a->pds);
	free(a->all);
	free(a->rows);
	free(a->marks);
	return 0;
}
