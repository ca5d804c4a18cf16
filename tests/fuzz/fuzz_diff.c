/*
 * fuzz_diff.c - libFuzzer target: the inside/outside comparison's field
 * parser (diff/diff_fields.c) and the profile guess's evidence
 * (diff/diff_evidence.c), on two copies of one SIP message.
 *
 * The input is a 3-byte header, then the ingress copy, then the egress
 * copy:
 *
 *    0       1               3
 *   +-------+---------------+-----------------+----------------+
 *   | flags | ingress bytes | ingress copy .. | egress copy .. |
 *   +-------+---------------+-----------------+----------------+
 *            (16 bits, little-endian; more than is left = all of it)
 *
 *   flags  bit 0    direction: 0 outbound, 1 inbound
 *          bit 1    transport: 0 UDP, 1 TCP
 *          bits 2-3 the pair's endpoints (table eps[]: the kernel
 *                   testbed, a changed port, another IPv4 pair, IPv6)
 *          bit 4    a NAT mapping table is given (else d = NULL)
 *          bit 5    the ingress copy came in IP fragments (UDP) or
 *                   several segments (TCP)
 *          bit 6    the copy is dropped (no egress): the single path
 *          bit 7    the profile files are scored on the evidence
 *
 * What runs: diff_fields_compare (the field-by-field comparison, with
 * the feature counters), diff_private_fields on both copies,
 * diff_evidence_pair or diff_evidence_single, and with bit 7
 * diff_profile_guess over the shipped profiles.  Contracts checked (an
 * abort() is a crash for libFuzzer and the replay): changes within
 * DIFF_PAIR_CHANGES, every text field NUL-terminated within its array,
 * the evidence within its caps, the guess's strings terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alg/profile.h"
#include "diff/diff.h"
#include "diff/diff_int.h"
#include "ingest/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_BYTES 3

static volatile size_t sink;

/* inside src, inside dst, outside src, outside dst of an outbound pair */
static const struct {
	const char *ip[4];
	uint16_t port[4];
} eps[4] = {
	{ { "10.0.0.2", "198.51.100.2", "198.51.100.1", "198.51.100.2" },
	  { 5060, 5060, 5060, 5060 } },
	{ { "10.0.0.2", "198.51.100.2", "198.51.100.1", "198.51.100.2" },
	  { 5062, 5060, 1024, 5060 } },
	{ { "192.168.1.10", "203.0.113.9", "203.0.113.7", "203.0.113.9" },
	  { 5080, 5080, 61000, 5080 } },
	{ { "2001:db8::2", "2001:db8:2::9", "2001:db8:1::1", "2001:db8:2::9" },
	  { 5060, 5060, 5060, 5060 } },
};

static void
set_ep(struct ep *e, const char *ip, uint16_t port)
{
	ep_clear(e);
	if (ep_parse_ip(e, ip, strlen(ip)) != 0)
		abort();
	e->port = port;
}

static void
check_str(const char *s, size_t n)
{
	if (memchr(s, '\0', n) == NULL)
		abort();
	sink += strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct diff_evidence ev;
	uint8_t hdr[HDR_BYTES] = { 0 };
	size_t hl = size < HDR_BYTES ? size : HDR_BYTES, il, el;
	const uint8_t *ing, *egr;
	struct diff_features f;
	struct diff_pair pr;
	struct diff *d = NULL;
	struct ep in_src, in_dst, out_src, out_dst;
	char priv[96];
	unsigned k;

	memcpy(hdr, data, hl);
	il = (size_t)hdr[1] | (size_t)hdr[2] << 8;
	if (il > size - hl)
		il = size - hl;
	ing = data + hl;
	egr = ing + il;
	el = size - hl - il;
	k = (hdr[0] >> 2) & 3;
	set_ep(&in_src, eps[k].ip[0], eps[k].port[0]);
	set_ep(&in_dst, eps[k].ip[1], eps[k].port[1]);
	set_ep(&out_src, eps[k].ip[2], eps[k].port[2]);
	set_ep(&out_dst, eps[k].ip[3], eps[k].port[3]);

	memset(&pr, 0, sizeof(pr));
	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	pr.dir = (hdr[0] & 1) ? DIFF_INBOUND : DIFF_OUTBOUND;
	pr.l4 = (hdr[0] & 2) ? PKT_TCP : PKT_UDP;
	pr.cseq = 1;
	snprintf(pr.label, sizeof(pr.label), "INVITE");
	pr.copy[DIFF_INSIDE].present = true;
	pr.copy[DIFF_OUTSIDE].present = true;
	if (pr.dir == DIFF_OUTBOUND) {
		pr.copy[DIFF_INSIDE].src = in_src;
		pr.copy[DIFF_INSIDE].dst = in_dst;
		pr.copy[DIFF_OUTSIDE].src = out_src;
		pr.copy[DIFF_OUTSIDE].dst = out_dst;
	} else {
		pr.copy[DIFF_INSIDE].src = in_dst;
		pr.copy[DIFF_INSIDE].dst = in_src;
		pr.copy[DIFF_OUTSIDE].src = out_dst;
		pr.copy[DIFF_OUTSIDE].dst = out_src;
	}
	/* Content-Length figures as the loader would have them */
	for (int s = 0; s < 2; s++) {
		pr.copy[s].cl_declared = (int64_t)(il % 7) * 10 - 1;
		pr.copy[s].body_bytes = (int64_t)(s ? el : il) / 3;
		pr.copy[s].cl_stale = pr.copy[s].cl_declared >= 0 &&
		    pr.copy[s].cl_declared != pr.copy[s].body_bytes;
	}
	pr.copy[pr.dir == DIFF_OUTBOUND ? DIFF_INSIDE : DIFF_OUTSIDE].nfrags =
	    (hdr[0] & 0x20) ? 3 : 1;
	pr.copy[pr.dir == DIFF_OUTBOUND ? DIFF_INSIDE : DIFF_OUTSIDE].split =
	    (hdr[0] & 0x20) && pr.l4 == PKT_TCP;
	if (hdr[0] & 0x10) {
		if ((d = diff_new(NULL, NULL)) == NULL)
			abort();
		diff_mapping_add(d, pr.l4, &in_src, &out_src, &out_dst, 0, false);
		in_src.port = 40000;
		out_src.port = 40002;
		diff_mapping_add(d, pr.l4, &in_src, &out_src, &out_dst, 0, true);
	}

	if (hdr[0] & 0x40) {
		pr.cls = DIFF_DROPPED;
		pr.copy[pr.dir == DIFF_OUTBOUND ? DIFF_OUTSIDE : DIFF_INSIDE]
		    .present = false;
		diff_evidence_single(&ev, &pr, ing, il);
	} else {
		diff_fields_compare(d, &pr, ing, il, egr, el, &f);
		if (pr.nch < 0 || pr.nch > DIFF_PAIR_CHANGES ||
		    pr.nunexplained < 0)
			abort();
		for (int i = 0; i < pr.nch; i++) {
			check_str(pr.ch[i].field, sizeof(pr.ch[i].field));
			check_str(pr.ch[i].before, sizeof(pr.ch[i].before));
			check_str(pr.ch[i].after, sizeof(pr.ch[i].after));
		}
		if (f.payload_rewrites > 1)
			abort();
		diff_evidence_pair(&ev, &pr, ing, il, egr, el);
		diff_pair_fini(&pr);
	}
	sink += (size_t)diff_private_fields(ing, il, priv, sizeof(priv));
	check_str(priv, sizeof(priv));
	sink += (size_t)diff_private_fields(egr, el, priv, sizeof(priv));
	check_str(priv, sizeof(priv));
	if (ev.nflows > DIFF_PROFILE_FLOWS || ev.ndrops > DIFF_PROFILE_DROPS ||
	    ev.nsrc > DIFF_PROFILE_SOURCES)
		abort();
	for (size_t i = 0; i < ev.ndrops; i++)
		check_str(ev.drop[i].label, sizeof(ev.drop[i].label));

	if (hdr[0] & 0x80) {
		const char *dirs[4];
		struct diff_profile p;

		profile_search_path(dirs, sizeof(dirs) / sizeof(dirs[0]));
		diff_profile_guess(&ev, 1, dirs, &p);
		check_str(p.name, sizeof(p.name));
		check_str(p.tied, sizeof(p.tied));
		check_str(p.why, sizeof(p.why));
		if (p.nobs > DIFF_PROFILE_OBS || p.nprofiles > DIFF_PROFILES)
			abort();
	}
	diff_free(d);
	return 0;
}
