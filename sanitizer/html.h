/* HTML (libxml2's HTML parser): scripts, event handlers, script/data URLs, frames,
 * plugins, <base>, meta refresh and forms that post elsewhere are removed and the tree
 * is written back out. Also turns HTML into plain text for mail. */
#ifndef BUNRI_HTML_H
#define BUNRI_HTML_H

#include "sanitize.h"

int html_prepare(void);

/* SAN_OK, SAN_BLOCKED (unparseable), or -ENOMEM. */
int html_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

/* The visible text of UTF-8 HTML, as UTF-8 with line breaks at block elements; scripts
 * and styles are dropped. 0, -EINVAL (unparseable) or -ENOMEM. */
int html_to_text(const unsigned char *in, size_t len, struct buf *out);

#endif
