/*
 * profile.c - the knob table, the profile file parser and the profile
 * search path.
 *
 * Every knob the simulator honours is one row below: its name, its type
 * and where it lives in struct sim_cfg.  Parsing, --set, --show-profile and
 * the "valid knobs are ..." message all walk this table, so a knob cannot
 * be accepted without being stored where the model reads it.  The rows'
 * comments cite the ALG-REFERENCE source key of the default.
 *
 * Profile files are trusted a little more than packets but still read with
 * bounded lines (PROFILE_LINE_MAX) and the one integer parser.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg/profile.h"
#include "base/text.h"

#ifndef SIPALG_PROFILES_DIR
#define SIPALG_PROFILES_DIR "/usr/local/share/sipalg/profiles"
#endif
#ifndef SIPALG_SRC_PROFILES_DIR
#define SIPALG_SRC_PROFILES_DIR "sim/profiles"
#endif

#define PROFILE_LINE_MAX 1024
#define PROFILE_INCLUDE_DEPTH 4
#define PROFILE_MAX_NAMES 64

enum knob_type { K_BOOL, K_UINT, K_ENUM, K_VIAPARAMS, K_PORTS };

struct knob {
	const char *name;
	enum knob_type type;
	size_t off;
	uint32_t min, max;          /* K_UINT */
	const char *const *names;   /* K_ENUM, NULL-terminated */
	const char *help;
};

static const char *const e_map[] = { "eim", "adm", "apdm", NULL };
static const char *const e_filter[] = { "eif", "adf", "apdf", NULL };
static const char *const e_ruri[] = { "off", "match_only", "ip_match", NULL };
static const char *const e_via[] = { "off", "top", "all", NULL };
static const char *const e_contact[] = { "off", "first", "all_matching", NULL };
static const char *const e_fromto[] = { "off", "first_match", "always", NULL };
static const char *const e_mport[] = { "keep_unless_busy", "random",
	"keep_private", NULL };
static const char *const e_cl[] = { "recompute_from_v", "exact", "none", NULL };
static const char *const e_frag[] = { "reassemble", "drop", NULL };
static const char *const e_tcpsplit[] = { "pass_untranslated", "reassemble",
	"drop", NULL };
static const char *const e_src[] = { "signalling_peer", "any", NULL };
static const char *const e_pinsrc[] = { "registrar", "any", NULL };
static const char *const e_regt[] = { "contact", "source", NULL };
static const char *const e_rport[] = { "false", "true", "source", NULL };
static const char *const e_clash[] = { "next_pair", "drop", NULL };
static const char *const e_scope[] = { "flow", "dialog", NULL };
static const char *const e_sdpsess[] = { "last_media", "nat_address", NULL };
static const char *const e_leadcrlf[] = { "headers_only", "skip", NULL };
static const char *const e_tcpframe[] = { "content_length", "stream", NULL };
static const char *const e_tcpcl[] = { "segment", "body_end", NULL };

#define OFF(f) offsetof(struct sim_cfg, f)

static const struct knob knobs[] = {
	/* NAT */
	{ "nat_mapping", K_ENUM, OFF(nat_mapping), 0, 0, e_map,
	  "RFC 4787 mapping: endpoint-independent, address-, address-and-port-dependent" },
	{ "nat_filtering", K_ENUM, OFF(nat_filtering), 0, 0, e_filter,
	  "RFC 4787 filtering of inbound packets on a mapping" },
	{ "port_preservation", K_BOOL, OFF(port_preservation), 0, 0, NULL,
	  "keep the inside source port when it is free" },
	{ "consistent_nat", K_BOOL, OFF(consistent_nat), 0, 0, NULL,
	  "false: every new outbound SIP request gets a new public port" },
	{ "udp_timeout", K_UINT, OFF(udp_timeout), 1, 86400, NULL,
	  "seconds an unreplied UDP binding lives" },
	{ "udp_stream_timeout", K_UINT, OFF(udp_stream_timeout), 1, 86400, NULL,
	  "seconds a UDP binding seen both ways lives" },
	{ "udp_stream_2s_rule", K_BOOL, OFF(udp_stream_2s_rule), 0, 0, NULL,
	  "stream timeout only once the flow is still active 2 s after its first packet" },
	{ "tcp_timeout", K_UINT, OFF(tcp_timeout), 1, 864000, NULL,
	  "seconds an established TCP binding lives" },
	{ "nat_hairpin", K_BOOL, OFF(nat_hairpin), 0, 0, NULL,
	  "a packet from the LAN to the public address is looped back in through the mappings" },
	{ "unsolicited_tuple", K_BOOL, OFF(unsolicited_tuple), 0, 0, NULL,
	  "an inbound packet no mapping admitted leaves a conntrack holding sender -> public port, so a later outbound flow to that sender gets another public port" },
	{ "outside_mtu", K_UINT, OFF(outside_mtu), 68, 65535, NULL,
	  "IP bytes the outside link carries: a longer datagram with DF set is dropped with ICMP fragmentation needed to the sender, one without DF is fragmented" },
	/* ALG */
	{ "alg", K_BOOL, OFF(alg), 0, 0, NULL, "the SIP ALG is attached" },
	{ "inspect_ports", K_PORTS, 0, 0, 0, NULL,
	  "flows the ALG inspects, e.g. udp/5060,tcp/5060" },
	{ "inspect_tcp", K_BOOL, OFF(inspect_tcp), 0, 0, NULL,
	  "SIP over TCP is inspected" },
	{ "sip_timeout", K_UINT, OFF(sip_timeout), 0, 86400, NULL,
	  "seconds an inspected signalling binding lives (0 = plain UDP timeouts)" },
	{ "expect_timeout", K_UINT, OFF(expect_timeout), 1, 86400, NULL,
	  "seconds an unused media or registration pinhole lives" },
	{ "max_call", K_UINT, OFF(max_call), 0, 864000, NULL,
	  "seconds after which the ALG tears a call down (0 = never)" },
	{ "rewrite_ruri", K_ENUM, OFF(rewrite_ruri), 0, 0, e_ruri,
	  "Request-URI IP literal rewrite" },
	{ "rewrite_via", K_ENUM, OFF(rewrite_via), 0, 0, e_via,
	  "Via sent-by rewrite" },
	{ "rewrite_via_params", K_VIAPARAMS, OFF(rewrite_via_params), 0, 0, NULL,
	  "Via parameters restored on inbound responses: received,rport,maddr or none" },
	{ "rewrite_contact", K_ENUM, OFF(rewrite_contact), 0, 0, e_contact,
	  "Contact rewrite" },
	{ "require_port_match", K_BOOL, OFF(require_port_match), 0, 0, NULL,
	  "rewrite an address only when its port matches the flow too" },
	{ "rewrite_from_to", K_ENUM, OFF(rewrite_from_to), 0, 0, e_fromto,
	  "From/To host rewrite" },
	{ "rewrite_call_id", K_BOOL, OFF(rewrite_call_id), 0, 0, NULL,
	  "private IP inside Call-ID rewritten (Call-ID hiding)" },
	{ "rewrite_route_rr", K_BOOL, OFF(rewrite_route_rr), 0, 0, NULL,
	  "Route/Record-Route rewrite" },
	{ "contact_fixup", K_BOOL, OFF(contact_fixup), 0, 0, NULL,
	  "false: no Contact rewrite on messages carrying Record-Route" },
	{ "sdp_fixup", K_BOOL, OFF(sdp_fixup), 0, 0, NULL, "SDP c=/m= rewrite" },
	{ "sdp_requires_src_match", K_BOOL, OFF(sdp_requires_src_match), 0, 0, NULL,
	  "SDP rewritten only when c= is the signalling source address" },
	{ "rewrite_o_line", K_BOOL, OFF(rewrite_o_line), 0, 0, NULL, "SDP o= rewrite" },
	{ "sdp_session", K_ENUM, OFF(sdp_session), 0, 0, e_sdpsess,
	  "o= and session c=: the last handled m= line's media address in every SDP both ways, or the NAT address when a section was translated" },
	{ "rewrite_a_rtcp", K_BOOL, OFF(rewrite_a_rtcp), 0, 0, NULL, "SDP a=rtcp rewrite" },
	{ "rewrite_ice", K_BOOL, OFF(rewrite_ice), 0, 0, NULL,
	  "SDP a=candidate host address rewrite" },
	{ "sdp_max_media", K_UINT, OFF(sdp_max_media), 0, 8, NULL,
	  "m= lines handled; later ones untouched" },
	{ "mport_policy", K_ENUM, OFF(mport_policy), 0, 0, e_mport,
	  "public media port: keep unless busy (+2), random, or keep the private one in m=" },
	{ "mport_clash", K_ENUM, OFF(mport_clash), 0, 0, e_clash,
	  "public media port held by another call's pinhole for the same peer: try the next pair, or drop the message" },
	{ "content_length", K_ENUM, OFF(content_length), 0, 0, e_cl,
	  "Content-Length after an SDP rewrite" },
	{ "sdp_add_i_line", K_BOOL, OFF(sdp_add_i_line), 0, 0, NULL,
	  "add the original address as SDP i= (nat-trace)" },
	{ "strip_unknown_headers", K_BOOL, OFF(strip_unknown_headers), 0, 0, NULL,
	  "remove headers the ALG does not know" },
	{ "drop_on_parse_error", K_BOOL, OFF(drop_on_parse_error), 0, 0, NULL,
	  "drop a message the ALG cannot parse or mangle" },
	{ "block_unknown_methods", K_BOOL, OFF(block_unknown_methods), 0, 0, NULL,
	  "drop requests with methods outside RFC 3261 and its extensions" },
	{ "max_line_length", K_UINT, OFF(max_line_length), 0, 65535, NULL,
	  "drop messages with a longer line (0 = no limit)" },
	{ "max_ruri_len", K_UINT, OFF(max_ruri_len), 0, 65535, NULL,
	  "drop requests with a longer Request-URI (0 = no limit)" },
	{ "udp_fragments", K_ENUM, OFF(udp_fragments), 0, 0, e_frag,
	  "fragmented SIP datagrams: reassemble (pass) or drop" },
	{ "leading_crlf", K_ENUM, OFF(leading_crlf), 0, 0, e_leadcrlf,
	  "a message after CRLF keepalives in its packet: headers rewritten as a request's, start line, SDP and pinholes not (headers_only), or the CRLFs skipped" },
	{ "tcp_segment_framing", K_ENUM, OFF(tcp_segment_framing), 0, 0, e_tcpframe,
	  "the SIP messages of one TCP segment: cut by each Content-Length header (the first message without one, or unfinished, ends the cut; the rest passes untouched), or framed as a stream (whole messages only, else the segment passes untouched)" },
	{ "tcp_cl_check", K_ENUM, OFF(tcp_cl_check), 0, 0, e_tcpcl,
	  "tcp_segment_framing=content_length, a body running past the segment: a Content-Length above the bytes left in the segment ends the cut with the seq adjust recorded (segment), or only the body's end is checked and the helper returns before the seq adjust (body_end)" },
	{ "tcp_split_msgs", K_ENUM, OFF(tcp_split_msgs), 0, 0, e_tcpsplit,
	  "SIP message split across TCP segments: pass un-NATed, reassemble and rewrite, or drop (stalls)" },
	{ "register_pinhole", K_BOOL, OFF(register_pinhole), 0, 0, NULL,
	  "a 2xx to REGISTER opens a pinhole to the Contact for its expiry" },
	{ "pinhole_src", K_ENUM, OFF(pinhole_src), 0, 0, e_pinsrc,
	  "who may use the registration pinhole" },
	{ "media_src", K_ENUM, OFF(media_src), 0, 0, e_src,
	  "who may use a media pinhole" },
	{ "session_expires_tracking", K_BOOL, OFF(session_expires_tracking), 0, 0, NULL,
	  "drop a dialog not refreshed within Session-Expires" },
	{ "register_requires_contact_port", K_BOOL, OFF(register_requires_contact_port), 0, 0, NULL,
	  "drop REGISTER whose Contact has no port" },
	{ "reg_hides_nat", K_BOOL, OFF(reg_hides_nat), 0, 0, NULL,
	  "a REGISTER with ALG-rewritten Contact looks un-NATed: registrar sends no keepalives" },
	{ "lan_media_shortcut", K_BOOL, OFF(lan_media_shortcut), 0, 0, NULL,
	  "inbound SDP naming another inside phone's public media is rewritten to its private address" },
	{ "pinhole_scope", K_ENUM, OFF(pinhole_scope), 0, 0, e_scope,
	  "media pinholes belong to the signalling flow (every INVITE, BYE and non-2xx final answer to INVITE on it closes them all) or to the dialog" },
	{ "max_pinholes_per_flow", K_UINT, OFF(max_pinholes_per_flow), 0, 1024, NULL,
	  "media pinholes one signalling flow holds; the oldest is evicted (0 = no limit)" },
	{ "register_contact_rule", K_BOOL, OFF(register_contact_rule), 0, 0, NULL,
	  "the registration pinhole is kept only when the 2xx lists a Contact equal to the public address and port with expires > 0" },
	/* far-end model */
	{ "farend_symmetric_rtp", K_BOOL, OFF(farend_symmetric_rtp), 0, 0, NULL,
	  "far end sends RTP back to where the phone's RTP came from (latching)" },
	{ "farend_rport", K_ENUM, OFF(farend_rport), 0, 0, e_rport,
	  "far end answers to the Via sent-by port (false), to the source port when Via has ;rport (true, RFC 3581), or to the source port always (source)" },
	{ "registrar_target", K_ENUM, OFF(registrar_target), 0, 0, e_regt,
	  "registrar reaches the phone at its Contact or at the REGISTER source" },
	{ "farend_dialog_target", K_ENUM, OFF(farend_dialog_target), 0, 0, e_regt,
	  "far end sends in-dialog requests to the phone's Contact, or to the source its messages came from (NAT-aware proxy)" },
	{ "farend_nat_keepalive", K_UINT, OFF(farend_nat_keepalive), 0, 3600, NULL,
	  "seconds between registrar keepalives when it sees NAT (0 = none; see reg_hides_nat)" },
};

#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

void
profile_defaults(struct sim_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "linux");
	/* Linux masquerade: per-tuple (APDM) with port preservation, reply-only filter. */
	c->nat_mapping = NAT_APDM;
	c->nat_filtering = NAT_APDF;
	c->port_preservation = true;
	c->consistent_nat = true;
	c->udp_timeout = 30;              /* K5 */
	c->udp_stream_timeout = 120;      /* K5 */
	c->udp_stream_2s_rule = true;     /* K5 */
	c->tcp_timeout = 432000;          /* nf_conntrack_tcp_timeout_established */
	c->nat_hairpin = false;           /* masquerade alone: a LAN packet to the public address is local input */
	c->outside_mtu = 1500;            /* Ethernet */
	c->unsolicited_tuple = true;      /* nf_conntrack confirms the router's own INPUT conntrack; nf_nat_used_tuple() then moves the clashing SNAT */
	c->alg = true;
	c->inspect_udp[0] = 5060;
	c->ninspect_udp = 1;
	c->inspect_tcp_ports[0] = 5060;
	c->ninspect_tcp = 1;
	c->inspect_tcp = true;
	c->sip_timeout = 3600;            /* K4 */
	c->expect_timeout = 180;          /* K2 */
	c->max_call = 0;
	c->rewrite_ruri = RW_RURI_MATCH;  /* K1 */
	c->rewrite_via = RW_VIA_TOP;
	c->rewrite_via_params = VIA_PARAM_RECEIVED | VIA_PARAM_RPORT | VIA_PARAM_MADDR;
	c->rewrite_contact = RW_CONTACT_ALL;
	c->require_port_match = true;
	c->rewrite_from_to = RW_FROMTO_FIRST;
	c->rewrite_call_id = false;
	c->rewrite_route_rr = false;
	c->contact_fixup = true;
	c->sdp_fixup = true;
	c->sdp_requires_src_match = true; /* K2 sip_direct_media */
	c->rewrite_o_line = true;
	c->sdp_session = SDPSESS_LAST_MEDIA; /* nf_conntrack_sip.c process_sdp() -> nf_nat_sdp_session(rtp_addr) */
	c->rewrite_a_rtcp = false;
	c->rewrite_ice = false;
	c->sdp_max_media = 3;
	c->mport_policy = MPORT_KEEP_UNLESS_BUSY;
	c->mport_clash = MCLASH_DROP;     /* nf_ct_expect_related -EALREADY (samples/linux-alg lan-proxy-sameport) */
	c->content_length = CL_RECOMPUTE_FROM_V;
	c->sdp_add_i_line = false;
	c->strip_unknown_headers = false;
	c->drop_on_parse_error = true;
	c->block_unknown_methods = false;
	c->max_line_length = 0;
	c->max_ruri_len = 0;
	c->udp_fragments = FRAG_REASSEMBLE;
	c->tcp_split_msgs = TCPSPLIT_PASS;     /* K2 */
	c->tcp_segment_framing = TCPFRAME_CONTENT_LENGTH; /* nf_conntrack_sip.c sip_help_tcp() */
	c->tcp_cl_check = TCPCL_SEGMENT;  /* sip_help_tcp() "clen > datalen" (2026 fix) */
	c->leading_crlf = LEADCRLF_HEADERS_ONLY; /* nf_conntrack_sip.c: the message starts at the CRLFs */
	c->register_pinhole = true;
	c->pinhole_src = SRC_PEER;        /* K2 sip_direct_signalling */
	c->media_src = SRC_PEER;          /* K2 sip_direct_media */
	c->session_expires_tracking = false;
	c->register_requires_contact_port = false;
	c->reg_hides_nat = true;          /* V1; Linux too (inferred from K1) */
	c->lan_media_shortcut = true;     /* K2 direct RTP */
	c->pinhole_scope = PINHOLE_FLOW;  /* nf_conntrack_sip.c flush_expectations() on the master conntrack */
	c->max_pinholes_per_flow = 4;     /* nf_conntrack_sip.c sip_exp_policy audio max_expected 2 * IP_CT_DIR_MAX */
	c->register_contact_rule = true;  /* nf_conntrack_sip.c process_register_response() */
	c->farend_symmetric_rtp = false;
	c->farend_rport = RPORT_HONOUR;
	c->registrar_target = REG_TARGET_CONTACT;
	c->farend_dialog_target = REG_TARGET_CONTACT;
	c->farend_nat_keepalive = 0;
}

static const struct knob *
knob_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++)
		if (strcmp(knobs[i].name, name) == 0)
			return &knobs[i];
	return NULL;
}

size_t
profile_nknobs(void)
{
	return NKNOBS;
}

const char *
profile_knob_name(size_t i)
{
	return i < NKNOBS ? knobs[i].name : NULL;
}

/* Appends s to buf (bounded, always NUL-terminated). */
static void
cat(char *buf, size_t n, const char *s)
{
	size_t l = strlen(buf);

	if (l + 1 < n)
		snprintf(buf + l, n - l, "%s", s);
}

static void
valid_values(const struct knob *k, char *err, size_t n)
{
	char tmp[64];
	int i;

	switch (k->type) {
	case K_BOOL:
		cat(err, n, "true or false");
		break;
	case K_UINT:
		snprintf(tmp, sizeof(tmp), "an integer %u..%u", k->min, k->max);
		cat(err, n, tmp);
		break;
	case K_ENUM:
		for (i = 0; k->names[i] != NULL; i++) {
			if (i > 0)
				cat(err, n, ", ");
			cat(err, n, k->names[i]);
		}
		break;
	case K_VIAPARAMS:
		cat(err, n, "none or a comma list of received, rport, maddr");
		break;
	case K_PORTS:
		cat(err, n, "a comma list of udp/PORT and tcp/PORT (at most 8 each), or none");
		break;
	}
}

static int
parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int
parse_viaparams(const char *v, unsigned *out)
{
	const char *p = v, *e;
	unsigned bits = 0;
	size_t l;

	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	while (*p != '\0') {
		e = strchr(p, ',');
		l = e ? (size_t)(e - p) : strlen(p);
		if (text_ieq(p, l, "received"))
			bits |= VIA_PARAM_RECEIVED;
		else if (text_ieq(p, l, "rport"))
			bits |= VIA_PARAM_RPORT;
		else if (text_ieq(p, l, "maddr"))
			bits |= VIA_PARAM_MADDR;
		else
			return -1;
		p += l;
		if (*p == ',')
			p++;
	}
	*out = bits;
	return 0;
}

static int
parse_ports(const char *v, struct sim_cfg *c)
{
	const char *p = v, *e;
	uint16_t udp[SIM_MAX_INSPECT_PORTS], tcp[SIM_MAX_INSPECT_PORTS];
	int nu = 0, nt = 0;
	uint64_t port;
	size_t l;

	if (strcmp(v, "none") != 0) {
		while (*p != '\0') {
			e = strchr(p, ',');
			l = e ? (size_t)(e - p) : strlen(p);
			if (l > 4 && text_iprefix(p, l, "udp/") &&
			    text_parse_uint(p + 4, l - 4, 65535, &port) == 0 &&
			    port > 0 && nu < SIM_MAX_INSPECT_PORTS)
				udp[nu++] = (uint16_t)port;
			else if (l > 4 && text_iprefix(p, l, "tcp/") &&
			    text_parse_uint(p + 4, l - 4, 65535, &port) == 0 &&
			    port > 0 && nt < SIM_MAX_INSPECT_PORTS)
				tcp[nt++] = (uint16_t)port;
			else
				return -1;
			p += l;
			if (*p == ',')
				p++;
		}
	}
	memcpy(c->inspect_udp, udp, sizeof(udp[0]) * (size_t)nu);
	c->ninspect_udp = nu;
	memcpy(c->inspect_tcp_ports, tcp, sizeof(tcp[0]) * (size_t)nt);
	c->ninspect_tcp = nt;
	return 0;
}

int
profile_set(struct sim_cfg *c, const char *name, const char *value,
    char *err, size_t errlen)
{
	const struct knob *k = knob_find(name);
	char *base = (char *)c;
	uint64_t u;
	bool b;
	unsigned vp;
	int i;
	size_t i2;

	if (k == NULL) {
		snprintf(err, errlen, "unknown knob '%s'; valid knobs: ", name);
		for (i2 = 0; i2 < NKNOBS; i2++) {
			if (i2 > 0)
				cat(err, errlen, ", ");
			cat(err, errlen, knobs[i2].name);
		}
		return -1;
	}
	switch (k->type) {
	case K_BOOL:
		if (parse_bool(value, &b) != 0)
			goto bad;
		*(bool *)(void *)(base + k->off) = b;
		return 0;
	case K_UINT:
		if (text_parse_uint(value, strlen(value), k->max, &u) != 0 ||
		    u < k->min)
			goto bad;
		*(uint32_t *)(void *)(base + k->off) = (uint32_t)u;
		return 0;
	case K_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcmp(k->names[i], value) == 0) {
				*(int *)(void *)(base + k->off) = i;
				return 0;
			}
		goto bad;
	case K_VIAPARAMS:
		if (parse_viaparams(value, &vp) != 0)
			goto bad;
		*(unsigned *)(void *)(base + k->off) = vp;
		return 0;
	case K_PORTS:
		if (parse_ports(value, c) != 0)
			goto bad;
		return 0;
	}
bad:
	snprintf(err, errlen, "bad value '%s' for knob %s; valid: ", value, name);
	valid_values(k, err, errlen);
	return -1;
}

int
profile_set_arg(struct sim_cfg *c, const char *arg, char *err, size_t errlen)
{
	char name[64], value[256];
	const char *eq = strchr(arg, '=');
	size_t nl;

	if (eq == NULL || eq == arg) {
		snprintf(err, errlen, "'%s' is not knob=value", arg);
		return -1;
	}
	nl = (size_t)(eq - arg);
	if (nl >= sizeof(name) || strlen(eq + 1) >= sizeof(value)) {
		snprintf(err, errlen, "'%.40s...' is too long", arg);
		return -1;
	}
	memcpy(name, arg, nl);
	name[nl] = '\0';
	snprintf(value, sizeof(value), "%s", eq + 1);
	return profile_set(c, name, value, err, errlen);
}

const char *
profile_get(const struct sim_cfg *c, const char *name, char *buf, size_t n)
{
	const struct knob *k = knob_find(name);
	const char *base = (const char *)c;
	int i, v;

	if (k == NULL || n == 0)
		return NULL;
	buf[0] = '\0';
	switch (k->type) {
	case K_BOOL:
		snprintf(buf, n, "%s", *(const bool *)(const void *)(base + k->off) ?
		    "true" : "false");
		break;
	case K_UINT:
		snprintf(buf, n, "%u", *(const uint32_t *)(const void *)(base + k->off));
		break;
	case K_ENUM:
		v = *(const int *)(const void *)(base + k->off);
		for (i = 0; k->names[i] != NULL; i++)
			if (i == v)
				snprintf(buf, n, "%s", k->names[i]);
		break;
	case K_VIAPARAMS:
		v = (int)*(const unsigned *)(const void *)(base + k->off);
		if (v == 0)
			cat(buf, n, "none");
		if (v & VIA_PARAM_RECEIVED)
			cat(buf, n, "received");
		if (v & VIA_PARAM_RPORT)
			cat(buf, n, buf[0] ? ",rport" : "rport");
		if (v & VIA_PARAM_MADDR)
			cat(buf, n, buf[0] ? ",maddr" : "maddr");
		break;
	case K_PORTS: {
		char tmp[16];

		for (i = 0; i < c->ninspect_udp; i++) {
			snprintf(tmp, sizeof(tmp), "%sudp/%u", buf[0] ? "," : "",
			    c->inspect_udp[i]);
			cat(buf, n, tmp);
		}
		for (i = 0; i < c->ninspect_tcp; i++) {
			snprintf(tmp, sizeof(tmp), "%stcp/%u", buf[0] ? "," : "",
			    c->inspect_tcp_ports[i]);
			cat(buf, n, tmp);
		}
		if (buf[0] == '\0')
			cat(buf, n, "none");
		break;
	}
	}
	return buf;
}

void
profile_print(const struct sim_cfg *c, FILE *f)
{
	char buf[PROFILE_VALUE_MAX];
	size_t i;

	fprintf(f, "# profile %s\n", c->name);
	for (i = 0; i < NKNOBS; i++)
		fprintf(f, "%-31s = %-18s # %s\n", knobs[i].name,
		    profile_get(c, knobs[i].name, buf, sizeof(buf)),
		    knobs[i].help);
}

static bool
name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || strlen(name) > 48)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static int load_file_depth(struct sim_cfg *, const char *,
    const char *const *, char *, size_t, int);

static int
load_name_depth(struct sim_cfg *c, const char *name, const char *const *dirs,
    char *err, size_t errlen, int depth)
{
	char path[4096];
	FILE *f;
	int i;

	if (!name_ok(name)) {
		snprintf(err, errlen, "bad profile name '%s'", name);
		return -1;
	}
	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s.conf", dirs[i], name);
		if ((f = fopen(path, "r")) != NULL) {
			fclose(f);
			return load_file_depth(c, path, dirs, err, errlen, depth);
		}
	}
	snprintf(err, errlen, "unknown profile '%s' (see --list-profiles)", name);
	return -1;
}

/* Strips blanks at both ends of s in place; returns s. */
static char *
strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int
load_file_depth(struct sim_cfg *c, const char *path, const char *const *dirs,
    char *err, size_t errlen, int depth)
{
	char line[PROFILE_LINE_MAX], e2[1536];
	char *s, *eq, *hash;
	FILE *f;
	int lineno = 0;

	if (depth > PROFILE_INCLUDE_DEPTH) {
		snprintf(err, errlen, "%s: includes nested too deep", path);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			goto fail;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		s = strip(line);
		if (*s == '\0')
			continue;
		if (strncmp(s, "include", 7) == 0 && (s[7] == ' ' || s[7] == '\t')) {
			if (load_name_depth(c, strip(s + 7), dirs, e2, sizeof(e2),
			    depth + 1) != 0) {
				snprintf(err, errlen, "%s:%d: %s", path, lineno, e2);
				goto fail;
			}
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'knob = value'",
			    path, lineno);
			goto fail;
		}
		*eq = '\0';
		if (profile_set(c, strip(s), strip(eq + 1), e2, sizeof(e2)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, e2);
			goto fail;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

int
profile_load_file(struct sim_cfg *c, const char *path,
    const char *const *dirs, char *err, size_t errlen)
{
	return load_file_depth(c, path, dirs, err, errlen, 0);
}

int
profile_load(struct sim_cfg *c, const char *name, const char *const *dirs,
    char *err, size_t errlen)
{
	profile_defaults(c);
	if (load_name_depth(c, name, dirs, err, errlen, 0) != 0)
		return -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return 0;
}

size_t
profile_search_path(const char **dirs, size_t n)
{
	const char *env = getenv("SIPALG_PROFILES");
	const char *cand[3];
	size_t nc = 0, k = 0;

	if (env != NULL && *env != '\0')
		cand[nc++] = env;
	cand[nc++] = SIPALG_PROFILES_DIR;
	cand[nc++] = SIPALG_SRC_PROFILES_DIR;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < nc && k + 1 < n; i++)
		dirs[k++] = cand[i];
	dirs[k] = NULL;
	return k;
}

const char *
profile_installed_dir(void)
{
	return SIPALG_PROFILES_DIR;
}

size_t
profile_list(const char *const *dirs,
    void (*cb)(void *user, const char *name, const char *path), void *user)
{
	char *names[PROFILE_MAX_NAMES];
	char *paths[PROFILE_MAX_NAMES];
	size_t n = 0, i, j, l, out = 0;
	struct dirent *de;
	DIR *d;
	int k;

	for (k = 0; dirs != NULL && dirs[k] != NULL; k++) {
		if ((d = opendir(dirs[k])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && n < PROFILE_MAX_NAMES) {
			char nm[64], path[4096];

			l = strlen(de->d_name);
			if (l <= 5 || l - 5 >= sizeof(nm) ||
			    strcmp(de->d_name + l - 5, ".conf") != 0)
				continue;
			memcpy(nm, de->d_name, l - 5);
			nm[l - 5] = '\0';
			if (!name_ok(nm))
				continue;
			for (j = 0; j < n; j++)
				if (strcmp(names[j], nm) == 0)
					break;
			if (j < n)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[k], de->d_name);
			names[n] = strdup(nm);
			paths[n] = strdup(path);
			if (names[n] == NULL || paths[n] == NULL) {
				free(names[n]);
				free(paths[n]);
				break;
			}
			n++;
		}
		closedir(d);
	}
	/* Sort names and keep paths alongside: sort pairs by index. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
				t = paths[i];
				paths[i] = paths[j];
				paths[j] = t;
			}
	for (i = 0; i < n; i++) {
		if (cb != NULL)
			cb(user, names[i], paths[i]);
		out++;
		free(names[i]);
		free(paths[i]);
	}
	return out;
}
