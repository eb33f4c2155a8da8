#include <errno.h>
#include <stdlib.h>

#include "flowbuf.h"

#define CAPACITY_MAX (16u << 20)

struct entry {
	uint64_t seq, last_seq;         /* a record: both its seq */
	bool gap;
	uint64_t ring, buffer;          /* a gap's counts */
	int64_t from_ms, to_ms;
	uint64_t sent_last;             /* a gap: sent through this seq (seq - 1: not yet) */
	uint64_t sent_ring, sent_buffer;
	struct flowrec r;
};

/* Entries sit in a ring of slots, oldest (head) first. A loss extends the newest entry
 * when it is a gap, so no two gaps are neighbours: with at most `capacity` records,
 * 2 * capacity + 1 slots always suffice. */
struct flowbuf {
	size_t capacity, slots;
	size_t head, count;             /* entries held */
	size_t cursor;                  /* entries from head already sent */
	uint64_t next_seq;
	uint64_t max_sent;              /* highest record seq ever sent */
	struct flowbuf_stats st;
	struct entry e[];
};

int flowbuf_create(struct flowbuf **out, size_t capacity)
{
	struct flowbuf *fb;

	if (capacity == 0 || capacity > CAPACITY_MAX)
		return -EINVAL;
	fb = calloc(1, sizeof(*fb) + (2 * capacity + 1) * sizeof(fb->e[0]));
	if (!fb)
		return -ENOMEM;
	fb->capacity = capacity;
	fb->slots = 2 * capacity + 1;
	fb->next_seq = 1;
	*out = fb;
	return 0;
}

void flowbuf_free(struct flowbuf *fb)
{
	free(fb);
}

static struct entry *at(const struct flowbuf *fb, size_t i)
{
	return (struct entry *)&fb->e[(fb->head + i) % fb->slots];
}

static struct entry *append(struct flowbuf *fb)
{
	struct entry *e = at(fb, fb->count);

	fb->count++;
	return e;
}

/* Counts n lost records, at time ms, into the newest entry when it is a gap, else a
 * new one. A gap already sent is sent again with its new seqs only. */
static void lose(struct flowbuf *fb, uint64_t n, bool ring, int64_t from_ms, int64_t to_ms)
{
	struct entry *e = fb->count ? at(fb, fb->count - 1) : NULL;

	if (!e || !e->gap) {
		e = append(fb);
		*e = (struct entry){ .seq = fb->next_seq, .last_seq = fb->next_seq - 1, .gap = true,
				     .from_ms = from_ms, .to_ms = to_ms,
				     .sent_last = fb->next_seq - 1 };
	} else if (fb->cursor == fb->count) {
		fb->cursor--;
	}
	e->last_seq += n;
	if (ring)
		e->ring += n;
	else
		e->buffer += n;
	if (from_ms < e->from_ms)
		e->from_ms = from_ms;
	if (to_ms > e->to_ms)
		e->to_ms = to_ms;
	fb->next_seq += n;
	fb->st.emitted += n;
	if (ring)
		fb->st.lost_ring += n;
	else
		fb->st.lost_buffer += n;
}

int flowbuf_push(struct flowbuf *fb, const struct flowrec *r)
{
	struct entry *e;

	if (fb->st.held == fb->capacity) {
		lose(fb, 1, false, r->end_ms, r->end_ms);
		return -ENOBUFS;
	}
	e = append(fb);
	e->seq = e->last_seq = fb->next_seq++;
	e->gap = false;
	e->r = *r;
	fb->st.held++;
	fb->st.emitted++;
	return 0;
}

void flowbuf_lost(struct flowbuf *fb, uint64_t n, int64_t now_ms)
{
	if (n)
		lose(fb, n, true, now_ms, now_ms);
}

bool flowbuf_peek(const struct flowbuf *fb, struct flowbuf_item *it)
{
	const struct entry *e;

	if (fb->cursor == fb->count)
		return false;
	e = at(fb, fb->cursor);
	*it = (struct flowbuf_item){ .gap = e->gap, .seq = e->seq, .last_seq = e->last_seq,
				     .from_ms = e->from_ms, .to_ms = e->to_ms, .r = &e->r };
	if (e->gap) {
		it->r = NULL;
		it->seq = e->sent_last + 1;
		it->ring = e->ring - e->sent_ring;
		it->buffer = e->buffer - e->sent_buffer;
	}
	return true;
}

void flowbuf_sent(struct flowbuf *fb)
{
	struct entry *e;

	if (fb->cursor == fb->count)
		return;
	e = at(fb, fb->cursor++);
	if (e->gap) {
		e->sent_last = e->last_seq;
		e->sent_ring = e->ring;
		e->sent_buffer = e->buffer;
		return;
	}
	fb->st.sent++;
	if (e->seq <= fb->max_sent)
		fb->st.resent++;
	else
		fb->max_sent = e->seq;
}

/* Takes the first n seqs off a gap: which of them were lost where is not known, so the
 * ring's count goes first (the total stays exact). */
static void trim_gap(struct entry *e, uint64_t n)
{
	uint64_t r = n < e->ring ? n : e->ring;

	e->ring -= r;
	e->buffer -= n - r;
	e->seq += n;
	if (e->sent_last < e->seq) {
		e->sent_last = e->seq - 1;
		e->sent_ring = e->sent_buffer = 0;
	} else {
		r = r < e->sent_ring ? r : e->sent_ring;
		e->sent_ring -= r;
		e->sent_buffer -= (n - r) < e->sent_buffer ? n - r : e->sent_buffer;
	}
}

size_t flowbuf_ack(struct flowbuf *fb, uint64_t seq)
{
	size_t freed = 0;

	if (seq >= fb->next_seq)
		seq = fb->next_seq - 1;
	if (seq <= fb->st.acked_seq)
		return 0;
	fb->st.acked_seq = seq;
	while (fb->count) {
		struct entry *e = at(fb, 0);

		if (e->last_seq > seq) {
			if (e->gap && e->seq <= seq)
				trim_gap(e, seq - e->seq + 1);
			break;
		}
		if (!e->gap) {
			freed++;
			fb->st.held--;
		}
		fb->head = (fb->head + 1) % fb->slots;
		fb->count--;
		if (fb->cursor)
			fb->cursor--;
	}
	fb->st.acked += freed;
	return freed;
}

/* Marks what covers seqs up to seq as sent (it stays until acknowledged) and every
 * entry after it to be sent again; a gap split by seq is sent from seq + 1. */
void flowbuf_rewind(struct flowbuf *fb, uint64_t seq)
{
	fb->cursor = 0;
	for (size_t i = 0; i < fb->count; i++) {
		struct entry *e = at(fb, i);
		uint64_t cut, r;

		if (e->last_seq <= seq) {
			fb->cursor = i + 1;
			e->sent_last = e->last_seq;
			e->sent_ring = e->ring;
			e->sent_buffer = e->buffer;
			continue;
		}
		if (!e->gap)
			continue;
		/* which of a gap's seqs were lost where is not known: the ring's go first */
		cut = e->seq <= seq ? seq - e->seq + 1 : 0;
		r = cut < e->ring ? cut : e->ring;
		e->sent_last = e->seq - 1 + cut;
		e->sent_ring = r;
		e->sent_buffer = cut - r;
	}
}

uint64_t flowbuf_last_seq(const struct flowbuf *fb)
{
	return fb->next_seq - 1;
}

void flowbuf_get_stats(const struct flowbuf *fb, struct flowbuf_stats *st)
{
	*st = fb->st;
	st->unsent = fb->count - fb->cursor;
}
