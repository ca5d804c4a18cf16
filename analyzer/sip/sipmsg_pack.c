/*
 * sipmsg_pack.c - the extraction scratch of one message and its packing.
 *
 * Messages stay in memory for the life of their dialog, so a parsed
 * message is ONE right-sized block.  Fields are first extracted into a
 * scratch on the stack (struct msg_buf): the strings, cut at the caps of
 * sipmsg.h, are put back to back in its area (sa_*); msg_buf_pack() then
 * copies the struct, the Via and Contact arrays sized to the values
 * seen, the SDP (sdp_pack), the raw bytes and the area into a block of
 * exactly the size they need.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "sip/sdp.h"
#include "sip/sipmsg_int.h"

/* Starts the scratch message: no strings yet (all ""), empty area. */
void
msg_buf_init(struct msg_buf *b, const uint8_t *msg, size_t len)
{
	struct sipmsg *m = &b->m;
	const char *e = sa_empty(b);

	/* A call: GCC's inline "rep stosq" costs more (arena.h). */
	arena_memset(m, 0, sizeof(*m));
	b->used = 0;
	b->nul = '\0';
	/* Read only while extracting; msg_buf_pack() stores the copy. */
	m->raw = (char *)(uintptr_t)msg;
	m->raw_len = len;
	m->method = m->reason = m->ruri = m->call_id = e;
	m->from_uri = m->from_tag = m->from_display = e;
	m->to_uri = m->to_tag = m->to_display = e;
	m->cseq_method = m->record_route = m->route = e;
	m->user_agent = m->pai = m->rpid = m->refer_to = e;
	m->replaces = m->event = m->subscription_state = e;
	m->content_type = m->se_refresher = e;
	m->via = b->via;
	m->contact = b->contact;
}

static int
clamp_count(int n, int cap)
{
	return n < 0 ? 0 : n > cap ? cap : n;
}

/* Reserves n bytes aligned to align at *off; returns their offset. */
static size_t
lay(size_t *off, size_t n, size_t align)
{
	size_t o = (*off + align - 1) / align * align;

	*off = o + n;
	return o;
}

/*
 * p, a string of b (its area, or its nul), moved by delta: where it is
 * once nul..area[used) is copied to where nul + delta is.
 */
static inline void
move_str(const char **p, uintptr_t delta)
{
	*p = (const char *)((uintptr_t)*p + delta);
}

/* A Via's strings, moved by delta (see move_str). */
static void
move_via(struct sipmsg_via *v, uintptr_t delta)
{
	move_str(&v->transport, delta);
	move_str(&v->host, delta);
	move_str(&v->branch, delta);
	move_str(&v->received, delta);
	move_str(&v->maddr, delta);
}

/*
 * Copies the scratch message into its own right-sized block: the
 * struct, via[], contact[] (each at least one element, zeroed with ""
 * strings when empty, see sipmsg.h), the SDP region (sdp_pack), the raw
 * copy, then the area -- every non-empty string, each once (the block
 * is the size the old string-by-string packing gave).
 */
struct sipmsg *
msg_buf_pack(const struct msg_buf *b, const struct sipmsg_lend *lend)
{
	const struct sipmsg *src = &b->m;
	int nv = clamp_count(src->nvia, CAP_SIP_VIAS);
	int nc = clamp_count(src->ncontact, CAP_SIP_CONTACTS);
	struct sdp_plan plan;
	size_t sdp_n = src->sdp != NULL ? sdp_pack_plan(src->sdp, &plan) : 0;
	size_t n = 0, o_via, o_ct, o_sdp = 0, o_raw, o_area, cap;
	struct sipmsg_via *via;
	struct sipmsg_contact *ct;
	struct sipmsg *d;
	char *blk;
	uintptr_t delta;

	(void)lay(&n, sizeof(*d), _Alignof(struct sipmsg));
	o_via = lay(&n, (size_t)(nv > 0 ? nv : 1) * sizeof(*via),
	    _Alignof(struct sipmsg_via));
	o_ct = lay(&n, (size_t)(nc > 0 ? nc : 1) * sizeof(*ct),
	    _Alignof(struct sipmsg_contact));
	if (src->sdp != NULL)
		o_sdp = lay(&n, sdp_n, _Alignof(max_align_t));
	o_raw = lay(&n, src->raw_len + 1, 1);
	/* Right after the raw copy's NUL, which stands for b->nul. */
	o_area = lay(&n, b->used, 1);
	cap = n;
	blk = lend != NULL && lend->alloc != NULL ?
	    lend->alloc(lend->user, n, &cap) : malloc(n);
	if (blk == NULL)
		return NULL;
	d = (struct sipmsg *)(void *)blk;
	via = (struct sipmsg_via *)(void *)(blk + o_via);
	ct = (struct sipmsg_contact *)(void *)(blk + o_ct);
	/*
	 * The struct, raw copy and area through libc's memcpy: their
	 * inline "rep movsq" cost 2-3 times more (arena.h).
	 */
	arena_memcpy(d, src, sizeof(*d));
	d->sdp = src->sdp != NULL ?
	    sdp_pack_planned(src->sdp, &plan, blk + o_sdp) : NULL;
	d->raw = blk + o_raw;
	arena_memcpy(d->raw, src->raw, src->raw_len);
	d->raw[src->raw_len] = '\0';
	arena_memcpy(blk + o_area, b->area, b->used);
	/* Unsigned: wraps as needed whichever block lies higher. */
	delta = (uintptr_t)(blk + o_area) - (uintptr_t)b->area;
	move_str(&d->method, delta);
	move_str(&d->reason, delta);
	move_str(&d->ruri, delta);
	move_str(&d->call_id, delta);
	move_str(&d->from_uri, delta);
	move_str(&d->from_tag, delta);
	move_str(&d->from_display, delta);
	move_str(&d->to_uri, delta);
	move_str(&d->to_tag, delta);
	move_str(&d->to_display, delta);
	move_str(&d->cseq_method, delta);
	move_str(&d->record_route, delta);
	move_str(&d->route, delta);
	move_str(&d->user_agent, delta);
	move_str(&d->pai, delta);
	move_str(&d->rpid, delta);
	move_str(&d->refer_to, delta);
	move_str(&d->replaces, delta);
	move_str(&d->event, delta);
	move_str(&d->subscription_state, delta);
	move_str(&d->content_type, delta);
	move_str(&d->se_refresher, delta);
	if (nv > 0) {
		memcpy(via, src->via, (size_t)nv * sizeof(*via));
		for (int i = 0; i < nv; i++)
			move_via(&via[i], delta);
	} else {
		/* The one zeroed element sipmsg.h promises, its strings "". */
		memset(via, 0, sizeof(*via));
		via->transport = via->host = via->branch = via->received =
		    via->maddr = d->raw + src->raw_len;
	}
	if (nc > 0) {
		memcpy(ct, src->contact, (size_t)nc * sizeof(*ct));
		for (int i = 0; i < nc; i++)
			move_str(&ct[i].uri, delta);
	} else {
		memset(ct, 0, sizeof(*ct));
		ct->uri = d->raw + src->raw_len;
	}
	d->via = via;
	d->nvia = nv;
	d->contact = ct;
	d->ncontact = nc;
	d->mem_bytes = n;
	d->block_bytes = cap;
	return d;
}
