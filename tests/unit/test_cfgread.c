/* Reading a config file whole: an empty or blank file, a policy without its flows list,
 * and a file rewritten in place while it is read are refused; what is accepted is
 * exactly one of the versions a writer meant, digested byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfgfile.h"
#include "cfgread.h"
#include "runner.h"

static void empty_file_is_refused(void)
{
	char *path = cfgfile_write("");
	struct diag *d = diag_new();
	uint8_t digest[CPOLICY_DIGEST_LEN];
	const char *why = NULL;
	size_t len = 1;
	char *text = NULL;
	config_t cfg;

	CU_ASSERT_EQUAL(cfgread_text(path, &text, &len, &why), -ENODATA);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_PTR_NOT_NULL(why);
	config_init(&cfg);
	CU_ASSERT_EQUAL(cfgread_load(path, &cfg, digest, d), -ENODATA);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "empty", 0, NULL, 0));
	config_destroy(&cfg);
	diag_free(d);
	free(path);
}

static void blank_file_is_refused(void)
{
	char *path = cfgfile_write("  \n\t\n\n");
	struct diag *d = diag_new();
	uint8_t digest[CPOLICY_DIGEST_LEN];
	config_t cfg;

	config_init(&cfg);
	CU_ASSERT_EQUAL(cfgread_load(path, &cfg, digest, d), -ENODATA);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "empty", 0, NULL, 0));
	config_destroy(&cfg);
	diag_free(d);
	free(path);
}

/* Comments, hosts and services but no flows list: what a file cut short looks like. */
static void policy_without_flows_is_refused(void)
{
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, "# policy.cfg\n// nothing yet\n",
				    test_now(), &ret, NULL);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "no-flows", 0, NULL, 0));
	diag_free(d);
	d = test_build(TEST_APPLIANCE, "services = { https = \"tcp/443\"; };\n", test_now(),
		       &ret, NULL);
	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "no-flows", 0, NULL, 0));
	diag_free(d);
}

/* An empty list is a decision: deny-all, accepted. */
static void explicit_empty_flows_is_deny_all(void)
{
	struct cpolicy *cp = NULL;
	const struct cp_flow *flows;
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, "flows = ( );\n", test_now(), &ret, &cp);

	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(diag_errors(d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_EQUAL(cpolicy_flows(cp, &flows), 0);
	cpolicy_free(cp);
	diag_free(d);
}

static void digest_covers_the_bytes_read(void)
{
	static const char text[] = "a = 1;\nb = \"two\";\n";
	char *path = cfgfile_write(text);
	struct diag *d = diag_new();
	uint8_t digest[CPOLICY_DIGEST_LEN], want[CPOLICY_DIGEST_LEN];
	config_t cfg;

	config_init(&cfg);
	CU_ASSERT_EQUAL(cfgread_load(path, &cfg, digest, d), 0);
	CU_ASSERT_FATAL(EVP_Digest(text, strlen(text), want, NULL, EVP_sha256(), NULL) == 1);
	CU_ASSERT_EQUAL(memcmp(digest, want, sizeof(want)), 0);
	config_destroy(&cfg);
	diag_free(d);
	free(path);
}

/* Two versions, each valid libconfig, and each with a prefix that is valid too: an
 * editor that truncates the file and writes it in two pieces. */
static const char VERSION_A[] = "a = 1;\nb = 2;\nc = 3;\nd = 4;\n";
static const char VERSION_B[] = "a = 10;\nb = 20;\nc = 30;\nd = 40;\ne = 50;\n";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct writer {
	const char *path;
	atomic_bool stop;
	unsigned rewrites;
};

static void write_in_place(const char *path, const char *text, size_t half)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, text, half) == (ssize_t)half) {
		usleep(3000);
		if (write(fd, text + half, strlen(text) - half) < 0)
			half = 0;
	}
	close(fd);
}

static void *writer_run(void *arg)
{
	struct writer *w = arg;

	while (!atomic_load(&w->stop)) {
		write_in_place(w->path, VERSION_A, 14);   /* "a = 1;\nb = 2;\n" */
		usleep(4000);
		write_in_place(w->path, VERSION_B, 16);   /* "a = 10;\nb = 20;\n" */
		usleep(4000);
		w->rewrites += 2;
		if (w->rewrites % 40 == 0)
			usleep((CFGREAD_SETTLE_MS * 3) * 1000);  /* the editor pauses */
	}
	return NULL;
}

static void in_place_writer_is_never_half_read(void)
{
	char *path = cfgfile_write(VERSION_A);
	uint8_t digest[CPOLICY_DIGEST_LEN], a[CPOLICY_DIGEST_LEN], b[CPOLICY_DIGEST_LEN];
	struct writer w = { .path = path };
	unsigned whole = 0, torn = 0, refused = 0;
	pthread_t t;

	CU_ASSERT_FATAL(EVP_Digest(VERSION_A, strlen(VERSION_A), a, NULL, EVP_sha256(), NULL));
	CU_ASSERT_FATAL(EVP_Digest(VERSION_B, strlen(VERSION_B), b, NULL, EVP_sha256(), NULL));
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, writer_run, &w), 0);
	for (int64_t end = now_ms() + 2500; now_ms() < end;) {
		struct diag *d = diag_new();
		config_t cfg;

		config_init(&cfg);
		if (cfgread_load(path, &cfg, digest, d) != 0)
			refused++;
		else if (memcmp(digest, a, sizeof(a)) == 0 || memcmp(digest, b, sizeof(b)) == 0)
			whole++;
		else
			torn++;
		config_destroy(&cfg);
		diag_free(d);
		usleep(200);
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	printf("\n  %u reads while the file was rewritten %u times: %u whole, %u refused, "
	       "%u torn\n", whole + torn + refused, w.rewrites, whole, refused, torn);
	CU_ASSERT_EQUAL(torn, 0);
	CU_ASSERT(refused > 0);
	CU_ASSERT(whole > 0);
	/* once the writer is done, the file reads whole */
	{
		struct diag *d = diag_new();
		config_t cfg;

		usleep((CFGREAD_SETTLE_MS + 20) * 1000);
		config_init(&cfg);
		CU_ASSERT_EQUAL(cfgread_load(path, &cfg, digest, d), 0);
		config_destroy(&cfg);
		diag_free(d);
	}
	free(path);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "an empty file is refused", empty_file_is_refused },
		{ "a file of blanks is refused", blank_file_is_refused },
		{ "a policy without a flows list is refused", policy_without_flows_is_refused },
		{ "flows = ( ) is deny-all on purpose", explicit_empty_flows_is_deny_all },
		{ "the digest covers the bytes read", digest_covers_the_bytes_read },
		{ "an in-place writer is never half read", in_place_writer_is_never_half_read },
		{ NULL, NULL },
	};

	return test_run("cfgread", cases);
}
