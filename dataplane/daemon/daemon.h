/* The state of one bunri-dataplane process, shared by its control thread (main lcore:
 * install.c, query.c, ctlsrv.c) and read by its workers only through `tables`. */
#ifndef BUNRI_DAEMON_H
#define BUNRI_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "flowname.h"
#include "policy.h"
#include "ports.h"
#include "tables.h"
#include "worker.h"

struct rte_rcu_qsbr;

/* What a flow has counted under policies already retired, and when it last counted. */
struct flow_history {
	struct rule_counters total;    /* retired tables only */
	uint64_t seen_packets;         /* all tables, at the last tick */
	int64_t last_hit_ms;           /* 0: never */
};

struct daemon {
	const char *config_path;
	struct appliance *appliance;
	int64_t started_ms;
	struct ports ports;
	unsigned n_workers;
	struct worker *workers;
	struct tables *tables;         /* published: workers acquire-load it */
	uint64_t generation;
	struct flowname *names;
	struct rte_rcu_qsbr *qs;
	volatile bool stop;
	int64_t loaded_ms;             /* when the running policy was installed */
	uint64_t installs;
	uint64_t refused;
	uint64_t build_us_last;        /* tables_build() of the last install */
	uint64_t build_us_max;
	uint64_t swap_us_last;         /* publish until the old tables could be freed */
	struct flow_history *history;  /* by flowname number, FLOWNAME_MAX + 1 */
};

/* Unix time in ms. */
int64_t daemon_now_ms(void);

/* Builds tables from cp (taking it on success), publishes them with one pointer swap,
 * waits until every worker has passed a quiescent state and frees the old ones, keeping
 * their rule counters in the flow history. 0, or -errno with a sentence in err (a
 * policy for other ports, tables that cannot be built); the running policy stays. */
int install_policy(struct daemon *d, struct cpolicy *cp, char *err, size_t errlen);
/* Notes which flows counted packets since the last tick (for `last hit`). */
void install_tick(struct daemon *d, int64_t now_ms);

#endif
