/*
 * test_ingest.c - CUnit tests for the ingest stage (analyzer/ingest/
 * ingest.c): which event each packet becomes, in which order, with which
 * metadata; the keepalive rules; TCP through the framers or, with
 * tcp_segments_only, as carried; and capture files read through the stage
 * (merged by time, peeked, expired, flushed).
 *
 * Packets are struct pkt values given to ingest_packet(); the file tests
 * write small raw-IP pcaps with libpcap's own writer into a temporary
 * directory.
 */
#include <CUnit/Basic.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "ingest/ingest.h"
#include "frame_lines_check.h"

#define MAXEV 64

enum ev_kind { EV_PACKET, EV_SIP, EV_MEDIA, EV_KEEPALIVE, EV_UNREACH };

struct ev {
	enum ev_kind kind;
	uint8_t l4;
	uint64_t frame, first_frame;
	uint32_t cap_idx;
	int ka;                   /* enum ingest_keepalive */
	size_t len, body_off, carried, off;   /* off: msg - payload */
	char text[256];           /* the message, NUL-terminated */
};

static struct ev ev[MAXEV];
static size_t nev;
static struct anomalies an;

static struct ev *
ev_add(enum ev_kind k, const struct pkt *p)
{
	struct ev *e = &ev[nev < MAXEV ? nev : MAXEV - 1];

	nev++;
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->l4 = p->l4;
	e->frame = p->frame;
	e->cap_idx = p->cap_idx;
	return e;
}

static void
on_packet(void *user, const struct pkt *p, struct anomalies *a)
{
	(void)user;
	(void)a;
	ev_add(EV_PACKET, p);
}

static void
on_sip(void *user, const struct sipframe_msg *m, struct anomalies *a)
{
	struct ev *e = ev_add(EV_SIP, m->p);
	size_t n = m->len < sizeof(e->text) - 1 ? m->len : sizeof(e->text) - 1;

	(void)user;
	(void)a;
	check_lines(m);
	e->first_frame = m->first_frame;
	e->len = m->len;
	e->body_off = m->body_off;
	e->carried = m->carried;
	if (m->p->payload != NULL && m->msg >= m->p->payload &&
	    m->msg < m->p->payload + m->p->len)
		e->off = (size_t)(m->msg - m->p->payload);
	memcpy(e->text, m->msg, n);
}

static void
on_media(void *user, const struct pkt *p, struct anomalies *a)
{
	(void)user;
	(void)a;
	ev_add(EV_MEDIA, p);
}

static void
on_keepalive(void *user, const struct pkt *p, enum ingest_keepalive kind,
    struct anomalies *a)
{
	(void)user;
	(void)a;
	ev_add(EV_KEEPALIVE, p)->ka = (int)kind;
}

static void
on_unreach(void *user, const struct pkt *p, struct anomalies *a)
{
	(void)user;
	(void)a;
	ev_add(EV_UNREACH, p);
}

static const struct ingest_cb all_cb = {
	on_packet, on_sip, on_media, on_keepalive, on_unreach, NULL
};

static struct ingest *
stage(const struct ingest_opts *o, const struct ingest_cb *cb)
{
	struct ingest *in = ingest_new(o, cb);

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	nev = 0;
	memset(&an, 0, sizeof(an));
	return in;
}

static uint64_t frameno;

/* A packet 10.0.0.1:sport -> 192.0.2.2:5060 of the next frame. */
static void
pkt_make(struct pkt *p, uint8_t l4, uint16_t sport, const void *payload,
    size_t len)
{
	memset(p, 0, sizeof(*p));
	p->frame = ++frameno;
	p->ts_ns = (int64_t)frameno * CAP_NS_PER_SEC;
	p->l4 = l4;
	p->src.family = p->dst.family = 4;
	p->src.ip[0] = 10;
	p->src.ip[3] = 1;
	p->dst.ip[0] = 192;
	p->dst.ip[2] = 2;
	p->dst.ip[3] = 2;
	p->src.port = sport;
	p->dst.port = 5060;
	p->payload = payload;
	p->len = len;
}

static void
feed(struct ingest *in, uint8_t l4, const void *payload, size_t len)
{
	struct pkt p;

	pkt_make(&p, l4, 5060, payload, len);
	ingest_packet(in, &p, &an);
}

static void
feed_tcp(struct ingest *in, uint32_t seq, uint8_t flags, const void *payload,
    size_t len)
{
	struct pkt p;

	pkt_make(&p, PKT_TCP, 40000, payload, len);
	p.tcp_flags = flags | PKT_TCP_ACK;
	p.tcp_seq = seq;
	ingest_packet(in, &p, &an);
}

#define S(s) (s), (sizeof(s) - 1)

static const char invite[] =
    "INVITE sip:bob@b.example SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
    "Call-ID: 1@a\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";
#define INVITE_HDR (sizeof(invite) - 1 - 4)

static const char bye[] =
    "BYE sip:bob@b.example SIP/2.0\r\n"
    "Call-ID: 1@a\r\n"
    "l: 0\r\n"
    "\r\n";

/* A SIP datagram: on_packet, then on_sip with its metadata. */
static void
test_sip_datagram(void)
{
	struct ingest *in = stage(NULL, &all_cb);
	char buf[512];

	feed(in, PKT_UDP, S(invite));
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(ev[0].kind, EV_PACKET);
	CU_ASSERT_EQUAL(ev[1].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[1].l4, PKT_UDP);
	CU_ASSERT_EQUAL(ev[1].frame, frameno);
	CU_ASSERT_EQUAL(ev[1].first_frame, frameno);
	CU_ASSERT_EQUAL(ev[1].len, sizeof(invite) - 1);
	CU_ASSERT_EQUAL(ev[1].body_off, INVITE_HDR);
	CU_ASSERT_EQUAL(ev[1].carried, sizeof(invite) - 1);
	CU_ASSERT_STRING_EQUAL(ev[1].text, invite);

	/* Leading CRLFs are skipped; padding after the body is carried. */
	nev = 0;
	memcpy(buf, "\r\n", 2);
	memcpy(buf + 2, invite, sizeof(invite) - 1);
	memcpy(buf + 2 + sizeof(invite) - 1, "\r\n\0\0", 4);
	feed(in, PKT_UDP, buf, sizeof(invite) - 1 + 6);
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(ev[1].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[1].off, 2);
	CU_ASSERT_EQUAL(ev[1].len, sizeof(invite) - 1);
	CU_ASSERT_EQUAL(ev[1].carried, sizeof(invite) - 1 + 4);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* SCTP carries SIP the same way. */
	nev = 0;
	feed(in, PKT_SCTP, S(bye));
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(ev[1].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[1].l4, PKT_SCTP);
	CU_ASSERT_EQUAL(ev[1].body_off, sizeof(bye) - 1);

	/* A start line whose headers never end: an anomaly, no event. */
	nev = 0;
	feed(in, PKT_UDP, S("OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n"));
	CU_ASSERT_EQUAL(nev, 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_UNPARSEABLE], 1);
	ingest_free(in);
}

static int
ka_kind(struct ingest *in, uint8_t l4, const void *p, size_t n)
{
	nev = 0;
	feed(in, l4, p, n);
	if (nev == 2 && ev[1].kind == EV_KEEPALIVE)
		return ev[1].ka;
	if (nev == 2 && ev[1].kind == EV_MEDIA)
		return 100;
	if (nev == 1)
		return 200;     /* nothing but on_packet */
	return -1;
}

#define MEDIA 100
#define NOTHING 200

/* The keepalive rules, one class of payload each. */
static void
test_keepalive_rules(void)
{
	struct ingest *in = stage(NULL, &all_cb);
	uint8_t stun[28] = {
		0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		0x80, 0x22, 0x00, 0x04, 'a', 'b', 'c', 'd'
	};
	uint8_t rtp[172] = { 0x80, 0x00, 0x00, 0x01 };
	char spaces[17];

	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("\r\n\r\n")), INGEST_KA_CRLF);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("\n")), INGEST_KA_CRLF);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_SCTP, S("\r\n")), INGEST_KA_CRLF);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("\0\0\0\0")), INGEST_KA_BLANK);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("     ")), INGEST_KA_BLANK);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S(" \t\0")), INGEST_KA_BLANK);
	memset(spaces, ' ', sizeof(spaces));
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, spaces, 16), INGEST_KA_BLANK);
	/* 17 blanks, or blanks after CRLF, are not a keepalive. */
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, spaces, 17), MEDIA);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("\r\n  ")), MEDIA);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S(" x")), MEDIA);
	/* STUN with the magic cookie and a consistent length. */
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, stun, sizeof(stun)),
	    INGEST_KA_STUN);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, stun, 20), MEDIA);  /* length 8 */
	stun[4] = 0x22;
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, stun, sizeof(stun)), MEDIA);
	stun[4] = 0x21;
	stun[0] = 0x40;
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, stun, sizeof(stun)), MEDIA);
	stun[0] = 0x00;
	/* Over SCTP only SIP and CRLF/blank keepalives mean anything. */
	CU_ASSERT_EQUAL(ka_kind(in, PKT_SCTP, stun, sizeof(stun)), NOTHING);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_SCTP, rtp, sizeof(rtp)), NOTHING);
	/* RTP, any first byte from 0x80 on, and an empty datagram: media. */
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, rtp, sizeof(rtp)), MEDIA);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, S("\xff\r\n")), MEDIA);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_SCTP, S("\xff\r\n")), NOTHING);
	CU_ASSERT_EQUAL(ka_kind(in, PKT_UDP, rtp, 0), MEDIA);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	ingest_free(in);
}

/* TCP through the framers: messages across segments, CRLF keepalives. */
static void
test_tcp_stream(void)
{
	struct ingest *in = stage(NULL, &all_cb);
	char buf[512];
	size_t n = sizeof(invite) - 1, b = sizeof(bye) - 1;
	uint64_t first;

	feed_tcp(in, 0, PKT_TCP_SYN, NULL, 0);
	CU_ASSERT_EQUAL(nev, 1);
	memcpy(buf, "\r\n\r\n", 4);
	memcpy(buf + 4, invite, n);
	memcpy(buf + 4 + n, bye, b);
	feed_tcp(in, 1, 0, buf, 40);
	first = frameno;
	feed_tcp(in, 41, 0, buf + 40, 4 + n + b - 40);
	/* SYN, segment, keepalive, segment, INVITE, BYE. */
	CU_ASSERT_EQUAL_FATAL(nev, 6);
	CU_ASSERT_EQUAL(ev[1].kind, EV_PACKET);
	CU_ASSERT_EQUAL(ev[2].kind, EV_KEEPALIVE);
	CU_ASSERT_EQUAL(ev[2].ka, INGEST_KA_CRLF);
	CU_ASSERT_EQUAL(ev[2].l4, PKT_TCP);
	CU_ASSERT_EQUAL(ev[3].kind, EV_PACKET);
	CU_ASSERT_EQUAL(ev[4].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[4].l4, PKT_TCP);
	CU_ASSERT_EQUAL(ev[4].first_frame, first);
	CU_ASSERT_EQUAL(ev[4].frame, frameno);
	CU_ASSERT_EQUAL(ev[4].len, n);
	CU_ASSERT_EQUAL(ev[4].carried, n);
	CU_ASSERT_EQUAL(ev[4].body_off, INVITE_HDR);
	CU_ASSERT_STRING_EQUAL(ev[4].text, invite);
	CU_ASSERT_EQUAL(ev[5].kind, EV_SIP);
	CU_ASSERT_STRING_EQUAL(ev[5].text, bye);
	CU_ASSERT_EQUAL(ev[5].first_frame, frameno);
	CU_ASSERT_EQUAL(ingest_tcp_flows(in), 1);

	/*
	 * A message held behind a gap comes out at the end of input
	 * (ingest_flush), with TCP_GAP.
	 */
	nev = 0;
	feed_tcp(in, 41 + (uint32_t)(4 + n + b - 40) + 10, 0, S(bye));
	CU_ASSERT_EQUAL(nev, 1);
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(ev[1].kind, EV_SIP);
	CU_ASSERT_STRING_EQUAL(ev[1].text, bye);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 1);
	CU_ASSERT_EQUAL(ingest_tcp_flows(in), 0);
	ingest_free(in);
}

/* tcp_segments_only: segments as carried, nothing framed. */
static void
test_tcp_segments_only(void)
{
	struct ingest_opts o = { .tcp_segments_only = true };
	struct ingest *in = stage(&o, &all_cb);

	feed_tcp(in, 0, PKT_TCP_SYN, NULL, 0);
	feed_tcp(in, 1, 0, S(invite));
	feed_tcp(in, 1 + (uint32_t)sizeof(invite) - 1, 0, S("\r\n"));
	CU_ASSERT_EQUAL(nev, 3);
	for (size_t i = 0; i < nev && i < MAXEV; i++)
		CU_ASSERT_EQUAL(ev[i].kind, EV_PACKET);
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL(nev, 3);
	CU_ASSERT_EQUAL(ingest_tcp_flows(in), 0);
	/* Datagrams are still told apart when someone listens. */
	feed(in, PKT_UDP, S(bye));
	CU_ASSERT_EQUAL(nev, 5);
	CU_ASSERT_EQUAL(ev[4].kind, EV_SIP);
	ingest_free(in);
}

/* ICMP refusals: on_unreach only; callbacks left NULL cost nothing. */
static void
test_unreach_and_null(void)
{
	struct ingest_cb only_packets = {
		on_packet, NULL, NULL, NULL, NULL, NULL
	};
	struct ingest_cb none = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct ingest *in = stage(NULL, &all_cb);

	feed(in, PKT_ICMP_UNREACH, NULL, 0);
	CU_ASSERT_EQUAL(nev, 1);
	CU_ASSERT_EQUAL(ev[0].kind, EV_UNREACH);
	ingest_free(in);

	in = stage(NULL, &only_packets);
	feed(in, PKT_UDP, S(invite));
	feed(in, PKT_UDP, S("\r\n"));
	feed(in, PKT_ICMP_UNREACH, NULL, 0);
	feed_tcp(in, 1, 0, S(invite));
	CU_ASSERT_EQUAL(nev, 3);
	ingest_free(in);

	in = stage(NULL, &none);
	feed(in, PKT_UDP, S("OPTIONS sip:a SIP/2.0\r\n"));
	feed_tcp(in, 1, 0, S(invite));
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL(nev, 0);
	ingest_free(in);

	/* A stage that could not be made takes input and does nothing. */
	{
		char err[64] = "";

		feed(NULL, PKT_UDP, S(invite));
		CU_ASSERT_EQUAL(ingest_add_file(NULL, "x.pcap", err,
		    sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err, "out of memory");
		CU_ASSERT_PTR_NULL(ingest_peek(NULL));
		CU_ASSERT_PTR_NULL(ingest_next(NULL, &an));
		ingest_expire(NULL, 0, &an);
		ingest_flush(NULL, &an);
		CU_ASSERT_EQUAL(ingest_tcp_flows(NULL), 0);
		ingest_free(NULL);
		CU_ASSERT_EQUAL(nev, 0);
	}
}

/* ---- capture files ---- */

static char dir[] = "/tmp/sipalg-test-ingest-XXXXXX";

struct frame {
	int64_t ts_ns;
	const char *payload;      /* UDP payload */
	uint16_t frag_off;        /* IPv4 fragment offset in 8-byte units */
	int more;                 /* MF */
};

/* Raw IPv4 frames 10.0.0.1:5060 -> 192.0.2.2:5060, UDP. */
static void
write_pcap(const char *path, const struct frame *f, size_t n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
	    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	d = pcap_dump_open(p, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[1500];
		size_t pl = strlen(f[i].payload), ulen = pl + 8, tot = 20 + ulen;
		struct pcap_pkthdr h;

		memset(b, 0, 28);
		b[0] = 0x45;
		b[2] = (uint8_t)(tot >> 8);
		b[3] = (uint8_t)tot;
		b[5] = 7;                                   /* id */
		b[6] = (uint8_t)((f[i].more ? 0x20 : 0) | (f[i].frag_off >> 8));
		b[7] = (uint8_t)f[i].frag_off;
		b[8] = 64;
		b[9] = 17;
		memcpy(b + 12, "\x0a\x00\x00\x01\xc0\x00\x02\x02", 8);
		memcpy(b + 20, "\x13\xc4\x13\xc4", 4);	/* ports 5060 */
		b[24] = (uint8_t)(ulen >> 8);
		b[25] = (uint8_t)ulen;
		memcpy(b + 28, f[i].payload, pl);
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = f[i].ts_ns / CAP_NS_PER_SEC;
		h.ts.tv_usec = f[i].ts_ns % CAP_NS_PER_SEC;
		h.caplen = h.len = (uint32_t)tot;
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static const char *
tmp(const char *name)
{
	static char path[2][256];
	static int i;

	i = (i + 1) % 2;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* Two files merged by time; the frame at hand stays until processed. */
static void
test_files(void)
{
	static const struct frame a[] = {
		{ 1 * CAP_NS_PER_SEC, "OPTIONS sip:a SIP/2.0\r\nl: 0\r\n\r\n", 0, 0 },
		{ 3 * CAP_NS_PER_SEC, "\r\n\r\n", 0, 0 },
	};
	static const struct frame b[] = {
		{ 2 * CAP_NS_PER_SEC, "SIP/2.0 200 OK\r\nl: 0\r\n\r\n", 0, 0 },
	};
	struct ingest *in = stage(NULL, &all_cb);
	const struct capture_frame *f;
	char err[200];

	write_pcap(tmp("a.pcap"), a, 2);
	write_pcap(tmp("b.pcap"), b, 1);
	CU_ASSERT_EQUAL(ingest_add_file(in, tmp("a.pcap"), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ingest_add_file(in, tmp("b.pcap"), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ingest_add_file(in, tmp("none.pcap"), err,
	    sizeof(err)), -1);
	CU_ASSERT_NOT_EQUAL(err[0], '\0');
	CU_ASSERT_EQUAL(capture_set_count(ingest_captures(in)), 2);

	f = ingest_peek(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->ts_ns, 1 * CAP_NS_PER_SEC);
	CU_ASSERT_PTR_EQUAL(ingest_peek(in), f);	/* peeking reads once */
	CU_ASSERT_EQUAL(nev, 0);
	CU_ASSERT_PTR_EQUAL(ingest_next(in, &an), f);	/* the frame it ran */
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(ev[1].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[1].cap_idx, 0);
	CU_ASSERT_EQUAL(ev[1].frame, 1);
	f = ingest_peek(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->cap_idx, 1);
	CU_ASSERT_PTR_NOT_NULL(ingest_next(in, &an));
	CU_ASSERT_EQUAL(ev[3].kind, EV_SIP);
	CU_ASSERT_EQUAL(ev[3].cap_idx, 1);
	CU_ASSERT_STRING_EQUAL(ev[3].text, b[0].payload);
	/* Without a peek, and with the file's own anomalies (NULL). */
	f = ingest_next(in, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->ts_ns, 3 * CAP_NS_PER_SEC);
	CU_ASSERT_EQUAL(ev[5].kind, EV_KEEPALIVE);
	CU_ASSERT_EQUAL(ev[5].frame, 2);
	CU_ASSERT_PTR_NULL(ingest_peek(in));
	CU_ASSERT_PTR_NULL(ingest_next(in, &an));
	CU_ASSERT_EQUAL(nev, 6);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	ingest_free(in);
	unlink(tmp("a.pcap"));
	unlink(tmp("b.pcap"));
}

/*
 * Fragments that never complete leave by expiry (FRAG_TIMEOUT) or at the
 * end of the input (ingest_flush: FRAG_UNFINISHED); the start of a SIP
 * message among them reaches on_unreach as PKT_FRAG_LOST, once, with the
 * first fragment's frame; one that is not SIP does not.
 */
static void
test_fragments(void)
{
	static const struct frame f[] = {
		{ 1 * CAP_NS_PER_SEC, "OPTIONS sip:a SIP/2.0\r\n", 0, 1 },
	};
	static const struct frame g[] = {
		{ 1 * CAP_NS_PER_SEC, "\x80\x08 not SIP at all", 0, 1 },
	};
	struct ingest *in = stage(NULL, &all_cb);
	char err[200];

	write_pcap(tmp("f.pcap"), f, 1);
	CU_ASSERT_EQUAL_FATAL(ingest_add_file(in, tmp("f.pcap"), err,
	    sizeof(err)), 0);
	while (ingest_next(in, &an) != NULL)
		;
	CU_ASSERT_EQUAL(nev, 0);
	ingest_expire(in, 2 * CAP_NS_PER_SEC, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 0);
	CU_ASSERT_EQUAL(nev, 0);
	ingest_expire(in, 1 * CAP_NS_PER_SEC + CAP_FRAG_TIMEOUT_NS + 1, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 1);
	CU_ASSERT_EQUAL_FATAL(nev, 1);
	CU_ASSERT_EQUAL(ev[0].kind, EV_UNREACH);
	CU_ASSERT_EQUAL(ev[0].l4, PKT_FRAG_LOST);
	CU_ASSERT_EQUAL(ev[0].frame, 1);
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_UNFINISHED], 0);
	CU_ASSERT_EQUAL(nev, 1);
	ingest_free(in);

	/* Still pending at the end: given up by the flush. */
	nev = 0;
	memset(&an, 0, sizeof(an));
	in = stage(NULL, &all_cb);
	CU_ASSERT_EQUAL_FATAL(ingest_add_file(in, tmp("f.pcap"), err,
	    sizeof(err)), 0);
	while (ingest_next(in, &an) != NULL)
		;
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_UNFINISHED], 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_TIMEOUT], 0);
	CU_ASSERT_EQUAL_FATAL(nev, 1);
	CU_ASSERT_EQUAL(ev[0].l4, PKT_FRAG_LOST);
	ingest_free(in);
	unlink(tmp("f.pcap"));

	/* Not SIP: counted, nothing emitted. */
	nev = 0;
	memset(&an, 0, sizeof(an));
	write_pcap(tmp("g.pcap"), g, 1);
	in = stage(NULL, &all_cb);
	CU_ASSERT_EQUAL_FATAL(ingest_add_file(in, tmp("g.pcap"), err,
	    sizeof(err)), 0);
	while (ingest_next(in, &an) != NULL)
		;
	ingest_flush(in, &an);
	CU_ASSERT_EQUAL(an.n[ANOMALY_FRAG_UNFINISHED], 1);
	CU_ASSERT_EQUAL(nev, 0);
	ingest_free(in);
	unlink(tmp("g.pcap"));
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (mkdtemp(dir) == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ingest", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "SIP datagrams", test_sip_datagram) ||
	    !CU_add_test(s, "keepalive rules", test_keepalive_rules) ||
	    !CU_add_test(s, "TCP through the framers", test_tcp_stream) ||
	    !CU_add_test(s, "TCP segments only", test_tcp_segments_only) ||
	    !CU_add_test(s, "ICMP and NULL callbacks", test_unreach_and_null) ||
	    !CU_add_test(s, "capture files", test_files) ||
	    !CU_add_test(s, "fragments", test_fragments)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rmdir(dir);
	return fails == 0 ? 0 : 1;
}
