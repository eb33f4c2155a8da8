/* The compiled policy: an immutable, self-contained description of what the appliance
 * does, built by policy_compile() from checked files and shared by the dataplane, the
 * controller and bunri-replay through a stable binary serialization. */
#ifndef BUNRI_CPOLICY_H
#define BUNRI_CPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone.h"

#define CPOLICY_FORMAT_VERSION 2
#define CPOLICY_DIGEST_LEN 32  /* SHA-256 of the source files */
#define CP_PORTS_MAX 4         /* DPDK ports per zone */
#define CP_PORT_NAME_MAX 64    /* PCI address or vdev name, with NUL */
#define CP_FLOW_ID_MAX 64      /* flow id, with NUL */
/* Rules one policy may compile to: the bound of the dataplane's rte_acl table, so a
 * policy that passes `bunrictl check` always fits the dataplane. */
#define CPOLICY_MAX_RULES 65536u
/* Guard rail 3 by size, not spelling: the addresses one side of a cross-zone flow may
 * cover (the union of its prefixes): a /16's worth when the flow touches mynumber, a
 * /8's worth otherwise. A host written as many wide prefixes is as unrestricted as any. */
#define CPOLICY_RAIL3_MYNUMBER_ADDRS (1ull << 16)
#define CPOLICY_RAIL3_SIDE_ADDRS (1ull << 24)
/* networks, subnets and routes longer than /24, per lookup table of the dataplane */
#define CPOLICY_MAX_LONG_PREFIXES 1024u

enum flow_kind {
	FLOW_SPECIFIC = 0,  /* 特定通信 */
	FLOW_SANITIZED = 1, /* 無害化通信: files the sanitizer already cleaned */
};

/* One zone's side of the appliance. All addresses in host byte order. */
struct cp_zone {
	bool enabled;                    /* false: the zone is not configured */
	unsigned n_ports;
	char ports[CP_PORTS_MAX][CP_PORT_NAME_MAX];
	bool has_mac;                    /* the port's MAC given in appliance.cfg */
	uint8_t mac[6];
	uint16_t vlan;                   /* 802.1Q id the zone uses, 0 = untagged */
	uint32_t address;                /* the appliance's own address in this zone */
	uint8_t prefix_len;              /* of the connected subnet */
	bool ping;                       /* answer ICMP echo to `address` */
};

/* A source prefix a zone may use: the anti-spoofing table. */
struct cp_net {
	uint32_t addr;
	uint8_t len;
	uint8_t zone;
};

/* Where a destination is reached: via == 0 means directly on the connected subnet. */
struct cp_route {
	uint32_t addr;
	uint8_t len;
	uint8_t zone;
	uint32_t via;
};

/* A static ARP entry from appliance.cfg. */
struct cp_neighbor {
	uint32_t ip;
	uint8_t zone;
	uint8_t mac[6];
};

struct cp_timeouts {
	uint32_t tcp_established; /* seconds */
	uint32_t tcp_transitory;
	uint32_t udp;
	uint32_t icmp;
};

/* The fair share of the connection table (appliance.cfg `limits`): percentages of
 * the table, each worker applying them to its own. */
struct cp_limits {
	uint32_t connections;      /* connections admitted over all workers; 0: the table */
	uint8_t zone_connections;  /* % of the table one initiator zone may hold */
	uint8_t zone_embryonic;    /* % for one zone's TCP handshakes in progress */
	uint8_t flow_connections;  /* % for one flow without max_connections */
	uint8_t adaptive_start;    /* % full where non-established timeouts start to shrink */
	uint16_t adaptive_end;     /* % full where they reach 0 (may exceed 100) */
};

/* One approved flow; its rules are rules[first_rule .. first_rule + n_rules). */
struct cp_flow {
	char id[CP_FLOW_ID_MAX];
	const char *purpose;       /* UTF-8, owned by the policy */
	const char *approved_by;   /* UTF-8, owned by the policy */
	enum flow_kind kind;
	bool log;
	int64_t valid_from;        /* Unix seconds; 0 = no start date */
	int64_t valid_until;       /* Unix seconds: the flow ends at this instant */
	uint32_t first_rule;
	uint32_t n_rules;
	uint32_t max_connections;  /* over all workers; 0: limits.flow_connections */
};

/* One rule, ready for rte_acl: matches the first packet of a connection.
 * Rules are in priority order: a lower index wins (the flow listed first). */
struct cp_rule {
	uint32_t flow;             /* index into the flows */
	uint8_t from_zone;
	uint8_t to_zone;
	uint8_t proto;             /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t src_len;
	uint8_t dst_len;
	bool has_mac;              /* the source host is bound to src_mac */
	uint8_t src_mac[6];
	uint32_t src;
	uint32_t dst;
	uint16_t port_lo;          /* destination port range; ICMP: type range */
	uint16_t port_hi;
};

struct cpolicy;

/* Accessors never fail on a valid policy; counts may be 0. */
const struct cp_zone *cpolicy_zone(const struct cpolicy *cp, enum zone z);
const struct cp_timeouts *cpolicy_timeouts(const struct cpolicy *cp);
const struct cp_limits *cpolicy_limits(const struct cpolicy *cp);
size_t cpolicy_nets(const struct cpolicy *cp, const struct cp_net **out);
size_t cpolicy_routes(const struct cpolicy *cp, const struct cp_route **out);
size_t cpolicy_neighbors(const struct cpolicy *cp, const struct cp_neighbor **out);
size_t cpolicy_flows(const struct cpolicy *cp, const struct cp_flow **out);
size_t cpolicy_rules(const struct cpolicy *cp, const struct cp_rule **out);
/* SHA-256 over the source files (all zero for a deny-all policy built without one). */
const uint8_t *cpolicy_digest(const struct cpolicy *cp);
/* Hex of the digest into buf (65 bytes); returns buf. */
char *cpolicy_digest_hex(const struct cpolicy *cp, char *buf);
const char *cpolicy_appliance_name(const struct cpolicy *cp);
/* When the policy was compiled (the `now` given to policy_compile). */
int64_t cpolicy_compiled_at(const struct cpolicy *cp);
/* The next instant a flow starts or ends, when the policy must be compiled again;
 * 0 when no such instant lies ahead. */
int64_t cpolicy_next_change(const struct cpolicy *cp);
/* Index of the flow with this id, or -1. */
long cpolicy_flow_find(const struct cpolicy *cp, const char *id);

/* The rule-level guard rails again, for a policy about to be installed (it may not
 * have come through policy_check): no rule joins mynumber and internet; lgwan-internet
 * rules belong to specific or sanitized flows, sanitized ones go internet -> lgwan; no
 * cross-zone rule has an any (/0) source or destination; mynumber rules are /24 or
 * narrower on both sides. 0, or -EPERM with the first broken rule named in err. */
int cpolicy_check_rails(const struct cpolicy *cp, char *err, size_t errlen);

/* Stable binary form (little-endian, versioned, with a SHA-256 trailer over the bytes).
 * 0 and a malloc'd buffer, or -ENOMEM. */
int cpolicy_serialize(const struct cpolicy *cp, uint8_t **buf, size_t *len);
/* 0 and a new policy, -EBADMSG for anything malformed, truncated or inconsistent,
 * -EPROTO for another format version, -ENOMEM. Never trusts a count or offset. */
int cpolicy_deserialize(const uint8_t *buf, size_t len, struct cpolicy **out);
void cpolicy_free(struct cpolicy *cp);

#endif
