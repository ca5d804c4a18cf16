/*
 * decode.c - from a captured frame to transport payloads (decode.h).
 *
 * The decoder peels the frame one layer at a time, each layer reading its
 * header through a bounded cursor (cursor.h) and handing the rest to the
 * next: link layer -> (VLAN, MPLS, PPPoE) -> IPv4/IPv6 (+ fragment
 * reassembly, frag.h) -> tunnel (IP-in-IP, GRE, ERSPAN) back to the link or
 * IP layer, or transport (UDP, TCP, SCTP, ICMP).  Nothing is allocated per
 * frame: the context lives on the stack and payloads point into the frame
 * or into the fragment table's buffers.  One exception to the cursors:
 * ether_ip4_udp(), the fast path for the commonest frame (Ethernet, plain
 * IPv4, UDP), reads its three headers through raw pointers, for speed,
 * after one check that all 42 header bytes and the IP total length lie
 * within caplen; any frame it cannot take whole goes to the layers.
 *
 * Lengths.  The captured window and the length each header claims are kept
 * apart (tcpdump's caplen/length split).  Every layer narrows the cursor to
 * min(claimed, captured), so Ethernet padding after an IP datagram is never
 * taken for payload.  A claim beyond the captured bytes is
 * IP_TOTLEN_BEYOND_DATA, except when the frame itself was captured short
 * (caplen < wirelen): the capture layer counted CAPLEN_SHORT for it already,
 * and what is there is still decoded.  A header that does not fit the
 * captured bytes (link, IP, UDP, TCP, SCTP, GRE, ERSPAN) is counted as that
 * layer's *_TRUNCATED anomaly whatever the reason.
 *
 * Link types (numbers as libpcap's pcap_datalink() returns them on Linux):
 *   1   Ethernet; 802.1Q 0x8100, 802.1ad 0x88a8 and old QinQ 0x9100 tags up
 *       to CAP_VLAN_DEPTH; MPLS 0x8847/0x8848 label stacks (IP guessed from
 *       the first nibble, 0 = pseudowire control word + Ethernet); PPPoE
 *       session 0x8864.
 *   113 Linux SLL (16-byte header, protocol at offset 14).
 *   276 Linux SLL2 (20-byte header, protocol at offset 0).
 *   12, 14, 101 raw IP (version from the first nibble); 228 IPv4; 229 IPv6.
 *   0   BSD NULL: 4-byte address family in the capturing host's order, both
 *       orders accepted (AF_INET 2; AF_INET6 10 Linux, 24 NetBSD/OpenBSD,
 *       28 FreeBSD, 30 macOS).
 *   108 OpenBSD LOOP: the same family in network order.
 * Common non-IP ethertypes (ARP, LLDP, LACP, 802.1X, PPPoE discovery, PTP,
 * 802.3 length frames) are ignored silently; other ones count
 * ETHERTYPE_UNSUPPORTED.
 *
 * IPv4 (RFC 791): options skipped, MF/offset fragments reassembled.  A
 * total length of 0 (TCP segmentation offload on the capturing host) counts
 * IP_BAD_TOTLEN and the captured length is used.  IPv6 (RFC 8200):
 * extension headers 0, 43, 60, 135 and AH 51 (RFC 4302, length in 4-byte
 * units) are skipped, at most CAP_IPV6_EXT_HEADERS, and the fragment header
 * 44 is reassembled; a payload length of 0 (jumbogram, RFC 2675, or TSO)
 * uses the captured length.  A fragment captured short is not fed to the
 * table: its datagram can never be whole and leaves by FRAG_TIMEOUT.
 *
 * Tunnels, each counted in pkt.encap_depth and bounded by CAP_ENCAP_DEPTH
 * (ENCAP_TOO_DEEP): IP protocol 4 and 41 (RFC 2003, RFC 4213), and GRE 47:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C|R|K|S| Reserved0     |A| Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Checksum (if C)              |       Reserved1 (if C)        |
 *   |                        Key (if K)                             |
 *   |                  Sequence Number (if S)                       |
 *   |           Acknowledgment Number (if A, version 1 only)        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Version 0 (RFC 2784, RFC 2890) carries IPv4 0x0800, IPv6 0x86dd, MPLS
 * 0x8847, Ethernet 0x6558 and ERSPAN; version 1 (RFC 2637, PPTP) carries
 * PPP 0x880b, whose address/control bytes ff 03 are optional and whose
 * protocol may be compressed to one byte (0x21 IPv4, 0x57 IPv6; LCP, CCP
 * and compressed data are ignored).  The routing bit R (RFC 1701) is
 * GRE_UNSUPPORTED.  ERSPAN type I is 0x88be without the S bit (Ethernet
 * right after GRE); type II is 0x88be with S, an 8-byte header, then
 * Ethernet; type III is 0x22eb:
 *
 *   |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
 *   |                          Timestamp                            |
 *   |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 *   |      platform specific sub-header, 8 bytes (only if O)        |
 *
 * then an Ethernet frame (FT 0) or an IP packet (FT 2).
 *
 * Transport.  UDP (RFC 768): the payload is min(UDP length - 8, IP payload);
 * a UDP length below 8 or beyond the IP payload counts UDP_BAD_LEN and the
 * IP payload is used instead (the bytes are there, only the field lies).
 * TCP (RFC 9293): data offset below 20 or beyond the segment is
 * TCP_BAD_HLEN; segments are emitted with their sequence numbers and flags
 * when they carry data or SYN/FIN/RST (reassembly needs them), pure ACKs
 * are not.  SCTP (RFC 9260): one pkt per user message, i.e. per DATA chunk
 * with B and E set, or per run of pieces B ... E with consecutive TSNs on
 * one stream put together in a small table (SCTP_PENDING messages, at most
 * CAP_SIP_MSG_BYTES each); a chunk length below 4 or beyond the claimed
 * packet is SCTP_BAD_CHUNK, beyond the captured bytes SCTP_TRUNCATED, and
 * the walk stops.  ICMP errors
 * (v4 types 3, 11, 12; v6 types 1-4) quoting a UDP datagram whose payload
 * starts like SIP (sipframe_starts_like_sip(): the quote may be cut
 * anywhere) count ICMP_QUOTED_SIP and are never taken as SIP; a
 * destination unreachable quoting SIP is emitted as PKT_ICMP_SIP_UNREACH
 * (type, code, reporter and the quoted bytes: SIP refused on the way); a
 * destination unreachable (v4 type 3, v6 type 1) quoting any other UDP
 * datagram is emitted as PKT_ICMP_UNREACH (see pkt.h), no payload; a
 * "fragmentation needed" (v4 type 3 code 4) or "packet too big" (v6 type
 * 2) quoting SIP is emitted as PKT_ICMP_TOOBIG with the reported MTU and
 * the quoted bytes (the SIP a router could not forward whole); a
 * "fragment reassembly time exceeded" (v4 type 11 code 1, v6 type 3
 * code 1) quoting SIP as PKT_ICMP_REASM (the SIP whose receiver got only
 * some of its fragments).
 *
 * A fragmented UDP datagram that never completes (frag.h: timeout, or
 * still pending at decoder_flush) and whose first fragment starts like
 * SIP is emitted as PKT_FRAG_LOST, the SIP bytes of that first fragment
 * as payload: the start of a message the path lost (a filter that drops
 * non-first fragments, a link that lost one).
 */
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "base/cursor.h"
#include "ingest/decode.h"
#include "ingest/frag.h"
#include "ingest/sipframe.h"

/* Link types as pcap_datalink() reports them (see the paragraph above). */
enum {
	LINK_NULL = 0,
	LINK_EN10MB = 1,
	LINK_RAW_A = 12,
	LINK_RAW_B = 14,
	LINK_RAW = 101,
	LINK_LOOP = 108,
	LINK_SLL = 113,
	LINK_IPV4 = 228,
	LINK_IPV6 = 229,
	LINK_SLL2 = 276
};

/*
 * SCTP user messages split over several DATA chunks, being put together.
 * The count should live in caps.h (it is not there yet); each buffer grows
 * with the bytes seen up to CAP_SIP_MSG_BYTES and is reused.
 */
#define SCTP_PENDING 16

struct sctp_msg {
	struct ep src, dst;     /* with ports */
	uint16_t sid;           /* stream identifier */
	uint32_t next_tsn;      /* TSN the next piece must carry */
	int64_t ts_ns;          /* last piece, for eviction */
	int used;
	uint8_t *buf;
	size_t len, cap;
};

struct decoder {
	decode_emit_fn emit;
	void *user;
	struct frag_table *ft;
	struct decoder_stats st;
	struct sctp_msg sm[SCTP_PENDING];
	bool pure_acks;         /* emit data-less TCP segments too */
	/*
	 * The pkt ether_ip4_udp() emits: it writes the same fields every
	 * time, the others keep what decoder_new() set (zero; IPv4, UDP,
	 * one fragment), so no frame pays for zeroing a whole pkt.
	 */
	struct pkt udp;
};

/* Per-frame state, on the stack. */
struct dctx {
	struct decoder *d;
	struct anomalies *an;
	uint32_t cap_idx;
	uint64_t frame;
	int64_t ts_ns;
	int short_cap;          /* caplen < wirelen: snaplen cut the frame */
	int depth;              /* tunnels peeled so far */
	uint16_t nfrags;        /* most fragments of any layer reassembled */
};

/* One IP layer as transport sees it. */
struct l3 {
	struct ep src, dst;     /* ports filled by transport */
	uint32_t ip_len;        /* datagram length on the wire */
	uint8_t df, ttl;        /* IPv4 Don't Fragment bit; TTL or hop limit */
	uint16_t id;            /* IPv4 identification */
	size_t claimed;         /* payload bytes the IP header claims */
};

static void dec_ethertype(struct dctx *, uint16_t, struct cur *);
static void dec_ip(struct dctx *, struct cur *);
static void dec_ip4(struct dctx *, struct cur *);
static void dec_ip6(struct dctx *, struct cur *);
static void frag_lost(void *, const struct frag_lost *, struct anomalies *);

struct decoder *
decoder_new(decode_emit_fn emit, void *user)
{
	struct decoder *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->ft = frag_table_new();
	if (d->ft == NULL) {
		free(d);
		return NULL;
	}
	d->emit = emit;
	d->user = user;
	d->udp.l4 = PKT_UDP;
	d->udp.src.family = d->udp.dst.family = 4;
	d->udp.nfrags = 1;
	frag_table_on_lost(d->ft, frag_lost, d);
	return d;
}

void
decoder_keep_pure_acks(struct decoder *d, bool keep)
{
	d->pure_acks = keep;
}

void
decoder_free(struct decoder *d)
{
	if (d == NULL)
		return;
	frag_table_free(d->ft);
	for (int i = 0; i < SCTP_PENDING; i++)
		free(d->sm[i].buf);
	free(d);
}

void
decoder_stats_get(const struct decoder *d, struct decoder_stats *st)
{
	*st = d->st;
}

void
decoder_expire(struct decoder *d, int64_t now_ns, struct anomalies *an)
{
	if (frag_table_pending(d->ft) > 0)
		frag_table_expire(d->ft, now_ns, an);
}

void
decoder_flush(struct decoder *d, struct anomalies *an)
{
	frag_table_flush(d->ft, an);
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/*
 * A datagram left the fragment table unfinished.  When it is UDP and what
 * arrived from its start holds the UDP header and the beginning of a SIP
 * message, that beginning goes up as PKT_FRAG_LOST: ip_len the size the
 * UDP header announces (with a plain IP header: options and extension
 * headers are not known), frag_seen the IP bytes that arrived.
 */
static void
frag_lost(void *user, const struct frag_lost *l, struct anomalies *an)
{
	struct decoder *d = user;
	struct pkt p;
	size_t n = l->head_len, hdr = l->key.family == 4 ? 20 : 40;
	uint16_t ulen;

	if (d->emit == NULL || l->key.proto != 17 || n < 8)
		return;
	ulen = be16(l->head + 4);
	if (ulen >= 8 && ulen < n)
		n = ulen;
	if (!sipframe_starts_like_sip(l->head + 8, n - 8))
		return;
	memset(&p, 0, sizeof(p));
	p.cap_idx = l->at.cap_idx;
	p.frame = l->at.frame;
	p.ts_ns = l->at.ts_ns;
	p.l4 = PKT_FRAG_LOST;
	p.src.family = p.dst.family = l->key.family;
	memcpy(p.src.ip, l->key.src, l->key.family == 4 ? 4 : 16);
	memcpy(p.dst.ip, l->key.dst, l->key.family == 4 ? 4 : 16);
	p.src.port = be16(l->head);
	p.dst.port = be16(l->head + 2);
	p.payload = l->head + 8;
	p.len = n - 8;
	p.ip_len = (uint32_t)(hdr + (ulen >= 8 ? ulen : l->seen));
	p.frag_seen = (uint32_t)(hdr + l->seen);
	p.nfrags = l->nfrags;
	p.ip_id = (uint16_t)l->key.id;
	d->emit(d->user, &p, an);
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/*
 * The fields of a pkt every emitted kind shares: p is zeroed by copying a
 * zero record (this runs per packet, and both a memset and an initialiser
 * compiled to a slow "rep stos").
 */
static void
pkt_base(const struct dctx *x, const struct l3 *l, uint8_t l4, uint16_t sport,
    uint16_t dport, struct pkt *p)
{
	static const struct pkt zero;

	*p = zero;
	p->cap_idx = x->cap_idx;
	p->frame = x->frame;
	p->ts_ns = x->ts_ns;
	p->l4 = l4;
	p->src = l->src;
	p->dst = l->dst;
	p->src.port = sport;
	p->dst.port = dport;
	p->ip_len = l->ip_len;
	p->ip_df = l->df;
	p->ip_ttl = l->ttl;
	p->ip_id = l->id;
	p->nfrags = x->nfrags > 0 ? x->nfrags : 1;
	p->encap_depth = (uint8_t)x->depth;
}

static void
emit(struct dctx *x, const struct l3 *l, uint8_t l4, uint16_t sport,
    uint16_t dport, const uint8_t *payload, size_t len)
{
	struct pkt p;

	pkt_base(x, l, l4, sport, dport, &p);
	p.payload = payload;
	p.len = len;
	if (x->d->emit != NULL)
		x->d->emit(x->d->user, &p, x->an);
}

/* UDP, RFC 768.  c holds min(claimed, captured) IP payload bytes. */
static void
dec_udp(struct dctx *x, struct l3 *l, struct cur *c)
{
	const uint8_t *h = cur_take(c, 8);
	size_t ulen, have;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_UDP_TRUNCATED);
		return;
	}
	x->d->st.udp++;
	ulen = be16(h + 4);
	have = cur_left(c);
	if (ulen < 8 || ulen > l->claimed)
		anomaly_add(x->an, ANOMALY_UDP_BAD_LEN);
	else if (ulen - 8 < have)
		have = ulen - 8;
	emit(x, l, PKT_UDP, be16(h), be16(h + 2), cur_rest(c), have);
}

/*
 * TCP, RFC 9293 section 3.1.
 *
 *   | Source Port | Destination Port | Sequence | Acknowledgment |
 *   | Off | Rsvd | Flags | Window | Checksum | Urgent | Options... |
 */
static void
dec_tcp(struct dctx *x, struct l3 *l, struct cur *c)
{
	const uint8_t *h = cur_peek(c, 20);
	size_t hlen, have;
	uint8_t flags;
	struct pkt p;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_TCP_TRUNCATED);
		return;
	}
	hlen = (size_t)(h[12] >> 4) * 4;
	if (hlen < 20 || hlen > l->claimed) {
		anomaly_add(x->an, ANOMALY_TCP_BAD_HLEN);
		return;
	}
	if (!cur_skip(c, hlen)) {
		anomaly_add(x->an, ANOMALY_TCP_TRUNCATED);
		return;
	}
	x->d->st.tcp++;
	flags = h[13];
	have = cur_left(c);
	if (have == 0 && !x->d->pure_acks &&
	    !(flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST)))
		return;
	memset(&p, 0, sizeof(p));
	p.cap_idx = x->cap_idx;
	p.frame = x->frame;
	p.ts_ns = x->ts_ns;
	p.l4 = PKT_TCP;
	p.src = l->src;
	p.dst = l->dst;
	p.src.port = be16(h);
	p.dst.port = be16(h + 2);
	p.payload = cur_rest(c);
	p.len = have;
	p.ip_len = l->ip_len;
	p.ip_df = l->df;
	p.ip_ttl = l->ttl;
	p.ip_id = l->id;
	p.nfrags = x->nfrags > 0 ? x->nfrags : 1;
	p.encap_depth = (uint8_t)x->depth;
	p.tcp_flags = flags;
	p.tcp_seq = be32(h + 4);
	p.tcp_ack = be32(h + 8);
	p.tcp_win = (uint16_t)((h[14] << 8) | h[15]);
	p.tcp_urp = (uint16_t)((h[18] << 8) | h[19]);
	p.tcp_x2 = h[12] & 0x0f;
	p.tcp_opt = hlen > 20 ? h + 20 : NULL;   /* cur_skip checked hlen bytes */
	p.tcp_optlen = (uint8_t)(hlen - 20);
	if (x->d->emit != NULL)
		x->d->emit(x->d->user, &p, x->an);
}

/*
 * One piece of a fragmented SCTP user message (RFC 9260 section 6.9): B
 * starts it, pieces must follow in TSN order on the same stream, E ends it
 * and the whole message is emitted.  A piece that does not follow (lost or
 * not captured, or reordered) abandons the message without an anomaly: the
 * gap is in the capture, not in the packet.  A message beyond
 * CAP_SIP_MSG_BYTES is SIP_TOO_LARGE.  When all slots are busy the one
 * idle longest is reused.
 */
static void
sctp_piece(struct dctx *x, struct l3 *l, uint16_t sport, uint16_t dport,
    const uint8_t *ch, size_t clen)
{
	struct decoder *d = x->d;
	struct sctp_msg *m = NULL;
	struct ep src = l->src, dst = l->dst;
	uint32_t tsn = be32(ch + 4);
	uint16_t sid = be16(ch + 8);
	size_t n = clen - 16;

	src.port = sport;
	dst.port = dport;
	for (int i = 0; i < SCTP_PENDING; i++)
		if (d->sm[i].used && d->sm[i].sid == sid &&
		    ep_eq(&d->sm[i].src, &src) && ep_eq(&d->sm[i].dst, &dst)) {
			m = &d->sm[i];
			break;
		}
	if (ch[1] & 0x02) {             /* B: a new message */
		if (m == NULL) {
			m = &d->sm[0];
			for (int i = 0; i < SCTP_PENDING; i++) {
				if (!d->sm[i].used) {
					m = &d->sm[i];
					break;
				}
				if (d->sm[i].ts_ns < m->ts_ns)
					m = &d->sm[i];
			}
		}
		m->used = 1;
		m->src = src;
		m->dst = dst;
		m->sid = sid;
		m->len = 0;
	} else if (m == NULL)
		return;
	else if (tsn != m->next_tsn) {
		m->used = 0;
		return;
	}
	if (m->len + n > CAP_SIP_MSG_BYTES) {
		anomaly_add(x->an, ANOMALY_SIP_TOO_LARGE);
		m->used = 0;
		return;
	}
	if (m->len + n > m->cap) {
		size_t ncap = (m->len + n + 4095) / 4096 * 4096;
		uint8_t *nb;

		if (ncap > CAP_SIP_MSG_BYTES)
			ncap = CAP_SIP_MSG_BYTES;
		nb = realloc(m->buf, ncap);
		if (nb == NULL) {
			anomaly_add(x->an, ANOMALY_SIP_TOO_LARGE);
			m->used = 0;
			return;
		}
		m->buf = nb;
		m->cap = ncap;
	}
	if (n > 0)
		memcpy(m->buf + m->len, ch + 16, n);
	m->len += n;
	m->next_tsn = tsn + 1;
	m->ts_ns = x->ts_ns;
	if (ch[1] & 0x01) {             /* E: complete */
		m->used = 0;
		emit(x, l, PKT_SCTP, sport, dport, m->buf, m->len);
	}
}

/*
 * SCTP, RFC 9260 sections 3 and 3.3.1.
 *
 *   | Source Port | Destination Port | Verification Tag | Checksum |
 *   then chunks, each padded to 4 bytes:
 *   | Type | Flags | Length |  value ...                           |
 *   DATA (type 0, flags U B E):
 *   | 0 | res U B E | Length | TSN | Stream Id | Stream Seq | PPID | data
 */
static void
dec_sctp(struct dctx *x, struct l3 *l, struct cur *c)
{
	const uint8_t *h = cur_take(c, 12);
	size_t claimed_left;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_SCTP_TRUNCATED);
		return;
	}
	x->d->st.sctp++;
	claimed_left = l->claimed - 12;
	while (cur_left(c) > 0) {
		const uint8_t *ch = cur_peek(c, 4);
		size_t clen, padded;

		if (ch == NULL) {
			anomaly_add(x->an, ANOMALY_SCTP_TRUNCATED);
			return;
		}
		clen = be16(ch + 2);
		if (clen < 4 || clen > claimed_left) {
			anomaly_add(x->an, ANOMALY_SCTP_BAD_CHUNK);
			return;
		}
		if (clen > cur_left(c)) {
			anomaly_add(x->an, ANOMALY_SCTP_TRUNCATED);
			return;
		}
		if (ch[0] == 0) {
			if (clen < 16) {
				anomaly_add(x->an, ANOMALY_SCTP_BAD_CHUNK);
				return;
			}
			if ((ch[1] & 0x03) == 0x03)
				emit(x, l, PKT_SCTP, be16(h), be16(h + 2),
				    ch + 16, clen - 16);
			else
				sctp_piece(x, l, be16(h), be16(h + 2), ch,
				    clen);
		}
		/* The last chunk's padding may be absent. */
		padded = (clen + 3) & ~(size_t)3;
		if (padded > cur_left(c))
			padded = cur_left(c);
		cur_skip(c, padded);
		claimed_left = claimed_left > padded ? claimed_left - padded : 0;
	}
}

/*
 * The UDP datagram an ICMP error quotes (q: its IP source and destination,
 * ports still to read from c).  A quoted SIP message counts
 * ICMP_QUOTED_SIP and is never taken as SIP; any other refused datagram
 * (unreach: a destination-unreachable error) goes up as PKT_ICMP_UNREACH,
 * so that RTP refused with "port unreachable" can be told from RTP that
 * arrived.  lost: PKT_ICMP_TOOBIG or PKT_ICMP_REASM when the error says
 * the quoted datagram was lost for its size (0 otherwise): quoting SIP,
 * it goes up as that kind; any other destination unreachable quoting SIP
 * goes up as PKT_ICMP_SIP_UNREACH with the error's type and code (ty).
 */
static void
quoted_udp(struct dctx *x, const struct l3 *outer, struct l3 *q,
    bool unreach, uint8_t lost, uint32_t mtu, const uint8_t *ty,
    struct cur *c)
{
	const uint8_t *u = cur_take(c, 8);
	struct pkt p;

	if (u == NULL)
		return;
	/* The quote may be cut anywhere: a beginning of SIP is enough. */
	if (sipframe_starts_like_sip(cur_rest(c), cur_left(c))) {
		anomaly_add(x->an, ANOMALY_ICMP_QUOTED_SIP);
		if ((lost == 0 && !unreach) || x->d->emit == NULL)
			return;
		/* Lost for its size: goes up for oversize_drop; refused:
		 * for whoever waits for its answer (the simulator). */
		pkt_base(x, q, lost != 0 ? lost : PKT_ICMP_SIP_UNREACH, be16(u),
		    be16(u + 2), &p);
		p.reporter = outer->src;
		p.icmp_mtu = mtu;
		p.icmp_type = ty[0];
		p.icmp_code = ty[1];
		p.payload = cur_rest(c);
		p.len = cur_left(c);
		x->d->emit(x->d->user, &p, x->an);
		return;
	}
	if (!unreach || x->d->emit == NULL)
		return;
	pkt_base(x, q, PKT_ICMP_UNREACH, be16(u), be16(u + 2), &p);
	p.reporter = outer->src;
	x->d->emit(x->d->user, &p, x->an);
}

/*
 * ICMP error (RFC 792): type, code, checksum, 4 unused bytes, then the
 * offending IP header and at least 8 bytes of its payload.
 */
static void
dec_icmp4(struct dctx *x, const struct l3 *l, struct cur *c)
{
	const uint8_t *h = cur_take(c, 8), *q;
	size_t qhlen;
	struct l3 ql;

	x->d->st.icmp++;
	if (h == NULL || (h[0] != 3 && h[0] != 11 && h[0] != 12))
		return;
	q = cur_peek(c, 20);
	if (q == NULL || (q[0] >> 4) != 4 || q[9] != 17)
		return;
	qhlen = (size_t)(q[0] & 0x0f) * 4;
	memset(&ql, 0, sizeof(ql));
	ql.src.family = ql.dst.family = 4;
	memcpy(ql.src.ip, q + 12, 4);
	memcpy(ql.dst.ip, q + 16, 4);
	ql.ip_len = be16(q + 2);
	ql.df = (q[6] & 0x40) != 0;
	if (qhlen < 20 || !cur_skip(c, qhlen))
		return;
	quoted_udp(x, l, &ql, h[0] == 3, h[0] == 3 && h[1] == 4 ?
	    PKT_ICMP_TOOBIG : h[0] == 11 && h[1] == 1 ? PKT_ICMP_REASM : 0,
	    h[0] == 3 && h[1] == 4 ? be16(h + 6) : 0, h, c);
}

/* ICMPv6 error (RFC 4443 section 3): the same with an IPv6 header. */
static void
dec_icmp6(struct dctx *x, const struct l3 *l, struct cur *c)
{
	const uint8_t *h = cur_take(c, 8), *q;
	uint8_t nh;
	struct l3 ql;

	x->d->st.icmp++;
	if (h == NULL || h[0] < 1 || h[0] > 4)
		return;
	q = cur_take(c, 40);
	if (q == NULL || (q[0] >> 4) != 6)
		return;
	memset(&ql, 0, sizeof(ql));
	ql.src.family = ql.dst.family = 6;
	memcpy(ql.src.ip, q + 8, 16);
	memcpy(ql.dst.ip, q + 24, 16);
	ql.ip_len = (uint32_t)be16(q + 4) + 40;
	nh = q[6];
	for (int n = 0; n < CAP_IPV6_EXT_HEADERS &&
	    (nh == 0 || nh == 43 || nh == 60); n++) {
		const uint8_t *e = cur_peek(c, 2);

		if (e == NULL || !cur_skip(c, ((size_t)e[1] + 1) * 8))
			return;
		nh = e[0];
	}
	if (nh == 17)
		quoted_udp(x, l, &ql, h[0] == 1, h[0] == 2 ? PKT_ICMP_TOOBIG :
		    h[0] == 3 && h[1] == 1 ? PKT_ICMP_REASM : 0, h[0] == 2 ?
		    ((uint32_t)be16(h + 4) << 16) | be16(h + 6) : 0, h, c);
}

/* Ethernet after a tunnel header or at the link layer. */
static void
dec_ether(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_take(c, 14);

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_LINK_TRUNCATED);
		return;
	}
	dec_ethertype(x, be16(h + 12), c);
}

/* PPP inside GRE version 1 (RFC 1661 section 2, RFC 1662 section 3). */
static void
dec_ppp(struct dctx *x, struct cur *c)
{
	const uint8_t *p = cur_peek(c, 2);
	uint16_t proto;

	if (cur_left(c) == 0)
		return;         /* acknowledgment-only GRE packet */
	if (p != NULL && p[0] == 0xff && p[1] == 0x03)
		cur_skip(c, 2);
	proto = cur_u8(c);
	if (!(proto & 1))
		proto = (uint16_t)((proto << 8) | cur_u8(c));
	if (c->err) {
		anomaly_add(x->an, ANOMALY_GRE_TRUNCATED);
		return;
	}
	if (proto == 0x0021)
		dec_ip4(x, c);
	else if (proto == 0x0057)
		dec_ip6(x, c);
}

static void
dec_erspan3(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_take(c, 12);
	uint16_t w;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_ERSPAN_TRUNCATED);
		return;
	}
	w = be16(h + 10);
	if ((w & 1) && !cur_skip(c, 8)) {
		anomaly_add(x->an, ANOMALY_ERSPAN_TRUNCATED);
		return;
	}
	switch ((w >> 10) & 0x1f) {
	case 0:
		dec_ether(x, c);
		break;
	case 2:
		dec_ip(x, c);
		break;
	default:
		anomaly_add(x->an, ANOMALY_GRE_UNSUPPORTED);
	}
}

/* GRE, drawn at the top of the file. */
static void
dec_gre(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_take(c, 4);
	uint16_t fl, proto;
	size_t opt = 0;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_GRE_TRUNCATED);
		return;
	}
	fl = be16(h);
	proto = be16(h + 2);
	if ((fl & 0x4000) || (fl & 7) > 1) {
		anomaly_add(x->an, ANOMALY_GRE_UNSUPPORTED);
		return;
	}
	if ((fl & 7) == 0) {
		opt += (fl & 0x8000) ? 4 : 0;
		opt += (fl & 0x2000) ? 4 : 0;
		opt += (fl & 0x1000) ? 4 : 0;
	} else {
		/* Enhanced GRE (PPTP): key always present, no checksum. */
		if ((fl & 0x8000) || !(fl & 0x2000) || proto != 0x880b) {
			anomaly_add(x->an, ANOMALY_GRE_UNSUPPORTED);
			return;
		}
		opt = 4;
		opt += (fl & 0x1000) ? 4 : 0;
		opt += (fl & 0x0080) ? 4 : 0;
	}
	if (!cur_skip(c, opt)) {
		anomaly_add(x->an, ANOMALY_GRE_TRUNCATED);
		return;
	}
	switch (proto) {
	case 0x6558:
		dec_ether(x, c);
		break;
	case 0x880b:
		dec_ppp(x, c);
		break;
	case 0x88be:
		/* Type II has a sequence number and a header; type I neither. */
		if ((fl & 0x1000) && !cur_skip(c, 8)) {
			anomaly_add(x->an, ANOMALY_ERSPAN_TRUNCATED);
			return;
		}
		dec_ether(x, c);
		break;
	case 0x22eb:
		dec_erspan3(x, c);
		break;
	case 0x0800:
	case 0x86dd:
	case 0x8847:
	case 0x8848:
		dec_ethertype(x, proto, c);
		break;
	default:
		anomaly_add(x->an, ANOMALY_GRE_UNSUPPORTED);
	}
}

/* Transport or tunnel after an IP layer; c holds the IP payload. */
static void
dec_l4(struct dctx *x, struct l3 *l, uint8_t proto, struct cur *c)
{
	switch (proto) {
	case 17:
		dec_udp(x, l, c);
		return;
	case 6:
		dec_tcp(x, l, c);
		return;
	case 132:
		dec_sctp(x, l, c);
		return;
	case 1:
		if (l->src.family == 4)
			dec_icmp4(x, l, c);
		return;
	case 58:
		if (l->src.family == 6)
			dec_icmp6(x, l, c);
		return;
	case 4:
	case 41:
	case 47:
		break;
	default:
		return;
	}
	if (x->depth >= CAP_ENCAP_DEPTH) {
		anomaly_add(x->an, ANOMALY_ENCAP_TOO_DEEP);
		return;
	}
	x->depth++;
	if (proto == 4)
		dec_ip4(x, c);
	else if (proto == 41)
		dec_ip6(x, c);
	else
		dec_gre(x, c);
	x->depth--;
}

/* The IPv4 layer of header h (hlen bytes of totlen) as transport sees it. */
static void
l3_ip4(struct l3 *l, const uint8_t *h, size_t hlen, size_t totlen)
{
	memset(l, 0, sizeof(*l));
	l->src.family = l->dst.family = 4;
	memcpy(l->src.ip, h + 12, 4);
	memcpy(l->dst.ip, h + 16, 4);
	l->ip_len = (uint32_t)totlen;
	l->claimed = totlen - hlen;
	l->df = (be16(h + 6) & 0x4000) != 0;
	l->ttl = h[8];
	l->id = be16(h + 4);
}

/*
 * IPv4, RFC 791 section 3.1.
 *
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 */
static void
dec_ip4(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_peek(c, 20);
	size_t hlen, totlen, avail, have;
	uint16_t ff;
	struct l3 l;
	struct cur pc;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_IP_TRUNCATED);
		return;
	}
	if ((h[0] >> 4) != 4) {
		anomaly_add(x->an, ANOMALY_IP_BAD_VERSION);
		return;
	}
	hlen = (size_t)(h[0] & 0x0f) * 4;
	totlen = be16(h + 2);
	avail = cur_left(c);
	if (hlen < 20) {
		anomaly_add(x->an, ANOMALY_IP_BAD_HLEN);
		return;
	}
	if (totlen == 0) {
		/* Segmentation offload: the capturing host never filled it. */
		anomaly_add(x->an, ANOMALY_IP_BAD_TOTLEN);
		totlen = avail < 65535 ? avail : 65535;
	}
	if (totlen < hlen) {
		anomaly_add(x->an, ANOMALY_IP_BAD_TOTLEN);
		return;
	}
	if (hlen > avail) {
		anomaly_add(x->an, ANOMALY_IP_TRUNCATED);
		return;
	}
	if (totlen > avail && !x->short_cap)
		anomaly_add(x->an, ANOMALY_IP_TOTLEN_BEYOND_DATA);
	have = (totlen < avail ? totlen : avail) - hlen;
	x->d->st.ip++;

	l3_ip4(&l, h, hlen, totlen);
	cur_init(&pc, h + hlen, have);

	ff = be16(h + 6);
	if (ff & 0x3fff) {
		struct frag_key k;
		struct frag_at at;
		const uint8_t *out;
		size_t outlen;
		uint16_t nf;

		if (have < l.claimed)
			return;         /* captured short: cannot be whole */
		memset(&k, 0, sizeof(k));
		k.family = 4;
		k.proto = h[9];
		memcpy(k.src, h + 12, 4);
		memcpy(k.dst, h + 16, 4);
		k.id = be16(h + 4);
		at.ts_ns = x->ts_ns;
		at.cap_idx = x->cap_idx;
		at.frame = x->frame;
		if (frag_table_add(x->d->ft, &k, (uint32_t)(ff & 0x1fff) * 8,
		    (ff & 0x2000) != 0, h + hlen, have, &at, &out, &outlen,
		    &nf, x->an) != 1)
			return;
		if (nf > 1)
			x->d->st.reassembled++;
		if (nf > x->nfrags)
			x->nfrags = nf;
		l.ip_len = (uint32_t)(hlen + outlen);
		l.claimed = outlen;
		cur_init(&pc, out, outlen);
	}
	dec_l4(x, &l, h[9], &pc);
}

/*
 * IPv6, RFC 8200 section 3, then the extension header chain (section 4).
 *
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                 Source Address (16 bytes)                     |
 *   |              Destination Address (16 bytes)                   |
 *
 *   extension header: | Next Header | Hdr Ext Len | ...
 *   fragment header:  | Next Header | Reserved | Offset |Res|M| Identification |
 */
static void
dec_ip6(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_peek(c, 40);
	size_t plen, avail, have, before = 40;
	uint8_t nh;
	struct l3 l;
	struct cur pc;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_IP_TRUNCATED);
		return;
	}
	if ((h[0] >> 4) != 6) {
		anomaly_add(x->an, ANOMALY_IP_BAD_VERSION);
		return;
	}
	plen = be16(h + 4);
	nh = h[6];
	avail = cur_left(c) - 40;
	if (plen == 0 && nh != 59) {
		/* Jumbogram (hop-by-hop) or offload: use what was captured. */
		if (nh != 0)
			anomaly_add(x->an, ANOMALY_IP_BAD_TOTLEN);
		plen = avail;
	}
	if (plen > avail && !x->short_cap)
		anomaly_add(x->an, ANOMALY_IP_TOTLEN_BEYOND_DATA);
	have = plen < avail ? plen : avail;
	x->d->st.ip++;

	memset(&l, 0, sizeof(l));
	l.src.family = l.dst.family = 6;
	memcpy(l.src.ip, h + 8, 16);
	memcpy(l.dst.ip, h + 24, 16);
	l.ip_len = (uint32_t)(40 + plen);
	l.ttl = h[7];
	l.claimed = plen;
	cur_init(&pc, h + 40, have);

	for (int n = 0;; n++) {
		const uint8_t *e;
		size_t elen;

		switch (nh) {
		case 0:         /* hop-by-hop options */
		case 43:        /* routing */
		case 60:        /* destination options */
		case 135:       /* mobility */
		case 51:        /* AH, RFC 4302: length in 4-byte words - 2 */
			if (n >= CAP_IPV6_EXT_HEADERS) {
				anomaly_add(x->an, ANOMALY_IPV6_EXT_TOO_MANY);
				return;
			}
			e = cur_peek(&pc, 2);
			elen = e == NULL ? 0 : nh == 51 ?
			    ((size_t)e[1] + 2) * 4 : ((size_t)e[1] + 1) * 8;
			if (e == NULL || !cur_skip(&pc, elen)) {
				anomaly_add(x->an, ANOMALY_IPV6_EXT_TRUNCATED);
				return;
			}
			nh = e[0];
			before += elen;
			l.claimed -= elen;
			break;
		case 44: {
			struct frag_key k;
			struct frag_at at;
			const uint8_t *out;
			size_t outlen;
			uint16_t nf, fo;

			if (n >= CAP_IPV6_EXT_HEADERS) {
				anomaly_add(x->an, ANOMALY_IPV6_EXT_TOO_MANY);
				return;
			}
			e = cur_take(&pc, 8);
			if (e == NULL) {
				anomaly_add(x->an, ANOMALY_IPV6_EXT_TRUNCATED);
				return;
			}
			l.claimed -= 8;
			if (cur_left(&pc) < l.claimed)
				return; /* captured short: cannot be whole */
			nh = e[0];
			fo = be16(e + 2);
			memset(&k, 0, sizeof(k));
			k.family = 6;
			k.proto = nh;
			memcpy(k.src, h + 8, 16);
			memcpy(k.dst, h + 24, 16);
			k.id = be32(e + 4);
			at.ts_ns = x->ts_ns;
			at.cap_idx = x->cap_idx;
			at.frame = x->frame;
			if (frag_table_add(x->d->ft, &k, fo & 0xfff8, fo & 1,
			    cur_rest(&pc), cur_left(&pc), &at, &out,
			    &outlen, &nf, x->an) != 1)
				return;
			if (nf > 1)
				x->d->st.reassembled++;
			if (nf > x->nfrags)
				x->nfrags = nf;
			l.ip_len = (uint32_t)(before + outlen);
			l.claimed = outlen;
			cur_init(&pc, out, outlen);
			break;
		}
		case 59:        /* no next header */
			return;
		default:
			dec_l4(x, &l, nh, &pc);
			return;
		}
	}
}

/* IP of either version, told by the first nibble (raw IP links). */
static void
dec_ip(struct dctx *x, struct cur *c)
{
	const uint8_t *v = cur_peek(c, 1);

	if (v == NULL) {
		anomaly_add(x->an, ANOMALY_IP_TRUNCATED);
		return;
	}
	if ((v[0] >> 4) == 4)
		dec_ip4(x, c);
	else if ((v[0] >> 4) == 6)
		dec_ip6(x, c);
	else
		anomaly_add(x->an, ANOMALY_IP_BAD_VERSION);
}

/*
 * MPLS label stack (RFC 3032): 4-byte entries, S bit ends the stack.  The
 * payload type is not signalled; the first nibble tells IPv4, IPv6 or a
 * pseudowire control word (RFC 4385) in front of an Ethernet frame.
 */
static void
dec_mpls(struct dctx *x, struct cur *c)
{
	const uint8_t *l, *v;

	for (int n = 0;; n++) {
		if (n >= CAP_ENCAP_DEPTH) {
			anomaly_add(x->an, ANOMALY_ENCAP_TOO_DEEP);
			return;
		}
		l = cur_take(c, 4);
		if (l == NULL) {
			anomaly_add(x->an, ANOMALY_LINK_TRUNCATED);
			return;
		}
		if (l[2] & 0x01)
			break;
	}
	v = cur_peek(c, 1);
	if (v == NULL) {
		anomaly_add(x->an, ANOMALY_LINK_TRUNCATED);
		return;
	}
	switch (v[0] >> 4) {
	case 4:
		dec_ip4(x, c);
		break;
	case 6:
		dec_ip6(x, c);
		break;
	case 0:
		cur_skip(c, 4);
		dec_ether(x, c);
		break;
	default:
		anomaly_add(x->an, ANOMALY_ETHERTYPE_UNSUPPORTED);
	}
}

/* PPPoE session stage (RFC 2516): 6-byte header, then PPP protocol. */
static void
dec_pppoe(struct dctx *x, struct cur *c)
{
	const uint8_t *h = cur_take(c, 8);
	size_t n;
	struct cur pc;
	uint16_t proto;

	if (h == NULL) {
		anomaly_add(x->an, ANOMALY_LINK_TRUNCATED);
		return;
	}
	/* The length covers the PPP protocol field and the payload. */
	n = be16(h + 4);
	n = n >= 2 ? n - 2 : 0;
	if (n > cur_left(c))
		n = cur_left(c);
	cur_init(&pc, cur_rest(c), n);
	proto = be16(h + 6);
	if (proto == 0x0021)
		dec_ip4(x, &pc);
	else if (proto == 0x0057)
		dec_ip6(x, &pc);
}

/*
 * Dispatch on an ethertype, after peeling VLAN tags (802.1Q 0x8100,
 * 802.1ad 0x88a8, pre-standard QinQ 0x9100):
 *   | TPID (already read as type) | PCP DEI VID | inner ethertype |
 */
static void
dec_ethertype(struct dctx *x, uint16_t type, struct cur *c)
{
	for (int vlans = 0; type == 0x8100 || type == 0x88a8 ||
	    type == 0x9100; vlans++) {
		const uint8_t *t;

		if (vlans >= CAP_VLAN_DEPTH) {
			anomaly_add(x->an, ANOMALY_VLAN_TOO_DEEP);
			return;
		}
		t = cur_take(c, 4);
		if (t == NULL) {
			anomaly_add(x->an, ANOMALY_LINK_TRUNCATED);
			return;
		}
		type = be16(t + 2);
	}
	switch (type) {
	case 0x0800:
		dec_ip4(x, c);
		return;
	case 0x86dd:
		dec_ip6(x, c);
		return;
	case 0x8847:
	case 0x8848:
		dec_mpls(x, c);
		return;
	case 0x8864:
		dec_pppoe(x, c);
		return;
	case 0x0806:    /* ARP */
	case 0x8035:    /* RARP */
	case 0x8809:    /* LACP and other slow protocols */
	case 0x8863:    /* PPPoE discovery */
	case 0x888e:    /* 802.1X */
	case 0x88cc:    /* LLDP */
	case 0x88f7:    /* PTP */
	case 0x9000:    /* Ethernet loopback */
		return;
	default:
		/* Below 0x0600 it is an 802.3 length (LLC), or SLL's codes. */
		if (type >= 0x0600)
			anomaly_add(x->an, ANOMALY_ETHERTYPE_UNSUPPORTED);
	}
}

/* BSD address family of DLT_NULL / DLT_LOOP. */
static void
dec_family(struct dctx *x, uint32_t af, struct cur *c)
{
	switch (af) {
	case 2:
		dec_ip4(x, c);
		break;
	case 10:
	case 24:
	case 28:
	case 30:
		dec_ip6(x, c);
		break;
	default:
		anomaly_add(x->an, ANOMALY_ETHERTYPE_UNSUPPORTED);
	}
}

/*
 * The frame most captures are made of, Ethernet, IPv4 without options
 * and not a fragment, UDP with a length within the IP payload and an IP
 * total length within the captured bytes, in one step: what the layers
 * above would do for it (no anomaly is possible; the pkt is the one
 * dec_udp would emit), without their cursors, checks and context, into
 * d->udp.  Returns false, having done nothing, for any other frame.
 */
static bool
ether_ip4_udp(struct decoder *d, uint32_t cap_idx, uint64_t frame,
    int64_t ts_ns, const uint8_t *data, size_t caplen, struct anomalies *an)
{
	const uint8_t *h = data + 14, *u = h + 20;
	size_t totlen, ulen, have;
	uint16_t ff;
	struct pkt *p = &d->udp;

	if (caplen < 14 + 20 + 8 || be16(data + 12) != 0x0800 ||
	    h[0] != 0x45 || h[9] != 17)
		return false;
	totlen = be16(h + 2);
	ff = be16(h + 6);
	ulen = be16(u + 4);
	if (totlen < 20 + 8 || totlen > caplen - 14 || (ff & 0x3fff) != 0 ||
	    ulen < 8 || ulen > totlen - 20)
		return false;
	d->st.ip++;
	d->st.udp++;
	have = totlen - 20 - 8;
	if (ulen - 8 < have)
		have = ulen - 8;
	p->cap_idx = cap_idx;
	p->frame = frame;
	p->ts_ns = ts_ns;
	memcpy(p->src.ip, h + 12, 4);
	memcpy(p->dst.ip, h + 16, 4);
	p->src.port = be16(u);
	p->dst.port = be16(u + 2);
	p->payload = u + 8;
	p->len = have;
	p->ip_len = (uint32_t)totlen;
	p->ip_df = (ff & 0x4000) != 0;
	p->ip_ttl = h[8];
	p->ip_id = be16(h + 4);
	if (d->emit != NULL)
		d->emit(d->user, p, an);
	return true;
}

/* Every frame the fast path does not take, through the layers. */
static __attribute__((noinline)) void
frame_layers(struct decoder *d, int linktype, uint32_t cap_idx,
    uint64_t frame, int64_t ts_ns, const uint8_t *data, size_t caplen,
    size_t wirelen, struct anomalies *an)
{
	struct dctx x;
	struct cur c;
	const uint8_t *h;
	uint32_t af;

	memset(&x, 0, sizeof(x));
	x.d = d;
	x.an = an;
	x.cap_idx = cap_idx;
	x.frame = frame;
	x.ts_ns = ts_ns;
	x.short_cap = caplen < wirelen;
	cur_init(&c, data, caplen);

	switch (linktype) {
	case LINK_EN10MB:
		dec_ether(&x, &c);
		return;
	case LINK_SLL:
	case LINK_SLL2:
		h = cur_take(&c, linktype == LINK_SLL ? 16 : 20);
		if (h == NULL) {
			anomaly_add(an, ANOMALY_LINK_TRUNCATED);
			return;
		}
		dec_ethertype(&x, be16(linktype == LINK_SLL ? h + 14 : h), &c);
		return;
	case LINK_RAW_A:
	case LINK_RAW_B:
	case LINK_RAW:
		dec_ip(&x, &c);
		return;
	case LINK_IPV4:
		dec_ip4(&x, &c);
		return;
	case LINK_IPV6:
		dec_ip6(&x, &c);
		return;
	case LINK_NULL:
	case LINK_LOOP:
		h = cur_take(&c, 4);
		if (h == NULL) {
			anomaly_add(an, ANOMALY_LINK_TRUNCATED);
			return;
		}
		af = be32(h);
		/* NULL is in the capturing host's order: try both. */
		if (linktype == LINK_NULL && af > 0xffff)
			af = (uint32_t)h[0] | (uint32_t)h[1] << 8 |
			    (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
		dec_family(&x, af, &c);
		return;
	default:
		anomaly_add(an, ANOMALY_LINK_UNSUPPORTED);
	}
}

void
decoder_frame(struct decoder *d, int linktype, uint32_t cap_idx,
    uint64_t frame, int64_t ts_ns, const uint8_t *data, size_t caplen,
    size_t wirelen, struct anomalies *an)
{
	d->st.frames++;
	if (linktype != LINK_EN10MB ||
	    !ether_ip4_udp(d, cap_idx, frame, ts_ns, data, caplen, an))
		frame_layers(d, linktype, cap_idx, frame, ts_ns, data, caplen,
		    wirelen, an);
}
