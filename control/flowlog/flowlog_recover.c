#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowlog_io.h"
#include "flowlog_recover.h"
#include "flowrec.h"

#define PATH_ROOM (4096 + SEGMENT_NAME_MAX + 16)

static void rlog(struct flowlog_recovery *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!r->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->log(r->log_ctx, msg);
}

/* What a segment left open by a crash holds. */
struct scan {
	uint64_t records, first_seq, last_seq, valid_bytes, size;
	uint8_t first_prev[SEGMENT_HASH_LEN], last_hash[SEGMENT_HASH_LEN];
	int64_t first_time, last_time;
	bool has_want;                  /* the record with seq want was there */
	uint8_t want_hash[SEGMENT_HASH_LEN];
};

/* Also keeps the hash of the record with seq want (0: none). */
static int scan_segment(const char *dir, const char *name, struct scan *sc, uint64_t want)
{
	char path[PATH_ROOM];
	struct segment_reader *sr;
	struct segment_line line;
	int rc;

	memset(sc, 0, sizeof(*sc));
	sc->first_time = INT64_MAX;
	sc->last_time = INT64_MIN;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = segment_reader_open(path, &sr);
	if (rc)
		return rc;
	while ((rc = segment_reader_next(sr, &line)) > 0) {
		sc->size = line.offset + line.len + (line.complete ? 1 : 0);
		if (!line.complete || !line.well_formed)
			continue;
		if (sc->records++ == 0) {
			sc->first_seq = line.seq;
			memcpy(sc->first_prev, line.prev, SEGMENT_HASH_LEN);
		}
		sc->last_seq = line.seq;
		memcpy(sc->last_hash, line.hash, SEGMENT_HASH_LEN);
		if (want && line.seq == want) {
			sc->has_want = true;
			memcpy(sc->want_hash, line.hash, SEGMENT_HASH_LEN);
		}
		sc->valid_bytes = sc->size;
		if (line.end_ms != INT64_MIN && line.end_ms < sc->first_time)
			sc->first_time = line.end_ms;
		if (line.end_ms != INT64_MIN && line.end_ms > sc->last_time)
			sc->last_time = line.end_ms;
	}
	segment_reader_close(sr);
	return rc;
}

/* Signs segment name through the last whole record the scan found. */
static int seal_scanned(struct flowlog_recovery *r, const char *name, const struct scan *sc)
{
	struct seal s;

	memset(&s, 0, sizeof(s));
	snprintf(s.segment, sizeof(s.segment), "%s", name);
	s.first_seq = sc->first_seq;
	s.last_seq = sc->last_seq;
	s.records = sc->records;
	s.bytes = sc->valid_bytes;
	s.first_time = sc->first_time;
	s.last_time = sc->last_time;
	memcpy(s.prev, sc->first_prev, SEGMENT_HASH_LEN);
	memcpy(s.last, sc->last_hash, SEGMENT_HASH_LEN);
	return seal_write(r->dir, &s, r->key);
}

/* A crash between a rotation and the seal of the segment it closed leaves that segment
 * unsigned before a newer one: signs each of segs[0..n) that has records and no seal. */
static int sign_earlier(struct flowlog_recovery *r, const struct segment_file *segs, size_t n)
{
	struct scan sc;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (segs[i].has_seal)
			continue;
		rc = scan_segment(r->dir, segs[i].name, &sc, 0);
		if (rc)
			return rc;
		if (sc.records == 0) {
			rlog(r, "flowlog: %s holds no record and is not the last segment; left "
			     "unsigned", segs[i].name);
			continue;
		}
		rc = seal_scanned(r, segs[i].name, &sc);
		if (rc)
			return rc;
		rlog(r, "flowlog: %s was left open (crash) before %s; signed it through seq %"
		     PRIu64 "%s", segs[i].name, segs[n].name, sc.last_seq,
		     sc.size != sc.valid_bytes ? ", a torn last line stays unsigned" : "");
	}
	return 0;
}

/* The first seq in a segment's name ("flows-<12 digits>-..."), when it is one. */
static bool segment_seq(const char *name, size_t len, uint64_t *seq)
{
	char sample[SEGMENT_NAME_MAX];

	segment_name(1, 0, sample);
	if (len != strlen(sample) || strncmp(name, "flows-", 6))
		return false;
	*seq = 0;
	for (size_t i = 6; i < 18; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		*seq = *seq * 10 + (uint64_t)(name[i] - '0');
	}
	return true;
}

/* The lowest <segment>.pending of dir: 1 and its segment name, 0 when none, -errno. */
static int first_pending(const char *dir, char *name, uint64_t *first_seq)
{
	size_t slen = strlen(SEGMENT_PENDING_SUFFIX);
	struct dirent *de;
	bool found = false;
	uint64_t seq;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	errno = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > slen && !strcmp(de->d_name + n - slen, SEGMENT_PENDING_SUFFIX) &&
		    segment_seq(de->d_name, n - slen, &seq) && (!found || seq < *first_seq)) {
			found = true;
			*first_seq = seq;
			memcpy(name, de->d_name, n - slen);
			name[n - slen] = '\0';
		}
		errno = 0;
	}
	if (errno) {
		int rc = -errno;
		closedir(d);
		return rc;
	}
	closedir(d);
	return found ? 1 : 0;
}

/* A pending segment was never seen by a reader and none of its records was reported
 * on disk: a torn line the crash left at its end is cut off before it is named (counted
 * in *cut, for the chain record), so the log never shows it. 0 or -errno. */
static int cut_torn(struct flowlog_recovery *r, const char *path, const char *name,
		    const struct scan *sc, uint64_t *cut)
{
	int fd, rc = 0;

	if (sc->size == sc->valid_bytes)
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)sc->valid_bytes) || fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc)
		return rc;
	rlog(r, "flowlog: cut a torn line (%" PRIu64 " bytes, a crash) off the unnamed %s",
	     sc->size - sc->valid_bytes, name);
	*cut += sc->size - sc->valid_bytes;
	return 0;
}

static int rename_durably(const char *dir, const char *from, const char *to)
{
	int rc, dfd;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = fsync(dfd) ? -errno : 0;
	if (close(dfd) && !rc)
		rc = -errno;
	return rc;
}

/* The chain stands at r->seq (r->hash) with `torn` bytes after it: names the lowest
 * pending segment when its records go on from there, removes it when it holds none,
 * else sets it aside (never built upon). 1 when there was one, 0, or -errno. */
static int settle_pending(struct flowlog_recovery *r, uint64_t torn, uint64_t *cut)
{
	char name[SEGMENT_NAME_MAX], file[SEGMENT_NAME_MAX + 16], from[PATH_ROOM], to[PATH_ROOM];
	uint64_t seq = 0;
	struct scan sc;
	bool chains;
	int rc;

	rc = first_pending(r->dir, name, &seq);
	if (rc <= 0)
		return rc;
	snprintf(file, sizeof(file), "%s%s", name, SEGMENT_PENDING_SUFFIX);
	snprintf(from, sizeof(from), "%s/%s", r->dir, file);
	rc = scan_segment(r->dir, file, &sc, 0);
	if (rc)
		return rc;
	if (sc.records == 0) {
		if (unlink(from))
			return -errno;
		rlog(r, "flowlog: removed %s, created but holding no record (a crash)", file);
		return 1;
	}
	chains = torn == 0 && seq == r->seq + 1 && sc.first_seq == seq &&
		 !memcmp(sc.first_prev, r->hash, SEGMENT_HASH_LEN);
	if (chains) {
		rc = cut_torn(r, from, file, &sc, cut);
		if (rc)
			return rc;
	}
	snprintf(to, sizeof(to), "%s/%s%s", r->dir, name, chains ? "" : SEGMENT_UNCHAINED_SUFFIX);
	rc = rename_durably(r->dir, from, to);
	if (rc)
		return rc;
	if (chains)
		rlog(r, "flowlog: %s was created but not named (crash); named it", name);
	else
		rlog(r, "flowlog: %s does not go on from seq %" PRIu64 "%s (a crash lost what it "
		     "follows); set aside as %s%s", file, r->seq, torn ? " and a torn line" : "",
		     name, SEGMENT_UNCHAINED_SUFFIX);
	return 1;
}

/* Removes an empty last segment or sets aside one holding only a torn line: 1 when it
 * did (the list is to be read again), 0, -errno. */
static int settle_empty(struct flowlog_recovery *r, const char *name, const struct scan *sc,
			uint64_t *aside)
{
	char from[PATH_ROOM], to[PATH_ROOM];

	if (sc->records)
		return 0;
	snprintf(from, sizeof(from), "%s/%s", r->dir, name);
	if (sc->size == 0)
		return unlink(from) ? -errno : 1;
	/* only a torn first line: the next segment would take the same first seq, so this
	 * one is set aside as <name>.torn (verify reports it) and the chain goes on from
	 * the segment before it */
	snprintf(to, sizeof(to), "%s/%s%s", r->dir, name, SEGMENT_TORN_SUFFIX);
	if (rename(from, to))
		return -errno;
	rlog(r, "flowlog: %s held only a torn line (%" PRIu64 " bytes, a crash); set aside as "
	     "%s%s", name, sc->size, name, SEGMENT_TORN_SUFFIX);
	*aside += sc->size;
	return 1;
}

/* The open segment falls short of the newest checkpoint: it ends before the record the
 * checkpoint names, or holds another one at its seq. Its records are no longer what
 * the writer wrote, so it must not be signed. */
static bool cut_short(const struct flowlog_recovery *r, const struct scan *sc)
{
	const struct checkpoint *a = r->anchor;

	if (!a || sc->records == 0)
		return false;
	if (a->seq > sc->last_seq)
		return true;
	return a->seq >= sc->first_seq &&
	       (!sc->has_want || memcmp(sc->want_hash, a->hash, SEGMENT_HASH_LEN));
}

/* Sets the cut segment aside as <name>.cut, unsigned: 1 (the list is to be read
 * again) or -errno. */
static int set_cut(struct flowlog_recovery *r, const char *name, const struct scan *sc)
{
	char from[PATH_ROOM], to[PATH_ROOM], t[25];
	int rc;

	snprintf(from, sizeof(from), "%s/%s", r->dir, name);
	snprintf(to, sizeof(to), "%s/%s%s", r->dir, name, SEGMENT_CUT_SUFFIX);
	rc = rename_durably(r->dir, from, to);
	if (rc)
		return rc;
	snprintf(r->cut, sizeof(r->cut), "%s", name);
	r->cut_records = sc->records;
	r->cut_last_seq = sc->last_seq;
	rlog(r, "flowlog: %s was cut: it ends at seq %" PRIu64 " but the checkpoint signed at "
	     "%s names seq %" PRIu64 "%s; not signed, set aside as %s%s (%" PRIu64 " records)",
	     name, sc->last_seq, flowrec_format_time(r->anchor->time_ms, t), r->anchor->seq,
	     r->anchor->seq <= sc->last_seq ? " with another hash" : "", name,
	     SEGMENT_CUT_SUFFIX, sc->records);
	return 1;
}

/* After recovery: a log that ends before the anchor (or at it with another hash) lost
 * its tail; the chain goes on from the checkpoint, which is what the writer wrote. */
static void settle_anchor(struct flowlog_recovery *r)
{
	const struct checkpoint *a = r->anchor;
	uint64_t gone;
	char t[25];

	if (!a || a->seq < r->seq ||
	    (a->seq == r->seq && !memcmp(a->hash, r->hash, SEGMENT_HASH_LEN)))
		return;
	/* what a cut segment set aside still holds is not gone, only out of the chain */
	gone = r->cut[0] ? (a->seq > r->cut_last_seq ? a->seq - r->cut_last_seq : 0)
			 : a->seq - r->seq;
	rlog(r, "flowlog: the log ends at seq %" PRIu64 " but the checkpoint signed at %s names "
	     "seq %" PRIu64 ": records seq %" PRIu64 "..%" PRIu64 " are not in the log (%" PRIu64
	     " of them gone%s%s%s); the chain goes on from the checkpoint", r->seq,
	     flowrec_format_time(a->time_ms, t), a->seq, r->seq + 1, a->seq, gone,
	     r->cut[0] ? ", the others set aside in " : "", r->cut,
	     r->cut[0] ? SEGMENT_CUT_SUFFIX : "");
	r->found_seq = r->seq;
	r->seq = a->seq;
	memcpy(r->hash, a->hash, SEGMENT_HASH_LEN);
	r->reason = "truncated";
}

/* Where the chain stands after the last segment (r->seq, r->hash, r->torn), putting
 * right what a crash left there: 1 when the list is to be read again, 0, -errno. */
static int settle_last(struct flowlog_recovery *r, const struct segment_file *segs, size_t n,
		       uint64_t *aside)
{
	const struct segment_file *last = &segs[n - 1];
	struct scan sc;
	struct seal s;
	int rc;

	r->reason = "restart";
	if (last->has_seal && seal_read(r->dir, last->name, r->ring, &s) == 0) {
		r->seq = s.last_seq;
		memcpy(r->hash, s.last, SEGMENT_HASH_LEN);
		return settle_pending(r, 0, aside);
	}
	rc = scan_segment(r->dir, last->name, &sc, r->anchor ? r->anchor->seq : 0);
	if (rc)
		return rc;
	rc = settle_empty(r, last->name, &sc, aside);
	if (rc)
		return rc;
	if (cut_short(r, &sc))
		return set_cut(r, last->name, &sc);
	r->torn = sc.size - sc.valid_bytes;
	r->reason = "recovered";
	r->seq = sc.last_seq;
	memcpy(r->hash, sc.last_hash, SEGMENT_HASH_LEN);
	rc = settle_pending(r, r->torn, aside);
	if (rc)
		return rc;
	rc = sign_earlier(r, segs, n - 1);
	if (rc)
		return rc;
	if (last->has_seal) {
		rlog(r, "flowlog: %s has a seal that does not verify; continuing after seq %" PRIu64,
		     last->name, sc.last_seq);
		return 0;
	}
	rc = seal_scanned(r, last->name, &sc);
	rlog(r, "flowlog: %s was left open (crash); signed it through seq %" PRIu64 "%s",
	     last->name, sc.last_seq, r->torn ? ", a torn last line stays unsigned" : "");
	return rc;
}

int flowlog_recover(struct flowlog_recovery *r)
{
	struct segment_file *segs;
	uint64_t aside = 0;     /* bytes of torn lines set aside or cut off */
	size_t n;
	int rc;

	do {
		rc = segment_list(r->dir, &segs, &n);
		if (rc)
			return rc;
		r->seq = 0;
		memset(r->hash, 0, SEGMENT_HASH_LEN);
		r->reason = "new-log";
		r->torn = 0;
		if (n == 0)
			rc = settle_pending(r, 0, &aside);
		else
			rc = settle_last(r, segs, n, &aside);
		/* a last segment signed by an earlier writer: those before it may not be */
		if (rc == 0 && n > 1 && !strcmp(r->reason, "restart"))
			rc = sign_earlier(r, segs, n - 1);
		free(segs);
	} while (rc == 1);
	if (rc == 0 && aside && r->seq) {
		r->reason = "recovered";
		r->torn += aside;
	}
	if (rc == 0)
		settle_anchor(r);
	return rc;
}
