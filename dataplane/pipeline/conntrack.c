#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "conntrack.h"

#define CT_LOG(level, ...) RTE_LOG(level, USER1, "conntrack: " __VA_ARGS__)

#define BULK_MAX 64
#define NIL UINT32_MAX
#define EVICT_SCAN 64      /* handshakes looked at for one of a given flow */

#define CHARGED 0x01
#define EMBRYONIC 0x02

/* What an entry slot is charged to, beside the entry: only new connections, ends and
 * handshakes touch it, never an established connection's packets. Handshakes of a zone
 * form a list oldest first, so early drop finds its victim at once. */
struct ct_charge {
	uint32_t prev, next;       /* slots in the zone's list of handshakes */
	uint16_t flow;
	uint8_t zone;
	uint8_t flags;
};

struct conntrack {
	struct rte_hash *hash;
	struct ct_entry *entries;  /* by rte_hash key position */
	/* One bit per entry slot, set while it is in use: the sweep skips 64 free slots
	 * at a time, so a table sized for a peak costs what its live connections cost. */
	uint64_t *live;
	uint32_t capacity;
	uint32_t count;
	uint32_t cursor;           /* the next entry slot the sweep visits */
	uint64_t records;
	struct flowrec_sink sink;
	const struct flowname *names;
	struct ct_charge *charge;  /* by entry slot */
	uint32_t *flow_live;       /* by flowname number */
	struct ct_limits lim;
	uint32_t scale;            /* adaptive timeout factor, of CONNTRACK_SCALE_ONE */
	uint32_t zone_live[ZONE_COUNT];
	uint32_t zone_emb[ZONE_COUNT];
	uint32_t emb_head[ZONE_COUNT];
	uint32_t emb_tail[ZONE_COUNT];
};

_Static_assert(sizeof(struct ct_key) == 16, "ct_key is hashed as 16 bytes");

/* Words of the live bitmap for entry slots 0..capacity. */
static size_t live_words(uint32_t capacity)
{
	return ((size_t)capacity + 1 + 63) / 64;
}

static void live_set(struct conntrack *ct, const struct ct_entry *e)
{
	size_t slot = (size_t)(e - ct->entries);

	ct->live[slot / 64] |= UINT64_C(1) << (slot % 64);
}

static void live_clear(struct conntrack *ct, const struct ct_entry *e)
{
	size_t slot = (size_t)(e - ct->entries);

	ct->live[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
}

int conntrack_create(const struct conntrack_conf *conf, struct conntrack **out)
{
	struct rte_hash_parameters hp = {
		.name = conf->name,
		.entries = conf->capacity,
		.key_len = sizeof(struct ct_key),
		.hash_func = rte_hash_crc,   /* what conntrack_hash() computes inline */
		.hash_func_init_val = CONNTRACK_HASH_INIT,
		.socket_id = conf->socket,
		/* Extendable buckets: the table holds `capacity` keys however they hash. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct conntrack *ct;
	int ret = -ENOMEM;

	*out = NULL;
	if (conf->capacity < 8 || conf->capacity > (1u << 26) || conf->sink.emit == NULL)
		return -EINVAL;
	ct = rte_zmalloc_socket("bunri_conntrack", sizeof(*ct), RTE_CACHE_LINE_SIZE,
				conf->socket);
	if (ct == NULL)
		goto err_ct;
	ct->entries = rte_zmalloc_socket("bunri_ct_entries",
		sizeof(*ct->entries) * ((size_t)conf->capacity + 1), RTE_CACHE_LINE_SIZE,
		conf->socket);
	if (ct->entries == NULL)
		goto err_entries;
	ct->live = rte_zmalloc_socket("bunri_ct_live", live_words(conf->capacity) * 8,
				      RTE_CACHE_LINE_SIZE, conf->socket);
	if (ct->live == NULL)
		goto err_live;
	ct->charge = rte_zmalloc_socket("bunri_ct_charge",
		sizeof(*ct->charge) * ((size_t)conf->capacity + 1), RTE_CACHE_LINE_SIZE,
		conf->socket);
	if (ct->charge == NULL)
		goto err_charge;
	ct->flow_live = rte_zmalloc_socket("bunri_ct_flows",
		sizeof(*ct->flow_live) * ((size_t)FLOWNAME_MAX + 1), RTE_CACHE_LINE_SIZE,
		conf->socket);
	if (ct->flow_live == NULL)
		goto err_flows;
	ct->hash = rte_hash_create(&hp);
	if (ct->hash == NULL) {
		ret = rte_errno ? -rte_errno : -ENOMEM;
		CT_LOG(ERR, "rte_hash_create %s: %s\n", conf->name, rte_strerror(-ret));
		goto err_hash;
	}
	ct->capacity = conf->capacity;
	ct->sink = conf->sink;
	ct->names = conf->names;
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		ct->emb_head[z] = ct->emb_tail[z] = NIL;
	conntrack_set_limits(ct, &(struct ct_limits){ 0 });
	*out = ct;
	return 0;

err_hash:
	rte_free(ct->flow_live);
err_flows:
	rte_free(ct->charge);
err_charge:
	rte_free(ct->live);
err_live:
	rte_free(ct->entries);
err_entries:
	rte_free(ct);
err_ct:
	return ret;
}

void conntrack_free(struct conntrack *ct)
{
	if (ct == NULL)
		return;
	rte_hash_free(ct->hash);
	rte_free(ct->flow_live);
	rte_free(ct->charge);
	rte_free(ct->live);
	rte_free(ct->entries);
	rte_free(ct);
}

static struct ct_entry *entry_at(struct conntrack *ct, int32_t pos)
{
	if (pos < 0 || (uint32_t)pos > ct->capacity)
		return NULL;
	return &ct->entries[pos];
}

/* pf's adaptive factor for the table's fill: 1 up to adaptive_start, falling
 * linearly to 0 at adaptive_end. */
static uint32_t adaptive_scale(const struct conntrack *ct)
{
	const struct ct_limits *l = &ct->lim;

	if (l->adaptive_end == 0 || ct->count <= l->adaptive_start)
		return CONNTRACK_SCALE_ONE;
	if (ct->count >= l->adaptive_end)
		return 0;
	return (uint32_t)((uint64_t)CONNTRACK_SCALE_ONE * (l->adaptive_end - ct->count) /
			  (l->adaptive_end - l->adaptive_start));
}

static uint32_t slot_of(const struct conntrack *ct, const struct ct_entry *e)
{
	return (uint32_t)(e - ct->entries);
}

static void emb_unlink(struct conntrack *ct, uint32_t slot)
{
	struct ct_charge *c = &ct->charge[slot];

	if (c->prev != NIL)
		ct->charge[c->prev].next = c->next;
	else
		ct->emb_head[c->zone] = c->next;
	if (c->next != NIL)
		ct->charge[c->next].prev = c->prev;
	else
		ct->emb_tail[c->zone] = c->prev;
	c->flags &= (uint8_t)~EMBRYONIC;
	ct->zone_emb[c->zone]--;
}

void conntrack_charge(struct conntrack *ct, struct ct_entry *e, uint8_t zone,
		      uint16_t flow, bool embryonic)
{
	uint32_t slot = slot_of(ct, e);
	struct ct_charge *c = &ct->charge[slot];

	if (zone >= ZONE_COUNT || (c->flags & CHARGED))
		return;
	c->zone = zone;
	c->flow = flow;
	c->flags = CHARGED;
	ct->zone_live[zone]++;
	ct->flow_live[flow]++;
	if (!embryonic)
		return;
	c->flags |= EMBRYONIC;
	c->next = NIL;
	c->prev = ct->emb_tail[zone];
	if (c->prev != NIL)
		ct->charge[c->prev].next = slot;
	else
		ct->emb_head[zone] = slot;
	ct->emb_tail[zone] = slot;
	ct->zone_emb[zone]++;
}

void conntrack_established(struct conntrack *ct, struct ct_entry *e)
{
	uint32_t slot = slot_of(ct, e);

	if (ct->charge[slot].flags & EMBRYONIC)
		emb_unlink(ct, slot);
}

bool conntrack_is_embryonic(const struct conntrack *ct, const struct ct_entry *e)
{
	return (ct->charge[slot_of(ct, e)].flags & EMBRYONIC) != 0;
}

/* The entry leaves the table: its zone and flow get its share back. */
static void uncharge(struct conntrack *ct, const struct ct_entry *e)
{
	uint32_t slot = slot_of(ct, e);
	struct ct_charge *c = &ct->charge[slot];

	if (!(c->flags & CHARGED))
		return;
	if (c->flags & EMBRYONIC)
		emb_unlink(ct, slot);
	ct->zone_live[c->zone]--;
	ct->flow_live[c->flow]--;
	c->flags = 0;
}

void conntrack_set_limits(struct conntrack *ct, const struct ct_limits *l)
{
	uint32_t cap = ct->capacity;

	ct->lim = *l;
	ct->lim.connections = l->connections == 0 ? cap : RTE_MIN(l->connections, cap);
	ct->lim.zone = l->zone == 0 ? cap : l->zone;
	ct->lim.embryonic = l->embryonic == 0 ? cap : l->embryonic;
	ct->lim.flow = l->flow == 0 ? cap : l->flow;
	if (l->adaptive_end <= l->adaptive_start)
		ct->lim.adaptive_end = 0;
	ct->scale = adaptive_scale(ct);
}

const struct ct_limits *conntrack_limits(const struct conntrack *ct)
{
	return &ct->lim;
}

/* The zone's oldest handshake if it is old enough to be evicted (and of flow, unless
 * any_flow), or NULL. */
static struct ct_entry *oldest_handshake(struct conntrack *ct, uint8_t zone, bool any_flow,
					 uint16_t flow, int64_t now)
{
	uint32_t slot = ct->emb_head[zone];

	for (unsigned n = 0; slot != NIL && n < EVICT_SCAN; n++) {
		struct ct_entry *e = &ct->entries[slot];

		/* the list is in order of start: the rest are younger still */
		if (now - e->start_ms < CONNTRACK_EVICT_AGE_MS)
			return NULL;
		if (any_flow || ct->charge[slot].flow == flow)
			return e;
		slot = ct->charge[slot].next;
	}
	return NULL;
}

enum ct_admit conntrack_admit(struct conntrack *ct, uint8_t zone, uint16_t flow,
			      uint32_t flow_limit, bool embryonic, int64_t now,
			      struct ct_entry **victim)
{
	const struct ct_limits *l = &ct->lim;
	uint8_t most = 0;

	*victim = NULL;
	if (zone >= ZONE_COUNT)
		return ct->count < l->connections ? CT_ADMIT_OK : CT_ADMIT_TABLE;
	/* A handshake of the same flow is also of the same zone: evicting it makes room
	 * under every limit at once. */
	if (ct->flow_live[flow] >= (flow_limit ? flow_limit : l->flow)) {
		*victim = oldest_handshake(ct, zone, false, flow, now);
		return CT_ADMIT_FLOW;
	}
	if (ct->zone_live[zone] >= l->zone) {
		*victim = oldest_handshake(ct, zone, true, 0, now);
		return CT_ADMIT_ZONE;
	}
	if (embryonic && ct->zone_emb[zone] >= l->embryonic) {
		*victim = oldest_handshake(ct, zone, true, 0, now);
		return CT_ADMIT_EMBRYONIC;
	}
	if (ct->count < l->connections)
		return CT_ADMIT_OK;
	/* The whole table: the zone holding the most handshakes gives one up. */
	for (uint8_t z = 1; z < ZONE_COUNT; z++)
		if (ct->zone_emb[z] > ct->zone_emb[most])
			most = z;
	if (ct->zone_emb[most] > 0)
		*victim = oldest_handshake(ct, most, true, 0, now);
	return CT_ADMIT_TABLE;
}

void conntrack_zone_usage(const struct conntrack *ct, uint8_t zone,
			  struct ct_zone_usage *out)
{
	out->live = zone < ZONE_COUNT ? ct->zone_live[zone] : 0;
	out->embryonic = zone < ZONE_COUNT ? ct->zone_emb[zone] : 0;
}

uint32_t conntrack_flow_count(const struct conntrack *ct, uint16_t flow)
{
	return ct->flow_live[flow];
}

uint32_t conntrack_timeout_scale(const struct conntrack *ct)
{
	return ct->scale;
}

struct ct_entry *conntrack_lookup(struct conntrack *ct, const struct ct_key *k)
{
	return entry_at(ct, rte_hash_lookup(ct->hash, k));
}

struct ct_entry *conntrack_lookup_hashed(struct conntrack *ct, const struct ct_key *k,
					 uint32_t sig)
{
	return entry_at(ct, rte_hash_lookup_with_hash(ct->hash, k, sig));
}

void conntrack_lookup_bulk(struct conntrack *ct, const struct ct_key **keys,
			   uint32_t *sigs, unsigned n, struct ct_entry **out)
{
	int32_t pos[BULK_MAX];

	if (n == 0)
		return;
	if (n > BULK_MAX ||
	    rte_hash_lookup_with_hash_bulk(ct->hash, (const void **)keys, sigs, n, pos) != 0) {
		for (unsigned i = 0; i < n; i++)
			out[i] = conntrack_lookup_hashed(ct, keys[i], sigs[i]);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		out[i] = entry_at(ct, pos[i]);
}

struct ct_entry *conntrack_add_hashed(struct conntrack *ct, const struct ct_key *k,
				      uint32_t sig, unsigned orig_side, int64_t now)
{
	struct ct_entry *e = entry_at(ct, rte_hash_add_key_with_hash(ct->hash, k, sig));

	if (e == NULL) {
		errno = ENOSPC;
		return NULL;
	}
	/* add_key hands back an existing key's slot: every removal clears in_use, so a
	 * live one means the key was there already. */
	if (e->in_use) {
		errno = EEXIST;
		return NULL;
	}
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->orig_side = (uint8_t)(orig_side & 1);
	e->in_use = 1;
	e->start_ms = now;
	e->last_ms = now;
	e->expires_ms = now;
	live_set(ct, e);
	ct->count++;
	return e;
}

struct ct_entry *conntrack_add(struct conntrack *ct, const struct ct_key *k,
			       unsigned orig_side, int64_t now)
{
	return conntrack_add_hashed(ct, k, conntrack_hash(k), orig_side, now);
}

static void record_fill(const struct conntrack *ct, const struct ct_entry *e,
			enum flowrec_end why, int64_t now, struct flowrec *r)
{
	unsigned o = e->orig_side, p = !e->orig_side;

	memset(r, 0, sizeof(*r));
	r->type = FLOWREC_FLOW;
	r->start_ms = e->start_ms;
	r->end_ms = now > e->last_ms ? now : e->last_ms;
	if (why == FLOWREC_END_TIMEOUT || why == FLOWREC_END_FIN)
		r->end_ms = e->last_ms; /* the connection ended with its last packet */
	r->from_zone = e->key.zone[o];
	r->to_zone = e->key.zone[p];
	r->proto = e->key.proto;
	r->tcp_flags = e->flags_seen;
	r->src = e->key.ip[o];
	r->dst = e->key.ip[p];
	r->sport = e->key.port[o];
	r->dport = e->key.proto == IPPROTO_ICMP ? e->icmp_type : e->key.port[p];
	memcpy(r->src_mac, e->src_mac, sizeof(r->src_mac));
	snprintf(r->flow, sizeof(r->flow), "%s", flowname_get(ct->names, e->flow));
	r->packets_out = e->packets[TCP_ORIG];
	r->packets_in = e->packets[TCP_REPLY];
	r->bytes_out = e->bytes[TCP_ORIG];
	r->bytes_in = e->bytes[TCP_REPLY];
	r->end_reason = why;
}

static void emit(struct conntrack *ct, const struct ct_entry *e, enum flowrec_end why,
		 int64_t now)
{
	struct flowrec r;

	record_fill(ct, e, why, now, &r);
	ct->sink.emit(ct->sink.ctx, &r);
	ct->records++;
}

void conntrack_revoke(struct conntrack *ct, struct ct_entry *e, int64_t now,
		      int64_t until_ms)
{
	if (e == NULL || !e->in_use || e->revoked)
		return;
	emit(ct, e, FLOWREC_END_REVOKED, now);
	conntrack_established(ct, e); /* lingering, it is no handshake in progress */
	e->revoked = 1;
	e->expires_ms = until_ms;
}

void conntrack_forget(struct conntrack *ct, struct ct_entry *e)
{
	int32_t pos;

	if (e == NULL || !e->in_use)
		return;
	pos = rte_hash_del_key(ct->hash, &e->key);
	if (pos < 0)
		CT_LOG(ERR, "entry missing from its hash (%d)\n", pos);
	uncharge(ct, e);
	e->in_use = 0;
	live_clear(ct, e);
	ct->count--;
}

void conntrack_end(struct conntrack *ct, struct ct_entry *e, enum flowrec_end why,
		   int64_t now)
{
	int32_t pos;

	if (e == NULL || !e->in_use)
		return;
	if (!e->revoked)
		emit(ct, e, why, now);
	pos = rte_hash_del_key(ct->hash, &e->key);
	if (pos < 0)
		CT_LOG(ERR, "entry missing from its hash (%d)\n", pos);
	uncharge(ct, e);
	e->in_use = 0;
	live_clear(ct, e);
	ct->count--;
}

/* When e ends: its timeout runs from its last packet, shortened by the adaptive
 * scale unless e is an established TCP connection (an insider's flood must not cut
 * the long-lived connections of other zones). */
static int64_t deadline(const struct conntrack *ct, const struct ct_entry *e)
{
	if (ct->scale >= CONNTRACK_SCALE_ONE ||
	    (e->key.proto == IPPROTO_TCP && tcpstate_is_established(&e->tcp)))
		return e->expires_ms;
	return e->last_ms + (e->expires_ms - e->last_ms) * (int64_t)ct->scale /
		(int64_t)CONNTRACK_SCALE_ONE;
}

/* Ends e if its time is up: 1 if it did. */
static unsigned expire(struct conntrack *ct, struct ct_entry *e, int64_t now)
{
	if (deadline(ct, e) > now)
		return 0;
	conntrack_end(ct, e, conntrack_end_reason(e), now);
	return 1;
}

/* The sweep's connections of older generations, n at a time: revokes those the
 * current policy refuses, and the others expire as usual. */
static unsigned settle(struct conntrack *ct, struct ct_entry **batch, unsigned n,
		       int64_t now, conntrack_recheck_fn recheck, void *ctx, int64_t linger_ms)
{
	bool allowed[CONNTRACK_RECHECK_BULK];
	unsigned ended = 0;

	recheck(ctx, batch, n, allowed);
	for (unsigned i = 0; i < n; i++) {
		struct ct_entry *e = batch[i];

		if (!allowed[i]) {
			conntrack_revoke(ct, e, now, RTE_MIN(e->expires_ms, now + linger_ms));
			ended++;
		} else {
			ended += expire(ct, e, now);
		}
	}
	return ended;
}

/* One entry's turn in the sweep: revoked ones go when their time is up, those of
 * older generations join the batch to be checked, the others end if idle. */
static unsigned sweep_one(struct conntrack *ct, struct ct_entry *e, int64_t now,
			  uint64_t generation, struct ct_entry **batch, unsigned *n,
			  conntrack_recheck_fn recheck, void *ctx, int64_t linger_ms)
{
	if (e->revoked) {
		if (e->expires_ms <= now)
			conntrack_forget(ct, e);
		return 0;
	}
	if (e->generation != generation && recheck != NULL) {
		/* asked in batches: one rte_acl call for many connections */
		batch[(*n)++] = e;
		if (*n < CONNTRACK_RECHECK_BULK)
			return 0;
		*n = 0;
		return settle(ct, batch, CONNTRACK_RECHECK_BULK, now, recheck, ctx, linger_ms);
	}
	return expire(ct, e, now);
}

unsigned conntrack_sweep(struct conntrack *ct, int64_t now, uint32_t budget,
			 uint64_t generation, conntrack_recheck_fn recheck, void *ctx,
			 int64_t linger_ms)
{
	const uint32_t slots = ct->capacity + 1;
	struct ct_entry *batch[CONNTRACK_RECHECK_BULK];
	unsigned ended = 0, n = 0;

	/* The slots in order, not rte_hash_iterate(): that one walks the buckets and jumps
	 * to a random key and entry for each, where this streams through memory. The live
	 * bitmap gives the entries in use 64 slots at a time; budget counts slots. */
	if (budget > slots)
		budget = slots;
	ct->scale = adaptive_scale(ct);
	for (uint32_t seen = 0; seen < budget && ct->count > 0;) {
		uint32_t first = ct->cursor, span = RTE_MIN(64 - first % 64, slots - first);
		uint64_t bits;

		span = RTE_MIN(span, budget - seen);
		bits = ct->live[first / 64] >> (first % 64);
		if (span < 64)
			bits &= (UINT64_C(1) << span) - 1;
		seen += span;
		ct->cursor = first + span == slots ? 0 : first + span;
		for (; bits != 0; bits &= bits - 1) {
			struct ct_entry *e = &ct->entries[first + (uint32_t)__builtin_ctzll(bits)];

			ended += sweep_one(ct, e, now, generation, batch, &n, recheck, ctx,
					   linger_ms);
		}
	}
	if (n > 0)
		ended += settle(ct, batch, n, now, recheck, ctx, linger_ms);
	return ended;
}

unsigned conntrack_flush(struct conntrack *ct, int64_t now, enum flowrec_end why)
{
	unsigned ended = 0;

	for (size_t w = 0; w < live_words(ct->capacity) && ct->count > 0; w++) {
		for (uint64_t bits = ct->live[w]; bits != 0; bits &= bits - 1) {
			struct ct_entry *e = &ct->entries[w * 64 + (size_t)__builtin_ctzll(bits)];

			ended += !e->revoked;
			conntrack_end(ct, e, why, now);
		}
	}
	ct->cursor = 0;
	return ended;
}

int conntrack_iterate(struct conntrack *ct, uint32_t *cursor, struct ct_entry **e)
{
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(ct->hash, &key, &data, cursor)) >= 0) {
		struct ct_entry *x = entry_at(ct, pos);

		if (x != NULL && x->in_use && !x->revoked) {
			*e = x;
			return 1;
		}
	}
	return 0;
}

uint32_t conntrack_count(const struct conntrack *ct)
{
	return ct->count;
}

uint32_t conntrack_capacity(const struct conntrack *ct)
{
	return ct->capacity;
}

size_t conntrack_memory(const struct conntrack *ct)
{
	/* rte_hash: 64-byte buckets of 8 slots for the main and extendable tables, and
	 * one key slot (key + data pointer) per entry. */
	size_t buckets = rte_align32pow2(ct->capacity) / 8 * 2;
	size_t key_slot = RTE_ALIGN(sizeof(struct ct_key) + sizeof(void *), 8);

	return sizeof(*ct) + sizeof(struct ct_entry) * ((size_t)ct->capacity + 1) +
		live_words(ct->capacity) * 8 + buckets * 64 +
		key_slot * ((size_t)ct->capacity + 1);
}

uint64_t conntrack_records(const struct conntrack *ct)
{
	return ct->records;
}
