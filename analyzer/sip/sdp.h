/*
 * sdp.h - the parts of an SDP body (RFC 4566/8866) that NAT and ALGs touch.
 *
 * Parsed line by line with length-bounded scanning: o= (origin address),
 * session and media c=, i=, every m= line (media, port, port count, proto,
 * formats), a=rtcp (RFC 3605), a=rtpmap, a=ptime, direction attributes
 * (sendrecv/sendonly/recvonly/inactive, session and media level, media
 * wins), and ICE a=candidate lines.  Host names in c=/o= are kept as text
 * with family 0.  Lines beyond the caps are counted, not kept.  A parsed
 * SDP is one right-sized allocation (two m= lines: about 500 bytes).
 */
#ifndef SIPALG_SDP_H
#define SIPALG_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/netaddr.h"

enum sdp_dir { SDP_SENDRECV = 0, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };

/*
 * String fields point into the struct sdp's own block (see sdp_parse);
 * each keeps at most SDP_*_BYTES - 1 bytes, the sizes of the fixed arrays
 * they replace, so long values are cut exactly as before.  Strings are
 * NUL-terminated and never NULL ("" when absent).
 */
#define SDP_CAND_TYPE_BYTES      8
#define SDP_MEDIA_NAME_BYTES     16
#define SDP_PROTO_BYTES          24
#define SDP_ADDR_TEXT_BYTES      64    /* conn_text, origin_text */
#define SDP_CODEC_BYTES          32
#define SDP_O_USER_BYTES         64
#define SDP_O_SESS_ID_BYTES      32
#define SDP_I_LINE_BYTES         128

struct sdp_candidate {
	struct ep addr;           /* connection address and port */
	const char *type;         /* host, srflx, prflx, relay */
};

struct sdp_media {
	const char *media;        /* audio, video, image, application */
	uint16_t port;            /* m= port (0 = rejected stream) */
	uint16_t nports;          /* m= port/count, 1 when absent */
	const char *proto;        /* RTP/AVP, RTP/SAVP, udptl ... */
	int *payloads;            /* npayloads, at most CAP_SDP_PAYLOADS */
	int npayloads;
	struct ep conn;           /* effective c= (media, else session) with port = m= port */
	const char *conn_text;    /* c= address as written (may be a host name) */
	bool has_conn;
	bool conn_is_media;       /* c= given at media level */
	struct ep rtcp;           /* a=rtcp port (address if given, else conn address) */
	bool has_rtcp;
	enum sdp_dir dir;         /* effective direction */
	const char *codec;        /* encoding name of the first payload ("PCMU") */
	uint32_t clock_rate;      /* its clock rate (8000 when static PT 0/8) */
	int ptime_ms;             /* a=ptime, 0 when absent */
	int event_pt;             /* rtpmap telephone-event PT (RFC 4733), 0 none */
	struct sdp_candidate *cand; /* ncand, at most CAP_SDP_CANDIDATES */
	int ncand;
};

/*
 * Arrays (media, payloads, cand) hold exactly the values seen; when a
 * count is 0 the pointer still points to one zeroed element (strings ""),
 * so an unchecked [0] reads empty values as the old fixed arrays did.
 */
struct sdp {
	const char *o_user;
	const char *o_sess_id;
	uint64_t o_version;
	struct ep origin;         /* o= address (port 0) */
	const char *origin_text;
	struct ep conn;           /* session-level c= (port 0) */
	const char *conn_text;
	bool has_conn;
	bool has_i;
	/*
	 * Set by sdp_parse_scratch in its result only (in what was
	 * padding): its strings' lengths were noted while parsing, and
	 * sdp_pack_plan and sdp_pack_size read them there.  False in every
	 * copy sdp_pack makes; a struct sdp built or copied by hand must
	 * have it false.
	 */
	bool noted;
	const char *i_line;       /* i= text (Fortinet nat-trace puts the IP here) */
	enum sdp_dir dir;         /* session-level direction */
	struct sdp_media *media;  /* nmedia, at most CAP_SDP_MEDIA */
	int nmedia;
};

/*
 * Parses body[0..len) into a new struct sdp held in one right-sized
 * allocation (struct, arrays and strings), set in *out; the caller owns
 * it (sdp_free).  Returns 0 on success (possibly partial, with anomalies
 * counted: SDP_UNPARSEABLE, SDP_TOO_MANY_MEDIA for m= lines, SDP_VALUES_CAP
 * for payload types and ICE candidates beyond the caps), -1 when the body
 * is not SDP at all (no "v=" first; nothing counted), -2 when out of
 * memory.  *out is NULL unless 0 is returned.
 */
int sdp_parse(const uint8_t *body, size_t len, struct sdp **out,
    struct anomalies *an);
void sdp_free(struct sdp *s);

/*
 * sdp_parse() without the block, for a caller that packs the result into
 * a block of its own (sdp_pack): parses into room, sdp_scratch_size()
 * bytes of the caller's, aligned for any type, and sets *out to a struct
 * sdp inside room, valid as long as room is and never freed.  Returns
 * the number of anomalies it counted (as sdp_parse counts them; 0 for a
 * clean body) or -1 when the body is not SDP.
 * Saves sdp_parse()'s allocation and copy.
 */
size_t sdp_scratch_size(void);
int sdp_parse_scratch(const uint8_t *body, size_t len, void *room,
    struct sdp **out, struct anomalies *an);

/*
 * Deep copy of s into one buffer, for embedding an SDP in another block
 * (sipmsg.c keeps it in the message's): sdp_pack_size is the exact number
 * of bytes sdp_pack needs; buf must be aligned for any type (as malloc's
 * result) and n at least that size.  Returns the copy (at buf), or NULL
 * when n is too small.  s itself is not changed.
 */
size_t sdp_pack_size(const struct sdp *s);
struct sdp *sdp_pack(const struct sdp *s, void *buf, size_t n);
/*
 * sdp_pack() in two steps, for a caller that lays out a block around the
 * copy: sdp_pack_plan measures s (the size sdp_pack_size gives, returned
 * and kept in p, and the length of every string it copies, read from
 * the parse when s is sdp_parse_scratch's result: noted); then
 * sdp_pack_planned copies the same, unchanged s into buf, which must hold
 * p->size bytes and be aligned for any type, reading the lengths from p
 * instead of measuring each string again.  p is the caller's (on its
 * stack: about a hundred bytes).
 */
#define SDP_PLAN_STRINGS (5 + CAP_SDP_MEDIA * (4 + CAP_SDP_CANDIDATES))
struct sdp_plan {
	size_t size;
	unsigned nstr;                      /* pack()'s cursor in len[] */
	uint8_t len[SDP_PLAN_STRINGS];      /* each < its SDP_*_BYTES <= 256 */
};
size_t sdp_pack_plan(const struct sdp *s, struct sdp_plan *p);
struct sdp *sdp_pack_planned(const struct sdp *s, struct sdp_plan *p,
    void *buf);

const char *sdp_dir_name(enum sdp_dir d);
/* True when media in this direction is expected from the offerer's view. */
bool sdp_dir_sends(enum sdp_dir d);
bool sdp_dir_receives(enum sdp_dir d);

#endif /* SIPALG_SDP_H */
