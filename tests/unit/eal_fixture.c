#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal_fixture.h"

#define EXTRA_MAX 16

int test_eal_start(const char *name, unsigned mem_mb, const char *const *extra)
{
	char prefix[64], mem[16];
	char *argv[16 + EXTRA_MAX] = {
		(char *)name, "--no-huge", "-m", mem, "--no-pci", "--no-telemetry", "--no-shconf",
		"--file-prefix", prefix, "--log-level", "*:error",
	};
	int argc = 11;

	snprintf(prefix, sizeof(prefix), "%s_%ld", name, (long)getpid());
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	for (unsigned i = 0; extra != NULL && extra[i] != NULL && i < EXTRA_MAX; i++)
		argv[argc++] = (char *)extra[i];
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: DPDK EAL did not start\n", name);
		return -1;
	}
	return 0;
}

void test_eal_stop(void)
{
	char rundir[PATH_MAX];

	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
}
