#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "eth.h"
#include "pipeline_impl.h"

#define PREFETCH_AHEAD 4

static bool egress_ready(struct pipeline *p, struct pkt *pk, int64_t now);

/* Zeroes what a frame's first pass fills or reads (deny records read ip even for an
 * early drop). Two halves: GCC turns one memset of this size into `rep stos`, whose
 * start-up costs more than a frame's whole parse; halves become vector stores. */
static inline void pkt_clear(struct pkt *pk)
{
	const size_t half = offsetof(struct pkt, key) / 2;

	memset(pk, 0, half);
	memset((char *)pk + half, 0, offsetof(struct pkt, key) - half);
}

static bool is_appliance_address(const struct tables *t, uint32_t a)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		if (t->zone[z].enabled && t->zone[z].address == a)
			return true;
	return false;
}

/* An ICMP error (fragmentation needed, TTL exceeded, unreachable) is for the endpoint
 * whose datagram it quotes, from the zone that datagram went to: then it is keyed as
 * that datagram's connection, which must exist for it to pass (`related`). Path MTU
 * discovery across the zones depends on it. */
static bool related_key(const struct tables *t, struct pkt *pk)
{
	struct ipv4_quoted q;
	uint32_t nexthop;
	uint8_t zone;

	if (ipv4_icmp_quoted(pk->m, &pk->ip, &q) != 0 || q.src != pk->ip.dst)
		return false;
	if (route_lookup(&t->route, q.dst, &zone, &nexthop) != 0 || zone != pk->zin)
		return false;
	pk->side = (uint8_t)conntrack_key(&pk->key, q.proto, pk->zout, q.src, q.sport,
					  pk->zin, q.dst, q.dport);
	pk->related = true;
	return true;
}

/* Steps 1-8 for one frame: everything that needs no connection state. */
static void classify_frame(struct pipeline *p, struct pkt *pk, int64_t now)
{
	const struct tables *t = p->t;
	struct rte_mbuf *m = pk->m;
	uint16_t ethertype;
	bool bcast;
	enum reason r;
	int zone;

	if (unlikely(!t->zone[pk->zin].enabled)) {
		done(pk, VERDICT_DROP, REASON_ZONE_DOWN);
		return;
	}
	r = eth_ingress(m, &t->zone[pk->zin], &ethertype, &bcast);
	if (unlikely(r != REASON_NONE)) {
		done(pk, VERDICT_DROP, r);
		return;
	}
	pk->src_mac = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	if (ethertype == RTE_ETHER_TYPE_ARP) {
		pipeline_handle_arp(p, pk, now);
		return;
	}
	if (unlikely(ethertype == RTE_ETHER_TYPE_IPV6)) {
		done(pk, VERDICT_DROP, REASON_IPV6); /* fail closed until IPv6 is designed */
		return;
	}
	if (unlikely(ethertype != RTE_ETHER_TYPE_IPV4)) {
		done(pk, VERDICT_DROP, REASON_NOT_IPV4);
		return;
	}
	/* An IP packet must be unicast to us: a broadcast frame carries nothing routable. */
	if (unlikely(bcast)) {
		done(pk, VERDICT_DROP, REASON_NOT_FOR_US);
		return;
	}
	pk->note_mac = true; /* from here on a deny record names the sending device */
	r = ipv4_validate(m, &pk->ip);
	if (unlikely(r != REASON_NONE)) {
		done(pk, VERDICT_DROP, r);
		return;
	}
	/* A source outside the ingress zone's networks is forged or misrouted. */
	zone = route_source_zone(&t->route, pk->ip.src);
	if (unlikely(zone != pk->zin)) {
		done(pk, VERDICT_DROP, REASON_SPOOFED);
		return;
	}
	/* The attached subnet's network and broadcast addresses are no host's: a reply to
	 * one would reach every host on the segment. */
	if (unlikely(ipv4_is_subnet_edge(pk->ip.src, t->zone[pk->zin].net,
					 t->zone[pk->zin].mask))) {
		done(pk, VERDICT_DROP, REASON_MARTIAN);
		return;
	}
	if (unlikely(is_appliance_address(t, pk->ip.dst))) {
		pipeline_handle_local(p, pk);
		return;
	}
	/* Forwarding would leave TTL 0. */
	if (unlikely(pk->ip.ttl <= 1)) {
		done(pk, VERDICT_DROP, REASON_TTL);
		return;
	}
	/* A non-first fragment has no ports; a first one may hide them. */
	if (unlikely(pk->ip.fragment)) {
		done(pk, VERDICT_DROP, REASON_FRAGMENT);
		return;
	}
	r = ipv4_parse_l4(m, &pk->ip);
	if (unlikely(r != REASON_NONE)) {
		done(pk, VERDICT_DROP, r);
		return;
	}
	/* A segment damaged on the wire, or forged carelessly (a RST with a wrong checksum
	 * that the endpoint will ignore), must not open, change or end a connection. */
	r = ipv4_check_l4(m, &pk->ip);
	if (unlikely(r != REASON_NONE)) {
		done(pk, VERDICT_DROP, r);
		return;
	}
	if (unlikely(route_lookup(&t->route, pk->ip.dst, &pk->zout, &pk->nexthop) != 0 ||
		     pk->zout >= ZONE_COUNT || !t->zone[pk->zout].enabled)) {
		done(pk, VERDICT_DROP, REASON_NO_ROUTE);
		return;
	}
	/* Hosts of one zone talk to each other without the appliance. */
	if (unlikely(pk->zout == pk->zin)) {
		done(pk, VERDICT_DROP, REASON_SAME_ZONE);
		return;
	}
	/* A directed broadcast would fan one packet out to a whole subnet. */
	if (unlikely(ipv4_is_subnet_edge(pk->ip.dst, t->zone[pk->zout].net,
					 t->zone[pk->zout].mask))) {
		done(pk, VERDICT_DROP, REASON_NO_ROUTE);
		return;
	}
	if (unlikely(pk->ip.proto == IPPROTO_ICMP && ipv4_icmp_is_error(pk->ip.icmp_type))) {
		if (!related_key(t, pk)) {
			done(pk, VERDICT_DROP, REASON_STATE);
			return;
		}
		pk->sig = conntrack_hash(&pk->key);
		pk->stage = STAGE_CT; /* never an opener */
		return;
	}
	pk->side = (uint8_t)conntrack_key(&pk->key, pk->ip.proto, pk->zin, pk->ip.src,
					  pk->ip.sport, pk->zout, pk->ip.dst, pk->ip.dport);
	pk->sig = conntrack_hash(&pk->key);
	switch (pk->ip.proto) {
	case IPPROTO_TCP:
		pk->opener = (pk->ip.tcp.flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST | TCP_F_FIN))
			== TCP_F_SYN;
		break;
	case IPPROTO_UDP:
		pk->opener = true;
		break;
	default:
		pk->opener = pk->ip.icmp_type == ICMP_ECHO_REQUEST;
		break;
	}
	pk->stage = STAGE_CT;
}

static void acl_key_of(struct pkt *pk)
{
	acl_key_fill(&pk->acl, pk->ip.proto, pk->zin, pk->zout, pk->ip.src, pk->ip.dst,
		     pk->ip.proto == IPPROTO_ICMP ? pk->ip.icmp_type : pk->ip.dport,
		     pk->src_mac.addr_bytes);
}

static void classify_one(struct pipeline *p, struct pkt *pk)
{
	const struct acl_key *k = &pk->acl;

	acl_key_of(pk);
	if (acl_classify(p->t->acl, &k, pk->acl_res, 1) != 0)
		memset(pk->acl_res, 0, sizeof(pk->acl_res));
	pk->classified = true;
}

/* Whether the current rules let this packet open a connection. */
static bool allowed_now(struct pipeline *p, struct pkt *pk)
{
	if (!pk->classified)
		classify_one(p, pk);
	return pk->acl_res[ACL_CAT_EXACT] != 0;
}

/* Whether the current policy still allows each of n connections of older generations
 * (one rte_acl call); those allowed take the rule and flow that allow them now. */
static void recheck_bulk(void *ctx, struct ct_entry **e, unsigned n, bool *allowed)
{
	struct pipeline *p = ctx;
	const struct tables *t = p->t;
	struct acl_key k[CONNTRACK_RECHECK_BULK];
	const struct acl_key *kp[CONNTRACK_RECHECK_BULK];
	uint32_t res[CONNTRACK_RECHECK_BULK * ACL_CATEGORIES];
	bool ok;

	n = RTE_MIN(n, (unsigned)CONNTRACK_RECHECK_BULK);
	for (unsigned i = 0; i < n; i++) {
		unsigned o = e[i]->orig_side, q = !e[i]->orig_side;

		acl_key_fill(&k[i], e[i]->key.proto, e[i]->key.zone[o], e[i]->key.zone[q],
			     e[i]->key.ip[o], e[i]->key.ip[q],
			     e[i]->key.proto == IPPROTO_ICMP ? e[i]->icmp_type :
			     e[i]->key.port[q], e[i]->src_mac);
		kp[i] = &k[i];
	}
	ok = acl_classify(t->acl, kp, res, n) == 0; /* fail closed: none allowed */
	for (unsigned i = 0; i < n; i++) {
		uint32_t r = ok ? res[i * ACL_CATEGORIES + ACL_CAT_EXACT] : 0;

		allowed[i] = r != 0;
		if (r != 0) {
			e[i]->rule = r - 1;
			e[i]->flow = t->rule_flow[e[i]->rule];
			e[i]->mac_bound = t->rules[e[i]->rule].has_mac;
			e[i]->generation = t->generation;
		}
	}
}

static bool recheck(struct pipeline *p, struct ct_entry *e)
{
	bool allowed;

	recheck_bulk(p, &e, 1, &allowed);
	return allowed;
}

static uint32_t timeout_s(const struct tables *t, const struct ct_entry *e)
{
	switch (e->key.proto) {
	case IPPROTO_TCP:
		if (unlikely(tcpstate_rst_held(&e->tcp)))
			return RTE_MIN(t->timeouts.tcp_transitory, (uint32_t)TCPSTATE_RST_GRACE_S);
		return tcpstate_is_established(&e->tcp) ? t->timeouts.tcp_established :
			t->timeouts.tcp_transitory;
	case IPPROTO_UDP:
		return t->timeouts.udp;
	default:
		return t->timeouts.icmp;
	}
}

static void ct_changed(struct pipeline *p, const struct ct_key *k, uint32_t sig)
{
	if (p->n_changed < RTE_DIM(p->changed)) {
		p->changed[p->n_changed] = *k;
		p->changed_sig[p->n_changed++] = sig;
		p->changed_mask |= UINT64_C(1) << (sig & 63);
	}
}

/* Whether an earlier packet of this burst opened or ended k's connection, so the
 * burst's bulk lookup of k is out of date. */
static bool ct_stale(const struct pipeline *p, const struct ct_key *k, uint32_t sig)
{
	if ((p->changed_mask & (UINT64_C(1) << (sig & 63))) == 0)
		return false;
	for (unsigned i = 0; i < p->n_changed; i++)
		if (p->changed_sig[i] == sig && memcmp(&p->changed[i], k, sizeof(*k)) == 0)
			return true;
	return false;
}

static void ct_end(struct pipeline *p, struct ct_entry *e, enum flowrec_end why,
		   int64_t now)
{
	ct_changed(p, &e->key, conntrack_hash(&e->key));
	conntrack_end(p->ct, e, why, now);
	p->c.conn_closed++;
}

/* The table's fair share under t's limits: percentages of this worker's table, and
 * counts over all workers divided among them. */
static void limits_refresh(struct pipeline *p, const struct tables *t)
{
	const struct cp_limits *cl = cpolicy_limits(t->cp);
	uint32_t cap = conntrack_capacity(p->ct), n = t->n_workers ? t->n_workers : 1;
	uint64_t c = cl->connections ? RTE_MIN(cap, (cl->connections + n - 1) / n) : cap;
	struct ct_limits l = {
		.connections = (uint32_t)c,
		.zone = (uint32_t)RTE_MAX(c * cl->zone_connections / 100, 1),
		.embryonic = (uint32_t)RTE_MAX(c * cl->zone_embryonic / 100, 1),
		.flow = (uint32_t)RTE_MAX(c * cl->flow_connections / 100, 1),
		.adaptive_start = (uint32_t)(c * cl->adaptive_start / 100),
		.adaptive_end = (uint32_t)(c * cl->adaptive_end / 100),
	};

	conntrack_set_limits(p->ct, &l);
	p->limits_gen = t->generation;
}

/* This worker's share of the rule's flow's max_connections; 0: the default share. */
static uint32_t flow_limit(const struct tables *t, uint32_t rule)
{
	const struct cp_flow *flows;
	uint32_t max;

	cpolicy_flows(t->cp, &flows);
	max = flows[t->rules[rule].flow].max_connections;
	return max ? (max + t->n_workers - 1) / RTE_MAX(t->n_workers, 1u) : 0;
}

/* Whether a new connection of rule fits the table's fair share: it does, perhaps after
 * the oldest handshake of its flow or zone was ended to make room (early drop), or
 * it is dropped with the limit it hit. */
static bool admit(struct pipeline *p, struct pkt *pk, uint32_t rule, int64_t now)
{
	static const uint8_t refused[] = {
		[CT_ADMIT_TABLE] = REASON_TABLE_FULL, [CT_ADMIT_ZONE] = REASON_ZONE_LIMIT,
		[CT_ADMIT_EMBRYONIC] = REASON_EMBRYONIC_LIMIT,
		[CT_ADMIT_FLOW] = REASON_FLOW_LIMIT,
	};
	const struct tables *t = p->t;
	struct ct_entry *victim;
	enum ct_admit a;

	if (unlikely(p->limits_gen != t->generation))
		limits_refresh(p, t);
	a = conntrack_admit(p->ct, pk->zin, t->rule_flow[rule], flow_limit(t, rule),
			    pk->ip.proto == IPPROTO_TCP, now, &victim);
	if (likely(a == CT_ADMIT_OK))
		return true;
	if (victim == NULL) {
		done(pk, VERDICT_DROP, (enum reason)refused[a]);
		return false;
	}
	p->c.early_drop[victim->key.zone[victim->orig_side]]++;
	ct_end(p, victim, FLOWREC_END_TABLE_FULL, now);
	return true;
}

/* Step 10 for a packet that may open a connection. NULL with the drop reason set. */
static struct ct_entry *open_conn(struct pipeline *p, struct pkt *pk, int64_t now)
{
	const struct tables *t = p->t;
	struct ct_entry *e;
	uint32_t rule;

	if (!pk->classified)
		classify_one(p, pk);
	if (pk->acl_res[ACL_CAT_EXACT] == 0) {
		/* A rule would match if the source had its bound MAC. */
		done(pk, VERDICT_DROP, pk->acl_res[ACL_CAT_ANY_MAC] != 0 ?
		     REASON_MAC_MISMATCH : REASON_NO_RULE);
		return NULL;
	}
	rule = pk->acl_res[ACL_CAT_EXACT] - 1;
	/* An opener that can neither leave nor wait for ARP opens nothing: a connection
	 * whose first packet never crossed must not be established by its retries. */
	if (!egress_ready(p, pk, now) || !admit(p, pk, rule, now))
		return NULL;
	e = conntrack_add_hashed(p->ct, &pk->key, pk->sig, pk->side, now);
	if (e == NULL) {
		done(pk, VERDICT_DROP, REASON_TABLE_FULL);
		return NULL;
	}
	ct_changed(p, &pk->key, pk->sig);
	p->c.conn_opened++;
	e->rule = rule;
	e->flow = t->rule_flow[rule];
	e->mac_bound = t->rules[rule].has_mac;
	e->generation = t->generation;
	e->icmp_type = pk->ip.icmp_type;
	memcpy(e->src_mac, pk->src_mac.addr_bytes, sizeof(e->src_mac));
	if (pk->ip.proto == IPPROTO_TCP)
		tcpstate_open(&e->tcp, &pk->ip.tcp);
	/* Every TCP connection opens with a SYN: a handshake until it is established. */
	conntrack_charge(p->ct, e, pk->zin, e->flow, pk->ip.proto == IPPROTO_TCP);
	t->rule_counters[p->worker * t->n_rules + rule].connections++;
	pk->reason = REASON_NEW;
	return e;
}

/* Step 9 (and 10 when needed): the connection this packet belongs to, or NULL with the
 * drop reason set. *end tells the caller to end the connection after forwarding. */
static struct ct_entry *track(struct pipeline *p, struct pkt *pk, struct ct_entry *e,
			      int64_t now, enum flowrec_end *end)
{
	enum tcp_dir dir;

	*end = FLOWREC_END_NONE;
	if (e != NULL && e->revoked) {
		/* A late packet of a revoked connection: say why it stopped working. An
		 * opening packet (a ping's next request, any UDP datagram) the current policy
		 * allows starts a new connection; one it refuses is still `revoked`. */
		if (e->expires_ms > now && (!pk->opener || !allowed_now(p, pk))) {
			done(pk, VERDICT_DROP, REASON_REVOKED);
			return NULL;
		}
		ct_changed(p, &e->key, pk->sig);
		conntrack_forget(p->ct, e);
		e = NULL;
	}
	if (e != NULL && e->expires_ms <= now) {
		ct_end(p, e, conntrack_end_reason(e), now);
		e = NULL;
	}
	if (e == NULL) {
		if (!pk->opener) {
			done(pk, VERDICT_DROP, REASON_STATE);
			return NULL;
		}
		return open_conn(p, pk, now);
	}
	/* Allowed under an older policy: the current one must still allow it. */
	if (unlikely(e->generation != p->t->generation) && !recheck(p, e)) {
		conntrack_revoke(p->ct, e, now, RTE_MIN(e->expires_ms,
			now + (int64_t)p->t->timeouts.tcp_transitory * 1000));
		p->c.conn_closed++;
		done(pk, VERDICT_DROP, REASON_REVOKED);
		return NULL;
	}
	if (unlikely(pk->related)) {
		pk->reason = REASON_RELATED;
		return e;
	}
	dir = conntrack_dir(e, pk->side);
	/* A MAC-bound flow binds every packet of the initiator, not only the first: a
	 * device that borrows the bound host's address cannot join its connection. */
	if (unlikely(e->mac_bound) && dir == TCP_ORIG &&
	    !rte_is_same_ether_addr(&pk->src_mac, (const struct rte_ether_addr *)e->src_mac)) {
		done(pk, VERDICT_DROP, REASON_MAC_MISMATCH);
		return NULL;
	}
	/* An echo connection carries requests one way and replies the other; no other
	 * ICMP message belongs to it (an identifier of 0 would otherwise key every
	 * other ICMP message between the two hosts to it). */
	if (pk->ip.proto == IPPROTO_ICMP &&
	    pk->ip.icmp_type != (dir == TCP_ORIG ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY)) {
		done(pk, VERDICT_DROP, REASON_STATE);
		return NULL;
	}
	if (pk->ip.proto == IPPROTO_TCP) {
		bool handshake = e->tcp.state <= TCP_SYN_RECV;

		switch (tcpstate_next(&e->tcp, dir, &pk->ip.tcp)) {
		case TCP_ACCEPT:
			if (unlikely(handshake) && e->tcp.state > TCP_SYN_RECV)
				conntrack_established(p->ct, e);
			break;
		case TCP_RESET:
			*end = FLOWREC_END_RST;
			break;
		case TCP_HELD:
			/* Passed on, not believed: the connection's record says RST only if
			 * the endpoint takes it. */
			pk->ip.tcp.flags &= (uint8_t)~TCP_F_RST;
			break;
		case TCP_REOPEN:
			if (!pk->opener) {
				done(pk, VERDICT_DROP, REASON_STATE);
				return NULL;
			}
			ct_end(p, e, conntrack_end_reason(e), now);
			return open_conn(p, pk, now);
		default:
			done(pk, VERDICT_DROP, REASON_STATE);
			return NULL;
		}
	}
	pk->reason = dir == TCP_ORIG ? REASON_ESTABLISHED : REASON_REPLY;
	return e;
}

/* Where the next hop is: its MAC (a static neighbour's, else ARP's) and, in a zone
 * with several ports, the port it answered ARP on. false: not known yet. */
static bool next_hop(struct pipeline *p, const struct pkt *pk, int64_t now,
		     struct rte_ether_addr *dst, uint8_t *link)
{
	const struct tables *t = p->t;
	const struct cp_neighbor *sn = tables_neighbor(t, pk->zout, pk->nexthop);
	struct neigh_entry *ne;

	*link = 0;
	if (sn != NULL)
		memcpy(dst->addr_bytes, sn->mac, RTE_ETHER_ADDR_LEN);
	if (sn != NULL && t->zone[pk->zout].n_links == 1)
		return true;
	ne = neigh_lookup(p->nb, pk->zout, pk->nexthop);
	if (ne == NULL || !ne->resolved || ne->expires_ms <= now ||
	    ne->link >= t->zone[pk->zout].n_links)
		return false;
	/* Its port went down: unknown again, so it is asked for on the ports that are up
	 * (the frame waits for the answer). With no other port up, nothing changes. */
	if (unlikely(!link_up(p, pk->zout, ne->link)) &&
	    other_link_up(p, pk->zout, ne->link, t->zone[pk->zout].n_links))
		return false;
	if (sn == NULL)
		*dst = ne->mac;
	*link = ne->link;
	ne->used_ms = now;   /* in use: asked for again before it ends */
	return true;
}

/* Whether pk can leave: sent now (next hop known) or held for ARP (room to wait).
 * Asked once per frame, before it may change a connection or a counter; false with
 * the drop reason set. */
static bool egress_ready(struct pipeline *p, struct pkt *pk, int64_t now)
{
	int ret;

	if (pk->egress != EGRESS_UNASKED)
		return true;
	if (next_hop(p, pk, now, &pk->nh_mac, &pk->nh_link)) {
		pk->egress = EGRESS_SEND;
		return true;
	}
	ret = neigh_hold_room(p->nb, pk->zout, pk->nexthop);
	if (ret != 0) {
		done(pk, VERDICT_DROP, ret == -ENOSPC ? REASON_HOLD_FULL : REASON_NO_NEIGHBOR);
		return false;
	}
	pk->egress = EGRESS_HOLD;
	return true;
}

/* Step 11: address the frame for the next hop and queue it, or hold it for ARP.
 * egress_ready() said it can; e is the connection that counted it (NULL: none). */
static void forward(struct pipeline *p, struct pkt *pk, const struct ct_entry *e,
		    int64_t now)
{
	struct rte_ether_addr dst = { .addr_bytes = { 0 } };
	struct held_note *note;
	bool request;
	int ret;

	ipv4_forward_ttl(pk->m);
	ipv4_trim_frame(pk->m, &pk->ip);
	if (pk->egress == EGRESS_SEND)
		dst = pk->nh_mac;
	if (eth_egress(&pk->m, &p->t->zone[pk->zout], &dst) != 0) {
		done(pk, VERDICT_DROP, REASON_NO_MBUF);
		return;
	}
	if (pk->egress == EGRESS_SEND) {
		if (!tx_push(p, pk->zout, pk->nh_link, pk->m))
			done(pk, VERDICT_DROP, REASON_TX_FULL);
		return;
	}
	note = RTE_MBUF_DYNFIELD(pk->m, p->held_off, struct held_note *);
	*note = (struct held_note){ .counted = e != NULL };
	if (e != NULL) {
		note->key = e->key;
		note->sig = pk->sig;
		note->side = pk->side;
		note->len = pk->ip.total_len;
	}
	ret = neigh_hold(p->nb, pk->zout, pk->nexthop, pk->m, pk->zin, now, &request);
	if (ret != 0) {
		/* egress_ready() found room and nothing has been held since */
		done(pk, VERDICT_DROP, ret == -ENOSPC ? REASON_HOLD_FULL : REASON_NO_NEIGHBOR);
		return;
	}
	if (request)
		pipeline_arp_request(p, pk->zout, pk->nexthop);
}

static void finish(struct pipeline *p, struct pkt *pk, int64_t now,
		   struct pipeline_verdict *v)
{
	const struct ipv4_info *ip = &pk->ip;

	if (pk->verdict == VERDICT_LOCAL) {
		if (pk->reply) {
			if (eth_egress(&pk->m, &p->t->zone[pk->zin], &pk->reply_to) != 0)
				p->c.drop[pk->zin][REASON_NO_MBUF]++;
			else if (!tx_push(p, pk->zin, pk->lin, pk->m))
				p->c.drop[pk->zin][REASON_TX_FULL]++;
			else
				pk->m = NULL;
		}
		rte_pktmbuf_free(pk->m);
		p->c.local[pk->zin]++;
	} else if (pk->verdict == VERDICT_DROP) {
		rte_pktmbuf_free(pk->m);
		p->c.drop[pk->zin][pk->reason]++;
		struct deny_tuple dt = {
			.src = ip->src, .dst = ip->dst, .zone = pk->zin, .proto = ip->proto,
			.dport = ip->proto == IPPROTO_ICMP ? ip->icmp_type : ip->dport,
			.bytes = ip->total_len ? ip->total_len : pk->frame_len,
		};

		if (pk->note_mac)
			memcpy(dt.src_mac, pk->src_mac.addr_bytes, sizeof(dt.src_mac));
		deny_note(p->deny, now, &dt, reason_name((enum reason)pk->reason));
	} else {
		p->c.forward[pk->zin]++;
	}
	if (v != NULL) {
		v->verdict = pk->verdict;
		v->reason = pk->reason;
		v->to = pk->verdict == VERDICT_FORWARD ? pk->zout : ZONE_NONE;
		v->flow = pk->verdict == VERDICT_FORWARD ? pk->flow : FLOWNAME_NONE;
	}
}

static void process_ct(struct pipeline *p, struct pkt *pk, struct ct_entry *e,
		       int64_t now)
{
	const struct tables *t = p->t;
	enum flowrec_end end;
	enum tcp_dir dir;

	e = track(p, pk, e, now, &end);
	if (e == NULL)
		return;
	/* A frame that cannot leave is not counted as carried by its connection. */
	if (!egress_ready(p, pk, now))
		return;
	if (unlikely(pk->related)) {
		/* It tells of the connection; it is not part of its traffic. */
		pk->flow = e->flow;
		pk->verdict = VERDICT_FORWARD;
		pk->stage = STAGE_DONE;
		forward(p, pk, NULL, now);
		return;
	}
	dir = conntrack_dir(e, pk->side);
	e->packets[dir]++;
	e->bytes[dir] += pk->ip.total_len;
	e->last_ms = now;
	if (pk->ip.proto == IPPROTO_TCP)
		e->flags_seen |= pk->ip.tcp.flags;
	e->expires_ms = now + (int64_t)timeout_s(t, e) * 1000;
	if (e->generation == t->generation) {
		struct rule_counters *rc = &t->rule_counters[p->worker * t->n_rules + e->rule];

		rc->packets++;
		rc->bytes += pk->ip.total_len;
	}
	pk->flow = e->flow;
	pk->verdict = VERDICT_FORWARD;
	pk->stage = STAGE_DONE;
	if (end != FLOWREC_END_NONE) {
		ct_end(p, e, end, now);
		e = NULL;   /* its record is written: nothing to take back */
	}
	forward(p, pk, e, now);
}

void pipeline_rx(struct pipeline *p, uint8_t zone, uint8_t link, struct rte_mbuf **pkts,
		 uint16_t n, int64_t now, struct pipeline_verdict *v)
{
	const struct ct_key *keys[PIPELINE_BURST_MAX];
	uint32_t sigs[PIPELINE_BURST_MAX];
	const struct acl_key *akeys[PIPELINE_BURST_MAX];
	struct ct_entry *found[PIPELINE_BURST_MAX];
	uint32_t ares[PIPELINE_BURST_MAX * ACL_CATEGORIES];
	struct pkt *ct_pk[PIPELINE_BURST_MAX], *acl_pk[PIPELINE_BURST_MAX];
	unsigned n_ct = 0, n_acl = 0;
	struct tables *t = tables_current(p);

	if (unlikely(n > PIPELINE_BURST_MAX || zone >= ZONE_COUNT ||
		     link >= PIPELINE_LINKS_MAX)) {
		PIPELINE_LOG(ERR, "burst of %u on zone %u port %u refused\n", n, zone, link);
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (unsigned i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned i = 0; i < n; i++) {
		struct pkt *pk = &p->burst[i];

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		pkt_clear(pk);
		pk->m = pkts[i];
		pk->zin = zone;
		pk->lin = link;
		pk->frame_len = rte_pktmbuf_pkt_len(pk->m);
		p->c.rx_packets[zone]++;
		p->c.rx_bytes[zone] += pk->frame_len;
		if (unlikely(t == NULL)) {
			done(pk, VERDICT_DROP, REASON_ZONE_DOWN); /* no policy yet: deny all */
			continue;
		}
		classify_frame(p, pk, now);
		if (pk->stage == STAGE_CT) {
			keys[n_ct] = &pk->key;
			sigs[n_ct] = pk->sig;
			ct_pk[n_ct++] = pk;
		}
	}

	/* Look up the burst's connections at once, then classify the new ones at once. */
	conntrack_lookup_bulk(p->ct, keys, sigs, n_ct, found);
	p->n_changed = 0;
	p->changed_mask = 0;
	for (unsigned i = 0; i < n_ct; i++) {
		if (found[i] != NULL) {
			/* the entry is read and written in the last pass: fetch it now */
			rte_prefetch0(found[i]);
			rte_prefetch0((const char *)found[i] + RTE_CACHE_LINE_SIZE);
			continue;
		}
		if (!ct_pk[i]->opener)
			continue;
		acl_key_of(ct_pk[i]);
		akeys[n_acl] = &ct_pk[i]->acl;
		acl_pk[n_acl++] = ct_pk[i];
	}
	if (n_acl > 0 && acl_classify(t->acl, akeys, ares, n_acl) == 0) {
		for (unsigned i = 0; i < n_acl; i++) {
			memcpy(acl_pk[i]->acl_res, &ares[i * ACL_CATEGORIES],
			       sizeof(acl_pk[i]->acl_res));
			acl_pk[i]->classified = true;
		}
	}

	for (unsigned i = 0, c = 0; i < n; i++) {
		struct pkt *pk = &p->burst[i];

		if (pk->stage == STAGE_CT) {
			/* Earlier packets of this burst may have opened or closed it. */
			struct ct_entry *e = !ct_stale(p, &pk->key, pk->sig) ? found[c] :
				conntrack_lookup_hashed(p->ct, &pk->key, pk->sig);

			c++;
			process_ct(p, pk, e, now);
		}
		finish(p, pk, now, v != NULL ? &v[i] : NULL);
	}
}

void pipeline_sweep_connections(struct pipeline *p, int64_t now, uint32_t budget)
{
	struct tables *t = tables_current(p);

	if (t != NULL && p->limits_gen != t->generation)
		limits_refresh(p, t); /* the adaptive timeouts apply before any new connection */
	if (t != NULL && budget > 0)
		p->c.conn_closed += conntrack_sweep(p->ct, now, budget, t->generation,
						    recheck_bulk, p,
						    (int64_t)t->timeouts.tcp_transitory * 1000);
}

void pipeline_sweep(struct pipeline *p, int64_t now, uint32_t budget)
{
	pipeline_sweep_connections(p, now, budget);
	if (tables_current(p) != NULL)
		neigh_sweep(p->nb, now, pipeline_neigh_drop, pipeline_neigh_request, p);
	deny_flush(p->deny, now, false);
}

void pipeline_shutdown(struct pipeline *p, int64_t now)
{
	p->c.conn_closed += conntrack_flush(p->ct, now, FLOWREC_END_SHUTDOWN);
	/* Far in the future: every held frame is given up. */
	neigh_sweep(p->nb, INT64_MAX, pipeline_neigh_drop, pipeline_neigh_request, p);
	deny_flush(p->deny, now, true);
}
