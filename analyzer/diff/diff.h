/*
 * diff.h - inside/outside comparison: what a router (and its SIP ALG)
 * changed, dropped or added, from one capture on each side of it.
 *
 * The definitive ALG test (ALG-REFERENCE.md section 4): the same traffic is
 * captured on the LAN side ("inside") and the WAN side ("outside") of the
 * router.  Two passes over the files:
 *
 *   1. learn: SIP messages give (key, time) samples; the clock offset
 *      between the captures is the median of outside - inside over the keys
 *      seen once on each side.  L3 addresses seen on one side only tell the
 *      router's inside hosts from its public addresses (direction).
 *   2. feed: both captures merged by corrected time.  A SIP message waits
 *      at most the window (default 1 s) for its copy on the other side,
 *      matched by CSeq, method/status, From tag, top Via branch and the
 *      Call-ID part before '@' (the host part may be rewritten).  RTP is
 *      paired by SSRC and sequence number and only counted per stream.
 *
 * Each SIP pair gets a field-by-field rewrite map (start line, every header
 * value, Via sent-by and parameters, SDP lines; L3/L4 addresses) and a
 * class: identical, rewritten consistently (every change is an address or
 * port of the inferred NAT mapping, private on the inside and public on
 * the outside), rewritten inconsistently (a change the mapping does not
 * explain, or a stale Content-Length), dropped (ingress copy only) or
 * injected (egress copy only).  The NAT mapping table, its behaviour
 * (port preservation, same public endpoint for every destination) and a
 * guess of the ALG profile come at the end: every profile file
 * (sim/profiles/NAME.conf, the ones sipalg-sim emulates) is scored against
 * what the router did to each field that held the translated address,
 * and the guess names the profile that explains it, with the
 * observations that rule the others out (diff_profile_get).
 *
 * Memory: unpaired messages live at most one window; pairs are grouped per
 * dialog (Call-ID) and handed out once the dialog has been quiet for
 * DIFF_DIALOG_QUIET_NS, or earlier when DIFF_TOTAL_BYTES is reached.  RTP
 * packets are never stored, only their (side, sequence, time) while they
 * wait for a partner.  Every string in a pair or change is raw packet text:
 * escape it (text.h) before printing.
 */
#ifndef SIPALG_DIFF_H
#define SIPALG_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/netaddr.h"
#include "ingest/pkt.h"

/*
 * The comparison's caps (DIFF_*) are in caps.h with the others.  Hitting
 * one counts an anomaly on the side being read (DIALOG_TABLE_FULL for SIP
 * state, STREAM_TABLE_FULL for RTP state) and drops or reports early,
 * never grows.
 */

enum diff_side { DIFF_INSIDE = 0, DIFF_OUTSIDE = 1 };

/* outbound: inside -> outside (LAN host to the Internet); inbound: back. */
enum diff_dir { DIFF_OUTBOUND = 0, DIFF_INBOUND = 1 };

enum diff_class {
	DIFF_IDENTICAL,           /* SIP bytes equal (L3/L4 may differ: NAT) */
	DIFF_CONSISTENT,          /* rewritten, every change explained by the mapping */
	DIFF_INCONSISTENT,        /* a change the mapping does not explain, or CL stale */
	DIFF_DROPPED,             /* ingress copy without egress copy */
	DIFF_INJECTED,            /* egress copy without ingress copy */
	DIFF_NCLASSES
};

enum diff_change_kind { DIFF_CHANGED, DIFF_ADDED, DIFF_REMOVED };

/*
 * One field that differs.  before is the ingress copy (inside for
 * outbound, outside for inbound), after the egress copy; "" for an added
 * or removed field.  field names: "L3/L4 src", "L3/L4 dst",
 * "Request-URI", "Status-Line", "<Header>[i]" (canonical name, compact
 * forms expanded, i = value index), "Via[i] sent-by", "Via[i] ;param",
 * "Content-Length", "SDP o=", "SDP c=" (session), "SDP m[k] c=",
 * "SDP m[k] m=", "SDP m[k] a=rtcp", "SDP m[k] a=candidate[j]",
 * "SDP i=", and so on.
 */
struct diff_change {
	enum diff_change_kind kind;
	bool explained;           /* old -> new is the NAT mapping (or CL fixed) */
	char field[48];
	char before[DIFF_VALUE_BYTES];
	char after[DIFF_VALUE_BYTES];
};

/* One copy of a message (absent for dropped/injected: present false). */
struct diff_copy {
	bool present;
	int64_t ts_ns;            /* capture time as in its own file */
	uint64_t frame;
	struct ep src, dst;
	int64_t cl_declared;      /* Content-Length, -1 absent */
	int64_t body_bytes;       /* body bytes really carried */
	bool cl_stale;            /* declared != carried */
	uint32_t len;             /* SIP message bytes */
	uint16_t nfrags;          /* >1: the datagram came in IP fragments */
	bool split;               /* TCP: the message spanned several segments */
};

struct diff_pair {
	enum diff_class cls;
	enum diff_dir dir;
	uint8_t l4;               /* PKT_UDP, PKT_TCP, PKT_SCTP, PKT_WS */
	char label[64];           /* "INVITE", "200 OK" */
	uint32_t cseq;
	char call_id[2][128];     /* per side (truncated), "" when absent */
	struct diff_copy copy[2]; /* [DIFF_INSIDE], [DIFF_OUTSIDE] */
	char reason[96];          /* why inconsistent/dropped/injected, "" else */
	/*
	 * Outbound pairs: fields of the outside copy that still carry a
	 * private address ("Contact[0] SDP c="): the far end will send ACKs,
	 * BYEs or RTP there and they are lost before reaching the router.
	 */
	char private_leak[96];
	struct diff_change *ch;   /* nch changes, owned by the pair */
	int nch;
	int nunexplained;
	bool changes_truncated;   /* more than DIFF_PAIR_CHANGES */
};

/* A group of pairs with the same Call-ID (the inside one when known). */
struct diff_dialog {
	char call_id[128];
	struct diff_pair *pairs;  /* in time order */
	int npairs;
	bool pairs_truncated;     /* more than DIFF_DIALOG_PAIRS */
	uint32_t count[DIFF_NCLASSES];
};

/* One RTP stream seen on either side: SSRC and direction. */
struct diff_stream {
	uint32_t ssrc;
	enum diff_dir dir;
	struct ep in_src, in_dst;   /* first flow on the inside (family 0 if never) */
	struct ep out_src, out_dst; /* first flow on the outside */
	uint64_t pkts[2];           /* per side */
	uint64_t paired, dropped, injected;
	int64_t first_ns, last_ns;  /* inside clock */
};

/* One NAT mapping row: private endpoint seen as public, towards remote. */
struct diff_mapping {
	uint8_t l4;
	struct ep priv, pub, remote;
	int64_t first_ns, last_ns;  /* inside clock */
	uint64_t uses;              /* pairs (SIP messages and RTP packets) */
	bool media;                 /* learnt from RTP */
};

struct diff_nat_behaviour {
	int port_preserved;         /* 1 every row, 0 some row changed the port, -1 no rows */
	int endpoint_independent;   /* 1 one public ep per private ep, 0 not, -1 unknown */
	size_t rows;
};

/* How well the best profile explains the capture. */
enum diff_profile_id {
	DIFF_PROFILE_UNKNOWN,       /* nothing paired, or no profile files */
	DIFF_PROFILE_MATCH,         /* one profile explains every observation */
	DIFF_PROFILE_TIE,           /* several do: the capture cannot tell them apart */
	DIFF_PROFILE_CLOSEST,       /* none does; one is clearly the closest */
	DIFF_PROFILE_UNCLEAR        /* none does and the closest are close: "no clear match" */
};

/* Counters of ALG features over all pairs, for people (the profile guess
 * has its own finer evidence: which field held the address, on which
 * port, and whether it was rewritten or left). */
struct diff_features {
	uint64_t payload_rewrites;      /* pairs with any SIP/SDP change */
	uint64_t via_top_rewritten;     /* Via[0] sent-by changed */
	uint64_t via_lower_rewritten;   /* Via[1..] changed */
	uint64_t via_params_restored;   /* inbound Via received/rport public -> private */
	uint64_t contact_rewritten;
	uint64_t ruri_rewritten;
	uint64_t from_to_rewritten;
	uint64_t call_id_rewritten;
	uint64_t route_rewritten;       /* Route/Record-Route */
	uint64_t sdp_o_rewritten;
	uint64_t sdp_c_rewritten;
	uint64_t sdp_m_port_kept;       /* c= rewritten, m= port unchanged */
	uint64_t sdp_m_port_changed;
	uint64_t sdp_rtcp_rewritten;    /* a=rtcp or a=candidate changed */
	uint64_t sdp_private_residue;   /* a=rtcp/candidate with a private address left after c= rewrite */
	uint64_t sdp_i_added;           /* i= line added (Fortinet nat-trace) */
	uint64_t headers_added, headers_removed;
	uint64_t cl_fixed;              /* Content-Length changed to the right value */
	uint64_t cl_stale;              /* egress Content-Length wrong */
	uint64_t private_leaks;         /* outbound pairs whose outside copy has a private Contact/Via/c=/o= */
};

/*
 * The profile guess.  name: the profile that explains the capture (a
 * profile file's name), "unknown" or "no clear match".  tied: the other
 * profiles that explain it as well (TIE) or, for UNCLEAR, the closest
 * candidates; space separated, "" when none.  why: for people, the
 * observations that decided it and the profiles each rules out.
 */
struct diff_profile {
	enum diff_profile_id id;
	char name[48];
	char tied[256];
	char why[1024];
	unsigned nprofiles;             /* profile files scored */
	unsigned nobs;                  /* observations they were scored on */
};

struct diff_summary {
	const char *path[2];            /* files given to diff_files ("" otherwise) */
	uint64_t frames[2];             /* frames read per side (pass 2) */
	int64_t offset_ns;              /* outside clock - inside clock */
	size_t offset_samples;          /* message keys the median used (0: defaulted/forced) */
	bool offset_forced;
	int64_t window_ns;
	uint64_t sip[2];                /* SIP messages per side */
	uint64_t rtp[2];                /* RTP packets per side */
	uint64_t count[DIFF_NCLASSES];  /* SIP pairs by class */
	uint64_t rtp_paired, rtp_dropped, rtp_injected;
	uint64_t dialogs;
	int64_t first_ns[2], last_ns[2]; /* each side's first and last frame,
	                                * its own clock; 0 when none */
};

/*
 * Inputs that cannot be compared as given (diff_check.c), each with the
 * likely fix: id "no_sip", "no_time_overlap", "no_common_call" or
 * "sides_swapped"; text and fix are sentences for people (file names
 * unescaped).
 */
#define DIFF_PROBLEMS_MAX 4
struct diff_problem {
	const char *id;
	char text[256];
	char fix[320];
};

/* What a front end's exit status follows: SIP messages the router
 * dropped or injected, and the input problems. */
struct diff_result {
	uint64_t dropped, injected;
	struct diff_problem problems[DIFF_PROBLEMS_MAX];
	int nproblems;
};

enum diff_format { DIFF_TEXT, DIFF_JSON, DIFF_HTML };

struct diff_opts {
	enum diff_format format;        /* for diff_run() */
	int64_t window_ns;              /* 0: DIFF_WINDOW_NS */
	bool offset_given;              /* use offset_ns instead of estimating */
	int64_t offset_ns;
	bool only_changes;              /* text: skip identical pairs in dialog lists */
	/* Directories searched for the ALG profiles (NULL-terminated, kept
	 * by the caller); NULL: profile_search_path(). */
	const char *const *profile_dirs;
};

struct diff;

struct diff_cb {
	/* Pass 1 is over: the offset, paths and directions are known. */
	void (*on_begin)(void *user, const struct diff *d);
	/*
	 * A dialog's pairs are complete (quiet, memory pressure or end of
	 * input).  dd and everything in it are freed after the call; copy
	 * what you keep.  May be NULL.
	 */
	void (*on_dialog)(void *user, const struct diff_dialog *dd);
	void *user;
};

/*
 * The front-end entry point.  Compares the two capture files and writes
 * the report to out: text, or one JSON document {"diff": {...}} (keys
 * inside, outside, clock_offset_ns, offset_samples, window_ns, dialogs[]
 * with pairs[] each holding class, dir, label, cseq, inside/outside copies
 * and changes[], rtp[], mappings[], nat_behaviour, profile, features,
 * summary, anomalies).  Returns 0; -1 when a file cannot be opened or
 * memory runs out, with a message for people in err ("'x.pcap': not a
 * pcap or pcapng file").  Both files are opened before anything is
 * written, so out holds nothing on -1.  Anomalies in the files are
 * reported, not errors.  o may be NULL (text, 1 s window, estimated
 * offset).  Memory is bounded (see the caps above) whatever the files.
 */
int diff_run(const char *inside_path, const char *outside_path,
    const struct diff_opts *o, FILE *out, struct diff_result *res,
    char *err, size_t errlen);
/* res (may be NULL) gets diff_check's result on success. */

/* Checks the inputs of a finished comparison (diff_files); fills r. */
void diff_check(const struct diff *d, struct diff_result *r);

/*
 * The same, as a library, for the TUI and the tests.  diff_new returns
 * NULL on OOM; o and cb may be NULL and are copied.
 */
struct diff *diff_new(const struct diff_opts *o, const struct diff_cb *cb);
void diff_free(struct diff *d);

/*
 * Opens both files and runs both passes, calling cb.on_dialog as dialogs
 * complete.  Returns 0, or -1 with err set (nothing called).  Call once.
 */
int diff_files(struct diff *d, const char *inside_path,
    const char *outside_path, char *err, size_t errlen);

/*
 * Packet-level interface (what diff_files does with decoded packets, for
 * tests and other sources).  Pass 1: diff_learn every packet of both
 * sides, then diff_learn_done.  Pass 2: diff_feed the packets again in
 * non-decreasing corrected time (outside ts - offset), then diff_finish,
 * which hands out what is left.  Packets are UDP/SCTP datagrams or TCP
 * segments (p->l4); an may be NULL.  p->payload is not kept.
 */
void diff_learn(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an);
void diff_learn_done(struct diff *d);
void diff_feed(struct diff *d, enum diff_side side, const struct pkt *p,
    struct anomalies *an);
void diff_finish(struct diff *d);

/* Results, valid until diff_free (the tables after diff_finish). */
int64_t diff_offset(const struct diff *d);
const struct diff_summary *diff_summary_get(const struct diff *d);
size_t diff_stream_count(const struct diff *d);
const struct diff_stream *diff_stream_get(const struct diff *d, size_t i);
size_t diff_mapping_count(const struct diff *d);
const struct diff_mapping *diff_mapping_get(const struct diff *d, size_t i);
void diff_nat_behaviour_get(const struct diff *d,
    struct diff_nat_behaviour *b);
const struct diff_features *diff_features_get(const struct diff *d);
/*
 * The profile guess (diff_profile.c): reads every profile file of the
 * search path and scores it against the evidence of the pairs.  Only
 * behaviour a profile's knobs distinguish counts: a field is evidence
 * when it held the translated address (the phone's private one outbound,
 * the router's public one inbound) and was rewritten or left, and a
 * profile is ruled out by an observation only when it predicts the
 * opposite.  p is fully overwritten.
 */
void diff_profile_get(const struct diff *d, struct diff_profile *p);
/* Anomalies of one side (capture reading, decoding, diff caps). */
const struct anomalies *diff_anomalies(const struct diff *d,
    enum diff_side side);

/*
 * Field comparison of two copies of one SIP message (raw bytes, header
 * block and body as carried): fills pr->ch/nch (allocated; free with
 * diff_pair_fini) and the feature counters f (may be NULL).  The NAT
 * mapping used to explain changes is d's table (d may be NULL: nothing
 * explained but Content-Length fixes).  Exposed for tests.
 */
void diff_fields_compare(const struct diff *d, struct diff_pair *pr,
    const uint8_t *ing, size_t ing_len, const uint8_t *egr, size_t egr_len,
    struct diff_features *f);
/*
 * Lists into out (space separated, "" when none) the routing fields of the
 * message raw[0..len) that hold a private IP literal: Contact values, the
 * top Via sent-by, SDP o= and c= lines.  Returns how many.
 */
int diff_private_fields(const uint8_t *raw, size_t len, char *out, size_t n);

/* Frees the changes of a pair (the pair itself is the caller's). */
void diff_pair_fini(struct diff_pair *pr);

/* Learns a mapping row as a pair would (for tests). */
void diff_mapping_add(struct diff *d, uint8_t l4, const struct ep *priv,
    const struct ep *pub, const struct ep *remote, int64_t ts_ns,
    bool media);

/*
 * True when old -> new (ingress -> egress copy of one address token in
 * direction dir) is explained by the mapping table: addresses a known
 * private/public pair and ports equal or a known mapped pair.
 */
bool diff_mapping_explains(const struct diff *d, enum diff_dir dir,
    const struct ep *old_ep, bool old_has_ip, const struct ep *new_ep,
    bool new_has_ip);

/* Names for output. */
const char *diff_profile_match_name(enum diff_profile_id id);
const char *diff_class_name(enum diff_class c);
const char *diff_dir_name(enum diff_dir dir);
const char *diff_change_kind_name(enum diff_change_kind k);

/*
 * The writer diff_run uses (text or JSON, o->format), usable with
 * diff_new/diff_files: diff_writer_cb fills cb so that the heading is
 * written after pass 1 and each dialog as it completes; diff_writer_end
 * writes streams, mappings, behaviour, profile and summary and closes the
 * document.  Returns NULL on OOM; out stays the caller's.
 */
struct diff_writer;
struct diff_writer *diff_writer_new(FILE *out, const struct diff_opts *o);
void diff_writer_free(struct diff_writer *w);
void diff_writer_cb(struct diff_writer *w, struct diff_cb *cb);
void diff_writer_end(struct diff_writer *w, const struct diff *d);

#endif /* SIPALG_DIFF_H */
