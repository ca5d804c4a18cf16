/*
 * diff_html.c - the inside/outside comparison as one self-contained HTML
 * page (sipalg-analyze --inside A --outside B --html FILE; diff_int.h).
 *
 * The profile guess, with the observations that decided it, comes first,
 * then the NAT mapping table and its behaviour, the counts, then per
 * dialog one block per message: its class, direction, both copies' frames
 * and addresses, and every changed field with the inside value beside
 * the outside value, the part that differs highlighted (view_line_span)
 * and fields the NAT mapping does not explain marked.  Then the RTP
 * streams and the anomalies.  Dialogs arrive before the guess is known,
 * so they are spooled to a temporary file (memory stays bounded).
 *
 * As report_html.c: the page frame and the common style sheet (palette
 * light and dark, tables, print rules) of base/html.h, with this page's
 * own rules added; no script, no URL outside the page; every packet
 * string through html_esc() or text_fput_escaped(TEXT_ESC_HTML).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/html.h"
#include "base/outfile.h"
#include "base/text.h"
#include "config.h"
#include "diff/diff_int.h"
#include "present/view.h"

struct diff_html {
	FILE *f;
	FILE *spool;              /* dialogs, as they complete */
	bool only_changes;
};

/* This page's own rules, on html_css_base (base/html.h): the colours of
 * removed and inserted text, light and dark, and the message classes. */
static const char css[] =
":root{--del:#ffd7d5;--ins:#ccffd8}\n"
"@media (prefers-color-scheme:dark){:root{--del:#67060c;--ins:#033a16}}\n"
"td.v{font-family:ui-monospace,monospace;font-size:12px}\n"
".dialog{border:1px solid var(--line);"
"background:var(--card);margin:1em 0;padding:.3em 1em}\n"
".cls{font:bold 11px ui-monospace,monospace;padding:1px 5px;"
"border-radius:3px;border:1px solid var(--line)}\n"
".inconsistent,.dropped,.injected{color:var(--bad);border-color:var(--bad)}"
"\n.consistent{color:var(--ok)}\n"
"del{background:var(--del);text-decoration:none}"
"ins{background:var(--ins);text-decoration:none}\n"
"tr.unexplained td{border-left:3px solid var(--bad)}.warn{color:var(--bad)}"
"\n.guess{border:2px solid var(--line);padding:.5em 1em;background:"
"var(--card)}\n@media print{.dialog{break-inside:avoid}}\n";

struct diff_html *
diff_html_new(FILE *f, bool only_changes)
{
	struct diff_html *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->f = f;
	x->only_changes = only_changes;
	return x;
}

void
diff_html_free(struct diff_html *x)
{
	if (x == NULL)
		return;
	if (x->spool != NULL)
		fclose(x->spool);
	free(x);
}

/* One value with the part that differs from other wrapped in tag. */
static void
marked(FILE *f, const char *v, const char *other, const char *tag)
{
	size_t pre, suf, n = strlen(v);

	if (other == NULL) {
		fprintf(f, "<%s>", tag);
		html_esc(f, v);
		fprintf(f, "</%s>", tag);
		return;
	}
	view_line_span(v, other, &pre, &suf);
	text_fput_escaped(f, v, pre, TEXT_ESC_HTML);
	fprintf(f, "<%s>", tag);
	text_fput_escaped(f, v + pre, n - pre - suf, TEXT_ESC_HTML);
	fprintf(f, "</%s>", tag);
	text_fput_escaped(f, v + n - suf, suf, TEXT_ESC_HTML);
}

static void
html_pair(struct diff_html *x, FILE *f, const struct diff_pair *p)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	/* before is the ingress copy: inside for outbound, outside inbound. */
	bool in_is_before = p->dir == DIFF_OUTBOUND;

	if (x->only_changes && p->cls == DIFF_IDENTICAL)
		return;
	fprintf(f, "<tr class=\"pair\"><td><span class=\"cls %s\">%s</span>"
	    "</td><td>%s</td><td>", diff_class_name(p->cls),
	    diff_class_name(p->cls), diff_dir_name(p->dir));
	html_esc(f, p->label);
	fprintf(f, " <span class=\"mono\">CSeq %" PRIu32 "</span></td>",
	    p->cseq);
	for (int s = 0; s < 2; s++) {
		const struct diff_copy *c = &p->copy[s];

		if (!c->present) {
			fputs("<td class=\"warn\">not seen</td>", f);
			continue;
		}
		fprintf(f, "<td class=\"mono\">#%" PRIu64 " ", c->frame);
		html_esc(f, ep_str(&c->src, a, sizeof(a)));
		fputs(" \u2192 ", f);
		html_esc(f, ep_str(&c->dst, b, sizeof(b)));
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
	if (p->reason[0] || p->private_leak[0]) {
		fputs("<tr><td></td><td colspan=\"4\" class=\"warn\">", f);
		html_esc(f, p->reason);
		if (p->private_leak[0]) {
			fputs(" private address left in the outside copy: ", f);
			html_esc(f, p->private_leak);
			fputs(" (what the far end sends there is lost)", f);
		}
		fputs("</td></tr>\n", f);
	}
	for (int i = 0; i < p->nch; i++) {
		const struct diff_change *ch = &p->ch[i];
		const char *in = in_is_before ? ch->before : ch->after;
		const char *out = in_is_before ? ch->after : ch->before;
		bool in_has = ch->kind == DIFF_CHANGED ||
		    (ch->kind == DIFF_REMOVED) == in_is_before;
		bool out_has = ch->kind == DIFF_CHANGED || !in_has;

		fprintf(f, "<tr class=\"change%s\"><td></td><td colspan=\"2\">",
		    ch->explained ? "" : " unexplained");
		html_esc(f, ch->field);
		if (!ch->explained)
			fputs(" <span class=\"warn\">not explained by the NAT "
			    "mapping</span>", f);
		fputs("</td><td class=\"v\">", f);
		if (in_has)
			marked(f, in, ch->kind == DIFF_CHANGED ? out : NULL,
			    "del");
		fputs("</td><td class=\"v\">", f);
		if (out_has)
			marked(f, out, ch->kind == DIFF_CHANGED ? in : NULL,
			    "ins");
		fputs("</td></tr>\n", f);
	}
	if (p->changes_truncated)
		fputs("<tr><td></td><td colspan=\"4\">(more changes not kept)"
		    "</td></tr>\n", f);
}

void
diff_html_dialog(struct diff_html *x, const struct diff_dialog *dd)
{
	FILE *f;

	if (x->spool == NULL && (x->spool = tmpfile()) == NULL)
		return;
	f = x->spool;
	fputs("<section class=\"dialog\"><h3>Call-ID <code>", f);
	html_esc(f, dd->call_id);
	fputs("</code></h3><p>", f);
	for (int c = 0; c < DIFF_NCLASSES; c++)
		if (dd->count[c])
			fprintf(f, "%" PRIu32 " %s ", dd->count[c],
			    diff_class_name((enum diff_class)c));
	fputs("</p>\n<table><thead><tr><th>class</th><th>direction</th><th>"
	    "message / field</th><th>inside</th><th>outside</th></tr></thead>"
	    "<tbody>\n", f);
	for (int i = 0; i < dd->npairs; i++)
		html_pair(x, f, &dd->pairs[i]);
	fputs("</tbody></table>\n", f);
	if (dd->pairs_truncated)
		fputs("<p>(more pairs not kept)</p>\n", f);
	fputs("</section>\n", f);
}

static const char *
tri(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

void
diff_html_end(struct diff_html *x, const struct diff *d)
{
	FILE *f = x->f;
	const struct diff_summary *s = diff_summary_get(d);
	struct diff_nat_behaviour nb;
	struct diff_profile pr;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[NETADDR_STRLEN];

	html_page_begin(f, "What the router changed: SIP ALG inside/outside "
	    "comparison", css, NULL);
	fputs("<p class=\"meta\">sipalg-analyze " PACKAGE_VERSION " \u00b7 "
	    "inside <code>", f);
	html_esc(f, s->path[0]);
	fputs("</code> \u00b7 outside <code>", f);
	html_esc(f, s->path[1]);
	fprintf(f, "</code> \u00b7 clock offset %+.6f s</p>\n",
	    (double)s->offset_ns / 1e9);
	diff_profile_get(d, &pr);
	fputs("<section class=\"guess\" id=\"guess\"><h2>ALG profile: ", f);
	html_esc(f, pr.name);
	fputs("</h2><p>", f);
	html_esc(f, pr.why);
	fputs("</p></section>\n", f);
	fprintf(f, "<p>SIP messages: %" PRIu64 " inside, %" PRIu64 " outside, %"
	    PRIu64 " dialogs:", s->sip[0], s->sip[1], s->dialogs);
	for (int k = 0; k < DIFF_NCLASSES; k++)
		fprintf(f, " %" PRIu64 " %s", s->count[k],
		    diff_class_name((enum diff_class)k));
	fprintf(f, ". RTP: %" PRIu64 " inside, %" PRIu64 " outside, %" PRIu64
	    " paired, %" PRIu64 " dropped, %" PRIu64 " injected.</p>\n",
	    s->rtp[0], s->rtp[1], s->rtp_paired, s->rtp_dropped,
	    s->rtp_injected);
	fprintf(f, "<h2 id=\"nat\">NAT mappings (%zu)</h2>\n<table><thead><tr>"
	    "<th>L4</th><th>kind</th><th>private</th><th>public</th>"
	    "<th>remote</th><th>uses</th></tr></thead><tbody>\n",
	    diff_mapping_count(d));
	for (size_t i = 0; i < diff_mapping_count(d); i++) {
		const struct diff_mapping *m = diff_mapping_get(d, i);

		fprintf(f, "<tr class=\"mapping\"><td>%s</td><td>%s</td><td>",
		    diff_l4_name(m->l4), m->media ? "media" : "sip");
		html_esc(f, ep_str(&m->priv, a, sizeof(a)));
		fputs("</td><td>", f);
		html_esc(f, ep_str(&m->pub, b, sizeof(b)));
		fputs("</td><td>", f);
		html_esc(f, ep_str(&m->remote, c, sizeof(c)));
		fprintf(f, "</td><td>%" PRIu64 "</td></tr>\n", m->uses);
	}
	diff_nat_behaviour_get(d, &nb);
	fprintf(f, "</tbody></table>\n<p>Port preserved: %s; same public "
	    "endpoint for every destination: %s</p>\n", tri(nb.port_preserved),
	    tri(nb.endpoint_independent));
	fputs("<h2 id=\"dialogs\">Messages, inside beside outside</h2>\n", f);
	outfile_copy_spool(f, x->spool);
	fprintf(f, "<h2 id=\"rtp\">RTP streams (%zu)</h2>\n<table><thead><tr>"
	    "<th>SSRC</th><th>direction</th><th>inside</th><th>outside</th>"
	    "<th>in</th><th>out</th><th>paired</th><th>dropped</th>"
	    "<th>injected</th></tr></thead><tbody>\n", diff_stream_count(d));
	for (size_t i = 0; i < diff_stream_count(d); i++) {
		const struct diff_stream *st = diff_stream_get(d, i);

		fprintf(f, "<tr class=\"stream\"><td class=\"mono\">0x%08" PRIx32
		    "</td><td>%s</td><td>", st->ssrc, diff_dir_name(st->dir));
		html_esc(f, ep_str(&st->in_src, a, sizeof(a)));
		fputs(" \u2192 ", f);
		html_esc(f, ep_str(&st->in_dst, b, sizeof(b)));
		fputs("</td><td>", f);
		html_esc(f, ep_str(&st->out_src, a, sizeof(a)));
		fputs(" \u2192 ", f);
		html_esc(f, ep_str(&st->out_dst, b, sizeof(b)));
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
		    PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n",
		    st->pkts[0], st->pkts[1], st->paired, st->dropped,
		    st->injected);
	}
	fputs("</tbody></table>\n", f);
	for (int side = 0; side < 2; side++) {
		const struct anomalies *an = diff_anomalies(d,
		    (enum diff_side)side);

		if (anomaly_total(an) == 0)
			continue;
		fprintf(f, "<p>Anomalies %s:", side ? "outside" : "inside");
		for (int k = 0; k < ANOMALY_COUNT; k++)
			if (an->n[k]) {
				fputs(" <code>", f);
				html_esc(f, anomaly_name((enum anomaly_id)k));
				fprintf(f, "</code> %" PRIu64, an->n[k]);
			}
		fputs("</p>\n", f);
	}
	html_page_end(f, NULL);
}
