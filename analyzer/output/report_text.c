/*
 * report_text.c - the report for people (report.h).
 *
 * The ALG verdict and how many calls show which symptom come first.  Then
 * the findings grouped by symptom: each mechanism is explained once, with
 * its fix, followed by one line per call (its summary) and that call's
 * evidence; then the calls with findings, one short entry each (with -m
 * their messages); then a summary of the dialogs without findings (in
 * full with --all), unannounced streams and the capture summary with
 * anomalies.  With --verbose each call is written in full instead, every
 * finding with its explanation and fix (the form before grouping).
 * Since the verdict is only known at the end, dialogs, groups and
 * streams are spooled to temporary files as they finish (memory stays
 * bounded: one spool per group, and the groups are bounded by the
 * catalogue).  Packet text is escaped (TEXT_ESC_PLAIN) so nothing in it
 * reaches the terminal as a control.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sip/capstats.h"
#include "base/text.h"
#include "output/report_int.h"
#include "present/view.h"
#include "sip/quality.h"

/* Dialogs without findings listed one line each before only counting. */
#define REPORT_BRIEF_MAX 20
/*
 * Groups of findings sharing a symptom, kind (finding or advisory) and
 * texts.  The catalogue bounds them (a symptom has one explanation, or a
 * few when the no-NAT or no-ALG variants replace it); a finding beyond
 * the last group is written in full under "other findings".
 */
#define TEXT_GROUPS_MAX 64

struct text_group {
	char *id, *why, *fix;     /* copies: a stored finding's texts are
	                           * the reader's */
	int sym;                  /* catalogue index, -1 unknown id */
	bool adv;
	uint64_t n;               /* findings in the group */
	FILE *spool;
};

struct text_state {
	FILE *sf;                 /* unannounced streams, spooled */
	FILE *af;                 /* affected calls, spooled */
	FILE *uf;                 /* dialogs without findings, spooled */
	FILE *of;                 /* findings beyond TEXT_GROUPS_MAX */
	uint64_t nstreams;
	struct text_group g[TEXT_GROUPS_MAX];
	int ng;
	struct report_day day;    /* the date of the last evidence time */
};

static void
plain(FILE *f, const char *s)
{
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_PLAIN);
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
text_evidence(struct report *r, FILE *f, const struct evidence *e)
{
	char t[64];

	if (e->frame) {
		char ref[REPORT_FRAME_REF];
		size_t l;

		report_frame_ref(r, e->cap_idx, e->frame, ref, sizeof(ref));
		fputs("         frame ", f);
		plain(f, ref);
		for (l = strlen(ref); l < 6; l++)
			fputc(' ', f);
		fputc(' ', f);
	} else
		fputs("         ", f);
	/*
	 * The time of day of report_time(), the date kept from the last
	 * line (report_time_at): working out the date and fprintf were a
	 * third of an evidence line.
	 */
	if (e->ts_ns > 0) {
		report_time_at(&((struct text_state *)r->fmt)->day, e->ts_ns,
		    ' ', t);
		memcpy(t + REPORT_TIME_LEN, "  ", 2);
		text_put_bytes(f, t + 11, REPORT_TIME_LEN - 11 + 2);
	}
	plain(f, e->field);
	fputs(": ", f);
	plain(f, e->value);
	fputc('\n', f);
}

/* One finding (mark "!") or advisory (mark "~ advisory"). */
static void
text_finding(struct report *r, FILE *f, const char *mark,
    const struct finding *x)
{
	fprintf(f, "     %s %s (confidence %.2f): ", mark, x->id, x->confidence);
	plain(f, x->summary);
	fputc('\n', f);
	wrap(f, "         why: ", x->explanation);
	for (int k = 0; k < x->nev; k++)
		text_evidence(r, f, &x->ev[k]);
	wrap(f, "         fix: ", x->remediation);
}

/*
 * The group of finding x (created on first use), or NULL when the groups
 * are full or out of memory.
 */
static struct text_group *
text_group_get(struct text_state *ts, const struct finding *x, bool adv)
{
	struct text_group *g;
	const char *why = x->explanation ? x->explanation : "";
	const char *fix = x->remediation ? x->remediation : "";

	for (int i = 0; i < ts->ng; i++) {
		g = &ts->g[i];
		if (g->adv == adv && strcmp(g->id, x->id) == 0 &&
		    strcmp(g->why, why) == 0 && strcmp(g->fix, fix) == 0)
			return g;
	}
	if (ts->ng == TEXT_GROUPS_MAX)
		return NULL;
	g = &ts->g[ts->ng];
	memset(g, 0, sizeof(*g));
	g->id = strdup(x->id);
	g->why = strdup(why);
	g->fix = strdup(fix);
	g->spool = tmpfile();
	if (g->id == NULL || g->why == NULL || g->fix == NULL ||
	    g->spool == NULL) {
		free(g->id);
		free(g->why);
		free(g->fix);
		if (g->spool != NULL)
			fclose(g->spool);
		return NULL;
	}
	g->sym = symptom_lookup(x->id);
	g->adv = adv;
	ts->ng++;
	return g;
}

/*
 * One line for the call under its symptom's group, then the evidence:
 *   #7     22:13:29.129000  0.80  one-way audio: caller -> callee ...
 */
static void
text_group_add(struct report *r, const struct dialog *d,
    const struct finding *x, bool adv)
{
	struct text_state *ts = r->fmt;
	struct text_group *g = text_group_get(ts, x, adv);
	char t[64];

	if (g == NULL) {
		if (ts->of == NULL && (ts->of = tmpfile()) == NULL)
			return;
		fprintf(ts->of, "\n#%-5" PRIu64 "\n", d->id);
		text_finding(r, ts->of, adv ? "~ advisory" : "!", x);
		return;
	}
	/* The other segment of a call already counted under this symptom
	 * (report.c, join_shown) is listed under that call, not counted
	 * again. */
	if (!adv && g->sym >= 0 && (r->join_shown & 1u << g->sym)) {
		fprintf(g->spool, "    #%-5" PRIu64 " the same call as #%"
		    PRIu64 ", %s segment:  %.2f  ", d->id, d->join.id,
		    rtp_segment_name(d->join.segment), x->confidence);
	} else {
		g->n++;
		fprintf(g->spool, "  #%-5" PRIu64 " %s  %.2f  ", d->id,
		    report_time(d->start_ns, t, sizeof(t)) + 11,
		    x->confidence);
	}
	plain(g->spool, x->summary);
	fputc('\n', g->spool);
	for (int k = 0; k < x->nev; k++)
		text_evidence(r, g->spool, &x->ev[k]);
}

/* Each shown finding and advisory of d into its group. */
static void
text_group_dialog(struct report *r, const struct dialog *d)
{
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++)
		if (report_finding_shown(r, &d->findings->f[i]))
			text_group_add(r, d, &d->findings->f[i], false);
	for (int i = 0; d->findings != NULL && i < d->findings->nadv; i++)
		if (report_finding_shown(r, &d->findings->adv[i]))
			text_group_add(r, d, &d->findings->adv[i], true);
}

/* The symptom ids of d's shown findings and advisories, on one line. */
static void
text_symptom_ids(struct report *r, FILE *f, const struct dialog *d)
{
	bool any = false;

	for (int i = 0; d->findings != NULL && i < d->findings->n; i++)
		if (report_finding_shown(r, &d->findings->f[i])) {
			fputs(any ? "  ! " : "       ! ", f);
			plain(f, d->findings->f[i].id);
			any = true;
		}
	for (int i = 0; d->findings != NULL && i < d->findings->nadv; i++)
		if (report_finding_shown(r, &d->findings->adv[i])) {
			fputs(any ? "  ~ " : "       ~ ", f);
			plain(f, d->findings->adv[i].id);
			any = true;
		}
	if (any)
		fputc('\n', f);
}

static void
text_findings(struct report *r, FILE *f, const struct dialog *d)
{
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++)
		if (report_finding_shown(r, &d->findings->f[i]))
			text_finding(r, f, "!", &d->findings->f[i]);
	/* Advisories: risks seen, not failures; not counted. */
	for (int i = 0; d->findings != NULL && i < d->findings->nadv; i++)
		if (report_finding_shown(r, &d->findings->adv[i]))
			text_finding(r, f, "~ advisory", &d->findings->adv[i]);
}

/*
 * The call's audio per direction and segment:
 *   media caller>callee inside delivered 160 pkts ptime 20 ms; ...
 */
static void
text_media(FILE *f, const struct dialog *d)
{
	struct detect_media_leg leg[4];
	int n;

	if (d->kind != DIALOG_CALL || (n = detect_media_legs(d, leg, 4)) == 0)
		return;
	fputs("       media", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s %s %s %s", i ? ";" : "",
		    leg[i].dir > 0 ? "caller>callee" : "callee>caller",
		    rtp_segment_name(leg[i].segment), leg[i].state);
		if (leg[i].packets)
			fprintf(f, " %" PRIu64 " pkts", leg[i].packets);
		if (leg[i].ptime_ms > 0)
			fprintf(f, " ptime %d ms", leg[i].ptime_ms);
	}
	fputc('\n', f);
	/* A segment without this call's RTP: can the capture show media
	 * there at all, and why (issue 15.3). */
	for (int i = 0; i + 1 < n; i += 2) {
		if (leg[i].segment != leg[i + 1].segment ||
		    leg[i].packets + leg[i + 1].packets > 0 ||
		    dialog_vis_name(leg[i].vis) == NULL)
			continue;
		fprintf(f, "       media %s %s: ",
		    rtp_segment_name(leg[i].segment),
		    leg[i].vis == DIALOG_VIS_VISIBLE ? "visible" :
		    "not observable");
		plain(f, leg[i].why);
		fputc('\n', f);
	}
}

/*
 * The call's first lines, after a blank one: number, start, kind, state,
 * length, messages, RTP packets; then who called whom, sep and the
 * Call-ID.
 */
static void
text_dialog_head(FILE *f, const struct dialog *d, const char *sep)
{
	char t[64];
	uint64_t fwd, rev;

	report_dir_packets(d, &fwd, &rev);
	fprintf(f, "\n#%-5" PRIu64 " %s  %-9s %-10s %7.1fs  %3zu msgs", d->id,
	    report_time(d->start_ns, t, sizeof(t)), dialog_kind_name(d->kind),
	    dialog_state_name(d->state), report_secs(dialog_duration_ns(d)),
	    d->nmsgs + d->dropped_msgs);
	if (d->retrans_total)
		fprintf(f, " (+%" PRIu64 " retrans)", d->retrans_total);
	if (d->kind == DIALOG_CALL)
		fprintf(f, "  rtp caller>callee %" PRIu64 ", callee>caller %"
		    PRIu64, fwd, rev);
	fputs("\n       ", f);
	plain(f, d->from);
	fputs(" -> ", f);
	plain(f, d->to);
	fputs(sep, f);
	fputs("Call-ID: ", f);
	plain(f, d->call_id);
	fputc('\n', f);
	if (d->join.id != 0) {
		char j[1400];

		fprintf(f, "       joined: %s\n", view_join(d, j, sizeof(j)));
	}
}

static void
text_messages(struct report *r, FILE *f, const struct dialog *d)
{
	char t[64], a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		char l[128], ref[REPORT_FRAME_REF];

		report_frame_ref(r, m->cap_idx, m->frame, ref, sizeof(ref));
		fprintf(f, "         %*s", strlen(ref) < 6 ?
		    (int)(6 - strlen(ref)) : 0, "");
		plain(f, ref);
		fprintf(f, " %s %s -> %s ",
		    report_time(m->ts_ns, t, sizeof(t)),
		    ep_str(&m->src, a, sizeof(a)),
		    ep_str(&m->dst, b, sizeof(b)));
		plain(f, sipmsg_label(m->m, l, sizeof(l)));
		if (m->retrans)
			fprintf(f, " (x%" PRIu32 ")", m->retrans + 1);
		fputc('\n', f);
	}
}

/*
 * A call with findings in the grouped form: its first line, who called
 * whom with the Call-ID, the ids of its findings (~ advisories) and with
 * -m its messages.  The findings themselves are in their groups.
 */
static void
text_dialog_short(struct report *r, FILE *f, const struct dialog *d)
{
	text_dialog_head(f, d, "  ");
	text_symptom_ids(r, f, d);
	if (r->o.messages)
		text_messages(r, f, d);
}

/* A dialog in full: streams, media legs, messages (-m) and findings
 * with their explanation, evidence and fix. */
static void
text_dialog(struct report *r, FILE *f, const struct dialog *d)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	text_dialog_head(f, d, "\n       ");
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *s = d->streams[i];
		struct quality q;

		fprintf(f, "       RTP %s -> %s ssrc 0x%08" PRIx32 " %s %"
		    PRIu64 " pkts, lost %" PRIu64 ", jitter %.1f ms, max gap %.0f ms",
		    ep_str(&s->src, a, sizeof(a)), ep_str(&s->dst, b, sizeof(b)),
		    s->ssrc, s->codec[0] ? s->codec : "?", s->packets, s->lost,
		    rtp_stream_jitter_ms(s), (double)s->max_gap_ns / 1e6);
		if (quality_stream(s, &q) == 0)
			fprintf(f, ", MOS %.2f (R %.1f)", q.mos, q.r);
		if (s->cn_packets || s->event_packets)
			fprintf(f, ", %" PRIu64 " audio %" PRIu64 " cn %"
			    PRIu64 " events", s->audio_packets, s->cn_packets,
			    s->event_packets);
		if (rtp_stream_ptime_ms(s) > 0)
			fprintf(f, ", ptime %d ms", rtp_stream_ptime_ms(s));
		if (rtp_state_name(s->state) != NULL)
			fprintf(f, ", %s %s %s", s->dir > 0 ? "caller>callee" :
			    "callee>caller", rtp_segment_name(s->segment),
			    rtp_state_name(s->state));
		fputc('\n', f);
	}
	text_media(f, d);
	if (r->o.messages)
		text_messages(r, f, d);
	if (r->o.verbose)
		text_findings(r, f, d);
	else
		text_symptom_ids(r, f, d);
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
	if (d->join.id != 0) {
		char j[1400];

		fprintf(f, "         joined: %s\n", view_join(d, j, sizeof(j)));
	}
}

static int
text_init(struct report *r)
{
	struct text_state *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return -1;
	ts->day = (struct report_day)REPORT_DAY_INIT;
	r->fmt = ts;
	return 0;
}

static void
text_fini(struct report *r)
{
	struct text_state *ts = r->fmt;

	if (ts->sf != NULL)
		fclose(ts->sf);
	if (ts->af != NULL)
		fclose(ts->af);
	if (ts->uf != NULL)
		fclose(ts->uf);
	if (ts->of != NULL)
		fclose(ts->of);
	for (int i = 0; i < ts->ng; i++) {
		free(ts->g[i].id);
		free(ts->g[i].why);
		free(ts->g[i].fix);
		fclose(ts->g[i].spool);
	}
	free(ts);
}

static void
text_begin(struct report *r)
{
	/* Everything is written by text_end, verdict first. */
	(void)r;
}

static void
text_on_dialog(struct report *r, const struct dialog *d, bool affected)
{
	struct text_state *ts = r->fmt;

	/* A dialog with advisories only is listed in full, never counted. */
	bool adv = d->findings != NULL && d->findings->nadv > 0;

	if (!r->o.verbose)
		text_group_dialog(r, d);
	if (affected) {
		if (ts->af == NULL && (ts->af = tmpfile()) == NULL)
			return;
		if (r->o.verbose)
			text_dialog(r, ts->af, d);
		else
			text_dialog_short(r, ts->af, d);
	} else if (r->o.all || adv || r->unaffected <= REPORT_BRIEF_MAX) {
		if (ts->uf == NULL && (ts->uf = tmpfile()) == NULL)
			return;
		if (r->o.all || (adv && r->o.verbose))
			text_dialog(r, ts->uf, d);
		else if (adv)
			text_dialog_short(r, ts->uf, d);
		else
			text_brief(ts->uf, d);
	}
}

/*
 * Unannounced streams end while dialogs are still being written, so
 * they are spooled to a temporary file (bounded memory) and copied into
 * their own section by text_end.
 */
static void
text_stream(struct report *r, const struct rtp_stream *s)
{
	struct text_state *ts = r->fmt;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	if (ts->sf == NULL && (ts->sf = tmpfile()) == NULL)
		return;
	fprintf(ts->sf, "       RTP %s -> %s ssrc 0x%08" PRIx32 " pt %d %"
	    PRIu64 " pkts, lost %" PRIu64 ", jitter %.1f ms\n",
	    ep_str(&s->src, a, sizeof(a)), ep_str(&s->dst, b, sizeof(b)),
	    s->ssrc, s->pt, s->packets, s->lost, rtp_stream_jitter_ms(s));
	ts->nstreams++;
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
text_verdict(struct report *r, const struct detect_verdict *v)
{
	FILE *f = r->f;

	switch (v->alg) {
	case DETECT_ALG_LIKELY:
		fprintf(f, "SIP ALG: LIKELY present (score %.1f): a field "
		    "translated across the NAT boundary\n", v->score);
		break;
	case DETECT_ALG_UNLIKELY:
		fprintf(f, "SIP ALG: unlikely (score %.1f): NATed addresses "
		    "pass untranslated\n", v->score);
		break;
	default:
		if (!v->nat)
			fprintf(f, "SIP ALG: unknown (score %.1f): no NAT "
			    "boundary in the capture, so no ALG to blame\n",
			    v->score);
		else
			fprintf(f, "SIP ALG: unknown (score %.1f): the capture "
			    "shows no translated field\n", v->score);
		break;
	}
	for (int i = 0; i < v->ndevices; i++) {
		char a[NETADDR_STRLEN];
		const struct detect_device_verdict *dv = &v->devices[i];

		fprintf(f, "  device %s: %s (for %.1f, against %.1f)\n",
		    dv->key.family ? ep_str(&dv->key, a, sizeof(a)) : "?",
		    detect_alg_name(dv->alg), dv->score, dv->against);
	}
	if (v->nstrongest > 0) {
		fputs("  strongest evidence:\n", f);
		for (int i = 0; i < v->nstrongest; i++)
			text_evidence(r, f, &v->strongest[i]);
	}
	fprintf(f, "Calls with findings: %" PRIu64 " of %" PRIu64 " dialogs",
	    r->affected, r->ndialogs);
	if (r->joined > 0)
		fprintf(f, " (%" PRIu64 " of them the other segment of a call "
		    "counted once: Call-ID rewritten)", r->joined);
	if (r->o.symptom != NULL || r->o.min_confidence > 0)
		fputs(" (filtered)", f);
	fputc('\n', f);
	for (int k = 0; k < SYMPTOM_COUNT; k++)
		if (r->by_id[k] > 0)
			fprintf(f, "  %-*s %" PRIu64 "\n", SYMPTOM_ID_MAX,
			    symptom_name((enum symptom_id)k), r->by_id[k]);
	/* No NAT shown, or NAT without an ALG: nothing to turn off. */
	if (v->alg == DETECT_ALG_LIKELY || (r->affected > 0 && v->nat &&
	    v->alg != DETECT_ALG_UNLIKELY))
		fputs("To turn a router's SIP ALG off: sipalg-analyze --fix "
		    "list, then --fix VENDOR\n", f);
}

/* One group: its heading, the mechanism and the fix once, then a line
 * per call with its evidence. */
static void
text_group(FILE *f, const struct text_group *g)
{
	fprintf(f, "\n%s", g->adv ? "~ advisory " : "! ");
	plain(f, g->id);
	fprintf(f, ": %" PRIu64 " %s", g->n, g->n == 1 ? "call" : "calls");
	if (g->sym >= 0)
		fprintf(f, " - %s", symptom_title((enum symptom_id)g->sym));
	fputc('\n', f);
	if (g->why[0] != '\0')
		wrap(f, "    why: ", g->why);
	if (g->fix[0] != '\0')
		wrap(f, "    fix: ", g->fix);
	report_copy_spool(f, g->spool);
}

/*
 * The groups, findings before advisories, each in catalogue order (ids
 * the catalogue does not know last), groups of one symptom in the order
 * they were met.
 */
static void
text_groups(struct report *r)
{
	struct text_state *ts = r->fmt;
	FILE *f = r->f;

	if (ts->ng == 0 && ts->of == NULL)
		return;
	fputs("\nFINDINGS BY SYMPTOM (each mechanism once, then one line per "
	    "call and its\nevidence; --verbose: every call in full)\n", f);
	for (int adv = 0; adv < 2; adv++)
		for (int k = 0; k <= SYMPTOM_COUNT; k++)
			for (int i = 0; i < ts->ng; i++) {
				const struct text_group *g = &ts->g[i];

				if (g->adv != (adv != 0) ||
				    (g->sym >= 0 ? g->sym : SYMPTOM_COUNT) != k)
					continue;
				text_group(f, g);
			}
	if (ts->of != NULL) {
		fputs("\nOTHER FINDINGS\n", f);
		report_copy_spool(f, ts->of);
	}
}

static void
text_dialogs(struct report *r)
{
	struct text_state *ts = r->fmt;
	FILE *f = r->f;
	bool first = true;

	if (!r->o.verbose)
		text_groups(r);
	if (r->affected > 0) {
		fputs("\nCALLS WITH FINDINGS (in the order they ended)\n", f);
		report_copy_spool(f, ts->af);
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
	report_copy_spool(f, ts->uf);
	if (!r->o.all && r->unaffected > REPORT_BRIEF_MAX)
		fprintf(f, "  ... and %" PRIu64 " more; --all lists them\n",
		    r->unaffected - REPORT_BRIEF_MAX);
}

static void
text_end(struct report *r, const struct report_summary *s)
{
	struct text_state *ts = r->fmt;

	text_verdict(r, &s->verdict);
	text_dialogs(r);
	if (ts->nstreams > 0) {
		fputs("\nRTP STREAMS NO SDP ANNOUNCED\n", r->f);
		report_copy_spool(r->f, ts->sf);
	}
	for (size_t i = 0; i < s->ncaps; i++)
		text_capture(r->f, s->caps[i].info, s->caps[i].stats);
}

const struct report_ops report_text_ops = {
	text_init, text_fini, text_begin, text_on_dialog, text_stream,
	text_end
};
