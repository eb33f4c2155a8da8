/* appliance.cfg's zones: each zone's ports, own address, networks, routes and static
 * neighbours, the checks that keep zones apart, and longest-prefix lookups over them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zones.h"

#define ERR(ld, s, code, ...) \
	diag_add((ld)->d, DIAG_ERROR, (ld)->file, cfgread_line(s), NULL, 0, code, __VA_ARGS__)

static const char *const zone_keys[] = { "port", "mac", "vlan", "address", "networks",
					 "routes", "neighbors", "ping", NULL };

static void parse_ports(struct cfgctx *ld, struct zone_cfg *z, const config_setting_t *s,
			const char *zn)
{
	char what[64];
	unsigned n;

	snprintf(what, sizeof(what), "zone %s: port", zn);
	n = cfgread_string_count(s, ld->file, NULL, what, ld->d);
	if (n > CP_PORTS_MAX) {
		ERR(ld, s, "too-many", "zone %s: at most %d ports per zone", zn, CP_PORTS_MAX);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *p = cfgread_string_at(s, i);

		if (!p[0] || strlen(p) >= CP_PORT_NAME_MAX) {
			ERR(ld, s, "bad-port",
			    "zone %s: port \"%s\" must be a PCI address or vdev name of 1-%d "
			    "characters",
			    zn, p, CP_PORT_NAME_MAX - 1);
			continue;
		}
		strcpy(z->cp.ports[z->cp.n_ports++], p);
	}
}

static void parse_address(struct cfgctx *ld, struct zone_cfg *z, const config_setting_t *s,
			  const char *zn)
{
	const char *v = cfgread_string(s, ld->file, NULL, "address", ld->d);
	char buf[ADDR_STRLEN + 1];
	const char *slash;
	struct cidr net;
	uint32_t ip;

	if (!v)
		return;
	slash = strchr(v, '/');
	if (!slash || (size_t)(slash - v) >= sizeof(buf))
		goto bad;
	memcpy(buf, v, (size_t)(slash - v));
	buf[slash - v] = '\0';
	if (addr_parse_ipv4(buf, &ip) < 0)
		goto bad;
	/* The prefix alone, host bits taken as zero, tells the connected subnet. */
	snprintf(buf, sizeof(buf), "0.0.0.0%s", slash);
	if (addr_parse_cidr(buf, &net) < 0 || net.len < 8 || net.len > 30)
		goto bad;
	net.addr = ip & cidr_mask(net.len);
	if (ip == net.addr || ip == (net.addr | ~cidr_mask(net.len))) {
		ERR(ld, s, "bad-address",
		    "zone %s: address %s is the subnet's network or broadcast address; give "
		    "the appliance's own host address, e.g. \"10.10.0.1/24\"",
		    zn, v);
		return;
	}
	z->cp.address = ip;
	z->cp.prefix_len = net.len;
	return;
bad:
	ERR(ld, s, "bad-address",
	    "zone %s: address \"%s\" must be the appliance's address with its prefix length "
	    "8-30, e.g. \"10.10.0.1/24\"",
	    zn, v);
}

static void parse_networks(struct cfgctx *ld, struct zone_cfg *z, const config_setting_t *s,
			   const char *zn)
{
	char what[64];
	unsigned n;

	snprintf(what, sizeof(what), "zone %s: networks", zn);
	n = cfgread_string_count(s, ld->file, NULL, what, ld->d);
	z->networks = calloc(n ? n : 1, sizeof(*z->networks));
	z->network_lines = calloc(n ? n : 1, sizeof(*z->network_lines));
	if (!z->networks || !z->network_lines) {
		ERR(ld, s, "nomem", "out of memory");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *v = cfgread_string_at(s, i);
		struct cidr c;
		int r = addr_parse_cidr(v, &c);

		if (r == -EDOM) {
			ERR(ld, s, "bad-cidr",
			    "zone %s: network \"%s\" has host bits set; write the network "
			    "address, e.g. \"10.10.0.0/16\"",
			    zn, v);
			continue;
		}
		if (r < 0) {
			ERR(ld, s, "bad-cidr",
			    "zone %s: network \"%s\" is not an IPv4 prefix like \"10.10.0.0/16\"",
			    zn, v);
			continue;
		}
		z->network_lines[z->n_networks] = cfgread_line(s);
		z->networks[z->n_networks++] = c;
	}
}

static bool in_subnet(const struct zone_cfg *z, uint32_t ip)
{
	struct cidr sub = { z->cp.address & cidr_mask(z->cp.prefix_len), z->cp.prefix_len };

	return z->cp.prefix_len && cidr_contains_addr(sub, ip) && ip != z->cp.address;
}

static void parse_routes(struct cfgctx *ld, struct zone_cfg *z, const config_setting_t *s,
			 const char *zn)
{
	int n = config_setting_length(s);
	static const char *const keys[] = { "to", "via", NULL };

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		ERR(ld, s, "type", "zone %s: routes must be a list: ( { to = ...; via = ...; } )",
		    zn);
		return;
	}
	z->routes = calloc(n ? (size_t)n : 1, sizeof(*z->routes));
	if (!z->routes) {
		ERR(ld, s, "nomem", "out of memory");
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *r = config_setting_get_elem(s, (unsigned)i);
		const char *to = NULL, *via = NULL;
		struct route_cfg rc = { .line = cfgread_line(r) };

		if (!config_setting_is_group(r)) {
			ERR(ld, r, "type", "zone %s: each route is a group { to = ...; via = ...; }", zn);
			continue;
		}
		cfgread_unknown_keys(r, keys, ld->file, NULL, "a route", ld->d);
		if (!config_setting_lookup_string(r, "to", &to) ||
		    !config_setting_lookup_string(r, "via", &via)) {
			ERR(ld, r, "missing", "zone %s: a route needs both to and via as strings", zn);
			continue;
		}
		if (addr_parse_cidr(to, &rc.to) < 0) {
			ERR(ld, r, "bad-cidr", "zone %s: route to \"%s\" is not a network prefix", zn, to);
			continue;
		}
		if (addr_parse_ipv4(via, &rc.via) < 0 || !in_subnet(z, rc.via)) {
			ERR(ld, r, "bad-route",
			    "zone %s: route via \"%s\" must be a gateway address on the zone's own "
			    "subnet (see address)",
			    zn, via);
			continue;
		}
		z->routes[z->n_routes++] = rc;
	}
}

static void parse_neighbors(struct cfgctx *ld, struct zone_cfg *z, const config_setting_t *s,
			    const char *zn)
{
	int n = config_setting_length(s);
	static const char *const keys[] = { "ip", "mac", NULL };

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		ERR(ld, s, "type", "zone %s: neighbors must be a list: ( { ip = ...; mac = ...; } )",
		    zn);
		return;
	}
	z->neighbors = calloc(n ? (size_t)n : 1, sizeof(*z->neighbors));
	if (!z->neighbors) {
		ERR(ld, s, "nomem", "out of memory");
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *ip = NULL, *mac = NULL;
		struct neighbor_cfg nc = { .line = cfgread_line(e) };

		if (!config_setting_is_group(e)) {
			ERR(ld, e, "type", "zone %s: each neighbor is a group { ip = ...; mac = ...; }", zn);
			continue;
		}
		cfgread_unknown_keys(e, keys, ld->file, NULL, "a neighbor", ld->d);
		if (!config_setting_lookup_string(e, "ip", &ip) ||
		    !config_setting_lookup_string(e, "mac", &mac)) {
			ERR(ld, e, "missing", "zone %s: a neighbor needs both ip and mac as strings", zn);
			continue;
		}
		if (addr_parse_ipv4(ip, &nc.ip) < 0 || !in_subnet(z, nc.ip)) {
			ERR(ld, e, "bad-neighbor",
			    "zone %s: neighbor ip \"%s\" must be an address on the zone's own subnet",
			    zn, ip);
			continue;
		}
		if (addr_parse_mac(mac, nc.mac) < 0) {
			ERR(ld, e, "bad-mac",
			    "zone %s: neighbor mac \"%s\" must be a unicast MAC like "
			    "\"52:54:00:00:10:fe\"",
			    zn, mac);
			continue;
		}
		for (unsigned j = 0; j < z->n_neighbors; j++)
			if (z->neighbors[j].ip == nc.ip)
				ERR(ld, e, "duplicate",
				    "zone %s: neighbor %s is already given at line %u", zn, ip,
				    z->neighbors[j].line);
		z->neighbors[z->n_neighbors++] = nc;
	}
}

static void parse_zone(struct cfgctx *ld, struct appliance *a, enum zone zi,
		       const config_setting_t *s)
{
	struct zone_cfg *z = &a->zones[zi];
	const char *zn = zone_name(zi);
	const config_setting_t *c;
	char what[32];

	z->enabled = true;
	z->line = cfgread_line(s);
	snprintf(what, sizeof(what), "zone %s", zn);
	if (!config_setting_is_group(s)) {
		ERR(ld, s, "type", "zone %s must be a group { port = ...; address = ...; }", zn);
		return;
	}
	cfgread_unknown_keys(s, zone_keys, ld->file, NULL, what, ld->d);
	if ((c = config_setting_get_member(s, "port")))
		parse_ports(ld, z, c, zn);
	else
		ERR(ld, s, "missing", "zone %s has no port; write port = \"<PCI address or vdev>\"", zn);
	if ((c = config_setting_get_member(s, "address")))
		parse_address(ld, z, c, zn);
	else
		ERR(ld, s, "missing", "zone %s has no address; write address = \"10.x.x.1/24\"", zn);
	if ((c = config_setting_get_member(s, "networks")))
		parse_networks(ld, z, c, zn);
	else
		ERR(ld, s, "missing",
		    "zone %s has no networks; list every source prefix the zone uses", zn);
	if ((c = config_setting_get_member(s, "routes")))
		parse_routes(ld, z, c, zn);
	if ((c = config_setting_get_member(s, "neighbors")))
		parse_neighbors(ld, z, c, zn);
	if ((c = config_setting_get_member(s, "mac"))) {
		const char *v = cfgread_string(c, ld->file, NULL, "mac", ld->d);

		if (v && addr_parse_mac(v, z->cp.mac) < 0)
			ERR(ld, c, "bad-mac", "zone %s: mac \"%s\" must be a unicast MAC", zn, v);
		z->cp.has_mac = v != NULL;
	}
	if ((c = config_setting_get_member(s, "vlan"))) {
		int v = config_setting_get_int(c);

		if (config_setting_type(c) != CONFIG_TYPE_INT || v < 1 || v > 4094)
			ERR(ld, c, "bad-vlan", "zone %s: vlan must be an 802.1Q id 1-4094", zn);
		else
			z->cp.vlan = (uint16_t)v;
	}
	if ((c = config_setting_get_member(s, "ping"))) {
		if (config_setting_type(c) != CONFIG_TYPE_BOOL)
			ERR(ld, c, "type", "zone %s: ping must be true or false", zn);
		z->cp.ping = config_setting_get_bool(c);
	}
	z->cp.enabled = true;
}

/* Longest-prefix owner of c among (prefix, zone) pairs, refusing a c that a more
 * specific prefix of another zone cuts into. */
struct prefix_set {
	const struct appliance *a;
	bool routes; /* false: networks; true: connected subnets and routes */
};

static enum zone lpm_zone(struct prefix_set ps, struct cidr c)
{
	enum zone best = ZONE_NONE;
	int best_len = -1;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
			const struct zone_cfg *z = &ps.a->zones[zi];
			unsigned n = ps.routes ? z->n_routes + 1 : z->n_networks;

			if (!z->enabled)
				continue;
			for (unsigned i = 0; i < n; i++) {
				struct cidr p;

				if (!ps.routes)
					p = z->networks[i];
				else if (i == z->n_routes)
					p = (struct cidr){ z->cp.address & cidr_mask(z->cp.prefix_len),
							   z->cp.prefix_len };
				else
					p = z->routes[i].to;
				if (ps.routes && i == z->n_routes && !z->cp.prefix_len)
					continue;
				if (pass == 0 && cidr_contains(p, c) && (int)p.len > best_len) {
					best = (enum zone)zi;
					best_len = p.len;
				}
				if (pass == 1 && p.len > c.len && cidr_contains(c, p) &&
				    (enum zone)zi != best)
					return ZONE_NONE;
			}
		}
		if (best == ZONE_NONE)
			return ZONE_NONE;
	}
	return best;
}

enum zone appliance_zone_of(const struct appliance *a, struct cidr c)
{
	return lpm_zone((struct prefix_set){ a, false }, c);
}

enum zone appliance_route_zone(const struct appliance *a, struct cidr c)
{
	return lpm_zone((struct prefix_set){ a, true }, c);
}

/* Some network of z holds all of c. More specific networks of other zones may cut
 * into it: routes and subnets follow longest-prefix rules like the dataplane does. */
static bool zone_holds(const struct zone_cfg *z, struct cidr c)
{
	for (unsigned i = 0; i < z->n_networks; i++)
		if (cidr_contains(z->networks[i], c))
			return true;
	return false;
}

static void check_zones(struct cfgctx *ld, const struct appliance *a,
			const config_setting_t *zones)
{
	unsigned enabled = 0;

	for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
		const struct zone_cfg *z = &a->zones[zi];
		const char *zn = zone_name((enum zone)zi);
		struct cidr sub = { z->cp.address & cidr_mask(z->cp.prefix_len), z->cp.prefix_len };
		char buf[ADDR_STRLEN];

		if (!z->enabled)
			continue;
		enabled++;
		if (z->cp.prefix_len && z->n_networks && !zone_holds(z, sub))
			diag_add(ld->d, DIAG_ERROR, ld->file, z->line, NULL, 0, "subnet-outside",
				 "zone %s: its own subnet %s does not lie in its networks; add it to "
				 "networks",
				 zn, addr_format_cidr(sub, buf));
		for (unsigned i = 0; i < z->n_routes; i++)
			if (!zone_holds(z, z->routes[i].to))
				diag_add(ld->d, DIAG_ERROR, ld->file, z->routes[i].line, NULL, 0,
					 "route-outside",
					 "zone %s: route to %s leaves the zone's networks; replies from "
					 "there would be dropped as spoofed. Add the prefix to networks",
					 zn, addr_format_cidr(z->routes[i].to, buf));
		for (unsigned j = zi + 1; j < ZONE_COUNT; j++) {
			const struct zone_cfg *o = &a->zones[j];

			if (!o->enabled)
				continue;
			for (unsigned p = 0; p < z->cp.n_ports; p++)
				for (unsigned q = 0; q < o->cp.n_ports; q++)
					if (strcmp(z->cp.ports[p], o->cp.ports[q]) == 0)
						diag_add(ld->d, DIAG_ERROR, ld->file, o->line, NULL, 0,
							 "shared-port",
							 "zones %s and %s both use port %s; each zone "
							 "needs its own physical port",
							 zn, zone_name((enum zone)j), o->cp.ports[q]);
			for (unsigned p = 0; p < z->n_networks; p++)
				for (unsigned q = 0; q < o->n_networks; q++)
					if (z->networks[p].addr == o->networks[q].addr &&
					    z->networks[p].len == o->networks[q].len)
						diag_add(ld->d, DIAG_ERROR, ld->file,
							 o->network_lines[q], NULL, 0, "shared-network",
							 "network %s is in zones %s and %s; a source "
							 "prefix belongs to one zone",
							 addr_format_cidr(o->networks[q], buf), zn,
							 zone_name((enum zone)j));
		}
	}
	if (enabled < 2)
		diag_add(ld->d, DIAG_ERROR, ld->file, cfgread_line(zones), NULL, 0, "zones",
			 "zones: configure at least two of mynumber, lgwan and internet");
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Adds the /24 block of c to blocks when c is longer than /24. */
static void long_prefix(struct cidr c, uint32_t *blocks, unsigned *n)
{
	if (c.len > 24)
		blocks[(*n)++] = c.addr >> 8;
}

/* The dataplane's route table (rte_lpm) keeps one second-level group for every /24
 * that holds a prefix longer than /24, and has CPOLICY_MAX_LONG_PREFIXES of them: more
 * would pass here and fail at install. */
static void check_long_prefixes(struct cfgctx *ld, const struct appliance *a,
				const config_setting_t *zones)
{
	unsigned total = 0, n = 0, distinct = 0;
	uint32_t *blocks;

	for (unsigned zi = 0; zi < ZONE_COUNT; zi++)
		if (a->zones[zi].enabled)
			total += a->zones[zi].n_networks + a->zones[zi].n_routes + 1;
	blocks = calloc(total ? total : 1, sizeof(*blocks));
	if (blocks == NULL)
		return;
	for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
		const struct zone_cfg *z = &a->zones[zi];

		if (!z->enabled)
			continue;
		long_prefix((struct cidr){ z->cp.address & cidr_mask(z->cp.prefix_len),
					   z->cp.prefix_len }, blocks, &n);
		for (unsigned i = 0; i < z->n_networks; i++)
			long_prefix(z->networks[i], blocks, &n);
		for (unsigned i = 0; i < z->n_routes; i++)
			long_prefix(z->routes[i].to, blocks, &n);
	}
	qsort(blocks, n, sizeof(*blocks), u32_cmp);
	for (unsigned i = 0; i < n; i++)
		if (i == 0 || blocks[i] != blocks[i - 1])
			distinct++;
	if (distinct > CPOLICY_MAX_LONG_PREFIXES)
		diag_add(ld->d, DIAG_ERROR, ld->file, cfgread_line(zones), NULL, 0, "too-many",
			 "zones: prefixes longer than /24 (subnets, networks, routes) lie in %u "
			 "different /24s; the dataplane's route table holds %u. Summarize them "
			 "into /24s or shorter prefixes",
			 distinct, CPOLICY_MAX_LONG_PREFIXES);
	free(blocks);
}

void zones_parse(struct cfgctx *ld, struct appliance *a, const config_setting_t *zones)
{
	int n;

	if (!zones) {
		diag_add(ld->d, DIAG_ERROR, ld->file, 0, NULL, 0, "missing",
			 "no zones group; write zones = { mynumber = {...}; lgwan = {...}; ... };");
		return;
	}
	if (!config_setting_is_group(zones)) {
		ERR(ld, zones, "type", "zones must be a group { mynumber = {...}; ... }");
		return;
	}
	n = config_setting_length(zones);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(zones, (unsigned)i);
		enum zone z = zone_from_name(config_setting_name(s));

		if (z == ZONE_NONE)
			ERR(ld, s, "unknown-zone",
			    "unknown zone \"%s\"; the zones are mynumber, lgwan and internet",
			    config_setting_name(s));
		else
			parse_zone(ld, a, z, s);
	}
	check_zones(ld, a, zones);
	check_long_prefixes(ld, a, zones);
}
