#include "css.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "links.h"

/* Properties that only lay out and colour text, tables and boxes. Word's own mso-*
 * properties are inert outside Word and are kept too. */
static const char *const props[] = {
	"color", "background", "background-color", "background-image", "background-repeat",
	"background-position", "background-attachment", "background-size", "font", "font-family",
	"font-size", "font-style", "font-weight", "font-variant", "font-stretch", "line-height",
	"letter-spacing", "word-spacing", "text-align", "text-decoration", "text-indent",
	"text-transform", "text-shadow", "text-overflow", "vertical-align", "white-space",
	"word-wrap", "word-break", "overflow-wrap", "direction", "unicode-bidi", "writing-mode",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding",
	"padding-top", "padding-right", "padding-bottom", "padding-left", "border", "border-top",
	"border-right", "border-bottom", "border-left", "border-color", "border-style",
	"border-width", "border-top-color", "border-top-style", "border-top-width",
	"border-right-color", "border-right-style", "border-right-width", "border-bottom-color",
	"border-bottom-style", "border-bottom-width", "border-left-color", "border-left-style",
	"border-left-width", "border-radius", "border-collapse", "border-spacing", "outline",
	"outline-color", "outline-style", "outline-width", "width", "height", "min-width",
	"min-height", "max-width", "max-height", "display", "float", "clear", "overflow",
	"overflow-x", "overflow-y", "visibility", "position", "top", "right", "bottom", "left",
	"z-index", "opacity", "list-style", "list-style-type", "list-style-position",
	"list-style-image", "table-layout", "caption-side", "empty-cells", "box-sizing",
	"box-shadow", "page-break-before", "page-break-after", "page-break-inside", "tab-size",
	"layout-grid", "layout-grid-mode", "text-justify", "text-autospace", "text-underline",
	"size",
};

/* The only properties whose url() is kept (a picture behind text or a bullet). */
static const char *const url_props[] = {
	"background", "background-image", "list-style", "list-style-image",
};

/* Properties that run or bind code somewhere: named in the report as script. */
static const char *const script_props[] = {
	"behavior", "-ms-behavior", "-moz-binding", "binding", "-o-link", "-o-link-source",
	"filter", "-ms-filter", "cursor",
};

static const char *const colour_functions[] = { "rgb", "rgba", "hsl", "hsla" };

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return 1;
	return 0;
}

#define IN(s, list) in_list(s, list, sizeof(list) / sizeof(list[0]))

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c >= 0x80;
}

static void note(struct css_dropped *d, int script, const char *what, size_t n)
{
	size_t used = strlen(d->first);

	if (script)
		d->script = 1;
	else
		d->other = 1;
	if (used + n + 2 < sizeof(d->first))
		snprintf(d->first + used, sizeof(d->first) - used, "%s%.*s", used ? "," : "",
			 (int)n, what);
}

/* Skips a quoted string starting at in[i]; the index after it, or 0 if it holds a
 * backslash, a line break or '<' or does not end. */
static size_t string_end(const char *in, size_t len, size_t i)
{
	char q = in[i];

	for (i++; i < len; i++) {
		if (in[i] == q)
			return i + 1;
		if (in[i] == '\\' || in[i] == '\n' || in[i] == '\r' || in[i] == '<')
			return 0;
	}
	return 0;
}

/* url(...) at in[i] (after "url("): 1 and *end past ')' when its link may stay. */
static int url_ok(const char *in, size_t len, size_t i, size_t *end)
{
	size_t s, e;

	while (i < len && isspace((unsigned char)in[i]))
		i++;
	if (i < len && (in[i] == '"' || in[i] == '\'')) {
		e = string_end(in, len, i);
		if (!e)
			return 0;
		s = i + 1;
		i = e;
		e--;
	} else {
		for (s = i; i < len && in[i] != ')' && !isspace((unsigned char)in[i]); i++)
			if (in[i] == '\\' || in[i] == '"' || in[i] == '\'' || in[i] == '(' || in[i] == '<')
				return 0;
		e = i;
	}
	while (i < len && isspace((unsigned char)in[i]))
		i++;
	if (i >= len || in[i] != ')')
		return 0;
	*end = i + 1;
	return links_allowed(in + s, e - s, LINK_BASE_SITE);
}

/* Arguments of a colour function: numbers, percentages, commas, slashes, blanks. */
static int colour_args(const char *in, size_t len, size_t i, size_t *end)
{
	for (; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ')') {
			*end = i + 1;
			return 1;
		}
		if (!(isdigit(c) || isspace(c) || c == '.' || c == ',' || c == '%' || c == '/' ||
		      c == '-' || c == '+' || isalpha(c)))
			return 0;
	}
	return 0;
}

/* 1 when every token of the value is inert: identifiers, numbers with units,
 * percentages, #colours, plain strings, commas, slashes, !important, colour
 * functions, and url() where prop allows one. *script is set when the value is
 * refused for a function, a URL or an escape. */
static int value_ok(const char *prop, const char *in, size_t len, int *script)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (isspace(c) || c == ',' || c == '/') {
			i++;
		} else if (c == '"' || c == '\'') {
			i = string_end(in, len, i);
			if (!i)
				return *script = 1, 0;
		} else if (c == '!') {
			for (i++; i < len && isspace((unsigned char)in[i]); i++)
				;
			if (len - i < 9 || strncasecmp(in + i, "important", 9) != 0)
				return 0;
			i += 9;
		} else if (ident_char(c) || c == '#' || c == '.' || c == '+' || c == '%') {
			size_t s = i;
			char fn[16];

			for (i++; i < len && (ident_char((unsigned char)in[i]) || in[i] == '.' ||
					      in[i] == '%'); i++)
				;
			if (i >= len || in[i] != '(')
				continue;
			snprintf(fn, sizeof(fn), "%.*s", (int)(i - s < 15 ? i - s : 15), in + s);
			if (strcasecmp(fn, "url") == 0 && IN(prop, url_props)) {
				if (!url_ok(in, len, i + 1, &i))
					return *script = 1, 0;
			} else if (IN(fn, colour_functions)) {
				if (!colour_args(in, len, i + 1, &i))
					return *script = 1, 0;
			} else {
				return *script = 1, 0; /* expression(), url() elsewhere, ... */
			}
		} else {
			return *script = 1, 0; /* \escape, <, {, ;, @, ... */
		}
	}
	return 1;
}

/* One declaration "name: value" (without ';'), kept or noted. */
static int declaration(const char *in, size_t len, struct buf *out, struct css_dropped *d)
{
	const char *colon = memchr(in, ':', len);
	size_t a = 0, b, v, e = len, k;
	char prop[48];
	int script = 0;

	while (a < len && isspace((unsigned char)in[a]))
		a++;
	if (a == len)
		return 0;
	if (!colon) {
		note(d, 1, in + a, len - a > 20 ? 20 : len - a);
		return 0;
	}
	for (b = a; b < (size_t)(colon - in) && ident_char((unsigned char)in[b]); b++)
		;
	v = (size_t)(colon - in) + 1;
	for (k = b; k < (size_t)(colon - in); k++)
		if (!isspace((unsigned char)in[k]))
			b = 0; /* escapes or junk in the name */
	if (b == 0 || b == a || b - a >= sizeof(prop)) {
		note(d, 1, in + a, (size_t)(colon - in) - a > 20 ? 20 : (size_t)(colon - in) - a);
		return 0;
	}
	snprintf(prop, sizeof(prop), "%.*s", (int)(b - a), in + a);
	while (v < e && isspace((unsigned char)in[v]))
		v++;
	while (e > v && isspace((unsigned char)in[e - 1]))
		e--;
	if (IN(prop, script_props)) {
		note(d, 1, prop, strlen(prop));
		return 0;
	}
	if (!IN(prop, props) && strncasecmp(prop, "mso-", 4) != 0) {
		/* an unknown property whose value would run is still script */
		(void)value_ok(prop, in + v, e - v, &script);
		note(d, script, prop, strlen(prop));
		return 0;
	}
	if (e == v || !value_ok(prop, in + v, e - v, &script)) {
		note(d, script, prop, strlen(prop));
		return 0;
	}
	if (buf_append(out, prop, strlen(prop)) < 0 || buf_append(out, ": ", 2) < 0 ||
	    buf_append(out, in + v, e - v) < 0 || buf_append(out, "; ", 2) < 0)
		return -ENOMEM;
	return 0;
}

/* The end of the top-level piece starting at i: the first of stop outside strings,
 * parentheses, braces and comments (len if none). Comments are blanked in place
 * beforehand by strip_comments. */
static size_t piece_end(const char *in, size_t len, size_t i, const char *stop)
{
	int depth = 0;

	for (; i < len; i++) {
		char c = in[i];

		if (c == '"' || c == '\'') {
			size_t e = i + 1;

			while (e < len && in[e] != c && in[e] != '\n')
				e += in[e] == '\\' ? 2 : 1;
			i = e < len ? e : len - 1;
		} else if (c == '(' || c == '{' || c == '[') {
			if (depth == 0 && strchr(stop, c))
				return i;
			depth++;
		} else if (c == ')' || c == '}' || c == ']') {
			if (depth == 0 && strchr(stop, c))
				return i;
			if (depth > 0)
				depth--;
		} else if (depth == 0 && strchr(stop, c)) {
			return i;
		}
	}
	return len;
}

/* A copy of in with comments turned into blanks (a comment splits tokens, so
 * "expr(comment)ession(" is read as two words, as browsers do). */
static char *strip_comments(const char *in, size_t len)
{
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		return NULL;
	memcpy(s, in, len);
	s[len] = '\0';
	for (i = 0; i + 1 < len; i++) {
		if (s[i] == '/' && s[i + 1] == '*') {
			size_t e = i + 2;

			while (e + 1 < len && !(s[e] == '*' && s[e + 1] == '/'))
				e++;
			e = e + 1 < len ? e + 2 : len;
			memset(s + i, ' ', e - i);
			i = e - 1;
		}
	}
	return s;
}

static int declarations(const char *in, size_t len, struct buf *out, struct css_dropped *d)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		size_t e = piece_end(in, len, i, ";");

		rc = declaration(in + i, e - i, out, d);
		i = e + 1;
	}
	return rc;
}

int css_declarations(const char *in, size_t len, struct buf *out, struct css_dropped *d)
{
	char *s = strip_comments(in, len);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = declarations(s, len, out, d);
	free(s);
	return rc;
}

static int sheet(const char *in, size_t len, struct buf *out, struct css_dropped *d, int depth);

/* One rule or at-rule starting at in[i]; returns the index after it. */
static size_t rule(const char *in, size_t len, size_t i, struct buf *out, struct css_dropped *d,
		   int depth, int *rc)
{
	size_t p = piece_end(in, len, i, "{;"), b, e;

	if (p >= len || in[p] == ';') {
		/* @import url(...); @charset; @namespace; or junk: dropped */
		size_t s = i;

		while (s < p && isspace((unsigned char)in[s]))
			s++;
		if (s < p)
			note(d, in[s] == '@', in + s, p - s > 20 ? 20 : p - s);
		return p + 1;
	}
	b = p + 1;
	e = piece_end(in, len, b, "}");
	if (in[i] == '@') {
		if (depth == 0 && p - i > 6 && strncasecmp(in + i, "@media", 6) == 0 &&
		    !memchr(in + i, '\\', p - i) && !memchr(in + i, '<', p - i)) {
			if (buf_append(out, in + i, p - i) < 0 || buf_append(out, "{\n", 2) < 0 ||
			    (*rc = sheet(in + b, e - b, out, d, depth + 1)) < 0 ||
			    buf_append(out, "}\n", 2) < 0)
				*rc = *rc < 0 ? *rc : -ENOMEM;
			return e + 1;
		}
		if (!(p - i >= 5 && strncasecmp(in + i, "@page", 5) == 0 &&
		      (p - i == 5 || !ident_char((unsigned char)in[i + 5])))) {
			/* @font-face fetches a font: left out, but it runs nothing */
			note(d, !(p - i >= 10 && strncasecmp(in + i, "@font-face", 10) == 0), in + i,
			     p - i > 20 ? 20 : p - i);
			return e + 1;
		}
		/* @page (Word's page size and margins) is a rule like any other */
	}
	if (memchr(in + i, '<', p - i) || memchr(in + i, '\\', p - i)) {
		note(d, 1, "selector", 8);
		return e + 1;
	}
	if (buf_append(out, in + i, p - i) < 0 || buf_append(out, "{ ", 2) < 0 ||
	    (*rc = declarations(in + b, e - b, out, d)) < 0 || buf_append(out, "}\n", 2) < 0)
		*rc = *rc < 0 ? *rc : -ENOMEM;
	return e + 1;
}

static int sheet(const char *in, size_t len, struct buf *out, struct css_dropped *d, int depth)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		while (i < len && (isspace((unsigned char)in[i]) || in[i] == '}'))
			i++;
		/* HTML comment markers browsers skip around a style sheet */
		if (len - i >= 4 && strncmp(in + i, "<!--", 4) == 0) {
			i += 4;
			continue;
		}
		if (len - i >= 3 && strncmp(in + i, "-->", 3) == 0) {
			i += 3;
			continue;
		}
		if (i < len)
			i = rule(in, len, i, out, d, depth, &rc);
	}
	return rc;
}

int css_stylesheet(const char *in, size_t len, struct buf *out, struct css_dropped *d)
{
	char *s = strip_comments(in, len);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = sheet(s, len, out, d, 0);
	free(s);
	return rc;
}
