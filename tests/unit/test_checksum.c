/* Checksums in the pipeline: a frame whose IPv4 header, TCP, UDP or ICMP checksum is
 * wrong is dropped (reason checksum) before it may open, change or end a connection;
 * the port's RX offload verdict is trusted where it gives one; a UDP checksum of 0 means
 * none; a datagram spread over several mbuf segments is summed across them. Runs
 * against tests/pcap/common/{appliance,policy}.cfg. */
#include <netinet/in.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "conntrack.h"
#include "ipv4.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "record_sink.h"
#include "runner.h"

#define L3 sizeof(struct rte_ether_hdr)

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3);
}

/* A UDP datagram with `len` payload bytes and its real checksum. */
static struct rte_mbuf *udp_summed(uint8_t zone, uint32_t src, uint32_t dst,
				   uint16_t sport, uint16_t dport, uint16_t len)
{
	uint8_t l4[sizeof(struct rte_udp_hdr) + 1400];
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;
	struct rte_mbuf *m;

	memset(l4, 0, sizeof(l4));
	for (unsigned i = 0; i < len; i++)
		l4[sizeof(*uh) + i] = (uint8_t)(i * 7 + 3);
	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	m = ip_frame(zone, src, dst, IPPROTO_UDP, l4, (uint16_t)(sizeof(*uh) + len));
	uh = (struct rte_udp_hdr *)(ip_of(m) + 1);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip_of(m), uh);
	return m;
}

static struct rte_mbuf *echo_request(uint16_t id, bool good)
{
	struct rte_icmp_hdr ih = {
		.icmp_type = ICMP_ECHO_REQUEST, .icmp_ident = rte_cpu_to_be_16(id),
		.icmp_seq_nb = rte_cpu_to_be_16(1),
	};
	struct rte_mbuf *m;

	ih.icmp_cksum = (uint16_t)~rte_raw_cksum(&ih, sizeof(ih));
	if (!good)
		ih.icmp_cksum ^= 0x0100;
	/* mn-ops (bound to its MAC) to av-pattern: MN-LG-002 allows echo. */
	m = ip_frame(ZONE_MYNUMBER, IP4(10, 10, 0, 20), IP4(10, 20, 5, 30), IPPROTO_ICMP, &ih,
		     sizeof(ih));
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr =
		(struct rte_ether_addr){ .addr_bytes = { 0x52, 0x54, 0, 0x10, 0, 0x14 } };
	return m;
}

static struct pipeline_verdict rx1(struct fixture *f, uint8_t zone, struct rte_mbuf *m,
				   int64_t now)
{
	struct pipeline_verdict v;

	pipeline_rx(f->p, zone, 0, &m, 1, now, &v);
	return v;
}

static uint64_t checksum_drops(const struct fixture *f, uint8_t zone)
{
	return pipeline_counters(f->p)->drop[zone][REASON_CHECKSUM];
}

/* Wrong checksums of each kind: dropped, counted, and no connection opened. */
static void wrong_sums_dropped(void)
{
	struct fixture f;
	struct rte_mbuf *m;
	struct pipeline_verdict v;

	fixture_up(&f, 1024);
	m = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 40000, 443, TCP_F_SYN, 1000, 0);
	((struct rte_tcp_hdr *)(ip_of(m) + 1))->cksum ^= 0x0001;
	v = rx1(&f, ZONE_MYNUMBER, m, T0_MS);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v.reason, REASON_CHECKSUM);

	m = tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 40001, 443, TCP_F_SYN, 1000, 0);
	ip_of(m)->hdr_checksum ^= 0x0100;
	v = rx1(&f, ZONE_MYNUMBER, m, T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_CHECKSUM);

	m = udp_summed(ZONE_LGWAN, PC2, VB, 50000, 3389, 40);
	rte_pktmbuf_mtod_offset(m, uint8_t *, L3 + 28 + 5)[0] ^= 0x40; /* payload flipped */
	v = rx1(&f, ZONE_LGWAN, m, T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_CHECKSUM);

	v = rx1(&f, ZONE_MYNUMBER, echo_request(9, false), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_CHECKSUM);

	CU_ASSERT_EQUAL(checksum_drops(&f, ZONE_MYNUMBER), 3);
	CU_ASSERT_EQUAL(checksum_drops(&f, ZONE_LGWAN), 1);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 0);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->conn_opened, 0);

	/* The same frames with their right sums open connections. */
	v = rx1(&f, ZONE_MYNUMBER, tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 40000, 443, TCP_F_SYN,
				       1000, 0), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_NEW);
	v = rx1(&f, ZONE_LGWAN, udp_summed(ZONE_LGWAN, PC2, VB, 50000, 3389, 40), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_NEW);
	v = rx1(&f, ZONE_MYNUMBER, echo_request(9, true), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_NEW);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 3);
	fixture_down(&f);
}

/* UDP without a checksum (0) passes; one whose sum is right but spelled 0xffff too. */
static void udp_zero_is_none(void)
{
	struct fixture f;
	struct pipeline_verdict v;

	fixture_up(&f, 1024);
	v = rx1(&f, ZONE_LGWAN, udp(ZONE_LGWAN, PC2, VB, 50001, 3389), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_NEW);
	CU_ASSERT_EQUAL(checksum_drops(&f, ZONE_LGWAN), 0);
	fixture_down(&f);
}

/* A RST with a wrong checksum into a live connection: dropped, and the connection goes
 * on; its record does not say rst. */
static void bad_rst_leaves_connection(void)
{
	struct fixture f;
	struct rte_mbuf *m;
	struct pipeline_verdict v;

	fixture_up(&f, 1024);
	v = rx1(&f, ZONE_MYNUMBER, tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 41000, 443, TCP_F_SYN,
				       1000, 0), T0_MS);
	CU_ASSERT_EQUAL(v.reason, REASON_NEW);
	v = rx1(&f, ZONE_LGWAN, tcp(ZONE_LGWAN, CHUKAN, ATENA, 443, 41000,
				    TCP_F_SYN | TCP_F_ACK, 5000, 1001), T0_MS + 1);
	CU_ASSERT_EQUAL(v.reason, REASON_REPLY);
	v = rx1(&f, ZONE_MYNUMBER, tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 41000, 443, TCP_F_ACK,
				       1001, 5001), T0_MS + 2);
	CU_ASSERT_EQUAL(v.reason, REASON_ESTABLISHED);
	m = tcp(ZONE_LGWAN, CHUKAN, ATENA, 443, 41000, TCP_F_RST, 5001, 0);
	((struct rte_tcp_hdr *)(ip_of(m) + 1))->cksum ^= 0x0800;
	v = rx1(&f, ZONE_LGWAN, m, T0_MS + 3);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_DROP);
	CU_ASSERT_EQUAL(v.reason, REASON_CHECKSUM);
	v = rx1(&f, ZONE_MYNUMBER, tcp(ZONE_MYNUMBER, ATENA, CHUKAN, 41000, 443, TCP_F_ACK,
				       1001, 5001), T0_MS + 4);
	CU_ASSERT_EQUAL(v.verdict, VERDICT_FORWARD);
	CU_ASSERT_EQUAL(v.reason, REASON_ESTABLISHED);
	CU_ASSERT_EQUAL(n_records, 0);
	fixture_down(&f);
}

/* The port's verdict wins over the sum: GOOD passes a frame whose field is wrong (the
 * NIC saw it before anything changed it), BAD drops one whose sum is right. NONE (data
 * intact, field not filled in) passes. ICMP has no NIC verdict: always summed. */
static void offload_flags(void)
{
	struct rte_mbuf *m;
	struct ipv4_info info;

	memset(&info, 0, sizeof(info));
	m = udp_summed(ZONE_LGWAN, PC2, VB, 50002, 3389, 10);
	CU_ASSERT_EQUAL_FATAL(ipv4_validate(m, &info), REASON_NONE);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse_l4(m, &info), REASON_NONE);
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_NONE);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_CHECKSUM);
	m->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
	((struct rte_udp_hdr *)(ip_of(m) + 1))->dgram_cksum ^= 0x0101;
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_CHECKSUM);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_NONE);
	m->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_NONE);
	rte_pktmbuf_free(m);

	m = echo_request(3, false);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	CU_ASSERT_EQUAL_FATAL(ipv4_validate(m, &info), REASON_NONE);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse_l4(m, &info), REASON_NONE);
	CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_CHECKSUM);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	CU_ASSERT_EQUAL(ipv4_validate(m, &info), REASON_CHECKSUM);
	rte_pktmbuf_free(m);
}

/* Moves everything past `head` bytes of m into a second segment, as bunri-replay does
 * with long frames and NICs with jumbo frames. */
static void split(struct rte_mbuf *m, uint16_t head)
{
	struct rte_mbuf *tail = rte_pktmbuf_alloc(pool);
	uint16_t rest = (uint16_t)(rte_pktmbuf_data_len(m) - head);

	CU_ASSERT_FATAL(tail != NULL);
	memcpy(rte_pktmbuf_append(tail, rest), rte_pktmbuf_mtod_offset(m, void *, head), rest);
	CU_ASSERT_FATAL(rte_pktmbuf_trim(m, rest) == 0);
	CU_ASSERT_FATAL(rte_pktmbuf_chain(m, tail) == 0);
}

/* The sum runs over every segment, also when a segment ends at an odd offset. */
static void multi_segment(void)
{
	struct rte_mbuf *m;
	struct ipv4_info info;

	memset(&info, 0, sizeof(info));
	for (uint16_t head = 50; head <= 53; head++) {
		m = udp_summed(ZONE_LGWAN, PC2, VB, 50003, 3389, 1200);
		split(m, head);
		CU_ASSERT_EQUAL(m->nb_segs, 2);
		CU_ASSERT_EQUAL_FATAL(ipv4_validate(m, &info), REASON_NONE);
		CU_ASSERT_EQUAL_FATAL(ipv4_parse_l4(m, &info), REASON_NONE);
		CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_NONE);
		rte_pktmbuf_mtod_offset(m->next, uint8_t *, 700)[0] ^= 0x10;
		CU_ASSERT_EQUAL(ipv4_check_l4(m, &info), REASON_CHECKSUM);
		rte_pktmbuf_free(m);
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "wrong IPv4, TCP, UDP and ICMP sums are dropped", wrong_sums_dropped },
		{ "UDP checksum 0 means none", udp_zero_is_none },
		{ "a RST with a wrong sum leaves the connection", bad_rst_leaves_connection },
		{ "the port's RX checksum verdict is trusted", offload_flags },
		{ "sums run over every mbuf segment", multi_segment },
		{ NULL, NULL },
	};
	int ret;

	if (pipeline_fixture_start("test_checksum") != 0)
		return 2;
	ret = test_run("checksum", cases);
	pipeline_fixture_stop();
	return ret;
}
