/*
 * capture.c - capture files read through libpcap, merged by time
 * (capture.h).
 *
 * libpcap reads both pcap and pcapng; files are opened with nanosecond
 * precision so ts.tv_usec of every header holds nanoseconds.  We fopen the
 * file ourselves and hand the stream to pcap_fopen_offline_with_tstamp_
 * precision(): open errors then come straight from errno, fstat() gives
 * the size, and ftello() on the same stream tells how far reading got.
 *
 * Merging: each file keeps exactly one frame buffered, the one
 * pcap_next_ex() returned last.  capture_set_next() hands out the earliest
 * buffered frame and only on the following call reads the next frame of
 * that same file.  libpcap's buffer for a handle is reused only by the next
 * read on that handle, so the frame handed out stays valid without a copy
 * and the buffered frames of the other files are never touched: memory does
 * not depend on the number or size of the files.
 *
 * Our own reader: libpcap opens every file, but the records of a plain
 * pcap file (fast_start: this machine's byte order, version 2.4, the
 * microsecond or nanosecond magic, a link type libpcap does not fix up)
 * are read by cfile_fill itself, each as libpcap's pcap_next_packet()
 * reads it, from a window of the file read with pread() (a record the
 * window cannot hold straight into a buffer of its own), and handed out
 * in place (valid until the next read of that file, as libpcap's buffer
 * is).  This saves stdio's copy and libpcap's, and about 400 instructions
 * a frame.  A record it does not take -- one the file cuts short, longer
 * than the snapshot length, with a negative time, or the end of the file
 * -- is left to libpcap: the stream is set to its offset and
 * pcap_next_ex() reads it, so every error text stays libpcap's.  Swapped,
 * old and "modified" pcap files are libpcap's alone.
 *
 * pcapng files: the Enhanced Packet Blocks are read by ng_next, through
 * the block walker's window (below), the others by libpcap, which so
 * still reads every Section Header and Interface Description Block and
 * keeps its own state right.  We take an EPB only where libpcap would
 * read next (walk.lp_off: after the packet it returned last, or after an
 * EPB we took), only when libpcap reads it without error and we read it
 * the same way: its length a multiple of 4 and within the window, the
 * same trailing length, an interface of this section (at most
 * NG_OWN_IFACES) with the file's link type and microsecond or
 * nanosecond time stamps and no time offset (ng_idb_unit, noted as the
 * walk passes the interface blocks libpcap read), a captured length
 * within the snapshot length and the block.  Anything else -- the first
 * packet, a packet after any other block, a Simple or obsolete Packet
 * Block, a damaged block, the end of the file -- is libpcap's: its
 * stream is set to lp_off and pcap_next_ex() reads from there, and
 * ftello() says where it stopped.  A pcapng stream is read the same
 * way (below).
 *
 * Streams (standard input, a pipe, a FIFO) cannot be read again at an
 * offset, so libpcap reads them through a stdio stream of ours
 * (fopencookie, unbuffered) whose bytes come from one buffer (struct
 * pipesrc) filled with read(): the file header at the open, then either
 * pipe_next() takes a record from it in place (a plain pcap stream, by
 * the same rules as a file) or, for one it does not take and for every
 * record of any other format, pcap_next_ex() reads through the cookie
 * from the same byte on.  Both share one position, every byte is read
 * from the descriptor once, and what libpcap says of a bad record (its
 * text, the frame it ends after) is what it says reading the stream
 * alone; the good records before it were handed out as before.  A
 * record longer than the buffer grows it (up to 16 + CAP_SNAPLEN bytes)
 * so that nothing read is lost to a fallback.  bytes_read of a stream
 * cut short is where it ended (its size is 0: unknown).
 *
 * A pcapng stream is read as a pcapng file is, by the same functions:
 * its first CAP_PCAPNG_HEAD bytes are read into the buffer before
 * libpcap opens it (pcapng_pipe_head: the interfaces before the first
 * packet, as pcapng_ifaces reads a file's), the block walk reads the
 * buffer instead of the file (walk_bytes), and ng_next takes an EPB at
 * the stream's position (libpcap's: no seek) once the walk is there.
 * The buffer keeps the bytes from the walk's next block on (pipe_need),
 * so that the walk, which follows libpcap, finds them; and so that this
 * does not grow without bound while libpcap reads many blocks between
 * two packets, the walk goes ahead as the buffer is refilled during
 * libpcap's reading (walk_ahead: up to the next packet block, an
 * interface block only whole and only once libpcap has opened the
 * stream): the buffer then holds at most one interface block and what
 * a record needs.  What going ahead did to capture_info (interfaces
 * added, anomalies) is undone when libpcap returns no packet after all
 * (cfile_fill), since a file's walk passes blocks only up to the packet
 * libpcap returned last: the stream ends with the file's interfaces
 * and anomalies.
 *
 * Read-ahead (readahead.c): the windows of our plain-pcap reader and of
 * the pcapng block walk, and a stream's bytes, are read by a thread of
 * the file (at most RA_THREADS in a set) while the frames of the current
 * window are analysed, so that the kernel's copy overlaps the analysis
 * (on the 2,008,775-packet RTP bench capture about 0.07 s of 0.30 s of
 * CPU).  The windows are the same with the thread and without (the
 * caller then reads them itself), at consecutive offsets: a record cut
 * by a window's end is joined in front of the next window, a record
 * beyond the window is read by fast_big as before.  A file ahead of the
 * windows after libpcap read a record (it reads from fast.off, which
 * only goes forward) skips to it.  Off with SIPALG_READAHEAD=0 or
 * capture_set_readahead(); by default on with two CPUs or more for a
 * stream or a file of RA_MIN_FILE bytes and more.
 *
 * Errors after the open are anomalies of the file, which then ends (the
 * others go on): libpcap's "truncated dump file ..." (a record cut short by
 * the end of the file) is PCAP_TRUNCATED, anything else PCAP_READ_ERROR;
 * libpcap's text is kept in capture_info.err.  A frame captured shorter than
 * it was on the wire counts CAPLEN_SHORT, and a frame longer than
 * CAP_SNAPLEN is cut there (also CAPLEN_SHORT).
 *
 * pcapng with several interfaces: libpcap 1.10 refuses files whose
 * interfaces have different link types, so pcap_datalink() is the link
 * type of every frame of a file.
 *
 * pcapng interface options: libpcap does not hand out an interface's
 * if_name or if_filter, so pcapng_ifaces() reads the Section Header Block
 * and the blocks after it up to the first packet block itself, through a
 * bounded cursor over the first CAP_PCAPNG_HEAD bytes, before libpcap
 * opens the (rewound) stream.  Layout (pcapng draft, section 4):
 *
 *   SHB  0x0A0D0D0A | total len | 0x1A2B3C4D (byte order) | ver | sect len | opts | total len
 *   IDB  1          | total len | linktype(2) rsvd(2) snaplen(4)         | opts | total len
 *   option: code(2) | length(2) | value, padded to 4 | ...  code 0 = end
 *     code 2 if_name (UTF-8), code 11 if_filter: type byte (0 = libpcap
 *     expression) then the filter
 *
 * A block whose length is not a multiple of 4, shorter than its fixed part
 * or beyond the bytes read, or an option running past its block, is
 * ANOMALY_PCAPNG_BAD_OPTION and leaves the filters unknown.
 *
 * Which interface a packet came on: libpcap does not say either, so a
 * block walker (struct ngwalk) follows the same file through its own
 * descriptor, one packet block per frame libpcap returns.  It reads only
 * block headers, a Section Header Block's byte-order magic and a packet
 * block's interface id, through a WALK_BUF window (pread), and steps
 * over bodies by their length: memory is constant and the file is read
 * once more, in order.  libpcap returns every Enhanced (6), Simple (3)
 * and obsolete Packet Block (2) as a frame, in file order, and fails
 * (ending the file) on one naming an interface not described, so the
 * n-th frame is the n-th packet block.  Interface ids count per section
 * (a new SHB starts at 0 again, as in libpcap); capture_frame.ifnum is
 * 1 + the file-level index (interfaces numbered across sections in file
 * order).  An interface described after the first packet is read here
 * (pcapng_idb(), its block read whole when at most CAP_PCAPNG_HEAD
 * bytes; after one that could not be read, none is).  A block shorter than 12 bytes or not a multiple of 4, a bad
 * byte-order magic, or the file ending where libpcap found a packet is
 * ANOMALY_PCAPNG_BAD_BLOCK: the walk stops and the file's later frames
 * have ifnum 0 (not known), as do frames of a pcap file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/caps.h"
#include "base/cursor.h"
#include "ingest/capture.h"
#include "ingest/readahead.h"

/*
 * The stdio buffer libpcap reads through.  glibc ignores the size given to
 * setvbuf() without a buffer (it keeps st_blksize, 4 KB: one read(2) per
 * 4 KB), so the buffer is ours.  64 KB: the kernel copies each read into
 * it, and a buffer that stays in the second-level cache beside the
 * analysis' working set keeps that copy cheap.  On the 2,008,775-packet
 * bench capture (2 cores of an AMD EPYC, 512 KB L2 each) 256 KB cost 0.22
 * to 0.35 s of system time against 0.06 to 0.10 s for 32 or 64 KB (the
 * libpcap floor, with 4 KB: 0.08 to 0.11 s); 64 KB is 16 times fewer
 * read(2) calls than 4 KB.
 */
#define IOBUF_BYTES (1 << 16)

/* Latest second a frame may claim (2^62 ns, see cfile_fill). */
#define TS_MAX_SEC ((INT64_C(1) << 62) / CAP_NS_PER_SEC)

/* The block walker's read window (see the top). */
#define WALK_BUF RAHEAD_WIN

/* pcapng block types the walker tells apart (pcapng draft, section 4). */
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u
#define NG_SPB 3u
#define NG_EPB 6u

/*
 * Interfaces of a section whose EPBs we may read ourselves (ng_next),
 * and how their time stamps are read: NG_U_PCAP libpcap's (another
 * resolution, a time offset, another link type, an id past
 * NG_OWN_IFACES), NG_U_MICRO and NG_U_NANO ours.
 */
#define NG_OWN_IFACES 64
#define NG_U_PCAP 0
#define NG_U_MICRO 1
#define NG_U_NANO 2

struct ngwalk {
	int fd;                     /* our own descriptor; -1: not walking */
	struct rahead *ra;          /* its windows (a file's) */
	const uint8_t *buf;         /* a window of the file ... */
	uint64_t buf_off;           /* ... from this offset */
	size_t buf_len;
	uint64_t off;               /* the next block */
	int le;                     /* this section's byte order */
	uint32_t base;              /* file-level index of its interface 0 */
	uint32_t nsect;             /* interfaces described in it so far */
	uint32_t nidb;              /* interfaces described in the file so far */
	int idb_ok;                 /* later interface blocks may still be kept */
	/* our own reading of Enhanced Packet Blocks (ng_next) */
	int own;                    /* we may take EPBs */
	uint64_t lp_off;            /* libpcap's next block */
	int seek;                   /* its stream must be set to lp_off first */
	uint32_t snap;              /* pcap_snapshot() */
	uint8_t unit[NG_OWN_IFACES]; /* per interface of this section: NG_U_* */
	/* a stream's walk (walk_pipe_start): its bytes are the stream's
	 * buffer, kept from off on (pipe_need) and walked ahead while
	 * libpcap reads (walk_ahead) */
	struct pipesrc *pipe;       /* NULL: a file's walk (fd) */
	int eager;                  /* 0, or libpcap is reading: 1 opening,
	                             * 2 after (walk_ahead may run) */
	int pending;                /* walked a packet block ahead ... */
	uint32_t pend_ifnum;        /* ... and what walk_next says of it */
	int bad;                    /* walked ahead into a block it stops at */
};

/*
 * Our own read of a plain pcap file (see cfile_fill): a window of the
 * file from offset rb_off (read ahead: see rahead_window).
 */
#define RB_BYTES RAHEAD_WIN

struct fastrd {
	struct rahead *ra;          /* NULL: libpcap reads it all */
	const uint8_t *rb;          /* the window of ra */
	uint64_t rb_off;
	size_t rb_len;
	uint8_t *big;               /* a record the window cannot hold ... */
	size_t big_cap;             /* ... up to CAP_SNAPLEN bytes */
	uint64_t off;               /* the next record */
	uint32_t snap;              /* pcap_snapshot(), at most CAP_SNAPLEN */
	int micro;                  /* microsecond timestamps */
};

/*
 * A stream (standard input, a pipe, a FIFO): bytes [buf_off, buf_off +
 * len) of it in buf, off the first one nobody has taken yet.  libpcap
 * reads the stream through a stdio stream of ours (pipe_cookie_read)
 * that hands out these same bytes from off on, so libpcap and our reader
 * (pipe_next) share one position and each byte is read from the
 * descriptor once (see the top).
 */
#define PIPE_BYTES (1 << 16)

struct pipesrc {
	FILE *in;                   /* the stream opened on the path */
	int fd;                     /* its descriptor, read() here */
	uint8_t *buf;               /* NULL: not a stream */
	size_t cap;                 /* PIPE_BYTES, grown for one record */
	size_t len;
	uint64_t buf_off;
	uint64_t off;
	int err;                    /* errno of a failed read (sticky) */
	int eof;
	int own;                    /* pipe_next takes the records */
	struct rahead *ra;          /* reads fd (ahead, by a thread) */
	uint8_t head[24];           /* the stream's first 24 bytes */
};

struct cfile {
	struct capture_info info;
	struct ngwalk walk;
	struct fastrd fast;
	struct pipesrc pipe;
	pcap_t *pc;                 /* NULL once the file is done */
	FILE *fp;                   /* owned by pc */
	char *iobuf;                /* fp's buffer, freed after fp is closed */
	int nano;                   /* timestamps are in nanoseconds */
	int has;                    /* fr holds a frame not yet handed out */
	struct capture_frame fr;
};

struct capture_set {
	struct cfile *f[CAP_FILES];
	size_t n;
	int last;                   /* file to read from before the next pick */
	int ra_mode;                /* CAPTURE_RA_* */
	int ncpu;                   /* CPUs we may run on */
	int nthreads;               /* read-ahead threads started */
};

/*
 * Read-ahead threads in one set at most: more files than this are read
 * by the analysis' thread (the machines this runs on have a few cores).
 */
#define RA_THREADS 4
/* Smaller files are read without a thread (CAPTURE_RA_AUTO). */
#define RA_MIN_FILE (4u << 20)

struct capture_set *
capture_set_new(void)
{
	struct capture_set *cs = calloc(1, sizeof(*cs));
	const char *env = getenv("SIPALG_READAHEAD");
	cpu_set_t cpus;

	if (cs == NULL)
		return NULL;
	cs->last = -1;
	cs->ra_mode = CAPTURE_RA_AUTO;
	if (env != NULL && strcmp(env, "0") == 0)
		cs->ra_mode = CAPTURE_RA_OFF;
	else if (env != NULL && strcmp(env, "1") == 0)
		cs->ra_mode = CAPTURE_RA_ON;
	cs->ncpu = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ?
	    CPU_COUNT(&cpus) : 1;
	return cs;
}

void
capture_set_readahead(struct capture_set *cs, int mode)
{
	cs->ra_mode = mode;
}

/*
 * Whether the next file of cs (size bytes, 0: a stream) is read ahead
 * by a thread: SIPALG_READAHEAD or capture_set_readahead(), else when
 * there is a second CPU to run it and the file is not small.
 */
static int
ra_wanted(struct capture_set *cs, uint64_t size, int stream)
{
	int on = cs->ra_mode == CAPTURE_RA_ON ||
	    (cs->ra_mode == CAPTURE_RA_AUTO && cs->ncpu >= 2 &&
	    (stream || size >= RA_MIN_FILE));

	return on && cs->nthreads < RA_THREADS;
}

static void
walk_stop(struct ngwalk *w)
{
	rahead_free(w->ra);     /* its thread reads fd */
	w->ra = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->buf = NULL;
	w->pipe = NULL;
}

/* libpcap reads f's plain pcap from now on (or f closes). */
static void
fast_stop(struct fastrd *r)
{
	rahead_free(r->ra);
	r->ra = NULL;
	r->rb = NULL;
	r->rb_len = 0;
}

/* Whether the block walk goes on (a file's or a stream's). */
static inline int
walking(const struct ngwalk *w)
{
	return w->fd >= 0 || w->pipe != NULL;
}

static void
cfile_close(struct cfile *f)
{
	walk_stop(&f->walk);
	fast_stop(&f->fast);
	free(f->fast.big);
	f->fast.big = NULL;
	f->fast.big_cap = 0;
	if (f->pc != NULL)
		pcap_close(f->pc);      /* also closes f->fp (and pipe.in) */
	free(f->pipe.buf);
	f->pipe.buf = NULL;
	f->pipe.own = 0;
	free(f->iobuf);
	f->pc = NULL;
	f->fp = NULL;
	f->iobuf = NULL;
	f->has = 0;
	f->info.done = 1;
}

void
capture_set_free(struct capture_set *cs)
{
	if (cs == NULL)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		cfile_close(cs->f[i]);
		free(cs->f[i]->info.path);
		free(cs->f[i]);
	}
	free(cs);
}

size_t
capture_set_count(const struct capture_set *cs)
{
	return cs->n;
}

struct capture_info *
capture_set_info(struct capture_set *cs, size_t idx)
{
	return idx < cs->n ? &cs->f[idx]->info : NULL;
}

/*
 * How far reading got in f: the stream's offset while the file is open,
 * else where it ended.  ftello() costs a system call, so it is asked here,
 * when a progress figure is wanted, and not every few frames.
 */
static uint64_t
cfile_offset(const struct cfile *f)
{
	off_t o;

	if (f->fp == NULL)
		return f->info.bytes_read;
	if (f->pipe.buf != NULL)
		return f->pipe.off;
	if (f->fast.ra != NULL)
		return f->fast.off;
	if (f->walk.own)
		return f->walk.lp_off;
	o = ftello(f->fp);
	return o >= 0 ? (uint64_t)o : f->info.bytes_read;
}

void
capture_set_progress(const struct capture_set *cs, uint64_t *done,
    uint64_t *total)
{
	uint64_t d = 0, t = 0;

	for (size_t i = 0; i < cs->n; i++) {
		d += cfile_offset(cs->f[i]);
		t += cs->f[i]->info.size;
	}
	*done = d;
	*total = t;
}

static uint32_t walk_next(struct cfile *f);
static void walk_ahead(struct cfile *f);
static int ng_next(struct cfile *f, struct pcap_pkthdr *h,
    const u_char **data, uint32_t *ifnum);

/*
 * The window of r's file made to hold n bytes (<= RB_BYTES) from r->off
 * on (rahead_window).  -1 when the file ends first or on a read error.
 */
static int
fast_refill(struct fastrd *r, size_t n)
{
	return rahead_window(r->ra, r->off, n, &r->rb, &r->rb_off,
	    &r->rb_len);
}

/* *buf of *cap bytes grown to at least n: 0, or -1 (unchanged) on OOM. */
static int
buf_grow(uint8_t **buf, size_t *cap, size_t n)
{
	uint8_t *b;

	if (n <= *cap)
		return 0;
	if ((b = realloc(*buf, n)) == NULL)
		return -1;
	*buf = b;
	*cap = n;
	return 0;
}

/*
 * The n bytes of a record longer than the window (Linux GRO/LRO frames
 * of up to 64 KB and more) at offset off, into r->big (grown to n, n <=
 * CAP_SNAPLEN): what the window holds of it copied, the rest read
 * straight there, no refill of the window that could not hold it.  0,
 * or -1 (a read error, the file cut short, no memory: then libpcap
 * reads the record).
 */
static int
fast_big(struct fastrd *r, int fd, uint64_t off, size_t n)
{
	size_t got = 0;

	if (buf_grow(&r->big, &r->big_cap, n) != 0)
		return -1;
	if (off >= r->rb_off && off < r->rb_off + r->rb_len) {
		got = (size_t)(r->rb_off + r->rb_len - off);
		if (got > n)
			got = n;
		memcpy(r->big, r->rb + (off - r->rb_off), got);
	}
	while (got < n) {
		ssize_t k = pread(fd, r->big + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/*
 * Whether we read the record whose 16-byte header (in this machine's
 * order) is w: not negative times nor a length libpcap cuts (beyond the
 * snapshot length) or refuses, which are libpcap's.
 */
static int
fast_takes(const struct fastrd *r, const uint32_t w[4])
{
	return (w[0] | w[1]) <= INT32_MAX && w[2] <= r->snap;
}

/* The pcap_pkthdr of record header w, times in nanoseconds. */
static void
fast_header(const struct fastrd *r, const uint32_t w[4],
    struct pcap_pkthdr *h)
{
	h->ts.tv_sec = (time_t)w[0];
	h->ts.tv_usec = (suseconds_t)w[1] * (r->micro ? 1000 : 1);
	h->caplen = w[2];
	h->len = w[3];
}

/*
 * The next record of a plain pcap file read by us (see cfile_fill) into
 * *h and *data: 1, or 0 when it is not one we read the way libpcap does
 * (then libpcap reads it).
 */
static int
fast_next(struct cfile *f, struct pcap_pkthdr *h, const u_char **data)
{
	struct fastrd *r = &f->fast;
	uint32_t w[4];
	size_t i = (size_t)(r->off - r->rb_off);

	if (r->off < r->rb_off || r->off + 16 > r->rb_off + r->rb_len) {
		if (fast_refill(r, 16) != 0)
			return 0;
		i = (size_t)(r->off - r->rb_off);
	}
	memcpy(w, r->rb + i, 16);
	if (!fast_takes(r, w))
		return 0;
	if (16 + (size_t)w[2] > RB_BYTES) {
		if (fast_big(r, fileno(f->fp), r->off + 16, w[2]) != 0)
			return 0;
		*data = r->big;
	} else {
		if (i + 16 + w[2] > r->rb_len) {
			if (fast_refill(r, 16 + (size_t)w[2]) != 0)
				return 0;
			i = (size_t)(r->off - r->rb_off);
		}
		*data = r->rb + i + 16;
	}
	fast_header(r, w, h);
	r->off += 16 + (uint64_t)w[2];
	return 1;
}

/* ---- a stream read by us (see the top) ---- */

/*
 * Makes buf hold at least n bytes from p->off on: what is left of it
 * moved to the front, then read() until there are n (each call asks for
 * all the room there is, and returns what the stream has).  The buffer
 * grows to n when smaller (n <= 16 + CAP_SNAPLEN).  0, or -1 at the end
 * of the stream, on a read error (kept in p->err) or without memory;
 * the bytes already read stay in buf.
 */
static int
pipe_need(struct pipesrc *p, size_t n)
{
	struct cfile *f = (struct cfile *)(void *)((char *)p -
	    offsetof(struct cfile, pipe));
	size_t i = (size_t)(p->off - p->buf_off);
	uint64_t keep = p->off;

	if (p->len - i >= n)
		return 0;
	if (p->err != 0 || p->eof)
		return -1;
	/* a pcapng stream's walk keeps the blocks it has not passed */
	if (f->walk.pipe == p) {
		walk_ahead(f);
		if (f->walk.pipe == p && !f->walk.bad && f->walk.off < keep)
			keep = f->walk.off;
	}
	i = (size_t)(keep - p->buf_off);
	if (buf_grow(&p->buf, &p->cap, (size_t)(p->off - keep) + n) != 0)
		return -1;
	memmove(p->buf, p->buf + i, p->len - i);
	p->len -= i;
	p->buf_off = keep;
	n += (size_t)(p->off - keep);
	while (p->len < n) {
		ssize_t k = p->ra != NULL ?
		    rahead_read(p->ra, p->buf + p->len, p->cap - p->len) :
		    read(p->fd, p->buf + p->len, p->cap - p->len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			p->err = errno;
			return -1;
		}
		if (k == 0) {
			p->eof = 1;
			return -1;
		}
		p->len += (size_t)k;
	}
	return 0;
}

/*
 * The read function of the stdio stream libpcap reads a stream through
 * (fopencookie, unbuffered: stdio asks for exactly what libpcap asks
 * for, and keeps nothing back): the next bytes of buf, read when it has
 * none left.  A read error is reported with its errno every time after.
 */
static ssize_t
pipe_cookie_read(void *cookie, char *dst, size_t size)
{
	struct pipesrc *p = cookie;
	size_t i, n;

	if (size == 0)
		return 0;
	if (pipe_need(p, 1) != 0) {
		if (p->err != 0) {
			errno = p->err;
			return -1;
		}
		return 0;
	}
	i = (size_t)(p->off - p->buf_off);
	n = p->len - i < size ? p->len - i : size;
	memcpy(dst, p->buf + i, n);
	for (size_t k = 0; k < n && p->off + k < sizeof(p->head); k++)
		p->head[p->off + k] = p->buf[i + k];
	p->off += n;
	return (ssize_t)n;
}

static int
pipe_cookie_close(void *cookie)
{
	struct pipesrc *p = cookie;
	int r;

	rahead_free(p->ra);     /* its thread reads in */
	p->ra = NULL;
	r = p->in != NULL ? fclose(p->in) : 0;
	p->in = NULL;
	return r;
}

/*
 * The next record of a plain pcap stream read by us, in place in
 * f->pipe.buf: 1, or 0 when it is not one we read the way libpcap does
 * (then libpcap reads it through pipe_cookie_read, from the same byte).
 */
static int
pipe_next(struct cfile *f, struct pcap_pkthdr *h, const u_char **data)
{
	struct pipesrc *p = &f->pipe;
	uint32_t w[4];

	if (pipe_need(p, 16) != 0)
		return 0;
	memcpy(w, p->buf + (p->off - p->buf_off), 16);
	if (!fast_takes(&f->fast, w) || pipe_need(p, 16 + (size_t)w[2]) != 0)
		return 0;
	*data = p->buf + (p->off - p->buf_off) + 16;
	fast_header(&f->fast, w, h);
	p->off += 16 + (uint64_t)w[2];
	return 1;
}

/*
 * *fr becomes the frame of f just read (f->info.packets counts it
 * already), taken at ts; the file's first and last times follow it.
 */
static inline void
frame_set(struct cfile *f, struct capture_frame *fr, int64_t ts,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t ifnum)
{
	if (f->info.packets == 1 || ts < f->info.first_ns)
		f->info.first_ns = ts;
	if (f->info.packets == 1 || ts > f->info.last_ns)
		f->info.last_ns = ts;
	fr->cap_idx = f->fr.cap_idx;
	fr->frame = f->info.packets;
	fr->ts_ns = ts;
	fr->linktype = f->info.linktype; /* pcap_datalink(), see the top */
	fr->data = data;
	fr->caplen = caplen;
	fr->wirelen = wirelen;
	fr->ifnum = ifnum;
}

/*
 * The commonest case of cfile_fill, in one step: the next record of a
 * plain pcap file read by us (fast_next) when it lies whole in the
 * window and fast_takes it.  Its time needs no clamp (seconds below
 * 2^31), its length no cut (at most the snapshot length and
 * CAP_SNAPLEN), and a file we read has no walk (ifnum 0): what the
 * general path does for such a record, without its calls and checks,
 * into *fr (f->fr, or in a set of one file the caller's frame: no copy).
 * Returns 0, having changed nothing, for any other record.
 */
static inline int
fast_fill(struct cfile *f, struct capture_frame *fr)
{
	struct fastrd *r = &f->fast;
	size_t i = (size_t)(r->off - r->rb_off);
	uint32_t w[4];
	int64_t ts;

	if (i + 16 > r->rb_len)
		return 0;
	memcpy(w, r->rb + i, 16);
	if (!fast_takes(r, w) || i + 16 + (size_t)w[2] > r->rb_len)
		return 0;
	r->off += 16 + (uint64_t)w[2];
	f->info.own_records++;
	f->info.packets++;
	if (w[2] < w[3])
		anomaly_add(&f->info.an, ANOMALY_CAPLEN_SHORT);
	ts = (int64_t)w[0] * CAP_NS_PER_SEC +
	    (int64_t)w[1] * (r->micro ? 1000 : 1);
	frame_set(f, fr, ts, r->rb + i + 16, w[2], w[3], 0);
	return 1;
}

/*
 * Reads the next frame of f into f->fr; ends the file at EOF or error.
 * A plain pcap file (fast_start) is read by us, record by record as
 * libpcap does, into a window of the file, without stdio's copy and
 * libpcap's; a record we do not take (one cut short by the end of the
 * file, a length beyond the snapshot length, a negative time stamp, the
 * end) is read by libpcap from the same offset, so that what it says
 * about it is libpcap's.
 */
static void
cfile_fill(struct cfile *f)
{
	struct pcap_pkthdr *h, fh;
	const u_char *data;
	int r;
	int64_t ts, sec;
	uint32_t caplen, ifnum = 0;
	int own;

	f->has = 0;
	if (f->pc == NULL)
		return;
	if ((f->pipe.own && pipe_next(f, &fh, &data) == 1) ||
	    (f->fast.ra != NULL && fast_next(f, &fh, &data) == 1) ||
	    (f->walk.own && ng_next(f, &fh, &data, &ifnum) == 1)) {
		h = &fh;
		r = 1;
		own = 1;
		f->info.own_records++;
	} else {
		own = 0;
		if (f->fast.ra != NULL &&
		    fseeko(f->fp, (off_t)f->fast.off, SEEK_SET) != 0)
			fast_stop(&f->fast);
		if (f->walk.own && f->walk.seek) {
			/* past the blocks we took; a regular file */
			if (fseeko(f->fp, (off_t)f->walk.lp_off, SEEK_SET) != 0)
				f->walk.own = 0;
			f->walk.seek = 0;
		}
		if (f->walk.pipe != NULL) {
			/* the walk may go ahead while libpcap reads (see
			 * walk_ahead): put back what it did to info unless
			 * libpcap returns the packet */
			int nif = f->info.nifaces;
			struct anomalies an = f->info.an;

			f->walk.eager = 2;
			r = pcap_next_ex(f->pc, &h, &data);
			f->walk.eager = 0;
			if (r != 1) {
				f->info.nifaces = nif;
				f->info.an = an;
			}
		} else
			r = pcap_next_ex(f->pc, &h, &data);
		if (f->fast.ra != NULL) {
			off_t o = r == 1 ? ftello(f->fp) : -1;

			if (o >= 0)
				f->fast.off = (uint64_t)o;
			else
				fast_stop(&f->fast);  /* libpcap's from now on */
		}
		if (f->walk.own && f->walk.pipe == NULL) {
			off_t o = r == 1 ? ftello(f->fp) : -1;

			if (o >= 0)
				f->walk.lp_off = (uint64_t)o;
			else
				f->walk.own = 0;      /* libpcap's from now on */
		}
	}
	if (r != 1) {
		if (r == PCAP_ERROR) {
			const char *e = pcap_geterr(f->pc);

			anomaly_add(&f->info.an, strstr(e, "truncated") != NULL ?
			    ANOMALY_PCAP_TRUNCATED : ANOMALY_PCAP_READ_ERROR);
			snprintf(f->info.err, sizeof(f->info.err),
			    "%s (after frame %llu)", e,
			    (unsigned long long)f->info.packets);
			f->info.bytes_read = cfile_offset(f);
		} else
			f->info.bytes_read = f->info.size;
		cfile_close(f);
		return;
	}
	f->info.packets++;
	caplen = h->caplen;
	if (caplen > CAP_SNAPLEN)
		caplen = CAP_SNAPLEN;
	if (caplen < h->len)
		anomaly_add(&f->info.an, ANOMALY_CAPLEN_SHORT);
	/*
	 * pcapng timestamps are 64-bit counts in any unit, so tv_sec can be
	 * far past what int64 nanoseconds hold (found by fuzz_capture: a
	 * signed overflow).  Clamp seconds to [0, TS_MAX_SEC]: 2^62 ns, the
	 * year 2116, leaves room for every difference and every timeout
	 * added to a capture time downstream.
	 */
	sec = (int64_t)h->ts.tv_sec;
	if (sec < 0)
		sec = 0;
	else if (sec > TS_MAX_SEC)
		sec = TS_MAX_SEC;
	ts = sec * CAP_NS_PER_SEC +
	    (int64_t)h->ts.tv_usec * (f->nano ? 1 : 1000);
	if (!own || !f->walk.own)
		ifnum = walk_next(f);
	frame_set(f, &f->fr, ts, data, caplen, h->len, ifnum);
	f->has = 1;
}

/* Reads a 32- or 16-bit value in the section's byte order. */
static uint32_t
ng32(struct cur *c, int le)
{
	return le ? cur_le32(c) : cur_be32(c);
}

static uint16_t
ng16(struct cur *c, int le)
{
	return le ? cur_le16(c) : cur_be16(c);
}

/* Copies an option value into a NUL-terminated field; 1 when cut. */
static int
opt_text(char *dst, size_t size, const uint8_t *v, size_t n)
{
	const uint8_t *nul = memchr(v, 0, n);
	size_t k = nul != NULL ? (size_t)(nul - v) : n;
	int cut = 0;

	/* trailing NULs are padding some writers count in the length */
	if (nul != NULL)
		for (size_t i = k; i < n; i++)
			if (v[i] != 0)
				cut = 1;
	if (k >= size) {
		k = size - 1;
		cut = 1;
	}
	memcpy(dst, v, k);
	dst[k] = '\0';
	return cut;
}

/*
 * One Interface Description Block's body (after type and length, before
 * the trailing length) into the next slot of info.  Returns 0, or -1 on a
 * malformed option.
 */
static int
pcapng_idb(struct cur *b, int le, struct capture_info *info)
{
	struct capture_iface *ifc;

	if (info->nifaces >= CAP_IFACES) {
		anomaly_add(&info->an, ANOMALY_PCAPNG_IFACES_CAP);
		return -1;
	}
	ifc = &info->ifaces[info->nifaces];
	memset(ifc, 0, sizeof(*ifc));
	ifc->filter_type = -1;
	cur_skip(b, 8);                 /* linktype, reserved, snaplen */
	while (cur_left(b) >= 4) {
		uint16_t code = ng16(b, le), len = ng16(b, le);
		const uint8_t *v;

		if (code == 0)
			break;
		v = cur_take(b, len);
		if (v == NULL || !cur_skip(b, (4 - len % 4) % 4))
			return -1;
		if (code == 2)
			opt_text(ifc->name, sizeof(ifc->name), v, len);
		else if (code == 11) {
			if (len < 1)
				return -1;
			ifc->filter_type = v[0];
			ifc->filter_cut = opt_text(ifc->filter,
			    sizeof(ifc->filter), v + 1, len - 1u);
		}
	}
	if (b->err)
		return -1;
	info->nifaces++;
	return 0;
}

/*
 * The interfaces a pcapng file describes before its first packet (see
 * the top of the file), from its first got bytes in buf (got <
 * CAP_PCAPNG_HEAD: the whole file).
 */
static void
pcapng_head(const uint8_t *buf, size_t got, struct capture_info *info)
{
	struct cur c;
	int le;

	cur_init(&c, buf, got);
	if (got < 12 || memcmp(buf, "\x0a\x0d\x0d\x0a", 4) != 0)
		return;
	info->pcapng = 1;
	le = buf[8] == 0x4d && buf[9] == 0x3c && buf[10] == 0x2b &&
	    buf[11] == 0x1a;
	for (int first = 1;; first = 0) {
		uint32_t type, len;
		struct cur b;

		if (cur_left(&c) == 0)
			break;          /* the file ends before any packet */
		type = ng32(&c, le);
		len = ng32(&c, le);
		if (c.err || len < 12 || len % 4 != 0 ||
		    len - 8 > cur_left(&c)) {
			/* cut by our read window: the rest is not seen */
			if (!c.err && len >= 12 && len % 4 == 0 &&
			    got == CAP_PCAPNG_HEAD)
				break;
			anomaly_add(&info->an, ANOMALY_PCAPNG_BAD_OPTION);
			return;
		}
		if (!first && (type == 0x0A0D0D0A || type == 2 || type == 3 ||
		    type == 6)) {
			info->ifaces_known = 1;
			break;          /* a packet (or a new section) */
		}
		b = cur_sub(&c, len - 12);
		cur_skip(&c, 4);        /* trailing length */
		if (type == 1 && pcapng_idb(&b, le, info) != 0) {
			if (info->nifaces < CAP_IFACES)
				anomaly_add(&info->an,
				    ANOMALY_PCAPNG_BAD_OPTION);
			return;
		}
	}
	if (cur_left(&c) == 0 && got < CAP_PCAPNG_HEAD)
		info->ifaces_known = 1; /* whole file read, no packet */
}

/*
 * pcapng_head() of a file: fp is at its start and is rewound.
 */
static void
pcapng_ifaces(FILE *fp, struct capture_info *info)
{
	uint8_t *buf;
	size_t got;

	if (fseeko(fp, 0, SEEK_CUR) != 0)
		return;
	buf = malloc(CAP_PCAPNG_HEAD);
	if (buf == NULL)
		return;
	got = fread(buf, 1, CAP_PCAPNG_HEAD, fp);
	if (fseeko(fp, 0, SEEK_SET) == 0)
		pcapng_head(buf, got, info);
	else
		clearerr(fp);   /* libpcap would read from the wrong place */
	free(buf);
}

/*
 * pcapng_head() of a stream: its first CAP_PCAPNG_HEAD bytes (fewer:
 * the whole stream) read into its buffer, where libpcap then reads them
 * (only when it begins as pcapng does).
 */
static void
pcapng_pipe_head(struct pipesrc *p, struct capture_info *info)
{
	size_t got;

	(void)pipe_need(p, 4);
	if (p->len < 4 || memcmp(p->buf, "\x0a\x0d\x0d\x0a", 4) != 0)
		return;
	(void)pipe_need(p, CAP_PCAPNG_HEAD);
	got = p->len < CAP_PCAPNG_HEAD ? p->len : CAP_PCAPNG_HEAD;
	pcapng_head(p->buf, got, info);
}

/* ---- the block walker (see the top) ---- */

/*
 * Points *p at n (<= WALK_BUF) bytes of the file at off, reading the
 * window there when they are not in it.  Returns 0, or -1 when the file
 * ends first or cannot be read.
 */
static int
walk_bytes(struct ngwalk *w, uint64_t off, size_t n, const uint8_t **p)
{
	if (w->pipe != NULL) {
		/* a stream's: what its buffer holds (pipe_need keeps it) */
		const struct pipesrc *s = w->pipe;

		if (off < s->buf_off || off - s->buf_off > s->len ||
		    n > s->len - (size_t)(off - s->buf_off))
			return -1;
		*p = s->buf + (off - s->buf_off);
		return 0;
	}
	if ((off < w->buf_off || off - w->buf_off + n > w->buf_len) &&
	    rahead_window(w->ra, off, n, &w->buf, &w->buf_off,
	    &w->buf_len) != 0)
		return -1;
	*p = w->buf + (off - w->buf_off);
	return 0;
}

/*
 * An Interface Description Block of len bytes at off that the walk meets
 * after the first packet: into the next slot of info when it is the
 * next one (an earlier one not kept leaves the later ones unknown too).
 */
static void
walk_idb(struct cfile *f, uint32_t idx, uint64_t off, uint32_t len)
{
	struct capture_info *info = &f->info;
	uint8_t *body = NULL;
	const uint8_t *sb;
	struct cur b;
	ssize_t got;

	if (!f->walk.idb_ok || idx != (uint32_t)info->nifaces)
		return;
	if (info->nifaces >= CAP_IFACES) {
		/* once per file, as pcapng_ifaces() counts it */
		if (info->an.n[ANOMALY_PCAPNG_IFACES_CAP] == 0)
			anomaly_add(&info->an, ANOMALY_PCAPNG_IFACES_CAP);
		return;
	}
	if (len - 12 > CAP_PCAPNG_HEAD || (f->walk.pipe == NULL &&
	    (body = malloc(len - 12)) == NULL)) {
		anomaly_add(&info->an, ANOMALY_PCAPNG_BAD_OPTION);
		return;
	}
	if (f->walk.pipe != NULL)
		got = walk_bytes(&f->walk, off + 8, len - 12, &sb) == 0 ?
		    (ssize_t)(len - 12) : -1;
	else {
		do
			got = pread(f->walk.fd, body, len - 12,
			    (off_t)(off + 8));
		while (got < 0 && errno == EINTR);
		sb = body;
	}
	cur_init(&b, sb, got > 0 ? (size_t)got : 0);
	if (got != (ssize_t)(len - 12) ||
	    pcapng_idb(&b, f->walk.le, info) != 0) {
		anomaly_add(&info->an, ANOMALY_PCAPNG_BAD_OPTION);
		f->walk.idb_ok = 0;
	}
	free(body);
}

/*
 * How we read the time stamps of the interface whose Interface
 * Description Block of len bytes is at off (NG_U_*), as libpcap's
 * add_interface() reads its options: if_tsresol (9, one byte, 6 or 9:
 * 10^-6 or 10^-9 s; 10^-6 when absent), if_tsoffset (14, eight bytes,
 * absent or 0), each padded to 4, up to opt_endofopt or the end of the
 * block.  Anything else -- another resolution or a time offset, another
 * link type than the file's, an option libpcap would refuse, a block
 * longer than our window -- leaves the interface's packets to libpcap.
 */
static uint8_t
ng_idb_unit(struct cfile *f, uint64_t off, uint32_t len)
{
	struct ngwalk *w = &f->walk;
	const uint8_t *p;
	struct cur c;
	int unit = NG_U_MICRO, seen_res = 0, seen_off = 0;

	if (len > WALK_BUF || len < 20 || walk_bytes(w, off, len, &p) != 0)
		return NG_U_PCAP;
	cur_init(&c, p + 8, len - 12);
	if (ng16(&c, w->le) != (uint32_t)f->info.linktype)
		return NG_U_PCAP;
	cur_skip(&c, 6);                /* reserved, snaplen */
	while (cur_left(&c) > 0) {
		uint16_t code, olen;
		const uint8_t *v;

		if (cur_left(&c) < 4)
			return NG_U_PCAP;
		code = ng16(&c, w->le);
		olen = ng16(&c, w->le);
		v = cur_take(&c, ((size_t)olen + 3) / 4 * 4);
		if (v == NULL)
			return NG_U_PCAP;
		if (code == 0) {
			if (olen != 0)
				return NG_U_PCAP;
			break;
		}
		if (code == 9) {
			if (olen != 1 || seen_res++ || (v[0] != 6 && v[0] != 9))
				return NG_U_PCAP;
			unit = v[0] == 9 ? NG_U_NANO : NG_U_MICRO;
		} else if (code == 14) {
			static const uint8_t zero[8];

			if (olen != 8 || seen_off++ || memcmp(v, zero, 8) != 0)
				return NG_U_PCAP;
		}
	}
	return c.err ? NG_U_PCAP : (uint8_t)unit;
}

/*
 * The next frame of a pcapng file read by us (see the top): the
 * Enhanced Packet Block where libpcap would read next, when it is one
 * libpcap reads without error and we read the same way: its length a
 * multiple of 4 and within our window, the trailing length the same, an
 * interface of this section whose time stamps we read (ng_idb_unit), a
 * captured length within the snapshot length and within the block.
 * Times as libpcap's pcap_ng_next_packet() makes them for nanosecond
 * precision.  1, with *ifnum as walk_next() gives it, or 0: then libpcap
 * reads it (and the walk follows).
 */
/* A 32-bit value at p in the section's byte order (ng_next: no cursor). */
static inline uint32_t
ng_ld32(const uint8_t *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 :
	    (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[0] << 24;
}

static int
ng_next(struct cfile *f, struct pcap_pkthdr *h, const u_char **data,
    uint32_t *ifnum)
{
	struct ngwalk *w = &f->walk;
	struct pipesrc *s = w->pipe;
	const uint8_t *p;
	uint32_t len, id, caplen;
	uint64_t t;

	if (s != NULL) {
		/* a stream's: at its position, once the walk is there */
		if (w->pending || w->bad || w->off != s->off ||
		    pipe_need(s, 8) != 0)
			return 0;
		p = s->buf + (s->off - s->buf_off);
		len = ng_ld32(p + 4, w->le);
		if (ng_ld32(p, w->le) != NG_EPB || len < 32 || len % 4 != 0 ||
		    len > WALK_BUF || pipe_need(s, len) != 0)
			return 0;
		p = s->buf + (s->off - s->buf_off);
	} else {
		if (w->fd < 0 || w->off != w->lp_off ||
		    walk_bytes(w, w->off, 8, &p) != 0 ||
		    ng_ld32(p, w->le) != NG_EPB)
			return 0;
		len = ng_ld32(p + 4, w->le);
		if (len < 32 || len % 4 != 0 || len > WALK_BUF)
			return 0;
		/* the whole block: in the window already (p is in it),
		 * or read there */
		if (w->off - w->buf_off + len > w->buf_len &&
		    walk_bytes(w, w->off, len, &p) != 0)
			return 0;
	}
	id = ng_ld32(p + 8, w->le);
	caplen = ng_ld32(p + 20, w->le);
	if (ng_ld32(p + len - 4, w->le) != len || id >= w->nsect ||
	    id >= NG_OWN_IFACES || w->unit[id] == NG_U_PCAP ||
	    caplen > w->snap || caplen > len - 32)
		return 0;
	t = (uint64_t)ng_ld32(p + 12, w->le) << 32 | ng_ld32(p + 16, w->le);
	if (w->unit[id] == NG_U_NANO) {
		h->ts.tv_sec = (time_t)(t / 1000000000u);
		h->ts.tv_usec = (suseconds_t)(t % 1000000000u);
	} else {
		h->ts.tv_sec = (time_t)(t / 1000000u);
		h->ts.tv_usec = (suseconds_t)(t % 1000000u * 1000u);
	}
	h->caplen = caplen;
	h->len = ng_ld32(p + 24, w->le);
	*data = p + 28;
	*ifnum = w->base + id + 1;
	w->off += len;
	if (s != NULL)
		s->off = w->off;
	else {
		w->lp_off = w->off;
		w->seek = 1;
	}
	return 1;
}

/*
 * One block of the walk at w->off (see walk_next): 1 when it was passed,
 * 2 for a packet block (passed too; w->pend_ifnum says which interface,
 * 1 + its file-level index, 0 when not known), 0 at a block the walk
 * stops at, -1 when ahead (walk_ahead) the stream's buffer does not hold
 * it yet, or not the whole of an interface block it reads.
 */
static int
walk_block(struct cfile *f, int ahead)
{
	struct ngwalk *w = &f->walk;
	const uint8_t *h, *body;
	uint32_t type, len, id;
	struct cur c, magic;

	if (walk_bytes(w, w->off, 12, &h) != 0)
		return ahead ? -1 : 0;
	cur_init(&c, h, 12);
	type = ng32(&c, w->le);
	if (type == NG_SHB) {
		/* the byte order is the section's own: its magic read
		 * little-endian, or the same bytes reversed */
		uint32_t bom;

		cur_init(&magic, h + 8, 4);
		bom = ng32(&magic, 1);
		if (bom == 0x1A2B3C4Du)
			w->le = 1;
		else if (bom == 0x4D3C2B1Au)
			w->le = 0;
		else
			return 0;
	}
	cur_init(&c, h + 4, 8);
	len = ng32(&c, w->le);
	if (len < 12 || len % 4 != 0 || w->off > UINT64_MAX - len)
		return 0;
	/* ahead, an interface block is read whole (when it is read at
	 * all: walk_idb, ng_idb_unit), and only once libpcap opened the
	 * stream (its link type) */
	if (ahead && type == NG_IDB && (w->eager == 1 ||
	    (len - 12 <= CAP_PCAPNG_HEAD &&
	    walk_bytes(w, w->off, len, &body) != 0)))
		return -1;
	switch (type) {
	case NG_SHB:
		w->base = w->nidb;
		w->nsect = 0;
		break;
	case NG_IDB:
		if (w->own && w->nsect < NG_OWN_IFACES)
			w->unit[w->nsect] = ng_idb_unit(f, w->off, len);
		walk_idb(f, w->nidb, w->off, len);
		w->nidb++;
		w->nsect++;
		break;
	case NG_EPB:
	case NG_PB:
	case NG_SPB:
		/* PB: a 16-bit interface id then a drop count */
		id = type == NG_SPB ? 0 : type == NG_PB ?
		    ng16(&c, w->le) : ng32(&c, w->le);
		w->pend_ifnum = id < w->nsect ? w->base + id + 1 : 0;
		w->off += len;
		return 2;
	default:
		break;
	}
	w->off += len;
	return 1;
}

/*
 * The next packet block of f's file: 1 + the file-level index of the
 * interface it names, 0 when not known (not walking, an id not
 * described).  Stops the walk with ANOMALY_PCAPNG_BAD_BLOCK on a
 * malformed block or when the file ends first.  Every turn of the loop
 * moves at least 12 bytes on, so it ends at the end of the file.  A
 * stream's walk may have gone ahead (walk_ahead): a packet block it
 * passed is the one libpcap returned.
 */
static uint32_t
walk_next(struct cfile *f)
{
	struct ngwalk *w = &f->walk;
	int r = 1;

	while (walking(w) && !w->bad) {
		if (w->pending || (r = walk_block(f, 0)) == 2) {
			w->pending = 0;
			return w->pend_ifnum;
		}
		if (r != 1)
			break;
	}
	if (walking(w)) {
		anomaly_add(&f->info.an, ANOMALY_PCAPNG_BAD_BLOCK);
		walk_stop(w);
	}
	return 0;
}

/*
 * A stream's walk while libpcap reads (w->eager): the blocks its buffer
 * holds, up to the next packet block, so that pipe_need need not keep
 * them (memory: at most an interface block, 12 bytes of another).  What
 * this does to f->info stands only if libpcap returns the packet
 * (cfile_fill puts it back otherwise): a file's walk passes the blocks
 * before a packet only once libpcap returned it.
 */
static void
walk_ahead(struct cfile *f)
{
	struct ngwalk *w = &f->walk;
	int r = 1;

	while (w->pipe != NULL && w->eager && !w->pending && !w->bad &&
	    (r = walk_block(f, 1)) == 1)
		;
	if (w->pipe != NULL && r == 2)
		w->pending = 1;
	else if (w->pipe != NULL && r == 0)
		w->bad = 1;
}

/*
 * Starts the walk over path (a regular pcapng file already opened by
 * libpcap).  Without a descriptor or memory the frames' interfaces are
 * simply not known.
 */
static void
walk_init(struct ngwalk *w, const struct capture_info *info)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->le = 1;
	/* an interface block pcapng_ifaces() could not read is counted
	 * there once; the walk keeps none after it */
	w->idb_ok = info->an.n[ANOMALY_PCAPNG_BAD_OPTION] == 0;
}

static void
walk_start(struct cfile *f, int thread)
{
	struct ngwalk *w = &f->walk;

	walk_init(w, &f->info);
	if (!f->info.pcapng)
		return;
	/* The descriptor libpcap reads, not the path opened again: "-" may
	 * be a regular file on standard input, and a path may have been
	 * replaced since (pread moves no shared offset). */
	w->fd = dup(fileno(f->fp));
	if (w->fd < 0)
		return;
	/* the walk reads the file from its start, forward */
	w->ra = rahead_new(w->fd, 0, 0, thread);
	if (w->ra == NULL) {
		close(w->fd);
		w->fd = -1;
	}
}

/*
 * Starts the walk over a pcapng stream (before libpcap opens it): its
 * bytes are those of the stream's buffer (walk_bytes), which keeps
 * them from the walk's block on (pipe_need).
 */
static void
walk_pipe_start(struct cfile *f)
{
	walk_init(&f->walk, &f->info);
	if (f->info.pcapng && f->pipe.buf != NULL)
		f->walk.pipe = &f->pipe;
}

/*
 * Whether we read f's records ourselves (cfile_fill), given its file
 * header hdr: a plain pcap file or stream libpcap reads without changing
 * a record: pcap, not pcapng, in this machine's byte order (no
 * swapping), version 2.4 or later (older ones may have caplen and len
 * swapped), microsecond or nanosecond magic (not the "modified" formats
 * with longer record headers), a link type libpcap does not fix up (not
 * Linux USB).  fast_header() hands out nanoseconds (a microsecond file's
 * times times 1000), as libpcap does for a file opened with nanosecond
 * precision; cfile_fill() scales by f->nano, so our reader starts only
 * when libpcap granted that precision.  Sets the snapshot length and
 * the unit our reader uses.
 */
static int
fast_file_ok(struct cfile *f, const uint8_t hdr[24])
{
	uint32_t magic;
	uint16_t major, minor;

	if (!f->nano || f->info.pcapng || walking(&f->walk) ||
	    pcap_is_swapped(f->pc) ||
	    f->info.linktype == 189 || f->info.linktype == 220)
		return 0;
	memcpy(&magic, hdr, 4);
	memcpy(&major, hdr + 4, 2);
	memcpy(&minor, hdr + 6, 2);
	if ((magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) || major != 2 ||
	    minor < 4 || pcap_snapshot(f->pc) <= 0)
		return 0;
	f->fast.snap = (uint32_t)pcap_snapshot(f->pc);
	if (f->fast.snap > CAP_SNAPLEN)
		f->fast.snap = CAP_SNAPLEN;
	f->fast.micro = magic == 0xa1b2c3d4u;
	return 1;
}

/* Our reading of a regular file, just past its header (see the top). */
static void
fast_start(struct cfile *f, int thread)
{
	uint8_t hdr[24];

	if (pread(fileno(f->fp), hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    ftello(f->fp) != (off_t)sizeof(hdr) || !fast_file_ok(f, hdr))
		return;
	f->fast.ra = rahead_new(fileno(f->fp), 0, sizeof(hdr), thread);
	if (f->fast.ra == NULL)
		return;
	f->fast.rb = NULL;
	f->fast.rb_off = f->fast.off = sizeof(hdr);
	f->fast.rb_len = 0;
}

/*
 * Our reading of a pcapng file's Enhanced Packet Blocks (ng_next), with
 * the walk (walk_start): libpcap has read the Section Header Block and
 * the first Interface Description Block; it reads every other block
 * (the walk follows it and notes the interfaces), and we take an EPB
 * only where libpcap would read next.  Not for link types libpcap fixes
 * up (Linux USB, and in the other byte order NFLOG), nor without
 * nanosecond precision.
 */
static void
ng_start(struct cfile *f)
{
	struct ngwalk *w = &f->walk;
	off_t o;

	if (!walking(w) || !f->nano || pcap_snapshot(f->pc) <= 0 ||
	    f->info.linktype == 189 || f->info.linktype == 220 ||
	    f->info.linktype == 239)
		return;
	if (w->pipe == NULL) {
		if ((o = ftello(f->fp)) < 0)
			return;
		w->lp_off = (uint64_t)o;
	}
	w->snap = (uint32_t)pcap_snapshot(f->pc);
	w->own = 1;
}

/*
 * Our reading of a stream: libpcap has taken its 24-byte header (kept
 * in head) and nothing more.
 */
static void
pipe_start(struct cfile *f)
{
	struct pipesrc *p = &f->pipe;

	if (p->buf != NULL && p->off == sizeof(p->head) &&
	    fast_file_ok(f, p->head))
		p->own = 1;
}

/*
 * A stream of ours over in (standard input, a pipe) for libpcap to read
 * (see the top and struct pipesrc), or NULL without memory.  On success
 * it owns in: closing it closes in.
 */
static FILE *
pipe_open(struct pipesrc *p, FILE *in, int thread)
{
	static const cookie_io_functions_t io = { pipe_cookie_read, NULL,
	    NULL, pipe_cookie_close };
	FILE *fp;

	memset(p, 0, sizeof(*p));
	p->buf = malloc(PIPE_BYTES);
	if (p->buf == NULL)
		return NULL;
	p->cap = PIPE_BYTES;
	p->fd = fileno(in);
	p->in = in;
	p->ra = rahead_new(p->fd, 1, 0, thread);
	fp = p->ra != NULL ? fopencookie(p, "rb", io) : NULL;
	if (fp == NULL || setvbuf(fp, NULL, _IONBF, 0) != 0) {
		if (fp != NULL) {
			p->in = NULL;   /* not closed with fp: the caller's */
			fclose(fp);     /* (frees p->ra) */
		}
		rahead_free(p->ra);
		free(p->buf);
		memset(p, 0, sizeof(*p));
		return NULL;
	}
	return fp;
}

/*
 * Turns libpcap's open error into a reason for people.  To look at the
 * magic of files libpcap does not know, fp is rewound; a stream, which
 * cannot be, gives its first bytes in head (fp NULL).
 */
static void
open_reason(FILE *fp, const uint8_t *head, size_t headlen,
    const char *pcap_err, char *err, size_t errlen)
{
	uint8_t m[8];
	size_t got;

	if (strstr(pcap_err, "unknown file format") != NULL) {
		if (fp != NULL) {
			rewind(fp);
			got = fread(m, 1, sizeof(m), fp);
		} else {
			got = headlen < sizeof(m) ? headlen : sizeof(m);
			memcpy(m, head, got);
		}
		if (got >= 4 && memcmp(m, "GMBU", 4) == 0)
			snprintf(err, errlen, "not a pcap or pcapng file "
			    "(Microsoft Network Monitor 2.x capture; convert "
			    "it with editcap -F pcap)");
		else if (got >= 4 && memcmp(m, "RTSS", 4) == 0)
			snprintf(err, errlen, "not a pcap or pcapng file "
			    "(Microsoft Network Monitor 1.x capture; convert "
			    "it with editcap -F pcap)");
		else if (got >= 8 && memcmp(m, "snoop\0\0\0", 8) == 0)
			snprintf(err, errlen, "not a pcap or pcapng file "
			    "(Solaris snoop capture; convert it with editcap "
			    "-F pcap)");
		else if (got >= 2 && m[0] == 0x1f && m[1] == 0x8b)
			snprintf(err, errlen, "not a pcap or pcapng file "
			    "(gzip-compressed; decompress it first)");
		else
			snprintf(err, errlen,
			    "not a pcap or pcapng file (unknown magic)");
	} else if (strstr(pcap_err, "only got 0") != NULL &&
	    strstr(pcap_err, "file header") != NULL)
		snprintf(err, errlen, "file is empty");
	else if (strstr(pcap_err, "truncated") != NULL)
		snprintf(err, errlen, "truncated file header");
	else
		snprintf(err, errlen, "%s", pcap_err);
}

int
capture_set_add(struct capture_set *cs, const char *path, char *err,
    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct stat st;
	struct cfile *f;
	FILE *fp;
	pcap_t *pc;
	const char *name;
	char *iobuf;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	else {
		err = ebuf;     /* the caller does not want the reason */
		errlen = sizeof(ebuf);
	}
	if (cs->n >= CAP_FILES) {
		snprintf(err, errlen, "too many capture files (at most %d)",
		    CAP_FILES);
		return -1;
	}
	if (strcmp(path, "-") == 0) {
		/* "-": standard input, read once, as tcpdump -r - does */
		int fd = dup(STDIN_FILENO);

		fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (fp == NULL && fd >= 0)
			close(fd);
	} else
		fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		fclose(fp);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s", strerror(EISDIR));
		fclose(fp);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "file is empty");
		fclose(fp);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f != NULL)
		f->walk.fd = -1;
	if (f == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	/*
	 * A stream is read through our buffer (pipe_open); without memory
	 * for it, libpcap reads it through stdio as a file.  A file gets a
	 * large stdio buffer: fewer read calls on multi-GB captures (without
	 * memory for it stdio's own small buffer does).
	 */
	iobuf = NULL;
	if (!S_ISREG(st.st_mode)) {
		FILE *pfp = pipe_open(&f->pipe, fp, ra_wanted(cs, 0, 1));

		if (pfp != NULL)
			fp = pfp;
	}
	if (f->pipe.buf == NULL && (iobuf = malloc(IOBUF_BYTES)) != NULL)
		setvbuf(fp, iobuf, _IOFBF, IOBUF_BYTES);
	if (S_ISREG(st.st_mode))
		pcapng_ifaces(fp, &f->info);
	else if (f->pipe.buf != NULL) {
		pcapng_pipe_head(&f->pipe, &f->info);
		walk_pipe_start(f);
	}
	ebuf[0] = '\0';
	f->walk.eager = 1;
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	f->walk.eager = 0;
	if (pc == NULL) {
		if (f->pipe.buf != NULL) {
			/* the stream's first 8 bytes, kept in head */
			char t[8];

			while (f->pipe.off < sizeof(t) &&
			    pipe_cookie_read(&f->pipe, t,
			    sizeof(t) - (size_t)f->pipe.off) > 0)
				;
			open_reason(NULL, f->pipe.head, f->pipe.off <
			    sizeof(t) ? (size_t)f->pipe.off : sizeof(t), ebuf,
			    err, errlen);
		} else
			open_reason(fp, NULL, 0, ebuf, err, errlen);
		fclose(fp);
		free(iobuf);
		free(f->pipe.buf);
		free(f);
		return -1;
	}
	if ((f->info.path = strdup(path)) == NULL) {
		pcap_close(pc);
		free(iobuf);
		free(f->pipe.buf);
		free(f);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	f->pc = pc;
	f->fp = fp;
	f->iobuf = iobuf;
	f->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	f->info.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	f->info.linktype = pcap_datalink(pc);
	name = pcap_datalink_val_to_name(f->info.linktype);
	f->info.linkname = name != NULL ? name : "unknown";
	f->fr.cap_idx = (uint32_t)cs->n;
	if (S_ISREG(st.st_mode)) {
		int thread = ra_wanted(cs, f->info.size, 0);

		walk_start(f, thread);
		fast_start(f, thread);  /* one of them reads (not pcapng) */
	} else
		pipe_start(f);
	ng_start(f);
	f->info.readahead =
	    (f->fast.ra != NULL && rahead_threaded(f->fast.ra)) ||
	    (f->walk.ra != NULL && rahead_threaded(f->walk.ra)) ||
	    (f->pipe.ra != NULL && rahead_threaded(f->pipe.ra));
	cs->nthreads += f->info.readahead;
	cs->f[cs->n++] = f;
	cfile_fill(f);
	return 0;
}

int
capture_set_next(struct capture_set *cs, struct capture_frame *out)
{
	int best = -1;

	if (cs->last >= 0) {
		struct cfile *f = cs->f[cs->last];

		/* fast.ra is freed when the file closes (pc NULL); a set of
		 * one file hands the frame out without buffering it */
		if (f->fast.ra != NULL &&
		    fast_fill(f, cs->n == 1 ? out : &f->fr)) {
			if (cs->n == 1)
				return 1;       /* cs->last stays */
			f->has = 1;
		} else
			cfile_fill(f);
		cs->last = -1;
	}
	if (cs->n == 1) {
		struct cfile *f = cs->f[0];

		if (!f->has)
			return 0;
		*out = f->fr;
		f->has = 0;
		cs->last = 0;
		return 1;
	}
	for (size_t i = 0; i < cs->n; i++) {
		const struct cfile *f = cs->f[i];

		if (f->has && (best < 0 || f->fr.ts_ns < cs->f[best]->fr.ts_ns))
			best = (int)i;
	}
	if (best < 0)
		return 0;
	*out = cs->f[best]->fr;
	cs->f[best]->has = 0;
	cs->last = best;
	return 1;
}
