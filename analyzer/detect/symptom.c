/*
 * symptom.c - names, badges and titles of the symptom catalogue
 * (symptom.h), generated from SYMPTOM_TABLE.
 */
#include <string.h>

#include "detect/symptom.h"

struct symptom_row {
	const char *id, *badge, *title;
};

static const struct symptom_row rows[SYMPTOM_COUNT] = {
#define SYMPTOM_ROW(e, id, badge, fn, title) [SYMPTOM_##e] = { id, badge, title },
	SYMPTOM_TABLE(SYMPTOM_ROW)
#undef SYMPTOM_ROW
};

/* Every row fits the sizes other modules rely on (symptom.h). */
#define SYMPTOM_FITS(e, id, badge, fn, title)                                \
	_Static_assert(sizeof(id) - 1 <= SYMPTOM_ID_MAX,                        \
	    "symptom id " id " longer than SYMPTOM_ID_MAX");                    \
	_Static_assert(sizeof(badge) - 1 <= SYMPTOM_BADGE_MAX,                  \
	    "badge " badge " longer than SYMPTOM_BADGE_MAX");                   \
	_Static_assert(sizeof(title) - 1 <= SYMPTOM_TITLE_MAX,                  \
	    "title of " id " longer than SYMPTOM_TITLE_MAX");
SYMPTOM_TABLE(SYMPTOM_FITS)
#undef SYMPTOM_FITS

const char *
symptom_name(enum symptom_id s)
{
	return (unsigned)s < SYMPTOM_COUNT ? rows[s].id : "unknown";
}

const char *
symptom_badge(enum symptom_id s)
{
	return (unsigned)s < SYMPTOM_COUNT ? rows[s].badge : "?";
}

const char *
symptom_title(enum symptom_id s)
{
	return (unsigned)s < SYMPTOM_COUNT ? rows[s].title : "";
}

int
symptom_lookup(const char *id)
{
	for (int i = 0; id != NULL && i < SYMPTOM_COUNT; i++)
		if (strcmp(rows[i].id, id) == 0)
			return i;
	return -1;
}
