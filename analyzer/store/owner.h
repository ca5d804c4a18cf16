/*
 * owner.h - who holds an import claim, and whether that process still
 * runs.
 *
 * An import claims its capture in the store before writing a row (see
 * store.h).  A claim outlives its importer when the importer is killed
 * (kill -9, power loss), so the next import of the same file must be able
 * to tell a live claim from a dead one without trusting a lock file or a
 * timer alone.  The claim records the importer as host name, kernel boot
 * id, pid and the process's start time (clock ticks after boot, field 22
 * of /proc/PID/stat): on the same host and boot, that process is alive
 * exactly when /proc/PID/stat shows the same start time (a reused pid has
 * another start time; a reboot changes the boot id).  Elsewhere (another
 * host name, no /proc) liveness is unknown and the store falls back on
 * the claim's heartbeat.
 *
 * SQLite in WAL mode only works between processes of one host (its
 * shared-memory index), so for that backend the exact rule always
 * applies; the heartbeat covers containers that share a database file
 * under different host names and PID namespaces.
 */
#ifndef SIPALG_STORE_OWNER_H
#define SIPALG_STORE_OWNER_H

#include <stdint.h>

struct owner {
	char host[256];
	char boot[40];            /* "" when unknown */
	int64_t pid;
	int64_t start;            /* -1 when unknown */
};

/* Fills o with the calling process's identity. */
void owner_self(struct owner *o);

enum owner_state { OWNER_ALIVE, OWNER_DEAD, OWNER_UNKNOWN };

/*
 * Whether the process o describes still runs: ALIVE or DEAD when it was
 * on this host and boot, UNKNOWN otherwise (or when o has no start time).
 */
enum owner_state owner_check(const struct owner *o);

/* 32 random hex digits and a NUL: one per store handle, names its claims. */
void owner_token(char out[33]);

#endif /* SIPALG_STORE_OWNER_H */
