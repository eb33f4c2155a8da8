#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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

static const char *const scope_names[FLOWREC_SCOPE_COUNT] = {
	[FLOWREC_SCOPE_NONE] = "",
	[FLOWREC_SCOPE_TUPLE] = "tuple",
	[FLOWREC_SCOPE_SOURCE] = "source",
	[FLOWREC_SCOPE_OVERFLOW] = "overflow",
};

const char *flowrec_scope_name(enum flowrec_scope s)
{
	return (unsigned)s < FLOWREC_SCOPE_COUNT ? scope_names[s] : "";
}

/* "YYYY-MM-DDTHH:MM:SS" of a second. Records come in time order, so a small per-thread
 * cache of recent seconds saves nearly every gmtime_r(). */
static void format_second(int64_t secs, char out[20])
{
	static __thread struct {
		int64_t secs;
		char text[20];
	} cache[2] = { { INT64_MIN, "" }, { INT64_MIN, "" } };
	static __thread unsigned victim;
	time_t t = (time_t)secs;
	struct tm tm;

	for (unsigned i = 0; i < 2; i++)
		if (cache[i].secs == secs) {
			memcpy(out, cache[i].text, 20);
			return;
		}
	if (!gmtime_r(&t, &tm) || strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		memcpy(out, "1970-01-01T00:00:00", 20);
		return;
	}
	victim ^= 1;
	cache[victim].secs = secs;
	memcpy(cache[victim].text, out, 20);
}

char *flowrec_format_time(int64_t ms, char *buf)
{
	int64_t secs = ms / 1000;
	int frac = (int)(ms % 1000);

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	format_second(secs, buf);
	buf[19] = '.';
	buf[20] = (char)('0' + frac / 100);
	buf[21] = (char)('0' + frac / 10 % 10);
	buf[22] = (char)('0' + frac % 10);
	buf[23] = 'Z';
	buf[24] = '\0';
	return buf;
}

/* An append-only writer into a buffer known to be large enough (see RECORD_MAX). */
struct out {
	char *p;
};

#define RECORD_MAX 2048 /* fixed text + 10 numbers + 63 and 23 bytes escaped six-fold */

static void put(struct out *o, const char *s, size_t n)
{
	memcpy(o->p, s, n);
	o->p += n;
}

#define PUT_LIT(o, lit) put(o, lit, sizeof(lit) - 1)

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o->p++ = tmp[--n];
}

static void put_ipv4(struct out *o, uint32_t a)
{
	for (int shift = 24; shift >= 0; shift -= 8) {
		put_u64(o, (a >> shift) & 0xff);
		if (shift)
			*o->p++ = '.';
	}
}

static void put_mac(struct out *o, const uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 6; i++) {
		*o->p++ = hex[mac[i] >> 4];
		*o->p++ = hex[mac[i] & 15];
		if (i < 5)
			*o->p++ = ':';
	}
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (len == 0 || s[0] > 0xf4 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates, and code points past U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* A JSON string of at most max bytes of s: valid UTF-8 passes, control characters are
 * escaped, and an invalid byte becomes U+FFFD, so a record line is always valid JSON. */
static void put_json_string(struct out *o, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strnlen(s, max);

	*o->p++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o->p++ = '\\';
			*o->p++ = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			PUT_LIT(o, "\\u00");
			*o->p++ = hex[c >> 4];
			*o->p++ = hex[c & 15];
			i++;
		} else if (c < 0x80) {
			*o->p++ = (char)c;
			i++;
		} else {
			size_t len = utf8_len((const unsigned char *)s + i, n - i);

			if (len) {
				put(o, s + i, len);
				i += len;
			} else {
				PUT_LIT(o, "\\ufffd");
				i++;
			}
		}
	}
	*o->p++ = '"';
}

static void put_zone(struct out *o, uint8_t z)
{
	if (z >= ZONE_COUNT) {
		PUT_LIT(o, "null");
		return;
	}
	*o->p++ = '"';
	put(o, zone_name((enum zone)z), strlen(zone_name((enum zone)z)));
	*o->p++ = '"';
}

/* A string field that is null when empty. */
static void put_opt_string(struct out *o, const char *s, size_t max)
{
	if (!s[0])
		PUT_LIT(o, "null");
	else
		put_json_string(o, s, max);
}

int flowrec_format_json(const struct flowrec *r, char *buf, size_t len)
{
	char line[RECORD_MAX], when[25];
	struct out o = { line };
	size_t n;

	if (r->type != FLOWREC_FLOW && r->type != FLOWREC_DENY)
		return -EINVAL;
	if ((unsigned)r->end_reason >= FLOWREC_END_COUNT ||
	    (unsigned)r->scope >= FLOWREC_SCOPE_COUNT)
		return -EINVAL;
	PUT_LIT(&o, "{\"type\":\"");
	put(&o, flowrec_type_name(r->type), 4);
	PUT_LIT(&o, "\",\"start\":\"");
	put(&o, flowrec_format_time(r->start_ms, when), 24);
	PUT_LIT(&o, "\",\"end\":\"");
	put(&o, flowrec_format_time(r->end_ms, when), 24);
	PUT_LIT(&o, "\",\"from_zone\":");
	put_zone(&o, r->from_zone);
	PUT_LIT(&o, ",\"to_zone\":");
	put_zone(&o, r->to_zone);
	PUT_LIT(&o, ",\"src\":\"");
	put_ipv4(&o, r->src);
	PUT_LIT(&o, "\",\"sport\":");
	put_u64(&o, r->sport);
	PUT_LIT(&o, ",\"dst\":\"");
	put_ipv4(&o, r->dst);
	PUT_LIT(&o, "\",\"dport\":");
	put_u64(&o, r->dport);
	PUT_LIT(&o, ",\"proto\":");
	put_u64(&o, r->proto);
	PUT_LIT(&o, ",\"src_mac\":\"");
	put_mac(&o, r->src_mac);
	PUT_LIT(&o, "\",\"flow\":");
	put_opt_string(&o, r->flow, sizeof(r->flow));
	PUT_LIT(&o, ",\"packets_out\":");
	put_u64(&o, r->packets_out);
	PUT_LIT(&o, ",\"packets_in\":");
	put_u64(&o, r->packets_in);
	PUT_LIT(&o, ",\"bytes_out\":");
	put_u64(&o, r->bytes_out);
	PUT_LIT(&o, ",\"bytes_in\":");
	put_u64(&o, r->bytes_in);
	PUT_LIT(&o, ",\"tcp_flags\":");
	put_u64(&o, r->tcp_flags);
	PUT_LIT(&o, ",\"end_reason\":");
	if (r->end_reason)
		put_json_string(&o, flowrec_end_name(r->end_reason), 16);
	else
		PUT_LIT(&o, "null");
	PUT_LIT(&o, ",\"reason\":");
	put_opt_string(&o, r->reason, sizeof(r->reason));
	PUT_LIT(&o, ",\"count\":");
	put_u64(&o, r->count);
	/* Deny records only: flow records stay as they were. */
	if (r->type == FLOWREC_DENY && r->scope != FLOWREC_SCOPE_NONE) {
		PUT_LIT(&o, ",\"scope\":\"");
		put(&o, flowrec_scope_name(r->scope), strlen(flowrec_scope_name(r->scope)));
		PUT_LIT(&o, "\",\"srcs\":");
		put_u64(&o, r->srcs);
		PUT_LIT(&o, ",\"dsts\":");
		put_u64(&o, r->dsts);
		PUT_LIT(&o, ",\"dports\":");
		put_u64(&o, r->dports);
	}
	*o.p++ = '}';
	n = (size_t)(o.p - line);
	/* Like snprintf: as much as fits, terminated, and the length it needed. */
	if (len) {
		size_t copy = n < len - 1 ? n : len - 1;

		memcpy(buf, line, copy);
		buf[copy] = '\0';
	}
	return (int)n;
}
