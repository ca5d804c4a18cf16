/*
 * alg.c - SIP/SDP rewriting as a NAT's SIP ALG does it, knob by knob.
 *
 * The reference is Linux nf_nat_sip/nf_conntrack_sip (ALG-REFERENCE 1.2):
 *
 *   start line   Request-URI: IP-literal sip: URI equal to the flow's
 *                address:port (missing port = 5060) -> translated
 *   Via          top value only; sent-by must match; on the way in the
 *                received=/rport=/maddr= values are restored
 *   Contact      every value with an exact address:port match
 *   From, To     the first, on a match
 *   Call-ID, Route, Record-Route: untouched
 *   SDP          o=, session and media c= -> NAT address; m= port kept
 *                unless the public pair is busy; a=rtcp, candidates, i=
 *                untouched; at most 3 media; port < 1024 or no c= = drop
 *   Content-Length  after an SDP change = message end - start of "v="
 *
 * and the other vendors differ by the knobs of struct sim_cfg (section 2):
 * rewrite everything that has the IP whatever the port, hide the Call-ID,
 * translate Route/Record-Route, add i=, strip headers, drop by size.
 *
 * The message is copied span by span into a new buffer; a message that
 * does not frame (no end of headers, a line over the cap) is a parse
 * error.  No byte outside msg[0..len) is read; no text is assumed to be
 * NUL-terminated.  Only IPv4 and bracketed IPv6 literals are touched:
 * host names pass untranslated, as on every ALG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "base/caps.h"
#include "sip/sdp.h"
#include "ingest/sipframe.h"
#include "base/text.h"

#define SB_MAX (CAP_SIP_MSG_BYTES + 8192)

struct sb {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

static void
sb_put(struct sb *b, const void *p, size_t n)
{
	uint8_t *np;
	size_t nc;

	if (b->err || n == 0)
		return;
	if (b->len + n > SB_MAX) {
		b->err = true;
		return;
	}
	if (b->len + n > b->cap) {
		nc = b->cap ? b->cap * 2 : 1024;
		while (nc < b->len + n)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL) {
			b->err = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

struct rw {
	const struct sim_cfg *c;
	const struct alg_flow *fl;
	struct alg_result *res;
	char repl_ip[48];
	char match_ip[48];
};

static void
add_edit(struct rw *r, const char *field, const void *before, size_t bl,
    const void *after, size_t al)
{
	struct alg_edit *e;

	if (r->res->nedits >= ALG_MAX_EDITS)
		return;
	e = &r->res->edits[r->res->nedits++];
	snprintf(e->field, sizeof(e->field), "%s", field);
	text_copy(e->before, sizeof(e->before), before, bl);
	text_copy(e->after, sizeof(e->after), after, al);
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

/* Address text of e, IPv6 in brackets (as in URIs and Via). */
static void
ip_text(const struct ep *e, char *buf, size_t n, bool bracket6)
{
	char t[48];

	/* an IPv6 literal is at most 45 characters */
	ep_ip_str(e, t, sizeof(t));
	if (e->family == 6 && bracket6)
		snprintf(buf, n, "[%.45s]", t);
	else
		snprintf(buf, n, "%s", t);
}

/*
 * Parses "host[:port]" at v[0..vl): sets *hl (host bytes, brackets
 * included), *pl (bytes of ":port", 0 when absent) and *e.  Returns false
 * when the host is not an IP literal or the port is not a number.
 */
static bool
parse_hostport(const uint8_t *v, size_t vl, size_t *hl, size_t *pl,
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

/*
 * Writes the replacement for a matched host[:port]: with portmatch the
 * whole endpoint becomes repl (port written when the original had one or
 * repl's is not 5060); without, only the address changes.
 */
static void
put_repl(struct rw *r, struct sb *o, const uint8_t *host, size_t hl,
    size_t pl, bool portmatch)
{
	char buf[64];

	sb_puts(o, r->repl_ip);
	if (portmatch) {
		if (pl > 0 || r->fl->repl.port != 5060) {
			snprintf(buf, sizeof(buf), ":%u", r->fl->repl.port);
			sb_puts(o, buf);
		}
	} else
		sb_put(o, host + hl, pl);
}

static bool
ep_matches(const struct rw *r, const struct ep *e, bool portmatch)
{
	return portmatch ? ep_eq(e, &r->fl->match) : ep_same_ip(e, &r->fl->match);
}

/*
 * Copies v[0..vl) to o, translating IP-literal sip: URIs.  At most max
 * URIs are examined (1 = "first only").  Returns how many were rewritten.
 */
static int
rw_uris(struct rw *r, struct sb *o, const uint8_t *v, size_t vl, int max,
    bool portmatch, const char *field)
{
	size_t i = 0, us, ue, hs, hl, pl, k;
	int seen = 0, n = 0;
	struct ep e;
	char after[96];
	size_t mark;

	while (i < vl) {
		const uint8_t *s = text_find(v + i, vl - i, "sip:", 4);

		if (s == NULL)
			s = text_find(v + i, vl - i, "SIP:", 4);
		if (s == NULL || seen >= max)
			break;
		us = (size_t)(s - v) + 4;
		if (s > v && is_alnum(s[-1])) {
			sb_put(o, v + i, us - i);
			i = us;
			continue;
		}
		seen++;
		ue = us;
		while (ue < vl && !is_uri_end(v[ue]))
			ue++;
		hs = us;
		for (k = us; k < ue; k++)
			if (v[k] == '@')
				hs = k + 1;
		if (parse_hostport(v + hs, ue - hs, &hl, &pl, &e) &&
		    ep_matches(r, &e, portmatch)) {
			sb_put(o, v + i, hs - i);
			mark = o->len;
			put_repl(r, o, v + hs, hl, pl, portmatch);
			if (!o->err)
				text_copy(after, sizeof(after), o->p + mark,
				    o->len - mark);
			else
				after[0] = '\0';
			add_edit(r, field, v + hs, hl + pl, after, strlen(after));
			n++;
			i = hs + hl + pl;
		} else {
			sb_put(o, v + i, ue - i);
			i = ue;
		}
	}
	sb_put(o, v + i, vl - i);
	return n;
}

/* End of the comma-separated value starting at v[i] (commas in <> or "" skipped). */
static size_t
value_end(const uint8_t *v, size_t vl, size_t i)
{
	int angle = 0;
	bool quote = false;

	for (; i < vl; i++) {
		if (quote) {
			if (v[i] == '\\' && i + 1 < vl)
				i++;
			else if (v[i] == '"')
				quote = false;
		} else if (v[i] == '"')
			quote = true;
		else if (v[i] == '<')
			angle++;
		else if (v[i] == '>' && angle > 0)
			angle--;
		else if (v[i] == ',' && angle == 0)
			return i;
	}
	return vl;
}

/*
 * One Via value "SIP/2.0/UDP host:port;params": the sent-by when sentby,
 * and on inbound responses the restored parameters (K1).
 */
static void
rw_via_value(struct rw *r, struct sb *o, const uint8_t *v, size_t vl,
    bool sentby, unsigned params)
{
	size_t i = 0, hs, hl, pl, he, ps, pe, eq;
	struct ep e;
	int slashes = 0;

	/* protocol: two '/' then the transport token, then LWS */
	while (i < vl && slashes < 2) {
		if (v[i] == '/')
			slashes++;
		i++;
	}
	while (i < vl && v[i] != ' ' && v[i] != '\t')
		i++;
	while (i < vl && (v[i] == ' ' || v[i] == '\t'))
		i++;
	hs = i;
	he = hs;
	while (he < vl && v[he] != ';' && v[he] != ',' && v[he] != ' ' &&
	    v[he] != '\t')
		he++;
	if (sentby && parse_hostport(v + hs, he - hs, &hl, &pl, &e) &&
	    hl + pl == he - hs && ep_matches(r, &e, true)) {
		char after[96];
		size_t mark;

		sb_put(o, v, hs);
		mark = o->len;
		put_repl(r, o, v + hs, hl, pl, true);
		text_copy(after, sizeof(after), o->err ? (const uint8_t *)"" :
		    o->p + mark, o->err ? 0 : o->len - mark);
		add_edit(r, "Via", v + hs, he - hs, after, strlen(after));
	} else
		sb_put(o, v, he);
	i = he;
	/* parameters */
	while (i < vl) {
		if (v[i] != ';') {
			sb_put(o, v + i, 1);
			i++;
			continue;
		}
		ps = i + 1;
		pe = ps;
		while (pe < vl && v[pe] != ';')
			pe++;
		eq = ps;
		while (eq < pe && v[eq] != '=')
			eq++;
		if (eq < pe && params != 0) {
			const uint8_t *val = v + eq + 1;
			size_t vlen = pe - eq - 1;
			uint64_t port;
			struct ep pe2;
			char rep[64];

			ep_clear(&pe2);
			if ((params & VIA_PARAM_RECEIVED) &&
			    text_ieq(v + ps, eq - ps, "received") &&
			    ep_parse_ip(&pe2, (const char *)val, vlen) == 0 &&
			    ep_same_ip(&pe2, &r->fl->match)) {
				sb_put(o, v + i, eq + 1 - i);
				ip_text(&r->fl->repl, rep, sizeof(rep), false);
				sb_puts(o, rep);
				add_edit(r, "Via received", val, vlen, rep, strlen(rep));
				i = pe;
				continue;
			}
			if ((params & VIA_PARAM_MADDR) &&
			    text_ieq(v + ps, eq - ps, "maddr") &&
			    ep_parse_ip(&pe2, (const char *)val, vlen) == 0 &&
			    ep_same_ip(&pe2, &r->fl->match)) {
				sb_put(o, v + i, eq + 1 - i);
				ip_text(&r->fl->repl, rep, sizeof(rep), false);
				sb_puts(o, rep);
				add_edit(r, "Via maddr", val, vlen, rep, strlen(rep));
				i = pe;
				continue;
			}
			if ((params & VIA_PARAM_RPORT) &&
			    text_ieq(v + ps, eq - ps, "rport") &&
			    text_parse_uint(val, vlen, 65535, &port) == 0 &&
			    port == r->fl->match.port) {
				sb_put(o, v + i, eq + 1 - i);
				snprintf(rep, sizeof(rep), "%u", r->fl->repl.port);
				sb_puts(o, rep);
				add_edit(r, "Via rport", val, vlen, rep, strlen(rep));
				i = pe;
				continue;
			}
		}
		sb_put(o, v + i, pe - i);
		i = pe;
	}
}

static const char *const known_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
	NULL
};

bool
alg_method_known(const uint8_t *m, size_t len)
{
	int i;

	for (i = 0; known_methods[i] != NULL; i++)
		if (len == strlen(known_methods[i]) &&
		    memcmp(m, known_methods[i], len) == 0)
			return true;
	return false;
}

/* Headers a stripping ALG keeps (RFC 3261 section 20 and common extensions). */
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

static bool
header_known(const uint8_t *n, size_t nl)
{
	int i;

	for (i = 0; known_headers[i] != NULL; i++)
		if (text_ieq(n, nl, known_headers[i]))
			return true;
	return false;
}

static bool
hdr_is(const uint8_t *n, size_t nl, const char *name, const char *compact)
{
	return text_ieq(n, nl, name) || (compact != NULL && text_ieq(n, nl, compact));
}

/* Finds the end of the header block: sets *hdr_end (first byte of the
 * empty line) and *body_off.  Returns false when there is none. */
static bool
find_header_end(const uint8_t *m, size_t len, size_t *hdr_end, size_t *body_off)
{
	size_t i = 0;
	const uint8_t *nl;

	while (i < len) {
		nl = memchr(m + i, '\n', len - i);
		if (nl == NULL)
			return false;
		if ((size_t)(nl - (m + i)) > CAP_SIP_LINE_BYTES)
			return false;
		if (nl == m + i || (nl == m + i + 1 && m[i] == '\r')) {
			*hdr_end = i;
			*body_off = (size_t)(nl - m) + 1;
			return true;
		}
		i = (size_t)(nl - m) + 1;
	}
	return false;
}

/* True when the first URI of a Contact value names a port (C1). */
static bool
contact_has_port(const uint8_t *v, size_t vl)
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

static void
drop(struct alg_result *res, const char *why)
{
	res->action = ALG_DROP;
	snprintf(res->reason, sizeof(res->reason), "%s", why);
}

/* Offset of the "v=" line in the body, or (size_t)-1. */
static size_t
sdp_start(const uint8_t *b, size_t bl)
{
	const uint8_t *p;

	if (bl >= 2 && b[0] == 'v' && b[1] == '=')
		return 0;
	p = text_find(b, bl, "\nv=", 3);
	return p ? (size_t)(p - b) + 1 : (size_t)-1;
}

static bool
media_handled_type(const char *m)
{
	return strcmp(m, "audio") == 0 || strcmp(m, "video") == 0 ||
	    strcmp(m, "image") == 0;
}

/*
 * Rewrites the SDP at body[so..bl) into o (the bytes before so are copied
 * by the caller).  Returns 0, or -1 on a mangle failure (reason set).
 */
static int
rw_sdp(struct rw *r, struct sb *o, const uint8_t *s, size_t sl,
    alg_media_fn media_fn, void *user, bool *changed, size_t *v_out)
{
	struct sdp *sd = NULL;
	bool proc[CAP_SDP_MEDIA];
	uint16_t pub_port[CAP_SDP_MEDIA];
	char rip[CAP_SDP_MEDIA][48];   /* replacement c= address per m= line */
	const char *sess_rip = r->repl_ip; /* o= and session c= */
	struct ep from[CAP_SDP_MEDIA];  /* inbound: the public c= replaced */
	struct ep sess_from;
	bool any = false;
	int i, mi = -1;
	size_t li = 0, le, ll, start = o->len;
	char buf[128];
	const struct sim_cfg *c = r->c;

	*changed = false;
	*v_out = start;
	if (sdp_parse(s, sl, &sd, NULL) != 0 || sd == NULL) {
		snprintf(r->res->reason, sizeof(r->res->reason),
		    "SDP does not parse");
		return -1;
	}
	memset(proc, 0, sizeof(proc));
	memset(pub_port, 0, sizeof(pub_port));
	memset(rip, 0, sizeof(rip));
	memset(from, 0, sizeof(from));
	ep_clear(&sess_from);
	if (!r->fl->outbound)
		sess_rip = NULL;
	for (i = 0; i < sd->nmedia && i < CAP_SDP_MEDIA; i++) {
		const struct sdp_media *m = &sd->media[i];

		if (!media_handled_type(m->media) || m->port == 0)
			continue;
		/* K2: a handled stream with a port below 1024 or no c= is dropped. */
		if (m->port < 1024 || !m->has_conn || m->conn.family == 0) {
			snprintf(r->res->reason, sizeof(r->res->reason),
			    "SDP m=%s port %u %s (Linux drop rule)", m->media,
			    m->port, m->port < 1024 ? "below 1024" :
			    "without an IP-literal c=");
			sdp_free(sd);
			return -1;
		}
		if (!c->sdp_fixup || (uint32_t)i >= c->sdp_max_media)
			continue;
		if (!r->fl->outbound) {
			/*
			 * K2 "direct RTP": an inbound SDP announcing the public
			 * side of another inside endpoint's media pinhole is
			 * rewritten back to that endpoint's private address and
			 * port, so the two phones behind this NAT talk on the LAN.
			 * With sip_direct_media (sdp_requires_src_match) the SDP is
			 * only looked at when c= is the sender's own address.
			 */
			struct ep pub = m->conn, in;

			pub.port = m->port;
			if (!c->lan_media_shortcut || r->fl->shortcut == NULL ||
			    (c->sdp_requires_src_match &&
			    !ep_same_ip(&m->conn, &r->fl->peer)) ||
			    !r->fl->shortcut(r->fl->shortcut_user, &pub, &in) ||
			    ep_same_ip(&in, &r->fl->repl))
				continue;
			proc[i] = true;
			pub_port[i] = in.port;
			ip_text(&in, rip[i], sizeof(rip[i]), false);
			from[i] = m->conn;
			if (sess_rip == NULL) {
				sess_rip = rip[i];
				sess_from = m->conn;
			}
			any = true;
			continue;
		}
		if (c->sdp_requires_src_match && !ep_same_ip(&m->conn, &r->fl->match))
			continue;
		proc[i] = true;
		snprintf(rip[i], sizeof(rip[i]), "%s", r->repl_ip);
		pub_port[i] = m->port;
		if (media_fn != NULL) {
			pub_port[i] = media_fn(user, &m->conn);
			if (pub_port[i] == 0) {
				snprintf(r->res->reason, sizeof(r->res->reason),
				    "no free public port pair for m=%s %u",
				    m->media, m->port);
				sdp_free(sd);
				return -1;
			}
		}
		any = true;
		if (r->res->nmedia < ALG_MAX_MEDIA) {
			struct alg_media *am = &r->res->media[r->res->nmedia++];

			snprintf(am->media, sizeof(am->media), "%s", m->media);
			am->inside = m->conn;
			am->outside = r->fl->repl;
			am->outside.port = pub_port[i];
		}
	}
	/* Line by line: copy or rewrite. */
	while (li < sl) {
		const uint8_t *nl = memchr(s + li, '\n', sl - li);
		const uint8_t *l = s + li;

		le = nl ? (size_t)(nl - s) + 1 : sl;
		ll = le - li;
		/* content length of the line without CR LF */
		{
			size_t cl = ll;

			while (cl > 0 && (l[cl - 1] == '\n' || l[cl - 1] == '\r'))
				cl--;
			if (cl >= 2 && l[0] == 'm' && l[1] == '=')
				mi++;
			if (any && cl >= 2 && l[0] == 'o' && l[1] == '=' &&
			    c->rewrite_o_line) {
				/* address is the last token */
				size_t a = cl;
				struct ep e;

				while (a > 0 && l[a - 1] != ' ')
					a--;
				ep_clear(&e);
				if (a > 0 && ep_parse_ip(&e, (const char *)l + a, cl - a) == 0 &&
				    (!r->fl->outbound || !ep_same_ip(&e, &r->fl->repl))) {
					sb_put(o, l, a);
					sb_puts(o, sess_rip);
					sb_put(o, l + cl, ll - cl);
					add_edit(r, "o=", l + a, cl - a, sess_rip,
					    strlen(sess_rip));
					*changed = true;
					li = le;
					continue;
				}
			}
			if (cl >= 2 && l[0] == 'c' && l[1] == '=' &&
			    ((mi < 0 && any) || (mi >= 0 && mi < CAP_SDP_MEDIA && proc[mi]))) {
				size_t a = cl;
				struct ep e;
				const char *to = mi < 0 ? sess_rip : rip[mi];

				while (a > 0 && l[a - 1] != ' ')
					a--;
				ep_clear(&e);
				if (a > 0 && ep_parse_ip(&e, (const char *)l + a, cl - a) == 0 &&
				    (r->fl->outbound ? !ep_same_ip(&e, &r->fl->repl) &&
				    (!c->sdp_requires_src_match ||
				    ep_same_ip(&e, &r->fl->match)) :
				    ep_same_ip(&e, mi < 0 ? &sess_from : &from[mi]))) {
					sb_put(o, l, a);
					sb_puts(o, to);
					sb_put(o, l + cl, ll - cl);
					add_edit(r, "c=", l + a, cl - a, to, strlen(to));
					*changed = true;
					li = le;
					continue;
				}
			}
			if (cl >= 2 && l[0] == 'm' && l[1] == '=' &&
			    mi < CAP_SDP_MEDIA && proc[mi] &&
			    pub_port[mi] != sd->media[mi].port) {
				/* "m=audio PORT[/n] ..." */
				size_t p0 = 2, p1;

				while (p0 < cl && l[p0] != ' ')
					p0++;
				p0++;
				p1 = p0;
				while (p1 < cl && l[p1] >= '0' && l[p1] <= '9')
					p1++;
				if (p0 < cl && p1 > p0) {
					sb_put(o, l, p0);
					snprintf(buf, sizeof(buf), "%u", pub_port[mi]);
					sb_puts(o, buf);
					sb_put(o, l + p1, ll - p1);
					add_edit(r, "m=", l + p0, p1 - p0, buf, strlen(buf));
					*changed = true;
					li = le;
					continue;
				}
			}
			if (r->fl->outbound && c->rewrite_a_rtcp && cl > 7 && text_iprefix(l, cl, "a=rtcp:") &&
			    mi >= 0 && mi < CAP_SDP_MEDIA && proc[mi]) {
				/* a=rtcp:PORT [IN IP4 addr] -> public port + 1, NAT address */
				size_t p1 = 7;

				while (p1 < cl && l[p1] >= '0' && l[p1] <= '9')
					p1++;
				snprintf(buf, sizeof(buf), "a=rtcp:%u", pub_port[mi] + 1);
				sb_puts(o, buf);
				if (p1 < cl) {
					size_t a = cl;

					while (a > p1 && l[a - 1] != ' ')
						a--;
					sb_put(o, l + p1, a - p1);
					if (a > p1)
						sb_puts(o, r->repl_ip);
					else
						sb_put(o, l + p1, cl - p1);
				}
				sb_put(o, l + cl, ll - cl);
				add_edit(r, "a=rtcp", l, cl, buf, strlen(buf));
				*changed = true;
				li = le;
				continue;
			}
			if (r->fl->outbound && c->rewrite_ice && cl > 12 && text_iprefix(l, cl, "a=candidate:") &&
			    mi >= 0 && mi < CAP_SDP_MEDIA && proc[mi]) {
				/* fields: foundation comp transport prio addr port typ type */
				size_t f[8], k = 0, j = 12;
				struct ep e;

				while (j < cl && k < 8) {
					while (j < cl && l[j] == ' ')
						j++;
					f[k++] = j;
					while (j < cl && l[j] != ' ')
						j++;
				}
				ep_clear(&e);
				if (k >= 6) {
					size_t ae = f[5] - 1;

					while (ae > f[4] && l[ae - 1] == ' ')
						ae--;
					if (ep_parse_ip(&e, (const char *)l + f[4], ae - f[4]) == 0 &&
					    ep_same_ip(&e, &r->fl->match)) {
						size_t pe = f[5];

						while (pe < cl && l[pe] != ' ')
							pe++;
						sb_put(o, l, f[4]);
						sb_puts(o, r->repl_ip);
						snprintf(buf, sizeof(buf), " %u", pub_port[mi] +
						    (l[f[1]] == '2' ? 1 : 0));
						sb_puts(o, buf);
						sb_put(o, l + pe, ll - pe);
						add_edit(r, "a=candidate", l + f[4], ae - f[4],
						    r->repl_ip, strlen(r->repl_ip));
						*changed = true;
						li = le;
						continue;
					}
				}
			}
			sb_put(o, l, ll);
			if (r->fl->outbound && c->sdp_add_i_line && any && mi < 0 && cl >= 2 &&
			    l[0] == 's' && l[1] == '=') {
				/* F2/F3 nat-trace: the original address as session i=. */
				snprintf(buf, sizeof(buf), "i=%s", r->match_ip);
				sb_puts(o, buf);
				sb_put(o, l + cl, ll - cl);
				add_edit(r, "i=", "", 0, buf, strlen(buf));
				*changed = true;
			}
		}
		li = le;
	}
	sdp_free(sd);
	*v_out = start;
	return 0;
}

void
alg_result_fini(struct alg_result *res)
{
	free(res->out);
	res->out = NULL;
}

void
alg_process(const struct sim_cfg *cfg, const uint8_t *msg, size_t len,
    const struct alg_flow *fl, alg_media_fn media_fn, void *user,
    struct alg_result *res)
{
	struct rw r;
	struct sb h = { 0 }, b = { 0 };
	size_t hdr_end, body_off, i, le, ll, cl_val_at = (size_t)-1;
	size_t cl_orig_len = 0, sl_end;
	bool is_req, has_rr = false, seen_via = false, changed = false;
	bool sdp_changed = false;
	const uint8_t *sp1, *sp2;
	uint64_t cl_value = 0;
	bool cl_present = false;
	int from_done = 0, to_done = 0;
	size_t v_out = (size_t)-1;

	memset(res, 0, sizeof(*res));
	res->action = ALG_PASS;
	memset(&r, 0, sizeof(r));
	r.c = cfg;
	r.fl = fl;
	r.res = res;
	ip_text(&fl->repl, r.repl_ip, sizeof(r.repl_ip), true);
	ip_text(&fl->match, r.match_ip, sizeof(r.match_ip), false);

	if (!find_header_end(msg, len, &hdr_end, &body_off)) {
		if (cfg->drop_on_parse_error)
			drop(res, "parse error: no end of headers or a line over the cap (drop_on_parse_error)");
		else
			snprintf(res->reason, sizeof(res->reason),
			    "parse error, passed untranslated");
		return;
	}
	/* start line */
	{
		const uint8_t *nl = memchr(msg, '\n', hdr_end + 1 <= len ? hdr_end + 1 : len);

		sl_end = nl ? (size_t)(nl - msg) + 1 : hdr_end;
	}
	is_req = !text_iprefix(msg, sl_end, "SIP/");
	sp1 = memchr(msg, ' ', sl_end);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', sl_end - (size_t)(sp1 + 1 - msg)) : NULL;
	if (is_req && (sp1 == NULL || sp2 == NULL)) {
		if (cfg->drop_on_parse_error)
			drop(res, "parse error: bad request line (drop_on_parse_error)");
		return;
	}
	if (is_req && cfg->block_unknown_methods &&
	    !alg_method_known(msg, (size_t)(sp1 - msg))) {
		char why[120];

		snprintf(why, sizeof(why), "unknown method %.*s (block_unknown_methods)",
		    (int)((size_t)(sp1 - msg) < 32 ? (size_t)(sp1 - msg) : 32), msg);
		drop(res, why);
		return;
	}
	if (is_req && cfg->max_ruri_len > 0 &&
	    (size_t)(sp2 - sp1 - 1) > cfg->max_ruri_len) {
		char why[120];

		snprintf(why, sizeof(why), "Request-URI of %zu bytes > %u (max_ruri_len)",
		    (size_t)(sp2 - sp1 - 1), cfg->max_ruri_len);
		drop(res, why);
		return;
	}
	/* pre-scan: line lengths, Record-Route */
	for (i = 0; i < hdr_end; i = le) {
		const uint8_t *nl = memchr(msg + i, '\n', hdr_end - i);
		const uint8_t *colon;
		size_t line;

		le = nl ? (size_t)(nl - msg) + 1 : hdr_end;
		line = le - i;
		while (line > 0 && (msg[i + line - 1] == '\n' || msg[i + line - 1] == '\r'))
			line--;
		if (cfg->max_line_length > 0 && line > cfg->max_line_length) {
			char why[120];

			snprintf(why, sizeof(why), "header line of %zu bytes > %u (max_line_length)",
			    line, cfg->max_line_length);
			drop(res, why);
			return;
		}
		colon = memchr(msg + i, ':', line);
		if (colon != NULL) {
			const uint8_t *n = msg + i;
			size_t nlen = (size_t)(colon - n);

			text_trim(&n, &nlen);
			if (text_ieq(n, nlen, "record-route"))
				has_rr = true;
		}
	}
	if (is_req && fl->outbound && cfg->register_requires_contact_port &&
	    text_iprefix(msg, sl_end, "REGISTER ")) {
		/* C1: PAT needs the Contact port. */
		const uint8_t *v;
		size_t vl;

		if (sipframe_header(msg, hdr_end, "Contact", 'm', &v, &vl) &&
		    !contact_has_port(v, vl)) {
			drop(res, "REGISTER Contact without a port (register_requires_contact_port)");
			return;
		}
	}
	/* start line */
	if (is_req && cfg->rewrite_ruri != RW_RURI_OFF) {
		size_t a = (size_t)(sp1 - msg) + 1, e = (size_t)(sp2 - msg);

		sb_put(&h, msg, a);
		if (rw_uris(&r, &h, msg + a, e - a, 1,
		    cfg->rewrite_ruri == RW_RURI_MATCH, "Request-URI") > 0)
			changed = true;
		sb_put(&h, msg + e, sl_end - e);
	} else
		sb_put(&h, msg, sl_end);
	/* headers */
	for (i = sl_end; i < hdr_end; i = le) {
		const uint8_t *nl = memchr(msg + i, '\n', hdr_end - i);
		const uint8_t *colon, *n, *v;
		size_t nlen, vs, ve, line;

		le = nl ? (size_t)(nl - msg) + 1 : hdr_end;
		ll = le - i;
		line = ll;
		while (line > 0 && (msg[i + line - 1] == '\n' || msg[i + line - 1] == '\r'))
			line--;
		colon = memchr(msg + i, ':', line);
		if (colon == NULL || msg[i] == ' ' || msg[i] == '\t') {
			sb_put(&h, msg + i, ll);
			continue;
		}
		n = msg + i;
		nlen = (size_t)(colon - n);
		text_trim(&n, &nlen);
		vs = (size_t)(colon - msg) + 1;
		ve = i + line;
		v = msg + vs;
		if (cfg->strip_unknown_headers && !header_known(n, nlen)) {
			add_edit(&r, "stripped", n, nlen, "", 0);
			changed = true;
			continue;
		}
		if (hdr_is(n, nlen, "via", "v") && cfg->rewrite_via != RW_VIA_OFF) {
			size_t j = 0, vend, vl2 = ve - vs;
			size_t mark = h.len;

			sb_put(&h, msg + i, vs - i);
			while (j <= vl2) {
				bool first = !seen_via;

				vend = value_end(v, vl2, j);
				rw_via_value(&r, &h, v + j, vend - j,
				    first || cfg->rewrite_via == RW_VIA_ALL,
				    first && !fl->outbound ? cfg->rewrite_via_params : 0);
				seen_via = true;
				if (vend < vl2)
					sb_put(&h, v + vend, 1);
				j = vend + 1;
			}
			sb_put(&h, msg + ve, le - ve);
			if (!h.err && (h.len - mark != ll ||
			    memcmp(h.p + mark, msg + i, ll) != 0))
				changed = true;
			continue;
		}
		if (hdr_is(n, nlen, "via", "v"))
			seen_via = true;
		if (hdr_is(n, nlen, "contact", "m") &&
		    cfg->rewrite_contact != RW_CONTACT_OFF &&
		    !(has_rr && !cfg->contact_fixup)) {
			sb_put(&h, msg + i, vs - i);
			if (rw_uris(&r, &h, v, ve - vs,
			    cfg->rewrite_contact == RW_CONTACT_FIRST ? 1 : 64,
			    cfg->require_port_match, "Contact") > 0)
				changed = true;
			sb_put(&h, msg + ve, le - ve);
			continue;
		}
		if ((hdr_is(n, nlen, "from", "f") && !from_done) ||
		    (hdr_is(n, nlen, "to", "t") && !to_done)) {
			bool isfrom = hdr_is(n, nlen, "from", "f");

			if (isfrom)
				from_done = 1;
			else
				to_done = 1;
			if (cfg->rewrite_from_to != RW_FROMTO_OFF) {
				sb_put(&h, msg + i, vs - i);
				if (rw_uris(&r, &h, v, ve - vs, 1,
				    cfg->rewrite_from_to == RW_FROMTO_FIRST &&
				    cfg->require_port_match,
				    isfrom ? "From" : "To") > 0)
					changed = true;
				sb_put(&h, msg + ve, le - ve);
				continue;
			}
		}
		if (hdr_is(n, nlen, "call-id", "i") && cfg->rewrite_call_id) {
			/* Call-ID hiding (J1/F1): the address text is replaced. */
			const uint8_t *hit;
			size_t ml = strlen(r.match_ip), j = 0, vl2 = ve - vs;
			bool any = false;

			sb_put(&h, msg + i, vs - i);
			while (ml > 0 && j < vl2 &&
			    (hit = text_find(v + j, vl2 - j, r.match_ip, ml)) != NULL) {
				size_t at = (size_t)(hit - v);
				char rip[48];

				/* whole address only: no digit on either side */
				if ((at > 0 && v[at - 1] >= '0' && v[at - 1] <= '9') ||
				    (at + ml < vl2 && v[at + ml] >= '0' && v[at + ml] <= '9')) {
					sb_put(&h, v + j, at + ml - j);
					j = at + ml;
					continue;
				}
				ip_text(&fl->repl, rip, sizeof(rip), false);
				sb_put(&h, v + j, at - j);
				sb_puts(&h, rip);
				j = at + ml;
				any = true;
			}
			sb_put(&h, v + j, vl2 - j);
			sb_put(&h, msg + ve, le - ve);
			if (any) {
				add_edit(&r, "Call-ID", v, vl2, "(address replaced)", 18);
				changed = true;
			}
			continue;
		}
		if ((hdr_is(n, nlen, "route", NULL) ||
		    hdr_is(n, nlen, "record-route", NULL)) && cfg->rewrite_route_rr) {
			sb_put(&h, msg + i, vs - i);
			if (rw_uris(&r, &h, v, ve - vs, 64, cfg->require_port_match,
			    hdr_is(n, nlen, "route", NULL) ? "Route" : "Record-Route") > 0)
				changed = true;
			sb_put(&h, msg + ve, le - ve);
			continue;
		}
		if (hdr_is(n, nlen, "content-length", "l") && !cl_present) {
			const uint8_t *cv = v;
			size_t cvl = ve - vs;

			text_trim(&cv, &cvl);
			cl_present = true;
			if (text_parse_uint(cv, cvl, 0xffffffffu, &cl_value) != 0)
				cl_value = (uint64_t)-1;
			sb_put(&h, msg + i, (size_t)(cv - msg) - i);
			cl_val_at = h.len;
			cl_orig_len = cvl;
			sb_put(&h, cv, cvl);
			sb_put(&h, cv + cvl, le - (size_t)(cv + cvl - msg));
			continue;
		}
		sb_put(&h, msg + i, ll);
	}
	/* the empty line */
	sb_put(&h, msg + hdr_end, body_off - hdr_end);

	/* body */
	if (body_off < len) {
		const uint8_t *bd = msg + body_off;
		size_t bl = len - body_off, so = sdp_start(bd, bl);

		if (so != (size_t)-1) {
			sb_put(&b, bd, so);
			if (rw_sdp(&r, &b, bd + so, bl - so, media_fn, user,
			    &sdp_changed, &v_out) != 0) {
				free(h.p);
				free(b.p);
				res->nmedia = 0;
				if (cfg->drop_on_parse_error) {
					char why[240];

					snprintf(why, sizeof(why), "%.180s (drop_on_parse_error)",
					    res->reason);
					drop(res, why);
				} else {
					res->action = ALG_PASS;
					res->nedits = 0;
				}
				return;
			}
		} else
			sb_put(&b, bd, bl);
	}
	if (h.err || b.err) {
		free(h.p);
		free(b.p);
		drop(res, "rewritten message over the size cap");
		return;
	}
	res->sdp_rewritten = sdp_changed;
	if (sdp_changed)
		changed = true;
	if (!changed) {
		free(h.p);
		free(b.p);
		/* media stay reported: the pinholes open even without a rewrite */
		res->cl_wrong = cl_present && cl_value != len - body_off;
		return;
	}
	/* Content-Length (K1): only an SDP change touches it. */
	{
		struct sb out = { 0 };
		char clbuf[24];
		uint64_t newcl = cl_value;

		if (sdp_changed && cl_val_at != (size_t)-1) {
			if (cfg->content_length == CL_RECOMPUTE_FROM_V)
				newcl = b.len - v_out;
			else if (cfg->content_length == CL_EXACT)
				newcl = b.len;
		}
		if (cl_val_at != (size_t)-1 && newcl != cl_value) {
			snprintf(clbuf, sizeof(clbuf), "%llu", (unsigned long long)newcl);
			sb_put(&out, h.p, cl_val_at);
			sb_puts(&out, clbuf);
			sb_put(&out, h.p + cl_val_at + cl_orig_len,
			    h.len - cl_val_at - cl_orig_len);
			res->cl_changed = true;
			{
				char before[24];

				snprintf(before, sizeof(before), "%llu",
				    (unsigned long long)cl_value);
				add_edit(&r, "Content-Length", before, strlen(before),
				    clbuf, strlen(clbuf));
			}
		} else
			sb_put(&out, h.p, h.len);
		sb_put(&out, b.p, b.len);
		free(h.p);
		free(b.p);
		if (out.err) {
			free(out.p);
			drop(res, "rewritten message over the size cap");
			return;
		}
		res->cl_wrong = cl_present && newcl != b.len;
		res->action = ALG_REWRITTEN;
		res->out = out.p;
		res->out_len = out.len;
	}
}
