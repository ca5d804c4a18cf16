/*
 * export.h - writing what the browser shows to files: the call list as
 * CSV, and selected dialogs (their SIP and RTP packets) as a new pcap.
 *
 * No curses; errors come back as text for the status line.
 */
#ifndef SIPALG_TUI_EXPORT_H
#define SIPALG_TUI_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sip/dialog.h"

/*
 * Writes the dialogs ds[0..n) as `sipalg-analyze -f csv` does, through
 * its writer (report.h): the same header and columns (id ... symptoms,
 * advisories, mos_fwd, mos_rev, media), every packet string an escaped,
 * quoted text cell.  Returns 0, or -1 on OOM or when f reports a write
 * error.
 */
int export_csv(FILE *f, const struct dialog *const *ds, size_t n);
/* The same a dialog at a time: begin (NULL on OOM), one call per dialog
 * in order, end (0, or -1 when f reports a write error; frees x). */
struct export_csv;
struct export_csv *export_csv_begin(FILE *f);
void export_csv_dialog(struct export_csv *x, const struct dialog *d);
int export_csv_end(struct export_csv *x);

/*
 * Re-reads the capture files paths[0..npaths) (the ones the dialogs were
 * read from, in the same order: cap_idx indexes them) and writes to out
 * every frame that belongs to ds[0..n): each message's frame, the first
 * frame of a TCP message and the kept retransmission frames, the TCP
 * segments between them on the same connection, and every UDP packet of
 * the dialogs' RTP streams (same endpoints, or the RTCP ports above them,
 * between the stream's first and last packet).  Frames keep their time
 * stamps (nanosecond pcap).  The output has one link type, that of the
 * first file; frames of files with another link type are skipped and
 * counted in *skipped.  Returns 0 with *written set, or -1 with a reason
 * in err (the output may then be partial).
 *
 * Limits: an IP-fragmented message is matched on the frame that completed
 * it, so its earlier fragments are not written.
 */
int export_pcap(const char *const *paths, size_t npaths,
    const struct dialog *const *ds, size_t n, const char *out,
    uint64_t *written, uint64_t *skipped, char *err, size_t errlen);

#endif /* SIPALG_TUI_EXPORT_H */
