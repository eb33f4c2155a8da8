/* The deny tables on a real rte_hash: one record per tuple and interval up to a
 * source's rate, then one summary per (zone, source, reason) with its packets, bytes
 * and distinct destinations and ports; sources past the table's room summarised per
 * (zone, reason); intervals counted afresh; reasons and sending devices as key parts;
 * and every dropped packet in exactly one record, whatever the flood. */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>

#include "deny.h"
#include "eal_fixture.h"
#include "record_sink.h"
#include "runner.h"

/* Totals over every record emitted, beyond the first MAX_RECORDS that collect keeps. */
static struct {
	uint64_t records, packets, bytes;
	uint64_t by_scope[FLOWREC_SCOPE_COUNT];
} tally;

static void count_and_collect(void *ctx, const struct flowrec *r)
{
	tally.records++;
	tally.packets += r->count;
	tally.bytes += r->bytes_out;
	if ((unsigned)r->scope < FLOWREC_SCOPE_COUNT)
		tally.by_scope[r->scope]++;
	collect(ctx, r);
}

static struct deny *table(const char *name, uint32_t capacity, uint32_t rate)
{
	const struct deny_conf c = {
		.name = name, .capacity = capacity, .interval_ms = 1000, .rate = rate,
		.socket = SOCKET_ID_ANY, .sink = { .emit = count_and_collect },
	};
	struct deny *d = NULL;

	n_records = 0;
	memset(&tally, 0, sizeof(tally));
	CU_ASSERT_FATAL(deny_create(&c, &d) == 0);
	return d;
}

/* Counts a 60-byte drop whose sending device is not recorded. */
static void note(struct deny *d, int64_t now, uint8_t zone, uint32_t src, uint32_t dst,
		 uint8_t proto, uint16_t dport, const char *reason)
{
	const struct deny_tuple t = {
		.src = src, .dst = dst, .dport = dport, .zone = zone, .proto = proto,
		.bytes = 60,
	};

	deny_note(d, now, &t, reason);
}

static const struct flowrec *find(enum flowrec_scope scope, uint32_t src)
{
	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		if (records[i].scope == scope && records[i].src == src)
			return &records[i];
	return NULL;
}

static void one_record_per_tuple(void)
{
	struct deny *d = table("dn_tuple", 64, 10);

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
		CU_ASSERT_EQUAL(r->scope, FLOWREC_SCOPE_TUPLE);
		CU_ASSERT_EQUAL(r->srcs + r->dsts + r->dports, 3);
		CU_ASSERT_STRING_EQUAL(r->reason, "no-rule");
		CU_ASSERT_EQUAL(r->src, 0x0a140005);
		if (r->dport == 445) {
			CU_ASSERT_EQUAL(r->count, 5);
			CU_ASSERT_EQUAL(r->bytes_out, 300);
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

/* A random-port scan of one host: the first `rate` ports get a record each, the rest
 * one summary that names the host (every packet went there) but no port, with the
 * packets, bytes and ports it covers and its first and last time. */
static void rate_then_summary(void)
{
	struct deny *d = table("dn_rate", 4096, 10);

	for (uint16_t port = 1; port <= 100; port++) {
		note(d, 10 + port, 2, 0xc6336405, 0x0a140001, IPPROTO_TCP, port, "no-rule");
		note(d, 10 + port, 2, 0xc6336405, 0x0a140001, IPPROTO_TCP, port, "no-rule");
	}
	deny_flush(d, 200, true);
	CU_ASSERT_EQUAL_FATAL(n_records, 11);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_TUPLE], 10);
	for (unsigned i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(records[i].count, records[i].scope == FLOWREC_SCOPE_TUPLE ? 2 : 180);
	const struct flowrec *s = find(FLOWREC_SCOPE_SOURCE, 0xc6336405);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->count, 180);
	CU_ASSERT_EQUAL(s->bytes_out, 180 * 60);
	CU_ASSERT_EQUAL(s->from_zone, 2);
	CU_ASSERT_EQUAL(s->dst, 0x0a140001);   /* one destination: named */
	CU_ASSERT_EQUAL(s->dport, 0);          /* many ports: none named */
	CU_ASSERT_EQUAL(s->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(s->srcs, 1);
	CU_ASSERT_EQUAL(s->dsts, 1);
	CU_ASSERT(s->dports >= 90 * 8 / 10 && s->dports <= 90 * 12 / 10);
	CU_ASSERT_EQUAL(s->start_ms, 21);
	CU_ASSERT_EQUAL(s->end_ms, 110);
	CU_ASSERT_EQUAL(tally.packets, 200);
	deny_free(d);
}

/* Distinct counts are exact up to 8 and estimates within 15 % above, up to every port
 * there is; two sources keep apart; a source under its rate makes no summary. */
static void distinct_counts(void)
{
	struct deny *d = table("dn_distinct", 64, 1);
	uint32_t state = 12345;

	note(d, 0, 2, 0xc6336401, 0x0a140001, IPPROTO_UDP, 53, "no-rule");
	for (uint16_t i = 0; i < 5; i++)   /* 5 ports of 3 hosts past the first tuple */
		note(d, 1, 2, 0xc6336402, 0x0a140001 + i % 3, IPPROTO_UDP, (uint16_t)(1000 + i),
		     "no-rule");
	for (uint32_t port = 0; port < 65536; port++)
		note(d, 2, 2, 0xc6336403, 0x0a140001, IPPROTO_TCP, (uint16_t)port, "no-rule");
	for (uint32_t i = 0; i < 20000; i++) { /* 20,000 random addresses, one port */
		state = state * 1103515245u + 12345u;
		note(d, 3, 2, 0xc6336404, 0x0a000000 | (state >> 8), IPPROTO_TCP, 445, "no-rule");
	}
	deny_flush(d, 3, true);
	CU_ASSERT_PTR_NULL(find(FLOWREC_SCOPE_SOURCE, 0xc6336401));
	const struct flowrec *small = find(FLOWREC_SCOPE_SOURCE, 0xc6336402);
	const struct flowrec *ports = find(FLOWREC_SCOPE_SOURCE, 0xc6336403);
	const struct flowrec *hosts = find(FLOWREC_SCOPE_SOURCE, 0xc6336404);
	CU_ASSERT_PTR_NOT_NULL_FATAL(small);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ports);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hosts);
	CU_ASSERT_EQUAL(small->count, 4);
	CU_ASSERT_EQUAL(small->dports, 4);
	CU_ASSERT_EQUAL(small->dsts, 3);
	CU_ASSERT_EQUAL(small->dst, 0);        /* several hosts: none named */
	printf("\n    65,535 ports: estimate %u; 19,999 addresses: estimate %u\n",
	       ports->dports, hosts->dsts);
	CU_ASSERT(ports->dports >= 65535 * 85 / 100 && ports->dports <= 65535 * 115 / 100);
	CU_ASSERT_EQUAL(ports->dsts, 1);
	CU_ASSERT(hosts->dsts >= 19999 * 85 / 100 && hosts->dsts <= 19999 * 115 / 100);
	CU_ASSERT_EQUAL(hosts->dports, 1);
	CU_ASSERT_EQUAL(hosts->dport, 445);
	CU_ASSERT_EQUAL(tally.packets, 1 + 5 + 65536 + 20000);
	deny_free(d);
}

/* Sources past the table's room go into one overflow summary per (zone, reason) that
 * counts them; the sources with room keep their records. */
static void full_table_overflows(void)
{
	struct deny *d = table("dn_full", 8, 10);

	for (uint32_t src = 1; src <= 16; src++) {
		note(d, 10, 2, 0xc6330000 + src, 0x0a140001, IPPROTO_UDP, 7, "no-rule");
		note(d, 11, 2, 0xc6330000 + src, 0x0a140001, IPPROTO_UDP, 9, "no-rule");
	}
	note(d, 12, 1, 0x0a140099, 0x0a0a0001, IPPROTO_TCP, 22, "spoofed");
	CU_ASSERT_EQUAL(n_records, 0);  /* nothing is handed over early */
	deny_flush(d, 12, true);
	/* 8 sources with room: 4 with both tuples, then the tuples' table is full and 4
	 * have a summary each */
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_TUPLE], 8);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_SOURCE], 4);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_OVERFLOW], 2);
	const struct flowrec *o = find(FLOWREC_SCOPE_OVERFLOW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		if (records[i].scope == FLOWREC_SCOPE_OVERFLOW && records[i].from_zone == 2)
			o = &records[i];
	CU_ASSERT_STRING_EQUAL(o->reason, "no-rule");
	CU_ASSERT_EQUAL(o->from_zone, 2);
	CU_ASSERT_EQUAL(o->count, 16);
	CU_ASSERT_EQUAL(o->srcs, 8);
	CU_ASSERT_EQUAL(o->dsts, 1);
	CU_ASSERT_EQUAL(o->dports, 2);
	CU_ASSERT_EQUAL(o->src, 0);
	CU_ASSERT_EQUAL(o->dst, 0x0a140001);
	CU_ASSERT_EQUAL(tally.packets, 33);
	CU_ASSERT_EQUAL(tally.bytes, 33 * 60);
	deny_free(d);
}

/* More (zone, reason) pairs than the overflow table holds: the interval closes early
 * rather than lose a count. */
static void full_overflow_hands_over(void)
{
	struct deny *d = table("dn_ofull", 8, 1);
	char reason[FLOWREC_REASON_MAX];
	unsigned n = 0;

	for (uint32_t src = 1; src <= 8; src++, n++)
		note(d, 5, 0, 0x0a0a0000 + src, 0x0a140001, IPPROTO_TCP, 80, "no-rule");
	for (unsigned i = 0; i < DENY_OVERFLOW_MAX + 10; i++, n++) {
		snprintf(reason, sizeof(reason), "r%u", i);
		note(d, 6, 0, 0x0a0a0100 + i, 0x0a140001, IPPROTO_TCP, 80, reason);
	}
	CU_ASSERT(n_records > 0);
	deny_flush(d, 6, true);
	CU_ASSERT_EQUAL(tally.packets, n);
	deny_free(d);
}

/* After the interval the same tuples start new records, counted from one, and a
 * source's rate starts again. */
static void next_interval_counts_afresh(void)
{
	struct deny *d = table("dn_next", 16, 2);

	note(d, 0, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	note(d, 10, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	for (uint16_t p = 1; p <= 5; p++)
		note(d, 20, 0, 0x0a0a0005, 0x0a140001, IPPROTO_TCP, p, "no-rule");
	note(d, 1500, 0, 0x0a0a0005, 0x0a140001, IPPROTO_ICMP, 8, "no-rule");
	CU_ASSERT_EQUAL_FATAL(n_records, 3); /* icmp, tcp/1, the summary of tcp/2..5 */
	CU_ASSERT_EQUAL(find(FLOWREC_SCOPE_SOURCE, 0x0a0a0005)->count, 4);
	for (uint16_t p = 1; p <= 5; p++)
		note(d, 1510, 0, 0x0a0a0005, 0x0a140001, IPPROTO_TCP, p, "no-rule");
	deny_flush(d, 1600, false);        /* the second interval is not over */
	CU_ASSERT_EQUAL(n_records, 3);
	deny_flush(d, 2500, false);
	CU_ASSERT_EQUAL_FATAL(n_records, 6);
	CU_ASSERT_EQUAL(records[3].start_ms + records[4].start_ms + records[5].start_ms,
			1500 + 1510 + 1510);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_SOURCE], 2);
	deny_flush(d, 5000, true);          /* nothing left */
	CU_ASSERT_EQUAL(n_records, 6);
	CU_ASSERT_EQUAL(tally.packets, 2 + 5 + 1 + 5);
	deny_free(d);
}

/* A flood from a few sources over three intervals: records stay within rate + 1 per
 * source, reason and interval, and every packet and byte is in one record. */
static void flood_loses_nothing(void)
{
	static const char *const reasons[] = { "no-rule", "spoofed", "martian" };
	struct deny *d = table("dn_flood", 64, 10);
	uint64_t packets = 0, bytes = 0;
	uint32_t state = 7;

	for (int64_t now = 0; now < 3000; now++) {
		for (int i = 0; i < 40; i++) {
			struct deny_tuple t = { .zone = 2, .proto = IPPROTO_TCP, .dst = 0x0a140001 };

			state = state * 1664525u + 1013904223u;
			t.src = 0xc6336400 + (state >> 29);    /* 8 sources */
			t.dport = (uint16_t)(state >> 8);
			t.bytes = 40 + (state & 0xff);
			t.src_mac[5] = (uint8_t)(state >> 28);
			deny_note(d, now, &t, reasons[(state >> 4) % 3]);
			packets++;
			bytes += t.bytes;
		}
	}
	deny_flush(d, 3000, true);
	printf("\n    %" PRIu64 " packets: %" PRIu64 " records\n", packets, tally.records);
	CU_ASSERT_EQUAL(tally.packets, packets);
	CU_ASSERT_EQUAL(tally.bytes, bytes);
	CU_ASSERT(tally.records <= 3 * 8 * 3 * (10 + 1));
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_SOURCE], 3 * 8 * 3);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_OVERFLOW], 0);
	deny_free(d);
}

/* A flood from 50,000 random sources: per interval at most capacity tuple records,
 * capacity summaries and one overflow per (zone, reason), whatever the flood; still
 * every packet counted. */
static void many_sources_bounded(void)
{
	struct deny *d = table("dn_many", 64, 10);
	uint32_t state = 99;

	for (int64_t now = 0; now < 2000; now++) {
		for (int i = 0; i < 50; i++) {
			state = state * 1664525u + 1013904223u;
			note(d, now, 2, 0x0b000000 | (state >> 8), 0x0a140001, IPPROTO_TCP,
			     (uint16_t)state, "no-rule");
		}
	}
	deny_flush(d, 2000, true);
	printf("\n    100,000 packets from ~50,000 sources: %" PRIu64 " records\n",
	       tally.records);
	CU_ASSERT_EQUAL(tally.packets, 100000);
	CU_ASSERT(tally.records <= 2 * (64 + 64 + 1));
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_OVERFLOW], 2);
	CU_ASSERT_EQUAL(tally.by_scope[FLOWREC_SCOPE_TUPLE], 2 * 64);
	deny_free(d);
}

/* A reason is a key part: two reasons, two records; a reason longer than a record's
 * field is cut, not overflowed. */
static void reasons(void)
{
	static const char longer[] = "a-reason-longer-than-any-record-field-holds";
	struct deny *d = table("dn_reason", 16, 10);

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
 * naming its MAC; a drop with no MAC recorded says all zero. A summary names a MAC
 * only when all its packets came from it. */
static void source_macs(void)
{
	struct deny_tuple t = { .src = 0x0a140005, .dst = 0x0a0a000a, .dport = 22, .zone = 1,
				.proto = IPPROTO_TCP, .src_mac = { 0x52, 0x54, 0, 0, 0, 1 } };
	struct deny *d = table("dn_mac", 16, 3);
	unsigned seen = 0;

	deny_note(d, 0, &t, "spoofed");
	deny_note(d, 1, &t, "spoofed");
	t.src_mac[5] = 2;
	deny_note(d, 2, &t, "spoofed");
	memset(t.src_mac, 0, sizeof(t.src_mac));
	deny_note(d, 3, &t, "spoofed");
	t.src_mac[5] = 4;               /* past the rate: the summary */
	deny_note(d, 4, &t, "spoofed");
	deny_flush(d, 4, true);
	CU_ASSERT_EQUAL_FATAL(n_records, 4);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *mac = records[i].src_mac;

		CU_ASSERT_EQUAL(memcmp(mac, "\x52\x54\0\0\0", 5) == 0 || mac[0] == 0, true);
		seen |= 1u << mac[5];
		CU_ASSERT_EQUAL(records[i].count, mac[5] == 1 ? 2 : 1);
	}
	CU_ASSERT_EQUAL(seen, 0x7);
	CU_ASSERT_EQUAL(records[3].scope, FLOWREC_SCOPE_SOURCE);
	CU_ASSERT_EQUAL(records[3].src_mac[5], 4);
	deny_free(d);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "one record per tuple and interval", one_record_per_tuple },
		{ "past the rate, one summary per source", rate_then_summary },
		{ "distinct ports and addresses, exact and estimated", distinct_counts },
		{ "a full table: an overflow summary per zone and reason", full_table_overflows },
		{ "a full overflow table hands over early, no count lost",
		  full_overflow_hands_over },
		{ "the next interval counts afresh", next_interval_counts_afresh },
		{ "a flood: bounded records, every packet counted", flood_loses_nothing },
		{ "a flood from many sources: bounded records", many_sources_bounded },
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
