/*
 * sipmsg_body.c - the body of a SIP message, read by its Content-Type:
 * application/sdp is parsed with sdp_parse (sdp.c); inside multipart/
 * bodies (RFC 2046 section 5.1) the first application/sdp part is;
 * message/sipfrag (RFC 3420, NOTIFY for REFER) yields the status code
 * of its start line.  Every other body is left alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "sip/sdp.h"
#include "sip/sipmsg_int.h"

/*
 * True when a Content-Type value's media type (before ';') is type.
 * Inlined, so text_ieq knows the literal's length.
 */
static inline __attribute__((always_inline)) bool
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
		if (!hdr_next_line(&c, &line, &ll))
			return false;
		hstart = off + c.off;
		/* Part headers end at the first empty line. */
		cur_init(&c, body + hstart, len - hstart);
		/* hoff is set by the loop test below before any read. */
		hl = len - hstart;
		cstart = len;
		while (hoff = c.off, hdr_next_line(&c, &line, &ll)) {
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
attach_sdp(struct sipmsg *m, const uint8_t *p, size_t len, void *room,
    struct anomalies *an)
{
	uint64_t before;
	int rc;

	if (len == 0 || m->sdp != NULL)
		return;
	if (room != NULL) {
		/* It says what it counted: no sum of every counter. */
		rc = sdp_parse_scratch(p, len, room, &m->sdp, an);
		if (rc == -1)
			anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
		if (rc != 0)
			m->quiet = false;
		return;
	}
	before = m->quiet ? anomaly_total(an) : 0;
	if (sdp_parse(p, len, &m->sdp, an) == -1)
		anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
	if (m->quiet && anomaly_total(an) != before)
		m->quiet = false;
}

void
sipmsg_body_parse(struct sipmsg *m, const struct hdr_index *x, void *room,
    struct anomalies *an)
{
	const uint8_t *body = (const uint8_t *)m->raw + m->body_off;
	const uint8_t *ct, *b, *part;
	size_t ctl, blen, plen;
	uint64_t code;

	if (m->body_len == 0 || !hx_get(x, HX_CONTENT_TYPE, &ct, &ctl))
		return;
	if (ct_is(ct, ctl, "application/sdp")) {
		attach_sdp(m, body, m->body_len, room, an);
	} else if (ct_is_prefix(ct, ctl, "multipart/")) {
		if (ct_boundary(ct, ctl, &b, &blen) &&
		    multipart_sdp(body, m->body_len, b, blen, &part, &plen))
			attach_sdp(m, part, plen, room, an);
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
