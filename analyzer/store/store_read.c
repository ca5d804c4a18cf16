/*
 * store_read.c - reading a store back (store.h: store_read,
 * store_read_filtered), written once for both backends over the
 * statement interface of store_int.h.
 *
 * Reads prepare their statements once per store_read and, where the
 * backend needs it (PostgreSQL), run in one read transaction so that
 * every statement sees the same snapshot: a capture an importer
 * completes meanwhile is either read whole or not at all.  Dialogs are
 * rebuilt from the stored raw SIP bytes (re-parsed), their streams,
 * findings and advisories restored as stored.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detect/detect.h"
#include "store/store_int.h"
#include "base/text.h"

/* ---- reading back ----------------------------------------------------- */

/* Parses "1.2.3.4:5060" or "[2001:db8::1]:5060" (as ep_str writes them). */
static void
parse_ep(const char *s, struct ep *e)
{
	const char *colon, *host = s, *end;
	uint64_t port = 0;

	ep_clear(e);
	if (s == NULL || strcmp(s, "-") == 0)
		return;
	if (*s == '[') {
		host = s + 1;
		end = strchr(host, ']');
		if (end == NULL)
			return;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		end = colon ? colon : s + strlen(s);
	}
	if (ep_parse_ip(e, host, (size_t)(end - host)) != 0)
		return;
	if (colon != NULL && text_parse_uint(colon + 1, strlen(colon + 1),
	    65535, &port) == 0)
		e->port = (uint16_t)port;
}

static void
read_failed(struct store *st, char *err, size_t n, const char *what)
{
	snprintf(err, n, "%s: %s", what, db_errmsg(st));
}

static const char *
col_text(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	return t ? t : "";
}

static int
lookup_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return 0;
}

/* A stored state name back to its state (dialog.c names them), setup
 * when unknown. */
static enum dialog_state
state_of(const char *name)
{
	for (int i = 0; i < DIALOG_STATE_COUNT; i++)
		if (strcmp(dialog_state_name((enum dialog_state)i), name) == 0)
			return (enum dialog_state)i;
	return DIALOG_SETUP;
}

/*
 * The statements store_read runs once per dialog, prepared once per
 * store_read (preparing them per dialog cost half of a report's time).
 */
struct readq {
	struct db_stmt *msgs, *streams, *loose, *findings, *evidence,
	    *advisories, *adv_evidence;   /* the last two: schema 5 on */
};

static const char *const readq_sql[] = {
	"SELECT cap_idx, frame, first_frame,"
	" ts_ns, src, dst, transport, nfrags, ip_len, retrans,"
	" retrans_times, raw FROM messages WHERE dialog_id = ? ORDER BY id",
	"SELECT src, dst, ssrc, pt, codec,"
	" clock_rate, packets, bytes, lost, dup, ooo, seq_jumps, jitter,"
	" max_gap_ns, first_ns, last_ns, first_frame, last_frame, rtcp_sr,"
	" rtcp_rr, rate_bucket_sec, rate, rate_base_sec, expected,"
	" audio_packets, cn_packets, event_packets, ptime_ms, gap_ms"
	" FROM streams WHERE dialog_id = ? ORDER BY id",
	"SELECT src, dst, ssrc, pt, codec,"
	" clock_rate, packets, bytes, lost, dup, ooo, seq_jumps, jitter,"
	" max_gap_ns, first_ns, last_ns, first_frame, last_frame, rtcp_sr,"
	" rtcp_rr, rate_bucket_sec, rate, rate_base_sec, expected,"
	" audio_packets, cn_packets, event_packets, ptime_ms, gap_ms,"
	" capture_id"
	" FROM streams WHERE dialog_id IS NULL"
	" AND capture_id IN (SELECT id FROM captures WHERE complete = 1)"
	" ORDER BY id",
	"SELECT id, detector, confidence,"
	" summary, explanation, remediation FROM findings WHERE"
	" dialog_id = ? ORDER BY id",
	"SELECT cap_idx, frame, ts_ns, field,"
	" value FROM evidence WHERE finding_id = ? ORDER BY rowid",
	"SELECT id, detector, confidence,"
	" summary, explanation, remediation FROM advisories WHERE"
	" dialog_id = ? ORDER BY id",
	"SELECT cap_idx, frame, ts_ns, field,"
	" value FROM advisory_evidence WHERE advisory_id = ? ORDER BY id",
};

static int
readq_prepare(struct store *st, struct readq *q)
{
	struct db_stmt **v[] = { &q->msgs, &q->streams, &q->loose, &q->findings,
	    &q->evidence, &q->advisories, &q->adv_evidence };
	/* Schema 4 (read as it is) has no advisories: two statements less. */
	size_t n = sizeof(v) / sizeof(v[0]) - (st->version < 5 ? 2 : 0);

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < n; i++)
		if ((*v[i] = db_prepare(st, readq_sql[i])) == NULL)
			return -1;
	return 0;
}

static void
readq_fini(struct readq *q)
{
	db_finalize(q->msgs);
	db_finalize(q->streams);
	db_finalize(q->loose);
	db_finalize(q->findings);
	db_finalize(q->evidence);
	db_finalize(q->advisories);
	db_finalize(q->adv_evidence);
}

static int
read_messages(struct db_stmt *s, int64_t did, struct dialog *d)
{
	int rc;

	db_bind_int64(s, 1, did);
	while ((rc = db_step(s)) == DB_ROW) {
		size_t rawlen, tlen;
		const uint8_t *raw = db_col_blob(s, 11, &rawlen);
		const uint8_t *tb = db_col_blob(s, 10, &tlen);
		struct sipmsg *m = sipmsg_parse(raw, (size_t)rawlen, NULL);
		struct dmsg *dm;

		if (m == NULL)
			continue;
		if (d->nmsgs == d->msgs_cap) {
			size_t nc = d->msgs_cap ? 2 * d->msgs_cap : 8;
			struct dmsg *nm = realloc(d->msgs, nc * sizeof(*nm));

			if (nm == NULL) {
				sipmsg_free(m);
				break;
			}
			d->msgs = nm;
			d->msgs_cap = nc;
		}
		dm = &d->msgs[d->nmsgs++];
		memset(dm, 0, sizeof(*dm));
		dm->cap_idx = (uint32_t)db_col_int64(s, 0);
		dm->frame = (uint64_t)db_col_int64(s, 1);
		dm->first_frame = (uint64_t)db_col_int64(s, 2);
		dm->ts_ns = db_col_int64(s, 3);
		parse_ep(col_text(s, 4), &dm->src);
		parse_ep(col_text(s, 5), &dm->dst);
		dm->transport = (uint8_t)(int)db_col_int64(s, 6);
		dm->nfrags = (uint16_t)(int)db_col_int64(s, 7);
		dm->ip_len = (uint32_t)db_col_int64(s, 8);
		dm->retrans = (uint32_t)db_col_int64(s, 9);
		for (int i = 0; i + 16 <= (int)tlen && i / 16 < DIALOG_RETRANS_KEPT;
		    i += 16) {
			uint64_t t = 0, f = 0;

			for (int b = 0; b < 8; b++) {
				t |= (uint64_t)tb[i + b] << (8 * b);
				f |= (uint64_t)tb[i + 8 + b] << (8 * b);
			}
			dm->retrans_ns[i / 16] = (int64_t)t;
			dm->retrans_frame[i / 16] = f;
		}
		dm->m = m;
		d->raw_bytes += m->raw_len;
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Streams of dialog did (s = the dialog query, d != NULL), or the
 * unannounced streams of every complete capture (s = the loose query),
 * in the order they were stored, handed to on_stream one by one
 * (d == NULL).
 */
static int
read_streams(struct db_stmt *s, int64_t did, struct dialog *d,
    void (*on_stream)(void *, const struct rtp_stream *), void *user,
    const int64_t *caps, size_t ncaps)
{
	int rc;

	if (d != NULL)
		db_bind_int64(s, 1, did);
	while ((rc = db_step(s)) == DB_ROW &&
	    (d == NULL || d->nstreams < CAP_DIALOG_STREAMS)) {
		struct rtp_stream *r = calloc(1, sizeof(*r));
		size_t rate_bytes;
		const uint8_t *rate = db_col_blob(s, 21, &rate_bytes);
		int nrate = (int)(rate_bytes / 2);
		struct ep src, dst;
		size_t k;

		if (r == NULL)
			break;
		/* The loose query's column 29: the stream's capture. */
		for (k = 0; d == NULL && k < ncaps &&
		    caps[k] != db_col_int64(s, 29); k++)
			;
		if (d == NULL && k == ncaps) {
			free(r);
			continue;
		}
		parse_ep(col_text(s, 0), &src);
		parse_ep(col_text(s, 1), &dst);
		rtp_stream_init(r, &src, &dst,
		    (uint32_t)db_col_int64(s, 2));
		r->pt = (int)db_col_int64(s, 3);
		snprintf(r->codec, sizeof(r->codec), "%s", col_text(s, 4));
		r->clock_rate = (uint32_t)db_col_int64(s, 5);
		r->packets = (uint64_t)db_col_int64(s, 6);
		r->bytes = (uint64_t)db_col_int64(s, 7);
		r->lost = (uint64_t)db_col_int64(s, 8);
		r->dup = (uint64_t)db_col_int64(s, 9);
		r->ooo = (uint64_t)db_col_int64(s, 10);
		r->seq_jumps = (uint64_t)db_col_int64(s, 11);
		r->jitter = db_col_double(s, 12);
		r->max_gap_ns = db_col_int64(s, 13);
		r->first_ns = db_col_int64(s, 14);
		r->last_ns = db_col_int64(s, 15);
		r->first_frame = db_col_int64(s, 16);
		r->last_frame = db_col_int64(s, 17);
		r->rtcp_sr = (uint64_t)db_col_int64(s, 18);
		r->rtcp_rr = (uint64_t)db_col_int64(s, 19);
		r->rate_bucket_sec = (uint32_t)db_col_int64(s, 20);
		for (int i = 0; i < nrate && i < CAP_RTP_RATE_SECONDS_STRIP; i++)
			r->rate[i] = (uint16_t)(rate[2 * i] | (rate[2 * i + 1] << 8));
		r->nrate = (uint32_t)(nrate < CAP_RTP_RATE_SECONDS_STRIP ? nrate :
		    CAP_RTP_RATE_SECONDS_STRIP);
		r->rate_base_sec = (uint32_t)db_col_int64(s, 22);
		/*
		 * The sequence tracker is not stored, only what it concluded:
		 * the expected count comes back as the "prior epochs" part
		 * with an empty current epoch (max_seq + 1 == base_seq).
		 */
		r->probation_done = true;
		r->expected_prior = (uint64_t)db_col_int64(s, 23);
		r->audio_packets = (uint64_t)db_col_int64(s, 24);
		r->cn_packets = (uint64_t)db_col_int64(s, 25);
		r->event_packets = (uint64_t)db_col_int64(s, 26);
		rtp_stream_restore_ptime(r, (int)db_col_int64(s, 27),
		    (int)db_col_int64(s, 28));
		r->base_seq = 1;
		r->max_seq = 0;
		r->cycles = 0;
		if (d != NULL) {
			d->streams[d->nstreams++] = r;
		} else {
			if (on_stream)
				on_stream(user, r);
			free(r);
		}
	}
	db_reset(s);
	return rc == DB_DONE || rc == DB_ROW ? 0 : -1;
}

/* The texts of the findings being read, in one growing buffer. */
struct textbuf {
	char *text;
	size_t len, cap;
};

/* Appends t (with its NUL); its offset in *off.  0, or -1 on OOM. */
static int
text_add(struct textbuf *tb, const char *t, size_t *off)
{
	size_t l = strlen(t) + 1;

	if (tb->len + l > tb->cap) {
		size_t nc = (tb->len + l) * 2;
		char *nt = realloc(tb->text, nc);

		if (nt == NULL)
			return -1;
		tb->text = nt;
		tb->cap = nc;
	}
	memcpy(tb->text + tb->len, t, l);
	*off = tb->len;
	tb->len += l;
	return 0;
}

/*
 * The rows of s (dialog did's findings, or its advisories: the same
 * shape) with their evidence (e) into list[0..max); their texts (id,
 * explanation, remediation) into tb, at offsets offs[3 * i + 0..2].
 * Best effort: a step error or OOM ends the list.  Returns the count.
 */
static int
read_list(struct db_stmt *s, struct db_stmt *e, int64_t did,
    struct finding *list, int max, struct textbuf *tb, size_t *offs)
{
	int n = 0;

	db_bind_int64(s, 1, did);
	while (n < max && db_step(s) == DB_ROW) {
		struct finding *f = &list[n];
		const char *t[3] = { col_text(s, 1), col_text(s, 4),
		    col_text(s, 5) };
		int k;

		for (k = 0; k < 3 && text_add(tb, t[k], &offs[3 * n + k]) == 0;
		    k++)
			;
		if (k < 3)
			break;
		n++;
		f->confidence = db_col_double(s, 2);
		snprintf(f->summary, sizeof(f->summary), "%s", col_text(s, 3));
		db_bind_int64(e, 1, db_col_int64(s, 0));
		while (db_step(e) == DB_ROW && f->nev < DETECT_MAX_EVIDENCE) {
			struct evidence *v = &f->ev[f->nev++];

			v->cap_idx = (uint32_t)db_col_int64(e, 0);
			v->frame = (uint64_t)db_col_int64(e, 1);
			v->ts_ns = db_col_int64(e, 2);
			snprintf(v->field, sizeof(v->field), "%s", col_text(e, 3));
			snprintf(v->value, sizeof(v->value), "%s", col_text(e, 4));
		}
		db_reset(e);
	}
	db_reset(s);
	db_reset(e);
	return n;
}

/* Points list[0..n)'s texts into base at offs (read_list's). */
static void
set_texts(struct finding *list, int n, const char *base, const size_t *offs)
{
	for (int i = 0; i < n; i++) {
		list[i].id = base + offs[3 * i];
		list[i].explanation = base + offs[3 * i + 1];
		list[i].remediation = base + offs[3 * i + 2];
	}
}

/*
 * Findings and advisories come back into one allocation holding the
 * struct findings and the texts that are static strings in a live
 * analysis (id, explanation, remediation), so dialog_free's single
 * free() releases everything.  A store of schema 4 has no advisories
 * (q->advisories NULL).
 */
static int
read_findings(const struct readq *q, int64_t did, struct dialog *d)
{
	struct findings *fs = calloc(1, sizeof(*fs)), *blk;
	struct textbuf tb = { NULL, 0, 0 };
	size_t off_f[3 * DETECT_MAX_FINDINGS], off_a[3 * DETECT_MAX_ADVISORIES];

	if (fs == NULL)
		return 0;
	fs->n = read_list(q->findings, q->evidence, did, fs->f,
	    DETECT_MAX_FINDINGS, &tb, off_f);
	if (q->advisories != NULL)
		fs->nadv = read_list(q->advisories, q->adv_evidence, did,
		    fs->adv, DETECT_MAX_ADVISORIES, &tb, off_a);
	if (fs->n + fs->nadv > 0 &&
	    (blk = malloc(sizeof(*fs) + tb.len)) != NULL) {
		char *base = (char *)(blk + 1);

		memcpy(blk, fs, sizeof(*fs));
		if (tb.len > 0)
			memcpy(base, tb.text, tb.len);
		set_texts(blk->f, blk->n, base, off_f);
		set_texts(blk->adv, blk->nadv, base, off_a);
		d->findings = blk;
	}
	free(fs);
	free(tb.text);
	return 0;
}

/* The dialogs' numbers (seq) in capture cid, ascending, in *out. */
static int
capture_seqs(struct store *st, int64_t cid, int64_t **out, size_t *n)
{
	struct db_stmt *s = db_prepare(st, "SELECT seq FROM dialogs WHERE"
	    " capture_id = ? ORDER BY seq");
	size_t cap = 0;
	enum db_step rc = DB_ERROR;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	db_bind_int64(s, 1, cid);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			int64_t *v = realloc(*out, nc * sizeof(*v));

			if (v == NULL) {
				rc = DB_ERROR;
				break;
			}
			*out = v;
			cap = nc;
		}
		(*out)[(*n)++] = db_col_int64(s, 0);
	}
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * A dialog read for one capture: numbered by its rank among the
 * capture's dialogs (1, 2 ... in the order the analysis met them, as if
 * the file had been analysed alone), and its frame references pointing
 * into that capture (its import may have read other files beside it).
 */
static void
renumber(struct dialog *d, const int64_t *seqs, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (seqs[mid] < (int64_t)d->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	d->id = (uint64_t)lo + 1;
	for (size_t i = 0; i < d->nmsgs; i++)
		d->msgs[i].cap_idx = d->cap_idx;
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++)
		for (int k = 0; k < d->findings->f[i].nev; k++)
			d->findings->f[i].ev[k].cap_idx = d->cap_idx;
	for (int i = 0; d->findings != NULL && i < d->findings->nadv; i++)
		for (int k = 0; k < d->findings->adv[i].nev; k++)
			d->findings->adv[i].ev[k].cap_idx = d->cap_idx;
}

/*
 * The join of the dialog in row s of the dialogs query (columns 22..28:
 * the joins row, the other dialog's number and capture), kept only when
 * the other dialog is read too (its capture among ids): read alone, a
 * capture shows its dialogs as analysed alone.  The other is named by
 * its number as the read shows it: its rank among seqs when one capture
 * is read (renumber), else its number in the run.
 */
static void
read_join(struct db_stmt *s, struct dialog *d, const int64_t *ids,
    size_t nids, const int64_t *seqs, size_t nseqs)
{
	int64_t other = db_col_int64(s, 27), cid = db_col_int64(s, 28);
	const char *seg = col_text(s, 23), *counted = col_text(s, 26);
	size_t k;

	memset(&d->join, 0, sizeof(d->join));
	if (db_is_null(s, 27) || other <= 0)
		return;
	for (k = 0; k < nids && ids[k] != cid; k++)
		;
	if (k == nids)
		return;
	if (seqs != NULL) {
		size_t lo = 0, hi = nseqs;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (seqs[mid] < other)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nseqs || seqs[lo] != other)
			return;
		other = (int64_t)lo + 1;
	}
	d->join.id = (uint64_t)other;
	snprintf(d->join.call_id, sizeof(d->join.call_id), "%s",
	    col_text(s, 22));
	d->join.segment = strcmp(seg, "inside") == 0 ? RTP_SEG_INSIDE :
	    strcmp(seg, "outside") == 0 ? RTP_SEG_OUTSIDE : RTP_SEG_UNKNOWN;
	d->join.other_first = db_col_int64(s, 24) != 0;
	d->join.other_affected = db_col_int64(s, 25) != 0;
	/* The symptom ids, comma separated; unknown ones (a newer
	 * catalogue's) are not counted by this version anyway. */
	while (*counted != '\0') {
		size_t l = strcspn(counted, ",");
		char id[SYMPTOM_ID_MAX + 1];
		int sym;

		if (l < sizeof(id)) {
			memcpy(id, counted, l);
			id[l] = '\0';
			if ((sym = symptom_lookup(id)) >= 0 && sym < 32)
				d->join.counted |= 1u << sym;
		}
		counted += l + (counted[l] == ',');
	}
}

/*
 * Whether stored capture c passes filter f: by id (a number), by path or
 * file name (capture), and by site.
 */
static bool
capture_selected(const struct store_filter *f, const struct store_capture *c)
{
	const char *base;

	if (f == NULL)
		return true;
	if (f->capture_id > 0 && c->id != f->capture_id)
		return false;
	if (f->capture != NULL) {
		base = strrchr(c->info.path, '/');
		base = base != NULL ? base + 1 : c->info.path;
		if (strcmp(c->info.path, f->capture) != 0 &&
		    strcmp(base, f->capture) != 0)
			return false;
	}
	return f->site == NULL || strcmp(c->site, f->site) == 0;
}

/*
 * The dialogs query (columns 0..21 the dialog, 22..28 its join: schema 6
 * on, older ones have none; 29 the other's rank in the read when
 * numbering in read order, else NULL), for one capture (a parameter) or
 * all.  In read order, the read is the dialogs of the captures ids[0..n)
 * in store order, and the database ranks them (ROW_NUMBER over the
 * same rows), so that a join names its other by the number it is handed
 * on with, however many dialogs lie between the two.  Returns the SQL
 * (caller frees) or NULL on OOM.
 */
static char *
dialogs_sql(const struct store *st, bool one, bool in_read_order,
    const int64_t *ids, size_t n)
{
	static const char cols[] = "SELECT d.id, d.seq, d.call_id, d.kind,"
	    " d.state, d.from_uri, d.to_uri, d.from_tag, d.first_method,"
	    " d.start_ns, d.ring_ns, d.answer_ns, d.end_ns, d.last_ns,"
	    " d.initial_cseq, d.final_status, d.forks, d.retransmissions,"
	    " d.dropped_messages, d.rtcp_packets, d.evicted, d.capture_id, ";
	bool joins = st->version >= 6, rank = joins && in_read_order;
	/* The other's rank: SQLite looks it up in r through an automatic
	 * index as a scalar subquery (joined, it scans r for each row);
	 * PostgreSQL hash-joins r (a subquery would rank anew each row). */
	bool pg = st->be->dialect == DIALECT_PG;
	size_t cap, o = 0, l = 0;
	char *q, *in = malloc(22 * n + 8);

	if (in == NULL)
		return NULL;
	/* The captures read, as a list of their ids (numbers the database
	 * gave: no text from outside). */
	in[0] = '\0';
	for (size_t i = 0; i < n; i++)
		l += (size_t)snprintf(in + l, 22 * n + 8 - l, "%s%" PRId64,
		    i ? "," : "", ids[i]);
	cap = 2048 + l;
	if ((q = malloc(cap)) == NULL) {
		free(in);
		return NULL;
	}
	if (rank)
		o += (size_t)snprintf(q + o, cap - o, "WITH r AS (SELECT"
		    " d.id AS id, ROW_NUMBER() OVER (ORDER BY d.id) AS rn"
		    " FROM dialogs d JOIN captures c ON c.id = d.capture_id"
		    " WHERE c.complete = 1 AND d.capture_id IN (%s)) ",
		    n > 0 ? in : "NULL");
	snprintf(q + o, cap - o, "%s%s, %s"
	    " FROM dialogs d JOIN captures c ON c.id = d.capture_id%s%s"
	    " WHERE c.complete = 1%s ORDER BY d.id", cols,
	    !joins ? "NULL, NULL, NULL, NULL, NULL, NULL, NULL" :
	    "j.call_id, j.segment, j.other_first, j.other_affected,"
	    " j.counted, o.seq, o.capture_id",
	    !rank ? "NULL" : pg ? "r.rn" :
	    "(SELECT r.rn FROM r WHERE r.id = j.other_id)",
	    !joins ? "" : " LEFT JOIN joins j ON j.dialog_id = d.id"
	    " LEFT JOIN dialogs o ON o.id = j.other_id",
	    rank && pg ? " LEFT JOIN r ON r.id = j.other_id" : "",
	    one ? " AND d.capture_id = ?" : "");
	free(in);
	return q;
}

int
store_read_filtered(struct store *st, const struct store_filter *f,
    void (*on_capture)(void *user, const struct store_capture *c),
    bool (*on_dialog)(void *user, struct dialog *d),
    void (*on_stream)(void *user, const struct rtp_stream *s), void *user,
    char *err, size_t errlen)
{
	static const char *const kinds[] = { "call", "register", "options",
	    "subscribe", "message", "other" };
	struct db_stmt *c = NULL, *s = NULL, *a = NULL;
	struct readq q;
	int64_t *ids = NULL, *seqs = NULL;
	size_t nids = 0, nseqs = 0;
	int ret = -1;
	enum db_step rc;
	bool one = f != NULL && f->capture_id > 0, in_read = false;
	bool in_read_order = st->number_in_read;
	uint64_t nread = 0;
	char *dsql = NULL, csql[1024];

	memset(&q, 0, sizeof(q));
	/* One snapshot for all the statements below (PostgreSQL). */
	if (st->be->begin_read != NULL) {
		if (db_exec(st, st->be->begin_read) != 0) {
			read_failed(st, err, errlen, "cannot read the database");
			goto out;
		}
		in_read = true;
	}
	if (readq_prepare(st, &q) != 0) {
		read_failed(st, err, errlen, "cannot read the database");
		goto out;
	}
	/* Schema 4 has no captures.advisories: read as NULL (none stored). */
	snprintf(csql, sizeof(csql), "SELECT id, path, size, sha256, link,"
	    " first_ns, last_ns, packets, sip_messages, sip_retrans, sip_udp,"
	    " sip_tcp, sip_ws, sip_sctp, keepalives, dialogs, rtp_streams,"
	    " rtp_unannounced, rtp_packets, rtcp_packets, site, imported_at, %s"
	    " FROM captures WHERE complete = 1 ORDER BY id",
	    st->version < 5 ? "NULL" : "advisories");
	if ((c = db_prepare(st, csql)) == NULL ||
	    (a = db_prepare(st, "SELECT name, count FROM anomalies"
	    " WHERE capture_id = ?")) == NULL) {
		read_failed(st, err, errlen, "cannot read the database");
		goto out;
	}
	/* Captures first, so a dialog's cap_idx is its capture's position. */
	while ((rc = db_step(c)) == DB_ROW) {
		struct store_capture sc;
		int64_t cid = db_col_int64(c, 0);
		int64_t *nid;

		memset(&sc, 0, sizeof(sc));
		sc.id = cid;
		sc.complete = true;
		sc.info.path = strdup(col_text(c, 1));
		if (sc.info.path == NULL)
			goto out;
		snprintf(sc.site, sizeof(sc.site), "%s", col_text(c, 20));
		snprintf(sc.imported_at, sizeof(sc.imported_at), "%s",
		    col_text(c, 21));
		if (!capture_selected(f, &sc)) {
			free(sc.info.path);
			continue;
		}
		if ((nid = realloc(ids, (nids + 1) * sizeof(*ids))) == NULL) {
			free(sc.info.path);
			goto out;
		}
		ids = nid;
		ids[nids++] = cid;
		sc.info.size = (uint64_t)db_col_int64(c, 2);
		snprintf(sc.sha256, sizeof(sc.sha256), "%s", col_text(c, 3));
		snprintf(sc.link, sizeof(sc.link), "%s", col_text(c, 4));
		sc.info.linkname = sc.link;
		sc.info.first_ns = db_col_int64(c, 5);
		sc.info.last_ns = db_col_int64(c, 6);
		sc.info.packets = (uint64_t)db_col_int64(c, 7);
		sc.stats.sip_messages = (uint64_t)db_col_int64(c, 8);
		sc.stats.sip_retrans = (uint64_t)db_col_int64(c, 9);
		sc.stats.sip_udp = (uint64_t)db_col_int64(c, 10);
		sc.stats.sip_tcp = (uint64_t)db_col_int64(c, 11);
		sc.stats.sip_ws = (uint64_t)db_col_int64(c, 12);
		sc.stats.sip_sctp = (uint64_t)db_col_int64(c, 13);
		sc.stats.keepalives = (uint64_t)db_col_int64(c, 14);
		sc.stats.dialogs = (uint64_t)db_col_int64(c, 15);
		sc.stats.rtp_streams = (uint64_t)db_col_int64(c, 16);
		sc.stats.rtp_unannounced = (uint64_t)db_col_int64(c, 17);
		sc.stats.rtp_packets = (uint64_t)db_col_int64(c, 18);
		sc.stats.rtcp_packets = (uint64_t)db_col_int64(c, 19);
		sc.advisories_stored = !db_is_null(c, 22) &&
		    db_col_int64(c, 22) != 0;
		db_bind_int64(a, 1, cid);
		while (db_step(a) == DB_ROW) {
			int id = anomaly_lookup(col_text(a, 0));

			if (id >= 0)
				sc.info.an.n[id] = (uint64_t)db_col_int64(a, 1);
		}
		db_reset(a);
		if (on_capture)
			on_capture(user, &sc);
		free(sc.info.path);
	}
	if (rc != DB_DONE) {
		read_failed(st, err, errlen, "cannot read captures");
		goto out;
	}
	/* Only the captures asked for: their dialogs and streams. */
	if (on_dialog == NULL && on_stream == NULL)
		goto done;
	if ((dsql = dialogs_sql(st, one, in_read_order, ids, nids)) == NULL ||
	    (s = db_prepare(st, dsql)) == NULL) {
		read_failed(st, err, errlen, "cannot read dialogs");
		goto out;
	}
	if (one) {
		db_bind_int64(s, 1, f->capture_id);
		if (capture_seqs(st, f->capture_id, &seqs, &nseqs) != 0) {
			read_failed(st, err, errlen, "cannot read dialogs");
			goto out;
		}
	}
	/* Dialogs in the order they were stored, across captures. */
	while ((rc = db_step(s)) == DB_ROW) {
		struct dialog *d;
		int64_t did = db_col_int64(s, 0);
		int64_t cid = db_col_int64(s, 21);
		size_t k;

		for (k = 0; k < nids && ids[k] != cid; k++)
			;
		if (k == nids)
			continue;
		if ((d = calloc(1, sizeof(*d))) == NULL)
			goto out;
		d->cap_idx = (uint32_t)k;
		d->id = (uint64_t)db_col_int64(s, 1);
		snprintf(d->call_id, sizeof(d->call_id), "%s", col_text(s, 2));
		d->kind = (enum dialog_kind)lookup_name(kinds, 6, col_text(s, 3));
		d->state = state_of(col_text(s, 4));
		snprintf(d->from, sizeof(d->from), "%s", col_text(s, 5));
		snprintf(d->to, sizeof(d->to), "%s", col_text(s, 6));
		snprintf(d->from_tag, sizeof(d->from_tag), "%s", col_text(s, 7));
		snprintf(d->first_method, sizeof(d->first_method), "%s",
		    col_text(s, 8));
		d->start_ns = db_col_int64(s, 9);
		d->ring_ns = db_col_int64(s, 10);
		d->answer_ns = db_col_int64(s, 11);
		d->end_ns = db_col_int64(s, 12);
		d->last_ns = db_col_int64(s, 13);
		d->initial_cseq = (uint32_t)db_col_int64(s, 14);
		d->final_status = (int)db_col_int64(s, 15);
		d->nforks = (int)db_col_int64(s, 16);
		d->retrans_total = (uint64_t)db_col_int64(s, 17);
		d->dropped_msgs = (uint64_t)db_col_int64(s, 18);
		d->rtcp_packets = (uint64_t)db_col_int64(s, 19);
		d->evicted = db_col_int64(s, 20) != 0;
		if (read_messages(q.msgs, did, d) != 0 ||
		    read_streams(q.streams, did, d, NULL, NULL, NULL, 0) != 0 ||
		    read_findings(&q, did, d) != 0) {
			dialog_free(d);
			read_failed(st, err, errlen, "cannot read a dialog");
			goto out;
		}
		read_join(s, d, ids, nids, one ? seqs : NULL, nseqs);
		if (one)
			renumber(d, seqs, nseqs);
		/* In the order read: the other's rank in the read (column
		 * 29, NULL when it is not read). */
		if (in_read_order) {
			d->id = ++nread;
			if (d->join.id != 0)
				d->join.id = db_is_null(s, 29) ? 0 :
				    (uint64_t)db_col_int64(s, 29);
			if (d->join.id == 0)
				memset(&d->join, 0, sizeof(d->join));
		}
		if (!on_dialog || !on_dialog(user, d))
			dialog_free(d);
	}
	if (rc != DB_DONE) {
		read_failed(st, err, errlen, "cannot read dialogs");
		goto out;
	}
	if (read_streams(q.loose, 0, NULL, on_stream, user, ids, nids) != 0) {
		read_failed(st, err, errlen, "cannot read streams");
		goto out;
	}
done:
	ret = 0;
out:
	readq_fini(&q);
	db_finalize(s);
	db_finalize(a);
	db_finalize(c);
	if (in_read)
		(void)db_exec(st, st->be->end_read);
	free(ids);
	free(seqs);
	free(dsql);
	return ret;
}

void
store_number_in_read(struct store *st, bool on)
{
	st->number_in_read = on;
}

int
store_read(struct store *st,
    void (*on_capture)(void *user, const struct store_capture *c),
    bool (*on_dialog)(void *user, struct dialog *d),
    void (*on_stream)(void *user, const struct rtp_stream *s), void *user,
    char *err, size_t errlen)
{
	return store_read_filtered(st, NULL, on_capture, on_dialog, on_stream,
	    user, err, errlen);
}
