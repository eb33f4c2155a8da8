/* Every guard rail: a policy that breaks it (error naming the rail, at the right line)
 * and the nearest policy that is legal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "runner.h"


/* Builds the standard policy with these flows; returns diagnostics, *errors set. */
static struct diag *run(const char *const *flows, size_t *errors)
{
	char *text = test_policy_text(flows);
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), &ret, NULL);

	free(text);
	*errors = diag_errors(d);
	CU_ASSERT_EQUAL(ret, *errors ? -22 : 0);
	return d;
}

static void rail1_mynumber_to_internet(void)
{
	const char *flows[] = { TEST_FLOW("A", "mynumber:atena", "internet:vb", "\"https\"", ""),
				NULL };
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 1);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-1", TEST_LINE(0), "A", 1));
	diag_free(d);
}

static void rail1_internet_to_mynumber(void)
{
	const char *flows[] = { TEST_FLOW("B", "internet:vb", "mynumber:atena", "\"https\"", ""),
				NULL };
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 1);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-1", TEST_LINE(0), "B", 1));
	diag_free(d);
}

static void rail1_legal_mynumber_to_lgwan(void)
{
	const char *flows[] = { TEST_FLOW("A", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
				NULL };
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 0);
	diag_free(d);
}

static void rail2_sanitized_not_from_sanitizer(void)
{
	const char *flows[] = {
		TEST_FLOW("S1", "internet:vb", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
		TEST_FLOW("S2", "lgwan:fs", "internet:san", "\"smb\"", "kind = \"sanitized\";"),
		TEST_FLOW("S3", "mynumber:atena", "lgwan:chukan", "\"smb\"", "kind = \"sanitized\";"),
		TEST_FLOW("S4", "lgwan:pcs", "internet:vb", "\"rdp\"", "kind = \"screen\";"),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 4);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-2", TEST_LINE(0), "S1", 2));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-2", TEST_LINE(1), "S2", 2));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-2", TEST_LINE(2), "S3", 2));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-2", TEST_LINE(3), "S4", 2));
	diag_free(d);
}

static void rail2_legal_sanitized_delivery(void)
{
	const char *flows[] = {
		TEST_FLOW("S1", "internet:san", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
		TEST_FLOW("S2", "internet:172.16.30.10", "lgwan:fs", "\"tcp/22\"", "kind = \"sanitized\";"),
		TEST_FLOW("S3", "lgwan:pcs", "internet:vb", "\"rdp\"", "kind = \"specific\";"),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 0);
	diag_free(d);
}

static void rail2_sanitized_without_sanitizer_host(void)
{
	const char *appliance = "appliance = { name = \"x\"; };\n"
				"zones = {\n"
				"  lgwan = { port = \"a\"; address = \"10.20.0.1/24\"; "
				"networks = [\"10.20.0.0/16\"]; };\n"
				"  internet = { port = \"b\"; address = \"172.16.0.1/24\"; "
				"networks = [\"172.16.0.0/16\"]; };\n"
				"};\n";
	const char *policy = "flows = ( { id = \"S\"; purpose = \"p\"; from = "
			     "\"internet:172.16.0.9\"; to = \"lgwan:10.20.0.9\";\n"
			     "  services = [\"tcp/445\"]; kind = \"sanitized\"; approved_by = "
			     "\"a\"; valid_until = \"2027-03-31\"; } );\n";
	int ret;
	struct diag *d = test_build(appliance, policy, test_now(), &ret, NULL);

	CU_ASSERT_EQUAL(ret, -22);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-2", 2, "S", 2));
	diag_free(d);
}

static void rail3_unrestricted(void)
{
	const char *flows[] = {
		TEST_FLOW("U1", "lgwan:pcs", "internet:any", "\"rdp\"", ""),
		TEST_FLOW("U2", "lgwan:0.0.0.0/0", "internet:vb", "\"rdp\"", ""),
		TEST_FLOW("U3", "lgwan:pcs", "internet:vb", "\"tcp/any\"", ""),
		TEST_FLOW("U4", "lgwan:pcs", "internet:vb", "\"tcp/1-65535\"", ""),
		TEST_FLOW("U5", "mynumber:10.10.0.0/16", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("U6", "mynumber:atena", "lgwan:10.20.0.0/23", "\"https\"", ""),
		TEST_FLOW("U7", "lgwan:pcs", "internet:vb", "\"udp\"", ""),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	for (int i = 0; i < 7; i++)
		CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-3", TEST_LINE(i), NULL, 3));
	/* U2's lgwan:0.0.0.0/0 also holds the lgwan peers of U5 and U6: rail 4, twice. */
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-4", TEST_LINE(1), "U2", 4));
	CU_ASSERT_EQUAL(e, 9);
	diag_free(d);
}

static void rail3_legal_narrow(void)
{
	const char *flows[] = {
		TEST_FLOW("N1", "mynumber:10.10.3.0/24", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("N2", "lgwan:pcs", "internet:vb", "\"tcp/3389-3390\"", ""),
		TEST_FLOW("N3", "lgwan:10.20.128.0/17", "internet:vb", "\"tcp/3389\"", ""),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 0);
	diag_free(d);
}

/* TEST_APPLIANCE with an internet zone that holds every address the others do not. */
static char *internet_everywhere(void)
{
	const char *from = "networks = [\"172.16.0.0/16\"];\n"
			   "               routes = ( { to = \"172.16.0.0/16\";";
	const char *to = "networks = [\"0.0.0.0/0\"];\n"
			 "               routes = ( { to = \"0.0.0.0/0\";";
	const char *at = strstr(TEST_APPLIANCE, from);
	size_t cap = strlen(TEST_APPLIANCE) + strlen(to) + 1;
	char *s = malloc(cap);

	CU_ASSERT_FATAL(at != NULL && s != NULL);
	snprintf(s, cap, "%.*s%s%s", (int)(at - TEST_APPLIANCE), TEST_APPLIANCE, to,
		 at + strlen(from));
	return s;
}

/* A policy whose host "h" has these addresses and one flow from..to on line 4. */
static struct diag *size_run(const char *appliance, const char *addrs, const char *from,
			     const char *to, int *ret)
{
	size_t cap = strlen(addrs) + 1024;
	char *text = malloc(cap);
	struct diag *d;

	CU_ASSERT_FATAL(text != NULL);
	snprintf(text, cap,
		 "hosts = { h = { address = [%s]; }; pcs = { address = \"10.20.16.0/24\"; };\n"
		 "          atena = { address = \"10.10.2.10\"; mac = \"52:54:00:10:02:0a\"; }; };\n"
		 "flows = (\n"
		 "{ id = \"W\"; purpose = \"p\"; from = \"%s\"; to = \"%s\"; services = [\"tcp/443\"];"
		 " approved_by = \"決裁\"; valid_until = \"2027-03-31\"; } );\n",
		 addrs, from, to);
	d = test_build(appliance, text, test_now(), ret, NULL);
	free(text);
	return d;
}

/* Rail 3 judges what a side covers, not how it is spelt: wide prefixes that add up to
 * most of the Internet are as unrestricted as "any". */
static void rail3_size(void)
{
	char *app = internet_everywhere();
	char *wide = malloc(strlen(app) + 32), *at = strstr(app, "\"10.20.0.0/16\"]");
	char big[8192];
	size_t len = 0;
	struct diag *d;
	int ret;

	CU_ASSERT_FATAL(wide != NULL && at != NULL);
	sprintf(wide, "%.*s\"10.20.0.0/15\"]%s", (int)(at - app), app, at + 15);
	/* three /3s: 1.6 billion addresses */
	d = size_run(app, "\"64.0.0.0/3\", \"96.0.0.0/3\", \"192.0.0.0/3\"", "lgwan:pcs",
		     "internet:h", &ret);
	CU_ASSERT(ret != 0 && diag_has(d, DIAG_ERROR, "rail-3", 4, "W", 3));
	diag_free(d);
	/* a /8 is the widest an lgwan-internet side may cover; overlaps count once */
	d = size_run(app, "\"100.0.0.0/8\", \"100.1.0.0/16\", \"100.2.3.4\"", "lgwan:pcs",
		     "internet:h", &ret);
	CU_ASSERT(ret == 0 && !diag_has(d, DIAG_ERROR, "rail-3", 0, NULL, 3));
	diag_free(d);
	d = size_run(app, "\"100.0.0.0/8\", \"101.0.0.0/32\"", "internet:h", "lgwan:pcs",
		     &ret);
	CU_ASSERT(ret != 0 && diag_has(d, DIAG_ERROR, "rail-3", 4, "W", 3));
	diag_free(d);
	/* a mynumber flow: /24s each, a /16's worth at most (lgwan holds 10.20.0.0/15) */
	for (unsigned n = 256; n <= 257; n++) {
		len = 0;
		for (unsigned i = 0; i < n; i++)
			len += (size_t)snprintf(big + len, sizeof(big) - len, "%s\"10.%u.%u.0/24\"",
						i ? ", " : "", 20 + i / 256, i % 256);
		d = size_run(wide, big, "mynumber:atena", "lgwan:h", &ret);
		CU_ASSERT(n == 256 ? ret == 0 && !diag_has(d, DIAG_ERROR, "rail-3", 0, NULL, 3)
				   : ret != 0 && diag_has(d, DIAG_ERROR, "rail-3", 4, "W", 3));
		diag_free(d);
	}
	free(wide);
	free(app);
}

static void rail4_peer_reaches_internet(void)
{
	const char *flows[] = {
		TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
		/* by name */
		TEST_FLOW("P1", "lgwan:chukan", "internet:vb", "\"rdp\"", ""),
		/* by address: a prefix that holds the peer */
		TEST_FLOW("P2", "lgwan:10.20.5.0/28", "internet:vb", "\"rdp\"", ""),
		/* reached from internet */
		TEST_FLOW("P3", "internet:san", "lgwan:10.20.5.10", "\"smb\"", "kind = \"sanitized\";"),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-4", TEST_LINE(1), "P1", 4));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-4", TEST_LINE(2), "P2", 4));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-4", TEST_LINE(3), "P3", 4));
	CU_ASSERT_EQUAL(e, 3);
	diag_free(d);
}

static void rail4_legal_separate_hosts(void)
{
	const char *flows[] = {
		TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("P1", "lgwan:pcs", "internet:vb", "\"rdp\"", ""),
		TEST_FLOW("P2", "lgwan:10.20.5.16/28", "internet:vb", "\"rdp\"", ""),
		TEST_FLOW("P3", "internet:san", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT_EQUAL(e, 0);
	diag_free(d);
}

static void rail5_expired_is_a_warning(void)
{
	const char *flows[] = {
		"{ id = \"OLD\"; purpose = \"p\"; from = \"lgwan:pcs\"; to = \"internet:vb\"; "
		"services = [\"rdp\"]; approved_by = \"a\"; valid_from = \"2025-04-01\"; "
		"valid_until = \"2026-03-31\"; }",
		TEST_FLOW("NEW", "lgwan:pcs", "internet:vb", "\"rdp\"", ""),
		NULL
	};
	char *text = test_policy_text(flows);
	struct cpolicy *cp = NULL;
	const struct cp_flow *cf;
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), &ret, &cp);

	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(diag_errors(d), 0);
	CU_ASSERT(diag_has(d, DIAG_WARNING, "expired", TEST_LINE(0), "OLD", 5));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL(cpolicy_flows(cp, &cf), 1);
	CU_ASSERT_STRING_EQUAL(cf[0].id, "NEW");
	CU_ASSERT_EQUAL(cpolicy_flow_find(cp, "OLD"), -1);
	cpolicy_free(cp);
	diag_free(d);
	free(text);
}

static void rails_are_reported_together(void)
{
	const char *flows[] = {
		TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
		TEST_FLOW("R1", "mynumber:atena", "internet:vb", "\"https\"", ""),
		TEST_FLOW("R2", "lgwan:chukan", "internet:any", "\"tcp/any\"", ""),
		NULL
	};
	size_t e;
	struct diag *d = run(flows, &e);

	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-1", TEST_LINE(1), "R1", 1));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-3", TEST_LINE(2), "R2", 3));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "rail-4", TEST_LINE(2), "R2", 4));
	CU_ASSERT(e >= 4);
	diag_free(d);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "rail 1: mynumber -> internet", rail1_mynumber_to_internet },
		{ "rail 1: internet -> mynumber", rail1_internet_to_mynumber },
		{ "rail 1: legal mynumber -> lgwan", rail1_legal_mynumber_to_lgwan },
		{ "rail 2: sanitized not from the sanitizer, bad kind", rail2_sanitized_not_from_sanitizer },
		{ "rail 2: legal sanitized delivery", rail2_legal_sanitized_delivery },
		{ "rail 2: no sanitizer host declared", rail2_sanitized_without_sanitizer_host },
		{ "rail 3: unrestricted sides and ports", rail3_unrestricted },
		{ "rail 3: legal narrow flows", rail3_legal_narrow },
		{ "rail 3: what a side covers, not its spelling", rail3_size },
		{ "rail 4: mynumber peer reaches internet", rail4_peer_reaches_internet },
		{ "rail 4: legal separate hosts", rail4_legal_separate_hosts },
		{ "rail 5: expired flow is left out", rail5_expired_is_a_warning },
		{ "rails reported together", rails_are_reported_together },
		{ NULL, NULL },
	};
	return test_run("guardrails", cases);
}
