/* The sandbox: a child that crashes, hangs, spins, overwrites, calls what the filter
 * forbids or reaches for the network is reported as such, and the parent carries on. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runner.h"
#include "sandbox.h"

static const struct sandbox_limits lim = { 2, 5, 256LL << 20, 1 << 20, 64 };

static int run(int (*work)(void *, int), int (*prepare)(void *), const struct sandbox_limits *l,
	       struct sandbox_result *r)
{
	struct sandbox_job job = { prepare, work, NULL, { -1, -1, -1, -1 } };

	return sandbox_run(l ? l : &lim, &job, r);
}

static int say(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : 1;
}

static int w_ok(void *a, int fd)
{
	(void)a;
	return say(fd, "hello");
}

static int w_segv(void *a, int fd)
{
	(void)a;
	(void)fd;
	raise(SIGSEGV);
	return 0;
}

static __attribute__((noreturn)) int w_hang(void *a, int fd)
{
	(void)a;
	(void)fd;
	for (;;)
		sleep(1);
}

static __attribute__((noreturn)) int w_spin(void *a, int fd)
{
	volatile unsigned long x = 0;

	(void)a;
	(void)fd;
	for (;;)
		x++;
}

static int w_socket(void *a, int fd)
{
	(void)a;
	(void)fd;
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 5;
}

static int w_open(void *a, int fd)
{
	(void)a;
	return say(fd, open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES ? "refused" : "opened");
}

static int w_memory(void *a, int fd)
{
	(void)a;
	return say(fd, malloc(512u << 20) == NULL ? "nomem" : "allocated");
}

static int w_big_write(void *a, int fd)
{
	static char block[65536];
	int i;

	(void)a;
	(void)fd;
	for (i = 0; i < 64; i++) /* 4 MB into the 1 MB RLIMIT_FSIZE */
		if (write(*(int *)a, block, sizeof(block)) < 0)
			return 7;
	return 0;
}

static int w_fork(void *a, int fd)
{
	(void)a;
	(void)fd;
	return fork() >= 0 ? 0 : 6;
}

static int w_ids(void *a, int fd)
{
	(void)a;
	return say(fd, getuid() == 0 || geteuid() == 0 ? "root" : "not root");
}

static int w_raise(void *a, int fd)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	(void)a;
	(void)fd;
	return setrlimit(RLIMIT_AS, &r) == 0 ? 0 : 8;
}

static char interfaces[256];

/* Before the filter: which interfaces does the child's namespace have? */
static int p_netns(void *a)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	(void)a;
	interfaces[0] = '\0';
	for (i = ifs; i && i->if_index; i++) {
		strncat(interfaces, i->if_name, sizeof(interfaces) - strlen(interfaces) - 2);
		strcat(interfaces, " ");
	}
	if (ifs)
		if_freenameindex(ifs);
	return 0;
}

static int w_netns(void *a, int fd)
{
	(void)a;
	return say(fd, interfaces);
}

static void message_comes_back(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_ok, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_DONE);
	CU_ASSERT_STRING_EQUAL(r.msg, "hello");
	sandbox_result_free(&r);
}

static void crash(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_segv, NULL, NULL, &r), 0);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan catches the signal itself and exits with 1 */
	CU_ASSERT_NOT_EQUAL(r.status, SANDBOX_DONE);
#else
	CU_ASSERT_EQUAL(r.status, SANDBOX_CRASHED);
	CU_ASSERT_EQUAL(r.code, SIGSEGV);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "crashed"));
#endif
	sandbox_result_free(&r);
}

static void hang_times_out(void)
{
	struct sandbox_limits l = lim;
	struct sandbox_result r;

	l.timeout_seconds = 1;
	CU_ASSERT_EQUAL_FATAL(run(w_hang, NULL, &l, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_TIMEOUT);
	sandbox_result_free(&r);
}

static void spin_hits_cpu_limit(void)
{
	struct sandbox_limits l = lim;
	struct sandbox_result r;

	l.cpu_seconds = 1;
	l.timeout_seconds = 30; /* one CPU second can take several on a loaded machine */
	CU_ASSERT_EQUAL_FATAL(run(w_spin, NULL, &l, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_CPU);
	sandbox_result_free(&r);
}

static void forbidden_calls_kill(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_socket, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_SYSCALL);
	/* the report names the call and says it is the sandbox's failure, not a finding */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "sandbox failure, not a verdict on the content"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "socket ("));
	sandbox_result_free(&r);
	CU_ASSERT_EQUAL_FATAL(run(w_fork, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_SYSCALL);
	sandbox_result_free(&r);
}

static void no_root_no_raise(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_ids, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_DONE);
	CU_ASSERT_STRING_EQUAL(r.msg, "not root");
	sandbox_result_free(&r);
	CU_ASSERT_EQUAL_FATAL(run(w_raise, NULL, NULL, &r), 0);
	CU_ASSERT_NOT_EQUAL(r.status, SANDBOX_DONE);
	sandbox_result_free(&r);
}

static void open_refused(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_open, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_DONE);
	CU_ASSERT_STRING_EQUAL(r.msg, "refused");
	sandbox_result_free(&r);
}

static void memory_capped(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_memory, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_DONE);
#if !defined(__SANITIZE_ADDRESS__) /* the sandbox leaves RLIMIT_AS off under ASan */
	CU_ASSERT_STRING_EQUAL(r.msg, "nomem");
#endif
	sandbox_result_free(&r);
}

static void output_size_capped(void)
{
	char tmp[] = "/tmp/bunri-sandbox-XXXXXX";
	int fd = mkstemp(tmp);
	struct sandbox_job job = { NULL, w_big_write, &fd, { fd, -1, -1, -1 } };
	struct sandbox_result r;

	CU_ASSERT_FATAL(fd >= 0);
	unlink(tmp);
	CU_ASSERT_EQUAL_FATAL(sandbox_run(&lim, &job, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_FILE_SIZE);
	sandbox_result_free(&r);
	close(fd);
}

static void no_network(void)
{
	struct sandbox_result r;

	CU_ASSERT_EQUAL_FATAL(run(w_netns, p_netns, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, SANDBOX_DONE);
	/* a fresh namespace has only its own loopback */
	CU_ASSERT_STRING_EQUAL(r.msg, "lo ");
	sandbox_result_free(&r);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "the child's message comes back", message_comes_back },
		{ "a crash is reported", crash },
		{ "a hang is killed at the timeout", hang_times_out },
		{ "a spin hits the CPU limit", spin_hits_cpu_limit },
		{ "socket() and fork() kill the child", forbidden_calls_kill },
		{ "open() is refused", open_refused },
		{ "not root, limits cannot be raised", no_root_no_raise },
		{ "the address space is capped", memory_capped },
		{ "the output size is capped", output_size_capped },
		{ "only loopback in the namespace", no_network },
		{ NULL, NULL },
	};

	signal(SIGXFSZ, SIG_DFL);
	return test_run("sandbox", cases);
}
