/*
 * store.c - the store's front (store.h): claims, batches and the swap,
 * written once for both backends (store_int.h); reading back is
 * store_read.c.
 *
 * Writes use prepared statements bound with explicit lengths (raw SIP
 * bytes are BLOBs), in transactions of STORE_BATCH dialogs; reads prepare
 * their statements once per store_read.  Every statement is portable
 * SQL ("?" placeholders, INSERT ... RETURNING id, UPDATE, DELETE with ON
 * DELETE CASCADE, partial unique indexes); store_sql.c maps it to
 * PostgreSQL's dialect, and the backends (store_sqlite.c, store_pg.c)
 * add what is theirs: opening, how a write transaction begins, how a
 * claim's importer is known to be alive.
 *
 * Why claims and batches rather than one transaction per capture:
 * measured with SQLite on a 200,000-dialog capture (a 920 MB database),
 * both cost the same CPU (39 s) and memory (50 MB resident), but one
 * transaction grows the write-ahead log to 926 MB (the disk space twice
 * over until its checkpoint) and holds SQLite's single write lock for
 * the whole analysis, so no other importer can claim or write meanwhile.
 * Batches keep the log under 5 MB and hold the lock only while a batch
 * is written; the price is the claim bookkeeping and more bytes written
 * (3.9 GB against 2.5 GB: index pages rewritten at every checkpoint).
 * On PostgreSQL the same batches keep each transaction short, and an
 * import whose connection is lost loses one batch, never shows any.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "detect/detect.h"
#include "store/store_int.h"
#include "base/text.h"

/* ---- errors and transactions ------------------------------------------ */

const char *
store_errmsg(struct store *st)
{
	if (st == NULL || st->conn == NULL)
		return "no database";
	return st->err[0] != '\0' ? st->err : db_errmsg(st);
}

bool
store_lost(struct store *st)
{
	return st != NULL && st->be->lost(st);
}

const char *
store_backend_name(const struct store *st)
{
	return st->be->name;
}

static void
tx_rollback(struct store *st)
{
	if (st->in_tx)
		(void)db_exec(st, "ROLLBACK");
	st->in_tx = false;
}

static void
queue_drop(struct store *st)
{
	for (int i = 0; i < st->nqd; i++)
		dialog_free(st->qd[i]);
	for (int i = 0; i < st->nqs; i++)
		free(st->qs[i]);
	st->nqd = st->nqs = 0;
}

/*
 * A write failed: keeps the first reason (why, else what and the
 * backend's message, read before anything else touches the handle),
 * rolls the open batch back, and fails every later write.  Returns -1.
 */
static int
write_failed(struct store *st, const char *what, const char *why)
{
	if (!st->failed) {
		if (why != NULL)
			snprintf(st->err, sizeof(st->err), "%s", why);
		else
			snprintf(st->err, sizeof(st->err), "%s: %s", what,
			    db_errmsg(st));
		st->failed = true;
	}
	tx_rollback(st);
	queue_drop(st);
	return -1;
}

/* Steps an INSERT/UPDATE/DELETE once and resets it; -1 on error (kept). */
static int
step_reset(struct store *st, struct db_stmt *s, const char *what)
{
	enum db_step rc = db_step(s);
	char why[400];

	if (rc != DB_DONE)
		snprintf(why, sizeof(why), "%s: %s", what, db_errmsg(st));
	db_reset(s);
	return rc == DB_DONE ? 0 : write_failed(st, what, why);
}

/* Steps an INSERT ... RETURNING id once and resets it; the new row's id
 * in *id, or -1 on error (kept). */
static int
step_insert(struct store *st, struct db_stmt *s, const char *what,
    int64_t *id)
{
	enum db_step rc = db_step(s);
	char why[400];

	if (rc == DB_ROW) {
		*id = db_col_int64(s, 0);
		db_reset(s);
		return 0;
	}
	snprintf(why, sizeof(why), "%s: %s", what, db_errmsg(st));
	db_reset(s);
	return write_failed(st, what, why);
}

/*
 * At the start of every write transaction: checks that this handle still
 * holds its nclaims claims and refreshes their heartbeat.  Within the
 * transaction nobody else can take a claim over, so a claim judged stale
 * by another importer (which then deleted it) fails this batch instead
 * of letting rows land under a capture someone else now writes.
 */
static int
claims_check(struct store *st)
{
	struct db_stmt *s = st->beat_stmt;
	time_t now = time(NULL);

	if (st->nclaims == 0)
		return 0;
	db_bind_int64(s, 1, (int64_t)now);
	db_bind_text(s, 2, st->token);
	if (step_reset(st, s, "cannot refresh the import's claims") != 0)
		return -1;
	if (db_changes(st) != st->nclaims)
		return write_failed(st, NULL, "another import took this "
		    "capture over (this one was silent too long or judged dead)");
	st->beat = now;
	return 0;
}

static int
tx_begin(struct store *st)
{
	if (st->failed)
		return -1;
	if (st->in_tx)
		return 0;
	if (db_exec(st, st->be->begin_write) != 0)
		return write_failed(st, "cannot start a transaction", NULL);
	st->in_tx = true;
	return claims_check(st);
}

static int
tx_commit(struct store *st)
{
	if (st->failed)
		return -1;
	if (!st->in_tx)
		return 0;
	if (db_exec(st, "COMMIT") != 0)
		return write_failed(st, "cannot commit", NULL);
	st->in_tx = false;
	return 0;
}

/* ---- opening and closing ---------------------------------------------- */

static int
prepare(struct store *st)
{
	static const struct {
		size_t off;
		const char *sql;
	} q[] = {
		{ offsetof(struct store, ins_dialog),
		  "INSERT INTO dialogs(capture_id, seq, call_id, kind, state,"
		  " from_uri, to_uri, from_tag, first_method, start_ns, ring_ns,"
		  " answer_ns, end_ns, last_ns, initial_cseq, final_status, forks,"
		  " messages, retransmissions, dropped_messages, rtcp_packets,"
		  " evicted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		  " RETURNING id" },
		{ offsetof(struct store, ins_msg),
		  "INSERT INTO messages(dialog_id, cap_idx, frame, first_frame,"
		  " ts_ns, src, dst, transport, nfrags, ip_len, method, status,"
		  " call_id, cseq, retrans, retrans_times, raw)"
		  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" },
		{ offsetof(struct store, ins_stream),
		  "INSERT INTO streams(dialog_id, src, dst, ssrc, pt, codec,"
		  " clock_rate, packets, bytes, lost, dup, ooo, seq_jumps, jitter,"
		  " max_gap_ns, first_ns, last_ns, first_frame, last_frame,"
		  " rtcp_sr, rtcp_rr, rate_bucket_sec, rate, capture_id,"
		  " rate_base_sec, expected, audio_packets, cn_packets,"
		  " event_packets, ptime_ms, gap_ms)"
		  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		  "?,?,?,?,?)" },
		{ offsetof(struct store, ins_finding),
		  "INSERT INTO findings(dialog_id, detector, confidence, summary,"
		  " explanation, remediation) VALUES (?,?,?,?,?,?) RETURNING id" },
		{ offsetof(struct store, ins_evidence),
		  "INSERT INTO evidence(finding_id, cap_idx, frame, ts_ns, field,"
		  " value) VALUES (?,?,?,?,?,?)" },
		{ offsetof(struct store, ins_advisory),
		  "INSERT INTO advisories(dialog_id, detector, confidence, summary,"
		  " explanation, remediation) VALUES (?,?,?,?,?,?) RETURNING id" },
		{ offsetof(struct store, ins_adv_evidence),
		  "INSERT INTO advisory_evidence(advisory_id, cap_idx, frame, ts_ns,"
		  " field, value) VALUES (?,?,?,?,?,?)" },
		{ offsetof(struct store, ins_join),
		  "INSERT INTO joins(dialog_id, other_seq, call_id, segment,"
		  " other_first, other_affected, counted)"
		  " VALUES (?,?,?,?,?,?,?)" },
		{ offsetof(struct store, beat_stmt),
		  "UPDATE captures SET heartbeat = ? WHERE owner_token = ?"
		  " AND complete = 0" },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct db_stmt **sp =
		    (struct db_stmt **)(void *)((char *)st + q[i].off);

		if ((*sp = db_prepare(st, q[i].sql)) == NULL)
			return -1;
	}
	return 0;
}

bool
store_is_uri(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0;
}

void
store_redact(const char *target, char *out, size_t n)
{
	const char *scheme = strstr(target, "://"), *at, *colon, *q;
	size_t o = 0;

	if (!store_is_uri(target) || scheme == NULL) {
		snprintf(out, n, "%s", target);
		return;
	}
	scheme += 3;
	/* user:password@ in the authority (before the first '/'). */
	at = strchr(scheme, '@');
	q = strpbrk(scheme, "/?");
	colon = memchr(scheme, ':', at != NULL ? (size_t)(at - scheme) : 0);
	if (at != NULL && (q == NULL || at < q) && colon != NULL)
		o = (size_t)snprintf(out, n, "%.*s%.*s", (int)(colon - target),
		    target, (int)strcspn(at, "?"), at);
	else
		o = (size_t)snprintf(out, n, "%.*s", (int)strcspn(target, "?"),
		    target);
	/* password=... among the query parameters. */
	if ((q = strchr(scheme, '?')) != NULL && o < n) {
		char sep = '?';

		for (const char *p = q + 1; *p != '\0';) {
			size_t l = strcspn(p, "&");

			if (strncmp(p, "password=", 9) != 0 && l > 0 && o + 1 < n)
				o += (size_t)snprintf(out + o, n - o, "%c%.*s", sep,
				    (int)l, p);
			if (o >= n)
				break;
			if (strncmp(p, "password=", 9) != 0 && l > 0)
				sep = '&';
			p += l;
			if (*p == '&')
				p++;
		}
	}
}

struct store *
store_open(const char *target, bool writable, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (store_is_uri(target)) {
#ifdef HAVE_LIBPQ
		st->be = &store_pg_backend;
#else
		free(st);
		snprintf(err, errlen, "this sipalg-analyze was built without "
		    "PostgreSQL (configure found no libpq: apt-get install "
		    "libpq-dev, then configure and make again)");
		return NULL;
#endif
	} else {
		st->be = &store_sqlite_backend;
	}
	store_redact(target, st->name, sizeof(st->name));
	st->writable = writable;
	if (st->be->open(st, target, writable, err, errlen) != 0)
		goto fail;
	if (writable) {
		if (prepare(st) != 0) {
			snprintf(err, errlen, "cannot prepare statements: %s",
			    db_errmsg(st));
			goto fail;
		}
		owner_self(&st->me);
		owner_token(st->token);
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->nclaims > 0)
		(void)store_abort(st, NULL, 0);
	if (st->conn != NULL)
		tx_rollback(st);
	queue_drop(st);
	db_finalize(st->ins_dialog);
	db_finalize(st->ins_msg);
	db_finalize(st->ins_stream);
	db_finalize(st->ins_finding);
	db_finalize(st->ins_evidence);
	db_finalize(st->ins_advisory);
	db_finalize(st->ins_adv_evidence);
	db_finalize(st->ins_join);
	db_finalize(st->beat_stmt);
	st->be->close(st);
	free(st);
}

int
store_set_site(struct store *st, const char *site)
{
	if (site != NULL && strlen(site) >= sizeof(st->site))
		return -1;
	snprintf(st->site, sizeof(st->site), "%s", site ? site : "");
	return 0;
}

/* ---- claims ------------------------------------------------------------ */

static int flush(struct store *st);

enum store_have
store_has_capture(struct store *st, const char *sha)
{
	struct db_stmt *s;
	enum store_have h = STORE_ABSENT;

	if ((s = db_prepare(st, "SELECT max(complete) FROM captures"
	    " WHERE sha256 = ?")) == NULL)
		return STORE_ABSENT;
	db_bind_text(s, 1, sha);
	if (db_step(s) == DB_ROW &&
	    !db_is_null(s, 0))
		h = (int)db_col_int64(s, 0) ? STORE_COMPLETE : STORE_INCOMPLETE;
	db_finalize(s);
	return h;
}

static int
claim_index(const struct store *st, int64_t id)
{
	for (int i = 0; i < st->nclaims; i++)
		if (st->claims[i] == id)
			return i;
	return -1;
}

/*
 * Commits the transaction that ended claim k (completed or given up):
 * the claim leaves this handle's list only when the commit holds, so
 * store_abort still finds it otherwise.
 */
static int
commit_ending(struct store *st, int k)
{
	int64_t id = st->claims[k];

	st->claims[k] = st->claims[--st->nclaims];
	if (tx_commit(st) != 0) {
		st->claims[st->nclaims++] = id;
		return -1;
	}
	if (st->be->unhold != NULL)
		st->be->unhold(st, id);
	return 0;
}

/*
 * Whether the claim in row s (columns 0: id, 2..7: token, host, boot,
 * pid, start, heartbeat) is stale: no owner recorded (an import from
 * before schema 3), its importer is gone (the backend says how it
 * knows), or it cannot be checked and its heartbeat is older than
 * STORE_CLAIM_STALE_SEC.
 */
static bool
claim_stale(struct store *st, struct db_stmt *s, time_t now)
{
	struct owner o;
	const char *t;

	if (db_is_null(s, 5))
		return true;
	memset(&o, 0, sizeof(o));
	if ((t = db_col_text(s, 3)) != NULL)
		snprintf(o.host, sizeof(o.host), "%s", t);
	if ((t = db_col_text(s, 4)) != NULL)
		snprintf(o.boot, sizeof(o.boot), "%s", t);
	o.pid = db_col_int64(s, 5);
	o.start = db_is_null(s, 6) ? -1 :
	    db_col_int64(s, 6);
	switch (st->be->owner(st, db_col_int64(s, 0), &o)) {
	case OWNER_ALIVE:
		return false;
	case OWNER_DEAD:
		return true;
	default:
		return now - (time_t)db_col_int64(s, 7) >
		    STORE_CLAIM_STALE_SEC;
	}
}

/* Runs one statement with one integer and an optional text parameter;
 * returns the rows it changed, or -1 (kept as the write error). */
static int
run1(struct store *st, const char *sql, int64_t id, const char *text,
    const char *what)
{
	struct db_stmt *s;

	if ((s = db_prepare(st, sql)) == NULL)
		return write_failed(st, what, NULL);
	db_bind_int64(s, 1, id);
	if (text != NULL)
		db_bind_text(s, 2, text);
	if (step_reset(st, s, what) != 0) {
		db_finalize(s);
		return -1;
	}
	db_finalize(s);
	return (int)db_changes(st);
}

/*
 * What the store holds for sha: a complete copy (*complete, its id), and a claim
 * that is ours (STORE_REPEATED), live (STORE_BUSY, err says whose) or
 * stale (*stale = its id).  Returns STORE_CLAIMED when nothing stands in
 * the way, STORE_ERROR on a read error.
 */
static enum store_claim
inspect(struct store *st, const char *sha, time_t now, int64_t *complete,
    int64_t *stale, char *err, size_t errlen)
{
	struct db_stmt *s;
	enum store_claim r = STORE_CLAIMED;
	int rc;

	*complete = 0;
	*stale = -1;
	if ((s = db_prepare(st, "SELECT id, complete, owner_token,"
	    " owner_host, owner_boot, owner_pid, owner_start, heartbeat,"
	    " imported_at FROM captures WHERE sha256 = ?")) == NULL)
		return STORE_ERROR;
	db_bind_text(s, 1, sha);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *tok = db_col_text(s, 2);
		const char *host = db_col_text(s, 3);
		const char *since = db_col_text(s, 8);

		if ((int)db_col_int64(s, 1) != 0) {
			*complete = db_col_int64(s, 0);
		} else if (tok != NULL &&
		    strcmp(tok, st->token) == 0) {
			r = STORE_REPEATED;
		} else if (!claim_stale(st, s, now)) {
			snprintf(err, errlen, "being imported by another process "
			    "(pid %lld on %s, since %s)",
			    (long long)db_col_int64(s, 5),
			    host ? host : "?",
			    since ? since : "?");
			r = STORE_BUSY;
		} else {
			*stale = db_col_int64(s, 0);
		}
	}
	db_finalize(s);
	return rc == DB_DONE ? r : STORE_ERROR;
}

enum store_claim
store_capture_claim(struct store *st, const char *path, const char *sha,
    uint64_t size, bool replace, int64_t *capture_id, char *err,
    size_t errlen)
{
	struct db_stmt *s = NULL;
	char now[32], site[1024], why[400];
	time_t t = time(NULL);
	struct tm tm;
	const char *slash = strrchr(path, '/');
	int64_t have_complete, stale;
	enum store_claim r;

	*capture_id = -1;
	if (st->nclaims >= STORE_MAX_CLAIMS) {
		snprintf(err, errlen, "more than %d captures in one import",
		    STORE_MAX_CLAIMS);
		return STORE_ERROR;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (st->site[0] != '\0')
		snprintf(site, sizeof(site), "%s", st->site);
	else
		snprintf(site, sizeof(site), "%.*s",
		    slash ? (int)(slash - path + 1) : 0, path);
	/* A live claim is reported at once, without waiting for the lock. */
	r = inspect(st, sha, t, &have_complete, &stale, err, errlen);
	if (r == STORE_BUSY || r == STORE_REPEATED)
		return r;
	/* Then again under the write lock, which decides. */
	if (flush(st) != 0)
		goto fail;
	if (st->be->lock_sha(st, sha) != 0)
		goto sqlfail;
	r = inspect(st, sha, t, &have_complete, &stale, err, errlen);
	if (r == STORE_ERROR)
		goto sqlfail;
	if (r != STORE_CLAIMED) {
		/* The batch flushed above is this run's: keep it. */
		if (tx_commit(st) != 0)
			goto fail;
		return r;
	}
	/* A dead importer's claim goes, with what it wrote. */
	if (stale > 0 && run1(st, "DELETE FROM captures WHERE id = ? AND"
	    " complete = 0", stale, NULL, "cannot remove a stale claim") < 0)
		goto fail;
	if (have_complete > 0 && !replace) {
		if (tx_commit(st) != 0)
			goto fail;
		*capture_id = have_complete;
		return STORE_DUPLICATE;
	}
	if ((s = db_prepare(st, "INSERT INTO captures(path, size, sha256,"
	    " complete, imported_at, site, owner_host, owner_boot, owner_pid,"
	    " owner_start, owner_token, heartbeat, advisories)"
	    " VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id")) == NULL)
		goto sqlfail;
	db_bind_text(s, 1, path);
	db_bind_int64(s, 2, (int64_t)size);
	db_bind_text(s, 3, sha);
	db_bind_text(s, 4, now);
	db_bind_text(s, 5, site);
	db_bind_text(s, 6, st->me.host);
	db_bind_text(s, 7, st->me.boot);
	db_bind_int64(s, 8, st->me.pid);
	if (st->me.start >= 0)
		db_bind_int64(s, 9, st->me.start);
	db_bind_text(s, 10, st->token);
	db_bind_int64(s, 11, (int64_t)t);
	if (db_step(s) != DB_ROW)
		goto sqlfail;
	*capture_id = db_col_int64(s, 0);
	db_finalize(s);
	s = NULL;
	if (st->be->hold != NULL && st->be->hold(st, *capture_id) != 0)
		goto sqlfail;
	st->claims[st->nclaims++] = *capture_id;
	if (tx_commit(st) != 0) {
		st->nclaims--;
		if (st->be->unhold != NULL)
			st->be->unhold(st, *capture_id);
		*capture_id = -1;
		goto fail;
	}
	st->beat = t;
	return STORE_CLAIMED;
sqlfail:
	snprintf(why, sizeof(why), "cannot claim the capture: %s",
	    db_errmsg(st));
	db_finalize(s);
	write_failed(st, NULL, why);
fail:
	snprintf(err, errlen, "%s", store_errmsg(st));
	return STORE_ERROR;
}

/* ---- writing ----------------------------------------------------------- */

/* Binds e's text, written into b (which must live until the step). */
static void
bind_ep(struct db_stmt *s, int col, const struct ep *e,
    char b[NETADDR_STRLEN])
{
	db_bind_text(s, col, ep_str(e, b, NETADDR_STRLEN));
}

static int
put_message(struct store *st, int64_t did, const struct dmsg *m)
{
	struct db_stmt *s = st->ins_msg;
	int64_t times[2 * DIALOG_RETRANS_KEPT];
	uint8_t tb[sizeof(times)];
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	uint32_t n = m->retrans < DIALOG_RETRANS_KEPT ? m->retrans :
	    DIALOG_RETRANS_KEPT;

	/* Retransmission times and frames, little-endian int64 pairs. */
	for (uint32_t i = 0; i < n; i++) {
		times[2 * i] = m->retrans_ns[i];
		times[2 * i + 1] = (int64_t)m->retrans_frame[i];
	}
	for (size_t i = 0; i < 2 * n; i++)
		for (int b = 0; b < 8; b++)
			/* cppcheck-suppress uninitvar ; times[0..2n) set above */
			tb[8 * i + b] = (uint8_t)((uint64_t)times[i] >> (8 * b));
	db_bind_int64(s, 1, did);
	db_bind_int64(s, 2, m->cap_idx);
	db_bind_int64(s, 3, (int64_t)m->frame);
	db_bind_int64(s, 4, (int64_t)m->first_frame);
	db_bind_int64(s, 5, m->ts_ns);
	bind_ep(s, 6, &m->src, src);
	bind_ep(s, 7, &m->dst, dst);
	db_bind_int64(s, 8, m->transport);
	db_bind_int64(s, 9, m->nfrags);
	db_bind_int64(s, 10, m->ip_len);
	db_bind_text(s, 11, m->m->method);
	db_bind_int64(s, 12, m->m->status);
	db_bind_text(s, 13, m->m->call_id);
	db_bind_int64(s, 14, m->m->cseq);
	db_bind_int64(s, 15, m->retrans);
	db_bind_blob(s, 16, tb, (16 * n));
	db_bind_blob(s, 17, m->m->raw, m->m->raw_len);
	return step_reset(st, s, "cannot store a message");
}

/* did 0: a stream no SDP announced (no dialog). */
static int
put_stream(struct store *st, int64_t cid, int64_t did,
    const struct rtp_stream *r)
{
	struct db_stmt *s = st->ins_stream;
	uint8_t rate[2 * CAP_RTP_RATE_SECONDS_STRIP];
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	uint32_t n = r->nrate < CAP_RTP_RATE_SECONDS_STRIP ? r->nrate :
	    CAP_RTP_RATE_SECONDS_STRIP;

	for (uint32_t i = 0; i < n; i++) {
		rate[2 * i] = (uint8_t)r->rate[i];
		rate[2 * i + 1] = (uint8_t)(r->rate[i] >> 8);
	}
	if (did > 0)
		db_bind_int64(s, 1, did);
	else
		db_bind_null(s, 1);
	db_bind_int64(s, 24, cid);
	db_bind_int64(s, 25, r->rate_base_sec);
	db_bind_int64(s, 26, (int64_t)rtp_stream_expected(r));
	bind_ep(s, 2, &r->src, src);
	bind_ep(s, 3, &r->dst, dst);
	db_bind_int64(s, 4, r->ssrc);
	db_bind_int64(s, 5, r->pt);
	db_bind_text(s, 6, r->codec);
	db_bind_int64(s, 7, r->clock_rate);
	db_bind_int64(s, 8, (int64_t)r->packets);
	db_bind_int64(s, 9, (int64_t)r->bytes);
	db_bind_int64(s, 10, (int64_t)r->lost);
	db_bind_int64(s, 11, (int64_t)r->dup);
	db_bind_int64(s, 12, (int64_t)r->ooo);
	db_bind_int64(s, 13, (int64_t)r->seq_jumps);
	db_bind_double(s, 14, r->jitter);
	db_bind_int64(s, 15, r->max_gap_ns);
	db_bind_int64(s, 16, r->first_ns);
	db_bind_int64(s, 17, r->last_ns);
	db_bind_int64(s, 18, r->first_frame);
	db_bind_int64(s, 19, r->last_frame);
	db_bind_int64(s, 20, (int64_t)r->rtcp_sr);
	db_bind_int64(s, 21, (int64_t)r->rtcp_rr);
	db_bind_int64(s, 22, r->rate_bucket_sec);
	db_bind_blob(s, 23, rate, (2 * n));
	db_bind_int64(s, 27, (int64_t)r->audio_packets);
	db_bind_int64(s, 28, (int64_t)r->cn_packets);
	db_bind_int64(s, 29, (int64_t)r->event_packets);
	db_bind_int64(s, 30, rtp_stream_ptime_ms(r));
	db_bind_int64(s, 31, rtp_stream_gap_ms(r));
	return step_reset(st, s, "cannot store a stream");
}

/* Findings f[0..n) of dialog did, with their evidence, through ins
 * and ins_ev (findings or advisories: the same shape). */
static int
put_findings(struct store *st, int64_t did, const struct finding *list,
    int n, struct db_stmt *ins, struct db_stmt *ins_ev)
{
	for (int i = 0; i < n; i++) {
		const struct finding *f = &list[i];
		struct db_stmt *s = ins;
		int64_t fid;

		db_bind_int64(s, 1, did);
		db_bind_text(s, 2, f->id ? f->id : "");
		db_bind_double(s, 3, f->confidence);
		db_bind_text(s, 4, f->summary);
		db_bind_text(s, 5, f->explanation ? f->explanation : "");
		db_bind_text(s, 6, f->remediation ? f->remediation : "");
		if (step_insert(st, s, "cannot store a finding", &fid) != 0)
			return -1;
		for (int k = 0; k < f->nev; k++) {
			const struct evidence *e = &f->ev[k];

			s = ins_ev;
			db_bind_int64(s, 1, fid);
			db_bind_int64(s, 2, e->cap_idx);
			db_bind_int64(s, 3, (int64_t)e->frame);
			db_bind_int64(s, 4, e->ts_ns);
			db_bind_text(s, 5, e->field);
			db_bind_text(s, 6, e->value);
			if (step_reset(st, s, "cannot store evidence") != 0)
				return -1;
		}
	}
	return 0;
}

/*
 * The join of dialog did (d->join: the same call seen as another dialog
 * of this run, numbered d->join.id).  The other's row is found when the
 * import ends (join_resolve): it may not be written yet.
 */
static int
put_join(struct store *st, int64_t did, const struct dialog *d)
{
	struct db_stmt *s = st->ins_join;
	const char *seg = rtp_segment_name((enum rtp_segment)d->join.segment);
	char counted[SYMPTOM_COUNT * (SYMPTOM_ID_MAX + 1) + 1];
	size_t o = 0;

	counted[0] = '\0';
	for (int k = 0; k < SYMPTOM_COUNT && k < 32; k++)
		if (d->join.counted & 1u << k)
			o += (size_t)snprintf(counted + o, sizeof(counted) - o,
			    "%s%s", o ? "," : "",
			    symptom_name((enum symptom_id)k));
	db_bind_int64(s, 1, did);
	db_bind_int64(s, 2, (int64_t)d->join.id);
	db_bind_text(s, 3, d->join.call_id);
	if (seg != NULL)
		db_bind_text(s, 4, seg);
	else
		db_bind_null(s, 4);
	db_bind_int64(s, 5, d->join.other_first);
	db_bind_int64(s, 6, d->join.other_affected);
	db_bind_text(s, 7, counted);
	return step_reset(st, s, "cannot store a join");
}

static int
write_dialog(struct store *st, int64_t capture_id, const struct dialog *d)
{
	struct db_stmt *s = st->ins_dialog;
	int64_t did;

	db_bind_int64(s, 1, capture_id);
	db_bind_int64(s, 2, (int64_t)d->id);
	db_bind_text(s, 3, d->call_id);
	db_bind_text(s, 4, dialog_kind_name(d->kind));
	db_bind_text(s, 5, dialog_state_name(d->state));
	db_bind_text(s, 6, d->from);
	db_bind_text(s, 7, d->to);
	db_bind_text(s, 8, d->from_tag);
	db_bind_text(s, 9, d->first_method);
	db_bind_int64(s, 10, d->start_ns);
	db_bind_int64(s, 11, d->ring_ns);
	db_bind_int64(s, 12, d->answer_ns);
	db_bind_int64(s, 13, d->end_ns);
	db_bind_int64(s, 14, d->last_ns);
	db_bind_int64(s, 15, d->initial_cseq);
	db_bind_int64(s, 16, d->final_status);
	db_bind_int64(s, 17, d->nforks);
	db_bind_int64(s, 18, (int64_t)d->nmsgs);
	db_bind_int64(s, 19, (int64_t)d->retrans_total);
	db_bind_int64(s, 20, (int64_t)d->dropped_msgs);
	db_bind_int64(s, 21, (int64_t)d->rtcp_packets);
	db_bind_int64(s, 22, d->evicted);
	if (step_insert(st, s, "cannot store a dialog", &did) != 0)
		return -1;
	if (d->join.id != 0 && put_join(st, did, d) != 0)
		return -1;
	for (size_t i = 0; i < d->nmsgs; i++)
		if (put_message(st, did, &d->msgs[i]) != 0)
			return -1;
	for (int i = 0; i < d->nstreams; i++)
		if (put_stream(st, capture_id, did, d->streams[i]) != 0)
			return -1;
	if (d->findings == NULL)
		return 0;
	if (put_findings(st, did, d->findings->f, d->findings->n,
	    st->ins_finding, st->ins_evidence) != 0)
		return -1;
	return put_findings(st, did, d->findings->adv, d->findings->nadv,
	    st->ins_advisory, st->ins_adv_evidence);
}

/*
 * Opens a write transaction (checking the claims) and writes the queue
 * into it; the caller adds its own statements and commits.
 */
static int
flush(struct store *st)
{
	if (tx_begin(st) != 0)
		return -1;
	for (int i = 0; i < st->nqd; i++)
		if (write_dialog(st, st->qdc[i], st->qd[i]) != 0)
			return -1;
	for (int i = 0; i < st->nqs; i++)
		if (put_stream(st, st->qsc[i], 0, st->qs[i]) != 0)
			return -1;
	queue_drop(st);
	return 0;
}

int
store_put_dialog(struct store *st, int64_t capture_id, struct dialog *d)
{
	if (st->failed) {
		dialog_free(d);
		return -1;
	}
	st->qd[st->nqd] = d;
	st->qdc[st->nqd++] = capture_id;
	if (st->nqd < STORE_BATCH)
		return 0;
	return flush(st) == 0 ? tx_commit(st) : -1;
}

int
store_put_stream(struct store *st, int64_t capture_id,
    const struct rtp_stream *r)
{
	struct rtp_stream *c;

	if (st->failed)
		return -1;
	if ((c = malloc(sizeof(*c))) == NULL)
		return write_failed(st, NULL, "out of memory");
	*c = *r;
	st->qs[st->nqs] = c;
	st->qsc[st->nqs++] = capture_id;
	if (st->nqs < STORE_BATCH)
		return 0;
	return flush(st) == 0 ? tx_commit(st) : -1;
}

int
store_tick(struct store *st)
{
	if (st->failed)
		return -1;
	if (st->nclaims == 0 || time(NULL) - st->beat < STORE_HEARTBEAT_SEC)
		return 0;
	return flush(st) == 0 ? tx_commit(st) : -1;
}

/*
 * The joins of the dialogs under this handle's claims get their other
 * dialog's row: the dialog of the same run (this handle's claims) with
 * the number the join names.  Every dialog of the run is written by the
 * first store_capture_end (the analysis is over), so the first resolves
 * them all, a join across two captures of the run included.  A join
 * whose other was not stored goes (nothing to show it with).
 */
static int
join_resolve(struct store *st)
{
	static const struct {
		const char *sql;
		int ntoken;               /* its parameters: the token */
	} q[] = {
		{ "UPDATE joins SET other_id = (SELECT o.id FROM dialogs o"
		" WHERE o.seq = joins.other_seq AND o.capture_id IN"
		" (SELECT id FROM captures WHERE owner_token = ? AND"
		" complete = 0) ORDER BY o.id LIMIT 1)"
		" WHERE other_id IS NULL AND dialog_id IN (SELECT d.id FROM"
		" dialogs d JOIN captures c ON c.id = d.capture_id"
		" WHERE c.owner_token = ? AND c.complete = 0)", 2 },
		{ "DELETE FROM joins WHERE other_id IS NULL AND dialog_id IN"
		" (SELECT d.id FROM dialogs d JOIN captures c"
		" ON c.id = d.capture_id WHERE c.owner_token = ? AND"
		" c.complete = 0)", 1 },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct db_stmt *s = db_prepare(st, q[i].sql);
		int rc;

		if (s == NULL)
			return write_failed(st, "cannot join the dialogs", NULL);
		for (int k = 1; k <= q[i].ntoken; k++)
			db_bind_text(s, k, st->token);
		rc = step_reset(st, s, "cannot join the dialogs");
		db_finalize(s);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
store_capture_end(struct store *st, int64_t capture_id,
    const struct capture_info *ci, const struct analysis_capstats *cs)
{
	struct db_stmt *s;
	int k = claim_index(st, capture_id), rc;

	if (k < 0)
		return write_failed(st, NULL, "capture not claimed by this import");
	if (flush(st) != 0 || join_resolve(st) != 0)
		return -1;
	if ((s = db_prepare(st, "UPDATE captures SET link = ?,"
	    " first_ns = ?, last_ns = ?, packets = ?, sip_messages = ?,"
	    " sip_retrans = ?, sip_udp = ?, sip_tcp = ?, sip_ws = ?,"
	    " sip_sctp = ?, keepalives = ?, dialogs = ?, rtp_streams = ?,"
	    " rtp_unannounced = ?, rtp_packets = ?, rtcp_packets = ?"
	    " WHERE id = ? AND owner_token = ? AND complete = 0")) == NULL)
		return write_failed(st, "cannot record the capture", NULL);
	db_bind_text(s, 1, ci->linkname ? ci->linkname : "");
	db_bind_int64(s, 2, ci->first_ns);
	db_bind_int64(s, 3, ci->last_ns);
	db_bind_int64(s, 4, (int64_t)ci->packets);
	db_bind_int64(s, 5, (int64_t)cs->sip_messages);
	db_bind_int64(s, 6, (int64_t)cs->sip_retrans);
	db_bind_int64(s, 7, (int64_t)cs->sip_udp);
	db_bind_int64(s, 8, (int64_t)cs->sip_tcp);
	db_bind_int64(s, 9, (int64_t)cs->sip_ws);
	db_bind_int64(s, 10, (int64_t)cs->sip_sctp);
	db_bind_int64(s, 11, (int64_t)cs->keepalives);
	db_bind_int64(s, 12, (int64_t)cs->dialogs);
	db_bind_int64(s, 13, (int64_t)cs->rtp_streams);
	db_bind_int64(s, 14, (int64_t)cs->rtp_unannounced);
	db_bind_int64(s, 15, (int64_t)cs->rtp_packets);
	db_bind_int64(s, 16, (int64_t)cs->rtcp_packets);
	db_bind_int64(s, 17, capture_id);
	db_bind_text(s, 18, st->token);
	rc = step_reset(st, s, "cannot record the capture");
	db_finalize(s);
	if (rc != 0)
		return -1;
	if (db_changes(st) != 1)
		return write_failed(st, NULL, "another import took this capture "
		    "over (this one was silent too long or judged dead)");
	if ((s = db_prepare(st, "INSERT INTO anomalies(capture_id, name,"
	    " count) VALUES (?, ?, ?)")) == NULL)
		return write_failed(st, "cannot record the anomalies", NULL);
	for (int i = 0; i < ANOMALY_COUNT && rc == 0; i++) {
		if (ci->an.n[i] == 0)
			continue;
		db_bind_int64(s, 1, capture_id);
		db_bind_text(s, 2, anomaly_name((enum anomaly_id)i));
		db_bind_int64(s, 3, (int64_t)ci->an.n[i]);
		rc = step_reset(st, s, "cannot record the anomalies");
	}
	db_finalize(s);
	if (rc != 0)
		return -1;
	/* The swap: the earlier copy goes, this one shows, in one commit. */
	if (run1(st, "DELETE FROM captures WHERE complete = 1 AND sha256 ="
	    " (SELECT sha256 FROM captures WHERE id = ?)", capture_id, NULL,
	    "cannot remove the earlier copy") < 0 ||
	    run1(st, "UPDATE captures SET complete = 1, owner_host = NULL,"
	    " owner_boot = NULL, owner_pid = NULL, owner_start = NULL,"
	    " owner_token = NULL, heartbeat = NULL WHERE id = ?", capture_id,
	    NULL, "cannot mark the capture complete") < 0)
		return -1;
	return commit_ending(st, k);
}

int
store_capture_abort(struct store *st, int64_t capture_id)
{
	int k = claim_index(st, capture_id);

	if (k < 0)
		return write_failed(st, NULL, "capture not claimed by this import");
	if (flush(st) != 0 ||
	    run1(st, "DELETE FROM captures WHERE id = ? AND owner_token = ?"
	    " AND complete = 0", capture_id, st->token,
	    "cannot give the claim up") < 0)
		return -1;
	return commit_ending(st, k);
}

int
store_abort(struct store *st, char *err, size_t errlen)
{
	struct db_stmt *s = NULL;
	char why[400];

	tx_rollback(st);
	queue_drop(st);
	if (st->nclaims == 0)
		return 0;
	if (db_exec(st, st->be->begin_write) != 0 ||
	    (s = db_prepare(st, "DELETE FROM captures WHERE"
	    " owner_token = ? AND complete = 0")) == NULL)
		goto fail;
	st->in_tx = true;
	db_bind_text(s, 1, st->token);
	if (db_step(s) != DB_DONE)
		goto fail;
	db_finalize(s);
	s = NULL;
	if (db_exec(st, "COMMIT") != 0)
		goto fail;
	st->in_tx = false;
	while (st->nclaims > 0)
		if (st->be->unhold != NULL)
			st->be->unhold(st, st->claims[--st->nclaims]);
		else
			st->nclaims--;
	return 0;
fail:
	snprintf(why, sizeof(why), "%s", db_errmsg(st));
	db_finalize(s);
	st->in_tx = true;
	tx_rollback(st);
	if (err != NULL)
		snprintf(err, errlen, "%s", why);
	return -1;
}
