/*
 * diff_mapping.c - which side of the router an address is on, and the
 * NAT mapping table (diff.h) the pairs fill in: private endpoint ->
 * public endpoint, per transport, with the NAT behaviour they show
 * (RFC 4787 endpoint-independent mapping or not).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "diff/diff_state.h"

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

void
diff_mapping_learn(struct diff *d, enum diff_side side, const struct ep *e,
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
enum diff_dir
diff_mapping_dir(const struct diff *d, enum diff_side side, const struct ep *src,
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

