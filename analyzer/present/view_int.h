/*
 * view_int.h - what the files of the presentation model share
 * (view_list.c, view_ladder.c, view_text.c, view_draw.c).  Not for
 * callers: they use view.h.
 */
#ifndef SIPALG_VIEW_INT_H
#define SIPALG_VIEW_INT_H

#include "present/view.h"

/*
 * Writes the code points cp[xoff .. xoff+width) (of total) as UTF-8
 * into buf, truncated to n-1 bytes and NUL-terminated.  Returns buf.
 */
char *view_encode(const uint32_t *cp, int total, int xoff, int width,
    char *buf, size_t n);

#endif /* SIPALG_VIEW_INT_H */
