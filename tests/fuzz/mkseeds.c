/*
 * mkseeds.c - cuts seed inputs for the fuzz targets out of real captures.
 *
 *	mkseeds OUTDIR CAPTURE...
 *
 * Writes OUTDIR/<target>/<capture>-<n> in each target's input format
 * (see the fuzz_*.c headers): sip = UDP payloads that look like SIP, sdp =
 * their bodies, rtp = runs of RTP/RTCP packets, tcp = TCP segments of a
 * capture with their flags and sequence placement, decode = runs of
 * frames of one link type.  Identical inputs are written once and every
 * target gets at most PER_CAPTURE inputs per capture, so the corpus stays
 * small.  A developer tool (tests/fuzz/README): not built by make.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/capture.h"
#include "ingest/decode.h"
#include "base/htab.h"
#include "sip/rtp.h"
#include "ingest/sipframe.h"

#define PER_CAPTURE 12
#define RTP_RUN 24
#define TCP_RUN 32
#define DECODE_RUN 4

struct out {
	char buf[1 << 16];
	size_t len;
};

static const char *outdir, *capname;
static unsigned nsip, nsdp, nrtp, ntcp, ndecode;
static uint64_t seen[4096];
static size_t nseen;
static struct out rtp_o, tcp_o;
static unsigned rtp_n, tcp_n;
static int64_t rtp_last, tcp_last;
static uint32_t tcp_next[2];
static struct ep tcp_a;
static int tcp_have_a;

static void
put(const char *target, unsigned *count, const void *p, size_t len)
{
	char path[4096];
	uint64_t h = htab_hash(p, len, 7);
	FILE *f;

	if (*count >= PER_CAPTURE || len == 0)
		return;
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == h)
			return;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = h;
	snprintf(path, sizeof(path), "%s/%s/%s-%u", outdir, target, capname,
	    (*count)++);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(p, 1, len, f);
	fclose(f);
}

static void
app(struct out *o, const void *p, size_t n)
{
	if (o->len + n <= sizeof(o->buf)) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
}

static void
emit(void *user, const struct pkt *p, struct anomalies *an)
{
	size_t msg_len, body_off;
	uint8_t h[4];

	(void)user;
	if (p->l4 == PKT_UDP && sipframe_looks_like_sip(p->payload, p->len)) {
		put("sip", &nsip, p->payload, p->len);
		if (sipframe_datagram(p->payload, p->len, &msg_len, &body_off,
		    an) == SIPFRAME_OK && body_off < msg_len)
			put("sdp", &nsdp, p->payload + body_off,
			    msg_len - body_off);
	} else if (p->l4 == PKT_UDP && p->len <= 255 &&
	    (rtp_looks_like(p->payload, p->len) ||
	    rtcp_looks_like(p->payload, p->len, NULL, NULL))) {
		int64_t d = rtp_last ? (p->ts_ns - rtp_last) / 1000000 : 0;

		h[0] = (uint8_t)p->len;
		h[1] = (uint8_t)(d < 0 ? 0 : d > 127 ? 127 : d);
		rtp_last = p->ts_ns;
		app(&rtp_o, h, 2);
		app(&rtp_o, p->payload, p->len);
		if (++rtp_n == RTP_RUN) {
			put("rtp", &nrtp, rtp_o.buf, rtp_o.len);
			rtp_o.len = 0;
			rtp_n = 0;
		}
	} else if (p->l4 == PKT_TCP) {
		/* Two directions of the first connection seen, as flows 0/1. */
		int dir;
		uint32_t seq = p->tcp_seq;
		size_t len = p->len > 255 * 16 ? 255 * 16 : p->len;
		size_t pad;

		if (!tcp_have_a) {
			tcp_a = p->src;
			tcp_have_a = 1;
		}
		dir = ep_eq(&p->src, &tcp_a) ? 0 : 1;
		h[0] = p->tcp_flags & 0x1f;
		h[1] = (uint8_t)dir;
		h[2] = 0;
		if (tcp_n > 0 && tcp_next[dir] != 0 && seq != tcp_next[dir]) {
			int32_t diff = (int32_t)(seq - tcp_next[dir]);

			if (diff < 0 && diff >= -255) {
				h[1] |= 1 << 2;
				h[2] = (uint8_t)-diff;
			} else if (diff > 0 && diff <= 255) {
				h[1] |= 2 << 2;
				h[2] = (uint8_t)diff;
			}
		}
		if (len > 255) {
			h[1] |= 0x20;
			pad = (len + 15) / 16 * 16 - len;
			h[3] = (uint8_t)((len + 15) / 16);
		} else {
			pad = 0;
			h[3] = (uint8_t)len;
		}
		if (tcp_last && p->ts_ns - tcp_last > 600 * CAP_NS_PER_SEC)
			h[1] |= 0x10;
		tcp_last = p->ts_ns;
		app(&tcp_o, h, 4);
		app(&tcp_o, p->payload, len);
		/* Rounded up to 16: pad with CRLFs (keepalives). */
		for (size_t i = 0; i < pad; i++)
			app(&tcp_o, i % 2 ? "\n" : "\r", 1);
		tcp_next[dir] = seq + (uint32_t)(len + pad) +
		    ((p->tcp_flags & 0x02) ? 1 : 0);
		if (++tcp_n == TCP_RUN) {
			put("tcp", &ntcp, tcp_o.buf, tcp_o.len);
			tcp_o.len = 0;
			tcp_n = 0;
		}
	}
}

static int
link_index(int lt)
{
	static const int links[] = { 1, 113, 276, 101, 228, 229, 0, 108, 12,
	    14 };

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (links[i] == lt)
			return (int)i;
	return -1;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUTDIR CAPTURE...\n");
		return 2;
	}
	outdir = argv[1];
	for (int i = 2; i < argc; i++) {
		struct capture_set *cs = capture_set_new();
		struct decoder *d = decoder_new(emit, NULL);
		struct capture_frame f;
		struct anomalies an;
		struct out dec_o;
		unsigned dn = 0;
		char err[256];
		const char *b = strrchr(argv[i], '/');

		capname = b ? b + 1 : argv[i];
		nsip = nsdp = nrtp = ntcp = ndecode = 0;
		rtp_o.len = tcp_o.len = 0;
		rtp_n = tcp_n = 0;
		rtp_last = tcp_last = 0;
		tcp_next[0] = tcp_next[1] = 0;
		tcp_have_a = 0;
		dec_o.len = 0;
		memset(&an, 0, sizeof(an));
		if (capture_set_add(cs, argv[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "mkseeds: %s: %s\n", argv[i], err);
			continue;
		}
		while (capture_set_next(cs, &f) == 1) {
			int li = link_index(f.linktype);
			uint8_t h[2];

			decoder_frame(d, f.linktype, 0, f.frame, f.ts_ns,
			    f.data, f.caplen, f.wirelen, &an);
			if (li < 0 || f.caplen > 2000)
				continue;
			if (dec_o.len == 0) {
				h[0] = (uint8_t)li;
				app(&dec_o, h, 1);
			}
			h[0] = (uint8_t)(f.caplen >> 8);
			h[1] = (uint8_t)f.caplen;
			app(&dec_o, h, 2);
			app(&dec_o, f.data, f.caplen);
			if (++dn == DECODE_RUN) {
				put("decode", &ndecode, dec_o.buf, dec_o.len);
				dec_o.len = 0;
				dn = 0;
			}
		}
		if (dn > 0)
			put("decode", &ndecode, dec_o.buf, dec_o.len);
		if (rtp_n > 0)
			put("rtp", &nrtp, rtp_o.buf, rtp_o.len);
		if (tcp_n > 0)
			put("tcp", &ntcp, tcp_o.buf, tcp_o.len);
		decoder_free(d);
		capture_set_free(cs);
	}
	return 0;
}
