/* The fair share of the connection table: per-zone, per-flow and embryonic limits,
 * early drop of old handshakes, adaptive timeouts (on conntrack itself), the same
 * through the pipeline with appliance.cfg `limits`, and the keys' checks and their
 * way through the compiled policy's binary form. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>
#include <rte_tcp.h>

#include "cfgfile.h"
#include "conntrack.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "record_sink.h"
#include "runner.h"

static struct conntrack *table(const char *name, uint32_t capacity)
{
	struct conntrack_conf conf = {
		.name = name,
		.capacity = capacity,
		.socket = SOCKET_ID_ANY,
		.sink = { .emit = collect },
		.names = names,
	};
	struct conntrack *ct = NULL;

	n_records = 0;
	CU_ASSERT_FATAL(conntrack_create(&conf, &ct) == 0);
	return ct;
}

/* A connection from zone (source address n) charged to flow; a TCP one is a
 * handshake until established. NULL when admit() refused it. */
static struct ct_entry *open_one(struct conntrack *ct, uint8_t zone, uint32_t n,
				 uint16_t flow, uint8_t proto, int64_t now,
				 enum ct_admit *why)
{
	struct ct_entry *victim, *e;
	struct ct_key k;
	unsigned side;

	*why = conntrack_admit(ct, zone, flow, 0, proto == IPPROTO_TCP, now, &victim);
	if (*why != CT_ADMIT_OK && victim == NULL)
		return NULL;
	if (victim != NULL)
		conntrack_end(ct, victim, FLOWREC_END_TABLE_FULL, now);
	side = conntrack_key(&k, proto, zone, 0x0a000000 + n, 40000, zone == 0 ? 1 : 0,
			     0x0b000001, 443);
	e = conntrack_add(ct, &k, side, now);
	CU_ASSERT_FATAL(e != NULL);
	e->expires_ms = now + 240000;
	if (proto == IPPROTO_TCP)
		e->tcp.state = TCP_SYN_SENT;
	conntrack_charge(ct, e, zone, flow, proto == IPPROTO_TCP);
	return e;
}

static unsigned count_reason(enum flowrec_end why)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		n += records[i].end_reason == why;
	return n;
}

static void set_limits(struct conntrack *ct, uint32_t conns, uint32_t zone,
		       uint32_t emb, uint32_t flow)
{
	conntrack_set_limits(ct, &(struct ct_limits){ .connections = conns, .zone = zone,
						      .embryonic = emb, .flow = flow });
}

/* A zone full of connections that are not handshakes (UDP) is refused with
 * zone-limit, nothing is evicted, and another zone still opens connections. */
static void zone_limit(void)
{
	struct conntrack *ct = table("cl_zone", 64);
	struct ct_zone_usage u;
	enum ct_admit why;

	set_limits(ct, 64, 8, 4, 64);
	for (uint32_t i = 0; i < 8; i++)
		CU_ASSERT_PTR_NOT_NULL(open_one(ct, ZONE_LGWAN, i, 1, IPPROTO_UDP, 0, &why));
	CU_ASSERT_PTR_NULL(open_one(ct, ZONE_LGWAN, 100, 1, IPPROTO_UDP, 5000, &why));
	CU_ASSERT_EQUAL(why, CT_ADMIT_ZONE);
	CU_ASSERT_EQUAL(n_records, 0);
	for (uint32_t i = 0; i < 8; i++)
		CU_ASSERT_PTR_NOT_NULL(open_one(ct, ZONE_MYNUMBER, i, 2, IPPROTO_UDP, 0, &why));
	conntrack_zone_usage(ct, ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.live, 8);
	CU_ASSERT_EQUAL(u.embryonic, 0);
	CU_ASSERT_EQUAL(conntrack_count(ct), 16);
	/* A connection that ends gives its zone and its flow their share back. */
	CU_ASSERT_EQUAL(conntrack_flush(ct, 1000, FLOWREC_END_SHUTDOWN), 16);
	conntrack_zone_usage(ct, ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.live, 0);
	CU_ASSERT_EQUAL(conntrack_flow_count(ct, 1), 0);
	conntrack_free(ct);
}

/* Handshakes beyond the zone's embryonic share: a fresh flood is refused
 * (embryonic-limit); once the oldest handshake has had its second, a new one evicts
 * it, oldest first, and an established connection is never the victim. */
static void embryonic_early_drop(void)
{
	struct conntrack *ct = table("cl_emb", 64);
	struct ct_entry *e[4], *est, *victim;
	struct ct_zone_usage u;
	enum ct_admit why;

	set_limits(ct, 64, 32, 4, 64);
	est = open_one(ct, ZONE_LGWAN, 99, 1, IPPROTO_TCP, 0, &why);
	conntrack_established(ct, est);
	CU_ASSERT_FALSE(conntrack_is_embryonic(ct, est));
	for (uint32_t i = 0; i < 4; i++)
		e[i] = open_one(ct, ZONE_LGWAN, i, 1, IPPROTO_TCP, 100 + i, &why);
	conntrack_zone_usage(ct, ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.embryonic, 4);
	CU_ASSERT_EQUAL(u.live, 5);
	/* Fresh handshakes only: refused, nothing evicted. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 500, &victim),
			CT_ADMIT_EMBRYONIC);
	CU_ASSERT_PTR_NULL(victim);
	/* A datagram is no handshake: it is not held by the embryonic share. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, false, 500, &victim),
			CT_ADMIT_OK);
	/* A second on, the oldest handshake makes room, then the next oldest. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 1100, &victim),
			CT_ADMIT_EMBRYONIC);
	CU_ASSERT_PTR_EQUAL(victim, e[0]);
	open_one(ct, ZONE_LGWAN, 10, 1, IPPROTO_TCP, 1100, &why);
	CU_ASSERT_EQUAL(n_records, 1);
	CU_ASSERT_EQUAL(records[0].end_reason, FLOWREC_END_TABLE_FULL);
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 1101, &victim),
			CT_ADMIT_EMBRYONIC);
	CU_ASSERT_PTR_EQUAL(victim, e[1]);
	/* A handshake that completes leaves the list: the next victim skips it. */
	conntrack_established(ct, e[1]);
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 1102, &victim),
			CT_ADMIT_OK);
	CU_ASSERT_PTR_NULL(victim);
	conntrack_zone_usage(ct, ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.embryonic, 3);
	/* Ended in any way, a handshake leaves the list too. */
	conntrack_end(ct, e[2], FLOWREC_END_RST, 1200);
	conntrack_zone_usage(ct, ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.embryonic, 2);
	CU_ASSERT_EQUAL(u.live, 4);
	conntrack_free(ct);
}

/* A flow at its limit evicts only its own handshakes, never another flow's of the same
 * zone; the flow's own max_connections overrides the default. */
static void flow_limit(void)
{
	struct conntrack *ct = table("cl_flow", 64);
	struct ct_entry *other, *victim;
	enum ct_admit why;

	set_limits(ct, 64, 64, 64, 3);
	other = open_one(ct, ZONE_LGWAN, 50, 2, IPPROTO_TCP, 0, &why);
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT_PTR_NOT_NULL(open_one(ct, ZONE_LGWAN, i, 1, IPPROTO_TCP, 10, &why));
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 100, &victim),
			CT_ADMIT_FLOW);
	CU_ASSERT_PTR_NULL(victim);
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 0, true, 2000, &victim),
			CT_ADMIT_FLOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(victim);
	CU_ASSERT_PTR_NOT_EQUAL(victim, other);
	/* max_connections of 10 for this flow: room. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 1, 10, true, 100, &victim),
			CT_ADMIT_OK);
	/* flow 2 is below its share. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_LGWAN, 2, 0, true, 100, &victim),
			CT_ADMIT_OK);
	CU_ASSERT_EQUAL(conntrack_flow_count(ct, 1), 3);
	conntrack_free(ct);
}

/* The whole table full: the zone holding the most handshakes gives its oldest up;
 * another zone's established connections are never touched. */
static void table_limit(void)
{
	struct conntrack *ct = table("cl_table", 64);
	struct ct_entry *victim, *lg;
	struct ct_zone_usage u;
	enum ct_admit why;

	set_limits(ct, 16, 16, 16, 16);
	for (uint32_t i = 0; i < 8; i++) {
		struct ct_entry *e = open_one(ct, ZONE_MYNUMBER, i, 1, IPPROTO_TCP, 0, &why);

		conntrack_established(ct, e);
	}
	lg = open_one(ct, ZONE_LGWAN, 0, 2, IPPROTO_TCP, 0, &why);
	for (uint32_t i = 1; i < 8; i++)
		open_one(ct, ZONE_LGWAN, i, 2, IPPROTO_TCP, 0, &why);
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_INTERNET, 3, 0, true, 1500, &victim),
			CT_ADMIT_TABLE);
	CU_ASSERT_PTR_EQUAL(victim, lg);
	/* Each new datagram of internet takes one lgwan handshake's place. */
	for (uint32_t i = 0; i < 8; i++)
		CU_ASSERT_PTR_NOT_NULL(open_one(ct, ZONE_INTERNET, i, 3, IPPROTO_UDP, 1500,
						&why));
	CU_ASSERT_EQUAL(conntrack_count(ct), 16);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_TABLE_FULL), 8);
	/* Nothing but established connections and datagrams left: refused. */
	CU_ASSERT_EQUAL(conntrack_admit(ct, ZONE_INTERNET, 3, 0, true, 5000, &victim),
			CT_ADMIT_TABLE);
	CU_ASSERT_PTR_NULL(victim);
	conntrack_zone_usage(ct, ZONE_MYNUMBER, &u);
	CU_ASSERT_EQUAL(u.live, 8);
	conntrack_free(ct);
}

/* pf's adaptive timeouts: past adaptive_start the sweep ends handshakes and other
 * non-established connections early, linearly to none left at adaptive_end;
 * established TCP connections keep their timeout. */
static void adaptive_timeouts(void)
{
	struct conntrack *ct = table("cl_adaptive", 128);
	struct ct_entry *est[20];
	struct ct_limits l = { .connections = 100, .adaptive_start = 60, .adaptive_end = 120 };
	enum ct_admit why;

	conntrack_set_limits(ct, &l);
	/* 90 connections: halfway from 60 to 120, the timeouts are halved. */
	for (uint32_t i = 0; i < 20; i++) {
		est[i] = open_one(ct, ZONE_LGWAN, i, 1, IPPROTO_TCP, 0, &why);
		est[i]->tcp.state = TCP_ESTABLISHED;
		conntrack_established(ct, est[i]);
	}
	for (uint32_t i = 20; i < 90; i++)
		open_one(ct, ZONE_LGWAN, i, 1, IPPROTO_TCP, 0, &why); /* 240 s timeouts */
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 119000, UINT32_MAX, 0, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(conntrack_timeout_scale(ct), CONNTRACK_SCALE_ONE / 2);
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 120000, UINT32_MAX, 0, NULL, NULL, 0), 70);
	CU_ASSERT_EQUAL(conntrack_count(ct), 20);
	CU_ASSERT_EQUAL(n_records, 70);
	/* Below adaptive_start again: full timeouts. */
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 200000, UINT32_MAX, 0, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(conntrack_timeout_scale(ct), CONNTRACK_SCALE_ONE);
	conntrack_free(ct);

	/* At adaptive_end, every non-established connection ends at the next sweep. */
	ct = table("cl_adaptive_end", 256);
	conntrack_set_limits(ct, &(struct ct_limits){ .connections = 100,
						      .adaptive_start = 60,
						      .adaptive_end = 100 });
	for (uint32_t i = 0; i < 100; i++)
		open_one(ct, ZONE_LGWAN, i, 1, i % 2 ? IPPROTO_TCP : IPPROTO_UDP, 0, &why);
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 1, UINT32_MAX, 0, NULL, NULL, 0), 100);
	conntrack_free(ct);
}

/* The common appliance.cfg with a `limits` group appended; malloc'd path. */
static char *cfg_with_limits(const char *limits)
{
	const char *src = getenv("BUNRI_SRCDIR");
	char path[4096], *text, *path_out;
	FILE *in;
	long n;

	snprintf(path, sizeof(path), "%s/tests/pcap/common/appliance.cfg", src ? src : ".");
	in = fopen(path, "r");
	CU_ASSERT_FATAL(in != NULL);
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	rewind(in);
	text = calloc(1, (size_t)n + strlen(limits) + 2);
	CU_ASSERT_FATAL(text != NULL && fread(text, 1, (size_t)n, in) == (size_t)n);
	fclose(in);
	strcat(text, limits);
	path_out = cfgfile_write(text);
	free(text);
	return path_out;
}

/* Through the pipeline: an lgwan /24 floods SYNs (LG-IN-010) into a 64-connection
 * table while mynumber opens connections (MN-LG-001): every mynumber connection is
 * new; the flood's excess is dropped as embryonic-limit, and once its handshakes are
 * a second old, new SYNs evict them (early drop, counted per zone). */
static void pipeline_flood(void)
{
	char *cfg = cfg_with_limits("limits = { connections = 64; zone_connections = 50; "
				    "zone_embryonic = 25; };\n");
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	const struct counters *c;
	unsigned fresh = 0, refused = 0, other = 0, arp;
	struct fixture f;

	fixture_up_cfg(&f, 1024, cfg);
	lgwan_router_answers(&f, 0, T0_MS);
	for (unsigned i = 0; i < 200; i++) {
		b[0] = tcp(ZONE_LGWAN, IP4(10, 20, 16, 1 + i % 200), VB, (uint16_t)(20000 + i),
			   3389, RTE_TCP_SYN_FLAG, 1, 0);
		pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS + 1 + i, v);
		fresh += v[0].reason == REASON_NEW;
		refused += v[0].reason == REASON_EMBRYONIC_LIMIT;
		if (i % 20 == 0) {
			v[0] = syn_to_lgwan(&f, (uint16_t)(30000 + i), T0_MS + 1 + i);
			other += v[0].reason == REASON_NEW;
		}
		take_tx(&f, ZONE_INTERNET, 0, &arp);
		take_tx(&f, ZONE_LGWAN, 0, &arp);
	}
	/* 25% of 64 handshakes: 16 admitted, the rest of the fresh flood refused. */
	CU_ASSERT_EQUAL(fresh, 16);
	CU_ASSERT_EQUAL(refused, 184);
	CU_ASSERT_EQUAL(other, 10);
	c = pipeline_counters(f.p);
	CU_ASSERT_EQUAL(c->drop[ZONE_LGWAN][REASON_EMBRYONIC_LIMIT], 184);
	CU_ASSERT_EQUAL(c->early_drop[ZONE_LGWAN], 0);
	/* Two seconds on: the flood's old handshakes make room for new SYNs. */
	for (unsigned i = 0; i < 5; i++) {
		b[0] = tcp(ZONE_LGWAN, PC2, VB, (uint16_t)(60000 + i), 3389, RTE_TCP_SYN_FLAG,
			   1, 0);
		pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS + 2200, v);
		CU_ASSERT_EQUAL(v[0].reason, REASON_NEW);
		take_tx(&f, ZONE_INTERNET, 0, &arp);
	}
	CU_ASSERT_EQUAL(c->early_drop[ZONE_LGWAN], 5);
	CU_ASSERT_EQUAL(c->early_drop[ZONE_MYNUMBER], 0);
	CU_ASSERT_EQUAL(conntrack_count(pipeline_conntrack(f.p)), 26);
	fixture_down(&f);
	free(cfg);
}

/* A zone's connections that complete their handshake stop counting as embryonic, and
 * once the zone holds its half of the table it gets zone-limit. */
static void pipeline_zone_share(void)
{
	char *cfg = cfg_with_limits("limits = { connections = 16; flow_connections = 100; };\n");
	struct rte_mbuf *b[1];
	struct pipeline_verdict v[1];
	struct ct_zone_usage u;
	struct fixture f;
	unsigned arp;

	fixture_up_cfg(&f, 1024, cfg);
	for (unsigned i = 0; i < 9; i++) {
		b[0] = udp(ZONE_LGWAN, PC2, VB, (uint16_t)(50000 + i), 3389);
		pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS + i, v);
		CU_ASSERT_EQUAL(v[0].reason, i < 8 ? REASON_NEW : REASON_ZONE_LIMIT);
		take_tx(&f, ZONE_INTERNET, 0, &arp);
	}
	conntrack_zone_usage(pipeline_conntrack(f.p), ZONE_LGWAN, &u);
	CU_ASSERT_EQUAL(u.live, 8);
	CU_ASSERT_EQUAL(u.embryonic, 0);
	/* A handshake that completes leaves the embryonic count. */
	b[0] = tcp(ZONE_INTERNET, IP4(172, 16, 30, 10), IP4(10, 20, 6, 20), 41000, 445,
		   RTE_TCP_SYN_FLAG, 100, 0);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 20, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_NEW);
	conntrack_zone_usage(pipeline_conntrack(f.p), ZONE_INTERNET, &u);
	CU_ASSERT_EQUAL(u.embryonic, 1);
	b[0] = tcp(ZONE_LGWAN, IP4(10, 20, 6, 20), IP4(172, 16, 30, 10), 445, 41000,
		   RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 500, 101);
	pipeline_rx(f.p, ZONE_LGWAN, 0, b, 1, T0_MS + 21, v);
	b[0] = tcp(ZONE_INTERNET, IP4(172, 16, 30, 10), IP4(10, 20, 6, 20), 41000, 445,
		   RTE_TCP_ACK_FLAG, 101, 501);
	pipeline_rx(f.p, ZONE_INTERNET, 0, b, 1, T0_MS + 22, v);
	CU_ASSERT_EQUAL(v[0].reason, REASON_ESTABLISHED);
	conntrack_zone_usage(pipeline_conntrack(f.p), ZONE_INTERNET, &u);
	CU_ASSERT_EQUAL(u.embryonic, 0);
	CU_ASSERT_EQUAL(u.live, 1);
	take_tx(&f, ZONE_INTERNET, 0, &arp);
	take_tx(&f, ZONE_LGWAN, 0, &arp);
	fixture_down(&f);
	free(cfg);
}

/* `limits` keys: bad values are errors at their line; the values (and a flow's
 * max_connections) survive the compiled policy's binary form. */
static void config_keys(void)
{
	static const char *const flows[] = {
		TEST_FLOW("LG-1", "lgwan:pcs", "internet:vb", "\"rdp\"", "max_connections = 500;"),
		NULL,
	};
	static const char *const bad_flows[] = {
		TEST_FLOW("LG-1", "lgwan:pcs", "internet:vb", "\"rdp\"", "max_connections = 0;"),
		NULL,
	};
	char *pol = test_policy_text(flows), *bad_pol = test_policy_text(bad_flows);
	char app[4096], bad[4096];
	struct cpolicy *cp = NULL, *back = NULL;
	const struct cp_limits *lim;
	const struct cp_flow *cf;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct diag *d;
	int ret;

	snprintf(bad, sizeof(bad), "%s%s", TEST_APPLIANCE,
		 "limits = {\n zone_connections = 0;\n zone_embryonic = 101;\n"
		 " adaptive_start = 70;\n adaptive_end = 50;\n connections = 4;\n"
		 " flow_connections = \"half\";\n spare = 1;\n};\n");
	d = test_build(bad, pol, test_now(), &ret, NULL);
	CU_ASSERT_NOT_EQUAL(ret, 0);
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", 15, NULL, 0));
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", 16, NULL, 0));
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", 18, NULL, 0));
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", 19, NULL, 0));
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", 20, NULL, 0));
	diag_free(d);
	d = test_build(TEST_APPLIANCE, bad_pol, test_now(), &ret, NULL);
	CU_ASSERT_TRUE(diag_has(d, DIAG_ERROR, "bad-limit", TEST_LINE(0), "LG-1", 0));
	diag_free(d);

	snprintf(app, sizeof(app), "%s%s", TEST_APPLIANCE,
		 "limits = { connections = 200000; zone_connections = 40; zone_embryonic = 10; "
		 "flow_connections = 30; adaptive_start = 50; adaptive_end = 150; };\n");
	d = test_build(app, pol, test_now(), &ret, &cp);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	diag_free(d);
	CU_ASSERT_EQUAL_FATAL(cpolicy_serialize(cp, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(cpolicy_deserialize(buf, len, &back), 0);
	lim = cpolicy_limits(back);
	CU_ASSERT_EQUAL(lim->connections, 200000);
	CU_ASSERT_EQUAL(lim->zone_connections, 40);
	CU_ASSERT_EQUAL(lim->zone_embryonic, 10);
	CU_ASSERT_EQUAL(lim->flow_connections, 30);
	CU_ASSERT_EQUAL(lim->adaptive_start, 50);
	CU_ASSERT_EQUAL(lim->adaptive_end, 150);
	CU_ASSERT_EQUAL_FATAL(cpolicy_flows(back, &cf), 1);
	CU_ASSERT_EQUAL(cf[0].max_connections, 500);
	free(buf);
	cpolicy_free(back);
	cpolicy_free(cp);

	/* No `limits`: no zone above half the table, a quarter in handshakes. */
	d = test_build(TEST_APPLIANCE, pol, test_now(), &ret, &cp);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(cpolicy_limits(cp)->zone_connections, 50);
	CU_ASSERT_EQUAL(cpolicy_limits(cp)->zone_embryonic, 25);
	CU_ASSERT_EQUAL(cpolicy_limits(cp)->adaptive_start, 60);
	CU_ASSERT_EQUAL(cpolicy_limits(cp)->adaptive_end, 120);
	diag_free(d);
	cpolicy_free(cp);
	free(pol);
	free(bad_pol);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "a zone at its share is refused, others are not", zone_limit },
		{ "handshakes beyond the share: refused, then oldest evicted",
		  embryonic_early_drop },
		{ "a flow at its limit evicts only its own handshakes", flow_limit },
		{ "a full table takes from the zone with most handshakes", table_limit },
		{ "adaptive timeouts shrink with the table's fill", adaptive_timeouts },
		{ "a flood from one zone leaves another zone's connections new", pipeline_flood },
		{ "a zone's half of the table, handshakes that complete", pipeline_zone_share },
		{ "limits keys are checked and compiled", config_keys },
		{ NULL, NULL },
	};
	int ret;

	if (pipeline_fixture_start("test_connlimit") != 0)
		return 2;
	ret = test_run("connlimit", cases);
	pipeline_fixture_stop();
	return ret;
}
