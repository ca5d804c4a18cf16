/*
 * fuzz_decode.c - libFuzzer target: link layers, VLANs, tunnels, IPv4/IPv6
 * with extension headers, fragment reassembly, UDP/TCP/SCTP/ICMP
 * (decoder_frame).
 *
 *	+--------+-------+-------+---------------+-------+-------+----
 *	|  link  | len (BE 16)   | frame ...     | len (BE 16)   | frame
 *	+--------+-------+-------+---------------+-------+-------+----
 *
 * The first byte picks the link type (index into links[] below, modulo
 * its size), the rest is a list of frames given to one decoder, 10 ms
 * apart, so fragments of one datagram can meet; a length past the end
 * takes what is left.  Bit 7 of the first byte makes every frame claim a
 * wire length 100 bytes longer than captured (snaplen cuts), bit 6 puts
 * 31 s between frames (fragment expiry).  Every payload the decoder emits
 * is read byte by byte so ASan checks its bounds.
 */
#include <stdint.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static const int links[] = { 1, 113, 276, 101, 228, 229, 0, 108, 12, 14,
    147 /* not decoded */ };

static void
emit(void *user, const struct pkt *p, struct anomalies *an)
{
	size_t s = 0;

	(void)user;
	(void)an;
	for (size_t i = 0; i < p->len; i++)
		s += p->payload[i];
	sink += s + p->src.port + p->dst.port + p->nfrags + p->l4;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoder *d;
	struct anomalies an;
	struct decoder_stats st;
	int64_t now = 1700000000LL * CAP_NS_PER_SEC, step;
	uint64_t frame = 0;
	size_t off = 1, wire_extra;
	int link;

	if (size < 1)
		return 0;
	link = links[(data[0] & 0x3f) % (sizeof(links) / sizeof(links[0]))];
	wire_extra = (data[0] & 0x80) ? 100 : 0;
	step = (data[0] & 0x40) ? 31 * CAP_NS_PER_SEC : 10000000;
	d = decoder_new(emit, NULL);
	if (d == NULL)
		return 0;
	memset(&an, 0, sizeof(an));
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		decoder_frame(d, link, 0, ++frame, now, data + off, len,
		    len + wire_extra, &an);
		off += len;
		now += step;
		if (frame % 8 == 0)
			decoder_expire(d, now, &an);
	}
	decoder_expire(d, INT64_MAX, &an);
	decoder_stats_get(d, &st);
	sink += st.frames + st.reassembled;
	decoder_free(d);
	return 0;
}
