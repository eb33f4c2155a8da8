/* RTF: groups holding embedded or linked OLE objects (\object, \objdata, \objclass and
 * their kin), \template and \datastore destinations, and fields whose instruction
 * (hex and \uN escapes decoded) is DDE/DDEAUTO or fetches a remote file (fields.h)
 * are cut out; the rest of the document is copied byte for byte, so the output is
 * still RTF. */
#ifndef BUNRI_RTF_H
#define BUNRI_RTF_H

#include "sanitize.h"

/* SAN_OK, SAN_BLOCKED (not RTF, or the document group itself carries an object), or
 * -ENOMEM. */
int rtf_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out);

#endif
