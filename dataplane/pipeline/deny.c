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
#include "distinct.h"

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

/* A source, or (src 0) a zone's overflow. */
struct source_key {
	uint32_t src;
	uint8_t zone;
	uint8_t pad[3];
	char reason[FLOWREC_REASON_MAX];
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct source_key) == 32, "no padding the compiler could leave unset");

struct deny_entry {
	struct deny_key key;
	int64_t first_ms;
	int64_t last_ms;
	uint64_t count;
	uint64_t bytes;
};

/* What a source sent past its rate (or what sources without room sent). A field the
 * packets disagree on is reported as 0. */
struct summary {
	struct source_key key;
	int64_t first_ms;
	int64_t last_ms;
	uint64_t count;
	uint64_t bytes;
	uint32_t tuples;        /* tuple records of this source in the interval */
	uint32_t dst;
	uint16_t dport;
	uint8_t proto;
	uint8_t src_mac[6];
	bool mixed_dst, mixed_dport, mixed_proto, mixed_mac;
	struct distinct srcs, dsts, dports;
};

struct table {
	struct rte_hash *hash;
	uint32_t capacity;
	uint32_t used;
};

struct deny {
	struct table tuples, sources, overflow;
	struct deny_entry *entries;      /* by the tuples' hash positions */
	struct summary *summaries;       /* by the sources' hash positions */
	struct summary *overflows;       /* by the overflow's hash positions */
	uint32_t rate;
	int64_t interval_ms;
	int64_t start_ms;       /* start of the current interval; -1 before the first */
	uint64_t records;
	struct flowrec_sink sink;
};

static int table_create(struct table *t, const char *name, const char *suffix,
			uint32_t capacity, uint32_t key_len, int socket)
{
	char full[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = full,
		.entries = capacity,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	if ((size_t)snprintf(full, sizeof(full), "%s%s", name, suffix) >= sizeof(full))
		return -ENAMETOOLONG;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		int ret = rte_errno ? -rte_errno : -ENOMEM;

		DENY_LOG(ERR, "rte_hash_create %s: %s\n", full, rte_strerror(-ret));
		return ret;
	}
	t->capacity = capacity;
	return 0;
}

static void *array(const char *what, size_t each, uint32_t capacity, int socket)
{
	return rte_zmalloc_socket(what, each * ((size_t)capacity + 1), RTE_CACHE_LINE_SIZE,
				  socket);
}

int deny_create(const struct deny_conf *c, struct deny **out)
{
	struct deny *d;
	int ret = -ENOMEM;

	*out = NULL;
	if (c->name == NULL || c->capacity < 8 || c->interval_ms <= 0 || c->sink.emit == NULL)
		return -EINVAL;
	d = rte_zmalloc_socket("bunri_deny", sizeof(*d), RTE_CACHE_LINE_SIZE, c->socket);
	if (d == NULL)
		return -ENOMEM;
	d->entries = array("bunri_deny_tuples", sizeof(*d->entries), c->capacity, c->socket);
	d->summaries = array("bunri_deny_sources", sizeof(*d->summaries), c->capacity,
			     c->socket);
	d->overflows = array("bunri_deny_overflow", sizeof(*d->overflows), DENY_OVERFLOW_MAX,
			     c->socket);
	if (d->entries == NULL || d->summaries == NULL || d->overflows == NULL)
		goto err;
	ret = table_create(&d->tuples, c->name, "", c->capacity, sizeof(struct deny_key),
			   c->socket);
	if (ret == 0)
		ret = table_create(&d->sources, c->name, "_s", c->capacity,
				   sizeof(struct source_key), c->socket);
	if (ret == 0)
		ret = table_create(&d->overflow, c->name, "_o", DENY_OVERFLOW_MAX,
				   sizeof(struct source_key), c->socket);
	if (ret != 0)
		goto err;
	d->rate = c->rate;
	d->interval_ms = c->interval_ms;
	d->start_ms = -1;
	d->sink = c->sink;
	*out = d;
	return 0;

err:
	deny_free(d);
	return ret;
}

void deny_free(struct deny *d)
{
	if (d == NULL)
		return;
	rte_hash_free(d->tuples.hash);
	rte_hash_free(d->sources.hash);
	rte_hash_free(d->overflow.hash);
	rte_free(d->entries);
	rte_free(d->summaries);
	rte_free(d->overflows);
	rte_free(d);
}

static void emit_tuple(struct deny *d, const struct deny_entry *e)
{
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
		.bytes_out = e->bytes,
		.scope = FLOWREC_SCOPE_TUPLE,
		.srcs = 1,
		.dsts = 1,
		.dports = 1,
	};

	memcpy(r.src_mac, e->key.src_mac, sizeof(r.src_mac));
	memcpy(r.reason, e->key.reason, sizeof(r.reason));
	d->sink.emit(d->sink.ctx, &r);
	d->records++;
}

static void emit_summary(struct deny *d, const struct summary *s, enum flowrec_scope scope)
{
	struct flowrec r = {
		.type = FLOWREC_DENY,
		.start_ms = s->first_ms,
		.end_ms = s->last_ms,
		.from_zone = s->key.zone,
		.to_zone = ZONE_NONE,
		.proto = s->mixed_proto ? 0 : s->proto,
		.src = s->key.src,
		.dst = s->mixed_dst ? 0 : s->dst,
		.dport = s->mixed_dport ? 0 : s->dport,
		.end_reason = FLOWREC_END_NONE,
		.count = s->count,
		.bytes_out = s->bytes,
		.scope = scope,
		.srcs = scope == FLOWREC_SCOPE_SOURCE ? 1 : distinct_count(&s->srcs),
		.dsts = distinct_count(&s->dsts),
		.dports = distinct_count(&s->dports),
	};

	if (!s->mixed_mac)
		memcpy(r.src_mac, s->src_mac, sizeof(r.src_mac));
	memcpy(r.reason, s->key.reason, sizeof(r.reason));
	d->sink.emit(d->sink.ctx, &r);
	d->records++;
}

static void table_reset(struct table *t)
{
	rte_hash_reset(t->hash);
	t->used = 0;
}

/* Hands over every summary of the interval and starts the next one. */
static void emit_all(struct deny *d)
{
	uint32_t next = 0;
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(d->tuples.hash, &key, &data, &next)) >= 0)
		emit_tuple(d, &d->entries[pos]);
	next = 0;
	while ((pos = rte_hash_iterate(d->sources.hash, &key, &data, &next)) >= 0)
		if (d->summaries[pos].count > 0)
			emit_summary(d, &d->summaries[pos], FLOWREC_SCOPE_SOURCE);
	next = 0;
	while ((pos = rte_hash_iterate(d->overflow.hash, &key, &data, &next)) >= 0)
		emit_summary(d, &d->overflows[pos], FLOWREC_SCOPE_OVERFLOW);
	table_reset(&d->tuples);
	table_reset(&d->sources);
	table_reset(&d->overflow);
	d->start_ms = -1;
}

void deny_flush(struct deny *d, int64_t now, bool force)
{
	if (d->start_ms < 0)
		return;
	if (force || now - d->start_ms >= d->interval_ms)
		emit_all(d);
}

/* Adds key, known not to be in t, if t has room: its position (the slot's contents
 * are stale), or -1 when t is full. */
static int32_t add(struct table *t, const void *key)
{
	int32_t pos;

	if (t->used >= t->capacity)
		return -1;
	pos = rte_hash_add_key(t->hash, key);
	if (pos < 0 || (uint32_t)pos > t->capacity) {
		DENY_LOG(ERR, "rte_hash_add_key: %d\n", pos);
		return -1;
	}
	t->used++;
	return pos;
}

/* The slot of key in t, added if it is not there and t has room (*fresh: just
 * added): its position, or -1 when t is full. */
static int32_t slot(struct table *t, const void *key, bool *fresh)
{
	int32_t pos = rte_hash_lookup(t->hash, key);

	*fresh = pos < 0;
	return pos >= 0 ? pos : add(t, key);
}

static void summary_start(struct summary *s, const struct source_key *k)
{
	memset(s, 0, sizeof(*s));
	s->key = *k;
}

static void summary_add(struct summary *s, int64_t now, const struct deny_tuple *t)
{
	if (s->count == 0) {
		s->first_ms = now;
		s->dst = t->dst;
		s->dport = t->dport;
		s->proto = t->proto;
		memcpy(s->src_mac, t->src_mac, sizeof(s->src_mac));
	}
	s->last_ms = now;
	s->count++;
	s->bytes += t->bytes;
	s->mixed_dst |= s->dst != t->dst;
	s->mixed_dport |= s->dport != t->dport;
	s->mixed_proto |= s->proto != t->proto;
	s->mixed_mac |= memcmp(s->src_mac, t->src_mac, sizeof(s->src_mac)) != 0;
	distinct_add(&s->srcs, t->src);
	distinct_add(&s->dsts, t->dst);
	distinct_add(&s->dports, t->dport);
}

/* A source the sources table has no room for: its zone's overflow summary. A full
 * overflow table (more (zone, reason) pairs than DENY_OVERFLOW_MAX) closes the
 * interval early rather than lose a count. */
static void note_overflow(struct deny *d, int64_t now, const struct deny_tuple *t,
			  const struct source_key *sk)
{
	struct source_key ok = *sk;
	bool fresh;
	int32_t pos;

	ok.src = 0;
	pos = slot(&d->overflow, &ok, &fresh);
	if (pos < 0) {
		emit_all(d);
		d->start_ms = now;
		pos = slot(&d->overflow, &ok, &fresh);
		if (pos < 0)
			return;
	}
	if (fresh)
		summary_start(&d->overflows[pos], &ok);
	summary_add(&d->overflows[pos], now, t);
}

/* A new tuple's record, while its source is within its rate and the table has room. */
static bool note_tuple(struct deny *d, int64_t now, const struct deny_key *k,
		       const struct deny_tuple *t, struct summary *s)
{
	struct deny_entry *e;
	int32_t pos;

	if (s->tuples >= d->rate)
		return false;
	pos = add(&d->tuples, k);
	if (pos < 0)
		return false;
	e = &d->entries[pos];
	e->key = *k;
	e->first_ms = e->last_ms = now;
	e->count = 1;
	e->bytes = t->bytes;
	s->tuples++;
	return true;
}

void deny_note(struct deny *d, int64_t now, const struct deny_tuple *t, const char *reason)
{
	size_t rlen = strnlen(reason, FLOWREC_REASON_MAX - 1);
	struct source_key sk;
	struct deny_key k;
	struct summary *s;
	bool fresh;
	int32_t pos;

	deny_flush(d, now, false);
	if (d->start_ms < 0)
		d->start_ms = now;
	memset(&k, 0, sizeof(k));
	k.src = t->src;
	k.dst = t->dst;
	k.dport = t->dport;
	k.zone = t->zone;
	k.proto = t->proto;
	memcpy(k.src_mac, t->src_mac, sizeof(k.src_mac));
	memcpy(k.reason, reason, rlen);
	/* The common case, a tuple seen before in this interval: one lookup. */
	pos = rte_hash_lookup(d->tuples.hash, &k);
	if (pos >= 0) {
		struct deny_entry *e = &d->entries[pos];

		e->last_ms = now;
		e->count++;
		e->bytes += t->bytes;
		return;
	}
	memset(&sk, 0, sizeof(sk));
	sk.src = t->src;
	sk.zone = t->zone;
	memcpy(sk.reason, reason, rlen);
	pos = slot(&d->sources, &sk, &fresh);
	if (pos < 0) {
		note_overflow(d, now, t, &sk);
		return;
	}
	s = &d->summaries[pos];
	if (fresh)
		summary_start(s, &sk);
	if (!note_tuple(d, now, &k, t, s))
		summary_add(s, now, t);
}

uint64_t deny_records(const struct deny *d)
{
	return d->records;
}
