/* DPDK's EAL for a unit test: no hugepages, no PCI, a file prefix of its own (so tests
 * run in parallel), and nothing left behind in /var/run/dpdk. */
#ifndef BUNRI_TEST_EAL_FIXTURE_H
#define BUNRI_TEST_EAL_FIXTURE_H

/* Starts the EAL with mem_mb of memory and the extra arguments (NULL-terminated, e.g.
 * "--vdev", "net_ring0"; NULL for none). 0, or -1 after saying why on stderr. */
int test_eal_start(const char *name, unsigned mem_mb, const char *const *extra);
/* Stops the EAL and removes the (empty) runtime directory it leaves. */
void test_eal_stop(void);

#endif
