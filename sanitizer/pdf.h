/* PDF (libqpdf C API): walks the parsed object graph from the trailer (object streams
 * included) and removes scripts, actions that leave the document, embedded files,
 * rich media and XFA; qpdf writes the result, decrypted when only an owner password
 * was set. */
#ifndef BUNRI_PDF_H
#define BUNRI_PDF_H

#include "sanitize.h"

/* SAN_OK, SAN_BLOCKED (needs a user password, unreadable), or -ENOMEM. */
int pdf_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
