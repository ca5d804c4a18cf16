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
 * Which header is which field, and what each profile does to each field,
 * is the library's (alg/algrule.h), shared with the inside/outside diff
 * that recognises profiles; here is one rewriter per field (rewriters[])
 * and one per SDP line type (sdp_rows[]).  A message goes through four
 * steps: the drop rules (drop_rules), the start line and the headers,
 * the SDP body, then the Content-Length (finish).
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
#include "alg/algrule.h"
#include "base/caps.h"
#include "base/htab.h"
#include "sip/sdp.h"
#include "ingest/sipframe.h"
#include "base/text.h"
#include "bytes.h"

/* One message going through the ALG. */
struct rw {
	const struct sim_cfg *c;
	const struct alg_flow *fl;
	struct alg_result *res;
	char repl_ip[48];
	char match_ip[48];
	bool has_rr;              /* the message carries Record-Route */
	bool unknown_start;       /* leading CRLFs, leading_crlf headers_only */
	bool seen_via;            /* a Via value was met: the next is not the top one */
	bool cl_present;          /* the first Content-Length, its value, and */
	uint64_t cl_value;        /* where that value sits in the new headers */
	size_t cl_val_at, cl_orig_len;
};

/* Where the parts of the message are (drop_rules finds them). */
struct mframe {
	size_t hdr_end;           /* first byte of the empty line */
	size_t body_off;
	size_t sl_end;            /* past the start line's LF */
	bool is_req;
	const uint8_t *sp1, *sp2; /* the request line's two blanks */
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
 * Writes the replacement for a matched host[:port]: with portmatch the
 * whole endpoint becomes repl (port written when the original had one or
 * repl's is not 5060); without, only the address changes.
 */
static void
put_repl(struct rw *r, struct bytes *o, const uint8_t *host, size_t hl,
    size_t pl, bool portmatch)
{
	char buf[64];

	bytes_puts(o, r->repl_ip);
	if (portmatch) {
		if (pl > 0 || r->fl->repl.port != 5060) {
			snprintf(buf, sizeof(buf), ":%u", r->fl->repl.port);
			bytes_puts(o, buf);
		}
	} else
		bytes_put(o, host + hl, pl);
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
rw_uris(struct rw *r, struct bytes *o, const uint8_t *v, size_t vl, int max,
    bool portmatch, const char *field)
{
	struct algrule_uri u;
	size_t i = 0, hl, pl;
	int seen = 0, n = 0;
	struct ep e;
	char after[96];
	size_t mark;

	while (seen < max && algrule_uri_find(v, vl, i, &u)) {
		seen++;
		if (algrule_hostport(v + u.host, u.end - u.host, &hl, &pl, &e) &&
		    ep_matches(r, &e, portmatch)) {
			bytes_put(o, v + i, u.host - i);
			mark = o->len;
			put_repl(r, o, v + u.host, hl, pl, portmatch);
			if (!o->err)
				text_copy(after, sizeof(after), o->p + mark,
				    o->len - mark);
			else
				after[0] = '\0';
			add_edit(r, field, v + u.host, hl + pl, after,
			    strlen(after));
			n++;
			i = u.host + hl + pl;
		} else {
			bytes_put(o, v + i, u.end - i);
			i = u.end;
		}
	}
	bytes_put(o, v + i, vl - i);
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
 * Restores one Via parameter v[ps..pe) ("name=value", the '=' at eq) on an
 * inbound response when params allows it and the value is the flow's
 * public address (received, maddr) or port (rport).  Writes v[i..pe) and
 * returns true, or writes nothing and returns false.
 */
static bool
rw_via_param(struct rw *r, struct bytes *o, const uint8_t *v, size_t i,
    size_t ps, size_t eq, size_t pe, unsigned params)
{
	static const struct {
		unsigned bit;
		const char *name, *edit;
		bool is_port;
	} vp[] = {
		{ VIA_PARAM_RECEIVED, "received", "Via received", false },
		{ VIA_PARAM_MADDR, "maddr", "Via maddr", false },
		{ VIA_PARAM_RPORT, "rport", "Via rport", true },
	};
	const uint8_t *val = v + eq + 1;
	size_t vlen = pe - eq - 1;
	char rep[64];

	for (size_t k = 0; k < sizeof(vp) / sizeof(vp[0]); k++) {
		struct ep pe2;
		uint64_t port;

		if (!(params & vp[k].bit) || !text_ieq(v + ps, eq - ps, vp[k].name))
			continue;
		ep_clear(&pe2);
		if (vp[k].is_port ? text_parse_uint(val, vlen, 65535, &port) != 0 ||
		    port != r->fl->match.port :
		    ep_parse_ip(&pe2, (const char *)val, vlen) != 0 ||
		    !ep_same_ip(&pe2, &r->fl->match))
			continue;
		bytes_put(o, v + i, eq + 1 - i);
		if (vp[k].is_port)
			snprintf(rep, sizeof(rep), "%u", r->fl->repl.port);
		else
			ip_text(&r->fl->repl, rep, sizeof(rep), false);
		bytes_puts(o, rep);
		add_edit(r, vp[k].edit, val, vlen, rep, strlen(rep));
		return true;
	}
	return false;
}

/*
 * One Via value "SIP/2.0/UDP host:port;params": the sent-by when sentby,
 * and on inbound responses the restored parameters (K1).
 */
static void
rw_via_value(struct rw *r, struct bytes *o, const uint8_t *v, size_t vl,
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
	if (sentby && algrule_hostport(v + hs, he - hs, &hl, &pl, &e) &&
	    hl + pl == he - hs && ep_matches(r, &e, true)) {
		char after[96];
		size_t mark;

		bytes_put(o, v, hs);
		mark = o->len;
		put_repl(r, o, v + hs, hl, pl, true);
		text_copy(after, sizeof(after), o->err ? (const uint8_t *)"" :
		    o->p + mark, o->err ? 0 : o->len - mark);
		add_edit(r, "Via", v + hs, he - hs, after, strlen(after));
	} else
		bytes_put(o, v, he);
	i = he;
	/* parameters */
	while (i < vl) {
		if (v[i] != ';') {
			bytes_put(o, v + i, 1);
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
		if (eq < pe && params != 0 &&
		    rw_via_param(r, o, v, i, ps, eq, pe, params)) {
			i = pe;
			continue;
		}
		bytes_put(o, v + i, pe - i);
		i = pe;
	}
}

/* ---- headers: one rewriter per field ---------------------------------- */

/*
 * One header line of the message: p[0..ll) with its line end, the value
 * at p[vs..ve) (after the colon, up to the line end).
 */
struct hline {
	const uint8_t *p;
	size_t ll, vs, ve;
};

/*
 * A field's rewriter: writes header line l to h, its value rewritten by
 * rule, and returns true when the line changed.
 */
typedef bool (*rewriter_fn)(struct rw *r, struct bytes *h, const struct hline *l,
    const struct algrule *rule, enum algrule_field f);

/* Via: each value, the top one (or all) translated; inbound params restored. */
static bool
rw_via(struct rw *r, struct bytes *h, const struct hline *l,
    const struct algrule *rule, enum algrule_field f)
{
	const uint8_t *v = l->p + l->vs;
	size_t j = 0, vend, vl = l->ve - l->vs, mark = h->len;

	(void)f;
	bytes_put(h, l->p, l->vs);
	while (j <= vl) {
		bool first = !r->seen_via;

		vend = value_end(v, vl, j);
		rw_via_value(r, h, v + j, vend - j, first || rule->all_values,
		    first && !r->fl->outbound ? rule->via_params : 0);
		r->seen_via = true;
		if (vend < vl)
			bytes_put(h, v + vend, 1);
		j = vend + 1;
	}
	bytes_put(h, l->p + l->ve, l->ll - l->ve);
	return !h->err && (h->len - mark != l->ll ||
	    memcmp(h->p + mark, l->p, l->ll) != 0);
}

/* Contact, From, To, Route, Record-Route: the sip: URIs of the value. */
static bool
rw_uri_header(struct rw *r, struct bytes *h, const struct hline *l,
    const struct algrule *rule, enum algrule_field f)
{
	static const char *const edit_name[ALGRULE_NFIELDS] = {
		[ALGRULE_CONTACT] = "Contact", [ALGRULE_FROM] = "From",
		[ALGRULE_TO] = "To", [ALGRULE_ROUTE] = "Route",
		[ALGRULE_RECORD_ROUTE] = "Record-Route",
	};
	int n;

	bytes_put(h, l->p, l->vs);
	n = rw_uris(r, h, l->p + l->vs, l->ve - l->vs, rule->max_uris,
	    rule->port_match, edit_name[f]);
	bytes_put(h, l->p + l->ve, l->ll - l->ve);
	return n > 0;
}

/* ---- Call-ID hiding: the run's table ----------------------------------- */

#define CIDS_BUCKETS 4096u

struct cid_ent {
	uint32_t next[2];         /* chains by inside (0) and outside (1) form */
	char id[2][256];          /* inside, outside */
};

struct alg_cids {
	uint32_t head[2][CIDS_BUCKETS];
	struct cid_ent *e;
	size_t n, cap;
};

static uint32_t
cids_bucket(const char *id, size_t idl)
{
	/* keyed (htab.h): a capture cannot choose Call-IDs of one chain */
	return (uint32_t)(htab_hash(id, idl, HTAB_SEED) & (CIDS_BUCKETS - 1));
}

struct alg_cids *
alg_cids_new(void)
{
	struct alg_cids *t = calloc(1, sizeof(*t));

	if (t != NULL)
		memset(t->head, 0xff, sizeof(t->head));
	return t;
}

void
alg_cids_free(struct alg_cids *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

const char *
alg_cids_find(const struct alg_cids *t, const char *id, size_t idl, bool out)
{
	int k = out ? 1 : 0;
	uint32_t i;

	if (t == NULL || idl >= sizeof(t->e[0].id[0]))
		return NULL;
	for (i = t->head[k][cids_bucket(id, idl)]; i != UINT32_MAX;
	    i = t->e[i].next[k])
		if (strlen(t->e[i].id[k]) == idl && memcmp(t->e[i].id[k], id, idl) == 0)
			return t->e[i].id[!k];
	return NULL;
}

/* Notes inside Call-ID in as hidden as out (both trimmed); full: skipped. */
static void
cids_add(struct alg_cids *t, const uint8_t *in, size_t inl, const uint8_t *out,
    size_t outl)
{
	struct cid_ent *e;
	uint32_t b;

	if (t == NULL || inl >= sizeof(e->id[0]) || outl >= sizeof(e->id[0]) ||
	    alg_cids_find(t, (const char *)in, inl, false) != NULL ||
	    t->n >= CAP_DIALOGS)
		return;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct cid_ent *ne = realloc(t->e, nc * sizeof(*ne));

		if (ne == NULL)
			return;
		t->e = ne;
		t->cap = nc;
	}
	e = &t->e[t->n];
	memcpy(e->id[0], in, inl);
	e->id[0][inl] = '\0';
	memcpy(e->id[1], out, outl);
	e->id[1][outl] = '\0';
	b = cids_bucket(e->id[0], inl);
	e->next[0] = t->head[0][b];
	t->head[0][b] = (uint32_t)t->n;
	b = cids_bucket(e->id[1], outl);
	e->next[1] = t->head[1][b];
	t->head[1][b] = (uint32_t)t->n;
	t->n++;
}

/*
 * Length of the address at v[at..vl) the Call-ID hiding replaces, 0 when
 * none: the flow's own match address as a whole (no digit on either side),
 * or, outbound, any IPv4 literal of an inside host of the NAT (fl->inside).
 */
static size_t
cid_addr_at(const struct rw *r, const uint8_t *v, size_t vl, size_t at)
{
	size_t ml = strlen(r->match_ip), e;
	struct ep ip;

	memset(&ip, 0, sizeof(ip));
	if (at > 0 && v[at - 1] >= '0' && v[at - 1] <= '9')
		return 0;
	if (ml > 0 && vl - at >= ml && memcmp(v + at, r->match_ip, ml) == 0 &&
	    !(at + ml < vl && v[at + ml] >= '0' && v[at + ml] <= '9'))
		return ml;
	if (!r->fl->outbound || r->fl->inside == NULL || v[at] < '0' ||
	    v[at] > '9' || (at > 0 && v[at - 1] == '.'))
		return 0;
	for (e = at; e < vl && ((v[e] >= '0' && v[e] <= '9') || v[e] == '.'); e++)
		;
	while (e > at && v[e - 1] == '.')
		e--;
	if (ep_parse_ip(&ip, (const char *)v + at, e - at) != 0 || ip.family != 4 ||
	    !r->fl->inside(r->fl->inside_user, &ip))
		return 0;
	return e - at;
}

/*
 * Call-ID hiding (J1/F1): the inside address text is replaced wherever it
 * is (the flow's own, and outbound any inside host's: a proxy forwards one
 * phone's Call-ID to another).  A Call-ID the run's table knows gets its
 * one form (inside to outside outbound, back inbound); a new rewrite is
 * noted in the table.
 */
static bool
rw_call_id(struct rw *r, struct bytes *h, const struct hline *l,
    const struct algrule *rule, enum algrule_field f)
{
	const uint8_t *v = l->p + l->vs, *tv = v;
	size_t j = 0, vl = l->ve - l->vs, tvl = vl, mark;
	const char *known;
	char rip[48];
	bool any = false;

	(void)rule;
	(void)f;
	text_trim(&tv, &tvl);
	bytes_put(h, l->p, l->vs);
	mark = h->len;
	known = alg_cids_find(r->fl->cids, (const char *)tv, tvl, !r->fl->outbound);
	if (known != NULL) {
		bytes_put(h, v, (size_t)(tv - v));
		bytes_puts(h, known);
		bytes_put(h, tv + tvl, vl - (size_t)(tv - v) - tvl);
		any = strlen(known) != tvl || memcmp(known, tv, tvl) != 0;
	} else {
		ip_text(&r->fl->repl, rip, sizeof(rip), false);
		while (j < vl) {
			size_t at = j, al = 0;

			while (at < vl && (al = cid_addr_at(r, v, vl, at)) == 0)
				at++;
			bytes_put(h, v + j, at - j);
			if (at == vl)
				break;
			bytes_puts(h, rip);
			j = at + al;
			any = true;
		}
		if (any && r->fl->outbound && !h->err) {
			const uint8_t *o = h->p + mark;
			size_t ol = h->len - mark;

			text_trim(&o, &ol);
			cids_add(r->fl->cids, tv, tvl, o, ol);
		}
	}
	bytes_put(h, l->p + l->ve, l->ll - l->ve);
	if (any)
		add_edit(r, "Call-ID", v, vl, "(address replaced)", 18);
	return any;
}

/*
 * Content-Length: copied, its value's place in h noted for finish() (only
 * an SDP change rewrites it, K1).
 */
static bool
rw_content_length(struct rw *r, struct bytes *h, const struct hline *l,
    const struct algrule *rule, enum algrule_field f)
{
	const uint8_t *cv = l->p + l->vs;
	size_t cvl = l->ve - l->vs;

	(void)rule;
	(void)f;
	text_trim(&cv, &cvl);
	r->cl_present = true;
	if (text_parse_uint(cv, cvl, 0xffffffffu, &r->cl_value) != 0)
		r->cl_value = (uint64_t)-1;
	bytes_put(h, l->p, (size_t)(cv - l->p));
	r->cl_val_at = h->len;
	r->cl_orig_len = cvl;
	bytes_put(h, cv, cvl);
	bytes_put(h, cv + cvl, l->ll - (size_t)(cv + cvl - l->p));
	return false;
}

/* The rewriter of each field (the Request-URI is the start line's). */
static const rewriter_fn rewriters[ALGRULE_NFIELDS] = {
	[ALGRULE_VIA] = rw_via,
	[ALGRULE_CONTACT] = rw_uri_header,
	[ALGRULE_FROM] = rw_uri_header,
	[ALGRULE_TO] = rw_uri_header,
	[ALGRULE_CALL_ID] = rw_call_id,
	[ALGRULE_ROUTE] = rw_uri_header,
	[ALGRULE_RECORD_ROUTE] = rw_uri_header,
	[ALGRULE_CONTENT_LENGTH] = rw_content_length,
};

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

static void
drop(struct alg_result *res, const char *why)
{
	res->action = ALG_DROP;
	snprintf(res->reason, sizeof(res->reason), "%s", why);
}

/* ---- SDP: one rewriter per line type ---------------------------------- */

static bool
media_handled_type(const char *m)
{
	return strcmp(m, "audio") == 0 || strcmp(m, "video") == 0 ||
	    strcmp(m, "image") == 0;
}

/* What the ALG decided for one SDP, and where the line loop is. */
struct sdpx {
	struct rw *r;
	struct bytes *o;
	const struct sdp *sd;
	bool proc[CAP_SDP_MEDIA];       /* media section handled */
	uint16_t pub_port[CAP_SDP_MEDIA];
	char rip[CAP_SDP_MEDIA][48];    /* replacement c= address per m= line */
	const char *sess_rip;           /* o= and session c= */
	struct ep from[CAP_SDP_MEDIA];  /* inbound: the public c= replaced */
	struct ep sess_from;
	char last_rip[48];              /* sdp_session last_media: the last handled */
	bool have_last;                 /* m= line's media address after the ALG */
	bool any;                       /* some media section handled */
	int mi;                         /* current media section, -1 session */
	bool changed;
};

/*
 * Decides, media section by media section, what the ALG does (K2 drop
 * rule, sdp_fixup, sdp_max_media, the outbound translation and its
 * public port, the inbound LAN shortcut).  Returns 0, or -1 on a mangle
 * failure (reason set).
 */
static int
sdp_plan(struct sdpx *x, alg_media_fn media_fn, void *user)
{
	struct rw *r = x->r;
	const struct sim_cfg *c = r->c;
	int i;

	for (i = 0; i < x->sd->nmedia && i < CAP_SDP_MEDIA; i++) {
		const struct sdp_media *m = &x->sd->media[i];

		if (!media_handled_type(m->media) || m->port == 0)
			continue;
		/* K2: a handled stream with a port below 1024 or no c= is dropped. */
		if (m->port < 1024 || !m->has_conn || m->conn.family == 0) {
			snprintf(r->res->reason, sizeof(r->res->reason),
			    "SDP m=%s port %u %s (Linux drop rule)", m->media,
			    m->port, m->port < 1024 ? "below 1024" :
			    "without an IP-literal c=");
			return -1;
		}
		if (!c->sdp_fixup || (uint32_t)i >= c->sdp_max_media)
			continue;
		/* its own address, until the translation below replaces it */
		ip_text(&m->conn, x->last_rip, sizeof(x->last_rip), false);
		x->have_last = true;
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
			x->proc[i] = true;
			x->pub_port[i] = in.port;
			ip_text(&in, x->rip[i], sizeof(x->rip[i]), false);
			snprintf(x->last_rip, sizeof(x->last_rip), "%s", x->rip[i]);
			x->from[i] = m->conn;
			if (x->sess_rip == NULL) {
				x->sess_rip = x->rip[i];
				x->sess_from = m->conn;
			}
			x->any = true;
			continue;
		}
		if (c->sdp_requires_src_match && !ep_same_ip(&m->conn, &r->fl->match))
			continue;
		x->proc[i] = true;
		snprintf(x->rip[i], sizeof(x->rip[i]), "%s", r->repl_ip);
		snprintf(x->last_rip, sizeof(x->last_rip), "%s", r->repl_ip);
		x->pub_port[i] = m->port;
		if (media_fn != NULL) {
			x->pub_port[i] = media_fn(user, &m->conn);
			if (x->pub_port[i] == 0) {
				snprintf(r->res->reason, sizeof(r->res->reason),
				    "no free public port pair for m=%s %u",
				    m->media, m->port);
				return -1;
			}
		}
		x->any = true;
		if (r->res->nmedia < ALG_MAX_MEDIA) {
			struct alg_media *am = &r->res->media[r->res->nmedia++];

			snprintf(am->media, sizeof(am->media), "%s", m->media);
			am->inside = m->conn;
			am->outside = r->fl->repl;
			am->outside.port = x->pub_port[i];
		}
	}
	return 0;
}

/* True when media section x->mi exists and is handled. */
static bool
sdp_cur(const struct sdpx *x)
{
	return x->mi >= 0 && x->mi < CAP_SDP_MEDIA && x->proc[x->mi];
}

/* Offset of the last blank-separated token of l[0..cl). */
static size_t
last_token(const uint8_t *l, size_t cl)
{
	size_t a = cl;

	while (a > 0 && l[a - 1] != ' ')
		a--;
	return a;
}

/* Writes l[0..a) + to + the line end l[cl..ll), and notes the edit. */
static void
sdp_replace_tail(struct sdpx *x, const char *edit, const uint8_t *l,
    size_t a, size_t cl, size_t ll, const char *to)
{
	bytes_put(x->o, l, a);
	bytes_puts(x->o, to);
	bytes_put(x->o, l + cl, ll - cl);
	add_edit(x->r, edit, l + a, cl - a, to, strlen(to));
	x->changed = true;
}

/*
 * The SDP line rewriters: l[0..cl) is the line without its end, l[0..ll)
 * with it.  Each writes the line and returns true, or writes nothing and
 * returns false (the line is then copied as it is).
 */

/*
 * sdp_session last_media (Linux): o= and the session c= become the last
 * handled m= line's media address after the ALG, in every SDP, both ways
 * (process_sdp() hands its last rtp_addr to nf_nat_sdp_session(), which
 * mangles o= and the session c= whatever they held).  Writes the line and
 * returns true when it changes; false leaves it to the caller.
 */
static bool
sdp_session_last(struct sdpx *x, const char *edit, const uint8_t *l, size_t cl,
    size_t ll)
{
	size_t a = last_token(l, cl);
	struct ep e;

	ep_clear(&e);
	if (!x->have_last || a == 0 ||
	    ep_parse_ip(&e, (const char *)l + a, cl - a) != 0 ||
	    (cl - a == strlen(x->last_rip) &&
	    memcmp(l + a, x->last_rip, cl - a) == 0))
		return false;
	sdp_replace_tail(x, edit, l, a, cl, ll, x->last_rip);
	return true;
}

/* o=: the origin address -> the session replacement (rewrite_o_line). */
static bool
sdp_o(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	const struct alg_flow *fl = x->r->fl;
	size_t a = last_token(l, cl);
	struct ep e;

	if (!x->r->c->rewrite_o_line)
		return false;
	if (x->r->c->sdp_session == SDPSESS_LAST_MEDIA)
		return sdp_session_last(x, "o=", l, cl, ll);
	if (!x->any)
		return false;
	ep_clear(&e);
	if (a == 0 || ep_parse_ip(&e, (const char *)l + a, cl - a) != 0 ||
	    (fl->outbound && ep_same_ip(&e, &fl->repl)))
		return false;
	sdp_replace_tail(x, "o=", l, a, cl, ll, x->sess_rip);
	return true;
}

/* c=: session (when any section is handled) or a handled section's. */
static bool
sdp_c(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	const struct alg_flow *fl = x->r->fl;
	size_t a = last_token(l, cl);
	struct ep e;
	bool ok;

	if (x->mi < 0 && x->r->c->sdp_session == SDPSESS_LAST_MEDIA)
		return sdp_session_last(x, "c=", l, cl, ll);
	if (!((x->mi < 0 && x->any) || sdp_cur(x)))
		return false;
	ep_clear(&e);
	if (a == 0 || ep_parse_ip(&e, (const char *)l + a, cl - a) != 0)
		return false;
	if (fl->outbound)
		ok = !ep_same_ip(&e, &fl->repl) &&
		    (!x->r->c->sdp_requires_src_match ||
		    ep_same_ip(&e, &fl->match));
	else
		ok = ep_same_ip(&e, x->mi < 0 ? &x->sess_from : &x->from[x->mi]);
	if (!ok)
		return false;
	sdp_replace_tail(x, "c=", l, a, cl, ll,
	    x->mi < 0 ? x->sess_rip : x->rip[x->mi]);
	return true;
}

/* m=: the port, when the public one differs ("m=audio PORT[/n] ..."). */
static bool
sdp_m(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	size_t p0 = 2, p1;
	char buf[16];

	if (x->mi >= CAP_SDP_MEDIA || !x->proc[x->mi] ||
	    x->pub_port[x->mi] == x->sd->media[x->mi].port)
		return false;
	while (p0 < cl && l[p0] != ' ')
		p0++;
	p0++;
	p1 = p0;
	while (p1 < cl && l[p1] >= '0' && l[p1] <= '9')
		p1++;
	if (p0 >= cl || p1 <= p0)
		return false;
	bytes_put(x->o, l, p0);
	snprintf(buf, sizeof(buf), "%u", x->pub_port[x->mi]);
	bytes_puts(x->o, buf);
	bytes_put(x->o, l + p1, ll - p1);
	add_edit(x->r, "m=", l + p0, p1 - p0, buf, strlen(buf));
	x->changed = true;
	return true;
}

/* a=rtcp:PORT [IN IP4 addr] -> public port + 1, NAT address (rewrite_a_rtcp). */
static bool
sdp_rtcp(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	struct rw *r = x->r;
	size_t p1 = 7;
	char buf[32];

	if (!r->fl->outbound || !r->c->rewrite_a_rtcp || !sdp_cur(x))
		return false;
	while (p1 < cl && l[p1] >= '0' && l[p1] <= '9')
		p1++;
	snprintf(buf, sizeof(buf), "a=rtcp:%u", x->pub_port[x->mi] + 1);
	bytes_puts(x->o, buf);
	if (p1 < cl) {
		size_t a = cl;

		while (a > p1 && l[a - 1] != ' ')
			a--;
		bytes_put(x->o, l + p1, a - p1);
		if (a > p1)
			bytes_puts(x->o, r->repl_ip);
		else
			bytes_put(x->o, l + p1, cl - p1);
	}
	bytes_put(x->o, l + cl, ll - cl);
	add_edit(r, "a=rtcp", l, cl, buf, strlen(buf));
	x->changed = true;
	return true;
}

/* a=candidate host address and port -> public (rewrite_ice). */
static bool
sdp_ice(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	struct rw *r = x->r;
	/* fields: foundation comp transport prio addr port typ type */
	size_t f[8], k = 0, j = 12, ae, pe;
	struct ep e;
	char buf[16];

	if (!r->fl->outbound || !r->c->rewrite_ice || !sdp_cur(x))
		return false;
	while (j < cl && k < 8) {
		while (j < cl && l[j] == ' ')
			j++;
		f[k++] = j;
		while (j < cl && l[j] != ' ')
			j++;
	}
	if (k < 6)
		return false;
	ae = f[5] - 1;
	while (ae > f[4] && l[ae - 1] == ' ')
		ae--;
	ep_clear(&e);
	if (ep_parse_ip(&e, (const char *)l + f[4], ae - f[4]) != 0 ||
	    !ep_same_ip(&e, &r->fl->match))
		return false;
	pe = f[5];
	while (pe < cl && l[pe] != ' ')
		pe++;
	bytes_put(x->o, l, f[4]);
	bytes_puts(x->o, r->repl_ip);
	snprintf(buf, sizeof(buf), " %u", x->pub_port[x->mi] +
	    (l[f[1]] == '2' ? 1 : 0));
	bytes_puts(x->o, buf);
	bytes_put(x->o, l + pe, ll - pe);
	add_edit(r, "a=candidate", l + f[4], ae - f[4], r->repl_ip,
	    strlen(r->repl_ip));
	x->changed = true;
	return true;
}

/* s=: copied, then the original address as session i= (F2/F3 nat-trace). */
static bool
sdp_s(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll)
{
	struct rw *r = x->r;
	char buf[64];

	if (!r->fl->outbound || !r->c->sdp_add_i_line || !x->any || x->mi >= 0)
		return false;
	bytes_put(x->o, l, ll);
	snprintf(buf, sizeof(buf), "i=%s", r->match_ip);
	bytes_puts(x->o, buf);
	bytes_put(x->o, l + cl, ll - cl);
	add_edit(r, "i=", "", 0, buf, strlen(buf));
	x->changed = true;
	return true;
}

/*
 * One row per SDP line type: the line's start (a= attributes compared
 * without case, as RFC 8866 names are), the shortest line it applies to,
 * and its rewriter.
 */
static const struct {
	const char *prefix;
	bool icase;
	size_t min_len;
	bool (*rw)(struct sdpx *x, const uint8_t *l, size_t cl, size_t ll);
} sdp_rows[] = {
	{ "o=", false, 2, sdp_o },
	{ "c=", false, 2, sdp_c },
	{ "m=", false, 2, sdp_m },
	{ "a=rtcp:", true, 8, sdp_rtcp },
	{ "a=candidate:", true, 13, sdp_ice },
	{ "s=", false, 2, sdp_s },
};

/*
 * Rewrites the SDP at s[0..sl) into o (the bytes before it are copied by
 * the caller).  Returns 0, or -1 on a mangle failure (reason set).
 */
static int
rw_sdp(struct rw *r, struct bytes *o, const uint8_t *s, size_t sl,
    alg_media_fn media_fn, void *user, bool *changed, size_t *v_out)
{
	struct sdp *sd = NULL;
	struct sdpx xs, *x = &xs;
	size_t li = 0;
	int rc = 0;

	*changed = false;
	*v_out = o->len;
	if (sdp_parse(s, sl, &sd, NULL) != 0 || sd == NULL) {
		snprintf(r->res->reason, sizeof(r->res->reason),
		    "SDP does not parse");
		return -1;
	}
	memset(x, 0, sizeof(*x));
	x->r = r;
	x->o = o;
	x->sd = sd;
	x->mi = -1;
	x->sess_rip = r->fl->outbound ? r->repl_ip : NULL;
	ep_clear(&x->sess_from);
	if (sdp_plan(x, media_fn, user) != 0) {
		rc = -1;
		goto out;
	}
	/* Line by line: a row's rewriter, or a copy. */
	while (li < sl) {
		const uint8_t *nl = memchr(s + li, '\n', sl - li);
		const uint8_t *l = s + li;
		size_t le = nl ? (size_t)(nl - s) + 1 : sl, ll = le - li;
		size_t cl = ll;
		bool done = false;

		/* the line without CR LF */
		while (cl > 0 && (l[cl - 1] == '\n' || l[cl - 1] == '\r'))
			cl--;
		if (cl >= 2 && l[0] == 'm' && l[1] == '=')
			x->mi++;
		for (size_t k = 0; k < sizeof(sdp_rows) / sizeof(sdp_rows[0]); k++) {
			size_t pl = strlen(sdp_rows[k].prefix);

			if (cl < sdp_rows[k].min_len || (sdp_rows[k].icase ?
			    !text_iprefix(l, cl, sdp_rows[k].prefix) :
			    memcmp(l, sdp_rows[k].prefix, pl) != 0))
				continue;
			done = sdp_rows[k].rw(x, l, cl, ll);
			break;
		}
		if (!done)
			bytes_put(o, l, ll);
		li = le;
	}
	*changed = x->changed;
out:
	sdp_free(sd);
	return rc;
}

/* ---- the message ------------------------------------------------------ */

void
alg_result_fini(struct alg_result *res)
{
	free(res->out);
	res->out = NULL;
}

/*
 * The rules that drop a message before any rewrite: framing, the request
 * line, unknown methods, Request-URI and line lengths, a REGISTER Contact
 * without a port.  Sets r->has_rr.  Returns true when res is final (a
 * drop, or a parse error passed untranslated).
 */
static bool
drop_rules(struct rw *r, const uint8_t *msg, size_t len, struct mframe *m)
{
	const struct sim_cfg *cfg = r->c;
	struct alg_result *res = r->res;
	char why[120];
	size_t i, le;

	if (!find_header_end(msg, len, &m->hdr_end, &m->body_off)) {
		if (cfg->drop_on_parse_error)
			drop(res, "parse error: no end of headers or a line over the cap (drop_on_parse_error)");
		else
			snprintf(res->reason, sizeof(res->reason),
			    "parse error, passed untranslated");
		return true;
	}
	{
		const uint8_t *nl = memchr(msg, '\n',
		    m->hdr_end + 1 <= len ? m->hdr_end + 1 : len);

		m->sl_end = nl ? (size_t)(nl - msg) + 1 : m->hdr_end;
	}
	m->is_req = !text_iprefix(msg, m->sl_end, "SIP/");
	m->sp1 = memchr(msg, ' ', m->sl_end);
	m->sp2 = m->sp1 ? memchr(m->sp1 + 1, ' ',
	    m->sl_end - (size_t)(m->sp1 + 1 - msg)) : NULL;
	if (m->is_req && (m->sp1 == NULL || m->sp2 == NULL)) {
		if (cfg->drop_on_parse_error)
			drop(res, "parse error: bad request line (drop_on_parse_error)");
		return true;
	}
	if (m->is_req && cfg->block_unknown_methods &&
	    !algrule_method_known(msg, (size_t)(m->sp1 - msg))) {
		snprintf(why, sizeof(why), "unknown method %.*s (block_unknown_methods)",
		    (int)((size_t)(m->sp1 - msg) < 32 ? (size_t)(m->sp1 - msg) : 32),
		    msg);
		drop(res, why);
		return true;
	}
	if (m->is_req && cfg->max_ruri_len > 0 &&
	    (size_t)(m->sp2 - m->sp1 - 1) > cfg->max_ruri_len) {
		snprintf(why, sizeof(why), "Request-URI of %zu bytes > %u (max_ruri_len)",
		    (size_t)(m->sp2 - m->sp1 - 1), cfg->max_ruri_len);
		drop(res, why);
		return true;
	}
	/* pre-scan: line lengths, Record-Route */
	for (i = 0; i < m->hdr_end; i = le) {
		const uint8_t *nl = memchr(msg + i, '\n', m->hdr_end - i);
		const uint8_t *colon;
		size_t line;

		le = nl ? (size_t)(nl - msg) + 1 : m->hdr_end;
		line = le - i;
		while (line > 0 && (msg[i + line - 1] == '\n' || msg[i + line - 1] == '\r'))
			line--;
		if (cfg->max_line_length > 0 && line > cfg->max_line_length) {
			snprintf(why, sizeof(why), "header line of %zu bytes > %u (max_line_length)",
			    line, cfg->max_line_length);
			drop(res, why);
			return true;
		}
		colon = memchr(msg + i, ':', line);
		if (colon != NULL) {
			const uint8_t *n = msg + i;
			size_t nlen = (size_t)(colon - n);

			text_trim(&n, &nlen);
			if (text_ieq(n, nlen, "record-route"))
				r->has_rr = true;
		}
	}
	if (m->is_req && r->fl->outbound && cfg->register_requires_contact_port &&
	    text_iprefix(msg, m->sl_end, "REGISTER ")) {
		/* C1: PAT needs the Contact port. */
		const uint8_t *v;
		size_t vl;

		if (sipframe_header(msg, m->hdr_end, "Contact", 'm', &v, &vl) &&
		    !algrule_contact_has_port(v, vl)) {
			drop(res, "REGISTER Contact without a port (register_requires_contact_port)");
			return true;
		}
	}
	return false;
}

/*
 * The start line and every header line into h, each header through its
 * field's rewriter when the profile's rule is on.  Returns true when
 * something changed.
 */
static bool
rw_headers(struct rw *r, const uint8_t *msg, const struct mframe *m,
    struct bytes *h)
{
	const struct sim_cfg *cfg = r->c;
	bool changed = false, done[ALGRULE_NFIELDS] = { false };
	struct algrule rule;
	size_t i, le;

	algrule_get(cfg, ALGRULE_RURI, r->has_rr, &rule);
	if (m->is_req && rule.on && !r->unknown_start) {
		size_t a = (size_t)(m->sp1 - msg) + 1, e = (size_t)(m->sp2 - msg);

		bytes_put(h, msg, a);
		if (rw_uris(r, h, msg + a, e - a, rule.max_uris,
		    rule.port_match, "Request-URI") > 0)
			changed = true;
		bytes_put(h, msg + e, m->sl_end - e);
	} else
		bytes_put(h, msg, m->sl_end);
	for (i = m->sl_end; i < m->hdr_end; i = le) {
		const uint8_t *nl = memchr(msg + i, '\n', m->hdr_end - i);
		const uint8_t *colon, *n;
		struct hline hl;
		size_t nlen;
		int f;

		le = nl ? (size_t)(nl - msg) + 1 : m->hdr_end;
		hl.p = msg + i;
		hl.ll = le - i;
		hl.ve = hl.ll;
		while (hl.ve > 0 && (hl.p[hl.ve - 1] == '\n' || hl.p[hl.ve - 1] == '\r'))
			hl.ve--;
		colon = memchr(hl.p, ':', hl.ve);
		if (colon == NULL || msg[i] == ' ' || msg[i] == '\t') {
			bytes_put(h, hl.p, hl.ll);
			continue;
		}
		n = hl.p;
		nlen = (size_t)(colon - n);
		text_trim(&n, &nlen);
		hl.vs = (size_t)(colon - hl.p) + 1;
		if (cfg->strip_unknown_headers && !algrule_header_known(n, nlen)) {
			add_edit(r, "stripped", n, nlen, "", 0);
			changed = true;
			continue;
		}
		f = algrule_header(n, nlen);
		/* an unrecognised message is rewritten as a request: an inbound
		 * one's top Via is the sender's, mapped to itself */
		if (f == ALGRULE_VIA && r->unknown_start && !r->fl->outbound)
			done[f] = true;
		if (f >= 0 && rewriters[f] != NULL && !done[f]) {
			algrule_get(cfg, (enum algrule_field)f, r->has_rr, &rule);
			if (rule.first_header)
				done[f] = true;
			if (rule.on) {
				if (rewriters[f](r, h, &hl, &rule,
				    (enum algrule_field)f))
					changed = true;
				continue;
			}
		}
		if (f == ALGRULE_VIA)
			r->seen_via = true;
		bytes_put(h, hl.p, hl.ll);
	}
	/* the empty line */
	bytes_put(h, msg + m->hdr_end, m->body_off - m->hdr_end);
	return changed;
}

/*
 * Joins headers and body into res->out, the Content-Length rewritten per
 * the content_length knob when the SDP changed (K1).
 */
static void
finish(struct rw *r, struct bytes *h, struct bytes *b, bool sdp_changed,
    size_t v_out)
{
	const struct sim_cfg *cfg = r->c;
	struct alg_result *res = r->res;
	struct bytes out = { 0 };
	char clbuf[24];
	uint64_t newcl = r->cl_value;

	if (sdp_changed && r->cl_val_at != (size_t)-1) {
		if (cfg->content_length == CL_RECOMPUTE_FROM_V)
			newcl = b->len - v_out;
		else if (cfg->content_length == CL_EXACT)
			newcl = b->len;
	}
	if (r->cl_val_at != (size_t)-1 && newcl != r->cl_value) {
		char before[24];

		snprintf(clbuf, sizeof(clbuf), "%llu", (unsigned long long)newcl);
		bytes_put(&out, h->p, r->cl_val_at);
		bytes_puts(&out, clbuf);
		bytes_put(&out, h->p + r->cl_val_at + r->cl_orig_len,
		    h->len - r->cl_val_at - r->cl_orig_len);
		res->cl_changed = true;
		snprintf(before, sizeof(before), "%llu",
		    (unsigned long long)r->cl_value);
		add_edit(r, "Content-Length", before, strlen(before), clbuf,
		    strlen(clbuf));
	} else
		bytes_put(&out, h->p, h->len);
	bytes_put(&out, b->p, b->len);
	if (out.err) {
		free(out.p);
		drop(res, "rewritten message over the size cap");
		return;
	}
	res->cl_wrong = r->cl_present && newcl != b->len;
	res->action = ALG_REWRITTEN;
	res->out = out.p;
	res->out_len = out.len;
}

void
alg_process(const struct sim_cfg *cfg, const uint8_t *msg, size_t len,
    const struct alg_flow *fl, alg_media_fn media_fn, void *user,
    struct alg_result *res)
{
	struct rw r;
	struct mframe m;
	struct bytes h = { 0 }, b = { 0 };
	bool changed, sdp_changed = false;
	size_t v_out = (size_t)-1, lead = 0;

	memset(res, 0, sizeof(*res));
	res->action = ALG_PASS;
	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	r.c = cfg;
	r.fl = fl;
	r.res = res;
	r.cl_val_at = (size_t)-1;
	ip_text(&fl->repl, r.repl_ip, sizeof(r.repl_ip), true);
	ip_text(&fl->match, r.match_ip, sizeof(r.match_ip), false);

	/*
	 * CRLF keepalives before the message (leading_crlf): skipped, or the
	 * message is not recognised (headers only).  They are kept in front.
	 */
	while (lead < len && (msg[lead] == '\r' || msg[lead] == '\n'))
		lead++;
	if (lead == len)
		lead = 0;
	r.unknown_start = lead > 0 && cfg->leading_crlf == LEADCRLF_HEADERS_ONLY;
	bytes_put(&h, msg, lead);
	msg += lead;
	len -= lead;
	if (drop_rules(&r, msg, len, &m)) {
		free(h.p);
		return;
	}
	changed = rw_headers(&r, msg, &m, &h);

	/* body (an unrecognised message's SDP is not looked at) */
	if (r.unknown_start && m.body_off < len) {
		bytes_put(&b, msg + m.body_off, len - m.body_off);
	} else if (m.body_off < len) {
		const uint8_t *bd = msg + m.body_off;
		size_t bl = len - m.body_off, so = algrule_sdp_start(bd, bl);

		if (so != (size_t)-1) {
			bytes_put(&b, bd, so);
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
			bytes_put(&b, bd, bl);
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
		res->cl_wrong = r.cl_present && r.cl_value != len - m.body_off;
		return;
	}
	finish(&r, &h, &b, sdp_changed, v_out);
	free(h.p);
	free(b.p);
}
