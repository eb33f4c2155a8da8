/* The pipeline's life outside the packet path: creating it with its tables (connections,
 * neighbours, deny records), freeing it, and what the daemon and the tests read of it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "pipeline_impl.h"

static const struct rte_mbuf_dynfield held_field = {
	.name = "bunri_dynfield_held_note",
	.size = sizeof(struct held_note),
	.align = __alignof__(struct held_note),
};

int pipeline_create(const struct pipeline_conf *conf, struct pipeline **out)
{
	struct conntrack_conf cc = {
		.capacity = conf->conn_capacity ? conf->conn_capacity : 65536,
		.socket = conf->socket,
		.sink = conf->sink,
		.names = conf->names,
	};
	struct deny_conf dc = {
		.capacity = conf->deny_capacity ? conf->deny_capacity : 4096,
		.interval_ms = conf->deny_interval_ms ? conf->deny_interval_ms : DENY_INTERVAL_MS,
		.rate = conf->deny_rate ? conf->deny_rate : DENY_RATE,
		.socket = conf->socket,
		.sink = conf->sink,
	};
	char name[64];
	struct pipeline *p;
	int ret = -ENOMEM;

	*out = NULL;
	if (conf->name == NULL || conf->tables == NULL || conf->pool == NULL ||
	    conf->sink.emit == NULL || conf->names == NULL)
		return -EINVAL;
	p = rte_zmalloc_socket("bunri_pipeline", sizeof(*p), RTE_CACHE_LINE_SIZE,
			       conf->socket);
	if (p == NULL)
		goto err_p;
	p->slot = conf->tables;
	p->neigh_learned = conf->neigh_learned;
	p->neigh_ctx = conf->neigh_ctx;
	p->link_down = conf->link_down;
	p->worker = conf->worker;
	p->pool = conf->pool;
	p->held_off = rte_mbuf_dynfield_register(&held_field);
	if (p->held_off < 0) {
		ret = -rte_errno;
		PIPELINE_LOG(ERR, "mbuf field for held frames: %s\n", rte_strerror(rte_errno));
		goto err_ct;
	}
	p->limits_gen = UINT64_MAX; /* none yet */

	snprintf(name, sizeof(name), "%s_ct", conf->name);
	cc.name = name;
	ret = conntrack_create(&cc, &p->ct);
	if (ret != 0)
		goto err_ct;
	snprintf(name, sizeof(name), "%s_nb", conf->name);
	ret = neigh_create(name, conf->neigh_capacity ? conf->neigh_capacity : 4096,
			   conf->socket, &p->nb);
	if (ret != 0)
		goto err_nb;
	snprintf(name, sizeof(name), "%s_dn", conf->name);
	dc.name = name;
	ret = deny_create(&dc, &p->deny);
	if (ret != 0)
		goto err_deny;
	*out = p;
	return 0;

err_deny:
	neigh_free(p->nb);
err_nb:
	conntrack_free(p->ct);
err_ct:
	rte_free(p);
err_p:
	PIPELINE_LOG(ERR, "%s: %s\n", conf->name, strerror(-ret));
	return ret;
}

void pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++)
			rte_pktmbuf_free_bulk(p->tx[z][l].pkts, p->tx[z][l].n);
	deny_free(p->deny);
	neigh_free(p->nb);
	conntrack_free(p->ct);
	rte_free(p);
}

struct pipeline_tx *pipeline_tx(struct pipeline *p, uint8_t zone, uint8_t link)
{
	return zone < ZONE_COUNT && link < PIPELINE_LINKS_MAX ? &p->tx[zone][link] : NULL;
}

const struct counters *pipeline_counters(const struct pipeline *p)
{
	return &p->c;
}

struct conntrack *pipeline_conntrack(struct pipeline *p)
{
	return p->ct;
}

struct neigh *pipeline_neigh(struct pipeline *p)
{
	return p->nb;
}

int64_t pipeline_max_idle_ms(const struct pipeline *p)
{
	const struct tables *t = __atomic_load_n(p->slot, __ATOMIC_ACQUIRE);
	uint32_t m;

	if (t == NULL)
		return 0;
	m = RTE_MAX(RTE_MAX(t->timeouts.tcp_established, t->timeouts.tcp_transitory),
		    RTE_MAX(t->timeouts.udp, t->timeouts.icmp));
	return (int64_t)m * 1000 + NEIGH_HOLD_MS;
}
