/*
 * report_html.c - the report as one self-contained HTML page (report.h),
 * the file to hand to whoever has to act on it.
 *
 * Order, as the text report: the ALG verdict with its strongest evidence
 * and the calls per symptom; one card per call with findings (summary,
 * evidence with frame numbers, explanation, remediation, the ladder as
 * SVG with the findings pinned to the frames they cite, and an RTP plot
 * per stream direction with its hold spans shaded, measured packetisation
 * and E-model R and MOS, quality.h; the media legs per direction and
 * segment with their state, view_media.c); the dialogs
 * without findings as a table; unannounced streams; capture facts and
 * anomalies; how to turn the ALG off (--fix VENDOR, else the vendor
 * list).
 *
 * Self-contained: inline CSS and SVG, no URL to anything outside the page
 * (links are #fragments), readable with JavaScript off (a few lines of
 * script sort the table and filter the cards when it is on), light and
 * dark (prefers-color-scheme), print CSS.  Every string that came from a
 * packet goes through html_esc() (base/html.h: the page frame and style
 * sheet every HTML writer shares): controls shown as
 * \xNN, & < > " ' as character references, safe in element text and in
 * quoted attributes alike.
 *
 * The ladder (sngrep's call flow, drawn): one lane per address:port from
 * the presentation model's ladder (view.h), one row per message with
 * retransmissions folded ("x11"), one dashed row where each RTP stream
 * starts; rows are evenly spaced except that a pause longer than
 * HTML_GAP_NS between two rows is drawn as a broken band labelled with
 * its length, so a call that drops after 32 s shows it at a glance.  RTP
 * runs as bars beside its sender's lane over the time it flowed (from
 * the stream's per-second rate strip, so a stream that stops shows the
 * hole), mapped on the same piecewise time axis as the rows.
 *
 * Dialogs are spooled to temporary files as they end (the verdict comes
 * first but is known last), so memory stays bounded; the table of
 * dialogs without findings stops at HTML_TABLE_MAX rows.
 *
 * Cheap to open (a 1,000-call page: README, Performance): the arrowheads
 * are defined once for every ladder; SVG children are not separated by
 * whitespace (each newline would be one more DOM node); cards are
 * content-visibility:auto and the table of dialogs without findings sits
 * in a content-visibility:auto block with a height estimated from its
 * rows, so the browser lays out and paints only what is on screen; print
 * CSS turns that off.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sip/capstats.h"
#include "base/html.h"
#include "base/text.h"
#include "config.h"
#include "detect/remedy.h"
#include "output/report_int.h"
#include "present/view.h"
#include "sip/quality.h"

#define HTML_TABLE_MAX 5000        /* rows of dialogs without findings */
#define HTML_GAP_NS (2 * CAP_NS_PER_SEC) /* pauses drawn broken */
#define HTML_ROW_H 26
#define HTML_BREAK_H 34
#define HTML_TIMEW 176
#define HTML_LANEW 180
#define HTML_TOP 34
#define HTML_LAZY_ROW_H 21         /* px per table row, before layout */

struct html_state {
	FILE *af;                 /* cards of calls with findings */
	FILE *uf;                 /* table rows of dialogs without findings */
	FILE *sf;                 /* unannounced streams */
	uint64_t nstreams, nrows;
	uint64_t ncards;          /* cards written: their ids (dialog ids
	                           * may repeat in a report from the store) */
};

/* The report's own rules, on html_css_base (base/html.h). */
static const char css[] =
".finding{border-left:4px solid var(--bad);padding:.1em .8em;margin:.8em 0}\n"
".finding h4{margin:.2em 0}.why,.fix{margin:.3em 0}.fix{color:var(--ok)}\n"
".ev td{font-family:ui-monospace,monospace;font-size:12px}\n"
"svg{background:var(--bg);border:1px solid var(--line)}\n"
"svg text{fill:var(--fg);font:11px ui-monospace,monospace}\n"
"svg .lane{stroke:var(--line);stroke-width:2}\n"
"svg .m line,svg .m path{stroke:var(--req);stroke-width:1.5;fill:none}\n"
"svg .m.rsp line,svg .m.rsp path{stroke:var(--rsp)}\n"
"svg .m.rt text.l{font-weight:bold}\n"
"svg .rtp line{stroke:var(--mut);stroke-dasharray:4 3}\n"
"svg .bar.f{fill:var(--fwd)}svg .bar.r{fill:var(--rev)}\n"
"svg .brk rect{fill:var(--card);stroke:var(--warn);stroke-dasharray:6 3}\n"
"svg .brk text{fill:var(--warn);font-weight:bold}\n"
"svg .pin circle{fill:var(--pin)}svg .pin text{fill:var(--bg);"
"font-weight:bold}\n"
"svg text.t,svg text.ax{fill:var(--mut);font-size:10px}\n"
"svg .plot{fill:none;stroke:var(--fwd);stroke-width:1.5}\n"
"svg .plot.r{stroke:var(--rev)}svg .nom{stroke:var(--mut);"
"stroke-dasharray:3 3}\n"
"svg .hold{fill:var(--warn);opacity:.18}svg text.hold{fill:var(--warn);"
"opacity:1}\n"
"svg .axis{stroke:var(--line);fill:none}\n"
".arrowf{fill:var(--req)}.arrowr{fill:var(--rsp)}\n"
"svg.defs{position:absolute;width:0;height:0;border:0}\n"
".lazy{content-visibility:auto}\n"
"#filter{display:none}.js #filter{display:inline}\n"
"@media print{#filter{display:none}svg{border-color:#999}"
".lazy,.card{content-visibility:visible}}\n";

/* Sorting the table, filtering the cards: optional comfort only. */
static const char script[] =
"document.documentElement.className='js';\n"
"document.querySelectorAll('table.sort th').forEach(function(th,i){"
"th.onclick=function(){var t=th.closest('table'),b=t.tBodies[0],"
"r=Array.from(b.rows),d=th.dataset.d=th.dataset.d==='1'?'0':'1';"
"r.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent,"
"p=parseFloat(a),q=parseFloat(c),v=isNaN(p)||isNaN(q)?a.localeCompare(c):p-q;"
"return d==='1'?v:-v});r.forEach(function(x){b.appendChild(x)})}});\n"
"var fl=document.getElementById('filter');if(fl)fl.oninput=function(){"
"var v=fl.value.toLowerCase();document.querySelectorAll('.card')"
".forEach(function(c){c.style.display=c.textContent.toLowerCase()"
".indexOf(v)<0?'none':''})};\n";

static void
html_time(FILE *f, int64_t ns)
{
	char t[64];

	html_esc(f, report_time(ns, t, sizeof(t)));
}

static void
html_evidence_row(const struct report *r, FILE *f, const struct evidence *e)
{
	char t[32], ref[300];

	fputs("<tr><td>", f);
	if (e->frame)
		html_esc(f, report_frame_ref(r, e->cap_idx, e->frame, ref,
		    sizeof(ref)));
	fputs("</td><td>", f);
	if (e->ts_ns > 0)
		html_esc(f, view_clock(e->ts_ns, t, sizeof(t)));
	fputs("</td><td>", f);
	html_escn(f, e->field, sizeof(e->field));
	fputs("</td><td>", f);
	html_escn(f, e->value, sizeof(e->value));
	fputs("</td></tr>\n", f);
}

/* ---- the ladder ---- */

/* The piecewise time axis: y of each row, and a closing anchor. */
struct axis {
	int64_t *t;
	int *y;
	size_t n;
};

static int
axis_y(const struct axis *a, int64_t t)
{
	size_t i;

	if (a->n == 0)
		return HTML_TOP;
	if (t <= a->t[0])
		return a->y[0];
	for (i = 1; i < a->n; i++)
		if (t <= a->t[i])
			break;
	if (i == a->n)
		return a->y[a->n - 1];
	if (a->t[i] == a->t[i - 1])
		return a->y[i];
	return a->y[i - 1] + (int)((double)(t - a->t[i - 1]) /
	    (double)(a->t[i] - a->t[i - 1]) * (a->y[i] - a->y[i - 1]));
}

static int
lane_x(int c)
{
	return HTML_TIMEW + c * HTML_LANEW + HTML_LANEW / 2;
}

/* The SDP of a message in one line, for the arrow's tooltip. */
static void
sdp_title(FILE *f, const struct sipmsg *m)
{
	char a[NETADDR_STRLEN];

	if (m == NULL || m->sdp == NULL)
		return;
	for (int k = 0; k < m->sdp->nmedia; k++) {
		const struct sdp_media *md = &m->sdp->media[k];

		fputs("\nSDP m=", f);
		html_esc(f, md->media ? md->media : "?");
		fprintf(f, " %u ", (unsigned)md->port);
		html_esc(f, md->codec ? md->codec : "");
		if (md->has_conn) {
			fputs(" c=", f);
			html_esc(f, ep_str(&md->conn, a, sizeof(a)));
		}
		fputc(' ', f);
		html_esc(f, sdp_dir_name(md->dir));
	}
}

static void
ladder_break(FILE *f, int y, int w, int64_t gap)
{
	fprintf(f, "<g class=\"brk\"><rect x=\"2\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
	    "\u2248 %.1f s without signalling</text></g>", y + 4, w - 4,
	    HTML_BREAK_H - 8, w / 2, y + HTML_BREAK_H / 2 + 4,
	    (double)gap / 1e9);
}

static void
ladder_msg(FILE *f, const struct ladder *l, size_t i, int y, int64_t prev)
{
	const struct ladder_row *r = &l->rows[i];
	const struct dmsg *dm = &r->d->msgs[r->idx];
	char lab[96], t[32];
	int a = lane_x(r->from), b = lane_x(r->to);
	bool req = r->request;

	fprintf(f, "<g class=\"m %s%s\" data-frame=\"%" PRIu64 "\"><title>"
	    "frame %" PRIu64 " ", req ? "req" : "rsp", dm->retrans ? " rt" : "",
	    dm->frame, dm->frame);
	html_esc(f, view_clock(dm->ts_ns, t, sizeof(t)));
	fputc(' ', f);
	html_esc(f, l->cols[r->from].name);
	fputs(" \u2192 ", f);
	html_esc(f, l->cols[r->to].name);
	fputs(": ", f);
	html_esc(f, dm->m != NULL ? sipmsg_label(dm->m, lab, sizeof(lab)) : "?");
	if (dm->retrans) {
		fprintf(f, "\nretransmitted %" PRIu32 " times at", dm->retrans);
		for (uint32_t k = 0; k < dm->retrans && k < DIALOG_RETRANS_KEPT;
		    k++)
			fprintf(f, " +%.2f", (double)(dm->retrans_ns[k] -
			    dm->ts_ns) / 1e9);
		fputs(" s", f);
	}
	sdp_title(f, dm->m);
	fputs("</title>", f);
	if (a == b) {
		fprintf(f, "<path d=\"M%d %d h30 v8 h-26\" marker-end=\"url(#a%c)"
		    "\"/>", a, y - 6, req ? 'f' : 'r');
		fprintf(f, "<text class=\"l\" x=\"%d\" y=\"%d\">", a + 34, y);
	} else {
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "marker-end=\"url(#a%c)\"/>", a, y, b + (b > a ? -2 : 2), y,
		    req ? 'f' : 'r');
		fprintf(f, "<text class=\"l\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\">", (a + b) / 2, y - 4);
	}
	html_esc(f, dm->m != NULL ? sipmsg_label(dm->m, lab, sizeof(lab)) : "?");
	if (dm->retrans)
		fprintf(f, " \u00d7%" PRIu32, dm->retrans + 1);
	fputs("</text>", f);
	fprintf(f, "<text class=\"t\" x=\"4\" y=\"%d\">", y);
	html_esc(f, view_clock(dm->ts_ns, t, sizeof(t)));
	if (prev > 0)
		fprintf(f, " +%.3f", (double)(dm->ts_ns - prev) / 1e9);
	fputs("</text></g>", f);
}

static void
ladder_rtp(FILE *f, const struct ladder *l, size_t i, int y)
{
	const struct ladder_row *r = &l->rows[i];
	const struct rtp_stream *s = r->d->streams[r->idx];
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	int xa = lane_x(r->from), xb = lane_x(r->to);

	fprintf(f, "<g class=\"rtp\"><title>RTP ");
	html_esc(f, ep_str(&s->src, a, sizeof(a)));
	fputs(" \u2192 ", f);
	html_esc(f, ep_str(&s->dst, b, sizeof(b)));
	fprintf(f, " ssrc 0x%08" PRIx32 ": %" PRIu64 " packets, lost %" PRIu64
	    "</title><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">RTP ",
	    s->ssrc, s->packets, s->lost, xa, y, xb, y, (xa + xb) / 2, y - 4);
	html_escn(f, s->codec, sizeof(s->codec));
	fprintf(f, " %" PRIu64 "p</text></g>", s->packets);
}

/* RTP as bars beside the sender's lane, where its rate strip is not 0. */
static void
ladder_bars(FILE *f, const struct dialog *d, const struct ladder *l,
    const struct axis *ax)
{
	int used[64] = { 0 };

	for (size_t i = 0; i < l->nrows; i++) {
		const struct ladder_row *r = &l->rows[i];
		const struct rtp_stream *s;
		int64_t b, t0, t1;
		int x, dir;
		uint32_t k = 0;

		if (r->kind != LADDER_RTP)
			continue;
		s = d->streams[r->idx];
		dir = report_stream_dir(d, s);
		x = lane_x(r->from) + 6 + 7 * (r->from < 64 ? used[r->from]++ : 0);
		b = (int64_t)(s->rate_bucket_sec ? s->rate_bucket_sec : 1) *
		    CAP_NS_PER_SEC;
		fprintf(f, "<g class=\"bar %s\"><title>RTP %s: %" PRIu64
		    " packets</title>", dir >= 0 ? "f" : "r",
		    dir >= 0 ? "caller \u2192 callee" : "callee \u2192 caller",
		    s->packets);
		while (k < s->nrate) {
			uint32_t e;
			int y0, y1;

			if (s->rate[k] == 0) {
				k++;
				continue;
			}
			for (e = k; e < s->nrate && s->rate[e] != 0; e++)
				;
			t0 = (int64_t)s->rate_base_sec * CAP_NS_PER_SEC +
			    (int64_t)k * b;
			t1 = (int64_t)s->rate_base_sec * CAP_NS_PER_SEC +
			    (int64_t)e * b;
			if (t0 < s->first_ns)
				t0 = s->first_ns;
			if (t1 > s->last_ns)
				t1 = s->last_ns;
			y0 = axis_y(ax, t0);
			y1 = axis_y(ax, t1);
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"5\" "
			    "height=\"%d\"/>", x, y0, y1 - y0 > 2 ? y1 - y0 : 2);
			k = e;
		}
		fputs("</g>", f);
	}
}

/* Pins sit left of the lanes, side by side when several findings cite
 * the same row (npin counts them per row). */
static void
ladder_pins(struct report *r, FILE *f, const struct dialog *d,
    const struct ladder *l, const int *rowy, int *npin, uint64_t card)
{
	for (int k = 0; d->findings != NULL && k < d->findings->n; k++) {
		const struct finding *fi = &d->findings->f[k];
		long last = -1;

		if (!report_finding_shown(r, fi))
			continue;
		for (int e = 0; e < fi->nev; e++) {
			long row;
			int x;

			if (fi->ev[e].frame == 0)
				continue;
			row = view_ladder_find_frame(l, fi->ev[e].cap_idx,
			    fi->ev[e].frame);
			if (row < 0 || row == last)
				continue;
			last = row;
			x = HTML_TIMEW - 10 - 18 * npin[row]++;
			fprintf(f, "<a class=\"pin\" href=\"#f%" PRIu64 "-%d\">"
			    "<title>", card, k);
			html_esc(f, view_badge(fi->id));
			fputs(": ", f);
			html_escn(f, fi->summary, sizeof(fi->summary));
			fprintf(f, "</title><circle cx=\"%d\" cy=\"%d\" r=\"8\"/>"
			    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d"
			    "</text></a>", x, rowy[row] - 4, x, rowy[row], k + 1);
		}
	}
}

static void
html_ladder(struct report *r, FILE *f, const struct dialog *d, uint64_t card)
{
	struct ladder l;
	struct axis ax;
	const struct dialog *ds[1] = { d };
	int *rowy = NULL, *npin = NULL, y = HTML_TOP + HTML_ROW_H, w, hgt;
	int64_t end = d->last_ns, prev = 0;

	if (view_ladder_build(&l, ds, 1) != 0 || l.nrows == 0) {
		view_ladder_free(&l);
		return;
	}
	ax.t = calloc(l.nrows + 1, sizeof(*ax.t));
	ax.y = calloc(l.nrows + 1, sizeof(*ax.y));
	rowy = calloc(l.nrows, sizeof(*rowy));
	npin = calloc(l.nrows, sizeof(*npin));
	if (ax.t == NULL || ax.y == NULL || rowy == NULL || npin == NULL)
		goto out;
	w = HTML_TIMEW + HTML_LANEW * l.ncols + 10;
	for (size_t i = 0; i < l.nrows; i++) {
		if (i > 0) {
			y += HTML_ROW_H;
			if (l.rows[i].ts_ns - l.rows[i - 1].ts_ns > HTML_GAP_NS)
				y += HTML_BREAK_H;
		}
		rowy[i] = y;
		ax.t[i] = l.rows[i].ts_ns;
		ax.y[i] = y;
	}
	ax.n = l.nrows;
	for (int i = 0; i < d->nstreams; i++)
		if (d->streams[i]->last_ns > end)
			end = d->streams[i]->last_ns;
	if (end > ax.t[l.nrows - 1]) {
		y += HTML_ROW_H;
		if (end - ax.t[l.nrows - 1] > HTML_GAP_NS)
			y += HTML_BREAK_H;
		ax.t[ax.n] = end;
		ax.y[ax.n] = y;
		ax.n++;
	}
	hgt = y + 16;
	fprintf(f, "<div class=\"scroll\"><svg class=\"ladder\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>Call "
	    "flow of dialog #%" PRIu64 "</title>", w, hgt, w, hgt, d->id);
	for (int c = 0; c < l.ncols; c++) {
		fprintf(f, "<line class=\"lane\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\"/><text x=\"%d\" y=\"16\" text-anchor=\"middle\">",
		    lane_x(c), HTML_TOP - 10, lane_x(c), hgt - 4, lane_x(c));
		html_esc(f, l.cols[c].name);
		fputs("</text>", f);
	}
	for (size_t i = 0; i < l.nrows; i++) {
		if (i > 0 && l.rows[i].ts_ns - l.rows[i - 1].ts_ns > HTML_GAP_NS)
			ladder_break(f, rowy[i] - HTML_ROW_H - HTML_BREAK_H + 6,
			    w, l.rows[i].ts_ns - l.rows[i - 1].ts_ns);
		if (l.rows[i].kind == LADDER_MSG) {
			ladder_msg(f, &l, i, rowy[i], prev);
			prev = l.rows[i].ts_ns;
		} else {
			ladder_rtp(f, &l, i, rowy[i]);
		}
	}
	if (ax.n > l.nrows && end - ax.t[l.nrows - 1] > HTML_GAP_NS)
		ladder_break(f, ax.y[ax.n - 1] - HTML_ROW_H - HTML_BREAK_H + 6,
		    w, end - ax.t[l.nrows - 1]);
	ladder_bars(f, d, &l, &ax);
	ladder_pins(r, f, d, &l, rowy, npin, card);
	fputs("</svg></div>\n", f);
out:
	free(ax.t);
	free(ax.y);
	free(rowy);
	free(npin);
	view_ladder_free(&l);
}

/* ---- RTP plots ---- */

#define PLOT_W 600
#define PLOT_H 120
#define PLOT_X0 44
#define PLOT_Y0 10
#define PLOT_Y1 92
#define PLOT_HOLDS 8                /* hold spans shaded per plot */

static void
html_plot(FILE *f, const struct dialog *d, const struct rtp_stream *s,
    int dir)
{
	int64_t t0 = d->start_ns, t1 = d->last_ns;
	double span, maxr = 1, nominal = 0;
	uint32_t b = s->rate_bucket_sec ? s->rate_bucket_sec : 1;
	struct quality q;
	bool rated = quality_stream(s, &q) == 0;

	if (s->first_ns < t0 || t0 <= 0)
		t0 = s->first_ns;
	if (s->last_ns > t1)
		t1 = s->last_ns;
	span = (double)(t1 - t0) / 1e9;
	if (span < 1)
		span = 1;
	for (uint32_t k = 0; k < s->nrate; k++)
		if ((double)s->rate[k] / b > maxr)
			maxr = (double)s->rate[k] / b;
	if (rtp_stream_pps(s) > 0) {
		nominal = rtp_stream_pps(s);
		if (nominal > maxr)
			maxr = nominal;
	}
	maxr *= 1.15;
	fprintf(f, "<svg class=\"rtpplot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>packets per second</title>", PLOT_W, PLOT_H, PLOT_W, PLOT_H);
	fprintf(f, "<path class=\"axis\" d=\"M%d %d V%d H%d\"/>", PLOT_X0,
	    PLOT_Y0, PLOT_Y1, PLOT_W - 6);
	fprintf(f, "<text class=\"ax\" x=\"%d\" y=\"%d\" text-anchor=\"end\">"
	    "%.0f/s</text><text class=\"ax\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">0</text>", PLOT_X0 - 3, PLOT_Y0 + 8, maxr,
	    PLOT_X0 - 3, PLOT_Y1);
	fprintf(f, "<text class=\"ax\" x=\"%d\" y=\"%d\">0 s</text>"
	    "<text class=\"ax\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f s"
	    "</text>", PLOT_X0, PLOT_Y1 + 12, PLOT_W - 6, PLOT_Y1 + 12, span);
	if (nominal > 0) {
		int yn = PLOT_Y1 - (int)(nominal / maxr * (PLOT_Y1 - PLOT_Y0));

		fprintf(f, "<line class=\"nom\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\"><title>mean rate %.1f/s</title></line>", PLOT_X0,
		    yn, PLOT_W - 6, yn, nominal);
	}
	/* The call's hold spans, shaded: no audio expected there. */
	{
		int64_t hs[PLOT_HOLDS][2];
		int nh = view_hold_spans(d, hs, PLOT_HOLDS);
		double xs = (double)(PLOT_W - 6 - PLOT_X0) / span;

		for (int i = 0; i < nh; i++) {
			double a = (double)(hs[i][0] - t0) / 1e9;
			double e = (double)(hs[i][1] - t0) / 1e9;

			if (a < 0)
				a = 0;
			if (e > span)
				e = span;
			if (e <= a)
				continue;
			fprintf(f, "<g class=\"holdspan\"><title>on hold from "
			    "+%.1f s to +%.1f s</title><rect class=\"hold\" "
			    "x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
			    "<text class=\"hold\" x=\"%d\" y=\"%d\">hold</text>"
			    "</g>", a, e, PLOT_X0 + (int)(a * xs), PLOT_Y0,
			    (int)((e - a) * xs) > 1 ? (int)((e - a) * xs) : 1,
			    PLOT_Y1 - PLOT_Y0, PLOT_X0 + (int)(a * xs) + 2,
			    PLOT_Y0 + 10);
		}
	}
	fprintf(f, "<polyline class=\"plot%s\" points=\"", dir >= 0 ? "" : " r");
	/* From the dialog's start at 0, each slot a step, back to 0. */
	{
		double xs = (double)(PLOT_W - 6 - PLOT_X0) / span;
		double base = (double)((int64_t)s->rate_base_sec *
		    CAP_NS_PER_SEC - t0) / 1e9;

		fprintf(f, "%d,%d", PLOT_X0, PLOT_Y1);
		for (uint32_t k = 0; k < s->nrate; k++) {
			double a = base + (double)k * b, e = a + b;
			int y = PLOT_Y1 - (int)((double)s->rate[k] / b / maxr *
			    (PLOT_Y1 - PLOT_Y0));

			if (a < 0)
				a = 0;
			if (e > span)
				e = span;
			fprintf(f, " %d,%d %d,%d", PLOT_X0 + (int)(a * xs), y,
			    PLOT_X0 + (int)(e * xs), y);
		}
		fprintf(f, " %d,%d", PLOT_W - 6, PLOT_Y1);
	}
	fprintf(f, "\"/><text x=\"%d\" y=\"%d\">", PLOT_X0, PLOT_H - 4);
	fprintf(f, "lost %" PRIu64 " of %" PRIu64 " (%.2f %%), jitter %.1f ms,"
	    " max gap %.0f ms", s->lost, rtp_stream_expected(s),
	    rtp_stream_expected(s) ? 100.0 * (double)s->lost /
	    (double)rtp_stream_expected(s) : 0.0, rtp_stream_jitter_ms(s),
	    (double)s->max_gap_ns / 1e6);
	if (rated)
		fprintf(f, ", ptime %.0f ms, R %.1f, MOS %.2f", q.ptime_ms, q.r,
		    q.mos);
	fputs("</text></svg>\n", f);
}

static void
html_streams(FILE *f, const struct dialog *d)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	uint64_t fwd, rev;

	report_dir_packets(d, &fwd, &rev);
	if (d->kind == DIALOG_CALL) {
		fprintf(f, "<p>RTP caller \u2192 callee: %s%" PRIu64
		    " packets%s; callee \u2192 caller: %s%" PRIu64 " packets%s</p>\n",
		    fwd ? "" : "<span class=\"dead\">", fwd, fwd ? "" : "</span>",
		    rev ? "" : "<span class=\"dead\">", rev, rev ? "" : "</span>");
	}
	if (d->kind == DIALOG_CALL) {
		char legs[512];

		if (view_media_legs(d, legs, sizeof(legs))[0] != '\0') {
			fputs("<p class=\"legs\">Media legs (direction, segment, "
			    "state): ", f);
			html_esc(f, legs);
			fputs("</p>\n", f);
		}
	}
	if (d->nstreams == 0)
		return;
	fputs("<table class=\"streams\"><thead><tr><th>direction</th>"
	    "<th>from</th><th>to</th><th>SSRC</th><th>codec</th><th>packets</th>"
	    "<th>lost</th><th>jitter ms</th><th>ptime ms</th><th>R</th>"
	    "<th>MOS</th></tr></thead><tbody>\n", f);
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];
		struct quality q;
		int dir = report_stream_dir(d, s);

		fprintf(f, "<tr class=\"stream\"><td>%s</td><td>", dir > 0 ?
		    "caller \u2192 callee" : dir < 0 ? "callee \u2192 caller" : "?");
		html_esc(f, ep_str(&s->src, a, sizeof(a)));
		fputs("</td><td>", f);
		html_esc(f, ep_str(&s->dst, b, sizeof(b)));
		fprintf(f, "</td><td class=\"mono\">0x%08" PRIx32 "</td><td>",
		    s->ssrc);
		html_escn(f, s->codec[0] ? s->codec : "?", sizeof(s->codec));
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%"
		    PRIu64 "</td><td class=\"n\">%.1f</td>", s->packets, s->lost,
		    rtp_stream_jitter_ms(s));
		if (quality_stream(s, &q) == 0)
			fprintf(f, "<td class=\"n\">%.0f</td><td class=\"n\">%.1f"
			    "</td><td class=\"n\">%.2f</td>", q.ptime_ms, q.r,
			    q.mos);
		else
			fputs("<td></td><td></td><td title=\"codec not rated by "
			    "G.113 Appendix I\">-</td>", f);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<details open><summary>RTP plots "
	    "(packets per second over the call)</summary>\n", f);
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		fputs("<p class=\"meta\">", f);
		html_esc(f, ep_str(&s->src, a, sizeof(a)));
		fputs(" \u2192 ", f);
		html_esc(f, ep_str(&s->dst, b, sizeof(b)));
		fputs("</p>\n", f);
		html_plot(f, d, s, report_stream_dir(d, s));
	}
	fputs("</details>\n", f);
}

static void
html_card(struct report *r, FILE *f, const struct dialog *d, uint64_t card)
{
	char t[64];

	fprintf(f, "<article class=\"card\" id=\"c%" PRIu64 "\" "
	    "data-dialog=\"%" PRIu64 "\">\n<h3>#%" PRIu64 " ", card, d->id,
	    d->id);
	for (int k = 0; d->findings != NULL && k < d->findings->n; k++)
		if (report_finding_shown(r, &d->findings->f[k])) {
			fputs("<span class=\"badge\">", f);
			html_esc(f, view_badge(d->findings->f[k].id));
			fputs("</span> ", f);
		}
	html_esc(f, d->from);
	fputs(" \u2192 ", f);
	html_esc(f, d->to);
	fputs("</h3>\n<p class=\"meta\">Call-ID <code>", f);
	html_esc(f, d->call_id);
	fprintf(f, "</code> \u00b7 %s \u00b7 %s \u00b7 started ",
	    dialog_kind_name(d->kind), dialog_state_name(d->state));
	html_esc(f, report_time(d->start_ns, t, sizeof(t)));
	fprintf(f, " \u00b7 %.1f s \u00b7 %" PRIu64 " messages", report_secs(
	    dialog_duration_ns(d)), (uint64_t)d->nmsgs + d->dropped_msgs);
	if (d->retrans_total)
		fprintf(f, " (+%" PRIu64 " retransmissions)", d->retrans_total);
	fputs("</p>\n", f);
	if (d->join.id != 0) {
		char j[1400];

		fputs("<p class=\"meta\"><b>Joined:</b> ", f);
		html_esc(f, view_join(d, j, sizeof(j)));
		fputs("</p>\n", f);
	}
	for (int k = 0; d->findings != NULL && k < d->findings->n; k++) {
		const struct finding *x = &d->findings->f[k];

		if (!report_finding_shown(r, x))
			continue;
		fprintf(f, "<section class=\"finding\" id=\"f%" PRIu64 "-%d\">"
		    "<h4>%d. <span class=\"badge\">", card, k, k + 1);
		html_esc(f, view_badge(x->id));
		fputs("</span> <code>", f);
		html_esc(f, x->id);
		fprintf(f, "</code> (confidence %.2f): ", x->confidence);
		html_escn(f, x->summary, sizeof(x->summary));
		fputs("</h4>\n<p class=\"why\"><b>Why:</b> ", f);
		html_esc(f, x->explanation ? x->explanation : "");
		fputs("</p>\n", f);
		if (x->nev > 0) {
			fputs("<table class=\"ev\"><thead><tr><th>frame</th>"
			    "<th>time</th><th>field</th><th>value</th></tr>"
			    "</thead><tbody>\n", f);
			for (int e = 0; e < x->nev; e++)
				html_evidence_row(r, f, &x->ev[e]);
			fputs("</tbody></table>\n", f);
		}
		fputs("<p class=\"fix\"><b>Fix:</b> ", f);
		html_esc(f, x->remediation ? x->remediation : "");
		if (r->o.fix_vendor != NULL)
			fputs(" <a href=\"#fix\">Steps for your equipment</a>", f);
		fputs("</p></section>\n", f);
	}
	fputs("<details open><summary>Ladder</summary>\n", f);
	html_ladder(r, f, d, card);
	fputs("</details>\n", f);
	html_streams(f, d);
	fputs("</article>\n", f);
}

static void
html_row(FILE *f, const struct dialog *d)
{
	char t[64];
	double mf, mr;

	report_dir_mos(d, &mf, &mr);
	fprintf(f, "<tr><td class=\"n\">%" PRIu64 "</td><td>", d->id);
	html_esc(f, report_time(d->start_ns, t, sizeof(t)));
	fprintf(f, "</td><td>%s</td><td>%s</td><td>", dialog_kind_name(d->kind),
	    dialog_state_name(d->state));
	html_esc(f, d->from);
	fputs("</td><td>", f);
	html_esc(f, d->to);
	fputs("</td><td>", f);
	html_esc(f, d->call_id);
	if (d->join.id != 0)
		fprintf(f, " (the same call as #%" PRIu64 ", %s)", d->join.id,
		    rtp_segment_name(view_join_other(d)));
	fprintf(f, "</td><td class=\"n\">%.1f</td><td class=\"n\">%" PRIu64
	    "</td><td class=\"n\">", report_secs(dialog_duration_ns(d)),
	    (uint64_t)d->nmsgs + d->dropped_msgs);
	if (mf >= 0)
		fprintf(f, "%.2f", mf);
	fputs("</td><td class=\"n\">", f);
	if (mr >= 0)
		fprintf(f, "%.2f", mr);
	fputs("</td></tr>\n", f);
}

static int
html_init(struct report *r)
{
	r->fmt = calloc(1, sizeof(struct html_state));
	return r->fmt != NULL ? 0 : -1;
}

static void
html_fini(struct report *r)
{
	struct html_state *hs = r->fmt;

	if (hs->af != NULL)
		fclose(hs->af);
	if (hs->uf != NULL)
		fclose(hs->uf);
	if (hs->sf != NULL)
		fclose(hs->sf);
	free(hs);
}

static void
html_begin(struct report *r)
{
	(void)r;
}

static void
html_on_dialog(struct report *r, const struct dialog *d, bool affected)
{
	struct html_state *hs = r->fmt;

	if (affected) {
		if (hs->af == NULL && (hs->af = tmpfile()) == NULL)
			return;
		html_card(r, hs->af, d, ++hs->ncards);
	} else if (hs->nrows < HTML_TABLE_MAX) {
		if (hs->uf == NULL && (hs->uf = tmpfile()) == NULL)
			return;
		html_row(hs->uf, d);
		hs->nrows++;
	}
}

static void
html_stream(struct report *r, const struct rtp_stream *s)
{
	struct html_state *hs = r->fmt;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (hs->nstreams >= HTML_TABLE_MAX) {
		hs->nstreams++;
		return;
	}
	if (hs->sf == NULL && (hs->sf = tmpfile()) == NULL)
		return;
	fputs("<tr><td>", hs->sf);
	html_esc(hs->sf, ep_str(&s->src, a, sizeof(a)));
	fputs("</td><td>", hs->sf);
	html_esc(hs->sf, ep_str(&s->dst, b, sizeof(b)));
	fprintf(hs->sf, "</td><td class=\"mono\">0x%08" PRIx32 "</td><td "
	    "class=\"n\">%d</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%"
	    PRIu64 "</td><td class=\"n\">%.1f</td></tr>\n", s->ssrc, s->pt,
	    s->packets, s->lost, rtp_stream_jitter_ms(s));
	hs->nstreams++;
}

static void
html_verdict(struct report *r, const struct detect_verdict *v)
{
	FILE *f = r->f;
	static const char *const cls[] = { "unknown", "likely", "unlikely" };

	fprintf(f, "<section id=\"verdict\" class=\"verdict %s\">\n<h2>",
	    cls[v->alg <= DETECT_ALG_UNLIKELY ? v->alg : 0]);
	switch (v->alg) {
	case DETECT_ALG_LIKELY:
		fprintf(f, "SIP ALG: LIKELY present</h2><p>score %.1f (1.5 or "
		    "more is likely)</p>\n", v->score);
		break;
	case DETECT_ALG_UNLIKELY:
		fprintf(f, "SIP ALG: unlikely</h2><p>score %.1f: NATed "
		    "addresses pass untranslated</p>\n", v->score);
		break;
	default:
		fprintf(f, "SIP ALG: unknown</h2><p>score %.1f: the capture "
		    "shows no fingerprint either way</p>\n", v->score);
		break;
	}
	if (v->nstrongest > 0) {
		fputs("<h3>Strongest evidence</h3><table class=\"ev\"><thead>"
		    "<tr><th>frame</th><th>time</th><th>field</th><th>value</th>"
		    "</tr></thead><tbody>\n", f);
		for (int i = 0; i < v->nstrongest; i++)
			html_evidence_row(r, f, &v->strongest[i]);
		fputs("</tbody></table>\n", f);
	}
	fprintf(f, "<p><b>Calls with findings: %" PRIu64 " of %" PRIu64
	    " dialogs</b>%s</p>\n", r->affected, r->ndialogs,
	    r->o.symptom != NULL || r->o.min_confidence > 0 ? " (filtered)" :
	    "");
	if (r->affected > 0) {
		fputs("<table><thead><tr><th>symptom</th><th>what it is</th>"
		    "<th>calls</th></tr></thead><tbody>\n", f);
		for (int k = 0; k < SYMPTOM_COUNT; k++)
			if (r->by_id[k] > 0)
				fprintf(f, "<tr><td><span class=\"badge\">%s</span> "
				    "<code>%s</code></td><td>%s</td><td class=\"n\">%"
				    PRIu64 "</td></tr>\n",
				    symptom_badge((enum symptom_id)k),
				    symptom_name((enum symptom_id)k),
				    symptom_title((enum symptom_id)k), r->by_id[k]);
		fputs("</tbody></table>\n", f);
	}
	if (r->affected > 0 || v->alg == DETECT_ALG_LIKELY)
		fputs("<p><a href=\"#fix\">How to turn the router's SIP ALG "
		    "off</a></p>\n", f);
	fputs("</section>\n", f);
}

static void
html_capture(FILE *f, const struct capture_info *ci,
    const struct analysis_capstats *st)
{
	fputs("<h3>", f);
	html_esc(f, ci->path);
	fputs("</h3>\n<table><tbody><tr><th>link</th><td>", f);
	html_esc(f, ci->linkname ? ci->linkname : "?");
	fprintf(f, "</td></tr><tr><th>packets</th><td>%" PRIu64 "</td></tr>"
	    "<tr><th>first, last</th><td>", ci->packets);
	html_time(f, ci->first_ns);
	fputs(" .. ", f);
	html_time(f, ci->last_ns);
	fprintf(f, "</td></tr><tr><th>SIP messages</th><td>%" PRIu64 " (%"
	    PRIu64 " retransmissions; UDP %" PRIu64 ", TCP %" PRIu64
	    ", WebSocket %" PRIu64 ", SCTP %" PRIu64 ")</td></tr><tr><th>"
	    "dialogs</th><td>%" PRIu64 "</td></tr><tr><th>RTP streams</th><td>%"
	    PRIu64 " announced by SDP, %" PRIu64 " unannounced; %" PRIu64
	    " RTP and %" PRIu64 " RTCP packets</td></tr></tbody></table>\n",
	    st->sip_messages, st->sip_retrans, st->sip_udp, st->sip_tcp,
	    st->sip_ws, st->sip_sctp, st->dialogs, st->rtp_streams,
	    st->rtp_unannounced, st->rtp_packets, st->rtcp_packets);
	if (anomaly_total(&ci->an) == 0) {
		fputs("<p>Anomalies: none</p>\n", f);
		return;
	}
	fputs("<table class=\"anomalies\"><thead><tr><th>anomaly</th><th>count"
	    "</th><th>meaning</th></tr></thead><tbody>\n", f);
	for (int i = 0; i < ANOMALY_COUNT; i++)
		if (ci->an.n[i] != 0) {
			fputs("<tr><td><code>", f);
			html_esc(f, anomaly_name((enum anomaly_id)i));
			fprintf(f, "</code></td><td class=\"n\">%" PRIu64
			    "</td><td>", ci->an.n[i]);
			html_esc(f, anomaly_desc((enum anomaly_id)i));
			fputs("</td></tr>\n", f);
		}
	fputs("</tbody></table>\n", f);
}

static void
html_fix(struct report *r)
{
	FILE *f = r->f;
	const struct remedy *rem = r->o.fix_vendor != NULL ?
	    remedy_find(r->o.fix_vendor) : NULL;

	fputs("<section id=\"fix\"><h2>Turning the SIP ALG off</h2>\n", f);
	if (rem != NULL) {
		fputs("<h3>", f);
		html_esc(f, rem->name);
		fputs("</h3>\n<pre>", f);
		html_esc(f, rem->steps);
		fputs("</pre>\n", f);
	} else {
		fputs("<p>Steps for common equipment (name it with <code>--fix "
		    "VENDOR</code> to include them here):</p>\n<table><tbody>\n",
		    f);
		for (size_t i = 0; i < remedy_count; i++) {
			fputs("<tr><td><code>", f);
			html_esc(f, remedy_table[i].key);
			fputs("</code></td><td>", f);
			html_esc(f, remedy_table[i].name);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	fputs("<pre>", f);
	html_esc(f, remedy_general);
	fputs("</pre></section>\n", f);
}

static void
html_end(struct report *r, const struct report_summary *s)
{
	struct html_state *hs = r->fmt;
	FILE *f = r->f;

	html_page_begin(f, "SIP ALG report", css, NULL);
	/* The ladders' arrowheads, defined once for every ladder. */
	fputs("<svg class=\"defs\" aria-hidden=\"true\"><defs>"
	    "<marker id=\"af\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
	    "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
	    "<path class=\"arrowf\" d=\"M0 0L10 5L0 10z\"/></marker>"
	    "<marker id=\"ar\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
	    "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
	    "<path class=\"arrowr\" d=\"M0 0L10 5L0 10z\"/></marker></defs>"
	    "</svg>\n", f);
	fputs("<p class=\"meta\">sipalg-analyze " PACKAGE_VERSION " \u00b7 ", f);
	for (size_t i = 0; i < s->ncaps; i++) {
		if (i > 0)
			fputs(", ", f);
		html_esc(f, s->caps[i].info->path);
	}
	fputs("</p>\n", f);
	html_verdict(r, &s->verdict);
	fprintf(f, "<section id=\"calls\"><h2>Calls with findings (%" PRIu64
	    ")</h2>\n<input id=\"filter\" type=\"search\" placeholder=\"filter "
	    "the cards\" aria-label=\"filter the cards\">\n", r->affected);
	report_copy_spool(f, hs->af);
	fprintf(f, "</section>\n<section id=\"others\"><h2>Dialogs without "
	    "findings (%" PRIu64 ")</h2>\n", r->unaffected);
	if (r->unaffected > 0) {
		/* Below the cards, so off screen when the page opens: the
		 * browser lays the long table out when it is scrolled to
		 * (the height is a guess until then). */
		fprintf(f, "<div class=\"lazy\" style=\"contain-intrinsic-size:"
		    "auto %" PRIu64 "px\">", HTML_LAZY_ROW_H * (hs->nrows + 1));
		fputs("<table class=\"sort\"><thead><tr><th>#</th><th>start</th>"
		    "<th>kind</th><th>state</th><th>from</th><th>to</th>"
		    "<th>Call-ID</th><th>duration s</th><th>messages</th>"
		    "<th>MOS \u2192</th><th>MOS \u2190</th></tr></thead><tbody>\n",
		    f);
		report_copy_spool(f, hs->uf);
		fputs("</tbody></table></div>\n", f);
		if (r->unaffected > hs->nrows)
			fprintf(f, "<p>\u2026 and %" PRIu64 " more (<code>-f csv"
			    "</code> lists them all)</p>\n",
			    r->unaffected - hs->nrows);
	}
	fputs("</section>\n", f);
	if (hs->nstreams > 0) {
		fprintf(f, "<section id=\"streams\"><h2>RTP streams no SDP "
		    "announced (%" PRIu64 ")</h2>\n<table><thead><tr><th>from"
		    "</th><th>to</th><th>SSRC</th><th>PT</th><th>packets</th>"
		    "<th>lost</th><th>jitter ms</th></tr></thead><tbody>\n",
		    hs->nstreams);
		report_copy_spool(f, hs->sf);
		fputs("</tbody></table></section>\n", f);
	}
	fputs("<section id=\"captures\"><h2>Captures</h2>\n", f);
	for (size_t i = 0; i < s->ncaps; i++)
		html_capture(f, s->caps[i].info, s->caps[i].stats);
	fputs("</section>\n", f);
	html_fix(r);
	fprintf(f, "<footer class=\"meta\"><p>MOS: ITU-T G.107 E-model with "
	    "G.113 Appendix I codec values; delay assumed as one packet time "
	    "plus a jitter buffer of 3\u00d7 the jitter (at least %.0f ms), "
	    "network delay not seen from one capture point.</p></footer>\n",
	    QUALITY_JB_MIN_MS);
	html_page_end(f, script);
}

const struct report_ops report_html_ops = {
	html_init, html_fini, html_begin, html_on_dialog, html_stream,
	html_end
};
