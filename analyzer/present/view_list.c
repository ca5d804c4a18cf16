/*
 * view_list.c - the call list of the presentation model (view.h): column
 * specs, the text of each cell (the symptom badges from the catalogue,
 * symptom.h), column layout, row and header lines, sorting and filtering.
 *
 * Everything that came from a packet is escaped with text_escape() before
 * it lands in a cell, which leaves only printable ASCII, so a cell's
 * width is its byte count and column arithmetic stays exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "detect/detect.h"
#include "detect/symptom.h"
#include "present/view.h"

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
view_badge(const char *id)
{
	int s = symptom_lookup(id);

	return s < 0 ? "?" : symptom_badge((enum symptom_id)s);
}

/* The request methods a row names (bit k: view_methods[k]). */
static const char *const view_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO",
	"UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"
};
#define NMETHODS (sizeof(view_methods) / sizeof(view_methods[0]))

static uint32_t
method_bit(const char *m)
{
	for (size_t k = 0; k < NMETHODS; k++)
		if (ci_eq(m, view_methods[k]))
			return UINT32_C(1) << k;
	return VIEW_METHOD_OTHER;
}

static size_t
put_str(char *dst, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	if (dst != NULL) {
		memcpy(dst, s, len);
		dst[len] = '\0';
	}
	return len + 1;
}

/* Writes d's strings into dst (NULL: only counts); returns the bytes. */
static size_t
row_strings(const struct dialog *d, char *dst)
{
	size_t o = 0;
	int nf = d->findings != NULL ? d->findings->n : 0;

	o += put_str(dst ? dst + o : NULL, d->from, sizeof(d->from));
	o += put_str(dst ? dst + o : NULL, d->to, sizeof(d->to));
	o += put_str(dst ? dst + o : NULL, d->call_id, sizeof(d->call_id));
	for (int i = 0; i < nf && i < 255; i++) {
		const struct finding *x = &d->findings->f[i];

		o += put_str(dst ? dst + o : NULL, x->id != NULL ? x->id : "",
		    256);
		o += put_str(dst ? dst + o : NULL, x->summary,
		    sizeof(x->summary));
	}
	return o;
}

struct view_row *
view_row_new(const struct dialog *d)
{
	size_t len = row_strings(d, NULL);
	struct view_row *r = malloc(sizeof(*r) + len);

	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->id = d->id;
	r->start_ns = d->start_ns;
	r->dur_ns = dialog_duration_ns(d);
	r->answered = d->answer_ns != 0;
	r->join_id = d->join.id;
	r->nmsgs = d->nmsgs;
	r->kind = (uint8_t)d->kind;
	r->state = (uint8_t)d->state;
	r->nf = (uint8_t)(d->findings == NULL ? 0 : d->findings->n > 255 ?
	    255 : d->findings->n);
	if (d->first_method[0] != '\0')
		r->methods |= method_bit(d->first_method);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		if (m != NULL && m->is_request && m->method != NULL)
			r->methods |= method_bit(m->method);
	}
	row_strings(d, r->s);
	return r;
}

/* The string after the k-th one in r->s. */
static const char *
row_str(const struct view_row *r, int k)
{
	const char *p = r->s;

	while (k-- > 0)
		p += strlen(p) + 1;
	return p;
}

const char *
view_row_from(const struct view_row *r)
{
	return r->s;
}

const char *
view_row_to(const struct view_row *r)
{
	return row_str(r, 1);
}

const char *
view_row_callid(const struct view_row *r)
{
	return row_str(r, 2);
}

const char *
view_row_finding(const struct view_row *r, int i, const char **summary)
{
	const char *id = row_str(r, 3 + 2 * i);

	if (summary != NULL)
		*summary = id + strlen(id) + 1;
	return id;
}

/* The badge of finding i of r ("?" for one without an id). */
static const char *
row_badge(const struct view_row *r, int i)
{
	const char *id = view_row_finding(r, i, NULL);

	return id[0] != '\0' ? view_badge(id) : "?";
}

const char *
view_row_cell(const struct view_row *r, enum view_col c, char *buf,
    size_t n)
{
	const char *s;
	size_t o;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	switch (c) {
	case VCOL_START:
		return view_clock(r->start_ns, buf, n);
	case VCOL_FROM:
	case VCOL_TO:
	case VCOL_CALLID:
		s = c == VCOL_FROM ? view_row_from(r) : c == VCOL_TO ?
		    view_row_to(r) : view_row_callid(r);
		return text_escape(buf, n, s, strlen(s));
	case VCOL_STATE:
		snprintf(buf, n, "%s",
		    dialog_state_name((enum dialog_state)r->state));
		break;
	case VCOL_DURATION:
		if (!r->answered)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%.1fs", (double)r->dur_ns / 1e9);
		break;
	case VCOL_MSGS:
		snprintf(buf, n, "%zu", r->nmsgs);
		break;
	case VCOL_SYMPTOMS:
		o = 0;
		for (int i = 0; i < r->nf; i++) {
			const char *b = row_badge(r, i);
			int w = snprintf(buf + o, n - o, "%s%s", o ? " " : "", b);

			if (w < 0 || (size_t)w >= n - o)
				break;
			o += (size_t)w;
		}
		if (r->join_id != 0 && o < n)
			snprintf(buf + o, n - o, "%sJOIN#%" PRIu64, o ? " " : "",
			    r->join_id);
		break;
	case VCOL_KIND:
		snprintf(buf, n, "%s", dialog_kind_name((enum dialog_kind)r->kind));
		break;
	default:
		break;
	}
	return buf;
}

const char *
view_cell(const struct dialog *d, enum view_col c, char *buf, size_t n)
{
	struct view_row *r = view_row_new(d);

	if (n > 0)
		buf[0] = '\0';
	if (r != NULL)
		view_row_cell(r, c, buf, n);
	free(r);
	return buf;
}

/*
 * The shares, in order: the flexible columns (From, To, Call-ID) up to
 * FLEX_FAIR each, so they keep the width they had at 80 columns; then
 * the Call-ID, the one name that tells dialogs apart, up to CALLID_FAIR
 * (a phone's "1-26301@10.0.0.2", a gen-load "beeb8da1658eec67-0@10.0..."
 * cut at 20); then the symptoms column up to SYMPTOMS_FAIR, room for
 * two badges and a joined call's JOIN#N ("ALG MTU JOIN#12").  At 100
 * columns the three hold exactly; what is left goes to the flexible
 * columns evenly.
 */
#define FLEX_FAIR 11
#define CALLID_FAIR 20
#define SYMPTOMS_FAIR 16

/* Flexible columns share left evenly (the later ones the remainder), each
 * up to cap (0: no cap); returns the room left. */
static int
grow_flex(const enum view_col *cols, int ncols, int *w, int left, int cap)
{
	int nflex = 0;

	for (int i = 0; i < ncols; i++)
		if (view_cols[cols[i]].maxw == 0 && (cap == 0 || w[i] < cap))
			nflex++;
	for (int i = 0; i < ncols && left > 0 && nflex > 0; i++) {
		int add;

		if (view_cols[cols[i]].maxw != 0 || (cap != 0 && w[i] >= cap))
			continue;
		add = left / nflex;
		if (cap != 0 && add > cap - w[i])
			add = cap - w[i];
		w[i] += add;
		left -= add;
		nflex--;
	}
	return left;
}

/* Bounded columns grow towards want (their maximum when 0), in order;
 * only the symptoms column when only_symptoms.  Returns the room left. */
static int
grow_bounded(const enum view_col *cols, int ncols, int *w, int left,
    bool only_symptoms, int want)
{
	for (int i = 0; i < ncols && left > 0; i++) {
		int to = want != 0 ? want : view_cols[cols[i]].maxw;
		int room;

		if (view_cols[cols[i]].maxw == 0 ||
		    (only_symptoms && cols[i] != VCOL_SYMPTOMS))
			continue;
		if (to > view_cols[cols[i]].maxw)
			to = view_cols[cols[i]].maxw;
		room = to - w[i];
		if (room > 0) {
			int add = room < left ? room : left;

			w[i] += add;
			left -= add;
		}
	}
	return left;
}

int
view_layout(const enum view_col *cols, int ncols, int width, int *w)
{
	int used = ncols > 0 ? ncols - 1 : 0, left, total = 0;

	for (int i = 0; i < ncols; i++) {
		w[i] = view_cols[cols[i]].minw;
		used += w[i];
	}
	left = width - used;
	/* Flexible columns (names, Call-ID) get their fair share first, the
	 * Call-ID more, the symptoms column its own, the flexible ones the
	 * rest, ... */
	left = grow_flex(cols, ncols, w, left, FLEX_FAIR);
	for (int i = 0; i < ncols && left > 0; i++)
		if (cols[i] == VCOL_CALLID && w[i] < CALLID_FAIR) {
			int add = CALLID_FAIR - w[i] < left ?
			    CALLID_FAIR - w[i] : left;

			w[i] += add;
			left -= add;
		}
	left = grow_bounded(cols, ncols, w, left, true, SYMPTOMS_FAIR);
	left = grow_flex(cols, ncols, w, left, 0);
	/* ... and with none of those, bounded ones grow to their maximum. */
	grow_bounded(cols, ncols, w, left, false, 0);
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
	/* Cells are placed side by side; view_row_text terminates the line. */
	if (right) {
		memset(buf + o, ' ', (size_t)pad);
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(buf + o + pad, s, len);
	} else {
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(buf + o, s, len);
		memset(buf + o + len, ' ', (size_t)pad);
	}
	return o + (size_t)w;
}

/* Width of the first k badges of r, "+m" for the m others and the
 * join badge j ("" none), one space apart. */
static size_t
fit_width(const struct view_row *r, int k, size_t jl)
{
	size_t need = 0;
	char more[16];

	for (int i = 0; i < k; i++)
		need += (need ? 1 : 0) + strlen(row_badge(r, i));
	if (k < r->nf) {
		snprintf(more, sizeof(more), "+%d", r->nf - k);
		need += (need ? 1 : 0) + strlen(more);
	}
	return need + (jl ? (need ? 1 : 0) + jl : 0);
}

/*
 * The symptoms cell in w columns: when the badges do not all fit, the
 * first that do and "+k" for the k others, and a joined call's JOIN#N
 * always whole (it says the call is counted once, with the dialog it
 * names: a reader must not lose it behind badges).
 */
static void
symptoms_fit(const struct view_row *r, int w, char *buf, size_t n)
{
	char join[32] = "";
	size_t jl, o = 0;
	int k;

	view_row_cell(r, VCOL_SYMPTOMS, buf, n);
	if (w < 0 || strlen(buf) <= (size_t)w)
		return;
	if (r->join_id != 0)
		snprintf(join, sizeof(join), "JOIN#%" PRIu64, r->join_id);
	jl = strlen(join);
	for (k = r->nf; k >= 0 && fit_width(r, k, jl) > (size_t)w; k--)
		;
	if (k < 0) {
		/* Not even "+k" beside it: the join badge alone (cut by
		 * put_cell if it must), else the badges cut as they come. */
		if (jl)
			snprintf(buf, n, "%s", join);
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < k && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? " " : "",
		    row_badge(r, i));
	if (k < r->nf && o < n)
		o += (size_t)snprintf(buf + o, n - o, "%s+%d", o ? " " : "",
		    r->nf - k);
	if (jl && o < n)
		snprintf(buf + o, n - o, "%s%s", o ? " " : "", join);
}

char *
view_row_text(const struct view_row *r, const enum view_col *cols,
    int ncols, const int *w, char *buf, size_t n)
{
	char cell[512];
	size_t o = 0;

	for (int i = 0; i < ncols; i++) {
		if (i > 0 && o + 2 < n)
			buf[o++] = ' ';
		if (cols[i] == VCOL_SYMPTOMS)
			symptoms_fit(r, w[i], cell, sizeof(cell));
		else
			view_row_cell(r, cols[i], cell, sizeof(cell));
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
view_cmp(const struct view_row *a, const struct view_row *b, enum view_col c)
{
	char x[512], y[512];
	int r = 0;

	switch (c) {
	case VCOL_START:
		r = cmp_i64(a->start_ns, b->start_ns);
		break;
	case VCOL_DURATION:
		r = cmp_i64(a->dur_ns, b->dur_ns);
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
		r = cmp_i64(a->nf, b->nf);
		if (r == 0) {
			view_row_cell(a, c, x, sizeof(x));
			view_row_cell(b, c, y, sizeof(y));
			r = strcmp(x, y);
		}
		break;
	default:
		view_row_cell(a, c, x, sizeof(x));
		view_row_cell(b, c, y, sizeof(y));
		r = strcmp(x, y);
		break;
	}
	if (r == 0)
		r = a->id < b->id ? -1 : a->id > b->id;
	return r;
}

/* qsort has no user pointer in C11: merge sort with the column passed. */
static void
msort(struct view_row **v, struct view_row **tmp, size_t n, enum view_col c,
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
view_sort(struct view_row **v, size_t n, enum view_col c, bool desc)
{
	struct view_row **tmp;

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
match_symptom(const struct view_filter *f, const struct view_row *r)
{
	if (r->nf == 0)
		return false;
	if (ci_eq(f->symptom, "any"))
		return true;
	for (int i = 0; i < r->nf; i++) {
		const char *id = view_row_finding(r, i, NULL);

		if (id[0] != '\0' && (ci_eq(f->symptom, id) ||
		    ci_eq(f->symptom, view_badge(id))))
			return true;
	}
	return false;
}

static bool
ci_has(const char *s, const char *needle)
{
	return ci_contains(s, strlen(s), needle);
}

/* f's text in a field the row keeps. */
static bool
row_text_hit(const struct view_filter *f, const struct view_row *r)
{
	const char *st = dialog_state_name((enum dialog_state)r->state);

	if (ci_has(view_row_from(r), f->text) ||
	    ci_has(view_row_to(r), f->text) ||
	    ci_has(view_row_callid(r), f->text) || ci_has(st, f->text))
		return true;
	/* The findings too: id, badge and summary. */
	for (int k = 0; k < r->nf; k++) {
		const char *sum, *id = view_row_finding(r, k, &sum);
		const char *b = id[0] != '\0' ? view_badge(id) : "";

		if ((id[0] != '\0' && ci_has(id, f->text)) ||
		    ci_has(b, f->text) || ci_has(sum, f->text))
			return true;
	}
	return false;
}

int
view_row_match(const struct view_filter *f, const struct view_row *r)
{
	int res = 1;

	if (f->only_calls && r->kind != DIALOG_CALL)
		return 0;
	if (f->state >= 0 && (int)r->state != f->state)
		return 0;
	if (f->symptom[0] != '\0' && !match_symptom(f, r))
		return 0;
	if (f->method[0] != '\0') {
		uint32_t bit = method_bit(f->method);

		if ((r->methods & bit) == 0)
			return 0;
		if (bit == VIEW_METHOD_OTHER)
			res = -1; /* some other method: which one? */
	}
	if (f->text[0] != '\0') {
		if (row_text_hit(f, r))
			return res;
		/* Only the messages' raw text can tell now. */
		return r->nmsgs > 0 ? -1 : 0;
	}
	return res;
}

bool
view_filter_match(const struct view_filter *f, const struct dialog *d)
{
	struct view_row *r = view_row_new(d);
	int known = r != NULL ? view_row_match(f, r) : 0;
	bool text_hit;

	if (known >= 0) {
		free(r);
		return known == 1;
	}
	/* The row left it open: the method and the raw text decide. */
	text_hit = f->text[0] == '\0' || row_text_hit(f, r);
	free(r);
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
	for (size_t i = 0; !text_hit && i < d->nmsgs; i++) {
		const struct sipmsg *m = d->msgs[i].m;

		text_hit = m != NULL && ci_contains(m->raw, m->raw_len, f->text);
	}
	return text_hit;
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
