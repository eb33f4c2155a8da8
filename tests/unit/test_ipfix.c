/* IPFIX encoding read back by a decoder written from RFC 7011 here: the message header,
 * the template, every field of every data record, and UDP message sizes, sequence
 * numbers and template refresh over a real loopback socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit_fixture.h"
#include "ipfix.h"
#include "runner.h"

#define T0 1775000000000LL

static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

struct field { unsigned id, len; uint32_t pen; };

struct decoder {
	struct field t[32];
	unsigned n;             /* template fields; 0 until a template is seen */
	unsigned records;
	uint32_t next_seq;
	bool seq_ok;
	const struct flowrec *want;   /* the records that were added, in order */
	unsigned mismatches;
};

static uint64_t value(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

static void check_record(struct decoder *d, const uint8_t *p, const uint8_t **end)
{
	const struct flowrec *r = &d->want[d->records];
	bool deny = r->type == FLOWREC_DENY, ok = true;
	char flow[256] = "", reason[256] = "";

	for (unsigned i = 0; i < d->n; i++) {
		unsigned len = d->t[i].len;
		uint64_t v;
		if (len == 65535) {
			len = *p++;
		}
		v = len <= 8 ? value(p, len) : 0;
		if (!d->t[i].pen) {
			switch (d->t[i].id) {
			case 8: ok &= v == r->src; break;
			case 12: ok &= v == r->dst; break;
			case 7: ok &= v == r->sport; break;
			case 11: ok &= v == r->dport; break;
			case 4: ok &= v == r->proto; break;
			case 1: ok &= v == r->bytes_out; break;
			case 2: ok &= v == (deny ? r->count : r->packets_out); break;
			case 152: ok &= v == (uint64_t)r->start_ms; break;
			case 153: ok &= v == (uint64_t)r->end_ms; break;
			case 6: ok &= v == r->tcp_flags; break;
			case 233: ok &= v == (deny ? 3u : 2u); break;
			case 56: ok &= memcmp(p, r->src_mac, 6) == 0; break;
			}
		} else if (d->t[i].pen == 29305) {
			ok &= v == (deny ? 0 : d->t[i].id == 1 ? r->bytes_in : r->packets_in);
		} else if (d->t[i].pen == IPFIX_PEN) {
			if (d->t[i].id == 1)
				memcpy(flow, p, len);
			if (d->t[i].id == 4)
				memcpy(reason, p, len);
			if (d->t[i].id == 2)
				ok &= v == r->from_zone;
			if (d->t[i].id == 3)
				ok &= v == r->to_zone;
			if (d->t[i].id == 5)
				ok &= v == r->scope;
			if (d->t[i].id >= 6 && d->t[i].id <= 8)
				ok &= v == (d->t[i].id == 6 ? r->srcs : d->t[i].id == 7 ? r->dsts
											: r->dports);
		}
		p += len;
	}
	ok &= strcmp(flow, r->flow) == 0 && strcmp(reason, r->reason) == 0;
	d->mismatches += !ok;
	d->records++;
	*end = p;
}

/* Decodes one message; returns its length, 0 when it is malformed. */
static size_t decode(struct decoder *d, const uint8_t *msg, size_t avail, bool *has_template)
{
	size_t len;
	const uint8_t *p, *end;

	*has_template = false;
	if (avail < 16 || get16(msg) != 10 || (len = get16(msg + 2)) > avail || len < 16)
		return 0;
	if (get32(msg + 8) != d->next_seq)
		d->seq_ok = false;
	if (get32(msg + 12) != 7)
		return 0;
	for (p = msg + 16, end = msg + len; p + 4 <= end;) {
		unsigned set = get16(p), slen = get16(p + 2);
		const uint8_t *q = p + 4, *send = p + slen;
		if (slen < 4 || send > end)
			return 0;
		if (set == 2) {
			*has_template = true;
			if (get16(q) != IPFIX_TEMPLATE_ID)
				return 0;
			d->n = get16(q + 2);
			q += 4;
			for (unsigned i = 0; i < d->n && i < 32; i++) {
				d->t[i].id = get16(q) & 0x7fff;
				d->t[i].len = get16(q + 2);
				d->t[i].pen = (get16(q) & 0x8000) ? get32(q + 4) : 0;
				q += (get16(q) & 0x8000) ? 8 : 4;
			}
		} else if (set == IPFIX_TEMPLATE_ID) {
			if (!d->n)
				return 0;
			while (q < send) {
				check_record(d, q, &q);
				d->next_seq++;
			}
		}
		p = send;
	}
	return len;
}

static void make_records(struct flowrec *recs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fixture_record(i, T0 + i, &recs[i]);
	/* the longest flow id there is */
	memset(recs[1].flow, 'f', sizeof(recs[1].flow) - 1);
	recs[1].flow[sizeof(recs[1].flow) - 1] = '\0';
}

static void file_roundtrip(void)
{
	static struct flowrec recs[3000];
	static uint8_t buf[1 << 20];
	struct decoder d = {.want = recs, .seq_ok = true};
	struct ipfix_exporter *x;
	struct ipfix_stats st;
	struct fixture f;
	char path[200];
	size_t off = 0, got, msgs = 0;
	ssize_t n;
	bool tmpl;
	int fd;

	make_records(recs, 3000);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	snprintf(path, sizeof(path), "%s/x.ipfix", f.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ipfix_open_fd(&x, fd, 7), 0);
	for (unsigned i = 0; i < 3000; i++)
		CU_ASSERT_EQUAL(ipfix_add(x, &recs[i], T0), 0);
	ipfix_get_stats(x, &st);
	CU_ASSERT_EQUAL(ipfix_close(x, T0), 0);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	CU_ASSERT_FATAL(n > 0);
	while (off < (size_t)n && (got = decode(&d, buf + off, (size_t)n - off, &tmpl))) {
		CU_ASSERT_EQUAL(tmpl, msgs == 0);      /* a file carries the template once */
		off += got;
		msgs++;
	}
	CU_ASSERT_EQUAL(off, (size_t)n);
	CU_ASSERT(msgs > 1);
	CU_ASSERT_EQUAL(d.n, 23);
	CU_ASSERT_EQUAL(d.records, 3000);
	CU_ASSERT_EQUAL(d.mismatches, 0);
	CU_ASSERT(d.seq_ok);
	fixture_teardown(&f);
}

static void udp_messages(void)
{
	static struct flowrec recs[2000];
	struct decoder d = {.want = recs, .seq_ok = true};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	struct ipfix_exporter *x;
	uint8_t buf[2048];
	unsigned msgs = 0, templates = 0, too_big = 0;
	int rcv, size = 8 << 20;
	char port_host[] = "127.0.0.1";
	ssize_t n;
	bool tmpl;

	make_records(recs, 2000);
	rcv = socket(AF_INET, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(rcv >= 0);
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(rcv, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CU_ASSERT_FATAL(getsockname(rcv, (struct sockaddr *)&sin, &sl) == 0);
	CU_ASSERT_EQUAL_FATAL(ipfix_open_udp(&x, port_host, ntohs(sin.sin_port), 7), 0);
	for (unsigned i = 0; i < 2000; i++)
		CU_ASSERT_EQUAL(ipfix_add(x, &recs[i], T0), 0);
	CU_ASSERT_EQUAL(ipfix_close(x, T0), 0);
	while ((n = recv(rcv, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		too_big += n > 1400;
		CU_ASSERT_EQUAL(decode(&d, buf, (size_t)n, &tmpl), (size_t)n);
		templates += tmpl;
		msgs++;
	}
	close(rcv);
	CU_ASSERT_EQUAL(too_big, 0);
	CU_ASSERT_EQUAL(d.records, 2000);
	CU_ASSERT_EQUAL(d.mismatches, 0);
	CU_ASSERT(d.seq_ok);
	/* the first message and then one in every 32 carry the template again */
	CU_ASSERT(msgs > 64);
	CU_ASSERT_EQUAL(templates, (msgs + 31) / 32);
}

static void bad_arguments(void)
{
	struct ipfix_exporter *x;
	struct flowrec r;

	CU_ASSERT_EQUAL(ipfix_open_udp(&x, "localhost", 4739, 1), -EINVAL);
	CU_ASSERT_EQUAL(ipfix_open_udp(&x, "10.0.0.256", 4739, 1), -EINVAL);
	CU_ASSERT_EQUAL(ipfix_open_udp(&x, "127.0.0.1", 0, 1), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(ipfix_open_fd(&x, -1, 1), 0);
	fixture_record(0, T0, &r);
	r.type = (enum flowrec_type)9;
	CU_ASSERT_EQUAL(ipfix_add(x, &r, T0), -EINVAL);
	r.type = FLOWREC_FLOW;
	CU_ASSERT_EQUAL(ipfix_add(x, &r, T0), 0);
	CU_ASSERT_EQUAL(ipfix_close(x, T0), -EBADF);      /* the write error comes back */
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "file roundtrip", file_roundtrip },
		{ "UDP messages", udp_messages },
		{ "bad arguments", bad_arguments },
		{ NULL, NULL },
	};
	return test_run("ipfix", cases);
}
