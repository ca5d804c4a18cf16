/*
 * diff.c - pairing the inside and outside copies of SIP messages and RTP
 * packets, the NAT mapping table and the ALG profile guess (diff.h).
 *
 * Two captures of one router, LAN side and WAN side:
 *
 *   inside.pcap ─▶ ingest ─▶ on_sip / on_media ─┐
 *                                                ├─▶ pending ─▶ pairs ─▶ dialogs ─▶ callback
 *   outside.pcap ─▶ ingest ─▶ on_sip / on_media ─┘   (1 window)            (quiet 40 s)
 *
 * Pass 1 reads both files for two facts: the clock offset, the median of
 * outside - inside time over SIP messages whose key (Call-ID user part,
 * CSeq, method/status, From tag, top Via branch) occurs once on each side
 * (section 4 of ALG-REFERENCE.md: "median delta of obviously paired
 * packets"), and the L3 addresses of each side, so that an address seen
 * only inside is a LAN host and one seen only outside is the router's
 * public address: that gives each message its direction.  Pass 2 merges
 * the files by corrected time; a message waits in a pending table for its
 * copy on the other side at most the window (1 s by default), which bounds
 * that table by the traffic of one window.  RTP packets wait the same way
 * as (side, sequence, time) triples in their stream and are only counted.
 *
 * Which copy is missing decides dropped versus injected: an outbound
 * message seen inside only, or an inbound one seen outside only, was
 * dropped by the router; the other two cases were injected by it.
 *
 * Limits: one router between the captures (no second NAT); the offset is
 * constant over the capture (no drift model); a message whose key the ALG
 * rewrote beyond the Call-ID host (branch, tags, CSeq) is seen as dropped
 * plus injected; over TCP a stale Content-Length cannot be seen because
 * the stream is framed by it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/text.h"
#include "diff/diff.h"
#include "ingest/ingest.h"
#include "sip/rtp.h"
#include "sip/sipmsg.h"

#define HOUSEKEEPING_NS (100 * 1000 * 1000LL)

/* A SIP message waiting for its copy on the other side. */
struct sipent {
	struct hnode node;
	struct sipent *prev, *next;   /* FIFO of all pending, by arrival */
	enum diff_side side;
	enum diff_dir dir;
	uint8_t l4;
	int64_t adj_ns;               /* corrected time (inside clock) */
	struct diff_copy copy;
	uint8_t *raw;                 /* message as carried, body included */
	size_t raw_len;
	char call_id[256];
	char cid_user[256];           /* Call-ID before '@' */
	char label[64];
	char cseq_method[32];
	char from_tag[128];
	char branch[128];
	uint32_t cseq;
	int status;
};

/* Pairs of one Call-ID, waiting for the dialog to go quiet. */
struct ddlg {
	struct hnode node;
	struct ddlg *prev, *next;     /* LRU by last activity */
	char cid_user[256];
	struct diff_dialog pub;
	int cap;
	size_t bytes;
	int64_t last_ns;
};

struct rtpent {
	int64_t adj_ns;
	uint16_t seq;
	uint8_t side;
};

struct dstream {
	struct hnode node;
	struct diff_stream s;
	struct rtpent *pend;
	size_t npend, cap;
};

struct mapnode {
	struct hnode node;            /* by private endpoint */
	struct diff_mapping m;
};

struct addrnode {
	struct hnode node;
	struct ep ip;                 /* port 0 */
};

struct sample {
	uint64_t key;
	int64_t ts_ns;
};

struct dside {
	struct diff *d;
	enum diff_side side;
	int pass;                     /* 1 learn, 2 feed */
	struct anomalies *an;         /* where the current packet's anomalies go */
};

struct diff {
	struct diff_opts o;
	struct diff_cb cb;
	int64_t window;
	struct dside sides[2];
	struct ingest *ing[2];        /* one stage per side, fresh for each pass */
	struct anomalies an[2];

	/* pass 1 */
	struct sample *samples[2];
	size_t nsamples[2];
	struct htab addrs[2];
	bool learnt;

	/* pass 2 */
	struct htab pending;          /* struct sipent by key */
	struct sipent *fifo_head, *fifo_tail;
	size_t npending;
	struct htab dialogs;          /* struct ddlg by Call-ID user part */
	struct ddlg *lru_head, *lru_tail;
	size_t dialog_bytes;
	struct htab streams;          /* struct dstream by ssrc, dir */
	struct dstream **stream_list;
	size_t nstreams, stream_cap;
	struct htab maps;             /* struct mapnode by private ep */
	struct mapnode **map_list;
	size_t nmaps, map_cap;
	int64_t now_ns;
	int64_t last_hk_ns;
	bool finished;

	struct diff_summary sum;
	struct diff_features feat;
	char *path[2];
};

/* Truncating copy of a NUL-terminated string we made ourselves. */
static void
scopy(char *dst, size_t n, const char *src)
{
	text_copy(dst, n, src, strnlen(src, n - 1));
}

/* ---- names ---------------------------------------------------------- */

const char *
diff_class_name(enum diff_class c)
{
	static const char *const names[DIFF_NCLASSES] = {
		"identical", "rewritten_consistent", "rewritten_inconsistent",
		"dropped", "injected"
	};

	return (unsigned)c < DIFF_NCLASSES ? names[c] : "unknown";
}

const char *
diff_dir_name(enum diff_dir dir)
{
	return dir == DIFF_INBOUND ? "inbound" : "outbound";
}

const char *
diff_change_kind_name(enum diff_change_kind k)
{
	switch (k) {
	case DIFF_ADDED:
		return "added";
	case DIFF_REMOVED:
		return "removed";
	default:
		return "changed";
	}
}

/* ---- addresses and direction ---------------------------------------- */

static int
addr_match(const struct hnode *n, const void *key)
{
	return ep_same_ip(&HTAB_ENTRY(n, struct addrnode, node)->ip,
	    (const struct ep *)key);
}

static bool
addr_seen(const struct diff *d, enum diff_side side, const struct ep *e)
{
	struct ep k = *e;

	k.port = 0;
	return htab_find(&d->addrs[side], ep_hash(&k), addr_match, &k) != NULL;
}

static void
addr_learn(struct diff *d, enum diff_side side, const struct ep *e,
    struct anomalies *an)
{
	struct addrnode *a;
	struct ep k = *e;

	if (e->family == 0)
		return;
	k.port = 0;
	if (htab_find(&d->addrs[side], ep_hash(&k), addr_match, &k) != NULL)
		return;
	if (d->addrs[side].n >= DIFF_ADDRS) {
		anomaly_add(an, ANOMALY_DIALOG_TABLE_FULL);
		return;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->ip = k;
	htab_add(&d->addrs[side], &a->node, ep_hash(&k));
}

/*
 * Direction of a packet seen on side.  An address seen on this side only
 * belongs to the router's side of it: a LAN host inside, the router's
 * public address outside.  Without such a hint, private addresses decide.
 */
static enum diff_dir
pkt_dir(const struct diff *d, enum diff_side side, const struct ep *src,
    const struct ep *dst)
{
	enum diff_side other = side == DIFF_INSIDE ? DIFF_OUTSIDE : DIFF_INSIDE;
	bool s_only = addr_seen(d, side, src) && !addr_seen(d, other, src);
	bool d_only = addr_seen(d, side, dst) && !addr_seen(d, other, dst);

	if (s_only && !d_only)
		return DIFF_OUTBOUND;
	if (d_only && !s_only)
		return DIFF_INBOUND;
	if (side == DIFF_INSIDE) {
		if (ep_is_private(dst) && !ep_is_private(src))
			return DIFF_INBOUND;
		return DIFF_OUTBOUND;
	}
	return ep_is_private(src) ? DIFF_OUTBOUND : DIFF_INBOUND;
}

/* ---- NAT mapping table ---------------------------------------------- */

struct mapkey {
	uint8_t l4;
	const struct ep *priv, *pub, *remote;
};

static int
map_match(const struct hnode *n, const void *key)
{
	const struct diff_mapping *m = &HTAB_ENTRY(n, struct mapnode, node)->m;
	const struct mapkey *k = key;

	return m->l4 == k->l4 && ep_eq(&m->priv, k->priv) &&
	    ep_eq(&m->pub, k->pub) && ep_eq(&m->remote, k->remote);
}

void
diff_mapping_add(struct diff *d, uint8_t l4, const struct ep *priv,
    const struct ep *pub, const struct ep *remote, int64_t ts_ns, bool media)
{
	struct mapkey k = { l4, priv, pub, remote };
	uint64_t h = ep_hash(priv);
	struct mapnode *mn, **nl;
	struct hnode *n;

	if (priv->family == 0 || pub->family == 0 || ep_eq(priv, pub))
		return;
	if ((n = htab_find(&d->maps, h, map_match, &k)) != NULL) {
		mn = HTAB_ENTRY(n, struct mapnode, node);
		if (ts_ns < mn->m.first_ns)
			mn->m.first_ns = ts_ns;
		if (ts_ns > mn->m.last_ns)
			mn->m.last_ns = ts_ns;
		mn->m.uses++;
		return;
	}
	if (d->nmaps >= DIFF_MAPPINGS)
		return;
	if (d->nmaps == d->map_cap) {
		size_t nc = d->map_cap ? d->map_cap * 2 : 16;

		/* NOLINTNEXTLINE(bugprone-sizeof-expression): pointer array */
		if ((nl = realloc(d->map_list, nc * sizeof(*nl))) == NULL)
			return;
		d->map_list = nl;
		d->map_cap = nc;
	}
	if ((mn = calloc(1, sizeof(*mn))) == NULL)
		return;
	mn->m.l4 = l4;
	mn->m.priv = *priv;
	mn->m.pub = *pub;
	mn->m.remote = *remote;
	mn->m.first_ns = mn->m.last_ns = ts_ns;
	mn->m.uses = 1;
	mn->m.media = media;
	htab_add(&d->maps, &mn->node, h);
	d->map_list[d->nmaps++] = mn;
}

bool
diff_mapping_explains(const struct diff *d, enum diff_dir dir,
    const struct ep *old_ep, bool old_has_ip, const struct ep *new_ep,
    bool new_has_ip)
{
	const struct ep *priv = dir == DIFF_OUTBOUND ? old_ep : new_ep;
	const struct ep *pub = dir == DIFF_OUTBOUND ? new_ep : old_ep;
	bool addr_ok = false, exact = false, wrong_port = false;

	if (d == NULL || old_has_ip != new_has_ip)
		return false;
	for (size_t i = 0; i < d->nmaps; i++) {
		const struct diff_mapping *m = &d->map_list[i]->m;

		if (!old_has_ip) {
			/* A bare port (rport=, m= port): a mapped port pair. */
			if (m->priv.port == priv->port && m->pub.port == pub->port)
				return true;
			continue;
		}
		if (!ep_same_ip(&m->priv, priv) || !ep_same_ip(&m->pub, pub))
			continue;
		addr_ok = true;
		if (m->priv.port == priv->port && m->pub.port == pub->port)
			exact = true;
		else if (!m->media && m->priv.port == priv->port &&
		    priv->port == pub->port)
			wrong_port = true;   /* signalling port is mapped elsewhere */
	}
	if (!old_has_ip || !addr_ok)
		return false;
	if (priv->port == 0 || pub->port == 0)
		return priv->port == pub->port || exact;
	if (exact)
		return true;
	if (priv->port == pub->port)
		return !wrong_port;
	return false;
}

size_t
diff_mapping_count(const struct diff *d)
{
	return d->nmaps;
}

const struct diff_mapping *
diff_mapping_get(const struct diff *d, size_t i)
{
	return i < d->nmaps ? &d->map_list[i]->m : NULL;
}

void
diff_nat_behaviour_get(const struct diff *d, struct diff_nat_behaviour *b)
{
	b->rows = d->nmaps;
	b->port_preserved = d->nmaps ? 1 : -1;
	b->endpoint_independent = d->nmaps ? 1 : -1;
	for (size_t i = 0; i < d->nmaps; i++) {
		const struct diff_mapping *m = &d->map_list[i]->m;

		if (m->priv.port != m->pub.port)
			b->port_preserved = 0;
		for (size_t j = 0; j < i; j++) {
			const struct diff_mapping *o = &d->map_list[j]->m;

			if (o->l4 == m->l4 && ep_eq(&o->priv, &m->priv) &&
			    !ep_eq(&o->pub, &m->pub))
				b->endpoint_independent = 0;
		}
	}
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
	struct diff_change *c, *nc;

	if (ep_eq(a, b))
		return;
	nc = realloc(pr->ch, (size_t)(pr->nch + 1) * sizeof(*nc));
	if (nc == NULL)
		return;
	pr->ch = nc;
	c = &pr->ch[pr->nch++];
	memset(c, 0, sizeof(*c));
	c->kind = DIFF_CHANGED;
	c->explained = explained;
	scopy(c->field, sizeof(c->field), field);
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

static void
handle_sip(struct dside *s, const struct pkt *p, const uint8_t *msg,
    size_t msg_len, size_t data_len, size_t body_off, uint8_t l4)
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
	e->dir = pkt_dir(d, s->side, &p->src, &p->dst);
	e->adj_ns = s->side == DIFF_OUTSIDE ? p->ts_ns - d->sum.offset_ns :
	    p->ts_ns;
	e->copy.present = true;
	e->copy.ts_ns = p->ts_ns;
	e->copy.frame = p->frame;
	e->copy.src = p->src;
	e->copy.dst = p->dst;
	e->copy.len = (uint32_t)data_len;
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

static void
handle_rtp(struct dside *s, const struct pkt *p)
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
	dir = pkt_dir(d, s->side, &p->src, &p->dst);
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

/* ---- what each side's ingest stage finds ----------------------------- */

/*
 * The copy keeps every byte carried, so that a stale Content-Length
 * shows; the message (Content-Length honoured) goes to the parser.  Over
 * TCP the stream is framed by Content-Length, so the two agree.  Over
 * WebSocket only the framed message is kept, as it always was here
 * (the bytes after it in the WebSocket message are not compared).
 */
static void
on_sip(void *user, const struct sipframe_msg *m, struct anomalies *an)
{
	struct dside *s = user;

	(void)an;
	handle_sip(s, m->p, m->msg, m->len,
	    m->p->l4 == PKT_WS ? m->len : m->carried, m->body_off, m->p->l4);
}

static void
on_media(void *user, const struct pkt *p, struct anomalies *an)
{
	(void)an;
	handle_rtp(user, p);
}

/* Pass 1 learns which addresses each side shows (ICMP refusals aside). */
static void
on_packet(void *user, const struct pkt *p, struct anomalies *an)
{
	struct dside *s = user;

	(void)an;
	if (s->pass == 1) {
		addr_learn(s->d, s->side, &p->src, s->an);
		addr_learn(s->d, s->side, &p->dst, s->an);
	}
}

/* ---- life cycle ----------------------------------------------------- */

/*
 * Fresh ingest stages, one per side.  Keepalives and ICMP refusals are
 * nothing to a comparison of copies: no callback for them.
 */
static int
make_readers(struct diff *d)
{
	for (int i = 0; i < 2; i++) {
		struct ingest_cb cb = {
			on_packet, on_sip, on_media, NULL, NULL, &d->sides[i]
		};

		ingest_free(d->ing[i]);
		d->ing[i] = ingest_new(NULL, &cb);
		if (d->ing[i] == NULL)
			return -1;
	}
	return 0;
}

struct diff *
diff_new(const struct diff_opts *o, const struct diff_cb *cb)
{
	struct diff *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (o)
		d->o = *o;
	if (cb)
		d->cb = *cb;
	d->window = d->o.window_ns > 0 ? d->o.window_ns : DIFF_WINDOW_NS;
	d->sum.window_ns = d->window;
	d->sum.path[0] = d->sum.path[1] = "";
	sipmsg_global_init();
	for (int i = 0; i < 2; i++) {
		d->sides[i].d = d;
		d->sides[i].side = (enum diff_side)i;
		d->sides[i].pass = 1;
		d->sides[i].an = &d->an[i];
		d->samples[i] = calloc(DIFF_OFFSET_SAMPLES,
		    sizeof(struct sample));
		if (d->samples[i] == NULL ||
		    htab_init(&d->addrs[i], 64) != 0) {
			diff_free(d);
			return NULL;
		}
	}
	if (make_readers(d) != 0 || htab_init(&d->pending, 1024) != 0 ||
	    htab_init(&d->dialogs, 256) != 0 ||
	    htab_init(&d->streams, 256) != 0 ||
	    htab_init(&d->maps, 256) != 0) {
		diff_free(d);
		return NULL;
	}
	return d;
}

static void
free_chain_table(struct htab *h, size_t off)
{
	if (h->b == NULL)
		return;
	for (size_t i = 0; i < h->nb; i++) {
		struct hnode *n = h->b[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			free((char *)n - off);
		}
	}
	htab_fini(h);
}

void
diff_free(struct diff *d)
{
	if (d == NULL)
		return;
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
	for (size_t i = 0; i < d->nmaps; i++)
		free(d->map_list[i]);
	free(d->map_list);
	htab_fini(&d->maps);
	for (int i = 0; i < 2; i++) {
		free(d->samples[i]);
		free_chain_table(&d->addrs[i], offsetof(struct addrnode, node));
		ingest_free(d->ing[i]);
		free(d->path[i]);
	}
	free(d);
}

/* ---- pass 1 --------------------------------------------------------- */

void
diff_learn(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an)
{
	struct dside *s = &d->sides[side];

	s->pass = 1;
	s->an = an;
	ingest_packet(d->ing[side], p, an);
}

static int
cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Keys seen exactly once on each side (retransmissions make a key
 * ambiguous) give one delta each; the median resists the few that pair
 * wrongly.
 */
static void
estimate_offset(struct diff *d)
{
	size_t ni = d->nsamples[0], no = d->nsamples[1], i = 0, j = 0, n = 0;
	struct sample *a = d->samples[0], *b = d->samples[1];
	int64_t *deltas;

	qsort(a, ni, sizeof(*a), cmp_sample);
	qsort(b, no, sizeof(*b), cmp_sample);
	if ((deltas = malloc((ni < no ? ni : no) * sizeof(*deltas) + 1)) ==
	    NULL)
		return;
	while (i < ni && j < no) {
		size_t ie = i, je = j;

		if (a[i].key < b[j].key) {
			i++;
			continue;
		}
		if (a[i].key > b[j].key) {
			j++;
			continue;
		}
		while (ie < ni && a[ie].key == a[i].key)
			ie++;
		while (je < no && b[je].key == b[j].key)
			je++;
		if (ie - i == 1 && je - j == 1)
			deltas[n++] = b[j].ts_ns - a[i].ts_ns;
		i = ie;
		j = je;
	}
	if (n > 0) {
		qsort(deltas, n, sizeof(*deltas), cmp_i64);
		d->sum.offset_ns = n % 2 ? deltas[n / 2] :
		    deltas[n / 2 - 1] + (deltas[n / 2] - deltas[n / 2 - 1]) / 2;
	}
	d->sum.offset_samples = n;
	free(deltas);
}

void
diff_learn_done(struct diff *d)
{
	if (d->learnt)
		return;
	d->learnt = true;
	for (int i = 0; i < 2; i++) {
		ingest_flush(d->ing[i], d->sides[i].an);
		d->sides[i].pass = 2;
		d->sides[i].an = &d->an[i];
	}
	if (d->o.offset_given) {
		d->sum.offset_ns = d->o.offset_ns;
		d->sum.offset_forced = true;
	} else {
		estimate_offset(d);
	}
	for (int i = 0; i < 2; i++) {
		free(d->samples[i]);
		d->samples[i] = NULL;
		d->nsamples[i] = 0;
	}
	/* Fresh reassembly state for pass 2; the address sets stay. */
	make_readers(d);
}

int64_t
diff_offset(const struct diff *d)
{
	return d->sum.offset_ns;
}

/* ---- pass 2 --------------------------------------------------------- */

static void
housekeeping(struct diff *d, bool all)
{
	int64_t now = all ? INT64_MAX / 2 : d->now_ns;

	sip_expire(d, now);
	rtp_expire(d, now);
	while (d->lru_head != NULL &&
	    (all || d->lru_head->last_ns < now - DIFF_DIALOG_QUIET_NS))
		dialog_flush(d, d->lru_head);
}

void
diff_feed(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an)
{
	struct dside *s = &d->sides[side];
	int64_t adj;

	if (!d->learnt)
		diff_learn_done(d);
	s->pass = 2;
	s->an = an;
	adj = side == DIFF_OUTSIDE ? p->ts_ns - d->sum.offset_ns : p->ts_ns;
	if (adj > d->now_ns)
		d->now_ns = adj;
	ingest_packet(d->ing[side], p, an);
	if (d->now_ns - d->last_hk_ns >= HOUSEKEEPING_NS) {
		d->last_hk_ns = d->now_ns;
		housekeeping(d, false);
	}
}

void
diff_finish(struct diff *d)
{
	if (d->finished)
		return;
	if (!d->learnt)
		diff_learn_done(d);
	for (int i = 0; i < 2; i++)
		ingest_flush(d->ing[i], d->sides[i].an);
	housekeeping(d, true);
	for (size_t i = 0; i < d->nstreams; i++) {
		const struct diff_stream *s = &d->stream_list[i]->s;

		d->sum.rtp_paired += s->paired;
		d->sum.rtp_dropped += s->dropped;
		d->sum.rtp_injected += s->injected;
	}
	d->finished = true;
}

/* ---- files ---------------------------------------------------------- */

/* Gives each side's stage its file; on failure both start afresh. */
static int
open_pair(struct diff *d, const char *paths[2], char *err, size_t errlen)
{
	char e[200];

	for (int i = 0; i < 2; i++) {
		if (ingest_add_file(d->ing[i], paths[i], e, sizeof(e)) != 0) {
			snprintf(err, errlen, "'%s': %s", paths[i], e);
			make_readers(d);
			return -1;
		}
	}
	return 0;
}

/*
 * Runs both files through their stages, merged by time (the outside
 * corrected by the offset once it is known).  In pass 2 the TCP and
 * fragment state of each side expires by the time of that side's frame
 * at hand: the one just processed, or the next one waiting.
 */
static void
pass_files(struct diff *d, int pass, struct anomalies *an[2])
{
	for (;;) {
		const struct capture_frame *f[2];
		int64_t ts, adj;
		int i;

		f[0] = ingest_peek(d->ing[0]);
		f[1] = ingest_peek(d->ing[1]);
		if (f[0] == NULL && f[1] == NULL)
			break;
		if (f[0] == NULL)
			i = 1;
		else if (f[1] == NULL)
			i = 0;
		else
			i = f[1]->ts_ns - d->sum.offset_ns < f[0]->ts_ns;
		ts = f[i]->ts_ns;
		d->sides[i].pass = pass;
		d->sides[i].an = an[i];
		if (pass == 1) {
			ingest_next(d->ing[i], an[i]);
			continue;
		}
		adj = i == DIFF_OUTSIDE ? ts - d->sum.offset_ns : ts;
		d->sum.frames[i]++;
		if (adj > d->now_ns)
			d->now_ns = adj;
		ingest_next(d->ing[i], an[i]);
		if (d->now_ns - d->last_hk_ns >= HOUSEKEEPING_NS) {
			d->last_hk_ns = d->now_ns;
			housekeeping(d, false);
			for (int k = 0; k < 2; k++)
				ingest_expire(d->ing[k], k == i ? ts :
				    f[k] != NULL ? f[k]->ts_ns : INT64_MAX, an[k]);
		}
	}
}

int
diff_files(struct diff *d, const char *inside_path, const char *outside_path,
    char *err, size_t errlen)
{
	const char *paths[2] = { inside_path, outside_path };
	struct anomalies scratch[2];
	struct anomalies *an[2];

	memset(scratch, 0, sizeof(scratch));
	if (open_pair(d, paths, err, errlen) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		free(d->path[i]);
		d->path[i] = strdup(paths[i]);
		d->sum.path[i] = d->path[i] ? d->path[i] : "";
	}
	/* Pass 1 merges by raw time: the offset is not known yet. */
	an[0] = &scratch[0];
	an[1] = &scratch[1];
	pass_files(d, 1, an);
	/* Fresh stages for pass 2 (diff_learn_done makes them). */
	diff_learn_done(d);

	if (open_pair(d, paths, err, errlen) != 0)
		return -1;
	if (d->cb.on_begin)
		d->cb.on_begin(d->cb.user, d);
	an[0] = &d->an[0];
	an[1] = &d->an[1];
	pass_files(d, 2, an);
	/* Reading anomalies (truncated files) live in the capture info. */
	for (int i = 0; i < 2; i++) {
		const struct capture_info *ci =
		    capture_set_info(ingest_captures(d->ing[i]), 0);

		for (int k = 0; k < ANOMALY_COUNT; k++)
			if (k == ANOMALY_PCAP_TRUNCATED ||
			    k == ANOMALY_PCAP_READ_ERROR ||
			    k == ANOMALY_CAPLEN_SHORT ||
			    k == ANOMALY_LINK_UNSUPPORTED)
				d->an[i].n[k] += ci->an.n[k];
	}
	diff_finish(d);
	return 0;
}

/* ---- results -------------------------------------------------------- */

const struct diff_summary *
diff_summary_get(const struct diff *d)
{
	return &d->sum;
}

size_t
diff_stream_count(const struct diff *d)
{
	return d->nstreams;
}

const struct diff_stream *
diff_stream_get(const struct diff *d, size_t i)
{
	return i < d->nstreams ? &d->stream_list[i]->s : NULL;
}

const struct diff_features *
diff_features_get(const struct diff *d)
{
	return &d->feat;
}

const struct anomalies *
diff_anomalies(const struct diff *d, enum diff_side side)
{
	return &d->an[side];
}

/*
 * Section 4 step 4 of ALG-REFERENCE.md: Fortinet adds an i= nat-trace
 * line; Juniper and Fortinet rewrite the Call-ID; Linux rewrites Via (top
 * only), Contact and SDP o=/c=, restores received/rport in inbound
 * responses and leaves Call-ID, a=rtcp and ICE alone.
 */
void
diff_profile_get(const struct diff *d, struct diff_profile *p)
{
	const struct diff_features *f = &d->feat;
	uint64_t paired = d->sum.count[DIFF_IDENTICAL] +
	    d->sum.count[DIFF_CONSISTENT] + d->sum.count[DIFF_INCONSISTENT];
	size_t n = 0;

	memset(p, 0, sizeof(*p));
#define WHY(...) do { \
	if (n < sizeof(p->why)) \
		n += (size_t)snprintf(p->why + n, sizeof(p->why) - n, \
		    __VA_ARGS__); \
} while (0)
	if (paired == 0) {
		p->id = DIFF_PROFILE_UNKNOWN;
		p->name = "unknown";
		WHY("no SIP message seen on both sides");
	} else if (f->payload_rewrites == 0) {
		p->id = DIFF_PROFILE_NONE;
		p->name = "none";
		WHY("no SIP or SDP field changed in %llu pairs: only L3/L4 (NAT) changes",
		    (unsigned long long)paired);
	} else if (f->sdp_i_added > 0) {
		p->id = DIFF_PROFILE_FORTINET;
		p->name = "fortinet";
		WHY("SDP i= line added (%llu)", (unsigned long long)f->sdp_i_added);
		if (f->call_id_rewritten)
			WHY("; Call-ID rewritten (%llu)",
			    (unsigned long long)f->call_id_rewritten);
	} else if (f->call_id_rewritten > 0) {
		p->id = DIFF_PROFILE_JUNIPER;
		p->name = "juniper";
		WHY("Call-ID rewritten (%llu), no i= line",
		    (unsigned long long)f->call_id_rewritten);
	} else if (f->via_params_restored > 0 ||
	    (f->sdp_rtcp_rewritten == 0 && f->route_rewritten == 0 &&
	    f->via_lower_rewritten == 0 &&
	    (f->via_top_rewritten > 0 || f->sdp_c_rewritten > 0))) {
		p->id = DIFF_PROFILE_LINUX;
		p->name = "linux";
		WHY("Call-ID untouched");
		if (f->via_params_restored)
			WHY("; Via received/rport restored in %llu inbound",
			    (unsigned long long)f->via_params_restored);
		if (f->via_top_rewritten && !f->via_lower_rewritten)
			WHY("; top Via only (%llu)",
			    (unsigned long long)f->via_top_rewritten);
		if (f->sdp_m_port_kept)
			WHY("; m= port kept (%llu)",
			    (unsigned long long)f->sdp_m_port_kept);
		if (f->sdp_m_port_changed)
			WHY("; m= port moved (%llu)",
			    (unsigned long long)f->sdp_m_port_changed);
		if (!f->sdp_rtcp_rewritten)
			WHY("; a=rtcp/ICE untouched");
		if (f->sdp_private_residue)
			WHY(" (%llu with a private address left)",
			    (unsigned long long)f->sdp_private_residue);
	} else {
		p->id = DIFF_PROFILE_CONSUMER;
		p->name = "consumer";
		WHY("rewrites without the Linux residue");
		if (f->sdp_rtcp_rewritten)
			WHY("; a=rtcp/ICE rewritten (%llu)",
			    (unsigned long long)f->sdp_rtcp_rewritten);
		if (f->route_rewritten)
			WHY("; Route/Record-Route rewritten (%llu)",
			    (unsigned long long)f->route_rewritten);
		if (f->via_lower_rewritten)
			WHY("; lower Via rewritten (%llu)",
			    (unsigned long long)f->via_lower_rewritten);
	}
#undef WHY
}
