/*
 * ingest.c - capture -> decode -> reassembly -> framing, one stage that
 * every program uses (ingest.h).
 *
 *   capture_set ─frames─▶ decoder ─UDP/SCTP─▶ keepalive? ─▶ on_keepalive
 *                           │               SIP?  ─▶ sipframe_datagram ─▶ on_sip
 *                           │               UDP: STUN? ─▶ on_keepalive, else on_media
 *                           ├─TCP──▶ tcp_framer (tcpstream ▶ SIP | WebSocket | TLS)
 *                           │          ─▶ on_sip, on_keepalive (CRLFs)
 *                           └─ICMP unreachable─▶ on_unreach
 *   (every UDP, TCP and SCTP payload also goes to on_packet first)
 *
 * Datagrams (UDP payloads and SCTP user messages) are told apart in this
 * order.  A keepalive is a payload of CR and LF only (RFC 5626 §3.5.1), or
 * one of at most KEEPALIVE_MAX bytes that are all spaces, tabs or NULs:
 * many phones send those instead (four NULs; five spaces in
 * irontec_sngrep__aaa.pcap).  SIP is a datagram that starts with a SIP
 * start line after leading CRLFs (sipframe_looks_like_sip(), the
 * project's one recogniser), framed by sipframe_datagram() (both in one
 * reading of the start line: sipframe_datagram_sip()); one that does
 * not frame (no end of headers, a cap) is dropped with its anomaly.  A
 * STUN message (RFC 5389 §6) in UDP is a keepalive too (RFC 5626 §3.5.2);
 * any other UDP payload is media.  SCTP that is not SIP is nothing here.
 *
 * Over TCP the framer reports the CRLFs between SIP messages as
 * keepalives and delivers each framed message with the segment that
 * completed it; over WebSocket each SIP message is framed as a datagram.
 * With tcp_segments_only nothing of this runs for TCP: the segments go to
 * on_packet as carried and no further.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "ingest/decode.h"
#include "ingest/ingest.h"
#include "ingest/tcpframe.h"

/* Blank or NUL keepalives longer than this are not taken for keepalives. */
#define KEEPALIVE_MAX 16

/* The STUN magic cookie (RFC 5389 §6). */
#define STUN_COOKIE 0x2112a442u

struct ingest {
	struct ingest_cb cb;
	struct ingest_opts o;
	struct capture_set *cs;
	struct decoder *dec;
	struct tcp_framer *tcp;   /* NULL with tcp_segments_only */
	struct capture_frame f;   /* the peeked frame, when have */
	uint32_t ifnum;           /* the frame being decoded's, 0 between frames */
	bool have;
	bool datagrams;           /* someone wants on_sip, on_media or on_keepalive */
};

/*
 * A STUN message: the two top bits 0, a length that is a multiple of 4
 * and covers the rest of the datagram after the 20-byte header, and the
 * magic cookie.  (RFC 3489 STUN has no cookie and is not recognised.)
 */
static bool
is_stun(const uint8_t *p, size_t len)
{
	struct cur c;
	uint16_t type, mlen;
	uint32_t cookie;

	/* RTP and RTCP (version 2: 0x80-0xbf) fail on the first byte. */
	if (len < 20 || (p[0] & 0xc0) != 0)
		return false;
	cur_init(&c, p, len);
	type = cur_be16(&c);
	mlen = cur_be16(&c);
	cookie = cur_be32(&c);
	return !c.err && (type & 0xc000) == 0 && (mlen & 3) == 0 &&
	    (size_t)mlen + 20 == len && cookie == STUN_COOKIE;
}

/* UDP payloads and SCTP user messages but media (datagram). */
static __attribute__((noinline)) void
datagram_rest(struct ingest *in, const struct pkt *p, struct anomalies *an)
{
	enum ingest_keepalive kind = INGEST_KA_CRLF;
	struct sipframe_lines lines;
	struct sipframe_msg m;
	enum sipframe_rc rc;
	size_t off = 0, msg_len, body_off;

	while (off < p->len && (p->payload[off] == '\r' ||
	    p->payload[off] == '\n'))
		off++;
	if (off == 0 && p->len > 0 && p->len <= KEEPALIVE_MAX) {
		size_t k = 0;

		while (k < p->len && (p->payload[k] == ' ' ||
		    p->payload[k] == '\t' || p->payload[k] == '\0'))
			k++;
		if (k == p->len) {
			off = k;
			kind = INGEST_KA_BLANK;
		}
	}
	if (off > 0 && off == p->len) {
		if (in->cb.on_keepalive != NULL)
			in->cb.on_keepalive(in->cb.user, p, kind, an);
		return;
	}
	/*
	 * Recognised and framed with one reading of the start line; the
	 * line ends found go with the message, for the parse.
	 */
	if (!sipframe_datagram_sip(p->payload + off, p->len - off, &rc,
	    &msg_len, &body_off, &lines, an)) {
		if (p->l4 != PKT_UDP)
			return;
		if (is_stun(p->payload, p->len)) {
			if (in->cb.on_keepalive != NULL)
				in->cb.on_keepalive(in->cb.user, p,
				    INGEST_KA_STUN, an);
		} else if (in->cb.on_media != NULL) {
			in->cb.on_media(in->cb.user, p, an);
		}
		return;
	}
	if (rc != SIPFRAME_OK || in->cb.on_sip == NULL)
		return;
	m.p = p;
	m.first_frame = p->frame;
	m.msg = p->payload + off;
	m.len = msg_len;
	m.body_off = body_off;
	m.carried = p->len - off;
	m.lines = &lines;
	in->cb.on_sip(in->cb.user, &m, an);
}

/* UDP payloads and SCTP user messages. */
static inline void
datagram(struct ingest *in, const struct pkt *p, struct anomalies *an)
{
	/*
	 * Most datagrams are RTP or RTCP, whose first byte (version 2:
	 * 0x80-0xbf) is none of CR, LF, a blank, a SIP token character or
	 * a STUN type: media at once (the rules of datagram_rest would say
	 * the same).
	 */
	if (p->len > 0 && p->payload[0] >= 0x80) {
		if (p->l4 == PKT_UDP && in->cb.on_media != NULL)
			in->cb.on_media(in->cb.user, p, an);
		return;
	}
	datagram_rest(in, p, an);
}

/* ingest_packet's work, inline in decoded (once per packet decoded). */
static inline void
packet(struct ingest *in, const struct pkt *p, struct anomalies *an)
{
	/* UDP, the commonest, first (the switch tests ranges before it) */
	if (p->l4 == PKT_UDP) {
		if (in->cb.on_packet != NULL)
			in->cb.on_packet(in->cb.user, p, an);
		if (in->datagrams)
			datagram(in, p, an);
		return;
	}
	switch (p->l4) {
	case PKT_SCTP:
		if (in->cb.on_packet != NULL)
			in->cb.on_packet(in->cb.user, p, an);
		if (in->datagrams)
			datagram(in, p, an);
		break;
	case PKT_TCP:
		if (in->cb.on_packet != NULL)
			in->cb.on_packet(in->cb.user, p, an);
		tcp_framer_segment(in->tcp, p, an);
		break;
	case PKT_ICMP_UNREACH:
	case PKT_ICMP_TOOBIG:
	case PKT_FRAG_LOST:
	case PKT_ICMP_REASM:
	case PKT_ICMP_SIP_UNREACH:
		if (in->cb.on_unreach != NULL)
			in->cb.on_unreach(in->cb.user, p, an);
		break;
	default:
		if (in->cb.on_packet != NULL)
			in->cb.on_packet(in->cb.user, p, an);
		break;
	}
}

void
ingest_packet(struct ingest *in, const struct pkt *p, struct anomalies *an)
{
	if (in != NULL)
		packet(in, p, an);
}

/* ---- what the TCP framer found ---- */

static void
tcp_msg(void *user, const struct sipframe_msg *m, struct anomalies *an)
{
	struct ingest *in = user;

	if (in->cb.on_sip != NULL)
		in->cb.on_sip(in->cb.user, m, an);
}

static void
tcp_keepalive(void *user, const struct pkt *p, size_t n, struct anomalies *an)
{
	struct ingest *in = user;

	(void)n;
	if (in->cb.on_keepalive != NULL)
		in->cb.on_keepalive(in->cb.user, p, INGEST_KA_CRLF, an);
}

/*
 * What the decoder emits, stamped with the interface of the frame being
 * decoded (0 for what it gives up between frames: fragments).  The
 * copy is the pkt every event of this packet carries.
 */
static void
decoded(void *user, const struct pkt *p, struct anomalies *an)
{
	struct ingest *in = user;
	struct pkt q;

	if (in->ifnum != 0 || p->ifnum != 0) {
		q = *p;
		q.ifnum = in->ifnum;
		p = &q;
	}
	packet(in, p, an);
}

/* ---- life cycle ---- */

struct ingest *
ingest_new(const struct ingest_opts *o, const struct ingest_cb *cb)
{
	struct ingest *in = calloc(1, sizeof(*in));
	struct tcp_framer_cb tcb = { tcp_msg, tcp_keepalive, NULL };

	if (in == NULL)
		return NULL;
	in->cb = *cb;
	if (o != NULL)
		in->o = *o;
	in->datagrams = cb->on_sip != NULL || cb->on_media != NULL ||
	    cb->on_keepalive != NULL;
	tcb.user = in;
	in->cs = capture_set_new();
	in->dec = decoder_new(decoded, in);
	if (in->dec != NULL)
		decoder_keep_pure_acks(in->dec, in->o.tcp_pure_acks);
	if (!in->o.tcp_segments_only)
		in->tcp = tcp_framer_new(&tcb);
	if (in->cs == NULL || in->dec == NULL ||
	    (!in->o.tcp_segments_only && in->tcp == NULL)) {
		ingest_free(in);
		return NULL;
	}
	return in;
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	tcp_framer_free(in->tcp);
	decoder_free(in->dec);
	capture_set_free(in->cs);
	free(in);
}

int
ingest_add_file(struct ingest *in, const char *path, char *err,
    size_t errlen)
{
	if (in == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return capture_set_add(in->cs, path, err, errlen);
}

struct capture_set *
ingest_captures(struct ingest *in)
{
	return in->cs;
}

const struct capture_frame *
ingest_peek(struct ingest *in)
{
	if (in == NULL)
		return NULL;
	if (!in->have)
		in->have = capture_set_next(in->cs, &in->f) == 1;
	return in->have ? &in->f : NULL;
}

const struct capture_frame *
ingest_next(struct ingest *in, struct anomalies *an)
{
	const struct capture_frame *f;

	if (in == NULL || (!in->have && ingest_peek(in) == NULL))
		return NULL;
	f = &in->f;
	/* f stays valid until the next capture_set_next(). */
	in->have = false;
	if (an == NULL)
		an = &capture_set_info(in->cs, f->cap_idx)->an;
	in->ifnum = f->ifnum;
	decoder_frame(in->dec, f->linktype, f->cap_idx, f->frame, f->ts_ns,
	    f->data, f->caplen, f->wirelen, an);
	in->ifnum = 0;
	return f;
}

void
ingest_expire(struct ingest *in, int64_t now_ns, struct anomalies *an)
{
	if (in == NULL)
		return;
	tcp_framer_expire(in->tcp, now_ns, an);
	decoder_expire(in->dec, now_ns, an);
}

void
ingest_flush(struct ingest *in, struct anomalies *an)
{
	if (in == NULL)
		return;
	decoder_flush(in->dec, an);
	tcp_framer_expire(in->tcp, INT64_MAX, an);
}

size_t
ingest_tcp_flows(const struct ingest *in)
{
	return in != NULL ? tcp_framer_flows(in->tcp) : 0;
}
