/*
 * load.c - the inside capture as a stream of packets for the replay
 * (sim_capture_load, sim_capture_each in sim.h).
 *
 * The capture goes through the ingest stage (ingest.h) without TCP
 * reassembly: the ALG model looks at each TCP segment as the wire carried
 * it (a SIP message split over segments is treated differently by the
 * kernel's ALG than one that is whole), so segments are handed on as
 * they are and framed per segment at replay time.  IPv4 UDP and TCP
 * outside tunnels are modelled; anything else is counted as not modelled.
 *
 * Nothing is held per packet: sim_capture_load reads the file once to
 * learn what a run needs before its first packet (the router's public
 * address the capture shows, infer_public, in every SIP message of a
 * datagram or TCP connection, sim_sipread; the frame count and the
 * capture's anomalies), and every pass afterwards (sim_capture_each)
 * reads it again, handing each packet over with its payload borrowed for
 * the length of the call.  Memory is the ingest stage's (bounded by
 * caps.h) whatever the file's size.  An input that cannot be read twice
 * (standard input, a FIFO) is first copied to an unlinked temporary
 * file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "ingest/sipframe.h"
#include "run.h"
#include "sim.h"
#include "sip/sipmsg.h"

/* One pass: what the caller wants per packet. */
struct pass {
	struct sim_capture *c;
	sim_pkt_fn fn;
	sim_pkt_fn refused;       /* sim_capture_each_refusals, or NULL */
	void *user;
	uint64_t skipped;
};

/* The packet as the replay models it; false for one it does not. */
static bool
to_sim_pkt(const struct pkt *p, struct sim_pkt *sp)
{
	/* ICMP refusals (on_unreach) are the router's own answers: the
	 * model's to make, not replayed. */
	if ((p->l4 != PKT_UDP && p->l4 != PKT_TCP) || p->src.family != 4 ||
	    p->dst.family != 4 || p->encap_depth > 0)
		return false;
	memset(sp, 0, sizeof(*sp));
	sp->ts_ns = p->ts_ns;
	sp->frame = p->frame;
	sp->l4 = p->l4;
	sp->src = p->src;
	sp->dst = p->dst;
	sp->nfrags = p->nfrags;
	sp->ip_df = p->ip_df != 0;
	sp->ip_ttl = p->ip_ttl;
	sp->ip_id = p->ip_id;
	sp->tcp_flags = p->tcp_flags;
	sp->tcp_seq = p->tcp_seq;
	sp->tcp_ack = p->tcp_ack;
	sp->tcp_win = p->tcp_win;
	sp->tcp_urp = p->tcp_urp;
	sp->tcp_x2 = p->tcp_x2;
	sp->tcp_optlen = p->tcp_opt != NULL ? p->tcp_optlen : 0;
	if (sp->tcp_optlen > sizeof(sp->tcp_opt))
		sp->tcp_optlen = sizeof(sp->tcp_opt);
	if (sp->tcp_optlen > 0)
		memcpy(sp->tcp_opt, p->tcp_opt, sp->tcp_optlen);
	sp->payload = p->len > 0 ? p->payload : NULL;
	sp->len = p->len;
	return true;
}

static void
on_pkt(void *user, const struct pkt *p, struct anomalies *an)
{
	struct pass *ps = user;
	struct sim_pkt sp;

	(void)an;
	if (!to_sim_pkt(p, &sp)) {
		ps->skipped++;
		return;
	}
	ps->fn(ps->user, &sp);
}

/* A SIP datagram refused or cut short on the way (ingest's on_unreach),
 * for a pass that asks (sim_capture_each_refusals). */
static void
on_refused(void *user, const struct pkt *p, struct anomalies *an)
{
	struct pass *ps = user;
	struct sim_pkt sp;

	(void)an;
	if (ps->refused == NULL || (p->l4 != PKT_ICMP_TOOBIG &&
	    p->l4 != PKT_ICMP_REASM && p->l4 != PKT_FRAG_LOST &&
	    p->l4 != PKT_ICMP_SIP_UNREACH) ||
	    p->src.family != 4 || p->dst.family != 4 || p->encap_depth > 0)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.ts_ns = p->ts_ns;
	sp.frame = p->frame;
	sp.l4 = p->l4;
	sp.src = p->src;
	sp.dst = p->dst;
	sp.reporter = p->reporter;
	sp.icmp_type = p->icmp_type;
	sp.icmp_code = p->icmp_code;
	sp.payload = p->len > 0 ? p->payload : NULL;
	sp.len = p->len;
	ps->refused(ps->user, &sp);
}

/* The capture filter c's file records, the same on every interface
 * (sim.h: filter_type, filter). */
static void
learn_filter(struct sim_capture *c, const struct capture_info *ci)
{
	int k;

	c->filter_type = -1;
	c->filter[0] = '\0';
	if (ci == NULL || !ci->pcapng)
		return;
	c->filter_type = -2;
	if (!ci->ifaces_known || ci->nifaces == 0)
		return;
	for (k = 0; k < ci->nifaces && ci->ifaces[k].filter_type < 0; k++)
		;
	if (k == ci->nifaces) {
		c->filter_type = -1;        /* none recorded anywhere */
		return;
	}
	for (k = 0; k < ci->nifaces; k++)
		if (ci->ifaces[k].filter_type < 0 || ci->ifaces[k].filter_cut ||
		    ci->ifaces[k].filter_type != ci->ifaces[0].filter_type ||
		    strcmp(ci->ifaces[k].filter, ci->ifaces[0].filter) != 0)
			return;
	c->filter_type = ci->ifaces[0].filter_type;
	snprintf(c->filter, sizeof(c->filter), "%s", ci->ifaces[0].filter);
}

/*
 * Runs every packet of c's file through fn.  an: where the reading
 * anomalies go (NULL: dropped, the first pass counted them).  Returns 0,
 * or -1 with err.
 */
static int
each(struct sim_capture *c, const char *shown, struct pass *ps,
    struct anomalies *an, uint64_t *frames, char *err, size_t errlen)
{
	struct ingest_opts io = { .tcp_segments_only = true,
	    .tcp_pure_acks = true };
	struct ingest_cb cb = { on_pkt, NULL, NULL, NULL,
	    ps->refused != NULL ? on_refused : NULL, ps };
	struct ingest *in;
	struct anomalies scratch;
	char e2[256];
	uint64_t nf = 0;

	if ((in = ingest_new(&io, &cb)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ingest_add_file(in, c->path, e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "%s: %s", shown, e2);
		ingest_free(in);
		return -1;
	}
	memset(&scratch, 0, sizeof(scratch));
	while (ingest_next(in, an != NULL ? an : &scratch) != NULL)
		nf++;
	{
		struct capture_info *ci = capture_set_info(ingest_captures(in), 0);

		if (ci != NULL && ci->err[0] != '\0' && nf == 0) {
			snprintf(err, errlen, "%s: %s", shown, ci->err);
			ingest_free(in);
			return -1;
		}
		if (frames != NULL)
			learn_filter(c, ci);
		/* reading anomalies (truncation) go to the file's record */
		if (ci != NULL && an != NULL)
			for (int k = 0; k < ANOMALY_COUNT; k++)
				an->n[k] += ci->an.n[k];
	}
	ingest_free(in);
	if (frames != NULL)
		*frames = nf;
	return 0;
}

void
sim_sipread_init(struct sim_sipread *rd)
{
	memset(rd, 0, sizeof(*rd));
}

void
sim_sipread_fini(struct sim_sipread *rd)
{
	int k;

	for (k = 0; k < SIM_SIPREAD_FLOWS; k++)
		free(rd->flow[k].buf);
	memset(rd, 0, sizeof(*rd));
}

/* The slot holding part of a message from src to dst, or -1. */
static int
sipread_find(const struct sim_sipread *rd, const struct sim_pkt *p)
{
	int k;

	for (k = 0; k < SIM_SIPREAD_FLOWS; k++)
		if (rd->flow[k].len > 0 && ep_eq(&rd->flow[k].src, &p->src) &&
		    ep_eq(&rd->flow[k].dst, &p->dst))
			return k;
	return -1;
}

/* A slot for a new connection direction: a free one, else the next in
 * turn (what it held is forgotten). */
static int
sipread_take(struct sim_sipread *rd, const struct sim_pkt *p)
{
	int k;

	for (k = 0; k < SIM_SIPREAD_FLOWS; k++)
		if (rd->flow[k].len == 0)
			break;
	if (k == SIM_SIPREAD_FLOWS) {
		k = (int)(rd->next++ % SIM_SIPREAD_FLOWS);
		rd->flow[k].len = 0;
	}
	rd->flow[k].src = p->src;
	rd->flow[k].dst = p->dst;
	return k;
}

int
sim_sipread(struct sim_sipread *rd, const struct sim_pkt *p, sim_sip_fn fn,
    void *user)
{
	struct run_spans sp;
	size_t used, k;
	int f, n, i;

	if (p->len == 0)
		return 0;
	if (p->l4 != PKT_TCP) {
		size_t ml, bo;

		if (!run_looks_like_sip(p->payload, p->len))
			return 0;
		k = run_crlf_lead(p->payload, p->len);
		if (sipframe_datagram(p->payload + k, p->len - k, &ml, &bo,
		    NULL) != SIPFRAME_OK)
			ml = p->len - k;    /* the parser decides */
		fn(user, p, p->payload + k, ml);
		return 1;
	}
	if ((f = sipread_find(rd, p)) < 0) {
		if (!run_looks_like_sip(p->payload, p->len))
			return 0;
		f = sipread_take(rd, p);
	}
	run_spans_init(&sp);
	n = run_track_add(&rd->flow[f].buf, &rd->flow[f].len, p->payload,
	    p->len, &sp, &used);
	for (i = 0; i < n; i++)
		fn(user, p, rd->flow[f].buf + sp.sp[i].off, sp.sp[i].len);
	run_track_done(rd->flow[f].buf, &rd->flow[f].len, used);
	run_spans_fini(&sp);
	if (rd->flow[f].len == 0) {
		free(rd->flow[f].buf);
		rd->flow[f].buf = NULL;
	}
	return n;
}

/* What the first pass learns: the public address, with its reader. */
struct learn {
	struct sim_capture *c;
	struct sim_sipread rd;
};

/* A public address the capture itself shows for the router: received= in
 * a response to the phone, or a public Request-URI host of an inbound
 * request that is not its sender's.  The first one found counts, in any
 * message of a datagram or segment. */
static void
public_of(void *user, const struct sim_pkt *p, const uint8_t *msg, size_t len)
{
	struct sim_capture *c = user;
	struct sipmsg *m;
	struct ep e;

	if (c->implied_public.family != 0 || (m = run_sipmsg(msg, len)) == NULL)
		return;
	ep_clear(&e);
	if (!m->is_request && m->nvia > 0 && m->via[0].received[0] != '\0' &&
	    ep_parse_ip(&e, m->via[0].received, strlen(m->via[0].received)) == 0 &&
	    !ep_is_private(&e)) {
		c->implied_public = e;
	} else if (m->is_request && m->ruri_addr.family == 4 &&
	    !ep_is_private(&m->ruri_addr) &&
	    !ep_same_ip(&m->ruri_addr, &p->src)) {
		c->implied_public = m->ruri_addr;
	}
	sipmsg_free(m);
	c->implied_public.port = 0;
}

static void
infer_public(void *user, const struct sim_pkt *p)
{
	struct learn *l = user;

	if (l->c->implied_public.family != 0 || ep_is_private(&p->src) ||
	    !ep_is_private(&p->dst))
		return;
	sim_sipread(&l->rd, p, public_of, l->c);
}

/*
 * Standard input or a FIFO is read once: copy it to a temporary file
 * (unlinked at once, reached through /dev/fd while open) so that every
 * pass reads the same bytes.  Returns 0 or -1 with err.
 */
static int
spool(struct sim_capture *c, const char *path, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	FILE *out;
	char buf[65536];
	size_t n;
	int fd;

	if (in == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/sipalg-sim-XXXXXX",
	    dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(tmpl)) < 0 || (out = fdopen(fd, "w+b")) == NULL) {
		snprintf(err, errlen, "%s: no temporary file to "
		    "copy it to (%s)", path, strerror(errno));
		if (fd >= 0) {
			unlink(tmpl);
			close(fd);
		}
		if (in != stdin)
			fclose(in);
		return -1;
	}
	unlink(tmpl);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in) || fflush(out) != 0) {
		snprintf(err, errlen, "%s: copying it to a temporary "
		    "file failed", path);
		fclose(out);
		if (in != stdin)
			fclose(in);
		return -1;
	}
	if (in != stdin)
		fclose(in);
	c->spool = out;
	snprintf(c->path, sizeof(c->path), "/dev/fd/%d", fileno(out));
	return 0;
}

struct sim_capture *
sim_capture_load(const char *path, char *err, size_t errlen)
{
	struct sim_capture *c = calloc(1, sizeof(*c));
	struct learn *l;
	struct stat sb;
	struct pass ps;
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->shown, sizeof(c->shown), "%s", path);
	c->filter_type = -1;
	if (strcmp(path, "-") == 0 ||
	    (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))) {
		if (spool(c, path, err, errlen) != 0)
			goto fail;
	} else if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "%s: name too long", path);
		goto fail;
	} else
		snprintf(c->path, sizeof(c->path), "%s", path);
	if ((l = malloc(sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	l->c = c;
	sim_sipread_init(&l->rd);
	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.fn = infer_public;
	ps.user = l;
	rc = each(c, c->shown, &ps, &c->an, &c->frames, err, errlen);
	sim_sipread_fini(&l->rd);
	free(l);
	if (rc != 0)
		goto fail;
	c->skipped = ps.skipped;
	return c;
fail:
	sim_capture_free(c);
	return NULL;
}

int
sim_capture_each(const struct sim_capture *c, sim_pkt_fn fn, void *user,
    char *err, size_t errlen)
{
	struct pass ps;

	memset(&ps, 0, sizeof(ps));
	ps.c = (struct sim_capture *)c;
	ps.fn = fn;
	ps.user = user;
	return each(ps.c, c->shown, &ps, NULL, NULL, err, errlen);
}

int
sim_capture_each_refusals(const struct sim_capture *c, sim_pkt_fn fn,
    sim_pkt_fn refused, void *user, char *err, size_t errlen)
{
	struct pass ps;

	memset(&ps, 0, sizeof(ps));
	ps.c = (struct sim_capture *)c;
	ps.fn = fn;
	ps.refused = refused;
	ps.user = user;
	return each(ps.c, c->shown, &ps, NULL, NULL, err, errlen);
}

void
sim_capture_free(struct sim_capture *c)
{
	if (c == NULL)
		return;
	if (c->spool != NULL)
		fclose(c->spool);
	free(c);
}
