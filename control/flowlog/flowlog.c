#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "flowlog.h"
#include "flowlog_io.h"
#include "flowlog_recover.h"
#include "segment.h"

#define LINE_ROOM (SEGMENT_LINE_MAX + 64)
#define DEFAULT_ROTATE_BYTES (64ull << 20)
#define DEFAULT_ROTATE_SECONDS 3600
#define DEFAULT_FSYNC_MS 1000
#define RETENTION_CHECK_MS 60000
#define DEFAULT_CHECKPOINT_MS 5000
#define CP_WAIT 16              /* checkpoints waiting for their records' fsync or seal */

#define FLOWLOG_LOG(fl, ...) flowlog_log((fl), __VA_ARGS__)

struct flowlog {
	struct flowlog_options o;
	char dir[4096];                 /* <logging.dir>/flows */
	struct seal_key *key;
	struct seal_keyring ring;       /* key, then o.retired's keys: checks seals */
	EVP_MD_CTX *ctx;
	EVP_MD *md;

	uint64_t seq;                   /* last record in the chain */
	uint8_t hash[SEGMENT_HASH_LEN]; /* its hash */
	char hash_hex[SEGMENT_HEX_LEN + 1]; /* and in hex, the next record's prev */
	int64_t now_ms;                 /* latest time seen (tick or record end) */

	int lock_fd;                    /* flock on <dir>/.lock: one writer per log */
	struct flowlog_io *io;          /* the disk thread: writes, fsyncs, seals */
	bool seg_open;                  /* a segment is open (its creation maybe still queued) */
	struct seal seg;                /* what the open segment holds so far */
	int64_t seg_opened_ms;
	uint64_t seg_bytes;             /* bytes of lines put into the segment */

	struct flowlog_io_buf *out;     /* lines of the open segment not yet queued, or NULL */
	int64_t last_sync_ms;
	int64_t last_retention_ms;
	uint64_t lost;                  /* records refused because the disk failed */
	int64_t lost_from, lost_to;
	struct flowlog_stats st;        /* but synced_seq and bytes: the disk thread's */

	/* checkpoints made, each handed to o.checkpoint once the disk threads have fsynced
	 * the records it names (and written its seal: segments done >= segments) */
	struct {
		struct checkpoint cp;
		uint64_t segments;
	} cpw[CP_WAIT];
	unsigned cp_head, cp_count;
	uint64_t cp_seq;                /* of the last checkpoint made */
	int64_t last_cp_ms;
};

static void flowlog_log(struct flowlog *fl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!fl->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl->o.log(fl->o.log_ctx, msg);
}

/* An error the disk thread met, as the caller will see it. */
static int disk_error(struct flowlog *fl, int rc, const char *what)
{
	if (rc)
		FLOWLOG_LOG(fl, "flowlog: cannot %s: %s", what, strerror(-rc));
	return rc;
}

/* A checkpoint of (seq, hash) in segment, handed on once the disk is that far. When too
 * many wait (a failing disk), the oldest goes: the newer ones vouch for more. */
static void want_checkpoint(struct flowlog *fl, uint64_t seq, const uint8_t *hash,
			    const char *event, uint64_t segments)
{
	unsigned i;

	if (!fl->o.checkpoint)
		return;
	if (fl->cp_count == CP_WAIT) {
		fl->cp_head = (fl->cp_head + 1) % CP_WAIT;
		fl->cp_count--;
	}
	i = (fl->cp_head + fl->cp_count++) % CP_WAIT;
	memset(&fl->cpw[i], 0, sizeof(fl->cpw[i]));
	fl->cpw[i].cp.seq = seq;
	memcpy(fl->cpw[i].cp.hash, hash, SEGMENT_HASH_LEN);
	snprintf(fl->cpw[i].cp.segment, sizeof(fl->cpw[i].cp.segment), "%s", fl->seg.segment);
	snprintf(fl->cpw[i].cp.event, sizeof(fl->cpw[i].cp.event), "%s", event);
	fl->cpw[i].segments = segments;
	fl->cp_seq = seq;
}

/* Hands on the checkpoints whose records are on disk (all: the disk threads have
 * finished everything). */
static void emit_checkpoints(struct flowlog *fl, bool all)
{
	struct flowlog_io_stats io = {0};

	if (!all && fl->cp_count)
		flowlog_io_stats(fl->io, &io);
	while (fl->cp_count) {
		struct checkpoint *cp = &fl->cpw[fl->cp_head].cp;

		if (!all && (io.synced_seq < cp->seq || io.segments < fl->cpw[fl->cp_head].segments))
			break;
		cp->time_ms = fl->now_ms;
		fl->o.checkpoint(fl->o.checkpoint_ctx, cp);
		fl->cp_head = (fl->cp_head + 1) % CP_WAIT;
		fl->cp_count--;
	}
}

/* Starts a segment for the records from seq + 1 on; the disk thread creates it. */
static int open_segment(struct flowlog *fl)
{
	int rc;

	memset(&fl->seg, 0, sizeof(fl->seg));
	segment_name(fl->seq + 1, fl->now_ms, fl->seg.segment);
	rc = flowlog_io_open(fl->io, fl->seg.segment);
	if (rc)
		return rc;
	fl->seg_open = true;
	fl->seg.first_seq = fl->seq + 1;
	fl->seg.last_seq = fl->seq;
	memcpy(fl->seg.prev, fl->hash, SEGMENT_HASH_LEN);
	memcpy(fl->seg.last, fl->hash, SEGMENT_HASH_LEN);
	fl->seg.first_time = INT64_MAX;
	fl->seg.last_time = INT64_MIN;
	fl->seg_opened_ms = fl->now_ms;
	fl->seg_bytes = 0;
	return 0;
}

/* Queues the lines gathered so far for the disk thread. */
static int hand_off(struct flowlog *fl)
{
	int rc;

	if (!fl->out || !fl->out->len)
		return 0;
	rc = flowlog_io_write(fl->io, fl->out);
	if (rc)
		return rc;
	fl->out = NULL;
	return 0;
}

/* Room for one more line in out: queues a full buffer and takes a free one. */
static int make_room(struct flowlog *fl)
{
	int rc;

	if (fl->out && FLOWLOG_IO_BUF_SIZE - fl->out->len >= LINE_ROOM)
		return 0;
	rc = hand_off(fl);
	if (rc)
		return rc;
	return flowlog_io_get(fl->io, &fl->out);
}

/* Queues what was appended and an fdatasync of it, without waiting. */
static int queue_sync(struct flowlog *fl)
{
	int rc = hand_off(fl);

	if (!rc)
		rc = flowlog_io_sync(fl->io);
	if (!rc)
		fl->last_sync_ms = fl->now_ms;
	return rc;
}

/* Everything appended so far is on disk: 0 or -errno. */
static int sync_wait(struct flowlog *fl)
{
	char what[SEGMENT_NAME_MAX + 16] = "sync";
	int rc = queue_sync(fl);

	if (rc)
		return rc;
	return disk_error(fl, flowlog_io_wait(fl->io, what, sizeof(what)), what);
}

/* Queues the open segment's last lines, its fsync and its seal; the next record
 * starts a new segment. */
static int close_segment(struct flowlog *fl)
{
	int rc;

	if (!fl->seg_open)
		return 0;
	rc = hand_off(fl);
	if (rc)
		return rc;
	if (fl->seg.records == 0)
		fl->seg.first_time = fl->seg.last_time = fl->now_ms;
	rc = flowlog_io_seal(fl->io, &fl->seg);
	if (rc)
		return rc;
	fl->seg_open = false;
	fl->st.segments++;
	want_checkpoint(fl, fl->seg.last_seq, fl->seg.last, "seal", fl->st.segments);
	return 0;
}

/* Appends one line made of `{"seq":N,` + body (a JSON object's inside, after its `{`
 * and without its `}`) + prev + hash to the output buffer and the chain. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		*p++ = tmp[--i];
	return p;
}

static int append_line(struct flowlog *fl, const char *body, size_t body_len, int64_t end_ms)
{
	uint8_t hash[SEGMENT_HASH_LEN];
	char *p;
	size_t n;
	int rc;

	if (body_len > SEGMENT_LINE_MAX - 200)
		return -EINVAL;
	if (!fl->seg_open) {
		rc = open_segment(fl);
		if (rc)
			return rc;
	}
	rc = make_room(fl);
	if (rc)
		return rc;
	p = fl->out->data + fl->out->len;
	memcpy(p, "{\"seq\":", 7);
	n = (size_t)(put_u64(p + 7, fl->seq + 1) - p);
	p[n++] = ',';
	memcpy(p + n, body, body_len);
	n += body_len;
	memcpy(p + n, ",\"prev\":\"", 9);
	memcpy(p + n + 9, fl->hash_hex, SEGMENT_HEX_LEN);
	n += SEGMENT_PREV_TAIL;
	p[n - 1] = '"';
	rc = segment_hash(fl->ctx, fl->md, p, n, hash);
	if (rc)
		return rc;
	memcpy(fl->hash, hash, SEGMENT_HASH_LEN);
	segment_hex(fl->hash, SEGMENT_HASH_LEN, fl->hash_hex);
	memcpy(p + n, ",\"hash\":\"", 9);
	memcpy(p + n + 9, fl->hash_hex, SEGMENT_HEX_LEN);
	n += SEGMENT_HASH_TAIL;
	p[n - 2] = '"';
	p[n - 1] = '}';
	p[n++] = '\n';
	fl->out->len += n;
	fl->seg_bytes += n;
	fl->seq++;
	fl->out->last_seq = fl->seq;
	fl->seg.last_seq = fl->seq;
	fl->seg.records++;
	memcpy(fl->seg.last, fl->hash, SEGMENT_HASH_LEN);
	if (end_ms < fl->seg.first_time)
		fl->seg.first_time = end_ms;
	if (end_ms > fl->seg.last_time)
		fl->seg.last_time = end_ms;
	if (end_ms > fl->now_ms)
		fl->now_ms = end_ms;
	fl->st.seq = fl->seq;
	fl->st.records++;
	if (fl->seg_bytes >= fl->o.rotate_bytes) {
		/* the record is in the chain either way; a rotation that cannot be queued
		 * (the disk fails) is retried at the next append */
		rc = close_segment(fl);
		if (rc)
			FLOWLOG_LOG(fl, "flowlog: cannot close %s: %s", fl->seg.segment,
				    strerror(-rc));
	}
	return 0;
}

static int append_own(struct flowlog *fl, const char *type, int64_t start, int64_t end,
		      const char *reason, uint64_t count, const char *extra);

/* Records the disk refused are owed to the log as a `gap` record, written as soon as
 * the disk takes lines again. */
static void count_lost(struct flowlog *fl, int64_t end_ms)
{
	if (fl->lost++ == 0)
		fl->lost_from = end_ms;
	fl->lost_to = end_ms;
	fl->st.errors++;
}

static int settle_lost(struct flowlog *fl)
{
	int rc;

	if (!fl->lost)
		return 0;
	rc = append_own(fl, "gap", fl->lost_from, fl->lost_to, "writer-disk-error", fl->lost, "");
	if (!rc)
		fl->lost = 0;
	return rc;
}

int flowlog_append(struct flowlog *fl, const struct flowrec *r)
{
	char json[SEGMENT_LINE_MAX];
	int n = flowrec_format_json(r, json, sizeof(json));
	int rc;

	if (n < 0 || (size_t)n >= sizeof(json) || n < 2)
		return -EINVAL;
	rc = settle_lost(fl);
	/* drop the object's braces: append_line adds seq before and the chain after */
	if (!rc)
		rc = append_line(fl, json + 1, (size_t)n - 2, r->end_ms);
	if (rc)
		count_lost(fl, r->end_ms);
	return rc;
}

/* A record the writer makes itself (chain, gap): type, times, reason, count, extra. */
static int append_own(struct flowlog *fl, const char *type, int64_t start, int64_t end,
		      const char *reason, uint64_t count, const char *extra)
{
	char body[1024], t1[25], t2[25];
	int n;

	n = snprintf(body, sizeof(body),
		     "\"type\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"reason\":\"%s\","
		     "\"count\":%" PRIu64 "%s",
		     type, flowrec_format_time(start, t1), flowrec_format_time(end, t2), reason,
		     count, extra);
	if (n < 0 || (size_t)n >= sizeof(body))
		return -EINVAL;
	return append_line(fl, body, (size_t)n, end);
}

int flowlog_append_tagged(struct flowlog *fl, const struct flowrec *r, const char *extra)
{
	char json[SEGMENT_LINE_MAX];
	int n = flowrec_format_json(r, json, sizeof(json));
	size_t elen = strlen(extra);
	int rc;

	if (n < 2 || (size_t)n + elen >= sizeof(json))
		return -EINVAL;
	rc = settle_lost(fl);
	if (rc)
		return rc;
	/* the body without its braces, the caller's fields after it */
	memcpy(json + n - 1, extra, elen);
	return append_line(fl, json + 1, (size_t)n - 2 + elen, r->end_ms);
}

int flowlog_note(struct flowlog *fl, const char *type, int64_t from_ms, int64_t to_ms,
		 const char *reason, uint64_t count, const char *extra)
{
	int rc = settle_lost(fl);

	return rc ? rc : append_own(fl, type, from_ms, to_ms, reason, count, extra);
}

int flowlog_sync(struct flowlog *fl)
{
	return queue_sync(fl);
}

int flowlog_gap(struct flowlog *fl, uint64_t dropped, int64_t from_ms, int64_t to_ms)
{
	if (dropped == 0)
		return 0;
	return append_own(fl, "gap", from_ms, to_ms, "dataplane-buffer-full", dropped, "");
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -errno;
		buf[i] = i < len ? '/' : '\0';
	}
	return 0;
}

/* Two writers on one log would fork the chain: the second one gets -EBUSY. */
static int take_lock(struct flowlog *fl)
{
	char path[4096 + 8];
	int rc;

	snprintf(path, sizeof(path), "%s/.lock", fl->dir);
	fl->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fl->lock_fd < 0)
		return -errno;
	if (flock(fl->lock_fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fl->lock_fd);
		return rc;
	}
	return 0;
}

/* Starts the disk thread where recovery left the chain and writes the `chain` record
 * saying why, durably. */
static int start_chain(struct flowlog *fl, const struct flowlog_recovery *rec, int64_t now_ms)
{
	char extra[320] = "", what[SEGMENT_NAME_MAX + 16], t[25];
	bool cut = !strcmp(rec->reason, "truncated");
	size_t n = 0;
	int rc;

	rc = flowlog_io_start(&fl->io, fl->dir, fl->key, fl->seq, fl->o.io_buffers);
	if (rc)
		return rc;
	segment_hex(fl->hash, SEGMENT_HASH_LEN, fl->hash_hex);
	if (fl->seq)
		n = (size_t)snprintf(extra, sizeof(extra), ",\"after_seq\":%" PRIu64
				     ",\"torn_bytes\":%" PRIu64, fl->seq, rec->torn);
	/* the log says itself that its tail was cut, and how much of it: count records
	 * from found_seq + 1 through after_seq are not in the chain, cut_records of them
	 * (through cut_last_seq) set aside in cut_segment, unsigned */
	if (cut && rec->cut[0])
		snprintf(extra + n, sizeof(extra) - n, ",\"found_seq\":%" PRIu64
			 ",\"checkpoint_time\":\"%s\",\"cut_segment\":\"%s" SEGMENT_CUT_SUFFIX
			 "\",\"cut_records\":%" PRIu64 ",\"cut_last_seq\":%" PRIu64, rec->found_seq,
			 flowrec_format_time(fl->o.anchor->time_ms, t), rec->cut, rec->cut_records,
			 rec->cut_last_seq);
	else if (cut)
		snprintf(extra + n, sizeof(extra) - n, ",\"found_seq\":%" PRIu64
			 ",\"checkpoint_time\":\"%s\"", rec->found_seq,
			 flowrec_format_time(fl->o.anchor->time_ms, t));
	rc = append_own(fl, "chain", now_ms, now_ms, rec->reason,
			cut ? fl->seq - rec->found_seq : 0, extra);
	if (!rc)
		rc = sync_wait(fl);
	if (rc) {
		/* rc says what went wrong; what stopping meets on the way is the same failure */
		(void)flowlog_io_stop(fl->io, what, sizeof(what));
		fl->io = NULL;
	}
	return rc;
}

int flowlog_open(struct flowlog **out, const struct flowlog_options *o, struct seal_key *key,
		 int64_t now_ms)
{
	struct flowlog_recovery rec = {.key = key, .log = o->log, .log_ctx = o->log_ctx,
				       .anchor = o->anchor};
	struct flowlog *fl;
	int rc;

	if (!o->dir || !key || !seal_key_can_sign(key) ||
	    (o->retired && o->retired->n >= SEAL_KEYRING_MAX))
		return -EINVAL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	fl->ring.key[fl->ring.n++] = key;
	for (size_t i = 0; o->retired && i < o->retired->n; i++)
		fl->ring.key[fl->ring.n++] = o->retired->key[i];
	rec.ring = &fl->ring;
	fl->o = *o;
	fl->o.rotate_bytes = o->rotate_bytes ? o->rotate_bytes : DEFAULT_ROTATE_BYTES;
	fl->o.rotate_seconds = o->rotate_seconds ? o->rotate_seconds : DEFAULT_ROTATE_SECONDS;
	fl->o.fsync_ms = o->fsync_ms ? o->fsync_ms : DEFAULT_FSYNC_MS;
	fl->o.checkpoint_ms = o->checkpoint_ms ? o->checkpoint_ms : DEFAULT_CHECKPOINT_MS;
	fl->key = key;
	fl->now_ms = fl->last_sync_ms = fl->last_retention_ms = now_ms;
	if ((size_t)snprintf(fl->dir, sizeof(fl->dir), "%s/%s", o->dir, SEGMENT_SUBDIR) >=
	    sizeof(fl->dir) - SEGMENT_NAME_MAX - 8) {
		rc = -ENAMETOOLONG;
		goto err_alloc;
	}
	fl->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	fl->ctx = EVP_MD_CTX_new();
	if (!fl->md || !fl->ctx) {
		rc = -ENOMEM;
		goto err_crypto;
	}
	rec.dir = fl->dir;
	rc = mkdir_p(fl->dir);
	if (rc)
		goto err_crypto;
	rc = take_lock(fl);
	if (rc)
		goto err_crypto;
	/* synchronous: the disk thread starts from what recovery found */
	rc = flowlog_recover(&rec);
	if (rc)
		goto err_lock;
	fl->seq = rec.seq;
	memcpy(fl->hash, rec.hash, SEGMENT_HASH_LEN);
	rc = start_chain(fl, &rec, now_ms);
	if (rc)
		goto err_lock;
	/* the chain record is on disk: the first checkpoint names it */
	want_checkpoint(fl, fl->seq, fl->hash, strcmp(rec.reason, "truncated") ? "open" : "cut", 0);
	fl->last_cp_ms = now_ms;
	emit_checkpoints(fl, false);
	*out = fl;
	return 0;

err_lock:
	close(fl->lock_fd);
err_crypto:
	EVP_MD_CTX_free(fl->ctx);
	EVP_MD_free(fl->md);
err_alloc:
	free(fl);
	return rc;
}

/* Removes the oldest signed segments whose last record is older than the retention,
 * after writing a `chain` record naming the seq and hash the log then starts from. */
static int apply_retention(struct flowlog *fl)
{
	int64_t cutoff = fl->now_ms - (int64_t)fl->o.retention_days * 86400000;
	char extra[200], hex[SEGMENT_HEX_LEN + 1], path[4096 + SEGMENT_NAME_MAX + 8];
	struct segment_file *segs;
	struct seal s, last = {0};
	size_t n, old = 0;
	int rc;

	/* every queued seal is written first, and the disk thread signs nothing while the
	 * seals are read */
	rc = sync_wait(fl);
	if (rc)
		return rc;
	rc = segment_list(fl->dir, &segs, &n);
	if (rc)
		return rc;
	while (old < n && segs[old].has_seal && strcmp(segs[old].name, fl->seg.segment) &&
	       seal_read(fl->dir, segs[old].name, &fl->ring, &s) == 0 && s.last_time < cutoff) {
		last = s;
		old++;
	}
	if (old == 0 || old == n)
		goto out;
	segment_hex(last.last, SEGMENT_HASH_LEN, hex);
	snprintf(extra, sizeof(extra), ",\"through_seq\":%" PRIu64 ",\"through_hash\":\"%s\"",
		 last.last_seq, hex);
	rc = append_own(fl, "chain", fl->now_ms, fl->now_ms, "retention", old, extra);
	if (rc)
		goto out;
	/* the record that says where the log now starts is on disk before the segments go */
	rc = sync_wait(fl);
	if (rc)
		goto out;
	for (size_t i = 0; i < old; i++) {
		snprintf(path, sizeof(path), "%s/%s.sig", fl->dir, segs[i].name);
		if (unlink(path) && errno != ENOENT)
			rc = -errno;
		snprintf(path, sizeof(path), "%s/%s", fl->dir, segs[i].name);
		if (unlink(path) && errno != ENOENT)
			rc = -errno;
	}
out:
	free(segs);
	return rc;
}

int flowlog_tick(struct flowlog *fl, int64_t now_ms)
{
	char what[SEGMENT_NAME_MAX + 16];
	int rc = 0;

	if (now_ms > fl->now_ms)
		fl->now_ms = now_ms;
	if (fl->seg_open && fl->seg.records &&
	    now_ms - fl->seg_opened_ms >= (int64_t)fl->o.rotate_seconds * 1000) {
		rc = close_segment(fl);
		if (rc)
			return rc;
	}
	/* while records flow, a checkpoint every checkpoint_ms, with an fsync for it */
	if (fl->o.checkpoint && fl->seq != fl->cp_seq &&
	    now_ms - fl->last_cp_ms >= (int64_t)fl->o.checkpoint_ms) {
		want_checkpoint(fl, fl->seq, fl->hash, "tick", 0);
		fl->last_cp_ms = now_ms;
		fl->last_sync_ms = now_ms - fl->o.fsync_ms;
	}
	/* queued, not waited for: synced_seq moves when the disk thread is done */
	if (now_ms - fl->last_sync_ms >= (int64_t)fl->o.fsync_ms) {
		rc = queue_sync(fl);
		if (rc)
			return rc;
	}
	emit_checkpoints(fl, false);
	rc = flowlog_io_error(fl->io, what, sizeof(what));
	if (rc)
		return disk_error(fl, rc, what);
	if (fl->o.retention_days && now_ms - fl->last_retention_ms >= RETENTION_CHECK_MS) {
		fl->last_retention_ms = now_ms;
		rc = apply_retention(fl);
	}
	return rc;
}

int flowlog_close(struct flowlog *fl, int64_t now_ms)
{
	char what[SEGMENT_NAME_MAX + 16];
	int rc, rc_io;

	if (now_ms > fl->now_ms)
		fl->now_ms = now_ms;
	rc = close_segment(fl);
	rc_io = disk_error(fl, flowlog_io_stop(fl->io, what, sizeof(what)), what);
	if (!rc)
		rc = rc_io;
	/* everything queued is on disk and signed: the last seal's checkpoint names the
	 * head the next open must find */
	if (!rc)
		emit_checkpoints(fl, true);
	close(fl->lock_fd);
	EVP_MD_CTX_free(fl->ctx);
	EVP_MD_free(fl->md);
	free(fl);
	return rc;
}

void flowlog_get_stats(const struct flowlog *fl, struct flowlog_stats *st)
{
	struct flowlog_io_stats io;

	flowlog_io_stats(fl->io, &io);
	*st = fl->st;
	st->synced_seq = io.synced_seq;
	st->bytes = io.bytes;
}
