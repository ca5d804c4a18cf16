/*
 * store.h - the SQLite store: analyses of many captures kept queryable.
 *
 * One database accumulates captures (path, size, SHA-256, link type, time
 * span, packets, anomalies), their dialogs, messages (with raw bytes),
 * RTP streams and findings with evidence.  A capture is identified by the
 * SHA-256 of its bytes: importing the same file again is detected and
 * skipped unless replaced.
 *
 * Consistency: a capture row is committed first with complete = 0, its
 * dialogs are written in batched transactions (WAL mode), and complete is
 * set to 1 in the last transaction.  A run that is interrupted or killed
 * leaves a capture marked incomplete, never half-written without a mark;
 * incomplete captures are replaced by the next import of the same file.
 *
 * Safety: a database that is not ours (application_id), is corrupt, or has
 * a newer schema (user_version) is refused with a clear error and never
 * modified.  Older schemas are migrated forward in one transaction.
 */
#ifndef SIPALG_STORE_H
#define SIPALG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "ingest/capture.h"
#include "sip/dialog.h"

/* 'SALG' */
#define STORE_APPLICATION_ID 0x53414c47
#define STORE_SCHEMA_VERSION 2

struct store;

/*
 * Opens (and when writable creates or migrates) the database at path.
 * Returns NULL with a reason in err ("not a sipalg database", "database
 * schema 7 is newer than this program's 2", "file is not a database").
 */
struct store *store_open(const char *path, bool writable, char *err,
    size_t errlen);
/* Commits what is pending and closes.  NULL is a no-op. */
void store_close(struct store *st);

enum store_have { STORE_ABSENT, STORE_COMPLETE, STORE_INCOMPLETE };
/* Whether a capture with this SHA-256 is already stored. */
enum store_have store_has_capture(struct store *st, const char *sha256);

/*
 * Starts importing a capture: removes any earlier copy with the same hash
 * (the caller decided to replace it), inserts the capture row with
 * complete = 0 and commits.  Returns its id (> 0), or -1 with err.
 */
int64_t store_capture_begin(struct store *st, const char *path,
    const char *sha256, uint64_t size, char *err, size_t errlen);

/*
 * Adds one finished dialog of capture capture_id (batched; committed every
 * few hundred dialogs and at store_capture_end).  Returns 0 or -1.
 */
int store_put_dialog(struct store *st, int64_t capture_id,
    const struct dialog *d);

/* Adds an RTP stream no SDP announced (batched like dialogs). */
int store_put_stream(struct store *st, int64_t capture_id,
    const struct rtp_stream *s);

/* Records the capture's figures and anomalies and marks it complete. */
int store_capture_end(struct store *st, int64_t capture_id,
    const struct capture_info *ci, const struct analysis_capstats *cs);

/* One stored capture, as the report needs it. */
struct store_capture {
	int64_t id;
	struct capture_info info;   /* path owned by the store_capture */
	struct analysis_capstats stats;
	char sha256[65];
	char link[64];              /* info.linkname points here */
	bool complete;
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

/* The first schema, kept so tests can build a version-1 database and
 * check the forward migration. */
extern const char *const store_schema_v1_sql;

/* Last SQLite error text, for messages. */
const char *store_errmsg(struct store *st);

#endif /* SIPALG_STORE_H */
