/* Answers to the control socket's queries, as JSON objects: status (policy, ports,
 * zone and drop counters, connections, records), rules (per flow counters), a page
 * of live connections and the neighbours (next hops). Runs on the control thread; reads worker counters that only
 * their worker writes (64-bit loads: a figure may be one burst old, never torn). */
#ifndef BUNRI_QUERY_H
#define BUNRI_QUERY_H

#include <jansson.h>

#include "ctlproto.h"
#include "daemon.h"
#include "flowbuf.h"

struct query_records {
	struct flowbuf_stats buf;   /* emitted, sent, acknowledged, lost, held */
	uint64_t run;
	uint64_t seq;               /* the last seq given */
	bool subscriber;
	uint64_t bad_messages;
};

/* New references, NULL when out of memory. */
json_t *query_status(struct daemon *d, const struct query_records *rec);
json_t *query_rules(struct daemon *d);
/* snap: one buffer of cap entries per worker. */
json_t *query_flows(struct daemon *d, const struct ctlproto_flows_query *q,
		    struct ct_entry **snap, uint32_t cap);
/* The next hops: static neighbours of the policy and what the workers' ARP learned or
 * waits for, one entry per (zone, address). snap as for query_flows(). */
json_t *query_neighbors(struct daemon *d, struct neigh_entry **snap, uint32_t cap);

#endif
