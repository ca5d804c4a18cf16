/*
 * media.h - the media side of a replay: the media lines of the far-end
 * model's dialogs, the ALG's media port choice, the SDP a far end relays
 * for another phone behind the router, and the probes of RTP the capture
 * does not show.  Uses run.h only.
 */
#ifndef SIPALG_SIM_MEDIA_H
#define SIPALG_SIM_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "alg.h"
#include "run.h"
#include "sip/sipmsg.h"

/* media_port's context: the run, the time, the signalling peer. */
struct media_ctx {
	struct run *r;
	int64_t t;
	struct ep peer;           /* the signalling peer the SDP goes to */
};

/*
 * The ALG's media port for inside endpoint inside (alg_media_fn, user a
 * struct media_ctx); 0 when the message is a mangle failure.
 */
uint16_t media_port(void *user, const struct ep *inside);

/* Media line idx of d, created (zeroed) up to idx; NULL beyond
 * FE_MAX_MEDIA. */
struct fe_media *media_line(struct fe_dialog *d, int idx);

/*
 * The dialog and media line (newest) whose phone media endpoint is e: as
 * the phone wrote it inside (outside false), or as the far end learnt it
 * from the outside SDP (outside true).  NULL when none.
 */
struct fe_media *media_find(struct run *r, const struct ep *e, bool outside,
    struct fe_dialog **dout);
struct fe_media *media_by_phone(struct run *r, const struct ep *e,
    struct fe_dialog **dout);

/* The SDP-only rewrite media_relay_sdp runs (r->relay_cfg). */
void media_relay_init(struct sim_cfg *c, const struct sim_cfg *run_cfg);

/*
 * The SDP of another phone behind this router that a far end relays, as
 * that phone's media left the router.  Returns true with ar holding the
 * new bytes (alg_result_fini).
 */
bool media_relay_sdp(struct run *r, const struct fe_dialog *d,
    const struct sipmsg *m, const uint8_t *msg, size_t len,
    struct alg_result *ar);

/* The ALG's "direct RTP" lookup (alg_shortcut_fn, user the run). */
bool media_shortcut(void *user, const struct ep *pub, struct ep *inside);

/* Counts an RTP packet p towards the phone of media line m. */
void media_in(struct fe_media *m, const struct sim_pkt *p, bool ok,
    const char *why);

/* Where the far end sends RTP for this media line now. */
bool media_rtp_target(const struct run *r, const struct fe_media *m,
    struct ep *t);

/*
 * Schedules the probe of d's far-end RTP at t (d->media_check_ns): every
 * writer of a non-zero media_check_ns goes through here, so that
 * media_due_probes looks at the dialogs with a probe pending only.
 */
void media_probe_at(struct run *r, struct fe_dialog *d, int64_t t);

/* Probes the far end's RTP of every dialog whose check is due by now. */
void media_due_probes(struct run *r, int64_t now);

/*
 * Records the media lines of d, being retired, among the run's retired
 * keys (run_ghost_add): -1 out of memory.
 */
int media_ghosts(struct run *r, const struct fe_dialog *d);

#endif /* SIPALG_SIM_MEDIA_H */
