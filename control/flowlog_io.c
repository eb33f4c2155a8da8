#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowlog_io.h"

/* More than the queue can ever hold: each queued segment (create, writes, seal) holds
 * at least one buffer, and a sync is never queued twice in a row. */
#define JOBS 64

enum job_type { JOB_WRITE, JOB_OPEN, JOB_SYNC, JOB_SEAL };

struct job {
	enum job_type type;
	struct flowlog_io_buf *buf;     /* JOB_WRITE */
	struct seal seal;               /* JOB_SEAL; JOB_OPEN: seal.segment names the file */
};

struct flowlog_io {
	pthread_mutex_t lock;
	pthread_cond_t work;            /* to the thread: a job queued, a retry kicked, stop */
	pthread_cond_t done;            /* to the writer: a job done or failed */
	pthread_t thread;

	/* under lock */
	struct job jobs[JOBS];          /* ring: the head job runs (or failed) first */
	unsigned head, count;
	struct flowlog_io_buf *free[FLOWLOG_IO_BUFS];
	unsigned nfree;
	bool failing;                   /* the head job failed; retried when kicked */
	bool kick, stop;
	uint64_t retries;               /* kicked attempts finished */
	int retry_rc;                   /* and the result of the latest */
	int unreported;                 /* an error no call has returned yet */
	char what[SEGMENT_NAME_MAX + 16];
	struct flowlog_io_stats st;

	/* the thread's own (the writer's before the start and after the join) */
	char dir[4096];
	struct seal_key *key;
	int fd;                         /* open segment, -1 when none */
	char segment[SEGMENT_NAME_MAX];
	uint64_t seg_written;           /* bytes of the open segment written */
	uint64_t written_seq;           /* last record written */
	bool torn;                      /* a failed write may have left bytes past seg_written */

	struct flowlog_io_buf bufs[FLOWLOG_IO_BUFS];
	char *mem;                      /* the buffers' data */
};

/* These fail only on a mutex or condition variable that is not one (memory corruption,
 * a bug); carrying on could fork the chain, so stop the process. */
static void lock(struct flowlog_io *io)
{
	if (pthread_mutex_lock(&io->lock))
		abort();
}

static void unlock(struct flowlog_io *io)
{
	if (pthread_mutex_unlock(&io->lock))
		abort();
}

static void wait_on(struct flowlog_io *io, pthread_cond_t *c)
{
	if (pthread_cond_wait(c, &io->lock))
		abort();
}

static void wake(pthread_cond_t *c)
{
	if (pthread_cond_broadcast(c))
		abort();
}

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

static int run_open(struct flowlog_io *io, const char *name)
{
	char path[4096 + SEGMENT_NAME_MAX + 2];
	int dfd, rc;

	if (io->fd >= 0)
		return -EBUSY;
	snprintf(io->segment, sizeof(io->segment), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", io->dir, name);
	io->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (io->fd < 0)
		return -errno;
	/* the new name must survive a power cut as surely as the records in the file */
	dfd = open(io->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		close(io->fd);
		io->fd = -1;
		unlink(path);
		return rc;
	}
	close(dfd);
	io->seg_written = 0;
	io->torn = false;
	return 0;
}

static int run_sync(struct flowlog_io *io)
{
	if (io->fd >= 0 && io->st.synced_seq != io->written_seq && fdatasync(io->fd))
		return -errno;
	return 0;
}

static int run_seal(struct flowlog_io *io, struct seal *s, const char **step)
{
	int rc;

	if (io->fd < 0)
		return -EBADF;
	if (fdatasync(io->fd))
		return -errno;
	*step = "sign";
	s->bytes = io->seg_written;
	rc = seal_write(io->dir, s, io->key);
	if (rc)
		return rc;
	/* the records are fsynced and signed; a late error of close cannot undo that */
	(void)close(io->fd);
	io->fd = -1;
	return 0;
}

static int run(struct flowlog_io *io, struct job *j, const char **step)
{
	switch (j->type) {
	case JOB_WRITE:
		*step = "write";
		return run_write(io, j->buf);
	case JOB_OPEN:
		*step = "create";
		return run_open(io, j->seal.segment);
	case JOB_SYNC:
		*step = "fsync";
		return run_sync(io);
	case JOB_SEAL:
		*step = "fsync";
		return run_seal(io, &j->seal, step);
	}
	return -EINVAL;
}

/* Under lock, once j is done: what it changed that the writer may read. */
static void finish(struct flowlog_io *io, const struct job *j)
{
	switch (j->type) {
	case JOB_WRITE:
		io->st.bytes += j->buf->len;
		j->buf->len = 0;
		io->free[io->nfree++] = j->buf;
		break;
	case JOB_SEAL:          /* its fsync covers the segment */
		io->st.segments++;
		io->st.synced_seq = io->written_seq;
		break;
	case JOB_SYNC:
		io->st.synced_seq = io->written_seq;
		break;
	case JOB_OPEN:
		break;
	}
	io->head = (io->head + 1) % JOBS;
	io->count--;
}

static void *disk_thread(void *arg)
{
	struct flowlog_io *io = arg;
	const char *step = "";
	bool kicked;
	struct job j;
	int rc;

	lock(io);
	for (;;) {
		while (!io->stop && (io->count == 0 || (io->failing && !io->kick)))
			wait_on(io, &io->work);
		if (io->stop)
			break;
		kicked = io->kick;
		io->kick = io->failing = false;
		j = io->jobs[io->head];
		unlock(io);
		rc = run(io, &j, &step);
		lock(io);
		if (kicked) {
			io->retries++;
			io->retry_rc = rc;
		}
		if (rc) {
			io->failing = true;
			io->unreported = rc;
			snprintf(io->what, sizeof(io->what), "%s %s", step,
				 j.type == JOB_OPEN ? j.seal.segment : io->segment);
		} else {
			finish(io, &j);
		}
		wake(&io->done);
	}
	unlock(io);
	return NULL;
}

static bool has_buf(const struct flowlog_io *io)
{
	return io->nfree > 0;
}

static bool has_room(const struct flowlog_io *io)
{
	return io->count < JOBS;
}

static bool idle(const struct flowlog_io *io)
{
	return io->count == 0;
}

/* Under lock: waits until ready(io). While the head job is failing, kicks a retry and
 * waits for its result: -errno when it fails. */
static int wait_until(struct flowlog_io *io, bool (*ready)(const struct flowlog_io *))
{
	while (!ready(io)) {
		if (io->failing) {
			uint64_t n = io->retries;
			io->kick = true;
			wake(&io->work);
			while (io->retries == n)
				wait_on(io, &io->done);
			if (io->retry_rc)
				return io->retry_rc;
		} else {
			wait_on(io, &io->done);
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

	lock(io);
	rc = wait_until(io, has_room);
	if (rc) {
		rc = report(io, rc, NULL, 0);
	} else {
		io->jobs[(io->head + io->count) % JOBS] = *j;
		io->count++;
		wake(&io->work);
	}
	unlock(io);
	return rc;
}

int flowlog_io_get(struct flowlog_io *io, struct flowlog_io_buf **buf)
{
	int rc;

	lock(io);
	rc = wait_until(io, has_buf);
	if (rc)
		rc = report(io, rc, NULL, 0);
	else
		*buf = io->free[--io->nfree];
	unlock(io);
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

	lock(io);
	if (io->count)
		last = io->jobs[(io->head + io->count - 1) % JOBS].type;
	unlock(io);
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

	lock(io);
	rc = report(io, wait_until(io, idle), what, what_len);
	unlock(io);
	return rc;
}

int flowlog_io_error(struct flowlog_io *io, char *what, size_t what_len)
{
	int rc;

	lock(io);
	rc = report(io, 0, what, what_len);
	if (io->failing && !io->kick) {
		io->kick = true;
		wake(&io->work);
	}
	unlock(io);
	return rc;
}

void flowlog_io_stats(struct flowlog_io *io, struct flowlog_io_stats *st)
{
	lock(io);
	*st = io->st;
	unlock(io);
}

/* The thread takes no signals: they stay with the threads the caller set them up for. */
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
	rc2 = pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	if (rc2)
		abort();     /* the caller's own mask could not be put back */
	return 0;
}

int flowlog_io_start(struct flowlog_io **out, const char *dir, struct seal_key *key,
		     uint64_t synced_seq)
{
	struct flowlog_io *io = calloc(1, sizeof(*io));
	int rc;

	if (!io)
		return -ENOMEM;
	io->mem = malloc((size_t)FLOWLOG_IO_BUFS * FLOWLOG_IO_BUF_SIZE);
	if (!io->mem) {
		rc = -ENOMEM;
		goto err_alloc;
	}
	for (unsigned i = 0; i < FLOWLOG_IO_BUFS; i++) {
		io->bufs[i].data = io->mem + (size_t)i * FLOWLOG_IO_BUF_SIZE;
		io->free[i] = &io->bufs[i];
	}
	io->nfree = FLOWLOG_IO_BUFS;
	snprintf(io->dir, sizeof(io->dir), "%s", dir);
	io->key = key;
	io->fd = -1;
	io->written_seq = io->st.synced_seq = synced_seq;
	rc = -pthread_mutex_init(&io->lock, NULL);
	if (rc)
		goto err_alloc;
	rc = -pthread_cond_init(&io->work, NULL);
	if (rc)
		goto err_mutex;
	rc = -pthread_cond_init(&io->done, NULL);
	if (rc)
		goto err_work;
	rc = start_thread(io);
	if (rc)
		goto err_done;
	*out = io;
	return 0;

err_done:
	pthread_cond_destroy(&io->done);
err_work:
	pthread_cond_destroy(&io->work);
err_mutex:
	pthread_mutex_destroy(&io->lock);
err_alloc:
	free(io->mem);
	free(io);
	return rc;
}

int flowlog_io_stop(struct flowlog_io *io, char *what, size_t what_len)
{
	int rc, jrc;

	lock(io);
	rc = report(io, wait_until(io, idle), what, what_len);
	io->stop = true;
	wake(&io->work);
	unlock(io);
	jrc = pthread_join(io->thread, NULL);
	if (!rc)
		rc = -jrc;
	/* left open when the disk failed: unsigned, as after a crash, so the next open
	 * recovers it */
	if (io->fd >= 0)
		close(io->fd);
	pthread_cond_destroy(&io->done);
	pthread_cond_destroy(&io->work);
	pthread_mutex_destroy(&io->lock);
	free(io->mem);
	free(io);
	return rc;
}
