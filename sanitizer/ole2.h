/* Legacy Office (OLE2/CFB; libgsf): VBA storages and ObjectPool are dropped and the
 * compound file is rewritten; what cannot be removed by storage (Excel 4 macro
 * sheets, Excel DDE links, Word DDE and remote include fields (word97.h), PowerPoint
 * 97 VBA, encryption) is blocked, and so is a compound file that is not a Word, Excel
 * or PowerPoint document. */
#ifndef BUNRI_OLE2_H
#define BUNRI_OLE2_H

#include "sanitize.h"

int ole2_prepare(void);

/* 1 if in is a compound file holding a VBA project (a VBA, _VBA_PROJECT*, PROJECT or
 * Macros entry at its root; also a compound file that cannot be read), 0 otherwise. */
int ole2_is_vba_project(const unsigned char *in, size_t len);

/* SAN_OK, SAN_BLOCKED, or -ENOMEM. */
int ole2_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
