/* The flow-log writer's disk thread: takes buffers of whole record lines from the
 * appending thread and, strictly in the order they were queued, creates segments,
 * writes the lines, fdatasyncs, and signs and closes finished segments, so that the
 * appending thread formats and hashes while the disk works.
 *
 * One thread (the writer's) calls these functions. A job that fails stays at the head
 * of the queue and nothing behind it runs, so the log on disk never holds a record
 * whose predecessor is missing; the thread retries it only when kicked (by a caller
 * that needs a buffer, by flowlog_io_error, by a drain). */
#ifndef BUNRI_FLOWLOG_IO_H
#define BUNRI_FLOWLOG_IO_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"

/* The pool holds FLOWLOG_IO_BUFS buffers of FLOWLOG_IO_BUF_SIZE bytes: what a failing
 * disk can leave hashed but unwritten is bounded by their sum, after which the writer
 * refuses records (and owes the log a gap record) instead of holding them. */
#define FLOWLOG_IO_BUFS 4
#define FLOWLOG_IO_BUF_SIZE (128u * 1024)

struct flowlog_io_buf {
	char *data;             /* FLOWLOG_IO_BUF_SIZE bytes */
	size_t len;             /* of whole lines */
	uint64_t last_seq;      /* seq of the last line in data */
};

/* What the disk thread has done so far. */
struct flowlog_io_stats {
	uint64_t synced_seq;    /* every record up to this one is fsynced */
	uint64_t segments;      /* signed and closed */
	uint64_t bytes;         /* written to segments */
};

struct flowlog_io;

/* Starts the thread; dir is the flows/ directory, key signs seals (not owned), records
 * up to synced_seq are already on disk. 0, -ENOMEM, -errno of pthread_*. */
int flowlog_io_start(struct flowlog_io **out, const char *dir, struct seal_key *key,
		     uint64_t synced_seq);
/* Drains the queue (kicking one retry when the disk fails), stops and joins the
 * thread, closes a segment left open (unsigned, for the next open to recover) and
 * frees io: 0, or -errno and what failed as flowlog_io_wait (what was still queued is
 * then lost). */
int flowlog_io_stop(struct flowlog_io *io, char *what, size_t what_len);

/* A free buffer (empty) into *buf, waiting while none is free: 0, or -errno when the
 * disk thread is failing and the retry this call kicks fails too (*buf untouched). */
int flowlog_io_get(struct flowlog_io *io, struct flowlog_io_buf **buf);
/* Queues: write buf to the open segment (buf goes back to the pool once written);
 * create <dir>/name (O_EXCL) and fsync dir, the segment later writes go to; fdatasync
 * the open segment; fdatasync, sign s (copied; s->bytes is filled in with what was
 * written) and close the open segment. Each waits only when the queue is full and
 * then returns like flowlog_io_get. */
int flowlog_io_write(struct flowlog_io *io, struct flowlog_io_buf *buf);
int flowlog_io_open(struct flowlog_io *io, const char *name);
int flowlog_io_sync(struct flowlog_io *io);
int flowlog_io_seal(struct flowlog_io *io, const struct seal *s);
/* Waits until every queued job is done: 0, or -errno and what failed, of the retry it
 * kicks as flowlog_io_get does, else of an error not reported yet (flowlog_io_error). */
int flowlog_io_wait(struct flowlog_io *io, char *what, size_t what_len);

/* The error the thread met that no call has reported yet (0: none) and, in what, the
 * step and segment it failed on ("sign flows-...jsonl"); clears it. When the head job
 * is failing, kicks a retry without waiting for it. */
int flowlog_io_error(struct flowlog_io *io, char *what, size_t what_len);
void flowlog_io_stats(struct flowlog_io *io, struct flowlog_io_stats *st);

#endif
