/* Legacy Office (OLE2/CFB; libgsf): VBA storages and ObjectPool are dropped and the
 * compound file is rewritten; what cannot be removed by storage (Excel 4 macro
 * sheets, Excel DDE links, Word DDE and remote include fields (word97.h), PowerPoint
 * 97 VBA, encryption) is blocked, and so is a compound file that is not a Word, Excel
 * or PowerPoint document. */
#ifndef BUNRI_OLE2_H
#define BUNRI_OLE2_H

#include "sanitize.h"

int ole2_prepare(void);

/* SAN_OK, SAN_BLOCKED, or -ENOMEM. */
int ole2_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
