/*
 * dialog.h - SIP calls and other dialogs, their transactions, state and
 * media, as the analyzer hands them to reports, detectors and the store.
 *
 * A struct dialog groups every message that shares a Call-ID (as sngrep and
 * Wireshark's VoIP calls do): the INVITE dialog with its re-INVITEs, REFER
 * and NOTIFYs, or all refreshes of one registration.  Distinct To tags in
 * responses to the initial request (forked early dialogs, RFC 3261 §12.1)
 * are counted in nforks.  Retransmissions are recognised per transaction
 * (top Via branch, CSeq, method or status, To tag, direction) and recorded
 * on the first copy (retrans_ns[]) instead of being new messages.
 *
 * A dialog is a plain record: read it freely while it is handed to you
 * (callbacks in analysis.h); the dialog table (dialog_table_*) owns it.
 * Its strings are C strings: the bytes of an array past its string's
 * end are not set (a new dialog is not zeroed there).
 */
#ifndef SIPALG_DIALOG_H
#define SIPALG_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "base/htab.h"
#include "base/netaddr.h"
#include "ingest/pkt.h"
#include "sip/rtp.h"
#include "sip/sipmsg.h"

enum dialog_kind {
	DIALOG_CALL,        /* INVITE */
	DIALOG_REGISTER,
	DIALOG_OPTIONS,
	DIALOG_SUBSCRIBE,   /* SUBSCRIBE / NOTIFY / PUBLISH */
	DIALOG_MESSAGE,
	DIALOG_OTHER,       /* out-of-dialog REFER, INFO, orphan responses ... */
	DIALOG_KIND_COUNT
};

/* Call states, as sngrep shows them, each named by what the capture
 * shows (never by what must have happened beyond it). */
enum dialog_state {
	DIALOG_SETUP,       /* request sent, no final answer */
	DIALOG_RINGING,     /* 18x seen */
	DIALOG_INCALL,      /* 2xx to the initial INVITE */
	DIALOG_COMPLETED,   /* BYE after answer; for non-calls: 2xx */
	DIALOG_CANCELLED,   /* CANCEL or 487 before answer */
	DIALOG_REJECTED,    /* 4xx (not 401/407/486/487), 603 */
	DIALOG_BUSY,        /* 486, 600 */
	DIALOG_DIVERTED,    /* 3xx */
	DIALOG_FAILED,      /* 5xx/6xx final response */
	DIALOG_NO_ANSWER,   /* ended by a BYE with no answer, CANCEL or final
	                     * response seen: "no 2xx" (the caller
	                     * hung up an early dialog, or the callee's 2xx
	                     * was lost before the capture point) */
	DIALOG_STATE_COUNT
};

#define DIALOG_RETRANS_KEPT 16
/* Sizes of struct dialog's recent[], raw_fp[] and key_fp[] (private). */
#define DIALOG_RECENT 4
#define DIALOG_FP 16

/*
 * The methods the analyzer asks about, as codes (struct dmsg's
 * method_code and cseq_code), so that the many questions "is this an
 * ACK?" compare a byte instead of strings.  SIPM_NONE: not computed (a
 * dmsg the dialog table did not store, e.g. read back from a store):
 * ask the strings.  SIPM_OTHER: a method not below (compare the strings
 * to tell two of them apart).  The names match exactly, case included,
 * as strcmp does.
 */
enum sip_method {
	SIPM_NONE = 0,
	SIPM_OTHER,
	SIPM_INVITE,
	SIPM_ACK,
	SIPM_BYE,
	SIPM_CANCEL,
	SIPM_PRACK,
	SIPM_UPDATE,
	SIPM_REGISTER,
	SIPM_OPTIONS,
	SIPM_SUBSCRIBE,
	SIPM_NOTIFY,
	SIPM_PUBLISH,
	SIPM_MESSAGE,
	SIPM_REFER,
	SIPM_INFO,
	SIPM_COUNT
};

/* SIPM_OTHER or the code of the method named s (NUL-terminated). */
uint8_t sip_method_code(const char *s);
/* The name of code c (SIPM_INVITE..SIPM_INFO); "" for the others. */
const char *sip_method_name(unsigned c);

/* One captured message (first copy); retransmissions are folded in. */
struct dmsg {
	struct sipmsg *m;         /* owned */
	/*
	 * Private to the dialog table: a hash of m's raw bytes (raw_hash()
	 * in dialog.c) and the fields that tell transactions apart first,
	 * kept here (with src and dst, in the first cache line) so that
	 * looking through a dialog's messages does not read each one.
	 */
	uint64_t raw_hash;
	uint32_t key_cseq;
	int key_status;
	bool key_request;
	/* enum sip_method of m->method and m->cseq_method (SIPM_NONE when
	 * the dialog table did not store this dmsg): see dmsg_method_is. */
	uint8_t method_code, cseq_code;
	struct ep src, dst;
	uint32_t cap_idx;
	uint32_t ifnum;           /* 1 + its pcapng interface, 0 not known (pkt.h) */
	uint64_t frame;
	uint64_t first_frame;     /* TCP: frame that held the first byte */
	int64_t ts_ns;
	uint8_t transport;        /* PKT_UDP, PKT_TCP, PKT_SCTP; 0x80 | ... for WebSocket */
	/*
	 * Private to the detectors (detect_int.h DMSG_MEMO_*): answers
	 * they ask for every message -- which side sent it
	 * (detect_from_caller), whether its addresses are private, its To
	 * tag's presence, its top Via's received=, a Content-Length that
	 * is off -- noted as the message arrives (detect_msg_memo), or
	 * worked out once on first use; facts fixed once the message is
	 * stored (its tags and addresses, the dialog's From tag and first
	 * sender), so written through the const views detectors have.
	 * Zero in a new dmsg: nothing known.
	 */
	uint8_t side_memo;
	uint16_t nfrags;          /* >1 when carried in IP fragments */
	uint32_t ip_len;          /* IP datagram size (announced, when cut) */
	uint32_t frag_seen;       /* >0: only the start arrived, this many IP
	                           * bytes of its fragments (ingest
	                           * PKT_FRAG_LOST); m is what they held */
	uint32_t retrans;         /* retransmissions seen after this copy */
	/* The first min(retrans, DIALOG_RETRANS_KEPT) retransmissions'
	 * times and frames; the entries past them are not set (the dialog
	 * table does not zero them): read only those.  Last in the struct. */
	int64_t retrans_ns[DIALOG_RETRANS_KEPT]; /* times of the first ones */
	uint64_t retrans_frame[DIALOG_RETRANS_KEPT];
};

/*
 * Whether m's method (dmsg_method_is) or CSeq method (dmsg_cseq_is) is
 * c (SIPM_INVITE..SIPM_INFO): its code when known, else its string.
 */
static inline bool
dmsg_method_is(const struct dmsg *m, enum sip_method c)
{
	return m->method_code != SIPM_NONE ? m->method_code == c :
	    strcmp(m->m->method, sip_method_name(c)) == 0;
}

static inline bool
dmsg_cseq_is(const struct dmsg *m, enum sip_method c)
{
	return m->cseq_code != SIPM_NONE ? m->cseq_code == c :
	    strcmp(m->m->cseq_method, sip_method_name(c)) == 0;
}

/*
 * strcmp(x, y) == 0 for two methods of codes a and b (SIPM_NONE: not
 * known): two known codes decide unless both are SIPM_OTHER.
 */
static inline bool
sip_method_same(uint8_t a, const char *x, uint8_t b, const char *y)
{
	if (a > SIPM_OTHER && b > SIPM_NONE)
		return a == b;
	if (b > SIPM_OTHER && a > SIPM_NONE)
		return false;
	return strcmp(x, y) == 0;
}

/* Transport value for messages carried over WebSocket. */
#define DMSG_WS PKT_WS

struct findings;

/* Whether a capture can show a call's media on a segment. */
enum dialog_vis_state {
	DIALOG_VIS_UNJUDGED = 0,
	DIALOG_VIS_VISIBLE,       /* media would be on it (seen, or let through) */
	DIALOG_VIS_HIDDEN,        /* its capture filter removes the media */
	DIALOG_VIS_UNKNOWN,       /* nothing in the file says */
};

struct dialog {
	/*
	 * The fields every message of the dialog reads or writes come first
	 * (layout checked in dialog.c): the node and the Call-ID the lookup
	 * compares (its first bytes beside the node), then fields a message
	 * seldom reads, then, from byte 320 (a cache-line boundary from the
	 * dialog's start), the 202 bytes nearly every message reads or
	 * writes, in four lines however the block is aligned (they spanned
	 * five); the other strings after them.
	 */
	struct hnode node;        /* dialog table linkage (private) */
	char call_id[256];        /* the key: compared right after node.hash */

	uint64_t id;              /* 1-based, in order of first message */
	int64_t start_ns;         /* first message */
	int64_t ring_ns;          /* first 18x, 0 none */
	uint64_t retrans_total;
	uint64_t dropped_msgs;    /* beyond CAP_DIALOG_MESSAGES */
	uint32_t cap_idx;         /* capture of the first message */
	int nforks;               /* distinct To tags answering the initial request */

	/* From byte 320: what nearly every message reads or writes. */
	struct dialog *lru_prev, *lru_next; /* private */
	/* lru_ns beside last_ns: an RTP packet reads both (one cache line). */
	int64_t lru_ns;           /* private: last_ns when last moved in it */
	int64_t last_ns;          /* latest packet (SIP or media) */
	struct dmsg *msgs;        /* unique messages in capture order */
	size_t nmsgs, msgs_cap;
	enum dialog_kind kind;
	int lru;                  /* private: which expiry list */
	/*
	 * Private to the dialog table (dialog.c, prior_msgs): what each
	 * message's take asks of the messages before it, kept here so that
	 * it reads no entry of msgs: for the first DIALOG_FP messages, 16
	 * bits of raw_hash (raw_fp) and of a hash of key_request, key_cseq
	 * and key_status (key_fp), and the newest DIALOG_RECENT messages
	 * (msgs[i].m at recent[i % DIALOG_RECENT]).
	 */
	uint16_t raw_fp[DIALOG_FP];
	uint16_t key_fp[DIALOG_FP];
	struct sipmsg *recent[DIALOG_RECENT];
	size_t raw_bytes;         /* raw bytes kept */
	size_t mem_bytes;         /* private: approximate heap held */
	int64_t answer_ns;        /* first 2xx to the initial INVITE, 0 none */
	int64_t end_ns;           /* BYE, final failure or CANCEL, 0 none */
	enum dialog_state state;
	uint32_t initial_cseq;
	int final_status;         /* final status of the initial request, 0 none */
	uint8_t first_code;       /* private: enum sip_method of first_method
	                           * (SIPM_NONE: not known) */
	bool evicted;             /* emitted early to respect the memory cap */
	/* (The struct is 2,304 bytes, its pool class in dialog.c.) */
	void *media_eps;          /* private to analysis.c: announced endpoints */

	char first_method[32];
	char from[256], to[256];  /* user@host of the initial request */
	char from_tag[128];

	/* RTP streams attributed to this dialog (owned by the dialog once it
	 * is emitted; see analysis.c). */
	struct rtp_stream *streams[CAP_DIALOG_STREAMS];
	int nstreams;
	uint64_t rtcp_packets;
	/*
	 * What the capture can show of this call's media on each segment
	 * (index: enum rtp_segment), judged by detect_dialog
	 * (detect_media_visibility, issue 15.3).  why is for people and may
	 * hold a capture filter's raw bytes: escape it where it goes.
	 */
	struct dialog_vis {
		uint8_t state;        /* enum dialog_vis_state */
		char why[200];
	} vis[3];
	/*
	 * The same call seen as another dialog on the other segment: an ALG
	 * rewrote the Call-ID, so the inside and outside copies of its
	 * messages (a merged inside+outside file, a mirror port) are two
	 * dialogs.  Set by detect_dialog (detect_join, detect_rewrite.c)
	 * when a message of this dialog and one of the other are copies of
	 * one message at two translations.  id 0: not joined.  call_id is
	 * raw packet text: escape it where it goes.  counted: the symptom
	 * ids (bit per enum symptom_id) the other dialog, judged first,
	 * already counted for the call; a report counts this one's again
	 * only when not among them (a symptom once per call).
	 */
	struct dialog_join {
		uint64_t id;          /* the other dialog's id */
		char call_id[256];    /* its Call-ID */
		uint8_t segment;      /* enum rtp_segment of THIS dialog */
		bool other_first;     /* the other was judged (reported) first */
		bool other_affected;  /* ... with a failure finding */
		uint32_t counted;     /* ... these symptom ids */
	} join;
	struct findings *findings; /* detector results (detect.h), owned; NULL none */
	/*
	 * Private to the detectors (detect.c): where detect_initial and
	 * detect_answer last found their message (index + 1, 0 none) and
	 * the messages (msgs, nmsgs; and answer_ns) they looked at, so that
	 * the many detectors asking read the answer instead of walking the
	 * messages again; recomputed when the dialog changed.  Written
	 * through the const views detectors have.  Zero in a new dialog.
	 */
	struct dialog_memo {
		const struct dmsg *msgs;
		size_t nmsgs;
		int64_t answer_ns;
		uint32_t at;
	} memo_initial, memo_answer;
};

const char *dialog_kind_name(enum dialog_kind k);
/* "visible", "not_visible", "unknown"; NULL for DIALOG_VIS_UNJUDGED. */
const char *dialog_vis_name(unsigned state);
const char *dialog_state_name(enum dialog_state s);

/* Call duration: from answer to end (or last packet), 0 when unanswered. */
int64_t dialog_duration_ns(const struct dialog *d);
/* Setup time: from the first INVITE to the first 18x/2xx, -1 none. */
int64_t dialog_setup_ns(const struct dialog *d);

/* The dialog table: creation, lookup by Call-ID, and expiry. */
struct dialog_table;

/*
 * Called for each dialog leaving the table.  Return false and the table
 * frees it after the call; return true to keep it (the callee then owns
 * it and frees it with dialog_free).
 */
typedef bool (*dialog_done_fn)(void *user, struct dialog *d);

/* Frees a dialog that was kept by a dialog_done_fn, with its messages and
 * streams.  NULL is a no-op. */
void dialog_free(struct dialog *d);

/* Returns NULL on OOM. */
struct dialog_table *dialog_table_new(dialog_done_fn done, void *user);
/* Emits (done) and frees every remaining dialog, then the table. */
void dialog_table_free(struct dialog_table *t);

/*
 * Adds one parsed SIP message seen at p.  Takes ownership of m in every
 * case (it is freed when it is a retransmission or cannot be stored).
 * Returns the dialog it went to, or NULL when dropped (anomaly counted).
 * *is_retrans tells whether it was a retransmission.
 */
struct dialog *dialog_table_add(struct dialog_table *t, struct sipmsg *m,
    const struct pkt *p, uint64_t first_frame, struct anomalies *an,
    bool *is_retrans);

/* What dialog_table_take did with a message. */
enum dialog_take {
	DIALOG_TAKE_UNPARSED,  /* not SIP (sipmsg_parse refused it, anomaly counted) */
	DIALOG_TAKE_DROPPED,   /* parsed, but not stored (anomaly counted) */
	DIALOG_TAKE_NEW,       /* a new message of *d */
	DIALOG_TAKE_RETRANS,   /* a retransmission, folded into *d */
};

/*
 * Parses the framed SIP message msg[0..len) seen at p and adds it: the
 * same as sipmsg_parse followed by dialog_table_add, with the same
 * result and anomalies, only cheaper.
 *
 *  - A message that is byte for byte one already stored in a dialog in
 *    flight (a retransmission, RFC 3261 section 17) is recognised by
 *    its raw bytes once the header walk has found its Call-ID, and
 *    folded in before libosip2 parses it, when parsing it would have
 *    given that very fold: the copy parsed with no anomaly and
 *    dialog_table_add would pick the same original.
 *  - Otherwise it is parsed with sipmsg_parse_with, leaning on the
 *    latest messages of its Call-ID, so the header lines they share are
 *    not handed to libosip2 again.
 *
 * Sets *d to the dialog (NULL when unparsed or dropped).  msg is the
 * caller's; the table keeps its own copy.  lines (NULL: none) are the
 * line ends the framing found in msg (sipmsg_lend.lines).
 */
enum dialog_take dialog_table_take(struct dialog_table *t,
    const uint8_t *msg, size_t len, const struct sipframe_lines *lines,
    const struct pkt *p, uint64_t first_frame, struct anomalies *an,
    struct dialog **d);

/* Marks activity (media) on d at now_ns, keeping it alive. */
void dialog_table_touch(struct dialog_table *t, struct dialog *d,
    int64_t now_ns);

/* Emits and frees dialogs whose time has come at capture time now_ns. */
void dialog_table_expire(struct dialog_table *t, int64_t now_ns);

/* Dialogs in flight, and approximate bytes they hold. */
size_t dialog_table_bytes(const struct dialog_table *t);
size_t dialog_table_count(const struct dialog_table *t);

/* Iterates over dialogs in flight (for the analysis' stream bookkeeping). */
void dialog_table_foreach(struct dialog_table *t,
    void (*fn)(void *user, struct dialog *d), void *user);

#endif /* SIPALG_DIALOG_H */
