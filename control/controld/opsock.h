/* bunri-controld's own socket, for bunrictl: the clients and their replies. A client
 * never makes the daemon wait: sockets are non-blocking, one request is read at a time
 * and its reply goes out as the client reads it, a client that takes none of its reply
 * for OPSOCK_STALL_MS is closed, and when every slot is taken the client idle longest
 * makes room. What the requests mean is the daemon's (controld.c). */
#ifndef BUNRI_OPSOCK_H
#define BUNRI_OPSOCK_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "ctlproto.h"
#include "ctlreply.h"

#define OPSOCK_CLIENTS 8
#define OPSOCK_STALL_MS 2000

struct opsock_client {
	int fd;                  /* -1: a free slot */
	int64_t active_ms;       /* accepted, or last asked or took part of a reply */
	struct ucred cred;       /* at accept; uid -1 when unknown */
	struct ctlreply out;     /* the reply being sent */
};

struct opsock {
	int listen_fd;
	struct opsock_client clients[OPSOCK_CLIENTS];
	uint64_t closed_unread;  /* clients closed because they did not take their reply */
	uint64_t closed_idle;    /* idle clients closed to make room for a new one */
	uint8_t msg[CTLPROTO_MSG_MAX];
};

/* Listens on path (mode 0660, group bunri). 0 or -errno. */
int opsock_open(struct opsock *o, const char *path);
/* Closes every client and the listening socket, and removes path. */
void opsock_close(struct opsock *o, const char *path);
/* Takes a new client (listen_fd readable). */
void opsock_accept(struct opsock *o, int64_t now);
/* Closes the clients stalled on their reply and adds one pollfd per client to pfd,
 * with who[i] its slot: how many were added. */
unsigned opsock_pollfds(struct opsock *o, struct pollfd *pfd, int *who, int64_t now);
/* Client idx is ready: sends more of its reply, or reads its request. 1 and *m (its
 * payload in o->msg) for a request; -EBADMSG, -EPROTO or -EMSGSIZE for a message that
 * was not one (the caller answers with opsock_error); 0 when there is nothing to do. */
int opsock_ready(struct opsock *o, int idx, int64_t now, struct ctlproto_msg *m);
/* Starts sending text (taken over, freed when sent) as the reply to seq. */
void opsock_reply(struct opsock *o, int idx, uint32_t seq, char *text, size_t len,
		  int64_t now);
/* Tells the client its request was taken (an empty CTL_PART), before a long one runs. */
void opsock_ack(struct opsock *o, int idx, uint32_t seq);
void opsock_error(struct opsock *o, int idx, uint32_t seq, int code, const char *text);
/* The client's uid, -1 when unknown. */
long opsock_uid(const struct opsock *o, int idx);
/* {connected, max, closed_unread, closed_idle} */
json_t *opsock_status(const struct opsock *o);

#endif
