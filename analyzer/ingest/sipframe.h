/*
 * sipframe.h - recognising SIP by content and cutting a byte stream into
 * SIP messages.
 *
 * SIP is recognised on any port by its first line: a request line
 * "METHOD SP Request-URI SP SIP/2.0" (method a token, URI with a scheme) or
 * a status line "SIP/2.0 SP 3DIGIT SP". Framing follows RFC 3261 §18.3:
 * the header ends at the first empty line (CRLFCRLF, bare LF tolerated);
 * the body is Content-Length bytes (also the compact "l:" form, names
 * case-insensitive).  Header lines are found with length-bounded memchr and
 * capped at CAP_SIP_LINE_BYTES; no function here reads past len.
 */
#ifndef SIPALG_SIPFRAME_H
#define SIPALG_SIPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"

/* True when p starts with a SIP request or status line. */
bool sipframe_looks_like_sip(const uint8_t *p, size_t len);

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
 * Finds header name (and its compact form cname, 0 for none) in the header
 * block p[0..hdr_len); sets *val and *vlen to the trimmed value of the first
 * occurrence.  Returns true when found.  Folded lines are not joined.
 */
bool sipframe_header(const uint8_t *p, size_t hdr_len, const char *name,
    char cname, const uint8_t **val, size_t *vlen);

/* Integers in headers are parsed with text_parse_uint() (text.h). */

#endif /* SIPALG_SIPFRAME_H */
