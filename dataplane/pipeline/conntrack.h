/* Connection tracking: one worker's table of the connections it forwards, keyed the
 * same way in both directions, in an rte_hash owned by that worker (no locks), and each
 * zone's and flow's share of it. Emits one flow record when a connection ends. Time is
 * always the caller's `now`. */
#ifndef BUNRI_CONNTRACK_H
#define BUNRI_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>

#include "flowname.h"
#include "flowrec.h"
#include "tcpstate.h"
#include "zone.h"

/* Both directions of a connection give the same key: endpoint 0 is the lower
 * (address, port) pair. ICMP echo uses the identifier as the requester's port and 0
 * as the responder's, so a reply reverses the request. */
struct ct_key {
	uint32_t ip[2];     /* host byte order */
	uint16_t port[2];
	uint8_t proto;
	uint8_t zone[2];
	uint8_t pad;        /* always 0: the key is hashed as bytes */
} __attribute__((aligned(8))); /* rte_hash_crc reads 8 bytes at a time */

struct ct_entry {
	struct ct_key key;
	uint8_t orig_side;      /* the endpoint (0/1) that opened the connection */
	uint8_t icmp_type;      /* ICMP: type of the opening message */
	uint8_t flags_seen;     /* TCP flags, both directions */
	uint8_t in_use;
	uint8_t revoked;        /* recorded as revoked; kept only to say so to late packets */
	uint8_t mac_bound;      /* its rule binds the initiator's MAC: every packet from
				 * the initiator must come from src_mac */
	uint16_t flow;          /* flowname number of the flow that allowed it */
	uint32_t rule;          /* rule index in the tables of `generation` */
	uint64_t generation;
	int64_t start_ms;
	int64_t last_ms;
	int64_t expires_ms;
	uint64_t packets[2];    /* by enum tcp_dir */
	uint64_t bytes[2];
	uint8_t src_mac[6];     /* the initiator's MAC */
	struct tcp_track tcp;
};

struct conntrack_conf {
	const char *name;       /* unique among live tables (rte_hash names are global) */
	uint32_t capacity;
	int socket;
	struct flowrec_sink sink;
	const struct flowname *names;
};

struct conntrack;

/* 0 and *out, -EINVAL, -ENOMEM, or rte_hash's error. */
int conntrack_create(const struct conntrack_conf *conf, struct conntrack **out);
/* Frees the table without emitting records (see conntrack_flush()). */
void conntrack_free(struct conntrack *ct);

_Static_assert(offsetof(struct ct_key, port) == 8 && offsetof(struct ct_key, proto) == 12 &&
	       offsetof(struct ct_key, zone) == 13 && offsetof(struct ct_key, pad) == 15,
	       "conntrack_key() assembles ct_key as two words");
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "conntrack_key() assembles ct_key as little-endian words"
#endif

/* Fills k for a packet from (zsrc, src, sport) to (zdst, dst, dport) and returns the
 * endpoint the packet came from (0 or 1). Inline and as two whole words: the packet
 * path hashes the key right after, from registers rather than from narrow stores. */
static inline unsigned conntrack_key(struct ct_key *k, uint8_t proto, uint8_t zsrc,
				     uint32_t src, uint16_t sport, uint8_t zdst, uint32_t dst,
				     uint16_t dport)
{
	unsigned side = (src > dst || (src == dst && sport > dport)) ? 1 : 0;
	uint32_t ip0 = side ? dst : src, ip1 = side ? src : dst;
	uint16_t port0 = side ? dport : sport, port1 = side ? sport : dport;
	uint8_t zone0 = side ? zdst : zsrc, zone1 = side ? zsrc : zdst;
	uint64_t w[2];

	w[0] = (uint64_t)ip0 | (uint64_t)ip1 << 32;
	w[1] = (uint64_t)port0 | (uint64_t)port1 << 16 | (uint64_t)proto << 32 |
		(uint64_t)zone0 << 40 | (uint64_t)zone1 << 48;
	memcpy(k, w, sizeof(w));
	return side;
}

/* k's hash signature, as the table computes it: the packet path computes it once per
 * packet and passes it to the _hashed calls below. */
#define CONNTRACK_HASH_INIT 0
static inline uint32_t conntrack_hash(const struct ct_key *k)
{
	return rte_hash_crc(k, sizeof(*k), CONNTRACK_HASH_INIT);
}
/* The entry for k, or NULL. */
struct ct_entry *conntrack_lookup(struct conntrack *ct, const struct ct_key *k);
struct ct_entry *conntrack_lookup_hashed(struct conntrack *ct, const struct ct_key *k,
					 uint32_t sig);
/* Looks up n keys with their signatures at once; out[i] NULL when absent. n <= 64. */
void conntrack_lookup_bulk(struct conntrack *ct, const struct ct_key **keys,
			   uint32_t *sigs, unsigned n, struct ct_entry **out);
/* A new zeroed entry for k, opened by endpoint orig_side at now; NULL with errno
 * ENOSPC (table full) or EEXIST. */
struct ct_entry *conntrack_add(struct conntrack *ct, const struct ct_key *k,
			       unsigned orig_side, int64_t now);
struct ct_entry *conntrack_add_hashed(struct conntrack *ct, const struct ct_key *k,
				      uint32_t sig, unsigned orig_side, int64_t now);
/* Emits the entry's flow record with reason why, then removes it. */
void conntrack_end(struct conntrack *ct, struct ct_entry *e, enum flowrec_end why,
		   int64_t now);

/* Emits the entry's record with reason revoked but keeps the key until until_ms, so
 * the connection's late packets can be dropped as `revoked`, not `state`. */
void conntrack_revoke(struct conntrack *ct, struct ct_entry *e, int64_t now,
		      int64_t until_ms);
/* Removes an entry without a record (a revoked entry whose time is up). */
void conntrack_forget(struct conntrack *ct, struct ct_entry *e);

/* Asked by the sweep about n <= CONNTRACK_RECHECK_BULK connections allowed under an
 * older policy generation, at once: set allowed[i] if the current policy still allows
 * e[i] (and update its rule, flow and generation); the others end as revoked. */
#define CONNTRACK_RECHECK_BULK 32
typedef void (*conntrack_recheck_fn)(void *ctx, struct ct_entry **e, unsigned n,
				     bool *allowed);

/* Visits up to budget entry slots (free ones count too; a full pass is capacity + 1)
 * from where the last sweep stopped: ends those whose expires_ms <= now (reason fin
 * after FIN both ways, else timeout), asks recheck about those whose generation differs
 * and revokes those it refuses (keeping them linger_ms). Returns the number ended. */
unsigned conntrack_sweep(struct conntrack *ct, int64_t now, uint32_t budget,
			 uint64_t generation, conntrack_recheck_fn recheck, void *ctx,
			 int64_t linger_ms);
/* Ends every live entry with reason why (shutdown) and forgets revoked ones. */
unsigned conntrack_flush(struct conntrack *ct, int64_t now, enum flowrec_end why);

/* Visits the live connections (revoked ones lingering for late packets are skipped):
 * start with *cursor = 0; 1 and *e for each, 0 at the end. Only the table's owner
 * (its worker) may call it, and not while adding or removing entries. */
int conntrack_iterate(struct conntrack *ct, uint32_t *cursor, struct ct_entry **e);

uint32_t conntrack_count(const struct conntrack *ct);
uint32_t conntrack_capacity(const struct conntrack *ct);
/* Bytes the table holds: entries plus rte_hash's own buckets and keys (estimate). */
size_t conntrack_memory(const struct conntrack *ct);
/* Records emitted so far. */
uint64_t conntrack_records(const struct conntrack *ct);

/* The fair share of one worker's table, in connections of this table: no zone (the
 * initiator's ingress zone) and no flow may take more, so a flood from one of them
 * cannot keep the others from opening connections. Embryonic connections are TCP
 * handshakes in progress (SYN seen, not yet established). */
struct ct_limits {
	uint32_t connections;    /* the table admits at most this many (<= capacity) */
	uint32_t zone;           /* per initiator zone */
	uint32_t embryonic;      /* per initiator zone, handshakes in progress */
	uint32_t flow;           /* per flow, unless the caller gives the flow's own */
	/* Adaptive timeouts as pf has them: past adaptive_start connections the timeouts
	 * of all but established TCP connections shrink linearly, to 0 at adaptive_end.
	 * adaptive_end 0: off. */
	uint32_t adaptive_start;
	uint32_t adaptive_end;
};

/* Which limit a new connection would exceed. */
enum ct_admit {
	CT_ADMIT_OK = 0,
	CT_ADMIT_TABLE,          /* limits.connections reached */
	CT_ADMIT_ZONE,
	CT_ADMIT_EMBRYONIC,
	CT_ADMIT_FLOW,
};

/* A handshake younger than this is never evicted to make room: a client's SYN gets
 * its first retransmission time to be answered, so a flood of fresh SYNs is refused
 * rather than evicting the handshakes in progress. */
#define CONNTRACK_EVICT_AGE_MS 1000

/* Per zone usage of one table. */
struct ct_zone_usage {
	uint32_t live;           /* connections the zone initiated, revoked ones lingering too */
	uint32_t embryonic;
};

/* Installs l (the table starts with no limit but its capacity). Values above the
 * capacity are taken as the capacity. */
void conntrack_set_limits(struct conntrack *ct, const struct ct_limits *l);
const struct ct_limits *conntrack_limits(const struct conntrack *ct);
/* Whether a connection of initiator zone and flow (embryonic: a TCP SYN) fits the
 * limits, flow_limit being the flow's own (0: limits.flow). CT_ADMIT_OK, or the limit
 * it hits and in *victim the oldest handshake, at least CONNTRACK_EVICT_AGE_MS old,
 * whose end would make room (of the same flow for CT_ADMIT_FLOW, of the same zone for
 * ZONE and EMBRYONIC, of the zone with the most handshakes for TABLE), or NULL. Never
 * proposes an established connection. */
enum ct_admit conntrack_admit(struct conntrack *ct, uint8_t zone, uint16_t flow,
			      uint32_t flow_limit, bool embryonic, int64_t now,
			      struct ct_entry **victim);
/* Counts e (just added) against its initiator's zone and its flow until it ends;
 * embryonic: a TCP handshake in progress. Entries never charged count only in the
 * table's total. */
void conntrack_charge(struct conntrack *ct, struct ct_entry *e, uint8_t zone,
		      uint16_t flow, bool embryonic);
/* e's handshake completed (or e stopped being one): it no longer counts as embryonic. */
void conntrack_established(struct conntrack *ct, struct ct_entry *e);
/* Whether e counts as a handshake in progress. */
bool conntrack_is_embryonic(const struct conntrack *ct, const struct ct_entry *e);
void conntrack_zone_usage(const struct conntrack *ct, uint8_t zone,
			  struct ct_zone_usage *out);
/* Live connections charged to flow. */
uint32_t conntrack_flow_count(const struct conntrack *ct, uint16_t flow);
/* The timeout scale the last sweep applied, 0 to CONNTRACK_SCALE_ONE. */
#define CONNTRACK_SCALE_ONE 1024u
uint32_t conntrack_timeout_scale(const struct conntrack *ct);
/* Why e ends when its time is up: fin after FIN both ways, rst when a RST it held
 * (TCP_RST_HELD) was followed by nothing, else timeout. */
static inline enum flowrec_end conntrack_end_reason(const struct ct_entry *e)
{
	if (e->key.proto != IPPROTO_TCP)
		return FLOWREC_END_TIMEOUT;
	if (tcpstate_fin_both(&e->tcp))
		return FLOWREC_END_FIN;
	return tcpstate_rst_held(&e->tcp) ? FLOWREC_END_RST : FLOWREC_END_TIMEOUT;
}

/* The direction of a packet that came from endpoint side of e's key. */
static inline enum tcp_dir conntrack_dir(const struct ct_entry *e, unsigned side)
{
	return side == e->orig_side ? TCP_ORIG : TCP_REPLY;
}

#endif
