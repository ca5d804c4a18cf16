/*
 * diff_fields.c - field-by-field comparison of two copies of one SIP
 * message, and whether the NAT mapping explains each change (diff.h).
 *
 * Both copies are cut the same way, with length-bounded memchr only:
 *
 *   start line      Request-URI (requests) or the whole status line
 *   header lines    one value per header line; Via, Contact, Route and
 *                   Record-Route split at commas outside <> and quotes;
 *                   compact names expanded (RFC 3261 section 7.3.3, 20);
 *                   folded lines stay with their header
 *   Via values      sent-by and each ;param by name (received, rport,
 *                   maddr, branch ... RFC 3261 section 18.2.2, RFC 3581)
 *   SDP body        one value per line, keyed by section (session or m[k])
 *                   and type, "a=" lines by attribute name (RFC 8866)
 *
 * A field is identified by (section, name, occurrence): "Via[1]" is the
 * second Via value, "SDP m[0] c=" the c= line of the first media section.
 * Values with no counterpart are added or removed fields.
 *
 * A changed value is explained when the two texts differ only in address
 * tokens (IPv4, [IPv6], with or without :port, or a bare port number) and
 * each differing token pair is a private -> public translation the mapping
 * table knows (public -> private for inbound copies).  A Content-Length
 * change is explained when the new value is the body length carried.
 * Anything else (text changes, added or removed headers and lines, an
 * address or port the mapping does not hold) is not.
 *
 * Limits: DIFF_MSG_VALUES values per message and per body are compared;
 * the rest is ignored.  Reordered headers show as changes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "diff/diff.h"
#include "diff/diff_int.h"
#include "base/text.h"

/* Per-pair feature flags, summed into diff_features afterwards. */
struct pflags {
	bool any, via_top, via_lower, via_restored, contact, ruri, from_to;
	bool call_id, route, sdp_o, sdp_c, sdp_m, sdp_rtcp, sdp_i_added;
	bool hdr_added, hdr_removed, cl_fixed;
};

static const struct {
	char c;
	const char *name;
} compact[] = {
	{ 'a', "Accept-Contact" }, { 'b', "Referred-By" }, { 'c', "Content-Type" },
	{ 'd', "Request-Disposition" }, { 'e', "Content-Encoding" },
	{ 'f', "From" }, { 'i', "Call-ID" }, { 'j', "Reject-Contact" },
	{ 'k', "Supported" }, { 'l', "Content-Length" }, { 'm', "Contact" },
	{ 'o', "Event" }, { 'r', "Refer-To" }, { 's', "Subject" },
	{ 't', "To" }, { 'u', "Allow-Events" }, { 'v', "Via" },
	{ 'x', "Session-Expires" }, { 'y', "Identity" },
};

static void
canon_name(char *dst, size_t n, const uint8_t *p, size_t len)
{
	if (len == 1) {
		for (size_t i = 0; i < sizeof(compact) / sizeof(compact[0]); i++)
			if (tolower(p[0]) == compact[i].c) {
				snprintf(dst, n, "%s", compact[i].name);
				return;
			}
	}
	text_copy(dst, n, p, len);
}

static bool
multi_valued(const char *name)
{
	return strcasecmp(name, "Via") == 0 ||
	    strcasecmp(name, "Contact") == 0 ||
	    strcasecmp(name, "Route") == 0 ||
	    strcasecmp(name, "Record-Route") == 0;
}

static int
next_idx(const struct fval *vals, int n, int section, const char *name)
{
	int idx = 0;

	for (int i = 0; i < n; i++)
		if (vals[i].section == section &&
		    strcasecmp(vals[i].name, name) == 0)
			idx++;
	return idx;
}

static void
add_val(struct fval *vals, int *n, int section, const char *name,
    const uint8_t *v, size_t vlen)
{
	struct fval *f;

	if (*n >= DIFF_MSG_VALUES)
		return;
	text_trim(&v, &vlen);
	f = &vals[*n];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->section = section;
	f->idx = next_idx(vals, *n, section, name);
	f->v = v;
	f->vlen = vlen;
	(*n)++;
}

/* Splits a header value at commas outside <> and "..." (RFC 3261 7.3.1). */
static void
add_header(struct mview *mv, const char *name, const uint8_t *v, size_t vlen)
{
	size_t s = 0;
	int angle = 0;
	bool quote = false;

	int first = mv->nh;

	if (!multi_valued(name)) {
		add_val(mv->hv, &mv->nh, 0, name, v, vlen);
		if (mv->nh > first)
			mv->hv[first].line_first = true;
		return;
	}
	for (size_t i = 0; i <= vlen; i++) {
		if (i == vlen || (v[i] == ',' && angle == 0 && !quote)) {
			add_val(mv->hv, &mv->nh, 0, name, v + s, i - s);
			if (s == 0 && mv->nh > first)
				mv->hv[first].line_first = true;
			s = i + 1;
			continue;
		}
		if (v[i] == '"' && (i == 0 || v[i - 1] != '\\'))
			quote = !quote;
		else if (!quote && v[i] == '<')
			angle++;
		else if (!quote && v[i] == '>' && angle > 0)
			angle--;
	}
}

/* Cuts one line at p (bounded by end); *next is past its LF. */
static size_t
line_at(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len;

	if (nl == NULL) {
		*next = end;
		len = (size_t)(end - p);
	} else {
		*next = nl + 1;
		len = (size_t)(nl - p);
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

static void
view_sdp(struct mview *mv)
{
	const uint8_t *p = mv->body, *end = mv->body + mv->body_len, *next;
	int section = 0;
	char name[40];

	while (p < end) {
		size_t len = line_at(p, end, &next);

		if (len >= 2 && p[1] == '=') {
			if (p[0] == 'm')
				section++;
			if (p[0] == 'a') {
				const uint8_t *c = memchr(p, ':', len);
				size_t nl = c ? (size_t)(c - p) : len;

				text_copy(name, sizeof(name), p, nl);
			} else {
				text_copy(name, sizeof(name), p, 2);
			}
			add_val(mv->sv, &mv->ns, section, name, p, len);
		}
		p = next;
	}
}

void
diff_view(struct mview *mv, const uint8_t *raw, size_t len)
{
	const uint8_t *p = raw, *end = raw + len, *next;
	struct fval *last = NULL;
	char name[40];

	memset(mv, 0, sizeof(*mv));
	mv->start = p;
	mv->start_len = line_at(p, end, &next);
	mv->is_request = !(mv->start_len >= 4 && memcmp(p, "SIP/", 4) == 0);
	p = next;
	while (p < end) {
		size_t l = line_at(p, end, &next);
		const uint8_t *colon;

		if (l == 0) {
			mv->body = next;
			mv->body_len = (size_t)(end - next);
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && last != NULL) {
			/* Folded: the value runs on to this line's end. */
			last->vlen = (size_t)(p + l - last->v);
		} else if ((colon = memchr(p, ':', l)) != NULL) {
			const uint8_t *n = p;
			size_t nlen = (size_t)(colon - p);
			int before = mv->nh;

			text_trim(&n, &nlen);
			canon_name(name, sizeof(name), n, nlen);
			add_header(mv, name, colon + 1,
			    (size_t)(p + l - colon - 1));
			last = mv->nh > before ? &mv->hv[mv->nh - 1] : NULL;
		}
		p = next;
	}
	if (mv->body_len >= 2 && mv->body[0] == 'v' && mv->body[1] == '=')
		view_sdp(mv);
}

/* ---- address tokens ------------------------------------------------- */

static bool
addr_ch(uint8_t c)
{
	return isxdigit(c) || c == '.' || c == ':' || c == '[' || c == ']';
}

/* Next run of address characters or of other characters. */
static bool
next_run(const uint8_t *p, size_t len, size_t *off, const uint8_t **r,
    size_t *rlen, bool *is_addr)
{
	size_t i = *off;

	if (i >= len)
		return false;
	*is_addr = addr_ch(p[i]);
	*r = p + i;
	while (i < len && addr_ch(p[i]) == *is_addr)
		i++;
	*rlen = (size_t)(p + i - *r);
	*off = i;
	return true;
}

static bool
all_digits(const uint8_t *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit(p[i]))
			return false;
	return true;
}

/* An address token: ip[:port], [ipv6][:port], ipv6, or a bare port. */
static bool
parse_tok(const uint8_t *p, size_t len, struct ep *e, bool *has_ip)
{
	size_t colons = 0, last_colon = 0;
	bool dot = false;
	uint64_t port;

	ep_clear(e);
	*has_ip = false;
	while (len > 0 && (p[0] == ':' || p[0] == '.')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ':' || p[len - 1] == '.'))
		len--;
	if (len == 0)
		return false;
	if (p[0] == '[') {
		const uint8_t *rb = memchr(p, ']', len);
		size_t rest;

		if (rb == NULL || ep_parse_ip(e, (const char *)p + 1,
		    (size_t)(rb - p - 1)) != 0)
			return false;
		*has_ip = true;
		rest = len - (size_t)(rb - p) - 1;
		if (rest == 0)
			return true;
		if (rb[1] != ':' || text_parse_uint(rb + 2, rest - 1, 65535,
		    &port) != 0)
			return false;
		e->port = (uint16_t)port;
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == ':') {
			colons++;
			last_colon = i;
		} else if (p[i] == '.') {
			dot = true;
		}
	}
	if (colons == 0 && !dot) {
		if (!all_digits(p, len) ||
		    text_parse_uint(p, len, 65535, &port) != 0)
			return false;
		e->port = (uint16_t)port;
		return true;
	}
	if (dot && colons == 1) {
		if (text_parse_uint(p + last_colon + 1, len - last_colon - 1,
		    65535, &port) != 0 ||
		    ep_parse_ip(e, (const char *)p, last_colon) != 0)
			return false;
		e->port = (uint16_t)port;
		*has_ip = true;
		return true;
	}
	if (ep_parse_ip(e, (const char *)p, len) != 0)
		return false;
	*has_ip = true;
	return true;
}

static bool
explain(const struct diff *d, enum diff_dir dir, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen)
{
	size_t oa = 0, ob = 0;

	for (;;) {
		const uint8_t *ra, *rb;
		size_t la, lb;
		bool ca, cb, ha, hb;
		struct ep ea, eb;
		bool more_a = next_run(a, alen, &oa, &ra, &la, &ca);
		bool more_b = next_run(b, blen, &ob, &rb, &lb, &cb);

		if (!more_a || !more_b)
			return more_a == more_b;
		if (ca != cb)
			return false;
		if (la == lb && memcmp(ra, rb, la) == 0)
			continue;
		if (!ca || !parse_tok(ra, la, &ea, &ha) ||
		    !parse_tok(rb, lb, &eb, &hb))
			return false;
		if (!diff_mapping_explains(d, dir, &ea, ha, &eb, hb))
			return false;
	}
}

/* True when text holds a private IP literal (residue after a rewrite). */
static bool
has_private(const uint8_t *p, size_t len)
{
	size_t off = 0;
	const uint8_t *r;
	size_t rl;
	bool is_addr, has_ip;
	struct ep e;

	while (next_run(p, len, &off, &r, &rl, &is_addr))
		if (is_addr && parse_tok(r, rl, &e, &has_ip) && has_ip &&
		    ep_is_private(&e))
			return true;
	return false;
}

/* ---- changes -------------------------------------------------------- */

struct diff_change *
diff_change_push(struct diff_pair *pr, enum diff_change_kind kind,
    bool explained, const char *field)
{
	struct diff_change *c, *nc;

	nc = realloc(pr->ch, (size_t)(pr->nch + 1) * sizeof(*nc));
	if (nc == NULL)
		return NULL;
	pr->ch = nc;
	c = &pr->ch[pr->nch++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->explained = explained;
	snprintf(c->field, sizeof(c->field), "%s", field);
	return c;
}

static void
add_change(struct diff_pair *pr, enum diff_change_kind kind, bool explained,
    const char *field, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	struct diff_change *c;

	if (!explained)
		pr->nunexplained++;
	if (pr->nch >= DIFF_PAIR_CHANGES) {
		pr->changes_truncated = true;
		return;
	}
	if ((c = diff_change_push(pr, kind, explained, field)) == NULL)
		return;
	text_copy(c->before, sizeof(c->before), a, alen);
	text_copy(c->after, sizeof(c->after), b, blen);
}

static void
field_name(char *dst, size_t n, const struct fval *f, bool sdp)
{
	char idx[16] = "";
	int w;

	if (!sdp) {
		snprintf(dst, n, "%s[%d]", f->name, f->idx);
		return;
	}
	if (f->idx > 0)
		snprintf(idx, sizeof(idx), "[%d]", f->idx);
	if (f->section == 0)
		w = snprintf(dst, n, "SDP %s%s", f->name, idx);
	else
		w = snprintf(dst, n, "SDP m[%d] %s%s", f->section - 1, f->name,
		    idx);
	/* Names are short; a cut one is still a usable label, marked so. */
	if (w > 0 && (size_t)w >= n && n > 1)
		dst[n - 2] = '~';
}

/* Via value: sent-by and the parameters, each compared on its own. */
void
diff_via_split(const uint8_t *v, size_t len, struct via_parts *vp)
{
	const uint8_t *semi = memchr(v, ';', len);
	size_t head = semi ? (size_t)(semi - v) : len;
	size_t sp = head;

	memset(vp, 0, sizeof(*vp));
	while (sp > 0 && v[sp - 1] != ' ' && v[sp - 1] != '\t')
		sp--;
	vp->proto = v;
	vp->proto_len = sp;
	text_trim(&vp->proto, &vp->proto_len);
	vp->sent_by = v + sp;
	vp->sent_by_len = head - sp;
	text_trim(&vp->sent_by, &vp->sent_by_len);
	while (semi != NULL && vp->np < 16) {
		const uint8_t *s = semi + 1, *e = v + len, *n2, *eq;
		size_t plen;

		n2 = memchr(s, ';', (size_t)(e - s));
		plen = n2 ? (size_t)(n2 - s) : (size_t)(e - s);
		eq = memchr(s, '=', plen);
		vp->pn[vp->np] = s;
		vp->pnl[vp->np] = eq ? (size_t)(eq - s) : plen;
		text_trim(&vp->pn[vp->np], &vp->pnl[vp->np]);
		vp->pv[vp->np] = eq ? eq + 1 : s + plen;
		vp->pvl[vp->np] = eq ? plen - (size_t)(eq - s) - 1 : 0;
		text_trim(&vp->pv[vp->np], &vp->pvl[vp->np]);
		vp->np++;
		semi = n2;
	}
}

static bool
mem_ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

static void
compare_via(const struct diff *d, struct diff_pair *pr, int idx,
    const struct fval *a, const struct fval *b, struct pflags *fl)
{
	struct via_parts va, vb;
	bool used[16] = { false };
	char field[48];

	diff_via_split(a->v, a->vlen, &va);
	diff_via_split(b->v, b->vlen, &vb);
	if (va.proto_len != vb.proto_len ||
	    memcmp(va.proto, vb.proto, va.proto_len) != 0) {
		snprintf(field, sizeof(field), "Via[%d] protocol", idx);
		add_change(pr, DIFF_CHANGED, false, field, va.proto,
		    va.proto_len, vb.proto, vb.proto_len);
	}
	if (va.sent_by_len != vb.sent_by_len ||
	    memcmp(va.sent_by, vb.sent_by, va.sent_by_len) != 0) {
		snprintf(field, sizeof(field), "Via[%d] sent-by", idx);
		add_change(pr, DIFF_CHANGED, explain(d, pr->dir, va.sent_by,
		    va.sent_by_len, vb.sent_by, vb.sent_by_len), field,
		    va.sent_by, va.sent_by_len, vb.sent_by, vb.sent_by_len);
		if (idx == 0)
			fl->via_top = true;
		else
			fl->via_lower = true;
	}
	for (int i = 0; i < va.np; i++) {
		int j;
		char pname[24];

		text_copy(pname, sizeof(pname), va.pn[i], va.pnl[i]);
		snprintf(field, sizeof(field), "Via[%d] ;%s", idx, pname);
		for (j = 0; j < vb.np; j++)
			if (!used[j] && va.pnl[i] == vb.pnl[j] &&
			    mem_ieq(va.pn[i], vb.pn[j], va.pnl[i]))
				break;
		if (j == vb.np) {
			add_change(pr, DIFF_REMOVED, false, field, va.pv[i],
			    va.pvl[i], (const uint8_t *)"", 0);
			if (idx > 0)
				fl->via_lower = true;
			continue;
		}
		used[j] = true;
		if (va.pvl[i] == vb.pvl[j] &&
		    memcmp(va.pv[i], vb.pv[j], va.pvl[i]) == 0)
			continue;
		add_change(pr, DIFF_CHANGED, explain(d, pr->dir, va.pv[i],
		    va.pvl[i], vb.pv[j], vb.pvl[j]), field, va.pv[i],
		    va.pvl[i], vb.pv[j], vb.pvl[j]);
		if (idx > 0)
			fl->via_lower = true;
		else if (pr->dir == DIFF_INBOUND &&
		    (strcasecmp(pname, "received") == 0 ||
		    strcasecmp(pname, "rport") == 0))
			fl->via_restored = true;
	}
	for (int j = 0; j < vb.np; j++) {
		char pname[24];

		if (used[j])
			continue;
		text_copy(pname, sizeof(pname), vb.pn[j], vb.pnl[j]);
		snprintf(field, sizeof(field), "Via[%d] ;%s", idx, pname);
		add_change(pr, DIFF_ADDED, false, field, (const uint8_t *)"",
		    0, vb.pv[j], vb.pvl[j]);
		if (idx > 0)
			fl->via_lower = true;
	}
}

static void
note_header(const char *name, int idx, struct pflags *fl)
{
	if (strcasecmp(name, "Via") == 0) {
		if (idx == 0)
			fl->via_top = true;
		else
			fl->via_lower = true;
	} else if (strcasecmp(name, "Contact") == 0) {
		fl->contact = true;
	} else if (strcasecmp(name, "From") == 0 ||
	    strcasecmp(name, "To") == 0) {
		fl->from_to = true;
	} else if (strcasecmp(name, "Call-ID") == 0) {
		fl->call_id = true;
	} else if (strcasecmp(name, "Route") == 0 ||
	    strcasecmp(name, "Record-Route") == 0) {
		fl->route = true;
	}
}

static void
note_sdp(const struct fval *f, bool added, struct pflags *fl)
{
	if (strcmp(f->name, "o=") == 0)
		fl->sdp_o = true;
	else if (strcmp(f->name, "c=") == 0)
		fl->sdp_c = true;
	else if (strcmp(f->name, "m=") == 0)
		fl->sdp_m = true;
	else if (strcmp(f->name, "a=rtcp") == 0 ||
	    strcmp(f->name, "a=candidate") == 0)
		fl->sdp_rtcp = true;
	else if (strcmp(f->name, "i=") == 0 && added)
		fl->sdp_i_added = true;
}

static struct fval *
find_val(struct fval *vals, int n, const struct fval *k)
{
	for (int i = 0; i < n; i++)
		if (!vals[i].used && vals[i].section == k->section &&
		    vals[i].idx == k->idx &&
		    strcasecmp(vals[i].name, k->name) == 0) {
			vals[i].used = true;
			return &vals[i];
		}
	return NULL;
}

static void
compare_list(const struct diff *d, struct diff_pair *pr, struct fval *av,
    int an, struct fval *bv, int bn, bool sdp, size_t egr_body,
    struct pflags *fl)
{
	char field[48];

	for (int i = 0; i < an; i++) {
		const struct fval *a = &av[i];
		struct fval *b = find_val(bv, bn, a);
		bool ok;

		field_name(field, sizeof(field), a, sdp);
		if (b == NULL) {
			add_change(pr, DIFF_REMOVED, false, field, a->v,
			    a->vlen, (const uint8_t *)"", 0);
			if (!sdp) {
				fl->hdr_removed = true;
				note_header(a->name, a->idx, fl);
			} else {
				note_sdp(a, false, fl);
			}
			continue;
		}
		if (a->vlen == b->vlen && memcmp(a->v, b->v, a->vlen) == 0)
			continue;
		b->changed = true;
		if (!sdp && strcasecmp(a->name, "Via") == 0) {
			compare_via(d, pr, a->idx, a, b, fl);
			continue;
		}
		if (!sdp && strcasecmp(a->name, "Content-Length") == 0) {
			uint64_t v;

			ok = text_parse_uint(b->v, b->vlen, UINT32_MAX, &v) ==
			    0 && v == egr_body;
			if (ok)
				fl->cl_fixed = true;
			snprintf(field, sizeof(field), "Content-Length");
		} else {
			ok = explain(d, pr->dir, a->v, a->vlen, b->v, b->vlen);
		}
		add_change(pr, DIFF_CHANGED, ok, field, a->v, a->vlen, b->v,
		    b->vlen);
		if (sdp)
			note_sdp(a, false, fl);
		else
			note_header(a->name, a->idx, fl);
	}
	for (int j = 0; j < bn; j++) {
		if (bv[j].used)
			continue;
		field_name(field, sizeof(field), &bv[j], sdp);
		add_change(pr, DIFF_ADDED, false, field, (const uint8_t *)"", 0,
		    bv[j].v, bv[j].vlen);
		if (sdp) {
			note_sdp(&bv[j], true, fl);
		} else {
			fl->hdr_added = true;
			note_header(bv[j].name, bv[j].idx, fl);
		}
	}
}

/* Request line "METHOD SP Request-URI SP SIP/2.0": the URI span. */
static void
ruri_span(const uint8_t *p, size_t len, const uint8_t **u, size_t *ulen)
{
	const uint8_t *s1 = memchr(p, ' ', len), *s2;

	*u = p;
	*ulen = 0;
	if (s1 == NULL)
		return;
	s1++;
	s2 = memchr(s1, ' ', (size_t)(p + len - s1));
	*u = s1;
	*ulen = s2 ? (size_t)(s2 - s1) : (size_t)(p + len - s1);
}

void
diff_fields_compare(const struct diff *d, struct diff_pair *pr,
    const uint8_t *ing, size_t ing_len, const uint8_t *egr, size_t egr_len,
    struct diff_features *f)
{
	struct mview *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct pflags fl;
	int before = pr->nch;

	memset(&fl, 0, sizeof(fl));
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return;
	}
	diff_view(a, ing, ing_len);
	diff_view(b, egr, egr_len);
	if (a->is_request && b->is_request) {
		const uint8_t *ua, *ub;
		size_t ula, ulb;

		ruri_span(a->start, a->start_len, &ua, &ula);
		ruri_span(b->start, b->start_len, &ub, &ulb);
		if (ula != ulb || memcmp(ua, ub, ula) != 0) {
			add_change(pr, DIFF_CHANGED, explain(d, pr->dir, ua,
			    ula, ub, ulb), "Request-URI", ua, ula, ub, ulb);
			fl.ruri = true;
		}
		if (a->start_len - ula != b->start_len - ulb ||
		    memcmp(a->start, b->start, (size_t)(ua - a->start)) != 0)
			add_change(pr, DIFF_CHANGED, false, "Start-Line",
			    a->start, a->start_len, b->start, b->start_len);
	} else if (a->start_len != b->start_len ||
	    memcmp(a->start, b->start, a->start_len) != 0) {
		add_change(pr, DIFF_CHANGED, false, "Status-Line", a->start,
		    a->start_len, b->start, b->start_len);
	}
	compare_list(d, pr, a->hv, a->nh, b->hv, b->nh, false, b->body_len,
	    &fl);
	if (a->ns > 0 || b->ns > 0) {
		compare_list(d, pr, a->sv, a->ns, b->sv, b->ns, true, 0, &fl);
	} else if (a->body_len != b->body_len ||
	    (a->body_len > 0 &&	/* body is NULL when there is none */
	    memcmp(a->body, b->body, a->body_len) != 0)) {
		add_change(pr, DIFF_CHANGED, false, "Body", a->body,
		    a->body_len, b->body, b->body_len);
	}
	fl.any = pr->nch > before;
	if (f != NULL && fl.any) {
		f->payload_rewrites++;
		f->via_top_rewritten += fl.via_top;
		f->via_lower_rewritten += fl.via_lower;
		f->via_params_restored += fl.via_restored;
		f->contact_rewritten += fl.contact;
		f->ruri_rewritten += fl.ruri;
		f->from_to_rewritten += fl.from_to;
		f->call_id_rewritten += fl.call_id;
		f->route_rewritten += fl.route;
		f->sdp_o_rewritten += fl.sdp_o;
		f->sdp_c_rewritten += fl.sdp_c;
		f->sdp_m_port_kept += fl.sdp_c && !fl.sdp_m;
		f->sdp_m_port_changed += fl.sdp_m;
		f->sdp_rtcp_rewritten += fl.sdp_rtcp;
		f->sdp_i_added += fl.sdp_i_added;
		f->headers_added += fl.hdr_added;
		f->headers_removed += fl.hdr_removed;
		f->cl_fixed += fl.cl_fixed;
		if (fl.sdp_c)
			for (int i = 0; i < b->ns; i++)
				if (b->sv[i].used && !b->sv[i].changed &&
				    (strcmp(b->sv[i].name, "a=rtcp") == 0 ||
				    strcmp(b->sv[i].name, "a=candidate") == 0) &&
				    has_private(b->sv[i].v, b->sv[i].vlen))
					f->sdp_private_residue++;
	}
	free(a);
	free(b);
}

int
diff_private_fields(const uint8_t *raw, size_t len, char *out, size_t n)
{
	struct mview *mv = malloc(sizeof(*mv));
	char field[48];
	size_t off = 0;
	int found = 0;

	if (n > 0)
		out[0] = '\0';
	if (mv == NULL)
		return 0;
	diff_view(mv, raw, len);
	for (int i = 0; i < mv->nh + mv->ns; i++) {
		bool sdp = i >= mv->nh;
		const struct fval *f = sdp ? &mv->sv[i - mv->nh] : &mv->hv[i];
		const uint8_t *v = f->v;
		size_t vl = f->vlen;

		if (sdp) {
			if (strcmp(f->name, "c=") != 0 &&
			    strcmp(f->name, "o=") != 0)
				continue;
		} else if (strcasecmp(f->name, "Contact") != 0) {
			if (strcasecmp(f->name, "Via") != 0 || f->idx != 0)
				continue;
			struct via_parts vp;

			diff_via_split(f->v, f->vlen, &vp);
			v = vp.sent_by;
			vl = vp.sent_by_len;
		}
		if (!has_private(v, vl))
			continue;
		found++;
		field_name(field, sizeof(field), f, sdp);
		if (off < n)
			off += (size_t)snprintf(out + off, n - off, "%s%s",
			    off ? " " : "", field);
	}
	free(mv);
	return found;
}
