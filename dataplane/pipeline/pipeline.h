/* The packet pipeline: what happens to every frame that enters a zone's port, from L2
 * checks to the frame that leaves another zone's port. One pipeline per worker lcore;
 * it reads the policy's tables through one published pointer, owns its connection,
 * neighbour and deny tables, and never reads a clock: every call takes `now`. The
 * daemon and bunri-replay drive the very same functions. */
#ifndef BUNRI_PIPELINE_H
#define BUNRI_PIPELINE_H

#include <stdint.h>

#include <rte_ether.h>

#include "counters.h"
#include "flowname.h"
#include "flowrec.h"
#include "tables.h"

struct rte_mbuf;
struct rte_mempool;
struct conntrack;

#define PIPELINE_BURST_MAX 64
#define PIPELINE_TX_MAX 512

#define PIPELINE_LINKS_MAX CP_PORTS_MAX /* ports per zone; a zone's port is a link 0.. */

struct pipeline_conf {
	const char *name;            /* prefix of this worker's DPDK object names */
	unsigned worker;             /* index into the tables' per-worker rule counters */
	struct tables *const *tables; /* the published tables pointer (acquire-loaded) */
	struct rte_mempool *pool;    /* for ARP requests */
	struct flowrec_sink sink;    /* flow and deny records */
	const struct flowname *names;
	uint32_t conn_capacity;      /* 0: 65536 */
	uint32_t neigh_capacity;     /* 0: 4096 */
	uint32_t deny_capacity;      /* 0: 4096 (tuples, and sources, per interval) */
	int64_t deny_interval_ms;    /* 0: DENY_INTERVAL_MS */
	uint32_t deny_rate;          /* tuple records per source and interval; 0: DENY_RATE */
	int socket;
	/* Called when this pipeline learns a neighbour from ARP (update_only: from a
	 * gratuitous ARP, which only updates a neighbour already known). ARP replies reach
	 * whichever worker the NIC's hash picks, not the one that asked: the caller
	 * passes them on to the other workers (pipeline_neigh_learn). NULL: one worker. */
	void (*neigh_learned)(void *ctx, uint8_t zone, uint8_t link, uint32_t ip,
			      const struct rte_ether_addr *mac, bool update_only);
	void *neigh_ctx;
	/* Per zone and port: nonzero while the port's link is down (the control thread
	 * writes it, the workers read it). A neighbour behind a port that went down is
	 * asked for again on the zone's ports that are up, and ARP asks only on those.
	 * NULL: every link is up. */
	const uint8_t (*link_down)[PIPELINE_LINKS_MAX];
};

/* What happened to one received frame. */
struct pipeline_verdict {
	uint8_t verdict;   /* enum verdict */
	uint8_t reason;    /* enum reason */
	uint8_t to;        /* egress zone, ZONE_NONE unless forwarded */
	uint16_t flow;     /* flowname number, FLOWNAME_NONE unless forwarded */
};

/* Frames waiting to leave one zone's port. The caller transmits pkts[0..n), frees what
 * the port did not take, and sets n to 0, after every pipeline call. */
struct pipeline_tx {
	uint16_t n;
	struct rte_mbuf *pkts[PIPELINE_TX_MAX];
};

struct pipeline;

/* 0 and *out, -EINVAL, -ENOMEM, or a DPDK error. */
int pipeline_create(const struct pipeline_conf *conf, struct pipeline **out);
/* Frees the pipeline, held and unsent frames included, without emitting records (see
 * pipeline_shutdown()). */
void pipeline_free(struct pipeline *p);

/* Processes n <= PIPELINE_BURST_MAX frames that arrived on zone's port `link` at now
 * (Unix ms). Takes ownership of every mbuf: each is sent (queued in a TX buffer), held for
 * ARP, or freed. v[i] (when v is not NULL) gets frame i's verdict. */
void pipeline_rx(struct pipeline *p, uint8_t zone, uint8_t link, struct rte_mbuf **pkts,
		 uint16_t n, int64_t now, struct pipeline_verdict *v);
/* Learns a neighbour another worker saw by ARP (update_only: only if this worker knows
 * it, or has frames waiting for it), and queues the frames that waited for it (the
 * caller transmits them, as after pipeline_rx). */
void pipeline_neigh_learn(struct pipeline *p, uint8_t zone, uint8_t link, uint32_t ip,
			  const struct rte_ether_addr *mac, bool update_only, int64_t now);
/* Housekeeping at now: ends expired and revoked connections (visiting at most budget
 * connection slots, see conntrack_sweep()), gives up on unanswered ARP, closes deny
 * intervals. */
void pipeline_sweep(struct pipeline *p, int64_t now, uint32_t budget);
/* Only the connections' part of pipeline_sweep(): cheap enough to run every
 * millisecond in small steps, so no single step holds up the receive queues. */
void pipeline_sweep_connections(struct pipeline *p, int64_t now, uint32_t budget);
/* Ends every connection (reason shutdown), drops held frames, emits pending denies. */
void pipeline_shutdown(struct pipeline *p, int64_t now);

/* The frames queued for the zone's port `link` (its place in the zone's port list). */
struct pipeline_tx *pipeline_tx(struct pipeline *p, uint8_t zone, uint8_t link);
const struct counters *pipeline_counters(const struct pipeline *p);
struct conntrack *pipeline_conntrack(struct pipeline *p);
struct neigh *pipeline_neigh(struct pipeline *p);
/* The longest timeout of the current tables, in ms: after it every connection ends. */
int64_t pipeline_max_idle_ms(const struct pipeline *p);

#endif
