#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctlproto.h"
#include "policy.h"


int ctl_target_resolve(struct ctl_target *t, bool controld)
{
	struct appliance *a = NULL;
	struct diag *d;
	char tmp[4096];

	t->daemon = controld ? "bunri-controld" : "bunri-dataplane";
	if (t->socket != NULL && !controld) {
		snprintf(t->path, sizeof(t->path), "%s", t->socket);
		return 0;
	}
	if (t->socket != NULL) {
		snprintf(tmp, sizeof(tmp), "%s", t->socket);
	} else {
		d = diag_new();
		if (d == NULL)
			return 2;
		if (appliance_load(t->config, d, &a) != 0) {
			diag_sort(d);
			diag_print(d, stderr);
			fprintf(stderr, "bunrictl: %s is needed to find the daemons' sockets "
				"(or give --socket)\n", t->config);
			diag_free(d);
			return 2;
		}
		diag_free(d);
		snprintf(tmp, sizeof(tmp), "%s", appliance_socket_path(a));
		appliance_free(a);
	}
	if (controld) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", tmp);
		snprintf(t->path, sizeof(t->path), "%s/controld.sock", dirname(dir));
	} else {
		snprintf(t->path, sizeof(t->path), "%s", tmp);
	}
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void no_answer(const struct ctl_target *t)
{
	fprintf(stderr, "bunrictl: %s does not answer on %s within %.1f s (stopped or hung?)\n",
		t->daemon, t->path, CTL_ANSWER_MS / 1000.0);
}

/* Waits until fd is ready for events or the deadline passes: 1, 0 (time is up), -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - mono_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n > 0;
	}
}

/* A non-blocking connection: a daemon whose listen queue is full (stopped, and asked
 * often) refuses with EAGAIN, tried again until the deadline. fd, or -errno (-ETIMEDOUT
 * at the deadline). */
static int connect_by(const char *path, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		ret = -errno;
		if (ret == -EINPROGRESS) {
			ret = wait_fd(fd, POLLOUT, deadline);
			if (ret > 0)
				return fd;
			ret = ret == 0 ? -ETIMEDOUT : ret;
			break;
		}
		if (ret != -EAGAIN)
			break;
		if (mono_ms() + 50 > deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep(50 * 1000);
	}
	close(fd);
	return ret;
}

static int connect_target(const struct ctl_target *t, int64_t deadline)
{
	int fd = connect_by(t->path, deadline);

	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		fprintf(stderr, "bunrictl: %s is not running (nothing listens on %s)\n",
			t->daemon, t->path);
		return -1;
	}
	if (fd == -EACCES || fd == -EPERM) {
		fprintf(stderr, "bunrictl: permission denied on %s: run as root or as a member "
			"of the group bunri\n", t->path);
		return -1;
	}
	if (fd == -ETIMEDOUT) {
		no_answer(t);
		return -1;
	}
	if (fd < 0) {
		fprintf(stderr, "bunrictl: cannot reach %s at %s: %s\n", t->daemon, t->path,
			strerror(-fd));
		return -1;
	}
	return fd;
}

/* The next message of the reply to seq 1 by the deadline: 1 and *m, 0 after printing
 * why there is none (time is up, the daemon closed or broke the connection). */
static int next_message(const struct ctl_target *t, int fd, uint8_t *buf, size_t cap,
			int64_t deadline, struct ctlproto_msg *m)
{
	for (;;) {
		int n = wait_fd(fd, POLLIN, deadline);

		if (n == 0) {
			no_answer(t);
			return 0;
		}
		if (n > 0)
			n = ctlproto_recv(fd, buf, cap, m, MSG_DONTWAIT);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bunrictl: no answer from %s: %s\n", t->daemon,
				n == 0 ? "connection closed" : strerror(-n));
			return 0;
		}
		if (m->seq == 1 && (m->type == CTL_OK || m->type == CTL_PART ||
				    m->type == CTL_ERROR))
			return 1;
		/* a stream message or a stray reply */
	}
}

int ctl_request(const struct ctl_target *t, uint16_t type, const void *payload, size_t len,
		char **text)
{
	static uint8_t buf[CTLPROTO_MSG_MAX];
	int64_t deadline = mono_ms() + CTL_ANSWER_MS;
	char *acc = NULL;
	size_t have = 0;
	int fd, ret = 2;

	*text = NULL;
	fd = connect_target(t, deadline);
	if (fd < 0)
		return 2;
	for (;;) {
		int n = ctlproto_send(fd, type, 1, payload, len, MSG_DONTWAIT);

		if (n == -EAGAIN && wait_fd(fd, POLLOUT, deadline) > 0)
			continue;
		if (n == -EAGAIN) {
			no_answer(t);
			goto out;
		}
		if (n != 0) {
			fprintf(stderr, "bunrictl: %s closed the connection\n", t->daemon);
			goto out;
		}
		break;
	}
	for (;;) {
		struct ctlproto_msg m;
		char *grown;

		if (!next_message(t, fd, buf, sizeof(buf), deadline, &m))
			goto out;
		/* it answers: the rest may take as long as the work does (a reload's check and
		 * install), each piece within the wait the request allows */
		deadline = mono_ms() + (t->work_ms > CTL_ANSWER_MS ? t->work_ms : CTL_ANSWER_MS);
		if (m.type == CTL_ERROR) {
			const char *et;
			size_t el;
			int code;

			if (ctlproto_error_decode(m.payload, m.len, &code, &et, &el) != 0)
				et = "malformed error reply", el = strlen(et);
			*text = strndup(et, el);
			ret = 1;
			goto out;
		}
		if (have + m.len > CTLPROTO_REPLY_MAX) {
			fprintf(stderr, "bunrictl: the reply of %s is too long\n", t->daemon);
			goto out;
		}
		grown = realloc(acc, have + m.len + 1);
		if (grown == NULL)
			goto out;
		acc = grown;
		memcpy(acc + have, m.payload, m.len);
		have += m.len;
		acc[have] = '\0';
		if (m.type == CTL_OK) {
			*text = acc;
			acc = NULL;
			ret = 0;
			goto out;
		}
	}
out:
	free(acc);
	close(fd);
	return ret;
}

int ctl_query(const struct ctl_target *t, uint16_t type, const void *payload, size_t len,
	      json_t **out)
{
	json_error_t jerr;
	char *text;
	int ret = ctl_request(t, type, payload, len, &text);

	*out = NULL;
	if (ret == 1) {
		fprintf(stderr, "bunrictl: %s: %s\n", t->daemon, text);
	} else if (ret == 0) {
		*out = json_loads(text, 0, &jerr);
		if (*out == NULL) {
			fprintf(stderr, "bunrictl: %s sent a reply that is not JSON: %s\n",
				t->daemon, jerr.text);
			ret = 2;
		}
	}
	free(text);
	return ret;
}
