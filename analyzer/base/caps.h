/*
 * caps.h - every hard limit of the analyzer, in one place.
 *
 * Captures come from strangers' networks.  Each structure that grows with
 * the input is bounded here; code that hits a cap records the matching
 * anomaly (anomaly.h) and drops the excess instead of allocating more.
 * Nothing is ever allocated from a count a packet claims: sizes below are
 * the ceiling, and allocation follows the bytes really seen.
 *
 * Time values are in nanoseconds of capture time (CAP_*_NS).
 */
#ifndef SIPALG_CAPS_H
#define SIPALG_CAPS_H

#define CAP_NS_PER_SEC 1000000000LL

/* Capture ingest. */
#define CAP_SNAPLEN            262144  /* largest frame we look at */
#define CAP_FILES              64      /* capture files in one run */
#define CAP_PCAPNG_HEAD        65536   /* pcapng bytes read for its interface blocks */
#define CAP_IFACES             8       /* pcapng interfaces described per file */
#define CAP_IFFILTER           512     /* bytes of an interface's capture filter kept */
#define CAP_IFNAME             64      /* bytes of an interface's name kept */

/* Encapsulation: VLAN tags, tunnels (IP-in-IP, GRE, ERSPAN) nested. */
#define CAP_VLAN_DEPTH         4
#define CAP_ENCAP_DEPTH        6
#define CAP_IPV6_EXT_HEADERS   16

/* IP fragment reassembly. */
#define CAP_FRAG_DATAGRAMS     1024    /* datagrams pending at once */
#define CAP_FRAG_PER_DATAGRAM  64      /* fragments of one datagram */
#define CAP_FRAG_DATAGRAM_BYTES 65535  /* reassembled size */
#define CAP_FRAG_TIMEOUT_NS    (30 * CAP_NS_PER_SEC)

/* TCP reassembly (SIP over TCP and WebSocket). */
#define CAP_TCP_FLOWS          8192    /* half-connections tracked */
#define CAP_TCP_FLOW_BYTES     (128 * 1024) /* unframed bytes per direction */
#define CAP_TCP_OOO_SEGMENTS   64      /* out-of-order segments held */
#define CAP_TCP_IDLE_NS        (600 * CAP_NS_PER_SEC)

/* SIP and SDP. */
#define CAP_SIP_MSG_BYTES      65535   /* one SIP message, headers + body */
#define CAP_SIP_LINE_BYTES     8192    /* one header line */
#define CAP_SIP_STR_BYTES      1024    /* one extracted field we keep */
#define CAP_SIP_VIAS           8       /* Via values kept per message */
#define CAP_SIP_CONTACTS       8       /* Contact values kept per message */
#define CAP_SDP_MEDIA          8       /* m= lines kept per body */
#define CAP_SDP_PAYLOADS       16      /* payload types kept per m= line */
#define CAP_SDP_CANDIDATES     8       /* ICE candidates kept per m= line */

/* Dialogs and transactions. */
#define CAP_DIALOGS            100000  /* dialogs in flight */
/*
 * Heap held by all dialogs in flight (parsed messages and raw bytes).  Past
 * it the least recently active dialogs are reported early (marked evicted,
 * DIALOG_TABLE_FULL counted), so memory stays bounded whatever the capture.
 */
#define CAP_DIALOG_TOTAL_BYTES (32 * 1024 * 1024)
#define CAP_DIALOG_MESSAGES    512     /* messages kept per dialog */
#define CAP_DIALOG_BYTES       (4 * 1024 * 1024) /* raw bytes kept per dialog */
#define CAP_DIALOG_TRANSACTIONS 128
#define CAP_DIALOG_SDPS        16      /* offer/answer bodies kept per dialog */
#define CAP_DIALOG_STREAMS     16      /* media streams linked to a dialog */

/*
 * A dialog is reported and freed once it has been quiet this long after
 * its end (BYE answered, final failure, CANCEL), so late retransmissions
 * and trailing RTP are still attributed to it.  Dialogs that never end are
 * reported after CAP_DIALOG_IDLE_NS of silence.
 */
#define CAP_DIALOG_LINGER_NS   (40 * CAP_NS_PER_SEC)
#define CAP_DIALOG_IDLE_NS     (3600 * CAP_NS_PER_SEC)
#define CAP_NONCALL_IDLE_NS    (64 * CAP_NS_PER_SEC)
#define CAP_REGISTER_IDLE_NS   (3700 * CAP_NS_PER_SEC) /* an hour's refresh, and a bit */

/* RTP. */
/*
 * RTP streams in flight (about 1.6 KB each, most of it the rate strip):
 * 20000 bound them to ~32 MB.  Streams no SDP announced are capped apart
 * and the least recently active one is reported early to make room, so a
 * flood of stray SSRCs cannot crowd out the calls' own streams.
 */
#define CAP_STREAMS            20000
#define CAP_UNANNOUNCED_STREAMS 4096
#define CAP_STREAM_IDLE_NS     (120 * CAP_NS_PER_SEC)
#define CAP_RTP_RATE_SECONDS_STRIP 600 /* seconds of per-second packet-rate strip kept */
#define CAP_SDP_ENDPOINTS      200000  /* announced media endpoints */

/*
 * Symptom detectors (detect.h): findings and evidence kept per dialog;
 * phone bindings and unanswered INVITEs remembered across dialogs.
 */
#define DETECT_MAX_EVIDENCE 12
#define DETECT_MAX_FINDINGS 12
#define DETECT_MAX_BINDINGS 512
#define DETECT_MAX_PENDING 64
#define DETECT_MAX_DEVICES 64      /* devices the ALG verdict scores */
#define DETECT_MAX_ADVISORIES 8    /* advisories per dialog */
#define DETECT_MAX_TOOBIG 64       /* ICMP too-big errors quoting SIP kept */
#define DETECT_MAX_PATHS 256       /* UDP paths: largest answered request */
/*
 * The join of a call seen as two dialogs (detect_rewrite.c): its initial
 * request and the responses to it, noted as they arrive, are kept for
 * the 1 s two copies of one message may lie apart (about 330 bytes
 * each); the dialogs they found paired, until both are judged (about
 * 300 bytes each).  Both follow the calls in flight; the caps only stop
 * an input with more than CAP_DIALOGS messages noted in one second (the
 * oldest noted is dropped) or frozen timestamps.
 */
#define DETECT_COPY_MAX        CAP_DIALOGS   /* messages noted at once */
#define DETECT_COPY_PER_DIALOG 8             /* ... of one dialog */
#define DETECT_COPY_DIALOGS    (2 * CAP_DIALOGS) /* dialogs with notes or a pair */
#define DETECT_COPY_PEERS      2             /* dialogs paired with one (more:
                                              * none is joined) */
#define DETECT_COPY_SCAN       16            /* notes of one key compared per
                                              * message noted, and kept */
#define DETECT_COPY_MISSES     CAP_DIALOGS   /* messages over the per-dialog
                                              * cap followed for a copy
                                              * under another Call-ID (about
                                              * 90 bytes each) */

/* Inside/outside comparison (diff.h). */
#define DIFF_WINDOW_NS          CAP_NS_PER_SEC /* default pairing window after the offset */
#define DIFF_OFFSET_SAMPLES     4096    /* SIP keys per side used to estimate the offset */
#define DIFF_ADDRS              1024    /* distinct L3 addresses remembered per side */
#define DIFF_SIP_PENDING        65536   /* SIP messages waiting for a partner, both sides */
#define DIFF_RTP_PENDING        2048    /* RTP packets waiting for a partner, per stream */
#define DIFF_STREAMS            CAP_STREAMS /* RTP streams (SSRC, direction) tracked */
#define DIFF_MAPPINGS           4096    /* NAT mapping rows */
#define DIFF_DIALOG_PAIRS       CAP_DIALOG_MESSAGES /* pairs kept per dialog */
#define DIFF_PAIR_CHANGES       128     /* changes kept per pair */
#define DIFF_VALUE_BYTES        256     /* one before/after value kept (truncated) */
#define DIFF_MSG_VALUES         256     /* header values / SDP lines compared per message */
#define DIFF_TOTAL_BYTES        CAP_DIALOG_TOTAL_BYTES /* heap of dialogs in flight */
#define DIFF_DIALOG_QUIET_NS    CAP_DIALOG_LINGER_NS /* quiet time before a dialog is handed out */
/* The ALG profile guess (diff_profile.c): beyond a cap the evidence is
 * not kept (counted in the guess's why), never grown. */
#define DIFF_PROFILE_FLOWS      8       /* SIP flows (transport, ports) evidence is kept for */
#define DIFF_PROFILE_DROPS      32      /* dropped messages kept with the rules they trigger */
#define DIFF_PROFILE_SOURCES    32      /* phone endpoints followed across new requests (NAT) */
#define DIFF_PROFILES           32      /* profile files scored */
#define DIFF_PROFILE_OBS        512     /* observations scored */

/*
 * The simulator (sipalg-sim): it reads its capture as a stream, so its
 * memory is these tables, per configuration replayed.  A mapping is
 * about 250 bytes, a pinhole 120, a call about 14 KB (the far-end
 * model's facts, reported at the end).  Hitting one is counted as a
 * SIM_*_TABLE_FULL anomaly in the prediction.
 */
#define SIM_CAP_NAT_MAPPINGS   65536   /* NAT bindings alive at once */
#define SIM_CAP_PINHOLES       16384   /* ALG expectations (media, REGISTER) */
#define SIM_CAP_DIALOGS        4096    /* calls and registrations in flight (sim.c retire) */
#define SIM_CAP_TCP_CONNS      256     /* TCP connections (sequence shifts) */
#define SIM_CAP_MODEL_STREAMS  1024    /* modelled far-end RTP streams at once (sim/fegen.h) */
#define SIM_CAP_MODEL_RESENDS  256     /* modelled far-end retransmissions pending */

/* Output. */
#define CAP_ESCAPED_FIELD      4096    /* an escaped field printed in text */

#endif /* SIPALG_CAPS_H */
