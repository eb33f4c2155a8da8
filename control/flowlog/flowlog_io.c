#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowlog_sync.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int run_write(struct flowlog_io *io, const struct flowlog_io_buf *b)
{
	int rc;

	if (io->fd < 0)
		return -EBADF;
	/* never write after a torn line: what a failed write left must go first */
	if (io->torn && ftruncate(io->fd, (off_t)io->seg_written))
		return -errno;
	io->torn = false;
	rc = write_all(io->fd, b->data, b->len);
	if (rc) {
		/* a partial write leaves a torn line; cut it off (O_APPEND: the retry then
		 * writes the whole buffer in its place) */
		io->torn = ftruncate(io->fd, (off_t)io->seg_written) != 0;
		return rc;
	}
	/* start writeback now, so the fsync each second and at rotation has little left to
	 * wait for; only a hint, its failure changes nothing */
	(void)sync_file_range(io->fd, (off64_t)io->seg_written, (off64_t)b->len,
			      SYNC_FILE_RANGE_WRITE);
	io->seg_written += b->len;
	io->written_seq = b->last_seq;
	return 0;
}

/* Creates the segment as <name>.pending; the syncer names it once the segment before
 * it is signed. */
static int run_open(struct flowlog_io *io, const char *name, struct sync_job *sj)
{
	char path[4096 + SEGMENT_NAME_MAX + 16];

	if (io->fd >= 0)
		return -EBUSY;
	snprintf(io->segment, sizeof(io->segment), "%s", name);
	snprintf(path, sizeof(path), "%s/%s%s", io->dir, name, SEGMENT_PENDING_SUFFIX);
	io->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (io->fd < 0)
		return -errno;
	io->seg_written = 0;
	io->torn = false;
	sj->type = SYNC_NAME;
	snprintf(sj->seal.segment, sizeof(sj->seal.segment), "%s", name);
	return 0;
}

/* 1: sj covers what was written since the last one; 0: nothing to hand over. */
static int run_sync(struct flowlog_io *io, struct sync_job *sj)
{
	if (io->sync_seq == io->written_seq)
		return 0;
	sj->type = SYNC_DATA;
	sj->fd = io->fd;
	sj->seq = io->sync_seq = io->written_seq;
	snprintf(sj->seal.segment, sizeof(sj->seal.segment), "%s", io->segment);
	return 1;
}

/* The syncer fdatasyncs, signs and closes the segment; the next one can start now. */
static int run_seal(struct flowlog_io *io, const struct seal *s, struct sync_job *sj)
{
	if (io->fd < 0)
		return -EBADF;
	sj->type = SYNC_SEAL;
	sj->fd = io->fd;
	sj->seal = *s;
	sj->seal.bytes = io->seg_written;
	io->sync_seq = io->written_seq;
	io->fd = -1;
	return 1;
}

/* 0, 1 when sj is to be handed to the syncer, or -errno. */
static int run(struct flowlog_io *io, struct job *j, const char **step, struct sync_job *sj)
{
	int rc;

	switch (j->type) {
	case JOB_WRITE:
		*step = "write";
		return run_write(io, j->buf);
	case JOB_OPEN:
		*step = "create";
		rc = run_open(io, j->seal.segment, sj);
		return rc ? rc : 1;
	case JOB_SYNC:
		*step = "fsync";
		return run_sync(io, sj);
	case JOB_SEAL:
		*step = "fsync";
		return run_seal(io, &j->seal, sj);
	}
	return -EINVAL;
}

/* Under lock, once j is done: what it changed that the writer may read. */
static void finish(struct flowlog_io *io, const struct job *j)
{
	if (j->type == JOB_WRITE) {
		io->st.bytes += j->buf->len;
		j->buf->len = 0;
		io->free[io->nfree++] = j->buf;
	}
	io->head = (io->head + 1) % io->njobs;
	io->count--;
}

/* Under lock: the head job can run now. One that hands over waits for room in the
 * syncer's queue (only this thread adds to it, so the room is still there after
 * running), and while the syncer fails: writing goes no further than the next fsync
 * or rotation when the disk cannot make records durable. */
static bool runnable(const struct flowlog_io *io)
{
	if (io->count == 0 || (io->failing && !io->kick))
		return false;
	/* One segment at most waits for its name: a crash then sets aside no more than
	 * one segment of records that were never reported on disk. */
	if (io->jobs[io->head].type == JOB_OPEN && io->unnamed > 0)
		return false;
	return io->jobs[io->head].type == JOB_WRITE || (io->scount < SYNC_JOBS && !io->sfailing);
}

static void *disk_thread(void *arg)
{
	struct flowlog_io *io = arg;
	struct sync_job sj;
	const char *step = "";
	bool kicked;
	struct job j;
	int rc;

	io_lock(io);
	for (;;) {
		while (!io->stop && !runnable(io))
			io_wait(io, &io->work);
		if (io->stop)
			break;
		kicked = io->kick;
		io->kick = io->failing = false;
		j = io->jobs[io->head];
		io->running = true;
		io_unlock(io);
		memset(&sj, 0, sizeof(sj));
		sj.fd = -1;
		rc = run(io, &j, &step, &sj);
		io_lock(io);
		io->running = false;
		if (kicked) {
			io->retries++;
			if (rc < 0 && !io->retry_rc)
				io->retry_rc = rc;
		}
		if (rc < 0) {
			io->failing = true;
			io->unreported = rc;
			snprintf(io->what, sizeof(io->what), "%s %s", step,
				 j.type == JOB_OPEN ? j.seal.segment : io->segment);
		} else {
			if (rc > 0 && sj.type == SYNC_NAME)
				io->unnamed++;
			if (rc > 0)
				flowlog_sync_push(io, &sj);
			finish(io, &j);
		}
		io_wake(&io->done);
	}
	io_unlock(io);
	return NULL;
}

static bool has_buf(const struct flowlog_io *io)
{
	return io->nfree > 0;
}

static bool has_room(const struct flowlog_io *io)
{
	return io->count < io->njobs;
}

static bool idle(const struct flowlog_io *io)
{
	return io->count == 0 && io->scount == 0;
}

/* Under lock: kicks a retry of each thread's failing head job, without waiting. */
static void kick(struct flowlog_io *io)
{
	if (io->failing)
		io->kick = true;
	if (io->sfailing)
		io->skick = true;
	if (io->kick)
		io_wake(&io->work);
	if (io->skick)
		io_wake(&io->swork);
}

/* Under lock: waits until ready(io). While a failing head job holds everything up (the
 * disk thread's, or the syncer's once the disk thread cannot go on), kicks a retry
 * and waits for its result: -errno when it fails. */
static int wait_until(struct flowlog_io *io, bool (*ready)(const struct flowlog_io *))
{
	while (!ready(io)) {
		if (io->failing || (io->sfailing && !io->running && !runnable(io))) {
			uint64_t n = io->retries;
			io->retry_rc = 0;
			kick(io);
			/* each kicked attempt, this one's or an earlier one's, ends in retries */
			n += (uint64_t)io->kick + (uint64_t)io->skick;
			while (io->retries < n)
				io_wait(io, &io->done);
			if (io->retry_rc)
				return io->retry_rc;
		} else {
			io_wait(io, &io->done);
		}
	}
	return 0;
}

/* Under lock: rc, or else the error not reported yet, and what failed; either way the
 * caller reports it now. */
static int report(struct flowlog_io *io, int rc, char *what, size_t what_len)
{
	if (!rc)
		rc = io->unreported;
	io->unreported = 0;
	if (rc && what)
		snprintf(what, what_len, "%s", io->what);
	return rc;
}

static int push(struct flowlog_io *io, const struct job *j)
{
	int rc;

	io_lock(io);
	rc = wait_until(io, has_room);
	if (rc) {
		rc = report(io, rc, NULL, 0);
	} else {
		io->jobs[(io->head + io->count) % io->njobs] = *j;
		io->count++;
		io_wake(&io->work);
	}
	io_unlock(io);
	return rc;
}

int flowlog_io_get(struct flowlog_io *io, struct flowlog_io_buf **buf)
{
	int rc;

	io_lock(io);
	rc = wait_until(io, has_buf);
	if (rc)
		rc = report(io, rc, NULL, 0);
	else
		*buf = io->free[--io->nfree];
	io_unlock(io);
	return rc;
}

int flowlog_io_write(struct flowlog_io *io, struct flowlog_io_buf *buf)
{
	struct job j = {.type = JOB_WRITE, .buf = buf};

	return push(io, &j);
}

int flowlog_io_open(struct flowlog_io *io, const char *name)
{
	struct job j = {.type = JOB_OPEN};

	snprintf(j.seal.segment, sizeof(j.seal.segment), "%s", name);
	return push(io, &j);
}

int flowlog_io_sync(struct flowlog_io *io)
{
	struct job j = {.type = JOB_SYNC};
	enum job_type last = JOB_WRITE;

	io_lock(io);
	if (io->count)
		last = io->jobs[(io->head + io->count - 1) % io->njobs].type;
	io_unlock(io);
	/* a sync or a seal last in the queue already covers everything before it */
	if (last == JOB_SYNC || last == JOB_SEAL)
		return 0;
	return push(io, &j);
}

int flowlog_io_seal(struct flowlog_io *io, const struct seal *s)
{
	struct job j = {.type = JOB_SEAL, .seal = *s};

	return push(io, &j);
}

int flowlog_io_wait(struct flowlog_io *io, char *what, size_t what_len)
{
	int rc;

	io_lock(io);
	rc = report(io, wait_until(io, idle), what, what_len);
	io_unlock(io);
	return rc;
}

int flowlog_io_error(struct flowlog_io *io, char *what, size_t what_len)
{
	int rc;

	io_lock(io);
	rc = report(io, 0, what, what_len);
	kick(io);
	io_unlock(io);
	return rc;
}

void flowlog_io_stats(struct flowlog_io *io, struct flowlog_io_stats *st)
{
	io_lock(io);
	*st = io->st;
	io_unlock(io);
}

/* Stops the threads and joins t: 0 or -errno of pthread_join. */
static int stop_join(struct flowlog_io *io, pthread_t *t)
{
	io_lock(io);
	io->stop = true;
	io_wake(&io->work);
	io_wake(&io->swork);
	io_unlock(io);
	return -pthread_join(*t, NULL);
}

/* The threads take no signals: they stay with the threads the caller set them up for. */
static int start_thread(struct flowlog_io *io)
{
	sigset_t all, old;
	int rc, rc2;

	if (sigfillset(&all))
		return -errno;
	rc = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc)
		return -rc;
	rc = pthread_create(&io->thread, NULL, disk_thread, io);
	if (!rc) {
		rc = pthread_create(&io->syncer, NULL, flowlog_sync_thread, io);
		if (rc)
			stop_join(io, &io->thread);
	}
	rc2 = pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	if (rc2)
		abort();     /* the caller's own mask could not be put back */
	return 0;
}

/* The buffers, the free list and the job ring: 0, -EINVAL (too many), -ENOMEM (the
 * caller frees). */
static int alloc_pool(struct flowlog_io *io, unsigned nbufs)
{
	if (nbufs > FLOWLOG_IO_BUFS_MAX)
		return -EINVAL;
	io->nbufs = nbufs ? nbufs : FLOWLOG_IO_BUFS;
	/* more than the ring can ever hold: each queued segment (create, writes, seal)
	 * holds at least one buffer, and a sync is never queued twice in a row */
	io->njobs = 4 * io->nbufs + 8;
	io->mem = malloc((size_t)io->nbufs * FLOWLOG_IO_BUF_SIZE);
	io->bufs = calloc(io->nbufs, sizeof(*io->bufs));
	io->free = calloc(io->nbufs, sizeof(*io->free));
	io->jobs = calloc(io->njobs, sizeof(*io->jobs));
	if (!io->mem || !io->bufs || !io->free || !io->jobs)
		return -ENOMEM;
	for (unsigned i = 0; i < io->nbufs; i++) {
		io->bufs[i].data = io->mem + (size_t)i * FLOWLOG_IO_BUF_SIZE;
		io->free[i] = &io->bufs[i];
	}
	io->nfree = io->nbufs;
	return 0;
}

static void free_pool(struct flowlog_io *io)
{
	free(io->jobs);
	free(io->free);
	free(io->bufs);
	free(io->mem);
	free(io);
}

int flowlog_io_start(struct flowlog_io **out, const char *dir, struct seal_key *key,
		     uint64_t synced_seq, unsigned nbufs)
{
	struct flowlog_io *io = calloc(1, sizeof(*io));
	int rc;

	if (!io)
		return -ENOMEM;
	rc = alloc_pool(io, nbufs);
	if (rc)
		goto err_alloc;
	snprintf(io->dir, sizeof(io->dir), "%s", dir);
	io->key = key;
	io->fd = -1;
	io->written_seq = io->sync_seq = io->st.synced_seq = synced_seq;
	rc = -pthread_mutex_init(&io->lock, NULL);
	if (rc)
		goto err_alloc;
	rc = -pthread_cond_init(&io->work, NULL);
	if (rc)
		goto err_mutex;
	rc = -pthread_cond_init(&io->swork, NULL);
	if (rc)
		goto err_work;
	rc = -pthread_cond_init(&io->done, NULL);
	if (rc)
		goto err_swork;
	rc = start_thread(io);
	if (rc)
		goto err_done;
	*out = io;
	return 0;

err_done:
	pthread_cond_destroy(&io->done);
err_swork:
	pthread_cond_destroy(&io->swork);
err_work:
	pthread_cond_destroy(&io->work);
err_mutex:
	pthread_mutex_destroy(&io->lock);
err_alloc:
	free_pool(io);
	return rc;
}

int flowlog_io_stop(struct flowlog_io *io, char *what, size_t what_len)
{
	int rc, jrc, jrc2;

	io_lock(io);
	rc = report(io, wait_until(io, idle), what, what_len);
	io_unlock(io);
	jrc = stop_join(io, &io->thread);
	jrc2 = -pthread_join(io->syncer, NULL);
	if (!rc)
		rc = jrc ? jrc : jrc2;
	/* left open (or unnamed, unsigned) when the disk failed, as after a crash: the
	 * next open recovers them */
	if (io->fd >= 0)
		close(io->fd);
	flowlog_sync_drop(io);
	pthread_cond_destroy(&io->done);
	pthread_cond_destroy(&io->swork);
	pthread_cond_destroy(&io->work);
	pthread_mutex_destroy(&io->lock);
	free_pool(io);
	return rc;
}
