/* Zip reading with limits and zip writing in memory (libzip), shared by the OOXML and
 * archive modules. Sizes declared in the central directory may block a file early but
 * never let one through: every member is counted as it is inflated. */
#ifndef BUNRI_ZIPIO_H
#define BUNRI_ZIPIO_H

#include <zip.h>

#include "sanitize.h"

struct zipin;
struct zipout;

/* Opens in (which must outlive the handle) and checks the declared sizes, the member
 * count and encryption against ctx->cfg. NULL with ctx->reason set when blocked or
 * unreadable, *err = SAN_BLOCKED or -ENOMEM. */
struct zipin *zipin_open(struct san_ctx *ctx, const unsigned char *in, size_t len, int *err);
long zipin_count(const struct zipin *z);
/* Name of member i (NULL for a member to be skipped, e.g. a directory). */
const char *zipin_name(struct zipin *z, long i);
/* Inflates member i into out, counting against the limits. SAN_OK, SAN_BLOCKED or
 * -errno. */
int zipin_read(struct san_ctx *ctx, struct zipin *z, long i, struct buf *out);
void zipin_close(struct zipin *z);

struct zipout *zipout_new(void);
/* Adds a member; data is copied. 0 or -errno. */
int zipout_add(struct zipout *z, const char *name, const void *data, size_t len);
/* Number of members added so far. */
long zipout_count(struct zipout *z);
/* Writes the zip into out and frees z. 0 or -errno. */
int zipout_finish(struct zipout *z, struct buf *out);
void zipout_free(struct zipout *z);

/* Counts n more expanded bytes of an input of compressed_len against the archive
 * limits; SAN_OK or SAN_BLOCKED. */
int zipio_account(struct san_ctx *ctx, size_t n, size_t compressed_len);

#endif
