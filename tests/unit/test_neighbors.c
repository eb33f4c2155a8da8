/* Next hops and ARP: static neighbours and those ARP learns, a zone on two ports,
 * link-down failover, the refresh of next hops in use, gratuitous ARP updating a
 * neighbour already known, requests answered to the asker, and another device claiming
 * the appliance's address. The pipeline driven directly on real mbufs, against
 * tests/pcap/common/{appliance,policy}.cfg. */
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "neigh.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "arp.h"
#include "deny.h"
#include "record_sink.h"
#include "runner.h"

#define LGWAN_ROUTER IP4(10, 20, 0, 254)
#define INTERNET_ROUTER IP4(172, 16, 0, 254)

/* An ARP frame to zone's port (broadcast when bcast): op from sha/sip about tip. */
static struct rte_mbuf *arp_frame(uint8_t zone, uint16_t op, const struct rte_ether_addr *sha,
				  uint32_t sip, uint32_t tip, bool bcast)
{
	struct rte_mbuf *m = arp_reply(zone, sip, sha, tip);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	if (bcast)
		memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	ah->arp_opcode = rte_cpu_to_be_16(op);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	return m;
}

/* A gratuitous ARP (op: RTE_ARP_OP_REQUEST or _REPLY) broadcast on zone's link: ip
 * announces itself at mac. */
static struct rte_mbuf *garp(uint8_t zone, uint32_t ip, const struct rte_ether_addr *mac,
			     uint16_t op)
{
	struct rte_mbuf *m = arp_frame(zone, op, mac, ip, ip, true);
	struct rte_arp_hdr *ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
							 sizeof(struct rte_ether_hdr));

	if (op == RTE_ARP_OP_REPLY)
		ah->arp_data.arp_tha = *mac;
	return m;
}

/* What the pipeline made of frame m arriving on zone's port `link`. */
static struct pipeline_verdict rx1(struct fixture *f, uint8_t zone, uint8_t link,
				   struct rte_mbuf *m, int64_t now)
{
	struct pipeline_verdict v[1];

	pipeline_rx(f->p, zone, link, &m, 1, now, v);
	return v[0];
}

/* Takes the one frame waiting on zone's port `link`: false when there is not exactly
 * one or it is ARP; else its destination MAC in *dst. */
static bool take_one(struct fixture *f, uint8_t zone, uint8_t link, struct rte_ether_addr *dst)
{
	struct pipeline_tx *tx = pipeline_tx(f->p, zone, link);
	struct rte_ether_hdr *eh;
	bool ok = tx->n == 1;

	if (ok) {
		eh = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *);
		ok = eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		*dst = eh->dst_addr;
	}
	rte_pktmbuf_free_bulk(tx->pkts, tx->n);
	tx->n = 0;
	return ok;
}

static void static_neighbor_wins(void)
{
	static const struct rte_ether_addr liar = { .addr_bytes = { 0x52, 0x54, 0, 0x66, 0x66, 0x66 } };
	struct fixture f;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	struct rte_ether_hdr *eh;

	fixture_up(&f, 1024);
	/* Someone claims internet's static next hop by ARP. */
	b[0] = arp_reply(ZONE_INTERNET, IP4(172, 16, 0, 254), &liar, IP4(172, 16, 0, 1));
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS, v);
	b[0] = udp(ZONE_LGWAN, PC2, VB, 50001, 3389);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS + 1, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL_FATAL(pipeline_tx(f.p, ZONE_INTERNET, 0)->n, 1);
	eh = rte_pktmbuf_mtod(pipeline_tx(f.p, ZONE_INTERNET, 0)->pkts[0], struct rte_ether_hdr *);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->dst_addr, &router_mac[ZONE_INTERNET]));
	fixture_down(&f);
}

/* lgwan on two ports: the next hop is asked for on both, answers on the second, and
 * from then on frames for it leave by the second only; the appliance answers ping on
 * the port the request came in by. */
static void zone_with_two_ports(void)
{
	struct fixture f;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	uint16_t sum;

	fixture_two_ports(&f, ZONE_LGWAN, NULL);

	/* MN-LG-001: the lgwan router is unknown, so the SYN waits and ARP asks on both. */
	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 1, T0_MS, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	for (uint8_t l = 0; l < 2; l++) {
		struct pipeline_tx *tx = pipeline_tx(f.p, ZONE_LGWAN, l);

		CU_ASSERT_EQUAL_FATAL(tx->n, 1);
		eh = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *);
		CU_ASSERT_EQUAL(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
		ah = (struct rte_arp_hdr *)(eh + 1);
		CU_ASSERT_EQUAL(ah->arp_data.arp_tip, rte_cpu_to_be_32(IP4(10, 20, 0, 254)));
		rte_pktmbuf_free(tx->pkts[0]);
		tx->n = 0;
	}
	/* The router answers on the second port: the SYN leaves there. */
	v[0] = lgwan_router_answers(&f, 1, T0_MS + 1);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 0)->n, 0);
	CU_ASSERT_EQUAL_FATAL(pipeline_tx(f.p, ZONE_LGWAN, 1)->n, 1);
	eh = rte_pktmbuf_mtod(pipeline_tx(f.p, ZONE_LGWAN, 1)->pkts[0], struct rte_ether_hdr *);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->dst_addr, &router_mac[ZONE_LGWAN]));
	/* The answer comes back in by the second port; the next segment goes out by it. */
	b[0] = tcp(ZONE_LGWAN, CHUKAN, ATENA, 443, 42001, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 900, 101);
	pipeline_rx(f.p, ZONE_LGWAN, 1, b, 1, T0_MS + 2, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_REPLY);
	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_ACK_FLAG, 101, 901);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 1, T0_MS + 3, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_ESTABLISHED);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 0)->n, 0);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 1)->n, 2);
	/* ping to the appliance's lgwan address on the second port: answered there. */
	sum = rte_raw_cksum(echo, sizeof(echo));
	sum = (uint16_t)~sum;
	memcpy(&echo[2], &sum, sizeof(sum));
	b[0] = ip_frame(ZONE_LGWAN, IP4(10, 20, 5, 10), IP4(10, 20, 0, 1), IPPROTO_ICMP, echo,
			sizeof(echo));
	pipeline_rx(f.p, ZONE_LGWAN, 1, b, 1, T0_MS + 4, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_LOCAL);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 0)->n, 0);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 1)->n, 3);
	fixture_down(&f);
}

/* A learned next hop in use is asked for again in its last NEIGH_REFRESH_MS while its
 * MAC stays in use, so no frame ever waits for it; one not in use is let go, and one
 * that stops answering ends on time and is asked for afresh. */
static void neighbor_refreshed_in_use(void)
{
	const int64_t t1 = T0_MS + 1 + NEIGH_REACHABLE_MS - NEIGH_REFRESH_MS + 10000;
	struct fixture f;
	unsigned arp, n;
	int64_t end;

	fixture_up(&f, 1024);
	syn_to_lgwan(&f, 42001, T0_MS);                   /* waits; ARP asks */
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	lgwan_router_answers(&f, 0, T0_MS + 1);            /* learned until T0+1+1 min */
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 0);

	/* Before the last 30 s nothing is asked, in use or not. */
	syn_to_lgwan(&f, 42002, t1 - 20000);
	pipeline_sweep(f.p, t1 - 20000, 0);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 0);
	/* In the last 30 s, in use: a frame leaves at once and ARP asks, once a second. */
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42003, t1).verdict, VERDICT_FORWARD);
	pipeline_sweep(f.p, t1, 0);
	n = take_tx(&f, ZONE_LGWAN, 0, &arp);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(arp, 1);
	pipeline_sweep(f.p, t1 + 500, 0);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	pipeline_sweep(f.p, t1 + 1000, 0);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	/* The answer renews it: past the old end, frames still leave at once. */
	lgwan_router_answers(&f, 0, t1 + 1100);
	end = t1 + 1100 + NEIGH_REACHABLE_MS;
	pipeline_sweep(f.p, T0_MS + 1 + NEIGH_REACHABLE_MS + 500, 0);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42004, T0_MS + 1 + NEIGH_REACHABLE_MS + 500).verdict,
			VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 0);
	/* Not in use in its last 30 s: not asked for; it ends, and the next frame waits
	 * while ARP asks afresh. */
	pipeline_sweep(f.p, end - 10000, 0);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	pipeline_sweep(f.p, end, 0);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42005, end + 1).verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);                          /* the SYN waits for the answer */
	fixture_down(&f);
}

/* lgwan's router answered on port 0, then port 0's link goes down: the next frame
 * waits while ARP asks on port 1 only, and leaves by port 1 once the router answers
 * there. Port 0 coming back changes nothing until the neighbour is asked again. */
static void port_down_fails_over(void)
{
	static uint8_t link_down[ZONE_COUNT][PIPELINE_LINKS_MAX];
	struct fixture f;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	unsigned arp;

	memset(link_down, 0, sizeof(link_down));
	fixture_two_ports(&f, ZONE_LGWAN, (const uint8_t (*)[PIPELINE_LINKS_MAX])link_down);
	b[0] = udp(ZONE_LGWAN, PC2, VB, 50000, 3389);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	/* the internet router is static and internet has one port: out at once */
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_INTERNET, 0, &arp), 1);
	/* the reply goes to lgwan's router, unknown: ARP on both ports */
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 1, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_REPLY);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	v[0] = lgwan_router_answers(&f, 0, T0_MS + 2);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);   /* the held reply */
	CU_ASSERT_EQUAL(arp, 0);

	/* Port 0 goes down. */
	link_down[ZONE_LGWAN][0] = 1;
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 3, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);   /* nothing on the dead port */
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);   /* ARP there instead */
	CU_ASSERT_EQUAL(arp, 1);
	v[0] = lgwan_router_answers(&f, 1, T0_MS + 4);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);   /* the held frame, by port 1 */
	CU_ASSERT_EQUAL(arp, 0);
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 5, v);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);
	CU_ASSERT_EQUAL(arp, 0);

	/* Port 0 back: the neighbour stays on port 1. */
	link_down[ZONE_LGWAN][0] = 0;
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 6, v);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);

	/* Both down: nowhere better to go, the frame leaves by the port it knew. */
	link_down[ZONE_LGWAN][0] = link_down[ZONE_LGWAN][1] = 1;
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 7, v);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);
	CU_ASSERT_EQUAL(arp, 0);
	fixture_down(&f);
}
/* internet on two ports: its static next hop keeps its configured MAC, but which port
 * it is behind is ARP's to say. The first frame waits while ARP asks on both ports;
 * the answer on the second sends it there, to the static MAC whatever ARP claimed. */
static void static_neighbor_two_ports(void)
{
	static const struct rte_ether_addr other = { .addr_bytes = { 0x52, 0x54, 0, 0x16, 0, 0x99 } };
	struct fixture f;
	struct rte_ether_addr dst;
	struct pipeline_verdict v;
	unsigned arp;

	fixture_two_ports(&f, ZONE_INTERNET, NULL);
	v = rx1(&f, ZONE_LGWAN, 0, udp(ZONE_LGWAN, PC2, VB, 50000, 3389), T0_MS);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_FORWARD);
	for (uint8_t l = 0; l < 2; l++) {
		CU_ASSERT_EQUAL(take_tx(&f, ZONE_INTERNET, l, &arp), 1);
		CU_ASSERT_EQUAL(arp, 1);
	}
	v = rx1(&f, ZONE_INTERNET, 1,
		arp_reply(ZONE_INTERNET, INTERNET_ROUTER, &other, IP4(172, 16, 0, 1)), T0_MS + 1);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_LOCAL);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_INTERNET, 0, &arp), 0);
	CU_ASSERT_TRUE(take_one(&f, ZONE_INTERNET, 1, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_INTERNET]));
	/* and from then on at once, by the second port */
	rx1(&f, ZONE_LGWAN, 0, udp(ZONE_LGWAN, PC2, VB, 50000, 3389), T0_MS + 2);
	CU_ASSERT_TRUE(take_one(&f, ZONE_INTERNET, 1, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_INTERNET]));
	fixture_down(&f);
}

/* A gratuitous ARP (the sender's own address as target, request or reply) updates a
 * neighbour already known: its MAC when the NIC was replaced, its port when it moved to
 * the zone's other port. It teaches nothing new, is never answered, and cannot change
 * a static neighbour's MAC or anything off the zone's subnet. */
static void gratuitous_arp_updates(void)
{
	static const struct rte_ether_addr mac_b = { .addr_bytes = { 0x52, 0x54, 0, 0, 0x20, 0xb } };
	static const struct rte_ether_addr mac_c = { .addr_bytes = { 0x52, 0x54, 0, 0, 0x20, 0xc } };
	struct fixture f;
	struct rte_ether_addr dst;
	struct pipeline_verdict v;
	unsigned arp;

	fixture_two_ports(&f, ZONE_LGWAN, NULL);
	/* Unknown yet: dropped, nothing learned (the next frame waits for ARP). */
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, LGWAN_ROUTER, &mac_b, RTE_ARP_OP_REQUEST),
		T0_MS);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v.reason, REASON_ARP);
	CU_ASSERT_EQUAL(neigh_count(pipeline_neigh(f.p)), 0);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42001, T0_MS + 1).verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 1, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	lgwan_router_answers(&f, 0, T0_MS + 2);
	CU_ASSERT_TRUE(take_one(&f, ZONE_LGWAN, 0, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_LGWAN]));

	/* The router's NIC is replaced and it announces its new MAC (request form): the
	 * announcement is taken, not answered, and the next frame goes to the new MAC. */
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, LGWAN_ROUTER, &mac_b, RTE_ARP_OP_REQUEST),
		T0_MS + 3);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_LOCAL);
	CU_ASSERT_EQUAL(v.reason, REASON_ARP);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42002, T0_MS + 4).verdict, VERDICT_FORWARD);
	CU_ASSERT_TRUE(take_one(&f, ZONE_LGWAN, 0, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &mac_b));
	/* It moves to the other port and announces itself there (reply form). */
	v = rx1(&f, ZONE_LGWAN, 1, garp(ZONE_LGWAN, LGWAN_ROUTER, &mac_c, RTE_ARP_OP_REPLY),
		T0_MS + 5);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_LOCAL);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42003, T0_MS + 6).verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	CU_ASSERT_TRUE(take_one(&f, ZONE_LGWAN, 1, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &mac_c));
	/* Off the zone's subnet, or announcing the appliance's own address: dropped. */
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, IP4(10, 99, 0, 5), &mac_b, RTE_ARP_OP_REQUEST),
		T0_MS + 7);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, IP4(10, 20, 0, 1), &mac_b, RTE_ARP_OP_REQUEST),
		T0_MS + 8);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(neigh_count(pipeline_neigh(f.p)), 1);
	/* A static neighbour of a zone on one port keeps its MAC. */
	v = rx1(&f, ZONE_INTERNET, 0,
		garp(ZONE_INTERNET, INTERNET_ROUTER, &mac_b, RTE_ARP_OP_REPLY), T0_MS + 9);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	rx1(&f, ZONE_LGWAN, 0, udp(ZONE_LGWAN, PC2, VB, 50000, 3389), T0_MS + 10);
	CU_ASSERT_TRUE(take_one(&f, ZONE_INTERNET, 0, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_INTERNET]));
	fixture_down(&f);
}

/* ARP for the appliance's address is answered to whoever asked: a static neighbour
 * (whose MAC ARP does not teach) and a host probing with no address of its own
 * (RFC 5227) too. */
static void requests_answered_to_the_asker(void)
{
	static const struct rte_ether_addr prober = { .addr_bytes = { 0x52, 0x54, 0, 0x16, 0, 0x42 } };
	struct fixture f;
	struct rte_ether_addr dst;
	struct pipeline_tx *tx;
	struct pipeline_verdict v;

	fixture_up(&f, 1024);
	v = rx1(&f, ZONE_INTERNET, 0, arp_frame(ZONE_INTERNET, RTE_ARP_OP_REQUEST,
		&router_mac[ZONE_INTERNET], INTERNET_ROUTER, IP4(172, 16, 0, 1), true), T0_MS);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_LOCAL);
	tx = pipeline_tx(f.p, ZONE_INTERNET, 0);
	CU_ASSERT_EQUAL_FATAL(tx->n, 1);
	dst = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *)->dst_addr;
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_INTERNET]));
	take_tx(&f, ZONE_INTERNET, 0, &(unsigned){ 0 });
	v = rx1(&f, ZONE_INTERNET, 0, arp_frame(ZONE_INTERNET, RTE_ARP_OP_REQUEST, &prober, 0,
		IP4(172, 16, 0, 1), true), T0_MS + 1);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_LOCAL);
	CU_ASSERT_EQUAL_FATAL(tx->n, 1);
	dst = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *)->dst_addr;
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &prober));
	CU_ASSERT_EQUAL(neigh_count(pipeline_neigh(f.p)), 0); /* neither taught anything */
	fixture_down(&f);
}

/* Another device claims the appliance's lgwan address (here asking for a host, as a
 * misconfigured PC would): dropped as addr-conflict, named in a deny record by the
 * address it claims and its MAC, and the appliance announces its own MAC on the
 * zone's ports, at most once per ARP_DEFEND_MS. Its own frame coming back is no
 * conflict. */
static void address_conflict_defended(void)
{
	static const struct rte_ether_addr intruder = { .addr_bytes = { 0x52, 0x54, 0, 0x66, 0, 1 } };
	const uint32_t own = IP4(10, 20, 0, 1), host = IP4(10, 20, 0, 50);
	struct fixture f;
	struct pipeline_verdict v;
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	struct pipeline_tx *tx;
	const struct flowrec *r;
	unsigned arp;

	fixture_up(&f, 1024);
	tx = pipeline_tx(f.p, ZONE_LGWAN, 0);
	v = rx1(&f, ZONE_LGWAN, 0, arp_frame(ZONE_LGWAN, RTE_ARP_OP_REQUEST, &intruder, own,
		host, true), T0_MS);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v.reason, REASON_ADDR_CONFLICT);
	CU_ASSERT_EQUAL_FATAL(tx->n, 1);
	eh = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *);
	ah = (struct rte_arp_hdr *)(eh + 1);
	CU_ASSERT_TRUE(rte_is_broadcast_ether_addr(&eh->dst_addr));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &port_mac[ZONE_LGWAN]));
	CU_ASSERT_EQUAL(ah->arp_data.arp_sip, rte_cpu_to_be_32(own));
	CU_ASSERT_EQUAL(ah->arp_data.arp_tip, rte_cpu_to_be_32(own));
	take_tx(&f, ZONE_LGWAN, 0, &arp);
	/* Again within ARP_DEFEND_MS: counted, not announced; after it: announced. */
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, own, &intruder, RTE_ARP_OP_REPLY),
		T0_MS + ARP_DEFEND_MS - 1);
	CU_ASSERT_EQUAL(v.reason, REASON_ADDR_CONFLICT);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	v = rx1(&f, ZONE_LGWAN, 0, arp_frame(ZONE_LGWAN, RTE_ARP_OP_REQUEST, &intruder, own,
		host, true), T0_MS + ARP_DEFEND_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_ADDR_CONFLICT);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	/* The appliance's own announcement, looped back: just ARP not for us. */
	v = rx1(&f, ZONE_LGWAN, 0, garp(ZONE_LGWAN, own, &port_mac[ZONE_LGWAN],
		RTE_ARP_OP_REQUEST), T0_MS + ARP_DEFEND_MS + 1);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v.reason, REASON_ARP);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 0);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->drop[ZONE_LGWAN][REASON_ADDR_CONFLICT], 3);
	/* The deny records at the end of the interval: the two of the same tuple in one. */
	pipeline_sweep(f.p, T0_MS + 2 * DENY_INTERVAL_MS, 0);
	r = NULL;
	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		if (strcmp(records[i].reason, "addr-conflict") == 0 && records[i].dst == host)
			r = &records[i];
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(r->type, FLOWREC_DENY);
	CU_ASSERT_EQUAL(r->from_zone, ZONE_LGWAN);
	CU_ASSERT_EQUAL(r->src, own);
	CU_ASSERT_EQUAL(memcmp(r->src_mac, intruder.addr_bytes, 6), 0);
	CU_ASSERT_EQUAL(r->count, 2);
	fixture_down(&f);
}

/* Hosts announcing themselves from many addresses fill at most three quarters of the
 * neighbour table; the rest stays for next hops that frames wait for. */
static void unasked_neighbours_leave_room(void)
{
	struct fixture f;
	struct rte_ether_addr dst, mac = { .addr_bytes = { 0x52, 0x54, 0, 0x77, 0, 0 } };
	unsigned arp;

	fixture_neigh_capacity = 16;
	fixture_up(&f, 1024);
	fixture_neigh_capacity = 0;
	for (uint8_t i = 0; i < 20; i++) {
		mac.addr_bytes[5] = i;
		rx1(&f, ZONE_LGWAN, 0, arp_reply(ZONE_LGWAN, IP4(10, 20, 0, 100 + i), &mac,
						 IP4(10, 20, 0, 1)), T0_MS + i);
	}
	CU_ASSERT_EQUAL(neigh_count(pipeline_neigh(f.p)), 12);
	/* the next hop a frame waits for still gets its entry, and its answer */
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42001, T0_MS + 100).verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(take_tx(&f, ZONE_LGWAN, 0, &arp), 1);
	CU_ASSERT_EQUAL(arp, 1);
	lgwan_router_answers(&f, 0, T0_MS + 101);
	CU_ASSERT_TRUE(take_one(&f, ZONE_LGWAN, 0, &dst));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&dst, &router_mac[ZONE_LGWAN]));
	CU_ASSERT_EQUAL(neigh_count(pipeline_neigh(f.p)), 13);
	fixture_down(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "static neighbours win over ARP", static_neighbor_wins },
		{ "a zone with two ports: ARP on both, frames by the one that answered",
		  zone_with_two_ports },
		{ "a static next hop in a zone with two ports: ARP says the port",
		  static_neighbor_two_ports },
		{ "a port's link goes down: its neighbour is found on the other",
		  port_down_fails_over },
		{ "a learned next hop in use is asked for again before it ends",
		  neighbor_refreshed_in_use },
		{ "gratuitous ARP updates a known neighbour's MAC and port",
		  gratuitous_arp_updates },
		{ "ARP requests are answered to the asker's MAC", requests_answered_to_the_asker },
		{ "another device claiming our address: counted, recorded, defended",
		  address_conflict_defended },
		{ "hosts' own ARP leaves a quarter of the table for next hops",
		  unasked_neighbours_leave_room },
		{ NULL, NULL },
	};
	int ret;

	if (pipeline_fixture_start("test_neighbors") != 0)
		return 2;
	ret = test_run("neighbors", cases);
	pipeline_fixture_stop();
	return ret;
}
