/*
 * diff.c - pairing the inside and outside copies of SIP messages and RTP
 * packets, and the NAT mapping table (diff.h); every pair is also handed
 * to the ALG profile guess's evidence (diff_profile.c).
 *
 * Two captures of one router, LAN side and WAN side:
 *
 *   inside.pcap ─▶ ingest ─▶ on_sip / on_media ─┐
 *                                                ├─▶ pending ─▶ pairs ─▶ dialogs ─▶ callback
 *   outside.pcap ─▶ ingest ─▶ on_sip / on_media ─┘   (1 window)            (quiet 40 s)
 *
 * Pass 1 reads both files for two facts: the clock offset, the median of
 * outside - inside time over SIP messages whose key (Call-ID user part,
 * CSeq, method/status, From tag, top Via branch) occurs once on each side
 * (section 4 of ALG-REFERENCE.md: "median delta of obviously paired
 * packets"), and the L3 addresses of each side, so that an address seen
 * only inside is a LAN host and one seen only outside is the router's
 * public address: that gives each message its direction.  Pass 2 merges
 * the files by corrected time; a message waits in a pending table for its
 * copy on the other side at most the window (1 s by default), which bounds
 * that table by the traffic of one window.  RTP packets wait the same way
 * as (side, sequence, time) triples in their stream and are only counted.
 *
 * Which copy is missing decides dropped versus injected: an outbound
 * message seen inside only, or an inbound one seen outside only, was
 * dropped by the router; the other two cases were injected by it.
 *
 * This file is the stage (ingest per side, the passes, the offset, life
 * cycle, results); diff_mapping.c keeps the addresses and NAT mappings,
 * diff_pairing.c pairs the copies (state shared: diff_state.h).
 *
 * Limits: one router between the captures (no second NAT); the offset is
 * constant over the capture (no drift model); a message whose key the ALG
 * rewrote beyond the Call-ID host (branch, tags, CSeq) is seen as dropped
 * plus injected; over TCP a stale Content-Length cannot be seen because
 * the stream is framed by it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/text.h"
#include "diff/diff.h"
#include "diff/diff_int.h"
#include "diff/diff_state.h"
#include "ingest/ingest.h"
#include "sip/rtp.h"
#include "sip/sipmsg.h"

#define HOUSEKEEPING_NS (100 * 1000 * 1000LL)

/* ---- names ---------------------------------------------------------- */

const char *
diff_class_name(enum diff_class c)
{
	static const char *const names[DIFF_NCLASSES] = {
		"identical", "rewritten_consistent", "rewritten_inconsistent",
		"dropped", "injected"
	};

	return (unsigned)c < DIFF_NCLASSES ? names[c] : "unknown";
}

const char *
diff_dir_name(enum diff_dir dir)
{
	return dir == DIFF_INBOUND ? "inbound" : "outbound";
}

const char *
diff_change_kind_name(enum diff_change_kind k)
{
	switch (k) {
	case DIFF_ADDED:
		return "added";
	case DIFF_REMOVED:
		return "removed";
	default:
		return "changed";
	}
}

/* ---- what each side's ingest stage finds ----------------------------- */

/*
 * The copy keeps every byte carried, so that a stale Content-Length
 * shows; the message (Content-Length honoured) goes to the parser.  Over
 * TCP the stream is framed by Content-Length, so the two agree.  Over
 * WebSocket only the framed message is kept, as it always was here
 * (the bytes after it in the WebSocket message are not compared).
 */
static void
on_sip(void *user, const struct sipframe_msg *m, struct anomalies *an)
{
	struct dside *s = user;

	(void)an;
	diff_pairing_sip(s, m->p, m->msg, m->len,
	    m->p->l4 == PKT_WS ? m->len : m->carried, m->body_off, m->p->l4,
	    m->p->l4 == PKT_TCP && m->first_frame != m->p->frame);
}

static void
on_media(void *user, const struct pkt *p, struct anomalies *an)
{
	(void)an;
	diff_pairing_rtp(user, p);
}

/* Pass 1 learns which addresses each side shows (ICMP refusals aside). */
static void
on_packet(void *user, const struct pkt *p, struct anomalies *an)
{
	struct dside *s = user;

	(void)an;
	if (s->pass == 1) {
		diff_mapping_learn(s->d, s->side, &p->src, s->an);
		diff_mapping_learn(s->d, s->side, &p->dst, s->an);
	}
}

/* ---- life cycle ----------------------------------------------------- */

/*
 * Fresh ingest stages, one per side.  Keepalives and ICMP refusals are
 * nothing to a comparison of copies: no callback for them.
 */
static int
make_readers(struct diff *d)
{
	for (int i = 0; i < 2; i++) {
		struct ingest_cb cb = {
			on_packet, on_sip, on_media, NULL, NULL, &d->sides[i]
		};

		ingest_free(d->ing[i]);
		d->ing[i] = ingest_new(NULL, &cb);
		if (d->ing[i] == NULL)
			return -1;
	}
	return 0;
}

struct diff *
diff_new(const struct diff_opts *o, const struct diff_cb *cb)
{
	struct diff *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (o)
		d->o = *o;
	if (cb)
		d->cb = *cb;
	d->window = d->o.window_ns > 0 ? d->o.window_ns : DIFF_WINDOW_NS;
	d->sum.window_ns = d->window;
	d->sum.path[0] = d->sum.path[1] = "";
	sipmsg_global_init();
	for (int i = 0; i < 2; i++) {
		d->sides[i].d = d;
		d->sides[i].side = (enum diff_side)i;
		d->sides[i].pass = 1;
		d->sides[i].an = &d->an[i];
		d->samples[i] = calloc(DIFF_OFFSET_SAMPLES,
		    sizeof(struct sample));
		if (d->samples[i] == NULL ||
		    htab_init(&d->addrs[i], 64) != 0) {
			diff_free(d);
			return NULL;
		}
	}
	if (make_readers(d) != 0 || htab_init(&d->pending, 1024) != 0 ||
	    htab_init(&d->dialogs, 256) != 0 ||
	    htab_init(&d->streams, 256) != 0 ||
	    htab_init(&d->maps, 256) != 0) {
		diff_free(d);
		return NULL;
	}
	return d;
}

/* Frees a record whose hnode is *off bytes into it. */
static void
free_record(struct hnode *n, void *off)
{
	free((char *)n - *(const size_t *)off);
}

static void
free_chain_table(struct htab *h, size_t off)
{
	htab_foreach(h, free_record, &off);
	htab_fini(h);
}

void
diff_free(struct diff *d)
{
	if (d == NULL)
		return;
	diff_pairing_free(d);
	for (size_t i = 0; i < d->nmaps; i++)
		free(d->map_list[i]);
	free(d->map_list);
	htab_fini(&d->maps);
	for (int i = 0; i < 2; i++) {
		free(d->samples[i]);
		free_chain_table(&d->addrs[i], offsetof(struct addrnode, node));
		ingest_free(d->ing[i]);
		free(d->path[i]);
	}
	free(d);
}

/* ---- pass 1 --------------------------------------------------------- */

void
diff_learn(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an)
{
	struct dside *s = &d->sides[side];

	s->pass = 1;
	s->an = an;
	ingest_packet(d->ing[side], p, an);
}

static int
cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Keys seen exactly once on each side (retransmissions make a key
 * ambiguous) give one delta each; the median resists the few that pair
 * wrongly.
 */
static void
estimate_offset(struct diff *d)
{
	size_t ni = d->nsamples[0], no = d->nsamples[1], i = 0, j = 0, n = 0;
	struct sample *a = d->samples[0], *b = d->samples[1];
	int64_t *deltas;

	qsort(a, ni, sizeof(*a), cmp_sample);
	qsort(b, no, sizeof(*b), cmp_sample);
	if ((deltas = malloc((ni < no ? ni : no) * sizeof(*deltas) + 1)) ==
	    NULL)
		return;
	while (i < ni && j < no) {
		size_t ie = i, je = j;

		if (a[i].key < b[j].key) {
			i++;
			continue;
		}
		if (a[i].key > b[j].key) {
			j++;
			continue;
		}
		while (ie < ni && a[ie].key == a[i].key)
			ie++;
		while (je < no && b[je].key == b[j].key)
			je++;
		if (ie - i == 1 && je - j == 1)
			deltas[n++] = b[j].ts_ns - a[i].ts_ns;
		i = ie;
		j = je;
	}
	if (n > 0) {
		qsort(deltas, n, sizeof(*deltas), cmp_i64);
		d->sum.offset_ns = n % 2 ? deltas[n / 2] :
		    deltas[n / 2 - 1] + (deltas[n / 2] - deltas[n / 2 - 1]) / 2;
	}
	d->sum.offset_samples = n;
	free(deltas);
}

void
diff_learn_done(struct diff *d)
{
	if (d->learnt)
		return;
	d->learnt = true;
	for (int i = 0; i < 2; i++) {
		ingest_flush(d->ing[i], d->sides[i].an);
		d->sides[i].pass = 2;
		d->sides[i].an = &d->an[i];
	}
	if (d->o.offset_given) {
		d->sum.offset_ns = d->o.offset_ns;
		d->sum.offset_forced = true;
	} else {
		estimate_offset(d);
	}
	for (int i = 0; i < 2; i++) {
		free(d->samples[i]);
		d->samples[i] = NULL;
		d->nsamples[i] = 0;
	}
	/* Fresh reassembly state for pass 2; the address sets stay. */
	make_readers(d);
}

int64_t
diff_offset(const struct diff *d)
{
	return d->sum.offset_ns;
}

/* ---- pass 2 --------------------------------------------------------- */

void
diff_feed(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an)
{
	struct dside *s = &d->sides[side];
	int64_t adj;

	if (!d->learnt)
		diff_learn_done(d);
	s->pass = 2;
	s->an = an;
	adj = side == DIFF_OUTSIDE ? p->ts_ns - d->sum.offset_ns : p->ts_ns;
	if (adj > d->now_ns)
		d->now_ns = adj;
	ingest_packet(d->ing[side], p, an);
	if (d->now_ns - d->last_hk_ns >= HOUSEKEEPING_NS) {
		d->last_hk_ns = d->now_ns;
		diff_pairing_expire(d, false);
	}
}

void
diff_finish(struct diff *d)
{
	if (d->finished)
		return;
	if (!d->learnt)
		diff_learn_done(d);
	for (int i = 0; i < 2; i++)
		ingest_flush(d->ing[i], d->sides[i].an);
	diff_pairing_expire(d, true);
	for (size_t i = 0; i < d->nstreams; i++) {
		const struct diff_stream *s = &d->stream_list[i]->s;

		d->sum.rtp_paired += s->paired;
		d->sum.rtp_dropped += s->dropped;
		d->sum.rtp_injected += s->injected;
	}
	d->finished = true;
}

/* ---- files ---------------------------------------------------------- */

/* Gives each side's stage its file; on failure both start afresh. */
static int
open_pair(struct diff *d, const char *paths[2], char *err, size_t errlen)
{
	char e[200];

	for (int i = 0; i < 2; i++) {
		if (ingest_add_file(d->ing[i], paths[i], e, sizeof(e)) != 0) {
			snprintf(err, errlen, "%s: %s", paths[i], e);
			make_readers(d);
			return -1;
		}
	}
	return 0;
}

/*
 * Runs both files through their stages, merged by time (the outside
 * corrected by the offset once it is known).  In pass 2 the TCP and
 * fragment state of each side expires by the time of that side's frame
 * at hand: the one just processed, or the next one waiting.
 */
static void
pass_files(struct diff *d, int pass, struct anomalies *an[2])
{
	for (;;) {
		const struct capture_frame *f[2];
		int64_t ts, adj;
		int i;

		f[0] = ingest_peek(d->ing[0]);
		f[1] = ingest_peek(d->ing[1]);
		if (f[0] == NULL && f[1] == NULL)
			break;
		if (f[0] == NULL)
			i = 1;
		else if (f[1] == NULL)
			i = 0;
		else
			i = f[1]->ts_ns - d->sum.offset_ns < f[0]->ts_ns;
		ts = f[i]->ts_ns;
		d->sides[i].pass = pass;
		d->sides[i].an = an[i];
		if (pass == 1) {
			ingest_next(d->ing[i], an[i]);
			continue;
		}
		adj = i == DIFF_OUTSIDE ? ts - d->sum.offset_ns : ts;
		d->sum.frames[i]++;
		if (adj > d->now_ns)
			d->now_ns = adj;
		ingest_next(d->ing[i], an[i]);
		if (d->now_ns - d->last_hk_ns >= HOUSEKEEPING_NS) {
			d->last_hk_ns = d->now_ns;
			diff_pairing_expire(d, false);
			for (int k = 0; k < 2; k++)
				ingest_expire(d->ing[k], k == i ? ts :
				    f[k] != NULL ? f[k]->ts_ns : INT64_MAX, an[k]);
		}
	}
}

int
diff_files(struct diff *d, const char *inside_path, const char *outside_path,
    char *err, size_t errlen)
{
	const char *paths[2] = { inside_path, outside_path };
	struct anomalies scratch[2];
	struct anomalies *an[2];

	memset(scratch, 0, sizeof(scratch));
	if (open_pair(d, paths, err, errlen) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		free(d->path[i]);
		d->path[i] = strdup(paths[i]);
		d->sum.path[i] = d->path[i] ? d->path[i] : "";
	}
	/* Pass 1 merges by raw time: the offset is not known yet. */
	an[0] = &scratch[0];
	an[1] = &scratch[1];
	pass_files(d, 1, an);
	/* Fresh stages for pass 2 (diff_learn_done makes them). */
	diff_learn_done(d);

	if (open_pair(d, paths, err, errlen) != 0)
		return -1;
	if (d->cb.on_begin)
		d->cb.on_begin(d->cb.user, d);
	an[0] = &d->an[0];
	an[1] = &d->an[1];
	pass_files(d, 2, an);
	/* Reading anomalies (truncated files) live in the capture info. */
	for (int i = 0; i < 2; i++) {
		const struct capture_info *ci =
		    capture_set_info(ingest_captures(d->ing[i]), 0);

		for (int k = 0; k < ANOMALY_COUNT; k++)
			if (k == ANOMALY_PCAP_TRUNCATED ||
			    k == ANOMALY_PCAP_READ_ERROR ||
			    k == ANOMALY_CAPLEN_SHORT ||
			    k == ANOMALY_LINK_UNSUPPORTED)
				d->an[i].n[k] += ci->an.n[k];
		d->sum.first_ns[i] = ci->first_ns;
		d->sum.last_ns[i] = ci->last_ns;
	}
	diff_finish(d);
	return 0;
}

/* ---- results -------------------------------------------------------- */

const struct diff_summary *
diff_summary_get(const struct diff *d)
{
	return &d->sum;
}

size_t
diff_stream_count(const struct diff *d)
{
	return d->nstreams;
}

const struct diff_stream *
diff_stream_get(const struct diff *d, size_t i)
{
	return i < d->nstreams ? &d->stream_list[i]->s : NULL;
}

const struct diff_features *
diff_features_get(const struct diff *d)
{
	return &d->feat;
}

const struct anomalies *
diff_anomalies(const struct diff *d, enum diff_side side)
{
	return &d->an[side];
}

const struct diff_evidence *
diff_evidence_get(const struct diff *d)
{
	return &d->ev;
}

const char *const *
diff_profile_dirs(const struct diff *d)
{
	return d->o.profile_dirs;
}
