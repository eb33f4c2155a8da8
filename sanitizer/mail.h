/* Mail (.eml; gmime): HTML bodies become UTF-8 text, attachments are sanitized or
 * removed, and an X-Bunri-Sanitized header says what was done. */
#ifndef BUNRI_MAIL_H
#define BUNRI_MAIL_H

#include "sanitize.h"

int mail_prepare(void);

/* SAN_OK, SAN_BLOCKED (unparseable), or -ENOMEM. */
int mail_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
