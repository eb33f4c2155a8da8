/* Which links may stay in a sanitized document, in every format (PDF URI actions,
 * OOXML hyperlinks, HTML URL attributes, Word HYPERLINK fields): with the default
 * uri = "keep", http, https and mailto links stay; javascript:, vbscript:, data:,
 * file:, protocol handlers (ms-msdt:, search-ms:, ...) and UNC paths go. */
#ifndef BUNRI_LINKS_H
#define BUNRI_LINKS_H

#include <stddef.h>

/* Where a link without a scheme is resolved. */
enum link_base {
	LINK_BASE_SITE,     /* HTML: a relative path stays (//host and \\host do not) */
	LINK_BASE_FILE,     /* PDF, OOXML: against the file's folder: a local file, removed */
};

/* 1 if url (len bytes, need not be NUL-terminated) may stay. The scheme is read the
 * way browsers read it: leading blanks and control characters skipped, tabs and line
 * breaks inside ignored, compared without case. */
int links_allowed(const char *url, size_t len, enum link_base base);

/* 1 if url's scheme is one that runs script where it is opened (javascript:,
 * vbscript:, livescript:, data:). */
int links_is_script(const char *url, size_t len);

#endif
