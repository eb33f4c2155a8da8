#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsock.h"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bunri-controld: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int opsock_open(struct opsock *o, const char *path)
{
	for (int i = 0; i < OPSOCK_CLIENTS; i++) {
		o->clients[i].fd = -1;
		o->clients[i].out = (struct ctlreply){ 0 };
	}
	o->listen_fd = ctlproto_listen(path, "bunri");
	return o->listen_fd < 0 ? o->listen_fd : 0;
}

static void close_client(struct opsock *o, int idx)
{
	close(o->clients[idx].fd);
	o->clients[idx].fd = -1;
	ctlreply_clear(&o->clients[idx].out);
}

void opsock_close(struct opsock *o, const char *path)
{
	for (int i = 0; i < OPSOCK_CLIENTS; i++) {
		if (o->clients[i].fd >= 0)
			close_client(o, i);
	}
	close(o->listen_fd);
	unlink(path);
}

/* What became of a send (0 or -errno): a client that does not take its reply asks
 * without reading, and is closed rather than waited for. */
static void sent(struct opsock *o, int idx, int ret)
{
	const struct opsock_client *cl = &o->clients[idx];

	if (ret == 0)
		return;
	say("client pid %ld uid %ld closed: its reply could not be delivered (%s); a client "
	    "must read the reply to each request", (long)cl->cred.pid, (long)cl->cred.uid,
	    strerror(-ret));
	o->closed_unread++;
	close_client(o, idx);
}

/* Sends what the socket takes of the pending reply without waiting; the rest goes when
 * the client has read (POLLOUT). */
static void flush_reply(struct opsock *o, int idx, int64_t now)
{
	struct opsock_client *cl = &o->clients[idx];
	size_t off = cl->out.off;
	bool was = ctlreply_pending(&cl->out);
	int ret = ctlreply_flush(&cl->out, cl->fd);

	if (ret != 0) {
		sent(o, idx, ret);
		return;
	}
	if (was && (!ctlreply_pending(&cl->out) || cl->out.off != off))
		cl->active_ms = now;
}

void opsock_reply(struct opsock *o, int idx, uint32_t seq, char *text, size_t len,
		  int64_t now)
{
	if (o->clients[idx].fd < 0) { /* gone while its request ran */
		free(text);
		return;
	}
	ctlreply_start(&o->clients[idx].out, CTL_OK, seq, text, len);
	flush_reply(o, idx, now);
}

void opsock_ack(struct opsock *o, int idx, uint32_t seq)
{
	if (o->clients[idx].fd < 0)
		return;
	sent(o, idx, ctlproto_send(o->clients[idx].fd, CTL_PART, seq, NULL, 0, MSG_DONTWAIT));
}

void opsock_error(struct opsock *o, int idx, uint32_t seq, int code, const char *text)
{
	static uint8_t p[CTLPROTO_PAYLOAD_MAX];
	size_t pl = ctlproto_error_encode(code, text, p, sizeof(p));

	if (o->clients[idx].fd < 0)
		return;
	sent(o, idx, ctlproto_send(o->clients[idx].fd, CTL_ERROR, seq, p, pl, MSG_DONTWAIT));
}

void opsock_accept(struct opsock *o, int64_t now)
{
	int fd = accept4(o->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	socklen_t clen = sizeof(struct ucred);
	struct opsock_client *cl;
	int slot = -1;

	if (fd < 0)
		return;
	for (int i = 0; i < OPSOCK_CLIENTS && slot < 0; i++) {
		if (o->clients[i].fd < 0)
			slot = i;
	}
	/* every slot taken: clients that connect and never ask cannot lock operators out */
	if (slot < 0) {
		slot = 0;
		for (int i = 1; i < OPSOCK_CLIENTS; i++) {
			if (o->clients[i].active_ms < o->clients[slot].active_ms)
				slot = i;
		}
		say("client pid %ld uid %ld closed: idle for %lld ms and all %d slots taken",
		    (long)o->clients[slot].cred.pid, (long)o->clients[slot].cred.uid,
		    (long long)(now - o->clients[slot].active_ms), OPSOCK_CLIENTS);
		o->closed_idle++;
		close_client(o, slot);
	}
	cl = &o->clients[slot];
	cl->fd = fd;
	cl->active_ms = now;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &clen) != 0)
		cl->cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
}

unsigned opsock_pollfds(struct opsock *o, struct pollfd *pfd, int *who, int64_t now)
{
	unsigned n = 0;

	for (int i = 0; i < OPSOCK_CLIENTS; i++) {
		struct opsock_client *cl = &o->clients[i];

		if (cl->fd >= 0 && ctlreply_pending(&cl->out) &&
		    now - cl->active_ms > OPSOCK_STALL_MS)
			sent(o, i, -ETIMEDOUT); /* asks without reading its reply */
		if (cl->fd < 0)
			continue;
		/* one request at a time: the next is read once its reply is out */
		pfd[n] = (struct pollfd){ .fd = cl->fd, .events = ctlreply_pending(&cl->out) ? POLLOUT :
									   POLLIN };
		who[n++] = i;
	}
	return n;
}

int opsock_ready(struct opsock *o, int idx, int64_t now, struct ctlproto_msg *m)
{
	struct opsock_client *cl = &o->clients[idx];
	int n;

	if (cl->fd < 0)
		return 0;
	if (ctlreply_pending(&cl->out)) {
		flush_reply(o, idx, now);
		return 0;
	}
	n = ctlproto_recv(cl->fd, o->msg, sizeof(o->msg), m, MSG_DONTWAIT);
	if (n == -EAGAIN)
		return 0;
	if (n <= 0 && n != -EBADMSG && n != -EPROTO && n != -EMSGSIZE) {
		close_client(o, idx);
		return 0;
	}
	cl->active_ms = now;
	return n < 0 ? n : 1;
}

long opsock_uid(const struct opsock *o, int idx)
{
	uid_t uid = o->clients[idx].cred.uid;

	return uid == (uid_t)-1 ? -1 : (long)uid;
}

json_t *opsock_status(const struct opsock *o)
{
	int connected = 0;

	for (int i = 0; i < OPSOCK_CLIENTS; i++)
		connected += o->clients[i].fd >= 0;
	return json_pack("{s:i, s:i, s:I, s:I}", "connected", connected, "max", OPSOCK_CLIENTS,
			 "closed_unread", (json_int_t)o->closed_unread, "closed_idle",
			 (json_int_t)o->closed_idle);
}
