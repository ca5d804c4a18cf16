/*
 * loader.c - the loader of sipalg-browse: the thread that reads the
 * source (source.h: capture files; --db and pair mode in sources.c) and
 * appends each finished dialog's row (view.h) to a mutex-protected array,
 * with progress figures, for the UI thread to copy (browse.c's app_sync);
 * the whole dialog stays on its row only while the budget lasts (ui.h),
 * and loader_fetch reads dialogs again from the source.  No curses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "sip/sipmsg.h"
#include "source/source.h"
#include "ui.h"

/* ---- the pcap source ---- */

bool
loader_on_dialog(void *user, struct dialog *d)
{
	return loader_add(user, d);
}

void
loader_on_progress(void *user, uint64_t done, uint64_t total,
    uint64_t packets)
{
	struct loader *ld = user;

	pthread_mutex_lock(&ld->mu);
	ld->done = done;
	ld->total = total;
	ld->packets = packets;
	pthread_mutex_unlock(&ld->mu);
}

static void
pcap_run(struct loader *ld)
{
	(void)source_run(ld->src_ctx, NULL, 0);
}

static void
pcap_free(struct loader *ld)
{
	source_free(ld->src_ctx);
}

static const struct source_ops pcap_source = {
	"pcap", pcap_run, pcap_free
};

int
loader_open_pcaps(struct loader *ld, const char *const *paths, size_t npaths,
    char *err, size_t errlen)
{
	struct source_cb cb = { 0 };

	cb.on_dialog = loader_on_dialog;
	cb.on_progress = loader_on_progress;
	cb.user = ld;
	ld->src_ctx = source_open_files(paths, npaths, &cb, err, errlen);
	if (ld->src_ctx == NULL)
		return -1;
	ld->src = &pcap_source;
	ld->paths = paths;
	ld->npaths = npaths;
	return 0;
}

size_t
loader_dialog_bytes(const struct dialog *d)
{
	size_t n = sizeof(*d) + d->msgs_cap * sizeof(d->msgs[0]);

	for (size_t i = 0; i < d->nmsgs; i++)
		n += sipmsg_mem_bytes(d->msgs[i].m);
	if (d->findings != NULL)
		n += sizeof(*d->findings);
	n += (size_t)d->nstreams * sizeof(struct rtp_stream);
	return n;
}

bool
loader_add(struct loader *ld, struct dialog *d)
{
	struct view_row *r = view_row_new(d);
	size_t bytes = loader_dialog_bytes(d);
	bool kept = r != NULL;

	pthread_mutex_lock(&ld->mu);
	if (kept && ld->n == ld->cap) {
		size_t nc = ld->cap ? ld->cap * 2 : 256;
		struct view_row **v = realloc(ld->v, nc * sizeof(*v));

		if (v == NULL) {
			kept = false;
		} else {
			ld->v = v;
			ld->cap = nc;
		}
	}
	if (!kept) {
		ld->dropped++;
		pthread_mutex_unlock(&ld->mu);
		free(r);
		return false;
	}
	/* The whole dialog while the budget lasts; the row alone after. */
	if (ld->keep_max == SIZE_MAX || (ld->kept <= ld->keep_max &&
	    bytes <= ld->keep_max - ld->kept)) {
		r->d = d;
		ld->kept += bytes;
		d = NULL;
	}
	ld->v[ld->n++] = r;
	pthread_mutex_unlock(&ld->mu);
	dialog_free(d);
	return true;
}

/* ---- reading dialogs again ---- */

struct fetch {
	struct source *src;
	const uint64_t *ids;
	size_t n, found;
	bool (*each)(void *user, struct dialog *d);
	void *user;
};

static bool
fetch_on_dialog(void *user, struct dialog *d)
{
	struct fetch *f = user;
	size_t lo = 0, hi = f->n;

	/* A database's dialogs come numbered as the loader numbers them
	 * (source_number_in_order, sources.c's db_on_dialog). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->ids[mid] < d->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->n || f->ids[lo] != d->id)
		return false;
	if (++f->found == f->n)
		source_stop(f->src);
	return f->each(f->user, d);
}

long
loader_fetch(struct loader *ld, const uint64_t *ids, size_t n,
    bool (*each)(void *user, struct dialog *d), void *user, char *err,
    size_t errlen)
{
	struct source_cb cb = { 0 };
	struct fetch f = { 0 };
	int rc;

	if (n == 0)
		return 0;
	if (ld->ps != NULL) {
		/* Pair mode keeps every dialog whole. */
		snprintf(err, errlen, "this dialog is no longer in memory");
		return -1;
	}
	f.ids = ids;
	f.n = n;
	f.each = each;
	f.user = user;
	cb.on_dialog = fetch_on_dialog;
	cb.user = &f;
	if (ld->is_db) {
		f.src = source_open_db(ld->db_path, &cb, err, errlen);
		if (f.src != NULL)
			source_number_in_order(f.src, true);
		if (f.src != NULL && ld->db_filter != NULL &&
		    source_select(f.src, ld->db_filter) != 0) {
			snprintf(err, errlen, "out of memory");
			source_free(f.src);
			return -1;
		}
	} else {
		f.src = source_open_files(ld->paths, ld->npaths, &cb, err,
		    errlen);
	}
	if (f.src == NULL)
		return -1;
	rc = source_run(f.src, err, errlen);
	source_free(f.src);
	return rc < 0 ? -1 : (long)f.found;
}

static void *
loader_main(void *arg)
{
	struct loader *ld = arg;

	ld->src->run(ld);
	pthread_mutex_lock(&ld->mu);
	ld->finished = true;
	pthread_mutex_unlock(&ld->mu);
	return NULL;
}

char *
loader_frame_ref(struct loader *ld, uint32_t cap_idx, uint64_t frame,
    char *buf, size_t n)
{
	const char *name = NULL, *sl;

	pthread_mutex_lock(&ld->mu);
	if (ld->npaths > 1 && cap_idx < ld->npaths)
		name = ld->paths[cap_idx];
	else if (ld->is_db && ld->ncaps > 1 && cap_idx < ld->ncaps)
		name = ld->caps[cap_idx].path;
	if (name != NULL && (sl = strrchr(name, '/')) != NULL)
		name = sl + 1;
	text_frame_ref(buf, n, name, frame);
	pthread_mutex_unlock(&ld->mu);
	return buf;
}

int
loader_start(struct loader *ld)
{
	if (pthread_create(&ld->thread, NULL, loader_main, ld) != 0)
		return -1;
	ld->started = true;
	return 0;
}

