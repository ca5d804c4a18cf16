/*
 * report.c - text, JSON and CSV renderings of dialogs, streams and
 * capture summaries (report.h).
 *
 * Text is for people: the ALG verdict and how many calls show which
 * symptom come first, then each affected call with its findings and
 * evidence, then a summary of the dialogs without findings (in full with
 * --all), unannounced streams and the capture summary with anomalies.
 * Since the verdict is only known at the end, dialogs are spooled to
 * temporary files as they finish (memory stays bounded).  JSON is the
 * contract other tools build on:
 *   { "tool", "version", "dialogs": [ {..., "symptoms": [...]} ],
 *     "unannounced_streams": [...], "alg": { "verdict", "score", ... },
 *     "captures": [ { "file", "packets", "sip_messages", "anomalies": {} } ] }
 * CSV is one row per dialog, with a symptoms column.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "output/report.h"
#include "base/text.h"

/* Dialogs without findings listed one line each before only counting. */
#define REPORT_BRIEF_MAX 20

struct report {
	FILE *f;
	FILE *sf;                 /* unannounced streams, spooled until the end */
	FILE *af;                 /* text: affected calls, spooled */
	FILE *uf;                 /* text: dialogs without findings, spooled */
	struct report_opts o;
	uint64_t ndialogs, nstreams;
	uint64_t affected, unaffected;
	uint64_t by_id[SYMPTOM_COUNT]; /* affected dialogs per symptom */
	uint64_t unaffected_kind[DIALOG_KIND_COUNT];
};

struct report *
report_new(FILE *f, const struct report_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->f = f;
	r->o = *o;
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	if (r->sf != NULL)
		fclose(r->sf);
	if (r->af != NULL)
		fclose(r->af);
	if (r->uf != NULL)
		fclose(r->uf);
	free(r);
}

uint64_t
report_affected(const struct report *r)
{
	return r->affected;
}

bool
report_finding_shown(const struct report *r, const struct finding *f)
{
	if (r->o.symptom != NULL && strcmp(r->o.symptom, f->id) != 0)
		return false;
	return f->confidence + 1e-9 >= r->o.min_confidence;
}

static int
shown_findings(const struct report *r, const struct dialog *d)
{
	int n = 0;

	if (d->findings == NULL)
		return 0;
	for (int i = 0; i < d->findings->n; i++)
		if (report_finding_shown(r, &d->findings->f[i]))
			n++;
	return n;
}

const char *
report_time(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / CAP_NS_PER_SEC);
	struct tm tm;

	if (ns <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)((ns % CAP_NS_PER_SEC) / 1000));
	return buf;
}

static void
json_time(FILE *f, int64_t ns)
{
	char b[64];

	if (ns <= 0) {
		fputs("null", f);
		return;
	}
	report_time(ns, b, sizeof(b));
	b[10] = 'T';
	fprintf(f, "\"%sZ\"", b);
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_JSON);
	fputc('"', f);
}

static void
plain(FILE *f, const char *s)
{
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_PLAIN);
}

static void
csv_cell(FILE *f, const char *s)
{
	fputc('"', f);
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_CSV);
	fputc('"', f);
}

static double
secs(int64_t ns)
{
	return (double)ns / 1e9;
}

/* Addresses the caller uses: its signalling source and its SDP c=. */
static bool
is_caller_ip(const struct dialog *d, const struct ep *ip)
{
	const struct ep *caller;

	if (d->nmsgs == 0)
		return false;
	caller = &d->msgs[0].src;
	if (ep_same_ip(caller, ip))
		return true;
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (!ep_same_ip(&m->src, caller) || m->m->sdp == NULL)
			continue;
		for (int k = 0; k < m->m->sdp->nmedia; k++)
			if (ep_same_ip(&m->m->sdp->media[k].conn, ip))
				return true;
	}
	return false;
}

int
report_stream_dir(const struct dialog *d, const struct rtp_stream *s)
{
	if (is_caller_ip(d, &s->src))
		return 1;
	if (is_caller_ip(d, &s->dst))
		return -1;
	return 0;
}

static void
dir_packets(const struct dialog *d, uint64_t *fwd, uint64_t *rev)
{
	*fwd = *rev = 0;
	for (int i = 0; i < d->nstreams; i++) {
		if (report_stream_dir(d, d->streams[i]) >= 0)
			*fwd += d->streams[i]->packets;
		else
			*rev += d->streams[i]->packets;
	}
}

static void
json_stream(FILE *f, const struct rtp_stream *s)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	fprintf(f, "{\"src\":\"%s\",\"dst\":\"%s\",\"ssrc\":\"0x%08" PRIx32
	    "\",\"payload_type\":%d,\"codec\":",
	    ep_str(&s->src, a, sizeof(a)), ep_str(&s->dst, b, sizeof(b)),
	    s->ssrc, s->pt);
	json_str(f, s->codec);
	fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"expected\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicated\":%"
	    PRIu64 ",\"out_of_order\":%" PRIu64 ",\"jitter_ms\":%.3f"
	    ",\"max_gap_ms\":%.3f,\"pps\":%.2f,\"rtcp_sr\":%" PRIu64
	    ",\"rtcp_rr\":%" PRIu64 ",\"first\":",
	    s->packets, s->bytes, rtp_stream_expected(s), s->lost, s->dup,
	    s->ooo, rtp_stream_jitter_ms(s), (double)s->max_gap_ns / 1e6,
	    rtp_stream_pps(s), s->rtcp_sr, s->rtcp_rr);
	json_time(f, s->first_ns);
	fputs(",\"last\":", f);
	json_time(f, s->last_ns);
	fputc('}', f);
}

static void
json_evidence(FILE *f, const struct evidence *e)
{
	fprintf(f, "{\"capture\":%" PRIu32 ",\"frame\":", e->cap_idx);
	if (e->frame)
		fprintf(f, "%" PRIu64, e->frame);
	else
		fputs("null", f);
	fputs(",\"time\":", f);
	json_time(f, e->ts_ns);
	fputs(",\"field\":", f);
	json_str(f, e->field);
	fputs(",\"value\":", f);
	json_str(f, e->value);
	fputc('}', f);
}

static void
json_symptoms(struct report *r, const struct dialog *d)
{
	FILE *f = r->f;
	bool first = true;

	fputs(",\"symptoms\":[", f);
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++) {
		const struct finding *x = &d->findings->f[i];

		if (!report_finding_shown(r, x))
			continue;
		fprintf(f, "%s{\"id\":\"%s\",\"confidence\":%.2f,\"summary\":",
		    first ? "" : ",", x->id, x->confidence);
		json_str(f, x->summary);
		fputs(",\"explanation\":", f);
		json_str(f, x->explanation);
		fputs(",\"remediation\":", f);
		json_str(f, x->remediation);
		fputs(",\"evidence\":[", f);
		for (int k = 0; k < x->nev; k++) {
			if (k)
				fputc(',', f);
			json_evidence(f, &x->ev[k]);
		}
		fputs("]}", f);
		first = false;
	}
	fputc(']', f);
}

static void
json_dialog(struct report *r, const struct dialog *d)
{
	FILE *f = r->f;
	uint64_t fwd, rev;
	int64_t setup = dialog_setup_ns(d);

	dir_packets(d, &fwd, &rev);
	fprintf(f, "%s\n{\"id\":%" PRIu64 ",\"call_id\":", r->ndialogs ? "," : "",
	    d->id);
	json_str(f, d->call_id);
	fprintf(f, ",\"kind\":\"%s\",\"from\":", dialog_kind_name(d->kind));
	json_str(f, d->from);
	fputs(",\"to\":", f);
	json_str(f, d->to);
	fprintf(f, ",\"state\":\"%s\",\"final_status\":%d,\"start\":",
	    dialog_state_name(d->state), d->final_status);
	json_time(f, d->start_ns);
	fputs(",\"answer\":", f);
	json_time(f, d->answer_ns);
	fputs(",\"end\":", f);
	json_time(f, d->end_ns);
	fprintf(f, ",\"setup_time\":");
	if (setup >= 0)
		fprintf(f, "%.3f", secs(setup));
	else
		fputs("null", f);
	fprintf(f, ",\"duration\":%.3f,\"messages\":%zu,\"retransmissions\":%"
	    PRIu64 ",\"forks\":%d,\"capture\":%" PRIu32
	    ",\"evicted\":%s,\"rtp_packets_fwd\":%" PRIu64
	    ",\"rtp_packets_rev\":%" PRIu64 ",\"streams\":[",
	    secs(dialog_duration_ns(d)), d->nmsgs + d->dropped_msgs,
	    d->retrans_total, d->nforks, d->cap_idx,
	    d->evicted ? "true" : "false", fwd, rev);
	for (int i = 0; i < d->nstreams; i++) {
		if (i)
			fputc(',', f);
		json_stream(f, d->streams[i]);
	}
	fputc(']', f);
	json_symptoms(r, d);
	if (r->o.messages) {
		fputs(",\"message_list\":[", f);
		for (size_t i = 0; i < d->nmsgs; i++) {
			const struct dmsg *m = &d->msgs[i];
			char a[NETADDR_STRLEN], b[NETADDR_STRLEN], l[128];

			fprintf(f, "%s{\"frame\":%" PRIu64 ",\"time\":",
			    i ? "," : "", m->frame);
			json_time(f, m->ts_ns);
			fprintf(f, ",\"src\":\"%s\",\"dst\":\"%s\",\"label\":",
			    ep_str(&m->src, a, sizeof(a)),
			    ep_str(&m->dst, b, sizeof(b)));
			json_str(f, sipmsg_label(m->m, l, sizeof(l)));
			fprintf(f, ",\"retransmissions\":%" PRIu32 "}",
			    m->retrans);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

/* Writes static prose wrapped at 76 columns, each line indented. */
static void
wrap(FILE *f, const char *indent, const char *s)
{
	size_t col = 0, ind = strlen(indent);

	fputs(indent, f);
	col = ind;
	while (*s != '\0') {
		size_t w = strcspn(s, " ");

		if (col > ind && col + 1 + w > 76) {
			fprintf(f, "\n%*s", (int)ind, "");
			col = ind;
		} else if (col > ind) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, w, f);
		col += w;
		s += w;
		while (*s == ' ')
			s++;
	}
	fputc('\n', f);
}

static void
text_evidence(FILE *f, const struct evidence *e)
{
	char t[64];

	if (e->frame)
		fprintf(f, "         frame %-6" PRIu64 " ", e->frame);
	else
		fputs("         ", f);
	if (e->ts_ns > 0)
		fprintf(f, "%s  ", report_time(e->ts_ns, t, sizeof(t)) + 11);
	plain(f, e->field);
	fputs(": ", f);
	plain(f, e->value);
	fputc('\n', f);
}

static void
text_findings(struct report *r, FILE *f, const struct dialog *d)
{
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++) {
		const struct finding *x = &d->findings->f[i];

		if (!report_finding_shown(r, x))
			continue;
		fprintf(f, "     ! %s (confidence %.2f): ", x->id, x->confidence);
		plain(f, x->summary);
		fputc('\n', f);
		wrap(f, "         why: ", x->explanation);
		for (int k = 0; k < x->nev; k++)
			text_evidence(f, &x->ev[k]);
		wrap(f, "         fix: ", x->remediation);
	}
}

static void
text_dialog(struct report *r, FILE *f, const struct dialog *d)
{
	char t[64], a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	uint64_t fwd, rev;

	dir_packets(d, &fwd, &rev);
	fprintf(f, "\n#%-5" PRIu64 " %s  %-9s %-10s %7.1fs  %3zu msgs", d->id,
	    report_time(d->start_ns, t, sizeof(t)), dialog_kind_name(d->kind),
	    dialog_state_name(d->state), secs(dialog_duration_ns(d)),
	    d->nmsgs + d->dropped_msgs);
	if (d->retrans_total)
		fprintf(f, " (+%" PRIu64 " retrans)", d->retrans_total);
	if (d->kind == DIALOG_CALL)
		fprintf(f, "  rtp %" PRIu64 "/%" PRIu64, fwd, rev);
	fputs("\n       ", f);
	plain(f, d->from);
	fputs(" -> ", f);
	plain(f, d->to);
	fputs("\n       Call-ID: ", f);
	plain(f, d->call_id);
	fputc('\n', f);
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];

		fprintf(f, "       RTP %s -> %s ssrc 0x%08" PRIx32 " %s %"
		    PRIu64 " pkts, lost %" PRIu64 ", jitter %.1f ms, max gap %.0f ms\n",
		    ep_str(&s->src, a, sizeof(a)), ep_str(&s->dst, b, sizeof(b)),
		    s->ssrc, s->codec[0] ? s->codec : "?", s->packets, s->lost,
		    rtp_stream_jitter_ms(s), (double)s->max_gap_ns / 1e6);
	}
	if (r->o.messages) {
		for (size_t i = 0; i < d->nmsgs; i++) {
			const struct dmsg *m = &d->msgs[i];
			char l[128];

			fprintf(f, "         %6" PRIu64 " %s %s -> %s ", m->frame,
			    report_time(m->ts_ns, t, sizeof(t)),
			    ep_str(&m->src, a, sizeof(a)),
			    ep_str(&m->dst, b, sizeof(b)));
			plain(f, sipmsg_label(m->m, l, sizeof(l)));
			if (m->retrans)
				fprintf(f, " (x%" PRIu32 ")", m->retrans + 1);
			fputc('\n', f);
		}
	}
	text_findings(r, f, d);
}

/* One line for a dialog without findings. */
static void
text_brief(FILE *f, const struct dialog *d)
{
	fprintf(f, "  #%-5" PRIu64 " %-9s %-10s ", d->id,
	    dialog_kind_name(d->kind), dialog_state_name(d->state));
	plain(f, d->from);
	fputs(" -> ", f);
	plain(f, d->to);
	fputs("  Call-ID: ", f);
	plain(f, d->call_id);
	fputc('\n', f);
}

static void
csv_dialog(struct report *r, const struct dialog *d)
{
	FILE *f = r->f;
	char t[64];
	uint64_t fwd, rev;

	dir_packets(d, &fwd, &rev);
	fprintf(f, "%" PRIu64 ",", d->id);
	csv_cell(f, report_time(d->start_ns, t, sizeof(t)));
	fprintf(f, ",%s,%s,", dialog_kind_name(d->kind),
	    dialog_state_name(d->state));
	csv_cell(f, d->from);
	fputc(',', f);
	csv_cell(f, d->to);
	fputc(',', f);
	csv_cell(f, d->call_id);
	fprintf(f, ",%.3f,%zu,%" PRIu64 ",%d,%" PRIu64 ",%" PRIu64 ",\"",
	    secs(dialog_duration_ns(d)), d->nmsgs + d->dropped_msgs,
	    d->retrans_total, d->nstreams, fwd, rev);
	for (int i = 0, n = 0; d->findings != NULL && i < d->findings->n; i++) {
		const struct finding *x = &d->findings->f[i];

		if (!report_finding_shown(r, x))
			continue;
		fprintf(f, "%s%s:%.2f", n++ ? ";" : "", x->id, x->confidence);
	}
	fputs("\"\n", f);
}

void
report_begin(struct report *r)
{
	switch (r->o.format) {
	case REPORT_JSON:
		fprintf(r->f, "{\"tool\":\"sipalg-analyze\",\"version\":\"%s\","
		    "\n\"dialogs\":[", PACKAGE_VERSION);
		break;
	case REPORT_CSV:
		fputs("id,start,kind,state,from,to,call_id,duration,messages,"
		    "retransmissions,streams,rtp_packets_fwd,rtp_packets_rev,"
		    "symptoms\n", r->f);
		break;
	default:
		/* Everything is written by report_end, verdict first. */
		break;
	}
}

static void
count_findings(struct report *r, const struct dialog *d)
{
	bool seen[SYMPTOM_COUNT] = { false };

	for (int i = 0; d->findings != NULL && i < d->findings->n; i++) {
		const struct finding *x = &d->findings->f[i];
		int k;

		if (!report_finding_shown(r, x))
			continue;
		k = symptom_lookup(x->id);
		if (k >= 0 && !seen[k]) {
			seen[k] = true;
			r->by_id[k]++;
		}
	}
}

void
report_dialog(struct report *r, const struct dialog *d)
{
	bool affected;

	if (r->o.only_calls && d->kind != DIALOG_CALL)
		return;
	affected = shown_findings(r, d) > 0;
	if (affected) {
		r->affected++;
		count_findings(r, d);
	} else {
		r->unaffected++;
		r->unaffected_kind[d->kind]++;
	}
	switch (r->o.format) {
	case REPORT_JSON:
		json_dialog(r, d);
		break;
	case REPORT_CSV:
		csv_dialog(r, d);
		break;
	default:
		if (affected) {
			if (r->af == NULL && (r->af = tmpfile()) == NULL)
				break;
			text_dialog(r, r->af, d);
		} else if (r->o.all || r->unaffected <= REPORT_BRIEF_MAX) {
			if (r->uf == NULL && (r->uf = tmpfile()) == NULL)
				break;
			if (r->o.all)
				text_dialog(r, r->uf, d);
			else
				text_brief(r->uf, d);
		}
		break;
	}
	r->ndialogs++;
}

void
report_stream(struct report *r, const struct rtp_stream *s)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	/*
	 * Unannounced streams end while dialogs are still being written, so
	 * they are spooled to a temporary file (bounded memory) and copied
	 * into their own section by report_end.
	 */
	if (r->o.format == REPORT_CSV)
		return;
	if (r->sf == NULL && (r->sf = tmpfile()) == NULL)
		return;
	switch (r->o.format) {
	case REPORT_JSON:
		if (r->nstreams > 0)
			fputc(',', r->sf);
		json_stream(r->sf, s);
		break;
	default:
		fprintf(r->sf, "       RTP %s -> %s ssrc 0x%08" PRIx32 " pt %d %"
		    PRIu64 " pkts, lost %" PRIu64 ", jitter %.1f ms\n",
		    ep_str(&s->src, a, sizeof(a)), ep_str(&s->dst, b, sizeof(b)),
		    s->ssrc, s->pt, s->packets, s->lost,
		    rtp_stream_jitter_ms(s));
		break;
	}
	r->nstreams++;
}

static void
json_capture(FILE *f, const struct capture_info *ci,
    const struct analysis_capstats *st)
{
	bool first = true;

	fputs("{\"file\":", f);
	json_str(f, ci->path);
	fprintf(f, ",\"size\":%" PRIu64 ",\"link\":", ci->size);
	json_str(f, ci->linkname ? ci->linkname : "");
	fprintf(f, ",\"packets\":%" PRIu64 ",\"first\":", ci->packets);
	json_time(f, ci->first_ns);
	fputs(",\"last\":", f);
	json_time(f, ci->last_ns);
	fprintf(f, ",\"sip_messages\":%" PRIu64 ",\"sip_retransmissions\":%"
	    PRIu64 ",\"sip_udp\":%" PRIu64 ",\"sip_tcp\":%" PRIu64
	    ",\"sip_websocket\":%" PRIu64 ",\"sip_sctp\":%" PRIu64
	    ",\"keepalives\":%" PRIu64 ",\"dialogs\":%" PRIu64
	    ",\"rtp_streams\":%" PRIu64 ",\"rtp_unannounced\":%" PRIu64
	    ",\"rtp_packets\":%" PRIu64 ",\"rtcp_packets\":%" PRIu64
	    ",\"anomalies\":{",
	    st->sip_messages, st->sip_retrans, st->sip_udp, st->sip_tcp,
	    st->sip_ws, st->sip_sctp, st->keepalives, st->dialogs,
	    st->rtp_streams, st->rtp_unannounced, st->rtp_packets,
	    st->rtcp_packets);
	for (int i = 0; i < ANOMALY_COUNT; i++) {
		if (ci->an.n[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
		    anomaly_name((enum anomaly_id)i), ci->an.n[i]);
		first = false;
	}
	fputs("}}", f);
}

static void
text_capture(FILE *f, const struct capture_info *ci,
    const struct analysis_capstats *st)
{
	char t1[64], t2[64];

	fputs("\nCAPTURE ", f);
	plain(f, ci->path);
	fprintf(f, "\n  link %s, %" PRIu64 " packets, %s .. %s\n",
	    ci->linkname ? ci->linkname : "?", ci->packets,
	    report_time(ci->first_ns, t1, sizeof(t1)),
	    report_time(ci->last_ns, t2, sizeof(t2)));
	fprintf(f, "  SIP messages %" PRIu64 " (%" PRIu64 " retransmissions; "
	    "UDP %" PRIu64 ", TCP %" PRIu64 ", WebSocket %" PRIu64 ", SCTP %"
	    PRIu64 "), dialogs %" PRIu64 "\n", st->sip_messages,
	    st->sip_retrans, st->sip_udp, st->sip_tcp, st->sip_ws,
	    st->sip_sctp, st->dialogs);
	fprintf(f, "  RTP streams %" PRIu64 " announced by SDP, %" PRIu64
	    " unannounced; %" PRIu64 " RTP and %" PRIu64 " RTCP packets\n",
	    st->rtp_streams, st->rtp_unannounced, st->rtp_packets,
	    st->rtcp_packets);
	if (anomaly_total(&ci->an) == 0) {
		fputs("  anomalies: none\n", f);
		return;
	}
	fputs("  anomalies:\n", f);
	for (int i = 0; i < ANOMALY_COUNT; i++)
		if (ci->an.n[i] != 0)
			fprintf(f, "    %-24s %8" PRIu64 "  %s\n",
			    anomaly_name((enum anomaly_id)i), ci->an.n[i],
			    anomaly_desc((enum anomaly_id)i));
}

static void
copy_file(FILE *to, FILE *from)
{
	char buf[8192];
	size_t n;

	if (from == NULL)
		return;
	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
}

static void
copy_spool(struct report *r)
{
	copy_file(r->f, r->sf);
}

static void
json_alg(struct report *r, const struct detect_verdict *v)
{
	FILE *f = r->f;
	bool first = true;

	fprintf(f, "\"alg\":{\"verdict\":\"%s\",\"score\":%.2f,"
	    "\"dialogs\":%" PRIu64 ",\"affected\":%" PRIu64
	    ",\"by_symptom\":{", detect_alg_name(v->alg), v->score,
	    r->ndialogs, r->affected);
	for (int k = 0; k < SYMPTOM_COUNT; k++) {
		if (r->by_id[k] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
		    symptom_name((enum symptom_id)k), r->by_id[k]);
		first = false;
	}
	fputs("},\"evidence\":[", f);
	for (int i = 0; i < v->nstrongest; i++) {
		if (i)
			fputc(',', f);
		json_evidence(f, &v->strongest[i]);
	}
	fputs("]}", f);
}

static void
text_verdict(struct report *r, const struct detect_verdict *v)
{
	FILE *f = r->f;

	switch (v->alg) {
	case DETECT_ALG_LIKELY:
		fprintf(f, "SIP ALG: LIKELY present (score %.1f; 1.5 or more "
		    "is likely)\n", v->score);
		break;
	case DETECT_ALG_UNLIKELY:
		fprintf(f, "SIP ALG: unlikely (score %.1f): NATed addresses "
		    "pass untranslated\n", v->score);
		break;
	default:
		fprintf(f, "SIP ALG: unknown (score %.1f): the capture shows "
		    "no fingerprint either way\n", v->score);
		break;
	}
	if (v->nstrongest > 0) {
		fputs("  strongest evidence:\n", f);
		for (int i = 0; i < v->nstrongest; i++)
			text_evidence(f, &v->strongest[i]);
	}
	fprintf(f, "Calls with findings: %" PRIu64 " of %" PRIu64 " dialogs",
	    r->affected, r->ndialogs);
	if (r->o.symptom != NULL || r->o.min_confidence > 0)
		fputs(" (filtered)", f);
	fputc('\n', f);
	for (int k = 0; k < SYMPTOM_COUNT; k++)
		if (r->by_id[k] > 0)
			fprintf(f, "  %-*s %" PRIu64 "\n", SYMPTOM_ID_MAX,
			    symptom_name((enum symptom_id)k), r->by_id[k]);
	if (r->affected > 0 || v->alg == DETECT_ALG_LIKELY)
		fputs("To turn a router's SIP ALG off: sipalg-analyze --fix "
		    "list, then --fix VENDOR\n", f);
}

static void
text_dialogs(struct report *r)
{
	FILE *f = r->f;
	bool first = true;

	if (r->affected > 0) {
		fputs("\nCALLS WITH FINDINGS (in the order they ended)\n", f);
		copy_file(f, r->af);
	}
	fprintf(f, "\nDIALOGS WITHOUT FINDINGS: %" PRIu64, r->unaffected);
	for (int k = 0; k < DIALOG_KIND_COUNT; k++)
		if (r->unaffected_kind[k] > 0) {
			fprintf(f, "%s%" PRIu64 " %s", first ? " (" : ", ",
			    r->unaffected_kind[k],
			    dialog_kind_name((enum dialog_kind)k));
			first = false;
		}
	fputs(first ? "\n" : ")\n", f);
	copy_file(f, r->uf);
	if (!r->o.all && r->unaffected > REPORT_BRIEF_MAX)
		fprintf(f, "  ... and %" PRIu64 " more; --all lists them\n",
		    r->unaffected - REPORT_BRIEF_MAX);
}

void
report_end(struct report *r, struct analysis *a)
{
	size_t n = analysis_capture_count(a);
	struct report_capture *caps = calloc(n ? n : 1, sizeof(*caps));

	if (caps == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		caps[i].info = analysis_capture_info(a, i);
		caps[i].stats = analysis_capture_stats(a, i);
	}
	report_end_captures(r, caps, n, analysis_detect(a));
	free(caps);
}

void
report_end_captures(struct report *r, const struct report_capture *caps,
    size_t n, const struct detect *dt)
{
	struct detect_verdict v;

	detect_verdict_get(dt, &v);
	switch (r->o.format) {
	case REPORT_JSON:
		fputs("],\n\"unannounced_streams\":[", r->f);
		copy_spool(r);
		fputs("],\n", r->f);
		json_alg(r, &v);
		fputs(",\n\"captures\":[", r->f);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', r->f);
			json_capture(r->f, caps[i].info, caps[i].stats);
		}
		fputs("]}\n", r->f);
		break;
	case REPORT_CSV:
		break;
	default:
		text_verdict(r, &v);
		text_dialogs(r);
		if (r->nstreams > 0) {
			fputs("\nRTP STREAMS NO SDP ANNOUNCED\n", r->f);
			copy_spool(r);
		}
		for (size_t i = 0; i < n; i++)
			text_capture(r->f, caps[i].info, caps[i].stats);
		break;
	}
	fflush(r->f);
}
