/*
 * sipalg-analyze.c - the command-line front-end of the analyzer.
 *
 * Reads capture files, runs the analysis library over them and prints the
 * ALG verdict, the calls with symptoms and their evidence (text, JSON or
 * CSV) on stdout; --fix prints the built-in steps to turn a router's SIP
 * ALG off.  All analysis lives in the library; the front end only parses
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
 * This file parses the options, checks what goes together and hands
 * the run to one driver: the captures (files.c, -j: jobs.c), the store
 * (stored.c) or a comparison (pair.c); cli.h lists the files of the
 * front end and what each offers.
 *
 * Standard output is checked when the program ends: a write error (a
 * full disk) is "sipalg-analyze: writing output: REASON" and exit 3.
 * Messages on stderr are escaped (text_fwarn): file names and errors may
 * carry control characters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "detect/detect.h"
#include "detect/remedy.h"

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

	while ((c = getopt_long(argc, argv, "f:mcavs:C:j:qhV", cli_longopts,
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
			cli_usage(stdout);
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
		return cli_fix(fix_vendor);
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
		return cli_compare(inside, outside, o.ro.format,
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
		return cli_report_from_db(&run, &o);
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
		return cli_run_jobs(&o, argv + optind, argc - optind);
	return cli_run_files(&o, argv + optind, argc - optind);
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
