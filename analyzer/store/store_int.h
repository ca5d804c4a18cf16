/*
 * store_int.h - what the store's front (store.c) shares with its two
 * backends (store_sqlite.c, store_pg.c) and the SQL (store_sql.c).
 *
 * store.c holds the logic of claims, batches, the swap and reading back,
 * written once over a small statement interface (prepare, bind, step,
 * column, reset), with portable SQL: "?" placeholders, INSERT ...
 * RETURNING id, partial unique indexes, ON DELETE CASCADE.  Each backend
 * implements that interface on its client library and adds what only it
 * has: opening and identifying a database (SQLite: a file, pragmas,
 * journal modes, the read-only fallback; PostgreSQL: a connection, the
 * sipalg_meta table), how a transaction that writes begins, and how a
 * claim's importer is known to be alive (SQLite: owner.c's pid check;
 * PostgreSQL: a session advisory lock, which the server drops with the
 * connection).  store_sql.c holds the one schema and the dialect table
 * that turns it (and every statement) into PostgreSQL's SQL.
 */
#ifndef SIPALG_STORE_INT_H
#define SIPALG_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store/owner.h"
#include "store/store.h"

/* Captures one handle can hold claims on at once (CAP_FILES of a run). */
#define STORE_MAX_CLAIMS 256
/*
 * The oldest schema a read-only handle reads as it is (older ones must be
 * migrated by opening them for writing): 4 lacks only the advisories,
 * which are then worked out again (captures.advisories NULL), and 4 and
 * 5 the joins (none then: each dialog shown and counted on its own).
 */
#define STORE_READABLE_VERSION 4
/* Parameters of the widest statement (a stream: 31). */
#define STORE_MAX_PARAMS 32

enum db_step { DB_ROW, DB_DONE, DB_ERROR };

/* A prepared statement; each backend's statement starts with this. */
struct db_stmt {
	const struct store_backend *be;
};

enum store_dialect { DIALECT_SQLITE, DIALECT_PG };

struct store_backend {
	const char *name;               /* "SQLite", "PostgreSQL" */
	enum store_dialect dialect;
	/*
	 * Connects to target, checks that it is a sipalg database of a
	 * schema we know (never modifying one that is not), and when
	 * writable creates or migrates the schema.  Sets st->conn.
	 * Returns 0, or -1 with a reason in err.
	 */
	int (*open)(struct store *st, const char *target, bool writable,
	    char *err, size_t n);
	/* Disconnects (st->conn may be NULL). */
	void (*close)(struct store *st);
	/* Runs SQL without results (several statements for SQLite, one for
	 * PostgreSQL); 0 or -1. */
	int (*exec)(struct store *st, const char *sql);
	/* NULL on error (db_errmsg says why). */
	struct db_stmt *(*prepare)(struct store *st, const char *sql);
	/*
	 * Parameters count from 1.  Text and blobs are not copied: they
	 * must stay valid until the statement is stepped.
	 */
	void (*bind_int64)(struct db_stmt *s, int i, int64_t v);
	void (*bind_double)(struct db_stmt *s, int i, double v);
	void (*bind_text)(struct db_stmt *s, int i, const char *v);
	void (*bind_blob)(struct db_stmt *s, int i, const void *p, size_t n);
	void (*bind_null)(struct db_stmt *s, int i);
	enum db_step (*step)(struct db_stmt *s);
	/* Ready to run again, bindings cleared. */
	void (*reset)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	/* Columns count from 0, of the current row. */
	bool (*is_null)(struct db_stmt *s, int i);
	int64_t (*col_int64)(struct db_stmt *s, int i);
	double (*col_double)(struct db_stmt *s, int i);
	const char *(*col_text)(struct db_stmt *s, int i);   /* NULL: null */
	const uint8_t *(*col_blob)(struct db_stmt *s, int i, size_t *n);
	/* Rows changed by the last INSERT/UPDATE/DELETE run. */
	int64_t (*changes)(struct store *st);
	/* The last error's text; whether the connection is gone. */
	const char *(*errmsg)(struct store *st);
	bool (*lost)(struct store *st);
	/* Opens a transaction that will write ("BEGIN IMMEDIATE": SQLite
	 * takes its one write lock at once). */
	const char *begin_write;
	/* Opens and ends a read of many statements that must see one
	 * snapshot; NULL when every statement does (SQLite's read
	 * transaction spans the nested statements of store_read). */
	const char *begin_read, *end_read;
	/* In a write transaction: until it ends, no other importer can
	 * claim this SHA-256 (SQLite: its write lock does it already). */
	int (*lock_sha)(struct store *st, const char *sha);
	/* Marks claim id as this live connection's (PostgreSQL: a session
	 * lock), and gives the mark up; NULL when owner.c suffices. */
	int (*hold)(struct store *st, int64_t id);
	void (*unhold)(struct store *st, int64_t id);
	/* Whether the importer of claim id, recorded as o, still runs. */
	enum owner_state (*owner)(struct store *st, int64_t id,
	    const struct owner *o);
};

extern const struct store_backend store_sqlite_backend;
#ifdef HAVE_LIBPQ
extern const struct store_backend store_pg_backend;
#endif

/*
 * Rows wait in memory until a batch is full and are then written in one
 * short transaction: the write lock is held for milliseconds per batch,
 * never while the analysis runs, so another importer can claim and write
 * between batches.
 */
struct store {
	const struct store_backend *be;
	void *conn;               /* sqlite3 * or PGconn * */
	char name[1024];          /* the target as messages show it */
	bool writable;
	int version;              /* the schema as opened (read-only: may be
	                           * older, down to STORE_READABLE_VERSION) */
	bool in_tx;
	bool number_in_read;      /* store_number_in_read */
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
	char site[256];           /* store_set_site; "" = the folder */
	char err[512];            /* the first write error */
	char lasterr[512];        /* the backend's last error (PostgreSQL) */
	int64_t nchanged;         /* the backend's last change count */
	bool dead;                /* the connection was lost */
	int nstmts;               /* statements prepared (their names) */
	struct db_stmt *ins_dialog, *ins_msg, *ins_stream, *ins_finding,
	    *ins_evidence, *ins_advisory, *ins_adv_evidence, *ins_join,
	    *beat_stmt;
};

/* ---- the statement interface, for store.c ---- */
static inline int db_exec(struct store *st, const char *sql)
{ return st->be->exec(st, sql); }
static inline struct db_stmt *db_prepare(struct store *st, const char *sql)
{ return st->be->prepare(st, sql); }
static inline void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{ s->be->bind_int64(s, i, v); }
static inline void db_bind_double(struct db_stmt *s, int i, double v)
{ s->be->bind_double(s, i, v); }
static inline void db_bind_text(struct db_stmt *s, int i, const char *v)
{ s->be->bind_text(s, i, v); }
static inline void db_bind_blob(struct db_stmt *s, int i, const void *p,
    size_t n)
{ s->be->bind_blob(s, i, p, n); }
static inline void db_bind_null(struct db_stmt *s, int i)
{ s->be->bind_null(s, i); }
static inline enum db_step db_step(struct db_stmt *s)
{ return s->be->step(s); }
static inline void db_reset(struct db_stmt *s)
{ s->be->reset(s); }
static inline void db_finalize(struct db_stmt *s)
{ if (s != NULL) s->be->finalize(s); }
static inline bool db_is_null(struct db_stmt *s, int i)
{ return s->be->is_null(s, i); }
static inline int64_t db_col_int64(struct db_stmt *s, int i)
{ return s->be->col_int64(s, i); }
static inline double db_col_double(struct db_stmt *s, int i)
{ return s->be->col_double(s, i); }
static inline const char *db_col_text(struct db_stmt *s, int i)
{ return s->be->col_text(s, i); }
static inline const uint8_t *db_col_blob(struct db_stmt *s, int i, size_t *n)
{ return s->be->col_blob(s, i, n); }
static inline int64_t db_changes(struct store *st)
{ return st->be->changes(st); }
static inline const char *db_errmsg(struct store *st)
{ return st->be->errmsg(st); }

/* ---- store_sql.c: the schema and the dialects ---- */

/*
 * The SQL that takes a database from schema version - 1 to version in
 * dialect d (store_schema_step for SQLite); NULL outside
 * 1..STORE_SCHEMA_VERSION.
 */
const char *store_sql_step(enum store_dialect d, int version);

/*
 * Whether a database of schema version can be used: 0, or -1 with the
 * reason in err (newer than this program, no schema; and with reading,
 * for a read-only handle, older: it must be migrated first).
 */
int store_version_check(int64_t version, bool reading, char *err,
    size_t n);

/*
 * Statement text in dialect d: for SQLite the text itself; for
 * PostgreSQL with "?" numbered ($1, $2 ...) and SQLite's type names and
 * BEGIN IMMEDIATE mapped (see store_sql.c).  Returns a string to free,
 * or NULL on OOM.
 */
char *store_sql_dialect(enum store_dialect d, const char *sql);

#endif /* SIPALG_STORE_INT_H */
