#include <errno.h>
#include <stdlib.h>

#include "flowbuf.h"

#define CAPACITY_MAX (16u << 20)

struct flowbuf {
	size_t capacity, head, count;   /* head: the oldest record */
	struct flowbuf_drops drops;
	struct flowrec recs[];
};

int flowbuf_create(struct flowbuf **out, size_t capacity)
{
	struct flowbuf *fb;

	if (capacity == 0 || capacity > CAPACITY_MAX)
		return -EINVAL;
	fb = calloc(1, sizeof(*fb) + capacity * sizeof(fb->recs[0]));
	if (!fb)
		return -ENOMEM;
	fb->capacity = capacity;
	*out = fb;
	return 0;
}

void flowbuf_free(struct flowbuf *fb)
{
	free(fb);
}

int flowbuf_push(struct flowbuf *fb, const struct flowrec *r)
{
	if (fb->count == fb->capacity) {
		/* the newest record is the one dropped: what is queued keeps its order and
		 * the gap record covers one contiguous stretch of time */
		if (fb->drops.count++ == 0)
			fb->drops.first_ms = r->end_ms;
		fb->drops.last_ms = r->end_ms;
		return -ENOBUFS;
	}
	fb->recs[(fb->head + fb->count) % fb->capacity] = *r;
	fb->count++;
	return 0;
}

int flowbuf_drain(struct flowbuf *fb, int (*deliver)(void *ctx, const struct flowrec *r),
		  void *ctx)
{
	while (fb->count) {
		int rc = deliver(ctx, &fb->recs[fb->head]);
		if (rc)
			return rc;
		fb->head = (fb->head + 1) % fb->capacity;
		fb->count--;
	}
	fb->head = 0;
	return 0;
}

size_t flowbuf_count(const struct flowbuf *fb)
{
	return fb->count;
}

struct flowbuf_drops flowbuf_take_drops(struct flowbuf *fb)
{
	struct flowbuf_drops d = fb->drops;

	fb->drops = (struct flowbuf_drops){0};
	return d;
}
