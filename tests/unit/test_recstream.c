/* bunri-controld's end of the record stream against the real flow log: records sent
 * again are written once, also after the controller restarts (it finds its place in
 * the log); acknowledgements name only what is fsynced; gaps, a crash and an end no
 * controller saw are recorded with their seqs; records a failing disk refuses are asked
 * for again and then written, never counted lost. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "audit.h"
#include "audit_fixture.h"
#include "flowlog.h"
#include "recstream.h"
#include "runner.h"

#define T0 1775000000000LL
#define RUN1 0x1111222233334444ULL
#define RUN2 0x5555666677778888ULL

struct stream {
	struct fixture f;
	struct flowlog_options o;
	char flows[128];
	struct flowlog *fl;
	struct recstream rs;
};

static void start(struct stream *s)
{
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&s->fl, &s->o, s->f.key, T0), 0);
	CU_ASSERT_EQUAL_FATAL(recstream_init(&s->rs, s->fl, s->flows), 0);
}

static void setup(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&s->f), 0);
	s->o.dir = s->f.dir;
	s->o.fsync_ms = 1;
	snprintf(s->flows, sizeof(s->flows), "%s/flows", s->f.dir);
	start(s);
}

static void stop(struct stream *s)
{
	CU_ASSERT_EQUAL(flowlog_close(s->fl, T0 + 100000), 0);
	recstream_closed(&s->rs);
}

static void feed(struct stream *s, uint64_t run, uint64_t first, uint64_t last)
{
	for (uint64_t q = first; q <= last; q++) {
		struct flowrec r;

		fixture_record(q, T0 + (int64_t)q, &r);
		CU_ASSERT_EQUAL(recstream_record(&s->rs, run, q, &r), 0);
	}
}

/* Ticks until the log has fsynced everything: the last acknowledgement. */
static struct ctlproto_mark settle(struct stream *s)
{
	const struct timespec ms = { 0, 1000000 };
	struct ctlproto_mark ack = { 0, 0 }, m;
	struct flowlog_stats st;
	bool again;

	for (int i = 0; i < 5000; i++) {
		CU_ASSERT_EQUAL(flowlog_tick(s->fl, T0 + 10 * i), 0);
		if (recstream_tick(&s->rs, T0, &m, &again))
			ack = m;
		flowlog_get_stats(s->fl, &st);
		if (st.synced_seq == st.seq && s->rs.mn == 0)
			break;
		nanosleep(&ms, NULL);
	}
	return ack;
}

static int lines(struct stream *s, const char *fmt, unsigned long long v)
{
	char needle[128];

	snprintf(needle, sizeof(needle), fmt, v);
	return fixture_count_lines(s->f.dir, needle);
}

/* Each of seqs first..last of the run is in the log as a record exactly once. */
static void once_each(struct stream *s, uint64_t first, uint64_t last)
{
	for (uint64_t q = first; q <= last; q++)
		CU_ASSERT_EQUAL(lines(s, "\"dp_seq\":%llu,\"prev\"", q), 1);
}

static bool verifies(struct stream *s)
{
	struct audit_verify_options o = { .log_dir = s->f.dir, .keys = RING(s->f.pub),
					  .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	struct audit_verify_result res;

	return audit_verify(&o, &res) == 0;
}

static void resent_records_written_once_across_a_restart(void)
{
	struct stream s;
	struct ctlproto_mark ack, pos;

	setup(&s);
	pos = recstream_position(&s.rs);
	CU_ASSERT_EQUAL(pos.run, 0);
	feed(&s, RUN1, 1, 10);
	ack = settle(&s);
	CU_ASSERT_EQUAL(ack.run, RUN1);
	CU_ASSERT_EQUAL(ack.seq, 10);
	CU_ASSERT_EQUAL(s.rs.st.written, 10);
	feed(&s, RUN1, 11, 12);         /* written, not yet acknowledged when it stops */
	stop(&s);
	start(&s);
	pos = recstream_position(&s.rs);
	CU_ASSERT_EQUAL(pos.run, RUN1);
	CU_ASSERT_EQUAL(pos.seq, 12);
	feed(&s, RUN1, 9, 20);          /* the dataplane resends from its last ack */
	CU_ASSERT_EQUAL(s.rs.st.duplicates, 4);
	CU_ASSERT_EQUAL(s.rs.st.appended, 8);
	ack = settle(&s);
	CU_ASSERT_EQUAL(ack.seq, 20);
	stop(&s);
	CU_ASSERT_EQUAL(s.rs.st.written, 8);
	once_each(&s, 1, 20);
	CU_ASSERT_EQUAL(lines(&s, "\"dp_run\":\"%016llx\"", RUN1), 20);
	CU_ASSERT_TRUE(verifies(&s));
	fixture_teardown(&s.f);
}

/* Gaps with their seqs, a seq the stream skipped, a crash after a heartbeat, and a new
 * run: every seq of the first run is in a record or a gap, and the crash says how many
 * connections were live. */
static void gaps_and_a_crash(void)
{
	struct ctlproto_gap g = { .run = RUN1, .first_seq = 6, .last_seq = 10, .ring = 2,
				  .buffer = 3, .from_ms = T0, .to_ms = T0 + 5 };
	struct ctlproto_beat b = { .run = RUN1, .seq = 30, .live = 7, .now_ms = T0 + 50 };
	struct stream s;

	setup(&s);
	feed(&s, RUN1, 1, 5);
	CU_ASSERT_EQUAL(recstream_gap(&s.rs, &g), 0);
	CU_ASSERT_EQUAL(recstream_gap(&s.rs, &g), 0);        /* sent again: skipped */
	feed(&s, RUN1, 11, 12);
	feed(&s, RUN1, 15, 20);                               /* 13, 14 never came */
	CU_ASSERT_EQUAL(recstream_beat(&s.rs, &b), 0);
	CU_ASSERT_FALSE(s.rs.refusing);
	CU_ASSERT_EQUAL(recstream_end(&s.rs, NULL, T0 + 60), 0);
	CU_ASSERT_EQUAL(recstream_end(&s.rs, NULL, T0 + 60), 0);   /* once */
	CU_ASSERT_EQUAL(s.rs.st.lost, 5 + 2 + 10);
	stop(&s);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"dataplane-ring-and-buffer-full\",\"count\":%llu,", 5), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"missing-from-stream\",\"count\":%llu,", 2), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"dataplane-crash\",\"count\":%llu,", 10), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"type\":\"run\",%.0llu", 0), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"crash\",\"count\":%llu,", 7), 1);
	/* the restarted controller knows the run ended: a new run starts without more */
	start(&s);
	CU_ASSERT_TRUE(s.rs.ended);
	feed(&s, RUN2, 1, 3);
	stop(&s);
	CU_ASSERT_EQUAL(lines(&s, "\"type\":\"run\",%.0llu", 0), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"dp_run\":\"%016llx\"", RUN2), 3);
	CU_ASSERT_TRUE(verifies(&s));
	fixture_teardown(&s.f);
}

/* A run whose end no controller saw (both stopped meanwhile) is recorded as such when
 * the next run's records come; a clean shutdown with records it never sent has a gap. */
static void unseen_end_and_shutdown(void)
{
	struct ctlproto_beat b = { .run = RUN2, .seq = 6, .live = 0, .now_ms = T0 + 50 };
	struct stream s;

	setup(&s);
	feed(&s, RUN1, 1, 4);
	stop(&s);
	start(&s);
	feed(&s, RUN2, 1, 4);
	CU_ASSERT_EQUAL(recstream_end(&s.rs, &b, T0 + 60), 0);
	stop(&s);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"end-unseen\",%.0llu", 0), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"dataplane-shutdown\",\"count\":%llu,", 2), 1);
	CU_ASSERT_EQUAL(lines(&s, "\"reason\":\"shutdown\",\"count\":%llu,", 0), 1);
	CU_ASSERT_TRUE(verifies(&s));
	fixture_teardown(&s.f);
}

/* The disk refuses: the records are not counted lost but asked for again; once the disk
 * takes writes, the resent stream completes the log with each record once. */
static void refused_records_are_asked_for_again(void)
{
	struct rlimit old, lim;
	struct ctlproto_mark m, pos;
	struct stream s;
	uint64_t q, refused_at = 0;
	bool again = false;

	setup(&s);
	s.o.io_buffers = 4;
	s.o.rotate_bytes = 1 << 30;
	stop(&s);
	start(&s);
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 300 * 1024;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (q = 1; q <= 3000; q++) {
		struct flowrec r;
		int rc;

		fixture_record(q, T0 + (int64_t)q, &r);
		rc = recstream_record(&s.rs, RUN1, q, &r);
		if (rc != 0 && !refused_at)
			refused_at = q;
		CU_ASSERT(rc == 0 || rc == -EFBIG || rc == -EAGAIN);
	}
	CU_ASSERT_FATAL(refused_at > 0);
	CU_ASSERT_EQUAL(s.rs.st.refused, 1);
	CU_ASSERT_EQUAL(s.rs.st.lost, 0);
	CU_ASSERT_EQUAL(recstream_position(&s.rs).seq, refused_at - 1);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* a second later the stream is asked for again from where the log stands */
	(void)recstream_tick(&s.rs, T0, &m, &again);
	CU_ASSERT_FALSE(again);
	(void)recstream_tick(&s.rs, T0 + RECSTREAM_RETRY_MS - 1, &m, &again);
	CU_ASSERT_FALSE(again);
	(void)recstream_tick(&s.rs, T0 + RECSTREAM_RETRY_MS, &m, &again);
	CU_ASSERT_TRUE(again);
	pos = recstream_position(&s.rs);
	recstream_restarted(&s.rs);
	feed(&s, RUN1, pos.seq + 1, 3000);
	m = settle(&s);
	CU_ASSERT_EQUAL(m.seq, 3000);
	stop(&s);
	CU_ASSERT_EQUAL(s.rs.st.written, 3000);
	once_each(&s, 1, 3000);
	CU_ASSERT_EQUAL(fixture_count_lines(s.f.dir, "\"type\":\"gap\""), 0);
	CU_ASSERT_TRUE(verifies(&s));
	signal(SIGXFSZ, SIG_DFL);
	fixture_teardown(&s.f);
}

/* A fast stream is fsynced every RECSTREAM_SYNC_EVERY records, not only every
 * fsync_ms (here a minute): the dataplane gets its acknowledgement without a tick. */
static void fast_stream_is_synced_early(void)
{
	const struct timespec ms = { 0, 1000000 };
	struct ctlproto_mark m = { 0, 0 };
	struct flowlog_stats st;
	struct stream s;
	bool again;

	setup(&s);
	s.o.fsync_ms = 60000;
	stop(&s);
	start(&s);
	feed(&s, RUN1, 1, RECSTREAM_SYNC_EVERY + 10);
	for (int i = 0; i < 5000; i++) {
		flowlog_get_stats(s.fl, &st);
		if (st.synced_seq > RECSTREAM_SYNC_EVERY)
			break;
		nanosleep(&ms, NULL);
	}
	CU_ASSERT(st.synced_seq > RECSTREAM_SYNC_EVERY);
	CU_ASSERT_TRUE(recstream_tick(&s.rs, T0, &m, &again));
	CU_ASSERT(m.seq + RECSTREAM_MARK_STEP >= RECSTREAM_SYNC_EVERY);
	CU_ASSERT(m.seq < RECSTREAM_SYNC_EVERY + 10);
	stop(&s);
	fixture_teardown(&s.f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "resent records are written once across a restart",
		  resent_records_written_once_across_a_restart },
		{ "gaps, a skipped seq and a crash", gaps_and_a_crash },
		{ "an end no controller saw, and a shutdown", unseen_end_and_shutdown },
		{ "records a failing disk refuses are asked for again",
		  refused_records_are_asked_for_again },
		{ "a fast stream is fsynced early", fast_stream_is_synced_early },
		{ NULL, NULL },
	};
	return test_run("recstream", cases);
}
