/* Turning a checked policy into the compiled form: the zones' tables, and one rule per
 * (source prefix, destination prefix, service) of every flow in force, in file order. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpolicy_impl.h"
#include "policy.h"

static int build_tables(const struct appliance *a, struct cpolicy *cp)
{
	size_t nets = 0, routes = 0, neighbors = 0;

	for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
		const struct zone_cfg *z = &a->zones[zi];

		cp->zones[zi] = z->cp;
		cp->zones[zi].enabled = z->enabled;
		if (!z->enabled)
			continue;
		nets += z->n_networks;
		routes += z->n_routes + 1;
		neighbors += z->n_neighbors;
	}
	cp->nets = calloc(nets ? nets : 1, sizeof(*cp->nets));
	cp->routes = calloc(routes ? routes : 1, sizeof(*cp->routes));
	cp->neighbors = calloc(neighbors ? neighbors : 1, sizeof(*cp->neighbors));
	if (!cp->nets || !cp->routes || !cp->neighbors)
		return -ENOMEM;
	for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
		const struct zone_cfg *z = &a->zones[zi];

		if (!z->enabled)
			continue;
		for (unsigned i = 0; i < z->n_networks; i++)
			cp->nets[cp->n_nets++] = (struct cp_net){ z->networks[i].addr,
								  z->networks[i].len, (uint8_t)zi };
		/* The connected subnet: reached directly, next hop = the destination. */
		cp->routes[cp->n_routes++] = (struct cp_route){
			z->cp.address & cidr_mask(z->cp.prefix_len), z->cp.prefix_len, (uint8_t)zi, 0
		};
		for (unsigned i = 0; i < z->n_routes; i++)
			cp->routes[cp->n_routes++] = (struct cp_route){
				z->routes[i].to.addr, z->routes[i].to.len, (uint8_t)zi, z->routes[i].via
			};
		for (unsigned i = 0; i < z->n_neighbors; i++) {
			struct cp_neighbor *nb = &cp->neighbors[cp->n_neighbors++];

			nb->ip = z->neighbors[i].ip;
			nb->zone = (uint8_t)zi;
			memcpy(nb->mac, z->neighbors[i].mac, 6);
		}
	}
	return 0;
}

static void add_rules(struct cpolicy *cp, const struct flow *f, uint32_t flow_index)
{
	const struct cidr *src, *dst;
	unsigned ns = endpoint_addrs(&f->from, &src), nd = endpoint_addrs(&f->to, &dst);
	const struct host *h = f->from.host;

	for (unsigned i = 0; i < ns; i++)
		for (unsigned j = 0; j < nd; j++)
			for (unsigned k = 0; k < f->n_svcs; k++) {
				struct cp_rule *r = &cp->rules[cp->n_rules++];

				r->flow = flow_index;
				r->from_zone = (uint8_t)f->from.zone;
				r->to_zone = (uint8_t)f->to.zone;
				r->proto = f->svcs[k].proto;
				r->src = src[i].addr;
				r->src_len = src[i].len;
				r->dst = dst[j].addr;
				r->dst_len = dst[j].len;
				r->port_lo = f->svcs[k].lo;
				r->port_hi = f->svcs[k].hi;
				r->has_mac = h && h->has_mac;
				if (r->has_mac)
					memcpy(r->src_mac, h->mac, 6);
			}
}

static int build_flows(const struct policy *p, int64_t now, struct cpolicy *cp)
{
	size_t flows = 0, rules = 0;

	for (unsigned i = 0; i < p->n_flows; i++)
		if (check_flow_active(&p->flows[i], now)) {
			flows++;
			rules += check_flow_rules(&p->flows[i]);
		}
	if (rules > CPOLICY_MAX_RULES)
		return -E2BIG;
	cp->flows = calloc(flows ? flows : 1, sizeof(*cp->flows));
	cp->rules = calloc(rules ? rules : 1, sizeof(*cp->rules));
	if (!cp->flows || !cp->rules)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];
		struct cp_flow *cf;

		if (!f->broken) {
			if (f->valid_from > now && (!cp->next_change || f->valid_from < cp->next_change))
				cp->next_change = f->valid_from;
			if (f->valid_until > now &&
			    (!cp->next_change || f->valid_until < cp->next_change))
				cp->next_change = f->valid_until;
		}
		if (!check_flow_active(f, now))
			continue;
		cf = &cp->flows[cp->n_flows];
		strcpy(cf->id, f->id);
		cf->purpose = strdup(f->purpose);
		cf->approved_by = strdup(f->approved_by);
		cf->kind = f->kind;
		cf->log = f->log;
		cf->valid_from = f->valid_from;
		cf->valid_until = f->valid_until;
		cf->max_connections = f->max_connections;
		cf->first_rule = (uint32_t)cp->n_rules;
		cf->n_rules = (uint32_t)check_flow_rules(f);
		cp->n_flows++;
		if (!cf->purpose || !cf->approved_by)
			return -ENOMEM;
		add_rules(cp, f, (uint32_t)(cp->n_flows - 1));
	}
	return 0;
}

static int digest(const struct appliance *a, const struct policy *p, struct cpolicy *cp)
{
	uint8_t both[2 * CPOLICY_DIGEST_LEN];

	memcpy(both, a->digest, CPOLICY_DIGEST_LEN);
	if (p)
		memcpy(both + CPOLICY_DIGEST_LEN, p->digest, CPOLICY_DIGEST_LEN);
	else
		memset(both + CPOLICY_DIGEST_LEN, 0, CPOLICY_DIGEST_LEN);
	return EVP_Digest(both, sizeof(both), cp->digest, NULL, EVP_sha256(), NULL) ? 0 : -ENOMEM;
}

static struct cpolicy *compile_checked(const struct appliance *a, const struct policy *p,
				       int64_t now);

struct cpolicy *policy_compile(const struct appliance *a, const struct policy *p, int64_t now)
{
	/* Compiling re-runs the checks: nothing reaches the dataplane unchecked. */
	if (p) {
		struct diag *d = diag_new();
		unsigned errors;

		if (!d) {
			errno = ENOMEM;
			return NULL;
		}
		errors = policy_check(a, p, now, d);
		for (unsigned i = 0; i < p->n_flows; i++)
			errors += p->flows[i].broken;
		diag_free(d);
		if (errors) {
			errno = EINVAL;
			return NULL;
		}
	}
	return compile_checked(a, p, now);
}

/* p has passed policy_check() at now, with no errors. */
static struct cpolicy *compile_checked(const struct appliance *a, const struct policy *p,
				       int64_t now)
{
	struct cpolicy *cp;
	int ret;

	cp = calloc(1, sizeof(*cp));
	if (!cp) {
		errno = ENOMEM;
		return NULL;
	}
	cp->name = strdup(a->name);
	cp->compiled_at = now;
	cp->timeouts = a->timeouts;
	cp->limits = a->limits;
	if (cp->limits.zone_connections == 0) /* an appliance not read from a file */
		appliance_limits_default(&cp->limits);
	ret = cp->name ? build_tables(a, cp) : -ENOMEM;
	if (!ret && p) {
		ret = build_flows(p, now, cp);
	} else if (!ret) {
		cp->flows = calloc(1, sizeof(*cp->flows));
		cp->rules = calloc(1, sizeof(*cp->rules));
		ret = cp->flows && cp->rules ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = digest(a, p, cp);
	if (ret < 0) {
		cpolicy_free(cp);
		errno = -ret;
		return NULL;
	}
	return cp;
}

int policy_build(const char *appliance_path, const char *policy_path, int64_t now,
		 struct diag *d, struct cpolicy **out)
{
	struct appliance *a = NULL;
	struct policy *p = NULL;
	int ret;

	if (out)
		*out = NULL;
	ret = appliance_load(appliance_path, d, &a);
	if (ret < 0)
		goto out;
	ret = policy_load(policy_path, a, d, &p);
	if (!p)
		goto out;
	if (policy_check(a, p, now, d) > 0 || ret < 0) {
		ret = -EINVAL;
		goto out;
	}
	if (out) {
		*out = compile_checked(a, p, now);
		if (!*out)
			ret = -errno;
	}
out:
	diag_sort(d);
	policy_free(p);
	appliance_free(a);
	return ret;
}
