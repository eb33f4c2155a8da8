/* Flow and deny records as one JSON object each: valid JSON, the flow log's field
 * names, RFC 3339 times. */
#include <jansson.h>
#include <string.h>

#include "flowrec.h"
#include "runner.h"

static json_t *format_and_parse(const struct flowrec *r)
{
	char buf[2048];
	int n = flowrec_format_json(r, buf, sizeof(buf));
	json_error_t err;

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(buf));
	return json_loads(buf, 0, &err);
}

static void flow_record(void)
{
	struct flowrec r = {
		.type = FLOWREC_FLOW,
		.start_ms = 1806418800123,
		.end_ms = 1806418805000,
		.from_zone = ZONE_MYNUMBER,
		.to_zone = ZONE_LGWAN,
		.proto = 6,
		.tcp_flags = 0x1b,
		.src = 0x0a0a020a,
		.dst = 0x0a14050a,
		.sport = 50123,
		.dport = 443,
		.src_mac = { 0x52, 0x54, 0, 0x10, 2, 0x0a },
		.flow = "MN-LG-001",
		.packets_out = 10,
		.packets_in = 8,
		.bytes_out = 1500,
		.bytes_in = 90000,
		.end_reason = FLOWREC_END_FIN,
	};
	json_t *j = format_and_parse(&r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "type")), "flow");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "start")),
			       "2027-03-30T15:00:00.123Z");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "from_zone")), "mynumber");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "to_zone")), "lgwan");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "src")), "10.10.2.10");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "dst")), "10.20.5.10");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "dport")), 443);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "src_mac")),
			       "52:54:00:10:02:0a");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "flow")), "MN-LG-001");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "bytes_in")), 90000);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "end_reason")), "fin");
	CU_ASSERT_TRUE(json_is_null(json_object_get(j, "reason")));
	CU_ASSERT_PTR_NULL(json_object_get(j, "scope")); /* flow records are as they were */
	json_decref(j);
}

static void deny_record(void)
{
	struct flowrec r = {
		.type = FLOWREC_DENY,
		.from_zone = ZONE_INTERNET,
		.to_zone = ZONE_NONE,
		.proto = 17,
		.src = 0xac100505,
		.dst = 0x0a0a0001,
		.dport = 53,
		.count = 42,
		.bytes_out = 2520,
		.scope = FLOWREC_SCOPE_SOURCE,
		.srcs = 1,
		.dsts = 3,
		.dports = 4100,
	};
	json_t *j;

	strcpy(r.reason, "spoofed\"\n");
	j = format_and_parse(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "type")), "deny");
	CU_ASSERT_TRUE(json_is_null(json_object_get(j, "to_zone")));
	CU_ASSERT_TRUE(json_is_null(json_object_get(j, "flow")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "reason")), "spoofed\"\n");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "count")), 42);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "bytes_out")), 2520);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "scope")), "source");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "srcs")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "dsts")), 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "dports")), 4100);
	json_decref(j);
}

static void bad_record_and_short_buffer(void)
{
	struct flowrec r = { .type = (enum flowrec_type)9 };
	char small[16];

	CU_ASSERT(flowrec_format_json(&r, small, sizeof(small)) < 0);
	r.type = FLOWREC_FLOW;
	r.end_reason = FLOWREC_END_COUNT;
	CU_ASSERT(flowrec_format_json(&r, small, sizeof(small)) < 0);
	r.end_reason = FLOWREC_END_TIMEOUT;
	r.scope = FLOWREC_SCOPE_COUNT;
	CU_ASSERT(flowrec_format_json(&r, small, sizeof(small)) < 0);
	r.scope = FLOWREC_SCOPE_NONE;
	/* Like snprintf: the length it needed, the text cut and terminated. */
	CU_ASSERT(flowrec_format_json(&r, small, sizeof(small)) > (int)sizeof(small));
	CU_ASSERT_EQUAL(strlen(small), sizeof(small) - 1);
	CU_ASSERT_STRING_EQUAL(flowrec_end_name(FLOWREC_END_TABLE_FULL), "table-full");
}

static void utf8_passes_and_bad_bytes_are_replaced(void)
{
	struct flowrec r = { .type = FLOWREC_DENY, .from_zone = ZONE_LGWAN, .to_zone = ZONE_NONE };
	char buf[1024];
	json_t *j;

	strcpy(r.reason, "無害\xff\x7f");
	CU_ASSERT_FATAL(flowrec_format_json(&r, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"reason\":\"無害\\ufffd\\u007f\""));
	j = format_and_parse(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "reason")), "無害\xef\xbf\xbd\x7f");
	json_decref(j);
}

static void times_before_1970(void)
{
	char buf[25];

	CU_ASSERT_STRING_EQUAL(flowrec_format_time(-1, buf), "1969-12-31T23:59:59.999Z");
	CU_ASSERT_STRING_EQUAL(flowrec_format_time(0, buf), "1970-01-01T00:00:00.000Z");
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "flow record", flow_record },
		{ "deny record", deny_record },
		{ "bad record, short buffer", bad_record_and_short_buffer },
		{ "UTF-8 passes, bad bytes are replaced", utf8_passes_and_bad_bytes_are_replaced },
		{ "times before 1970", times_before_1970 },
		{ NULL, NULL },
	};
	return test_run("flowrec", cases);
}
