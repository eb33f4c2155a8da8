/* File type from content (libmagic), never from the name; and the check that a name's
 * extension does not contradict the content. */
#ifndef BUNRI_DETECT_H
#define BUNRI_DETECT_H

#include <stddef.h>

#include "sanitize.h"

/* Opens and loads the magic database. 0 or -errno. */
int detect_init(void);
void detect_fini(void);

/* The format of in; its MIME type is copied to mime. */
enum san_format detect_format(const unsigned char *in, size_t len, char *mime, size_t mimelen);

/* Length of an mbox "From " separator line at the top of in, or 0. */
size_t detect_mbox_line(const unsigned char *in, size_t len);

/* 1 if in starts with a header block holding one header a message has (From:,
 * Subject:, Content-Type:, ...): enough for a file named .eml. */
int detect_mail_named(const unsigned char *in, size_t len);

/* 1 if name carries an extension bunri knows and it names another format than fmt. */
int detect_name_conflict(const char *name, enum san_format fmt);

#endif
