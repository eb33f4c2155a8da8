/* Connection tracking on a real rte_hash: the bidirectional key, records oriented on
 * the initiator, the sweep (timeouts, FIN, budget, revocation) and a full table. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_memory.h>

#include "conntrack.h"
#include "eal_fixture.h"
#include "record_sink.h"
#include "runner.h"

static struct flowname *names;

static struct conntrack *table(const char *name, uint32_t capacity)
{
	struct conntrack_conf conf = {
		.name = name,
		.capacity = capacity,
		.socket = SOCKET_ID_ANY,
		.sink = { .emit = collect },
		.names = names,
	};
	struct conntrack *ct = NULL;

	n_records = 0;
	CU_ASSERT_FATAL(conntrack_create(&conf, &ct) == 0);
	return ct;
}

static void key_is_bidirectional(void)
{
	struct ct_key a, b;
	unsigned sa, sb;

	sa = conntrack_key(&a, IPPROTO_TCP, 0, 0x0a0a020a, 40000, 1, 0x0a14050a, 443);
	sb = conntrack_key(&b, IPPROTO_TCP, 1, 0x0a14050a, 443, 0, 0x0a0a020a, 40000);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(sa, sb);
	CU_ASSERT_EQUAL(a.pad, 0);
	/* Same addresses: the ports decide the order. */
	sa = conntrack_key(&a, IPPROTO_UDP, 0, 7, 9, 1, 7, 5);
	sb = conntrack_key(&b, IPPROTO_UDP, 1, 7, 5, 0, 7, 9);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(sa, sb);
}

static void key_distinguishes(void)
{
	struct ct_key a, b;

	conntrack_key(&a, IPPROTO_TCP, 0, 1, 2, 1, 3, 4);
	conntrack_key(&b, IPPROTO_UDP, 0, 1, 2, 1, 3, 4);
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	conntrack_key(&b, IPPROTO_TCP, 2, 1, 2, 1, 3, 4);
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	conntrack_key(&b, IPPROTO_TCP, 0, 1, 2, 1, 3, 5);
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	/* An echo request (id as the requester's port) and its reply meet. */
	conntrack_key(&a, IPPROTO_ICMP, 0, 10, 77, 1, 20, 0);
	conntrack_key(&b, IPPROTO_ICMP, 1, 20, 0, 0, 10, 77);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
}

/* The packet path hashes a key once (conntrack_hash) and passes the signature on: it
 * must be the table's own hash, so the calls with and without it find the same entries. */
static void signature_is_the_tables_hash(void)
{
	struct conntrack *ct = table("ct_sig", 256);
	struct ct_key k[40];
	const struct ct_key *kp[40];
	uint32_t sig[40];
	struct ct_entry *e[40], *found[40];

	for (unsigned i = 0; i < 40; i++) {
		unsigned side = conntrack_key(&k[i], i % 2 ? IPPROTO_TCP : IPPROTO_UDP, 0,
					      0x0a0a0000 + i, (uint16_t)(40000 + i), 1,
					      0x0a140005, 443);

		kp[i] = &k[i];
		sig[i] = conntrack_hash(&k[i]);
		e[i] = i % 2 ? conntrack_add(ct, &k[i], side, 0) :
			conntrack_add_hashed(ct, &k[i], sig[i], side, 0);
		CU_ASSERT_FATAL(e[i] != NULL);
	}
	conntrack_lookup_bulk(ct, kp, sig, 40, found);
	for (unsigned i = 0; i < 40; i++) {
		CU_ASSERT_PTR_EQUAL(found[i], e[i]);
		CU_ASSERT_PTR_EQUAL(conntrack_lookup(ct, &k[i]), e[i]);
		CU_ASSERT_PTR_EQUAL(conntrack_lookup_hashed(ct, &k[i], sig[i]), e[i]);
	}
	CU_ASSERT_PTR_NULL(conntrack_add_hashed(ct, &k[3], sig[3], 0, 0));
	CU_ASSERT_EQUAL(errno, EEXIST);
	conntrack_end(ct, e[5], FLOWREC_END_FIN, 1);
	conntrack_lookup_bulk(ct, kp, sig, 40, found);
	CU_ASSERT_PTR_NULL(found[5]);
	CU_ASSERT_PTR_EQUAL(found[6], e[6]);
	conntrack_free(ct);
}

static void record_oriented_on_initiator(void)
{
	struct conntrack *ct = table("ct_orient", 64);
	struct ct_key k;
	struct ct_entry *e;
	/* The initiator has the higher address: it is endpoint 1 of the key. */
	unsigned side = conntrack_key(&k, IPPROTO_TCP, 1, 0x0a140505, 50000, 0, 0x0a0a0a0a, 443);

	CU_ASSERT_EQUAL(side, 1);
	e = conntrack_add(ct, &k, side, 1000);
	CU_ASSERT_FATAL(e != NULL);
	e->flow = (uint16_t)flowname_intern(names, "LG-MN-777");
	e->packets[conntrack_dir(e, side)] = 3;
	e->packets[conntrack_dir(e, !side)] = 2;
	e->last_ms = 1500;
	CU_ASSERT_PTR_EQUAL(conntrack_lookup(ct, &k), e);
	CU_ASSERT_PTR_NULL(conntrack_add(ct, &k, side, 1000));
	CU_ASSERT_EQUAL(errno, EEXIST);
	conntrack_end(ct, e, FLOWREC_END_RST, 2000);
	CU_ASSERT_PTR_NULL(conntrack_lookup(ct, &k));
	CU_ASSERT_EQUAL_FATAL(n_records, 1);
	CU_ASSERT_EQUAL(records[0].from_zone, 1);
	CU_ASSERT_EQUAL(records[0].to_zone, 0);
	CU_ASSERT_EQUAL(records[0].src, 0x0a140505);
	CU_ASSERT_EQUAL(records[0].sport, 50000);
	CU_ASSERT_EQUAL(records[0].dst, 0x0a0a0a0a);
	CU_ASSERT_EQUAL(records[0].dport, 443);
	CU_ASSERT_EQUAL(records[0].packets_out, 3);
	CU_ASSERT_EQUAL(records[0].packets_in, 2);
	CU_ASSERT_EQUAL(records[0].start_ms, 1000);
	CU_ASSERT_EQUAL(records[0].end_ms, 2000);
	CU_ASSERT_EQUAL(records[0].end_reason, FLOWREC_END_RST);
	CU_ASSERT_STRING_EQUAL(records[0].flow, "LG-MN-777");
	CU_ASSERT_EQUAL(conntrack_count(ct), 0);
	conntrack_free(ct);
}

static struct ct_entry *add(struct conntrack *ct, uint16_t port, int64_t expires)
{
	struct ct_key k;
	unsigned side = conntrack_key(&k, IPPROTO_UDP, 0, 0x0a0a0001, port, 1, 0x0a140001, 53);
	struct ct_entry *e = conntrack_add(ct, &k, side, 0);

	CU_ASSERT_FATAL(e != NULL);
	e->expires_ms = expires;
	e->last_ms = expires - 100;
	e->generation = 1;
	return e;
}

static unsigned count_reason(enum flowrec_end why)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_records && i < MAX_RECORDS; i++)
		n += records[i].end_reason == why;
	return n;
}

static void sweep_timeouts(void)
{
	struct conntrack *ct = table("ct_sweep", 256);
	struct ct_entry *fin;
	unsigned ended;

	for (uint16_t p = 1; p <= 10; p++)
		add(ct, p, p <= 4 ? 5000 : 50000);
	fin = add(ct, 100, 4000);
	fin->key.proto = IPPROTO_UDP;
	ended = conntrack_sweep(ct, 4999, UINT32_MAX, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, 1);
	ended = conntrack_sweep(ct, 5000, UINT32_MAX, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, 4);
	CU_ASSERT_EQUAL(conntrack_count(ct), 6);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_TIMEOUT), 5);
	/* A timed-out connection ends at its last packet, not at the sweep. */
	CU_ASSERT_EQUAL(records[0].end_ms, 3900);
	CU_ASSERT_EQUAL(conntrack_flush(ct, 6000, FLOWREC_END_SHUTDOWN), 6);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_SHUTDOWN), 6);
	CU_ASSERT_EQUAL(conntrack_count(ct), 0);
	conntrack_free(ct);
}

static void sweep_fin(void)
{
	struct conntrack *ct = table("ct_fin", 64);
	struct ct_key k;
	unsigned side = conntrack_key(&k, IPPROTO_TCP, 0, 1, 1000, 1, 2, 443);
	struct ct_entry *e = conntrack_add(ct, &k, side, 0);

	CU_ASSERT_FATAL(e != NULL);
	e->tcp.state = TCP_TIME_WAIT;
	e->tcp.fin_seen = 3;
	e->expires_ms = 100;
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 100, UINT32_MAX, 0, NULL, NULL, 0), 1);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_FIN), 1);
	conntrack_free(ct);
}

static void sweep_budget(void)
{
	struct conntrack *ct = table("ct_budget", 256);
	unsigned total = 0, calls = 0;

	for (uint16_t p = 1; p <= 40; p++)
		add(ct, p, 10);
	/* Each call visits at most 7 entries; the cursor carries on from there. */
	while (conntrack_count(ct) > 0 && calls < 100) {
		unsigned ended = conntrack_sweep(ct, 10, 7, 1, NULL, NULL, 0);

		CU_ASSERT(ended <= 7);
		total += ended;
		calls++;
	}
	CU_ASSERT_EQUAL(total, 40);
	CU_ASSERT(calls >= 6);
	conntrack_free(ct);
}

/* A pass is capacity + 1 slots, free ones included: two calls of half that reach every
 * connection of a full table, and a pass over a sparse one costs the same. */
static void sweep_pass_covers_table(void)
{
	struct conntrack *ct = table("ct_pass", 256);
	const uint32_t half = (256 + 1 + 1) / 2;
	unsigned ended;

	for (uint16_t p = 1; p <= 256; p++)
		add(ct, p, 10);
	CU_ASSERT_EQUAL(conntrack_count(ct), 256);
	ended = conntrack_sweep(ct, 10, half, 1, NULL, NULL, 0);
	ended += conntrack_sweep(ct, 10, half, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, 256);
	CU_ASSERT_EQUAL(conntrack_count(ct), 0);
	/* The cursor wraps: later connections are found wherever their slot is. */
	for (uint16_t p = 1; p <= 3; p++)
		add(ct, p, 20);
	ended = conntrack_sweep(ct, 20, half, 1, NULL, NULL, 0);
	ended += conntrack_sweep(ct, 20, half, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, 3);
	conntrack_free(ct);
}

/* A sparse table, swept in steps that start and stop inside 64-slot words: every live
 * connection is reached once per pass, wherever its slot is, and ended ones are not
 * met again. */
static void sweep_sparse_odd_steps(void)
{
	struct conntrack *ct = table("ct_sparse", 1000);
	const uint32_t slots = 1000 + 1, step = 37;
	struct ct_entry *e[1000];
	unsigned live = 0, ended = 0, steps = 0;

	for (uint16_t p = 0; p < 1000; p++)
		e[p] = add(ct, (uint16_t)(p + 1), 1000);
	/* keep every 61st, plus the first and last slots' neighbours */
	for (unsigned i = 0; i < 1000; i++) {
		if (i % 61 == 0 || i == 63 || i == 64 || i == 999)
			live++;
		else
			conntrack_forget(ct, e[i]);
	}
	CU_ASSERT_EQUAL(conntrack_count(ct), live);
	/* Not due yet: a whole pass ends nothing. */
	for (uint32_t seen = 0; seen < slots; seen += step)
		ended += conntrack_sweep(ct, 500, step, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, 0);
	/* Due: one pass in odd steps ends each exactly once. */
	for (uint32_t seen = 0; seen < slots; seen += step, steps++)
		ended += conntrack_sweep(ct, 2000, step, 1, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ended, live);
	CU_ASSERT_EQUAL(conntrack_count(ct), 0);
	CU_ASSERT_EQUAL(steps, (slots + step - 1) / step);
	CU_ASSERT_EQUAL(n_records, live);
	conntrack_free(ct);
}

static void allow_even(void *ctx, struct ct_entry **e, unsigned n, bool *allowed)
{
	uint64_t *generation = ctx;

	CU_ASSERT(n >= 1 && n <= CONNTRACK_RECHECK_BULK);
	for (unsigned i = 0; i < n; i++) {
		uint16_t port = e[i]->key.port[e[i]->orig_side];

		allowed[i] = port % 2 == 0;
		if (allowed[i])
			e[i]->generation = *generation;
	}
}

/* More connections than one recheck batch: each is asked about once, the refused ones
 * are revoked, and those allowed but idle past their time still end. */
static void sweep_revokes_in_batches(void)
{
	struct conntrack *ct = table("ct_batches", 256);
	uint64_t generation = 2;
	unsigned ended;

	for (uint16_t p = 1; p <= 100; p++)
		add(ct, p, p <= 10 ? 900 : 100000);
	ended = conntrack_sweep(ct, 1000, UINT32_MAX, 2, allow_even, &generation, 500);
	/* 50 odd ports revoked; of the even ones, 2..10 had expired: 5 more */
	CU_ASSERT_EQUAL(ended, 55);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_REVOKED), 50);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_TIMEOUT), 5);
	/* the 45 allowed ones moved to generation 2: not asked again */
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 1001, UINT32_MAX, 2, allow_even, &generation, 500), 0);
	conntrack_free(ct);
}

static void sweep_revokes(void)
{
	struct conntrack *ct = table("ct_revoke", 64);
	uint64_t generation = 2;
	struct ct_key k;

	for (uint16_t p = 1; p <= 6; p++)
		add(ct, p, 100000);
	/* A new policy: odd ports are no longer allowed. */
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 1000, UINT32_MAX, 2, allow_even, &generation, 500), 3);
	CU_ASSERT_EQUAL(count_reason(FLOWREC_END_REVOKED), 3);
	/* Revoked entries stay a while to answer late packets, without a second record. */
	conntrack_key(&k, IPPROTO_UDP, 0, 0x0a0a0001, 1, 1, 0x0a140001, 53);
	CU_ASSERT_PTR_NOT_NULL(conntrack_lookup(ct, &k));
	CU_ASSERT_TRUE(conntrack_lookup(ct, &k)->revoked);
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 1400, UINT32_MAX, 2, allow_even, &generation, 500), 0);
	CU_ASSERT_EQUAL(conntrack_count(ct), 6);
	/* Listing live connections skips the revoked ones that linger. */
	{
		uint32_t cursor = 0, seen = 0, port_sum = 0;
		struct ct_entry *e;

		while (conntrack_iterate(ct, &cursor, &e)) {
			seen++;
			port_sum += e->key.port[0] == 53 ? e->key.port[1] : e->key.port[0];
		}
		CU_ASSERT_EQUAL(seen, 3);
		CU_ASSERT_EQUAL(port_sum, 2 + 4 + 6);
	}
	CU_ASSERT_EQUAL(conntrack_sweep(ct, 1500, UINT32_MAX, 2, allow_even, &generation, 500), 0);
	CU_ASSERT_EQUAL(conntrack_count(ct), 3);
	CU_ASSERT_PTR_NULL(conntrack_lookup(ct, &k));
	CU_ASSERT_EQUAL(n_records, 3);
	/* Shutdown records the live ones only. */
	CU_ASSERT_EQUAL(conntrack_flush(ct, 2000, FLOWREC_END_SHUTDOWN), 3);
	CU_ASSERT_EQUAL(n_records, 6);
	conntrack_free(ct);
}

static void table_full(void)
{
	struct conntrack *ct = table("ct_full", 16);
	unsigned added = 0;
	struct ct_key k;

	for (uint16_t p = 1; p <= 40; p++) {
		unsigned side = conntrack_key(&k, IPPROTO_UDP, 0, 1, p, 1, 2, 53);

		if (conntrack_add(ct, &k, side, 0) != NULL)
			added++;
		else
			CU_ASSERT_EQUAL(errno, ENOSPC);
	}
	/* Extendable buckets: every one of the capacity fits, and no more. */
	CU_ASSERT_EQUAL(added, 16);
	CU_ASSERT_EQUAL(conntrack_count(ct), 16);
	CU_ASSERT(conntrack_memory(ct) > 16 * sizeof(struct ct_entry));
	conntrack_free(ct);
}

static void bad_conf(void)
{
	struct conntrack_conf conf = { .name = "ct_bad", .capacity = 1,
				       .sink = { .emit = collect }, .names = names };
	struct conntrack *ct;

	CU_ASSERT_EQUAL(conntrack_create(&conf, &ct), -EINVAL);
	conf.capacity = 64;
	conf.sink.emit = NULL;
	CU_ASSERT_EQUAL(conntrack_create(&conf, &ct), -EINVAL);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "both directions give one key", key_is_bidirectional },
		{ "protocol, zone and port make different keys", key_distinguishes },
		{ "a key's signature is the table's hash", signature_is_the_tables_hash },
		{ "records name the initiator as source", record_oriented_on_initiator },
		{ "sweep ends idle connections", sweep_timeouts },
		{ "sweep says fin after FIN both ways", sweep_fin },
		{ "sweep visits at most its budget", sweep_budget },
		{ "two half passes reach every connection", sweep_pass_covers_table },
		{ "a sparse table swept in odd steps", sweep_sparse_odd_steps },
		{ "sweep revokes what the new policy refuses", sweep_revokes },
		{ "rechecks go in batches", sweep_revokes_in_batches },
		{ "a full table refuses new connections", table_full },
		{ "bad configuration is refused", bad_conf },
		{ NULL, NULL },
	};
	int ret;

	if (test_eal_start("test_conntrack", 256, NULL) != 0)
		return 2;
	names = flowname_create();
	if (names == NULL)
		return 2;
	ret = test_run("conntrack", cases);
	flowname_free(names);
	test_eal_stop();
	return ret;
}
