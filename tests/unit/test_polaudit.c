/* The policy-change audit: which flows a change added, removed and changed (compiled from
 * real policy files), and the JSON lines appended to a real file. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "polaudit.h"
#include "runner.h"

static const char *const OLD[] = {
	TEST_FLOW("KEEP", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
	TEST_FLOW("CHANGE", "lgwan:pcs", "internet:vb", "\"rdp\"", ""),
	TEST_FLOW("DROP", "lgwan:fs", "internet:vb", "\"https\"", ""),
	NULL,
};

static const char *const NEW[] = {
	TEST_FLOW("KEEP", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
	TEST_FLOW("CHANGE", "lgwan:pcs", "internet:vb", "\"https\"", ""),
	TEST_FLOW("ADD", "internet:san", "lgwan:fs", "\"smb\"", "kind = \"sanitized\";"),
	NULL,
};

static void diff_by_flow_id(void)
{
	struct cpolicy *a = test_compile_flows(OLD), *b = test_compile_flows(NEW);
	struct polaudit_diff d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(a, b, &d), 0);
	CU_ASSERT_EQUAL(d.n_added, 1);
	CU_ASSERT_EQUAL(d.n_removed, 1);
	CU_ASSERT_EQUAL(d.n_changed, 1);
	CU_ASSERT_STRING_EQUAL(d.added[0], "ADD");
	CU_ASSERT_STRING_EQUAL(d.removed[0], "DROP");
	CU_ASSERT_STRING_EQUAL(d.changed[0], "CHANGE");
	f = open_memstream(&text, &len);
	CU_ASSERT_FATAL(f != NULL);
	polaudit_describe(&d, f);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(text, "added: ADD; removed: DROP; changed: CHANGE");
	free(text);
	polaudit_diff_free(&d);

	/* The same policy twice: nothing changed. */
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(b, b, &d), 0);
	CU_ASSERT_EQUAL(d.n_added + d.n_removed + d.n_changed, 0);
	polaudit_diff_free(&d);
	/* No policy before (start-up): everything is added. */
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(NULL, a, &d), 0);
	CU_ASSERT_EQUAL(d.n_added, 3);
	CU_ASSERT_EQUAL(d.n_removed + d.n_changed, 0);
	polaudit_diff_free(&d);
	cpolicy_free(a);
	cpolicy_free(b);
}

static void appends_json_lines(void)
{
	char dir[] = "/tmp/bunri-polaudit-XXXXXX", path[64];
	struct cpolicy *a = test_compile_flows(OLD), *b = test_compile_flows(NEW);
	char hex_a[2 * CPOLICY_DIGEST_LEN + 1], hex_b[2 * CPOLICY_DIGEST_LEN + 1];
	struct polaudit_diff d;
	json_error_t err;
	char line[4096];
	unsigned n = 0;
	FILE *f;

	CU_ASSERT_FATAL(a != NULL && b != NULL && mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/policy-audit.jsonl", dir);
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(NULL, a, &d), 0);
	CU_ASSERT_EQUAL(polaudit_append(path, 1775000000000LL, -1, "startup", NULL, a, &d), 0);
	polaudit_diff_free(&d);
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(a, b, &d), 0);
	CU_ASSERT_EQUAL(polaudit_append(path, 1775000060000LL, 0, "reload", a, b, &d), 0);
	polaudit_diff_free(&d);

	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *j = json_loads(line, 0, &err);

		CU_ASSERT_FATAL(j != NULL);
		if (n == 0) {
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "trigger")),
					       "startup");
			CU_ASSERT(json_is_null(json_object_get(j, "operator_uid")));
			CU_ASSERT(json_is_null(json_object_get(j, "old_digest")));
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "result")),
					       "applied");
			CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "added")), 3);
		} else {
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "time")),
					       "2026-03-31T23:34:20.000Z");
			CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "operator_uid")), 0);
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "old_digest")),
					       cpolicy_digest_hex(a, hex_a));
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "new_digest")),
					       cpolicy_digest_hex(b, hex_b));
			CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
				json_object_get(j, "removed"), 0)), "DROP");
		}
		json_decref(j);
		n++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(n, 2);
	unlink(path);
	rmdir(dir);

	/* A directory that does not exist: the error comes back, nothing crashes. */
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(a, b, &d), 0);
	CU_ASSERT_EQUAL(polaudit_append("/nonexistent-bunri/audit.jsonl", 0, 0, "reload", a, b,
					&d), -ENOENT);
	polaudit_diff_free(&d);
	cpolicy_free(a);
	cpolicy_free(b);
}

/* A change the dataplane did not install: "not applied", the reason, and what it would
 * have done, never "removed". */
static void not_applied_line(void)
{
	char dir[] = "/tmp/bunri-polaudit-XXXXXX", path[64], line[4096];
	struct cpolicy *a = test_compile_flows(OLD), *b = test_compile_flows(NEW);
	char hex_a[2 * CPOLICY_DIGEST_LEN + 1];
	struct polaudit_diff d;
	json_error_t err;
	json_t *j;
	FILE *f;

	CU_ASSERT_FATAL(a != NULL && b != NULL && mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/policy-audit.jsonl", dir);
	CU_ASSERT_EQUAL_FATAL(polaudit_diff(a, b, &d), 0);
	CU_ASSERT_EQUAL(polaudit_append_not_applied(path, 1775000000000LL, 0, "reload", a, b, &d,
						    "bunri-dataplane is not connected"), 0);
	polaudit_diff_free(&d);
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	j = json_loads(line, 0, &err);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "result")), "not applied");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "reason")),
			       "bunri-dataplane is not connected");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "old_digest")),
			       cpolicy_digest_hex(a, hex_a));
	CU_ASSERT_PTR_NULL(json_object_get(j, "removed"));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(j, "would_remove"),
								0)), "DROP");
	json_decref(j);
	unlink(path);
	rmdir(dir);
	cpolicy_free(a);
	cpolicy_free(b);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "diff by flow id", diff_by_flow_id },
		{ "appends JSON lines", appends_json_lines },
		{ "a change not applied says so", not_applied_line },
		{ NULL, NULL },
	};

	return test_run("polaudit", cases);
}
