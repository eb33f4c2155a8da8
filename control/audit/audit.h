/* What bunri-audit does with a flow log: verify its chain and seals, and export a
 * selection of its records (CSV, JSON Lines, IPFIX). Both stream: memory does not grow
 * with the size of the log. */
#ifndef BUNRI_AUDIT_H
#define BUNRI_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checkpoint.h"
#include "seal.h"

/* Problem kinds verify names. */
#define AUDIT_EDITED "edited"
#define AUDIT_DELETED "deleted"
#define AUDIT_INSERTED "inserted"
#define AUDIT_REORDERED "reordered"
#define AUDIT_TRUNCATED "truncated"
#define AUDIT_MISSING_SEGMENT "missing segment"
#define AUDIT_BAD_SIGNATURE "bad signature"
#define AUDIT_TORN "torn last line"

struct audit_verify_options {
	const char *log_dir;            /* logging.dir: segments are in <log_dir>/flows */
	const struct seal_keyring *keys; /* the public keys: the current one and retired ones */
	/* Verified checkpoints of the log's head kept outside it (checkpoint_set_load), NULL:
	 * none. The log must hold each one's record with its hash, and reach the newest. */
	const struct checkpoint_set *checkpoints;
	int64_t from_ms, to_ms;         /* only segments with records in [from, to) */
	/* Called once per problem; segment may be "" for the log as a whole. */
	void (*problem)(void *ctx, const char *segment, uint64_t seq, const char *kind,
			const char *detail);
	void *ctx;
};

struct audit_verify_result {
	uint64_t records, segments, problems;
	int64_t first_ms, last_ms;      /* earliest and latest record end seen */
	char open_segment[SEGMENT_NAME_MAX]; /* the unsigned last segment, "" when none */
	uint64_t pending;               /* segments the writer has not named yet (.pending) */
	uint64_t start_seq;             /* the first record on disk (1 unless retention ran) */
	/* start_seq is 1, or a retention record in a segment that verified says why the
	 * records before it are gone */
	bool start_explained;
	uint64_t signed_by[SEAL_KEYRING_MAX]; /* segments each key of o->keys verified */
	uint64_t checkpoints_held;      /* checkpoints whose record the log holds, as signed */
	uint64_t last_seq;              /* the highest seq the log holds */
};

/* 0 when every link and seal checks out, 1 when problems were reported, -errno when
 * the log could not be read at all. */
int audit_verify(const struct audit_verify_options *o, struct audit_verify_result *res);

enum audit_format { AUDIT_CSV, AUDIT_JSONL, AUDIT_IPFIX };

struct audit_export_options {
	const char *log_dir;
	int64_t from_ms, to_ms;         /* records with start < to and end >= from */
	int zone;                       /* enum zone either side, or -1 for any */
	const char *flow;               /* flow id, NULL for any */
	bool has_host;
	uint32_t host;                  /* src or dst, host byte order */
	const char *type;               /* "flow", "deny", ..., NULL for any */
	enum audit_format format;
	bool excel;                     /* CSV: UTF-8 BOM, times in JST */
	uint32_t ipfix_domain;
	int64_t now_ms;                 /* IPFIX export time */
	int out_fd;                     /* where the export goes */
	const char *collector;          /* IPFIX over UDP to this host instead of out_fd */
	uint16_t collector_port;
};

struct audit_export_result {
	uint64_t scanned, exported, skipped;   /* skipped: lines that are not records */
	uint64_t bytes;
};

/* 0, -errno, -EBADMSG never (bad lines are counted in skipped). */
int audit_export(const struct audit_export_options *o, struct audit_export_result *res);

/* One CSV field per RFC 4180 into out (quoted when it holds , " CR or LF; with excel,
 * text a spreadsheet would take for a formula gets a leading '). Returns its length,
 * or -ENOSPC. */
int audit_csv_field(const char *s, bool excel, char *out, size_t len);

#endif
