/*
 * report_json.c - the report as one JSON document (report.h), the
 * contract other tools build on:
 *   { "tool", "version", "dialogs": [ {..., "symptoms": [...]} ],
 *     "unannounced_streams": [...], "alg": { "verdict", "score", ... },
 *     "captures": [ { "file", "packets", "sip_messages", "anomalies": {} } ] }
 * Dialogs are written as they end; unannounced streams end in between,
 * so they are spooled to a temporary file and copied into their array at
 * the end.  Written with the project's JSON writer (json.h), compact,
 * one dialog per line; "no frame" and "no time" are null.  A dialog
 * that is one segment of a call seen as two (its Call-ID rewritten by
 * an ALG; dialog.h, join) has "joined": { "id", "call_id", "segment",
 * "other_segment", "counted_with_other" } naming the other; "alg" then
 * has "joined", the dialogs not counted as calls of their own.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sip/capstats.h"
#include "base/json.h"
#include "config.h"
#include "output/report_int.h"
#include "present/view.h"
#include "sip/quality.h"

struct json_state {
	struct json j;            /* on r->f */
	FILE *sf;                 /* unannounced streams, spooled */
	struct json sj;           /* on sf: elements of that array */
	struct report_day day;    /* the date of the last time written */
};

#define JS(r) ((struct json_state *)(r)->fmt)

/* An ISO 8601 UTC time, or null for none. */
static void
json_time(struct report_day *day, struct json *j, int64_t ns)
{
	char b[REPORT_TIME_LEN + 1];

	if (ns <= 0) {
		json_null(j);
		return;
	}
	/* Digits and "-:.T" only (report.c), so plain: no escape scan. */
	report_time_at(day, ns, 'T', b);
	b[REPORT_TIME_LEN] = 'Z';
	json_strn_plain(j, b, sizeof(b));
}

/*
 * "key": time, JSON_KEY(j, lit) then json_time(day, j, ns), the same
 * bytes, formatted straight into the stream's buffer where it has room
 * (JSON_KV_RAW): a call, a copy and a check of state fewer, three times
 * a dialog.
 */
#define TIME_JSON_MAX (REPORT_TIME_LEN + 3)     /* "...Z" */
#define KV_TIME(day, j, lit, ns) do {					\
	char *d_ = JSON_KV_RAW((j), lit, TIME_JSON_MAX);		\
									\
	if (d_ != NULL) {						\
		json_raw_end((j), time_at((day), (ns), d_));		\
	} else {							\
		JSON_KEY((j), lit);					\
		json_time((day), (j), (ns));				\
	}								\
} while (0)

/* json_time's bytes at d (room for TIME_JSON_MAX); returns their end. */
static char *
time_at(struct report_day *day, int64_t ns, char *d)
{
	if (ns <= 0) {
		memcpy(d, "null", 4);
		return d + 4;
	}
	d[0] = '"';
	report_time_at(day, ns, 'T', d + 1);
	d[REPORT_TIME_LEN + 1] = 'Z';
	d[REPORT_TIME_LEN + 2] = '"';
	return d + TIME_JSON_MAX;
}

/* ns as seconds with three decimals (report_secs3), as json_fixed writes
 * them. */
static void
json_secs(struct json *j, int64_t ns)
{
	char b[64];     /* 32 for report_secs3, twice: no bounds warning
	                 * from copy_small's cases above 32 (as json_fixed) */
	size_t n = report_secs3(ns, b);

	if (n > 0)
		json_number(j, b, n);
	else
		json_fixed(j, report_secs(ns), 3);
}

/* "key": json_secs(j, ns), the same way as KV_TIME (32: report_secs3's
 * room); where report_secs3 gives up, what it wrote is not kept. */
#define KV_SECS(j, lit, ns) do {					\
	int64_t ns_ = (ns);						\
	char *d_ = JSON_KV_RAW((j), lit, 32);				\
	size_t n_;							\
									\
	if (d_ != NULL && (n_ = report_secs3(ns_, d_)) > 0) {		\
		json_raw_end((j), d_ + n_);				\
	} else {							\
		JSON_KEY((j), lit);					\
		json_secs((j), ns_);					\
	}								\
} while (0)

/* A stream's or leg's direction: a literal of 13 plain bytes. */
static const char *
json_dir(int dir)
{
	return dir > 0 ? "caller>callee" : "callee>caller";
}

/* The E-model rating of a stream (quality.h), null when not rated. */
static void
json_quality(struct json *j, const struct rtp_stream *s)
{
	struct quality q;

	if (quality_stream(s, &q) != 0) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KEY(j, "r_factor");
	json_fixed(j, q.r, 1);
	JSON_KEY(j, "mos");
	json_fixed(j, q.mos, 2);
	JSON_KEY(j, "loss_percent");
	json_fixed(j, q.ppl, 2);
	JSON_KEY(j, "burst_ratio");
	json_fixed(j, q.burst_r, 2);
	JSON_KEY(j, "packetisation_ms");
	json_fixed(j, q.ptime_ms, 1);
	JSON_KEY(j, "assumed_delay_ms");
	json_fixed(j, q.delay_ms, 1);
	JSON_KEY(j, "ie");
	json_fixed(j, q.codec->ie, 1);
	JSON_KEY(j, "bpl");
	json_fixed(j, q.codec->bpl, 1);
	JSON_KEY(j, "ie_eff");
	json_fixed(j, q.ie_eff, 2);
	json_obj_end(j);
}

static void
json_stream(struct report_day *day, struct json *j,
    const struct rtp_stream *s)
{
	char a[NETADDR_STRLEN], ssrc[16];

	json_obj_begin(j);
	JSON_KV_STR(j, "src", ep_str(&s->src, a, sizeof(a)));
	JSON_KV_STR(j, "dst", ep_str(&s->dst, a, sizeof(a)));
	snprintf(ssrc, sizeof(ssrc), "0x%08" PRIx32, s->ssrc);
	JSON_KV_STR(j, "ssrc", ssrc);
	JSON_KV_I64(j, "payload_type", s->pt);
	JSON_KV_STR(j, "codec", s->codec);
	JSON_KV_U64(j, "packets", s->packets);
	JSON_KV_U64(j, "bytes", s->bytes);
	JSON_KV_U64(j, "expected", rtp_stream_expected(s));
	JSON_KV_U64(j, "lost", s->lost);
	JSON_KV_U64(j, "duplicated", s->dup);
	JSON_KV_U64(j, "out_of_order", s->ooo);
	JSON_KEY(j, "jitter_ms");
	json_fixed(j, rtp_stream_jitter_ms(s), 3);
	JSON_KEY(j, "max_gap_ms");
	json_fixed(j, (double)s->max_gap_ns / 1e6, 3);
	JSON_KEY(j, "pps");
	json_fixed(j, rtp_stream_pps(s), 2);
	JSON_KV_U64(j, "audio_packets", s->audio_packets);
	JSON_KV_U64(j, "cn_packets", s->cn_packets);
	JSON_KV_U64(j, "event_packets", s->event_packets);
	if (rtp_stream_ptime_ms(s) > 0) {
		JSON_KV_I64(j, "ptime_ms", rtp_stream_ptime_ms(s));
		JSON_KV_I64(j, "interarrival_ms", rtp_stream_gap_ms(s));
	}
	if (s->dir != 0) {
		JSON_KEY(j, "direction");
		json_strn_plain(j, json_dir(s->dir), 13);
	}
	if (rtp_segment_name(s->segment) != NULL) {
		JSON_KV_STR(j, "segment", rtp_segment_name(s->segment));
	}
	if (rtp_state_name(s->state) != NULL) {
		JSON_KV_STR(j, "state", rtp_state_name(s->state));
	}
	JSON_KV_U64(j, "rtcp_sr", s->rtcp_sr);
	JSON_KV_U64(j, "rtcp_rr", s->rtcp_rr);
	KV_TIME(day, j, "first", s->first_ns);
	KV_TIME(day, j, "last", s->last_ns);
	JSON_KEY(j, "quality");
	json_quality(j, s);
	json_obj_end(j);
}

/* Per direction and segment, what the capture shows of a call's audio. */
static void
json_media(struct json *j, const struct dialog *d)
{
	struct detect_media_leg leg[4];
	int n;

	if (d->kind != DIALOG_CALL)
		return;
	n = detect_media_legs(d, leg, 4);
	JSON_KEY(j, "media");
	json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		json_obj_begin(j);
		JSON_KEY(j, "direction");
		json_strn_plain(j, json_dir(leg[i].dir), 13);
		JSON_KV_STR(j, "segment",
		    rtp_segment_name(leg[i].segment));
		JSON_KV_STR(j, "state", leg[i].state);
		JSON_KV_U64(j, "audio_packets", leg[i].packets);
		if (leg[i].ptime_ms > 0) {
			JSON_KV_I64(j, "ptime_ms", leg[i].ptime_ms);
		}
		if (dialog_vis_name(leg[i].vis) != NULL) {
			/* can the capture show media there, and why (15.3) */
			JSON_KV_STR(j, "visibility",
			    dialog_vis_name(leg[i].vis));
			JSON_KV_STR(j, "visibility_reason", leg[i].why);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* In a run over several captures, the file beside each frame. */
static void
json_file(struct report *r, struct json *j, uint32_t cap_idx)
{
	const char *name = report_capture_name(r, cap_idx);

	if (name == NULL)
		return;
	JSON_KV_STR(j, "file", name);
}

static void
json_evidence(struct report *r, struct json *j, const struct evidence *e)
{
	json_obj_begin(j);
	JSON_KV_U64(j, "capture", e->cap_idx);
	json_file(r, j, e->cap_idx);
	JSON_KEY(j, "frame");
	json_u64_or_null(j, e->frame);
	KV_TIME(&JS(r)->day, j, "time", e->ts_ns);
	JSON_KV_STR(j, "field", e->field);
	JSON_KV_STR(j, "value", e->value);
	json_obj_end(j);
}

/* The array of findings xs[0..n) that pass the filters (its key written). */
static void
json_finding_list(struct report *r, struct json *j, const struct finding *xs,
    int n)
{
	json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		const struct finding *x = &xs[i];

		if (!report_finding_shown(r, x))
			continue;
		json_obj_begin(j);
		JSON_KV_STR(j, "id", x->id);
		JSON_KEY(j, "confidence");
		json_fixed(j, x->confidence, 2);
		JSON_KV_STR(j, "summary", x->summary);
		JSON_KV_STR(j, "explanation", x->explanation);
		JSON_KV_STR(j, "remediation", x->remediation);
		JSON_KEY(j, "evidence");
		json_arr_begin(j);
		for (int k = 0; k < x->nev; k++)
			json_evidence(r, j, &x->ev[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* "symptoms" (observed, counted) and "advisories" (risks, not counted). */
static void
json_symptoms(struct report *r, struct json *j, const struct dialog *d)
{
	const struct findings *fs = d->findings;

	JSON_KEY(j, "symptoms");
	json_finding_list(r, j, fs ? fs->f : NULL, fs ? fs->n : 0);
	JSON_KEY(j, "advisories");
	json_finding_list(r, j, fs ? fs->adv : NULL, fs ? fs->nadv : 0);
}

static void
json_messages(struct report *r, struct json *j, const struct dialog *d)
{
	char a[NETADDR_STRLEN], l[128];

	JSON_KEY(j, "message_list");
	json_arr_begin(j);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		json_obj_begin(j);
		json_file(r, j, m->cap_idx);
		JSON_KV_U64(j, "frame", m->frame);
		KV_TIME(&JS(r)->day, j, "time", m->ts_ns);
		JSON_KV_STR(j, "src", ep_str(&m->src, a, sizeof(a)));
		JSON_KV_STR(j, "dst", ep_str(&m->dst, a, sizeof(a)));
		JSON_KV_STR(j, "label", sipmsg_label(m->m, l, sizeof(l)));
		JSON_KV_U64(j, "retransmissions", m->retrans);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
json_on_dialog(struct report *r, const struct dialog *d, bool affected)
{
	struct json *j = &((struct json_state *)r->fmt)->j;
	uint64_t fwd, rev;
	int64_t setup = dialog_setup_ns(d);

	(void)affected;
	/*
	 * A dialog is mostly written when the memory budget releases it,
	 * long after its head was: the lines of the strings and fields
	 * read below are asked for at once, so that their misses overlap
	 * instead of each stalling the strlen of its string in turn.
	 */
	__builtin_prefetch(d->from);
	__builtin_prefetch(d->to);
	__builtin_prefetch(&d->join.id);
	__builtin_prefetch(&d->findings);
	report_dir_packets(d, &fwd, &rev);
	json_break(j, "\n");
	json_obj_begin(j);
	JSON_KV_U64(j, "id", d->id);
	JSON_KV_STR(j, "call_id", d->call_id);
	if (d->join.id != 0) {
		JSON_KEY(j, "joined");
		json_obj_begin(j);
		JSON_KV_U64(j, "id", d->join.id);
		JSON_KV_STR(j, "call_id", d->join.call_id);
		JSON_KV_STR(j, "segment", rtp_segment_name(d->join.segment));
		JSON_KV_STR(j, "other_segment",
		    rtp_segment_name(view_join_other(d)));
		JSON_KEY(j, "counted_with_other");
		json_bool(j, r->join_counted);
		json_obj_end(j);
	}
	JSON_KV_STR(j, "kind", dialog_kind_name(d->kind));
	JSON_KV_STR(j, "from", d->from);
	JSON_KV_STR(j, "to", d->to);
	JSON_KV_STR(j, "state", dialog_state_name(d->state));
	JSON_KV_I64(j, "final_status", d->final_status);
	KV_TIME(&JS(r)->day, j, "start", d->start_ns);
	KV_TIME(&JS(r)->day, j, "answer", d->answer_ns);
	KV_TIME(&JS(r)->day, j, "end", d->end_ns);
	if (setup >= 0) {
		KV_SECS(j, "setup_time", setup);
	} else {
		JSON_KEY(j, "setup_time");
		json_null(j);
	}
	KV_SECS(j, "duration", dialog_duration_ns(d));
	JSON_KV_U64(j, "messages", d->nmsgs + d->dropped_msgs);
	JSON_KV_U64(j, "retransmissions", d->retrans_total);
	JSON_KV_I64(j, "forks", d->nforks);
	JSON_KV_U64(j, "capture", d->cap_idx);
	JSON_KEY(j, "evicted");
	json_bool(j, d->evicted);
	JSON_KV_U64(j, "rtp_packets_fwd", fwd);
	JSON_KV_U64(j, "rtp_packets_rev", rev);
	JSON_KEY(j, "streams");
	json_arr_begin(j);
	for (int i = 0; i < d->nstreams; i++)
		json_stream(&JS(r)->day, j, d->streams[i]);
	json_arr_end(j);
	json_media(j, d);
	json_symptoms(r, j, d);
	if (r->o.messages)
		json_messages(r, j, d);
	json_obj_end(j);
}

static void
json_on_stream(struct report *r, const struct rtp_stream *s)
{
	struct json_state *js = r->fmt;

	if (js->sf == NULL) {
		if ((js->sf = tmpfile()) == NULL)
			return;
		json_init_fragment(&js->sj, js->sf, JSON_COMPACT);
	}
	json_stream(&js->day, &js->sj, s);
}

static void
json_capture(struct report_day *day, struct json *j,
    const struct capture_info *ci,
    const struct analysis_capstats *st)
{
	static const char *const names[] = {
		"sip_messages", "sip_retransmissions", "sip_udp", "sip_tcp",
		"sip_websocket", "sip_sctp", "keepalives", "dialogs",
		"rtp_streams", "rtp_unannounced", "rtp_packets", "rtcp_packets"
	};
	const uint64_t v[] = {
		st->sip_messages, st->sip_retrans, st->sip_udp, st->sip_tcp,
		st->sip_ws, st->sip_sctp, st->keepalives, st->dialogs,
		st->rtp_streams, st->rtp_unannounced, st->rtp_packets,
		st->rtcp_packets
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) ==
	    sizeof(v) / sizeof(v[0]), "one name per capture figure");
	json_obj_begin(j);
	JSON_KV_STR(j, "file", ci->path);
	JSON_KV_U64(j, "size", ci->size);
	JSON_KV_STR(j, "link", ci->linkname ? ci->linkname : "");
	JSON_KV_U64(j, "packets", ci->packets);
	KV_TIME(day, j, "first", ci->first_ns);
	KV_TIME(day, j, "last", ci->last_ns);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_key(j, names[i]);
		json_u64(j, v[i]);
	}
	JSON_KEY(j, "anomalies");
	json_obj_begin(j);
	for (int i = 0; i < ANOMALY_COUNT; i++) {
		if (ci->an.n[i] == 0)
			continue;
		json_key(j, anomaly_name((enum anomaly_id)i));
		json_u64(j, ci->an.n[i]);
	}
	json_obj_end(j);
	json_obj_end(j);
}

static void
json_alg(struct report *r, struct json *j, const struct detect_verdict *v)
{
	json_obj_begin(j);
	JSON_KV_STR(j, "verdict", detect_alg_name(v->alg));
	JSON_KEY(j, "score");
	json_fixed(j, v->score, 2);
	JSON_KEY(j, "nat");
	json_bool(j, v->nat);
	JSON_KEY(j, "devices");
	json_arr_begin(j);
	for (int i = 0; i < v->ndevices; i++) {
		char a[NETADDR_STRLEN];
		const struct detect_device_verdict *dv = &v->devices[i];

		json_obj_begin(j);
		JSON_KEY(j, "device");
		if (dv->key.family)
			json_str(j, ep_str(&dv->key, a, sizeof(a)));
		else
			json_null(j);
		JSON_KV_STR(j, "verdict", detect_alg_name(dv->alg));
		JSON_KEY(j, "for");
		json_fixed(j, dv->score, 2);
		JSON_KEY(j, "against");
		json_fixed(j, dv->against, 2);
		json_obj_end(j);
	}
	json_arr_end(j);
	JSON_KV_U64(j, "dialogs", r->ndialogs);
	if (r->joined > 0) {
		JSON_KV_U64(j, "joined", r->joined);
	}
	JSON_KV_U64(j, "affected", r->affected);
	JSON_KEY(j, "by_symptom");
	json_obj_begin(j);
	for (int k = 0; k < SYMPTOM_COUNT; k++) {
		if (r->by_id[k] == 0)
			continue;
		json_key(j, symptom_name((enum symptom_id)k));
		json_u64(j, r->by_id[k]);
	}
	json_obj_end(j);
	JSON_KEY(j, "evidence");
	json_arr_begin(j);
	for (int i = 0; i < v->nstrongest; i++)
		json_evidence(r, j, &v->strongest[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static int
json_fmt_init(struct report *r)
{
	struct json_state *js = calloc(1, sizeof(*js));

	if (js == NULL)
		return -1;
	json_init(&js->j, r->f, JSON_COMPACT);
	js->day.day = -1;
	r->fmt = js;
	return 0;
}

static void
json_fmt_fini(struct report *r)
{
	struct json_state *js = r->fmt;

	if (js->sf != NULL)
		fclose(js->sf);
	free(js);
}

static void
json_begin(struct report *r)
{
	struct json *j = &((struct json_state *)r->fmt)->j;

	json_obj_begin(j);
	JSON_KV_STR(j, "tool", "sipalg-analyze");
	JSON_KV_STR(j, "version", PACKAGE_VERSION);
	json_break(j, "\n");
	JSON_KEY(j, "dialogs");
	json_arr_begin(j);
}

static void
json_end_report(struct report *r, const struct report_summary *s)
{
	struct json_state *js = r->fmt;
	struct json *j = &js->j;

	json_arr_end(j);
	json_break(j, "\n");
	JSON_KEY(j, "unannounced_streams");
	json_arr_begin(j);
	report_copy_spool(r->f, js->sf);
	json_arr_end(j);
	json_break(j, "\n");
	JSON_KEY(j, "alg");
	json_alg(r, j, &s->verdict);
	json_break(j, "\n");
	JSON_KEY(j, "captures");
	json_arr_begin(j);
	for (size_t i = 0; i < s->ncaps; i++)
		json_capture(&js->day, j, s->caps[i].info,
		    s->caps[i].stats);
	json_arr_end(j);
	json_obj_end(j);
	json_end(j);
}

const struct report_ops report_json_ops = {
	json_fmt_init, json_fmt_fini, json_begin, json_on_dialog,
	json_on_stream, json_end_report
};
