/*
 * view.c - the browser's view logic: call-list cells, layout, sorting and
 * filtering, the ladder diagram, message text and comparison, sparklines
 * (view.h).  No curses here: the panels draw the strings this module
 * builds, and the unit tests read the same strings.
 *
 * Lines are built as arrays of code points one screen column each, then
 * encoded as UTF-8; everything that came from a packet is escaped with
 * text_escape() first, which leaves only printable ASCII, so a cell's
 * width is its byte count and column arithmetic stays exact.
 *
 * Ladder layout (one row per message, as sngrep's call flow, compacted to
 * one line so a call fits on 24 lines):
 *
 *   time          10.0.0.1:5060      10.0.0.2:5060      10.0.0.3:8000
 *   10:00:00.000        |---- INVITE ----->|                  |
 *   10:00:00.100        |<--- 200 OK x3 ---|                  |
 *   10:00:00.300        |. RTP PCMU 50p ......................>|
 *
 * Limits: a message's lines beyond VIEW_DIFF_LINES are compared pairwise,
 * not aligned; lines longer than the screen are clipped by the caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"
#include "detect/symptom.h"
#include "base/text.h"
#include "view.h"

const struct view_colspec view_cols[VCOL_COUNT] = {
	[VCOL_START] =    { "start", "Start", 12, 12, false },
	[VCOL_FROM] =     { "from", "From", 8, 0, false },
	[VCOL_TO] =       { "to", "To", 8, 0, false },
	[VCOL_CALLID] =   { "callid", "Call-ID", 8, 0, false },
	[VCOL_STATE] =    { "state", "State", 9, 9, false },
	[VCOL_DURATION] = { "duration", "Dur", 7, 7, true },
	[VCOL_MSGS] =     { "msgs", "Msgs", 4, 4, true },
	[VCOL_SYMPTOMS] = { "symptoms", "Symptoms", 8, 24, false },
	[VCOL_KIND] =     { "kind", "Kind", 9, 9, false },
};

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive bounded substring search. */
static bool
ci_contains(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle);

	if (nlen == 0)
		return true;
	if (hay == NULL || hlen < nlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t j = 0;

		while (j < nlen && lower((unsigned char)hay[i + j]) ==
		    lower((unsigned char)needle[j]))
			j++;
		if (j == nlen)
			return true;
	}
	return false;
}

static bool
ci_eq(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
		a++, b++;
	}
	return *a == *b;
}

int
view_columns_parse(const char *list, enum view_col *cols, int max,
    char *err, size_t errlen)
{
	int n = 0;
	const char *p = list;

	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		int found = -1;

		for (int c = 0; c < VCOL_COUNT; c++)
			if (strlen(view_cols[c].name) == len &&
			    memcmp(view_cols[c].name, p, len) == 0)
				found = c;
		if (found < 0) {
			snprintf(err, errlen, "unknown column '%.*s'",
			    (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (cols[i] == (enum view_col)found) {
				snprintf(err, errlen, "column '%s' given twice",
				    view_cols[found].name);
				return -1;
			}
		if (n == max) {
			snprintf(err, errlen, "too many columns");
			return -1;
		}
		cols[n++] = (enum view_col)found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		snprintf(err, errlen, "no columns given");
	return n > 0 ? n : -1;
}

const char *
view_clock(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / CAP_NS_PER_SEC);
	struct tm tm;

	if (ns <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	snprintf(buf, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)((ns % CAP_NS_PER_SEC) / 1000000));
	return buf;
}

const char *
view_badge(const char *id)
{
	int s = symptom_lookup(id);

	return s < 0 ? "?" : symptom_badge((enum symptom_id)s);
}

const char *
view_cell(const struct dialog *d, enum view_col c, char *buf, size_t n)
{
	int64_t dur;
	size_t o;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	switch (c) {
	case VCOL_START:
		return view_clock(d->start_ns, buf, n);
	case VCOL_FROM:
		return text_escape(buf, n, d->from, strlen(d->from));
	case VCOL_TO:
		return text_escape(buf, n, d->to, strlen(d->to));
	case VCOL_CALLID:
		return text_escape(buf, n, d->call_id, strlen(d->call_id));
	case VCOL_STATE:
		snprintf(buf, n, "%s", dialog_state_name(d->state));
		break;
	case VCOL_DURATION:
		dur = dialog_duration_ns(d);
		if (d->answer_ns == 0)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%.1fs", (double)dur / 1e9);
		break;
	case VCOL_MSGS:
		snprintf(buf, n, "%zu", d->nmsgs);
		break;
	case VCOL_SYMPTOMS:
		o = 0;
		for (int i = 0; d->findings != NULL && i < d->findings->n; i++) {
			const struct finding *f = &d->findings->f[i];
			const char *b = f->id != NULL ? view_badge(f->id) : "?";
			int w = snprintf(buf + o, n - o, "%s%s", o ? " " : "", b);

			if (w < 0 || (size_t)w >= n - o)
				break;
			o += (size_t)w;
		}
		break;
	case VCOL_KIND:
		snprintf(buf, n, "%s", dialog_kind_name(d->kind));
		break;
	default:
		break;
	}
	return buf;
}

int
view_layout(const enum view_col *cols, int ncols, int width, int *w)
{
	int used = ncols > 0 ? ncols - 1 : 0, nflex = 0, left, total = 0;

	for (int i = 0; i < ncols; i++) {
		w[i] = view_cols[cols[i]].minw;
		used += w[i];
		if (view_cols[cols[i]].maxw == 0)
			nflex++;
	}
	left = width - used;
	/* Flexible columns (names, Call-ID) share the room first ... */
	for (int i = 0; i < ncols && left > 0 && nflex > 0; i++) {
		if (view_cols[cols[i]].maxw != 0)
			continue;
		int add = left / nflex;

		w[i] += add;
		left -= add;
		nflex--;
	}
	/* ... then bounded ones grow to their maximum. */
	for (int i = 0; i < ncols && left > 0; i++) {
		int room = view_cols[cols[i]].maxw - w[i];

		if (room > 0) {
			int add = room < left ? room : left;

			w[i] += add;
			left -= add;
		}
	}
	for (int i = 0; i < ncols; i++)
		total += w[i];
	return total + (ncols > 0 ? ncols - 1 : 0);
}

/* Appends s padded or cut to exactly w columns. */
static size_t
put_cell(char *buf, size_t n, size_t o, const char *s, int w, bool right)
{
	size_t len = strlen(s);
	int pad;

	if (len > (size_t)w)
		len = (size_t)w;
	pad = w - (int)len;
	if (o + (size_t)w + 1 >= n)
		return o;
	if (right) {
		memset(buf + o, ' ', (size_t)pad);
		memcpy(buf + o + pad, s, len);
	} else {
		memcpy(buf + o, s, len);
		memset(buf + o + len, ' ', (size_t)pad);
	}
	return o + (size_t)w;
}

char *
view_row_text(const struct dialog *d, const enum view_col *cols, int ncols,
    const int *w, char *buf, size_t n)
{
	char cell[512];
	size_t o = 0;

	for (int i = 0; i < ncols; i++) {
		if (i > 0 && o + 2 < n)
			buf[o++] = ' ';
		view_cell(d, cols[i], cell, sizeof(cell));
		o = put_cell(buf, n, o, cell, w[i], view_cols[cols[i]].right);
	}
	buf[o < n ? o : n - 1] = '\0';
	return buf;
}

char *
view_header_text(const enum view_col *cols, int ncols, const int *w,
    char *buf, size_t n)
{
	size_t o = 0;

	for (int i = 0; i < ncols; i++) {
		if (i > 0 && o + 2 < n)
			buf[o++] = ' ';
		o = put_cell(buf, n, o, view_cols[cols[i]].title, w[i],
		    view_cols[cols[i]].right);
	}
	buf[o < n ? o : n - 1] = '\0';
	return buf;
}

static int
cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

int
view_cmp(const struct dialog *a, const struct dialog *b, enum view_col c)
{
	char x[512], y[512];
	int r = 0;

	switch (c) {
	case VCOL_START:
		r = cmp_i64(a->start_ns, b->start_ns);
		break;
	case VCOL_DURATION:
		r = cmp_i64(dialog_duration_ns(a), dialog_duration_ns(b));
		break;
	case VCOL_MSGS:
		r = cmp_i64((int64_t)a->nmsgs, (int64_t)b->nmsgs);
		break;
	case VCOL_STATE:
		r = cmp_i64(a->state, b->state);
		break;
	case VCOL_KIND:
		r = cmp_i64(a->kind, b->kind);
		break;
	case VCOL_SYMPTOMS:
		/* Most findings first when ascending is reversed; by count. */
		r = cmp_i64(a->findings ? a->findings->n : 0,
		    b->findings ? b->findings->n : 0);
		if (r == 0) {
			view_cell(a, c, x, sizeof(x));
			view_cell(b, c, y, sizeof(y));
			r = strcmp(x, y);
		}
		break;
	default:
		view_cell(a, c, x, sizeof(x));
		view_cell(b, c, y, sizeof(y));
		r = strcmp(x, y);
		break;
	}
	if (r == 0)
		r = a->id < b->id ? -1 : a->id > b->id;
	return r;
}

/* qsort has no user pointer in C11: merge sort with the column passed. */
static void
msort(struct dialog **v, struct dialog **tmp, size_t n, enum view_col c,
    bool desc)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	msort(v, tmp, h, c, desc);
	msort(v + h, tmp, n - h, c, desc);
	while (i < h && j < n) {
		int r = view_cmp(v[i], v[j], c);

		if (desc)
			r = -r;
		tmp[k++] = r <= 0 ? v[i++] : v[j++];
	}
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

void
view_sort(struct dialog **v, size_t n, enum view_col c, bool desc)
{
	struct dialog **tmp;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL)
		return; /* unsorted beats crashed */
	msort(v, tmp, n, c, desc);
	free(tmp);
}

void
view_filter_init(struct view_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = -1;
}

bool
view_filter_active(const struct view_filter *f)
{
	return f->text[0] != '\0' || f->method[0] != '\0' || f->state >= 0 ||
	    f->symptom[0] != '\0' || f->only_calls;
}

int
view_state_parse(const char *s)
{
	for (int st = 0; st < DIALOG_STATE_COUNT; st++) {
		const char *name = dialog_state_name((enum dialog_state)st);
		const char *p = name, *q = s;

		/* "in call" matches "incall" and "In Call". */
		for (;;) {
			while (*p == ' ')
				p++;
			while (*q == ' ' || *q == '_' || *q == '-')
				q++;
			if (*p == '\0' || *q == '\0' ||
			    lower((unsigned char)*p) != lower((unsigned char)*q))
				break;
			p++, q++;
		}
		if (*p == '\0' && *q == '\0')
			return st;
	}
	return -1;
}

static bool
match_symptom(const struct view_filter *f, const struct dialog *d)
{
	if (d->findings == NULL || d->findings->n == 0)
		return false;
	if (ci_eq(f->symptom, "any"))
		return true;
	for (int i = 0; i < d->findings->n; i++) {
		const char *id = d->findings->f[i].id;

		if (id != NULL && (ci_eq(f->symptom, id) ||
		    ci_eq(f->symptom, view_badge(id))))
			return true;
	}
	return false;
}

bool
view_filter_match(const struct view_filter *f, const struct dialog *d)
{
	if (f->only_calls && d->kind != DIALOG_CALL)
		return false;
	if (f->state >= 0 && (int)d->state != f->state)
		return false;
	if (f->symptom[0] != '\0' && !match_symptom(f, d))
		return false;
	if (f->method[0] != '\0') {
		bool hit = ci_eq(f->method, d->first_method);

		for (size_t i = 0; !hit && i < d->nmsgs; i++) {
			const struct sipmsg *m = d->msgs[i].m;

			hit = m != NULL && m->is_request &&
			    ci_eq(f->method, m->method);
		}
		if (!hit)
			return false;
	}
	if (f->text[0] != '\0') {
		const char *st = dialog_state_name(d->state);

		if (ci_contains(d->from, strlen(d->from), f->text) ||
		    ci_contains(d->to, strlen(d->to), f->text) ||
		    ci_contains(d->call_id, strlen(d->call_id), f->text) ||
		    ci_contains(st, strlen(st), f->text))
			return true;
		for (size_t i = 0; i < d->nmsgs; i++) {
			const struct sipmsg *m = d->msgs[i].m;

			if (m != NULL && ci_contains(m->raw, m->raw_len, f->text))
				return true;
		}
		return false;
	}
	return true;
}

char *
view_filter_describe(const struct view_filter *f, char *buf, size_t n)
{
	char t[200];
	size_t o = 0;

	buf[0] = '\0';
#define ADD(...) do { \
		int w_ = snprintf(buf + o, n - o, __VA_ARGS__); \
		if (w_ > 0 && (size_t)w_ < n - o) \
			o += (size_t)w_; \
	} while (0)
	if (f->text[0] != '\0')
		ADD("%stext '%s'", o ? ", " : "",
		    text_escape(t, sizeof(t), f->text, strlen(f->text)));
	if (f->method[0] != '\0')
		ADD("%smethod %s", o ? ", " : "",
		    text_escape(t, sizeof(t), f->method, strlen(f->method)));
	if (f->state >= 0)
		ADD("%sstate %s", o ? ", " : "",
		    dialog_state_name((enum dialog_state)f->state));
	if (f->symptom[0] != '\0')
		ADD("%ssymptom %s", o ? ", " : "",
		    text_escape(t, sizeof(t), f->symptom, strlen(f->symptom)));
	if (f->only_calls)
		ADD("%scalls only", o ? ", " : "");
#undef ADD
	return buf;
}

/* ---- ladder ---- */

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
	for (size_t i = 0; i < k; i++)
		l->rows[i] = tmp[i].r;
	l->nrows = k;
	free(tmp);
	return 0;
oom:
	free(tmp);
	view_ladder_free(l);
	return -1;
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

#define LADDER_TIMEW 13
#define LADDER_MINCOL 20
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

/* Writes code points cp[xoff .. xoff+width) as UTF-8. */
static char *
encode(const uint32_t *cp, int total, int xoff, int width, char *buf,
    size_t n)
{
	size_t o = 0;

	for (int x = xoff; x < total && x < xoff + width; x++) {
		uint32_t c = cp[x];

		if (c < 0x80) {
			if (o + 2 > n)
				break;
			buf[o++] = (char)c;
		} else if (c < 0x800) {
			if (o + 3 > n)
				break;
			buf[o++] = (char)(0xc0 | (c >> 6));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			if (o + 4 > n)
				break;
			buf[o++] = (char)(0xe0 | (c >> 12));
			buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	if (n > 0)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

static void
put_ascii(uint32_t *cp, int total, int x, const char *s, int maxw)
{
	for (int i = 0; s[i] != '\0' && i < maxw && x + i < total; i++)
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
	encode(cp, g->total, xoff, width, buf, n);
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
	put_ascii(cp, g->total, 0, view_clock(r->ts_ns, t, sizeof(t)),
	    g->timew - 1);
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
	encode(cp, g->total, xoff, width, buf, n);
	free(cp);
	return buf;
}

/* ---- message text ---- */

int
view_lines_split(struct view_lines *out, const char *raw, size_t len)
{
	size_t cap = 16, start = 0;

	out->n = 0;
	out->v = malloc(cap * sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	while (raw != NULL && start < len) {
		const char *nl = memchr(raw + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - raw) : len;
		size_t l = end - start, esz;
		char *s;

		if (l > 0 && raw[start + l - 1] == '\r')
			l--;
		esz = l * 4 + 1; /* every byte may become \xNN */
		s = malloc(esz);
		if (s == NULL)
			goto oom;
		text_escape(s, esz, raw + start, l);
		if (out->n == cap) {
			char **v = realloc(out->v, cap * 2 * sizeof(*v));

			if (v == NULL) {
				free(s);
				goto oom;
			}
			out->v = v;
			cap *= 2;
		}
		out->v[out->n++] = s;
		start = end + 1;
	}
	return 0;
oom:
	view_lines_free(out);
	return -1;
}

void
view_lines_free(struct view_lines *l)
{
	for (size_t i = 0; l->v != NULL && i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Emits the removed lines a[ad..ae) and added b[bd..be) as pairs. */
static void
emit_changes(struct diff_row *rows, size_t *k, long ad, long ae, long bd,
    long be)
{
	while (ad < ae || bd < be) {
		rows[*k].a = ad < ae ? ad++ : -1;
		rows[*k].b = bd < be ? bd++ : -1;
		rows[*k].differ = true;
		(*k)++;
	}
}

void
view_line_span(const char *a, const char *b, size_t *pre, size_t *suf)
{
	size_t la = strlen(a), lb = strlen(b), m = la < lb ? la : lb;
	size_t p = 0, s = 0;

	while (p < m && a[p] == b[p])
		p++;
	/* Back to the start of a UTF-8 sequence (continuation: 10xxxxxx). */
	while (p > 0 && p < m && ((unsigned char)a[p] & 0xc0) == 0x80)
		p--;
	while (s < m - p && a[la - 1 - s] == b[lb - 1 - s])
		s++;
	while (s > 0 && ((unsigned char)a[la - s] & 0xc0) == 0x80)
		s--;
	*pre = p;
	*suf = s;
}

int
view_diff(const struct view_lines *a, const struct view_lines *b,
    struct diff_row **rowsp, size_t *nrowsp)
{
	size_t na = a->n < VIEW_DIFF_LINES ? a->n : VIEW_DIFF_LINES;
	size_t nb = b->n < VIEW_DIFF_LINES ? b->n : VIEW_DIFF_LINES;
	size_t W = nb + 1, k = 0, i = 0, j = 0;
	uint16_t *t;
	struct diff_row *rows;
	long ad = 0, bd = 0;

	*rowsp = NULL;
	*nrowsp = 0;
	t = calloc((na + 1) * W, sizeof(*t));
	rows = calloc(a->n + b->n + 1, sizeof(*rows));
	if (t == NULL || rows == NULL) {
		free(t);
		free(rows);
		return -1;
	}
	/* LCS lengths of the suffixes. */
	for (size_t x = na; x-- > 0;)
		for (size_t y = nb; y-- > 0;) {
			if (strcmp(a->v[x], b->v[y]) == 0)
				t[x * W + y] = (uint16_t)(t[(x + 1) * W + y + 1] + 1);
			else {
				uint16_t p = t[(x + 1) * W + y], q = t[x * W + y + 1];

				t[x * W + y] = p > q ? p : q;
			}
		}
	while (i < na && j < nb) {
		if (strcmp(a->v[i], b->v[j]) == 0) {
			emit_changes(rows, &k, ad, (long)i, bd, (long)j);
			rows[k].a = (long)i;
			rows[k].b = (long)j;
			rows[k].differ = false;
			k++;
			i++, j++;
			ad = (long)i;
			bd = (long)j;
		} else if (t[(i + 1) * W + j] >= t[i * W + j + 1])
			i++;
		else
			j++;
	}
	emit_changes(rows, &k, ad, (long)na, bd, (long)nb);
	/* Beyond the aligned part: pairwise. */
	for (i = na, j = nb; i < a->n || j < b->n; i++, j++) {
		rows[k].a = i < a->n ? (long)i : -1;
		rows[k].b = j < b->n ? (long)j : -1;
		rows[k].differ = rows[k].a < 0 || rows[k].b < 0 ||
		    strcmp(a->v[i], b->v[j]) != 0;
		k++;
	}
	free(t);
	*rowsp = rows;
	*nrowsp = k;
	return 0;
}

/* ---- sparkline ---- */

char *
view_sparkline(const uint16_t *rate, uint32_t nrate, int width, bool utf8,
    char *buf, size_t n)
{
	static const uint32_t blocks[8] = {
		0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588
	};
	static const char ascii[] = ".:-=+*#@";
	uint32_t cp[512];
	uint32_t group, cells;
	double v[512], max = 0;

	if (width > 512)
		width = 512;
	if (nrate == 0 || width <= 0) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	group = (nrate + (uint32_t)width - 1) / (uint32_t)width;
	cells = (nrate + group - 1) / group;
	for (uint32_t c = 0; c < cells; c++) {
		double sum = 0;
		uint32_t cnt = 0;

		for (uint32_t s = c * group; s < nrate && s < (c + 1) * group;
		    s++, cnt++)
			sum += rate[s];
		v[c] = cnt ? sum / cnt : 0;
		if (v[c] > max)
			max = v[c];
	}
	for (uint32_t c = 0; c < cells; c++) {
		int lvl;

		if (v[c] <= 0 || max <= 0) {
			cp[c] = ' ';
			continue;
		}
		lvl = (int)(v[c] * 8 / max + 0.999) - 1;
		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		cp[c] = utf8 ? blocks[lvl] : (unsigned char)ascii[lvl];
	}
	return encode(cp, (int)cells, 0, (int)cells, buf, n);
}
