/*
 * sipraw.h - the raw fallback for SIP messages libosip2 refuses (issue
 * 16.6): a bounded, tolerant scan that keeps such a message in its
 * dialog with the fields it can take, instead of losing it.
 *
 * Private to analyzer/sip/ (sipmsg.c calls it at its one refusal point).
 */
#ifndef SIPALG_SIP_SIPRAW_H
#define SIPALG_SIP_SIPRAW_H

#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "sip/sipmsg.h"

/*
 * msg[0..len) was refused by the full parse (its anomaly already
 * counted).  Scans it for the start line (method and Request-URI, or
 * status and reason), Call-ID, CSeq (number and method), the Via values
 * (transport, sent-by, branch, received, rport), the From and To URIs
 * and tags, Contact URIs, Content-Type and Content-Length, full or
 * compact names, every value cut at its sipmsg.h cap; an SDP body is
 * parsed as usual.  Returns the message in one block as sipmsg_parse
 * does (lend as in sipmsg_parse_with; NULL: malloc), counting
 * ANOMALY_SIP_RAW_FALLBACK, or NULL (nothing more counted) when even
 * the scan cannot place it in a dialog: no SIP start line, no Call-ID,
 * no CSeq number and method, or out of memory.  Reads only
 * msg[0..len); never more than CAP_SIP_LINE_BYTES per line.
 */
struct sipmsg *sipraw_parse(const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an);

#endif /* SIPALG_SIP_SIPRAW_H */
