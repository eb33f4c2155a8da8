#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flowlog_sync.h"

static int fsync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (dfd < 0)
		return -errno;
	if (fsync(dfd))
		rc = -errno;
	if (close(dfd) && !rc)
		rc = -errno;
	return rc;
}

static int run_data(struct sync_job *j)
{
	if (j->fd >= 0 && fdatasync(j->fd))
		return -errno;
	return 0;
}

static int run_seal(struct flowlog_io *io, struct sync_job *j, const char **step)
{
	int rc;

	if (fdatasync(j->fd))
		return -errno;
	*step = "sign";
	rc = seal_write(io->dir, &j->seal, io->key);
	if (rc)
		return rc;
	/* the records are fsynced and signed; a late error of close cannot undo that */
	(void)close(j->fd);
	j->fd = -1;
	return 0;
}

/* The segment was created as <name>.pending: readers (verify, recovery's list) see it
 * only now that every segment before it is signed. */
static int run_name(struct flowlog_io *io, struct sync_job *j)
{
	char from[4096 + SEGMENT_NAME_MAX + 16], to[4096 + SEGMENT_NAME_MAX + 2];

	if (!j->renamed) {
		snprintf(from, sizeof(from), "%s/%s%s", io->dir, j->seal.segment,
			 SEGMENT_PENDING_SUFFIX);
		snprintf(to, sizeof(to), "%s/%s", io->dir, j->seal.segment);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
			return -errno;
		j->renamed = true;
	}
	/* the name must survive a power cut as surely as the records in the file */
	return fsync_dir(io->dir);
}

static int run(struct flowlog_io *io, struct sync_job *j, const char **step)
{
	switch (j->type) {
	case SYNC_DATA:
		*step = "fsync";
		return run_data(j);
	case SYNC_SEAL:
		*step = "fsync";
		return run_seal(io, j, step);
	case SYNC_NAME:
		*step = "name";
		return run_name(io, j);
	}
	return -EINVAL;
}

/* Under lock, once j is done: what it changed that the writer may read. */
static void finish(struct flowlog_io *io, const struct sync_job *j)
{
	switch (j->type) {
	case SYNC_DATA:
		if (j->seq > io->st.synced_seq)
			io->st.synced_seq = j->seq;
		break;
	case SYNC_SEAL:         /* its fdatasync covers the segment */
		io->st.segments++;
		if (j->seal.last_seq > io->st.synced_seq)
			io->st.synced_seq = j->seal.last_seq;
		break;
	case SYNC_NAME:
		io->unnamed--;
		break;
	}
	io->shead = (io->shead + 1) % SYNC_JOBS;
	io->scount--;
}

void *flowlog_sync_thread(void *arg)
{
	struct flowlog_io *io = arg;
	const char *step = "";
	struct sync_job j;
	bool kicked;
	int rc;

	io_lock(io);
	for (;;) {
		while (!io->stop && (io->scount == 0 || (io->sfailing && !io->skick)))
			io_wait(io, &io->swork);
		if (io->stop)
			break;
		/* sfailing stays set through a retry: the disk thread hands nothing over until
		 * the failed job is done */
		kicked = io->skick;
		io->skick = false;
		j = io->sjobs[io->shead];
		io_unlock(io);
		rc = run(io, &j, &step);
		io_lock(io);
		if (kicked) {
			io->retries++;
			if (rc && !io->retry_rc)
				io->retry_rc = rc;
		}
		if (rc) {
			/* keeps what was done (renamed), so the retry goes on from there */
			io->sjobs[io->shead] = j;
			io->sfailing = true;
			io->unreported = rc;
			snprintf(io->what, sizeof(io->what), "%s %s", step, j.seal.segment);
		} else {
			io->sfailing = false;
			finish(io, &j);
		}
		io_wake(&io->done);
		io_wake(&io->work);     /* the disk thread may wait for room */
	}
	io_unlock(io);
	return NULL;
}

void flowlog_sync_push(struct flowlog_io *io, const struct sync_job *j)
{
	io->sjobs[(io->shead + io->scount) % SYNC_JOBS] = *j;
	io->scount++;
	io_wake(&io->swork);
}

void flowlog_sync_drop(struct flowlog_io *io)
{
	for (unsigned i = 0; i < io->scount; i++) {
		struct sync_job *j = &io->sjobs[(io->shead + i) % SYNC_JOBS];
		if (j->type == SYNC_SEAL && j->fd >= 0)
			(void)close(j->fd);
	}
	io->scount = 0;
}
