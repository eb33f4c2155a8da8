/* bunri-sanitize IN -o OUT [--report REPORT.json] [--config FILE] [--verbose]
 * Exit 0: OUT written; 3: blocked, OUT not written; 1: error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "job.h"
#include "slog.h"
#include "version.h"

#define DEFAULT_CONFIG "/etc/bunri/sanitizer.cfg"

static void usage(FILE *f)
{
	fprintf(f, "usage: bunri-sanitize IN -o OUT [--report REPORT.json] [--config FILE] "
		   "[--verbose]\n"
		   "exit 0: OUT written (sanitized or clean), 3: blocked (OUT not written), "
		   "1: error\n");
}

static int write_report(const char *path, json_t *report)
{
	if (!path) {
		json_dumpf(report, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		return 0;
	}
	if (json_dump_file(report, path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "bunri-sanitize: cannot write %s\n", path);
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *out = NULL, *report_path = NULL, *config = NULL;
	char tmp[4096], dir[4096];
	struct san_config cfg;
	enum job_verdict verdict;
	json_t *report = NULL;
	int c, in_fd, out_fd, rc, ret = 1;

	if (version_asked(argc, argv))
		return printf("bunri-sanitize %s\n", version_string()) < 0;
	while ((c = getopt_long(argc, argv, "o:r:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': report_path = optarg; break;
		case 'c': config = optarg; break;
		case 'v': slog_enable(1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc - 1 || !out) {
		usage(stderr);
		return 1;
	}
	in = argv[optind];
	config_defaults(&cfg);
	if (!config && access(DEFAULT_CONFIG, F_OK) == 0)
		config = DEFAULT_CONFIG;
	if (config && config_load(&cfg, config, stderr) != 0)
		return 1;
	in_fd = open(in, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		fprintf(stderr, "bunri-sanitize: %s: %s\n", in, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", out);
	if (snprintf(tmp, sizeof(tmp), "%s/.bunri-sanitize.XXXXXX", dirname(dir)) >= (int)sizeof(tmp)) {
		fprintf(stderr, "bunri-sanitize: %s: path too long\n", out);
		goto err_in;
	}
	out_fd = mkostemp(tmp, O_CLOEXEC);
	if (out_fd < 0) {
		fprintf(stderr, "bunri-sanitize: %s: %s\n", tmp, strerror(errno));
		goto err_in;
	}
	rc = job_run(&cfg, in_fd, in, out_fd, &verdict, &report);
	if (rc < 0) {
		fprintf(stderr, "bunri-sanitize: %s: %s\n", in,
			rc == -EINVAL ? "not a regular file" : strerror(-rc));
		goto err_tmp;
	}
	if (verdict != JOB_BLOCKED) {
		if (fsync(out_fd) != 0 || rename(tmp, out) != 0) {
			fprintf(stderr, "bunri-sanitize: %s: %s\n", out, strerror(errno));
			goto err_report;
		}
		tmp[0] = '\0';
		ret = 0;
	} else {
		fprintf(stderr, "bunri-sanitize: %s: blocked: %s\n", in,
			json_string_value(json_object_get(report, "reason")));
		ret = 3;
	}
	if (write_report(report_path, report) < 0)
		ret = 1;
err_report:
	json_decref(report);
err_tmp:
	close(out_fd);
	if (tmp[0])
		unlink(tmp);
err_in:
	close(in_fd);
	return ret;
}
