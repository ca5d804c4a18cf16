/*
 * report_csv.c - the report as CSV (report.h): one row per dialog,
 * written as the dialog ends, with a symptoms column
 * ("id:confidence;id:confidence"), an advisories column (risks, same
 * form, not counted), the lowest MOS of each direction's streams
 * (quality.h; empty when none is rated) and the call's media legs
 * (detect_media_legs()).  Cells go through the project's CSV writer (csv.h): packet text is quoted and escaped.  Streams and the
 * capture summaries have no place in it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/bufput.h"
#include "base/csv.h"
#include "base/text.h"
#include "output/report_int.h"
#include "present/view.h"

/* The writer, and the date of the last time written (report_time_at). */
struct csv_state {
	struct csv c;
	struct report_day day;
};

static int
csv_fmt_init(struct report *r)
{
	struct csv_state *cs = malloc(sizeof(*cs));

	if (cs == NULL)
		return -1;
	csv_init(&cs->c, r->f);
	cs->day = (struct report_day)REPORT_DAY_INIT;
	r->fmt = cs;
	return 0;
}

static void
csv_fmt_fini(struct report *r)
{
	free(r->fmt);
}

static void
csv_begin(struct report *r)
{
	static const char *const cols[] = {
		"id", "start", "kind", "state", "from", "to", "call_id",
		"duration", "messages", "retransmissions", "streams",
		"rtp_packets_fwd", "rtp_packets_rev", "symptoms", "advisories",
		"mos_fwd", "mos_rev", "media", "joined_id", "joined_call_id",
		"joined_segment"
	};

	csv_header(&((struct csv_state *)r->fmt)->c, cols,
	    sizeof(cols) / sizeof(cols[0]));
}

/* One cell: "id:confidence;..." of the findings xs that are shown. */
static void
csv_ids(struct report *r, struct csv *c, const struct finding *xs, int nx)
{
	int n = 0;

	csv_text_begin(c);
	for (int i = 0; i < nx; i++) {
		const struct finding *x = &xs[i];
		char conf[16];

		if (!report_finding_shown(r, x))
			continue;
		if (n++ > 0)
			csv_text_add(c, ";", 1);
		csv_text_add(c, x->id, strlen(x->id));
		/* ":%.2f", as snprintf writes it, without its cost */
		text_snprintf_fixed(conf, sizeof(conf), ":", x->confidence, 2);
		csv_text_add(c, conf, strlen(conf));
	}
	csv_text_end(c);
}

/* Appends s[0..n) to b (size bn, at *l), cut where snprintf would cut. */
static void
put_cut(char *b, size_t bn, size_t *l, const char *s, size_t n)
{
	if (*l + 1 < bn)
		memcpy(b + *l, s, n < bn - 1 - *l ? n : bn - 1 - *l);
	*l += n;
}

/* The same for v in decimal (v >= 0). */
static void
put_num(char *b, size_t bn, size_t *l, uint64_t v)
{
	char d[24];

	put_cut(b, bn, l, d, bufput_dec(d, v));
}

/*
 * One leg of the media cell, "[;]DIR@SEG=STATE/PACKETS[/PTIMEms]", into
 * b as snprintf(b, bn, ...) writes it; returns the full length.
 */
static size_t
media_leg(char *b, size_t bn, bool semi, bool fwd, const char *seg,
    const char *state, uint64_t packets, int ptime_ms)
{
	size_t l = 0;

	if (semi)
		put_cut(b, bn, &l, ";", 1);
	put_cut(b, bn, &l, fwd ? "caller>callee" : "callee>caller", 13);
	put_cut(b, bn, &l, "@", 1);
	put_cut(b, bn, &l, seg, strlen(seg));
	put_cut(b, bn, &l, "=", 1);
	put_cut(b, bn, &l, state, strlen(state));
	put_cut(b, bn, &l, "/", 1);
	put_num(b, bn, &l, packets);
	if (ptime_ms > 0 && l < bn) {
		put_cut(b, bn, &l, "/", 1);
		put_num(b, bn, &l, (uint64_t)ptime_ms);
		put_cut(b, bn, &l, "ms", 2);
	}
	return l;
}

/* "caller>callee@inside=delivered/160/20ms;..." per direction and segment. */
static void
csv_media(struct csv *c, const struct dialog *d)
{
	struct detect_media_leg leg[4];
	int n = d->kind == DIALOG_CALL ? detect_media_legs(d, leg, 4) : 0;

	csv_text_begin(c);
	for (int i = 0; i < n; i++) {
		const char *seg = rtp_segment_name(leg[i].segment);
		char b[96];
		int l;

		if (seg != NULL && leg[i].state != NULL) {
			/* The same bytes as the snprintf below, by hand (it
			 * was a fifth of a dialog's CSV). */
			l = (int)media_leg(b, sizeof(b), i > 0, leg[i].dir > 0,
			    seg, leg[i].state, leg[i].packets,
			    leg[i].ptime_ms);
		} else {
			l = snprintf(b, sizeof(b), "%s%s@%s=%s/%" PRIu64,
			    i ? ";" : "", leg[i].dir > 0 ? "caller>callee" :
			    "callee>caller", seg, leg[i].state,
			    leg[i].packets);
			if (leg[i].ptime_ms > 0 && l > 0 &&
			    (size_t)l < sizeof(b))
				l += snprintf(b + l, sizeof(b) - (size_t)l,
				    "/%dms", leg[i].ptime_ms);
		}
		if (l > 0)
			csv_text_add(c, b, (size_t)l < sizeof(b) ? (size_t)l :
			    sizeof(b) - 1);
		/* no RTP there: whether media was visible, and why (15.3) */
		if (leg[i].packets == 0 && dialog_vis_name(leg[i].vis)) {
			csv_text_add(c, "/", 1);
			csv_text_add(c, dialog_vis_name(leg[i].vis),
			    strlen(dialog_vis_name(leg[i].vis)));
			csv_text_add(c, " (", 2);
			csv_text_add(c, leg[i].why, strlen(leg[i].why));
			csv_text_add(c, ")", 1);
		}
	}
	csv_text_end(c);
}

/* ns as seconds with three decimals (report_secs3), as csv_fixed writes
 * them. */
static void
csv_secs(struct csv *c, int64_t ns)
{
	char b[33];
	size_t n = report_secs3(ns, b);

	if (n > 0) {
		b[n] = '\0';
		csv_bare(c, b);
	} else {
		csv_fixed(c, report_secs(ns), 3);
	}
}

static void
csv_on_dialog(struct report *r, const struct dialog *d, bool affected)
{
	struct csv_state *cs = r->fmt;
	struct csv *c = &cs->c;
	char t[REPORT_TIME_LEN + 1] = "-";
	uint64_t fwd, rev;
	double mos_fwd, mos_rev;

	(void)affected;
	report_dir_packets(d, &fwd, &rev);
	csv_u64(c, d->id);
	/* As report_time() writes it, the date kept from the last row (the
	 * date's arithmetic was a twentieth of a row). */
	if (d->start_ns > 0) {
		report_time_at(&cs->day, d->start_ns, ' ', t);
		t[REPORT_TIME_LEN] = '\0';
	}
	csv_quoted(c, t);
	csv_bare(c, dialog_kind_name(d->kind));
	csv_bare(c, dialog_state_name(d->state));
	csv_text(c, d->from);
	csv_text(c, d->to);
	csv_text(c, d->call_id);
	csv_secs(c, dialog_duration_ns(d));
	csv_u64(c, d->nmsgs + d->dropped_msgs);
	csv_u64(c, d->retrans_total);
	csv_int(c, d->nstreams);
	csv_u64(c, fwd);
	csv_u64(c, rev);
	csv_ids(r, c, d->findings ? d->findings->f : NULL,
	    d->findings ? d->findings->n : 0);
	csv_ids(r, c, d->findings ? d->findings->adv : NULL,
	    d->findings ? d->findings->nadv : 0);
	report_dir_mos(d, &mos_fwd, &mos_rev);
	if (mos_fwd >= 0)
		csv_fixed(c, mos_fwd, 2);
	else
		csv_bare(c, "");
	if (mos_rev >= 0)
		csv_fixed(c, mos_rev, 2);
	else
		csv_bare(c, "");
	csv_media(c, d);
	/* The same call on the other segment (dialog.h, join): its dialog,
	 * Call-ID and segment; empty when not joined. */
	if (d->join.id != 0) {
		csv_u64(c, d->join.id);
		csv_text(c, d->join.call_id);
		csv_bare(c, rtp_segment_name(view_join_other(d)));
	} else {
		csv_bare(c, "");
		csv_bare(c, "");
		csv_bare(c, "");
	}
	csv_row_end(c);
}

static void
csv_stream(struct report *r, const struct rtp_stream *s)
{
	(void)r;
	(void)s;
}

static void
csv_end(struct report *r, const struct report_summary *s)
{
	(void)r;
	(void)s;
}

const struct report_ops report_csv_ops = {
	csv_fmt_init, csv_fmt_fini, csv_begin, csv_on_dialog, csv_stream,
	csv_end
};
