/*
 * test_tcpstream.c - CUnit tests for TCP stream reassembly alone
 * (analyzer/ingest/tcpstream.c): sequence space without any protocol.
 *
 * A recording application layer stands in for the framers: it keeps the
 * bytes each direction delivers, answers gaps as the test tells it, and
 * counts releases.  The bytes are binary (never SIP), so everything
 * checked here is what the stream does by itself: ordering, trimming of
 * retransmissions and overlaps, holding out-of-order segments, declaring
 * gaps, SYN/FIN/RST, expiry, and the contract with the layer above
 * (from_start, TCP_APP_IGNORE, the app state zeroed on a restart).
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "base/anomaly.h"
#include "base/caps.h"
#include "ingest/pkt.h"
#include "ingest/tcpstream.h"

#define STREAM_MAX 8192

/* The per-direction state the stream keeps for the recorder. */
struct rec_app {
	int id;          /* 1 + direction, set on first data; 0 when fresh */
	int calls;
};

struct rec {
	uint8_t bytes[2][STREAM_MAX];
	size_t n[2];
	int calls[2];
	bool from_start[2];          /* at the last call */
	int gaps;
	enum tcp_gap_rc gap_rc;      /* what to answer to a gap */
	int ignore_after;            /* answer IGNORE at this call (0: never) */
	int releases;
	int fresh;                   /* first calls that found a zero state */
};

static struct rec rec;
static struct anomalies an;
static struct tcp_stream *ts;
static uint64_t frameno;

static int
dir_of(const struct pkt *p)
{
	return p->src.port == 5060 ? 0 : 1;
}

static enum tcp_app_rc
rec_data(void *user, void *app, bool from_start, const uint8_t *data,
    size_t n, const struct pkt *p, struct anomalies *a)
{
	struct rec *r = user;
	struct rec_app *s = app;
	int d = dir_of(p);

	(void)a;
	if (s->id == 0 && s->calls == 0) {
		r->fresh++;
		s->id = 1 + d;
	}
	s->calls++;
	CU_ASSERT_EQUAL(s->id, 1 + d);
	/* The bytes are those of the segment p, after any trimmed head. */
	CU_ASSERT_TRUE(data >= p->payload && data + n <= p->payload + p->len);
	if (r->n[d] + n <= STREAM_MAX) {
		memcpy(r->bytes[d] + r->n[d], data, n);
		r->n[d] += n;
	}
	r->calls[d]++;
	r->from_start[d] = from_start;
	if (r->ignore_after != 0 && r->calls[d] == r->ignore_after)
		return TCP_APP_IGNORE;
	return TCP_APP_OK;
}

static enum tcp_gap_rc
rec_gap(void *user, void *app, struct anomalies *a)
{
	struct rec *r = user;

	(void)app;
	(void)a;
	r->gaps++;
	return r->gap_rc;
}

static void
rec_release(void *user, void *app)
{
	struct rec *r = user;

	(void)app;
	r->releases++;
}

static const struct tcp_stream_ops rec_ops = {
	sizeof(struct rec_app), rec_data, rec_gap, rec_release
};

static void
reset(void)
{
	tcp_stream_free(ts);
	memset(&rec, 0, sizeof(rec));
	memset(&an, 0, sizeof(an));
	ts = tcp_stream_new(&rec_ops, &rec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	frameno = 0;
}

/* Direction 0 is 10.0.0.1:5060 -> 10.0.0.2:6060, 1 the reverse. */
static void
seg_at(int dir, uint32_t seq, uint8_t flags, const void *data, size_t len,
    int64_t ts_ns)
{
	struct pkt p;
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	memset(&p, 0, sizeof(p));
	p.frame = ++frameno;
	p.ts_ns = ts_ns;
	p.l4 = PKT_TCP;
	p.src.family = p.dst.family = 4;
	memcpy(p.src.ip, dir ? b : a, 4);
	memcpy(p.dst.ip, dir ? a : b, 4);
	p.src.port = dir ? 6060 : 5060;
	p.dst.port = dir ? 5060 : 6060;
	p.payload = data;
	p.len = len;
	p.tcp_flags = flags | PKT_TCP_ACK;
	p.tcp_seq = seq;
	tcp_stream_segment(ts, &p, &an);
}

static void
seg(int dir, uint32_t seq, uint8_t flags, const void *data, size_t len)
{
	seg_at(dir, seq, flags, data, len, (int64_t)(frameno + 1) * 1000000);
}

/* Binary stream bytes: never SIP, never TLS, nothing a framer knows. */
static uint8_t data[4096];

static void
fill(void)
{
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x80 + (i * 7) % 97);
}

static void
test_in_order_and_trim(void)
{
	reset();
	fill();
	seg(0, 99, PKT_TCP_SYN, NULL, 0);
	seg(0, 100, 0, data, 100);
	seg(0, 150, 0, data + 50, 100);		/* half seen before */
	seg(0, 100, 0, data, 150);		/* all seen before */
	seg(0, 250, 0, data + 150, 20);
	CU_ASSERT_EQUAL(rec.n[0], 170);
	CU_ASSERT_EQUAL(memcmp(rec.bytes[0], data, 170), 0);
	CU_ASSERT_EQUAL(rec.calls[0], 3);	/* the full copy goes nowhere */
	CU_ASSERT_TRUE(rec.from_start[0]);
	CU_ASSERT_EQUAL(rec.fresh, 1);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 1);
	/* A capture that starts mid-connection: not from the start. */
	seg(1, 5000, 0, data, 10);
	CU_ASSERT_EQUAL(rec.n[1], 10);
	CU_ASSERT_FALSE(rec.from_start[1]);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 2);
}

/*
 * Every order, copy and overlap of the pieces gives the same bytes, with
 * the sequence numbers wrapping.  At most 8 pieces and 6 copies are in
 * flight, so fewer than 16 wait and no gap is declared.
 */
static void
test_reorder_random(void)
{
	size_t total = 1500;

	fill();
	srand(7);
	for (int round = 0; round < 200; round++) {
		uint32_t isn = (uint32_t)round * 0x3fffffffu - 700;
		size_t cut[9], ncut = 8, order[8];

		reset();
		seg(0, isn, PKT_TCP_SYN, NULL, 0);
		cut[0] = 0;
		for (size_t i = 1; i < ncut; i++)
			cut[i] = cut[i - 1] + 1 + (size_t)rand() % 180;
		cut[ncut] = total;
		for (size_t i = 0; i < ncut; i++)
			order[i] = i;
		for (size_t i = ncut - 1; i > 0; i--) {
			size_t j = (size_t)rand() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (size_t k = 0; k < ncut; k++) {
			size_t i = order[k];

			if (k < 6) {
				/* A copy that runs on into the next piece. */
				size_t end = cut[i + 1] + (size_t)rand() % 60;

				if (end > total)
					end = total;
				seg(0, isn + 1 + (uint32_t)cut[i], 0,
				    data + cut[i], end - cut[i]);
			}
			seg(0, isn + 1 + (uint32_t)cut[i], 0, data + cut[i],
			    cut[i + 1] - cut[i]);
		}
		CU_ASSERT_EQUAL(rec.n[0], total);
		CU_ASSERT_EQUAL(memcmp(rec.bytes[0], data, total), 0);
		CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 0);
	}
}

/*
 * A fresh direction answering gaps with rc: 10 bytes, then bytes 11..20
 * never captured, then held 10-byte segments (held of them) after the
 * gap.
 */
static void
gap_setup(enum tcp_gap_rc rc, int held)
{
	reset();
	fill();
	rec.gap_rc = rc;
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, data, 10);
	for (int i = 0; i < held; i++)
		seg(0, 21 + (uint32_t)i * 10, 0, data + 20 + i * 10, 10);
}

/* A gap that never fills is declared after 16 held segments. */
static void
test_gap(void)
{
	gap_setup(TCP_GAP_RESYNC, 16);
	CU_ASSERT_EQUAL(rec.n[0], 10);
	CU_ASSERT_EQUAL(rec.gaps, 0);
	seg(0, 181, 0, data + 180, 10);		/* the 17th held */
	CU_ASSERT_EQUAL(rec.gaps, 1);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 1);
	CU_ASSERT_EQUAL(rec.n[0], 180);
	CU_ASSERT_EQUAL(memcmp(rec.bytes[0] + 10, data + 20, 170), 0);
	CU_ASSERT_TRUE(rec.from_start[0]);	/* RESYNC keeps it */

	/* RESTART: from now on the direction is not from the start. */
	gap_setup(TCP_GAP_RESTART, 17);
	CU_ASSERT_EQUAL(rec.gaps, 1);
	CU_ASSERT_FALSE(rec.from_start[0]);
	CU_ASSERT_EQUAL(rec.n[0], 180);

	/* IGNORE: the held bytes are dropped and nothing more comes. */
	gap_setup(TCP_GAP_IGNORE, 17);
	CU_ASSERT_EQUAL(rec.gaps, 1);
	CU_ASSERT_EQUAL(rec.n[0], 10);
	CU_ASSERT_EQUAL(rec.releases, 1);
	seg(0, 191, 0, data + 190, 10);
	CU_ASSERT_EQUAL(rec.n[0], 10);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 1);
}

/* At FIN every remaining gap is declared and the held bytes go up. */
static void
test_fin_and_expiry(void)
{
	reset();
	fill();
	rec.gap_rc = TCP_GAP_RESYNC;
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, data, 10);
	seg(0, 21, 0, data + 20, 10);
	seg(0, 41, 0, data + 40, 10);
	seg(0, 51, PKT_TCP_FIN, NULL, 0);
	CU_ASSERT_EQUAL(rec.gaps, 2);
	CU_ASSERT_EQUAL(an.n[ANOMALY_TCP_GAP], 2);
	CU_ASSERT_EQUAL(rec.n[0], 30);
	CU_ASSERT_EQUAL(rec.releases, 1);	/* closed */
	seg(0, 51, 0, data + 50, 10);		/* late: swallowed */
	CU_ASSERT_EQUAL(rec.n[0], 30);
	tcp_stream_expire(ts, 0, &an);		/* closed ones go at once */
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 0);

	/* Idle expiry flushes held bytes the same way, then forgets. */
	reset();
	seg_at(0, 1, 0, data, 10, 1000);
	seg_at(0, 21, 0, data + 20, 10, 2000);
	seg_at(1, 1, 0, data, 5, 3000);
	tcp_stream_expire(ts, 2000 + CAP_TCP_IDLE_NS, &an);	/* not yet */
	CU_ASSERT_EQUAL(rec.n[0], 10);
	tcp_stream_expire(ts, 2001 + CAP_TCP_IDLE_NS, &an);
	CU_ASSERT_EQUAL(rec.n[0], 20);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 1);
	tcp_stream_expire(ts, 3001 + CAP_TCP_IDLE_NS, &an);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 0);
	CU_ASSERT_EQUAL(rec.releases, 2);
}

/* A RST closes both directions; a new SYN starts a direction afresh. */
static void
test_rst_and_restart(void)
{
	reset();
	fill();
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, data, 10);
	seg(1, 0, PKT_TCP_SYN, NULL, 0);
	seg(1, 1, 0, data, 10);
	seg(1, 11, PKT_TCP_RST, NULL, 0);
	CU_ASSERT_EQUAL(rec.releases, 2);
	seg(0, 11, 0, data + 10, 10);
	CU_ASSERT_EQUAL(rec.n[0], 10);
	/* A new connection on the same ports: fresh application state. */
	seg(0, 7000, PKT_TCP_SYN, NULL, 0);
	seg(0, 7001, 0, data, 10);
	CU_ASSERT_EQUAL(rec.n[0], 20);
	CU_ASSERT_EQUAL(rec.fresh, 3);
	CU_ASSERT_TRUE(rec.from_start[0]);
	/* A copy of the same SYN changes nothing. */
	seg(0, 7000, PKT_TCP_SYN, NULL, 0);
	seg(0, 7011, 0, data + 10, 10);
	CU_ASSERT_EQUAL(rec.n[0], 30);
	CU_ASSERT_EQUAL(rec.fresh, 3);
}

/* TCP_APP_IGNORE: held segments dropped, later bytes swallowed. */
static void
test_app_ignore(void)
{
	reset();
	fill();
	rec.ignore_after = 2;
	seg(0, 0, PKT_TCP_SYN, NULL, 0);
	seg(0, 1, 0, data, 10);
	seg(0, 21, 0, data + 20, 10);		/* held */
	seg(0, 11, 0, data + 10, 10);		/* call 2: IGNORE */
	CU_ASSERT_EQUAL(rec.calls[0], 2);
	CU_ASSERT_EQUAL(rec.n[0], 20);
	CU_ASSERT_EQUAL(rec.releases, 1);
	seg(0, 31, 0, data + 30, 10);
	CU_ASSERT_EQUAL(rec.calls[0], 2);
	seg(0, 41, PKT_TCP_FIN, NULL, 0);
	tcp_stream_expire(ts, 0, &an);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 0);
	CU_ASSERT_EQUAL(anomaly_total(&an), 0);
}

/* Every direction's state is released when the stream is freed. */
static void
test_free_releases(void)
{
	reset();
	fill();
	seg(0, 1, 0, data, 10);
	seg(1, 1, 0, data, 10);
	seg(0, 99, 0, data, 10);		/* held */
	tcp_stream_free(ts);
	ts = NULL;
	CU_ASSERT_EQUAL(rec.releases, 2);
	/* Bare ACKs and FINs of unknown connections are not tracked. */
	reset();
	seg(0, 1, 0, NULL, 0);
	seg(0, 1, PKT_TCP_FIN, NULL, 0);
	CU_ASSERT_EQUAL(tcp_stream_flows(ts), 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcpstream", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "in order, trimmed", test_in_order_and_trim) ||
	    !CU_add_test(s, "random order, copies, wrap", test_reorder_random) ||
	    !CU_add_test(s, "gaps and the app's answers", test_gap) ||
	    !CU_add_test(s, "FIN and expiry", test_fin_and_expiry) ||
	    !CU_add_test(s, "RST and a new SYN", test_rst_and_restart) ||
	    !CU_add_test(s, "the app ignores", test_app_ignore) ||
	    !CU_add_test(s, "free releases", test_free_releases)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	tcp_stream_free(ts);
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
