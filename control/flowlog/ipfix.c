#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipfix.h"

#define HDR_LEN 16
#define SET_HDR_LEN 4
#define UDP_MSG_MAX 1400          /* fits a 1500-byte MTU with IP and UDP headers */
#define FILE_MSG_MAX 65000
#define TEMPLATE_REFRESH 32       /* UDP: template again every this many messages */
#define RFC5103_PEN 29305
#define CHECKPOINT_MAX 1024
#define IE_OBSERVATION_DOMAIN 149
#define IE_CHECKPOINT 5           /* under IPFIX_PEN */

struct ipfix_exporter {
	int fd;
	bool udp, own_fd;
	uint32_t domain;
	uint32_t seq;                 /* data records sent, modulo 2^32 */
	uint32_t in_msg;              /* data records in the message being built */
	size_t max;
	uint8_t *msg;
	size_t len;                   /* bytes in msg */
	size_t set_start;             /* offset of the open data set, 0 when none */
	unsigned since_template;
	uint64_t gap_ns;              /* UDP pacing: time between messages, 0 = none */
	struct timespec next_send;
	bool template_sent;
	bool options_sent;            /* the checkpoint options template */
	struct ipfix_stats st;
};

struct ie {
	uint16_t id;
	uint16_t len;                 /* 65535: variable length */
	uint32_t pen;                 /* 0: IANA */
};

static const struct ie fields[] = {
	{8, 4, 0},     {12, 4, 0},    {7, 2, 0},     {11, 2, 0},   {4, 1, 0},
	{1, 8, 0},     {2, 8, 0},     {152, 8, 0},   {153, 8, 0},  {6, 2, 0},
	{136, 1, 0},   {233, 1, 0},   {56, 6, 0},
	{1, 8, RFC5103_PEN},          {2, 8, RFC5103_PEN},
	{1, 65535, IPFIX_PEN},        {2, 1, IPFIX_PEN}, {3, 1, IPFIX_PEN},
	{4, 65535, IPFIX_PEN},
	{5, 1, IPFIX_PEN},  {6, 4, IPFIX_PEN}, {7, 4, IPFIX_PEN}, {8, 4, IPFIX_PEN},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
/* the largest data record: fixed fields plus two strings of up to 255 bytes */
#define RECORD_MAX (4 + 4 + 2 + 2 + 1 + 8 * 4 + 2 + 1 + 1 + 6 + 8 + 8 + 1 + 1 + 2 * 256 + \
		    1 + 3 * 4)

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)(v >> 32));
	return put32(p, (uint32_t)v);
}

static int create(struct ipfix_exporter **out, int fd, bool udp, uint32_t domain)
{
	struct ipfix_exporter *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->max = udp ? UDP_MSG_MAX : FILE_MSG_MAX;
	x->msg = malloc(x->max);
	if (!x->msg) {
		free(x);
		return -ENOMEM;
	}
	x->fd = fd;
	x->udp = udp;
	x->own_fd = udp;
	x->domain = domain;
	x->len = HDR_LEN;
	*out = x;
	return 0;
}

int ipfix_open_fd(struct ipfix_exporter **out, int fd, uint32_t domain)
{
	return create(out, fd, false, domain);
}

int ipfix_open_udp(struct ipfix_exporter **out, const char *host, uint16_t port,
		   uint32_t domain)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd, rc;

	/* numeric only: the appliance must not depend on (or leak queries to) DNS */
	if (port == 0 || inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connect() fixes the peer, so send() reports ICMP unreachable as ECONNREFUSED */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		rc = -errno;
		goto err_sock;
	}
	rc = create(out, fd, true, domain);
	if (rc)
		goto err_sock;
	return 0;

err_sock:
	close(fd);
	return rc;
}

static void close_set(struct ipfix_exporter *x)
{
	if (x->set_start) {
		put16(x->msg + x->set_start + 2, (uint16_t)(x->len - x->set_start));
		x->set_start = 0;
	}
}

static void add_template(struct ipfix_exporter *x)
{
	uint8_t *p = x->msg + x->len, *set = p;

	p = put16(p, 2);          /* template set */
	p += 2;                   /* length, below */
	p = put16(p, IPFIX_TEMPLATE_ID);
	p = put16(p, (uint16_t)N_FIELDS);
	for (size_t i = 0; i < N_FIELDS; i++) {
		p = put16(p, (uint16_t)(fields[i].id | (fields[i].pen ? 0x8000 : 0)));
		p = put16(p, fields[i].len);
		if (fields[i].pen)
			p = put32(p, fields[i].pen);
	}
	put16(set + 2, (uint16_t)(p - set));
	x->len = (size_t)(p - x->msg);
	x->template_sent = true;
	x->options_sent = false;      /* refreshed with it */
	x->since_template = 0;
}

/* RFC 7011 3.4.2.2: an options template set, one scope field. */
static void add_options_template(struct ipfix_exporter *x)
{
	uint8_t *p = x->msg + x->len, *set = p;

	p = put16(p, 3);
	p += 2;
	p = put16(p, IPFIX_CHECKPOINT_TEMPLATE_ID);
	p = put16(p, 2);          /* fields */
	p = put16(p, 1);          /* of them scope */
	p = put16(p, IE_OBSERVATION_DOMAIN);
	p = put16(p, 4);
	p = put16(p, IE_CHECKPOINT | 0x8000);
	p = put16(p, 65535);
	p = put32(p, IPFIX_PEN);
	put16(set + 2, (uint16_t)(p - set));
	x->len = (size_t)(p - x->msg);
	x->options_sent = true;
}

void ipfix_set_rate(struct ipfix_exporter *x, unsigned messages_per_second)
{
	x->gap_ns = messages_per_second ? 1000000000ull / messages_per_second : 0;
	clock_gettime(CLOCK_MONOTONIC, &x->next_send);
}

static void pace(struct ipfix_exporter *x)
{
	uint64_t ns;

	if (!x->udp || !x->gap_ns)
		return;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &x->next_send, NULL) == EINTR)
		;
	ns = (uint64_t)x->next_send.tv_nsec + x->gap_ns;
	x->next_send.tv_sec += (time_t)(ns / 1000000000u);
	x->next_send.tv_nsec = (long)(ns % 1000000000u);
}

int ipfix_flush(struct ipfix_exporter *x, int64_t now_ms)
{
	uint8_t *p = x->msg;
	ssize_t n;
	int rc = 0;

	close_set(x);
	if (x->len == HDR_LEN)
		return 0;
	p = put16(p, 10);
	p = put16(p, (uint16_t)x->len);
	p = put32(p, (uint32_t)(now_ms / 1000));
	/* RFC 7011 3.1: data records sent before this message */
	p = put32(p, x->seq - x->in_msg);
	put32(p, x->domain);
	pace(x);
	for (size_t off = 0; off < x->len;) {
		n = x->udp ? send(x->fd, x->msg, x->len, 0) : write(x->fd, x->msg + off, x->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			x->st.send_errors++;
			break;
		}
		off = x->udp ? x->len : off + (size_t)n;
	}
	if (!rc) {
		x->st.messages++;
		x->st.bytes += x->len;
	}
	x->len = HDR_LEN;
	x->in_msg = 0;
	x->since_template++;
	/* a lost datagram is lost: over UDP the next message goes on, the error is counted */
	return x->udp ? 0 : rc;
}

static uint8_t *put_string(uint8_t *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n > 254)
		n = 254;
	*p++ = (uint8_t)n;
	memcpy(p, s, n);
	return p + n;
}

static uint8_t end_reason(const struct flowrec *r)
{
	switch (r->end_reason) {
	case FLOWREC_END_TIMEOUT: return 1;     /* idle timeout */
	case FLOWREC_END_FIN:
	case FLOWREC_END_RST: return 3;         /* end of flow detected */
	case FLOWREC_END_REVOKED:
	case FLOWREC_END_SHUTDOWN: return 4;    /* forced end */
	case FLOWREC_END_TABLE_FULL: return 5;  /* lack of resources */
	default: return 0;
	}
}

int ipfix_add(struct ipfix_exporter *x, const struct flowrec *r, int64_t now_ms)
{
	bool deny = r->type == FLOWREC_DENY;
	uint8_t *p;
	int rc;

	if (r->type != FLOWREC_FLOW && r->type != FLOWREC_DENY)
		return -EINVAL;
	if (x->len + RECORD_MAX + SET_HDR_LEN > x->max) {
		rc = ipfix_flush(x, now_ms);
		if (rc)
			return rc;
	}
	if (!x->template_sent || (x->udp && x->since_template >= TEMPLATE_REFRESH &&
				  x->len == HDR_LEN)) {
		add_template(x);
	}
	if (!x->set_start) {
		x->set_start = x->len;
		put16(x->msg + x->len, IPFIX_TEMPLATE_ID);
		x->len += SET_HDR_LEN;
	}
	p = x->msg + x->len;
	p = put32(p, r->src);
	p = put32(p, r->dst);
	p = put16(p, r->sport);
	p = put16(p, r->dport);
	*p++ = r->proto;
	p = put64(p, r->bytes_out);
	p = put64(p, deny ? r->count : r->packets_out);
	p = put64(p, (uint64_t)r->start_ms);
	p = put64(p, (uint64_t)r->end_ms);
	p = put16(p, r->tcp_flags);
	*p++ = end_reason(r);
	*p++ = deny ? 3 : 2;    /* firewallEvent: flow denied / flow deleted */
	memcpy(p, r->src_mac, 6);
	p += 6;
	p = put64(p, deny ? 0 : r->bytes_in);
	p = put64(p, deny ? 0 : r->packets_in);
	p = put_string(p, r->flow, sizeof(r->flow));
	*p++ = r->from_zone;
	*p++ = r->to_zone;
	p = put_string(p, r->reason, sizeof(r->reason));
	*p++ = (uint8_t)r->scope;
	p = put32(p, r->srcs);
	p = put32(p, r->dsts);
	p = put32(p, r->dports);
	x->len = (size_t)(p - x->msg);
	x->seq++;
	x->in_msg++;
	x->st.records++;
	return 0;
}

int ipfix_add_checkpoint(struct ipfix_exporter *x, const char *line, size_t len,
			 int64_t now_ms)
{
	/* both templates, a set header, the scope, a 3-byte length and the line */
	size_t need = 256 + SET_HDR_LEN + 4 + 3 + len;
	uint8_t *p;
	int rc;

	if (len > CHECKPOINT_MAX)
		return -EINVAL;
	if (x->len + need > x->max) {
		rc = ipfix_flush(x, now_ms);
		if (rc)
			return rc;
	}
	close_set(x);
	if (!x->template_sent)
		add_template(x);
	if (!x->options_sent)
		add_options_template(x);
	p = x->msg + x->len;
	p = put16(p, IPFIX_CHECKPOINT_TEMPLATE_ID);
	p = put16(p, (uint16_t)(SET_HDR_LEN + 4 + 3 + len));
	p = put32(p, x->domain);
	*p++ = 255;               /* RFC 7011 7: a length of 255 or more follows in 2 bytes */
	p = put16(p, (uint16_t)len);
	memcpy(p, line, len);
	x->len = (size_t)(p + len - x->msg);
	x->seq++;
	x->in_msg++;
	x->st.records++;
	return 0;
}

void ipfix_get_stats(const struct ipfix_exporter *x, struct ipfix_stats *st)
{
	*st = x->st;
}

int ipfix_close(struct ipfix_exporter *x, int64_t now_ms)
{
	int rc = ipfix_flush(x, now_ms);

	if (x->own_fd)
		close(x->fd);
	free(x->msg);
	free(x);
	return rc;
}
