/*
 * outbound.h - a packet from a phone behind the router, on its way out:
 * NAT, the ALG, the outside pcap, the far-end model.  Uses run.h,
 * media.h and model.h.
 */
#ifndef SIPALG_SIM_OUTBOUND_H
#define SIPALG_SIM_OUTBOUND_H

#include "run.h"

void outbound_packet(struct run *r, const struct sim_pkt *p);

#endif /* SIPALG_SIM_OUTBOUND_H */
