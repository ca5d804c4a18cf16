/*
 * test_tcpframe.c - CUnit tests for the TCP framers over stream
 * reassembly (analyzer/ingest/tcpframe.c on tcpstream.c), end to end:
 * framing across and within segments, reordering, retransmission,
 * sequence wrap, gaps and resynchronisation, caps, non-SIP, TLS and
 * WebSocket streams, FIN/RST and expiry.  Segments are struct pkt values
 * built here; no capture file is needed.  The stream alone is tested in
 * test_tcpstream.c.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "ingest/pkt.h"
#include "ingest/tcpframe.h"
#include "frame_lines_check.h"

#define MAXMSG 64

struct got {
	size_t n;
	uint64_t first[MAXMSG], frame[MAXMSG];
	uint16_t sport[MAXMSG];
	size_t len[MAXMSG], carried[MAXMSG], body_off[MAXMSG];
	uint8_t l4[MAXMSG];
	uint8_t *msg[MAXMSG];     /* the carried bytes */
	size_t nka, ka_bytes;     /* keepalive CRLFs reported */
};

static struct got got;
static struct anomalies an;
static struct tcp_framer *tr;
static uint64_t frameno;

static void
on_msg(void *user, const struct sipframe_msg *m, struct anomalies *a)
{
	struct got *g = user;

	(void)a;
	check_lines(m);
	if (g->n < MAXMSG) {
		g->first[g->n] = m->first_frame;
		g->frame[g->n] = m->p->frame;
		g->sport[g->n] = m->p->src.port;
		g->l4[g->n] = m->p->l4;
		g->len[g->n] = m->len;
		g->carried[g->n] = m->carried;
		g->body_off[g->n] = m->body_off;
		g->msg[g->n] = malloc(m->carried ? m->carried : 1);
		memcpy(g->msg[g->n], m->msg, m->carried);
	}
	g->n++;
}

static void
on_keepalive(void *user, const struct pkt *p, size_t n, struct anomalies *a)
{
	struct got *g = user;

	(void)p;
	(void)a;
	g->nka++;
	g->ka_bytes += n;
}

static void
reset(void)
{
	struct tcp_framer_cb cb = { on_msg, on_keepalive, &got };

	for (size_t i = 0; i < got.n && i < MAXMSG; i++)
		free(got.msg[i]);
	memset(&got, 0, sizeof(got));
	memset(&an, 0, sizeof(an));
	tcp_framer_free(tr);
	tr = tcp_framer_new(&cb);
	frameno = 0;
}

/* Direction 0 is 10.0.0.1:5060 -> 10.0.0.2:6060, 1 the reverse. */
static void
seg(int dir, uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	struct pkt p;
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	memset(&p, 0, sizeof(p));
	p.frame = ++frameno;
	p.ts_ns = (int64_t)frameno * 1000000;
	p.l4 = PKT_TCP;
	p.src.family = p.dst.family = 4;
	memcpy(p.src.ip, dir ? b : a, 4);
	memcpy(p.dst.ip, dir ? a : b, 4);
	p.src.port = dir ? 6060 : 5060;
	p.dst.port = dir ? 5060 : 6060;
	p.payload = data;
	p.len = len;
	p.tcp_flags = flags | PKT_TCP_ACK;
	p.tcp_seq = seq;
	tcp_framer_segment(tr, &p, &an);
}

static int
got_is(size_t i, const char *s)
{
	return i < got.n && got.len[i] == strlen(s) &&
	    memcmp(got.msg[i], s, got.len[i]) == 0;
}

static const char m1[] =
    "INVITE sip:bob@b.example SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
    "Call-ID: 1@a\r\n"
    "Content-Length: 10\r\n"
    "\r\n"
    "v=0\r\no=x\r\n";
static const char m2[] =
    "BYE sip:bob@b.example SIP/2.0\r\n"
    "Call-ID: 1@a\r\n"
    "l: 0\r\n"
    "\r\n";
static const char r1[] =
    "SIP/2.0 200 OK\r\n"
    "Call-ID: 1@a\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

#define L(s) (sizeof(s) - 1)

static void
test_two_in_one_segment(void)
{
	char buf[512];

	reset();
	memcpy(buf, m1, L(m1));
	memcpy(buf + L(m1), m2, L(m2));
	seg(0, 1000, PKT_TCP_SYN, NULL, 0);
	seg(0, 1001, PKT_TCP_PSH, buf, L(m1) + L(m2));
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_TRUE(got_is(1, m2));
	CU_ASSERT_EQUAL(got.first[0], 2);
	CU_ASSERT_EQUAL(got.first[1], 2);
	/* Plain TCP: carried is the message; the body follows the headers. */
	CU_ASSERT_EQUAL(got.l4[0], PKT_TCP);
	CU_ASSERT_EQUAL(got.carried[0], L(m1));
	CU_ASSERT_EQUAL(got.body_off[0], L(m1) - 10);
	CU_ASSERT_EQUAL(got.body_off[1], L(m2));
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	/* The other direction is independent. */
	seg(1, 77, PKT_TCP_PSH, r1, L(r1));
	CU_ASSERT_EQUAL(got.n, 3);
	CU_ASSERT_TRUE(got_is(2, r1));
	CU_ASSERT_EQUAL(got.sport[2], 6060);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 2);
}

/* CRLFs between messages are keepalives, reported and never framed. */
static void
test_keepalives(void)
{
	char buf[512];

	reset();
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, "\r\n\r\n", 4);		/* RFC 5626 ping first */
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(got.nka, 1);
	CU_ASSERT_EQUAL(got.ka_bytes, 4);
	memcpy(buf, m1, L(m1));
	memcpy(buf + L(m1), "\r\n", 2);
	seg(0, 5, 0, buf, L(m1) + 2);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_EQUAL(got.nka, 2);
	CU_ASSERT_EQUAL(got.ka_bytes, 6);
	/* A CR and its LF in two segments: two reports, one byte each. */
	seg(0, 7 + (uint32_t)L(m1), 0, "\r", 1);
	seg(0, 8 + (uint32_t)L(m1), 0, "\n", 1);
	CU_ASSERT_EQUAL(got.nka, 4);
	CU_ASSERT_EQUAL(got.ka_bytes, 8);
	/* CRLFs inside a message (its body) are not keepalives. */
	seg(0, 9 + (uint32_t)L(m1), 0, m1, L(m1) - 4);
	seg(0, 9 + (uint32_t)L(m1) * 2 - 4, 0, m1 + L(m1) - 4, 4);
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m1));
	CU_ASSERT_EQUAL(got.nka, 4);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_split_three_segments(void)
{
	size_t a = 20, b = 70;

	reset();
	seg(0, 5000, PKT_TCP_SYN, NULL, 0);
	seg(0, 5001, 0, m1, a);
	seg(0, 5001 + a, 0, m1 + a, b - a);
	CU_ASSERT_EQUAL(got.n, 0);
	seg(0, 5001 + b, 0, m1 + b, L(m1) - b);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_EQUAL(got.first[0], 2);
	CU_ASSERT_EQUAL(got.frame[0], 4);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* Every split point of two messages gives the same two messages. */
static void
test_split_everywhere(void)
{
	char buf[512];
	size_t n = L(m1) + L(m2);

	memcpy(buf, m1, L(m1));
	memcpy(buf + L(m1), m2, L(m2));
	for (size_t cut = 1; cut < n; cut++) {
		reset();
		seg(0, 1, 0, buf, cut);
		seg(0, 1 + (uint32_t)cut, 0, buf + cut, n - cut);
		CU_ASSERT_EQUAL(got.n, 2);
		CU_ASSERT_TRUE(got_is(0, m1));
		CU_ASSERT_TRUE(got_is(1, m2));
		CU_ASSERT_EQUAL(got.first[1], cut <= L(m1) ? 2 : 1);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	}
}

static void
test_byte_by_byte(void)
{
	char buf[512];
	size_t n;

	reset();
	memcpy(buf, "\r\n\r\n", 4);
	memcpy(buf + 4, m1, L(m1));
	memcpy(buf + 4 + L(m1), m2, L(m2));
	n = 4 + L(m1) + L(m2);
	seg(0, 41, PKT_TCP_SYN, NULL, 0);
	for (size_t i = 0; i < n; i++)
		seg(0, 42 + (uint32_t)i, 0, buf + i, 1);
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_TRUE(got_is(1, m2));
	/* Frame 1 is the SYN, frame 2 the first CR. */
	CU_ASSERT_EQUAL(got.first[0], 2 + 4);
	CU_ASSERT_EQUAL(got.frame[0], 1 + 4 + L(m1));
	CU_ASSERT_EQUAL(got.first[1], 2 + 4 + L(m1));
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_out_of_order(void)
{
	reset();
	seg(0, 100, PKT_TCP_SYN, NULL, 0);
	seg(0, 101 + 60, 0, m1 + 60, L(m1) - 60);	/* frame 2, early */
	seg(0, 101 + 30, 0, m1 + 30, 30);		/* frame 3 */
	CU_ASSERT_EQUAL(got.n, 0);
	seg(0, 101, 0, m1, 30);				/* frame 4 fills */
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_EQUAL(got.first[0], 4);
	CU_ASSERT_EQUAL(got.frame[0], 2);	/* the held segment ended it */
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_retransmit_overlap(void)
{
	reset();
	seg(0, 7, 0, m1, 50);
	seg(0, 7, 0, m1, 50);			/* exact copy */
	seg(0, 7 + 30, 0, m1 + 30, 40);		/* overlaps 30..70 */
	seg(0, 7 + 10, 0, m1 + 10, 20);		/* inside what we have */
	seg(0, 7 + 80, 0, m1 + 80, L(m1) - 80);	/* held */
	seg(0, 7 + 75, 0, m1 + 75, 10);		/* held, overlaps the last */
	seg(0, 7 + 60, 0, m1 + 60, 20);		/* fills, overlaps both */
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	seg(0, 7, 0, m1, L(m1));		/* whole copy later */
	CU_ASSERT_EQUAL(got.n, 1);
	seg(0, 7 + (uint32_t)L(m1), 0, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m2));
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_sequence_wrap(void)
{
	uint32_t isn = 0xffffffffu - 40;	/* data starts at 2^32 - 40 */

	reset();
	seg(0, isn, PKT_TCP_SYN, NULL, 0);
	seg(0, isn + 1, 0, m1, 30);
	seg(0, isn + 1 + 60, 0, m1 + 60, L(m1) - 60);	/* past the wrap */
	seg(0, isn + 1 + 30, 0, m1 + 30, 40);		/* spans the wrap */
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	seg(0, isn + 1 + 20, 0, m1 + 20, 20);		/* old, across zero */
	seg(0, isn + 1 + (uint32_t)L(m1), 0, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m2));
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* A lost segment: held ones pile up, TCP_GAP, resync at the next start. */
static void
test_gap_resync(void)
{
	char buf[512];
	uint32_t s;
	size_t n;

	reset();
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, m1, 40);			/* then 40..80 is lost */
	/* The first held segment ends m1 then holds one whole m2. */
	n = L(m1) - 80;
	memcpy(buf, m1 + 80, n);
	memcpy(buf + n, m2, L(m2));
	n += L(m2);
	s = 81;
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	for (int i = 0; i < 16; i++) {
		seg(0, s, 0, m2, L(m2));
		s += (uint32_t)L(m2);
	}
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 1);
	CU_ASSERT_EQUAL(got.n, 17);
	CU_ASSERT_TRUE(got_is(0, m2));
	CU_ASSERT_TRUE(got_is(16, m2));
	CU_ASSERT_EQUAL(got.first[0], 3);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_OOO_FULL], 0);
	/* Back in order afterwards. */
	seg(0, s, 0, r1, L(r1));
	CU_ASSERT_EQUAL(got.n, 18);
}

/* A gap still open at FIN is declared there. */
static void
test_gap_at_fin(void)
{
	reset();
	seg(0, 1, 0, m1, 40);
	seg(0, 1 + (uint32_t)L(m1), PKT_TCP_FIN, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m2));
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 1);
	/* Late data on a closed direction is swallowed. */
	seg(0, 41, 0, m1 + 40, L(m1) - 40);
	CU_ASSERT_EQUAL(got.n, 1);
	tcp_framer_expire(tr, 0, &an);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 0);
}

/* Captured mid-connection: the first bytes are the end of a message. */
static void
test_midstream(void)
{
	char buf[512];
	size_t n = L(m1) - 50;

	reset();
	memcpy(buf, m1 + 50, n);
	memcpy(buf + n, m2, L(m2));
	seg(0, 123456, 0, buf, n + L(m2));
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m2));
	seg(0, 123456 + (uint32_t)(n + L(m2)), 0, m1, L(m1));
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m1));
}

/* Garbage between messages and a bad Content-Length resynchronise. */
static void
test_bad_between(void)
{
	static const char bad[] =
	    "OPTIONS sip:x SIP/2.0\r\nContent-Length: ten\r\n\r\n0123456789\r\n";
	static const char junk[] = "\x01\x02junk\r\n";

	reset();
	seg(0, 1, 0, bad, L(bad));
	seg(0, 1 + L(bad), 0, m2, L(m2));
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_INVALID], 1);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m2));
	seg(0, 1 + L(bad) + L(m2), 0, junk, L(junk));
	seg(0, 1 + L(bad) + L(m2) + L(junk), 0, m2, L(m2));
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_UNPARSEABLE], 1);
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m2));
}

/* A SIP stream whose header never ends: caps, nothing delivered, resync. */
static void
test_never_frames(void)
{
	static const char line[] = "X-Filler: 0123456789abcdefghijklmnopqrstuv\r\n";
	uint32_t s = 1;

	reset();
	seg(0, s, 0, "MESSAGE sip:a SIP/2.0\r\n", 23);
	s += 23;
	for (int i = 0; i < 2000; i++) {
		seg(0, s, 0, line, L(line));
		s += (uint32_t)L(line);
	}
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_TOO_LARGE], 1);
	seg(0, s, 0, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m2));
}

/* An HTTP header block that never ends hits the per-flow byte cap. */
static void
test_buffer_cap(void)
{
	static const char line[] = "X-Filler: 0123456789abcdefghijklmnopqrstuv\r\n";
	uint32_t s = 1;

	reset();
	seg(0, s, 0, "GET / HTTP/1.1\r\n", 16);
	s += 16;
	for (int i = 0; i < 4000; i++) {
		seg(0, s, 0, line, L(line));
		s += (uint32_t)L(line);
	}
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_BUFFER_FULL], 1);
	CU_ASSERT_EQUAL(got.n, 0);
}

static void
test_not_sip(void)
{
	static const uint8_t bin[] = { 0x00, 0x01, 0xfe, 'H', 'T', 'T' };

	reset();
	seg(0, 9, PKT_TCP_SYN, NULL, 0);
	seg(0, 10, 0, bin, sizeof(bin));
	seg(0, 10 + sizeof(bin), 0, m1, L(m1));	/* too late: ignored */
	seg(0, 99999, 0, m2, L(m2));			/* gap: not even held */
	seg(1, 1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 2);
	/* A plain HTTP GET without Upgrade is ignored as well. */
	reset();
	seg(0, 1, 0, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 28);
	seg(0, 29, 0, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_tls(void)
{
	uint8_t rec[64];

	reset();
	/* Handshake record, 10 bytes of body, plus the next header's 3 bytes. */
	memset(rec, 0xaa, sizeof(rec));
	memcpy(rec, "\x16\x03\x01\x00\x0a", 5);
	memcpy(rec + 15, "\x17\x03\x03", 3);
	seg(0, 1, 0, rec, 18);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TLS_UNDECRYPTABLE], 1);
	/* Rest of the header (length 4), body, then two whole records. */
	memcpy(rec, "\x00\x04", 2);
	memcpy(rec + 6, "\x17\x03\x03\x00\x01", 5);
	memcpy(rec + 12, "\x15\x03\x03\x00\x02", 5);
	seg(0, 19, 0, rec, 19);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TLS_UNDECRYPTABLE], 4);
	/* A body byte that looks like SIP changes nothing. */
	seg(0, 38, 0, "\x17\x03\x03\x00\x05INVIT", 10);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TLS_UNDECRYPTABLE], 5);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 5);
	/* Header split as 1 + 4 bytes across segments. */
	seg(0, 48, 0, "\x17", 1);
	seg(0, 49, 0, "\x03\x03\x00\x00", 4);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TLS_UNDECRYPTABLE], 6);
}

/* Builds a WebSocket frame into out; returns its length. */
static size_t
ws_frame(uint8_t *out, int fin, int op, const uint8_t *key, const void *pay,
    size_t n)
{
	size_t o = 0;

	out[o++] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		out[o++] = (uint8_t)((key ? 0x80 : 0) | n);
	} else if (n < 65536) {
		out[o++] = (uint8_t)((key ? 0x80 : 0) | 126);
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
	} else {
		out[o++] = (uint8_t)((key ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			out[o++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	if (key) {
		memcpy(out + o, key, 4);
		o += 4;
	}
	for (size_t i = 0; i < n; i++)
		out[o + i] = ((const uint8_t *)pay)[i] ^ (key ? key[i & 3] : 0);
	return o + n;
}

static void
test_websocket(void)
{
	static const char req[] =
	    "GET / HTTP/1.1\r\n"
	    "Host: proxy.example\r\n"
	    "Upgrade: WebSocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: sip\r\n"
	    "\r\n";
	static const char resp[] =
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "\r\n";
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t buf[1024], big[300];
	size_t n, k;
	uint32_t s;

	reset();
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	/* Handshake and the first frame's start in one segment. */
	memcpy(buf, req, L(req));
	n = L(req);
	k = ws_frame(buf + n, 1, 1, key, m1, L(m1));
	seg(0, 1, 0, buf, n + 20);
	CU_ASSERT_EQUAL(got.n, 0);
	seg(0, 1 + (uint32_t)n + 20, 0, buf + n + 20, k - 20);	/* frame 3 */
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m1));
	CU_ASSERT_EQUAL(got.first[0], 2);
	CU_ASSERT_EQUAL(got.frame[0], 3);
	s = 1 + (uint32_t)(n + k);

	/* Ping, then a message in two fragments with a pong between. */
	n = ws_frame(buf, 1, 9, key, "hi", 2);
	n += ws_frame(buf + n, 0, 1, key, m2, 10);
	n += ws_frame(buf + n, 1, 10, key, "hi", 2);
	n += ws_frame(buf + n, 1, 0, key, m2 + 10, L(m2) - 10);
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	CU_ASSERT_EQUAL(got.n, 2);
	CU_ASSERT_TRUE(got_is(1, m2));

	/* A text message that is not SIP is not delivered. */
	n = ws_frame(buf, 1, 1, key, "hello", 5);
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	CU_ASSERT_EQUAL(got.n, 2);

	/* 16-bit length, fed byte by byte. */
	memcpy(big, "MESSAGE sip:a SIP/2.0\r\nl: 254\r\n\r\n", 34);
	memset(big + 34, 'z', sizeof(big) - 34);
	memcpy(big + 8, "sip:a", 5);
	n = ws_frame(buf, 1, 2, key, big, sizeof(big));
	for (size_t i = 0; i < n; i++)
		seg(0, s + (uint32_t)i, 0, buf + i, 1);
	s += (uint32_t)n;
	/*
	 * The whole WebSocket message is carried; the SIP message in it is
	 * framed as a datagram: the 33 header bytes and 254 of the 267
	 * body bytes (a NUL, then 'z's), SIP_CL_SHORT.
	 */
	CU_ASSERT_EQUAL(got.n, 3);
	CU_ASSERT_EQUAL(got.l4[2], PKT_WS);
	CU_ASSERT_EQUAL(got.carried[2], sizeof(big));
	CU_ASSERT_EQUAL(got.len[2], 33 + 254);
	CU_ASSERT_EQUAL(got.body_off[2], 33);
	CU_ASSERT_EQUAL(memcmp(got.msg[2], big, sizeof(big)), 0);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_CL_SHORT], 1);
	memset(&an, 0, sizeof(an));

	/* The server side: 101 then an unmasked response. */
	memcpy(buf, resp, L(resp));
	n = L(resp);
	n += ws_frame(buf + n, 1, 1, NULL, r1, L(r1));
	seg(1, 500, 0, buf, n);
	CU_ASSERT_EQUAL(got.n, 4);
	CU_ASSERT_TRUE(got_is(3, r1));
	CU_ASSERT_EQUAL(got.sport[3], 6060);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

static void
test_websocket_bad(void)
{
	static const char req[] =
	    "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	uint8_t *buf;
	size_t n, big = CAP_SIP_MSG_BYTES + 100;
	uint32_t s = 1;

	reset();
	seg(0, s, 0, req, L(req));
	s += (uint32_t)L(req);
	/* Over the cap: counted, skipped without buffering, still in sync. */
	buf = calloc(1, big + 32);
	n = ws_frame(buf, 1, 1, key, buf + 16, 0);	/* header only */
	buf[1] = 0x80 | 127;
	memset(buf + 2, 0, 8);
	buf[7] = (uint8_t)(big >> 16);
	buf[8] = (uint8_t)(big >> 8);
	buf[9] = (uint8_t)big;
	memcpy(buf + 10, key, 4);
	n = 14;
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	CU_ASSERT_EQUAL(an.n[ANOMALY_WS_BAD_FRAME], 1);
	for (size_t off = 0; off < big; off += 1400) {
		size_t c = big - off < 1400 ? big - off : 1400;

		seg(0, s, 0, buf + 14, c);
		s += (uint32_t)c;
	}
	n = ws_frame(buf, 1, 1, key, m2, L(m2));
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(got_is(0, m2));
	/* Continuation without a start; compressed frame (RSV1). */
	n = ws_frame(buf, 1, 0, key, m2, L(m2));
	n += ws_frame(buf + n, 1, 1, key, m2, L(m2));
	buf[n - L(m2) - 6] |= 0x40;
	seg(0, s, 0, buf, n);
	s += (uint32_t)n;
	CU_ASSERT_EQUAL(an.n[ANOMALY_WS_BAD_FRAME], 3);
	CU_ASSERT_EQUAL(got.n, 1);
	/* A 64-bit length with the top bit set: the stream is given up. */
	memcpy(buf, "\x81\xff\x80\0\0\0\0\0\0\0\1\2\3\4", 14);
	seg(0, s, 0, buf, 14);
	s += 14;
	CU_ASSERT_EQUAL(an.n[ANOMALY_WS_BAD_FRAME], 4);
	n = ws_frame(buf, 1, 1, key, m2, L(m2));
	seg(0, s, 0, buf, n);
	CU_ASSERT_EQUAL(got.n, 1);
	free(buf);
}

static void
test_rst_and_expire(void)
{
	reset();
	seg(0, 1, 0, m1, 50);
	seg(1, 1, PKT_TCP_RST, NULL, 0);	/* the peer resets */
	seg(0, 51, 0, m1 + 50, L(m1) - 50);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 1);
	tcp_framer_expire(tr, 0, &an);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 0);
	/* Same ports, new connection. */
	seg(0, 900, PKT_TCP_SYN, NULL, 0);
	seg(0, 901, 0, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 1);

	/* Idle flows go after CAP_TCP_IDLE_NS, not before. */
	reset();
	seg(0, 1, 0, m1, 50);
	seg(1, 1, 0, r1, L(r1));
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 2);
	tcp_framer_expire(tr, 2000000 + CAP_TCP_IDLE_NS, &an);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 1);
	tcp_framer_expire(tr, 2000001 + CAP_TCP_IDLE_NS, &an);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* FIN delivers what was framed, then the direction is closed. */
	reset();
	seg(0, 1, PKT_TCP_FIN, m2, L(m2));
	CU_ASSERT_EQUAL(got.n, 1);
	seg(0, 1, 0, m2, L(m2));		/* retransmission after FIN */
	CU_ASSERT_EQUAL(got.n, 1);
	/* Bare ACKs create nothing. */
	seg(1, 1, 0, NULL, 0);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 1);
	tcp_framer_expire(tr, 0, &an);
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), 0);
}

static void
test_table_full(void)
{
	struct pkt p;

	reset();
	memset(&p, 0, sizeof(p));
	p.l4 = PKT_TCP;
	p.src.family = p.dst.family = 4;
	p.dst.port = 5060;
	p.payload = (const uint8_t *)"x";
	p.len = 1;
	for (uint32_t i = 0; i <= CAP_TCP_FLOWS; i++) {
		p.src.ip[2] = (uint8_t)(i >> 8);
		p.src.ip[3] = (uint8_t)i;
		p.src.port = (uint16_t)(1024 + (i >> 16));
		tcp_framer_segment(tr, &p, &an);
	}
	CU_ASSERT_EQUAL(tcp_framer_flows(tr), CAP_TCP_FLOWS);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_FLOW_TABLE_FULL], 1);
}

/* Pseudo-random segments: nothing crashes, every delivery looks like SIP. */
static void
test_random_segments(void)
{
	char buf[1024];
	size_t n = 0;
	uint32_t x = 12345;

	while (n + L(m1) + L(m2) < sizeof(buf)) {
		memcpy(buf + n, m1, L(m1));
		n += L(m1);
		memcpy(buf + n, m2, L(m2));
		n += L(m2);
	}
	for (int round = 0; round < 300; round++) {
		reset();
		for (int i = 0; i < 200; i++) {
			size_t off, len;

			x = x * 1103515245u + 12345u;
			off = (x >> 8) % n;
			len = 1 + (x >> 20) % 97;
			if (off + len > n)
				len = n - off;
			if ((x & 0x7) == 0) {
				/* Corrupt a byte in flight now and then. */
				char c = buf[off];

				buf[off] = (char)(x >> 3);
				seg(round & 1, 0x7ffffff0u * (uint32_t)(round & 2)
				    + (uint32_t)off, 0, buf + off, len);
				buf[off] = c;
			} else {
				seg(round & 1, 0x7ffffff0u * (uint32_t)(round & 2)
				    + (uint32_t)off, 0, buf + off, len);
			}
		}
		tcp_framer_expire(tr, INT64_MAX, &an);
		CU_ASSERT_EQUAL(tcp_framer_flows(tr), 0);
		for (size_t i = 0; i < got.n && i < MAXMSG; i++)
			CU_ASSERT(got.len[i] > 0 && (got.msg[i][0] == 'I' ||
			    got.msg[i][0] == 'B' || got.msg[i][0] < 0x80));
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned f;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcpframe", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "two messages in one segment", test_two_in_one_segment) ||
	    !CU_add_test(s, "CRLF keepalives", test_keepalives) ||
	    !CU_add_test(s, "one message in three segments", test_split_three_segments) ||
	    !CU_add_test(s, "split at every offset", test_split_everywhere) ||
	    !CU_add_test(s, "byte by byte", test_byte_by_byte) ||
	    !CU_add_test(s, "out of order", test_out_of_order) ||
	    !CU_add_test(s, "retransmission and overlap", test_retransmit_overlap) ||
	    !CU_add_test(s, "sequence wrap", test_sequence_wrap) ||
	    !CU_add_test(s, "gap and resync", test_gap_resync) ||
	    !CU_add_test(s, "gap at FIN", test_gap_at_fin) ||
	    !CU_add_test(s, "mid-stream capture", test_midstream) ||
	    !CU_add_test(s, "bad bytes between messages", test_bad_between) ||
	    !CU_add_test(s, "header that never ends", test_never_frames) ||
	    !CU_add_test(s, "buffer cap", test_buffer_cap) ||
	    !CU_add_test(s, "non-SIP stream", test_not_sip) ||
	    !CU_add_test(s, "TLS records", test_tls) ||
	    !CU_add_test(s, "WebSocket", test_websocket) ||
	    !CU_add_test(s, "WebSocket bad frames", test_websocket_bad) ||
	    !CU_add_test(s, "RST, FIN and expiry", test_rst_and_expire) ||
	    !CU_add_test(s, "flow table full", test_table_full) ||
	    !CU_add_test(s, "random segments", test_random_segments)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	f = CU_get_number_of_failures();
	CU_cleanup_registry();
	reset();
	tcp_framer_free(tr);
	return f != 0;
}
