/*
 * diff_report.c - the inside/outside comparison as text or JSON, and
 * diff_run(), the entry point the sipalg-analyze front-end calls (diff.h).
 *
 * Text: a heading with the clock offset, then per dialog a compact list,
 * one line per message copy pair and one "field: before -> after" line per
 * change, then RTP streams, the NAT mapping table and its behaviour, the
 * profile guess and the counts.  JSON: one document {"diff": {...}} whose
 * "dialogs" array is written as dialogs complete, so memory stays bounded.
 * Every string that came from a packet goes through text_fput_escaped().
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff/diff.h"
#include "base/text.h"

struct diff_writer {
	FILE *f;
	struct diff_opts o;
	int ndialogs;
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
	return w;
}

void
diff_writer_free(struct diff_writer *w)
{
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

static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_JSON);
	fputc('"', f);
}

static void
jep(FILE *f, const struct ep *e)
{
	char b[NETADDR_STRLEN];

	if (e->family == 0)
		fputs("null", f);
	else
		jstr(f, ep_str(e, b, sizeof(b)));
}

static void
tput(FILE *f, const char *s)
{
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_PLAIN);
}

static const char *
l4name(uint8_t l4)
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

	if (w->o.format == DIFF_JSON) {
		fputs("{\"diff\": {\n  \"inside\": {\"path\": ", w->f);
		jstr(w->f, s->path[0]);
		fputs("},\n  \"outside\": {\"path\": ", w->f);
		jstr(w->f, s->path[1]);
		fprintf(w->f, "},\n  \"clock_offset_ns\": %" PRId64
		    ",\n  \"offset_samples\": %zu,\n  \"offset_forced\": %s,\n"
		    "  \"window_ns\": %" PRId64 ",\n  \"dialogs\": [",
		    s->offset_ns, s->offset_samples,
		    s->offset_forced ? "true" : "false", s->window_ns);
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
	fprintf(f, " (CSeq %" PRIu32 ", %s)  [%s]", p->cseq, l4name(p->l4),
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
json_copy(FILE *f, const struct diff_copy *c)
{
	if (!c->present) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"ts_ns\": %" PRId64 ", \"frame\": %" PRIu64
	    ", \"src\": ", c->ts_ns, c->frame);
	jep(f, &c->src);
	fputs(", \"dst\": ", f);
	jep(f, &c->dst);
	fprintf(f, ", \"len\": %" PRIu32 ", \"content_length\": %" PRId64
	    ", \"body_bytes\": %" PRId64 ", \"cl_stale\": %s}", c->len,
	    c->cl_declared, c->body_bytes, c->cl_stale ? "true" : "false");
}

static void
json_pair(FILE *f, const struct diff_pair *p, bool first)
{
	fprintf(f, "%s\n      {\"class\": \"%s\", \"dir\": \"%s\", "
	    "\"transport\": \"%s\", \"label\": ", first ? "" : ",",
	    diff_class_name(p->cls), diff_dir_name(p->dir), l4name(p->l4));
	jstr(f, p->label);
	fprintf(f, ", \"cseq\": %" PRIu32 ", \"call_id_inside\": ", p->cseq);
	jstr(f, p->call_id[0]);
	fputs(", \"call_id_outside\": ", f);
	jstr(f, p->call_id[1]);
	fputs(", \"reason\": ", f);
	jstr(f, p->reason);
	fputs(", \"private_leak\": ", f);
	jstr(f, p->private_leak);
	fputs(",\n       \"inside\": ", f);
	json_copy(f, &p->copy[0]);
	fputs(",\n       \"outside\": ", f);
	json_copy(f, &p->copy[1]);
	fprintf(f, ",\n       \"unexplained\": %d, \"changes_truncated\": %s, "
	    "\"changes\": [", p->nunexplained,
	    p->changes_truncated ? "true" : "false");
	for (int i = 0; i < p->nch; i++) {
		const struct diff_change *c = &p->ch[i];

		fprintf(f, "%s\n         {\"field\": ", i ? "," : "");
		jstr(f, c->field);
		fprintf(f, ", \"kind\": \"%s\", \"before\": ",
		    diff_change_kind_name(c->kind));
		jstr(f, c->before);
		fputs(", \"after\": ", f);
		jstr(f, c->after);
		fprintf(f, ", \"explained\": %s}",
		    c->explained ? "true" : "false");
	}
	fputs(p->nch ? "]}" : "]}", f);
}

static void
on_dialog(void *user, const struct diff_dialog *dd)
{
	struct diff_writer *w = user;
	FILE *f = w->f;

	if (w->o.format == DIFF_JSON) {
		fprintf(f, "%s\n    {\"call_id\": ", w->ndialogs ? "," : "");
		jstr(f, dd->call_id);
		fputs(", \"counts\": {", f);
		for (int c = 0; c < DIFF_NCLASSES; c++)
			fprintf(f, "%s\"%s\": %" PRIu32, c ? ", " : "",
			    diff_class_name((enum diff_class)c), dd->count[c]);
		fprintf(f, "}, \"pairs_truncated\": %s, \"pairs\": [",
		    dd->pairs_truncated ? "true" : "false");
		for (int i = 0; i < dd->npairs; i++)
			json_pair(f, &dd->pairs[i], i == 0);
		fputs("]}", f);
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
	w->ndialogs++;
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
		    " uses\n", l4name(m->l4), m->media ? "media" : "sip",
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
}

static void
json_end(struct diff_writer *w, const struct diff *d)
{
	FILE *f = w->f;
	const struct diff_summary *s = diff_summary_get(d);
	const struct diff_features *ft = diff_features_get(d);
	struct diff_nat_behaviour nb;
	struct diff_profile pr;
	int n;

	fputs("\n  ],\n  \"rtp\": [", f);
	for (size_t i = 0; i < diff_stream_count(d); i++) {
		const struct diff_stream *st = diff_stream_get(d, i);

		fprintf(f, "%s\n    {\"ssrc\": %" PRIu32 ", \"dir\": \"%s\", "
		    "\"inside\": {\"src\": ", i ? "," : "", st->ssrc,
		    diff_dir_name(st->dir));
		jep(f, &st->in_src);
		fputs(", \"dst\": ", f);
		jep(f, &st->in_dst);
		fputs("}, \"outside\": {\"src\": ", f);
		jep(f, &st->out_src);
		fputs(", \"dst\": ", f);
		jep(f, &st->out_dst);
		fprintf(f, "}, \"packets_inside\": %" PRIu64
		    ", \"packets_outside\": %" PRIu64 ", \"paired\": %" PRIu64
		    ", \"dropped\": %" PRIu64 ", \"injected\": %" PRIu64
		    ", \"first_ns\": %" PRId64 ", \"last_ns\": %" PRId64 "}",
		    st->pkts[0], st->pkts[1], st->paired, st->dropped,
		    st->injected, st->first_ns, st->last_ns);
	}
	fputs("\n  ],\n  \"mappings\": [", f);
	for (size_t i = 0; i < diff_mapping_count(d); i++) {
		const struct diff_mapping *m = diff_mapping_get(d, i);

		fprintf(f, "%s\n    {\"transport\": \"%s\", \"kind\": \"%s\", "
		    "\"private\": ", i ? "," : "", l4name(m->l4),
		    m->media ? "media" : "sip");
		jep(f, &m->priv);
		fputs(", \"public\": ", f);
		jep(f, &m->pub);
		fputs(", \"remote\": ", f);
		jep(f, &m->remote);
		fprintf(f, ", \"first_ns\": %" PRId64 ", \"last_ns\": %" PRId64
		    ", \"uses\": %" PRIu64 "}", m->first_ns, m->last_ns,
		    m->uses);
	}
	diff_nat_behaviour_get(d, &nb);
	fprintf(f, "\n  ],\n  \"nat_behaviour\": {\"rows\": %zu, "
	    "\"port_preserved\": %s, \"endpoint_independent\": %s},\n",
	    nb.rows, nb.port_preserved < 0 ? "null" :
	    nb.port_preserved ? "true" : "false",
	    nb.endpoint_independent < 0 ? "null" :
	    nb.endpoint_independent ? "true" : "false");
	fputs("  \"features\": {", f);
	n = 0;
#define JF(x) fprintf(f, "%s\"" #x "\": %" PRIu64, n++ ? ", " : "", ft->x);
	FEATURES(JF)
#undef JF
	diff_profile_get(d, &pr);
	fputs("},\n  \"profile\": {\"guess\": ", f);
	jstr(f, pr.name);
	fprintf(f, ", \"match\": \"%s\", \"tied\": [", diff_profile_match_name(pr.id));
	for (const char *t = pr.tied; *t != '\0';) {
		size_t l = strcspn(t, " ");

		fprintf(f, "%s\"", t == pr.tied ? "" : ", ");
		text_fput_escaped(f, t, l, TEXT_ESC_JSON);
		fputc('"', f);
		t += l;
		t += strspn(t, " ");
	}
	fprintf(f, "], \"profiles\": %u, \"observations\": %u, \"why\": ",
	    pr.nprofiles, pr.nobs);
	jstr(f, pr.why);
	fprintf(f, "},\n  \"summary\": {\"sip_inside\": %" PRIu64
	    ", \"sip_outside\": %" PRIu64 ", \"rtp_inside\": %" PRIu64
	    ", \"rtp_outside\": %" PRIu64 ", \"dialogs\": %" PRIu64,
	    s->sip[0], s->sip[1], s->rtp[0], s->rtp[1], s->dialogs);
	for (int k = 0; k < DIFF_NCLASSES; k++)
		fprintf(f, ", \"%s\": %" PRIu64,
		    diff_class_name((enum diff_class)k), s->count[k]);
	fprintf(f, ", \"rtp_paired\": %" PRIu64 ", \"rtp_dropped\": %" PRIu64
	    ", \"rtp_injected\": %" PRIu64 "},\n  \"anomalies\": {",
	    s->rtp_paired, s->rtp_dropped, s->rtp_injected);
	for (int side = 0; side < 2; side++) {
		const struct anomalies *an = diff_anomalies(d,
		    (enum diff_side)side);

		n = 0;
		fprintf(f, "%s\"%s\": {", side ? ", " : "",
		    side ? "outside" : "inside");
		for (int k = 0; k < ANOMALY_COUNT; k++)
			if (an->n[k])
				fprintf(f, "%s\"%s\": %" PRIu64, n++ ? ", " : "",
				    anomaly_name((enum anomaly_id)k), an->n[k]);
		fputc('}', f);
	}
	fputs("}\n}}\n", f);
}

void
diff_writer_end(struct diff_writer *w, const struct diff *d)
{
	if (w->o.format == DIFF_JSON)
		json_end(w, d);
	else
		text_end(w, d);
}

/* ---- entry point ---------------------------------------------------- */

int
diff_run(const char *inside_path, const char *outside_path,
    const struct diff_opts *o, FILE *out, char *err, size_t errlen)
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
	    errlen)) == 0)
		diff_writer_end(w, d);
	diff_free(d);
	diff_writer_free(w);
	return rc;
}
