/* bunri-dataplane: the appliance's fast path. Opens the zones' DPDK ports, starts
 * deny-all, runs one pipeline per worker lcore, and takes its policy from bunri-controld
 * over the control socket. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ctlsrv.h"
#include "daemon.h"
#include "version.h"

#include <systemd/sd-daemon.h>

#define DEFAULT_CONFIG "/etc/bunri/appliance.cfg"

struct options {
	const char *config;
	const char *socket;        /* overrides control.socket */
	unsigned mbufs;
	uint32_t connections;      /* per worker */
	uint32_t ring;
	bool busy_poll;
};

static struct daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	if (the_daemon != NULL)
		the_daemon->stop = true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bunri-dataplane [EAL options] -- [--config FILE] [--socket PATH]\n"
		"                       [--mbufs N] [--connections N] [--busy-poll]\n"
		"  --config FILE      appliance.cfg (default " DEFAULT_CONFIG ")\n"
		"  --socket PATH      control socket (default: control.socket of appliance.cfg)\n"
		"  --mbufs N          packet buffers (default 16383)\n"
		"  --connections N    connection table size per worker (default 65536)\n"
		"  --busy-poll        never nap when idle (dedicated cores)\n"
		"Needs one worker lcore besides the main one (EAL -l 0,1). Starts deny-all until\n"
		"bunri-controld installs a policy.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "connections", required_argument, NULL, 'n' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = DEFAULT_CONFIG;
	o->mbufs = 16383;
	o->connections = 65536;
	o->ring = 65536;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:m:n:bh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'm': o->mbufs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': o->connections = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'b': o->busy_poll = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc || o->mbufs < 1024 || o->connections < 8) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int load_appliance(struct daemon *d, struct cpolicy **deny_all)
{
	struct diag *dg = diag_new();
	int ret;

	if (dg == NULL)
		return -ENOMEM;
	ret = appliance_load(d->config_path, dg, &d->appliance);
	if (ret != 0) {
		diag_sort(dg);
		diag_print(dg, stderr);
		fprintf(stderr, "bunri-dataplane: %s cannot be used\n", d->config_path);
		goto out;
	}
	/* Fail closed: until the controller says otherwise, no flow is allowed. */
	*deny_all = policy_compile(d->appliance, NULL, daemon_now_ms() / 1000);
	if (*deny_all == NULL) {
		ret = -errno;
		fprintf(stderr, "bunri-dataplane: cannot compile deny-all: %s\n", strerror(errno));
	}
out:
	diag_free(dg);
	return ret;
}

static int start_workers(struct daemon *d, const struct options *o)
{
	unsigned lcore, i = 0;
	size_t sz;
	int ret;

	d->n_workers = rte_lcore_count() - 1;
	if (d->n_workers == 0) {
		fprintf(stderr, "bunri-dataplane: no worker lcore: give EAL two lcores or more "
			"(-l 0,1)\n");
		return -EINVAL;
	}
	sz = rte_rcu_qsbr_get_memsize(d->n_workers);
	d->qs = rte_zmalloc("bunri_rcu", sz, RTE_CACHE_LINE_SIZE);
	d->workers = rte_zmalloc("bunri_workers", sizeof(*d->workers) * d->n_workers,
				 RTE_CACHE_LINE_SIZE);
	if (d->qs == NULL || d->workers == NULL || rte_rcu_qsbr_init(d->qs, d->n_workers) != 0) {
		fprintf(stderr, "bunri-dataplane: out of memory for the workers\n");
		return -ENOMEM;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct worker *w = &d->workers[i];

		ret = worker_init(w, i, lcore, &d->ports, &d->tables, d->names, d->qs, &d->stop,
				  o->connections, o->ring, appliance_logging(d->appliance));
		if (ret != 0) {
			fprintf(stderr, "bunri-dataplane: worker %u: %s\n", i, rte_strerror(-ret));
			return ret;
		}
		w->idle_sleep = !o->busy_poll;
		i++;
	}
	for (i = 0; i < d->n_workers; i++)
		worker_set_peers(&d->workers[i], d->workers, d->n_workers);
	for (i = 0; i < d->n_workers; i++) {
		ret = rte_eal_remote_launch(worker_main, &d->workers[i], d->workers[i].lcore);
		if (ret != 0) {
			fprintf(stderr, "bunri-dataplane: cannot launch worker %u\n", i);
			d->stop = true;
			return ret;
		}
	}
	return 0;
}

static void stop_workers(struct daemon *d, struct ctlsrv *srv)
{
	d->stop = true;
	for (unsigned i = 0; i < d->n_workers && d->workers != NULL; i++) {
		/* Drain the rings while the workers end their connections. */
		while (rte_eal_get_lcore_state(d->workers[i].lcore) == RUNNING && srv != NULL)
			ctlsrv_poll(srv, 1);
		rte_eal_wait_lcore(d->workers[i].lcore);
	}
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options o = { 0 };
	struct cpolicy *deny_all = NULL;
	struct ctlsrv *srv = NULL;
	char err[512];
	int ret, status = 1;

	if (version_asked(argc, argv))
		return printf("bunri-dataplane %s\n", version_string()) < 0;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bunri-dataplane: DPDK EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - ret, argv + ret, &o) != 0)
		goto out_eal;
	/* Every page the packet path will touch is faulted in and stays in RAM now: the
	 * connection table must not pay page faults as it fills (DPDK maps --no-huge
	 * memory lazily), nor wait for swap. Hugepages are locked already. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		fprintf(stderr, "bunri-dataplane: warning: cannot lock memory (%s); the packet "
			"path may wait on page faults\n", strerror(errno));
	d.config_path = o.config;
	d.started_ms = daemon_now_ms();
	if (load_appliance(&d, &deny_all) != 0)
		goto out_eal;
	d.names = flowname_create();
	d.history = calloc(FLOWNAME_MAX + 1, sizeof(*d.history));
	if (d.names == NULL || d.history == NULL) {
		fprintf(stderr, "bunri-dataplane: out of memory\n");
		goto out_policy;
	}
	d.n_workers = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 1;
	ret = ports_open(&d.ports, deny_all, d.n_workers, o.mbufs, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "bunri-dataplane: %s\n", err);
		goto out_policy;
	}
	ret = install_policy(&d, deny_all, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "bunri-dataplane: %s\n", err);
		goto out_ports;
	}
	deny_all = NULL; /* the tables own it */
	the_daemon = &d;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	ret = ctlsrv_create(&d, o.socket ? o.socket : appliance_socket_path(d.appliance),
			    appliance_logging(d.appliance)->buffer_records, &srv);
	if (ret != 0) {
		fprintf(stderr, "bunri-dataplane: control socket %s: %s\n",
			o.socket ? o.socket : appliance_socket_path(d.appliance), strerror(-ret));
		goto out_tables;
	}
	if (start_workers(&d, &o) != 0)
		goto out_workers;
	fprintf(stderr, "bunri-dataplane: %s: %u ports, %u workers, deny-all until a policy "
		"is installed\n", appliance_name(d.appliance), d.ports.n, d.n_workers);
	/* Ports up, workers polling, control socket listening: the controller may connect. */
	(void)sd_notify(0, "READY=1");
	/* every 20 ms at least: records wait in the workers' rings, unnumbered, until the
	 * control thread takes them, and a crash loses what they hold */
	while (!d.stop) {
		ctlsrv_poll(srv, 20);
		ports_watch_links(&d.ports);
		ports_count_drops(&d.ports);
	}
	fprintf(stderr, "bunri-dataplane: stopping\n");
	stop_workers(&d, srv);
	ports_stop(&d.ports);
	ret = (int)ctlsrv_flush(srv, 3000);
	if (ret > 0)
		fprintf(stderr, "bunri-dataplane: %d flow records not acknowledged by a "
			"controller are lost with this process\n", ret);
	status = 0;
out_workers:
	stop_workers(&d, NULL);
	for (unsigned i = 0; d.workers != NULL && i < d.n_workers; i++)
		worker_fini(&d.workers[i]);
	ctlsrv_free(srv);
out_tables:
	tables_free(d.tables);
out_ports:
	ports_close(&d.ports);
out_policy:
	cpolicy_free(deny_all);
	flowname_free(d.names);
	free(d.history);
	appliance_free(d.appliance);
out_eal:
	rte_free(d.workers);
	rte_free(d.qs);
	rte_eal_cleanup();
	return status;
}
