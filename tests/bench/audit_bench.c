/* Flow-log benchmark: records per second written sealed (format, chain, write, fsync,
 * rotate, sign), records per second verified, export MB/s (CSV and JSON Lines), each next
 * to the machine's `sha256sum` throughput on the same segment files, and the peak memory
 * of each phase; "of which format_json" times flowrec_format_json alone on the same
 * records (its MB/s column is relative to the log's size); "disk write+fdatasync" writes
 * as many bytes as the log holds into DIR in 1 MiB chunks and fdatasyncs once: the
 * disk's own ceiling for "write sealed". Prints figures; asserts nothing.
 *
 *   audit_bench [--records N] [--dir DIR] [--keep] [--io-buffers N]
 *
 * --io-buffers sets the writer's pool (flowlog_options.io_buffers; 0: its default).
 *
 * DIR (default: a new directory under /tmp) must have room for about 550 bytes per
 * record; it is removed at the end unless --keep. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "flowlog.h"

#define POOL 4096   /* distinct records, cycled, so generating them costs nothing */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void make_pool(struct flowrec *pool)
{
	for (unsigned i = 0; i < POOL; i++) {
		struct flowrec *r = &pool[i];
		memset(r, 0, sizeof(*r));
		r->type = i % 10 == 9 ? FLOWREC_DENY : FLOWREC_FLOW;
		r->from_zone = (uint8_t)(i % 3);
		r->to_zone = (uint8_t)((i + 1) % 3);
		r->proto = i % 4 == 3 ? 17 : 6;
		r->src = 0x0a000000u | (i * 7919u % 65000u);
		r->dst = 0xc0a80000u | (i % 200u);
		r->sport = (uint16_t)(1024 + i * 13 % 60000);
		r->dport = i % 4 == 3 ? 53 : 443;
		r->src_mac[0] = 0x02;
		r->src_mac[5] = (uint8_t)i;
		if (r->type == FLOWREC_FLOW) {
			snprintf(r->flow, sizeof(r->flow), "lg-flow-%u", i % 37);
			r->packets_out = 10 + i;
			r->packets_in = 20 + i;
			r->bytes_out = 1000 + 97ull * i;
			r->bytes_in = 50000 + 1031ull * i;
			r->tcp_flags = 0x1b;
			r->end_reason = (enum flowrec_end)(1 + i % 6);
		} else {
			snprintf(r->reason, sizeof(r->reason), "no-rule");
			r->count = 1 + i % 50;
		}
	}
}

static uint64_t dir_bytes(const char *flows)
{
	struct segment_file *segs;
	char path[4300 + SEGMENT_NAME_MAX];
	uint64_t total = 0;
	struct stat st;
	size_t n;

	if (segment_list(flows, &segs, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", flows, segs[i].name);
		if (stat(path, &st) == 0)
			total += (uint64_t)st.st_size;
	}
	free(segs);
	return total;
}

struct result {
	double seconds;
	long rss_kb;
	bool ok;
};

/* Runs fn in a child so each phase's peak memory is its own. */
static struct result run(int (*fn)(void *), void *arg)
{
	struct result res = {0};
	struct rusage ru;
	double t0 = now_s();
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg) ? 1 : 0);
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return res;
	res.seconds = now_s() - t0;
	res.rss_kb = ru.ru_maxrss;
	res.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return res;
}

static void print(const char *name, uint64_t records, uint64_t bytes, struct result r)
{
	printf("%-33s %10.0f records/s  %8.1f MB/s  %7.2f s  peak RSS %6ld KiB%s\n", name,
	       (double)records / r.seconds, (double)bytes / r.seconds / 1e6, r.seconds, r.rss_kb,
	       r.ok ? "" : "  (FAILED)");
}

struct job {
	const char *dir;
	const char *keydir;
	struct flowrec *pool;
	uint64_t records;
	enum audit_format format;
	uint64_t bytes;         /* the log's size, for the disk reference */
	uint32_t io_buffers;
};

static int do_write(void *arg)
{
	struct job *j = arg;
	struct flowlog_options o = {.dir = j->dir, .io_buffers = j->io_buffers};
	char key[4200];
	struct seal_key *k;
	struct flowlog *fl;
	double t0 = now_s();
	int64_t t = 1775000000000, now = t;
	int rc;

	snprintf(key, sizeof(key), "%s/%s", j->keydir, SEAL_KEY_FILE);
	if (seal_key_load_private(key, &k) || flowlog_open(&fl, &o, k, t))
		return 1;
	/* time runs as on the appliance: records end "now", fsync once a wall second */
	for (uint64_t i = 0; i < j->records; i++) {
		struct flowrec *r = &j->pool[i % POOL];
		r->start_ms = now - 1500;
		r->end_ms = now;
		if (flowlog_append(fl, r))
			return 1;
		/* the controller ticks from its event loop; here every 4096 records */
		if ((i & 4095) == 0) {
			now = t + (int64_t)((now_s() - t0) * 1000);
			if (flowlog_tick(fl, now))
				return 1;
		}
	}
	rc = flowlog_close(fl, now);
	seal_key_free(k);
	return rc;
}

/* flowrec_format_json alone, the part of the write path that is not the log's own */
static int do_format(void *arg)
{
	struct job *j = arg;
	char buf[2048];
	uint64_t sum = 0;

	for (uint64_t i = 0; i < j->records; i++) {
		struct flowrec *r = &j->pool[i % POOL];
		r->end_ms = 1775000000000 + (int64_t)i;
		sum += (uint64_t)flowrec_format_json(r, buf, sizeof(buf));
	}
	return sum == 0;
}

/* The disk alone: the log's bytes in 1 MiB writes and one fdatasync, into the same dir */
static int do_disk(void *arg)
{
	struct job *j = arg;
	char path[4200];
	uint64_t left = j->bytes;
	char *buf;
	int fd, rc = 1;

	buf = malloc(1 << 20);
	if (!buf)
		return 1;
	memset(buf, 'x', 1 << 20);
	snprintf(path, sizeof(path), "%s/disk-reference", j->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	while (left) {
		size_t n = left < (1u << 20) ? (size_t)left : (1u << 20);
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			goto out_fd;
		left -= (uint64_t)w;
	}
	rc = fdatasync(fd) ? 1 : 0;
out_fd:
	close(fd);
	if (unlink(path))
		rc = 1;
out:
	free(buf);
	return rc;
}

static int do_verify(void *arg)
{
	struct job *j = arg;
	struct audit_verify_options o = {.log_dir = j->dir, .from_ms = INT64_MIN, .to_ms = INT64_MAX};
	struct audit_verify_result res;
	struct seal_keyring keys = {.n = 1};
	char key[4200];
	int rc;

	snprintf(key, sizeof(key), "%s/%s", j->keydir, SEAL_PUB_FILE);
	if (seal_key_load_public(key, &keys.key[0]))
		return 1;
	o.keys = &keys;
	rc = audit_verify(&o, &res);
	seal_keyring_free(&keys, 0);
	return rc != 0 || res.records != j->records + 1;
}

static int do_export(void *arg)
{
	struct job *j = arg;
	struct audit_export_options o = {.log_dir = j->dir, .from_ms = INT64_MIN,
					 .to_ms = INT64_MAX, .zone = -1, .format = j->format};
	struct audit_export_result res;
	int rc;

	o.out_fd = open("/dev/null", O_WRONLY);
	if (o.out_fd < 0)
		return 1;
	rc = audit_export(&o, &res);
	close(o.out_fd);
	return rc != 0 || res.exported != j->records + 1;
}

static int do_sha256sum(void *arg)
{
	struct job *j = arg;
	char cmd[8400];

	snprintf(cmd, sizeof(cmd), "cat %s/flows/*.jsonl | sha256sum > /dev/null", j->dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"records", required_argument, 0, 'n'}, {"dir", required_argument, 0, 'd'},
		{"keep", no_argument, 0, 'k'},          {"io-buffers", required_argument, 0, 'b'},
		{0, 0, 0, 0},
	};
	char tmpl[] = "/tmp/audit_bench.XXXXXX", dir[4096], keydir[4200], flows[4200], cmd[8500];
	struct job j = {.records = 1000000};
	const char *base = NULL;
	bool keep = false;
	struct result w;
	uint64_t bytes;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': j.records = strtoull(optarg, NULL, 10); break;
		case 'd': base = optarg; break;
		case 'k': keep = true; break;
		case 'b': j.io_buffers = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (base) {
		snprintf(dir, sizeof(dir), "%s", base);
		if (mkdir(dir, 0700) && errno != EEXIST) {
			perror(dir);
			return 1;
		}
	} else if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	} else {
		snprintf(dir, sizeof(dir), "%s", tmpl);
	}
	snprintf(keydir, sizeof(keydir), "%s/keys", dir);
	snprintf(flows, sizeof(flows), "%s/flows", dir);
	if (seal_keygen(keydir)) {
		fprintf(stderr, "audit_bench: keygen in %s failed\n", keydir);
		return 1;
	}
	j.dir = dir;
	j.keydir = keydir;
	j.pool = calloc(POOL, sizeof(*j.pool));
	if (!j.pool)
		return 1;
	make_pool(j.pool);

	printf("audit_bench: %" PRIu64 " records in %s (%ld CPUs online)\n", j.records, dir,
	       sysconf(_SC_NPROCESSORS_ONLN));
	w = run(do_write, &j);
	bytes = dir_bytes(flows);
	printf("%-33s %" PRIu64 " bytes, %.0f bytes/record\n", "log size", bytes,
	       (double)bytes / (double)(j.records + 1));
	print("write sealed", j.records, bytes, w);
	print("  of which format_json", j.records, bytes, run(do_format, &j));
	j.bytes = bytes;
	print("disk write+fdatasync (reference)", j.records, bytes, run(do_disk, &j));
	print("sha256sum (reference)", j.records, bytes, run(do_sha256sum, &j));
	print("verify", j.records, bytes, run(do_verify, &j));
	j.format = AUDIT_JSONL;
	print("export jsonl", j.records, bytes, run(do_export, &j));
	j.format = AUDIT_CSV;
	print("export csv", j.records, bytes, run(do_export, &j));
	printf("%-33s %ld KiB (this process)\n", "bench peak RSS", peak_rss_kb());
	if (!keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "audit_bench: could not remove %s\n", dir);
	}
	return 0;
}
