/*
 * outputs.c - the reports one run of sipalg-analyze writes (cli.h): the
 * source callbacks that hand each dialog and unannounced stream to the
 * report on stdout, to the --html page and (dialogs) to the store; the
 * summary at the end; and the --html page's file, written to a temporary
 * beside FILE and renamed over it only when complete (base/outfile.h),
 * so that an interrupted run never leaves half a page.  Used by the file
 * driver (files.c) and the store driver (stored.c) alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

bool
cli_on_dialog(void *user, struct dialog *d)
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

void
cli_on_stream(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	if (r->rep != NULL)
		report_stream(r->rep, s);
	if (r->html != NULL)
		report_stream(r->html, s);
}

/* The report's summary of a source: its captures and verdict, to rep
 * and html (either may be NULL). */
void
cli_end_report(struct report *rep, struct report *html, struct source *src)
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

/* Where the stdout report goes when only --html was asked for.  Kept
 * open (and reachable) to the end. */
FILE *
cli_devnull(void)
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
int
cli_html_open(struct run *run, const char *path, const struct report_opts *o,
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
int
cli_html_close(struct run *run, const char *path, bool ok)
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
