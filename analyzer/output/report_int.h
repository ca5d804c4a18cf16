/*
 * report_int.h - what the report formats (report_text.c, report_json.c,
 * report_csv.c) share with report.c.  Not for callers: they use
 * report.h.
 *
 * report.c keeps what every format needs (the options, the filters, the
 * counts of affected dialogs per symptom) and calls the format's
 * operations; each format keeps its own state (spool files, a writer)
 * behind r->fmt.
 */
#ifndef SIPALG_REPORT_INT_H
#define SIPALG_REPORT_INT_H

#include "base/htab.h"
#include "output/report.h"

struct report_ops {
	/* Allocates the format's state in r->fmt; -1 on OOM. */
	int (*init)(struct report *r);
	void (*fini)(struct report *r);
	void (*begin)(struct report *r);
	/* affected: the dialog has a finding that passes the filters. */
	void (*dialog)(struct report *r, const struct dialog *d, bool affected);
	void (*stream)(struct report *r, const struct rtp_stream *s);
	void (*end)(struct report *r, const struct report_summary *s);
};

extern const struct report_ops report_text_ops;
extern const struct report_ops report_json_ops;
extern const struct report_ops report_csv_ops;
extern const struct report_ops report_html_ops;

struct report {
	FILE *f;
	const struct report_ops *ops;
	void *fmt;                /* the format's state */
	struct report_opts o;
	uint64_t ndialogs;        /* dialogs written (after --calls) */
	uint64_t affected, unaffected;
	uint64_t joined;          /* dialogs counted with the other segment
	                           * of their call (dialog.h, join) */
	uint64_t by_id[SYMPTOM_COUNT]; /* affected dialogs per symptom */
	uint64_t unaffected_kind[DIALOG_KIND_COUNT];
	char **capnames;          /* report_captures; NULL: one capture */
	size_t ncapnames;
	/*
	 * One call seen as two dialogs (dialog.h, join) is counted by the
	 * first of them the report shows with a finding that passes the
	 * filters.  joins: such a dialog, waiting for its other segment,
	 * by that one's id (report.c, struct join_seen).  While ops->dialog
	 * writes a dialog: join_counted, the call was counted with its
	 * other segment, shown before it, and join_shown, the symptom ids
	 * (bit per enum symptom_id) that one showed, which this one lists
	 * under that call and does not count again.
	 */
	struct htab joins;
	bool join_counted;
	uint32_t join_shown;
};

/* RTP packets of d's streams caller->callee (or unknown) and back. */
void report_dir_packets(const struct dialog *d, uint64_t *fwd, uint64_t *rev);
/* The lowest MOS (quality.h) among d's rated streams caller->callee (or
 * unknown) and back; -1 when a direction has no rated stream. */
void report_dir_mos(const struct dialog *d, double *fwd, double *rev);
/* Appends the whole of a spool file (may be NULL) to f. */
void report_copy_spool(FILE *f, FILE *spool);

/*
 * Times as report_time() writes them, for a writer that writes many:
 * the date part is formatted once per day (the last one kept here).
 */
#define REPORT_TIME_LEN 26        /* "2026-11-22 10:00:00.123456" */
struct report_day {
	int64_t day;              /* days since the epoch of date; -1: none */
	char date[10];            /* "YYYY-MM-DD" */
};
#define REPORT_DAY_INIT { -1, { 0 } }
/*
 * ns (> 0) as report_time() writes it, with sep between the date and
 * the time (' ', or 'T' for ISO 8601), at b: REPORT_TIME_LEN bytes, not
 * NUL-terminated; returns REPORT_TIME_LEN.
 */
size_t report_time_at(struct report_day *c, int64_t ns, char sep, char *b);

/*
 * ns as seconds with three decimals, the bytes printf("%.3f",
 * report_secs(ns)) writes, at b (32 bytes), from the integer; returns
 * the length, or 0 where printf must decide (negative, from 2^50 ns on,
 * or exactly half a millisecond over).
 */
size_t report_secs3(int64_t ns, char *b);

static inline double
report_secs(int64_t ns)
{
	return (double)ns / 1e9;
}

#endif /* SIPALG_REPORT_INT_H */
