/*
 * pq_load.c - loads libpq when the first PostgreSQL store is opened
 * (pq_load.h says why it is not linked).
 *
 * The library is opened with dlopen(RTLD_NOW | RTLD_LOCAL): all of libpq
 * and its dependencies are bound at once, so a broken installation fails
 * here, with the loader's reason, rather than at some later call; and
 * nothing of it is visible to other objects of the process.  Each
 * function of struct pq_api is looked up by name; one missing means the
 * file is not a usable libpq, and the handle is closed again.  A handle
 * that succeeded is never closed: libpq and OpenSSL register exit
 * handlers and thread keys that must outlive every connection.
 *
 * The outcome is decided once per process under pthread_once (the
 * browser's loader thread and the analyzer's files open stores on
 * different threads) and kept: the table, or the error message, which
 * every later call gets again.  Limits: the name comes from the
 * environment ($SIPALG_LIBPQ) only when the process is not set-user-ID
 * or set-group-ID (secure_getenv, where the C library has it).
 */
#include "config.h"

#ifdef HAVE_LIBPQ

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pq_load.h"

#ifndef LIBPQ_SONAME
#define LIBPQ_SONAME "libpq.so.5"
#endif

#define FN(name) { #name, offsetof(struct pq_api, name) }
static const struct {
	const char *name;
	size_t off;
} fns[] = {
	FN(PQclear), FN(PQcmdTuples), FN(PQconnectdb), FN(PQerrorMessage),
	FN(PQexec), FN(PQexecParams), FN(PQfinish), FN(PQgetResult),
	FN(PQgetisnull), FN(PQgetvalue), FN(PQnfields), FN(PQntuples),
	FN(PQputCopyData), FN(PQputCopyEnd), FN(PQresultErrorField),
	FN(PQresultStatus), FN(PQsetNoticeProcessor), FN(PQstatus),
	FN(PQtransactionStatus), FN(PQuser),
};
#undef FN

/* A field of struct pq_api without its line above would stay NULL; and
 * each field is filled with the bytes of dlsym()'s void *. */
_Static_assert(sizeof(fns) / sizeof(fns[0]) * sizeof(void (*)(void)) ==
    sizeof(struct pq_api), "struct pq_api and fns[] list the same functions");
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "a function's address fits a void *");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct pq_api api;
static const struct pq_api *loaded;     /* &api once every field is set */
static char why[512];                   /* else the reason */

/* The library's name: $SIPALG_LIBPQ, else configure's. */
static const char *
lib_name(void)
{
	const char *e;

#ifdef HAVE_SECURE_GETENV
	e = secure_getenv("SIPALG_LIBPQ");
#else
	e = getenv("SIPALG_LIBPQ");
#endif
	return e != NULL && *e != '\0' ? e : LIBPQ_SONAME;
}

static void
load(void)
{
	const char *name = lib_name();
	size_t nl = strlen(name);
	const char *e;
	void *h;

	dlerror();
	h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		/* glibc says "NAME: cannot open shared object file: ...";
		 * the message names the library once. */
		e = dlerror();
		if (e == NULL)
			e = "unknown error";
		else if (strncmp(e, name, nl) == 0 && strncmp(e + nl, ": ", 2) == 0)
			e += nl + 2;
		snprintf(why, sizeof(why), "cannot load %s: %s", name, e);
		return;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		/* POSIX: a function's address survives the trip through
		 * void *, which is all dlsym() can return. */
		void *f = dlsym(h, fns[i].name);

		if (f == NULL) {
			snprintf(why, sizeof(why), "cannot load %s: it has no "
			    "function %s (not libpq?)", name, fns[i].name);
			(void)dlclose(h);
			return;
		}
		memcpy((char *)&api + fns[i].off, &f, sizeof(f));
	}
	loaded = &api;
}

const struct pq_api *
pq_load(char *err, size_t errlen)
{
	(void)pthread_once(&once, load);
	if (loaded == NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return loaded;
}

#else

/* Built without libpq: there is nothing to load. */
typedef int pq_load_unused;

#endif /* HAVE_LIBPQ */
