/*
 * algrule.c - the per-field rewrite rules of an ALG profile, the header
 * table they hang on, and the URI and host:port scanners (algrule.h).
 *
 * The semantics are those of Linux nf_nat_sip for the defaults
 * (ALG-REFERENCE 1.2: Request-URI and Contact only on an exact
 * address:port match, the top Via's sent-by, the first From/To, Call-ID
 * and Route/Record-Route untouched) and of the knobs of section 2 for the
 * other vendors (address-only matching, Call-ID hiding, Route rewriting,
 * Contact left alone behind a Record-Route without contact_fixup).
 *
 * URIs are found the way an ALG that does not parse SIP finds them: the
 * text "sip:" (or "SIP:") not glued to a letter or digit, the host after
 * the last '@', the URI ending at the first > ; ? , blank, quote or line
 * end.  Host names are never matched: only IPv4 and bracketed IPv6
 * literals are addresses.
 */
#include <string.h>

#include "alg/algrule.h"
#include "base/text.h"
#include "ingest/pkt.h"

/* One header an ALG rule looks at. */
static const struct {
	const char *name;
	const char *compact;            /* RFC 3261 7.3.3, NULL if none */
	enum algrule_field field;
} headers[] = {
	{ "via", "v", ALGRULE_VIA },
	{ "contact", "m", ALGRULE_CONTACT },
	{ "from", "f", ALGRULE_FROM },
	{ "to", "t", ALGRULE_TO },
	{ "call-id", "i", ALGRULE_CALL_ID },
	{ "route", NULL, ALGRULE_ROUTE },
	{ "record-route", NULL, ALGRULE_RECORD_ROUTE },
	{ "content-length", "l", ALGRULE_CONTENT_LENGTH },
};

/* The knob behind each field, for people. */
static const char *const knob_of[ALGRULE_NFIELDS] = {
	[ALGRULE_RURI] = "rewrite_ruri",
	[ALGRULE_VIA] = "rewrite_via",
	[ALGRULE_CONTACT] = "rewrite_contact",
	[ALGRULE_FROM] = "rewrite_from_to",
	[ALGRULE_TO] = "rewrite_from_to",
	[ALGRULE_CALL_ID] = "rewrite_call_id",
	[ALGRULE_ROUTE] = "rewrite_route_rr",
	[ALGRULE_RECORD_ROUTE] = "rewrite_route_rr",
	[ALGRULE_CONTENT_LENGTH] = "content_length",
};

void
algrule_get(const struct sim_cfg *c, enum algrule_field f, bool has_rr,
    struct algrule *r)
{
	memset(r, 0, sizeof(*r));
	r->max_uris = 1;
	switch (f) {
	case ALGRULE_RURI:
		r->on = c->rewrite_ruri != RW_RURI_OFF;
		r->port_match = c->rewrite_ruri == RW_RURI_MATCH;
		break;
	case ALGRULE_VIA:
		/* sent-by: always the whole endpoint (K1) */
		r->on = c->rewrite_via != RW_VIA_OFF;
		r->port_match = true;
		r->all_values = c->rewrite_via == RW_VIA_ALL;
		r->via_params = c->rewrite_via_params;
		break;
	case ALGRULE_CONTACT:
		r->on = c->rewrite_contact != RW_CONTACT_OFF &&
		    !(has_rr && !c->contact_fixup);
		r->port_match = c->require_port_match;
		r->max_uris = c->rewrite_contact == RW_CONTACT_FIRST ? 1 :
		    ALGRULE_ALL_URIS;
		break;
	case ALGRULE_FROM:
	case ALGRULE_TO:
		r->on = c->rewrite_from_to != RW_FROMTO_OFF;
		/* "always" is the address whatever the port (V1, F1, J3) */
		r->port_match = c->rewrite_from_to == RW_FROMTO_FIRST &&
		    c->require_port_match;
		r->first_header = true;
		break;
	case ALGRULE_CALL_ID:
		r->on = c->rewrite_call_id;
		break;
	case ALGRULE_ROUTE:
	case ALGRULE_RECORD_ROUTE:
		r->on = c->rewrite_route_rr;
		r->port_match = c->require_port_match;
		r->max_uris = ALGRULE_ALL_URIS;
		break;
	case ALGRULE_CONTENT_LENGTH:
		r->on = true;
		r->first_header = true;
		break;
	case ALGRULE_NFIELDS:
		break;
	}
}

static bool
port_listed(const uint16_t *ports, int n, uint16_t p)
{
	for (int i = 0; i < n; i++)
		if (ports[i] == p)
			return true;
	return false;
}

bool
algrule_inspects(const struct sim_cfg *c, uint8_t l4, uint16_t a, uint16_t b)
{
	if (!c->alg)
		return false;
	if (l4 == PKT_UDP)
		return port_listed(c->inspect_udp, c->ninspect_udp, a) ||
		    port_listed(c->inspect_udp, c->ninspect_udp, b);
	return l4 == PKT_TCP && c->inspect_tcp &&
	    (port_listed(c->inspect_tcp_ports, c->ninspect_tcp, a) ||
	    port_listed(c->inspect_tcp_ports, c->ninspect_tcp, b));
}

const char *
algrule_knob(enum algrule_field f)
{
	return (unsigned)f < ALGRULE_NFIELDS ? knob_of[f] : "";
}

int
algrule_header(const uint8_t *n, size_t nl)
{
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (text_ieq(n, nl, headers[i].name) ||
		    (headers[i].compact != NULL &&
		    text_ieq(n, nl, headers[i].compact)))
			return (int)headers[i].field;
	return -1;
}

static const char *const known_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
	NULL
};

bool
algrule_method_known(const uint8_t *m, size_t len)
{
	for (int i = 0; known_methods[i] != NULL; i++)
		if (len == strlen(known_methods[i]) &&
		    memcmp(m, known_methods[i], len) == 0)
			return true;
	return false;
}

static const char *const known_headers[] = {
	"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact",
	"m", "max-forwards", "content-length", "l", "content-type", "c",
	"route", "record-route", "expires", "allow", "supported", "k",
	"require", "user-agent", "server", "accept", "subject", "s", "event",
	"o", "refer-to", "r", "referred-by", "b", "replaces", "session-expires",
	"x", "min-se", "min-expires", "proxy-require", "unsupported",
	"allow-events", "u", "subscription-state", "www-authenticate",
	"authorization", "proxy-authenticate", "proxy-authorization",
	"warning", "date", "timestamp", "organization", "priority",
	"retry-after", "content-encoding", "e", "content-disposition",
	"accept-encoding", "accept-language", "alert-info", "call-info",
	"in-reply-to", "error-info", "mime-version", "reply-to", "rseq", "rack",
	NULL
};

bool
algrule_header_known(const uint8_t *n, size_t nl)
{
	for (int i = 0; known_headers[i] != NULL; i++)
		if (text_ieq(n, nl, known_headers[i]))
			return true;
	return false;
}

static bool
is_uri_end(uint8_t ch)
{
	return ch == '>' || ch == ';' || ch == '?' || ch == ',' || ch == ' ' ||
	    ch == '\t' || ch == '"' || ch == '\r' || ch == '\n';
}

static bool
is_alnum(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z');
}

bool
algrule_uri_find(const uint8_t *v, size_t vl, size_t from,
    struct algrule_uri *u)
{
	size_t i = from, us, ue, k;

	while (i < vl) {
		const uint8_t *s = text_find(v + i, vl - i, "sip:", 4);

		if (s == NULL)
			s = text_find(v + i, vl - i, "SIP:", 4);
		if (s == NULL)
			return false;
		us = (size_t)(s - v) + 4;
		if (s > v && is_alnum(s[-1])) {
			i = us;
			continue;
		}
		ue = us;
		while (ue < vl && !is_uri_end(v[ue]))
			ue++;
		u->host = us;
		for (k = us; k < ue; k++)
			if (v[k] == '@')
				u->host = k + 1;
		u->end = ue;
		return true;
	}
	return false;
}

bool
algrule_hostport(const uint8_t *v, size_t vl, size_t *hl, size_t *pl,
    struct ep *e)
{
	size_t h = 0, p;
	uint64_t port = 5060;
	const uint8_t *rb;

	ep_clear(e);
	if (vl > 0 && v[0] == '[') {
		if ((rb = memchr(v, ']', vl)) == NULL)
			return false;
		h = (size_t)(rb - v) + 1;
		if (ep_parse_ip(e, (const char *)v + 1, h - 2) != 0)
			return false;
	} else {
		while (h < vl && v[h] != ':')
			h++;
		if (h == 0 || ep_parse_ip(e, (const char *)v, h) != 0)
			return false;
	}
	p = 0;
	if (h < vl && v[h] == ':') {
		p = 1;
		while (h + p < vl && v[h + p] >= '0' && v[h + p] <= '9')
			p++;
		if (p == 1 || text_parse_uint(v + h + 1, p - 1, 65535, &port) != 0)
			return false;
	}
	e->port = (uint16_t)port;
	*hl = h;
	*pl = p;
	return true;
}

bool
algrule_contact_has_port(const uint8_t *v, size_t vl)
{
	const uint8_t *s = text_find(v, vl, "sip:", 4);
	size_t i, e, hs;

	if (s == NULL)
		s = text_find(v, vl, "sips:", 5);
	if (s == NULL)
		return vl == 1 && v[0] == '*';
	i = (size_t)(s - v) + (s[3] == ':' ? 4 : 5);
	e = i;
	while (e < vl && !is_uri_end(v[e]))
		e++;
	hs = i;
	for (; i < e; i++)
		if (v[i] == '@')
			hs = i + 1;
	if (hs < e && v[hs] == '[') {
		const uint8_t *rb = memchr(v + hs, ']', e - hs);

		if (rb == NULL)
			return false;
		hs = (size_t)(rb - v) + 1;
	}
	return memchr(v + hs, ':', e - hs) != NULL;
}

size_t
algrule_sdp_start(const uint8_t *b, size_t bl)
{
	const uint8_t *p;

	if (bl >= 2 && b[0] == 'v' && b[1] == '=')
		return 0;
	p = text_find(b, bl, "\nv=", 3);
	return p ? (size_t)(p - b) + 1 : (size_t)-1;
}
