/*
 * store_sqlite.c - the SQLite backend of the store (store_int.h): one
 * file, nothing to run.
 *
 * Identity and schema live in the file header: PRAGMA application_id
 * ('SALG') says the file is ours, PRAGMA user_version its schema.  Both
 * are checked on a read-only handle before anything is written, so a
 * file that is not ours is never touched, not even by journal set-up.
 * Writers use WAL mode (readers do not wait for them) and put the file
 * back in rollback-journal mode when they close last, so a copy on
 * read-only media opens read-only; a file left in WAL mode by a killed
 * writer is read there as immutable when it has no unmerged log.
 * SQLite has one write lock per file: BEGIN IMMEDIATE takes it at the
 * start of a write transaction, which is what makes a claim's check and
 * insert one step; a claim's importer is alive when owner.c says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store/store_int.h"

/* Writers wait this long for another writer's transaction (a --replace
 * swap of a large capture deletes its old rows in one). */
#define STORE_BUSY_MS 120000

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

#define DB(st) ((sqlite3 *)(st)->conn)
#define SQ(x) (((struct sq_stmt *)(void *)(x))->s)

static void
seterr(char *err, size_t n, const char *what, sqlite3 *db)
{
	snprintf(err, n, "%s%s%s", what, db ? ": " : "",
	    db ? sqlite3_errmsg(db) : "");
}

/* ---- the statement interface ---- */

static int
sq_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(DB(st), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static struct db_stmt *
sq_prepare(struct store *st, const char *sql)
{
	struct sq_stmt *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->base.be = &store_sqlite_backend;
	if (sqlite3_prepare_v2(DB(st), sql, -1, &s->s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s->s);
		free(s);
		return NULL;
	}
	return &s->base;
}

static void
sq_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(SQ(s), i, (sqlite3_int64)v);
}

static void
sq_bind_double(struct db_stmt *s, int i, double v)
{
	sqlite3_bind_double(SQ(s), i, v);
}

static void
sq_bind_text(struct db_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(SQ(s), i, v, -1, SQLITE_STATIC);
}

static void
sq_bind_blob(struct db_stmt *s, int i, const void *p, size_t n)
{
	sqlite3_bind_blob(SQ(s), i, n ? p : "", (int)n, SQLITE_STATIC);
}

static void
sq_bind_null(struct db_stmt *s, int i)
{
	sqlite3_bind_null(SQ(s), i);
}

static enum db_step
sq_step(struct db_stmt *s)
{
	switch (sqlite3_step(SQ(s))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	default:
		return DB_ERROR;
	}
}

static void
sq_reset(struct db_stmt *s)
{
	sqlite3_reset(SQ(s));
	sqlite3_clear_bindings(SQ(s));
}

static void
sq_finalize(struct db_stmt *s)
{
	sqlite3_finalize(SQ(s));
	free(s);
}

static bool
sq_is_null(struct db_stmt *s, int i)
{
	return sqlite3_column_type(SQ(s), i) == SQLITE_NULL;
}

static int64_t
sq_col_int64(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(SQ(s), i);
}

static double
sq_col_double(struct db_stmt *s, int i)
{
	return sqlite3_column_double(SQ(s), i);
}

static const char *
sq_col_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(SQ(s), i);
}

static const uint8_t *
sq_col_blob(struct db_stmt *s, int i, size_t *n)
{
	const uint8_t *p = sqlite3_column_blob(SQ(s), i);

	*n = (size_t)sqlite3_column_bytes(SQ(s), i);
	return p;
}

static int64_t
sq_changes(struct store *st)
{
	return sqlite3_changes(DB(st));
}

static const char *
sq_errmsg(struct store *st)
{
	return st->conn != NULL ? sqlite3_errmsg(DB(st)) : "no database";
}

static bool
sq_lost(struct store *st)
{
	(void)st;
	return false;
}

static enum owner_state
sq_owner(struct store *st, int64_t id, const struct owner *o)
{
	(void)st;
	(void)id;
	return owner_check(o);
}

static int
sq_lock_sha(struct store *st, const char *sha)
{
	(void)st;
	(void)sha;
	return 0;
}

/* ---- identity, schema, opening and closing ---- */

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
 * anything is written.  A corrupt file fails the first read.  The three
 * reads are one read transaction (the caller's, or one begun here): as
 * separate statements each would see its own snapshot, and while another
 * importer creates the schema the header could be read from before its
 * commit and the tables from after it ("application_id 0" with tables).
 */
static int
check_identity(sqlite3 *db, int64_t *version, bool *empty, char *err,
    size_t n)
{
	int64_t appid = 0, tables = 0;
	bool own = sqlite3_get_autocommit(db) != 0;
	int rc;

	if (own && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		seterr(err, n, "cannot read the database", db);
		return -1;
	}
	rc = pragma_int(db, "PRAGMA application_id", &appid) != 0 ||
	    pragma_int(db, "PRAGMA user_version", version) != 0 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables) != 0;
	if (rc != 0) {
		/* Left as it failed: the caller reads the error code (a WAL
		 * file on read-only media) and closes the handle. */
		seterr(err, n, "cannot read the database", db);
		return -1;
	}
	if (own)
		(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	*empty = tables == 0 && appid == 0 && *version == 0;
	if (*empty)
		return 0;
	if (appid != STORE_APPLICATION_ID) {
		snprintf(err, n, "not a sipalg database (application_id %" PRId64
		    "); it was left untouched", appid);
		return -1;
	}
	return store_version_check(*version, false, err, n);
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

	if (sq_exec(st, "PRAGMA foreign_keys = OFF") != 0 ||
	    sq_exec(st, "BEGIN IMMEDIATE") != 0) {
		seterr(err, n, "cannot lock the database", DB(st));
		return -1;
	}
	if (check_identity(DB(st), &version, &empty, err, n) != 0) {
		(void)sq_exec(st, "ROLLBACK");
		return -1;
	}
	if (empty)
		version = 0;
	for (int v = (int)version + 1; v <= STORE_SCHEMA_VERSION; v++)
		if (sq_exec(st, store_sql_step(DIALECT_SQLITE, v)) != 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;",
	    STORE_APPLICATION_ID);
	if (sq_exec(st, sql) != 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;",
	    STORE_SCHEMA_VERSION);
	if (sq_exec(st, sql) != 0 || sq_exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	seterr(err, n, "cannot create or migrate the schema", DB(st));
	(void)sq_exec(st, "ROLLBACK");
	return -1;
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
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		st->conn = db;
		seterr(err, n, "cannot open", db);
		return -1;
	}
	st->conn = db;
	sqlite3_busy_timeout(db, 5000);
	if (check_identity(db, version, empty, err, n) == 0)
		return 0;
	if ((sqlite3_extended_errcode(db) & 0xff) != SQLITE_CANTOPEN ||
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
	sqlite3_close(db);
	st->conn = db = NULL;
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
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		st->conn = db;
		free(uri);
		seterr(err, n, "cannot open", db);
		return -1;
	}
	st->conn = db;
	free(uri);
	return check_identity(db, version, empty, err, n);
}

/* The journal mode the file is in after asking for mode. */
static bool
journal_mode(struct store *st, const char *mode)
{
	char sql[48];
	sqlite3_stmt *s;
	bool ok = false;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
	if (sqlite3_prepare_v2(DB(st), sql, -1, &s, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		ok = t != NULL && strcasecmp((const char *)t, mode) == 0;
	}
	sqlite3_finalize(s);
	return ok;
}

static int
sq_open(struct store *st, const char *path, bool writable, char *err,
    size_t errlen)
{
	int64_t version = 0;
	bool empty = false, exists;
	struct stat sb;
	sqlite3 *db = NULL;

	exists = stat(path, &sb) == 0;
	if (!exists && (errno != ENOENT || !writable)) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* A FIFO would block the open forever; a device is nobody's store. */
	if (exists && !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "not a regular file (%s); a database is a "
		    "plain file", file_kind(sb.st_mode));
		return -1;
	}
	/* Identity is checked on a read-only handle first, so a file that
	 * is not ours is never touched, not even by journal set-up. */
	if (exists) {
		if (open_readonly(st, path, &version, &empty, err, errlen) != 0)
			return -1;
	} else if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		st->conn = db;
		seterr(err, errlen, "cannot create", db);
		return -1;
	} else {
		st->conn = db;
		empty = true;
	}
	if (writable) {
		sqlite3_close(DB(st));
		st->conn = db = NULL;
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
			st->conn = db;
			seterr(err, errlen, "cannot open for writing", db);
			return -1;
		}
		st->conn = db;
		sqlite3_busy_timeout(db, STORE_BUSY_MS);
		/* Without WAL (a file system without shared memory) the store
		 * still works, with readers waiting for writers. */
		(void)journal_mode(st, "wal");
		if (sq_exec(st, "PRAGMA synchronous = NORMAL") != 0) {
			seterr(err, errlen, "cannot configure", db);
			return -1;
		}
		if ((empty || version < STORE_SCHEMA_VERSION) &&
		    create_or_migrate(st, err, errlen) != 0)
			return -1;
		if (sq_exec(st, "PRAGMA foreign_keys = ON") != 0) {
			seterr(err, errlen, "cannot configure", db);
			return -1;
		}
	} else if (empty) {
		snprintf(err, errlen, "the database is empty (no sipalg schema)");
		return -1;
	} else if (store_version_check(version, true, err, errlen) != 0) {
		return -1;
	}
	st->version = writable ? STORE_SCHEMA_VERSION : (int)version;
	return 0;
}

static void
sq_close(struct store *st)
{
	/*
	 * The last connection leaves the file in rollback-journal mode, so a
	 * copy of it on read-only media needs no -shm to be read.  With
	 * another connection open the switch fails at once (no busy wait)
	 * and the file stays in WAL mode for that one to finish.
	 */
	if (st->writable && st->conn != NULL) {
		sqlite3_busy_timeout(DB(st), 0);
		/* Merged as far as readers allow, even if the switch fails. */
		(void)sq_exec(st, "PRAGMA wal_checkpoint(PASSIVE)");
		(void)journal_mode(st, "delete");
	}
	sqlite3_close(DB(st));
	st->conn = NULL;
}

const struct store_backend store_sqlite_backend = {
	.name = "SQLite",
	.dialect = DIALECT_SQLITE,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.is_null = sq_is_null,
	.col_int64 = sq_col_int64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.changes = sq_changes,
	.errmsg = sq_errmsg,
	.lost = sq_lost,
	.begin_write = "BEGIN IMMEDIATE",
	.begin_read = NULL,
	.end_read = NULL,
	.lock_sha = sq_lock_sha,
	.hold = NULL,
	.unhold = NULL,
	.owner = sq_owner,
};
