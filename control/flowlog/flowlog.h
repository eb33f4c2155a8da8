/* The flow-log writer: appends flow and deny records as hash-chained JSON lines to
 * segment files under <dir>/flows/ (format in segment.h), fsyncs them, rotates by size
 * and age, signs each closed segment (seal.h) and removes signed segments past their
 * retention. The controller owns one writer and feeds it what the dataplane streams.
 *
 * The calling thread formats and hashes records into a pool of buffers; disk threads
 * of the writer's own (flowlog_io.h) write them, fsync and sign, in order, so appends
 * wait only when every buffer is waiting for the disk. What the disk thread
 * fails at comes back from the next append that needs a buffer, tick or close.
 *
 * Not thread-safe: one thread appends and ticks (and is the only one the log callback
 * is called from). The writer never reads the clock: callers pass `now` (Unix ms), so
 * tests and replays control time. */
#ifndef BUNRI_FLOWLOG_H
#define BUNRI_FLOWLOG_H

#include <stdint.h>

#include "checkpoint.h"
#include "flowrec.h"
#include "seal.h"

/* The `logging` group of appliance.cfg, as plain values (0 means the default). */
struct flowlog_options {
	const char *dir;              /* logging.dir; segments go to <dir>/flows/ */
	uint64_t rotate_bytes;        /* close a segment at this size [64 MiB] */
	uint32_t rotate_seconds;      /* ... or when it is this old [3600] */
	uint32_t retention_days;      /* delete signed segments older than this [0: keep] */
	uint32_t fsync_ms;            /* fsync at least this often [1000] */
	/* Buffers of 128 KiB that may wait for the disk [64, at most 4096]: the records a
	 * failing disk can hold back before appends are refused. */
	uint32_t io_buffers;
	/* Public keys of earlier signing keys (seal_key_rotate()): seals they made are
	 * checked with them (retention, recovery). NULL: none. Not owned. */
	const struct seal_keyring *retired;
	/* Called for what an operator should know (recovery after a crash, a failing disk);
	 * NULL: silent. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* Called with each checkpoint of the log's head (checkpoint.h; the callee signs and
	 * keeps it: anchor.h) once the records it names are fsynced: at open, every
	 * checkpoint_ms [5000] while records flow, when a seal is written, at close. NULL:
	 * none. */
	void (*checkpoint)(void *ctx, const struct checkpoint *cp);
	void *checkpoint_ctx;
	uint32_t checkpoint_ms;
	/* The newest checkpoint kept outside the log (anchor_last()), NULL: none. A log that
	 * ends before it or contradicts its hash was cut: recovery sets the open segment
	 * aside as <name>.cut instead of signing it, and the chain goes on from the
	 * checkpoint with a `chain` record, reason "truncated", that counts what is gone. */
	const struct checkpoint *anchor;
};

struct flowlog_stats {
	uint64_t seq;            /* of the last record appended (0: none yet) */
	uint64_t synced_seq;     /* every record up to this one is on disk (fsynced); set
				  * by the disk thread, so it trails seq */
	uint64_t records;        /* appended by this writer */
	uint64_t segments;       /* segments this writer closed; the disk threads sign each
				  * once it is fsynced, in order (a failure: tick, close) */
	uint64_t errors;         /* records refused because the disk failed */
	uint64_t bytes;          /* written by this writer (handed to the kernel) */
};

struct flowlog;

/* Opens the log: continues the chain from the last segment (signing first every
 * segment a crash left open or unnamed; a torn last line stays where it is and is
 * never built upon) and writes a `chain` record saying so, or starts a new log with
 * one. key must be a private key; the writer does not own it. 0, -errno, -EBUSY when another writer has
 * the log open, -EBADMSG when the last segment's records cannot be chained from. */
int flowlog_open(struct flowlog **out, const struct flowlog_options *o, struct seal_key *key,
		 int64_t now_ms);
/* Appends one record: 0, -EINVAL for a record flowrec_format_json refuses, -errno when
 * the disk fails (every buffer waits for a failing disk and the retry this call starts
 * fails too): the record is not in the chain, and the writer itself logs a `gap` record
 * (reason "writer-disk-error") for every such record once the disk works again. Records
 * already in the chain are kept and written once the disk works. */
int flowlog_append(struct flowlog *fl, const struct flowrec *r);
/* Appends one record with extra fields after its own (`,"key":value...`, valid JSON
 * of the log's flat kind): 0, -EINVAL, or -errno when the disk fails. Unlike
 * flowlog_append, a record refused is not counted lost: the caller still holds it and
 * tries again. */
int flowlog_append_tagged(struct flowlog *fl, const struct flowrec *r, const char *extra);
/* Appends a record of the writer's kind ("gap", "run": type, times, reason, count and
 * extra fields as above): 0 or -errno, nothing counted lost. */
int flowlog_note(struct flowlog *fl, const char *type, int64_t from_ms, int64_t to_ms,
		 const char *reason, uint64_t count, const char *extra);
/* Queues what was appended and an fdatasync of it now, without waiting (between the
 * ticks' fsync_ms): 0 or -errno. */
int flowlog_sync(struct flowlog *fl);
/* Writes a `gap` record: `dropped` records between from_ms and to_ms never reached the
 * writer (the dataplane's buffer overflowed while the controller was down). */
int flowlog_gap(struct flowlog *fl, uint64_t dropped, int64_t from_ms, int64_t to_ms);
/* Call often (every 100-250 ms): queues an fsync when fsync_ms has passed (without
 * waiting for it), rotates an old segment, applies retention (which waits for the
 * disk), and retries what the disk thread failed at. 0, or -errno: the first error the
 * disk thread met since the last append, tick or close reported one (sticky until then:
 * a failed fsync or seal from an earlier tick comes back here). */
int flowlog_tick(struct flowlog *fl, int64_t now_ms);
/* Writes out, fsyncs and signs the open segment, waits for the disk thread to finish
 * all of it and stops it: 0, or -errno of what failed then (after one retry; records
 * not yet written are then lost, the next open recovers what is on disk) or of an error
 * the disk thread met that nothing reported yet. The log is closed and freed either
 * way. */
int flowlog_close(struct flowlog *fl, int64_t now_ms);
void flowlog_get_stats(const struct flowlog *fl, struct flowlog_stats *st);

#endif
