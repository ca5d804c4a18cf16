/*
 * anomaly.h - the one table of named anomalies.
 *
 * Every malformed, truncated or over-cap input path in the analyzer has a
 * name here.  Code never crashes or silently drops on bad bytes: it bumps
 * the counter of the anomaly that describes the problem and goes on.  The
 * counters are kept per capture file, reported by sipalg-analyze (text,
 * JSON, CSV), stored by the SQLite store and shown in the browser, so
 * people and detectors see the same facts.
 *
 * Names are stable identifiers (lower case, underscores) used in JSON and
 * in tests; add new ones at the end of a group, never rename.
 */
#ifndef SIPALG_ANOMALY_H
#define SIPALG_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

/* X(ENUM, "name", "what it means") */
#define ANOMALY_TABLE(X)                                                      \
	/* capture file */                                                      \
	X(PCAP_TRUNCATED, "pcap_truncated", "capture file ends inside a packet record") \
	X(PCAP_READ_ERROR, "pcap_read_error", "libpcap reported an error reading a packet") \
	X(CAPLEN_SHORT, "caplen_short", "packet captured shorter than its length on the wire (snaplen)") \
	X(LINK_UNSUPPORTED, "link_unsupported", "link-layer type not decoded") \
	X(PCAPNG_BAD_OPTION, "pcapng_bad_option", "pcapng interface block or option malformed (its capture filter is not known)") \
	X(PCAPNG_IFACES_CAP, "pcapng_ifaces_cap", "more pcapng interfaces than kept (capture filters not known)") \
	X(PCAPNG_BAD_BLOCK, "pcapng_bad_block", "pcapng block malformed, or packet blocks out of step with libpcap (the packets' interfaces are not known)") \
	/* link layer and encapsulation */                                      \
	X(LINK_TRUNCATED, "link_truncated", "link-layer header cut short") \
	X(VLAN_TOO_DEEP, "vlan_too_deep", "more VLAN tags than the cap") \
	X(ENCAP_TOO_DEEP, "encap_too_deep", "more nested tunnels than the cap") \
	X(GRE_TRUNCATED, "gre_truncated", "GRE header cut short") \
	X(GRE_UNSUPPORTED, "gre_unsupported", "GRE version or payload type not decoded") \
	X(ERSPAN_TRUNCATED, "erspan_truncated", "ERSPAN header cut short") \
	X(ETHERTYPE_UNSUPPORTED, "ethertype_unsupported", "network protocol not decoded") \
	/* IPv4 / IPv6 */                                                       \
	X(IP_TRUNCATED, "ip_truncated", "IP header cut short") \
	X(IP_BAD_VERSION, "ip_bad_version", "IP version field is neither 4 nor 6") \
	X(IP_BAD_HLEN, "ip_bad_hlen", "IPv4 header length below 20 bytes or beyond the data") \
	X(IP_BAD_TOTLEN, "ip_bad_totlen", "IP total/payload length below the header size") \
	X(IP_TOTLEN_BEYOND_DATA, "ip_totlen_beyond_data", "IP claims more bytes than were captured") \
	X(IPV6_EXT_TRUNCATED, "ipv6_ext_truncated", "IPv6 extension header cut short") \
	X(IPV6_EXT_TOO_MANY, "ipv6_ext_too_many", "more IPv6 extension headers than the cap") \
	/* fragments */                                                         \
	X(FRAG_OVERLAP, "frag_overlap", "IP fragments overlap with different data") \
	X(FRAG_TOO_MANY, "frag_too_many", "more fragments for one datagram than the cap") \
	X(FRAG_TOO_BIG, "frag_too_big", "reassembled datagram larger than the cap") \
	X(FRAG_TIMEOUT, "frag_timeout", "fragmented datagram never completed") \
	X(FRAG_UNFINISHED, "frag_unfinished", "fragmented datagram still incomplete at the end of the capture") \
	X(FRAG_TABLE_FULL, "frag_table_full", "too many datagrams pending reassembly") \
	X(FRAG_INCONSISTENT, "frag_inconsistent", "fragment contradicts the datagram's known end") \
	/* transport */                                                         \
	X(UDP_TRUNCATED, "udp_truncated", "UDP header cut short") \
	X(UDP_BAD_LEN, "udp_bad_len", "UDP length below 8 or beyond the IP payload") \
	X(TCP_TRUNCATED, "tcp_truncated", "TCP header cut short") \
	X(TCP_BAD_HLEN, "tcp_bad_hlen", "TCP data offset below 20 bytes or beyond the segment") \
	X(TCP_FLOW_TABLE_FULL, "tcp_flow_table_full", "too many TCP connections tracked") \
	X(TCP_BUFFER_FULL, "tcp_buffer_full", "TCP stream never framed a message within the cap") \
	X(TCP_OOO_FULL, "tcp_ooo_full", "too many out-of-order TCP segments held") \
	X(TCP_GAP, "tcp_gap", "bytes missing from a TCP stream (not captured)") \
	X(SCTP_TRUNCATED, "sctp_truncated", "SCTP header or chunk cut short") \
	X(SCTP_BAD_CHUNK, "sctp_bad_chunk", "SCTP chunk length invalid") \
	X(SCTP_GAP, "sctp_gap", "piece of a fragmented SCTP message missing") \
	X(TCP_PARTIAL_MESSAGE, "tcp_partial_message", "TCP stream ended inside a SIP message") \
	X(WS_BAD_FRAME, "ws_bad_frame", "WebSocket frame invalid or cut short") \
	X(TLS_UNDECRYPTABLE, "tls_undecryptable", "TLS record whose SIP cannot be decrypted") \
	X(ICMP_QUOTED_SIP, "icmp_quoted_sip", "SIP quoted inside an ICMP error (not a message)") \
	/* SIP */                                                               \
	X(SIP_UNPARSEABLE, "sip_unparseable", "SIP-looking payload that does not parse") \
	X(SIP_TOO_LARGE, "sip_too_large", "SIP message larger than the cap") \
	X(SIP_LINE_TOO_LONG, "sip_line_too_long", "SIP header line longer than the cap") \
	X(SIP_MISSING_HEADER, "sip_missing_header", "SIP message without Call-ID, CSeq, From, To or Via") \
	X(SIP_RAW_FALLBACK, "sip_raw_fallback", "SIP message the parser refused, kept from a tolerant scan") \
	X(SIP_CL_INVALID, "sip_cl_invalid", "Content-Length not a number") \
	X(SIP_CL_BEYOND_DATA, "sip_cl_beyond_data", "Content-Length claims more bytes than the message carries") \
	X(SIP_CL_SHORT, "sip_cl_short", "body longer than Content-Length (extra bytes ignored)") \
	X(SIP_BAD_CSEQ, "sip_bad_cseq", "CSeq number or method invalid") \
	X(SIP_CSEQ_METHOD_MISMATCH, "sip_cseq_method_mismatch", "CSeq method differs from the request method") \
	X(SIP_VALUES_CAP, "sip_values_cap", "more Via or Contact values than kept") \
	X(SDP_UNPARSEABLE, "sdp_unparseable", "SDP body line invalid") \
	X(SDP_TOO_MANY_MEDIA, "sdp_too_many_media", "more m= lines than the cap") \
	X(SDP_VALUES_CAP, "sdp_values_cap", "more payload types or ICE candidates than kept") \
	/* state caps */                                                        \
	X(DIALOG_TABLE_FULL, "dialog_table_full", "too many dialogs in flight") \
	X(DIALOG_MESSAGES_CAP, "dialog_messages_cap", "dialog has more messages than kept") \
	X(ORPHAN_RESPONSE, "orphan_response", "response to a request that was not captured") \
	X(STREAM_TABLE_FULL, "stream_table_full", "too many RTP streams in flight") \
	X(RTP_BAD_HEADER, "rtp_bad_header", "RTP-flow packet with an invalid header") \
	X(JOIN_COPIES_DROPPED, "join_copies_dropped", "SIP message not noted for joining a call's copies at two capture points, over a cap (too many at once, per dialog, or one flooded key): that call may stay two dialogs or cite a later copy") \
	/* the simulator's model (sipalg-sim), caps in caps.h SIM_CAP_* */      \
	X(SIM_NAT_TABLE_FULL, "sim_nat_table_full", "modelled NAT: no room for another mapping (packet dropped as nat_table_full)") \
	X(SIM_PINHOLE_TABLE_FULL, "sim_pinhole_table_full", "modelled ALG: no room for another pinhole (not opened)") \
	X(SIM_DIALOG_TABLE_FULL, "sim_dialog_table_full", "more calls and registrations than the simulator tracks (later ones not predicted)") \
	X(SIM_TCP_TABLE_FULL, "sim_tcp_table_full", "more TCP connections than the simulator tracks (sequence shifts not applied)") \
	X(SIM_MODEL_TABLE_FULL, "sim_model_table_full", "more far-end streams or retransmissions to model than the simulator tracks (not written to the outside view)")

enum anomaly_id {
#define ANOMALY_ENUM(e, name, desc) ANOMALY_##e,
	ANOMALY_TABLE(ANOMALY_ENUM)
#undef ANOMALY_ENUM
	ANOMALY_COUNT
};

/* Per-capture counters; plain record, zero-initialise it. */
struct anomalies {
	uint64_t n[ANOMALY_COUNT];
};

/* Bumps one counter.  an may be NULL (counting disabled, e.g. in tests). */
static inline void
anomaly_add(struct anomalies *an, enum anomaly_id id)
{
	if (an != NULL && (unsigned)id < ANOMALY_COUNT)
		an->n[id]++;
}

/* Stable name of an anomaly ("sip_unparseable"); "unknown" if out of range. */
const char *anomaly_name(enum anomaly_id id);
/* One-line description for people. */
const char *anomaly_desc(enum anomaly_id id);
/* Id for a name, or -1. */
int anomaly_lookup(const char *name);
/* Sum of all counters. */
uint64_t anomaly_total(const struct anomalies *an);

#endif /* SIPALG_ANOMALY_H */
