/*
 * algrule.h - what an ALG profile does to each field of a SIP message:
 * the one place where the knobs of struct sim_cfg (profile.h) become
 * per-field rewrite rules, and the scanners that find the addresses those
 * rules apply to.
 *
 * Two users, so the rules are written once: sipalg-sim's ALG
 * (sim/alg.c) applies them to the bytes it forwards, and the
 * inside/outside comparison's profile guess (diff/diff_profile.c) asks
 * them what each profile would have done to a field it saw rewritten or
 * left.  A header is one row of the table in algrule.c (name, compact
 * form, field, the knob that governs it); sim/alg.c holds one rewriter
 * per field.
 *
 * Everything here reads bounded byte ranges (pointer and length), never
 * NUL-terminated packet text.
 */
#ifndef SIPALG_ALG_ALGRULE_H
#define SIPALG_ALG_ALGRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg/profile.h"
#include "base/netaddr.h"

/* The SIP fields an ALG may rewrite (start line and headers). */
enum algrule_field {
	ALGRULE_RURI,             /* Request-URI of the start line */
	ALGRULE_VIA,
	ALGRULE_CONTACT,
	ALGRULE_FROM,
	ALGRULE_TO,
	ALGRULE_CALL_ID,
	ALGRULE_ROUTE,
	ALGRULE_RECORD_ROUTE,
	ALGRULE_CONTENT_LENGTH,
	ALGRULE_NFIELDS
};

/* URIs examined in one header value when every one is. */
#define ALGRULE_ALL_URIS 64

/*
 * What a profile does to one field.  on: the field is rewritten at all;
 * port_match: an address is rewritten only when its port is the flow's
 * too (a missing port is 5060), otherwise the address alone decides;
 * max_uris: URIs looked at per header value (1: the first only);
 * first_header: only the first header of that name is looked at (From,
 * To); all_values: every Via value, not only the top one; via_params:
 * the VIA_PARAM_* bits restored in the top Via of inbound messages.
 */
struct algrule {
	bool on;
	bool port_match;
	int max_uris;
	bool first_header;
	bool all_values;
	unsigned via_params;
};

/*
 * The rule of profile c for field f.  has_rr: the message carries
 * Record-Route (a profile without contact_fixup leaves Contact alone
 * then).  Content-Length is always "on": what is written there is the
 * content_length knob's business.
 */
void algrule_get(const struct sim_cfg *c, enum algrule_field f, bool has_rr,
    struct algrule *r);

/*
 * Does profile c's ALG inspect a SIP flow of transport l4 (PKT_UDP,
 * PKT_TCP) between ports a and b?  The ALG must be on and one of the two
 * ports listed in inspect_ports for that transport (TCP also needs
 * inspect_tcp).
 */
bool algrule_inspects(const struct sim_cfg *c, uint8_t l4, uint16_t a,
    uint16_t b);

/* The knob that governs field f ("rewrite_contact"), for messages. */
const char *algrule_knob(enum algrule_field f);

/*
 * The field a header name n[0..nl) stands for (full or compact form,
 * case-insensitive), or -1 when no ALG rule looks at it.
 */
int algrule_header(const uint8_t *n, size_t nl);

/* True for methods of RFC 3261 and its common extensions (the list a
 * block_unknown_methods ALG lets through). */
bool algrule_method_known(const uint8_t *m, size_t len);

/* True for headers a strip_unknown_headers ALG keeps (RFC 3261 section
 * 20 and common extensions), full or compact name. */
bool algrule_header_known(const uint8_t *n, size_t nl);

/*
 * One "sip:" URI in a header value as an ALG finds it: host is the
 * offset of host[:port] (after the last '@'), end the offset of the first
 * byte past the URI (> ; ? , SP HT " CR LF).
 */
struct algrule_uri {
	size_t host;
	size_t end;
};

/*
 * Finds the first URI whose "sip:" (or "SIP:") starts at or after from in
 * v[0..vl); a scheme glued to a letter or digit ("xsip:") is not one.
 * Returns false when there is none.
 */
bool algrule_uri_find(const uint8_t *v, size_t vl, size_t from,
    struct algrule_uri *u);

/*
 * Parses "host[:port]" at v[0..vl) where host is an IP literal (IPv6 in
 * brackets): *hl is the host's bytes (brackets included), *pl those of
 * ":port" (0 when absent, e->port is then 5060).  Returns false when the
 * host is not an IP literal or the port not a number.
 */
bool algrule_hostport(const uint8_t *v, size_t vl, size_t *hl, size_t *pl,
    struct ep *e);

/* True when the first URI of a Contact value names a port, or the value
 * is "*" (what register_requires_contact_port checks). */
bool algrule_contact_has_port(const uint8_t *v, size_t vl);

/* Offset of the SDP ("v=" at a line start) in the body b[0..bl), or
 * (size_t)-1: where an ALG starts rewriting and counting from. */
size_t algrule_sdp_start(const uint8_t *b, size_t bl);

#endif /* SIPALG_ALG_ALGRULE_H */
