/*
 * fuzz_tcp.c - libFuzzer target: TCP stream reassembly (tcpstream.c)
 * with the framers above it (tcpframe.c: SIP framing, WebSocket frames
 * and TLS record walking).
 *
 * The input is a list of segments, each a 4-byte control header followed
 * by its payload:
 *
 *	 0        1        2        3
 *	+--------+--------+--------+--------+----------------------
 *	| flags  |  ctl   | delta  | length |  length (x16 when ctl
 *	+--------+--------+--------+--------+  bit 5) payload bytes
 *
 *	flags	TCP flags (FIN SYN RST PSH ACK in the low 5 bits)
 *	ctl	bits 0-1: flow (0 A->B, 1 B->A, 2 A'->B, 3 a new flow per
 *		segment, to grow the table); bits 2-3: sequence (0 next
 *		expected, 1 delta bytes back, 2 delta bytes ahead, 3 delta
 *		x 2^24 ahead: wrap-around); bit 4: 700 s pass before this
 *		segment (idle expiry); bit 5: length x 16; bit 6: expire
 *		after it; bit 7: IPv6 addresses
 *
 * A payload shorter than claimed takes what is left.  Every message the
 * reassembler delivers is walked byte by byte (ASan checks the bounds).
 */
#include <stdint.h>
#include <string.h>

#include "base/caps.h"
#include "ingest/tcpframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void
on_msg(void *user, const struct sipframe_msg *m, struct anomalies *an)
{
	size_t s = 0;

	(void)user;
	(void)an;
	for (size_t i = 0; i < m->carried; i++)
		s += m->msg[i];
	sink += s + m->p->len + m->len + m->body_off + (size_t)m->first_frame;
}

static void
on_keepalive(void *user, const struct pkt *p, size_t n, struct anomalies *an)
{
	(void)user;
	(void)an;
	sink += n + p->len;
}

static void
set_ep(struct ep *e, int v6, uint8_t last, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->family = v6 ? 6 : 4;
	e->port = port;
	if (v6) {
		e->ip[0] = 0x20;
		e->ip[1] = 0x01;
		e->ip[15] = last;
	} else {
		e->ip[0] = 10;
		e->ip[3] = last;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_framer_cb cb = { on_msg, on_keepalive, NULL };
	struct tcp_framer *tr = tcp_framer_new(&cb);
	struct anomalies an;
	uint32_t next[3] = { 1000, 5000, 9000 };
	int64_t now = 1000 * CAP_NS_PER_SEC;
	uint64_t frame = 0;
	uint16_t newport = 20000;
	size_t off = 0;

	if (tr == NULL)
		return 0;
	memset(&an, 0, sizeof(an));
	while (size - off >= 4) {
		uint8_t flags = data[off], ctl = data[off + 1];
		uint32_t delta = data[off + 2];
		size_t len = data[off + 3], seqmode;
		int flow = ctl & 3, v6 = (ctl >> 7) & 1;
		struct pkt p;
		uint32_t seq;

		off += 4;
		if (ctl & 0x20)
			len *= 16;
		if (len > size - off)
			len = size - off;
		memset(&p, 0, sizeof(p));
		p.l4 = PKT_TCP;
		p.frame = ++frame;
		now += (ctl & 0x10) ? 700 * CAP_NS_PER_SEC : 1000000;
		p.ts_ns = now;
		p.tcp_flags = flags & 0x1f;
		switch (flow) {
		case 0:
			set_ep(&p.src, v6, 1, 5060);
			set_ep(&p.dst, v6, 2, 5060);
			break;
		case 1:
			set_ep(&p.src, v6, 2, 5060);
			set_ep(&p.dst, v6, 1, 5060);
			break;
		case 2:
			set_ep(&p.src, v6, 3, 5062);
			set_ep(&p.dst, v6, 2, 5060);
			break;
		default:
			set_ep(&p.src, v6, 4, newport++);
			set_ep(&p.dst, v6, 2, 5060);
			flow = 2;
			break;
		}
		seqmode = (ctl >> 2) & 3;
		seq = next[flow];
		if (seqmode == 1)
			seq -= delta;
		else if (seqmode == 2)
			seq += delta;
		else if (seqmode == 3)
			seq += delta << 24;
		p.tcp_seq = seq;
		p.payload = data + off;
		p.len = len;
		p.ip_len = (uint32_t)(len + 40);
		tcp_framer_segment(tr, &p, &an);
		/* A SYN takes one sequence number; data follows it. */
		next[flow] = seq + (uint32_t)len + ((flags & 0x02) ? 1 : 0);
		off += len;
		if (ctl & 0x40)
			tcp_framer_expire(tr, now, &an);
	}
	sink += tcp_framer_flows(tr);
	tcp_framer_expire(tr, INT64_MAX, &an);
	tcp_framer_free(tr);
	return 0;
}
