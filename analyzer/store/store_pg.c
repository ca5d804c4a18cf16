/*
 * store_pg.c - the PostgreSQL backend of the store (store_int.h), through
 * libpq: one store for a team, many importers on many machines.
 *
 * Identity and schema version are rows of table sipalg_meta
 * (application = 'sipalg', schema_version = N) in the connection's
 * current schema; a schema that has tables and no sipalg_meta is not
 * ours, and is refused without a write.  Creating or migrating runs in
 * one transaction under a transaction-level advisory lock, so two first
 * importers do not both create.
 *
 * Statements are sent with PQexecParams (the server parses each; nothing
 * prepared is left in the session): text parameters, blobs as binary
 * parameters, results in text form (BYTEA as hex, doubles in their
 * shortest exact form: extra_float_digits = 3), so what is read back
 * equals, bit for bit, what SQLite gives back.  A result is fetched
 * whole: a read of one dialog's rows is small, but the listing of a
 * store's dialogs is held in memory while it is walked (a few hundred
 * bytes per dialog).
 *
 * Claims: an importer holds a session-level advisory lock on each claim
 * it owns, (class 'SALC', the claim's id).  The server releases it when
 * the session ends for any reason (the importer killed, its host gone,
 * the server restarted), so another importer can tell a live claim from
 * a dead one by trying the lock, from any machine.  Claiming a SHA-256
 * takes a transaction-level advisory lock on it ('SALG', its first 32
 * bits), which makes the check and the INSERT one step as SQLite's write
 * lock does; the partial unique index stays the final guard.
 * Notices are not printed (the library never prints).
 */
#include "config.h"

#ifdef HAVE_LIBPQ

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/text.h"
#include "store/store_int.h"

/* Advisory lock classes: claims of a SHA-256, live claims by id. */
#define PG_LOCK_SHA  0x53414c47     /* 'SALG' */
#define PG_LOCK_HELD 0x53414c43     /* 'SALC' */
#define PG_MAX_COLS  32

struct pg_stmt {
	struct db_stmt base;
	struct store *st;
	char *sql;                      /* in PostgreSQL's dialect */
	int nparams;
	const char *vals[STORE_MAX_PARAMS];
	int lens[STORE_MAX_PARAMS];
	int fmts[STORE_MAX_PARAMS];
	char num[STORE_MAX_PARAMS][32];
	PGresult *res;
	int row, nrows;
	bool ran;
	char *fixed[STORE_MAX_PARAMS];  /* texts made valid UTF-8 */
	uint8_t *blob[PG_MAX_COLS];     /* decoded BYTEA of the current row */
	size_t bloblen[PG_MAX_COLS];
};

#define CONN(st) ((PGconn *)(st)->conn)
#define PS(x) ((struct pg_stmt *)(void *)(x))

static void
no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Keeps the reason of a failed call (res may be NULL), noting a lost
 * connection. */
static void
pg_error(struct store *st, const PGresult *res)
{
	const char *m = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t l;

	if (m == NULL)
		m = PQerrorMessage(CONN(st));
	if (m == NULL || *m == '\0')
		m = "unknown error";
	if (PQstatus(CONN(st)) == CONNECTION_BAD)
		st->dead = true;
	snprintf(st->lasterr, sizeof(st->lasterr), "%s%s",
	    st->dead ? "connection lost: " : "", m);
	/* libpq ends its own messages with a newline, sometimes two lines. */
	l = strlen(st->lasterr);
	while (l > 0 && (st->lasterr[l - 1] == '\n' || st->lasterr[l - 1] == ' '))
		st->lasterr[--l] = '\0';
	for (char *p = st->lasterr; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

static int
pg_exec(struct store *st, const char *sql)
{
	char *q = store_sql_dialect(DIALECT_PG, sql);
	PGresult *r;
	int ok;

	if (q == NULL) {
		snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
		return -1;
	}
	r = PQexec(CONN(st), q);
	free(q);
	ok = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK);
	if (!ok)
		pg_error(st, r);
	PQclear(r);
	return ok ? 0 : -1;
}

/* Runs sql with text parameters; the result (caller clears) or NULL. */
static PGresult *
pg_query(struct store *st, const char *sql, int n, const char *const *v)
{
	PGresult *r = PQexecParams(CONN(st), sql, n, NULL, v, NULL, NULL, 0);

	if (r != NULL && (PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK))
		return r;
	pg_error(st, r);
	PQclear(r);
	return NULL;
}

/* The first column of the first row of sql as text ("" when none), or
 * -1 on error. */
static int
pg_value(struct store *st, const char *sql, int n, const char *const *v,
    char *out, size_t outlen)
{
	PGresult *r = pg_query(st, sql, n, v);

	if (r == NULL)
		return -1;
	snprintf(out, outlen, "%s", PQntuples(r) > 0 && PQnfields(r) > 0 &&
	    !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return 0;
}

/* ---- the statement interface ---- */

static struct db_stmt *
pg_prepare(struct store *st, const char *sql)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->sql = store_sql_dialect(DIALECT_PG, sql)) == NULL) {
		free(s);
		snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
		return NULL;
	}
	s->base.be = &store_pg_backend;
	s->st = st;
	/* As many parameters as "?" (now $1 ... $n). */
	for (const char *p = s->sql; (p = strchr(p, '$')) != NULL; p++)
		s->nparams++;
	if (s->nparams > STORE_MAX_PARAMS) {
		free(s->sql);
		free(s);
		snprintf(st->lasterr, sizeof(st->lasterr), "too many parameters");
		return NULL;
	}
	return &s->base;
}

static void
pg_blobs_free(struct pg_stmt *s)
{
	for (int i = 0; i < PG_MAX_COLS; i++) {
		free(s->blob[i]);
		s->blob[i] = NULL;
	}
}

static void
pg_bind_int64(struct db_stmt *x, int i, int64_t v)
{
	struct pg_stmt *s = PS(x);

	snprintf(s->num[i - 1], sizeof(s->num[0]), "%" PRId64, v);
	s->vals[i - 1] = s->num[i - 1];
	s->fmts[i - 1] = 0;
}

static void
pg_bind_double(struct db_stmt *x, int i, double v)
{
	struct pg_stmt *s = PS(x);

	snprintf(s->num[i - 1], sizeof(s->num[0]), "%.17g", v);
	s->vals[i - 1] = s->num[i - 1];
	s->fmts[i - 1] = 0;
}

/*
 * Text must be valid in the database's encoding (UTF-8), while a text
 * field taken from a packet (a Call-ID, a From URI, evidence) may hold
 * any bytes: an invalid byte becomes U+FFFD in the stored text (SQLite
 * keeps it).  The message itself is stored as bytes in both.
 */
static void
pg_bind_text(struct db_stmt *x, int i, const char *v)
{
	struct pg_stmt *s = PS(x);
	size_t len = v != NULL ? strlen(v) : 0, k, o = 0;
	uint32_t cp;
	char *fixed;

	s->vals[i - 1] = v;
	s->fmts[i - 1] = 0;
	for (k = 0; k < len; k += text_utf8_len((const uint8_t *)v + k,
	    len - k, &cp))
		if (text_utf8_len((const uint8_t *)v + k, len - k, &cp) == 0)
			break;
	if (k >= len || (fixed = malloc(3 * len + 1)) == NULL)
		return;
	for (k = 0; k < len;) {
		size_t n = text_utf8_len((const uint8_t *)v + k, len - k, &cp);

		if (n == 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			k++;
		} else {
			memcpy(fixed + o, v + k, n);
			o += n;
			k += n;
		}
	}
	fixed[o] = '\0';
	free(s->fixed[i - 1]);
	s->fixed[i - 1] = fixed;
	s->vals[i - 1] = fixed;
}

static void
pg_bind_blob(struct db_stmt *x, int i, const void *p, size_t n)
{
	struct pg_stmt *s = PS(x);

	s->vals[i - 1] = n > 0 ? p : "";
	s->lens[i - 1] = (int)n;
	s->fmts[i - 1] = 1;
}

static void
pg_bind_null(struct db_stmt *x, int i)
{
	PS(x)->vals[i - 1] = NULL;
}

static enum db_step
pg_step(struct db_stmt *x)
{
	struct pg_stmt *s = PS(x);
	struct store *st = s->st;

	pg_blobs_free(s);
	if (s->ran)
		return ++s->row < s->nrows ? DB_ROW : DB_DONE;
	s->ran = true;
	s->res = PQexecParams(CONN(st), s->sql, s->nparams, NULL, s->vals,
	    s->lens, s->fmts, 0);
	switch (s->res != NULL ? PQresultStatus(s->res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
		s->nrows = PQntuples(s->res);
		s->row = 0;
		st->nchanged = strtoll(PQcmdTuples(s->res), NULL, 10);
		return s->nrows > 0 ? DB_ROW : DB_DONE;
	case PGRES_COMMAND_OK:
		s->nrows = 0;
		st->nchanged = strtoll(PQcmdTuples(s->res), NULL, 10);
		return DB_DONE;
	default:
		pg_error(st, s->res);
		return DB_ERROR;
	}
}

static void
pg_reset(struct db_stmt *x)
{
	struct pg_stmt *s = PS(x);

	pg_blobs_free(s);
	PQclear(s->res);
	s->res = NULL;
	s->ran = false;
	s->nrows = s->row = 0;
	for (int i = 0; i < STORE_MAX_PARAMS; i++) {
		free(s->fixed[i]);
		s->fixed[i] = NULL;
	}
	memset(s->vals, 0, sizeof(s->vals));
	memset(s->lens, 0, sizeof(s->lens));
	memset(s->fmts, 0, sizeof(s->fmts));
}

static void
pg_finalize(struct db_stmt *x)
{
	pg_reset(x);
	free(PS(x)->sql);
	free(x);
}

static bool
pg_has(struct pg_stmt *s, int i)
{
	return s->res != NULL && s->row < s->nrows && i < PQnfields(s->res) &&
	    !PQgetisnull(s->res, s->row, i);
}

static bool
pg_is_null(struct db_stmt *x, int i)
{
	return !pg_has(PS(x), i);
}

static int64_t
pg_col_int64(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return pg_has(s, i) ? strtoll(PQgetvalue(s->res, s->row, i), NULL,
	    10) : 0;
}

static double
pg_col_double(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return pg_has(s, i) ? strtod(PQgetvalue(s->res, s->row, i), NULL) : 0;
}

static const char *
pg_col_text(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return pg_has(s, i) ? PQgetvalue(s->res, s->row, i) : NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A BYTEA column in text form: "\x" and two hex digits a byte
 * (bytea_output = hex, set at connection). */
static const uint8_t *
pg_col_blob(struct db_stmt *x, int i, size_t *n)
{
	struct pg_stmt *s = PS(x);
	const char *t;
	size_t l;

	*n = 0;
	if (!pg_has(s, i) || i >= PG_MAX_COLS)
		return NULL;
	if (s->blob[i] != NULL) {
		*n = s->bloblen[i];
		return s->blob[i];
	}
	t = PQgetvalue(s->res, s->row, i);
	l = strlen(t);
	if (l < 2 || t[0] != '\\' || t[1] != 'x')
		return NULL;
	if ((s->blob[i] = malloc(l / 2 + 1)) == NULL)
		return NULL;
	for (size_t k = 2; k + 1 < l; k += 2) {
		int hi = hexval(t[k]), lo = hexval(t[k + 1]);

		if (hi < 0 || lo < 0)
			break;
		s->blob[i][(*n)++] = (uint8_t)(hi << 4 | lo);
	}
	s->bloblen[i] = *n;
	return s->blob[i];
}

static int64_t
pg_changes(struct store *st)
{
	return st->nchanged;
}

static const char *
pg_errmsg(struct store *st)
{
	return st->lasterr[0] != '\0' ? st->lasterr : "no error";
}

static bool
pg_lost(struct store *st)
{
	return st->dead || (st->conn != NULL &&
	    PQstatus(CONN(st)) == CONNECTION_BAD);
}

/* ---- claims: advisory locks ---- */

/* Runs "SELECT f(class, key)" for a lock function f; its boolean result
 * in *got (true for the functions that return void). */
static int
pg_lock(struct store *st, const char *fn, int32_t cls, int32_t key,
    bool *got)
{
	char sql[96], a[16], b[16], v[8];
	const char *p[2] = { a, b };

	snprintf(sql, sizeof(sql), "SELECT %s($1::int4, $2::int4)", fn);
	snprintf(a, sizeof(a), "%" PRId32, cls);
	snprintf(b, sizeof(b), "%" PRId32, key);
	if (pg_value(st, sql, 2, p, v, sizeof(v)) != 0)
		return -1;
	*got = strcmp(v, "f") != 0;
	return 0;
}

static int
pg_lock_sha(struct store *st, const char *sha)
{
	uint32_t k = 0;
	bool got;

	for (int i = 0; i < 8 && hexval(sha[i]) >= 0; i++)
		k = k << 4 | (uint32_t)hexval(sha[i]);
	return pg_lock(st, "pg_advisory_xact_lock", PG_LOCK_SHA, (int32_t)k,
	    &got);
}

static int
pg_hold(struct store *st, int64_t id)
{
	bool got;

	return pg_lock(st, "pg_advisory_lock", PG_LOCK_HELD,
	    (int32_t)(uint32_t)id, &got);
}

static void
pg_unhold(struct store *st, int64_t id)
{
	bool got;

	if (!pg_lost(st))
		(void)pg_lock(st, "pg_advisory_unlock", PG_LOCK_HELD,
		    (int32_t)(uint32_t)id, &got);
}

/*
 * The importer of claim id is alive while some session holds its lock:
 * trying it (for the rest of the transaction, if any) says which.
 */
static enum owner_state
pg_owner(struct store *st, int64_t id, const struct owner *o)
{
	bool free_lock;

	(void)o;
	if (pg_lock(st, "pg_try_advisory_xact_lock", PG_LOCK_HELD,
	    (int32_t)(uint32_t)id, &free_lock) != 0)
		return OWNER_UNKNOWN;
	return free_lock ? OWNER_DEAD : OWNER_ALIVE;
}

/* ---- identity, schema, opening ---- */

/*
 * Reads what the database holds: *version 0 and *empty when the current
 * schema has no table at all; -1 with err when it is not ours (*foreign:
 * tables but no sipalg_meta, which is also what a first import that is
 * creating the schema at this moment looks like from outside its lock)
 * or newer.
 */
static int
check_identity(struct store *st, int64_t *version, bool *empty,
    bool *foreign, char *err, size_t n)
{
	char v[64], app[64];

	*version = 0;
	*empty = *foreign = false;
	if (pg_value(st, "SELECT CASE WHEN to_regclass('sipalg_meta') IS NULL"
	    " THEN (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname"
	    " = current_schema()) ELSE -1 END", 0, NULL, v, sizeof(v)) != 0)
		goto fail;
	if (strcmp(v, "-1") != 0) {
		if (strcmp(v, "0") == 0) {
			*empty = true;
			return 0;
		}
		*foreign = true;
		snprintf(err, n, "not a sipalg database (its schema holds %s "
		    "tables and no sipalg_meta); it was left untouched", v);
		return -1;
	}
	if (pg_value(st, "SELECT value FROM sipalg_meta WHERE name ="
	    " 'application'", 0, NULL, app, sizeof(app)) != 0 ||
	    pg_value(st, "SELECT value FROM sipalg_meta WHERE name ="
	    " 'schema_version'", 0, NULL, v, sizeof(v)) != 0)
		goto fail;
	if (strcmp(app, "sipalg") != 0) {
		snprintf(err, n, "not a sipalg database (sipalg_meta names "
		    "application '%.40s'); it was left untouched", app);
		return -1;
	}
	*version = strtoll(v, NULL, 10);
	return store_version_check(*version, false, err, n);
fail:
	snprintf(err, n, "cannot read the database: %s", st->lasterr);
	return -1;
}

/* Creates the schema or migrates it forward, in one transaction, under a
 * lock that makes concurrent first importers wait for each other. */
static int
create_or_migrate(struct store *st, char *err, size_t n)
{
	char sql[128];
	int64_t version;
	bool empty, foreign;

	if (pg_exec(st, "BEGIN") != 0) {
		snprintf(err, n, "cannot start a transaction: %s", st->lasterr);
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d, 0)",
	    PG_LOCK_SHA);
	if (pg_exec(st, sql) != 0) {
		snprintf(err, n, "cannot lock the database: %s", st->lasterr);
		goto fail_quiet;
	}
	if (check_identity(st, &version, &empty, &foreign, err, n) != 0)
		goto fail_quiet;
	for (int v = (int)version + 1; v <= STORE_SCHEMA_VERSION; v++)
		if (pg_exec(st, store_sql_step(DIALECT_PG, v)) != 0)
			goto fail;
	if (empty && (pg_exec(st, "CREATE TABLE sipalg_meta(name TEXT PRIMARY"
	    " KEY, value TEXT NOT NULL)") != 0 ||
	    pg_exec(st, "INSERT INTO sipalg_meta VALUES ('application',"
	    " 'sipalg'), ('schema_version', '0')") != 0))
		goto fail;
	snprintf(sql, sizeof(sql), "UPDATE sipalg_meta SET value = '%d' WHERE"
	    " name = 'schema_version'", STORE_SCHEMA_VERSION);
	if (pg_exec(st, sql) != 0 || pg_exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, n, "cannot create or migrate the schema: %s",
	    st->lasterr);
fail_quiet:
	(void)pg_exec(st, "ROLLBACK");
	return -1;
}

static int
pg_open(struct store *st, const char *uri, bool writable, char *err,
    size_t n)
{
	int64_t version = 0;
	bool empty = false, foreign = false;
	char v[16];

	st->conn = PQconnectdb(uri);
	if (st->conn == NULL) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (PQstatus(CONN(st)) != CONNECTION_OK) {
		pg_error(st, NULL);
		st->dead = false;
		snprintf(err, n, "cannot connect: %s", st->lasterr);
		return -1;
	}
	PQsetNoticeProcessor(CONN(st), no_notice, NULL);
	if (pg_exec(st, "SET client_encoding = 'UTF8'") != 0 ||
	    pg_exec(st, "SET extra_float_digits = 3") != 0 ||
	    pg_exec(st, "SET bytea_output = 'hex'") != 0 ||
	    pg_exec(st, "SET client_min_messages = 'warning'") != 0) {
		snprintf(err, n, "cannot configure the session: %s", st->lasterr);
		return -1;
	}
	/* A writer asks again under the lock (create_or_migrate): what looks
	 * foreign may be a schema another importer is creating. */
	if (check_identity(st, &version, &empty, &foreign, err, n) != 0 &&
	    !(writable && foreign))
		return -1;
	if (!writable) {
		if (empty) {
			snprintf(err, n, "the database is empty (no sipalg schema)");
			return -1;
		}
		if (store_version_check(version, true, err, n) != 0)
			return -1;
		st->version = (int)version;
		/* Nothing this handle runs can write, whatever the role. */
		return pg_exec(st, "SET default_transaction_read_only = on");
	}
	if ((empty || foreign || version < STORE_SCHEMA_VERSION) &&
	    create_or_migrate(st, err, n) != 0)
		return -1;
	st->version = STORE_SCHEMA_VERSION;
	/* A role that may only read: say so now, not at the first INSERT. */
	if (pg_value(st, "SELECT has_table_privilege('captures', 'INSERT,"
	    " UPDATE, DELETE') AND has_table_privilege('dialogs', 'INSERT')"
	    " AND has_table_privilege('messages', 'INSERT')", 0, NULL, v,
	    sizeof(v)) != 0) {
		snprintf(err, n, "cannot read the database: %s", st->lasterr);
		return -1;
	}
	if (strcmp(v, "t") != 0) {
		snprintf(err, n, "role '%s' may only read this database: reports "
		    "(--report) and sipalg-browse work with it; importing needs "
		    "INSERT, UPDATE and DELETE on its tables",
		    PQuser(CONN(st)));
		return -1;
	}
	return 0;
}

static void
pg_close(struct store *st)
{
	if (st->conn != NULL)
		PQfinish(CONN(st));
	st->conn = NULL;
}

const struct store_backend store_pg_backend = {
	.name = "PostgreSQL",
	.dialect = DIALECT_PG,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.is_null = pg_is_null,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.lost = pg_lost,
	.begin_write = "BEGIN",
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.end_read = "COMMIT",
	.lock_sha = pg_lock_sha,
	.hold = pg_hold,
	.unhold = pg_unhold,
	.owner = pg_owner,
};

#else

/* Built without libpq: store.c says so when given a URI. */
typedef int store_pg_unused;

#endif /* HAVE_LIBPQ */
