#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ctlreply.h"
#include "ctlsrv.h"
#include "flowbuf.h"
#include "neigh.h"
#include "query.h"

#define CTLSRV_LOG(level, ...) RTE_LOG(level, USER1, "ctlsrv: " __VA_ARGS__)

#define CLIENTS_MAX 16
#define DEQUEUE_BURST 256
#define SNAP_CAP 65536
#define NEIGH_SNAP_CAP 4096    /* a worker's neighbour table (pipeline default) */
#define CLIENT_STALL_MS 2000   /* a client that takes none of its reply this long is closed */
#define CONTROLLER_SLOTS 2     /* kept for the controller's uid: a restarted one gets in */
#define CLIENTS_PER_UID 4      /* any other uid holds at most this many */
#define CONTROLLER_USER "bunri"   /* the system user bunri-controld runs as */
#define HEARTBEAT_MS 1000

struct client {
	int fd;
	uid_t uid;             /* the peer's, at accept; (uid_t)-1 when unknown */
	pid_t pid;
	bool controller;       /* its uid may install policies (is_controller) */
	bool refused;          /* was refused a controller's request (logged once) */
	int64_t active_ms;     /* accepted, or last asked or took part of a reply */
	struct ctlreply out;   /* the reply going out as the client reads it */
	uint8_t *policy;       /* chunks of a policy being received */
	uint32_t policy_total;
	uint32_t policy_have;
};

struct ctlsrv {
	struct daemon *d;
	char *path;
	int listen_fd;
	struct client clients[CLIENTS_MAX];
	int subscriber;        /* fd of the controller receiving records, -1: none */
	bool has_controller_user;
	uid_t controller_uid;  /* of CONTROLLER_USER, when it exists */
	/* every record keeps its place here until the controller acknowledges it */
	struct flowbuf *buf;
	uint64_t run;          /* this process's run: random, never 0 */
	uint8_t batch[CTLPROTO_PAYLOAD_MAX];
	uint32_t batch_n;      /* records in batch (taken from buf) not yet sent */
	uint64_t batch_seq;    /* the first one's seq */
	uint64_t lost_taken;   /* workers' ring losses already given seqs */
	uint64_t bad_messages;
	uint64_t closed_idle;    /* clients closed to make room for another */
	uint64_t closed_unread;  /* clients closed because they did not take their reply */
	uint64_t refused_full;   /* connections refused: every slot held by a controller uid */
	int64_t last_tick;
	int64_t last_beat;
	struct ct_entry *snap[RTE_MAX_LCORE];
	struct neigh_entry *nsnap[RTE_MAX_LCORE];
	uint8_t msg[CTLPROTO_MSG_MAX];
};

int ctlsrv_create(struct daemon *d, const char *path, size_t buffer_records,
		  struct ctlsrv **out)
{
	struct ctlsrv *s = calloc(1, sizeof(*s));
	struct passwd *pw;
	int ret = -ENOMEM;

	*out = NULL;
	if (s == NULL)
		return -ENOMEM;
	s->d = d;
	s->subscriber = -1;
	/* looked up once: the user database is not read again on the control thread */
	errno = 0;
	pw = getpwnam(CONTROLLER_USER);
	if (pw != NULL) {
		s->has_controller_user = true;
		s->controller_uid = pw->pw_uid;
	} else {
		CTLSRV_LOG(NOTICE, "no user %s (%s): only root installs policies and takes the "
			   "record stream\n", CONTROLLER_USER, errno ? strerror(errno) : "not found");
	}
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		s->clients[i].fd = -1;
	s->path = strdup(path);
	if (s->path == NULL)
		goto err;
	/* a new run each start: the controller tells a restarted dataplane's records from
	 * the last run's by it */
	while (s->run == 0) {
		if (getrandom(&s->run, sizeof(s->run), 0) != (ssize_t)sizeof(s->run)) {
			ret = -errno;
			goto err;
		}
	}
	ret = flowbuf_create(&s->buf, buffer_records ? buffer_records : 65536);
	if (ret != 0)
		goto err;
	for (unsigned w = 0; w < d->n_workers; w++) {
		s->snap[w] = malloc(sizeof(struct ct_entry) * SNAP_CAP);
		s->nsnap[w] = malloc(sizeof(struct neigh_entry) * NEIGH_SNAP_CAP);
		if (s->snap[w] == NULL || s->nsnap[w] == NULL) {
			ret = -ENOMEM;
			goto err;
		}
	}
	s->listen_fd = ctlproto_listen(path, "bunri");
	if (s->listen_fd < 0) {
		ret = s->listen_fd;
		CTLSRV_LOG(ERR, "control socket %s: %s\n", path, strerror(-ret));
		goto err;
	}
	*out = s;
	return 0;

err:
	for (unsigned w = 0; w < d->n_workers; w++) {
		free(s->snap[w]);
		free(s->nsnap[w]);
	}
	flowbuf_free(s->buf);
	free(s->path);
	free(s);
	return ret;
}

static void client_close(struct ctlsrv *s, struct client *c)
{
	if (c->fd < 0) /* already closed: a reply it could not take */
		return;
	if (c->fd == s->subscriber) {
		s->subscriber = -1;
		s->batch_n = 0;        /* still in buf: sent again to the next subscriber */
		CTLSRV_LOG(NOTICE, "controller disconnected; keeping records until one "
			   "acknowledges them\n");
	}
	close(c->fd);
	c->fd = -1;
	ctlreply_clear(&c->out);
	free(c->policy);
	c->policy = NULL;
	c->policy_total = c->policy_have = 0;
	c->refused = false;
}

void ctlsrv_free(struct ctlsrv *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		if (s->clients[i].fd >= 0)
			client_close(s, &s->clients[i]);
	}
	close(s->listen_fd);
	unlink(s->path);
	for (unsigned w = 0; w < s->d->n_workers; w++) {
		free(s->snap[w]);
		free(s->nsnap[w]);
	}
	flowbuf_free(s->buf);
	free(s->path);
	free(s);
}

/* The reply goes out as the client reads it; one that cannot is closed. */
static void reply_start(struct ctlsrv *s, struct client *c, uint16_t type, uint32_t seq,
			void *buf, size_t len)
{
	size_t off;
	int ret;

	ctlreply_start(&c->out, type, seq, buf, len);
	off = c->out.off;
	ret = ctlreply_flush(&c->out, c->fd);
	if (ret != 0) {
		CTLSRV_LOG(WARNING, "uid %ld (pid %ld) closed: its reply could not be "
			   "delivered (%s)\n", (long)c->uid, (long)c->pid, strerror(-ret));
		s->closed_unread++;
		client_close(s, c);
		return;
	}
	if (!ctlreply_pending(&c->out) || c->out.off != off)
		c->active_ms = daemon_now_ms();
}

static void reply_error(struct ctlsrv *s, struct client *c, uint32_t seq, int code,
			const char *text)
{
	uint8_t *p = malloc(1024);

	if (p == NULL) {
		client_close(s, c);
		return;
	}
	reply_start(s, c, CTL_ERROR, seq, p, ctlproto_error_encode(code, text, p, 1024));
}

static void reply_json(struct ctlsrv *s, struct client *c, uint32_t seq, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (text == NULL)
		reply_error(s, c, seq, ENOMEM, "out of memory");
	else
		reply_start(s, c, CTL_OK, seq, text, strlen(text));
}

static void handle_chunk(struct ctlsrv *s, struct client *c, const struct ctlproto_msg *m)
{
	const uint8_t *data;
	uint32_t total, offset, len;
	struct cpolicy *cp;
	char err[512];
	int ret;

	if (ctlproto_chunk_decode(m->payload, m->len, &total, &offset, &data, &len) != 0) {
		s->bad_messages++;
		reply_error(s, c, m->seq, EBADMSG, "malformed policy chunk");
		return;
	}
	if (offset == 0) {
		free(c->policy);
		c->policy = malloc(total);
		c->policy_total = total;
		c->policy_have = 0;
		if (c->policy == NULL) {
			reply_error(s, c, m->seq, ENOMEM, "out of memory for the policy");
			return;
		}
	}
	if (c->policy == NULL || total != c->policy_total || offset != c->policy_have) {
		s->bad_messages++;
		reply_error(s, c, m->seq, EBADMSG, "policy chunk out of order");
		goto reset;
	}
	memcpy(c->policy + offset, data, len);
	c->policy_have += len;
	if (c->policy_have < c->policy_total) {
		reply_start(s, c, CTL_OK, m->seq, NULL, 0);
		return;
	}
	ret = cpolicy_deserialize(c->policy, c->policy_total, &cp);
	if (ret != 0) {
		s->bad_messages++;
		s->d->refused++;
		snprintf(err, sizeof(err), "the compiled policy does not decode: %s",
			 strerror(-ret));
		reply_error(s, c, m->seq, -ret, err);
		goto reset;
	}
	/* the controller checked the rails; a policy that breaks one anyway did not come
	 * through its checks, and is not installed */
	ret = cpolicy_check_rails(cp, err, sizeof(err));
	if (ret != 0) {
		s->d->refused++;
		CTLSRV_LOG(WARNING, "policy refused: %s\n", err);
		cpolicy_free(cp);
		reply_error(s, c, m->seq, -ret, err);
		goto reset;
	}
	ret = install_policy(s->d, cp, err, sizeof(err));
	if (ret != 0) {
		cpolicy_free(cp);
		reply_error(s, c, m->seq, -ret, err);
		goto reset;
	}
	CTLSRV_LOG(NOTICE, "policy generation %lu installed\n",
		   (unsigned long)s->d->generation);
	reply_json(s, c, m->seq, json_pack("{s:I}", "generation",
					    (json_int_t)s->d->generation));
reset:
	free(c->policy);
	c->policy = NULL;
	c->policy_total = c->policy_have = 0;
}

static void records_state(const struct ctlsrv *s, struct query_records *r)
{
	memset(r, 0, sizeof(*r));
	flowbuf_get_stats(s->buf, &r->buf);
	r->run = s->run;
	r->seq = flowbuf_last_seq(s->buf);
	r->subscriber = s->subscriber >= 0;
	r->bad_messages = s->bad_messages;
}

/* Installing a policy and taking the record stream are bunri-controld's alone: a
 * policy installed here directly skips the controller's guard-rail checks and its
 * audit file, and a subscriber takes the records away from the sealed flow log. Any
 * other member of group bunri may query. Root, user bunri and the dataplane's own user
 * (who could do anything to this process anyway) are the controller. */
static bool is_controller_uid(const struct ctlsrv *s, uid_t uid)
{
	return uid == 0 || uid == geteuid() || (s->has_controller_user && uid == s->controller_uid);
}

static bool is_controller(const struct ctlsrv *s, const struct client *c)
{
	return is_controller_uid(s, c->uid);
}

/* The socket's clients in the status reply: how many, and who was closed and why. */
static json_t *clients_status(const struct ctlsrv *s, json_t *status)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		n += s->clients[i].fd >= 0;
	if (status != NULL)
		json_object_set_new(status, "control_clients",
				    json_pack("{s:i, s:i, s:i, s:i, s:I, s:I, s:I}", "connected", n,
					      "max", CLIENTS_MAX, "controller_slots",
					      CONTROLLER_SLOTS, "per_uid", CLIENTS_PER_UID,
					      "closed_idle", (json_int_t)s->closed_idle,
					      "closed_unread", (json_int_t)s->closed_unread,
					      "refused_full", (json_int_t)s->refused_full));
	return status;
}

static void refuse(struct ctlsrv *s, struct client *c, const struct ctlproto_msg *m,
		   const char *what)
{
	char err[256];

	s->bad_messages++;
	if (!c->refused)
		CTLSRV_LOG(WARNING, "uid %ld (pid %ld) may not %s: refused\n", (long)c->uid,
			   (long)c->pid, what);
	c->refused = true;
	snprintf(err, sizeof(err), "only bunri-controld (root or user %s) may %s; uid %ld may "
		 "query status, rules, flows and neighbours", CONTROLLER_USER, what,
		 (long)c->uid);
	reply_error(s, c, m->seq, EPERM, err);
}

static uint64_t live_connections(const struct ctlsrv *s)
{
	uint64_t live = 0;

	for (unsigned w = 0; w < s->d->n_workers; w++)
		if (s->d->workers[w].pipe != NULL)
			live += conntrack_count(pipeline_conntrack(s->d->workers[w].pipe));
	return live;
}

/* Tells the subscriber the run, the last seq given and the live connections (whose
 * records are still to come): what it writes to the log if this process dies. */
static int send_beat(struct ctlsrv *s, uint16_t type, uint64_t live, int flags)
{
	struct ctlproto_beat b = { .run = s->run, .seq = flowbuf_last_seq(s->buf),
				   .live = live, .now_ms = daemon_now_ms() };
	uint8_t p[64];
	int n = ctlproto_beat_encode(&b, p, sizeof(p));

	if (n < 0 || s->subscriber < 0)
		return n < 0 ? n : -ENOTCONN;
	return ctlproto_send(s->subscriber, type, 0, p, (size_t)n, flags);
}

/* The controller names the last record of ours its log holds (or none of this run):
 * everything after it is sent again, in order. */
static void subscribe(struct ctlsrv *s, struct client *c, const struct ctlproto_msg *m)
{
	struct ctlproto_mark mark;

	if (ctlproto_mark_decode(m->payload, m->len, false, &mark) != 0) {
		s->bad_messages++;
		reply_error(s, c, m->seq, EBADMSG, "malformed subscription");
		return;
	}
	if (s->subscriber >= 0 && s->subscriber != c->fd)
		CTLSRV_LOG(NOTICE, "a new controller takes over the record stream\n");
	s->subscriber = c->fd;
	s->batch_n = 0;
	flowbuf_rewind(s->buf, mark.run == s->run ? mark.seq : 0);
	if (ctlproto_send(c->fd, CTL_OK, m->seq, NULL, 0, 0) != 0)
		CTLSRV_LOG(WARNING, "subscribe reply not delivered\n");
	(void)send_beat(s, CTL_HEARTBEAT, live_connections(s), MSG_DONTWAIT);
}

static void handle(struct ctlsrv *s, struct client *c, const struct ctlproto_msg *m)
{
	struct ctlproto_flows_query q;
	struct query_records rec;
	struct ctlproto_mark mark;

	switch (m->type) {
	case CTL_POLICY_CHUNK:
		if (!is_controller(s, c)) {
			refuse(s, c, m, "install a policy");
			return;
		}
		handle_chunk(s, c, m);
		return;
	case CTL_STATUS:
		records_state(s, &rec);
		reply_json(s, c, m->seq, clients_status(s, query_status(s->d, &rec)));
		return;
	case CTL_RULES:
		reply_json(s, c, m->seq, query_rules(s->d));
		return;
	case CTL_FLOWS:
		if (ctlproto_flows_decode(m->payload, m->len, &q) != 0)
			break;
		reply_json(s, c, m->seq, query_flows(s->d, &q, s->snap, SNAP_CAP));
		return;
	case CTL_NEIGHBORS:
		if (m->len != 0)
			break;
		reply_json(s, c, m->seq, query_neighbors(s->d, s->nsnap, NEIGH_SNAP_CAP));
		return;
	case CTL_SUBSCRIBE:
		if (!is_controller(s, c)) {
			refuse(s, c, m, "take the record stream");
			return;
		}
		subscribe(s, c, m);
		return;
	case CTL_ACK:
		if (c->fd != s->subscriber || ctlproto_mark_decode(m->payload, m->len, true,
								    &mark) != 0)
			break;
		/* an acknowledgement of another run's records frees nothing here */
		if (mark.run == s->run)
			(void)flowbuf_ack(s->buf, mark.seq);
		return;
	default:
		break;
	}
	s->bad_messages++;
	reply_error(s, c, m->seq, EBADMSG, "message not understood by bunri-dataplane");
}

static void client_read(struct ctlsrv *s, struct client *c)
{
	struct ctlproto_msg m;
	int n = ctlproto_recv(c->fd, s->msg, sizeof(s->msg), &m, MSG_DONTWAIT);

	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n == 0 || n == -ECONNRESET) {
		client_close(s, c);
		return;
	}
	c->active_ms = daemon_now_ms();
	if (n < 0) {
		s->bad_messages++;
		reply_error(s, c, 0, -n, n == -EMSGSIZE ? "message too long" :
			    n == -EPROTO ? "unsupported protocol version" : "malformed message");
		if (n != -EMSGSIZE && n != -EBADMSG && n != -EPROTO)
			client_close(s, c);
		return;
	}
	handle(s, c, &m);
}

/* The client idle longest that is not a controller (of that uid only, when uid is not
 * -1): the one to make room. NULL when there is none. */
static struct client *idlest(struct ctlsrv *s, uid_t uid)
{
	struct client *v = NULL;

	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0 || c->controller || (uid != (uid_t)-1 && c->uid != uid))
			continue;
		if (v == NULL || c->active_ms < v->active_ms)
			v = c;
	}
	return v;
}

static void evict(struct ctlsrv *s, struct client *c, const char *why)
{
	CTLSRV_LOG(NOTICE, "uid %ld (pid %ld) closed after %lld ms idle: %s\n", (long)c->uid,
		   (long)c->pid, (long long)(daemon_now_ms() - c->active_ms), why);
	s->closed_idle++;
	client_close(s, c);
}

/* The controller's seat is kept: other uids share CLIENTS_MAX - CONTROLLER_SLOTS slots,
 * CLIENTS_PER_UID each, and when the slots run out the client idle longest among them
 * makes room. A group member holding every slot cannot keep the controller out. */
static struct client *make_room(struct ctlsrv *s, uid_t uid, bool controller)
{
	unsigned others = 0, same = 0;
	struct client *v;

	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		if (s->clients[i].fd < 0)
			continue;
		others += !s->clients[i].controller;
		same += s->clients[i].uid == uid;
	}
	if (!controller && uid != (uid_t)-1 && same >= CLIENTS_PER_UID &&
	    (v = idlest(s, uid)) != NULL)
		evict(s, v, "its uid holds the most connections one uid may");
	else if (!controller && others >= CLIENTS_MAX - CONTROLLER_SLOTS &&
		 (v = idlest(s, (uid_t)-1)) != NULL)
		evict(s, v, "every slot for clients other than the controller is taken");
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		if (s->clients[i].fd < 0)
			return &s->clients[i];
	}
	v = idlest(s, (uid_t)-1);
	if (v == NULL)
		return NULL;
	evict(s, v, controller ? "the controller needs a slot" : "every slot is taken");
	return v;
}

static void accept_client(struct ctlsrv *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	socklen_t clen = sizeof(struct ucred);
	struct ucred cred;
	struct client *c;
	bool controller;

	if (fd < 0)
		return;
	/* unknown credentials are nobody's: such a client may only query */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0)
		cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	controller = cred.uid != (uid_t)-1 && is_controller_uid(s, cred.uid);
	c = make_room(s, cred.uid, controller);
	if (c == NULL) {
		s->refused_full++;
		(void)ctlproto_send(fd, CTL_ERROR, 0, "\x10\0\0\0too many clients", 20,
				    MSG_DONTWAIT);
		close(fd);
		return;
	}
	*c = (struct client){ .fd = fd, .uid = cred.uid, .pid = cred.pid,
			      .controller = controller, .active_ms = daemon_now_ms() };
}

/* A pending reply goes out as far as the client takes it; one that takes nothing for
 * CLIENT_STALL_MS is closed, so that a client that asks without reading costs nothing. */
static void client_write(struct ctlsrv *s, struct client *c)
{
	size_t off = c->out.off;
	int ret = ctlreply_flush(&c->out, c->fd);

	if (ret != 0) {
		s->closed_unread++;
		client_close(s, c);
		return;
	}
	if (!ctlreply_pending(&c->out) || c->out.off != off)
		c->active_ms = daemon_now_ms();
}

static void close_stalled(struct ctlsrv *s, int64_t now)
{
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		struct client *c = &s->clients[i];

		if (c->fd < 0 || !ctlreply_pending(&c->out) || now - c->active_ms <= CLIENT_STALL_MS)
			continue;
		CTLSRV_LOG(WARNING, "uid %ld (pid %ld) closed: it took none of its reply for %d "
			   "ms; a client must read the reply to each request\n", (long)c->uid,
			   (long)c->pid, CLIENT_STALL_MS);
		s->closed_unread++;
		client_close(s, c);
	}
}

/* Moves the workers' records into the buffer, numbering them; records a full ring lost
 * take their seqs first, in a gap entry. */
static void take_from_rings(struct ctlsrv *s)
{
	struct flowrec recs[DEQUEUE_BURST];
	uint64_t lost = 0;

	for (unsigned w = 0; w < s->d->n_workers; w++)
		lost += s->d->workers[w].records_lost;
	if (lost > s->lost_taken) {
		flowbuf_lost(s->buf, lost - s->lost_taken, daemon_now_ms());
		s->lost_taken = lost;
	}
	for (unsigned w = 0; w < s->d->n_workers; w++) {
		unsigned n;

		do {
			n = rte_ring_sc_dequeue_burst_elem(s->d->workers[w].records, recs,
							   sizeof(recs[0]), DEQUEUE_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				(void)flowbuf_push(s->buf, &recs[i]);
		} while (n == DEQUEUE_BURST);
	}
}

static int send_gap(struct ctlsrv *s, const struct flowbuf_item *it)
{
	struct ctlproto_gap g = { .run = s->run, .first_seq = it->seq, .last_seq = it->last_seq,
				  .ring = it->ring, .buffer = it->buffer,
				  .from_ms = it->from_ms, .to_ms = it->to_ms };
	uint8_t p[64];
	int n = ctlproto_gap_encode(&g, p, sizeof(p));

	if (n < 0)
		return n;
	return ctlproto_send(s->subscriber, CTL_GAP, 0, p, (size_t)n, MSG_DONTWAIT);
}

/* Encodes the buffer's next records (consecutive seqs) into the batch. */
static void fill_batch(struct ctlsrv *s)
{
	struct flowbuf_item it;

	while (s->batch_n < CTLPROTO_RECORDS_MAX && flowbuf_peek(s->buf, &it) && !it.gap) {
		if (s->batch_n == 0)
			s->batch_seq = it.seq;
		ctlproto_record_encode(it.r, s->batch + CTLPROTO_RECORDS_HDR +
				       (size_t)s->batch_n * CTLPROTO_RECORD_LEN);
		s->batch_n++;
		flowbuf_sent(s->buf);
	}
}

/* Sends batches and gaps to the controller until it stops taking them; what it does
 * not take stays in the batch or the buffer. Everything stays in the buffer until
 * acknowledged. */
static void push_records(struct ctlsrv *s)
{
	struct flowbuf_item it;
	int ret;

	if (s->subscriber < 0)
		return;
	for (;;) {
		if (s->batch_n == 0) {
			if (!flowbuf_peek(s->buf, &it))
				return;
			if (it.gap) {
				if (send_gap(s, &it) != 0)
					return;
				flowbuf_sent(s->buf);
				continue;
			}
			fill_batch(s);
		}
		ctlproto_records_header(s->batch, s->run, s->batch_seq, s->batch_n);
		ret = ctlproto_send(s->subscriber, CTL_RECORDS, 0, s->batch, CTLPROTO_RECORDS_HDR +
				    (size_t)s->batch_n * CTLPROTO_RECORD_LEN, MSG_DONTWAIT);
		if (ret != 0)
			return;
		s->batch_n = 0;
	}
}

void ctlsrv_poll(struct ctlsrv *s, int timeout_ms)
{
	struct pollfd pfd[CLIENTS_MAX + 1];
	struct client *who[CLIENTS_MAX + 1];
	unsigned n = 0;
	int64_t now;

	close_stalled(s, daemon_now_ms());
	pfd[n].fd = s->listen_fd;
	pfd[n].events = POLLIN;
	who[n++] = NULL;
	for (unsigned i = 0; i < CLIENTS_MAX; i++) {
		if (s->clients[i].fd < 0)
			continue;
		pfd[n].fd = s->clients[i].fd;
		/* one request at a time: the next is read once its reply is out */
		pfd[n].events = ctlreply_pending(&s->clients[i].out) ? POLLOUT : POLLIN;
		who[n++] = &s->clients[i];
	}
	if (poll(pfd, n, timeout_ms) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (who[i] == NULL)
				accept_client(s);
			else if (who[i]->fd >= 0 && ctlreply_pending(&who[i]->out))
				client_write(s, who[i]);
			else if (who[i]->fd >= 0)
				client_read(s, who[i]);
		}
	}
	take_from_rings(s);
	push_records(s);
	now = daemon_now_ms();
	if (s->subscriber >= 0 && now - s->last_beat >= HEARTBEAT_MS) {
		(void)send_beat(s, CTL_HEARTBEAT, live_connections(s), MSG_DONTWAIT);
		s->last_beat = now;
	}
	if (now - s->last_tick >= 1000) {
		install_tick(s->d, now);
		s->last_tick = now;
	}
}

static bool all_acked(const struct ctlsrv *s)
{
	struct flowbuf_stats st;

	flowbuf_get_stats(s->buf, &st);
	return st.acked_seq == flowbuf_last_seq(s->buf);
}

size_t ctlsrv_flush(struct ctlsrv *s, int timeout_ms)
{
	struct flowbuf_stats st;

	/* the workers ended every connection: what they emitted is in the rings, and the
	 * controller acknowledges it once it is fsynced */
	for (int t = 0; t < timeout_ms; t += 10) {
		take_from_rings(s);
		push_records(s);
		if (s->subscriber < 0 || all_acked(s))
			break;
		ctlsrv_poll(s, 10);
	}
	take_from_rings(s);
	flowbuf_get_stats(s->buf, &st);
	/* the controller writes a gap for what it did not get, up to the seq said here */
	if (s->subscriber >= 0 && send_beat(s, CTL_SHUTDOWN, live_connections(s), 0) != 0)
		CTLSRV_LOG(WARNING, "shutdown message not delivered\n");
	return st.held;
}
