/*
 * view.h - the presentation model: what a dialog looks like on a screen
 * or a page, computed without curses.
 *
 * sipalg-browse asks this module what to show in every panel: the cells
 * of the call list and their column widths (the symptom badges come from
 * the catalogue, symptom.h), the order and the filter, the ladder diagram
 * (columns, one row per message or RTP stream, each row as a ready line
 * of text), a message's raw text split into escaped lines, the
 * side-by-side comparison of two messages, and the per-second
 * packet-rate sparkline of a stream.  The curses layer only places these
 * strings on the screen and colours them; a report writer (an HTML page,
 * say) can draw the same rows.  Unit-tested in tests/unit/test_tui_view.c.
 *
 * Strings that came from packets are always passed through text_escape()
 * before they land in a line: a SIP header can carry terminal escape
 * sequences, and those must be shown, not executed.  Lines are UTF-8; in
 * UTF-8 mode the ladder uses box-drawing characters, each one column wide,
 * otherwise plain ASCII.  Every function that writes into buf truncates to
 * n-1 bytes and NUL-terminates.
 *
 * Files: view_list.c (call list), view_ladder.c (ladder), view_text.c
 * (message lines and comparison), view_media.c (stream directions, media
 * legs, hold spans), view_draw.c (UTF-8 lines, sparkline, clock).
 */
#ifndef SIPALG_VIEW_H
#define SIPALG_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/dialog.h"
#include "sip/rtp.h"

/* ---- call list ---- */

enum view_col {
	VCOL_START, VCOL_FROM, VCOL_TO, VCOL_CALLID, VCOL_STATE,
	VCOL_DURATION, VCOL_MSGS, VCOL_SYMPTOMS, VCOL_KIND, VCOL_COUNT
};

struct view_colspec {
	const char *name;         /* for --columns: "start", "from" ... */
	const char *title;        /* header text */
	int minw, maxw;           /* width bounds; maxw 0 = takes the rest */
	bool right;               /* right-aligned (numbers) */
};

extern const struct view_colspec view_cols[VCOL_COUNT];

/* The default column set. */
#define VIEW_DEFAULT_COLUMNS "start,from,to,callid,state,duration,msgs,symptoms"

/*
 * Parses a comma-separated list of column names into cols (at most max).
 * Returns how many, or -1 with a reason in err (unknown name, empty list,
 * duplicate).
 */
int view_columns_parse(const char *list, enum view_col *cols, int max,
    char *err, size_t errlen);

/*
 * A dialog as the call list needs it, in one small allocation: what the
 * columns show, what the sort compares and what the filter can decide
 * without the messages (From, To, Call-ID, state, kind, the findings'
 * ids and summaries, the request methods seen).  The browser keeps one
 * per dialog and the whole dialog only while it has the memory for it
 * (d, owned by whoever set it; view_row_new leaves it NULL), so that a
 * million dialogs fit in a few hundred megabytes.
 */
struct view_row {
	struct dialog *d;         /* the whole dialog when kept, else NULL */
	uint64_t id;              /* the dialog's id */
	int64_t start_ns, dur_ns; /* dialog_duration_ns */
	size_t nmsgs;
	uint32_t methods;         /* bit k: a request of view_methods[k];
	                           * VIEW_METHOD_OTHER: of another method */
	uint8_t kind, state;      /* enum dialog_kind, enum dialog_state */
	uint8_t nf;               /* findings (f[], not advisories) */
	bool answered;
	uint64_t join_id;         /* the same call's other dialog (its
	                           * d->join.id), 0 none: the symptoms cell
	                           * ends in "JOIN#<id>" */
	uint32_t fgen;            /* free for the caller (the browser: the
	                           * filter generation fhit answers) */
	bool fhit;
	/* From, To, Call-ID, then each finding's id and summary, each
	 * NUL-terminated, as the dialog had them (unescaped). */
	char s[];
};

#define VIEW_METHOD_OTHER (UINT32_C(1) << 31)

/* A row for d (malloc; free with free()), NULL on OOM. */
struct view_row *view_row_new(const struct dialog *d);
/* Its strings: From, To, Call-ID; finding i's id and summary. */
const char *view_row_from(const struct view_row *r);
const char *view_row_to(const struct view_row *r);
const char *view_row_callid(const struct view_row *r);
const char *view_row_finding(const struct view_row *r, int i,
    const char **summary);

/* The text of one cell, escaped; returns buf. */
const char *view_row_cell(const struct view_row *r, enum view_col c,
    char *buf, size_t n);
/* The same for a whole dialog. */
const char *view_cell(const struct dialog *d, enum view_col c, char *buf,
    size_t n);

/* Short badge for a finding id ("1WAY" for one_way_audio ...). */
const char *view_badge(const char *finding_id);

/*
 * Widths for the columns in cols so that they fit width (one space
 * between columns).  Columns with maxw 0 share what is left.  Returns the
 * total width used.
 */
int view_layout(const enum view_col *cols, int ncols, int width, int *w);

/* One row of the call list (cells padded/truncated to w[]); returns buf. */
char *view_row_text(const struct view_row *r, const enum view_col *cols,
    int ncols, const int *w, char *buf, size_t n);
/* The header line for the same layout. */
char *view_header_text(const enum view_col *cols, int ncols, const int *w,
    char *buf, size_t n);

/* Compares two rows on a column (ties broken by dialog id). */
int view_cmp(const struct view_row *a, const struct view_row *b,
    enum view_col c);
/* Sorts v[0..n) on c, descending when desc. */
void view_sort(struct view_row **v, size_t n, enum view_col c, bool desc);

struct view_filter {
	char text[128];           /* case-insensitive substring of From, To,
	                           * Call-ID, state, a finding's id, badge or
	                           * summary, or any message's raw text */
	char method[32];          /* a request method some message carries */
	int state;                /* enum dialog_state, -1 any */
	char symptom[48];         /* a finding id (or badge), "any" any finding */
	bool only_calls;          /* INVITE dialogs only */
};

void view_filter_init(struct view_filter *f);
bool view_filter_active(const struct view_filter *f);
bool view_filter_match(const struct view_filter *f, const struct dialog *d);
/*
 * The filter on a row: 1 it matches, 0 it does not (the same answer as
 * view_filter_match on the dialog), -1 only the dialog's messages can
 * tell (the text is in no field the row keeps, or the method is one the
 * row does not name).
 */
int view_row_match(const struct view_filter *f, const struct view_row *r);
/* A dialog state by name ("in call", "incall", "rejected"); -1 unknown. */
int view_state_parse(const char *s);
/* A short description of the active filter for the status line. */
char *view_filter_describe(const struct view_filter *f, char *buf, size_t n);

/* ---- ladder ---- */

enum ladder_kind { LADDER_MSG, LADDER_RTP };

struct ladder_row {
	enum ladder_kind kind;
	int64_t ts_ns;
	int from, to;             /* column indexes */
	const struct dialog *d;
	size_t idx;               /* message or stream index in d */
	uint32_t cap_idx;
	uint64_t frame;
	bool request;
	char label[96];           /* escaped: "INVITE", "200 OK x7", "RTP ..." */
	int64_t delta_ns;         /* since the row before (0: the first) */
	int pin;                  /* 1 + index in d->findings of the first
	                           * finding whose evidence cites this row's
	                           * frame; 0 none */
	int npins;                /* how many findings cite it */
};

struct ladder_col {
	struct ep ep;             /* port 0 when the column is an IP only */
	char name[NETADDR_STRLEN];
};

struct ladder {
	struct ladder_col *cols;
	int ncols;
	struct ladder_row *rows;
	size_t nrows;
};

/*
 * Builds the ladder of the dialogs ds[0..nd): one column per SIP address
 * (IP and port) in order of appearance, media endpoints on the column of
 * the same IP when there is one, rows in time order, each with the time
 * since the row before and the findings that cite its frame (pins).  Returns 0, or -1 on
 * OOM (l is then empty).  Free with view_ladder_free.
 */
int view_ladder_build(struct ladder *l, const struct dialog *const *ds,
    size_t nd);
void view_ladder_free(struct ladder *l);

/* The row of a frame (a message's frame, first TCP frame or one of its
 * retransmissions); -1 when none. */
long view_ladder_find_frame(const struct ladder *l, uint32_t cap_idx,
    uint64_t frame);

struct ladder_geom {
	int timew;                /* time column width */
	int colw;                 /* distance between column centres */
	int total;                /* full width of the diagram */
};

/*
 * Geometry for a screen width (the diagram may be wider: scroll).  The
 * time column holds "HH:MM:SS.mmm +d.ddd" and a finding marker: '*'
 * when a finding cites the row.
 */
void view_ladder_geom(const struct ladder *l, int width,
    struct ladder_geom *g);
/* Header (column names) and one row, from x offset xoff, width columns. */
char *view_ladder_header(const struct ladder *l, const struct ladder_geom *g,
    int xoff, int width, bool utf8, char *buf, size_t n);
char *view_ladder_line(const struct ladder *l, size_t row,
    const struct ladder_geom *g, int xoff, int width, bool utf8, char *buf,
    size_t n);

/* ---- message text and comparison ---- */

struct view_lines {
	char **v;                 /* escaped lines, owned */
	size_t n;
};

/* Splits raw[0..len) at LF (dropping CR) and escapes each line.  Returns
 * 0 or -1 on OOM. */
int view_lines_split(struct view_lines *out, const char *raw, size_t len);
void view_lines_free(struct view_lines *l);
/* An empty line list, and appending one (copied; the caller escapes it).
 * view_lines_add returns 0 or -1 on OOM (the list is unchanged). */
void view_lines_init(struct view_lines *l);
int view_lines_add(struct view_lines *l, const char *s);

struct diff_row {
	long a, b;                /* line in each side, -1 none */
	bool differ;
};

/*
 * Aligns two messages line by line (longest common subsequence of whole
 * lines; at most VIEW_DIFF_LINES each, the rest compared pairwise) and
 * pairs removed and added lines that sit together as changed rows.
 * Returns 0 with *rows (caller frees) or -1 on OOM.
 */
#define VIEW_DIFF_LINES 400
int view_diff(const struct view_lines *a, const struct view_lines *b,
    struct diff_row **rows, size_t *nrows);

/*
 * The part two differing lines share at each end, for highlighting only
 * what changed inside a line: *pre bytes at the start and *suf at the end
 * are equal, pre + suf <= the shorter length, and neither cuts a UTF-8
 * sequence in two.
 */
void view_line_span(const char *a, const char *b, size_t *pre, size_t *suf);

/* ---- RTP ---- */

/*
 * Sparkline of a packet-rate strip in width cells: slots are grouped when
 * there are more than width (the mean of each group), scaled to the
 * strip's maximum; an empty slot is a blank so silence shows as a hole.
 */
char *view_sparkline(const uint16_t *rate, uint32_t nrate, int width,
    bool utf8, char *buf, size_t n);

/* ---- a call's media (view_media.c) ---- */

/*
 * The direction of s in call d: 1 caller -> callee (it leaves an address
 * the caller uses: the first message's source or a c= the caller sent),
 * -1 callee -> caller (it goes to one), 0 unknown.
 */
int view_stream_dir(const struct dialog *d, const struct rtp_stream *s);
/* RTP packets each way (unknown direction counts as caller -> callee),
 * each packet once: a stream seen on both segments of the NAT (the same
 * SSRC inside and outside over the same time) counts once, every other
 * stream adds up. */
void view_dir_packets(const struct dialog *d, uint64_t *fwd, uint64_t *rev);
/* "rtp caller>callee 0, callee>caller 150"; returns buf. */
char *view_rtp_dirs(const struct dialog *d, char *buf, size_t n);
/*
 * The media legs of a judged call (detect_media_legs), as "caller>callee
 * inside delivered 160 pkts ptime 20 ms; callee>caller outside
 * undeliverable ..."; "" for no legs or not a call.  Returns buf.
 */
char *view_media_legs(const struct dialog *d, char *buf, size_t n);

/*
 * A call seen as two dialogs (d->join, an ALG rewrote its Call-ID): the
 * segment of the other dialog (RTP_SEG_UNKNOWN when d is not joined),
 * and the line that names it, "same call as CALL-ID (dialog N) on the
 * outside segment: Call-ID rewritten between the segments (SIP ALG)",
 * escaped; "" when not joined.  Returns buf.
 */
enum rtp_segment view_join_other(const struct dialog *d);
char *view_join(const struct dialog *d, char *buf, size_t n);
/*
 * The spans [out[i][0], out[i][1]) during which call d was on hold (one
 * side's latest SDP stops or restricts audio after it once flowed both
 * ways), at most max; returns how many.
 */
int view_hold_spans(const struct dialog *d, int64_t out[][2], int max);

/* Time as "HH:MM:SS.mmm" (UTC). */
const char *view_clock(int64_t ns, char *buf, size_t n);

#endif /* SIPALG_VIEW_H */
