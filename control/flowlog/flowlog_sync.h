/* The flow-log writer's syncer, the second thread of flowlog_io: takes from the disk
 * thread, strictly in order, the jobs that wait on the disk (fdatasync a segment;
 * fdatasync, sign and close a finished one; give a new segment its name once the one
 * before it is signed), so the disk thread goes on writing meanwhile. A failed job
 * stays at the head and nothing behind it runs: no segment is signed or named before
 * the one it follows is signed.
 *
 * Internal to flowlog_io: this is the state the two threads share. */
#ifndef BUNRI_FLOWLOG_SYNC_H
#define BUNRI_FLOWLOG_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "flowlog_io.h"

/* At most this many jobs wait for the syncer; the disk thread waits for room. */
#define SYNC_JOBS 64

enum job_type { JOB_WRITE, JOB_OPEN, JOB_SYNC, JOB_SEAL };

/* A job of the disk thread. */
struct job {
	enum job_type type;
	struct flowlog_io_buf *buf;     /* JOB_WRITE */
	struct seal seal;               /* JOB_SEAL; JOB_OPEN: seal.segment names the file */
};

enum sync_type { SYNC_DATA, SYNC_SEAL, SYNC_NAME };

/* A job of the syncer. */
struct sync_job {
	enum sync_type type;
	int fd;                 /* DATA (-1: nothing to fdatasync), SEAL: owned until done */
	uint64_t seq;           /* DATA: the records it covers were written before it */
	bool renamed;           /* NAME: done but the directory's fsync (retried alone) */
	struct seal seal;       /* SEAL; DATA, NAME: seal.segment names the segment */
};

struct flowlog_io {
	pthread_mutex_t lock;
	pthread_cond_t work;            /* to the disk thread: a job queued, the syncer's room
					 * or its failure cleared, a kick, stop */
	pthread_cond_t swork;           /* to the syncer: a job queued, a kick, stop */
	pthread_cond_t done;            /* to the writer: a job done or failed */
	pthread_t thread, syncer;

	/* under lock */
	struct job *jobs;               /* ring of njobs: the head job runs (or failed) first */
	unsigned njobs, head, count;
	struct sync_job sjobs[SYNC_JOBS];   /* the syncer's ring */
	unsigned shead, scount;
	struct flowlog_io_buf **free;
	unsigned nfree, nbufs;
	bool failing, sfailing;         /* a head job failed; retried when kicked */
	bool kick, skick, stop;
	bool running;                   /* the disk thread runs its head job */
	unsigned unnamed;               /* segments created .pending, not named yet */
	uint64_t retries;               /* kicked attempts finished (by either thread) */
	int retry_rc;                   /* the first failure among them since reset */
	int unreported;                 /* an error no call has returned yet */
	char what[SEGMENT_NAME_MAX + 16];
	struct flowlog_io_stats st;

	/* read-only once started */
	char dir[4096];
	struct seal_key *key;

	/* the disk thread's own (the writer's before the start and after the join) */
	int fd;                         /* open segment, -1 when none */
	char segment[SEGMENT_NAME_MAX];
	uint64_t seg_written;           /* bytes of the open segment written */
	uint64_t written_seq;           /* last record written */
	uint64_t sync_seq;              /* last record a queued DATA covers */
	bool torn;                      /* a failed write may have left bytes past seg_written */

	struct flowlog_io_buf *bufs;
	char *mem;                      /* the buffers' data */
};

/* These fail only on a mutex or condition variable that is not one (memory corruption,
 * a bug); carrying on could fork the chain, so stop the process. */
static inline void io_lock(struct flowlog_io *io)
{
	if (pthread_mutex_lock(&io->lock))
		abort();
}

static inline void io_unlock(struct flowlog_io *io)
{
	if (pthread_mutex_unlock(&io->lock))
		abort();
}

static inline void io_wait(struct flowlog_io *io, pthread_cond_t *c)
{
	if (pthread_cond_wait(c, &io->lock))
		abort();
}

static inline void io_wake(pthread_cond_t *c)
{
	if (pthread_cond_broadcast(c))
		abort();
}

/* The syncer's loop (pthread_create's start routine); returns at io->stop. */
void *flowlog_sync_thread(void *arg);
/* Under lock, by the disk thread when io->scount < SYNC_JOBS: queues j. */
void flowlog_sync_push(struct flowlog_io *io, const struct sync_job *j);
/* After both threads are joined: closes the fds queued jobs still own. */
void flowlog_sync_drop(struct flowlog_io *io);

#endif
