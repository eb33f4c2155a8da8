/* Micro-benchmark of the packet pipeline: bursts of 32 frames in memory, through the
 * same pipeline_rx() the daemon runs, on real mbufs. Prints ns and cycles per packet
 * for established connections, for new connections against 10, 1,000 and 10,000
 * rules, for denied frames, and with 1M concurrent connections (and the table's
 * memory), then what a sweep of the connection table costs; each the best of three
 * rounds. Figures only: nothing here is asserted.
 *
 *   bench_pipeline [--packets N] [--conns N] [--only established|new|deny|fill|sweep] [--huge]
 *
 * --only runs one part (and its set-up), e.g. under `perf record`. --huge takes DPDK's
 * memory from 2 MiB hugepages (reserve 1,600 first) as an installed appliance does;
 * without it, 4 KiB pages (--no-huge), as CI can run it anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "acl.h"
#include "conntrack.h"
#include "pipeline.h"
#include "policy.h"
#include "tables.h"

#define BURST 32
#define ROUNDS 3
#define FRAME_LEN 64
#define T_NOW 1780272000000LL /* 2026-06-01 09:00 JST, ms */
#define LG_PORT_MAC { 0x02, 0xb0, 0, 0, 0, 0x02 }
#define LG_ROUTER_MAC { 0x52, 0x54, 0, 0, 0x20, 0xfe }
#define VB 0xac10140au     /* 172.16.20.10 */

static uint64_t records;

static void count_record(void *ctx, const struct flowrec *r)
{
	(void)ctx;
	(void)r;
	records++;
}

/* Writes appliance.cfg and a policy.cfg of n flows, flow i from lgwan host i to the
 * internet host on UDP port 1024 + i (one rule each). */
static int write_configs(const char *dir, unsigned n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/appliance.cfg", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f,
		"appliance = { name = \"bench\"; };\n"
		"zones = {\n"
		"  mynumber = { port = \"p0\"; mac = \"02:b0:00:00:00:01\"; address = \"10.10.0.1/24\";\n"
		"    networks = [\"10.10.0.0/16\"]; };\n"
		"  lgwan = { port = \"p1\"; mac = \"02:b0:00:00:00:02\"; address = \"10.20.0.1/24\";\n"
		"    networks = [\"10.20.0.0/15\"];\n"
		"    routes = ( { to = \"10.20.0.0/15\"; via = \"10.20.0.254\"; } );\n"
		"    neighbors = ( { ip = \"10.20.0.254\"; mac = \"52:54:00:00:20:fe\"; } ); };\n"
		"  internet = { port = \"p2\"; mac = \"02:b0:00:00:00:03\"; address = \"172.16.0.1/24\";\n"
		"    networks = [\"172.16.0.0/16\"];\n"
		"    routes = ( { to = \"172.16.0.0/16\"; via = \"172.16.0.254\"; } );\n"
		"    neighbors = ( { ip = \"172.16.0.254\"; mac = \"52:54:00:00:16:fe\"; } ); };\n"
		"};\n"
		"sanitizer = { host = \"172.16.30.10\"; };\n"
		"control = { socket = \"/tmp/bunri-bench.sock\"; };\n"
		"logging = { dir = \"/tmp/bunri-bench\"; };\n"
		/* One zone fills the whole table here: its share is opened to all of it
		 * (the limits are still checked for every new connection). */
		"limits = { zone_connections = 100; zone_embryonic = 100; "
		"flow_connections = 100; };\n");
	if (fclose(f) != 0)
		return -errno;

	snprintf(path, sizeof(path), "%s/policy.cfg", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "hosts = {\n  vb = { address = \"172.16.20.10\"; };\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  h%u = { address = \"10.%u.%u.%u\"; };\n", i, 20 + i / 62500,
			i / 250 % 250 + 1, i % 250 + 1);
	fprintf(f, "};\nservices = {\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  s%u = \"udp/%u\";\n", i, 1024 + i);
	fprintf(f, "};\nflows = (\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  { id = \"F%u\"; purpose = \"bench\"; from = \"lgwan:h%u\"; "
			"to = \"internet:vb\"; services = [\"s%u\"]; approved_by = \"bench\"; "
			"valid_from = \"2026-04-01\"; valid_until = \"2027-03-31\"; }%s\n",
			i, i, i, i + 1 < n ? "," : "");
	fprintf(f, ");\n");
	return fclose(f) != 0 ? -errno : 0;
}

static uint32_t host_addr(unsigned i)
{
	return (uint32_t)(10u << 24 | (20u + i / 62500) << 16 | (i / 250 % 250 + 1) << 8 |
			  (i % 250 + 1));
}

/* A 64-byte UDP frame from lgwan host `rule` (to its allowed port) with source
 * port sport, as the lgwan router sends it to the appliance. */
static void frame_fill(uint8_t *buf, unsigned rule, uint16_t sport)
{
	static const struct rte_ether_addr dst = { .addr_bytes = LG_PORT_MAC };
	static const struct rte_ether_addr src = { .addr_bytes = LG_ROUTER_MAC };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	memset(buf, 0, FRAME_LEN);
	eh->dst_addr = dst;
	eh->src_addr = src;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(FRAME_LEN - sizeof(*eh));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(host_addr(rule));
	ip->dst_addr = rte_cpu_to_be_32(VB);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16((uint16_t)(1024 + rule));
	uh->dgram_len = rte_cpu_to_be_16(FRAME_LEN - sizeof(*eh) - sizeof(*ip));
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh); /* as hosts send it */
}

struct bench {
	struct rte_mempool *pool;
	struct flowname *names;
	struct tables *tables;
	struct pipeline *pipe;
	unsigned n_rules;
	size_t tables_bytes;          /* rte_malloc heap the tables took */
	size_t pipeline_bytes;        /* and the pipeline (connection table included) */
	uint8_t (*frames)[FRAME_LEN]; /* the frames one round sends, in order */
	unsigned n_frames;
};

static void tx_recycle(struct pipeline *p)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++) {
			struct pipeline_tx *tx = pipeline_tx(p, (uint8_t)z, (uint8_t)l);

			rte_pktmbuf_free_bulk(tx->pkts, tx->n);
			tx->n = 0;
		}
	}
}

/* Sends frames[0..count) (wrapping) in bursts; returns TSC cycles spent. Copying each
 * template into its mbuf stands in for the NIC's DMA and is inside the timing. */
static uint64_t run(struct bench *b, uint64_t count, int64_t now)
{
	struct rte_mbuf *burst[BURST];
	uint64_t start = rte_rdtsc(), sent = 0;
	unsigned next = 0;

	while (sent < count) {
		unsigned n = (unsigned)RTE_MIN((uint64_t)BURST, count - sent);

		if (rte_pktmbuf_alloc_bulk(b->pool, burst, n) != 0) {
			fprintf(stderr, "bench_pipeline: mbuf pool empty\n");
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			memcpy(rte_pktmbuf_append(burst[i], FRAME_LEN), b->frames[next], FRAME_LEN);
			next = next + 1 == b->n_frames ? 0 : next + 1;
		}
		pipeline_rx(b->pipe, ZONE_LGWAN, 0, burst, (uint16_t)n, now, NULL);
		tx_recycle(b->pipe);
		sent += n;
	}
	return rte_rdtsc() - start;
}

/* rte_acl alone over the keys of frames[0..count), in bursts as the pipeline
 * classifies them: TSC cycles spent. */
static uint64_t acl_only(struct bench *b, unsigned count)
{
	struct acl_key keys[BURST];
	const struct acl_key *kp[BURST];
	uint32_t res[BURST * ACL_CATEGORIES];
	uint64_t cycles = 0, start;

	for (unsigned done = 0; done < count; done += BURST) {
		unsigned n = RTE_MIN(BURST, count - done);

		for (unsigned i = 0; i < n; i++) {
			const uint8_t *f = b->frames[done + i];
			const struct rte_ipv4_hdr *ip = (const void *)(f + sizeof(struct rte_ether_hdr));
			const struct rte_udp_hdr *uh = (const void *)(ip + 1);

			acl_key_fill(&keys[i], IPPROTO_UDP, ZONE_LGWAN, ZONE_INTERNET,
				     rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_32(ip->dst_addr),
				     rte_be_to_cpu_16(uh->dst_port),
				     ((const struct rte_ether_hdr *)f)->src_addr.addr_bytes);
			kp[i] = &keys[i];
		}
		start = rte_rdtsc();
		if (acl_classify(b->tables->acl, kp, res, n) != 0 || res[0] == 0)
			fprintf(stderr, "bench_pipeline: rule lookup failed\n");
		cycles += rte_rdtsc() - start;
	}
	return cycles;
}

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats s;

	if (rte_malloc_get_socket_stats(0, &s) != 0)
		return 0;
	return s.heap_allocsz_bytes;
}

/* The machine is shared: the best of a few rounds is the pipeline's own cost. */
static uint64_t best_of(struct bench *b, uint64_t count, int64_t now)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t c = run(b, count, now);

		if (c < best)
			best = c;
	}
	return best;
}

/* Compiles the policy of n_rules flows and builds its tables as `generation`. */
static int make_tables(struct bench *b, unsigned n_rules, uint64_t generation,
		       struct tables **out)
{
	struct rte_ether_addr macs[ZONE_COUNT] = { 0 };
	char dir[] = "/tmp/bunri-bench-XXXXXX";
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	int ret;

	if (d == NULL || mkdtemp(dir) == NULL) {
		diag_free(d);
		return -ENOMEM;
	}
	ret = write_configs(dir, n_rules);
	if (ret == 0) {
		char a[300], p[300];

		snprintf(a, sizeof(a), "%s/appliance.cfg", dir);
		snprintf(p, sizeof(p), "%s/policy.cfg", dir);
		ret = policy_build(a, p, T_NOW / 1000, d, &cp);
		if (ret != 0)
			diag_print(d, stderr);
		unlink(a);
		unlink(p);
	}
	rmdir(dir);
	diag_free(d);
	if (ret != 0)
		return ret;
	ret = tables_build(cp, macs, generation, b->names, 1, SOCKET_ID_ANY, out);
	if (ret != 0)
		cpolicy_free(cp);
	return ret;
}

static int setup(struct bench *b, unsigned n_rules, uint32_t capacity)
{
	struct pipeline_conf pc = { 0 };
	size_t heap = heap_used();
	int ret;

	ret = make_tables(b, n_rules, 1, &b->tables);
	if (ret != 0)
		return ret;
	b->tables_bytes = heap_used() - heap;
	heap = heap_used();
	pc.name = "bench";
	pc.tables = &b->tables;
	pc.pool = b->pool;
	pc.sink = (struct flowrec_sink){ .emit = count_record };
	pc.names = b->names;
	pc.conn_capacity = capacity;
	pc.socket = SOCKET_ID_ANY;
	b->n_rules = n_rules;
	ret = pipeline_create(&pc, &b->pipe);
	b->pipeline_bytes = heap_used() - heap;
	return ret;
}

static void teardown(struct bench *b)
{
	const struct counters *c = pipeline_counters(b->pipe);

	/* The figures are for forwarded packets: say so if some took the drop path. */
	for (unsigned r = 0; r < REASON_COUNT; r++)
		if (c->drop[ZONE_LGWAN][r] != 0)
			printf("  (%" PRIu64 " frames dropped as %s)\n", c->drop[ZONE_LGWAN][r],
			       reason_name((enum reason)r));
	pipeline_free(b->pipe);
	tables_free(b->tables);
	b->pipe = NULL;
	b->tables = NULL;
}

static void report(const char *what, uint64_t cycles, uint64_t packets)
{
	double cpp = (double)cycles / (double)packets;

	printf("%-44s %10.1f ns/pkt %10.1f cycles/pkt %8.2f Mpps\n", what,
	       cpp * 1e9 / (double)rte_get_tsc_hz(), cpp,
	       (double)packets / ((double)cycles / (double)rte_get_tsc_hz()) / 1e6);
}

/* Frames of `conns` distinct connections spread over the rules; round gives other
 * source ports, so another round opens other connections. */
static void frames_for(struct bench *b, unsigned conns, unsigned round)
{
	for (unsigned i = 0; i < conns; i++)
		frame_fill(b->frames[i], i % b->n_rules,
			   (uint16_t)(1024 + (round * conns + i) / b->n_rules));
	b->n_frames = conns;
}

/* Frames no rule allows, each a tuple of its own (host i % n_rules to a port outside
 * its rule): what a scan or a flood from inside a zone looks like. */
static void deny_frames_for(struct bench *b, unsigned n, unsigned round)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *f = b->frames[i];
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(f + sizeof(struct rte_ether_hdr) +
								sizeof(struct rte_ipv4_hdr));

		frame_fill(f, i % b->n_rules, 40000);
		uh->dst_port = rte_cpu_to_be_16((uint16_t)(20000 + (round * n + i) /
							   b->n_rules % 40000));
	}
	b->n_frames = n;
}

static bool part(const char *only, const char *name)
{
	return only == NULL || strcmp(only, name) == 0;
}

int main(int argc, char **argv)
{
	static const unsigned rule_counts[] = { 10, 1000, 10000 };
	uint64_t packets = 2000000;
	unsigned conns_1m = 1000000;
	struct bench b = { 0 };
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "3072", "--no-pci", "--no-telemetry", "--no-shconf",
			"--file-prefix", prefix, "--log-level", "lib.*:error", "-l", "0", NULL };
	const char *only = NULL;
	int c;

	static const struct option opts[] = {
		{ "packets", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'o' },
		{ "huge", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "p:c:o:H", opts, NULL)) != -1) {
		if (c == 'p')
			packets = strtoull(optarg, NULL, 10);
		else if (c == 'c')
			conns_1m = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'o' && (!strcmp(optarg, "established") || !strcmp(optarg, "new") ||
				      !strcmp(optarg, "deny") || !strcmp(optarg, "fill") ||
				      !strcmp(optarg, "sweep")))
			only = optarg;
		else if (c == 'H')
			eal[1] = "--in-memory"; /* hugepages, and no files left behind */
		else {
			fprintf(stderr, "usage: bench_pipeline [--packets N] [--conns N] "
					"[--only established|new|deny|fill|sweep] [--huge]\n");
			return 2;
		}
	}
	snprintf(prefix, sizeof(prefix), "bench_pipeline_%ld", (long)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0]) - 1), eal) < 0) {
		fprintf(stderr, "bench_pipeline: DPDK EAL did not start\n");
		return 1;
	}
	b.pool = rte_pktmbuf_pool_create("bench_pool", 8191, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	b.names = flowname_create();
	b.frames = malloc((size_t)RTE_MAX(conns_1m, 65536u) * FRAME_LEN);
	if (b.pool == NULL || b.names == NULL || b.frames == NULL) {
		fprintf(stderr, "bench_pipeline: out of memory\n");
		return 1;
	}
	printf("bench_pipeline: bursts of %d, %d-byte UDP frames, TSC %.2f GHz\n", BURST,
	       FRAME_LEN, (double)rte_get_tsc_hz() / 1e9);

	/* Established: 1,024 connections opened once, then only known packets. */
	if (part(only, "established")) {
		if (setup(&b, 10, 65536) != 0)
			return 1;
		frames_for(&b, 1024, 0);
		run(&b, 1024, T_NOW);
		report("established (1,024 connections, 10 rules)",
		       best_of(&b, packets, T_NOW + 1), packets);
		teardown(&b);
	}

	/* New connections: every packet opens one (rule lookup + insert). */
	for (unsigned i = 0; part(only, "new") && i < RTE_DIM(rule_counts); i++) {
		char what[64];
		uint64_t cycles;

		if (setup(&b, rule_counts[i], 65536) != 0)
			return 1;
		/* A first round warms the tables' memory; the best of the next three counts. */
		cycles = UINT64_MAX;
		for (unsigned round = 0; round < 1 + ROUNDS; round++) {
			uint64_t c;

			frames_for(&b, 30000, round);
			c = run(&b, 30000, T_NOW);
			pipeline_shutdown(b.pipe, T_NOW);
			if (round > 0 && c < cycles)
				cycles = c;
		}
		snprintf(what, sizeof(what), "new connections, %u rules", rule_counts[i]);
		report(what, cycles, 30000);
		cycles = UINT64_MAX;
		for (unsigned round = 0; round < ROUNDS; round++)
			cycles = RTE_MIN(cycles, acl_only(&b, 30000));
		report("  of which the rule lookup (rte_acl)", cycles, 30000);
		teardown(&b);
	}

	/* Denied frames, each a new tuple: the deny table aggregates them and, every 4,096
	 * distinct tuples, hands its records over. */
	if (part(only, "deny")) {
		uint64_t cycles = UINT64_MAX;

		if (setup(&b, 10000, 65536) != 0)
			return 1;
		for (unsigned round = 0; round < 1 + ROUNDS; round++) {
			uint64_t c;

			deny_frames_for(&b, 30000, round);
			c = run(&b, 30000, T_NOW);
			if (round > 0 && c < cycles)
				cycles = c;
		}
		report("denied (no rule), each frame a new tuple", cycles, 30000);
		teardown(&b);
	}

	/* 1M concurrent connections: opening them, then traffic over all of them. */
	if (part(only, "fill")) {
		char what[64];
		uint64_t cycles;

		if (setup(&b, 1000, conns_1m) != 0)
			return 1;
		frames_for(&b, conns_1m, 0);
		cycles = run(&b, conns_1m, T_NOW);
		snprintf(what, sizeof(what), "new connections until %u are open", conns_1m);
		report(what, cycles, conns_1m);
		snprintf(what, sizeof(what), "established, over %u connections",
			 conntrack_count(pipeline_conntrack(b.pipe)));
		report(what, best_of(&b, packets, T_NOW + 1), packets);
		printf("%-44s %10.1f MiB for %u connections (%.0f B each; entry %zu B)\n",
		       "memory: pipeline", (double)b.pipeline_bytes / (1 << 20), conns_1m,
		       (double)b.pipeline_bytes / conns_1m, sizeof(struct ct_entry));
		printf("%-44s %10.1f MiB (1,000 rules)\n", "memory: tables",
		       (double)b.tables_bytes / (1 << 20));
		cycles = rte_rdtsc();
		pipeline_sweep(b.pipe, T_NOW + 1000, UINT32_MAX);
		report("sweep of the live connections (per entry)", rte_rdtsc() - cycles,
		       conns_1m);
		/* A reload (the same rules, a new generation): the sweep checks every
		 * connection against the new rules, which is what a worker's sweep step
		 * costs in the second after a reload. */
		{
			struct tables *old = b.tables, *next = NULL;

			if (make_tables(&b, 1000, 2, &next) != 0)
				return 1;
			__atomic_store_n(&b.tables, next, __ATOMIC_RELEASE);
			cycles = rte_rdtsc();
			pipeline_sweep(b.pipe, T_NOW + 2000, UINT32_MAX);
			report("sweep after a reload (each checked anew)", rte_rdtsc() - cycles,
			       conns_1m);
			tables_free(old);
		}
		teardown(&b);
	}
	/* A table sized for 1M connections holding 16,384 (a quiet night on an appliance
	 * sized for the day's peak): one whole sweep pass, which a worker spreads over
	 * 0.8 s; what it costs should follow the live connections, not the capacity. After
	 * the 1M part, so that one still pays for touching its memory first. */
	if (part(only, "sweep")) {
		const uint32_t capacity = 1000000, live = 16384;
		uint64_t cycles = UINT64_MAX;

		if (setup(&b, 10, capacity) != 0)
			return 1;
		frames_for(&b, live, 0);
		run(&b, live, T_NOW);
		for (unsigned round = 0; round < ROUNDS; round++) {
			uint64_t c = rte_rdtsc();

			pipeline_sweep_connections(b.pipe, T_NOW + 1, capacity + 1);
			cycles = RTE_MIN(cycles, rte_rdtsc() - c);
		}
		printf("%-44s %10.1f us per pass (%u live of %u: %.1f ns per live one)\n",
		       "sweep of a table 1/64 full", (double)cycles * 1e6 / (double)rte_get_tsc_hz(),
		       conntrack_count(pipeline_conntrack(b.pipe)), capacity,
		       (double)cycles * 1e9 / (double)rte_get_tsc_hz() / live);
		teardown(&b);
	}

	printf("records emitted: %" PRIu64 "\n", records);
	free(b.frames);
	flowname_free(b.names);
	rte_mempool_free(b.pool);
	{
		/* EAL leaves its (empty, --no-shconf) runtime directory behind. */
		char rundir[PATH_MAX];

		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	return 0;
}
