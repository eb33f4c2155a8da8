/* Ethernet II on a zone's port: what the appliance accepts (frames for its MAC or
 * broadcast, untagged or tagged with the zone's VLAN) and how frames leave a port. */
#ifndef BUNRI_ETH_H
#define BUNRI_ETH_H

#include <stdint.h>

#include <rte_ether.h>

#include "counters.h"
#include "tables.h"

struct rte_mbuf;

/* Checks the frame's L2 header for zone z and strips the zone's VLAN tag, so the L3
 * header follows a plain Ethernet header. REASON_NONE and *ethertype (host order), or
 * the drop reason; *broadcast tells whether the frame was sent to ff:ff:ff:ff:ff:ff. */
enum reason eth_ingress(struct rte_mbuf *m, const struct tables_zone *z,
			uint16_t *ethertype, bool *broadcast);

/* Addresses the frame from zone z's port to dst and adds z's VLAN tag. 0, or -ENOMEM
 * when the mbuf has no room for the tag (m is unchanged then). */
int eth_egress(struct rte_mbuf **m, const struct tables_zone *z,
	       const struct rte_ether_addr *dst);

#endif
