/*
 * detect_binding.c - the phones' NAT bindings as the capture shows them,
 * followed across dialogs for inbound_call_unanswered and
 * registration_failure.
 *
 * A NAT keeps a UDP mapping (and an ALG its signalling pinhole) only while
 * packets flow: Linux conntrack 30 s for a flow that never became a
 * stream (a REGISTER and its 200 OK are over within 2 s), consumer routers
 * 30-60 s, FortiGate 180 s (ALG-REFERENCE.md sections 1.3 and 2).  An
 * incoming INVITE that arrives after the phone was silent longer than
 * that finds no mapping; RFC 5626 keepalives (CRLF, STUN) or registering
 * more often than the timeout keep it open.  So per binding, one NAT
 * 5-tuple (the phone's address:port as seen in the capture, and the peer:
 * the registrar for REGISTERs), this keeps when the phone sent: REGISTERs
 * and other requests/responses from finished dialogs, keepalives as they
 * arrive (detect_keepalive, called by the analysis per datagram).
 *
 * Dialogs are reported out of time order (a registration stays open for
 * an hour after its last refresh, an unanswered INVITE for an hour after
 * its last retransmission), so activity is kept as time spans, sorted,
 * merged when less than BINDING_MERGE_NS apart, at most BINDING_SPANS per
 * binding (the oldest dropped).  Limits: DETECT_MAX_BINDINGS bindings;
 * once full nothing new is recorded (bindings_dropped counts it) and the
 * table never grows.  Bindings are keyed by exact address and port, so a
 * phone seen on both sides of a NAT (inside and outside captures read
 * together) has two bindings, one per capture point.
 *
 * Who registers is also noted as each REGISTER's response arrives
 * (detect_binding_note, DETECT_REG_SRCS addresses, the oldest replaced):
 * inbound_call_unanswered asks it of an INVITE judged before the
 * registration dialog ends, to tell the phone's own INVITE from one sent
 * to the phone.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect_int.h"

struct detect_binding *
detect_binding_get(struct detect *dt, const struct ep *phone,
    const struct ep *peer, bool create)
{
	struct detect_binding *b;

	if (phone->family == 0 || peer->family == 0)
		return NULL;
	for (unsigned i = 0; i < dt->nbindings; i++) {
		b = &dt->bindings[i];
		if (ep_eq(&b->phone, phone) && ep_eq(&b->peer, peer))
			return b;
	}
	if (!create)
		return NULL;
	if (dt->nbindings >= DETECT_MAX_BINDINGS) {
		dt->bindings_dropped++;
		return NULL;
	}
	b = &dt->bindings[dt->nbindings++];
	memset(b, 0, sizeof(*b));
	b->used = true;
	b->phone = *phone;
	b->peer = *peer;
	return b;
}

/* Copies what (truncated to fit) into the span. */
static void
span_what(struct detect_span *s, const char *what)
{
	snprintf(s->what, sizeof(s->what), "%s", what);
}

void
detect_binding_tx(struct detect_binding *b, int64_t ts, uint32_t cap_idx,
    uint64_t frame, const char *what)
{
	int i, k;
	struct detect_span *s;

	if (b == NULL)
		return;
	/* First span that ends at or after ts - merge distance. */
	for (i = 0; i < b->nspan; i++)
		if (b->span[i].to_ns + BINDING_MERGE_NS >= ts)
			break;
	if (i < b->nspan && b->span[i].from_ns - BINDING_MERGE_NS <= ts) {
		s = &b->span[i];
		if (ts < s->from_ns)
			s->from_ns = ts;
		if (ts >= s->to_ns) {
			s->to_ns = ts;
			s->cap_idx = cap_idx;
			s->frame = frame;
			span_what(s, what);
		}
		/* The span may now reach the next one. */
		while (i + 1 < b->nspan && s->to_ns + BINDING_MERGE_NS >=
		    b->span[i + 1].from_ns) {
			struct detect_span *n = &b->span[i + 1];

			if (n->to_ns > s->to_ns) {
				s->to_ns = n->to_ns;
				s->cap_idx = n->cap_idx;
				s->frame = n->frame;
				memcpy(s->what, n->what, sizeof(s->what));
			}
			memmove(n, n + 1, (size_t)(b->nspan - i - 2) *
			    sizeof(*n));
			b->nspan--;
		}
		return;
	}
	/* A new span at i; full: drop the oldest (or this one if oldest). */
	if (b->nspan == BINDING_SPANS) {
		if (i == 0)
			return;
		memmove(&b->span[0], &b->span[1], (size_t)(i - 1) *
		    sizeof(b->span[0]));
		i--;
		b->nspan--;
	} else {
		memmove(&b->span[i + 1], &b->span[i], (size_t)(b->nspan - i) *
		    sizeof(b->span[0]));
	}
	k = i;
	s = &b->span[k];
	s->from_ns = s->to_ns = ts;
	s->cap_idx = cap_idx;
	s->frame = frame;
	span_what(s, what);
	b->nspan++;
}

int
detect_binding_last_tx(const struct detect_binding *b, int64_t t,
    int64_t *gap_ns, const struct detect_span **sp)
{
	const struct detect_span *best = NULL;

	for (int i = 0; i < b->nspan; i++)
		if (b->span[i].from_ns < t)
			best = &b->span[i];
	if (best == NULL)
		return -1;
	*sp = best;
	if (best->to_ns >= t) {
		/* Packets on both sides of t, less than the merge distance
		 * apart. */
		*gap_ns = 0;
		return 0;
	}
	*gap_ns = t - best->to_ns;
	return 1;
}

uint64_t
detect_binding_keepalives(const struct detect *dt, const struct ep *phone,
    uint32_t cap_idx)
{
	uint64_t n = cap_idx < 64 ? (dt->ka_caps >> cap_idx) & 1 :
	    dt->ka_caps_high;

	for (unsigned i = 0; i < dt->nbindings; i++)
		if (ep_eq(&dt->bindings[i].phone, phone))
			n += dt->bindings[i].keepalives;
	return n;
}

struct detect_binding *
detect_binding_registered(struct detect *dt, const struct ep *phone)
{
	for (unsigned i = 0; i < dt->nbindings; i++)
		if (dt->bindings[i].registered &&
		    ep_eq(&dt->bindings[i].phone, phone))
			return &dt->bindings[i];
	return NULL;
}

void
detect_binding_note(struct detect *dt, const struct dialog *d,
    const struct dmsg *r)
{
	const struct dmsg *q = NULL;

	if (r->m->is_request || !dmsg_cseq_is(r, SIPM_REGISTER))
		return;
	for (size_t i = d->nmsgs; i-- > 0 && q == NULL;) {
		const struct dmsg *m = &d->msgs[i];

		if (m->m->is_request && m->m->cseq == r->m->cseq &&
		    dmsg_method_is(m, SIPM_REGISTER) &&
		    ep_eq(&m->src, &r->dst))
			q = m;
	}
	if (q == NULL || q->src.family == 0 || detect_binding_registers(dt,
	    &q->src))
		return;
	dt->reg_src[dt->reg_src_next] = q->src;
	dt->reg_src_next = (dt->reg_src_next + 1) % DETECT_REG_SRCS;
	if (dt->nreg_src < DETECT_REG_SRCS)
		dt->nreg_src++;
}

bool
detect_binding_registers(const struct detect *dt, const struct ep *e)
{
	if (e->family == 0)
		return false;
	for (unsigned i = 0; i < dt->nreg_src; i++)
		if (ep_eq(&dt->reg_src[i], e))
			return true;
	for (unsigned i = 0; i < dt->nbindings; i++)
		if (dt->bindings[i].registered &&
		    ep_eq(&dt->bindings[i].phone, e))
			return true;
	return false;
}

static void
tx_msg(struct detect *dt, const struct dmsg *m, bool create,
    const char *what, bool keepalive)
{
	struct detect_binding *b;

	b = detect_binding_get(dt, &m->src, &m->dst, create);
	if (b == NULL)
		return;
	if (keepalive && b->keepalives++ == 0)
		b->first_ka_ns = m->ts_ns;
	detect_binding_tx(b, m->ts_ns, m->cap_idx, m->frame, what);
	for (uint32_t r = 0; r < m->retrans && r < DIALOG_RETRANS_KEPT; r++)
		detect_binding_tx(b, m->retrans_ns[r], m->cap_idx,
		    m->retrans_frame[r], what);
}

void
detect_binding_feed(struct detect *dt, const struct dialog *d)
{
	for (size_t i = 0; i < d->nmsgs; i++) {
		const struct dmsg *m = &d->msgs[i];
		const struct sipmsg *s = m->m;

		if (s->is_request && dmsg_method_is(m, SIPM_REGISTER)) {
			struct detect_binding *b = detect_binding_get(dt,
			    &m->src, &m->dst, true);

			if (b != NULL)
				b->registered = true;
			tx_msg(dt, m, true, "REGISTER", false);
		} else if (d->kind == DIALOG_OPTIONS) {
			/*
			 * An OPTIONS ping from the phone, or the phone's answer
			 * to the server's ping: either keeps the mapping.
			 */
			tx_msg(dt, m, true, s->is_request ? "OPTIONS" :
			    "OPTIONS response", true);
		} else if (dt->nbindings > 0) {
			/* Refreshes a binding already known: with none (no
			 * REGISTER or OPTIONS seen yet), nothing to look up. */
			tx_msg(dt, m, false, s->is_request ? s->method :
			    "response", false);
		}
	}
}

static void
keepalive(struct detect *dt, const struct ep *src, const struct ep *dst,
    int64_t ts_ns, bool create)
{
	struct detect_binding *b;

	if (dt == NULL || src == NULL || dst == NULL)
		return;
	b = detect_binding_get(dt, src, dst, create);
	if (b == NULL)
		return;
	if (b->keepalives++ == 0)
		b->first_ka_ns = ts_ns;
	detect_binding_tx(b, ts_ns, 0, 0, "keepalive");
}

void
detect_keepalives_unattributed(struct detect *dt, uint32_t cap_idx,
    uint64_t n)
{
	if (dt == NULL || n == 0)
		return;
	if (cap_idx < 64)
		dt->ka_caps |= (uint64_t)1 << cap_idx;
	else
		dt->ka_caps_high = true;
}

void
detect_keepalive(struct detect *dt, const struct ep *src,
    const struct ep *dst, int64_t ts_ns)
{
	keepalive(dt, src, dst, ts_ns, true);
}

void
detect_keepalive_known(struct detect *dt, const struct ep *src,
    const struct ep *dst, int64_t ts_ns)
{
	keepalive(dt, src, dst, ts_ns, false);
}

const char *
detect_nat_preset(int64_t gap_ns, int *secs)
{
	static const struct {
		int s;
		const char *name;
	} p[] = {
		{ 180, "the 30 s Linux conntrack, 60 s consumer-router and "
		    "180 s FortiGate UDP timeouts" },
		{ 60, "the 30 s Linux conntrack and 60 s consumer-router UDP "
		    "timeouts" },
		{ 30, "the 30 s Linux conntrack UDP timeout" },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (gap_ns > (int64_t)p[i].s * DETECT_NS) {
			*secs = p[i].s;
			return p[i].name;
		}
	*secs = 0;
	return NULL;
}

const char *
detect_media_preset(int64_t gap_ns, int *secs)
{
	if (gap_ns > 300 * DETECT_NS) {
		*secs = 300;
		return "the 120 s conntrack stream / Juniper and 300 s "
		    "ZyXEL media timeouts";
	}
	if (gap_ns > 120 * DETECT_NS) {
		*secs = 120;
		return "the 120 s conntrack stream / Juniper media timeout";
	}
	*secs = 0;
	return NULL;
}
