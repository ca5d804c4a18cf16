/*
 * anomaly.c - names and descriptions for the anomaly table (anomaly.h).
 */
#include <string.h>

#include "base/anomaly.h"

static const char *const names[ANOMALY_COUNT] = {
#define ANOMALY_NAME(e, name, desc) name,
	ANOMALY_TABLE(ANOMALY_NAME)
#undef ANOMALY_NAME
};

static const char *const descs[ANOMALY_COUNT] = {
#define ANOMALY_DESC(e, name, desc) desc,
	ANOMALY_TABLE(ANOMALY_DESC)
#undef ANOMALY_DESC
};

const char *
anomaly_name(enum anomaly_id id)
{
	return (unsigned)id < ANOMALY_COUNT ? names[id] : "unknown";
}

const char *
anomaly_desc(enum anomaly_id id)
{
	return (unsigned)id < ANOMALY_COUNT ? descs[id] : "unknown anomaly";
}

int
anomaly_lookup(const char *name)
{
	for (int i = 0; i < ANOMALY_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

uint64_t
anomaly_total(const struct anomalies *an)
{
	uint64_t t = 0;

	for (int i = 0; i < ANOMALY_COUNT; i++)
		t += an->n[i];
	return t;
}
