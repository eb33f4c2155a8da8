/* The pipeline driven directly, in bursts, on real mbufs: what a replay (one frame at
 * a time) cannot show. Connections opened and used within one burst, verdict and TX
 * order, a zone's share of the connection table, a full TX buffer, a policy swap under live
 * connections, deny aggregation per interval, shutdown. Next hops and ports are
 * test_neighbors'. Runs against tests/pcap/common/{appliance,policy}.cfg. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "conntrack.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "record_sink.h"
#include "runner.h"

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
	/* One flow of one zone: its share (by default half the table) and no more. */
	for (unsigned i = 0; i < 16; i++) {
		full += v[i].reason == REASON_FLOW_LIMIT;
		fwd += v[i].verdict == VERDICT_FORWARD;
	}
	CU_ASSERT_EQUAL(fwd, 4);
	CU_ASSERT_EQUAL(full, 12);
	CU_ASSERT_EQUAL(pipeline_counters(f.p)->drop[ZONE_LGWAN][REASON_FLOW_LIMIT], 12);
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
		{ "one zone fills no more than its share of the table", table_full },
		{ "an undrained TX buffer drops and counts", tx_full },
		{ "a policy swap revokes only what it no longer allows", policy_swap },
		{ "denies are summarised per tuple and interval", deny_intervals },
		{ "shutdown records every connection", shutdown_records },
		{ "without tables everything is dropped", no_tables_deny_all },
		{ NULL, NULL },
	};
	int ret;

	if (pipeline_fixture_start("test_pipeline") != 0)
		return 2;
	ret = test_run("pipeline", cases);
	pipeline_fixture_stop();
	return ret;
}
