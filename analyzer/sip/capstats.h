/*
 * capstats.h - what the analysis counted in one capture file: a plain
 * record, filled by the pipeline (analysis.c), stored with the capture
 * (store.h) and printed in the report's summary (output/).  It sits in
 * the call-model layer so that those lower layers need not see the
 * pipeline itself.
 */
#ifndef SIPALG_SIP_CAPSTATS_H
#define SIPALG_SIP_CAPSTATS_H

#include <stdint.h>

/* Per-capture figures besides the anomalies (capture_info.an). */
struct analysis_capstats {
	uint64_t sip_messages;    /* every SIP message parsed, retransmissions included */
	uint64_t sip_retrans;
	uint64_t sip_udp, sip_tcp, sip_ws, sip_sctp;
	uint64_t keepalives;      /* CRLF keepalives (RFC 5626) */
	uint64_t dialogs;         /* dialogs that started in this capture */
	uint64_t rtp_streams;     /* streams linked to dialogs by SDP */
	uint64_t rtp_unannounced; /* streams found by the RTP heuristic */
	uint64_t rtp_packets, rtcp_packets;
	uint64_t udp, tcp, sctp;  /* transport payloads decoded */
};

#endif /* SIPALG_SIP_CAPSTATS_H */
