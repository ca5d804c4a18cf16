/*
 * remedy.h - the built-in table of how to turn the SIP ALG off on common
 * routers and firewalls (sipalg-analyze --fix VENDOR), and the general
 * NAT advice that goes with it.
 *
 * Plain static data: the front-end prints it.  Where a vendor has a CLI
 * the exact commands are given; otherwise the web UI menu.  Menus move
 * between firmware versions, so each entry says what to look for.
 */
#ifndef SIPALG_REMEDY_H
#define SIPALG_REMEDY_H

#include <stddef.h>

struct remedy {
	const char *key;          /* what --fix takes: "cisco-asa" */
	const char *aliases;      /* other accepted keys, space separated */
	const char *name;         /* "Cisco ASA" */
	const char *steps;        /* multi-line text, ends with a newline */
};

/* Entries, in the order --fix list shows them. */
extern const struct remedy remedy_table[];
extern const size_t remedy_count;

/* The entry whose key or alias equals name (case-insensitive), or NULL. */
const struct remedy *remedy_find(const char *name);

/* Advice that holds whatever the equipment (multi-line text). */
extern const char remedy_general[];

#endif /* SIPALG_REMEDY_H */
