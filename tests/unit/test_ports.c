/* The dataplane's ports on real DPDK vdevs (net_ring): the zones' ports opened by name,
 * and link state followed by ports_watch_links() into the flags the workers read. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "cfgfile.h"
#include "ports.h"
#include "eal_fixture.h"
#include "runner.h"

static const char *const FLOWS[] = {
	TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
	NULL
};

static void opens_and_follows_links(void)
{
	static struct ports p;
	struct cpolicy *cp = test_compile_flows(FLOWS);
	char err[256] = "";
	uint16_t lg;

	CU_ASSERT_FATAL(cp != NULL);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_FATAL(ports_open(&p, cp, 1, 2048, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(p.n, 3);
	lg = p.zone_port[ZONE_LGWAN][0];
	CU_ASSERT_FATAL(lg != UINT16_MAX);

	ports_watch_links(&p);
	CU_ASSERT_EQUAL(p.link_down[ZONE_LGWAN][0], 0);
	CU_ASSERT_EQUAL(p.link_changes, 0);
	/* lgwan's link goes down, then comes back: each change seen once */
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_set_link_down(lg), 0);
	ports_watch_links(&p);
	CU_ASSERT_EQUAL(p.link_down[ZONE_LGWAN][0], 1);
	CU_ASSERT_EQUAL(p.link_down[ZONE_MYNUMBER][0], 0);
	CU_ASSERT_EQUAL(p.link_changes, 1);
	ports_watch_links(&p);
	CU_ASSERT_EQUAL(p.link_changes, 1);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_set_link_up(lg), 0);
	ports_watch_links(&p);
	CU_ASSERT_EQUAL(p.link_down[ZONE_LGWAN][0], 0);
	CU_ASSERT_EQUAL(p.link_changes, 2);
	ports_close(&p);
	cpolicy_free(cp);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "ports open by name and follow their links", opens_and_follows_links },
		{ NULL, NULL },
	};
	static const char *const extra[] = { "--vdev", "net_ring0", "--vdev", "net_ring1", "--vdev", "net_ring2", NULL };
	int ret;

	if (test_eal_start("test_ports", 256, extra) != 0)
		return 2;
	ret = test_run("ports", cases);
	test_eal_stop();
	return ret;
}
