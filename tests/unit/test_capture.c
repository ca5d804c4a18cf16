/*
 * test_capture.c - CUnit tests for capture.c.
 *
 * Small pcap files are written into a temporary directory with libpcap's
 * own writer (pcap_open_dead + pcap_dump_open), then read back, merged,
 * chopped at chosen bytes and corrupted to check the merge order, the
 * nanosecond timestamps, the anomalies of truncated and damaged files and
 * the reasons given for files that cannot be opened.  Files from the
 * shared corpus are used when /work/shared/corpus is present and skipped
 * (with a message) otherwise.
 */
#include <CUnit/Basic.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/caps.h"
#include "ingest/capture.h"

#define CORPUS "/work/shared/corpus/"

static char dir[] = "/tmp/sipalg-test-capture-XXXXXX";

/*
 * Every test runs twice, in the suites "capture" (no read-ahead thread)
 * and "capture, read ahead" (a thread reads every file and stream
 * ahead, whatever its size): what is read must not depend on it.
 */
static int ra_mode = CAPTURE_RA_OFF;

static struct capture_set *
cs_new(void)
{
	struct capture_set *cs = capture_set_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	capture_set_readahead(cs, ra_mode);
	return cs;
}

static int
suite_ra_off(void)
{
	ra_mode = CAPTURE_RA_OFF;
	return 0;
}

static int
suite_ra_on(void)
{
	ra_mode = CAPTURE_RA_ON;
	return 0;
}

struct rec {
	int64_t ts_ns;
	uint32_t caplen, len;
	uint8_t fill;
};

static const char *
tmp(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* Writes a pcap file of n records; data bytes are fill, fill+1, ... */
static void
write_pcap(const char *path, int link, int nano, const struct rec *r,
    size_t n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(link, 262144,
	    nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d;
	static uint8_t data[4096];

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	d = pcap_dump_open(p, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = r[i].ts_ns / CAP_NS_PER_SEC;
		h.ts.tv_usec = (r[i].ts_ns % CAP_NS_PER_SEC) / (nano ? 1 : 1000);
		h.caplen = r[i].caplen;
		h.len = r[i].len;
		for (uint32_t j = 0; j < r[i].caplen && j < sizeof(data); j++)
			data[j] = (uint8_t)(r[i].fill + j);
		pcap_dump((u_char *)d, &h, data);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static void
write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	if (n > 0)
		CU_ASSERT_EQUAL(fwrite(b, 1, n, f), n);
	fclose(f);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/*
 * The read end of a pipe a thread writes b[0..n) into, in pieces of 1,
 * 7, 4,093, 65,537 and 300 bytes in turn (so reads return records cut
 * anywhere), then closes; reap() waits for it.  A reader that stops
 * early closes its end: the writer's EPIPE ends it (SIGPIPE ignored).
 */
struct feed {
	const uint8_t *b;
	size_t n;
	int fd;
	pthread_t t;
	int on;
};

static struct feed feeder;

static void *
feed_run(void *arg)
{
	static const size_t piece[] = { 1, 7, 4093, 65537, 300 };
	struct feed *fd = arg;
	size_t done = 0;

	for (size_t k = 0; done < fd->n; k++) {
		size_t m = piece[k % 5] < fd->n - done ? piece[k % 5] :
		    fd->n - done;
		ssize_t w = write(fd->fd, fd->b + done, m);

		if (w <= 0)
			break;
		done += (size_t)w;
	}
	close(fd->fd);
	return NULL;
}

static int
feed(const uint8_t *b, size_t n)
{
	int fd[2];

	signal(SIGPIPE, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(pipe(fd), 0);
	feeder.b = b;
	feeder.n = n;
	feeder.fd = fd[1];
	CU_ASSERT_EQUAL_FATAL(pthread_create(&feeder.t, NULL, feed_run,
	    &feeder), 0);
	feeder.on = 1;
	return fd[0];
}

static void
reap(void)
{
	if (feeder.on)
		pthread_join(feeder.t, NULL);
	feeder.on = 0;
}

static void
test_single_file(void)
{
	static const struct rec r[] = {
		{ 1000000000123456789LL, 60, 60, 1 },
		{ 1000000000123456790LL, 100, 100, 2 },
		{ 1000000001000000000LL, 42, 42, 3 },
	};
	const char *p = tmp("one.pcap");
	struct capture_set *cs = cs_new();
	struct capture_frame fr;
	struct capture_info *ci;
	char err[128];
	uint64_t done, total;

	write_pcap(p, 1, 1, r, 3);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(capture_set_count(cs), 1);
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(ci->linktype, 1);
	CU_ASSERT_STRING_EQUAL(ci->linkname, "EN10MB");
	CU_ASSERT_STRING_EQUAL(ci->path, p);
	CU_ASSERT_EQUAL(ci->size, (uint64_t)file_size(p));
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &fr), 1);
		CU_ASSERT_EQUAL(fr.cap_idx, 0);
		CU_ASSERT_EQUAL(fr.frame, (uint64_t)i + 1);
		CU_ASSERT_EQUAL(fr.ts_ns, r[i].ts_ns);
		CU_ASSERT_EQUAL(fr.caplen, r[i].caplen);
		CU_ASSERT_EQUAL(fr.wirelen, r[i].len);
		CU_ASSERT_EQUAL(fr.linktype, 1);
		CU_ASSERT_EQUAL(fr.data[0], r[i].fill);
		CU_ASSERT_EQUAL(fr.data[fr.caplen - 1],
		    (uint8_t)(r[i].fill + fr.caplen - 1));
	}
	CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 0);
	CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 0);
	CU_ASSERT_EQUAL(ci->packets, 3);
	CU_ASSERT_EQUAL(ci->first_ns, r[0].ts_ns);
	CU_ASSERT_EQUAL(ci->last_ns, r[2].ts_ns);
	CU_ASSERT_TRUE(ci->done);
	CU_ASSERT_STRING_EQUAL(ci->err, "");
	CU_ASSERT_EQUAL(anomaly_total(&ci->an), 0);
	capture_set_progress(cs, &done, &total);
	CU_ASSERT_EQUAL(done, total);
	CU_ASSERT_EQUAL(total, (uint64_t)file_size(p));
	capture_set_free(cs);
}

static void
test_merge(void)
{
	static const struct rec a[] = {
		{ 10, 20, 20, 0x10 }, { 30, 20, 20, 0x11 }, { 50, 20, 20, 0x12 },
	};
	static const struct rec b[] = {
		{ 5, 20, 20, 0x20 }, { 30, 20, 20, 0x21 }, { 40, 20, 20, 0x22 },
		{ 60, 20, 20, 0x23 },
	};
	/* Expected order: b0 a0 a1 b1 (tie: lower index first) b2 a2 b3. */
	static const uint8_t want[] = { 0x20, 0x10, 0x11, 0x21, 0x22, 0x12,
	    0x23 };
	static const uint64_t wantframe[] = { 1, 1, 2, 2, 3, 3, 4 };
	struct capture_set *cs = cs_new();
	struct capture_frame fr;

	write_pcap(tmp("a.pcap"), 1, 1, a, 3);
	write_pcap(tmp("b.pcap"), 1, 1, b, 4);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("a.pcap"), NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("b.pcap"), NULL, 0), 0);
	for (size_t i = 0; i < sizeof(want); i++) {
		CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &fr), 1);
		CU_ASSERT_EQUAL(fr.data[0], want[i]);
		CU_ASSERT_EQUAL(fr.cap_idx, (want[i] >> 4) == 1 ? 0u : 1u);
		CU_ASSERT_EQUAL(fr.frame, wantframe[i]);
	}
	CU_ASSERT_EQUAL(capture_set_info(cs, 1)->first_ns, 5);
	CU_ASSERT_EQUAL(capture_set_info(cs, 1)->last_ns, 60);
	CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 0);
	capture_set_free(cs);

	/* Microsecond precision is scaled, not taken as nanoseconds. */
	{
		static const struct rec m[] = { { 1500000123456000LL, 10, 10, 1 } };

		cs = cs_new();
		write_pcap(tmp("micro.pcap"), 1, 0, m, 1);
		CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("micro.pcap"),
		    NULL, 0), 0);
		CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &fr), 1);
		CU_ASSERT_EQUAL(fr.ts_ns, 1500000123456000LL);
		capture_set_free(cs);
	}
}

static void
test_frame_stays_valid_across_files(void)
{
	static const struct rec a[] = { { 1, 200, 200, 0x40 }, { 4, 200, 200, 0x41 } };
	static const struct rec b[] = { { 2, 300, 300, 0x50 }, { 3, 300, 300, 0x51 } };
	struct capture_set *cs = cs_new();
	struct capture_frame f1, f2;

	write_pcap(tmp("va.pcap"), 1, 1, a, 2);
	write_pcap(tmp("vb.pcap"), 1, 1, b, 2);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("va.pcap"), NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("vb.pcap"), NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &f1), 1);
	CU_ASSERT_EQUAL(f1.data[0], 0x40);
	CU_ASSERT_EQUAL(f1.data[199], (uint8_t)(0x40 + 199));
	CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &f2), 1);
	CU_ASSERT_EQUAL(f2.data[0], 0x50);
	CU_ASSERT_EQUAL(f2.data[299], (uint8_t)(0x50 + 299));
	CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &f2), 1);
	CU_ASSERT_EQUAL(f2.data[0], 0x51);
	CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &f2), 1);
	CU_ASSERT_EQUAL(f2.data[0], 0x41);
	CU_ASSERT_EQUAL(capture_set_next(cs, &f2), 0);
	capture_set_free(cs);
}

/* Copies the first n bytes of src to dst. */
static void
chop(const char *src, const char *dst, long n)
{
	static uint8_t b[1 << 16];
	FILE *f = fopen(src, "rb");
	size_t got;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	got = fread(b, 1, sizeof(b), f);
	fclose(f);
	CU_ASSERT_FATAL((long)got >= n);
	write_bytes(dst, b, (size_t)n);
}

static void
test_truncated_file(void)
{
	static const struct rec r[] = {
		{ 1, 100, 100, 1 }, { 2, 100, 100, 2 }, { 3, 100, 100, 3 },
	};
	const char *full = tmp("full.pcap");
	/* 24-byte file header, records of 16 + 100 bytes. */
	static const long cuts[] = { 24 + 116 * 2 + 50, 24 + 116 * 2 + 8 };

	write_pcap(full, 1, 1, r, 3);
	CU_ASSERT_EQUAL_FATAL(file_size(full), 24 + 116 * 3);
	for (size_t i = 0; i < 2; i++) {
		struct capture_set *cs = cs_new();
		struct capture_frame fr;
		struct capture_info *ci;
		int n = 0;

		chop(full, tmp("cut.pcap"), cuts[i]);
		CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("cut.pcap"), NULL,
		    0), 0);
		while (capture_set_next(cs, &fr) == 1)
			n++;
		ci = capture_set_info(cs, 0);
		CU_ASSERT_EQUAL(n, 2);
		CU_ASSERT_EQUAL(ci->packets, 2);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED], 1);
		CU_ASSERT_EQUAL(anomaly_total(&ci->an), 1);
		CU_ASSERT_TRUE(ci->done);
		CU_ASSERT_PTR_NOT_NULL(strstr(ci->err, "truncated"));
		CU_ASSERT_PTR_NOT_NULL(strstr(ci->err, "after frame 2"));
		capture_set_free(cs);
	}
	/* Every chop length: either a clean open error or a clean read. */
	for (long n = 0; n < file_size(full); n++) {
		struct capture_set *cs = cs_new();
		struct capture_frame fr;
		char err[128];
		int frames = 0;

		chop(full, tmp("cut.pcap"), n);
		if (capture_set_add(cs, tmp("cut.pcap"), err, sizeof(err)) < 0) {
			CU_ASSERT(n < 24);
			CU_ASSERT_STRING_EQUAL(err, n == 0 ? "file is empty" :
			    "truncated file header");
		} else {
			struct capture_info *ci = capture_set_info(cs, 0);

			while (capture_set_next(cs, &fr) == 1)
				frames++;
			CU_ASSERT_EQUAL(frames, (n - 24) / 116);
			CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED],
			    (n - 24) % 116 != 0 ? 1u : 0u);
		}
		capture_set_free(cs);
	}
}

static void
test_read_error(void)
{
	static const struct rec r[] = { { 1, 50, 50, 1 }, { 2, 50, 50, 2 } };
	static uint8_t b[4096];
	FILE *f;
	size_t n;
	struct capture_set *cs = cs_new();
	struct capture_frame fr;
	struct capture_info *ci;
	int frames = 0;

	write_pcap(tmp("bad.pcap"), 1, 1, r, 2);
	f = fopen(tmp("bad.pcap"), "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	/* Second record's caplen: an absurd 0x7fffffff (little endian). */
	b[24 + 66 + 8] = 0xff;
	b[24 + 66 + 9] = 0xff;
	b[24 + 66 + 10] = 0xff;
	b[24 + 66 + 11] = 0x7f;
	write_bytes(tmp("bad.pcap"), b, n);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("bad.pcap"), NULL, 0), 0);
	while (capture_set_next(cs, &fr) == 1)
		frames++;
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(frames, 1);
	CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_READ_ERROR], 1);
	CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED], 0);
	CU_ASSERT_NOT_EQUAL(ci->err[0], '\0');
	capture_set_free(cs);
}

static void
test_caplen_short(void)
{
	static const struct rec r[] = {
		{ 1, 64, 1500, 1 }, { 2, 100, 100, 2 }, { 3, 64, 65, 3 },
	};
	struct capture_set *cs = cs_new();
	struct capture_frame fr;

	write_pcap(tmp("snap.pcap"), 1, 1, r, 3);
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("snap.pcap"), NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(capture_set_next(cs, &fr), 1);
	CU_ASSERT_EQUAL(fr.caplen, 64);
	CU_ASSERT_EQUAL(fr.wirelen, 1500);
	while (capture_set_next(cs, &fr) == 1)
		;
	CU_ASSERT_EQUAL(capture_set_info(cs, 0)->an.n[ANOMALY_CAPLEN_SHORT], 2);
	capture_set_free(cs);
}

static void
expect_open_error(const char *path, const char *want)
{
	struct capture_set *cs = cs_new();
	char err[200];

	CU_ASSERT_EQUAL(capture_set_add(cs, path, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fprintf(stderr, "%s: got '%s', want '%s'\n", path, err, want);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(capture_set_count(cs), 0);
	capture_set_free(cs);
}

/* b[0..n) through a pipe must be refused with reason want. */
static void
expect_pipe_error(const uint8_t *b, size_t n, const char *want)
{
	struct capture_set *cs = cs_new();
	char path[64], err[256];
	int fd = feed(b, n);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CU_ASSERT_EQUAL(capture_set_add(cs, path, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, want);
	close(fd);
	capture_set_free(cs);
	reap();
}

static void
test_open_errors(void)
{
	static const uint8_t magic_only[10] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4,
	    0 };
	static const uint8_t junk[64] = "this is not a capture file at all";
	static const uint8_t gz[32] = { 0x1f, 0x8b, 8, 0 };
	static const uint8_t netmon[32] = "GMBU\x00\x02";
	static const uint8_t ng_short[12] = { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0,
	    0, 0, 0x4d, 0x3c, 0x2b, 0x1a };

	expect_open_error(tmp("does-not-exist.pcap"),
	    "No such file or directory");
	expect_open_error(dir, "Is a directory");
	write_bytes(tmp("empty.pcap"), "", 0);
	expect_open_error(tmp("empty.pcap"), "file is empty");
	write_bytes(tmp("short.pcap"), magic_only, sizeof(magic_only));
	expect_open_error(tmp("short.pcap"), "truncated file header");
	write_bytes(tmp("ng.pcapng"), ng_short, sizeof(ng_short));
	expect_open_error(tmp("ng.pcapng"), "truncated file header");
	write_bytes(tmp("junk.pcap"), junk, sizeof(junk));
	expect_open_error(tmp("junk.pcap"),
	    "not a pcap or pcapng file (unknown magic)");
	write_bytes(tmp("x.pcap.gz"), gz, sizeof(gz));
	expect_open_error(tmp("x.pcap.gz"),
	    "not a pcap or pcapng file (gzip-compressed; decompress it first)");
	write_bytes(tmp("netmon.cap"), netmon, sizeof(netmon));
	expect_open_error(tmp("netmon.cap"), "not a pcap or pcapng file "
	    "(Microsoft Network Monitor 2.x capture; convert it with editcap "
	    "-F pcap)");
	/* A NULL or zero-length err buffer is allowed. */
	{
		struct capture_set *cs = cs_new();

		CU_ASSERT_EQUAL(capture_set_add(cs, tmp("junk.pcap"), NULL, 0),
		    -1);
		capture_set_free(cs);
	}
	/* the same reasons for the same bytes through a pipe (a stream
	 * is not rewound: its first bytes are kept as they pass) */
	expect_pipe_error(NULL, 0, "file is empty");
	expect_pipe_error(magic_only, sizeof(magic_only),
	    "truncated file header");
	expect_pipe_error(ng_short, sizeof(ng_short), "truncated file header");
	expect_pipe_error(junk, sizeof(junk),
	    "not a pcap or pcapng file (unknown magic)");
	expect_pipe_error(gz, sizeof(gz),
	    "not a pcap or pcapng file (gzip-compressed; decompress it first)");
	expect_pipe_error(netmon, sizeof(netmon), "not a pcap or pcapng file "
	    "(Microsoft Network Monitor 2.x capture; convert it with editcap "
	    "-F pcap)");
	expect_pipe_error((const uint8_t *)"snoop\0\0\0\0\0\0\2", 12,
	    "not a pcap or pcapng file (Solaris snoop capture; convert it "
	    "with editcap -F pcap)");
}

static void
test_too_many_files(void)
{
	static const struct rec r[] = { { 1, 10, 10, 1 } };
	struct capture_set *cs = cs_new();
	char err[128];

	write_pcap(tmp("small.pcap"), 1, 1, r, 1);
	for (int i = 0; i < CAP_FILES; i++)
		CU_ASSERT_EQUAL(capture_set_add(cs, tmp("small.pcap"), err,
		    sizeof(err)), 0);
	CU_ASSERT_EQUAL(capture_set_add(cs, tmp("small.pcap"), err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many"));
	CU_ASSERT_EQUAL(capture_set_count(cs), CAP_FILES);
	CU_ASSERT_PTR_NULL(capture_set_info(cs, CAP_FILES));
	{
		struct capture_frame fr;
		int n = 0;

		while (capture_set_next(cs, &fr) == 1) {
			CU_ASSERT_EQUAL(fr.cap_idx, (uint32_t)n);
			n++;
		}
		CU_ASSERT_EQUAL(n, CAP_FILES);
	}
	capture_set_free(cs);
}

static int
corpus_present(void)
{
	if (access(CORPUS, R_OK) == 0)
		return 1;
	printf("\n    SKIP: %s absent ", CORPUS);
	return 0;
}

static void
test_corpus_netmon(void)
{
	if (!corpus_present())
		return;
	expect_open_error(CORPUS "NormB_sipnab__c07-sip-r2.cap",
	    "not a pcap or pcapng file (Microsoft Network Monitor 2.x capture; "
	    "convert it with editcap -F pcap)");
}

static void
test_corpus_pcapng(void)
{
	struct capture_set *cs;
	struct capture_frame fr;
	struct capture_info *ci;
	uint64_t n = 0, done, total;
	int64_t prev = 0;
	int sorted = 1;

	if (!corpus_present())
		return;
	cs = cs_new();
	CU_ASSERT_EQUAL_FATAL(capture_set_add(cs,
	    CORPUS "NormB_sipnab__sipp-branch-scenario.pcapng", NULL, 0), 0);
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(ci->linktype, 1);
	while (capture_set_next(cs, &fr) == 1) {
		if (fr.ts_ns < prev)
			sorted = 0;
		prev = fr.ts_ns;
		n++;
		if (n == 1000) {
			capture_set_progress(cs, &done, &total);
			CU_ASSERT(done > 0 && done < total);
		}
	}
	CU_ASSERT_EQUAL(n, 8989);
	CU_ASSERT_TRUE(sorted);
	CU_ASSERT_EQUAL(anomaly_total(&ci->an), 0);
	capture_set_progress(cs, &done, &total);
	CU_ASSERT_EQUAL(done, total);
	capture_set_free(cs);
}

/* ---- pcapng interface blocks (if_name, if_filter) ------------------- */

/* A growing pcapng image in little- or big-endian order. */
struct ng {
	uint8_t b[1 << 19];
	size_t n;
	int le;
};

static void
ng_put(struct ng *g, const void *p, size_t n)
{
	CU_ASSERT_FATAL(g->n + n <= sizeof(g->b));
	memcpy(g->b + g->n, p, n);
	g->n += n;
}

static void
ng_u32(struct ng *g, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++)
		x[g->le ? i : 3 - i] = (uint8_t)(v >> (8 * i));
	ng_put(g, x, 4);
}

static void
ng_u16(struct ng *g, uint16_t v)
{
	uint8_t x[2];

	x[g->le ? 0 : 1] = (uint8_t)v;
	x[g->le ? 1 : 0] = (uint8_t)(v >> 8);
	ng_put(g, x, 2);
}

/* Patches the block started at 'at' with its total length, both ends. */
static void
ng_close(struct ng *g, size_t at)
{
	uint32_t len = (uint32_t)(g->n - at + 4);
	size_t keep = g->n;

	ng_u32(g, len);
	g->n = at + 4;
	ng_u32(g, len);
	g->n = keep + 4;
}

static void
ng_shb(struct ng *g)
{
	size_t at = g->n;

	ng_u32(g, 0x0A0D0D0A);
	ng_u32(g, 0);
	ng_u32(g, 0x1A2B3C4D);
	ng_u16(g, 1);
	ng_u16(g, 0);
	ng_u32(g, 0xffffffff);
	ng_u32(g, 0xffffffff);
	ng_close(g, at);
}

static void
ng_opt(struct ng *g, uint16_t code, const void *v, uint16_t len, int claim)
{
	static const uint8_t zero[4];

	ng_u16(g, code);
	ng_u16(g, (uint16_t)(len + claim));
	ng_put(g, v, len);
	ng_put(g, zero, (4 - len % 4) % 4);
}

/* An IDB (Ethernet) with if_name and, when filter != NULL, if_filter of
 * type ftype; claim adds to the filter option's stated length. */
static void
ng_idb(struct ng *g, const char *name, int ftype, const char *filter,
    int claim)
{
	size_t at = g->n;
	uint8_t v[600];

	ng_u32(g, 1);
	ng_u32(g, 0);
	ng_u16(g, 1);
	ng_u16(g, 0);
	ng_u32(g, 65535);
	if (name != NULL)
		ng_opt(g, 2, name, (uint16_t)strlen(name), 0);
	if (filter != NULL) {
		v[0] = (uint8_t)ftype;
		memcpy(v + 1, filter, strlen(filter));
		ng_opt(g, 11, v, (uint16_t)(strlen(filter) + 1), claim);
	}
	ng_opt(g, 0, "", 0, 0);
	ng_close(g, at);
}

/* An Enhanced Packet Block on interface 0 with 60 bytes of data. */
static void
ng_epb(struct ng *g, uint32_t ifidx)
{
	size_t at = g->n;
	uint8_t data[60];

	memset(data, 0xab, sizeof(data));
	ng_u32(g, 6);
	ng_u32(g, 0);
	ng_u32(g, ifidx);
	ng_u32(g, 0);
	ng_u32(g, 1000000);
	ng_u32(g, sizeof(data));
	ng_u32(g, sizeof(data));
	ng_put(g, data, sizeof(data));
	ng_close(g, at);
}

/*
 * 1: ng_open() hands the bytes through a pipe (capture.c's stream
 * reader) instead of a file.
 */
static int ng_via_pipe;

/* Writes g, opens it; returns the set (NULL when it did not open). */
static struct capture_set *
ng_open(const struct ng *g)
{
	static uint8_t copy[sizeof(g->b)];  /* what the feeder writes */
	struct capture_set *cs = cs_new();
	char err[160];
	int rc;

	if (ng_via_pipe) {
		char fdpath[64];
		int fd;

		reap();         /* the previous set's feeder */
		memcpy(copy, g->b, g->n);
		fd = feed(copy, g->n);
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		rc = capture_set_add(cs, fdpath, err, sizeof(err));
		close(fd);
	} else {
		FILE *fp = fopen(tmp("ifc.pcapng"), "wb");

		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		CU_ASSERT_EQUAL(fwrite(g->b, 1, g->n, fp), g->n);
		fclose(fp);
		rc = capture_set_add(cs, tmp("ifc.pcapng"), err, sizeof(err));
	}
	if (rc != 0) {
		capture_set_free(cs);
		return NULL;
	}
	return cs;
}

static void
pcapng_filter(void)
{
	for (int le = 0; le <= 1; le++) {
		struct ng g = { .le = le };
		struct capture_set *cs;
		struct capture_info *ci;
		struct capture_frame fr;

		ng_shb(&g);
		ng_idb(&g, "lan0", 0, "port 5060 or port 5070", 0);
		ng_idb(&g, "wan0", -1, NULL, 0);
		ng_epb(&g, 0);
		ng_epb(&g, 1);
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		CU_ASSERT_EQUAL(ci->pcapng, 1);
		CU_ASSERT_EQUAL(ci->ifaces_known, 1);
		CU_ASSERT_EQUAL(ci->nifaces, 2);
		CU_ASSERT_STRING_EQUAL(ci->ifaces[0].name, "lan0");
		CU_ASSERT_EQUAL(ci->ifaces[0].filter_type, 0);
		CU_ASSERT_STRING_EQUAL(ci->ifaces[0].filter,
		    "port 5060 or port 5070");
		CU_ASSERT_STRING_EQUAL(ci->ifaces[1].name, "wan0");
		CU_ASSERT_EQUAL(ci->ifaces[1].filter_type, -1);
		/* libpcap still reads the (rewound) file from its start */
		CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 1);
		CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 1);
		CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 0);
		CU_ASSERT_EQUAL(anomaly_total(&ci->an), 0);
		/* pcapng: libpcap reads the first packet (and the blocks
		 * before it), capture.c the EPB right after it */
		CU_ASSERT_EQUAL(ci->own_records, 1);
		capture_set_free(cs);
	}
}

static void
pcapng_filter_bad(void)
{
	struct ng g = { .le = 1 };
	struct capture_set *cs;
	struct capture_info *ci;
	char big[CAP_IFFILTER + 40];

	/* a filter longer than kept: cut, and said so */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ng_shb(&g);
	ng_idb(&g, NULL, 0, big, 0);
	ng_epb(&g, 0);
	cs = ng_open(&g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(ci->ifaces_known, 1);
	CU_ASSERT_EQUAL(ci->ifaces[0].filter_cut, 1);
	CU_ASSERT_EQUAL(strlen(ci->ifaces[0].filter), CAP_IFFILTER - 1);
	capture_set_free(cs);

	/* an if_filter that claims more bytes than its block holds: a named
	 * anomaly, the filters unknown (libpcap may refuse the file too) */
	g.n = 0;
	ng_shb(&g);
	ng_idb(&g, "eth0", 0, "port 5060", 200);
	ng_epb(&g, 0);
	cs = ng_open(&g);
	if (cs != NULL) {
		ci = capture_set_info(cs, 0);
		CU_ASSERT_EQUAL(ci->ifaces_known, 0);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAPNG_BAD_OPTION], 1);
		capture_set_free(cs);
	}

	/* more interfaces than kept */
	g.n = 0;
	ng_shb(&g);
	for (int i = 0; i <= CAP_IFACES; i++)
		ng_idb(&g, "if", 0, "", 0);
	ng_epb(&g, 0);
	cs = ng_open(&g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(ci->ifaces_known, 0);
	CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAPNG_IFACES_CAP], 1);
	capture_set_free(cs);

	/* a plain pcap file: no interfaces described */
	{
		struct rec r = { 1000, 60, 60, 1 };

		write_pcap(tmp("one.pcap"), 1, 0, &r, 1);
		cs = cs_new();
		CU_ASSERT_EQUAL_FATAL(capture_set_add(cs, tmp("one.pcap"),
		    NULL, 0), 0);
		ci = capture_set_info(cs, 0);
		CU_ASSERT_EQUAL(ci->pcapng, 0);
		CU_ASSERT_EQUAL(ci->ifaces_known, 0);
		CU_ASSERT_EQUAL(ci->nifaces, 0);
		capture_set_free(cs);
	}
}

/* Runs test fn on files (ng_open), then again through pipes. */
static void
ng_file_and_pipe(void (*fn)(void))
{
	ng_via_pipe = 0;
	fn();
	ng_via_pipe = 1;
	fn();
	reap();
	ng_via_pipe = 0;
}

/* The interface blocks read from a file, then through a pipe. */
static void
test_pcapng_filter(void)
{
	ng_file_and_pipe(pcapng_filter);
}

static void
test_pcapng_filter_bad(void)
{
	ng_file_and_pipe(pcapng_filter_bad);
}

/* A Simple Packet Block (interface 0 of its section), 60 bytes. */
static void
ng_spb(struct ng *g)
{
	size_t at = g->n;
	uint8_t data[60];

	memset(data, 0xcd, sizeof(data));
	ng_u32(g, 3);
	ng_u32(g, 0);
	ng_u32(g, sizeof(data));
	ng_put(g, data, sizeof(data));
	ng_close(g, at);
}

/* A block of a type nobody reads (libpcap skips it), 16 bytes of body. */
static void
ng_other(struct ng *g)
{
	size_t at = g->n;

	ng_u32(g, 0x00000bad);
	ng_u32(g, 0);
	for (int i = 0; i < 4; i++)
		ng_u32(g, 0x11111111u * (uint32_t)i);
	ng_close(g, at);
}

/* Reads every frame of cs into ifn[] (at most max); returns how many. */
static int
ng_ifnums(struct capture_set *cs, uint32_t *ifn, int max)
{
	struct capture_frame fr;
	int n = 0;

	while (capture_set_next(cs, &fr) == 1)
		if (n < max)
			ifn[n++] = fr.ifnum;
	return n;
}

/*
 * The block walker: each frame's interface, across a skipped block, an
 * SPB, an interface described after the first packet and a second
 * section (ids count from 0 again); then files libpcap stops reading
 * (an id no interface has, an EPB cut short): the frames before keep
 * their interface, nothing hangs, and a walk never counts a bad block
 * where libpcap read the file.
 */
static void
pcapng_ifnum(void)
{
	for (int le = 0; le <= 1; le++) {
		struct ng g = { .le = le };
		struct capture_set *cs;
		struct capture_info *ci;
		uint32_t ifn[16];
		int n;

		ng_shb(&g);
		ng_idb(&g, "in", 0, "port 5060", 0);
		ng_idb(&g, "out", 0, "", 0);
		ng_epb(&g, 1);
		ng_other(&g);
		ng_epb(&g, 0);
		ng_spb(&g);
		ng_idb(&g, "late", 0, "udp", 0);
		ng_epb(&g, 2);
		ng_epb(&g, 1);
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		n = ng_ifnums(cs, ifn, 16);
		CU_ASSERT_EQUAL_FATAL(n, 5);
		CU_ASSERT_EQUAL(ifn[0], 2);
		CU_ASSERT_EQUAL(ifn[1], 1);
		CU_ASSERT_EQUAL(ifn[2], 1);     /* SPB: interface 0 */
		CU_ASSERT_EQUAL(ifn[3], 3);
		CU_ASSERT_EQUAL(ifn[4], 2);
		CU_ASSERT_EQUAL(ci->nifaces, 3);
		CU_ASSERT_STRING_EQUAL(ci->ifaces[2].name, "late");
		CU_ASSERT_STRING_EQUAL(ci->ifaces[2].filter, "udp");
		CU_ASSERT_EQUAL(ci->ifaces_known, 1);
		CU_ASSERT_EQUAL(anomaly_total(&ci->an), 0);
		capture_set_free(cs);

		/* a second section: its interface 0 is the file's fourth */
		g.n = 0;
		ng_shb(&g);
		ng_idb(&g, "a", 0, "", 0);
		ng_idb(&g, "b", 0, "", 0);
		ng_epb(&g, 1);
		ng_shb(&g);
		ng_idb(&g, "c", 0, "", 0);
		ng_epb(&g, 0);
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		n = ng_ifnums(cs, ifn, 16);
		if (n == 2) {   /* libpcap read the second section */
			CU_ASSERT_EQUAL(ifn[0], 2);
			CU_ASSERT_EQUAL(ifn[1], 3);
			CU_ASSERT_EQUAL(ci->nifaces, 3);
			CU_ASSERT_STRING_EQUAL(ci->ifaces[2].name, "c");
		} else
			CU_ASSERT_EQUAL(n, 1);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAPNG_BAD_BLOCK], 0);
		capture_set_free(cs);

		/* an interface id no block described: libpcap stops there */
		g.n = 0;
		ng_shb(&g);
		ng_idb(&g, "a", 0, "", 0);
		ng_epb(&g, 0);
		ng_epb(&g, 7);
		ng_epb(&g, 0);
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		n = ng_ifnums(cs, ifn, 16);
		CU_ASSERT_EQUAL(n, 1);
		CU_ASSERT_EQUAL(ifn[0], 1);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_READ_ERROR], 1);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAPNG_BAD_BLOCK], 0);
		capture_set_free(cs);

		/* the last EPB cut short by the end of the file */
		g.n = 0;
		ng_shb(&g);
		ng_idb(&g, "a", 0, "", 0);
		ng_idb(&g, "b", 0, "", 0);
		ng_epb(&g, 1);
		ng_epb(&g, 0);
		g.n -= 30;
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		n = ng_ifnums(cs, ifn, 16);
		CU_ASSERT_EQUAL(n, 1);
		CU_ASSERT_EQUAL(ifn[0], 2);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED], 1);
		capture_set_free(cs);

		/* more skipped blocks between two packets than a stream's
		 * buffer holds, an interface after them; then after the last
		 * packet the same and an EPB cut short: the interface before
		 * it is not one the reading reached (a stream's walk goes
		 * ahead as libpcap reads, and must not keep it) */
		g.n = 0;
		ng_shb(&g);
		ng_idb(&g, "a", 0, "", 0);
		ng_epb(&g, 0);
		for (int k = 0; k < 3000; k++)
			ng_other(&g);
		ng_idb(&g, "b", 0, "", 0);
		ng_epb(&g, 1);
		ng_epb(&g, 0);
		for (int k = 0; k < 3000; k++)
			ng_other(&g);
		ng_idb(&g, "c", 0, "", 0);
		ng_epb(&g, 2);
		g.n -= 30;
		CU_ASSERT(g.n < sizeof(g.b));
		cs = ng_open(&g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		ci = capture_set_info(cs, 0);
		n = ng_ifnums(cs, ifn, 16);
		CU_ASSERT_EQUAL(n, 3);
		CU_ASSERT_EQUAL(ifn[0], 1);
		CU_ASSERT_EQUAL(ifn[1], 2);
		CU_ASSERT_EQUAL(ifn[2], 1);
		CU_ASSERT_EQUAL(ci->nifaces, 2);
		CU_ASSERT_STRING_EQUAL(ci->ifaces[1].name, "b");
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED], 1);
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAPNG_BAD_BLOCK], 0);
		CU_ASSERT_EQUAL(ci->own_records, 1);
		capture_set_free(cs);
	}
}

/* The same through a pipe: capture.c's stream reader walks it too. */
static void
test_pcapng_ifnum(void)
{
	ng_file_and_pipe(pcapng_ifnum);
}

/*
 * A plain pcap file is read by capture.c itself, not through libpcap
 * (cfile_fill); every frame, the end and its error must be what libpcap
 * gives.  Files are built byte by byte (any magic, version, snapshot
 * length, time stamp and record length), read with libpcap alone as the
 * reference and with capture_set, and compared frame by frame: time,
 * lengths, bytes, then the error text, the anomalies and how far reading
 * got.
 */
struct raw {
	uint8_t *b;
	size_t n, cap;
};

static void
raw_put(struct raw *r, const void *p, size_t n)
{
	if (r->n + n > r->cap) {
		r->cap = (r->n + n) * 2;
		r->b = realloc(r->b, r->cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r->b);
	}
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void
raw_u32(struct raw *r, uint32_t v)
{
	raw_put(r, &v, 4);
}

static void
raw_head(struct raw *r, uint32_t magic, uint16_t minor, uint32_t snap)
{
	uint16_t v[2] = { 2, minor };

	r->n = 0;
	raw_u32(r, magic);
	raw_put(r, v, 4);
	raw_u32(r, 0);
	raw_u32(r, 0);
	raw_u32(r, snap);
	raw_u32(r, 1);
}

static void
raw_rec(struct raw *r, uint32_t sec, uint32_t sub, uint32_t caplen,
    uint32_t len, uint8_t fill)
{
	raw_u32(r, sec);
	raw_u32(r, sub);
	raw_u32(r, caplen);
	raw_u32(r, len);
	for (uint32_t i = 0; i < caplen; i++) {
		uint8_t c = (uint8_t)(fill + i * 7);

		raw_put(r, &c, 1);
	}
}

/*
 * 1: same_as_libpcap() hands capture_set the bytes through a pipe (a
 * stream it cannot re-read at an offset) instead of a file.
 */
static int via_pipe;

/*
 * capture_set against libpcap alone on the first n bytes of r (through a
 * pipe when via_pipe; libpcap reads the file, whose ftello() says how
 * far it got).  Returns how many frames capture.c's own reader took
 * (capture_info.own_records).
 */
static uint64_t
same_as_libpcap(const struct raw *r, size_t n)
{
	char eb[PCAP_ERRBUF_SIZE], err[256];
	const char *path = tmp("raw.pcap");
	struct capture_set *cs = cs_new();
	struct capture_frame fr;
	struct capture_info *ci;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	FILE *fp;
	uint64_t frames = 0, own;
	int rc;

	write_bytes(path, r->b, n);
	fp = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, eb);
	if (via_pipe) {
		char fdpath[64];
		int fd = feed(r->b, n);

		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		rc = capture_set_add(cs, fdpath, err, sizeof(err));
		close(fd);
		if (rc == 0)
			CU_ASSERT_EQUAL(capture_set_info(cs, 0)->size, 0);
	} else
		rc = capture_set_add(cs, path, err, sizeof(err));
	CU_ASSERT_EQUAL(rc == 0, p != NULL);
	if (p == NULL || rc != 0) {
		if (p != NULL)
			pcap_close(p);
		else
			fclose(fp);
		capture_set_free(cs);
		reap();
		return 0;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		uint32_t caplen = h->caplen > CAP_SNAPLEN ? CAP_SNAPLEN :
		    h->caplen;
		int64_t sec = h->ts.tv_sec < 0 ? 0 : (int64_t)h->ts.tv_sec;

		frames++;
		if (capture_set_next(cs, &fr) != 1) {
			CU_FAIL("capture_set ended before libpcap");
			break;
		}
		CU_ASSERT_EQUAL(fr.frame, frames);
		CU_ASSERT_EQUAL(fr.ts_ns, sec * CAP_NS_PER_SEC +
		    (int64_t)h->ts.tv_usec);
		CU_ASSERT_EQUAL(fr.caplen, caplen);
		CU_ASSERT_EQUAL(fr.wirelen, h->len);
		CU_ASSERT_EQUAL(memcmp(fr.data, d, caplen), 0);
	}
	CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 0);
	ci = capture_set_info(cs, 0);
	CU_ASSERT_EQUAL(ci->packets, frames);
	CU_ASSERT_TRUE(ci->done);
	if (rc == PCAP_ERROR) {
		char want[PCAP_ERRBUF_SIZE + 64];

		snprintf(want, sizeof(want), "%s (after frame %llu)",
		    pcap_geterr(p), (unsigned long long)frames);
		CU_ASSERT_STRING_EQUAL(ci->err, want);
		CU_ASSERT_EQUAL(ci->bytes_read, (uint64_t)ftello(fp));
		CU_ASSERT_EQUAL(ci->an.n[ANOMALY_PCAP_TRUNCATED] +
		    ci->an.n[ANOMALY_PCAP_READ_ERROR], 1);
	} else {
		CU_ASSERT_STRING_EQUAL(ci->err, "");
		/* a stream has no size: bytes_read is the size at the end */
		CU_ASSERT_EQUAL(ci->bytes_read, via_pipe ? 0 : n);
	}
	CU_ASSERT(ci->own_records <= frames);
	own = ci->own_records;
	/* a stream, or a file we read (plain pcap or pcapng's walk), is
	 * read ahead by a thread when asked, and only then */
	if (ra_mode == CAPTURE_RA_ON && (via_pipe || own > 0))
		CU_ASSERT_EQUAL(ci->readahead, 1);
	if (ra_mode == CAPTURE_RA_OFF)
		CU_ASSERT_EQUAL(ci->readahead, 0);
	pcap_close(p);
	capture_set_free(cs);
	reap();
	return own;
}

static void
own_reader(void)
{
	struct raw r = { NULL, 0, 0 };
	size_t mid;

	/* windows of many records, microseconds and nanoseconds */
	for (int nano = 0; nano < 2; nano++) {
		raw_head(&r, nano ? 0xa1b23c4du : 0xa1b2c3d4u, 4, 65535);
		for (uint32_t i = 0; i < 3000; i++)
			raw_rec(&r, 1700000000u + i, nano ? 999999999u - i :
			    999999u - i, 60 + (i * 37) % 1441, 1514,
			    (uint8_t)i);
		/* this machine's order, version 2.4: every record ours */
		CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 3000);
	}
	/* cut around the end of the first window (64 KB) */
	for (size_t n = 65536 - 40; n < 65536 + 40; n++)
		CU_ASSERT(same_as_libpcap(&r, n) > 0);
	/* one record longer than the window, then a short one */
	raw_head(&r, 0xa1b2c3d4u, 4, 262144);
	raw_rec(&r, 1, 2, 100, 100, 1);
	raw_rec(&r, 1, 3, 200000, 200000, 2);
	raw_rec(&r, 1, 4, 100, 100, 3);
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 3);
	mid = r.n - 116 - 100000;
	for (size_t n = mid - 20; n < mid + 20; n++)
		same_as_libpcap(&r, n);
	/* Linux GRO/LRO frames: records around and above the window's
	 * size, growing and shrinking, between small ones, all ours */
	raw_head(&r, 0xa1b2c3d4u, 4, 262144);
	for (uint32_t i = 0; i < 40; i++) {
		static const uint32_t len[] = { 65500, 65520, 65521, 65536,
		    70000, 131072, 80000, 262144 };

		raw_rec(&r, 2, i, len[i % 8], len[i % 8] + i, (uint8_t)i);
		mid = r.n;      /* after the last, 256 KB, one */
		if (i % 3 == 0)
			raw_rec(&r, 2, i, 60 + i, 60 + i, (uint8_t)~i);
	}
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 40 + 14);
	/* that one cut (header or body): libpcap's "truncated" */
	for (size_t n = mid - 262144 - 16; n < mid - 262144 + 8; n++)
		CU_ASSERT_EQUAL(same_as_libpcap(&r, n), 40 + 14 - 2);
	for (size_t n = mid - 20; n <= mid; n++)
		CU_ASSERT_EQUAL(same_as_libpcap(&r, n), 40 + 14 - 2 +
		    (n == mid));
	/* longer than the snapshot length (libpcap cuts it), beyond any
	 * snapshot length (libpcap refuses it), zero snapshot length */
	raw_head(&r, 0xa1b2c3d4u, 4, 200);
	raw_rec(&r, 1, 2, 100, 100, 1);
	raw_rec(&r, 1, 3, 300, 300, 2);
	raw_rec(&r, 1, 4, 100, 100, 3);
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 2);  /* not the cut one */
	raw_rec(&r, 1, 5, 300000, 300000, 4);
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 2);
	raw_head(&r, 0xa1b2c3d4u, 4, 0);
	raw_rec(&r, 1, 2, 100, 100, 1);
	same_as_libpcap(&r, r.n);
	/* negative times; a microsecond field past a second */
	raw_head(&r, 0xa1b2c3d4u, 4, 65535);
	raw_rec(&r, 0x80000000u, 2, 100, 100, 1);
	raw_rec(&r, 5, 0xfffffff0u, 100, 100, 2);
	raw_rec(&r, 6, 2000000, 100, 100, 3);
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 1);  /* the third */
	/* version 2.2 and 2.3: caplen and len may be swapped */
	for (uint16_t minor = 2; minor < 4; minor++) {
		raw_head(&r, 0xa1b2c3d4u, minor, 65535);
		raw_rec(&r, 1, 2, 100, 60, 1);
		raw_rec(&r, 1, 3, 60, 100, 2);
		CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 0);
	}
	/* the other byte order (libpcap's alone) and every cut */
	raw_head(&r, 0xd4c3b2a1u, 4, 65535);
	raw_rec(&r, 0x01000000u, 0x02000000u, 0x64000000u, 0x64000000u, 1);
	CU_ASSERT_EQUAL(same_as_libpcap(&r, r.n), 0);
	raw_head(&r, 0xa1b2c3d4u, 4, 65535);
	raw_rec(&r, 1, 2, 40, 40, 1);
	raw_rec(&r, 1, 3, 0, 40, 2);
	raw_rec(&r, 1, 4, 40, 40, 3);
	for (size_t n = 24; n <= r.n; n++)
		same_as_libpcap(&r, n);
	free(r.b);
}

static void
test_own_reader(void)
{
	via_pipe = 0;
	own_reader();
}

/*
 * The same files through a pipe: every record read by us where the file
 * is (a stream cannot be re-read at an offset: libpcap reads a record we
 * do not take from the same byte of our buffer), the same frames, error
 * texts and offsets.
 */
static void
test_own_reader_pipe(void)
{
	via_pipe = 1;
	own_reader();
	via_pipe = 0;
}

/* ---- pcapng read as libpcap reads it (struct ng above) ---- */

/* An interface; if_tsresol 9 (nanoseconds) when nano, else the default. */
static void
ngx_idb(struct ng *g, uint16_t link, uint32_t snap, int nano)
{
	static const uint8_t nine = 9;
	size_t at = g->n;

	ng_u32(g, 1);
	ng_u32(g, 0);
	ng_u16(g, link);
	ng_u16(g, 0);
	ng_u32(g, snap);
	if (nano) {
		ng_opt(g, 9, &nine, 1, 0);
		ng_opt(g, 0, "", 0, 0);
	}
	ng_close(g, at);
}

/* An Enhanced Packet Block: interface, time, lengths, data fill+3i. */
static void
ngx_epb(struct ng *g, uint32_t ifid, uint64_t ts, uint32_t caplen,
    uint32_t len, uint8_t fill)
{
	static const uint8_t zero[4];
	size_t at = g->n;

	ng_u32(g, 6);
	ng_u32(g, 0);
	ng_u32(g, ifid);
	ng_u32(g, (uint32_t)(ts >> 32));
	ng_u32(g, (uint32_t)ts);
	ng_u32(g, caplen);
	ng_u32(g, len);
	for (uint32_t i = 0; i < caplen; i++) {
		uint8_t c = (uint8_t)(fill + i * 3);

		ng_put(g, &c, 1);
	}
	ng_put(g, zero, (4 - caplen % 4) % 4);
	ng_close(g, at);
}

/* A block of another type (libpcap skips or refuses it), n body bytes. */
static void
ngx_other(struct ng *g, uint32_t type, size_t n)
{
	static const uint8_t z[4];
	size_t at = g->n;
	uint8_t c = 0x5a;

	ng_u32(g, type);
	ng_u32(g, 0);
	for (size_t i = 0; i < n; i++)
		ng_put(g, &c, 1);
	ng_put(g, z, (4 - n % 4) % 4);
	ng_close(g, at);
}

static uint64_t
ng_same(const struct ng *g, size_t n)
{
	struct raw r = { (uint8_t *)(uintptr_t)g->b, g->n, sizeof(g->b) };

	return same_as_libpcap(&r, n);
}

/*
 * pcapng in both byte orders, several interfaces (microsecond and
 * nanosecond), blocks libpcap skips, a second section, and the damage a
 * field capture has (cut anywhere, a block length that is not a multiple
 * of 4 or is too short or huge, a caplen far past the block, an
 * interface not described, another link type): capture_set reads each
 * as libpcap alone does, from a file and through a pipe (where libpcap
 * reads through capture.c's buffer).
 */
static void
pcapng_as_libpcap(void)
{
	static struct ng g;
	size_t at;

	for (int le = 0; le < 2; le++) {
		g.n = 0;
		g.le = le;
		ng_shb(&g);
		ngx_idb(&g, 1, 65535, 0);
		ngx_idb(&g, 1, 65535, 1);   /* libpcap wants one snaplen */
		ngx_epb(&g, 0, UINT64_C(1700000000123456), 60, 60, 1);
		ngx_other(&g, 0x00000BADu, 9);  /* custom: skipped */
		ngx_epb(&g, 1, UINT64_C(1700000000123456789), 1514, 1514, 2);
		ngx_other(&g, 5, 20);           /* interface statistics */
		ngx_epb(&g, 0, UINT64_C(1700000001000000), 0, 1000, 3);
		ngx_epb(&g, 1, UINT64_C(1700000001000000001), 100, 60, 4);
		/* the last EPB follows a packet: capture.c's, from a file
		 * and from a stream */
		CU_ASSERT_EQUAL(ng_same(&g, g.n), 1);
		/* cut at every byte of the blocks before the big packet,
		 * every 7th after */
		for (size_t n = 0; n < g.n; n += n < 200 ? 1 : 7)
			ng_same(&g, n);
		/* a second section, in the same and in the other order */
		at = g.n;
		ng_shb(&g);
		ngx_idb(&g, 1, 65535, 1);
		ngx_epb(&g, 0, UINT64_C(1700000002000000000), 80, 80, 5);
		ng_same(&g, g.n);
		g.n = at;
		g.le = !le;
		ng_shb(&g);
		ngx_idb(&g, 1, 65535, 0);
		ngx_epb(&g, 0, UINT64_C(1700000002000000), 80, 80, 6);
		g.le = le;
		for (size_t n = at; n <= g.n; n++)
			ng_same(&g, n);
		/* an interface not described; another link type */
		g.n = at;
		ngx_epb(&g, 7, 1, 40, 40, 7);
		ng_same(&g, g.n);
		g.n = at;
		ngx_idb(&g, 113, 65535, 0);
		ngx_epb(&g, 2, 1, 40, 40, 8);
		ng_same(&g, g.n);
		/* caplen far past its block and past any snapshot length */
		g.n = at;
		ngx_epb(&g, 0, 1, 40, 40, 9);
		for (int i = 0; i < 4; i++)
			g.b[at + 20 + i] = (uint8_t)(0x7fffff00u >>
			    (le ? 8 * i : 24 - 8 * i));
		ng_same(&g, g.n);
		/* a trailing length not the leading one */
		g.n = at;
		ngx_epb(&g, 0, 1, 40, 40, 12);
		g.b[g.n - (le ? 4 : 1)] ^= 4;
		ngx_epb(&g, 0, 2, 40, 40, 13);
		ng_same(&g, g.n);
		/* block lengths: not a multiple of 4, below 12, 0, huge */
		for (int bad = 0; bad < 4; bad++) {
			static const uint32_t len[] = { 62, 8, 0, 0x7ffffff0u };

			g.n = at;
			ngx_epb(&g, 0, 1, 40, 40, 10);
			ngx_epb(&g, 0, 2, 40, 40, 11);
			for (int i = 0; i < 4; i++)
				g.b[at + 4 + i] = (uint8_t)(len[bad] >>
				    (le ? 8 * i : 24 - 8 * i));
			ng_same(&g, g.n);
		}
	}
}

/* An interface with if_tsresol res (-1: none) and if_tsoffset off. */
static void
ngx_idb_ts(struct ng *g, uint32_t snap, int res, int64_t off, int has_off)
{
	uint8_t r = (uint8_t)res;
	uint8_t o[8];
	size_t at = g->n;

	ng_u32(g, 1);
	ng_u32(g, 0);
	ng_u16(g, 1);
	ng_u16(g, 0);
	ng_u32(g, snap);
	if (res >= 0)
		ng_opt(g, 9, &r, 1, 0);
	if (has_off) {
		for (int i = 0; i < 8; i++)
			o[g->le ? i : 7 - i] = (uint8_t)((uint64_t)off >> (8 * i));
		ng_opt(g, 14, o, 8, 0);
	}
	ng_opt(g, 0, "", 0, 0);
	ng_close(g, at);
}

/*
 * The EPBs capture.c reads itself: six interfaces (microseconds by
 * default, nanoseconds, milliseconds, 2^-20 s, microseconds with a time
 * offset, nanoseconds with a zero offset), packets on each in turn,
 * blocks libpcap skips and Simple Packet Blocks between them, EPBs with
 * options, a second section, in both byte orders, over more than one
 * read window, then cut anywhere: every frame as libpcap's.  capture.c
 * takes an EPB on the 1st, 2nd and 6th interface right after a packet
 * (libpcap reads the first packet and each after a block it skips), from
 * a file and from a stream: the count is asserted, so the test fails
 * with our reader off.
 */
static void
pcapng_own(void)
{
	static struct ng g;
	static const int res[6] = { -1, 9, 3, 0x94, 6, 9 };
	static const uint64_t unit[6] = { 1000000, 1000000000, 1000,
	    1 << 20, 1000000, 1000000000 };
	uint64_t want;
	size_t small;

	for (int le = 0; le < 2; le++) {
		int prev_packet = 0;

		g.n = 0;
		g.le = le;
		want = 0;
		ng_shb(&g);
		for (int i = 0; i < 6; i++)
			ngx_idb_ts(&g, 65535, res[i], i == 4 ? -3600 : 0,
			    i >= 4);
		small = 0;
		for (uint32_t i = 0; i < 300; i++) {
			uint32_t ifid = i % 6;
			uint32_t cap = 60 + (i * 37) % 1441;
			uint64_t ts = (UINT64_C(1700000000) + i) * unit[ifid] +
			    (i * 7919) % unit[ifid];

			if (i % 41 == 40) {
				ngx_other(&g, 4, 24);   /* name resolution */
				prev_packet = 0;
			}
			if (i % 53 == 52) {
				size_t at = g.n;        /* a Simple Packet Block */

				ng_u32(&g, 3);
				ng_u32(&g, 0);
				ng_u32(&g, 64);
				for (int k = 0; k < 64; k++)
					ng_put(&g, "s", 1);
				ng_close(&g, at);
				prev_packet = 1;
			}
			if (prev_packet && (ifid == 0 || ifid == 1 ||
			    ifid == 5))
				want++;
			if (i % 10 == 9) {
				/* an EPB with an option, caplen > len */
				size_t at = g.n;

				ngx_epb(&g, ifid, ts, cap, cap - 10,
				    (uint8_t)i);
				g.n -= 4;
				ng_opt(&g, 1, "comment", 7, 0);
				ng_opt(&g, 0, "", 0, 0);
				ng_close(&g, at);
			} else
				ngx_epb(&g, ifid, ts, cap, cap + i, (uint8_t)i);
			prev_packet = 1;
			if (i == 3)
				small = g.n;
		}
		/* a second section, the same byte order */
		ng_shb(&g);
		ngx_idb_ts(&g, 65535, 9, 0, 0);
		for (uint32_t i = 0; i < 20; i++)
			ngx_epb(&g, 0, UINT64_C(1800000000000000000) + i,
			    100 + i, 100 + i, (uint8_t)i);
		want += 19;
		CU_ASSERT(g.n > 65536 * 2);     /* several read windows */
		CU_ASSERT(want > 100);
		CU_ASSERT_EQUAL(ng_same(&g, g.n), want);
		/* cut at every byte of the first 4 packets, around the
		 * windows' ends, every 173rd elsewhere */
		for (size_t n = 0; n <= g.n; n += n < small ? 1 : 173)
			ng_same(&g, n);
		for (size_t n = 65536 - 64; n < 65536 + 64; n++)
			ng_same(&g, n);
	}
	/* a snapshot length below a packet's caplen: libpcap refuses it */
	g.n = 0;
	g.le = 1;
	ng_shb(&g);
	ngx_idb_ts(&g, 100, 9, 0, 0);
	ngx_epb(&g, 0, 1, 50, 50, 1);
	ngx_epb(&g, 0, 2, 100, 100, 2);
	ngx_epb(&g, 0, 3, 101, 101, 3);
	CU_ASSERT_EQUAL(ng_same(&g, g.n), 1);
}

static void
test_pcapng_own(void)
{
	via_pipe = 0;
	pcapng_own();
	via_pipe = 1;
	pcapng_own();
	via_pipe = 0;
}

static void
test_pcapng_as_libpcap(void)
{
	via_pipe = 0;
	pcapng_as_libpcap();
	via_pipe = 1;
	pcapng_as_libpcap();
	via_pipe = 0;
}

/*
 * Two sets over the same bytes, one read ahead by a thread and one not,
 * side by side: the same frames (times, lengths, bytes), then the same
 * end (error text, anomalies).  The one read ahead through a pipe when
 * pipe is 1.
 */
static void
ra_lockstep(const struct raw *r, size_t n, int pipe)
{
	const char *path = tmp("ra.pcap");
	struct capture_set *on = capture_set_new(), *off = capture_set_new();
	struct capture_frame a, b;
	struct capture_info *ia, *ib;
	char err[256], fdpath[64];
	int fd = -1, ra, rb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(on);
	CU_ASSERT_PTR_NOT_NULL_FATAL(off);
	capture_set_readahead(on, CAPTURE_RA_ON);
	capture_set_readahead(off, CAPTURE_RA_OFF);
	write_bytes(path, r->b, n);
	if (pipe) {
		fd = feed(r->b, n);
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	}
	ra = capture_set_add(on, pipe ? fdpath : path, err, sizeof(err));
	rb = capture_set_add(off, path, err, sizeof(err));
	if (fd >= 0)
		close(fd);
	CU_ASSERT_EQUAL(ra, rb);
	if (ra == 0 && rb == 0) {
		CU_ASSERT_EQUAL(capture_set_info(on, 0)->readahead, 1);
		for (;;) {
			int ka = capture_set_next(on, &a);
			int kb = capture_set_next(off, &b);

			CU_ASSERT_EQUAL_FATAL(ka, kb);
			if (ka != 1)
				break;
			CU_ASSERT_EQUAL(a.frame, b.frame);
			CU_ASSERT_EQUAL(a.ts_ns, b.ts_ns);
			CU_ASSERT_EQUAL(a.caplen, b.caplen);
			CU_ASSERT_EQUAL(a.wirelen, b.wirelen);
			CU_ASSERT_EQUAL(memcmp(a.data, b.data, a.caplen), 0);
		}
		ia = capture_set_info(on, 0);
		ib = capture_set_info(off, 0);
		CU_ASSERT_EQUAL(ia->packets, ib->packets);
		CU_ASSERT_STRING_EQUAL(ia->err, ib->err);
		CU_ASSERT_EQUAL(memcmp(&ia->an, &ib->an, sizeof(ia->an)), 0);
		if (!pipe)
			CU_ASSERT_EQUAL(ia->bytes_read, ib->bytes_read);
	}
	capture_set_free(on);
	capture_set_free(off);
	reap();
}

/*
 * The read-ahead thread against none, on a file of many windows whose
 * records (60 bytes to 200 KB) lie across two windows or beyond one,
 * whole, cut inside records and headers near window ends, and through
 * a pipe; several files merged; and a set freed after a few frames
 * while the writer of its pipe keeps it open and writes nothing (the
 * thread waits in poll: freeing must wake it, not hang).
 */
static void
test_readahead(void)
{
	struct raw r = { NULL, 0, 0 };
	static const size_t cut[] = { 24 + 16 + 5, 65536 - 3, 65536 + 9,
	    3 * 65536 + 1, 1000003, 2000000 };
	struct capture_set *cs;
	struct capture_frame fr;
	char fdpath[64], err[256];
	int fd[2];

	raw_head(&r, 0xa1b2c3d4u, 4, 262144);
	for (uint32_t i = 0; r.n < 3000000; i++)
		raw_rec(&r, 1700000000u + i / 1000, i % 1000 * 1000,
		    i % 97 == 0 ? 65000 + i * 131 % 140000 :
		    60 + i * 37 % 1500, 1514, (uint8_t)i);
	for (int pipe = 0; pipe < 2; pipe++) {
		ra_lockstep(&r, r.n, pipe);
		for (size_t k = 0; k < sizeof(cut) / sizeof(cut[0]); k++)
			ra_lockstep(&r, cut[k], pipe);
	}
	/* three files merged by time, each read ahead */
	{
		struct capture_set *on = capture_set_new();
		struct capture_set *off = capture_set_new();
		struct capture_frame a, b;
		static const char *names[] = { "ra.pcap", "va.pcap", "vb.pcap" };

		capture_set_readahead(on, CAPTURE_RA_ON);
		capture_set_readahead(off, CAPTURE_RA_OFF);
		for (int k = 0; k < 3; k++) {
			write_bytes(tmp(names[k]), r.b, 1000000 + 77777 *
			    (size_t)k);
			CU_ASSERT_EQUAL(capture_set_add(on, tmp(names[k]), err,
			    sizeof(err)), 0);
			CU_ASSERT_EQUAL(capture_set_add(off, tmp(names[k]), err,
			    sizeof(err)), 0);
			CU_ASSERT_EQUAL(capture_set_info(on, k)->readahead, 1);
		}
		while (capture_set_next(on, &a) == 1) {
			CU_ASSERT_EQUAL_FATAL(capture_set_next(off, &b), 1);
			CU_ASSERT_EQUAL(a.cap_idx, b.cap_idx);
			CU_ASSERT_EQUAL(a.frame, b.frame);
			CU_ASSERT_EQUAL(a.caplen, b.caplen);
			CU_ASSERT_EQUAL(memcmp(a.data, b.data, a.caplen), 0);
		}
		CU_ASSERT_EQUAL(capture_set_next(off, &b), 0);
		capture_set_free(on);
		capture_set_free(off);
	}
	/* stopped early, the writer silent: alarm() ends a hang */
	raw_head(&r, 0xa1b2c3d4u, 4, 262144);
	for (uint32_t i = 0; i < 100; i++)
		raw_rec(&r, 1700000000u, i, 100, 100, (uint8_t)i);
	CU_ASSERT_EQUAL_FATAL(pipe(fd), 0);
	CU_ASSERT_EQUAL(write(fd[1], r.b, r.n), (ssize_t)r.n);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd[0]);
	cs = cs_new();
	alarm(60);
	CU_ASSERT_EQUAL(capture_set_add(cs, fdpath, err, sizeof(err)), 0);
	close(fd[0]);
	for (int k = 0; k < 3; k++)
		CU_ASSERT_EQUAL(capture_set_next(cs, &fr), 1);
	capture_set_free(cs);
	alarm(0);
	close(fd[1]);
	free(r.b);
}

static void
cleanup(void)
{
	static const char *names[] = { "one.pcap", "a.pcap", "b.pcap",
	    "micro.pcap", "va.pcap", "vb.pcap", "full.pcap", "cut.pcap",
	    "bad.pcap", "snap.pcap", "empty.pcap", "short.pcap", "ng.pcapng",
	    "junk.pcap", "x.pcap.gz", "netmon.cap", "small.pcap",
	    "ifc.pcapng", "raw.pcap", "ra.pcap" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmp(names[i]));
	rmdir(dir);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "single file", test_single_file },
		{ "merge by time", test_merge },
		{ "frames stay valid", test_frame_stays_valid_across_files },
		{ "truncated file", test_truncated_file },
		{ "read error", test_read_error },
		{ "caplen short", test_caplen_short },
		{ "own reader reads as libpcap", test_own_reader },
		{ "own reader reads a pipe as libpcap", test_own_reader_pipe },
		{ "pcapng, file and pipe, as libpcap", test_pcapng_as_libpcap },
		{ "pcapng EPBs read by capture.c", test_pcapng_own },
		{ "open errors", test_open_errors },
		{ "too many files", test_too_many_files },
		{ "corpus netmon", test_corpus_netmon },
		{ "corpus pcapng", test_corpus_pcapng },
		{ "pcapng if_name, if_filter", test_pcapng_filter },
		{ "pcapng malformed interface options", test_pcapng_filter_bad },
		{ "pcapng interface of each frame", test_pcapng_ifnum },
		{ "read ahead as without", test_readahead },
	};

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (int ra = 0; ra < 2; ra++) {
		s = CU_add_suite(ra ? "capture, read ahead" : "capture",
		    ra ? suite_ra_on : suite_ra_off, NULL);
		if (s == NULL) {
			CU_cleanup_registry();
			return 2;
		}
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (CU_add_test(s, tests[i].name, tests[i].fn) ==
			    NULL) {
				CU_cleanup_registry();
				return 2;
			}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	cleanup();
	return fails != 0;
}
