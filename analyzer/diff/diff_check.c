/*
 * diff_check.c - are the two captures of a comparison what they should
 * be: one side each of the same router, over the same time?
 *
 * A comparison of the wrong inputs still produces a report, and one that
 * looks meaningful: every message "dropped" when the captures share no
 * call, every rewrite read backwards when the sides are swapped.  These
 * checks name such inputs, each with the likely fix, from what the
 * comparison saw (diff.h):
 *
 *   no_sip          neither side holds a SIP message (one side without
 *                   SIP is what a router dropping everything looks like:
 *                   counted as dropped, not named here)
 *   no_time_overlap the captures' time spans do not meet and no message
 *                   was found on both sides (different sessions)
 *   no_common_call  both sides carry SIP but no message of one has its
 *                   copy on the other (different routers or links)
 *   sides_swapped   the NAT mapping runs backwards: every endpoint the
 *                   router translated is public on the "inside" and
 *                   private on the "outside"
 *
 * A router that does no NAT (mapping rows absent) or translates public
 * to public says nothing about the sides, so sides_swapped needs at
 * least one mapping row with a private address and none the right way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "diff/diff_state.h"

static struct diff_problem *
problem(struct diff_result *r, const char *id)
{
	struct diff_problem *p;

	if (r->nproblems == DIFF_PROBLEMS_MAX)
		return NULL;
	p = &r->problems[r->nproblems++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	return p;
}

/* Mapping rows translated private -> public (right) and back (wrong). */
static void
mapping_sides(const struct diff *d, size_t *right, size_t *wrong)
{
	*right = *wrong = 0;
	for (size_t i = 0; i < diff_mapping_count(d); i++) {
		const struct diff_mapping *m = diff_mapping_get(d, i);
		bool pi = ep_is_private(&m->priv), pu = ep_is_private(&m->pub);

		if (pi && !pu)
			(*right)++;
		else if (!pi && pu)
			(*wrong)++;
	}
}

void
diff_check(const struct diff *d, struct diff_result *r)
{
	const struct diff_summary *s = diff_summary_get(d);
	uint64_t paired = s->count[DIFF_IDENTICAL] + s->count[DIFF_CONSISTENT] +
	    s->count[DIFF_INCONSISTENT];
	struct diff_problem *p;
	size_t right, wrong;

	memset(r, 0, sizeof(*r));
	r->dropped = s->count[DIFF_DROPPED];
	r->injected = s->count[DIFF_INJECTED];
	if (s->sip[0] == 0 && s->sip[1] == 0 &&
	    (p = problem(r, "no_sip")) != NULL) {
		snprintf(p->text, sizeof(p->text), "neither capture holds a SIP "
		    "message (%" PRIu64 " frames inside, %" PRIu64 " outside)",
		    s->frames[0], s->frames[1]);
		snprintf(p->fix, sizeof(p->fix), "capture SIP on both of the "
		    "router's interfaces (a capture filter that keeps the SIP "
		    "port, or SIP over TLS that cannot be read?)");
	}
	if (s->sip[0] > 0 && s->sip[1] > 0 && paired == 0) {
		bool apart = s->first_ns[0] > 0 && s->first_ns[1] > 0 &&
		    (s->last_ns[0] < s->first_ns[1] ||
		    s->last_ns[1] < s->first_ns[0]);

		if (apart && (p = problem(r, "no_time_overlap")) != NULL) {
			double gap = (double)(s->last_ns[0] < s->first_ns[1] ?
			    s->first_ns[1] - s->last_ns[0] :
			    s->first_ns[0] - s->last_ns[1]) / 1e9;

			snprintf(p->text, sizeof(p->text), "the captures do not "
			    "overlap in time: the %s one ends %.1f s before the "
			    "other begins, and no message is on both",
			    s->last_ns[0] < s->first_ns[1] ? "inside" : "outside",
			    gap);
			snprintf(p->fix, sizeof(p->fix), "capture both sides "
			    "during the same calls (start both captures, then "
			    "make the call)");
		} else if (!apart &&
		    (p = problem(r, "no_common_call")) != NULL) {
			snprintf(p->text, sizeof(p->text), "the captures share "
			    "no call: none of the %" PRIu64 " inside and %" PRIu64
			    " outside SIP messages has its copy on the other side",
			    s->sip[0], s->sip[1]);
			snprintf(p->fix, sizeof(p->fix), "give the captures of "
			    "one router's two sides taken during the same calls");
		}
	}
	mapping_sides(d, &right, &wrong);
	if (wrong > 0 && right == 0 &&
	    (p = problem(r, "sides_swapped")) != NULL) {
		snprintf(p->text, sizeof(p->text), "the sides look swapped: the "
		    "router translated %zu endpoint%s from a public address on "
		    "the inside to a private one on the outside", wrong,
		    wrong == 1 ? "" : "s");
		snprintf(p->fix, sizeof(p->fix), "run again with --inside %s "
		    "--outside %s", s->path[1] ? s->path[1] : "OUTSIDE",
		    s->path[0] ? s->path[0] : "INSIDE");
	}
}
