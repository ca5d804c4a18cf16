/*
 * files.c - sipalg-analyze's file driver (cli.h): the captures named on
 * the command line analysed together, merged by time, through the source
 * layer; the report on stdout (and --html); with --db each capture is
 * claimed by its SHA-256 before it is read, its rows written as the
 * dialogs end and made visible only once all are, and a write error, a
 * lost connection or a signal gives this run's claims up (earlier copies
 * untouched).  Also the signal handling every driver uses: SIGINT and
 * SIGTERM stop the source being read so that the run ends cleanly.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static struct source *running;
volatile sig_atomic_t cli_interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	cli_interrupted = 1;
	if (running != NULL)
		source_stop(running);
}

void
cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Unannounced streams are stored under the first opened capture: the
 * library does not say which file they came from. */
static void
on_stream_store(void *user, const struct rtp_stream *s)
{
	struct run *r = user;

	if (r->st != NULL && !r->store_failed &&
	    store_put_stream(r->st, r->cap_ids[0], s) != 0)
		r->store_failed = 1;
	cli_on_stream(user, s);
}

/*
 * The most a run's inputs were read so far.  Streams (standard input, a
 * pipe) have no size: capture_set_progress() counts none for them, and
 * the last call (analysis.c: done = total) says 0 of 0; one run per
 * process, so a file-scope figure serves.
 */
static uint64_t progress_read;

static void
on_progress(void *user, uint64_t done, uint64_t total, uint64_t packets)
{
	struct run *r = user;
	struct timespec now;
	double el;

	/* A long import keeps its claims fresh (store.h). */
	if (r->st != NULL && !r->store_failed && store_tick(r->st) != 0)
		r->store_failed = 1;
	if (!r->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (double)(now.tv_sec - r->t0.tv_sec) +
	    (double)(now.tv_nsec - r->t0.tv_nsec) / 1e9;
	if (done > progress_read)
		progress_read = done;
	if (total == 0)         /* only streams: what was read, no total */
		fprintf(stderr, "\r" PROG ": %.1f MB read, %" PRIu64
		    " packets, %.0f packets/s   ",
		    (double)progress_read / (1 << 20), packets,
		    el > 0 ? (double)packets / el : 0.0);
	else
		fprintf(stderr, "\r" PROG ": %" PRIu64 " of %" PRIu64
		    " MB, %" PRIu64 " packets, %.0f packets/s   ",
		    done >> 20, total >> 20, packets,
		    el > 0 ? (double)packets / el : 0.0);
	r->progress_shown = 1;
}

/*
 * Ends a --db run that stores nothing more (a signal, a write error, a
 * lost connection): this run's claims and the rows under them go (or,
 * with the connection gone, stay hidden until the next import takes them
 * over), copies stored before stay, and the message says which.  Frees
 * the run; returns status.
 */
static int
store_give_up(struct run *run, const struct opts *o, struct source *a,
    char *const *files, int nfiles, int status)
{
	char err[512];

	free(run->names);
	run->names = NULL;
	if (run->st != NULL) {
		if (store_lost(run->st)) {
			/* "connection lost during import of a.pcap, b.pcap" */
			fprintf(stderr, PROG ": ");
			text_fput_escaped(stderr, o->dbname, strlen(o->dbname),
			    TEXT_ESC_PLAIN);
			fputs(": connection lost during import of ", stderr);
			for (int i = 0; i < nfiles; i++) {
				if (i > 0)
					fputs(", ", stderr);
				text_fput_escaped(stderr, files[i], strlen(files[i]),
				    TEXT_ESC_PLAIN);
			}
			fputs("; nothing of it was stored\n", stderr);
		} else if (store_abort(run->st, err, sizeof(err)) == 0) {
			warn("%s: nothing of this run's unfinished captures was "
			    "stored; copies stored before are kept", o->dbname);
		} else {
			warn("%s: cannot remove this run's unfinished rows (%s): "
			    "they stay hidden, and the next import of the same "
			    "files replaces them", o->dbname, err);
		}
		store_close(run->st);
		free(run->cap_ids);
	}
	cli_html_close(run, "", false);
	report_free(run->rep);
	source_free(a);
	return status;
}

/*
 * Analyses files (merged by time) and, with --db, stores them: the
 * report on stdout, the exit status returned.
 */
int
cli_run_files(const struct opts *o, char *const *files, int nfiles)
{
	struct source_cb cb = { NULL, cli_on_dialog, cli_on_stream, on_progress,
	    NULL };
	struct run run;
	struct source *a;
	int status = 0, opened = 0;
	const char *db = o->db;

	memset(&run, 0, sizeof(run));
	run.progress = o->progress && isatty(STDERR_FILENO);
	cb.user = &run;
	if (db != NULL) {
		char err[512];

		cb.on_stream = on_stream_store;
		run.st = store_open(db, true, err, sizeof(err));
		if (run.st == NULL) {
			warn("%s: %s", o->dbname, err);
			return 3;
		}
		(void)store_set_site(run.st, o->site);
		run.cap_ids = calloc((size_t)nfiles, sizeof(int64_t));
		if (run.cap_ids == NULL) {
			store_close(run.st);
			return 3;
		}
	}
	a = source_open_files(NULL, 0, &cb, NULL, 0);
	run.rep = report_new(o->html != NULL && !o->format_given ? cli_devnull() :
	    stdout, &o->ro);
	if (a == NULL || run.rep == NULL) {
		warn("out of memory");
		return 3;
	}
	if (o->html != NULL && cli_html_open(&run, o->html, &o->ro, files,
	    nfiles) != 0) {
		report_free(run.rep);
		source_free(a);
		return 3;
	}
	if ((run.names = calloc((size_t)nfiles, sizeof(*run.names))) == NULL) {
		warn("out of memory");
		return store_give_up(&run, o, a, files, 0, 3);
	}
	/* From the first claim on, a signal gives this run's claims up. */
	cli_catch_signals();
	for (int i = 0; i < nfiles && !cli_interrupted; i++) {
		char err[512], sha[65], alias[32];
		const char *name = files[i];
		uint64_t size = 0;
		int64_t id = -1;

		if (run.st != NULL) {
			name = cli_hash_input(files[i], sha, &size, alias, sizeof(alias),
			    err, sizeof(err));
			if (name == NULL) {
				warn("%s: %s", files[i], err);
				status = 3;
				continue;
			}
			switch (store_capture_claim(run.st, files[i], sha, size,
			    o->replace, &id, err, sizeof(err))) {
			case STORE_CLAIMED:
				break;
			case STORE_DUPLICATE:
				warn("%s: already in %s (same SHA-256), skipped; its "
				    "report: " PROG " --db '%s' --report --capture %"
				    PRId64 "; --replace imports it again", files[i],
				    o->dbname, o->dbname, id);
				continue;
			case STORE_REPEATED:
				warn("%s: given twice (same SHA-256 as an earlier "
				    "file of this run), skipped", files[i]);
				continue;
			case STORE_BUSY:
				warn("%s: %s; skipped, nothing of it stored by this "
				    "run", files[i], err);
				status = 3;
				continue;
			default:
				if (!store_lost(run.st))
					warn("%s: %s", o->dbname, err);
				return store_give_up(&run, o, a, files + i, 1, 3);
			}
		}
		if (source_add_file(a, name, err, sizeof(err)) != 0) {
			warn("%s: %s", files[i], err);
			status = 3;
			if (id > 0 && store_capture_abort(run.st, id) != 0) {
				if (!store_lost(run.st))
					warn("%s: %s", o->dbname, store_errmsg(run.st));
				return store_give_up(&run, o, a, files + i, 1, 3);
			}
			continue;
		}
		if (run.st != NULL)
			run.cap_ids[opened] = id;
		/* names[] becomes the opened files, in cap_idx order. */
		run.names[opened] = files[i];
		opened++;
	}
	/* The files' names as given, in cap_idx order, for frame refs. */
	if (opened > 0 && (report_captures(run.rep, run.names,
	    (size_t)opened) != 0 || (run.html != NULL &&
	    report_captures(run.html, run.names, (size_t)opened) != 0))) {
		warn("out of memory");
		return store_give_up(&run, o, a, files, nfiles, 3);
	}
	free(run.names);
	run.names = NULL;
	if (opened > 0 && !cli_interrupted) {
		clock_gettime(CLOCK_MONOTONIC, &run.t0);
		report_begin(run.rep);
		running = a;
		(void)source_run(a, NULL, 0);
		running = NULL;
		if (run.progress_shown)
			fputs("\r\033[K", stderr);
		cli_warn_inputs(a);
	}
	if (cli_interrupted) {
		warn("interrupted");
		return store_give_up(&run, o, a, files, nfiles, 130);
	}
	if (opened > 0) {
		cli_end_report(run.rep, run.html, a);
		for (int i = 0; run.st != NULL && !run.store_failed && i < opened;
		    i++)
			if (store_capture_end(run.st, run.cap_ids[i],
			    source_capture_info(a, (size_t)i),
			    source_capture_stats(a, (size_t)i)) != 0)
				run.store_failed = 1;
	}
	if (cli_html_close(&run, o->html, opened > 0) != 0)
		status = 3;
	if (run.st != NULL && run.store_failed) {
		if (!store_lost(run.st))
			warn("%s: writing failed: %s", o->dbname,
			    store_errmsg(run.st));
		return store_give_up(&run, o, a, files, nfiles, 3);
	}
	if (run.st != NULL) {
		store_close(run.st);
		free(run.cap_ids);
	}
	if (status == 0 && report_affected(run.rep) > 0)
		status = 1;
	report_free(run.rep);
	source_free(a);
	return status;
}
