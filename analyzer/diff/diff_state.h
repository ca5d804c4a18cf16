/*
 * diff_state.h - the state of one inside/outside comparison, shared by
 * the files of diff/ that run it (private; the contract is diff.h):
 *
 *	diff.c          the stage: both sides' ingest, passes 1 and 2,
 *	                the clock offset, life cycle, results
 *	diff_mapping.c  which side an address is on (direction) and the NAT
 *	                mapping table
 *	diff_pairing.c  pairing SIP copies and RTP packets across the sides,
 *	                gathering pairs into dialogs
 */
#ifndef SIPALG_DIFF_STATE_H
#define SIPALG_DIFF_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/anomaly.h"
#include "base/htab.h"
#include "base/netaddr.h"
#include "diff/diff.h"
#include "diff/diff_int.h"
#include "ingest/ingest.h"

/* A SIP message waiting for its copy on the other side. */
struct sipent {
	struct hnode node;
	struct sipent *prev, *next;   /* FIFO of all pending, by arrival */
	enum diff_side side;
	enum diff_dir dir;
	uint8_t l4;
	int64_t adj_ns;               /* corrected time (inside clock) */
	struct diff_copy copy;
	uint8_t *raw;                 /* message as carried, body included */
	size_t raw_len;
	char call_id[256];
	char cid_user[256];           /* Call-ID before '@' */
	char label[64];
	char cseq_method[32];
	char from_tag[128];
	char branch[128];
	uint32_t cseq;
	int status;
};

/* Pairs of one Call-ID, waiting for the dialog to go quiet. */
struct ddlg {
	struct hnode node;
	struct ddlg *prev, *next;     /* LRU by last activity */
	char cid_user[256];
	struct diff_dialog pub;
	int cap;
	size_t bytes;
	int64_t last_ns;
};

struct rtpent {
	int64_t adj_ns;
	uint16_t seq;
	uint8_t side;
};

struct dstream {
	struct hnode node;
	struct diff_stream s;
	struct rtpent *pend;
	size_t npend, cap;
};

struct mapnode {
	struct hnode node;            /* by private endpoint */
	struct diff_mapping m;
};

struct addrnode {
	struct hnode node;
	struct ep ip;                 /* port 0 */
};

struct sample {
	uint64_t key;
	int64_t ts_ns;
};

struct dside {
	struct diff *d;
	enum diff_side side;
	int pass;                     /* 1 learn, 2 feed */
	struct anomalies *an;         /* where the current packet's anomalies go */
};

struct diff {
	struct diff_opts o;
	struct diff_cb cb;
	int64_t window;
	struct dside sides[2];
	struct ingest *ing[2];        /* one stage per side, fresh for each pass */
	struct anomalies an[2];

	/* pass 1 */
	struct sample *samples[2];
	size_t nsamples[2];
	struct htab addrs[2];
	bool learnt;

	/* pass 2 */
	struct htab pending;          /* struct sipent by key */
	struct sipent *fifo_head, *fifo_tail;
	size_t npending;
	struct htab dialogs;          /* struct ddlg by Call-ID user part */
	struct ddlg *lru_head, *lru_tail;
	size_t dialog_bytes;
	struct htab streams;          /* struct dstream by ssrc, dir */
	struct dstream **stream_list;
	size_t nstreams, stream_cap;
	struct htab maps;             /* struct mapnode by private ep */
	struct mapnode **map_list;
	size_t nmaps, map_cap;
	int64_t now_ns;
	int64_t last_hk_ns;
	bool finished;

	struct diff_summary sum;
	struct diff_features feat;
	struct diff_evidence ev;      /* for the profile guess */
	char *path[2];
};

/* ---- diff_mapping.c ---- */

/* Notes that address e (its IP, port aside) shows on side. */
void diff_mapping_learn(struct diff *d, enum diff_side side,
    const struct ep *e, struct anomalies *an);

/*
 * Direction of a packet seen on side.  An address seen on this side only
 * belongs to the router's side of it: a LAN host inside, the router's
 * public address outside.  Without such a hint, private addresses decide.
 */
enum diff_dir diff_mapping_dir(const struct diff *d, enum diff_side side,
    const struct ep *src, const struct ep *dst);

/* ---- diff_pairing.c ---- */

/*
 * One framed SIP message of side s: msg[0..len) as parsed, carried bytes
 * (stale Content-Length shows), body_off, transport; split when a TCP
 * message spanned several segments.  Pass 1 samples it for the clock
 * offset, pass 2 offers it for pairing.
 */
void diff_pairing_sip(struct dside *s, const struct pkt *p,
    const uint8_t *msg, size_t len, size_t carried, size_t body_off,
    uint8_t l4, bool split);

/* One non-SIP UDP datagram of side s (RTP is paired, pass 2 only). */
void diff_pairing_rtp(struct dside *s, const struct pkt *p);

/*
 * Expires pending messages and RTP packets older than the window and
 * hands out dialogs quiet for DIFF_DIALOG_QUIET_NS (all: everything).
 */
void diff_pairing_expire(struct diff *d, bool all);

/* Frees what pairing still holds (nothing is handed out). */
void diff_pairing_free(struct diff *d);

#endif
