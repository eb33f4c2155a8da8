/* The pipeline test fixture shared by test_pipeline and test_neighbors: tables built
 * from tests/pcap/common/{appliance,policy}.cfg, a pipeline on real mbufs from a pool
 * of 2047, and the frames the tests feed it (from the routers of the pcap cases). */
#ifndef BUNRI_TEST_PIPELINE_FIXTURE_H
#define BUNRI_TEST_PIPELINE_FIXTURE_H

#include <stdint.h>

#include <rte_ether.h>

#include "flowname.h"
#include "pipeline.h"
#include "tables.h"
#include "zone.h"

#define T0_MS 1780272000000LL /* 2026-06-01 09:00 JST */
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define ATENA IP4(10, 10, 2, 10)
#define CHUKAN IP4(10, 20, 5, 10)
#define PC2 IP4(10, 20, 16, 6)
#define VB IP4(172, 16, 20, 10)

extern const struct rte_ether_addr port_mac[ZONE_COUNT];   /* the appliance's ports */
extern const struct rte_ether_addr router_mac[ZONE_COUNT]; /* the router behind each */
extern struct rte_mempool *pool;
extern uint32_t fixture_neigh_capacity; /* for the next fixture_up*(); 0: the default */
extern struct flowname *names;

/* The EAL (512 MB, no hugepages), the pool and the flow names. 0 or -1. */
int pipeline_fixture_start(const char *name);
void pipeline_fixture_stop(void);

struct fixture {
	struct tables *t;
	struct pipeline *p;
};

/* The tables of appliance.cfg `cfg_path` (NULL: tests/pcap/common's) and the common
 * policy, as of now_ms. */
struct tables *build_tables_cfg(const char *cfg_path, int64_t now_ms, uint64_t generation);
struct tables *build_tables(int64_t now_ms, uint64_t generation);
/* A pipeline on those tables (link_down: NULL, every link up). */
void fixture_up_cfg_links(struct fixture *f, uint32_t conn_capacity, const char *cfg,
			  const uint8_t (*link_down)[PIPELINE_LINKS_MAX]);
void fixture_up_cfg(struct fixture *f, uint32_t conn_capacity, const char *cfg);
void fixture_up(struct fixture *f, uint32_t conn_capacity);
/* The common appliance.cfg with zone on two ports (its own and net_null3). */
void fixture_two_ports(struct fixture *f, uint8_t zone,
		       const uint8_t (*link_down)[PIPELINE_LINKS_MAX]);
/* Frees what the TX buffers hold, the pipeline and the tables, and checks that every
 * mbuf came back to the pool. */
void fixture_down(struct fixture *f);

/* An IPv4 frame to zone's port from its router; l4 is the L4 header and payload. */
struct rte_mbuf *ip_frame(uint8_t zone, uint32_t src, uint32_t dst, uint8_t proto,
			  const void *l4, uint16_t l4_len);
struct rte_mbuf *udp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport);
struct rte_mbuf *tcp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack);
/* An ARP reply from ip at mac to the appliance's address `to` in zone. */
struct rte_mbuf *arp_reply(uint8_t zone, uint32_t ip, const struct rte_ether_addr *mac,
			   uint32_t to);

/* The lgwan router (10.20.0.254) answers the appliance's ARP on lgwan's port `link`:
 * what the pipeline made of the reply. */
struct pipeline_verdict lgwan_router_answers(struct fixture *f, uint8_t link, int64_t now);
/* A SYN of a new connection MN-LG-001 allows, towards lgwan's learned router: its
 * verdict and reason. */
struct pipeline_verdict syn_to_lgwan(struct fixture *f, uint16_t sport, int64_t now);
/* Takes the frames waiting on zone's port `link`: how many, and whether each is ARP. */
unsigned take_tx(struct fixture *f, uint8_t zone, uint8_t link, unsigned *arp);

#endif
