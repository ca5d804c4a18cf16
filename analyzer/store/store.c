/*
 * store.c - the SQLite store (store.h).
 *
 * Schema history (PRAGMA user_version):
 *   1  captures, anomalies, dialogs, messages, streams, findings, evidence
 *   2  captures.site (the capture's folder, for "calls at site X"), and
 *      the inside/outside comparison tables diff_pairs and nat_mappings
 *   3  import claims: captures.sha256 unique among complete copies and
 *      among claims (two partial indexes, so a replacement is written
 *      beside the copy it replaces), the claim's owner and heartbeat,
 *      and capture ids never reused (AUTOINCREMENT)
 *   4  streams: the payload kinds (audio, comfort noise, telephone
 *      events) and the measured packetisation (ptime and inter-arrival
 *      medians, ms) the media detectors judge by (issue 15)
 * Migrations run forward in one transaction each; a newer schema than
 * STORE_SCHEMA_VERSION is refused before anything is written.
 *
 * Writes use prepared statements bound with explicit lengths (raw SIP bytes
 * are BLOBs), in transactions of STORE_BATCH dialogs; reads prepare their
 * statements once per store_read.  Claims, batches and the swap use
 * statements a server database has too (INSERT under a partial unique
 * index, UPDATE, DELETE with ON DELETE CASCADE, transactions), so a
 * PostgreSQL backend changes placeholders and BEGIN IMMEDIATE, and
 * replaces owner.c's pid check by a session lock; what is SQLite's own
 * (pragmas, journal modes, the read-only fallback, busy waits) sits in
 * the "SQLite" section below.
 *
 * Why claims and batches rather than one transaction per capture:
 * measured on a 200,000-dialog capture (a 920 MB database), both cost the
 * same CPU (39 s) and memory (50 MB resident), but one transaction grows
 * the write-ahead log to 926 MB (the disk space twice over until its
 * checkpoint) and holds SQLite's single write lock for the whole
 * analysis, so no other importer can claim or write meanwhile.  Batches
 * keep the log under 5 MB and hold the lock only while a batch is
 * written; the price is the claim bookkeeping and more bytes written
 * (3.9 GB against 2.5 GB: index pages rewritten at every checkpoint).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "detect/detect.h"
#include "store/owner.h"
#include "store/store.h"
#include "base/text.h"

/* Writers wait this long for another writer's transaction (a --replace
 * swap of a large capture deletes its old rows in one). */
#define STORE_BUSY_MS 120000
/* Captures one handle can hold claims on at once (CAP_FILES of a run). */
#define STORE_MAX_CLAIMS 256

/*
 * Rows wait in memory until a batch is full and are then written in one
 * short transaction: SQLite's write lock is held for milliseconds per
 * batch, never while the analysis runs, so another importer can claim
 * and write between batches.
 */
struct store {
	sqlite3 *db;
	bool writable;
	bool in_tx;
	bool failed;              /* a write failed: every later write fails */
	struct dialog *qd[STORE_BATCH];     /* queued dialogs (owned) */
	int64_t qdc[STORE_BATCH];           /* and their capture ids */
	int nqd;
	struct rtp_stream *qs[STORE_BATCH]; /* queued unannounced streams */
	int64_t qsc[STORE_BATCH];
	int nqs;
	int64_t claims[STORE_MAX_CLAIMS]; /* open claims of this handle */
	int nclaims;
	time_t beat;              /* last heartbeat written */
	struct owner me;
	char token[33];
	char err[512];            /* the first write error */
	sqlite3_stmt *ins_dialog, *ins_msg, *ins_stream, *ins_finding,
	    *ins_evidence, *beat_stmt;
};

static const char *const schema_v1 =
    "CREATE TABLE captures("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER,"
    " sha256 TEXT NOT NULL UNIQUE, link TEXT, first_ns INTEGER,"
    " last_ns INTEGER, packets INTEGER, sip_messages INTEGER,"
    " sip_retrans INTEGER, sip_udp INTEGER, sip_tcp INTEGER,"
    " sip_ws INTEGER, sip_sctp INTEGER, keepalives INTEGER,"
    " dialogs INTEGER, rtp_streams INTEGER, rtp_unannounced INTEGER,"
    " rtp_packets INTEGER, rtcp_packets INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0, imported_at TEXT NOT NULL);"
    "CREATE TABLE anomalies("
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (capture_id, name));"
    "CREATE TABLE dialogs("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " seq INTEGER, call_id TEXT, kind TEXT, state TEXT, from_uri TEXT,"
    " to_uri TEXT, from_tag TEXT, first_method TEXT, start_ns INTEGER,"
    " ring_ns INTEGER, answer_ns INTEGER, end_ns INTEGER, last_ns INTEGER,"
    " initial_cseq INTEGER, final_status INTEGER, forks INTEGER,"
    " messages INTEGER, retransmissions INTEGER, dropped_messages INTEGER,"
    " rtcp_packets INTEGER, evicted INTEGER);"
    "CREATE TABLE messages("
    " id INTEGER PRIMARY KEY,"
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " cap_idx INTEGER, frame INTEGER, first_frame INTEGER, ts_ns INTEGER,"
    " src TEXT, dst TEXT, transport INTEGER, nfrags INTEGER, ip_len INTEGER,"
    " method TEXT, status INTEGER, call_id TEXT, cseq INTEGER,"
    " retrans INTEGER, retrans_times BLOB, raw BLOB NOT NULL);"
    "CREATE TABLE streams("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " dialog_id INTEGER REFERENCES dialogs(id) ON DELETE CASCADE,"
    " src TEXT, dst TEXT, ssrc INTEGER, pt INTEGER, codec TEXT,"
    " clock_rate INTEGER, packets INTEGER, bytes INTEGER, lost INTEGER,"
    " dup INTEGER, ooo INTEGER, seq_jumps INTEGER, jitter REAL,"
    " max_gap_ns INTEGER, first_ns INTEGER, last_ns INTEGER,"
    " first_frame INTEGER, last_frame INTEGER, rtcp_sr INTEGER,"
    " rtcp_rr INTEGER, rate_bucket_sec INTEGER, rate BLOB,"
    " rate_base_sec INTEGER, expected INTEGER);"
    "CREATE TABLE findings("
    " id INTEGER PRIMARY KEY,"
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " detector TEXT NOT NULL, confidence REAL, summary TEXT,"
    " explanation TEXT, remediation TEXT);"
    "CREATE TABLE evidence("
    " finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,"
    " cap_idx INTEGER, frame INTEGER, ts_ns INTEGER, field TEXT, value TEXT);"
    "CREATE INDEX dialogs_capture ON dialogs(capture_id);"
    "CREATE INDEX dialogs_call_id ON dialogs(call_id);"
    "CREATE INDEX dialogs_start ON dialogs(start_ns);"
    "CREATE INDEX messages_dialog ON messages(dialog_id);"
    "CREATE INDEX streams_dialog ON streams(dialog_id);"
    "CREATE INDEX streams_capture ON streams(capture_id);"
    "CREATE INDEX findings_dialog ON findings(dialog_id);"
    "CREATE INDEX findings_detector ON findings(detector);"
    "CREATE INDEX evidence_finding ON evidence(finding_id);";

/* v1 -> v2: the capture's site, and the inside/outside comparison. */
static const char *const migrate_v2 =
    "ALTER TABLE captures ADD COLUMN site TEXT;"
    "UPDATE captures SET site = rtrim(path, replace(path, '/', ''));"
    "CREATE INDEX captures_site ON captures(site);"
    "CREATE TABLE diff_pairs("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " call_id TEXT, label TEXT, inside_frame INTEGER, outside_frame INTEGER,"
    " class TEXT NOT NULL, changes TEXT);"
    "CREATE INDEX diff_pairs_capture ON diff_pairs(capture_id);"
    "CREATE TABLE nat_mappings("
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " inside TEXT NOT NULL, outside TEXT NOT NULL, first_ns INTEGER,"
    " last_ns INTEGER);";


/*
 * v2 -> v3: captures rebuilt (SQLite cannot drop a UNIQUE constraint):
 * same columns in the same order, then the claim's owner.  Incomplete
 * rows of v2 (an interrupted import) become claims with no owner, which
 * are stale.  Runs with foreign keys off, as SQLite's table rebuild
 * requires; the other tables keep referring to "captures".
 */
#define CAPTURE_V2_COLUMNS "id, path, size, sha256, link, first_ns," \
	" last_ns, packets, sip_messages, sip_retrans, sip_udp, sip_tcp," \
	" sip_ws, sip_sctp, keepalives, dialogs, rtp_streams," \
	" rtp_unannounced, rtp_packets, rtcp_packets, complete, imported_at," \
	" site"
static const char *const migrate_v3 =
    "CREATE TABLE captures_v3("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, size INTEGER,"
    " sha256 TEXT NOT NULL, link TEXT, first_ns INTEGER,"
    " last_ns INTEGER, packets INTEGER, sip_messages INTEGER,"
    " sip_retrans INTEGER, sip_udp INTEGER, sip_tcp INTEGER,"
    " sip_ws INTEGER, sip_sctp INTEGER, keepalives INTEGER,"
    " dialogs INTEGER, rtp_streams INTEGER, rtp_unannounced INTEGER,"
    " rtp_packets INTEGER, rtcp_packets INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0, imported_at TEXT NOT NULL,"
    " site TEXT, owner_host TEXT, owner_boot TEXT, owner_pid INTEGER,"
    " owner_start INTEGER, owner_token TEXT, heartbeat INTEGER);"
    "INSERT INTO captures_v3(" CAPTURE_V2_COLUMNS ")"
    " SELECT " CAPTURE_V2_COLUMNS " FROM captures;"
    "DROP TABLE captures;"
    "ALTER TABLE captures_v3 RENAME TO captures;"
    "CREATE UNIQUE INDEX captures_sha256_complete ON captures(sha256)"
    " WHERE complete = 1;"
    "CREATE UNIQUE INDEX captures_sha256_claimed ON captures(sha256)"
    " WHERE complete = 0;"
    "CREATE INDEX captures_site ON captures(site);";

/* v3 -> v4: the streams' payload kinds and measured packetisation.
 * Older rows read NULL (0): the detectors then count every packet as
 * audio and take the packet time from the SDP, as before. */
static const char *const migrate_v4 =
    "ALTER TABLE streams ADD COLUMN audio_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN cn_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN event_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN ptime_ms INTEGER;"
    "ALTER TABLE streams ADD COLUMN gap_ms INTEGER;";

const char *
store_schema_step(int version)
{
	switch (version) {
	case 1:
		return schema_v1;
	case 2:
		return migrate_v2;
	case 3:
		return migrate_v3;
	case 4:
		return migrate_v4;
	default:
		return NULL;
	}
}
/* ---- errors and transactions ------------------------------------------ */

static void
seterr(char *err, size_t n, const char *what, sqlite3 *db)
{
	snprintf(err, n, "%s%s%s", what, db ? ": " : "",
	    db ? sqlite3_errmsg(db) : "");
}

const char *
store_errmsg(struct store *st)
{
	if (st == NULL || st->db == NULL)
		return "no database";
	return st->err[0] != '\0' ? st->err : sqlite3_errmsg(st->db);
}

static int
exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void
tx_rollback(struct store *st)
{
	if (st->in_tx)
		(void)exec(st, "ROLLBACK");
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
 * A write failed: keeps the first reason (why, else what and SQLite's
 * message, read before anything else touches the handle), rolls the
 * open batch back, and fails every later write.  Returns -1.
 */
static int
write_failed(struct store *st, const char *what, const char *why)
{
	if (!st->failed) {
		if (why != NULL)
			snprintf(st->err, sizeof(st->err), "%s", why);
		else
			snprintf(st->err, sizeof(st->err), "%s: %s", what,
			    sqlite3_errmsg(st->db));
		st->failed = true;
	}
	tx_rollback(st);
	queue_drop(st);
	return -1;
}

/* Steps an INSERT/UPDATE/DELETE once and resets it; -1 on error (kept). */
static int
step_reset(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	char why[400];

	if (rc != SQLITE_DONE)
		snprintf(why, sizeof(why), "%s: %s", what,
		    sqlite3_errmsg(st->db));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : write_failed(st, what, why);
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
	sqlite3_stmt *s = st->beat_stmt;
	time_t now = time(NULL);

	if (st->nclaims == 0)
		return 0;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
	sqlite3_bind_text(s, 2, st->token, -1, SQLITE_STATIC);
	if (step_reset(st, s, "cannot refresh the import's claims") != 0)
		return -1;
	if (sqlite3_changes(st->db) != st->nclaims)
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
	if (exec(st, "BEGIN IMMEDIATE") != 0)
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
	if (exec(st, "COMMIT") != 0)
		return write_failed(st, "cannot commit", NULL);
	st->in_tx = false;
	return 0;
}

/* ---- SQLite: identity, schema, opening and closing -------------------- */

static int
pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Checks that the file is ours (or empty) and of a schema we know, before
 * anything is written.  A corrupt file fails the first read.
 */
static int
check_identity(sqlite3 *db, int64_t *version, bool *empty, char *err,
    size_t n)
{
	int64_t appid = 0, tables = 0;

	if (pragma_int(db, "PRAGMA application_id", &appid) != 0 ||
	    pragma_int(db, "PRAGMA user_version", version) != 0 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables) != 0) {
		seterr(err, n, "cannot read the database", db);
		return -1;
	}
	*empty = tables == 0 && appid == 0 && *version == 0;
	if (*empty)
		return 0;
	if (appid != STORE_APPLICATION_ID) {
		snprintf(err, n, "not a sipalg database (application_id %" PRId64
		    "); it was left untouched", appid);
		return -1;
	}
	if (*version > STORE_SCHEMA_VERSION) {
		snprintf(err, n, "database schema %" PRId64 " is newer than this "
		    "program's %d; it was left untouched", *version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	if (*version < 1) {
		snprintf(err, n, "database has no sipalg schema; it was left "
		    "untouched");
		return -1;
	}
	return 0;
}

/*
 * Creates the schema or migrates it forward, in one transaction.  The
 * version is read again under the write lock: another importer may have
 * created or migrated the file since check_identity.  Foreign keys are
 * off meanwhile (a table rebuild needs it; the pragma is a no-op inside a
 * transaction).
 */
static int
create_or_migrate(struct store *st, char *err, size_t n)
{
	char sql[64];
	int64_t version = 0;
	bool empty = false;

	if (exec(st, "PRAGMA foreign_keys = OFF") != 0 ||
	    exec(st, "BEGIN IMMEDIATE") != 0) {
		seterr(err, n, "cannot lock the database", st->db);
		return -1;
	}
	if (check_identity(st->db, &version, &empty, err, n) != 0) {
		(void)exec(st, "ROLLBACK");
		return -1;
	}
	if (empty)
		version = 0;
	for (int v = (int)version + 1; v <= STORE_SCHEMA_VERSION; v++)
		if (exec(st, store_schema_step(v)) != 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;",
	    STORE_APPLICATION_ID);
	if (exec(st, sql) != 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION);
	if (exec(st, sql) != 0 || exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	seterr(err, n, "cannot create or migrate the schema", st->db);
	(void)exec(st, "ROLLBACK");
	return -1;
}

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
		  " evicted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" },
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
		  " explanation, remediation) VALUES (?,?,?,?,?,?)" },
		{ offsetof(struct store, ins_evidence),
		  "INSERT INTO evidence(finding_id, cap_idx, frame, ts_ns, field,"
		  " value) VALUES (?,?,?,?,?,?)" },
		{ offsetof(struct store, beat_stmt),
		  "UPDATE captures SET heartbeat = ? WHERE owner_token = ?"
		  " AND complete = 0" },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt **sp = (sqlite3_stmt **)(void *)((char *)st + q[i].off);

		if (sqlite3_prepare_v2(st->db, q[i].sql, -1, sp, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a plain file";
}

/* Whether the file's header says WAL mode (read and write versions 2). */
static bool
wal_header(const char *path)
{
	uint8_t h[20];
	FILE *f = fopen(path, "rb");
	bool wal;

	if (f == NULL)
		return false;
	wal = fread(h, 1, sizeof(h), f) == sizeof(h) && h[18] == 2 &&
	    h[19] == 2;
	fclose(f);
	return wal;
}

/*
 * Opens path read-only and checks it is ours.  A database in WAL mode
 * needs its shared-memory index (FILE-shm); where that cannot be created
 * (read-only media, a read-only directory) and no write-ahead log waits
 * to be merged, the file holds everything committed, and it is opened
 * immutable (SQLite then takes no lock and needs no index).  With a log
 * left, reading the file alone would silently miss its last commits:
 * refused with the reason.
 */
static int
open_readonly(struct store *st, const char *path, int64_t *version,
    bool *empty, char *err, size_t n)
{
	char walp[4096], *uri;
	struct stat sb;
	size_t ul = 0;

	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		seterr(err, n, "cannot open", st->db);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (check_identity(st->db, version, empty, err, n) == 0)
		return 0;
	if ((sqlite3_extended_errcode(st->db) & 0xff) != SQLITE_CANTOPEN ||
	    !wal_header(path))
		return -1;
	snprintf(walp, sizeof(walp), "%s-wal", path);
	if (stat(walp, &sb) == 0 && sb.st_size > 0) {
		snprintf(err, n, "cannot read the database: it was left in WAL "
		    "mode with a write-ahead log not merged yet (%s-wal), and "
		    "neither can be opened here (read-only media?): open it once "
		    "where it is writable, or copy both files to writable storage",
		    path);
		return -1;
	}
	sqlite3_close(st->db);
	st->db = NULL;
	/* file: URI, the path percent-encoded where URIs need it. */
	uri = malloc(3 * strlen(path) + 32);
	if (uri == NULL) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	/* "file://" (empty authority) before an absolute path, so that a
	 * path starting with // is not taken for a host name. */
	ul = (size_t)sprintf(uri, path[0] == '/' ? "file://" : "file:");
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			ul += (size_t)sprintf(uri + ul, "%%%02X", (unsigned char)*p);
		else
			uri[ul++] = *p;
	}
	strcpy(uri + ul, "?immutable=1");
	if (sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		free(uri);
		seterr(err, n, "cannot open", st->db);
		return -1;
	}
	free(uri);
	return check_identity(st->db, version, empty, err, n);
}

/* The journal mode the file is in after asking for mode. */
static bool
journal_mode(struct store *st, const char *mode)
{
	char sql[48];
	sqlite3_stmt *s;
	bool ok = false;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		ok = t != NULL && strcasecmp((const char *)t, mode) == 0;
	}
	sqlite3_finalize(s);
	return ok;
}

struct store *
store_open(const char *path, bool writable, char *err, size_t errlen)
{
	struct store *st;
	int64_t version = 0;
	bool empty = false, exists;
	struct stat sb;

	exists = stat(path, &sb) == 0;
	if (!exists && (errno != ENOENT || !writable)) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	/* A FIFO would block the open forever; a device is nobody's store. */
	if (exists && !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "not a regular file (%s); a database is a "
		    "plain file", file_kind(sb.st_mode));
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->writable = writable;
	/* Identity is checked on a read-only handle first, so a file that
	 * is not ours is never touched, not even by journal set-up. */
	if (exists) {
		if (open_readonly(st, path, &version, &empty, err, errlen) != 0)
			goto fail;
	} else if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		seterr(err, errlen, "cannot create", st->db);
		goto fail;
	} else {
		empty = true;
	}
	if (writable) {
		sqlite3_close(st->db);
		st->db = NULL;
		if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
			seterr(err, errlen, "cannot open for writing", st->db);
			goto fail;
		}
		sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
		/* Without WAL (a file system without shared memory) the store
		 * still works, with readers waiting for writers. */
		(void)journal_mode(st, "wal");
		if (exec(st, "PRAGMA synchronous = NORMAL") != 0) {
			seterr(err, errlen, "cannot configure", st->db);
			goto fail;
		}
		if ((empty || version < STORE_SCHEMA_VERSION) &&
		    create_or_migrate(st, err, errlen) != 0)
			goto fail;
		if (exec(st, "PRAGMA foreign_keys = ON") != 0 || prepare(st) != 0) {
			seterr(err, errlen, "cannot prepare statements", st->db);
			goto fail;
		}
		owner_self(&st->me);
		owner_token(st->token);
	} else if (empty) {
		snprintf(err, errlen, "the database is empty (no sipalg schema)");
		goto fail;
	} else if (version < STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema %" PRId64 " is older than "
		    "%d: open it once for writing (--db with a capture) to "
		    "migrate it", version, STORE_SCHEMA_VERSION);
		goto fail;
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
	tx_rollback(st);
	queue_drop(st);
	sqlite3_finalize(st->ins_dialog);
	sqlite3_finalize(st->ins_msg);
	sqlite3_finalize(st->ins_stream);
	sqlite3_finalize(st->ins_finding);
	sqlite3_finalize(st->ins_evidence);
	sqlite3_finalize(st->beat_stmt);
	/*
	 * The last connection leaves the file in rollback-journal mode, so a
	 * copy of it on read-only media needs no -shm to be read.  With
	 * another connection open the switch fails at once (no busy wait)
	 * and the file stays in WAL mode for that one to finish.
	 */
	if (st->writable && st->db != NULL) {
		sqlite3_busy_timeout(st->db, 0);
		/* Merged as far as readers allow, even if the switch fails. */
		(void)exec(st, "PRAGMA wal_checkpoint(PASSIVE)");
		(void)journal_mode(st, "delete");
	}
	sqlite3_close(st->db);
	free(st);
}

/* ---- claims ------------------------------------------------------------ */

static int flush(struct store *st);

enum store_have
store_has_capture(struct store *st, const char *sha)
{
	sqlite3_stmt *s;
	enum store_have h = STORE_ABSENT;

	if (sqlite3_prepare_v2(st->db, "SELECT max(complete) FROM captures"
	    " WHERE sha256 = ?", -1, &s, NULL) != SQLITE_OK)
		return STORE_ABSENT;
	sqlite3_bind_text(s, 1, sha, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		h = sqlite3_column_int(s, 0) ? STORE_COMPLETE : STORE_INCOMPLETE;
	sqlite3_finalize(s);
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
	return 0;
}

/*
 * Whether the claim in row s (columns 2..7: token, host, boot, pid,
 * start, heartbeat) is stale: no owner recorded (an import from before
 * schema 3), its process is gone, or it cannot be checked and its
 * heartbeat is older than STORE_CLAIM_STALE_SEC.
 */
static bool
claim_stale(sqlite3_stmt *s, time_t now)
{
	struct owner o;
	const unsigned char *t;

	if (sqlite3_column_type(s, 5) == SQLITE_NULL)
		return true;
	memset(&o, 0, sizeof(o));
	if ((t = sqlite3_column_text(s, 3)) != NULL)
		snprintf(o.host, sizeof(o.host), "%s", (const char *)t);
	if ((t = sqlite3_column_text(s, 4)) != NULL)
		snprintf(o.boot, sizeof(o.boot), "%s", (const char *)t);
	o.pid = sqlite3_column_int64(s, 5);
	o.start = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 6);
	switch (owner_check(&o)) {
	case OWNER_ALIVE:
		return false;
	case OWNER_DEAD:
		return true;
	default:
		return now - (time_t)sqlite3_column_int64(s, 7) >
		    STORE_CLAIM_STALE_SEC;
	}
}

/* Runs one statement with one integer and an optional text parameter;
 * returns the rows it changed, or -1 (kept as the write error). */
static int
run1(struct store *st, const char *sql, int64_t id, const char *text,
    const char *what)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return write_failed(st, what, NULL);
	sqlite3_bind_int64(s, 1, id);
	if (text != NULL)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	if (step_reset(st, s, what) != 0) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return sqlite3_changes(st->db);
}

/*
 * What the store holds for sha: a complete copy (*complete), and a claim
 * that is ours (STORE_REPEATED), live (STORE_BUSY, err says whose) or
 * stale (*stale = its id).  Returns STORE_CLAIMED when nothing stands in
 * the way, STORE_ERROR on a read error.
 */
static enum store_claim
inspect(struct store *st, const char *sha, time_t now, bool *complete,
    int64_t *stale, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	enum store_claim r = STORE_CLAIMED;
	int rc;

	*complete = false;
	*stale = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT id, complete, owner_token,"
	    " owner_host, owner_boot, owner_pid, owner_start, heartbeat,"
	    " imported_at FROM captures WHERE sha256 = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return STORE_ERROR;
	sqlite3_bind_text(s, 1, sha, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *tok = sqlite3_column_text(s, 2);
		const unsigned char *host = sqlite3_column_text(s, 3);
		const unsigned char *since = sqlite3_column_text(s, 8);

		if (sqlite3_column_int(s, 1) != 0) {
			*complete = true;
		} else if (tok != NULL &&
		    strcmp((const char *)tok, st->token) == 0) {
			r = STORE_REPEATED;
		} else if (!claim_stale(s, now)) {
			snprintf(err, errlen, "being imported by another process "
			    "(pid %lld on %s, since %s)",
			    (long long)sqlite3_column_int64(s, 5),
			    host ? (const char *)host : "?",
			    since ? (const char *)since : "?");
			r = STORE_BUSY;
		} else {
			*stale = sqlite3_column_int64(s, 0);
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? r : STORE_ERROR;
}

enum store_claim
store_capture_claim(struct store *st, const char *path, const char *sha,
    uint64_t size, bool replace, int64_t *capture_id, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char now[32], site[1024], why[400];
	time_t t = time(NULL);
	struct tm tm;
	const char *slash = strrchr(path, '/');
	bool have_complete;
	int64_t stale;
	enum store_claim r;

	*capture_id = -1;
	if (st->nclaims >= STORE_MAX_CLAIMS) {
		snprintf(err, errlen, "more than %d captures in one import",
		    STORE_MAX_CLAIMS);
		return STORE_ERROR;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(site, sizeof(site), "%.*s", slash ? (int)(slash - path + 1) : 0,
	    path);
	/* A live claim is reported at once, without waiting for the lock. */
	r = inspect(st, sha, t, &have_complete, &stale, err, errlen);
	if (r == STORE_BUSY || r == STORE_REPEATED)
		return r;
	/* Then again under the write lock, which decides. */
	if (flush(st) != 0)
		goto fail;
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
	if (have_complete && !replace) {
		if (tx_commit(st) != 0)
			goto fail;
		return STORE_DUPLICATE;
	}
	if (sqlite3_prepare_v2(st->db, "INSERT INTO captures(path, size, sha256,"
	    " complete, imported_at, site, owner_host, owner_boot, owner_pid,"
	    " owner_start, owner_token, heartbeat)"
	    " VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) !=
	    SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)size);
	sqlite3_bind_text(s, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, st->me.host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, st->me.boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, st->me.pid);
	if (st->me.start >= 0)
		sqlite3_bind_int64(s, 9, st->me.start);
	sqlite3_bind_text(s, 10, st->token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)t);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(s);
	*capture_id = sqlite3_last_insert_rowid(st->db);
	st->claims[st->nclaims++] = *capture_id;
	if (tx_commit(st) != 0) {
		st->nclaims--;
		*capture_id = -1;
		goto fail;
	}
	st->beat = t;
	return STORE_CLAIMED;
sqlfail:
	snprintf(why, sizeof(why), "cannot claim the capture: %s",
	    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	write_failed(st, NULL, why);
fail:
	snprintf(err, errlen, "%s", store_errmsg(st));
	return STORE_ERROR;
}

/* ---- writing ----------------------------------------------------------- */

static void
bind_ep(sqlite3_stmt *s, int col, const struct ep *e)
{
	char b[NETADDR_STRLEN];

	sqlite3_bind_text(s, col, ep_str(e, b, sizeof(b)), -1, SQLITE_TRANSIENT);
}

static int
put_message(struct store *st, int64_t did, const struct dmsg *m)
{
	sqlite3_stmt *s = st->ins_msg;
	int64_t times[2 * DIALOG_RETRANS_KEPT];
	uint8_t tb[sizeof(times)];
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
	sqlite3_bind_int64(s, 1, did);
	sqlite3_bind_int64(s, 2, m->cap_idx);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)m->frame);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)m->first_frame);
	sqlite3_bind_int64(s, 5, m->ts_ns);
	bind_ep(s, 6, &m->src);
	bind_ep(s, 7, &m->dst);
	sqlite3_bind_int(s, 8, m->transport);
	sqlite3_bind_int(s, 9, m->nfrags);
	sqlite3_bind_int64(s, 10, m->ip_len);
	sqlite3_bind_text(s, 11, m->m->method, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 12, m->m->status);
	sqlite3_bind_text(s, 13, m->m->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, m->m->cseq);
	sqlite3_bind_int64(s, 15, m->retrans);
	sqlite3_bind_blob(s, 16, tb, (int)(16 * n), SQLITE_STATIC);
	sqlite3_bind_blob(s, 17, m->m->raw, (int)m->m->raw_len, SQLITE_STATIC);
	return step_reset(st, s, "cannot store a message");
}

/* did 0: a stream no SDP announced (no dialog). */
static int
put_stream(struct store *st, int64_t cid, int64_t did,
    const struct rtp_stream *r)
{
	sqlite3_stmt *s = st->ins_stream;
	uint8_t rate[2 * CAP_RTP_RATE_SECONDS_STRIP];
	uint32_t n = r->nrate < CAP_RTP_RATE_SECONDS_STRIP ? r->nrate :
	    CAP_RTP_RATE_SECONDS_STRIP;

	for (uint32_t i = 0; i < n; i++) {
		rate[2 * i] = (uint8_t)r->rate[i];
		rate[2 * i + 1] = (uint8_t)(r->rate[i] >> 8);
	}
	if (did > 0)
		sqlite3_bind_int64(s, 1, did);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 24, cid);
	sqlite3_bind_int64(s, 25, r->rate_base_sec);
	sqlite3_bind_int64(s, 26, (sqlite3_int64)rtp_stream_expected(r));
	bind_ep(s, 2, &r->src);
	bind_ep(s, 3, &r->dst);
	sqlite3_bind_int64(s, 4, r->ssrc);
	sqlite3_bind_int(s, 5, r->pt);
	sqlite3_bind_text(s, 6, r->codec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, r->clock_rate);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)r->packets);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)r->bytes);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)r->lost);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)r->dup);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)r->ooo);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)r->seq_jumps);
	sqlite3_bind_double(s, 14, r->jitter);
	sqlite3_bind_int64(s, 15, r->max_gap_ns);
	sqlite3_bind_int64(s, 16, r->first_ns);
	sqlite3_bind_int64(s, 17, r->last_ns);
	sqlite3_bind_int64(s, 18, r->first_frame);
	sqlite3_bind_int64(s, 19, r->last_frame);
	sqlite3_bind_int64(s, 20, (sqlite3_int64)r->rtcp_sr);
	sqlite3_bind_int64(s, 21, (sqlite3_int64)r->rtcp_rr);
	sqlite3_bind_int64(s, 22, r->rate_bucket_sec);
	sqlite3_bind_blob(s, 23, rate, (int)(2 * n), SQLITE_STATIC);
	sqlite3_bind_int64(s, 27, (sqlite3_int64)r->audio_packets);
	sqlite3_bind_int64(s, 28, (sqlite3_int64)r->cn_packets);
	sqlite3_bind_int64(s, 29, (sqlite3_int64)r->event_packets);
	sqlite3_bind_int(s, 30, rtp_stream_ptime_ms(r));
	sqlite3_bind_int(s, 31, rtp_stream_gap_ms(r));
	return step_reset(st, s, "cannot store a stream");
}

static int
put_findings(struct store *st, int64_t did, const struct findings *fs)
{
	for (int i = 0; fs != NULL && i < fs->n; i++) {
		const struct finding *f = &fs->f[i];
		sqlite3_stmt *s = st->ins_finding;
		int64_t fid;

		sqlite3_bind_int64(s, 1, did);
		sqlite3_bind_text(s, 2, f->id ? f->id : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 3, f->confidence);
		sqlite3_bind_text(s, 4, f->summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, f->explanation ? f->explanation : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(s, 6, f->remediation ? f->remediation : "", -1,
		    SQLITE_STATIC);
		if (step_reset(st, s, "cannot store a finding") != 0)
			return -1;
		fid = sqlite3_last_insert_rowid(st->db);
		for (int k = 0; k < f->nev; k++) {
			const struct evidence *e = &f->ev[k];

			s = st->ins_evidence;
			sqlite3_bind_int64(s, 1, fid);
			sqlite3_bind_int64(s, 2, e->cap_idx);
			sqlite3_bind_int64(s, 3, (sqlite3_int64)e->frame);
			sqlite3_bind_int64(s, 4, e->ts_ns);
			sqlite3_bind_text(s, 5, e->field, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 6, e->value, -1, SQLITE_STATIC);
			if (step_reset(st, s, "cannot store evidence") != 0)
				return -1;
		}
	}
	return 0;
}

static int
write_dialog(struct store *st, int64_t capture_id, const struct dialog *d)
{
	sqlite3_stmt *s = st->ins_dialog;
	int64_t did;

	sqlite3_bind_int64(s, 1, capture_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)d->id);
	sqlite3_bind_text(s, 3, d->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, dialog_kind_name(d->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, dialog_state_name(d->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, d->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, d->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, d->from_tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, d->first_method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, d->start_ns);
	sqlite3_bind_int64(s, 11, d->ring_ns);
	sqlite3_bind_int64(s, 12, d->answer_ns);
	sqlite3_bind_int64(s, 13, d->end_ns);
	sqlite3_bind_int64(s, 14, d->last_ns);
	sqlite3_bind_int64(s, 15, d->initial_cseq);
	sqlite3_bind_int(s, 16, d->final_status);
	sqlite3_bind_int(s, 17, d->nforks);
	sqlite3_bind_int64(s, 18, (sqlite3_int64)d->nmsgs);
	sqlite3_bind_int64(s, 19, (sqlite3_int64)d->retrans_total);
	sqlite3_bind_int64(s, 20, (sqlite3_int64)d->dropped_msgs);
	sqlite3_bind_int64(s, 21, (sqlite3_int64)d->rtcp_packets);
	sqlite3_bind_int(s, 22, d->evicted);
	if (step_reset(st, s, "cannot store a dialog") != 0)
		return -1;
	did = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < d->nmsgs; i++)
		if (put_message(st, did, &d->msgs[i]) != 0)
			return -1;
	for (int i = 0; i < d->nstreams; i++)
		if (put_stream(st, capture_id, did, d->streams[i]) != 0)
			return -1;
	return put_findings(st, did, d->findings);
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

int
store_capture_end(struct store *st, int64_t capture_id,
    const struct capture_info *ci, const struct analysis_capstats *cs)
{
	sqlite3_stmt *s;
	int k = claim_index(st, capture_id), rc;

	if (k < 0)
		return write_failed(st, NULL, "capture not claimed by this import");
	if (flush(st) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE captures SET link = ?,"
	    " first_ns = ?, last_ns = ?, packets = ?, sip_messages = ?,"
	    " sip_retrans = ?, sip_udp = ?, sip_tcp = ?, sip_ws = ?,"
	    " sip_sctp = ?, keepalives = ?, dialogs = ?, rtp_streams = ?,"
	    " rtp_unannounced = ?, rtp_packets = ?, rtcp_packets = ?"
	    " WHERE id = ? AND owner_token = ? AND complete = 0", -1, &s,
	    NULL) != SQLITE_OK)
		return write_failed(st, "cannot record the capture", NULL);
	sqlite3_bind_text(s, 1, ci->linkname ? ci->linkname : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ci->first_ns);
	sqlite3_bind_int64(s, 3, ci->last_ns);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)ci->packets);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)cs->sip_messages);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)cs->sip_retrans);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)cs->sip_udp);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)cs->sip_tcp);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)cs->sip_ws);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)cs->sip_sctp);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)cs->keepalives);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)cs->dialogs);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)cs->rtp_streams);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)cs->rtp_unannounced);
	sqlite3_bind_int64(s, 15, (sqlite3_int64)cs->rtp_packets);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)cs->rtcp_packets);
	sqlite3_bind_int64(s, 17, capture_id);
	sqlite3_bind_text(s, 18, st->token, -1, SQLITE_STATIC);
	rc = step_reset(st, s, "cannot record the capture");
	sqlite3_finalize(s);
	if (rc != 0)
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return write_failed(st, NULL, "another import took this capture "
		    "over (this one was silent too long or judged dead)");
	if (sqlite3_prepare_v2(st->db, "INSERT INTO anomalies(capture_id, name,"
	    " count) VALUES (?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return write_failed(st, "cannot record the anomalies", NULL);
	for (int i = 0; i < ANOMALY_COUNT && rc == 0; i++) {
		if (ci->an.n[i] == 0)
			continue;
		sqlite3_bind_int64(s, 1, capture_id);
		sqlite3_bind_text(s, 2, anomaly_name((enum anomaly_id)i), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)ci->an.n[i]);
		rc = step_reset(st, s, "cannot record the anomalies");
	}
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	char why[400];

	tx_rollback(st);
	queue_drop(st);
	if (st->nclaims == 0)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE") != 0 ||
	    sqlite3_prepare_v2(st->db, "DELETE FROM captures WHERE"
	    " owner_token = ? AND complete = 0", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	st->in_tx = true;
	sqlite3_bind_text(s, 1, st->token, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	if (exec(st, "COMMIT") != 0)
		goto fail;
	st->in_tx = false;
	st->nclaims = 0;
	return 0;
fail:
	snprintf(why, sizeof(why), "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	st->in_tx = true;
	tx_rollback(st);
	if (err != NULL)
		snprintf(err, errlen, "%s", why);
	return -1;
}

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

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

static int
lookup_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return 0;
}

/*
 * The statements store_read runs once per dialog, prepared once per
 * store_read (preparing them per dialog cost half of a report's time).
 */
struct readq {
	sqlite3_stmt *msgs, *streams, *loose, *findings, *evidence;
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
	" audio_packets, cn_packets, event_packets, ptime_ms, gap_ms"
	" FROM streams WHERE dialog_id IS NULL"
	" AND capture_id IN (SELECT id FROM captures WHERE complete = 1)"
	" ORDER BY id",
	"SELECT id, detector, confidence,"
	" summary, explanation, remediation FROM findings WHERE"
	" dialog_id = ? ORDER BY id",
	"SELECT cap_idx, frame, ts_ns, field,"
	" value FROM evidence WHERE finding_id = ? ORDER BY rowid",
};

static int
readq_prepare(sqlite3 *db, struct readq *q)
{
	sqlite3_stmt **v[] = { &q->msgs, &q->streams, &q->loose, &q->findings,
	    &q->evidence };

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (sqlite3_prepare_v2(db, readq_sql[i], -1, v[i], NULL) !=
		    SQLITE_OK)
			return -1;
	return 0;
}

static void
readq_fini(struct readq *q)
{
	sqlite3_finalize(q->msgs);
	sqlite3_finalize(q->streams);
	sqlite3_finalize(q->loose);
	sqlite3_finalize(q->findings);
	sqlite3_finalize(q->evidence);
}

static int
read_messages(sqlite3_stmt *s, int64_t did, struct dialog *d)
{
	int rc;

	sqlite3_bind_int64(s, 1, did);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const uint8_t *raw = sqlite3_column_blob(s, 11);
		int rawlen = sqlite3_column_bytes(s, 11);
		const uint8_t *tb = sqlite3_column_blob(s, 10);
		int tlen = sqlite3_column_bytes(s, 10);
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
		dm->cap_idx = (uint32_t)sqlite3_column_int64(s, 0);
		dm->frame = (uint64_t)sqlite3_column_int64(s, 1);
		dm->first_frame = (uint64_t)sqlite3_column_int64(s, 2);
		dm->ts_ns = sqlite3_column_int64(s, 3);
		parse_ep(col_text(s, 4), &dm->src);
		parse_ep(col_text(s, 5), &dm->dst);
		dm->transport = (uint8_t)sqlite3_column_int(s, 6);
		dm->nfrags = (uint16_t)sqlite3_column_int(s, 7);
		dm->ip_len = (uint32_t)sqlite3_column_int64(s, 8);
		dm->retrans = (uint32_t)sqlite3_column_int64(s, 9);
		for (int i = 0; i + 16 <= tlen && i / 16 < DIALOG_RETRANS_KEPT;
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
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Streams of dialog did (s = the dialog query, d != NULL), or the
 * unannounced streams of every complete capture (s = the loose query),
 * in the order they were stored, handed to on_stream one by one
 * (d == NULL).
 */
static int
read_streams(sqlite3_stmt *s, int64_t did, struct dialog *d,
    void (*on_stream)(void *, const struct rtp_stream *), void *user)
{
	int rc;

	if (d != NULL)
		sqlite3_bind_int64(s, 1, did);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    (d == NULL || d->nstreams < CAP_DIALOG_STREAMS)) {
		struct rtp_stream *r = calloc(1, sizeof(*r));
		const uint8_t *rate = sqlite3_column_blob(s, 21);
		int nrate = sqlite3_column_bytes(s, 21) / 2;
		struct ep src, dst;

		if (r == NULL)
			break;
		parse_ep(col_text(s, 0), &src);
		parse_ep(col_text(s, 1), &dst);
		rtp_stream_init(r, &src, &dst,
		    (uint32_t)sqlite3_column_int64(s, 2));
		r->pt = sqlite3_column_int(s, 3);
		snprintf(r->codec, sizeof(r->codec), "%s", col_text(s, 4));
		r->clock_rate = (uint32_t)sqlite3_column_int64(s, 5);
		r->packets = (uint64_t)sqlite3_column_int64(s, 6);
		r->bytes = (uint64_t)sqlite3_column_int64(s, 7);
		r->lost = (uint64_t)sqlite3_column_int64(s, 8);
		r->dup = (uint64_t)sqlite3_column_int64(s, 9);
		r->ooo = (uint64_t)sqlite3_column_int64(s, 10);
		r->seq_jumps = (uint64_t)sqlite3_column_int64(s, 11);
		r->jitter = sqlite3_column_double(s, 12);
		r->max_gap_ns = sqlite3_column_int64(s, 13);
		r->first_ns = sqlite3_column_int64(s, 14);
		r->last_ns = sqlite3_column_int64(s, 15);
		r->first_frame = sqlite3_column_int64(s, 16);
		r->last_frame = sqlite3_column_int64(s, 17);
		r->rtcp_sr = (uint64_t)sqlite3_column_int64(s, 18);
		r->rtcp_rr = (uint64_t)sqlite3_column_int64(s, 19);
		r->rate_bucket_sec = (uint32_t)sqlite3_column_int64(s, 20);
		for (int i = 0; i < nrate && i < CAP_RTP_RATE_SECONDS_STRIP; i++)
			r->rate[i] = (uint16_t)(rate[2 * i] | (rate[2 * i + 1] << 8));
		r->nrate = (uint32_t)(nrate < CAP_RTP_RATE_SECONDS_STRIP ? nrate :
		    CAP_RTP_RATE_SECONDS_STRIP);
		r->rate_base_sec = (uint32_t)sqlite3_column_int64(s, 22);
		/*
		 * The sequence tracker is not stored, only what it concluded:
		 * the expected count comes back as the "prior epochs" part
		 * with an empty current epoch (max_seq + 1 == base_seq).
		 */
		r->probation_done = true;
		r->expected_prior = (uint64_t)sqlite3_column_int64(s, 23);
		r->audio_packets = (uint64_t)sqlite3_column_int64(s, 24);
		r->cn_packets = (uint64_t)sqlite3_column_int64(s, 25);
		r->event_packets = (uint64_t)sqlite3_column_int64(s, 26);
		rtp_stream_restore_ptime(r, sqlite3_column_int(s, 27),
		    sqlite3_column_int(s, 28));
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
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Findings come back into one allocation holding the struct findings and
 * the texts that are static strings in a live analysis (id, explanation,
 * remediation), so dialog_free's single free() releases everything.
 */
static int
read_findings(const struct readq *q, int64_t did, struct dialog *d)
{
	sqlite3_stmt *s = q->findings, *e = q->evidence;
	struct findings *fs = NULL;
	size_t textcap = 0, textlen = 0;
	char *text = NULL;
	size_t off_id[DETECT_MAX_FINDINGS], off_ex[DETECT_MAX_FINDINGS],
	    off_re[DETECT_MAX_FINDINGS];

	sqlite3_bind_int64(s, 1, did);
	/* Best effort: a step error just ends the list (rc was never read). */
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct finding *f;
		const char *t[3] = { col_text(s, 1), col_text(s, 4),
		    col_text(s, 5) };
		size_t *offs[3];

		if (fs == NULL && (fs = calloc(1, sizeof(*fs))) == NULL)
			break;
		if (fs->n >= DETECT_MAX_FINDINGS)
			break;
		offs[0] = &off_id[fs->n];
		offs[1] = &off_ex[fs->n];
		offs[2] = &off_re[fs->n];
		for (int k = 0; k < 3; k++) {
			size_t l = strlen(t[k]) + 1;

			if (textlen + l > textcap) {
				size_t nc = (textlen + l) * 2;
				char *nt = realloc(text, nc);

				if (nt == NULL)
					goto out;
				text = nt;
				textcap = nc;
			}
			memcpy(text + textlen, t[k], l);
			*offs[k] = textlen;
			textlen += l;
		}
		f = &fs->f[fs->n++];
		f->confidence = sqlite3_column_double(s, 2);
		snprintf(f->summary, sizeof(f->summary), "%s", col_text(s, 3));
		sqlite3_bind_int64(e, 1, sqlite3_column_int64(s, 0));
		while (sqlite3_step(e) == SQLITE_ROW && f->nev < DETECT_MAX_EVIDENCE) {
			struct evidence *v = &f->ev[f->nev++];

			v->cap_idx = (uint32_t)sqlite3_column_int64(e, 0);
			v->frame = (uint64_t)sqlite3_column_int64(e, 1);
			v->ts_ns = sqlite3_column_int64(e, 2);
			snprintf(v->field, sizeof(v->field), "%s", col_text(e, 3));
			snprintf(v->value, sizeof(v->value), "%s", col_text(e, 4));
		}
		sqlite3_reset(e);
	}
out:
	sqlite3_reset(s);
	sqlite3_reset(e);
	if (fs != NULL) {
		/* Move findings and texts into one block. */
		struct findings *blk = malloc(sizeof(*fs) + textlen);

		if (blk != NULL) {
			char *base = (char *)(blk + 1);

			memcpy(blk, fs, sizeof(*fs));
			if (textlen > 0)
				memcpy(base, text, textlen);
			/*
			 * NOLINTBEGIN(clang-analyzer-core.UndefinedBinaryOperatorResult):
			 * blk->n == fs->n and off_*[0..n) were set with each
			 * fs->n++; the analyzer loses n through the memcpy.
			 */
			for (int i = 0; i < blk->n; i++) {
				blk->f[i].id = base + off_id[i];
				blk->f[i].explanation = base + off_ex[i];
				blk->f[i].remediation = base + off_re[i];
			}
			/* NOLINTEND(clang-analyzer-core.UndefinedBinaryOperatorResult) */
		}
		d->findings = blk;
		free(fs);
	}
	free(text);
	return 0;
}

int
store_read(struct store *st,
    void (*on_capture)(void *user, const struct store_capture *c),
    bool (*on_dialog)(void *user, struct dialog *d),
    void (*on_stream)(void *user, const struct rtp_stream *s), void *user,
    char *err, size_t errlen)
{
	static const char *const kinds[] = { "call", "register", "options",
	    "subscribe", "message", "other" };
	static const char *const states[] = { "setup", "ringing", "in call",
	    "completed", "cancelled", "rejected", "busy", "diverted", "failed" };
	sqlite3_stmt *c = NULL, *s = NULL, *a = NULL;
	struct readq q;
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc, ret = -1;

	if (readq_prepare(st->db, &q) != 0) {
		seterr(err, errlen, "cannot read the database", st->db);
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT id, path, size, sha256, link,"
	    " first_ns, last_ns, packets, sip_messages, sip_retrans, sip_udp,"
	    " sip_tcp, sip_ws, sip_sctp, keepalives, dialogs, rtp_streams,"
	    " rtp_unannounced, rtp_packets, rtcp_packets FROM captures"
	    " WHERE complete = 1 ORDER BY id", -1, &c, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT d.id, d.seq, d.call_id, d.kind,"
	    " d.state, d.from_uri, d.to_uri, d.from_tag, d.first_method,"
	    " d.start_ns, d.ring_ns, d.answer_ns, d.end_ns, d.last_ns,"
	    " d.initial_cseq, d.final_status, d.forks, d.retransmissions,"
	    " d.dropped_messages, d.rtcp_packets, d.evicted, d.capture_id"
	    " FROM dialogs d JOIN captures c ON c.id = d.capture_id"
	    " WHERE c.complete = 1 ORDER BY d.id", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT name, count FROM anomalies"
	    " WHERE capture_id = ?", -1, &a, NULL) != SQLITE_OK) {
		seterr(err, errlen, "cannot read the database", st->db);
		goto out;
	}
	/* Captures first, so a dialog's cap_idx is its capture's position. */
	while ((rc = sqlite3_step(c)) == SQLITE_ROW) {
		struct store_capture sc;
		int64_t cid = sqlite3_column_int64(c, 0);
		int64_t *nid = realloc(ids, (nids + 1) * sizeof(*ids));

		if (nid == NULL)
			goto out;
		ids = nid;
		ids[nids++] = cid;
		memset(&sc, 0, sizeof(sc));
		sc.id = cid;
		sc.complete = true;
		sc.info.path = strdup(col_text(c, 1));
		sc.info.size = (uint64_t)sqlite3_column_int64(c, 2);
		snprintf(sc.sha256, sizeof(sc.sha256), "%s", col_text(c, 3));
		snprintf(sc.link, sizeof(sc.link), "%s", col_text(c, 4));
		sc.info.linkname = sc.link;
		sc.info.first_ns = sqlite3_column_int64(c, 5);
		sc.info.last_ns = sqlite3_column_int64(c, 6);
		sc.info.packets = (uint64_t)sqlite3_column_int64(c, 7);
		sc.stats.sip_messages = (uint64_t)sqlite3_column_int64(c, 8);
		sc.stats.sip_retrans = (uint64_t)sqlite3_column_int64(c, 9);
		sc.stats.sip_udp = (uint64_t)sqlite3_column_int64(c, 10);
		sc.stats.sip_tcp = (uint64_t)sqlite3_column_int64(c, 11);
		sc.stats.sip_ws = (uint64_t)sqlite3_column_int64(c, 12);
		sc.stats.sip_sctp = (uint64_t)sqlite3_column_int64(c, 13);
		sc.stats.keepalives = (uint64_t)sqlite3_column_int64(c, 14);
		sc.stats.dialogs = (uint64_t)sqlite3_column_int64(c, 15);
		sc.stats.rtp_streams = (uint64_t)sqlite3_column_int64(c, 16);
		sc.stats.rtp_unannounced = (uint64_t)sqlite3_column_int64(c, 17);
		sc.stats.rtp_packets = (uint64_t)sqlite3_column_int64(c, 18);
		sc.stats.rtcp_packets = (uint64_t)sqlite3_column_int64(c, 19);
		sqlite3_bind_int64(a, 1, cid);
		while (sqlite3_step(a) == SQLITE_ROW) {
			int id = anomaly_lookup(col_text(a, 0));

			if (id >= 0)
				sc.info.an.n[id] = (uint64_t)sqlite3_column_int64(a, 1);
		}
		sqlite3_reset(a);
		if (on_capture)
			on_capture(user, &sc);
		free(sc.info.path);
	}
	if (rc != SQLITE_DONE) {
		seterr(err, errlen, "cannot read captures", st->db);
		goto out;
	}
	/* Dialogs in the order they were stored, across captures. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct dialog *d = calloc(1, sizeof(*d));
		int64_t did = sqlite3_column_int64(s, 0);
		int64_t cid = sqlite3_column_int64(s, 21);

		if (d == NULL)
			goto out;
		for (size_t i = 0; i < nids; i++)
			if (ids[i] == cid)
				d->cap_idx = (uint32_t)i;
		d->id = (uint64_t)sqlite3_column_int64(s, 1);
		snprintf(d->call_id, sizeof(d->call_id), "%s", col_text(s, 2));
		d->kind = (enum dialog_kind)lookup_name(kinds, 6, col_text(s, 3));
		d->state = (enum dialog_state)lookup_name(states, 9,
		    col_text(s, 4));
		snprintf(d->from, sizeof(d->from), "%s", col_text(s, 5));
		snprintf(d->to, sizeof(d->to), "%s", col_text(s, 6));
		snprintf(d->from_tag, sizeof(d->from_tag), "%s", col_text(s, 7));
		snprintf(d->first_method, sizeof(d->first_method), "%s",
		    col_text(s, 8));
		d->start_ns = sqlite3_column_int64(s, 9);
		d->ring_ns = sqlite3_column_int64(s, 10);
		d->answer_ns = sqlite3_column_int64(s, 11);
		d->end_ns = sqlite3_column_int64(s, 12);
		d->last_ns = sqlite3_column_int64(s, 13);
		d->initial_cseq = (uint32_t)sqlite3_column_int64(s, 14);
		d->final_status = sqlite3_column_int(s, 15);
		d->nforks = sqlite3_column_int(s, 16);
		d->retrans_total = (uint64_t)sqlite3_column_int64(s, 17);
		d->dropped_msgs = (uint64_t)sqlite3_column_int64(s, 18);
		d->rtcp_packets = (uint64_t)sqlite3_column_int64(s, 19);
		d->evicted = sqlite3_column_int(s, 20) != 0;
		if (read_messages(q.msgs, did, d) != 0 ||
		    read_streams(q.streams, did, d, NULL, NULL) != 0 ||
		    read_findings(&q, did, d) != 0) {
			dialog_free(d);
			seterr(err, errlen, "cannot read a dialog", st->db);
			goto out;
		}
		if (!on_dialog || !on_dialog(user, d))
			dialog_free(d);
	}
	if (rc != SQLITE_DONE) {
		seterr(err, errlen, "cannot read dialogs", st->db);
		goto out;
	}
	if (read_streams(q.loose, 0, NULL, on_stream, user) != 0) {
		seterr(err, errlen, "cannot read streams", st->db);
		goto out;
	}
	ret = 0;
out:
	readq_fini(&q);
	sqlite3_finalize(s);
	sqlite3_finalize(a);
	sqlite3_finalize(c);
	free(ids);
	return ret;
}
