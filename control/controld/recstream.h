/* bunri-controld's end of the record stream: writes what bunri-dataplane sends to the
 * flow log once per (run, seq), the dataplane's record numbers, which every record line
 * carries (`dp_run`, `dp_seq`): records sent again are skipped, also after a restart of
 * the controller, which finds the last (run, seq) in the log. Says which seq to
 * acknowledge once the log has fsynced it. Records the log refuses (a failing disk) are
 * asked for again, never counted lost. The end of a run is a `run` record: a clean
 * shutdown, a crash (the stream closed without the shutdown message; with the
 * connections last reported live), or an end no controller saw. So every seq of a run
 * is in the log once or inside a gap record. One thread uses it. */
#ifndef BUNRI_RECSTREAM_H
#define BUNRI_RECSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "ctlproto.h"
#include "flowlog.h"

#define RECSTREAM_MARKS 4096
#define RECSTREAM_MARK_STEP 1024  /* log lines a point of acknowledgement covers at most */
#define RECSTREAM_RETRY_MS 1000   /* a refusing log is tried again this often */
/* An fsync is asked for every this many records besides the log's fsync_ms: the
 * dataplane frees a record only once it is fsynced, and a fast stream would otherwise
 * fill its buffer between two fsyncs. */
#define RECSTREAM_SYNC_EVERY 8192

struct recstream_stats {
	uint64_t received;      /* records received, resent ones included */
	uint64_t duplicates;    /* already in the log: skipped */
	uint64_t appended;      /* records handed to the log */
	uint64_t written;       /* of them, fsynced */
	uint64_t lost;          /* seqs in gap records this controller wrote */
	uint64_t refused;       /* records the log refused: asked for again */
	uint64_t runs_ended;    /* run records written */
};

/* A point of the stream: once the log has fsynced log_seq, (run, seq) and `appended`
 * records are on disk. */
struct recstream_mark {
	uint64_t log_seq, run, seq, appended;
};

struct recstream {
	struct flowlog *log;
	uint64_t run, seq;          /* the last of the dataplane's seqs in the log */
	bool ended;                 /* the log says how run ended */
	struct ctlproto_beat beat;  /* run's last heartbeat */
	bool end_due;               /* a run record the log refused, to write first */
	const char *end_reason;
	bool refusing;              /* records are dropped until the stream starts over */
	int64_t refused_ms;
	struct recstream_mark marks[RECSTREAM_MARKS];
	unsigned mhead, mn;
	uint64_t sync_at;           /* appended when the last fsync was asked for */
	struct recstream_mark acked;
	struct recstream_stats st;
};

/* Starts on log, whose segments are in flows_dir: finds the last (run, seq) written.
 * 0 or -errno. */
int recstream_init(struct recstream *rs, struct flowlog *log, const char *flows_dir);
/* The last (run, seq) written to the log (maybe not yet fsynced): where a
 * subscription starts. */
struct ctlproto_mark recstream_position(const struct recstream *rs);
/* The last (run, seq) the log has fsynced: what a new connection acknowledges. */
struct ctlproto_mark recstream_acked(const struct recstream *rs);

/* What the stream brings. 0 when written or skipped; -errno when the log refused it
 * (nothing more is written until recstream_restarted). */
int recstream_record(struct recstream *rs, uint64_t run, uint64_t seq, const struct flowrec *r);
int recstream_gap(struct recstream *rs, const struct ctlproto_gap *g);
int recstream_beat(struct recstream *rs, const struct ctlproto_beat *b);
/* The run ended: cleanly (the shutdown message b) or not (b NULL: the stream closed
 * without one). Writes a gap for the seqs it gave that did not arrive, then the run
 * record. 0 or -errno (written later, by recstream_tick). */
int recstream_end(struct recstream *rs, const struct ctlproto_beat *b, int64_t now_ms);

/* Every tick, after flowlog_tick: true and what to acknowledge when the log fsynced
 * more of the stream. *resubscribe: the log refused records and the stream should
 * start over from recstream_position (RECSTREAM_RETRY_MS after the refusal). */
bool recstream_tick(struct recstream *rs, int64_t now_ms, struct ctlproto_mark *ack,
		    bool *resubscribe);
/* The dataplane starts over from recstream_position: records are taken again. */
void recstream_restarted(struct recstream *rs);
/* The log was closed cleanly: everything appended is on disk. */
void recstream_closed(struct recstream *rs);

#endif
