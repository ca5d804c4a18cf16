/*
 * readahead.h - the next windows of a capture file or stream, read by a
 * thread of their own while the caller works on the current one (issue
 * 17: the kernel's copy of the bytes, a large part of reading a capture,
 * then overlaps the analysis on a second core).
 *
 * A file is read in windows of RAHEAD_WIN bytes at consecutive offsets
 * (pread: the descriptor's offset is not moved, so libpcap may read the
 * same descriptor through stdio meanwhile); rahead_window() hands out a
 * contiguous window holding the bytes asked for, in place: a record cut
 * by the end of one window is joined by copying its first part in front
 * of the next one.  A stream (a pipe, standard input) is read with
 * read() and handed out by rahead_read(), as read() would.
 *
 * Without a thread (asked so, or none could be started) the caller
 * reads the same windows itself when it needs them: the windows and
 * what they hold are the same either way, only who reads them differs.
 * Memory: RAHEAD_SLOTS windows (twice RAHEAD_WIN each for a file).  Not
 * thread-safe itself: one caller per rahead.
 */
#ifndef SIPALG_READAHEAD_H
#define SIPALG_READAHEAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RAHEAD_WIN (1 << 16)

struct rahead;

/*
 * Reads fd (not owned: the caller closes it after rahead_free) from
 * offset off on, a regular file (stream 0) or a stream (1: from where it
 * is; off only numbers its bytes).  thread 1 starts a thread (when none
 * can be, the caller reads, as with 0).  Returns NULL on OOM.
 */
struct rahead *rahead_new(int fd, int stream, uint64_t off, int thread);

/* Stops the thread (waits for it: a stream's blocked read is woken). */
void rahead_free(struct rahead *ra);

/* Whether a thread reads ahead (for tests). */
int rahead_threaded(const struct rahead *ra);

/*
 * A file's: makes the window hold the n bytes (n <= RAHEAD_WIN) from
 * off on, off not before the window's start (going back starts the
 * reading again there).  Returns 0, or -1 when the file ends first or a
 * read failed.  Either way *win, *win_off and *win_len describe the
 * window now (its bytes are the file's, valid until the next call).
 */
int rahead_window(struct rahead *ra, uint64_t off, size_t n,
    const uint8_t **win, uint64_t *win_off, size_t *win_len);

/*
 * A stream's: up to n of its next bytes into dst, as read(2): the count,
 * 0 at the end, -1 with errno on a read error (every call after too).
 */
ssize_t rahead_read(struct rahead *ra, void *dst, size_t n);

#endif /* SIPALG_READAHEAD_H */
