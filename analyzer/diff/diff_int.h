/*
 * diff_int.h - what the files of the inside/outside comparison share and
 * nothing else uses: the message view of diff_fields.c (one entry per
 * header value and SDP line) and the evidence the ALG profile guess
 * collects from every pair (diff_evidence.c), kept in struct diff
 * (diff.c) and scored in diff_profile.c.
 *
 * Every pointer in a view points into the message bytes it was made
 * from; a view lives no longer than those bytes.
 */
#ifndef SIPALG_DIFF_INT_H
#define SIPALG_DIFF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff/diff.h"

/* ---- the message view (diff_fields.c) ------------------------------- */

struct fval {
	char name[40];            /* canonical header name, or SDP key */
	int section;              /* SDP: 0 session, k media section k-1 */
	int idx;                  /* occurrence of (section, name) */
	const uint8_t *v;
	size_t vlen;
	bool used;
	bool changed;             /* egress value differs from its partner */
	bool line_first;          /* headers: the first value of its line */
};

struct mview {
	const uint8_t *start;
	size_t start_len;
	bool is_request;
	struct fval hv[DIFF_MSG_VALUES];
	int nh;
	struct fval sv[DIFF_MSG_VALUES];
	int ns;
	const uint8_t *body;
	size_t body_len;
};

/*
 * Cuts raw[0..len) into mv: the start line, one value per header value
 * (Via, Contact, Route and Record-Route split at commas outside <> and
 * quotes, compact names expanded) and, when the body starts with "v=",
 * one per SDP line.  At most DIFF_MSG_VALUES of each; the rest is left.
 */
void diff_view(struct mview *mv, const uint8_t *raw, size_t len);

/*
 * Appends a zeroed change (kind, explained, field name) to pr's list and
 * returns it for the caller to fill in, or NULL on OOM (the list is then
 * unchanged).  No cap: the caller checks DIFF_PAIR_CHANGES where it
 * applies, and counts nunexplained (diff_fields.c).
 */
struct diff_change *diff_change_push(struct diff_pair *pr,
    enum diff_change_kind kind, bool explained, const char *field);

/* A Via value cut into its protocol, sent-by and parameters. */
struct via_parts {
	const uint8_t *proto, *sent_by;
	size_t proto_len, sent_by_len;
	const uint8_t *pn[16], *pv[16];
	size_t pnl[16], pvl[16];
	int np;
};

void diff_via_split(const uint8_t *v, size_t len, struct via_parts *vp);

/* ---- the evidence of the profile guess (diff_evidence.c) ------------ */

/*
 * What the profile guess counts, per flow and direction: for each field
 * kind (cell) and condition, how often a field holding the translated
 * address was left and how often it was rewritten.  The catalogue of
 * cells, what each profile predicts for it and how it is named for
 * people is the table in diff_profile.c.
 */
enum diff_cell {
	DIFF_CELL_RURI,           /* Request-URI host is the translated address */
	DIFF_CELL_VIA_TOP,        /* top Via sent-by */
	DIFF_CELL_VIA_LOWER,      /* a lower Via sent-by */
	DIFF_CELL_CONTACT,
	DIFF_CELL_FROM,
	DIFF_CELL_TO,
	DIFF_CELL_CALL_ID,        /* the address inside the Call-ID */
	DIFF_CELL_ROUTE,
	DIFF_CELL_RECORD_ROUTE,
	DIFF_CELL_VIA_RECEIVED,   /* inbound top Via received= the public address */
	DIFF_CELL_VIA_RPORT,      /* inbound top Via rport= the public port */
	DIFF_CELL_VIA_MADDR,
	DIFF_CELL_UNKNOWN_HEADER, /* a header no ALG knows: kept or removed */
	DIFF_CELL_SDP_C,          /* c= naming the sender (outbound) */
	DIFF_CELL_SDP_C_OTHER,    /* c= naming another private host (outbound) */
	DIFF_CELL_SDP_O,          /* o= naming the sender, in an SDP whose c= changed */
	DIFF_CELL_SDP_M,          /* m= port of a section whose c= changed */
	DIFF_CELL_SDP_RTCP,       /* a=rtcp naming the sender, same */
	DIFF_CELL_SDP_ICE,        /* a=candidate naming the sender, same */
	DIFF_CELL_SDP_I,          /* i= line added to an SDP whose c= changed */
	DIFF_CELL_SDP_SHORTCUT,   /* inbound c= naming our public address */
	DIFF_CELL_CL,             /* Content-Length after the SDP changed length */
	DIFF_CELL_CL_EXACT,       /* same, body with bytes before v=: whole body */
	DIFF_CELL_CL_FROM_V,      /* same: counted from v= */
	DIFF_NCELLS
};

/* Condition bits of a header cell. */
#define DIFF_COND_PORT_OK 1       /* the address carried the flow's port too */
#define DIFF_COND_LATER   2       /* not the first URI of its line / header */
#define DIFF_COND_RR      4       /* the message carries Record-Route */
#define DIFF_CONDS        8       /* SDP c=: 0 session, k+1 media section k (7: later) */

/* Messages that pass or not by an ALG's drop rules. */
struct diff_ev_pass {
	uint32_t messages;        /* messages passed */
	uint32_t max_line;        /* longest start/header line passed */
	uint32_t max_ruri;        /* longest Request-URI passed */
	uint32_t unknown_method;  /* requests with an unknown method passed */
	uint32_t reg_noport;      /* outbound REGISTER, Contact without a port, passed */
	uint32_t frags;           /* UDP messages that came in IP fragments, passed */
};

struct diff_ev_flow {
	uint8_t l4;
	uint16_t port[2];         /* the inside copy's ports, lower first */
	bool split;               /* TCP messages that spanned several segments */
	uint32_t n[2][DIFF_NCELLS][DIFF_CONDS][2]; /* [dir][cell][cond][left, rewritten] */
	struct diff_ev_pass pass[2];
};

/* A message the router did not forward, with what ALG rules it trips. */
struct diff_ev_drop {
	uint8_t dir, flow, l4;
	bool split;               /* TCP: spanned several segments */
	bool unknown_method, reg_noport;
	uint16_t nfrags;
	uint32_t max_line, ruri_len;
	char label[32];
};

/* One phone endpoint's new requests towards one remote (NAT consistency). */
struct diff_ev_source {
	uint8_t l4;
	struct ep in_src, in_dst;
	uint16_t first_pub_port;
	uint32_t cseq;
	char method[16];
	uint32_t nnew;            /* new requests (not retransmissions, not ACK) */
	bool changed;             /* a later one left from another public port */
};

struct diff_evidence {
	struct diff_ev_flow flow[DIFF_PROFILE_FLOWS];
	size_t nflows;
	uint64_t flows_over;      /* pairs on flows past DIFF_PROFILE_FLOWS */
	struct diff_ev_drop drop[DIFF_PROFILE_DROPS];
	size_t ndrops;
	uint64_t drops_over;
	struct diff_ev_source src[DIFF_PROFILE_SOURCES];
	size_t nsrc;
};

/*
 * A pair with both copies (identical or not): counts every field of the
 * ingress copy ing[0..il) that holds the translated address, rewritten
 * or left in egr[0..el), and the drop-rule facts of the message.
 */
void diff_evidence_pair(struct diff_evidence *ev, const struct diff_pair *pr,
    const uint8_t *ing, size_t il, const uint8_t *egr, size_t el);

/* A copy without partner: a dropped one is kept when an ALG rule could
 * explain the drop. */
void diff_evidence_single(struct diff_evidence *ev,
    const struct diff_pair *pr, const uint8_t *raw, size_t len);

/*
 * The guess from evidence ev of a comparison with paired pairs, scoring
 * the profile files of dirs (NULL: profile_search_path()); what
 * diff_profile_get does with a struct diff's.  p is fully overwritten.
 */
void diff_profile_guess(const struct diff_evidence *ev, uint64_t paired,
    const char *const *dirs, struct diff_profile *p);

/* ---- diff.c's state, for diff_profile.c ----------------------------- */

const struct diff_evidence *diff_evidence_get(const struct diff *d);
/* The profile search path given in the options (NULL: the default). */
const char *const *diff_profile_dirs(const struct diff *d);

/* "udp", "tcp", "sctp", "ws" for a pair's or mapping's l4. */
const char *diff_l4_name(uint8_t l4);

/* The comparison as an HTML page (diff_html.c), for diff_report.c's
 * writer: _new returns NULL on OOM; dialogs are spooled, the page is
 * written whole by _end.  f stays the caller's. */
struct diff_html;
struct diff_html *diff_html_new(FILE *f, bool only_changes);
void diff_html_free(struct diff_html *x);
void diff_html_dialog(struct diff_html *x, const struct diff_dialog *dd);
void diff_html_end(struct diff_html *x, const struct diff *d);

#endif /* SIPALG_DIFF_INT_H */
