/* One CUnit suite per test program: a table of cases and a main that runs them. */
#ifndef BUNRI_TEST_RUNNER_H
#define BUNRI_TEST_RUNNER_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static inline int test_run(const char *suite_name, const struct test_case *cases)
{
	CU_pSuite suite;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(suite_name, NULL, NULL);
	if (!suite)
		goto err;
	for (const struct test_case *c = cases; c->name; c++)
		if (!CU_add_test(suite, c->name, c->fn))
			goto err;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto err;
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
err:
	CU_cleanup_registry();
	return 2;
}

#endif
