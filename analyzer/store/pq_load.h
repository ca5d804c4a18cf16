/*
 * pq_load.h - libpq for the PostgreSQL backend (store_pg.c), loaded with
 * dlopen() when a PostgreSQL store is first opened instead of linked:
 * libpq needs some 25 shared libraries (TLS, Kerberos, LDAP, SASL), and
 * linking them cost every run of every program about 4.6 ms of dynamic
 * linking at start-up, PostgreSQL or not.  <libpq-fe.h> still gives the
 * types, so libpq-dev stays a build dependency; the programs do not need
 * libpq to start, only to open a postgresql:// store.
 */
#ifndef SIPALG_PQ_LOAD_H
#define SIPALG_PQ_LOAD_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * The libpq functions store_pg.c calls, each field named as the function
 * and of its type as <libpq-fe.h> declares it (so a call through the
 * table is checked as a direct call would be).  A function store_pg.c
 * starts to use gets a field here and a line in pq_load.c's table.
 */
struct pq_api {
	__typeof__(PQclear) *PQclear;
	__typeof__(PQcmdTuples) *PQcmdTuples;
	__typeof__(PQconnectdb) *PQconnectdb;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQexecParams) *PQexecParams;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQgetResult) *PQgetResult;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQnfields) *PQnfields;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQputCopyData) *PQputCopyData;
	__typeof__(PQputCopyEnd) *PQputCopyEnd;
	__typeof__(PQresultErrorField) *PQresultErrorField;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
	__typeof__(PQstatus) *PQstatus;
	__typeof__(PQtransactionStatus) *PQtransactionStatus;
	__typeof__(PQuser) *PQuser;
};

/*
 * Loads libpq and resolves every function of struct pq_api, the first
 * time it is called in the process; later calls, from any thread, return
 * that first outcome (pthread_once).  The library is loaded by the name
 * in $SIPALG_LIBPQ when set and not empty (a file name the dynamic
 * linker searches for, or a path), else by LIBPQ_SONAME, libpq's SONAME
 * as configure found it ("libpq.so.5").
 *
 * Returns the table, valid until the process exits (libpq is never
 * unloaded).  Returns NULL when the library cannot be loaded or lacks a
 * function, with "cannot load NAME: CAUSE" in err (errlen bytes, always
 * terminated); nothing else is changed.
 */
const struct pq_api *pq_load(char *err, size_t errlen);

#endif /* SIPALG_PQ_LOAD_H */
