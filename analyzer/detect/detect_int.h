/*
 * detect_int.h - what the detector modules (detect_*.c) share with
 * detect.c: the detector state, helpers to add findings and evidence, and
 * small views of a dialog (who sent a message, which SDP each side sent,
 * which way an RTP stream runs).  Not for callers of the library: they use
 * detect.h.
 *
 * Every detector has the same shape: it reads one finished dialog and may
 * append findings to fs (detect_finding_add returns NULL once
 * DETECT_MAX_FINDINGS are used; detectors just stop then).  State that
 * spans dialogs lives in struct detect.  Detectors never allocate.
 */
#ifndef SIPALG_DETECT_INT_H
#define SIPALG_DETECT_INT_H

#include <stdarg.h>
#include <string.h>

#include "base/htab.h"
#include "detect/detect.h"

#define DETECT_NS 1000000000LL

/*
 * Fingerprints of the ALG itself (ALG-REFERENCE.md section 4) and of its
 * absence, collected for the verdict per device (struct detect_device).
 * Each kind counts once per device however often it is seen.  "Proof"
 * kinds show a translated field and the NAT boundary it crossed at once
 * (hit_proof in detect.c); the others only support them: a private
 * address in an opaque token (Call-ID) or in o=, a Content-Length off,
 * a port off, private ICE host candidates, all of which a phone that
 * writes its public address itself (STUN, an external-address setting)
 * or a cloud PBX on private addresses leaves with no ALG on the path.
 */
enum alg_hit {
	HIT_RECEIVED_RESTORED,    /* response Via received= = own private IP */
	HIT_PRIVATE_RESIDUE,      /* public Via/Contact/c= beside private a=rtcp, i= */
	HIT_CONTENT_LENGTH,       /* Content-Length does not match the body */
	HIT_MPORT_MISMATCH,       /* public c= right, m= port not the RTP port */
	HIT_ICE_RESIDUE,          /* c= public, only private host candidates */
	HIT_PAIR_REWRITTEN,       /* inside and outside copies differ as NAT would */
	HIT_VIA_CHANGED,          /* one Via branch seen with private and public sent-by */
	HIT_INCONSISTENT,         /* one sender, one dialog: some messages translated, some not */
	HIT_ORIGIN_RESIDUE,       /* public c= beside a private o= */
	HIT_OPAQUE_RESIDUE,       /* public Via/Contact beside a private Call-ID */
	HIT_ALG_COUNT,
	/* Against an ALG: a NATed UA's private address left on the public side. */
	HIT_NOALG_PRIVATE_LEAK = HIT_ALG_COUNT,
	HIT_NOALG_RECEIVED_PUBLIC, /* inside: received= shows the public NAT address */
	HIT_KIND_COUNT
};

/*
 * One device as the verdict scores it: a NATed phone, keyed by the
 * address:port it is seen at (its public mapping on the outside, its own
 * private address inside), with the fingerprints seen for it and
 * against it.  Counter-evidence (its private address left untranslated
 * on the same mapping) cancels supporting evidence for that device, never
 * a proof kind: one dialog with translated and untranslated messages is
 * itself proof.  DETECT_MAX_DEVICES entries; when full, further devices
 * share the last entry.
 */
struct detect_device {
	struct ep key;
	uint32_t hits[HIT_KIND_COUNT];
};

/* Registration bindings followed across Call-IDs (per AOR). */
#define DETECT_AORS 256

struct detect_aor {
	char aor[256];
	struct ep contact;        /* last Contact of a 2xx-answered REGISTER */
	int64_t last_ns;
	bool used;
};

/*
 * A phone's binding as the capture shows it: the phone's address:port
 * (source of its REGISTERs, keepalives and requests) and the peer it
 * talks to (the registrar for a REGISTER), i.e. one NAT 5-tuple.  When
 * the phone sent is kept as spans of activity: packets less than
 * BINDING_MERGE_NS apart fall in one span, so "the last packet before t"
 * is exact whenever the phone was silent for longer than that (the
 * smallest NAT timeout preset is 30 s) and otherwise known to be shorter.
 * The oldest span is dropped when BINDING_SPANS are used.
 */
#define BINDING_SPANS 16
#define BINDING_MERGE_NS (20 * DETECT_NS)

struct detect_span {
	int64_t from_ns, to_ns;   /* first and last packet of the span */
	uint32_t cap_idx;
	uint64_t frame;           /* frame of the last packet (0 unknown) */
	char what[32];            /* "REGISTER", "keepalive", a method ...
	                           * (a copy: the message it names may be
	                           * freed before a later dialog cites it) */
};

struct detect_binding {
	struct ep phone, peer;
	bool used;
	bool registered;          /* a REGISTER went from phone to peer */
	uint64_t keepalives;      /* CRLF/STUN datagrams and OPTIONS pings */
	int64_t first_ka_ns;
	struct detect_span span[BINDING_SPANS];
	int nspan;
};

/* An unanswered inbound INVITE whose binding was not known yet. */
struct detect_pending {
	bool used;
	struct ep phone, caller;  /* INVITE destination and source */
	int64_t ts_ns;
	uint32_t cap_idx;
	uint64_t frame;
	uint32_t retrans;
	char call_id[64];
};

/* ICMP too-big errors quoting SIP (detect_oversize.c): one per quoted
 * flow and size, with how often and until when. */
struct detect_toobig {
	struct detect_too_big_ev ev;     /* the first */
	uint32_t count;
	int64_t last_ns;
};

/* ICMP destination unreachable errors quoting SIP (detect_inbound.c
 * detect_sip_refused): one per quoted flow, reporter, type, code and
 * quoted Call-ID, with how often and until when.  The quoted Call-ID,
 * CSeq and top Via branch are kept only when the quote holds them whole
 * (call_id[0] / branch[0] '\0' and has_cseq false: not known). */
#define DETECT_MAX_REFUSALS 64
#define DETECT_REFUSAL_ID_BYTES 64
struct detect_refusal {
	uint32_t cap_idx;
	uint64_t frame;           /* the first */
	int64_t ts_ns, last_ns;
	struct ep src, dst, reporter;
	uint8_t type, code;
	bool has_cseq;
	uint32_t cseq;
	uint32_t count;
	char call_id[DETECT_REFUSAL_ID_BYTES];
	char branch[DETECT_REFUSAL_ID_BYTES];
};

/* The largest request answered on one UDP path (detect_request_answered),
 * for the silent form of oversize_drop. */
struct detect_path {
	bool used;
	uint32_t cap_idx;
	struct ep src, dst;
	uint32_t max_len;         /* IP length of the largest answered */
	uint64_t frame;           /* that request */
	int64_t ts_ns;
	char method[16];
	uint32_t answered;        /* requests answered on the path */
	uint16_t next;            /* 1 + the next path of its bucket, 0 none */
};

/*
 * Buckets of the paths' index (detect_oversize.c): a power of two, at
 * least twice DETECT_MAX_PATHS, so that a chain is about one path long.
 */
#define DETECT_PATH_BUCKETS 512
_Static_assert(DETECT_PATH_BUCKETS >= 2 * DETECT_MAX_PATHS &&
    (DETECT_PATH_BUCKETS & (DETECT_PATH_BUCKETS - 1)) == 0 &&
    DETECT_MAX_PATHS < 65535, "the path index's sizes");

/*
 * A dialog's initial request or a response to it, noted as it arrives
 * (detect_copy_note, detect_rewrite.c) and kept DETECT_NS, the most two
 * copies of one message at two capture points lie apart: a message noted
 * later is compared with the notes of the same key (method, CSeq,
 * status, Via branch, From tag) and a pair of copies pairs their two
 * dialogs (struct detect_joiner) at once.  Strings are truncated copies.
 * Linked in detect.copies by that key and in age order (older, newer).
 */
struct detect_copy {
	struct hnode node;
	struct detect_copy *newer;
	struct detect_joiner *owner;  /* its dialog's */
	int64_t ts_ns;
	uint64_t frame;
	uint32_t cap_idx;
	struct ep src, dst;
	bool is_request;
	uint8_t tag_at;
	uint16_t key_len;         /* a multiple of 16, at least 64 */
	uint32_t cseq;
	int status;               /* 0: a request */
	/* The key's strings, packed and zero-padded so that they are
	 * hashed and compared as one block of key_len bytes (copy_hash,
	 * copy_match): the method (15 bytes at most) in key[0..16), then
	 * the Via branch (79) and the From tag (63 at most, at tag_at),
	 * each NUL-terminated; then the To tag (63 at most, NUL-terminated,
	 * at key_len: copy_to_tag).  A note is written, not zeroed, when
	 * taken (copy_key_set): the bytes after the To tag's NUL are stale
	 * and never read.  With the usual short strings a note fills the
	 * first three lines of its 64-byte aligned block. */
	char key[16 + 80 + 64 + 64];
};

/*
 * A message its dialog could not note (over DETECT_COPY_PER_DIALOG): not
 * kept for pairing, only what tells whether a copy of it under another
 * Call-ID comes within DETECT_NS (detect_copy_note counts the message
 * as dropped then, the one case its note would have made a pair).  By
 * the hash of its key and To tag, in age order.
 */
struct detect_miss {
	struct hnode node;
	struct detect_miss *newer;
	uint64_t call_id;         /* hash of its dialog's Call-ID */
	int64_t ts_ns;
	uint32_t cap_idx;
	struct ep src, dst;
	bool counted;             /* its lost pair counted already */
};

/* A dialog paired with another and the copies that show it (for the
 * alg_rewrite_evidence finding): this dialog's, then the other's. */
struct detect_peer {
	uint64_t id;              /* the other dialog */
	uint8_t segment;          /* enum rtp_segment of this dialog */
	struct ep pub;            /* the public end of the translation */
	bool is_request;          /* this dialog's copy ... */
	int status;
	char method[16];
	uint32_t cap_idx[2];      /* ... and both copies' places */
	uint64_t frame[2];
	int64_t ts_ns[2];
};

/*
 * A dialog with messages noted or dialogs paired with it, by id in
 * detect.joiners.  Kept while its notes are (a later dialog may pair
 * with it), and until every dialog paired with it is judged (they read
 * its Call-ID and what it counted): freed at once when neither holds,
 * so the table follows the calls in flight.
 */
struct detect_joiner {
	struct hnode node;
	uint64_t dialog_id;
	char *call_id;            /* owned */
	size_t call_id_size;      /* its allocation's size */
	uint64_t call_id_hash;    /* htab_hash of call_id (struct detect_miss), */
	bool call_id_hashed;      /* once taken (joiner_cid) */
	unsigned ncopies;         /* its notes kept */
	unsigned refs;            /* unjudged dialogs paired with it */
	bool judged;              /* its dialog was judged: then ... */
	bool affected;            /* ... with a failure, ... */
	uint32_t symptoms;        /* ... these ids (bit per symptom_id) */
	bool more;                /* paired with more than DETECT_COPY_PEERS */
	unsigned npeers;
	struct detect_joiner *spare; /* next in detect.joiner_spare */
	struct detect_peer peer[DETECT_COPY_PEERS];
};

/*
 * Addresses a REGISTER was sent from, noted as its response arrives
 * (detect_binding_note): the phones' own addresses, known before their
 * registration dialog ends (a registration is reported last).  A ring of
 * DETECT_REG_SRCS: the oldest is replaced when full.
 */
#define DETECT_REG_SRCS 64

struct detect {
	/* [i]: row i runs its detector (the first row naming it; a
	 * function named by several rows runs once), set by detect_new. */
	bool runs[SYMPTOM_COUNT];
	uint64_t dialogs, affected;
	uint64_t by_id[SYMPTOM_COUNT];
	uint64_t hits[HIT_KIND_COUNT];
	struct evidence hit_ev[HIT_KIND_COUNT]; /* first occurrence of each */
	struct detect_device devices[DETECT_MAX_DEVICES];
	unsigned ndevices;
	/* The kinds hit (bit per enum alg_hit), in the dialog being run
	 * and in the capture so far: what no_alg_advice and check_leak ask
	 * of every dialog, in one word each instead of the counters'
	 * arrays (cold lines of this struct between dialogs). */
	uint32_t dlg_kinds, kinds;
	uint32_t dlg_requests;    /* its request methods (detect_has_request) */
	uint64_t ka_caps;          /* detect_keepalives_unattributed: bit per
	                           * capture below 64 ... */
	bool ka_caps_high;        /* ... and any capture from 64 on */
	bool nat_seen;            /* a NAT boundary shown (detect_verdict.nat) */
	bool leak_seen;           /* a private address untranslated across it,
	                           * in the dialogs reported so far */
	/* the capture files, for their recorded filters (borrowed; set by
	 * detect_set_capture; NULL: nothing known, as for a stored one) */
	const struct capture_info *caps[CAP_FILES];
	struct detect_aor aors[DETECT_AORS];
	unsigned aor_next;        /* replacement cursor when full */
	struct detect_binding bindings[DETECT_MAX_BINDINGS];
	unsigned nbindings;
	struct detect_pending pending[DETECT_MAX_PENDING];
	struct ep reg_src[DETECT_REG_SRCS];
	unsigned nreg_src, reg_src_next;
	uint64_t bindings_dropped; /* binding or pending entries not kept */
	struct detect_toobig toobig[DETECT_MAX_TOOBIG];
	unsigned ntoobig, toobig_next;
	struct detect_refusal refusals[DETECT_MAX_REFUSALS];
	unsigned nrefusals, refusal_next;
	struct detect_path paths[DETECT_MAX_PATHS];
	unsigned npaths, path_next;
	/* 1 + the first path of each bucket (by cap_idx, src, dst), 0 none:
	 * every response looks its request's path up. */
	uint16_t path_head[DETECT_PATH_BUCKETS];
	/* The join's notes (by key, oldest first) and dialogs (by id). */
	struct htab copies, joiners;
	struct detect_copy *copy_oldest, *copy_newest;
	uint64_t copies_dropped;   /* notes or dialogs over a DETECT_COPY_ cap
	                           * where a pair was at stake */
	struct htab misses;       /* messages not noted (struct detect_miss) */
	struct detect_miss *miss_oldest, *miss_newest;
	/* Notes and records freed, kept for the next ones (linked by newer
	 * and spare): never more than were in use at once, which the
	 * DETECT_COPY_ caps bound. */
	struct detect_copy *copy_spare;
	struct detect_joiner *joiner_spare;
	/* The dialog being judged and its other segment's copy of one
	 * message (detect_join), for alg_rewrite_evidence. */
	bool join_pair;
	struct evidence join_ev[2];   /* this dialog's copy, the other's */
	struct ep join_dev;           /* the public end of the translation */
	bool join_cite;               /* detect_join_cite: the next dialog's */
	struct evidence join_cite_ev[2];
};

_Static_assert(HIT_KIND_COUNT <= 32, "hit kind masks are 32 bits");

/* Bit of symptom id k in a dialog_join.counted / detect_joiner mask. */
_Static_assert(SYMPTOM_COUNT <= 32, "symptom masks are 32 bits");

/*
 * Notes message r of dialog d for detect_join when it is d's initial
 * request or a response to it, and pairs d with the dialog of another
 * Call-ID that holds a copy of it (called as messages arrive, from
 * detect_request_answered and detect_request_sent).  Allocates the note
 * (and d's record); on OOM or over a DETECT_COPY_ cap the message is not
 * noted (copies_dropped counts it; over DETECT_COPY_PER_DIALOG only once
 * a copy under another Call-ID shows the pair lost: struct detect_miss).
 */
void detect_copy_note(struct detect *dt, const struct dialog *d,
    const struct dmsg *r);
/*
 * Sets d->join when a message of d (its initial request or a response to
 * it) and one noted for another dialog of another Call-ID are copies of
 * one message at two translations (and that other dialog is the only
 * one), and dt->join_* for the alg_rewrite_evidence finding.  Called by
 * detect_dialog first.
 */
void detect_join(struct detect *dt, struct dialog *d);
/* Records that d was judged with its failure ids (mask), for the
 * dialogs paired with it judged later; frees what no dialog still needs. */
void detect_join_judged(struct detect *dt, const struct dialog *d,
    bool affected, uint32_t mask);
/* Sets up and frees the join's tables (detect_new, detect_free).
 * detect_join_init returns 0, or -1 on OOM (nothing to free). */
int detect_join_init(struct detect *dt);
void detect_join_fini(struct detect *dt);

typedef void (*detect_fn)(struct detect *dt, const struct dialog *d,
    struct findings *fs);

/* The detectors, one per row of SYMPTOM_TABLE (symptom.h). */
#define DETECT_PROTO(e, id, badge, fn, title) \
	void fn(struct detect *, const struct dialog *, struct findings *);
SYMPTOM_TABLE(DETECT_PROTO)
#undef DETECT_PROTO

/*
 * Appends a finding with a printf-style summary.  Returns NULL when fs is
 * full.  expl and rem must be static strings.
 */
struct finding *detect_finding_add(struct findings *fs, enum symptom_id id,
    double confidence, const char *expl, const char *rem,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * Appends an advisory (a risk, not an observed failure: fs->adv, never
 * counted).  Returns NULL when fs->adv is full.
 */
struct finding *detect_advisory_add(struct findings *fs, enum symptom_id id,
    double confidence, const char *expl, const char *rem,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * A string put together piece by piece in buf (size bytes, at least 1),
 * always NUL-terminated and cut at size - 1 bytes as snprintf cuts it:
 * a finding's summary or an evidence value (then given to
 * detect_finding_add or detect_ev as "%s") without printf's walk of a
 * format, most of what a finding cost.  _put appends string p ("(null)"
 * for NULL, as glibc's "%s"), _int and _uint v as "%lld" and "%llu"
 * write it.
 */
struct detect_str {
	char *buf;
	size_t size, len;         /* len < size */
};

void detect_str_init(struct detect_str *s, char *buf, size_t size);
void detect_str_put(struct detect_str *s, const char *p);
void detect_str_int(struct detect_str *s, long long v);
void detect_str_uint(struct detect_str *s, unsigned long long v);

/* Appends evidence tied to message m (may be NULL: then ts/frame given). */
void detect_ev(struct finding *f, const struct dmsg *m, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void detect_ev_at(struct finding *f, uint32_t cap_idx, uint64_t frame,
    int64_t ts_ns, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/*
 * Records one ALG (or no-ALG) fingerprint for the verdict, for the device
 * seen at dev (NULL: none known, scored on its own).
 */
void detect_hit(struct detect *dt, enum alg_hit k, const struct evidence *ev,
    const struct ep *dev);

/*
 * Bindings (detect_binding.c).  _get finds the binding (phone, peer), or
 * creates it when create is set and the table has room (NULL otherwise:
 * counted in bindings_dropped).  _tx records a packet the phone sent on
 * it.  _last_tx tells when the phone last sent before t: returns 1 with
 * *gap_ns exact and *sp the span that ended then, 0 when it was sending
 * less than BINDING_MERGE_NS before t (gap below that), -1 when nothing
 * is known before t.  _feed records the phone-side packets of a finished
 * dialog (REGISTERs create bindings, OPTIONS pings count as keepalives,
 * other messages refresh bindings already known).
 */
struct detect_binding *detect_binding_get(struct detect *dt,
    const struct ep *phone, const struct ep *peer, bool create);
void detect_binding_tx(struct detect_binding *b, int64_t ts_ns,
    uint32_t cap_idx, uint64_t frame, const char *what);
int detect_binding_last_tx(const struct detect_binding *b, int64_t t,
    int64_t *gap_ns, const struct detect_span **sp);
void detect_binding_feed(struct detect *dt, const struct dialog *d);
/* Keepalives seen from phone to any peer; with keepalives of unknown
 * flows in capture cap_idx (detect_keepalives_unattributed), at least 1. */
uint64_t detect_binding_keepalives(const struct detect *dt,
    const struct ep *phone, uint32_t cap_idx);
/* The registered binding of phone (to any registrar), NULL none. */
struct detect_binding *detect_binding_registered(struct detect *dt,
    const struct ep *phone);

/*
 * Notes the sender of the REGISTER response r of d answers (called as
 * responses arrive, from detect_request_answered).  Never allocates.
 */
void detect_binding_note(struct detect *dt, const struct dialog *d,
    const struct dmsg *r);
/* True when a REGISTER was seen sent from e (exact address and port):
 * noted as answered, or in a registration dialog reported already. */
bool detect_binding_registers(const struct detect *dt, const struct ep *e);

/*
 * Pending unanswered INVITEs to the bindings d registered: cited as
 * evidence on adv (the registration's advisory; NULL: none) and
 * forgotten (detect_inbound.c).
 */
void detect_pending_cite(struct detect *dt, const struct dialog *d,
    struct finding *adv);

/*
 * NAT UDP timeout presets (ALG-REFERENCE.md section 2): the largest
 * preset gap_ns exceeds, NULL when none; the text names every preset
 * exceeded ("30 s Linux conntrack and 60 s consumer-router UDP
 * timeout").  *secs gets the largest exceeded.
 */
const char *detect_nat_preset(int64_t gap_ns, int *secs);
/* Same for media pinholes: 120 s conntrack stream / Juniper, 300 s ZyXEL. */
const char *detect_media_preset(int64_t gap_ns, int *secs);

/* How an oversize_drop shows (detect_oversize.c). */
enum detect_oversize_form {
	OVERSIZE_CUT,             /* only its first fragments arrived */
	OVERSIZE_ICMP,            /* an ICMP error says it was too big, or
	                           * that its receiver got only some fragments */
	OVERSIZE_SILENT           /* lost without a word; smaller ones pass */
};

struct detect_oversize {
	enum detect_oversize_form form;
	const struct detect_toobig *t;   /* the ICMP error, NULL none */
	const struct detect_path *path;  /* OVERSIZE_SILENT: what passes */
};

/*
 * The UDP request of d lost for its size (oversize_drop), NULL none; *w
 * (may be NULL) how it shows.  One event: the detectors of an unanswered
 * request leave it to oversize_drop.
 */
const struct dmsg *detect_oversize_request(const struct detect *dt,
    const struct dialog *d, struct detect_oversize *w);

/* detect_from_caller worked out, and kept in m's memo. */
bool detect_side_memo(const struct dialog *d, const struct dmsg *m);

/*
 * The detectors' memo in a dmsg (side_memo): detect_from_caller's answer
 * (0 not known, 1 callee side, 2 caller side), and facts of the message
 * the detectors ask for again and again, several in the far lines of
 * its block (its strings, the body's end), known together (FACTS).
 * detect_msg_memo fills it as the message arrives, still in cache; a
 * message not noted then (a dialog read back from a store) gets its
 * facts when first asked.  With -DSIPALG_CHECK_DETECT_MEMO, detect_dialog
 * works every memo out again and aborts on a difference (the proof
 * build: tests/detmem-check.sh).
 */
#define DMSG_MEMO_SIDE     0x03
#define DMSG_MEMO_TO_TAG   0x04   /* m->m->to_tag[0] != '\0' */
#define DMSG_MEMO_SRC_PRIV 0x08   /* ep_is_private(&m->src) */
#define DMSG_MEMO_DST_PRIV 0x10   /* ep_is_private(&m->dst) */
#define DMSG_MEMO_FACTS    0x20   /* the bits 0x04 to 0x80 are known */
#define DMSG_MEMO_RECEIVED 0x40   /* detect_received_set(m->m) */
#define DMSG_MEMO_CL_OFF   0x80   /* detect_content_length_off(m, NULL) */
/* Fills m's facts in its memo and returns the memo. */
uint8_t detect_facts_memo(const struct dmsg *m);
/* Fills m's memo, m just added to d (detect_request_answered and
 * detect_request_sent, called by the analysis for each new message). */
void detect_msg_memo(const struct dialog *d, const struct dmsg *m);
/*
 * Asks for the line of d that detect_msg_memo reads besides the message
 * (d's From tag: which side sent it), which the message's arrival did
 * not touch: called first, with other work between it and
 * detect_msg_memo, so that the load overlaps that work instead of
 * waiting (from_caller spent nearly all its time on it, about 0.6 % of
 * the signalling capture's).
 */
static inline void
detect_msg_memo_soon(const struct dialog *d)
{
	__builtin_prefetch(d->from_tag);
}

/*
 * Whether string field p of message s (an optional header's value) is
 * empty.  The parse points every absent field at the NUL that ends the
 * raw copy (sipmsg_pack.c), raw[raw_len] ('\0' by sipmsg.h's contract),
 * so that one is known empty from the struct alone: at a dialog's
 * release its block is cold past the first lines the dialog table asks
 * for, and reading that byte was a memory round trip per call (most of
 * caller_id_mismatch's time).  Any other pointer is read.
 */
static inline bool
detect_str_empty(const struct sipmsg *s, const char *p)
{
	return p == s->raw + s->raw_len || p[0] == '\0';
}

/* Whether s's top Via has a received= parameter (a non-empty value). */
static inline bool
detect_received_set(const struct sipmsg *s)
{
	return s->nvia > 0 && s->via[0].received[0] != '\0';
}

/*
 * True when UDP message m (seen whole) declares a Content-Length other
 * than its body's length, or its SDP body ends mid-line in a datagram
 * announced longer than what was captured (*cut, may be NULL, then
 * set): a length an ALG got wrong rewriting the body.
 */
bool detect_content_length_off(const struct dmsg *m, bool *cut);

/*
 * Whether the dialog being judged (detect_dialog) holds a request of
 * method c: a detector of one method's messages leaves a dialog without
 * them at once instead of walking it.  Always true when a message's
 * method code is not known (SIPM_NONE: a dialog read back from a store).
 */
static inline bool
detect_has_request(const struct detect *dt, enum sip_method c)
{
	return (dt->dlg_requests & 1u << c) != 0;
}

/* m's memo with its facts known. */
static inline uint8_t
detect_facts(const struct dmsg *m)
{
	return (m->side_memo & DMSG_MEMO_FACTS) ? m->side_memo :
	    detect_facts_memo(m);
}

/* ep_is_private of m's source (destination), answered once per message. */
static inline bool
detect_src_private(const struct dmsg *m)
{
	return (detect_facts(m) & DMSG_MEMO_SRC_PRIV) != 0;
}

static inline bool
detect_dst_private(const struct dmsg *m)
{
	return (detect_facts(m) & DMSG_MEMO_DST_PRIV) != 0;
}

/* m->m->to_tag[0] != '\0', detect_received_set(m->m) and
 * detect_content_length_off(m, NULL), from m's memo. */
static inline bool
detect_msg_to_tag(const struct dmsg *m)
{
	return (detect_facts(m) & DMSG_MEMO_TO_TAG) != 0;
}

static inline bool
detect_msg_received(const struct dmsg *m)
{
	return (detect_facts(m) & DMSG_MEMO_RECEIVED) != 0;
}

static inline bool
detect_msg_cl_off(const struct dmsg *m)
{
	return (detect_facts(m) & DMSG_MEMO_CL_OFF) != 0;
}

/*
 * True when m (a message of d) was sent by the caller side (the initial
 * request's sender).  Asked for every message by several detectors:
 * answered once per message (its memo; the answer depends only on what
 * is fixed once m is stored in d).
 */
static inline bool
detect_from_caller(const struct dialog *d, const struct dmsg *m)
{
	uint8_t side = m->side_memo & DMSG_MEMO_SIDE;

	if (side != 0 && d->nmsgs != 0)
		return side == 2;
	return detect_side_memo(d, m);
}
/* Last message with SDP sent by the caller (or callee) side, NULL none. */
const struct dmsg *detect_last_sdp(const struct dialog *d, bool caller);
/* The initial INVITE (first request of the dialog), NULL if not a call. */
const struct dmsg *detect_initial(const struct dialog *d);
/* First 2xx answering the initial INVITE, NULL none. */
const struct dmsg *detect_answer(const struct dialog *d);
/* First audio m= line of an SDP with a usable port, NULL none. */
const struct sdp_media *detect_audio_media(const struct sdp *s);
/* strcmp(sm->media, "audio") == 0, inline: asked of every SDP medium. */
static inline bool
detect_media_is_audio(const struct sdp_media *sm)
{
	const char *x = sm->media;

	return x[0] == 'a' && x[1] == 'u' && x[2] == 'd' && x[3] == 'i' &&
	    x[4] == 'o' && x[5] == '\0';
}
/* Packets of s between [from_ns, to_ns) from its rate strip (approximate
 * to one strip slot). */
/*
 * Media vantage (detect_audio.c).  detect_media_classify sets each
 * stream's direction, segment (inside or outside the NAT, from the
 * addresses the capture shows) and delivery state; detect_media_legs
 * then writes at most max legs, one per direction and segment the call
 * was seen on, and returns how many (defined in detect.h).
 */
void detect_media_classify(const struct dialog *d);
/*
 * Fills d->vis (issue 15.3): per segment the call was seen on, whether the
 * capture can show its media: RTP of the call there, else the capture
 * filters the files recorded (capfilter.h) judged on the media the SDPs
 * negotiated between the hosts that signal the call there.  Call after
 * detect_media_classify.
 */
void detect_media_visibility(const struct detect *dt, struct dialog *d);

double detect_stream_packets_between(const struct rtp_stream *s,
    int64_t from_ns, int64_t to_ns);
/* Parses the host part of a SIP URI (sip:user@host:port;...) as an IP
 * literal into e.  Returns 0, -1 when the host is a name or absent. */
int detect_uri_ip(const char *uri, struct ep *e);
/* The IP literal after '@' in a Call-ID, or -1. */
int detect_callid_ip(const char *callid, struct ep *e);
/* Loopback (127/8, ::1): private to ep_is_private, never behind a NAT. */
static inline bool
detect_loopback(const struct ep *e)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	return (e->family == 4 && e->ip[0] == 127) ||
	    (e->family == 6 && memcmp(e->ip, v6lo, 16) == 0);
}

/* Private in the NAT sense: RFC 1918/6598/ULA, not loopback.  Inline:
 * asked of several fields of every message. */
static inline bool
detect_nat_private(const struct ep *e)
{
	return ep_is_private(e) && !detect_loopback(e);
}
/*
 * True when message m shows a NAT boundary: between a private and a
 * public address, or from a public address carrying a private Contact,
 * Via or c= (the phone's own address left behind the NAT).  *leak set
 * when that is a NATed phone's private address left untranslated (not a
 * registrar's 2xx, not a request to a registered private Contact).
 */
bool detect_msg_nat(const struct dmsg *m, bool *leak);
/*
 * True when request m's Call-ID was written around a private address by
 * its sender (single Via) while its Contact or Via sent-by names the
 * public address it comes from: a partial rewrite on the way, so a
 * private c= beside them is no sign that nothing rewrote the message.
 */
bool detect_msg_partly_rewritten(const struct dmsg *m);
/*
 * The Via sent-by of m left private on the public side of a NAT: m comes
 * from a public address and its only Via (the originating UA's own:
 * a proxy adds its Via above it, RFC 3261 16.6) names a private address,
 * as every request and response of any method shows it -- a request as
 * its sender wrote it, a response to a public address as its requester
 * wrote it (8.2.6.2: copied from the request).  Nothing else in a
 * request names the public source (Contact, audio c=: a phone or box
 * that wrote those but not its Via is not "untranslated"), and not a
 * server's request to a registered private Contact.  An ALG translates
 * the sent-by of the requests it passes (ALG-REFERENCE.md 2; Linux
 * nf_nat_sip: the top Via of any request, restored in responses), so
 * its absence is counter-evidence, as a private Contact is.  Returns
 * the NATed device (the request's source, the response's destination:
 * its public mapping), NULL when m shows no such Via.
 */
const struct ep *detect_msg_via_leak(const struct dmsg *m);
/* True when e is an IPv4/IPv6 unspecified address (c=0.0.0.0, hold). */
bool detect_ep_unspecified(const struct ep *e);

#endif /* SIPALG_DETECT_INT_H */
