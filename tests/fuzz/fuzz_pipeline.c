/* libFuzzer: arbitrary frames into the packet pipeline, on real mbufs, against the
 * pcap cases' appliance and policy. An input is a sequence of records
 * [ctl][len lo][len hi][frame]: ctl % 3 is the ingress zone, bit 7 addresses the frame
 * to the zone's port MAC (so most frames get past L2), bits 2-6 advance the clock; the
 * top two bits of len hi pick the zone's port it came in on (the zones have one, so
 * 1-3 are ports that do not exist). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "flowrec.h"
#include "pipeline.h"
#include "policy.h"

#define T0_MS 1780272000000LL /* 2026-06-01 09:00 JST */

static struct rte_mempool *pool;
static struct flowname *names;
static struct tables *tables;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(void *ctx, const struct flowrec *r)
{
	char buf[2048];

	(void)ctx;
	if (flowrec_format_json(r, buf, sizeof(buf)) < 0)
		abort(); /* the pipeline emitted a record the log cannot write */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("BUNRI_SRCDIR");
	struct rte_ether_addr macs[ZONE_COUNT] = { 0 };
	char prefix[64], cfg[4096], pol[4096];
	char *eal[] = { (*argv)[0], "--no-huge", "-m", "256", "--no-pci", "--no-telemetry", "--no-shconf",
			"--file-prefix", prefix, "--log-level", "*:error", "-l", "0", NULL };
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "fuzz_pipeline_%ld", (long)getpid());
	snprintf(cfg, sizeof(cfg), "%s/tests/pcap/common/appliance.cfg", src ? src : ".");
	snprintf(pol, sizeof(pol), "%s/tests/pcap/common/policy.cfg", src ? src : ".");
	if (d == NULL || rte_eal_init((int)(sizeof(eal) / sizeof(eal[0]) - 1), eal) < 0 ||
	    policy_build(cfg, pol, T0_MS / 1000, d, &cp) != 0) {
		fprintf(stderr, "fuzz_pipeline: EAL or policy failed; set BUNRI_SRCDIR\n");
		abort();
	}
	diag_free(d);
	pool = rte_pktmbuf_pool_create("fuzz_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	names = flowname_create();
	if (pool == NULL || names == NULL ||
	    tables_build(cp, macs, 1, names, 1, SOCKET_ID_ANY, &tables) != 0)
		abort();
	return 0;
}

static void drain(struct pipeline *p)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++) {
			struct pipeline_tx *tx = pipeline_tx(p, (uint8_t)z, (uint8_t)l);

			rte_pktmbuf_free_bulk(tx->pkts, tx->n);
			tx->n = 0;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline_conf pc = {
		.name = "fuzz", .tables = &tables, .pool = pool,
		.sink = { .emit = check_record }, .names = names,
		.conn_capacity = 256, .neigh_capacity = 32, .deny_capacity = 32,
		.socket = SOCKET_ID_ANY,
	};
	struct pipeline *p;
	int64_t now = T0_MS;

	/* A fresh pipeline per input keeps every run reproducible on its own. */
	if (pipeline_create(&pc, &p) != 0)
		abort();
	while (size >= 3) {
		uint8_t ctl = data[0];
		size_t len = (size_t)data[1] | (size_t)(data[2] & 0x3f) << 8;
		uint8_t zone = ctl % ZONE_COUNT, link = data[2] >> 6;
		struct rte_mbuf *m;
		char *buf;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		now += (ctl >> 2 & 0x1f) * 700; /* up to 21.7 s: timeouts and ARP holds fire */
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort(); /* a leak in the pipeline would empty the pool */
		buf = rte_pktmbuf_append(m, (uint16_t)len);
		memcpy(buf, data, len);
		if ((ctl & 0x80) && len >= RTE_ETHER_ADDR_LEN)
			memcpy(buf, &tables->zone[zone].mac, RTE_ETHER_ADDR_LEN);
		data += len;
		size -= len;
		pipeline_rx(p, zone, link, &m, 1, now, NULL);
		drain(p);
		pipeline_sweep(p, now, 64);
		drain(p);
	}
	pipeline_shutdown(p, now);
	drain(p);
	pipeline_free(p);
	return 0;
}
