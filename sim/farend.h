/*
 * farend.h - what the parties outside the NAT know about the phone's
 * dialogs, and where they therefore send their packets.
 *
 * The input capture is taken on the inside, so the outside parties'
 * behaviour is modelled, not replayed: a far end answers to the Via of the
 * request as it received it (RFC 3261 18.2.2, RFC 3581 rport), sends
 * in-dialog requests to the phone's Contact (12.1.2), sends RTP to the SDP
 * address it was given or, with symmetric RTP (RFC 4961, latching RFC
 * 7362), back to where the phone's RTP came from, and a registrar reaches
 * the phone at its registered Contact or at the REGISTER's source.  The
 * same knowledge gives the outside bytes of the far end's messages: it
 * echoes the values it received (Via, From, To, Call-ID, Request-URI).
 */
#ifndef SIPALG_SIM_FAREND_H
#define SIPALG_SIM_FAREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alg.h"
#include "base/netaddr.h"
#include "alg/profile.h"

#define FE_MAX_MEDIA 4
#define FE_MAX_SUBS 24
#define FE_MAX_TXN 16
#define FE_MAX_FINDINGS 8

enum fe_kind { FE_CALL, FE_REGISTER, FE_OTHER };

struct fe_media {
	char media[16];
	struct ep phone_in;       /* phone's c=:m= as written inside */
	struct ep phone_out;      /* as the far end learned it from the outside SDP */
	bool public_sdp;          /* the phone wrote a c= outside the NAT (its public address) */
	struct ep phone_sdp;      /* c=:m= exactly as the phone wrote it (before any ALG) */
	struct ep far;            /* far end's c=:m= */
	bool have_far;
	struct ep phone_rtp_pub;  /* public source of the phone's RTP (for latching) */
	bool phone_sent;
	uint64_t out_pkts;        /* phone's RTP in the capture */
	uint64_t in_pkts;         /* far end's RTP in the capture */
	uint64_t in_delivered, in_lost;
	int64_t first_out_ns, first_in_ns;
	char in_lost_reason[200];
	uint64_t in_lost_frame;
	/* the phone's RTP to another phone behind the same router (LAN) */
	uint64_t lan_pkts, lan_delivered;
	char lan_why[200];        /* why the first lost one (or the probe) failed */
	uint64_t lan_frame;
	bool lan_probed;          /* the far end is another phone: both ways probed */
	bool lan_out_ok;          /* probe of this phone's RTP to it */
	/* model probe of the far end's RTP when the capture shows none */
	bool probed, probe_ok;
	char probe_why[200];
	/* the far end's RTP as its SDP announces it (fegen.c) */
	int far_pt;               /* first payload type of its m= line */
	int far_ptime_ms;         /* its a=ptime, 0 when absent */
	uint32_t far_clock;       /* clock rate of that payload */
	bool far_sends;           /* its direction lets it send (not recvonly/inactive) */
	/* modelled far-end RTP written to the outside view (fegen.c) */
	bool model_on;            /* a modelled stream was started */
	int64_t model_next_ns;
	uint16_t model_seq;
	uint32_t model_ts, model_ssrc;
	uint64_t model_pkts;      /* modelled packets on the outside wire */
	uint64_t model_delivered; /* of them, the NAT lets through to the phone */
};

/* A text substitution inside -> outside the far end applies when echoing. */
struct fe_sub {
	char field[24];
	char in[96], out[96];
	bool foreign;             /* the phone wrote out itself (fe_learn_public) */
};

/* The outside view of one outbound request, for routing its responses. */
struct fe_txn {
	uint32_t cseq;
	char method[16];
	struct ep via_out;        /* top Via sent-by as sent outside (family 0: host name) */
	bool rport;
	struct ep src_pub;        /* public source of the request */
	bool verbatim;            /* it left as the phone wrote it, its top Via
	                           * a private address (no rewrite) */
	int64_t t_ns;
};

struct fe_finding {
	char outcome[32];         /* outcome name (outcome.h) */
	char detail[240];         /* the rule and the packet */
	int64_t t_ns;
	uint64_t frame;
};

struct fe_dialog {
	char call_id[256];
	char call_id_out[256];
	enum fe_kind kind;
	bool phone_uac;           /* the phone sent the first request */
	char first_method[16];
	struct ep phone_ip;       /* the inside host of this leg (with call_id, the key) */
	struct ep phone_sig;      /* phone's inside signalling endpoint */
	struct ep phone_pub;      /* its public binding, last outbound message */
	struct ep peer;           /* far end's signalling endpoint */
	uint8_t proto;
	struct ep contact_out;    /* phone's Contact as the far end knows it */
	bool has_contact_out;
	bool has_rr;
	struct fe_sub subs[FE_MAX_SUBS];
	int nsubs;
	struct fe_txn txn[FE_MAX_TXN];
	int ntxn;
	struct fe_media media[FE_MAX_MEDIA];
	int nmedia;

	int64_t t_first_ns, t_last_ns;
	uint64_t first_frame;
	/* call progress */
	bool invite_lost;         /* the (first) INVITE never reached its destination */
	bool far_at_router;       /* a far-end message of it reached the router's
	                           * public address (so the outside view has it) */
	bool gone;                /* never established: later packets cannot exist */
	char invite_lost_why[200];
	uint64_t invite_lost_frame;
	int final_status;         /* final response to the first INVITE / REGISTER */
	int64_t t_answer_ns;      /* 2xx sent or received */
	uint64_t answer_frame;
	bool answer_lost;         /* 2xx never reached the other side */
	char answer_lost_why[200];
	bool ack_seen;            /* ACK delivered (capture or model) */
	bool ack_lost;
	char ack_lost_why[200];
	uint64_t ack_frame;
	bool bye_seen;
	int64_t t_bye_ns;
	bool ack_predicted;       /* ACK delivery decided by the model at the 2xx */
	int64_t media_check_ns;   /* when to probe the far end's RTP (0 = not due) */
	int session_expires;      /* from INVITE/2xx, -1 none */
	bool refreshed;           /* re-INVITE/UPDATE after the answer */
	int64_t t_refresh_ns;
	/* registration */
	struct ep reg_contact_in, reg_contact_out, reg_src_pub, registrar;
	bool reg_contact_rewritten; /* the ALG rewrote the REGISTER's Contact */
	bool reg_dropped;
	char reg_why[200];
	/* farend_answers=false: the capture shows the first request sent
	 * again and again unanswered, the model delivers it (sim_opts
	 * far_silent): the phone gives up after its last transmission */
	bool far_silent;
	unsigned silent_ntx;
	int64_t silent_first_ns, silent_last_ns;
	uint64_t silent_frame;
	/* the capture shows that first request refused beyond the router by
	 * ICMP (sim_opts far_refused): why, for the outcome */
	bool far_refused;
	char refused_why[400];
	uint64_t refused_frame;   /* the ICMP */
	int64_t refused_last_ns;  /* the request's last transmission */
	int reg_expires;
	char note[200];           /* what the phone is shown (inbound rewrites) */
	/* frames of the far end the model made up (fegen.c): RTP the capture
	 * does not show, retransmissions of a message the router dropped */
	uint64_t modelled_rtp, modelled_sip;
	/* findings recorded during the replay */
	struct fe_finding f[FE_MAX_FINDINGS];
	int nf;
	/* the run's bookkeeping: its number in order of first packet (the
	 * reports' order), and the last packet that touched it */
	uint32_t seq;
	int64_t t_touch_ns;
};

/* Adds a finding (kept once per outcome name). */
void fe_finding_add(struct fe_dialog *d, const char *outcome, int64_t t_ns,
    uint64_t frame, const char *detail);

/* Records the ALG edits of an outbound message as echo substitutions. */
void fe_learn_edits(struct fe_dialog *d, const struct alg_result *res);

/*
 * A phone that writes its public endpoint pub itself (STUN, a configured
 * external address): for each of Via (top) and From of the outbound
 * message out[0..len) as it left the router that holds pub's
 * "address:port" unchanged by the ALG, records the substitution
 * phone_in -> pub (foreign).  The kernel's inbound rewrite turns the
 * echoed pub back into phone_in in the far end's messages (nf_nat_sip.c
 * map_addr: an address equal to the packet's destination becomes the
 * conntrack's original source), so inside shows phone_in where the wire
 * outside had pub.  Without that rewrite (ALG off, another vendor) the
 * inside shows pub and the substitution never matches.
 */
void fe_learn_public(struct fe_dialog *d, const struct ep *phone_in,
    const struct ep *pub, const uint8_t *out, size_t len);

/*
 * Where the far end sends a response to the phone's request cseq/method:
 * the outside top Via (received = the request's public source address;
 * port = the source port with rport and farend_rport true, or always with
 * farend_rport source, else the sent-by port).  Returns false when the request was never seen outside.
 */
bool fe_response_target(const struct sim_cfg *c, const struct fe_dialog *d,
    uint32_t cseq, const char *method, struct ep *out);

/*
 * Builds the outside bytes of a far-end message seen inside: the echo
 * substitutions, the top Via received=/rport= as the far end wrote them
 * (response to a request from src_pub), and for requests the
 * Request-URI/To host of target in place of the phone's inside endpoint.
 * A response to a request that left verbatim with the phone's private
 * address (fe_txn.verbatim: the ALG did not cut it) echoes its Via, From
 * and To as the phone wrote them (RFC 3261 8.2.6.2): no substitution
 * there.  Returns a malloc'd copy (caller frees) in *out,
 * or NULL when unchanged.
 */
void fe_outside_bytes(const struct fe_dialog *d, const uint8_t *msg,
    size_t len, bool is_request, const struct ep *phone_in,
    const struct ep *target, const struct ep *src_pub, bool verbatim,
    uint8_t **out, size_t *out_len);

#endif /* SIPALG_SIM_FAREND_H */
