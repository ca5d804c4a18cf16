/*
 * sdp.c - a bounded, line-by-line SDP parser (RFC 8866, formerly 4566)
 * for the fields NAT and SIP ALGs rewrite.
 *
 * An SDP body is a sequence of "<type>=<value>" lines ending in CRLF (bare
 * LF tolerated).  Lines before the first m= describe the session; each m=
 * opens a media description whose lines override the session ones:
 *
 *	v=0
 *	o=<user> <sess-id> <sess-version> IN IP4 <addr>      origin
 *	s=<name>
 *	i=<text>                  session information (Fortinet nat-trace)
 *	c=IN IP4 <addr>[/ttl[/n]] session connection (default for media)
 *	a=sendrecv                session direction (RFC 3264 section 5.1)
 *	m=<media> <port>[/<n>] <proto> <fmt> ...
 *	c=IN IP4 <addr>           media connection (wins over the session one)
 *	a=rtpmap:<pt> <name>/<rate>[/<channels>]
 *	a=rtcp:<port> [IN IP4 <addr>]                        (RFC 3605)
 *	a=candidate:<fnd> <comp> <transport> <prio> <addr> <port> typ <type> ...
 *	                                                     (RFC 8445/8839)
 *
 * We write our own parser instead of libosip2's sdp_message_parse so the
 * behaviour on hostile bodies is ours: every line is found with a bounded
 * memchr through struct cur, capped at CAP_SIP_LINE_BYTES, and every field
 * is copied into a fixed-size array.  Unknown line types and attributes are
 * ignored (RFC 8866 section 5 asks parsers to do so); a line that is not
 * "<letter>=" or whose known fields do not parse marks the body
 * SDP_UNPARSEABLE once, and the rest of the body is still used.  m= lines
 * beyond CAP_SDP_MEDIA count SDP_TOO_MANY_MEDIA and their lines are skipped;
 * payload types and candidates beyond their caps are dropped (counted as
 * SDP_TOO_MANY_MEDIA too until the table has names of their own).
 */
#include <string.h>

#include "cursor.h"
#include "sdp.h"
#include "text.h"

/* A span of bytes inside the body; never NUL-terminated. */
struct span {
	const uint8_t *p;
	size_t len;
};

/* Per-media facts only needed while parsing. */
struct media_tmp {
	bool dir_set;             /* direction attribute at media level */
	bool rtcp_has_addr;
	char rtcp_addr[64];       /* a=rtcp address as written */
	bool codec_from_rtpmap;
};

struct sdp_state {
	struct sdp *s;
	struct media_tmp tmp[CAP_SDP_MEDIA];
	int cur;                  /* media index, -1 at session level */
	bool skipping;            /* inside an m= beyond the cap */
	bool bad;                 /* a malformed line was seen */
	bool too_many;            /* an m= line beyond CAP_SDP_MEDIA */
	bool over_cap;            /* a payload/candidate cap was hit */
};

/*
 * Static payload types of RFC 3551 section 6 (and the historic ones still
 * seen in captures).  G.722 is listed at 8000 Hz on purpose: RFC 3551
 * section 4.5.2 keeps its RTP clock at 8000 for compatibility although it
 * samples at 16 kHz.
 */
static const struct {
	int pt;
	const char *name;
	uint32_t rate;
} static_pt[] = {
	{ 0, "PCMU", 8000 },
	{ 3, "GSM", 8000 },
	{ 4, "G723", 8000 },
	{ 5, "DVI4", 8000 },
	{ 6, "DVI4", 16000 },
	{ 7, "LPC", 8000 },
	{ 8, "PCMA", 8000 },
	{ 9, "G722", 8000 },
	{ 10, "L16", 44100 },
	{ 11, "L16", 44100 },
	{ 12, "QCELP", 8000 },
	{ 13, "CN", 8000 },
	{ 14, "MPA", 90000 },
	{ 15, "G728", 8000 },
	{ 16, "DVI4", 11025 },
	{ 17, "DVI4", 22050 },
	{ 18, "G729", 8000 },
	{ 25, "CelB", 90000 },
	{ 26, "JPEG", 90000 },
	{ 28, "nv", 90000 },
	{ 31, "H261", 90000 },
	{ 32, "MPV", 90000 },
	{ 33, "MP2T", 90000 },
	{ 34, "H263", 90000 },
};

/* Splits the next blank-separated token off *s; false when none is left. */
static bool
next_token(struct span *s, struct span *tok)
{
	size_t i = 0, start;

	while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
		i++;
	if (i == s->len) {
		s->p += s->len;
		s->len = 0;
		return false;
	}
	start = i;
	while (i < s->len && s->p[i] != ' ' && s->p[i] != '\t')
		i++;
	tok->p = s->p + start;
	tok->len = i - start;
	s->p += i;
	s->len -= i;
	return true;
}

/* Splits *s at the first c: *head gets the part before, *s the rest. */
static bool
split_at(struct span *s, uint8_t c, struct span *head)
{
	const uint8_t *q = s->len > 0 ? memchr(s->p, c, s->len) : NULL;

	if (q == NULL)
		return false;
	head->p = s->p;
	head->len = (size_t)(q - s->p);
	s->len -= head->len + 1;
	s->p = q + 1;
	return true;
}

static int
span_uint(struct span t, uint64_t max, uint64_t *out)
{
	return text_parse_uint(t.p, t.len, max, out);
}

/*
 * Parses "<addr>[/ttl[/n]]" (the slash suffixes are multicast only) into
 * e and its text; host names leave e at family 0.
 */
static void
parse_addr(struct span a, struct ep *e, char *text, size_t tn)
{
	const uint8_t *sl = a.len > 0 ? memchr(a.p, '/', a.len) : NULL;

	if (sl != NULL)
		a.len = (size_t)(sl - a.p);
	text_copy(text, tn, a.p, a.len);
	ep_clear(e);
	(void)ep_parse_ip(e, (const char *)a.p, a.len);
}

/* o=<user> <sess-id> <sess-version> <nettype> <addrtype> <addr> */
static bool
parse_o(struct sdp *s, struct span v)
{
	struct span user, id, ver, nt, at, addr;
	uint64_t n;

	if (!next_token(&v, &user) || !next_token(&v, &id) ||
	    !next_token(&v, &ver) || !next_token(&v, &nt) ||
	    !next_token(&v, &at) || !next_token(&v, &addr))
		return false;
	text_copy(s->o_user, sizeof(s->o_user), user.p, user.len);
	text_copy(s->o_sess_id, sizeof(s->o_sess_id), id.p, id.len);
	if (span_uint(ver, UINT64_MAX, &n) != 0)
		return false;
	s->o_version = n;
	parse_addr(addr, &s->origin, s->origin_text, sizeof(s->origin_text));
	return true;
}

/* c=<nettype> <addrtype> <addr>[/ttl[/n]] */
static bool
parse_c(struct span v, struct ep *e, char *text, size_t tn)
{
	struct span nt, at, addr, extra;

	if (!next_token(&v, &nt) || !next_token(&v, &at) ||
	    !next_token(&v, &addr) || next_token(&v, &extra))
		return false;
	if (!text_ieq(nt.p, nt.len, "IN") ||
	    (!text_ieq(at.p, at.len, "IP4") && !text_ieq(at.p, at.len, "IP6")))
		return false;
	parse_addr(addr, e, text, tn);
	return true;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static bool
parse_m(struct sdp_state *st, struct sdp_media *m, struct span v)
{
	struct span media, port, proto, fmt, count;
	uint64_t n;

	if (!next_token(&v, &media) || !next_token(&v, &count) ||
	    !next_token(&v, &proto))
		return false;
	text_copy(m->media, sizeof(m->media), media.p, media.len);
	text_copy(m->proto, sizeof(m->proto), proto.p, proto.len);
	m->nports = 1;
	/* "<port>/<count>": split_at leaves the count in count. */
	if (split_at(&count, '/', &port)) {
		if (span_uint(count, 65535, &n) != 0 || n == 0)
			return false;
		m->nports = (uint16_t)n;
	} else {
		port = count;
	}
	if (span_uint(port, 65535, &n) != 0)
		return false;
	m->port = (uint16_t)n;
	while (next_token(&v, &fmt)) {
		if (span_uint(fmt, 127, &n) != 0) {
			/* Non-RTP formats (udptl t38, "*"): name the first. */
			if (m->npayloads == 0 && m->codec[0] == '\0')
				text_copy(m->codec, sizeof(m->codec), fmt.p,
				    fmt.len);
			continue;
		}
		if (m->npayloads >= CAP_SDP_PAYLOADS) {
			st->over_cap = true;
			continue;
		}
		m->payloads[m->npayloads++] = (int)n;
	}
	return true;
}

/* rtcp:<port> [IN IP4 <addr>] (RFC 3605 section 2.1) */
static bool
parse_rtcp(struct sdp_media *m, struct media_tmp *t, struct span v)
{
	struct span port, nt, at, addr;
	uint64_t n;

	if (!next_token(&v, &port) || span_uint(port, 65535, &n) != 0)
		return false;
	m->has_rtcp = true;
	m->rtcp.port = (uint16_t)n;
	if (next_token(&v, &nt)) {
		if (!next_token(&v, &at) || !next_token(&v, &addr))
			return false;
		t->rtcp_has_addr = true;
		if (addr.len > 0 && memchr(addr.p, '/', addr.len) != NULL)
			addr.len = (size_t)((const uint8_t *)memchr(addr.p,
			    '/', addr.len) - addr.p);
		text_copy(t->rtcp_addr, sizeof(t->rtcp_addr), addr.p,
		    addr.len);
	}
	return true;
}

/* rtpmap:<pt> <name>/<rate>[/<channels>] */
static bool
parse_rtpmap(struct sdp_media *m, struct media_tmp *t, struct span v)
{
	struct span pt, enc, name;
	uint64_t n, rate;

	if (!next_token(&v, &pt) || !next_token(&v, &enc) ||
	    span_uint(pt, 127, &n) != 0)
		return false;
	if (!split_at(&enc, '/', &name) || name.len == 0)
		return false;
	/* enc now holds "<rate>[/<channels>]". */
	if (enc.len > 0 && memchr(enc.p, '/', enc.len) != NULL)
		enc.len = (size_t)((const uint8_t *)memchr(enc.p, '/',
		    enc.len) - enc.p);
	if (span_uint(enc, UINT32_MAX, &rate) != 0)
		return false;
	if (m->npayloads > 0 && m->payloads[0] == (int)n &&
	    !t->codec_from_rtpmap) {
		text_copy(m->codec, sizeof(m->codec), name.p, name.len);
		m->clock_rate = (uint32_t)rate;
		t->codec_from_rtpmap = true;
	}
	return true;
}

/*
 * candidate:<foundation> <component> <transport> <priority> <addr> <port>
 * typ <type> [...]  (RFC 8839 section 5.1)
 */
static bool
parse_candidate(struct sdp_state *st, struct sdp_media *m, struct span v)
{
	struct span fnd, comp, tr, prio, addr, port, typ, type;
	struct sdp_candidate *c;
	uint64_t n;

	if (!next_token(&v, &fnd) || !next_token(&v, &comp) ||
	    !next_token(&v, &tr) || !next_token(&v, &prio) ||
	    !next_token(&v, &addr) || !next_token(&v, &port) ||
	    !next_token(&v, &typ) || !next_token(&v, &type))
		return false;
	if (!text_ieq(typ.p, typ.len, "typ") ||
	    span_uint(port, 65535, &n) != 0)
		return false;
	if (m->ncand >= CAP_SDP_CANDIDATES) {
		st->over_cap = true;
		return true;
	}
	c = &m->cand[m->ncand++];
	ep_clear(&c->addr);
	/* mDNS (.local) candidates keep family 0. */
	(void)ep_parse_ip(&c->addr, (const char *)addr.p, addr.len);
	c->addr.port = (uint16_t)n;
	text_copy(c->type, sizeof(c->type), type.p, type.len);
	return true;
}

static bool
parse_dir(struct span name, enum sdp_dir *d)
{
	if (text_ieq(name.p, name.len, "sendrecv"))
		*d = SDP_SENDRECV;
	else if (text_ieq(name.p, name.len, "sendonly"))
		*d = SDP_SENDONLY;
	else if (text_ieq(name.p, name.len, "recvonly"))
		*d = SDP_RECVONLY;
	else if (text_ieq(name.p, name.len, "inactive"))
		*d = SDP_INACTIVE;
	else
		return false;
	return true;
}

/* a=<name>[:<value>] */
static bool
parse_a(struct sdp_state *st, struct span v)
{
	struct sdp *s = st->s;
	struct sdp_media *m = st->cur >= 0 ? &s->media[st->cur] : NULL;
	struct media_tmp *t = st->cur >= 0 ? &st->tmp[st->cur] : NULL;
	struct span name, val = v;
	enum sdp_dir d;
	uint64_t n;

	if (!split_at(&val, ':', &name)) {
		name = v;
		val.p = v.p + v.len;
		val.len = 0;
	}
	text_trim(&name.p, &name.len);
	if (parse_dir(name, &d)) {
		if (m != NULL) {
			m->dir = d;
			t->dir_set = true;
		} else {
			s->dir = d;
		}
		return true;
	}
	if (m == NULL)
		return true;      /* other session-level attributes: unused */
	if (text_ieq(name.p, name.len, "rtcp"))
		return parse_rtcp(m, t, val);
	if (text_ieq(name.p, name.len, "rtpmap"))
		return parse_rtpmap(m, t, val);
	if (text_ieq(name.p, name.len, "candidate"))
		return parse_candidate(st, m, val);
	if (text_ieq(name.p, name.len, "ptime")) {
		struct span ip = val;

		/* Some agents write "20.0"; keep the integer part. */
		text_trim(&ip.p, &ip.len);
		if (ip.len > 0 && memchr(ip.p, '.', ip.len) != NULL)
			ip.len = (size_t)((const uint8_t *)memchr(ip.p, '.',
			    ip.len) - ip.p);
		if (span_uint(ip, 100000, &n) != 0)
			return false;
		m->ptime_ms = (int)n;
		return true;
	}
	return true;
}

/* One "<type>=<value>" line (CR already stripped). */
static void
parse_line(struct sdp_state *st, const uint8_t *p, size_t len)
{
	struct sdp *s = st->s;
	struct span v;
	uint8_t type;
	bool ok = true;

	if (len == 0)
		return;           /* stray blank lines are tolerated */
	if (len < 2 || p[1] != '=' ||
	    !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z'))) {
		st->bad = true;
		return;
	}
	type = p[0];
	v.p = p + 2;
	v.len = len - 2;
	if (type == 'm') {
		if (s->nmedia >= CAP_SDP_MEDIA) {
			/* Counted once per body by sdp_parse. */
			st->too_many = true;
			st->skipping = true;
			return;
		}
		st->skipping = false;
		st->cur = s->nmedia++;
		ok = parse_m(st, &s->media[st->cur], v);
	} else if (st->skipping) {
		return;
	} else if (type == 'o' && st->cur < 0) {
		ok = parse_o(s, v);
	} else if (type == 'c') {
		if (st->cur < 0) {
			ok = parse_c(v, &s->conn, s->conn_text,
			    sizeof(s->conn_text));
			s->has_conn = ok;
		} else {
			struct sdp_media *m = &s->media[st->cur];

			ok = parse_c(v, &m->conn, m->conn_text,
			    sizeof(m->conn_text));
			m->has_conn = m->conn_is_media = ok;
		}
	} else if (type == 'i') {
		if (st->cur < 0 && !s->has_i) {
			struct span t = v;

			text_trim(&t.p, &t.len);
			text_copy(s->i_line, sizeof(s->i_line), t.p, t.len);
		}
		s->has_i = true;
	} else if (type == 'a') {
		ok = parse_a(st, v);
	}
	if (!ok)
		st->bad = true;
}

/* Fills the effective per-media values once every line has been seen. */
static void
resolve_media(struct sdp_state *st)
{
	struct sdp *s = st->s;

	for (int i = 0; i < s->nmedia; i++) {
		struct sdp_media *m = &s->media[i];
		struct media_tmp *t = &st->tmp[i];

		if (!m->conn_is_media && s->has_conn) {
			m->conn = s->conn;
			memcpy(m->conn_text, s->conn_text, sizeof(m->conn_text));
			m->has_conn = true;
		}
		/*
		 * c=0.0.0.0 (RFC 2543 hold) keeps the direction as written;
		 * callers treat a 0.0.0.0 connection as inactive.
		 */
		m->conn.port = m->port;
		if (!t->dir_set)
			m->dir = s->dir;
		if (m->has_rtcp) {
			uint16_t port = m->rtcp.port;

			if (t->rtcp_has_addr) {
				ep_clear(&m->rtcp);
				(void)ep_parse_ip(&m->rtcp, t->rtcp_addr,
				    strnlen(t->rtcp_addr, sizeof(t->rtcp_addr)));
			} else {
				m->rtcp = m->conn;
			}
			m->rtcp.port = port;
		}
		if (!t->codec_from_rtpmap && m->npayloads > 0) {
			m->codec[0] = '\0';
			m->clock_rate = 0;
			for (size_t k = 0; k < sizeof(static_pt) /
			    sizeof(static_pt[0]); k++) {
				if (static_pt[k].pt != m->payloads[0])
					continue;
				text_copy(m->codec, sizeof(m->codec),
				    static_pt[k].name, strlen(static_pt[k].name));
				m->clock_rate = static_pt[k].rate;
				break;
			}
		}
	}
}

/*
 * Walks body[0..len) line by line.  The body must open with "v=" after
 * optional blank lines, else it is not SDP (-1, nothing counted: the
 * caller decides whether that is an anomaly).
 */
int
sdp_parse(const uint8_t *body, size_t len, struct sdp *out,
    struct anomalies *an)
{
	struct sdp_state st;
	struct cur c;
	bool first = true;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.s = out;
	st.cur = -1;
	out->dir = SDP_SENDRECV;
	cur_init(&c, body, len);
	while (cur_left(&c) > 0) {
		const uint8_t *p = cur_rest(&c);
		size_t left = cur_left(&c);
		const uint8_t *nl = memchr(p, '\n', left);
		size_t ll = nl != NULL ? (size_t)(nl - p) : left;

		(void)cur_skip(&c, nl != NULL ? ll + 1 : ll);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (first) {
			if (ll == 0)
				continue;
			if (ll < 2 || p[0] != 'v' || p[1] != '=')
				return -1;
			first = false;
			continue;
		}
		if (ll > CAP_SIP_LINE_BYTES) {
			st.bad = true;
			continue;
		}
		parse_line(&st, p, ll);
	}
	if (first)
		return -1;
	resolve_media(&st);
	if (st.bad)
		anomaly_add(an, ANOMALY_SDP_UNPARSEABLE);
	if (st.too_many || st.over_cap)
		anomaly_add(an, ANOMALY_SDP_TOO_MANY_MEDIA);
	return 0;
}

const char *
sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_SENDRECV:
		return "sendrecv";
	case SDP_SENDONLY:
		return "sendonly";
	case SDP_RECVONLY:
		return "recvonly";
	case SDP_INACTIVE:
		return "inactive";
	}
	return "unknown";
}

bool
sdp_dir_sends(enum sdp_dir d)
{
	return d == SDP_SENDRECV || d == SDP_SENDONLY;
}

bool
sdp_dir_receives(enum sdp_dir d)
{
	return d == SDP_SENDRECV || d == SDP_RECVONLY;
}
