/* A worker lcore of bunri-dataplane: polls its own RX queue of every port, runs its own
 * pipeline (connection table included), transmits on its own TX queues, sweeps, and
 * reports quiescence to the RCU variable the control side waits on before it frees
 * retired tables. Flow and deny records leave through a single-producer ring. Nothing
 * here takes a lock; the control side talks to a worker through its ring and a
 * one-slot mailbox. */
#ifndef BUNRI_WORKER_H
#define BUNRI_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "conntrack.h"
#include "pipeline.h"
#include "policy.h"
#include "ports.h"

struct rte_rcu_qsbr;
struct rte_ring;

/* Every millisecond the sweep visits enough connection slots to pass the whole table
 * every WORKER_SWEEP_PASS_MS, so revocations and timeouts reach every connection within
 * a second however large the table (at least WORKER_SWEEP_MIN slots a step). Small
 * steps: a step over 1M connections after a reload, each one checked against the new
 * rules, must not hold the receive queues for long. Neighbours and deny intervals are
 * swept every WORKER_SWEEP_MS. */
#define WORKER_SWEEP_MS 10
#define WORKER_SWEEP_PASS_MS 800
#define WORKER_SWEEP_MIN 256

struct worker {
	unsigned index;               /* RCU thread id, per-worker rule counters, queue id */
	unsigned lcore;
	struct pipeline *pipe;
	struct rte_ring *records;     /* struct flowrec elements, worker -> control */
	struct rte_ring *neigh_in;    /* neighbours the other workers learned (MP, SC) */
	struct worker *peers;         /* every worker, this one included */
	unsigned n_peers;
	const struct ports *ports;
	struct rte_rcu_qsbr *qs;
	const volatile bool *stop;
	int64_t clock_base_ms;        /* Unix ms at clock_base_tsc */
	uint64_t clock_base_tsc;
	uint64_t tsc_hz;
	bool idle_sleep;              /* nap when no packet arrives (shared CPUs, tests) */

	/* written only by the worker, read by the control side for status */
	uint64_t records_lost;        /* the ring was full */
	uint64_t neigh_lost;          /* a peer's neighbour ring was full (it will ARP) */
	uint64_t tx_dropped;          /* the port did not take them */
	uint64_t loops;

	/* mailbox: control sets snap_what, snap, snap_cap and state 1; the worker fills
	 * snap and sets snap_n and state 2 */
	uint32_t snap_state;
	uint32_t snap_what;           /* enum worker_snap */
	void *snap;
	uint32_t snap_cap;
	uint32_t snap_n;
	char name[32];
} __rte_cache_aligned;

/* Creates the worker's pipeline and record ring; the worker reads tables through slot.
 * 0 or -errno / a DPDK error. */
int worker_init(struct worker *w, unsigned index, unsigned lcore, const struct ports *ports,
		struct tables *const *slot, const struct flowname *names,
		struct rte_rcu_qsbr *qs, const volatile bool *stop, uint32_t conn_capacity,
		uint32_t ring_size, const struct appliance_logging *logging);
void worker_fini(struct worker *w);
/* Before launch: the workers that learn neighbours from each other's ARP. */
void worker_set_peers(struct worker *w, struct worker *all, unsigned n);

/* The lcore entry point (rte_eal_remote_launch): runs until *stop, then ends every
 * connection (reason shutdown) so their records reach the ring. Returns 0. */
int worker_main(void *arg);

/* Unix time in ms from the TSC, as workers see it. */
int64_t worker_now(const struct worker *w);

/* What worker_snapshot() copies: live connections (struct ct_entry) or the neighbour
 * table (struct neigh_entry). */
enum worker_snap { WORKER_SNAP_CONNECTIONS, WORKER_SNAP_NEIGHBORS };

/* Control side: copies up to cap entries of the worker's table `what` into buf, done
 * by the worker itself between bursts. The count, or -ETIMEDOUT when the worker did not
 * answer within timeout_ms (buf stays the worker's until it does: keep it allocated). */
int worker_snapshot(struct worker *w, enum worker_snap what, void *buf, uint32_t cap,
		    unsigned timeout_ms);

#endif
