/* Reading and freeing a compiled policy. Its binary form is in cpolicy_wire.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpolicy_impl.h"

const struct cp_zone *cpolicy_zone(const struct cpolicy *cp, enum zone z)
{
	return &cp->zones[(unsigned)z < ZONE_COUNT ? z : 0];
}

const struct cp_limits *cpolicy_limits(const struct cpolicy *cp)
{
	return &cp->limits;
}

const struct cp_timeouts *cpolicy_timeouts(const struct cpolicy *cp)
{
	return &cp->timeouts;
}

#define ACCESSOR(name, type, field)                                              \
	size_t cpolicy_##name(const struct cpolicy *cp, const struct type **out) \
	{                                                                        \
		*out = cp->field;                                                \
		return cp->n_##field;                                            \
	}
ACCESSOR(nets, cp_net, nets)
ACCESSOR(routes, cp_route, routes)
ACCESSOR(neighbors, cp_neighbor, neighbors)
ACCESSOR(flows, cp_flow, flows)
ACCESSOR(rules, cp_rule, rules)

const uint8_t *cpolicy_digest(const struct cpolicy *cp)
{
	return cp->digest;
}

char *cpolicy_digest_hex(const struct cpolicy *cp, char *buf)
{
	for (int i = 0; i < CPOLICY_DIGEST_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", cp->digest[i]);
	return buf;
}

const char *cpolicy_appliance_name(const struct cpolicy *cp)
{
	return cp->name;
}

int64_t cpolicy_compiled_at(const struct cpolicy *cp)
{
	return cp->compiled_at;
}

int64_t cpolicy_next_change(const struct cpolicy *cp)
{
	return cp->next_change;
}

long cpolicy_flow_find(const struct cpolicy *cp, const char *id)
{
	for (size_t i = 0; i < cp->n_flows; i++)
		if (strcmp(cp->flows[i].id, id) == 0)
			return (long)i;
	return -1;
}

void cpolicy_free(struct cpolicy *cp)
{
	if (!cp)
		return;
	for (size_t i = 0; i < cp->n_flows; i++) {
		free((char *)cp->flows[i].purpose);
		free((char *)cp->flows[i].approved_by);
	}
	free(cp->name);
	free(cp->nets);
	free(cp->routes);
	free(cp->neighbors);
	free(cp->flows);
	free(cp->rules);
	free(cp);
}
