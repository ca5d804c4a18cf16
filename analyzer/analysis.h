/*
 * analysis.h - the analyzer as a library: captures in, dialogs and RTP
 * streams out, streaming.
 *
 * analysis_run() reads the capture files in time order and drives the
 * pipeline: the ingest stage (ingest.h: capture, decode, TCP reassembly,
 * SIP framing) -> SIP parsing -> dialogs; SDP bodies announce media
 * endpoints, and UDP packets to or from them become RTP streams of that
 * dialog (others are matched by RTP header heuristics as unannounced
 * streams).  Each dialog is handed to the on_dialog callback as soon as it
 * is over (see dialog.c for when), with its streams and the findings of
 * the symptom detectors (detect.h), and freed after the callback returns
 * unless the callback keeps it; memory is bounded by what is in flight.
 *
 * No printing, no exit(): errors come back as return values and text.
 */
#ifndef SIPALG_ANALYSIS_H
#define SIPALG_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/capture.h"
#include "sip/dialog.h"
#include "sip/capstats.h"
#include "sip/rtp.h"


struct analysis_cb {
	/*
	 * A dialog is over.  Return false and d (with its streams) is freed
	 * after the call; return true to keep it and free it later with
	 * dialog_free() (the browser keeps every dialog it shows).
	 */
	bool (*on_dialog)(void *user, struct dialog *d);
	/* An RTP stream no SDP announced, once idle or at the end. */
	void (*on_stream)(void *user, const struct rtp_stream *s);
	/* Every n packets: bytes done of total, for a progress line. */
	void (*on_progress)(void *user, uint64_t done, uint64_t total,
	    uint64_t packets);
	void *user;
};

struct analysis;

/* Returns NULL on OOM. */
struct analysis *analysis_new(const struct analysis_cb *cb);
/* Frees everything; dialogs still in flight are NOT reported (call
 * analysis_run to the end first). */
void analysis_free(struct analysis *a);

/* Adds a capture file.  Returns 0, or -1 with a reason in err. */
int analysis_add_file(struct analysis *a, const char *path, char *err,
    size_t errlen);

/*
 * Reads every file to the end, calling the callbacks as dialogs finish,
 * then reports everything still in flight.  Returns 0, or 1 when
 * analysis_stop() ended it early (dialogs still in flight are then not
 * reported; analysis_free discards them).
 */
int analysis_run(struct analysis *a);

/*
 * Asks a running analysis_run() to return before the next frame.  Only
 * sets a flag: safe from a signal handler or another thread.
 */
void analysis_stop(struct analysis *a);

/* Files added, and their information and figures (borrowed). */
size_t analysis_capture_count(const struct analysis *a);
const struct capture_info *analysis_capture_info(struct analysis *a,
    size_t idx);
const struct analysis_capstats *analysis_capture_stats(
    const struct analysis *a, size_t idx);

/* The detectors' state, for the capture-level verdict (detect.h). */
struct detect;
const struct detect *analysis_detect(const struct analysis *a);

/* Peak dialogs and streams in flight, for the benchmark and tests. */
void analysis_peaks(const struct analysis *a, size_t *dialogs,
    size_t *streams, size_t *dialog_bytes);

#endif /* SIPALG_ANALYSIS_H */
