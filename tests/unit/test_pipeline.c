/* The pipeline driven directly, in bursts, on real mbufs: what a replay (one frame at
 * a time) cannot show. Connections opened and used within one burst, verdict and TX
 * order, a full connection table, a full TX buffer, a policy swap under live
 * connections, deny aggregation per interval, static neighbours winning over ARP, and
 * a zone on two ports.
 * Runs against tests/pcap/common/{appliance,policy}.cfg. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "conntrack.h"
#include "neigh.h"
#include "pipeline.h"
#include "policy.h"
#include "eal_fixture.h"
#include "record_sink.h"
#include "runner.h"

#define T0_MS 1780272000000LL /* 2026-06-01 09:00 JST */
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
static const struct rte_ether_addr port_mac[ZONE_COUNT] = {
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x01 } },
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x02 } },
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x03 } },
};
static const struct rte_ether_addr router_mac[ZONE_COUNT] = {
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x10, 0xfe } },
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x20, 0xfe } },
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x16, 0xfe } },
};

#define ATENA IP4(10, 10, 2, 10)
#define CHUKAN IP4(10, 20, 5, 10)
#define PC2 IP4(10, 20, 16, 6)
#define VB IP4(172, 16, 20, 10)

static struct rte_mempool *pool;
static struct flowname *names;

/* The tables of appliance.cfg `cfg` (NULL: tests/pcap/common's) and the common policy. */
static struct tables *build_tables_cfg(const char *cfg_path, int64_t now_ms,
				       uint64_t generation)
{
	const char *src = getenv("BUNRI_SRCDIR");
	char cfg[4096], pol[4096];
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	struct tables *t = NULL;

	if (cfg_path != NULL)
		snprintf(cfg, sizeof(cfg), "%s", cfg_path);
	else
		snprintf(cfg, sizeof(cfg), "%s/tests/pcap/common/appliance.cfg", src ? src : ".");
	snprintf(pol, sizeof(pol), "%s/tests/pcap/common/policy.cfg", src ? src : ".");
	CU_ASSERT_FATAL(d != NULL);
	if (policy_build(cfg, pol, now_ms / 1000, d, &cp) != 0)
		diag_print(d, stderr);
	diag_free(d);
	CU_ASSERT_FATAL(cp != NULL);
	CU_ASSERT_FATAL(tables_build(cp, port_mac, generation, names, 1, SOCKET_ID_ANY, &t) == 0);
	return t;
}

static struct tables *build_tables(int64_t now_ms, uint64_t generation)
{
	return build_tables_cfg(NULL, now_ms, generation);
}

struct fixture {
	struct tables *t;
	struct pipeline *p;
};

static void fixture_up_cfg_links(struct fixture *f, uint32_t conn_capacity, const char *cfg,
				 const uint8_t (*link_down)[PIPELINE_LINKS_MAX])
{
	struct pipeline_conf pc = {
		.name = "tp", .tables = &f->t, .pool = pool, .sink = { .emit = collect },
		.names = names, .conn_capacity = conn_capacity, .socket = SOCKET_ID_ANY,
		.link_down = link_down,
	};

	n_records = 0;
	f->t = build_tables_cfg(cfg, T0_MS, 1);
	CU_ASSERT_FATAL(pipeline_create(&pc, &f->p) == 0);
}

static void fixture_up_cfg(struct fixture *f, uint32_t conn_capacity, const char *cfg)
{
	fixture_up_cfg_links(f, conn_capacity, cfg, NULL);
}

static void fixture_up(struct fixture *f, uint32_t conn_capacity)
{
	fixture_up_cfg(f, conn_capacity, NULL);
}

static void fixture_down(struct fixture *f)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++) {
			struct pipeline_tx *tx = pipeline_tx(f->p, (uint8_t)z, (uint8_t)l);

			rte_pktmbuf_free_bulk(tx->pkts, tx->n);
			tx->n = 0;
		}
	}
	pipeline_free(f->p);
	tables_free(f->t);
	/* Every mbuf came back: none leaked, none freed twice. */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), pool->size);
}

/* An IPv4 frame to zone's port from its router; l4 is the L4 header and payload. */
static struct rte_mbuf *ip_frame(uint8_t zone, uint32_t src, uint32_t dst, uint8_t proto,
				 const void *l4, uint16_t l4_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;

	CU_ASSERT_FATAL(m != NULL);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) +
							     sizeof(*ip) + l4_len));
	CU_ASSERT_FATAL(eh != NULL);
	eh->dst_addr = port_mac[zone];
	eh->src_addr = router_mac[zone];
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(ip + 1, l4, l4_len);
	return m;
}

static struct rte_mbuf *udp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
			    uint16_t dport)
{
	struct rte_udp_hdr uh = {
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.dgram_len = rte_cpu_to_be_16(sizeof(uh)),
	};

	return ip_frame(zone, src, dst, IPPROTO_UDP, &uh, sizeof(uh));
}

static struct rte_mbuf *tcp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
			    uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct rte_tcp_hdr th = {
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.sent_seq = rte_cpu_to_be_32(seq),
		.recv_ack = rte_cpu_to_be_32(ack),
		.data_off = 5 << 4,
		.tcp_flags = flags,
		.rx_win = rte_cpu_to_be_16(65535),
	};

	return ip_frame(zone, src, dst, IPPROTO_TCP, &th, sizeof(th));
}

static struct rte_mbuf *arp_reply(uint8_t zone, uint32_t ip, const struct rte_ether_addr *mac,
				  uint32_t to)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	CU_ASSERT_FATAL(m != NULL);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	eh->dst_addr = port_mac[zone];
	eh->src_addr = *mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_sha = *mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(ip);
	ah->arp_data.arp_tha = port_mac[zone];
	ah->arp_data.arp_tip = rte_cpu_to_be_32(to);
	return m;
}

/* The lgwan router (10.20.0.254) answers the appliance's ARP on lgwan's port `link`:
 * what the pipeline made of the reply. */
static struct pipeline_verdict lgwan_router_answers(struct fixture *f, uint8_t link,
						    int64_t now)
{
	struct rte_mbuf *b[1] = {
		arp_reply(ZONE_LGWAN, IP4(10, 20, 0, 254), &router_mac[ZONE_LGWAN],
			  IP4(10, 20, 0, 1)),
	};
	struct pipeline_verdict v[1];

	pipeline_rx(f->p, ZONE_LGWAN, link, b, 1, now, v);
	return v[0];
}

/* A SYN of a new connection MN-LG-001 allows, towards lgwan's learned router: its
 * verdict and reason. */
static struct pipeline_verdict syn_to_lgwan(struct fixture *f, uint16_t sport, int64_t now)
{
	struct rte_mbuf *b[1] = {
		tcp(ZONE_MYNUMBER, ATENA, CHUKAN, sport, 443, RTE_TCP_SYN_FLAG, 100, 0),
	};
	struct pipeline_verdict v[1];

	pipeline_rx(f->p, ZONE_MYNUMBER, 0, b, 1, now, v);
	return v[0];
}

static void burst_opens_and_uses(void)
{
	struct fixture f;
	struct rte_mbuf *b[4];
	struct pipeline_verdict v[4];

	fixture_up(&f, 1024);
	/* The lgwan next hop is unknown: teach it first so frames leave at once. */
	v[0] = lgwan_router_answers(&f, 0, T0_MS);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_LOCAL);

	/* Three datagrams of one new connection in one burst, then a spoofed one. */
	for (unsigned i = 0; i < 3; i++)
		b[i] = udp(ZONE_LGWAN, PC2, VB, 50000, 3389);
	b[3] = udp(ZONE_LGWAN, ATENA, VB, 50000, 3389);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 4, T0_MS + 1, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(v[0].reason, REASON_NEW);
	CU_ASSERT_STRING_EQUAL(flowname_get(names, v[0].flow), "LG-IN-010");
	CU_ASSERT_EQUAL(v[0].to, ZONE_INTERNET);
	CU_ASSERT_EQUAL(v[1].reason, REASON_ESTABLISHED);
	CU_ASSERT_EQUAL(v[2].reason, REASON_ESTABLISHED);
	CU_ASSERT_EQUAL(v[3].verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v[3].reason, REASON_SPOOFED);
	CU_ASSERT_EQUAL(v[3].to, ZONE_NONE);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 1);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_INTERNET, 0)->n, 3);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->conn_opened, 1);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->forward[ZONE_LGWAN], 3);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->drop[ZONE_LGWAN][REASON_SPOOFED], 1);

	/* A reply burst: the connection is found in the other direction. */
	b[0] = udp(ZONE_INTERNET, VB, PC2, 3389, 50000);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 2, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_REPLY);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_LGWAN, 0)->n, 1);
	fixture_down(&f);
}

/* Within one burst a connection ends (RST) and its tuple opens again (SYN): the
 * second packet must not use the burst's lookup of the first. */
static void burst_ends_and_reopens(void)
{
	struct fixture f;
	struct rte_mbuf *b[3];
	struct pipeline_verdict v[3];

	fixture_up(&f, 1024);
	v[0] = lgwan_router_answers(&f, 0, T0_MS);
	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 1, T0_MS + 1, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_NEW);

	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_RST_FLAG, 101, 0);
	b[1] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_SYN_FLAG, 5000, 0);
	b[2] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42002, 443, RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 3, T0_MS + 2, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(v[1].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(v[1].reason, REASON_NEW);
	CU_ASSERT_EQUAL(v[2].reason, REASON_NEW);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->conn_opened, 3);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->conn_closed, 1);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 2);
	CU_ASSERT_EQUAL_FATAL(n_records, 1);
	CU_ASSERT_EQUAL(records[0].end_reason, FLOWREC_END_RST);
	fixture_down(&f);
}

static void tx_addressing(void)
{
	struct fixture f;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	struct pipeline_tx *tx;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;

	fixture_up(&f, 1024);
	/* internet's next hop is a static neighbour: no ARP needed. */
	b[0] = tcp(ZONE_LGWAN, PC2, VB, 40000, 3389, RTE_TCP_SYN_FLAG, 1, 0);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_FORWARD);
	tx = pipeline_tx(f.p, ZONE_INTERNET, 0);
	CU_ASSERT_EQUAL_FATAL(tx->n, 1);
	eh = rte_pktmbuf_mtod(tx->pkts[0], struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->src_addr, &port_mac[ZONE_INTERNET]));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&eh->dst_addr, &router_mac[ZONE_INTERNET]));
	CU_ASSERT_EQUAL(ip->time_to_live, 63);
	/* The incremental update leaves a header that checks. */
	CU_ASSERT_EQUAL(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	fixture_down(&f);
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
/* The pcap tests' appliance.cfg with lgwan on two ports. */
static void fixture_two_ports(struct fixture *f, const uint8_t (*link_down)[PIPELINE_LINKS_MAX])
{
	const char *src = getenv("BUNRI_SRCDIR");
	char common[4096], cfg[] = "/tmp/bunri-two-ports-XXXXXX";
	FILE *in, *out;
	char line[512];
	int fd;

	snprintf(common, sizeof(common), "%s/tests/pcap/common/appliance.cfg", src ? src : ".");
	fd = mkstemp(cfg);
	CU_ASSERT_FATAL(fd >= 0);
	in = fopen(common, "r");
	out = fdopen(fd, "w");
	CU_ASSERT_FATAL(in != NULL && out != NULL);
	while (fgets(line, sizeof(line), in) != NULL)
		fputs(strstr(line, "\"net_null1\"") ? "    port = [\"net_null1\", \"net_null3\"];\n" :
		      line, out);
	fclose(in);
	CU_ASSERT_FATAL(fclose(out) == 0);
	fixture_up_cfg_links(f, 1024, cfg, link_down);
	unlink(cfg);
	CU_ASSERT_EQUAL(f->t->zone[ZONE_LGWAN].n_links, 2);
}

/* Takes the frames waiting on zone's port `link`: how many, and whether each is ARP. */
static unsigned take_tx(struct fixture *f, uint8_t zone, uint8_t link, unsigned *arp)
{
	struct pipeline_tx *tx = pipeline_tx(f->p, zone, link);
	unsigned n = tx->n;

	*arp = 0;
	for (unsigned i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(tx->pkts[i], struct rte_ether_hdr *);

		*arp += eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		rte_pktmbuf_free(tx->pkts[i]);
	}
	tx->n = 0;
	return n;
}

static void zone_with_two_ports(void)
{
	struct fixture f;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	uint16_t sum;

	fixture_two_ports(&f, NULL);

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
	lgwan_router_answers(&f, 0, T0_MS + 1);            /* learned until T0+1+20 min */
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
	pipeline_sweep(f.p, T0_MS + 1 + NEIGH_REACHABLE_MS + 5000, 0);
	CU_ASSERT_EQUAL(syn_to_lgwan(&f, 42004, T0_MS + 1 + NEIGH_REACHABLE_MS + 5000).verdict,
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
	fixture_two_ports(&f, (const uint8_t (*)[PIPELINE_LINKS_MAX])link_down);
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

static void table_full(void)
{
	struct fixture f;
	struct rte_mbuf *b[16];
	struct pipeline_verdict v[16];
	unsigned full = 0, fwd = 0;

	fixture_up(&f, 8);
	for (unsigned i = 0; i < 16; i++)
		b[i] = udp(ZONE_LGWAN, PC2, VB, (uint16_t)(50000 + i), 3389);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 16, T0_MS, v);
	for (unsigned i = 0; i < 16; i++) {
		full += v[i].reason == REASON_TABLE_FULL;
		fwd += v[i].verdict == VERDICT_FORWARD;
	}
	CU_ASSERT_EQUAL(fwd, 8);
	CU_ASSERT_EQUAL(full, 8);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->drop[ZONE_LGWAN][REASON_TABLE_FULL], 8);
	fixture_down(&f);
}

static void tx_full(void)
{
	struct fixture f;
	struct rte_mbuf *b[PIPELINE_BURST_MAX];
	struct pipeline_verdict v[PIPELINE_BURST_MAX];
	unsigned sent = 0, bursts = PIPELINE_TX_MAX / PIPELINE_BURST_MAX + 1;

	fixture_up(&f, 1024);
	/* Nobody drains internet's TX buffer. */
	for (unsigned k = 0; k < bursts; k++) {
		for (unsigned i = 0; i < PIPELINE_BURST_MAX; i++)
			b[i] = udp(ZONE_LGWAN, PC2, VB, 50000, 3389);
		pipeline_rx(f.p, ZONE_LGWAN, 0, b, PIPELINE_BURST_MAX, T0_MS + k, v);
		for (unsigned i = 0; i < PIPELINE_BURST_MAX; i++)
			sent += v[i].verdict == VERDICT_FORWARD;
	}
	CU_ASSERT_EQUAL(sent, PIPELINE_TX_MAX);
	CU_ASSERT_EQUAL(pipeline_tx(f.p, ZONE_INTERNET, 0)->n, PIPELINE_TX_MAX);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->drop[ZONE_LGWAN][REASON_TX_FULL],
			bursts * PIPELINE_BURST_MAX - PIPELINE_TX_MAX);
	fixture_down(&f);
}

static void policy_swap(void)
{
	struct fixture f;
	struct tables *old, *next;
	struct rte_mbuf *b[2];
	struct pipeline_verdict v[2];
	unsigned revoked = 0;

	fixture_up(&f, 1024);
	v[0] = lgwan_router_answers(&f, 0, T0_MS);
	/* MN-LG-030 (tcp/8443, ends 09:10 JST) and MN-LG-001 (tcp/443). */
	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42000, 8443, RTE_TCP_SYN_FLAG, 100, 0);
	b[1] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42001, 443, RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 2, T0_MS + 1, v);
	CU_ASSERT_STRING_EQUAL(flowname_get(names, v[0].flow), "MN-LG-030");
	CU_ASSERT_STRING_EQUAL(flowname_get(names, v[1].flow), "MN-LG-001");

	/* The controller compiled the policy as of 09:10:30 (MN-LG-030 gone) and swapped
	 * the pointer; the connections are still young. */
	next = build_tables(T0_MS + 630000, 2);
	old = f.t;
	__atomic_store_n(&f.t, next, __ATOMIC_RELEASE);
	b[0] = tcp(ZONE_LGWAN, CHUKAN, ATENA, 8443, 42000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 900, 101);
	b[1] = tcp(ZONE_LGWAN, CHUKAN, ATENA, 443, 42001, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 900, 101);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 2, T0_MS + 100, v);
	tables_free(old); /* the pipeline moved on at its last call */
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v[0].reason, REASON_REVOKED);
	CU_ASSERT_EQUAL(v[1].verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(v[1].reason, REASON_REPLY);
	CU_ASSERT_STRING_EQUAL(flowname_get(names, v[1].flow), "MN-LG-001");
	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		if (records[i].end_reason == FLOWREC_END_REVOKED) {
			revoked++;
			CU_ASSERT_STRING_EQUAL(records[i].flow, "MN-LG-030");
			CU_ASSERT_EQUAL(records[i].sport, 42000);
		}
	CU_ASSERT_EQUAL(revoked, 1);
	/* The client tries again (a SYN could open a connection): the policy refuses it,
	 * and the drop still says why. */
	b[0] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 42000, 8443, RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 1, T0_MS + 150, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v[0].reason, REASON_REVOKED);
	/* The sweep records nothing more for it, and still knows the live one. */
	pipeline_sweep(f.p, T0_MS + 200, UINT32_MAX);
	CU_ASSERT_EQUAL(n_records, 1);
	fixture_down(&f);
}

static void deny_intervals(void)
{
	struct fixture f;
	struct rte_mbuf *b[6];
	unsigned seen = 0;

	fixture_up(&f, 1024);
	for (unsigned i = 0; i < 5; i++)
		b[i] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, (uint16_t)(1000 + i), 22, RTE_TCP_SYN_FLAG, 1, 0);
	b[5] = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 2000, 23, RTE_TCP_SYN_FLAG, 1, 0);
	pipeline_rx(f.p, ZONE_MYNUMBER, 0, b, 6, T0_MS, NULL);
	pipeline_sweep(f.p, T0_MS + 59999, UINT32_MAX);
	CU_ASSERT_EQUAL(n_records, 0);
	/* The interval (60 s) is over: one record per tuple, with its count. */
	pipeline_sweep(f.p, T0_MS + 60000, UINT32_MAX);
	CU_ASSERT_EQUAL_FATAL(n_records, 2);
	for (unsigned i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(records[i].type, FLOWREC_DENY);
		CU_ASSERT_STRING_EQUAL(records[i].reason, "no-rule");
		CU_ASSERT_EQUAL(records[i].from_zone, ZONE_MYNUMBER);
		CU_ASSERT_EQUAL(records[i].src, ATENA);
		if (records[i].dport == 22) {
			CU_ASSERT_EQUAL(records[i].count, 5);
			seen++;
		} else if (records[i].dport == 23) {
			CU_ASSERT_EQUAL(records[i].count, 1);
			seen++;
		}
	}
	CU_ASSERT_EQUAL(seen, 2);
	fixture_down(&f);
}

static void shutdown_records(void)
{
	struct fixture f;
	struct rte_mbuf *b[2];

	fixture_up(&f, 1024);
	b[0] = udp(ZONE_LGWAN, PC2, VB, 50000, 3389);
	b[1] = udp(ZONE_LGWAN, PC2, VB, 50001, 3389);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 2, T0_MS, NULL);
	pipeline_shutdown(f.p, T0_MS + 5);
	CU_ASSERT_EQUAL(n_records, 2);
	CU_ASSERT_EQUAL(records[0].end_reason, FLOWREC_END_SHUTDOWN);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 0);
	fixture_down(&f);
}

static void no_tables_deny_all(void)
{
	struct tables *none = NULL;
	struct pipeline_conf pc = {
		.name = "tn", .tables = &none, .pool = pool, .sink = { .emit = collect },
		.names = names, .socket = SOCKET_ID_ANY,
	};
	struct pipeline *p;
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];

	CU_ASSERT_FATAL(pipeline_create(&pc, &p) == 0);
	b[0] = udp(ZONE_LGWAN, PC2, VB, 50000, 3389);
	pipeline_rx(p, ZONE_LGWAN, 0, b, 1, T0_MS, v);
	CU_ASSERT_EQUAL(v[0].verdict, VERDICT_DROP);
	pipeline_free(p);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "a burst opens a connection and uses it", burst_opens_and_uses },
		{ "a burst ends a connection and opens its tuple again", burst_ends_and_reopens },
		{ "forwarded frames are readdressed, TTL and checksum", tx_addressing },
		{ "static neighbours win over ARP", static_neighbor_wins },
		{ "a zone with two ports: ARP on both, frames by the one that answered",
		  zone_with_two_ports },
		{ "a port's link goes down: its neighbour is found on the other",
		  port_down_fails_over },
		{ "a learned next hop in use is asked for again before it ends",
		  neighbor_refreshed_in_use },
		{ "a full connection table drops new connections", table_full },
		{ "an undrained TX buffer drops and counts", tx_full },
		{ "a policy swap revokes only what it no longer allows", policy_swap },
		{ "denies are summarised per tuple and interval", deny_intervals },
		{ "shutdown records every connection", shutdown_records },
		{ "without tables everything is dropped", no_tables_deny_all },
		{ NULL, NULL },
	};
	int ret;

	if (test_eal_start("test_pipeline", 512, NULL) != 0)
		return 2;
	pool = rte_pktmbuf_pool_create("tp_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	names = flowname_create();
	if (pool == NULL || names == NULL)
		return 2;
	ret = test_run("pipeline", cases);
	flowname_free(names);
	rte_mempool_free(pool);
	test_eal_stop();
	return ret;
}
