/*
 * test_sdp.c - CUnit tests for the bounded SDP parser (analyzer/sdp.c).
 *
 * SDP is text, so inputs are written as C string literals (byte arrays
 * with explicit lengths; no NUL terminator is ever relied on by the code
 * under test): session vs media c=, several m= lines, port 0, a=rtcp with
 * and without an address, ICE candidates, i= lines, directions, hold with
 * c=0.0.0.0, host names, IPv6, caps, malformed lines and truncation of a
 * whole body at every length.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sip/sdp.h"

/*
 * sdp.c compiled again as the reference for its fast paths
 * (SDP_REFERENCE, see sdp.c: bytes scanned one at a time, numbers and
 * names through text.c), its external names prefixed with ref_ so that
 * it links beside the library's sdp.o (test_reference compares them).
 */
#define SDP_REFERENCE 1
#define sdp_parse ref_sdp_parse
#define sdp_free ref_sdp_free
#define sdp_scratch_size ref_sdp_scratch_size
#define sdp_parse_scratch ref_sdp_parse_scratch
#define sdp_pack_size ref_sdp_pack_size
#define sdp_pack ref_sdp_pack
#define sdp_pack_plan ref_sdp_pack_plan
#define sdp_pack_planned ref_sdp_pack_planned
#define sdp_dir_name ref_sdp_dir_name
#define sdp_dir_sends ref_sdp_dir_sends
#define sdp_dir_receives ref_sdp_dir_receives
int ref_sdp_parse(const uint8_t *body, size_t len, struct sdp **out,
    struct anomalies *an);
void ref_sdp_free(struct sdp *s);
size_t ref_sdp_scratch_size(void);
int ref_sdp_parse_scratch(const uint8_t *body, size_t len, void *room,
    struct sdp **out, struct anomalies *an);
size_t ref_sdp_pack_size(const struct sdp *s);
struct sdp *ref_sdp_pack(const struct sdp *s, void *buf, size_t n);
size_t ref_sdp_pack_plan(const struct sdp *s, struct sdp_plan *p);
struct sdp *ref_sdp_pack_planned(const struct sdp *s, struct sdp_plan *p,
    void *buf);
const char *ref_sdp_dir_name(enum sdp_dir d);
bool ref_sdp_dir_sends(enum sdp_dir d);
bool ref_sdp_dir_receives(enum sdp_dir d);
#include "sip/sdp.c"
#undef sdp_parse
#undef sdp_free
#undef sdp_scratch_size
#undef sdp_parse_scratch
#undef sdp_pack_size
#undef sdp_pack
#undef sdp_pack_plan
#undef sdp_pack_planned
#undef sdp_dir_name
#undef sdp_dir_sends
#undef sdp_dir_receives

#define PARSE(str, s, an) \
	reparse((const uint8_t *)(str), sizeof(str) - 1, (s), (an))

/* sdp_parse into *s, freeing the result *s held before. */
static int
reparse(const uint8_t *body, size_t len, struct sdp **s,
    struct anomalies *an)
{
	sdp_free(*s);
	*s = NULL;
	return sdp_parse(body, len, s, an);
}

static const char *
epstr(const struct ep *e)
{
	static char buf[NETADDR_STRLEN];

	return ep_str(e, buf, sizeof(buf));
}

static const char full_body[] =
    "v=0\r\n"
    "o=alice 2890844526 2890844527 IN IP4 10.0.0.2\r\n"
    "s=-\r\n"
    "i=nat-trace 203.0.113.9\r\n"
    "c=IN IP4 10.0.0.2\r\n"
    "t=0 0\r\n"
    "a=sendonly\r\n"
    "m=audio 49170 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=ptime:20\r\n"
    "a=rtcp:49171\r\n"
    "m=video 51372 RTP/AVP 96\r\n"
    "c=IN IP4 192.168.1.5\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=rtcp:53020 IN IP4 198.51.100.1\r\n"
    "a=recvonly\r\n";

static void
test_full(void)
{
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(PARSE(full_body, &s, &an), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_STRING_EQUAL(s->o_user, "alice");
	CU_ASSERT_STRING_EQUAL(s->o_sess_id, "2890844526");
	CU_ASSERT_EQUAL(s->o_version, 2890844527ULL);
	CU_ASSERT_STRING_EQUAL(s->origin_text, "10.0.0.2");
	CU_ASSERT_EQUAL(s->origin.family, 4);
	CU_ASSERT_EQUAL(s->origin.port, 0);
	CU_ASSERT_TRUE(s->has_conn);
	CU_ASSERT_STRING_EQUAL(s->conn_text, "10.0.0.2");
	CU_ASSERT_STRING_EQUAL(epstr(&s->conn), "10.0.0.2");
	CU_ASSERT_TRUE(s->has_i);
	CU_ASSERT_STRING_EQUAL(s->i_line, "nat-trace 203.0.113.9");
	CU_ASSERT_EQUAL(s->dir, SDP_SENDONLY);
	CU_ASSERT_EQUAL_FATAL(s->nmedia, 2);

	/* audio: session c=, session direction, static codec of PT 0 */
	CU_ASSERT_STRING_EQUAL(s->media[0].media, "audio");
	CU_ASSERT_EQUAL(s->media[0].port, 49170);
	CU_ASSERT_EQUAL(s->media[0].nports, 1);
	CU_ASSERT_STRING_EQUAL(s->media[0].proto, "RTP/AVP");
	CU_ASSERT_EQUAL(s->media[0].npayloads, 3);
	CU_ASSERT_EQUAL(s->media[0].payloads[0], 0);
	CU_ASSERT_EQUAL(s->media[0].payloads[1], 8);
	CU_ASSERT_EQUAL(s->media[0].payloads[2], 101);
	CU_ASSERT_TRUE(s->media[0].has_conn);
	CU_ASSERT_FALSE(s->media[0].conn_is_media);
	CU_ASSERT_STRING_EQUAL(s->media[0].conn_text, "10.0.0.2");
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[0].conn), "10.0.0.2:49170");
	CU_ASSERT_TRUE(s->media[0].has_rtcp);
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[0].rtcp), "10.0.0.2:49171");
	CU_ASSERT_EQUAL(s->media[0].dir, SDP_SENDONLY);
	CU_ASSERT_STRING_EQUAL(s->media[0].codec, "PCMU");
	CU_ASSERT_EQUAL(s->media[0].clock_rate, 8000);
	CU_ASSERT_EQUAL(s->media[0].ptime_ms, 20);
	CU_ASSERT_EQUAL(s->media[0].ncand, 0);

	/* video: media c= wins, media direction wins, rtpmap codec */
	CU_ASSERT_STRING_EQUAL(s->media[1].media, "video");
	CU_ASSERT_TRUE(s->media[1].conn_is_media);
	CU_ASSERT_STRING_EQUAL(s->media[1].conn_text, "192.168.1.5");
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[1].conn), "192.168.1.5:51372");
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[1].rtcp), "198.51.100.1:53020");
	CU_ASSERT_EQUAL(s->media[1].dir, SDP_RECVONLY);
	CU_ASSERT_STRING_EQUAL(s->media[1].codec, "H264");
	CU_ASSERT_EQUAL(s->media[1].clock_rate, 90000);
	CU_ASSERT_EQUAL(s->media[1].ptime_ms, 0);
	sdp_free(s);
}

static void
test_port0_lf_and_defaults(void)
{
	static const char body[] =
	    "\n\nv=0\n"
	    "o=- 1 1 IN IP4 10.1.1.1\n"
	    "m=audio 0 RTP/AVP 18\n"
	    "m=audio 4000/2 RTP/AVP 96\n"
	    "a=rtpmap:96 opus/48000/2\n";
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(PARSE(body, &s, &an), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_FALSE(s->has_conn);
	CU_ASSERT_EQUAL(s->dir, SDP_SENDRECV);
	CU_ASSERT_EQUAL_FATAL(s->nmedia, 2);
	CU_ASSERT_EQUAL(s->media[0].port, 0);
	CU_ASSERT_FALSE(s->media[0].has_conn);
	CU_ASSERT_EQUAL(s->media[0].conn.family, 0);
	CU_ASSERT_EQUAL(s->media[0].dir, SDP_SENDRECV);
	CU_ASSERT_STRING_EQUAL(s->media[0].codec, "G729");
	CU_ASSERT_EQUAL(s->media[1].port, 4000);
	CU_ASSERT_EQUAL(s->media[1].nports, 2);
	CU_ASSERT_STRING_EQUAL(s->media[1].codec, "opus");
	CU_ASSERT_EQUAL(s->media[1].clock_rate, 48000);
	CU_ASSERT_FALSE(s->media[1].has_rtcp);
	sdp_free(s);
}

static void
test_static_table(void)
{
	static const struct {
		const char *body;
		const char *codec;
		uint32_t rate;
	} cases[] = {
		{ "v=0\r\nm=audio 1 RTP/AVP 8\r\n", "PCMA", 8000 },
		{ "v=0\r\nm=audio 1 RTP/AVP 9\r\n", "G722", 8000 },
		{ "v=0\r\nm=audio 1 RTP/AVP 3\r\n", "GSM", 8000 },
		{ "v=0\r\nm=audio 1 RTP/AVP 4\r\n", "G723", 8000 },
		{ "v=0\r\nm=audio 1 RTP/AVP 13\r\n", "CN", 8000 },
		{ "v=0\r\nm=audio 1 RTP/AVP 97\r\n", "", 0 },
		/* an rtpmap of a later payload does not name the first */
		{ "v=0\r\nm=audio 1 RTP/AVP 0 97\r\na=rtpmap:97 iLBC/8000\r\n",
		  "PCMU", 8000 },
		/* an rtpmap for a static type overrides the table */
		{ "v=0\r\nm=audio 1 RTP/AVP 9\r\na=rtpmap:9 G722/16000\r\n",
		  "G722", 16000 },
		{ "v=0\r\nm=image 0 udptl t38\r\n", "t38", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sdp *s = NULL;
		struct anomalies an = { { 0 } };

		CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)cases[i].body,
		    strlen(cases[i].body), &s, &an), 0);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
		CU_ASSERT_EQUAL_FATAL(s->nmedia, 1);
		CU_ASSERT_STRING_EQUAL(s->media[0].codec, cases[i].codec);
		CU_ASSERT_EQUAL(s->media[0].clock_rate, cases[i].rate);
		sdp_free(s);
	}
}

static void
test_ice(void)
{
	static const char body[] =
	    "v=0\r\n"
	    "o=- 1 2 IN IP6 2001:db8::1\r\n"
	    "c=IN IP6 2001:db8::1\r\n"
	    "m=audio 9000 UDP/TLS/RTP/SAVPF 111\r\n"
	    "a=rtcp:9001 IN IP6 2001:db8::2\r\n"
	    "a=candidate:1 1 udp 2130706431 192.168.1.10 9000 typ host\r\n"
	    "a=candidate:2 1 udp 1694498815 203.0.113.5 61000 typ srflx "
	    "raddr 192.168.1.10 rport 9000\r\n"
	    "a=candidate:3 1 udp 1 2001:db8::9 3478 typ relay\r\n"
	    "a=candidate:4 1 udp 1 abc.local 5000 typ host\r\n";
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };
	const struct sdp_media *m;

	CU_ASSERT_EQUAL_FATAL(PARSE(body, &s, &an), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(s->origin.family, 6);
	CU_ASSERT_EQUAL_FATAL(s->nmedia, 1);
	m = &s->media[0];
	CU_ASSERT_STRING_EQUAL(epstr(&m->conn), "[2001:db8::1]:9000");
	CU_ASSERT_STRING_EQUAL(epstr(&m->rtcp), "[2001:db8::2]:9001");
	CU_ASSERT_STRING_EQUAL(m->codec, "");
	CU_ASSERT_EQUAL_FATAL(m->ncand, 4);
	CU_ASSERT_STRING_EQUAL(epstr(&m->cand[0].addr), "192.168.1.10:9000");
	CU_ASSERT_STRING_EQUAL(m->cand[0].type, "host");
	CU_ASSERT_STRING_EQUAL(epstr(&m->cand[1].addr), "203.0.113.5:61000");
	CU_ASSERT_STRING_EQUAL(m->cand[1].type, "srflx");
	CU_ASSERT_STRING_EQUAL(epstr(&m->cand[2].addr),
	    "[2001:db8::9]:3478");
	CU_ASSERT_STRING_EQUAL(m->cand[2].type, "relay");
	CU_ASSERT_EQUAL(m->cand[3].addr.family, 0);
	CU_ASSERT_EQUAL(m->cand[3].addr.port, 5000);
	sdp_free(s);
}

static void
test_hold_and_hosts(void)
{
	static const char body[] =
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 pbx.example.com\r\n"
	    "c=IN IP4 0.0.0.0\r\n"
	    "a=inactive\r\n"
	    "m=audio 5004 RTP/AVP 0\r\n"
	    "a=sendonly\r\n"
	    "m=audio 5006 RTP/AVP 0\r\n"
	    "c=IN IP4 media.example.com\r\n"
	    "m=audio 5008 RTP/AVP 0\r\n"
	    "c=IN IP4 224.2.1.1/127/3\r\n";
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(PARSE(body, &s, &an), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_STRING_EQUAL(s->origin_text, "pbx.example.com");
	CU_ASSERT_EQUAL(s->origin.family, 0);
	CU_ASSERT_STRING_EQUAL(epstr(&s->conn), "0.0.0.0");
	CU_ASSERT_EQUAL(s->dir, SDP_INACTIVE);
	CU_ASSERT_EQUAL_FATAL(s->nmedia, 3);
	CU_ASSERT_EQUAL(s->media[0].dir, SDP_SENDONLY);
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[0].conn), "0.0.0.0:5004");
	CU_ASSERT_EQUAL(s->media[1].dir, SDP_INACTIVE);
	CU_ASSERT_TRUE(s->media[1].has_conn);
	CU_ASSERT_TRUE(s->media[1].conn_is_media);
	CU_ASSERT_STRING_EQUAL(s->media[1].conn_text, "media.example.com");
	CU_ASSERT_EQUAL(s->media[1].conn.family, 0);
	CU_ASSERT_EQUAL(s->media[1].conn.port, 5006);
	CU_ASSERT_STRING_EQUAL(s->media[2].conn_text, "224.2.1.1");
	CU_ASSERT_STRING_EQUAL(epstr(&s->media[2].conn), "224.2.1.1:5008");
	sdp_free(s);
}

static void
test_i_media_level(void)
{
	static const char body[] =
	    "v=0\r\nm=audio 1 RTP/AVP 0\r\ni=media title\r\n";
	static const char body2[] = "v=0\r\ni=first\r\ni=second\r\n";
	struct sdp *s = NULL;

	CU_ASSERT_EQUAL_FATAL(PARSE(body, &s, NULL), 0);
	CU_ASSERT_TRUE(s->has_i);
	CU_ASSERT_STRING_EQUAL(s->i_line, "");
	CU_ASSERT_EQUAL_FATAL(PARSE(body2, &s, NULL), 0);
	CU_ASSERT_STRING_EQUAL(s->i_line, "first");
	sdp_free(s);
}

static void
test_not_sdp(void)
{
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	CU_ASSERT_EQUAL(PARSE("", &s, &an), -1);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(PARSE("\r\n\r\n", &s, &an), -1);
	CU_ASSERT_EQUAL(PARSE("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", &s, &an),
	    -1);
	CU_ASSERT_EQUAL(PARSE("SIP/2.0 200 OK\r\n", &s, &an), -1);
	CU_ASSERT_EQUAL(PARSE("v", &s, &an), -1);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL_FATAL(PARSE("v=0", &s, &an), 0);
	CU_ASSERT_EQUAL(s->nmedia, 0);
	/* Empty arrays still point to one zeroed element. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->media);
	CU_ASSERT_STRING_EQUAL(s->media[0].media, "");
	CU_ASSERT_STRING_EQUAL(s->media[0].codec, "");
	CU_ASSERT_EQUAL(s->media[0].port, 0);
	CU_ASSERT_EQUAL(s->media[0].payloads[0], 0);
	CU_ASSERT_STRING_EQUAL(s->media[0].cand[0].type, "");
	CU_ASSERT_STRING_EQUAL(s->o_user, "");
	CU_ASSERT_STRING_EQUAL(s->conn_text, "");
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	sdp_free(s);
}

static void
test_malformed(void)
{
	static const char *bad[] = {
		"v=0\r\nthis is not sdp\r\n",
		"v=0\r\n=x\r\n",
		"v=0\r\no=a b\r\n",
		"v=0\r\no=a 1 notanumber IN IP4 1.2.3.4\r\n",
		"v=0\r\nc=IN IP4\r\n",
		"v=0\r\nc=XX IP4 1.2.3.4\r\n",
		"v=0\r\nm=audio\r\n",
		"v=0\r\nm=audio port RTP/AVP 0\r\n",
		"v=0\r\nm=audio 70000 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 1/0 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:x\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:5 IN\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/x\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=ptime:abc\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=candidate:1 1 udp 1 h\r\n",
		("v=0\r\nm=audio 1 RTP/AVP 0\r\n"
		    "a=candidate:1 1 udp 1 1.2.3.4 5 type host\r\n"),
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdp *s = NULL;
		struct anomalies an = { { 0 } };

		CU_ASSERT_EQUAL(reparse((const uint8_t *)bad[i],
		    strlen(bad[i]), &s, &an), 0);
		CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_UNPARSEABLE], 1);
		CU_ASSERT_EQUAL(anomaly_total(&an), 1);
		sdp_free(s);
	}
	/* Counted once per body, however many lines are bad. */
	{
		static const char many[] = "v=0\r\nxx\r\nyy\r\nc=\r\n";
		struct sdp *s = NULL;
		struct anomalies an = { { 0 } };

		CU_ASSERT_EQUAL(PARSE(many, &s, &an), 0);
		CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_UNPARSEABLE], 1);
		sdp_free(s);
	}
	/* Unknown lines and attributes are ignored, not malformed. */
	{
		static const char unk[] =
		    "v=0\r\nz=0 0\r\nk=prompt\r\nm=audio 1 RTP/AVP 0\r\n"
		    "a=fmtp:0 x\r\na=foo\r\nb=AS:64\r\n";
		struct sdp *s = NULL;
		struct anomalies an = { { 0 } };

		CU_ASSERT_EQUAL(PARSE(unk, &s, &an), 0);
		CU_ASSERT_EQUAL(anomaly_total(&an), 0);
		CU_ASSERT_EQUAL(s->nmedia, 1);
		sdp_free(s);
	}
}

static void
test_caps(void)
{
	char body[8192];
	size_t o = 0;
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	o += (size_t)snprintf(body + o, sizeof(body) - o, "v=0\r\n");
	for (int i = 0; i < CAP_SDP_MEDIA + 3; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "m=audio %d RTP/AVP 0\r\na=sendonly\r\n", 1000 + i);
	CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)body, o, &s, &an), 0);
	CU_ASSERT_EQUAL(s->nmedia, CAP_SDP_MEDIA);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_TOO_MANY_MEDIA], 1);
	CU_ASSERT_EQUAL(s->media[CAP_SDP_MEDIA - 1].port,
	    1000 + CAP_SDP_MEDIA - 1);
	/* Lines of dropped m= sections do not leak into the session. */
	CU_ASSERT_EQUAL(s->dir, SDP_SENDRECV);

	o = (size_t)snprintf(body, sizeof(body), "v=0\r\nm=audio 1 RTP/AVP");
	for (int i = 0; i < CAP_SDP_PAYLOADS + 5; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, " %d",
		    i % 128);
	o += (size_t)snprintf(body + o, sizeof(body) - o, "\r\n");
	memset(&an, 0, sizeof(an));
	CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)body, o, &s, &an), 0);
	CU_ASSERT_EQUAL_FATAL(s->media[0].npayloads, CAP_SDP_PAYLOADS);
	CU_ASSERT_EQUAL(s->media[0].payloads[CAP_SDP_PAYLOADS - 1],
	    CAP_SDP_PAYLOADS - 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_VALUES_CAP], 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_TOO_MANY_MEDIA], 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 1);

	o = (size_t)snprintf(body, sizeof(body), "v=0\r\nm=audio 1 RTP/AVP 0\r\n");
	for (int i = 0; i < CAP_SDP_CANDIDATES + 2; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "a=candidate:%d 1 udp 1 10.0.0.%d %d typ host\r\n", i, i,
		    2000 + i);
	memset(&an, 0, sizeof(an));
	CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)body, o, &s, &an), 0);
	CU_ASSERT_EQUAL_FATAL(s->media[0].ncand, CAP_SDP_CANDIDATES);
	CU_ASSERT_EQUAL(s->media[0].cand[CAP_SDP_CANDIDATES - 1].addr.port,
	    2000 + CAP_SDP_CANDIDATES - 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_VALUES_CAP], 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_TOO_MANY_MEDIA], 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 1);

	/* Exactly at the caps: nothing counted. */
	o = (size_t)snprintf(body, sizeof(body), "v=0\r\nm=audio 1 RTP/AVP");
	for (int i = 0; i < CAP_SDP_PAYLOADS; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, " %d", i);
	o += (size_t)snprintf(body + o, sizeof(body) - o, "\r\n");
	for (int i = 0; i < CAP_SDP_CANDIDATES; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "a=candidate:%d 1 udp 1 10.0.0.%d %d typ host\r\n", i, i,
		    2000 + i);
	memset(&an, 0, sizeof(an));
	CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)body, o, &s, &an), 0);
	CU_ASSERT_EQUAL(s->media[0].npayloads, CAP_SDP_PAYLOADS);
	CU_ASSERT_EQUAL(s->media[0].ncand, CAP_SDP_CANDIDATES);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);

	/* A line over CAP_SIP_LINE_BYTES is malformed, not kept. */
	{
		size_t n = 5 + CAP_SIP_LINE_BYTES + 10;
		uint8_t *big = malloc(n + 40);

		CU_ASSERT_PTR_NOT_NULL_FATAL(big);
		memcpy(big, "v=0\r\n", 5);
		big[5] = 'i';
		big[6] = '=';
		memset(big + 7, 'A', n - 7);
		memcpy(big + n, "\r\nm=audio 1 RTP/AVP 0\r\n", 23);
		memset(&an, 0, sizeof(an));
		CU_ASSERT_EQUAL(reparse(big, n + 23, &s, &an), 0);
		CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_UNPARSEABLE], 1);
		CU_ASSERT_FALSE(s->has_i);
		CU_ASSERT_EQUAL(s->nmedia, 1);
		free(big);
	}
	sdp_free(s);
}

/*
 * Every prefix of a full body parses without reading past its end (run
 * under ASan/valgrind: each prefix is a fresh heap copy, so an overread
 * is caught), never yields more than the full body, and a cut inside the
 * first m= line before its proto field is counted as malformed.
 */
static void
test_truncation_loop(void)
{
	size_t full = sizeof(full_body) - 1;
	const char *mline = strstr(full_body, "m=audio");
	size_t m_off = (size_t)(mline - full_body);
	size_t proto_off = (size_t)(strstr(mline, "RTP/AVP") - full_body);

	for (size_t len = 0; len <= full; len++) {
		uint8_t *copy = malloc(len + 1);
		struct sdp *s = NULL;
		struct anomalies an = { { 0 } };
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, full_body, len);
		rc = reparse(copy, len, &s, &an);
		if (len < 2) {
			CU_ASSERT_EQUAL(rc, -1);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT(s->nmedia <= 2);
		}
		if (len > m_off + 1 && len < proto_off)
			CU_ASSERT_EQUAL(an.n[ANOMALY_SDP_UNPARSEABLE], 1);
		if (len == full)
			CU_ASSERT_EQUAL(anomaly_total(&an), 0);
		if (rc != 0)
			CU_ASSERT_PTR_NULL(s);
		sdp_free(s);
		free(copy);
	}
}

static void
test_dir_helpers(void)
{
	CU_ASSERT_STRING_EQUAL(sdp_dir_name(SDP_SENDRECV), "sendrecv");
	CU_ASSERT_STRING_EQUAL(sdp_dir_name(SDP_SENDONLY), "sendonly");
	CU_ASSERT_STRING_EQUAL(sdp_dir_name(SDP_RECVONLY), "recvonly");
	CU_ASSERT_STRING_EQUAL(sdp_dir_name(SDP_INACTIVE), "inactive");
	CU_ASSERT_STRING_EQUAL(sdp_dir_name((enum sdp_dir)42), "unknown");
	CU_ASSERT_TRUE(sdp_dir_sends(SDP_SENDRECV));
	CU_ASSERT_TRUE(sdp_dir_sends(SDP_SENDONLY));
	CU_ASSERT_FALSE(sdp_dir_sends(SDP_RECVONLY));
	CU_ASSERT_FALSE(sdp_dir_sends(SDP_INACTIVE));
	CU_ASSERT_TRUE(sdp_dir_receives(SDP_SENDRECV));
	CU_ASSERT_FALSE(sdp_dir_receives(SDP_SENDONLY));
	CU_ASSERT_TRUE(sdp_dir_receives(SDP_RECVONLY));
	CU_ASSERT_FALSE(sdp_dir_receives(SDP_INACTIVE));
}

/* Control bytes and NUL inside values are kept (NUL as '?'), no crash. */
static void
test_binary_bytes(void)
{
	static const uint8_t body[] = {
		'v', '=', '0', '\r', '\n',
		'i', '=', 'a', 0x00, 0x1b, '[', '2', 'J', 0xff, '\r', '\n',
		'o', '=', 'u', 0x00, ' ', '1', ' ', '1', ' ', 'I', 'N', ' ',
		'I', 'P', '4', ' ', '1', '.', '2', '.', '3', '.', '4', '\n',
		'm', '=', 'a', 'u', 'd', 'i', 'o', ' ', '9', ' ', 'R', 'T',
		'P', '/', 'A', 'V', 'P', ' ', '0', '\r', '\r', '\n',
	};
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(reparse(body, sizeof(body), &s, &an), 0);
	CU_ASSERT_EQUAL(memcmp(s->i_line, "a?\x1b[2J\xff", 7), 0);
	CU_ASSERT_STRING_EQUAL(s->o_user, "u?");
	CU_ASSERT_STRING_EQUAL(epstr(&s->origin), "1.2.3.4");
	CU_ASSERT_EQUAL(s->nmedia, 1);
	sdp_free(s);
}

/*
 * Tokens are split at SP and HTAB only, eight bytes at a step: a control
 * byte (NUL, ^A, VT, CR, FF) at any place of a token of 1 to 20 bytes,
 * at the end of the line or before more fields, and several of them,
 * stays in the token (NUL as '?'), and the parse ends.  (A body whose
 * last line ends in a bare CR loses it as the line's CR, as before.)
 */
static void
test_control_bytes_in_tokens(void)
{
	static const uint8_t ctl[] = { 0x00, 0x01, 0x0b, '\r', 0x0c };
	struct sdp *s = NULL;
	struct anomalies an = { { 0 } };

	for (size_t len = 1; len <= 20; len++)
		for (size_t at = 0; at < len; at++)
			for (size_t c = 0; c < sizeof(ctl); c++) {
				uint8_t body[96], tok[24];
				char want[24];
				size_t n = 0;

				memcpy(tok, "abcdefghijklmnopqrst", 20);
				tok[at] = ctl[c];
				if (at + 2 < len)
					tok[at + 2] = ctl[(c + 1) % sizeof(ctl)];
				for (size_t i = 0; i < len; i++)
					want[i] = tok[i] == 0 ? '?' : (char)tok[i];
				want[len] = '\0';
				memcpy(body + n, "v=0\r\no=", 7);
				n += 7;
				memcpy(body + n, tok, len);
				n += len;
				memcpy(body + n, " 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 ", 30);
				n += 30;
				memcpy(body + n, tok, len);
				n += len;
				/* The line's own CR: a token's last CR stays. */
				memcpy(body + n, "\r\n", 2);
				n += 2;
				CU_ASSERT_EQUAL_FATAL(reparse(body, n, &s, &an), 0);
				CU_ASSERT_STRING_EQUAL(s->o_user, want);
				CU_ASSERT_STRING_EQUAL(s->conn_text, want);
				CU_ASSERT_STRING_EQUAL(epstr(&s->origin),
				    "1.2.3.4");
				CU_ASSERT_TRUE(s->has_conn);
			}
	sdp_free(s);
}

/*
 * Every string keeps exactly SDP_*_BYTES - 1 bytes of a longer value, as
 * the fixed arrays did, and a value that fits is kept whole.
 */
static void
test_string_caps(void)
{
	static const struct {
		const char *prefix, *suffix;
		size_t cap;
		size_t field;
	} cases[] = {
		{ "v=0\r\no=", " 1 1 IN IP4 1.2.3.4\r\n", SDP_O_USER_BYTES, 0 },
		{ "v=0\r\no=u ", " 1 IN IP4 1.2.3.4\r\n", SDP_O_SESS_ID_BYTES, 1 },
		{ "v=0\r\no=u 1 1 IN IP4 ", "\r\n", SDP_ADDR_TEXT_BYTES, 2 },
		{ "v=0\r\nc=IN IP4 ", "\r\n", SDP_ADDR_TEXT_BYTES, 3 },
		{ "v=0\r\ni=", "\r\n", SDP_I_LINE_BYTES, 4 },
		{ "v=0\r\nm=", " 1 RTP/AVP 0\r\n", SDP_MEDIA_NAME_BYTES, 5 },
		{ "v=0\r\nm=audio 1 ", " 0\r\n", SDP_PROTO_BYTES, 6 },
		{ "v=0\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 ", "\r\n",
		  SDP_ADDR_TEXT_BYTES, 7 },
		{ "v=0\r\nm=audio 1 RTP/AVP 96\r\na=rtpmap:96 ", "/8000\r\n",
		  SDP_CODEC_BYTES, 8 },
		{ "v=0\r\nm=audio 1 RTP/AVP 0\r\n"
		  "a=candidate:1 1 udp 1 1.2.3.4 5 typ ", "\r\n",
		  SDP_CAND_TYPE_BYTES, 9 },
	};
	char body[1024], val[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t vl = cases[i].cap - 2; vl <= cases[i].cap + 40;
		    vl++) {
			struct sdp *s = NULL;
			const char *got = NULL;
			int w;

			for (size_t k = 0; k < vl; k++)
				val[k] = (char)('a' + k % 26);
			val[vl] = '\0';
			w = snprintf(body, sizeof(body), "%s%s%s",
			    cases[i].prefix, val, cases[i].suffix);
			CU_ASSERT_EQUAL_FATAL(reparse((const uint8_t *)body,
			    (size_t)w, &s, NULL), 0);
			switch (cases[i].field) {
			case 0: got = s->o_user; break;
			case 1: got = s->o_sess_id; break;
			case 2: got = s->origin_text; break;
			case 3: got = s->conn_text; break;
			case 4: got = s->i_line; break;
			default:
				CU_ASSERT_EQUAL_FATAL(s->nmedia, 1);
				if (cases[i].field == 5)
					got = s->media[0].media;
				else if (cases[i].field == 6)
					got = s->media[0].proto;
				else if (cases[i].field == 7)
					got = s->media[0].conn_text;
				else if (cases[i].field == 8)
					got = s->media[0].codec;
				else if (s->media[0].ncand == 1)
					got = s->media[0].cand[0].type;
			}
			CU_ASSERT_PTR_NOT_NULL_FATAL(got);
			CU_ASSERT_EQUAL(strlen(got), vl < cases[i].cap ? vl :
			    cases[i].cap - 1);
			CU_ASSERT_EQUAL(strncmp(got, val, cases[i].cap - 1), 0);
			sdp_free(s);
		}
	}
}

/*
 * The result is one right-sized block: arrays sized to the counts seen,
 * strings stored once, everything inside [s, s + sdp_pack_size(s)).  A
 * packed copy equals the original and does not depend on it.
 */
static void
test_pack(void)
{
	struct sdp *s = NULL, *c;
	size_t n;
	char *buf;
	const char *lo, *hi;

	CU_ASSERT_EQUAL_FATAL(PARSE(full_body, &s, NULL), 0);
	n = sdp_pack_size(s);
	lo = (const char *)s;
	hi = lo + n;
	/*
	 * struct, two media, a zeroed candidate each, 3 + 1 payloads and
	 * about 80 bytes of strings: far below the old fixed-size struct.
	 */
	CU_ASSERT(n >= sizeof(struct sdp) + 2 * sizeof(struct sdp_media) +
	    4 * sizeof(int));
	CU_ASSERT(n < 700);
	CU_ASSERT((const char *)s->media >= lo && (const char *)s->media < hi);
	CU_ASSERT(s->o_user >= lo && s->o_user < hi);
	CU_ASSERT(s->media[1].codec >= lo && s->media[1].codec < hi);
	CU_ASSERT((const char *)s->media[0].payloads >= lo &&
	    (const char *)(s->media[0].payloads + 3) <= hi);
	/* The session c= text is shared by the media that inherit it. */
	CU_ASSERT_PTR_EQUAL(s->media[0].conn_text, s->conn_text);

	buf = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NULL(sdp_pack(s, buf, n - 1));
	c = sdp_pack(s, buf, n);
	CU_ASSERT_PTR_EQUAL_FATAL(c, (struct sdp *)buf);
	CU_ASSERT_EQUAL(sdp_pack_size(c), n);
	{
		/* Planned (each string measured once): the same n bytes,
		 * byte for byte once each pointer is taken relative to its
		 * block. */
		char *buf2 = calloc(1, n);
		struct sdp_plan plan;
		struct sdp *c2;

		CU_ASSERT_EQUAL(sdp_pack_plan(s, &plan), n);
		CU_ASSERT_EQUAL(plan.size, n);
		CU_ASSERT_PTR_NULL(sdp_pack_planned(s, &plan, NULL));
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf2);
		c2 = sdp_pack_planned(s, &plan, buf2);
		CU_ASSERT_PTR_EQUAL_FATAL(c2, (struct sdp *)buf2);
		CU_ASSERT_EQUAL(sdp_pack_size(c2), n);
		CU_ASSERT_EQUAL(c2->nmedia, c->nmedia);
		CU_ASSERT_EQUAL(c2->o_user - buf2, c->o_user - buf);
		CU_ASSERT_EQUAL(c2->media[1].codec - buf2,
		    c->media[1].codec - buf);
		CU_ASSERT_EQUAL((char *)c2->media[0].payloads - buf2,
		    (char *)c->media[0].payloads - buf);
		CU_ASSERT_STRING_EQUAL(c2->media[1].conn_text, "192.168.1.5");
		CU_ASSERT_EQUAL(memcmp(buf2 + n - 40, buf + n - 40, 40), 0);
		free(buf2);
	}
	sdp_free(s);
	CU_ASSERT_STRING_EQUAL(c->o_user, "alice");
	CU_ASSERT_STRING_EQUAL(c->i_line, "nat-trace 203.0.113.9");
	CU_ASSERT_EQUAL_FATAL(c->nmedia, 2);
	CU_ASSERT_EQUAL(c->media[0].npayloads, 3);
	CU_ASSERT_EQUAL(c->media[0].payloads[2], 101);
	CU_ASSERT_STRING_EQUAL(c->media[1].codec, "H264");
	CU_ASSERT_STRING_EQUAL(c->media[1].conn_text, "192.168.1.5");
	CU_ASSERT_STRING_EQUAL(epstr(&c->media[1].rtcp), "198.51.100.1:53020");
	CU_ASSERT_EQUAL(c->media[1].ncand, 0);
	CU_ASSERT_STRING_EQUAL(c->media[1].cand[0].type, "");
	free(buf);
}

/* A random address-like token: digits, dots, colons, hex, brackets,
 * slashes, '?', NUL, other bytes; no blank or line end. */
static size_t
rand_addr(uint64_t *x, char *b, size_t maxlen)
{
	static const char alpha[] = "0123456789...::abcdef[]/?xZ\0\x01\x80";
	size_t n;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	n = (size_t)(*x % (maxlen + 1));
	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		b[i] = alpha[*x % (sizeof(alpha) - 1)];
	}
	return n;
}

/* b + *o gets p[0..n). */
static void
put(char *b, size_t *o, const void *p, size_t n)
{
	memcpy(b + *o, p, n);
	*o += n;
}

/*
 * A c= address equal to the o= address before it (or a media c= equal
 * to the session c=) is copied from that parse, not parsed again: it
 * must give what a parse gives.  The reference is the same lines with
 * c= before o= (nothing parsed to copy from then), and a media c= in a
 * body without a session c=.  Addresses are random (equal to the
 * other half the time, a byte changed a quarter), with NULs, '?' (what
 * text_copy writes for a NUL), slashes, and lengths around the text
 * cap (62 to 65 bytes).
 */
static void
test_repeated_address(void)
{
	uint64_t x = 0x853c49e6748fea9bULL;
	size_t bad = 0;

	for (int i = 0; i < 60000; i++) {
		char a1[80], a2[80], b1[300], b2[300];
		size_t n1, n2, o1 = 0, o2 = 0;
		struct sdp *s1 = NULL, *s2 = NULL;
		struct anomalies an1, an2;
		int k = i % 4;

		n1 = rand_addr(&x, a1, i % 7 == 0 ? 66 : 20);
		if (i % 7 == 0 && n1 < 61)
			n1 = 61 + (size_t)(x % 5), memset(a1, '1', n1);
		if (k < 2) {
			memcpy(a2, a1, n1);
			n2 = n1;
		} else if (k == 2 && n1 > 0) {
			memcpy(a2, a1, n1);
			n2 = n1;
			a2[(x >> 9) % n1] = (x >> 20) % 2 ? '?' : '\0';
		} else {
			n2 = rand_addr(&x, a2, 20);
		}
		/* b1: o= then c=; b2: c= then o= (no copy possible). */
		put(b1, &o1, "v=0\r\no=- 1 1 IN IP4 ", 20);
		put(b1, &o1, a1, n1);
		put(b1, &o1, "\r\nc=IN IP4 ", 11);
		put(b1, &o1, a2, n2);
		put(b1, &o1, "\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 ", 32);
		put(b1, &o1, k == 1 ? a2 : a1, k == 1 ? n2 : n1);
		put(b1, &o1, "\r\n", 2);
		put(b2, &o2, "v=0\r\nc=IN IP4 ", 14);
		put(b2, &o2, a2, n2);
		put(b2, &o2, "\r\no=- 1 1 IN IP4 ", 17);
		put(b2, &o2, a1, n1);
		put(b2, &o2, "\r\nm=audio 9 RTP/AVP 0\r\n", 23);
		memset(&an1, 0, sizeof(an1));
		memset(&an2, 0, sizeof(an2));
		if (sdp_parse((const uint8_t *)b1, o1, &s1, &an1) != 0 ||
		    sdp_parse((const uint8_t *)b2, o2, &s2, &an2) != 0) {
			bad++;
		} else if (memcmp(&s1->origin, &s2->origin,
		    sizeof(s1->origin)) != 0 ||
		    strcmp(s1->origin_text, s2->origin_text) != 0 ||
		    memcmp(&s1->conn, &s2->conn, sizeof(s1->conn)) != 0 ||
		    strcmp(s1->conn_text, s2->conn_text) != 0 ||
		    s1->has_conn != s2->has_conn) {
			bad++;
		} else {
			/* The media c= against its parse in a body of its own. */
			char b3[200];
			size_t o3 = 0;
			struct sdp *s3 = NULL;
			struct anomalies an3;

			put(b3, &o3, "v=0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 ",
			    35);
			put(b3, &o3, k == 1 ? a2 : a1, k == 1 ? n2 : n1);
			put(b3, &o3, "\r\n", 2);
			memset(&an3, 0, sizeof(an3));
			/* (A media c= that does not parse leaves the
			 * session's in s1, nothing in s3.) */
			if (sdp_parse((const uint8_t *)b3, o3, &s3, &an3) != 0 ||
			    s1->nmedia != 1 || s3->nmedia != 1 ||
			    s1->media[0].conn_is_media !=
			    s3->media[0].conn_is_media ||
			    (s3->media[0].conn_is_media &&
			    (memcmp(&s1->media[0].conn, &s3->media[0].conn,
			    sizeof(s3->media[0].conn)) != 0 ||
			    strcmp(s1->media[0].conn_text,
			    s3->media[0].conn_text) != 0)))
				bad++;
			sdp_free(s3);
		}
		sdp_free(s1);
		sdp_free(s2);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* The reference: ASCII case-insensitive equality of v[0..n) and lc. */
static bool
ref_ieq(const char *v, size_t n, const char *lc)
{
	if (n != strlen(lc))
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)v[i];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lc[i])
			return false;
	}
	return true;
}

/*
 * Attribute names, "typ" and c='s "IN" are matched a word at a time:
 * each name, its case flipped at random places, bytes xored with 0x20
 * or 0x40 (a case flip for a letter, another byte for the rest), bytes
 * replaced, dropped or added, must take effect exactly when it equals
 * the name but for the case of its letters.
 */
static void
test_name_case(void)
{
	static const char *const names[] = { "sendrecv", "sendonly",
	    "recvonly", "inactive", "rtcp", "rtpmap", "ptime", "candidate",
	    "typ", "in" };
	static const enum sdp_dir dirs[] = { SDP_SENDRECV, SDP_SENDONLY,
	    SDP_RECVONLY, SDP_INACTIVE };
	uint64_t x = 0x9fb21c651e98df25ULL;
	size_t bad = 0;

	for (int i = 0; i < 80000; i++) {
		const char *nm = names[i % 10];
		char v[16], b[200];
		size_t n = strlen(nm), o = 0;
		struct sdp *s = NULL;
		struct anomalies an;
		bool want, got;

		memcpy(v, nm, n);
		for (int k = 0; k < 3; k++) {
			size_t at;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			at = (size_t)(x >> 8) % n;
			switch ((x >> 40) % 8) {
			case 0: case 1: case 2:
				v[at] = (char)(v[at] ^ 0x20);
				break;
			case 3:
				v[at] = (char)(v[at] ^ 0x40);
				break;
			case 4:
				v[at] = (char)(x >> 48);
				break;
			case 5:
				if (n > 1)
					memmove(v + at, v + at + 1, --n - at);
				break;
			case 6:
				if (n < sizeof(v) - 1) {
					memmove(v + at + 1, v + at, n++ - at);
					v[at] = (char)('a' + (x >> 52) % 26);
				}
				break;
			default:
				break;
			}
		}
		/* No blank, line end or colon: those split the line. */
		for (size_t k = 0; k < n; k++)
			if (v[k] == ' ' || v[k] == '\t' || v[k] == '\r' ||
			    v[k] == '\n' || v[k] == ':')
				v[k] = 'Q';
		want = ref_ieq(v, n, nm);
		put(b, &o, "v=0\r\n", 5);
		if (i % 10 == 9) {
			put(b, &o, "c=", 2);
			put(b, &o, v, n);
			put(b, &o, " IP4 10.0.0.1\r\n", 15);
		}
		put(b, &o, "m=audio 9 RTP/AVP 96\r\na=", 24);
		if (i % 10 == 8) {
			put(b, &o, "candidate:1 1 UDP 1 10.0.0.1 5000 ", 34);
			put(b, &o, v, n);
			put(b, &o, " host\r\n", 7);
		} else if (i % 10 < 8) {
			put(b, &o, v, n);
			put(b, &o, i % 10 == 4 ? ":5000\r\n" : i % 10 == 5 ?
			    ":96 opus/48000\r\n" : i % 10 == 6 ? ":20\r\n" :
			    i % 10 == 7 ? ":1 1 UDP 1 10.0.0.1 5000 typ host\r\n" :
			    "\r\n", i % 10 == 4 ? 7 : i % 10 == 5 ? 16 :
			    i % 10 == 6 ? 5 : i % 10 == 7 ? 35 : 2);
		}
		memset(&an, 0, sizeof(an));
		if (sdp_parse((const uint8_t *)b, o, &s, &an) != 0 ||
		    s->nmedia != 1) {
			bad++;
			sdp_free(s);
			continue;
		}
		switch (i % 10) {
		case 4:
			got = s->media[0].has_rtcp;
			break;
		case 5:
			got = strcmp(s->media[0].codec, "opus") == 0;
			break;
		case 6:
			got = s->media[0].ptime_ms == 20;
			break;
		case 7: case 8:
			got = s->media[0].ncand == 1;
			break;
		case 9:
			got = s->has_conn;
			break;
		default: {
			/* Any of the four names may be hit; none: sendrecv. */
			enum sdp_dir d = SDP_SENDRECV;

			for (int k = 0; k < 4; k++)
				if (ref_ieq(v, n, names[k]))
					d = dirs[k];
			got = want = true;
			if (s->media[0].dir != d)
				got = false;
			break;
		}
		}
		if (got != want)
			bad++;
		sdp_free(s);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Appends everything s holds, as text, to b (at most n bytes). */
static void
dump_sdp(const struct sdp *s, char *b, size_t n)
{
	size_t o = 0;

#define OUT(...) \
	do { \
		int w_ = snprintf(b + o, n - o, __VA_ARGS__); \
		if (w_ > 0) \
			o += (size_t)w_ < n - o ? (size_t)w_ : n - o - 1; \
	} while (0)
	OUT("o=%s|%s|%llu|%s|%s c=%d|%s|%s i=%d|%s dir=%d n=%d\n",
	    s->o_user, s->o_sess_id, (unsigned long long)s->o_version,
	    epstr(&s->origin), s->origin_text, s->has_conn, epstr(&s->conn),
	    s->conn_text, s->has_i, s->i_line, (int)s->dir, s->nmedia);
	for (int i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];

		OUT("m=%s|%u|%u|%s c=%d|%d|%s|%s rtcp=%d|%s dir=%d "
		    "codec=%s|%u ptime=%d ev=%d pt=", m->media, m->port,
		    m->nports, m->proto, m->has_conn, m->conn_is_media,
		    epstr(&m->conn), m->conn_text, m->has_rtcp,
		    epstr(&m->rtcp), (int)m->dir, m->codec, m->clock_rate,
		    m->ptime_ms, m->event_pt);
		for (int k = 0; k < m->npayloads; k++)
			OUT("%d,", m->payloads[k]);
		OUT(" cand=");
		for (int k = 0; k < m->ncand; k++)
			OUT("%s %s,", epstr(&m->cand[k].addr), m->cand[k].type);
		OUT("\n");
	}
#undef OUT
}

/* xorshift64 */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Appends a random field to b: pieces of real values (numbers of 0 to
 * 24 digits, addresses, names, slashes, dots, colons) and, now and then,
 * the bytes the word scans could confuse with the ones they look for
 * (each separator xor 1: VT for LF, ';' for ':', '/' and '.' for each
 * other), controls, NUL and bytes above 0x7f.
 */
static void
rand_field(uint64_t *x, char *b, size_t *o, size_t cap)
{
	static const char *const pieces[] = { "IN", "IP4", "IP6", "in",
	    "ip4", "10.0.0.1", "192.168.1.5", "0.0.0.0", "224.2.1.1/127/3",
	    "2001:db8::1", "[2001:db8::2]", "::ffff:1.2.3.4", "host.example",
	    "audio", "video", "image", "RTP/AVP", "RTP/SAVP", "udptl",
	    "t38", "PCMU/8000", "opus/48000/2", "telephone-event/8000",
	    "sendrecv", "SENDONLY", "recvonly", "inactive", "rtcp:",
	    "rtpmap:", "ptime:", "candidate:", "typ", "host", "srflx",
	    "relay", "20.0", "0", "8", "96", "101", "127", "128", "65535",
	    "65536", "49170/2", "5000/0", "-", "*", "/", ":", "." };
	int parts = 1 + (int)(rnd(x) % 3);

	for (int k = 0; k < parts && *o < cap; k++) {
		uint64_t r = rnd(x);
		size_t n;

		switch (r % 8) {
		case 0: case 1: case 2: {
			const char *pc = pieces[(r >> 8) %
			    (sizeof(pieces) / sizeof(pieces[0]))];

			n = strlen(pc);
			if (n > cap - *o)
				n = cap - *o;
			memcpy(b + *o, pc, n);
			*o += n;
			break;
		}
		case 3: case 4:
			n = (r >> 8) % 25;
			for (size_t i = 0; i < n && *o < cap; i++)
				b[(*o)++] = (char)('0' + rnd(x) % 10);
			break;
		case 5: {
			static const char odd[] = { 0x0b, ';', '/', '.', ':',
			    '\r', '\n', '\t', ' ', 0, 0x01, 0x21, (char)0x80,
			    (char)0xff, 0x0a ^ 0x20, '=' };

			b[(*o)++] = odd[(r >> 8) % sizeof(odd)];
			break;
		}
		default:
			n = (r >> 8) % 12;
			for (size_t i = 0; i < n && *o < cap; i++)
				b[(*o)++] = (char)('a' + rnd(x) % 26);
			break;
		}
	}
}

/* A random SDP-like body of at most cap bytes into b; its length. */
static size_t
rand_body(uint64_t *x, char *b, size_t cap)
{
	static const char *const starts[] = { "o=", "s=", "i=", "c=", "t=",
	    "m=", "a=", "a=", "a=", "b=", "k=", "z=", "C=", "1=", "x", "",
	    "m=", "c=" };
	static const char *const ends[] = { "\r\n", "\r\n", "\r\n", "\n",
	    "\r", "\r\r\n", "\n\n", " \r\n", "\t\n" };
	size_t o = 0, lines = rnd(x) % 24;

	if (rnd(x) % 16 != 0) {
		/* v= first, after a blank line now and then */
		const char *v = rnd(x) % 8 == 0 ? "\r\nv=0\r\n" : "v=0\r\n";

		o = strlen(v);
		memcpy(b, v, o);
	}
	for (size_t l = 0; l < lines && o + 8 < cap; l++) {
		const char *st = starts[rnd(x) % (sizeof(starts) /
		    sizeof(starts[0]))];
		const char *en = ends[rnd(x) % (sizeof(ends) /
		    sizeof(ends[0]))];
		int fields = (int)(rnd(x) % 9);

		memcpy(b + o, st, strlen(st));
		o += strlen(st);
		for (int f = 0; f < fields && o + 4 < cap; f++) {
			rand_field(x, b, &o, cap - 4);
			b[o++] = rnd(x) % 9 == 0 ? '\t' : ' ';
			if (rnd(x) % 7 == 0)
				b[o++] = ' ';
		}
		if (rnd(x) % 3 != 0 && o > 0 && (b[o - 1] == ' ' ||
		    b[o - 1] == '\t'))
			o--;
		if (o + strlen(en) <= cap) {
			memcpy(b + o, en, strlen(en));
			o += strlen(en);
		}
	}
	/* Truncated now and then, anywhere. */
	if (o > 0 && rnd(x) % 5 == 0)
		o = (size_t)(rnd(x) % (o + 1));
	return o;
}

/*
 * The fast paths (word-at-a-time line, field and separator scans,
 * inline numbers and names) against the reference build of the same
 * file (SDP_REFERENCE): random bodies (rand_body: real and broken
 * lines, every line end, truncation, separators and their look-alikes)
 * and crafted ones must give the same return code, anomalies and
 * contents, through sdp_parse and sdp_parse_scratch, and the same packed
 * size.  Each body is parsed from a block of exactly its size, so a
 * sanitizer build catches any read past it.
 */
static void
test_reference(void)
{
	static const char *const crafted[] = {
	    "v=0\r\nc=IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.2\r\n"
	    "m=audio 5000 RTP/AVP 0\r\n",
	    "v=0\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 10.0.0.3\r\n"
	    "c=IN IP4 10.0.0.4/127\r\nm=video 0 RTP/AVP 96\r\n",
	    "v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 5000/2 RTP/AVP 0 8\r\n"
	    "a=rtcp:5003 IN IP6 2001:db8::9\r\n",
	    "v=0\nc=IN IP4 1.2.3.4\nm=audio 7 RTP/AVP 0\na=rtcp:99999\n"
	    "a=ptime:20.5\na=rtpmap:0 PCMU/8000/1\n",
	    "v=0\r\nm=audio 65536 RTP/AVP 0\r\nm=audio 1 RTP/AVP 128 x\r\n",
	    "v=0\r\no=- 18446744073709551615 18446744073709551616 IN IP4 "
	    "1.2.3.4\r\n",
	    "v=0\r\nm=audio 9 RTP/AVP 0\r\na=sendonly\x0b\r\na=rtcp\x0b:1\n",
	    "v=0\r\nc=IN IP4 10.0.0.1\n\x0bm=audio 9 RTP/AVP 0\r\n",
	    "v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PC\xc3\xa9MU/8000\r\n"
	    "a=candidate:1 1 UDP 9 10.0.0.1 5000 typ host\r\n",
	    "\r\n\r\nv=0\r\r\nm=audio 9 RTP/AVP 0",
	    /* parse_c's "IN IP4 " fast path and its near misses */
	    "v=0\r\nc=IN IP4 10.0.0.1 \t \r\nm=audio 9 RTP/AVP 0\r\n"
	    "c=IN IP6 2001:db8::1/64\r\n",
	    "v=0\r\nc=IN IP4 \t10.0.0.1\r\nm=audio 9 RTP/AVP 0\r\n"
	    "c=IN IP4 10.0.0.1 x\r\n",
	    "v=0\r\nc=IN IP45 1.2.3.4\r\nc=IN IP4 1\x0b2.3.4\r\n"
	    "c=IN IP4  \r\nc=IN IP4 \r\nc=IN IP4 a\r\nc=in IP4 1.2.3.4\r\n",
	    "v=0\r\nc=IN IP4 \x00.0.0.1\r\nc=IN\tIP4 1.2.3.4\r\n"
	    "c=IN IP6 10.0.0.1/127/3\r\nm=audio 9 RTP/AVP 0\r\n"
	    "c=IN IP4 host-name-longer-than-eight.example\r\n",
	    /* span_chr: separators before, at and after eight bytes */
	    "v=0\r\nm=audio 9 RTP/AVP 96\r\n"
	    "a=rtpmap:96 telephone-event/8000/1\r\na=rtpmap:96 abcdefg/8\r\n"
	    "a=rtpmap:96 abcdefgh/8\r\na=rtpmap:96 abcdefghi/8\r\n"
	    "a=rtcp:9 IN IP4 224.2.1.123/127\r\na=ptime:12345678.9\r\n"
	    "a=ptime:1234567.8\r\na=abcdefghijklmnop:1\r\n"
	    "a=abcdefghijklmnopq\r\n",
	    /* struct lines: LFs at and around the 64-byte block edges */
	    "v=0\r\n"
	    "a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
	    "\na=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n"
	    "m=audio 9 RTP/AVP 0\r\nc=IN IP4 10.0.0.1",
	    "v=0\r\nm=audio 9 RTP/AVP 0 8 18 101 96 97 98 99 100 102 103 "
	    "104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 "
	    "119 120 121 122 123 124 125 126 127\r\n",
	    /*
	     * o='s " IN IP4 " fast path and its near misses, one a body (a
	     * later o= replaces an earlier one)
	     */
	    "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\n",
	    "v=0\r\no=- 1 2 IN IP6 ::1 extra\r\n",
	    "v=0\r\no=- 1 2 IN IP4  10.0.0.9\r\n",
	    "v=0\r\no=- 1 2 IN IP4 \tx\r\n",
	    "v=0\r\no=- 1 2  IN IP4 10.0.0.2\r\n",
	    "v=0\r\no=- 1 2 IN IP4 \r\n",
	    "v=0\r\no=- 1 2 IN IP4\r\n",
	    "v=0\r\no=- 1 2 in ip4 h\r\n",
	    "v=0\r\no=- 1 2 IN IP5 10.0.0.3\r\n",
	    "v=0\r\no=- 1 2\tIN IP4 10.0.0.4\r\n",
	    "v=0\r\no=- 1 2 IN\tIP4 10.0.0.5\r\n",
	    "v=0\r\no=- 1 2 IN IP4\t10.0.0.6\r\n",
	    "v=0\r\no=- 1 2 IN IP4 1",
	    "v=0\r\no=- 1 2 IN IP4 \x0b",
	    /* numbers read eight digits a word: every length, near digits */
	    "v=0\r\no=- 1 123 IN IP4 1.2.3.4\r\nm=audio 123 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/123\r\na=ptime:123\r\n",
	    "v=0\r\no=- 1 12345678 IN IP4 1.2.3.4\r\n"
	    "m=audio 12345678 RTP/AVP 0\r\na=rtpmap:0 PCMU/12345678\r\n",
	    "v=0\r\no=- 1 123456789 IN IP4 1.2.3.4\r\n"
	    "m=audio 65535/65535 RTP/AVP 0\r\na=rtpmap:0 PCMU/4294967295\r\n"
	    "a=ptime:100000\r\n",
	    "v=0\r\no=- 1 1234567890123456 IN IP4 1.2.3.4\r\n"
	    "m=audio 065535 RTP/AVP 0\r\na=rtpmap:0 PCMU/4294967296\r\n"
	    "a=ptime:100001\r\n",
	    "v=0\r\no=- 1 12345678901234567 IN IP4 1.2.3.4\r\n"
	    "m=audio 0000065536 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/2\r\n"
	    "a=ptime:20.000\r\n",
	    "v=0\r\no=- 1 1234567:9 IN IP4 1.2.3.4\r\n"
	    "m=audio 12/ RTP/AVP 0\r\na=rtpmap:0 PCMU/80;0\r\n",
	    "v=0\r\no=- 1 12345678/ IN IP4 1.2.3.4\r\n"
	    "m=audio 1234? RTP/AVP 0\r\na=rtpmap:0 PCMU/.800\r\n",
	    "v=0\r\no=- 1 123456789012345? IN IP4 1.2.3.4\r\n"
	    "m=audio 5000/ RTP/AVP 0\r\na=ptime:2/0\r\n",
	    "v=0\r\no=- 1 ?23456789012345 IN IP4 1.2.3.4\r\n"
	    "m=audio 500\x7f RTP/AVP 0\r\na=ptime:1 0\r\n",
	    "v=0\r\no=- 1 1234567\x3a IN IP4 1.2.3.4\r\n"
	    "m=audio \x2f" "000 RTP/AVP 0\r\na=ptime:\xb0\xb0\xb0\r\n",
	    "v=\nm=a 123",
	    "v=\no=a b 123456789",
	};
	uint64_t x = 0x2545f4914f6cdd1dULL;
	size_t bad = 0, parsed = 0;
	bool shown = false;
	void *room = malloc(sdp_scratch_size());
	void *rroom = malloc(ref_sdp_scratch_size());

	CU_ASSERT_FATAL(room != NULL && rroom != NULL);
	for (int i = 0; i < 200000 + (int)(sizeof(crafted) /
	    sizeof(crafted[0])); i++) {
		char tmp[600], d1[4096] = "", d2[4096] = "";
		size_t len;
		uint8_t *body;
		struct sdp *s1 = NULL, *s2 = NULL, *t1 = NULL, *t2 = NULL;
		struct sdp *pk = NULL;
		struct sdp_plan plan;
		struct anomalies an1, an2, an3, an4;
		int r1, r2, r3, r4;

		if (i < (int)(sizeof(crafted) / sizeof(crafted[0]))) {
			len = strlen(crafted[i]);
			memcpy(tmp, crafted[i], len);
		} else {
			len = rand_body(&x, tmp, i % 50 == 0 ? sizeof(tmp) :
			    200);
		}
		body = malloc(len > 0 ? len : 1);
		CU_ASSERT_FATAL(body != NULL);
		memcpy(body, tmp, len);
		memset(&an1, 0, sizeof(an1));
		memset(&an2, 0, sizeof(an2));
		memset(&an3, 0, sizeof(an3));
		memset(&an4, 0, sizeof(an4));
		r1 = sdp_parse(body, len, &s1, &an1);
		r2 = ref_sdp_parse(body, len, &s2, &an2);
		r3 = sdp_parse_scratch(body, len, room, &t1, &an3);
		r4 = ref_sdp_parse_scratch(body, len, rroom, &t2, &an4);
		if (r1 != r2 || r3 != r4 || memcmp(&an1, &an2,
		    sizeof(an1)) != 0 || memcmp(&an3, &an4, sizeof(an3)) != 0 ||
		    (s1 == NULL) != (s2 == NULL) || (t1 == NULL) != (t2 == NULL)) {
			bad++;
		} else if (s1 != NULL) {
			parsed++;
			dump_sdp(s1, d1, sizeof(d1));
			dump_sdp(s2, d2, sizeof(d2));
			if (strcmp(d1, d2) != 0)
				bad++;
			dump_sdp(t1, d1, sizeof(d1));
			if (strcmp(d1, d2) != 0 ||
			    sdp_pack_size(t1) != ref_sdp_pack_size(t2))
				bad++;
			/* Packed from a plan: the strings' noted lengths. */
			if (sdp_pack_plan(t1, &plan) != sdp_pack_size(t1) ||
			    (pk = malloc(plan.size)) == NULL ||
			    sdp_pack_planned(t1, &plan, pk) != pk)
				bad++;
			else {
				dump_sdp(pk, d1, sizeof(d1));
				if (strcmp(d1, d2) != 0 ||
				    sdp_pack_size(pk) != plan.size)
					bad++;
			}
			free(pk);
			pk = NULL;
		}
		if (bad > 0 && !shown) {
			/* The first difference, for whoever breaks it. */
			fprintf(stderr, "\nbody %d (%zu bytes) differs: %d %d\n"
			    "%s\n--- reference:\n%s\n", i, len, r1, r2, d1, d2);
			shown = true;
		}
		sdp_free(s1);
		ref_sdp_free(s2);
		free(body);
	}
	free(room);
	free(rroom);
	CU_ASSERT_EQUAL(bad, 0);
	/* The bodies mostly parse (else little was compared). */
	CU_ASSERT(parsed > 100000);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("sdp", NULL, NULL);
	if (su == NULL ||
	    CU_add_test(su, "full body", test_full) == NULL ||
	    CU_add_test(su, "port 0, LF, defaults", test_port0_lf_and_defaults) == NULL ||
	    CU_add_test(su, "static payload table", test_static_table) == NULL ||
	    CU_add_test(su, "ICE candidates, IPv6", test_ice) == NULL ||
	    CU_add_test(su, "hold, host names, multicast", test_hold_and_hosts) == NULL ||
	    CU_add_test(su, "i= lines", test_i_media_level) == NULL ||
	    CU_add_test(su, "not SDP", test_not_sdp) == NULL ||
	    CU_add_test(su, "malformed lines", test_malformed) == NULL ||
	    CU_add_test(su, "caps", test_caps) == NULL ||
	    CU_add_test(su, "truncation loop", test_truncation_loop) == NULL ||
	    CU_add_test(su, "direction helpers", test_dir_helpers) == NULL ||
	    CU_add_test(su, "binary bytes", test_binary_bytes) == NULL ||
	    CU_add_test(su, "control bytes in tokens",
	    test_control_bytes_in_tokens) == NULL ||
	    CU_add_test(su, "string caps", test_string_caps) == NULL ||
	    CU_add_test(su, "one right-sized block", test_pack) == NULL ||
	    CU_add_test(su, "repeated address", test_repeated_address) == NULL ||
	    CU_add_test(su, "names in any case", test_name_case) == NULL ||
	    CU_add_test(su, "fast paths = reference", test_reference) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	{
		unsigned int fails = CU_get_number_of_failures();

		CU_cleanup_registry();
		return fails != 0;
	}
}
