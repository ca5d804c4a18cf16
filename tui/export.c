/*
 * export.c - CSV of the call list and pcap of selected dialogs (export.h).
 *
 * The pcap is written the simplest honest way: the analysis keeps, for
 * every message, the capture index and frame number it came from (and the
 * frames of its retransmissions); streams keep their endpoints and first
 * and last packet times.  Saving re-reads the source captures through the
 * same ingest stage as the analysis (ingest.h, so frame numbers match the
 * analysis exactly), writes the frames whose numbers are wanted, and
 * takes every packet the stage decodes (on_packet only, TCP segments as
 * the wire carried them: tcp_segments_only) to recognise TCP segments of
 * a wanted message and the UDP packets of a wanted stream.  Nothing is
 * kept in memory but the list of wanted frames and stream windows.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "detect/detect.h"
#include "export.h"
#include "ingest/ingest.h"
#include "output/report.h"

/*
 * The call list as CSV: the report writer of `sipalg-analyze -f csv`
 * (report_csv.c) itself, so the columns and cells are the same (the
 * findings and advisories as the browser holds them, MOS per direction,
 * media legs).
 */
struct export_csv {
	FILE *f;
	struct report *r;
};

struct export_csv *
export_csv_begin(FILE *f)
{
	struct report_opts o = { REPORT_CSV, false, false, false, NULL, 0,
	    NULL, false };
	struct export_csv *x = malloc(sizeof(*x));

	if (x == NULL)
		return NULL;
	x->f = f;
	x->r = report_new(f, &o);
	if (x->r == NULL) {
		free(x);
		return NULL;
	}
	report_begin(x->r);
	return x;
}

void
export_csv_dialog(struct export_csv *x, const struct dialog *d)
{
	report_dialog(x->r, d);
}

int
export_csv_end(struct export_csv *x)
{
	struct report_summary sum;
	int rc;

	memset(&sum, 0, sizeof(sum));
	report_end(x->r, &sum);
	report_free(x->r);
	rc = ferror(x->f) ? -1 : 0;
	free(x);
	return rc;
}

int
export_csv(FILE *f, const struct dialog *const *ds, size_t n)
{
	struct export_csv *x = export_csv_begin(f);

	if (x == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		export_csv_dialog(x, ds[i]);
	return export_csv_end(x);
}

struct fkey {
	uint32_t cap;
	uint64_t frame;
};

struct tcprange {
	uint32_t cap;
	uint64_t lo, hi;
	struct ep src, dst;
};

struct swin {
	int64_t lo, hi;
	struct ep src, dst;
};

struct saver {
	struct fkey *keys;
	size_t nkeys, capkeys;
	struct tcprange *tr;
	size_t ntr, captr;
	struct swin *sw;
	size_t nsw, capsw;
	bool hit;                 /* the frame being decoded is wanted */
};

static int
fkey_cmp(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;

	if (x->cap != y->cap)
		return x->cap < y->cap ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

#define GROW(arr, n, cap) do { \
		if ((n) == (cap)) { \
			size_t nc_ = (cap) ? (cap) * 2 : 64; \
			void *p_ = realloc((arr), nc_ * sizeof(*(arr))); \
			if (p_ == NULL) \
				return -1; \
			(arr) = p_; \
			(cap) = nc_; \
		} \
	} while (0)

static int
add_key(struct saver *s, uint32_t cap, uint64_t frame)
{
	if (frame == 0)
		return 0;
	GROW(s->keys, s->nkeys, s->capkeys);
	s->keys[s->nkeys].cap = cap;
	s->keys[s->nkeys].frame = frame;
	s->nkeys++;
	return 0;
}

static int
collect(struct saver *s, const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];

		if (add_key(s, m->cap_idx, m->frame) < 0 ||
		    add_key(s, m->cap_idx, m->first_frame) < 0)
			return -1;
		for (uint32_t j = 0; j < m->retrans && j < DIALOG_RETRANS_KEPT; j++)
			if (add_key(s, m->cap_idx, m->retrans_frame[j]) < 0)
				return -1;
		if ((m->transport & 0x7f) == PKT_TCP && m->first_frame != 0 &&
		    m->first_frame < m->frame) {
			GROW(s->tr, s->ntr, s->captr);
			s->tr[s->ntr].cap = m->cap_idx;
			s->tr[s->ntr].lo = m->first_frame;
			s->tr[s->ntr].hi = m->frame;
			s->tr[s->ntr].src = m->src;
			s->tr[s->ntr].dst = m->dst;
			s->ntr++;
		}
	}
	for (int i = 0; i < d->nstreams; i++) {
		const struct rtp_stream *st = d->streams[i];

		GROW(s->sw, s->nsw, s->capsw);
		s->sw[s->nsw].lo = st->first_ns;
		s->sw[s->nsw].hi = st->last_ns;
		s->sw[s->nsw].src = st->src;
		s->sw[s->nsw].dst = st->dst;
		s->nsw++;
	}
	return 0;
}

/* The same endpoints, or both ports one above (RTCP beside RTP). */
static bool
flow_match(const struct pkt *p, const struct ep *src, const struct ep *dst,
    bool rtcp)
{
	struct ep a = *src, b = *dst;

	if (rtcp) {
		if (a.port == 0 || b.port == 0 || a.port == 65535 ||
		    b.port == 65535)
			return false;
		a.port++;
		b.port++;
	}
	return ep_eq(&p->src, &a) && ep_eq(&p->dst, &b);
}

static void
on_pkt(void *user, const struct pkt *p, struct anomalies *an)
{
	struct saver *s = user;

	(void)an;
	if (p->l4 == PKT_TCP) {
		for (size_t i = 0; i < s->ntr; i++) {
			const struct tcprange *r = &s->tr[i];

			if (r->cap == p->cap_idx && p->frame >= r->lo &&
			    p->frame <= r->hi && flow_match(p, &r->src, &r->dst,
			    false))
				s->hit = true;
		}
	} else if (p->l4 == PKT_UDP) {
		for (size_t i = 0; i < s->nsw; i++) {
			const struct swin *w = &s->sw[i];

			if (p->ts_ns < w->lo || p->ts_ns > w->hi)
				continue;
			if (flow_match(p, &w->src, &w->dst, false) ||
			    flow_match(p, &w->src, &w->dst, true))
				s->hit = true;
		}
	}
}

int
export_pcap(const char *const *paths, size_t npaths,
    const struct dialog *const *ds, size_t n, const char *out,
    uint64_t *written, uint64_t *skipped, char *err, size_t errlen)
{
	struct saver s;
	struct ingest_opts io = { .tcp_segments_only = true };
	struct ingest_cb cb = { on_pkt, NULL, NULL, NULL, NULL, NULL };
	struct ingest *in = NULL;
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	const struct capture_frame *f;
	int linktype, rc = -1;

	memset(&s, 0, sizeof(s));
	*written = *skipped = 0;
	if (npaths == 0) {
		snprintf(err, errlen, "no capture files to read");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (collect(&s, ds[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	if (s.nkeys > 1)
		qsort(s.keys, s.nkeys, sizeof(*s.keys), fkey_cmp);
	cb.user = &s;
	in = ingest_new(&io, &cb);
	if (in == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < npaths; i++) {
		char e[200];

		if (ingest_add_file(in, paths[i], e, sizeof(e)) < 0) {
			snprintf(err, errlen, "%s: %s", paths[i], e);
			goto out;
		}
	}
	linktype = capture_set_info(ingest_captures(in), 0)->linktype;
	dead = pcap_open_dead_with_tstamp_precision(linktype, CAP_SNAPLEN,
	    PCAP_TSTAMP_PRECISION_NANO);
	if (dead == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	dump = pcap_dump_open(dead, out);
	if (dump == NULL) {
		snprintf(err, errlen, "%s: %s", out, pcap_geterr(dead));
		goto out;
	}
	/*
	 * A wanted frame is known by its number before the stage runs it;
	 * any other is wanted when on_pkt recognises what it carries.
	 */
	while ((f = ingest_peek(in)) != NULL) {
		struct fkey k = { f->cap_idx, f->frame };
		struct pcap_pkthdr h;

		s.hit = bsearch(&k, s.keys, s.nkeys, sizeof(k), fkey_cmp) != NULL;
		f = ingest_next(in, NULL);
		if (f == NULL || !s.hit)
			continue;
		if (f->linktype != linktype) {
			(*skipped)++;
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(f->ts_ns / CAP_NS_PER_SEC);
		/* Nanosecond pcap: tv_usec carries nanoseconds. */
		h.ts.tv_usec = (suseconds_t)(f->ts_ns % CAP_NS_PER_SEC);
		h.caplen = f->caplen;
		h.len = f->wirelen;
		pcap_dump((u_char *)dump, &h, f->data);
		(*written)++;
	}
	if (pcap_dump_flush(dump) != 0) {
		snprintf(err, errlen, "%s: write error", out);
		goto out;
	}
	rc = 0;
out:
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	ingest_free(in);
	free(s.keys);
	free(s.tr);
	free(s.sw);
	return rc;
}
