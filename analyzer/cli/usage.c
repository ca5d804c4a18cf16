/*
 * usage.c - sipalg-analyze's options as the user sees them (cli.h): the
 * table of long options getopt_long reads, --help (the options, the
 * symptom ids from the catalogue, the exit statuses) and --fix VENDOR
 * without --html (the built-in steps to turn a router's SIP ALG off, or
 * the list of vendors).  What the options do is decided in
 * sipalg-analyze.c; the help text here must say the same (man page too).
 */
#include <stdio.h>
#include <string.h>

#include "base/cliopt.h"
#include "cli/cli.h"
#include "detect/detect.h"
#include "detect/remedy.h"

const struct option cli_longopts[] = {
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
	CLIOPT_TAIL
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

void
cli_usage(FILE *f)
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
	    "own).  A thread reads each capture ahead on a second CPU (files\n"
	    "from 4 MB, streams); SIPALG_READAHEAD=0 turns it off, =1 on.\n"
	    "Exit status: 0 no finding,\n"
	    "1 findings reported, 2 usage error, 3 a file or database could\n"
	    "not be read or written, or a capture is being imported by another\n"
	    "process (the other files are still analysed), 130 interrupted.\n");
}

int
cli_fix(const char *name)
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
