/*
 * test_store.c - the SQLite store: SHA-256 vectors, a dialog written and
 * read back field by field, duplicate detection, incomplete captures,
 * migration from the first schema, and refusal of foreign, corrupt and
 * newer databases without modifying them.
 */
#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"
#include "base/sha256.h"
#include "store/store.h"

#define SEC 1000000000LL

static char dir[64];

static const char *
path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
test_sha256(void)
{
	struct sha256 s;
	uint8_t d[32];
	char hex[65];
	static const char *const want =
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
	const char *m =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	FILE *f;

	sha256_init(&s);
	/* Fed in odd pieces to cross the 64-byte block boundary. */
	sha256_update(&s, m, 3);
	sha256_update(&s, m + 3, 50);
	sha256_update(&s, m + 53, strlen(m) - 53);
	sha256_final(&s, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	CU_ASSERT_STRING_EQUAL(hex, want);
	f = fopen(path("abc"), "w");
	fputs("abc", f);
	fclose(f);
	CU_ASSERT_EQUAL(sha256_file(path("abc"), hex), 0);
	CU_ASSERT_STRING_EQUAL(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT_EQUAL(sha256_file(path("missing"), hex), -1);
}

static struct dialog *
make_dialog(void)
{
	static const char *const inv =
	    "INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1\r\n"
	    "From: <sip:alice@10.0.0.2>;tag=a\r\nTo: <sip:bob@198.51.100.2>\r\n"
	    "Call-ID: store-1\r\nCSeq: 1 INVITE\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: 62\r\n\r\n"
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
	    "m=audio 4000 RTP/AVP 0\r\n";
	struct dialog *d = calloc(1, sizeof(*d));
	struct rtp_stream *r = calloc(1, sizeof(*r));
	struct ep a, b;

	d->id = 7;
	d->kind = DIALOG_CALL;
	d->state = DIALOG_COMPLETED;
	snprintf(d->call_id, sizeof(d->call_id), "store-1");
	snprintf(d->from, sizeof(d->from), "alice@10.0.0.2");
	snprintf(d->to, sizeof(d->to), "bob@198.51.100.2");
	d->start_ns = 100 * SEC;
	d->answer_ns = 102 * SEC;
	d->end_ns = 132 * SEC;
	d->retrans_total = 3;
	d->msgs = calloc(1, sizeof(*d->msgs));
	d->nmsgs = d->msgs_cap = 1;
	d->msgs[0].m = sipmsg_parse((const uint8_t *)inv, strlen(inv), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->msgs[0].m);
	d->msgs[0].frame = 11;
	d->msgs[0].ts_ns = 100 * SEC;
	d->msgs[0].retrans = 2;
	d->msgs[0].retrans_ns[0] = 100 * SEC + SEC / 2;
	d->msgs[0].retrans_frame[0] = 15;
	ep_clear(&a);
	ep_parse_ip(&a, "10.0.0.2", 8);
	a.port = 4000;
	ep_clear(&b);
	ep_parse_ip(&b, "2001:db8::1", 11);
	b.port = 5004;
	d->msgs[0].src = a;
	d->msgs[0].dst = b;
	rtp_stream_init(r, &a, &b, 0xdeadbeef);
	r->packets = 1500;
	r->lost = 4;
	r->jitter = 12.5;
	r->nrate = 2;
	r->rate_bucket_sec = 1;
	r->rate[0] = 50;
	r->rate[1] = 49;
	snprintf(r->codec, sizeof(r->codec), "PCMU");
	d->streams[0] = r;
	d->nstreams = 1;
	d->findings = calloc(1, sizeof(*d->findings));
	d->findings->n = 1;
	d->findings->f[0].id = "one_way_audio";
	d->findings->f[0].confidence = 0.9;
	snprintf(d->findings->f[0].summary, 256, "no RTP from the far end");
	d->findings->f[0].explanation = "because";
	d->findings->f[0].remediation = "turn it off";
	d->findings->f[0].nev = 1;
	d->findings->f[0].ev[0].frame = 11;
	snprintf(d->findings->f[0].ev[0].field, 48, "c=");
	snprintf(d->findings->f[0].ev[0].value, 256, "IN IP4 10.0.0.2");
	return d;
}

static struct dialog *got;
static int ncaps;
static struct store_capture lastcap;

static void
on_cap(void *u, const struct store_capture *c)
{
	(void)u;
	ncaps++;
	lastcap = *c;
	lastcap.info.path = NULL;
}

static bool
keep(void *u, struct dialog *d)
{
	(void)u;
	dialog_free(got);
	got = d;
	return true;
}

static void
test_round_trip(void)
{
	char err[256];
	struct store *st = store_open(path("a.db"), true, err, sizeof(err));
	struct dialog *d;
	struct capture_info ci;
	struct analysis_capstats cs;
	int64_t id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_has_capture(st, "aa"), STORE_ABSENT);
	id = store_capture_begin(st, "/x/site1/a.pcap", "aa", 1234, err,
	    sizeof(err));
	CU_ASSERT_TRUE_FATAL(id > 0);
	/* Begun but not ended: incomplete. */
	CU_ASSERT_EQUAL(store_has_capture(st, "aa"), STORE_INCOMPLETE);
	d = make_dialog();
	CU_ASSERT_EQUAL(store_put_dialog(st, id, d), 0);
	memset(&ci, 0, sizeof(ci));
	memset(&cs, 0, sizeof(cs));
	ci.linkname = "EN10MB";
	ci.packets = 99;
	ci.an.n[ANOMALY_TCP_GAP] = 2;
	cs.sip_messages = 1;
	cs.dialogs = 1;
	CU_ASSERT_EQUAL(store_capture_end(st, id, &ci, &cs), 0);
	CU_ASSERT_EQUAL(store_has_capture(st, "aa"), STORE_COMPLETE);
	store_close(st);

	st = store_open(path("a.db"), false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	ncaps = 0;
	CU_ASSERT_EQUAL(store_read(st, on_cap, keep, NULL, NULL, err, sizeof(err)), 0);
	store_close(st);
	CU_ASSERT_EQUAL(ncaps, 1);
	CU_ASSERT_EQUAL(lastcap.info.packets, 99);
	CU_ASSERT_EQUAL(lastcap.info.an.n[ANOMALY_TCP_GAP], 2);
	CU_ASSERT_EQUAL(lastcap.stats.sip_messages, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(got->id, 7);
	CU_ASSERT_EQUAL(got->state, DIALOG_COMPLETED);
	CU_ASSERT_STRING_EQUAL(got->call_id, "store-1");
	CU_ASSERT_EQUAL(got->answer_ns, 102 * SEC);
	CU_ASSERT_EQUAL(got->retrans_total, 3);
	CU_ASSERT_EQUAL_FATAL(got->nmsgs, 1);
	CU_ASSERT_EQUAL(got->msgs[0].frame, 11);
	CU_ASSERT_EQUAL(got->msgs[0].retrans, 2);
	CU_ASSERT_EQUAL(got->msgs[0].retrans_ns[0], 100 * SEC + SEC / 2);
	CU_ASSERT_EQUAL(got->msgs[0].retrans_frame[0], 15);
	CU_ASSERT_TRUE(ep_eq(&got->msgs[0].src, &d->msgs[0].src));
	CU_ASSERT_TRUE(ep_eq(&got->msgs[0].dst, &d->msgs[0].dst));
	CU_ASSERT_EQUAL(got->msgs[0].m->raw_len, d->msgs[0].m->raw_len);
	CU_ASSERT_EQUAL(memcmp(got->msgs[0].m->raw, d->msgs[0].m->raw,
	    d->msgs[0].m->raw_len), 0);
	CU_ASSERT_PTR_NOT_NULL(got->msgs[0].m->sdp);
	CU_ASSERT_EQUAL_FATAL(got->nstreams, 1);
	CU_ASSERT_EQUAL(got->streams[0]->ssrc, 0xdeadbeef);
	CU_ASSERT_EQUAL(got->streams[0]->packets, 1500);
	CU_ASSERT_EQUAL(got->streams[0]->lost, 4);
	CU_ASSERT_EQUAL(got->streams[0]->rate[1], 49);
	CU_ASSERT_STRING_EQUAL(got->streams[0]->codec, "PCMU");
	CU_ASSERT_PTR_NOT_NULL_FATAL(got->findings);
	CU_ASSERT_EQUAL(got->findings->n, 1);
	CU_ASSERT_STRING_EQUAL(got->findings->f[0].id, "one_way_audio");
	CU_ASSERT_STRING_EQUAL(got->findings->f[0].remediation, "turn it off");
	CU_ASSERT_EQUAL(got->findings->f[0].ev[0].frame, 11);
	CU_ASSERT_STRING_EQUAL(got->findings->f[0].ev[0].value,
	    "IN IP4 10.0.0.2");
	d->findings->f[0].id = NULL; /* static strings: not freed */
	dialog_free(d);
	dialog_free(got);
	got = NULL;
}

static int
read_file(const char *p, char **buf, long *len)
{
	FILE *f = fopen(p, "rb");

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	*buf = malloc((size_t)*len + 1);
	if (fread(*buf, 1, (size_t)*len, f) != (size_t)*len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The file is byte-identical after a refused open. */
static void
assert_refused_untouched(const char *p, const char *why)
{
	char err[256], *before, *after;
	long lb, la;
	struct store *st;

	CU_ASSERT_EQUAL_FATAL(read_file(p, &before, &lb), 0);
	st = store_open(p, true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	store_close(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, why));
	CU_ASSERT_EQUAL_FATAL(read_file(p, &after, &la), 0);
	CU_ASSERT_EQUAL(lb, la);
	CU_ASSERT_EQUAL(memcmp(before, after, (size_t)lb), 0);
	free(before);
	free(after);
}

static void
test_refusals(void)
{
	sqlite3 *db;
	FILE *f;

	/* Someone else's database. */
	sqlite3_open(path("other.db"), &db);
	sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL,
	    NULL, NULL);
	sqlite3_close(db);
	assert_refused_untouched(path("other.db"), "not a sipalg database");

	/* Ours, but from the future. */
	sqlite3_open(path("new.db"), &db);
	sqlite3_exec(db, "PRAGMA application_id = 1396788295;"
	    "PRAGMA user_version = 99; CREATE TABLE captures(x);", NULL, NULL,
	    NULL);
	sqlite3_close(db);
	assert_refused_untouched(path("new.db"), "newer");

	/* Not a database at all. */
	f = fopen(path("corrupt.db"), "wb");
	for (int i = 0; i < 4096; i++)
		fputc(i * 7, f);
	fclose(f);
	assert_refused_untouched(path("corrupt.db"), "database");
}

static void
test_migration_from_v1(void)
{
	sqlite3 *db;
	char err[256];
	struct store *st;
	sqlite3_stmt *s;
	int64_t v = 0;

	sqlite3_open(path("v1.db"), &db);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, store_schema_v1_sql, NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA application_id = 1396788295;"
	    "PRAGMA user_version = 1;"
	    "INSERT INTO captures(path, sha256, complete, imported_at)"
	    " VALUES ('/data/site7/x.pcap', 'bb', 1, 'then');", NULL, NULL, NULL);
	sqlite3_close(db);
	/* Read-only use asks for a migration first. */
	st = store_open(path("v1.db"), false, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "older"));
	st = store_open(path("v1.db"), true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_has_capture(st, "bb"), STORE_COMPLETE);
	store_close(st);
	sqlite3_open(path("v1.db"), &db);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	CU_ASSERT_EQUAL(v, STORE_SCHEMA_VERSION);
	/* The migration filled in the site from the path. */
	sqlite3_prepare_v2(db, "SELECT site FROM captures", -1, &s, NULL);
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(s, 0),
	    "/data/site7/");
	sqlite3_finalize(s);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "SELECT count(*) FROM diff_pairs",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/sipalg-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	sipmsg_global_init();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("store", NULL, NULL);
	CU_add_test(s, "sha256", test_sha256);
	CU_add_test(s, "round trip", test_round_trip);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "migration from v1", test_migration_from_v1);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fails++;
	return fails != 0;
}
