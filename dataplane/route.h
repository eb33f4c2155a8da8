/* Where packets go and where they may come from: longest-prefix match (rte_lpm) over
 * every zone's connected subnet, networks and static routes, and a second LPM over the
 * zones' networks for anti-spoofing. Built once per policy, read-only afterwards. */
#ifndef BUNRI_ROUTE_H
#define BUNRI_ROUTE_H

#include <stdint.h>

#include <rte_lpm.h>

#include "cpolicy.h"

struct route_hop {
	uint8_t zone;
	uint32_t via; /* next hop, host byte order; 0: the destination is on the link */
};

struct route {
	struct rte_lpm *lpm;    /* next hop value: index into hops */
	struct route_hop *hops;
	uint32_t n_hops;
	struct rte_lpm *nets;   /* next hop value: the zone a source may come from */
};

/* Builds both tables from cp; name must be unique among live routes (rte_lpm names
 * are global). 0, -ENOMEM, -ENOSPC (too many prefixes), or rte_lpm's error. */
int route_build(struct route *r, const char *name, const struct cpolicy *cp, int socket);
void route_free(struct route *r);

/* 0 and the egress zone and the address to resolve (the destination itself when it is
 * on the link), or -ENOENT when nothing covers dst. */
static inline int route_lookup(const struct route *r, uint32_t dst, uint8_t *zone,
			       uint32_t *nexthop)
{
	uint32_t idx;

	if (r->lpm == NULL || rte_lpm_lookup(r->lpm, dst, &idx) != 0 || idx >= r->n_hops)
		return -ENOENT;
	*zone = r->hops[idx].zone;
	*nexthop = r->hops[idx].via != 0 ? r->hops[idx].via : dst;
	return 0;
}

/* The zone whose networks hold src, or -ENOENT. */
static inline int route_source_zone(const struct route *r, uint32_t src)
{
	uint32_t zone;

	if (r->nets == NULL || rte_lpm_lookup(r->nets, src, &zone) != 0)
		return -ENOENT;
	return (int)zone;
}

#endif
