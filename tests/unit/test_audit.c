/* Verify and export as a library: CSV fields (Japanese text, quotes, formulas), export
 * selections written to a real file, verify's time range. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "audit_fixture.h"
#include "flowlog.h"
#include "runner.h"

#define T0 1775000000000LL

static void csv_fields(void)
{
	char out[256];

	CU_ASSERT_EQUAL(audit_csv_field("plain", false, out, sizeof(out)), 5);
	CU_ASSERT_STRING_EQUAL(out, "plain");
	/* UTF-8 passes through untouched; only , " CR LF make a field quoted */
	audit_csv_field("住民記録システム", false, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "住民記録システム");
	audit_csv_field("税務、福祉,\"共通\"基盤", false, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "\"税務、福祉,\"\"共通\"\"基盤\"");
	audit_csv_field("一行目\r\n二行目", false, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "\"一行目\r\n二行目\"");
	audit_csv_field("", false, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	/* spreadsheets run text that starts like a formula; --excel defuses it */
	audit_csv_field("=HYPERLINK(\"x\")", true, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "\"'=HYPERLINK(\"\"x\"\")\"");
	audit_csv_field("-1+1", true, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "\"'-1+1\"");
	audit_csv_field("-1+1", false, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "-1+1");
	CU_ASSERT_EQUAL(audit_csv_field("\"\"\"\"\"\"", false, out, 8), -ENOSPC);
}

/* a log of 3 x 100 records, one hour apart per hundred, in small segments */
static void write_log(struct fixture *f)
{
	struct flowlog_options o = {.dir = f->dir, .rotate_bytes = 20000};
	struct flowlog *fl;
	struct flowrec r;

	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f->key, T0), 0);
	for (unsigned i = 0; i < 300; i++) {
		fixture_record(i, T0 + (i / 100) * 3600000LL + i, &r);
		CU_ASSERT_EQUAL_FATAL(flowlog_append(fl, &r), 0);
	}
	CU_ASSERT_EQUAL_FATAL(flowlog_close(fl, T0 + 3 * 3600000LL), 0);
}

static uint64_t overlapping_flows(int64_t from, int64_t to)
{
	uint64_t n = 0;
	struct flowrec r;

	for (unsigned i = 0; i < 300; i++) {
		fixture_record(i, T0 + (i / 100) * 3600000LL + i, &r);
		n += r.type == FLOWREC_FLOW && r.start_ms < to && r.end_ms >= from;
	}
	return n;
}

static uint64_t mynumber_flow0(int64_t from, int64_t to)
{
	uint64_t n = 0;
	struct flowrec r;

	for (unsigned i = 0; i < 300; i++) {
		fixture_record(i, T0 + (i / 100) * 3600000LL + i, &r);
		n += !strcmp(r.flow, "flow-0") && r.start_ms < to && r.end_ms >= from &&
		     (r.from_zone == ZONE_MYNUMBER || r.to_zone == ZONE_MYNUMBER);
	}
	return n;
}

static long count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	long n = 0;
	int c;

	if (!fp)
		return -1;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static void export_to_file(void)
{
	struct audit_export_options o = {.from_ms = INT64_MIN, .to_ms = INT64_MAX, .zone = -1};
	struct audit_export_result res;
	struct fixture f;
	char path[200];

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	write_log(&f);
	o.log_dir = f.dir;
	snprintf(path, sizeof(path), "%s/out", f.dir);

	o.format = AUDIT_JSONL;
	o.out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_EQUAL(audit_export(&o, &res), 0);
	close(o.out_fd);
	CU_ASSERT_EQUAL(res.exported, 301);
	CU_ASSERT_EQUAL(count_lines(path), 301);

	/* the second hour: flows that overlap [T0+1h, T0+2h) */
	o.from_ms = T0 + 3600000LL;
	o.to_ms = T0 + 2 * 3600000LL;
	o.format = AUDIT_CSV;
	o.type = "flow";
	o.out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_EQUAL(audit_export(&o, &res), 0);
	close(o.out_fd);
	CU_ASSERT_EQUAL(res.exported, overlapping_flows(o.from_ms, o.to_ms));
	CU_ASSERT(res.exported > 0 && res.exported < 300);
	CU_ASSERT_EQUAL(count_lines(path), (long)res.exported + 1);   /* and the header */

	o.type = NULL;
	o.zone = ZONE_MYNUMBER;
	o.flow = "flow-0";
	o.out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_EQUAL(audit_export(&o, &res), 0);
	close(o.out_fd);
	CU_ASSERT_EQUAL(res.exported, mynumber_flow0(o.from_ms, o.to_ms));
	CU_ASSERT(res.exported > 0);
	CU_ASSERT_EQUAL(count_lines(path), (long)res.exported + 1);

	o.log_dir = "/nonexistent";
	CU_ASSERT_EQUAL(audit_export(&o, &res), -ENOENT);
	fixture_teardown(&f);
}

static void verify_time_range(void)
{
	struct audit_verify_options o = {.from_ms = INT64_MIN, .to_ms = INT64_MAX};
	struct audit_verify_result all, part;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	write_log(&f);
	o.log_dir = f.dir;
	o.keys = RING(f.pub);
	CU_ASSERT_EQUAL(audit_verify(&o, &all), 0);
	CU_ASSERT_EQUAL(all.records, 301);
	CU_ASSERT_EQUAL(all.first_ms, T0);
	/* a range reads only the segments in it; the others stand in by their seals */
	o.from_ms = T0 + 2 * 3600000LL;
	CU_ASSERT_EQUAL(audit_verify(&o, &part), 0);
	CU_ASSERT(part.records >= 100 && part.records < all.records);
	CU_ASSERT(part.segments < all.segments);
	CU_ASSERT_EQUAL(part.problems, 0);
	o.log_dir = "/nonexistent";
	CU_ASSERT_EQUAL(audit_verify(&o, &part), -ENOENT);
	fixture_teardown(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "CSV fields", csv_fields },
		{ "export to a file", export_to_file },
		{ "verify a time range", verify_time_range },
		{ NULL, NULL },
	};
	return test_run("audit", cases);
}
