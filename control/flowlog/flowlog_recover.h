/* Recovery of a flow log at open: finds where the chain stands and puts right what a
 * crash of the writer left (segments unsigned or not yet named, a segment holding
 * nothing or only a torn line), so that the writer can go on after the last record. */
#ifndef BUNRI_FLOWLOG_RECOVER_H
#define BUNRI_FLOWLOG_RECOVER_H

#include <stdint.h>

#include "checkpoint.h"
#include "seal.h"
#include "segment.h"

struct flowlog_recovery {
	/* in */
	const char *dir;                        /* the flows/ directory */
	struct seal_key *key;                   /* signs */
	const struct seal_keyring *ring;        /* checks the last seal (key among them) */
	void (*log)(void *ctx, const char *msg); /* what an operator should know; NULL */
	void *log_ctx;
	const struct checkpoint *anchor;        /* the newest checkpoint kept elsewhere; NULL */
	/* out */
	uint64_t seq;                           /* the chain's last record (0: none) */
	uint8_t hash[SEGMENT_HASH_LEN];         /* and its hash */
	const char *reason;                     /* "new-log", "restart", "recovered" or
						 * "truncated" (the log fell short of anchor:
						 * seq and hash are the anchor's) */
	uint64_t torn;                          /* bytes of a torn line left in place */
	uint64_t found_seq;                     /* "truncated": where the log on disk ended */
	char cut[SEGMENT_NAME_MAX];             /* a segment set aside as <name>.cut, or "" */
	uint64_t cut_records, cut_last_seq;     /* the records in it, its last seq */
};

/* Names each <segment>.pending that continues the chain (setting aside as
 * <segment>.unchained one that cannot), signs every unsigned segment that holds
 * records, removes an empty last segment and sets aside one holding only a torn line
 * (SEGMENT_TORN_SUFFIX). An unsigned last segment that ends before the anchor or holds
 * another record at its seq is never signed: it is set aside (SEGMENT_CUT_SUFFIX), and
 * a log that ends before the anchor goes on from it (reason "truncated"). 0 or -errno. */
int flowlog_recover(struct flowlog_recovery *r);

#endif
