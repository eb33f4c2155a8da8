/* The flow log's line format and its reader: names, shapes, hashes, torn and overlong
 * lines, times. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit_fixture.h"
#include "runner.h"
#include "segment.h"

static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* A line with a correct hash, built the way the format says (not by the writer). */
static size_t make_line(uint64_t seq, const char *body, char *out, size_t len)
{
	uint8_t h[SEGMENT_HASH_LEN];
	char hex[SEGMENT_HEX_LEN + 1];
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int n;

	n = snprintf(out, len, "{\"seq\":%llu,%s,\"prev\":\"%s\"", (unsigned long long)seq, body, zeros);
	CU_ASSERT_FATAL(segment_hash(ctx, md, out, (size_t)n, h) == 0);
	segment_hex(h, sizeof(h), hex);
	n += snprintf(out + n, len - (size_t)n, ",\"hash\":\"%s\"}", hex);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return (size_t)n;
}

static void names_sort_by_seq(void)
{
	char a[SEGMENT_NAME_MAX], b[SEGMENT_NAME_MAX], path[200];
	struct segment_file *segs;
	struct fixture f;
	size_t n;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	segment_name(1, 1775000000000, a);
	CU_ASSERT_STRING_EQUAL(a, "flows-000000000001-20260331T233320Z.jsonl");
	segment_name(1000000, 1775000000000 - 86400000, b);
	/* written out of order, plus files that are not segments */
	const char *files[] = {b, a, "flows-1-x.jsonl", "notes.txt", "flows-000000000001-20260331T233320Z.jsonl.sig"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", f.dir, files[i]);
		fp = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fclose(fp);
	}
	CU_ASSERT_EQUAL_FATAL(segment_list(f.dir, &segs, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(segs[0].name, a);
	CU_ASSERT_EQUAL(segs[0].first_seq, 1);
	CU_ASSERT(segs[0].has_seal);
	CU_ASSERT_STRING_EQUAL(segs[1].name, b);
	CU_ASSERT_EQUAL(segs[1].first_seq, 1000000);
	CU_ASSERT(!segs[1].has_seal);
	free(segs);
	CU_ASSERT_EQUAL(segment_list("/nonexistent/flows", &segs, &n), -ENOENT);
	fixture_teardown(&f);
}

static void parse_lines(void)
{
	char line[1024], bad[1024];
	struct segment_line l;
	size_t n;

	n = make_line(42, "\"type\":\"flow\",\"start\":\"2026-04-01T00:00:00.000Z\",\"end\":\"2026-04-01T00:00:01.500Z\"",
		      line, sizeof(line));
	segment_parse(line, n, &l);
	CU_ASSERT_FATAL(l.well_formed);
	CU_ASSERT_EQUAL(l.seq, 42);
	CU_ASSERT_STRING_EQUAL(l.type, "flow");
	CU_ASSERT_EQUAL(l.end_ms - l.start_ms, 1500);

	/* each of these breaks the shape */
	const char *from[] = {"{\"seq\":42", "{\"seq\":42", ",\"type\":", ",\"prev\":\"0", ",\"hash\":\""};
	const char *to[] = {"{\"seq\":-42", "{\"seq\":042", ",\"tipe\":", ",\"prev\":\"g", ",\"hash\": "};
	for (size_t i = 0; i < 5; i++) {
		char *p;
		memcpy(bad, line, n + 1);
		p = strstr(bad, from[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		memmove(p + strlen(to[i]), p + strlen(from[i]), strlen(p + strlen(from[i])) + 1);
		memcpy(p, to[i], strlen(to[i]));
		segment_parse(bad, strlen(bad), &l);
		CU_ASSERT(!l.well_formed);
	}
	segment_parse(line, n - 1, &l);             /* cut short */
	CU_ASSERT(!l.well_formed);
	segment_parse("", 0, &l);
	CU_ASSERT(!l.well_formed);
}

static void reader_checks_hashes(void)
{
	char line[1024], path[200];
	struct segment_reader *sr;
	struct segment_line l;
	struct fixture f;
	size_t n;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	snprintf(path, sizeof(path), "%s/seg", f.dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	n = make_line(1, "\"type\":\"chain\",\"end\":\"2026-04-01T00:00:00.000Z\"", line, sizeof(line));
	fprintf(fp, "%s\n", line);
	line[20] ^= 1;                                    /* edited after hashing */
	fprintf(fp, "%s\n", line);
	for (int i = 0; i < 5000; i++)                   /* an overlong line */
		fputc('x', fp);
	fputc('\n', fp);
	fwrite(line, 1, n / 2, fp);                       /* torn */
	fclose(fp);

	CU_ASSERT_EQUAL_FATAL(segment_reader_open(path, &sr), 0);
	CU_ASSERT_EQUAL(segment_reader_next(sr, &l), 1);
	CU_ASSERT(l.complete && l.well_formed && l.hash_ok);
	CU_ASSERT_EQUAL(l.offset, 0);
	CU_ASSERT_EQUAL(segment_reader_next(sr, &l), 1);
	CU_ASSERT(l.complete && l.well_formed && !l.hash_ok);
	CU_ASSERT_EQUAL(l.offset, n + 1);
	CU_ASSERT_EQUAL(segment_reader_next(sr, &l), 1);
	CU_ASSERT(l.complete && !l.well_formed);
	CU_ASSERT_EQUAL(segment_reader_next(sr, &l), 1);
	CU_ASSERT(!l.complete);
	CU_ASSERT_EQUAL(l.len, n / 2);
	CU_ASSERT_EQUAL(l.offset, 2 * (n + 1) + 5001);
	CU_ASSERT_EQUAL(segment_reader_next(sr, &l), 0);
	segment_reader_close(sr);
	CU_ASSERT_EQUAL(segment_reader_open("/nonexistent/seg", &sr), -ENOENT);
	fixture_teardown(&f);
}

static void times_and_hex(void)
{
	uint8_t b[4] = {0x00, 0x7f, 0xa5, 0xff}, back[4];
	char hex[9];
	int64_t ms;

	CU_ASSERT_EQUAL(segment_parse_time("1970-01-01T00:00:00.000Z", 24, &ms), 0);
	CU_ASSERT_EQUAL(ms, 0);
	CU_ASSERT_EQUAL(segment_parse_time("2026-03-31T23:33:20.123Z", 24, &ms), 0);
	CU_ASSERT_EQUAL(ms, 1775000000123);
	CU_ASSERT_EQUAL(segment_parse_time("2026-13-31T23:33:20.123Z", 24, &ms), -EINVAL);
	CU_ASSERT_EQUAL(segment_parse_time("2026-03-31 23:33:20.123Z", 24, &ms), -EINVAL);
	CU_ASSERT_EQUAL(segment_parse_time("2026-03-31T23:33:20Z", 20, &ms), -EINVAL);
	segment_hex(b, 4, hex);
	CU_ASSERT_STRING_EQUAL(hex, "007fa5ff");
	CU_ASSERT_EQUAL(segment_unhex(hex, 4, back), 0);
	CU_ASSERT_EQUAL(memcmp(b, back, 4), 0);
	CU_ASSERT_EQUAL(segment_unhex("007FA5FF", 4, back), -EINVAL);  /* lower case only */
	CU_ASSERT_EQUAL(segment_unhex("007fa5fg", 4, back), -EINVAL);
	CU_ASSERT_EQUAL(segment_unhex("0 7fa5ff", 4, back), -EINVAL);
	CU_ASSERT_EQUAL(segment_unhex("007f\xc3\xa5" "ff", 4, back), -EINVAL);
	CU_ASSERT_EQUAL(segment_unhex("01234567", 4, back), 0);
	CU_ASSERT_EQUAL(back[3], 0x67);
	CU_ASSERT_EQUAL(segment_unhex("89abcdef", 4, back), 0);
	CU_ASSERT_EQUAL(back[0], 0x89);
	CU_ASSERT_EQUAL(back[3], 0xef);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "names sort by seq", names_sort_by_seq },
		{ "parse lines", parse_lines },
		{ "reader checks hashes", reader_checks_hashes },
		{ "times and hex", times_and_hex },
		{ NULL, NULL },
	};
	return test_run("segment", cases);
}
