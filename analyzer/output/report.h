/*
 * report.h - writing analysis results as text, JSON or CSV to a FILE.
 *
 * The library never prints on its own: the front-ends pass the stream.
 * Every string that came from a packet is escaped for its target, so
 * terminal escape sequences in SIP headers are shown, not executed, JSON
 * output is always valid and no CSV cell is a spreadsheet formula.
 *
 * A report is written incrementally: report_begin, then report_dialog for
 * each dialog as the analysis hands it over (with its findings, detect.h),
 * report_stream for each unannounced RTP stream, and report_end with the
 * summary of the run: the captures read and the ALG verdict.  The report
 * sees only this plain model (dialogs, streams, findings, capture
 * figures, verdict), never the analysis that produced it, so a report
 * from the store is written the same way as one from captures.
 *
 * One interface, one file per format (report_text.c, report_json.c,
 * report_csv.c, report_html.c; report_int.h is what they share): a new format is one
 * more file and one more enum value.
 */
#ifndef SIPALG_REPORT_H
#define SIPALG_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "detect/detect.h"
#include "ingest/capture.h"
#include "sip/dialog.h"
#include "sip/rtp.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV, REPORT_HTML };

struct report_opts {
	enum report_format format;
	bool messages;            /* list each dialog's messages */
	bool only_calls;          /* skip REGISTER/OPTIONS/... dialogs */
	bool all;                 /* text: list dialogs without findings in full */
	const char *symptom;      /* only findings with this id; NULL all */
	double min_confidence;    /* only findings at or above this */
	const char *fix_vendor;   /* HTML: --fix VENDOR's steps; NULL: list */
	bool verbose;             /* text: each call's findings in full, the
	                           * mechanism and fix repeated per call */
};

/* One capture's figures (sip/capstats.h defines struct analysis_capstats). */
struct analysis_capstats;
struct report_capture {
	const struct capture_info *info;
	const struct analysis_capstats *stats;
};

/* What report_end needs to know about the whole run. */
struct report_summary {
	const struct report_capture *caps;
	size_t ncaps;
	struct detect_verdict verdict;
};

struct report;

/* Returns NULL on OOM.  f stays the caller's. */
struct report *report_new(FILE *f, const struct report_opts *o);
void report_free(struct report *r);

/*
 * The names of the captures of a run, in the order of their cap_idx
 * (before report_begin; copied).  With more than one, every frame
 * reference names its file: "inbound.pcap#4" (the file's base name, or
 * the name as given when two captures share a base name).  Returns -1
 * on OOM (frames then stay bare numbers).
 */
int report_captures(struct report *r, const char *const *names, size_t n);

/*
 * The one way a report names a frame: "4", or "inbound.pcap#4" in a run
 * over several captures; "-" for no frame (0).  Returns buf.
 */
#define REPORT_FRAME_REF 320
const char *report_frame_ref(const struct report *r, uint32_t cap_idx,
    uint64_t frame, char *buf, size_t n);
/* The file a frame of capture cap_idx is in, in a run over several
 * captures; NULL in a run over one. */
const char *report_capture_name(const struct report *r, uint32_t cap_idx);

void report_begin(struct report *r);
void report_dialog(struct report *r, const struct dialog *d);
void report_stream(struct report *r, const struct rtp_stream *s);
/*
 * The verdict and the capture summaries, and close.  Text reports are
 * written here in full: the ALG verdict first, then the calls with
 * findings, a summary of the others, streams and captures (the dialogs
 * were spooled to temporary files as they came).
 */
void report_end(struct report *r, const struct report_summary *s);

/* Dialogs with at least one finding passing the filters, so far. */
uint64_t report_affected(const struct report *r);

/* True when finding f passes the --symptom / --min-confidence filters. */
bool report_finding_shown(const struct report *r, const struct finding *f);

/* Formats ns since the epoch as "2026-11-22 10:00:00.123456" (UTC). */
const char *report_time(int64_t ns, char *buf, size_t n);

/* Which direction a stream runs in its dialog: 1 caller->callee, -1
 * callee->caller, 0 unknown. */
int report_stream_dir(const struct dialog *d, const struct rtp_stream *s);

#endif /* SIPALG_REPORT_H */
