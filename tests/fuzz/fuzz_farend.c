/*
 * fuzz_farend.c - libFuzzer target: the simulator's far-end model
 * (sim/farend.c), which rebuilds the outside bytes of the far end's
 * messages from what it learnt of the phone's.
 *
 * The input is a 3-byte header, then the phone's outbound message, then
 * the far end's message as the inside capture shows it:
 *
 *    0       1                3
 *   +-------+----------------+------------------+-----------------+
 *   | flags | outbound bytes | phone's message  | far end's ...   |
 *   +-------+----------------+------------------+-----------------+
 *            (16 bits, little-endian; more than is left = all of it)
 *
 *   flags  bit 0    the far end's message is a request (else a response)
 *          bits 1-2 the phone's endpoints (table maps[], as fuzz_sim)
 *          bit 3    the far end retargets a request (target given)
 *          bit 4    a response goes to a request seen from src_pub
 *          bit 5    the Call-ID went out hidden (call_id_out differs)
 *          bit 6    the ALG hides Call-IDs and rewrites whatever the
 *                   port (the substitutions it teaches are wider)
 *          bit 7    the request this answers left verbatim (the ALG
 *                   did not cut it: Via, From and To echoed as written)
 *
 * (A far end's response to REGISTER, told by its CSeq, lists the phone's
 * Contact as the registrar stored it: that path needs no flag.)
 *
 * The phone's message goes through the ALG (alg_process, outbound) and
 * its edits become the dialog's echo substitutions (fe_learn_edits); the
 * response routing is asked for (fe_response_target); then the far
 * end's message is rebuilt (fe_outside_bytes).  Contracts checked (an
 * abort() is a crash): the rebuilt message is NULL or has bytes, stays
 * under the model's buffer bound, and parses or is refused by
 * sipmsg_parse; the substitutions stay within FE_MAX_SUBS and are
 * NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "alg/profile.h"
#include "base/caps.h"
#include "farend.h"
#include "sip/sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_BYTES 3
/* farend.c's buffer bound (ob_put there) */
#define OUT_MAX (CAP_SIP_MSG_BYTES + 8192)

static volatile size_t sink;

static const struct {
	const char *in_ip, *pub_ip, *peer_ip;
	uint16_t in_port, pub_port;
} maps[4] = {
	{ "10.0.0.2", "198.51.100.1", "198.51.100.2", 5060, 5060 },
	{ "10.0.0.2", "198.51.100.1", "198.51.100.2", 5060, 1024 },
	{ "192.168.1.10", "203.0.113.7", "203.0.113.9", 5062, 61000 },
	{ "2001:db8::2", "2001:db8:1::1", "2001:db8:2::9", 5060, 5060 },
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
	static struct fe_dialog d;
	uint8_t hdr[HDR_BYTES] = { 0 };
	size_t hl = size < HDR_BYTES ? size : HDR_BYTES, ol, fl_len, out_len;
	const uint8_t *om, *fm;
	struct sim_cfg cfg;
	struct alg_flow fl;
	struct alg_result res;
	struct ep in, pub, peer, target, back;
	uint8_t *out = NULL;
	unsigned mi;

	memcpy(hdr, data, hl);
	ol = (size_t)hdr[1] | (size_t)hdr[2] << 8;
	if (ol > size - hl)
		ol = size - hl;
	om = data + hl;
	fm = om + ol;
	fl_len = size - hl - ol;
	mi = (hdr[0] >> 1) & 3;
	set_ep(&in, maps[mi].in_ip, maps[mi].in_port);
	set_ep(&pub, maps[mi].pub_ip, maps[mi].pub_port);
	set_ep(&peer, maps[mi].peer_ip, 5060);
	target = pub;
	target.port = (uint16_t)(pub.port + 2);

	profile_defaults(&cfg);
	if (hdr[0] & 0x40) {
		cfg.rewrite_call_id = true;
		cfg.require_port_match = false;
		cfg.rewrite_from_to = RW_FROMTO_ALWAYS;
	}
	memset(&d, 0, sizeof(d));
	snprintf(d.call_id, sizeof(d.call_id), "fz@%s", maps[mi].in_ip);
	if (hdr[0] & 0x20)
		snprintf(d.call_id_out, sizeof(d.call_id_out), "fz@%s",
		    maps[mi].pub_ip);
	d.phone_sig = in;
	d.phone_pub = pub;
	d.peer = peer;
	d.ntxn = 1;
	d.txn[0].cseq = 1;
	snprintf(d.txn[0].method, sizeof(d.txn[0].method), "INVITE");
	d.txn[0].via_out = pub;
	d.txn[0].rport = true;
	d.txn[0].src_pub = pub;

	memset(&fl, 0, sizeof(fl));
	fl.outbound = true;
	fl.match = in;
	fl.repl = pub;
	fl.peer = peer;
	sipmsg_global_init();
	alg_process(&cfg, om, ol, &fl, NULL, NULL, &res);
	fe_learn_edits(&d, &res);
	alg_result_fini(&res);
	if (d.nsubs < 0 || d.nsubs > FE_MAX_SUBS)
		abort();
	for (int i = 0; i < d.nsubs; i++) {
		check_str(d.subs[i].field, sizeof(d.subs[i].field));
		check_str(d.subs[i].in, sizeof(d.subs[i].in));
		check_str(d.subs[i].out, sizeof(d.subs[i].out));
	}
	if (fe_response_target(&cfg, &d, 1, "INVITE", &back))
		sink += back.port;

	fe_outside_bytes(&d, fm, fl_len, (hdr[0] & 1) != 0, &in,
	    (hdr[0] & 0x08) ? &target : NULL, (hdr[0] & 0x10) ? &pub : NULL,
	    (hdr[0] & 0x80) != 0, &out, &out_len);
	if (out != NULL) {
		struct sipmsg *m;

		if (out_len == 0 || out_len > OUT_MAX)
			abort();
		for (size_t i = 0; i < out_len; i++)
			sink += out[i];
		if ((m = sipmsg_parse(out, out_len, NULL)) != NULL) {
			sink += sipmsg_mem_bytes(m);
			sipmsg_free(m);
		}
		free(out);
	} else if (out_len != 0) {
		abort();
	}
	return 0;
}
