/*
 * pcapw.c - builds Ethernet/IP/UDP|TCP frames and writes them with
 * libpcap's dump interface (pcap_open_dead + pcap_dump_fopen, pcap_dump):
 *
 *   pcap file header (24 bytes, nanosecond magic, LINKTYPE_ETHERNET)
 *   per packet: record header (16 bytes) then the frame
 *
 *   +----------------+-------------------+-------------+---------+
 *   | Ethernet 14 B  | IPv4 20 B / v6 40 | UDP 8/TCP 20| payload |
 *   +----------------+-------------------+-------------+---------+
 *
 * Lengths come from the payload actually written; checksums are computed
 * over the pseudo-header (RFC 768, 793, 8200 section 8.1).  Frames are
 * assembled in a local buffer byte by byte (no struct overlays).  The
 * file's headers are libpcap's (host order, the nanosecond magic of a
 * dead handle opened with PCAP_TSTAMP_PRECISION_NANO, whose pcap_dump
 * takes tv_usec as nanoseconds).
 *
 * pcapw_open_ng() writes pcapng instead (host byte order; pcapng draft,
 * section 4): a Section Header Block, one Interface Description Block
 * naming the interface (if_name), the capture filter the caller gives
 * (if_filter: its type byte, then the expression; left out when none is
 * known) and nanosecond stamps (if_tsresol 9), then one Enhanced Packet
 * Block per frame:
 *
 *   +------+-----+--------+---------+----------+---------+-------+------+
 *   | type | len | if id  | ts high | ts low   | caplen  | data, | len  |
 *   | 6    |     | 0      | (ns)    | (ns)     | origlen | pad 4 |      |
 *   +------+-----+--------+---------+----------+---------+-------+------+
 *
 * pcapw_open() writes to a temporary file beside the name and
 * pcapw_close() renames it into place only when every write succeeded
 * (outfile.h): a failed or interrupted run never leaves a truncated pcap
 * under the name, nor destroys the file that was there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pcapw.h"
#include "base/caps.h"
#include "base/outfile.h"
#include "ingest/pkt.h"

#define PCAPW_MAX_FRAME (14 + 40 + 20 + 65535)

struct pcapw {
	FILE *f;
	pcap_t *dead;             /* the link type and precision, no capture */
	pcap_dumper_t *d;         /* libpcap's writer on f */
	int own;
	int err;
	bool ng;                  /* pcapng (pcapw_open_ng), not libpcap's dumper */
	struct outfile out;       /* when own: the file being replaced */
	uint16_t ip_id;
	/* pcapw_set_ip: the next packet's TTL, identification and DF */
	bool ip_set;
	uint8_t ip_ttl_next;
	uint16_t ip_id_next;
	bool ip_df_next;
	uint64_t count;
	uint8_t buf[PCAPW_MAX_FRAME];
};

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

uint16_t
pcapw_cksum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct pcapw *
pcapw_fdopen(FILE *f)
{
	struct pcapw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->f = f;
	w->ip_id = 1;
	/* pcap_dump_fopen writes the file header */
	if ((w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144,
	    PCAP_TSTAMP_PRECISION_NANO)) == NULL ||
	    (w->d = pcap_dump_fopen(w->dead, f)) == NULL) {
		if (w->dead != NULL)
			pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

/* Starts an output file: its temporary copy, opened for writing (renamed
 * into place by pcapw_close). NULL with err set when that fails. */
static FILE *
open_out(struct outfile *out, const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (outfile_begin(out, path, err, errlen) != 0)
		return NULL;
	if ((f = fopen(out->write_path, "wb")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		outfile_abort(out);
	}
	return f;
}

struct pcapw *
pcapw_open(const char *path, char *err, size_t errlen)
{
	struct outfile out;
	struct pcapw *w;
	FILE *f;

	if ((f = open_out(&out, path, err, errlen)) == NULL)
		return NULL;
	if ((w = pcapw_fdopen(f)) == NULL) {
		fclose(f);
		outfile_abort(&out);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->own = 1;
	w->out = out;
	return w;
}

static void
ng_u32(FILE *f, uint32_t v)
{
	(void)fwrite(&v, 4, 1, f);
}

static void
ng_u16(FILE *f, uint16_t v)
{
	(void)fwrite(&v, 2, 1, f);
}

/* One option: code, length, value, zero padding to 32 bits. */
static void
ng_opt(FILE *f, uint16_t code, const void *v, size_t len)
{
	static const uint8_t zero[4];

	ng_u16(f, code);
	ng_u16(f, (uint16_t)len);
	if (len > 0)
		(void)fwrite(v, 1, len, f);
	(void)fwrite(zero, 1, (4 - len % 4) % 4, f);
}

struct pcapw *
pcapw_open_ng(const char *path, const char *ifname, int filter_type,
    const char *filter, char *err, size_t errlen)
{
	struct outfile out;
	struct pcapw *w;
	FILE *f;
	size_t nl = strlen(ifname) > 64 ? 64 : strlen(ifname);
	size_t fl = filter_type < 0 || filter == NULL ? 0 :
	    strlen(filter) > CAP_IFFILTER ? CAP_IFFILTER + 1 :
	    strlen(filter) + 1;
	uint32_t idb_len = 16 + 4 + (uint32_t)((nl + 3) & ~(size_t)3) +
	    (fl > 0 ? 4 + (uint32_t)((fl + 3) & ~(size_t)3) : 0) +
	    4 + 4 + 4 + 4;  /* if_name, if_filter, if_tsresol, end, length */
	uint8_t filt[CAP_IFFILTER + 1], res = 9;

	if ((f = open_out(&out, path, err, errlen)) == NULL)
		return NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		fclose(f);
		outfile_abort(&out);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->f = f;
	w->ip_id = 1;
	w->ng = true;
	w->own = 1;
	w->out = out;
	/* Section Header Block: no options, section length unknown */
	ng_u32(f, 0x0A0D0D0A);
	ng_u32(f, 28);
	ng_u32(f, 0x1A2B3C4D);
	ng_u16(f, 1);
	ng_u16(f, 0);
	ng_u32(f, 0xffffffff);
	ng_u32(f, 0xffffffff);
	ng_u32(f, 28);
	/* Interface Description Block: Ethernet */
	ng_u32(f, 1);
	ng_u32(f, idb_len);
	ng_u16(f, 1);
	ng_u16(f, 0);
	ng_u32(f, 262144);
	ng_opt(f, 2, ifname, nl);
	if (fl > 0) {
		filt[0] = (uint8_t)filter_type;
		memcpy(filt + 1, filter, fl - 1);
		ng_opt(f, 11, filt, fl);
	}
	ng_opt(f, 9, &res, 1);
	ng_opt(f, 0, NULL, 0);
	ng_u32(f, idb_len);
	if (ferror(f))
		w->err = 1;
	return w;
}

/* Sum of the pseudo-header for proto and an upper-layer length. */
static uint32_t
pseudo_sum(const struct ep *src, const struct ep *dst, uint8_t proto,
    size_t l4len)
{
	uint32_t sum = 0;
	int n = src->family == 6 ? 16 : 4, i;

	for (i = 0; i < n; i += 2) {
		sum += (uint32_t)((src->ip[i] << 8) | src->ip[i + 1]);
		sum += (uint32_t)((dst->ip[i] << 8) | dst->ip[i + 1]);
	}
	sum += proto;
	sum += (uint32_t)(l4len & 0xffff);
	sum += (uint32_t)(l4len >> 16);
	return sum;
}

/* Builds Ethernet + IP headers for an l4len-byte upper layer; returns the
 * offset of the upper layer, or 0 when too big. */
static size_t
ip_headers(struct pcapw *w, const struct ep *src, const struct ep *dst,
    uint8_t proto, size_t l4len)
{
	static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *b = w->buf;

	memcpy(b, mac_dst, 6);
	memcpy(b + 6, mac_src, 6);
	if (src->family == 6) {
		w->ip_set = false;
		if (l4len > 65535)
			return 0;
		put16(b + 12, 0x86dd);
		b += 14;
		put32(b, 0x60000000u);
		put16(b + 4, (uint16_t)l4len);
		b[6] = proto;
		b[7] = 64;
		memcpy(b + 8, src->ip, 16);
		memcpy(b + 24, dst->ip, 16);
		return 14 + 40;
	}
	if (l4len + 20 > 65535)
		return 0;
	put16(b + 12, 0x0800);
	b += 14;
	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, (uint16_t)(20 + l4len));
	if (w->ip_set) {
		put16(b + 4, w->ip_id_next);
		put16(b + 6, w->ip_df_next ? 0x4000 : 0);
		b[8] = w->ip_ttl_next;
		w->ip_set = false;
	} else {
		put16(b + 4, w->ip_id++);
		put16(b + 6, 0x4000);       /* DF */
		b[8] = 64;
	}
	b[9] = proto;
	put16(b + 10, 0);
	memcpy(b + 12, src->ip, 4);
	memcpy(b + 16, dst->ip, 4);
	put16(b + 10, pcapw_cksum(b, 20, 0));
	return 14 + 20;
}

/* pcap_dump reports nothing: a write error shows on the stream. */
static int
write_frame(struct pcapw *w, int64_t ts_ns, size_t len)
{
	struct pcap_pkthdr h;

	if (ts_ns < 0)
		ts_ns = 0;
	if (w->ng) {
		static const uint8_t zero[4];
		uint32_t blen = 32 + (uint32_t)((len + 3) & ~(size_t)3);

		ng_u32(w->f, 6);
		ng_u32(w->f, blen);
		ng_u32(w->f, 0);
		ng_u32(w->f, (uint32_t)((uint64_t)ts_ns >> 32));
		ng_u32(w->f, (uint32_t)(uint64_t)ts_ns);
		ng_u32(w->f, (uint32_t)len);
		ng_u32(w->f, (uint32_t)len);
		(void)fwrite(w->buf, 1, len, w->f);
		(void)fwrite(zero, 1, (4 - len % 4) % 4, w->f);
		ng_u32(w->f, blen);
		if (ferror(w->f)) {
			w->err = 1;
			return -1;
		}
		w->count++;
		return 0;
	}
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000LL);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000LL);   /* nanoseconds */
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->d, &h, w->buf);
	if (ferror(w->f)) {
		w->err = 1;
		return -1;
	}
	w->count++;
	return 0;
}

/* Builds one UDP datagram in w->buf; returns the frame length, 0 when
 * it cannot be built. */
static size_t
build_udp(struct pcapw *w, const struct ep *src, const struct ep *dst,
    const uint8_t *payload, size_t len)
{
	size_t off, l4 = 8 + len;
	uint8_t *u;
	uint16_t ck;

	if (src->family != dst->family || src->family == 0 ||
	    (off = ip_headers(w, src, dst, 17, l4)) == 0)
		return 0;
	u = w->buf + off;
	put16(u, src->port);
	put16(u + 2, dst->port);
	put16(u + 4, (uint16_t)l4);
	put16(u + 6, 0);
	if (len > 0)
		memcpy(u + 8, payload, len);
	ck = pcapw_cksum(u, l4, pseudo_sum(src, dst, 17, l4));
	put16(u + 6, ck == 0 ? 0xffff : ck);
	return off + l4;
}

int
pcapw_udp(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const uint8_t *payload, size_t len)
{
	size_t n = build_udp(w, src, dst, payload, len);

	return n == 0 ? -1 : write_frame(w, ts_ns, n);
}

/*
 * RFC 791 fragmentation: the datagram built in w->buf is cut into pieces
 * of at most mtu bytes of IP, each carrying a multiple of 8 bytes of the
 * UDP datagram except the last, all with one identification, More
 * Fragments on all but the last, DF clear.
 */
int
pcapw_udp_frag(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const uint8_t *payload, size_t len, unsigned mtu)
{
	size_t n = build_udp(w, src, dst, payload, len), l4, chunk, done;
	uint8_t *copy, hdr[20];
	uint16_t id;
	int rc = 0;

	if (n == 0)
		return -1;
	if (src->family != 4 || mtu < 28 || n - 14 <= mtu)
		return write_frame(w, ts_ns, n);
	l4 = n - 14 - 20;
	if ((copy = malloc(l4)) == NULL)
		return -1;
	memcpy(copy, w->buf + 14 + 20, l4);
	memcpy(hdr, w->buf + 14, 20);
	id = (uint16_t)((hdr[4] << 8) | hdr[5]);   /* the one ip_headers wrote */
	chunk = ((size_t)mtu - 20) & ~(size_t)7;
	for (done = 0; done < l4 && rc == 0; done += chunk) {
		size_t part = l4 - done < chunk ? l4 - done : chunk;
		uint8_t *b = w->buf + 14;

		memcpy(b, hdr, 20);
		put16(b + 2, (uint16_t)(20 + part));
		put16(b + 4, id);
		put16(b + 6, (uint16_t)((done / 8) |
		    (done + part < l4 ? 0x2000 : 0)));
		put16(b + 10, 0);
		put16(b + 10, pcapw_cksum(b, 20, 0));
		memcpy(b + 20, copy + done, part);
		rc = write_frame(w, ts_ns, 14 + 20 + part);
	}
	free(copy);
	return rc;
}

int
pcapw_tcp(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, uint32_t seq, uint32_t ack, uint8_t flags,
    const uint8_t *payload, size_t len)
{
	size_t off, l4 = 20 + len;
	uint8_t *t;

	if (src->family != dst->family || src->family == 0 ||
	    (off = ip_headers(w, src, dst, 6, l4)) == 0)
		return -1;
	t = w->buf + off;
	put16(t, src->port);
	put16(t + 2, dst->port);
	put32(t + 4, seq);
	put32(t + 8, (flags & PKT_TCP_ACK) ? ack : 0);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (len > 0)
		memcpy(t + 20, payload, len);
	put16(t + 16, pcapw_cksum(t, l4, pseudo_sum(src, dst, 6, l4)));
	return write_frame(w, ts_ns, off + l4);
}

int
pcapw_tcp_fwd(struct pcapw *w, int64_t ts_ns, const struct ep *src,
    const struct ep *dst, const struct pcapw_tcph *h, const uint8_t *payload,
    size_t len)
{
	size_t off, hl = 20 + h->optlen, l4 = hl + len;
	uint8_t *t;

	if (h->optlen > 40 || h->optlen % 4 != 0 || (h->optlen > 0 &&
	    h->opt == NULL) || src->family != dst->family ||
	    src->family == 0 || (off = ip_headers(w, src, dst, 6, l4)) == 0)
		return -1;
	t = w->buf + off;
	put16(t, src->port);
	put16(t + 2, dst->port);
	put32(t + 4, h->seq);
	put32(t + 8, h->ack);
	t[12] = (uint8_t)((hl / 4) << 4 | (h->x2 & 0x0f));
	t[13] = h->flags;
	put16(t + 14, h->win);
	put16(t + 16, 0);
	put16(t + 18, h->urp);
	if (h->optlen > 0)
		memcpy(t + 20, h->opt, h->optlen);
	if (len > 0)
		memcpy(t + hl, payload, len);
	put16(t + 16, pcapw_cksum(t, l4, pseudo_sum(src, dst, 6, l4)));
	return write_frame(w, ts_ns, off + l4);
}

void
pcapw_set_ip(struct pcapw *w, uint8_t ttl, uint16_t id, bool df)
{
	w->ip_set = true;
	w->ip_ttl_next = ttl;
	w->ip_id_next = id;
	w->ip_df_next = df;
}

uint64_t
pcapw_count(const struct pcapw *w)
{
	return w->count;
}

int
pcapw_close(struct pcapw *w)
{
	int rc;

	if (w == NULL)
		return 0;
	if ((w->ng ? fflush(w->f) != 0 : pcap_dump_flush(w->d) != 0) ||
	    ferror(w->f))
		w->err = 1;
	/*
	 * The dumper is the stream (libpcap's pcap_dump_close is its
	 * fclose): closed below when ours, left open for pcapw_fdopen's
	 * caller; fclose's own result counts.
	 */
	if (w->dead != NULL)
		pcap_close(w->dead);
	if (w->own) {
		char e[200];

		if (fclose(w->f) != 0)
			w->err = 1;
		if (w->err)
			outfile_abort(&w->out);
		else if (outfile_commit(&w->out, e, sizeof(e)) != 0)
			w->err = 1;
	}
	rc = w->err ? -1 : 0;
	free(w);
	return rc;
}
