/*
 * fuzz_capread.c - libFuzzer target, differential: capture.c's reading
 * of a capture against libpcap's alone, on the same bytes.
 *
 * The input is a capture file (pcap, pcapng, anything).  libpcap reads it
 * from an in-memory file (memfd_create, opened with nanosecond precision,
 * pcap_next_ex until it stops): that is the reference.  capture_set then
 * reads the same bytes twice, as a file (/proc/self/fd/N of the memfd:
 * capture.c's pread window for a plain pcap file, libpcap and the block
 * walker for the others) and as a stream (a pipe holding the whole input,
 * its capacity raised with F_SETPIPE_SZ; inputs longer than the pipe can
 * hold skip this part): capture.c's stream reader and libpcap through its
 * buffer.  Each must open when libpcap opens, hand out the same frames
 * (number, time clamped as capture.c clamps it, captured length cut at
 * CAP_SNAPLEN, length on the wire, bytes), stop after the same frame,
 * keep libpcap's error text and say where reading stopped (ftello() of
 * libpcap's stream).  The stream must also say what the file says of
 * what libpcap does not give: each frame's interface (ifnum), the
 * interfaces described (names, filters), the anomalies counted.  A
 * difference aborts, so libFuzzer keeps the input.
 *
 * The replay (tests/fuzz/replay_capread) runs the capture corpus through
 * it in make check.
 */
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/caps.h"
#include "ingest/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* capture.c's clamp of a frame's seconds (see cfile_fill) */
#define TS_MAX_SEC ((INT64_C(1) << 62) / CAP_NS_PER_SEC)

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_capread: %s (%s) differs from libpcap: %s\n", \
	    how, path, #c); abort(); } } while (0)

/*
 * pcapng frames read from the file and from the stream, and how many of
 * them capture.c read itself (ng_next): the replay fails when there
 * were some and capture.c read none, so it cannot pass with capture.c's
 * EPB reading off.
 */
static uint64_t ng_frames, ng_own, ng_sframes, ng_sown;

/* What the file's reading said beyond libpcap's frames (see compare). */
static struct {
	uint32_t *ifnum;        /* of each frame */
	size_t cap;
	struct capture_info info;
} file_saw;

#ifdef FUZZ_TARGET
#include <unistd.h>

__attribute__((destructor)) static void
own_check(void)
{
	fprintf(stderr, "replay_capread: %llu pcapng frames read from files, "
	    "%llu of them by capture.c; %llu from streams, %llu of them by "
	    "capture.c\n", (unsigned long long)ng_frames,
	    (unsigned long long)ng_own, (unsigned long long)ng_sframes,
	    (unsigned long long)ng_sown);
	if ((ng_frames > 0 && ng_own == 0) || (ng_sframes > 0 && ng_sown == 0))
		_exit(1);
}
#endif

struct ref {
	int opened;
	uint64_t frames;
	int failed;             /* pcap_next_ex ended with PCAP_ERROR */
	char err[PCAP_ERRBUF_SIZE + 64];
	uint64_t end;           /* ftello() when it failed */
};

/*
 * Reads path with capture_set and compares every frame with a second
 * libpcap handle on the reference file (fd, rewound), as it goes.
 */
static void
compare(const char *how, const char *path, int ref_fd, const struct ref *ref,
    int stream)
{
	char eb[PCAP_ERRBUF_SIZE], err[256];
	struct capture_set *cs = capture_set_new();
	struct capture_frame fr;
	struct capture_info *ci;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = NULL;
	FILE *fp;
	uint64_t n = 0;
	int rc;

	if (cs == NULL)
		abort();
	rc = capture_set_add(cs, path, err, sizeof(err));
	CHECK((rc == 0) == ref->opened);
	if (rc != 0) {
		capture_set_free(cs);
		return;
	}
	fp = fdopen(dup(ref_fd), "rb");
	if (fp == NULL || fseeko(fp, 0, SEEK_SET) != 0)
		abort();
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, eb);
	if (p == NULL)
		abort();
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint32_t caplen = h->caplen > CAP_SNAPLEN ? CAP_SNAPLEN :
		    h->caplen;
		int64_t sec = (int64_t)h->ts.tv_sec;

		if (sec < 0)
			sec = 0;
		else if (sec > TS_MAX_SEC)
			sec = TS_MAX_SEC;
		n++;
		CHECK(capture_set_next(cs, &fr) == 1);
		CHECK(fr.frame == n);
		CHECK(fr.ts_ns == sec * CAP_NS_PER_SEC + (int64_t)h->ts.tv_usec);
		CHECK(fr.caplen == caplen);
		CHECK(fr.wirelen == h->len);
		CHECK(memcmp(fr.data, d, caplen) == 0);
		if (!stream) {
			if (n > file_saw.cap) {
				size_t c = file_saw.cap ? 2 * file_saw.cap : 256;
				uint32_t *a = realloc(file_saw.ifnum,
				    c * sizeof(*a));

				if (a == NULL)
					abort();
				file_saw.ifnum = a;
				file_saw.cap = c;
			}
			file_saw.ifnum[n - 1] = fr.ifnum;
		} else
			CHECK(fr.ifnum == file_saw.ifnum[n - 1]);
	}
	CHECK(capture_set_next(cs, &fr) == 0);
	ci = capture_set_info(cs, 0);
	CHECK(n == ref->frames && ci->packets == n && ci->done);
	if (ci->pcapng && !stream) {
		ng_frames += n;
		ng_own += ci->own_records;
	} else if (ci->pcapng) {
		ng_sframes += n;
		ng_sown += ci->own_records;
	}
	if (!stream)
		file_saw.info = *ci;
	else {
		const struct capture_info *fi = &file_saw.info;

		CHECK(ci->pcapng == fi->pcapng);
		CHECK(ci->ifaces_known == fi->ifaces_known);
		CHECK(ci->nifaces == fi->nifaces);
		for (int i = 0; i < ci->nifaces && i < CAP_IFACES; i++) {
			CHECK(strcmp(ci->ifaces[i].name, fi->ifaces[i].name) == 0);
			CHECK(strcmp(ci->ifaces[i].filter,
			    fi->ifaces[i].filter) == 0);
			CHECK(ci->ifaces[i].filter_type == fi->ifaces[i].filter_type);
			CHECK(ci->ifaces[i].filter_cut == fi->ifaces[i].filter_cut);
		}
		CHECK(memcmp(&ci->an, &fi->an, sizeof(ci->an)) == 0);
		CHECK(ci->first_ns == fi->first_ns && ci->last_ns == fi->last_ns);
	}
	if (ref->failed) {
		CHECK(strcmp(ci->err, ref->err) == 0);
		CHECK(ci->bytes_read == ref->end);
		CHECK(ci->an.n[ANOMALY_PCAP_TRUNCATED] +
		    ci->an.n[ANOMALY_PCAP_READ_ERROR] == 1);
	} else {
		CHECK(ci->err[0] == '\0');
		CHECK(ci->bytes_read == (stream ? 0 : ci->size));
	}
	pcap_close(p);
	capture_set_free(cs);
}

static void
put(int fd, const uint8_t *data, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t k = write(fd, data + done, size - done);

		if (k <= 0)
			abort();
		done += (size_t)k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char eb[PCAP_ERRBUF_SIZE], path[64];
	struct ref ref;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	FILE *fp;
	int fd, pp[2], rc;

	memset(&ref, 0, sizeof(ref));
	fd = memfd_create("fuzz-capread", 0);
	if (fd < 0)
		abort();
	put(fd, data, size);
	/* the reference: libpcap alone, to its end */
	fp = fdopen(dup(fd), "rb");
	if (fp == NULL || fseeko(fp, 0, SEEK_SET) != 0)
		abort();
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, eb);
	if (p != NULL) {
		ref.opened = 1;
		while ((rc = pcap_next_ex(p, &h, &d)) == 1)
			ref.frames++;
		if (rc == PCAP_ERROR) {
			ref.failed = 1;
			snprintf(ref.err, sizeof(ref.err), "%s (after frame %llu)",
			    pcap_geterr(p), (unsigned long long)ref.frames);
			ref.end = (uint64_t)ftello(fp);
		}
		pcap_close(p);
	} else
		fclose(fp);
	/* capture.c on the file (size 0: the empty file libpcap refuses) */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	compare("file", path, fd, &ref, 0);
	/* capture.c on a stream of the same bytes */
	if (pipe(pp) != 0)
		abort();
	if (size <= 65536 || (fcntl(pp[1], F_SETPIPE_SZ, (int)size) >= 0 &&
	    fcntl(pp[1], F_GETPIPE_SZ) >= (int)size)) {
		put(pp[1], data, size);
		close(pp[1]);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", pp[0]);
		compare("stream", path, fd, &ref, 1);
	} else
		close(pp[1]);
	close(pp[0]);
	close(fd);
	return 0;
}
