/*
 * cliopt.h - what the command-line front ends share in their getopt_long
 * tables: every program takes --help (-h) and --version (-V), and these
 * end its table.
 */
#ifndef SIPALG_CLIOPT_H
#define SIPALG_CLIOPT_H

#include <getopt.h>

/* The last entries of a struct option table: --help, --version and the
 * terminator.  The program handles 'h' and 'V'. */
#define CLIOPT_TAIL \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ NULL, 0, NULL, 0 }

#endif /* SIPALG_CLIOPT_H */
