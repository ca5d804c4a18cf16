/*
 * diff_pairing.c - pairing the inside and outside copies of SIP messages
 * and RTP packets (see diff.c for the two passes).  A message waits in
 * the pending table (FIFO by arrival, keyed by Call-ID user part, CSeq,
 * method/status, From tag, top Via branch) for its copy on the other
 * side at most the window; a pair is compared field by field
 * (diff_fields.c), handed to the profile guess's evidence, and gathered
 * with the other pairs of its Call-ID into a dialog, handed out once the
 * dialog has been quiet for DIFF_DIALOG_QUIET_NS.  A message whose copy
 * does not come was dropped or injected by the router (which one: its
 * direction).  RTP packets wait the same way and are only counted.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "diff/diff_state.h"
#include "sip/rtp.h"
#include "sip/sipmsg.h"

/* Truncating copy of a NUL-terminated string we made ourselves. */
static void
scopy(char *dst, size_t n, const char *src)
{
	text_copy(dst, n, src, strnlen(src, n - 1));
}

/* ---- dialogs -------------------------------------------------------- */

static int
dlg_match(const struct hnode *n, const void *key)
{
	return strcmp(HTAB_ENTRY(n, struct ddlg, node)->cid_user,
	    (const char *)key) == 0;
}

static void
lru_unlink(struct diff *d, struct ddlg *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		d->lru_head = g->next;
	if (g->next)
		g->next->prev = g->prev;
	else
		d->lru_tail = g->prev;
	g->prev = g->next = NULL;
}

static void
lru_append(struct diff *d, struct ddlg *g)
{
	g->prev = d->lru_tail;
	g->next = NULL;
	if (d->lru_tail)
		d->lru_tail->next = g;
	else
		d->lru_head = g;
	d->lru_tail = g;
}

void
diff_pair_fini(struct diff_pair *pr)
{
	free(pr->ch);
	pr->ch = NULL;
	pr->nch = 0;
}

static void
dialog_flush(struct diff *d, struct ddlg *g)
{
	lru_unlink(d, g);
	htab_del(&d->dialogs, &g->node);
	d->dialog_bytes -= g->bytes;
	d->sum.dialogs++;
	if (d->cb.on_dialog)
		d->cb.on_dialog(d->cb.user, &g->pub);
	for (int i = 0; i < g->pub.npairs; i++)
		diff_pair_fini(&g->pub.pairs[i]);
	free(g->pub.pairs);
	free(g);
}

/* Files the pair under its Call-ID; takes ownership of pr's changes. */
static void
dialog_add_pair(struct diff *d, const char *cid_user, const char *call_id,
    struct diff_pair *pr, int64_t now)
{
	uint64_t h = htab_hash(cid_user, strlen(cid_user), HTAB_SEED);
	struct hnode *n = htab_find(&d->dialogs, h, dlg_match, cid_user);
	struct ddlg *g;
	size_t add;

	d->sum.count[pr->cls]++;
	if (n != NULL) {
		g = HTAB_ENTRY(n, struct ddlg, node);
		lru_unlink(d, g);
	} else {
		if ((g = calloc(1, sizeof(*g))) == NULL) {
			diff_pair_fini(pr);
			return;
		}
		scopy(g->cid_user, sizeof(g->cid_user), cid_user);
		scopy(g->pub.call_id, sizeof(g->pub.call_id), call_id);
		g->bytes = sizeof(*g);
		d->dialog_bytes += g->bytes;
		htab_add(&d->dialogs, &g->node, h);
	}
	lru_append(d, g);
	g->last_ns = now;
	g->pub.count[pr->cls]++;
	if (g->pub.npairs >= DIFF_DIALOG_PAIRS) {
		g->pub.pairs_truncated = true;
		diff_pair_fini(pr);
		return;
	}
	if (g->pub.npairs == g->cap) {
		int nc = g->cap ? g->cap * 2 : 8;
		struct diff_pair *np;

		if (nc > DIFF_DIALOG_PAIRS)
			nc = DIFF_DIALOG_PAIRS;
		np = realloc(g->pub.pairs, (size_t)nc * sizeof(*np));
		if (np == NULL) {
			diff_pair_fini(pr);
			return;
		}
		g->bytes += (size_t)(nc - g->cap) * sizeof(*np);
		d->dialog_bytes += (size_t)(nc - g->cap) * sizeof(*np);
		g->pub.pairs = np;
		g->cap = nc;
	}
	g->pub.pairs[g->pub.npairs++] = *pr;
	add = (size_t)pr->nch * sizeof(struct diff_change);
	g->bytes += add;
	d->dialog_bytes += add;
	/* Memory pressure: the least recently active dialogs go out early. */
	while (d->dialog_bytes > DIFF_TOTAL_BYTES && d->lru_head != NULL &&
	    d->lru_head != g)
		dialog_flush(d, d->lru_head);
}

/* ---- SIP pairing ---------------------------------------------------- */

static uint64_t
sip_key(const struct sipent *e)
{
	uint64_t h = HTAB_SEED;

	h = htab_hash(&e->cseq, sizeof(e->cseq), h);
	h = htab_hash(&e->status, sizeof(e->status), h);
	h = htab_hash(e->cseq_method, strlen(e->cseq_method), h);
	h = htab_hash(e->from_tag, strlen(e->from_tag), h);
	return htab_hash(e->branch, strlen(e->branch), h);
}

static bool
same_key(const struct sipent *a, const struct sipent *b)
{
	return a->cseq == b->cseq && a->status == b->status &&
	    strcmp(a->cseq_method, b->cseq_method) == 0 &&
	    strcmp(a->from_tag, b->from_tag) == 0 &&
	    strcmp(a->branch, b->branch) == 0;
}

static void
pending_unlink(struct diff *d, struct sipent *e)
{
	htab_del(&d->pending, &e->node);
	if (e->prev)
		e->prev->next = e->next;
	else
		d->fifo_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		d->fifo_tail = e->prev;
	d->npending--;
}

static void
sipent_free(struct sipent *e)
{
	if (e != NULL) {
		free(e->raw);
		free(e);
	}
}

static void
pair_fill_copy(struct diff_pair *pr, const struct sipent *e)
{
	pr->copy[e->side] = e->copy;
	scopy(pr->call_id[e->side], sizeof(pr->call_id[0]), e->call_id);
}

static void
pair_l3_change(struct diff_pair *pr, const char *field, const struct ep *a,
    const struct ep *b, bool explained)
{
	struct diff_change *c;

	if (ep_eq(a, b) ||
	    (c = diff_change_push(pr, DIFF_CHANGED, explained, field)) == NULL)
		return;
	ep_str(a, c->before, sizeof(c->before));
	ep_str(b, c->after, sizeof(c->after));
	if (!explained)
		pr->nunexplained++;
}

/* Both copies found: learn the mapping, compare, classify, file. */
static void
make_pair(struct diff *d, struct sipent *in, struct sipent *out)
{
	struct diff_pair pr;
	const struct sipent *ing, *egr;
	enum diff_dir dir = in->dir;
	int l3_unexplained;

	memset(&pr, 0, sizeof(pr));
	pr.dir = dir;
	pr.l4 = in->l4;
	pr.cseq = in->cseq;
	scopy(pr.label, sizeof(pr.label), in->label);
	pair_fill_copy(&pr, in);
	pair_fill_copy(&pr, out);
	ing = dir == DIFF_OUTBOUND ? in : out;
	egr = dir == DIFF_OUTBOUND ? out : in;

	/* L3/L4: the NAT.  The translated end defines the mapping. */
	if (dir == DIFF_OUTBOUND) {
		diff_mapping_add(d, in->l4, &in->copy.src, &out->copy.src,
		    &out->copy.dst, in->adj_ns, false);
		pair_l3_change(&pr, "L3/L4 src", &in->copy.src,
		    &out->copy.src, true);
		pair_l3_change(&pr, "L3/L4 dst", &in->copy.dst,
		    &out->copy.dst, false);
	} else {
		diff_mapping_add(d, in->l4, &in->copy.dst, &out->copy.dst,
		    &out->copy.src, in->adj_ns, false);
		pair_l3_change(&pr, "L3/L4 src", &out->copy.src,
		    &in->copy.src, false);
		pair_l3_change(&pr, "L3/L4 dst", &out->copy.dst,
		    &in->copy.dst, true);
	}
	l3_unexplained = pr.nunexplained;
	if (dir == DIFF_OUTBOUND && diff_private_fields(out->raw, out->raw_len,
	    pr.private_leak, sizeof(pr.private_leak)) > 0)
		d->feat.private_leaks++;

	diff_evidence_pair(&d->ev, &pr, ing->raw, ing->raw_len, egr->raw,
	    egr->raw_len);
	if (ing->raw_len == egr->raw_len &&
	    memcmp(ing->raw, egr->raw, ing->raw_len) == 0) {
		pr.cls = DIFF_IDENTICAL;
		if (l3_unexplained)
			scopy(pr.reason, sizeof(pr.reason),
			    "remote address changed");
	} else {
		diff_fields_compare(d, &pr, ing->raw, ing->raw_len, egr->raw,
		    egr->raw_len, &d->feat);
		pr.cls = DIFF_CONSISTENT;
		if (egr->copy.cl_stale && !ing->copy.cl_stale) {
			pr.cls = DIFF_INCONSISTENT;
			d->feat.cl_stale++;
			snprintf(pr.reason, sizeof(pr.reason),
			    "stale Content-Length: declared %lld, body %lld bytes",
			    (long long)egr->copy.cl_declared,
			    (long long)egr->copy.body_bytes);
		}
		if (pr.nunexplained > 0) {
			pr.cls = DIFF_INCONSISTENT;
			if (pr.reason[0] == '\0') {
				for (int i = 0; i < pr.nch; i++)
					if (!pr.ch[i].explained) {
						snprintf(pr.reason,
						    sizeof(pr.reason),
						    "%s %s not explained by the NAT mapping",
						    pr.ch[i].field,
						    diff_change_kind_name(
						    pr.ch[i].kind));
						break;
					}
			}
		}
	}
	dialog_add_pair(d, in->cid_user[0] ? in->cid_user : out->cid_user,
	    in->call_id, &pr, d->now_ns);
}

/* No partner within the window: dropped or injected, by side and direction. */
static void
make_single(struct diff *d, struct sipent *e)
{
	struct diff_pair pr;

	memset(&pr, 0, sizeof(pr));
	pr.dir = e->dir;
	pr.l4 = e->l4;
	pr.cseq = e->cseq;
	scopy(pr.label, sizeof(pr.label), e->label);
	pair_fill_copy(&pr, e);
	if ((e->side == DIFF_INSIDE) == (e->dir == DIFF_OUTBOUND)) {
		pr.cls = DIFF_DROPPED;
		snprintf(pr.reason, sizeof(pr.reason),
		    "seen %s only: not forwarded %s",
		    e->side == DIFF_INSIDE ? "inside" : "outside",
		    e->dir == DIFF_OUTBOUND ? "to the outside" :
		    "to the inside");
	} else {
		pr.cls = DIFF_INJECTED;
		snprintf(pr.reason, sizeof(pr.reason),
		    "seen %s only: no %s copy",
		    e->side == DIFF_INSIDE ? "inside" : "outside",
		    e->side == DIFF_INSIDE ? "outside" : "inside");
	}
	diff_evidence_single(&d->ev, &pr, e->raw, e->raw_len);
	dialog_add_pair(d, e->cid_user, e->call_id, &pr, d->now_ns);
}

/* Search state for the oldest matching pending copy on the other side. */
struct find_ctx {
	const struct sipent *e;
	int64_t window;
	struct sipent *best, *best_cid;
};

static int
pending_scan(const struct hnode *n, const void *key)
{
	const struct find_ctx *fcc = key;
	struct find_ctx *fc = (struct find_ctx *)(uintptr_t)fcc;
	struct sipent *c = HTAB_ENTRY(n, struct sipent, node);
	int64_t dt;

	if (c->side == fc->e->side || !same_key(c, fc->e))
		return 0;
	dt = c->adj_ns - fc->e->adj_ns;
	if (dt < -fc->window || dt > fc->window)
		return 0;
	if (strcmp(c->cid_user, fc->e->cid_user) == 0) {
		if (fc->best_cid == NULL || c->adj_ns < fc->best_cid->adj_ns)
			fc->best_cid = c;
	} else if (c->from_tag[0] && c->branch[0]) {
		/* Call-ID rewritten wholly (Call-ID hiding): tags decide. */
		if (fc->best == NULL || c->adj_ns < fc->best->adj_ns)
			fc->best = c;
	}
	return 0;
}

static void
sip_expire(struct diff *d, int64_t now)
{
	while (d->fifo_head != NULL &&
	    d->fifo_head->adj_ns < now - d->window) {
		struct sipent *e = d->fifo_head;

		pending_unlink(d, e);
		make_single(d, e);
		sipent_free(e);
	}
}

static void
sip_offer(struct diff *d, struct sipent *e, struct anomalies *an)
{
	struct find_ctx fc = { e, d->window, NULL, NULL };
	uint64_t h = sip_key(e);
	struct sipent *m;

	htab_find(&d->pending, h, pending_scan, &fc);
	m = fc.best_cid ? fc.best_cid : fc.best;
	if (m != NULL) {
		pending_unlink(d, m);
		if (e->side == DIFF_INSIDE)
			make_pair(d, e, m);
		else
			make_pair(d, m, e);
		sipent_free(m);
		sipent_free(e);
		return;
	}
	if (d->npending >= DIFF_SIP_PENDING && d->fifo_head != NULL) {
		struct sipent *old = d->fifo_head;

		anomaly_add(an, ANOMALY_DIALOG_TABLE_FULL);
		pending_unlink(d, old);
		make_single(d, old);
		sipent_free(old);
	}
	htab_add(&d->pending, &e->node, h);
	e->prev = d->fifo_tail;
	e->next = NULL;
	if (d->fifo_tail)
		d->fifo_tail->next = e;
	else
		d->fifo_head = e;
	d->fifo_tail = e;
	d->npending++;
}

/* ---- per-message input ---------------------------------------------- */

static void
cid_user(char *dst, size_t n, const char *cid)
{
	const char *at = strchr(cid, '@');
	size_t l = at ? (size_t)(at - cid) : strlen(cid);

	text_copy(dst, n, cid, l);
}

static uint64_t
sample_key(const struct sipmsg *m, const char *cu)
{
	uint64_t h = HTAB_SEED;
	int status = m->status;
	const char *br = m->nvia > 0 ? m->via[0].branch : "";

	h = htab_hash(cu, strlen(cu), h);
	h = htab_hash(&m->cseq, sizeof(m->cseq), h);
	h = htab_hash(&status, sizeof(status), h);
	h = htab_hash(m->cseq_method, strlen(m->cseq_method), h);
	h = htab_hash(m->from_tag, strlen(m->from_tag), h);
	return htab_hash(br, strlen(br), h);
}

/*
 * Body bytes really carried: data_len - body_off, except CR/LF/NUL padding
 * beyond a declared Content-Length, which sipframe drops too.
 */
static int64_t
carried_body(const uint8_t *data, size_t data_len, size_t body_off,
    int64_t declared)
{
	size_t actual = data_len > body_off ? data_len - body_off : 0;

	if (declared >= 0 && (uint64_t)declared < actual) {
		for (size_t i = body_off + (size_t)declared; i < data_len; i++)
			if (data[i] != '\r' && data[i] != '\n' && data[i] != 0)
				return (int64_t)actual;
		return declared;
	}
	return (int64_t)actual;
}

void
diff_pairing_sip(struct dside *s, const struct pkt *p, const uint8_t *msg,
    size_t msg_len, size_t data_len, size_t body_off, uint8_t l4, bool split)
{
	struct diff *d = s->d;
	struct sipmsg *m;
	struct sipent *e;
	char cu[256];

	m = sipmsg_parse(msg, msg_len, s->an);
	if (m == NULL)
		return;
	cid_user(cu, sizeof(cu), m->call_id);
	if (s->pass == 1) {
		if (d->nsamples[s->side] < DIFF_OFFSET_SAMPLES) {
			struct sample *sm =
			    &d->samples[s->side][d->nsamples[s->side]++];

			sm->key = sample_key(m, cu);
			sm->ts_ns = p->ts_ns;
		}
		sipmsg_free(m);
		return;
	}
	d->sum.sip[s->side]++;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->raw = malloc(data_len ? data_len : 1)) == NULL) {
		free(e);
		sipmsg_free(m);
		return;
	}
	memcpy(e->raw, msg, data_len);
	e->raw_len = data_len;
	e->side = s->side;
	e->l4 = l4;
	e->dir = diff_mapping_dir(d, s->side, &p->src, &p->dst);
	e->adj_ns = s->side == DIFF_OUTSIDE ? p->ts_ns - d->sum.offset_ns :
	    p->ts_ns;
	e->copy.present = true;
	e->copy.ts_ns = p->ts_ns;
	e->copy.frame = p->frame;
	e->copy.src = p->src;
	e->copy.dst = p->dst;
	e->copy.len = (uint32_t)data_len;
	e->copy.nfrags = p->nfrags;
	e->copy.split = split;
	e->copy.cl_declared = m->content_length;
	e->copy.body_bytes = carried_body(msg, data_len, body_off,
	    m->content_length);
	e->copy.cl_stale = m->content_length >= 0 &&
	    m->content_length != e->copy.body_bytes;
	scopy(e->call_id, sizeof(e->call_id), m->call_id);
	scopy(e->cid_user, sizeof(e->cid_user), cu);
	sipmsg_label(m, e->label, sizeof(e->label));
	scopy(e->cseq_method, sizeof(e->cseq_method), m->cseq_method);
	scopy(e->from_tag, sizeof(e->from_tag), m->from_tag);
	if (m->nvia > 0)
		scopy(e->branch, sizeof(e->branch), m->via[0].branch);
	e->cseq = m->cseq;
	e->status = m->status;
	sipmsg_free(m);
	sip_offer(d, e, s->an);
}

/* ---- RTP ------------------------------------------------------------ */

struct skey {
	uint32_t ssrc;
	enum diff_dir dir;
};

static uint64_t
stream_hash(uint32_t ssrc, enum diff_dir dir)
{
	uint32_t k[2] = { ssrc, (uint32_t)dir };

	return htab_hash(k, sizeof(k), HTAB_SEED);
}

static int
stream_match(const struct hnode *n, const void *key)
{
	const struct dstream *st = HTAB_ENTRY(n, struct dstream, node);
	const struct skey *k = key;

	return st->s.ssrc == k->ssrc && st->s.dir == k->dir;
}

static void
rtp_unpaired(struct dstream *st, int side)
{
	if ((side == DIFF_INSIDE) == (st->s.dir == DIFF_OUTBOUND))
		st->s.dropped++;
	else
		st->s.injected++;
}

static void
rtp_expire(struct diff *d, int64_t now)
{
	for (size_t i = 0; i < d->nstreams; i++) {
		struct dstream *st = d->stream_list[i];
		size_t k = 0;

		while (k < st->npend && st->pend[k].adj_ns < now - d->window)
			rtp_unpaired(st, st->pend[k++].side);
		if (k > 0) {
			memmove(st->pend, st->pend + k,
			    (st->npend - k) * sizeof(*st->pend));
			st->npend -= k;
		}
	}
}

static struct dstream *
stream_get(struct diff *d, uint32_t ssrc, enum diff_dir dir,
    struct anomalies *an)
{
	struct skey k = { ssrc, dir };
	uint64_t h = stream_hash(ssrc, dir);
	struct hnode *n = htab_find(&d->streams, h, stream_match, &k);
	struct dstream *st, **nl;

	if (n != NULL)
		return HTAB_ENTRY(n, struct dstream, node);
	if (d->nstreams >= DIFF_STREAMS) {
		anomaly_add(an, ANOMALY_STREAM_TABLE_FULL);
		return NULL;
	}
	if (d->nstreams == d->stream_cap) {
		size_t nc = d->stream_cap ? d->stream_cap * 2 : 16;

		/* NOLINTNEXTLINE(bugprone-sizeof-expression): pointer array */
		if ((nl = realloc(d->stream_list, nc * sizeof(*nl))) == NULL)
			return NULL;
		d->stream_list = nl;
		d->stream_cap = nc;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->s.ssrc = ssrc;
	st->s.dir = dir;
	htab_add(&d->streams, &st->node, h);
	d->stream_list[d->nstreams++] = st;
	return st;
}

void
diff_pairing_rtp(struct dside *s, const struct pkt *p)
{
	struct diff *d = s->d;
	struct rtp_hdr h;
	struct dstream *st;
	enum diff_dir dir;
	int64_t adj;
	int other = s->side == DIFF_INSIDE ? DIFF_OUTSIDE : DIFF_INSIDE;

	if (s->pass != 2 || !rtp_looks_like(p->payload, p->len) ||
	    rtp_parse(p->payload, p->len, &h) != 0)
		return;
	dir = diff_mapping_dir(d, s->side, &p->src, &p->dst);
	if ((st = stream_get(d, h.ssrc, dir, s->an)) == NULL)
		return;
	adj = s->side == DIFF_OUTSIDE ? p->ts_ns - d->sum.offset_ns : p->ts_ns;
	d->sum.rtp[s->side]++;
	st->s.pkts[s->side]++;
	if (s->side == DIFF_INSIDE && st->s.in_src.family == 0) {
		st->s.in_src = p->src;
		st->s.in_dst = p->dst;
	} else if (s->side == DIFF_OUTSIDE && st->s.out_src.family == 0) {
		st->s.out_src = p->src;
		st->s.out_dst = p->dst;
	}
	if (st->s.first_ns == 0 || adj < st->s.first_ns)
		st->s.first_ns = adj;
	if (adj > st->s.last_ns)
		st->s.last_ns = adj;
	for (size_t i = 0; i < st->npend; i++) {
		struct rtpent *r = &st->pend[i];
		int64_t dt = r->adj_ns - adj;

		if (r->side != other || r->seq != h.seq || dt < -d->window ||
		    dt > d->window)
			continue;
		memmove(r, r + 1, (st->npend - i - 1) * sizeof(*r));
		st->npend--;
		st->s.paired++;
		if (dir == DIFF_OUTBOUND)
			diff_mapping_add(d, PKT_UDP, &st->s.in_src,
			    &st->s.out_src, &st->s.out_dst, adj, true);
		else
			diff_mapping_add(d, PKT_UDP, &st->s.in_dst,
			    &st->s.out_dst, &st->s.out_src, adj, true);
		return;
	}
	if (st->npend == DIFF_RTP_PENDING) {
		anomaly_add(s->an, ANOMALY_STREAM_TABLE_FULL);
		rtp_unpaired(st, st->pend[0].side);
		memmove(st->pend, st->pend + 1,
		    (st->npend - 1) * sizeof(*st->pend));
		st->npend--;
	}
	if (st->npend == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 16;
		struct rtpent *np;

		if (nc > DIFF_RTP_PENDING)
			nc = DIFF_RTP_PENDING;
		if ((np = realloc(st->pend, nc * sizeof(*np))) == NULL)
			return;
		st->pend = np;
		st->cap = nc;
	}
	st->pend[st->npend].adj_ns = adj;
	st->pend[st->npend].seq = h.seq;
	st->pend[st->npend].side = (uint8_t)s->side;
	st->npend++;
}


void
diff_pairing_expire(struct diff *d, bool all)
{
	int64_t now = all ? INT64_MAX / 2 : d->now_ns;

	sip_expire(d, now);
	rtp_expire(d, now);
	while (d->lru_head != NULL &&
	    (all || d->lru_head->last_ns < now - DIFF_DIALOG_QUIET_NS))
		dialog_flush(d, d->lru_head);
}

/*
 * Frees what pairing still holds: pending messages, dialogs not yet
 * handed out, RTP streams.
 */
void
diff_pairing_free(struct diff *d)
{
	while (d->fifo_head) {
		struct sipent *e = d->fifo_head;

		pending_unlink(d, e);
		sipent_free(e);
	}
	htab_fini(&d->pending);
	/* Dialogs still held are freed without being handed out. */
	while (d->lru_head) {
		struct ddlg *g = d->lru_head;

		/*
		 * The analyzer drops the invariant head->prev == NULL, so
		 * it thinks lru_unlink can leave the freed g as lru_head.
		 */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		lru_unlink(d, g);
		for (int i = 0; i < g->pub.npairs; i++)
			diff_pair_fini(&g->pub.pairs[i]);
		free(g->pub.pairs);
		free(g);
	}
	htab_fini(&d->dialogs);
	for (size_t i = 0; i < d->nstreams; i++) {
		free(d->stream_list[i]->pend);
		free(d->stream_list[i]);
	}
	free(d->stream_list);
	htab_fini(&d->streams);
}
