/* What the pipeline's files share (pipeline.c: the steps of a frame; pipeline_local.c:
 * ARP, neighbours and frames for the appliance itself). Not a public header. */
#ifndef BUNRI_PIPELINE_IMPL_H
#define BUNRI_PIPELINE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "acl.h"
#include "conntrack.h"
#include "deny.h"
#include "ipv4.h"
#include "neigh.h"
#include "pipeline.h"

#define PIPELINE_LOG(level, ...) RTE_LOG(level, USER1, "pipeline: " __VA_ARGS__)

/* How far a frame got in the first pass. */
enum stage {
	STAGE_DONE,  /* verdict known (drop or local) */
	STAGE_CT,    /* valid IPv4 to route: needs connection tracking */
};

/* Whether a forwarded frame can leave: sent now, held for ARP, or neither (then it is
 * dropped before it changes any connection or counter). */
enum { EGRESS_UNASKED = 0, EGRESS_SEND, EGRESS_HOLD };

/* What a frame held for ARP added to its connection (an mbuf dynamic field), taken
 * back when the frame is dropped after all: a record counts what crossed. */
struct held_note {
	struct ct_key key;
	uint32_t sig;
	uint16_t len;        /* bytes counted: the IP datagram */
	uint8_t side;
	bool counted;        /* false: an ICMP error, counted in no connection */
};

struct pkt {
	struct rte_mbuf *m;
	uint8_t stage;
	uint8_t verdict;
	uint8_t reason;
	uint8_t zin;
	uint8_t lin;         /* the ingress zone's port the frame came in on */
	uint8_t zout;
	uint8_t side;        /* endpoint of key the packet came from */
	uint32_t sig;        /* key's hash signature (conntrack_hash) */
	bool opener;         /* may open a connection */
	bool classified;
	bool reply;          /* local: send m back out of the ingress port to reply_to */
	bool note_mac;       /* drop: the deny record carries src_mac */
	bool related;        /* an ICMP error; key is the quoted datagram's connection */
	uint8_t egress;      /* EGRESS_*: whether the frame can leave, asked once */
	uint8_t nh_link;     /* EGRESS_SEND: the port the next hop answered on */
	struct rte_ether_addr nh_mac; /* EGRESS_SEND: the next hop's MAC */
	struct rte_ether_addr reply_to;
	uint16_t flow;
	uint32_t nexthop;
	uint32_t frame_len;
	uint32_t acl_res[ACL_CATEGORIES];
	struct ipv4_info ip;
	struct ct_key key;
	struct acl_key acl;
	struct rte_ether_addr src_mac;
};

struct pipeline {
	struct tables *const *slot;
	struct tables *t;            /* the tables this call runs with */
	unsigned worker;
	struct rte_mempool *pool;
	struct conntrack *ct;
	struct neigh *nb;
	struct deny *deny;
	void (*neigh_learned)(void *ctx, uint8_t zone, uint8_t link, uint32_t ip,
			      const struct rte_ether_addr *mac, bool update_only);
	void *neigh_ctx;
	const uint8_t (*link_down)[PIPELINE_LINKS_MAX];
	/* Keys this burst added to or removed from the table: a later packet of the burst
	 * with one of them looks its connection up again. At most two per packet. The
	 * mask has bit (sig % 64) of each, so most packets need not compare keys. */
	struct ct_key changed[2 * PIPELINE_BURST_MAX];
	uint32_t changed_sig[2 * PIPELINE_BURST_MAX];
	uint64_t changed_mask;
	unsigned n_changed;
	struct counters c;
	int held_off;                /* mbuf dynamic field: struct held_note */
	uint64_t limits_gen;         /* the generation whose limits conntrack applies */
	int64_t defended_ms[ZONE_COUNT]; /* last announcement of our own address, per zone */
	struct pipeline_tx tx[ZONE_COUNT][PIPELINE_LINKS_MAX];
	struct pkt burst[PIPELINE_BURST_MAX];
};

/* Whether zone's port `link` is up, as the control thread last saw it. */
static inline bool link_up(const struct pipeline *p, uint8_t zone, uint8_t link)
{
	return p->link_down == NULL ||
	       !__atomic_load_n(&p->link_down[zone][link], __ATOMIC_RELAXED);
}

/* Whether zone has a port up other than `link` (of n_links). */
static inline bool other_link_up(const struct pipeline *p, uint8_t zone, uint8_t link,
				 uint8_t n_links)
{
	for (uint8_t l = 0; l < n_links; l++)
		if (l != link && link_up(p, zone, l))
			return true;
	return false;
}

static inline struct tables *tables_current(struct pipeline *p)
{
	p->t = __atomic_load_n(p->slot, __ATOMIC_ACQUIRE);
	return p->t;
}

/* Queues m on the TX buffer of zone's port `link`; false (m untouched) when it is
 * full. */
static inline bool tx_push(struct pipeline *p, uint8_t zone, uint8_t link, struct rte_mbuf *m)
{
	struct pipeline_tx *tx = &p->tx[zone][link];

	if (unlikely(tx->n >= PIPELINE_TX_MAX))
		return false;
	tx->pkts[tx->n++] = m;
	p->c.tx_packets[zone]++;
	p->c.tx_bytes[zone] += rte_pktmbuf_pkt_len(m);
	return true;
}

static inline void done(struct pkt *pk, enum verdict v, enum reason r)
{
	pk->stage = STAGE_DONE;
	pk->verdict = (uint8_t)v;
	pk->reason = (uint8_t)r;
}

/* pipeline_local.c */
/* Asks for ip's MAC on every port of zone. */
void pipeline_arp_request(struct pipeline *p, uint8_t zone, uint32_t ip);
/* Step 2: an ARP frame (answered, learned from, or dropped). */
void pipeline_handle_arp(struct pipeline *p, struct pkt *pk, int64_t now);
/* Step 5: a packet for one of the appliance's own addresses. */
void pipeline_handle_local(struct pipeline *p, struct pkt *pk);
/* neigh_sweep()'s callbacks, ctx is the pipeline. */
void pipeline_neigh_drop(void *ctx, struct rte_mbuf *m, uint8_t zin);
void pipeline_neigh_request(void *ctx, uint8_t zone, uint32_t ip);

#endif
