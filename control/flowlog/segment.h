/* The on-disk form of the flow log: segment files of hash-chained JSON lines under
 * <log dir>/flows/, their names, and a bounded-memory reader that checks each line's
 * shape and hash. Shared by the writer (flowlog), verify and export.
 *
 * A record line is one JSON object on one line:
 *   {"seq":N,"type":"...", ...fields...,"prev":"<64 hex>","hash":"<64 hex>"}\n
 * `hash` is the SHA-256 of the line's bytes up to (not including) `,"hash":`, and `prev`
 * is the `hash` of the record before it (64 zeros for the first record of a log). */
#ifndef BUNRI_SEGMENT_H
#define BUNRI_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#define SEGMENT_HASH_LEN 32
#define SEGMENT_HEX_LEN 64
#define SEGMENT_LINE_MAX 4096       /* longer lines are malformed */
#define SEGMENT_NAME_MAX 64
#define SEGMENT_SUBDIR "flows"
/* A segment a crash left with nothing but a torn first line is renamed to
 * <name>.torn by the writer at restart: it holds no record, but verify reports it. */
#define SEGMENT_TORN_SUFFIX ".torn"
/* The writer creates each new segment as <name>.pending and names it once the segment
 * before it is signed, so readers never meet an unsigned segment before a newer one;
 * after a crash the next writer names it. Its records are not on disk yet as far as
 * the log is concerned. */
#define SEGMENT_PENDING_SUFFIX ".pending"
/* A pending segment whose first record does not chain from the log (what it followed
 * was lost in a crash) is set aside as <name>.unchained; verify reports it. */
#define SEGMENT_UNCHAINED_SUFFIX ".unchained"
/* A segment the writer found cut at restart (it ends before, or contradicts, the newest
 * checkpoint kept outside the log) is set aside as <name>.cut and never signed; verify
 * reports it. */
#define SEGMENT_CUT_SUFFIX ".cut"
/* ,"hash":"<64 hex>"} */
#define SEGMENT_HASH_TAIL (9 + SEGMENT_HEX_LEN + 2)
/* ,"prev":"<64 hex>" */
#define SEGMENT_PREV_TAIL (9 + SEGMENT_HEX_LEN + 1)

/* One segment file found in a flows/ directory, in log order. */
struct segment_file {
	char name[SEGMENT_NAME_MAX];    /* flows-<first seq, 12 digits>-<UTC time>.jsonl */
	uint64_t first_seq;             /* from the name */
	bool has_seal;                  /* <name>.sig exists */
};

/* One line as read back. */
struct segment_line {
	const char *text;       /* the line without its newline; valid until the next read */
	size_t len;
	uint64_t offset;        /* byte offset of the line in the file */
	bool complete;          /* ended by a newline (false: the file ends inside it) */
	bool well_formed;       /* has the record shape; the fields below are set only then */
	bool hash_ok;           /* the line's `hash` is the SHA-256 of its content */
	uint64_t seq;
	char type[8];           /* "flow", "deny", "chain", "gap" (or what the line says) */
	int64_t start_ms, end_ms;  /* INT64_MIN when absent or unreadable */
	uint8_t prev[SEGMENT_HASH_LEN];
	uint8_t hash[SEGMENT_HASH_LEN];     /* as written in the line */
};

struct segment_reader;

/* "flows-000000000001-20260401T090000Z.jsonl" into buf (SEGMENT_NAME_MAX). */
void segment_name(uint64_t first_seq, int64_t now_ms, char *buf);
/* The segments of dir (the flows/ directory) sorted by first seq: 0 and a malloc'd array
 * (possibly empty), or -errno. Files that are not segments are ignored. */
int segment_list(const char *dir, struct segment_file **out, size_t *n);

/* Calls fn for each <segment><suffix> file in dir (.torn, .pending, .unchained; name
 * without the suffix, its size): 0 or -errno. */
int segment_list_aside(const char *dir, const char *suffix,
		       void (*fn)(void *ctx, const char *name, uint64_t first_seq, uint64_t size),
		       void *ctx);

/* 0 and a reader, or -errno (-ENOENT when the file is gone). */
int segment_reader_open(const char *path, struct segment_reader **out);
/* 1 and the next line, 0 at the end, -errno on a read error. Lines longer than
 * SEGMENT_LINE_MAX come back truncated and not well formed. */
int segment_reader_next(struct segment_reader *sr, struct segment_line *line);
void segment_reader_close(struct segment_reader *sr);
/* Stop computing hashes (hash_ok stays false): for readers that only select records. */
void segment_reader_skip_hash(struct segment_reader *sr);

/* Checks the shape of one line (without newline) and fills the parsed fields; hash_ok
 * is left false (the reader computes it). */
void segment_parse(const char *text, size_t len, struct segment_line *line);
/* SHA-256 of the first len bytes of text with ctx (reused across calls, so the digest
 * is fetched once): 0, or -EIO when OpenSSL fails. */
int segment_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const char *text, size_t len,
		 uint8_t out[SEGMENT_HASH_LEN]);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" to Unix ms: 0 or -EINVAL. */
int segment_parse_time(const char *s, size_t len, int64_t *ms);
void segment_hex(const uint8_t *in, size_t n, char *out); /* writes 2n chars + NUL */
int segment_unhex(const char *in, size_t n, uint8_t *out); /* n bytes from 2n chars */

#endif
