/* Reading record lines without a JSON tree: every field agrees with jansson's reading
 * of the same line, escapes become the right UTF-8, and everything that is not a flat
 * record is refused. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit_fixture.h"
#include "record.h"
#include "runner.h"

static struct record rec;

static void agrees_with_jansson(void)
{
	char line[4096];
	unsigned disagree = 0;

	for (unsigned i = 0; i < 500; i++) {
		struct flowrec r;
		json_error_t err;
		const char *key;
		json_t *j, *v;
		int n;

		fixture_record(i, 1775000000000LL + i * 777, &r);
		if (i % 7 == 0)
			snprintf(r.reason, sizeof(r.reason), "理由\"%u\"\\\t", i);
		n = flowrec_format_json(&r, line, sizeof(line));
		CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(line));
		j = json_loadb(line, (size_t)n, 0, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_EQUAL_FATAL(record_parse(line, (size_t)n, &rec), 0);
		CU_ASSERT_EQUAL(rec.n, json_object_size(j));
		json_object_foreach(j, key, v) {
			const struct record_field *f = record_get(&rec, key);
			bool same = f != NULL;
			if (same && json_is_string(v))
				same = f->kind == RECORD_STRING && !strcmp(f->str, json_string_value(v));
			else if (same && json_is_integer(v))
				same = f->kind == RECORD_INT && f->num == json_integer_value(v);
			else if (same)
				same = json_is_null(v) && f->kind == RECORD_NULL;
			disagree += !same;
		}
		json_decref(j);
	}
	CU_ASSERT_EQUAL(disagree, 0);
}

static void escapes(void)
{
	static const char line[] =
		"{\"a\":\"\\u65e5\\u672c \\ud83d\\ude00\",\"b\":\"q\\\"b\\\\s\\/n\\nt\\tr\\r\","
		"\"c\":-42,\"d\":null,\"e\":\"\",\"f\":0}";

	CU_ASSERT_EQUAL_FATAL(record_parse(line, sizeof(line) - 1, &rec), 0);
	CU_ASSERT_EQUAL(rec.n, 6);
	CU_ASSERT_STRING_EQUAL(record_str(&rec, "a"), "日本 \xf0\x9f\x98\x80");
	CU_ASSERT_STRING_EQUAL(record_str(&rec, "b"), "q\"b\\s/n\nt\tr\r");
	CU_ASSERT_EQUAL(record_get(&rec, "c")->num, -42);
	CU_ASSERT_EQUAL(record_uint(&rec, "c"), 0);           /* negative: no count */
	CU_ASSERT_EQUAL(record_get(&rec, "d")->kind, RECORD_NULL);
	CU_ASSERT_STRING_EQUAL(record_str(&rec, "d"), "");
	CU_ASSERT_STRING_EQUAL(record_str(&rec, "e"), "");
	CU_ASSERT_EQUAL(record_get(&rec, "f")->kind, RECORD_INT);
	CU_ASSERT_PTR_NULL(record_get(&rec, "missing"));
	CU_ASSERT_EQUAL(record_parse("{}", 2, &rec), 0);
	CU_ASSERT_EQUAL(rec.n, 0);
}

static void refused(void)
{
	static const char *const bad[] = {
		"", "{", "}", "[]", "{\"a\":1", "\"a\":1}", "{\"a\":1,}", "{\"a\" :1}",
		"{\"a\": 1}", "{\"a\":1 }", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":true}",
		"{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":01}", "{\"a\":-}", "{\"a\":nul}",
		"{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"tab\there\"}",
		"{a:1}", "{\"a\":1}x", "{\"a\":1234567890123456789}",
	};
	char many[2048];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = record_parse(bad[i], strlen(bad[i]), &rec);
		if (rc != -EBADMSG)
			printf("\n  accepted: %s", bad[i]);
		CU_ASSERT_EQUAL(rc, -EBADMSG);
	}
	n += (size_t)snprintf(many, sizeof(many), "{");
	for (int i = 0; i < RECORD_FIELDS_MAX + 1; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s\"k%d\":%d", i ? "," : "", i, i);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "}");
	CU_ASSERT_EQUAL(record_parse(many, n, &rec), -EBADMSG);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "agrees with jansson", agrees_with_jansson },
		{ "escapes", escapes },
		{ "refused", refused },
		{ NULL, NULL },
	};
	return test_run("record", cases);
}
