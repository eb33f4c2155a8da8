#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_cmd.h"
#include "policy.h"
#include "timefmt.h"

struct zone_pair_count {
	unsigned flows[ZONE_COUNT][ZONE_COUNT];
	unsigned sanitized[ZONE_COUNT][ZONE_COUNT];
	unsigned rules[ZONE_COUNT][ZONE_COUNT];
};

static void count_pairs(const struct cpolicy *cp, struct zone_pair_count *c)
{
	const struct cp_flow *flows;
	const struct cp_rule *rules;
	size_t nf = cpolicy_flows(cp, &flows);

	cpolicy_rules(cp, &rules);
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < nf; i++) {
		const struct cp_rule *r = &rules[flows[i].first_rule];

		if (!flows[i].n_rules)
			continue;
		c->flows[r->from_zone][r->to_zone]++;
		c->sanitized[r->from_zone][r->to_zone] += flows[i].kind == FLOW_SANITIZED;
		c->rules[r->from_zone][r->to_zone] += flows[i].n_rules;
	}
}

static size_t count_code(const struct diag *d, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < diag_count(d); i++)
		n += diag_get(d, i)->code && strcmp(diag_get(d, i)->code, code) == 0;
	return n;
}

static void print_summary(const struct cpolicy *cp, const struct diag *d, FILE *out)
{
	const struct cp_flow *flows;
	const struct cp_rule *rules;
	char hex[2 * CPOLICY_DIGEST_LEN + 1], when[TIMEFMT_STRLEN];
	struct zone_pair_count c;

	count_pairs(cp, &c);
	fprintf(out, "\n%s: policy accepted\n", cpolicy_appliance_name(cp));
	fprintf(out, "  digest        %s\n", cpolicy_digest_hex(cp, hex));
	fprintf(out, "  flows         %zu in force, %zu expired (left out), %zu not yet in force\n",
		cpolicy_flows(cp, &flows), count_code(d, "expired"), count_code(d, "not-yet"));
	fprintf(out, "  rules         %zu\n", cpolicy_rules(cp, &rules));
	if (cpolicy_next_change(cp))
		fprintf(out, "  next change   %s (a flow starts or ends)\n",
			timefmt_format_jst(cpolicy_next_change(cp), when));
	for (unsigned f = 0; f < ZONE_COUNT; f++)
		for (unsigned t = 0; t < ZONE_COUNT; t++) {
			char pair[32];

			if (f == t || !c.flows[f][t])
				continue;
			snprintf(pair, sizeof(pair), "%s -> %s", zone_name((enum zone)f),
				 zone_name((enum zone)t));
			fprintf(out, "  %-22s %u flow%s, %u rule%s", pair, c.flows[f][t],
				c.flows[f][t] == 1 ? "" : "s", c.rules[f][t],
				c.rules[f][t] == 1 ? "" : "s");
			if (c.sanitized[f][t])
				fprintf(out, " (%u sanitized)", c.sanitized[f][t]);
			fputc('\n', out);
		}
}

static json_t *json_diags(const struct diag *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < diag_count(d); i++) {
		const struct diag_entry *e = diag_get(d, i);

		json_array_append_new(
			arr, json_pack("{s:s, s:s?, s:i, s:s?, s:i, s:s?, s:s}", "level",
				       e->level == DIAG_ERROR ? "error" : "warning", "file", e->file,
				       "line", (json_int_t)e->line, "flow", e->flow, "rail",
				       e->rail, "code", e->code, "message", e->message));
	}
	return arr;
}

static json_t *json_summary(const struct cpolicy *cp)
{
	const struct cp_flow *flows;
	const struct cp_rule *rules;
	char hex[2 * CPOLICY_DIGEST_LEN + 1];
	struct zone_pair_count c;
	json_t *pairs = json_array();

	count_pairs(cp, &c);
	for (unsigned f = 0; pairs && f < ZONE_COUNT; f++)
		for (unsigned t = 0; t < ZONE_COUNT; t++)
			if (f != t && c.flows[f][t])
				json_array_append_new(
					pairs, json_pack("{s:s, s:s, s:i, s:i, s:i}", "from",
							 zone_name((enum zone)f), "to",
							 zone_name((enum zone)t), "flows", c.flows[f][t],
							 "rules", c.rules[f][t], "sanitized",
							 c.sanitized[f][t]));
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o*}", "appliance",
			 cpolicy_appliance_name(cp), "digest", cpolicy_digest_hex(cp, hex),
			 "flows", (json_int_t)cpolicy_flows(cp, &flows), "rules",
			 (json_int_t)cpolicy_rules(cp, &rules), "next_change",
			 (json_int_t)cpolicy_next_change(cp), "zone_pairs", pairs);
}

/* The compiled policy in its binary form, for inspection and for the fuzzers' seeds. */
static int write_compiled(const struct cpolicy *cp, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret = cpolicy_serialize(cp, &buf, &len);

	if (ret < 0) {
		fprintf(stderr, "bunrictl check: %s\n", strerror(-ret));
		return ret;
	}
	f = fopen(path, "wb");
	if (f) {
		bool written = fwrite(buf, 1, len, f) == len;

		if (fclose(f) != 0 || !written)
			f = NULL;
	}
	if (!f) {
		ret = -errno;
		fprintf(stderr, "bunrictl check: cannot write %s: %s\n", path, strerror(errno));
	}
	free(buf);
	return ret;
}

static int parse_at(const char *s, int64_t *now)
{
	if (timefmt_parse(s, false, now) < 0) {
		fprintf(stderr, "bunrictl check: --at \"%s\": write YYYY-MM-DD or "
				"\"YYYY-MM-DD HH:MM\" (JST)\n",
			s);
		return -1;
	}
	return 0;
}

int check_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "policy", required_argument, NULL, 'p' },
		{ "at", required_argument, NULL, 'a' },	    { "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	const char *config = BUNRI_DEFAULT_APPLIANCE, *policy = BUNRI_DEFAULT_POLICY;
	int64_t now = (int64_t)time(NULL);
	struct cpolicy *cp = NULL;
	struct diag *d;
	bool json = false;
	int opt, ret, code;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:p:o:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'a':
			if (parse_at(optarg, &now) < 0)
				return 2;
			break;
		case 'j':
			json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			printf("usage: bunrictl check [--config FILE] [--policy FILE] [--at DATE] "
			       "[--json] [--output FILE]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bunrictl check: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	d = diag_new();
	if (!d) {
		fprintf(stderr, "bunrictl check: out of memory\n");
		return 2;
	}
	ret = policy_build(config, policy, now, d, &cp);
	code = ret == 0 ? 0 : ret == -EINVAL ? 1 : 2;
	if (json) {
		json_t *root = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "config", config,
					 "policy", policy, "errors", (json_int_t)diag_errors(d),
					 "warnings", (json_int_t)diag_warnings(d), "diagnostics",
					 json_diags(d), "summary", cp ? json_summary(cp) : json_null());

		if (!root || json_dumpf(root, stdout, JSON_INDENT(2)) < 0)
			code = 2;
		fputc('\n', stdout);
		json_decref(root);
	} else {
		diag_print(d, stdout);
		printf("%zu error%s, %zu warning%s\n", diag_errors(d),
		       diag_errors(d) == 1 ? "" : "s", diag_warnings(d),
		       diag_warnings(d) == 1 ? "" : "s");
		if (cp)
			print_summary(cp, d, stdout);
	}
	if (ret < 0 && ret != -EINVAL && !json)
		fprintf(stderr, "bunrictl check: %s\n", strerror(-ret));
	if (cp && output && write_compiled(cp, output) < 0)
		code = 2;
	cpolicy_free(cp);
	diag_free(d);
	return code;
}
