/*
 * test_store.c - the SQLite store: SHA-256 vectors, a dialog written and
 * read back field by field, duplicate detection, import claims (busy,
 * repeated, stale, taken over), --replace keeping the old copy until the
 * swap, a write error mid-import (an SQLite-level failure raised by a
 * trigger: the real reason kept, nothing shown, nothing a duplicate),
 * reading a WAL-mode copy whose shared-memory index cannot be created,
 * FIFOs and directories refused, migrations from the first and the
 * second schema, and refusal of foreign, corrupt and newer databases
 * without modifying them.
 */
#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect/detect.h"
#include "base/sha256.h"
#include "store/owner.h"
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
	CU_ASSERT_EQUAL_FATAL(store_capture_claim(st, "/x/site1/a.pcap", "aa",
	    1234, false, &id, err, sizeof(err)), STORE_CLAIMED);
	CU_ASSERT_TRUE_FATAL(id > 0);
	/* Claimed but not ended: incomplete. */
	CU_ASSERT_EQUAL(store_has_capture(st, "aa"), STORE_INCOMPLETE);
	d = make_dialog();
	/* The store takes the dialog: compare with another one like it. */
	CU_ASSERT_EQUAL(store_put_dialog(st, id, make_dialog()), 0);
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

/* Dialogs read in order: their numbers, and the numbers their joins name. */
static uint64_t rd_id[1024], rd_join[1024];
static size_t nrd;

static bool
note_numbers(void *u, struct dialog *d)
{
	(void)u;
	if (nrd < 1024) {
		rd_id[nrd] = d->id;
		rd_join[nrd] = d->join.id;
		nrd++;
	}
	return false;
}

/* Stores n dialogs numbered 1..n in a new capture of st (sha), the
 * first joined with the last; its id in *cid. */
static void
put_far_pair(struct store *st, const char *sha, int n, int64_t *cid)
{
	char err[256];
	struct capture_info ci;
	struct analysis_capstats cs;

	CU_ASSERT_EQUAL_FATAL(store_capture_claim(st, sha, sha, 1, false, cid,
	    err, sizeof(err)), STORE_CLAIMED);
	for (int i = 1; i <= n; i++) {
		struct dialog *d = make_dialog();

		d->id = (uint64_t)i;
		snprintf(d->call_id, sizeof(d->call_id), "%s-%d", sha, i);
		if (i == 1 || i == n) {
			d->join.id = i == 1 ? (uint64_t)n : 1;
			snprintf(d->join.call_id, sizeof(d->join.call_id),
			    "%s-%d", sha, i == 1 ? n : 1);
			d->join.other_first = i == n;
		}
		CU_ASSERT_EQUAL(store_put_dialog(st, *cid, d), 0);
	}
	memset(&ci, 0, sizeof(ci));
	memset(&cs, 0, sizeof(cs));
	ci.linkname = "EN10MB";
	CU_ASSERT_EQUAL(store_capture_end(st, *cid, &ci, &cs), 0);
}

/*
 * Numbered in read order (the browser's numbers), the two dialogs of a
 * join 599 dialogs apart name each other by those numbers, over two
 * captures (the second's numbers follow the first's) and over one.
 * Before, the source numbered them and the first named no number once
 * more than 256 dialogs lay between.
 */
static void
test_number_in_read(void)
{
	char err[256];
	struct store *st = store_open(path("far.db"), true, err, sizeof(err));
	struct store_filter one = { 0, NULL, NULL };
	int64_t a, b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	put_far_pair(st, "farA", 3, &a);
	put_far_pair(st, "farB", 600, &b);
	store_close(st);
	st = store_open(path("far.db"), false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* The store's numbers: each capture's own. */
	nrd = 0;
	CU_ASSERT_EQUAL(store_read(st, NULL, note_numbers, NULL, NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nrd, 603);
	CU_ASSERT_EQUAL(rd_id[3], 1);
	CU_ASSERT_EQUAL(rd_join[3], 600);
	/* In read order, over both captures. */
	store_number_in_read(st, true);
	nrd = 0;
	CU_ASSERT_EQUAL(store_read(st, NULL, note_numbers, NULL, NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nrd, 603);
	for (size_t i = 0; i < nrd; i++)
		CU_ASSERT_EQUAL(rd_id[i], i + 1);
	CU_ASSERT_EQUAL(rd_join[0], 3);
	CU_ASSERT_EQUAL(rd_join[2], 1);
	CU_ASSERT_EQUAL(rd_join[3], 603);
	CU_ASSERT_EQUAL(rd_join[602], 4);
	CU_ASSERT_EQUAL(rd_join[300], 0);
	/* One capture: numbered within it. */
	one.capture_id = b;
	nrd = 0;
	CU_ASSERT_EQUAL(store_read_filtered(st, &one, NULL, note_numbers, NULL,
	    NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nrd, 600);
	CU_ASSERT_EQUAL(rd_id[0], 1);
	CU_ASSERT_EQUAL(rd_join[0], 600);
	CU_ASSERT_EQUAL(rd_join[599], 1);
	store_close(st);
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
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, store_schema_step(1), NULL, NULL,
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


/* ---- claims, replace, failures ---- */

/* One integer from an SQL query on its own connection (-1 on error). */
static int64_t
q1(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return v;
}

static int
sql_exec(const char *db, const char *sql)
{
	sqlite3 *h;
	int rc;

	sqlite3_open(db, &h);
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

static enum store_claim
claim(struct store *st, const char *sha, bool replace, int64_t *id,
    char *err, size_t n)
{
	return store_capture_claim(st, "/x/c.pcap", sha, 10, replace, id, err,
	    n);
}

/* Writes n copies of the test dialog under id; returns the first error. */
static int
put_n(struct store *st, int64_t id, int n)
{
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++)
		rc = store_put_dialog(st, id, make_dialog());
	return rc;
}

static int
end(struct store *st, int64_t id)
{
	struct capture_info ci;
	struct analysis_capstats cs;

	memset(&ci, 0, sizeof(ci));
	memset(&cs, 0, sizeof(cs));
	ci.linkname = "EN10MB";
	return store_capture_end(st, id, &ci, &cs);
}

static int ndialogs;

static bool
count_dialog(void *u, struct dialog *d)
{
	(void)u;
	(void)d;
	ndialogs++;
	return false;
}

/* What a reader sees: complete captures and their dialogs. */
static void
seen(const char *db, int *caps, int *dialogs)
{
	char err[256];
	struct store *r = store_open(db, false, err, sizeof(err));

	*caps = *dialogs = -1;
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ncaps = ndialogs = 0;
	CU_ASSERT_EQUAL(store_read(r, on_cap, count_dialog, NULL, NULL, err,
	    sizeof(err)), 0);
	store_close(r);
	*caps = ncaps;
	*dialogs = ndialogs;
}

static void
test_claims_and_replace(void)
{
	char err[256], db[128], want[64];
	struct store *a, *b;
	int64_t ia, ib, ix;
	int caps, dialogs;

	snprintf(db, sizeof(db), "%s", path("claims.db"));
	a = store_open(db, true, err, sizeof(err));
	b = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(claim(a, "cc", false, &ia, err, sizeof(err)),
	    STORE_CLAIMED);
	/* Another importer of the same file, while a's import runs: busy,
	 * named, nothing written. */
	CU_ASSERT_EQUAL(claim(b, "cc", true, &ib, err, sizeof(err)),
	    STORE_BUSY);
	CU_ASSERT_EQUAL(ib, -1);
	snprintf(want, sizeof(want), "pid %lld on ", (long long)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "being imported by another process"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures"), 1);
	/* The same file twice in one run. */
	CU_ASSERT_EQUAL(claim(a, "cc", false, &ix, err, sizeof(err)),
	    STORE_REPEATED);
	CU_ASSERT_EQUAL(put_n(a, ia, 3), 0);
	CU_ASSERT_EQUAL(end(a, ia), 0);
	CU_ASSERT_EQUAL(store_has_capture(b, "cc"), STORE_COMPLETE);
	/* Stored: a duplicate unless replaced. */
	CU_ASSERT_EQUAL(claim(b, "cc", false, &ib, err, sizeof(err)),
	    STORE_DUPLICATE);
	CU_ASSERT_EQUAL_FATAL(claim(b, "cc", true, &ib, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_NOT_EQUAL(ib, ia);
	/* 100 dialogs: at least one batch committed under the new claim, and
	 * still the reader sees the old copy alone. */
	CU_ASSERT_EQUAL(put_n(b, ib, 100), 0);
	CU_ASSERT_TRUE(q1(db, "SELECT count(*) FROM dialogs") >= 3 + 64);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 1);
	CU_ASSERT_EQUAL(dialogs, 3);
	/* The swap: the new copy alone, the old one's rows gone. */
	CU_ASSERT_EQUAL(end(b, ib), 0);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 1);
	CU_ASSERT_EQUAL(dialogs, 100);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures"), 1);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 100);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures WHERE"
	    " owner_token IS NOT NULL OR owner_pid IS NOT NULL"), 0);
	/* A replacement given up leaves the complete copy alone. */
	CU_ASSERT_EQUAL_FATAL(claim(a, "cc", true, &ix, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(put_n(a, ix, 70), 0);
	CU_ASSERT_EQUAL(store_abort(a, err, sizeof(err)), 0);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(dialogs, 100);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 100);
	/* Capture ids are never reused (AUTOINCREMENT). */
	CU_ASSERT_EQUAL_FATAL(claim(a, "c2", false, &ix, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_TRUE(ix > ib);
	/* Closing with a claim open gives it up. */
	store_close(a);
	store_close(b);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures"), 1);
}

static void
test_stale_claims(void)
{
	char err[256], db[128], sql[256];
	struct store *a, *b;
	int64_t ia, ib;
	pid_t child;

	snprintf(db, sizeof(db), "%s", path("stale.db"));
	a = store_open(db, true, err, sizeof(err));
	b = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(claim(a, "dd", false, &ia, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(put_n(a, ia, 70), 0);   /* one batch committed */
	/* The same pid with another start time: the pid was reused, the
	 * importer is dead.  Its claim and its rows go; b claims. */
	sql_exec(db, "UPDATE captures SET owner_start = owner_start + 1");
	CU_ASSERT_EQUAL_FATAL(claim(b, "dd", false, &ib, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 0);
	/* The importer judged dead learns it at its next commit, and writes
	 * nothing under the new claim. */
	CU_ASSERT_EQUAL(put_n(a, ia, 64), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_errmsg(a), "took this capture over"));
	CU_ASSERT_EQUAL(store_abort(a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 0);
	CU_ASSERT_EQUAL(put_n(b, ib, 2), 0);
	CU_ASSERT_EQUAL(end(b, ib), 0);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 2);
	store_close(a);

	/* A process that exited (reaped: its pid names nobody). */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	a = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(claim(a, "ee", false, &ia, err, sizeof(err)),
	    STORE_CLAIMED);
	snprintf(sql, sizeof(sql), "UPDATE captures SET owner_pid = %d,"
	    " owner_token = 'dead' WHERE sha256 = 'ee'", (int)child);
	sql_exec(db, sql);
	CU_ASSERT_EQUAL(claim(b, "ee", false, &ib, err, sizeof(err)),
	    STORE_CLAIMED);
	store_close(a);
	store_close(b);

	/*
	 * Another live process on this host (a child that reports who it
	 * is, then waits): busy while it runs; once it has exited, even
	 * before its parent reaps it (a zombie), its claim is stale.
	 */
	{
		struct owner o;
		int up[2], down[2];
		char c = 0, stat_path[64], st_line[256];
		FILE *f;

		CU_ASSERT_EQUAL_FATAL(pipe(up), 0);
		CU_ASSERT_EQUAL_FATAL(pipe(down), 0);
		child = fork();
		if (child == 0) {
			close(down[1]);   /* so that the parent's close ends read */
			owner_self(&o);
			if (write(up[1], &o, sizeof(o)) != (ssize_t)sizeof(o))
				_exit(1);
			if (read(down[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		CU_ASSERT_EQUAL_FATAL(read(up[0], &o, sizeof(o)),
		    (ssize_t)sizeof(o));
		CU_ASSERT_EQUAL(o.pid, (int64_t)child);
		CU_ASSERT_TRUE(o.start >= 0);
		CU_ASSERT_EQUAL(owner_check(&o), OWNER_ALIVE);
		a = store_open(db, true, err, sizeof(err));
		b = store_open(db, true, err, sizeof(err));
		CU_ASSERT_EQUAL_FATAL(claim(a, "zz", false, &ia, err,
		    sizeof(err)), STORE_CLAIMED);
		snprintf(sql, sizeof(sql), "UPDATE captures SET owner_pid = %lld,"
		    " owner_start = %lld, owner_token = 'child' WHERE sha256 = 'zz'",
		    (long long)o.pid, (long long)o.start);
		sql_exec(db, sql);
		CU_ASSERT_EQUAL(claim(b, "zz", false, &ib, err, sizeof(err)),
		    STORE_BUSY);
		close(down[1]);         /* the child exits, unreaped */
		snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat",
		    (int)child);
		for (int i = 0; i < 500; i++) {
			st_line[0] = '\0';
			if ((f = fopen(stat_path, "r")) != NULL) {
				if (fgets(st_line, sizeof(st_line), f) == NULL)
					st_line[0] = '\0';
				fclose(f);
			}
			if (strstr(st_line, ") Z ") != NULL)
				break;
			usleep(10000);
		}
		CU_ASSERT_PTR_NOT_NULL(strstr(st_line, ") Z "));
		CU_ASSERT_EQUAL(owner_check(&o), OWNER_DEAD);
		CU_ASSERT_EQUAL(claim(b, "zz", false, &ib, err, sizeof(err)),
		    STORE_CLAIMED);
		waitpid(child, NULL, 0);
		close(up[0]);
		close(up[1]);
		close(down[0]);
		store_close(a);
		store_close(b);
	}

	/* Another host: alive while its heartbeat is fresh. */
	b = store_open(db, true, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(claim(b, "ff", false, &ib, err, sizeof(err)),
	    STORE_CLAIMED);
	snprintf(sql, sizeof(sql), "UPDATE captures SET owner_host ="
	    " 'elsewhere', owner_token = 'far', heartbeat = %lld"
	    " WHERE sha256 = 'ff'", (long long)time(NULL) - 10);
	sql_exec(db, sql);
	a = store_open(db, true, err, sizeof(err));
	CU_ASSERT_EQUAL(claim(a, "ff", false, &ia, err, sizeof(err)),
	    STORE_BUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, " on elsewhere"));
	snprintf(sql, sizeof(sql), "UPDATE captures SET heartbeat = %lld"
	    " WHERE sha256 = 'ff'",
	    (long long)time(NULL) - STORE_CLAIM_STALE_SEC - 5);
	sql_exec(db, sql);
	CU_ASSERT_EQUAL(claim(a, "ff", false, &ia, err, sizeof(err)),
	    STORE_CLAIMED);
	/* A claim with no owner (an interrupted import of schema 2) is
	 * stale.  (b lost its own claim on "ff" above: a fresh handle.) */
	store_close(b);
	b = store_open(db, true, err, sizeof(err));
	sql_exec(db, "UPDATE captures SET owner_pid = NULL, owner_token = NULL"
	    " WHERE sha256 = 'ff'");
	CU_ASSERT_EQUAL(claim(b, "ff", false, &ib, err, sizeof(err)),
	    STORE_CLAIMED);
	store_close(a);
	store_close(b);
}

/*
 * A write error in the middle of an import (here an SQLite error raised
 * by a trigger once 100 dialogs exist; a full disk fails the same way
 * and is tested on a real full filesystem in tests/store.sh).
 */
static void
test_write_failure(void)
{
	char err[256], db[128];
	struct store *st;
	int64_t id;
	int caps, dialogs;

	snprintf(db, sizeof(db), "%s", path("fail.db"));
	st = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_close(st);
	CU_ASSERT_EQUAL_FATAL(sql_exec(db, "CREATE TRIGGER boom BEFORE INSERT"
	    " ON dialogs WHEN (SELECT count(*) FROM dialogs) >= 100"
	    " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"), SQLITE_OK);
	st = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(claim(st, "gg", false, &id, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(put_n(st, id, 150), -1);
	/* The real reason, not "not an error". */
	CU_ASSERT_PTR_NOT_NULL(strstr(store_errmsg(st), "disk on fire"));
	CU_ASSERT_PTR_NOT_NULL(strstr(store_errmsg(st), "cannot store a dialog"));
	/* Every later write fails too; nothing becomes complete. */
	CU_ASSERT_EQUAL(put_n(st, id, 1), -1);
	CU_ASSERT_EQUAL(end(st, id), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_errmsg(st), "disk on fire"));
	CU_ASSERT_EQUAL(store_has_capture(st, "gg"), STORE_INCOMPLETE);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures WHERE"
	    " complete = 1"), 0);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 0);
	/* Given up: the committed batch goes too. */
	CU_ASSERT_EQUAL(store_abort(st, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(store_has_capture(st, "gg"), STORE_ABSENT);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 0);
	store_close(st);
	/* The next import is not a duplicate, and completes. */
	sql_exec(db, "DROP TRIGGER boom");
	st = store_open(db, true, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(claim(st, "gg", false, &id, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(put_n(st, id, 150), 0);
	CU_ASSERT_EQUAL(end(st, id), 0);
	store_close(st);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 1);
	CU_ASSERT_EQUAL(dialogs, 150);
}

static bool
exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0;
}

/* Size of a write-ahead log (0 when absent: nothing waits in it). */
static long long
wal_size(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? (long long)sb.st_size : 0;
}

/*
 * Read-only media.  What this proves: a writer leaves the file in
 * rollback-journal mode (no -wal, no -shm to create on reading), and a
 * file left in WAL mode is read when its shared-memory index cannot be
 * created (here because a directory holds the -shm name, which fails the
 * same way a read-only folder or mount does, and does not depend on file
 * permissions, which root ignores); an unmerged log is refused rather
 * than silently skipped.  tests/store.sh reads a copy on a real
 * read-only mount.
 */
static void
test_read_only(void)
{
	char err[512], db[128], shm[140], wal[140];
	struct store *st;
	sqlite3 *h;
	sqlite3_stmt *s;
	int64_t id;
	int caps, dialogs, rc;
	FILE *f;

	snprintf(db, sizeof(db), "%s", path("ro.db"));
	snprintf(shm, sizeof(shm), "%s-shm", db);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	st = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(claim(st, "hh", false, &id, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_EQUAL(put_n(st, id, 5), 0);
	CU_ASSERT_EQUAL(end(st, id), 0);
	store_close(st);
	CU_ASSERT_FALSE(exists(wal));
	CU_ASSERT_FALSE(exists(shm));
	sqlite3_open(db, &h);
	sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL);
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(s, 0),
	    "delete");
	sqlite3_finalize(s);
	/* Left in WAL mode (as a killed writer leaves it), log merged. */
	CU_ASSERT_EQUAL(sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);
	CU_ASSERT_FALSE(exists(wal));
	CU_ASSERT_EQUAL_FATAL(symlink("/nonexistent/sipalg/shm", shm), 0);
	/* Plain SQLite cannot read it... */
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	rc = sqlite3_exec(h, "SELECT count(*) FROM captures", NULL, NULL, NULL);
	CU_ASSERT_NOT_EQUAL(rc, SQLITE_OK);
	sqlite3_close(h);
	/* ...the store does, read-only, and leaves it as it was. */
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 1);
	CU_ASSERT_EQUAL(dialogs, 5);
	CU_ASSERT_EQUAL(wal_size(wal), 0);
	/* With a log not merged, reading the file alone would lose commits:
	 * refused, with the reason. */
	f = fopen(wal, "wb");
	fputs("not empty", f);
	fclose(f);
	st = store_open(db, false, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "write-ahead log not merged"));
	store_close(st);
	unlink(wal);
	unlink(shm);
}

static void
test_not_regular(void)
{
	char err[256], fifo[128];
	struct store *st;

	snprintf(fifo, sizeof(fifo), "%s", path("fifo.db"));
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0644), 0);
	/* Would block forever in open(2) if tried. */
	st = store_open(fifo, true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file (a FIFO)"));
	st = store_open(fifo, false, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a FIFO"));
	st = store_open(dir, true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a directory"));
	st = store_open("/dev/null", true, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a character device"));
}

/*
 * Schema 2 to 3: the captures table is rebuilt; every row of every table
 * stays, references hold (foreign_key_check), an interrupted v2 import
 * becomes a stale claim, and the store works on the result.
 */
static void
test_migration_from_v2(void)
{
	char err[256], db[128];
	struct store *st;
	sqlite3 *h;
	sqlite3_stmt *s;
	int64_t id;
	int caps, dialogs;

	snprintf(db, sizeof(db), "%s", path("v2.db"));
	sqlite3_open(db, &h);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(h, store_schema_step(1), NULL, NULL,
	    NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(h, store_schema_step(2), NULL, NULL,
	    NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(h,
	    "PRAGMA application_id = 1396788295; PRAGMA user_version = 2;"
	    "PRAGMA foreign_keys = ON;"
	    "INSERT INTO captures(id, path, sha256, complete, imported_at, site,"
	    " dialogs, link) VALUES (5, '/s/a.pcap', 'v2done', 1, 'then', '/s/',"
	    " 1, 'EN10MB'), (9, '/s/b.pcap', 'v2half', 0, 'then', '/s/', 0, '');"
	    "INSERT INTO anomalies VALUES (5, 'tcp_gap', 3);"
	    "INSERT INTO dialogs(id, capture_id, seq, call_id, kind, state)"
	    " VALUES (1, 5, 1, 'kept@x', 'call', 'completed'),"
	    " (2, 9, 1, 'half@x', 'call', 'setup');"
	    "INSERT INTO messages(dialog_id, raw) VALUES (1, x'00'), (2, x'00');"
	    "INSERT INTO findings(id, dialog_id, detector) VALUES (1, 1, 'x');"
	    "INSERT INTO evidence(finding_id, value) VALUES (1, 'v');"
	    "INSERT INTO diff_pairs(capture_id, class) VALUES (5, 'identical');",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	st = store_open(db, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(q1(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* v4: the streams' packetisation columns exist */
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM pragma_table_info('streams')"
	    " WHERE name IN ('audio_packets', 'cn_packets', 'event_packets',"
	    " 'ptime_ms', 'gap_ms')"), 5);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures"), 2);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs"), 2);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM messages"), 2);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM evidence"), 1);
	CU_ASSERT_EQUAL(q1(db, "SELECT id FROM captures WHERE"
	    " sha256 = 'v2done'"), 5);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM captures WHERE"
	    " site = '/s/' AND link = 'EN10MB'"), 1);
	/* No reference points nowhere. */
	sqlite3_open(db, &h);
	CU_ASSERT_EQUAL(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1,
	    &s, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	/* One complete copy per SHA-256, one claim per SHA-256. */
	CU_ASSERT_NOT_EQUAL(sqlite3_exec(h, "INSERT INTO captures(path, sha256,"
	    " complete, imported_at) VALUES ('p', 'v2done', 1, 'now')", NULL,
	    NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(h, "INSERT INTO captures(path, sha256,"
	    " complete, imported_at) VALUES ('p', 'v2done', 0, 'now')", NULL,
	    NULL, NULL), SQLITE_OK);
	CU_ASSERT_NOT_EQUAL(sqlite3_exec(h, "INSERT INTO captures(path, sha256,"
	    " complete, imported_at) VALUES ('p', 'v2done', 0, 'now')", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_exec(h, "DELETE FROM captures WHERE path = 'p'", NULL, NULL,
	    NULL);
	sqlite3_close(h);
	/* The store on the migrated file: the complete copy is one, the
	 * interrupted import is taken over (its dialog goes with it). */
	CU_ASSERT_EQUAL(claim(st, "v2done", false, &id, err, sizeof(err)),
	    STORE_DUPLICATE);
	CU_ASSERT_EQUAL_FATAL(claim(st, "v2half", false, &id, err, sizeof(err)),
	    STORE_CLAIMED);
	CU_ASSERT_TRUE(id > 9);
	CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM dialogs WHERE"
	    " call_id = 'half@x'"), 0);
	CU_ASSERT_EQUAL(end(st, id), 0);
	store_close(st);
	seen(db, &caps, &dialogs);
	CU_ASSERT_EQUAL(caps, 2);
	CU_ASSERT_EQUAL(dialogs, 1);
	CU_ASSERT_EQUAL(lastcap.info.an.n[ANOMALY_TCP_GAP], 0);
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
	CU_add_test(s, "migration from v2", test_migration_from_v2);
	CU_add_test(s, "claims and replace", test_claims_and_replace);
	CU_add_test(s, "stale claims", test_stale_claims);
	CU_add_test(s, "write failure", test_write_failure);
	CU_add_test(s, "read-only copy", test_read_only);
	CU_add_test(s, "not a regular file", test_not_regular);
	CU_add_test(s, "numbered in read order", test_number_in_read);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fails++;
	return fails != 0;
}
