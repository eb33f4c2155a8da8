/* The parsed contents of appliance.cfg and policy.cfg, shared by the loader, the checks
 * and the compiler inside policy/. Not a public header: other parts see cpolicy.h. */
#ifndef BUNRI_MODEL_H
#define BUNRI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "cpolicy.h"
#include "policy.h"
#include "zone.h"

struct route_cfg {
	struct cidr to;
	uint32_t via;
	unsigned line;
};

struct neighbor_cfg {
	uint32_t ip;
	uint8_t mac[6];
	unsigned line;
};

struct zone_cfg {
	bool enabled;
	unsigned line;
	struct cp_zone cp;             /* ports, mac, vlan, address, prefix_len, ping */
	struct cidr *networks;
	unsigned *network_lines;
	unsigned n_networks;
	struct route_cfg *routes;
	unsigned n_routes;
	struct neighbor_cfg *neighbors;
	unsigned n_neighbors;
};

struct appliance {
	char *path;
	uint8_t digest[CPOLICY_DIGEST_LEN]; /* SHA-256 of the file's bytes */
	char *name;
	struct zone_cfg zones[ZONE_COUNT];
	bool has_sanitizer;
	uint32_t sanitizer_host;
	unsigned sanitizer_line;
	struct cp_timeouts timeouts;
	struct cp_limits limits;
	char *socket_path;
	char *log_dir;
	char *log_key;
	char *checkpoint_file, *syslog_socket;
	struct appliance_logging logging; /* its strings point at the strings above */
};

/* One protocol/port range, as a service resolves to. */
struct svc_entry {
	uint8_t proto;
	uint16_t lo, hi;               /* ports; ICMP: type range */
};

struct host {
	char *name;
	unsigned line;
	struct cidr *addrs;
	unsigned n_addrs;
	bool has_mac;
	uint8_t mac[6];
	bool used;
};

struct service {
	char *name;
	unsigned line;
	struct svc_entry *v;
	unsigned n;
	bool used;
};

/* One side of a flow: "zone:host" or "zone:CIDR". */
struct endpoint {
	enum zone zone;
	const struct host *host;       /* NULL for a literal CIDR */
	struct cidr literal;
	bool any;                      /* written as any or 0.0.0.0/0 */
	bool parsed;                   /* zone and addresses are known */
	char *text;
};

struct flow {
	char *id;
	char *purpose;
	char *approved_by;
	unsigned line, id_line, from_line, to_line, services_line, kind_line, until_line;
	struct endpoint from, to;
	struct svc_entry *svcs;
	unsigned n_svcs;
	bool port_unrestricted;        /* a service with no port, or the whole port range */
	enum flow_kind kind;
	bool log;
	uint32_t max_connections;      /* 0 = limits.flow_connections */
	int64_t valid_from;            /* 0 = none */
	int64_t valid_until;
	bool broken;                   /* parse errors already reported; checks skip it */
};

struct policy {
	char *path;
	uint8_t digest[CPOLICY_DIGEST_LEN];
	struct host *hosts;
	unsigned n_hosts;
	struct service *services;
	unsigned n_services;
	struct flow *flows;
	unsigned n_flows;
};

/* The addresses of an endpoint: the host's list, or the one literal. */
static inline unsigned endpoint_addrs(const struct endpoint *e, const struct cidr **out)
{
	if (e->host) {
		*out = e->host->addrs;
		return e->host->n_addrs;
	}
	*out = &e->literal;
	return 1;
}

/* The zone whose networks hold every address of c (longest prefix wins, as the
 * dataplane's anti-spoofing does), or ZONE_NONE when c lies outside every zone or
 * straddles two. */
enum zone appliance_zone_of(const struct appliance *a, struct cidr c);
/* The zone that routes (connected subnets and `routes`) send c to, by longest prefix,
 * or ZONE_NONE when no route covers all of c or routes split it between zones. */
enum zone appliance_route_zone(const struct appliance *a, struct cidr c);

#endif
