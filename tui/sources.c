/*
 * sources.c - the two other places sipalg-browse takes dialogs from,
 * besides pcap files (browse.c): a stored analysis (--db, store.h) and an
 * inside/outside capture pair (--inside/--outside, diff.h); and saving
 * selected dialogs to a pcap whatever the source.
 *
 * --db: read through the library's source (source.h), as sipalg-analyze
 * --report reads it: the store lists its captures, then rebuilds every
 * dialog with its messages (re-parsed from the raw bytes it kept),
 * streams and stored findings; a dialog's capture index is its capture
 * row's position in that listing.  Dialog ids are renumbered so that
 * dialogs of different captures never share one (marks are kept by id).
 * The
 * store keeps no RTP packets, so saving a pcap re-reads the original file
 * recorded in the capture row, only when it is still there with the same
 * SHA-256.  Saving never writes over a file being browsed, and writes
 * beside the name, renaming into place when complete (outfile.h).
 *
 * Pair mode: the comparison (two passes over both files, each through
 * the ingest stage) runs first and each of its dialogs is deep-copied
 * (pairs.h) as it completes, then the analysis of the inside and of the
 * outside file, each through the library's files source (source.h) as
 * pcap files and sipalg-analyze are read, so that the
 * ladder, symptoms and RTP panels work on the outside capture and a
 * message's two copies can be shown side by side with their raw text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "base/outfile.h"
#include "base/sha256.h"
#include "source/source.h"
#include "ui.h"

/* ---- --db ---- */

static void
db_on_capture(void *user, const struct store_capture *c)
{
	struct loader *ld = user;
	struct db_capture *v;

	pthread_mutex_lock(&ld->mu);
	v = realloc(ld->caps, (ld->ncaps + 1) * sizeof(*v));
	if (v != NULL) {
		ld->caps = v;
		v[ld->ncaps].path = strdup(c->info.path != NULL ?
		    c->info.path : "");
		snprintf(v[ld->ncaps].sha256, sizeof(v[ld->ncaps].sha256), "%s",
		    c->sha256);
		ld->ncaps++;
	}
	ld->total += c->stats.dialogs;
	pthread_mutex_unlock(&ld->mu);
}

static bool
db_on_dialog(void *user, struct dialog *d)
{
	struct loader *ld = user;

	/* d->id is the source's number (source_number_in_order): dialogs of
	 * different captures never share one (marks are kept by id). */
	if (!loader_add(ld, d))
		return false;
	pthread_mutex_lock(&ld->mu);
	ld->done++;
	pthread_mutex_unlock(&ld->mu);
	return true;
}

static void
db_run(struct loader *ld)
{
	char err[256];

	if (source_run(ld->src_ctx, err, sizeof(err)) < 0) {
		pthread_mutex_lock(&ld->mu);
		snprintf(ld->err, sizeof(ld->err), "reading the database: %.200s",
		    err);
		pthread_mutex_unlock(&ld->mu);
	}
}

static void
db_free(struct loader *ld)
{
	source_free(ld->src_ctx);
	ld->src_ctx = NULL;
	for (size_t i = 0; i < ld->ncaps; i++)
		free(ld->caps[i].path);
	free(ld->caps);
	ld->caps = NULL;
	ld->ncaps = 0;
}

static const struct source_ops db_source = { "db", db_run, db_free };

/* source_list's callback: counts the captures a filter selects. */
static void
db_count(void *user, const struct store_capture *c)
{
	(void)c;
	(*(size_t *)user)++;
}

int
loader_open_db(struct loader *ld, const char *path,
    const struct store_filter *f, char *err, size_t errlen)
{
	struct source_cb cb = { 0 };
	size_t n = 0;

	cb.on_capture = db_on_capture;
	cb.on_dialog = db_on_dialog;
	cb.user = ld;
	ld->src_ctx = source_open_db(path, &cb, err, errlen);
	if (ld->src_ctx == NULL)
		return -1;
	/* Joins name their other dialog by the numbers given here. */
	source_number_in_order(ld->src_ctx, true);
	if (f != NULL) {
		if (source_select(ld->src_ctx, f) != 0) {
			snprintf(err, errlen, "out of memory");
			source_free(ld->src_ctx);
			ld->src_ctx = NULL;
			return -1;
		}
		if (source_list(ld->src_ctx, f, db_count, &n, err,
		    errlen) != 0) {
			source_free(ld->src_ctx);
			ld->src_ctx = NULL;
			return -1;
		}
	}
	ld->is_db = true;
	ld->src = &db_source;
	ld->db_path = path;
	ld->phase = "reading the database";
	return f != NULL && n == 0 ? 1 : 0;
}

/* ---- pair mode ---- */

static void
pair_on_dialog(void *user, const struct diff_dialog *dd)
{
	struct loader *ld = user;
	struct pairset *ps = ld->ps;
	struct pair_dialog *pd = pair_dialog_dup(dd);

	if (pd == NULL) {
		pthread_mutex_lock(&ld->mu);
		ld->dropped++;
		pthread_mutex_unlock(&ld->mu);
		return;
	}
	pthread_mutex_lock(&ld->mu);
	if (ps->npd == ps->cap) {
		size_t nc = ps->cap ? ps->cap * 2 : 64;
		struct pair_dialog **v = realloc(ps->pd, nc * sizeof(*v));

		if (v == NULL) {
			ld->dropped++;
			pthread_mutex_unlock(&ld->mu);
			pair_dialog_free(pd);
			return;
		}
		ps->pd = v;
		ps->cap = nc;
	}
	pd->id = ps->npd + 1;
	ps->pd[ps->npd++] = pd;
	pthread_mutex_unlock(&ld->mu);
}

static bool
pair_on_inside(void *user, struct dialog *d)
{
	struct loader *ld = user;
	struct pairset *ps = ld->ps;
	bool kept = true;

	pthread_mutex_lock(&ld->mu);
	if (ps->nin == ps->incap) {
		size_t nc = ps->incap ? ps->incap * 2 : 64;
		struct dialog **v = realloc(ps->in, nc * sizeof(*v));

		if (v == NULL)
			kept = false;
		else {
			ps->in = v;
			ps->incap = nc;
		}
	}
	if (kept)
		ps->in[ps->nin++] = d;
	pthread_mutex_unlock(&ld->mu);
	return kept;
}

static void
set_phase(struct loader *ld, const char *phase)
{
	pthread_mutex_lock(&ld->mu);
	ld->phase = phase;
	ld->done = ld->total = ld->packets = 0;
	pthread_mutex_unlock(&ld->mu);
}

static void
pair_run(struct loader *ld)
{
	struct pairset *ps = ld->ps;
	struct diff_cb cb = { 0 };
	struct diff *d;
	char err[256];

	cb.on_dialog = pair_on_dialog;
	cb.user = ld;
	d = diff_new(NULL, &cb);
	if (d == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (diff_files(d, ps->path[0], ps->path[1], err, sizeof(err)) < 0) {
		diff_free(d);
		goto fail;
	}
	pthread_mutex_lock(&ld->mu);
	if (pair_summary_fill(ps->summary, d) == 0)
		ps->have_summary = true;
	else
		snprintf(ld->err, sizeof(ld->err), "out of memory for the "
		    "mapping table");
	pthread_mutex_unlock(&ld->mu);
	diff_free(d);
	set_phase(ld, "analysing the inside capture");
	(void)source_run(ps->an[0], NULL, 0);
	set_phase(ld, "analysing the outside capture");
	(void)source_run(ps->an[1], NULL, 0);
	set_phase(ld, NULL);
	return;
fail:
	pthread_mutex_lock(&ld->mu);
	snprintf(ld->err, sizeof(ld->err), "comparison: %.200s", err);
	pthread_mutex_unlock(&ld->mu);
}

static void
pair_free(struct loader *ld)
{
	struct pairset *ps = ld->ps;

	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->npd; i++)
		pair_dialog_free(ps->pd[i]);
	free(ps->pd);
	for (size_t i = 0; i < ps->nin; i++)
		dialog_free(ps->in[i]);
	free(ps->in);
	for (int s = 0; s < 2; s++)
		source_free(ps->an[s]);
	if (ps->summary != NULL)
		pair_summary_fini(ps->summary);
	free(ps->summary);
	free(ps);
	ld->ps = NULL;
}

static const struct source_ops pair_source = { "pair", pair_run, pair_free };

int
loader_open_pair(struct loader *ld, const char *inside, const char *outside,
    char *err, size_t errlen)
{
	struct pairset *ps = calloc(1, sizeof(*ps));
	const char *path[2] = { inside, outside };

	ld->ps = ps;
	if (ps == NULL || (ps->summary = calloc(1, sizeof(*ps->summary))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		pair_free(ld);
		return -1;
	}
	for (int s = 0; s < 2; s++) {
		struct source_cb cb = { 0 };
		char e[200];

		ps->path[s] = path[s];
		cb.on_dialog = s == 0 ? pair_on_inside : loader_on_dialog;
		cb.on_progress = loader_on_progress;
		cb.user = ld;
		ps->an[s] = source_open_files(NULL, 0, &cb, e, sizeof(e));
		if (ps->an[s] == NULL) {
			snprintf(err, errlen, "out of memory");
			pair_free(ld);
			return -1;
		}
		if (source_add_file(ps->an[s], path[s], e, sizeof(e)) < 0) {
			snprintf(err, errlen, "%s: %s", path[s], e);
			pair_free(ld);
			return -1;
		}
	}
	/* The dialogs of the call list (and saving) are the outside's,
	 * every one kept whole: a message's two copies are looked up in
	 * them (pairview.c). */
	ld->keep_max = SIZE_MAX;
	ld->paths = &ps->path[1];
	ld->npaths = 1;
	ld->src = &pair_source;
	ld->phase = "comparing inside and outside";
	return 0;
}

void
loader_fini(struct loader *ld)
{
	if (ld->src != NULL && ld->src->free != NULL)
		ld->src->free(ld);
}

/* ---- saving ---- */

static int
db_save(struct loader *ld, const struct dialog *const *ds, size_t n,
    const char *out, uint64_t *written, uint64_t *skipped, char *err,
    size_t errlen)
{
	uint32_t cap = ds[0]->cap_idx;
	const struct db_capture *c;
	struct dialog **copy;
	char sha[65], alt[4096];
	const char *path;
	int rc = -1;

	for (size_t i = 1; i < n; i++)
		if (ds[i]->cap_idx != cap) {
			snprintf(err, errlen, "the dialogs come from different "
			    "captures: save those of one capture at a time");
			return -1;
		}
	if (cap >= ld->ncaps) {
		snprintf(err, errlen, "the database names no capture file for "
		    "this dialog");
		return -1;
	}
	c = &ld->caps[cap];
	path = c->path;
	/* A relative path was relative to where the import ran: try here,
	 * then beside the database. */
	if (access(path, R_OK) != 0 && path[0] != '/' && ld->db_path != NULL) {
		const char *sl = strrchr(ld->db_path, '/');

		if (sl != NULL) {
			snprintf(alt, sizeof(alt), "%.*s/%s",
			    (int)(sl - ld->db_path), ld->db_path, path);
			if (access(alt, R_OK) == 0)
				path = alt;
		}
	}
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "original capture missing (%s): %.200s; "
		    "the database keeps no RTP or frames", strerror(errno),
		    c->path);
		return -1;
	}
	if (sha256_file(path, sha) < 0) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	if (strcmp(sha, c->sha256) != 0) {
		snprintf(err, errlen, "%.200s has changed since it was stored "
		    "(SHA-256 differs)", path);
		return -1;
	}
	/*
	 * export_pcap indexes paths by the messages' capture index: give it
	 * this one file as index 0 through shallow copies of the dialogs
	 * (their messages copied with the index rewritten, nothing else).
	 */
	copy = calloc(n, sizeof(*copy));
	if (copy == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		copy[i] = malloc(sizeof(**copy));
		if (copy[i] == NULL)
			goto oom;
		*copy[i] = *ds[i];
		copy[i]->cap_idx = 0;
		copy[i]->msgs = malloc((ds[i]->nmsgs ? ds[i]->nmsgs : 1) *
		    sizeof(*copy[i]->msgs));
		if (copy[i]->msgs == NULL)
			goto oom;
		memcpy(copy[i]->msgs, ds[i]->msgs, ds[i]->nmsgs *
		    sizeof(*copy[i]->msgs));
		for (size_t k = 0; k < ds[i]->nmsgs; k++)
			copy[i]->msgs[k].cap_idx = 0;
	}
	rc = export_pcap(&path, 1, (const struct dialog *const *)copy, n, out,
	    written, skipped, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	for (size_t i = 0; copy != NULL && i < n; i++) {
		if (copy[i] != NULL)
			free(copy[i]->msgs);
		free(copy[i]);
	}
	free(copy);
	return rc;
}

const char *
loader_is_input(const struct loader *ld, const char *path)
{
	for (size_t i = 0; i < ld->npaths; i++)
		if (outfile_same(path, ld->paths[i]))
			return "a capture being browsed";
	for (int i = 0; ld->ps != NULL && i < 2; i++)
		if (outfile_same(path, ld->ps->path[i]))
			return "a capture being browsed";
	if (outfile_same(path, ld->db_path))
		return "the database being browsed";
	for (size_t i = 0; i < ld->ncaps; i++)
		if (outfile_same(path, ld->caps[i].path))
			return "a capture the database records";
	return NULL;
}

int
loader_save(struct loader *ld, const struct dialog *const *ds, size_t n,
    const char *out, uint64_t *written, uint64_t *skipped, char *err,
    size_t errlen)
{
	struct outfile of;
	const char *what;
	char e[256];
	int rc;

	*written = *skipped = 0;
	if (n == 0) {
		snprintf(err, errlen, "no dialog to save");
		return -1;
	}
	if ((what = loader_is_input(ld, out)) != NULL) {
		snprintf(err, errlen, "%.200s is %s (the same file): choose "
		    "another name", out, what);
		return -1;
	}
	if (outfile_begin(&of, out, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%.200s: %s", out, e);
		return -1;
	}
	if (ld->src == &db_source)
		rc = db_save(ld, ds, n, of.write_path, written, skipped, err,
		    errlen);
	else
		rc = export_pcap(ld->paths, ld->npaths, ds, n, of.write_path,
		    written, skipped, err, errlen);
	if (rc < 0) {
		outfile_abort(&of);
		return -1;
	}
	if (outfile_commit(&of, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%.200s: %s", out, e);
		return -1;
	}
	return rc;
}
