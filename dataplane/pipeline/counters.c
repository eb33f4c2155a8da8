#include "counters.h"

static const char *const verdict_names[VERDICT_COUNT] = {
	[VERDICT_FORWARD] = "forward",
	[VERDICT_DROP] = "drop",
	[VERDICT_LOCAL] = "local",
};

static const char *const reason_names[REASON_COUNT] = {
	[REASON_NONE] = "",
	[REASON_NEW] = "new",
	[REASON_ESTABLISHED] = "established",
	[REASON_REPLY] = "reply",
	[REASON_ARP] = "arp",
	[REASON_ECHO] = "echo",
	[REASON_NO_RULE] = "no-rule",
	[REASON_SPOOFED] = "spoofed",
	[REASON_FRAGMENT] = "fragment",
	[REASON_MALFORMED] = "malformed",
	[REASON_TTL] = "ttl",
	[REASON_NOT_IPV4] = "not-ipv4",
	[REASON_IPV6] = "ipv6",
	[REASON_VLAN] = "vlan",
	[REASON_NOT_FOR_US] = "not-for-us",
	[REASON_TO_APPLIANCE] = "to-appliance",
	[REASON_STATE] = "state",
	[REASON_MAC_MISMATCH] = "mac-mismatch",
	[REASON_REVOKED] = "revoked",
	[REASON_NO_ROUTE] = "no-route",
	[REASON_SAME_ZONE] = "same-zone",
	[REASON_IP_OPTIONS] = "ip-options",
	[REASON_MARTIAN] = "martian",
	[REASON_TABLE_FULL] = "table-full",
	[REASON_NO_NEIGHBOR] = "no-neighbor",
	[REASON_HOLD_FULL] = "hold-full",
	[REASON_TX_FULL] = "tx-full",
	[REASON_NO_MBUF] = "no-mbuf",
	[REASON_ZONE_DOWN] = "zone-down",
	[REASON_ADDR_CONFLICT] = "addr-conflict",
	[REASON_RELATED] = "related",
	[REASON_ZONE_LIMIT] = "zone-limit",
	[REASON_FLOW_LIMIT] = "flow-limit",
	[REASON_EMBRYONIC_LIMIT] = "embryonic-limit",
	[REASON_CHECKSUM] = "checksum",
};

const char *verdict_name(enum verdict v)
{
	if ((unsigned)v >= VERDICT_COUNT)
		return "?";
	return verdict_names[v];
}

const char *reason_name(enum reason r)
{
	if ((unsigned)r >= REASON_COUNT)
		return "?";
	return reason_names[r];
}

void counters_add(struct counters *dst, const struct counters *src)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		dst->rx_packets[z] += src->rx_packets[z];
		dst->rx_bytes[z] += src->rx_bytes[z];
		dst->tx_packets[z] += src->tx_packets[z];
		dst->tx_bytes[z] += src->tx_bytes[z];
		dst->forward[z] += src->forward[z];
		dst->local[z] += src->local[z];
		dst->early_drop[z] += src->early_drop[z];
		for (unsigned r = 0; r < REASON_COUNT; r++)
			dst->drop[z][r] += src->drop[z][r];
	}
	dst->conn_opened += src->conn_opened;
	dst->conn_closed += src->conn_closed;
	dst->records_emitted += src->records_emitted;
}

uint64_t counters_drops(const struct counters *c, enum zone z)
{
	uint64_t sum = 0;

	if ((unsigned)z >= ZONE_COUNT)
		return 0;
	for (unsigned r = 0; r < REASON_COUNT; r++)
		sum += c->drop[z][r];
	return sum;
}
