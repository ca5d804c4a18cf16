/*
 * pairs.c - pair mode's model and text (pairs.h): deep copies of the
 * comparison's dialogs, a snapshot of its tables, and the lines the pair
 * list, pair view and summary panel draw.
 *
 * The change text writes the part before and after share once and puts
 * the difference in braces, because a rewritten Contact or Via differs in
 * one address out of a long line and an 80-column screen cannot show both
 * copies whole.  The shared prefix and suffix are shortened to a token
 * boundary (anything but letters, digits, '.', '-', '_') so that
 * "10.0.0.2" -> "198.51.100.1" is never shown as "{0.0.0.2 -> 98.51...}".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"
#include "base/text.h"

/* ---- copies ---- */

struct pair_dialog *
pair_dialog_dup(const struct diff_dialog *dd)
{
	struct pair_dialog *pd = calloc(1, sizeof(*pd));

	if (pd == NULL)
		return NULL;
	memcpy(pd->call_id, dd->call_id, sizeof(pd->call_id));
	pd->call_id[sizeof(pd->call_id) - 1] = '\0';
	memcpy(pd->count, dd->count, sizeof(pd->count));
	pd->pairs_truncated = dd->pairs_truncated;
	pd->worst = pair_worst(pd->count);
	if (dd->npairs > 0) {
		pd->pairs = calloc((size_t)dd->npairs, sizeof(*pd->pairs));
		if (pd->pairs == NULL)
			goto oom;
	}
	for (int i = 0; i < dd->npairs; i++) {
		const struct diff_pair *src = &dd->pairs[i];
		struct diff_pair *dst = &pd->pairs[i];

		*dst = *src;
		dst->ch = NULL;
		dst->nch = 0;
		if (src->nch > 0 && src->ch != NULL) {
			dst->ch = malloc((size_t)src->nch * sizeof(*dst->ch));
			if (dst->ch == NULL)
				goto oom;
			memcpy(dst->ch, src->ch, (size_t)src->nch *
			    sizeof(*dst->ch));
			dst->nch = src->nch;
		}
		pd->npairs = i + 1;
		for (int s = 0; s < 2 && pd->start_ns == 0; s++)
			if (src->copy[s].present)
				pd->start_ns = src->copy[s].ts_ns;
	}
	pd->npairs = dd->npairs;
	return pd;
oom:
	pair_dialog_free(pd);
	return NULL;
}

void
pair_dialog_free(struct pair_dialog *pd)
{
	if (pd == NULL)
		return;
	for (int i = 0; pd->pairs != NULL && i < pd->npairs; i++)
		free(pd->pairs[i].ch);
	free(pd->pairs);
	free(pd);
}

/* ---- classes ---- */

enum diff_class
pair_worst(const uint32_t count[DIFF_NCLASSES])
{
	static const enum diff_class order[] = { DIFF_DROPPED,
	    DIFF_INCONSISTENT, DIFF_INJECTED, DIFF_CONSISTENT };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (count[order[i]] > 0)
			return order[i];
	return DIFF_IDENTICAL;
}

const char *
pair_badge(enum diff_class c)
{
	static const char *const b[DIFF_NCLASSES] = {
		"SAME", "NAT-OK", "ALG!", "DROP", "INJ"
	};

	return (unsigned)c < DIFF_NCLASSES ? b[c] : "?";
}

const char *
pair_class_text(enum diff_class c)
{
	static const char *const t[DIFF_NCLASSES] = {
		"identical", "rewritten consistently",
		"rewritten inconsistently", "dropped", "injected"
	};

	return (unsigned)c < DIFF_NCLASSES ? t[c] : "unknown";
}

/* ---- rows ---- */

#define PL_FIXED 37 /* badge, counts and the spaces between */

char *
view_pairlist_header(int width, char *buf, size_t n)
{
	int cw = width - PL_FIXED;

	if (cw < 8)
		cw = 8;
	snprintf(buf, n, "%-6s %-*.*s %5s %5s %5s %5s %5s", "Worst", cw, cw,
	    "Call-ID", "Pairs", "Same", "NATok", "ALG!", "Drop");
	return buf;
}

char *
view_pairlist_row(const struct pair_dialog *pd, int width, char *buf,
    size_t n)
{
	char cid[sizeof(pd->call_id) * 4];
	int cw = width - PL_FIXED;

	if (cw < 8)
		cw = 8;
	text_escape(cid, sizeof(cid), pd->call_id, strnlen(pd->call_id,
	    sizeof(pd->call_id)));
	snprintf(buf, n, "%-6s %-*.*s %5d %5" PRIu32 " %5" PRIu32 " %5" PRIu32
	    " %5" PRIu32 "%s", pair_badge(pd->worst), cw, cw, cid, pd->npairs,
	    pd->count[DIFF_IDENTICAL], pd->count[DIFF_CONSISTENT],
	    pd->count[DIFF_INCONSISTENT],
	    pd->count[DIFF_DROPPED] + pd->count[DIFF_INJECTED],
	    pd->pairs_truncated ? "+" : "");
	return buf;
}

char *
view_pair_row(const struct diff_pair *pr, char *buf, size_t n)
{
	char label[sizeof(pr->label) * 4], ch[32] = "";
	int nsip = 0;

	text_escape(label, sizeof(label), pr->label, strnlen(pr->label,
	    sizeof(pr->label)));
	for (int i = 0; i < pr->nch; i++)
		nsip += strncmp(pr->ch[i].field, "L3/L4", 5) != 0;
	if (nsip > 0)
		snprintf(ch, sizeof(ch), "  %d change%s%s", nsip,
		    nsip == 1 ? "" : "s", pr->changes_truncated ? "+" : "");
	else if (pr->nch > 0)
		snprintf(ch, sizeof(ch), "  NAT only");
	snprintf(buf, n, "%s %-14s CSeq %-4" PRIu32 " %s%s",
	    pr->dir == DIFF_OUTBOUND ? "->" : "<-", label, pr->cseq,
	    pair_class_text(pr->cls), ch);
	return buf;
}

static bool
tokch(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
	    c == '_';
}

/*
 * Common prefix and suffix of a[0..la) and b[0..lb) that do not overlap
 * and end (prefix) or start (suffix) at a token boundary.
 */
static void
common_ends(const char *a, size_t la, const char *b, size_t lb, size_t *pre,
    size_t *suf)
{
	size_t p = 0, s = 0, m = la < lb ? la : lb;

	while (p < m && a[p] == b[p])
		p++;
	if (p < m || la != lb)
		while (p > 0 && tokch(a[p - 1]) &&
		    ((p < la && tokch(a[p])) || (p < lb && tokch(b[p]))))
			p--;
	while (s < m - p && a[la - 1 - s] == b[lb - 1 - s])
		s++;
	while (s > 0 && tokch(a[la - s]) &&
	    ((s < la - p && tokch(a[la - s - 1])) ||
	    (s < lb - p && tokch(b[lb - s - 1]))))
		s--;
	*pre = p;
	*suf = s;
}

char *
view_change_text(const struct diff_change *c, char *buf, size_t n)
{
	char f[sizeof(c->field) * 4], x[DIFF_VALUE_BYTES * 4];
	char y[DIFF_VALUE_BYTES * 4], p[DIFF_VALUE_BYTES * 4];
	char s[DIFF_VALUE_BYTES * 4];
	const char *mark = c->explained ? "" : "! ";
	size_t la = strnlen(c->before, sizeof(c->before));
	size_t lb = strnlen(c->after, sizeof(c->after));
	size_t pre, suf;

	text_escape(f, sizeof(f), c->field, strnlen(c->field,
	    sizeof(c->field)));
	if (c->kind == DIFF_ADDED) {
		text_escape(y, sizeof(y), c->after, lb);
		snprintf(buf, n, "%s%s: + %s", mark, f, y);
		return buf;
	}
	if (c->kind == DIFF_REMOVED) {
		text_escape(x, sizeof(x), c->before, la);
		snprintf(buf, n, "%s%s: - %s", mark, f, x);
		return buf;
	}
	common_ends(c->before, la, c->after, lb, &pre, &suf);
	text_escape(x, sizeof(x), c->before + pre, la - pre - suf);
	text_escape(y, sizeof(y), c->after + pre, lb - pre - suf);
	if (pre == 0 && suf == 0) {
		snprintf(buf, n, "%s%s: %s -> %s", mark, f, x, y);
		return buf;
	}
	text_escape(p, sizeof(p), c->before, pre);
	text_escape(s, sizeof(s), c->before + la - suf, suf);
	snprintf(buf, n, "%s%s: %s{%s -> %s}%s", mark, f, p, x, y, s);
	return buf;
}

/* ---- summary ---- */

int
pair_summary_fill(struct pair_summary *s, const struct diff *d)
{
	const struct diff_summary *sum = diff_summary_get(d);
	size_t n = diff_mapping_count(d);

	memset(s, 0, sizeof(*s));
	s->sum = *sum;
	for (int i = 0; i < 2; i++) {
		snprintf(s->paths[i], sizeof(s->paths[i]), "%s",
		    sum->path[i] != NULL ? sum->path[i] : "");
		s->sum.path[i] = s->paths[i];
	}
	if (n > DIFF_MAPPINGS) {
		n = DIFF_MAPPINGS;
		s->map_truncated = true;
	}
	if (n > 0) {
		s->map = calloc(n, sizeof(*s->map));
		if (s->map == NULL)
			return -1;
		for (size_t i = 0; i < n; i++)
			s->map[i] = *diff_mapping_get(d, i);
		s->nmap = n;
	}
	diff_nat_behaviour_get(d, &s->beh);
	s->feat = *diff_features_get(d);
	diff_profile_get(d, &s->prof);
	s->nstreams = diff_stream_count(d);
	return 0;
}

void
pair_summary_fini(struct pair_summary *s)
{
	free(s->map);
	s->map = NULL;
	s->nmap = 0;
}

/*
 * Adds text after head, wrapped at spaces to SUMMARY_WIDTH columns, the
 * continuation lines indented like the first.
 */
#define SUMMARY_WIDTH 78
static int
add_wrapped(struct view_lines *out, const char *head, const char *text)
{
	size_t hl = strlen(head), tl = strlen(text), room, off = 0;
	char line[SUMMARY_WIDTH + 1];
	int r = 0;

	room = SUMMARY_WIDTH - hl;
	do {
		size_t take = tl - off;

		if (take > room) {
			take = room;
			for (size_t k = room; k > room / 2; k--)
				if (text[off + k] == ' ') {
					take = k;
					break;
				}
		}
		snprintf(line, sizeof(line), "%*s%.*s", (int)hl, off == 0 ?
		    head : "", (int)take, text + off);
		r |= view_lines_add(out, line);
		off += take;
		while (off < tl && text[off] == ' ')
			off++;
	} while (off < tl);
	return r;
}

static const char *
yesno(int v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "unknown";
}

int
view_pair_summary_lines(struct view_lines *out, const struct pair_summary *s)
{
	static const struct {
		const char *name;
		size_t off;
	} feats[] = {
#define F(x) { #x, offsetof(struct diff_features, x) }
		F(payload_rewrites), F(via_top_rewritten),
		F(via_lower_rewritten), F(via_params_restored),
		F(contact_rewritten), F(ruri_rewritten), F(from_to_rewritten),
		F(call_id_rewritten), F(route_rewritten), F(sdp_o_rewritten),
		F(sdp_c_rewritten), F(sdp_m_port_kept), F(sdp_m_port_changed),
		F(sdp_rtcp_rewritten), F(sdp_private_residue), F(sdp_i_added),
		F(headers_added), F(headers_removed), F(cl_fixed), F(cl_stale),
		F(private_leaks)
#undef F
	};
	char line[1024], why[sizeof(s->prof.why) * 4];
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN], c[NETADDR_STRLEN];
	char p0[512], p1[512];
	size_t len = 0;
	int r = 0;

	snprintf(line, sizeof(line), "ALG profile: %s",
	    s->prof.name[0] != '\0' ? s->prof.name : "unknown");
	r |= view_lines_add(out, line);
	text_escape(why, sizeof(why), s->prof.why, strnlen(s->prof.why,
	    sizeof(s->prof.why)));
	r |= add_wrapped(out, "  decided by: ", why[0] ? why : "-");
	snprintf(line, sizeof(line), "  features:");
	len = strlen(line);
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		uint64_t v;
		char item[64];

		memcpy(&v, (const char *)&s->feat + feats[i].off, sizeof(v));
		if (v == 0)
			continue;
		snprintf(item, sizeof(item), " %s=%" PRIu64, feats[i].name, v);
		if (len + strlen(item) > 76) {
			r |= view_lines_add(out, line);
			snprintf(line, sizeof(line), "           ");
			len = strlen(line);
		}
		snprintf(line + len, sizeof(line) - len, "%s", item);
		len = strlen(line);
	}
	if (len == strlen("  features:"))
		snprintf(line + len, sizeof(line) - len, " none");
	r |= view_lines_add(out, line);
	r |= view_lines_add(out, "");

	snprintf(line, sizeof(line), "NAT mappings (%zu%s): private -> public, "
	    "towards remote", s->nmap, s->map_truncated ? "+" : "");
	r |= view_lines_add(out, line);
	for (size_t i = 0; i < s->nmap; i++) {
		const struct diff_mapping *m = &s->map[i];

		snprintf(line, sizeof(line), "  %s %-5s %s -> %s  remote %s  "
		    "x%" PRIu64, m->l4 == PKT_TCP ? "tcp" :
		    m->l4 == PKT_SCTP ? "sctp" : "udp", m->media ? "media" : "sip",
		    ep_str(&m->priv, a, sizeof(a)), ep_str(&m->pub, b, sizeof(b)),
		    ep_str(&m->remote, c, sizeof(c)), m->uses);
		r |= view_lines_add(out, line);
	}
	snprintf(line, sizeof(line), "  port preserved: %s; same public "
	    "endpoint for every destination: %s", yesno(s->beh.port_preserved),
	    yesno(s->beh.endpoint_independent));
	r |= view_lines_add(out, line);
	r |= view_lines_add(out, "");

	text_escape(p0, sizeof(p0), s->paths[0], strlen(s->paths[0]));
	text_escape(p1, sizeof(p1), s->paths[1], strlen(s->paths[1]));
	snprintf(line, sizeof(line), "Inside:  %s  (%" PRIu64 " SIP, %" PRIu64
	    " RTP)", p0, s->sum.sip[0], s->sum.rtp[0]);
	r |= view_lines_add(out, line);
	snprintf(line, sizeof(line), "Outside: %s  (%" PRIu64 " SIP, %" PRIu64
	    " RTP)", p1, s->sum.sip[1], s->sum.rtp[1]);
	r |= view_lines_add(out, line);
	snprintf(line, sizeof(line), "Clock offset: outside = inside %+.6f s "
	    "(%s)", (double)s->sum.offset_ns / 1e9, s->sum.offset_forced ?
	    "given" : s->sum.offset_samples ? "median of paired messages" :
	    "no common message: 0 assumed");
	r |= view_lines_add(out, line);
	snprintf(line, sizeof(line), "SIP pairs: %" PRIu64 " identical  %"
	    PRIu64 " consistent  %" PRIu64 " inconsistent  %"
	    PRIu64 " dropped  %" PRIu64 " injected",
	    s->sum.count[DIFF_IDENTICAL], s->sum.count[DIFF_CONSISTENT],
	    s->sum.count[DIFF_INCONSISTENT], s->sum.count[DIFF_DROPPED],
	    s->sum.count[DIFF_INJECTED]);
	r |= view_lines_add(out, line);
	snprintf(line, sizeof(line), "RTP: %zu streams, %" PRIu64 " paired, %"
	    PRIu64 " dropped, %" PRIu64 " injected", s->nstreams,
	    s->sum.rtp_paired, s->sum.rtp_dropped, s->sum.rtp_injected);
	r |= view_lines_add(out, line);
	return r ? -1 : 0;
}
