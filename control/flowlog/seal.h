/* Seals of closed flow-log segments: a detached Ed25519 signature (OpenSSL EVP) over
 * what the segment holds and what it chains from, kept next to it as <segment>.sig.
 *
 * A seal file is text; the signature covers every byte before the `signature` line:
 *   bunri-flowlog-seal 2
 *   key <hex>              (the signing key's id: see seal_key_id())
 *   segment <file name>
 *   first_seq <n>          last_seq <n>        (each on its own line)
 *   records <n>            bytes <n>           (bytes: length of the sealed records)
 *   first_time <RFC 3339>  last_time <RFC 3339> (earliest and latest record `end`)
 *   prev <hex>             (the hash the segment's first record chains from)
 *   last <hex>             (the hash of its last record)
 *   signature <hex of 64 bytes>
 * An empty segment has records 0, first_seq = last_seq + 1 and prev = last. Version 1
 * seals (no `key` line) are still read; any key of the ring may have signed them.
 *
 * Keys are rotated with seal_key_rotate(): the old public key stays in the key directory
 * as flowlog-<id>.pub, so the writer (retention, recovery) and auditors (verify with
 * every public key) can still check the segments it signed. */
#ifndef BUNRI_SEAL_H
#define BUNRI_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"

#define SEAL_KEY_FILE "flowlog.key"
#define SEAL_PUB_FILE "flowlog.pub"
#define SEAL_KEY_ID_LEN 16             /* bytes; 32 hex digits */
#define SEAL_KEYRING_MAX 64

struct seal_key;

/* The keys a seal may be checked with (not owned: free each key yourself, or use
 * seal_keyring_free() for a ring from seal_keyring_load_retired()). */
struct seal_keyring {
	struct seal_key *key[SEAL_KEYRING_MAX];
	size_t n;
};

struct seal {
	char segment[SEGMENT_NAME_MAX];
	uint64_t first_seq, last_seq, records, bytes;
	int64_t first_time, last_time;     /* ms */
	uint8_t prev[SEGMENT_HASH_LEN];
	uint8_t last[SEGMENT_HASH_LEN];
	bool has_key_id;                   /* version 2: names its key */
	uint8_t key_id[SEAL_KEY_ID_LEN];
	int signer;                        /* seal_read: the ring's key that verified, or -1 */
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
/* The key's id, in hex: the first 16 bytes of the SHA-256 of its raw public key. */
void seal_key_id(const struct seal_key *k, char hex[2 * SEAL_KEY_ID_LEN + 1]);

/* The key's id as bytes (seal_key_id() gives it in hex). */
void seal_key_id_bytes(const struct seal_key *k, uint8_t id[SEAL_KEY_ID_LEN]);
/* Ed25519 over len bytes of msg, for other signed statements of the log (checkpoints):
 * 0, -EINVAL (a public key), -ENOMEM, -EIO when OpenSSL fails. */
#define SEAL_SIG_LEN 64
int seal_key_sign(struct seal_key *k, const void *msg, size_t len, uint8_t sig[SEAL_SIG_LEN]);
/* 0 when sig is k's signature of msg, -EKEYREJECTED when not, -ENOMEM, -EIO. */
int seal_key_verify(struct seal_key *k, const void *msg, size_t len,
		    const uint8_t sig[SEAL_SIG_LEN]);

/* Rotates the key pair in dir: the current public key is kept as flowlog-<id>.pub, a
 * new pair (owned like the old one) replaces flowlog.key and flowlog.pub, and the old
 * private key is removed. Until the last step the old key still signs (its public key
 * already kept); a rotation a crash interrupted is finished by running it again. 0,
 * -ENOENT (no current key), -errno, -EIO; old_id and new_id (may be NULL) get the ids. */
int seal_key_rotate(const char *dir, char old_id[2 * SEAL_KEY_ID_LEN + 1],
		    char new_id[2 * SEAL_KEY_ID_LEN + 1]);
/* Adds to ring the retired public keys (flowlog-<id>.pub) of dir: 0, -errno, -E2BIG
 * (more than the ring holds), or the error of a key file that does not load. */
int seal_keyring_load_retired(const char *dir, struct seal_keyring *ring);
/* Frees ring's keys from index `from` on and shortens it to `from`. */
void seal_keyring_free(struct seal_keyring *ring, size_t from);

/* Signs s and writes <dir>/<s->segment>.sig durably (temp file, fsync, rename, fsync of
 * dir): 0, -errno, -EIO when signing fails. */
int seal_write(const char *dir, const struct seal *s, struct seal_key *k);
/* Reads <dir>/<segment>.sig and checks its signature with the ring's key it names (a
 * version 1 seal: with each key): 0 (good; s->signer says which key), -EBADMSG (the
 * file is malformed), -ENOKEY (it names a key the ring does not hold), -EKEYREJECTED
 * (the signature does not match), -errno. s is filled whenever the file parses, even
 * when the signature is bad. With ring NULL the signature is not checked (for readers
 * that only need the seal's ranges). */
int seal_read(const char *dir, const char *segment, const struct seal_keyring *ring,
	      struct seal *s);

#endif
