/*
 * fuzz_rtp.c - libFuzzer target: RTP/RTCP recognition and RFC 3550
 * stream statistics.
 *
 * The input is a list of packets, each behind a 2-byte header:
 *
 *	+--------+--------+----------------
 *	| length |  time  |  length bytes (RTP or RTCP)
 *	+--------+--------+----------------
 *
 *	time	0x00-0x7f: that many ms later; 0x80-0xef: (time - 0x7f) s later
 *		(strip doubling, idle gaps); 0xf0-0xfe: that many ms EARLIER
 *		(clock steps back); 0xff: ten hours later
 *
 * Each packet goes through rtcp_looks_like, rtp_looks_like and rtp_parse;
 * parsed RTP is added to the stream of its SSRC (at most four streams, the
 * rest to the first, which must then refuse it), RTCP to the first stream.
 * Statistics are read back after each packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "sip/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSTREAMS 4

static volatile double sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtp_stream st[NSTREAMS];
	struct ep src, dst;
	int nst = 0;
	int64_t now = 1700000000LL * CAP_NS_PER_SEC;
	uint64_t frame = 0;
	size_t off = 0;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = dst.family = 4;
	src.port = 40000;
	dst.port = 40002;
	while (size - off >= 2) {
		size_t len = data[off];
		uint8_t t = data[off + 1];
		const uint8_t *p;
		struct rtp_hdr h;
		uint32_t ssrc;
		uint8_t pt;
		int i;

		off += 2;
		if (len > size - off)
			len = size - off;
		p = data + off;
		off += len;
		frame++;
		if (t < 0x80)
			now += (int64_t)t * 1000000;
		else if (t < 0xf0)
			now += (int64_t)(t - 0x7f) * CAP_NS_PER_SEC;
		else if (t < 0xff)
			now -= (int64_t)(t - 0xef) * 1000000;
		else
			now += 36000 * CAP_NS_PER_SEC;
		if (rtcp_looks_like(p, len, &ssrc, &pt)) {
			if (nst > 0)
				rtp_stream_add_rtcp(&st[0], pt);
			continue;
		}
		sink += rtp_looks_like(p, len);
		if (rtp_parse(p, len, &h) != 0)
			continue;
		if (h.header_len + h.payload_len > len)
			abort();        /* rtp.h: header and payload within the data */
		sink += rtp_static_clock(h.pt);
		if (rtp_static_name(h.pt) != NULL)
			sink += 1;
		for (i = 0; i < nst; i++)
			if (st[i].ssrc == h.ssrc)
				break;
		if (i == nst) {
			if (nst < NSTREAMS) {
				rtp_stream_init(&st[nst], &src, &dst, h.ssrc);
				nst++;
			} else {
				/* A foreign SSRC must be refused. */
				if (rtp_stream_add(&st[0], &h, now, frame) != -1)
					abort();
				continue;
			}
		}
		if (rtp_stream_add(&st[i], &h, now, frame) != 0)
			abort();
		if (st[i].nrate > CAP_RTP_RATE_SECONDS_STRIP ||
		    st[i].rate_bucket_sec == 0)
			abort();
		sink += rtp_stream_jitter_ms(&st[i]) +
		    (double)rtp_stream_expected(&st[i]) +
		    rtp_stream_pps(&st[i]) + (double)st[i].lost;
	}
	return 0;
}
