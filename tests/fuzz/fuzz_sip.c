/*
 * fuzz_sip.c - libFuzzer target: SIP framing and parsing.
 *
 * The input is one transport payload.  It goes through both framers, as
 * UDP (sipframe_datagram) and as a byte stream (sipframe_stream, message
 * after message as the TCP framer would cut it), and every framed message is
 * parsed with sipmsg_parse() and read back through the accessors the
 * reports use (label, user@host of each URI, raw header lookup).  The
 * parsed strings are walked to their NUL so ASan sees any string that
 * points outside the message's block.  The ingest stage's one-reading
 * form (sipframe_datagram_sip) must frame as the two calls do, and the
 * parse given its line ends must give what the parse alone gives:
 * otherwise the target aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sipframe.h"
#include "sip/sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void
touch(const char *s)
{
	sink += strlen(s);
}

static void
parse_one(const uint8_t *p, size_t len, struct anomalies *an)
{
	static const char *const names[] = { "Call-ID", "Via", "X-Nope",
	    "Content-Type", "CSeq", "" };
	struct sipmsg *m;
	char buf[256], small[4];

	m = sipmsg_parse(p, len, an);
	if (m == NULL)
		return;
	touch(sipmsg_label(m, buf, sizeof(buf)));
	touch(sipmsg_label(m, small, sizeof(small)));
	touch(sipmsg_uri_userhost(m->ruri, buf, sizeof(buf)));
	touch(sipmsg_uri_userhost(m->from_uri, buf, sizeof(buf)));
	touch(sipmsg_uri_userhost(m->to_uri, small, sizeof(small)));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		touch(sipmsg_header(m, names[i], buf, sizeof(buf)));
	touch(sipmsg_header(m, "From", small, sizeof(small)));
	touch(m->method);
	touch(m->reason);
	touch(m->call_id);
	touch(m->from_tag);
	touch(m->to_display);
	touch(m->cseq_method);
	touch(m->user_agent);
	touch(m->content_type);
	for (int i = 0; i < m->nvia; i++) {
		touch(m->via[i].host);
		touch(m->via[i].branch);
		touch(m->via[i].received);
	}
	for (int i = 0; i < m->ncontact; i++)
		touch(m->contact[i].uri);
	if (m->sdp != NULL)
		for (int i = 0; i < m->sdp->nmedia; i++)
			touch(m->sdp->media[i].codec);
	sink += sipmsg_mem_bytes(m);
	sipmsg_free(m);
}

/*
 * sipframe_datagram_sip() against sipframe_looks_like_sip() and
 * sipframe_datagram(), and the parse with its line ends against the
 * parse without (the same refusal, anomalies and size).
 */
static void
one_reading(const uint8_t *data, size_t size)
{
	struct anomalies a1, a2;
	struct sipframe_lines ln;
	const struct sipmsg_lend lend = { NULL, NULL, NULL, &ln };
	enum sipframe_rc rc1 = SIPFRAME_ERROR, rc2;
	size_t ml1 = 0, bo1 = 0, ml2, bo2;
	struct sipmsg *x, *y;
	bool sip;

	memset(&a1, 0, sizeof(a1));
	memset(&a2, 0, sizeof(a2));
	sip = sipframe_looks_like_sip(data, size);
	if (sip)
		rc1 = sipframe_datagram(data, size, &ml1, &bo1, &a1);
	if (sipframe_datagram_sip(data, size, &rc2, &ml2, &bo2, &ln, &a2) !=
	    sip || rc1 != rc2 || ml1 != ml2 || bo1 != bo2 ||
	    memcmp(&a1, &a2, sizeof(a1)) != 0)
		abort();
	if (rc2 != SIPFRAME_OK)
		return;
	x = sipmsg_parse(data, ml2, &a1);
	y = sipmsg_parse_with(data, ml2, &lend, &a2);
	if ((x == NULL) != (y == NULL) || memcmp(&a1, &a2, sizeof(a1)) != 0 ||
	    (x != NULL && sipmsg_mem_bytes(x) != sipmsg_mem_bytes(y)))
		abort();
	sipmsg_free(x);
	sipmsg_free(y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anomalies an;
	size_t msg_len, body_off, skipped, off;
	const uint8_t *v;
	size_t vlen;

	memset(&an, 0, sizeof(an));
	sipmsg_global_init();
	sink += sipframe_looks_like_sip(data, size);
	sink += (size_t)sipframe_start(data, size);
	if (sipframe_datagram(data, size, &msg_len, &body_off, &an) ==
	    SIPFRAME_OK) {
		if (sipframe_header(data, body_off, "Call-ID", 'i', &v, &vlen))
			sink += vlen;
		if (sipframe_header(data, body_off, "Content-Length", 'l', &v,
		    &vlen))
			sink += vlen;
		parse_one(data, msg_len, &an);
	}
	/* The same bytes as a stream: frame messages one after another. */
	off = 0;
	while (off < size) {
		enum sipframe_rc rc = sipframe_stream(data + off, size - off,
		    &skipped, &msg_len, &an);

		if (rc != SIPFRAME_OK)
			break;
		parse_one(data + off + skipped, msg_len, &an);
		if (skipped + msg_len == 0)
			break;
		off += skipped + msg_len;
	}
	/* sipmsg_parse on the raw input too: it must cope with unframed bytes. */
	parse_one(data, size, &an);
	one_reading(data, size);
	return 0;
}
