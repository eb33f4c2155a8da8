#include "fields.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "links.h"

/* Fields that fetch a file or a picture by path when Word updates them. */
static const char *const fetching[] = { "INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "IMPORT", "LINK" };

/* A URL (any scheme written with ://, or http:/file: without it) or a UNC path
 * (\\host\share, written \\\\host in field syntax, or //host). */
static int remote_arg(const char *s)
{
	while (*s && (isspace((unsigned char)*s) || *s == '"'))
		s++;
	if ((s[0] == '\\' && s[1] == '\\') || (s[0] == '/' && s[1] == '/'))
		return 1;
	return strstr(s, "://") || strcasestr(s, "http:") || strcasestr(s, "https:") ||
	       strcasestr(s, "file:") || strcasestr(s, "ftp:") || strstr(s, "\\\\\\\\");
}

/* HYPERLINK's target: the first argument that is not a switch (\\l, \\o and \\t take
 * one of their own). A bookmark-only link has none. */
static enum field_kind hyperlink(const char *s, unsigned flags)
{
	char url[1024];
	size_t n = 0;

	if (flags & (FIELD_NESTED | FIELD_TRUNCATED))
		return FIELD_LINK;
	for (;;) {
		int quoted, takes_arg = 0;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (*s == '\\' && s[1] && !isspace((unsigned char)s[2]) && s[2])
			break; /* a path starting with a backslash, not a switch */
		if (*s != '\\')
			break;
		takes_arg = strchr("lotLOT", s[1]) != NULL;
		s += 2;
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!takes_arg)
			continue;
		quoted = *s == '"';
		s += quoted;
		while (*s && (quoted ? *s != '"' : !isspace((unsigned char)*s)))
			s++;
		s += *s == '"';
	}
	if (!*s)
		return FIELD_SAFE;
	if (*s == '"') {
		for (s++; *s && *s != '"' && n < sizeof(url) - 1; s++)
			url[n++] = *s;
	} else {
		for (; *s && !isspace((unsigned char)*s) && n < sizeof(url) - 1; s++)
			url[n++] = *s;
	}
	url[n] = '\0';
	return links_allowed(url, n, LINK_BASE_SITE) ? FIELD_SAFE : FIELD_LINK;
}

enum field_kind fields_classify(const char *instr, unsigned flags)
{
	char kw[32];
	size_t n = 0, i;

	while (*instr && isspace((unsigned char)*instr))
		instr++;
	if (flags & FIELD_NESTED_FIRST)
		return FIELD_DDE;
	while (isalpha((unsigned char)instr[n]) && n < sizeof(kw) - 1) {
		kw[n] = (char)toupper((unsigned char)instr[n]);
		n++;
	}
	kw[n] = '\0';
	if (strncmp(kw, "DDE", 3) == 0)
		return FIELD_DDE;
	if (strcmp(kw, "HYPERLINK") == 0)
		return hyperlink(instr + n, flags);
	for (i = 0; i < sizeof(fetching) / sizeof(fetching[0]); i++) {
		if (strcmp(kw, fetching[i]) != 0)
			continue;
		/* a nested field may spell the path, and a cut text may hide it */
		if (flags & (FIELD_NESTED | FIELD_TRUNCATED))
			return FIELD_REMOTE;
		return remote_arg(instr + n) ? FIELD_REMOTE : FIELD_SAFE;
	}
	return FIELD_SAFE;
}
