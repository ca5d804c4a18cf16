/*
 * browse.c - sipalg-browse, the interactive dialog browser: main(), the
 * options, the terminal and the main loop (the loader thread is
 * loader.c, the UI helpers ui.c, the help panel help.c).
 *
 * Loading: the analysis (analysis.h) reads a capture to the end in one
 * call, so it runs on a background thread; each finished dialog's row is
 * appended to a mutex-protected array (the whole dialog with it while
 * --keep's budget lasts, loader.c), and
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
#include "base/cliopt.h"
#include "base/outfile.h"
#include "base/text.h"
#include "source/source.h"
#include "ui.h"

#define PROG "sipalg-browse"

/* Copies new rows from the loader; true when the list changed. */
static bool
app_sync(struct app *a, bool *finished)
{
	bool grew = false;

	pthread_mutex_lock(&a->ld.mu);
	*finished = a->ld.finished;
	/* Done loading: the filter can now read dialogs again (ui.h). */
	if (*finished && !a->finished)
		grew = true;
	a->finished = *finished;
	if (a->ld.n != a->nall) {
		struct view_row **v = realloc(a->all, a->ld.n * sizeof(*v));

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

enum { OPT_SITE = 256, OPT_CAPTURE, OPT_KEEP };

static const struct option longopts[] = {
	{ "ascii", no_argument, NULL, 'a' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "columns", required_argument, NULL, 'c' },
	{ "db", required_argument, NULL, 'd' },
	{ "site", required_argument, NULL, OPT_SITE },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "inside", required_argument, NULL, 'i' },
	{ "outside", required_argument, NULL, 'o' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	CLIOPT_TAIL
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " PROG " [options] FILE...\n"
	    "       " PROG " [options] --db DB [--site NAME] [--capture NAME|ID]\n"
	    "       " PROG " [options] --inside LAN.pcap --outside WAN.pcap\n"
	    "Browse the SIP dialogs of pcap/pcapng captures: call list, ladder\n"
	    "diagrams, messages, symptoms and RTP streams.\n"
	    "\n"
	    "  -d, --db FILE.db     browse the analyses stored in a database\n"
	    "                       (sipalg-analyze --db): an SQLite file or a\n"
	    "                       PostgreSQL URI; read only\n"
	    "      --site NAME      with --db, only the captures of this site\n"
	    "      --capture NAME|ID  with --db, only this capture (its id,\n"
	    "                       path or file name)\n"
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
	    "      --keep MB        keep whole dialogs in memory up to about MB\n"
	    "                       megabytes (default %d); the call list keeps\n"
	    "                       a short row for the others and reads them\n"
	    "                       again from the capture or database when\n"
	    "                       they are opened, saved, exported or\n"
	    "                       searched for message text\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "Several files are merged by time.  Press ? inside for the keys.\n",
	    LOADER_KEEP_DEFAULT_MB);
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
	const char *site = NULL, *capture = NULL;
	struct store_filter filt;
	uint64_t id, keep_mb = LOADER_KEEP_DEFAULT_MB;
	bool ascii = false, finished = false;
	int ch;

	a->color = true;
	a->ladder_new = ladder_panel_new;
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
		case OPT_SITE:
			site = optarg;
			break;
		case OPT_CAPTURE:
			capture = optarg;
			break;
		case OPT_KEEP:
			if (text_parse_uint(optarg, strlen(optarg),
			    SIZE_MAX / 1048576 - 1, &keep_mb) != 0) {
				text_fwarn(stderr, PROG, "--keep: '%s' is not a "
				    "number of megabytes", optarg);
				fprintf(stderr, "Try '" PROG " --help'.\n");
				return 2;
			}
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
	if ((site != NULL || capture != NULL) && db == NULL) {
		fprintf(stderr, PROG ": --site and --capture choose what --db "
		    "shows\nTry '" PROG " --help'.\n");
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
	a->ld.keep_max = (size_t)keep_mb * 1048576;
	if (db != NULL) {
		/* File names and reasons escaped (text_fwarn). */
		int r;

		/* --capture NAME|ID: a number is an id, anything else a path
		 * or file name (as sipalg-analyze --report takes it). */
		memset(&filt, 0, sizeof(filt));
		if (capture != NULL && text_parse_uint(capture, strlen(capture),
		    INT64_MAX, &id) == 0 && id > 0)
			filt.capture_id = (int64_t)id;
		else
			filt.capture = capture;
		filt.site = site;
		a->ld.db_filter = site != NULL || capture != NULL ? &filt : NULL;
		r = loader_open_db(&a->ld, db, a->ld.db_filter, err, sizeof(err));
		if (r < 0) {
			text_fwarn(stderr, PROG, "%s: %s", db, err);
			return 3;
		}
		if (r > 0) {
			text_fwarn(stderr, PROG, "%s: no stored capture matches%s%s%s%s",
			    db, capture != NULL ? " --capture " : "",
			    capture != NULL ? capture : "",
			    site != NULL ? " --site " : "", site != NULL ? site : "");
			loader_fini(&a->ld);
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
		if ((ch == '?' || ch == KEY_F(1)) && !help_panel_is(p)) {
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
	app_fetched_free(a);
	for (size_t i = 0; i < a->ld.n; i++) {
		dialog_free(a->ld.v[i]->d);
		free(a->ld.v[i]);
	}
	loader_fini(&a->ld);
	free(a->ld.v);
	free(a->pds);
	free(a->all);
	free(a->rows);
	free(a->marks);
	return 0;
}
