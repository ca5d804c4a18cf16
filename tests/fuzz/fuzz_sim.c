/*
 * fuzz_sim.c - libFuzzer target: the simulator's SIP ALG rewrite path
 * (sim/alg.c), the part of sipalg-sim that edits packet bytes.
 *
 * The input is a 9-byte header choosing the ALG variant, then one SIP
 * message (headers and body, as one framed datagram):
 *
 *    0        1                                     9
 *   +--------+-------------------------------------+------------------+
 *   | flags  | knob word (64 bits, little-endian)  | SIP message ...  |
 *   +--------+-------------------------------------+------------------+
 *
 *   flags  bit 0    direction: 0 outbound (inside -> outside), 1 inbound
 *          bits 1-2 NAT mapping (table maps[]: IPv4 same port, IPv4 new
 *                   port, another IPv4 pair, IPv6)
 *          bit 3    a media callback is given (else media_fn = NULL)
 *          bit 4    the media callback runs out of ports every other call
 *          bit 5    the knob word sets every ALG knob (else the Linux
 *                   defaults of profile_defaults, knob word ignored)
 *
 * Inbound messages get a LAN-shortcut lookup that claims every IPv4 media
 * endpoint for another inside phone, so the shortcut rewrite runs whenever
 * lan_media_shortcut is on.
 *
 * Each knob takes the knob word modulo its number of values (then the
 * word is divided by it), so every word is a valid configuration and
 * every value of every ALG knob is reachable.  A short input reads the
 * missing header bytes as 0.
 *
 * The message goes through alg_process; the result must keep its
 * contract (alg.h): a rewrite has bytes and stays under the ALG's own
 * buffer bound, a pass or drop has none, counts stay within their
 * arrays and every text field is NUL-terminated.  A rewritten message is
 * then parsed with sipmsg_parse (it must parse or be refused, never
 * crash) and sent back through the ALG the other way, as a response or
 * an echo would travel.  A broken contract is an abort(), which
 * libFuzzer and the replay both report as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "base/anomaly.h"
#include "base/caps.h"
#include "alg/profile.h"
#include "sip/sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_BYTES 9
/* alg.c's output buffer bound (SB_MAX there): a message may grow. */
#define OUT_MAX (CAP_SIP_MSG_BYTES + 8192)

static volatile size_t sink;

struct media_state {
	bool exhaust;             /* every other call finds no port */
	unsigned calls;
};

/* inside and public endpoint of each mapping (flags bits 1-2) */
static const struct {
	const char *in_ip, *pub_ip;
	uint16_t in_port, pub_port;
} maps[4] = {
	/* samples/linux-alg: phone 10.0.0.2, router wan 198.51.100.1 */
	{ "10.0.0.2", "198.51.100.1", 5060, 5060 },
	{ "10.0.0.2", "198.51.100.1", 5060, 1024 },
	{ "192.168.1.10", "203.0.113.7", 5062, 61000 },
	{ "2001:db8::2", "2001:db8:1::1", 5060, 5060 },
};

static uint16_t
media_port(void *user, const struct ep *inside)
{
	struct media_state *ms = user;
	uint16_t port = (uint16_t)(inside->port + 2);

	if (ms->exhaust && ms->calls++ % 2 == 1)
		return 0;
	return port != 0 ? port : 1;
}

static unsigned
pick(uint64_t *w, unsigned n)
{
	unsigned v = (unsigned)(*w % n);

	*w /= n;
	return v;
}

static void
knobs(struct sim_cfg *c, uint64_t w)
{
	static const uint32_t line_len[] = { 0, 1, 16, 40, 100, 300, 65535 };
	static const uint32_t ruri_len[] = { 0, 1, 20, 64, 255 };

	c->rewrite_ruri = (int)pick(&w, 3);
	c->rewrite_via = (int)pick(&w, 3);
	c->rewrite_via_params = pick(&w, 8);
	c->rewrite_contact = (int)pick(&w, 3);
	c->require_port_match = pick(&w, 2);
	c->rewrite_from_to = (int)pick(&w, 3);
	c->rewrite_call_id = pick(&w, 2);
	c->rewrite_route_rr = pick(&w, 2);
	c->contact_fixup = pick(&w, 2);
	c->sdp_fixup = pick(&w, 2);
	c->sdp_requires_src_match = pick(&w, 2);
	c->rewrite_o_line = pick(&w, 2);
	c->rewrite_a_rtcp = pick(&w, 2);
	c->rewrite_ice = pick(&w, 2);
	c->sdp_max_media = pick(&w, 9);
	c->mport_policy = (int)pick(&w, 3);
	c->content_length = (int)pick(&w, 3);
	c->sdp_add_i_line = pick(&w, 2);
	c->strip_unknown_headers = pick(&w, 2);
	c->drop_on_parse_error = pick(&w, 2);
	c->block_unknown_methods = pick(&w, 2);
	c->max_line_length = line_len[pick(&w, 7)];
	c->max_ruri_len = ruri_len[pick(&w, 5)];
	c->register_requires_contact_port = pick(&w, 2);
	c->lan_media_shortcut = pick(&w, 2);
}

static void
set_ep(struct ep *e, const char *ip, uint16_t port)
{
	ep_clear(e);
	if (ep_parse_ip(e, ip, strlen(ip)) != 0)
		abort();
	e->port = port;
}

/* The LAN-shortcut lookup: every public IPv4 media endpoint belongs to
 * another phone, 10.0.0.3 on the next port pair. */
static bool
shortcut(void *user, const struct ep *pub, struct ep *inside)
{
	(void)user;
	if (pub->family != 4)
		return false;
	set_ep(inside, "10.0.0.3", (uint16_t)(pub->port + 2));
	return true;
}

/* NUL within the array, as every char[] of alg_result must be. */
static void
check_str(const char *s, size_t n)
{
	if (memchr(s, '\0', n) == NULL)
		abort();
	sink += strlen(s);
}

static void
check_result(const struct alg_result *res)
{
	check_str(res->reason, sizeof(res->reason));
	if (res->nedits < 0 || res->nedits > ALG_MAX_EDITS ||
	    res->nmedia < 0 || res->nmedia > ALG_MAX_MEDIA)
		abort();
	for (int i = 0; i < res->nedits; i++) {
		check_str(res->edits[i].field, sizeof(res->edits[i].field));
		check_str(res->edits[i].before, sizeof(res->edits[i].before));
		check_str(res->edits[i].after, sizeof(res->edits[i].after));
	}
	for (int i = 0; i < res->nmedia; i++)
		check_str(res->media[i].media, sizeof(res->media[i].media));
	switch (res->action) {
	case ALG_REWRITTEN:
		if (res->out == NULL || res->out_len == 0 ||
		    res->out_len > OUT_MAX)
			abort();
		/* Every byte is readable: ASan checks the whole buffer. */
		for (size_t i = 0; i < res->out_len; i++)
			sink += res->out[i];
		break;
	case ALG_PASS:
	case ALG_DROP:
		if (res->out != NULL)
			abort();
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[HDR_BYTES] = { 0 };
	const uint8_t *msg;
	size_t len, hl = size < HDR_BYTES ? size : HDR_BYTES;
	struct sim_cfg cfg;
	struct alg_flow fl, back;
	struct alg_result res, res2;
	struct media_state ms = { false, 0 };
	struct anomalies an;
	struct ep in, pub;
	uint64_t w = 0;
	unsigned mi;

	memcpy(hdr, data, hl);
	msg = data + hl;
	len = size - hl;
	for (int i = HDR_BYTES - 1; i >= 1; i--)
		w = w << 8 | hdr[i];
	profile_defaults(&cfg);
	if (hdr[0] & 0x20)
		knobs(&cfg, w);
	ms.exhaust = (hdr[0] & 0x10) != 0;
	mi = (hdr[0] >> 1) & 3;
	set_ep(&in, maps[mi].in_ip, maps[mi].in_port);
	set_ep(&pub, maps[mi].pub_ip, maps[mi].pub_port);
	memset(&fl, 0, sizeof(fl));
	memset(&back, 0, sizeof(back));
	fl.outbound = (hdr[0] & 1) == 0;
	fl.peer = pub;
	fl.shortcut = shortcut;
	fl.match = fl.outbound ? in : pub;
	fl.repl = fl.outbound ? pub : in;

	sipmsg_global_init();
	alg_process(&cfg, msg, len, &fl, (hdr[0] & 0x08) ? media_port : NULL,
	    &ms, &res);
	check_result(&res);
	if (res.action == ALG_REWRITTEN) {
		struct sipmsg *m;

		memset(&an, 0, sizeof(an));
		m = sipmsg_parse(res.out, res.out_len, &an);
		if (m != NULL) {
			sink += sipmsg_mem_bytes(m);
			sipmsg_free(m);
		}
		/* The other way: the rewritten bytes translated back. */
		back.outbound = !fl.outbound;
		back.peer = fl.peer;
		back.shortcut = shortcut;
		back.match = fl.repl;
		back.repl = fl.match;
		alg_process(&cfg, res.out, res.out_len, &back, NULL, NULL,
		    &res2);
		check_result(&res2);
		alg_result_fini(&res2);
	}
	alg_result_fini(&res);
	return 0;
}
