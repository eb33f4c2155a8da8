/* Neighbours learned by ARP, per zone, and the few packets held for a next hop whose
 * MAC (or, in a zone with several ports, whose port) is not known yet. One worker's
 * table (rte_hash, no locks); static neighbours from the policy live in the tables and
 * are asked first for the MAC. */
#ifndef BUNRI_NEIGH_H
#define BUNRI_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct rte_mbuf;

#define NEIGH_HOLD_MAX 4             /* packets held per unresolved neighbour */
#define NEIGH_HOLD_MS 3000           /* how long they wait for an ARP reply */
#define NEIGH_RETRY_MS 1000          /* between ARP requests while packets wait */
/* A learned MAC is forgotten after this. Short, so that a next hop that died or was
 * replaced behind a port whose link stays up is noticed within a minute: what is in
 * use is renewed below without a frame waiting, so only idle entries end early. */
#define NEIGH_REACHABLE_MS 60000
/* In the last NEIGH_REFRESH_MS of a learned MAC, a neighbour frames were sent to in
 * that time is asked again every NEIGH_RETRY_MS while its MAC stays in use: an answer
 * renews it without a frame waiting, silence lets it end (and ARP start afresh on
 * every port of the zone that is up). */
#define NEIGH_REFRESH_MS 30000

struct neigh_entry {
	uint32_t ip;
	uint8_t zone;
	bool resolved;
	uint8_t n_held;
	uint8_t in_use;
	uint8_t link;              /* the zone's port (0..) the neighbour answered on */
	struct rte_ether_addr mac;
	int64_t expires_ms;        /* resolved: forget after; else: drop held after */
	int64_t requested_ms;      /* last ARP request */
	int64_t used_ms;           /* resolved: last frame addressed to it */
	struct rte_mbuf *held[NEIGH_HOLD_MAX];
	uint8_t held_zone[NEIGH_HOLD_MAX]; /* ingress zone of each held packet */
};

struct neigh;

/* Called by neigh_sweep() for each held packet it gives up on (the callee owns m). */
typedef void (*neigh_drop_fn)(void *ctx, struct rte_mbuf *m, uint8_t ingress_zone);
/* Called by neigh_sweep() when an unresolved neighbour needs another ARP request. */
typedef void (*neigh_request_fn)(void *ctx, uint8_t zone, uint32_t ip);

/* name unique among live tables. 0 and *out, -EINVAL, -ENOMEM, or rte_hash's error. */
int neigh_create(const char *name, uint32_t capacity, int socket, struct neigh **out);
/* Frees the table and every packet it still holds. */
void neigh_free(struct neigh *n);

/* The entry for ip in zone (resolved or not), or NULL. */
struct neigh_entry *neigh_lookup(struct neigh *n, uint8_t zone, uint32_t ip);
/* Records ip's MAC in zone, heard on the zone's port `link`, as of now. Returns the
 * entry (its held packets are now the caller's to send: it must take them and set
 * n_held to 0), or NULL when the table is full. */
struct neigh_entry *neigh_learn(struct neigh *n, uint8_t zone, uint8_t link, uint32_t ip,
				const struct rte_ether_addr *mac, int64_t now);
/* Whether neigh_hold() would take a packet for (zone, ip) now: 0, -ENOSPC (its queue is
 * full) or -ENOMEM (no room for the neighbour). Changes nothing. */
int neigh_hold_room(struct neigh *n, uint8_t zone, uint32_t ip);
/* Holds m until ip in zone resolves. 0 (held; *request true when the caller should
 * send an ARP request now), -ENOSPC (too many packets wait already), -ENOMEM (table
 * full). On error m stays the caller's. */
int neigh_hold(struct neigh *n, uint8_t zone, uint32_t ip, struct rte_mbuf *m,
	       uint8_t ingress_zone, int64_t now, bool *request);
/* Gives up on held packets past NEIGH_HOLD_MS, asks for retries, asks again for
 * neighbours in use near their end (NEIGH_REFRESH_MS), forgets stale entries. Returns
 * the number of packets dropped. */
unsigned neigh_sweep(struct neigh *n, int64_t now, neigh_drop_fn drop,
		     neigh_request_fn request, void *ctx);
uint32_t neigh_count(const struct neigh *n);
/* Whether a neighbour nobody asked for (a host's own ARP) may take a new entry: the
 * last quarter of the table is kept for the next hops frames wait for, so hosts that
 * flood ARP from many addresses cannot crowd them out. */
bool neigh_room_unasked(const struct neigh *n);
/* Copies up to cap of the table's entries (learned and waiting) into out: how many. */
uint32_t neigh_copy(const struct neigh *n, struct neigh_entry *out, uint32_t cap);

#endif
