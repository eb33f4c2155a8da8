/* Legacy Office (OLE2/CFB; libgsf): VBA storages and ObjectPool are dropped and the
 * compound file is rewritten; what cannot be removed by storage (Excel 4 macro
 * sheets, PowerPoint 97 VBA, encryption) is blocked. */
#ifndef BUNRI_OLE2_H
#define BUNRI_OLE2_H

#include "sanitize.h"

int ole2_prepare(void);

/* SAN_OK, SAN_BLOCKED, or -ENOMEM. */
int ole2_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
