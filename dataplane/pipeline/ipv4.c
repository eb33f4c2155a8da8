#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "ipv4.h"

#define L3_OFF sizeof(struct rte_ether_hdr)
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_WSCALE 3
#define REPLY_TTL 64

static bool martian(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top == 0 || top == 127 || top >= 224;
}

/* The header checksum: the NIC's verdict when it checked it, else the sum itself
 * (a 20-byte header, the only kind forwarded, in five 32-bit adds). */
static bool header_sum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
			  uint16_t hdr_len)
{
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t w[5];
	uint64_t sum;

	if (flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	if (hdr_len != sizeof(*ip))
		return rte_raw_cksum(ip, hdr_len) == 0xffff;
	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

enum reason ipv4_validate(const struct rte_mbuf *m, struct ipv4_info *info)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t avail = rte_pktmbuf_data_len(m);
	uint16_t frag;

	/* The header must be in the first segment to be read at all. */
	if (unlikely(avail < L3_OFF + sizeof(*ip)))
		return REASON_MALFORMED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, L3_OFF);
	/* Only IPv4 here; IHL counts 32-bit words and a header has at least five. */
	if (unlikely((ip->version_ihl >> 4) != 4))
		return REASON_MALFORMED;
	info->hdr_len = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	if (unlikely(info->hdr_len < sizeof(*ip)))
		return REASON_MALFORMED;
	if (unlikely(avail < L3_OFF + info->hdr_len))
		return REASON_MALFORMED;
	/* Total length covers the header and must fit in what arrived. */
	info->total_len = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(info->total_len < info->hdr_len ||
		     info->total_len > rte_pktmbuf_pkt_len(m) - L3_OFF))
		return REASON_MALFORMED;
	/* A header whose checksum is wrong was damaged, or forged carelessly. */
	if (unlikely(!header_sum_ok(m, ip, info->hdr_len)))
		return REASON_CHECKSUM;
	/* Options (source routing, record route, ...) have no business across zones. */
	if (unlikely(info->hdr_len > sizeof(*ip)))
		return REASON_IP_OPTIONS;
	info->src = rte_be_to_cpu_32(ip->src_addr);
	info->dst = rte_be_to_cpu_32(ip->dst_addr);
	/* This-network, loopback, multicast and reserved addresses are never hosts. */
	if (unlikely(martian(info->src) || martian(info->dst)))
		return REASON_MARTIAN;
	info->ttl = ip->time_to_live;
	info->proto = ip->next_proto_id;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	info->fragment = (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
	return REASON_NONE;
}

static uint8_t tcp_wscale(const uint8_t *opt, unsigned len)
{
	unsigned i = 0;

	while (i < len) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break; /* a bad option list: no scaling */
		if (opt[i] == TCPOPT_WSCALE && opt[i + 1] == 3)
			return opt[i + 2];
		i += opt[i + 1];
	}
	return 0xff;
}

static enum reason parse_tcp(const struct rte_mbuf *m, struct ipv4_info *info,
			     uint32_t off, uint32_t l4_len)
{
	const struct rte_tcp_hdr *th;
	unsigned doff;

	if (unlikely(l4_len < sizeof(*th) || rte_pktmbuf_data_len(m) < off + sizeof(*th)))
		return REASON_MALFORMED;
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, off);
	/* The data offset must cover the fixed header and stay inside the datagram. */
	doff = (th->data_off >> 4) * 4u;
	if (unlikely(doff < sizeof(*th) || doff > l4_len ||
		     rte_pktmbuf_data_len(m) < off + doff))
		return REASON_MALFORMED;
	info->sport = rte_be_to_cpu_16(th->src_port);
	info->dport = rte_be_to_cpu_16(th->dst_port);
	info->tcp.flags = th->tcp_flags & 0x3f;
	info->tcp.seq = rte_be_to_cpu_32(th->sent_seq);
	info->tcp.ack = rte_be_to_cpu_32(th->recv_ack);
	info->tcp.win = rte_be_to_cpu_16(th->rx_win);
	info->tcp.len = l4_len - doff;
	info->tcp.wscale = 0xff;
	if (info->tcp.flags & TCP_F_SYN)
		info->tcp.wscale = tcp_wscale((const uint8_t *)(th + 1), doff - sizeof(*th));
	return REASON_NONE;
}

enum reason ipv4_parse_l4(const struct rte_mbuf *m, struct ipv4_info *info)
{
	uint32_t off = L3_OFF + info->hdr_len;
	uint32_t l4_len = info->total_len - info->hdr_len;

	switch (info->proto) {
	case IPPROTO_TCP:
		return parse_tcp(m, info, off, l4_len);
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh;
		uint16_t ulen;

		if (unlikely(l4_len < sizeof(*uh) ||
			     rte_pktmbuf_data_len(m) < off + sizeof(*uh)))
			return REASON_MALFORMED;
		uh = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, off);
		/* The UDP length covers its header and stays inside the datagram. */
		ulen = rte_be_to_cpu_16(uh->dgram_len);
		if (unlikely(ulen < sizeof(*uh) || ulen > l4_len))
			return REASON_MALFORMED;
		info->sport = rte_be_to_cpu_16(uh->src_port);
		info->dport = rte_be_to_cpu_16(uh->dst_port);
		return REASON_NONE;
	}
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ih;

		/* Every ICMP message we look at has the 8-byte header. */
		if (unlikely(l4_len < sizeof(*ih) ||
			     rte_pktmbuf_data_len(m) < off + sizeof(*ih)))
			return REASON_MALFORMED;
		ih = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, off);
		info->icmp_type = ih->icmp_type;
		info->icmp_code = ih->icmp_code;
		info->sport = 0;
		info->dport = 0;
		if (ih->icmp_type == ICMP_ECHO_REQUEST)
			info->sport = rte_be_to_cpu_16(ih->icmp_ident);
		else if (ih->icmp_type == ICMP_ECHO_REPLY)
			info->dport = rte_be_to_cpu_16(ih->icmp_ident);
		return REASON_NONE;
	}
	default:
		return REASON_NO_RULE;
	}
}

/* The one's complement sum of the TCP/UDP pseudo-header (RFC 793, RFC 768), in the
 * same memory-order words rte_raw_cksum() adds. */
static uint32_t pseudo_header_sum(const struct rte_ipv4_hdr *ip, uint32_t l4_len)
{
	return (ip->src_addr & 0xffff) + (ip->src_addr >> 16) + (ip->dst_addr & 0xffff) +
		(ip->dst_addr >> 16) + rte_cpu_to_be_16((uint16_t)ip->next_proto_id) +
		rte_cpu_to_be_16((uint16_t)l4_len);
}

/* The one's complement sum of len bytes at p, folded to 16 bits: 32-bit words added
 * into 64 bits, no carry lost before the fold (half the adds of rte_raw_cksum(), which
 * adds 16-bit words). */
static uint16_t sum_bytes(const uint8_t *p, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t w;
	uint16_t h = 0;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, sizeof(w));
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, sizeof(h));
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		h = 0;
		memcpy(&h, p, 1); /* the last byte, padded with a zero byte */
		sum += h;
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

/* The one's complement sum of len bytes of m from off, across its segments. Not
 * rte_raw_cksum_mbuf(): DPDK 22.11's drops the carries of a segment that follows an
 * odd number of bytes (test_checksum's odd splits fail with it). An odd count moves
 * the next segment's bytes to the other half of the 16-bit words, hence the swap.
 * -1 when m is shorter. */
static int sum_segments(const struct rte_mbuf *m, uint32_t off, uint32_t len,
			uint32_t *out)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	if (likely(off + len <= rte_pktmbuf_data_len(m))) {
		*out = sum_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len);
		return 0;
	}
	while (m != NULL && off >= rte_pktmbuf_data_len(m)) {
		off -= rte_pktmbuf_data_len(m);
		m = m->next;
	}
	while (done < len) {
		uint32_t n;
		uint16_t part;

		if (m == NULL)
			return -1;
		n = RTE_MIN(rte_pktmbuf_data_len(m) - off, len - done);
		part = sum_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		off = 0;
		m = m->next;
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*out = (uint32_t)((sum & 0xffff) + (sum >> 16));
	return 0;
}

enum reason ipv4_check_l4(const struct rte_mbuf *m, const struct ipv4_info *info)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								L3_OFF);
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	uint32_t off = L3_OFF + info->hdr_len, len = info->total_len - info->hdr_len;
	uint32_t sum = 0, raw;

	/* NICs check TCP and UDP, never ICMP. NONE: the data is intact, the field is not
	 * filled in (a local sender's offloaded checksum). */
	if (info->proto != IPPROTO_ICMP) {
		if (flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD || flags == RTE_MBUF_F_RX_L4_CKSUM_NONE)
			return REASON_NONE;
		if (unlikely(flags == RTE_MBUF_F_RX_L4_CKSUM_BAD))
			return REASON_CHECKSUM;
	}
	if (info->proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
									  off);

		if (uh->dgram_cksum == 0)
			return REASON_NONE; /* the sender computed none */
		len = rte_be_to_cpu_16(uh->dgram_len); /* the sum covers the UDP length */
	}
	if (info->proto != IPPROTO_ICMP)
		sum = pseudo_header_sum(ip, len);
	if (unlikely(sum_segments(m, off, len, &raw) != 0))
		return REASON_MALFORMED;
	sum += raw;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* Over data that carries its own checksum, the sum is all ones. */
	return likely(sum == 0xffff) ? REASON_NONE : REASON_CHECKSUM;
}

void ipv4_forward_ttl(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);
	uint32_t sum = ip->hdr_checksum;

	/* RFC 1624: TTL is the high byte of its 16-bit word; adding 0x0100 (network
	 * order) to the checksum compensates for subtracting it from the word. */
	sum += rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
	ip->time_to_live--;
}

int ipv4_echo_reply(struct rte_mbuf *m, const struct ipv4_info *info)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3_OFF);
	struct rte_icmp_hdr *ih;
	uint32_t l4_len = info->total_len - info->hdr_len;
	uint32_t tmp;

	/* The whole message is checksummed, so it must be in the first segment. */
	if (rte_pktmbuf_data_len(m) < L3_OFF + info->total_len)
		return -EINVAL;
	ih = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, L3_OFF + info->hdr_len);
	if (rte_raw_cksum(ih, l4_len) != 0xffff)
		return -EINVAL;
	ih->icmp_type = ICMP_ECHO_REPLY;
	ih->icmp_cksum = 0;
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, l4_len);
	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = REPLY_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ipv4_trim_frame(m, info);
	return 0;
}

int ipv4_icmp_quoted(const struct rte_mbuf *m, const struct ipv4_info *info,
		     struct ipv4_quoted *q)
{
	uint32_t off = L3_OFF + info->hdr_len + sizeof(struct rte_icmp_hdr);
	uint32_t end = L3_OFF + info->total_len, ihl;
	const struct rte_ipv4_hdr *ip;
	const uint8_t *l4;

	if (end < off + sizeof(*ip) || rte_pktmbuf_data_len(m) < end)
		return -EINVAL;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || end < off + ihl + 8 ||
	    (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return -EINVAL;
	l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, off + ihl);
	q->src = rte_be_to_cpu_32(ip->src_addr);
	q->dst = rte_be_to_cpu_32(ip->dst_addr);
	q->proto = ip->next_proto_id;
	q->sport = q->dport = 0;
	switch (q->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		q->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		q->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		return 0;
	case IPPROTO_ICMP:
		/* only echo has a connection: its identifier, on the side ipv4_parse_l4 puts it */
		if (l4[0] == ICMP_ECHO_REQUEST)
			q->sport = (uint16_t)(l4[4] << 8 | l4[5]);
		else if (l4[0] == ICMP_ECHO_REPLY)
			q->dport = (uint16_t)(l4[4] << 8 | l4[5]);
		else
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Cuts the chain m to its first keep bytes (keep <= its length), freeing the segments
 * past them: rte_pktmbuf_trim() only shortens the last segment. */
static void chain_cut(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *seg = m;
	uint32_t off = 0;
	uint16_t nb = 1;

	while (off + seg->data_len < keep && seg->next != NULL) {
		off += seg->data_len;
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)(keep - off);
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->nb_segs = nb;
	m->pkt_len = keep;
}

/* Zeroes bytes [from, to) of the chain m, segment by segment. */
static void chain_zero(struct rte_mbuf *m, uint32_t from, uint32_t to)
{
	uint32_t off = 0;

	for (struct rte_mbuf *seg = m; seg != NULL && off < to; seg = seg->next) {
		uint32_t lo = RTE_MAX(from, off), hi = RTE_MIN(to, off + seg->data_len);

		if (lo < hi)
			memset(rte_pktmbuf_mtod_offset(seg, char *, lo - off), 0, hi - lo);
		off += seg->data_len;
	}
}

void ipv4_trim_frame_tail(struct rte_mbuf *m, const struct ipv4_info *info)
{
	uint32_t end = L3_OFF + info->total_len, len = rte_pktmbuf_pkt_len(m);
	uint32_t keep = RTE_MAX(end, (uint32_t)ETH_MIN_FRAME);

	if (len <= end)
		return;
	if (len > keep)
		chain_cut(m, keep);
	/* What stays of a minimum frame past the datagram is padding: zeros. */
	if (keep > end)
		chain_zero(m, end, rte_pktmbuf_pkt_len(m));
}
