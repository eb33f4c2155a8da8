/* A growable byte buffer: the in-memory file every format module reads and writes. */
#ifndef BUNRI_BUF_H
#define BUNRI_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

/* 0 or -ENOMEM; the buffer is unchanged on failure. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes ownership of p (malloc'd), freeing what b held. */
void buf_adopt(struct buf *b, void *p, size_t n);
void buf_free(struct buf *b);

#endif
