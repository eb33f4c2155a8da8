#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "neigh.h"
#include "worker.h"

#define WORKER_LOG(level, ...) RTE_LOG(level, USER1, "worker: " __VA_ARGS__)

#define IDLE_POLLS 512      /* empty polls in a row before a nap */
#define IDLE_NAP_US 50
#define TX_RETRIES 16

_Static_assert(sizeof(struct flowrec) % 4 == 0, "ring elements are multiples of 4 bytes");

/* Runs on the worker: a full ring loses the record, and says so in a counter. */
static void record_emit(void *ctx, const struct flowrec *r)
{
	struct worker *w = ctx;
	struct flowrec copy = *r; /* the ring's API takes a non-const object */

	if (rte_ring_sp_enqueue_elem(w->records, &copy, sizeof(copy)) != 0)
		w->records_lost++;
}

/* A neighbour one worker learned, for the others. */
struct neigh_msg {
	uint32_t ip;
	uint8_t zone;
	uint8_t link;
	struct rte_ether_addr mac;
	uint8_t update_only;     /* from a gratuitous ARP: only a neighbour known already */
	uint8_t pad2[3];
};
_Static_assert(sizeof(struct neigh_msg) == 16, "ring elements are multiples of 4 bytes");

#define NEIGH_RING 1024
#define NEIGH_BURST 32

/* Runs on the worker that saw the ARP reply: tells every other worker. */
static void neigh_share(void *ctx, uint8_t zone, uint8_t link, uint32_t ip,
			const struct rte_ether_addr *mac, bool update_only)
{
	struct worker *w = ctx;
	struct neigh_msg m = { .ip = ip, .zone = zone, .link = link, .mac = *mac,
			       .update_only = update_only };

	for (unsigned i = 0; i < w->n_peers; i++) {
		struct worker *peer = &w->peers[i];

		if (peer != w && rte_ring_mp_enqueue_elem(peer->neigh_in, &m, sizeof(m)) != 0)
			w->neigh_lost++;
	}
}

static void flush_tx(struct worker *w, uint16_t queue);

/* Learns what the other workers shared since the last loop. */
static void neigh_receive(struct worker *w, int64_t now, uint16_t queue)
{
	struct neigh_msg m[NEIGH_BURST];
	unsigned n = rte_ring_sc_dequeue_burst_elem(w->neigh_in, m, sizeof(m[0]), NEIGH_BURST,
						   NULL);

	for (unsigned i = 0; i < n; i++)
		pipeline_neigh_learn(w->pipe, m[i].zone, m[i].link, m[i].ip, &m[i].mac,
				     m[i].update_only != 0, now);
	if (n > 0)
		flush_tx(w, queue);
}

void worker_set_peers(struct worker *w, struct worker *all, unsigned n)
{
	w->peers = all;
	w->n_peers = n;
}

int worker_init(struct worker *w, unsigned index, unsigned lcore, const struct ports *ports,
		struct tables *const *slot, const struct flowname *names,
		struct rte_rcu_qsbr *qs, const volatile bool *stop, uint32_t conn_capacity,
		uint32_t ring_size, const struct appliance_logging *logging)
{
	struct pipeline_conf pc = { 0 };
	struct timespec ts;
	char ring_name[RTE_RING_NAMESIZE];
	int ret;

	memset(w, 0, sizeof(*w));
	w->index = index;
	w->lcore = lcore;
	w->ports = ports;
	w->qs = qs;
	w->stop = stop;
	snprintf(w->name, sizeof(w->name), "w%u", index);
	snprintf(ring_name, sizeof(ring_name), "bunri_rec%u", index);
	w->records = rte_ring_create_elem(ring_name, sizeof(struct flowrec), ring_size,
					  (int)rte_lcore_to_socket_id(lcore),
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->records == NULL) {
		ret = -rte_errno;
		goto err_ring;
	}
	snprintf(ring_name, sizeof(ring_name), "bunri_nb%u", index);
	w->neigh_in = rte_ring_create_elem(ring_name, sizeof(struct neigh_msg), NEIGH_RING,
					   (int)rte_lcore_to_socket_id(lcore), RING_F_SC_DEQ);
	if (w->neigh_in == NULL) {
		ret = -rte_errno;
		goto err_nring;
	}
	pc.name = w->name;
	pc.worker = index;
	pc.tables = slot;
	pc.pool = ports->pool;
	pc.sink.emit = record_emit;
	pc.sink.ctx = w;
	pc.names = names;
	pc.conn_capacity = conn_capacity;
	pc.deny_rate = logging->deny_rate;
	pc.deny_interval_ms = (int64_t)logging->deny_interval * 1000;
	pc.socket = (int)rte_lcore_to_socket_id(lcore);
	pc.neigh_learned = neigh_share;
	pc.neigh_ctx = w;
	pc.link_down = (const uint8_t (*)[PIPELINE_LINKS_MAX])ports->link_down;
	ret = pipeline_create(&pc, &w->pipe);
	if (ret != 0)
		goto err_pipe;
	/* Registered before launch, so no install can miss this worker. */
	ret = rte_rcu_qsbr_thread_register(qs, index);
	if (ret != 0)
		goto err_rcu;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->clock_base_tsc = rte_rdtsc();
	w->clock_base_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	w->tsc_hz = rte_get_tsc_hz();
	return 0;

err_rcu:
	pipeline_free(w->pipe);
	w->pipe = NULL;
err_pipe:
	rte_ring_free(w->neigh_in);
	w->neigh_in = NULL;
err_nring:
	rte_ring_free(w->records);
	w->records = NULL;
err_ring:
	WORKER_LOG(ERR, "worker %u: %s\n", index, rte_strerror(-ret));
	return ret;
}

void worker_fini(struct worker *w)
{
	if (w->pipe != NULL)
		(void)rte_rcu_qsbr_thread_unregister(w->qs, w->index);
	pipeline_free(w->pipe);
	w->pipe = NULL;
	rte_ring_free(w->records);
	w->records = NULL;
	rte_ring_free(w->neigh_in);
	w->neigh_in = NULL;
}

int64_t worker_now(const struct worker *w)
{
	uint64_t d = rte_rdtsc() - w->clock_base_tsc;

	return w->clock_base_ms + (int64_t)(d / w->tsc_hz * 1000 +
					    d % w->tsc_hz * 1000 / w->tsc_hz);
}

/* Sends what the pipeline queued; what the port refuses after a few tries is freed
 * and counted. */
static void flush_tx(struct worker *w, uint16_t queue)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++) {
			struct pipeline_tx *tx = pipeline_tx(w->pipe, (uint8_t)z, (uint8_t)l);
			uint16_t sent = 0, port = w->ports->zone_port[z][l];

			if (tx->n == 0)
				continue;
			if (port != UINT16_MAX) {
				for (unsigned t = 0; t < TX_RETRIES && sent < tx->n; t++)
					sent += rte_eth_tx_burst(port, queue, tx->pkts + sent,
								 tx->n - sent);
			}
			if (sent < tx->n) {
				w->tx_dropped += tx->n - sent;
				rte_pktmbuf_free_bulk(tx->pkts + sent, tx->n - sent);
			}
			tx->n = 0;
		}
	}
}

/* Answers the control side's request for the live connections or the neighbours: the
 * tables are this worker's, so only this worker reads them. */
static void snapshot(struct worker *w)
{
	uint32_t n = 0;

	if (w->snap_what == WORKER_SNAP_NEIGHBORS) {
		n = neigh_copy(pipeline_neigh(w->pipe), w->snap, w->snap_cap);
	} else {
		struct conntrack *ct = pipeline_conntrack(w->pipe);
		struct ct_entry *e, *out = w->snap;
		uint32_t cursor = 0;

		while (n < w->snap_cap && conntrack_iterate(ct, &cursor, &e) == 1)
			out[n++] = *e;
	}
	w->snap_n = n;
	__atomic_store_n(&w->snap_state, 2, __ATOMIC_RELEASE);
}

int worker_snapshot(struct worker *w, enum worker_snap what, void *buf, uint32_t cap,
		    unsigned timeout_ms)
{
	struct timespec nap = { 0, 1000000 };

	for (unsigned i = 0; i < timeout_ms; i++) {
		uint32_t state = __atomic_load_n(&w->snap_state, __ATOMIC_ACQUIRE);

		if (state == 0) {
			w->snap_what = what;
			w->snap = buf;
			w->snap_cap = cap;
			__atomic_store_n(&w->snap_state, 1, __ATOMIC_RELEASE);
		} else if (state == 2) {
			__atomic_store_n(&w->snap_state, 0, __ATOMIC_RELEASE);
			if (w->snap_what == (uint32_t)what && w->snap == buf)
				return (int)w->snap_n;
			continue; /* an earlier request that timed out: now ask ours */
		}
		nanosleep(&nap, NULL);
	}
	return -ETIMEDOUT;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	const struct ports *ps = w->ports;
	struct rte_mbuf *pkts[PIPELINE_BURST_MAX];
	uint16_t queue = (uint16_t)w->index;
	int64_t now = worker_now(w), last_sweep = now, last_step = now;
	uint64_t slots = (uint64_t)conntrack_capacity(pipeline_conntrack(w->pipe)) + 1;
	uint32_t step = (uint32_t)RTE_MAX(slots / WORKER_SWEEP_PASS_MS + 1,
					  (uint64_t)WORKER_SWEEP_MIN);
	unsigned idle = 0;

	rte_rcu_qsbr_thread_online(w->qs, w->index);
	while (!*w->stop) {
		unsigned got = 0;

		/* Between two bursts this worker holds no table pointer. */
		rte_rcu_qsbr_quiescent(w->qs, w->index);
		now = worker_now(w);
		for (unsigned i = 0; i < ps->n; i++) {
			uint16_t n = rte_eth_rx_burst(ps->port[i].id, queue, pkts,
						      PIPELINE_BURST_MAX);

			if (n == 0)
				continue;
			got += n;
			pipeline_rx(w->pipe, ps->port[i].zone, ps->port[i].link, pkts, n, now,
				    NULL);
			flush_tx(w, queue);
		}
		neigh_receive(w, now, queue);
		if (now != last_step) {
			/* one step per millisecond, however many were missed */
			pipeline_sweep_connections(w->pipe, now, step);
			last_step = now;
		}
		if (now - last_sweep >= WORKER_SWEEP_MS) {
			pipeline_sweep(w->pipe, now, 0); /* ARP requests, deny intervals */
			flush_tx(w, queue);
			last_sweep = now;
		}
		if (unlikely(__atomic_load_n(&w->snap_state, __ATOMIC_ACQUIRE) == 1))
			snapshot(w);
		w->loops++;
		if (got > 0) {
			idle = 0;
		} else if (w->idle_sleep && ++idle >= IDLE_POLLS) {
			rte_rcu_qsbr_thread_offline(w->qs, w->index);
			rte_delay_us_sleep(IDLE_NAP_US);
			rte_rcu_qsbr_thread_online(w->qs, w->index);
		}
	}
	now = worker_now(w);
	pipeline_shutdown(w->pipe, now);
	/* The ports are stopped: what shutdown queued is freed, not sent. */
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++) {
			struct pipeline_tx *tx = pipeline_tx(w->pipe, (uint8_t)z, (uint8_t)l);

			rte_pktmbuf_free_bulk(tx->pkts, tx->n);
			tx->n = 0;
		}
	}
	rte_rcu_qsbr_thread_offline(w->qs, w->index);
	return 0;
}
