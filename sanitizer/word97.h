/* Word 97-2003 binary documents (MS-DOC): the text is read through the piece table
 * (FIB -> Clx in the table stream) and its field instructions (0x13 ... 0x14/0x15)
 * are checked with fields.h. A field that reaches outside the document cannot be cut
 * out of the binary text without rewriting it, so the file is blocked. */
#ifndef BUNRI_WORD97_H
#define BUNRI_WORD97_H

#include "sanitize.h"

/* wd: the WordDocument stream; table: the table stream the FIB names (0Table or
 * 1Table), or NULL when absent. SAN_OK or SAN_BLOCKED (reason set). */
int word97_check_fields(struct san_ctx *ctx, const struct buf *wd, const struct buf *table0,
			const struct buf *table1);

#endif
