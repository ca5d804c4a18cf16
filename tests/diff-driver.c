/*
 * diff-driver.c - runs diff_run() on an inside and an outside capture, for
 * the shell tests (tests/diff.sh) until sipalg-analyze has --inside and
 * --outside.
 *
 * Usage: diff-driver [--json] [--window-ms N] [--offset-ns N]
 *                    INSIDE.pcap OUTSIDE.pcap
 * Exit: 0 done, 2 misuse, 3 a file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff/diff.h"
#include "base/text.h"

static int
usage(void)
{
	fprintf(stderr, "usage: diff-driver [--json] [--changes] "
	    "[--window-ms N] [--offset-ns N] INSIDE.pcap OUTSIDE.pcap\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct diff_opts o;
	char err[256];
	uint64_t v;
	int i;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.format = DIFF_JSON;
		} else if (strcmp(argv[i], "--changes") == 0) {
			o.only_changes = true;
		} else if (strcmp(argv[i], "--window-ms") == 0 && i + 1 < argc) {
			i++;
			if (text_parse_uint(argv[i], strlen(argv[i]), 60000,
			    &v) != 0 || v == 0) {
				fprintf(stderr, "diff-driver: --window-ms must "
				    "be 1..60000\n");
				return 2;
			}
			o.window_ns = (int64_t)v * 1000000;
		} else if (strcmp(argv[i], "--offset-ns") == 0 && i + 1 < argc) {
			const char *s = argv[++i];
			int neg = s[0] == '-';

			if (text_parse_uint(s + neg, strlen(s + neg),
			    INT64_MAX / 2, &v) != 0) {
				fprintf(stderr, "diff-driver: bad --offset-ns\n");
				return 2;
			}
			o.offset_given = true;
			o.offset_ns = neg ? -(int64_t)v : (int64_t)v;
		} else {
			return usage();
		}
	}
	if (argc - i != 2)
		return usage();
	if (diff_run(argv[i], argv[i + 1], &o, stdout, NULL, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "diff-driver: %s\n", err);
		return 3;
	}
	return 0;
}
