/* One file through the sandbox: the child detects and sanitizes it, the parent hashes
 * input and output and writes the JSON report. Shared by bunri-sanitize and the daemon. */
#ifndef BUNRI_JOB_H
#define BUNRI_JOB_H

#include <jansson.h>

#include "config.h"

enum job_verdict { JOB_CLEAN, JOB_SANITIZED, JOB_BLOCKED };

/* Sanitizes the file in_fd (read from offset 0) into out_fd (empty, writable, seekable).
 * name is the file's name as received (its extension is checked against the content).
 * On return *report holds the report (caller decrefs) and *verdict the decision; out_fd
 * holds the output only when the verdict is not JOB_BLOCKED. Returns 0, or -errno when
 * the input cannot be read or is not a regular file (no report then). */
int job_run(const struct san_config *cfg, int in_fd, const char *name, int out_fd,
	    enum job_verdict *verdict, json_t **report);

const char *job_verdict_name(enum job_verdict v);

/* SHA-256 of everything in fd from offset 0, as 64 hex digits; 0 or -errno. */
int job_sha256_fd(int fd, char hex[65], long long *size);

#endif
