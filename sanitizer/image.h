/* PNG, JPEG and GIF: the chunk/segment/block structure is walked and checked; bytes
 * after the image's end marker (polyglots, appended archives) are cut off. */
#ifndef BUNRI_IMAGE_H
#define BUNRI_IMAGE_H

#include "sanitize.h"

/* SAN_OK, SAN_BLOCKED for a malformed image, or -ENOMEM. */
int image_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
