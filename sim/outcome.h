/*
 * outcome.h - per-dialog predicted outcomes and the reports built on them.
 *
 * A replay (sim.h) leaves facts per dialog: which packets were lost where,
 * what the model predicts for the packets the capture cannot show (the
 * far end's ACK, its RTP).  outcome_eval() turns them into one outcome
 * with the rule and the packet that caused it; the printers write a single
 * run, or a table of dialogs x configurations with a verdict line, as text
 * or JSON.
 */
#ifndef SIPALG_SIM_OUTCOME_H
#define SIPALG_SIM_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "assume.h"
#include "farend.h"
#include "alg/profile.h"
#include "sim.h"

enum outcome_id {
	OUT_COMPLETED,            /* call answered, ACKed, audio both ways */
	OUT_REGISTERED,
	OUT_ACK_TIMEOUT_DROP,     /* 2xx or its ACK lost: call dropped at 32 s */
	OUT_ONE_WAY_AUDIO,
	OUT_NO_AUDIO,
	OUT_INBOUND_UNANSWERED,   /* inbound INVITE never reached the phone */
	OUT_CALL_FAILED,          /* INVITE dropped, or a final error response */
	OUT_REGISTRATION_FAILURE,
	OUT_TRANSFER_FAILURE,
	OUT_SESSION_TIMER_DROP,   /* ALG drops the dialog at Session-Expires */
	OUT_MAX_CALL_DROP,        /* ALG cuts the call at max_call */
	OUT_TRANSACTION_LOST,     /* a non-call transaction's response lost */
	OUT_INCOMPLETE,           /* the capture ends before an answer */
	OUT_COUNT
};

struct outcome {
	enum outcome_id id;
	char direction[48];       /* one_way_audio: which way still works */
	char detail[400];         /* the rule, in words */
	int64_t t_ns;             /* when it happens (capture time) */
	uint64_t frame;           /* the inside frame that caused it, 0 if none */
	char also[160];           /* other problems, comma-separated names */
	/*
	 * What the outcome is about lies on no view the simulator writes (-w,
	 * --write-inside), so sipalg-analyze reading them cannot confirm or
	 * refute it: a media outcome decided only by the model's probes of RTP
	 * between two phones behind the router, of which the capture shows no
	 * packet (their LAN carries it, out of the capture point's sight); an
	 * inbound INVITE the far end sends where it never reaches the router
	 * (a private Contact).  The outcome stands; unobs_why says why it
	 * cannot be seen.
	 */
	bool unobservable;
	char unobs_why[320];
};

const char *outcome_name(enum outcome_id id);
/* True for outcomes that mean "worked". */
int outcome_ok(enum outcome_id id);

void outcome_eval(const struct sim_cfg *cfg, const struct sim_result *res,
    const struct fe_dialog *d, struct outcome *out);

/* One configuration's verdict ("with profile linux, 1 of 1 calls complete"). */
void outcome_verdict(const struct sim_cfg *cfg, const struct sim_result *res,
    char *buf, size_t n);

/*
 * Where a far-end assumption's value comes from, in words ("profile
 * linux", "--set", "inferred from frame 7") into buf; returns buf.
 */
const char *outcome_assume_source(const struct sim_cfg *cfg,
    const struct assumption *a, char *buf, size_t n);

/*
 * The far end's modelled frames of d in the outside pcap (sim/fegen.h):
 * RTP packets, of them those the NAT lets in, SIP retransmissions.
 */
void outcome_modelled(const struct fe_dialog *d, uint64_t *rtp,
    uint64_t *rtp_in, uint64_t *sip);

/* What a modelled frame is, for the reports. */
extern const char outcome_modelled_note[];

/*
 * One dialog as the reports show it: what they print of it and its
 * predicted outcome.  A dialog nothing more can change is reduced to
 * this row during the replay and its record freed (sim.c dialog
 * retirement); the rows are kept in an unlinked temporary file.
 */
struct sim_row {
	size_t seq;               /* number in order of first packet, from 0 */
	enum fe_kind kind;
	bool phone_uac;
	char first_method[16];
	char call_id[256];
	struct ep phone_ip;
	uint64_t first_frame;
	char note[200];
	uint64_t mrtp, mrtp_in, msip;   /* outcome_modelled() */
	struct outcome o;
};

/* The row of the live dialog d. */
void outcome_row(const struct sim_cfg *cfg, const struct sim_result *res,
    const struct fe_dialog *d, struct sim_row *row);

/*
 * Dialog number seq of res (0 <= seq < res->nseq) as a row: a live
 * dialog evaluated now, or a retired one read back.  0, or -1 (not
 * found, read error).
 */
int outcome_row_get(const struct sim_cfg *cfg, const struct sim_result *res,
    size_t seq, struct sim_row *row);

/* Keeps row (a retired dialog) in res's store; -1 when it cannot. */
int outcome_rows_add(struct sim_result *res, const struct sim_row *row);

/* Bytes a row takes in the store (its encoding). */
size_t outcome_row_bytes(const struct sim_row *row);

/*
 * 0, or the errno of the first failure to keep or read back a retired
 * dialog's row (the temporary file in $TMPDIR, else /tmp): its report
 * would lack calls, so the caller fails the run.
 */
int outcome_rows_error(const struct sim_result *res);

void outcome_rows_free(struct sim_result *res);

enum outcome_fmt { OUTCOME_TEXT, OUTCOME_JSON };

/*
 * A table of dialogs x runs (n >= 1 results of the same capture).  One
 * run also lists the drops.  cfgs[i] produced res[i] under the far-end
 * assumptions as[i] (NULL: not reported).  outside: the capture was
 * taken outside a NAT (assume_outside_capture), said instead of a
 * verdict on calls it cannot hold.
 */
void outcome_report(FILE *f, enum outcome_fmt fmt, const char *capture,
    const struct sim_cfg *const *cfgs, const struct sim_result *const *res,
    const struct sim_assume *as, bool outside, size_t n);

#endif /* SIPALG_SIM_OUTCOME_H */
