/*
 * sdp.h - the parts of an SDP body (RFC 4566/8866) that NAT and ALGs touch.
 *
 * Parsed line by line with length-bounded scanning: o= (origin address),
 * session and media c=, i=, every m= line (media, port, port count, proto,
 * formats), a=rtcp (RFC 3605), a=rtpmap, a=ptime, direction attributes
 * (sendrecv/sendonly/recvonly/inactive, session and media level, media
 * wins), and ICE a=candidate lines.  Host names in c=/o= are kept as text
 * with family 0.  Lines beyond the caps are counted, not kept.
 */
#ifndef SIPALG_SDP_H
#define SIPALG_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "caps.h"
#include "netaddr.h"

enum sdp_dir { SDP_SENDRECV = 0, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };

struct sdp_candidate {
	struct ep addr;           /* connection address and port */
	char type[8];             /* host, srflx, prflx, relay */
};

struct sdp_media {
	char media[16];           /* audio, video, image, application */
	uint16_t port;            /* m= port (0 = rejected stream) */
	uint16_t nports;          /* m= port/count, 1 when absent */
	char proto[24];           /* RTP/AVP, RTP/SAVP, udptl ... */
	int payloads[CAP_SDP_PAYLOADS];
	int npayloads;
	struct ep conn;           /* effective c= (media, else session) with port = m= port */
	char conn_text[64];       /* c= address as written (may be a host name) */
	bool has_conn;
	bool conn_is_media;       /* c= given at media level */
	struct ep rtcp;           /* a=rtcp port (address if given, else conn address) */
	bool has_rtcp;
	enum sdp_dir dir;         /* effective direction */
	char codec[32];           /* encoding name of the first payload ("PCMU") */
	uint32_t clock_rate;      /* its clock rate (8000 when static PT 0/8) */
	int ptime_ms;             /* a=ptime, 0 when absent */
	struct sdp_candidate cand[CAP_SDP_CANDIDATES];
	int ncand;
};

struct sdp {
	char o_user[64];
	char o_sess_id[32];
	uint64_t o_version;
	struct ep origin;         /* o= address (port 0) */
	char origin_text[64];
	struct ep conn;           /* session-level c= (port 0) */
	char conn_text[64];
	bool has_conn;
	bool has_i;
	char i_line[128];         /* i= text (Fortinet nat-trace puts the IP here) */
	enum sdp_dir dir;         /* session-level direction */
	struct sdp_media media[CAP_SDP_MEDIA];
	int nmedia;
};

/*
 * Parses body[0..len).  Returns 0 on success (possibly partial, with
 * anomalies counted), -1 when the body is not SDP at all (no "v=" first).
 * *out is fully overwritten.
 */
int sdp_parse(const uint8_t *body, size_t len, struct sdp *out,
    struct anomalies *an);

const char *sdp_dir_name(enum sdp_dir d);
/* True when media in this direction is expected from the offerer's view. */
bool sdp_dir_sends(enum sdp_dir d);
bool sdp_dir_receives(enum sdp_dir d);

#endif /* SIPALG_SDP_H */
