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

#include "sip/sdp.h"
#include "sip/sipmsg_int.h"

/* Starts the scratch message: no strings yet (all ""), empty area. */
void
msg_buf_init(struct msg_buf *b, const uint8_t *msg, size_t len)
{
	struct sipmsg *m = &b->m;

	memset(m, 0, sizeof(*m));
	b->used = 0;
	/* Read only while extracting; msg_buf_pack() stores the copy. */
	m->raw = (char *)(uintptr_t)msg;
	m->raw_len = len;
	m->method = m->reason = m->ruri = m->call_id = "";
	m->from_uri = m->from_tag = m->from_display = "";
	m->to_uri = m->to_tag = m->to_display = "";
	m->cseq_method = m->record_route = m->route = "";
	m->user_agent = m->pai = m->rpid = m->refer_to = "";
	m->replaces = m->event = m->subscription_state = "";
	m->content_type = m->se_refresher = "";
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
 * Where p -- a string of b's area, or a static "" -- points once the area
 * is copied to area.
 */
static const char *
reloc(const struct msg_buf *b, const char *p, char *area)
{
	uintptr_t x = (uintptr_t)p, lo = (uintptr_t)b->area;

	return x - lo < b->used ? area + (x - lo) : p;
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
	static const struct sipmsg_via no_via = {
		.transport = "", .host = "", .branch = "", .received = "",
		.maddr = "",
	};
	static const struct sipmsg_contact no_contact = { .uri = "" };
	const struct sipmsg *src = &b->m;
	int nv = clamp_count(src->nvia, CAP_SIP_VIAS);
	int nc = clamp_count(src->ncontact, CAP_SIP_CONTACTS);
	size_t sdp_n = src->sdp != NULL ? sdp_pack_size(src->sdp) : 0;
	size_t n = 0, o_via, o_ct, o_sdp = 0, o_raw, o_area, cap;
	struct sipmsg_via *via;
	struct sipmsg_contact *ct;
	struct sipmsg *d;
	char *blk, *area;

	(void)lay(&n, sizeof(*d), _Alignof(struct sipmsg));
	o_via = lay(&n, (size_t)(nv > 0 ? nv : 1) * sizeof(*via),
	    _Alignof(struct sipmsg_via));
	o_ct = lay(&n, (size_t)(nc > 0 ? nc : 1) * sizeof(*ct),
	    _Alignof(struct sipmsg_contact));
	if (src->sdp != NULL)
		o_sdp = lay(&n, sdp_n, _Alignof(max_align_t));
	o_raw = lay(&n, src->raw_len + 1, 1);
	o_area = lay(&n, b->used, 1);
	cap = n;
	blk = lend != NULL && lend->alloc != NULL ?
	    lend->alloc(lend->user, n, &cap) : malloc(n);
	if (blk == NULL)
		return NULL;
	d = (struct sipmsg *)(void *)blk;
	via = (struct sipmsg_via *)(void *)(blk + o_via);
	ct = (struct sipmsg_contact *)(void *)(blk + o_ct);
	area = blk + o_area;
	*d = *src;
	d->sdp = src->sdp != NULL ? sdp_pack_measured(src->sdp, blk + o_sdp) :
	    NULL;
	d->raw = blk + o_raw;
	memcpy(d->raw, src->raw, src->raw_len);
	d->raw[src->raw_len] = '\0';
	memcpy(area, b->area, b->used);
	d->method = reloc(b, src->method, area);
	d->reason = reloc(b, src->reason, area);
	d->ruri = reloc(b, src->ruri, area);
	d->call_id = reloc(b, src->call_id, area);
	d->from_uri = reloc(b, src->from_uri, area);
	d->from_tag = reloc(b, src->from_tag, area);
	d->from_display = reloc(b, src->from_display, area);
	d->to_uri = reloc(b, src->to_uri, area);
	d->to_tag = reloc(b, src->to_tag, area);
	d->to_display = reloc(b, src->to_display, area);
	d->cseq_method = reloc(b, src->cseq_method, area);
	d->record_route = reloc(b, src->record_route, area);
	d->route = reloc(b, src->route, area);
	d->user_agent = reloc(b, src->user_agent, area);
	d->pai = reloc(b, src->pai, area);
	d->rpid = reloc(b, src->rpid, area);
	d->refer_to = reloc(b, src->refer_to, area);
	d->replaces = reloc(b, src->replaces, area);
	d->event = reloc(b, src->event, area);
	d->subscription_state = reloc(b, src->subscription_state, area);
	d->content_type = reloc(b, src->content_type, area);
	d->se_refresher = reloc(b, src->se_refresher, area);
	for (int i = 0; i < (nv > 0 ? nv : 1); i++) {
		struct sipmsg_via v = i < nv ? src->via[i] : no_via;

		v.transport = reloc(b, v.transport, area);
		v.host = reloc(b, v.host, area);
		v.branch = reloc(b, v.branch, area);
		v.received = reloc(b, v.received, area);
		v.maddr = reloc(b, v.maddr, area);
		via[i] = v;
	}
	for (int i = 0; i < (nc > 0 ? nc : 1); i++) {
		struct sipmsg_contact c = i < nc ? src->contact[i] : no_contact;

		c.uri = reloc(b, c.uri, area);
		ct[i] = c;
	}
	d->via = via;
	d->nvia = nv;
	d->contact = ct;
	d->ncontact = nc;
	d->mem_bytes = n;
	d->block_bytes = cap;
	return d;
}
