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

#include "detect/symptom.h"

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

/*
 * When the capture does not show an ALG at work, a finding's explanation
 * and fix must not blame one.  REMEDY_NO_NAT: no NAT boundary in the
 * dialog (both ends in one private network, or both public);
 * REMEDY_NAT_NO_ALG: NAT shown, and the phone's private addresses cross
 * it untranslated (an ALG would have rewritten them).  Sets *expl and
 * *rem to static text naming what else explains symptom s (the phone's
 * own NAT settings, the server's media latching, a firewall) and returns
 * 0; returns -1 when the symptom's catalogue text blames no ALG anyway.
 */
enum remedy_case { REMEDY_NO_NAT, REMEDY_NAT_NO_ALG };
int remedy_no_alg(enum symptom_id s, enum remedy_case c, const char **expl,
    const char **rem);

#endif /* SIPALG_REMEDY_H */
