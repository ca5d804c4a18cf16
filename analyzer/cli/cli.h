/*
 * cli.h - what the files of sipalg-analyze's front end share.
 *
 * The front end (the only part of the analyzer that prints and exits) is
 * cut along its concepts, each file with the contract of what it offers
 * here:
 *   sipalg-analyze.c  main: option parsing, the checks of what goes
 *                     together, the choice of a driver, exit status
 *   usage.c           the long options, --help, --fix VENDOR
 *   files.c           the file driver: captures analysed together (and
 *                     stored, with --db), signals
 *   jobs.c            -j N: each file analysed in a child process
 *   inputs.c          reading each capture once (--db hashes it first),
 *                     what a user must not miss about an input
 *   stored.c          --db --report: the report from the store
 *   pair.c            --inside/--outside: the comparison
 *   outputs.c         the reports a run writes: stdout, --html FILE
 * The library (source/, output/, store/, diff/) does the work; these
 * files only connect it to the command line.
 */
#ifndef SIPALG_CLI_H
#define SIPALG_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "base/outfile.h"
#include "base/text.h"
#include "config.h"
#include "output/report.h"
#include "source/source.h"
#include "store/store.h"

#define PROG "sipalg-analyze"
#ifdef HAVE_LIBPQ
#define PG_NOTE ""
#define PG_HELP ""
#else
#define PG_NOTE " (built without PostgreSQL: --db takes SQLite files only)"
#define PG_HELP "\n                          (not in this build: configure found no libpq)"
#endif
/* An error line on stderr, escaped: "sipalg-analyze: ...". */
#define warn(...) text_fwarn(stderr, PROG, __VA_ARGS__)

/* What the command line asked for. */
struct opts {
	struct report_opts ro;
	const char *db;           /* --db as given */
	char dbname[1024];        /* --db as messages show it (no password) */
	const char *site;         /* --site */
	const char *html;         /* --html */
	bool format_given;        /* -f: a report on stdout beside --html */
	struct store_filter filter; /* --report: --capture, --site */
	bool replace;
	bool progress;
	long jobs;                /* -j */
};

/* One run of a driver: where its dialogs go. */
struct run {
	struct report *rep;       /* NULL: dialogs are only counted */
	struct report *html;      /* --html, NULL otherwise */
	FILE *hf;                 /* its file, written via hout */
	struct outfile hout;
	struct store *st;         /* --db, NULL otherwise */
	int64_t *cap_ids;         /* store id per opened capture */
	const char **names;       /* name per opened capture, for frame refs */
	int store_failed;
	int progress;             /* show a progress line */
	struct timespec t0;
	int progress_shown;
};

/* ---- usage.c ---- */

/* Values of the long options that have no short one. */
enum { OPT_SITE = 256, OPT_CAPTURE };

/* The long options, for getopt_long. */
extern const struct option cli_longopts[];

/* --help, to f. */
void cli_usage(FILE *f);

/* --fix NAME without --html: the steps for vendor NAME ("list": the
 * vendors) on stdout.  Returns the exit status (2: unknown vendor). */
int cli_fix(const char *name);

/* ---- outputs.c ---- */

/* Source callbacks (source.h) with user a struct run: each dialog and
 * unannounced stream to run->rep and run->html, and (cli_on_dialog) the
 * dialog to run->st when storing; true when the store took it. */
bool cli_on_dialog(void *user, struct dialog *d);
void cli_on_stream(void *user, const struct rtp_stream *s);

/* The summary of src (captures, verdict) to rep and html, either NULL. */
void cli_end_report(struct report *rep, struct report *html,
    struct source *src);

/* Where the stdout report goes when only --html was asked for. */
FILE *cli_devnull(void);

/*
 * --html path: a second report (o's options, HTML) into run->html,
 * written to a temporary beside path and renamed over it by
 * cli_html_close(ok true) only when complete; path may not be one of the
 * ninputs inputs.  Both return 0, or 3 after saying why on stderr.
 */
int cli_html_open(struct run *run, const char *path,
    const struct report_opts *o, char *const *inputs, int ninputs);
int cli_html_close(struct run *run, const char *path, bool ok);

/* ---- stored.c ---- */

/* --db --report: the report from the store (o->filter chooses the
 * captures), on stdout and/or --html.  Returns the exit status. */
int cli_report_from_db(struct run *run, const struct opts *o);

/* ---- pair.c ---- */

/* --inside/--outside: the comparison in fmt on stdout when to_stdout,
 * and as a page to html when not NULL.  Returns the exit status. */
int cli_compare(const char *inside, const char *outside,
    enum report_format fmt, bool to_stdout, const char *html);

/* ---- inputs.c ---- */

/* After a run: each capture of a cut short, and each in which no SIP
 * was found (with the likely reason), said on stderr. */
void cli_warn_inputs(struct source *a);

/*
 * The SHA-256 (hex) and size of the capture named name, and the name the
 * analysis should open: name itself, or (an input that can be read only
 * once) a copy in an unlinked temporary file, named in alias.  NULL with
 * a reason in err.
 */
const char *cli_hash_input(const char *name, char sha[65], uint64_t *size,
    char *alias, size_t aliaslen, char *err, size_t errlen);

/* ---- files.c ---- */

/* Set by SIGINT or SIGTERM once cli_catch_signals() ran. */
extern volatile sig_atomic_t cli_interrupted;

/* From here on, SIGINT and SIGTERM set cli_interrupted and stop the
 * source being read, so that a run ends cleanly. */
void cli_catch_signals(void);

/* Analyses files together (merged by time) and, with --db, stores
 * them: the report on stdout.  Returns the exit status. */
int cli_run_files(const struct opts *o, char *const *files, int nfiles);

/* ---- jobs.c ---- */

/* -j N: each file through cli_run_files in a child process, N at a
 * time, the reports in the order of the files.  Returns the exit status
 * (the worst of the files'). */
int cli_run_jobs(const struct opts *o, char *const *files, int nfiles);

#endif /* SIPALG_CLI_H */
