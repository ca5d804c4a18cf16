/*
 * owner.c - the identity of an importing process and its liveness
 * (owner.h).  Linux /proc only; elsewhere every claim of another process
 * is UNKNOWN and the store relies on the heartbeat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "store/owner.h"

/* Reads the first line of path into buf (newline removed); "" on error. */
static void
read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)n, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * Start time of pid in clock ticks after boot, or -1 (also for a process
 * that has exited but was not reaped yet: state Z or X).  The second
 * field of /proc/PID/stat is the command name in parentheses and may
 * hold spaces and parentheses itself: fields are counted after the last
 * ')'.
 */
static int64_t
start_time(int64_t pid)
{
	char path[64], buf[1024], *p;
	int64_t v = -1;

	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	read_line(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return -1;
	/* After ")": field 3 (state) ... field 22 (starttime). */
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL) {
		char *end;

		errno = 0;
		v = strtoll(p + 1, &end, 10);
		if (errno != 0 || end == p + 1)
			v = -1;
	}
	return v;
}

void
owner_self(struct owner *o)
{
	memset(o, 0, sizeof(*o));
	if (gethostname(o->host, sizeof(o->host) - 1) != 0)
		o->host[0] = '\0';
	read_line("/proc/sys/kernel/random/boot_id", o->boot, sizeof(o->boot));
	o->pid = (int64_t)getpid();
	o->start = start_time(o->pid);
}

enum owner_state
owner_check(const struct owner *o)
{
	struct owner me;
	int64_t st;

	owner_self(&me);
	if (o->start < 0 || me.boot[0] == '\0' || strcmp(o->host, me.host) != 0)
		return OWNER_UNKNOWN;
	if (strcmp(o->boot, me.boot) != 0)
		return OWNER_DEAD;      /* this host rebooted since */
	st = start_time(o->pid);
	return st >= 0 && st == o->start ? OWNER_ALIVE : OWNER_DEAD;
}

void
owner_token(char out[33])
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(r)) {
		/* No entropy source: still unique per process and time. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)getpid() << 44);
		for (size_t i = 0; i < sizeof(r); i++, x = x * 6364136223846793005ULL +
		    1442695040888963407ULL)
			r[i] = (uint8_t)(x >> 56);
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}
