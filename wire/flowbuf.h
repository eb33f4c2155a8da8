/* The dataplane's records on their way to the flow log: numbers each record of a run
 * (seq from 1), keeps it until the controller acknowledges that it is fsynced in the
 * log, and hands it out for sending in order, again from the oldest unacknowledged one
 * after a resubscribe. Holding `capacity` records, it drops a new one and counts it
 * with its seq in a gap entry, as it counts records lost before they got here (a
 * worker's full ring): every seq of a run reaches the log once or inside a gap record
 * (flowlog_gap). No locks: one thread uses it. */
#ifndef BUNRI_FLOWBUF_H
#define BUNRI_FLOWBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowrec.h"

struct flowbuf;

/* What is to be sent next: one record, or (gap) seqs first..last lost, `ring` of them in
 * a worker's ring and `buffer` here, ending between from_ms and to_ms. A gap that grew
 * after it was sent comes back with its new seqs only. */
struct flowbuf_item {
	bool gap;
	uint64_t seq, last_seq;        /* a record: both its seq */
	uint64_t ring, buffer;
	int64_t from_ms, to_ms;
	const struct flowrec *r;       /* a record; valid until the next call that changes fb */
};

struct flowbuf_stats {
	uint64_t emitted;        /* seqs given: records kept and records lost */
	uint64_t lost_ring;      /* lost in a worker's full ring (in a gap entry) */
	uint64_t lost_buffer;    /* dropped here, the buffer full (in a gap entry) */
	uint64_t sent;           /* records sent, resends included */
	uint64_t resent;         /* records sent again (after a resubscribe) */
	uint64_t acked;          /* records acknowledged by the controller */
	uint64_t acked_seq;      /* every seq up to this one is in the log */
	size_t held;             /* records kept, not yet acknowledged */
	size_t unsent;           /* entries not yet sent */
};

/* 0 and a buffer for capacity records (1..16M), -EINVAL, -ENOMEM. */
int flowbuf_create(struct flowbuf **out, size_t capacity);
void flowbuf_free(struct flowbuf *fb);
/* Gives r the next seq and keeps a copy: 0, or -ENOBUFS when capacity records wait for
 * their acknowledgement (r is then counted, seq and time, in a gap entry). */
int flowbuf_push(struct flowbuf *fb, const struct flowrec *r);
/* n records were lost before they got here, at now_ms: they take the next seqs, in a
 * gap entry. */
void flowbuf_lost(struct flowbuf *fb, uint64_t n, int64_t now_ms);
/* The next entry to send: true and *it, false when everything was sent. */
bool flowbuf_peek(const struct flowbuf *fb, struct flowbuf_item *it);
/* The entry flowbuf_peek gave is sent. */
void flowbuf_sent(struct flowbuf *fb);
/* Every seq up to seq is in the log: frees what covers them (a gap in part). Returns
 * the records freed; a seq past the last given is taken as the last. */
size_t flowbuf_ack(struct flowbuf *fb, uint64_t seq);
/* A (new) subscriber has every seq up to seq (0: none): every entry after them is sent
 * again. Nothing is freed: only an acknowledgement says what is on disk. */
void flowbuf_rewind(struct flowbuf *fb, uint64_t seq);
/* The last seq given (0: none yet). */
uint64_t flowbuf_last_seq(const struct flowbuf *fb);
void flowbuf_get_stats(const struct flowbuf *fb, struct flowbuf_stats *st);

#endif
