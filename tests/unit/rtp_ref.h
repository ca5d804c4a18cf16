/*
 * rtp_ref.h - rtp.c built again with RTP_REFERENCE (rtp_ref.c): every
 * packet through the general code, none through rtp_stream_add's fast
 * paths.  test_rtp compares the two builds packet by packet.
 */
#ifndef SIPALG_RTP_REF_H
#define SIPALG_RTP_REF_H

#include "sip/rtp.h"

void ref_rtp_stream_init(struct rtp_stream *s, const struct ep *src,
    const struct ep *dst, uint32_t ssrc);
void ref_rtp_stream_set_payload(struct rtp_stream *s, int pt,
    uint32_t clock);
void ref_rtp_stream_set_event_pt(struct rtp_stream *s, int pt);
int ref_rtp_stream_add(struct rtp_stream *s, const struct rtp_hdr *h,
    int64_t ts_ns, uint64_t frame);
int ref_rtp_stream_ptime_ms(const struct rtp_stream *s);
int ref_rtp_stream_gap_ms(const struct rtp_stream *s);

#endif /* SIPALG_RTP_REF_H */
