#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctlproto.h"
#include "dpconn.h"

#define REPLY_TIMEOUT_S 30
#define READ_BURST 64   /* messages per dpconn_read: a busy stream cannot hold the caller */

void dpconn_init(struct dpconn *c, struct dpconn_sink sink)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->sink = sink;
}

void dpconn_close(struct dpconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Hands a stream message to the sink; false when it is not one. */
static bool stream(struct dpconn *c, const struct ctlproto_msg *m)
{
	uint64_t dropped;
	int64_t from, to;

	if (m->type == CTL_RECORDS) {
		uint32_t n;

		if (m->len < 4)
			goto bad;
		n = (uint32_t)m->payload[0] | (uint32_t)m->payload[1] << 8 |
		    (uint32_t)m->payload[2] << 16 | (uint32_t)m->payload[3] << 24;
		if (n > CTLPROTO_RECORDS_MAX || m->len != 4 + (size_t)n * CTLPROTO_RECORD_LEN)
			goto bad;
		for (uint32_t i = 0; i < n; i++) {
			struct flowrec r;

			if (ctlproto_record_decode(m->payload + 4 + (size_t)i * CTLPROTO_RECORD_LEN,
						   &r) != 0) {
				c->bad_records++;
				continue;
			}
			c->sink.record(c->sink.ctx, &r);
		}
		return true;
	}
	if (m->type == CTL_GAP) {
		if (ctlproto_gap_decode(m->payload, m->len, &dropped, &from, &to) != 0)
			goto bad;
		c->sink.gap(c->sink.ctx, dropped, from, to);
		return true;
	}
	return false;
bad:
	c->bad_records++;
	return true;
}

/* Waits for the reply to seq, passing stream messages on. 0 (CTL_OK), or -errno with
 * the reason in err. */
static int wait_reply(struct dpconn *c, uint32_t seq, char *err, size_t errlen)
{
	for (;;) {
		struct ctlproto_msg m;
		int n = ctlproto_recv(c->fd, c->buf, sizeof(c->buf), &m, 0);

		if (n <= 0) {
			n = n == 0 ? -ECONNRESET : n;
			snprintf(err, errlen, "no answer from bunri-dataplane: %s", strerror(-n));
			dpconn_close(c);
			return n;
		}
		if (stream(c, &m))
			continue;
		if (m.seq != seq)
			continue; /* a late answer to an earlier request */
		if (m.type == CTL_OK)
			return 0;
		if (m.type == CTL_ERROR) {
			const char *text;
			size_t len;
			int code;

			if (ctlproto_error_decode(m.payload, m.len, &code, &text, &len) != 0) {
				snprintf(err, errlen, "malformed error reply");
				return -EBADMSG;
			}
			snprintf(err, errlen, "%.*s", (int)len, text);
			return code > 0 ? -code : -EINVAL;
		}
	}
}

int dpconn_connect(struct dpconn *c, const char *path)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	char err[256];
	int ret;

	dpconn_close(c);
	c->fd = ctlproto_connect(path);
	if (c->fd < 0) {
		ret = c->fd;
		c->fd = -1;
		return ret;
	}
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		ret = -errno;
		goto err;
	}
	ret = ctlproto_send(c->fd, CTL_SUBSCRIBE, ++c->seq, NULL, 0, 0);
	if (ret != 0)
		goto err;
	ret = wait_reply(c, c->seq, err, sizeof(err));
	if (ret != 0)
		goto err;
	return 0;
err:
	dpconn_close(c);
	return ret;
}

int dpconn_install(struct dpconn *c, const struct cpolicy *cp, char *err, size_t errlen)
{
	static uint8_t chunk[CTLPROTO_PAYLOAD_MAX];
	uint8_t *bin;
	size_t len, off = 0;
	int ret;

	if (c->fd < 0) {
		snprintf(err, errlen, "bunri-dataplane is not connected");
		return -ENOTCONN;
	}
	ret = cpolicy_serialize(cp, &bin, &len);
	if (ret != 0) {
		snprintf(err, errlen, "cannot serialize the policy: %s", strerror(-ret));
		return ret;
	}
	if (len > CTLPROTO_POLICY_MAX) {
		snprintf(err, errlen, "the compiled policy is %zu bytes, more than %u", len,
			 CTLPROTO_POLICY_MAX);
		ret = -EFBIG;
		goto out;
	}
	while (off < len) {
		size_t n = len - off < CTLPROTO_CHUNK_MAX ? len - off : CTLPROTO_CHUNK_MAX;

		for (unsigned i = 0; i < 4; i++) {
			chunk[i] = (uint8_t)(len >> (8 * i));
			chunk[4 + i] = (uint8_t)(off >> (8 * i));
		}
		memcpy(chunk + 8, bin + off, n);
		ret = ctlproto_send(c->fd, CTL_POLICY_CHUNK, ++c->seq, chunk, 8 + n, 0);
		if (ret != 0) {
			snprintf(err, errlen, "cannot send to bunri-dataplane: %s", strerror(-ret));
			dpconn_close(c);
			goto out;
		}
		ret = wait_reply(c, c->seq, err, errlen);
		if (ret != 0)
			goto out;
		off += n;
	}
out:
	free(bin);
	return ret;
}

int dpconn_read(struct dpconn *c)
{
	for (unsigned i = 0; i < READ_BURST && c->fd >= 0; i++) {
		struct ctlproto_msg m;
		int n = ctlproto_recv(c->fd, c->buf, sizeof(c->buf), &m, MSG_DONTWAIT);

		if (n == -EAGAIN)
			return 0;
		if (n == 0 || n == -ECONNRESET) {
			dpconn_close(c);
			return -ECONNRESET;
		}
		if (n < 0) {
			c->bad_records++;
			continue;
		}
		(void)stream(c, &m);
	}
	return c->fd >= 0 ? 0 : -ENOTCONN;
}
