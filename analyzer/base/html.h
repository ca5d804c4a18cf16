/*
 * html.h - what every self-contained HTML page of the project shares:
 * escaping, the page's head and foot, and the common style sheet.
 *
 * Three writers make pages (the analysis report, output/report_html.c;
 * the inside/outside comparison, diff/diff_html.c; the simulator's
 * comparison, sim/outcome_html.c).  Each adds its own rules to the
 * common style sheet and its own few lines of script; none loads
 * anything from outside the page.  Every string that may come from a
 * packet goes through html_esc(): controls shown as \xNN, & < > " ' as
 * character references, safe in element text and quoted attributes.
 */
#ifndef SIPALG_HTML_H
#define SIPALG_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes s escaped for element text and quoted attributes. */
void html_esc(FILE *f, const char *s);
/* The same for at most max bytes of s (a fixed-size field). */
void html_escn(FILE *f, const char *s, size_t max);

/*
 * The palette (light and dark, as CSS variables), body, headings, code,
 * tables, cards, badges, verdict box, and print rules.
 */
extern const char html_css_base[];

/*
 * Writes the doctype, head (title escaped, html_css_base then css, which
 * may be NULL) and opens the body with an <h1> of the title and a line
 * of meta text (escaped; NULL for none).  The caller writes the body.
 */
void html_page_begin(FILE *f, const char *title, const char *css,
    const char *meta);

/*
 * Closes the page: script (the writer's own, trusted; NULL for none)
 * inside one <script> element, then </body></html>.
 */
void html_page_end(FILE *f, const char *script);

#endif /* SIPALG_HTML_H */
