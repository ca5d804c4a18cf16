/*
 * sipmsg.c - one framed SIP message (RFC 3261 section 7) parsed with
 * libosip2 and reduced to the fields the analyzer uses.
 *
 *	INVITE sip:bob@198.51.100.7 SIP/2.0          start line
 *	Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport
 *	From: "Alice" <sip:alice@10.0.0.2>;tag=a1
 *	To: <sip:bob@198.51.100.7>
 *	Call-ID: 1@10.0.0.2
 *	CSeq: 1 INVITE
 *	Content-Type: application/sdp
 *	Content-Length: 142
 *	                                             empty line (CRLF or LF)
 *	v=0 ...                                      body
 *
 * The split between header block and body is ours, not libosip2's: we find
 * the first empty line with a bounded memchr walk (each line capped at
 * CAP_SIP_LINE_BYTES), so body_off/body_len are exact byte offsets in the
 * captured message.
 *
 * libosip2 parses the start line and the structured headers we take from
 * it (Via, From, To, Call-ID, CSeq, Contact, Record-Route, Route, in full
 * or compact form).  It is given a normalised copy of just those lines
 * (CRLF line ends, NUL bytes as '?') and no body, because it rejects a
 * whole message when Content-Length disagrees with the body, when a
 * multipart body is cut, or when any header it knows is malformed or
 * repeated (a second Content-Type, seen in real captures) -- none of which
 * should cost us the dialog.  Framing and Content-Length anomalies are
 * sipframe.c's.  A message libosip2 still rejects is SIP_UNPARSEABLE.
 *
 * Every other header (Content-Type, Content-Length, User-Agent, Refer-To,
 * Event, Session-Expires, ...) is read from the raw block by a bounded,
 * case-insensitive scan under its full and compact names (RFC 3261
 * section 7.3.3, and r, o, x, k, ... from later RFCs), one pass for all
 * the headers a message needs; the first occurrence wins and folded
 * continuation lines are not joined.  Strings from libosip2 are its own
 * NUL-terminated copies; they are copied into our capped fields with
 * text_copy and every libosip2 allocation is freed before returning.
 *
 * Memory: messages stay in memory for the life of their dialog (a
 * registration can hold hundreds), so a parsed message is ONE right-sized
 * block.  Fields are first extracted into a fixed-size scratch on the
 * stack (struct msg_buf: one array per string field, at the caps of
 * sipmsg.h, so truncation is that of a char array), then pack() copies
 * the struct, the Via and Contact arrays sized to the values seen, the
 * SDP (sdp_pack), the raw bytes and the non-empty strings into a block of
 * exactly the size a measuring pass of the same pack() found.
 *
 * Bodies: application/sdp is parsed with sdp_parse (sdp.c); inside
 * multipart/ bodies (RFC 2046 section 5.1) the first application/sdp part
 * is; message/sipfrag (RFC 3420, NOTIFY for REFER) yields the status code
 * of its start line.
 *
 * Limits: messages over CAP_SIP_MSG_BYTES are dropped (SIP_TOO_LARGE), as
 * are those with a line over CAP_SIP_LINE_BYTES (SIP_LINE_TOO_LONG); Via
 * and Contact values beyond CAP_SIP_VIAS / CAP_SIP_CONTACTS are not kept
 * (SIP_VALUES_CAP, once per message).  A request whose CSeq method is not
 * its method is kept and counted (SIP_CSEQ_METHOD_MISMATCH).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "base/arena.h"
#include "base/cursor.h"
#include "sip/sipmsg.h"
#include "base/text.h"

/* Scratch for one Via's strings. */
struct via_buf {
	char transport[SIPMSG_TRANSPORT_BYTES];
	char host[SIPMSG_HOST_BYTES];
	char branch[SIPMSG_BRANCH_BYTES];
	char received[SIPMSG_HOST_BYTES];
	char maddr[SIPMSG_HOST_BYTES];
};

/*
 * Extraction scratch (about 10 KB, on the stack): m's string fields and
 * arrays point into it until pack() copies them into the message block.
 * m.raw points at the caller's bytes meanwhile, m.sdp at a temporary
 * sdp_parse result.
 */
struct msg_buf {
	struct sipmsg m;
	struct sipmsg_via via[CAP_SIP_VIAS];
	struct via_buf vb[CAP_SIP_VIAS];
	struct sipmsg_contact contact[CAP_SIP_CONTACTS];
	char contact_uri[CAP_SIP_CONTACTS][SIPMSG_URI_BYTES];
	char method[SIPMSG_METHOD_BYTES];
	char reason[SIPMSG_REASON_BYTES];
	char ruri[SIPMSG_URI_BYTES];
	char call_id[SIPMSG_URI_BYTES];
	char from_uri[SIPMSG_URI_BYTES];
	char from_tag[SIPMSG_TAG_BYTES];
	char from_display[SIPMSG_TAG_BYTES];
	char to_uri[SIPMSG_URI_BYTES];
	char to_tag[SIPMSG_TAG_BYTES];
	char to_display[SIPMSG_TAG_BYTES];
	char cseq_method[SIPMSG_METHOD_BYTES];
	char record_route[SIPMSG_URI_BYTES];
	char route[SIPMSG_URI_BYTES];
	char user_agent[SIPMSG_TEXT_BYTES];
	char pai[SIPMSG_URI_BYTES];
	char rpid[SIPMSG_URI_BYTES];
	char refer_to[SIPMSG_URI_BYTES];
	char replaces[SIPMSG_URI_BYTES];
	char event[SIPMSG_EVENT_BYTES];
	char subscription_state[SIPMSG_EVENT_BYTES];
	char content_type[SIPMSG_TEXT_BYTES];
	char se_refresher[SIPMSG_REFRESHER_BYTES];
};

/* RFC 3261 section 7.3.3 and later RFCs' compact header names. */
static const struct {
	const char *name;
	char c;
} compact_names[] = {
	{ "Accept-Contact", 'a' },
	{ "Referred-By", 'b' },
	{ "Content-Type", 'c' },
	{ "Request-Disposition", 'd' },
	{ "Content-Encoding", 'e' },
	{ "From", 'f' },
	{ "Call-ID", 'i' },
	{ "Reject-Contact", 'j' },
	{ "Supported", 'k' },
	{ "Content-Length", 'l' },
	{ "Contact", 'm' },
	{ "Identity-Info", 'n' },
	{ "Event", 'o' },
	{ "Refer-To", 'r' },
	{ "Subject", 's' },
	{ "To", 't' },
	{ "Allow-Events", 'u' },
	{ "Via", 'v' },
	{ "Session-Expires", 'x' },
	{ "Identity", 'y' },
};

static char
compact_of(const char *name)
{
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		/* Every .name is a literal; the analyzer assumes one NULL. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		if (strcasecmp(compact_names[i].name, name) == 0)
			return compact_names[i].c;
	return 0;
}

static const char *
full_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + 32);
	for (size_t i = 0; i < sizeof(compact_names) /
	    sizeof(compact_names[0]); i++)
		if (compact_names[i].c == c)
			return compact_names[i].name;
	return NULL;
}

/* Length of a libosip2-owned C string, bounded all the same. */
static size_t
olen(const char *s)
{
	return s != NULL ? strnlen(s, CAP_SIP_MSG_BYTES) : 0;
}

/* Copies a libosip2 string (NULL allowed) into a capped field. */
static void
ocopy(char *dst, size_t n, const char *s)
{
	text_copy(dst, n, s != NULL ? s : "", olen(s));
}

/*
 * Takes the next line of c: *line and *ll are its content without CR/LF.
 * Returns false at the end of the window.
 */
static bool
next_line(struct cur *c, const uint8_t **line, size_t *ll)
{
	const uint8_t *p = cur_rest(c);
	size_t left = cur_left(c);
	const uint8_t *nl;
	size_t n;

	if (left == 0)
		return false;
	nl = memchr(p, '\n', left);
	n = nl != NULL ? (size_t)(nl - p) : left;
	(void)cur_skip(c, nl != NULL ? n + 1 : n);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*ll = n;
	return true;
}

/*
 * Finds the empty line closing the header block of p[0..len).  Sets
 * *hdr_len (start line and headers with their line ends) and *body_off
 * (first byte after the empty line; len when there is none).  Returns -1
 * when a line exceeds CAP_SIP_LINE_BYTES.
 */
static int
frame_headers(const uint8_t *p, size_t len, size_t *hdr_len,
    size_t *body_off)
{
	struct cur c;
	const uint8_t *line;
	size_t ll, start = 0;

	cur_init(&c, p, len);
	while (start = c.off, next_line(&c, &line, &ll)) {
		if (ll > CAP_SIP_LINE_BYTES)
			return -1;
		if (ll == 0 && start > 0) {
			*hdr_len = start;
			*body_off = c.off;
			return 0;
		}
	}
	*hdr_len = len;
	*body_off = len;
	return 0;
}

/*
 * Steps to the next header line of the block c walks, stopping at the
 * first empty line: sets the trimmed name and value of "name: value".
 * Folded continuation lines (leading SP or HTAB) and lines without ':'
 * are skipped.  Returns false at the empty line or the end of the block.
 */
static bool
next_header(struct cur *c, const uint8_t **name, size_t *nl,
    const uint8_t **val, size_t *vlen)
{
	const uint8_t *line, *colon;
	size_t ll;

	while (next_line(c, &line, &ll)) {
		if (ll == 0)
			return false;
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		colon = memchr(line, ':', ll);
		if (colon == NULL)
			continue;
		*name = line;
		*nl = (size_t)(colon - line);
		text_trim(name, nl);
		*val = colon + 1;
		*vlen = (size_t)(line + ll - *val);
		text_trim(val, vlen);
		return true;
	}
	return false;
}

/*
 * Looks up a header by full name or compact letter (0: none) in the block
 * p[0..len), stopping at the first empty line.  skip_first skips the start
 * line (SIP messages; not MIME part headers).  Sets the trimmed value of
 * the first occurrence; folded continuation lines are not joined.
 */
static bool
hdr_find(const uint8_t *p, size_t len, bool skip_first, const char *name,
    char cname, const uint8_t **val, size_t *vlen)
{
	struct cur c;
	const uint8_t *line, *n, *v;
	size_t ll, nl, vl;

	cur_init(&c, p, len);
	if (skip_first && !next_line(&c, &line, &ll))
		return false;
	while (next_header(&c, &n, &nl, &v, &vl)) {
		if (!text_ieq(n, nl, name) && !(cname != 0 && nl == 1 &&
		    (n[0] | 0x20) == cname))
			continue;
		*val = v;
		*vlen = vl;
		return true;
	}
	return false;
}

/*
 * The headers extract() and parse_body() read from the raw block.  They
 * are found in one pass over it (hdr_index_build) rather than one
 * hdr_find() scan each: with fourteen names those scans were a third of
 * the cost of a message.  The result is the same as hdr_find() with the
 * name's compact letter: first occurrence, full or compact name.
 */
enum hx {
	HX_CALL_ID, HX_USER_AGENT, HX_SERVER, HX_PAI, HX_RPID, HX_REFER_TO,
	HX_REPLACES, HX_EVENT, HX_SUBSCRIPTION_STATE, HX_CONTENT_TYPE,
	HX_CONTENT_LENGTH, HX_EXPIRES, HX_SESSION_EXPIRES, HX_MIN_SE,
	HX_COUNT
};

/* A header name with its length, for tables compared against every line. */
struct hname {
	const char *name;
	size_t len;
};

#define HNAME(s) { s, sizeof(s) - 1 }

/* n[0..nl) is the header name h (any case); the length is tested first. */
static bool
hname_is(const uint8_t *n, size_t nl, const struct hname *h)
{
	return nl == h->len && text_ieq(n, nl, h->name);
}

static const struct hname hx_names[HX_COUNT] = {
	[HX_CALL_ID] = HNAME("Call-ID"),
	[HX_USER_AGENT] = HNAME("User-Agent"),
	[HX_SERVER] = HNAME("Server"),
	[HX_PAI] = HNAME("P-Asserted-Identity"),
	[HX_RPID] = HNAME("Remote-Party-ID"),
	[HX_REFER_TO] = HNAME("Refer-To"),
	[HX_REPLACES] = HNAME("Replaces"),
	[HX_EVENT] = HNAME("Event"),
	[HX_SUBSCRIPTION_STATE] = HNAME("Subscription-State"),
	[HX_CONTENT_TYPE] = HNAME("Content-Type"),
	[HX_CONTENT_LENGTH] = HNAME("Content-Length"),
	[HX_EXPIRES] = HNAME("Expires"),
	[HX_SESSION_EXPIRES] = HNAME("Session-Expires"),
	[HX_MIN_SE] = HNAME("Min-SE"),
};

/* First value of each hx_names[] header; val NULL when absent. */
struct hdr_index {
	const uint8_t *val[HX_COUNT];
	size_t len[HX_COUNT];
};

/*
 * Fills x from the header block p[0..len) of a SIP message (start line
 * skipped).  A one-letter name stands for its full name (full_of), so "i"
 * finds Call-ID exactly as hdr_find() with compact letter 'i' does.
 */
static void
hdr_index_build(struct hdr_index *x, const uint8_t *p, size_t len)
{
	struct cur c;
	const uint8_t *line, *n, *v;
	size_t ll, nl, vl;
	const char *full;

	memset(x, 0, sizeof(*x));
	cur_init(&c, p, len);
	if (!next_line(&c, &line, &ll))
		return;
	while (next_header(&c, &n, &nl, &v, &vl)) {
		/* full_of's names are our literals, not packet data. */
		if (nl == 1 && (full = full_of((char)n[0])) != NULL) {
			n = (const uint8_t *)full;
			nl = strlen(full);
		}
		for (int i = 0; i < HX_COUNT; i++) {
			if (x->val[i] != NULL ||
			    !hname_is(n, nl, &hx_names[i]))
				continue;
			x->val[i] = v;
			x->len[i] = vl;
			break;
		}
	}
}

/* The first value of header id, false when the message has none. */
static bool
hx_get(const struct hdr_index *x, enum hx id, const uint8_t **val,
    size_t *vlen)
{
	if (x->val[id] == NULL)
		return false;
	*val = x->val[id];
	*vlen = x->len[id];
	return true;
}

/*
 * The headers libosip2 is asked to parse: the ones we take from its
 * structures.  Everything else is read from the raw block, so a malformed
 * header we do not use (a second Content-Type, a broken WWW-Authenticate)
 * cannot make libosip2 reject the whole message.
 */
static bool
osip_wants(const uint8_t *line, size_t ll)
{
	static const struct hname keep[] = {
		HNAME("Via"), HNAME("v"), HNAME("From"), HNAME("f"),
		HNAME("To"), HNAME("t"), HNAME("Call-ID"), HNAME("i"),
		HNAME("CSeq"), HNAME("Contact"), HNAME("m"),
		HNAME("Record-Route"), HNAME("Route"),
	};
	const uint8_t *colon = memchr(line, ':', ll);
	const uint8_t *n = line;
	size_t nl;

	if (colon == NULL)
		return true;      /* let libosip2 judge a line without ':' */
	nl = (size_t)(colon - line);
	text_trim(&n, &nl);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (hname_is(n, nl, &keep[i]))
			return true;
	return false;
}

/*
 * The copy handed to libosip2: the start line and the headers osip_wants()
 * (with their folded continuations), each CRLF-terminated, NUL bytes as
 * '?', and the closing empty line.  A terminated line grows by at most one
 * byte per byte consumed (a bare "\n" becomes CRLF), the unterminated last
 * line by two, then CRLF and NUL: 2 * hdr_len + 5 bounds the output.
 */
static char *
osip_input(const uint8_t *p, size_t hdr_len, size_t *outlen)
{
	struct cur c;
	const uint8_t *line;
	size_t ll, o = 0;
	bool dropping = false, first = true;
	char *buf = malloc(2 * hdr_len + 5);

	if (buf == NULL)
		return NULL;
	cur_init(&c, p, hdr_len);
	while (next_line(&c, &line, &ll)) {
		if (!first && ll > 0 && (line[0] == ' ' || line[0] == '\t')) {
			if (dropping)
				continue;
		} else {
			dropping = !first && !osip_wants(line, ll);
			if (dropping)
				continue;
		}
		first = false;
		for (size_t i = 0; i < ll; i++)
			buf[o++] = line[i] == 0 ? '?' : (char)line[i];
		buf[o++] = '\r';
		buf[o++] = '\n';
	}
	buf[o++] = '\r';
	buf[o++] = '\n';
	buf[o] = '\0';
	*outlen = o;
	return buf;
}

/* A generic parameter by name (its gvalue is NULL when valueless). */
static osip_generic_param_t *
param_get(osip_list_t *l, const char *name)
{
	int n = osip_list_size(l);

	for (int i = 0; i < n; i++) {
		osip_generic_param_t *p = osip_list_get(l, i);

		if (p != NULL && p->gname != NULL &&
		    strcasecmp(p->gname, name) == 0)
			return p;
	}
	return NULL;
}

/* Parses a decimal port; def when absent or invalid. */
static uint16_t
port_or(const char *s, uint16_t def)
{
	uint64_t v;

	if (s == NULL || text_parse_uint(s, olen(s), 65535, &v) != 0 || v == 0)
		return def;
	return (uint16_t)v;
}

/* The endpoint of a URI whose host is an IP literal (sips: -> 5061). */
static void
uri_ep(const osip_uri_t *u, struct ep *e)
{
	uint16_t def;

	ep_clear(e);
	if (u == NULL || u->host == NULL)
		return;
	def = (u->scheme != NULL && strcasecmp(u->scheme, "sips") == 0) ?
	    5061 : 5060;
	if (ep_parse_ip(e, u->host, olen(u->host)) == 0)
		e->port = port_or(u->port, def);
}

static void
uri_copy(char *dst, size_t n, const osip_uri_t *u)
{
	char *s = NULL;

	dst[0] = '\0';
	if (u == NULL || osip_uri_to_str(u, &s) != 0 || s == NULL)
		return;
	ocopy(dst, n, s);
	osip_free(s);
}

/* Display name without its surrounding quotes. */
static void
display_copy(char *dst, size_t n, const char *s)
{
	size_t len = olen(s);

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	text_copy(dst, n, s != NULL ? s : "", len);
}

static int
int_or(const uint8_t *p, size_t len, int def)
{
	uint64_t v;

	if (text_parse_uint(p, len, INT32_MAX, &v) != 0)
		return def;
	return (int)v;
}

static void
via_fill(struct sipmsg_via *d, struct via_buf *b, osip_via_t *v)
{
	osip_generic_param_t *p;
	size_t i, hl = olen(v->host);

	memset(d, 0, sizeof(*d));
	memset(b, 0, sizeof(*b));
	d->transport = b->transport;
	d->host = b->host;
	d->branch = b->branch;
	d->received = b->received;
	d->maddr = b->maddr;
	ocopy(b->transport, sizeof(b->transport), v->protocol);
	for (i = 0; b->transport[i] != '\0'; i++)
		if (b->transport[i] >= 'a' && b->transport[i] <= 'z')
			b->transport[i] = (char)(b->transport[i] - 32);
	/* libosip2 strips the brackets of an IPv6 sent-by; put them back. */
	if (v->host != NULL && memchr(v->host, ':', hl) != NULL &&
	    v->host[0] != '[' && hl + 3 <= sizeof(b->host)) {
		b->host[0] = '[';
		memcpy(b->host + 1, v->host, hl);
		b->host[hl + 1] = ']';
		b->host[hl + 2] = '\0';
	} else {
		ocopy(b->host, sizeof(b->host), v->host);
	}
	ep_clear(&d->sent_by);
	if (v->host != NULL && ep_parse_ip(&d->sent_by, v->host, hl) == 0)
		d->sent_by.port = port_or(v->port,
		    strcmp(b->transport, "TLS") == 0 ? 5061 : 5060);
	if ((p = param_get(&v->via_params, "branch")) != NULL)
		ocopy(b->branch, sizeof(b->branch), p->gvalue);
	if ((p = param_get(&v->via_params, "received")) != NULL)
		ocopy(b->received, sizeof(b->received), p->gvalue);
	if ((p = param_get(&v->via_params, "maddr")) != NULL)
		ocopy(b->maddr, sizeof(b->maddr), p->gvalue);
	if ((p = param_get(&v->via_params, "rport")) != NULL) {
		/* RFC 3581: a bare ";rport" asks for the port to be filled. */
		d->rport = port_or(p->gvalue, 0);
		if (d->rport == 0)
			d->rport = -1;
	}
}

static void
contact_fill(struct sipmsg_contact *d, char *uri, size_t urin,
    osip_contact_t *c)
{
	osip_generic_param_t *p;

	memset(d, 0, sizeof(*d));
	uri_copy(uri, urin, c->url);
	d->uri = uri;
	uri_ep(c->url, &d->addr);
	d->expires = -1;
	if ((p = param_get(&c->gen_params, "expires")) != NULL &&
	    p->gvalue != NULL)
		d->expires = int_or((const uint8_t *)p->gvalue,
		    olen(p->gvalue), -1);
}

/* First Record-Route / Route value, re-serialised by libosip2. */
static void
route_copy(char *dst, size_t n, osip_list_t *l)
{
	osip_from_t *r = osip_list_get(l, 0);
	char *s = NULL;

	dst[0] = '\0';
	if (r == NULL || osip_from_to_str(r, &s) != 0 || s == NULL)
		return;
	ocopy(dst, n, s);
	osip_free(s);
}

/* An optional header's first value (full or compact name), "" if none. */
static bool
opt_hdr(const struct hdr_index *x, enum hx id, char *dst, size_t n)
{
	const uint8_t *v;
	size_t vl;

	if (hx_get(x, id, &v, &vl)) {
		text_copy(dst, n, v, vl);
		return true;
	}
	dst[0] = '\0';
	return false;
}

/* True when a Content-Type value's media type (before ';') is type. */
static bool
ct_is(const uint8_t *p, size_t len, const char *type)
{
	const uint8_t *semi = len > 0 ? memchr(p, ';', len) : NULL;

	if (semi != NULL)
		len = (size_t)(semi - p);
	text_trim(&p, &len);
	return text_ieq(p, len, type);
}

static bool
ct_is_prefix(const uint8_t *p, size_t len, const char *prefix)
{
	text_trim(&p, &len);
	return text_iprefix(p, len, prefix);
}

/*
 * The boundary parameter of a multipart Content-Type (quotes removed);
 * false when absent or longer than RFC 2046's 70 characters.
 */
static bool
ct_boundary(const uint8_t *p, size_t len, const uint8_t **b, size_t *blen)
{
	struct cur c;

	cur_init(&c, p, len);
	while (cur_left(&c) > 0) {
		const uint8_t *s = cur_rest(&c);
		size_t left = cur_left(&c);
		const uint8_t *semi = memchr(s, ';', left);
		size_t pl = semi != NULL ? (size_t)(semi - s) : left;
		const uint8_t *eq = memchr(s, '=', pl);

		(void)cur_skip(&c, semi != NULL ? pl + 1 : pl);
		if (eq != NULL) {
			const uint8_t *n = s, *v = eq + 1;
			size_t nl = (size_t)(eq - s);
			size_t vl = pl - nl - 1;

			text_trim(&n, &nl);
			text_trim(&v, &vl);
			if (!text_ieq(n, nl, "boundary"))
				continue;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (vl == 0 || vl > 70)
				return false;
			*b = v;
			*blen = vl;
			return true;
		}
	}
	return false;
}

/*
 * Finds the first application/sdp part of a multipart body.  Parts are
 * separated by lines "--boundary" (RFC 2046 section 5.1.1); the CRLF
 * before a delimiter belongs to it, not to the part.
 */
static bool
multipart_sdp(const uint8_t *body, size_t len, const uint8_t *b, size_t blen,
    const uint8_t **part, size_t *plen)
{
	uint8_t delim[80];
	size_t dl = blen + 2, off = 0;

	delim[0] = '-';
	delim[1] = '-';
	memcpy(delim + 2, b, blen);
	while (off < len) {
		const uint8_t *d = text_find(body + off, len - off, delim, dl);
		size_t pos, hstart, hoff, hl, cstart, cend;
		const uint8_t *nd, *ct;
		struct cur c;
		const uint8_t *line;
		size_t ll, ctl;

		if (d == NULL)
			return false;
		pos = (size_t)(d - body);
		off = pos + dl;
		if (pos > 0 && body[pos - 1] != '\n')
			continue;         /* not at a line start */
		if (len - off >= 2 && body[off] == '-' && body[off + 1] == '-')
			return false;     /* close delimiter */
		/* Skip the rest of the delimiter line (transport padding). */
		cur_init(&c, body + off, len - off);
		if (!next_line(&c, &line, &ll))
			return false;
		hstart = off + c.off;
		/* Part headers end at the first empty line. */
		cur_init(&c, body + hstart, len - hstart);
		/* hoff is set by the loop test below before any read. */
		hl = len - hstart;
		cstart = len;
		while (hoff = c.off, next_line(&c, &line, &ll)) {
			if (ll == 0) {
				hl = hoff;
				cstart = hstart + c.off;
				break;
			}
		}
		nd = cstart < len ? text_find(body + cstart, len - cstart,
		    delim, dl) : NULL;
		while (nd != NULL && nd > body + cstart && nd[-1] != '\n') {
			size_t np = (size_t)(nd - body) + dl;

			nd = text_find(body + np, len - np, delim, dl);
		}
		cend = nd != NULL ? (size_t)(nd - body) : len;
		off = cend;
		if (nd != NULL && cend > cstart && body[cend - 1] == '\n') {
			cend--;
			if (cend > cstart && body[cend - 1] == '\r')
				cend--;
		}
		if (cstart >= len)
			return false;
		if (hdr_find(body + hstart, hl, false, "Content-Type", 'c',
		    &ct, &ctl) && ct_is(ct, ctl, "application/sdp")) {
			*part = body + cstart;
			*plen = cend - cstart;
			return true;
		}
	}
	return false;
}

/* Parses an SDP body into m->sdp; a body that is not SDP is counted. */
/*
 * Parses an SDP body into a temporary m->sdp (packed into the message
 * block later); a body that is not SDP is counted.
 */
static void
attach_sdp(struct sipmsg *m, const uint8_t *p, size_t len,
    struct anomalies *an)
{
	if (len == 0 || m->sdp != NULL)
		return;
	if (sdp_parse(p, len, &m->sdp, an) == -1)
		anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
}

static void
parse_body(struct sipmsg *m, const struct hdr_index *x, struct anomalies *an)
{
	const uint8_t *body = (const uint8_t *)m->raw + m->body_off;
	const uint8_t *ct, *b, *part;
	size_t ctl, blen, plen;
	uint64_t code;

	if (m->body_len == 0 || !hx_get(x, HX_CONTENT_TYPE, &ct, &ctl))
		return;
	if (ct_is(ct, ctl, "application/sdp")) {
		attach_sdp(m, body, m->body_len, an);
	} else if (ct_is_prefix(ct, ctl, "multipart/")) {
		if (ct_boundary(ct, ctl, &b, &blen) &&
		    multipart_sdp(body, m->body_len, b, blen, &part, &plen))
			attach_sdp(m, part, plen, an);
	} else if (ct_is(ct, ctl, "message/sipfrag")) {
		/* RFC 3515 section 2.4.5: "SIP/2.0 200 OK" of the referred. */
		if (m->body_len >= 11 && text_iprefix(body, m->body_len,
		    "SIP/2.0 ") && text_parse_uint(body + 8, 3, 699,
		    &code) == 0 && code >= 100 &&
		    (m->body_len == 11 || body[11] == ' ' || body[11] == '\r' ||
		    body[11] == '\n'))
			m->sipfrag_status = (int)code;
	}
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The Replaces embedded in a Refer-To URI (RFC 3891 section 3:
 * <sip:bob@b?Replaces=id%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>), %-decoded.
 */
static void
replaces_from_refer_to(char *dst, size_t n, const char *rt)
{
	size_t len = olen(rt), i, o = 0;
	const char *q = memchr(rt, '?', len);
	const char *s;

	dst[0] = '\0';
	if (q == NULL)
		return;
	len -= (size_t)(q - rt);
	for (s = q; s != NULL; ) {
		size_t left = len - (size_t)(s - q);

		if (left > 10 && text_iprefix(s + 1, left - 1, "Replaces="))
			break;
		s = memchr(s + 1, '&', left - 1);
	}
	if (s == NULL)
		return;
	s += 10;
	len -= (size_t)(s - q);
	for (i = 0; i < len && o + 1 < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c == '&' || c == '>')
			break;
		if (c == '%' && i + 2 < len && hexval((uint8_t)s[i + 1]) >= 0 &&
		    hexval((uint8_t)s[i + 2]) >= 0) {
			c = (uint8_t)(hexval((uint8_t)s[i + 1]) * 16 +
			    hexval((uint8_t)s[i + 2]));
			i += 2;
		}
		dst[o++] = c == 0 ? '?' : (char)c;
	}
	dst[o] = '\0';
}

/* "1800;refresher=uac" (RFC 4028 section 4). */
static void
session_expires(struct msg_buf *b, const char *v)
{
	struct sipmsg *m = &b->m;
	size_t len = olen(v);
	const char *semi = memchr(v, ';', len);
	size_t nl = semi != NULL ? (size_t)(semi - v) : len;
	const char *r;

	m->session_expires = int_or((const uint8_t *)v, nl, -1);
	if (semi == NULL)
		return;
	r = semi;
	while (r != NULL) {
		size_t left = len - (size_t)(r - v) - 1;
		const uint8_t *pp = (const uint8_t *)r + 1;
		const uint8_t *end = memchr(pp, ';', left);
		size_t pl = end != NULL ? (size_t)(end - pp) : left;
		const uint8_t *eq = memchr(pp, '=', pl);

		if (eq != NULL) {
			const uint8_t *n = pp, *val = eq + 1;
			size_t nn = (size_t)(eq - pp);
			size_t vl = pl - nn - 1;

			text_trim(&n, &nn);
			text_trim(&val, &vl);
			if (text_ieq(n, nn, "refresher")) {
				if (text_ieq(val, vl, "uac"))
					text_copy(b->se_refresher,
					    sizeof(b->se_refresher), "uac", 3);
				else if (text_ieq(val, vl, "uas"))
					text_copy(b->se_refresher,
					    sizeof(b->se_refresher), "uas", 3);
			}
		}
		r = (const char *)end;
	}
}

/*
 * Extracts every field, the raw headers from x; returns the anomaly that
 * rejects m, or -1.
 */
static int
extract(struct msg_buf *b, const struct hdr_index *x, osip_message_t *om,
    size_t hdr_len, struct anomalies *an)
{
	struct sipmsg *m = &b->m;
	char tmp[CAP_SIP_STR_BYTES];
	bool over_cap = false;
	osip_generic_param_t *tag;
	const uint8_t *v;
	size_t vl;
	uint64_t num;
	int n;

	m->is_request = MSG_IS_REQUEST(om);
	if (m->is_request) {
		const uint8_t *sp1, *sp2;
		const uint8_t *line = (const uint8_t *)m->raw;
		size_t ll;
		struct cur c;

		ocopy(b->method, sizeof(b->method), om->sip_method);
		/* Request-URI as written: between the first and last SP. */
		cur_init(&c, m->raw, hdr_len);
		if (next_line(&c, &line, &ll) &&
		    (sp1 = memchr(line, ' ', ll)) != NULL) {
			sp2 = memrchr(line, ' ', ll);
			if (sp2 > sp1)
				text_copy(b->ruri, sizeof(b->ruri), sp1 + 1,
				    (size_t)(sp2 - sp1 - 1));
		}
		uri_ep(om->req_uri, &m->ruri_addr);
	} else {
		m->status = om->status_code;
		ocopy(b->reason, sizeof(b->reason), om->reason_phrase);
	}

	if (om->call_id == NULL || om->from == NULL || om->to == NULL ||
	    om->cseq == NULL || !hx_get(x, HX_CALL_ID, &v, &vl) || vl == 0)
		return ANOMALY_SIP_MISSING_HEADER;
	text_copy(b->call_id, sizeof(b->call_id), v, vl);

	if (om->cseq->number == NULL || om->cseq->method == NULL ||
	    text_parse_uint(om->cseq->number, olen(om->cseq->number),
	    UINT32_MAX, &num) != 0 || olen(om->cseq->method) == 0)
		return ANOMALY_SIP_BAD_CSEQ;
	m->cseq = (uint32_t)num;
	ocopy(b->cseq_method, sizeof(b->cseq_method), om->cseq->method);
	if (!m->is_request)
		ocopy(b->method, sizeof(b->method), om->cseq->method);
	else if (strcmp(m->method, m->cseq_method) != 0)
		/*
		 * RFC 3261 section 8.1.1.5 wants them equal; the message is
		 * still kept, since dropping it would hide the dialog.
		 */
		anomaly_add(an, ANOMALY_SIP_CSEQ_METHOD_MISMATCH);

	uri_copy(b->from_uri, sizeof(b->from_uri), om->from->url);
	uri_ep(om->from->url, &m->from_addr);
	display_copy(b->from_display, sizeof(b->from_display),
	    om->from->displayname);
	if (osip_from_get_tag(om->from, &tag) >= 0 && tag != NULL)
		ocopy(b->from_tag, sizeof(b->from_tag), tag->gvalue);
	uri_copy(b->to_uri, sizeof(b->to_uri), om->to->url);
	uri_ep(om->to->url, &m->to_addr);
	display_copy(b->to_display, sizeof(b->to_display),
	    om->to->displayname);
	if (osip_to_get_tag(om->to, &tag) >= 0 && tag != NULL)
		ocopy(b->to_tag, sizeof(b->to_tag), tag->gvalue);

	n = osip_list_size(&om->vias);
	for (int i = 0; i < n; i++) {
		osip_via_t *via = NULL;

		if (osip_message_get_via(om, i, &via) < 0 || via == NULL)
			continue;
		if (m->nvia >= CAP_SIP_VIAS) {
			over_cap = true;
			break;
		}
		via_fill(&b->via[m->nvia], &b->vb[m->nvia], via);
		m->nvia++;
	}
	if (m->is_request && m->nvia == 0)
		return ANOMALY_SIP_MISSING_HEADER;

	n = osip_list_size(&om->contacts);
	for (int i = 0; i < n; i++) {
		osip_contact_t *ct = NULL;

		if (osip_message_get_contact(om, i, &ct) < 0 || ct == NULL)
			continue;
		/* "Contact: *" (REGISTER removal): a URL-less "*" entry. */
		if (ct->url == NULL && ct->displayname != NULL &&
		    strcmp(ct->displayname, "*") == 0) {
			m->contact_star = true;
			continue;
		}
		if (m->ncontact >= CAP_SIP_CONTACTS) {
			over_cap = true;
			continue;
		}
		contact_fill(&b->contact[m->ncontact],
		    b->contact_uri[m->ncontact],
		    sizeof(b->contact_uri[m->ncontact]), ct);
		m->ncontact++;
	}
	if (over_cap)
		anomaly_add(an, ANOMALY_SIP_VALUES_CAP);

	m->nrecord_route = osip_list_size(&om->record_routes);
	route_copy(b->record_route, sizeof(b->record_route),
	    &om->record_routes);
	route_copy(b->route, sizeof(b->route), &om->routes);

	if (!opt_hdr(x, HX_USER_AGENT, b->user_agent,
	    sizeof(b->user_agent)))
		(void)opt_hdr(x, HX_SERVER, b->user_agent,
		    sizeof(b->user_agent));
	(void)opt_hdr(x, HX_PAI, b->pai, sizeof(b->pai));
	(void)opt_hdr(x, HX_RPID, b->rpid, sizeof(b->rpid));
	(void)opt_hdr(x, HX_REFER_TO, b->refer_to, sizeof(b->refer_to));
	if (!opt_hdr(x, HX_REPLACES, b->replaces, sizeof(b->replaces)))
		replaces_from_refer_to(b->replaces, sizeof(b->replaces),
		    b->refer_to);
	(void)opt_hdr(x, HX_EVENT, b->event, sizeof(b->event));
	(void)opt_hdr(x, HX_SUBSCRIPTION_STATE, b->subscription_state,
	    sizeof(b->subscription_state));
	if (hx_get(x, HX_CONTENT_TYPE, &v, &vl))
		text_copy(b->content_type, sizeof(b->content_type), v, vl);

	/* Framing (sipframe.c) counted any Content-Length anomaly already. */
	m->content_length = -1;
	if (hx_get(x, HX_CONTENT_LENGTH, &v, &vl) &&
	    text_parse_uint(v, vl, INT64_MAX, &num) == 0)
		m->content_length = (int64_t)num;

	m->expires = opt_hdr(x, HX_EXPIRES, tmp, sizeof(tmp)) ?
	    int_or((const uint8_t *)tmp, olen(tmp), -1) : -1;
	m->session_expires = -1;
	if (opt_hdr(x, HX_SESSION_EXPIRES, tmp, sizeof(tmp)))
		session_expires(b, tmp);
	m->min_se = -1;
	if (opt_hdr(x, HX_MIN_SE, tmp, sizeof(tmp))) {
		const char *semi = memchr(tmp, ';', olen(tmp));

		m->min_se = int_or((const uint8_t *)tmp, semi != NULL ?
		    (size_t)(semi - tmp) : olen(tmp), -1);
	}
	return -1;
}

/* Points the scratch message's strings and arrays at b's buffers. */
static void
msg_buf_init(struct msg_buf *b, const uint8_t *msg, size_t len)
{
	struct sipmsg *m = &b->m;

	memset(b, 0, sizeof(*b));
	/* Read only while extracting; pack() stores the copy. */
	m->raw = (char *)(uintptr_t)msg;
	m->raw_len = len;
	m->method = b->method;
	m->reason = b->reason;
	m->ruri = b->ruri;
	m->call_id = b->call_id;
	m->from_uri = b->from_uri;
	m->from_tag = b->from_tag;
	m->from_display = b->from_display;
	m->to_uri = b->to_uri;
	m->to_tag = b->to_tag;
	m->to_display = b->to_display;
	m->cseq_method = b->cseq_method;
	m->via = b->via;
	m->contact = b->contact;
	m->record_route = b->record_route;
	m->route = b->route;
	m->user_agent = b->user_agent;
	m->pai = b->pai;
	m->rpid = b->rpid;
	m->refer_to = b->refer_to;
	m->replaces = b->replaces;
	m->event = b->event;
	m->subscription_state = b->subscription_state;
	m->content_type = b->content_type;
	m->se_refresher = b->se_refresher;
}

static int
clamp_count(int n, int cap)
{
	return n < 0 ? 0 : n > cap ? cap : n;
}

/*
 * Lays src out in a: the struct, via[], contact[] (each at least one
 * element, zeroed when empty, see sipmsg.h), the SDP region (sdp_pack),
 * the raw copy, then the non-empty strings.  With a measuring arena it
 * returns NULL and only a->off is meaningful, which is how the block size
 * is found.
 */
static struct sipmsg *
pack(struct arena *a, const struct sipmsg *src)
{
	static const struct sipmsg_via no_via;
	static const struct sipmsg_contact no_contact;
	struct sipmsg *dst = arena_take(a, sizeof(*dst),
	    _Alignof(struct sipmsg));
	int nv = clamp_count(src->nvia, CAP_SIP_VIAS);
	int nc = clamp_count(src->ncontact, CAP_SIP_CONTACTS);
	struct sipmsg_via *via = arena_take(a, (size_t)(nv > 0 ? nv : 1) *
	    sizeof(*via), _Alignof(struct sipmsg_via));
	struct sipmsg_contact *ct = arena_take(a, (size_t)(nc > 0 ? nc : 1) *
	    sizeof(*ct), _Alignof(struct sipmsg_contact));
	struct sipmsg d = *src;
	char *raw;

	d.sdp = NULL;
	if (src->sdp != NULL) {
		size_t n = sdp_pack_size(src->sdp);
		void *p = arena_take(a, n, _Alignof(max_align_t));

		if (p != NULL)
			d.sdp = sdp_pack(src->sdp, p, n);
	}
	raw = arena_take(a, src->raw_len + 1, 1);
	if (raw != NULL) {
		memcpy(raw, src->raw, src->raw_len);
		raw[src->raw_len] = '\0';
	}
	d.raw = raw;
	d.method = arena_str(a, src->method, SIPMSG_METHOD_BYTES);
	d.reason = arena_str(a, src->reason, SIPMSG_REASON_BYTES);
	d.ruri = arena_str(a, src->ruri, SIPMSG_URI_BYTES);
	d.call_id = arena_str(a, src->call_id, SIPMSG_URI_BYTES);
	d.from_uri = arena_str(a, src->from_uri, SIPMSG_URI_BYTES);
	d.from_tag = arena_str(a, src->from_tag, SIPMSG_TAG_BYTES);
	d.from_display = arena_str(a, src->from_display, SIPMSG_TAG_BYTES);
	d.to_uri = arena_str(a, src->to_uri, SIPMSG_URI_BYTES);
	d.to_tag = arena_str(a, src->to_tag, SIPMSG_TAG_BYTES);
	d.to_display = arena_str(a, src->to_display, SIPMSG_TAG_BYTES);
	/* Equal in nearly every message: stored once. */
	d.cseq_method = strcmp(src->cseq_method, src->method) == 0 ?
	    d.method : arena_str(a, src->cseq_method, SIPMSG_METHOD_BYTES);
	d.record_route = arena_str(a, src->record_route, SIPMSG_URI_BYTES);
	d.route = arena_str(a, src->route, SIPMSG_URI_BYTES);
	d.user_agent = arena_str(a, src->user_agent, SIPMSG_TEXT_BYTES);
	d.pai = arena_str(a, src->pai, SIPMSG_URI_BYTES);
	d.rpid = arena_str(a, src->rpid, SIPMSG_URI_BYTES);
	d.refer_to = arena_str(a, src->refer_to, SIPMSG_URI_BYTES);
	d.replaces = arena_str(a, src->replaces, SIPMSG_URI_BYTES);
	d.event = arena_str(a, src->event, SIPMSG_EVENT_BYTES);
	d.subscription_state = arena_str(a, src->subscription_state,
	    SIPMSG_EVENT_BYTES);
	d.content_type = arena_str(a, src->content_type, SIPMSG_TEXT_BYTES);
	d.se_refresher = arena_str(a, src->se_refresher,
	    SIPMSG_REFRESHER_BYTES);
	for (int i = 0; i < (nv > 0 ? nv : 1); i++) {
		struct sipmsg_via v = i < nv ? src->via[i] : no_via;

		v.transport = arena_str(a, v.transport,
		    SIPMSG_TRANSPORT_BYTES);
		v.host = arena_str(a, v.host, SIPMSG_HOST_BYTES);
		v.branch = arena_str(a, v.branch, SIPMSG_BRANCH_BYTES);
		v.received = arena_str(a, v.received, SIPMSG_HOST_BYTES);
		v.maddr = arena_str(a, v.maddr, SIPMSG_HOST_BYTES);
		if (via != NULL)
			via[i] = v;
	}
	for (int i = 0; i < (nc > 0 ? nc : 1); i++) {
		struct sipmsg_contact c = i < nc ? src->contact[i] : no_contact;

		c.uri = arena_str(a, c.uri, SIPMSG_URI_BYTES);
		if (ct != NULL)
			ct[i] = c;
	}
	d.via = via;
	d.nvia = nv;
	d.contact = ct;
	d.ncontact = nc;
	d.mem_bytes = 0;
	if (dst != NULL)
		*dst = d;
	return dst;
}

/* Copies the scratch message into its own right-sized block. */
static struct sipmsg *
pack_new(const struct sipmsg *src)
{
	struct arena a = { NULL, 0 };
	struct sipmsg *m;
	size_t n;

	(void)pack(&a, src);
	n = a.off;
	a.base = malloc(n);
	a.off = 0;
	if (a.base == NULL)
		return NULL;
	m = pack(&a, src);
	m->mem_bytes = n;
	return m;
}

/*
 * Frames the header block, lets libosip2 parse it, reduces the result into
 * a stack scratch and packs that into the message's one block.  Every
 * failure path frees what was allocated and counts one anomaly (none on
 * out-of-memory).
 */
struct sipmsg *
sipmsg_parse(const uint8_t *msg, size_t len, struct anomalies *an)
{
	struct msg_buf b;
	struct hdr_index hx;
	struct sipmsg *m = &b.m, *out;
	osip_message_t *om = NULL;
	size_t hdr_len, olen_in;
	char *in;
	int rc;

	if (len > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return NULL;
	}
	if (msg == NULL || len == 0) {
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return NULL;
	}
	sipmsg_global_init();
	msg_buf_init(&b, msg, len);
	if (frame_headers(msg, len, &hdr_len, &m->body_off) != 0) {
		anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
		return NULL;
	}
	m->body_len = len - m->body_off;

	in = osip_input(msg, hdr_len, &olen_in);
	if (in == NULL || osip_message_init(&om) != 0) {
		free(in);
		return NULL;
	}
	rc = osip_message_parse(om, in, olen_in);
	free(in);
	if (rc != 0) {
		osip_message_free(om);
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return NULL;
	}
	hdr_index_build(&hx, msg, m->body_off);
	rc = extract(&b, &hx, om, hdr_len, an);
	osip_message_free(om);
	if (rc >= 0) {
		anomaly_add(an, (enum anomaly_id)rc);
		return NULL;
	}
	parse_body(m, &hx, an);
	out = pack_new(m);
	sdp_free(m->sdp);
	return out;
}

/* The SDP, raw copy and strings are all inside m's block. */
void
sipmsg_free(struct sipmsg *m)
{
	free(m);
}

size_t
sipmsg_mem_bytes(const struct sipmsg *m)
{
	return m != NULL ? m->mem_bytes : 0;
}

const char *
sipmsg_label(const struct sipmsg *m, char *buf, size_t n)
{
	const char *reason = m->reason != NULL ? m->reason : "";
	const char *method;
	int w;

	if (n == 0)
		return buf;
	/*
	 * Raw bytes, not escaped: every printer escapes packet strings for
	 * its own target (plain, JSON, CSV, curses), and escaping here too
	 * showed "\\x1b" for an ESC in the reason phrase.
	 */
	if (m->is_request) {
		method = m->method != NULL ? m->method : "";
		text_copy(buf, n, method, strnlen(method,
		    SIPMSG_METHOD_BYTES));
		return buf;
	}
	w = snprintf(buf, n, "%d ", m->status);
	if (w < 0 || (size_t)w >= n)
		return buf;
	text_copy(buf + w, n - (size_t)w, reason,
	    strnlen(reason, SIPMSG_REASON_BYTES));
	/* No reason phrase: drop the trailing blank. */
	if (reason[0] == '\0')
		buf[w - 1] = '\0';
	return buf;
}

/*
 * "sip:alice@10.0.0.2:5060;transport=udp" -> "alice@10.0.0.2:5060".  A
 * name-addr ("Alice" <sip:...>;tag=x) is reduced to what is inside the
 * angle brackets; parameters are cut after the host part only, since a
 * telephone-subscriber user part may itself carry ';'.
 */
const char *
sipmsg_uri_userhost(const char *uri, char *buf, size_t n)
{
	const uint8_t *p = (const uint8_t *)uri;
	size_t len = uri != NULL ? strnlen(uri, CAP_SIP_STR_BYTES) : 0;
	const uint8_t *lt, *gt, *at, *end;
	size_t i;

	if (n == 0)
		return buf;
	if (len > 0 && (lt = memchr(p, '<', len)) != NULL) {
		len -= (size_t)(lt + 1 - p);
		p = lt + 1;
		if ((gt = memchr(p, '>', len)) != NULL)
			len = (size_t)(gt - p);
	}
	text_trim(&p, &len);
	/*
	 * Strip a scheme ("sip:", "sips:", "tel:", any letters before ':'),
	 * but not the "host:" of a bare "host:port".
	 */
	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.'))))
			break;
	}
	if (i > 0 && i < len && p[i] == ':' &&
	    (text_ieq(p, i, "sip") || text_ieq(p, i, "sips") ||
	    text_ieq(p, i, "tel") || i + 1 == len ||
	    p[i + 1] < '0' || p[i + 1] > '9')) {
		p += i + 1;
		len -= i + 1;
	}
	at = len > 0 ? memrchr(p, '@', len) : NULL;
	end = at != NULL ? at : p;
	for (i = (size_t)(end - p); i < len; i++)
		if (p[i] == ';' || p[i] == '?' || p[i] == '>')
			break;
	text_copy(buf, n, p, i);
	return buf;
}

const char *
sipmsg_header(const struct sipmsg *m, const char *name, char *buf, size_t n)
{
	const char *full = name;
	const uint8_t *v;
	size_t vl;
	char c;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (m == NULL || m->raw == NULL || name == NULL || name[0] == '\0')
		return buf;
	if (name[1] == '\0' && (full = full_of(name[0])) == NULL)
		full = name;
	c = compact_of(full);
	if (hdr_find((const uint8_t *)m->raw, m->body_off, true, full, c, &v,
	    &vl))
		text_copy(buf, n, v, vl);
	return buf;
}

/* libosip2's trace output would go to stderr; the library stays quiet. */
static void
osip_silent(const char *fi, int li, osip_trace_level_t level,
    const char *chfr, va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

static void
global_init_once(void)
{
	parser_init();
	osip_trace_initialize_func(END_TRACE_LEVEL, osip_silent);
	for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);
}

/*
 * libosip2's parser tables and trace settings are process-global, so this
 * pthread_once guard is the one static the analyzer keeps.  sipmsg_parse
 * calls it too; callers may call it early to keep the cost out of the
 * first packet.
 */
void
sipmsg_global_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, global_init_once);
}
