/*
 * store_sql.c - the store's one schema, in both dialects (store_int.h).
 *
 * Schema history (SQLite: PRAGMA user_version; PostgreSQL: the row
 * schema_version of table sipalg_meta):
 *   1  captures, anomalies, dialogs, messages, streams, findings, evidence
 *   2  captures.site (the capture's folder, or the name given with
 *      --site), and the inside/outside comparison tables diff_pairs and
 *      nat_mappings
 *   3  import claims: captures.sha256 unique among complete copies and
 *      among claims (two partial indexes, so a replacement is written
 *      beside the copy it replaces), the claim's owner and heartbeat,
 *      and capture ids never reused (AUTOINCREMENT)
 *   4  streams: the payload kinds (audio, comfort noise, telephone
 *      events) and the measured packetisation (ptime and inter-arrival
 *      medians, ms) the media detectors judge by (issue 15)
 *   5  advisories (risks seen that caused no failure: struct findings'
 *      adv[]) and their evidence, in tables of the findings' shape, and
 *      captures.advisories = 1 on captures imported with them stored;
 *      captures of older versions keep NULL there and their advisories
 *      are worked out again when read (source.h)
 *   6  joins: one call seen as two dialogs (an ALG rewrote its Call-ID
 *      between two capture points; dialog.h, join), one row per joined
 *      dialog naming the other (other_id, resolved when the import
 *      ends; other_seq, its number in the run), with what the counting
 *      once per call needs (which was judged first, what it counted).
 *      Both references cascade: deleting or replacing either dialog's
 *      capture removes the row.  Captures of older versions have no
 *      joins and read as before (each dialog counted on its own)
 *
 * The schema is written once, in SQLite's SQL, and PostgreSQL gets it
 * through the dialect table below: SQLite's INTEGER (64 bits) is BIGINT,
 * REAL (a double) is DOUBLE PRECISION, BLOB is BYTEA, an INTEGER PRIMARY
 * KEY is a BIGSERIAL one (ids from a sequence, never reused, as
 * AUTOINCREMENT), and the implicit rowid SQLite gives every table is an
 * explicit column of the one table read back in rowid order (evidence).
 * Statements number their "?" placeholders ($1, $2 ...) there.  The one
 * step that differs is 3: SQLite cannot drop a UNIQUE constraint and
 * rebuilds the table, which PostgreSQL cannot do under the foreign keys
 * that point at it, and which it does not need (ALTER TABLE).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *const schema_v1 =
    "CREATE TABLE captures("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER,"
    " sha256 TEXT NOT NULL UNIQUE, link TEXT, first_ns INTEGER,"
    " last_ns INTEGER, packets INTEGER, sip_messages INTEGER,"
    " sip_retrans INTEGER, sip_udp INTEGER, sip_tcp INTEGER,"
    " sip_ws INTEGER, sip_sctp INTEGER, keepalives INTEGER,"
    " dialogs INTEGER, rtp_streams INTEGER, rtp_unannounced INTEGER,"
    " rtp_packets INTEGER, rtcp_packets INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0, imported_at TEXT NOT NULL);"
    "CREATE TABLE anomalies("
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (capture_id, name));"
    "CREATE TABLE dialogs("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " seq INTEGER, call_id TEXT, kind TEXT, state TEXT, from_uri TEXT,"
    " to_uri TEXT, from_tag TEXT, first_method TEXT, start_ns INTEGER,"
    " ring_ns INTEGER, answer_ns INTEGER, end_ns INTEGER, last_ns INTEGER,"
    " initial_cseq INTEGER, final_status INTEGER, forks INTEGER,"
    " messages INTEGER, retransmissions INTEGER, dropped_messages INTEGER,"
    " rtcp_packets INTEGER, evicted INTEGER);"
    "CREATE TABLE messages("
    " id INTEGER PRIMARY KEY,"
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " cap_idx INTEGER, frame INTEGER, first_frame INTEGER, ts_ns INTEGER,"
    " src TEXT, dst TEXT, transport INTEGER, nfrags INTEGER, ip_len INTEGER,"
    " method TEXT, status INTEGER, call_id TEXT, cseq INTEGER,"
    " retrans INTEGER, retrans_times BLOB, raw BLOB NOT NULL);"
    "CREATE TABLE streams("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " dialog_id INTEGER REFERENCES dialogs(id) ON DELETE CASCADE,"
    " src TEXT, dst TEXT, ssrc INTEGER, pt INTEGER, codec TEXT,"
    " clock_rate INTEGER, packets INTEGER, bytes INTEGER, lost INTEGER,"
    " dup INTEGER, ooo INTEGER, seq_jumps INTEGER, jitter REAL,"
    " max_gap_ns INTEGER, first_ns INTEGER, last_ns INTEGER,"
    " first_frame INTEGER, last_frame INTEGER, rtcp_sr INTEGER,"
    " rtcp_rr INTEGER, rate_bucket_sec INTEGER, rate BLOB,"
    " rate_base_sec INTEGER, expected INTEGER);"
    "CREATE TABLE findings("
    " id INTEGER PRIMARY KEY,"
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " detector TEXT NOT NULL, confidence REAL, summary TEXT,"
    " explanation TEXT, remediation TEXT);"
    "CREATE TABLE evidence("
    " finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,"
    " cap_idx INTEGER, frame INTEGER, ts_ns INTEGER, field TEXT, value TEXT);"
    "CREATE INDEX dialogs_capture ON dialogs(capture_id);"
    "CREATE INDEX dialogs_call_id ON dialogs(call_id);"
    "CREATE INDEX dialogs_start ON dialogs(start_ns);"
    "CREATE INDEX messages_dialog ON messages(dialog_id);"
    "CREATE INDEX streams_dialog ON streams(dialog_id);"
    "CREATE INDEX streams_capture ON streams(capture_id);"
    "CREATE INDEX findings_dialog ON findings(dialog_id);"
    "CREATE INDEX findings_detector ON findings(detector);"
    "CREATE INDEX evidence_finding ON evidence(finding_id);";

/* v1 -> v2: the capture's site, and the inside/outside comparison. */
static const char *const migrate_v2 =
    "ALTER TABLE captures ADD COLUMN site TEXT;"
    "UPDATE captures SET site = rtrim(path, replace(path, '/', ''));"
    "CREATE INDEX captures_site ON captures(site);"
    "CREATE TABLE diff_pairs("
    " id INTEGER PRIMARY KEY,"
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " call_id TEXT, label TEXT, inside_frame INTEGER, outside_frame INTEGER,"
    " class TEXT NOT NULL, changes TEXT);"
    "CREATE INDEX diff_pairs_capture ON diff_pairs(capture_id);"
    "CREATE TABLE nat_mappings("
    " capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
    " inside TEXT NOT NULL, outside TEXT NOT NULL, first_ns INTEGER,"
    " last_ns INTEGER);";

/*
 * v2 -> v3 in SQLite: captures rebuilt (SQLite cannot drop a UNIQUE
 * constraint): same columns in the same order, then the claim's owner.
 * Incomplete rows of v2 (an interrupted import) become claims with no
 * owner, which are stale.  Runs with foreign keys off, as SQLite's table
 * rebuild requires; the other tables keep referring to "captures".
 */
#define CAPTURE_V2_COLUMNS "id, path, size, sha256, link, first_ns," \
	" last_ns, packets, sip_messages, sip_retrans, sip_udp, sip_tcp," \
	" sip_ws, sip_sctp, keepalives, dialogs, rtp_streams," \
	" rtp_unannounced, rtp_packets, rtcp_packets, complete, imported_at," \
	" site"
#define CAPTURES_V3_UNIQUE \
    "CREATE UNIQUE INDEX captures_sha256_complete ON captures(sha256)" \
    " WHERE complete = 1;" \
    "CREATE UNIQUE INDEX captures_sha256_claimed ON captures(sha256)" \
    " WHERE complete = 0;"
static const char *const migrate_v3 =
    "CREATE TABLE captures_v3("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, size INTEGER,"
    " sha256 TEXT NOT NULL, link TEXT, first_ns INTEGER,"
    " last_ns INTEGER, packets INTEGER, sip_messages INTEGER,"
    " sip_retrans INTEGER, sip_udp INTEGER, sip_tcp INTEGER,"
    " sip_ws INTEGER, sip_sctp INTEGER, keepalives INTEGER,"
    " dialogs INTEGER, rtp_streams INTEGER, rtp_unannounced INTEGER,"
    " rtp_packets INTEGER, rtcp_packets INTEGER,"
    " complete INTEGER NOT NULL DEFAULT 0, imported_at TEXT NOT NULL,"
    " site TEXT, owner_host TEXT, owner_boot TEXT, owner_pid INTEGER,"
    " owner_start INTEGER, owner_token TEXT, heartbeat INTEGER);"
    "INSERT INTO captures_v3(" CAPTURE_V2_COLUMNS ")"
    " SELECT " CAPTURE_V2_COLUMNS " FROM captures;"
    "DROP TABLE captures;"
    "ALTER TABLE captures_v3 RENAME TO captures;"
    CAPTURES_V3_UNIQUE
    "CREATE INDEX captures_site ON captures(site);";

/* v2 -> v3 in PostgreSQL: the same end state by ALTER TABLE (ids come
 * from a sequence and are never reused already). */
static const char *const migrate_v3_pg =
    "ALTER TABLE captures DROP CONSTRAINT captures_sha256_key;"
    "ALTER TABLE captures ADD COLUMN owner_host TEXT,"
    " ADD COLUMN owner_boot TEXT, ADD COLUMN owner_pid INTEGER,"
    " ADD COLUMN owner_start INTEGER, ADD COLUMN owner_token TEXT,"
    " ADD COLUMN heartbeat INTEGER;"
    CAPTURES_V3_UNIQUE;

/* v3 -> v4: the streams' payload kinds and measured packetisation.
 * Older rows read NULL (0): the detectors then count every packet as
 * audio and take the packet time from the SDP, as before. */
static const char *const migrate_v4 =
    "ALTER TABLE streams ADD COLUMN audio_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN cn_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN event_packets INTEGER;"
    "ALTER TABLE streams ADD COLUMN ptime_ms INTEGER;"
    "ALTER TABLE streams ADD COLUMN gap_ms INTEGER;";

/* v4 -> v5: advisories, stored as findings are. */
static const char *const migrate_v5 =
    "CREATE TABLE advisories("
    " id INTEGER PRIMARY KEY,"
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " detector TEXT NOT NULL, confidence REAL, summary TEXT,"
    " explanation TEXT, remediation TEXT);"
    "CREATE TABLE advisory_evidence("
    " id INTEGER PRIMARY KEY,"
    " advisory_id INTEGER NOT NULL REFERENCES advisories(id)"
    " ON DELETE CASCADE,"
    " cap_idx INTEGER, frame INTEGER, ts_ns INTEGER, field TEXT, value TEXT);"
    "CREATE INDEX advisories_dialog ON advisories(dialog_id);"
    "CREATE INDEX advisory_evidence_advisory"
    " ON advisory_evidence(advisory_id);"
    "ALTER TABLE captures ADD COLUMN advisories INTEGER;";

/*
 * v5 -> v6: joins.  segment is "inside" or "outside" (this dialog's);
 * counted the symptom ids the other, judged first, counted, comma
 * separated (ids, not bits: the catalogue's order may change).  The
 * index on dialogs(capture_id, seq) finds the other by its number when
 * the import ends.
 */
static const char *const migrate_v6 =
    "CREATE TABLE joins("
    " dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,"
    " other_id INTEGER REFERENCES dialogs(id) ON DELETE CASCADE,"
    " other_seq INTEGER NOT NULL, call_id TEXT, segment TEXT,"
    " other_first INTEGER NOT NULL, other_affected INTEGER NOT NULL,"
    " counted TEXT, PRIMARY KEY (dialog_id));"
    "CREATE INDEX joins_other ON joins(other_id);"
    "CREATE INDEX dialogs_capture_seq ON dialogs(capture_id, seq);";

const char *
store_sql_step(enum store_dialect d, int version)
{
	switch (version) {
	case 1:
		return schema_v1;
	case 2:
		return migrate_v2;
	case 3:
		return d == DIALECT_PG ? migrate_v3_pg : migrate_v3;
	case 4:
		return migrate_v4;
	case 5:
		return migrate_v5;
	case 6:
		return migrate_v6;
	default:
		return NULL;
	}
}

const char *
store_schema_step(int version)
{
	return store_sql_step(DIALECT_SQLITE, version);
}

int
store_version_check(int64_t version, bool reading, char *err, size_t n)
{
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, n, "database schema %" PRId64 " is newer than this "
		    "program's %d; it was left untouched", version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version < 1) {
		snprintf(err, n, "database has no sipalg schema; it was left "
		    "untouched");
		return -1;
	}
	if (reading && version < STORE_READABLE_VERSION) {
		snprintf(err, n, "database schema %" PRId64 " is older than "
		    "%d: open it once for writing (--db with a capture) to "
		    "migrate it", version, STORE_READABLE_VERSION);
		return -1;
	}
	return 0;
}

/*
 * SQLite's words and PostgreSQL's, longest first where one starts
 * another.  Matched whole (not inside a longer name) and outside string
 * literals.
 */
static const struct {
	const char *sqlite, *pg;
} dialect_words[] = {
	{ "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY" },
	{ "INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY" },
	{ "INTEGER", "BIGINT" },
	{ "REAL", "DOUBLE PRECISION" },
	{ "BLOB", "BYTEA" },
	{ "BEGIN IMMEDIATE", "BEGIN" },
	{ "CREATE TABLE evidence(", "CREATE TABLE evidence( rowid BIGSERIAL," },
};

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

char *
store_sql_dialect(enum store_dialect d, const char *sql)
{
	size_t len = strlen(sql), cap = 2 * len + 256, o = 0;
	char *out;
	int param = 0;
	bool quoted = false;

	if (d == DIALECT_SQLITE)
		return strdup(sql);
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		bool done = false;

		if (o + 64 > cap) {
			char *n = realloc(out, cap *= 2);

			if (n == NULL) {
				free(out);
				return NULL;
			}
			out = n;
		}
		if (sql[i] == '\'') {
			quoted = !quoted;
		} else if (!quoted && sql[i] == '?') {
			o += (size_t)snprintf(out + o, cap - o, "$%d", ++param);
			i++;
			continue;
		} else if (!quoted && (i == 0 || !word_char(sql[i - 1]))) {
			for (size_t k = 0; k < sizeof(dialect_words) /
			    sizeof(dialect_words[0]) && !done; k++) {
				const char *w = dialect_words[k].sqlite;
				size_t wl = strlen(w), pl;

				if (strncmp(sql + i, w, wl) != 0 ||
				    (word_char(w[wl - 1]) && word_char(sql[i + wl])))
					continue;
				pl = strlen(dialect_words[k].pg);
				memcpy(out + o, dialect_words[k].pg, pl);
				o += pl;
				i += wl;
				done = true;
			}
			if (done)
				continue;
		}
		out[o++] = sql[i++];
	}
	out[o] = '\0';
	return out;
}
