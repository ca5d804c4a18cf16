/*
 * gen.c - writes adversarial captures for tests/adversarial/run.sh.
 *
 *	gen SCENARIO [N] > capture.pcap     (a FIFO works: nothing is sought)
 *
 * Each scenario aims at one cap of caps.h and must end with the analyzer
 * alive, memory bounded and the matching anomaly counted:
 *
 *	callids N      N distinct Call-IDs (REGISTER and INVITE alternating,
 *	               1 us apart, none ever answered): CAP_DIALOGS and
 *	               CAP_DIALOG_TOTAL_BYTES, dialog_table_full
 *	frags          first fragments of 4000 datagrams that never complete,
 *	               a datagram of 100 fragments and one past 64 KB:
 *	               frag_table_full, frag_timeout, frag_too_many, frag_too_big
 *	tcp-noframe MB a SIP request line then MB megabytes of header lines
 *	               and never the blank line: tcp_buffer_full
 *	bighdr-tcp     one SIP message over TCP with a 1 MB header line:
 *	               sip_line_too_long / tcp_buffer_full
 *	bighdr-udp     a 65000-byte UDP datagram in 45 IP fragments holding a
 *	               SIP message with a 64 KB header: sip_line_too_long
 *	rtp            a call whose RTP jumps wildly in sequence, timestamp and
 *	               SSRC, then 120000 unannounced SSRCs: stream_table_full
 *	escapes        SIP with ESC/CSI sequences, NUL bytes, C1 controls and
 *	               invalid UTF-8 in the headers the reports print
 *	formula        calls whose From user, To user and Call-ID start like
 *	               spreadsheet formulas (=HYPERLINK(...), +, -)
 *	hostile        three answered calls with audio one way only, whose
 *	               From display names, Call-IDs, 180 reason phrases and
 *	               SDP codec names carry HTML and script (<script>,
 *	               "><svg onload=...>, ' and &): the HTML report must
 *	               show them as text
 *	simflood N     for sipalg-sim (tests/adversarial/sim.sh): N phones
 *	               (10.x.y.z) each call one proxy, answered with SDP
 *	               and ACKed, never hung up, with RTP both ways; after
 *	               the calls, RTP of every call for as many rounds again
 *	               (the file grows, the calls in flight do not):
 *	               SIM_CAP_DIALOGS, SIM_CAP_NAT_MAPPINGS, SIM_CAP_PINHOLES
 *
 * The pcap is written by hand (microsecond, Ethernet, little-endian) so
 * the generator needs no library; checksums are left 0 (not checked).
 * Packets are built in a static buffer; stdout is fully buffered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t frame[70000];
static uint64_t now_us = 1700000000ULL * 1000000;
static uint16_t ip_id = 1;

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static void
pcap_header(void)
{
	uint8_t h[24];

	le32(h, 0xa1b2c3d4);
	h[4] = 2;
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32(h + 8, 0);
	le32(h + 12, 0);
	le32(h + 16, 262144);
	le32(h + 20, 1);        /* Ethernet */
	fwrite(h, 1, sizeof(h), stdout);
}

static void
pcap_record(const uint8_t *p, size_t len)
{
	uint8_t h[16];

	le32(h, (uint32_t)(now_us / 1000000));
	le32(h + 4, (uint32_t)(now_us % 1000000));
	le32(h + 8, (uint32_t)len);
	le32(h + 12, (uint32_t)len);
	fwrite(h, 1, sizeof(h), stdout);
	fwrite(p, 1, len, stdout);
}

/*
 * Ethernet + IPv4 header for an IP payload of plen bytes (of which this
 * frame carries flen from fragment offset off) into frame; returns the
 * header length (34).
 */
static size_t
eth_ip(uint32_t src, uint32_t dst, uint8_t proto, size_t flen, uint16_t id,
    size_t off, int more)
{
	uint8_t *e = frame, *ip = frame + 14;

	memset(e, 0, 14);
	e[0] = 0x02;
	e[5] = 0x01;
	e[6] = 0x02;
	e[11] = 0x02;
	be16(e + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	be16(ip + 2, (uint32_t)(20 + flen));
	be16(ip + 4, id);
	be16(ip + 6, (uint32_t)((off / 8) | (more ? 0x2000 : 0)));
	ip[8] = 64;
	ip[9] = proto;
	be16(ip + 10, 0);
	be32(ip + 12, src);
	be32(ip + 16, dst);
	return 34;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))

static void
udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    const void *data, size_t len)
{
	size_t h = eth_ip(src, dst, 17, 8 + len, ip_id++, 0, 0);

	be16(frame + h, sport);
	be16(frame + h + 2, dport);
	be16(frame + h + 4, (uint32_t)(8 + len));
	be16(frame + h + 6, 0);
	memcpy(frame + h + 8, data, len);
	pcap_record(frame, h + 8 + len);
}

/* A UDP datagram cut in IP fragments of at most fragsz payload bytes. */
static void
udp_frag(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    const uint8_t *data, size_t len, size_t fragsz)
{
	static uint8_t dg[65536];
	size_t total = 8 + len, off;
	uint16_t id = ip_id++;

	be16(dg, sport);
	be16(dg + 2, dport);
	be16(dg + 4, (uint32_t)total);
	be16(dg + 6, 0);
	memcpy(dg + 8, data, len);
	for (off = 0; off < total; off += fragsz) {
		size_t n = total - off < fragsz ? total - off : fragsz;
		size_t h = eth_ip(src, dst, 17, n, id, off, off + n < total);

		memcpy(frame + h, dg + off, n);
		pcap_record(frame, h + n);
		now_us += 10;
	}
}

static void
tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	size_t h = eth_ip(src, dst, 6, 20 + len, ip_id++, 0, 0);
	uint8_t *t = frame + h;

	be16(t, sport);
	be16(t + 2, dport);
	be32(t + 4, seq);
	be32(t + 8, 1);
	t[12] = 5 << 4;
	t[13] = flags;
	be16(t + 14, 65535);
	be16(t + 16, 0);
	be16(t + 18, 0);
	memcpy(t + 20, data, len);
	pcap_record(frame, h + 20 + len);
}

/* ---- scenarios ------------------------------------------------------ */

static void
callids(unsigned long n)
{
	char m[600];
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);

	for (unsigned long i = 0; i < n; i++) {
		int len;

		if (i % 2 == 0)
			len = snprintf(m, sizeof(m),
			    "REGISTER sip:example.com SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%lx\r\n"
			    "From: <sip:u%lu@example.com>;tag=%lx\r\n"
			    "To: <sip:u%lu@example.com>\r\n"
			    "Call-ID: flood-%lu@10.0.0.1\r\n"
			    "CSeq: 1 REGISTER\r\n"
			    "Contact: <sip:u%lu@10.0.0.1:5060>\r\n"
			    "Expires: 3600\r\nContent-Length: 0\r\n\r\n",
			    i, i, i, i, i, i);
		else
			len = snprintf(m, sizeof(m),
			    "INVITE sip:u%lu@example.com SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%lx\r\n"
			    "From: <sip:a@example.com>;tag=%lx\r\n"
			    "To: <sip:u%lu@example.com>\r\n"
			    "Call-ID: flood-%lu@10.0.0.1\r\n"
			    "CSeq: 1 INVITE\r\n"
			    "Contact: <sip:a@10.0.0.1:5060>\r\n"
			    "Content-Length: 0\r\n\r\n",
			    i, i, i, i, i);
		udp(a, 5060, b, 5060, m, (size_t)len);
		now_us += 1;
	}
}

static void
frags(void)
{
	static uint8_t data[1480];
	uint32_t a = IP(10, 0, 1, 1), b = IP(10, 0, 1, 2);
	size_t h;

	memset(data, 'x', sizeof(data));
	memcpy(data, "\x13\xc4\x13\xc4\x10\x00\x00\x00", 8);
	/* 4000 first fragments in 4 bursts 40 s apart: table full, then
	 * every one of them times out. */
	for (int burst = 0; burst < 4; burst++) {
		for (int i = 0; i < 1000 + 200 * (burst == 0); i++) {
			h = eth_ip(a, b, 17, 1480, ip_id++, 0, 1);
			memcpy(frame + h, data, 1480);
			pcap_record(frame, h + 1480);
			now_us += 5;
		}
		now_us += 40ULL * 1000000;
	}
	/* 100 fragments of 8 bytes of one datagram, never the last. */
	for (int i = 0; i < 100; i++) {
		h = eth_ip(a, b, 17, 8, 7777, (size_t)i * 8, 1);
		memcpy(frame + h, data, 8);
		pcap_record(frame, h + 8);
		now_us += 5;
	}
	/* A datagram whose last fragment ends past 65535 bytes. */
	h = eth_ip(a, b, 17, 1480, 7778, 0, 1);
	memcpy(frame + h, data, 1480);
	pcap_record(frame, h + 1480);
	h = eth_ip(a, b, 17, 1480, 7778, 65000, 0);
	memcpy(frame + h, data, 1480);
	pcap_record(frame, h + 1480);
	now_us += 60ULL * 1000000;
	/* One more packet so housekeeping runs after the timeout. */
	udp(a, 9, b, 9, "end", 3);
}

static void
tcp_stream(const char *start, size_t start_len, const char *line,
    size_t line_len, size_t total)
{
	static char seg[1460];
	uint32_t a = IP(10, 0, 2, 1), b = IP(10, 0, 2, 2), seq = 1000;
	size_t sent = 0, fill = 0, lo = 0;

	tcp(a, 40000, b, 5060, seq - 1, 0x02, "", 0);      /* SYN */
	now_us += 100;
	memcpy(seg, start, start_len);
	fill = start_len;
	while (sent < total) {
		while (fill < sizeof(seg)) {
			size_t n = line_len - lo;

			if (n > sizeof(seg) - fill)
				n = sizeof(seg) - fill;
			memcpy(seg + fill, line + lo, n);
			fill += n;
			lo = (lo + n) % line_len;
		}
		tcp(a, 40000, b, 5060, seq, 0x18, seg, fill);
		seq += (uint32_t)fill;
		sent += fill;
		fill = 0;
		now_us += 20;
	}
	tcp(a, 40000, b, 5060, seq, 0x11, "", 0);          /* FIN */
}

static void
tcp_noframe(unsigned long mb)
{
	static const char start[] = "INVITE sip:b@example.com SIP/2.0\r\n";
	static const char line[] = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";

	tcp_stream(start, sizeof(start) - 1, line, sizeof(line) - 1,
	    mb * 1024 * 1024);
}

static void
bighdr_tcp(void)
{
	static const char start[] = "INVITE sip:b@example.com SIP/2.0\r\n"
	    "Call-ID: big@x\r\nX-Big: ";
	static char line[1024 * 1024 + 64];
	size_t n;

	memset(line, 'A', 1024 * 1024);
	n = 1024 * 1024;
	memcpy(line + n, "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", 39);
	n += 39;
	/* The 1 MB line and the rest of the message, sent once. */
	tcp_stream(start, sizeof(start) - 1, line, n, sizeof(start) - 1 + n);
}

static void
bighdr_udp(void)
{
	static uint8_t m[65000];
	static const char head[] = "INVITE sip:b@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.3.1:5060;branch=z9hG4bKbig\r\n"
	    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
	    "Call-ID: bigudp@x\r\nCSeq: 1 INVITE\r\nX-Big: ";
	static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";
	size_t len = sizeof(m) - 8;

	memset(m, 'B', len);
	memcpy(m, head, sizeof(head) - 1);
	memcpy(m + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	udp_frag(IP(10, 0, 3, 1), 5060, IP(10, 0, 3, 2), 5060, m, len, 1480);
}

/* The INVITE (ok 0) or its 200 OK (ok 1) of the RTP scenario's call. */
static void
sip_udp(uint32_t s, uint32_t d, int ok, const char *body)
{
	char m[4000];
	int n;

	if (!ok)
		n = snprintf(m, sizeof(m),
		    "INVITE sip:b@10.0.4.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.4.1:5060;branch=z9hG4bKrtp1\r\n"
		    "From: <sip:a@10.0.4.1>;tag=a1\r\nTo: <sip:b@10.0.4.2>\r\n"
		    "Call-ID: rtp-jumps@x\r\nCSeq: 1 INVITE\r\n"
		    "Contact: <sip:a@10.0.4.1>\r\n"
		    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		    "\r\n%s", strlen(body), body);
	else
		n = snprintf(m, sizeof(m),
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 10.0.4.1:5060;branch=z9hG4bKrtp1\r\n"
		    "From: <sip:a@10.0.4.1>;tag=a1\r\n"
		    "To: <sip:b@10.0.4.2>;tag=b1\r\n"
		    "Call-ID: rtp-jumps@x\r\nCSeq: 1 INVITE\r\n"
		    "Contact: <sip:b@10.0.4.2>\r\n"
		    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		    "\r\n%s", strlen(body), body);
	udp(s, 5060, d, 5060, m, (size_t)n);
	now_us += 1000;
}

static void
rtp_pkt(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint16_t seq,
    uint32_t ts, uint32_t ssrc, size_t plen)
{
	uint8_t r[12 + 160];

	r[0] = 0x80;
	r[1] = 0;
	be16(r + 2, seq);
	be32(r + 4, ts);
	be32(r + 8, ssrc);
	memset(r + 12, 0xff, plen);
	udp(s, sp, d, dp, r, 12 + plen);
}

static void
rtp(void)
{
	uint32_t a = IP(10, 0, 4, 1), b = IP(10, 0, 4, 2);
	uint32_t x = 12345;
	uint16_t seq = 0;
	uint32_t ts = 0;

	sip_udp(a, b, 0, "v=0\r\no=- 1 1 IN IP4 "
	    "10.0.4.1\r\ns=-\r\nc=IN IP4 10.0.4.1\r\nt=0 0\r\n"
	    "m=audio 40000 RTP/AVP 0\r\n");
	sip_udp(b, a, 1, "v=0\r\no=- 1 1 IN IP4 "
	    "10.0.4.2\r\ns=-\r\nc=IN IP4 10.0.4.2\r\nt=0 0\r\n"
	    "m=audio 50000 RTP/AVP 0\r\n");
	/* 20000 packets: mostly in order, with wild jumps in sequence and
	 * timestamp, repeats and a few SSRC changes. */
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		switch ((x >> 16) % 50) {
		case 0:
			seq = (uint16_t)(seq + (x >> 8));
			break;
		case 1:
			seq = (uint16_t)(seq - 3000);
			break;
		case 2:
			ts += x;
			break;
		case 3:
			seq--;
			break;
		default:
			seq++;
			break;
		}
		ts += 160;
		rtp_pkt(a, 40000, b, 50000, seq, ts, (x >> 20) % 97 == 0 ?
		    x : 0xabcdef01, 160);
		rtp_pkt(b, 50000, a, 40000, (uint16_t)(i * 7919), ts * 3,
		    0x5555, 160);
		now_us += (x % 100 == 0) ? 5000000 : 20000;
	}
	/* 120000 unannounced SSRCs of 2 packets each, past CAP_STREAMS. */
	for (uint32_t i = 0; i < 120000; i++) {
		rtp_pkt(IP(10, 5, 0, 1), 30000, IP(10, 5, 0, 2), 30002,
		    1, 160, 0x10000000 + i, 20);
		rtp_pkt(IP(10, 5, 0, 1), 30000, IP(10, 5, 0, 2), 30002,
		    2, 320, 0x10000000 + i, 20);
		now_us += 2;
	}
}

static void
escapes(void)
{
	static const struct {
		const char *name, *val;
		size_t vlen;
	} h[] = {
#define V(s) s, sizeof(s) - 1
		{ "User-Agent", V("evil\x1b[2J\x1b]0;pwned\x07 agent") },
		{ "X-Nul", V("a\0b\0c") },
		{ "Subject", V("bad utf8 \xff\xfe \xc3\x28 \xe2\x82 \xed\xa0\x80 \xc0\xaf") },
		{ "X-C1", V("csi \x9b" "31m c1 \xc2\x9b" "0m del \x7f bs \x08\x08") },
		{ "Server", V("quote \" backslash \\ tab\tcr\rend") },
#undef V
	};
#define F(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *s;
		size_t len;
	} from[] = {
		F("\"\x1b[31mRed\x1b[0m\" <sip:\x1b[1ma@10.0.6.1>;tag=e1"),
		F("\"N\0UL\" <sip:b@10.0.6.1>;tag=e2"),
		F("\"\xff\xfe\xfd bad\" <sip:c\xc3\x28@10.0.6.1>;tag=e3"),
	};
#undef F
	uint32_t a = IP(10, 0, 6, 1), b = IP(10, 0, 6, 2);

	for (int k = 0; k < 3; k++) {
		char m[3000];
		size_t n = 0;
		int r;

		r = snprintf(m, sizeof(m), "INVITE sip:x@10.0.6.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.6.1:5060;branch=z9hG4bKesc%d\r\n"
		    "From: ", k);
		n = (size_t)r;
		memcpy(m + n, from[k].s, from[k].len);
		n += from[k].len;
		r = snprintf(m + n, sizeof(m) - n, "\r\nTo: <sip:x@10.0.6.2>\r\n"
		    "Call-ID: esc\x1b[2J%d\x07@x\r\nCSeq: 1 INVITE\r\n"
		    "Contact: <sip:a@10.0.6.1>\r\n", k);
		n += (size_t)r;
		for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
			n += (size_t)snprintf(m + n, sizeof(m) - n, "%s: ",
			    h[i].name);
			memcpy(m + n, h[i].val, h[i].vlen);
			n += h[i].vlen;
			memcpy(m + n, "\r\n", 2);
			n += 2;
		}
		memcpy(m + n, "Content-Length: 0\r\n\r\n", 21);
		n += 21;
		udp(a, 5060, b, 5060, m, n);
		now_us += 1000;
		/* A final error with an escape in its reason phrase. */
		r = snprintf(m, sizeof(m), "SIP/2.0 488 Not\x1b[5m Here\x9b\r\n"
		    "Via: SIP/2.0/UDP 10.0.6.1:5060;branch=z9hG4bKesc%d\r\n"
		    "From: <sip:a@10.0.6.1>;tag=e%d\r\nTo: <sip:x@10.0.6.2>;"
		    "tag=\x1b[0m\r\nCall-ID: esc\x1b[2J%d\x07@x\r\n"
		    "CSeq: 1 INVITE\r\nServer: \x1b[6n\r\n"
		    "Content-Length: 0\r\n\r\n", k, k + 1, k);
		udp(b, 5060, a, 5060, m, (size_t)r);
		now_us += 1000;
	}
}

/*
 * CSV formula injection: three INVITEs, each answered 486, whose From
 * user, To user and Call-ID start with =, + or - (the From user's
 * quotes come out %-encoded by the URI parser; the Call-ID's stay).  The
 * reports print them in text cells; -f csv and the browser's export
 * must neutralise them.
 */
static void
formula(void)
{
	static const struct {
		const char *from, *to, *cid;
	} c[] = {
		{ "=HYPERLINK(\"http://evil/x\",\"click\")", "bob", "f1@x" },
		{ "alice", "+15551234567", "-2+3@x" },
		{ "carol", "dave", "=HYPERLINK(\"http://evil/x\",\"click\")" },
	};
	uint32_t a = IP(10, 0, 7, 1), b = IP(10, 0, 7, 2);

	for (int k = 0; k < 3; k++) {
		char m[1500];
		int r;

		r = snprintf(m, sizeof(m), "INVITE sip:%s@10.0.7.2 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 10.0.7.1:5060;branch=z9hG4bKfx%d\r\n"
		    "From: <sip:%s@10.0.7.1>;tag=f%d\r\n"
		    "To: <sip:%s@10.0.7.2>\r\nCall-ID: %s\r\n"
		    "CSeq: 1 INVITE\r\nContact: <sip:a@10.0.7.1>\r\n"
		    "Content-Length: 0\r\n\r\n", c[k].to, k, c[k].from, k,
		    c[k].to, c[k].cid);
		udp(a, 5060, b, 5060, m, (size_t)r);
		now_us += 1000;
		r = snprintf(m, sizeof(m), "SIP/2.0 486 Busy Here\r\n"
		    "Via: SIP/2.0/UDP 10.0.7.1:5060;branch=z9hG4bKfx%d\r\n"
		    "From: <sip:%s@10.0.7.1>;tag=f%d\r\n"
		    "To: <sip:%s@10.0.7.2>;tag=t%d\r\nCall-ID: %s\r\n"
		    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", k,
		    c[k].from, k, c[k].to, k, c[k].cid);
		udp(b, 5060, a, 5060, m, (size_t)r);
		now_us += 1000;
	}
}

/*
 * One message of a hostile call: start line, the dialog's headers (From
 * with display name disp, Call-ID cid, To tag when totag), CSeq, and
 * the SDP body when sdp is not NULL; sent from s to d.
 */
static void
hostile_msg(uint32_t s, uint32_t d, const char *start, int k,
    const char *branch, const char *disp, const char *totag,
    const char *cid, int cseq, const char *method, const char *sdp)
{
	char m[3000];
	int n;

	n = snprintf(m, sizeof(m), "%s\r\nVia: SIP/2.0/UDP 10.0.8.1:5060;"
	    "branch=z9hG4bKh%d%s\r\nFrom: \"%s\" <sip:alice@10.0.8.1>;"
	    "tag=h%d\r\nTo: <sip:bob@10.0.8.2>%s\r\nCall-ID: %s\r\n"
	    "CSeq: %d %s\r\n", start, k, branch, disp, k, totag, cid, cseq,
	    method);
	if (sdp != NULL)
		n += snprintf(m + n, sizeof(m) - (size_t)n, "Contact: <sip:x@"
		    "10.0.8.%d>\r\nContent-Type: application/sdp\r\n"
		    "Content-Length: %zu\r\n\r\n%s", s == IP(10, 0, 8, 1) ?
		    1 : 2, strlen(sdp), sdp);
	else
		n += snprintf(m + n, sizeof(m) - (size_t)n,
		    "Content-Length: 0\r\n\r\n");
	udp(s, 5060, d, 5060, m, (size_t)n);
}

/*
 * Markup in every field a report may print: each call is INVITE (SDP),
 * 180 with a hostile reason phrase, 200 (SDP with a hostile rtpmap name
 * on the second call), ACK, 5 s of RTP caller to callee only (one-way
 * audio), BYE, 200.
 */
static void
hostile(void)
{
	static const struct {
		const char *display, *cid, *reason, *codec;
	} c[] = {
		{ "<script>alert(1)</script>", "<script>alert(1)</script>@h",
		  "SIP/2.0 180 Ringing <script>alert(11)</script>", "PCMU" },
		{ "\\\"><svg onload=alert(2)>", "\"><svg/onload=alert(2)>@h",
		  "SIP/2.0 180 Ringing \"><svg onload=alert(12)>", "<b>x</b>" },
		{ "'><img src=x onerror=alert(3)>&amp;",
		  "'><img/src=x/onerror=alert(3)>&amp;@h",
		  "SIP/2.0 180 Ringing '><img src=x onerror=alert(13)>", "PCMU" },
	};
	uint32_t a = IP(10, 0, 8, 1), b = IP(10, 0, 8, 2);

	for (int k = 0; k < 3; k++) {
		const char *disp = c[k].display, *cid = c[k].cid;
		uint16_t ap = (uint16_t)(40000 + 2 * k);
		uint16_t bp = (uint16_t)(50000 + 2 * k);
		char sdp[400];

		snprintf(sdp, sizeof(sdp), "v=0\r\no=- 1 1 IN IP4 10.0.8.1\r\n"
		    "s=-\r\nc=IN IP4 10.0.8.1\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n", ap);
		hostile_msg(a, b, "INVITE sip:bob@10.0.8.2 SIP/2.0", k, "", disp,
		    "", cid, 1, "INVITE", sdp);
		now_us += 20000;
		hostile_msg(b, a, c[k].reason, k, "", disp, ";tag=t1", cid, 1,
		    "INVITE", NULL);
		now_us += 500000;
		snprintf(sdp, sizeof(sdp), "v=0\r\no=- 2 2 IN IP4 10.0.8.2\r\n"
		    "s=-\r\nc=IN IP4 10.0.8.2\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
		    "a=rtpmap:0 %s/8000\r\n", bp, c[k].codec);
		hostile_msg(b, a, "SIP/2.0 200 OK", k, "", disp, ";tag=t1", cid,
		    1, "INVITE", sdp);
		now_us += 20000;
		hostile_msg(a, b, "ACK sip:bob@10.0.8.2 SIP/2.0", k, "a", disp,
		    ";tag=t1", cid, 1, "ACK", NULL);
		for (int i = 0; i < 250; i++) {
			now_us += 20000;
			rtp_pkt(a, ap, b, bp, (uint16_t)(100 + i),
			    (uint32_t)(160 * i), 0x4000 + (uint32_t)k, 160);
		}
		now_us += 20000;
		hostile_msg(a, b, "BYE sip:bob@10.0.8.2 SIP/2.0", k, "b", disp,
		    ";tag=t1", cid, 2, "BYE", NULL);
		now_us += 20000;
		hostile_msg(b, a, "SIP/2.0 200 OK", k, "b", disp, ";tag=t1", cid,
		    2, "BYE", NULL);
		now_us += 1000000;
	}
}

/* One call of the simulator flood: phone k (10.x.y.z) -> the proxy. */
static void
flood_call(unsigned long k, int part)
{
	uint32_t ph = IP(10, (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1);
	uint32_t px = IP(198, 51, 100, 10), md = IP(198, 51, 100, 20);
	uint16_t mport = (uint16_t)(30000 + 2 * (k % 10000));
	uint16_t pport = (uint16_t)(10000 + 2 * (k % 25000));
	char sdp[300], m[1200];
	int n, sl;

	if (part > 0) {           /* a round of RTP both ways */
		rtp_pkt(ph, pport, md, mport, (uint16_t)part, (uint32_t)part * 160,
		    (uint32_t)k, 20);
		rtp_pkt(md, mport, ph, pport, (uint16_t)part, (uint32_t)part * 160,
		    (uint32_t)k ^ 0x80000000u, 20);
		return;
	}
	sl = snprintf(sdp, sizeof(sdp), "v=0\r\no=- %lu 1 IN IP4 10.%lu.%lu.%lu\r\n"
	    "s=-\r\nc=IN IP4 10.%lu.%lu.%lu\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
	    "m=video %u RTP/AVP 96\r\n",
	    k, (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1,
	    (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1, pport,
	    (unsigned)(pport ^ 0x8000u));
	n = snprintf(m, sizeof(m), "INVITE sip:b@198.51.100.10 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.%lu.%lu.%lu:5060;branch=z9hG4bKf%lu\r\n"
	    "From: <sip:p%lu@198.51.100.10>;tag=f%lu\r\nTo: <sip:b@198.51.100.10>\r\n"
	    "Call-ID: flood-%lu@x\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:p%lu@10.%lu.%lu.%lu:5060>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
	    (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1, k, k, k, k, k,
	    (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1, sl, sdp);
	udp(ph, 5060, px, 5060, m, (size_t)n);
	sl = snprintf(sdp, sizeof(sdp), "v=0\r\no=- %lu 1 IN IP4 198.51.100.20\r\n"
	    "s=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n",
	    k, mport);
	n = snprintf(m, sizeof(m), "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 10.%lu.%lu.%lu:5060;branch=z9hG4bKf%lu\r\n"
	    "From: <sip:p%lu@198.51.100.10>;tag=f%lu\r\n"
	    "To: <sip:b@198.51.100.10>;tag=t%lu\r\n"
	    "Call-ID: flood-%lu@x\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:b@198.51.100.10:5060>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
	    (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1, k, k, k, k, k, sl,
	    sdp);
	udp(px, 5060, ph, 5060, m, (size_t)n);
	n = snprintf(m, sizeof(m), "ACK sip:b@198.51.100.10:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.%lu.%lu.%lu:5060;branch=z9hG4bKa%lu\r\n"
	    "From: <sip:p%lu@198.51.100.10>;tag=f%lu\r\n"
	    "To: <sip:b@198.51.100.10>;tag=t%lu\r\n"
	    "Call-ID: flood-%lu@x\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
	    (k >> 16) & 0xff, (k >> 8) & 0xff, (k & 0xff) | 1, k, k, k, k, k);
	udp(ph, 5060, px, 5060, m, (size_t)n);
}

/*
 * N calls 20 us apart (all in flight within the NAT's timeouts), then
 * rounds of RTP for each call until the file holds ROUNDS x as many
 * packets: memory must follow the calls, not the file.
 */
static void
simflood(unsigned long n, unsigned long rounds)
{
	for (unsigned long k = 0; k < n; k++) {
		flood_call(k, 0);
		now_us += 20;
	}
	for (unsigned long r = 1; r <= rounds; r++)
		for (unsigned long k = 0; k < n; k++) {
			flood_call(k, (int)r);
			now_us += 1;
		}
}

int
main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;

	pcap_header();
	if (strcmp(s, "callids") == 0)
		callids(n ? n : 1000000);
	else if (strcmp(s, "frags") == 0)
		frags();
	else if (strcmp(s, "tcp-noframe") == 0)
		tcp_noframe(n ? n : 10);
	else if (strcmp(s, "bighdr-tcp") == 0)
		bighdr_tcp();
	else if (strcmp(s, "bighdr-udp") == 0)
		bighdr_udp();
	else if (strcmp(s, "rtp") == 0)
		rtp();
	else if (strcmp(s, "escapes") == 0)
		escapes();
	else if (strcmp(s, "formula") == 0)
		formula();
	else if (strcmp(s, "hostile") == 0)
		hostile();
	else if (strcmp(s, "simflood") == 0)
		simflood(n ? n : 40000, argc > 3 ? strtoul(argv[3], NULL, 10) : 4);
	else {
		fprintf(stderr, "usage: gen callids|frags|tcp-noframe|"
		    "bighdr-tcp|bighdr-udp|rtp|escapes|formula|hostile [N]\n"
		    "       gen simflood [N [ROUNDS]]\n");
		return 2;
	}
	if (fflush(stdout) != 0)
		return 1;
	return 0;
}
