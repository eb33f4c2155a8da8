/* Where packets go and where they may come from: longest-prefix match (rte_lpm) over
 * every zone's connected subnet, networks and static routes, and a second LPM over the
 * zones' networks for anti-spoofing. rte_lpm takes prefix lengths 1 to 32, so a
 * 0.0.0.0/0 (a zone that reaches the whole Internet) is kept beside each LPM as its
 * default, used only when no longer prefix matches. Built once per policy, read-only
 * afterwards. */
#ifndef BUNRI_ROUTE_H
#define BUNRI_ROUTE_H

#include <stdint.h>

#include <rte_lpm.h>

#include "cpolicy.h"

struct route_hop {
	uint8_t zone;
	uint32_t via; /* next hop, host byte order; 0: the destination is on the link */
};

#define ROUTE_NONE UINT32_MAX

struct route {
	struct rte_lpm *lpm;    /* next hop value: index into hops */
	struct route_hop *hops;
	uint32_t n_hops;
	uint32_t default_hop;   /* index into hops for 0.0.0.0/0, or ROUTE_NONE */
	struct rte_lpm *nets;   /* next hop value: the zone a source may come from */
	uint32_t default_zone;  /* the zone whose networks hold 0.0.0.0/0, or ROUTE_NONE */
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

	if (r->lpm == NULL)
		return -ENOENT;
	if (rte_lpm_lookup(r->lpm, dst, &idx) != 0)
		idx = r->default_hop;
	if (idx >= r->n_hops)
		return -ENOENT;
	*zone = r->hops[idx].zone;
	*nexthop = r->hops[idx].via != 0 ? r->hops[idx].via : dst;
	return 0;
}

/* The zone whose networks hold src, or -ENOENT. */
static inline int route_source_zone(const struct route *r, uint32_t src)
{
	uint32_t zone;

	if (r->nets == NULL)
		return -ENOENT;
	if (rte_lpm_lookup(r->nets, src, &zone) != 0) {
		zone = r->default_zone;
		if (zone == ROUTE_NONE)
			return -ENOENT;
	}
	return (int)zone;
}

#endif
