#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "neigh.h"

#define NEIGH_LOG(level, ...) RTE_LOG(level, USER1, "neigh: " __VA_ARGS__)

struct neigh_key {
	uint32_t ip;
	uint8_t zone;
	uint8_t pad[3];
} __attribute__((aligned(8))); /* rte_hash_crc reads 8 bytes at a time */

struct neigh {
	struct rte_hash *hash;
	struct neigh_entry *entries; /* by rte_hash key position */
	uint32_t capacity;
	uint32_t count;
};

int neigh_create(const char *name, uint32_t capacity, int socket, struct neigh **out)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh *n;
	int ret = -ENOMEM;

	*out = NULL;
	if (capacity < 8)
		return -EINVAL;
	n = rte_zmalloc_socket("bunri_neigh", sizeof(*n), RTE_CACHE_LINE_SIZE, socket);
	if (n == NULL)
		goto err_n;
	n->entries = rte_zmalloc_socket("bunri_neigh_entries",
		sizeof(*n->entries) * ((size_t)capacity + 1), RTE_CACHE_LINE_SIZE, socket);
	if (n->entries == NULL)
		goto err_entries;
	n->hash = rte_hash_create(&hp);
	if (n->hash == NULL) {
		ret = rte_errno ? -rte_errno : -ENOMEM;
		NEIGH_LOG(ERR, "rte_hash_create %s: %s\n", name, rte_strerror(-ret));
		goto err_hash;
	}
	n->capacity = capacity;
	*out = n;
	return 0;

err_hash:
	rte_free(n->entries);
err_entries:
	rte_free(n);
err_n:
	return ret;
}

void neigh_free(struct neigh *n)
{
	if (n == NULL)
		return;
	for (uint32_t i = 0; i <= n->capacity; i++)
		for (unsigned h = 0; n->entries[i].in_use && h < n->entries[i].n_held; h++)
			rte_pktmbuf_free(n->entries[i].held[h]);
	rte_hash_free(n->hash);
	rte_free(n->entries);
	rte_free(n);
}

static struct neigh_entry *entry_at(const struct neigh *n, int32_t pos)
{
	if (pos < 0 || (uint32_t)pos > n->capacity)
		return NULL;
	return &n->entries[pos];
}

struct neigh_entry *neigh_lookup(struct neigh *n, uint8_t zone, uint32_t ip)
{
	struct neigh_key k = { .ip = ip, .zone = zone };

	return entry_at(n, rte_hash_lookup(n->hash, &k));
}

static struct neigh_entry *entry_get(struct neigh *n, uint8_t zone, uint32_t ip)
{
	struct neigh_key k = { .ip = ip, .zone = zone };
	struct neigh_entry *e;
	int32_t pos;

	e = entry_at(n, rte_hash_lookup(n->hash, &k));
	if (e != NULL)
		return e;
	pos = rte_hash_add_key(n->hash, &k);
	e = entry_at(n, pos);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->zone = zone;
	e->in_use = 1;
	n->count++;
	return e;
}

static void entry_del(struct neigh *n, struct neigh_entry *e)
{
	struct neigh_key k = { .ip = e->ip, .zone = e->zone };

	if (rte_hash_del_key(n->hash, &k) < 0)
		NEIGH_LOG(ERR, "entry missing from its hash\n");
	e->in_use = 0;
	n->count--;
}

struct neigh_entry *neigh_learn(struct neigh *n, uint8_t zone, uint8_t link, uint32_t ip,
				const struct rte_ether_addr *mac, int64_t now)
{
	struct neigh_entry *e = entry_get(n, zone, ip);

	if (e == NULL)
		return NULL;
	e->mac = *mac;
	e->link = link;
	e->resolved = true;
	e->expires_ms = now + NEIGH_REACHABLE_MS;
	return e;
}

int neigh_hold(struct neigh *n, uint8_t zone, uint32_t ip, struct rte_mbuf *m,
	       uint8_t ingress_zone, int64_t now, bool *request)
{
	struct neigh_entry *e = entry_get(n, zone, ip);

	*request = false;
	if (e == NULL)
		return -ENOMEM;
	if (e->n_held >= NEIGH_HOLD_MAX)
		return -ENOSPC;
	if (e->n_held == 0) {
		/* The first waiting packet starts the clock and asks at once. */
		e->resolved = false;
		e->expires_ms = now + NEIGH_HOLD_MS;
		e->requested_ms = now;
		*request = true;
	}
	e->held[e->n_held] = m;
	e->held_zone[e->n_held] = ingress_zone;
	e->n_held++;
	return 0;
}

int neigh_hold_room(struct neigh *n, uint8_t zone, uint32_t ip)
{
	const struct neigh_entry *e = neigh_lookup(n, zone, ip);

	if (e != NULL)
		return e->n_held >= NEIGH_HOLD_MAX ? -ENOSPC : 0;
	/* the table is made for capacity keys (extendable buckets): one more fits */
	return n->count < n->capacity ? 0 : -ENOMEM;
}

unsigned neigh_sweep(struct neigh *n, int64_t now, neigh_drop_fn drop,
		     neigh_request_fn request, void *ctx)
{
	unsigned dropped = 0;
	uint32_t next = 0;
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(n->hash, &key, &data, &next)) >= 0) {
		struct neigh_entry *e = entry_at(n, pos);

		if (e == NULL || !e->in_use)
			continue;
		if (e->resolved) {
			if (e->expires_ms <= now)
				entry_del(n, e);
			else if (e->expires_ms - now <= NEIGH_REFRESH_MS &&
				 now - e->used_ms < NEIGH_REFRESH_MS &&
				 now - e->requested_ms >= NEIGH_RETRY_MS) {
				e->requested_ms = now;
				request(ctx, e->zone, e->ip);
			}
			continue;
		}
		if (e->expires_ms <= now) {
			for (unsigned h = 0; h < e->n_held; h++)
				drop(ctx, e->held[h], e->held_zone[h]);
			dropped += e->n_held;
			e->n_held = 0;
			entry_del(n, e);
			continue;
		}
		if (e->n_held > 0 && now - e->requested_ms >= NEIGH_RETRY_MS) {
			e->requested_ms = now;
			request(ctx, e->zone, e->ip);
		}
	}
	return dropped;
}

uint32_t neigh_count(const struct neigh *n)
{
	return n->count;
}

bool neigh_room_unasked(const struct neigh *n)
{
	return n->count < n->capacity - n->capacity / 4;
}

uint32_t neigh_copy(const struct neigh *n, struct neigh_entry *out, uint32_t cap)
{
	uint32_t next = 0, copied = 0;
	const void *key;
	void *data;
	int32_t pos;

	while (copied < cap && (pos = rte_hash_iterate(n->hash, &key, &data, &next)) >= 0) {
		const struct neigh_entry *e = entry_at(n, pos);

		if (e != NULL && e->in_use)
			out[copied++] = *e;
	}
	return copied;
}
