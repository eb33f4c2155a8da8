/* Verdicts, their reason codes, and the per-worker counters: every frame the pipeline
 * sees ends as forwarded, handled locally, or dropped with exactly one reason. */
#ifndef BUNRI_COUNTERS_H
#define BUNRI_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

#include "zone.h"

enum verdict {
	VERDICT_FORWARD = 0,
	VERDICT_DROP,
	VERDICT_LOCAL, /* handled by the appliance itself: ARP, echo to its address */
	VERDICT_COUNT,
};

/* Stable codes: they appear in verdicts.jsonl, deny records and counters.json. */
enum reason {
	REASON_NONE = 0,
	/* forward */
	REASON_NEW,          /* first packet of a connection a rule allowed */
	REASON_ESTABLISHED,  /* initiator -> responder on a known connection */
	REASON_REPLY,        /* responder -> initiator on a known connection */
	/* local */
	REASON_ARP,          /* local: answered or learned; drop: ARP not for us or bad */
	REASON_ECHO,         /* echo request to the appliance answered */
	/* drop */
	REASON_NO_RULE,
	REASON_SPOOFED,
	REASON_FRAGMENT,
	REASON_MALFORMED,
	REASON_TTL,
	REASON_NOT_IPV4,
	REASON_IPV6,
	REASON_VLAN,
	REASON_NOT_FOR_US,
	REASON_TO_APPLIANCE,
	REASON_STATE,
	REASON_MAC_MISMATCH,
	REASON_REVOKED,
	REASON_NO_ROUTE,
	REASON_SAME_ZONE,    /* destination lies in the ingress zone itself */
	REASON_IP_OPTIONS,
	REASON_MARTIAN,      /* source or destination no host may use (0/8, 127/8, class D/E) */
	REASON_TABLE_FULL,   /* connection table full: no room for a new connection */
	REASON_NO_NEIGHBOR,  /* next hop never answered ARP, or the neighbour table is full */
	REASON_HOLD_FULL,    /* too many packets already waiting for that next hop */
	REASON_TX_FULL,      /* the caller did not drain the TX buffer */
	REASON_NO_MBUF,      /* no buffer for an ARP request or a VLAN tag */
	REASON_ZONE_DOWN,    /* frame arrived on a zone the policy does not configure */
	REASON_ADDR_CONFLICT, /* ARP from another device claiming the appliance's address */
	REASON_RELATED,      /* forward: an ICMP error about a packet of a known connection */
	REASON_ZONE_LIMIT,   /* the initiator's zone holds its share of the table */
	REASON_FLOW_LIMIT,   /* the flow holds its share (or its max_connections) */
	REASON_EMBRYONIC_LIMIT, /* the zone holds its share of TCP handshakes in progress */
	REASON_CHECKSUM,     /* IPv4 header, TCP, UDP or ICMP checksum wrong */
	REASON_COUNT,
};

/* "forward", "drop", "local". */
const char *verdict_name(enum verdict v);
/* The stable code, e.g. "no-rule"; "?" outside the enum. */
const char *reason_name(enum reason r);

/* One worker's counters; only that worker writes them. */
struct counters {
	uint64_t rx_packets[ZONE_COUNT];
	uint64_t rx_bytes[ZONE_COUNT];
	uint64_t tx_packets[ZONE_COUNT];
	uint64_t tx_bytes[ZONE_COUNT];
	uint64_t forward[ZONE_COUNT];  /* by ingress zone */
	uint64_t local[ZONE_COUNT];
	uint64_t drop[ZONE_COUNT][REASON_COUNT]; /* by ingress zone and reason */
	uint64_t conn_opened;
	uint64_t conn_closed;
	uint64_t records_emitted;
	/* Handshakes ended to make room for a new connection, by their initiator's zone. */
	uint64_t early_drop[ZONE_COUNT];
} __rte_cache_aligned;

/* Per-rule counters of one worker. */
struct rule_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t connections;
};

/* Adds src into dst (for totals over workers). */
void counters_add(struct counters *dst, const struct counters *src);
/* Sum of drops of one zone over every reason. */
uint64_t counters_drops(const struct counters *c, enum zone z);

#endif
