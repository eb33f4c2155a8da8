/* The compiled policy: rule expansion, order, MAC binding, deny-all, and the binary form
 * that crosses process boundaries (round trip, and refusal of anything damaged). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "runner.h"

static const char *const SAMPLE[] = {
	TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\", \"icmp/echo\"", ""),
	TEST_FLOW("LG", "lgwan:pcs", "internet:vb", "\"rdp\"", "log = false;"),
	TEST_FLOW("SN", "internet:san", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
	NULL
};

static void rules_expand_in_order(void)
{
	struct cpolicy *cp = test_compile_flows(SAMPLE);
	const struct cp_flow *f;
	const struct cp_rule *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL_FATAL(cpolicy_flows(cp, &f), 3);
	/* 1x1x2 + 2 prefixes x 2 services + 1 */
	CU_ASSERT_EQUAL_FATAL(cpolicy_rules(cp, &r), 7);
	CU_ASSERT_STRING_EQUAL(f[0].id, "MN");
	CU_ASSERT_STRING_EQUAL(f[0].purpose, "MN の目的");
	CU_ASSERT_STRING_EQUAL(f[0].approved_by, "決裁");
	CU_ASSERT_EQUAL(f[0].first_rule, 0);
	CU_ASSERT_EQUAL(f[0].n_rules, 2);
	CU_ASSERT_EQUAL(f[1].first_rule, 2);
	CU_ASSERT_EQUAL(f[1].n_rules, 4);
	CU_ASSERT_FALSE(f[1].log);
	CU_ASSERT_EQUAL(f[2].kind, FLOW_SANITIZED);
	/* MN: MAC-bound source, https then icmp echo */
	CU_ASSERT_EQUAL(r[0].flow, 0);
	CU_ASSERT_EQUAL(r[0].from_zone, ZONE_MYNUMBER);
	CU_ASSERT_EQUAL(r[0].to_zone, ZONE_LGWAN);
	CU_ASSERT_EQUAL(r[0].src, 0x0a0a020a);
	CU_ASSERT_EQUAL(r[0].src_len, 32);
	CU_ASSERT_EQUAL(r[0].dst, 0x0a14050a);
	CU_ASSERT_EQUAL(r[0].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(r[0].port_lo, 443);
	CU_ASSERT_TRUE(r[0].has_mac);
	CU_ASSERT_EQUAL(memcmp(r[0].src_mac, "\x52\x54\x00\x10\x02\x0a", 6), 0);
	CU_ASSERT_EQUAL(r[1].proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(r[1].port_lo, 8);
	/* LG: pcs has two prefixes and no MAC */
	CU_ASSERT_EQUAL(r[2].src, 0x0a141000);
	CU_ASSERT_EQUAL(r[2].src_len, 24);
	CU_ASSERT_EQUAL(r[2].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(r[3].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(r[4].src, 0x0a141100);
	CU_ASSERT_FALSE(r[4].has_mac);
	CU_ASSERT_EQUAL(r[6].flow, 2);
	CU_ASSERT_EQUAL(cpolicy_flow_find(cp, "SN"), 2);
	cpolicy_free(cp);
}

static void zones_routes_neighbors(void)
{
	struct cpolicy *cp = test_compile_flows(SAMPLE);
	const struct cp_route *rt;
	const struct cp_net *nets;
	const struct cp_zone *z;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	z = cpolicy_zone(cp, ZONE_LGWAN);
	CU_ASSERT_TRUE(z->enabled);
	CU_ASSERT_STRING_EQUAL(z->ports[0], "net_ring1");
	CU_ASSERT_EQUAL(z->address, 0x0a140001);
	CU_ASSERT_EQUAL(cpolicy_nets(cp, &nets), 3);
	CU_ASSERT_EQUAL(nets[1].zone, ZONE_LGWAN);
	/* per zone: the connected subnet (via 0) then its routes */
	CU_ASSERT_EQUAL_FATAL(cpolicy_routes(cp, &rt), 6);
	CU_ASSERT_EQUAL(rt[0].addr, 0x0a0a0000);
	CU_ASSERT_EQUAL(rt[0].len, 24);
	CU_ASSERT_EQUAL(rt[0].via, 0);
	CU_ASSERT_EQUAL(rt[1].len, 16);
	CU_ASSERT_EQUAL(rt[1].via, 0x0a0a00fe);
	CU_ASSERT_STRING_EQUAL(cpolicy_appliance_name(cp), "test-seg");
	CU_ASSERT_EQUAL(cpolicy_timeouts(cp)->tcp_established, 7440);
	CU_ASSERT_EQUAL(cpolicy_compiled_at(cp), test_now());
	/* 2027-04-01 00:00 JST, when every flow ends */
	CU_ASSERT_EQUAL(cpolicy_next_change(cp), 1806418800 + 86400);
	cpolicy_free(cp);
}

static void deny_all_without_policy(void)
{
	char *ap = cfgfile_write(TEST_APPLIANCE);
	struct diag *d = diag_new();
	struct appliance *a = NULL;
	struct cpolicy *cp;
	const struct cp_rule *r;
	const struct cp_flow *f;
	char hex[65];

	CU_ASSERT_EQUAL_FATAL(appliance_load(ap, d, &a), 0);
	cp = policy_compile(a, NULL, test_now());
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL(cpolicy_rules(cp, &r), 0);
	CU_ASSERT_EQUAL(cpolicy_flows(cp, &f), 0);
	CU_ASSERT_TRUE(cpolicy_zone(cp, ZONE_MYNUMBER)->enabled);
	CU_ASSERT_EQUAL(strlen(cpolicy_digest_hex(cp, hex)), 64);
	cpolicy_free(cp);
	appliance_free(a);
	diag_free(d);
	free(ap);
}

static void compile_refuses_a_bad_policy(void)
{
	const char *flows[] = { TEST_FLOW("X", "mynumber:atena", "internet:vb", "\"https\"", ""), NULL };
	char *ap = cfgfile_write(TEST_APPLIANCE), *text = test_policy_text(flows);
	char *pp = cfgfile_write(text);
	struct diag *d = diag_new();
	struct appliance *a = NULL;
	struct policy *p = NULL;

	CU_ASSERT_EQUAL_FATAL(appliance_load(ap, d, &a), 0);
	CU_ASSERT_EQUAL(policy_load(pp, a, d, &p), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	/* Even a caller that skips policy_check() cannot compile it. */
	errno = 0;
	CU_ASSERT_PTR_NULL(policy_compile(a, p, test_now()));
	CU_ASSERT_EQUAL(errno, EINVAL);
	policy_free(p);
	appliance_free(a);
	diag_free(d);
	free(ap);
	free(pp);
	free(text);
}

static void round_trip(void)
{
	struct cpolicy *cp = test_compile_flows(SAMPLE), *back = NULL;
	const struct cp_rule *r1, *r2;
	const struct cp_flow *f1, *f2;
	uint8_t *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL_FATAL(cpolicy_serialize(cp, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(cpolicy_deserialize(buf, len, &back), 0);
	CU_ASSERT_EQUAL(memcmp(cpolicy_digest(cp), cpolicy_digest(back), 32), 0);
	n = cpolicy_rules(cp, &r1);
	CU_ASSERT_EQUAL_FATAL(cpolicy_rules(back, &r2), n);
	CU_ASSERT_EQUAL(memcmp(r1, r2, n * sizeof(*r1)), 0);
	n = cpolicy_flows(cp, &f1);
	CU_ASSERT_EQUAL_FATAL(cpolicy_flows(back, &f2), n);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(f1[i].id, f2[i].id);
		CU_ASSERT_STRING_EQUAL(f1[i].purpose, f2[i].purpose);
		CU_ASSERT_EQUAL(f1[i].valid_until, f2[i].valid_until);
	}
	CU_ASSERT_EQUAL(memcmp(cpolicy_zone(cp, ZONE_LGWAN), cpolicy_zone(back, ZONE_LGWAN),
			       sizeof(struct cp_zone)),
			0);
	/* Stable: the same policy serializes to the same bytes. */
	CU_ASSERT_EQUAL_FATAL(cpolicy_serialize(back, &buf2, &len2), 0);
	CU_ASSERT_EQUAL(len, len2);
	CU_ASSERT_EQUAL(memcmp(buf, buf2, len), 0);
	free(buf);
	free(buf2);
	cpolicy_free(back);
	cpolicy_free(cp);
}

static void damaged_bytes_are_refused(void)
{
	struct cpolicy *cp = test_compile_flows(SAMPLE), *back = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL_FATAL(cpolicy_serialize(cp, &buf, &len), 0);
	/* Every truncation. */
	for (size_t cut = 0; cut < len; cut++) {
		CU_ASSERT_NOT_EQUAL(cpolicy_deserialize(buf, cut, &back), 0);
		CU_ASSERT_PTR_NULL(back);
	}
	/* Every single flipped byte. */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x40;
		CU_ASSERT_NOT_EQUAL(cpolicy_deserialize(buf, len, &back), 0);
		buf[i] ^= 0x40;
	}
	/* Another format version. */
	buf[8] = (uint8_t)(CPOLICY_FORMAT_VERSION + 1);
	CU_ASSERT_EQUAL(cpolicy_deserialize(buf, len, &back), -EPROTO);
	free(buf);
	cpolicy_free(cp);
}

static void digest_follows_the_text(void)
{
	const char *other[] = { SAMPLE[0], SAMPLE[1], NULL };
	struct cpolicy *a = test_compile_flows(SAMPLE), *b = test_compile_flows(other);
	struct cpolicy *c = test_compile_flows(SAMPLE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_NOT_EQUAL(memcmp(cpolicy_digest(a), cpolicy_digest(b), 32), 0);
	CU_ASSERT_EQUAL(memcmp(cpolicy_digest(a), cpolicy_digest(c), 32), 0);
	cpolicy_free(a);
	cpolicy_free(b);
	cpolicy_free(c);
}

static void too_many_rules_is_an_error(void)
{
	/* 300 x 300 addresses with one service: more rules than the dataplane holds. */
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)snprintf(text + len, cap - len, "hosts = {\n  many = { address = [");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"10.20.%d.%d\"", i ? "," : "",
					 100 + i / 250, 1 + i % 250);
	len += (size_t)snprintf(text + len, cap - len, "]; };\n  far = { address = [");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"172.16.%d.%d\"", i ? "," : "",
					 100 + i / 250, 1 + i % 250);
	snprintf(text + len, cap - len,
		 "]; };\n};\nflows = (\n" TEST_FLOW("BIG", "lgwan:many", "internet:far", "\"tcp/443\"", "")
		 ");\n");
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), &ret, NULL);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "too-many-rules", 6, NULL, 0));
	diag_free(d);
	free(text);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "rules expand in order", rules_expand_in_order },
		{ "zones, routes, neighbours", zones_routes_neighbors },
		{ "deny-all without a policy", deny_all_without_policy },
		{ "compile refuses a bad policy", compile_refuses_a_bad_policy },
		{ "binary round trip", round_trip },
		{ "damaged bytes are refused", damaged_bytes_are_refused },
		{ "digest follows the text", digest_follows_the_text },
		{ "too many rules is an error", too_many_rules_is_an_error },
		{ NULL, NULL },
	};
	return test_run("compile", cases);
}
