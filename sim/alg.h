/*
 * alg.h - the modelled SIP ALG: which bytes of a SIP message it rewrites,
 * when it drops a message, and which pinholes it asks the NAT for.
 *
 * Works on the raw message text (one framed message), never on a parsed
 * copy, so the output is what a router would put on the wire, byte for
 * byte: untouched bytes are copied, rewritten spans replaced, and the
 * Content-Length handled per the content_length knob.  Every knob of
 * struct sim_cfg in the ALG group is honoured here or in sim.c (timeouts,
 * pinholes, fragments, inspection ports).  Scanning is bounded by the
 * message length; lines past CAP_SIP_LINE_BYTES make the message a parse
 * error (dropped or passed per drop_on_parse_error).
 */
#ifndef SIPALG_SIM_ALG_H
#define SIPALG_SIM_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/netaddr.h"
#include "alg/profile.h"

#define ALG_MAX_EDITS 32
#define ALG_MAX_MEDIA 8

/*
 * Inside endpoint of the media pinhole another connection holds on public
 * endpoint pub (an SDP c= address and m= port), for the LAN shortcut of an
 * inbound SDP.  Returns false when there is none.
 */
typedef bool (*alg_shortcut_fn)(void *user, const struct ep *pub,
    struct ep *inside);

/*
 * A run's Call-IDs as the ALG hid them (rewrite_call_id): one outside form
 * per inside Call-ID, filled wherever the ALG rewrites a Call-ID and read on
 * every later message of either direction, so that every leg of a call (a
 * proxy forwarding the caller's Call-ID to a second inside phone) carries
 * the same outside form.  At most CAP_DIALOGS entries: beyond, a Call-ID
 * is rewritten on its own, as without the table.
 */
struct alg_cids;

struct alg_cids *alg_cids_new(void);
void alg_cids_free(struct alg_cids *t);
/* The outside form of inside Call-ID in[0..inl) (out=false), or the inside
 * form of outside Call-ID (out=true); NULL when the table has none. */
const char *alg_cids_find(const struct alg_cids *t, const char *id, size_t idl,
    bool out);

/* Is e an inside host of the NAT (the Call-ID hiding of any inside address)? */
typedef bool (*alg_inside_fn)(const void *user, const struct ep *e);

/*
 * The translation the message is going through.  Outbound (inside to
 * outside): addresses equal to match (the inside source endpoint) become
 * repl (its public endpoint).  Inbound (to the inside): match is the
 * public endpoint the packet was sent to and repl the inside one.
 */
struct alg_flow {
	bool outbound;
	struct ep match;
	struct ep repl;
	/* inbound only: the sender's signalling endpoint (sdp_requires_src_match
	 * compares the SDP c= with it), and the pinhole lookup behind the
	 * lan_media_shortcut knob (NULL: no shortcut).  Zero them otherwise. */
	struct ep peer;
	alg_shortcut_fn shortcut;
	void *shortcut_user;
	/* the run's Call-ID table (NULL: none), and the NAT's inside hosts
	 * (NULL: only match is an inside address) */
	struct alg_cids *cids;
	alg_inside_fn inside;
	const void *inside_user;
};

/*
 * Public media port for an inside media endpoint (c= address, m= port):
 * called once per m= line the ALG handles.  Returns 0 when no port is free
 * (the message is then a mangle failure).
 */
typedef uint16_t (*alg_media_fn)(void *user, const struct ep *inside);

enum alg_action { ALG_PASS, ALG_REWRITTEN, ALG_DROP };

struct alg_edit {
	char field[24];           /* "Request-URI", "Via", "Contact", "c=", "m=" ... */
	char before[96];
	char after[96];
};

struct alg_media {
	char media[16];
	struct ep inside;         /* c= address and m= port as the phone wrote them */
	struct ep outside;        /* as they leave the ALG */
};

struct alg_result {
	enum alg_action action;
	char reason[240];         /* ALG_DROP: the rule that dropped it */
	uint8_t *out;             /* ALG_REWRITTEN: new bytes (caller frees) */
	size_t out_len;
	struct alg_edit edits[ALG_MAX_EDITS];
	int nedits;
	struct alg_media media[ALG_MAX_MEDIA];
	int nmedia;
	bool sdp_rewritten;
	bool cl_changed;          /* Content-Length value was rewritten */
	bool cl_wrong;            /* Content-Length no longer equals the body length */
};

/*
 * Runs msg[0..len) through the ALG.  res is fully overwritten; free
 * res->out with alg_result_fini().  media_fn may be NULL (then m= ports are
 * kept and no media is reported).  Never reads outside msg.
 */
void alg_process(const struct sim_cfg *cfg, const uint8_t *msg, size_t len,
    const struct alg_flow *fl, alg_media_fn media_fn, void *user,
    struct alg_result *res);
void alg_result_fini(struct alg_result *res);

#endif /* SIPALG_SIM_ALG_H */
