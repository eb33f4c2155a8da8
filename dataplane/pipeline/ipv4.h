/* IPv4 and its L4 headers as the pipeline checks them: header validation, fragment
 * and L4 parsing, the TTL decrement of forwarding and the echo reply the appliance
 * sends for its own addresses. The L3 header starts right after a plain Ethernet
 * header (eth_ingress() stripped any tag). */
#ifndef BUNRI_IPV4_H
#define BUNRI_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "counters.h"
#include "tcpstate.h"

struct rte_mbuf;

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

struct ipv4_info {
	uint32_t src;          /* host byte order */
	uint32_t dst;
	uint16_t total_len;    /* the IP datagram; the frame may carry padding after it */
	uint16_t hdr_len;
	uint8_t proto;
	uint8_t ttl;
	bool fragment;         /* MF set or a non-zero offset */
	/* L4, filled by ipv4_parse_l4() */
	uint16_t sport;        /* ICMP echo: identifier (request) or 0 (reply) */
	uint16_t dport;        /* ICMP echo: 0 (request) or identifier (reply) */
	uint8_t icmp_type;
	uint8_t icmp_code;
	struct tcp_seg tcp;
};

/* Step 3: version, IHL, total length within the frame, header checksum (a wrong one is
 * REASON_CHECKSUM), options, martian addresses. REASON_NONE and info filled, or the
 * drop reason. The TTL is the
 * forwarding path's to check (info->ttl): a packet for the appliance itself may
 * arrive with TTL 1. */
enum reason ipv4_validate(const struct rte_mbuf *m, struct ipv4_info *info);
/* Step 7: the TCP, UDP or ICMP header lies whole within the datagram (TCP data offset,
 * UDP length). REASON_NONE, REASON_MALFORMED, or REASON_NO_RULE for another
 * protocol. Call only for non-fragments. */
enum reason ipv4_parse_l4(const struct rte_mbuf *m, struct ipv4_info *info);
/* Step 8: the TCP, UDP or ICMP checksum of a datagram ipv4_parse_l4() accepted, from
 * the port's verdict (RX checksum offload) where it gave one, else summed over every
 * segment of m. A UDP checksum of 0 means "none" (RFC 768). REASON_NONE or
 * REASON_CHECKSUM. */
enum reason ipv4_check_l4(const struct rte_mbuf *m, const struct ipv4_info *info);
/* What an ICMP error quotes of the datagram it is about (RFC 792: the IP header and
 * the first 8 bytes after it), keyed as ipv4_parse_l4() keys a datagram. */
struct ipv4_quoted {
	uint32_t src;          /* host byte order */
	uint32_t dst;
	uint16_t sport;        /* ICMP echo: as in struct ipv4_info */
	uint16_t dport;
	uint8_t proto;
};

/* Destination unreachable (fragmentation needed among them), time exceeded, parameter
 * problem: the ICMP errors that belong to the connection whose datagram they quote. */
static inline bool ipv4_icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
		type == ICMP_PARAM_PROBLEM;
}
/* The datagram an ICMP error (info already parsed to L4) quotes: 0, or -EINVAL when the
 * quote is cut short, not IPv4, a later fragment, or of a protocol no connection has. */
int ipv4_icmp_quoted(const struct rte_mbuf *m, const struct ipv4_info *info,
		     struct ipv4_quoted *q);

/* The shortest Ethernet frame without FCS; shorter ones are padded to it. */
#define ETH_MIN_FRAME 60
void ipv4_trim_frame_tail(struct rte_mbuf *m, const struct ipv4_info *info);
/* Cuts whatever the frame carries after the datagram: Ethernet padding, or bytes
 * smuggled past the IP total length (they would cross zones unlogged). A frame shorter
 * than ETH_MIN_FRAME keeps its length with the padding zeroed. Inline for the common
 * frame that ends with its datagram. */
static inline void ipv4_trim_frame(struct rte_mbuf *m, const struct ipv4_info *info)
{
	if (unlikely(rte_pktmbuf_pkt_len(m) > sizeof(struct rte_ether_hdr) + info->total_len))
		ipv4_trim_frame_tail(m, info);
}
/* Decrements the TTL, updating the checksum incrementally (RFC 1624). */
void ipv4_forward_ttl(struct rte_mbuf *m);
/* Turns a validated echo request into its reply in place (IP and ICMP only; the caller
 * addresses the frame). 0, or -EINVAL when the ICMP checksum is wrong. */
int ipv4_echo_reply(struct rte_mbuf *m, const struct ipv4_info *info);
/* true for the connected subnet's network and broadcast addresses. */
static inline bool ipv4_is_subnet_edge(uint32_t a, uint32_t net, uint32_t mask)
{
	/* /31 and /32 subnets have no network or broadcast address (RFC 3021). */
	if (mask == 0 || mask >= 0xfffffffeu || (a & mask) != net)
		return false;
	return (a & ~mask) == 0 || (a & ~mask) == ~mask;
}

#endif
