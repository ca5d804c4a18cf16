/*
 * source.h - where dialogs come from: capture files (analysis.h) or a
 * stored analysis (store.h), behind one interface, so that every front
 * end reads a database the same way (sipalg-analyze --db --report and
 * sipalg-browse --db).
 *
 * Files: the analysis runs over them; dialogs come with the findings the
 * detectors give now.
 *
 * Database: the dialogs come back as they were stored, WITH THEIR STORED
 * FINDINGS AND ADVISORIES: what the user stored is what is shown, even
 * when today's detectors would say otherwise (a newer version, or
 * cross-dialog facts the store does not keep, such as keepalives).  A
 * capture stored before the store kept advisories (schema 4: its
 * store_capture says advisories_stored false) gets the advisories
 * today's detectors give for its stored dialogs instead.  The capture-level
 * verdict's counts (dialogs, affected, per symptom) are counted over those
 * stored findings, a call seen as two dialogs (its stored join, dialog.h)
 * once, as the analysis counts it.  Its ALG score and strongest evidence
 * come from hits the store does not keep: they are recomputed by running
 * the detectors on each stored dialog in stored order (their findings are
 * dropped), so they miss what only the packets showed (keepalives,
 * unannounced RTP).  The joined dialogs' responses are noted for the
 * detectors as the analysis noted them, so a stored join gives its
 * evidence again, citing the copies the analysis cited (read from the
 * dialog's stored alg_rewrite_evidence finding: where the analysis's
 * bounded notes had lost a call's first copies, it cited later ones).
 * A stored dialog's cap_idx is its capture's position in the listing;
 * its messages and evidence keep the capture index of the run that stored
 * them (the same numbering when one run imported every capture; a dialog
 * of a merged run can span captures, so they are not forced onto the
 * dialog's).
 *
 * A source is used by one thread at a time; its callbacks run on the
 * thread that calls source_run().  No printing; errors come back as text.
 */
#ifndef SIPALG_SOURCE_H
#define SIPALG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "detect/detect.h"
#include "store/store.h"

struct source_cb {
	/* Database: one stored capture, before its dialogs (borrowed). */
	void (*on_capture)(void *user, const struct store_capture *c);
	/*
	 * A dialog.  Return false and it is freed after the call; true to
	 * keep it (free it with dialog_free()).
	 */
	bool (*on_dialog)(void *user, struct dialog *d);
	/* An RTP stream no SDP announced. */
	void (*on_stream)(void *user, const struct rtp_stream *s);
	/* Files: bytes done of total, for a progress line. */
	void (*on_progress)(void *user, uint64_t done, uint64_t total,
	    uint64_t packets);
	void *user;
};

struct source;

/*
 * Capture files paths[0..n) (none: add them with source_add_file),
 * merged by time.  Returns NULL with "FILE: reason" (or "out of memory")
 * in err.
 */
struct source *source_open_files(const char *const *paths, size_t n,
    const struct source_cb *cb, char *err, size_t errlen);

/*
 * One more capture file for a files source, before source_run.  Returns
 * 0, or -1 with the reason (without the name) in err and nothing added.
 */
int source_add_file(struct source *s, const char *path, char *err,
    size_t errlen);

/*
 * A stored analysis, opened read-only.  Returns NULL with the store's
 * reason in err (not a database, foreign, newer schema ...).
 */
struct source *source_open_db(const char *path, const struct source_cb *cb,
    char *err, size_t errlen);

/*
 * Database: the stored captures the next source_run reads (store.h's
 * filter, copied; NULL: all).  Every source_run of a database starts
 * afresh: the captures listed, the capture indexes (positions within the
 * selection) and the verdict cover that run's captures only, so one
 * source can give one report per capture or per site in turn.  Returns
 * 0, or -1 for a files source or out of memory (the selection as it
 * was).
 */
int source_select(struct source *s, const struct store_filter *f);

/*
 * Database: calls on_capture for each stored capture f selects (NULL:
 * all), in import order, without reading their dialogs.  Returns 0, or
 * -1 with err.
 */
int source_list(struct source *s, const struct store_filter *f,
    void (*on_capture)(void *user, const struct store_capture *c),
    void *user, char *err, size_t errlen);

/*
 * Database: number the dialogs 1, 2 ... in the order they are handed on
 * (every source_run afresh), a join naming its other dialog by that
 * number too, for a reader that shows them so (the browser: dialogs of
 * several captures never share a number).  Both dialogs of a joined
 * call name each other however many were stored between them: the
 * store ranks the dialogs it reads (store_number_in_read), so nothing
 * here grows with the distance.  Otherwise they keep the store's
 * numbers (store_read).  No-op for files.
 */
void source_number_in_order(struct source *s, bool on);

/* True for a database source. */
bool source_is_db(const struct source *s);

/*
 * Reads everything, calling the callbacks.  Returns 0, or -1 with err
 * (database: reading failed part way; what was read was delivered).
 */
int source_run(struct source *s, char *err, size_t errlen);

/* Asks a running files source to stop soon (signal-safe); no-op for a
 * database. */
void source_stop(struct source *s);

/* The captures read (database: listed so far), their figures. */
size_t source_capture_count(const struct source *s);
const struct capture_info *source_capture_info(struct source *s, size_t i);
const struct analysis_capstats *source_capture_stats(const struct source *s,
    size_t i);

/* The capture-level verdict (see above for a database). */
void source_verdict_get(const struct source *s, struct detect_verdict *v);

/* NULL is a no-op. */
void source_free(struct source *s);

#endif /* SIPALG_SOURCE_H */
