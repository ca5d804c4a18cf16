/*
 * diff_profile.c - which ALG profile the inside/outside comparison saw:
 * every profile file scored on the evidence of the pairs
 * (diff_evidence.c), and the guess named with its reasons (diff.h:
 * diff_profile_get).
 *
 * The vendors are not described here: they are the profile files
 * sipalg-sim emulates (sim/profiles/NAME.conf, alg/profile.h), and what
 * their knobs do to each field is alg/algrule.c.  This file compares:
 *
 *   predict    every profile predicts each observation from its knobs
 *              (rewrite, leave, either, or "rewrite if a pinhole the
 *              capture cannot show exists"): the cell table below.  An
 *              observation rules a profile out when it saw the opposite.
 *              Only behaviour a knob distinguishes counts, and only where
 *              the capture shows it: a Call-ID without the address says
 *              nothing about Call-ID hiding.
 *   verdict    the profiles ruled out by nothing explain the capture;
 *              one of them is a match, several a tie (named by the
 *              simplest: no ALG, then fewest knobs away from the
 *              defaults), none: the closest if it is clearly closest
 *              (two observations ahead), else "no clear match".
 *   why        the observations that rule out each other profile, chosen
 *              greedily, and what tied profiles differ in.
 *
 * Limits: SDP sections beyond sdp_max_media, multipart bodies (only their
 * Content-Length is used) and pinholes the capture does not show are
 * approximated, see the predictions; timers are not observed at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg/algrule.h"
#include "alg/profile.h"
#include "diff/diff.h"
#include "diff/diff_int.h"
#include "ingest/pkt.h"

static void
inc32(uint32_t *a)
{
	if (*a < UINT32_MAX)
		(*a)++;
}

/* ---- scoring -------------------------------------------------------- */

const char *
diff_profile_match_name(enum diff_profile_id id)
{
	static const char *const names[] = {
		"unknown", "match", "tie", "closest", "none"
	};

	return (unsigned)id < sizeof(names) / sizeof(names[0]) ? names[id] :
	    "unknown";
}

enum pred { P_EITHER, P_LEAVE, P_REWRITE, P_MAYBE };
enum outcome { O_LEFT, O_REWRITTEN, O_MIXED };
enum verdict { V_NEUTRAL, V_AGREE, V_DISAGREE };

/* One profile file and how it fared. */
struct prof {
	char name[48];
	struct sim_cfg c;
	unsigned nondefault;      /* knobs away from profile_defaults */
	unsigned agree, disagree;
};

static enum pred
rw_if(bool b)
{
	return b ? P_REWRITE : P_LEAVE;
}

/*
 * A header field holding the translated address: rewritten when the ALG
 * inspects the flow, its rule is on, the URI is within the rule's reach
 * (first header, first URI) and the port matches where the rule wants it.
 */
static enum pred
p_field(const struct sim_cfg *c, bool insp, enum algrule_field f, int cond)
{
	struct algrule r;

	algrule_get(c, f, (cond & DIFF_COND_RR) != 0, &r);
	if (!insp || !r.on)
		return P_LEAVE;
	if ((cond & DIFF_COND_LATER) && (r.first_header || r.max_uris <= 1))
		return P_LEAVE;
	return rw_if(!r.port_match || (cond & DIFF_COND_PORT_OK));
}

#define PREDICT(fn) static enum pred fn(const struct sim_cfg *c, bool insp, \
    enum diff_dir dir, int cond)

PREDICT(p_ruri) { (void)dir; return p_field(c, insp, ALGRULE_RURI, cond); }
PREDICT(p_contact) { (void)dir; return p_field(c, insp, ALGRULE_CONTACT, cond); }
PREDICT(p_from) { (void)dir; return p_field(c, insp, ALGRULE_FROM, cond); }
PREDICT(p_to) { (void)dir; return p_field(c, insp, ALGRULE_TO, cond); }
PREDICT(p_route) { (void)dir; return p_field(c, insp, ALGRULE_ROUTE, cond); }
PREDICT(p_rr) { (void)dir; return p_field(c, insp, ALGRULE_RECORD_ROUTE, cond); }

PREDICT(p_via_top)
{
	(void)dir;
	return insp && c->rewrite_via != RW_VIA_OFF ?
	    rw_if(cond & DIFF_COND_PORT_OK) : P_LEAVE;
}

PREDICT(p_via_lower)
{
	(void)dir;
	return insp && c->rewrite_via == RW_VIA_ALL ?
	    rw_if(cond & DIFF_COND_PORT_OK) : P_LEAVE;
}

static enum pred
p_via_param(const struct sim_cfg *c, bool insp, unsigned bit)
{
	return rw_if(insp && c->rewrite_via != RW_VIA_OFF &&
	    (c->rewrite_via_params & bit));
}

PREDICT(p_received) { (void)dir; (void)cond; return p_via_param(c, insp, VIA_PARAM_RECEIVED); }
PREDICT(p_rport) { (void)dir; (void)cond; return p_via_param(c, insp, VIA_PARAM_RPORT); }
PREDICT(p_maddr) { (void)dir; (void)cond; return p_via_param(c, insp, VIA_PARAM_MADDR); }
PREDICT(p_call_id) { (void)dir; (void)cond; return rw_if(insp && c->rewrite_call_id); }
PREDICT(p_unknown_hdr) { (void)dir; (void)cond; return rw_if(insp && c->strip_unknown_headers); }

/* c= of the sender: session c= (cond 0) or media section cond - 1. */
PREDICT(p_sdp_c)
{
	(void)dir;
	return rw_if(insp && c->sdp_fixup &&
	    (cond == 0 || (uint32_t)(cond - 1) < c->sdp_max_media));
}

PREDICT(p_sdp_c_other)
{
	(void)dir;
	(void)cond;
	return rw_if(insp && c->sdp_fixup && !c->sdp_requires_src_match);
}

/*
 * The cells seen only after the ALG rewrote a c= (o=, m=, a=rtcp, ICE,
 * i=, Content-Length): a profile whose ALG would not have touched the SDP
 * predicts nothing there (it is already ruled out by the c= itself).
 */
#define SDP_ACTIVE(c, insp) ((insp) && (c)->sdp_fixup)

PREDICT(p_sdp_o)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->rewrite_o_line) : P_EITHER;
}

/* keep_unless_busy moves the port only when the public one is taken:
 * either is possible. */
PREDICT(p_sdp_m)
{
	(void)dir;
	(void)cond;
	if (!SDP_ACTIVE(c, insp))
		return P_EITHER;
	return c->mport_policy == MPORT_KEEP_PRIVATE ? P_LEAVE :
	    c->mport_policy == MPORT_RANDOM ? P_REWRITE : P_EITHER;
}

PREDICT(p_sdp_rtcp)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->rewrite_a_rtcp) : P_EITHER;
}

PREDICT(p_sdp_ice)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->rewrite_ice) : P_EITHER;
}

PREDICT(p_sdp_i)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->sdp_add_i_line) : P_EITHER;
}

/* The LAN shortcut needs a pinhole of another inside phone the capture
 * may not show: a rewrite confirms it, a left c= proves nothing. */
PREDICT(p_shortcut)
{
	(void)dir;
	if (!SDP_ACTIVE(c, insp) || !c->lan_media_shortcut ||
	    (c->sdp_requires_src_match && !(cond & 1)))
		return P_LEAVE;
	return P_MAYBE;
}

PREDICT(p_cl)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->content_length != CL_NONE) :
	    P_EITHER;
}

PREDICT(p_cl_exact)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ? rw_if(c->content_length == CL_EXACT) :
	    P_EITHER;
}

PREDICT(p_cl_from_v)
{
	(void)dir;
	(void)cond;
	return SDP_ACTIVE(c, insp) ?
	    rw_if(c->content_length == CL_RECOMPUTE_FROM_V) : P_EITHER;
}

/*
 * The cell catalogue: what a cell is for people ('@' stands for
 * "private" outbound, "public" inbound), its two outcomes, and what a profile
 * predicts for it.  header: the cell has the header conditions (port,
 * later, Record-Route).
 */
static const struct {
	const char *what;
	const char *left, *rewritten;
	bool header;
	enum pred (*predict)(const struct sim_cfg *c, bool insp,
	    enum diff_dir dir, int cond);
} cells[DIFF_NCELLS] = {
	[DIFF_CELL_RURI] = { "Request-URI with the @ address", "left", "rewritten", true, p_ruri },
	[DIFF_CELL_VIA_TOP] = { "top Via with the @ address", "left", "rewritten", true, p_via_top },
	[DIFF_CELL_VIA_LOWER] = { "lower Via with the @ address", "left", "rewritten", true, p_via_lower },
	[DIFF_CELL_CONTACT] = { "Contact with the @ address", "left", "rewritten", true, p_contact },
	[DIFF_CELL_FROM] = { "From with the @ address", "left", "rewritten", true, p_from },
	[DIFF_CELL_TO] = { "To with the @ address", "left", "rewritten", true, p_to },
	[DIFF_CELL_CALL_ID] = { "Call-ID holding the @ address", "left", "rewritten", false, p_call_id },
	[DIFF_CELL_ROUTE] = { "Route with the @ address", "left", "rewritten", true, p_route },
	[DIFF_CELL_RECORD_ROUTE] = { "Record-Route with the @ address", "left", "rewritten", true, p_rr },
	[DIFF_CELL_VIA_RECEIVED] = { "Via received= the @ address", "left", "restored", false, p_received },
	[DIFF_CELL_VIA_RPORT] = { "Via rport= the @ port", "left", "restored", false, p_rport },
	[DIFF_CELL_VIA_MADDR] = { "Via maddr= the @ address", "left", "restored", false, p_maddr },
	[DIFF_CELL_UNKNOWN_HEADER] = { "header no ALG knows", "kept", "removed", false, p_unknown_hdr },
	[DIFF_CELL_SDP_C] = { "SDP c= with the @ address", "left", "rewritten", false, p_sdp_c },
	[DIFF_CELL_SDP_C_OTHER] = { "SDP c= of another private host", "left", "rewritten", false, p_sdp_c_other },
	[DIFF_CELL_SDP_O] = { "SDP o= with the @ address (c= rewritten)", "left", "rewritten", false, p_sdp_o },
	[DIFF_CELL_SDP_M] = { "SDP m= port (c= rewritten)", "kept", "moved", false, p_sdp_m },
	[DIFF_CELL_SDP_RTCP] = { "SDP a=rtcp with the @ address (c= rewritten)", "left", "rewritten", false, p_sdp_rtcp },
	[DIFF_CELL_SDP_ICE] = { "SDP a=candidate with the @ address (c= rewritten)", "left", "rewritten", false, p_sdp_ice },
	[DIFF_CELL_SDP_I] = { "SDP i= line (c= rewritten)", "not added", "added", false, p_sdp_i },
	[DIFF_CELL_SDP_SHORTCUT] = { "SDP c= with the @ address", "left", "rewritten to a private one", false, p_shortcut },
	[DIFF_CELL_CL] = { "Content-Length (SDP length changed)", "left stale", "fixed", false, p_cl },
	[DIFF_CELL_CL_EXACT] = { "Content-Length (SDP length changed, bytes before v=)", "not the whole body", "the whole body", false, p_cl_exact },
	[DIFF_CELL_CL_FROM_V] = { "Content-Length (SDP length changed, bytes before v=)", "not counted from v=", "counted from v=", false, p_cl_from_v },
};

enum obs_kind {
	OBS_CELL,                 /* a cell of one flow and direction */
	OBS_PASS_METHOD,          /* forwarded: a request with an unknown method */
	OBS_PASS_LINE,            /* forwarded: a header line of value bytes */
	OBS_PASS_RURI,            /* forwarded: a Request-URI of value bytes */
	OBS_PASS_REG,             /* forwarded: REGISTER, Contact without a port */
	OBS_PASS_FRAG,            /* forwarded: SIP in IP fragments */
	OBS_PASS_SPLIT,           /* forwarded: SIP split across TCP segments */
	OBS_DROP,                 /* dropped: drop[value] */
	OBS_NAT_PORT,             /* a phone port's first request: public port kept or not */
	OBS_NAT_CONSISTENT        /* new requests of one phone port: one public port or not */
};

/* One observation and each profile's verdict on it. */
struct obs {
	enum obs_kind kind;
	int dir, flow, cell, cond;
	uint32_t left, rewritten;
	uint32_t value;
	uint8_t v[DIFF_PROFILES];
};

struct score {
	const struct diff_evidence *ev;
	struct prof *p;
	size_t np;
	struct obs *o;
	size_t no;
	uint64_t obs_over;
};

/*
 * Does profile c's ALG rewrite the messages of the flow (as sipalg-sim
 * decides)?  A message split across TCP segments is rewritten only when
 * the ALG reassembles it (tcp_split_msgs): the kernel passes it
 * untranslated (K2).
 */
static bool
inspects(const struct sim_cfg *c, const struct diff_ev_flow *f)
{
	return algrule_inspects(c, f->l4, f->port[0], f->port[1]) &&
	    (!f->split || c->tcp_split_msgs == TCPSPLIT_REASSEMBLE);
}

/* Does profile c's ALG drop the split TCP messages of the flow? */
static bool
drops_split(const struct sim_cfg *c, const struct diff_ev_flow *f)
{
	return f->split && algrule_inspects(c, f->l4, f->port[0], f->port[1]) &&
	    c->tcp_split_msgs == TCPSPLIT_DROP;
}

static enum verdict
judge(enum pred p, enum outcome o)
{
	switch (p) {
	case P_REWRITE:
		return o == O_REWRITTEN ? V_AGREE : o == O_LEFT ? V_DISAGREE :
		    V_NEUTRAL;
	case P_LEAVE:
		return o == O_LEFT ? V_AGREE : o == O_REWRITTEN ? V_DISAGREE :
		    V_NEUTRAL;
	case P_MAYBE:
		return o == O_REWRITTEN ? V_AGREE : V_NEUTRAL;
	default:
		return V_NEUTRAL;
	}
}

static enum outcome
outcome_of(uint32_t left, uint32_t rewritten)
{
	if (rewritten == 0)
		return O_LEFT;
	return left == 0 ? O_REWRITTEN : O_MIXED;
}

/* Keeps o when some profile's verdict is not neutral (and, with need,
 * when some verdict is need). */
static void
obs_keep(struct score *s, struct obs *o, int need)
{
	bool any = false, needed = need == V_NEUTRAL;

	for (size_t i = 0; i < s->np; i++) {
		if (o->v[i] != V_NEUTRAL)
			any = true;
		if (o->v[i] == need)
			needed = true;
	}
	if (!any || !needed)
		return;
	if (s->no >= DIFF_PROFILE_OBS) {
		s->obs_over++;
		return;
	}
	s->o[s->no++] = *o;
}

/* The drop rules of profile c that message facts would trip. */
static bool
drops_line(const struct sim_cfg *c, uint32_t line)
{
	return c->max_line_length > 0 && line > c->max_line_length;
}

static bool
drops_ruri(const struct sim_cfg *c, uint32_t len)
{
	return c->max_ruri_len > 0 && len > c->max_ruri_len;
}

static bool
drop_explained(const struct sim_cfg *c, const struct diff_ev_flow *f,
    const struct diff_ev_drop *dr)
{
	bool insp = inspects(c, f);

	return drops_split(c, f) ||
	    (insp && ((dr->unknown_method && c->block_unknown_methods) ||
	    drops_line(c, dr->max_line) || drops_ruri(c, dr->ruri_len) ||
	    (dr->reg_noport && dr->dir == DIFF_OUTBOUND &&
	    c->register_requires_contact_port) ||
	    (dr->l4 == PKT_UDP && dr->nfrags > 1 &&
	    c->udp_fragments == FRAG_DROP)));
}

static void
pass_obs(struct score *s, int dir, int fi, enum obs_kind kind,
    uint32_t value)
{
	const struct diff_ev_flow *f = &s->ev->flow[fi];
	struct obs o;

	if (value == 0)
		return;
	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.dir = dir;
	o.flow = fi;
	o.value = value;
	for (size_t i = 0; i < s->np; i++) {
		const struct sim_cfg *c = &s->p[i].c;
		bool insp = inspects(c, f), drops = false;

		switch (kind) {
		case OBS_PASS_METHOD:
			drops = insp && c->block_unknown_methods;
			break;
		case OBS_PASS_LINE:
			drops = insp && drops_line(c, value);
			break;
		case OBS_PASS_RURI:
			drops = insp && drops_ruri(c, value);
			break;
		case OBS_PASS_REG:
			drops = insp && c->register_requires_contact_port;
			break;
		case OBS_PASS_FRAG:
			drops = insp && f->l4 == PKT_UDP &&
			    c->udp_fragments == FRAG_DROP;
			break;
		case OBS_PASS_SPLIT:
			drops = drops_split(c, f);
			break;
		default:
			break;
		}
		o.v[i] = drops ? V_DISAGREE : V_AGREE;
	}
	obs_keep(s, &o, V_DISAGREE);
}

static void
nat_obs(struct score *s)
{
	const struct diff_evidence *ev = s->ev;
	struct obs o;

	/*
	 * The public port of the first new request from each phone port: a
	 * binding the phone opened (port forwards and replies keep their
	 * port whatever the NAT does with new bindings).
	 */
	memset(&o, 0, sizeof(o));
	o.kind = OBS_NAT_PORT;
	for (size_t i = 0; i < ev->nsrc; i++) {
		if (ev->src[i].first_pub_port == ev->src[i].in_src.port)
			inc32(&o.left);
		else
			inc32(&o.rewritten);
	}
	if (o.left + o.rewritten > 0) {
		for (size_t i = 0; i < s->np; i++) {
			const struct sim_cfg *c = &s->p[i].c;
			enum pred p = !c->port_preservation ? P_REWRITE :
			    c->consistent_nat ? P_LEAVE : P_EITHER;

			o.v[i] = (uint8_t)judge(p, outcome_of(o.left, o.rewritten));
		}
		obs_keep(s, &o, V_NEUTRAL);
	}
	memset(&o, 0, sizeof(o));
	o.kind = OBS_NAT_CONSISTENT;
	for (size_t i = 0; i < ev->nsrc; i++) {
		if (ev->src[i].l4 != PKT_UDP || ev->src[i].nnew < 2)
			continue;
		if (ev->src[i].changed)
			inc32(&o.rewritten);
		else
			inc32(&o.left);
	}
	if (o.left + o.rewritten > 0) {
		for (size_t i = 0; i < s->np; i++)
			o.v[i] = (uint8_t)judge(rw_if(!s->p[i].c.consistent_nat),
			    outcome_of(o.left, o.rewritten));
		obs_keep(s, &o, V_NEUTRAL);
	}
}

static void
build_obs(struct score *s)
{
	const struct diff_evidence *ev = s->ev;
	struct obs o;

	for (size_t fi = 0; fi < ev->nflows; fi++) {
		const struct diff_ev_flow *f = &ev->flow[fi];

		for (int dir = 0; dir < 2; dir++) {
			const struct diff_ev_pass *ps = &f->pass[dir];

			for (int cell = 0; cell < DIFF_NCELLS; cell++) {
				if (cells[cell].predict == NULL)
					continue;
				for (int cond = 0; cond < DIFF_CONDS; cond++) {
					memset(&o, 0, sizeof(o));
					o.kind = OBS_CELL;
					o.dir = dir;
					o.flow = (int)fi;
					o.cell = cell;
					o.cond = cond;
					o.left = f->n[dir][cell][cond][0];
					o.rewritten = f->n[dir][cell][cond][1];
					if (o.left + (uint64_t)o.rewritten == 0)
						continue;
					for (size_t i = 0; i < s->np; i++)
						o.v[i] = (uint8_t)judge(
						    cells[cell].predict(&s->p[i].c,
						    inspects(&s->p[i].c, f),
						    (enum diff_dir)dir, cond),
						    outcome_of(o.left, o.rewritten));
					obs_keep(s, &o, V_NEUTRAL);
				}
			}
			pass_obs(s, dir, (int)fi, OBS_PASS_METHOD, ps->unknown_method);
			pass_obs(s, dir, (int)fi, OBS_PASS_LINE, ps->max_line);
			pass_obs(s, dir, (int)fi, OBS_PASS_RURI, ps->max_ruri);
			pass_obs(s, dir, (int)fi, OBS_PASS_REG, ps->reg_noport);
			pass_obs(s, dir, (int)fi, OBS_PASS_FRAG, ps->frags);
			if (f->split)
				pass_obs(s, dir, (int)fi, OBS_PASS_SPLIT,
				    ps->messages);
		}
	}
	for (size_t k = 0; k < ev->ndrops; k++) {
		const struct diff_ev_drop *dr = &ev->drop[k];

		memset(&o, 0, sizeof(o));
		o.kind = OBS_DROP;
		o.dir = dr->dir;
		o.flow = dr->flow;
		o.value = (uint32_t)k;
		for (size_t i = 0; i < s->np; i++)
			o.v[i] = drop_explained(&s->p[i].c, &ev->flow[dr->flow],
			    dr) ? V_AGREE : V_DISAGREE;
		obs_keep(s, &o, V_AGREE);
	}
	nat_obs(s);
}

/* ---- naming --------------------------------------------------------- */

/* A bounded text that says when it was cut. */
struct why {
	char *buf;
	size_t n, len;
};

static void
why_add(struct why *w, const char *s)
{
	size_t l = strlen(s);

	if (w->len + 1 >= w->n)
		return;
	if (w->len + l + 1 > w->n) {
		/* cut: end with "..." */
		l = w->n - w->len - 1;
		memcpy(w->buf + w->len, s, l);
		w->len += l;
		w->buf[w->len] = '\0';
		if (w->len >= 3)
			memcpy(w->buf + w->len - 3, "...", 3);
		return;
	}
	memcpy(w->buf + w->len, s, l + 1);
	w->len += l;
}

static const char *
l4_name(uint8_t l4)
{
	return l4 == PKT_UDP ? "udp" : l4 == PKT_TCP ? "tcp" :
	    l4 == PKT_SCTP ? "sctp" : "ws";
}

static void
flow_name(const struct diff_ev_flow *f, char *buf, size_t n)
{
	if (f->port[0] == f->port[1])
		snprintf(buf, n, "%s/%u%s", l4_name(f->l4), f->port[0],
		    f->split ? " split" : "");
	else
		snprintf(buf, n, "%s/%u+%u%s", l4_name(f->l4), f->port[0],
		    f->port[1], f->split ? " split" : "");
}

static void
counts_text(uint32_t left, uint32_t rewritten, const char *lw,
    const char *rw, char *buf, size_t n)
{
	if (rewritten == 0)
		snprintf(buf, n, "%s (%u)", lw, left);
	else if (left == 0)
		snprintf(buf, n, "%s (%u)", rw, rewritten);
	else
		snprintf(buf, n, "%s %u, %s %u", rw, rewritten, lw, left);
}

/* Copies s to buf with '@' replaced by r. */
static void
subst(char *buf, size_t n, const char *s, const char *r)
{
	const char *at = strchr(s, '@');

	if (at == NULL)
		snprintf(buf, n, "%s", s);
	else
		snprintf(buf, n, "%.*s%s%s", (int)(at - s), s, r, at + 1);
}

/* An observation for people, e.g. "outbound Call-ID holding the private
 * address: left (4)". */
static void
obs_label(const struct score *s, const struct obs *o, char *buf, size_t n)
{
	const char *dir = o->dir == DIFF_INBOUND ? "inbound" : "outbound";
	const char *addr = o->dir == DIFF_INBOUND ? "public" : "private";
	char what[160], cnt[96], fl[40] = "";

	if (s->ev->nflows > 1 && o->kind != OBS_NAT_PORT &&
	    o->kind != OBS_NAT_CONSISTENT) {
		char f[32];

		flow_name(&s->ev->flow[o->flow], f, sizeof(f));
		snprintf(fl, sizeof(fl), " [%s]", f);
	}
	switch (o->kind) {
	case OBS_CELL:
		subst(what, sizeof(what), cells[o->cell].what, addr);
		if (cells[o->cell].header) {
			if (!(o->cond & DIFF_COND_PORT_OK))
				strncat(what, " on another port",
				    sizeof(what) - strlen(what) - 1);
			if (o->cond & DIFF_COND_LATER)
				strncat(what, " (not the first)",
				    sizeof(what) - strlen(what) - 1);
			if (o->cond & DIFF_COND_RR)
				strncat(what, " with Record-Route",
				    sizeof(what) - strlen(what) - 1);
		} else if (o->cell == DIFF_CELL_SDP_C && o->cond > 0) {
			char t[32];

			snprintf(t, sizeof(t), " (media %d)", o->cond);
			strncat(what, t, sizeof(what) - strlen(what) - 1);
		} else if (o->cell == DIFF_CELL_SDP_SHORTCUT) {
			strncat(what, o->cond ? " of its sender" :
			    " of another phone", sizeof(what) - strlen(what) - 1);
		}
		counts_text(o->left, o->rewritten, cells[o->cell].left,
		    cells[o->cell].rewritten, cnt, sizeof(cnt));
		snprintf(buf, n, "%s %s: %s%s", dir, what, cnt, fl);
		return;
	case OBS_PASS_METHOD:
		snprintf(buf, n, "%s requests with an unknown method forwarded (%u)%s",
		    dir, o->value, fl);
		return;
	case OBS_PASS_LINE:
		snprintf(buf, n, "%s %u-byte line forwarded%s", dir, o->value, fl);
		return;
	case OBS_PASS_RURI:
		snprintf(buf, n, "%s %u-byte Request-URI forwarded%s", dir,
		    o->value, fl);
		return;
	case OBS_PASS_REG:
		snprintf(buf, n, "REGISTER with a portless Contact forwarded (%u)%s",
		    o->value, fl);
		return;
	case OBS_PASS_FRAG:
		snprintf(buf, n, "%s SIP in IP fragments forwarded (%u)%s", dir,
		    o->value, fl);
		return;
	case OBS_PASS_SPLIT:
		snprintf(buf, n, "%s SIP split across TCP segments forwarded (%u)%s",
		    dir, o->value, fl);
		return;
	case OBS_DROP: {
		const struct diff_ev_drop *dr = &s->ev->drop[o->value];
		bool line = false, ruri = false;
		char t[64];

		for (size_t i = 0; i < s->np; i++) {
			line |= drops_line(&s->p[i].c, dr->max_line);
			ruri |= drops_ruri(&s->p[i].c, dr->ruri_len);
		}
		snprintf(buf, n, "%s %s dropped:", dir, dr->label);
		if (dr->unknown_method)
			strncat(buf, " unknown method", n - strlen(buf) - 1);
		if (dr->reg_noport)
			strncat(buf, " Contact without a port", n - strlen(buf) - 1);
		if (dr->nfrags > 1) {
			snprintf(t, sizeof(t), " in %u IP fragments", dr->nfrags);
			strncat(buf, t, n - strlen(buf) - 1);
		}
		if (line) {
			snprintf(t, sizeof(t), " %u-byte line", dr->max_line);
			strncat(buf, t, n - strlen(buf) - 1);
		}
		if (ruri) {
			snprintf(t, sizeof(t), " %u-byte Request-URI", dr->ruri_len);
			strncat(buf, t, n - strlen(buf) - 1);
		}
		strncat(buf, fl, n - strlen(buf) - 1);
		return;
	}
	case OBS_NAT_PORT:
		counts_text(o->left, o->rewritten, "preserved", "changed", cnt,
		    sizeof(cnt));
		snprintf(buf, n, "NAT port of a phone's first request: %s", cnt);
		return;
	case OBS_NAT_CONSISTENT:
		counts_text(o->left, o->rewritten, "one public port",
		    "new public ports", cnt, sizeof(cnt));
		snprintf(buf, n, "new requests from one phone port: %s", cnt);
		return;
	}
	buf[0] = '\0';
}

/* The tie rule: no ALG first (a capture that shows no ALG at work names
 * none), then the fewest knobs away from the defaults, then the name. */
static int
prof_simpler(const void *x, const void *y)
{
	const struct prof *a = x, *b = y;

	if (a->c.alg != b->c.alg)
		return a->c.alg ? 1 : -1;
	if (a->nondefault != b->nondefault)
		return a->nondefault < b->nondefault ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Ranks by fewest observations against, then the tie rule. */
static int
prof_rank(const void *x, const void *y)
{
	const struct prof *a = x, *b = y;

	if (a->disagree != b->disagree)
		return a->disagree < b->disagree ? -1 : 1;
	return prof_simpler(x, y);
}

/* Knobs on which a and b differ, for people: "k1, k2 and 3 more". */
static void
knob_diff(const struct sim_cfg *a, const struct sim_cfg *b, char *buf,
    size_t n)
{
	size_t shown = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < profile_nknobs(); i++) {
		const char *k = profile_knob_name(i);
		char va[PROFILE_VALUE_MAX], vb[PROFILE_VALUE_MAX];

		if (profile_get(a, k, va, sizeof(va)) == NULL ||
		    profile_get(b, k, vb, sizeof(vb)) == NULL ||
		    strcmp(va, vb) == 0)
			continue;
		if (shown < 3) {
			if (shown > 0)
				strncat(buf, ", ", n - strlen(buf) - 1);
			strncat(buf, k, n - strlen(buf) - 1);
			shown++;
		} else {
			more++;
		}
	}
	if (more > 0) {
		char t[32];

		snprintf(t, sizeof(t), " and %zu more", more);
		strncat(buf, t, n - strlen(buf) - 1);
	}
}

static unsigned
count_nondefault(const struct sim_cfg *c)
{
	struct sim_cfg def;
	unsigned n = 0;

	profile_defaults(&def);
	for (size_t i = 0; i < profile_nknobs(); i++) {
		const char *k = profile_knob_name(i);
		char va[PROFILE_VALUE_MAX], vb[PROFILE_VALUE_MAX];

		if (profile_get(c, k, va, sizeof(va)) != NULL &&
		    profile_get(&def, k, vb, sizeof(vb)) != NULL &&
		    strcmp(va, vb) != 0)
			n++;
	}
	return n;
}

/* Writes "; label [not x, y]" for observation k and the profiles of
 * among[] it rules out; clears those in cleared (may be NULL). */
static void
why_obs(const struct score *s, size_t k, const bool *among, bool *cleared,
    struct why *w)
{
	char label[256], line[512];
	bool first = true;

	obs_label(s, &s->o[k], label, sizeof(label));
	snprintf(line, sizeof(line), "; %s [not ", label);
	for (size_t i = 0; i < s->np; i++) {
		if (!among[i] || s->o[k].v[i] != V_DISAGREE)
			continue;
		if (!first)
			strncat(line, ", ", sizeof(line) - strlen(line) - 1);
		strncat(line, s->p[i].name, sizeof(line) - strlen(line) - 1);
		first = false;
		if (cleared != NULL)
			cleared[i] = false;
	}
	strncat(line, "]", sizeof(line) - strlen(line) - 1);
	why_add(w, line);
}

#define WHY_MAX_OBS 5   /* observations listed for the named profile */

/*
 * The observation not yet listed whose verdict for profile b is want and
 * that rules out the most profiles of set; s->no when none rules out any.
 */
static size_t
pick(const struct score *s, size_t b, int want, const bool *set,
    const bool *listed)
{
	size_t best = s->no, bestn = 0;

	for (size_t k = 0; k < s->no; k++) {
		size_t cnt = 0;

		if (listed[k] || s->o[k].v[b] != want)
			continue;
		for (size_t i = 0; i < s->np; i++)
			if (set[i] && s->o[k].v[i] == V_DISAGREE)
				cnt++;
		if (cnt > bestn) {
			best = k;
			bestn = cnt;
		}
	}
	return best;
}

/*
 * The deciding observations: those that rule out the profiles of out[]
 * (true: to be ruled out), chosen greedily, each time the one that rules
 * out the most not yet ruled out, first among the observations the named
 * profile (index b) agrees with, then among those it has no prediction
 * for; then, up to WHY_MAX_OBS, further ones the named profile agrees
 * with and some other profile does not.  Written "label [not x, y]".
 */
static void
why_rule_out(const struct score *s, size_t b, bool *out, struct why *w)
{
	bool *among = calloc(s->np, sizeof(*among));
	bool *listed = calloc(s->no ? s->no : 1, sizeof(*listed));
	size_t nlisted = 0, k;

	if (among == NULL || listed == NULL) {
		free(among);
		free(listed);
		return;
	}
	memcpy(among, out, s->np * sizeof(*among));
	for (int want = V_AGREE; ; want = V_NEUTRAL) {
		while ((k = pick(s, b, want, out, listed)) < s->no) {
			why_obs(s, k, among, out, w);
			listed[k] = true;
			nlisted++;
		}
		if (want == V_NEUTRAL)
			break;
	}
	while (nlisted < WHY_MAX_OBS &&
	    (k = pick(s, b, V_AGREE, among, listed)) < s->no) {
		why_obs(s, k, among, NULL, w);
		listed[k] = true;
		nlisted++;
	}
	free(among);
	free(listed);
}

/* The observations profile i fails, "label; label" (at most max). */
static void
why_fails(const struct score *s, size_t i, size_t max, struct why *w)
{
	size_t shown = 0;

	for (size_t k = 0; k < s->no && shown < max; k++) {
		char label[256];

		if (s->o[k].v[i] != V_DISAGREE)
			continue;
		obs_label(s, &s->o[k], label, sizeof(label));
		why_add(w, shown ? "; " : "");
		why_add(w, label);
		shown++;
	}
}

/* Flows no profile's ALG inspects: their fields say nothing. */
static void
why_uninspected(const struct score *s, struct why *w)
{
	for (size_t fi = 0; fi < s->ev->nflows; fi++) {
		bool any = false;
		char f[32], t[160];

		for (size_t i = 0; i < s->np; i++)
			any |= inspects(&s->p[i].c, &s->ev->flow[fi]);
		if (any)
			continue;
		flow_name(&s->ev->flow[fi], f, sizeof(f));
		if (s->ev->flow[fi].split)
			snprintf(t, sizeof(t), "; SIP split across TCP segments "
			    "(%s), which every profile's ALG passes untranslated", f);
		else
			snprintf(t, sizeof(t),
			    "; SIP on %s, which no profile's ALG inspects", f);
		why_add(w, t);
	}
}

struct names {
	char (*name)[48];
	size_t n;
};

static void
name_cb(void *user, const char *name, const char *path)
{
	struct names *nm = user;

	(void)path;
	if (nm->n < DIFF_PROFILES)
		snprintf(nm->name[nm->n++], 48, "%s", name);
}

/* Loads every profile of dirs into s->p (sorted by name). */
static size_t
load_profiles(struct score *s, const char *const *dirs, size_t *bad)
{
	char (*names)[48] = calloc(DIFF_PROFILES, sizeof(*names));
	struct names nm = { names, 0 };
	char err[512];

	*bad = 0;
	if (names == NULL)
		return 0;
	profile_list(dirs, name_cb, &nm);
	for (size_t i = 0; i < nm.n; i++) {
		struct prof *p = &s->p[s->np];

		memset(p, 0, sizeof(*p));
		if (profile_load(&p->c, names[i], dirs, err, sizeof(err)) != 0) {
			(*bad)++;
			continue;
		}
		snprintf(p->name, sizeof(p->name), "%s", names[i]);
		p->nondefault = count_nondefault(&p->c);
		s->np++;
	}
	free(names);
	return s->np;
}

static void
verdict(struct score *s, struct diff_profile *out, struct why *w)
{
	bool *rule = calloc(s->np, sizeof(*rule));
	size_t nzero = 0, b = 0;
	unsigned dmin;
	char t[256];

	if (rule == NULL)
		return;
	for (size_t k = 0; k < s->no; k++)
		for (size_t i = 0; i < s->np; i++) {
			if (s->o[k].v[i] == V_AGREE)
				s->p[i].agree++;
			else if (s->o[k].v[i] == V_DISAGREE)
				s->p[i].disagree++;
		}
	/* verdicts follow the profiles: sort both together */
	{
		size_t *idx = calloc(s->np, sizeof(*idx));
		struct prof *sp = calloc(s->np, sizeof(*sp));
		uint8_t v[DIFF_PROFILES];

		if (idx == NULL || sp == NULL) {
			free(idx);
			free(sp);
			free(rule);
			return;
		}
		for (size_t i = 0; i < s->np; i++)
			sp[i] = s->p[i];
		qsort(sp, s->np, sizeof(*sp), prof_rank);
		for (size_t i = 0; i < s->np; i++)
			for (size_t j = 0; j < s->np; j++)
				if (strcmp(sp[i].name, s->p[j].name) == 0)
					idx[i] = j;
		for (size_t k = 0; k < s->no; k++) {
			for (size_t i = 0; i < s->np; i++)
				v[i] = s->o[k].v[idx[i]];
			memcpy(s->o[k].v, v, s->np);
		}
		memcpy(s->p, sp, s->np * sizeof(*sp));
		free(idx);
		free(sp);
	}
	dmin = s->p[0].disagree;
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].disagree == dmin)
			nzero++;
	snprintf(out->name, sizeof(out->name), "%s", s->p[b].name);
	if (dmin == 0) {
		out->id = nzero == 1 ? DIFF_PROFILE_MATCH : DIFF_PROFILE_TIE;
		snprintf(t, sizeof(t), "%s all %zu observations",
		    nzero == 1 ? "the only profile that explains" : "explains",
		    s->no);
		why_add(w, t);
		for (size_t i = 1; i < nzero; i++) {
			char kd[160];

			strncat(out->tied, i > 1 ? " " : "",
			    sizeof(out->tied) - strlen(out->tied) - 1);
			strncat(out->tied, s->p[i].name,
			    sizeof(out->tied) - strlen(out->tied) - 1);
			knob_diff(&s->p[b].c, &s->p[i].c, kd, sizeof(kd));
			snprintf(t, sizeof(t), "%s %s (differs in %s)",
			    i > 1 ? "," : nzero > 2 ? ", as do" : ", as does",
			    s->p[i].name, kd);
			why_add(w, t);
		}
		for (size_t i = nzero; i < s->np; i++)
			rule[i] = true;
		why_uninspected(s, w);
		why_rule_out(s, b, rule, w);
	} else {
		unsigned second = UINT32_MAX;
		bool same = true;

		for (size_t i = nzero; i < s->np; i++)
			if (s->p[i].disagree < second)
				second = s->p[i].disagree;
		/* the profiles at dmin: identical verdicts everywhere? */
		for (size_t i = 1; i < nzero && same; i++)
			for (size_t k = 0; k < s->no; k++)
				if (s->o[k].v[i] != s->o[k].v[0])
					same = false;
		if (same && (second == UINT32_MAX || second >= dmin + 2)) {
			out->id = DIFF_PROFILE_CLOSEST;
			snprintf(t, sizeof(t), "closest: explains %zu of %zu observations",
			    s->no - dmin, s->no);
			why_add(w, t);
			for (size_t i = 1; i < nzero; i++) {
				strncat(out->tied, i > 1 ? " " : "",
				    sizeof(out->tied) - strlen(out->tied) - 1);
				strncat(out->tied, s->p[i].name,
				    sizeof(out->tied) - strlen(out->tied) - 1);
				snprintf(t, sizeof(t), "%s %s", i == 1 ?
				    ", as does" : ",", s->p[i].name);
				why_add(w, t);
			}
			why_add(w, "; fails: ");
			why_fails(s, b, 3, w);
			for (size_t i = nzero; i < s->np; i++)
				rule[i] = true;
			why_uninspected(s, w);
			why_rule_out(s, b, rule, w);
		} else {
			out->id = DIFF_PROFILE_UNCLEAR;
			snprintf(out->name, sizeof(out->name), "no clear match");
			snprintf(t, sizeof(t), "no profile explains all %zu observations; closest",
			    s->no);
			why_add(w, t);
			for (size_t i = 0, shown = 0; i < s->np && shown < 4; i++) {
				if (s->p[i].disagree > dmin + 1)
					break;
				strncat(out->tied, shown ? " " : "",
				    sizeof(out->tied) - strlen(out->tied) - 1);
				strncat(out->tied, s->p[i].name,
				    sizeof(out->tied) - strlen(out->tied) - 1);
				snprintf(t, sizeof(t), "%s %s fails ",
				    shown ? ";" : ":", s->p[i].name);
				why_add(w, t);
				why_fails(s, i, 2, w);
				shown++;
			}
			why_uninspected(s, w);
		}
	}
	free(rule);
}

void
diff_profile_guess(const struct diff_evidence *ev, uint64_t paired,
    const char *const *dirs, struct diff_profile *p)
{
	const char *def[4];
	struct why w;
	struct score s;
	size_t bad = 0;
	char t[256];

	memset(p, 0, sizeof(*p));
	memset(&s, 0, sizeof(s));
	w.buf = p->why;
	w.n = sizeof(p->why);
	w.len = 0;
	p->id = DIFF_PROFILE_UNKNOWN;
	snprintf(p->name, sizeof(p->name), "unknown");
	if (paired == 0) {
		why_add(&w, "no SIP message seen on both sides");
		return;
	}
	if (dirs == NULL) {
		profile_search_path(def, sizeof(def) / sizeof(def[0]));
		dirs = def;
	}
	s.ev = ev;
	s.p = calloc(DIFF_PROFILES, sizeof(*s.p));
	s.o = calloc(DIFF_PROFILE_OBS, sizeof(*s.o));
	if (s.p == NULL || s.o == NULL) {
		why_add(&w, "out of memory");
		goto out;
	}
	if (load_profiles(&s, dirs, &bad) == 0) {
		snprintf(t, sizeof(t), "no ALG profile files found (looked in %s%s%s)",
		    dirs[0] ? dirs[0] : "", dirs[0] && dirs[1] ? " and more" : "",
		    bad ? "; some did not load" : "");
		why_add(&w, t);
		goto out;
	}
	build_obs(&s);
	p->nprofiles = (unsigned)s.np;
	p->nobs = (unsigned)s.no;
	verdict(&s, p, &w);
	if (bad > 0 || s.ev->flows_over || s.ev->drops_over || s.obs_over) {
		snprintf(t, sizeof(t), " (not counted: %zu unreadable profiles, "
		    "%llu pairs on further flows, %llu drops, %llu observations)",
		    bad, (unsigned long long)s.ev->flows_over,
		    (unsigned long long)s.ev->drops_over,
		    (unsigned long long)s.obs_over);
		why_add(&w, t);
	}
out:
	free(s.p);
	free(s.o);
}

void
diff_profile_get(const struct diff *d, struct diff_profile *p)
{
	const struct diff_summary *sum = diff_summary_get(d);

	diff_profile_guess(diff_evidence_get(d), sum->count[DIFF_IDENTICAL] +
	    sum->count[DIFF_CONSISTENT] + sum->count[DIFF_INCONSISTENT],
	    diff_profile_dirs(d), p);
}
