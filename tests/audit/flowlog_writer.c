/* Writes synthetic flow and deny records through the real flow-log library, as the
 * controller will: the audit tests use it to make logs, crash mid-write and restart.
 *
 *   flowlog_writer --dir DIR --key FILE --records N [--start-ms T] [--step-ms S]
 *                  [--rotate-bytes B] [--rotate-seconds S] [--retention-days D]
 *                  [--gap N] [--realtime] [--no-close]
 *                  [--checkpoint-file F] [--syslog IPV4:PORT] [--syslog-socket PATH]
 *                  [--checkpoint-ms MS] [--tick-records N]
 *
 * --no-close fsyncs and exits without signing the open segment, as a crash would.
 * Retired public keys beside FILE (flowlog-<id>.pub) check older seals, as in
 * bunri-controld.
 *
 * Record i (counting on from the log's last seq) ends at start-ms + i * step-ms.
 * With --realtime, ticks use the wall clock and each newly fsynced seq is printed as
 * "synced N" (the kill -9 test reads these); without it time is simulated.
 * The writer ticks every N records [1024; 256 with --realtime].
 * With --checkpoint-file or --syslog the writer anchors the log's head as bunri-controld
 * does (anchor.h), and recovery compares the log with the file's newest checkpoint. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anchor.h"
#include "flowlog.h"

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_checkpoint(void *ctx, const struct checkpoint *cp)
{
	int rc = anchor_put(ctx, cp);

	if (rc)
		fprintf(stderr, "flowlog_writer: checkpoint seq %" PRIu64 ": %s\n", cp->seq,
			strerror(-rc));
}

/* The anchor of --checkpoint-file / --syslog; ring holds key and the retired keys. */
static int open_anchor(struct anchor **a, struct anchor_options *ao, char *syslog,
		       struct flowlog_options *o)
{
	char *colon = syslog ? strrchr(syslog, ':') : NULL;
	int rc;

	if (colon) {
		*colon = '\0';
		ao->syslog_host = syslog;
		ao->syslog_port = (uint16_t)strtoul(colon + 1, NULL, 10);
	}
	ao->hostname = "flowlog-writer";
	rc = anchor_open(a, ao);
	if (rc) {
		fprintf(stderr, "flowlog_writer: anchor: %s\n", strerror(-rc));
		return rc;
	}
	o->anchor = anchor_last(*a);
	o->checkpoint = put_checkpoint;
	o->checkpoint_ctx = *a;
	return 0;
}

static void log_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

/* A varied but reproducible record: i picks zones, hosts, ports, flow and type. */
static void make_record(uint64_t i, int64_t end_ms, struct flowrec *r)
{
	static const char *const flows[] = {"lg-web-proxy", "mn-juki-sync", "lg-mail-relay",
					    "sanitized-files", "lg-dns"};
	static const char *const reasons[] = {"no-rule", "spoofed", "expired"};

	memset(r, 0, sizeof(*r));
	r->type = i % 10 == 9 ? FLOWREC_DENY : FLOWREC_FLOW;
	r->end_ms = end_ms;
	r->start_ms = end_ms - (int64_t)(i % 5000);
	r->from_zone = (uint8_t)(i % 3);
	r->to_zone = (uint8_t)((i + 1) % 3);
	r->proto = i % 4 == 3 ? 17 : 6;
	r->src = 0x0a000000u | (uint32_t)(i % 250 + 1) | ((uint32_t)(i % 3) << 16);
	r->dst = 0xc0a80000u | (uint32_t)(i % 7 + 10);
	r->sport = (uint16_t)(30000 + i % 30000);
	r->dport = (uint16_t)(i % 4 == 3 ? 53 : 443);
	r->src_mac[0] = 0x02;
	r->src_mac[5] = (uint8_t)i;
	if (r->type == FLOWREC_FLOW) {
		snprintf(r->flow, sizeof(r->flow), "%s", flows[i % 5]);
		r->packets_out = 10 + i % 100;
		r->packets_in = 8 + i % 90;
		r->bytes_out = r->packets_out * 120;
		r->bytes_in = r->packets_in * 900;
		r->tcp_flags = r->proto == 6 ? 0x1b : 0;
		r->end_reason = (enum flowrec_end)(1 + i % 6);
	} else {
		snprintf(r->reason, sizeof(r->reason), "%s", reasons[i % 3]);
		r->count = 1 + i % 40;
		r->bytes_out = r->count * 60;
		/* tuples, sources past the rate, and now and then an overflow */
		r->scope = (enum flowrec_scope)(1 + i / 10 % 3);
		r->srcs = r->scope == FLOWREC_SCOPE_OVERFLOW ? (uint32_t)(2 + i % 50) : 1;
		r->dsts = r->scope == FLOWREC_SCOPE_TUPLE ? 1 : (uint32_t)(1 + i % 9);
		r->dports = r->scope == FLOWREC_SCOPE_TUPLE ? 1 : (uint32_t)r->count;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dir", required_argument, 0, 'd'},        {"key", required_argument, 0, 'k'},
		{"records", required_argument, 0, 'n'},    {"start-ms", required_argument, 0, 's'},
		{"step-ms", required_argument, 0, 't'},    {"rotate-bytes", required_argument, 0, 'b'},
		{"rotate-seconds", required_argument, 0, 'r'},
		{"retention-days", required_argument, 0, 'R'},
		{"gap", required_argument, 0, 'g'},        {"realtime", no_argument, 0, 'w'},
		{"no-close", no_argument, 0, 'x'},
		{"checkpoint-file", required_argument, 0, 'C'},
		{"syslog", required_argument, 0, 'S'},
		{"syslog-socket", required_argument, 0, 'U'},
		{"checkpoint-ms", required_argument, 0, 'M'},
		{"tick-records", required_argument, 0, 'T'}, {0, 0, 0, 0},
	};
	struct anchor_options ao = {0};
	struct seal_keyring ring = {.n = 0};
	struct anchor *anchor = NULL;
	char *syslog = NULL;
	uint64_t tick_every = 0;
	struct flowlog_options o = {.log = log_stderr};
	const char *keypath = NULL;
	uint64_t n = 0, gap = 0, printed = 0;
	int64_t start = 1775000000000, step = 10, now;
	bool realtime = false, no_close = false;
	struct flowlog_stats st;
	struct seal_key *key;
	struct seal_keyring retired = {.n = 0};
	char keydir[PATH_MAX];
	struct flowlog *fl;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'k': keypath = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 's': start = strtoll(optarg, NULL, 10); break;
		case 't': step = strtoll(optarg, NULL, 10); break;
		case 'b': o.rotate_bytes = strtoull(optarg, NULL, 10); break;
		case 'r': o.rotate_seconds = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'R': o.retention_days = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'g': gap = strtoull(optarg, NULL, 10); break;
		case 'w': realtime = true; break;
		case 'x': no_close = true; break;
		case 'C': ao.file = optarg; break;
		case 'S': syslog = optarg; break;
		case 'U': ao.syslog_socket = optarg; break;
		case 'M': o.checkpoint_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'T': tick_every = strtoull(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!o.dir || !keypath) {
		fprintf(stderr, "flowlog_writer: --dir and --key are required\n");
		return 2;
	}
	rc = seal_key_load_private(keypath, &key);
	if (rc) {
		fprintf(stderr, "flowlog_writer: %s: %s\n", keypath, strerror(-rc));
		return 1;
	}
	snprintf(keydir, sizeof(keydir), "%s", keypath);
	rc = seal_keyring_load_retired(dirname(keydir), &retired);
	if (rc) {
		fprintf(stderr, "flowlog_writer: keys beside %s: %s\n", keypath, strerror(-rc));
		return 1;
	}
	o.retired = &retired;
	if (ao.file || syslog || ao.syslog_socket) {
		ring.key[ring.n++] = key;
		for (size_t i = 0; i < retired.n && ring.n < SEAL_KEYRING_MAX; i++)
			ring.key[ring.n++] = retired.key[i];
		ao.key = key;
		ao.ring = &ring;
		if (open_anchor(&anchor, &ao, syslog, &o))
			return 1;
	}
	if (!tick_every)
		tick_every = realtime ? 256 : 1024;
	now = realtime ? wall_ms() : start;
	rc = flowlog_open(&fl, &o, key, now);
	if (rc) {
		fprintf(stderr, "flowlog_writer: open %s: %s\n", o.dir, strerror(-rc));
		return 1;
	}
	if (gap) {
		rc = flowlog_gap(fl, gap, now - 5000, now);
		if (rc)
			fprintf(stderr, "flowlog_writer: gap: %s\n", strerror(-rc));
	}
	flowlog_get_stats(fl, &st);
	for (uint64_t i = 0; i < n; i++) {
		struct flowrec r;
		int64_t end = start + (int64_t)(st.seq + i) * step;

		make_record(st.seq + i, end, &r);
		rc = flowlog_append(fl, &r);
		if (rc) {
			fprintf(stderr, "flowlog_writer: append: %s\n", strerror(-rc));
			return 1;
		}
		if (i % tick_every == 0) {
			struct flowlog_stats s2;
			rc = flowlog_tick(fl, realtime ? wall_ms() : end);
			if (rc)
				fprintf(stderr, "flowlog_writer: tick: %s\n", strerror(-rc));
			flowlog_get_stats(fl, &s2);
			if (realtime && s2.synced_seq != printed) {
				printed = s2.synced_seq;
				printf("synced %" PRIu64 "\n", printed);
				fflush(stdout);
			}
		}
	}
	flowlog_get_stats(fl, &st);
	if (no_close) {
		/* leave the segment open as a crash would, but with its records on disk (and,
		 * with an anchor, named by a checkpoint: the crash came a moment later) */
		int64_t t = realtime ? wall_ms() + 1000 : start + (int64_t)st.seq * step + 1000;
		struct flowlog_stats s2;

		rc = flowlog_tick(fl, t);
		for (int tries = 0; !rc && tries < 5000; tries++) {
			flowlog_get_stats(fl, &s2);
			if (s2.synced_seq >= st.seq)
				break;
			usleep(1000);
			rc = flowlog_tick(fl, t);
		}
		if (!rc)
			rc = flowlog_tick(fl, t);
		printf("last_seq %" PRIu64 "\n", st.seq);
		fflush(stdout);
		/* a crash frees nothing and signs nothing */
		_exit(rc ? 1 : 0);
	}
	rc = flowlog_close(fl, realtime ? wall_ms() : start + (int64_t)st.seq * step);
	anchor_close(anchor);
	seal_key_free(key);
	seal_keyring_free(&retired, 0);
	if (rc) {
		fprintf(stderr, "flowlog_writer: close: %s\n", strerror(-rc));
		return 1;
	}
	printf("last_seq %" PRIu64 "\n", st.seq);
	return 0;
}
