/* The layout of a compiled policy, shared by compile.c (which builds it) and cpolicy.c
 * (which reads, serializes and frees it). Not a public header. */
#ifndef BUNRI_CPOLICY_IMPL_H
#define BUNRI_CPOLICY_IMPL_H

#include "cpolicy.h"

#define CPOLICY_MAX_TEXT 4096 /* bytes of a purpose or approval */

struct cpolicy {
	char *name;
	uint8_t digest[CPOLICY_DIGEST_LEN];
	int64_t compiled_at;
	int64_t next_change;
	struct cp_zone zones[ZONE_COUNT];
	struct cp_timeouts timeouts;
	struct cp_limits limits;
	struct cp_net *nets;
	size_t n_nets;
	struct cp_route *routes;
	size_t n_routes;
	struct cp_neighbor *neighbors;
	size_t n_neighbors;
	struct cp_flow *flows; /* purpose and approved_by are malloc'd per flow */
	size_t n_flows;
	struct cp_rule *rules;
	size_t n_rules;
};

#endif
