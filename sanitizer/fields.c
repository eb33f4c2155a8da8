#include "fields.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

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
