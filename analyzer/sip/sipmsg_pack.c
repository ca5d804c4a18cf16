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
 * s, a string of b (its area, or its nul), moved by delta: where it is
 * once nul..area[used) is copied to where nul + delta is.
 */
static inline const char *
moved(const char *s, uintptr_t delta)
{
	return (const char *)((uintptr_t)s + delta);
}

/*
 * Via v of the scratch into its place d in the block, its strings moved
 * by delta (see moved).  Read from the scratch, never back from d: a
 * load of bytes just stored in several pieces is not forwarded from the
 * store buffer and waits for the block's line, which is often still on
 * its way from memory (perf, sig.pcap: 42 % of msg_buf_pack's time on
 * one such load).
 */
static void
put_via(struct sipmsg_via *d, const struct sipmsg_via *v, uintptr_t delta)
{
	*d = *v;
	d->transport = moved(v->transport, delta);
	d->host = moved(v->host, delta);
	d->branch = moved(v->branch, delta);
	d->received = moved(v->received, delta);
	d->maddr = moved(v->maddr, delta);
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
	char *blk, *raw;
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
	raw = blk + o_raw;
	arena_memcpy(raw, src->raw, src->raw_len);
	raw[src->raw_len] = '\0';
	arena_memcpy(blk + o_area, b->area, b->used);
	/* Unsigned: wraps as needed whichever block lies higher. */
	delta = (uintptr_t)(blk + o_area) - (uintptr_t)b->area;
	/*
	 * Every moved pointer from src, stored over the copy: no load from
	 * the block (see put_via).
	 */
	d->raw = raw;
	d->sdp = src->sdp != NULL ?
	    sdp_pack_planned(src->sdp, &plan, blk + o_sdp) : NULL;
	d->method = moved(src->method, delta);
	d->reason = moved(src->reason, delta);
	d->ruri = moved(src->ruri, delta);
	d->call_id = moved(src->call_id, delta);
	d->from_uri = moved(src->from_uri, delta);
	d->from_tag = moved(src->from_tag, delta);
	d->from_display = moved(src->from_display, delta);
	d->to_uri = moved(src->to_uri, delta);
	d->to_tag = moved(src->to_tag, delta);
	d->to_display = moved(src->to_display, delta);
	d->cseq_method = moved(src->cseq_method, delta);
	d->record_route = moved(src->record_route, delta);
	d->route = moved(src->route, delta);
	d->user_agent = moved(src->user_agent, delta);
	d->pai = moved(src->pai, delta);
	d->rpid = moved(src->rpid, delta);
	d->refer_to = moved(src->refer_to, delta);
	d->replaces = moved(src->replaces, delta);
	d->event = moved(src->event, delta);
	d->subscription_state = moved(src->subscription_state, delta);
	d->content_type = moved(src->content_type, delta);
	d->se_refresher = moved(src->se_refresher, delta);
	if (nv > 0) {
		for (int i = 0; i < nv; i++)
			put_via(&via[i], &src->via[i], delta);
	} else {
		/* The one zeroed element sipmsg.h promises, its strings "". */
		memset(via, 0, sizeof(*via));
		via->transport = via->host = via->branch = via->received =
		    via->maddr = raw + src->raw_len;
	}
	if (nc > 0) {
		for (int i = 0; i < nc; i++) {
			ct[i] = src->contact[i];
			ct[i].uri = moved(src->contact[i].uri, delta);
		}
	} else {
		memset(ct, 0, sizeof(*ct));
		ct->uri = raw + src->raw_len;
	}
	d->via = via;
	d->nvia = nv;
	d->contact = ct;
	d->ncontact = nc;
	d->mem_bytes = n;
	d->block_bytes = cap;
	return d;
}
