/* The flow-log writer's disk threads: take buffers of whole record lines from the
 * appending thread and, strictly in the order they were queued, create segments,
 * write the lines, fdatasync, and sign and close finished segments, so that the
 * appending thread formats and hashes while the disk works. One thread writes; it
 * hands what waits on the disk (fdatasync, signing) to a second one, the syncer
 * (flowlog_sync.h), and goes on writing, into the next segment after a rotation.
 *
 * A new segment is created as <name>.pending and the syncer gives it its name once the
 * segment before it is signed: a reader of flows/ never meets an unsigned segment
 * before a newer one, nor a record fsynced in a file it cannot see.
 *
 * One thread (the writer's) calls these functions. A job that fails stays at the head
 * of its thread's queue and nothing behind it runs, so the log on disk never holds a
 * record whose predecessor is missing, nor a seal of a segment whose predecessor is
 * unsigned; the thread retries it only when kicked (by a caller that needs a buffer,
 * by flowlog_io_error, by a drain). */
#ifndef BUNRI_FLOWLOG_IO_H
#define BUNRI_FLOWLOG_IO_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"

/* The pool holds buffers of FLOWLOG_IO_BUF_SIZE bytes (FLOWLOG_IO_BUFS unless told):
 * what a failing disk can leave hashed but unwritten is bounded by their sum, after
 * which the writer refuses records (and owes the log a gap record) instead of holding
 * them. 64 lets the appending thread run ~15 ms ahead of a busy disk. */
#define FLOWLOG_IO_BUFS 64
#define FLOWLOG_IO_BUFS_MAX 4096
#define FLOWLOG_IO_BUF_SIZE (128u * 1024)

struct flowlog_io_buf {
	char *data;             /* FLOWLOG_IO_BUF_SIZE bytes */
	size_t len;             /* of whole lines */
	uint64_t last_seq;      /* seq of the last line in data */
};

/* What the disk thread has done so far. */
struct flowlog_io_stats {
	uint64_t synced_seq;    /* every record up to this one is fsynced, under its name */
	uint64_t segments;      /* signed and closed */
	uint64_t bytes;         /* written to segments */
};

struct flowlog_io;

/* Starts the threads; dir is the flows/ directory, key signs seals (not owned), records
 * up to synced_seq are already on disk, nbufs buffers (0: FLOWLOG_IO_BUFS). 0, -EINVAL
 * (nbufs > FLOWLOG_IO_BUFS_MAX), -ENOMEM, -errno of pthread_*. */
int flowlog_io_start(struct flowlog_io **out, const char *dir, struct seal_key *key,
		     uint64_t synced_seq, unsigned nbufs);
/* Drains the queues (kicking one retry when the disk fails), stops and joins the
 * threads, closes segments left open (unsigned, maybe still .pending, for the next
 * open to recover) and frees io: 0, or -errno and what failed as flowlog_io_wait (what
 * was still queued is then lost). */
int flowlog_io_stop(struct flowlog_io *io, char *what, size_t what_len);

/* A free buffer (empty) into *buf, waiting while none is free: 0, or -errno when the
 * disk thread is failing and the retry this call kicks fails too (*buf untouched). */
int flowlog_io_get(struct flowlog_io *io, struct flowlog_io_buf **buf);
/* Queues: write buf to the open segment (buf goes back to the pool once written);
 * create <dir>/name.pending (O_EXCL), the segment later writes go to, and have the
 * syncer rename it to name (never replacing a file) and fsync dir once every segment
 * before it is signed; fdatasync the open segment; fdatasync, sign s (copied; s->bytes
 * is filled in with what was written) and close the open segment. Each waits only
 * when the queue is full and then returns like flowlog_io_get. */
int flowlog_io_write(struct flowlog_io *io, struct flowlog_io_buf *buf);
int flowlog_io_open(struct flowlog_io *io, const char *name);
int flowlog_io_sync(struct flowlog_io *io);
int flowlog_io_seal(struct flowlog_io *io, const struct seal *s);
/* Waits until every queued job is done (by both threads): 0, or -errno and what failed, of the retry it
 * kicks as flowlog_io_get does, else of an error not reported yet (flowlog_io_error). */
int flowlog_io_wait(struct flowlog_io *io, char *what, size_t what_len);

/* The error the threads met that no call has reported yet (0: none) and, in what, the
 * step and segment it failed on ("sign flows-...jsonl"); clears it. When a head job is
 * failing, kicks a retry without waiting for it. */
int flowlog_io_error(struct flowlog_io *io, char *what, size_t what_len);
void flowlog_io_stats(struct flowlog_io *io, struct flowlog_io_stats *st);

#endif
