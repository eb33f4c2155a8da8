/* libFuzzer: arbitrary bytes as policy.cfg, through load, check, compile and the binary
 * form, against the shipped example appliance. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfgread.h"
#include "policy.h"

static struct appliance *appliance;
static char policy_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("BUNRI_SRCDIR");
	char path[4096];
	struct diag *d = diag_new();
	int fd = memfd_create("policy.cfg", 0);

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/deploy/examples/appliance.cfg", src ? src : ".");
	if (!d || fd < 0 || appliance_load(path, d, &appliance) < 0) {
		fprintf(stderr, "fuzz_policy_load: set BUNRI_SRCDIR to the source tree\n");
		abort();
	}
	diag_free(d);
	cfgread_set_settle_ms(0); /* the file is rewritten for every input, by us alone */
	snprintf(policy_path, sizeof(policy_path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = atoi(policy_path + 14);
	struct diag *d = diag_new();
	struct policy *p = NULL;

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size || !d)
		abort();
	policy_load(policy_path, appliance, d, &p);
	if (p && policy_check(appliance, p, 1795000000, d) == 0) {
		struct cpolicy *cp = policy_compile(appliance, p, 1795000000), *back = NULL;
		uint8_t *buf = NULL;
		size_t len = 0;

		if (cp && cpolicy_serialize(cp, &buf, &len) == 0 &&
		    cpolicy_deserialize(buf, len, &back) != 0)
			abort(); /* what we write we must be able to read */
		free(buf);
		cpolicy_free(back);
		cpolicy_free(cp);
	}
	policy_free(p);
	diag_free(d);
	return 0;
}
