/*
 * sipmsg.h - one SIP message, parsed with libosip2, reduced to the fields
 * the analyzer and the detectors use, with its raw bytes kept for display.
 *
 * The raw bytes are copied (message ownership is the caller's); strings
 * are NUL-terminated copies capped at CAP_SIP_STR_BYTES, "" when absent,
 * never NULL.  Header names are matched case-insensitively and in compact
 * form (i, f, t, v, m, l, c, k, s, e, o, r, b, u) as libosip2 does;
 * multi-valued headers (Via, Contact) keep up to the caps in caps.h.
 */
#ifndef SIPALG_SIPMSG_H
#define SIPALG_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "caps.h"
#include "netaddr.h"
#include "sdp.h"

struct sipmsg_via {
	char transport[8];        /* UDP, TCP, TLS, SCTP, WS, WSS */
	char host[64];            /* sent-by host as written */
	struct ep sent_by;        /* parsed when host is an IP literal (port 5060 default) */
	char branch[128];
	char received[64];        /* received= value, "" when absent */
	int rport;                /* rport=N value; 0 absent, -1 present without value */
	char maddr[64];
};

struct sipmsg_contact {
	char uri[256];
	struct ep addr;           /* host:port when the host is an IP literal */
	int expires;              /* ;expires= value, -1 absent */
};

struct sipmsg {
	/* Raw bytes exactly as captured (len raw_len, NUL-terminated copy). */
	char *raw;
	size_t raw_len;
	size_t body_off;          /* offset of the body in raw */
	size_t body_len;

	bool is_request;
	char method[32];          /* request method, or CSeq method for responses */
	int status;               /* response status code, 0 for requests */
	char reason[64];
	char ruri[256];           /* Request-URI */
	struct ep ruri_addr;      /* when its host is an IP literal */

	char call_id[256];
	char from_uri[256], from_tag[128], from_display[128];
	char to_uri[256], to_tag[128], to_display[128];
	struct ep from_addr, to_addr; /* when the URI hosts are IP literals */
	uint32_t cseq;
	char cseq_method[32];

	struct sipmsg_via via[CAP_SIP_VIAS];
	int nvia;
	struct sipmsg_contact contact[CAP_SIP_CONTACTS];
	int ncontact;
	bool contact_star;

	char record_route[256];   /* first Record-Route value */
	int nrecord_route;
	char route[256];
	char user_agent[128];     /* User-Agent or Server */
	char pai[256];            /* P-Asserted-Identity */
	char rpid[256];           /* Remote-Party-ID */
	char refer_to[256];
	char replaces[256];
	char event[64];
	char subscription_state[64];
	char content_type[128];
	int64_t content_length;   /* declared, -1 when absent */
	int expires;              /* Expires header, -1 absent */
	int session_expires;      /* Session-Expires delta, -1 absent */
	char se_refresher[8];     /* "uac", "uas" or "" */
	int min_se;               /* -1 absent */

	struct sdp *sdp;          /* parsed SDP body (owned), NULL when none */
	/* message/sipfrag status line in a NOTIFY body (e.g. 200), 0 if none */
	int sipfrag_status;
};

/*
 * Parses msg[0..len) (one framed message) into a new sipmsg.  Returns NULL
 * when the bytes do not parse as SIP or a mandatory header (Call-ID, CSeq,
 * From, To, Via for requests) is missing; the anomaly is counted.  The
 * caller owns the result (sipmsg_free).
 */
struct sipmsg *sipmsg_parse(const uint8_t *msg, size_t len,
    struct anomalies *an);
void sipmsg_free(struct sipmsg *m);

/* "INVITE" or "200 OK"-style short label into buf. */
const char *sipmsg_label(const struct sipmsg *m, char *buf, size_t n);
/* The user@host part of a URI without scheme and parameters, into buf. */
const char *sipmsg_uri_userhost(const char *uri, char *buf, size_t n);
/* Looks up any header by name in the raw message (first value); "" if none. */
const char *sipmsg_header(const struct sipmsg *m, const char *name,
    char *buf, size_t n);

/* Call libosip2's one-time initialisation (parser tables); idempotent. */
void sipmsg_global_init(void);

#endif /* SIPALG_SIPMSG_H */
