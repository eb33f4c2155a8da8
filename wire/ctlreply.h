/* A reply that goes out as the client reads it: the daemons never wait on a client. The
 * text is sent in CTL_PART pieces and a last piece of the reply's type (CTL_OK, or
 * CTL_ERROR for an error payload), each with MSG_DONTWAIT; what the socket does not
 * take now goes when the client has read (poll for POLLOUT while one is pending). Used
 * by bunri-controld's socket (opsock.c) and bunri-dataplane's (ctlsrv.c). */
#ifndef BUNRI_CTLREPLY_H
#define BUNRI_CTLREPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctlreply {
	uint8_t *buf;            /* the payload, malloc'd; NULL: nothing pending */
	size_t len, off;         /* off: how much the client has taken */
	uint32_t seq;
	uint16_t type;           /* of the last piece */
};

/* Starts a reply of type to seq, taking buf (malloc'd, or NULL with len 0: an empty
 * reply). Whatever was pending is dropped. */
void ctlreply_start(struct ctlreply *r, uint16_t type, uint32_t seq, void *buf, size_t len);
/* Sends what fd takes now: 0 (r->buf NULL once all is out), or -errno when the
 * connection failed (the reply is dropped). */
int ctlreply_flush(struct ctlreply *r, int fd);
void ctlreply_clear(struct ctlreply *r);
static inline bool ctlreply_pending(const struct ctlreply *r)
{
	return r->buf != NULL || r->type != 0;
}

#endif
