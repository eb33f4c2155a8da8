/* bunri-replay: pushes pcaps through the packet pipeline the dataplane runs, on the
 * pcap clock, and writes what the appliance decided and sent. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "conntrack.h"
#include "diag.h"
#include "expect.h"
#include "pcapin.h"
#include "pipeline.h"
#include "policy.h"
#include "replay_out.h"
#include "version.h"

#define POOL_SIZE 8191
#define SWEEP_EVERY_MS 1000

struct options {
	const char *config;
	const char *policy;
	const char *out;
	const char *expect;
	bool quiet;
	unsigned n_in;
	uint8_t in_zone[PCAPIN_MAX];
	const char *in_path[PCAPIN_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bunri-replay --config appliance.cfg --policy policy.cfg\n"
		"                    --in ZONE=FILE.pcap [--in ZONE=FILE.pcap ...] --out DIR\n"
		"                    [--expect FILE] [--quiet]\n"
		"ZONE is mynumber, lgwan or internet. Writes DIR/verdicts.jsonl, DIR/<zone>.pcap,\n"
		"DIR/flows.jsonl and DIR/counters.json. Exit: 0 ok, 1 verdicts differ from\n"
		"--expect, 2 bad arguments, input or policy.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "expect", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "c:p:i:o:e:qh", longopts, NULL)) != -1) {
		char *eq;

		switch (c) {
		case 'c': o->config = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'o': o->out = optarg; break;
		case 'e': o->expect = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case 'i':
			eq = strchr(optarg, '=');
			if (eq == NULL) {
				fprintf(stderr, "bunri-replay: --in %s: write ZONE=FILE.pcap\n", optarg);
				return -EINVAL;
			}
			*eq = '\0';
			if (zone_from_name(optarg) == ZONE_NONE) {
				fprintf(stderr, "bunri-replay: --in: unknown zone \"%s\" (mynumber, "
					"lgwan or internet)\n", optarg);
				return -EINVAL;
			}
			if (o->n_in >= PCAPIN_MAX) {
				fprintf(stderr, "bunri-replay: at most %d --in files\n", PCAPIN_MAX);
				return -EINVAL;
			}
			o->in_zone[o->n_in] = (uint8_t)zone_from_name(optarg);
			o->in_path[o->n_in++] = eq + 1;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || o->config == NULL || o->policy == NULL || o->out == NULL ||
	    o->n_in == 0) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int eal_start(const char *prog)
{
	char prefix[64];
	char *args[] = {
		(char *)prog, "--no-huge", "-m", "512", "--no-pci", "--no-telemetry", "--no-shconf",
		"--file-prefix", prefix, "--log-level", "lib.*:error", "--log-level",
		"user1:error", "-l", "0", NULL,
	};
	int ret;

	/* The pid keeps concurrent replays (parallel tests) from sharing runtime files. */
	snprintf(prefix, sizeof(prefix), "bunri-replay-%ld", (long)getpid());
	ret = rte_eal_init((int)(sizeof(args) / sizeof(args[0]) - 1), args);
	if (ret < 0) {
		fprintf(stderr, "bunri-replay: DPDK EAL: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static void eal_stop(void)
{
	char rundir[PATH_MAX];

	/* EAL leaves its runtime directory behind, empty with --no-shconf. */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
}

struct replay {
	struct options o;
	int64_t start_s;
	uint64_t generation;
	struct tables *tables;        /* published to the pipeline */
	struct flowname *names;
	struct rte_ether_addr port_mac[ZONE_COUNT];
	struct rte_mempool *pool;
	struct pipeline *pipe;
	struct replay_out out;
	bool input_cut;               /* an input ended mid-frame: reported after the outputs */
};

/* Compiles the policy files at now (Unix seconds) and installs the result as a reload
 * would: a new generation, one pointer swap, the old tables freed after the pipeline
 * moved on. */
static int install_policy(struct replay *r, int64_t now_s, int64_t now_ms)
{
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	struct tables *t, *old = r->tables;
	int ret;

	if (d == NULL)
		return -ENOMEM;
	ret = policy_build(r->o.config, r->o.policy, now_s, d, &cp);
	if (ret != 0) {
		diag_sort(d);
		diag_print(d, stderr);
		fprintf(stderr, "bunri-replay: the policy does not pass bunrictl check\n");
		goto err_build;
	}
	if (!r->o.quiet && r->generation > 0)
		fprintf(stderr, "bunri-replay: policy recompiled at %" PRId64 "\n", now_s);
	ret = tables_build(cp, r->port_mac, r->generation + 1, r->names, 1, SOCKET_ID_ANY, &t);
	if (ret != 0) {
		fprintf(stderr, "bunri-replay: cannot build the pipeline's tables: %s\n",
			strerror(-ret));
		cpolicy_free(cp);
		goto err_build;
	}
	r->generation++;
	__atomic_store_n(&r->tables, t, __ATOMIC_RELEASE);
	if (r->pipe != NULL) {
		/* The sweep moves the pipeline to the new tables and cuts what they no
		 * longer allow; only then may the old ones go. */
		pipeline_sweep(r->pipe, now_ms, UINT32_MAX);
		replay_out_drain(&r->out, r->pipe, now_ms);
	}
	if (old != NULL) {
		replay_out_retire_tables(&r->out, old, r->names);
		tables_free(old);
	}
	diag_free(d);
	return 0;

err_build:
	diag_free(d);
	return ret;
}

static void port_macs(struct replay *r)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		/* Locally administered, "bnri" and the zone number. */
		struct rte_ether_addr mac = {
			.addr_bytes = { 0x02, 0x62, 0x6e, 0x72, 0x69, (uint8_t)(z + 1) },
		};

		r->port_mac[z] = mac;
	}
}

static void print_macs(const struct replay *r)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		char buf[RTE_ETHER_ADDR_FMT_SIZE];

		if (!r->tables->zone[z].enabled)
			continue;
		rte_ether_format_addr(buf, sizeof(buf), &r->tables->zone[z].mac);
		fprintf(stderr, "bunri-replay: zone %s: port MAC %s\n", zone_name((enum zone)z),
			buf);
	}
}

static struct rte_mbuf *frame_to_mbuf(struct rte_mempool *mp, const struct pcapin_frame *f)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	/* Frames larger than one buffer (jumbo) become a chain, as a NIC would make. */
	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t room, chunk;
		char *dst;

		if (m == NULL)
			goto err;
		room = (uint16_t)RTE_MIN((uint32_t)rte_pktmbuf_tailroom(m), UINT16_MAX);
		chunk = (uint16_t)RTE_MIN(room, f->caplen - off);
		dst = rte_pktmbuf_append(m, chunk);
		if (dst == NULL) {
			rte_pktmbuf_free(m);
			goto err;
		}
		memcpy(dst, f->data + off, chunk);
		off += chunk;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			goto err;
		}
	} while (off < f->caplen);
	return head;
err:
	rte_pktmbuf_free(head);
	return NULL;
}

static int run(struct replay *r, struct pcapin *in)
{
	struct pcapin_frame f;
	char err[512];
	int64_t now_ms = r->start_s * 1000, last_sweep = now_ms;
	int ret;

	while ((ret = pcapin_next(in, &f, err, sizeof(err))) == 1) {
		struct pipeline_verdict v = { .verdict = VERDICT_DROP, .reason = REASON_NO_MBUF,
					      .to = ZONE_NONE };
		int64_t next = cpolicy_next_change(r->tables->cp);
		struct rte_mbuf *m;

		if (f.ts_us / 1000 > now_ms)
			now_ms = f.ts_us / 1000; /* the clock never runs backwards */
		while (next != 0 && now_ms / 1000 >= next) {
			int64_t after;

			/* At the instant of the change, as the controller's timer would. */
			ret = install_policy(r, next, next * 1000);
			if (ret != 0)
				return ret;
			after = cpolicy_next_change(r->tables->cp);
			next = after > next ? after : 0;
		}
		if (now_ms - last_sweep >= SWEEP_EVERY_MS) {
			pipeline_sweep(r->pipe, now_ms, UINT32_MAX);
			replay_out_drain(&r->out, r->pipe, now_ms);
			last_sweep = now_ms;
		}
		m = frame_to_mbuf(r->pool, &f);
		if (m != NULL)
			pipeline_rx(r->pipe, f.zone, 0, &m, 1, now_ms, &v);
		replay_out_drain(&r->out, r->pipe, now_ms);
		ret = replay_out_verdict(&r->out, f.zone, f.index, &v, r->names);
		if (ret != 0)
			return ret;
	}
	if (ret < 0) {
		/* A capture cut short (a full disk, a copy interrupted): what came before it
		 * was replayed, so its records and counters are written before the error is
		 * reported. */
		fprintf(stderr, "bunri-replay: %s; the outputs cover the frames before it\n",
			err);
		r->input_cut = true;
	}
	/* Past every timeout: each connection ends and is recorded. */
	now_ms += pipeline_max_idle_ms(r->pipe) + SWEEP_EVERY_MS;
	pipeline_sweep(r->pipe, now_ms, UINT32_MAX);
	replay_out_drain(&r->out, r->pipe, now_ms);
	pipeline_shutdown(r->pipe, now_ms);
	replay_out_drain(&r->out, r->pipe, now_ms);
	return 0;
}

static int open_inputs(const struct options *o, struct pcapin **out)
{
	struct pcapin *in = pcapin_new();
	char err[512];

	*out = NULL;
	if (in == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < o->n_in; i++) {
		if (pcapin_add(in, o->in_zone[i], o->in_path[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "bunri-replay: %s\n", err);
			pcapin_free(in);
			return -EINVAL;
		}
	}
	*out = in;
	return 0;
}

/* appliance.cfg's deny settings, as the dataplane's workers take them. */
static int deny_settings(const char *config, struct pipeline_conf *pc)
{
	struct diag *d = diag_new();
	struct appliance *a = NULL;
	int ret;

	if (d == NULL)
		return -ENOMEM;
	ret = appliance_load(config, d, &a);
	if (ret == 0) {
		pc->deny_rate = appliance_logging(a)->deny_rate;
		pc->deny_interval_ms = (int64_t)appliance_logging(a)->deny_interval * 1000;
		appliance_free(a);
	} else {
		diag_sort(d);
		diag_print(d, stderr);
	}
	diag_free(d);
	return ret;
}

int main(int argc, char **argv)
{
	struct replay r = { 0 };
	struct pipeline_conf pc = { 0 };
	struct expect *ex = NULL;
	struct pcapin *in = NULL;
	int64_t first;
	int status = 2;

	if (version_asked(argc, argv))
		return printf("bunri-replay %s\n", version_string()) < 0;
	if (parse_args(argc, argv, &r.o) != 0)
		return 2;
	if (open_inputs(&r.o, &in) != 0)
		return 2;
	if (r.o.expect != NULL && expect_load(r.o.expect, stderr, &ex) != 0)
		goto out_inputs;
	first = pcapin_peek_ts(in);
	/* No frame at all: the policy as of the wall clock, so its check still runs. */
	r.start_s = first >= 0 ? first / 1000000 : (int64_t)time(NULL);
	port_macs(&r);
	if (eal_start(argv[0]) != 0)
		goto out_expect;
	r.names = flowname_create();
	if (r.names == NULL)
		goto out_eal;
	if (install_policy(&r, r.start_s, r.start_s * 1000) != 0)
		goto out_names;
	for (unsigned i = 0; i < r.o.n_in; i++) {
		if (!r.tables->zone[r.o.in_zone[i]].enabled) {
			fprintf(stderr, "bunri-replay: --in %s: %s has no zone %s\n",
				r.o.in_path[i], r.o.config, zone_name((enum zone)r.o.in_zone[i]));
			goto out_tables;
		}
	}
	if (!r.o.quiet)
		print_macs(&r);
	r.pool = rte_pktmbuf_pool_create("replay_pool", POOL_SIZE, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (r.pool == NULL) {
		fprintf(stderr, "bunri-replay: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out_tables;
	}
	if (replay_out_open(&r.out, r.o.out) != 0)
		goto out_pool;
	pc.name = "replay";
	pc.tables = &r.tables;
	pc.pool = r.pool;
	pc.sink = replay_out_sink(&r.out);
	pc.names = r.names;
	pc.socket = SOCKET_ID_ANY;
	if (deny_settings(r.o.config, &pc) != 0)
		goto out_files;
	if (pipeline_create(&pc, &r.pipe) != 0) {
		fprintf(stderr, "bunri-replay: cannot create the pipeline\n");
		goto out_files;
	}
	if (run(&r, in) != 0)
		goto out_pipe;
	if (replay_out_finish(&r.out, r.pipe, r.tables, r.names) != 0)
		goto out_pipe;
	if (r.input_cut)
		goto out_pipe;   /* exit 2, with the outputs of what could be read */
	status = 0;
	if (ex != NULL) {
		unsigned bad = expect_compare(ex, r.out.verdicts, r.out.n_verdicts, stderr);

		if (bad > 0) {
			fprintf(stderr, "bunri-replay: %u verdict(s) differ from %s\n", bad,
				r.o.expect);
			status = 1;
		}
	}
	if (!r.o.quiet)
		fprintf(stderr, "bunri-replay: %zu frames, %" PRIu64 " records, output in %s\n",
			r.out.n_verdicts, r.out.records, r.o.out);
out_pipe:
	pipeline_free(r.pipe);
out_files:
	replay_out_close(&r.out);
out_pool:
	rte_mempool_free(r.pool);
out_tables:
	tables_free(r.tables);
out_names:
	flowname_free(r.names);
out_eal:
	eal_stop();
out_expect:
	expect_free(ex);
out_inputs:
	pcapin_free(in);
	return status;
}
