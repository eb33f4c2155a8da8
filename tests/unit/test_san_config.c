/* sanitizer.cfg: defaults, every setting read, and every error reported as FILE:LINE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "runner.h"

static char path[] = "/tmp/bunri-san-config-XXXXXX";

static int load(const char *text, struct san_config *c, char **errors)
{
	size_t len = 0;
	FILE *err = open_memstream(errors, &len);
	int fd = mkstemp(path), rc;

	CU_ASSERT_FATAL(fd >= 0 && err != NULL);
	CU_ASSERT_EQUAL_FATAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(c);
	rc = config_load(c, path, err);
	fclose(err);
	unlink(path);
	strcpy(path + strlen(path) - 6, "XXXXXX");
	return rc;
}

static void example_file(void)
{
	char file[1024];
	struct san_config c;
	const char *src = getenv("BUNRI_SRCDIR");

	snprintf(file, sizeof(file), "%s/sanitizer/sanitizer.cfg.example", src ? src : ".");
	config_defaults(&c);
	CU_ASSERT_EQUAL(config_load(&c, file, stderr), 0);
	CU_ASSERT_EQUAL(c.archive_max_depth, 5);
	CU_ASSERT_EQUAL(c.archive_max_ratio, 100);
	CU_ASSERT_EQUAL(c.pdf_keep_uri, 1);
	CU_ASSERT_EQUAL(c.workers, 2);
}

static void values_read(void)
{
	struct san_config c;
	char *e = NULL;

	CU_ASSERT_EQUAL(load("pdf = { uri = \"remove\"; };\nmail = { attachments = \"remove\"; };\n"
			     "archive = { max_depth = 3; max_total_mb = 10; };\n"
			     "sandbox = { memory_mb = 512; };\ndaemon = { inbox = \"/x/in\"; workers = 4; };\n",
			     &c, &e), 0);
	CU_ASSERT_EQUAL(c.pdf_keep_uri, 0);
	CU_ASSERT_EQUAL(c.mail_remove_attachments, 1);
	CU_ASSERT_EQUAL(c.archive_max_depth, 3);
	CU_ASSERT_EQUAL(c.archive_max_total, 10LL << 20);
	CU_ASSERT_EQUAL(c.sandbox_memory, 512LL << 20);
	CU_ASSERT_STRING_EQUAL(c.inbox, "/x/in");
	CU_ASSERT_EQUAL(c.workers, 4);
	free(e);
}

static void all_errors_with_lines(void)
{
	struct san_config c;
	char *e = NULL;

	CU_ASSERT_EQUAL(load("pdf = { uri = \"maybe\"; };\nfoo = 1;\narchive = { max_depth = 0; };\n"
			     "daemon = { inbox = \"relative\"; };\n", &c, &e), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, ":1: uri must be \"keep\" or \"remove\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(e, ":2: unknown setting \"foo\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(e, ":3: max_depth is out of range"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e, ":4: inbox must be an absolute path"));
	free(e);
	CU_ASSERT_EQUAL(load("pdf = {\n uri = \"keep\"\n", &c, &e), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, ":3: syntax error"));
	free(e);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "the example file loads", example_file },
		{ "values are read", values_read },
		{ "every error with its line", all_errors_with_lines },
		{ NULL, NULL },
	};

	return test_run("san_config", cases);
}
