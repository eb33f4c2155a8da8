/* Flow and deny records: what the packet pipeline emits when a connection ends or a
 * deny interval closes, and what the flow-log writer seals and auditors export.
 * This is the one small interface between the two. */
#ifndef BUNRI_FLOWREC_H
#define BUNRI_FLOWREC_H

#include <stddef.h>
#include <stdint.h>

#include "cpolicy.h"

enum flowrec_type {
	FLOWREC_FLOW = 0, /* one connection that crossed the appliance */
	FLOWREC_DENY = 1, /* drops summarised, see enum flowrec_scope */
};

/* What one deny record summarises. */
enum flowrec_scope {
	FLOWREC_SCOPE_NONE = 0,   /* flow records */
	FLOWREC_SCOPE_TUPLE,      /* one (zone, MAC, src, dst, proto, dport, reason) */
	FLOWREC_SCOPE_SOURCE,     /* the rest of one (zone, src, reason) past the rate */
	FLOWREC_SCOPE_OVERFLOW,   /* sources the table had no room for, per (zone, reason) */
	FLOWREC_SCOPE_COUNT,
};

enum flowrec_end {
	FLOWREC_END_NONE = 0,   /* deny records */
	FLOWREC_END_FIN,        /* FIN seen both ways */
	FLOWREC_END_RST,
	FLOWREC_END_TIMEOUT,
	FLOWREC_END_REVOKED,    /* the running policy no longer allows it */
	FLOWREC_END_TABLE_FULL, /* evicted to make room */
	FLOWREC_END_SHUTDOWN,
	FLOWREC_END_COUNT,
};

#define FLOWREC_REASON_MAX 24

struct flowrec {
	enum flowrec_type type;
	int64_t start_ms;          /* Unix time, milliseconds */
	int64_t end_ms;
	uint8_t from_zone;         /* enum zone; ZONE_NONE when unknown */
	uint8_t to_zone;
	uint8_t proto;
	uint8_t tcp_flags;         /* OR of the TCP flags seen in both directions */
	uint32_t src;              /* host byte order; the connection's initiator */
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;            /* ICMP: type */
	uint8_t src_mac[6];
	char flow[CP_FLOW_ID_MAX]; /* the approved flow, "" when none */
	uint64_t packets_out;      /* initiator -> responder */
	uint64_t packets_in;
	uint64_t bytes_out;
	uint64_t bytes_in;
	enum flowrec_end end_reason;
	char reason[FLOWREC_REASON_MAX]; /* deny: the drop reason code, e.g. "no-rule" */
	uint64_t count;            /* deny: packets summarised (bytes_out: their bytes) */
	/* Deny records: what the record summarises, and how many distinct sources,
	 * destinations and destination ports it covers (exact up to 8, estimates above). */
	enum flowrec_scope scope;
	uint32_t srcs;
	uint32_t dsts;
	uint32_t dports;
};

/* Where records go. emit() must not block the packet path for long: it copies. */
struct flowrec_sink {
	void (*emit)(void *ctx, const struct flowrec *r);
	void *ctx;
};

/* "fin", "rst", "timeout", "revoked", "table-full", "shutdown"; "" for NONE. */
const char *flowrec_end_name(enum flowrec_end e);
/* "flow" or "deny". */
const char *flowrec_type_name(enum flowrec_type t);
/* "tuple", "source", "overflow"; "" for NONE. */
const char *flowrec_scope_name(enum flowrec_scope s);

/* Writes the record as one JSON object (no newline, no seq/prev/hash: the log writer
 * adds those) with the field names of the flow log. Returns the length it needed,
 * like snprintf; negative on a bad record. */
int flowrec_format_json(const struct flowrec *r, char *buf, size_t len);

/* RFC 3339 UTC with milliseconds, "2026-04-01T09:00:00.123Z", into buf (25 bytes). */
char *flowrec_format_time(int64_t ms, char *buf);

#endif
