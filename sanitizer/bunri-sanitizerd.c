/* bunri-sanitizerd [--config FILE] [--once] [--verbose]
 * Watches the inbox with N worker processes; see worker.h for the commit protocol. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "slog.h"
#include "worker.h"
#include "version.h"

#define DEFAULT_CONFIG "/etc/bunri/sanitizer.cfg"
#define MAX_WORKERS 64

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static pid_t start_worker(const struct san_config *cfg, int index)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	_exit(worker_run(cfg, index, 0, &stop) < 0 ? 1 : 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG;
	struct san_config cfg;
	struct sigaction sa;
	pid_t pids[MAX_WORKERS] = { 0 };
	char lockpath[SAN_PATH_MAX + 32];
	int c, once = 0, i, rc, lock;

	if (version_asked(argc, argv))
		return printf("bunri-sanitizerd %s\n", version_string()) < 0;
	while ((c = getopt_long(argc, argv, "c:1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case '1': once = 1; break;
		case 'v': slog_enable(1); break;
		case 'h':
			printf("usage: bunri-sanitizerd [--config FILE] [--once] [--verbose]\n");
			return 0;
		default:
			fprintf(stderr, "usage: bunri-sanitizerd [--config FILE] [--once] [--verbose]\n");
			return 1;
		}
	}
	config_defaults(&cfg);
	if (config_load(&cfg, config, stderr) != 0)
		return 1;
	rc = worker_setup(&cfg);
	if (rc < 0) {
		fprintf(stderr, "bunri-sanitizerd: cannot create folders: %s\n", strerror(-rc));
		return 1;
	}
	/* one daemon per work folder: a second one's recovery would take the first's files */
	snprintf(lockpath, sizeof(lockpath), "%s/.daemon.lock", cfg.work);
	lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	/* workers of a daemon killed a moment ago may still be exiting: wait up to 10 s */
	for (i = 0; lock >= 0 && i < 100 && flock(lock, LOCK_EX | LOCK_NB) != 0; i++)
		usleep(100000);
	if (lock < 0 || i == 100) {
		fprintf(stderr, "bunri-sanitizerd: %s: %s\n", lockpath,
			errno == EWOULDBLOCK ? "another bunri-sanitizerd uses this work folder" : strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = worker_recover(&cfg);
	if (rc > 0)
		fprintf(stderr, "bunri-sanitizerd: recovered %d files\n", rc);
	if (rc < 0) {
		fprintf(stderr, "bunri-sanitizerd: recovery failed: %s\n", strerror(-rc));
		return 1;
	}
	if (once) {
		rc = worker_run(&cfg, 0, 1, &stop);
		if (rc < 0) {
			fprintf(stderr, "bunri-sanitizerd: %s\n", strerror(-rc));
			return 1;
		}
		fprintf(stderr, "bunri-sanitizerd: %d handled\n", rc);
		return 0;
	}
	for (i = 0; i < cfg.workers && i < MAX_WORKERS; i++)
		pids[i] = start_worker(&cfg, i);
	while (!stop) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < cfg.workers && i < MAX_WORKERS; i++) {
			if (pids[i] != pid || stop)
				continue;
			fprintf(stderr, "bunri-sanitizerd: worker %d exited (status %d), restarting\n",
				i, status);
			sleep(1);
			pids[i] = start_worker(&cfg, i);
		}
	}
	for (i = 0; i < cfg.workers && i < MAX_WORKERS; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
