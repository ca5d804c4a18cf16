/*
 * store.h - the store: analyses of many captures kept queryable, in an
 * SQLite file (the default: nothing to run) or a PostgreSQL database
 * (one store for a team: many importers on many machines).
 *
 * One database accumulates captures (path, size, SHA-256, link type, time
 * span, packets, anomalies), their dialogs, messages (with raw bytes),
 * RTP streams, findings and advisories with evidence, and the joins of
 * calls seen as two dialogs (dialog.h, join).  A capture is
 * identified by the
 * SHA-256 of its bytes: importing the same file again is detected and
 * skipped unless replaced.
 *
 * Nothing stored is lost, and nothing half-written is ever shown:
 *
 *   claim    An import first claims its capture: a capture row with
 *            complete = 0, naming its importer (owner.h) and a random
 *            token, committed on its own.  At most one claim per SHA-256
 *            exists (a unique index), so of two importers of one file
 *            the second finds the first's claim and stores nothing
 *            (STORE_BUSY).  A claim whose importer is dead (killed, host
 *            rebooted; or silent for STORE_CLAIM_STALE_SEC when liveness
 *            cannot be checked) is stale: the next import of the file
 *            removes it, with its rows, and claims afresh.
 *   rows     Dialogs, messages, streams and findings are written under
 *            the claimed row in transactions of STORE_BATCH dialogs, so
 *            memory and the write-ahead log stay bounded whatever the
 *            capture's size, and the write lock is held only while a
 *            batch is written.  Every batch first checks that this
 *            handle still holds its claims (and refreshes their
 *            heartbeat).
 *   swap     store_capture_end() writes the figures, deletes an earlier
 *            complete copy of the same file (--replace) and sets
 *            complete = 1, in one transaction: readers see the old copy
 *            or the new one, never neither and never both.
 *   failure  The first write error rolls back the open batch and is kept
 *            (store_errmsg); store_abort() then deletes the claims and
 *            what was committed under them.  When even that fails (a full
 *            disk), the rows stay incomplete and invisible, and the next
 *            import of the file takes the dead claim over.
 *
 * Readers (store_read, the report, the browser) see complete captures
 * only.  The same model runs on both backends (store_int.h): claim =
 * INSERT under the partial unique index, batches and swap =
 * transactions; an importer is alive when owner.c finds its process
 * (SQLite: one host) or while its connection holds the claim's session
 * lock (PostgreSQL: the server drops it with the connection, whoever
 * and wherever the importer was).
 *
 * PostgreSQL: the target is a libpq URI (postgresql://user@host/db or
 * postgres://...; PGPASSWORD, ~/.pgpass and PGSERVICE work as libpq
 * documents).  Identity and schema version are rows of table
 * sipalg_meta; a database whose schema has tables but no sipalg_meta is
 * not ours and is left untouched.  A role that may only read can open
 * the store read-only (reports, the browser); opening it for writing
 * fails with the reason.  A connection lost mid-import rolls its open
 * batch back on the server; what was committed stays an incomplete,
 * invisible claim that the next import of the file takes over
 * (store_lost tells the caller).  Messages never show a password
 * (store_redact).
 *
 * Files: a database that is not ours (application_id), is corrupt, or has
 * a newer schema (user_version) is refused with a clear error and never
 * modified; so is a path that is not a regular file (a FIFO would block
 * the open forever).  Older schemas are migrated forward in one
 * transaction when opened for writing; opened read-only, schema 4 is read
 * as it is (STORE_READABLE_VERSION), older ones are refused with the
 * advice to migrate them.  Writers use WAL mode and put the database back in
 * rollback-journal mode when they close last, so a copy on read-only
 * media opens read-only; a database left in WAL mode by a killed writer
 * is read there as immutable when it has no unmerged log.
 */
#ifndef SIPALG_STORE_H
#define SIPALG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/capstats.h"
#include "ingest/capture.h"
#include "sip/dialog.h"

/* 'SALG' */
#define STORE_APPLICATION_ID 0x53414c47
#define STORE_SCHEMA_VERSION 6
/* Dialogs per write transaction. */
#define STORE_BATCH 64
/* A claim whose owner cannot be checked is stale after this silence. */
#define STORE_CLAIM_STALE_SEC 600
/* An importer refreshes its claims' heartbeat at least this often. */
#define STORE_HEARTBEAT_SEC 60

struct store;

/*
 * Opens (and when writable creates or migrates) the database at path, or
 * the PostgreSQL database a postgresql:// or postgres:// URI names; a
 * read-only handle never modifies the database.  Returns NULL with a
 * reason in err ("not a sipalg database", "database schema 7 is newer
 * than this program's 3", "file is not a database", "not a regular file
 * (a FIFO)", "this sipalg-analyze was built without PostgreSQL ...").
 */
struct store *store_open(const char *path, bool writable, char *err,
    size_t errlen);

/* Whether target names a PostgreSQL database (a libpq URI). */
bool store_is_uri(const char *target);

/* target as messages may show it: a URI without its password (neither
 * user:password@ nor password=...); a path as it is. */
void store_redact(const char *target, char *out, size_t n);

/* "SQLite" or "PostgreSQL". */
const char *store_backend_name(const struct store *st);

/* Whether the connection to the server was lost (never for SQLite):
 * after a failed write, nothing of the open claims is visible. */
bool store_lost(struct store *st);

/*
 * The site later claims of this handle are tagged with (--site): NULL or
 * "" tags each capture with its folder, as before.  Returns -1 when the
 * name is longer than 255 bytes.
 */
int store_set_site(struct store *st, const char *site);
/*
 * Closes.  Claims not ended are given up as by store_abort().  A writer
 * that is the last connection puts the file back in rollback-journal
 * mode.  NULL is a no-op.
 */
void store_close(struct store *st);

enum store_have { STORE_ABSENT, STORE_COMPLETE, STORE_INCOMPLETE };
/* Whether a complete copy with this SHA-256 is stored, else whether an
 * import of it is claimed (live or not). */
enum store_have store_has_capture(struct store *st, const char *sha256);

enum store_claim {
	STORE_CLAIMED,       /* *id is ours until store_capture_end/abort */
	STORE_DUPLICATE,     /* a complete copy exists and replace is false
	                        (*capture_id: its id) */
	STORE_REPEATED,      /* this handle already claimed the same file */
	STORE_BUSY,          /* a live import of it runs; err says whose */
	STORE_ERROR          /* err says why */
};

/*
 * Claims the capture with this SHA-256 for import (see the top of this
 * file), removing a stale claim first.  With replace, a complete copy
 * stays until store_capture_end() swaps the new one in.  Commits what is
 * pending first.
 */
enum store_claim store_capture_claim(struct store *st, const char *path,
    const char *sha256, uint64_t size, bool replace, int64_t *capture_id,
    char *err, size_t errlen);

/*
 * Adds one finished dialog of claimed capture capture_id, and takes
 * ownership of it (freed with dialog_free once written, or on error).
 * Dialogs wait in memory and are written STORE_BATCH at a time, each
 * batch in one short transaction (and the rest by store_capture_end).
 * Returns 0, or -1 after a write error: the batch is rolled back, the
 * error is kept for store_errmsg(), and every later write fails too.
 */
int store_put_dialog(struct store *st, int64_t capture_id,
    struct dialog *d);

/* Adds (a copy of) an RTP stream no SDP announced, batched likewise. */
int store_put_stream(struct store *st, int64_t capture_id,
    const struct rtp_stream *s);

/*
 * For a long import: writes the waiting rows and refreshes the claims'
 * heartbeat when it is older than STORE_HEARTBEAT_SEC.  Cheap to call
 * often.  Returns 0 or -1 (as store_put_dialog).
 */
int store_tick(struct store *st);

/*
 * Records the capture's figures and anomalies, deletes an earlier complete
 * copy of the same file and marks this one complete, with the pending
 * batch, in one transaction.  Returns 0 or -1 (as store_put_dialog).
 */
int store_capture_end(struct store *st, int64_t capture_id,
    const struct capture_info *ci, const struct analysis_capstats *cs);

/* Gives up one claim before any of its rows was written (the capture
 * could not be opened).  Returns 0 or -1. */
int store_capture_abort(struct store *st, int64_t capture_id);

/*
 * Gives up every claim of this handle: the open batch is rolled back and
 * the claimed rows, with everything committed under them, are deleted.
 * Earlier complete copies are untouched.  Returns 0, or -1 when the
 * deletion failed (err says why): the rows then stay incomplete, never
 * shown, and are taken over by the next import once this process ended.
 */
int store_abort(struct store *st, char *err, size_t errlen);

/* One stored capture, as the report needs it. */
struct store_capture {
	int64_t id;
	struct capture_info info;   /* path owned by the store_capture */
	struct analysis_capstats stats;
	char sha256[65];
	char link[64];              /* info.linkname points here */
	bool complete;
	char site[256];             /* --site NAME, else the folder */
	bool advisories_stored;     /* its dialogs' advisories were stored
	                             * (imported by schema 5 or later) */
	char imported_at[32];       /* "2026-12-05T15:00:00Z" */
};

/* Which stored captures a read covers; NULL or zeroes: all. */
struct store_filter {
	int64_t capture_id;         /* > 0: only this capture */
	const char *capture;        /* only captures with this path or name */
	const char *site;           /* only captures of this site */
};

/*
 * For every complete capture in import order: on_capture, then each of its
 * dialogs rebuilt from the database (messages re-parsed from their raw
 * bytes, streams and findings restored; cap_idx = the capture's position
 * in this listing) in the order they were stored, then its unannounced
 * streams.  A dialog is freed after on_dialog returns unless it returns
 * true (the callee then owns it: dialog_free).  Any callback may be NULL.
 * Returns 0, or -1 with err.
 */
int store_read(struct store *st,
    void (*on_capture)(void *user, const struct store_capture *c),
    bool (*on_dialog)(void *user, struct dialog *d),
    void (*on_stream)(void *user, const struct rtp_stream *s), void *user,
    char *err, size_t errlen);

/*
 * store_read over the captures f selects: cap_idx counts within them,
 * and only their dialogs and streams are read.  With f->capture_id, the
 * dialogs are numbered 1, 2 ... within that capture (as if it had been
 * analysed alone) and every frame reference points into it.  Numbering
 * in read order (store_number_in_read), the dialogs are numbered 1, 2 ...
 * in the order they are handed to on_dialog, over all the captures
 * read, and a join names its other dialog by that number too, wherever
 * in the read it lies (the database ranks them: no memory grows with
 * the distance).  With on_dialog and on_stream both NULL, only the
 * captures are listed (cheap).
 */
/*
 * Whether the reads that follow number the dialogs in the order read
 * (store_read_filtered); off when opened.
 */
void store_number_in_read(struct store *st, bool on);

int store_read_filtered(struct store *st, const struct store_filter *f,
    void (*on_capture)(void *user, const struct store_capture *c),
    bool (*on_dialog)(void *user, struct dialog *d),
    void (*on_stream)(void *user, const struct rtp_stream *s), void *user,
    char *err, size_t errlen);

/*
 * The SQL that takes a database from schema version - 1 to version (1:
 * creates the first schema), for tests that build an old database and
 * check the migration; NULL outside 1..STORE_SCHEMA_VERSION.  Version 3
 * rebuilds a table: run it with foreign keys off (PRAGMA foreign_keys).
 */
const char *store_schema_step(int version);

/* The first write error of this handle ("what: the backend's reason"),
 * else the backend's last error text. */
const char *store_errmsg(struct store *st);

#endif /* SIPALG_STORE_H */
