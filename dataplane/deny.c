#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "deny.h"

#define DENY_LOG(level, ...) RTE_LOG(level, USER1, "deny: " __VA_ARGS__)

struct deny_key {
	uint32_t src;
	uint32_t dst;
	uint16_t dport;
	uint8_t zone;
	uint8_t proto;
	uint8_t src_mac[6];
	uint8_t pad[2];     /* always 0: the key is hashed as bytes */
	char reason[FLOWREC_REASON_MAX];
	uint8_t pad2[4];
} __attribute__((aligned(8))); /* rte_hash_crc reads 8 bytes at a time */
_Static_assert(sizeof(struct deny_key) == 48, "no padding the compiler could leave unset");

struct deny_entry {
	struct deny_key key;
	int64_t first_ms;
	int64_t last_ms;
	uint64_t count;
	uint64_t interval;      /* the interval it counts in; an older one: a free slot */
};

struct deny {
	struct rte_hash *hash;
	struct deny_entry *entries;
	uint32_t capacity;
	uint32_t count;
	int64_t interval_ms;
	int64_t start_ms;       /* start of the current interval; -1 before the first */
	uint64_t interval;      /* intervals handed over so far, plus one */
	uint64_t records;
	struct flowrec_sink sink;
};

int deny_create(const char *name, uint32_t capacity, int64_t interval_ms, int socket,
		struct flowrec_sink sink, struct deny **out)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct deny_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct deny *d;
	int ret = -ENOMEM;

	*out = NULL;
	if (capacity < 8 || interval_ms <= 0 || sink.emit == NULL)
		return -EINVAL;
	d = rte_zmalloc_socket("bunri_deny", sizeof(*d), RTE_CACHE_LINE_SIZE, socket);
	if (d == NULL)
		goto err_d;
	d->entries = rte_zmalloc_socket("bunri_deny_entries",
		sizeof(*d->entries) * ((size_t)capacity + 1), RTE_CACHE_LINE_SIZE, socket);
	if (d->entries == NULL)
		goto err_entries;
	d->hash = rte_hash_create(&hp);
	if (d->hash == NULL) {
		ret = rte_errno ? -rte_errno : -ENOMEM;
		DENY_LOG(ERR, "rte_hash_create %s: %s\n", name, rte_strerror(-ret));
		goto err_hash;
	}
	d->capacity = capacity;
	d->interval_ms = interval_ms;
	d->start_ms = -1;
	d->interval = 1;
	d->sink = sink;
	*out = d;
	return 0;

err_hash:
	rte_free(d->entries);
err_entries:
	rte_free(d);
err_d:
	return ret;
}

void deny_free(struct deny *d)
{
	if (d == NULL)
		return;
	rte_hash_free(d->hash);
	rte_free(d->entries);
	rte_free(d);
}

static void emit_all(struct deny *d)
{
	uint32_t next = 0;
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(d->hash, &key, &data, &next)) >= 0) {
		const struct deny_entry *e = &d->entries[pos];
		struct flowrec r = {
			.type = FLOWREC_DENY,
			.start_ms = e->first_ms,
			.end_ms = e->last_ms,
			.from_zone = e->key.zone,
			.to_zone = ZONE_NONE,
			.proto = e->key.proto,
			.src = e->key.src,
			.dst = e->key.dst,
			.dport = e->key.dport,
			.end_reason = FLOWREC_END_NONE,
			.count = e->count,
		};

		memcpy(r.src_mac, e->key.src_mac, sizeof(r.src_mac));
		memcpy(r.reason, e->key.reason, sizeof(r.reason));
		d->sink.emit(d->sink.ctx, &r);
		d->records++;
	}
	rte_hash_reset(d->hash);
	d->count = 0;
	d->start_ms = -1;
	d->interval++;
}

void deny_flush(struct deny *d, int64_t now, bool force)
{
	if (d->count == 0)
		return;
	if (force || now - d->start_ms >= d->interval_ms)
		emit_all(d);
}

void deny_note(struct deny *d, int64_t now, const struct deny_tuple *t, const char *reason)
{
	struct deny_key k;
	struct deny_entry *e;
	int32_t pos;

	memset(&k, 0, sizeof(k));
	k.src = t->src;
	k.dst = t->dst;
	k.dport = t->dport;
	k.zone = t->zone;
	k.proto = t->proto;
	memcpy(k.src_mac, t->src_mac, sizeof(k.src_mac));
	memcpy(k.reason, reason, strnlen(reason, sizeof(k.reason) - 1));

	deny_flush(d, now, false);
	/* One hash operation: add_key hands back the slot of a key already there, and
	 * the slot's interval says whether it is new in this one. */
	if (d->count >= d->capacity && rte_hash_lookup(d->hash, &k) < 0)
		emit_all(d); /* full: close the interval early rather than lose counts */
	pos = rte_hash_add_key(d->hash, &k);
	if (pos < 0 || (uint32_t)pos > d->capacity) {
		DENY_LOG(ERR, "rte_hash_add_key: %d\n", pos);
		return;
	}
	e = &d->entries[pos];
	if (e->interval != d->interval) {
		e->key = k;
		e->first_ms = now;
		e->count = 0;
		e->interval = d->interval;
		d->count++;
		if (d->start_ms < 0)
			d->start_ms = now;
	}
	e->last_ms = now;
	e->count++;
}

uint64_t deny_records(const struct deny *d)
{
	return d->records;
}
