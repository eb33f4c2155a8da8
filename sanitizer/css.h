/* CSS in HTML (<style> elements and style attributes), rewritten through an allow-list
 * of properties and value tokens rather than searched for bad strings: legacy browsers
 * (Edge in IE mode) run behavior:url(), expression(), -moz-binding and friends, and
 * CSS escapes can spell any of them. */
#ifndef BUNRI_CSS_H
#define BUNRI_CSS_H

#include <stddef.h>

#include "buf.h"

/* What was left out, for the report. */
struct css_dropped {
	int script;         /* a declaration or rule that can run or fetch code */
	int other;          /* properties outside the allow-list */
	char first[96];     /* the first few dropped names, comma-separated */
};

/* A declaration list (a style attribute's value): the allowed declarations are written
 * to out as "name: value; ...". 0 or -ENOMEM. */
int css_declarations(const char *in, size_t len, struct buf *out, struct css_dropped *d);

/* A style sheet (a <style> element's text): rules keep their selectors and allowed
 * declarations, @media blocks are cleaned the same way, every other at-rule (@import,
 * @font-face, @namespace, ...) is dropped. 0 or -ENOMEM. */
int css_stylesheet(const char *in, size_t len, struct buf *out, struct css_dropped *d);

#endif
