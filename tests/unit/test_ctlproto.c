/* The control protocol's codec: round trips, every malformed header, records with
 * values out of range, chunk bounds, and real SOCK_SEQPACKET sockets for oversized
 * messages and replies in several pieces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlproto.h"
#include "runner.h"
#include "zone.h"

static uint8_t buf[CTLPROTO_MSG_MAX + 64];

static void header_round_trip(void)
{
	struct ctlproto_msg m;
	int n = ctlproto_encode(buf, sizeof(buf), CTL_STATUS, 42, "abc", 3);

	CU_ASSERT_EQUAL_FATAL(n, CTLPROTO_HDR_LEN + 3);
	CU_ASSERT_EQUAL_FATAL(ctlproto_decode(buf, (size_t)n, &m), 0);
	CU_ASSERT_EQUAL(m.type, CTL_STATUS);
	CU_ASSERT_EQUAL(m.seq, 42);
	CU_ASSERT_EQUAL(m.len, 3);
	CU_ASSERT_EQUAL(memcmp(m.payload, "abc", 3), 0);
}

static void malformed_headers(void)
{
	struct ctlproto_msg m;
	int n = ctlproto_encode(buf, sizeof(buf), CTL_RULES, 1, "xy", 2);

	CU_ASSERT_EQUAL(ctlproto_decode(buf, 0, &m), -EBADMSG);
	CU_ASSERT_EQUAL(ctlproto_decode(buf, CTLPROTO_HDR_LEN - 1, &m), -EBADMSG);
	/* Truncated payload: the length field no longer matches. */
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n - 1, &m), -EBADMSG);
	buf[0] ^= 0xff;
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n, &m), -EBADMSG);
	buf[0] ^= 0xff;
	buf[4] = CTLPROTO_VERSION + 1; /* a later version */
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n, &m), -EPROTO);
	buf[4] = CTLPROTO_VERSION;
	buf[6] = 0; /* type 0 */
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n, &m), -EBADMSG);
	buf[6] = CTL_TYPE_MAX;
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n, &m), -EBADMSG);
	buf[6] = CTL_RULES;
	CU_ASSERT_EQUAL(ctlproto_decode(buf, (size_t)n, &m), 0);
	CU_ASSERT_EQUAL(ctlproto_decode(buf, CTLPROTO_MSG_MAX + 1, &m), -EBADMSG);
}

static void encode_limits(void)
{
	static uint8_t payload[CTLPROTO_PAYLOAD_MAX + 1];

	CU_ASSERT_EQUAL(ctlproto_encode(buf, sizeof(buf), 0, 1, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(ctlproto_encode(buf, sizeof(buf), CTL_TYPE_MAX, 1, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(ctlproto_encode(buf, sizeof(buf), CTL_OK, 1, payload,
					CTLPROTO_PAYLOAD_MAX + 1), -EMSGSIZE);
	CU_ASSERT_EQUAL(ctlproto_encode(buf, 20, CTL_OK, 1, payload, 5), -EMSGSIZE);
	CU_ASSERT_EQUAL(ctlproto_encode(buf, sizeof(buf), CTL_OK, 1, payload,
					CTLPROTO_PAYLOAD_MAX), CTLPROTO_MSG_MAX);
}

static void sample_record(struct flowrec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = FLOWREC_FLOW;
	r->start_ms = 1775000000123LL;
	r->end_ms = 1775000009456LL;
	r->from_zone = ZONE_MYNUMBER;
	r->to_zone = ZONE_LGWAN;
	r->proto = 6;
	r->tcp_flags = 0x1b;
	r->src = 0x0a0a000a;
	r->dst = 0x0a14000a;
	r->sport = 40000;
	r->dport = 443;
	memcpy(r->src_mac, "\x52\x54\x00\x10\x02\x0a", 6);
	strcpy(r->flow, "MN-LG-001");
	r->packets_out = 12;
	r->packets_in = 10;
	r->bytes_out = 1u << 31;
	r->bytes_in = 1ull << 40;
	r->end_reason = FLOWREC_END_REVOKED;
}

static void record_round_trip(void)
{
	uint8_t enc[CTLPROTO_RECORD_LEN];
	struct flowrec r, back;

	sample_record(&r);
	ctlproto_record_encode(&r, enc);
	CU_ASSERT_EQUAL_FATAL(ctlproto_record_decode(enc, &back), 0);
	CU_ASSERT_EQUAL(memcmp(&r, &back, sizeof(r)), 0);

	memset(&r, 0, sizeof(r));
	r.type = FLOWREC_DENY;
	r.from_zone = ZONE_INTERNET;
	r.to_zone = ZONE_NONE;
	strcpy(r.reason, "no-rule");
	r.count = 99;
	r.bytes_out = 5940;
	r.scope = FLOWREC_SCOPE_SOURCE;
	r.srcs = 1;
	r.dsts = 3;
	r.dports = 0xfffe;
	ctlproto_record_encode(&r, enc);
	CU_ASSERT_EQUAL_FATAL(ctlproto_record_decode(enc, &back), 0);
	CU_ASSERT_STRING_EQUAL(back.reason, "no-rule");
	CU_ASSERT_EQUAL(back.count, 99);
	CU_ASSERT_EQUAL(back.to_zone, ZONE_NONE);
	CU_ASSERT_EQUAL(memcmp(&r, &back, sizeof(r)), 0);
}

/* A deny record always says what it summarises; a flow record never does. */
static void record_scope(void)
{
	uint8_t enc[CTLPROTO_RECORD_LEN];
	struct flowrec r, back;

	sample_record(&r);
	ctlproto_record_encode(&r, enc);
	enc[168] = FLOWREC_SCOPE_TUPLE; /* a flow record with a scope */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[168] = 0;
	enc[180] = 1; /* ... or with a deny count */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[180] = 0;
	enc[0] = FLOWREC_DENY; /* a deny record without one */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[168] = FLOWREC_SCOPE_COUNT;
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[168] = FLOWREC_SCOPE_OVERFLOW;
	enc[170] = 1; /* the zero bytes */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[170] = 0;
	CU_ASSERT_EQUAL_FATAL(ctlproto_record_decode(enc, &back), 0);
	CU_ASSERT_EQUAL(back.scope, FLOWREC_SCOPE_OVERFLOW);
}

static void record_out_of_range(void)
{
	uint8_t enc[CTLPROTO_RECORD_LEN];
	struct flowrec r, back;

	sample_record(&r);
	ctlproto_record_encode(&r, enc);
	enc[0] = 2; /* type */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[0] = 0;
	enc[1] = FLOWREC_END_COUNT;
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[1] = FLOWREC_END_FIN;
	enc[2] = ZONE_COUNT; /* neither a zone nor ZONE_NONE */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[2] = ZONE_MYNUMBER;
	memset(enc + 80, 'A', CP_FLOW_ID_MAX); /* flow id without its NUL */
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[80 + CP_FLOW_ID_MAX - 1] = 0;
	memset(enc + 144, 'B', FLOWREC_REASON_MAX);
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), -EBADMSG);
	enc[144 + FLOWREC_REASON_MAX - 1] = 0;
	CU_ASSERT_EQUAL(ctlproto_record_decode(enc, &back), 0);
	CU_ASSERT_EQUAL(strlen(back.flow), CP_FLOW_ID_MAX - 1);
}

static void flows_query(void)
{
	struct ctlproto_flows_query q = { .zone = ZONE_LGWAN + 1, .host = 0x0a14000a,
					  .offset = 5, .limit = 100 }, back;
	uint8_t p[128];
	int n;

	strcpy(q.flow, "LG-IN-010");
	n = ctlproto_flows_encode(&q, p, sizeof(p));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(ctlproto_flows_encode(&q, p, 10), -EMSGSIZE);
	CU_ASSERT_EQUAL_FATAL(ctlproto_flows_decode(p, (size_t)n, &back), 0);
	CU_ASSERT_EQUAL(back.zone, q.zone);
	CU_ASSERT_EQUAL(back.host, q.host);
	CU_ASSERT_EQUAL(back.offset, 5);
	CU_ASSERT_EQUAL(back.limit, 100);
	CU_ASSERT_STRING_EQUAL(back.flow, "LG-IN-010");
	CU_ASSERT_EQUAL(ctlproto_flows_decode(p, (size_t)n - 1, &back), -EBADMSG);
	p[0] = ZONE_COUNT + 1;
	CU_ASSERT_EQUAL(ctlproto_flows_decode(p, (size_t)n, &back), -EBADMSG);
	p[0] = 0;
	q.limit = CTLPROTO_FLOWS_PAGE_MAX + 1;
	n = ctlproto_flows_encode(&q, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_flows_decode(p, (size_t)n, &back), -EBADMSG);
}

static void chunk_bounds(void)
{
	uint8_t p[32] = { 0 };
	const uint8_t *data;
	uint32_t total, offset, len;

	/* total 16, offset 8, 8 bytes: the last chunk exactly. */
	p[0] = 16;
	p[4] = 8;
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 16, &total, &offset, &data, &len), 0);
	CU_ASSERT_EQUAL(total, 16);
	CU_ASSERT_EQUAL(offset, 8);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_PTR_EQUAL(data, p + 8);
	/* One byte past the total. */
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 17, &total, &offset, &data, &len), -EBADMSG);
	/* No data, or no header. */
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 8, &total, &offset, &data, &len), -EBADMSG);
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 7, &total, &offset, &data, &len), -EBADMSG);
	/* Offset past the total, whose sum would wrap. */
	p[4] = 0xff, p[5] = 0xff, p[6] = 0xff, p[7] = 0xff;
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 16, &total, &offset, &data, &len), -EBADMSG);
	/* A total above the limit. */
	memset(p, 0, 8);
	p[3] = 0x10; /* 256 MiB */
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 16, &total, &offset, &data, &len), -EBADMSG);
	/* Total 0. */
	memset(p, 0, 8);
	CU_ASSERT_EQUAL(ctlproto_chunk_decode(p, 16, &total, &offset, &data, &len), -EBADMSG);
}

static void errors_and_gaps(void)
{
	uint8_t p[16];
	const char *text;
	size_t len, n = ctlproto_error_encode(EPERM, "a long explanation", p, sizeof(p));
	struct ctlproto_gap g;
	int code;

	CU_ASSERT_EQUAL(n, sizeof(p)); /* truncated to fit */
	CU_ASSERT_EQUAL_FATAL(ctlproto_error_decode(p, n, &code, &text, &len), 0);
	CU_ASSERT_EQUAL(code, EPERM);
	CU_ASSERT_EQUAL(len, 12);
	CU_ASSERT_EQUAL(memcmp(text, "a long expla", 12), 0);
	CU_ASSERT_EQUAL(ctlproto_error_decode(p, 3, &code, &text, &len), -EBADMSG);
	CU_ASSERT_EQUAL(ctlproto_error_encode(1, "x", p, 3), 0);
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 15, &g), -EBADMSG);
}

/* The record stream's messages: what each decoder refuses so that a seq range, a count
 * or a run that does not add up never reaches the log. */
static void stream_messages(void)
{
	struct ctlproto_gap g = { .run = 7, .first_seq = 10, .last_seq = 19, .ring = 4,
				  .buffer = 6, .from_ms = 5, .to_ms = 9 }, d;
	struct ctlproto_mark k = { .run = 7, .seq = 3 }, kd;
	struct ctlproto_beat b = { .run = 7, .seq = 30, .live = 12, .now_ms = 99 }, bd;
	struct ctlproto_records rs;
	uint8_t p[CTLPROTO_RECORDS_HDR + 2 * CTLPROTO_RECORD_LEN];

	CU_ASSERT_EQUAL_FATAL(ctlproto_gap_encode(&g, p, sizeof(p)), 56);
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 56, &d), 0);
	CU_ASSERT_EQUAL(memcmp(&d, &g, sizeof(g)), 0);
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 57, &d), -EBADMSG);
	g.buffer = 7;                                   /* 4 + 7 is not 10 seqs */
	ctlproto_gap_encode(&g, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 56, &d), -EBADMSG);
	g = (struct ctlproto_gap){ .run = 7, .first_seq = 10, .last_seq = 9, .buffer = 0 };
	ctlproto_gap_encode(&g, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 56, &d), -EBADMSG);
	g = (struct ctlproto_gap){ .run = 7, .first_seq = 1, .last_seq = UINT64_MAX,
				   .ring = UINT64_MAX, .buffer = 0 };
	ctlproto_gap_encode(&g, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 56, &d), 0);   /* the whole range, no wrap */
	g.from_ms = 10;
	g.to_ms = 9;
	ctlproto_gap_encode(&g, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_gap_decode(p, 56, &d), -EBADMSG);

	CU_ASSERT_EQUAL_FATAL(ctlproto_mark_encode(&k, p, sizeof(p)), 16);
	CU_ASSERT_EQUAL(ctlproto_mark_decode(p, 16, true, &kd), 0);
	CU_ASSERT_EQUAL(kd.run, 7);
	CU_ASSERT_EQUAL(kd.seq, 3);
	CU_ASSERT_EQUAL(ctlproto_mark_decode(p, 17, false, &kd), -EBADMSG);
	k = (struct ctlproto_mark){ 0, 0 };
	ctlproto_mark_encode(&k, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_mark_decode(p, 16, false, &kd), 0);   /* subscribe: none */
	CU_ASSERT_EQUAL(ctlproto_mark_decode(p, 16, true, &kd), -EBADMSG);
	k.seq = 5;                                       /* a seq without a run */
	ctlproto_mark_encode(&k, p, sizeof(p));
	CU_ASSERT_EQUAL(ctlproto_mark_decode(p, 16, false, &kd), -EBADMSG);

	CU_ASSERT_EQUAL_FATAL(ctlproto_beat_encode(&b, p, sizeof(p)), 32);
	CU_ASSERT_EQUAL(ctlproto_beat_decode(p, 32, &bd), 0);
	CU_ASSERT_EQUAL(memcmp(&b, &bd, sizeof(b)), 0);
	CU_ASSERT_EQUAL(ctlproto_beat_decode(p, 31, &bd), -EBADMSG);

	memset(p, 0, sizeof(p));
	ctlproto_records_header(p, 7, 100, 2);
	CU_ASSERT_EQUAL(ctlproto_records_decode(p, sizeof(p), &rs), 0);
	CU_ASSERT_EQUAL(rs.run, 7);
	CU_ASSERT_EQUAL(rs.first_seq, 100);
	CU_ASSERT_EQUAL(rs.n, 2);
	CU_ASSERT_PTR_EQUAL(rs.recs, p + CTLPROTO_RECORDS_HDR);
	CU_ASSERT_EQUAL(ctlproto_records_decode(p, sizeof(p) - 1, &rs), -EBADMSG);
	ctlproto_records_header(p, 7, 100, 0);
	CU_ASSERT_EQUAL(ctlproto_records_decode(p, CTLPROTO_RECORDS_HDR, &rs), -EBADMSG);
	ctlproto_records_header(p, 0, 100, 2);
	CU_ASSERT_EQUAL(ctlproto_records_decode(p, sizeof(p), &rs), -EBADMSG);
	ctlproto_records_header(p, 7, UINT64_MAX, 2);    /* seqs would wrap */
	CU_ASSERT_EQUAL(ctlproto_records_decode(p, sizeof(p), &rs), -EBADMSG);
}

static void over_a_socket(void)
{
	static uint8_t big[CTLPROTO_MSG_MAX + 100];
	struct ctlproto_msg m;
	int sv[2], n;

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	CU_ASSERT_EQUAL(ctlproto_send(sv[0], CTL_RULES, 9, NULL, 0, 0), 0);
	n = ctlproto_recv(sv[1], buf, sizeof(buf), &m, 0);
	CU_ASSERT_EQUAL(n, CTLPROTO_HDR_LEN);
	CU_ASSERT_EQUAL(m.type, CTL_RULES);
	CU_ASSERT_EQUAL(m.seq, 9);

	/* Oversized: refused whole, and the next message is intact. */
	memset(big, 'z', sizeof(big));
	CU_ASSERT_EQUAL(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	CU_ASSERT_EQUAL(ctlproto_send(sv[0], CTL_STATUS, 10, "ok", 2, 0), 0);
	CU_ASSERT_EQUAL(ctlproto_recv(sv[1], buf, CTLPROTO_MSG_MAX, &m, 0), -EMSGSIZE);
	n = ctlproto_recv(sv[1], buf, CTLPROTO_MSG_MAX, &m, 0);
	CU_ASSERT_EQUAL(n, CTLPROTO_HDR_LEN + 2);
	CU_ASSERT_EQUAL(m.seq, 10);

	/* Garbage of the right size. */
	CU_ASSERT_EQUAL(send(sv[0], big, 100, 0), 100);
	CU_ASSERT_EQUAL(ctlproto_recv(sv[1], buf, CTLPROTO_MSG_MAX, &m, 0), -EBADMSG);

	close(sv[0]);
	CU_ASSERT_EQUAL(ctlproto_recv(sv[1], buf, CTLPROTO_MSG_MAX, &m, 0), 0);
	close(sv[1]);
}

static void reply_in_pieces(void)
{
	size_t total = 2 * CTLPROTO_PAYLOAD_MAX + 1234, have = 0;
	char *text = malloc(total), *back = malloc(total);
	struct ctlproto_msg m;
	int sv[2], one = 1 << 20;
	unsigned parts = 0;

	CU_ASSERT_FATAL(text != NULL && back != NULL);
	for (size_t i = 0; i < total; i++)
		text[i] = (char)('a' + i % 26);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	CU_ASSERT_EQUAL_FATAL(ctlproto_send_reply(sv[0], 3, text, total, 0), 0);
	for (;;) {
		int n = ctlproto_recv(sv[1], buf, CTLPROTO_MSG_MAX, &m, 0);

		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(m.seq, 3);
		CU_ASSERT_FATAL(have + m.len <= total);
		memcpy(back + have, m.payload, m.len);
		have += m.len;
		parts++;
		if (m.type == CTL_OK)
			break;
		CU_ASSERT_EQUAL(m.type, CTL_PART);
	}
	CU_ASSERT_EQUAL(parts, 3);
	CU_ASSERT_EQUAL(have, total);
	CU_ASSERT_EQUAL(memcmp(text, back, total), 0);
	close(sv[0]);
	close(sv[1]);
	free(text);
	free(back);
}

static void connect_errors(void)
{
	char path[] = "/tmp/bunri-ctlproto-XXXXXX";
	char sock[64];
	int fd, c;

	CU_ASSERT_FATAL(mkdtemp(path) != NULL);
	snprintf(sock, sizeof(sock), "%s/s.sock", path);
	CU_ASSERT_EQUAL(ctlproto_connect(sock), -ENOENT);
	fd = ctlproto_listen(sock, NULL);
	CU_ASSERT_FATAL(fd >= 0);
	c = ctlproto_connect(sock);
	CU_ASSERT(c >= 0);
	close(c);
	close(fd);
	/* A stale socket file is replaced by the next listener. */
	fd = ctlproto_listen(sock, "no-such-group-here");
	CU_ASSERT(fd >= 0);
	close(fd);
	unlink(sock);
	rmdir(path);
	CU_ASSERT_EQUAL(ctlproto_listen("/nonexistent-dir/x.sock", NULL), -ENOENT);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "header round trip", header_round_trip },
		{ "malformed headers", malformed_headers },
		{ "encode limits", encode_limits },
		{ "record round trip", record_round_trip },
		{ "record values out of range", record_out_of_range },
		{ "deny records and only they have a scope", record_scope },
		{ "flows query", flows_query },
		{ "policy chunk bounds", chunk_bounds },
		{ "errors and gaps", errors_and_gaps },
		{ "record stream messages: seqs, counts and runs add up", stream_messages },
		{ "over a SOCK_SEQPACKET socket", over_a_socket },
		{ "long reply in pieces", reply_in_pieces },
		{ "connect and listen errors", connect_errors },
		{ NULL, NULL },
	};

	return test_run("ctlproto", cases);
}
