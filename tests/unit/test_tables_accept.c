/* One meaning of a policy: every appliance.cfg and policy.cfg pair that the checker
 * accepts (the shipped examples, every pcap case, and the edges of what it takes:
 * 0.0.0.0/0 networks and routes, prefixes of every length, the long-prefix bound)
 * builds the dataplane's tables with the same tables_build() the daemon runs, and the
 * lookups then answer as the checker's longest-prefix rules say. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfgfile.h"
#include "eal_fixture.h"
#include "flowname.h"
#include "runner.h"
#include "tables.h"

static const struct rte_ether_addr port_mac[ZONE_COUNT];
static struct flowname *names;
static uint64_t generation;

static const char *srcdir(void)
{
	const char *s = getenv("BUNRI_SRCDIR");

	return s != NULL ? s : ".";
}

/* The checker's verdict on the pair at now, and when it accepts, the dataplane's:
 * whether the checker accepted it. */
static bool accept_and_build(const char *cfg, const char *pol, int64_t now)
{
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	struct tables *t = NULL;
	int ret;

	CU_ASSERT_FATAL(d != NULL);
	ret = policy_build(cfg, pol, now, d, &cp);
	if (ret != 0 || cp == NULL) {
		/* refused by the checker: nothing to install, nothing to compare */
		diag_free(d);
		return false;
	}
	ret = tables_build(cp, port_mac, ++generation, names, 2, SOCKET_ID_ANY, &t);
	if (ret != 0) {
		fprintf(stderr, "\n%s + %s: checked OK, tables_build: %s\n", cfg, pol,
			strerror(-ret));
		cpolicy_free(cp);
	}
	CU_ASSERT(ret == 0);
	tables_free(t);
	diag_free(d);
	return true;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void test_examples(void)
{
	char cfg[4096], pol[4096];

	snprintf(cfg, sizeof(cfg), "%s/deploy/examples/appliance.cfg", srcdir());
	snprintf(pol, sizeof(pol), "%s/deploy/examples/policy.cfg", srcdir());
	CU_ASSERT_FATAL(is_file(cfg) && is_file(pol));
	CU_ASSERT(accept_and_build(cfg, pol, test_now()));
}

/* Every case of tests/pcap, with its own files or the common ones, at the cases' time. */
static void test_pcap_cases(void)
{
	char dir[4096], cfg[8192], pol[8192];
	unsigned cases = 0, accepted = 0;
	struct dirent *e;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/tests/pcap", srcdir());
	dp = opendir(dir);
	CU_ASSERT_FATAL(dp != NULL);
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(cfg, sizeof(cfg), "%s/%s/inputs", dir, e->d_name);
		if (!is_file(cfg))
			continue;
		snprintf(cfg, sizeof(cfg), "%s/%s/appliance.cfg", dir, e->d_name);
		if (!is_file(cfg))
			snprintf(cfg, sizeof(cfg), "%s/common/appliance.cfg", dir);
		snprintf(pol, sizeof(pol), "%s/%s/policy.cfg", dir, e->d_name);
		if (!is_file(pol))
			snprintf(pol, sizeof(pol), "%s/common/policy.cfg", dir);
		if (accept_and_build(cfg, pol, 1780272000)) /* 2026-06-01 09:00 JST */
			accepted++;
		cases++;
	}
	closedir(dp);
	CU_ASSERT(cases >= 20 && accepted == cases);
}

static const char *const INTERNET_DEFAULT =
	"appliance = { name = \"default-route\"; };\n"
	"zones = {\n"
	"  mynumber = { port = \"net_ring0\"; address = \"10.10.0.1/24\";\n"
	"               networks = [\"10.10.0.0/16\"];\n"
	"               routes = ( { to = \"10.10.0.0/16\"; via = \"10.10.0.254\"; } ); };\n"
	"  lgwan = { port = \"net_ring1\"; address = \"10.20.0.1/24\";\n"
	"            networks = [\"10.20.0.0/16\", \"192.0.2.128/25\"];\n"
	"            routes = ( { to = \"10.20.0.0/16\"; via = \"10.20.0.254\"; } ); };\n"
	"  internet = { port = \"net_ring2\"; address = \"172.16.0.1/24\";\n"
	"               networks = [\"0.0.0.0/0\"];\n"
	"               routes = ( { to = \"0.0.0.0/0\"; via = \"172.16.0.254\"; },\n"
	"                          { to = \"198.51.100.7/32\"; via = \"172.16.0.253\"; } ); };\n"
	"};\n"
	"sanitizer = { host = \"172.16.30.10\"; };\n";

static const char *const INTERNET_POLICY =
	"hosts = { pcs = { address = \"10.20.16.0/24\"; };\n"
	"          web = { address = [\"203.0.113.0/24\", \"198.51.100.7\"]; }; };\n"
	"services = { https = \"tcp/443\"; };\n"
	"flows = ( { id = \"LG-IN-WEB\"; purpose = \"Web\"; from = \"lgwan:pcs\";\n"
	"            to = \"internet:web\"; services = [\"https\"]; approved_by = \"決裁\";\n"
	"            valid_until = \"2027-03-31\"; } );\n";

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

/* 0.0.0.0/0 as a zone's networks and as a route: the Internet side of a city. */
static void test_default_route(void)
{
	char *cfg = cfgfile_write(INTERNET_DEFAULT), *pol = cfgfile_write(INTERNET_POLICY);
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	struct tables *t = NULL;
	uint32_t nexthop;
	uint8_t zone;

	CU_ASSERT_FATAL(policy_build(cfg, pol, test_now(), d, &cp) == 0 && cp != NULL);
	CU_ASSERT_FATAL(tables_build(cp, port_mac, ++generation, names, 1, SOCKET_ID_ANY,
				     &t) == 0);
	/* anywhere on the Internet: the default route's router */
	CU_ASSERT(route_lookup(&t->route, ip(8, 8, 8, 8), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_INTERNET && nexthop == ip(172, 16, 0, 254));
	CU_ASSERT(route_lookup(&t->route, ip(255, 255, 255, 254), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_INTERNET && nexthop == ip(172, 16, 0, 254));
	/* a more specific route, the connected subnet, other zones' networks win */
	CU_ASSERT(route_lookup(&t->route, ip(198, 51, 100, 7), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_INTERNET && nexthop == ip(172, 16, 0, 253));
	CU_ASSERT(route_lookup(&t->route, ip(172, 16, 0, 9), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_INTERNET && nexthop == ip(172, 16, 0, 9));
	CU_ASSERT(route_lookup(&t->route, ip(10, 20, 5, 10), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_LGWAN && nexthop == ip(10, 20, 0, 254));
	CU_ASSERT(route_lookup(&t->route, ip(10, 10, 2, 10), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_MYNUMBER);
	CU_ASSERT(route_lookup(&t->route, ip(192, 0, 2, 130), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_LGWAN);
	CU_ASSERT(route_lookup(&t->route, ip(192, 0, 2, 127), &zone, &nexthop) == 0);
	CU_ASSERT(zone == ZONE_INTERNET);
	/* anti-spoofing: the Internet's sources are the internet zone's, the others keep
	 * their own (an Internet source on mynumber is not mynumber's) */
	CU_ASSERT(route_source_zone(&t->route, ip(8, 8, 8, 8)) == ZONE_INTERNET);
	CU_ASSERT(route_source_zone(&t->route, ip(0, 0, 0, 1)) == ZONE_INTERNET);
	CU_ASSERT(route_source_zone(&t->route, ip(10, 10, 2, 10)) == ZONE_MYNUMBER);
	CU_ASSERT(route_source_zone(&t->route, ip(10, 20, 16, 5)) == ZONE_LGWAN);
	CU_ASSERT(route_source_zone(&t->route, ip(192, 0, 2, 200)) == ZONE_LGWAN);
	tables_free(t);
	diag_free(d);
	free(cfg);
	free(pol);
}

/* Without a default, an address nobody's networks hold has no route and no zone. */
static void test_no_default(void)
{
	char cfg[4096], pol[4096];
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;
	struct tables *t = NULL;
	uint32_t nexthop;
	uint8_t zone;

	snprintf(cfg, sizeof(cfg), "%s/tests/pcap/common/appliance.cfg", srcdir());
	snprintf(pol, sizeof(pol), "%s/tests/pcap/common/policy.cfg", srcdir());
	CU_ASSERT_FATAL(policy_build(cfg, pol, 1780272000, d, &cp) == 0 && cp != NULL);
	CU_ASSERT_FATAL(tables_build(cp, port_mac, ++generation, names, 1, SOCKET_ID_ANY,
				     &t) == 0);
	CU_ASSERT(route_lookup(&t->route, ip(8, 8, 8, 8), &zone, &nexthop) == -ENOENT);
	CU_ASSERT(route_source_zone(&t->route, ip(8, 8, 8, 8)) == -ENOENT);
	tables_free(t);
	diag_free(d);
}

/* An internet zone with n /25 networks in n different /24s (and a policy of none). */
static char *long_prefix_appliance(unsigned n)
{
	size_t cap = 1024 + (size_t)n * 32, len;
	char *s = malloc(cap);

	CU_ASSERT_FATAL(s != NULL);
	len = (size_t)snprintf(s, cap,
		"appliance = { name = \"long\"; };\n"
		"zones = {\n"
		"  lgwan = { port = \"net_ring1\"; address = \"10.20.0.1/24\";\n"
		"            networks = [\"10.20.0.0/16\"]; };\n"
		"  internet = { port = \"net_ring2\"; address = \"172.16.0.1/24\";\n"
		"               networks = [\"172.16.0.0/16\"");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, ", \"100.%u.%u.128/25\"", 64 + i / 256,
					i % 256);
	snprintf(s + len, cap - len, "]; };\n};\n");
	return s;
}

/* The route table's bound on prefixes longer than /24 is the checker's too. */
static void test_long_prefix_bound(void)
{
	char *pol = cfgfile_write("flows = ();\n");
	/* the connected /24 subnets are not longer than /24: n /25s use n groups */
	unsigned fits = CPOLICY_MAX_LONG_PREFIXES;

	for (unsigned n = fits; n <= fits + 1; n++) {
		char *text = long_prefix_appliance(n);
		char *cfg = cfgfile_write(text);
		struct diag *d = diag_new();
		struct cpolicy *cp = NULL;
		struct tables *t = NULL;
		int ret = policy_build(cfg, pol, test_now(), d, &cp);

		if (n == fits) {
			CU_ASSERT(ret == 0 && cp != NULL);
			if (cp != NULL) {
				CU_ASSERT(tables_build(cp, port_mac, ++generation, names, 1,
						       SOCKET_ID_ANY, &t) == 0);
				tables_free(t);
			}
		} else {
			CU_ASSERT(ret != 0);
			CU_ASSERT(diag_has(d, DIAG_ERROR, "too-many", 0, NULL, 0));
			if (cp != NULL)
				cpolicy_free(cp);
		}
		free(text);
		free(cfg);
		diag_free(d);
	}
	free(pol);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "shipped examples build", test_examples },
		{ "every pcap case's policy builds", test_pcap_cases },
		{ "0.0.0.0/0 networks and route", test_default_route },
		{ "no default: no route, no zone", test_no_default },
		{ "long-prefix bound checked", test_long_prefix_bound },
		{ NULL, NULL },
	};
	int ret;

	if (test_eal_start("tables_accept", 256, NULL) != 0)
		return 2;
	names = flowname_create();
	if (names == NULL)
		return 2;
	ret = test_run("tables_accept", cases);
	flowname_free(names);
	test_eal_stop();
	return ret;
}
