/* Archives (zip, tar, 7z; read with libarchive): every member is sanitized recursively
 * and the results are packed into a new zip. Depth, member count, expanded size and
 * ratio are limited while reading, never from declared sizes. */
#ifndef BUNRI_ARCHIVE_H
#define BUNRI_ARCHIVE_H

#include "sanitize.h"

/* SAN_OK, SAN_BLOCKED (a limit, an encrypted or blocked member), or -ENOMEM. */
int archive_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
