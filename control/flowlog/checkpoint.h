/* Checkpoints of the flow log's head: a signed statement "the log held record seq N, whose
 * chain hash is H, in segment S, at time T". The writer makes one every few seconds
 * while records flow, at every seal, at open and at close, and each leaves the log
 * directory (anchor.h: an append-only file, syslog), so a log whose tail was cut or
 * deleted no longer reaches a checkpoint an auditor holds.
 *
 * Text form, one line, found anywhere in a line of text (a syslog line carries it as its
 * message, an IPFIX options record as a string); the Ed25519 signature (the flow-log key, seal.h) covers every byte from
 * `bunri-checkpoint` up to, not including, ` sig=`:
 *   bunri-checkpoint 1 key=<32 hex> seq=<n> hash=<64 hex> time=<RFC 3339 UTC, ms>
 *   segment=<segment name> event=<tick|seal|open|close|cut> sig=<128 hex>
 * (one line; shown wrapped). */
#ifndef BUNRI_CHECKPOINT_H
#define BUNRI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "segment.h"

#define CHECKPOINT_MAGIC "bunri-checkpoint 1 "
#define CHECKPOINT_LINE_MAX 512
/* checkpoint_set keeps at most this many (the newest by seq): a week of checkpoints at
 * one every 5 s; older heads lie in sealed segments, whose seals guard them. */
#define CHECKPOINT_KEEP 131072

struct checkpoint {
	uint64_t seq;                       /* the log's last record at the checkpoint */
	uint8_t hash[SEGMENT_HASH_LEN];     /* its chain hash */
	int64_t time_ms;                    /* when the checkpoint was signed */
	char segment[SEGMENT_NAME_MAX];     /* the segment holding seq */
	char event[8];                      /* what made it: tick, seal, open, close, cut */
	uint8_t key_id[SEAL_KEY_ID_LEN];    /* the key that signed it (set by format/parse) */
};

/* The signed line for cp (without newline) into buf, signed with key (which must be
 * private): its length, -EINVAL (a bad field), -ENOSPC, or seal_key_sign's -errno. */
int checkpoint_format(const struct checkpoint *cp, struct seal_key *key, char *buf, size_t len);
/* Finds a checkpoint in text (len bytes, any prefix before it) and checks its signature
 * with the ring's key it names: 0 and *cp, -ENOENT (no checkpoint in text), -EBADMSG
 * (malformed), -ENOKEY (a key the ring does not hold), -EKEYREJECTED (bad signature),
 * -ENOMEM, -EIO. With ring NULL the signature is not checked. */
int checkpoint_parse(const char *text, size_t len, const struct seal_keyring *ring,
		     struct checkpoint *cp);

/* The newest checkpoint (highest seq) that verifies among the last
 * CHECKPOINT_TAIL_BYTES of path, for a writer's start: checkpoints are appended in seq
 * order, so the file's end holds the newest, and a start never reads a year of them.
 * Lines that do not verify are passed over. 0, -ENOENT (no file, or none verifies),
 * -ENOMEM, -errno. */
#define CHECKPOINT_TAIL_BYTES (4u << 20)
int checkpoint_newest(const char *path, const struct seal_keyring *ring, struct checkpoint *out);

/* What a file of checkpoints (the anchor file, or a syslog file that holds them among
 * other lines) yields: the verified ones, bounded to the newest CHECKPOINT_KEEP by seq. */
struct checkpoint_set {
	struct checkpoint *cp;              /* sorted by seq after checkpoint_set_load */
	size_t n, cap;
	uint64_t found;                     /* lines holding a checkpoint */
	uint64_t bad;                       /* of them malformed or not verifying */
	uint64_t dropped;                   /* verified but older than the CHECKPOINT_KEEP kept */
};

/* Reads path line by line, adds each checkpoint that verifies with ring to set (sorted
 * by seq, duplicates removed) and calls bad(ctx, line number, -errno of
 * checkpoint_parse) for each that does not: 0, -errno (the file cannot be read),
 * -ENOMEM. A set may take several files; free it with checkpoint_set_free. */
int checkpoint_set_load(struct checkpoint_set *set, const char *path,
			const struct seal_keyring *ring,
			void (*bad)(void *ctx, uint64_t line, int err), void *ctx);
void checkpoint_set_free(struct checkpoint_set *set);
/* The checkpoint with the highest seq (the last one signed of those) or NULL. */
const struct checkpoint *checkpoint_set_newest(const struct checkpoint_set *set);

#endif
