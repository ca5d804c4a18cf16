/*
 * pairs.h - pair mode of sipalg-browse (--inside LAN.pcap --outside
 * WAN.pcap), computed without curses: the browser's own copy of the
 * inside/outside comparison (diff.h) and the text it draws from it.
 *
 * diff.h hands each dialog's pairs to a callback and frees them when the
 * callback returns, and its tables (NAT mappings, profile, features) die
 * with the struct diff; the browser keeps them for as long as it runs, so
 * pair_dialog_dup() deep-copies a dialog and pair_summary_fill() takes a
 * snapshot of the tables once diff_files() has returned.  Everything that
 * turns those copies into lines of text (the badge for a dialog's worst
 * class, a pair's row, a field change with the common part of before and
 * after written once, the summary panel's lines) lives here so that it is
 * unit-tested (tests/unit/test_tui_view.c).  Every string from a pair is
 * packet text: it is escaped (text_escape) before it lands in a line.
 */
#ifndef SIPALG_TUI_PAIRS_H
#define SIPALG_TUI_PAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff/diff.h"
#include "present/view.h"

/* A diff dialog as the browser keeps it (deep copy). */
struct pair_dialog {
	size_t id;                /* 1-based, in order of arrival */
	char call_id[128];
	struct diff_pair *pairs;  /* each with its own ch[] */
	int npairs;
	bool pairs_truncated;
	uint32_t count[DIFF_NCLASSES];
	enum diff_class worst;
	int64_t start_ns;         /* first copy's time (inside clock), 0 none */
};

/* Returns NULL on OOM.  Free with pair_dialog_free (NULL is a no-op). */
struct pair_dialog *pair_dialog_dup(const struct diff_dialog *dd);
void pair_dialog_free(struct pair_dialog *pd);

/*
 * The most worrying class among counts: dropped, then rewritten
 * inconsistently, injected, rewritten consistently, identical (also when
 * every count is 0).
 */
enum diff_class pair_worst(const uint32_t count[DIFF_NCLASSES]);
/* Short badge for the call list: SAME, NAT-OK, ALG!, DROP, INJ. */
const char *pair_badge(enum diff_class c);
/* Words for people: "identical", "rewritten consistently", ... */
const char *pair_class_text(enum diff_class c);

/* The pair list: header and one row for pd, in width columns. */
char *view_pairlist_header(int width, char *buf, size_t n);
char *view_pairlist_row(const struct pair_dialog *pd, int width, char *buf,
    size_t n);

/*
 * One pair's row in the pair view: direction arrow, label, CSeq, class
 * and how many SIP/SDP fields changed ("-> INVITE  CSeq 1  rewritten
 * consistently  6 changes"; "NAT only" when only the L3/L4 addresses
 * did).
 */
char *view_pair_row(const struct diff_pair *pr, char *buf, size_t n);

/*
 * One field change: "Contact[0]: <sip:a@{10.0.0.2 -> 198.51.100.1}:5060>"
 * when before and after share a prefix or suffix (cut at address-token
 * boundaries so an address is never split), else "field: before -> after";
 * "field: + after" / "field: - before" for added and removed fields.
 * Prefixed with "! " when the mapping does not explain the change.
 */
char *view_change_text(const struct diff_change *c, char *buf, size_t n);

/* What the summary panel shows, copied from a finished struct diff. */
struct pair_summary {
	struct diff_summary sum;  /* path[] point into paths below */
	char paths[2][512];
	struct diff_mapping *map;
	size_t nmap;
	bool map_truncated;
	struct diff_nat_behaviour beh;
	struct diff_features feat;
	struct diff_profile prof;
	size_t nstreams;
};

/* Snapshot of d's tables (after diff_files).  Returns 0 or -1 on OOM. */
int pair_summary_fill(struct pair_summary *s, const struct diff *d);
void pair_summary_fini(struct pair_summary *s);

/*
 * The summary panel's lines (appended to out, which must be initialised:
 * view_lines_init or a previous call): the profile guess and why, the
 * feature counters that are not zero, the NAT mapping table
 * ("udp sip   10.0.0.2:5060 -> 198.51.100.1:5060  remote ...  7 uses"),
 * the behaviour, the clock offset and the counts per class.  Returns 0 or
 * -1 on OOM.
 */
int view_pair_summary_lines(struct view_lines *out,
    const struct pair_summary *s);

#endif /* SIPALG_TUI_PAIRS_H */
