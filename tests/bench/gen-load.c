/*
 * gen-load.c - writes a synthetic SIP/RTP load capture for the throughput
 * benchmark.
 *
 * Usage:
 *   gen-load -w OUT.pcap [--calls N] [--concurrency C] [--duration S]
 *       [--packets P] [--one-way PCT] [--lost-ack PCT] [--no-rtp]
 *       [--seed N]
 *
 * Build:
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o /tmp/gen-load \
 *       tests/bench/gen-load.c $(pkg-config --cflags --libs libpcap)
 *
 * Each call is a phone 10.x.y.z:5060 calling a server 203.0.113.10:5060
 * over UDP: INVITE (SDP offer, PCMU), 100 Trying, 180 Ringing, 200 OK (SDP
 * answer), ACK, then G.711 PCMU RTP both ways (160-byte payloads every
 * 20 ms, 50 packets/s, seq/timestamp/SSRC consistent, marker on the first
 * packet), then BYE / 200 OK after --duration seconds of talk.
 *
 *   --one-way PCT   share of calls where the server's RTP never appears.
 *   --lost-ack PCT  share of calls where the ACK is missing: the server
 *                   retransmits its 200 OK at +0.5, 1.5, 3.5, 7.5, 11.5,
 *                   15.5, 19.5, 23.5, 27.5 and 31.5 s (RFC 3261 13.3.1.4,
 *                   T1 = 0.5 s doubling up to T2 = 4 s) and sends BYE at
 *                   +32 s (64 * T1); RTP flows until then.
 *   --packets P     target total packet count: when --duration is not
 *                   given, the talk time is derived so the capture holds
 *                   about P packets.  Default talk time: 30 s.
 *   --concurrency C calls start every (mean call length / C) seconds, so
 *                   about C calls are in flight in the steady state.
 *   --no-rtp        signalling only: the same calls and SIP messages (SDP
 *                   included), but no RTP packet, as a capture filtered on
 *                   the SIP port of a proxy or SBC is.  The talk time
 *                   still spaces the BYE from the 200 OK (--packets is
 *                   then refused: it counts RTP).
 *
 * Packets leave in timestamp order across all calls: active calls sit in
 * a min-heap keyed by their next packet time, and a call is created only
 * when the capture clock reaches its start, so memory grows with the
 * concurrency, not with --calls.  IPv4 header and UDP checksums are
 * computed; Call-IDs, tags and branches are unique per call.  A one-line
 * summary goes to stderr.  Timestamps start at 2023-11-14 22:13:20 UTC
 * (1700000000) and have microsecond precision; the output is the same
 * for the same options and --seed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "gen-load"
#define NS_PER_SEC 1000000000LL
#define MS (1000000LL)
#define T_START (1700000000LL * NS_PER_SEC)

#define RTP_PAYLOAD 160		/* PCMU, 20 ms at 8 kHz */
#define RTP_PTIME_NS (20 * MS)
#define MAX_SIP_EVENTS 20
#define PKT_MAX 4096

static const uint8_t server_ip[4] = { 203, 0, 113, 10 };

enum ev_type {
	EV_INVITE, EV_100, EV_180, EV_200, EV_200_RETX, EV_ACK,
	EV_BYE_PHONE, EV_200_BYE_SRV, EV_BYE_SRV, EV_200_BYE_PHONE,
};

struct sip_ev {
	int64_t t;
	enum ev_type type;
};

/* One direction of the call's media. */
struct rtp_dir {
	bool on;
	bool first;
	int64_t next, end;	/* next packet time; none at or after end */
	uint16_t seq;
	uint32_t ts, ssrc;
};

struct call {
	uint32_t idx;
	uint8_t phone_ip[4];
	char phone_ip_s[16];
	uint16_t phone_rtp, srv_rtp;
	char callid[64], ftag[20], ttag[20];
	char caller[16], callee[16];
	char br_inv[32], br_ack[32], br_bye[32];
	uint64_t sess_id;
	struct sip_ev ev[MAX_SIP_EVENTS];
	int nev, iev;
	struct rtp_dir dir[2];	/* 0: phone -> server, 1: server -> phone */
	uint16_t phone_ipid;
	int64_t next;		/* earliest pending packet */
	struct call *free_next;
};

struct gen {
	/* options */
	uint32_t calls, concurrency;
	double duration, one_way, lost_ack;
	bool no_rtp;
	int64_t dur_ns;			/* duration, whole ms */
	uint64_t packets_target;
	uint64_t seed;
	const char *out;

	uint64_t rng;
	int64_t interval;		/* between call starts */
	uint32_t started;
	struct call **heap;
	size_t nheap, capheap;
	struct call *free_calls;
	uint16_t server_ipid;
	pcap_t *pd;
	pcap_dumper_t *dump;

	/* summary */
	uint64_t npackets, nbytes, nrtp, nsip;
	size_t max_active;
	int64_t first_ts, last_ts;
	uint8_t pkt[PKT_MAX];
};

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* splitmix64: small, fast, reproducible from --seed. */
static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rnd01(struct gen *g)
{
	return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

/* ---- heap of active calls, keyed by next packet time ---- */

static bool
call_before(const struct call *a, const struct call *b)
{
	return a->next != b->next ? a->next < b->next : a->idx < b->idx;
}

static void
heap_push(struct gen *g, struct call *c)
{
	size_t i;

	if (g->nheap == g->capheap) {
		size_t n = g->capheap ? g->capheap * 2 : 256;
		struct call **h = realloc(g->heap, n * sizeof(*h));

		if (h == NULL)
			die("out of memory");
		g->heap = h;
		g->capheap = n;
	}
	i = g->nheap++;
	while (i > 0 && call_before(c, g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = c;
}

/* Restores the heap after the root's key grew (or the root was replaced). */
static void
heap_sift_root(struct gen *g)
{
	size_t i = 0, n = g->nheap;
	struct call *c = g->heap[0];

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct call *best = c;

		if (l < n && call_before(g->heap[l], best))
			m = l, best = g->heap[l];
		if (l + 1 < n && call_before(g->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		g->heap[i] = g->heap[m];
		i = m;
	}
	g->heap[i] = c;
}

static void
heap_pop(struct gen *g)
{
	g->heap[0] = g->heap[--g->nheap];
	if (g->nheap > 0)
		heap_sift_root(g);
}

/* ---- packet building ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Wraps the payload already at g->pkt + 42 in Ethernet, IPv4 and UDP and
 * writes the frame:
 *
 *   | dst MAC 6 | src MAC 6 | 0x0800 | IPv4 20 (no options) | UDP 8 | data |
 */
static void
emit(struct gen *g, int64_t t, const uint8_t sip[4], uint16_t sport,
    const uint8_t dip[4], uint16_t dport, uint16_t ipid, size_t plen)
{
	uint8_t *e = g->pkt, *ip = e + 14, *udp = ip + 20;
	size_t udplen = 8 + plen, iplen = 20 + udplen;
	struct pcap_pkthdr ph;
	uint32_t sum;
	uint16_t ck;

	/* Locally administered MACs derived from the IPs. */
	e[0] = 0x02; e[1] = 0x00; memcpy(e + 2, dip, 4);
	e[6] = 0x02; e[7] = 0x00; memcpy(e + 8, sip, 4);
	put16(e + 12, 0x0800);

	ip[0] = 0x45;
	ip[1] = sport == 5060 || dport == 5060 ? 0x60 : 0xb8; /* CS3 / EF */
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, ipid);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = 17;
	put16(ip + 10, 0);
	memcpy(ip + 12, sip, 4);
	memcpy(ip + 16, dip, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)udplen);
	put16(udp + 6, 0);
	/* Pseudo-header: addresses, protocol, UDP length. */
	sum = csum_add(0, ip + 12, 8);
	sum += 17 + (uint32_t)udplen;
	sum = csum_add(sum, udp, udplen);
	ck = csum_fold(sum);
	put16(udp + 6, ck ? ck : 0xffff);

	ph.ts.tv_sec = (time_t)(t / NS_PER_SEC);
	ph.ts.tv_usec = (suseconds_t)((t % NS_PER_SEC) / 1000);
	ph.caplen = ph.len = (bpf_u_int32)(14 + iplen);
	pcap_dump((u_char *)g->dump, &ph, g->pkt);

	if (g->npackets == 0)
		g->first_ts = t;
	g->last_ts = t;
	g->npackets++;
	g->nbytes += ph.len;
}

#define PAYLOAD(g) ((g)->pkt + 42)
#define PAYLOAD_MAX (PKT_MAX - 42)

/* Appends formatted text at *off; dies if the message would not fit. */
static void
app(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *off)
		die("internal error: SIP message too long");
	*off += (size_t)n;
}

static size_t
sdp_body(char *b, size_t cap, const char *ip, uint16_t port, uint64_t sess)
{
	size_t o = 0;

	app(b, cap, &o,
	    "v=0\r\n"
	    "o=- %" PRIu64 " %" PRIu64 " IN IP4 %s\r\n"
	    "s=-\r\n"
	    "c=IN IP4 %s\r\n"
	    "t=0 0\r\n"
	    "m=audio %u RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=ptime:20\r\n"
	    "a=sendrecv\r\n",
	    sess, sess, ip, ip, (unsigned)port);
	return o;
}

static void
send_sip(struct gen *g, struct call *c, enum ev_type type, int64_t t)
{
	char *m = (char *)PAYLOAD(g);
	char body[512];
	size_t o = 0, blen = 0;
	const char *srv = "203.0.113.10";
	bool from_phone;

	switch (type) {
	case EV_INVITE:
		blen = sdp_body(body, sizeof(body), c->phone_ip_s,
		    c->phone_rtp, c->sess_id);
		app(m, PAYLOAD_MAX, &o,
		    "INVITE sip:%s@%s SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s;rport\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: 1 INVITE\r\n"
		    "Contact: <sip:%s@%s:5060>\r\n"
		    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
		    "User-Agent: gen-load phone\r\n"
		    "Content-Type: application/sdp\r\n"
		    "Content-Length: %zu\r\n\r\n%.*s",
		    c->callee, srv, c->phone_ip_s, c->br_inv,
		    c->caller, srv, c->ftag, c->callee, srv, c->callid,
		    c->caller, c->phone_ip_s, blen, (int)blen, body);
		from_phone = true;
		break;
	case EV_100:
	case EV_180:
	case EV_200:
	case EV_200_RETX:
		if (type == EV_200 || type == EV_200_RETX)
			blen = sdp_body(body, sizeof(body), srv, c->srv_rtp,
			    c->sess_id ^ 0x5a5a5a5aULL);
		app(m, PAYLOAD_MAX, &o,
		    "SIP/2.0 %s\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s;rport=5060\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>%s%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: 1 INVITE\r\n",
		    type == EV_100 ? "100 Trying" :
		    type == EV_180 ? "180 Ringing" : "200 OK",
		    c->phone_ip_s, c->br_inv, c->caller, srv, c->ftag,
		    c->callee, srv, type == EV_100 ? "" : ";tag=",
		    type == EV_100 ? "" : c->ttag, c->callid);
		if (type != EV_100)
			app(m, PAYLOAD_MAX, &o,
			    "Contact: <sip:%s@%s:5060>\r\n", c->callee, srv);
		if (blen)
			app(m, PAYLOAD_MAX, &o,
			    "Content-Type: application/sdp\r\n");
		app(m, PAYLOAD_MAX, &o,
		    "Server: gen-load server\r\n"
		    "Content-Length: %zu\r\n\r\n%.*s", blen, (int)blen, body);
		from_phone = false;
		break;
	case EV_ACK:
	case EV_BYE_PHONE:
		app(m, PAYLOAD_MAX, &o,
		    "%s sip:%s@%s:5060 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s;rport\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>;tag=%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: %s\r\n"
		    "User-Agent: gen-load phone\r\n"
		    "Content-Length: 0\r\n\r\n",
		    type == EV_ACK ? "ACK" : "BYE", c->callee, srv,
		    c->phone_ip_s, type == EV_ACK ? c->br_ack : c->br_bye,
		    c->caller, srv, c->ftag, c->callee, srv, c->ttag,
		    c->callid, type == EV_ACK ? "1 ACK" : "2 BYE");
		from_phone = true;
		break;
	case EV_200_BYE_SRV:
		app(m, PAYLOAD_MAX, &o,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s;rport=5060\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>;tag=%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: 2 BYE\r\n"
		    "Server: gen-load server\r\n"
		    "Content-Length: 0\r\n\r\n",
		    c->phone_ip_s, c->br_bye, c->caller, srv, c->ftag,
		    c->callee, srv, c->ttag, c->callid);
		from_phone = false;
		break;
	case EV_BYE_SRV:
		app(m, PAYLOAD_MAX, &o,
		    "BYE sip:%s@%s:5060 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>;tag=%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: 101 BYE\r\n"
		    "Reason: SIP;cause=408;text=\"ACK timeout\"\r\n"
		    "Server: gen-load server\r\n"
		    "Content-Length: 0\r\n\r\n",
		    c->caller, c->phone_ip_s, srv, c->br_bye,
		    c->callee, srv, c->ttag, c->caller, srv, c->ftag,
		    c->callid);
		from_phone = false;
		break;
	case EV_200_BYE_PHONE:
	default:
		app(m, PAYLOAD_MAX, &o,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=%s\r\n"
		    "From: <sip:%s@%s>;tag=%s\r\n"
		    "To: <sip:%s@%s>;tag=%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: 101 BYE\r\n"
		    "User-Agent: gen-load phone\r\n"
		    "Content-Length: 0\r\n\r\n",
		    srv, c->br_bye, c->callee, srv, c->ttag,
		    c->caller, srv, c->ftag, c->callid);
		from_phone = true;
		break;
	}
	if (from_phone)
		emit(g, t, c->phone_ip, 5060, server_ip, 5060,
		    c->phone_ipid++, o);
	else
		emit(g, t, server_ip, 5060, c->phone_ip, 5060,
		    g->server_ipid++, o);
	g->nsip++;
}

/*
 * RFC 3550 5.1 fixed header (12 bytes) and 160 bytes of PCMU.  The
 * payload is a slow tone rather than silence so captures do not compress
 * to nothing.
 */
static void
send_rtp(struct gen *g, struct call *c, int d, int64_t t)
{
	struct rtp_dir *r = &c->dir[d];
	uint8_t *p = PAYLOAD(g);
	int i;

	p[0] = 0x80;
	p[1] = r->first ? 0x80 : 0x00;	/* marker on the first, PT 0 */
	put16(p + 2, r->seq);
	put32(p + 4, r->ts);
	put32(p + 8, r->ssrc);
	for (i = 0; i < RTP_PAYLOAD; i++)
		p[12 + i] = (uint8_t)(0xf0 ^ ((r->seq + i) & 0x0f));
	if (d == 0)
		emit(g, t, c->phone_ip, c->phone_rtp, server_ip, c->srv_rtp,
		    c->phone_ipid++, 12 + RTP_PAYLOAD);
	else
		emit(g, t, server_ip, c->srv_rtp, c->phone_ip, c->phone_rtp,
		    g->server_ipid++, 12 + RTP_PAYLOAD);
	r->first = false;
	r->seq++;
	r->ts += RTP_PAYLOAD;
	r->next += RTP_PTIME_NS;
	g->nrtp++;
}

/* ---- calls ---- */

static void
add_ev(struct call *c, int64_t t, enum ev_type type)
{
	if (c->nev < MAX_SIP_EVENTS) {
		c->ev[c->nev].t = t;
		c->ev[c->nev].type = type;
		c->nev++;
	}
}

static void
hex_id(struct gen *g, char *buf, size_t n, const char *prefix, int digits)
{
	snprintf(buf, n, "%s%0*" PRIx64, prefix, digits,
	    rnd(g) >> (64 - 4 * digits));
}

static void
call_next(struct call *c)
{
	int64_t t = INT64_MAX;

	if (c->iev < c->nev)
		t = c->ev[c->iev].t;
	for (int d = 0; d < 2; d++)
		if (c->dir[d].on && c->dir[d].next < c->dir[d].end &&
		    c->dir[d].next < t)
			t = c->dir[d].next;
	c->next = t;
}

static struct call *
call_new(struct gen *g, uint32_t i, int64_t t0)
{
	struct call *c = g->free_calls;
	bool lost_ack, one_way;
	int64_t ans, end;
	uint32_t host = i + 1;

	if (c != NULL)
		g->free_calls = c->free_next;
	else if ((c = malloc(sizeof(*c))) == NULL)
		die("out of memory");
	memset(c, 0, sizeof(*c));
	c->idx = i;
	/* 10.0.0.1, 10.0.0.2, ... skipping .0 and .255 host bytes. */
	c->phone_ip[0] = 10;
	c->phone_ip[1] = (uint8_t)(host / (254 * 256));
	c->phone_ip[2] = (uint8_t)(host / 254 % 256);
	c->phone_ip[3] = (uint8_t)(host % 254 + 1);
	snprintf(c->phone_ip_s, sizeof(c->phone_ip_s), "%u.%u.%u.%u",
	    c->phone_ip[0], c->phone_ip[1], c->phone_ip[2], c->phone_ip[3]);
	c->phone_rtp = (uint16_t)(16384 + 2 * (rnd(g) % 8000));
	c->srv_rtp = (uint16_t)(20000 + 2 * (i % 20000));
	snprintf(c->caller, sizeof(c->caller), "1%07u", i % 10000000);
	snprintf(c->callee, sizeof(c->callee), "2%07u", i % 10000000);
	snprintf(c->callid, sizeof(c->callid), "%016" PRIx64 "-%u@%s",
	    rnd(g), i, c->phone_ip_s);
	hex_id(g, c->ftag, sizeof(c->ftag), "", 10);
	hex_id(g, c->ttag, sizeof(c->ttag), "as", 8);
	hex_id(g, c->br_inv, sizeof(c->br_inv), "z9hG4bK", 12);
	hex_id(g, c->br_ack, sizeof(c->br_ack), "z9hG4bK", 12);
	hex_id(g, c->br_bye, sizeof(c->br_bye), "z9hG4bK", 12);
	c->sess_id = rnd(g) % 4000000000ULL + 1;
	c->phone_ipid = (uint16_t)rnd(g);

	lost_ack = rnd01(g) * 100.0 < g->lost_ack;
	one_way = rnd01(g) * 100.0 < g->one_way;

	/* Ringing 1 to 3 s, rounded to the millisecond. */
	ans = t0 + 100 * MS + (int64_t)(1000 + rnd(g) % 2000) * MS;
	add_ev(c, t0, EV_INVITE);
	add_ev(c, t0 + 20 * MS, EV_100);
	add_ev(c, t0 + 100 * MS, EV_180);
	add_ev(c, ans, EV_200);
	if (lost_ack) {
		static const int retx_ms[] = { 500, 1500, 3500, 7500, 11500,
		    15500, 19500, 23500, 27500, 31500 };

		for (size_t k = 0; k < sizeof(retx_ms) / sizeof(retx_ms[0]);
		    k++)
			add_ev(c, ans + retx_ms[k] * MS, EV_200_RETX);
		end = ans + 32 * NS_PER_SEC;
		add_ev(c, end, EV_BYE_SRV);
		add_ev(c, end + 15 * MS, EV_200_BYE_PHONE);
	} else {
		end = ans + g->dur_ns;
		add_ev(c, ans + 25 * MS, EV_ACK);
		add_ev(c, end, EV_BYE_PHONE);
		add_ev(c, end + 15 * MS, EV_200_BYE_SRV);
	}
	/* The server talks right after its 200 OK, the phone once it has it. */
	for (int d = 0; d < 2; d++) {
		struct rtp_dir *r = &c->dir[d];

		r->on = !g->no_rtp && (d == 0 || !one_way);
		r->first = true;
		r->next = ans + (d == 0 ? 30 : 10) * MS +
		    (int64_t)(rnd(g) % 1000) * 1000;
		r->end = end;
		r->seq = (uint16_t)rnd(g);
		r->ts = (uint32_t)rnd(g);
		r->ssrc = (uint32_t)rnd(g);
	}
	call_next(c);
	return c;
}

/* Emits the call's earliest packet; returns false when the call is over. */
static bool
call_step(struct gen *g, struct call *c)
{
	int64_t t = c->next;

	if (c->iev < c->nev && c->ev[c->iev].t == t) {
		send_sip(g, c, c->ev[c->iev].type, t);
		c->iev++;
	} else {
		for (int d = 0; d < 2; d++)
			if (c->dir[d].on && c->dir[d].next == t &&
			    t < c->dir[d].end) {
				send_rtp(g, c, d, t);
				break;
			}
	}
	call_next(c);
	return c->next != INT64_MAX;
}

static int64_t
call_start(const struct gen *g, uint32_t i)
{
	return T_START + (int64_t)i * g->interval;
}

static void
run(struct gen *g)
{
	for (;;) {
		struct call *c;

		/* Admit every call whose start is due before the next packet. */
		while (g->started < g->calls && (g->nheap == 0 ||
		    call_start(g, g->started) <= g->heap[0]->next)) {
			heap_push(g, call_new(g, g->started,
			    call_start(g, g->started)));
			g->started++;
			if (g->nheap > g->max_active)
				g->max_active = g->nheap;
		}
		if (g->nheap == 0)
			break;
		c = g->heap[0];
		if (call_step(g, c)) {
			heap_sift_root(g);
		} else {
			heap_pop(g);
			c->free_next = g->free_calls;
			g->free_calls = c;
		}
	}
}

/*
 * Talk time that makes the capture hold about P packets.  Per call:
 * normal calls carry 7 SIP messages and 50 * D packets per media
 * direction, lost-ACK calls 16 SIP messages and 32 s of media; one-way
 * calls have one direction instead of two.  Returns -1 when P cannot be
 * met with at least 1 s of talk.
 */
static double
duration_for(const struct gen *g)
{
	double la = g->lost_ack / 100.0, dirs = 2.0 - g->one_way / 100.0;
	double per_call = (double)g->packets_target / g->calls;
	double rest = per_call - la * (16.0 + dirs * 50.0 * 32.0) -
	    (1.0 - la) * 7.0;

	if (la >= 1.0 || rest <= 0.0)
		return -1.0;
	rest /= (1.0 - la) * dirs * 50.0;
	return rest >= 1.0 ? rest : -1.0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " -w OUT.pcap [options]\n"
	    "Writes a synthetic SIP/RTP load capture (UDP SIP calls with PCMU RTP).\n"
	    "\n"
	    "  -w, --write FILE       output pcap (\"-\" for stdout)\n"
	    "  -n, --calls N          calls (1..10000000, default 1000)\n"
	    "  -c, --concurrency C    calls in flight (1..1000000, default 200)\n"
	    "  -d, --duration S       talk time per call in seconds (0.02..86400,\n"
	    "                         default 30, or derived from --packets)\n"
	    "  -p, --packets P        target total packets (1..10^12)\n"
	    "  -o, --one-way PCT      %% of calls without server RTP (0..100, default 0)\n"
	    "  -a, --lost-ack PCT     %% of calls without ACK (0..100, default 0)\n"
	    "  -S, --no-rtp           signalling only: no RTP packets\n"
	    "  -s, --seed N           random seed (default 1)\n"
	    "  -h, --help             this help\n");
}

static double
num_opt(const char *name, const char *arg, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, PROG ": --%s must be a number in %g..%g, "
		    "not '%s'\n", name, lo, hi, arg);
		exit(2);
	}
	return v;
}

static uint64_t
int_opt(const char *name, const char *arg, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || arg[0] == '-' ||
	    v < lo || v > hi) {
		fprintf(stderr, PROG ": --%s must be an integer in %" PRIu64
		    "..%" PRIu64 ", not '%s'\n", name, lo, hi, arg);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "calls", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "packets", required_argument, NULL, 'p' },
		{ "one-way", required_argument, NULL, 'o' },
		{ "lost-ack", required_argument, NULL, 'a' },
		{ "no-rtp", no_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct gen gen;	/* large (packet buffer): not on the stack */
	struct gen *g = &gen;
	bool have_duration = false;
	double mean_len, la;
	int ch;

	g->calls = 1000;
	g->concurrency = 200;
	g->duration = 30.0;
	g->seed = 1;
	while ((ch = getopt_long(argc, argv, "w:n:c:d:p:o:a:Ss:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'w':
			g->out = optarg;
			break;
		case 'n':
			g->calls = (uint32_t)int_opt("calls", optarg, 1,
			    10000000);
			break;
		case 'c':
			g->concurrency = (uint32_t)int_opt("concurrency",
			    optarg, 1, 1000000);
			break;
		case 'd':
			g->duration = num_opt("duration", optarg, 0.02, 86400);
			have_duration = true;
			break;
		case 'p':
			g->packets_target = int_opt("packets", optarg, 1,
			    1000000000000ULL);
			break;
		case 'o':
			g->one_way = num_opt("one-way", optarg, 0, 100);
			break;
		case 'a':
			g->lost_ack = num_opt("lost-ack", optarg, 0, 100);
			break;
		case 'S':
			g->no_rtp = true;
			break;
		case 's':
			g->seed = int_opt("seed", optarg, 0, UINT64_MAX);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
	}
	if (optind != argc || g->out == NULL) {
		fprintf(stderr, PROG ": %s; try '" PROG " --help'.\n",
		    g->out == NULL ? "-w OUT.pcap is required" :
		    "unexpected argument");
		return 2;
	}
	if (g->packets_target && g->no_rtp) {
		fprintf(stderr, PROG ": --packets counts RTP; with --no-rtp "
		    "give --calls and --duration\n");
		return 2;
	}
	if (g->packets_target && !have_duration) {
		g->duration = duration_for(g);
		if (g->duration < 0) {
			fprintf(stderr, PROG ": --packets %" PRIu64 " is too few "
			    "for %u calls; using 1 s of talk\n",
			    g->packets_target, g->calls);
			g->duration = 1.0;
		}
	} else if (g->packets_target)
		fprintf(stderr, PROG ": --duration given, --packets ignored\n");

	g->dur_ns = (int64_t)(g->duration * 1e3 + 0.5) * MS;

	/* Mean call length from INVITE to the last BYE response. */
	la = g->lost_ack / 100.0;
	mean_len = 2.1 + (1.0 - la) * g->duration + la * 32.0 + 0.015;
	g->interval = (int64_t)(mean_len * NS_PER_SEC / g->concurrency);
	if (g->interval < 1000)
		g->interval = 1000;
	g->rng = g->seed;

	g->pd = pcap_open_dead(DLT_EN10MB, 65535);
	if (g->pd == NULL)
		die("pcap_open_dead failed");
	g->dump = pcap_dump_open(g->pd, g->out);
	if (g->dump == NULL)
		die("cannot write '%s': %s", g->out, pcap_geterr(g->pd));

	run(g);

	if (pcap_dump_flush(g->dump) != 0 || ferror(pcap_dump_file(g->dump)))
		die("cannot write '%s': %s", g->out, strerror(errno));
	pcap_dump_close(g->dump);
	pcap_close(g->pd);
	while (g->free_calls != NULL) {
		struct call *c = g->free_calls;

		g->free_calls = c->free_next;
		free(c);
	}
	free(g->heap);

	fprintf(stderr, PROG ": %s: %u calls, %" PRIu64 " packets (%" PRIu64
	    " SIP, %" PRIu64 " RTP), %" PRIu64 " bytes, %.3f s of capture, "
	    "talk %.2f s, max %zu calls in flight\n",
	    g->out, g->calls, g->npackets, g->nsip, g->nrtp, g->nbytes,
	    (double)(g->last_ts - g->first_ts) / 1e9, g->duration,
	    g->max_active);
	return 0;
}
