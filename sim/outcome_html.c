/*
 * outcome_html.c - the simulator's predictions as one HTML page
 * (outcome_html.h), beside the text and JSON of outcome.c.
 *
 * For --compare it sets the ALG-off and the ALG-on prediction of each
 * call side by side; for --profiles and --sweep, one column per
 * configuration.  Each cell gives the outcome (a badge, green when the
 * call works), when it happens, the inside frame that causes it and the
 * rule in words, with the other problems, the phone's note and the far
 * end's modelled frames in the outside pcap; a call whose outcome
 * differs between the columns is marked.  Then, per configuration, the
 * far-end assumptions the predictions rest on (each knob's value and
 * whether the capture showed it or it is the profile's or a --set), the
 * packet counts and the drops (frame, time, where, what, why).  The
 * verdict of every configuration comes first.
 *
 * The page frame, palette and escaping are the project's shared ones
 * (base/html.h); no script, no URL outside the page.  Every string from
 * the capture (Call-IDs, methods, the rules, which quote packet fields)
 * goes through html_esc().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/html.h"
#include "base/outfile.h"
#include "config.h"
#include "outcome.h"
#include "outcome_html.h"

static const char css[] =
".badge{margin-right:.3em}td.pred{min-width:16em}\n"
".rule{margin:.2em 0}.also{color:var(--warn)}\n"
"tr.differs>td:first-child{border-left:4px solid var(--bad)}\n"
".drops td{font-family:ui-monospace,monospace;font-size:12px}\n"
"td.inferred{font-weight:bold}\n";

static double
rel(const struct sim_result *r, int64_t t)
{
	return t == 0 ? 0.0 : (double)(t - r->first_ns) / 1e9;
}

static const char *
kind_name(const struct sim_row *d)
{
	return d->kind == FE_CALL ? "call" : d->kind == FE_REGISTER ?
	    "registration" : "other";
}

/* The row of run r that is the leg d0 (one Call-ID, one inside phone)
 * into *row, or NULL when that run has no such dialog. */
static const struct sim_row *
leg(const struct sim_cfg *cfg, const struct sim_result *r,
    const struct sim_row *d0, struct sim_row *row)
{
	size_t k = sim_leg(r, d0->call_id, &d0->phone_ip, SIZE_MAX);

	if (k == SIZE_MAX || outcome_row_get(cfg, r, k, row) != 0)
		return NULL;
	return row;
}

static void
cell(FILE *f, const struct sim_result *r, const struct sim_row *d)
{
	const struct outcome *op = d != NULL ? &d->o : NULL;
#define o (*op)

	fputs("<td class=\"pred\">", f);
	if (d == NULL) {
		fputs("<span class=\"meta\">not in this run</span></td>", f);
		return;
	}
	fprintf(f, "<span class=\"badge%s\">", outcome_ok(o.id) ? " ok" : "");
	html_esc(f, outcome_name(o.id));
	fputs("</span>", f);
	if (o.direction[0]) {
		fputs(" (", f);
		html_escn(f, o.direction, sizeof(o.direction));
		fputs(" still works)", f);
	}
	if (o.t_ns != 0)
		fprintf(f, " at +%.3f s", rel(r, o.t_ns));
	if (o.frame != 0)
		fprintf(f, ", <b>frame %" PRIu64 "</b>", o.frame);
	if (o.detail[0]) {
		fputs("<p class=\"rule\"><b>Rule:</b> ", f);
		html_escn(f, o.detail, sizeof(o.detail));
		fputs("</p>", f);
	}
	if (o.also[0]) {
		fputs("<p class=\"also\">also: ", f);
		html_escn(f, o.also, sizeof(o.also));
		fputs("</p>", f);
	}
	if (o.unobservable) {
		fputs("<p class=\"meta\">not observable in the written views: ", f);
		html_escn(f, o.unobs_why, sizeof(o.unobs_why));
		fputs("</p>", f);
	}
	if (d->note[0]) {
		fputs("<p class=\"meta\">note: ", f);
		html_escn(f, d->note, sizeof(d->note));
		fputs("</p>", f);
	}
	{
		uint64_t mr = d->mrtp, mi = d->mrtp_in, ms = d->msip;

		if (mr + ms > 0)
			fprintf(f, "<p class=\"meta modelled\">modelled in the "
			    "outside pcap: %" PRIu64 " far-end RTP packets (%" PRIu64
			    " let in by the NAT), %" PRIu64 " SIP retransmissions"
			    "</p>", mr, mi, ms);
	}
	fputs("</td>", f);
#undef o
}

/* Whether the leg's outcome differs between the runs. */
static bool
differs(const struct sim_cfg *const *cfgs, const struct sim_result *const *res,
    size_t n, const struct sim_row *d0)
{
	struct sim_row row;

	for (size_t j = 1; j < n; j++) {
		const struct sim_row *d = leg(cfgs[j], res[j], d0, &row);

		if (d == NULL)
			return true;
		if (d->o.id != d0->o.id ||
		    strcmp(d->o.direction, d0->o.direction) != 0)
			return true;
	}
	return false;
}

static void
run_title(FILE *f, const struct sim_cfg *cfg)
{
	if (!cfg->alg && strcmp(cfg->name, "off") == 0)
		fputs("ALG off", f);
	else {
		fputs("profile ", f);
		html_escn(f, cfg->name, sizeof(cfg->name));
		fputs(cfg->alg ? " (ALG on)" : " (ALG off)", f);
	}
}

static void
html_calls(FILE *f, const struct sim_cfg *const *cfgs,
    const struct sim_result *const *res, size_t n)
{
	char a[NETADDR_STRLEN];

	fprintf(f, "<section id=\"calls\"><h2>Dialogs (%zu), predicted "
	    "side by side</h2>\n<div class=\"scroll\"><table class=\"calls\">"
	    "<thead><tr><th>#</th><th>dialog</th>", res[0]->nseq);
	for (size_t j = 0; j < n; j++) {
		fputs("<th>", f);
		run_title(f, cfgs[j]);
		fputs("</th>", f);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < res[0]->nseq; i++) {
		struct sim_row row0, row;
		const struct sim_row *d0 = &row0;

		if (outcome_row_get(cfgs[0], res[0], i, &row0) != 0)
			continue;

		fprintf(f, "<tr class=\"dialog%s\"><td class=\"n\">%zu</td><td>"
		    "%s ", n > 1 && differs(cfgs, res, n, d0) ? " differs" : "",
		    i + 1, kind_name(d0));
		html_escn(f, d0->first_method, sizeof(d0->first_method));
		fprintf(f, " %s<br><code>", d0->phone_uac ? "phone \u2192 out" :
		    "out \u2192 phone");
		html_escn(f, d0->call_id, sizeof(d0->call_id));
		fputs("</code><br><span class=\"meta\">phone ", f);
		html_esc(f, ep_ip_str(&d0->phone_ip, a, sizeof(a)));
		fprintf(f, ", first frame %" PRIu64 "</span></td>",
		    d0->first_frame);
		for (size_t j = 0; j < n; j++)
			cell(f, res[j], j == 0 ? d0 : leg(cfgs[j], res[j], d0,
			    &row));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
}

/* The far-end assumptions of one run: knob, value, where it comes from
 * (an inferred one in bold), what the capture shows. */
static void
html_assumptions(FILE *f, const struct sim_cfg *cfg, const struct sim_assume *as)
{
	char src[80];
	int k;

	fputs("<table class=\"assumptions\"><thead><tr><th>far-end "
	    "assumption</th><th>value</th><th>from</th><th>what the capture "
	    "shows</th></tr></thead><tbody>\n", f);
	for (k = 0; k < ASSUME_NKNOBS; k++) {
		const struct assumption *a = &as->a[k];

		fputs("<tr class=\"assumption\"><td><code>", f);
		html_esc(f, a->knob);
		fputs("</code></td><td><code>", f);
		html_escn(f, a->value, sizeof(a->value));
		fprintf(f, "</code></td><td%s>", a->how == ASSUME_INFERRED ?
		    " class=\"inferred\"" : "");
		html_esc(f, outcome_assume_source(cfg, a, src, sizeof(src)));
		fputs("</td><td>", f);
		html_escn(f, a->why, sizeof(a->why));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void
html_run(FILE *f, const struct sim_cfg *cfg, const struct sim_result *r,
    const struct sim_assume *as, size_t idx)
{
	fprintf(f, "<section class=\"run\" id=\"run%zu\"><h2>", idx + 1);
	run_title(f, cfg);
	fputs(": far end, packets and drops</h2>\n", f);
	if (as != NULL)
		html_assumptions(f, cfg, as);
	if (r->modelled_rtp + r->modelled_sip > 0) {
		fprintf(f, "<p class=\"modelled\">Modelled: %" PRIu64 " far-end "
		    "RTP packets and %" PRIu64 " SIP retransmissions in the "
		    "outside pcap: ", r->modelled_rtp, r->modelled_sip);
		html_esc(f, outcome_modelled_note);
		fputs(".</p>\n", f);
	}
	fprintf(f, "<p>%" PRIu64 " packets from "
	    "the inside, %" PRIu64 " from outside parties, %" PRIu64 " SIP "
	    "messages rewritten, %" PRIu64 " dropped by the ALG, %" PRIu64
	    " by the NAT, %" PRIu64 " sent by the far end where the router "
	    "never sees them.</p>\n", r->out_pkts, r->in_pkts, r->rewritten,
	    r->alg_drops, r->nat_drops, r->farend_lost);
	if (r->ndrops == 0) {
		fputs("<p>No packet dropped.</p></section>\n", f);
		return;
	}
	fputs("<table class=\"drops\"><thead><tr><th>frame</th><th>time s</th>"
	    "<th>way</th><th>where</th><th>what</th><th>why</th></tr></thead>"
	    "<tbody>\n", f);
	for (size_t k = 0; k < r->ndrops; k++) {
		const struct sim_drop *dr = &r->drops[k];

		fprintf(f, "<tr class=\"drop\"><td class=\"n\">%" PRIu64 "</td>"
		    "<td class=\"n\">+%.3f</td><td>%s</td><td>", dr->frame,
		    rel(r, dr->ts_ns), dr->outbound ? "out" : "in");
		html_escn(f, dr->where, sizeof(dr->where));
		fputs("</td><td>", f);
		html_escn(f, dr->what, sizeof(dr->what));
		fputs("</td><td>", f);
		html_escn(f, dr->reason, sizeof(dr->reason));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (r->drops_total > r->ndrops)
		fprintf(f, "<p>\u2026 and %" PRIu64 " more drops not listed</p>\n",
		    r->drops_total - r->ndrops);
	fputs("</section>\n", f);
}

static void
html_page(FILE *f, const char *capture, const struct sim_cfg *const *cfgs,
    const struct sim_result *const *res, const struct sim_assume *as, size_t n)
{
	char buf[512], a[NETADDR_STRLEN];

	html_page_begin(f, "SIP ALG simulation", css, NULL);
	fputs("<p class=\"meta\">sipalg-sim " PACKAGE_VERSION " \u00b7 ", f);
	html_esc(f, capture);
	fputs(" \u00b7 router public address ", f);
	html_esc(f, ep_ip_str(&res[0]->public_ip, a, sizeof(a)));
	fputs("</p>\n<section id=\"verdict\" class=\"verdict\"><h2>Predicted"
	    "</h2><ul>\n", f);
	for (size_t j = 0; j < n; j++) {
		outcome_verdict(cfgs[j], res[j], buf, sizeof(buf));
		fputs("<li class=\"run-verdict\">", f);
		html_esc(f, buf);
		fputs("</li>\n", f);
	}
	fputs("</ul></section>\n", f);
	html_calls(f, cfgs, res, n);
	for (size_t j = 0; j < n; j++)
		html_run(f, cfgs[j], res[j], as != NULL ? &as[j] : NULL, j);
	fputs("<footer class=\"meta\"><p>A prediction from a model of the "
	    "router (the profile's knobs, sipalg-sim --show-profile NAME), "
	    "not a capture of the outside; frames are the inside capture's."
	    "</p></footer>\n", f);
	html_page_end(f, NULL);
}

int
outcome_html_write(const char *path, const char *capture,
    const struct sim_cfg *const *cfgs, const struct sim_result *const *res,
    const struct sim_assume *as, size_t n, char *err, size_t errlen)
{
	struct outfile of;
	FILE *f;
	int e;

	if (n == 0) {
		snprintf(err, errlen, "%s: nothing to write", path);
		return -1;
	}
	if (outfile_begin(&of, path, err, errlen) != 0)
		return -1;
	if ((f = fopen(of.write_path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		outfile_abort(&of);
		return -1;
	}
	html_page(f, capture, cfgs, res, as, n);
	e = ferror(f) ? (errno ? errno : EIO) : 0;
	if (fclose(f) != 0 && e == 0)
		e = errno ? errno : EIO;
	if (e != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of, err, errlen);
}
