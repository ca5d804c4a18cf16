/*
 * detect_int.h - what the detector modules (detect_*.c) share with
 * detect.c: the detector state, helpers to add findings and evidence, and
 * small views of a dialog (who sent a message, which SDP each side sent,
 * which way an RTP stream runs).  Not for callers of the library: they use
 * detect.h.
 *
 * Every detector has the same shape: it reads one finished dialog and may
 * append findings to fs (detect_finding_add returns NULL once
 * DETECT_MAX_FINDINGS are used; detectors just stop then).  State that
 * spans dialogs lives in struct detect.  Detectors never allocate.
 */
#ifndef SIPALG_DETECT_INT_H
#define SIPALG_DETECT_INT_H

#include <stdarg.h>

#include "detect.h"

#define DETECT_NS 1000000000LL

/* Indexes into detect_ids[] and detect_verdict.by_id[]. */
enum detect_id {
	DET_ACK_TIMEOUT_DROP,
	DET_ONE_WAY_AUDIO,
	DET_NO_AUDIO,
	DET_RINGING_AFTER_ANSWER,
	DET_INBOUND_CALL_UNANSWERED,
	DET_REGISTRATION_FAILURE,
	DET_CALLER_ID_MISMATCH,
	DET_TRANSFER_FAILURE,
	DET_SESSION_REFRESH_FAILURE,
	DET_MEDIA_LOST_AFTER_HOLD,
	DET_ALG_REWRITE_EVIDENCE,
	DET_COUNT
};

/*
 * Fingerprints of the ALG itself (ALG-REFERENCE.md section 4) and of its
 * absence, collected over the whole capture for the verdict.  Each kind
 * counts once in the score however often it is seen.
 */
enum alg_hit {
	HIT_RECEIVED_RESTORED,    /* response Via received= = own private IP */
	HIT_PRIVATE_RESIDUE,      /* public Via/Contact/c= beside private Call-ID, a=rtcp, i= */
	HIT_CONTENT_LENGTH,       /* Content-Length does not match the body */
	HIT_MPORT_MISMATCH,       /* public c= right, m= port not the RTP port */
	HIT_ICE_RESIDUE,          /* c= public, only private host candidates */
	HIT_PAIR_REWRITTEN,       /* inside and outside copies differ as NAT would */
	HIT_ALG_COUNT,
	/* Against an ALG: a NATed UA's private address left on the public side. */
	HIT_NOALG_PRIVATE_LEAK = HIT_ALG_COUNT,
	HIT_NOALG_RECEIVED_PUBLIC, /* inside: received= shows the public NAT address */
	HIT_KIND_COUNT
};

/* Registration bindings followed across Call-IDs (per AOR). */
#define DETECT_AORS 256

struct detect_aor {
	char aor[256];
	struct ep contact;        /* last Contact of a 2xx-answered REGISTER */
	int64_t last_ns;
	bool used;
};

struct detect {
	uint64_t dialogs, affected;
	uint64_t by_id[DET_COUNT];
	uint64_t hits[HIT_KIND_COUNT];
	struct evidence hit_ev[HIT_KIND_COUNT]; /* first occurrence of each */
	uint64_t rtp_dialogs;     /* dialogs that carried RTP */
	struct detect_aor aors[DETECT_AORS];
	unsigned aor_next;        /* replacement cursor when full */
};

typedef void (*detect_fn)(struct detect *dt, const struct dialog *d,
    struct findings *fs);

void detect_ack_timeout_drop(struct detect *, const struct dialog *, struct findings *);
void detect_audio(struct detect *, const struct dialog *, struct findings *);
void detect_ringing_after_answer(struct detect *, const struct dialog *, struct findings *);
void detect_inbound_call_unanswered(struct detect *, const struct dialog *, struct findings *);
void detect_registration_failure(struct detect *, const struct dialog *, struct findings *);
void detect_caller_id_mismatch(struct detect *, const struct dialog *, struct findings *);
void detect_transfer_failure(struct detect *, const struct dialog *, struct findings *);
void detect_session_refresh_failure(struct detect *, const struct dialog *, struct findings *);
void detect_media_lost_after_hold(struct detect *, const struct dialog *, struct findings *);
void detect_alg_rewrite_evidence(struct detect *, const struct dialog *, struct findings *);

/*
 * Appends a finding with a printf-style summary.  Returns NULL when fs is
 * full.  expl and rem must be static strings.
 */
struct finding *detect_finding_add(struct findings *fs, enum detect_id id,
    double confidence, const char *expl, const char *rem,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Appends evidence tied to message m (may be NULL: then ts/frame given). */
void detect_ev(struct finding *f, const struct dmsg *m, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void detect_ev_at(struct finding *f, uint32_t cap_idx, uint64_t frame,
    int64_t ts_ns, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Records one ALG (or no-ALG) fingerprint for the verdict. */
void detect_hit(struct detect *dt, enum alg_hit k, const struct evidence *ev);

/* True when m was sent by the caller side (the initial request's sender). */
bool detect_from_caller(const struct dialog *d, const struct dmsg *m);
/* Last message with SDP sent by the caller (or callee) side, NULL none. */
const struct dmsg *detect_last_sdp(const struct dialog *d, bool caller);
/* The initial INVITE (first request of the dialog), NULL if not a call. */
const struct dmsg *detect_initial(const struct dialog *d);
/* First 2xx answering the initial INVITE, NULL none. */
const struct dmsg *detect_answer(const struct dialog *d);
/* First audio m= line of an SDP with a usable port, NULL none. */
const struct sdp_media *detect_audio_media(const struct sdp *s);
/*
 * Direction of stream s in d: 1 caller->callee, -1 callee->caller, 0
 * unknown.  Judged by SDP endpoints first, then addresses.
 */
int detect_stream_dir(const struct dialog *d, const struct rtp_stream *s);
/* Packets of s between [from_ns, to_ns) from its rate strip (approximate
 * to one strip slot). */
double detect_stream_packets_between(const struct rtp_stream *s,
    int64_t from_ns, int64_t to_ns);
/* Parses the host part of a SIP URI (sip:user@host:port;...) as an IP
 * literal into e.  Returns 0, -1 when the host is a name or absent. */
int detect_uri_ip(const char *uri, struct ep *e);
/* The IP literal after '@' in a Call-ID, or -1. */
int detect_callid_ip(const char *callid, struct ep *e);
/* True when e is an IPv4/IPv6 unspecified address (c=0.0.0.0, hold). */
bool detect_ep_unspecified(const struct ep *e);

#endif /* SIPALG_DETECT_INT_H */
