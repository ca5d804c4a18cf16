/*
 * pair.c - sipalg-analyze --inside A --outside B (cli.h): the comparison
 * of two captures of the same traffic on the two sides of a router
 * (diff/diff.h) on stdout, and with --html as a page written through a
 * temporary file (the captures are then read once more).  The exit
 * status says whether the inputs could be compared as given (3, each
 * problem said with its fix) and whether the router dropped or injected
 * SIP messages (1).
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "diff/diff.h"

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
int
cli_compare(const char *inside, const char *outside, enum report_format fmt,
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
