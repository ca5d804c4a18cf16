/*
 * farend.c - the far-end behaviour model: response routing, echoed
 * header values, and the outside bytes of the far end's messages.
 *
 * A far end never sees the phone's private values unless they leak
 * through the NAT: it echoes what it received.  So the outside version of
 * a message that the capture shows arriving at the phone is obtained by
 * undoing, on the echoed fields only, what the (modelled) ALG did on the
 * way out: each rewrite of the phone's outbound messages is kept as a
 * literal substitution (fe_learn_edits) and applied to Via, From, To,
 * Request-URI and Call-ID of the far end's messages.  With the ALG off
 * there are none, and the private values go out and come back as they are.
 * Response routing is RFC 3261 18.2.2 with RFC 3581: received = the
 * request's source address, port = the source port with ;rport, else the
 * sent-by port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/caps.h"
#include "farend.h"
#include "ingest/sipframe.h"
#include "base/text.h"
#include "bytes.h"

void
fe_finding_add(struct fe_dialog *d, const char *outcome, int64_t t_ns,
    uint64_t frame, const char *detail)
{
	int i;

	for (i = 0; i < d->nf; i++)
		if (strcmp(d->f[i].outcome, outcome) == 0)
			return;
	if (d->nf >= FE_MAX_FINDINGS)
		return;
	snprintf(d->f[d->nf].outcome, sizeof(d->f[0].outcome), "%s", outcome);
	snprintf(d->f[d->nf].detail, sizeof(d->f[0].detail), "%s", detail);
	d->f[d->nf].t_ns = t_ns;
	d->f[d->nf].frame = frame;
	d->nf++;
}

void
fe_learn_edits(struct fe_dialog *d, const struct alg_result *res)
{
	int i, j;

	for (i = 0; i < res->nedits; i++) {
		const struct alg_edit *e = &res->edits[i];

		if (e->before[0] == '\0' || strcmp(e->before, e->after) == 0)
			continue;
		if (strcmp(e->field, "Request-URI") != 0 &&
		    strcmp(e->field, "Via") != 0 &&
		    strcmp(e->field, "Contact") != 0 &&
		    strcmp(e->field, "From") != 0 && strcmp(e->field, "To") != 0)
			continue;
		for (j = 0; j < d->nsubs; j++)
			if (strcmp(d->subs[j].field, e->field) == 0 &&
			    strcmp(d->subs[j].in, e->before) == 0)
				break;
		if (j == d->nsubs) {
			if (d->nsubs >= FE_MAX_SUBS)
				continue;
			d->nsubs++;
		}
		snprintf(d->subs[j].field, sizeof(d->subs[j].field), "%s", e->field);
		snprintf(d->subs[j].in, sizeof(d->subs[j].in), "%s", e->before);
		snprintf(d->subs[j].out, sizeof(d->subs[j].out), "%s", e->after);
		d->subs[j].foreign = false;
	}
}

static void ep_texts(const struct ep *e, char *withport, size_t n1, char *ip,
    size_t n2);

void
fe_learn_public(struct fe_dialog *d, const struct ep *phone_in,
    const struct ep *pub, const uint8_t *out, size_t len)
{
	static const struct { const char *name; char c; } hdr[] = {
		{ "Via", 'v' }, { "From", 'f' },
	};
	char in_s[96], pub_s[96], ip[64];
	size_t hl, bo;
	int h, j;

	while (len > 0 && (*out == '\r' || *out == '\n')) {
		out++;
		len--;
	}
	if (d == NULL || phone_in->family == 0 || pub->family == 0 ||
	    ep_eq(phone_in, pub) ||
	    sipframe_datagram(out, len, &hl, &bo, NULL) != SIPFRAME_OK)
		return;
	ep_texts(phone_in, in_s, sizeof(in_s), ip, sizeof(ip));
	ep_texts(pub, pub_s, sizeof(pub_s), ip, sizeof(ip));
	for (h = 0; h < 2; h++) {
		const uint8_t *v;
		size_t vl;

		if (!sipframe_header(out, bo, hdr[h].name, hdr[h].c, &v, &vl) ||
		    text_find(v, vl, pub_s, strlen(pub_s)) == NULL)
			continue;
		for (j = 0; j < d->nsubs; j++)
			if (strcmp(d->subs[j].field, hdr[h].name) == 0 &&
			    strcmp(d->subs[j].in, in_s) == 0)
				break;
		if (j < d->nsubs)
			continue;    /* the ALG's own edit (or learnt before) */
		if (d->nsubs >= FE_MAX_SUBS)
			return;
		j = d->nsubs++;
		snprintf(d->subs[j].field, sizeof(d->subs[j].field), "%s", hdr[h].name);
		snprintf(d->subs[j].in, sizeof(d->subs[j].in), "%s", in_s);
		snprintf(d->subs[j].out, sizeof(d->subs[j].out), "%s", pub_s);
		d->subs[j].foreign = true;
	}
}

bool
fe_response_target(const struct sim_cfg *c, const struct fe_dialog *d,
    uint32_t cseq, const char *method, struct ep *out)
{
	int i;

	for (i = d->ntxn - 1; i >= 0; i--) {
		const struct fe_txn *t = &d->txn[i];

		if (t->cseq != cseq || strcmp(t->method, method) != 0)
			continue;
		*out = t->src_pub;
		if ((t->rport && c->farend_rport == RPORT_HONOUR) ||
		    c->farend_rport == RPORT_SOURCE)
			return true;
		/* received = source address; the port is the sent-by port. */
		if (t->via_out.family != 0)
			out->port = t->via_out.port;
		return true;
	}
	return false;
}

static bool
is_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Copies v[0..vl) to o replacing whole occurrences of in by out (an
 * occurrence must not continue a number or address on either side).
 */
static bool
subst(struct bytes *o, const uint8_t *v, size_t vl, const char *in,
    const char *outs)
{
	size_t il = strlen(in), j = 0, at;
	const uint8_t *hit;
	bool any = false;

	while (il > 0 && j < vl &&
	    (hit = text_find(v + j, vl - j, in, il)) != NULL) {
		at = (size_t)(hit - v);
		if ((at > 0 && (is_digit(v[at - 1]) || v[at - 1] == '.')) ||
		    (at + il < vl && (is_digit(v[at + il]) ||
		    (v[at + il] == '.' && at + il + 1 < vl && is_digit(v[at + il + 1]))))) {
			bytes_put(o, v + j, at + il - j);
			j = at + il;
			continue;
		}
		bytes_put(o, v + j, at - j);
		bytes_put(o, outs, strlen(outs));
		j = at + il;
		any = true;
	}
	bytes_put(o, v + j, vl - j);
	return any;
}

/* Applies every substitution whose field is one of fields (NULL-terminated). */
static void
subst_fields(const struct fe_dialog *d, struct bytes *o, const uint8_t *v,
    size_t vl, const char *const *fields)
{
	struct bytes a = { 0 }, b2 = { 0 };
	int i, k;

	bytes_put(&a, v, vl);
	for (i = 0; i < d->nsubs && !a.err; i++) {
		for (k = 0; fields[k] != NULL; k++)
			if (strcmp(d->subs[i].field, fields[k]) == 0)
				break;
		if (fields[k] == NULL)
			continue;
		b2.len = 0;
		if (subst(&b2, bytes_data(&a), a.len, d->subs[i].in, d->subs[i].out)) {
			struct bytes t = a;

			a = b2;
			b2 = t;
		}
	}
	if (a.err)
		bytes_put(o, v, vl);
	else
		bytes_put(o, a.p, a.len);
	free(a.p);
	free(b2.p);
}

/* Top Via: received=/rport= values as the far end writes them. */
static void
via_params(struct bytes *o, const uint8_t *v, size_t vl, const struct ep *src)
{
	size_t i = 0, ps, pe, eq;
	char buf[64];

	/* stop at the first value's end (a comma) */
	while (i < vl && v[i] != ';' && v[i] != ',')
		i++;
	bytes_put(o, v, i);
	while (i < vl && v[i] == ';') {
		ps = i + 1;
		pe = ps;
		while (pe < vl && v[pe] != ';' && v[pe] != ',')
			pe++;
		eq = ps;
		while (eq < pe && v[eq] != '=')
			eq++;
		if (src != NULL && src->family != 0 && eq < pe &&
		    text_ieq(v + ps, eq - ps, "received")) {
			bytes_put(o, v + i, eq + 1 - i);
			ep_ip_str(src, buf, sizeof(buf));
			bytes_put(o, buf, strlen(buf));
		} else if (src != NULL && src->family != 0 && eq < pe &&
		    text_ieq(v + ps, eq - ps, "rport")) {
			bytes_put(o, v + i, eq + 1 - i);
			snprintf(buf, sizeof(buf), "%u", src->port);
			bytes_put(o, buf, strlen(buf));
		} else
			bytes_put(o, v + i, pe - i);
		i = pe;
	}
	bytes_put(o, v + i, vl - i);
}

static void
ep_texts(const struct ep *e, char *withport, size_t n1, char *ip, size_t n2)
{
	char t[48];

	ep_ip_str(e, t, sizeof(t));
	if (e->family == 6) {
		snprintf(ip, n2, "[%s]", t);
		snprintf(withport, n1, "[%s]:%u", t, e->port);
	} else {
		snprintf(ip, n2, "%s", t);
		snprintf(withport, n1, "%s:%u", t, e->port);
	}
}

/* Replaces the phone's inside endpoint by target (ip:port first, then ip). */
static void
retarget(struct bytes *o, const uint8_t *v, size_t vl, const struct ep *phone_in,
    const struct ep *target)
{
	char a1[64], a2[64], b1[64], b2[64];
	struct bytes t = { 0 };

	ep_texts(phone_in, a1, sizeof(a1), a2, sizeof(a2));
	ep_texts(target, b1, sizeof(b1), b2, sizeof(b2));
	subst(&t, v, vl, a1, b1);
	if (t.err) {
		bytes_put(o, v, vl);
	} else
		subst(o, bytes_data(&t), t.len, a2, b2);
	free(t.p);
}

/* What header_subst does to a value after the echo substitutions. */
enum fix { FIX_NONE, FIX_VIA, FIX_RETARGET };

/*
 * Copies the header line msg[i..le) (name and colon up to vs, value up to
 * i + line, then the line end) to o with the echo substitutions of fields
 * applied to its value, then: FIX_VIA the top Via's received=/rport= for
 * a request from a (via_params), FIX_RETARGET the phone's inside
 * endpoint a replaced by b (retarget).  On OOM the value is copied as it
 * is.
 */
static void
header_subst(const struct fe_dialog *d, struct bytes *o, const uint8_t *msg,
    size_t i, size_t vs, size_t line, size_t le, const char *const *fields,
    enum fix how, const struct ep *a, const struct ep *b)
{
	struct bytes t = { 0 };

	bytes_put(o, msg + i, vs - i);
	subst_fields(d, &t, msg + vs, i + line - vs, fields);
	if (t.err)
		bytes_put(o, msg + vs, i + line - vs);
	else if (how == FIX_VIA)
		via_params(o, bytes_data(&t), t.len, a);
	else if (how == FIX_RETARGET)
		retarget(o, bytes_data(&t), t.len, a, b);
	else
		bytes_put(o, t.p, t.len);
	free(t.p);
	bytes_put(o, msg + i + line, le - i - line);
}

void
fe_outside_bytes(const struct fe_dialog *d, const uint8_t *msg, size_t len,
    bool is_request, const struct ep *phone_in, const struct ep *target,
    const struct ep *src_pub, bool verbatim, uint8_t **out, size_t *out_len)
{
	static const char *const f_ruri[] = { "Contact", "Request-URI", NULL };
	static const char *const f_none[] = { NULL };
	static const char *const f_via_sub[] = { "Via", NULL };
	static const char *const f_fromto_sub[] = { "From", "To", NULL };
	const char *const *f_via = f_via_sub, *const *f_fromto = f_fromto_sub;
	struct bytes o = { 0 };
	size_t i = 0, le, line;
	bool in_hdr = true, top_via_done = false, first = true;
	bool is_register = false;
	const uint8_t *cs;
	size_t csl;

	if (verbatim && !is_request)
		f_via = f_fromto = f_none;
	/* responses to REGISTER carry the registered Contact back */
	if (!is_request && sipframe_header(msg, len, "CSeq", 0, &cs, &csl) &&
	    text_find(cs, csl, "REGISTER", 8) != NULL)
		is_register = true;

	*out = NULL;
	*out_len = 0;
	while (i < len) {
		const uint8_t *nl = memchr(msg + i, '\n', len - i);
		const uint8_t *colon, *n;
		size_t nlen, vs;

		le = nl ? (size_t)(nl - msg) + 1 : len;
		line = le - i;
		while (line > 0 && (msg[i + line - 1] == '\r' || msg[i + line - 1] == '\n'))
			line--;
		if (!in_hdr) {
			bytes_put(&o, msg + i, len - i);
			break;
		}
		if (line == 0) {
			in_hdr = false;
			bytes_put(&o, msg + i, le - i);
			i = le;
			continue;
		}
		if (first) {
			first = false;
			if (is_request) {
				const uint8_t *sp = memchr(msg + i, ' ', line);

				if (sp != NULL) {
					size_t a = (size_t)(sp - msg) + 1;
					const uint8_t *sp2 = memchr(msg + a, ' ', i + line - a);
					size_t e = sp2 ? (size_t)(sp2 - msg) : i + line;
					struct bytes t = { 0 };

					bytes_put(&o, msg + i, a - i);
					subst_fields(d, &t, msg + a, e - a, f_ruri);
					if (t.err)
						bytes_put(&o, msg + a, e - a);
					else if (target != NULL && phone_in != NULL)
						retarget(&o, bytes_data(&t), t.len, phone_in, target);
					else
						bytes_put(&o, t.p, t.len);
					free(t.p);
					bytes_put(&o, msg + e, le - e);
					i = le;
					continue;
				}
			}
			bytes_put(&o, msg + i, le - i);
			i = le;
			continue;
		}
		colon = memchr(msg + i, ':', line);
		if (colon == NULL || msg[i] == ' ' || msg[i] == '\t') {
			bytes_put(&o, msg + i, le - i);
			i = le;
			continue;
		}
		n = msg + i;
		nlen = (size_t)(colon - n);
		text_trim(&n, &nlen);
		vs = (size_t)(colon - msg) + 1;
		if ((text_ieq(n, nlen, "via") || text_ieq(n, nlen, "v")) &&
		    !top_via_done) {
			top_via_done = true;
			if (!is_request) {
				header_subst(d, &o, msg, i, vs, line, le, f_via,
				    FIX_VIA, src_pub, NULL);
				i = le;
				continue;
			}
		}
		if (text_ieq(n, nlen, "from") || text_ieq(n, nlen, "f") ||
		    text_ieq(n, nlen, "to") || text_ieq(n, nlen, "t")) {
			bool is_to = text_ieq(n, nlen, "to") || text_ieq(n, nlen, "t");

			header_subst(d, &o, msg, i, vs, line, le, f_fromto,
			    is_to && is_request && target != NULL && phone_in != NULL ?
			    FIX_RETARGET : FIX_NONE, phone_in, target);
			i = le;
			continue;
		}
		if (!is_request && is_register &&
		    (text_ieq(n, nlen, "contact") || text_ieq(n, nlen, "m"))) {
			/* a registrar lists the bindings it stored: the outside Contact */
			header_subst(d, &o, msg, i, vs, line, le, f_ruri, FIX_NONE,
			    NULL, NULL);
			i = le;
			continue;
		}
		if ((text_ieq(n, nlen, "call-id") || text_ieq(n, nlen, "i")) &&
		    d->call_id_out[0] != '\0' &&
		    strcmp(d->call_id_out, d->call_id) != 0) {
			bytes_put(&o, msg + i, vs - i);
			bytes_put(&o, " ", 1);
			bytes_put(&o, d->call_id_out, strlen(d->call_id_out));
			bytes_put(&o, msg + i + line, le - i - line);
			i = le;
			continue;
		}
		bytes_put(&o, msg + i, le - i);
		i = le;
	}
	/* unchanged (an empty message has no bytes to compare: o.p is NULL) */
	if (o.err || (o.len == len && (len == 0 || memcmp(o.p, msg, len) == 0))) {
		free(o.p);
		return;
	}
	*out = o.p;
	*out_len = o.len;
}
