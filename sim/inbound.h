/*
 * inbound.h - a packet from an outside party to a phone behind the
 * router: where the far end really sends it, whether it reaches the
 * phone, the far-end model.  Uses run.h, media.h and model.h.
 */
#ifndef SIPALG_SIM_INBOUND_H
#define SIPALG_SIM_INBOUND_H

#include "run.h"

void inbound_packet(struct run *r, const struct sim_pkt *p);

#endif /* SIPALG_SIM_INBOUND_H */
