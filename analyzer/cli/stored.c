/*
 * stored.c - sipalg-analyze --db DB --report (cli.h): the report from the
 * store, read through the source layer (source/source.h) as the browser
 * reads it, with the findings that were stored.  The captures --capture
 * and --site choose are listed first; each gets its own report (its
 * verdict, its calls), then each site that groups several gets one
 * verdict; a single capture gets the plain report, the same as analysing
 * the file.  With --html one page covers every capture chosen.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/json.h"

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
	cli_end_report(rep, html, src);
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

/*
 * --report: one report per stored capture (its own verdict, its calls),
 * in import order, then one verdict per site that groups several; a
 * single capture (or none) gets the plain report, the same as analysing
 * that file.  --capture and --site choose the captures.  JSON: the
 * per-capture reports in "reports", the site verdicts in "sites".
 * --html: one page over every capture chosen.  The store is read through
 * the source (source.h), whichever its backend.
 */
int
cli_report_from_db(struct run *run, const struct opts *o)
{
	const struct store_filter *f = &o->filter;
	const char *dbname = o->dbname;
	FILE *out = o->html != NULL && !o->format_given ? cli_devnull() : stdout;
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
	cb.on_dialog = cli_on_dialog;
	cb.on_stream = cli_on_stream;
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
	if (o->html != NULL && cli_html_open(run, o->html, &o->ro, NULL, 0) != 0) {
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
	if (cli_html_close(run, o->html, status != 3) != 0)
		status = 3;
	stored_free(&all);
	source_free(src);
	if (status == 0 && affected > 0)
		status = 1;
	return status;
}
