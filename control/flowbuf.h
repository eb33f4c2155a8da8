/* A bounded FIFO of flow records for when they cannot be delivered (the dataplane while
 * the controller is down): keeps at most `capacity` records, counts the ones it had to
 * drop and when, so the loss is written to the flow log as a `gap` record later
 * (flowlog_gap) instead of passing silently. No locks: one thread pushes and drains. */
#ifndef BUNRI_FLOWBUF_H
#define BUNRI_FLOWBUF_H

#include <stddef.h>
#include <stdint.h>

#include "flowrec.h"

struct flowbuf;

struct flowbuf_drops {
	uint64_t count;       /* records dropped since the last flowbuf_take_drops */
	int64_t first_ms;     /* end time of the first and the last of them */
	int64_t last_ms;
};

/* 0 and a buffer for capacity records (1..16M), -EINVAL, -ENOMEM. */
int flowbuf_create(struct flowbuf **out, size_t capacity);
void flowbuf_free(struct flowbuf *fb);
/* Queues a copy of r: 0, or -ENOBUFS when full (the record is counted as dropped). */
int flowbuf_push(struct flowbuf *fb, const struct flowrec *r);
/* Hands the queued records, oldest first, to deliver() until it returns non-zero (that
 * record stays queued, the error is returned) or the queue is empty (0). */
int flowbuf_drain(struct flowbuf *fb, int (*deliver)(void *ctx, const struct flowrec *r),
		  void *ctx);
size_t flowbuf_count(const struct flowbuf *fb);
/* The drops so far, and resets them: report them once delivery works again. */
struct flowbuf_drops flowbuf_take_drops(struct flowbuf *fb);

#endif
