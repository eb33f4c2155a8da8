/* The sandbox every parser runs in: a forked child with resource limits, its own empty
 * network namespace and a seccomp filter. What the child says comes back as one message
 * over a pipe; a child that crashes, overruns a limit or hangs is reported, and the
 * parent carries on. */
#ifndef BUNRI_SANDBOX_H
#define BUNRI_SANDBOX_H

#include <stddef.h>

/* What a child's SIGSYS handler writes before the forbidden call's number. */
#define SANDBOX_TRAP_TAG "\001bunri-sandbox-trap "

struct sandbox_limits {
	int cpu_seconds;
	int timeout_seconds;   /* wall clock, then SIGKILL */
	long long memory;      /* RLIMIT_AS bytes */
	long long file_size;   /* RLIMIT_FSIZE bytes */
	int open_files;
};

struct sandbox_job {
	/* runs before the filter is installed: load what needs open() */
	int (*prepare)(void *arg);
	/* runs under the filter; writes its message to msg_fd; returns the exit code */
	int (*work)(void *arg, int msg_fd);
	void *arg;
	int keep_fds[4];       /* fds the child keeps besides 0-2; -1 for none */
};

enum sandbox_status {
	SANDBOX_DONE,          /* exited 0; msg holds what it wrote */
	SANDBOX_EXIT,          /* exited with another code */
	SANDBOX_CRASHED,       /* killed by a signal */
	SANDBOX_TIMEOUT,
	SANDBOX_CPU,
	SANDBOX_FILE_SIZE,
	SANDBOX_SYSCALL,       /* seccomp killed it */
};

struct sandbox_result {
	enum sandbox_status status;
	int code;              /* exit code or signal */
	char reason[160];      /* for the report when status != SANDBOX_DONE */
	int syscall;           /* SANDBOX_SYSCALL: the forbidden call's number, -1 unknown */
	char *msg;             /* NUL-terminated, malloc'd; NULL if nothing was written */
	size_t msg_len;
};

/* Runs job in a child and waits for it. 0 with res filled, or -errno when no child could
 * be started. */
int sandbox_run(const struct sandbox_limits *lim, const struct sandbox_job *job,
		struct sandbox_result *res);
void sandbox_result_free(struct sandbox_result *res);

#endif
