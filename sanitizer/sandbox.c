#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "slog.h"

#define LOG(...) slog_write("sandbox", __VA_ARGS__)

#define MSG_MAX (8u << 20)

/* Exit codes the child uses before work() runs. */
#define CHILD_SETUP_FAILED 120

#define NOBODY 65534

/* What parsing and writing into already-open descriptors need. Everything else kills
 * the child, except open and readlink (refused, so a library probing for files fails
 * cleanly) and ioctl (isatty checks). */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
	SCMP_SYS(pwrite64), SCMP_SYS(lseek), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(close), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(getrandom), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	SCMP_SYS(fcntl), SCMP_SYS(ftruncate), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(rseq), SCMP_SYS(set_robust_list),
	SCMP_SYS(getrusage), SCMP_SYS(sysinfo),
	/* libxml2 asks for the current directory to resolve a part name without a folder
	 * (an XPS FixedDocSeq.fdseq at the package root): it reads a path, opens nothing */
	SCMP_SYS(getcwd),
};

/* The message pipe, for the SIGSYS handler. */
static int trap_fd = -1;

/* A forbidden call traps here instead of killing silently: the call's number goes to
 * the parent over the message pipe, tagged so it cannot pass for the job's message,
 * then SIGSYS (now the default action) ends the child. Only async-signal-safe calls. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char m[40] = SANDBOX_TRAP_TAG;
	size_t n = sizeof(SANDBOX_TRAP_TAG) - 1, k;
	char digits[12];
	int nr = si->si_syscall, d = 0;

	(void)uc;
	if (nr < 0)
		nr = 0;
	do {
		digits[d++] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr && d < (int)sizeof(digits));
	for (k = 0; k < (size_t)d; k++)
		m[n++] = digits[d - 1 - (int)k];
	m[n++] = '\n';
	if (trap_fd >= 0 && write(trap_fd, m, n) < 0)
		m[0] = '\0';
	raise(sig);
	_exit(CHILD_SETUP_FAILED + 6);
}

static int trap_forbidden(int msg_fd)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	trap_fd = msg_fd;
	return sigaction(SIGSYS, &sa, NULL) == 0 ? 0 : -errno;
}

static int lock_down(void)
{
	/* prlimit64's third argument, the new limit, must be NULL */
	const struct scmp_arg_cmp new_limit_null = { 2, SCMP_CMP_EQ, 0, 0 };
	scmp_filter_ctx sc;
	size_t i;
	int rc;

	sc = seccomp_init(SCMP_ACT_TRAP);
	if (!sc)
		return -ENOMEM;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, allowed[i], 0);
		if (rc < 0)
			goto err_rule;
	}
	/* limits may be read, never raised */
	rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, new_limit_null);
	if (rc < 0)
		goto err_rule;
	rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (rc < 0)
		goto err_rule;
	rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	if (rc < 0)
		goto err_rule;
	rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(readlink), 0);
	if (rc < 0)
		goto err_rule;
	rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0);
	if (rc < 0)
		goto err_rule;
	rc = seccomp_load(sc);
err_rule:
	seccomp_release(sc);
	return rc;
}

static int set_limit(int res, long long v)
{
	/* CPU: SIGXCPU at the soft limit names the cause; the hard one a second later
	 * kills a child that ignores it */
	struct rlimit r = { (rlim_t)v, (rlim_t)(res == RLIMIT_CPU ? v + 1 : v) };

	return setrlimit(res, &r) == 0 ? 0 : -errno;
}

static int by_fd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor from 3 up except msg_fd and the job's keep_fds. */
static void close_others(const struct sandbox_job *job, int msg_fd)
{
	int keep[6], n = 0, i, from = 3;
	size_t k;

	keep[n++] = msg_fd;
	for (k = 0; k < sizeof(job->keep_fds) / sizeof(job->keep_fds[0]); k++)
		if (job->keep_fds[k] >= 3)
			keep[n++] = job->keep_fds[k];
	qsort(keep, (size_t)n, sizeof(keep[0]), by_fd);
	for (i = 0; i < n; i++) {
		if (keep[i] > from)
			close_range((unsigned)from, (unsigned)keep[i] - 1, 0);
		if (keep[i] + 1 > from)
			from = keep[i] + 1;
	}
	close_range((unsigned)from, ~0u, 0);
}

static __attribute__((noreturn)) void child(const struct sandbox_limits *lim, const struct sandbox_job *job, int msg_fd)
{
	int rc;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		_exit(CHILD_SETUP_FAILED);
	close_others(job, msg_fd);
	if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		_exit(CHILD_SETUP_FAILED + 1);
	if (set_limit(RLIMIT_CORE, 0) < 0 || set_limit(RLIMIT_CPU, lim->cpu_seconds) < 0 ||
	    set_limit(RLIMIT_FSIZE, lim->file_size) < 0 ||
	    set_limit(RLIMIT_NOFILE, lim->open_files) < 0)
		_exit(CHILD_SETUP_FAILED + 2);
#if !defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of shadow memory; only plain builds cap the address space */
	if (set_limit(RLIMIT_AS, lim->memory) < 0)
		_exit(CHILD_SETUP_FAILED + 2);
#endif
	if (job->prepare && job->prepare(job->arg) < 0)
		_exit(CHILD_SETUP_FAILED + 3);
	/* a root parent's child gives up root: the descriptors it needs are already open */
	if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
			       setresuid(NOBODY, NOBODY, NOBODY) != 0))
		_exit(CHILD_SETUP_FAILED + 5);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || trap_forbidden(msg_fd) < 0 ||
	    lock_down() < 0)
		_exit(CHILD_SETUP_FAILED + 4);
	rc = job->work(job->arg, msg_fd);
	_exit(rc);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's message until EOF or the deadline; 1 if the deadline passed. */
static int collect(int fd, long long deadline, struct sandbox_result *res)
{
	size_t cap = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		char chunk[65536];
		ssize_t n;

		if (left <= 0)
			return 1;
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (!p.revents)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (res->msg_len + (size_t)n + 1 > MSG_MAX)
			continue; /* too long: drained and dropped, parsed as invalid */
		if (res->msg_len + (size_t)n + 1 > cap) {
			size_t ncap = (res->msg_len + (size_t)n + 1) * 2;
			char *m = realloc(res->msg, ncap);

			if (!m)
				continue;
			res->msg = m;
			cap = ncap;
		}
		memcpy(res->msg + res->msg_len, chunk, (size_t)n);
		res->msg_len += (size_t)n;
		res->msg[res->msg_len] = '\0';
	}
}

/* Names the call a child killed by the filter made (its trap handler wrote the number).
 * The reason says plainly that this is a failure of the sandbox's list, not a finding
 * about the file. */
static void syscall_reason(struct sandbox_result *res)
{
	const char *tag = res->msg ? strstr(res->msg, SANDBOX_TRAP_TAG) : NULL;
	char *name = NULL;
	int nr = -1;

	if (tag)
		nr = atoi(tag + sizeof(SANDBOX_TRAP_TAG) - 1);
	if (nr >= 0)
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	res->syscall = nr;
	snprintf(res->reason, sizeof(res->reason),
		 "sandbox failure, not a verdict on the content: the parser made system call "
		 "%s (%d), which the sandbox does not allow", name ? name : "?", nr);
	free(name);
}

static void classify(int status, int timed_out, struct sandbox_result *res)
{
	if (timed_out) {
		res->status = SANDBOX_TIMEOUT;
		snprintf(res->reason, sizeof(res->reason), "sandbox: timed out");
	} else if (WIFEXITED(status)) {
		res->code = WEXITSTATUS(status);
		res->status = res->code == 0 ? SANDBOX_DONE : SANDBOX_EXIT;
		if (res->code >= CHILD_SETUP_FAILED && res->code <= CHILD_SETUP_FAILED + 5)
			snprintf(res->reason, sizeof(res->reason), "sandbox: setup step %d failed",
				 res->code - CHILD_SETUP_FAILED);
		else
			snprintf(res->reason, sizeof(res->reason), "sandbox: child exited with %d",
				 res->code);
	} else if (WIFSIGNALED(status)) {
		res->code = WTERMSIG(status);
		switch (res->code) {
		case SIGXCPU:
			res->status = SANDBOX_CPU;
			snprintf(res->reason, sizeof(res->reason), "sandbox: CPU time limit reached");
			break;
		case SIGXFSZ:
			res->status = SANDBOX_FILE_SIZE;
			snprintf(res->reason, sizeof(res->reason), "sandbox: output size limit reached");
			break;
		case SIGSYS:
			res->status = SANDBOX_SYSCALL;
			syscall_reason(res);
			break;
		default:
			res->status = SANDBOX_CRASHED;
			snprintf(res->reason, sizeof(res->reason),
				 "sandbox: parser crashed (signal %d, %s)%s", res->code,
				 strsignal(res->code),
				 res->code == SIGABRT || res->code == SIGSEGV ?
					 ", possibly out of memory" : "");
		}
	}
}

int sandbox_run(const struct sandbox_limits *lim, const struct sandbox_job *job,
		struct sandbox_result *res)
{
	long long deadline;
	int fds[2], status = 0, timed_out;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		child(lim, job, fds[1]);
	}
	close(fds[1]);
	deadline = now_ms() + (long long)lim->timeout_seconds * 1000;
	timed_out = collect(fds[0], deadline, res);
	close(fds[0]);
	if (timed_out) {
		LOG("child %d timed out, killing", (int)pid);
		kill(pid, SIGKILL);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == 0) {
			/* closed its pipe but still running: give it until the deadline */
			if (now_ms() >= deadline) {
				kill(pid, SIGKILL);
				timed_out = 1;
			} else {
				usleep(10000);
			}
		}
	}
	classify(status, timed_out, res);
	LOG("child %d: %s", (int)pid, res->status == SANDBOX_DONE ? "done" : res->reason);
	return 0;
}

void sandbox_result_free(struct sandbox_result *res)
{
	free(res->msg);
	res->msg = NULL;
	res->msg_len = 0;
}
