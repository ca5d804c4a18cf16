/*
 * model.h - the far-end model's view of each dialog: what a message from
 * the phone (after the ALG) or to it (delivered or not) means for the
 * dialog's facts, which outcome.c turns into a prediction.  Uses run.h
 * and media.h.
 */
#ifndef SIPALG_SIM_MODEL_H
#define SIPALG_SIM_MODEL_H

#include <stdbool.h>

#include "alg.h"
#include "run.h"
#include "sip/sipmsg.h"

/*
 * True when a message of d cannot exist in this run: the dialog never got
 * started, so only the initiator's retransmissions of that request (and
 * CANCEL) are real.
 */
bool model_suppressed(const struct fe_dialog *d, const struct sipmsg *m,
    bool from_phone);

/*
 * Where the far end sends an in-dialog request of d (the phone's
 * Contact as it learnt it, or the source of its last message); false
 * when it knows neither.
 */
bool model_dialog_target(const struct run *r, const struct fe_dialog *d,
    struct ep *t);

/*
 * A message from the phone that left: mi as the phone sent it, mo as it
 * left the router (mi when unchanged), pub its public source, ar the
 * ALG's edits (NULL: not inspected).
 */
void model_outbound(struct run *r, struct fe_dialog *d,
    const struct sim_pkt *p, const struct sipmsg *mi, const struct sipmsg *mo,
    const struct ep *pub, const struct alg_result *ar);

/*
 * A far-end message mi (as the capture shows it), delivered or not (why);
 * seen is the same message as the phone got it; target where the far end
 * sent it (d->far_at_router when that is the router's public address).
 */
void model_inbound(struct run *r, struct fe_dialog *d,
    const struct sim_pkt *p, const struct sipmsg *mi, const struct sipmsg *seen,
    bool delivered, const char *why, const struct ep *target);

/* The dialog's media is over: its pinholes close. */
void model_close_media(struct run *r, struct fe_dialog *d);

/*
 * A message from the phone that never reaches the far end (dropped by the
 * ALG, or discarded by the far end): what it means for its dialog.
 */
void model_outbound_lost(struct fe_dialog *d, const struct sipmsg *mi,
    const struct sim_pkt *p, const char *why);

#endif /* SIPALG_SIM_MODEL_H */
