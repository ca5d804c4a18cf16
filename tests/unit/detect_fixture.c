/*
 * detect_fixture.c - the test bench of the detector tests
 * (detect_fixture.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_fixture.h"

/* The dialog table's callback: runs the detectors, keeps the findings. */
static bool
done(void *user, struct dialog *d)
{
	struct seen *s = user;

	detect_dialog(s->dt, d);
	memset(&s->f, 0, sizeof(s->f));
	if (d->findings != NULL)
		s->f = *d->findings;
	if (s->n < SEEN_ALL) {
		snprintf(s->all[s->n].cid, sizeof(s->all[s->n].cid), "%.63s",
		    d->call_id);
		s->all[s->n].f = s->f;
	}
	s->n++;
	return false;
}

void
tb_init(struct tb *b)
{
	memset(b, 0, sizeof(*b));
	b->s.dt = detect_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->s.dt);
	b->t = dialog_table_new(done, &b->s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->t);
}

void
tb_finish(struct tb *b)
{
	dialog_table_free(b->t);
	b->t = NULL;
}

void
tb_next(struct tb *b)
{
	dialog_table_free(b->t);
	b->t = dialog_table_new(done, &b->s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->t);
}

void
tb_free(struct tb *b)
{
	if (b->t)
		dialog_table_free(b->t);
	detect_free(b->s.dt);
}

struct ep
mkep(const char *ip, uint16_t port)
{
	struct ep e;

	ep_clear(&e);
	e.port = port;
	CU_ASSERT_EQUAL_FATAL(ep_parse_ip(&e, ip, strlen(ip)), 0);
	return e;
}

bool
tb_add(struct tb *b, int64_t t, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, int cl, const char *fmt, ...)
{
	char text[4096], raw[8192], *body;
	size_t n = 0, hl, bl;
	va_list ap;
	struct pkt p;
	struct sipmsg *m;
	bool rt = false;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	body = strstr(text, "\n\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	*body = '\0';
	body += 2;
	bl = 0;
	for (const char *q = body; *q; q++)
		bl += *q == '\n' ? 2 : 1;
	for (const char *q = text; *q && n < sizeof(raw) - 64; q++) {
		if (*q == '\n')
			raw[n++] = '\r';
		raw[n++] = *q;
	}
	n += (size_t)snprintf(raw + n, sizeof(raw) - n,
	    "\r\nContent-Length: %d\r\n\r\n", cl >= 0 ? cl : (int)bl);
	hl = n;
	for (const char *q = body; *q && n < sizeof(raw) - 2; q++) {
		if (*q == '\n')
			raw[n++] = '\r';
		raw[n++] = *q;
	}
	(void)hl;
	m = sipmsg_parse((const uint8_t *)raw, n, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(&p, 0, sizeof(p));
	p.l4 = PKT_UDP;
	p.ts_ns = t;
	p.frame = ++b->frame;
	p.src = mkep(src, sport);
	p.dst = mkep(dst, dport);
	b->d = dialog_table_add(b->t, m, &p, 0, NULL, &rt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->d);
	return rt;
}

/* n packets from first, gap_ns apart, timestamps step ticks apart. */
static struct rtp_stream *
stream_add(struct tb *b, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint32_t ssrc, int64_t first, int n, int64_t gap_ns,
    uint32_t step)
{
	struct rtp_stream *s = calloc(1, sizeof(*s));
	struct ep a = mkep(src, sport), c = mkep(dst, dport);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	rtp_stream_init(s, &a, &c, ssrc);
	for (int i = 0; i < n; i++) {
		struct rtp_hdr h = { 2, 0, 0, 0, 0, 8, (uint16_t)i,
		    (uint32_t)i * step, ssrc, 12, 160 };

		rtp_stream_add(s, &h, first + (int64_t)i * gap_ns,
		    (uint64_t)i);
	}
	rtp_stream_settle(s);	/* as the analysis does for the detectors */
	CU_ASSERT_FATAL(b->d->nstreams < CAP_DIALOG_STREAMS);
	b->d->streams[b->d->nstreams++] = s;
	dialog_table_touch(b->t, b->d, s->last_ns);
	return s;
}

void
tb_stream(struct tb *b, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, int64_t first, int n, int pps)
{
	(void)stream_add(b, src, sport, dst, dport, 0x1234, first, n,
	    SEC / pps, 160);
}

struct rtp_stream *
tb_stream_ptime(struct tb *b, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, int64_t first, int n, int ptime)
{
	return stream_add(b, src, sport, dst, dport, 0x4321 + sport, first, n,
	    (int64_t)ptime * MS, (uint32_t)ptime * 8);
}

int
count(const struct tb *b, const char *id)
{
	int n = 0;

	for (int i = 0; i < b->s.f.n; i++)
		if (strcmp(b->s.f.f[i].id, id) == 0)
			n++;
	return n;
}

const struct findings *
of(const struct tb *b, const char *cid)
{
	static const struct findings none;

	for (int i = 0; i < b->s.n && i < SEEN_ALL; i++)
		if (strcmp(b->s.all[i].cid, cid) == 0)
			return &b->s.all[i].f;
	return &none;
}

const struct finding *
find_in(const struct findings *fs, const char *id, const char *in_summary)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].id, id) == 0 && (in_summary == NULL ||
		    strstr(fs->f[i].summary, in_summary) != NULL))
			return &fs->f[i];
	return NULL;
}

const struct finding *
adv_in(const struct findings *fs, const char *id, const char *in_summary)
{
	for (int i = 0; i < fs->nadv; i++)
		if (strcmp(fs->adv[i].id, id) == 0 && (in_summary == NULL ||
		    strstr(fs->adv[i].summary, in_summary) != NULL))
			return &fs->adv[i];
	return NULL;
}

const struct evidence *
ev_of(const struct finding *f, const char *field)
{
	for (int i = 0; f != NULL && i < f->nev; i++)
		if (strcmp(f->ev[i].field, field) == 0)
			return &f->ev[i];
	return NULL;
}

const struct finding *
get(const struct tb *b, const char *id)
{
	static const struct finding none = { .confidence = -1 };

	for (int i = 0; i < b->s.f.n; i++)
		if (strcmp(b->s.f.f[i].id, id) == 0)
			return &b->s.f.f[i];
	return &none;
}

void
invite(struct tb *b, int64_t t, const char *cid, const char *c,
    const char *dir)
{
	char body[512];

	snprintf(body, sizeof(body), SDP_FMT, c, c, 6000, dir);
	tb_add(b, t, PH, 5060, SV, 5060, -1,
	    "INVITE sip:server@" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinv%s\n"
	    "From: <sip:phone@" PH ">;tag=ph1\nTo: <sip:server@" SV ">\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:phone@" PH ":5060>\n"
	    "Content-Type: application/sdp\n\n%s", cid, cid, body);
}

void
ok200(struct tb *b, int64_t t, const char *cid, const char *dir,
    const char *extra)
{
	char body[512];

	snprintf(body, sizeof(body), SDP_FMT, SV, SV, 7000, dir);
	tb_add(b, t, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinv%s\n"
	    "From: <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@" SV ":5060>\n"
	    "%sContent-Type: application/sdp\n\n%s", cid, cid, extra, body);
}

void
inreq(struct tb *b, int64_t t, const char *method, int cseq, bool from_phone,
    const char *cid, const char *branch)
{
	if (from_phone)
		tb_add(b, t, PH, 5060, SV, 5060, -1,
		    "%s sip:server@" SV " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bK%s\n"
		    "From: <sip:phone@" PH ">;tag=ph1\n"
		    "To: <sip:server@" SV ">;tag=sv1\n"
		    "Call-ID: %s\nCSeq: %d %s\n\n", method, branch, cid, cseq,
		    method);
	else
		tb_add(b, t, SV, 5060, PH, 5060, -1,
		    "%s sip:phone@" PH " SIP/2.0\n"
		    "Via: SIP/2.0/UDP " SV ":5060;branch=z9hG4bK%s\n"
		    "From: <sip:server@" SV ">;tag=sv1\n"
		    "To: <sip:phone@" PH ">;tag=ph1\n"
		    "Call-ID: %s\nCSeq: %d %s\n\n", method, branch, cid, cseq,
		    method);
}

void
reg_out(struct tb *b, int64_t t, const char *cid, int cseq, int expires)
{
	tb_add(b, t, NAT, 5060, SV, 5060, -1,
	    "REGISTER sip:" SV " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo%s%d\n"
	    "From: <sip:phone@" SV ">;tag=r1\nTo: <sip:phone@" SV ">\n"
	    "Call-ID: %s\nCSeq: %d REGISTER\n"
	    "Contact: <sip:phone@" PH ":5060>\n\n", cid, cseq, cid, cseq);
	tb_add(b, t + 20 * MS, SV, 5060, NAT, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKo%s%d\n"
	    "From: <sip:phone@" SV ">;tag=r1\n"
	    "To: <sip:phone@" SV ">;tag=x\n"
	    "Call-ID: %s\nCSeq: %d REGISTER\n"
	    "Contact: <sip:phone@" PH ":5060>;expires=%d\n\n", cid, cseq, cid,
	    cseq, expires);
}

void
inbound_invite(struct tb *b, int64_t t, const char *src, const char *cid,
    int n)
{
	char body[512];
	int64_t gap = SEC / 2;

	snprintf(body, sizeof(body), SDP_FMT, src, src, 7000, "sendrecv");
	for (int i = 0; i <= n; i++) {
		tb_add(b, t, src, 5060, NAT, 5060, -1,
		    "INVITE sip:phone@" NAT ":5060 SIP/2.0\n"
		    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKin%s\n"
		    "From: <sip:server@%s>;tag=sv1\nTo: <sip:phone@" NAT ">\n"
		    "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:server@%s>\n"
		    "Content-Type: application/sdp\n\n%s", src, cid, src, cid,
		    src, body);
		t += gap;
		gap *= 2;
	}
}

int
detect_test_main(const char *suite, const struct detect_test *tests)
{
	CU_pSuite s;
	unsigned nf;

	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite(suite, NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	for (const struct detect_test *t = tests; t->name != NULL; t++)
		if (CU_add_test(s, t->name, t->fn) == NULL) {
			CU_cleanup_registry();
			return 1;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	nf = CU_get_number_of_failures();
	CU_cleanup_registry();
	return nf != 0;
}
