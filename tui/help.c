/*
 * help.c - the help panel of sipalg-browse: the keys of the screen under
 * it, the keys that work everywhere, and the legend of ladder labels,
 * symptom badges (from the catalogue, symptom.h) and pair badges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/symptom.h"
#include "ui.h"

static const struct keyhelp global_keys[] = {
	{ "? F1", "this help" },
	{ "q Esc", "back; quit from the call list" },
	{ "Up Down j k", "move" },
	{ "PgUp PgDn ^B ^F", "page" },
	{ "g G Home End", "first / last" },
	{ "^L", "redraw" },
	{ NULL, NULL }
};

struct help {
	const struct panel_ops *under;
	size_t top;
	char **lines;
	size_t n;
};

static void
help_add(struct help *h, const char *s)
{
	char **v = realloc(h->lines, (h->n + 1) * sizeof(*v));

	if (v == NULL)
		return;
	h->lines = v;
	if ((h->lines[h->n] = strdup(s)) != NULL)
		h->n++;
}

static void
help_keys(struct help *h, const struct keyhelp *k)
{
	char line[160];

	for (; k != NULL && k->key != NULL; k++) {
		snprintf(line, sizeof(line), "  %-18s %s", k->key, k->what);
		help_add(h, line);
	}
}

static void
help_draw(struct panel *p, struct app *a, int y0, int hgt, int w)
{
	struct help *h = p->priv;

	for (int i = 0; i < hgt; i++) {
		size_t k = h->top + (size_t)i;

		if (k < h->n)
			ui_put(y0 + i, 0, h->lines[k], w,
			    h->lines[k][0] != ' ' ? ui_attr(a, UC_HEADER) :
			    ui_attr(a, UC_NORMAL), h->lines[k][0] != ' ');
	}
}

static int
help_key(struct panel *p, struct app *a, int ch)
{
	struct help *h = p->priv;

	(void)a;
	if (ui_move(ch, &h->top, h->n, LINES - 2))
		return PK_HANDLED;
	if (ch == '?' || ch == KEY_F(1))
		return PK_CLOSE;
	return PK_UNHANDLED;
}

static void
help_destroy(struct panel *p)
{
	struct help *h = p->priv;

	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	free(h->lines);
	free(h);
	free(p);
}

static const struct panel_ops help_ops = {
	"Help", "q/Esc back  Up/Down scroll", NULL, help_draw, help_key,
	help_destroy
};

struct panel *
help_panel_new(const struct panel *under)
{
	struct panel *p = calloc(1, sizeof(*p));
	struct help *h = calloc(1, sizeof(*h));
	char line[160];

	if (p == NULL || h == NULL) {
		free(p);
		free(h);
		return NULL;
	}
	p->ops = &help_ops;
	p->priv = h;
	snprintf(line, sizeof(line), "Keys of this screen (%s)",
	    under->ops->name);
	help_add(h, line);
	help_keys(h, under->ops->help);
	help_add(h, "Keys everywhere");
	help_keys(h, global_keys);
	help_add(h, "Ladder labels");
	help_add(h, "  \"200 OK x3\" = the message was seen 3 times (2 "
	    "retransmissions)");
	help_add(h, "  dotted arrows = RTP streams: codec, packets, loss");
	help_add(h, "Symptom badges");
	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		snprintf(line, sizeof(line), "  %-*s %-*s %s", SYMPTOM_BADGE_MAX,
		    symptom_badge((enum symptom_id)i), SYMPTOM_ID_MAX,
		    symptom_name((enum symptom_id)i),
		    symptom_title((enum symptom_id)i));
		help_add(h, line);
	}
	help_add(h, "  JOIN#N  the same call as dialog N, seen on the other "
	    "segment of the router");
	help_add(h, "          under another Call-ID (an ALG rewrote it); "
	    "each keeps its own");
	help_add(h, "          segment's findings, the call counted once; "
	    "p: which segment");
	help_add(h, "  +k      k more badges than the column has room for "
	    "(p lists them)");
	help_add(h, "Pair badges (--inside/--outside: worst pair of the dialog)");
	help_add(h, "  SAME identical   NAT-OK rewritten consistently   "
	    "ALG! inconsistently");
	help_add(h, "  DROP dropped by the router   INJ injected by the router");
	return p;
}


bool
help_panel_is(const struct panel *p)
{
	return p != NULL && p->ops == &help_ops;
}
