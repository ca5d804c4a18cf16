/*
 * detect.h - ALG symptom detectors: per dialog findings with evidence,
 * and a capture-level verdict on whether an ALG is present.
 *
 * Detectors run on each dialog when it is over (analysis.c calls
 * detect_dialog before handing the dialog out), with the dialog's messages
 * (retransmission times included) and RTP streams.  State that spans
 * dialogs (registration bindings per AOR, the last outbound packet per
 * phone binding, the ALG evidence score) lives in struct detect.
 * Findings are attached to the dialog (d->findings) and freed with it.
 *
 * The symptoms, their stable ids and which detector finds each are the
 * catalogue in symptom.h.
 */
#ifndef SIPALG_DETECT_H
#define SIPALG_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/caps.h"
#include "detect/symptom.h"
#include "sip/dialog.h"

struct capture_info;

/*
 * Phone bindings followed across dialogs (REGISTER source and registrar,
 * keepalives), and unanswered inbound INVITEs waiting for the REGISTER
 * dialog of their binding, live in fixed tables (DETECT_MAX_BINDINGS,
 * DETECT_MAX_PENDING in caps.h): when full, new entries are not recorded
 * (counted in the verdict's bindings_dropped), nothing grows.
 */

struct evidence {
	uint32_t cap_idx;
	uint64_t frame;           /* 0 when not tied to one packet */
	int64_t ts_ns;
	char field[48];           /* "Contact", "c=", "200 OK retransmission" ... */
	char value[256];          /* what was seen (raw packet text, unescaped) */
};

struct finding {
	const char *id;           /* stable id (symptom_name()); static,
	                           * or owned by whoever read it back */
	double confidence;        /* 0..1 */
	char summary[256];        /* one line */
	const char *explanation;  /* the mechanism, static text */
	const char *remediation;  /* what to change, static text */
	struct evidence ev[DETECT_MAX_EVIDENCE];
	int nev;
};

/*
 * A dialog's findings: f[] the failures observed (counted in the verdict,
 * the reports' counts and the exit status), adv[] advisories: risks seen
 * in the dialog that have not (yet) caused a failure in the capture, in
 * the same shape (id from the same catalogue, summary, evidence), never
 * counted.  When the failure a risk leads to is observed, the risk is
 * cited as evidence of that failure's finding instead.
 */
struct findings {
	struct finding f[DETECT_MAX_FINDINGS];
	int n;
	struct finding adv[DETECT_MAX_ADVISORIES];
	int nadv;
};

enum detect_alg { DETECT_ALG_UNKNOWN, DETECT_ALG_LIKELY, DETECT_ALG_UNLIKELY };

/* How many devices a verdict lists (the strongest first). */
#define DETECT_VERDICT_DEVICES 8

/*
 * One device's verdict: the address:port a NATed phone is seen at (its
 * public mapping, or its private address in an inside capture), the
 * weight of the fingerprints for an ALG and against one seen for it.
 */
struct detect_device_verdict {
	struct ep key;
	enum detect_alg alg;
	double score, against;
};

/*
 * The capture-level verdict: "likely" when some device shows a field
 * translated across a NAT boundary (a proof kind, detect.c); "unlikely"
 * when a device shows its private address crossing the NAT untranslated
 * and no device shows an ALG; "unknown" otherwise.  nat: a NAT boundary
 * is shown at all (a private address on a message to or from a public
 * one); without it no finding may blame an ALG.
 */
struct detect_verdict {
	enum detect_alg alg;
	double score;
	bool nat;
	struct detect_device_verdict devices[DETECT_VERDICT_DEVICES];
	int ndevices;
	struct evidence strongest[4];
	int nstrongest;
	uint64_t dialogs, affected;            /* dialogs seen / with findings */
	uint64_t by_id[SYMPTOM_COUNT];         /* dialogs per symptom_id */
	uint64_t bindings_dropped;             /* binding/pending tables full */
};

struct detect;

/* Returns NULL on OOM. */
struct detect *detect_new(void);
void detect_free(struct detect *dt);

/* Runs every detector on d; sets d->findings (NULL when none). */
void detect_dialog(struct detect *dt, struct dialog *d);

/*
 * A keepalive datagram (CRLF, RFC 5626 3.5.1; or a STUN binding request on
 * a SIP flow) from src to dst at ts_ns: refreshes the phone's binding
 * (src, dst) and counts as a keepalive for registration_failure.  Called
 * by the analysis as packets arrive (before the dialogs around it are
 * reported).  Never allocates; a full binding table drops it.
 */
void detect_keepalive(struct detect *dt, const struct ep *src,
    const struct ep *dst, int64_t ts_ns);

/* The same for a binding already known (a STUN message: on another flow
 * it is an ICE check, not a keepalive). */
void detect_keepalive_known(struct detect *dt, const struct ep *src,
    const struct ep *dst, int64_t ts_ns);

/*
 * Capture cap_idx had n keepalives whose flows are not known (a report
 * replayed from the store keeps only each capture's count): no phone of
 * that capture is then judged to have sent none.
 */
void detect_keepalives_unattributed(struct detect *dt, uint32_t cap_idx,
    uint64_t n);

/*
 * An ICMP "fragmentation needed" / ICMPv6 "packet too big" quoting a SIP
 * datagram (ingest PKT_ICMP_TOOBIG), or a "fragment reassembly time
 * exceeded" quoting one (PKT_ICMP_REASM, reasm): src and dst are the quoted
 * datagram's, quoted_len its IP length as quoted, mtu the reported
 * next-hop MTU (0 none), reporter the ICMP's source.
 */
struct detect_too_big_ev {
	uint32_t cap_idx;
	uint64_t frame;
	int64_t ts_ns;
	struct ep src, dst, reporter;
	uint32_t quoted_len, mtu;
	bool df;
	bool reasm;               /* "fragment reassembly time exceeded"
	                           * (ingest PKT_ICMP_REASM), not too big */
};

/*
 * Records e for oversize_drop (detect_oversize.c): called by the analysis
 * as the error arrives, before the dialog of the refused message is
 * judged.  Never allocates; DETECT_MAX_TOOBIG entries, the oldest
 * replaced.
 */
void detect_too_big(struct detect *dt, const struct detect_too_big_ev *e);

/*
 * Any other ICMP(v6) destination unreachable quoting a SIP datagram
 * (ingest PKT_ICMP_SIP_UNREACH: a filter's admin-prohibited, a host or
 * port unreachable): src and dst are the quoted datagram's, reporter the
 * ICMP's source, type and code the error's, quote and quote_len the
 * quoted SIP bytes (cut anywhere; read here, never kept).
 */
struct detect_refusal_ev {
	uint32_t cap_idx;
	uint64_t frame;
	int64_t ts_ns;
	struct ep src, dst, reporter;
	uint8_t type, code;
	const uint8_t *quote;
	size_t quote_len;
};

/*
 * Records e for inbound_call_unanswered (detect_inbound.c): the INVITE it
 * quotes (its flow, and its Call-ID, CSeq and top Via branch where the
 * quote holds them whole) was refused on the way, by e->reporter.  Called
 * by the analysis as the error arrives.  Never allocates;
 * DETECT_MAX_REFUSALS entries, the oldest replaced.
 */
void detect_sip_refused(struct detect *dt, const struct detect_refusal_ev *e);

/*
 * Response r, just added to dialog d, answers a UDP request of d (same
 * CSeq and method, sent the opposite way): records that request's IP
 * length as carried by its path (source, destination) for oversize_drop's
 * silent form; and notes a response to d's initial request, so that a
 * call seen as two dialogs (its Call-ID rewritten between two capture
 * points) is joined whichever is judged first (dialog.h, join), and who
 * sent a REGISTER it answers (inbound_call_unanswered tells a phone's own
 * INVITE from one to the phone by it).  Called by the analysis as
 * responses arrive, any transport.  DETECT_MAX_PATHS paths, the oldest
 * replaced; the response is noted (allocated) for the 1 s copies lie
 * apart, within the DETECT_COPY_ caps (caps.h).  Also works out what
 * the detectors will ask of r (its memo, dialog.h side_memo) while it is
 * in cache.
 */
void detect_request_answered(struct detect *dt, const struct dialog *d,
    const struct dmsg *r);
/*
 * Request q, just added to dialog d: notes it when it is d's initial
 * request, so that a call seen as two dialogs is joined even when
 * nothing answered it (dialog.h, join).  Called by the analysis as
 * requests arrive (their first copy).  Noted as detect_request_answered
 * notes a response (its memo too).
 */
void detect_request_sent(struct detect *dt, const struct dialog *d,
    const struct dmsg *q);

/*
 * Stored dialog d is joined (dialog.h, join), and the analysis cited
 * ev[0] (d's copy of one message) and ev[1] (its other's) as the proof:
 * the next detect_dialog cites those, in its finding and in the
 * verdict, in place of the copies its own notes paired, when they pair
 * d at all.  A replay from the store notes fewer messages than the
 * analysis did, so its bounded notes may keep copies the analysis had
 * dropped (many calls at once) and pair an earlier one.
 */
void detect_join_cite(struct detect *dt, const struct evidence ev[2]);

/*
 * Messages the join did not note, over a DETECT_COPY_ cap (caps.h) or
 * on OOM, since detect_new: the caller names them per capture
 * (anomaly join_copies_dropped).
 */
uint64_t detect_copies_dropped(const struct detect *dt);

/* The capture-level verdict over the dialogs seen so far. */
void detect_verdict_get(const struct detect *dt, struct detect_verdict *v);

const char *detect_alg_name(enum detect_alg a);

/*
 * One direction of a call's audio on one segment (issue 15.2): what the
 * capture shows of it there.  state is "delivered" (sent to where the
 * receiver is seen using on that segment), "undeliverable" (sent to an
 * address it does not use there: a private address on the public side),
 * "absent" (the segment carries this call's media, none of this
 * direction) or "not_observable" (no media of this call on it).
 */
struct detect_media_leg {
	int dir;                  /* 1 caller->callee, -1 callee->caller */
	enum rtp_segment segment;
	const char *state;        /* static string */
	uint64_t packets;         /* audio packets of that direction there */
	int ptime_ms;             /* measured, 0 when not measured */
	uint8_t vis;              /* enum dialog_vis_state of the segment */
	const char *why;          /* why so, for people (borrowed from the
	                           * dialog; raw filter bytes: escape) */
};

/*
 * Direction of stream s in d: 1 caller->callee, -1 callee->caller, 0
 * unknown.  Judged by SDP endpoints first, then addresses.  Every
 * report and screen names a stream's direction by it.
 */
int detect_stream_dir(const struct dialog *d, const struct rtp_stream *s);

/*
 * The legs of call d, one per direction and segment the call was seen
 * on (at most 4), written to out (room for max); returns how many.  Uses
 * the streams' direction, segment and state that detect_dialog set: call
 * it on a dialog the detectors have judged.
 */
int detect_media_legs(const struct dialog *d, struct detect_media_leg *out,
    int max);

/*
 * Tells dt about capture file cap_idx (its recorded capture filters,
 * capture.h), borrowed until dt is freed or told again.  Without it a
 * file's filters count as unknown.
 */
void detect_set_capture(struct detect *dt, uint32_t cap_idx,
    const struct capture_info *ci);

#endif /* SIPALG_DETECT_H */
