/* The dataplane's buffer of records until the controller acknowledges them: numbering,
 * sending in order, freeing only on acknowledgement, sending again after a
 * resubscribe, and losses (a full buffer, a full worker ring) as gap entries whose
 * seqs and counts add up, so every seq is sent as a record or inside a gap. */
#include <errno.h>
#include <stdlib.h>

#include "audit_fixture.h"
#include "flowbuf.h"
#include "runner.h"

#define T0 1775000000000LL

static struct flowrec rec(uint32_t src, int64_t end_ms)
{
	struct flowrec r;

	fixture_record(src, end_ms, &r);
	r.src = src;
	r.end_ms = end_ms;
	return r;
}

/* Takes everything flowbuf_peek gives: marks each seq seen (records: 1, gaps: 2) and
 * counts the records. */
static unsigned send_all(struct flowbuf *fb, uint8_t *seen, size_t cap, uint64_t *lost)
{
	struct flowbuf_item it;
	unsigned records = 0;

	while (flowbuf_peek(fb, &it)) {
		CU_ASSERT_FATAL(it.last_seq < cap && it.seq <= it.last_seq);
		if (it.gap) {
			CU_ASSERT_EQUAL(it.ring + it.buffer, it.last_seq - it.seq + 1);
			*lost += it.last_seq - it.seq + 1;
		} else {
			CU_ASSERT_EQUAL(it.r->src, (uint32_t)it.seq);   /* in order */
			records++;
		}
		for (uint64_t s = it.seq; s <= it.last_seq; s++)
			seen[s] += it.gap ? 2 : 1;
		flowbuf_sent(fb);
	}
	return records;
}

static void kept_until_acknowledged(void)
{
	struct flowbuf *fb;
	struct flowbuf_stats st;
	struct flowbuf_item it;
	uint8_t seen[64] = { 0 };
	uint64_t lost = 0;

	CU_ASSERT_EQUAL_FATAL(flowbuf_create(&fb, 16), 0);
	for (uint32_t i = 1; i <= 10; i++) {
		struct flowrec r = rec(i, T0 + i);

		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), 0);
	}
	CU_ASSERT_EQUAL(flowbuf_last_seq(fb), 10);
	CU_ASSERT_EQUAL(send_all(fb, seen, sizeof(seen), &lost), 10);
	CU_ASSERT_FALSE(flowbuf_peek(fb, &it));
	/* sent is not acknowledged: all ten are held */
	flowbuf_get_stats(fb, &st);
	CU_ASSERT_EQUAL(st.held, 10);
	CU_ASSERT_EQUAL(st.sent, 10);
	CU_ASSERT_EQUAL(flowbuf_ack(fb, 4), 4);
	CU_ASSERT_EQUAL(flowbuf_ack(fb, 3), 0);        /* an old ack frees nothing */
	/* the controller starts over after 6 (written, maybe not yet on disk): 7..10 come
	 * again, and 5 and 6 stay until acknowledged */
	flowbuf_rewind(fb, 6);
	CU_ASSERT_TRUE_FATAL(flowbuf_peek(fb, &it));
	CU_ASSERT_EQUAL(it.seq, 7);
	CU_ASSERT_EQUAL(send_all(fb, seen, sizeof(seen), &lost), 4);
	flowbuf_get_stats(fb, &st);
	CU_ASSERT_EQUAL(st.held, 6);
	CU_ASSERT_EQUAL(st.acked, 4);
	CU_ASSERT_EQUAL(st.acked_seq, 4);
	CU_ASSERT_EQUAL(st.resent, 4);
	CU_ASSERT_EQUAL(st.emitted, 10);
	/* a controller whose log lost 5 and 6 (it died before they were on disk) starts
	 * over after 4: they are still here */
	flowbuf_rewind(fb, 4);
	CU_ASSERT_EQUAL(send_all(fb, seen, sizeof(seen), &lost), 6);
	/* an ack past the last seq is taken as the last */
	CU_ASSERT_EQUAL(flowbuf_ack(fb, 1000), 6);
	flowbuf_get_stats(fb, &st);
	CU_ASSERT_EQUAL(st.held, 0);
	CU_ASSERT_EQUAL(st.acked_seq, 10);
	flowbuf_free(fb);
}

/* A controller that never acknowledges: the buffer fills, later records are counted in
 * one gap whose range follows the kept ones; ring losses join it. Once acknowledged,
 * records are kept again, and every seq was sent exactly once as record or gap. */
static void full_buffer_and_ring_losses_are_gaps(void)
{
	struct flowbuf *fb;
	struct flowbuf_stats st;
	struct flowbuf_item it;
	uint8_t seen[256] = { 0 };
	uint64_t lost = 0;
	uint32_t src = 1;
	unsigned records;

	CU_ASSERT_EQUAL_FATAL(flowbuf_create(&fb, 8), 0);
	for (int i = 0; i < 12; i++, src++) {
		struct flowrec r = rec(src, T0 + src);

		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), i < 8 ? 0 : -ENOBUFS);
	}
	flowbuf_lost(fb, 3, T0 + 100);                 /* 13..15: a worker's ring */
	src += 3;
	records = send_all(fb, seen, sizeof(seen), &lost);
	CU_ASSERT_EQUAL(records, 8);
	CU_ASSERT_EQUAL(lost, 7);
	/* the gap grows after it was sent: only its new seqs come */
	{
		struct flowrec r = rec(src++, T0 + 200);

		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), -ENOBUFS);
	}
	CU_ASSERT_TRUE_FATAL(flowbuf_peek(fb, &it));
	CU_ASSERT_TRUE(it.gap);
	CU_ASSERT_EQUAL(it.seq, 16);
	CU_ASSERT_EQUAL(it.last_seq, 16);
	CU_ASSERT_EQUAL(it.buffer, 1);
	CU_ASSERT_EQUAL(it.to_ms, T0 + 200);
	send_all(fb, seen, sizeof(seen), &lost);
	/* acknowledged through 10 (8 records and part of the gap): room again */
	CU_ASSERT_EQUAL(flowbuf_ack(fb, 10), 8);
	for (int i = 0; i < 5; i++, src++) {
		struct flowrec r = rec(src, T0 + 300);

		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), 0);
	}
	records = send_all(fb, seen, sizeof(seen), &lost);
	CU_ASSERT_EQUAL(records, 5);
	for (uint32_t s = 1; s < src; s++)
		CU_ASSERT_EQUAL(seen[s], s <= 8 || s > 16 ? 1 : 2);
	flowbuf_get_stats(fb, &st);
	CU_ASSERT_EQUAL(st.emitted, src - 1);
	CU_ASSERT_EQUAL(st.lost_ring, 3);
	CU_ASSERT_EQUAL(st.lost_buffer, 5);
	CU_ASSERT_EQUAL(st.emitted, st.acked + st.held + st.lost_ring + st.lost_buffer);
	/* a resubscribe after 12 sends the rest of the gap (13..16), then the 5 records */
	flowbuf_rewind(fb, 12);
	CU_ASSERT_TRUE_FATAL(flowbuf_peek(fb, &it));
	CU_ASSERT_TRUE(it.gap);
	CU_ASSERT_EQUAL(it.seq, 13);
	CU_ASSERT_EQUAL(it.last_seq, 16);
	CU_ASSERT_EQUAL(it.ring + it.buffer, 4);
	flowbuf_free(fb);
}

/* Many rounds of a slow controller: losses and records alternate, and the buffer never
 * runs out of room for the gaps between them. */
static void alternating_losses_fit(void)
{
	struct flowbuf *fb;
	struct flowbuf_stats st;
	uint8_t *seen = calloc(40000, 1);
	uint64_t lost = 0, sent = 0;
	uint32_t src = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	CU_ASSERT_EQUAL_FATAL(flowbuf_create(&fb, 4), 0);
	for (int round = 0; round < 3000; round++) {
		for (int i = 0; i < 6; i++, src++) {
			struct flowrec r = rec(src, T0 + round);

			(void)flowbuf_push(fb, &r);
			if (i == 2)
				flowbuf_lost(fb, 1, T0 + round);
			if (i == 2)
				src++;
		}
		sent += send_all(fb, seen, 40000, &lost);
		(void)flowbuf_ack(fb, flowbuf_last_seq(fb) - 3);
	}
	flowbuf_get_stats(fb, &st);
	CU_ASSERT_EQUAL(st.emitted, src - 1);
	CU_ASSERT_EQUAL(sent + lost, src - 1);
	for (uint32_t s = 1; s < src; s++)
		CU_ASSERT_FATAL(seen[s] == 1 || seen[s] == 2);
	free(seen);
	flowbuf_free(fb);
}

static void bad_capacity(void)
{
	struct flowbuf *fb;

	CU_ASSERT_EQUAL(flowbuf_create(&fb, 0), -EINVAL);
	CU_ASSERT_EQUAL(flowbuf_create(&fb, (size_t)1 << 40), -EINVAL);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "kept until acknowledged, sent again after a resubscribe",
		  kept_until_acknowledged },
		{ "a full buffer and ring losses are gaps", full_buffer_and_ring_losses_are_gaps },
		{ "alternating losses fit", alternating_losses_fit },
		{ "bad capacity", bad_capacity },
		{ NULL, NULL },
	};
	return test_run("flowbuf", cases);
}
