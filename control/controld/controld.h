/* bunri-controld's state, shared by its files: controld.c (the daemon: policy, reloads,
 * the dataplane, its socket) and controld_log.c (setting up the flow log, its
 * checkpoints and the IPFIX export). Not a library: one process holds one. */
#ifndef BUNRI_CONTROLD_H
#define BUNRI_CONTROLD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "anchor.h"
#include "dpconn.h"
#include "flowlog.h"
#include "ipfix.h"
#include "opsock.h"
#include "policy.h"
#include "recstream.h"
#include "seal.h"

struct options {
	const char *config;
	const char *policy;
	const char *socket;      /* ours; default controld.sock beside the dataplane's */
	const char *dp_socket;   /* default control.socket of appliance.cfg */
	const char *audit;       /* default <logging.dir>/policy-audit.jsonl */
};

struct controld {
	struct options o;
	char socket_path[PATH_MAX];
	char dp_path[PATH_MAX];
	char audit_path[PATH_MAX];
	struct appliance *a;
	struct policy *p;
	struct cpolicy *cp;          /* what the dataplane runs (or will, once connected) */
	struct dpconn dp;
	struct flowlog *log;
	struct recstream rs;         /* the record stream into log: de-dup, acks, run ends */
	bool dp_up;                  /* connected at the last look */
	struct seal_key *key;
	struct seal_keyring retired;  /* public keys of the keys rotated out, beside key */
	struct seal_keyring ring;     /* key, then retired: checks the checkpoint file */
	struct anchor *anchor;        /* where the log's checkpoints go; NULL: nowhere */
	int anchor_rc;                /* the last checkpoint's result, to say changes once */
	unsigned n_ipfix;
	struct ipfix_exporter *ipfix[APPLIANCE_MAX_COLLECTORS];
	char ipfix_name[APPLIANCE_MAX_COLLECTORS][24];   /* "a.b.c.d:port" */
	int64_t started_ms;
	struct opsock ops;           /* our socket and bunrictl's connections to it */
	int64_t next_connect_ms;
	bool stop;
};

/* Wall-clock milliseconds. */
int64_t controld_now_ms(void);
/* A line on stderr (the journal) prefixed "bunri-controld: ". */
void controld_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the flow log of logging.dir with its key, retired keys and checkpoints, and
 * finds where the dataplane's records stand in it: 0, or -errno (said why). */
int controld_open_flowlog(struct controld *c);
/* Opens the IPFIX collectors of logging.ipfix; one that cannot be set up is said and
 * skipped (the sealed flow log is the record of truth). */
void controld_open_ipfix(struct controld *c);

#endif
