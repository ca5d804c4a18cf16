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
 * With --db the analysis is also written to an SQLite store (store.h): a
 * capture already stored is skipped unless --replace; a run interrupted
 * by a signal leaves its capture marked incomplete.  --report prints the
 * report from the store, re-running the detectors on the stored dialogs.
 * --inside/--outside compare two captures of the same traffic (diff.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "analysis.h"
#include "detect/detect.h"
#include "diff/diff.h"
#include "detect/remedy.h"
#include "output/report.h"
#include "base/sha256.h"
#include "store/store.h"

#define PROG "sipalg-analyze"

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "messages", no_argument, NULL, 'm' },
	{ "calls", no_argument, NULL, 'c' },
	{ "all", no_argument, NULL, 'a' },
	{ "symptom", required_argument, NULL, 's' },
	{ "min-confidence", required_argument, NULL, 'C' },
	{ "fix", required_argument, NULL, 'F' },
	{ "db", required_argument, NULL, 'D' },
	{ "replace", no_argument, NULL, 'R' },
	{ "report", no_argument, NULL, 'P' },
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
	    "       " PROG " --db FILE.db [--replace] FILE...\n"
	    "       " PROG " --db FILE.db --report\n"
	    "       " PROG " --inside LAN.pcap --outside WAN.pcap\n"
	    "       " PROG " --fix VENDOR|list\n"
	    "Analyse pcap/pcapng captures of SIP and RTP: reassemble dialogs\n"
	    "(UDP, TCP, WebSocket, SCTP, IP fragments, tunnels) and their RTP\n"
	    "streams, say whether a SIP ALG is at work, and show each call's\n"
	    "symptoms (dropped at 32 s, one-way audio ...) with the evidence.\n"
	    "\n"
	    "  -f, --format FMT        text (default), json or csv\n"
	    "  -m, --messages          list every message of each dialog shown\n"
	    "  -c, --calls             only INVITE dialogs (no REGISTER, OPTIONS ...)\n"
	    "  -a, --all               text: list dialogs without findings in full\n"
	    "  -s, --symptom ID        only findings with this id (see below)\n"
	    "  -C, --min-confidence X  only findings with confidence >= X (0-1)\n"
	    "      --fix VENDOR        how to turn the SIP ALG off on VENDOR's\n"
	    "                          equipment; --fix list lists the vendors\n"
	    "      --db FILE.db        also store the analysis in an SQLite\n"
	    "                          database (created if missing); with no\n"
	    "                          capture and --report, report from it\n"
	    "      --replace           re-import captures already stored\n"
	    "      --report            print the report from --db\n"
	    "      --inside FILE       capture on the LAN side of the router ...\n"
	    "      --outside FILE      ... and on its WAN side: show what the\n"
	    "                          router rewrote, dropped or added (text or\n"
	    "                          json)\n"
	    "  -q, --quiet             no progress line on stderr\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n"
	    "\n");
	usage_symptoms(f);
	fprintf(f,
	    "\n"
	    "Several files are merged by time.  Exit status: 0 no finding,\n"
	    "1 findings reported, 2 usage error, 3 a file or database could\n"
	    "not be read (the other files are still analysed), 130 interrupted.\n");
}

struct run {
	struct report *rep;
	struct store *st;         /* --db, NULL otherwise */
	int64_t *cap_ids;         /* store id per opened capture */
	struct detect *dt;        /* --report: detectors re-run on stored dialogs */
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
		fprintf(stderr, PROG ": unknown vendor '%s' (--fix list shows "
		    "them)\n", name);
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

	if (r->st != NULL && !r->store_failed &&
	    store_put_dialog(r->st, r->cap_ids[d->cap_idx], d) != 0)
		r->store_failed = 1;
	report_dialog(r->rep, d);
	return false;
}

static void
on_stream(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	report_stream(r->rep, s);
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
	report_stream(r->rep, s);
}

/* ---- --report: the report from the store ---- */

struct stored {
	struct store_capture *caps;
	size_t n;
};

static struct stored stored_caps;

static void
on_stored_capture(void *user, const struct store_capture *c)
{
	struct store_capture *nc;

	(void)user;
	nc = realloc(stored_caps.caps, (stored_caps.n + 1) * sizeof(*nc));
	if (nc == NULL)
		return;
	stored_caps.caps = nc;
	nc[stored_caps.n] = *c;
	nc[stored_caps.n].info.path = strdup(c->info.path ? c->info.path : "");
	stored_caps.n++;
}

static bool
on_stored_dialog(void *user, struct dialog *d)
{
	struct run *r = user;

	/* The detectors run again in stored order, so cross-dialog state
	 * (registrations, the verdict) builds up as in the original run. */
	free(d->findings);
	d->findings = NULL;
	detect_dialog(r->dt, d);
	report_dialog(r->rep, d);
	return false;
}

static int
report_from_db(struct run *run, const char *db)
{
	char err[512];
	struct store *st = store_open(db, false, err, sizeof(err));
	struct report_capture *rc;
	int status = 0;

	if (st == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", db, err);
		return 3;
	}
	run->dt = detect_new();
	if (run->dt == NULL) {
		store_close(st);
		fprintf(stderr, PROG ": out of memory\n");
		return 3;
	}
	report_begin(run->rep);
	if (store_read(st, on_stored_capture, on_stored_dialog, on_stream, run,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", db, err);
		status = 3;
	}
	rc = calloc(stored_caps.n ? stored_caps.n : 1, sizeof(*rc));
	for (size_t i = 0; rc != NULL && i < stored_caps.n; i++) {
		stored_caps.caps[i].info.linkname = stored_caps.caps[i].link;
		rc[i].info = &stored_caps.caps[i].info;
		rc[i].stats = &stored_caps.caps[i].stats;
	}
	if (rc != NULL) {
		struct report_summary sum = { rc, stored_caps.n, { 0 } };

		detect_verdict_get(run->dt, &sum.verdict);
		report_end(run->rep, &sum);
	}
	free(rc);
	for (size_t i = 0; i < stored_caps.n; i++)
		free(stored_caps.caps[i].info.path);
	free(stored_caps.caps);
	detect_free(run->dt);
	store_close(st);
	if (status == 0 && report_affected(run->rep) > 0)
		status = 1;
	return status;
}

/* The report's summary of an analysis run: its captures and verdict. */
static void
end_report(struct report *rep, struct analysis *a)
{
	size_t n = analysis_capture_count(a);
	struct report_capture *caps = calloc(n ? n : 1, sizeof(*caps));
	struct report_summary sum = { caps, n, { 0 } };

	if (caps == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		caps[i].info = analysis_capture_info(a, i);
		caps[i].stats = analysis_capture_stats(a, i);
	}
	detect_verdict_get(analysis_detect(a), &sum.verdict);
	report_end(rep, &sum);
	free(caps);
}

/* ---- signals: stop cleanly, leave the store consistent ---- */

static struct analysis *running;
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (running != NULL)
		analysis_stop(running);
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

static int
compare(const char *inside, const char *outside, enum report_format fmt)
{
	struct diff_opts o;
	char err[512];

	if (fmt == REPORT_CSV) {
		fprintf(stderr, PROG ": --inside/--outside: text or json only\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.format = fmt == REPORT_JSON ? DIFF_JSON : DIFF_TEXT;
	if (diff_run(inside, outside, &o, stdout, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 3;
	}
	return 0;
}

static void
on_progress(void *user, uint64_t done, uint64_t total, uint64_t packets)
{
	struct run *r = user;
	struct timespec now;
	double el;

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

int
main(int argc, char **argv)
{
	struct report_opts ro = { REPORT_TEXT, false, false, false, NULL, 0 };
	struct analysis_cb cb = { on_dialog, on_stream, on_progress, NULL };
	struct run run;
	struct analysis *a;
	int c, status = 0, opened = 0;
	const char *fix_vendor = NULL;
	char *end;
	const char *db = NULL, *inside = NULL, *outside = NULL;
	bool replace = false, from_db = false;

	memset(&run, 0, sizeof(run));
	run.progress = 1;

	while ((c = getopt_long(argc, argv, "f:mcas:C:qhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				ro.format = REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				ro.format = REPORT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				ro.format = REPORT_CSV;
			else {
				fprintf(stderr, PROG ": unknown format '%s' "
				    "(text, json or csv)\n", optarg);
				return 2;
			}
			break;
		case 'm':
			ro.messages = true;
			break;
		case 'c':
			ro.only_calls = true;
			break;
		case 'a':
			ro.all = true;
			break;
		case 's':
			if (symptom_lookup(optarg) < 0) {
				fprintf(stderr, PROG ": unknown symptom '%s' "
				    "(see --help for the ids)\n", optarg);
				return 2;
			}
			ro.symptom = optarg;
			break;
		case 'C':
			errno = 0;
			ro.min_confidence = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(ro.min_confidence >= 0 &&
			    ro.min_confidence <= 1)) {
				fprintf(stderr, PROG ": --min-confidence '%s': "
				    "a number from 0 to 1\n", optarg);
				return 2;
			}
			break;
		case 'F':
			fix_vendor = optarg;
			break;
		case 'D':
			db = optarg;
			break;
		case 'R':
			replace = true;
			break;
		case 'P':
			from_db = true;
			break;
		case 'I':
			inside = optarg;
			break;
		case 'O':
			outside = optarg;
			break;
		case 'q':
			run.progress = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
	}
	if (fix_vendor != NULL)
		return fix(fix_vendor);
	if ((inside == NULL) != (outside == NULL)) {
		fprintf(stderr, PROG ": --inside and --outside go together\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (inside != NULL) {
		if (optind < argc || db != NULL) {
			fprintf(stderr, PROG ": --inside/--outside take no other "
			    "capture and no --db\nTry '" PROG " --help'.\n");
			return 2;
		}
		return compare(inside, outside, ro.format);
	}
	if (from_db) {
		if (db == NULL || optind < argc) {
			fprintf(stderr, PROG ": --report needs --db and no capture "
			    "file\nTry '" PROG " --help'.\n");
			return 2;
		}
		run.rep = report_new(stdout, &ro);
		if (run.rep == NULL)
			return 3;
		c = report_from_db(&run, db);
		report_free(run.rep);
		return c;
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no capture file given\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (!isatty(STDERR_FILENO))
		run.progress = 0;

	cb.user = &run;
	if (db != NULL) {
		char err[512];

		cb.on_stream = on_stream_store;
		run.st = store_open(db, true, err, sizeof(err));
		if (run.st == NULL) {
			fprintf(stderr, PROG ": %s: %s\n", db, err);
			return 3;
		}
		run.cap_ids = calloc((size_t)(argc - optind), sizeof(int64_t));
		if (run.cap_ids == NULL) {
			store_close(run.st);
			return 3;
		}
	}
	a = analysis_new(&cb);
	run.rep = report_new(stdout, &ro);
	if (a == NULL || run.rep == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 3;
	}
	for (int i = optind; i < argc; i++) {
		char err[512], sha[65];

		if (run.st != NULL) {
			if (sha256_file(argv[i], sha) != 0) {
				fprintf(stderr, PROG ": %s: %s\n", argv[i],
				    strerror(errno));
				status = 3;
				continue;
			}
			if (!replace &&
			    store_has_capture(run.st, sha) == STORE_COMPLETE) {
				fprintf(stderr, PROG ": %s: already in %s (same "
				    "SHA-256), skipped; --replace imports it "
				    "again\n", argv[i], db);
				continue;
			}
		}
		if (analysis_add_file(a, argv[i], err, sizeof(err)) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", argv[i], err);
			status = 3;
			continue;
		}
		if (run.st != NULL) {
			const struct capture_info *ci =
			    analysis_capture_info(a, (size_t)opened);

			run.cap_ids[opened] = store_capture_begin(run.st, argv[i],
			    sha, ci->size, err, sizeof(err));
			if (run.cap_ids[opened] < 0) {
				fprintf(stderr, PROG ": %s: %s\n", db, err);
				store_close(run.st);
				return 3;
			}
		}
		opened++;
	}
	if (opened > 0) {
		clock_gettime(CLOCK_MONOTONIC, &run.t0);
		report_begin(run.rep);
		running = a;
		catch_signals();
		analysis_run(a);
		running = NULL;
		if (run.progress_shown)
			fputs("\r\033[K", stderr);
		if (interrupted) {
			/* Pending dialogs are committed; the captures stay
			 * marked incomplete and are replaced by the next import. */
			fprintf(stderr, PROG ": interrupted%s\n", run.st ?
			    "; the database keeps this run's captures marked "
			    "incomplete" : "");
			store_close(run.st);
			report_free(run.rep);
			analysis_free(a);
			free(run.cap_ids);
			return 130;
		}
		end_report(run.rep, a);
		for (int i = 0; run.st != NULL && i < opened; i++)
			if (store_capture_end(run.st, run.cap_ids[i],
			    analysis_capture_info(a, (size_t)i),
			    analysis_capture_stats(a, (size_t)i)) != 0)
				run.store_failed = 1;
	}
	if (run.st != NULL) {
		if (run.store_failed) {
			fprintf(stderr, PROG ": %s: writing failed: %s\n", db,
			    store_errmsg(run.st));
			status = 3;
		}
		store_close(run.st);
		free(run.cap_ids);
	}
	if (status == 0 && report_affected(run.rep) > 0)
		status = 1;
	report_free(run.rep);
	analysis_free(a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": writing output: %s\n", strerror(errno));
		return 3;
	}
	return status;
}
