/*
 * assume.h - the far-end assumptions a prediction rests on, and what the
 * inside capture itself shows about them.
 *
 * The capture is taken on the phone side, so how the parties outside
 * behave is modelled (farend.h), by four knobs: registrar_target,
 * farend_dialog_target, farend_symmetric_rtp and farend_rport.  Some of
 * it shows inside: an in-dialog request that reached a phone whose
 * Contact was private, a new request that reached a phone registered
 * with a private Contact (both only when the capture also shows private
 * addresses crossing this router untranslated, else an ALG that rewrote
 * them explains it as well), far-end RTP that echoes the phone's own
 * packets back to a phone whose SDP address was private (a far end that
 * sends to where the phone's RTP comes from: latching, RFC 7362), a
 * response that reached the phone's source port although the request's
 * Via named another port and no ;rport (a far end that answers to the
 * source whatever the Via says).  assume_observe() reads the capture packet by
 * packet (so a streaming reader can run it as a first pass);
 * assume_apply() sets the inferred knobs on a configuration unless
 * --set named them, and records where each value came from for the
 * report.  The capture's shape is noted too: no SIP from a private
 * address means it was taken outside a NAT.
 */
#ifndef SIPALG_SIM_ASSUME_H
#define SIPALG_SIM_ASSUME_H

#include <stdbool.h>
#include <stdint.h>

#include "alg/profile.h"
#include "sim.h"

enum assume_knob {
	ASSUME_REGISTRAR_TARGET,
	ASSUME_DIALOG_TARGET,
	ASSUME_SYMMETRIC_RTP,
	ASSUME_RPORT,
	ASSUME_ANSWERS,           /* farend_answers: not a profile knob */
	ASSUME_NKNOBS
};

/* ASSUME_DEFAULT: a knob no profile holds, at the model's default. */
enum assume_how { ASSUME_PROFILE, ASSUME_SET, ASSUME_INFERRED, ASSUME_DEFAULT };

/* One knob's value in a configuration and where it comes from. */
struct assumption {
	const char *knob;         /* knob name (static) */
	char value[16];
	enum assume_how how;
	uint64_t frame;           /* ASSUME_INFERRED: the frame that shows it */
	char why[1200];           /* what the capture shows (may be empty) */
};

struct sim_assume {
	struct assumption a[ASSUME_NKNOBS];
};

#define ASSUME_MAX_PHONES 16
#define ASSUME_MAX_MEDIA 64
#define ASSUME_MAX_DIALOGS 256
#define ASSUME_MAX_REQS 32
#define ASSUME_MAX_TX 64
#define ASSUME_MAX_SENT 64
#define ASSUME_MAX_PATHS 32

/*
 * One request of a phone whose answer is awaited (farend_answers): its
 * first request of a call (INVITE without To tag) or a REGISTER, over
 * UDP, and what the capture shows of it.
 */
struct assume_tx {
	uint64_t hash;            /* of the Call-ID (0: slot free) */
	uint32_t cseq;
	bool invite;              /* else REGISTER */
	struct ep src, dst;       /* the phone's source, the far end */
	unsigned ntx;             /* transmissions */
	int64_t first_ns, last_ns;
	int64_t fourth_ns;        /* the third retransmission (0: none) */
	uint32_t ip_len;          /* IP length of the first copy */
	bool phone_frags;         /* the phone sent it in IP fragments */
	uint64_t frame;           /* the first transmission */
	bool answered;            /* a response of its transaction came back */
	uint64_t refused_frame;   /* an ICMP from the path, not the far end, or
	                           * "fragmentation needed", quoted it */
	uint8_t refused_l4;       /* that refusal's kind (ingest/pkt.h) */
	uint8_t refused_type, refused_code; /* PKT_ICMP_SIP_UNREACH's */
	struct ep refused_by;     /* who sent it (family 0: none) */
	unsigned nunreach;        /* destination unreachables quoting it */
};

/* A path from a phone (address:port) to a far end, and the largest
 * request answered on it. */
struct assume_path {
	struct ep src, dst;       /* family 0: slot free */
	uint32_t max_len;         /* IP length of the largest answered */
	uint64_t frame;           /* its response */
};

/* What the capture shows, gathered packet by packet. */
struct assume_ctx {
	struct ep phones[ASSUME_MAX_PHONES];   /* private hosts that sent SIP */
	int nphones;
	struct ep reg_private[ASSUME_MAX_PHONES]; /* registered a private Contact */
	int nreg;
	struct {
		uint64_t hash;            /* of the Call-ID */
		struct ep phone;          /* its phone's address */
		bool contact_private;
	} dlg[ASSUME_MAX_DIALOGS];
	int ndlg;
	struct {
		struct ep e;              /* phone's private SDP endpoint */
		int64_t first_out_ns, first_in_ns;
		uint64_t in_frame;
		struct ep far_src;
		uint64_t sent[8];         /* hashes of the phone's last packets */
		unsigned nsent;
		uint64_t echo_frame;      /* a far-end packet equal to one of them */
	} med[ASSUME_MAX_MEDIA];
	int nmed;
	struct {
		uint64_t hash;            /* of the Call-ID */
		uint32_t cseq;
		struct ep src;            /* the phone's source (address and port) */
		uint16_t via_port;        /* its top Via sent-by port, without ;rport */
	} req[ASSUME_MAX_REQS];       /* ring of the phone's last such requests */
	unsigned nreq;
	uint64_t rport_frame;         /* a response to one reached the source port */
	uint16_t rport_via, rport_src;
	uint64_t untranslated_frame;  /* a far-end message carried another phone's private address */
	uint64_t dialog_frame;        /* in-dialog request to a phone with a private Contact */
	uint64_t register_frame;      /* new request to a phone registered privately */
	struct assume_tx tx[ASSUME_MAX_TX]; /* requests awaiting an answer */
	uint64_t tx_seq;              /* the next slot tried when all are in use */
	/*
	 * The size of what passes each path (farend_answers: a request whose
	 * silence goes with its size, oversize_rule.h): a ring of the phones'
	 * last UDP requests (not ACK), and per path (the phone's source and
	 * the far end, address:port) the largest one answered.
	 */
	struct {
		uint64_t hash;            /* of the Call-ID (0: slot free) */
		uint64_t method;          /* hash of the method */
		uint32_t cseq;
		struct ep src, dst;
		uint32_t ip_len;
	} sent[ASSUME_MAX_SENT];
	unsigned nsent;
	struct assume_path path[ASSUME_MAX_PATHS];
	unsigned path_next;           /* the slot replaced when all are in use */
	uint64_t sip_msgs;            /* SIP messages seen */
	uint64_t private_sip;         /* of them, from or to a private address */
	struct sim_sipread rd;        /* the messages of each packet */
};

void assume_init(struct assume_ctx *x);
/* One packet of the capture, in capture order. */
void assume_observe(struct assume_ctx *x, const struct sim_pkt *p);
/* A SIP datagram the capture shows refused or cut short on the way
 * (sim_capture_each_refusals), in capture order. */
void assume_refused(struct assume_ctx *x, const struct sim_pkt *p);
/* After the last packet: frees what the reader holds (the facts stay). */
void assume_fini(struct assume_ctx *x);

/*
 * The knobs of c as the run will use them: inferred ones set on c
 * unless is_set(name) (a --set), each with where its value comes from.
 * farend_answers is no profile knob: its value is out's (with --set, the
 * value assume_set_answers took); the run follows it through
 * assume_far_silent.
 */
void assume_apply(const struct assume_ctx *x, struct sim_cfg *c,
    bool (*is_set)(void *user, const char *knob), void *user,
    struct sim_assume *out);

/*
 * Knobs of the far end that no profile holds (farend_answers): true when
 * set names one ("KNOB=VALUE"); then *value is 1 (true) or 0 (false),
 * or -1 for a value it does not take (err says which).
 */
bool assume_own_knob(const char *set, int *value, char *err, size_t errlen);

/* Sets farend_answers to value (0, 1) as --set gave it, on out (after
 * assume_apply). */
void assume_set_answers(struct sim_assume *out, int value);

/* Whether the run follows farend_answers=false (out from assume_apply). */
bool assume_answers_false(const struct sim_assume *out);

/*
 * sim_opts far_silent (user the struct assume_ctx): whether the capture
 * shows the first request of call_id from phone (an INVITE, a REGISTER)
 * sent at least twice with no answer and nothing on the path refusing
 * it; *out then says how often and when.  assume_far_silent leaves out
 * a request whose silence goes with its size (oversize_rule.h, not sent
 * in fragments by the phone: the path's MTU may have dropped it, the
 * model's outside_mtu decides); assume_far_silent_all, for a
 * farend_answers=false the user set, takes it too.
 */
bool assume_far_silent(const void *user, const char *call_id,
    const struct ep *phone, struct sim_silent *out);
bool assume_far_silent_all(const void *user, const char *call_id,
    const struct ep *phone, struct sim_silent *out);

/*
 * sim_opts far_refused (user the struct assume_ctx): whether the capture
 * shows the first request of call_id from phone (an INVITE, a REGISTER)
 * unanswered and refused beyond the router: an ICMP destination
 * unreachable (not "fragmentation needed") quoting it, from a public
 * address (a private one is the capture's own router or LAN, which the
 * model stands for); *out then says how often, when and which ICMP.
 */
bool assume_far_refused(const void *user, const char *call_id,
    const struct ep *phone, struct sim_refusal *out);

/* Whether the run's farend_answers is the user's (--set). */
bool assume_answers_set(const struct sim_assume *out);

/*
 * Whether the capture shows far-end RTP reaching the phone's private SDP
 * endpoint e (1) or none (0); -1 when e is not one it kept (sim_opts
 * far_rtp_shown, user the struct assume_ctx).
 */
int assume_far_rtp_shown(const void *user, const struct ep *e);

/*
 * True when the capture holds SIP and none of it is from or to a private
 * address: it was taken outside a NAT (or there is none), so there is no
 * phone side to replay.
 */
bool assume_outside_capture(const struct assume_ctx *x);

#endif /* SIPALG_SIM_ASSUME_H */
