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

static void stream_records(struct dpconn *c, const struct ctlproto_msg *m)
{
	struct ctlproto_records rs;

	if (ctlproto_records_decode(m->payload, m->len, &rs) != 0) {
		c->bad_records++;
		return;
	}
	for (uint32_t i = 0; i < rs.n; i++) {
		struct flowrec r;

		/* a record that does not decode leaves its seq out: the sink sees a hole */
		if (ctlproto_record_decode(rs.recs + (size_t)i * CTLPROTO_RECORD_LEN, &r) != 0) {
			c->bad_records++;
			continue;
		}
		c->sink.record(c->sink.ctx, rs.run, rs.first_seq + i, &r);
	}
}

/* Hands a stream message to the sink; false when it is not one. */
static bool stream(struct dpconn *c, const struct ctlproto_msg *m)
{
	struct ctlproto_gap g;
	struct ctlproto_beat b;

	switch (m->type) {
	case CTL_RECORDS:
		stream_records(c, m);
		return true;
	case CTL_GAP:
		if (ctlproto_gap_decode(m->payload, m->len, &g) != 0)
			c->bad_records++;
		else
			c->sink.gap(c->sink.ctx, &g);
		return true;
	case CTL_HEARTBEAT:
	case CTL_SHUTDOWN:
		if (ctlproto_beat_decode(m->payload, m->len, &b) != 0) {
			c->bad_records++;
			return true;
		}
		if (m->type == CTL_SHUTDOWN)
			c->shutdown = true;
		c->sink.beat(c->sink.ctx, &b, m->type == CTL_SHUTDOWN);
		return true;
	case CTL_OK:
		/* the subscription's answer: everything after it is the new stream */
		if (m->seq != c->subscribe_seq || c->subscribe_seq == 0)
			return false;
		c->subscribe_seq = 0;
		if (c->sink.restarted)
			c->sink.restarted(c->sink.ctx);
		return true;
	default:
		return false;
	}
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

int dpconn_subscribe(struct dpconn *c, const struct ctlproto_mark *from)
{
	uint8_t p[16];
	int n = ctlproto_mark_encode(from, p, sizeof(p)), ret;

	if (c->fd < 0)
		return -ENOTCONN;
	if (n < 0)
		return n;
	ret = ctlproto_send(c->fd, CTL_SUBSCRIBE, ++c->seq, p, (size_t)n, 0);
	if (ret == 0)
		c->subscribe_seq = c->seq;
	return ret;
}

int dpconn_ack(struct dpconn *c, const struct ctlproto_mark *ack)
{
	uint8_t p[16];
	int n = ctlproto_mark_encode(ack, p, sizeof(p));

	if (c->fd < 0)
		return -ENOTCONN;
	if (n < 0)
		return n;
	return ctlproto_send(c->fd, CTL_ACK, 0, p, (size_t)n, MSG_DONTWAIT);
}

int dpconn_connect(struct dpconn *c, const char *path, const struct ctlproto_mark *from)
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
	c->shutdown = false;
	ret = dpconn_subscribe(c, from);
	if (ret != 0)
		goto err;
	c->subscribe_seq = 0;   /* a new connection: nothing came before the answer */
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
