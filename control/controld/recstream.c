#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "recstream.h"
#include "segment.h"

#define LINE_COPY (SEGMENT_LINE_MAX + 1)

/* The last line of one segment that carries a dataplane seq, into last (len in *n). */
static int scan_segment(const char *path, char *last, size_t *n)
{
	struct segment_reader *sr;
	struct segment_line l;
	int rc = segment_reader_open(path, &sr);

	if (rc)
		return rc == -ENOENT ? 0 : rc;
	segment_reader_skip_hash(sr);
	while ((rc = segment_reader_next(sr, &l)) > 0) {
		if (!l.complete || !l.well_formed || l.len >= LINE_COPY ||
		    !memmem(l.text, l.len, ",\"dp_run\":\"", 11))
			continue;
		memcpy(last, l.text, l.len);
		*n = l.len;
	}
	segment_reader_close(sr);
	return rc;
}

static int position_from(struct recstream *rs, const char *text, size_t len)
{
	struct record *rec = malloc(sizeof(*rec));
	const char *run;
	int rc = -ENOMEM;

	if (!rec)
		return rc;
	rc = record_parse(text, len, rec);
	if (!rc) {
		run = record_str(rec, "dp_run");
		rs->run = strtoull(run, NULL, 16);
		rs->seq = record_uint(rec, "dp_seq");
		rs->ended = !strcmp(record_str(rec, "type"), "run");
	}
	free(rec);
	return rc;
}

int recstream_init(struct recstream *rs, struct flowlog *log, const char *flows_dir)
{
	struct segment_file *segs;
	char path[4096 + SEGMENT_NAME_MAX + 8], *last = malloc(LINE_COPY);
	size_t n, len = 0;
	int rc;

	memset(rs, 0, sizeof(*rs));
	rs->log = log;
	if (!last)
		return -ENOMEM;
	rc = segment_list(flows_dir, &segs, &n);
	if (rc)
		goto out;
	/* newest first: nearly every segment holds a record of the stream */
	for (size_t i = n; i-- > 0 && !len && !rc;) {
		snprintf(path, sizeof(path), "%s/%s", flows_dir, segs[i].name);
		rc = scan_segment(path, last, &len);
	}
	free(segs);
	if (!rc && len)
		rc = position_from(rs, last, len);
	/* what the log holds is on disk: the dataplane may free it */
	rs->acked = (struct recstream_mark){ .run = rs->run, .seq = rs->seq };
out:
	free(last);
	return rc;
}

struct ctlproto_mark recstream_position(const struct recstream *rs)
{
	return (struct ctlproto_mark){ .run = rs->run, .seq = rs->run ? rs->seq : 0 };
}

struct ctlproto_mark recstream_acked(const struct recstream *rs)
{
	return (struct ctlproto_mark){ .run = rs->acked.run, .seq = rs->acked.seq };
}

/* The log holds (run, seq) from the line just appended: the next ack may name it. A
 * mark stands for up to RECSTREAM_MARK_STEP lines: the newest one moves with the
 * stream until the log has synced past the one before it or it spans that many. */
static void note(struct recstream *rs)
{
	struct recstream_mark *m, *prev = NULL;
	struct flowlog_stats st;

	flowlog_get_stats(rs->log, &st);
	if (rs->mn >= 2)
		prev = &rs->marks[(rs->mhead + rs->mn - 2) % RECSTREAM_MARKS];
	if (rs->mn == RECSTREAM_MARKS ||
	    (prev && prev->log_seq > st.synced_seq && st.seq - prev->log_seq < RECSTREAM_MARK_STEP))
		m = &rs->marks[(rs->mhead + rs->mn - 1) % RECSTREAM_MARKS];
	else
		m = &rs->marks[(rs->mhead + rs->mn++) % RECSTREAM_MARKS];
	*m = (struct recstream_mark){ .log_seq = st.seq, .run = rs->run, .seq = rs->seq,
				      .appended = rs->st.appended };
}

/* The log refused: nothing more is taken until the stream starts over, which the next
 * tick asks for RECSTREAM_RETRY_MS later. */
static void refuse(struct recstream *rs, int rc)
{
	if (rc == 0 || rc == -EAGAIN || rs->refusing)
		return;
	rs->refusing = true;
	rs->refused_ms = 0;
}

static void tags(const struct recstream *rs, uint64_t seq, char *out, size_t len)
{
	snprintf(out, len, ",\"dp_run\":\"%016" PRIx64 "\",\"dp_seq\":%" PRIu64, rs->run, seq);
}

/* A gap record for seqs first..last of the run. */
static int write_gap(struct recstream *rs, uint64_t first, uint64_t last, const char *reason,
		     uint64_t ring, uint64_t buffer, int64_t from_ms, int64_t to_ms)
{
	char extra[256], t[64];
	int rc;

	tags(rs, last, t, sizeof(t));
	snprintf(extra, sizeof(extra), "%s,\"first_seq\":%" PRIu64 ",\"ring_full\":%" PRIu64
		 ",\"buffer_full\":%" PRIu64, t, first, ring, buffer);
	rc = flowlog_note(rs->log, "gap", from_ms, to_ms, reason, last - first + 1, extra);
	if (rc)
		return rc;
	rs->seq = last;
	rs->st.lost += last - first + 1;
	note(rs);
	return 0;
}

/* The run record (and first a gap for the seqs the run gave that never arrived), once:
 * rs->end_reason and rs->beat say how the run ended. */
static int write_end(struct recstream *rs)
{
	char extra[256], t[64];
	int rc;

	if (rs->beat.seq > rs->seq) {
		snprintf(t, sizeof(t), "dataplane-%s", rs->end_reason);
		rc = write_gap(rs, rs->seq + 1, rs->beat.seq, t, 0, rs->beat.seq - rs->seq,
			       rs->beat.now_ms, rs->beat.now_ms);
		if (rc)
			return rc;
	}
	tags(rs, rs->seq, t, sizeof(t));
	snprintf(extra, sizeof(extra), "%s,\"reported_seq\":%" PRIu64, t, rs->beat.seq);
	rc = flowlog_note(rs->log, "run", rs->beat.now_ms, rs->beat.now_ms, rs->end_reason,
			  rs->beat.live, extra);
	if (rc)
		return rc;
	rs->end_due = false;
	rs->ended = true;
	rs->st.runs_ended++;
	note(rs);
	return 0;
}

/* Writes what is owed first; a record of another run ends the one the log knows. */
static int settle(struct recstream *rs, uint64_t run, int64_t now_ms)
{
	int rc;

	if (rs->refusing)
		return -EAGAIN;
	if (rs->end_due) {
		rc = write_end(rs);
		if (rc)
			return rc;
	}
	if (run == rs->run) {
		rs->ended = false;      /* the stream closed, the run went on */
		return 0;
	}
	if (rs->run && !rs->ended) {
		/* it stopped or died while no controller listened */
		if (rs->beat.run != rs->run)
			rs->beat = (struct ctlproto_beat){ .run = rs->run, .seq = rs->seq,
							   .now_ms = now_ms };
		rs->end_reason = "end-unseen";
		rs->end_due = true;
		rc = write_end(rs);
		if (rc)
			return rc;
	}
	rs->run = run;
	rs->seq = 0;
	rs->ended = false;
	rs->beat = (struct ctlproto_beat){ .run = run, .now_ms = now_ms };
	return 0;
}

/* Seqs the stream skipped without a gap (they never arrived): a gap says so. */
static int holes(struct recstream *rs, uint64_t first, int64_t when)
{
	if (first <= rs->seq + 1)
		return 0;
	return write_gap(rs, rs->seq + 1, first - 1, "missing-from-stream", 0,
			 first - 1 - rs->seq, when, when);
}

int recstream_record(struct recstream *rs, uint64_t run, uint64_t seq, const struct flowrec *r)
{
	char t[64];
	int rc;

	rs->st.received++;
	rc = settle(rs, run, r->end_ms);
	if (!rc && seq <= rs->seq) {
		rs->st.duplicates++;
		return 0;
	}
	if (!rc)
		rc = holes(rs, seq, r->end_ms);
	if (!rc) {
		tags(rs, seq, t, sizeof(t));
		rc = flowlog_append_tagged(rs->log, r, t);
	}
	if (rc == -EINVAL) {
		/* a record the log cannot hold (never from the real dataplane): a gap */
		rc = write_gap(rs, seq, seq, "unwritable-record", 0, 1, r->end_ms, r->end_ms);
	} else if (!rc) {
		rs->seq = seq;
		rs->st.appended++;
		note(rs);
		if (rs->st.appended - rs->sync_at >= RECSTREAM_SYNC_EVERY) {
			rs->sync_at = rs->st.appended;
			(void)flowlog_sync(rs->log);   /* a failure comes back from the tick */
		}
	}
	if (rc && rc != -EAGAIN) {
		rs->st.refused++;
		refuse(rs, rc);
	}
	return rc;
}

int recstream_gap(struct recstream *rs, const struct ctlproto_gap *g)
{
	uint64_t first = g->first_seq, ring = g->ring, buffer = g->buffer, cut, r;
	const char *reason = !g->ring ? "dataplane-buffer-full" :
			     !g->buffer ? "dataplane-ring-full" : "dataplane-ring-and-buffer-full";
	int rc = settle(rs, g->run, g->to_ms);

	if (!rc && g->last_seq <= rs->seq)
		return 0;
	if (!rc)
		rc = holes(rs, first, g->from_ms);
	if (rc)
		goto err;
	/* part of it is in the log already (sent in two pieces before a restart): which of
	 * the seqs were lost where is not known, the ring's count goes first */
	if (first <= rs->seq) {
		cut = rs->seq + 1 - first;
		r = cut < ring ? cut : ring;
		ring -= r;
		buffer -= cut - r;
		first = rs->seq + 1;
	}
	rc = write_gap(rs, first, g->last_seq, reason, ring, buffer, g->from_ms, g->to_ms);
	if (!rc)
		return 0;
err:
	refuse(rs, rc);
	return rc;
}

int recstream_beat(struct recstream *rs, const struct ctlproto_beat *b)
{
	int rc = settle(rs, b->run, b->now_ms);

	/* what the run says of itself counts even while the log refuses */
	if (b->run == rs->run)
		rs->beat = *b;
	refuse(rs, rc);
	return rc;
}

int recstream_end(struct recstream *rs, const struct ctlproto_beat *b, int64_t now_ms)
{
	if (!rs->run || rs->ended || rs->end_due || (b && b->run != rs->run))
		return 0;
	if (b)
		rs->beat = *b;
	rs->end_reason = b ? "shutdown" : "crash";
	if (rs->beat.now_ms == 0)
		rs->beat.now_ms = now_ms;
	/* the stream is over: what it would have sent again is lost with the process */
	rs->refusing = false;
	rs->end_due = true;
	return write_end(rs);
}

bool recstream_tick(struct recstream *rs, int64_t now_ms, struct ctlproto_mark *ack,
		    bool *resubscribe)
{
	struct flowlog_stats st;
	bool found = false;

	*resubscribe = false;
	if (rs->end_due && !rs->refusing)
		(void)write_end(rs);
	if (rs->refusing && rs->refused_ms == 0)
		rs->refused_ms = now_ms;
	if (rs->refusing && now_ms - rs->refused_ms >= RECSTREAM_RETRY_MS) {
		rs->refused_ms = now_ms;
		*resubscribe = true;
	}
	flowlog_get_stats(rs->log, &st);
	while (rs->mn && rs->marks[rs->mhead].log_seq <= st.synced_seq) {
		rs->acked = rs->marks[rs->mhead];
		rs->mhead = (rs->mhead + 1) % RECSTREAM_MARKS;
		rs->mn--;
		found = true;
	}
	if (!found)
		return false;
	rs->st.written = rs->acked.appended;
	*ack = (struct ctlproto_mark){ .run = rs->acked.run, .seq = rs->acked.seq };
	return ack->run != 0;
}

void recstream_restarted(struct recstream *rs)
{
	rs->refusing = false;
}

void recstream_closed(struct recstream *rs)
{
	rs->st.written = rs->st.appended;
	rs->mn = 0;
}
