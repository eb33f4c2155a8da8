#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "neigh.h"
#include "query.h"

static json_t *ip_json(uint32_t ip)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(ip) };

	return json_string(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

static void sum_counters(const struct daemon *d, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned w = 0; w < d->n_workers; w++)
		counters_add(c, pipeline_counters(d->workers[w].pipe));
}

static json_t *port_json(const struct ports_port *pp)
{
	struct rte_eth_link link;
	struct rte_eth_stats st;
	json_t *o = json_object();

	memset(&link, 0, sizeof(link));
	memset(&st, 0, sizeof(st));
	(void)rte_eth_link_get_nowait(pp->id, &link);
	(void)rte_eth_stats_get(pp->id, &st);
	json_object_set_new(o, "name", json_string(pp->name));
	json_object_set_new(o, "port_id", json_integer(pp->id));
	json_object_set_new(o, "link", json_string(link.link_status ? "up" : "down"));
	json_object_set_new(o, "speed_mbps", json_integer(link.link_speed));
	json_object_set_new(o, "rx_packets", json_integer((json_int_t)st.ipackets));
	json_object_set_new(o, "tx_packets", json_integer((json_int_t)st.opackets));
	/* Frames lost before a worker saw them: the NIC's count, or the kernel's for an
	 * AF_PACKET port (its ring was full). */
	json_object_set_new(o, "rx_missed",
			    json_integer((json_int_t)(st.imissed + pp->socket_drops)));
	json_object_set_new(o, "rx_socket_drops", json_integer((json_int_t)pp->socket_drops));
	json_object_set_new(o, "rx_errors", json_integer((json_int_t)st.ierrors));
	json_object_set_new(o, "tx_errors", json_integer((json_int_t)st.oerrors));
	json_object_set_new(o, "rx_nombuf", json_integer((json_int_t)st.rx_nombuf));
	return o;
}

static json_t *drops_json(const uint64_t *by_reason)
{
	json_t *o = json_object();

	for (unsigned r = 0; r < REASON_COUNT; r++) {
		if (by_reason[r] != 0)
			json_object_set_new(o, reason_name((enum reason)r),
					    json_integer((json_int_t)by_reason[r]));
	}
	return o;
}

/* The zone's use of the connection tables against its share, over every worker (each
 * worker enforces its share of the limits on its own table). */
static json_t *zone_conn_json(const struct daemon *d, const struct counters *c, unsigned z)
{
	uint64_t live = 0, emb = 0, limit = 0, emb_limit = 0;

	for (unsigned w = 0; w < d->n_workers; w++) {
		struct conntrack *ct = pipeline_conntrack(d->workers[w].pipe);
		struct ct_zone_usage u;

		conntrack_zone_usage(ct, (uint8_t)z, &u);
		live += u.live;
		emb += u.embryonic;
		limit += conntrack_limits(ct)->zone;
		emb_limit += conntrack_limits(ct)->embryonic;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "live", (json_int_t)live, "embryonic",
			 (json_int_t)emb, "limit", (json_int_t)limit, "embryonic_limit",
			 (json_int_t)emb_limit, "early_drops", (json_int_t)c->early_drop[z]);
}

static json_t *zone_json(const struct daemon *d, const struct tables *t,
			 const struct counters *c, unsigned z)
{
	json_t *o = json_object(), *ports = json_array();
	const struct tables_zone *tz = &t->zone[z];

	json_object_set_new(o, "zone", json_string(zone_name((enum zone)z)));
	json_object_set_new(o, "address", tz->address ? ip_json(tz->address) : json_null());
	for (unsigned i = 0; i < d->ports.n; i++) {
		if (d->ports.port[i].zone == z)
			json_array_append_new(ports, port_json(&d->ports.port[i]));
	}
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "rx_packets", json_integer((json_int_t)c->rx_packets[z]));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)c->rx_bytes[z]));
	json_object_set_new(o, "tx_packets", json_integer((json_int_t)c->tx_packets[z]));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)c->tx_bytes[z]));
	json_object_set_new(o, "forwarded", json_integer((json_int_t)c->forward[z]));
	json_object_set_new(o, "local", json_integer((json_int_t)c->local[z]));
	json_object_set_new(o, "dropped",
			    json_integer((json_int_t)counters_drops(c, (enum zone)z)));
	json_object_set_new(o, "drops", drops_json(c->drop[z]));
	json_object_set_new(o, "connections", zone_conn_json(d, c, z));
	return o;
}

static json_t *policy_json(const struct daemon *d, const struct tables *t)
{
	const struct cp_flow *flows;
	char hex[2 * CPOLICY_DIGEST_LEN + 1];
	json_t *o = json_object();
	/* No rule: the start-up policy, or one whose every flow has expired. */
	bool deny_all = t->n_rules == 0;

	json_object_set_new(o, "digest", json_string(cpolicy_digest_hex(t->cp, hex)));
	json_object_set_new(o, "deny_all", json_boolean(deny_all));
	json_object_set_new(o, "generation", json_integer((json_int_t)t->generation));
	json_object_set_new(o, "loaded_at_ms", json_integer(d->loaded_ms));
	json_object_set_new(o, "compiled_at", json_integer(cpolicy_compiled_at(t->cp)));
	json_object_set_new(o, "next_change", json_integer(cpolicy_next_change(t->cp)));
	json_object_set_new(o, "flows", json_integer((json_int_t)cpolicy_flows(t->cp, &flows)));
	json_object_set_new(o, "rules", json_integer(t->n_rules));
	json_object_set_new(o, "installs", json_integer((json_int_t)d->installs));
	json_object_set_new(o, "refused", json_integer((json_int_t)d->refused));
	json_object_set_new(o, "build_us_last", json_integer((json_int_t)d->build_us_last));
	json_object_set_new(o, "build_us_max", json_integer((json_int_t)d->build_us_max));
	json_object_set_new(o, "swap_us_last", json_integer((json_int_t)d->swap_us_last));
	return o;
}

/* One worker's share: how evenly RSS spreads connections, and what it lost. */
static json_t *worker_json(const struct worker *w)
{
	const struct counters *c = pipeline_counters(w->pipe);

	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "worker", (int)w->index,
			 "live", (json_int_t)conntrack_count(pipeline_conntrack(w->pipe)),
			 "opened", (json_int_t)c->conn_opened, "closed", (json_int_t)c->conn_closed,
			 "tx_dropped", (json_int_t)w->tx_dropped,
			 "records_lost", (json_int_t)w->records_lost,
			 "neighbours_lost", (json_int_t)w->neigh_lost);
}

json_t *query_status(struct daemon *d, const struct query_records *rec)
{
	const struct tables *t = d->tables;
	struct counters c;
	uint64_t drops[REASON_COUNT] = { 0 }, tx_dropped = 0, live = 0, cap = 0, mem = 0;
	uint64_t limit = 0;
	char run[17];
	json_t *o = json_object(), *zones = json_array(), *conn = json_object(),
	       *records = json_object(), *workers = json_array();

	if (o == NULL || zones == NULL || conn == NULL || records == NULL || workers == NULL)
		goto err;
	sum_counters(d, &c);
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		for (unsigned r = 0; r < REASON_COUNT; r++)
			drops[r] += c.drop[z][r];
		if (t->zone[z].enabled)
			json_array_append_new(zones, zone_json(d, t, &c, z));
	}
	for (unsigned w = 0; w < d->n_workers; w++) {
		live += conntrack_count(pipeline_conntrack(d->workers[w].pipe));
		cap += conntrack_capacity(pipeline_conntrack(d->workers[w].pipe));
		limit += conntrack_limits(pipeline_conntrack(d->workers[w].pipe))->connections;
		mem += conntrack_memory(pipeline_conntrack(d->workers[w].pipe));
		tx_dropped += d->workers[w].tx_dropped;
		json_array_append_new(workers, worker_json(&d->workers[w]));
	}
	json_object_set_new(o, "appliance", json_string(appliance_name(d->appliance)));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "started_ms", json_integer(d->started_ms));
	json_object_set_new(o, "workers", json_integer(d->n_workers));
	json_object_set_new(o, "per_worker", workers);
	json_object_set_new(o, "rss", json_boolean(d->ports.rss));
	json_object_set_new(o, "link_changes", json_integer((json_int_t)d->ports.link_changes));
	json_object_set_new(o, "policy", policy_json(d, t));
	json_object_set_new(o, "zones", zones);
	json_object_set_new(o, "drops", drops_json(drops));
	json_object_set_new(o, "tx_dropped", json_integer((json_int_t)tx_dropped));
	json_object_set_new(conn, "live", json_integer((json_int_t)live));
	json_object_set_new(conn, "capacity", json_integer((json_int_t)cap));
	json_object_set_new(conn, "limit", json_integer((json_int_t)limit));
	json_object_set_new(conn, "table_bytes", json_integer((json_int_t)mem));
	json_object_set_new(conn, "opened", json_integer((json_int_t)c.conn_opened));
	json_object_set_new(conn, "closed", json_integer((json_int_t)c.conn_closed));
	json_object_set_new(o, "connections", conn);
	snprintf(run, sizeof(run), "%016" PRIx64, rec->run);
	json_object_set_new(records, "run", json_string(run));
	json_object_set_new(records, "seq", json_integer((json_int_t)rec->seq));
	json_object_set_new(records, "emitted", json_integer((json_int_t)rec->buf.emitted));
	json_object_set_new(records, "sent", json_integer((json_int_t)rec->buf.sent));
	json_object_set_new(records, "resent", json_integer((json_int_t)rec->buf.resent));
	json_object_set_new(records, "acknowledged", json_integer((json_int_t)rec->buf.acked));
	json_object_set_new(records, "acknowledged_seq",
			    json_integer((json_int_t)rec->buf.acked_seq));
	json_object_set_new(records, "buffered", json_integer((json_int_t)rec->buf.held));
	json_object_set_new(records, "lost_ring", json_integer((json_int_t)rec->buf.lost_ring));
	json_object_set_new(records, "dropped_buffer",
			    json_integer((json_int_t)rec->buf.lost_buffer));
	json_object_set_new(records, "controller", json_boolean(rec->subscriber));
	json_object_set_new(o, "records", records);
	json_object_set_new(o, "bad_messages", json_integer((json_int_t)rec->bad_messages));
	return o;

err:
	json_decref(o);
	json_decref(zones);
	json_decref(conn);
	json_decref(records);
	json_decref(workers);
	return NULL;
}

json_t *query_rules(struct daemon *d)
{
	const struct tables *t = d->tables;
	const struct cp_flow *flows;
	size_t nf = cpolicy_flows(t->cp, &flows);
	char hex[2 * CPOLICY_DIGEST_LEN + 1];
	json_t *o = json_object(), *arr = json_array();

	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (size_t f = 0; f < nf; f++) {
		const struct cp_flow *cf = &flows[f];
		struct rule_counters sum = { 0 };
		const struct flow_history *h = NULL;
		json_t *j = json_object();

		for (uint32_t i = 0; i < cf->n_rules; i++) {
			struct rule_counters rc;

			tables_rule_total(t, cf->first_rule + i, &rc);
			sum.packets += rc.packets;
			sum.bytes += rc.bytes;
			sum.connections += rc.connections;
			h = &d->history[t->rule_flow[cf->first_rule + i]];
		}
		if (h != NULL) {
			sum.packets += h->total.packets;
			sum.bytes += h->total.bytes;
			sum.connections += h->total.connections;
		}
		json_object_set_new(j, "id", json_string(cf->id));
		json_object_set_new(j, "purpose", json_string(cf->purpose ? cf->purpose : ""));
		json_object_set_new(j, "kind", json_string(cf->kind == FLOW_SANITIZED ?
							   "sanitized" : "specific"));
		if (cf->n_rules > 0) {
			const struct cp_rule *r = &t->rules[cf->first_rule];

			json_object_set_new(j, "from", json_string(zone_name((enum zone)r->from_zone)));
			json_object_set_new(j, "to", json_string(zone_name((enum zone)r->to_zone)));
		}
		json_object_set_new(j, "valid_until", json_integer(cf->valid_until));
		json_object_set_new(j, "rules", json_integer(cf->n_rules));
		json_object_set_new(j, "packets", json_integer((json_int_t)sum.packets));
		json_object_set_new(j, "bytes", json_integer((json_int_t)sum.bytes));
		json_object_set_new(j, "connections", json_integer((json_int_t)sum.connections));
		json_object_set_new(j, "last_hit_ms", h != NULL && h->last_hit_ms ?
				    json_integer(h->last_hit_ms) : json_null());
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "digest", json_string(cpolicy_digest_hex(t->cp, hex)));
	json_object_set_new(o, "flows", arr);
	return o;
}

static bool matches(const struct daemon *d, const struct ct_entry *e,
		    const struct ctlproto_flows_query *q)
{
	if (q->zone != 0 && e->key.zone[0] != q->zone - 1 && e->key.zone[1] != q->zone - 1)
		return false;
	if (q->host != 0 && e->key.ip[0] != q->host && e->key.ip[1] != q->host)
		return false;
	if (q->flow[0] != '\0' && strcmp(flowname_get(d->names, e->flow), q->flow) != 0)
		return false;
	return true;
}

static json_t *conn_json(const struct daemon *d, const struct ct_entry *e, unsigned worker)
{
	unsigned o = e->orig_side, p = !e->orig_side;
	json_t *j = json_object();
	const char *proto = e->key.proto == IPPROTO_TCP ? "tcp" :
			    e->key.proto == IPPROTO_UDP ? "udp" : "icmp";

	json_object_set_new(j, "worker", json_integer(worker));
	json_object_set_new(j, "flow", json_string(flowname_get(d->names, e->flow)));
	json_object_set_new(j, "proto", json_string(proto));
	json_object_set_new(j, "from_zone", json_string(zone_name((enum zone)e->key.zone[o])));
	json_object_set_new(j, "src", ip_json(e->key.ip[o]));
	json_object_set_new(j, "sport", json_integer(e->key.port[o]));
	json_object_set_new(j, "to_zone", json_string(zone_name((enum zone)e->key.zone[p])));
	json_object_set_new(j, "dst", ip_json(e->key.ip[p]));
	json_object_set_new(j, "dport", json_integer(e->key.proto == IPPROTO_ICMP ?
						     e->icmp_type : e->key.port[p]));
	if (e->key.proto == IPPROTO_TCP)
		json_object_set_new(j, "state",
				    json_string(tcpstate_name((enum tcp_state)e->tcp.state)));
	json_object_set_new(j, "start_ms", json_integer(e->start_ms));
	json_object_set_new(j, "last_ms", json_integer(e->last_ms));
	json_object_set_new(j, "expires_ms", json_integer(e->expires_ms));
	json_object_set_new(j, "packets_out", json_integer((json_int_t)e->packets[TCP_ORIG]));
	json_object_set_new(j, "packets_in", json_integer((json_int_t)e->packets[TCP_REPLY]));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)e->bytes[TCP_ORIG]));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)e->bytes[TCP_REPLY]));
	return j;
}

json_t *query_flows(struct daemon *d, const struct ctlproto_flows_query *q,
		    struct ct_entry **snap, uint32_t cap)
{
	json_t *o = json_object(), *arr = json_array();
	uint64_t total = 0;
	bool complete = true;

	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	for (unsigned w = 0; w < d->n_workers; w++) {
		int n = worker_snapshot(&d->workers[w], WORKER_SNAP_CONNECTIONS, snap[w], cap, 1000);

		if (n < 0) {
			complete = false;
			continue;
		}
		complete &= (uint32_t)n < cap;
		for (int i = 0; i < n; i++) {
			if (!matches(d, &snap[w][i], q))
				continue;
			if (total >= q->offset && json_array_size(arr) < q->limit)
				json_array_append_new(arr, conn_json(d, &snap[w][i], w));
			total++;
		}
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "offset", json_integer(q->offset));
	json_object_set_new(o, "complete", json_boolean(complete));
	json_object_set_new(o, "connections", arr);
	return o;
}

static const char *port_of(const struct daemon *d, uint8_t zone, uint8_t link)
{
	for (unsigned i = 0; i < d->ports.n; i++) {
		if (d->ports.port[i].zone == zone && d->ports.port[i].link == link)
			return d->ports.port[i].name;
	}
	return NULL;
}

static json_t *mac_json(const uint8_t *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	return json_string(buf);
}

static int by_zone_ip(const void *pa, const void *pb)
{
	const struct neigh_entry *a = pa, *b = pb;

	if (a->zone != b->zone)
		return a->zone < b->zone ? -1 : 1;
	return a->ip < b->ip ? -1 : a->ip > b->ip;
}

/* Orders learned entries by (zone, address), the resolved one that lasts longest
 * first: the first of each run is what the workers agree on. */
static int by_neighbor(const void *pa, const void *pb)
{
	const struct neigh_entry *a = pa, *b = pb;
	int c = by_zone_ip(pa, pb);

	if (c != 0)
		return c;
	if (a->resolved != b->resolved)
		return a->resolved ? -1 : 1;
	return a->expires_ms > b->expires_ms ? -1 : a->expires_ms < b->expires_ms;
}

static json_t *neighbor_json(const struct daemon *d, const struct tables *t,
			     const struct neigh_entry *e, unsigned n, int64_t now)
{
	const struct cp_neighbor *sn = t != NULL ? tables_neighbor(t, e->zone, e->ip) : NULL;
	/* the port it answered on; a static one in a zone of one port is behind that one */
	const char *port = e->resolved ? port_of(d, e->zone, e->link) :
		sn && t->zone[e->zone].n_links == 1 ? port_of(d, e->zone, 0) : NULL;
	json_t *j = json_object();
	unsigned waiting = 0;

	for (unsigned i = 0; i < n; i++)
		waiting += e[i].n_held;
	json_object_set_new(j, "zone", json_string(zone_name((enum zone)e->zone)));
	json_object_set_new(j, "ip", ip_json(e->ip));
	json_object_set_new(j, "state", json_string(sn ? "static" : e->resolved ? "learned" :
						    "waiting"));
	json_object_set_new(j, "mac", sn ? mac_json(sn->mac) :
			    e->resolved ? mac_json(e->mac.addr_bytes) : json_null());
	json_object_set_new(j, "port", port ? json_string(port) : json_null());
	json_object_set_new(j, "expires_s", e->resolved && !sn ?
			    json_integer((e->expires_ms - now) / 1000) : json_null());
	json_object_set_new(j, "waiting_frames", json_integer(waiting));
	json_object_set_new(j, "workers", json_integer(n));
	return j;
}

json_t *query_neighbors(struct daemon *d, struct neigh_entry **snap, uint32_t cap)
{
	const struct tables *t = d->tables;
	json_t *o = json_object(), *arr = json_array();
	struct neigh_entry *all = NULL;
	size_t n_all = 0;
	int64_t now = worker_now(&d->workers[0]);
	bool complete = true;

	all = calloc((size_t)d->n_workers * cap + 1, sizeof(*all));
	if (o == NULL || arr == NULL || all == NULL) {
		json_decref(o);
		json_decref(arr);
		free(all);
		return NULL;
	}
	for (unsigned w = 0; w < d->n_workers; w++) {
		int n = worker_snapshot(&d->workers[w], WORKER_SNAP_NEIGHBORS, snap[w], cap, 1000);

		if (n < 0) {
			complete = false;
			continue;
		}
		complete &= (uint32_t)n < cap;
		memcpy(all + n_all, snap[w], (size_t)n * sizeof(*all));
		n_all += (size_t)n;
	}
	qsort(all, n_all, sizeof(*all), by_neighbor);
	for (size_t i = 0, j; i < n_all; i = j) {
		for (j = i + 1; j < n_all && all[j].zone == all[i].zone && all[j].ip == all[i].ip;)
			j++;
		json_array_append_new(arr, neighbor_json(d, t, &all[i], (unsigned)(j - i), now));
	}
	/* static neighbours no frame has gone to yet */
	for (uint32_t i = 0; t != NULL && i < t->n_neigh; i++) {
		struct neigh_entry key = { .ip = t->neigh[i].ip, .zone = t->neigh[i].zone };

		if (bsearch(&key, all, n_all, sizeof(*all), by_zone_ip) == NULL)
			json_array_append_new(arr, neighbor_json(d, t, &key, 0, now));
	}
	free(all);
	json_object_set_new(o, "complete", json_boolean(complete));
	json_object_set_new(o, "neighbors", arr);
	return o;
}
