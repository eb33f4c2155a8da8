#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"
#include "zone.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int ctlproto_encode(uint8_t *buf, size_t cap, uint16_t type, uint32_t seq,
		    const void *payload, size_t len)
{
	if (type == 0 || type >= CTL_TYPE_MAX)
		return -EINVAL;
	if (len > CTLPROTO_PAYLOAD_MAX || CTLPROTO_HDR_LEN + len > cap)
		return -EMSGSIZE;
	put32(buf, CTLPROTO_MAGIC);
	put16(buf + 4, CTLPROTO_VERSION);
	put16(buf + 6, type);
	put32(buf + 8, seq);
	put32(buf + 12, (uint32_t)len);
	if (len > 0)
		memcpy(buf + CTLPROTO_HDR_LEN, payload, len);
	return (int)(CTLPROTO_HDR_LEN + len);
}

int ctlproto_decode(const uint8_t *buf, size_t len, struct ctlproto_msg *m)
{
	uint16_t type;

	if (len < CTLPROTO_HDR_LEN || len > CTLPROTO_MSG_MAX || get32(buf) != CTLPROTO_MAGIC)
		return -EBADMSG;
	if (get16(buf + 4) != CTLPROTO_VERSION)
		return -EPROTO;
	type = get16(buf + 6);
	if (type == 0 || type >= CTL_TYPE_MAX || get32(buf + 12) != len - CTLPROTO_HDR_LEN)
		return -EBADMSG;
	m->type = type;
	m->seq = get32(buf + 8);
	m->payload = buf + CTLPROTO_HDR_LEN;
	m->len = (uint32_t)(len - CTLPROTO_HDR_LEN);
	return 0;
}

/* Record layout: type, end, from, to, proto, flags (1 each), sport, dport (2), src, dst
 * (4), mac (6), start, end, packets out/in, bytes out/in, count (8 each), flow (64),
 * reason (24); since version 2: scope (1), 3 zero bytes, srcs, dsts, dports (4 each). */
void ctlproto_record_encode(const struct flowrec *r, uint8_t *out)
{
	uint8_t *p = out;

	memset(out, 0, CTLPROTO_RECORD_LEN);
	p[0] = (uint8_t)r->type;
	p[1] = (uint8_t)r->end_reason;
	p[2] = r->from_zone;
	p[3] = r->to_zone;
	p[4] = r->proto;
	p[5] = r->tcp_flags;
	put16(p + 6, r->sport);
	put16(p + 8, r->dport);
	put32(p + 10, r->src);
	put32(p + 14, r->dst);
	memcpy(p + 18, r->src_mac, 6);
	put64(p + 24, (uint64_t)r->start_ms);
	put64(p + 32, (uint64_t)r->end_ms);
	put64(p + 40, r->packets_out);
	put64(p + 48, r->packets_in);
	put64(p + 56, r->bytes_out);
	put64(p + 64, r->bytes_in);
	put64(p + 72, r->count);
	memcpy(p + 80, r->flow, strnlen(r->flow, CP_FLOW_ID_MAX - 1));
	memcpy(p + 144, r->reason, strnlen(r->reason, FLOWREC_REASON_MAX - 1));
	p[168] = (uint8_t)r->scope;
	put32(p + 172, r->srcs);
	put32(p + 176, r->dsts);
	put32(p + 180, r->dports);
}

_Static_assert(80 + CP_FLOW_ID_MAX + FLOWREC_REASON_MAX + 16 == CTLPROTO_RECORD_LEN,
	       "record layout");

/* A flow record summarises nothing; a deny record always says what it summarises. */
static int scope_ok(const uint8_t *p)
{
	if (p[169] || p[170] || p[171] || p[168] >= FLOWREC_SCOPE_COUNT)
		return 0;
	if (p[0] == FLOWREC_FLOW)
		return p[168] == FLOWREC_SCOPE_NONE && get32(p + 172) == 0 &&
		       get32(p + 176) == 0 && get32(p + 180) == 0;
	return p[168] != FLOWREC_SCOPE_NONE;
}

static int zone_ok(uint8_t z)
{
	return z < ZONE_COUNT || z == ZONE_NONE;
}

int ctlproto_record_decode(const uint8_t *p, struct flowrec *r)
{
	memset(r, 0, sizeof(*r));
	if (p[0] > FLOWREC_DENY || p[1] >= FLOWREC_END_COUNT || !zone_ok(p[2]) ||
	    !zone_ok(p[3]) || !scope_ok(p))
		return -EBADMSG;
	if (memchr(p + 80, 0, CP_FLOW_ID_MAX) == NULL ||
	    memchr(p + 144, 0, FLOWREC_REASON_MAX) == NULL)
		return -EBADMSG;
	r->type = (enum flowrec_type)p[0];
	r->end_reason = (enum flowrec_end)p[1];
	r->from_zone = p[2];
	r->to_zone = p[3];
	r->proto = p[4];
	r->tcp_flags = p[5];
	r->sport = get16(p + 6);
	r->dport = get16(p + 8);
	r->src = get32(p + 10);
	r->dst = get32(p + 14);
	memcpy(r->src_mac, p + 18, 6);
	r->start_ms = (int64_t)get64(p + 24);
	r->end_ms = (int64_t)get64(p + 32);
	r->packets_out = get64(p + 40);
	r->packets_in = get64(p + 48);
	r->bytes_out = get64(p + 56);
	r->bytes_in = get64(p + 64);
	r->count = get64(p + 72);
	memcpy(r->flow, p + 80, CP_FLOW_ID_MAX);
	memcpy(r->reason, p + 144, FLOWREC_REASON_MAX);
	r->scope = (enum flowrec_scope)p[168];
	r->srcs = get32(p + 172);
	r->dsts = get32(p + 176);
	r->dports = get32(p + 180);
	return 0;
}

#define FLOWS_LEN (1 + 4 + 4 + 4 + CP_FLOW_ID_MAX)

int ctlproto_flows_encode(const struct ctlproto_flows_query *q, uint8_t *out, size_t cap)
{
	if (cap < FLOWS_LEN)
		return -EMSGSIZE;
	memset(out, 0, FLOWS_LEN);
	out[0] = q->zone;
	put32(out + 1, q->host);
	put32(out + 5, q->offset);
	put32(out + 9, q->limit);
	memcpy(out + 13, q->flow, strnlen(q->flow, CP_FLOW_ID_MAX - 1));
	return FLOWS_LEN;
}

int ctlproto_flows_decode(const uint8_t *in, size_t len, struct ctlproto_flows_query *q)
{
	if (len != FLOWS_LEN || in[0] > ZONE_COUNT ||
	    memchr(in + 13, 0, CP_FLOW_ID_MAX) == NULL)
		return -EBADMSG;
	q->zone = in[0];
	q->host = get32(in + 1);
	q->offset = get32(in + 5);
	q->limit = get32(in + 9);
	if (q->limit == 0 || q->limit > CTLPROTO_FLOWS_PAGE_MAX)
		return -EBADMSG;
	memcpy(q->flow, in + 13, CP_FLOW_ID_MAX);
	return 0;
}

int ctlproto_chunk_decode(const uint8_t *in, size_t len, uint32_t *total, uint32_t *offset,
			  const uint8_t **data, uint32_t *data_len)
{
	uint32_t t, o, n;

	if (len < 8)
		return -EBADMSG;
	t = get32(in);
	o = get32(in + 4);
	n = (uint32_t)(len - 8);
	/* An empty chunk makes no progress; one past the total is a lie. */
	if (t == 0 || t > CTLPROTO_POLICY_MAX || n == 0 || o > t || n > t - o)
		return -EBADMSG;
	*total = t;
	*offset = o;
	*data = in + 8;
	*data_len = n;
	return 0;
}

#define GAP_LEN 56
#define MARK_LEN 16
#define BEAT_LEN 32

int ctlproto_gap_encode(const struct ctlproto_gap *g, uint8_t *out, size_t cap)
{
	if (cap < GAP_LEN)
		return -EMSGSIZE;
	put64(out, g->run);
	put64(out + 8, g->first_seq);
	put64(out + 16, g->last_seq);
	put64(out + 24, g->ring);
	put64(out + 32, g->buffer);
	put64(out + 40, (uint64_t)g->from_ms);
	put64(out + 48, (uint64_t)g->to_ms);
	return GAP_LEN;
}

int ctlproto_gap_decode(const uint8_t *in, size_t len, struct ctlproto_gap *g)
{
	if (len != GAP_LEN)
		return -EBADMSG;
	g->run = get64(in);
	g->first_seq = get64(in + 8);
	g->last_seq = get64(in + 16);
	g->ring = get64(in + 24);
	g->buffer = get64(in + 32);
	g->from_ms = (int64_t)get64(in + 40);
	g->to_ms = (int64_t)get64(in + 48);
	/* the counts must add up to the range, without wrapping */
	if (g->run == 0 || g->first_seq == 0 || g->last_seq < g->first_seq ||
	    g->ring > g->last_seq - g->first_seq + 1 ||
	    g->buffer != g->last_seq - g->first_seq + 1 - g->ring || g->from_ms > g->to_ms)
		return -EBADMSG;
	return 0;
}

int ctlproto_mark_encode(const struct ctlproto_mark *k, uint8_t *out, size_t cap)
{
	if (cap < MARK_LEN)
		return -EMSGSIZE;
	put64(out, k->run);
	put64(out + 8, k->seq);
	return MARK_LEN;
}

int ctlproto_mark_decode(const uint8_t *in, size_t len, bool ack, struct ctlproto_mark *k)
{
	if (len != MARK_LEN)
		return -EBADMSG;
	k->run = get64(in);
	k->seq = get64(in + 8);
	/* a seq without its run means nothing; an ack names a record */
	if ((k->run == 0) != (k->seq == 0) || (ack && k->run == 0))
		return -EBADMSG;
	return 0;
}

int ctlproto_beat_encode(const struct ctlproto_beat *b, uint8_t *out, size_t cap)
{
	if (cap < BEAT_LEN)
		return -EMSGSIZE;
	put64(out, b->run);
	put64(out + 8, b->seq);
	put64(out + 16, b->live);
	put64(out + 24, (uint64_t)b->now_ms);
	return BEAT_LEN;
}

int ctlproto_beat_decode(const uint8_t *in, size_t len, struct ctlproto_beat *b)
{
	if (len != BEAT_LEN)
		return -EBADMSG;
	b->run = get64(in);
	b->seq = get64(in + 8);
	b->live = get64(in + 16);
	b->now_ms = (int64_t)get64(in + 24);
	return b->run == 0 ? -EBADMSG : 0;
}

void ctlproto_records_header(uint8_t *out, uint64_t run, uint64_t first_seq, uint32_t n)
{
	put32(out, n);
	put64(out + 4, run);
	put64(out + 12, first_seq);
}

int ctlproto_records_decode(const uint8_t *in, size_t len, struct ctlproto_records *r)
{
	if (len < CTLPROTO_RECORDS_HDR)
		return -EBADMSG;
	r->n = get32(in);
	r->run = get64(in + 4);
	r->first_seq = get64(in + 12);
	r->recs = in + CTLPROTO_RECORDS_HDR;
	if (r->n == 0 || r->n > CTLPROTO_RECORDS_MAX ||
	    len != CTLPROTO_RECORDS_HDR + (size_t)r->n * CTLPROTO_RECORD_LEN || r->run == 0 ||
	    r->first_seq == 0 || r->first_seq > UINT64_MAX - r->n)
		return -EBADMSG;
	return 0;
}

size_t ctlproto_error_encode(int code, const char *text, uint8_t *out, size_t cap)
{
	size_t n = strlen(text);

	if (cap < 4)
		return 0;
	if (n > cap - 4)
		n = cap - 4;
	put32(out, (uint32_t)code);
	memcpy(out + 4, text, n);
	return 4 + n;
}

int ctlproto_error_decode(const uint8_t *in, size_t len, int *code, const char **text,
			  size_t *text_len)
{
	if (len < 4)
		return -EBADMSG;
	*code = (int)get32(in);
	*text = (const char *)in + 4;
	*text_len = len - 4;
	return 0;
}

int ctlproto_send(int fd, uint16_t type, uint32_t seq, const void *payload, size_t len,
		  int flags)
{
	static _Thread_local uint8_t buf[CTLPROTO_MSG_MAX];
	int n = ctlproto_encode(buf, sizeof(buf), type, seq, payload, len);

	if (n < 0)
		return n;
	if (send(fd, buf, (size_t)n, flags | MSG_NOSIGNAL) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int ctlproto_recv(int fd, uint8_t *buf, size_t cap, struct ctlproto_msg *m, int flags)
{
	ssize_t n = recv(fd, buf, cap, flags | MSG_TRUNC);
	int ret;

	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n > cap)
		return -EMSGSIZE;
	ret = ctlproto_decode(buf, (size_t)n, m);
	return ret < 0 ? ret : (int)n;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctlproto_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, ret = fill_addr(&sa, path);

	if (ret != 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int ctlproto_listen(const char *path, const char *group)
{
	struct sockaddr_un sa;
	struct group *g;
	int fd, ret = fill_addr(&sa, path);

	if (ret != 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) != 0 && errno != ENOENT)
		goto err_fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto err_fd;
	if (chmod(path, 0660) != 0)
		goto err_bound;
	g = group != NULL ? getgrnam(group) : NULL;
	if (g != NULL && chown(path, (uid_t)-1, g->gr_gid) != 0)
		goto err_bound;
	if (listen(fd, 16) != 0)
		goto err_bound;
	return fd;

err_bound:
	ret = -errno;
	unlink(path);
	close(fd);
	return ret;
err_fd:
	ret = -errno;
	close(fd);
	return ret;
}

int ctlproto_send_reply(int fd, uint32_t seq, const char *text, size_t len, int flags)
{
	int ret;

	while (len > CTLPROTO_PAYLOAD_MAX) {
		ret = ctlproto_send(fd, CTL_PART, seq, text, CTLPROTO_PAYLOAD_MAX, flags);
		if (ret != 0)
			return ret;
		text += CTLPROTO_PAYLOAD_MAX;
		len -= CTLPROTO_PAYLOAD_MAX;
	}
	return ctlproto_send(fd, CTL_OK, seq, text, len, flags);
}
