/*
 * sipmsg.h - one SIP message, parsed with libosip2, reduced to the fields
 * the analyzer and the detectors use, with its raw bytes kept for display.
 *
 * The raw bytes are copied (message ownership is the caller's); strings
 * are NUL-terminated copies capped at the SIPMSG_*_BYTES sizes below, ""
 * when absent, never NULL.  Header names are matched case-insensitively
 * and in compact form (i, f, t, v, m, l, c, k, s, e, o, r, b, u) as
 * libosip2 does;
 * multi-valued headers (Via, Contact) keep up to the caps in caps.h
 * (SIP_VALUES_CAP counts a message that had more).  A parsed message is
 * one right-sized allocation: a typical INVITE with SDP costs its raw
 * length plus about 1.5 KB (sipmsg_mem_bytes).
 */
#ifndef SIPALG_SIPMSG_H
#define SIPALG_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/netaddr.h"
#include "sip/sdp.h"

struct sipframe_lines;

/*
 * Each string field below used to be a fixed char array; it is now a
 * pointer into the message's one allocation, with the same cap: at most
 * SIPMSG_*_BYTES - 1 bytes are kept, the rest of a longer value is cut
 * exactly as before.  The constants are those old array sizes.
 */
#define SIPMSG_TRANSPORT_BYTES   8
#define SIPMSG_HOST_BYTES        64    /* Via sent-by host, received, maddr */
#define SIPMSG_BRANCH_BYTES      128
#define SIPMSG_URI_BYTES         256   /* URIs, Call-ID, route-like headers */
#define SIPMSG_METHOD_BYTES      32
#define SIPMSG_REASON_BYTES      64
#define SIPMSG_TAG_BYTES         128   /* tags and display names */
#define SIPMSG_TEXT_BYTES        128   /* User-Agent, Content-Type */
#define SIPMSG_EVENT_BYTES       64    /* Event, Subscription-State */
#define SIPMSG_REFRESHER_BYTES   8

#define SIPMSG_MEMO_HEADERS      6     /* see memo_off below */
#define SIPMSG_PRIOR_MAX         8     /* earlier messages one parse consults */
#define SIPMSG_PRIOR_STOP        ((size_t)-1) /* see struct sipmsg_lend */

struct sipmsg_via {
	const char *transport;    /* UDP, TCP, TLS, SCTP, WS, WSS */
	const char *host;         /* sent-by host as written */
	struct ep sent_by;        /* parsed when host is an IP literal (port 5060 default) */
	const char *branch;
	const char *received;     /* received= value, "" when absent */
	int rport;                /* rport=N value; 0 absent, -1 present without value */
	const char *maddr;
};

struct sipmsg_contact {
	const char *uri;
	struct ep addr;           /* host:port when the host is an IP literal */
	int expires;              /* ;expires= value, -1 absent */
};

/*
 * Memory: the struct, its Via and Contact arrays, the SDP (struct sdp, its
 * media, payload and candidate arrays), the raw copy and every string live
 * in ONE malloc'd block, freed by sipmsg_free; nothing in it may be freed
 * or reallocated on its own.  Strings are NUL-terminated and never NULL
 * ("" when absent: the message's own strings point at the raw copy's NUL
 * then, the SDP's may be a shared static).  Arrays hold exactly the
 * values seen (count <= the cap in caps.h); when a count is 0 the pointer
 * still points to one zeroed element (strings ""), so an unchecked [0]
 * reads empty values, as with the old fixed arrays.
 */
struct sipmsg {
	/* Raw bytes exactly as captured (len raw_len, NUL-terminated copy). */
	char *raw;
	size_t raw_len;
	size_t body_off;          /* offset of the body in raw */
	size_t body_len;
	/*
	 * Private to sipmsg.c.  memo_off/memo_len locate in raw the line of
	 * each header libosip2 answered for (Via, From, To, Call-ID, CSeq,
	 * Contact) when it occurred once, on one line (length 0: it did
	 * not), so that sipmsg_parse_with() can reuse this message's results
	 * for the same line.  quiet: parsing raw again counts no anomaly
	 * (false when the parse had no counters to tell).  Beside raw, so
	 * that comparing a line costs no extra cache line.
	 */
	uint16_t memo_off[SIPMSG_MEMO_HEADERS];
	uint16_t memo_len[SIPMSG_MEMO_HEADERS];
	bool quiet;
	/*
	 * Private: sipmsg_parse_with() asked lend->prior about these bytes
	 * (they have a Call-ID and lines it can reuse), as it asks again
	 * for every copy of them: the dialog table recognises a later copy
	 * of a quiet message with this set before parsing it (dialog.c).
	 */
	bool prior_asked;
	/*
	 * Private: the lengths of from_uri, from_tag, to_uri and to_tag
	 * (each under 256 bytes, their caps), for a later message that
	 * takes them (sipmsg.c party_put) to copy them without strnlen.
	 * In what was padding: the struct is no larger.
	 */
	uint8_t party_len[4];
	/*
	 * Private: a fingerprint of the Via memo line (sipmsg.c via_fp),
	 * so that memo_find() passes over most earlier messages whose Via
	 * line differs without reading its bytes.  In what was padding.
	 */
	uint8_t via_fp;

	bool is_request;
	const char *method;       /* request method, or CSeq method for responses */
	int status;               /* response status code, 0 for requests */
	const char *reason;
	const char *ruri;         /* Request-URI */
	struct ep ruri_addr;      /* when its host is an IP literal */

	const char *call_id;
	const char *from_uri, *from_tag, *from_display;
	const char *to_uri, *to_tag, *to_display;
	struct ep from_addr, to_addr; /* when the URI hosts are IP literals */
	uint32_t cseq;
	/*
	 * Private: where from_uri, from_tag, to_uri and to_tag (as
	 * party_len) lie in their header line, the From or To memo line,
	 * as offsets from its start, and whether there is a display name
	 * before the URI (sipmsg.c party_put, PARTY_DISPLAY); 0 when they
	 * are not pieces of it as they stand.  A later message with the
	 * same line copies them from its own line, not from this
	 * message's cold strings.  In what was padding: the struct is no
	 * larger.
	 */
	uint8_t party_off[4];
	const char *cseq_method;

	struct sipmsg_via *via;   /* nvia values, at most CAP_SIP_VIAS */
	int nvia;
	struct sipmsg_contact *contact; /* at most CAP_SIP_CONTACTS */
	int ncontact;
	bool contact_star;

	const char *record_route; /* first Record-Route value */
	int nrecord_route;
	const char *route;
	const char *user_agent;   /* User-Agent or Server */
	const char *pai;          /* P-Asserted-Identity */
	const char *rpid;         /* Remote-Party-ID */
	const char *refer_to;
	const char *replaces;
	const char *event;
	const char *subscription_state;
	const char *content_type;
	int64_t content_length;   /* declared, -1 when absent */
	int expires;              /* Expires header, -1 absent */
	int session_expires;      /* Session-Expires delta, -1 absent */
	const char *se_refresher; /* "uac", "uas" or "" */
	int min_se;               /* -1 absent */

	struct sdp *sdp;          /* parsed SDP body (in the block), NULL when none */
	/* message/sipfrag status line in a NOTIFY body (e.g. 200), 0 if none */
	int sipfrag_status;

	size_t mem_bytes;         /* size of the block (sipmsg_mem_bytes) */
	size_t block_bytes;       /* what the block holds (>= mem_bytes) */
};

/*
 * Parses msg[0..len) (one framed message) into a new sipmsg.  Returns NULL
 * when the bytes do not parse as SIP or a mandatory header (Call-ID, CSeq,
 * From, To, Via for requests) is missing; the anomaly is counted (none
 * when out of memory).  The caller owns the result, one block freed by
 * sipmsg_free; fields must not be freed or reassigned on their own.
 */
struct sipmsg *sipmsg_parse(const uint8_t *msg, size_t len,
    struct anomalies *an);
/*
 * What a caller lends sipmsg_parse_with (every member may be NULL):
 *
 *  prior  earlier messages of a Call-ID: fills out[] with up to max
 *         messages of call_id (NUL-terminated, exactly as
 *         sipmsg.call_id holds it), most useful first, and returns how
 *         many.  They must come from sipmsg_parse or sipmsg_parse_with
 *         and stay alive until the parse returns.  Returning
 *         SIPMSG_PRIOR_STOP instead stops the parse (the caller knows
 *         this message already, e.g. as a retransmission): it returns
 *         NULL having counted nothing.  prior is called at most once,
 *         before libosip2 sees the message, and only for a message with
 *         a Call-ID whose lines can be reused (no CR inside a line).
 *  alloc  the message's block: at least n bytes, *cap set to what it
 *         holds (>= n); NULL on OOM.  It must be memory free() releases,
 *         since sipmsg_free() does (NULL: malloc).
 *  lines  where the framing found the message's first line ends
 *         (ingest/sipframe.h, for these very bytes): the header walk
 *         takes them instead of looking for them again.
 */
struct sipmsg_lend {
	size_t (*prior)(void *user, const char *call_id,
	    const struct sipmsg **out, size_t max);
	void *(*alloc)(void *user, size_t n, size_t *cap);
	void *user;
	const struct sipframe_lines *lines;
};

/*
 * sipmsg_parse, with help: a header line (Via, From, To, Call-ID, CSeq,
 * Contact occurring once) that one of the prior messages carried byte
 * for byte is not given to libosip2 again; that message's results are
 * taken.  The result, anomalies included, is exactly sipmsg_parse's,
 * whatever prior returns; only the cost differs.  Inside a dialog most
 * lines repeat (From, To, Call-ID in every message, Via in each
 * response), so most of libosip2's work is skipped.  lend may be NULL
 * (then this is sipmsg_parse).
 */
struct sipmsg *sipmsg_parse_with(const uint8_t *msg, size_t len,
    const struct sipmsg_lend *lend, struct anomalies *an);
void sipmsg_free(struct sipmsg *m);
/*
 * Heap bytes m holds (its one block: struct, arrays, SDP, raw copy and
 * strings), as charged against CAP_DIALOG_TOTAL_BYTES.
 */
size_t sipmsg_mem_bytes(const struct sipmsg *m);

/*
 * "INVITE" or "200 OK"-style short label into buf (n bytes, always
 * NUL-terminated when n > 0); returns buf.  The method or reason phrase
 * is copied raw, NUL-free and capped at SIPMSG_METHOD_BYTES or
 * SIPMSG_REASON_BYTES and at n: it is packet text and may hold control
 * bytes, so callers must escape it (text_escape, text_fput_escaped)
 * before printing, exactly once, as for every other packet string.
 */
const char *sipmsg_label(const struct sipmsg *m, char *buf, size_t n);
/* The user@host part of a URI without scheme and parameters, into buf. */
const char *sipmsg_uri_userhost(const char *uri, char *buf, size_t n);
/* Looks up any header by name in the raw message (first value); "" if none. */
const char *sipmsg_header(const struct sipmsg *m, const char *name,
    char *buf, size_t n);

/* Call libosip2's one-time initialisation (parser tables); idempotent. */
void sipmsg_global_init(void);

#endif /* SIPALG_SIPMSG_H */
