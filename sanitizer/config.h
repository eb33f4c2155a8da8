/* The sanitizer's settings (/etc/bunri/sanitizer.cfg, libconfig): what is removed or
 * kept, archive and sandbox limits, and the daemon's folders. */
#ifndef BUNRI_SAN_CONFIG_H
#define BUNRI_SAN_CONFIG_H

#include <stdio.h>

#define SAN_PATH_MAX 1024

struct san_config {
	int pdf_keep_uri;              /* 1: /URI actions kept, 0: removed */
	int mail_remove_attachments;   /* 1: removed, 0: sanitized */
	long long max_input_bytes;
	int archive_max_depth;
	long archive_max_members;
	long long archive_max_total;   /* expanded bytes, all members together */
	long archive_max_ratio;        /* expanded : compressed */
	int sandbox_cpu_seconds;
	int sandbox_timeout_seconds;   /* wall clock */
	long long sandbox_memory;      /* address space, bytes */
	long long sandbox_file_size;   /* largest file the child may write */
	int sandbox_open_files;
	char inbox[SAN_PATH_MAX];
	char outbox[SAN_PATH_MAX];
	char work[SAN_PATH_MAX];
	char processed[SAN_PATH_MAX];
	char quarantine[SAN_PATH_MAX];
	char audit_log[SAN_PATH_MAX];
	int workers;
	int settle_ms;                 /* an inbox file is taken once unchanged this long */
};

/* Built-in defaults: URIs kept, attachments sanitized, depth 5, ratio 100. */
void config_defaults(struct san_config *c);

/* Reads FILE over the defaults. Every problem is printed to err as `FILE:LINE: what is
 * wrong`; returns the number of problems (0: c is filled), or -errno if FILE cannot be
 * read. */
int config_load(struct san_config *c, const char *file, FILE *err);

#endif
