/* Archives (zip, tar, 7z; read with libarchive): every member is sanitized recursively
 * and the results are packed into a new zip. Depth, member count, expanded size and
 * ratio are limited while reading, never from declared sizes. */
#ifndef BUNRI_CONTAINER_H
#define BUNRI_CONTAINER_H

#include "sanitize.h"

/* SAN_OK, SAN_BLOCKED (a limit, an encrypted or blocked member), or -ENOMEM. */
int container_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
