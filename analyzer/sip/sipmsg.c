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
 * One walk over the header block does all our line work: it finds the
 * first empty line (each line capped at CAP_SIP_LINE_BYTES), so
 * body_off/body_len are exact byte offsets in the captured message; it
 * indexes the headers we read ourselves; and it builds libosip2's input.
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
 * Event, Session-Expires, ...) is read from the raw block through the
 * walk's index, under its full and compact names (RFC 3261 section
 * 7.3.3, and r, o, x, k, ... from later RFCs); the first occurrence wins
 * and folded continuation lines are not joined.
 *
 * Cost.  libosip2 allocates a hundred small blocks per message; they come
 * from a scratch (base/scratch.h) on the stack through libosip2's
 * allocator hooks and are dropped together, without osip_message_free
 * (see osip_scratch below).  And most header lines of a message repeat
 * an earlier message of its dialog byte for byte (From, To and Call-ID
 * in every message, the Via of a request in each of its responses):
 * sipmsg_parse_with() takes such a line's results from that earlier
 * message instead of handing the line to libosip2 again (memo_find()).
 * A From, To or Contact line of the one plain shape most carry is read
 * by our own bounded scan instead (scan_party(), its grammar and the
 * rule for leaving a value to libosip2 above it), so is a plain Via line
 * (scan_via()), a plain CSeq too, before any earlier message is asked
 * (scan_cseq_line()), a plain Call-ID is
 * checked without libosip2 (scan_call_id(): we keep it raw), and a
 * plain URI is written back without osip_uri_to_str() (uri_plain_put()).
 *
 * Memory: messages stay in memory for the life of their dialog (a
 * registration can hold hundreds), so a parsed message is ONE right-sized
 * block, packed from a stack scratch by sipmsg_pack.c.
 *
 * This file is the libosip2 bridge and the API; the header walk is
 * sipmsg_hdr.c, the body (SDP, multipart/, message/sipfrag)
 * sipmsg_body.c, the packing sipmsg_pack.c (see sipmsg_int.h).
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

#include "base/scratch.h"
#include "base/cursor.h"
#include "sip/sipmsg.h"
#include "sip/sipmsg_int.h"
#include "sip/sipraw.h"
#include "base/text.h"

/* Length of a libosip2-owned C string, bounded all the same. */
static inline size_t
olen(const char *s)
{
	return s != NULL ? strnlen(s, CAP_SIP_MSG_BYTES) : 0;
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

/*
 * param_get() for each of names[0..n) (lowercase letters first), in one
 * walk of l: out[k] is the first parameter named names[k] (any case),
 * NULL when none.  osip_list_get() walks from the head on every call,
 * and a Via asks for four names.
 */
static void
params_get(const osip_list_t *l, const char *const names[], int n,
    osip_generic_param_t *out[])
{
	const __node_t *node = l->node;

	for (int k = 0; k < n; k++)
		out[k] = NULL;
	for (int i = 0; i < l->nb_elt && node != NULL; i++,
	    node = node->next) {
		osip_generic_param_t *p = node->element;

		if (p == NULL || p->gname == NULL)
			continue;
		for (int k = 0; k < n; k++)
			if (out[k] == NULL &&
			    (p->gname[0] | 0x20) == names[k][0] &&
			    strcasecmp(p->gname, names[k]) == 0) {
				out[k] = p;
				break;
			}
	}
}

/*
 * text_parse_uint(), with its usual case inline (text_uint_plain():
 * digits only, compared with max once, as it does); anything else is
 * its to judge.  A message asks three or four times
 * (ports, Content-Length, expires), mostly of a few digits, and the
 * call cost about what the digits do.
 */
static inline int
uint_of(const void *vp, size_t n, uint64_t max, uint64_t *out)
{
	int plain = text_uint_plain(vp, n, max, out);

	return plain != 1 ? plain : text_parse_uint(vp, n, max, out);
}

/* Parses the decimal port s[0..n); def when absent (NULL) or invalid. */
static inline uint16_t
port_or_n(const char *s, size_t n, uint16_t def)
{
	uint64_t v;

	if (s == NULL || uint_of(s, n, 65535, &v) != 0 || v == 0)
		return def;
	return (uint16_t)v;
}

/* port_or_n() of a NUL-terminated (libosip2) string. */
static inline uint16_t
port_or(const char *s, uint16_t def)
{
	return port_or_n(s, olen(s), def);
}

/* strcasecmp(s, "sips") == 0, without the call (every URI asks). */
static bool
is_sips(const char *s)
{
	return (s[0] | 0x20) == 's' && (s[1] | 0x20) == 'i' &&
	    (s[2] | 0x20) == 'p' && (s[3] | 0x20) == 's' && s[4] == '\0';
}

/*
 * The endpoint of host[0..hl) when it is an IP literal, with the port
 * port[0..pl) (NULL: none) or def.
 */
static void
host_ep(struct ep *e, const char *host, size_t hl, const char *port,
    size_t pl, uint16_t def)
{
	ep_clear(e);
	if (ep_parse_ip(e, host, hl) == 0)
		e->port = port_or_n(port, pl, def);
}

/* The endpoint of a URI whose host is an IP literal (sips: -> 5061). */
static void
uri_ep(const osip_uri_t *u, struct ep *e)
{
	if (u == NULL || u->host == NULL) {
		ep_clear(e);
		return;
	}
	host_ep(e, u->host, olen(u->host), u->port, olen(u->port),
	    u->scheme != NULL && is_sips(u->scheme) ? 5061 : 5060);
}

/*
 * Whether osip_uri_to_str() copies the user part s unescaped: every byte
 * a letter, a digit or one of its user-unreserved marks (it escapes any
 * other byte as %XX).
 */
static bool
user_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr("-_.!~*'()&=+$,;?/", *s) != NULL))
			return false;
	return true;
}

/* Appends s[0..n) to d[0..room) at *o, cut at room. */
static void
put_cut(char *d, size_t room, size_t *o, const char *s, size_t n)
{
	if (n > room - *o)
		n = room - *o;
	memcpy(d + *o, s, n);
	*o += n;
}

/*
 * The plain URI nearly every header carries, "scheme:user@host:port"
 * (user and port optional, host in brackets when it holds a ':'),
 * written as osip_uri_to_str() writes it, straight into b (cut at cap as
 * sa_str() cuts): libosip2 builds it with a sprintf per piece and an
 * allocation for the escaped user, 1,400 instructions a URI.  Only for
 * a URI with a scheme and a host, no password, no parameter, no header,
 * and a user osip_uri_to_str() would not escape; NULL for any other,
 * which uri_put() then hands to osip_uri_to_str() (test_sipmsg compares
 * the two on plain and hostile URIs).
 */
static const char *
uri_plain_put(struct msg_buf *b, const osip_uri_t *u, size_t cap)
{
	size_t room, o = 0, hl;
	bool v6;
	char *d;

	if (u->string != NULL || u->scheme == NULL || u->host == NULL ||
	    u->password != NULL || u->url_params.nb_elt != 0 ||
	    u->url_headers.nb_elt != 0 ||
	    (u->username != NULL && !user_plain(u->username)))
		return NULL;
	d = sa_begin(b, cap, &room);
	hl = olen(u->host);
	v6 = memchr(u->host, ':', hl) != NULL;
	put_cut(d, room, &o, u->scheme, olen(u->scheme));
	put_cut(d, room, &o, ":", 1);
	if (u->username != NULL) {
		put_cut(d, room, &o, u->username, olen(u->username));
		put_cut(d, room, &o, "@", 1);
	}
	if (v6)
		put_cut(d, room, &o, "[", 1);
	put_cut(d, room, &o, u->host, hl);
	if (v6)
		put_cut(d, room, &o, "]", 1);
	if (u->port != NULL) {
		put_cut(d, room, &o, ":", 1);
		put_cut(d, room, &o, u->port, olen(u->port));
	}
	return sa_end(b, o);
}

/* A URI as libosip2 writes it back, as a string field of cap bytes. */
static const char *
uri_put(struct msg_buf *b, const osip_uri_t *u, size_t cap)
{
	char *s = NULL;
	const char *r;

	if (u != NULL && (r = uri_plain_put(b, u, cap)) != NULL)
		return r;
	if (u == NULL || osip_uri_to_str(u, &s) != 0 || s == NULL)
		return sa_empty(b);
	r = sa_str(b, s, cap);
	osip_free(s);
	return r;
}

/*
 * s[0..len) (len olen(s): no NUL inside) as a string field of cap bytes:
 * sa_put() without its search for NUL bytes.
 */
static inline const char *
sa_putn(struct msg_buf *b, const char *s, size_t len, size_t cap)
{
	size_t room;
	char *d = sa_begin(b, cap, &room);

	if (len > room)
		len = room;
	if (len == 0)
		return sa_empty(b);
	sa_copy(d, s, len);
	return sa_end(b, len);
}

/* Display name without its surrounding quotes. */
static const char *
display_put(struct msg_buf *b, const char *s, size_t cap)
{
	size_t len = olen(s);

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	return s != NULL ? sa_putn(b, s, len, cap) : sa_empty(b);
}

static int
int_or(const uint8_t *p, size_t len, int def)
{
	uint64_t v;

	if (uint_of(p, len, INT32_MAX, &v) != 0)
		return def;
	return (int)v;
}

/*
 * The Via parameters via_put() reads, in the order of its vp[]; in
 * lowercase (as via_name() compares them).
 */
static const char *const via_names[4] = {
	"branch", "received", "maddr", "rport"
};

/*
 * A Via value's pieces as via_put() reduces them, each a pointer and a
 * length (NULL: absent; no NUL inside): taken from libosip2's osip_via_t
 * (via_fill) or straight from the line (scan_via).  gv[k] is the value
 * of the first parameter named via_names[k] (NULL: valueless, or no such
 * parameter), has[k] whether there is one.
 */
struct via_parts {
	const char *protocol, *host, *port;
	size_t protocol_len, host_len, port_len;
	const char *gv[4];
	size_t gv_len[4];
	bool has[4];
	bool host_plain;  /* host holds no ':' (scan_via's SC_HOST span) */
};

/* One Via value from its pieces (see struct via_parts). */
static void
via_put(struct sipmsg_via *d, struct msg_buf *b, const struct via_parts *vp)
{
	const char *h = vp->host;
	size_t hl = vp->host_len, room;
	char *t;

	memset(d, 0, sizeof(*d));
	d->transport = vp->protocol != NULL ? sa_putn(b, vp->protocol,
	    vp->protocol_len, SIPMSG_TRANSPORT_BYTES) : sa_empty(b);
	t = (char *)(uintptr_t)d->transport;
	for (; *t != '\0'; t++)
		if (*t >= 'a' && *t <= 'z')
			*t = (char)(*t - 32);
	/* libosip2 strips the brackets of an IPv6 sent-by; put them back. */
	if (h != NULL && !vp->host_plain && memchr(h, ':', hl) != NULL &&
	    h[0] != '[' &&
	    hl <= SIPMSG_HOST_BYTES - 3 &&
	    (t = sa_begin(b, SIPMSG_HOST_BYTES, &room)) != NULL &&
	    hl + 2 <= room) {
		t[0] = '[';
		memcpy(t + 1, h, hl);
		t[hl + 1] = ']';
		d->host = sa_end(b, hl + 2);
	} else {
		d->host = h != NULL ? sa_putn(b, h, hl, SIPMSG_HOST_BYTES) :
		    sa_empty(b);
	}
	ep_clear(&d->sent_by);
	t = (char *)(uintptr_t)d->transport;
	/* strcmp(transport, "TLS") == 0, without the call. */
	if (h != NULL && ep_parse_ip(&d->sent_by, h, hl) == 0)
		d->sent_by.port = port_or_n(vp->port, vp->port_len,
		    t[0] == 'T' && t[1] == 'L' && t[2] == 'S' && t[3] == '\0' ?
		    5061 : 5060);
	d->branch = vp->gv[0] != NULL ? sa_putn(b, vp->gv[0], vp->gv_len[0],
	    SIPMSG_BRANCH_BYTES) : sa_empty(b);
	d->received = vp->gv[1] != NULL ? sa_putn(b, vp->gv[1],
	    vp->gv_len[1], SIPMSG_HOST_BYTES) : sa_empty(b);
	d->maddr = vp->gv[2] != NULL ? sa_putn(b, vp->gv[2], vp->gv_len[2],
	    SIPMSG_HOST_BYTES) : sa_empty(b);
	if (vp->has[3]) {
		/* RFC 3581: a bare ";rport" asks for the port to be filled. */
		d->rport = port_or_n(vp->gv[3], vp->gv_len[3], 0);
		if (d->rport == 0)
			d->rport = -1;
	}
}

/* s and its olen() into *p and *n. */
static inline void
part_of(const char *s, const char **p, size_t *n)
{
	*p = s;
	*n = olen(s);
}

static void
via_fill(struct sipmsg_via *d, struct msg_buf *b, osip_via_t *v)
{
	osip_generic_param_t *gp[4];
	struct via_parts vp;

	params_get(&v->via_params, via_names, 4, gp);
	vp.host_plain = false;
	part_of(v->protocol, &vp.protocol, &vp.protocol_len);
	part_of(v->host, &vp.host, &vp.host_len);
	part_of(v->port, &vp.port, &vp.port_len);
	for (int k = 0; k < 4; k++) {
		vp.has[k] = gp[k] != NULL;
		part_of(gp[k] != NULL ? gp[k]->gvalue : NULL, &vp.gv[k],
		    &vp.gv_len[k]);
	}
	via_put(d, b, &vp);
}

/*
 * A Contact from its URI (as uri_put() writes it), the URI's address and
 * its first expires value, expires[0..el) (NULL: none).
 */
static void
contact_put(struct sipmsg_contact *d, const char *uri, const struct ep *addr,
    const char *expires, size_t el)
{
	memset(d, 0, sizeof(*d));
	d->uri = uri;
	d->addr = *addr;
	d->expires = expires != NULL ?
	    int_or((const uint8_t *)expires, el, -1) : -1;
}

static void
contact_fill(struct sipmsg_contact *d, struct msg_buf *b, osip_contact_t *c)
{
	osip_generic_param_t *p = param_get(&c->gen_params, "expires");
	const char *e = p != NULL ? p->gvalue : NULL;
	const char *uri = uri_put(b, c->url, SIPMSG_URI_BYTES);
	struct ep addr;

	uri_ep(c->url, &addr);
	contact_put(d, uri, &addr, e, olen(e));
}

/* First Record-Route / Route value, re-serialised by libosip2. */
static const char *
route_put(struct msg_buf *b, osip_list_t *l)
{
	osip_from_t *r;
	char *s = NULL;
	const char *d;

	/* Most messages have none: no call to find so (osip_list.h). */
	if (l->nb_elt <= 0)
		return sa_empty(b);
	r = osip_list_get(l, 0);
	if (r == NULL || osip_from_to_str(r, &s) != 0 || s == NULL)
		return sa_empty(b);
	d = sa_str(b, s, SIPMSG_URI_BYTES);
	osip_free(s);
	return d;
}

/* An optional header's first value (full or compact name), "" if none. */
static inline const char *
opt_put(struct msg_buf *b, const struct hdr_index *x, enum hx id,
    size_t cap)
{
	const uint8_t *v;
	size_t vl;

	return hx_get(x, id, &v, &vl) ? sa_put(b, v, vl, cap) : sa_empty(b);
}

/* An optional header's first value into dst (n bytes), "" if none. */
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
 * Nearly every message has no Refer-To: rt is "" (or NULL), answered
 * without the strnlen and memchr calls.
 */
static const char *
replaces_from_refer_to(struct msg_buf *b, const char *rt)
{
	size_t len, i, o = 0, room;
	const char *q;
	const char *s;
	char *dst;

	if (rt == NULL || rt[0] == '\0')
		return sa_empty(b);
	len = olen(rt);
	q = memchr(rt, '?', len);
	if (q == NULL)
		return sa_empty(b);
	len -= (size_t)(q - rt);
	for (s = q; s != NULL; ) {
		size_t left = len - (size_t)(s - q);

		if (left > 10 && text_iprefix(s + 1, left - 1, "Replaces="))
			break;
		s = memchr(s + 1, '&', left - 1);
	}
	if (s == NULL)
		return sa_empty(b);
	s += 10;
	len -= (size_t)(s - q);
	dst = sa_begin(b, SIPMSG_URI_BYTES, &room);
	for (i = 0; i < len && o < room; i++) {
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
	return sa_end(b, o);
}

/* "1800;refresher=uac" (RFC 4028 section 4). */
static void
session_expires(struct msg_buf *b, const char *v)
{
	struct sipmsg *m = &b->m;
	size_t len = olen(v);
	const char *semi = memchr(v, ';', len);
	size_t nl = semi != NULL ? (size_t)(semi - v) : len;
	const char *r, *refresher = "";

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
					refresher = "uac";
				else if (text_ieq(val, vl, "uas"))
					refresher = "uas";
			}
		}
		r = (const char *)end;
	}
	/* The last refresher= wins; put once. */
	m->se_refresher = sa_str(b, refresher, SIPMSG_REFRESHER_BYTES);
}

/*
 * The fast scan.  Most From, To and Contact values have one shape,
 *
 *	["display" ]<sip:user@host:port>;name=value;...
 *
 * and libosip2's full parse of one (osip_from_parse, osip_uri_parse, a
 * list node and a string per piece) costs about ten times reading it.
 * scan_party() reads a value of exactly that shape and nothing else:
 *
 *	value   = [ DQUOTE *qchar DQUOTE *SP ] "<" uri ">" *( ";" param )
 *	qchar   = printable ASCII but DQUOTE and "\"
 *	uri     = ( "sip" / "sips" ) ":" [ user "@" ] host [ ":" 1*5DIGIT ]
 *	user    = 1*( ALPHA / DIGIT / "-_.!~*'()&=+$" )
 *	host    = 1*( ALPHA / DIGIT / "." / "-" )
 *	param   = 1*tchar [ "=" 1*tchar ]
 *	tchar   = ALPHA / DIGIT / "-.!*_+`'~"
 *
 * within the line's value as fast_value() gives it (printable ASCII, no
 * comma).  On such a value libosip2 sets the display name to the quoted
 * string with its quotes, the URI's scheme, user, host and port to the
 * pieces as written (no escape to undo: user has no '%'), no password,
 * URI parameter or header, and one generic parameter per ";param"; the
 * scan keeps where those pieces lie in the value, and the first "tag"
 * and "expires" values, and party_put() / contact_put() reduce them as
 * they reduce libosip2's (the URI as written is what osip_uri_to_str()
 * makes of it, party_uri).  Any other value (unquoted display
 * name, escapes, URI parameters, IPv6, another scheme, spaces, empty
 * parts) is left to libosip2 as before: the rule only narrows what
 * libosip2 accepts and never guesses.  test_sipmsg compares the scan
 * with libosip2 on every shape it takes and on hostile near-misses.
 */
static inline bool value_of(const struct memo_line *ml, const uint8_t **v,
    size_t *vl);
static inline bool fast_value(const struct memo_line *ml, const uint8_t **v,
    size_t *vl);
static inline bool is_digit(char c);

/*
 * What scan_party() found, as pieces of the value (a pointer and a
 * length each, NULL when absent): libosip2's strings of them would be
 * these bytes, with no escape to undo and no NUL inside.
 */
struct party_scan {
	const char *uri;      /* the URI as written: what osip_uri_to_str() */
	size_t uri_len;       /* makes of libosip2's parse (party_uri) */
	const char *host, *port;
	size_t host_len, port_len;
	bool sips;            /* the scheme is "sips" (else "sip") */
	const char *display;  /* without its quotes */
	size_t display_len;
	const char *tag;      /* first tag value ("" valueless) */
	size_t tag_len;
	const char *expires;  /* first expires value, likewise */
	size_t expires_len;
};

/* The byte classes of the grammar above, besides letters and digits. */
enum {
	SC_USER = 1,    /* "-_.!~*'()&=+$" */
	SC_HOST = 2,    /* ".-" */
	SC_TOKEN = 4    /* "-.!*_+`'~" */
};

/*
 * Letters and digits, alone (scan_span's class 0).  They carry every
 * class bit too, so that a byte is in class cls exactly when its entry
 * has the one bit cls (or SC_ALNUM for class 0): one test a byte.
 */
#define SC_ALNUM 8

/* The classes of each byte (a table: the scans read a byte per step). */
#define SC_OF(c) \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	((c) >= '0' && (c) <= '9') ? \
	SC_ALNUM | SC_USER | SC_HOST | SC_TOKEN : \
	(c) == '-' || (c) == '.' ? SC_USER | SC_HOST | SC_TOKEN : \
	(c) == '_' || (c) == '!' || (c) == '~' || (c) == '*' || \
	(c) == '\'' || (c) == '+' ? SC_USER | SC_TOKEN : \
	(c) == '(' || (c) == ')' || (c) == '&' || (c) == '=' || \
	(c) == '$' ? SC_USER : (c) == '`' ? SC_TOKEN : 0)
#define SC_OF4(c) SC_OF(c), SC_OF((c) + 1), SC_OF((c) + 2), SC_OF((c) + 3)
#define SC_OF16(c) SC_OF4(c), SC_OF4((c) + 4), SC_OF4((c) + 8), \
	SC_OF4((c) + 12)
static const uint8_t scan_class[256] = {
	SC_OF16(0x00), SC_OF16(0x10), SC_OF16(0x20), SC_OF16(0x30),
	SC_OF16(0x40), SC_OF16(0x50), SC_OF16(0x60), SC_OF16(0x70),
};

/*
 * Takes 1 or more letters, digits or marks of cls (SC_USER, SC_HOST,
 * SC_TOKEN, or 0: letters and digits only) from c.
 */
static inline bool
scan_span(struct cur *c, unsigned cls, const uint8_t **p, size_t *n)
{
	const unsigned bit = cls != 0 ? cls : SC_ALNUM;
	const uint8_t *q = cur_rest(c);
	size_t left = cur_left(c), i = 0;

	/*
	 * In locals: through *p and *n each step cost a load and a store.
	 * One bound test per four bytes while four remain.
	 */
	for (; i + 4 <= left; i += 4) {
		if ((scan_class[q[i]] & bit) == 0)
			goto out;
		if ((scan_class[q[i + 1]] & bit) == 0) {
			i += 1;
			goto out;
		}
		if ((scan_class[q[i + 2]] & bit) == 0) {
			i += 2;
			goto out;
		}
		if ((scan_class[q[i + 3]] & bit) == 0) {
			i += 3;
			goto out;
		}
	}
	while (i < left && (scan_class[q[i]] & bit) != 0)
		i++;
out:
	*p = q;
	*n = i;
	/* i <= left: the skip cannot fail. */
	c->off += i;
	return i > 0;
}

/* Whether the next byte of c is b; takes it if so. */
static inline bool
scan_byte(struct cur *c, uint8_t b)
{
	if (cur_left(c) == 0 || *cur_rest(c) != b)
		return false;
	(void)cur_skip(c, 1);
	return true;
}

/*
 * An optional ":" 1*5DIGIT at c: *port (NULL when there is no ':') and
 * *n its digits; false for any other digits.
 */
static inline bool
scan_port_span(struct cur *c, const uint8_t **port, size_t *n)
{
	const uint8_t *p;

	*port = NULL;
	*n = 0;
	if (!scan_byte(c, ':'))
		return true;
	if (!scan_span(c, 0, &p, n) || *n > 5)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (!is_digit((char)p[i]))
			return false;
	*port = p;
	return true;
}

/*
 * Whether libosip2's osip_call_id_parse() takes the Call-ID line ml
 * without doubt: a value of printable ASCII without SP, HTAB, comma,
 * quote or angle bracket, with at most one '@', neither first nor last.
 * The raw value is what the analyzer keeps (parse_in); libosip2's
 * parse only decides whether the message is accepted.
 */
static bool
scan_call_id(const struct memo_line *ml)
{
	const uint64_t lo = 0x0101010101010101ULL;
	const uint64_t hi = 0x8080808080808080ULL;
	const uint8_t *v, *at;
	size_t vl, i;

	if (!fast_value(ml, &v, &vl))
		return false;
	/*
	 * Eight bytes a step: fast_value() leaves only 0x20-0x7e, and
	 * x | 0x02 is 0x22 exactly for SP and '"', 0x3e exactly for '<' and
	 * '>'; XORed with it, such a byte is zero, the others 0x01-0x7f, so
	 * a top bit of t - 0x01.. (no borrow reaches a byte unless one below
	 * is zero) flags one of them.
	 */
	for (i = 0; i + 8 <= vl; i += 8) {
		uint64_t x, t1, t2;

		memcpy(&x, v + i, 8);
		x |= lo * 0x02;
		t1 = x ^ (lo * 0x22);
		t2 = x ^ (lo * 0x3e);
		if (((t1 - lo) | (t2 - lo)) & hi)
			return false;
	}
	for (; i < vl; i++)
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '"' ||
		    v[i] == '<' || v[i] == '>')
			return false;
	at = memchr(v, '@', vl);
	return at == NULL || (at != v && at != v + vl - 1 &&
	    memchr(at + 1, '@', vl - (size_t)(at - v) - 1) == NULL);
}

/*
 * What scan_cseq_line() read of a CSeq line: its number and its method,
 * method[0..method_len) (letters, a piece of the line: no NUL inside).
 */
struct cseq_scan {
	uint32_t num;
	const char *method;
	size_t method_len;
};

/*
 * The CSeq line ml read on its own: a value of scan_cseq()'s plain shape,
 * 1*DIGIT SP 1*ALPHA, with at most ten digits and a number extract()
 * takes (UINT32_MAX or less), into *cs as extract() reduces libosip2's
 * osip_cseq_parse() of it (the number before the SP, the method after
 * it).  False for any other value (left to libosip2, or to an earlier
 * message with the same line): a CSeq libosip2 or extract() refuses is
 * never taken.  Nearly every CSeq has that shape, and a line read here
 * costs less than comparing it with an earlier message's line, whose
 * bytes are out of the cache by then.  The value is value_of()'s; its
 * bytes are all digits, SP and letters, so fast_value()'s byte rule
 * holds (walk_cr relies on it: no CR in a taken line).  test_sipmsg
 * compares it with osip_cseq_parse().
 */
static bool
scan_cseq_line(const struct memo_line *ml, struct cseq_scan *cs)
{
	const uint8_t *v;
	size_t vl, nd = 0, i;
	uint64_t num = 0;

	if (!value_of(ml, &v, &vl))
		return false;
	/* Eleven digits or more: text_parse_uint() decides (rare). */
	while (nd < vl && nd <= 10 && is_digit((char)v[nd]))
		num = num * 10 + (uint64_t)(v[nd++] - '0');
	if (nd == 0 || nd > 10 || num > UINT32_MAX || nd + 1 >= vl ||
	    v[nd] != ' ')
		return false;
	for (i = nd + 1; i < vl; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z')))
			return false;
	cs->num = (uint32_t)num;
	cs->method = (const char *)v + nd + 1;
	cs->method_len = vl - nd - 1;
	return true;
}

/*
 * Whether every byte of p[0..n) is one fast_value() passes (0x20-0x7e,
 * no comma); the scans check the grammar's own bytes as they go.
 */
static inline bool
plain_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == ',')
			return false;
	return true;
}

/*
 * Reads the line ml's value into ps by the grammar above; false (ps
 * unusable) for any other value.  The value is fast_value()'s, whose
 * byte rule the grammar keeps by itself outside the quoted display name
 * (its classes and literals are printable, none a comma), so only the
 * display name is checked for it.
 */
static bool
scan_party(const struct memo_line *ml, struct party_scan *ps)
{
	const uint8_t *v, *p, *q, *uri = NULL;
	size_t vl, n, m;
	struct cur c;

	/*
	 * The pieces a value may lack; the grammar sets the others on every
	 * value it takes.  Not a memset: GCC made it "rep stosq", which cost
	 * more than the scan's first steps (arena.h).
	 */
	ps->display = ps->tag = ps->expires = NULL;
	ps->display_len = ps->tag_len = ps->expires_len = 0;
	if (!value_of(ml, &v, &vl))
		return false;
	cur_init(&c, v, vl);
	if (scan_byte(&c, '"')) {
		p = cur_rest(&c);
		q = memchr(p, '"', cur_left(&c));
		if (q == NULL || memchr(p, '\\', (size_t)(q - p)) != NULL ||
		    !plain_text(p, (size_t)(q - p)))
			return false;
		ps->display = (const char *)p;
		ps->display_len = (size_t)(q - p);
		(void)cur_skip(&c, (size_t)(q - p) + 1);
		while (scan_byte(&c, ' '))
			;
	}
	if (!scan_byte(&c, '<'))
		return false;
	/* The scheme, then user@ when an '@' comes before the '>'. */
	if (!scan_span(&c, 0, &p, &n) || !scan_byte(&c, ':') ||
	    !((n == 3 && memcmp(p, "sip", 3) == 0) ||
	    (n == 4 && memcmp(p, "sips", 4) == 0)))
		return false;
	uri = p;
	ps->sips = n == 4;
	q = memchr(cur_rest(&c), '>', cur_left(&c));
	if (q != NULL && memchr(cur_rest(&c), '@',
	    (size_t)(q - cur_rest(&c))) != NULL &&
	    (!scan_span(&c, SC_USER, &p, &n) || !scan_byte(&c, '@')))
		return false;
	if (!scan_span(&c, SC_HOST, &p, &n))
		return false;
	ps->host = (const char *)p;
	ps->host_len = n;
	if (!scan_port_span(&c, &p, &n))
		return false;
	ps->port = (const char *)p;
	ps->port_len = n;
	/* libosip2 refuses a URI under six bytes ("sip:h" and shorter). */
	if (cur_rest(&c) - uri < 6)
		return false;
	ps->uri = (const char *)uri;
	ps->uri_len = (size_t)(cur_rest(&c) - uri);
	if (!scan_byte(&c, '>'))
		return false;
	while (scan_byte(&c, ';')) {
		const char **slot = NULL;
		size_t *slot_len = NULL;

		if (!scan_span(&c, SC_TOKEN, &p, &n))
			return false;
		if (text_ieq(p, n, "tag") && ps->tag == NULL) {
			slot = &ps->tag;
			slot_len = &ps->tag_len;
		} else if (text_ieq(p, n, "expires") && ps->expires == NULL) {
			slot = &ps->expires;
			slot_len = &ps->expires_len;
		}
		q = NULL;
		m = 0;
		if (scan_byte(&c, '=') && !scan_span(&c, SC_TOKEN, &q, &m))
			return false;
		/* A valueless first tag is still the first tag: "" after. */
		if (slot != NULL) {
			*slot = q != NULL ? (const char *)q : "";
			*slot_len = m;
		}
	}
	return cur_left(&c) == 0;
}

/* The address of a scanned value's URI, as uri_ep() finds it. */
static void
party_ep(const struct party_scan *ps, struct ep *e)
{
	host_ep(e, ps->host, ps->host_len, ps->port, ps->port_len,
	    ps->sips ? 5061 : 5060);
}

/*
 * The URI of a scanned value as uri_put() writes it: uri_plain_put()'s
 * shape, scheme ":" [user "@"] host [":" port], with a host without ':'
 * (no brackets) and a user it copies as is (SC_USER is within
 * user_plain()'s marks), is the URI as written, byte for byte; so it is
 * copied, not written again from its pieces (test_sipmsg compares the
 * scan with libosip2).  fast_value() passed every byte of the value it
 * lies in (0x20-0x7e): no NUL to replace.
 */
static const char *
party_uri(struct msg_buf *b, const struct party_scan *ps)
{
	return sa_putn(b, ps->uri, ps->uri_len, SIPMSG_URI_BYTES);
}

/*
 * The Via line's fast scan.  Nearly every Via value has one shape,
 *
 *	SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport
 *
 *	via     = "SIP/2.0/" 1*ALPHA SP host [ ":" 1*5DIGIT ]
 *	          *( ";" param [ "=" 1*tchar ] )
 *
 * (host and param as in scan_party's grammar, the value as fast_value()
 * gives it: printable ASCII, no comma, so one value), and libosip2's
 * osip_via_parse() of it (its version, protocol, host and port as
 * written, a generic parameter per ";param", a list node and a string
 * each) cost 2,200 instructions a Via.  scan_via() keeps where the
 * protocol, host and port lie in the line, and the first branch,
 * received, maddr and rport, as via_put() takes them; any other value
 * (comments, IPv6, spaces, a received= in brackets, empty parts) is left
 * to libosip2.  test_sipmsg compares the scan with osip_via_parse() on
 * the shape and its near-misses.
 */
/*
 * p[0..n) equals the lowercase letters lc[0..ln) (ln <= 8) but for case:
 * x | 0x20 is a lowercase letter exactly for that letter and its
 * capital, so the bytes are compared eight at a time.
 */
static inline bool
letters_ieq(const uint8_t *p, size_t n, const char *lc, size_t ln)
{
	uint64_t x = 0, y = 0;

	if (n != ln)
		return false;
	memcpy(&x, p, ln);
	memcpy(&y, lc, ln);
	/* The padding bytes, zero in both, are 0x20 in both. */
	return (x | 0x2020202020202020ULL) == (y | 0x2020202020202020ULL);
}

/* The index in via_names of the parameter name p[0..n) (n > 0), or -1. */
static inline int
via_name(const uint8_t *p, size_t n)
{
	switch (p[0] | 0x20) {
	case 'b':
		return letters_ieq(p, n, "branch", 6) ? 0 : -1;
	case 'r':
		return letters_ieq(p, n, "received", 8) ? 1 :
		    letters_ieq(p, n, "rport", 5) ? 3 : -1;
	case 'm':
		return letters_ieq(p, n, "maddr", 5) ? 2 : -1;
	default:
		return -1;
	}
}

static bool
scan_via(const struct memo_line *ml, struct via_parts *vp)
{
	const uint8_t *v, *p, *q;
	size_t vl, n, m;
	struct cur c;

	/* As in scan_party: the parameters only (protocol, host, port: set). */
	memset(vp->gv, 0, sizeof(vp->gv));
	memset(vp->gv_len, 0, sizeof(vp->gv_len));
	memset(vp->has, 0, sizeof(vp->has));
	/*
	 * fast_value()'s byte rule holds by the grammar (its literals and
	 * classes are printable, none a comma): not checked apart.
	 */
	if (!value_of(ml, &v, &vl) || vl < 8 || memcmp(v, "SIP/2.0/", 8) != 0)
		return false;
	cur_init(&c, v + 8, vl - 8);
	if (!scan_span(&c, 0, &p, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (is_digit((char)p[i]))
			return false;
	vp->protocol = (const char *)p;
	vp->protocol_len = n;
	if (!scan_byte(&c, ' ') || !scan_span(&c, SC_HOST, &p, &n))
		return false;
	vp->host = (const char *)p;
	vp->host_len = n;
	/* No memchr() for an IPv6 colon in via_put (24K calls, 0.7M Ir). */
	vp->host_plain = true;
	if (!scan_port_span(&c, &p, &n))
		return false;
	vp->port = (const char *)p;
	vp->port_len = n;
	while (scan_byte(&c, ';')) {
		int k = -1;

		if (!scan_span(&c, SC_TOKEN, &p, &n))
			return false;
		k = via_name(p, n);
		if (k >= 0 && vp->has[k])
			k = -1;
		q = NULL;
		m = 0;
		if (scan_byte(&c, '=') && !scan_span(&c, SC_TOKEN, &q, &m))
			return false;
		if (k < 0)
			continue;
		vp->has[k] = true;
		vp->gv[k] = (const char *)q;
		vp->gv_len[k] = m;
	}
	return cur_left(&c) == 0;
}

/*
 * The length of s, the string b's area got last (or its empty string):
 * every sa_* function ends a string it puts at the area's end.
 */
static inline uint8_t
last_len(const struct msg_buf *b, const char *s)
{
	_Static_assert(SIPMSG_URI_BYTES <= 256 && SIPMSG_TAG_BYTES <= 256,
	    "party lengths fit a byte");
	return s == &b->nul ? 0 : (uint8_t)(b->area + b->used - 1 - s);
}

/*
 * A party_off pair (sipmsg.h): the URI's offset in its line, OR'd with
 * PARTY_DISPLAY when the value has a display name, and the tag's offset.
 * A URI past PARTY_OFF_MAX or a tag past UINT8_MAX is not noted (0: a
 * later message copies the prior's strings); 0 is never a value's offset
 * (the line starts with its header's name).
 */
#define PARTY_DISPLAY 0x80u
#define PARTY_OFF_MAX 0x7fu

/* The offset of p, a piece of the line ml, in it; 0 past max. */
static inline uint8_t
line_off(const struct memo_line *ml, const char *p, size_t max)
{
	size_t o = (size_t)((const uint8_t *)p - ml->line);

	return o <= max ? (uint8_t)o : 0;
}

/*
 * The display name of a value scan_party() took with one, found again
 * in its line ml from where its URI starts there (uri_off), as a string
 * field of b: the quoted string that opens the value (quotes off), up
 * to the SPs before the '<'.  The line is the one scanned (the same
 * bytes), so this is what the scan gave.
 */
static const char *
party_display(struct msg_buf *b, const struct memo_line *ml,
    unsigned uri_off)
{
	const uint8_t *v = ml->colon + 1, *q = ml->line + uri_off - 1;

	while (v < q && (*v == ' ' || *v == '\t'))
		v++;
	if (v == q || *v != '"')
		return sa_empty(b);
	/* q: the '<'; the SPs before it, then the closing quote. */
	while (q > v + 1 && q[-1] == ' ')
		q--;
	return q - 1 > v + 1 ? sa_putn(b, (const char *)v + 1,
	    (size_t)(q - 1 - (v + 1)), SIPMSG_TAG_BYTES) : sa_empty(b);
}

/*
 * From (to false) or To: URI, display name, tag and address, taken from
 * u, an earlier message with the same line ml, or from ps, the scan of
 * ml, or else as libosip2 parsed it (f).  The URI's and tag's lengths go
 * to m->party_len, and their places in ml to m->party_off when they are
 * pieces of it (for a later message taking them from this one).  From
 * u, they are copied from ml itself where u noted their places: ml is
 * in the cache, u's strings mostly not.
 */
static void
party_put(struct msg_buf *b, bool to, const struct sipmsg *u,
    const struct party_scan *ps, osip_from_t *f, const struct memo_line *ml)
{
	struct sipmsg *m = &b->m;
	const char **uri = to ? &m->to_uri : &m->from_uri;
	const char **display = to ? &m->to_display : &m->from_display;
	const char **tag = to ? &m->to_tag : &m->from_tag;
	struct ep *addr = to ? &m->to_addr : &m->from_addr;
	uint8_t *len = &m->party_len[to ? 2 : 0];
	uint8_t *off = &m->party_off[to ? 2 : 0];
	osip_generic_param_t *t;

	if (u != NULL) {
		const uint8_t *ul = &u->party_len[to ? 2 : 0];
		const uint8_t *uo = &u->party_off[to ? 2 : 0];

		*addr = to ? u->to_addr : u->from_addr;
		len[0] = ul[0];
		len[1] = ul[1];
		if ((uo[0] & PARTY_OFF_MAX) != 0 && ml->colon != NULL) {
			/* Pieces of ml, as they were of u's line. */
			const char *line = (const char *)ml->line;

			*uri = sa_putn(b, line + (uo[0] & PARTY_OFF_MAX),
			    ul[0], SIPMSG_URI_BYTES);
			*display = (uo[0] & PARTY_DISPLAY) != 0 ?
			    party_display(b, ml, uo[0] & PARTY_OFF_MAX) :
			    sa_empty(b);
			*tag = ul[1] != 0 ? sa_putn(b, line + uo[1], ul[1],
			    SIPMSG_TAG_BYTES) : sa_empty(b);
			off[0] = uo[0];
			off[1] = uo[1];
			return;
		}
		/* Noted lengths: no strnlen (sa_str) for these two. */
		*uri = sa_putn(b, to ? u->to_uri : u->from_uri, ul[0],
		    SIPMSG_URI_BYTES);
		*display = sa_str(b, to ? u->to_display : u->from_display,
		    SIPMSG_TAG_BYTES);
		*tag = sa_putn(b, to ? u->to_tag : u->from_tag, ul[1],
		    SIPMSG_TAG_BYTES);
		return;
	}
	if (ps != NULL) {
		*uri = party_uri(b, ps);
		len[0] = last_len(b, *uri);
		party_ep(ps, addr);
		/* display_put() and sa_str() of the same bytes. */
		*display = sa_putn(b, ps->display, ps->display_len,
		    SIPMSG_TAG_BYTES);
		*tag = sa_putn(b, ps->tag, ps->tag_len, SIPMSG_TAG_BYTES);
		len[1] = last_len(b, *tag);
		/* A valueless tag is no piece of the line: "" wherever. */
		off[0] = line_off(ml, ps->uri, PARTY_OFF_MAX);
		off[1] = len[1] != 0 ? line_off(ml, ps->tag, UINT8_MAX) : 0;
		if (len[1] != 0 && off[1] == 0)
			off[0] = 0;
		if (off[0] != 0 && ps->display != NULL)
			off[0] |= PARTY_DISPLAY;
		return;
	}
	*uri = uri_put(b, f->url, SIPMSG_URI_BYTES);
	len[0] = last_len(b, *uri);
	uri_ep(f->url, addr);
	*display = display_put(b, f->displayname, SIPMSG_TAG_BYTES);
	*tag = osip_from_get_tag(f, &t) >= 0 && t != NULL ?
	    sa_str(b, t->gvalue, SIPMSG_TAG_BYTES) : sa_empty(b);
	len[1] = last_len(b, *tag);
}

/*
 * What the prescan learnt of the start line, for extract(), as pieces of
 * the libosip2 copy (whose start line is the raw one with NUL bytes as
 * '?', as sa_put() stores it; no NUL, no CR inside): the method, or the
 * reason phrase, what libosip2 would copy into om->sip_method or
 * om->reason_phrase (the prescan does not: extract() takes them from
 * here); the Request-URI as written, uri[0..ul); and when scan_req_uri()
 * read it (have_addr), its address as uri_ep() finds it in what
 * osip_uri_parse() makes of it (then om->req_uri is not made: nothing
 * else of it is read).  A NULL pointer: not known.
 */
struct req_line {
	const char *method, *reason;
	size_t method_len, reason_len;
	const char *uri;
	size_t ul;
	bool have_addr;
	struct ep addr;
};

/*
 * Extracts every field, the raw headers from x, the request line from
 * rl where the prescan read it; returns the anomaly that rejects m, or
 * -1.
 */
static int
extract(struct msg_buf *b, const struct hdr_index *x, osip_message_t *om,
    size_t hdr_len, const struct sipmsg *const use[MEMO_COUNT],
    const struct party_scan *const scan[MEMO_COUNT],
    const struct via_parts *via_scanned, const struct cseq_scan *cseq_scanned,
    const bool taken[MEMO_COUNT], const struct req_line *rl,
    const struct memo_line memo[MEMO_COUNT], struct anomalies *an)
{
	struct sipmsg *m = &b->m;
	char tmp[CAP_SIP_STR_BYTES];
	bool over_cap = false;
	const char *cm;
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

		m->method = rl->method != NULL ? sa_putn(b, rl->method,
		    rl->method_len, SIPMSG_METHOD_BYTES) :
		    sa_str(b, om->sip_method, SIPMSG_METHOD_BYTES);
		/* Request-URI as written: between the first and last SP. */
		cur_init(&c, m->raw, hdr_len);
		if (rl->uri != NULL) {
			/* No NUL in the copy: sa_put() without its search. */
			m->ruri = sa_putn(b, rl->uri, rl->ul,
			    SIPMSG_URI_BYTES);
		} else if (hdr_next_line(&c, &line, &ll) &&
		    (sp1 = memchr(line, ' ', ll)) != NULL) {
			sp2 = memrchr(line, ' ', ll);
			if (sp2 > sp1)
				m->ruri = sa_put(b, sp1 + 1,
				    (size_t)(sp2 - sp1 - 1), SIPMSG_URI_BYTES);
		}
		if (rl->have_addr)
			m->ruri_addr = rl->addr;
		else
			uri_ep(om->req_uri, &m->ruri_addr);
	} else {
		m->status = om->status_code;
		m->reason = rl->reason != NULL ? sa_putn(b, rl->reason,
		    rl->reason_len, SIPMSG_REASON_BYTES) :
		    sa_str(b, om->reason_phrase, SIPMSG_REASON_BYTES);
	}

	if ((!taken[OK_CALL_ID] && om->call_id == NULL) ||
	    (!taken[OK_FROM] && om->from == NULL) ||
	    (!taken[OK_TO] && om->to == NULL) ||
	    (!taken[OK_CSEQ] && om->cseq == NULL) ||
	    m->call_id[0] == '\0')  /* parse_in() put the raw Call-ID */
		return ANOMALY_SIP_MISSING_HEADER;

	if (cseq_scanned != NULL) {
		/*
		 * What the strncmp() below makes of the method, as
		 * sa_str() would cut it (letters: no NUL inside).
		 */
		const char *sm = cseq_scanned->method;
		size_t sl = cseq_scanned->method_len;

		if (sl > SIPMSG_METHOD_BYTES - 1)
			sl = SIPMSG_METHOD_BYTES - 1;
		m->cseq = cseq_scanned->num;
		m->cseq_method = m->is_request &&
		    strnlen(m->method, SIPMSG_METHOD_BYTES) == sl &&
		    memcmp(sm, m->method, sl) == 0 ? m->method :
		    sa_putn(b, sm, sl, SIPMSG_METHOD_BYTES);
		cm = NULL;
	} else if (use[OK_CSEQ] != NULL) {
		m->cseq = use[OK_CSEQ]->cseq;
		cm = use[OK_CSEQ]->cseq_method;
	} else {
		if (om->cseq->number == NULL || om->cseq->method == NULL ||
		    text_parse_uint(om->cseq->number,
		    olen(om->cseq->number), UINT32_MAX, &num) != 0 ||
		    olen(om->cseq->method) == 0)
			return ANOMALY_SIP_BAD_CSEQ;
		m->cseq = (uint32_t)num;
		cm = om->cseq->method;
	}
	/* Equal in nearly every message: stored once. */
	if (cm != NULL)
		m->cseq_method = m->is_request &&
		    strncmp(cm, m->method, SIPMSG_METHOD_BYTES - 1) == 0 ?
		    m->method : sa_str(b, cm, SIPMSG_METHOD_BYTES);
	if (!m->is_request)
		m->method = m->cseq_method;  /* same cap, same copy */
	else if (strcmp(m->method, m->cseq_method) != 0) {
		/*
		 * RFC 3261 section 8.1.1.5 wants them equal; the message is
		 * still kept, since dropping it would hide the dialog.
		 */
		anomaly_add(an, ANOMALY_SIP_CSEQ_METHOD_MISMATCH);
		m->quiet = false;
	}

	party_put(b, false, use[OK_FROM], scan[OK_FROM], om->from,
	    &memo[OK_FROM]);
	party_put(b, true, use[OK_TO], scan[OK_TO], om->to, &memo[OK_TO]);

	if (use[OK_VIA] != NULL) {
		/* Its one Via line gave fewer values than the cap. */
		const struct sipmsg *u = use[OK_VIA];

		m->nvia = u->nvia;
		for (int i = 0; i < m->nvia; i++) {
			struct sipmsg_via *d = &b->via[i];

			*d = u->via[i];
			d->transport = sa_str(b, d->transport,
			    SIPMSG_TRANSPORT_BYTES);
			d->host = sa_str(b, d->host, SIPMSG_HOST_BYTES);
			d->branch = sa_str(b, d->branch, SIPMSG_BRANCH_BYTES);
			d->received = sa_str(b, d->received,
			    SIPMSG_HOST_BYTES);
			d->maddr = sa_str(b, d->maddr, SIPMSG_HOST_BYTES);
		}
	}
	if (via_scanned != NULL) {
		via_put(&b->via[0], b, via_scanned);
		m->nvia = 1;
	}
	n = use[OK_VIA] != NULL || via_scanned != NULL ? 0 :
	    osip_list_size(&om->vias);
	for (int i = 0; i < n; i++) {
		osip_via_t *via = NULL;

		if (osip_message_get_via(om, i, &via) < 0 || via == NULL)
			continue;
		if (m->nvia >= CAP_SIP_VIAS) {
			over_cap = true;
			break;
		}
		via_fill(&b->via[m->nvia], b, via);
		m->nvia++;
	}
	if (m->is_request && m->nvia == 0)
		return ANOMALY_SIP_MISSING_HEADER;

	if (use[OK_CONTACT] != NULL) {
		/* Its one Contact line gave fewer values than the cap. */
		const struct sipmsg *u = use[OK_CONTACT];

		m->ncontact = u->ncontact;
		m->contact_star = u->contact_star;
		for (int i = 0; i < m->ncontact; i++) {
			b->contact[i] = u->contact[i];
			b->contact[i].uri = sa_str(b, u->contact[i].uri,
			    SIPMSG_URI_BYTES);
		}
	}
	if (scan[OK_CONTACT] != NULL) {
		const struct party_scan *ps = scan[OK_CONTACT];
		const char *uri = party_uri(b, ps);
		struct ep addr;

		party_ep(ps, &addr);
		contact_put(&b->contact[0], uri, &addr, ps->expires,
		    ps->expires_len);
		m->ncontact = 1;
	}
	n = use[OK_CONTACT] != NULL || scan[OK_CONTACT] != NULL ? 0 :
	    osip_list_size(&om->contacts);
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
		contact_fill(&b->contact[m->ncontact], b, ct);
		m->ncontact++;
	}
	if (over_cap) {
		anomaly_add(an, ANOMALY_SIP_VALUES_CAP);
		m->quiet = false;
	}

	/* osip_list_size() of a list that is there, without the call. */
	m->nrecord_route = om->record_routes.nb_elt;
	m->record_route = route_put(b, &om->record_routes);
	m->route = route_put(b, &om->routes);

	m->user_agent = hx_get(x, HX_USER_AGENT, &v, &vl) ?
	    opt_put(b, x, HX_USER_AGENT, SIPMSG_TEXT_BYTES) :
	    opt_put(b, x, HX_SERVER, SIPMSG_TEXT_BYTES);
	m->pai = opt_put(b, x, HX_PAI, SIPMSG_URI_BYTES);
	m->rpid = opt_put(b, x, HX_RPID, SIPMSG_URI_BYTES);
	m->refer_to = opt_put(b, x, HX_REFER_TO, SIPMSG_URI_BYTES);
	m->replaces = hx_get(x, HX_REPLACES, &v, &vl) ?
	    opt_put(b, x, HX_REPLACES, SIPMSG_URI_BYTES) :
	    replaces_from_refer_to(b, m->refer_to);
	m->event = opt_put(b, x, HX_EVENT, SIPMSG_EVENT_BYTES);
	m->subscription_state = opt_put(b, x, HX_SUBSCRIPTION_STATE,
	    SIPMSG_EVENT_BYTES);
	m->content_type = opt_put(b, x, HX_CONTENT_TYPE, SIPMSG_TEXT_BYTES);

	/* Framing (sipframe.c) counted any Content-Length anomaly already. */
	m->content_length = -1;
	if (hx_get(x, HX_CONTENT_LENGTH, &v, &vl) &&
	    uint_of(v, vl, INT64_MAX, &num) == 0)
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

/*
 * libosip2's allocations while it parses one message.  libosip2 takes its
 * allocator from three process-global function pointers (osip_malloc_func
 * and friends, osip_port.h); global_init_once() points them at the hooks
 * below, once per process.  The hooks serve from the scratch that the
 * calling thread's sipmsg_parse() has made current, and fall through to
 * malloc/realloc/free when none is -- outside a parse, in any other
 * thread, or for any other libosip2 user in the process, which therefore
 * sees libosip2's default behaviour.
 *
 * The current scratch is thread-local and set only for the length of one
 * sipmsg_parse() call (saved and restored around it), so the library
 * keeps no state between calls: two analyses in one process, in one
 * thread or several, never share it.  While it is set, everything
 * libosip2 builds comes from the scratch, and the whole tree is dropped
 * by one scratch_fini() instead of osip_message_free() walking it; a
 * block libosip2 frees in between stays allocated until then.  A pointer
 * the scratch did not hand out (none is expected) is freed normally.
 *
 * Should the process replace libosip2's allocators after ours were
 * installed, sipmsg_parse() notices (osip_malloc_func is no longer ours)
 * and frees the tree with osip_message_free() as before.
 */
static _Thread_local struct scratch *osip_scratch;

static void *
osip_hook_malloc(size_t n)
{
	struct scratch *s = osip_scratch;

	return s != NULL ? scratch_alloc(s, n) : malloc(n);
}

static void *
osip_hook_realloc(void *p, size_t n)
{
	struct scratch *s = osip_scratch;

	if (s != NULL && (p == NULL || scratch_owns(s, p)))
		return scratch_realloc(s, p, n);
	return realloc(p, n);
}

static void
osip_hook_free(void *p)
{
	struct scratch *s = osip_scratch;

	if (s == NULL || !scratch_owns(s, p))
		free(p);
	else
		scratch_free(s, p);
}

/*
 * The stack buffer of a parse's scratch: libosip2's tree of a typical
 * message (a few KB) and our copy of its header block fit, so most
 * messages cost no heap allocation until the final block.
 */
#define PARSE_SCRATCH_BYTES (16 * 1024)

/*
 * A fingerprint of the line p[0..n) from its last sixteen bytes (fewer
 * in a shorter line, 0 under eight): where two Via lines of a dialog
 * of the same length differ, in the branch near the end.  Two lines
 * with different fingerprints differ; equal ones are still compared
 * byte for byte.
 */
static inline uint8_t
via_fp(const uint8_t *p, size_t n)
{
	uint64_t a = 0, b = 0;

	if (n >= 16)
		memcpy(&b, p + n - 16, 8);
	if (n >= 8)
		memcpy(&a, p + n - 8, 8);
	return (uint8_t)(((a + (b << 1)) * 0x9e3779b97f4a7c15ULL) >> 56);
}

/*
 * Asks lend->prior for earlier messages of call_id; false when it stops
 * the parse.  For each memo header that occurred once on one line, use[]
 * gets an earlier message that carried the very same line: its results
 * are those libosip2 would give again, since a header's parse depends on
 * its own line only and that message was accepted with it.  Via and
 * Contact are reused only when that line gave fewer values than the cap
 * (so no SIP_VALUES_CAP is owed).  A header with skip[k] set is not
 * looked for: its line is read on its own.  vfp: via_fp() of the Via
 * memo line.
 */
static bool
memo_find(struct walk *w, const char *call_id,
    const struct sipmsg_lend *lend, const struct sipmsg *use[MEMO_COUNT],
    const bool skip[MEMO_COUNT], uint8_t vfp)
{
	const struct sipmsg *pm[SIPMSG_PRIOR_MAX];
	size_t np = lend->prior(lend->user, call_id, pm, SIPMSG_PRIOR_MAX);

	if (np == SIPMSG_PRIOR_STOP)
		return false;
	if (np > SIPMSG_PRIOR_MAX)
		np = SIPMSG_PRIOR_MAX;
	for (int k = 0; k < MEMO_COUNT; k++) {
		const struct memo_line *ml = &w->memo[k];

		if (!ml->usable || skip[k])
			continue;
		for (size_t i = 0; i < np; i++) {
			const struct sipmsg *p = pm[i];

			/*
			 * Most Via lines of the same length differ (a new
			 * request's branch): told apart by their
			 * fingerprints, without the cold bytes of p's line.
			 */
			if (p->memo_len[k] != ml->ll || (k == OK_VIA &&
			    p->via_fp != vfp) ||
			    memcmp(p->raw + p->memo_off[k], ml->line,
			    ml->ll) != 0)
				continue;
			if ((k == OK_VIA && p->nvia >= CAP_SIP_VIAS) ||
			    (k == OK_CONTACT &&
			    p->ncontact >= CAP_SIP_CONTACTS))
				continue;
			use[k] = p;
			break;
		}
	}
	return true;
}

/*
 * The prescan.  Inside a dialog most messages, once the lines an earlier
 * message answers for are dropped, leave libosip2 only their start line,
 * a Via and a CSeq (a 100 Trying, an ACK, a BYE and its 200): then the
 * whole message walk of osip_message_parse() (its copy, LWS pass, line
 * and name search, comma split, sscanf) costs more than the parse
 * itself.  For such a message fast_fill() builds libosip2's structures
 * itself, and only from lines whose shape leaves no doubt about what
 * osip_message_parse() would do with them (printable ASCII, no comma,
 * a start line of exactly "SIP/2.0 NNN reason" or "METHOD URI SIP/2.0"):
 * the Via, CSeq and Request-URI are still parsed by libosip2's own
 * osip_via_parse(), osip_cseq_parse() and osip_uri_parse(), on the
 * very strings its message walk would hand them.  Anything else, or any
 * of those parsers refusing, goes to osip_message_parse() as before, so
 * results and refusals are libosip2's in both paths (test_sipmsg.c
 * compares the two on every variant it makes).
 */

/* p[0..n) as a string from libosip2's allocator (the parse's scratch). */
static inline char *
ostrndup(const void *p, size_t n)
{
	char *s = osip_malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * The value of a memo header's one line as libosip2's header walk would
 * pass it to the header's parser: after the first ':', SP and HTAB
 * trimmed; false when there is no ':' or the value is empty.
 */
static inline bool
value_of(const struct memo_line *ml, const uint8_t **v, size_t *vl)
{
	if (ml->colon == NULL)
		return false;
	*v = ml->colon + 1;
	*vl = (size_t)(ml->line + ml->ll - *v);
	text_trim(v, vl);
	return *vl > 0;
}

/*
 * value_of(), when that leaves no doubt: printable ASCII only, no comma
 * (where libosip2 could split values).
 */
static inline bool
fast_value(const struct memo_line *ml, const uint8_t **v, size_t *vl)
{
	size_t i;

	if (!value_of(ml, v, vl))
		return false;
	/*
	 * Eight bytes at a time while all are in 0x20-0x7e and none is ','
	 * (the usual case); the byte loop decides on the rest.  For x (and
	 * y = x with ',' bytes zeroed), a top bit in x, x - 0x20.., x + 0x01..
	 * or y - 0x01.. marks a byte of 0x80 or more, below 0x20, 0x7f or
	 * ',': exact for the lowest such byte (no carry or borrow reaches it
	 * from bytes below that pass), and never set when all pass.
	 */
	for (i = 0; i + 8 <= *vl; i += 8) {
		const uint64_t lo = 0x0101010101010101ULL;
		const uint64_t hi = 0x8080808080808080ULL;
		uint64_t x, y;

		memcpy(&x, *v + i, 8);
		y = x ^ (lo * ',');
		if ((x | (x - lo * 0x20) | (x + lo) | (y - lo)) & hi)
			break;
	}
	for (; i < *vl; i++)
		if ((*v)[i] < 0x20 || (*v)[i] > 0x7e || (*v)[i] == ',')
			return false;
	return true;
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The length of the start line in w's copy (its first CR ends it), as
 * the walk noted it.
 */
static size_t
first_line_len(const struct walk *w)
{
	return w->sl_len;
}

/*
 * Whether the Request-URI u[0..ul) has the plain shape of scan_party()'s
 * uri (its grammar above, nothing after the host and port): scheme,
 * user, host and port as written, no password, parameter or header,
 * which osip_uri_parse() takes as they are.  If so, the address uri_ep()
 * would find in libosip2's parse goes to rl (have_addr); the parse itself
 * is not made, as extract() reads nothing else of it.  The Request-URI
 * of nearly every request has that shape, and osip_uri_parse of it cost
 * a thousand instructions, building its strings three hundred more;
 * test_sipmsg's prescan cases compare the two.
 */
static bool
scan_req_uri(const char *u, size_t ul, struct req_line *rl)
{
	const uint8_t *sp, *up, *hp, *pp = NULL;
	size_t sn, un, hn, pn = 0;
	struct cur c;

	/* libosip2 refuses a URI under six bytes ("sip:h" and shorter). */
	if (ul < 6)
		return false;
	cur_init(&c, u, ul);
	if (!scan_span(&c, 0, &sp, &sn) || !scan_byte(&c, ':') ||
	    !((sn == 3 && memcmp(sp, "sip", 3) == 0) ||
	    (sn == 4 && memcmp(sp, "sips", 4) == 0)))
		return false;
	if (memchr(cur_rest(&c), '@', cur_left(&c)) != NULL &&
	    (!scan_span(&c, SC_USER, &up, &un) || !scan_byte(&c, '@')))
		return false;
	if (!scan_span(&c, SC_HOST, &hp, &hn))
		return false;
	if (scan_byte(&c, ':')) {
		if (!scan_span(&c, 0, &pp, &pn) || pn > 5)
			return false;
		for (size_t i = 0; i < pn; i++)
			if (!is_digit((char)pp[i]))
				return false;
	}
	if (cur_left(&c) != 0)
		return false;
	/* The pieces libosip2's strings would hold (uri_ep of them). */
	host_ep(&rl->addr, (const char *)hp, hn, (const char *)pp, pn,
	    sn == 4 ? 5061 : 5060);
	rl->have_addr = true;
	return true;
}

/*
 * Whether every byte of p[0..n) is in 0x21-0x7e.  Eight bytes a step: a
 * top bit in x, x - 0x21.. or x + 0x01.. marks a byte of 0x80 or more,
 * below 0x21, or 0x7f; a borrow or carry that flags a passing byte only
 * comes from a failing byte below it, so a flag means a failing byte,
 * and all passing flag none.
 */
static inline bool
all_graphic(const char *p, size_t n)
{
	const uint64_t lo = 0x0101010101010101ULL;
	const uint64_t hi = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, 8);
		if ((x | (x - lo * 0x21) | (x + lo)) & hi)
			return false;
	}
	for (; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] > 0x7e)
			return false;
	return true;
}

/*
 * The start line in[0..sl) (from the libosip2 copy) into om, as
 * osip_message_parse() would put it: "SIP/2.0 NNN reason" (NNN 100-699,
 * a reason of one byte or more) or "METHOD SP Request-URI SP SIP/2.0"
 * (a method of letters, a URI of three or more printable bytes without
 * SP, given to osip_uri_parse unless scan_req_uri() reads it).  -1 for
 * any other shape or a refusal.  The method, reason phrase and URI go
 * into *rl, not om (see struct req_line).
 */
static int
fast_start_line(osip_message_t *om, const char *in, size_t sl,
    struct req_line *rl)
{
	size_t ml = 0, ul;
	const char *uri;
	char *u;

	if (sl >= 4 && memcmp(in, "SIP/", 4) == 0) {
		if (sl < 13 || memcmp(in, "SIP/2.0 ", 8) != 0 ||
		    in[8] < '1' || in[8] > '6' || !is_digit(in[9]) ||
		    !is_digit(in[10]) || in[11] != ' ')
			return -1;
		om->status_code = (in[8] - '0') * 100 + (in[9] - '0') * 10 +
		    (in[10] - '0');
		/* om->sip_version is not set: nothing reads it (om_clear_read). */
		rl->reason = in + 12;
		rl->reason_len = sl - 12;
		return 0;
	}
	while (ml < sl && ((in[ml] >= 'A' && in[ml] <= 'Z') ||
	    (in[ml] >= 'a' && in[ml] <= 'z')))
		ml++;
	if (ml == 0 || ml >= sl || in[ml] != ' ' || sl < ml + 1 + 3 + 8 ||
	    memcmp(in + sl - 8, " SIP/2.0", 8) != 0)
		return -1;
	uri = in + ml + 1;
	ul = sl - 8 - (ml + 1);
	if (!all_graphic(uri, ul))
		return -1;
	om->status_code = 0;
	rl->method = in;
	rl->method_len = ml;
	/*
	 * The first SP follows the method, the last one precedes
	 * "SIP/2.0", and the URI has none: what extract() would cut.
	 */
	rl->uri = uri;
	rl->ul = ul;
	if (scan_req_uri(uri, ul, rl))
		return 0;
	u = ostrndup(uri, ul);
	if (u == NULL || osip_uri_init(&om->req_uri) != 0 ||
	    osip_uri_parse(om->req_uri, u) != 0)
		return -1;
	return 0;
}

/*
 * A CSeq value v[0..vl) of the plain shape 1*DIGIT SP 1*ALPHA into
 * om->cseq as osip_cseq_parse() would split it (the number before the
 * first SP, the method after it, neither with a blank to trim): 0, or 1
 * for any other shape (left to osip_cseq_parse, om untouched), -1 on
 * out-of-memory.  test_sipmsg's prescan cases compare the two.
 */
static int
scan_cseq(osip_message_t *om, const uint8_t *v, size_t vl)
{
	size_t nd = 0, i;

	while (nd < vl && is_digit((char)v[nd]))
		nd++;
	if (nd == 0 || nd + 1 >= vl || v[nd] != ' ')
		return 1;
	for (i = nd + 1; i < vl; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z')))
			return 1;
	if (osip_cseq_init(&om->cseq) != 0 ||
	    (om->cseq->number = ostrndup(v, nd)) == NULL ||
	    (om->cseq->method = ostrndup(v + nd + 1, vl - nd - 1)) == NULL)
		return -1;
	return 0;
}

/*
 * Zeroes the members of om that fast_fill() and extract() read, as
 * osip_message_init() would (an empty list is a zeroed one): the start
 * line's (sip_version stays NULL: extract() never reads it, so
 * fast_start_line() does not copy "SIP/2.0" there), the headers extract() takes (Call-ID, From, To, CSeq, Via,
 * Contact, Record-Route, Route).  Any other member of such an om is
 * left unset and must not be read.
 */
static void
om_clear_read(osip_message_t *om)
{
	om->sip_version = NULL;
	om->req_uri = NULL;
	om->sip_method = NULL;
	om->status_code = 0;
	om->reason_phrase = NULL;
	om->call_id = NULL;
	om->from = NULL;
	om->to = NULL;
	om->cseq = NULL;
	memset(&om->vias, 0, sizeof(om->vias));
	memset(&om->contacts, 0, sizeof(om->contacts));
	memset(&om->record_routes, 0, sizeof(om->record_routes));
	memset(&om->routes, 0, sizeof(om->routes));
}

/*
 * Fills om for a message whose copy (w->in, memo lines dropped) holds
 * only its start line, a Via and a CSeq, From, To and Call-ID taken from
 * earlier messages (use[]).  Returns 0 when om is what
 * osip_message_parse(w->in) would have made of it; 1 when the message
 * is not of that kind (om untouched); -1 when it was, but a line was not
 * (om partly filled: start afresh).  *rl (zeroed by the caller) gets
 * what the start line told.
 */
static int
fast_fill(osip_message_t *om, const struct walk *w,
    const bool taken[MEMO_COUNT], struct req_line *rl)
{
	const struct memo_line *via = &w->memo[OK_VIA];
	const struct memo_line *cseq = &w->memo[OK_CSEQ];
	const uint8_t *vv = NULL, *cv = NULL;
	size_t vvl = 0, cvl = 0;
	char *s;

	if (w->extra || w->has_cr || !taken[OK_FROM] || !taken[OK_TO] ||
	    !taken[OK_CALL_ID] ||
	    (!taken[OK_CONTACT] && w->memo[OK_CONTACT].count != 0))
		return 1;
	/* The Via and CSeq lines: each taken, absent, or one clean line. */
	if (!taken[OK_VIA] && via->count != 0 &&
	    (!via->usable || !fast_value(via, &vv, &vvl)))
		return 1;
	if (!taken[OK_CSEQ] && cseq->count != 0 &&
	    (!cseq->usable || !fast_value(cseq, &cv, &cvl)))
		return 1;
	if (fast_start_line(om, w->in, first_line_len(w), rl) != 0)
		return -1;
	if (vv != NULL) {
		osip_via_t *v = NULL;

		if ((s = ostrndup(vv, vvl)) == NULL ||
		    osip_via_init(&v) != 0 || osip_via_parse(v, s) != 0 ||
		    osip_list_add(&om->vias, v, -1) < 0)
			return -1;
	}
	if (cv != NULL) {
		int rc = scan_cseq(om, cv, cvl);

		if (rc < 0 || (rc > 0 && ((s = ostrndup(cv, cvl)) == NULL ||
		    osip_cseq_init(&om->cseq) != 0 ||
		    osip_cseq_parse(om->cseq, s) != 0)))
			return -1;
	}
	return 0;
}

/*
 * Whether libosip2 reads the start line in[0..sl) (the first line of the
 * copy) without looking past its end.  Its start line parser searches
 * the spaces with strchr() over the whole copy: a status line without a
 * reason phrase ("SIP/2.0 200") takes its reason from the next line with
 * a space, and a request line with one space its URI; an empty first
 * line is skipped.  What it reads then depends on the lines around, so
 * such a message is not parsed with an earlier message's lines taken
 * out: it is parsed whole, as sipmsg_parse() parses it.
 */
static bool
start_line_contained(const char *in, size_t sl)
{
	const char *sp1;
	size_t o;

	/*
	 * The usual shapes answered without the memchr() calls below (what
	 * they give for them): "SIP/2.0 NNN " (first SP at 7, a digit after
	 * it, a SP at 11), and a method of letters, its SP, then a line
	 * ending in " SIP/2.0" whose SP lies two bytes or more past it.
	 */
	if (sl >= 12 && memcmp(in, "SIP/2.0 ", 8) == 0 && is_digit(in[8]) &&
	    in[11] == ' ')
		return true;
	for (o = 0; o < sl && ((in[o] >= 'A' && in[o] <= 'Z') ||
	    (in[o] >= 'a' && in[o] <= 'z')); o++)
		;
	if (o > 0 && o < sl && in[o] == ' ' && sl >= 8 && sl - 8 >= o + 2 &&
	    memcmp(in + sl - 8, " SIP/2.0", 8) == 0)
		return true;
	sp1 = sl > 0 ? memchr(in, ' ', sl) : NULL;
	if (sp1 == NULL)
		return false;
	o = (size_t)(sp1 - in) + 1;
	if (sl >= 4 && memcmp(in, "SIP/", 4) == 0)
		/* A digit first: sscanf("%d") cannot skip to the next line. */
		return o < sl && is_digit(in[o]) &&
		    memchr(in + o, ' ', sl - o) != NULL;
	return o + 1 < sl && memchr(in + o + 1, ' ', sl - o - 1) != NULL;
}

/*
 * Walks the header block, lets libosip2 parse what no earlier message
 * answers for, reduces the result into a stack scratch and packs that
 * into the message's one block.  Every failure path counts one anomaly
 * (none on out-of-memory); what libosip2 allocated goes with the scratch
 * s (or with osip_message_free when the scratch is not libosip2's
 * allocator, own false).
 */
static struct sipmsg *
parse_in(struct scratch *s, bool own, const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an)
{
	struct msg_buf b;
	struct walk w;
	const struct sipmsg *use[MEMO_COUNT] = { NULL };
	const struct party_scan *scan[MEMO_COUNT] = { NULL };
	struct party_scan ps[MEMO_COUNT];
	struct via_parts vs;
	const struct via_parts *via_scanned = NULL;
	struct cseq_scan cs;
	const struct cseq_scan *cseq_scanned = NULL;
	struct req_line rl;
	bool taken[MEMO_COUNT], skip[MEMO_COUNT], contained;
	uint8_t vfp;
	struct sipmsg *m = &b.m, *out;
	osip_message_t *om = NULL;
	const uint8_t *v;
	void *sdp_room;
	size_t vl;
	int rc;

	msg_buf_init(&b, msg, len);
	/* Cleared by every anomaly counted from here on (none: quiet). */
	m->quiet = an != NULL;
	if (walk_headers(&w, s, msg, len, lend != NULL ? lend->lines : NULL) !=
	    0)
		return NULL;
	if (w.too_long) {
		anomaly_add(an, ANOMALY_SIP_LINE_TOO_LONG);
		return NULL;
	}
	m->body_off = w.body_off;
	m->body_len = len - m->body_off;
	/*
	 * A CR inside a line makes where libosip2 ends a header, or its
	 * header block, depend on the lines around: then it reads all.  The
	 * memo lines still deferred are looked at below (walk_cr), once it
	 * is known which are taken: those hold none.
	 */
	contained = !w.has_cr && start_line_contained(w.in, first_line_len(&w));
	/* A plain CSeq is read on its own, before any earlier message. */
	memset(skip, 0, sizeof(skip));
	skip[OK_CSEQ] = contained && w.memo[OK_CSEQ].usable &&
	    scan_cseq_line(&w.memo[OK_CSEQ], &cs);
	/* Once: for memo_find() and for this message's later ones. */
	vfp = w.memo[OK_VIA].usable ?
	    via_fp(w.memo[OK_VIA].line, w.memo[OK_VIA].ll) : 0;
	m->via_fp = vfp;
	if (hx_get(&w.hx, HX_CALL_ID, &v, &vl) && vl > 0) {
		m->call_id = sa_put(&b, v, vl, SIPMSG_URI_BYTES);
		if (lend != NULL && lend->prior != NULL && contained) {
			m->prior_asked = true;
			if (!memo_find(&w, m->call_id, lend, use, skip,
			    vfp)) {
				/*
				 * The caller knows it (nothing counted), if
				 * these bytes would have been asked about.
				 */
				walk_cr(&w, NULL);
				if (!w.has_cr)
					return NULL;
				contained = false;
				m->prior_asked = false;
			}
		}
	}
	/* What no earlier message answers for, the fast scan may read. */
	for (int k = 0; k < MEMO_COUNT; k++) {
		taken[k] = use[k] != NULL;
		if (taken[k] || !contained || !w.memo[k].usable)
			continue;
		if (k == OK_FROM || k == OK_TO || k == OK_CONTACT) {
			if (scan_party(&w.memo[k], &ps[k]))
				scan[k] = &ps[k];
			taken[k] = scan[k] != NULL;
		} else if (k == OK_CALL_ID) {
			taken[k] = scan_call_id(&w.memo[k]);
		} else if (k == OK_CSEQ) {
			if (skip[k])
				cseq_scanned = &cs;
			taken[k] = skip[k];
		} else if (k == OK_VIA) {
			if (scan_via(&w.memo[k], &vs))
				via_scanned = &vs;
			taken[k] = via_scanned != NULL;
		}
	}
	/*
	 * A taken line holds no CR: it is an earlier message's line, which
	 * had none (memo_off is kept only then), or a scan took it, after
	 * fast_value() found only printable bytes in its value (its name is
	 * a known one's letters, SP and HTAB around the ':').  A CR in
	 * another deferred line undoes what was taken, as if the walk had
	 * found it: nothing is then contained.
	 */
	walk_cr(&w, contained ? taken : NULL);
	if (contained && w.has_cr) {
		contained = false;
		m->prior_asked = false;
		via_scanned = NULL;
		cseq_scanned = NULL;
		for (int k = 0; k < MEMO_COUNT; k++) {
			use[k] = NULL;
			scan[k] = NULL;
			taken[k] = false;
		}
	}
	/*
	 * The prescan only with the scratch: a half-filled om is dropped.
	 * It reads the copy's start line only; the rest of the copy is
	 * made (walk_drop) only for libosip2.  Its om is a zeroed struct in
	 * the scratch, not osip_message_init()'s: that one is the same
	 * zeroes (osip_list_init zeroes a list, osip_list.h) plus the
	 * message_property extract() never reads, and cost 300 instructions
	 * a message.  Only what fast_fill() fills is read from it, and it
	 * goes with the scratch; libosip2's parse gets osip_message_init's.
	 * Of its zeroes only those fast_fill() and extract() read are
	 * written (om_clear_read): the whole struct is half a kilobyte.
	 */
	rc = 1;
	memset(&rl, 0, sizeof(rl));
	if (own) {
		if ((om = scratch_alloc(s, sizeof(*om))) == NULL)
			return NULL;
		om_clear_read(om);
		rc = fast_fill(om, &w, taken, &rl);
	}
	if (rc != 0) {
		/* Nothing of a prescan that failed is taken. */
		memset(&rl, 0, sizeof(rl));
		if (osip_message_init(&om) != 0)
			return NULL;
		walk_drop(&w, taken);
		rc = osip_message_parse(om, w.in, w.inlen);
	}
	if (rc != 0) {
		if (!own)
			osip_message_free(om);
		rc = ANOMALY_SIP_UNPARSEABLE;
	} else {
		rc = extract(&b, &w.hx, om, w.hdr_len, use, scan, via_scanned,
		    cseq_scanned, taken, &rl, w.memo, an);
		if (!own)
			osip_message_free(om);
	}
	if (rc >= 0) {
		/* Refused: what a tolerant scan still reads (sipraw.h). */
		anomaly_add(an, (enum anomaly_id)rc);
		return sipraw_parse(msg, len, lend, an);
	}
	/* The SDP is parsed in the scratch and packed once, into out. */
	sdp_room = m->body_len > 0 && w.hx.val[HX_CONTENT_TYPE] != NULL ?
	    scratch_alloc(s, sdp_scratch_size()) : NULL;
	sipmsg_body_parse(m, &w.hx, sdp_room, an);
	for (int k = 0; k < MEMO_COUNT && !w.has_cr; k++) {
		const struct memo_line *ml = &w.memo[k];

		if (ml->usable) {
			/* Both fit: len <= CAP_SIP_MSG_BYTES (65535). */
			m->memo_off[k] = (uint16_t)(ml->line - msg);
			m->memo_len[k] = (uint16_t)ml->ll;
		}
	}
	out = msg_buf_pack(&b, lend);
	if (sdp_room == NULL)
		sdp_free(m->sdp);
	return out;
}

struct sipmsg *
sipmsg_parse_with(const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an)
{
	_Alignas(SCRATCH_ALIGN) char buf[PARSE_SCRATCH_BYTES];
	struct scratch s, *saved;
	struct sipmsg *out;
	bool own;

	if (len > CAP_SIP_MSG_BYTES) {
		anomaly_add(an, ANOMALY_SIP_TOO_LARGE);
		return NULL;
	}
	if (msg == NULL || len == 0) {
		anomaly_add(an, ANOMALY_SIP_UNPARSEABLE);
		return NULL;
	}
	sipmsg_global_init();
	scratch_init(&s, buf, sizeof(buf));
	own = osip_malloc_func == osip_hook_malloc &&
	    osip_realloc_func == osip_hook_realloc &&
	    osip_free_func == osip_hook_free;
	saved = osip_scratch;
	if (own)
		osip_scratch = &s;
	out = parse_in(&s, own, msg, len, lend, an);
	osip_scratch = saved;
	scratch_fini(&s);
	return out;
}

struct sipmsg *
sipmsg_parse(const uint8_t *msg, size_t len, struct anomalies *an)
{
	return sipmsg_parse_with(msg, len, NULL, an);
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
	/*
	 * text_copy(buf, n, p, i) without its byte loop: p[0..i) lies
	 * within the strnlen() of uri, so it holds no NUL to replace.
	 */
	if (i > n - 1)
		i = n - 1;
	if (i > 0)  /* p is NULL for a NULL uri */
		memcpy(buf, p, i);
	buf[i] = '\0';
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
	if (name[1] == '\0' && (full = hdr_full_of(name[0])) == NULL)
		full = name;
	c = hdr_compact_of(full);
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
	osip_set_allocators(osip_hook_malloc, osip_hook_realloc,
	    osip_hook_free);
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
