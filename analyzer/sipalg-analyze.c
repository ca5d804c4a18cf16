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
 * (3 wins over 1 when both apply).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "analysis.h"
#include "detect.h"
#include "remedy.h"
#include "report.h"

#define PROG "sipalg-analyze"

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "messages", no_argument, NULL, 'm' },
	{ "calls", no_argument, NULL, 'c' },
	{ "all", no_argument, NULL, 'a' },
	{ "symptom", required_argument, NULL, 's' },
	{ "min-confidence", required_argument, NULL, 'C' },
	{ "fix", required_argument, NULL, 'F' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " PROG " [options] FILE...\n"
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
	    "  -q, --quiet             no progress line on stderr\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n"
	    "\n"
	    "Symptom ids: ack_timeout_drop, one_way_audio, no_audio,\n"
	    "ringing_after_answer, inbound_call_unanswered, registration_failure,\n"
	    "caller_id_mismatch, transfer_failure, session_refresh_failure,\n"
	    "media_lost_after_hold, alg_rewrite_evidence.\n"
	    "\n"
	    "Several files are merged by time.  Exit status: 0 no finding,\n"
	    "1 findings reported, 2 usage error, 3 a file could not be read\n"
	    "(the others are still analysed).\n");
}

struct run {
	struct report *rep;
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
known_symptom(const char *id)
{
	for (int i = 0; detect_ids[i] != NULL; i++)
		if (strcmp(detect_ids[i], id) == 0)
			return true;
	return false;
}

static bool
on_dialog(void *user, struct dialog *d)
{
	struct run *r = user;

	report_dialog(r->rep, d);
	return false;
}

static void
on_stream(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	report_stream(r->rep, s);
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
	struct run run = { NULL, 1, { 0, 0 }, 0 };
	struct analysis *a;
	int c, status = 0, opened = 0;
	const char *fix_vendor = NULL;
	char *end;

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
			if (!known_symptom(optarg)) {
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
	if (optind >= argc) {
		fprintf(stderr, PROG ": no capture file given\n"
		    "Try '" PROG " --help'.\n");
		return 2;
	}
	if (!isatty(STDERR_FILENO))
		run.progress = 0;

	cb.user = &run;
	a = analysis_new(&cb);
	run.rep = report_new(stdout, &ro);
	if (a == NULL || run.rep == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 3;
	}
	for (int i = optind; i < argc; i++) {
		char err[512];

		if (analysis_add_file(a, argv[i], err, sizeof(err)) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", argv[i], err);
			status = 3;
			continue;
		}
		opened++;
	}
	if (opened > 0) {
		clock_gettime(CLOCK_MONOTONIC, &run.t0);
		report_begin(run.rep);
		analysis_run(a);
		if (run.progress_shown)
			fputs("\r\033[K", stderr);
		report_end(run.rep, a);
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
