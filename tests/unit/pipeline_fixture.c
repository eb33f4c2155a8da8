/* The pipeline test fixture: tables built from tests/pcap/common's appliance.cfg and
 * policy.cfg, a pipeline on real mbufs, and the frames the tests feed it. */
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

#include "policy.h"
#include "eal_fixture.h"
#include "pipeline_fixture.h"
#include "record_sink.h"
#include "runner.h"

const struct rte_ether_addr port_mac[ZONE_COUNT] = {
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x01 } },
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x02 } },
	{ .addr_bytes = { 0x02, 0xb0, 0, 0, 0, 0x03 } },
};
const struct rte_ether_addr router_mac[ZONE_COUNT] = {
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x10, 0xfe } },
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x20, 0xfe } },
	{ .addr_bytes = { 0x52, 0x54, 0, 0, 0x16, 0xfe } },
};

struct rte_mempool *pool;
uint32_t fixture_neigh_capacity;
struct flowname *names;

int pipeline_fixture_start(const char *name)
{
	if (test_eal_start(name, 512, NULL) != 0)
		return -1;
	pool = rte_pktmbuf_pool_create("tp_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	names = flowname_create();
	return pool != NULL && names != NULL ? 0 : -1;
}

void pipeline_fixture_stop(void)
{
	flowname_free(names);
	rte_mempool_free(pool);
	test_eal_stop();
}

struct tables *build_tables_cfg(const char *cfg_path, int64_t now_ms,
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

struct tables *build_tables(int64_t now_ms, uint64_t generation)
{
	return build_tables_cfg(NULL, now_ms, generation);
}

void fixture_up_cfg_links(struct fixture *f, uint32_t conn_capacity, const char *cfg,
				 const uint8_t (*link_down)[PIPELINE_LINKS_MAX])
{
	struct pipeline_conf pc = {
		.name = "tp", .tables = &f->t, .pool = pool, .sink = { .emit = collect },
		.names = names, .conn_capacity = conn_capacity, .socket = SOCKET_ID_ANY,
		.link_down = link_down, .neigh_capacity = fixture_neigh_capacity,
	};

	n_records = 0;
	f->t = build_tables_cfg(cfg, T0_MS, 1);
	CU_ASSERT_FATAL(pipeline_create(&pc, &f->p) == 0);
}

void fixture_up_cfg(struct fixture *f, uint32_t conn_capacity, const char *cfg)
{
	fixture_up_cfg_links(f, conn_capacity, cfg, NULL);
}

void fixture_up(struct fixture *f, uint32_t conn_capacity)
{
	fixture_up_cfg(f, conn_capacity, NULL);
}

void fixture_down(struct fixture *f)
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

struct rte_mbuf *ip_frame(uint8_t zone, uint32_t src, uint32_t dst, uint8_t proto,
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

struct rte_mbuf *udp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
			    uint16_t dport)
{
	struct rte_udp_hdr uh = {
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.dgram_len = rte_cpu_to_be_16(sizeof(uh)),
	};

	return ip_frame(zone, src, dst, IPPROTO_UDP, &uh, sizeof(uh));
}

struct rte_mbuf *tcp(uint8_t zone, uint32_t src, uint32_t dst, uint16_t sport,
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

	struct rte_mbuf *m = ip_frame(zone, src, dst, IPPROTO_TCP, &th, sizeof(th));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tp = (struct rte_tcp_hdr *)(ip + 1);

	tp->cksum = rte_ipv4_udptcp_cksum(ip, tp); /* as a host sends it */
	return m;
}

struct rte_mbuf *arp_reply(uint8_t zone, uint32_t ip, const struct rte_ether_addr *mac,
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

struct pipeline_verdict lgwan_router_answers(struct fixture *f, uint8_t link,
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

struct pipeline_verdict syn_to_lgwan(struct fixture *f, uint16_t sport, int64_t now)
{
	struct rte_mbuf *b[1] = {
		tcp(ZONE_MYNUMBER, ATENA, CHUKAN, sport, 443, RTE_TCP_SYN_FLAG, 100, 0),
	};
	struct pipeline_verdict v[1];

	pipeline_rx(f->p, ZONE_MYNUMBER, 0, b, 1, now, v);
	return v[0];
}

void fixture_two_ports(struct fixture *f, uint8_t zone,
		       const uint8_t (*link_down)[PIPELINE_LINKS_MAX])
{
	const char *src = getenv("BUNRI_SRCDIR");
	char common[4096], cfg[] = "/tmp/bunri-two-ports-XXXXXX";
	char port[32], ports[64];
	FILE *in, *out;
	char line[512];
	int fd;

	/* common/appliance.cfg gives zone z the port net_null<z>; net_null3 is the second */
	snprintf(port, sizeof(port), "\"net_null%u\"", zone);
	snprintf(ports, sizeof(ports), "    port = [%s, \"net_null3\"];\n", port);
	snprintf(common, sizeof(common), "%s/tests/pcap/common/appliance.cfg", src ? src : ".");
	fd = mkstemp(cfg);
	CU_ASSERT_FATAL(fd >= 0);
	in = fopen(common, "r");
	out = fdopen(fd, "w");
	CU_ASSERT_FATAL(in != NULL && out != NULL);
	while (fgets(line, sizeof(line), in) != NULL)
		fputs(strstr(line, port) ? ports : line, out);
	fclose(in);
	CU_ASSERT_FATAL(fclose(out) == 0);
	fixture_up_cfg_links(f, 1024, cfg, link_down);
	unlink(cfg);
	CU_ASSERT_EQUAL(f->t->zone[zone].n_links, 2);
}

unsigned take_tx(struct fixture *f, uint8_t zone, uint8_t link, unsigned *arp)
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
