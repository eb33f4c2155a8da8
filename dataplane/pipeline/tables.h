/* Everything the pipeline reads that comes from one compiled policy, built in one
 * object so that a policy change is one pointer swap: zones, routes, anti-spoofing,
 * static neighbours, the rule table and per-worker rule counters. Never edited after
 * tables_build() returns. */
#ifndef BUNRI_TABLES_H
#define BUNRI_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "counters.h"
#include "cpolicy.h"
#include "flowname.h"
#include "route.h"

struct rte_acl_ctx;

struct tables_zone {
	bool enabled;
	struct rte_ether_addr mac;  /* the port's MAC */
	uint16_t vlan;              /* 0: untagged */
	uint32_t address;           /* host byte order; 0: none */
	uint32_t net;               /* connected subnet, host bits zero */
	uint32_t mask;
	bool ping;
	uint8_t n_links;            /* the zone's ports (1 to CP_PORTS_MAX when enabled) */
};

struct tables {
	uint64_t generation;           /* strictly increasing across installs */
	struct cpolicy *cp;            /* owned */
	struct tables_zone zone[ZONE_COUNT];
	struct route route;
	struct rte_acl_ctx *acl;       /* NULL: no rules, deny all */
	const struct cp_rule *rules;
	uint32_t n_rules;
	uint16_t *rule_flow;           /* rule index -> flowname number */
	const struct cp_neighbor *neigh; /* sorted by (zone, ip) */
	uint32_t n_neigh;
	struct cp_timeouts timeouts;   /* seconds, zeros replaced by defaults */
	unsigned n_workers;
	struct rule_counters *rule_counters; /* [worker * n_rules + rule] */
};

/* Builds tables from cp, taking ownership of cp on success. port_mac[z] is used for a
 * zone whose policy gives no MAC. 0 and *out; -EINVAL (bad policy content), -ENOMEM,
 * -ENOSPC, or a DPDK error; cp is not freed on failure. */
int tables_build(struct cpolicy *cp, const struct rte_ether_addr port_mac[ZONE_COUNT],
		 uint64_t generation, struct flowname *names, unsigned n_workers,
		 int socket, struct tables **out);
/* Frees t and the policy it owns; the caller guarantees no worker still reads it. */
void tables_free(struct tables *t);

/* The static neighbour entry for ip in zone, or NULL. */
const struct cp_neighbor *tables_neighbor(const struct tables *t, uint8_t zone,
					  uint32_t ip);
/* Sums one rule's counters over every worker. */
void tables_rule_total(const struct tables *t, uint32_t rule, struct rule_counters *out);

#endif
