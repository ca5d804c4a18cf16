/*
 * diff_evidence.c - what every pair of the inside/outside comparison
 * tells about the router's ALG, for the profile guess (diff_int.h;
 * scored in diff_profile.c).
 *
 * For each pair, each field of the ingress copy that holds the
 * translated address (the phone's private address:port outbound, the
 * router's public one inbound) is a cell: field kind (Request-URI, top or
 * lower Via, Via received/rport/maddr, Contact, From, To, Call-ID, Route,
 * Record-Route, SDP c= o= a=rtcp a=candidate, the inbound c= of another
 * phone) and condition (same port as the flow or not, first URI or
 * later, SDP section), counted as rewritten or left in the egress copy.
 * After a c= rewrite also the m= port, an added i= and the
 * Content-Length (fixed, counted from v=, or left).  Headers no ALG
 * knows, kept or removed.  The facts an ALG drop rule looks at (method,
 * longest line, Request-URI length, REGISTER Contact port, IP fragments)
 * of every forwarded message, and of every dropped one.  The public port
 * of each phone port's new requests.  URIs and addresses are found with
 * the scanners of alg/algrule.c, the ones sipalg-sim's ALG rewrites with.
 *
 * Counts are kept per flow (transport and ports of the inside copy, as an
 * ALG decides what it inspects; TCP messages that spanned several
 * segments apart, as an ALG handles them by their own rule) and direction, bounded by the caps
 * DIFF_PROFILE_* (caps.h): what does not fit is counted, not kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alg/algrule.h"
#include "base/text.h"
#include "diff/diff.h"
#include "diff/diff_int.h"
#include "ingest/pkt.h"
#include "ingest/sipframe.h"

/* The translation a pair went through (see the top of the file). */
struct xlat {
	enum diff_dir dir;
	struct ep t;              /* the translated address, ingress side */
	struct ep r;              /* what it becomes, egress side */
	struct ep sender;         /* the ingress copy's source */
	struct diff_ev_flow *fl;
};

static void
count(struct xlat *x, enum diff_cell cell, int cond, bool rewritten)
{
	uint32_t *n;

	if (cond < 0)
		cond = 0;
	if (cond >= DIFF_CONDS)
		cond = DIFF_CONDS - 1;
	n = &x->fl->n[x->dir][cell][cond][rewritten ? 1 : 0];
	if (*n < UINT32_MAX)
		(*n)++;
}

/*
 * The flow of a copy: transport and its two ports, lower first, and
 * whether the message spanned several TCP segments (an ALG treats those
 * by its own rule, tcp_split_msgs).
 */
static struct diff_ev_flow *
flow_get(struct diff_evidence *ev, uint8_t l4, const struct diff_copy *c,
    bool split, int *idx)
{
	uint16_t a = c->src.port, b = c->dst.port;
	uint16_t lo = a < b ? a : b, hi = a < b ? b : a;

	for (size_t i = 0; i < ev->nflows; i++)
		if (ev->flow[i].l4 == l4 && ev->flow[i].port[0] == lo &&
		    ev->flow[i].port[1] == hi && ev->flow[i].split == split) {
			*idx = (int)i;
			return &ev->flow[i];
		}
	if (ev->nflows >= DIFF_PROFILE_FLOWS) {
		ev->flows_over++;
		return NULL;
	}
	*idx = (int)ev->nflows;
	ev->flow[ev->nflows].l4 = l4;
	ev->flow[ev->nflows].port[0] = lo;
	ev->flow[ev->nflows].port[1] = hi;
	ev->flow[ev->nflows].split = split;
	return &ev->flow[ev->nflows++];
}

/* What an ALG's drop rules see in a message (alg.c drop_rules). */
struct facts {
	bool is_req, unknown_method, reg_noport;
	uint32_t max_line, ruri_len;
	char method[16];
};

static void
facts_get(const uint8_t *m, size_t len, enum diff_dir dir, struct facts *f)
{
	size_t i = 0, hdr_end = len, sl_end = 0;
	const uint8_t *sp1, *sp2;

	memset(f, 0, sizeof(*f));
	while (i < len) {
		const uint8_t *nl = memchr(m + i, '\n', len - i);
		size_t le = nl ? (size_t)(nl - m) + 1 : len, line = le - i;

		while (line > 0 && (m[i + line - 1] == '\n' ||
		    m[i + line - 1] == '\r'))
			line--;
		if (i > 0 && line == 0) {
			hdr_end = i;
			break;
		}
		if (i == 0)
			sl_end = le;
		if (line > f->max_line)
			f->max_line = (uint32_t)(line < UINT32_MAX ? line : UINT32_MAX);
		i = le;
	}
	f->is_req = !text_iprefix(m, sl_end, "SIP/");
	if (!f->is_req)
		return;
	sp1 = memchr(m, ' ', sl_end);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', sl_end - (size_t)(sp1 + 1 - m)) : NULL;
	if (sp1 == NULL || sp2 == NULL) {
		f->is_req = false;
		return;
	}
	text_copy(f->method, sizeof(f->method), m, (size_t)(sp1 - m));
	f->unknown_method = !algrule_method_known(m, (size_t)(sp1 - m));
	f->ruri_len = (uint32_t)(sp2 - sp1 - 1);
	if (dir == DIFF_OUTBOUND && text_iprefix(m, sl_end, "REGISTER ")) {
		const uint8_t *v;
		size_t vl;

		f->reg_noport = sipframe_header(m, hdr_end, "Contact", 'm',
		    &v, &vl) && !algrule_contact_has_port(v, vl);
	}
}

static void
max32(uint32_t *a, uint32_t b)
{
	if (b > *a)
		*a = b;
}

static void
inc32(uint32_t *a)
{
	if (*a < UINT32_MAX)
		(*a)++;
}

/* The partner of ingress value k in the egress view (no side effect). */
static const struct fval *
partner(const struct fval *vals, int n, const struct fval *k)
{
	for (int i = 0; i < n; i++)
		if (vals[i].section == k->section && vals[i].idx == k->idx &&
		    strcasecmp(vals[i].name, k->name) == 0)
			return &vals[i];
	return NULL;
}

static bool
same_text(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

/* The j-th URI of v[0..vl) (as an ALG finds them); false if none. */
static bool
uri_at(const uint8_t *v, size_t vl, int j, struct algrule_uri *u)
{
	size_t from = 0;

	for (int k = 0; k <= j; k++) {
		if (!algrule_uri_find(v, vl, from, u))
			return false;
		from = u->end;
	}
	return true;
}

/*
 * Contact, From, To, Route, Record-Route: every URI whose host is the
 * translated address, against the same URI of the egress value.
 */
static void
uris_observe(struct xlat *x, enum diff_cell cell, const struct fval *a,
    const struct fval *b, bool later_value, bool has_rr)
{
	struct algrule_uri u, w;
	size_t from = 0, hl, pl, whl, wpl;
	struct ep e, we;

	for (int j = 0; j < ALGRULE_ALL_URIS &&
	    algrule_uri_find(a->v, a->vlen, from, &u); j++) {
		int cond = 0;

		from = u.end;
		if (!algrule_hostport(a->v + u.host, u.end - u.host, &hl, &pl,
		    &e) || !ep_same_ip(&e, &x->t))
			continue;
		if (!uri_at(b->v, b->vlen, j, &w))
			continue;
		if (!algrule_hostport(b->v + w.host, w.end - w.host, &whl,
		    &wpl, &we))
			whl = wpl = 0;
		if (e.port == x->t.port)
			cond |= DIFF_COND_PORT_OK;
		if (later_value || j > 0)
			cond |= DIFF_COND_LATER;
		if (has_rr)
			cond |= DIFF_COND_RR;
		count(x, cell, cond, !same_text(a->v + u.host, hl + pl,
		    b->v + w.host, whl + wpl));
	}
}

/* True when text holds the address of t as a whole (no digit glued on). */
static bool
holds_addr(const uint8_t *v, size_t vl, const struct ep *t)
{
	char ip[48];
	size_t ml, j = 0;
	const uint8_t *hit;

	ep_ip_str(t, ip, sizeof(ip));
	ml = strlen(ip);
	while (ml > 0 && j < vl && (hit = text_find(v + j, vl - j, ip, ml)) != NULL) {
		size_t at = (size_t)(hit - v);

		if (!((at > 0 && v[at - 1] >= '0' && v[at - 1] <= '9') ||
		    (at + ml < vl && v[at + ml] >= '0' && v[at + ml] <= '9')))
			return true;
		j = at + ml;
	}
	return false;
}

static void
via_observe(struct xlat *x, const struct fval *a, const struct fval *b)
{
	struct via_parts va, vb;
	size_t hl, pl;
	struct ep e;

	diff_via_split(a->v, a->vlen, &va);
	diff_via_split(b->v, b->vlen, &vb);
	if (algrule_hostport(va.sent_by, va.sent_by_len, &hl, &pl, &e) &&
	    hl + pl == va.sent_by_len && ep_same_ip(&e, &x->t))
		count(x, a->idx == 0 ? DIFF_CELL_VIA_TOP : DIFF_CELL_VIA_LOWER,
		    e.port == x->t.port ? DIFF_COND_PORT_OK : 0,
		    !same_text(va.sent_by, va.sent_by_len, vb.sent_by,
		    vb.sent_by_len));
	if (a->idx != 0 || x->dir != DIFF_INBOUND)
		return;
	/* inbound top Via: parameters the ALG may restore (K1) */
	for (int i = 0; i < va.np; i++) {
		enum diff_cell cell;
		uint64_t port;
		int j;

		ep_clear(&e);
		if (text_ieq(va.pn[i], va.pnl[i], "received") &&
		    ep_parse_ip(&e, (const char *)va.pv[i], va.pvl[i]) == 0 &&
		    ep_same_ip(&e, &x->t))
			cell = DIFF_CELL_VIA_RECEIVED;
		else if (text_ieq(va.pn[i], va.pnl[i], "maddr") &&
		    ep_parse_ip(&e, (const char *)va.pv[i], va.pvl[i]) == 0 &&
		    ep_same_ip(&e, &x->t))
			cell = DIFF_CELL_VIA_MADDR;
		else if (text_ieq(va.pn[i], va.pnl[i], "rport") &&
		    text_parse_uint(va.pv[i], va.pvl[i], 65535, &port) == 0 &&
		    port == x->t.port && x->t.port != x->r.port)
			/* restoring a preserved port changes nothing visible */
			cell = DIFF_CELL_VIA_RPORT;
		else
			continue;
		for (j = 0; j < vb.np; j++)
			if (vb.pnl[j] == va.pnl[i] &&
			    strncasecmp((const char *)vb.pn[j],
			    (const char *)va.pn[i], va.pnl[i]) == 0)
				break;
		if (j < vb.np)
			count(x, cell, 0, !same_text(va.pv[i], va.pvl[i],
			    vb.pv[j], vb.pvl[j]));
	}
}

static void
headers_observe(struct xlat *x, const struct mview *a, const struct mview *b)
{
	bool has_rr = false;

	for (int i = 0; i < a->nh; i++)
		if (algrule_header((const uint8_t *)a->hv[i].name,
		    strlen(a->hv[i].name)) == ALGRULE_RECORD_ROUTE)
			has_rr = true;
	for (int i = 0; i < a->nh; i++) {
		const struct fval *av = &a->hv[i];
		const struct fval *bv = partner(b->hv, b->nh, av);
		size_t nl = strlen(av->name);
		int f = algrule_header((const uint8_t *)av->name, nl);

		if (!algrule_header_known((const uint8_t *)av->name, nl)) {
			/* a header no ALG knows: a stripping ALG removes it */
			if (av->line_first)
				count(x, DIFF_CELL_UNKNOWN_HEADER, 0, bv == NULL);
			continue;
		}
		if (bv == NULL)
			continue;
		switch (f) {
		case ALGRULE_VIA:
			via_observe(x, av, bv);
			break;
		case ALGRULE_CONTACT:
			uris_observe(x, DIFF_CELL_CONTACT, av, bv,
			    !av->line_first, has_rr);
			break;
		case ALGRULE_FROM:
		case ALGRULE_TO:
			uris_observe(x, f == ALGRULE_FROM ? DIFF_CELL_FROM :
			    DIFF_CELL_TO, av, bv, av->idx > 0, false);
			break;
		case ALGRULE_ROUTE:
		case ALGRULE_RECORD_ROUTE:
			uris_observe(x, f == ALGRULE_ROUTE ? DIFF_CELL_ROUTE :
			    DIFF_CELL_RECORD_ROUTE, av, bv, !av->line_first,
			    false);
			break;
		case ALGRULE_CALL_ID:
			if (holds_addr(av->v, av->vlen, &x->t))
				count(x, DIFF_CELL_CALL_ID, 0,
				    !same_text(av->v, av->vlen, bv->v, bv->vlen));
			break;
		default:
			break;
		}
	}
}

/* The Request-URI span of a request start line. */
static bool
ruri_of(const struct mview *m, const uint8_t **u, size_t *ul)
{
	const uint8_t *p = m->start, *s1, *s2;
	size_t len = m->start_len;

	if (!m->is_request || (s1 = memchr(p, ' ', len)) == NULL)
		return false;
	s1++;
	if ((s2 = memchr(s1, ' ', (size_t)(p + len - s1))) == NULL)
		return false;
	*u = s1;
	*ul = (size_t)(s2 - s1);
	return true;
}

static void
ruri_observe(struct xlat *x, const struct mview *a, const struct mview *b)
{
	const uint8_t *ua, *ub;
	size_t ula, ulb, hl, pl;
	struct algrule_uri u;
	struct ep e;

	if (!ruri_of(a, &ua, &ula) || !ruri_of(b, &ub, &ulb) ||
	    !algrule_uri_find(ua, ula, 0, &u) ||
	    !algrule_hostport(ua + u.host, u.end - u.host, &hl, &pl, &e) ||
	    !ep_same_ip(&e, &x->t))
		return;
	count(x, DIFF_CELL_RURI, e.port == x->t.port ? DIFF_COND_PORT_OK : 0,
	    !same_text(ua, ula, ub, ulb));
}

/* The address in the last token of an SDP c= or o= line, if any. */
static bool
sdp_addr(const struct fval *f, struct ep *e)
{
	size_t a = f->vlen;

	while (a > 0 && f->v[a - 1] != ' ')
		a--;
	ep_clear(e);
	return a > 0 && ep_parse_ip(e, (const char *)f->v + a, f->vlen - a) == 0;
}

/* m= line "m=TYPE PORT ...": handled by an ALG (audio, video, image, port > 0)? */
static bool
media_handled(const struct fval *m, uint64_t *port)
{
	const uint8_t *p = m->v + 2, *e = m->v + m->vlen, *sp, *q;

	*port = 0;
	if (m->vlen < 3 || (sp = memchr(p, ' ', (size_t)(e - p))) == NULL)
		return false;
	q = sp + 1;
	while (q < e && *q >= '0' && *q <= '9')
		q++;
	if (text_parse_uint(sp + 1, (size_t)(q - sp - 1), 65535, port) != 0)
		return false;
	return *port > 0 && (text_ieq(p, (size_t)(sp - p), "audio") ||
	    text_ieq(p, (size_t)(sp - p), "video") ||
	    text_ieq(p, (size_t)(sp - p), "image"));
}

static const struct fval *
sdp_line(const struct mview *m, int section, const char *name, int idx)
{
	for (int i = 0; i < m->ns; i++)
		if (m->sv[i].section == section && m->sv[i].idx == idx &&
		    strcmp(m->sv[i].name, name) == 0)
			return &m->sv[i];
	return NULL;
}

#define MAX_SECTIONS 64

static void
sdp_observe(struct xlat *x, const struct mview *a, const struct mview *b)
{
	bool handled[MAX_SECTIONS] = { false }, done[MAX_SECTIONS] = { false };
	bool any_handled = false, any = false;
	int nsec = 0;

	for (int i = 0; i < a->ns; i++) {
		uint64_t port;

		if (a->sv[i].section + 1 > nsec)
			nsec = a->sv[i].section + 1;
		if (strcmp(a->sv[i].name, "m=") == 0 &&
		    a->sv[i].section < MAX_SECTIONS &&
		    media_handled(&a->sv[i], &port)) {
			handled[a->sv[i].section] = true;
			any_handled = true;
		}
	}
	if (nsec > MAX_SECTIONS)
		nsec = MAX_SECTIONS;
	/* c= lines */
	for (int s = 0; s < nsec; s++) {
		const struct fval *ca = sdp_line(a, s, "c=", 0), *cb;
		struct ep e;

		if (ca == NULL || !sdp_addr(ca, &e) ||
		    (cb = sdp_line(b, s, "c=", 0)) == NULL)
			continue;
		if (s == 0 ? !any_handled : !handled[s])
			continue;
		done[s] = !same_text(ca->v, ca->vlen, cb->v, cb->vlen);
		if (x->dir == DIFF_INBOUND) {
			if (ep_same_ip(&e, &x->t))
				count(x, DIFF_CELL_SDP_SHORTCUT,
				    ep_same_ip(&e, &x->sender) ? 1 : 0, done[s]);
		} else if (ep_same_ip(&e, &x->t)) {
			count(x, DIFF_CELL_SDP_C, s, done[s]);
		} else if (ep_is_private(&e)) {
			count(x, DIFF_CELL_SDP_C_OTHER, 0, done[s]);
		}
		if (done[s])
			any = true;
	}
	if (!any)
		return;
	/* a section without its own c= goes with the session's */
	for (int s = 1; s < nsec; s++)
		if (sdp_line(a, s, "c=", 0) == NULL)
			done[s] = done[0];
	for (int i = 0; i < a->ns; i++) {
		const struct fval *av = &a->sv[i], *bv;
		int s = av->section;
		struct ep e;

		if (s >= MAX_SECTIONS || (bv = partner(b->sv, b->ns, av)) == NULL)
			continue;
		if (s == 0 && strcmp(av->name, "o=") == 0 &&
		    x->dir == DIFF_OUTBOUND && sdp_addr(av, &e) &&
		    ep_same_ip(&e, &x->t))
			count(x, DIFF_CELL_SDP_O, 0, !same_text(av->v, av->vlen,
			    bv->v, bv->vlen));
		if (s == 0 || !done[s])
			continue;
		if (strcmp(av->name, "m=") == 0 && x->dir == DIFF_OUTBOUND) {
			uint64_t pa, pb;

			if (media_handled(av, &pa) && media_handled(bv, &pb))
				count(x, DIFF_CELL_SDP_M, 0, pa != pb);
		} else if (x->dir == DIFF_OUTBOUND &&
		    (strcmp(av->name, "a=rtcp") == 0 ||
		    strcmp(av->name, "a=candidate") == 0) &&
		    holds_addr(av->v, av->vlen, &x->t)) {
			count(x, av->name[2] == 'r' ? DIFF_CELL_SDP_RTCP :
			    DIFF_CELL_SDP_ICE, 0, !same_text(av->v, av->vlen,
			    bv->v, bv->vlen));
		}
	}
	if (x->dir == DIFF_OUTBOUND && sdp_line(a, 0, "i=", 0) == NULL)
		count(x, DIFF_CELL_SDP_I, 0, sdp_line(b, 0, "i=", 0) != NULL);
}

/*
 * Content-Length after a body rewrite that changed its length (the
 * ingress one was right): fixed, counted from v=, or left.
 */
static void
cl_observe(struct xlat *x, const struct diff_copy *ing,
    const struct diff_copy *egr, const struct mview *a, const struct mview *b)
{
	size_t v_off;
	int64_t cl = egr->cl_declared, body = egr->body_bytes;

	if (ing->cl_declared < 0 || ing->cl_stale || cl < 0 ||
	    ing->body_bytes == body || b->body_len == 0 ||
	    same_text(a->body, a->body_len, b->body, b->body_len) ||
	    (v_off = algrule_sdp_start(b->body, b->body_len)) == (size_t)-1)
		return;
	if (v_off == 0) {
		if (cl == body)
			count(x, DIFF_CELL_CL, 0, true);
		else if (cl == ing->cl_declared)
			count(x, DIFF_CELL_CL, 0, false);
		return;
	}
	count(x, DIFF_CELL_CL_EXACT, 0, cl == body);
	count(x, DIFF_CELL_CL_FROM_V, 0, cl == body - (int64_t)v_off);
}

/* Outbound new requests: did the NAT keep one public port per phone port? */
static void
source_observe(struct diff_evidence *ev, const struct diff_pair *pr,
    const struct facts *f)
{
	const struct diff_copy *in = &pr->copy[DIFF_INSIDE];
	const struct diff_copy *out = &pr->copy[DIFF_OUTSIDE];
	struct diff_ev_source *s = NULL;

	if (pr->dir != DIFF_OUTBOUND || !f->is_req ||
	    strcmp(f->method, "ACK") == 0)
		return;
	for (size_t i = 0; i < ev->nsrc; i++)
		if (ev->src[i].l4 == pr->l4 && ep_eq(&ev->src[i].in_src, &in->src) &&
		    ep_eq(&ev->src[i].in_dst, &in->dst))
			s = &ev->src[i];
	if (s == NULL) {
		if (ev->nsrc >= DIFF_PROFILE_SOURCES)
			return;
		s = &ev->src[ev->nsrc++];
		memset(s, 0, sizeof(*s));
		s->l4 = pr->l4;
		s->in_src = in->src;
		s->in_dst = in->dst;
		s->first_pub_port = out->src.port;
	} else if (s->cseq == pr->cseq && strcmp(s->method, f->method) == 0) {
		return;   /* a retransmission */
	}
	s->cseq = pr->cseq;
	snprintf(s->method, sizeof(s->method), "%s", f->method);
	inc32(&s->nnew);
	if (out->src.port != s->first_pub_port)
		s->changed = true;
}

void
diff_evidence_pair(struct diff_evidence *ev, const struct diff_pair *pr,
    const uint8_t *ing, size_t il, const uint8_t *egr, size_t el)
{
	enum diff_side is = pr->dir == DIFF_OUTBOUND ? DIFF_INSIDE : DIFF_OUTSIDE;
	enum diff_side es = is == DIFF_INSIDE ? DIFF_OUTSIDE : DIFF_INSIDE;
	struct mview *a, *b;
	struct facts f;
	struct xlat x;
	struct diff_ev_pass *ps;
	int fi;

	facts_get(ing, il, pr->dir, &f);
	source_observe(ev, pr, &f);
	memset(&x, 0, sizeof(x));
	x.dir = pr->dir;
	x.t = pr->dir == DIFF_OUTBOUND ? pr->copy[DIFF_INSIDE].src :
	    pr->copy[DIFF_OUTSIDE].dst;
	x.r = pr->dir == DIFF_OUTBOUND ? pr->copy[DIFF_OUTSIDE].src :
	    pr->copy[DIFF_INSIDE].dst;
	x.sender = pr->copy[is].src;
	if ((x.fl = flow_get(ev, pr->l4, &pr->copy[DIFF_INSIDE],
	    pr->l4 == PKT_TCP && pr->copy[is].split, &fi)) == NULL)
		return;
	ps = &x.fl->pass[pr->dir];
	inc32(&ps->messages);
	max32(&ps->max_line, f.max_line);
	if (f.is_req) {
		max32(&ps->max_ruri, f.ruri_len);
		if (f.unknown_method)
			inc32(&ps->unknown_method);
		if (f.reg_noport)
			inc32(&ps->reg_noport);
	}
	if (pr->l4 == PKT_UDP && pr->copy[is].nfrags > 1)
		inc32(&ps->frags);
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (a != NULL && b != NULL) {
		diff_view(a, ing, il);
		diff_view(b, egr, el);
		ruri_observe(&x, a, b);
		headers_observe(&x, a, b);
		if (a->ns > 0 && b->ns > 0)
			sdp_observe(&x, a, b);
		cl_observe(&x, &pr->copy[is], &pr->copy[es], a, b);
	}
	free(a);
	free(b);
}

void
diff_evidence_single(struct diff_evidence *ev, const struct diff_pair *pr,
    const uint8_t *raw, size_t len)
{
	enum diff_side side = pr->copy[DIFF_INSIDE].present ? DIFF_INSIDE :
	    DIFF_OUTSIDE;
	struct diff_ev_drop *dr;
	struct facts f;
	int fi;

	if (pr->cls != DIFF_DROPPED)
		return;
	facts_get(raw, len, pr->dir, &f);
	/* kept whatever it trips: the scoring asks each profile's rules */
	if (flow_get(ev, pr->l4, &pr->copy[side],
	    pr->l4 == PKT_TCP && pr->copy[side].split, &fi) == NULL)
		return;
	if (ev->ndrops >= DIFF_PROFILE_DROPS) {
		ev->drops_over++;
		return;
	}
	dr = &ev->drop[ev->ndrops++];
	memset(dr, 0, sizeof(*dr));
	dr->dir = (uint8_t)pr->dir;
	dr->flow = (uint8_t)fi;
	dr->l4 = pr->l4;
	dr->split = pr->l4 == PKT_TCP && pr->copy[side].split;
	dr->unknown_method = f.unknown_method;
	dr->reg_noport = f.reg_noport;
	dr->nfrags = pr->l4 == PKT_UDP ? pr->copy[side].nfrags : 0;
	dr->max_line = f.max_line;
	dr->ruri_len = f.ruri_len;
	text_copy(dr->label, sizeof(dr->label), pr->label, strlen(pr->label));
}

