/*
 * capture.h - reading capture files through libpcap, several merged by time.
 * (The records of a plain pcap file or stream and most Enhanced Packet
 * Blocks of a pcapng file or stream are read by capture.c itself, as
 * libpcap reads them; see capture.c.)
 *
 * pcap and pcapng, nanosecond timestamps kept (files are opened with
 * PCAP_TSTAMP_PRECISION_NANO).  Files are read strictly as a stream: one
 * frame buffered per file, the earliest of them handed out next, so memory
 * does not depend on file size.  Errors inside a file after it was opened
 * (truncated record, read error) become anomalies of that file and end it;
 * the other files go on.
 */
#ifndef SIPALG_CAPTURE_H
#define SIPALG_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "base/caps.h"

struct capture_set;

/*
 * One pcapng interface (Interface Description Block), as recorded by the
 * program that wrote the file.  filter_type is the first byte of the
 * if_filter option (code 11): 0 = a libpcap filter expression (filter
 * holds its text, NUL-terminated, cut at CAP_IFFILTER - 1 bytes and at
 * an embedded NUL: filter_cut), another value = a filter we do not read,
 * -1 = no filter recorded.  Bytes are as in the file: escape them before
 * they are shown.
 */
struct capture_iface {
	char name[CAP_IFNAME];          /* if_name, "" when not recorded */
	int filter_type;
	int filter_cut;
	char filter[CAP_IFFILTER];
};

/* What is known about one file; owned by the set, valid until freed. */
struct capture_info {
	char *path;
	uint64_t size;          /* file size in bytes (0 if not a regular file) */
	int linktype;           /* DLT_* of the file (pcapng: of its first interface) */
	const char *linkname;   /* libpcap's name for it */
	uint64_t packets;       /* frames read so far */
	uint64_t bytes_read;    /* file offset reached, set when the file ends
	                         * (capture_set_progress() asks open files);
	                         * a stream's: 0 at a clean end (its size),
	                         * where it ended when cut short */
	int64_t first_ns, last_ns; /* 0 until a frame was read */
	struct anomalies an;    /* anomalies found while reading and decoding */
	int done;               /* no more frames */
	char err[160];          /* why reading stopped early; "" at a clean end */
	uint64_t own_records;   /* frames read by capture.c's own readers
	                         * (plain pcap of a file or a stream, the
	                         * Enhanced Packet Blocks of a pcapng file or
	                         * stream:
	                         * capture.c's top), the others by libpcap:
	                         * for tests and profiling */
	int readahead;          /* a thread read the file ahead
	                         * (capture_set_readahead): for tests */
	/*
	 * pcapng only: the interfaces described before the first packet
	 * (read by capture.c itself: libpcap does not give the options).
	 * ifaces_known is 1 when every one of them was read whole (a
	 * stream's as a file's), 0 for a pcap file, a malformed block or
	 * option (ANOMALY_PCAPNG_BAD_OPTION) or more
	 * interfaces than CAP_IFACES (ANOMALY_PCAPNG_IFACES_CAP).  An
	 * interface described after the first packet is added to ifaces
	 * when the reading reaches it (nifaces grows; ifaces_known still
	 * speaks of those before the first packet only).
	 */
	int pcapng;
	int ifaces_known;
	int nifaces;
	struct capture_iface ifaces[CAP_IFACES];
};

/* One frame; data valid until the next capture_set_next() call. */
struct capture_frame {
	uint32_t cap_idx;
	uint64_t frame;         /* 1-based within its file */
	int64_t ts_ns;
	int linktype;
	const uint8_t *data;
	uint32_t caplen;        /* bytes at data */
	uint32_t wirelen;       /* length on the wire */
	/*
	 * pcapng: 1 + the index in capture_info.ifaces (interfaces counted
	 * across the file's sections in order) of the interface the frame
	 * came on; 0 when not known (a pcap file, a walk stopped by
	 * ANOMALY_PCAPNG_BAD_BLOCK, an id not described).  A pcapng stream
	 * (standard input, a pipe) says the same as the file would.
	 */
	uint32_t ifnum;
};

/*
 * Returns NULL on OOM.  The read-ahead (capture_set_readahead) is taken
 * from the environment: SIPALG_READAHEAD=0 off, =1 on, else automatic.
 */
struct capture_set *capture_set_new(void);
void capture_set_free(struct capture_set *cs);

/*
 * Read-ahead: a thread of each file (at most a few in a set) reads its
 * next windows while the frames of the current one are analysed
 * (readahead.h): a plain pcap file's records, a pcapng file's block
 * walk, a stream's bytes.  What is read and handed out is the same
 * either way.  CAPTURE_RA_AUTO: when there is a second CPU to run it
 * (sched_getaffinity) and the file is not small (4 MB; a stream always).
 * For the files added after the call.
 */
enum { CAPTURE_RA_AUTO = -1, CAPTURE_RA_OFF = 0, CAPTURE_RA_ON = 1 };
void capture_set_readahead(struct capture_set *cs, int mode);

/*
 * Opens path and adds it to the set.  Returns 0, or -1 with a reason for
 * people in err ("not a pcap or pcapng file", "No such file or directory")
 * and the set unchanged.
 */
int capture_set_add(struct capture_set *cs, const char *path, char *err,
    size_t errlen);

/*
 * Next frame in time order across the files (ties: lower file index
 * first).  Returns 1 with *out filled, 0 when every file is exhausted.
 */
int capture_set_next(struct capture_set *cs, struct capture_frame *out);

size_t capture_set_count(const struct capture_set *cs);
/* Borrowed; idx < capture_set_count(). */
struct capture_info *capture_set_info(struct capture_set *cs, size_t idx);
/* Sum of file sizes and of bytes read, for a progress line. */
void capture_set_progress(const struct capture_set *cs, uint64_t *done,
    uint64_t *total);

#endif /* SIPALG_CAPTURE_H */
