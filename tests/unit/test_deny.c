/* The deny table on a real rte_hash: one record per tuple and interval with its count,
 * an early hand-over when the table is full (no count lost), tuples counted afresh in
 * the next interval, reasons longer than a record holds, and the sending device. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_memory.h>

#include "deny.h"
#include "eal_fixture.h"
#include "record_sink.h"
#include "runner.h"


static struct deny *table(const char *name, uint32_t capacity)
{
	struct deny *d = NULL;

	n_records = 0;
	CU_ASSERT_FATAL(deny_create(name, capacity, 1000, SOCKET_ID_ANY,
				    (struct flowrec_sink){ .emit = collect }, &d) == 0);
	return d;
}

/* Counts a drop whose sending device is not recorded. */
static void note(struct deny *d, int64_t now, uint8_t zone, uint32_t src, uint32_t dst,
		 uint8_t proto, uint16_t dport, const char *reason)
{
	const struct deny_tuple t = {
		.src = src, .dst = dst, .dport = dport, .zone = zone, .proto = proto,
	};

	deny_note(d, now, &t, reason);
}

static uint64_t total_count(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		n += records[i].count;
	return n;
}

static void one_record_per_tuple(void)
{
	struct deny *d = table("dn_tuple", 64);

	for (int i = 0; i < 5; i++)
		note(d, 100 + i, 1, 0x0a140005, 0x0a0a000a, IPPROTO_TCP, 445, "no-rule");
	note(d, 200, 1, 0x0a140005, 0x0a0a000a, IPPROTO_TCP, 139, "no-rule");
	CU_ASSERT_EQUAL(n_records, 0);
	deny_flush(d, 999, false);          /* the interval is not over */
	CU_ASSERT_EQUAL(n_records, 0);
	deny_flush(d, 1100, false);
	CU_ASSERT_EQUAL_FATAL(n_records, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct flowrec *r = &records[i];

		CU_ASSERT_EQUAL(r->type, FLOWREC_DENY);
		CU_ASSERT_STRING_EQUAL(r->reason, "no-rule");
		CU_ASSERT_EQUAL(r->src, 0x0a140005);
		if (r->dport == 445) {
			CU_ASSERT_EQUAL(r->count, 5);
			CU_ASSERT_EQUAL(r->start_ms, 100);
			CU_ASSERT_EQUAL(r->end_ms, 104);
		} else {
			CU_ASSERT_EQUAL(r->dport, 139);
			CU_ASSERT_EQUAL(r->count, 1);
		}
	}
	CU_ASSERT_EQUAL(deny_records(d), 2);
	deny_free(d);
}

/* 100 distinct tuples into a table of 8: the table hands its records over whenever it
 * is full, and every packet is in exactly one record. */
static void full_table_hands_over_early(void)
{
	struct deny *d = table("dn_full", 8);

	for (uint16_t port = 1; port <= 100; port++) {
		note(d, 10, 2, 0xac100005, 0x0a140001, IPPROTO_UDP, port, "no-rule");
		note(d, 11, 2, 0xac100005, 0x0a140001, IPPROTO_UDP, port, "no-rule");
	}
	CU_ASSERT(n_records >= 96);
	deny_flush(d, 11, true);
	CU_ASSERT_EQUAL(n_records, 100);
	CU_ASSERT_EQUAL(total_count(), 200);
	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		CU_ASSERT_EQUAL(records[i].count, 2);
	deny_free(d);
}

/* After a hand-over the same tuple starts a new record, counted from one. */
static void next_interval_counts_afresh(void)
{
	struct deny *d = table("dn_next", 16);

	note(d, 0, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	note(d, 10, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	note(d, 1500, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	CU_ASSERT_EQUAL_FATAL(n_records, 1);
	CU_ASSERT_EQUAL(records[0].count, 2);
	deny_flush(d, 1500, true);
	CU_ASSERT_EQUAL_FATAL(n_records, 2);
	CU_ASSERT_EQUAL(records[1].count, 1);
	CU_ASSERT_EQUAL(records[1].start_ms, 1500);
	deny_flush(d, 5000, true);          /* nothing left */
	CU_ASSERT_EQUAL(n_records, 2);
	deny_free(d);
}

/* A reason is a key part: two reasons, two records; a reason longer than a record's
 * field is cut, not overflowed. */
static void reasons(void)
{
	static const char longer[] = "a-reason-longer-than-any-record-field-holds";
	struct deny *d = table("dn_reason", 16);

	note(d, 0, 1, 0x0a140005, 0x0a0a000a, IPPROTO_TCP, 22, "no-rule");
	note(d, 0, 1, 0x0a140005, 0x0a0a000a, IPPROTO_TCP, 22, "spoofed");
	note(d, 0, 1, 0x0a140005, 0x0a0a000a, IPPROTO_TCP, 22, longer);
	deny_flush(d, 0, true);
	CU_ASSERT_EQUAL_FATAL(n_records, 3);
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT(strlen(records[i].reason) < FLOWREC_REASON_MAX);
		if (records[i].reason[0] == 'a')
			CU_ASSERT_EQUAL(strncmp(records[i].reason, longer,
						FLOWREC_REASON_MAX - 1), 0);
	}
	deny_free(d);
}

/* The sending device is a key part: the same tuple from two MACs is two records, each
 * naming its MAC; a drop with no MAC recorded says all zero. */
static void source_macs(void)
{
	struct deny_tuple t = { .src = 0x0a140005, .dst = 0x0a0a000a, .dport = 22, .zone = 1,
				.proto = IPPROTO_TCP, .src_mac = { 0x52, 0x54, 0, 0, 0, 1 } };
	struct deny *d = table("dn_mac", 16);
	unsigned seen = 0;

	deny_note(d, 0, &t, "spoofed");
	deny_note(d, 1, &t, "spoofed");
	t.src_mac[5] = 2;
	deny_note(d, 2, &t, "spoofed");
	memset(t.src_mac, 0, sizeof(t.src_mac));
	deny_note(d, 3, &t, "spoofed");
	deny_flush(d, 3, true);
	CU_ASSERT_EQUAL_FATAL(n_records, 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *mac = records[i].src_mac;

		CU_ASSERT_EQUAL(memcmp(mac, "\x52\x54\0\0\0", 5) == 0 || mac[0] == 0, true);
		seen |= 1u << mac[5];
		CU_ASSERT_EQUAL(records[i].count, mac[5] == 1 ? 2 : 1);
	}
	CU_ASSERT_EQUAL(seen, 0x7);
	deny_free(d);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "one record per tuple and interval", one_record_per_tuple },
		{ "a full table hands over early, no count lost", full_table_hands_over_early },
		{ "the next interval counts afresh", next_interval_counts_afresh },
		{ "reasons are part of the key and cut to fit", reasons },
		{ "the sending device is part of the key", source_macs },
		{ NULL, NULL },
	};
	int ret;

	if (test_eal_start("test_deny", 128, NULL) != 0)
		return 2;
	ret = test_run("deny", cases);
	test_eal_stop();
	return ret;
}
