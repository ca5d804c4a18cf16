/*
 * loader.c - the loader of sipalg-browse: the thread that reads the
 * source (source.h: capture files; --db and pair mode in sources.c) and
 * appends each finished dialog to a mutex-protected array, with progress
 * figures, for the UI thread to copy (browse.c's app_sync).  No curses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
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

bool
loader_add(struct loader *ld, struct dialog *d)
{
	bool kept = true;

	pthread_mutex_lock(&ld->mu);
	if (ld->n == ld->cap) {
		size_t nc = ld->cap ? ld->cap * 2 : 256;
		struct dialog **v = realloc(ld->v, nc * sizeof(*v));

		if (v == NULL) {
			ld->dropped++;
			kept = false;
		} else {
			ld->v = v;
			ld->cap = nc;
		}
	}
	if (kept)
		ld->v[ld->n++] = d;
	pthread_mutex_unlock(&ld->mu);
	return kept;
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

