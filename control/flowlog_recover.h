/* Recovery of a flow log at open: finds where the chain stands and puts right what a
 * crash of the writer left (segments unsigned or not yet named, a segment holding
 * nothing or only a torn line), so that the writer can go on after the last record. */
#ifndef BUNRI_FLOWLOG_RECOVER_H
#define BUNRI_FLOWLOG_RECOVER_H

#include <stdint.h>

#include "seal.h"
#include "segment.h"

struct flowlog_recovery {
	/* in */
	const char *dir;                        /* the flows/ directory */
	struct seal_key *key;                   /* signs */
	const struct seal_keyring *ring;        /* checks the last seal (key among them) */
	void (*log)(void *ctx, const char *msg); /* what an operator should know; NULL */
	void *log_ctx;
	/* out */
	uint64_t seq;                           /* the chain's last record (0: none) */
	uint8_t hash[SEGMENT_HASH_LEN];         /* and its hash */
	const char *reason;                     /* "new-log", "restart" or "recovered" */
	uint64_t torn;                          /* bytes of a torn line left in place */
};

/* Names each <segment>.pending that continues the chain (setting aside as
 * <segment>.unchained one that cannot), signs every unsigned segment that holds
 * records, removes an empty last segment and sets aside one holding only a torn line
 * (SEGMENT_TORN_SUFFIX). 0 or -errno. */
int flowlog_recover(struct flowlog_recovery *r);

#endif
