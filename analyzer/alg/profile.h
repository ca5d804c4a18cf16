/*
 * profile.h - the knobs that describe a router (NAT behaviour, ALG
 * behaviour) and the far end, with their types, ranges and defaults, and
 * the readable profile files that set them: each vendor's ALG is one file
 * in sim/profiles/, installed in $(pkgdatadir)/profiles.
 *
 * Two users read the same files: sipalg-sim emulates a profile (sim/),
 * and the inside/outside comparison scores every profile against the
 * rewrites it saw (diff/diff_profile.c).  The struct keeps the name
 * sim_cfg it had when only the simulator used it.
 *
 * One struct sim_cfg holds every knob.  The knob table (profile.c) names
 * each one, its type (bool, unsigned range, enum, list) and the field it
 * sets, so the profile parser, --set, --show-profile and the error message
 * that lists the valid knobs and values all come from the same place.  A
 * knob that is not in the table is rejected: nothing is accepted and then
 * silently ignored.
 *
 * Profile files are "knob = value" lines; '#' starts a comment; blank lines
 * are skipped; "include NAME" first applies another profile.  Defaults are
 * the Linux nf_conntrack_sip/nf_nat_sip behaviour (ALG-REFERENCE section 1).
 */
#ifndef SIPALG_ALG_PROFILE_H
#define SIPALG_ALG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum nat_map_kind { NAT_EIM, NAT_ADM, NAT_APDM };      /* RFC 4787 4.1 */
enum nat_filter_kind { NAT_EIF, NAT_ADF, NAT_APDF };   /* RFC 4787 5 */

enum rw_ruri { RW_RURI_OFF, RW_RURI_MATCH, RW_RURI_IP };
enum rw_via { RW_VIA_OFF, RW_VIA_TOP, RW_VIA_ALL };
enum rw_contact { RW_CONTACT_OFF, RW_CONTACT_FIRST, RW_CONTACT_ALL };
enum rw_fromto { RW_FROMTO_OFF, RW_FROMTO_FIRST, RW_FROMTO_ALWAYS };
enum mport_policy { MPORT_KEEP_UNLESS_BUSY, MPORT_RANDOM, MPORT_KEEP_PRIVATE };
enum cl_policy { CL_RECOMPUTE_FROM_V, CL_EXACT, CL_NONE };
enum frag_policy { FRAG_REASSEMBLE, FRAG_DROP };
/* A SIP message split across TCP segments (ALG-REFERENCE 1.2, K2). */
enum tcp_split_policy { TCPSPLIT_PASS, TCPSPLIT_REASSEMBLE, TCPSPLIT_DROP };
enum src_policy { SRC_PEER, SRC_ANY };
enum reg_target { REG_TARGET_CONTACT, REG_TARGET_SOURCE };
/* Where the far end answers a request (RFC 3261 18.2.2, RFC 3581):
 * the Via sent-by port; the source port when Via has ;rport; the source
 * port always (a NAT-aware server). */
enum farend_rport { RPORT_IGNORE, RPORT_HONOUR, RPORT_SOURCE };
/* What the ALG does when the public media port it wants is held by another
 * call's pinhole for the same peer (see mport_clash in profile.c). */
enum mport_clash { MCLASH_NEXT_PAIR, MCLASH_DROP };
/* Who owns a media pinhole: the signalling flow it was announced on (the
 * Linux expectation of the master conntrack) or the dialog. */
enum pinhole_scope { PINHOLE_FLOW, PINHOLE_DIALOG };
/* What o= and the session-level c= become in an SDP the ALG handles. */
enum sdp_session_policy {
	SDPSESS_LAST_MEDIA,       /* every SDP, both ways: the last handled m= line's
	                           * media address after the ALG (Linux) */
	SDPSESS_NAT_ADDRESS       /* only when a section was translated: its address */
};
/* A message that starts with CRLFs (keepalives before it in the packet). */
enum leading_crlf_policy {
	LEADCRLF_HEADERS_ONLY,    /* not recognised as a request or response: its
	                           * headers are rewritten as a request's, its
	                           * start line and SDP are not, no pinhole (Linux) */
	LEADCRLF_SKIP             /* the CRLFs skipped, the message handled as usual */
};

/* How an ALG cuts the SIP messages of one TCP segment. */
enum tcp_framing_policy {
	TCPFRAME_CONTENT_LENGTH,  /* sip_help_tcp(): from the segment's (or the
	                           * previous message's) end to the end of the
	                           * body the next Content-Length header gives;
	                           * stops at the first message it cannot cut
	                           * that way, the rest untouched (Linux) */
	TCPFRAME_STREAM           /* RFC 3261 18.3 stream framing (a missing
	                           * Content-Length is 0); a segment that is not
	                           * whole messages passes untouched */
};

/*
 * tcp_segment_framing = content_length: a message whose body runs past
 * the segment's end.
 */
enum tcp_cl_check {
	TCPCL_SEGMENT,            /* a Content-Length above the bytes left in
	                           * the segment (from the message's start) ends
	                           * the cut, the seq adjust of the messages
	                           * before it recorded; only a smaller one whose
	                           * body still runs past the end returns before
	                           * the adjust (Linux since 2026) */
	TCPCL_BODY_END            /* only the body's end is checked: past the
	                           * segment, return before the seq adjust;
	                           * Content-Length taken modulo 2^32 (Linux
	                           * before 2026) */
};

/* Via parameters restored on inbound responses (bit set). */
#define VIA_PARAM_RECEIVED 0x1
#define VIA_PARAM_RPORT    0x2
#define VIA_PARAM_MADDR    0x4

#define SIM_MAX_INSPECT_PORTS 8

struct sim_cfg {
	char name[64];            /* profile name, for reports */

	/* NAT (RFC 4787) */
	int nat_mapping;          /* enum nat_map_kind */
	int nat_filtering;        /* enum nat_filter_kind */
	bool port_preservation;
	bool consistent_nat;
	uint32_t udp_timeout;     /* s, unreplied UDP binding */
	uint32_t udp_stream_timeout; /* s, UDP seen both ways */
	bool udp_stream_2s_rule;  /* stream timeout only if still active 2 s after the first packet */
	uint32_t tcp_timeout;     /* s, established TCP */
	bool nat_hairpin;         /* a LAN packet to the public address is looped back (RFC 4787 REQ-9) */
	uint32_t outside_mtu;     /* bytes of IP the outside link carries */
	bool unsolicited_tuple;   /* a refused inbound packet's conntrack holds its tuple (Linux) */

	/* ALG */
	bool alg;
	uint16_t inspect_udp[SIM_MAX_INSPECT_PORTS];
	int ninspect_udp;
	uint16_t inspect_tcp_ports[SIM_MAX_INSPECT_PORTS];
	int ninspect_tcp;
	bool inspect_tcp;
	uint32_t sip_timeout;     /* s, signalling binding while inspected; 0 = plain UDP timeouts */
	uint32_t expect_timeout;  /* s, unused media/registration pinholes */
	uint32_t max_call;        /* s, dialog torn down after this; 0 = none */
	int rewrite_ruri;
	int rewrite_via;
	unsigned rewrite_via_params;
	int rewrite_contact;
	bool require_port_match;
	int rewrite_from_to;
	bool rewrite_call_id;
	bool rewrite_route_rr;
	bool contact_fixup;
	bool sdp_fixup;
	bool sdp_requires_src_match;
	bool rewrite_o_line;
	int sdp_session;          /* enum sdp_session_policy */
	int leading_crlf;         /* enum leading_crlf_policy */
	bool rewrite_a_rtcp;
	bool rewrite_ice;
	uint32_t sdp_max_media;
	int mport_policy;
	int mport_clash;          /* enum mport_clash */
	int content_length;
	bool sdp_add_i_line;
	bool strip_unknown_headers;
	bool drop_on_parse_error;
	bool block_unknown_methods;
	uint32_t max_line_length; /* 0 = no limit */
	uint32_t max_ruri_len;    /* 0 = no limit */
	int udp_fragments;
	int tcp_split_msgs;       /* enum tcp_split_policy */
	int tcp_segment_framing;  /* enum tcp_framing_policy */
	int tcp_cl_check;         /* enum tcp_cl_check */
	bool register_pinhole;
	int pinhole_src;          /* enum src_policy */
	int media_src;            /* enum src_policy */
	bool session_expires_tracking;
	bool register_requires_contact_port;
	bool reg_hides_nat;       /* a REGISTER whose Contact the ALG rewrote looks un-NATed to the registrar */
	bool lan_media_shortcut;  /* inbound SDP naming another inside phone's public media goes back to its private addr (K2) */
	int pinhole_scope;        /* enum pinhole_scope */
	uint32_t max_pinholes_per_flow; /* media pinholes one signalling flow holds, oldest evicted; 0 = no limit */
	bool register_contact_rule; /* registration pinhole kept only for a 2xx Contact = public addr:port, expires > 0 */

	/* far-end model */
	bool farend_symmetric_rtp;
	int farend_rport;         /* enum farend_rport */
	int registrar_target;     /* enum reg_target */
	int farend_dialog_target; /* enum reg_target: in-dialog requests to the Contact or the phone's source */
	uint32_t farend_nat_keepalive; /* s between registrar keepalives when it detects NAT; 0 = none
	                           * (detection: Contact differs from the REGISTER source, unless the
	                           * ALG rewrote the Contact and reg_hides_nat is true) */
};

/* Linux defaults (profile "linux" without its file). */
void profile_defaults(struct sim_cfg *c);

/*
 * Sets knob name to value (both C strings).  Returns 0, or -1 with err
 * naming the problem and listing the valid knobs (unknown name) or the
 * valid values / range (bad value); c is unchanged then.
 */
int profile_set(struct sim_cfg *c, const char *name, const char *value,
    char *err, size_t errlen);

/* Applies "knob=value"; same contract as profile_set. */
int profile_set_arg(struct sim_cfg *c, const char *arg, char *err,
    size_t errlen);

/*
 * Reads a profile file onto c.  dirs (NULL-terminated) is the search path
 * for "include NAME".  Returns 0, or -1 with err = "FILE:LINE: reason"; c
 * may be partly updated then (callers discard it).
 */
int profile_load_file(struct sim_cfg *c, const char *path,
    const char *const *dirs, char *err, size_t errlen);

/*
 * Loads profile NAME (file NAME.conf in the first of dirs holding it) onto
 * defaults.  NAME must be letters, digits, '-' and '_'.  Returns 0 or -1
 * with err.
 */
int profile_load(struct sim_cfg *c, const char *name,
    const char *const *dirs, char *err, size_t errlen);

/* Writes every knob as "knob = value" lines (a loadable profile). */
void profile_print(const struct sim_cfg *c, FILE *f);

/*
 * Value of one knob as text into buf; NULL for an unknown knob.  A buffer
 * of PROFILE_VALUE_MAX holds every value whole (the longest is
 * inspect_ports with 2 x SIM_MAX_INSPECT_PORTS five-digit ports); a
 * shorter one cuts it.
 */
#define PROFILE_VALUE_MAX 256
const char *profile_get(const struct sim_cfg *c, const char *name,
    char *buf, size_t n);

/* Number of knobs and the name of the i-th one. */
size_t profile_nknobs(void);
const char *profile_knob_name(size_t i);

/*
 * The profile search path: $SIPALG_PROFILES when set and not empty, the
 * installed directory, then the source tree's sim/profiles (so programs
 * run from the build tree find the files).  Fills dirs[0..n-1] and a
 * NULL after them (n >= 4 holds them all); returns how many.  The
 * strings are the environment's and constants: do not free them.
 */
size_t profile_search_path(const char **dirs, size_t n);

/* The installed profile directory, for messages. */
const char *profile_installed_dir(void);

/*
 * Lists the profile names found in dirs (sorted, deduplicated) through cb.
 * Returns how many.
 */
size_t profile_list(const char *const *dirs,
    void (*cb)(void *user, const char *name, const char *path), void *user);

#endif /* SIPALG_ALG_PROFILE_H */
