#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "arp.h"
#include "eth.h"
#include "ipv4.h"

#define ARP_OFF sizeof(struct rte_ether_hdr)
#define ARP_FRAME_LEN 60 /* minimum Ethernet frame without FCS */

enum reason arp_input(struct rte_mbuf *m, uint8_t zone, const struct tables *t,
		      struct arp_result *res, bool *drop)
{
	const struct tables_zone *z = &t->zone[zone];
	struct rte_arp_hdr *ah;
	uint32_t sip, tip;
	uint16_t op;
	bool on_link, gratuitous;

	memset(res, 0, sizeof(*res));
	*drop = true;
	if (unlikely(rte_pktmbuf_data_len(m) < ARP_OFF + sizeof(*ah)))
		return REASON_MALFORMED;
	ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, ARP_OFF);
	/* Only Ethernet/IPv4 ARP exists on these links. */
	if (unlikely(ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		     ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		     ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4))
		return REASON_MALFORMED;
	op = rte_be_to_cpu_16(ah->arp_opcode);
	if (unlikely(op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		return REASON_MALFORMED;
	sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	res->sender_ip = sip;
	res->target_ip = tip;
	res->sender_mac = ah->arp_data.arp_sha;

	/* Another device claiming the appliance's address in this zone, whatever it asks:
	 * a misconfigured host, or someone impersonating the zone's gateway to read its
	 * traffic. Hosts that believe it lose their way out; the appliance says so. */
	if (unlikely(z->address != 0 && sip == z->address &&
		     !rte_is_same_ether_addr(&ah->arp_data.arp_sha, &z->mac)))
		return REASON_ADDR_CONFLICT;

	/* A neighbour announcing itself (gratuitous ARP: its own address as sender and
	 * target, request or reply) updates what is already known of it: a replaced NIC's
	 * MAC, or a host that moved to another of the zone's ports. It teaches nothing new
	 * and is never answered. */
	gratuitous = sip == tip && sip != 0;
	/* Not about the appliance's own address here: someone else's business. */
	if (z->address == 0 || (tip != z->address && !gratuitous))
		return REASON_ARP;
	/* A sender claiming our address, or none, or a multicast or all-zero MAC, teaches
	 * nothing (and is not answered: the answer would go nowhere or everywhere). */
	if (sip == z->address || !rte_is_valid_assigned_ether_addr(&ah->arp_data.arp_sha))
		return REASON_ARP;
	on_link = sip != 0 && (sip & z->mask) == z->net &&
		!ipv4_is_subnet_edge(sip, z->net, z->mask);
	/* Static neighbours from the config win over anything ARP says about the MAC; in a
	 * zone with several ports ARP still says which port one is behind. */
	if (on_link && (z->n_links > 1 || tables_neighbor(t, zone, sip) == NULL)) {
		res->learn = true;
		res->update_only = gratuitous;
	}
	if (gratuitous) {
		*drop = !res->learn;
		return REASON_ARP;
	}
	if (op == RTE_ARP_OP_REQUEST) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		/* Answer in place: the requester becomes the target. */
		ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		ah->arp_data.arp_tha = ah->arp_data.arp_sha;
		ah->arp_data.arp_tip = ah->arp_data.arp_sip;
		ah->arp_data.arp_sha = z->mac;
		ah->arp_data.arp_sip = rte_cpu_to_be_32(z->address);
		eh->dst_addr = ah->arp_data.arp_tha;
		res->reply = true;
	}
	*drop = false;
	return REASON_ARP;
}

struct rte_mbuf *arp_request(struct rte_mempool *mp, const struct tables_zone *z,
			     uint32_t target)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_LEN);
	if (eh == NULL)
		goto err_append;
	memset(eh, 0, ARP_FRAME_LEN);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	ah->arp_data.arp_sha = z->mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(z->address);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(target);
	if (eth_egress(&m, z, &bcast) != 0)
		goto err_append;
	return m;

err_append:
	rte_pktmbuf_free(m);
	return NULL;
}
