#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctlproto.h"
#include "policy.h"

#define REPLY_TIMEOUT_S 60

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

static int connect_target(const struct ctl_target *t)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd = ctlproto_connect(t->path);

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
	if (fd < 0) {
		fprintf(stderr, "bunrictl: cannot reach %s at %s: %s\n", t->daemon, t->path,
			strerror(-fd));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int ctl_request(const struct ctl_target *t, uint16_t type, const void *payload, size_t len,
		char **text)
{
	static uint8_t buf[CTLPROTO_MSG_MAX];
	char *acc = NULL;
	size_t have = 0;
	int fd, ret = 2;

	*text = NULL;
	fd = connect_target(t);
	if (fd < 0)
		return 2;
	if (ctlproto_send(fd, type, 1, payload, len, 0) != 0) {
		fprintf(stderr, "bunrictl: %s closed the connection\n", t->daemon);
		goto out;
	}
	for (;;) {
		struct ctlproto_msg m;
		int n = ctlproto_recv(fd, buf, sizeof(buf), &m, 0);
		char *grown;

		if (n <= 0) {
			fprintf(stderr, "bunrictl: no answer from %s: %s\n", t->daemon,
				n == 0 ? "connection closed" : strerror(-n));
			goto out;
		}
		if (m.seq != 1 || (m.type != CTL_OK && m.type != CTL_PART &&
				   m.type != CTL_ERROR))
			continue; /* a stream message or a stray reply */
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
			if (*text == NULL)
				*text = strdup("");
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
