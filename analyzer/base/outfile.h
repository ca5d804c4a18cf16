/*
 * outfile.h - writing output files without ever destroying an input or
 * leaving a half-written file under the name asked for.
 *
 * A program that writes a file the user names (a simulated pcap, the
 * browser's saved dialogs or CSV) first asks outfile_same() whether that
 * name is one of its inputs (the same device and inode, so a symlink or
 * another path to the input is caught too) and refuses it.  Then it
 * writes to a new temporary file in the same folder (outfile_begin) and
 * renames it over the name only when everything was written
 * (outfile_commit); a failure or an interruption leaves any earlier file
 * of that name as it was.  Names that are not regular files (/dev/null,
 * /dev/stdout, a FIFO) are written directly: there is nothing to replace.
 *
 * Standard output is checked before a program exits: buffered output is
 * only known written once every flush succeeded.  stdio keeps an error
 * flag but not its errno, and library code may flush (and meet the
 * error) long before the end, so a program writes its standard output
 * through outfile_stream_open(), which remembers the first error's
 * errno: "writing output: No space left on device", not "Input/output
 * error".
 */
#ifndef SIPALG_OUTFILE_H
#define SIPALG_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	char *target;             /* the file to replace (symlinks resolved) */
	char *tmp;                /* the temporary beside it; NULL: direct */
	const char *write_path;   /* where to write: tmp, or the name itself */
};

/*
 * Whether out names the same regular file as in (both exist, same device
 * and inode, following symlinks).  Any path that cannot be looked up is
 * not the same.
 */
bool outfile_same(const char *out, const char *in);

/*
 * Prepares to write path: creates an empty temporary file beside it (the
 * mode of the file it will replace, else 0666 less the umask) and points
 * o->write_path at it, or at path itself when path exists and is not a
 * regular file.  The caller opens and writes o->write_path, closes it,
 * then calls outfile_commit or outfile_abort.  Returns 0, or -1 with a
 * reason in err (o then needs no abort).
 */
int outfile_begin(struct outfile *o, const char *path, char *err,
    size_t errlen);

/*
 * Flushes the written temporary to disk and renames it over the target.
 * Returns 0, or -1 with a reason in err (the temporary is removed and the
 * target left as it was).  Frees o's strings either way.
 */
int outfile_commit(struct outfile *o, char *err, size_t errlen);

/* Removes the temporary and frees o's strings.  No-op after commit. */
void outfile_abort(struct outfile *o);

/*
 * Flushes and closes f (standard output, at exit).  Returns 0, or the
 * errno of the failure (EIO when the system gave none), so the program
 * can say "writing output: No space left on device" and exit non-zero.
 */
int outfile_close(FILE *f);

/* The state of a stream from outfile_stream_open (the caller's storage). */
struct outfile_stream {
	int fd;
	int err;                  /* errno of the first failed write, or 0 */
	char *buf;                /* the stream's buffer, when ours */
};

/*
 * A fully buffered stream writing to descriptor fd that records the
 * first write error in s->err (s must outlive the stream).  Its buffer
 * is 256 KB, or stdio's own when fd is a terminal (or that cannot be
 * had); outfile_stream_close frees it.  A program assigns it to stdout
 * at start.  Returns NULL when it cannot be made (the caller keeps the
 * plain stream).
 */
FILE *outfile_stream_open(struct outfile_stream *s, int fd);

/* Flushes and closes f, opened on s.  Returns 0 or the first errno. */
int outfile_stream_close(FILE *f, struct outfile_stream *s);

/*
 * For a program's main(): runs fn(argc, argv) with stdout writing
 * through an outfile_stream, then flushes and closes it.  Returns fn's
 * status; *werr is 0, or the errno of the first write to standard output
 * that failed (the program then reports it and exits non-zero).
 */
int outfile_main(int (*fn)(int, char **), int argc, char **argv,
    int *werr);

/*
 * Appends the whole of a spool file (a tmpfile() holding part of an
 * output written ahead; may be NULL) to to, from its start.
 */
void outfile_copy_spool(FILE *to, FILE *spool);

#endif /* SIPALG_OUTFILE_H */
