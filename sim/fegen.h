/*
 * fegen.h - the frames of the far end that the inside capture cannot
 * show, made up by the model for the outside view (-w).
 *
 * An inside capture shows what the real router let in; under another
 * configuration the far end's packets would have met another fate.  So
 * that the outside view carries what the model predicts the far end
 * sends (and sipalg-analyze reading it reaches the predicted outcome),
 * two kinds of frame are modelled:
 *   - RTP the far end sends where the capture shows none of it reaching
 *     the phone's media endpoint: from its SDP address, to where its
 *     model sends (media_rtp_target: the SDP address it learnt, or the
 *     latched source), every a=ptime (20 ms when absent), from the
 *     dialog's media check until its BYE or the end of the capture;
 *   - retransmissions of a far-end request or 2xx over UDP that the
 *     router dropped (RFC 3261 17.1.1.2 Timer A for INVITE, 17.1.2.2
 *     Timer E for other requests, 13.3.1.4 for the 2xx: T1 = 500 ms
 *     doubling, capped at T2 = 4 s except for INVITE, until 64*T1), unless
 *     the capture itself shows the message again.
 * Only frames whose destination is the router's public address are
 * written (the others never reach its outside link); each is also put to
 * the NAT as a probe (no state changes), and counted per dialog
 * (modelled_rtp, modelled_sip) and per media line (model_pkts,
 * model_delivered).  Modelled frames never change a prediction: those
 * rest on the probes (media.c) and the captured packets.
 */
#ifndef SIPALG_SIM_FEGEN_H
#define SIPALG_SIM_FEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "sip/sipmsg.h"

/* The run's generator state; NULL on OOM (then nothing is modelled). */
struct fegen *fegen_new(void);
void fegen_free(struct fegen *g);

/*
 * Media line k of dialog d was probed at t (media_probe): when the
 * capture shows no far-end RTP to it, a modelled stream starts at t.
 */
void fegen_rtp_start(struct run *r, struct fe_dialog *d, int k, int64_t t);

/*
 * A far-end SIP message m of the capture (wb/wl as it went outside, to
 * target, delivered or not): a transmission the capture shows ends the
 * modelled retransmissions of the same message; a UDP request or 2xx to
 * INVITE the router dropped on its public address starts them.
 */
void fegen_sip(struct run *r, const struct sim_pkt *p, const struct sipmsg *m,
    const uint8_t *wb, size_t wl, const struct ep *target, bool delivered);

/*
 * Writes every modelled frame due before now, in time order (final: the
 * run ends at now; retransmissions still due are written to their end).
 */
void fegen_due(struct run *r, int64_t now, bool final);

/*
 * The dialogs (by index in the run's table) whose modelled frames are
 * still due get busy[i] = 1 (sim.c keeps them); fegen_remap() renumbers
 * them after the table is compacted (map: old index -> new).
 */
void fegen_mark(const struct fegen *g, uint8_t *busy);
void fegen_remap(struct fegen *g, const uint32_t *map);

#endif /* SIPALG_SIM_FEGEN_H */
