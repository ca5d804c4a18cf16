/*
 * view_ladder.c - the ladder diagram of the presentation model (view.h):
 * one column per SIP address, one row per message or RTP stream, each
 * row a ready line of text.
 *
 * Layout (one row per message, as sngrep's call flow, compacted to one
 * line so a call fits on 24 lines):
 *
 *   time                   10.0.0.1:5060      10.0.0.2:5060    10.0.0.3:8000
 *   10:00:00.000                |---- INVITE ----->|                  |
 *   10:00:00.100 +0.100 *       |<--- 200 OK x3 ---|                  |
 *   10:00:00.300 +0.200         |. RTP PCMU 50p ......................>|
 *
 * Each row carries the time since the row before, and '*' when a finding
 * cites its frame (the pins: ladder_pin, the same rows the HTML report
 * pins its numbered markers to).
 *
 * Lines are built as arrays of code points one screen column each, then
 * encoded as UTF-8 (view_encode); labels are escaped with text_escape()
 * first.  Lines longer than the screen are clipped by the caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect.h"
#include "present/view_int.h"

static int
col_find(struct ladder *l, const struct ep *e, bool same_ip_ok)
{
	for (int i = 0; i < l->ncols; i++)
		if (ep_eq(&l->cols[i].ep, e))
			return i;
	if (same_ip_ok)
		for (int i = 0; i < l->ncols; i++)
			if (ep_same_ip(&l->cols[i].ep, e))
				return i;
	return -1;
}

static int
col_get(struct ladder *l, const struct ep *e, bool same_ip_ok, int *cap)
{
	int i = col_find(l, e, same_ip_ok);

	if (i >= 0)
		return i;
	if (l->ncols == *cap) {
		int nc = *cap ? *cap * 2 : 8;
		struct ladder_col *c = realloc(l->cols, (size_t)nc * sizeof(*c));

		if (c == NULL)
			return -1;
		l->cols = c;
		*cap = nc;
	}
	l->cols[l->ncols].ep = *e;
	ep_str(e, l->cols[l->ncols].name, sizeof(l->cols[l->ncols].name));
	return l->ncols++;
}

struct rowsort {
	struct ladder_row r;
	size_t seq;
};

static int
row_cmp(const void *a, const void *b)
{
	const struct rowsort *x = a, *y = b;

	if (x->r.ts_ns != y->r.ts_ns)
		return x->r.ts_ns < y->r.ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void ladder_pin(struct ladder *l, const struct dialog *const *ds,
    size_t nd);

int
view_ladder_build(struct ladder *l, const struct dialog *const *ds, size_t nd)
{
	size_t total = 0, k = 0;
	struct rowsort *tmp;
	int cap = 0;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < nd; i++)
		total += ds[i]->nmsgs + (size_t)ds[i]->nstreams;
	tmp = calloc(total ? total : 1, sizeof(*tmp));
	if (tmp == NULL)
		return -1;
	for (size_t i = 0; i < nd; i++) {
		const struct dialog *d = ds[i];

		for (size_t j = 0; j < d->nmsgs; j++) {
			const struct dmsg *dm = &d->msgs[j];
			struct ladder_row *r = &tmp[k].r;
			char lab[64], esc[80];
			int a = col_get(l, &dm->src, false, &cap);
			int b = col_get(l, &dm->dst, false, &cap);

			if (a < 0 || b < 0)
				goto oom;
			r->kind = LADDER_MSG;
			r->ts_ns = dm->ts_ns;
			r->from = a;
			r->to = b;
			r->d = d;
			r->idx = j;
			r->cap_idx = dm->cap_idx;
			r->frame = dm->frame;
			r->request = dm->m != NULL && dm->m->is_request;
			if (dm->m != NULL)
				sipmsg_label(dm->m, lab, sizeof(lab));
			else
				snprintf(lab, sizeof(lab), "?");
			text_escape(esc, sizeof(esc), lab, strlen(lab));
			if (dm->retrans > 0)
				snprintf(r->label, sizeof(r->label), "%s x%" PRIu32,
				    esc, dm->retrans + 1);
			else
				snprintf(r->label, sizeof(r->label), "%s", esc);
			tmp[k].seq = k;
			k++;
		}
	}
	/* Media after every SIP address, so SIP columns come first. */
	for (size_t i = 0; i < nd; i++) {
		const struct dialog *d = ds[i];

		for (int j = 0; j < d->nstreams; j++) {
			const struct rtp_stream *s = d->streams[j];
			struct ladder_row *r = &tmp[k].r;
			char codec[40];
			int a = col_get(l, &s->src, true, &cap);
			int b = col_get(l, &s->dst, true, &cap);

			if (a < 0 || b < 0)
				goto oom;
			r->kind = LADDER_RTP;
			r->ts_ns = s->first_ns;
			r->from = a;
			r->to = b;
			r->d = d;
			r->idx = (size_t)j;
			r->cap_idx = d->cap_idx;
			r->frame = s->first_frame > 0 ? (uint64_t)s->first_frame : 0;
			text_escape(codec, sizeof(codec), s->codec,
			    strnlen(s->codec, sizeof(s->codec)));
			if (codec[0] == '\0')
				snprintf(codec, sizeof(codec), "pt %d", s->pt);
			snprintf(r->label, sizeof(r->label),
			    "RTP %s %" PRIu64 "p%s", codec, s->packets, "");
			if (s->lost > 0) {
				size_t o = strlen(r->label);

				snprintf(r->label + o, sizeof(r->label) - o,
				    " lost %" PRIu64, s->lost);
			}
			tmp[k].seq = k;
			k++;
		}
	}
	qsort(tmp, k, sizeof(*tmp), row_cmp);
	l->rows = calloc(k ? k : 1, sizeof(*l->rows));
	if (l->rows == NULL)
		goto oom;
	for (size_t i = 0; i < k; i++) {
		l->rows[i] = tmp[i].r;
		if (i > 0 && l->rows[i].ts_ns > l->rows[i - 1].ts_ns)
			l->rows[i].delta_ns = l->rows[i].ts_ns -
			    l->rows[i - 1].ts_ns;
	}
	l->nrows = k;
	free(tmp);
	ladder_pin(l, ds, nd);
	return 0;
oom:
	free(tmp);
	view_ladder_free(l);
	return -1;
}

/* Pins: each finding on the rows whose frames its evidence cites. */
static void
ladder_pin(struct ladder *l, const struct dialog *const *ds, size_t nd)
{
	for (size_t i = 0; i < nd; i++) {
		const struct findings *fs = ds[i]->findings;

		for (int k = 0; fs != NULL && k < fs->n; k++) {
			long last = -1;

			for (int e = 0; e < fs->f[k].nev; e++) {
				const struct evidence *ev = &fs->f[k].ev[e];
				long row;

				if (ev->frame == 0)
					continue;
				row = view_ladder_find_frame(l, ev->cap_idx,
				    ev->frame);
				/* a row of another dialog shown beside it is
				 * not this finding's */
				if (row < 0 || row == last ||
				    l->rows[row].d != ds[i])
					continue;
				last = row;
				if (l->rows[row].pin == 0)
					l->rows[row].pin = k + 1;
				l->rows[row].npins++;
			}
		}
	}
}

/* "+0.020", "+32.004", "+312.5", "+4000": at most 7 columns. */
static void
delta_str(int64_t ns, char *buf, size_t n)
{
	double s = (double)ns / 1e9;

	if (ns <= 0)
		buf[0] = '\0';
	else if (s < 100)
		snprintf(buf, n, "+%.3f", s);
	else if (s < 10000)
		snprintf(buf, n, "+%.1f", s);
	else
		snprintf(buf, n, "+%.0f", s < 9999999 ? s : 9999999.0);
}

void
view_ladder_free(struct ladder *l)
{
	free(l->cols);
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

long
view_ladder_find_frame(const struct ladder *l, uint32_t cap_idx,
    uint64_t frame)
{
	for (size_t i = 0; i < l->nrows; i++) {
		const struct ladder_row *r = &l->rows[i];
		const struct dmsg *dm;

		if (r->kind != LADDER_MSG || r->cap_idx != cap_idx)
			continue;
		dm = &r->d->msgs[r->idx];
		if (dm->frame == frame || dm->first_frame == frame)
			return (long)i;
		for (uint32_t j = 0; j < dm->retrans && j < DIALOG_RETRANS_KEPT;
		    j++)
			if (dm->retrans_frame[j] == frame)
				return (long)i;
	}
	/* A media frame: the stream whose frame range holds it. */
	for (size_t i = 0; i < l->nrows; i++) {
		const struct ladder_row *r = &l->rows[i];
		const struct rtp_stream *s;

		if (r->kind != LADDER_RTP || r->cap_idx != cap_idx)
			continue;
		s = r->d->streams[r->idx];
		if ((int64_t)frame >= s->first_frame &&
		    (int64_t)frame <= s->last_frame)
			return (long)i;
	}
	return -1;
}

#define LADDER_TIMEW 22          /* clock 12, delta 7, marker 1, 2 blanks */
#define LADDER_MINCOL 18
#define LADDER_MAXCOL 40

void
view_ladder_geom(const struct ladder *l, int width, struct ladder_geom *g)
{
	int n = l->ncols > 0 ? l->ncols : 1;
	int cw = (width - LADDER_TIMEW) / n;

	if (cw < LADDER_MINCOL)
		cw = LADDER_MINCOL;
	if (cw > LADDER_MAXCOL)
		cw = LADDER_MAXCOL;
	g->timew = LADDER_TIMEW;
	g->colw = cw;
	g->total = LADDER_TIMEW + n * cw;
}

static int
col_x(const struct ladder_geom *g, int c)
{
	return g->timew + c * g->colw + g->colw / 2;
}


static void
put_ascii(uint32_t *cp, int total, int x, const char *s, int maxw)
{
	for (int i = 0; i < maxw && s[i] != '\0' && x + i < total; i++)
		if (x + i >= 0)
			cp[x + i] = (unsigned char)s[i];
}

char *
view_ladder_header(const struct ladder *l, const struct ladder_geom *g,
    int xoff, int width, bool utf8, char *buf, size_t n)
{
	uint32_t *cp = malloc((size_t)g->total * sizeof(*cp));

	(void)utf8;
	if (cp == NULL) {
		buf[0] = '\0';
		return buf;
	}
	for (int x = 0; x < g->total; x++)
		cp[x] = ' ';
	for (int c = 0; c < l->ncols; c++) {
		const char *name = l->cols[c].name;
		int len = (int)strlen(name), x;

		if (len > g->colw - 1)
			len = g->colw - 1;
		x = col_x(g, c) - len / 2;
		for (int i = 0; i < len; i++)
			cp[x + i] = (unsigned char)name[i];
	}
	view_encode(cp, g->total, xoff, width, buf, n);
	free(cp);
	return buf;
}

char *
view_ladder_line(const struct ladder *l, size_t row,
    const struct ladder_geom *g, int xoff, int width, bool utf8, char *buf,
    size_t n)
{
	const struct ladder_row *r;
	uint32_t *cp;
	uint32_t vbar = utf8 ? 0x2502 : '|';
	uint32_t fill;
	char t[32];
	int a, b, lo, hi;

	if (row >= l->nrows || (cp = malloc((size_t)g->total *
	    sizeof(*cp))) == NULL) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	r = &l->rows[row];
	fill = r->kind == LADDER_RTP ? (utf8 ? 0x2504 : '.') :
	    (utf8 ? 0x2500 : '-');
	for (int x = 0; x < g->total; x++)
		cp[x] = ' ';
	put_ascii(cp, g->total, 0, view_clock(r->ts_ns, t, sizeof(t)), 12);
	delta_str(r->delta_ns, t, sizeof(t));
	put_ascii(cp, g->total, 13, t, 7);
	if (r->pin > 0 && g->timew > 21)
		cp[20] = '*';
	for (int c = 0; c < l->ncols; c++)
		cp[col_x(g, c)] = vbar;
	a = col_x(g, r->from);
	b = col_x(g, r->to);
	if (a == b) {
		/* To itself (a loopback test, or a mirror port). */
		char s[128];

		snprintf(s, sizeof(s), "<> %s", r->label);
		put_ascii(cp, g->total, a + 1, s, g->colw - 1);
	} else {
		int span, len, x;

		lo = a < b ? a : b;
		hi = a < b ? b : a;
		for (int x2 = lo + 1; x2 < hi; x2++)
			cp[x2] = fill;
		if (a < b)
			cp[hi - 1] = '>';
		else
			cp[lo + 1] = '<';
		span = hi - lo - 5;
		len = (int)strlen(r->label);
		if (len > span)
			len = span;
		if (len > 0) {
			x = lo + 2 + (span - len) / 2 + 1;
			cp[x - 1] = ' ';
			for (int i = 0; i < len; i++)
				cp[x + i] = (unsigned char)r->label[i];
			cp[x + len] = ' ';
		}
	}
	view_encode(cp, g->total, xoff, width, buf, n);
	free(cp);
	return buf;
}
