/*
 * rtp_ref.c - rtp.c compiled again as the reference for its fast paths
 * (RTP_REFERENCE, see rtp.c), every external name prefixed with ref_ so
 * that it links beside the library's rtp.o (declared in rtp_ref.h).
 */
#define RTP_REFERENCE 1
#define rtp_parse ref_rtp_parse
#define rtp_parse_rest ref_rtp_parse_rest
#define rtcp_looks_like ref_rtcp_looks_like
#define rtp_looks_like ref_rtp_looks_like
#define rtp_static_clock ref_rtp_static_clock
#define rtp_static_name ref_rtp_static_name
#define rtp_segment_name ref_rtp_segment_name
#define rtp_state_name ref_rtp_state_name
#define rtp_stream_init ref_rtp_stream_init
#define rtp_stream_set_payload ref_rtp_stream_set_payload
#define rtp_stream_set_event_pt ref_rtp_stream_set_event_pt
#define rtp_stream_add ref_rtp_stream_add
#define rtp_stream_add_rtcp ref_rtp_stream_add_rtcp
#define rtp_stream_refused ref_rtp_stream_refused
#define rtp_stream_jitter_ms ref_rtp_stream_jitter_ms
#define rtp_stream_expected ref_rtp_stream_expected
#define rtp_stream_pps ref_rtp_stream_pps
#define rtp_stream_ptime_ms ref_rtp_stream_ptime_ms
#define rtp_stream_gap_ms ref_rtp_stream_gap_ms
#define rtp_stream_restore_ptime ref_rtp_stream_restore_ptime
#define rtp_stream_audio ref_rtp_stream_audio

#include "sip/rtp.c"
