/* The diagnostics list: counting, ordering and the FILE:LINE: flow "ID": text format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "runner.h"

static char *print_to_string(const struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	diag_print(d, f);
	fclose(f);
	return buf;
}

static void counts_and_format(void)
{
	struct diag *d = diag_new();
	char *out;

	diag_add(d, DIAG_ERROR, "policy.cfg", 12, "MN-LG-001", 1, "rail-1", "guard rail %d", 1);
	diag_add(d, DIAG_WARNING, "policy.cfg", 3, NULL, 0, "unused", "host \"%s\" unused", "x");
	diag_add(d, DIAG_ERROR, "appliance.cfg", 0, NULL, 0, "unreadable", "cannot read");
	CU_ASSERT_EQUAL(diag_count(d), 3);
	CU_ASSERT_EQUAL(diag_errors(d), 2);
	CU_ASSERT_EQUAL(diag_warnings(d), 1);
	CU_ASSERT_FALSE(diag_failed(d));
	out = print_to_string(d);
	CU_ASSERT_STRING_EQUAL(out, "policy.cfg:12: flow \"MN-LG-001\": guard rail 1\n"
				    "policy.cfg:3: warning: host \"x\" unused\n"
				    "appliance.cfg: cannot read\n");
	free(out);
	diag_free(d);
}

static void sorted_by_file_and_line(void)
{
	struct diag *d = diag_new();

	diag_add(d, DIAG_WARNING, "p.cfg", 9, NULL, 0, "w", "w9");
	diag_add(d, DIAG_ERROR, "p.cfg", 2, NULL, 0, "e", "e2");
	diag_add(d, DIAG_ERROR, "a.cfg", 40, NULL, 0, "e", "a40");
	diag_add(d, DIAG_ERROR, "p.cfg", 9, NULL, 0, "e", "e9");
	diag_add(d, DIAG_ERROR, "p.cfg", 2, NULL, 0, "e", "e2b");
	diag_sort(d);
	CU_ASSERT_STRING_EQUAL(diag_get(d, 0)->message, "a40");
	CU_ASSERT_STRING_EQUAL(diag_get(d, 1)->message, "e2");
	CU_ASSERT_STRING_EQUAL(diag_get(d, 2)->message, "e2b"); /* stable */
	CU_ASSERT_STRING_EQUAL(diag_get(d, 3)->message, "e9");	/* error before warning */
	CU_ASSERT_STRING_EQUAL(diag_get(d, 4)->message, "w9");
	CU_ASSERT_PTR_NULL(diag_get(d, 5));
	diag_free(d);
}

static void many_messages(void)
{
	struct diag *d = diag_new();

	for (unsigned i = 0; i < 5000; i++)
		diag_add(d, i % 2 ? DIAG_WARNING : DIAG_ERROR, "p.cfg", 5000 - i, "F", 0, "c",
			 "message %u", i);
	CU_ASSERT_EQUAL(diag_count(d), 5000);
	CU_ASSERT_EQUAL(diag_errors(d), 2500);
	diag_sort(d);
	CU_ASSERT_EQUAL(diag_get(d, 0)->line, 1);
	CU_ASSERT_EQUAL(diag_get(d, 4999)->line, 5000);
	diag_free(d);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "counts and format", counts_and_format },
		{ "sorted by file and line", sorted_by_file_and_line },
		{ "many messages", many_messages },
		{ NULL, NULL },
	};
	return test_run("diag", cases);
}
