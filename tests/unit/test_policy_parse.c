/* policy.cfg: every error a reader of the file can make, each at its line and flow, all
 * in one run; and the warnings. */
#include <errno.h>
#include <stdlib.h>

#include "cfgfile.h"
#include "runner.h"


static struct diag *run(const char *const *flows, int *ret)
{
	char *text = test_policy_text(flows);
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), ret, NULL);

	free(text);
	return d;
}

static void shipped_example_is_clean(void)
{
	const char *src = getenv("BUNRI_SRCDIR");
	char ap[4096], pp[4096];
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;

	snprintf(ap, sizeof(ap), "%s/deploy/examples/appliance.cfg", src ? src : ".");
	snprintf(pp, sizeof(pp), "%s/deploy/examples/policy.cfg", src ? src : ".");
	CU_ASSERT_EQUAL(policy_build(ap, pp, test_now(), d, &cp), 0);
	CU_ASSERT_EQUAL(diag_count(d), 0);
	CU_ASSERT_PTR_NOT_NULL(cp);
	cpolicy_free(cp);
	diag_free(d);
}

static void names_that_do_not_exist(void)
{
	const char *flows[] = {
		TEST_FLOW("A", "city:atena", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("B", "mynumber:nobody", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("C", "mynumber:atena", "lgwan:chukan", "\"gopher\"", ""),
		TEST_FLOW("D", "mynumber atena", "lgwan:chukan", "\"https\"", ""),
		NULL
	};
	int ret;
	struct diag *d = run(flows, &ret);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-zone", TEST_LINE(0), "A", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-host", TEST_LINE(1), "B", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-service", TEST_LINE(2), "C", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-endpoint", TEST_LINE(3), "D", 0));
	CU_ASSERT_EQUAL(diag_errors(d), 4);
	diag_free(d);
}

static void bad_literals(void)
{
	const char *flows[] = {
		TEST_FLOW("A", "mynumber:10.10.3.1/24", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("B", "mynumber:10.10.300.1", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("C", "mynumber:atena", "lgwan:chukan", "\"tcp/0\"", ""),
		TEST_FLOW("D", "mynumber:atena", "lgwan:chukan", "\"tcp/70000\"", ""),
		TEST_FLOW("E", "mynumber:atena", "lgwan:chukan", "\"udp/5010-5000\"", ""),
		"{ id = \"F\"; purpose = \"p\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; approved_by = \"a\"; valid_until = \"2027-02-30\"; }",
		"{ id = \"G\"; purpose = \"p\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; approved_by = \"a\"; valid_from = \"2027-04-01\"; "
		"valid_until = \"2027-03-31\"; }",
		NULL
	};
	int ret;
	struct diag *d = run(flows, &ret);

	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-cidr", TEST_LINE(0), "A", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-cidr", TEST_LINE(1), "B", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-service", TEST_LINE(2), "C", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-service", TEST_LINE(3), "D", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-service", TEST_LINE(4), "E", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-date", TEST_LINE(5), "F", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-date", TEST_LINE(6), "G", 0));
	CU_ASSERT_EQUAL(diag_errors(d), 7);
	diag_free(d);
}

static void missing_and_duplicate(void)
{
	const char *flows[] = {
		"{ purpose = \"p\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; approved_by = \"a\"; valid_until = \"2027-03-31\"; }",
		"{ id = \"B\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; approved_by = \"a\"; valid_until = \"2027-03-31\"; }",
		"{ id = \"C\"; purpose = \"p\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; valid_until = \"2027-03-31\"; }",
		"{ id = \"D\"; purpose = \"p\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"services = [\"https\"]; approved_by = \"a\"; }",
		TEST_FLOW("B", "mynumber:mnops", "lgwan:chukan", "\"https\"", ""),
		"{ id = \"F\"; purpose = \"\"; from = \"mynumber:atena\"; to = \"lgwan:chukan\"; "
		"approved_by = \"a\"; valid_until = \"2027-03-31\"; servces = [\"https\"]; }",
		TEST_FLOW("bad id!", "mynumber:mnops", "lgwan:chukan", "\"https\"", ""),
		NULL
	};
	int ret;
	struct diag *d = run(flows, &ret);

	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", TEST_LINE(0), "#1", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", TEST_LINE(1), "B", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", TEST_LINE(2), "C", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", TEST_LINE(3), "D", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "duplicate-id", TEST_LINE(4), "B", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", TEST_LINE(5), "F", 0));      /* empty purpose */
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-key", TEST_LINE(5), "F", 0));  /* servces */
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-id", TEST_LINE(6), NULL, 0));
	diag_free(d);
}

static void duplicate_host_is_a_syntax_error(void)
{
	const char *policy = "hosts = {\n"
			     "  a = { address = \"10.10.2.10\"; };\n"
			     "  a = { address = \"10.10.2.11\"; };\n"
			     "};\n";
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, policy, test_now(), &ret, NULL);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "syntax", 3, NULL, 0));
	diag_free(d);
}

static void same_zone_and_outside_zone(void)
{
	const char *flows[] = {
		TEST_FLOW("A", "lgwan:pcs", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("B", "lgwan:10.10.3.0/24", "internet:vb", "\"https\"", ""),
		TEST_FLOW("C", "mynumber:atena", "lgwan:10.21.0.5", "\"https\"", ""),
		TEST_FLOW("D", "mynumber:atena", "lgwan:10.20.0.1", "\"https\"", ""),
		NULL
	};
	int ret;
	struct diag *d = run(flows, &ret);

	CU_ASSERT(diag_has(d, DIAG_ERROR, "same-zone", TEST_LINE(0), "A", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "outside-zone", TEST_LINE(1), "B", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "outside-zone", TEST_LINE(2), "C", 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "appliance-address", TEST_LINE(3), "D", 0));
	CU_ASSERT_EQUAL(diag_errors(d), 4);
	diag_free(d);
}

static void warnings(void)
{
	const char *flows[] = {
		TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\", \"tcp/8443\"", ""),
		TEST_FLOW("SH", "mynumber:atena", "lgwan:chukan", "\"tcp/443\"", ""),
		"{ id = \"EXP\"; purpose = \"p\"; from = \"lgwan:pcs\"; to = \"internet:vb\"; "
		"services = [\"rdp\"]; approved_by = \"a\"; valid_until = \"2026-12-10\"; }",
		TEST_FLOW("NM", "mynumber:10.10.9.0/28", "lgwan:chukan", "\"tcp/22\"", ""),
		NULL
	};
	int ret;
	struct diag *d = run(flows, &ret);

	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(diag_errors(d), 0);
	CU_ASSERT(diag_has(d, DIAG_WARNING, "shadowed", TEST_LINE(1), "SH", 0));
	CU_ASSERT(diag_has(d, DIAG_WARNING, "expiring", TEST_LINE(2), "EXP", 0));
	CU_ASSERT(diag_has(d, DIAG_WARNING, "no-mac", TEST_LINE(3), "NM", 0));
	CU_ASSERT(diag_has(d, DIAG_WARNING, "unused", 6, NULL, 0)); /* hosts fs, san */
	CU_ASSERT(diag_has(d, DIAG_WARNING, "unused", 9, NULL, 0)); /* service smb */
	diag_free(d);
}

static void not_yet_valid(void)
{
	const char *flows[] = {
		"{ id = \"LATER\"; purpose = \"p\"; from = \"lgwan:pcs\"; to = \"internet:vb\"; "
		"services = [\"rdp\"]; approved_by = \"a\"; valid_from = \"2027-01-04\"; "
		"valid_until = \"2027-03-31\"; }",
		NULL
	};
	char *text = test_policy_text(flows);
	struct cpolicy *cp = NULL;
	const struct cp_flow *f;
	int64_t later;
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), &ret, &cp);

	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT(diag_has(d, DIAG_WARNING, "not-yet", TEST_LINE(0), "LATER", 0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL(cpolicy_flows(cp, &f), 0);
	/* 2027-01-04 00:00 JST */
	CU_ASSERT_EQUAL(cpolicy_next_change(cp), 1798988400);
	cpolicy_free(cp);
	diag_free(d);
	/* At that instant the flow is in force. */
	later = 1798988400;
	d = test_build(TEST_APPLIANCE, text, later, &ret, &cp);
	CU_ASSERT_EQUAL(cpolicy_flows(cp, &f), 1);
	cpolicy_free(cp);
	diag_free(d);
	free(text);
}

static void unreadable_policy(void)
{
	char *ap = cfgfile_write(TEST_APPLIANCE);
	struct diag *d = diag_new();
	struct cpolicy *cp = NULL;

	CU_ASSERT_EQUAL(policy_build(ap, "/nonexistent/policy.cfg", test_now(), d, &cp), -ENOENT);
	CU_ASSERT_PTR_NULL(cp);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unreadable", 0, NULL, 0));
	diag_free(d);
	free(ap);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "shipped example is clean", shipped_example_is_clean },
		{ "names that do not exist", names_that_do_not_exist },
		{ "bad literals", bad_literals },
		{ "missing keys and duplicate ids", missing_and_duplicate },
		{ "duplicate host is a syntax error", duplicate_host_is_a_syntax_error },
		{ "same zone and outside the zone", same_zone_and_outside_zone },
		{ "warnings", warnings },
		{ "not yet valid", not_yet_valid },
		{ "unreadable policy", unreadable_policy },
		{ NULL, NULL },
	};
	return test_run("policy_parse", cases);
}
