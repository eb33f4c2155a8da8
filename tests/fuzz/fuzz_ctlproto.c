/* libFuzzer: arbitrary bytes as one control-socket message, as bunri-dataplane and
 * bunri-controld receive them from any member of group bunri: the header decoder, then
 * the payload decoder of its type (connections query, policy chunk, records, gap, error
 * reply). Every field a decoder returns must lie inside the message. */
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

static void records(const struct ctlproto_msg *m)
{
	uint32_t n;

	if (m->len < 4)
		return;
	n = (uint32_t)m->payload[0] | (uint32_t)m->payload[1] << 8 |
	    (uint32_t)m->payload[2] << 16 | (uint32_t)m->payload[3] << 24;
	if (n > CTLPROTO_RECORDS_MAX || m->len != 4 + (size_t)n * CTLPROTO_RECORD_LEN)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct flowrec r;

		if (ctlproto_record_decode(m->payload + 4 + (size_t)i * CTLPROTO_RECORD_LEN, &r) == 0 &&
		    (strnlen(r.flow, sizeof(r.flow)) == sizeof(r.flow) ||
		     strnlen(r.reason, sizeof(r.reason)) == sizeof(r.reason)))
			abort(); /* a decoded record's strings are terminated */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlproto_flows_query q;
	struct ctlproto_msg m;
	const uint8_t *chunk;
	const char *text;
	uint32_t total, offset, chunk_len;
	uint64_t dropped;
	int64_t from, to;
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
			records(&m);
			break;
		case CTL_GAP:
			(void)ctlproto_gap_decode(m.payload, m.len, &dropped, &from, &to);
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
