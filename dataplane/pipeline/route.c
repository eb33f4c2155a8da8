#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "route.h"

#define ROUTE_LOG(level, ...) RTE_LOG(level, USER1, "route: " __VA_ARGS__)

#define TBL8S CPOLICY_MAX_LONG_PREFIXES /* one tbl8 group per prefix longer than /24 */

static struct rte_lpm *lpm_new(const char *name, const char *suffix, uint32_t rules,
			       int socket)
{
	struct rte_lpm_config cfg = {
		.max_rules = rules < 16 ? 16 : rules,
		.number_tbl8s = TBL8S,
	};
	char full[RTE_LPM_NAMESIZE];
	struct rte_lpm *lpm;

	snprintf(full, sizeof(full), "%s%s", name, suffix);
	lpm = rte_lpm_create(full, socket, &cfg);
	if (lpm == NULL)
		ROUTE_LOG(ERR, "rte_lpm_create %s: %s\n", full, rte_strerror(rte_errno));
	return lpm;
}

static int hop_add(struct route *r, uint32_t addr, uint8_t len, uint8_t zone,
		   uint32_t via)
{
	int ret;

	r->hops[r->n_hops] = (struct route_hop){ .zone = zone, .via = via };
	/* Adding a prefix again replaces its next hop: later calls win, the default too. */
	if (len == 0) {
		r->default_hop = r->n_hops++;
		return 0;
	}
	ret = rte_lpm_add(r->lpm, addr, len, r->n_hops);
	if (ret != 0) {
		ROUTE_LOG(ERR, "rte_lpm_add %08x/%u: %s\n", addr, len, rte_strerror(-ret));
		return ret;
	}
	r->n_hops++;
	return 0;
}

int route_build(struct route *r, const char *name, const struct cpolicy *cp, int socket)
{
	const struct cp_route *routes;
	const struct cp_net *nets;
	size_t n_routes = cpolicy_routes(cp, &routes);
	size_t n_nets = cpolicy_nets(cp, &nets);
	uint32_t total = (uint32_t)(n_routes + n_nets + ZONE_COUNT);
	int ret = -ENOMEM;

	*r = (struct route){ .default_hop = ROUTE_NONE, .default_zone = ROUTE_NONE };
	r->hops = calloc(total, sizeof(*r->hops));
	if (r->hops == NULL)
		goto err_hops;
	r->lpm = lpm_new(name, "r", total, socket);
	if (r->lpm == NULL)
		goto err_lpm;
	r->nets = lpm_new(name, "n", (uint32_t)n_nets, socket);
	if (r->nets == NULL)
		goto err_nets;

	/* Weakest first: a zone's networks are reached on its link unless a route or
	 * the connected subnet says otherwise. */
	for (size_t i = 0; i < n_nets; i++) {
		ret = hop_add(r, nets[i].addr, nets[i].len, nets[i].zone, 0);
		if (ret != 0)
			goto err_add;
		if (nets[i].len == 0) {
			r->default_zone = nets[i].zone;
			continue;
		}
		ret = rte_lpm_add(r->nets, nets[i].addr, nets[i].len, nets[i].zone);
		if (ret != 0) {
			ROUTE_LOG(ERR, "rte_lpm_add net: %s\n", rte_strerror(-ret));
			goto err_add;
		}
	}
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		const struct cp_zone *cz = cpolicy_zone(cp, (enum zone)z);

		if (!cz->enabled || cz->address == 0 || cz->prefix_len == 0)
			continue;
		ret = hop_add(r, cz->address & (UINT32_MAX << (32 - cz->prefix_len)),
			      cz->prefix_len, (uint8_t)z, 0);
		if (ret != 0)
			goto err_add;
	}
	for (size_t i = 0; i < n_routes; i++) {
		ret = hop_add(r, routes[i].addr, routes[i].len, routes[i].zone, routes[i].via);
		if (ret != 0)
			goto err_add;
	}
	return 0;

err_add:
	rte_lpm_free(r->nets);
err_nets:
	rte_lpm_free(r->lpm);
err_lpm:
	free(r->hops);
err_hops:
	*r = (struct route){ .default_hop = ROUTE_NONE, .default_zone = ROUTE_NONE };
	return ret;
}

void route_free(struct route *r)
{
	rte_lpm_free(r->nets);
	rte_lpm_free(r->lpm);
	free(r->hops);
	*r = (struct route){ .default_hop = ROUTE_NONE, .default_zone = ROUTE_NONE };
}
