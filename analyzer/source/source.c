/*
 * source.c - capture files or a stored analysis as one source of dialogs
 * (source.h).
 *
 * Files are the analysis (analysis.h) with the caller's callbacks.  A
 * database is store_read() with three things added between the store
 * and the caller: the captures are kept (for the report's summary), the
 * verdict is built beside the stored findings (source.h says how), and
 * a joined call's first dialog is held back, with the dialogs read after
 * it, until its other dialog is read (db_on_dialog), so that the other's
 * responses are noted before it is judged.  Numbered in order, the store
 * numbers the dialogs as they are read (store_number_in_read), and each
 * of a joined pair names the other by that number however far apart
 * they lie; held back or not, they are handed on in the order read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"

/* Stored dialogs held back at most (db_on_dialog). */
#define SOURCE_HELD 256

struct source {
	struct source_cb cb;
	struct analysis *an;          /* files */
	struct store *st;             /* database */
	struct store_filter f;        /* database: source_select */
	char *f_capture, *f_site;     /* its strings (owned) */
	struct store_capture **caps;  /* database: each its own block */
	size_t ncaps;
	struct detect *dt;            /* database: the verdict's score */
	uint64_t dialogs, affected;   /* database: over stored findings */
	uint64_t by_id[SYMPTOM_COUNT];
	/* database: dialogs read, waiting for the other dialog of a
	 * joined call (db_on_dialog) */
	struct dialog *held[SOURCE_HELD];
	size_t nheld;
	size_t await[SOURCE_HELD];    /* indexes into held */
	size_t nawait;
};

static void
set_err(char *err, size_t errlen, const char *what)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", what);
}

struct source *
source_open_files(const char *const *paths, size_t n,
    const struct source_cb *cb, char *err, size_t errlen)
{
	struct source *s = calloc(1, sizeof(*s));
	struct analysis_cb acb = { 0 };

	if (s == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (cb != NULL)
		s->cb = *cb;
	acb.on_dialog = s->cb.on_dialog;
	acb.on_stream = s->cb.on_stream;
	acb.on_progress = s->cb.on_progress;
	acb.user = s->cb.user;
	s->an = analysis_new(&acb);
	if (s->an == NULL) {
		set_err(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char e[200];

		if (source_add_file(s, paths[i], e, sizeof(e)) < 0) {
			if (errlen > 0)
				snprintf(err, errlen, "%s: %s", paths[i], e);
			source_free(s);
			return NULL;
		}
	}
	return s;
}

int
source_add_file(struct source *s, const char *path, char *err,
    size_t errlen)
{
	if (s->an == NULL) {
		set_err(err, errlen, "a database source takes no capture file");
		return -1;
	}
	return analysis_add_file(s->an, path, err, errlen) < 0 ? -1 : 0;
}

struct source *
source_open_db(const char *path, const struct source_cb *cb, char *err,
    size_t errlen)
{
	struct source *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->dt = detect_new()) == NULL) {
		free(s);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (cb != NULL)
		s->cb = *cb;
	s->st = store_open(path, false, err, errlen);
	if (s->st == NULL) {
		source_free(s);
		return NULL;
	}
	return s;
}

void
source_number_in_order(struct source *s, bool on)
{
	if (s->st != NULL)
		store_number_in_read(s->st, on);
}

bool
source_is_db(const struct source *s)
{
	return s != NULL && s->st != NULL;
}

/* A stored capture: kept (its path copied), then handed on. */
static void
db_on_capture(void *user, const struct store_capture *c)
{
	struct source *s = user;
	struct store_capture **v, *k;

	v = realloc(s->caps, (s->ncaps + 1) * sizeof(*v));
	if (v == NULL)
		return;
	s->caps = v;
	k = malloc(sizeof(*k));
	if (k == NULL)
		return;
	*k = *c;
	k->info.path = strdup(c->info.path != NULL ? c->info.path : "");
	if (k->info.path == NULL) {
		free(k);
		return;
	}
	k->info.linkname = k->link;
	/* The store keeps how many keepalives a capture had, not whose:
	 * the binding detector is told so (detect.h). */
	detect_keepalives_unattributed(s->dt, (uint32_t)s->ncaps,
	    c->stats.keepalives);
	s->caps[s->ncaps++] = k;
	if (s->cb.on_capture != NULL)
		s->cb.on_capture(s->cb.user, c);
}

/*
 * The copies the analysis cited for stored joined dialog d: the two
 * Call-ID evidence of its stored alg_rewrite_evidence finding that name
 * d's Call-ID and its other's, one after the other, as detect_join
 * writes them.  Returns true with them in ev.
 */
static bool
stored_cite(const struct dialog *d, struct evidence ev[2])
{
	const struct findings *fs = d->findings;
	const char *rw = symptom_name(SYMPTOM_ALG_REWRITE_EVIDENCE);
	/* detect_join writes at most 120 and 100 bytes of them */
	size_t la = strnlen(d->call_id, 120), lb = strnlen(d->join.call_id, 100);

	for (int i = 0; d->join.id != 0 && fs != NULL && i < fs->n; i++) {
		const struct finding *f = &fs->f[i];

		if (strcmp(f->id, rw) != 0)
			continue;
		for (int k = 0; k + 1 < f->nev; k++) {
			const struct evidence *a = &f->ev[k], *b = &f->ev[k + 1];

			if (strcmp(a->field, "Call-ID") == 0 &&
			    strcmp(b->field, "Call-ID") == 0 &&
			    strncmp(a->value, d->call_id, la) == 0 &&
			    a->value[la] == ' ' &&
			    strncmp(b->value, d->join.call_id, lb) == 0 &&
			    b->value[lb] == ' ') {
				ev[0] = *a;
				ev[1] = *b;
				return true;
			}
		}
	}
	return false;
}

/*
 * A stored dialog, judged: the detectors run for the verdict's score
 * (their findings dropped, the stored ones put back), the counts taken
 * from the stored findings.  The advisories are the stored ones too; a
 * capture stored before the store kept them (schema 4) gets the
 * detectors'.  Then handed on (freed unless the callee keeps it), with
 * the store's numbers (numbered in order: as read, source.h).
 */
static void
db_judge(struct source *s, struct dialog *d)
{
	struct findings *stored = d->findings, *fresh;
	struct dialog_join join = d->join;
	bool seen[SYMPTOM_COUNT] = { false };
	bool kept = d->cap_idx < s->ncaps &&
	    s->caps[d->cap_idx]->advisories_stored;
	struct evidence cite[2];

	/* A join cites the copies the analysis cited (its bounded notes
	 * may have dropped the first ones; the replay's did not). */
	if (stored_cite(d, cite))
		detect_join_cite(s->dt, cite);
	detect_dialog(s->dt, d);
	/* The join is the stored one (detect_join may miss it: the notes
	 * of the analysis are not all replayed). */
	d->join = join;
	fresh = d->findings;
	if (!kept && fresh != NULL && fresh->nadv > 0) {
		if (stored == NULL) {
			stored = fresh;         /* advisories only */
			stored->n = 0;
			fresh = NULL;
		} else {
			memcpy(stored->adv, fresh->adv,
			    (size_t)fresh->nadv * sizeof(fresh->adv[0]));
			stored->nadv = fresh->nadv;
		}
	}
	free(fresh);
	d->findings = stored;
	s->dialogs++;
	/* One call seen as two dialogs counts once (detect.c does so). */
	if (stored != NULL && stored->n > 0) {
		if (!join.other_first || !join.other_affected)
			s->affected++;
		for (int i = 0; i < stored->n; i++) {
			int k = symptom_lookup(stored->f[i].id);

			if (k >= 0 && !seen[k]) {
				seen[k] = true;
				if (!join.other_first ||
				    !(join.counted & 1u << k))
					s->by_id[k]++;
			}
		}
	}
	if (s->cb.on_dialog == NULL || !s->cb.on_dialog(s->cb.user, d))
		dialog_free(d);
}

/* Whether dialog o is the other one d's join names (its number and
 * Call-ID: numbers of different runs' captures may repeat). */
static bool
is_other(const struct dialog *d, const struct dialog *o)
{
	return d->join.id != 0 && o->id == d->join.id &&
	    strncmp(o->call_id, d->join.call_id, sizeof(d->join.call_id) - 1)
	    == 0;
}

/*
 * Notes the messages of joined dialog a, and of its other b when b is
 * not NULL, as the analysis noted them when they arrived: requests
 * (first copies) and responses, the two dialogs' in time order, so
 * that the join's notes (kept for the copies' time window) meet as
 * they met in the analysis and the verdict gets the same evidence.
 */
static void
note_pair(struct source *s, const struct dialog *a, const struct dialog *b)
{
	size_t i = 0, k = 0, nb = b != NULL ? b->nmsgs : 0;

	while (i < a->nmsgs || k < nb) {
		const struct dialog *d;
		const struct dmsg *m;

		if (k == nb || (i < a->nmsgs &&
		    a->msgs[i].ts_ns <= b->msgs[k].ts_ns)) {
			d = a;
			m = &a->msgs[i++];
		} else {
			d = b;
			m = &b->msgs[k++];
		}
		if (m->m->is_request)
			detect_request_sent(s->dt, d, m);
		else
			detect_request_answered(s->dt, d, m);
	}
}

/* Judges the dialogs held back, in the order they were read. */
static void
db_release(struct source *s)
{
	/* Those still waiting never met their other: noted alone. */
	for (size_t i = 0; i < s->nawait; i++)
		note_pair(s, s->held[s->await[i]], NULL);
	for (size_t i = 0; i < s->nheld; i++)
		db_judge(s, s->held[i]);
	s->nheld = 0;
	s->nawait = 0;
}

/*
 * A stored dialog, read.  A joined one's requests and responses are
 * noted (note_pair), with its other's when that is read, as the analysis
 * noted them when they arrived, so that a call seen as two
 * dialogs gives the verdict its evidence again (detect_join); only a
 * joined one's: the analysis, whose notes are bounded, may have found
 * fewer joins than all the notes would give, and the store says which
 * it found.  A dialog judged before
 * its other one (its join says so) needs the other's responses noted
 * before it is judged: it and the dialogs read after it wait (in order,
 * SOURCE_HELD at most) until the other is read.
 */
static bool
db_on_dialog(void *user, struct dialog *d)
{
	struct source *s = user;

	bool noted = d->join.id == 0;

	for (size_t i = 0; i < s->nawait; i++)
		if (is_other(s->held[s->await[i]], d)) {
			note_pair(s, s->held[s->await[i]], d);
			noted = true;
			s->await[i] = s->await[--s->nawait];
			break;
		}
	/* The first judged of a pair waits for its other to be noted with
	 * it; one whose other was read before (or never is) goes alone. */
	if (!noted && d->join.other_first)
		note_pair(s, d, NULL);
	if (s->nawait == 0 && s->nheld == 0 &&
	    (d->join.id == 0 || d->join.other_first)) {
		db_judge(s, d);
		return true;
	}
	if (d->join.id != 0 && !d->join.other_first)
		s->await[s->nawait++] = s->nheld;
	s->held[s->nheld++] = d;
	if (s->nawait == 0 || s->nheld == SOURCE_HELD)
		db_release(s);
	return true;
}

static void
db_on_stream(void *user, const struct rtp_stream *st)
{
	struct source *s = user;

	db_release(s);

	if (s->cb.on_stream != NULL)
		s->cb.on_stream(s->cb.user, st);
}

int
source_select(struct source *s, const struct store_filter *f)
{
	char *capture = NULL, *site = NULL;

	if (s->st == NULL)
		return -1;
	if (f != NULL && ((f->capture != NULL &&
	    (capture = strdup(f->capture)) == NULL) ||
	    (f->site != NULL && (site = strdup(f->site)) == NULL))) {
		free(capture);
		return -1;
	}
	free(s->f_capture);
	free(s->f_site);
	memset(&s->f, 0, sizeof(s->f));
	s->f.capture_id = f != NULL ? f->capture_id : 0;
	s->f.capture = s->f_capture = capture;
	s->f.site = s->f_site = site;
	return 0;
}

int
source_list(struct source *s, const struct store_filter *f,
    void (*on_capture)(void *user, const struct store_capture *c),
    void *user, char *err, size_t errlen)
{
	if (s->st == NULL) {
		set_err(err, errlen, "a files source has no stored captures");
		return -1;
	}
	return store_read_filtered(s->st, f, on_capture, NULL, NULL, user,
	    err, errlen) != 0 ? -1 : 0;
}

/* A database run starts afresh: no capture listed, a new verdict. */
static int
db_restart(struct source *s)
{
	struct detect *dt = detect_new();

	if (dt == NULL)
		return -1;
	detect_free(s->dt);
	s->dt = dt;
	for (size_t i = 0; i < s->ncaps; i++) {
		free(s->caps[i]->info.path);
		free(s->caps[i]);
	}
	s->ncaps = 0;
	s->dialogs = s->affected = 0;
	memset(s->by_id, 0, sizeof(s->by_id));
	return 0;
}

int
source_run(struct source *s, char *err, size_t errlen)
{
	int rc;

	if (s->an != NULL) {
		analysis_run(s->an);
		return 0;
	}
	if (db_restart(s) != 0) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	rc = store_read_filtered(s->st, &s->f, db_on_capture, db_on_dialog,
	    db_on_stream, s, err, errlen);
	db_release(s);
	return rc != 0 ? -1 : 0;
}

void
source_stop(struct source *s)
{
	if (s != NULL && s->an != NULL)
		analysis_stop(s->an);
}

size_t
source_capture_count(const struct source *s)
{
	return s->an != NULL ? analysis_capture_count(s->an) : s->ncaps;
}

const struct capture_info *
source_capture_info(struct source *s, size_t i)
{
	if (s->an != NULL)
		return analysis_capture_info(s->an, i);
	return i < s->ncaps ? &s->caps[i]->info : NULL;
}

const struct analysis_capstats *
source_capture_stats(const struct source *s, size_t i)
{
	if (s->an != NULL)
		return analysis_capture_stats(s->an, i);
	return i < s->ncaps ? &s->caps[i]->stats : NULL;
}

void
source_verdict_get(const struct source *s, struct detect_verdict *v)
{
	if (s->an != NULL) {
		detect_verdict_get(analysis_detect(s->an), v);
		return;
	}
	detect_verdict_get(s->dt, v);
	v->dialogs = s->dialogs;
	v->affected = s->affected;
	memcpy(v->by_id, s->by_id, sizeof(v->by_id));
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	analysis_free(s->an);
	store_close(s->st);
	for (size_t i = 0; i < s->ncaps; i++) {
		free(s->caps[i]->info.path);
		free(s->caps[i]);
	}
	free(s->caps);
	free(s->f_capture);
	free(s->f_site);
	detect_free(s->dt);
	free(s);
}
