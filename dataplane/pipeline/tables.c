#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>

#include "acl.h"
#include "tables.h"

#define TABLES_LOG(level, ...) RTE_LOG(level, USER1, "tables: " __VA_ARGS__)

/* appliance.cfg defaults (RFC 5382 for established TCP). */
#define DEFAULT_TCP_ESTABLISHED 7440
#define DEFAULT_TCP_TRANSITORY 240
#define DEFAULT_UDP 120
#define DEFAULT_ICMP 30

static int neigh_cmp(const void *a, const void *b)
{
	const struct cp_neighbor *x = a, *y = b;

	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return 0;
}

static void zones_fill(struct tables *t, const struct rte_ether_addr port_mac[ZONE_COUNT])
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		const struct cp_zone *cz = cpolicy_zone(t->cp, (enum zone)z);
		struct tables_zone *tz = &t->zone[z];

		tz->enabled = cz->enabled;
		if (cz->has_mac)
			memcpy(tz->mac.addr_bytes, cz->mac, RTE_ETHER_ADDR_LEN);
		else
			tz->mac = port_mac[z];
		tz->vlan = cz->vlan;
		tz->address = cz->address;
		tz->mask = cz->prefix_len == 0 ? 0 : UINT32_MAX << (32 - cz->prefix_len);
		tz->net = cz->address & tz->mask;
		tz->ping = cz->ping;
		tz->n_links = (uint8_t)RTE_MAX(1u, RTE_MIN(cz->n_ports, (unsigned)CP_PORTS_MAX));
	}
}

static void timeouts_fill(struct tables *t)
{
	const struct cp_timeouts *to = cpolicy_timeouts(t->cp);

	t->timeouts.tcp_established = to->tcp_established ? to->tcp_established :
		DEFAULT_TCP_ESTABLISHED;
	t->timeouts.tcp_transitory = to->tcp_transitory ? to->tcp_transitory :
		DEFAULT_TCP_TRANSITORY;
	t->timeouts.udp = to->udp ? to->udp : DEFAULT_UDP;
	t->timeouts.icmp = to->icmp ? to->icmp : DEFAULT_ICMP;
}

static int rules_fill(struct tables *t, struct flowname *names)
{
	const struct cp_flow *flows;
	size_t n_flows = cpolicy_flows(t->cp, &flows);
	size_t n_rules = cpolicy_rules(t->cp, &t->rules);

	if (n_rules > ACL_MAX_RULES)
		return -ENOSPC;
	t->n_rules = (uint32_t)n_rules;
	t->rule_flow = calloc(n_rules + 1, sizeof(*t->rule_flow));
	if (t->rule_flow == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_rules; i++) {
		int n;

		if (t->rules[i].flow >= n_flows || t->rules[i].from_zone >= ZONE_COUNT ||
		    t->rules[i].to_zone >= ZONE_COUNT) {
			TABLES_LOG(ERR, "rule %zu refers to a flow or zone that does not exist\n", i);
			return -EINVAL;
		}
		n = flowname_intern(names, flows[t->rules[i].flow].id);
		if (n < 0)
			return n;
		t->rule_flow[i] = (uint16_t)n;
	}
	return 0;
}

int tables_build(struct cpolicy *cp, const struct rte_ether_addr port_mac[ZONE_COUNT],
		 uint64_t generation, struct flowname *names, unsigned n_workers,
		 int socket, struct tables **out)
{
	const struct cp_neighbor *neigh;
	struct cp_neighbor *sorted = NULL;
	char name[RTE_MEMZONE_NAMESIZE];
	struct tables *t;
	int ret = -ENOMEM;

	*out = NULL;
	if (n_workers == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto err_alloc;
	t->generation = generation;
	t->cp = cp;
	t->n_workers = n_workers;
	zones_fill(t, port_mac);
	timeouts_fill(t);

	t->n_neigh = (uint32_t)cpolicy_neighbors(cp, &neigh);
	if (t->n_neigh > 0) {
		sorted = malloc(t->n_neigh * sizeof(*sorted));
		if (sorted == NULL)
			goto err_neigh;
		memcpy(sorted, neigh, t->n_neigh * sizeof(*sorted));
		qsort(sorted, t->n_neigh, sizeof(*sorted), neigh_cmp);
	}
	t->neigh = sorted;

	ret = rules_fill(t, names);
	if (ret != 0)
		goto err_rules;
	t->rule_counters = rte_zmalloc_socket("bunri_rule_counters",
		sizeof(*t->rule_counters) * ((size_t)t->n_rules + 1) * n_workers,
		RTE_CACHE_LINE_SIZE, socket);
	if (t->rule_counters == NULL) {
		ret = -ENOMEM;
		goto err_counters;
	}
	snprintf(name, sizeof(name), "bt%" PRIu64, generation);
	ret = route_build(&t->route, name, cp, socket);
	if (ret != 0)
		goto err_route;
	ret = acl_build(name, t->rules, t->n_rules, socket, &t->acl);
	if (ret != 0)
		goto err_acl;
	*out = t;
	return 0;

err_acl:
	route_free(&t->route);
err_route:
	rte_free(t->rule_counters);
err_counters:
err_rules:
	free(t->rule_flow);
	free(sorted);
err_neigh:
	free(t);
err_alloc:
	TABLES_LOG(ERR, "generation %" PRIu64 ": %s\n", generation, strerror(-ret));
	return ret;
}

void tables_free(struct tables *t)
{
	if (t == NULL)
		return;
	acl_free(t->acl);
	route_free(&t->route);
	rte_free(t->rule_counters);
	free(t->rule_flow);
	free((void *)t->neigh);
	cpolicy_free(t->cp);
	free(t);
}

const struct cp_neighbor *tables_neighbor(const struct tables *t, uint8_t zone,
					  uint32_t ip)
{
	struct cp_neighbor key = { .ip = ip, .zone = zone };

	if (t->n_neigh == 0)
		return NULL;
	return bsearch(&key, t->neigh, t->n_neigh, sizeof(key), neigh_cmp);
}

void tables_rule_total(const struct tables *t, uint32_t rule, struct rule_counters *out)
{
	*out = (struct rule_counters){ 0 };
	if (rule >= t->n_rules)
		return;
	for (unsigned w = 0; w < t->n_workers; w++) {
		const struct rule_counters *c = &t->rule_counters[w * t->n_rules + rule];

		out->packets += c->packets;
		out->bytes += c->bytes;
		out->connections += c->connections;
	}
}
