/* Policy installation on the control side: build off the packet path, publish with one
 * pointer swap, free after RCU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "daemon.h"

#define INSTALL_LOG(level, ...) RTE_LOG(level, USER1, "install: " __VA_ARGS__)

int64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The ports are opened once, from the policy the process started with: a policy that
 * names other ports needs a restart, not a reload. */
static int same_ports(const struct cpolicy *a, const struct cpolicy *b, char *err,
		      size_t errlen)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		const struct cp_zone *za = cpolicy_zone(a, (enum zone)z);
		const struct cp_zone *zb = cpolicy_zone(b, (enum zone)z);
		bool same = za->enabled == zb->enabled && za->n_ports == zb->n_ports;

		for (unsigned i = 0; same && i < za->n_ports; i++)
			same = strcmp(za->ports[i], zb->ports[i]) == 0;
		if (!same) {
			snprintf(err, errlen, "zone %s: the policy's ports differ from the running "
				 "ones; restart bunri-dataplane to change ports",
				 zone_name((enum zone)z));
			return -EINVAL;
		}
	}
	return 0;
}

/* Keeps what the retired tables counted, under each rule's flow name. */
static void retire_counters(struct daemon *d, const struct tables *t)
{
	for (uint32_t i = 0; i < t->n_rules; i++) {
		struct flow_history *h = &d->history[t->rule_flow[i]];
		struct rule_counters rc;

		tables_rule_total(t, i, &rc);
		h->total.packets += rc.packets;
		h->total.bytes += rc.bytes;
		h->total.connections += rc.connections;
	}
}

int install_policy(struct daemon *d, struct cpolicy *cp, char *err, size_t errlen)
{
	struct tables *t, *old = d->tables;
	int64_t t0 = monotonic_us(), t1;
	uint64_t token;
	int ret;

	if (old != NULL) {
		ret = same_ports(old->cp, cp, err, errlen);
		if (ret != 0)
			goto err_refuse;
	}
	ret = tables_build(cp, d->ports.zone_mac, d->generation + 1, d->names, d->n_workers,
			   (int)rte_socket_id(), &t);
	if (ret != 0) {
		snprintf(err, errlen, "cannot build the dataplane's tables: %s", strerror(-ret));
		goto err_refuse;
	}
	t1 = monotonic_us();
	d->build_us_last = (uint64_t)(t1 - t0);
	if (d->build_us_last > d->build_us_max)
		d->build_us_max = d->build_us_last;
	d->generation++;
	__atomic_store_n(&d->tables, t, __ATOMIC_RELEASE);
	d->loaded_ms = daemon_now_ms();
	d->installs++;
	if (old != NULL) {
		/* Blocks only this control thread: workers report quiescence every loop. */
		token = rte_rcu_qsbr_start(d->qs);
		rte_rcu_qsbr_check(d->qs, token, true);
		d->swap_us_last = (uint64_t)(monotonic_us() - t1);
		retire_counters(d, old);
		tables_free(old);
	}
	return 0;

err_refuse:
	d->refused++;
	INSTALL_LOG(ERR, "policy refused: %s\n", err);
	return ret;
}

void install_tick(struct daemon *d, int64_t now_ms)
{
	const struct tables *t = d->tables;
	uint64_t *sum;

	if (t == NULL || t->n_rules == 0)
		return;
	sum = calloc(FLOWNAME_MAX + 1, sizeof(*sum));
	if (sum == NULL)
		return;
	for (uint32_t i = 0; i < t->n_rules; i++) {
		struct rule_counters rc;

		tables_rule_total(t, i, &rc);
		sum[t->rule_flow[i]] += rc.packets;
	}
	for (uint32_t i = 0; i < t->n_rules; i++) {
		uint16_t f = t->rule_flow[i];
		struct flow_history *h = &d->history[f];
		uint64_t total = h->total.packets + sum[f];

		if (total != h->seen_packets) {
			h->seen_packets = total;
			h->last_hit_ms = now_ms;
		}
	}
	free(sum);
}
