/*
 * sipraw.c - the raw fallback for SIP messages libosip2 refuses (issue
 * 16.6; contract in sipraw.h).
 *
 * libosip2 rejects a whole message for one header it cannot read: an
 * unbalanced quote in a display name, a stray backslash, a compact
 * header with odd quoting, a multi-value header it does not expect.
 * tshark and sngrep still show such messages; losing them loses the 200
 * OK of a call, so the call looks unanswered.  This scan is what those
 * tools do: it reads the start line and the few headers that place a
 * message in its dialog and transaction, tolerantly, with a bounded
 * cursor over the captured bytes and every value cut at its cap:
 *
 *   start line      METHOD SP Request-URI SP SIP/2.0, or
 *                   SIP/2.0 SP 3DIGIT SP reason
 *   Call-ID (i)     the value, trimmed
 *   CSeq            number and method
 *   Via (v)         each comma-separated value of each line, up to
 *                   CAP_SIP_VIAS: transport, sent-by host[:port],
 *                   branch=, received=, rport[=N], maddr=
 *   From (f), To (t)  the URI (inside <> when present) and tag=
 *   Contact (m)     the URI of each value, up to CAP_SIP_CONTACTS
 *   Content-Type (c), Content-Length (l), Expires
 *
 * Parameters are looked for after the URI's closing '>' (or after the
 * URI when there is none), case-insensitively, so a ";tag=" inside a
 * quoted display name or a URI parameter is not taken.  Lines are taken
 * as they come (folded continuations skipped), at most CAP_SIP_LINE_BYTES
 * each.  The body is read as in the full parse (sipmsg_body_parse: SDP,
 * multipart, sipfrag).  A message the scan keeps counts
 * ANOMALY_SIP_RAW_FALLBACK besides the refusal's own anomaly.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "sip/sdp.h"
#include "sip/sipmsg_int.h"
#include "sip/sipraw.h"

/* A span of the message. */
struct span {
	const uint8_t *p;
	size_t n;
};

static struct span
trim(const uint8_t *p, size_t n)
{
	struct span s;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	s.p = p;
	s.n = n;
	return s;
}

/* True when s equals the NUL-terminated word w, any case. */
static bool
span_is(struct span s, const char *w)
{
	size_t n = strlen(w);

	return s.n == n && strncasecmp((const char *)s.p, w, n) == 0;
}

/* Position of the first c in s outside double quotes, s.n when none. */
static size_t
find_unquoted(struct span s, char c)
{
	bool q = false;

	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '"')
			q = !q;
		else if (s.p[i] == '\\' && q && i + 1 < s.n)
			i++;
		else if (s.p[i] == c && !q)
			return i;
	}
	return s.n;
}

/*
 * The value of parameter name (";name=value" or ";name") in s, any case:
 * *out the value (empty when it has none).  False when absent.
 */
static bool
param(struct span s, const char *name, struct span *out)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < s.n; i++) {
		size_t j, k;

		if (s.p[i] != ';')
			continue;
		j = i + 1;
		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
		if (s.n - j < nl || strncasecmp((const char *)s.p + j, name,
		    nl) != 0)
			continue;
		j += nl;
		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
		if (j < s.n && s.p[j] != '=' && s.p[j] != ';' &&
		    s.p[j] != ',')
			continue;      /* a longer name: ;tagx= */
		if (j >= s.n || s.p[j] != '=') {
			out->p = s.p + j;
			out->n = 0;
			return true;
		}
		j++;
		for (k = j; k < s.n && s.p[k] != ';' && s.p[k] != ',' &&
		    s.p[k] != '>' && s.p[k] != ' ' && s.p[k] != '\t'; k++)
			;
		*out = trim(s.p + j, k - j);
		if (out->n >= 2 && out->p[0] == '"' &&
		    out->p[out->n - 1] == '"') {
			out->p++;
			out->n -= 2;
		}
		return true;
	}
	return false;
}

/*
 * A name-addr or addr-spec (From, To, Contact): *uri the URI, *params
 * what follows it (where header parameters are).
 */
static void
name_addr(struct span v, struct span *uri, struct span *params)
{
	size_t lt = find_unquoted(v, '<');

	/* An unbalanced quote hides the '<': take the last one. */
	if (lt == v.n)
		for (size_t i = v.n; i-- > 0;)
			if (v.p[i] == '<') {
				lt = i;
				break;
			}

	if (lt < v.n) {
		size_t gt = lt + 1;

		while (gt < v.n && v.p[gt] != '>')
			gt++;
		*uri = trim(v.p + lt + 1, gt - lt - 1);
		params->p = v.p + (gt < v.n ? gt + 1 : v.n);
		params->n = v.n - (size_t)(params->p - v.p);
		return;
	}
	{
		size_t sc = find_unquoted(v, ';');

		*uri = trim(v.p, sc);
		params->p = v.p + sc;
		params->n = v.n - sc;
	}
}

/* The IP literal (and :port) of a URI's host into e; e cleared if none. */
static void
uri_addr(struct span uri, struct ep *e)
{
	size_t i = 0, h, hl;
	unsigned long port = 0;

	ep_clear(e);
	for (size_t k = 0; k < uri.n && k < 8; k++)
		if (uri.p[k] == ':') {
			i = k + 1;   /* after the scheme */
			break;
		}
	for (size_t k = i; k < uri.n && uri.p[k] != ';' && uri.p[k] != '?';
	    k++)
		if (uri.p[k] == '@')
			i = k + 1;
	h = i;
	if (h < uri.n && uri.p[h] == '[') {
		for (hl = 0; h + 1 + hl < uri.n && uri.p[h + 1 + hl] != ']';
		    hl++)
			;
		if (ep_parse_ip(e, (const char *)uri.p + h + 1, hl) != 0)
			return;
		i = h + 1 + hl + 1;
	} else {
		for (hl = 0; h + hl < uri.n && uri.p[h + hl] != ':' &&
		    uri.p[h + hl] != ';' && uri.p[h + hl] != '?' &&
		    uri.p[h + hl] != '>'; hl++)
			;
		if (ep_parse_ip(e, (const char *)uri.p + h, hl) != 0)
			return;
		i = h + hl;
	}
	if (i < uri.n && uri.p[i] == ':')
		for (i++; i < uri.n && isdigit(uri.p[i]) && port < 65536; i++)
			port = port * 10 + (unsigned long)(uri.p[i] - '0');
	e->port = (uint16_t)(port > 0 && port < 65536 ? port : 5060);
}

/* One Via value: SIP/2.0/UDP host[:port] ;params. */
static void
via_value(struct msg_buf *b, struct span v)
{
	struct sipmsg_via *d = &b->via[b->m.nvia];
	size_t i = 0, t0, h0, hl;
	struct span pv;
	unsigned long port = 0;

	v = trim(v.p, v.n);
	/* protocol-name / version / transport */
	for (int slash = 0; i < v.n && slash < 2; i++)
		if (v.p[i] == '/')
			slash++;
	t0 = i;
	while (i < v.n && v.p[i] != ' ' && v.p[i] != '\t')
		i++;
	if (t0 == 0 || i == t0)
		return;
	memset(d, 0, sizeof(*d));
	d->transport = sa_put(b, v.p + t0, i - t0, SIPMSG_TRANSPORT_BYTES);
	while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	h0 = i;
	if (i < v.n && v.p[i] == '[') {
		while (i < v.n && v.p[i] != ']')
			i++;
		if (i < v.n)
			i++;
	} else
		while (i < v.n && v.p[i] != ':' && v.p[i] != ';' &&
		    v.p[i] != ' ')
			i++;
	hl = i - h0;
	d->host = sa_put(b, v.p + h0, hl, SIPMSG_HOST_BYTES);
	if (i < v.n && v.p[i] == ':')
		for (i++; i < v.n && isdigit(v.p[i]) && port < 65536; i++)
			port = port * 10 + (unsigned long)(v.p[i] - '0');
	ep_clear(&d->sent_by);
	if (hl > 2 && v.p[h0] == '[')
		(void)ep_parse_ip(&d->sent_by, (const char *)v.p + h0 + 1,
		    hl - 2);
	else
		(void)ep_parse_ip(&d->sent_by, (const char *)v.p + h0, hl);
	if (d->sent_by.family != 0)
		d->sent_by.port = (uint16_t)(port > 0 && port < 65536 ?
		    port : 5060);
	v.p += i;
	v.n -= i;
	d->branch = param(v, "branch", &pv) ?
	    sa_put(b, pv.p, pv.n, SIPMSG_BRANCH_BYTES) : sa_empty(b);
	d->received = param(v, "received", &pv) ?
	    sa_put(b, pv.p, pv.n, SIPMSG_HOST_BYTES) : sa_empty(b);
	d->maddr = param(v, "maddr", &pv) ?
	    sa_put(b, pv.p, pv.n, SIPMSG_HOST_BYTES) : sa_empty(b);
	if (param(v, "rport", &pv)) {
		d->rport = -1;
		if (pv.n > 0 && pv.n < 6) {
			char tmp[6];

			memcpy(tmp, pv.p, pv.n);
			tmp[pv.n] = '\0';
			d->rport = atoi(tmp) > 0 ? atoi(tmp) : -1;
		}
	}
	b->m.nvia++;
}

/* Splits a multi-value header at commas outside quotes and <>. */
static size_t
next_value(struct span s, size_t from, struct span *out)
{
	bool q = false;
	int angle = 0;
	size_t i;

	for (i = from; i < s.n; i++) {
		if (s.p[i] == '"')
			q = !q;
		else if (!q && s.p[i] == '<')
			angle++;
		else if (!q && s.p[i] == '>' && angle > 0)
			angle--;
		else if (!q && angle == 0 && s.p[i] == ',')
			break;
	}
	*out = trim(s.p + from, i - from);
	return i < s.n ? i + 1 : s.n;
}

/* A number below 2^31 at the start of s (RFC 3261 CSeq); -1 none. */
static int64_t
number(struct span s, size_t *used)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < s.n && isdigit(s.p[i])) {
		v = v * 10 + (s.p[i++] - '0');
		if (v > INT32_MAX)
			return -1;
	}
	*used = i;
	return i == 0 ? -1 : v;
}

/* The start line into m: false when it is not SIP's. */
static bool
start_line(struct msg_buf *b, struct span l)
{
	struct sipmsg *m = &b->m;
	size_t sp1, sp2, used;
	int64_t code;
	struct span t;

	if (l.n >= 12 && strncmp((const char *)l.p, "SIP/2.0 ", 8) == 0) {
		t.p = l.p + 8;
		t.n = l.n - 8;
		code = number(t, &used);
		if (used != 3 || code < 100 || code > 699)
			return false;
		m->is_request = false;
		m->status = (int)code;
		t = trim(t.p + 3, t.n - 3);
		m->reason = sa_put(b, t.p, t.n, SIPMSG_REASON_BYTES);
		return true;
	}
	for (sp1 = 0; sp1 < l.n && l.p[sp1] != ' '; sp1++)
		if (!isalpha(l.p[sp1]) && l.p[sp1] != '-' && l.p[sp1] != '_')
			return false;
	for (sp2 = sp1 + 1; sp2 < l.n && l.p[sp2] != ' '; sp2++)
		;
	if (sp1 == 0 || sp2 >= l.n || l.n - sp2 - 1 != 7 ||
	    strncmp((const char *)l.p + sp2 + 1, "SIP/2.0", 7) != 0)
		return false;
	m->is_request = true;
	m->method = sa_put(b, l.p, sp1, SIPMSG_METHOD_BYTES);
	m->ruri = sa_put(b, l.p + sp1 + 1, sp2 - sp1 - 1, SIPMSG_URI_BYTES);
	t.p = l.p + sp1 + 1;
	t.n = sp2 - sp1 - 1;
	uri_addr(t, &m->ruri_addr);
	return true;
}

/* The canonical letter of a header name (compact or full), 0 others. */
static char
header_key(struct span name)
{
	static const struct {
		const char *full;
		char key;
	} names[] = {
		{ "via", 'v' }, { "from", 'f' }, { "to", 't' },
		{ "call-id", 'i' }, { "contact", 'm' },
		{ "content-type", 'c' }, { "content-length", 'l' },
		{ "cseq", 'S' }, { "expires", 'E' },
	};

	if (name.n == 1) {
		char c = (char)tolower(name.p[0]);

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].key == c)
				return c;
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_is(name, names[i].full))
			return names[i].key;
	return 0;
}

/* From or To: URI, its address, tag. */
static void
party(struct msg_buf *b, struct span v, const char **uri_out,
    struct ep *addr, const char **tag_out)
{
	struct span uri, params, tag;

	if (**uri_out != '\0')
		return;          /* the first occurrence counts */
	name_addr(v, &uri, &params);
	*uri_out = sa_put(b, uri.p, uri.n, SIPMSG_URI_BYTES);
	uri_addr(uri, addr);
	if (param(params, "tag", &tag))
		*tag_out = sa_put(b, tag.p, tag.n, SIPMSG_TAG_BYTES);
}

static void
header(struct msg_buf *b, struct hdr_index *hx, char key, struct span v,
    bool *have_cseq)
{
	struct sipmsg *m = &b->m;
	struct span one;
	size_t used, at;
	int64_t n;

	switch (key) {
	case 'v':
		for (at = 0; at < v.n && m->nvia < CAP_SIP_VIAS;) {
			at = next_value(v, at, &one);
			if (one.n > 0)
				via_value(b, one);
		}
		break;
	case 'f':
		party(b, v, &m->from_uri, &m->from_addr, &m->from_tag);
		break;
	case 't':
		party(b, v, &m->to_uri, &m->to_addr, &m->to_tag);
		break;
	case 'i':
		if (*m->call_id == '\0')
			m->call_id = sa_put(b, v.p, v.n, SIPMSG_URI_BYTES);
		break;
	case 'S':
		if (*have_cseq || (n = number(v, &used)) < 0)
			break;
		one = trim(v.p + used, v.n - used);
		for (used = 0; used < one.n && one.p[used] != ' '; used++)
			;
		if (used == 0)
			break;
		m->cseq = (uint32_t)n;
		m->cseq_method = sa_put(b, one.p, used, SIPMSG_METHOD_BYTES);
		*have_cseq = true;
		break;
	case 'm':
		for (at = 0; at < v.n && m->ncontact < CAP_SIP_CONTACTS;) {
			struct sipmsg_contact *c = &b->contact[m->ncontact];
			struct span uri, params, ex;

			at = next_value(v, at, &one);
			if (one.n == 1 && one.p[0] == '*') {
				m->contact_star = true;
				continue;
			}
			if (one.n == 0)
				continue;
			name_addr(one, &uri, &params);
			c->uri = sa_put(b, uri.p, uri.n, SIPMSG_URI_BYTES);
			uri_addr(uri, &c->addr);
			c->expires = -1;
			if (param(params, "expires", &ex) &&
			    (n = number(ex, &used)) >= 0)
				c->expires = n > INT32_MAX ? INT32_MAX : (int)n;
			m->ncontact++;
		}
		break;
	case 'c':
		if (hx->val[HX_CONTENT_TYPE] == NULL) {
			hx->val[HX_CONTENT_TYPE] = v.p;
			hx->len[HX_CONTENT_TYPE] = v.n;
			m->content_type = sa_put(b, v.p, v.n,
			    SIPMSG_TEXT_BYTES);
		}
		break;
	case 'l':
		if (m->content_length < 0 && (n = number(v, &used)) >= 0)
			m->content_length = n;
		break;
	case 'E':
		if (m->expires < 0 && (n = number(v, &used)) >= 0)
			m->expires = n > INT32_MAX ? INT32_MAX : (int)n;
		break;
	default:
		break;
	}
}

struct sipmsg *
sipraw_parse(const uint8_t *msg, size_t len, const struct sipmsg_lend *lend,
    struct anomalies *an)
{
	struct msg_buf *b;
	struct sipmsg *m, *out;
	struct hdr_index hx;
	struct cur c;
	const uint8_t *line;
	size_t ll;
	bool have_cseq = false, ended = false;

	if (msg == NULL || len == 0 || len > CAP_SIP_MSG_BYTES)
		return NULL;
	/* About 10 KB: on the heap, as this path is rare. */
	b = malloc(sizeof(*b));
	if (b == NULL)
		return NULL;
	msg_buf_init(b, msg, len);
	m = &b->m;
	m->content_length = -1;
	m->expires = m->session_expires = m->min_se = -1;
	memset(&hx, 0, sizeof(hx));
	cur_init(&c, msg, len);
	if (!hdr_next_line(&c, &line, &ll) || ll > CAP_SIP_LINE_BYTES ||
	    !start_line(b, trim(line, ll))) {
		free(b);
		return NULL;
	}
	while (hdr_next_line(&c, &line, &ll)) {
		struct span name;
		size_t colon;

		if (ll == 0) {
			ended = true;
			break;
		}
		if (ll > CAP_SIP_LINE_BYTES || line[0] == ' ' ||
		    line[0] == '\t')
			continue;
		for (colon = 0; colon < ll && line[colon] != ':'; colon++)
			;
		if (colon == ll)
			continue;
		name = trim(line, colon);
		header(b, &hx, header_key(name), trim(line + colon + 1,
		    ll - colon - 1), &have_cseq);
	}
	if (*m->call_id == '\0' || !have_cseq) {
		free(b);
		return NULL;
	}
	if (m->is_request && strcmp(m->method, m->cseq_method) != 0)
		anomaly_add(an, ANOMALY_SIP_CSEQ_METHOD_MISMATCH);
	if (!m->is_request)
		m->method = m->cseq_method;
	m->body_off = ended ? (size_t)(cur_rest(&c) - msg) : len;
	m->body_len = len - m->body_off;
	m->user_agent = m->pai = m->rpid = sa_empty(b);
	anomaly_add(an, ANOMALY_SIP_RAW_FALLBACK);
	m->quiet = false;
	sipmsg_body_parse(m, &hx, NULL, an);
	out = msg_buf_pack(b, lend);
	sdp_free(m->sdp);
	free(b);
	return out;
}
