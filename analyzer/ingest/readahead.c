/*
 * readahead.c - a capture's next windows read by a thread while the
 * caller analyses the current one (readahead.h).
 *
 * Reading a capture costs the kernel's copy of every byte (page cache to
 * our buffer, or pipe to our buffer): on an RTP-heavy capture about a
 * third of the analysis' time.  A thread of the rahead reads the windows
 * after the caller's into a ring of RAHEAD_SLOTS slots, so that this
 * copy runs on another core; the caller takes them in order.
 *
 * The ring: slot k % nslots holds window k.  The thread fills window
 * prod while prod < rel + nslots (rel: the oldest window the caller
 * still reads), the caller takes window cons once prod > cons.  Counters
 * and the end flag are under mu; a slot's bytes are written by the
 * thread before prod counts it and read by the caller after it saw the
 * count (and the other way round with rel), so the bytes need no lock.
 *
 * A file's slot has RAHEAD_WIN bytes of room before its window: the
 * first part of a record cut by the window's end (less than RAHEAD_WIN
 * bytes) is copied there, so the record lies whole in one window.  Going
 * back (never done by capture.c, which reads forward) or past the end of
 * the file found earlier (the file grew, libpcap read beyond) starts the
 * reading again at that offset.
 *
 * Stopping: a file's thread looks at stop between two reads (a pread
 * from the page cache does not block for long); a stream's waits in
 * poll() on the stream and an eventfd, which rahead_free() writes, so a
 * writer that keeps its pipe open and silent does not hold us.  The
 * thread blocks every signal: they are for the program's thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ingest/readahead.h"

/*
 * The ring's slots, and how many must be free before the thread, which
 * waits when the ring is full, is woken: a wake-up (the thread's sleep,
 * the caller's futex call) costs several microseconds, a window of RTP
 * about 30 us of analysis, so the thread reads RA_BATCH windows a turn
 * (one wake-up per window doubled the system time of a run).
 */
#define RAHEAD_SLOTS 16
#define RA_BATCH 8

struct raslot {
	uint8_t *mem;               /* a file's: room, then the window */
	uint64_t off;               /* the window's offset */
	size_t len;
	int end;                    /* the last window: end or error */
	int err;                    /* errno of a failed read, else 0 */
};

struct rahead {
	int fd;
	int stream;
	int threaded;
	int nslots;
	struct raslot slot[RAHEAD_SLOTS];
	/* shared with the thread, under mu */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t ready;       /* a window was read */
	pthread_cond_t room;        /* a slot was freed, or stop */
	uint64_t prod, cons, rel;
	uint64_t pos;               /* the next window's offset */
	int stop;
	int done;                   /* the thread read the last window */
	int asleep;                 /* the thread waits for room */
	int evfd;                   /* a stream thread's wake-up, else -1 */
	int sync;                   /* mu and the conditions exist */
	/* the caller's */
	const uint8_t *win;
	uint64_t win_off;
	size_t win_len;
	int last;                   /* the window held is the last one */
	size_t rd;                  /* a stream's: bytes of it handed out */
	int err;                    /* a stream's: sticky errno */
};

/* One window at pos into s, read by whichever thread reads. */
static void
ra_fill(const struct rahead *ra, struct raslot *s, uint64_t pos)
{
	uint8_t *dst = ra->stream ? s->mem : s->mem + RAHEAD_WIN;
	size_t got = 0;
	ssize_t k;

	s->off = pos;
	s->err = 0;
	if (ra->stream) {
		do
			k = read(ra->fd, dst, RAHEAD_WIN);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			s->err = errno;
		s->len = k > 0 ? (size_t)k : 0;
		s->end = k <= 0;
		return;
	}
	while (got < RAHEAD_WIN) {
		k = pread(ra->fd, dst + got, RAHEAD_WIN - got,
		    (off_t)(pos + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			s->err = errno;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	s->len = got;
	s->end = got < RAHEAD_WIN;
}

/*
 * A stream thread's wait for bytes: 0 when the stream can be read (or
 * is at its end, or failed: read() says which), -1 when asked to stop.
 */
static int
ra_wait(struct rahead *ra)
{
	struct pollfd pf[2] = {
		{ .fd = ra->fd, .events = POLLIN },
		{ .fd = ra->evfd, .events = POLLIN },
	};

	for (;;) {
		int n = poll(pf, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || pf[1].revents != 0)
			return -1;
		if (pf[0].revents != 0)
			return 0;
	}
}

static void *
ra_main(void *arg)
{
	struct rahead *ra = arg;

	pthread_mutex_lock(&ra->mu);
	for (;;) {
		struct raslot *s;
		uint64_t pos;

		if (!ra->stop && !ra->done &&
		    ra->prod >= ra->rel + (uint64_t)ra->nslots) {
			ra->asleep = 1;
			while (!ra->stop && ra->prod + RA_BATCH >
			    ra->rel + (uint64_t)ra->nslots)
				pthread_cond_wait(&ra->room, &ra->mu);
			ra->asleep = 0;
		}
		if (ra->stop || ra->done)
			break;
		s = &ra->slot[ra->prod % (uint64_t)ra->nslots];
		pos = ra->pos;
		pthread_mutex_unlock(&ra->mu);
		if (ra->stream && ra_wait(ra) != 0) {
			pthread_mutex_lock(&ra->mu);
			break;
		}
		ra_fill(ra, s, pos);
		pthread_mutex_lock(&ra->mu);
		ra->pos += s->len;
		ra->prod++;
		if (s->end)
			ra->done = 1;
		pthread_cond_signal(&ra->ready);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

/* Starts the thread; without one the caller reads (threaded 0). */
static void
ra_start(struct rahead *ra)
{
	sigset_t all, old;

	ra->threaded = 0;
	ra->stop = 0;
	ra->done = 0;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		return;
	if (pthread_create(&ra->tid, NULL, ra_main, ra) == 0)
		ra->threaded = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
ra_stop(struct rahead *ra)
{
	if (!ra->threaded)
		return;
	pthread_mutex_lock(&ra->mu);
	ra->stop = 1;
	pthread_cond_signal(&ra->room);
	pthread_mutex_unlock(&ra->mu);
	if (ra->evfd >= 0) {
		uint64_t one = 1;

		while (write(ra->evfd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	pthread_join(ra->tid, NULL);
	ra->threaded = 0;
}

struct rahead *
rahead_new(int fd, int stream, uint64_t off, int thread)
{
	struct rahead *ra = calloc(1, sizeof(*ra));
	size_t size = stream ? RAHEAD_WIN : 2 * (size_t)RAHEAD_WIN;

	if (ra == NULL)
		return NULL;
	ra->fd = fd;
	ra->stream = stream;
	ra->evfd = -1;
	ra->pos = ra->win_off = off;
	/* without a thread a file needs two (the window and the next, for
	 * a record across them), a stream none: read() into the caller's */
	ra->nslots = thread ? RAHEAD_SLOTS : stream ? 0 : 2;
	if (thread && stream &&
	    (ra->evfd = eventfd(0, EFD_CLOEXEC)) < 0)
		ra->nslots = 0;
	for (int i = 0; i < ra->nslots; i++)
		if ((ra->slot[i].mem = malloc(size)) == NULL) {
			rahead_free(ra);
			return NULL;
		}
	if (thread && ra->nslots > 0) {
		if (pthread_mutex_init(&ra->mu, NULL) != 0) {
			rahead_free(ra);
			return NULL;
		}
		pthread_cond_init(&ra->ready, NULL);
		pthread_cond_init(&ra->room, NULL);
		ra->sync = 1;
		ra_start(ra);
	}
	return ra;
}

void
rahead_free(struct rahead *ra)
{
	if (ra == NULL)
		return;
	ra_stop(ra);
	if (ra->sync) {
		pthread_cond_destroy(&ra->ready);
		pthread_cond_destroy(&ra->room);
		pthread_mutex_destroy(&ra->mu);
	}
	if (ra->evfd >= 0)
		close(ra->evfd);
	for (int i = 0; i < RAHEAD_SLOTS; i++)
		free(ra->slot[i].mem);
	free(ra);
}

int
rahead_threaded(const struct rahead *ra)
{
	return ra->threaded;
}

/* The next window, read by the thread or, without one, here. */
static struct raslot *
ra_take(struct rahead *ra)
{
	struct raslot *s = &ra->slot[ra->cons % (uint64_t)ra->nslots];

	if (!ra->threaded) {
		ra_fill(ra, s, ra->pos);
		ra->pos += s->len;
		ra->cons++;
		return s;
	}
	pthread_mutex_lock(&ra->mu);
	while (ra->prod == ra->cons)
		pthread_cond_wait(&ra->ready, &ra->mu);
	ra->cons++;
	pthread_mutex_unlock(&ra->mu);
	return s;
}

/* The windows before the one taken last are the thread's again. */
static void
ra_release(struct rahead *ra)
{
	if (!ra->threaded)
		return;
	pthread_mutex_lock(&ra->mu);
	ra->rel = ra->cons - 1;
	if (ra->asleep &&
	    ra->prod + RA_BATCH <= ra->rel + (uint64_t)ra->nslots)
		pthread_cond_signal(&ra->room);
	pthread_mutex_unlock(&ra->mu);
}

/* Reading starts again at off (a file's). */
static void
ra_restart(struct rahead *ra, uint64_t off)
{
	int thread = ra->threaded;

	ra_stop(ra);
	ra->prod = ra->cons = ra->rel = 0;
	ra->pos = ra->win_off = off;
	ra->win = NULL;
	ra->win_len = 0;
	ra->last = 0;
	if (thread)
		ra_start(ra);
}

int
rahead_window(struct rahead *ra, uint64_t off, size_t n,
    const uint8_t **win, uint64_t *win_off, size_t *win_len)
{
	int rc = 0;

	for (;;) {
		uint64_t end = ra->win_off + ra->win_len;
		struct raslot *s;
		uint8_t *data;

		if (off >= ra->win_off && off <= end && n <= end - off)
			break;
		if (n > RAHEAD_WIN || ra->nslots == 0) {
			rc = -1;
			break;
		}
		if (off < ra->win_off || (ra->last && off > end)) {
			ra_restart(ra, off);
			continue;
		}
		if (ra->last) {
			rc = -1;
			break;
		}
		s = ra_take(ra);
		data = s->mem + RAHEAD_WIN;
		if (off < end) {
			/* the part of the bytes asked for that this window
			 * holds (less than n) goes in front of the next */
			size_t tail = (size_t)(end - off);

			memcpy(data - tail, ra->win + (off - ra->win_off), tail);
			ra->win = data - tail;
			ra->win_off = off;
			ra->win_len = tail + s->len;
		} else {
			ra->win = data;
			ra->win_off = s->off;
			ra->win_len = s->len;
		}
		ra->last = s->end;
		ra_release(ra);
	}
	*win = ra->win;
	*win_off = ra->win_off;
	*win_len = ra->win_len;
	return rc;
}

ssize_t
rahead_read(struct rahead *ra, void *dst, size_t n)
{
	ssize_t k;
	size_t m;

	if (!ra->threaded) {
		do
			k = read(ra->fd, dst, n);
		while (k < 0 && errno == EINTR);
		return k;
	}
	while (ra->err == 0 && ra->rd == ra->win_len && !ra->last) {
		struct raslot *s = ra_take(ra);

		ra->win = s->mem;
		ra->win_len = s->len;
		ra->rd = 0;
		ra->last = s->end;
		ra->err = s->err;
		ra_release(ra);
	}
	if (ra->err != 0) {
		errno = ra->err;
		return -1;
	}
	m = ra->win_len - ra->rd < n ? ra->win_len - ra->rd : n;
	if (m > 0)
		memcpy(dst, ra->win + ra->rd, m);
	ra->rd += m;
	return (ssize_t)m;
}
