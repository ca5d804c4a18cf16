/*
 * store_pg.c - the PostgreSQL backend of the store (store_int.h), through
 * libpq: one store for a team, many importers on many machines.
 *
 * Identity and schema version are rows of table sipalg_meta
 * (application = 'sipalg', schema_version = N) in the connection's
 * current schema; a schema that has tables and no sipalg_meta is not
 * ours, and is refused without a write.  Creating or migrating runs in
 * one transaction under a transaction-level advisory lock, so two first
 * importers do not both create.
 *
 * Statements are sent with PQexecParams (the server parses each; nothing
 * prepared is left in the session): text parameters, blobs as binary
 * parameters, results in text form (BYTEA as hex, doubles in their
 * shortest exact form: extra_float_digits = 3), so what is read back
 * equals, bit for bit, what SQLite gives back.  A result is fetched
 * whole: a read of one dialog's rows is small, but the listing of a
 * store's dialogs is held in memory while it is walked (a few hundred
 * bytes per dialog).
 *
 * Except the rows of a batch.  One round trip and one parse per row made
 * an import of 5,000 calls (50,000 rows) take 30 s against SQLite's 2
 * (6 s of it the server's CPU, the rest waiting).  So in a transaction,
 * a statement "INSERT INTO t(cols) VALUES ($1, ... $n)" is not sent: its
 * row is held as a line of COPY's text format (each value the text its
 * parameter would be, read by the same input functions; a blob as
 * BYTEA's hex input), and the rows held go, one COPY per table, before
 * the transaction's next other statement (its COMMIT, an UPDATE, a
 * lock) or once they pass PG_PENDING_MAX bytes; a ROLLBACK forgets them.
 * The COPYs follow the order of their tables' first rows, so parents go
 * before children.  An INSERT ... RETURNING id gets an id taken ahead
 * from its table's sequence (a block at a time, this session's alone),
 * written in its row: ids still grow in the order rows were written, and
 * a session leaves a gap of at most PG_IDS_MAX unused ones, as a
 * rollback leaves gaps (ids only order and link rows).  The server
 * checks every row as the INSERT (types, constraints, triggers); a
 * refused one fails its COPY and the transaction as the INSERT did, but
 * is reported by the statement that sent it ("cannot commit: cannot
 * store the rows of table messages: ...").
 *
 * Claims: an importer holds a session-level advisory lock on each claim
 * it owns, (class 'SALC', the claim's id).  The server releases it when
 * the session ends for any reason (the importer killed, its host gone,
 * the server restarted), so another importer can tell a live claim from
 * a dead one by trying the lock, from any machine.  Claiming a SHA-256
 * takes a transaction-level advisory lock on it ('SALG', its first 32
 * bits), which makes the check and the INSERT one step as SQLite's write
 * lock does; the partial unique index stays the final guard.
 * Notices are not printed (the library never prints).  libpq is not
 * linked but loaded when the first PostgreSQL store is opened, and called
 * through a table of its functions (pq_load.h: LIB(st)->PQexec(...)).
 */
#include "config.h"

#ifdef HAVE_LIBPQ

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/text.h"
#include "store/pq_load.h"
#include "store/store_int.h"

/* Advisory lock classes: claims of a SHA-256, live claims by id. */
#define PG_LOCK_SHA  0x53414c47     /* 'SALG' */
#define PG_LOCK_HELD 0x53414c43     /* 'SALC' */
#define PG_MAX_COLS  32
/* Distinct COPY targets of a session, tables whose ids are taken ahead. */
#define PG_MAX_COPIES 16
#define PG_MAX_POOLS  8
/* Ids taken from a sequence at a time: the first block, the largest. */
#define PG_IDS_FIRST  64
#define PG_IDS_MAX    4096
/* Bytes of rows held before they are sent whatever the transaction. */
#define PG_PENDING_MAX (8u << 20)

/*
 * The rows of one INSERT statement's table (one COPY target) waiting to
 * be sent, as lines of COPY's text format.
 */
struct pg_copy {
	char *head;                     /* "COPY t(cols) FROM STDIN" */
	char table[64];
	char *buf;
	size_t len, cap;
	int64_t lo, hi;                 /* ids taken ahead among its rows
	                                 * (lo > hi: none) */
};

/* Ids taken ahead from the sequence of table's id, used in order. */
struct pg_pool {
	char table[64];
	int64_t *ids;
	int n, next, block;
};

/* What st->conn points to. */
struct pg_conn {
	const struct pq_api *lib;         /* libpq's functions (pq_load.h) */
	PGconn *pq;
	struct pg_copy copy[PG_MAX_COPIES];
	int ncopy;
	int order[PG_MAX_COPIES];       /* copies holding rows, in the order
	                                 * of their first row */
	int norder;
	size_t pending;                 /* bytes of rows held */
	struct pg_pool pool[PG_MAX_POOLS];
	int npool;
};

struct pg_stmt {
	struct db_stmt base;
	struct store *st;
	char *sql;                      /* in PostgreSQL's dialect */
	int nparams;
	const char *vals[STORE_MAX_PARAMS];
	int lens[STORE_MAX_PARAMS];
	int fmts[STORE_MAX_PARAMS];
	char num[STORE_MAX_PARAMS][32];
	int64_t ival[STORE_MAX_PARAMS];   /* integers bound (isint) */
	bool isint[STORE_MAX_PARAMS];
	int copy;                       /* its COPY (pg_conn.copy), or -1 */
	bool returning;                 /* INSERT ... RETURNING id */
	PGresult *res;
	int row, nrows;
	bool ran;
	bool local;                     /* the result is local_id, an id
	                                 * taken ahead (no res) */
	int64_t local_id;
	char *fixed[STORE_MAX_PARAMS];  /* texts made valid UTF-8 */
	uint8_t *blob[PG_MAX_COLS];     /* decoded BYTEA of the current row */
	size_t bloblen[PG_MAX_COLS];
};

#define PC(st) ((struct pg_conn *)(st)->conn)
#define CONN(st) (PC(st)->pq)
#define LIB(st) (PC(st)->lib)
#define PS(x) ((struct pg_stmt *)(void *)(x))

static void
no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Keeps the reason of a failed call (res may be NULL), noting a lost
 * connection. */
static void
pg_error(struct store *st, const PGresult *res)
{
	const char *m = res != NULL ?
	    LIB(st)->PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t l;

	if (m == NULL)
		m = LIB(st)->PQerrorMessage(CONN(st));
	if (m == NULL || *m == '\0')
		m = "unknown error";
	if (LIB(st)->PQstatus(CONN(st)) == CONNECTION_BAD)
		st->dead = true;
	snprintf(st->lasterr, sizeof(st->lasterr), "%s%s",
	    st->dead ? "connection lost: " : "", m);
	/* libpq ends its own messages with a newline, sometimes two lines. */
	l = strlen(st->lasterr);
	while (l > 0 && (st->lasterr[l - 1] == '\n' || st->lasterr[l - 1] == ' '))
		st->lasterr[--l] = '\0';
	for (char *p = st->lasterr; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

/* ---- rows held for COPY ---- */

/* Forgets the rows held (sent, or their transaction rolled back). */
static void
rows_drop(struct pg_conn *c)
{
	for (int i = 0; i < c->norder; i++) {
		struct pg_copy *cp = &c->copy[c->order[i]];

		cp->len = 0;
		cp->lo = INT64_MAX;
		cp->hi = INT64_MIN;
	}
	c->norder = 0;
	c->pending = 0;
}

/*
 * Sends cp's rows in one COPY and reads its outcome: 0, or -1 with the
 * reason (the server's, naming the table) in lasterr.  The server checks
 * each row as an INSERT of it would (types, constraints, triggers); one
 * refused row fails the COPY and the transaction, as that INSERT would.
 */
static int
copy_send(struct store *st, struct pg_copy *cp)
{
	PGconn *pq = CONN(st);
	PGresult *r = LIB(st)->PQexec(pq, cp->head);
	bool failed = false;
	char why[sizeof(st->lasterr)];

	if (r == NULL || LIB(st)->PQresultStatus(r) != PGRES_COPY_IN) {
		pg_error(st, r);
		LIB(st)->PQclear(r);
		failed = true;
	} else {
		LIB(st)->PQclear(r);
		if (LIB(st)->PQputCopyData(pq, cp->buf, (int)cp->len) != 1)
			(void)LIB(st)->PQputCopyEnd(pq,
			    "the client could not send the rows");
		else
			(void)LIB(st)->PQputCopyEnd(pq, NULL);
		/* Its result, then NULL; COPY_IN again only if the end could
		 * not be sent on a connection still up. */
		while ((r = LIB(st)->PQgetResult(pq)) != NULL) {
			ExecStatusType rs = LIB(st)->PQresultStatus(r);

			if (rs != PGRES_COMMAND_OK && !failed) {
				pg_error(st, r);
				failed = true;
			}
			LIB(st)->PQclear(r);
			if (rs == PGRES_COPY_IN || rs == PGRES_COPY_BOTH) {
				if (!failed)
					pg_error(st, NULL);
				failed = true;
				break;
			}
		}
	}
	if (!failed)
		return 0;
	snprintf(why, sizeof(why), "%s", st->lasterr);
	snprintf(st->lasterr, sizeof(st->lasterr), "cannot store the rows of "
	    "table %s: %.400s", cp->table, why);
	return -1;
}

/*
 * Sends the rows held, each table's in one COPY, in the order of their
 * tables' first rows (a row's parent, known to it by an id taken ahead,
 * was held before it, or sent: rows_hold sees to it); 0 or -1.
 */
static int
rows_send(struct store *st)
{
	struct pg_conn *c = PC(st);
	int rc = 0;

	for (int i = 0; i < c->norder && rc == 0; i++)
		rc = copy_send(st, &c->copy[c->order[i]]);
	rows_drop(c);
	return rc;
}

static int
pg_exec(struct store *st, const char *sql)
{
	char *q;
	PGresult *r;
	int ok;

	/* Rows held belong to the transaction: sent before anything else
	 * runs in it, forgotten when it rolls back. */
	if (strcmp(sql, "ROLLBACK") == 0)
		rows_drop(PC(st));
	else if (rows_send(st) != 0)
		return -1;
	if ((q = store_sql_dialect(DIALECT_PG, sql)) == NULL) {
		snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
		return -1;
	}
	r = LIB(st)->PQexec(CONN(st), q);
	free(q);
	ok = r != NULL && (LIB(st)->PQresultStatus(r) == PGRES_COMMAND_OK ||
	    LIB(st)->PQresultStatus(r) == PGRES_TUPLES_OK);
	if (!ok)
		pg_error(st, r);
	LIB(st)->PQclear(r);
	return ok ? 0 : -1;
}

/* Runs sql with text parameters; the result (caller clears) or NULL. */
static PGresult *
pg_query(struct store *st, const char *sql, int n, const char *const *v)
{
	PGresult *r;

	if (rows_send(st) != 0)
		return NULL;
	r = LIB(st)->PQexecParams(CONN(st), sql, n, NULL, v, NULL, NULL, 0);
	if (r != NULL && (LIB(st)->PQresultStatus(r) == PGRES_TUPLES_OK ||
	    LIB(st)->PQresultStatus(r) == PGRES_COMMAND_OK))
		return r;
	pg_error(st, r);
	LIB(st)->PQclear(r);
	return NULL;
}

/* The first column of the first row of sql as text ("" when none), or
 * -1 on error. */
static int
pg_value(struct store *st, const char *sql, int n, const char *const *v,
    char *out, size_t outlen)
{
	PGresult *r = pg_query(st, sql, n, v);

	if (r == NULL)
		return -1;
	snprintf(out, outlen, "%s", LIB(st)->PQntuples(r) > 0 &&
	    LIB(st)->PQnfields(r) > 0 && !LIB(st)->PQgetisnull(r, 0, 0) ?
	    LIB(st)->PQgetvalue(r, 0, 0) : "");
	LIB(st)->PQclear(r);
	return 0;
}

/* ---- the statement interface ---- */

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/*
 * The COPY that writes the rows of sql when sql is "INSERT INTO t(c1,
 * ..., cn) VALUES ($1, ..., $n)", with or without " RETURNING id":
 * "COPY t(c1, ..., cn) FROM STDIN", or "COPY t(id, c1, ..., cn) FROM
 * STDIN" for RETURNING id (the id taken ahead, *returning).  Its index
 * in c->copy (one per target, shared by the statements that write it),
 * or -1 for any other statement (or when the table is full: it then
 * runs as it is).
 */
static int
copy_find(struct pg_conn *c, const char *sql, bool *returning)
{
	const char *p = sql, *t, *cols, *end;
	int ncols = 1, k = 0;
	char head[1024], table[64];
	char *e;

	*returning = false;
	if (strncmp(p, "INSERT INTO ", 12) != 0)
		return -1;
	for (t = p += 12; (*p >= 'a' && *p <= 'z') || *p == '_'; p++)
		;
	if (p == t || *p != '(' || (size_t)(p - t) >= sizeof(table) ||
	    (end = strchr(cols = p + 1, ')')) == NULL)
		return -1;
	snprintf(table, sizeof(table), "%.*s", (int)(p - t), t);
	for (p = cols; p < end; p++)
		ncols += *p == ',';
	p = skip_spaces(end + 1);
	if (strncmp(p, "VALUES", 6) != 0 || *(p = skip_spaces(p + 6)) != '(')
		return -1;
	for (p++;; p++) {
		p = skip_spaces(p);
		if (*p != '$' || strtol(p + 1, &e, 10) != ++k || e == p + 1)
			return -1;
		p = skip_spaces(e);
		if (*p == ')')
			break;
		if (*p != ',')
			return -1;
	}
	p = skip_spaces(p + 1);
	*returning = strcmp(p, "RETURNING id") == 0;
	if (k != ncols || (*p != '\0' && !*returning))
		return -1;
	if ((size_t)snprintf(head, sizeof(head), "COPY %s(%s%.*s) FROM STDIN",
	    table, *returning ? "id, " : "", (int)(end - cols), cols) >=
	    sizeof(head))
		return -1;
	for (int i = 0; i < c->ncopy; i++)
		if (strcmp(c->copy[i].head, head) == 0)
			return i;
	if (c->ncopy == PG_MAX_COPIES ||
	    (c->copy[c->ncopy].head = strdup(head)) == NULL)
		return -1;
	snprintf(c->copy[c->ncopy].table, sizeof(c->copy[0].table), "%s",
	    table);
	c->copy[c->ncopy].lo = INT64_MAX;
	c->copy[c->ncopy].hi = INT64_MIN;
	return c->ncopy++;
}

static struct db_stmt *
pg_prepare(struct store *st, const char *sql)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->sql = store_sql_dialect(DIALECT_PG, sql)) == NULL) {
		free(s);
		snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
		return NULL;
	}
	s->base.be = &store_pg_backend;
	s->st = st;
	/* As many parameters as "?" (now $1 ... $n). */
	for (const char *p = s->sql; (p = strchr(p, '$')) != NULL; p++)
		s->nparams++;
	if (s->nparams > STORE_MAX_PARAMS) {
		free(s->sql);
		free(s);
		snprintf(st->lasterr, sizeof(st->lasterr), "too many parameters");
		return NULL;
	}
	s->copy = copy_find(PC(st), s->sql, &s->returning);
	return &s->base;
}

static void
pg_blobs_free(struct pg_stmt *s)
{
	for (int i = 0; i < PG_MAX_COLS; i++) {
		free(s->blob[i]);
		s->blob[i] = NULL;
	}
}

static void
pg_bind_int64(struct db_stmt *x, int i, int64_t v)
{
	struct pg_stmt *s = PS(x);

	snprintf(s->num[i - 1], sizeof(s->num[0]), "%" PRId64, v);
	s->vals[i - 1] = s->num[i - 1];
	s->fmts[i - 1] = 0;
	s->ival[i - 1] = v;
	s->isint[i - 1] = true;
}

static void
pg_bind_double(struct db_stmt *x, int i, double v)
{
	struct pg_stmt *s = PS(x);

	snprintf(s->num[i - 1], sizeof(s->num[0]), "%.17g", v);
	s->vals[i - 1] = s->num[i - 1];
	s->fmts[i - 1] = 0;
	s->isint[i - 1] = false;
}

/*
 * Text must be valid in the database's encoding (UTF-8), while a text
 * field taken from a packet (a Call-ID, a From URI, evidence) may hold
 * any bytes: an invalid byte becomes U+FFFD in the stored text (SQLite
 * keeps it).  The message itself is stored as bytes in both.
 */
static void
pg_bind_text(struct db_stmt *x, int i, const char *v)
{
	struct pg_stmt *s = PS(x);
	size_t len = v != NULL ? strlen(v) : 0, k, o = 0;
	uint32_t cp;
	char *fixed;

	s->vals[i - 1] = v;
	s->fmts[i - 1] = 0;
	s->isint[i - 1] = false;
	for (k = 0; k < len; k += text_utf8_len((const uint8_t *)v + k,
	    len - k, &cp))
		if (text_utf8_len((const uint8_t *)v + k, len - k, &cp) == 0)
			break;
	if (k >= len || (fixed = malloc(3 * len + 1)) == NULL)
		return;
	for (k = 0; k < len;) {
		size_t n = text_utf8_len((const uint8_t *)v + k, len - k, &cp);

		if (n == 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			k++;
		} else {
			memcpy(fixed + o, v + k, n);
			o += n;
			k += n;
		}
	}
	fixed[o] = '\0';
	free(s->fixed[i - 1]);
	s->fixed[i - 1] = fixed;
	s->vals[i - 1] = fixed;
}

static void
pg_bind_blob(struct db_stmt *x, int i, const void *p, size_t n)
{
	struct pg_stmt *s = PS(x);

	s->vals[i - 1] = n > 0 ? p : "";
	s->lens[i - 1] = (int)n;
	s->fmts[i - 1] = 1;
	s->isint[i - 1] = false;
}

static void
pg_bind_null(struct db_stmt *x, int i)
{
	PS(x)->vals[i - 1] = NULL;
	PS(x)->isint[i - 1] = false;
}

/*
 * The next id of the sequence of cp's table taken ahead by this session, in *id:
 * ids are taken PG_IDS_FIRST at a time, twice as many each time up to
 * PG_IDS_MAX, so a session leaves at most that many unused (a gap in the
 * ids, as a rollback leaves; ids only order rows).  0 or -1.
 */
static int
pool_take(struct store *st, const struct pg_copy *cp, int64_t *id)
{
	struct pg_conn *c = PC(st);
	struct pg_pool *p = NULL;
	const char *v[2];
	char nb[16];
	PGresult *r;
	int64_t *ids;

	for (int i = 0; i < c->npool && p == NULL; i++)
		if (strcmp(c->pool[i].table, cp->table) == 0)
			p = &c->pool[i];
	if (p == NULL) {
		if (c->npool == PG_MAX_POOLS) {
			snprintf(st->lasterr, sizeof(st->lasterr), "too many tables");
			return -1;
		}
		p = &c->pool[c->npool++];
		memcpy(p->table, cp->table, sizeof(p->table));
	}
	if (p->next == p->n) {
		p->block = p->block == 0 ? PG_IDS_FIRST :
		    p->block < PG_IDS_MAX ? 2 * p->block : PG_IDS_MAX;
		if ((ids = realloc(p->ids, (size_t)p->block * sizeof(*ids))) ==
		    NULL) {
			snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
			return -1;
		}
		p->ids = ids;
		snprintf(nb, sizeof(nb), "%d", p->block);
		v[0] = cp->table;
		v[1] = nb;
		/* No rows are sent first: taking ids needs none of them. */
		r = LIB(st)->PQexecParams(c->pq, "SELECT nextval("
		    "pg_get_serial_sequence($1, 'id'))"
		    " FROM generate_series(1, $2::int4) ORDER BY 1", 2, NULL, v,
		    NULL, NULL, 0);
		if (r == NULL || LIB(st)->PQresultStatus(r) != PGRES_TUPLES_OK ||
		    LIB(st)->PQntuples(r) != p->block) {
			pg_error(st, r);
			LIB(st)->PQclear(r);
			return -1;
		}
		for (int i = 0; i < p->block; i++)
			p->ids[i] = strtoll(LIB(st)->PQgetvalue(r, i, 0), NULL,
			    10);
		LIB(st)->PQclear(r);
		p->n = p->block;
		p->next = 0;
	}
	*id = p->ids[p->next++];
	return 0;
}

/* Appends text escaped for COPY's text format (backslash, tab, newline,
 * carriage return); o has room for twice its length. */
static size_t
copy_text(char *o, const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		char e = *v == '\\' ? '\\' : *v == '\t' ? 't' : *v == '\n' ? 'n' :
		    *v == '\r' ? 'r' : 0;

		if (e != 0) {
			o[n++] = '\\';
			o[n++] = e;
		} else {
			o[n++] = *v;
		}
	}
	return n;
}

/*
 * Holds the row s is bound to, with id first when id >= 0, for its
 * COPY: each value as the text the same parameter would be (the same
 * input functions read it), a blob as BYTEA's hex input.  Rows still
 * held go first when one of their ids is bound here while its COPY
 * would be sent after this one's: the order of the COPYs keeps every
 * parent before its children.  0, or -1 (out of memory, or the rows
 * sent before failed).
 */
static int
rows_hold(struct store *st, struct pg_stmt *s, int64_t id)
{
	static const char hex[] = "0123456789abcdef";
	struct pg_conn *c = PC(st);
	struct pg_copy *cp = &c->copy[s->copy];
	size_t need = 24, o;
	int pos = -1;

	for (int i = 0; i < c->norder; i++)
		if (c->order[i] == s->copy)
			pos = i;
	for (int i = pos >= 0 ? pos + 1 : c->norder; i < c->norder; i++) {
		const struct pg_copy *later = &c->copy[c->order[i]];

		for (int k = 0; k < s->nparams; k++)
			if (s->isint[k] && s->vals[k] != NULL &&
			    s->ival[k] >= later->lo && s->ival[k] <= later->hi) {
				if (rows_send(st) != 0)
					return -1;
				pos = -1;
				break;
			}
	}
	for (int k = 0; k < s->nparams; k++)
		need += 3 + (s->vals[k] == NULL ? 2 : s->fmts[k] == 1 ?
		    3 + 2 * (size_t)s->lens[k] : 2 * strlen(s->vals[k]));
	if (cp->len + need > cp->cap) {
		size_t cap = cp->cap != 0 ? cp->cap : 4096;
		char *b;

		while (cap < cp->len + need)
			cap *= 2;
		if ((b = realloc(cp->buf, cap)) == NULL) {
			snprintf(st->lasterr, sizeof(st->lasterr), "out of memory");
			return -1;
		}
		cp->buf = b;
		cp->cap = cap;
	}
	if (pos < 0)
		c->order[c->norder++] = s->copy;
	o = cp->len;
	if (id >= 0) {
		o += (size_t)snprintf(cp->buf + o, cp->cap - o, "%" PRId64 "\t",
		    id);
		cp->lo = id < cp->lo ? id : cp->lo;
		cp->hi = id > cp->hi ? id : cp->hi;
	}
	for (int k = 0; k < s->nparams; k++) {
		const uint8_t *b = (const uint8_t *)s->vals[k];

		if (k > 0)
			cp->buf[o++] = '\t';
		if (b == NULL) {
			memcpy(cp->buf + o, "\\N", 2);
			o += 2;
		} else if (s->fmts[k] == 1) {
			memcpy(cp->buf + o, "\\\\x", 3);
			o += 3;
			for (int j = 0; j < s->lens[k]; j++) {
				cp->buf[o++] = hex[b[j] >> 4];
				cp->buf[o++] = hex[b[j] & 15];
			}
		} else {
			o += copy_text(cp->buf + o, s->vals[k]);
		}
	}
	cp->buf[o++] = '\n';
	c->pending += o - cp->len;
	cp->len = o;
	return 0;
}

static enum db_step
pg_step(struct db_stmt *x)
{
	struct pg_stmt *s = PS(x);
	struct store *st = s->st;

	pg_blobs_free(s);
	if (s->ran)
		return ++s->row < s->nrows ? DB_ROW : DB_DONE;
	s->ran = true;
	/* In a transaction, an INSERT's row waits for its COPY (its id, if
	 * it returns one, taken ahead); the transaction's next other
	 * statement sends it first. */
	if (s->copy >= 0 &&
	    LIB(st)->PQtransactionStatus(CONN(st)) == PQTRANS_INTRANS) {
		s->local_id = -1;
		if ((s->returning && pool_take(st, &PC(st)->copy[s->copy],
		    &s->local_id) != 0) || rows_hold(st, s, s->local_id) != 0)
			return DB_ERROR;
		st->nchanged = 1;
		if (PC(st)->pending > PG_PENDING_MAX && rows_send(st) != 0)
			return DB_ERROR;
		s->local = s->returning;
		s->nrows = s->returning ? 1 : 0;
		s->row = 0;
		return s->returning ? DB_ROW : DB_DONE;
	}
	if (rows_send(st) != 0)
		return DB_ERROR;
	s->res = LIB(st)->PQexecParams(CONN(st), s->sql, s->nparams, NULL,
	    s->vals, s->lens, s->fmts, 0);
	switch (s->res != NULL ? LIB(st)->PQresultStatus(s->res) :
	    PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
		s->nrows = LIB(st)->PQntuples(s->res);
		s->row = 0;
		st->nchanged = strtoll(LIB(st)->PQcmdTuples(s->res), NULL, 10);
		return s->nrows > 0 ? DB_ROW : DB_DONE;
	case PGRES_COMMAND_OK:
		s->nrows = 0;
		st->nchanged = strtoll(LIB(st)->PQcmdTuples(s->res), NULL, 10);
		return DB_DONE;
	default:
		pg_error(st, s->res);
		return DB_ERROR;
	}
}

static void
pg_reset(struct db_stmt *x)
{
	struct pg_stmt *s = PS(x);

	pg_blobs_free(s);
	LIB(s->st)->PQclear(s->res);
	s->res = NULL;
	s->ran = false;
	s->local = false;
	s->nrows = s->row = 0;
	memset(s->isint, 0, sizeof(s->isint));
	for (int i = 0; i < STORE_MAX_PARAMS; i++) {
		free(s->fixed[i]);
		s->fixed[i] = NULL;
	}
	memset(s->vals, 0, sizeof(s->vals));
	memset(s->lens, 0, sizeof(s->lens));
	memset(s->fmts, 0, sizeof(s->fmts));
}

static void
pg_finalize(struct db_stmt *x)
{
	pg_reset(x);
	free(PS(x)->sql);
	free(x);
}

static bool
pg_has(struct pg_stmt *s, int i)
{
	return s->res != NULL && s->row < s->nrows &&
	    i < LIB(s->st)->PQnfields(s->res) &&
	    !LIB(s->st)->PQgetisnull(s->res, s->row, i);
}

static bool
pg_is_null(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return s->local ? !(s->row == 0 && i == 0) : !pg_has(s, i);
}

static int64_t
pg_col_int64(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	if (s->local)
		return s->row == 0 && i == 0 ? s->local_id : 0;
	return pg_has(s, i) ?
	    strtoll(LIB(s->st)->PQgetvalue(s->res, s->row, i), NULL, 10) : 0;
}

static double
pg_col_double(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return pg_has(s, i) ?
	    strtod(LIB(s->st)->PQgetvalue(s->res, s->row, i), NULL) : 0;
}

static const char *
pg_col_text(struct db_stmt *x, int i)
{
	struct pg_stmt *s = PS(x);

	return pg_has(s, i) ? LIB(s->st)->PQgetvalue(s->res, s->row, i) : NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A BYTEA column in text form: "\x" and two hex digits a byte
 * (bytea_output = hex, set at connection). */
static const uint8_t *
pg_col_blob(struct db_stmt *x, int i, size_t *n)
{
	struct pg_stmt *s = PS(x);
	const char *t;
	size_t l;

	*n = 0;
	if (!pg_has(s, i) || i >= PG_MAX_COLS)
		return NULL;
	if (s->blob[i] != NULL) {
		*n = s->bloblen[i];
		return s->blob[i];
	}
	t = LIB(s->st)->PQgetvalue(s->res, s->row, i);
	l = strlen(t);
	if (l < 2 || t[0] != '\\' || t[1] != 'x')
		return NULL;
	if ((s->blob[i] = malloc(l / 2 + 1)) == NULL)
		return NULL;
	for (size_t k = 2; k + 1 < l; k += 2) {
		int hi = hexval(t[k]), lo = hexval(t[k + 1]);

		if (hi < 0 || lo < 0)
			break;
		s->blob[i][(*n)++] = (uint8_t)(hi << 4 | lo);
	}
	s->bloblen[i] = *n;
	return s->blob[i];
}

static int64_t
pg_changes(struct store *st)
{
	return st->nchanged;
}

static const char *
pg_errmsg(struct store *st)
{
	return st->lasterr[0] != '\0' ? st->lasterr : "no error";
}

static bool
pg_lost(struct store *st)
{
	return st->dead || (st->conn != NULL &&
	    LIB(st)->PQstatus(CONN(st)) == CONNECTION_BAD);
}

/* ---- claims: advisory locks ---- */

/* Runs "SELECT f(class, key)" for a lock function f; its boolean result
 * in *got (true for the functions that return void). */
static int
pg_lock(struct store *st, const char *fn, int32_t cls, int32_t key,
    bool *got)
{
	char sql[96], a[16], b[16], v[8];
	const char *p[2] = { a, b };

	snprintf(sql, sizeof(sql), "SELECT %s($1::int4, $2::int4)", fn);
	snprintf(a, sizeof(a), "%" PRId32, cls);
	snprintf(b, sizeof(b), "%" PRId32, key);
	if (pg_value(st, sql, 2, p, v, sizeof(v)) != 0)
		return -1;
	*got = strcmp(v, "f") != 0;
	return 0;
}

static int
pg_lock_sha(struct store *st, const char *sha)
{
	uint32_t k = 0;
	bool got;

	for (int i = 0; i < 8 && hexval(sha[i]) >= 0; i++)
		k = k << 4 | (uint32_t)hexval(sha[i]);
	return pg_lock(st, "pg_advisory_xact_lock", PG_LOCK_SHA, (int32_t)k,
	    &got);
}

static int
pg_hold(struct store *st, int64_t id)
{
	bool got;

	return pg_lock(st, "pg_advisory_lock", PG_LOCK_HELD,
	    (int32_t)(uint32_t)id, &got);
}

static void
pg_unhold(struct store *st, int64_t id)
{
	bool got;

	if (!pg_lost(st))
		(void)pg_lock(st, "pg_advisory_unlock", PG_LOCK_HELD,
		    (int32_t)(uint32_t)id, &got);
}

/*
 * The importer of claim id is alive while some session holds its lock:
 * trying it (for the rest of the transaction, if any) says which.
 */
static enum owner_state
pg_owner(struct store *st, int64_t id, const struct owner *o)
{
	bool free_lock;

	(void)o;
	if (pg_lock(st, "pg_try_advisory_xact_lock", PG_LOCK_HELD,
	    (int32_t)(uint32_t)id, &free_lock) != 0)
		return OWNER_UNKNOWN;
	return free_lock ? OWNER_DEAD : OWNER_ALIVE;
}

/* ---- identity, schema, opening ---- */

/*
 * Reads what the database holds: *version 0 and *empty when the current
 * schema has no table at all; -1 with err when it is not ours (*foreign:
 * tables but no sipalg_meta, which is also what a first import that is
 * creating the schema at this moment looks like from outside its lock)
 * or newer.
 */
static int
check_identity(struct store *st, int64_t *version, bool *empty,
    bool *foreign, char *err, size_t n)
{
	char v[64], app[64];

	*version = 0;
	*empty = *foreign = false;
	if (pg_value(st, "SELECT CASE WHEN to_regclass('sipalg_meta') IS NULL"
	    " THEN (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname"
	    " = current_schema()) ELSE -1 END", 0, NULL, v, sizeof(v)) != 0)
		goto fail;
	if (strcmp(v, "-1") != 0) {
		if (strcmp(v, "0") == 0) {
			*empty = true;
			return 0;
		}
		*foreign = true;
		snprintf(err, n, "not a sipalg database (its schema holds %s "
		    "tables and no sipalg_meta); it was left untouched", v);
		return -1;
	}
	if (pg_value(st, "SELECT value FROM sipalg_meta WHERE name ="
	    " 'application'", 0, NULL, app, sizeof(app)) != 0 ||
	    pg_value(st, "SELECT value FROM sipalg_meta WHERE name ="
	    " 'schema_version'", 0, NULL, v, sizeof(v)) != 0)
		goto fail;
	if (strcmp(app, "sipalg") != 0) {
		snprintf(err, n, "not a sipalg database (sipalg_meta names "
		    "application '%.40s'); it was left untouched", app);
		return -1;
	}
	*version = strtoll(v, NULL, 10);
	return store_version_check(*version, false, err, n);
fail:
	snprintf(err, n, "cannot read the database: %s", st->lasterr);
	return -1;
}

/* Creates the schema or migrates it forward, in one transaction, under a
 * lock that makes concurrent first importers wait for each other. */
static int
create_or_migrate(struct store *st, char *err, size_t n)
{
	char sql[128];
	int64_t version;
	bool empty, foreign;

	if (pg_exec(st, "BEGIN") != 0) {
		snprintf(err, n, "cannot start a transaction: %s", st->lasterr);
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d, 0)",
	    PG_LOCK_SHA);
	if (pg_exec(st, sql) != 0) {
		snprintf(err, n, "cannot lock the database: %s", st->lasterr);
		goto fail_quiet;
	}
	if (check_identity(st, &version, &empty, &foreign, err, n) != 0)
		goto fail_quiet;
	for (int v = (int)version + 1; v <= STORE_SCHEMA_VERSION; v++)
		if (pg_exec(st, store_sql_step(DIALECT_PG, v)) != 0)
			goto fail;
	if (empty && (pg_exec(st, "CREATE TABLE sipalg_meta(name TEXT PRIMARY"
	    " KEY, value TEXT NOT NULL)") != 0 ||
	    pg_exec(st, "INSERT INTO sipalg_meta VALUES ('application',"
	    " 'sipalg'), ('schema_version', '0')") != 0))
		goto fail;
	snprintf(sql, sizeof(sql), "UPDATE sipalg_meta SET value = '%d' WHERE"
	    " name = 'schema_version'", STORE_SCHEMA_VERSION);
	if (pg_exec(st, sql) != 0 || pg_exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, n, "cannot create or migrate the schema: %s",
	    st->lasterr);
fail_quiet:
	(void)pg_exec(st, "ROLLBACK");
	return -1;
}

static int
pg_open(struct store *st, const char *uri, bool writable, char *err,
    size_t n)
{
	int64_t version = 0;
	bool empty = false, foreign = false;
	char v[16];
	const struct pq_api *lib = pq_load(err, n);
	struct pg_conn *c;

	if (lib == NULL)
		return -1;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->pq = lib->PQconnectdb(uri)) == NULL) {
		free(c);
		snprintf(err, n, "out of memory");
		return -1;
	}
	c->lib = lib;
	st->conn = c;
	if (LIB(st)->PQstatus(CONN(st)) != CONNECTION_OK) {
		pg_error(st, NULL);
		st->dead = false;
		snprintf(err, n, "cannot connect: %s", st->lasterr);
		return -1;
	}
	LIB(st)->PQsetNoticeProcessor(CONN(st), no_notice, NULL);
	if (pg_exec(st, "SET client_encoding = 'UTF8'") != 0 ||
	    pg_exec(st, "SET extra_float_digits = 3") != 0 ||
	    pg_exec(st, "SET bytea_output = 'hex'") != 0 ||
	    pg_exec(st, "SET client_min_messages = 'warning'") != 0) {
		snprintf(err, n, "cannot configure the session: %s", st->lasterr);
		return -1;
	}
	/* A writer asks again under the lock (create_or_migrate): what looks
	 * foreign may be a schema another importer is creating. */
	if (check_identity(st, &version, &empty, &foreign, err, n) != 0 &&
	    !(writable && foreign))
		return -1;
	if (!writable) {
		if (empty) {
			snprintf(err, n, "the database is empty (no sipalg schema)");
			return -1;
		}
		if (store_version_check(version, true, err, n) != 0)
			return -1;
		st->version = (int)version;
		/* Nothing this handle runs can write, whatever the role. */
		return pg_exec(st, "SET default_transaction_read_only = on");
	}
	if ((empty || foreign || version < STORE_SCHEMA_VERSION) &&
	    create_or_migrate(st, err, n) != 0)
		return -1;
	st->version = STORE_SCHEMA_VERSION;
	/* A role that may only read: say so now, not at the first INSERT. */
	if (pg_value(st, "SELECT has_table_privilege('captures', 'INSERT,"
	    " UPDATE, DELETE') AND has_table_privilege('dialogs', 'INSERT')"
	    " AND has_table_privilege('messages', 'INSERT')", 0, NULL, v,
	    sizeof(v)) != 0) {
		snprintf(err, n, "cannot read the database: %s", st->lasterr);
		return -1;
	}
	if (strcmp(v, "t") != 0) {
		snprintf(err, n, "role '%s' may only read this database: reports "
		    "(--report) and sipalg-browse work with it; importing needs "
		    "INSERT, UPDATE and DELETE on its tables",
		    LIB(st)->PQuser(CONN(st)));
		return -1;
	}
	return 0;
}

static void
pg_close(struct store *st)
{
	struct pg_conn *c = PC(st);

	if (c == NULL)
		return;
	c->lib->PQfinish(c->pq);
	for (int i = 0; i < c->ncopy; i++) {
		free(c->copy[i].head);
		free(c->copy[i].buf);
	}
	for (int i = 0; i < c->npool; i++)
		free(c->pool[i].ids);
	free(c);
	st->conn = NULL;
}

const struct store_backend store_pg_backend = {
	.name = "PostgreSQL",
	.dialect = DIALECT_PG,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.is_null = pg_is_null,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.lost = pg_lost,
	.begin_write = "BEGIN",
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.end_read = "COMMIT",
	.lock_sha = pg_lock_sha,
	.hold = pg_hold,
	.unhold = pg_unhold,
	.owner = pg_owner,
};

#else

/* Built without libpq: store.c says so when given a URI. */
typedef int store_pg_unused;

#endif /* HAVE_LIBPQ */
