/*
 * run.h - the state of one replay (sim_run) and what every part of it
 * uses: the drop list, the dialog table, the ALG's inspection rule, the
 * TCP connections' byte shifts, the outside pcap, and the path of a
 * packet through the router (run_deliver, run_lan_path).
 *
 * Internal to the simulator: sim.c (the engine), load.c, media.c,
 * model.c, outbound.c and inbound.c.  Lowest layer of them: it uses none
 * of the others.
 */
#ifndef SIPALG_SIM_RUN_H
#define SIPALG_SIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/caps.h"
#include "base/netaddr.h"
#include "ingest/sipframe.h"
#include "alg.h"
#include "farend.h"
#include "nat.h"
#include "pcapw.h"
#include "alg/profile.h"
#include "sim.h"
#include "sip/sipmsg.h"


struct fegen;

struct tcp_conn {
	struct ep phone, remote;
	int64_t d_out;            /* outside - inside bytes, phone -> remote */
	int64_t d_in;             /* outside - inside bytes, remote -> phone */
	int64_t d_wi;             /* predicted inside view - capture bytes,
	                           * remote -> phone (run_write_inside) */
	/* tcp_split_msgs = reassemble or drop: phone -> remote bytes held */
	uint8_t *pend;            /* from the start of an unfinished message */
	size_t pend_len;
	uint32_t pend_seq;        /* inside sequence number of pend[0] */
	bool stalled;             /* drop: a split message was dropped */
	/* pass_untranslated: the phone -> remote stream of a message split
	 * over segments, reassembled for the far-end model only */
	uint8_t *trk;
	size_t trk_len;
	/* the remote -> phone stream of a message split over segments, which
	 * passes the ALG as it is, reassembled for the dialog model only */
	uint8_t *trk_in;
	size_t trk_in_len;
	/* the ALG changed a segment's length without recording the seq
	 * adjust (run_cut.noadj): phone -> remote bytes from then on are off
	 * by this much at the far end, which cannot frame the stream */
	int64_t unadjusted;
	uint64_t unadjusted_frame;
	/* the far end's last segment (remote -> phone), as captured inside:
	 * what its next made-up segment copies (run_tcp_unadjusted) */
	bool far_seen;
	uint8_t far_ttl, far_df, far_wscale;
	uint16_t far_id, far_win;
	uint32_t far_nxt;         /* its next sequence number, inside numbering */
	uint32_t far_ack_out;     /* the acknowledgment it carried, outside */
	bool far_ts;              /* it carried a timestamp (RFC 7323) */
	uint32_t far_tsval;
	int64_t far_ns;
	/* a grown segment without seq adjust: the far end's ACK and the
	 * router's RST, written outside when due (run_tcp_due) */
	int64_t rst_due;          /* 0: none */
	uint32_t rst_ack;         /* outside end of the grown segment */
	uint32_t rst_ecr;         /* the phone's TSval in it */
};

/*
 * A far-end TCP segment p (remote -> phone) as captured inside: kept as
 * the model of the far end's next segment on tc.
 */
void run_tcp_far_seen(struct tcp_conn *tc, const struct sim_pkt *p);

/* Bytes the ALG holds for one unfinished message before it gives up. */
#define SIM_TCP_PEND_MAX 65536

/*
 * The keys of the dialogs retired during a run (sim.c retire): a
 * fingerprint of each key a lookup can find a dialog by (run_fp) and the
 * newest dialog number (seq) retired under it.  A lookup that would have
 * found a retired dialog (run_ghost_check) marks the run in conflict:
 * sim_runs replays it again keeping that dialog live.
 */
struct run_ghosts {
	uint64_t *fp;             /* 0: slot free */
	uint32_t *seq;
	size_t n, cap;            /* cap a power of two (0: none yet) */
};

/* Kinds of key beyond RUN_MIX_* (the media lines'): the dialog's own
 * (Call-ID, inside host) and its Call-ID alone. */
enum { RUN_FP_LEG = 8, RUN_FP_CID = 9 };

struct run {
	const struct sim_cfg *cfg;
	struct nat *nat;
	struct pcapw *w;
	struct pcapw *wi;         /* the predicted inside view (--write-inside) */
	bool wi_done;             /* this packet is in the inside view already */
	struct sim_result *res;
	int64_t now;
	struct tcp_conn tcp[SIM_CAP_TCP_CONNS];
	int ntcp;
	int ntcp_due;             /* connections with rst_due set */
	size_t dcap;
	/* dialogs by (Call-ID, phone host): chains of dialog numbers */
	uint32_t *dhead;          /* RUN_DLG_BUCKETS heads */
	uint32_t *dnext;          /* per dialog (dcap) */
	/*
	 * Media lines by the phone's endpoint (inside and outside form):
	 * entries (dialog, line) in chains, refreshed from the dialogs
	 * handed out since the last lookup (media.c media_find).
	 */
	struct run_mix *mix;
	size_t nmix, mixcap;
	bool mix_broken;          /* out of memory once: lookups scan */
	uint32_t *mhead;          /* RUN_DLG_BUCKETS heads */
	struct ep (*msnap)[FE_MAX_MEDIA][3]; /* per dialog: endpoints indexed */
	uint32_t *dirty;          /* dialogs handed out since the last refresh */
	size_t ndirty;
	uint8_t *isdirty;         /* per dialog */
	/* probes: the earliest due at the last full look, and when that was */
	int64_t probe_min, probe_scan;
	/* dialogs with a probe scheduled (media_probe_at), unordered; a
	 * dialog leaves when media_due_probes finds its media_check_ns 0 */
	uint32_t *pend;
	size_t npend, pendcap;
	uint8_t *ispend;          /* per dialog (dcap): in pend */
	bool pend_lost;           /* out of memory: look at every dialog */
	/* dialogs whose REGISTER named a Contact (run_registered), in order */
	uint32_t *regs;
	size_t nregs, regcap;
	bool regs_lost;           /* out of memory: look at every dialog */
	uint64_t work;            /* sim_result.work, but the NAT's */
	struct sim_cfg relay_cfg; /* media_relay_sdp's rewrite: SDP only */
	struct ep cap_public;     /* the capture's own router address, if it shows one */
	struct fegen *fg;         /* the far end's modelled frames (fegen.h) */
	int (*far_rtp_shown)(const void *user, const struct ep *e); /* sim_opts */
	const void *far_rtp_user;
	bool fwd_found[SIM_MAX_FORWARDS]; /* port forward k has its inside endpoint */
	struct alg_cids *cids;    /* Call-IDs as the ALG hid them (alg.h), lazily */
	const struct sim_opts *opts; /* the run's options (far_silent) */
	int64_t retire_next;      /* no retirement looked for before */
	bool retire_done;         /* retire dialogs once done (else only with the table full) */
	bool retire_full_idle;    /* the last pass found the table full and nothing done */
	const uint32_t *keep;     /* dialog numbers never retired, ascending */
	size_t nkeep;
	struct run_ghosts gh;
	bool conflict;            /* a lookup would have found a retired dialog */
	uint32_t *conf;           /* those dialogs' numbers */
	size_t nconf, confcap;
};

/*
 * The fingerprint of a key of kind (RUN_MIX_*: e, the port alone for
 * RUN_MIX_PORT; RUN_FP_LEG: call_id and e's host; RUN_FP_CID: call_id).
 */
uint64_t run_fp(int kind, const char *call_id, const struct ep *e);

/* Records that dialog seq, retired, is found under fp; -1 out of memory. */
int run_ghost_add(struct run *r, uint64_t fp, uint32_t seq);

/*
 * A lookup under fp found nothing live newer than dialog number than (-1:
 * nothing): when a retired dialog newer than that is under fp, the run
 * is in conflict (run.conflict, its number in run.conf).
 */
void run_ghost_check(struct run *r, uint64_t fp, int64_t than);

/*
 * Fills fl's run-wide state: the Call-ID table (made on first use; NULL
 * when out of memory) and the NAT's inside hosts.
 */
void run_alg_flow(struct run *r, struct alg_flow *fl);

/*
 * The ALG grew the phone's segment p on tc, ending at outside sequence
 * number end, without recording the seq adjust.  The far end ACKs it
 * (a delayed ACK, RUN_DELACK_NS later), conntrack finds that ACK beyond
 * anything the phone sent (nf_conntrack_proto_tcp.c tcp_in_window: not
 * NATed back), so it reaches the router's own stack, which answers with
 * a reset (RFC 793 3.4: SEQ = the segment's ACK, no ACK bit;
 * net/ipv4/tcp_ipv4.c tcp_v4_send_reset: window 0, no options, IP ID 0,
 * the default TTL): the far end's connection is gone.  Both are written
 * to the outside view when due (run_tcp_due).
 */
void run_tcp_unadjusted(struct run *r, struct tcp_conn *tc,
    const struct sim_pkt *p, uint32_t end);

/* Writes the made-up TCP segments due before now. */
void run_tcp_due(struct run *r, int64_t now);

/*
 * Linux's delayed ACK (include/net/tcp.h TCP_DELACK_MIN = HZ/25): 40 ms,
 * and the timer fires on a jiffy tick after it (HZ 250: up to 4 ms),
 * taken here as the middle of that tick.
 */
#define RUN_DELACK_NS (42 * CAP_NS_PER_SEC / 1000)

#define RUN_DLG_BUCKETS 8192       /* a power of two */

/*
 * Whoever schedules a probe of the far end's media (fe_dialog
 * media_check_ns) schedules it at least this long after the packet being
 * replayed: media_due_probes looks at every dialog only this often.
 */
#define RUN_PROBE_MIN_DELAY_NS (CAP_NS_PER_SEC / 50)

/*
 * One media line in the index by phone endpoint: under phone_in
 * (RUN_MIX_IN), phone_out (RUN_MIX_OUT), phone_in's port alone
 * (RUN_MIX_PORT: media_relayed's match of the capture's router address
 * with the port kept), or the public c= a phone wrote itself, phone_sdp
 * (RUN_MIX_SDP: lan_partner's match of it passed on by a proxy).
 */
enum { RUN_MIX_IN, RUN_MIX_OUT, RUN_MIX_PORT, RUN_MIX_SDP };
struct run_mix {
	uint32_t dlg, next;
	uint8_t line;
	uint8_t kind;             /* RUN_MIX_* */
};

/*
 * Dialog i was handed out (its media lines may change): the index of
 * media lines looks at it again (media_find).  run_dialog and media_find
 * call it; whoever reaches a dialog another way and changes its media
 * lines' phone endpoints must too.
 */
void run_dialog_handed(struct run *r, size_t i);

/* The chain of the dialog index the key (call_id, inside host) is in. */
uint32_t run_dlg_bucket(const char *call_id, const struct ep *host);

/* Appends v to the list a (n used, cap allocated); -1 out of memory. */
int run_list_add(uint32_t **a, size_t *n, size_t *cap, uint32_t v);

/*
 * d's REGISTER names a Contact for the first time (reg_contact_in): the
 * far end's new requests look for the phone among these dialogs only.
 */
void run_registered(struct run *r, const struct fe_dialog *d);

/* Frees what the run's indexes hold. */
void run_index_free(struct run *r);

/* Bounded copy of a C string (truncates). */
void run_copy(char *dst, size_t n, const char *src);

/* Records a packet that did not make it (at most SIM_MAX_DROPS kept). */
void run_drop(struct run *r, const struct sim_pkt *p, bool outbound,
    const char *what, const char *where, const char *reason);

/*
 * The dialog of call_id on the phone side of p; created when asked and
 * there is room (NULL otherwise).
 */
struct fe_dialog *run_dialog(struct run *r, const char *call_id,
    bool create, const struct sim_pkt *p);

/* The ALG looks at this flow (K3: only listed ports; TCP optional). */
bool run_inspected(const struct sim_cfg *c, const struct sim_pkt *p);

/* The TCP connection phone <-> remote; NULL when the table is full. */
struct tcp_conn *run_tcp_conn(struct run *r, const struct ep *phone,
    const struct ep *remote);

/*
 * Writes b as p would leave on the outside, from src to dst (TCP:
 * sequence numbers shifted by delta_before and the other direction's
 * shift).
 */
void run_write(struct run *r, const struct sim_pkt *p, const struct ep *src,
    const struct ep *dst, const uint8_t *b, size_t len, bool outbound,
    int64_t delta_before);

/* The expectation class of an m= media name ('a', 'v', 'i'; 0: none). */
char run_media_class(const char *media);

/* The signalling flow (conntrack) p travels on. */
void run_sig_flow(const struct sim_pkt *p, bool outbound, struct nat_flow *fl);

/*
 * The ALG sees m on p's flow: with pinhole_scope = flow, an INVITE or BYE
 * (either way) and a final answer >= 300 to an INVITE close every media
 * pinhole of the flow, whichever dialog opened it (nf_conntrack_sip.c
 * process_invite_request, process_bye_request, process_invite_response;
 * the kernel's check that the answer's CSeq is the flow's last INVITE's
 * is not modelled).
 */
void run_alg_flush(struct run *r, const struct sim_pkt *p, bool outbound,
    const struct sipmsg *m);

/*
 * Whether p, leaving with len bytes of UDP payload, is too long for the
 * outside link (outside_mtu) with DF set: the router drops it and answers
 * the sender ICMP fragmentation needed (net/ipv4/ip_output.c
 * ip_fragment(): IP_DF set -> icmp_send(ICMP_FRAG_NEEDED), kfree_skb).
 * The ALG rewrites in POSTROUTING, after ip_forward()'s own MTU check, so
 * it is the rewritten length that counts.  Without DF (and for a datagram
 * the phone fragmented itself) run_write puts real fragments outside.
 */
bool run_mtu_exceeded(const struct run *r, const struct sim_pkt *p,
    size_t len);

/* Bytes of CRLF keepalives at the start of p[0..len). */
size_t run_crlf_lead(const uint8_t *p, size_t len);

/*
 * The SIP messages found in some bytes (a TCP segment, the bytes held of
 * a split message): their spans, as many as there are.  The kernel's
 * helper has no message count (sip_help_tcp() loops to the segment's
 * end), so neither has this: the first RUN_SPANS_INLINE live in the
 * struct, more go to the heap, bounded by the bytes framed (every span
 * is at least a CRLF CRLF long).  Out of memory, the framing stops at
 * the spans that fit and s->oom is set (the caller's model sees fewer
 * messages; the wire is not affected).
 */
#define RUN_SPANS_INLINE 16
struct run_spans {
	struct sipframe_span *sp;   /* inl, or heap */
	int cap;
	bool oom;
	struct sipframe_span inl[RUN_SPANS_INLINE];
};
void run_spans_init(struct run_spans *s);
void run_spans_fini(struct run_spans *s);

/*
 * sipframe_messages() into s with no cap on the count: the number of
 * whole messages at the start of p[0..len) (spans in s->sp, *used the
 * bytes they cover), or -1 when bytes before the end are not framable.
 */
int run_messages(struct run_spans *s, const uint8_t *p, size_t len,
    size_t *used);

/*
 * run_track_add() puts a SIP message split over TCP segments together
 * for the far-end model (one buffer per connection and direction:
 * *buf, *buflen bytes held).  It appends b[0..len) and returns how many
 * whole messages the buffer now starts with (their spans in s->sp); once
 * the caller has read them, run_track_done() drops the *used bytes they
 * cover.  CRLF keepalives with nothing held are not kept.  A buffer past
 * SIM_TCP_PEND_MAX, or bytes sipframe cannot frame, empty it (the model
 * loses that message; the wire is not affected) and give 0.
 */
int run_track_add(uint8_t **buf, size_t *buflen, const uint8_t *b,
    size_t len, struct run_spans *s, size_t *used);
void run_track_done(uint8_t *buf, size_t *buflen, size_t used);

/* What run_sip_spans() left of a packet. */
struct run_cut {
	size_t used;    /* bytes the spans cover; the rest passes untouched */
	bool noadj;     /* the helper returned before its seq adjust: the
	                 * length change of the spans is never recorded */
};

/*
 * The SIP messages of one packet as the ALG sees them (spans in s->sp,
 * no cap on their count), each from the previous one's end (CRLF
 * keepalives before it included): a TCP segment cut on its own as tcp_segment_framing says (content_length:
 * sip_help_tcp()'s cut, which may leave bytes after the last span, and
 * may set cut->noadj; stream: sipframe_messages(), whole messages or
 * -1); a UDP datagram one message (its framed length, or the whole
 * payload when it does not frame).  Returns their count (0: nothing the
 * ALG handles), or -1 when a TCP segment is not whole messages (stream).
 */
int run_sip_spans(const struct sim_cfg *c, const struct sim_pkt *p,
    struct run_spans *s, struct run_cut *cut);

/* sipmsg_parse() of msg[0..len) past any CRLF keepalives before it (a
 * span of run_sip_spans() keeps them for the ALG).  NULL: not SIP. */
struct sipmsg *run_sipmsg(const uint8_t *msg, size_t len);

/* sipframe_looks_like_sip() past any CRLF keepalives at the start. */
bool run_looks_like_sip(const uint8_t *p, size_t len);

/*
 * Whether a far-end packet from src to target reaches the phone at want
 * (NULL: anywhere inside).  probe: decide without changing the NAT.
 * False with the reason in why.
 */
bool run_deliver(struct run *r, uint8_t proto, const struct ep *src,
    const struct ep *target, const struct ep *want, int64_t t, bool probe,
    char *why, size_t n);

/*
 * RTP from inside endpoint src to target, another phone behind the
 * router (want: where it listens): on the LAN, or looped back by the
 * router (nat_hairpin).  False with the reason in why.
 */
/*
 * Writes one frame of the predicted inside view (nothing without
 * --write-inside): a frame a phone sent, or one the modelled router
 * delivers to a phone, src -> dst with payload b.  UDP goes out as IPv4
 * fragments of at most 1500 bytes when longer (what the LAN carries); TCP
 * keeps p's own flags and IP fields and its sequence numbers (the inside
 * numbering), shifted by what the model delivered to the phone beyond
 * the capture's bytes so far (tcp_conn.d_wi: the far end's sequence, the
 * phone's acknowledgment).  A packet the model made up (p NULL) is UDP at time t.
 */
void run_write_inside(struct run *r, const struct sim_pkt *p, int64_t t,
    const struct ep *src, const struct ep *dst, const uint8_t *b, size_t len);

bool run_lan_path(struct run *r, const struct ep *src, const struct ep *target,
    const struct ep *want, int64_t t, bool probe, char *why, size_t n);

#endif /* SIPALG_SIM_RUN_H */
