/* CSV and plain text: cells that would run as spreadsheet formulas (including DDE such
 * as =cmd|' /c calc'!A0) get a leading apostrophe so they are read as text. */
#ifndef BUNRI_TEXT_H
#define BUNRI_TEXT_H

#include "sanitize.h"

/* SAN_OK with out filled, SAN_BLOCKED for UTF-16 (or NUL bytes), or -ENOMEM. A name
 * ending .csv/.tsv (ctx->name) gets the strict CSV rules; other text only loses cells
 * that look like function calls or DDE. A UTF-8 BOM is kept and skipped. */
int text_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
