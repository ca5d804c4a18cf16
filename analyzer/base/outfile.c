/*
 * outfile.c - output files written beside their target and renamed into
 * place; inputs never overwritten (outfile.h).
 *
 * rename(2) within one folder replaces the target atomically, so a
 * reader sees the old file or the whole new one.  The temporary is named
 * ".NAME.tmp-XXXXXX" (hidden, recognisable) and created with O_EXCL under
 * a random suffix; a process killed between begin and commit leaves it
 * behind, never a truncated NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/outfile.h"

bool
outfile_same(const char *out, const char *in)
{
	struct stat a, b;

	if (out == NULL || in == NULL || stat(out, &a) != 0 ||
	    stat(in, &b) != 0)
		return false;
	return S_ISREG(a.st_mode) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

/* A random suffix of n-1 letters and digits. */
static void
suffix(char *s, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t r[16];
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)s;

		for (i = 0; i < sizeof(r); i++, x = x * 6364136223846793005ULL + 1)
			r[i] = (uint8_t)(x >> 56);
	}
	for (i = 0; i + 1 < n && i < sizeof(r); i++)
		s[i] = set[r[i] % (sizeof(set) - 1)];
	s[i] = '\0';
}

int
outfile_begin(struct outfile *o, const char *path, char *err, size_t errlen)
{
	struct stat sb, lb;
	const char *slash, *base;
	char sfx[9];
	size_t dirlen, n;
	mode_t mode = 0666;
	bool replacing = false;
	int fd = -1;

	memset(o, 0, sizeof(o[0]));
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		o->write_path = path;       /* /dev/null, a FIFO, a terminal */
		return 0;
	}
	/* Through a symlink, the file it points at is the one replaced. */
	if (lstat(path, &lb) == 0 && S_ISLNK(lb.st_mode))
		o->target = realpath(path, NULL);
	if (o->target == NULL)
		o->target = strdup(path);
	if (o->target == NULL)
		goto oom;
	if (stat(o->target, &sb) == 0) {
		mode = sb.st_mode & 07777;
		replacing = true;
	}
	slash = strrchr(o->target, '/');
	base = slash ? slash + 1 : o->target;
	dirlen = slash ? (size_t)(slash - o->target) + 1 : 0;
	n = dirlen + strlen(base) + 32;
	if ((o->tmp = malloc(n)) == NULL)
		goto oom;
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		suffix(sfx, sizeof(sfx));
		snprintf(o->tmp, n, "%.*s.%s.tmp-%s", (int)dirlen, o->target, base,
		    sfx);
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file beside it: %s",
		    strerror(errno));
		free(o->tmp);
		free(o->target);
		memset(o, 0, sizeof(o[0]));
		return -1;
	}
	/* A replaced file keeps its permissions (0666 was cut by the umask). */
	if (replacing)
		(void)fchmod(fd, mode);
	close(fd);
	o->write_path = o->tmp;
	return 0;
oom:
	free(o->target);
	memset(o, 0, sizeof(o[0]));
	snprintf(err, errlen, "%s", strerror(ENOMEM));
	return -1;
}

int
outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	int fd, rc = 0;

	if (o->tmp == NULL) {
		memset(o, 0, sizeof(o[0]));
		return 0;
	}
	/* The data reaches the disk before the name does. */
	fd = open(o->tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0 || rename(o->tmp, o->target) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		(void)unlink(o->tmp);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(o->tmp);
	free(o->target);
	memset(o, 0, sizeof(o[0]));
	return rc;
}

void
outfile_abort(struct outfile *o)
{
	if (o->tmp != NULL)
		(void)unlink(o->tmp);
	free(o->tmp);
	free(o->target);
	memset(o, 0, sizeof(o[0]));
}

int
outfile_close(FILE *f)
{
	int e = 0, had = ferror(f);

	errno = 0;
	if (fflush(f) != 0)
		e = errno != 0 ? errno : EIO;
	else if (had)
		e = EIO;        /* an earlier write failed; its errno is gone */
	errno = 0;
	if (fclose(f) != 0 && e == 0)
		e = errno != 0 ? errno : EIO;
	return e;
}

/* fopencookie's write: all of buf, or 0 with the errno kept. */
static ssize_t
stream_write(void *cookie, const char *buf, size_t n)
{
	struct outfile_stream *s = cookie;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(s->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (s->err == 0)
				s->err = errno != 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

/*
 * The buffer of a stream that is not a terminal.  stdio's own is BUFSIZ
 * (8 KB: glibc's setvbuf() ignores the size asked for when it is to
 * allocate the buffer itself), a write(2) for every 8 KB of a report of
 * tens of megabytes; this one makes them a thirty-second as many and
 * stays well inside a core's L2 cache.
 */
#define STREAM_BUF (1 << 18)

FILE *
outfile_stream_open(struct outfile_stream *s, int fd)
{
	cookie_io_functions_t io = { NULL, stream_write, NULL, NULL };
	FILE *f;

	s->fd = fd;
	s->err = 0;
	s->buf = NULL;
	f = fopencookie(s, "w", io);
	if (f == NULL)
		return NULL;
	/* A terminal keeps stdio's buffer: the report appears as before. */
	if (!isatty(fd))
		s->buf = malloc(STREAM_BUF);
	if (s->buf != NULL)
		setvbuf(f, s->buf, _IOFBF, STREAM_BUF);
	else
		setvbuf(f, NULL, _IOFBF, 0);
	return f;
}

int
outfile_stream_close(FILE *f, struct outfile_stream *s)
{
	int e = outfile_close(f);

	free(s->buf);
	s->buf = NULL;
	return s->err != 0 ? s->err : e;
}

int
outfile_main(int (*fn)(int, char **), int argc, char **argv, int *werr)
{
	struct outfile_stream os;
	FILE *out = outfile_stream_open(&os, STDOUT_FILENO);
	int status;

	if (out != NULL) {
		/*
		 * The programs that run here write stdout from their one
		 * thread: stdio's per-call locking is pure cost (a tenth of
		 * a signalling-heavy analysis goes into the JSON writer's
		 * fputc and fprintf calls).
		 */
		(void)__fsetlocking(out, FSETLOCKING_BYCALLER);
		stdout = out;
	}
	status = fn(argc, argv);
	*werr = out != NULL ? outfile_stream_close(out, &os) :
	    outfile_close(stdout);
	return status;
}

void
outfile_copy_spool(FILE *to, FILE *from)
{
	char buf[8192];
	size_t n;

	if (from == NULL)
		return;
	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
}
