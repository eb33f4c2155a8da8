#include <errno.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "eth.h"

#define ETHER_TYPE_QINQ_OLD 0x9100 /* pre-802.1ad service tag, still seen in the wild */

enum reason eth_ingress(struct rte_mbuf *m, const struct tables_zone *z,
			uint16_t *ethertype, bool *broadcast)
{
	const struct rte_ether_hdr *eh;
	uint16_t type;

	/* The headers we read must be in the first segment. */
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)))
		return REASON_MALFORMED;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* A group address is never a sender's: such a frame is forged, and an answer to
	 * it would reach every host on the segment. */
	if (unlikely(!rte_is_unicast_ether_addr(&eh->src_addr)))
		return REASON_MALFORMED;
	*broadcast = rte_is_broadcast_ether_addr(&eh->dst_addr);
	/* Unicast to another host or multicast: not ours to route. */
	if (unlikely(!*broadcast && !rte_is_same_ether_addr(&eh->dst_addr, &z->mac)))
		return REASON_NOT_FOR_US;
	type = rte_be_to_cpu_16(eh->ether_type);

	if (type == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh;

		if (unlikely(rte_pktmbuf_data_len(m) <
			     sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr)))
			return REASON_MALFORMED;
		vh = (const struct rte_vlan_hdr *)(eh + 1);
		/* Only the zone's own VLAN, and never a second tag inside it. */
		if (unlikely(z->vlan == 0 ||
			     (rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff) != z->vlan))
			return REASON_VLAN;
		type = rte_be_to_cpu_16(vh->eth_proto);
		if (unlikely(type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
			     type == ETHER_TYPE_QINQ_OLD))
			return REASON_VLAN;
		if (unlikely(rte_vlan_strip(m) != 0))
			return REASON_MALFORMED;
		m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	} else if (unlikely(type == RTE_ETHER_TYPE_QINQ || type == ETHER_TYPE_QINQ_OLD)) {
		return REASON_VLAN;
	} else if (unlikely(z->vlan != 0)) {
		return REASON_VLAN; /* the zone's port carries only tagged frames */
	}
	*ethertype = type;
	return REASON_NONE;
}

int eth_egress(struct rte_mbuf **m, const struct tables_zone *z,
	       const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(*m, struct rte_ether_hdr *);

	eh->src_addr = z->mac;
	eh->dst_addr = *dst;
	if (z->vlan == 0)
		return 0;
	if (rte_pktmbuf_headroom(*m) < sizeof(struct rte_vlan_hdr))
		return -ENOMEM;
	(*m)->vlan_tci = z->vlan;
	return rte_vlan_insert(m) == 0 ? 0 : -ENOMEM;
}
