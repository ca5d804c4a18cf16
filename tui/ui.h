/*
 * ui.h - the curses side of sipalg-browse: the application context, the
 * loader that fills the call list while the capture is read, and the
 * panel vtable every screen implements (as sngrep's ui_panel: draw,
 * handle a key, list its keys for the help screen).
 *
 * Panels sit on a stack: the call list at the bottom, then a ladder, a
 * message, a comparison, the symptoms or the RTP streams; q or Esc pops
 * one.  Row 0 of the screen is the title and progress line, the last row
 * the footer with the panel's keys; panels draw in between.  Only the UI
 * thread calls curses.
 */
#ifndef SIPALG_TUI_UI_H
#define SIPALG_TUI_UI_H

#include <curses.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "pairs.h"
#include "present/view.h"

struct store_filter;

/* ---- loading ---- */

struct loader;

/*
 * Where dialogs come from: pcap files or a stored analysis (--db), both
 * through the library's source (source.h: browse.c, sources.c), or an
 * inside/outside pair (--inside and --outside, diff.h: sources.c).  run() executes on the loader thread and
 * hands each dialog to loader_add(); it must not touch curses.
 */
struct source_ops {
	const char *name;
	void (*run)(struct loader *ld);
	void (*free)(struct loader *ld);
};

struct pair_dialog;

/* A capture of a stored analysis: where it was read from, and its hash
 * so that saving can tell a file that changed since. */
struct db_capture {
	char *path;
	char sha256[65];
};

/*
 * Pair mode's state.  pd grows under the loader's mutex while the
 * comparison runs (the UI copies it like the dialog array); summary is
 * valid once have_summary is set.  The normal analysis of each side runs
 * after the comparison: the outside's dialogs are the loader's dialogs
 * (ladder, symptoms, the outside call list), the inside's are kept in in[]
 * so that the two copies of a message can be shown side by side.
 */
struct pairset {
	const char *path[2];      /* inside, outside */
	struct pair_dialog **pd;
	size_t npd, cap;
	struct pair_summary *summary;
	bool have_summary;
	struct dialog **in;       /* the inside capture's dialogs */
	size_t nin, incap;
	void *an[2];              /* struct source (files) of each side */
};

/*
 * The loader keeps a compact row (view.h) per dialog; the whole dialog
 * hangs on its row (row->d) only while the dialogs kept so far hold less
 * than keep_max bytes (loader_dialog_bytes), then it is freed.  A dialog
 * without its whole copy is read again from the source when it is opened,
 * saved, exported or searched for message text (loader_fetch), so memory
 * grows by the size of a row per dialog, not of a dialog.
 */
#define LOADER_KEEP_DEFAULT_MB 8

struct loader {
	pthread_mutex_t mu;
	struct view_row **v;      /* rows in the order the dialogs arrived */
	size_t n, cap;
	size_t keep_max;          /* bytes of whole dialogs kept (SIZE_MAX:
	                           * all, as pair mode needs them) */
	size_t kept;              /* what the kept dialogs hold, about */
	uint64_t done, total, packets; /* progress */
	uint64_t dropped;         /* dialogs lost to OOM */
	bool finished;
	const struct source_ops *src;
	void *src_ctx;            /* the source's state (struct analysis ...) */
	const char *const *paths; /* capture files, for saving */
	size_t npaths;
	pthread_t thread;
	bool started;
	const char *phase;        /* what the loader is doing, NULL: reading */
	char err[256];            /* a source error, shown when finished */
	/* --db */
	bool is_db;
	const char *db_path;
	const struct store_filter *db_filter; /* --site/--capture, or NULL */
	struct db_capture *caps;  /* appended under mu */
	size_t ncaps;
	/* --inside/--outside */
	struct pairset *ps;
};

/* Opens the pcap files as the source.  Returns 0, or -1 with a message
 * naming the file in err. */
int loader_open_pcaps(struct loader *ld, const char *const *paths,
    size_t npaths, char *err, size_t errlen);
/* Opens a stored analysis read-only as the source (store.h), only the
 * captures f selects (NULL: all; --site, --capture).  Returns 1 when it
 * opened and f selects no capture, 0 when it opened, or -1 with the
 * store's reason in err (foreign, corrupt, newer). */
int loader_open_db(struct loader *ld, const char *path,
    const struct store_filter *f, char *err, size_t errlen);
/* Pair mode: checks both files open, prepares the comparison and the
 * analysis of each side.  Returns 0, or -1 with "FILE: reason" in err. */
int loader_open_pair(struct loader *ld, const char *inside,
    const char *outside, char *err, size_t errlen);
int loader_start(struct loader *ld);
/* A frame as the browser names it (text_frame_ref): "FILE#N" when
 * several captures are browsed (FILE the capture's file name, as
 * sipalg-analyze's reports name it), else "N"; returns buf. */
char *loader_frame_ref(struct loader *ld, uint32_t cap_idx, uint64_t frame,
    char *buf, size_t n);
/* Frees what the source holds (after the thread ended). */
void loader_fini(struct loader *ld);
/*
 * Saves the frames of ds[0..n) to the pcap out (export_pcap), re-reading
 * the capture files they came from.  With --db that is the file recorded
 * in the store, when it still exists and has the same SHA-256; otherwise
 * -1 with a reason for the status line in err.  An out that is one of
 * the files being browsed is refused (loader_is_input); the pcap is
 * written beside out and renamed into place when complete (outfile.h).
 */
int loader_save(struct loader *ld, const struct dialog *const *ds, size_t n,
    const char *out, uint64_t *written, uint64_t *skipped, char *err,
    size_t errlen);
/*
 * Whether writing path would overwrite a file this browser reads: a
 * capture, the other side of a pair, the database or a capture it
 * records (the same file under any name).  Returns what it is ("the
 * capture", "the database" ...), or NULL.
 */
const char *loader_is_input(const struct loader *ld, const char *path);
/* Called from the source on the loader thread: takes ownership of d
 * (kept on its row or freed) and returns true, or false when there was
 * no memory for its row (d is the caller's; counted in dropped). */
bool loader_add(struct loader *ld, struct dialog *d);
/* About how many bytes of heap d holds (the budget's measure). */
size_t loader_dialog_bytes(const struct dialog *d);
/*
 * Reads the dialogs ids[0..n) (ascending) again from the source, on the
 * calling thread (the loader's own run is not disturbed): a fresh
 * analysis of the capture files, stopped once every wanted dialog came,
 * or a fresh read of the database with the same selection (ids are
 * given in the same order, so they match).  each() gets every wanted
 * dialog found and returns true to keep it (freed with dialog_free by
 * its owner), false to have it freed.  Returns how many were found, or
 * -1 with a reason in err (the files cannot be opened again ...).
 */
long loader_fetch(struct loader *ld, const uint64_t *ids, size_t n,
    bool (*each)(void *user, struct dialog *d), void *user, char *err,
    size_t errlen);
/* analysis_cb callbacks shared by the sources (user = the loader). */
bool loader_on_dialog(void *user, struct dialog *d);
void loader_on_progress(void *user, uint64_t done, uint64_t total,
    uint64_t packets);

/* ---- panels ---- */

struct app;
struct panel;

struct keyhelp {
	const char *key, *what;
};

enum { PK_UNHANDLED, PK_HANDLED, PK_CLOSE };

struct panel_ops {
	const char *name;
	const char *footer;       /* short key list for the footer line */
	const struct keyhelp *help; /* every key, NULL-terminated */
	void (*draw)(struct panel *p, struct app *a, int y0, int h, int w);
	int (*key)(struct panel *p, struct app *a, int ch);
	void (*destroy)(struct panel *p);
};

struct panel {
	const struct panel_ops *ops;
	void *priv;
};

enum ui_color {
	UC_NORMAL, UC_HEADER, UC_SELECT, UC_REQUEST, UC_OK, UC_ERROR,
	UC_RTP, UC_DIFF, UC_BADGE, UC_FOOTER, UC_MARK, UC_COUNT
};

#define UI_STACK 16

struct app {
	struct loader ld;
	bool utf8, color;
	enum view_col cols[VCOL_COUNT];
	int ncols;

	/* the call list */
	struct view_row **all;    /* snapshot of the loader's rows */
	size_t nall;
	struct view_row **rows;   /* filtered and sorted */
	size_t nrows, cur, top;
	/* The user put the cursor on its dialog (a key that moves it or
	 * acts on its dialog): refiltering keeps it there.  Until then it
	 * stays on the first row, whatever order the loader's rows come in
	 * (a store's are in import order, not the list's). */
	bool placed;
	bool *marks;              /* by dialog id */
	size_t nmarks;
	struct view_filter filt;
	struct view_filter fprev; /* the filter fgen numbers */
	uint32_t fgen;            /* rows' fhit answer filter fgen */
	bool finished;            /* the loader is done */
	/* Dialogs read again for the panels above the call list (freed when
	 * the stack is back to fetch_depth panels). */
	struct dialog **fetched;
	size_t nfetched;
	int fetch_depth;
	enum view_col sort;
	bool desc;

	struct panel *stack[UI_STACK];
	int depth;
	char status[256];         /* one-shot message on the title line */
	bool quit;

	/*
	 * ladder_panel_new, for the panels the ladder itself opens (the
	 * symptoms' jump to an evidence frame): set by main(), so that no
	 * two panel files use each other (tests/layers.sh).
	 */
	struct panel *(*ladder_new)(const struct dialog *const *ds, size_t n,
	    long sel_cap, long sel_frame);

	/* pair mode: the loader's pair dialogs, copied like all[] */
	bool pair_mode;
	struct pair_dialog **pds;
	size_t npds;
};

/* Attribute for a colour role (bold/reverse when there are no colours). */
int ui_attr(const struct app *a, enum ui_color c);
/* Draws s at (y, x) clipped to w columns with attr; pads to w when pad.
 * Returns the columns drawn (padding included). */
int ui_put(int y, int x, const char *s, int w, int attr, bool pad);
/* Prints a message on the title line until the next key. */
void ui_status(struct app *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Asks for a line of text on the footer line; false when cancelled. */
bool ui_prompt(struct app *a, const char *question, char *buf, size_t n);
/*
 * The start of a panel that shows the dialogs ds[0..n) (the ladder, the
 * symptoms, the RTP streams): allocates the panel with ops, its state
 * of size bytes zeroed (p->priv) and a copy of ds in *copy, which the
 * panel's destroy frees.  NULL on OOM, nothing left allocated.
 */
struct panel *ui_panel_alloc(const struct panel_ops *ops, size_t size,
    const struct dialog *const *ds, size_t n, const struct dialog ***copy);
/* Pushes p (takes ownership; destroyed when the stack is full). */
void ui_push(struct app *a, struct panel *p);
void ui_pop(struct app *a);

/* Marks. */
bool app_marked(const struct app *a, const struct view_row *r);
void app_mark(struct app *a, const struct view_row *r, bool on);
/* Re-applies filter and sort, keeping the current dialog selected once
 * the user placed the cursor (else the first row is current).  A
 * filter on message text or an unusual method that rows not holding
 * their dialog cannot answer reads those dialogs again (loader_fetch)
 * once the loader is done; until then they are not shown. */
void app_refilter(struct app *a);
/* The dialogs an action applies to: the marked ones, else the current
 * one, read again from the source when their row does not hold them
 * (valid until the panel stack is back to the call list).  Returns how
 * many (caller frees the array *out), 0 when none (a status says why
 * when they could not be read). */
size_t app_selection(struct app *a, const struct dialog ***out);
/*
 * Whole dialogs for rows[0..n): each row's own, or read again into
 * out[] (the caller frees those with dialog_free when fetched[i]).
 * Returns 0, or -1 with a reason in err (nothing left allocated).
 */
int app_dialogs(struct app *a, struct view_row *const *rows, size_t n,
    struct dialog **out, bool *fetched, char *err, size_t errlen);
/* Frees the dialogs read for panels (app_selection). */
void app_fetched_free(struct app *a);

/* Panels (each file's constructor). */
struct panel *calls_panel_new(void);
/* ds is copied.  sel: the row to select first, -1 the first message. */
struct panel *ladder_panel_new(const struct dialog *const *ds, size_t n,
    long sel_cap, long sel_frame);
struct panel *msgview_panel_new(const struct dialog *d, size_t msg);
struct panel *diff_panel_new(const struct dialog *da, size_t ma,
    const struct dialog *db, size_t mb);
/* The same with a word before each side's title ("inside", "outside"). */
struct panel *diff_panel_new_sides(const struct dialog *da, size_t ma,
    const struct dialog *db, size_t mb, const char *na, const char *nb);
/* Pair mode (pairview.c): the list of compared dialogs, one dialog's
 * pairs, and the mapping / profile summary. */
struct panel *pairlist_panel_new(void);
struct panel *pairview_panel_new(const struct pair_dialog *pd);
struct panel *pairsum_panel_new(void);
struct panel *symptoms_panel_new(const struct dialog *const *ds, size_t n);
struct panel *rtpview_panel_new(const struct dialog *const *ds, size_t n);
struct panel *help_panel_new(const struct panel *under);
/* True when p is a help panel. */
bool help_panel_is(const struct panel *p);

/* Shared key movement: applies up/down/page/home/end to *cur within n
 * rows of which h are visible; true when ch was one of those. */
bool ui_move(int ch, size_t *cur, size_t n, int h);
/* Keeps *top so that cur is visible in h rows. */
void ui_scroll(size_t cur, size_t *top, int h);

#endif /* SIPALG_TUI_UI_H */
