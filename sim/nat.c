/*
 * nat.c - a NAT model after RFC 4787, with Linux conntrack timers.
 *
 * A binding is (proto, inside endpoint) -> public port, plus the remotes
 * the inside has sent to.  The mapping behaviour decides which outbound
 * packets share a binding: EIM = same inside endpoint; ADM = also same
 * remote address; APDM = also same remote port (Linux masquerade, where
 * port preservation makes it look endpoint-independent until two flows
 * collide).  The filtering behaviour decides which inbound packets a live
 * binding accepts: EIF anyone, ADF remotes the inside sent to, APDF those
 * remote address:port pairs only (RFC 4787 section 5).
 *
 * Lifetimes (ALG-REFERENCE 1.3, K5): a UDP binding lives udp_timeout
 * seconds after its last packet until it has seen both directions, then
 * udp_stream_timeout -- with the 2-second rule, only once it is still
 * active 2 s after its first packet.  Inspected signalling gets
 * sip_timeout (K4: the helper refreshes the master conntrack to an hour).
 * TCP gets tcp_timeout.  Each packet either way refreshes.
 *
 * Tables are plain arrays bounded by NAT_MAX_*: a capture of one site has
 * a handful of phones, and linear scans keep the model easy to check.
 */
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "nat.h"

struct remote_set {
	struct ep r[NAT_MAX_REMOTES];
	int n;
};

struct binding {
	bool used;
	uint8_t proto;
	bool sig;                 /* inspected signalling */
	bool replied;             /* seen inbound traffic */
	bool media;               /* reserved by the ALG for SDP media */
	struct ep in, pub;
	struct ep key_remote;     /* ADM/APDM: the remote this binding is for */
	struct remote_set rs;
	int64_t first_ns, last_ns, reply_ns;
	uint32_t keepalive_s;     /* registrar keepalives keep it alive */
	int64_t keepalive_from;
};

struct pinhole {
	bool used;
	bool is_register;
	bool outward;             /* an expectation for the far end's media: holds a slot, admits nothing inbound */
	uint8_t proto;
	char kind;                /* 'a' audio, 'v' video, 'i' image, 0 none (expectation class) */
	struct ep pub, inside, allowed;
	struct nat_flow flow;     /* the signalling flow that announced it (proto 0: none) */
	int64_t expires_ns;
	uint64_t born;            /* insertion order, for eviction of the oldest */
};

/*
 * A conntrack entry made by an inbound packet that no mapping or pinhole
 * admitted (Linux: the router's own INPUT path confirms it): it holds the
 * tuple remote -> public port, so a later outbound flow to that remote
 * cannot take that public port (nf_nat_used_tuple) and gets another one.
 */
struct ghost {
	uint8_t proto;
	uint16_t port;
	struct ep remote;
	int64_t last_ns;
};

struct fwd {
	uint8_t proto;
	uint16_t port;
	struct ep inside;
};

struct cidr {
	uint8_t ip[4];
	int bits;
};

struct nat {
	const struct sim_cfg *cfg;
	struct ep pub;
	struct binding *b;
	size_t nb;
	struct pinhole ph[NAT_MAX_PINHOLES];
	uint64_t ph_born;
	struct ghost gh[NAT_MAX_GHOSTS];
	struct fwd fw[NAT_MAX_FORWARDS];
	int nfw;
	struct cidr nets[NAT_MAX_INSIDE_NETS];
	int nnets;
	uint32_t next_port;       /* allocator cursor */
	uint32_t rnd;             /* deterministic generator for random ports */
};

const char *
nat_verdict_name(enum nat_verdict v)
{
	switch (v) {
	case NAT_PASS: return "pass";
	case NAT_NO_BINDING: return "no_binding";
	case NAT_EXPIRED: return "binding_expired";
	case NAT_FILTERED: return "filtered";
	case NAT_PINHOLE_SRC: return "pinhole_source_not_allowed";
	case NAT_NOT_PUBLIC: return "not_public_address";
	case NAT_TABLE_FULL: return "nat_table_full";
	}
	return "unknown";
}

struct nat *
nat_new(const struct sim_cfg *cfg, const struct ep *pub)
{
	struct nat *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->b = calloc(NAT_MAX_MAPPINGS, sizeof(*n->b));
	if (n->b == NULL) {
		free(n);
		return NULL;
	}
	n->cfg = cfg;
	n->pub = *pub;
	n->pub.port = 0;
	n->next_port = 32768;
	n->rnd = 0x2545f491u;
	return n;
}

void
nat_free(struct nat *n)
{
	if (n == NULL)
		return;
	free(n->b);
	free(n);
}

const struct ep *
nat_public(const struct nat *n)
{
	return &n->pub;
}

int
nat_add_inside_net(struct nat *n, const char *cidr)
{
	const char *slash = strchr(cidr, '/');
	struct ep e;
	uint64_t bits = 32;
	size_t al = slash ? (size_t)(slash - cidr) : strlen(cidr);

	ep_clear(&e);
	if (n->nnets >= NAT_MAX_INSIDE_NETS || ep_parse_ip(&e, cidr, al) != 0 ||
	    e.family != 4)
		return -1;
	if (slash != NULL) {
		const char *b = slash + 1;
		size_t i, bl = strlen(b);

		if (bl == 0 || bl > 2)
			return -1;
		bits = 0;
		for (i = 0; i < bl; i++) {
			if (b[i] < '0' || b[i] > '9')
				return -1;
			bits = bits * 10 + (uint64_t)(b[i] - '0');
		}
		if (bits > 32)
			return -1;
	}
	memcpy(n->nets[n->nnets].ip, e.ip, 4);
	n->nets[n->nnets].bits = (int)bits;
	n->nnets++;
	return 0;
}

static bool
in_cidr(const struct cidr *c, const uint8_t *ip)
{
	uint32_t a = ((uint32_t)ip[0] << 24) | ((uint32_t)ip[1] << 16) |
	    ((uint32_t)ip[2] << 8) | ip[3];
	uint32_t b = ((uint32_t)c->ip[0] << 24) | ((uint32_t)c->ip[1] << 16) |
	    ((uint32_t)c->ip[2] << 8) | c->ip[3];
	uint32_t mask = c->bits == 0 ? 0 : 0xffffffffu << (32 - c->bits);

	return (a & mask) == (b & mask);
}

bool
nat_is_inside(const struct nat *n, const struct ep *e)
{
	static const struct cidr rfc1918[] = {
		{ { 10, 0, 0, 0 }, 8 }, { { 172, 16, 0, 0 }, 12 },
		{ { 192, 168, 0, 0 }, 16 },
	};
	int i;

	if (e->family != 4)
		return false;
	if (n->nnets == 0) {
		for (i = 0; i < 3; i++)
			if (in_cidr(&rfc1918[i], e->ip))
				return true;
		return false;
	}
	for (i = 0; i < n->nnets; i++)
		if (in_cidr(&n->nets[i], e->ip))
			return true;
	return false;
}

int
nat_add_forward(struct nat *n, uint8_t proto, uint16_t pub_port,
    const struct ep *inside)
{
	if (n->nfw >= NAT_MAX_FORWARDS)
		return -1;
	n->fw[n->nfw].proto = proto;
	n->fw[n->nfw].port = pub_port;
	n->fw[n->nfw].inside = *inside;
	n->nfw++;
	return 0;
}

/* The timeout that applies to b now, in seconds. */
static uint32_t
binding_timeout(const struct nat *n, const struct binding *b)
{
	const struct sim_cfg *c = n->cfg;

	if (b->proto == 6)
		return c->tcp_timeout;
	if (b->sig && c->alg && c->sip_timeout > 0)
		return c->sip_timeout;
	if (b->replied) {
		/* K5: stream status only when still active 2 s after the start. */
		if (!c->udp_stream_2s_rule ||
		    b->last_ns - b->first_ns >= 2 * CAP_NS_PER_SEC)
			return c->udp_stream_timeout;
	}
	return c->udp_timeout;
}

/* Last moment b was refreshed, counting far-end keepalives up to t. */
static int64_t
binding_last(const struct binding *b, int64_t t)
{
	int64_t last = b->last_ns, k;

	if (b->keepalive_s > 0 && t > b->keepalive_from) {
		k = b->keepalive_from + ((t - b->keepalive_from) /
		    ((int64_t)b->keepalive_s * CAP_NS_PER_SEC)) *
		    (int64_t)b->keepalive_s * CAP_NS_PER_SEC;
		if (k > last)
			last = k;
	}
	return last;
}

static bool
binding_alive(const struct nat *n, const struct binding *b, int64_t t)
{
	uint32_t to = binding_timeout(n, b);
	/* Keepalives rarer than the timeout cannot hold the binding. */
	int64_t last = b->keepalive_s > 0 && b->keepalive_s <= to ?
	    binding_last(b, t) : b->last_ns;

	return b->used && t - last <= (int64_t)to * CAP_NS_PER_SEC;
}

static bool
remote_key_match(const struct nat *n, const struct binding *b,
    const struct ep *remote)
{
	switch (n->cfg->nat_mapping) {
	case NAT_EIM:
		return true;
	case NAT_ADM:
		return ep_same_ip(&b->key_remote, remote);
	default:
		return ep_eq(&b->key_remote, remote);
	}
}

static void
remote_add(struct remote_set *rs, const struct ep *r)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (ep_eq(&rs->r[i], r))
			return;
	if (rs->n < NAT_MAX_REMOTES)
		rs->r[rs->n++] = *r;
	else
		rs->r[NAT_MAX_REMOTES - 1] = *r;
}

static bool
filter_allows(const struct nat *n, const struct binding *b,
    const struct ep *remote)
{
	int i;

	if (b->media && b->rs.n == 0)
		return false;
	switch (n->cfg->nat_filtering) {
	case NAT_EIF:
		return true;
	case NAT_ADF:
		for (i = 0; i < b->rs.n; i++)
			if (ep_same_ip(&b->rs.r[i], remote))
				return true;
		return false;
	default:
		for (i = 0; i < b->rs.n; i++)
			if (ep_eq(&b->rs.r[i], remote))
				return true;
		return false;
	}
}

/*
 * Same owner for port allocation: the same endpoint, or (for media) the
 * RTP/RTCP pair it belongs to -- the RTCP pinhole of a stream must not
 * make its own RTP port look busy on a re-INVITE.
 */
static bool
same_owner(const struct ep *a, const struct ep *b)
{
	return ep_eq(a, b) || (ep_same_ip(a, b) &&
	    (a->port & ~1) == (b->port & ~1));
}

/* True when public port p of proto is held by someone other than in. */
static bool
port_busy(const struct nat *n, uint8_t proto, uint16_t p, const struct ep *in,
    int64_t t)
{
	size_t i;
	int k;

	for (i = 0; i < n->nb; i++) {
		const struct binding *b = &n->b[i];

		if (b->used && b->proto == proto && b->pub.port == p &&
		    (in == NULL || !same_owner(&b->in, in)) && binding_alive(n, b, t))
			return true;
	}
	for (k = 0; k < NAT_MAX_PINHOLES; k++)
		if (n->ph[k].used && !n->ph[k].outward && n->ph[k].proto == proto &&
		    n->ph[k].pub.port == p &&
		    (in == NULL || !same_owner(&n->ph[k].inside, in)))
			return true;
	for (k = 0; k < n->nfw; k++)
		if (n->fw[k].proto == proto && n->fw[k].port == p &&
		    (in == NULL || !ep_eq(&n->fw[k].inside, in)))
			return true;
	return false;
}

static uint16_t
alloc_port(struct nat *n, uint8_t proto, const struct ep *in, uint16_t want,
    bool even, int64_t t)
{
	uint32_t tries;
	uint16_t p;

	if (want != 0 && !port_busy(n, proto, want, in, t))
		return want;
	for (tries = 0; tries < 30000; tries++) {
		p = (uint16_t)n->next_port;
		n->next_port = n->next_port >= 60999 ? 32768 : n->next_port + 1;
		if (even && (p & 1))
			continue;
		if (!port_busy(n, proto, p, in, t) &&
		    (!even || !port_busy(n, proto, (uint16_t)(p + 1), in, t)))
			return p;
	}
	return 0;
}

static struct binding *
binding_new(struct nat *n, int64_t t)
{
	size_t i;

	for (i = 0; i < n->nb; i++)
		if (!n->b[i].used || !binding_alive(n, &n->b[i], t))
			break;
	if (i == n->nb) {
		if (n->nb >= NAT_MAX_MAPPINGS)
			return NULL;
		n->nb++;
	}
	memset(&n->b[i], 0, sizeof(n->b[i]));
	n->b[i].used = true;
	return &n->b[i];
}

static struct binding *
find_out(const struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t)
{
	size_t i;
	struct binding *best = NULL;

	for (i = 0; i < n->nb; i++) {
		struct binding *b = &n->b[i];

		if (!b->used || b->proto != proto || !ep_eq(&b->in, in) ||
		    !binding_alive(n, b, t))
			continue;
		if (remote != NULL && !b->media && !remote_key_match(n, b, remote))
			continue;
		/* The newest binding wins (consistent_nat = false churn). */
		if (best == NULL || b->first_ns >= best->first_ns)
			best = b;
	}
	return best;
}

static bool
remote_known(const struct remote_set *rs, const struct ep *r)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (ep_eq(&rs->r[i], r))
			return true;
	return false;
}

static bool
ghost_live(const struct nat *n, uint8_t proto, const struct ep *remote,
    uint16_t port, int64_t t)
{
	int k;

	for (k = 0; k < NAT_MAX_GHOSTS; k++) {
		const struct ghost *g = &n->gh[k];

		if (g->proto == proto && g->port == port &&
		    ep_eq(&g->remote, remote) &&
		    t - g->last_ns <= (int64_t)n->cfg->udp_timeout * CAP_NS_PER_SEC)
			return true;
	}
	return false;
}

void
nat_unsolicited(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t)
{
	int k, slot = -1;

	/*
	 * Only a per-tuple NAT (conntrack's SNAT, APDM) can move one flow's
	 * port: an endpoint-independent mapping keeps one public port for
	 * every destination (RFC 4787 REQ-1).  A packet the router loops
	 * back to itself (hairpin) is not modelled as leaving state: no run
	 * shows it.
	 */
	if (!n->cfg->unsolicited_tuple || proto != 17 ||
	    n->cfg->nat_mapping != NAT_APDM || !ep_same_ip(pub, &n->pub) ||
	    ep_same_ip(remote, &n->pub))
		return;
	for (k = 0; k < NAT_MAX_GHOSTS; k++) {
		struct ghost *g = &n->gh[k];

		if (g->proto == proto && g->port == pub->port &&
		    ep_eq(&g->remote, remote)) {
			slot = k;
			break;
		}
		if (slot < 0 || g->last_ns < n->gh[slot].last_ns)
			slot = k;
	}
	n->gh[slot].proto = proto;
	n->gh[slot].port = pub->port;
	n->gh[slot].remote = *remote;
	n->gh[slot].last_ns = t;
}

int
nat_outbound(struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, bool sig, bool fresh, struct ep *pub)
{
	struct binding *b = fresh ? NULL : find_out(n, proto, in, remote, t);
	uint16_t port, want = n->cfg->port_preservation && !fresh ? in->port : 0;

	/* A new flow whose reply tuple a ghost holds needs another port. */
	if (b != NULL && !remote_known(&b->rs, remote) &&
	    ghost_live(n, proto, remote, b->pub.port, t))
		b = NULL;
	if (b == NULL) {
		if (want != 0 && ghost_live(n, proto, remote, want, t))
			want = 0;
		port = alloc_port(n, proto, in, want, false, t);
		if (port == 0 || (b = binding_new(n, t)) == NULL)
			return -1;
		b->proto = proto;
		b->in = *in;
		b->pub = n->pub;
		b->pub.port = port;
		b->key_remote = *remote;
		b->first_ns = t;
	}
	if (sig)
		b->sig = true;
	if (b->media && b->rs.n == 0)
		b->first_ns = t;
	remote_add(&b->rs, remote);
	b->last_ns = t;
	*pub = b->pub;
	return 0;
}

bool
nat_lookup_out(const struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, struct ep *pub)
{
	const struct binding *b = find_out(n, proto, in, remote, t);

	if (b == NULL)
		return false;
	*pub = b->pub;
	return true;
}

/*
 * The inbound decision.  Returns the binding that passes (or NULL) and,
 * through *ph / *fw, the pinhole or forward that would create one.
 */
static void
decide(const struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r,
    struct binding **bout, int *phout, int *fwout)
{
	size_t i;
	int k;
	const struct binding *dead = NULL;
	bool filtered = false, ph_src = false;

	memset(r, 0, sizeof(*r));
	*bout = NULL;
	*phout = -1;
	*fwout = -1;
	if (!ep_same_ip(pub, &n->pub)) {
		r->verdict = NAT_NOT_PUBLIC;
		return;
	}
	for (i = 0; i < n->nb; i++) {
		struct binding *b = &n->b[i];

		if (!b->used || b->proto != proto || b->pub.port != pub->port)
			continue;
		if (!binding_alive(n, b, t)) {
			if (dead == NULL || b->last_ns > dead->last_ns)
				dead = b;
			continue;
		}
		if (!filter_allows(n, b, remote)) {
			filtered = true;
			continue;
		}
		r->verdict = NAT_PASS;
		r->via = NAT_VIA_BINDING;
		r->inside = b->in;
		*bout = b;
		return;
	}
	for (k = 0; k < NAT_MAX_PINHOLES; k++) {
		const struct pinhole *p = &n->ph[k];

		if (!p->used || p->outward || p->proto != proto ||
		    p->pub.port != pub->port ||
		    (p->expires_ns != 0 && t > p->expires_ns))
			continue;
		if (p->allowed.family != 0 && !ep_same_ip(&p->allowed, remote)) {
			ph_src = true;
			continue;
		}
		r->verdict = NAT_PASS;
		r->via = p->is_register ? NAT_VIA_PINHOLE_REGISTER :
		    NAT_VIA_PINHOLE_MEDIA;
		r->inside = p->inside;
		*phout = k;
		return;
	}
	for (k = 0; k < n->nfw; k++)
		if (n->fw[k].proto == proto && n->fw[k].port == pub->port) {
			r->verdict = NAT_PASS;
			r->via = NAT_VIA_FORWARD;
			r->inside = n->fw[k].inside;
			*fwout = k;
			return;
		}
	if (ph_src)
		r->verdict = NAT_PINHOLE_SRC;
	else if (filtered)
		r->verdict = NAT_FILTERED;
	else if (dead != NULL) {
		r->verdict = NAT_EXPIRED;
		r->timeout_s = binding_timeout(n, dead);
		r->expired_at_ns = binding_last(dead, t) +
		    (int64_t)r->timeout_s * CAP_NS_PER_SEC;
		r->idle_ns = t - binding_last(dead, t);
	} else
		r->verdict = NAT_NO_BINDING;
}

void
nat_probe(const struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r)
{
	struct binding *b;
	int ph, fw;

	decide(n, proto, remote, pub, t, r, &b, &ph, &fw);
}

void
nat_inbound(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r)
{
	struct binding *b;
	int ph, fw;

	decide(n, proto, remote, pub, t, r, &b, &ph, &fw);
	if (r->verdict != NAT_PASS) {
		if (r->verdict != NAT_NOT_PUBLIC && r->verdict != NAT_TABLE_FULL)
			nat_unsolicited(n, proto, remote, pub, t);
		return;
	}
	if (b == NULL) {
		/* Pinhole or forward: a binding for this flow from now on. */
		if ((b = binding_new(n, t)) == NULL) {
			r->verdict = NAT_TABLE_FULL;
			return;
		}
		b->proto = proto;
		b->in = r->inside;
		b->pub = *pub;
		b->key_remote = *remote;
		b->first_ns = t;
		b->sig = ph >= 0 ? n->ph[ph].is_register : fw >= 0;
		remote_add(&b->rs, remote);
		/* A media expectation is used once (K2); a registration one stays. */
		if (ph >= 0 && !n->ph[ph].is_register)
			n->ph[ph].used = false;
	}
	b->replied = true;
	if (b->reply_ns == 0)
		b->reply_ns = t;
	b->last_ns = t;
}

uint16_t
nat_reserve_media(struct nat *n, const struct ep *in, uint16_t want,
    int policy, int64_t t)
{
	struct binding *b = find_out(n, 17, in, NULL, t);
	uint16_t port;

	if (b != NULL && b->media)
		return b->pub.port;
	switch (policy) {
	case MPORT_KEEP_UNLESS_BUSY:
		/* K1: the same port if the RTP/RTCP pair is free, else +2, +4 ... */
		for (port = want; port != 0 && port < 65534; port += 2)
			if (!port_busy(n, 17, port, in, t) &&
			    !port_busy(n, 17, (uint16_t)(port + 1), in, t))
				break;
		if (port == 0 || port >= 65534)
			return 0;
		break;
	case MPORT_RANDOM:
		n->rnd = n->rnd * 1103515245u + 12345u;
		n->next_port = 32768 + ((n->rnd >> 8) % 28000);
		port = alloc_port(n, 17, in, 0, true, t);
		break;
	default:
		return 0;
	}
	if (port == 0 || (b = binding_new(n, t)) == NULL)
		return 0;
	b->proto = 17;
	b->in = *in;
	b->pub = n->pub;
	b->pub.port = port;
	ep_clear(&b->key_remote);
	b->media = true;
	b->first_ns = t;
	b->last_ns = t;
	return port;
}

int
nat_add_pinhole(struct nat *n, uint8_t proto, const struct ep *pub,
    const struct ep *inside, const struct ep *allowed, int64_t expires_ns,
    bool is_register)
{
	int k, freeslot = -1;

	for (k = 0; k < NAT_MAX_PINHOLES; k++) {
		struct pinhole *p = &n->ph[k];

		if (p->used && p->proto == proto && ep_eq(&p->pub, pub) &&
		    p->is_register == is_register) {
			freeslot = k;
			break;
		}
		if (!p->used && freeslot < 0)
			freeslot = k;
	}
	if (freeslot < 0)
		return -1;
	n->ph[freeslot].used = true;
	n->ph[freeslot].is_register = is_register;
	n->ph[freeslot].proto = proto;
	n->ph[freeslot].pub = *pub;
	n->ph[freeslot].inside = *inside;
	if (allowed != NULL)
		n->ph[freeslot].allowed = *allowed;
	else
		ep_clear(&n->ph[freeslot].allowed);
	n->ph[freeslot].expires_ns = expires_ns;
	return 0;
}

static bool
flow_eq(const struct nat_flow *a, const struct nat_flow *b)
{
	return a->proto == b->proto && ep_eq(&a->in, &b->in) &&
	    ep_eq(&a->remote, &b->remote);
}

int
nat_add_media_pinhole(struct nat *n, const struct nat_flow *fl, char kind,
    bool outward, const struct ep *pub, const struct ep *inside,
    const struct ep *allowed, int64_t t, int64_t expires_ns)
{
	bool per_flow = n->cfg->pinhole_scope == PINHOLE_FLOW && fl != NULL &&
	    fl->proto != 0;
	uint32_t lim = n->cfg->max_pinholes_per_flow;
	int k, slot = -1, freeslot = -1;

	for (k = 0; k < NAT_MAX_PINHOLES; k++) {
		struct pinhole *p = &n->ph[k];

		if (p->used && p->expires_ns != 0 && t > p->expires_ns)
			p->used = false;        /* expired: the slot is free */
		if (p->used && !p->is_register && p->outward == outward &&
		    p->proto == 17 && ep_eq(&p->pub, pub) &&
		    (!outward || !per_flow || flow_eq(&p->flow, fl))) {
			slot = k;               /* the same expectation again */
			break;
		}
		if (!p->used && freeslot < 0)
			freeslot = k;
	}
	if (slot < 0 && per_flow && lim > 0 && kind != 0) {
		uint32_t cnt = 0;
		int oldest = -1;

		if (kind == 'i')
			lim = lim / 2 > 0 ? lim / 2 : 1;
		for (;;) {
			cnt = 0;
			oldest = -1;
			for (k = 0; k < NAT_MAX_PINHOLES; k++) {
				const struct pinhole *p = &n->ph[k];

				if (!p->used || p->is_register || p->kind != kind ||
				    !flow_eq(&p->flow, fl))
					continue;
				cnt++;
				if (oldest < 0 || p->born < n->ph[oldest].born)
					oldest = k;
			}
			if (cnt < lim || oldest < 0)
				break;
			n->ph[oldest].used = false;  /* evict_oldest_expect() */
			if (freeslot < 0 || oldest < freeslot)
				freeslot = oldest;
		}
	}
	if (slot < 0)
		slot = freeslot;
	if (slot < 0)
		return -1;
	memset(&n->ph[slot], 0, sizeof(n->ph[slot]));
	n->ph[slot].used = true;
	n->ph[slot].outward = outward;
	n->ph[slot].proto = 17;
	n->ph[slot].kind = kind;
	n->ph[slot].pub = *pub;
	if (inside != NULL)
		n->ph[slot].inside = *inside;
	if (allowed != NULL)
		n->ph[slot].allowed = *allowed;
	if (fl != NULL)
		n->ph[slot].flow = *fl;
	n->ph[slot].expires_ns = expires_ns;
	n->ph[slot].born = ++n->ph_born;
	return 0;
}

void
nat_flush_flow(struct nat *n, const struct nat_flow *fl)
{
	int k;

	for (k = 0; k < NAT_MAX_PINHOLES; k++)
		if (n->ph[k].used && !n->ph[k].is_register &&
		    flow_eq(&n->ph[k].flow, fl))
			n->ph[k].used = false;
}

bool
nat_media_pinhole(const struct nat *n, const struct ep *pub, int64_t t,
    struct ep *inside)
{
	int k;

	for (k = 0; k < NAT_MAX_PINHOLES; k++) {
		const struct pinhole *p = &n->ph[k];

		if (p->used && !p->is_register && !p->outward && p->proto == 17 &&
		    ep_eq(&p->pub, pub) && (p->expires_ns == 0 || t <= p->expires_ns)) {
			*inside = p->inside;
			return true;
		}
	}
	return false;
}

bool
nat_pinhole_clash(const struct nat *n, const struct ep *pub,
    const struct ep *allowed, const struct ep *inside, int64_t t)
{
	bool any = allowed == NULL || allowed->family == 0;
	int k;

	for (k = 0; k < NAT_MAX_PINHOLES; k++) {
		const struct pinhole *p = &n->ph[k];

		if (!p->used || p->is_register || p->outward || p->proto != 17 ||
		    !ep_eq(&p->pub, pub) || ep_same_ip(&p->inside, inside) ||
		    (p->expires_ns != 0 && t > p->expires_ns))
			continue;
		if (any ? p->allowed.family == 0 :
		    p->allowed.family != 0 && ep_same_ip(&p->allowed, allowed))
			return true;
	}
	return false;
}

void
nat_close_pinholes(struct nat *n, const struct ep *inside)
{
	int k;

	for (k = 0; k < NAT_MAX_PINHOLES; k++)
		if (n->ph[k].used && !n->ph[k].is_register && !n->ph[k].outward &&
		    ep_same_ip(&n->ph[k].inside, inside) &&
		    (n->ph[k].inside.port & ~1) == (inside->port & ~1))
			n->ph[k].used = false;
}

void
nat_keepalive(struct nat *n, uint8_t proto, const struct ep *in,
    uint32_t period_s, int64_t t)
{
	size_t i;

	for (i = 0; i < n->nb; i++) {
		struct binding *b = &n->b[i];

		if (b->used && b->proto == proto && ep_eq(&b->in, in) &&
		    binding_alive(n, b, t)) {
			b->keepalive_s = period_s;
			b->keepalive_from = t;
			b->replied = true;
		}
	}
}
