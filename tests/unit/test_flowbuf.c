/* The bounded record buffer for when the controller is away: order, the drop count
 * and its time span, and delivery that fails half-way. */
#include <errno.h>

#include "audit_fixture.h"
#include "flowbuf.h"
#include "runner.h"

#define T0 1775000000000LL

struct sink {
	uint64_t next_src;      /* the src of the record expected next */
	unsigned delivered, fail_after;
	bool in_order;
};

static int deliver(void *ctx, const struct flowrec *r)
{
	struct sink *s = ctx;

	if (s->delivered == s->fail_after)
		return -EPIPE;
	s->in_order &= r->src == s->next_src;
	s->next_src++;
	s->delivered++;
	return 0;
}

static void fills_drops_and_drains(void)
{
	struct flowbuf *fb;
	struct flowbuf_drops d;
	struct flowrec r;
	struct sink s = {.in_order = true, .fail_after = 1000000};

	CU_ASSERT_EQUAL_FATAL(flowbuf_create(&fb, 100), 0);
	for (unsigned i = 0; i < 130; i++) {
		fixture_record(i, T0 + i, &r);
		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), i < 100 ? 0 : -ENOBUFS);
	}
	CU_ASSERT_EQUAL(flowbuf_count(fb), 100);
	d = flowbuf_take_drops(fb);
	CU_ASSERT_EQUAL(d.count, 30);
	CU_ASSERT_EQUAL(d.first_ms, T0 + 100);
	CU_ASSERT_EQUAL(d.last_ms, T0 + 129);
	CU_ASSERT_EQUAL(flowbuf_take_drops(fb).count, 0);   /* taken once */

	fixture_record(0, T0, &r);
	s.next_src = r.src;
	CU_ASSERT_EQUAL(flowbuf_drain(fb, deliver, &s), 0);
	CU_ASSERT_EQUAL(s.delivered, 100);
	CU_ASSERT(s.in_order);
	CU_ASSERT_EQUAL(flowbuf_count(fb), 0);
	flowbuf_free(fb);
}

static void delivery_fails_half_way(void)
{
	struct flowbuf *fb;
	struct flowrec r;
	struct sink s = {.in_order = true, .fail_after = 10};

	CU_ASSERT_EQUAL_FATAL(flowbuf_create(&fb, 8), 0);
	/* wrap around the ring: push 6, drain 6, push 8 */
	for (unsigned i = 0; i < 6; i++) {
		fixture_record(i, T0 + i, &r);
		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), 0);
	}
	fixture_record(0, T0, &r);
	s.next_src = r.src;
	CU_ASSERT_EQUAL(flowbuf_drain(fb, deliver, &s), 0);
	for (unsigned i = 6; i < 14; i++) {
		fixture_record(i, T0 + i, &r);
		CU_ASSERT_EQUAL(flowbuf_push(fb, &r), 0);
	}
	CU_ASSERT_EQUAL(flowbuf_drain(fb, deliver, &s), -EPIPE);
	CU_ASSERT_EQUAL(s.delivered, 10);
	CU_ASSERT_EQUAL(flowbuf_count(fb), 4);               /* the rest stays queued */
	s.fail_after = 1000;
	CU_ASSERT_EQUAL(flowbuf_drain(fb, deliver, &s), 0);
	CU_ASSERT_EQUAL(s.delivered, 14);
	CU_ASSERT(s.in_order);
	CU_ASSERT_EQUAL(flowbuf_take_drops(fb).count, 0);
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
		{ "fills, drops and drains", fills_drops_and_drains },
		{ "delivery fails half-way", delivery_fails_half_way },
		{ "bad capacity", bad_capacity },
		{ NULL, NULL },
	};
	return test_run("flowbuf", cases);
}
