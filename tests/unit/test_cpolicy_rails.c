/* The guard rails checked on a compiled policy (cpolicy_check_rails): a policy the
 * compiler built passes, and the same policy edited after compiling, one rail broken
 * at a time, is refused with the flow named. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfgfile.h"
#include "cpolicy_impl.h"
#include "runner.h"

/* Rule 0-1: MN (mynumber -> lgwan, /32 hosts); 2-5: LG (lgwan /24s -> internet);
 * 6: SN (sanitized, internet:san -> lgwan). */
static const char *const SAMPLE[] = {
	TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\", \"icmp/echo\"", ""),
	TEST_FLOW("LG", "lgwan:pcs", "internet:vb", "\"rdp\"", ""),
	TEST_FLOW("SN", "internet:san", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
	NULL
};

static struct cpolicy *sample(void)
{
	struct cpolicy *cp = test_compile_flows(SAMPLE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL_FATAL(cp->n_rules, 7);
	CU_ASSERT_EQUAL_FATAL(cp->rules[2].flow, 1);
	CU_ASSERT_EQUAL_FATAL(cp->rules[6].flow, 2);
	return cp;
}

/* cp is refused, and the message names flow and rail. */
static void refused(struct cpolicy *cp, const char *flow, const char *rail)
{
	char err[256] = "";

	CU_ASSERT_EQUAL(cpolicy_check_rails(cp, err, sizeof(err)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, flow));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, rail));
	if (!strstr(err, flow) || !strstr(err, rail))
		fprintf(stderr, "want %s and %s in: %s\n", flow, rail, err);
	cpolicy_free(cp);
}

static void compiled_policy_passes(void)
{
	struct cpolicy *cp = sample();
	char err[256] = "";

	CU_ASSERT_EQUAL(cpolicy_check_rails(cp, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	cpolicy_free(cp);
}

static void rail1_mynumber_internet(void)
{
	struct cpolicy *cp = sample();

	cp->rules[0].to_zone = ZONE_INTERNET;
	refused(cp, "\"MN\"", "guard rail 1");
	cp = sample();
	cp->rules[1].from_zone = ZONE_INTERNET;
	cp->rules[1].to_zone = ZONE_MYNUMBER;
	refused(cp, "\"MN\"", "guard rail 1");
}

static void rail2_kind(void)
{
	struct cpolicy *cp = sample();

	cp->flows[1].kind = (enum flow_kind)7;
	refused(cp, "\"LG\"", "guard rail 2");
	/* sanitized, but out of lgwan */
	cp = sample();
	cp->rules[6].from_zone = ZONE_LGWAN;
	cp->rules[6].to_zone = ZONE_INTERNET;
	refused(cp, "\"SN\"", "guard rail 2");
	/* sanitized into mynumber: rail 1 does not apply, rail 2 does */
	cp = sample();
	cp->flows[0].kind = FLOW_SANITIZED;
	refused(cp, "\"MN\"", "guard rail 2");
}

static void rail3_any_address(void)
{
	struct cpolicy *cp = sample();

	cp->rules[3].src = 0;
	cp->rules[3].src_len = 0;
	refused(cp, "\"LG\"", "source is any");
	cp = sample();
	cp->rules[5].dst = 0;
	cp->rules[5].dst_len = 0;
	refused(cp, "\"LG\"", "destination is any");
}

static void rail3_mynumber_hosts(void)
{
	struct cpolicy *cp = sample();

	cp->rules[0].src_len = 16;
	refused(cp, "\"MN\"", "/16");
	cp = sample();
	cp->rules[1].dst_len = 23;
	refused(cp, "\"MN\"", "/23");
	/* /24 is the widest a mynumber rule may be */
	cp = sample();
	cp->rules[0].src_len = 24;
	cp->rules[0].dst_len = 24;
	CU_ASSERT_EQUAL(cpolicy_check_rails(cp, NULL, 0), 0);
	cpolicy_free(cp);
}

/* What a flow's rules cover, in all: the LG flow's destination spread over wide
 * prefixes is refused; a /8 and a mynumber flow over two /24s pass. */
static void rail3_size(void)
{
	struct cpolicy *cp = sample();

	/* LG's rules 2-5: four destinations, each a /3 of the Internet */
	for (unsigned i = 2; i <= 5; i++) {
		cp->rules[i].dst = (i + 1) << 29;
		cp->rules[i].dst_len = 3;
	}
	refused(cp, "\"LG\"", "destination covers");
	/* one /8 is within the bound */
	cp = sample();
	for (unsigned i = 2; i <= 5; i++) {
		cp->rules[i].dst = 100u << 24;
		cp->rules[i].dst_len = 8;
	}
	CU_ASSERT_EQUAL(cpolicy_check_rails(cp, NULL, 0), 0);
	cpolicy_free(cp);
	/* MN's two rules from two /24s: 512 addresses, within a /16's worth */
	cp = sample();
	cp->rules[0].src_len = 24;
	cp->rules[1].src = cp->rules[0].src + (1u << 8);
	cp->rules[1].src_len = 24;
	CU_ASSERT_EQUAL(cpolicy_check_rails(cp, NULL, 0), 0);
	cpolicy_free(cp);
}

static void rail3_any_port(void)
{
	struct cpolicy *cp = sample();
	size_t i = 0;

	while (i < cp->n_rules && cp->rules[i].proto != 6 && cp->rules[i].proto != 17)
		i++;
	CU_ASSERT_FATAL(i < cp->n_rules);
	cp->rules[i].port_lo = 0;
	cp->rules[i].port_hi = 65535;
	refused(cp, "rule", "any port");
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "a compiled policy passes", compiled_policy_passes },
		{ "rail 1: mynumber and internet, either direction", rail1_mynumber_internet },
		{ "rail 2: kinds between lgwan and internet, sanitized direction", rail2_kind },
		{ "rail 3: no any source or destination", rail3_any_address },
		{ "rail 3: mynumber rules name hosts", rail3_mynumber_hosts },
		{ "rail 3: no any port", rail3_any_port },
		{ "rail 3: what a flow covers in all", rail3_size },
		{ NULL, NULL },
	};

	return test_run("cpolicy_rails", cases);
}
