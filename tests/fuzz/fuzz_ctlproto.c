/* libFuzzer: arbitrary bytes as one control-socket message, as bunri-dataplane and
 * bunri-controld receive them from any member of group bunri: the header decoder, then
 * the payload decoder of its type (connections query, policy chunk, records, gap,
 * subscription, acknowledgement, heartbeat, shutdown, error reply). Every field a
 * decoder returns must lie inside the message, and a decoded record stream's seqs and
 * counts must add up. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	if (p < buf || p > buf + size || n > (size_t)(buf + size - p))
		abort();
}

static void records(const struct ctlproto_msg *m, const uint8_t *buf, size_t size)
{
	struct ctlproto_records rs;

	if (ctlproto_records_decode(m->payload, m->len, &rs) != 0)
		return;
	if (rs.n == 0 || rs.run == 0 || rs.first_seq == 0 || rs.first_seq + rs.n < rs.first_seq)
		abort();
	inside(rs.recs, (size_t)rs.n * CTLPROTO_RECORD_LEN, buf, size);
	for (uint32_t i = 0; i < rs.n; i++) {
		struct flowrec r;

		if (ctlproto_record_decode(rs.recs + (size_t)i * CTLPROTO_RECORD_LEN, &r) == 0 &&
		    (strnlen(r.flow, sizeof(r.flow)) == sizeof(r.flow) ||
		     strnlen(r.reason, sizeof(r.reason)) == sizeof(r.reason)))
			abort(); /* a decoded record's strings are terminated */
	}
}

static void gap(const struct ctlproto_msg *m)
{
	struct ctlproto_gap g;

	if (ctlproto_gap_decode(m->payload, m->len, &g) != 0)
		return;
	if (g.run == 0 || g.first_seq == 0 || g.last_seq < g.first_seq ||
	    g.ring + g.buffer != g.last_seq - g.first_seq + 1 || g.ring > g.last_seq ||
	    g.from_ms > g.to_ms)
		abort();
}

static void mark(const struct ctlproto_msg *m, bool ack)
{
	struct ctlproto_mark k;

	if (ctlproto_mark_decode(m->payload, m->len, ack, &k) == 0 &&
	    ((k.run == 0) != (k.seq == 0) || (ack && k.run == 0)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlproto_flows_query q;
	struct ctlproto_msg m;
	const uint8_t *chunk;
	const char *text;
	uint32_t total, offset, chunk_len;
	struct ctlproto_beat b;
	size_t text_len;
	uint8_t *buf;
	int code;

	if (size > CTLPROTO_MSG_MAX)
		return 0;
	/* a copy of exactly the received length, so reading past it is caught */
	buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (ctlproto_decode(buf, size, &m) == 0) {
		inside(m.payload, m.len, buf, size);
		switch (m.type) {
		case CTL_FLOWS:
			if (ctlproto_flows_decode(m.payload, m.len, &q) == 0 &&
			    (strnlen(q.flow, sizeof(q.flow)) == sizeof(q.flow) || q.limit == 0 ||
			     q.limit > CTLPROTO_FLOWS_PAGE_MAX))
				abort();
			break;
		case CTL_POLICY_CHUNK:
			if (ctlproto_chunk_decode(m.payload, m.len, &total, &offset, &chunk,
						  &chunk_len) == 0)
				inside(chunk, chunk_len, buf, size);
			break;
		case CTL_RECORDS:
			records(&m, buf, size);
			break;
		case CTL_GAP:
			gap(&m);
			break;
		case CTL_SUBSCRIBE:
		case CTL_ACK:
			mark(&m, m.type == CTL_ACK);
			break;
		case CTL_HEARTBEAT:
		case CTL_SHUTDOWN:
			if (ctlproto_beat_decode(m.payload, m.len, &b) == 0 && b.run == 0)
				abort();
			break;
		case CTL_ERROR:
			if (ctlproto_error_decode(m.payload, m.len, &code, &text, &text_len) == 0)
				inside((const uint8_t *)text, text_len, buf, size);
			break;
		default:
			break;
		}
	}
	free(buf);
	return 0;
}
