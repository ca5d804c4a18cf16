/*
 * html.c - the parts of a self-contained HTML page every writer shares
 * (html.h): escaping through text_fput_escaped(TEXT_ESC_HTML), the head
 * with the common style sheet, and the foot.
 *
 * The style sheet holds what the pages have in common: a light and a
 * dark palette (prefers-color-scheme) as CSS variables, which each
 * writer's own rules use; tables, cards, badges and the verdict box;
 * print rules.  No rule names a font, image or anything else by URL.
 */
#include <string.h>

#include "base/html.h"
#include "base/text.h"

void
html_esc(FILE *f, const char *s)
{
	text_fput_escaped(f, s, strlen(s), TEXT_ESC_HTML);
}

void
html_escn(FILE *f, const char *s, size_t max)
{
	text_fput_escaped(f, s, strnlen(s, max), TEXT_ESC_HTML);
}

const char html_css_base[] =
":root{--bg:#fff;--fg:#1b1f24;--mut:#59636e;--card:#f6f8fa;--line:#d0d7de;"
"--bad:#c62828;--warn:#b26a00;--ok:#2e7d32;--req:#0b5cad;--rsp:#6a1b9a;"
"--fwd:#1e88e5;--rev:#e65100;--pin:#c62828}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;"
"--mut:#9198a1;--card:#161b22;--line:#30363d;--bad:#ff7b72;--warn:#e3b341;"
"--ok:#56d364;--req:#79c0ff;--rsp:#d2a8ff;--fwd:#58a6ff;--rev:#ffa657;"
"--pin:#ff7b72}}\n"
"body{font:14px/1.45 system-ui,sans-serif;background:var(--bg);"
"color:var(--fg);margin:0 auto;max-width:1200px;padding:1em}\n"
"h1{font-size:1.5em;margin:.2em 0}h2{border-bottom:1px solid var(--line);"
"padding-bottom:.2em;margin-top:1.6em}\n"
"code,pre,.mono{font-family:ui-monospace,monospace;font-size:12px}\n"
"code{word-break:break-all}\n"
"pre{white-space:pre-wrap;background:var(--card);padding:.6em;"
"border:1px solid var(--line)}\n"
".verdict{border:2px solid var(--line);padding:.6em 1em;background:var(--card)}\n"
".verdict.likely{border-color:var(--bad)}.verdict.unlikely{border-color:var(--ok)}\n"
".verdict h2{border:0;margin:.2em 0}\n"
".card{border:1px solid var(--line);background:var(--card);margin:1em 0;"
"padding:.4em 1em;content-visibility:auto;contain-intrinsic-size:auto 900px}\n"
".card h3{margin:.3em 0}.meta{color:var(--mut)}\n"
".badge{display:inline-block;font:bold 11px ui-monospace,monospace;"
"padding:1px 5px;border-radius:3px;background:var(--bad);color:var(--bg)}\n"
".badge.ok{background:var(--ok)}\n"
"table{border-collapse:collapse;margin:.4em 0}\n"
"td,th{border:1px solid var(--line);padding:2px 6px;text-align:left;"
"vertical-align:top}\n"
"th{background:var(--card)}td.n{text-align:right}\n"
".scroll{overflow-x:auto}\n"
".dead{color:var(--bad);font-weight:bold}\n"
"@media print{body{max-width:none;font-size:11px}.card{break-inside:avoid}"
"details>*{display:block}.noprint{display:none}}\n";

void
html_page_begin(FILE *f, const char *title, const char *css,
    const char *meta)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"color-scheme\" content=\"light "
	    "dark\"><title>", f);
	html_esc(f, title);
	fprintf(f, "</title>\n<style>\n%s%s</style></head>\n<body>\n<header>"
	    "<h1>", html_css_base, css != NULL ? css : "");
	html_esc(f, title);
	fputs("</h1>", f);
	if (meta != NULL) {
		fputs("<p class=\"meta\">", f);
		html_esc(f, meta);
		fputs("</p>", f);
	}
	fputs("</header>\n", f);
}

void
html_page_end(FILE *f, const char *script)
{
	if (script != NULL)
		fprintf(f, "<script>\n%s</script>\n", script);
	fputs("</body></html>\n", f);
}
