/* bunri-audit verify: walks every segment in seq order, checks each line's hash, each
 * link to the record before it and each segment's seal, and names what went wrong.
 * A small window of recent records is kept so that reordered lines are told apart
 * from deleted and inserted ones; nothing else is held in memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "flowrec.h"

#define WINDOW 64        /* recent records remembered */
#define PENDING_MAX 16   /* open ranges of seqs not seen yet */

struct recent {
	uint64_t seq;
	uint8_t hash[SEGMENT_HASH_LEN];
	uint8_t prev[SEGMENT_HASH_LEN];
	bool used;
};

struct range {
	uint64_t lo, hi;
};

struct verifier {
	const struct audit_verify_options *o;
	struct audit_verify_result *res;
	const char *segment;
	bool have;                          /* a record has been seen */
	uint64_t last_seq;                  /* highest seq seen */
	uint8_t last_hash[SEGMENT_HASH_LEN];
	struct recent win[WINDOW];
	struct range pending[PENDING_MAX];
	size_t n_pending;
	bool started;                       /* the first record has been seen */
	uint64_t start_seq;                 /* where the log on disk begins */
	uint8_t start_prev[SEGMENT_HASH_LEN];
	bool start_explained;               /* by a retention record */
	bool skipped;                       /* a segment was left out by --from/--to */
	bool had_before;                    /* records came before this segment */
	bool last_bad;                      /* the last record failed its own hash */
	unsigned malformed;                 /* lines that were no record since the last one */
	uint64_t seg_first_seq, seg_last_seq, seg_records;
	uint8_t seg_first_prev[SEGMENT_HASH_LEN], seg_last_hash[SEGMENT_HASH_LEN];
	bool *cp_seen;                      /* per o->checkpoints->cp: its seq was read */
};

static const uint8_t zero_hash[SEGMENT_HASH_LEN];

static void report(struct verifier *v, uint64_t seq, const char *kind, const char *fmt, ...)
{
	char detail[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	v->res->problems++;
	if (v->o->problem)
		v->o->problem(v->o->ctx, v->segment, seq, kind, detail);
}

static struct recent *find_recent(struct verifier *v, uint64_t seq)
{
	struct recent *r = &v->win[seq % WINDOW];

	return r->used && r->seq == seq ? r : NULL;
}

static void remember(struct verifier *v, const struct segment_line *l)
{
	struct recent *r = &v->win[l->seq % WINDOW];

	r->used = true;
	r->seq = l->seq;
	memcpy(r->hash, l->hash, SEGMENT_HASH_LEN);
	memcpy(r->prev, l->prev, SEGMENT_HASH_LEN);
}

static void report_range(struct verifier *v, const struct range *r)
{
	if (r->lo == r->hi)
		report(v, r->lo, AUDIT_DELETED, "record seq %" PRIu64 " is missing", r->lo);
	else
		report(v, r->lo, AUDIT_DELETED, "records seq %" PRIu64 "..%" PRIu64 " are missing",
		       r->lo, r->hi);
}

/* Reports as deleted the missing ranges too far behind to be a reordering (all of them
 * when all is set). */
static void settle_pending(struct verifier *v, bool all)
{
	size_t keep = 0;

	for (size_t i = 0; i < v->n_pending; i++) {
		if (all || v->pending[i].hi + WINDOW < v->last_seq)
			report_range(v, &v->pending[i]);
		else
			v->pending[keep++] = v->pending[i];
	}
	v->n_pending = keep;
}

static void add_pending(struct verifier *v, uint64_t lo, uint64_t hi)
{
	if (v->n_pending == PENDING_MAX) {
		report_range(v, &v->pending[0]);
		memmove(v->pending, v->pending + 1, (PENDING_MAX - 1) * sizeof(v->pending[0]));
		v->n_pending--;
	}
	v->pending[v->n_pending++] = (struct range){lo, hi};
}

/* Takes seq out of the missing ranges: true when it was there. */
static bool take_pending(struct verifier *v, uint64_t seq)
{
	for (size_t i = 0; i < v->n_pending; i++) {
		struct range *r = &v->pending[i];
		if (seq < r->lo || seq > r->hi)
			continue;
		if (r->lo == r->hi) {
			memmove(r, r + 1, (v->n_pending - i - 1) * sizeof(*r));
			v->n_pending--;
		} else if (seq == r->lo) {
			r->lo++;
		} else if (seq == r->hi) {
			r->hi--;
		} else {
			uint64_t hi = r->hi;
			r->hi = seq - 1;
			add_pending(v, seq + 1, hi);
		}
		return true;
	}
	return false;
}

/* A retention record says which seq and hash the log starts from once old segments
 * are gone: true when l is one that explains a log starting at start_seq, start_prev. */
static bool is_retention_for(const struct segment_line *l, uint64_t start_seq,
			     const uint8_t start_prev[SEGMENT_HASH_LEN])
{
	static const char seq_key[] = "\"through_seq\":", hash_key[] = "\"through_hash\":\"";
	const char *p, *h;
	uint8_t hash[SEGMENT_HASH_LEN];
	uint64_t seq;

	if (strcmp(l->type, "chain") || !memmem(l->text, l->len, "\"reason\":\"retention\"", 20))
		return false;
	p = memmem(l->text, l->len, seq_key, sizeof(seq_key) - 1);
	h = memmem(l->text, l->len, hash_key, sizeof(hash_key) - 1);
	if (!p || !h || (size_t)(h - l->text) + sizeof(hash_key) - 1 + SEGMENT_HEX_LEN > l->len)
		return false;
	seq = strtoull(p + sizeof(seq_key) - 1, NULL, 10);
	if (segment_unhex(h + sizeof(hash_key) - 1, SEGMENT_HASH_LEN, hash))
		return false;
	return seq + 1 == start_seq && !memcmp(hash, start_prev, SEGMENT_HASH_LEN);
}

/* The first checkpoint naming seq (they are sorted by seq), or the count. */
static size_t first_checkpoint(const struct checkpoint_set *set, uint64_t seq)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->cp[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The record seq with hash (NULL: in a sealed segment left out, not read) against
 * the checkpoints that name it. */
static void check_checkpoints(struct verifier *v, uint64_t seq, const uint8_t *hash)
{
	const struct checkpoint_set *set = v->o->checkpoints;
	bool told = false;
	char t[25];

	if (!set)
		return;
	for (size_t i = first_checkpoint(set, seq); i < set->n && set->cp[i].seq == seq; i++) {
		v->cp_seen[i] = true;
		if (!hash || !memcmp(set->cp[i].hash, hash, SEGMENT_HASH_LEN)) {
			v->res->checkpoints_held++;
		} else if (!told) {
			told = true;
			report(v, seq, AUDIT_EDITED, "the record is not the one a checkpoint signed at "
			       "%s names (its chain hash differs)",
			       flowrec_format_time(set->cp[i].time_ms, t));
		}
	}
}

/* A sealed segment left out by --from/--to: its seal vouches for the records it holds. */
static void skip_checkpoints(struct verifier *v, const struct seal *s)
{
	const struct checkpoint_set *set = v->o->checkpoints;

	if (!set || !s->records)
		return;
	for (size_t i = first_checkpoint(set, s->first_seq);
	     i < set->n && set->cp[i].seq < s->last_seq; i++) {
		v->cp_seen[i] = true;
		v->res->checkpoints_held++;
	}
	check_checkpoints(v, s->last_seq, s->last);
}

/* Checkpoints whose record the log does not hold: a run of them inside the log was
 * deleted; those after its last record name a tail that was cut. */
static void report_checkpoints(struct verifier *v)
{
	const struct checkpoint_set *set = v->o->checkpoints;
	const struct checkpoint *newest;
	uint64_t last = v->have ? v->last_seq : 0, after = 0;
	char t[25];
	size_t i, j;

	if (!set || !set->n)
		return;
	v->segment = "";
	for (i = 0; i < set->n && set->cp[i].seq <= last; i = j) {
		for (j = i + 1; j < set->n && set->cp[j].seq <= last; j++)
			if (v->cp_seen[j] != v->cp_seen[i])
				break;
		if (v->cp_seen[i] ||
		    (v->start_explained && v->started && set->cp[j - 1].seq < v->start_seq))
			continue;
		report(v, set->cp[i].seq, AUDIT_DELETED, "the log does not hold seq %" PRIu64
		       "%s%.0" PRIu64 ", which %zu checkpoint(s) name, the first signed at %s",
		       set->cp[i].seq, set->cp[j - 1].seq > set->cp[i].seq ? ".." : "",
		       set->cp[j - 1].seq > set->cp[i].seq ? set->cp[j - 1].seq : 0, j - i,
		       flowrec_format_time(set->cp[i].time_ms, t));
	}
	after = set->n - i;
	if (!after)
		return;
	newest = checkpoint_set_newest(set);
	report(v, last, AUDIT_TRUNCATED, "the log ends at seq %" PRIu64 " but a checkpoint "
	       "signed at %s names seq %" PRIu64 " (in %s; %" PRIu64 " checkpoint(s) name "
	       "records after the log's end)", last, flowrec_format_time(newest->time_ms, t),
	       newest->seq, newest->segment, after);
}

static void check_record(struct verifier *v, const struct segment_line *l)
{
	struct recent *r;

	check_checkpoints(v, l->seq, l->hash);

	if (!l->hash_ok)
		report(v, l->seq, AUDIT_EDITED, "the record does not match its own hash");
	if (v->seg_records++ == 0) {
		v->seg_first_seq = l->seq;
		memcpy(v->seg_first_prev, l->prev, SEGMENT_HASH_LEN);
	}
	if (!v->started) {
		v->started = true;
		v->start_seq = l->seq;
		memcpy(v->start_prev, l->prev, SEGMENT_HASH_LEN);
		if (l->seq == 1 && !memcmp(l->prev, zero_hash, SEGMENT_HASH_LEN))
			v->start_explained = true;
	}
	if (is_retention_for(l, v->start_seq, v->start_prev))
		v->start_explained = true;

	if (v->have && l->seq <= v->last_seq) {
		if (take_pending(v, l->seq)) {
			report(v, l->seq, AUDIT_REORDERED, "seq %" PRIu64 " comes after seq %" PRIu64,
			       l->seq, v->last_seq);
			r = find_recent(v, l->seq - 1);
			if (r && memcmp(r->hash, l->prev, SEGMENT_HASH_LEN))
				report(v, l->seq - 1, AUDIT_EDITED,
				       "seq %" PRIu64 " does not chain to this record", l->seq);
			remember(v, l);
		} else {
			report(v, l->seq, AUDIT_INSERTED,
			       "a second record with seq %" PRIu64 " (after seq %" PRIu64 ")",
			       l->seq, v->last_seq);
		}
		return;
	}
	/* one problem is reported once: a record already named as edited is not named again
	 * for its broken link, and a malformed line is not also counted as deleted */
	if (v->have && l->seq == v->last_seq + 1) {
		if (!v->last_bad && memcmp(l->prev, v->last_hash, SEGMENT_HASH_LEN))
			report(v, v->last_seq, AUDIT_EDITED,
			       "the record is not the one seq %" PRIu64 " chains to", l->seq);
	} else if (v->have && l->seq - v->last_seq - 1 > v->malformed) {
		add_pending(v, v->last_seq + 1 + v->malformed, l->seq - 1);
	}
	v->last_bad = !l->hash_ok;
	v->malformed = 0;
	/* a reordered record may fill the hole before this one later: check that link
	 * when it comes (take_pending above), and this record's successor now */
	r = find_recent(v, l->seq + 1);
	if (r && memcmp(r->prev, l->hash, SEGMENT_HASH_LEN))
		report(v, l->seq, AUDIT_EDITED, "seq %" PRIu64 " does not chain to this record",
		       l->seq + 1);
	v->have = true;
	v->last_seq = l->seq;
	memcpy(v->last_hash, l->hash, SEGMENT_HASH_LEN);
	remember(v, l);
	v->seg_last_seq = l->seq;
	memcpy(v->seg_last_hash, l->hash, SEGMENT_HASH_LEN);
	settle_pending(v, false);
}

/* The seal against what the segment turned out to hold. */
static void check_seal(struct verifier *v, const struct seal *s)
{
	if (v->seg_records == 0) {
		if (s->records)
			report(v, s->first_seq, AUDIT_TRUNCATED,
			       "the segment is empty but was signed with %" PRIu64 " records",
			       s->records);
		return;
	}
	if (v->seg_first_seq > s->first_seq && !v->had_before)
		report(v, s->first_seq, AUDIT_DELETED,
		       "the segment was signed from seq %" PRIu64 " but starts at seq %" PRIu64,
		       s->first_seq, v->seg_first_seq);
	else if (v->seg_first_seq == s->first_seq &&
		 memcmp(v->seg_first_prev, s->prev, SEGMENT_HASH_LEN))
		report(v, s->first_seq, AUDIT_EDITED,
		       "the first record chains from another hash than the signed one");
	if (v->seg_last_seq < s->last_seq)
		report(v, v->seg_last_seq, AUDIT_TRUNCATED,
		       "the segment ends at seq %" PRIu64 " but was signed through seq %" PRIu64,
		       v->seg_last_seq, s->last_seq);
	else if (v->seg_last_seq > s->last_seq)
		report(v, v->seg_last_seq, AUDIT_INSERTED,
		       "records after seq %" PRIu64 ", where the signed segment ends", s->last_seq);
	else if (memcmp(v->seg_last_hash, s->last, SEGMENT_HASH_LEN))
		report(v, s->last_seq, AUDIT_EDITED,
		       "the last record is not the one that was signed");
}

/* A signed segment with no record in [from, to) is left out by --from/--to. */
static bool out_of_range(const struct audit_verify_options *o, const struct seal *s)
{
	return s->last_time < o->from_ms || s->first_time >= o->to_ms;
}

/* A segment left out by --from/--to: its seal stands for it in the chain. */
static void skip_segment(struct verifier *v, const struct seal *s)
{
	v->skipped = true;
	if (v->have && s->first_seq > v->last_seq + 1)
		report(v, v->last_seq + 1, AUDIT_MISSING_SEGMENT,
		       "records seq %" PRIu64 "..%" PRIu64 " are missing", v->last_seq + 1,
		       s->first_seq - 1);
	else if (v->have && s->first_seq == v->last_seq + 1 &&
		 memcmp(s->prev, v->last_hash, SEGMENT_HASH_LEN))
		report(v, v->last_seq, AUDIT_EDITED,
		       "the next segment was signed chaining from another record");
	if (!v->started) {
		v->started = true;
		v->start_seq = s->first_seq;
		memcpy(v->start_prev, s->prev, SEGMENT_HASH_LEN);
		v->start_explained = s->first_seq == 1 && !memcmp(s->prev, zero_hash, SEGMENT_HASH_LEN);
	}
	if (s->records) {
		v->have = true;
		v->last_seq = s->last_seq;
		memcpy(v->last_hash, s->last, SEGMENT_HASH_LEN);
	}
}

/* A segment left out by --from/--to, read back only for the retention record that
 * explains where the log starts. The record is believed only when the whole segment
 * is the one its seal signed (every line whole and matching its own hash, each chained
 * to the one before, from the signed prev through the signed last record), so a line
 * forged into a segment nobody checked cannot explain a deleted head. */
static bool retention_in_skipped(struct verifier *v, const char *path, const struct seal *s)
{
	struct segment_reader *sr;
	struct segment_line l;
	uint8_t prev[SEGMENT_HASH_LEN];
	uint64_t next = s->first_seq, n = 0;
	bool intact = true, found = false;
	int rc = 0;

	if (segment_reader_open(path, &sr))
		return false;
	memcpy(prev, s->prev, SEGMENT_HASH_LEN);
	while (intact && (rc = segment_reader_next(sr, &l)) > 0) {
		intact = l.complete && l.well_formed && l.hash_ok && l.seq == next &&
			 !memcmp(l.prev, prev, SEGMENT_HASH_LEN);
		if (!intact)
			break;
		memcpy(prev, l.hash, SEGMENT_HASH_LEN);
		next++;
		n++;
		if (is_retention_for(&l, v->start_seq, v->start_prev))
			found = true;
	}
	segment_reader_close(sr);
	return found && intact && rc == 0 && n == s->records && next - 1 == s->last_seq &&
	       !memcmp(prev, s->last, SEGMENT_HASH_LEN);
}

/* The start is unexplained by what was read: looks for its retention record in the
 * segments --from/--to left out (skip_segment), oldest first. */
static void explain_start(struct verifier *v, const char *dir, const struct segment_file *segs,
			  size_t n)
{
	char path[4096 + SEGMENT_NAME_MAX + 2];
	struct seal s;

	for (size_t i = 0; i < n && !v->start_explained; i++) {
		if (!segs[i].has_seal || seal_read(dir, segs[i].name, v->o->keys, &s) ||
		    !out_of_range(v->o, &s))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, segs[i].name);
		v->start_explained = retention_in_skipped(v, path, &s);
	}
}

static int read_segment(struct verifier *v, const char *path, bool is_last,
			const struct seal *s)
{
	struct segment_reader *sr;
	struct segment_line l;
	bool boundary = true;
	int rc;

	rc = segment_reader_open(path, &sr);
	if (rc)
		return rc;
	while ((rc = segment_reader_next(sr, &l)) > 0) {
		if (!l.complete) {
			report(v, v->last_seq, AUDIT_TORN,
			       "%zu bytes after seq %" PRIu64 " at offset %" PRIu64
			       " are an unfinished line%s",
			       l.len, v->last_seq, l.offset,
			       is_last ? " (a crash while writing)" : "");
			continue;
		}
		if (!l.well_formed) {
			report(v, v->last_seq + 1, AUDIT_EDITED,
			       "the line at offset %" PRIu64 " is not a record", l.offset);
			v->malformed++;
			continue;
		}
		if (boundary && v->have && l.seq > v->last_seq + 1) {
			uint64_t start = s && s->first_seq > v->last_seq ? s->first_seq : l.seq;
			if (start > v->last_seq + 1)
				report(v, v->last_seq + 1, AUDIT_MISSING_SEGMENT,
				       "records seq %" PRIu64 "..%" PRIu64
				       " before this segment are missing", v->last_seq + 1,
				       start - 1);
			if (l.seq > start)
				report(v, start, AUDIT_DELETED,
				       "records seq %" PRIu64 "..%" PRIu64
				       " at the start of the segment are missing", start, l.seq - 1);
			v->last_seq = l.seq - 1;
			memcpy(v->last_hash, l.prev, SEGMENT_HASH_LEN);
		}
		boundary = false;
		v->res->records++;
		if (l.end_ms != INT64_MIN) {
			if (l.end_ms < v->res->first_ms)
				v->res->first_ms = l.end_ms;
			if (l.end_ms > v->res->last_ms)
				v->res->last_ms = l.end_ms;
		}
		check_record(v, &l);
	}
	segment_reader_close(sr);
	settle_pending(v, true);
	return rc;
}

static void report_torn_file(void *ctx, const char *name, uint64_t first_seq, uint64_t size)
{
	struct verifier *v = ctx;

	v->segment = name;
	report(v, first_seq ? first_seq - 1 : 0, AUDIT_TORN,
	       "%" PRIu64 " bytes after seq %" PRIu64 " are an unfinished line (a crash while "
	       "writing); the writer set them aside as %s%s", size,
	       first_seq ? first_seq - 1 : 0, name, SEGMENT_TORN_SUFFIX);
}

static void report_cut_file(void *ctx, const char *name, uint64_t first_seq, uint64_t size)
{
	struct verifier *v = ctx;

	v->segment = name;
	report(v, first_seq, AUDIT_TRUNCATED,
	       "the writer found the segment cut at restart (it fell short of a checkpoint), did "
	       "not sign it and set it aside as %s%s (%" PRIu64 " bytes of records from seq %"
	       PRIu64 ")", name, SEGMENT_CUT_SUFFIX, size, first_seq);
}

static void report_unchained_file(void *ctx, const char *name, uint64_t first_seq,
				  uint64_t size)
{
	struct verifier *v = ctx;

	v->segment = name;
	report(v, first_seq, AUDIT_TRUNCATED,
	       "%" PRIu64 " bytes of records from seq %" PRIu64 " do not chain from the log (the "
	       "records before them were lost in a crash); the writer set them aside as %s%s",
	       size, first_seq, name, SEGMENT_UNCHAINED_SUFFIX);
}

static void count_pending_file(void *ctx, const char *name, uint64_t first_seq, uint64_t size)
{
	(void)name;
	(void)first_seq;
	(void)size;
	(*(uint64_t *)ctx)++;
}

int audit_verify(const struct audit_verify_options *o, struct audit_verify_result *res)
{
	char dir[4096], path[4096 + SEGMENT_NAME_MAX + 2];
	struct segment_file *segs;
	struct verifier *v;
	size_t n;
	int rc;

	memset(res, 0, sizeof(*res));
	res->first_ms = INT64_MAX;
	res->last_ms = INT64_MIN;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", o->log_dir, SEGMENT_SUBDIR) >= sizeof(dir))
		return -ENAMETOOLONG;
	rc = segment_list(dir, &segs, &n);
	if (rc)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto err_list;
	}
	v->o = o;
	v->res = res;
	if (o->checkpoints && o->checkpoints->n) {
		v->cp_seen = calloc(o->checkpoints->n, sizeof(*v->cp_seen));
		if (!v->cp_seen) {
			rc = -ENOMEM;
			goto err_v;
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool is_last = i + 1 == n, sealed = false;
		struct seal s;

		v->segment = segs[i].name;
		v->seg_records = 0;
		if (segs[i].has_seal) {
			rc = seal_read(dir, segs[i].name, o->keys, &s);
			if (rc == 0) {
				sealed = true;
				res->signed_by[s.signer]++;
			} else if (rc == -ENOKEY) {
				char id[2 * SEAL_KEY_ID_LEN + 1];

				segment_hex(s.key_id, SEAL_KEY_ID_LEN, id);
				report(v, 0, AUDIT_BAD_SIGNATURE, "%s.sig is signed by key %s, which is "
				       "not among the public keys given (a retired key: add its "
				       "flowlog-%s.pub)", segs[i].name, id, id);
			} else if (rc == -EKEYREJECTED)
				report(v, 0, AUDIT_BAD_SIGNATURE, "%s.sig does not verify with its key%s",
				       segs[i].name,
				       strcmp(s.segment, segs[i].name) ? " (it names another segment)" : "");
			else
				report(v, 0, AUDIT_BAD_SIGNATURE, "%s.sig cannot be read: %s",
				       segs[i].name, rc == -EBADMSG ? "malformed" : strerror(-rc));
		} else if (!is_last) {
			report(v, 0, AUDIT_BAD_SIGNATURE, "the segment has no signature (%s.sig is missing)",
			       segs[i].name);
		} else {
			snprintf(res->open_segment, sizeof(res->open_segment), "%s", segs[i].name);
		}
		if (sealed && out_of_range(o, &s)) {
			skip_segment(v, &s);
			skip_checkpoints(v, &s);
			continue;
		}
		res->segments++;
		v->had_before = v->have;
		snprintf(path, sizeof(path), "%s/%s", dir, segs[i].name);
		rc = read_segment(v, path, is_last, sealed ? &s : NULL);
		if (rc) {
			report(v, 0, AUDIT_MISSING_SEGMENT, "cannot read the segment: %s", strerror(-rc));
			continue;
		}
		if (sealed)
			check_seal(v, &s);
	}
	rc = segment_list_aside(dir, SEGMENT_TORN_SUFFIX, report_torn_file, v);
	if (!rc)
		rc = segment_list_aside(dir, SEGMENT_UNCHAINED_SUFFIX, report_unchained_file, v);
	if (!rc)
		rc = segment_list_aside(dir, SEGMENT_CUT_SUFFIX, report_cut_file, v);
	if (!rc)
		rc = segment_list_aside(dir, SEGMENT_PENDING_SUFFIX, count_pending_file,
					&res->pending);
	if (rc)
		report(v, 0, AUDIT_TORN, "cannot list set-aside segments: %s", strerror(-rc));
	v->segment = "";
	res->start_seq = v->started ? v->start_seq : 0;
	if (v->started && !v->start_explained && v->skipped)
		explain_start(v, dir, segs, n);
	res->start_explained = v->started && v->start_explained;
	if (v->started && !v->start_explained)
		report(v, v->start_seq, AUDIT_MISSING_SEGMENT,
		       "the log starts at seq %" PRIu64 " and no retention record explains the "
		       "records before it", v->start_seq);
	report_checkpoints(v);
	res->last_seq = v->have ? v->last_seq : 0;
	rc = res->problems ? 1 : 0;
	free(v->cp_seen);
err_v:
	free(v);
err_list:
	free(segs);
	return rc;
}
