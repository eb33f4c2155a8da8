#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "flowrec.h"

static const char *const end_names[FLOWREC_END_COUNT] = {
	[FLOWREC_END_NONE] = "",
	[FLOWREC_END_FIN] = "fin",
	[FLOWREC_END_RST] = "rst",
	[FLOWREC_END_TIMEOUT] = "timeout",
	[FLOWREC_END_REVOKED] = "revoked",
	[FLOWREC_END_TABLE_FULL] = "table-full",
	[FLOWREC_END_SHUTDOWN] = "shutdown",
};

const char *flowrec_end_name(enum flowrec_end e)
{
	return (unsigned)e < FLOWREC_END_COUNT ? end_names[e] : "";
}

const char *flowrec_type_name(enum flowrec_type t)
{
	return t == FLOWREC_DENY ? "deny" : "flow";
}

char *flowrec_format_time(int64_t ms, char *buf)
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	if (!gmtime_r(&secs, &tm)) {
		strcpy(buf, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	if (strftime(buf, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		strcpy(buf, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	snprintf(buf + 19, 6, ".%03uZ", (unsigned)frac % 1000u);
	return buf;
}

/* Copies s into out as the inside of a JSON string; control characters and anything
 * but printable ASCII are escaped, so a record line is always valid JSON. */
static void json_escape(const char *s, size_t max, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < max && s[i] && o + 7 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int format_zone(uint8_t z, char *buf, size_t len)
{
	if (z >= ZONE_COUNT)
		return snprintf(buf, len, "null");
	return snprintf(buf, len, "\"%s\"", zone_name((enum zone)z));
}

int flowrec_format_json(const struct flowrec *r, char *buf, size_t len)
{
	char start[25], end[25], src[ADDR_STRLEN], dst[ADDR_STRLEN], mac[MAC_STRLEN];
	char from[16], to[16], flow[CP_FLOW_ID_MAX * 6 + 1], reason[FLOWREC_REASON_MAX * 6 + 1];

	if (r->type != FLOWREC_FLOW && r->type != FLOWREC_DENY)
		return -EINVAL;
	if ((unsigned)r->end_reason >= FLOWREC_END_COUNT)
		return -EINVAL;
	format_zone(r->from_zone, from, sizeof(from));
	format_zone(r->to_zone, to, sizeof(to));
	json_escape(r->flow, sizeof(r->flow), flow, sizeof(flow));
	json_escape(r->reason, sizeof(r->reason), reason, sizeof(reason));
	return snprintf(buf, len,
			"{\"type\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
			"\"from_zone\":%s,\"to_zone\":%s,"
			"\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,\"proto\":%u,"
			"\"src_mac\":\"%s\",\"flow\":%s%s%s,"
			"\"packets_out\":%" PRIu64 ",\"packets_in\":%" PRIu64 ","
			"\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ","
			"\"tcp_flags\":%u,\"end_reason\":%s%s%s,\"reason\":%s%s%s,"
			"\"count\":%" PRIu64 "}",
			flowrec_type_name(r->type), flowrec_format_time(r->start_ms, start),
			flowrec_format_time(r->end_ms, end), from, to,
			addr_format_ipv4(r->src, src), r->sport, addr_format_ipv4(r->dst, dst),
			r->dport, r->proto, addr_format_mac(r->src_mac, mac),
			flow[0] ? "\"" : "", flow[0] ? flow : "null", flow[0] ? "\"" : "",
			r->packets_out, r->packets_in, r->bytes_out, r->bytes_in, r->tcp_flags,
			r->end_reason ? "\"" : "",
			r->end_reason ? flowrec_end_name(r->end_reason) : "null",
			r->end_reason ? "\"" : "",
			reason[0] ? "\"" : "", reason[0] ? reason : "null", reason[0] ? "\"" : "",
			r->count);
}
