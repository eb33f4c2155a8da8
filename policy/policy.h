/* Loading, checking and compiling bunri's two config files: appliance.cfg (zones,
 * ports, addresses, routes) and policy.cfg (hosts, services, flows). This is the one
 * meaning of a policy for every bunri program. */
#ifndef BUNRI_POLICY_H
#define BUNRI_POLICY_H

#include <stdint.h>

#include "cpolicy.h"
#include "diag.h"

struct appliance;
struct policy;

/* Where the installed appliance keeps the two files (the programs' --config and --policy
 * defaults). */
#define BUNRI_DEFAULT_APPLIANCE "/etc/bunri/appliance.cfg"
#define BUNRI_DEFAULT_POLICY "/etc/bunri/policy.cfg"

#define APPLIANCE_MAX_COLLECTORS 4

/* appliance.cfg's logging group, with defaults filled in. */
struct appliance_logging {
	const char *dir;            /* flow records go to <dir>/flows/ */
	unsigned rotate_size_mb;    /* close and sign a segment at this size */
	unsigned rotate_seconds;    /* ... or at this age */
	unsigned retention_days;    /* delete signed segments older than this; 0 = keep */
	unsigned fsync_ms;          /* fsync at least this often */
	const char *key;            /* Ed25519 private key (PEM, 0600) */
	unsigned buffer_records;    /* records the dataplane holds while the controller is away */
	unsigned write_buffer_mb;   /* records the controller holds while the disk is behind */
	unsigned deny_rate;         /* deny records per source and interval, then a summary */
	unsigned deny_interval;     /* seconds a deny summary covers */
	uint32_t ipfix_domain;      /* IPFIX observation domain id */
	unsigned checkpoint_seconds; /* a signed checkpoint of the log's head this often */
	const char *checkpoint_file; /* checkpoints kept outside dir (append-only); NULL */
	const char *syslog_socket;  /* checkpoints to a local syslog socket; NULL */
	uint32_t syslog_addr;       /* and/or to syslog over UDP (host order; 0: none) */
	uint16_t syslog_port;
	unsigned n_collectors;      /* live IPFIX/UDP collectors */
	struct {
		uint32_t addr;      /* host byte order */
		uint16_t port;
	} collectors[APPLIANCE_MAX_COLLECTORS];
};

/* Parses appliance.cfg, recording every syntax and semantic problem in d.
 * 0 and *out set; -EINVAL when d holds errors (*out NULL); -errno (e.g. -ENOENT,
 * -EACCES) when the file cannot be read, with a diag saying so. */
int appliance_load(const char *path, struct diag *d, struct appliance **out);
void appliance_free(struct appliance *a);
const char *appliance_name(const struct appliance *a);
const char *appliance_socket_path(const struct appliance *a);
const char *appliance_log_dir(const struct appliance *a);
const struct appliance_logging *appliance_logging(const struct appliance *a);
/* appliance.cfg's `limits` when the file gives none: each zone at most 50% of the
 * connection table and 25% in TCP handshakes, adaptive timeouts from 60% to 120%. */
void appliance_limits_default(struct cp_limits *l);

/* Parses policy.cfg against the zones of a, recording what cannot be read in d. 0 and
 * *out; -EINVAL with *out still set when d holds errors (so policy_check() can report
 * the rest in the same run; flows with errors are marked and skipped there); -EINVAL
 * with *out NULL after a syntax error; -errno with *out NULL when the file cannot be
 * read. */
int policy_load(const char *path, const struct appliance *a, struct diag *d,
		struct policy **out);
void policy_free(struct policy *p);

/* Runs every semantic check and guard rail, taking `now` (Unix seconds) as the time.
 * Returns the number of errors it added to d (warnings are added but not counted). */
unsigned policy_check(const struct appliance *a, const struct policy *p, int64_t now,
		      struct diag *d);

/* Compiles a checked policy (p may be NULL: deny-all) into the immutable form. Flows
 * not valid at `now` are left out. NULL with errno set (ENOMEM, or EINVAL when p has
 * errors that policy_check() would report). */
struct cpolicy *policy_compile(const struct appliance *a, const struct policy *p,
			       int64_t now);

/* Loads both files, checks and compiles: the whole of `bunrictl check`. 0 and *out
 * (when out is not NULL) on success; -EINVAL when d holds errors; -errno when a file
 * cannot be read. */
int policy_build(const char *appliance_path, const char *policy_path, int64_t now,
		 struct diag *d, struct cpolicy **out);

#endif
