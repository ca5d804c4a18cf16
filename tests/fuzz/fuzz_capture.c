/*
 * fuzz_capture.c - libFuzzer target: a whole capture file through the
 * whole pipeline (libpcap, decode, fragments, TCP, SIP, SDP, dialogs, RTP,
 * detectors) and out through a report.
 *
 * analysis_add_file() takes a path, so the input is written to an
 * anonymous in-memory file (memfd_create) and opened as /proc/self/fd/N:
 * no disk, no temp names to clean up, and capture.c reads it with
 * pcap_fopen_offline_with_tstamp_precision exactly as a real file (fstat
 * gives its size).  The report goes to /dev/null in text, JSON or CSV
 * (input length modulo 3) with messages and all dialogs listed, so the
 * escaping paths run on fuzzed strings too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis.h"
#include "output/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
on_dialog(void *user, struct dialog *d)
{
	report_dialog(user, d);
	return false;
}

static void
on_stream(void *user, const struct rtp_stream *s)
{
	report_stream(user, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct report_opts ro = { REPORT_TEXT, true, false, true, NULL, 0, NULL,
	    false };
	struct analysis_cb cb = { on_dialog, on_stream, NULL, NULL };
	struct analysis *a;
	struct report *r;
	char path[64], err[256];
	size_t done = 0;
	int fd;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	fd = memfd_create("fuzz-capture", 0);
	if (fd < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro.format = (enum report_format)(size % 3);
	r = report_new(devnull, &ro);
	cb.user = r;
	a = analysis_new(&cb);
	if (a == NULL || r == NULL)
		abort();
	if (analysis_add_file(a, path, err, sizeof(err)) == 0) {
		struct report_capture cap;
		struct report_summary sum = { &cap, 1, { 0 } };

		report_begin(r);
		analysis_run(a);
		cap.info = analysis_capture_info(a, 0);
		cap.stats = analysis_capture_stats(a, 0);
		detect_verdict_get(analysis_detect(a), &sum.verdict);
		report_end(r, &sum);
	}
	analysis_free(a);
	report_free(r);
	close(fd);
	return 0;
}
