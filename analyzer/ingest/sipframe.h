/*
 * sipframe.h - recognising SIP by content and cutting a byte stream into
 * SIP messages.
 *
 * SIP is recognised on any port by its first line: a request line
 * "METHOD SP Request-URI SP SIP/2.0" (method a token, URI with a scheme) or
 * a status line "SIP/2.0 SP 3DIGIT SP". Framing follows RFC 3261 §18.3:
 * the header ends at the first empty line (CRLFCRLF, bare LF tolerated);
 * the body is Content-Length bytes (also the compact "l:" form, names
 * case-insensitive).  Header line ends are found in length-bounded
 * searches (SSE2 block masks, or memchr) and lines capped at
 * CAP_SIP_LINE_BYTES; no function here reads past len.
 */
#ifndef SIPALG_SIPFRAME_H
#define SIPALG_SIPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "ingest/pkt.h"

/*
 * The project's one SIP recogniser (the grammar above).  True when p
 * starts with a whole SIP request or status line.
 */
bool sipframe_looks_like_sip(const uint8_t *p, size_t len);

/*
 * The same grammar for bytes that may have been cut short (a datagram an
 * ICMP error quotes): true when p[0..len) is a whole SIP start line or a
 * valid beginning of one, len > 0.
 */
bool sipframe_starts_like_sip(const uint8_t *p, size_t len);

enum sipframe_rc {
	SIPFRAME_OK,          /* *msg_len bytes are one whole message */
	SIPFRAME_INCOMPLETE,  /* need more bytes (stream transports) */
	SIPFRAME_ERROR        /* not SIP here, or a cap was hit (anomaly counted) */
};

/*
 * Tri-state form of sipframe_looks_like_sip() for byte streams: OK when p
 * starts with a whole SIP start line, INCOMPLETE when the len bytes are a
 * valid beginning of one (wait for more), ERROR when they are not SIP or
 * the start line runs past CAP_SIP_LINE_BYTES.  Counts nothing.
 */
enum sipframe_rc sipframe_start(const uint8_t *p, size_t len);

/*
 * Frames the message starting at p in a stream (TCP, WebSocket byte
 * stream).  Leading CRLF keepalives are skipped and reported in *skipped.
 * On OK, the message occupies p[*skipped .. *skipped + *msg_len).
 * *skipped is set on every return (the caller may drop those bytes even on
 * INCOMPLETE); on INCOMPLETE *msg_len is the whole message length once the
 * header block is complete (wait for *skipped + *msg_len bytes), else 0.
 * A Content-Length that is missing counts as 0; one that is not a number
 * is SIP_CL_INVALID and ERROR (the stream cannot be framed past it).
 * ERROR without an anomaly means the bytes do not start with a SIP start
 * line; every other ERROR (line, message caps) has counted one.
 */
enum sipframe_rc sipframe_stream(const uint8_t *p, size_t len,
    size_t *skipped, size_t *msg_len, struct anomalies *an);

/* Where one message lies in a byte stream. */
struct sipframe_span {
	size_t off;      /* its start line (after CRLF keepalives) */
	size_t len;      /* the whole message, body included */
	size_t hdr_len;  /* its header block, the empty line included */
};

/*
 * sipframe_stream() that also tells the header block's length: on OK
 * sp->off, sp->len and sp->hdr_len are *skipped, *msg_len and the body's
 * offset in the message; on INCOMPLETE sp->off and sp->len are as
 * sipframe_stream() sets them.
 */
enum sipframe_rc sipframe_stream_span(const uint8_t *p, size_t len,
    struct sipframe_span *sp, struct anomalies *an);

/*
 * Frames the whole messages at the start of p[0..len) with
 * sipframe_stream(), keeping nothing between calls: what a middlebox does
 * that looks at each TCP segment (or at the bytes it holds back) on its
 * own, as the kernel's SIP ALG does.  Returns the number found (at most
 * max) with out[i].off relative to p and *used the bytes they span,
 * leading CRLFs included; a trailing unfinished message is left out.
 * Returns -1 when bytes before the end are not framable SIP (no start
 * line, a bad Content-Length, a cap hit; anomalies counted as
 * sipframe_stream() counts them).
 */
int sipframe_messages(const uint8_t *p, size_t len, struct sipframe_span *out,
    int max, size_t *used, struct anomalies *an);

/*
 * Frames a message in a datagram (UDP, SCTP chunk, WebSocket message).
 * Sets *msg_len to the message length honouring Content-Length: a
 * Content-Length beyond the data counts SIP_CL_BEYOND_DATA and the message
 * is cut at the data's end; fewer claimed than carried counts SIP_CL_SHORT.
 * *body_off is the body's offset (== *msg_len when there is none).
 * Returns SIPFRAME_OK or SIPFRAME_ERROR (not SIP, no end of headers).
 * A missing Content-Length means the body runs to the end of the data;
 * CRLF/NUL padding after the body is dropped silently.  ERROR counts no
 * anomaly when the data does not start with a SIP start line; a SIP start
 * without an empty line ending the headers counts SIP_UNPARSEABLE, and a
 * cap hit counts SIP_LINE_TOO_LONG or SIP_TOO_LARGE.
 */
enum sipframe_rc sipframe_datagram(const uint8_t *p, size_t len,
    size_t *msg_len, size_t *body_off, struct anomalies *an);

/*
 * Where the framing found the ends of a message's first lines, so that
 * the parse does not look for them again (sipmsg_parse_with, through
 * sipmsg_lend.lines): nl[i] is the offset, from the message's first
 * byte, of the i-th LF of the message (i < n), the start line's first;
 * the framing notes them up to the empty line ending the header block,
 * at most SIPFRAME_LINES of them.  Lines past those are not noted, not
 * wrong: a reader finds them itself.  nl[n] and on are not to be read
 * (nl[SIPFRAME_LINES] is the framing's spare: it stores every line end
 * there past the notes, rather than test for room first).
 */
#define SIPFRAME_LINES 64
struct sipframe_lines {
	uint16_t n;
	uint16_t nl[SIPFRAME_LINES + 1];
};

/*
 * sipframe_looks_like_sip() and sipframe_datagram() with one reading of
 * the start line: false when p[0..len) does not start with a SIP start
 * line (as sipframe_looks_like_sip() says; nothing counted, *rc
 * SIPFRAME_ERROR), else true with *rc, *msg_len and *body_off as
 * sipframe_datagram() sets them.  ln (NULL: none) gets the line ends
 * the framing found (ln->n is 0 unless *rc is OK).
 */
bool sipframe_datagram_sip(const uint8_t *p, size_t len,
    enum sipframe_rc *rc, size_t *msg_len, size_t *body_off,
    struct sipframe_lines *ln, struct anomalies *an);

/*
 * sipframe_stream_span() that also notes the line ends of the message
 * at p + sp->off in ln (ln->n is 0 unless OK).
 */
enum sipframe_rc sipframe_stream_lines(const uint8_t *p, size_t len,
    struct sipframe_span *sp, struct sipframe_lines *ln,
    struct anomalies *an);

/*
 * Finds header name (and its compact form cname, 0 for none) in the header
 * block p[0..hdr_len); sets *val and *vlen to the trimmed value of the first
 * occurrence.  Returns true when found.  Folded lines are not joined.
 */
bool sipframe_header(const uint8_t *p, size_t hdr_len, const char *name,
    char cname, const uint8_t **val, size_t *vlen);

/* Integers in headers are parsed with text_parse_uint() (text.h). */

/*
 * One framed SIP message and where it came from: what the TCP framer
 * delivers (tcpframe.h) and the ingest stage's on_sip event carries
 * (ingest.h).  Everything it points to is valid only during the call.
 */
struct sipframe_msg {
	const struct pkt *p;      /* the datagram, or the TCP segment that
	                           * completed the message; p->l4 is the
	                           * transport: PKT_UDP, PKT_TCP, PKT_SCTP or
	                           * PKT_WS (frame, time, addresses, nfrags) */
	uint64_t first_frame;     /* frame holding the message's first byte */
	const uint8_t *msg;       /* the message, Content-Length honoured */
	size_t len;
	size_t body_off;          /* the body's offset in msg (len if none) */
	size_t carried;           /* bytes carried from msg on: len, or more
	                           * in a datagram or WebSocket message
	                           * (padding, a body beyond Content-Length) */
	const struct sipframe_lines *lines; /* the framing's line ends
	                           * in msg, NULL when not noted */
};

#endif /* SIPALG_SIPFRAME_H */
