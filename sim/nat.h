/*
 * nat.h - the modelled NAT: bindings, filtering, timeouts, pinholes and
 * port forwards of one router with one public IPv4 address.
 *
 * Behaviour follows RFC 4787: mapping (endpoint-independent, address-
 * dependent, address-and-port-dependent, section 4.1), port preservation
 * (4.2.1), filtering (5) and binding lifetimes (4.3), with the Linux
 * conntrack timers as defaults (UDP 30 s unreplied, 120 s stream, the
 * 2-second stream rule; ALG-REFERENCE 1.3).  Pinholes are the ALG's
 * expectations: a media pair announced in SDP or a registered Contact,
 * usable by inbound packets from an allowed source until they expire.
 *
 * Time is capture time in nanoseconds; calls must come in time order
 * except nat_probe(), which has no side effects and may look ahead.
 * Everything is bounded by NAT_MAX_* here and SIM_CAP_* in caps.h
 * (hitting one makes new bindings fail, which the simulator reports as a
 * drop, and counts an anomaly).
 */
#ifndef SIPALG_SIM_NAT_H
#define SIPALG_SIM_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/netaddr.h"
#include "alg/profile.h"

#define NAT_MAX_REMOTES 8     /* remotes remembered per binding for filtering */
#define NAT_MAX_FORWARDS 16
#define NAT_MAX_INSIDE_NETS 16
#define NAT_MAX_GHOSTS 256    /* unsolicited inbound tuples remembered */

/* A signalling flow: the conntrack the ALG's expectations belong to. */
struct nat_flow {
	uint8_t proto;
	struct ep in, remote;     /* the phone's inside endpoint, the far end */
};

struct nat;

/* Why an inbound packet did not get through. */
enum nat_verdict {
	NAT_PASS = 0,
	NAT_NO_BINDING,     /* nothing ever mapped to that public port */
	NAT_EXPIRED,        /* a binding existed but timed out */
	NAT_FILTERED,       /* binding alive, source not allowed (RFC 4787 5) */
	NAT_PINHOLE_SRC,    /* only a pinhole matched, and not from its allowed source */
	NAT_NOT_PUBLIC,     /* destination is not the NAT's public address */
	NAT_TABLE_FULL      /* a cap was hit */
};

const char *nat_verdict_name(enum nat_verdict v);

/* How an inbound packet got through (for reports). */
enum nat_via { NAT_VIA_BINDING, NAT_VIA_PINHOLE_MEDIA,
	NAT_VIA_PINHOLE_REGISTER, NAT_VIA_FORWARD };

struct nat_result {
	enum nat_verdict verdict;
	enum nat_via via;
	struct ep inside;         /* where the packet is delivered (PASS) */
	int64_t expired_at_ns;    /* NAT_EXPIRED: when the binding died */
	uint32_t timeout_s;       /* NAT_EXPIRED: the timeout that applied */
	int64_t idle_ns;          /* NAT_EXPIRED: idle time before this packet */
};

/*
 * A NAT with public address pub (IPv4) under cfg (borrowed, must outlive
 * the NAT).  Returns NULL on OOM.
 */
struct nat *nat_new(const struct sim_cfg *cfg, const struct ep *pub);
void nat_free(struct nat *n);

/*
 * Test hook: with on, every port search tries each port in turn, as
 * without the port summary (the reference the summary must agree with).
 */
void nat_set_exhaustive(struct nat *n, bool on);

/* Ports the allocator has tried so far (sim_result.work). */
uint64_t nat_work(const struct nat *n);
/* Where hitting a cap is counted (SIM_*_TABLE_FULL); NULL: nowhere. */
struct anomalies;
void nat_set_anomalies(struct nat *n, struct anomalies *an);

/* Adds an inside network (CIDR); with none, RFC 1918 is used.  Returns 0
 * or -1 (bad text or too many). */
int nat_add_inside_net(struct nat *n, const char *cidr);
bool nat_is_inside(const struct nat *n, const struct ep *e);
const struct ep *nat_public(const struct nat *n);

/* A static forward proto/pub_port -> inside (port forward, DNAT). */
int nat_add_forward(struct nat *n, uint8_t proto, uint16_t pub_port,
    const struct ep *inside);

/*
 * Outbound packet from inside ep in to remote at t.  sig: the flow is
 * inspected SIP signalling (ALG attached: sip_timeout applies).  fresh:
 * make a new binding even if one exists (consistent_nat = false for a new
 * request).  Sets *pub to the public endpoint.  Returns 0, or -1 when no
 * port could be allocated (table full).
 */
int nat_outbound(struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, bool sig, bool fresh, struct ep *pub);

/*
 * Inbound packet from remote to pub at t: applies bindings, filtering,
 * pinholes and forwards.  On PASS the binding is refreshed (or created from
 * the pinhole / forward).  r is always filled.
 */
void nat_inbound(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r);

/* Same decision as nat_inbound() without changing anything. */
void nat_probe(const struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t, struct nat_result *r);

/*
 * Public endpoint of the live binding for inside ep in towards remote
 * (remote may be NULL: any binding of in).  Returns false when none.
 */
bool nat_lookup_out(const struct nat *n, uint8_t proto, const struct ep *in,
    const struct ep *remote, int64_t t, struct ep *pub);

/*
 * Reserves a public UDP port pair for an inside media endpoint (the ALG's
 * m= handling): want is the preferred public port; policy is enum
 * mport_policy.  Later outbound packets from in use the same public port.
 * Returns the public port, or 0 when none is free.
 */
uint16_t nat_reserve_media(struct nat *n, const struct ep *in, uint16_t want,
    int policy, int64_t t);

/*
 * Opens a pinhole: inbound proto packets to pub from allowed (NULL or
 * family 0 = anyone) go to inside until expires_ns (0 = until closed).
 * register: a registration pinhole (kept after use).  Returns 0 or -1.
 */
int nat_add_pinhole(struct nat *n, uint8_t proto, const struct ep *pub,
    const struct ep *inside, const struct ep *allowed, int64_t expires_ns,
    bool is_register);
/*
 * The inside endpoint of a live media pinhole (not a registration one) on
 * public endpoint pub at t: what the ALG's "direct RTP" lookup finds (K2:
 * an expectation of another connection for the address:port an SDP
 * announces).  Returns false when there is none.
 */
bool nat_media_pinhole(const struct nat *n, const struct ep *pub, int64_t t,
    struct ep *inside);

/*
 * True when a live media pinhole on public endpoint pub, open to the same
 * source as allowed (NULL or family 0: anyone), leads to another inside
 * host than inside's: the Linux expectation of another connection that
 * makes a new one with the same tuple fail (nf_ct_expect_related returns
 * -EALREADY, nf_nat_sip gives up: "all ports in use for SDP media").
 */
bool nat_pinhole_clash(const struct nat *n, const struct ep *pub,
    const struct ep *allowed, const struct ep *inside, int64_t t);

/*
 * A media expectation of signalling flow fl (NULL: none), class kind ('a'
 * audio, 'v' video, 'i' image, 0 none): a pinhole on pub to inside from
 * allowed, or with outward the slot the expectation for the far end's
 * media (pub = its address) takes without admitting anything inbound.
 * With pinhole_scope = flow, a flow holds at most max_pinholes_per_flow
 * of one class (image half of it): the oldest is evicted first
 * (nf_conntrack_expect.c evict_oldest_expect()).  The same expectation
 * again replaces the old one.  Returns 0, or -1 when the table is full.
 */
int nat_add_media_pinhole(struct nat *n, const struct nat_flow *fl, char kind,
    bool outward, const struct ep *pub, const struct ep *inside,
    const struct ep *allowed, int64_t t, int64_t expires_ns);

/*
 * Every media expectation of signalling flow fl goes (pinhole_scope =
 * flow: nf_conntrack_sip.c flush_expectations(ct, true) on INVITE, BYE,
 * and a non-2xx final answer to the flow's INVITE).
 */
void nat_flush_flow(struct nat *n, const struct nat_flow *fl);

/*
 * An inbound packet from remote to pub that nothing admitted: with
 * unsolicited_tuple its conntrack holds remote -> pub for udp_timeout
 * seconds from its last packet, and an outbound flow to remote that
 * would take that public port gets another one.  Called by nat_inbound
 * on every refusal, and by the far-end model for packets it predicts.
 */
void nat_unsolicited(struct nat *n, uint8_t proto, const struct ep *remote,
    const struct ep *pub, int64_t t);

/* Closes media pinholes leading to inside ep (BYE, non-2xx). */
void nat_close_pinholes(struct nat *n, const struct ep *inside);

/*
 * The registrar keeps the binding of in alive by keepalives every period_s
 * seconds from t on (far-end model).
 */
void nat_keepalive(struct nat *n, uint8_t proto, const struct ep *in,
    uint32_t period_s, int64_t t);

#endif /* SIPALG_SIM_NAT_H */
