/* Where the flow log's checkpoints (checkpoint.h) are kept outside the log directory:
 * an append-only file (O_APPEND, and the inode's append-only flag where the filesystem
 * has one, so the writer cannot rewrite what it wrote), and syslog as RFC 5424 messages
 * (the local socket, /dev/log, and/or UDP to a collector). The file should be on another
 * filesystem than the log, or a remote one; syslog takes the checkpoints off the box.
 *
 * Not thread-safe: the flow-log writer's thread calls anchor_put. */
#ifndef BUNRI_ANCHOR_H
#define BUNRI_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"

/* RFC 5424 facility 13, "log audit"; severity 6, informational. */
#define ANCHOR_SYSLOG_PRI (13 * 8 + 6)
#define ANCHOR_SYSLOG_MAX 1024

struct anchor_options {
	const char *file;             /* the checkpoint file; NULL: none */
	const char *syslog_socket;    /* a local syslog socket (/dev/log); NULL: none */
	const char *syslog_host;      /* dotted-quad IPv4 of a syslog collector (UDP); NULL */
	uint16_t syslog_port;         /* [514] */
	const char *hostname;         /* RFC 5424 HOSTNAME (appliance.name); NULL: "-" */
	const char *app;              /* APP-NAME; NULL: "bunri" */
	struct seal_key *key;         /* signs; private; not owned */
	const struct seal_keyring *ring; /* checks the file's checkpoints (key among them) */
	/* Also called with each signed line (no newline), e.g. for the IPFIX collectors
	 * (ipfix_add_checkpoint); NULL: none. */
	void (*forward)(void *ctx, const char *line, size_t len);
	void *forward_ctx;
};

struct anchor_stats {
	uint64_t checkpoints;         /* signed */
	uint64_t file_errors;         /* not appended (or not fsynced) to the file */
	uint64_t syslog_errors;       /* sends that failed */
	uint64_t last_seq;            /* of the last checkpoint signed */
	bool append_only;             /* the file has the inode's append-only flag */
};

struct anchor;

/* Opens the file (created 0640 when missing; its newest valid checkpoint is read first:
 * anchor_last) and the syslog sockets: 0, -EINVAL (no key, a bad host), -errno. A
 * filesystem without the append-only flag is no error (anchor_stats says so). */
int anchor_open(struct anchor **out, const struct anchor_options *o);
/* The file's newest checkpoint that verified when it was opened, NULL when none. */
const struct checkpoint *anchor_last(const struct anchor *a);
/* Signs cp, appends it to the file (fdatasync), sends it to syslog and forwards it.
 * Every place is tried: 0, or the first -errno. */
int anchor_put(struct anchor *a, const struct checkpoint *cp);
void anchor_get_stats(const struct anchor *a, struct anchor_stats *st);
void anchor_close(struct anchor *a);

/* The RFC 5424 message carrying line (a checkpoint) into buf: <PRI>1 TIMESTAMP HOSTNAME
 * APP-NAME PROCID checkpoint - line. Its length, or -ENOSPC. */
int anchor_syslog_format(const char *hostname, const char *app, int64_t time_ms, long pid,
			 const char *line, char *buf, size_t len);

#endif
