/* The pipeline's frames for the appliance itself and its neighbours: ARP requests
 * answered and learned from (the port included, in a zone with several), ARP asked on
 * every port of a zone, frames held for a next hop sent once it answers, and ping to
 * the appliance's own addresses. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "arp.h"
#include "pipeline_impl.h"

/* On every port of the zone that is up (on all of them if none is): the answer also
 * tells which port ip is behind. */
void pipeline_arp_request(struct pipeline *p, uint8_t zone, uint32_t ip)
{
	const struct tables_zone *z = &p->t->zone[zone];
	bool any_up = false;

	for (uint8_t link = 0; link < z->n_links; link++)
		any_up |= link_up(p, zone, link);
	for (uint8_t link = 0; link < z->n_links; link++) {
		struct rte_mbuf *m;

		if (any_up && !link_up(p, zone, link))
			continue;
		m = arp_request(p->pool, z, ip);
		if (m == NULL) {
			p->c.drop[zone][REASON_NO_MBUF]++;
			return;
		}
		if (!tx_push(p, zone, link, m)) {
			p->c.drop[zone][REASON_TX_FULL]++;
			rte_pktmbuf_free(m);
		}
	}
}

/* Takes back what a held frame added to its connection's record: it never crossed. A
 * connection that carried nothing else was never opened by anything that left: it
 * goes without a record, as if its opener had been refused, unless a burst is under
 * way (may_forget false), whose later packets may hold the entry from its bulk
 * lookup. The rule's and the pipeline's counters are Prometheus counters and never go
 * down: they keep counting what the rule accepted. */
static void uncount(struct pipeline *p, const struct held_note *h, bool may_forget)
{
	struct ct_entry *e;
	enum tcp_dir dir;

	if (!h->counted)
		return;
	e = conntrack_lookup_hashed(p->ct, &h->key, h->sig);
	if (e == NULL)
		return;   /* ended meanwhile: its record is written */
	dir = conntrack_dir(e, h->side);
	if (e->packets[dir] == 0)
		return;
	e->packets[dir]--;
	e->bytes[dir] -= RTE_MIN(e->bytes[dir], (uint64_t)h->len);
	if (may_forget && e->packets[0] == 0 && e->packets[1] == 0) {
		conntrack_forget(p->ct, e);
		p->c.conn_closed++;
	}
}

/* A frame that waited for ARP was counted as forwarded when it was accepted; it is
 * dropped after all, so it moves to the drop count (each frame counted once), and its
 * connection no longer counts it. */
static void held_dropped(struct pipeline *p, struct rte_mbuf *m, uint8_t zin,
			 enum reason why, bool in_burst)
{
	uncount(p, RTE_MBUF_DYNFIELD(m, p->held_off, const struct held_note *), !in_burst);
	p->c.forward[zin]--;
	p->c.drop[zin][why]++;
}

void pipeline_neigh_drop(void *ctx, struct rte_mbuf *m, uint8_t zin)
{
	struct pipeline *p = ctx;

	held_dropped(p, m, zin, REASON_NO_NEIGHBOR, false);
	rte_pktmbuf_free(m);
}

void pipeline_neigh_request(void *ctx, uint8_t zone, uint32_t ip)
{
	pipeline_arp_request(ctx, zone, ip);
}

/* Sends the packets that waited for e's MAC. */
static void neigh_release(struct pipeline *p, struct neigh_entry *e)
{
	for (unsigned h = 0; h < e->n_held; h++) {
		struct rte_mbuf *m = e->held[h];

		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = e->mac;
		if (!tx_push(p, e->zone, e->link, m)) {
			held_dropped(p, m, e->held_zone[h], REASON_TX_FULL, true);
			rte_pktmbuf_free(m);
		}
	}
	e->n_held = 0;
}

/* Learns ip's MAC and port under the tables p->t (those of the burst, if in one);
 * update_only: only when the table has ip already (learned, or with frames waiting).
 * Whether it did. */
static bool learn(struct pipeline *p, uint8_t zone, uint8_t link, uint32_t ip,
		  const struct rte_ether_addr *mac, bool update_only, int64_t now)
{
	const struct tables *t = p->t;
	const struct cp_neighbor *sn;
	struct rte_ether_addr use = *mac;
	struct neigh_entry *e;

	if (t == NULL || zone >= ZONE_COUNT || link >= t->zone[zone].n_links)
		return false;
	if (neigh_lookup(p->nb, zone, ip) == NULL &&
	    (update_only || !neigh_room_unasked(p->nb)))
		return false;
	/* A static neighbour keeps its configured MAC; ARP only says which port. */
	sn = tables_neighbor(t, zone, ip);
	if (sn != NULL)
		memcpy(use.addr_bytes, sn->mac, RTE_ETHER_ADDR_LEN);
	e = neigh_learn(p->nb, zone, link, ip, &use, now);
	if (e == NULL)
		return false;
	neigh_release(p, e);
	return true;
}

void pipeline_neigh_learn(struct pipeline *p, uint8_t zone, uint8_t link, uint32_t ip,
			  const struct rte_ether_addr *mac, bool update_only, int64_t now)
{
	tables_current(p); /* between bursts: the latest tables */
	learn(p, zone, link, ip, mac, update_only, now);
}

/* Another MAC claims the zone's address: the deny record names it (src: the address
 * it claims, dst: what it asked about), and the appliance announces its own MAC on the
 * zone's ports, to set right the hosts that believed the claim; at most once per
 * ARP_DEFEND_MS, so two devices defending one address never make a storm (RFC 5227's
 * rule for defending an address). */
static void address_conflict(struct pipeline *p, struct pkt *pk, const struct arp_result *res,
			     int64_t now)
{
	pk->ip.src = res->sender_ip;
	pk->ip.dst = res->target_ip;
	pk->note_mac = true;
	if (p->defended_ms[pk->zin] == 0 || now - p->defended_ms[pk->zin] >= ARP_DEFEND_MS) {
		p->defended_ms[pk->zin] = now;
		pipeline_arp_request(p, pk->zin, p->t->zone[pk->zin].address);
	}
	done(pk, VERDICT_DROP, REASON_ADDR_CONFLICT);
}

void pipeline_handle_arp(struct pipeline *p, struct pkt *pk, int64_t now)
{
	struct arp_result res;
	bool drop;
	enum reason r = arp_input(pk->m, pk->zin, p->t, &res, &drop);

	if (unlikely(r == REASON_ADDR_CONFLICT)) {
		address_conflict(p, pk, &res, now);
		return;
	}
	if (drop) {
		done(pk, VERDICT_DROP, r);
		return;
	}
	if (res.reply) {
		pk->reply = true;
		pk->reply_to = res.sender_mac;
	}
	if (res.learn) {
		bool learned = learn(p, pk->zin, pk->lin, res.sender_ip, &res.sender_mac,
				     res.update_only, now);

		/* The other workers may know a neighbour this one does not. */
		if (p->neigh_learned != NULL)
			p->neigh_learned(p->neigh_ctx, pk->zin, pk->lin, res.sender_ip,
					 &res.sender_mac, res.update_only);
		/* A gratuitous ARP about a neighbour this worker does not know is dropped,
		 * counted as ARP not for us. */
		if (res.update_only && !learned) {
			done(pk, VERDICT_DROP, REASON_ARP);
			return;
		}
	}
	done(pk, VERDICT_LOCAL, REASON_ARP);
}

void pipeline_handle_local(struct pipeline *p, struct pkt *pk)
{
	const struct tables_zone *z = &p->t->zone[pk->zin];

	if (pk->ip.dst != z->address || !z->ping || pk->ip.proto != IPPROTO_ICMP) {
		done(pk, VERDICT_DROP, REASON_TO_APPLIANCE);
		return;
	}
	if (pk->ip.fragment) {
		done(pk, VERDICT_DROP, REASON_FRAGMENT);
		return;
	}
	if (ipv4_parse_l4(pk->m, &pk->ip) != REASON_NONE) {
		done(pk, VERDICT_DROP, REASON_MALFORMED);
		return;
	}
	if (pk->ip.icmp_type != ICMP_ECHO_REQUEST) {
		done(pk, VERDICT_DROP, REASON_TO_APPLIANCE);
		return;
	}
	if (ipv4_echo_reply(pk->m, &pk->ip) != 0) {
		done(pk, VERDICT_DROP, REASON_MALFORMED);
		return;
	}
	pk->reply = true;
	pk->reply_to = pk->src_mac;
	done(pk, VERDICT_LOCAL, REASON_ECHO);
}
