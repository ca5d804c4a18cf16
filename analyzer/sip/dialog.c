/*
 * dialog.c - grouping SIP messages into dialogs, folding retransmissions,
 * tracking call state, and reporting dialogs as soon as they are over.
 *
 * Messages are grouped by Call-ID (RFC 3261 §8.1.1.4): the INVITE dialog
 * with its in-dialog requests, or all refreshes of a registration.  A
 * message is a retransmission of an earlier one in the same group when
 * direction, top Via branch, CSeq number and method, To tag and method or
 * status all agree (§17.1.1.3, §17.2.3): it is counted and timed on the
 * first copy, not stored again.  Keeping the direction in the key matters
 * behind a proxy, where the same request legitimately crosses twice.
 *
 * Memory is bounded by the dialogs in flight.  Every dialog sits on one of
 * three expiry lists ordered by last activity:
 *   ENDED    - call over (BYE, final failure, CANCEL): reported after
 *              CAP_DIALOG_LINGER_NS of quiet, so late retransmissions and
 *              trailing RTP are still attributed;
 *   ACTIVE   - calls and subscriptions in progress: CAP_DIALOG_IDLE_NS;
 *   REGISTER - registrations: refreshes of one binding (same Call-ID,
 *              RFC 3261 §10.2.4) stay together until CAP_REGISTER_IDLE_NS
 *              of quiet, so a failing refresh is seen beside the good ones;
 *   NONCALL  - OPTIONS, MESSAGE ... awaiting their final response:
 *              CAP_NONCALL_IDLE_NS (then they end like calls).
 * A global byte budget (CAP_DIALOG_TOTAL_BYTES) evicts the least recently
 * active dialogs early when a capture holds more than that in flight.
 *
 * Cost (dialog_table_take).  A message is parsed with sipmsg_parse_with,
 * which, once its header walk has found the Call-ID and before libosip2
 * sees anything, asks the table for that dialog's messages (prior_msgs).
 * A retransmission -- the same bytes again -- is recognised there among
 * the dialog's messages by a hash of their raw bytes (kept in each dmsg,
 * confirmed by comparing the bytes) and the parse stops: the copy is
 * folded in unparsed.  Any other message gets the dialog's newest
 * messages as priors, so libosip2 only reads the header lines that
 * dialog has not shown yet.
 *
 * The blocks of dialogs the table frees itself (the dialog, its message
 * array, each message's one block, sipmsg.h) are kept for the next ones
 * in lists by size class, up to POOL_IDLE_BYTES: the newest block of a
 * class is reused first, while still in cache, and malloc's search
 * through free blocks of every size (1 to 8 KB: beyond its fast caches)
 * is skipped.  Pooled blocks are plain malloc blocks of their class's
 * size, so a dialog a done callback kept is freed with dialog_free
 * anywhere, by any thread.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sip/dialog.h"
#include "base/arena.h"
#include "base/text.h"

enum { LRU_ENDED, LRU_ACTIVE, LRU_REGISTER, LRU_NONCALL, LRU_COUNT };

static const int64_t lru_timeout[LRU_COUNT] = {
	CAP_DIALOG_LINGER_NS, CAP_DIALOG_IDLE_NS, CAP_REGISTER_IDLE_NS,
	CAP_NONCALL_IDLE_NS,
};

struct lru {
	struct dialog *head, *tail; /* head = least recently active */
};

/* Message block pool: classes of POOL_STEP bytes up to POOL_CLASSES steps. */
/* Bytes of each message block prefetch_dialog() asks for. */
#define PREFETCH_MSG_BYTES 1024

#define POOL_STEP 256
#define POOL_CLASSES 32
#define POOL_IDLE_BYTES (2 * 1024 * 1024)

struct pool_blk {
	struct pool_blk *next;
};

struct dialog_table {
	struct htab byid;
	struct lru lists[LRU_COUNT];
	size_t count;
	size_t bytes;
	uint64_t next_id;
	dialog_done_fn done;
	void *user;
	/* The message dialog_table_take() is taking, for prior_msgs(). */
	const uint8_t *take_msg;
	size_t take_len;
	uint64_t take_hash;
	const struct pkt *take_pkt;
	struct dialog *hint;      /* its dialog, once prior_msgs() found it */
	/*
	 * prior_msgs() found no dialog for the Call-ID: its hash, for the
	 * add that follows to look it up and create the dialog with it.
	 * Only when the Call-ID fits a dialog's call_id whole.
	 */
	bool new_valid;
	uint64_t new_hash;
	struct dmsg *known;       /* the original it repeats, if any */
	struct pool_blk *pool[POOL_CLASSES]; /* [c]: blocks of c * POOL_STEP */
	size_t pool_bytes;
};

static const char *const kind_names[DIALOG_KIND_COUNT] = {
	"call", "register", "options", "subscribe", "message", "other",
};

static const char *const state_names[DIALOG_STATE_COUNT] = {
	"setup", "ringing", "in call", "completed", "cancelled", "rejected",
	"busy", "diverted", "failed", "no 2xx",
};

static const char *const method_names[SIPM_COUNT] = {
	[SIPM_INVITE] = "INVITE", [SIPM_ACK] = "ACK", [SIPM_BYE] = "BYE",
	[SIPM_CANCEL] = "CANCEL", [SIPM_PRACK] = "PRACK",
	[SIPM_UPDATE] = "UPDATE", [SIPM_REGISTER] = "REGISTER",
	[SIPM_OPTIONS] = "OPTIONS", [SIPM_SUBSCRIBE] = "SUBSCRIBE",
	[SIPM_NOTIFY] = "NOTIFY", [SIPM_PUBLISH] = "PUBLISH",
	[SIPM_MESSAGE] = "MESSAGE", [SIPM_REFER] = "REFER",
	[SIPM_INFO] = "INFO",
};

const char *
sip_method_name(unsigned c)
{
	return c < SIPM_COUNT && method_names[c] != NULL ? method_names[c] :
	    "";
}

/*
 * The codes whose names start with each capital letter (index: letter -
 * 'A'), at most two a letter, 0 (SIPM_NONE) ending the list: which names
 * of method_names sip_method_code compares.  test_dialog checks every
 * code against strcmp of every name, so a name missing here fails it.
 */
static const uint8_t method_by_letter[26][2] = {
	['A' - 'A'] = { SIPM_ACK },
	['B' - 'A'] = { SIPM_BYE },
	['C' - 'A'] = { SIPM_CANCEL },
	['I' - 'A'] = { SIPM_INVITE, SIPM_INFO },
	['M' - 'A'] = { SIPM_MESSAGE },
	['N' - 'A'] = { SIPM_NOTIFY },
	['O' - 'A'] = { SIPM_OPTIONS },
	['P' - 'A'] = { SIPM_PRACK, SIPM_PUBLISH },
	['R' - 'A'] = { SIPM_REGISTER, SIPM_REFER },
	['S' - 'A'] = { SIPM_SUBSCRIBE },
	['U' - 'A'] = { SIPM_UPDATE },
};

/*
 * SIPM_OTHER or the code of method s, from method_names (the one list of
 * the names): only the names of s's first letter are compared, in line
 * (names are a few letters: a call to strcmp cost more; going through
 * all sixteen names cost about 60 instructions a call, this about 20).
 */
uint8_t
sip_method_code(const char *s)
{
	unsigned l = (unsigned char)s[0] - 'A';

	if (l >= 26)
		return SIPM_OTHER;
	for (int k = 0; k < 2 && method_by_letter[l][k] != SIPM_NONE; k++) {
		unsigned c = method_by_letter[l][k];
		const char *n = method_names[c];
		size_t i = 1;

		while (n[i] != '\0' && n[i] == s[i])
			i++;
		if (n[i] == s[i])
			return (uint8_t)c;
	}
	return SIPM_OTHER;
}

const char *
dialog_kind_name(enum dialog_kind k)
{
	return (unsigned)k < DIALOG_KIND_COUNT ? kind_names[k] : "?";
}

const char *
dialog_vis_name(unsigned state)
{
	static const char *const names[] = { NULL, "visible", "not_visible",
	    "unknown" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : NULL;
}

const char *
dialog_state_name(enum dialog_state s)
{
	return (unsigned)s < DIALOG_STATE_COUNT ? state_names[s] : "?";
}

int64_t
dialog_duration_ns(const struct dialog *d)
{
	int64_t end;

	if (d->answer_ns == 0)
		return 0;
	end = d->end_ns != 0 ? d->end_ns : d->last_ns;
	return end > d->answer_ns ? end - d->answer_ns : 0;
}

int64_t
dialog_setup_ns(const struct dialog *d)
{
	int64_t t = d->ring_ns != 0 ? d->ring_ns : d->answer_ns;

	return t != 0 ? t - d->start_ns : -1;
}

static void
lru_unlink(struct dialog_table *t, struct dialog *d)
{
	struct lru *l = &t->lists[d->lru];

	if (d->lru_prev)
		d->lru_prev->lru_next = d->lru_next;
	else
		l->head = d->lru_next;
	if (d->lru_next)
		d->lru_next->lru_prev = d->lru_prev;
	else
		l->tail = d->lru_prev;
	d->lru_prev = d->lru_next = NULL;
}

static void
lru_append(struct dialog_table *t, struct dialog *d, int which)
{
	struct lru *l = &t->lists[which];

	d->lru = which;
	d->lru_next = NULL;
	d->lru_prev = l->tail;
	if (l->tail)
		l->tail->lru_next = d;
	else
		l->head = d;
	l->tail = d;
}

/* Which expiry list a dialog belongs on now. */
static int
lru_for(const struct dialog *d)
{
	switch (d->kind) {
	case DIALOG_CALL:
		return d->end_ns != 0 ? LRU_ENDED : LRU_ACTIVE;
	case DIALOG_SUBSCRIBE:
		return LRU_ACTIVE;
	case DIALOG_REGISTER:
		return LRU_REGISTER;
	default:
		return d->end_ns != 0 ? LRU_ENDED : LRU_NONCALL;
	}
}

/*
 * Moves d to the tail of the list it belongs on now; when it is that
 * tail already (the dialog of the message before), nothing is written.
 */
static void
touch(struct dialog_table *t, struct dialog *d, int64_t now_ns)
{
	int which;

	if (now_ns > d->last_ns)
		d->last_ns = now_ns;
	which = lru_for(d);
	if (t->lists[which].tail != d) {
		lru_unlink(t, d);
		lru_append(t, d, which);
	}
	d->lru_ns = d->last_ns;
}

/*
 * Media keeps a dialog alive on every packet; moving it to the list tail
 * each time would cost more than the rest of the RTP path.  The list order
 * may lag last_ns by up to a second, so expiry can be up to a second late.
 */
#define TOUCH_GRANULARITY_NS CAP_NS_PER_SEC

void
dialog_table_touch(struct dialog_table *t, struct dialog *d, int64_t now_ns)
{
	if (now_ns > d->last_ns)
		d->last_ns = now_ns;
	if (d->last_ns - d->lru_ns >= TOUCH_GRANULARITY_NS)
		touch(t, d, now_ns);
}

static uint64_t
callid_hash(const char *cid)
{
	return htab_hash_words(cid, strlen(cid));
}

/* callid_hash of the first 255 bytes of cid, as a dialog keeps it. */
static uint64_t
callid_hash_trunc(const char *cid)
{
	return htab_hash_words(cid, strnlen(cid,
	    sizeof(((struct dialog *)0)->call_id) - 1));
}

static int
callid_match(const struct hnode *n, const void *key)
{
	const struct dialog *d = HTAB_ENTRY(n, struct dialog, node);

	return strcmp(d->call_id, (const char *)key) == 0;
}

static struct dialog *
find_by_callid(struct dialog_table *t, const char *cid, uint64_t h)
{
	struct hnode *n = htab_find(&t->byid, h, callid_match, cid);

	return n != NULL ? HTAB_ENTRY(n, struct dialog, node) : NULL;
}

/* ---- raw bytes ------------------------------------------------------ */

/*
 * The hash of a message's raw bytes kept in its dmsg: its length, its
 * first RAW_HASH_HEAD bytes (the start line and, mostly, the top Via's
 * branch) and its last RAW_HASH_TAIL.  Messages that differ elsewhere
 * only share a hash: a match is always confirmed by comparing all the
 * bytes, which stops at the first difference.  Half the ends 256 and
 * 64 of before: about 80 instructions a message less; on the bench
 * captures still no stored message shares a hash with another of other
 * bytes, on the public corpus 41 more comparisons were refused.
 */
#define RAW_HASH_HEAD 128
#define RAW_HASH_TAIL 32

static uint64_t
raw_hash(const uint8_t *msg, size_t len)
{
	return htab_hash_ends(msg, len, RAW_HASH_HEAD, RAW_HASH_TAIL);
}

/*
 * The message of d whose raw bytes are msg[0..len) (hash h) and that
 * parsed with no anomaly, newest first; NULL when none.
 */
static const struct dmsg *
same_bytes(const struct dialog *d, const uint8_t *msg, size_t len,
    uint64_t h)
{
	for (size_t i = d->nmsgs; i-- > 0;) {
		const struct sipmsg *m;

		/* The first messages' hashes are told apart in d itself. */
		if (i < DIALOG_FP && d->raw_fp[i] != (uint16_t)h)
			continue;
		if (d->msgs[i].raw_hash != h)
			continue;
		m = d->msgs[i].m;
		if (m->raw_len == len && m->quiet &&
		    memcmp(m->raw, msg, len) == 0)
			return &d->msgs[i];
	}
	return NULL;
}

/* ---- message block pool -------------------------------------------- */

/* What pool_get(n) hands out: n rounded up to its class (or n). */
static size_t
pool_cap(size_t n)
{
	size_t c = (n + POOL_STEP - 1) / POOL_STEP;

	return c > 0 && c < POOL_CLASSES ? c * POOL_STEP : n;
}

/*
 * A block of pool_cap(n) bytes: the newest pooled one of its class, or a
 * new one (malloc).  NULL on OOM.
 */
static void *
pool_get(struct dialog_table *t, size_t n)
{
	size_t cap = pool_cap(n), c = cap / POOL_STEP;
	struct pool_blk *b;

	if (cap % POOL_STEP == 0 && c > 0 && c < POOL_CLASSES &&
	    (b = t->pool[c]) != NULL) {
		t->pool[c] = b->next;
		t->pool_bytes -= cap;
		return b;
	}
	return malloc(cap);
}

/*
 * Takes back p, a malloc'd block of cap bytes: kept for reuse when cap
 * is a class size and the pool has room, else freed.  NULL is a no-op.
 */
static void
pool_put(struct dialog_table *t, void *p, size_t cap)
{
	size_t c = cap / POOL_STEP;
	struct pool_blk *b = p;

	if (p == NULL)
		return;
	if (cap % POOL_STEP != 0 || c == 0 || c >= POOL_CLASSES ||
	    t->pool_bytes + cap > POOL_IDLE_BYTES) {
		free(p);
		return;
	}
	b->next = t->pool[c];
	t->pool[c] = b;
	t->pool_bytes += cap;
}

/* sipmsg_lend.alloc: message blocks from the pool. */
static void *
pool_alloc(void *user, size_t n, size_t *cap)
{
	*cap = pool_cap(n);
	return pool_get(user, n);
}

/* Frees m, keeping its block for reuse (sipmsg_free's free() else). */
static void
pool_free_msg(struct dialog_table *t, struct sipmsg *m)
{
	if (m != NULL)
		pool_put(t, m, m->block_bytes);
}

static void
pool_fini(struct dialog_table *t)
{
	for (size_t c = 0; c < POOL_CLASSES; c++)
		while (t->pool[c] != NULL) {
			struct pool_blk *b = t->pool[c];

			t->pool[c] = b->next;
			free(b);
		}
	t->pool_bytes = 0;
}

struct dialog_table *
dialog_table_new(dialog_done_fn done, void *user)
{
	struct dialog_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (htab_init(&t->byid, 1024) != 0) {
		free(t);
		return NULL;
	}
	t->done = done;
	t->user = user;
	return t;
}

static size_t
msg_bytes(const struct sipmsg *m)
{
	return sipmsg_mem_bytes(m);
}

/*
 * Asks for the memory a dialog's report reads -- its message array and
 * the first lines of each message block -- all at once.  A dialog leaves
 * the table long after it was last touched, so that memory is cold; read
 * in turn by the detectors, each line would cost a full memory round trip
 * one after the other, while these requests overlap.
 */
static void
prefetch_dialog(const struct dialog *d)
{
	const char *a = (const char *)d->msgs;
	size_t n = d->nmsgs * sizeof(*d->msgs);

	for (size_t o = 0; o < n; o += 64)
		__builtin_prefetch(a + o);
	for (size_t i = 0; i < d->nmsgs; i++) {
		const char *m = (const char *)d->msgs[i].m;
		size_t mb = d->msgs[i].m->mem_bytes;

		for (size_t o = 0; o < mb && o < PREFETCH_MSG_BYTES; o += 64)
			__builtin_prefetch(m + o);
	}
}

/*
 * Dialogs leave the table from the heads of their LRU lists, so the next
 * ones to go are the released one's successors.  Asks for their memory
 * one release ahead, in stages so that no step waits on a line it did
 * not ask for before: the message blocks of the next dialog (its message
 * array was asked for at the previous release), the message array of the
 * one after (its struct was asked for then), and the struct of the third.
 * Only dialogs still linked in the list are read; an address prefetched
 * may go stale before its dialog is released, which is harmless for a
 * prefetch.  Measured (sig.pcap, 76 alternating pairs): 46 won, medians
 * 0.9-6.9 % lower; the detectors and htab_del wait less, and the time
 * the prefetches take shows in dialog_release.
 */
static void
prefetch_successors(const struct dialog *n)
{
	const struct dialog *nn, *nnn;

	if (n == NULL)
		return;
	/*
	 * Not reading each block's size, a load that would wait on it.
	 * Unrolled: one instruction a line (sig5k: 1.7 M instructions of
	 * loop counting less).
	 */
	for (size_t i = 0; i < n->nmsgs; i++) {
		const char *b = (const char *)n->msgs[i].m;

#pragma GCC unroll 16
		for (size_t o = 0; o < PREFETCH_MSG_BYTES; o += 64)
			__builtin_prefetch(b + o);
	}
	if ((nn = n->lru_next) == NULL)
		return;
	for (size_t o = 0; o < nn->nmsgs * sizeof(*nn->msgs); o += 64)
		__builtin_prefetch((const char *)nn->msgs + o);
	if ((nnn = nn->lru_next) != NULL) {
		__builtin_prefetch(nnn);
		__builtin_prefetch((const char *)nnn + 64);
	}
}

static void
dialog_release(struct dialog_table *t, struct dialog *d)
{
	prefetch_successors(d->lru_next);
	htab_del(&t->byid, &d->node);
	lru_unlink(t, d);
	if (t->hint == d)
		t->hint = NULL;
	t->count--;
	t->bytes -= d->mem_bytes;
	d->lru_prev = d->lru_next = NULL;
	prefetch_dialog(d);
	if (t->done && t->done(t->user, d))
		return;
	/* dialog_free, with the blocks kept for reuse. */
	for (size_t i = 0; i < d->nmsgs; i++)
		pool_free_msg(t, d->msgs[i].m);
	pool_put(t, d->msgs, pool_cap(d->msgs_cap * sizeof(*d->msgs)));
	d->nmsgs = d->msgs_cap = 0;
	d->msgs = NULL;
	for (int i = 0; i < d->nstreams; i++)
		free(d->streams[i]);
	free(d->findings);
	pool_put(t, d, pool_cap(sizeof(*d)));
}

void
dialog_free(struct dialog *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nmsgs; i++)
		sipmsg_free(d->msgs[i].m);
	free(d->msgs);
	for (int i = 0; i < d->nstreams; i++)
		free(d->streams[i]);
	free(d->findings);
	free(d);
}

void
dialog_table_free(struct dialog_table *t)
{
	if (t == NULL)
		return;
	/* Report what is left in order of first appearance per list. */
	for (int l = 0; l < LRU_COUNT; l++)
		while (t->lists[l].head)
			dialog_release(t, t->lists[l].head);
	htab_fini(&t->byid);
	pool_fini(t);
	free(t);
}

void
dialog_table_expire(struct dialog_table *t, int64_t now_ns)
{
	for (int l = 0; l < LRU_COUNT; l++) {
		struct dialog *d;

		while ((d = t->lists[l].head) != NULL &&
		    now_ns - d->last_ns > lru_timeout[l])
			dialog_release(t, d);
	}
}

size_t
dialog_table_count(const struct dialog_table *t)
{
	return t->count;
}

size_t
dialog_table_bytes(const struct dialog_table *t)
{
	return t->bytes;
}

void
dialog_table_foreach(struct dialog_table *t,
    void (*fn)(void *user, struct dialog *d), void *user)
{
	for (int l = 0; l < LRU_COUNT; l++) {
		struct dialog *d = t->lists[l].head, *next;

		for (; d != NULL; d = next) {
			next = d->lru_next;
			fn(user, d);
		}
	}
}

/* Evicts least recently active dialogs until the byte budget holds. */
static void
enforce_budget(struct dialog_table *t, const struct dialog *keep,
    struct anomalies *an)
{
	static const int order[] = { LRU_ENDED, LRU_NONCALL, LRU_REGISTER,
	    LRU_ACTIVE };

	while (t->bytes > CAP_DIALOG_TOTAL_BYTES || t->count > CAP_DIALOGS) {
		struct dialog *victim = NULL;

		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			victim = t->lists[order[i]].head;
			if (victim == keep)
				victim = victim->lru_next;
			if (victim)
				break;
		}
		if (victim == NULL)
			return;
		/* A dialog that is over only leaves its linger early. */
		if (victim->lru != LRU_ENDED) {
			victim->evicted = true;
			anomaly_add(an, ANOMALY_DIALOG_TABLE_FULL);
		}
		dialog_release(t, victim);
	}
}

/* The method codes (enum sip_method) of a message about to be stored. */
struct mcode {
	uint8_t method, cseq;
};

static struct mcode
mcode_of(const struct sipmsg *m)
{
	struct mcode c;

	c.cseq = sip_method_code(m->cseq_method);
	/* A response's method is its CSeq method, one string; a request's
	 * usually too (sipmsg.c shares it when they agree). */
	c.method = m->method == m->cseq_method ? c.cseq :
	    sip_method_code(m->method);
	return c;
}

/* The codes a stored message keeps. */
static struct mcode
dmsg_mcode(const struct dmsg *dm)
{
	struct mcode c = { dm->method_code, dm->cseq_code };

	return c;
}

/* The dialog kind of a first message of method code c. */
static enum dialog_kind
kind_of(uint8_t c)
{
	switch (c) {
	case SIPM_INVITE: case SIPM_ACK: case SIPM_BYE: case SIPM_CANCEL:
	case SIPM_PRACK: case SIPM_UPDATE:
		return DIALOG_CALL;
	case SIPM_REGISTER:
		return DIALOG_REGISTER;
	case SIPM_OPTIONS:
		return DIALOG_OPTIONS;
	case SIPM_SUBSCRIBE: case SIPM_NOTIFY: case SIPM_PUBLISH:
		return DIALOG_SUBSCRIBE;
	case SIPM_MESSAGE:
		return DIALOG_MESSAGE;
	default:
		return DIALOG_OTHER;
	}
}

/* Offset of the byte after member m of struct dialog. */
#define DIALOG_END(m) \
	(offsetof(struct dialog, m) + sizeof(((struct dialog *)0)->m))
/* Zeroes d's bytes from the end of member a to the start of member b. */
#define DIALOG_ZERO_BETWEEN(d, a, b) \
	memset((char *)(d) + DIALOG_END(a), 0, \
	    offsetof(struct dialog, b) - DIALOG_END(a))

/*
 * What nearly every message reads or writes of its dialog (dialog.h),
 * lru_prev to evicted, starts on a cache-line boundary from the dialog's
 * start and spans at most four lines from any 16-byte aligned block
 * (malloc's): sig5k, about 40,000 line misses fewer than when it spanned
 * five.
 */
_Static_assert(offsetof(struct dialog, lru_prev) % 64 == 0 &&
    DIALOG_END(evicted) - offsetof(struct dialog, lru_prev) <= 4 * 64 - 48,
    "the hot fields of struct dialog span four cache lines");

/* The fingerprints filled holes: a dialog is still one block of 2,304
 * bytes from the pool (dialog.h). */
_Static_assert(sizeof(struct dialog) <= 9 * POOL_STEP,
    "struct dialog grew past its pool class");

_Static_assert(DIALOG_END(call_id) <= offsetof(struct dialog, first_method) &&
    DIALOG_END(first_method) <= offsetof(struct dialog, from) &&
    DIALOG_END(from) <= offsetof(struct dialog, to) &&
    DIALOG_END(to) <= offsetof(struct dialog, from_tag) &&
    DIALOG_END(from_tag) <= offsetof(struct dialog, vis[0].why) &&
    DIALOG_END(vis[0].why) <= offsetof(struct dialog, vis[1].why) &&
    DIALOG_END(vis[1].why) <= offsetof(struct dialog, vis[2].why) &&
    DIALOG_END(vis[2].why) <= offsetof(struct dialog, join.call_id),
    "dialog_zero() skips the long strings in this order");

/*
 * A new dialog, zeroed but for its long strings, which are made empty
 * (dialog.h: the bytes past a string's end are not set): 1,784 of its
 * 2,304 bytes not written, about 230 instructions a dialog.  The spans
 * are constants, so each memset is a few stores.
 */
static void
dialog_zero(struct dialog *d)
{
	memset(d, 0, offsetof(struct dialog, call_id));
	DIALOG_ZERO_BETWEEN(d, call_id, first_method);
	DIALOG_ZERO_BETWEEN(d, first_method, from);
	DIALOG_ZERO_BETWEEN(d, from, to);
	DIALOG_ZERO_BETWEEN(d, to, from_tag);
	DIALOG_ZERO_BETWEEN(d, from_tag, vis[0].why);
	DIALOG_ZERO_BETWEEN(d, vis[0].why, vis[1].why);
	DIALOG_ZERO_BETWEEN(d, vis[1].why, vis[2].why);
	DIALOG_ZERO_BETWEEN(d, vis[2].why, join.call_id);
	memset((char *)d + DIALOG_END(join.call_id), 0,
	    sizeof(*d) - DIALOG_END(join.call_id));
	d->call_id[0] = d->first_method[0] = '\0';
	d->from[0] = d->to[0] = d->from_tag[0] = '\0';
	for (int i = 0; i < 3; i++)
		d->vis[i].why[0] = '\0';
	d->join.call_id[0] = '\0';
}

/* h: callid_hash of m->call_id as the dialog keeps it (truncated);
 * mc: m's method codes. */
static struct dialog *
dialog_create(struct dialog_table *t, const struct sipmsg *m,
    struct mcode mc, const struct pkt *p, uint64_t h)
{
	struct dialog *d = pool_get(t, sizeof(*d));
	const char *method = m->is_request ? m->method : m->cseq_method;

	if (d == NULL)
		return NULL;
	dialog_zero(d);
	d->id = ++t->next_id;
	d->kind = kind_of(m->is_request ? mc.method : mc.cseq);
	d->first_code = m->is_request ? mc.method : mc.cseq;
	d->state = DIALOG_SETUP;
	text_copy_str(d->call_id, sizeof(d->call_id), m->call_id);
	sipmsg_uri_userhost(m->from_uri, d->from, sizeof(d->from));
	sipmsg_uri_userhost(m->to_uri, d->to, sizeof(d->to));
	text_copy_str(d->from_tag, sizeof(d->from_tag), m->from_tag);
	text_copy_str(d->first_method, sizeof(d->first_method), method);
	d->cap_idx = p->cap_idx;
	d->start_ns = d->last_ns = p->ts_ns;
	d->initial_cseq = m->cseq;
	d->mem_bytes = sizeof(*d);
	htab_add(&t->byid, &d->node, h);
	lru_append(t, d, lru_for(d));
	t->count++;
	t->bytes += d->mem_bytes;
	return d;
}

static const char *
top_branch(const struct sipmsg *m)
{
	return m->nvia > 0 ? m->via[0].branch : "";
}

static bool
same_transaction_copy(const struct dmsg *a, const struct sipmsg *m,
    struct mcode mc, const struct pkt *p)
{
	const struct sipmsg *o;

	/* The dmsg's copies first: most messages differ there. */
	if (a->key_request != m->is_request || a->key_cseq != m->cseq ||
	    a->key_status != m->status)
		return false;
	o = a->m;
	return o->is_request == m->is_request && o->cseq == m->cseq &&
	    o->status == m->status &&
	    sip_method_same(a->method_code, o->method, mc.method,
	    m->method) &&
	    sip_method_same(a->cseq_code, o->cseq_method, mc.cseq,
	    m->cseq_method) &&
	    strcmp(top_branch(o), top_branch(m)) == 0 &&
	    strcmp(o->to_tag, m->to_tag) == 0 &&
	    ep_eq(&a->src, &p->src) && ep_eq(&a->dst, &p->dst);
}

/*
 * 16 bits of a hash of the fields same_transaction_copy() compares
 * first: messages of different fingerprints differ there.  A multiply by
 * an odd constant spreads every bit of the packed fields into the top
 * ones.
 */
static uint16_t
key_fp(bool request, uint32_t cseq, int status)
{
	uint64_t x = ((uint64_t)cseq | (uint64_t)(uint32_t)status << 32) ^
	    (uint64_t)request << 63;

	return (uint16_t)((x * 0x9e3779b97f4a7c15ULL) >> 48);
}

/* How far back to look for the original of a retransmission. */
#define RETRANS_WINDOW 64

static struct dmsg *
find_original(struct dialog *d, const struct sipmsg *m, struct mcode mc,
    const struct pkt *p)
{
	size_t lo = d->nmsgs > RETRANS_WINDOW ? d->nmsgs - RETRANS_WINDOW : 0;
	uint16_t fp = key_fp(m->is_request, m->cseq, m->status);

	for (size_t i = d->nmsgs; i-- > lo;) {
		/* The first messages are refused in d, their entries unread. */
		if (i < DIALOG_FP && d->key_fp[i] != fp)
			continue;
		if (same_transaction_copy(&d->msgs[i], m, mc, p))
			return &d->msgs[i];
	}
	return NULL;
}

/*
 * Distinct To tags in 1xx-2xx answers to the initial request.  Newest
 * first: only whether some earlier answer has the tag counts, and the
 * latest answer (the 180 before a 200) mostly has it, its entry and
 * block still in cache; sig5k: 10,000 tags compared instead of 15,000.
 */
static void
count_fork(struct dialog *d, const struct sipmsg *m)
{
	if (m->to_tag[0] == '\0')
		return;
	for (size_t i = d->nmsgs; i-- > 0;) {
		const struct dmsg *dm = &d->msgs[i];

		if (!dm->key_request && dm->key_cseq == d->initial_cseq &&
		    strcmp(dm->m->to_tag, m->to_tag) == 0)
			return;
	}
	d->nforks++;
}

static void
update_call_state(struct dialog *d, const struct sipmsg *m, struct mcode mc,
    int64_t ts)
{
	bool answered = d->answer_ns != 0;

	if (m->is_request) {
		if (mc.method == SIPM_INVITE && m->to_tag[0] == '\0' &&
		    !answered && m->cseq > d->initial_cseq) {
			/* A new initial INVITE after a 401/407 challenge. */
			d->initial_cseq = m->cseq;
			d->state = DIALOG_SETUP;
			d->end_ns = 0;
			d->final_status = 0;
		} else if (mc.method == SIPM_CANCEL && !answered) {
			d->state = DIALOG_CANCELLED;
			if (d->end_ns == 0)
				d->end_ns = ts;
		} else if (mc.method == SIPM_BYE) {
			/* Before an answer: a CANCEL or final response seen
			 * earlier stays the reason; else no answer was seen,
			 * whoever hung up. */
			if (answered)
				d->state = DIALOG_COMPLETED;
			else if (d->state == DIALOG_SETUP ||
			    d->state == DIALOG_RINGING)
				d->state = DIALOG_NO_ANSWER;
			if (d->end_ns == 0 || answered)
				d->end_ns = ts;
		}
		return;
	}
	if (mc.cseq != SIPM_INVITE || m->cseq != d->initial_cseq)
		return;
	if (m->status > 100 && m->status < 300)
		count_fork(d, m);
	if (answered)
		return;
	/* After the caller's CANCEL the final answer (487, or a 408/480 from a
	 * proxy that raced it) does not change what happened to the call. */
	if (d->state == DIALOG_CANCELLED && m->status >= 300)
		return;
	if (m->status >= 180 && m->status < 200) {
		if (d->state == DIALOG_SETUP)
			d->state = DIALOG_RINGING;
		if (d->ring_ns == 0)
			d->ring_ns = ts;
	} else if (m->status >= 200 && m->status < 300) {
		d->answer_ns = ts;
		d->state = DIALOG_INCALL;
		d->final_status = m->status;
		d->end_ns = 0;
	} else if (m->status >= 300) {
		if (m->status == 401 || m->status == 407)
			return;
		d->final_status = m->status;
		d->end_ns = ts;
		if (m->status < 400)
			d->state = DIALOG_DIVERTED;
		else if (m->status == 486 || m->status == 600)
			d->state = DIALOG_BUSY;
		else if (m->status == 487)
			d->state = DIALOG_CANCELLED;
		else if (m->status < 500 || m->status == 603)
			d->state = DIALOG_REJECTED;
		else
			d->state = DIALOG_FAILED;
	}
}

static void
update_other_state(struct dialog *d, const struct sipmsg *m, struct mcode mc,
    int64_t ts)
{
	if (m->is_request) {
		/* A refresh (new CSeq of the dialog's own method) starts over. */
		if (sip_method_same(mc.method, m->method, d->first_code,
		    d->first_method) &&
		    m->cseq != d->initial_cseq) {
			d->initial_cseq = m->cseq;
			if (d->state != DIALOG_COMPLETED)
				d->state = DIALOG_SETUP;
			d->end_ns = 0;
		}
		return;
	}
	if (m->cseq != d->initial_cseq || m->status < 200)
		return;
	if (m->status == 401 || m->status == 407)
		return;
	d->final_status = m->status;
	if (d->kind != DIALOG_SUBSCRIBE && d->kind != DIALOG_REGISTER)
		d->end_ns = ts;
	if (m->status < 300)
		d->state = DIALOG_COMPLETED;
	else if (m->status < 400)
		d->state = DIALOG_DIVERTED;
	else if (m->status == 486 || m->status == 600)
		d->state = DIALOG_BUSY;
	else if (m->status < 500 || m->status == 603)
		d->state = DIALOG_REJECTED;
	else
		d->state = DIALOG_FAILED;
}

static bool
store_msg(struct dialog_table *t, struct dialog *d, struct sipmsg *m,
    struct mcode mc, const struct pkt *p, uint64_t first_frame,
    uint64_t raw_hash, struct anomalies *an)
{
	struct dmsg *dm;
	size_t bytes = msg_bytes(m);

	if (d->nmsgs >= CAP_DIALOG_MESSAGES ||
	    d->raw_bytes + m->raw_len > CAP_DIALOG_BYTES) {
		anomaly_add(an, ANOMALY_DIALOG_MESSAGES_CAP);
		d->dropped_msgs++;
		return false;
	}
	if (d->nmsgs == d->msgs_cap) {
		size_t ncap = d->msgs_cap ? d->msgs_cap * 2 : 8;
		/* From the pool (dialog_release gives it back). */
		struct dmsg *nm = pool_get(t, ncap * sizeof(*nm));

		if (nm == NULL)
			return false;
		if (d->nmsgs > 0)
			memcpy(nm, d->msgs, d->nmsgs * sizeof(*nm));
		pool_put(t, d->msgs, pool_cap(d->msgs_cap * sizeof(*nm)));
		d->msgs = nm;
		d->mem_bytes += (ncap - d->msgs_cap) * sizeof(*nm);
		t->bytes += (ncap - d->msgs_cap) * sizeof(*nm);
		d->msgs_cap = ncap;
	}
	if (d->nmsgs < DIALOG_FP) {
		d->raw_fp[d->nmsgs] = (uint16_t)raw_hash;
		d->key_fp[d->nmsgs] = key_fp(m->is_request, m->cseq,
		    m->status);
	}
	d->recent[d->nmsgs % DIALOG_RECENT] = m;
	dm = &d->msgs[d->nmsgs++];
	/* Zeroed up to the retransmissions' times and frames: only the
	 * first min(retrans, DIALOG_RETRANS_KEPT) are ever read, each set
	 * as it comes (fold_retrans); 256 bytes not written per message. */
	_Static_assert(offsetof(struct dmsg, retrans_ns) <
	    offsetof(struct dmsg, retrans_frame) &&
	    offsetof(struct dmsg, retrans) < offsetof(struct dmsg, retrans_ns) &&
	    offsetof(struct dmsg, retrans_frame) +
	    sizeof(((struct dmsg *)0)->retrans_frame) == sizeof(struct dmsg),
	    "the retransmission arrays end struct dmsg");
	/*
	 * Through libc (arena.h): GCC's inline "rep stosq" here carried
	 * 6-8 % of on_sip's samples (perf, sig.pcap).
	 */
	arena_memset(dm, 0, offsetof(struct dmsg, retrans_ns));
	dm->cap_idx = p->cap_idx;
	dm->ifnum = p->ifnum;
	dm->frame = p->frame;
	dm->first_frame = first_frame ? first_frame : p->frame;
	dm->ts_ns = p->ts_ns;
	dm->src = p->src;
	dm->dst = p->dst;
	dm->transport = p->l4;
	dm->nfrags = p->nfrags;
	dm->ip_len = p->ip_len;
	dm->frag_seen = p->frag_seen;
	dm->m = m;
	dm->raw_hash = raw_hash;
	dm->key_cseq = m->cseq;
	dm->key_status = m->status;
	dm->key_request = m->is_request;
	dm->method_code = mc.method;
	dm->cseq_code = mc.cseq;
	d->raw_bytes += m->raw_len;
	d->mem_bytes += bytes;
	t->bytes += bytes;
	return true;
}

/* Folds a retransmission into orig, the first copy, in dialog d. */
static void
fold_retrans(struct dialog_table *t, struct dialog *d, struct dmsg *orig,
    const struct pkt *p)
{
	if (orig->retrans < DIALOG_RETRANS_KEPT) {
		orig->retrans_ns[orig->retrans] = p->ts_ns;
		orig->retrans_frame[orig->retrans] = p->frame;
	}
	orig->retrans++;
	d->retrans_total++;
	touch(t, d, p->ts_ns);
}

/*
 * dialog_table_add with the raw hash of m known, d the dialog of
 * m->call_id when the caller has it (NULL: looked up), and cid_hash
 * (NULL: computed) callid_hash of m->call_id when the caller has it and
 * the Call-ID fits a dialog's call_id whole.
 */
static struct dialog *
add_msg(struct dialog_table *t, struct sipmsg *m, const struct pkt *p,
    uint64_t first_frame, uint64_t raw_hash, struct dialog *d,
    const uint64_t *cid_hash, struct anomalies *an, bool *is_retrans)
{
	struct dmsg *orig;
	uint64_t h = 0;
	struct mcode mc = mcode_of(m);

	*is_retrans = false;
	if (d == NULL) {
		h = cid_hash != NULL ? *cid_hash : callid_hash(m->call_id);
		d = find_by_callid(t, m->call_id, h);
	}
	if (d == NULL) {
		if (!m->is_request)
			anomaly_add(an, ANOMALY_ORPHAN_RESPONSE);
		/* Keyed by its call_id, which keeps 255 bytes of it. */
		if (strlen(m->call_id) >= sizeof(d->call_id))
			h = callid_hash_trunc(m->call_id);
		d = dialog_create(t, m, mc, p, h);
		if (d == NULL) {
			pool_free_msg(t, m);
			return NULL;
		}
	}

	orig = find_original(d, m, mc, p);
	if (orig != NULL) {
		fold_retrans(t, d, orig, p);
		*is_retrans = true;
		pool_free_msg(t, m);
		return d;
	}

	if (d->kind == DIALOG_CALL)
		update_call_state(d, m, mc, p->ts_ns);
	else
		update_other_state(d, m, mc, p->ts_ns);
	if (!store_msg(t, d, m, mc, p, first_frame, raw_hash, an))
		pool_free_msg(t, m);
	touch(t, d, p->ts_ns);
	enforce_budget(t, d, an);
	return d;
}

struct dialog *
dialog_table_add(struct dialog_table *t, struct sipmsg *m,
    const struct pkt *p, uint64_t first_frame, struct anomalies *an,
    bool *is_retrans)
{
	return add_msg(t, m, p, first_frame,
	    raw_hash((const uint8_t *)m->raw, m->raw_len), NULL, NULL, an,
	    is_retrans);
}

/*
 * The newest messages of a dialog answer for nearly every line that
 * repeats (a response repeats its request's Via, From, To; the next
 * request its From and To); older ones would mostly cost cache misses.
 */
#define PRIORS DIALOG_RECENT

/*
 * sipmsg_lend.prior for dialog_table_take: the newest messages of the
 * dialog of call_id, which is remembered (t->hint) for the add that
 * follows the parse.
 */
static size_t
prior_msgs(void *user, const char *call_id, const struct sipmsg **out,
    size_t max)
{
	struct dialog_table *t = user;
	size_t len = strlen(call_id);
	uint64_t h = htab_hash_words(call_id, len);
	struct dialog *d = find_by_callid(t, call_id, h);
	const struct dmsg *same;
	size_t n = 0;

	t->hint = d;
	/* A new Call-ID: its hash is kept for the add (when it fits). */
	if (d == NULL && len < sizeof(d->call_id)) {
		t->new_hash = h;
		t->new_valid = true;
	}
	/*
	 * The same bytes as a stored message parse into the same sipmsg,
	 * so find_original() with that message is what dialog_table_add
	 * would do with the new copy; only when it finds the original is
	 * the parse stopped.  Equal bytes are an equal Call-ID, and one
	 * dialog in the table holds each: a copy of a stored message is
	 * only ever in this dialog.
	 */
	if (d != NULL && t->take_msg != NULL &&
	    (same = same_bytes(d, t->take_msg, t->take_len,
	    t->take_hash)) != NULL &&
	    (t->known = find_original(d, same->m, dmsg_mcode(same),
	    t->take_pkt)) != NULL)
		return SIPMSG_PRIOR_STOP;
	if (d == NULL)
		return 0;
	if (max > PRIORS)
		max = PRIORS;
	for (size_t i = d->nmsgs; i-- > 0 && n < max;) {
		out[n] = d->recent[i % DIALOG_RECENT];
		/* Their first lines (raw, memo spans) are read next. */
		__builtin_prefetch(out[n]);
		n++;
	}
	return n;
}

enum dialog_take
dialog_table_take(struct dialog_table *t, const uint8_t *msg, size_t len,
    const struct sipframe_lines *lines, const struct pkt *p,
    uint64_t first_frame, struct anomalies *an, struct dialog **dp)
{
	const struct sipmsg_lend lend = { prior_msgs, pool_alloc, t, lines };
	uint64_t h = raw_hash(msg, len);
	struct dialog *d, *hint;
	struct dmsg *known;
	struct sipmsg *m;
	bool retrans, asked;

	*dp = NULL;
	t->take_msg = msg;
	t->take_len = len;
	t->take_hash = h;
	t->take_pkt = p;
	t->hint = NULL;
	t->known = NULL;
	t->new_valid = false;
	m = sipmsg_parse_with(msg, len, &lend, an);
	hint = t->hint;
	known = t->known;
	t->take_msg = NULL;
	t->hint = NULL;
	t->known = NULL;
	if (m == NULL && known != NULL) {
		fold_retrans(t, hint, known, p);
		*dp = hint;
		return DIALOG_TAKE_RETRANS;
	}
	if (m == NULL)
		return DIALOG_TAKE_UNPARSED;
	/*
	 * prior_msgs() was handed m->call_id as m holds it (sipmsg.h,
	 * struct sipmsg_lend) when the parse asked it and counted nothing
	 * (prior_asked and quiet: not the raw fallback, sipraw.c, which
	 * reads the Call-ID on its own): then hint is the dialog of m's
	 * Call-ID, or new_hash its hash, with no string compared again
	 * (sig5k: 34,616 strcmp calls less).  Otherwise hint is checked and
	 * the hash worked out again.
	 */
	asked = m->prior_asked && m->quiet;
	if (hint != NULL && !asked && strcmp(hint->call_id, m->call_id) != 0)
		hint = NULL;
	d = add_msg(t, m, p, first_frame, h, hint,
	    hint == NULL && asked && t->new_valid ? &t->new_hash : NULL, an,
	    &retrans);
	t->new_valid = false;
	*dp = d;
	if (d == NULL)
		return DIALOG_TAKE_DROPPED;
	return retrans ? DIALOG_TAKE_RETRANS : DIALOG_TAKE_NEW;
}
