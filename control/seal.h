/* Seals of closed flow-log segments: a detached Ed25519 signature (OpenSSL EVP) over
 * what the segment holds and what it chains from, kept next to it as <segment>.sig.
 *
 * A seal file is text; the signature covers every byte before the `signature` line:
 *   bunri-flowlog-seal 1
 *   segment <file name>
 *   first_seq <n>          last_seq <n>        (each on its own line)
 *   records <n>            bytes <n>           (bytes: length of the sealed records)
 *   first_time <RFC 3339>  last_time <RFC 3339> (earliest and latest record `end`)
 *   prev <hex>             (the hash the segment's first record chains from)
 *   last <hex>             (the hash of its last record)
 *   signature <hex of 64 bytes>
 * An empty segment has records 0, first_seq = last_seq + 1 and prev = last. */
#ifndef BUNRI_SEAL_H
#define BUNRI_SEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "segment.h"

#define SEAL_KEY_FILE "flowlog.key"
#define SEAL_PUB_FILE "flowlog.pub"

struct seal_key;

struct seal {
	char segment[SEGMENT_NAME_MAX];
	uint64_t first_seq, last_seq, records, bytes;
	int64_t first_time, last_time;     /* ms */
	uint8_t prev[SEGMENT_HASH_LEN];
	uint8_t last[SEGMENT_HASH_LEN];
};

/* Creates dir (0700) when missing, <dir>/flowlog.key (PKCS#8 PEM, mode 0600) and <dir>/flowlog.pub (PEM, 0644);
 * never overwrites: -EEXIST when either exists, -errno, -EIO when OpenSSL fails. */
int seal_keygen(const char *dir);
/* A private key (for signing) or a public key (verifying only) from a PEM file:
 * 0, -errno, -EINVAL when it is not an Ed25519 key, -EPERM when a private key file is
 * readable by group or others. */
int seal_key_load_private(const char *path, struct seal_key **out);
int seal_key_load_public(const char *path, struct seal_key **out);
void seal_key_free(struct seal_key *k);
/* true for a private key (one that can sign). */
bool seal_key_can_sign(const struct seal_key *k);

/* Signs s and writes <dir>/<s->segment>.sig durably (temp file, fsync, rename, fsync of
 * dir): 0, -errno, -EIO when signing fails. */
int seal_write(const char *dir, const struct seal *s, struct seal_key *k);
/* Reads <dir>/<segment>.sig and checks its signature with k: 0 (good), -EBADMSG (the
 * file is malformed), -EKEYREJECTED (the signature does not match), -errno. s is filled
 * whenever the file parses, even when the signature is bad. With k NULL the signature
 * is not checked (for readers that only need the seal's ranges). */
int seal_read(const char *dir, const char *segment, struct seal_key *k, struct seal *s);

#endif
