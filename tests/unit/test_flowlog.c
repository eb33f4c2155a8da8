/* The flow-log writer against the real filesystem and the real verifier: chains, seals,
 * rotation, restarts, retention, gap records and a disk that refuses writes. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_fixture.h"
#include "flowlog.h"
#include "runner.h"

#define T0 1775000000000LL   /* 2026-03-31T23:33:20Z */
#define DAY 86400000LL

static int problems;

static void count_problem(void *ctx, const char *segment, uint64_t seq, const char *kind,
			  const char *detail)
{
	(void)ctx;
	problems++;
	printf("\n  problem: %s seq %llu %s: %s", segment, (unsigned long long)seq, kind, detail);
}

/* audit_verify over f's log: returns its code, sets records and segments */
static int verify(struct fixture *f, uint64_t *records, uint64_t *segments)
{
	struct audit_verify_options o = {.log_dir = f->dir, .keys = RING(f->pub), .from_ms = INT64_MIN,
					 .to_ms = INT64_MAX, .problem = count_problem};
	struct audit_verify_result res;
	int rc;

	problems = 0;
	rc = audit_verify(&o, &res);
	*records = res.records;
	*segments = res.segments;
	return rc;
}

static void write_records(struct flowlog *fl, uint64_t first, uint64_t n, int64_t t, int64_t step)
{
	struct flowrec r;

	for (uint64_t i = first; i < first + n; i++) {
		fixture_record(i, t + (int64_t)(i - first) * step, &r);
		CU_ASSERT_EQUAL_FATAL(flowlog_append(fl, &r), 0);
	}
}

static void new_log_verifies(void)
{
	struct flowlog_options o = {0};
	struct flowlog_stats st;
	uint64_t records, segments;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	write_records(fl, 0, 100, T0, 10);
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(st.seq, 101);          /* the new-log chain record, then 100 */
	CU_ASSERT_EQUAL(st.records, 101);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 2000), 0);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(records, 101);
	CU_ASSERT_EQUAL(segments, 1);
	CU_ASSERT_EQUAL(problems, 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"new-log\""), 1);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"type\":\"deny\""), 20);
	fixture_teardown(&f);
}

/* every line holds what flowrec_format_json says, between seq and the chain */
static void lines_carry_the_record(void)
{
	struct flowlog_options o = {0};
	char json[2048], needle[2100];
	struct flowlog *fl;
	struct flowrec r;
	struct fixture f;
	int n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	fixture_record(7, T0 + 5, &r);
	CU_ASSERT_EQUAL_FATAL(flowlog_append(fl, &r), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 10), 0);
	n = flowrec_format_json(&r, json, sizeof(json));
	CU_ASSERT_FATAL(n > 2);
	json[n - 1] = '\0';
	snprintf(needle, sizeof(needle), "{\"seq\":2,%s,\"prev\":\"", json + 1);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, needle), 1);
	fixture_teardown(&f);
}

static void rotation_by_size_and_time(void)
{
	struct flowlog_options o = {.rotate_bytes = 8000, .rotate_seconds = 60};
	uint64_t records, segments;
	struct flowlog_stats st;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	write_records(fl, 0, 100, T0, 1);        /* ~50 KB: six or seven segments by size */
	flowlog_get_stats(fl, &st);
	CU_ASSERT(st.segments >= 6);
	CU_ASSERT_EQUAL(flowlog_tick(fl, T0 + 1000), 0);
	write_records(fl, 100, 3, T0 + 1000, 1);
	/* a segment older than rotate_seconds is closed at the next tick */
	CU_ASSERT_EQUAL(flowlog_tick(fl, T0 + 200000), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 200001), 0);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(records, 104);
	CU_ASSERT(segments >= 7);
	fixture_teardown(&f);
}

static void restart_continues_chain(void)
{
	struct flowlog_options o = {0};
	uint64_t records, segments;
	struct flowlog_stats st;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	write_records(fl, 0, 10, T0, 10);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 200), 0);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0 + 1000), 0);
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(st.seq, 12);             /* 11 before, then the chain record */
	write_records(fl, 10, 10, T0 + 1000, 10);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 2000), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"restart\",\"count\":0,\"after_seq\":11,\"torn_bytes\":0"), 1);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(records, 22);
	CU_ASSERT_EQUAL(segments, 2);
	fixture_teardown(&f);
}

static void retention_removes_old_segments(void)
{
	struct flowlog_options o = {.rotate_seconds = 3600, .retention_days = 2};
	uint64_t records, segments;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	/* one segment per day for five days */
	for (int d = 0; d < 5; d++) {
		write_records(fl, (uint64_t)d * 10, 10, T0 + d * DAY, 1000);
		CU_ASSERT_EQUAL(flowlog_tick(fl, T0 + d * DAY + 2 * 3600000), 0);
	}
	/* days 0, 1 and 2 fall out of the window at the ticks of days 2, 3 and 4 */
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"retention\""), 3);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"seq\":1,"), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 5 * DAY), 0);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(problems, 0);
	/* kept: the days within two days of the last tick, plus the retention record */
	CU_ASSERT(segments >= 2 && segments <= 4);
	CU_ASSERT(records < 51);
	fixture_teardown(&f);
}

static void gap_record(void)
{
	struct flowlog_options o = {0};
	uint64_t records, segments;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	CU_ASSERT_EQUAL(flowlog_gap(fl, 0, T0, T0), 0);      /* nothing lost: no record */
	CU_ASSERT_EQUAL(flowlog_gap(fl, 1234, T0 - 60000, T0), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 1), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"type\":\"gap\",\"start\":\"2026-03-31T23:32:20.000Z\",\"end\":\"2026-03-31T23:33:20.000Z\",\"reason\":\"dataplane-buffer-full\",\"count\":1234"), 1);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(records, 2);
	fixture_teardown(&f);
}

/* RLIMIT_FSIZE makes the kernel refuse writes past a size, as a full disk would */
static void disk_refuses_writes(void)
{
	/* 4 buffers (512 KiB) wait for the disk, less than the ~1 MB appended */
	struct flowlog_options o = {.rotate_bytes = 1 << 30, .io_buffers = 4};
	uint64_t records, segments, refused = 0;
	struct rlimit old, lim;
	struct flowlog_stats st;
	struct flowlog *fl;
	struct flowrec r;
	struct fixture f;
	int rc;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	lim = old;
	lim.rlim_cur = 300 * 1024;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (uint64_t i = 0; i < 2000; i++) {
		fixture_record(i, T0 + (int64_t)i, &r);
		rc = flowlog_append(fl, &r);
		CU_ASSERT(rc == 0 || rc == -EFBIG);
		refused += rc != 0;
	}
	CU_ASSERT(refused > 0);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &old), 0);
	fixture_record(2000, T0 + 2000, &r);
	CU_ASSERT_EQUAL(flowlog_append(fl, &r), 0);
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(st.errors, refused);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 3000), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"writer-disk-error\""), 1);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	/* every record is either in the log or counted in the gap record */
	CU_ASSERT_EQUAL(records, 1 + 2001 - refused + 1);
	signal(SIGXFSZ, SIG_DFL);
	fixture_teardown(&f);
}

/* The disk thread fsyncs what a tick queued without the caller waiting; true once
 * synced_seq has reached seq (10 s at most). */
static bool synced_up(struct flowlog *fl)
{
	const struct timespec ms = {0, 1000000};
	struct flowlog_stats st;

	for (int i = 0; i < 10000; i++) {
		flowlog_get_stats(fl, &st);
		if (st.synced_seq == st.seq)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

/* Many segments go through the disk thread (created, written, fsynced and signed while
 * the appending thread goes on): the chain still verifies across all of them. */
static void many_rotations_verify(void)
{
	struct flowlog_options o = {.rotate_bytes = 20000};
	uint64_t records, segments;
	struct flowlog_stats st;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	for (uint64_t i = 0; i < 5000; i += 500) {
		write_records(fl, i, 500, T0 + (int64_t)i, 1);
		CU_ASSERT_EQUAL(flowlog_tick(fl, T0 + 2000 * (int64_t)(i / 500 + 1)), 0);
		CU_ASSERT(synced_up(fl));
	}
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(st.seq, 5001);
	CU_ASSERT(st.segments >= 100);         /* ~2.6 MB in segments of 20 kB */
	CU_ASSERT(st.bytes > 2000000);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 30000), 0);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(problems, 0);
	CU_ASSERT_EQUAL(records, 5001);
	CU_ASSERT_EQUAL(segments, st.segments + 1);
	fixture_teardown(&f);
}

/* The disk fails behind the appends' back (the pool holds what it cannot write): close
 * reports it, and the next open recovers what reached the disk. */
static void close_reports_failing_disk(void)
{
	struct flowlog_options o = {.rotate_bytes = 1 << 30};
	uint64_t records, segments;
	struct rlimit old, lim;
	struct flowlog_stats st;
	struct flowlog *fl;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	lim = old;
	lim.rlim_cur = 200 * 1024;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	/* ~260 kB: past the limit, within what the buffers hold */
	write_records(fl, 0, 500, T0, 1);
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(st.errors, 0);
	CU_ASSERT(st.synced_seq < st.seq);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 1000), -EFBIG);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	/* no torn line was left: the restart signs the segment through its last record */
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0 + 2000), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 3000), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"recovered\""), 1);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"torn_bytes\":0"), 1);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(problems, 0);
	CU_ASSERT(records > 100 && records < 502);   /* the first buffer made it */
	CU_ASSERT_EQUAL(segments, 2);
	fixture_teardown(&f);
}

/* Writes 300 records in segments of ~8 kB and closes; the flows/ path into flows. */
static void write_rotated_log(struct fixture *f, char *flows, size_t len)
{
	struct flowlog_options o = {.rotate_bytes = 8000};
	struct flowlog *fl;

	o.dir = f->dir;
	snprintf(flows, len, "%s/flows", f->dir);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f->key, T0), 0);
	write_records(fl, 0, 300, T0, 1);
	CU_ASSERT_EQUAL_FATAL(flowlog_close(fl, T0 + 1000), 0);
}

static int log_lines;

static void count_log(void *ctx, const char *msg)
{
	(void)ctx;
	if (strstr(msg, "left open") || strstr(msg, "not named"))
		log_lines++;
}

/* A crash between a rotation and the seal of the segment it closed leaves that segment
 * unsigned before a newer one (and the newer one maybe not yet named): the next open
 * names and signs them, and the log verifies. */
static void recovery_signs_earlier_segments(void)
{
	struct flowlog_options o = {.log = count_log};
	char flows[128], path[256], path2[256];
	uint64_t records, segments, before;
	struct segment_file *segs;
	struct flowlog *fl;
	struct fixture f;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	write_rotated_log(&f, flows, sizeof(flows));
	CU_ASSERT_EQUAL(verify(&f, &records, &before), 0);
	CU_ASSERT_EQUAL_FATAL(segment_list(flows, &segs, &n), 0);
	CU_ASSERT_FATAL(n >= 6);
	/* segments 2 and 3 unsigned, 4 not named yet: its name comes after 3's seal */
	for (size_t i = 2; i <= 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.sig", flows, segs[i].name);
		CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	}
	snprintf(path, sizeof(path), "%s/%s", flows, segs[n - 1].name);
	snprintf(path2, sizeof(path2), "%s/%s.pending", flows, segs[n - 1].name);
	CU_ASSERT_EQUAL_FATAL(rename(path, path2), 0);
	CU_ASSERT_NOT_EQUAL(verify(&f, &records, &segments), 0);
	log_lines = 0;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0 + 2000), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 3000), 0);
	CU_ASSERT_EQUAL(log_lines, 4);          /* named one, signed three */
	for (size_t i = 2; i <= 4; i++) {
		struct seal s;
		CU_ASSERT_EQUAL(seal_read(flows, segs[i].name, RING(f.pub), &s), 0);
	}
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(problems, 0);
	CU_ASSERT_EQUAL(records, 302);          /* 301, and the chain record of the restart */
	CU_ASSERT_EQUAL(segments, before + 1);
	free(segs);
	fixture_teardown(&f);
}

/* A pending segment that does not go on from the chain (what it follows was lost) is
 * set aside, never named nor built upon. */
static void recovery_sets_aside_unchained_pending(void)
{
	char flows[128], path[256], path2[256];
	struct flowlog_options o = {0};
	uint64_t records, segments;
	struct segment_file *segs;
	struct flowlog *fl;
	struct fixture f;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	write_rotated_log(&f, flows, sizeof(flows));
	CU_ASSERT_EQUAL_FATAL(segment_list(flows, &segs, &n), 0);
	CU_ASSERT_FATAL(n >= 6);
	/* the last segment and the one before it (with its seal) are gone: a pending one
	 * that follows them cannot be chained */
	snprintf(path, sizeof(path), "%s/%s", flows, segs[n - 1].name);
	snprintf(path2, sizeof(path2), "%s/%s.pending", flows, segs[n - 1].name);
	CU_ASSERT_EQUAL_FATAL(rename(path, path2), 0);
	snprintf(path, sizeof(path), "%s/%s", flows, segs[n - 2].name);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%s.sig", flows, segs[n - 2].name);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0 + 2000), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 3000), 0);
	snprintf(path, sizeof(path), "%s/%s.unchained", flows, segs[n - 1].name);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_NOT_EQUAL(access(path2, F_OK), 0);
	/* the chain itself is whole, but verify names what was set aside */
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 1);
	CU_ASSERT_EQUAL(problems, 1);
	free(segs);
	fixture_teardown(&f);
}

/* The syncer cannot name a new segment (a file already has its name): nothing after it
 * is signed or named, appends are refused once the buffers are full, and once the way
 * is clear again the log goes on and verifies. */
static void failing_syncer_stops_later_seals(void)
{
	struct flowlog_options o = {.rotate_bytes = 8000, .io_buffers = 4};
	char flows[128], path[256], blocker[256];
	uint64_t records, segments, refused = 0;
	struct segment_file *segs, *segs2;
	struct flowlog *fl;
	struct flowrec r;
	struct fixture f;
	size_t n, n2;
	int rc;

	/* the same records give the same segment names: learn them from a first log */
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	write_rotated_log(&f, flows, sizeof(flows));
	CU_ASSERT_EQUAL_FATAL(segment_list(flows, &segs, &n), 0);
	CU_ASSERT_FATAL(n >= 6);
	fixture_teardown(&f);

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	snprintf(flows, sizeof(flows), "%s/flows", f.dir);
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	snprintf(blocker, sizeof(blocker), "%s/%s", flows, segs[3].name);
	CU_ASSERT_EQUAL_FATAL(fclose(fopen(blocker, "w")), 0);
	for (uint64_t i = 0; i < 3000; i++) {
		fixture_record(i, T0 + (int64_t)i, &r);
		rc = flowlog_append(fl, &r);
		CU_ASSERT(rc == 0 || rc == -EEXIST);
		refused += rc != 0;
	}
	CU_ASSERT(refused > 0);
	/* segment 2 is signed; 3 never got its name, nothing after it exists */
	CU_ASSERT_EQUAL_FATAL(segment_list(flows, &segs2, &n2), 0);
	CU_ASSERT_EQUAL(n2, 4);
	for (size_t i = 0; i < n2; i++)
		CU_ASSERT_EQUAL(segs2[i].has_seal, i < 3);
	free(segs2);
	CU_ASSERT_EQUAL_FATAL(unlink(blocker), 0);
	fixture_record(3000, T0 + 3000, &r);
	CU_ASSERT_EQUAL(flowlog_append(fl, &r), 0);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 4000), 0);
	snprintf(path, sizeof(path), "%s/%s.sig", flows, segs[3].name);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"writer-disk-error\""), 1);
	CU_ASSERT_EQUAL(verify(&f, &records, &segments), 0);
	CU_ASSERT_EQUAL(problems, 0);
	CU_ASSERT_EQUAL(records, 1 + 3001 - refused + 1);
	free(segs);
	fixture_teardown(&f);
}

static void bad_arguments(void)
{
	struct flowlog_options o = {0};
	struct flowlog *fl;
	struct flowrec r;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL(flowlog_open(&fl, &o, f.key, T0), -EINVAL);      /* no dir */
	o.dir = "/proc/bunri-cannot-write-here";
	CU_ASSERT(flowlog_open(&fl, &o, f.key, T0) < 0);
	o.dir = f.dir;
	CU_ASSERT_EQUAL(flowlog_open(&fl, &o, f.pub, T0), -EINVAL);      /* cannot sign */
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	{
		struct flowlog *second;
		CU_ASSERT_EQUAL(flowlog_open(&second, &o, f.key, T0), -EBUSY);
	}
	fixture_record(1, T0, &r);
	r.type = (enum flowrec_type)7;
	CU_ASSERT_EQUAL(flowlog_append(fl, &r), -EINVAL);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0), 0);
	fixture_teardown(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "new log verifies", new_log_verifies },
		{ "lines carry the record", lines_carry_the_record },
		{ "rotation by size and time", rotation_by_size_and_time },
		{ "restart continues the chain", restart_continues_chain },
		{ "retention removes old segments", retention_removes_old_segments },
		{ "gap record", gap_record },
		{ "disk refuses writes", disk_refuses_writes },
		{ "many rotations verify", many_rotations_verify },
		{ "close reports a failing disk", close_reports_failing_disk },
		{ "a failing syncer stops later seals", failing_syncer_stops_later_seals },
		{ "recovery signs earlier segments", recovery_signs_earlier_segments },
		{ "recovery sets aside an unchained pending segment",
		  recovery_sets_aside_unchained_pending },
		{ "bad arguments", bad_arguments },
		{ NULL, NULL },
	};
	return test_run("flowlog", cases);
}
