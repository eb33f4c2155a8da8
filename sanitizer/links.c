#include "links.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const kept_schemes[] = { "http", "https", "mailto" };
static const char *const script_schemes[] = { "javascript", "vbscript", "livescript", "data" };

/* The scheme of url, lower case, into out; 0 when url has none (a relative link),
 * -1 when it starts with two slashes or backslashes: a UNC path, or a scheme-relative
 * URL, which in a file opened from disk resolves to file://host, an SMB share. 1
 * otherwise. A scheme longer than out is still a scheme (and kept by no one). */
static int scheme_of(const char *url, size_t len, char *out, size_t outlen)
{
	size_t i = 0, n = 0;

	while (i < len && (unsigned char)url[i] <= ' ')
		i++;
	if (i + 1 < len && (url[i] == '/' || url[i] == '\\') && (url[i + 1] == '/' || url[i + 1] == '\\'))
		return -1;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == ':')
			break;
		if (!(isalnum(c) || c == '+' || c == '-' || c == '.') || (n == 0 && !isalpha(c)))
			return 0;
		if (n + 1 < outlen)
			out[n] = (char)tolower(c);
		n++;
	}
	if (i == len || n == 0)
		return 0;
	out[n < outlen ? n : outlen - 1] = '\0';
	if (n >= outlen)
		out[0] = '\0';
	return 1;
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int links_allowed(const char *url, size_t len, enum link_base base)
{
	char scheme[16];
	int r = scheme_of(url, len, scheme, sizeof(scheme));

	if (r == 0)
		return base == LINK_BASE_SITE;
	if (r < 0)
		return 0;
	return in_list(scheme, kept_schemes, sizeof(kept_schemes) / sizeof(kept_schemes[0]));
}

int links_is_script(const char *url, size_t len)
{
	char scheme[16];

	return scheme_of(url, len, scheme, sizeof(scheme)) == 1 &&
	       in_list(scheme, script_schemes, sizeof(script_schemes) / sizeof(script_schemes[0]));
}
