/* ARP on each zone's link: answering requests for the appliance's own address in that
 * zone, telling the pipeline which neighbours to learn, and building the requests that
 * resolve a next hop. ARP never crosses zones. */
#ifndef BUNRI_ARP_H
#define BUNRI_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "counters.h"
#include "tables.h"

struct rte_mbuf;
struct rte_mempool;

/* The appliance announces its own address, when another device claims it, at most
 * this often per zone (RFC 5227's DEFEND_INTERVAL). */
#define ARP_DEFEND_MS 10000

struct arp_result {
	bool reply;                  /* m was turned into a reply: send it out of the zone */
	bool learn;                  /* sender_ip is at sender_mac */
	bool update_only;            /* gratuitous: only if sender_ip is known already */
	uint32_t sender_ip;          /* host byte order */
	uint32_t target_ip;
	struct rte_ether_addr sender_mac;
};

/* Handles an ARP frame that arrived on zone z (L2 already checked, no tag). Returns
 * REASON_ARP with res filled when the appliance handles it (answered or learned, or a
 * gratuitous ARP that may update a known neighbour: res->update_only), or a drop
 * flagged in *drop: REASON_MALFORMED, REASON_ARP when it is not ours, or
 * REASON_ADDR_CONFLICT when another MAC claims the zone's address (res has the sender
 * and target). */
enum reason arp_input(struct rte_mbuf *m, uint8_t zone, const struct tables *t,
		      struct arp_result *res, bool *drop);

/* A broadcast who-has target from zone z's address, VLAN-tagged as the zone is, or
 * NULL when the pool is empty. */
struct rte_mbuf *arp_request(struct rte_mempool *mp, const struct tables_zone *z,
			     uint32_t target);

#endif
