/*
 * test_sipraw.c - the raw fallback for messages libosip2 refuses
 * (analyzer/sip/sipraw.c), through sipmsg_parse as the analysis meets it,
 * and through the dialog table (detect_fixture.h): a refused 200 OK
 * still answers its call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_fixture.h"

static struct anomalies an;

static struct sipmsg *
parse_s(const char *s)
{
	return sipmsg_parse((const uint8_t *)s, strlen(s), &an);
}

/* An unbalanced quote in From's display name: libosip2 refuses it. */
static const char ok_bad_from[] =
    "SIP/2.0 200 OK\r\n"
    "v: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport=5061;"
    "received=198.51.100.1, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKb\r\n"
    "f: \"Bob \\\"the ;tag=no <sip:bob@10.0.0.2:5062>;tag=ft1\r\n"
    "t: <sip:srv@198.51.100.2>;tag=tt2\r\n"
    "i: raw-1@10.0.0.2\r\n"
    "CSeq: 7 INVITE\r\n"
    "m: <sip:srv@198.51.100.2:5080>;expires=60, <sip:x@192.0.2.9>\r\n"
    "c: application/sdp\r\n"
    "l: 107\r\n"
    "\r\n"
    "v=0\r\no=- 1 1 IN IP4 198.51.100.2\r\ns=-\r\nc=IN IP4 198.51.100.2\r\n"
    "t=0 0\r\nm=audio 7000 RTP/AVP 8\r\n";

static void
test_raw_fields(void)
{
	struct sipmsg *m;

	memset(&an, 0, sizeof(an));
	m = parse_s(ok_bad_from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_RAW_FALLBACK], 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_UNPARSEABLE] +
	    an.n[ANOMALY_SIP_MISSING_HEADER], 1);
	CU_ASSERT(!m->is_request);
	CU_ASSERT_EQUAL(m->status, 200);
	CU_ASSERT_STRING_EQUAL(m->reason, "OK");
	CU_ASSERT_STRING_EQUAL(m->call_id, "raw-1@10.0.0.2");
	CU_ASSERT_EQUAL(m->cseq, 7);
	CU_ASSERT_STRING_EQUAL(m->cseq_method, "INVITE");
	CU_ASSERT_STRING_EQUAL(m->method, "INVITE");
	/* The tag after the URI, not the one in the quoted display name. */
	CU_ASSERT_STRING_EQUAL(m->from_tag, "ft1");
	CU_ASSERT_STRING_EQUAL(m->from_uri, "sip:bob@10.0.0.2:5062");
	CU_ASSERT_EQUAL(m->from_addr.port, 5062);
	CU_ASSERT_STRING_EQUAL(m->to_tag, "tt2");
	CU_ASSERT_EQUAL_FATAL(m->nvia, 2);
	CU_ASSERT_STRING_EQUAL(m->via[0].transport, "UDP");
	CU_ASSERT_STRING_EQUAL(m->via[0].host, "10.0.0.2");
	CU_ASSERT_EQUAL(m->via[0].sent_by.port, 5060);
	CU_ASSERT_STRING_EQUAL(m->via[0].branch, "z9hG4bKa");
	CU_ASSERT_STRING_EQUAL(m->via[0].received, "198.51.100.1");
	CU_ASSERT_EQUAL(m->via[0].rport, 5061);
	CU_ASSERT_STRING_EQUAL(m->via[1].transport, "TCP");
	CU_ASSERT_EQUAL(m->via[1].sent_by.family, 6);
	CU_ASSERT_EQUAL(m->via[1].sent_by.port, 5070);
	CU_ASSERT_STRING_EQUAL(m->via[1].branch, "z9hG4bKb");
	CU_ASSERT_EQUAL_FATAL(m->ncontact, 2);
	CU_ASSERT_STRING_EQUAL(m->contact[0].uri, "sip:srv@198.51.100.2:5080");
	CU_ASSERT_EQUAL(m->contact[0].addr.port, 5080);
	CU_ASSERT_EQUAL(m->contact[0].expires, 60);
	CU_ASSERT_EQUAL(m->contact[1].expires, -1);
	CU_ASSERT_EQUAL(m->content_length, 107);
	/* The SDP is read as in the full parse. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->sdp);
	CU_ASSERT_EQUAL(m->sdp->nmedia, 1);
	CU_ASSERT_EQUAL(m->sdp->media[0].port, 7000);
	sipmsg_free(m);
}

/* What the scan cannot place is refused, counted once, never kept. */
static void
test_raw_refused(void)
{
	static const char *bad[] = {
		/* no Call-ID */
		"SIP/2.0 200 OK\r\nf: \"x <sip:a@b>;tag=1\r\nCSeq: 1 INVITE\r\n\r\n",
		/* CSeq without method, or beyond 2^31 */
		"SIP/2.0 200 OK\r\nf: \"x <sip:a@b>\r\ni: c\r\nCSeq: 1\r\n\r\n",
		"SIP/2.0 200 OK\r\nf: \"x <sip:a@b>\r\ni: c\r\n"
		"CSeq: 2147483648 INVITE\r\n\r\n",
		/* no SIP start line */
		"SIP/2.0 2000 OK\r\nf: \"x <sip:a@b>\r\ni: c\r\nCSeq: 1 A\r\n\r\n",
		"INVITE sip:a@b HTTP/1.1\r\nf: \"x <sip:a@b>\r\ni: c\r\n"
		"CSeq: 1 INVITE\r\n\r\n",
		/* the bare response of the NormB udp_5060 capture */
		"SIP/2.0 200 OK\r\nSeq: 0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&an, 0, sizeof(an));
		CU_ASSERT_PTR_NULL(parse_s(bad[i]));
		CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_RAW_FALLBACK], 0);
		CU_ASSERT_EQUAL(anomaly_total(&an), 1);
	}
}

/* Every prefix of a refused message: kept or refused, never more read. */
static void
test_raw_prefixes(void)
{
	size_t n = strlen(ok_bad_from);

	for (size_t k = 1; k <= n; k++) {
		char *cut = malloc(k);
		struct sipmsg *m;

		CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
		memcpy(cut, ok_bad_from, k);
		memset(&an, 0, sizeof(an));
		m = sipmsg_parse((const uint8_t *)cut, k, &an);
		if (m != NULL) {
			CU_ASSERT_STRING_EQUAL(m->call_id, "raw-1@10.0.0.2");
			CU_ASSERT(m->raw_len == k);
		}
		sipmsg_free(m);
		free(cut);
	}
}

/* A refused 200 OK still answers its INVITE in the dialog table. */
static void
test_raw_in_dialog(void)
{
	struct tb b;
	struct sipmsg *m;

	/* The From below alone makes libosip2 refuse the message. */
	memset(&an, 0, sizeof(an));
	m = parse_s("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " PH ":5060\r\n"
	    "From: \"Pho\\ne <sip:phone@" PH ">;tag=ph1\r\n"
	    "To: <sip:server@" SV ">;tag=sv1\r\nCall-ID: rd1\r\n"
	    "CSeq: 1 INVITE\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL(m);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SIP_RAW_FALLBACK], 1);
	sipmsg_free(m);
	tb_init(&b);
	invite(&b, T0, "rd1", PH, "sendrecv");
	tb_add(&b, T0 + SEC, SV, 5060, PH, 5060, -1,
	    "SIP/2.0 200 OK\n"
	    "Via: SIP/2.0/UDP " PH ":5060;branch=z9hG4bKinvrd1\n"
	    "From: \"Pho\\ne <sip:phone@" PH ">;tag=ph1\n"
	    "To: <sip:server@" SV ">;tag=sv1\n"
	    "Call-ID: rd1\nCSeq: 1 INVITE\nContact: <sip:server@" SV ">\n\n");
	CU_ASSERT_EQUAL_FATAL(b.d->nmsgs, 2);
	CU_ASSERT_EQUAL(b.d->msgs[1].m->status, 200);
	CU_ASSERT(b.d->answer_ns == T0 + SEC);
	tb_finish(&b);
	/* Answered: the INVITE is not reported unanswered. */
	CU_ASSERT_EQUAL(count(&b, "inbound_call_unanswered"), 0);
	tb_free(&b);
}

int
main(void)
{
	static const struct detect_test tests[] = {
		{ "raw: fields of a refused message", test_raw_fields },
		{ "raw: what cannot be placed", test_raw_refused },
		{ "raw: every prefix", test_raw_prefixes },
		{ "raw: in its dialog", test_raw_in_dialog },
		{ NULL, NULL }
	};

	return detect_test_main("sipraw", tests);
}
