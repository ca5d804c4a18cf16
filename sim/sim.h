/*
 * sim.h - replaying an inside capture through the modelled NAT + ALG.
 *
 * A capture taken on the phone side is read once (sim_capture_load) and
 * replayed, streaming, under any number of configurations (sim_run,
 * sim_runs: all in one more pass over the file): packets from the
 * inside go through the NAT and the ALG to the outside; packets from
 * outside parties are re-targeted by the far-end model (farend.h) and come
 * back through the bindings and pinholes as they exist at that moment.
 * Each run yields the outside view (optionally a pcap), the drops with
 * their reasons, and per dialog the facts outcome.c turns into a predicted
 * outcome.
 */
#ifndef SIPALG_SIM_SIM_H
#define SIPALG_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "farend.h"
#include "base/netaddr.h"
#include "alg/profile.h"

#define SIM_MAX_DROPS 512
#define SIM_MAX_INSIDE_NETS 16
#define SIM_MAX_FORWARDS 8

struct sim_pkt {
	int64_t ts_ns;
	uint64_t frame;
	uint8_t l4;               /* 17 or 6 */
	struct ep src, dst;
	const uint8_t *payload;   /* borrowed: valid during the sim_pkt_fn call */
	size_t len;
	uint16_t nfrags;          /* >1: the phone sent it in IP fragments */
	bool ip_df;               /* IPv4 Don't Fragment set by the sender */
	uint8_t ip_ttl;           /* as captured inside */
	uint16_t ip_id;
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win, tcp_urp;   /* as captured inside */
	uint8_t tcp_x2;              /* the 4 bits after the data offset */
	uint8_t tcp_optlen;          /* TCP options, copied (0: none, or made up) */
	uint8_t tcp_opt[40];
	/*
	 * A refusal (sim_capture_each_refusals only): l4 is PKT_ICMP_TOOBIG,
	 * PKT_ICMP_REASM, PKT_ICMP_SIP_UNREACH or PKT_FRAG_LOST
	 * (ingest/pkt.h), src and dst the quoted datagram's, reporter who
	 * sent the ICMP (family 0 for PKT_FRAG_LOST), icmp_type and
	 * icmp_code the error's (PKT_ICMP_SIP_UNREACH), payload the quoted
	 * start of its SIP.
	 */
	struct ep reporter;
	uint8_t icmp_type, icmp_code;
};

/*
 * An inside capture, read as a stream: what is known before the first
 * packet of a run, and where to read the packets again.  Nothing per
 * packet is held.
 */
struct sim_capture {
	char path[4096];          /* what each pass opens */
	char shown[4096];         /* the name the user gave, for messages */
	FILE *spool;              /* standard input or a FIFO, copied (or NULL) */
	uint64_t frames;
	uint64_t skipped;         /* packets not modelled (IPv6, SCTP) */
	struct anomalies an;      /* the capture's own (decode, truncation) */
	struct ep implied_public; /* public address the capture shows, family 0 if none */
	/*
	 * The capture filter the input recorded, carried to the written
	 * views: a pcapng file whose interfaces all record the same if_filter
	 * (read whole) gives its type byte (0: a libpcap expression, its text
	 * in filter); -1 when the file records none (a pcap file, interfaces
	 * that record none); -2 when what it records cannot be carried
	 * (interfaces that differ or are not readable, a filter longer than
	 * kept): the views then record none either.
	 */
	int filter_type;
	char filter[CAP_IFFILTER];
};

/*
 * Reads path once (standard input and FIFOs are copied to a temporary
 * file first).  Returns NULL with err ("cannot read 'x': reason") on
 * failure.
 */
struct sim_capture *sim_capture_load(const char *path, char *err,
    size_t errlen);
void sim_capture_free(struct sim_capture *c);

/* Called for every modelled packet of a pass, in capture order. */
typedef void (*sim_pkt_fn)(void *user, const struct sim_pkt *p);

/*
 * The SIP messages of a pass's packets as their receiver reads them, for
 * what learns from the capture (the router's public address, the far-end
 * assumptions): one per UDP datagram (RFC 3261 18.3: bytes past its
 * Content-Length are not another message), and every whole message of a
 * TCP connection, several in one segment or one over several segments
 * (sipframe.h's stream framing, as the run's far-end model reads them,
 * run_track_add()).  A message is handed to fn with the packet that
 * completes it.  Bounded: at most SIM_SIPREAD_FLOWS connection directions
 * hold part of a message at once (past that the oldest is forgotten),
 * each at most SIM_TCP_PEND_MAX bytes (run.h).
 */
#define SIM_SIPREAD_FLOWS 256

typedef void (*sim_sip_fn)(void *user, const struct sim_pkt *p,
    const uint8_t *msg, size_t len);

struct sim_sipread {
	struct {
		struct ep src, dst;
		uint8_t *buf;         /* the part of a message held */
		size_t len;           /* 0: slot free */
	} flow[SIM_SIPREAD_FLOWS];
	unsigned next;            /* the slot taken when all are in use */
};

void sim_sipread_init(struct sim_sipread *rd);
/* Hands fn every SIP message p completes; returns how many. */
int sim_sipread(struct sim_sipread *rd, const struct sim_pkt *p,
    sim_sip_fn fn, void *user);
void sim_sipread_fini(struct sim_sipread *rd);

/*
 * One more pass over c: fn for each modelled packet (its payload valid
 * during the call only).  Returns 0, or -1 with err.
 */
int sim_capture_each(const struct sim_capture *c, sim_pkt_fn fn, void *user,
    char *err, size_t errlen);

/*
 * As sim_capture_each, and refused for each SIP datagram the capture
 * shows refused or cut short on the way (an ICMP "fragmentation needed",
 * "fragment reassembly time exceeded" or any other destination
 * unreachable quoting it, fragments that never all arrived): what the
 * replay itself leaves to the model.
 */
int sim_capture_each_refusals(const struct sim_capture *c, sim_pkt_fn fn,
    sim_pkt_fn refused, void *user, char *err, size_t errlen);

/*
 * A request of the phone that the capture shows sent again and again
 * with no answer of any kind (sim_opts far_silent).
 */
struct sim_silent {
	unsigned ntx;             /* transmissions seen */
	int64_t first_ns, last_ns;/* the first and the last (the phone gave up after it) */
	uint64_t frame;           /* the first transmission's frame */
};

/*
 * A request of the phone that the capture shows refused beyond the
 * router (sim_opts far_refused): an ICMP destination unreachable quoting
 * it, from a public address.
 */
struct sim_refusal {
	struct sim_silent req;    /* its transmissions */
	uint64_t icmp_frame;      /* the first ICMP quoting it */
	unsigned nicmp;           /* destination unreachables quoting it */
	char icmp[200];           /* that ICMP named: type, code, sender */
};

struct sim_opts {
	struct ep public_ip;      /* family 0: implied by the capture, else 203.0.113.1 */
	const char *inside_nets[SIM_MAX_INSIDE_NETS];
	int ninside;
	struct { uint8_t proto; uint16_t port; } fwd[SIM_MAX_FORWARDS];
	int nfwd;
	const char *write_path;   /* outside pcap, NULL for none */
	const char *write_inside_path; /* predicted inside pcap, NULL for none */
	/*
	 * Whether the capture shows the far end's RTP to the phone's media
	 * endpoint e (1), not (0), or cannot say (-1): where it shows none,
	 * the far end's modelled RTP goes into the outside view (fegen.h).
	 * NULL: judged as the replay goes (none so far).
	 */
	int (*far_rtp_shown)(const void *user, const struct ep *e);
	const void *far_rtp_user;
	/*
	 * farend_answers=false (assume.h): whether the capture shows the
	 * first request of the dialog call_id of the phone at phone (its
	 * INVITE or REGISTER) unanswered through all its transmissions, and
	 * nothing on the path refusing it; then (true, *out filled) a dialog
	 * the model delivers that request for and that gets no answer ends
	 * as the phone saw it: failed.  NULL: the far end answers what
	 * reaches it (no answer in the capture stays "incomplete").
	 */
	bool (*far_silent)(const void *user, const char *call_id,
	    const struct ep *phone, struct sim_silent *out);
	const void *far_silent_user;
	/*
	 * Whether the capture shows the first request of call_id of the phone
	 * at phone (INVITE, REGISTER) unanswered and refused beyond the
	 * router by an ICMP destination unreachable each time it went out
	 * (assume.h assume_far_refused); then a dialog the model delivers
	 * that request for and that gets no answer fails, named by that
	 * refusal.  NULL: no such lookup.
	 */
	bool (*far_refused)(const void *user, const char *call_id,
	    const struct ep *phone, struct sim_refusal *out);
	const void *far_refused_user;
};

/* One packet that did not make it, and why. */
struct sim_drop {
	uint64_t frame;
	int64_t ts_ns;
	bool outbound;
	char what[48];            /* "INVITE", "200 OK", "RTP", "UDP" */
	char where[16];           /* "alg", "nat", "far-end" */
	char reason[240];
};

struct sim_rows;

struct sim_result {
	char cfg_name[64];
	struct ep public_ip;
	/*
	 * The dialogs still live: ndlg records in order of first packet
	 * (their seq ascending).  nseq dialogs in all: those retired during
	 * the replay (nothing more could change their outcome) are rows in
	 * the store rows (outcome.h outcome_row_get).  live_peak, replays
	 * and ghosts: SIPALG_SIM_WORK=1 prints them (tests/sim.sh).
	 */
	struct fe_dialog *dlg;
	size_t ndlg;
	size_t nseq;
	struct sim_rows *rows;
	size_t nretired;
	size_t live_peak;         /* the most dialogs live at once */
	unsigned replays;         /* passes again for a dialog retired too soon */
	size_t ghosts;            /* keys of retired dialogs held */
	uint32_t *seq_bucket;     /* per retired dialog number: its leg bucket */
	size_t seq_bucket_cap;
	struct sim_drop drops[SIM_MAX_DROPS];
	size_t ndrops;            /* recorded (at most SIM_MAX_DROPS) */
	uint64_t drops_total;
	uint64_t out_pkts, in_pkts, written, rewritten, alg_drops, nat_drops,
	    farend_lost, not_modelled;
	uint64_t suppressed;      /* packets that cannot exist (their dialog never started) */
	/*
	 * Steps the per-packet lookups took (dialog and media-line chains,
	 * probes looked at, registrations looked at, ports tried): follows
	 * the packets and the calls in flight, not the file's length.  Not
	 * in the report; SIPALG_SIM_WORK=1 prints it (tests/sim.sh).
	 */
	uint64_t work;
	/* the dialogs by leg (Call-ID, inside host), for sim_leg: chains of
	 * dialog numbers (seq) in ascending order (NULL: not built, scanned) */
	uint32_t *leg_head, *leg_next;
	uint64_t lan_pkts;        /* RTP between phones that stayed inside (LAN or hairpin) */
	uint64_t modelled_rtp, modelled_sip; /* far-end frames the model wrote (fegen.h) */
	int64_t first_ns, last_ns;
	struct anomalies an;      /* the capture's, and the caps the run hit */
};

/*
 * Replays cap under cfg.  Returns 0, or -1 with err (pcap not writable,
 * out of memory).  res is owned by the caller (sim_result_fini).
 */
int sim_run(const struct sim_cfg *cfg, const struct sim_capture *cap,
    const struct sim_opts *o, struct sim_result *res, char *err,
    size_t errlen);

/*
 * Replays cap under n configurations in one pass over the capture (each
 * run with its own options o[i] and result res[i]): the same results as
 * n calls of sim_run, the file read once more (twice with port
 * forwards).  Returns 0, or -1 with err and no result kept.
 */
int sim_runs(const struct sim_cfg *cfgs, size_t n,
    const struct sim_capture *cap, const struct sim_opts *o,
    struct sim_result *res, char *err, size_t errlen);
void sim_result_fini(struct sim_result *res);

/*
 * The number (seq) of the next dialog of r after after (SIZE_MAX: the
 * first) that is the leg (call_id, phone) of a run, or SIZE_MAX: what
 * comparing runs dialog by dialog looks up, without a scan of r per
 * dialog.
 */
size_t sim_leg(const struct sim_result *r, const char *call_id,
    const struct ep *phone, size_t after);

/* The live dialog numbered seq, or NULL (retired, or none). */
const struct fe_dialog *sim_live(const struct sim_result *r, size_t seq);

#endif /* SIPALG_SIM_SIM_H */
