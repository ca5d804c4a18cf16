/*
 * report.c - the report interface (report.h): options and filters, the
 * counts every format shows, and the dispatch to the format's writer.
 *
 * Text is for people (report_text.c): the verdict first, so the dialogs
 * are spooled until the end.  JSON is the contract other tools build on
 * (report_json.c).  CSV is one row per dialog (report_csv.c).  HTML is
 * the page to hand over, with ladders and RTP plots (report_html.c).
 * A dialog counts as affected when one of its findings passes --symptom and
 * --min-confidence; only those findings are written.  A call seen as two
 * dialogs (dialog.h, join) is counted once, under those same filters, by
 * the first of its two dialogs the report shows with a finding that
 * passes them; the other adds only the symptoms that one did not show.
 */
#include <stdlib.h>
#include <string.h>

#include "base/bufput.h"
#include "base/outfile.h"
#include "base/text.h"
#include "output/report_int.h"
#include "present/view.h"
#include "sip/quality.h"

/*
 * A dialog of a call seen as two, shown with a finding before its other
 * segment: what it showed, kept until that other dialog (other, the id
 * it names) is written.
 */
struct join_seen {
	struct hnode node;
	uint64_t other;           /* the key */
	uint64_t id;
	uint32_t shown;           /* its shown symptom ids */
};

static uint64_t
join_hash(uint64_t id)
{
	return htab_mix64(id);
}

static int
join_match(const struct hnode *n, const void *key)
{
	return HTAB_ENTRY(n, struct join_seen, node)->other ==
	    *(const uint64_t *)key;
}

static void
join_free(struct hnode *n, void *unused)
{
	(void)unused;
	free(HTAB_ENTRY(n, struct join_seen, node));
}

static void
joins_free(struct htab *h)
{
	htab_foreach(h, join_free, NULL);
	htab_fini(h);
}

struct report *
report_new(FILE *f, const struct report_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	if (htab_init(&r->joins, 16) != 0) {
		free(r);
		return NULL;
	}
	r->f = f;
	r->o = *o;
	switch (o->format) {
	case REPORT_JSON:
		r->ops = &report_json_ops;
		break;
	case REPORT_CSV:
		r->ops = &report_csv_ops;
		break;
	case REPORT_HTML:
		r->ops = &report_html_ops;
		break;
	default:
		r->ops = &report_text_ops;
		break;
	}
	if (r->ops->init(r) != 0) {
		joins_free(&r->joins);
		free(r);
		return NULL;
	}
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	r->ops->fini(r);
	joins_free(&r->joins);
	for (size_t i = 0; i < r->ncapnames; i++)
		free(r->capnames[i]);
	free(r->capnames);
	free(r);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

int
report_captures(struct report *r, const char *const *names, size_t n)
{
	if (n < 2)
		return 0;
	if ((r->capnames = calloc(n, sizeof(*r->capnames))) == NULL)
		return -1;
	r->ncapnames = n;
	for (size_t i = 0; i < n; i++) {
		const char *b = base_name(names[i]);
		bool clash = false;

		for (size_t k = 0; k < n && !clash; k++)
			clash = k != i && strcmp(b, base_name(names[k])) == 0;
		if ((r->capnames[i] = strdup(clash ? names[i] : b)) == NULL)
			return -1;
	}
	return 0;
}

const char *
report_capture_name(const struct report *r, uint32_t cap_idx)
{
	if (r->ncapnames < 2 || cap_idx >= r->ncapnames ||
	    r->capnames[cap_idx] == NULL)
		return NULL;
	return r->capnames[cap_idx];
}

const char *
report_frame_ref(const struct report *r, uint32_t cap_idx, uint64_t frame,
    char *buf, size_t n)
{
	return text_frame_ref(buf, n, report_capture_name(r, cap_idx), frame);
}

uint64_t
report_affected(const struct report *r)
{
	return r->affected;
}

bool
report_finding_shown(const struct report *r, const struct finding *f)
{
	if (r->o.symptom != NULL && strcmp(r->o.symptom, f->id) != 0)
		return false;
	return f->confidence + 1e-9 >= r->o.min_confidence;
}

/* The symptom ids (bit per enum symptom_id) of d's findings shown; any:
 * one is shown (an id the catalogue does not know has no bit). */
static uint32_t
shown_findings(const struct report *r, const struct dialog *d, bool *any)
{
	uint32_t mask = 0;

	*any = false;
	for (int i = 0; d->findings != NULL && i < d->findings->n; i++) {
		const struct finding *x = &d->findings->f[i];
		int k;

		if (!report_finding_shown(r, x))
			continue;
		*any = true;
		if ((k = symptom_lookup(x->id)) >= 0)
			mask |= 1u << k;
	}
	return mask;
}

/*
 * The proleptic Gregorian date of day z since 1970-01-01 (z >= 0), as
 * gmtime() gives it: the days-from-civil inverse (eras of 400 years,
 * years starting in March, so the leap day is the last of its year).
 */
static void
civil_date(int64_t z, long *y, long *m, long *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;                 /* days from 0000-03-01 */
	era = z / 146097;
	doe = z - era * 146097;      /* 0..146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;    /* March is 0 */
	*d = (long)(doy - (153 * mp + 2) / 5 + 1);
	*m = (long)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400 + (*m <= 2));
}

/*
 * By hand (years of a positive int64 of ns are 1970..2262, four digits),
 * the date once per day: snprintf was a twentieth of a signalling-heavy
 * JSON report, gmtime_r(), which takes the time zone lock, half of what
 * was left, and the calendar arithmetic and a division per digit most
 * of the rest.  Apart, so that report_time_at saves fewer registers.
 */
static __attribute__((noinline)) void
day_set(struct report_day *c, int64_t day)
{
	long y, mo, d;

	civil_date(day, &y, &mo, &d);
	bufput_2digits(c->date, (unsigned)(y / 100));
	bufput_2digits(c->date + 2, (unsigned)(y % 100));
	c->date[4] = '-';
	bufput_2digits(c->date + 5, (unsigned)mo);
	c->date[7] = '-';
	bufput_2digits(c->date + 8, (unsigned)d);
	c->day = day;
}

size_t
report_time_at(struct report_day *c, int64_t ns, char sep, char *b)
{
	/*
	 * ns > 0, so in unsigned arithmetic, where a division by a constant
	 * is a multiplication and a shift without a signed one's
	 * corrections, each remainder taken from its quotient, and the
	 * time of day's in 32 bits.
	 */
	uint64_t u = (uint64_t)ns, s = u / (uint64_t)CAP_NS_PER_SEC;
	int64_t day = (int64_t)(s / 86400);
	unsigned sod = (unsigned)(s - (uint64_t)day * 86400);
	unsigned us = (unsigned)(u - s * (uint64_t)CAP_NS_PER_SEC) / 1000;
	unsigned h = sod / 3600, ms = sod - h * 3600, mi = ms / 60;
	unsigned hi = us / 10000, lo = us - hi * 10000, mid = lo / 100;

	if (day != c->day)
		day_set(c, day);
	memcpy(b, c->date, 10);
	b[10] = sep;
	bufput_2digits(b + 11, h);
	b[13] = ':';
	bufput_2digits(b + 14, mi);
	b[16] = ':';
	bufput_2digits(b + 17, ms - mi * 60);
	b[19] = '.';
	bufput_2digits(b + 20, hi);
	bufput_2digits(b + 22, mid);
	bufput_2digits(b + 24, lo - mid * 100);
	return REPORT_TIME_LEN;
}

/*
 * Below 2^50 ns (13 days) the double ns / 1e9 is within 2^-53 of it, so
 * times 1000 within 1.25e-7 of ns / 1e6; unless the remainder of a
 * millisecond is exactly half of one, the half it rounds at is at least
 * 1 ns (1e-6 ms) away, and the integer rounds as printf rounds the
 * double.  printf, then text_fixed's double arithmetic, was most of a
 * dialog's figures.
 */
size_t
report_secs3(int64_t ns, char *b)
{
	int64_t ms;
	size_t n;

	if (ns < 0 || ns >= INT64_C(1) << 50 || ns % 1000000 == 500000)
		return 0;
	ms = ns / 1000000 + (ns % 1000000 > 500000);
	n = bufput_dec(b, (uint64_t)(ms / 1000));
	b[n++] = '.';
	b[n++] = (char)('0' + ms % 1000 / 100);
	bufput_2digits(b + n, (unsigned)(ms % 100));
	return n + 2;
}

const char *
report_time(int64_t ns, char *buf, size_t n)
{
	struct report_day c = REPORT_DAY_INIT;
	char full[REPORT_TIME_LEN];
	size_t k;

	if (ns <= 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	report_time_at(&c, ns, ' ', full);
	/* As snprintf(buf, n, "%s", full) would cut it. */
	if (n > 0) {
		k = n - 1 < sizeof(full) ? n - 1 : sizeof(full);
		memcpy(buf, full, k);
		buf[k] = '\0';
	}
	return buf;
}

/* The direction rule lives in the presentation model, so a figure in a
 * report and on the browser's screen name the same way (view_media.c). */
int
report_stream_dir(const struct dialog *d, const struct rtp_stream *s)
{
	return view_stream_dir(d, s);
}

void
report_dir_packets(const struct dialog *d, uint64_t *fwd, uint64_t *rev)
{
	view_dir_packets(d, fwd, rev);
}

void
report_dir_mos(const struct dialog *d, double *fwd, double *rev)
{
	*fwd = *rev = -1;
	for (int i = 0; i < d->nstreams; i++) {
		struct quality q;
		double *m;

		if (quality_stream(d->streams[i], &q) != 0)
			continue;
		m = report_stream_dir(d, d->streams[i]) >= 0 ? fwd : rev;
		if (*m < 0 || q.mos < *m)
			*m = q.mos;
	}
}

void
report_copy_spool(FILE *to, FILE *from)
{
	outfile_copy_spool(to, from);
}

void
report_begin(struct report *r)
{
	r->ops->begin(r);
}

/*
 * Sets r->join_counted and r->join_shown for d: its other segment was
 * shown before it with a finding (and named it: the pair is mutual).
 * Otherwise d counts on its own: its call has no other dialog, or that
 * one showed no finding that passes the filters, or is not in this
 * report or comes later (a report of part of the stored captures; an
 * other segment whose noted copies were replaced before it was judged,
 * with more calls in flight than the join's table holds, and so did not
 * name d).  Forgets what was kept for d.
 */
static void
join_take(struct report *r, const struct dialog *d)
{
	uint64_t key = d->id;
	struct hnode *n;

	r->join_counted = false;
	r->join_shown = 0;
	while ((n = htab_find(&r->joins, join_hash(key), join_match,
	    &key)) != NULL) {
		struct join_seen *e = HTAB_ENTRY(n, struct join_seen, node);

		if (d->join.id != 0 && e->id == d->join.id) {
			r->join_counted = true;
			r->join_shown = e->shown;
		}
		htab_del(&r->joins, n);
		free(e);
	}
}

/* Keeps what d, the first of its call's dialogs shown with a finding,
 * showed until its other segment comes (not kept when out of memory:
 * that one then counts on its own). */
static void
join_keep(struct report *r, const struct dialog *d, uint32_t shown)
{
	struct join_seen *e;

	if (d->join.id == 0 || r->join_counted || (e = malloc(sizeof(*e))) ==
	    NULL)
		return;
	e->other = d->join.id;
	e->id = d->id;
	e->shown = shown;
	htab_add(&r->joins, &e->node, join_hash(e->other));
}

void
report_dialog(struct report *r, const struct dialog *d)
{
	bool affected;
	uint32_t shown;

	if (r->o.only_calls && d->kind != DIALOG_CALL)
		return;
	shown = shown_findings(r, d, &affected);
	join_take(r, d);
	if (r->join_counted)
		r->joined++;
	if (affected) {
		/* One call seen as two dialogs is affected once, and each
		 * symptom counted once for it. */
		if (!r->join_counted)
			r->affected++;
		for (int k = 0; k < SYMPTOM_COUNT; k++)
			if ((shown & ~r->join_shown) & 1u << k)
				r->by_id[k]++;
		join_keep(r, d, shown);
	} else {
		r->unaffected++;
		r->unaffected_kind[d->kind]++;
	}
	r->ops->dialog(r, d, affected);
	r->join_counted = false;
	r->join_shown = 0;
	r->ndialogs++;
}

void
report_stream(struct report *r, const struct rtp_stream *s)
{
	r->ops->stream(r, s);
}

void
report_end(struct report *r, const struct report_summary *s)
{
	r->ops->end(r, s);
	fflush(r->f);
}
