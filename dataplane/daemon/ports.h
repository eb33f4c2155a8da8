/* The DPDK ports of bunri-dataplane: each zone's ports found by name (PCI address or
 * vdev name), configured with one RX and one TX queue per worker (symmetric RSS where
 * the device offers it, or an AF_PACKET port's kernel fanout hash, so both directions
 * of a connection reach one worker), started in promiscuous mode, and stopped at
 * shutdown. */
#ifndef BUNRI_PORTS_H
#define BUNRI_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "cpolicy.h"

#define PORTS_MAX (ZONE_COUNT * CP_PORTS_MAX)

struct rte_mempool;

#define PORTS_SOCKETS_MAX 64

struct ports_port {
	uint16_t id;
	uint8_t zone;
	uint8_t link;                 /* its place among the zone's ports (0..) */
	char name[CP_PORT_NAME_MAX];
	/* A net_af_packet port's kernel sockets (one per queue) and the frames the kernel
	 * dropped on them because their rings were full: DPDK 22.11's PMD counts neither
	 * in imissed, so ports_count_drops() reads them from the kernel. */
	unsigned n_sockets;
	int sockets[PORTS_SOCKETS_MAX];
	uint64_t socket_drops;
};

struct ports {
	unsigned n;
	struct ports_port port[PORTS_MAX];
	/* The port id of each zone's link; UINT16_MAX: none. */
	uint16_t zone_port[ZONE_COUNT][CP_PORTS_MAX];
	struct rte_ether_addr zone_mac[ZONE_COUNT];
	uint16_t n_queues;
	bool rss;
	struct rte_mempool *pool;
	/* Nonzero while a zone's link is down, as ports_watch_links() last saw it; the
	 * workers read it (a neighbour behind a port that went down is looked for on the
	 * zone's other ports). */
	uint8_t link_down[ZONE_COUNT][CP_PORTS_MAX];
	uint64_t link_changes;        /* link state changes seen since start */
};

/* Finds, configures and starts the ports the zones of cp name, with n_workers queue
 * pairs each and a pool of n_mbufs. 0, or -errno with a sentence in err (a port that
 * does not exist, has too few queues, or fails to start). */
int ports_open(struct ports *p, const struct cpolicy *cp, unsigned n_workers,
	       unsigned n_mbufs, char *err, size_t errlen);
/* Stops and closes every port, then frees the pool. */
void ports_close(struct ports *p);
/* Adds what the kernel dropped on each net_af_packet port's sockets since the last
 * call to the port's socket_drops (reading the kernel's count resets it). The control
 * thread calls it with ports_watch_links(). */
void ports_count_drops(struct ports *p);
/* Stops the ports (no more RX or TX) without closing them. */
void ports_stop(struct ports *p);
/* Reads every port's link state (without waiting) into link_down, and says on stderr
 * when one goes down or comes back. The control thread calls it about every 100 ms. */
void ports_watch_links(struct ports *p);

#endif
