/* bunrictl: the operator's command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_cmd.h"
#include "ctl_cmds.h"
#include "preflight.h"
#include "version.h"

static void usage(FILE *out)
{
	fputs("usage: bunrictl COMMAND [OPTIONS]\n"
	      "\n"
	      "commands:\n"
	      "  check [--config FILE] [--policy FILE] [--at DATE] [--json] [--output FILE]\n"
	      "        check appliance.cfg and policy.cfg against the guard rails and print\n"
	      "        every error and warning and, when there are none, a summary.\n"
	      "        --at DATE     check as of that day (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\", JST)\n"
	      "        --output FILE also write the compiled policy's binary form\n"
	      "        exit 0: no errors; 1: errors; 2: a file cannot be read.\n"
	      "  reload [--config FILE] [--json] [--allow-deny-all]\n"
	      "        have bunri-controld re-read and install the policy; prints what changed,\n"
	      "        or every error (the running policy then stays). exit 1: refused, or\n"
	      "        not applied (bunri-dataplane did not install it).\n"
	      "        --allow-deny-all  a policy that removes every flow in force may be\n"
	      "                          applied (refused without it)\n"
	      "  status [--config FILE] [--json]\n"
	      "        running policy, ports and zone counters, drops by reason, connections\n"
	      "  rules [--config FILE] [--json]\n"
	      "        per approved flow: rules, packets, bytes, connections, last hit\n"
	      "  flows [--zone ZONE] [--host IP] [--flow ID] [--config FILE] [--json]\n"
	      "        live connections through the appliance\n"
	      "  neighbors [--config FILE] [--json]\n"
	      "        next hops per zone: static or learned by ARP (MAC, port, expiry) or\n"
	      "        still asked for (frames waiting)\n"
	      "  stats --prometheus | --json [--config FILE]\n"
	      "        counters in Prometheus text format (node_exporter textfile collector)\n"
	      "  preflight [--config FILE] [--policy FILE]\n"
	      "        before the first start: IOMMU, vfio-pci, hugepages, NICs, cores, key\n"
	      "  --socket PATH  the dataplane's control socket instead of appliance.cfg's\n"
	      "        (reload: the controller's socket is controld.sock beside it)\n"
	      "  help  this text; --version  the release\n"
	      "A daemon that does not accept, take the request and start answering within\n"
	      "1.5 s is named (stopped or hung?) and bunrictl exits 2.\n",
	      out);
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "check") == 0)
		return check_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "reload") == 0)
		return ctl_reload_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return ctl_status_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "rules") == 0)
		return ctl_rules_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "flows") == 0)
		return ctl_flows_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "neighbors") == 0 || strcmp(argv[1], "neighbours") == 0)
		return ctl_neighbors_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "preflight") == 0)
		return preflight_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return ctl_stats_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "bunrictl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int rc;

	if (version_asked(argc, argv))
		return printf("bunrictl %s\n", version_string()) < 0;
	rc = dispatch(argc, argv);
	/* Output that did not reach its file (a full disk under a cron job writing the
	 * textfile collector's .prom) must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bunrictl: cannot write the output: %s\n", strerror(errno));
		return 2;
	}
	return rc;
}
