/*
 * sipalg-analyze.c - the command-line front-end of the analyzer.
 *
 * Reads capture files, runs the analysis library over them and prints the
 * ALG verdict, the calls with symptoms and their evidence (text, JSON or
 * CSV) on stdout; --fix prints the built-in steps to turn a router's SIP
 * ALG off.  All analysis lives in the library; this file only parses
 * options, shows progress and maps results to exit codes:
 *   0  analysed, no finding            2  usage error
 *   1  findings reported               3  an input could not be read
 * (3 wins over 1 when both apply); 130 when interrupted by SIGINT/SIGTERM.
 *
 * With --db the analysis is also written to a store (store.h: an SQLite
 * file or a PostgreSQL database, one front for both):
 * each capture is claimed by its SHA-256 before it is read (a capture
 * already stored is skipped unless --replace; one another process is
 * importing is skipped with exit 3), and becomes visible only once all
 * its rows are written; a write error or a signal gives this run's
 * claims up, earlier copies untouched.  A capture that cannot be read
 * twice (standard input, a pipe) is hashed while it is copied to an
 * unlinked temporary file, which the analysis reads.  --report prints
 * the report from the store with the findings stored (source.h: the
 * browser reads a database the same way), one per stored capture, then
 * a verdict per site.  --inside/--outside compare two captures of the
 * same traffic (diff.h).  --html FILE also writes the report as one HTML
 * page.
 *
 * Standard output is checked when the program ends: a write error (a
 * full disk) is "sipalg-analyze: writing output: REASON" and exit 3.
 * Messages on stderr are escaped (text_fwarn): file names and errors may
 * carry control characters.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "source/source.h"
#include "detect/detect.h"
#include "diff/diff.h"
#include "detect/remedy.h"
#include "output/report.h"
#include "base/outfile.h"
#include "base/sha256.h"
#include "base/json.h"
#include "base/text.h"
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

enum { OPT_SITE = 256, OPT_CAPTURE };

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "messages", no_argument, NULL, 'm' },
	{ "calls", no_argument, NULL, 'c' },
	{ "all", no_argument, NULL, 'a' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "symptom", required_argument, NULL, 's' },
	{ "min-confidence", required_argument, NULL, 'C' },
	{ "fix", required_argument, NULL, 'F' },
	{ "html", required_argument, NULL, 'H' },
	{ "db", required_argument, NULL, 'D' },
	{ "replace", no_argument, NULL, 'R' },
	{ "report", no_argument, NULL, 'P' },
	{ "site", required_argument, NULL, OPT_SITE },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "inside", required_argument, NULL, 'I' },
	{ "outside", required_argument, NULL, 'O' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* "Symptom ids: a, b, ...", wrapped at 72 columns, from the catalogue. */
static void
usage_symptoms(FILE *f)
{
	int col = fprintf(f, "Symptom ids:");

	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		const char *id = symptom_name((enum symptom_id)i);
		int w = (int)strlen(id) + 1;

		if (col + 1 + w > 72) {
			fputc('\n', f);
			col = 0;
		} else {
			fputc(' ', f);
			col++;
		}
		col += fprintf(f, "%s%c", id, i + 1 < SYMPTOM_COUNT ? ',' : '.');
	}
	fputc('\n', f);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " PROG " [options] FILE...\n"
	    "       " PROG " --db DB [--replace] [--site NAME] [-j N] FILE...\n"
	    "       " PROG " --db DB --report [--capture NAME|ID] [--site NAME]\n"
	    "       " PROG " --html FILE.html [--db DB [--report]] [FILE...]\n"
	    "       " PROG " --inside LAN.pcap --outside WAN.pcap\n"
	    "       " PROG " --fix VENDOR|list\n"
	    "Analyse pcap/pcapng captures of SIP and RTP: reassemble dialogs\n"
	    "(UDP, TCP, WebSocket, SCTP, IP fragments, tunnels) and their RTP\n"
	    "streams, say whether a SIP ALG is at work, and show each call's\n"
	    "symptoms (dropped at 32 s, one-way audio ...) with the evidence.\n"
	    "FILE - is standard input (pcap or pcapng).\n"
	    "\n"
	    "  -f, --format FMT        text (default), json or csv\n"
	    "  -m, --messages          list every message of each dialog shown\n"
	    "  -c, --calls             only INVITE dialogs (no REGISTER, OPTIONS ...)\n"
	    "  -a, --all               text: list dialogs without findings in full\n"
	    "  -v, --verbose           text: each call with findings in full, the\n"
	    "                          explanation and fix under every finding\n"
	    "                          (default: grouped by symptom, each\n"
	    "                          explained once, one line per call)\n"
	    "  -s, --symptom ID        only findings with this id (see below)\n"
	    "  -C, --min-confidence X  only findings with confidence >= X (0-1)\n"
	    "      --fix VENDOR        how to turn the SIP ALG off on VENDOR's\n"
	    "                          equipment; --fix list lists the vendors\n"
	    "                          (with --html: put those steps in the page)\n"
	    "      --html FILE         also write the report as one self-contained\n"
	    "                          HTML page (ladders, RTP plots, MOS; with\n"
	    "                          --inside/--outside the comparison) to FILE;\n"
	    "                          nothing on stdout unless --format is given;\n"
	    "                          with --report one page over every capture\n"
	    "                          chosen (--capture ID: a page of one)\n"
	    "      --db DB             also store the analysis in DB: an SQLite\n"
	    "                          file (created if missing) or a PostgreSQL\n"
	    "                          URI (postgresql://user@host/dbname)" PG_HELP "\n"
	    "      --replace           re-import captures already stored (the\n"
	    "                          old copy stays until the new is complete)\n"
	    "      --site NAME         tag the captures stored (default: their\n"
	    "                          folder); with --report, only this site\n"
	    "  -j, --jobs N            analyse N files at once, each on its own,\n"
	    "                          in separate processes (reports in order;\n"
	    "                          not with --html)\n"
	    "      --report            print the report from --db, with the\n"
	    "                          findings and advisories stored: one per\n"
	    "                          stored capture, then a verdict per site\n"
	    "      --capture NAME|ID   with --report, only this capture (its\n"
	    "                          path, file name or id)\n"
	    "      --inside FILE       capture on the LAN side of the router ...\n"
	    "      --outside FILE      ... and on its WAN side: show what the\n"
	    "                          router rewrote, dropped or added (text or\n"
	    "                          json; no csv: pairs of messages are not\n"
	    "                          rows; no --db: the store keeps single\n"
	    "                          captures).  Swapped sides, captures that\n"
	    "                          do not overlap in time or share no call\n"
	    "                          are named on stderr with the fix: exit 3;\n"
	    "                          messages dropped or injected: exit 1\n"
	    "  -q, --quiet             no progress line on stderr\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n"
	    "\n");
	usage_symptoms(f);
	fprintf(f,
	    "\n"
	    "Several files are merged by time (with -j, each is analysed on its\n"
	    "own).  Exit status: 0 no finding,\n"
	    "1 findings reported, 2 usage error, 3 a file or database could\n"
	    "not be read or written, or a capture is being imported by another\n"
	    "process (the other files are still analysed), 130 interrupted.\n");
}

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

static int
fix(const char *name)
{
	const struct remedy *r;

	if (strcmp(name, "list") == 0) {
		printf("Vendors known to --fix:\n");
		for (size_t i = 0; i < remedy_count; i++)
			printf("  %-12s %s\n", remedy_table[i].key,
			    remedy_table[i].name);
		printf("\n%s", remedy_general);
		return 0;
	}
	r = remedy_find(name);
	if (r == NULL) {
		warn("unknown vendor '%s' (--fix list shows them)", name);
		return 2;
	}
	printf("Turning the SIP ALG off: %s\n\n%s\n%s", r->name, r->steps,
	    remedy_general);
	return 0;
}

static bool
on_dialog(void *user, struct dialog *d)
{
	struct run *r = user;

	if (r->rep != NULL)
		report_dialog(r->rep, d);
	if (r->html != NULL)
		report_dialog(r->html, d);
	if (r->st == NULL || r->store_failed)
		return false;
	/* The store takes the dialog and frees it once written. */
	if (store_put_dialog(r->st, r->cap_ids[d->cap_idx], d) != 0)
		r->store_failed = 1;
	return true;
}

static void
on_stream(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	if (r->rep != NULL)
		report_stream(r->rep, s);
	if (r->html != NULL)
		report_stream(r->html, s);
}

/* Unannounced streams are stored under the first opened capture: the
 * library does not say which file they came from. */
static void
on_stream_store(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	if (r->st != NULL && !r->store_failed &&
	    store_put_stream(r->st, r->cap_ids[0], s) != 0)
		r->store_failed = 1;
	on_stream(user, s);
}

/* The report's summary of a source: its captures and verdict, to rep
 * and html (either may be NULL). */
static void
end_report(struct report *rep, struct report *html, struct source *src)
{
	size_t n = source_capture_count(src);
	struct report_capture *caps;
	struct report_summary sum = { NULL, n, { 0 } };

	if (rep == NULL && html == NULL)
		return;
	if ((caps = calloc(n ? n : 1, sizeof(*caps))) == NULL)
		return;
	sum.caps = caps;
	for (size_t i = 0; i < n; i++) {
		caps[i].info = source_capture_info(src, i);
		caps[i].stats = source_capture_stats(src, i);
	}
	source_verdict_get(src, &sum.verdict);
	if (rep != NULL)
		report_end(rep, &sum);
	if (html != NULL)
		report_end(html, &sum);
	free(caps);
}

/* ---- --report: the report from the store ---- */

/* Stored captures as a listing gives them. */
struct stored {
	struct store_capture *caps;
	size_t n;
};

static void
on_stored_capture(void *user, const struct store_capture *c)
{
	struct stored *sc = user;
	struct store_capture *nc;

	nc = realloc(sc->caps, (sc->n + 1) * sizeof(*nc));
	if (nc == NULL)
		return;
	sc->caps = nc;
	nc[sc->n] = *c;
	nc[sc->n].info.path = strdup(c->info.path ? c->info.path : "");
	sc->n++;
}

static void
stored_free(struct stored *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->caps[i].info.path);
	free(sc->caps);
	memset(sc, 0, sizeof(*sc));
}

/*
 * One report over the stored captures f selects, read through the
 * source as the browser reads them (source.h: the findings stored), to
 * rep and html; both NULL: only the verdict, in *v.  Returns 0, or 3
 * with a message.
 */
static int
stored_report(struct run *run, struct source *src, const char *dbname,
    const struct store_filter *f, struct report *rep, struct report *html,
    struct detect_verdict *v)
{
	char err[512];
	int status = 0;

	memset(v, 0, sizeof(*v));
	if (source_select(src, f) != 0) {
		warn("out of memory");
		return 3;
	}
	run->rep = rep;
	run->html = html;
	if (rep != NULL)
		report_begin(rep);
	if (html != NULL)
		report_begin(html);
	if (source_run(src, err, sizeof(err)) != 0) {
		warn("%s: %s", dbname, err);
		status = 3;
	}
	source_verdict_get(src, v);
	end_report(rep, html, src);
	run->rep = NULL;
	run->html = NULL;
	return status;
}

/* The verdict of each site that groups several of the captures listed,
 * over all their dialogs: text lines, or the "sites" array of JSON. */
static int
site_verdicts(struct run *run, struct source *src, const char *dbname,
    const struct stored *all, enum report_format fmt, FILE *out,
    struct json *j)
{
	int status = 0;
	bool any = false;

	for (size_t i = 0; i < all->n; i++) {
		const char *site = all->caps[i].site;
		struct store_filter f = { 0, NULL, site };
		struct detect_verdict v;
		size_t n = 0, k;

		for (k = 0; k < i && strcmp(all->caps[k].site, site) != 0; k++)
			;
		if (k < i)
			continue;       /* this site was shown already */
		for (k = i; k < all->n; k++)
			n += strcmp(all->caps[k].site, site) == 0;
		if (n < 2)
			continue;
		if (stored_report(run, src, dbname, &f, NULL, NULL, &v) != 0)
			status = 3;
		if (fmt == REPORT_JSON) {
			json_obj_begin(j);
			json_key(j, "site");
			json_str(j, site);
			json_key(j, "captures");
			json_u64(j, n);
			json_key(j, "alg");
			json_str(j, detect_alg_name(v.alg));
			json_key(j, "score");
			json_fixed(j, v.score, 2);
			json_key(j, "dialogs");
			json_u64(j, v.dialogs);
			json_key(j, "affected");
			json_u64(j, v.affected);
			json_obj_end(j);
		} else if (fmt == REPORT_TEXT) {
			if (!any)
				fprintf(out, "\n==== sites (all captures of each "
				    "site together)\n");
			fputs("site ", out);
			text_fput_escaped(out, site[0] ? site : "(none)",
			    strlen(site[0] ? site : "(none)"), TEXT_ESC_PLAIN);
			fprintf(out, ": SIP ALG %s (score %.1f), %zu captures, "
			    "%" PRIu64 " of %" PRIu64 " dialogs with findings\n",
			    detect_alg_name(v.alg), v.score, n, v.affected,
			    v.dialogs);
		}
		any = true;
	}
	return status;
}

/* "--capture X --site Y" as the user gave them, for "no match". */
static void
warn_no_match(const char *dbname, const struct store_filter *f)
{
	char id[32] = "";

	if (f->capture_id > 0)
		snprintf(id, sizeof(id), "%" PRId64, f->capture_id);
	warn("%s: no stored capture matches%s%s%s%s%s", dbname,
	    f->capture != NULL || f->capture_id > 0 ? " --capture " : "",
	    f->capture != NULL ? f->capture : "", id,
	    f->site != NULL ? " --site " : "", f->site ? f->site : "");
}

static FILE *devnull(void);
static int html_open(struct run *run, const char *path,
    const struct report_opts *o, char *const *inputs, int ninputs);
static int html_close(struct run *run, const char *path, bool ok);

/*
 * --report: one report per stored capture (its own verdict, its calls),
 * in import order, then one verdict per site that groups several; a
 * single capture (or none) gets the plain report, the same as analysing
 * that file.  --capture and --site choose the captures.  JSON: the
 * per-capture reports in "reports", the site verdicts in "sites".
 * --html: one page over every capture chosen.  The store is read through
 * the source (source.h), whichever its backend.
 */
static int
report_from_db(struct run *run, const struct opts *o)
{
	const struct store_filter *f = &o->filter;
	const char *dbname = o->dbname;
	FILE *out = o->html != NULL && !o->format_given ? devnull() : stdout;
	struct source_cb cb = { 0 };
	struct source *src;
	struct report *page;
	struct stored all;
	struct detect_verdict v;
	struct json j;
	char err[512];
	int status = 0;
	uint64_t affected = 0;

	memset(&all, 0, sizeof(all));
	cb.on_dialog = on_dialog;
	cb.on_stream = on_stream;
	cb.user = run;
	if ((src = source_open_db(o->db, &cb, err, sizeof(err))) == NULL) {
		warn("%s: %s", dbname, err);
		return 3;
	}
	if (source_list(src, f, on_stored_capture, &all, err,
	    sizeof(err)) != 0) {
		warn("%s: %s", dbname, err);
		source_free(src);
		return 3;
	}
	if (all.n == 0 && (f->capture != NULL || f->capture_id > 0 ||
	    f->site != NULL)) {
		warn_no_match(dbname, f);
		stored_free(&all);
		source_free(src);
		return 3;
	}
	if (o->html != NULL && html_open(run, o->html, &o->ro, NULL, 0) != 0) {
		stored_free(&all);
		source_free(src);
		return 3;
	}
	page = run->html;
	run->html = NULL;
	if (all.n <= 1) {
		struct store_filter one = { all.n ? all.caps[0].id : 0, NULL,
		    NULL };
		struct report *rep = report_new(out, &o->ro);

		if (rep == NULL)
			status = 3;
		else
			status = stored_report(run, src, dbname, &one, rep, page,
			    &v);
		affected = rep ? report_affected(rep) : 0;
		report_free(rep);
	} else {
		if (o->ro.format == REPORT_JSON)
			fputs("{\"reports\":[", out);
		for (size_t i = 0; i < all.n; i++) {
			struct store_capture *c = &all.caps[i];
			struct store_filter one = { c->id, NULL, NULL };
			struct report *rep;

			if (o->ro.format == REPORT_TEXT) {
				const char *site = c->site[0] ? c->site : "(none)";

				fprintf(out, "%s==== capture %" PRId64 ": ",
				    i ? "\n" : "", c->id);
				text_fput_escaped(out, c->info.path,
				    strlen(c->info.path), TEXT_ESC_PLAIN);
				fputs(" (site ", out);
				text_fput_escaped(out, site, strlen(site),
				    TEXT_ESC_PLAIN);
				fputs(")\n\n", out);
			} else if (o->ro.format == REPORT_JSON && i > 0) {
				fputc(',', out);
			}
			if ((rep = report_new(out, &o->ro)) == NULL) {
				status = 3;
				break;
			}
			if (stored_report(run, src, dbname, &one, rep, NULL,
			    &v) != 0)
				status = 3;
			affected += report_affected(rep);
			report_free(rep);
			fflush(out);
		}
		/* The site verdicts: elements of an array written here. */
		if (o->ro.format == REPORT_JSON)
			fputs("],\"sites\":[", out);
		json_init_fragment(&j, out, JSON_COMPACT);
		if (site_verdicts(run, src, dbname, &all, o->ro.format, out,
		    &j) != 0)
			status = 3;
		if (o->ro.format == REPORT_JSON)
			fputs("]}\n", out);
		/* The page: every capture chosen, one verdict over them. */
		if (page != NULL && stored_report(run, src, dbname, f, NULL,
		    page, &v) != 0)
			status = 3;
	}
	run->html = page;
	if (html_close(run, o->html, status != 3) != 0)
		status = 3;
	stored_free(&all);
	source_free(src);
	if (status == 0 && affected > 0)
		status = 1;
	return status;
}

/* ---- signals: stop cleanly, leave the store consistent ---- */

static struct source *running;
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (running != NULL)
		source_stop(running);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * The exit status of a comparison: 3 when the inputs cannot be compared
 * as given (each problem said on stderr with its fix), 1 when the router
 * dropped or injected SIP messages, else 0.
 */
static int
compare_status(const char *inside, const char *outside,
    const struct diff_result *res)
{
	for (int i = 0; i < res->nproblems; i++)
		warn("--inside %s --outside %s: %s; %s", inside, outside,
		    res->problems[i].text, res->problems[i].fix);
	if (res->nproblems > 0)
		return 3;
	return res->dropped + res->injected > 0 ? 1 : 0;
}

/*
 * --inside/--outside: the comparison on stdout (unless only --html was
 * asked for), and with --html as a page written through outfile (the
 * captures are then read once more).
 */
static int
compare(const char *inside, const char *outside, enum report_format fmt,
    bool to_stdout, const char *html)
{
	struct diff_opts o;
	struct diff_result res;
	struct outfile of;
	char err[512];
	FILE *hf;

	if (fmt == REPORT_CSV) {
		warn("--inside/--outside: no csv: a comparison is message "
		    "pairs with their changed fields, not one row per dialog; "
		    "use -f json (or text)");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.format = fmt == REPORT_JSON ? DIFF_JSON : DIFF_TEXT;
	if (to_stdout && diff_run(inside, outside, &o, stdout, &res, err,
	    sizeof(err)) != 0) {
		warn("%s", err);
		return 3;
	}
	if (html == NULL)
		return compare_status(inside, outside, &res);
	if (outfile_same(html, inside) || outfile_same(html, outside)) {
		warn("--html %s: that is one of the captures", html);
		return 3;
	}
	if (outfile_begin(&of, html, err, sizeof(err)) != 0) {
		warn("--html %s: %s", html, err);
		return 3;
	}
	if ((hf = fopen(of.write_path, "w")) == NULL) {
		warn("--html %s: %s", html, strerror(errno));
		outfile_abort(&of);
		return 3;
	}
	o.format = DIFF_HTML;
	if (diff_run(inside, outside, &o, hf, &res, err, sizeof(err)) != 0) {
		warn("%s", err);
		fclose(hf);
		outfile_abort(&of);
		return 3;
	}
	if ((ferror(hf) | fclose(hf)) != 0) {
		warn("--html %s: writing failed", html);
		outfile_abort(&of);
		return 3;
	}
	if (outfile_commit(&of, err, sizeof(err)) != 0) {
		warn("--html %s: %s", html, err);
		return 3;
	}
	return compare_status(inside, outside, &res);
}

static void
on_progress(void *user, uint64_t done, uint64_t total, uint64_t packets)
{
	struct run *r = user;
	struct timespec now;
	double el;

	/* A long import keeps its claims fresh (store.h). */
	if (r->st != NULL && !r->store_failed && store_tick(r->st) != 0)
		r->store_failed = 1;
	if (!r->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (double)(now.tv_sec - r->t0.tv_sec) +
	    (double)(now.tv_nsec - r->t0.tv_nsec) / 1e9;
	fprintf(stderr, "\r" PROG ": %" PRIu64 " of %" PRIu64 " MB, %" PRIu64
	    " packets, %.0f packets/s   ", done >> 20, total >> 20, packets,
	    el > 0 ? (double)packets / el : 0.0);
	r->progress_shown = 1;
}

/* ---- --db: reading each capture once, giving claims up ---- */

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The descriptor a name stands for (/dev/stdin, /dev/fd/N,
 * /proc/self/fd/N), or -1. */
static int
fd_name(const char *name)
{
	uint64_t n;
	const char *p = NULL;

	if (strcmp(name, "/dev/stdin") == 0 || strcmp(name, "-") == 0)
		return STDIN_FILENO;
	if (strncmp(name, "/dev/fd/", 8) == 0)
		p = name + 8;
	else if (strncmp(name, "/proc/self/fd/", 14) == 0)
		p = name + 14;
	if (p == NULL || text_parse_uint(p, strlen(p), 65535, &n) != 0)
		return -1;
	return (int)n;
}

/*
 * What a user must not miss on stderr, once the files are read: a file
 * cut short (the results cover only the part read, as tshark warns) and a
 * file in which no SIP was found at all, with the likely reason, so that
 * a verdict of "unknown" is not mistaken for a clean bill.
 */
static void
warn_inputs(struct source *a)
{
	for (size_t i = 0; i < source_capture_count(a); i++) {
		const struct capture_info *ci = source_capture_info(a, i);
		const struct analysis_capstats *cs = source_capture_stats(a, i);
		unsigned long long pk = (unsigned long long)ci->packets;
		uint64_t refused;

		if (ci->err[0] != '\0') {
			if (ci->an.n[ANOMALY_PCAP_TRUNCATED] > 0)
				warn("%s: truncated after packet %llu (byte %llu "
				    "of %llu); results cover the part read",
				    ci->path, pk,
				    (unsigned long long)ci->bytes_read,
				    (unsigned long long)ci->size);
			else
				warn("%s: read error after packet %llu (%s); "
				    "results cover the part read", ci->path, pk,
				    ci->err);
		}
		if (cs->sip_messages > 0)
			continue;
		refused = ci->an.n[ANOMALY_SIP_UNPARSEABLE] +
		    ci->an.n[ANOMALY_SIP_MISSING_HEADER] +
		    ci->an.n[ANOMALY_SIP_TOO_LARGE] +
		    ci->an.n[ANOMALY_SIP_LINE_TOO_LONG];
		if (ci->packets == 0)
			warn("%s: no packets", ci->path);
		else if (refused > 0)
			warn("%s: no usable SIP message: %llu looked like SIP but "
			    "could not be read (see the anomalies)", ci->path,
			    (unsigned long long)refused);
		else if (ci->an.n[ANOMALY_TLS_UNDECRYPTABLE] > 0)
			warn("%s: no SIP found in %llu packets: %llu TLS "
			    "records (SIP over TLS, port 5061?) cannot be read "
			    "without the keys; capture before the TLS endpoint "
			    "or use UDP/TCP", ci->path, pk, (unsigned long long)
			    ci->an.n[ANOMALY_TLS_UNDECRYPTABLE]);
		else if (cs->rtp_packets > 0)
			warn("%s: no SIP found, only RTP (%llu packets): did a "
			    "capture filter drop the signalling?", ci->path,
			    (unsigned long long)cs->rtp_packets);
		else
			warn("%s: no SIP found in %llu packets: a capture filter "
			    "that dropped SIP, or SIP on a transport this tool "
			    "does not read?", ci->path, pk);
	}
}

/*
 * The SHA-256 of the capture named name, and the name the analysis should
 * open.  A regular file is hashed and read again by the analysis.  Any
 * other file (standard input, a pipe, a FIFO, a terminal) can be read
 * only once: it is copied into an unlinked temporary file ($TMPDIR, else
 * /tmp) while hashed, and the analysis reads the copy.  When name is a
 * file descriptor's (/dev/stdin, /dev/fd/N, /proc/self/fd/N) the copy
 * takes that descriptor's place, so the report names the input as given;
 * otherwise the analysis opens "/dev/fd/K" (written into alias).  Returns
 * the name to open, or NULL with a reason in err.
 */
static const char *
hash_input(const char *name, char sha[65], uint64_t *size, char *alias,
    size_t aliaslen, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	struct sha256 h;
	struct stat sb;
	char tpl[4096];
	uint8_t d[32], *buf;
	int in, out, fdno = -1;
	ssize_t r;

	if (strcmp(name, "-") == 0 ? fstat(STDIN_FILENO, &sb) != 0 :
	    stat(name, &sb) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s", strerror(EISDIR));
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && strcmp(name, "-") != 0) {
		if (sha256_file(name, sha) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return NULL;
		}
		*size = (uint64_t)sb.st_size;
		return name;
	}
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	snprintf(tpl, sizeof(tpl), "%s/sipalg-input-XXXXXX", tmpdir);
	if ((in = strcmp(name, "-") == 0 ? dup(STDIN_FILENO) :
	    open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(1 << 16)) == NULL || (out = mkstemp(tpl)) < 0) {
		snprintf(err, errlen, "cannot copy it to a temporary file in %s "
		    "(it can be read only once, and --db reads it twice): %s",
		    tmpdir, strerror(buf == NULL ? ENOMEM : errno));
		free(buf);
		close(in);
		return NULL;
	}
	(void)unlink(tpl);
	sha256_init(&h);
	*size = 0;
	while ((r = read(in, buf, 1 << 16)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		sha256_update(&h, buf, (size_t)r);
		*size += (uint64_t)r;
		if (write_all(out, buf, (size_t)r) != 0) {
			snprintf(err, errlen, "cannot copy it to a temporary file "
			    "in %s: %s", tmpdir, strerror(errno));
			goto fail;
		}
	}
	free(buf);
	close(in);
	sha256_final(&h, d);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", d[i]);
	fdno = fd_name(name);
	if (fdno >= 0 && fdno != out) {
		if (dup2(out, fdno) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			close(out);
			return NULL;
		}
		close(out);
		out = fdno;
	}
	(void)lseek(out, 0, SEEK_SET);
	if (fdno >= 0)
		return name;
	snprintf(alias, aliaslen, "/dev/fd/%d", out);
	return alias;
fail:
	free(buf);
	close(in);
	close(out);
	return NULL;
}

/* Where the stdout report goes when only --html was asked for.  Kept
 * open (and reachable) to the end. */
static FILE *
devnull(void)
{
	static FILE *f;

	if (f == NULL)
		f = fopen("/dev/null", "w");
	return f != NULL ? f : stdout;
}

/*
 * --html FILE: a second report, written to a temporary beside FILE and
 * renamed over it only when complete (outfile.h); FILE may not be one
 * of the captures.  Returns 0, or 3 after saying why.
 */
static int
html_open(struct run *run, const char *path, const struct report_opts *o,
    char *const *inputs, int ninputs)
{
	struct report_opts ho = *o;
	char err[512];

	for (int i = 0; i < ninputs; i++)
		if (outfile_same(path, inputs[i])) {
			warn("--html %s: that is one of the captures", path);
			return 3;
		}
	ho.format = REPORT_HTML;
	if (outfile_begin(&run->hout, path, err, sizeof(err)) != 0) {
		warn("--html %s: %s", path, err);
		return 3;
	}
	run->hf = fopen(run->hout.write_path, "w");
	if (run->hf == NULL || (run->html = report_new(run->hf, &ho)) == NULL) {
		warn("--html %s: %s", path, strerror(errno));
		if (run->hf != NULL)
			fclose(run->hf);
		run->hf = NULL;
		outfile_abort(&run->hout);
		return 3;
	}
	return 0;
}

/* Closes the --html page: committed when ok and fully written, else the
 * temporary is removed.  Returns 0, or 3 after saying why. */
static int
html_close(struct run *run, const char *path, bool ok)
{
	char err[512];
	int bad;

	if (run->html == NULL)
		return 0;
	report_free(run->html);
	run->html = NULL;
	bad = ferror(run->hf) | fclose(run->hf);
	run->hf = NULL;
	if (!ok || bad) {
		outfile_abort(&run->hout);
		if (ok)
			warn("--html %s: writing failed", path);
		return ok ? 3 : 0;
	}
	if (outfile_commit(&run->hout, err, sizeof(err)) != 0) {
		warn("--html %s: %s", path, err);
		return 3;
	}
	return 0;
}

/*
 * Ends a --db run that stores nothing more (a signal, a write error, a
 * lost connection): this run's claims and the rows under them go (or,
 * with the connection gone, stay hidden until the next import takes them
 * over), copies stored before stay, and the message says which.  Frees
 * the run; returns status.
 */
static int
store_give_up(struct run *run, const struct opts *o, struct source *a,
    char *const *files, int nfiles, int status)
{
	char err[512];

	free(run->names);
	run->names = NULL;
	if (run->st != NULL) {
		if (store_lost(run->st)) {
			/* "connection lost during import of a.pcap, b.pcap" */
			fprintf(stderr, PROG ": ");
			text_fput_escaped(stderr, o->dbname, strlen(o->dbname),
			    TEXT_ESC_PLAIN);
			fputs(": connection lost during import of ", stderr);
			for (int i = 0; i < nfiles; i++) {
				if (i > 0)
					fputs(", ", stderr);
				text_fput_escaped(stderr, files[i], strlen(files[i]),
				    TEXT_ESC_PLAIN);
			}
			fputs("; nothing of it was stored\n", stderr);
		} else if (store_abort(run->st, err, sizeof(err)) == 0) {
			warn("%s: nothing of this run's unfinished captures was "
			    "stored; copies stored before are kept", o->dbname);
		} else {
			warn("%s: cannot remove this run's unfinished rows (%s): "
			    "they stay hidden, and the next import of the same "
			    "files replaces them", o->dbname, err);
		}
		store_close(run->st);
		free(run->cap_ids);
	}
	html_close(run, "", false);
	report_free(run->rep);
	source_free(a);
	return status;
}

/*
 * Analyses files (merged by time) and, with --db, stores them: the
 * report on stdout, the exit status returned.
 */
static int
run_files(const struct opts *o, char *const *files, int nfiles)
{
	struct source_cb cb = { NULL, on_dialog, on_stream, on_progress, NULL };
	struct run run;
	struct source *a;
	int status = 0, opened = 0;
	const char *db = o->db;

	memset(&run, 0, sizeof(run));
	run.progress = o->progress && isatty(STDERR_FILENO);
	cb.user = &run;
	if (db != NULL) {
		char err[512];

		cb.on_stream = on_stream_store;
		run.st = store_open(db, true, err, sizeof(err));
		if (run.st == NULL) {
			warn("%s: %s", o->dbname, err);
			return 3;
		}
		(void)store_set_site(run.st, o->site);
		run.cap_ids = calloc((size_t)nfiles, sizeof(int64_t));
		if (run.cap_ids == NULL) {
			store_close(run.st);
			return 3;
		}
	}
	a = source_open_files(NULL, 0, &cb, NULL, 0);
	run.rep = report_new(o->html != NULL && !o->format_given ? devnull() :
	    stdout, &o->ro);
	if (a == NULL || run.rep == NULL) {
		warn("out of memory");
		return 3;
	}
	if (o->html != NULL && html_open(&run, o->html, &o->ro, files,
	    nfiles) != 0) {
		report_free(run.rep);
		source_free(a);
		return 3;
	}
	if ((run.names = calloc((size_t)nfiles, sizeof(*run.names))) == NULL) {
		warn("out of memory");
		return store_give_up(&run, o, a, files, 0, 3);
	}
	/* From the first claim on, a signal gives this run's claims up. */
	catch_signals();
	for (int i = 0; i < nfiles && !interrupted; i++) {
		char err[512], sha[65], alias[32];
		const char *name = files[i];
		uint64_t size = 0;
		int64_t id = -1;

		if (run.st != NULL) {
			name = hash_input(files[i], sha, &size, alias, sizeof(alias),
			    err, sizeof(err));
			if (name == NULL) {
				warn("%s: %s", files[i], err);
				status = 3;
				continue;
			}
			switch (store_capture_claim(run.st, files[i], sha, size,
			    o->replace, &id, err, sizeof(err))) {
			case STORE_CLAIMED:
				break;
			case STORE_DUPLICATE:
				warn("%s: already in %s (same SHA-256), skipped; its "
				    "report: " PROG " --db '%s' --report --capture %"
				    PRId64 "; --replace imports it again", files[i],
				    o->dbname, o->dbname, id);
				continue;
			case STORE_REPEATED:
				warn("%s: given twice (same SHA-256 as an earlier "
				    "file of this run), skipped", files[i]);
				continue;
			case STORE_BUSY:
				warn("%s: %s; skipped, nothing of it stored by this "
				    "run", files[i], err);
				status = 3;
				continue;
			default:
				if (!store_lost(run.st))
					warn("%s: %s", o->dbname, err);
				return store_give_up(&run, o, a, files + i, 1, 3);
			}
		}
		if (source_add_file(a, name, err, sizeof(err)) != 0) {
			warn("%s: %s", files[i], err);
			status = 3;
			if (id > 0 && store_capture_abort(run.st, id) != 0) {
				if (!store_lost(run.st))
					warn("%s: %s", o->dbname, store_errmsg(run.st));
				return store_give_up(&run, o, a, files + i, 1, 3);
			}
			continue;
		}
		if (run.st != NULL)
			run.cap_ids[opened] = id;
		/* names[] becomes the opened files, in cap_idx order. */
		run.names[opened] = files[i];
		opened++;
	}
	/* The files' names as given, in cap_idx order, for frame refs. */
	if (opened > 0 && (report_captures(run.rep, run.names,
	    (size_t)opened) != 0 || (run.html != NULL &&
	    report_captures(run.html, run.names, (size_t)opened) != 0))) {
		warn("out of memory");
		return store_give_up(&run, o, a, files, nfiles, 3);
	}
	free(run.names);
	run.names = NULL;
	if (opened > 0 && !interrupted) {
		clock_gettime(CLOCK_MONOTONIC, &run.t0);
		report_begin(run.rep);
		running = a;
		(void)source_run(a, NULL, 0);
		running = NULL;
		if (run.progress_shown)
			fputs("\r\033[K", stderr);
		warn_inputs(a);
	}
	if (interrupted) {
		warn("interrupted");
		return store_give_up(&run, o, a, files, nfiles, 130);
	}
	if (opened > 0) {
		end_report(run.rep, run.html, a);
		for (int i = 0; run.st != NULL && !run.store_failed && i < opened;
		    i++)
			if (store_capture_end(run.st, run.cap_ids[i],
			    source_capture_info(a, (size_t)i),
			    source_capture_stats(a, (size_t)i)) != 0)
				run.store_failed = 1;
	}
	if (html_close(&run, o->html, opened > 0) != 0)
		status = 3;
	if (run.st != NULL && run.store_failed) {
		if (!store_lost(run.st))
			warn("%s: writing failed: %s", o->dbname,
			    store_errmsg(run.st));
		return store_give_up(&run, o, a, files, nfiles, 3);
	}
	if (run.st != NULL) {
		store_close(run.st);
		free(run.cap_ids);
	}
	if (status == 0 && report_affected(run.rep) > 0)
		status = 1;
	report_free(run.rep);
	source_free(a);
	return status;
}

/* Combines two exit statuses: 130 (interrupted), then 3, then 1. */
static int
worse(int a, int b)
{
	static const int rank[] = { 130, 3, 2, 1, 0 };

	for (size_t i = 0; i < sizeof(rank) / sizeof(rank[0]); i++)
		if (a == rank[i] || b == rank[i])
			return rank[i];
	return a;
}

/* Copies an unlinked temporary file's content to stdout and closes it. */
static void
copy_out(FILE *f)
{
	char buf[65536];
	size_t n;

	fflush(f);
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

/*
 * -j N: each file analysed on its own (and stored, with --db) in a child
 * process, N at a time; each child's report goes to a temporary file and
 * is printed whole, in the order the files were given.  A signal stops
 * the children (each gives its claims up) and waits for them.
 */
static int
run_jobs(const struct opts *o, char *const *files, int nfiles)
{
	pid_t *pid = calloc((size_t)nfiles, sizeof(*pid));
	FILE **out = calloc((size_t)nfiles, sizeof(*out));
	int *rc = calloc((size_t)nfiles, sizeof(*rc));
	int next = 0, shown = 0, running_n = 0, status = 0;

	if (pid == NULL || out == NULL || rc == NULL) {
		warn("out of memory");
		free(pid);
		free(out);
		free(rc);
		return 3;
	}
	catch_signals();
	while (shown < nfiles) {
		int wst;
		pid_t p;

		while (!interrupted && running_n < o->jobs && next < nfiles) {
			if ((out[next] = tmpfile()) == NULL) {
				warn("cannot create a temporary file: %s",
				    strerror(errno));
				interrupted = 1;
				break;
			}
			/* Nothing of ours may be written twice by the child. */
			fflush(stdout);
			fflush(stderr);
			if ((p = fork()) < 0) {
				warn("cannot start a process: %s", strerror(errno));
				fclose(out[next]);
				out[next] = NULL;
				interrupted = 1;
				break;
			}
			if (p == 0) {
				struct opts one = *o;

				if (dup2(fileno(out[next]), STDOUT_FILENO) < 0)
					_exit(3);
				one.jobs = 1;
				one.progress = false;
				rc[next] = run_files(&one, files + next, 1);
				fflush(stdout);
				_exit(ferror(stdout) ? 3 : rc[next]);
			}
			pid[next++] = p;
			running_n++;
		}
		if (running_n == 0)
			break;
		p = waitpid(-1, &wst, 0);
		if (p < 0) {
			if (errno == EINTR && interrupted) {
				/* Passed on: each child stops and gives up. */
				for (int i = 0; i < next; i++)
					if (pid[i] > 0)
						kill(pid[i], SIGTERM);
				continue;
			}
			break;
		}
		for (int i = 0; i < next; i++) {
			if (pid[i] != p)
				continue;
			pid[i] = 0;
			rc[i] = WIFEXITED(wst) ? WEXITSTATUS(wst) : 3;
			running_n--;
		}
		/* Reports in the order of the files. */
		while (shown < next && pid[shown] == 0) {
			if (out[shown] != NULL)
				copy_out(out[shown]);
			status = worse(status, rc[shown]);
			shown++;
		}
	}
	for (int i = shown; i < nfiles; i++)
		if (out[i] != NULL)
			fclose(out[i]);
	if (interrupted)
		status = 130;
	free(pid);
	free(out);
	free(rc);
	return status;
}

static int
analyze(int argc, char **argv)
{
	struct opts o;
	int c;
	const char *fix_vendor = NULL, *capture = NULL;
	char *end;
	const char *inside = NULL, *outside = NULL;
	bool from_db = false;

	memset(&o, 0, sizeof(o));
	o.ro.format = REPORT_TEXT;
	o.progress = true;
	o.jobs = 1;

	while ((c = getopt_long(argc, argv, "f:mcavs:C:j:qhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			o.format_given = true;
			if (strcmp(optarg, "text") == 0)
				o.ro.format = REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.ro.format = REPORT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				o.ro.format = REPORT_CSV;
			else {
				warn("unknown format '%s' (text, json or csv)",
				    optarg);
				return 2;
			}
			break;
		case 'm':
			o.ro.messages = true;
			break;
		case 'c':
			o.ro.only_calls = true;
			break;
		case 'a':
			o.ro.all = true;
			break;
		case 'v':
			o.ro.verbose = true;
			break;
		case 's':
			if (symptom_lookup(optarg) < 0) {
				warn("unknown symptom '%s' (see --help for the "
				    "ids)", optarg);
				return 2;
			}
			o.ro.symptom = optarg;
			break;
		case 'C':
			errno = 0;
			o.ro.min_confidence = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o.ro.min_confidence >= 0 &&
			    o.ro.min_confidence <= 1)) {
				warn("--min-confidence '%s': a number from 0 to 1",
				    optarg);
				return 2;
			}
			break;
		case 'j':
			errno = 0;
			o.jobs = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    o.jobs < 1 || o.jobs > 256) {
				warn("-j '%s': a number of processes from 1 to 256",
				    optarg);
				return 2;
			}
			break;
		case 'F':
			fix_vendor = optarg;
			break;
		case 'H':
			o.html = optarg;
			break;
		case 'D':
			o.db = optarg;
			break;
		case 'R':
			o.replace = true;
			break;
		case 'P':
			from_db = true;
			break;
		case OPT_SITE:
			if (*optarg == '\0' || strlen(optarg) > 255) {
				warn("--site '%s': a name of 1 to 255 bytes", optarg);
				return 2;
			}
			o.site = optarg;
			break;
		case OPT_CAPTURE:
			capture = optarg;
			break;
		case 'I':
			inside = optarg;
			break;
		case 'O':
			outside = optarg;
			break;
		case 'q':
			o.progress = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION PG_NOTE "\n");
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
	}
	if (fix_vendor != NULL && o.html == NULL)
		return fix(fix_vendor);
	if (fix_vendor != NULL && remedy_find(fix_vendor) == NULL) {
		warn("unknown vendor '%s' (--fix list shows them)", fix_vendor);
		return 2;
	}
	o.ro.fix_vendor = fix_vendor;
	if ((inside == NULL) != (outside == NULL)) {
		fprintf(stderr, PROG ": --inside and --outside go together\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (o.db != NULL)
		store_redact(o.db, o.dbname, sizeof(o.dbname));
	if (inside != NULL) {
		if (optind < argc) {
			fprintf(stderr, PROG ": --inside/--outside take no other "
			    "capture\nTry '" PROG " --help'.\n");
			return 2;
		}
		if (o.db != NULL || from_db) {
			fprintf(stderr, PROG ": --inside/--outside take no --db: "
			    "the store keeps analyses of single captures, not "
			    "comparisons (import each side on its own)\n"
			    "Try '" PROG " --help'.\n");
			return 2;
		}
		return compare(inside, outside, o.ro.format,
		    o.html == NULL || o.format_given, o.html);
	}
	if (capture != NULL && !from_db) {
		fprintf(stderr, PROG ": --capture chooses what --report shows\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (from_db) {
		struct run run;
		uint64_t id;

		if (o.db == NULL || optind < argc) {
			fprintf(stderr, PROG ": --report needs --db and no capture "
			    "file\nTry '" PROG " --help'.\n");
			return 2;
		}
		/* --capture NAME|ID: a number is an id, anything else a path
		 * or file name. */
		if (capture != NULL && text_parse_uint(capture, strlen(capture),
		    INT64_MAX, &id) == 0 && id > 0)
			o.filter.capture_id = (int64_t)id;
		else
			o.filter.capture = capture;
		o.filter.site = o.site;
		memset(&run, 0, sizeof(run));
		return report_from_db(&run, &o);
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no capture file given\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (o.site != NULL && o.db == NULL) {
		fprintf(stderr, PROG ": --site tags what --db stores, or chooses "
		    "what --report shows\nTry '" PROG " --help'.\n");
		return 2;
	}
	if (o.jobs > 1 && argc - optind > 1 && o.html != NULL) {
		fprintf(stderr, PROG ": --html writes one page over the files "
		    "analysed together; -j analyses them apart\nTry '" PROG
		    " --help'.\n");
		return 2;
	}
	if (o.jobs > 1 && argc - optind > 1)
		return run_jobs(&o, argv + optind, argc - optind);
	return run_files(&o, argv + optind, argc - optind);
}

/*
 * Standard output is written through stdio buffers: only its flush at the
 * end says whether everything reached the file, pipe or disk.
 */
int
main(int argc, char **argv)
{
	int e, status = outfile_main(analyze, argc, argv, &e);

	if (e != 0) {
		warn("writing output: %s", strerror(e));
		return 3;
	}
	return status;
}
