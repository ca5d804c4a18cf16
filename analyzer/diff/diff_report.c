/*
 * diff_report.c - the inside/outside comparison as text or JSON (or
 * HTML, written by diff_html.c), and
 * diff_run(), the entry point the sipalg-analyze front-end calls (diff.h).
 *
 * Text: a heading with the clock offset, then per dialog a compact list,
 * one line per message copy pair and one "field: before -> after" line per
 * change, then RTP streams, the NAT mapping table and its behaviour, the
 * profile guess and the counts.  JSON: one document {"diff": {...}} whose
 * "dialogs" array is written as dialogs complete, so memory stays bounded;
 * it is written with the project's JSON writer (json.h), spaced, one
 * dialog, pair and change per line.  Every string that came from a packet
 * is escaped (text_fput_escaped() directly or through the writer).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/text.h"
#include "diff/diff.h"
#include "diff/diff_int.h"

struct diff_writer {
	FILE *f;
	struct diff_opts o;
	struct json j;            /* DIFF_JSON */
	struct diff_html *hx;     /* DIFF_HTML (diff_html.c) */
};

struct diff_writer *
diff_writer_new(FILE *out, const struct diff_opts *o)
{
	struct diff_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->f = out;
	if (o)
		w->o = *o;
	json_init(&w->j, out, JSON_SPACED);
	if (w->o.format == DIFF_HTML &&
	    (w->hx = diff_html_new(out, w->o.only_changes)) == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

void
diff_writer_free(struct diff_writer *w)
{
	if (w != NULL)
		diff_html_free(w->hx);
	free(w);
}

static const char *
tstr(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / CAP_NS_PER_SEC);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	snprintf(buf, n, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)((ns % CAP_NS_PER_SEC) / 1000));
	return buf;
}

/* An endpoint as a string, null when unknown. */
static void
jep(struct json *j, const char *key, const struct ep *e)
{
	char b[NETADDR_STRLEN];

	json_key(j, key);
	if (e->family == 0)
		json_null(j);
	else
		json_str(j, ep_str(e, b, sizeof(b)));
}

/* A key on a line of its own (after the comma), indented by ind. */
static void
jkey_nl(struct json *j, const char *ind, const char *key)
{
	json_break(j, ind);
	json_key(j, key);
}

/* true/false, or null when unknown (v < 0). */
static void
jtri(struct json *j, int v)
{
	if (v < 0)
		json_null(j);
	else
		json_bool(j, v != 0);
}

static void
tput(FILE *f, const char *s)
{
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_PLAIN);
}

const char *
diff_l4_name(uint8_t l4)
{
	switch (l4) {
	case 6:
		return "tcp";
	case 132:
		return "sctp";
	case 0x80:
		return "ws";
	default:
		return "udp";
	}
}

/* ---- heading -------------------------------------------------------- */

static void
on_begin(void *user, const struct diff *d)
{
	struct diff_writer *w = user;
	const struct diff_summary *s = diff_summary_get(d);

	if (w->o.format == DIFF_HTML)
		return;         /* written whole at the end */
	if (w->o.format == DIFF_JSON) {
		struct json *j = &w->j;

		json_obj_begin(j);
		json_key(j, "diff");
		json_obj_begin(j);
		for (int side = 0; side < 2; side++) {
			jkey_nl(j, "\n  ", side ? "outside" : "inside");
			json_obj_begin(j);
			json_key(j, "path");
			json_str(j, s->path[side]);
			json_obj_end(j);
		}
		jkey_nl(j, "\n  ", "clock_offset_ns");
		json_i64(j, s->offset_ns);
		jkey_nl(j, "\n  ", "offset_samples");
		json_u64(j, s->offset_samples);
		jkey_nl(j, "\n  ", "offset_forced");
		json_bool(j, s->offset_forced);
		jkey_nl(j, "\n  ", "window_ns");
		json_i64(j, s->window_ns);
		jkey_nl(j, "\n  ", "dialogs");
		json_arr_begin(j);
		return;
	}
	fputs("sipalg inside/outside comparison\n  inside:  ", w->f);
	tput(w->f, s->path[0]);
	fputs("\n  outside: ", w->f);
	tput(w->f, s->path[1]);
	fprintf(w->f, "\n  clock offset: outside = inside %+.6f s (%s)\n"
	    "  pairing window: %.3f s\n",
	    (double)s->offset_ns / 1e9, s->offset_forced ? "given" :
	    s->offset_samples ? "median of paired messages" :
	    "no paired messages: assumed 0",
	    (double)s->window_ns / 1e9);
	if (!s->offset_forced && s->offset_samples)
		fprintf(w->f, "  offset samples: %zu\n", s->offset_samples);
}

/* ---- dialogs -------------------------------------------------------- */

static void
text_pair(struct diff_writer *w, const struct diff_pair *p)
{
	FILE *f = w->f;
	const struct diff_copy *c = &p->copy[p->copy[0].present ? 0 : 1];
	char t[32], a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (w->o.only_changes && p->cls == DIFF_IDENTICAL)
		return;
	fprintf(f, "  %s %-8s %s ", tstr(c->ts_ns, t, sizeof(t)),
	    diff_dir_name(p->dir), p->dir == DIFF_OUTBOUND ? "->" : "<-");
	tput(f, p->label);
	fprintf(f, " (CSeq %" PRIu32 ", %s)  [%s]", p->cseq, diff_l4_name(p->l4),
	    diff_class_name(p->cls));
	for (int s = 0; s < 2; s++)
		if (p->copy[s].present)
			fprintf(f, " %s #%" PRIu64 " %s>%s",
			    s == 0 ? "in" : "out", p->copy[s].frame,
			    ep_str(&p->copy[s].src, a, sizeof(a)),
			    ep_str(&p->copy[s].dst, b, sizeof(b)));
	fputc('\n', f);
	if (p->reason[0]) {
		fputs("      ! ", f);
		tput(f, p->reason);
		fputc('\n', f);
	}
	if (p->private_leak[0]) {
		fputs("      ! private address left in the outside copy: ", f);
		tput(f, p->private_leak);
		fputs(" (what the far end sends there is lost)\n", f);
	}
	for (int i = 0; i < p->nch; i++) {
		const struct diff_change *ch = &p->ch[i];

		fputs("      ", f);
		tput(f, ch->field);
		fputs(": ", f);
		if (ch->kind == DIFF_ADDED) {
			fputs("+ ", f);
			tput(f, ch->after);
		} else if (ch->kind == DIFF_REMOVED) {
			fputs("- ", f);
			tput(f, ch->before);
		} else {
			tput(f, ch->before);
			fputs(" -> ", f);
			tput(f, ch->after);
		}
		fputs(ch->explained ? "\n" :
		    "   <- not explained by the NAT mapping\n", f);
	}
	if (p->changes_truncated)
		fputs("      (more changes not kept)\n", f);
}

static void
json_copy(struct json *j, const struct diff_copy *c)
{
	if (!c->present) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_key(j, "ts_ns");
	json_i64(j, c->ts_ns);
	json_key(j, "frame");
	json_u64(j, c->frame);
	jep(j, "src", &c->src);
	jep(j, "dst", &c->dst);
	json_key(j, "len");
	json_u64(j, c->len);
	json_key(j, "content_length");
	json_i64(j, c->cl_declared);
	json_key(j, "body_bytes");
	json_i64(j, c->body_bytes);
	json_key(j, "cl_stale");
	json_bool(j, c->cl_stale);
	json_obj_end(j);
}

static void
json_pair(struct json *j, const struct diff_pair *p)
{
	json_break(j, "\n      ");
	json_obj_begin(j);
	json_key(j, "class");
	json_str(j, diff_class_name(p->cls));
	json_key(j, "dir");
	json_str(j, diff_dir_name(p->dir));
	json_key(j, "transport");
	json_str(j, diff_l4_name(p->l4));
	json_key(j, "label");
	json_str(j, p->label);
	json_key(j, "cseq");
	json_u64(j, p->cseq);
	json_key(j, "call_id_inside");
	json_str(j, p->call_id[0]);
	json_key(j, "call_id_outside");
	json_str(j, p->call_id[1]);
	json_key(j, "reason");
	json_str(j, p->reason);
	json_key(j, "private_leak");
	json_str(j, p->private_leak);
	jkey_nl(j, "\n       ", "inside");
	json_copy(j, &p->copy[0]);
	jkey_nl(j, "\n       ", "outside");
	json_copy(j, &p->copy[1]);
	jkey_nl(j, "\n       ", "unexplained");
	json_int(j, p->nunexplained);
	json_key(j, "changes_truncated");
	json_bool(j, p->changes_truncated);
	json_key(j, "changes");
	json_arr_begin(j);
	for (int i = 0; i < p->nch; i++) {
		const struct diff_change *c = &p->ch[i];

		json_break(j, "\n         ");
		json_obj_begin(j);
		json_key(j, "field");
		json_str(j, c->field);
		json_key(j, "kind");
		json_str(j, diff_change_kind_name(c->kind));
		json_key(j, "before");
		json_str(j, c->before);
		json_key(j, "after");
		json_str(j, c->after);
		json_key(j, "explained");
		json_bool(j, c->explained);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void
on_dialog(void *user, const struct diff_dialog *dd)
{
	struct diff_writer *w = user;
	FILE *f = w->f;

	if (w->o.format == DIFF_HTML) {
		diff_html_dialog(w->hx, dd);
	} else if (w->o.format == DIFF_JSON) {
		struct json *j = &w->j;

		json_break(j, "\n    ");
		json_obj_begin(j);
		json_key(j, "call_id");
		json_str(j, dd->call_id);
		json_key(j, "counts");
		json_obj_begin(j);
		for (int c = 0; c < DIFF_NCLASSES; c++) {
			json_key(j, diff_class_name((enum diff_class)c));
			json_u64(j, dd->count[c]);
		}
		json_obj_end(j);
		json_key(j, "pairs_truncated");
		json_bool(j, dd->pairs_truncated);
		json_key(j, "pairs");
		json_arr_begin(j);
		for (int i = 0; i < dd->npairs; i++)
			json_pair(j, &dd->pairs[i]);
		json_arr_end(j);
		json_obj_end(j);
	} else {
		fputs("\ndialog ", f);
		tput(f, dd->call_id);
		fputs(":", f);
		for (int c = 0; c < DIFF_NCLASSES; c++)
			if (dd->count[c])
				fprintf(f, " %" PRIu32 " %s", dd->count[c],
				    diff_class_name((enum diff_class)c));
		fputc('\n', f);
		for (int i = 0; i < dd->npairs; i++)
			text_pair(w, &dd->pairs[i]);
		if (dd->pairs_truncated)
			fputs("  (more pairs not kept)\n", f);
	}
}

void
diff_writer_cb(struct diff_writer *w, struct diff_cb *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->on_begin = on_begin;
	cb->on_dialog = on_dialog;
	cb->user = w;
}

/* ---- tail ----------------------------------------------------------- */

#define FEATURES(X) \
	X(payload_rewrites) X(via_top_rewritten) X(via_lower_rewritten) \
	X(via_params_restored) X(contact_rewritten) X(ruri_rewritten) \
	X(from_to_rewritten) X(call_id_rewritten) X(route_rewritten) \
	X(sdp_o_rewritten) X(sdp_c_rewritten) X(sdp_m_port_kept) \
	X(sdp_m_port_changed) X(sdp_rtcp_rewritten) X(sdp_private_residue) \
	X(sdp_i_added) X(headers_added) X(headers_removed) X(cl_fixed) \
	X(cl_stale) X(private_leaks)

static const char *
tri(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

/* The inputs' problems (diff_check), when there are any. */
static void
text_problems(FILE *f, const struct diff *d)
{
	struct diff_result r;

	diff_check(d, &r);
	if (r.nproblems == 0)
		return;
	fputs("\nINPUT PROBLEMS: the comparison above may not mean what it "
	    "seems\n", f);
	for (int i = 0; i < r.nproblems; i++) {
		fprintf(f, "  %s: ", r.problems[i].id);
		text_fput_escaped(f, r.problems[i].text,
		    strlen(r.problems[i].text), TEXT_ESC_PLAIN);
		fputs("\n    fix: ", f);
		text_fput_escaped(f, r.problems[i].fix,
		    strlen(r.problems[i].fix), TEXT_ESC_PLAIN);
		fputc('\n', f);
	}
}

static void
text_end(struct diff_writer *w, const struct diff *d)
{
	FILE *f = w->f;
	const struct diff_summary *s = diff_summary_get(d);
	const struct diff_features *ft = diff_features_get(d);
	struct diff_nat_behaviour nb;
	struct diff_profile pr;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[NETADDR_STRLEN];
	char t1[32], t2[32];

	fprintf(f, "\nRTP streams (%zu)\n", diff_stream_count(d));
	for (size_t i = 0; i < diff_stream_count(d); i++) {
		const struct diff_stream *st = diff_stream_get(d, i);

		fprintf(f, "  ssrc 0x%08" PRIx32 " %-8s inside %s>%s",
		    st->ssrc, diff_dir_name(st->dir),
		    ep_str(&st->in_src, a, sizeof(a)),
		    ep_str(&st->in_dst, b, sizeof(b)));
		fprintf(f, " outside %s>%s: %" PRIu64 " in, %" PRIu64
		    " out, %" PRIu64 " paired, %" PRIu64 " dropped, %" PRIu64
		    " injected\n", ep_str(&st->out_src, a, sizeof(a)),
		    ep_str(&st->out_dst, b, sizeof(b)), st->pkts[0],
		    st->pkts[1], st->paired, st->dropped, st->injected);
	}
	fprintf(f, "\nNAT mappings (%zu): private -> public, towards remote\n",
	    diff_mapping_count(d));
	for (size_t i = 0; i < diff_mapping_count(d); i++) {
		const struct diff_mapping *m = diff_mapping_get(d, i);

		fprintf(f, "  %s %-5s %s -> %s  remote %s  %s..%s  %" PRIu64
		    " uses\n", diff_l4_name(m->l4), m->media ? "media" : "sip",
		    ep_str(&m->priv, a, sizeof(a)),
		    ep_str(&m->pub, b, sizeof(b)),
		    ep_str(&m->remote, c, sizeof(c)),
		    tstr(m->first_ns, t1, sizeof(t1)),
		    tstr(m->last_ns, t2, sizeof(t2)), m->uses);
	}
	diff_nat_behaviour_get(d, &nb);
	fprintf(f, "  port preserved: %s; same public endpoint for every "
	    "destination: %s\n", tri(nb.port_preserved),
	    tri(nb.endpoint_independent));
	diff_profile_get(d, &pr);
	fprintf(f, "\nALG profile: %s (%s)\n", pr.name, pr.why);
	fputs("  features:", f);
#define TF(x) if (ft->x) fprintf(f, " " #x "=%" PRIu64, ft->x);
	FEATURES(TF)
#undef TF
	fputc('\n', f);
	fprintf(f, "\nSummary: %" PRIu64 " SIP inside, %" PRIu64
	    " outside, %" PRIu64 " dialogs;", s->sip[0], s->sip[1],
	    s->dialogs);
	for (int k = 0; k < DIFF_NCLASSES; k++)
		fprintf(f, " %" PRIu64 " %s", s->count[k],
		    diff_class_name((enum diff_class)k));
	fprintf(f, "\n  RTP: %" PRIu64 " inside, %" PRIu64 " outside, %"
	    PRIu64 " paired, %" PRIu64 " dropped, %" PRIu64 " injected\n",
	    s->rtp[0], s->rtp[1], s->rtp_paired, s->rtp_dropped,
	    s->rtp_injected);
	for (int side = 0; side < 2; side++) {
		const struct anomalies *an = diff_anomalies(d,
		    (enum diff_side)side);

		if (anomaly_total(an) == 0)
			continue;
		fprintf(f, "  anomalies %s:", side ? "outside" : "inside");
		for (int k = 0; k < ANOMALY_COUNT; k++)
			if (an->n[k])
				fprintf(f, " %s=%" PRIu64,
				    anomaly_name((enum anomaly_id)k), an->n[k]);
		fputc('\n', f);
	}
	text_problems(f, d);
}

/* Anomaly counters that are not zero, as an object. */
static void
json_anomalies(struct json *j, const struct anomalies *an)
{
	json_obj_begin(j);
	for (int k = 0; k < ANOMALY_COUNT; k++)
		if (an->n[k]) {
			json_key(j, anomaly_name((enum anomaly_id)k));
			json_u64(j, an->n[k]);
		}
	json_obj_end(j);
}

static void
json_tail(struct diff_writer *w, const struct diff *d)
{
	struct json *j = &w->j;
	const struct diff_summary *s = diff_summary_get(d);
	const struct diff_features *ft = diff_features_get(d);
	struct diff_nat_behaviour nb;
	struct diff_profile pr;
	struct diff_result res;

	json_break(j, "\n  ");
	json_arr_end(j);
	jkey_nl(j, "\n  ", "rtp");
	json_arr_begin(j);
	for (size_t i = 0; i < diff_stream_count(d); i++) {
		const struct diff_stream *st = diff_stream_get(d, i);

		json_break(j, "\n    ");
		json_obj_begin(j);
		json_key(j, "ssrc");
		json_u64(j, st->ssrc);
		json_key(j, "dir");
		json_str(j, diff_dir_name(st->dir));
		json_key(j, "inside");
		json_obj_begin(j);
		jep(j, "src", &st->in_src);
		jep(j, "dst", &st->in_dst);
		json_obj_end(j);
		json_key(j, "outside");
		json_obj_begin(j);
		jep(j, "src", &st->out_src);
		jep(j, "dst", &st->out_dst);
		json_obj_end(j);
		json_key(j, "packets_inside");
		json_u64(j, st->pkts[0]);
		json_key(j, "packets_outside");
		json_u64(j, st->pkts[1]);
		json_key(j, "paired");
		json_u64(j, st->paired);
		json_key(j, "dropped");
		json_u64(j, st->dropped);
		json_key(j, "injected");
		json_u64(j, st->injected);
		json_key(j, "first_ns");
		json_i64(j, st->first_ns);
		json_key(j, "last_ns");
		json_i64(j, st->last_ns);
		json_obj_end(j);
	}
	json_break(j, "\n  ");
	json_arr_end(j);
	jkey_nl(j, "\n  ", "mappings");
	json_arr_begin(j);
	for (size_t i = 0; i < diff_mapping_count(d); i++) {
		const struct diff_mapping *m = diff_mapping_get(d, i);

		json_break(j, "\n    ");
		json_obj_begin(j);
		json_key(j, "transport");
		json_str(j, diff_l4_name(m->l4));
		json_key(j, "kind");
		json_str(j, m->media ? "media" : "sip");
		jep(j, "private", &m->priv);
		jep(j, "public", &m->pub);
		jep(j, "remote", &m->remote);
		json_key(j, "first_ns");
		json_i64(j, m->first_ns);
		json_key(j, "last_ns");
		json_i64(j, m->last_ns);
		json_key(j, "uses");
		json_u64(j, m->uses);
		json_obj_end(j);
	}
	json_break(j, "\n  ");
	json_arr_end(j);
	diff_nat_behaviour_get(d, &nb);
	jkey_nl(j, "\n  ", "nat_behaviour");
	json_obj_begin(j);
	json_key(j, "rows");
	json_u64(j, nb.rows);
	json_key(j, "port_preserved");
	jtri(j, nb.port_preserved);
	json_key(j, "endpoint_independent");
	jtri(j, nb.endpoint_independent);
	json_obj_end(j);
	jkey_nl(j, "\n  ", "features");
	json_obj_begin(j);
#define JF(x) json_key(j, #x); json_u64(j, ft->x);
	FEATURES(JF)
#undef JF
	json_obj_end(j);
	diff_profile_get(d, &pr);
	jkey_nl(j, "\n  ", "profile");
	json_obj_begin(j);
	json_key(j, "guess");
	json_str(j, pr.name);
	json_key(j, "match");
	json_str(j, diff_profile_match_name(pr.id));
	json_key(j, "tied");
	json_arr_begin(j);
	for (const char *t = pr.tied; *t != '\0';) {
		size_t l = strcspn(t, " ");

		json_strn(j, t, l);
		t += l;
		t += strspn(t, " ");
	}
	json_arr_end(j);
	json_key(j, "profiles");
	json_u64(j, pr.nprofiles);
	json_key(j, "observations");
	json_u64(j, pr.nobs);
	json_key(j, "why");
	json_str(j, pr.why);
	json_obj_end(j);
	jkey_nl(j, "\n  ", "summary");
	json_obj_begin(j);
	json_key(j, "sip_inside");
	json_u64(j, s->sip[0]);
	json_key(j, "sip_outside");
	json_u64(j, s->sip[1]);
	json_key(j, "rtp_inside");
	json_u64(j, s->rtp[0]);
	json_key(j, "rtp_outside");
	json_u64(j, s->rtp[1]);
	json_key(j, "dialogs");
	json_u64(j, s->dialogs);
	for (int k = 0; k < DIFF_NCLASSES; k++) {
		json_key(j, diff_class_name((enum diff_class)k));
		json_u64(j, s->count[k]);
	}
	json_key(j, "rtp_paired");
	json_u64(j, s->rtp_paired);
	json_key(j, "rtp_dropped");
	json_u64(j, s->rtp_dropped);
	json_key(j, "rtp_injected");
	json_u64(j, s->rtp_injected);
	json_obj_end(j);
	diff_check(d, &res);
	jkey_nl(j, "\n  ", "input_problems");
	json_arr_begin(j);
	for (int i = 0; i < res.nproblems; i++) {
		json_break(j, "\n    ");
		json_obj_begin(j);
		json_key(j, "id");
		json_str(j, res.problems[i].id);
		json_key(j, "problem");
		json_str(j, res.problems[i].text);
		json_key(j, "fix");
		json_str(j, res.problems[i].fix);
		json_obj_end(j);
	}
	if (res.nproblems > 0)
		json_break(j, "\n  ");
	json_arr_end(j);
	jkey_nl(j, "\n  ", "anomalies");
	json_obj_begin(j);
	json_key(j, "inside");
	json_anomalies(j, diff_anomalies(d, DIFF_INSIDE));
	json_key(j, "outside");
	json_anomalies(j, diff_anomalies(d, DIFF_OUTSIDE));
	json_obj_end(j);
	json_break(j, "\n");
	json_obj_end(j);
	json_obj_end(j);
	json_end(j);
}

void
diff_writer_end(struct diff_writer *w, const struct diff *d)
{
	if (w->o.format == DIFF_HTML)
		diff_html_end(w->hx, d);
	else if (w->o.format == DIFF_JSON)
		json_tail(w, d);
	else
		text_end(w, d);
}

/* ---- entry point ---------------------------------------------------- */

int
diff_run(const char *inside_path, const char *outside_path,
    const struct diff_opts *o, FILE *out, struct diff_result *res,
    char *err, size_t errlen)
{
	struct diff_writer *w;
	struct diff_cb cb;
	struct diff *d = NULL;
	int rc = -1;

	/* The heading is written only once both files opened for pass 2,
	 * so nothing reaches out when a file cannot be read. */
	if ((w = diff_writer_new(out, o)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	diff_writer_cb(w, &cb);
	if ((d = diff_new(o, &cb)) == NULL)
		snprintf(err, errlen, "out of memory");
	else if ((rc = diff_files(d, inside_path, outside_path, err,
	    errlen)) == 0) {
		diff_writer_end(w, d);
		if (res != NULL)
			diff_check(d, res);
	}
	diff_free(d);
	diff_writer_free(w);
	return rc;
}
