/* The compiled policy's binary form, shared between processes: every field
 * little-endian, lists prefixed by their count, strings by their length, and a SHA-256
 * of all preceding bytes at the end. The reader trusts nothing it reads. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cpolicy_impl.h"

static const char MAGIC[8] = { 'B', 'U', 'N', 'R', 'I', 'P', 'O', 'L' };

/* --- writing --- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool fail;
};

static void put(struct wbuf *w, const void *v, size_t n)
{
	if (w->fail)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->fail = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void put_zone(struct wbuf *w, const struct cp_zone *z)
{
	put_u8(w, z->enabled);
	put_u8(w, (uint8_t)z->n_ports);
	for (unsigned i = 0; i < z->n_ports; i++)
		put_str(w, z->ports[i]);
	put_u8(w, z->has_mac);
	put(w, z->mac, 6);
	put_u16(w, z->vlan);
	put_u32(w, z->address);
	put_u8(w, z->prefix_len);
	put_u8(w, z->ping);
}

static void put_rule(struct wbuf *w, const struct cp_rule *r)
{
	put_u32(w, r->flow);
	put_u8(w, r->from_zone);
	put_u8(w, r->to_zone);
	put_u8(w, r->proto);
	put_u8(w, r->src_len);
	put_u8(w, r->dst_len);
	put_u8(w, r->has_mac);
	put(w, r->src_mac, 6);
	put_u32(w, r->src);
	put_u32(w, r->dst);
	put_u16(w, r->port_lo);
	put_u16(w, r->port_hi);
}

int cpolicy_serialize(const struct cpolicy *cp, uint8_t **buf, size_t *len)
{
	struct wbuf w = { 0 };
	uint8_t md[CPOLICY_DIGEST_LEN];

	put(&w, MAGIC, sizeof(MAGIC));
	put_u32(&w, CPOLICY_FORMAT_VERSION);
	put(&w, cp->digest, CPOLICY_DIGEST_LEN);
	put_u64(&w, (uint64_t)cp->compiled_at);
	put_u64(&w, (uint64_t)cp->next_change);
	put_str(&w, cp->name);
	put_u32(&w, cp->timeouts.tcp_established);
	put_u32(&w, cp->timeouts.tcp_transitory);
	put_u32(&w, cp->timeouts.udp);
	put_u32(&w, cp->timeouts.icmp);
	put_u32(&w, cp->limits.connections);
	put_u8(&w, cp->limits.zone_connections);
	put_u8(&w, cp->limits.zone_embryonic);
	put_u8(&w, cp->limits.flow_connections);
	put_u8(&w, cp->limits.adaptive_start);
	put_u16(&w, cp->limits.adaptive_end);
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		put_zone(&w, &cp->zones[z]);
	put_u32(&w, (uint32_t)cp->n_nets);
	for (size_t i = 0; i < cp->n_nets; i++) {
		put_u32(&w, cp->nets[i].addr);
		put_u8(&w, cp->nets[i].len);
		put_u8(&w, cp->nets[i].zone);
	}
	put_u32(&w, (uint32_t)cp->n_routes);
	for (size_t i = 0; i < cp->n_routes; i++) {
		put_u32(&w, cp->routes[i].addr);
		put_u8(&w, cp->routes[i].len);
		put_u8(&w, cp->routes[i].zone);
		put_u32(&w, cp->routes[i].via);
	}
	put_u32(&w, (uint32_t)cp->n_neighbors);
	for (size_t i = 0; i < cp->n_neighbors; i++) {
		put_u32(&w, cp->neighbors[i].ip);
		put_u8(&w, cp->neighbors[i].zone);
		put(&w, cp->neighbors[i].mac, 6);
	}
	put_u32(&w, (uint32_t)cp->n_flows);
	for (size_t i = 0; i < cp->n_flows; i++) {
		const struct cp_flow *f = &cp->flows[i];

		put_str(&w, f->id);
		put_str(&w, f->purpose);
		put_str(&w, f->approved_by);
		put_u8(&w, (uint8_t)f->kind);
		put_u8(&w, f->log);
		put_u64(&w, (uint64_t)f->valid_from);
		put_u64(&w, (uint64_t)f->valid_until);
		put_u32(&w, f->first_rule);
		put_u32(&w, f->n_rules);
		put_u32(&w, f->max_connections);
	}
	put_u32(&w, (uint32_t)cp->n_rules);
	for (size_t i = 0; i < cp->n_rules; i++)
		put_rule(&w, &cp->rules[i]);
	if (!w.fail && !EVP_Digest(w.p, w.len, md, NULL, EVP_sha256(), NULL))
		w.fail = true;
	put(&w, md, sizeof(md));
	if (w.fail) {
		free(w.p);
		return -ENOMEM;
	}
	*buf = w.p;
	*len = w.len;
	return 0;
}

/* --- reading --- */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const uint8_t *get(struct rbuf *r, size_t n)
{
	const uint8_t *v;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

static uint8_t get_u8(struct rbuf *r)
{
	const uint8_t *b = get(r, 1);

	return b ? b[0] : 0;
}

static uint16_t get_u16(struct rbuf *r)
{
	const uint8_t *b = get(r, 2);

	return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

static uint32_t get_u32(struct rbuf *r)
{
	const uint8_t *b = get(r, 4);

	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			   (uint32_t)b[3] << 24 :
		   0;
}

static uint64_t get_u64(struct rbuf *r)
{
	uint64_t lo = get_u32(r);

	return lo | (uint64_t)get_u32(r) << 32;
}

static bool get_bool(struct rbuf *r)
{
	uint8_t v = get_u8(r);

	if (v > 1)
		r->bad = true;
	return v == 1;
}

/* A string of at most max bytes, with no NUL inside, into a fresh allocation. */
static char *get_str(struct rbuf *r, size_t max)
{
	uint32_t n = get_u32(r);
	const uint8_t *b;
	char *s;

	if (n > max) {
		r->bad = true;
		return NULL;
	}
	b = get(r, n);
	if (!b || memchr(b, '\0', n)) {
		r->bad = true;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	memcpy(s, b, n);
	s[n] = '\0';
	return s;
}

/* A count of items of at least item_size bytes each, refused when the rest of the
 * buffer could not hold them, so a forged count never drives an allocation. */
static size_t get_count(struct rbuf *r, size_t item_size, size_t max)
{
	uint32_t n = get_u32(r);

	if (r->bad || n > max || (size_t)n * item_size > r->len - r->off) {
		r->bad = true;
		return 0;
	}
	return n;
}

static void get_zone(struct rbuf *r, struct cp_zone *z)
{
	const uint8_t *mac;

	z->enabled = get_bool(r);
	z->n_ports = get_u8(r);
	if (z->n_ports > CP_PORTS_MAX) {
		r->bad = true;
		return;
	}
	for (unsigned i = 0; i < z->n_ports; i++) {
		char *s = get_str(r, CP_PORT_NAME_MAX - 1);

		if (!s || !s[0]) {
			r->bad = true;
			free(s);
			return;
		}
		strcpy(z->ports[i], s);
		free(s);
	}
	z->has_mac = get_bool(r);
	mac = get(r, 6);
	if (mac)
		memcpy(z->mac, mac, 6);
	z->vlan = get_u16(r);
	z->address = get_u32(r);
	z->prefix_len = get_u8(r);
	z->ping = get_bool(r);
	if (z->vlan > 4094 || z->prefix_len > 32 || (z->enabled && z->n_ports == 0))
		r->bad = true;
}

static bool prefix_ok(uint32_t addr, uint8_t len)
{
	return len <= 32 && (addr & ~cidr_mask(len)) == 0;
}

static void get_tables(struct rbuf *r, struct cpolicy *cp)
{
	cp->n_nets = get_count(r, 6, UINT32_MAX);
	cp->nets = calloc(cp->n_nets ? cp->n_nets : 1, sizeof(*cp->nets));
	for (size_t i = 0; cp->nets && i < cp->n_nets; i++) {
		struct cp_net *n = &cp->nets[i];

		n->addr = get_u32(r);
		n->len = get_u8(r);
		n->zone = get_u8(r);
		if (!prefix_ok(n->addr, n->len) || n->zone >= ZONE_COUNT)
			r->bad = true;
	}
	cp->n_routes = get_count(r, 10, UINT32_MAX);
	cp->routes = calloc(cp->n_routes ? cp->n_routes : 1, sizeof(*cp->routes));
	for (size_t i = 0; cp->routes && i < cp->n_routes; i++) {
		struct cp_route *rt = &cp->routes[i];

		rt->addr = get_u32(r);
		rt->len = get_u8(r);
		rt->zone = get_u8(r);
		rt->via = get_u32(r);
		if (!prefix_ok(rt->addr, rt->len) || rt->zone >= ZONE_COUNT)
			r->bad = true;
	}
	cp->n_neighbors = get_count(r, 11, UINT32_MAX);
	cp->neighbors = calloc(cp->n_neighbors ? cp->n_neighbors : 1, sizeof(*cp->neighbors));
	for (size_t i = 0; cp->neighbors && i < cp->n_neighbors; i++) {
		struct cp_neighbor *nb = &cp->neighbors[i];
		const uint8_t *mac;

		nb->ip = get_u32(r);
		nb->zone = get_u8(r);
		mac = get(r, 6);
		if (mac)
			memcpy(nb->mac, mac, 6);
		if (nb->zone >= ZONE_COUNT)
			r->bad = true;
	}
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < CP_FLOW_ID_MAX;
}

static bool limits_ok(const struct cp_limits *l)
{
	return l->zone_connections >= 1 && l->zone_connections <= 100 &&
	       l->zone_embryonic >= 1 && l->zone_embryonic <= 100 &&
	       l->flow_connections >= 1 && l->flow_connections <= 100 &&
	       l->adaptive_start <= 100 && l->adaptive_end <= 1000 &&
	       (l->adaptive_end == 0 || l->adaptive_end > l->adaptive_start);
}

static void get_flows(struct rbuf *r, struct cpolicy *cp)
{
	uint32_t next_rule = 0;

	cp->n_flows = get_count(r, 42, UINT32_MAX);
	cp->flows = calloc(cp->n_flows ? cp->n_flows : 1, sizeof(*cp->flows));
	for (size_t i = 0; cp->flows && i < cp->n_flows && !r->bad; i++) {
		struct cp_flow *f = &cp->flows[i];
		char *id = get_str(r, CP_FLOW_ID_MAX - 1);
		uint8_t kind;

		if (!id || !id_ok(id)) {
			r->bad = true;
			free(id);
			return;
		}
		strcpy(f->id, id);
		free(id);
		f->purpose = get_str(r, CPOLICY_MAX_TEXT);
		f->approved_by = get_str(r, CPOLICY_MAX_TEXT);
		kind = get_u8(r);
		f->log = get_bool(r);
		f->valid_from = (int64_t)get_u64(r);
		f->valid_until = (int64_t)get_u64(r);
		f->first_rule = get_u32(r);
		f->n_rules = get_u32(r);
		f->max_connections = get_u32(r);
		/* Each flow's rules follow the previous flow's, with nothing between. */
		if (!f->purpose || !f->approved_by || kind > FLOW_SANITIZED ||
		    f->first_rule != next_rule || f->n_rules > CPOLICY_MAX_RULES - next_rule)
			r->bad = true;
		f->kind = (enum flow_kind)kind;
		next_rule += f->n_rules;
	}
	cp->n_rules = get_count(r, 28, CPOLICY_MAX_RULES);
	if (!r->bad && cp->n_rules != next_rule)
		r->bad = true;
	cp->rules = calloc(cp->n_rules ? cp->n_rules : 1, sizeof(*cp->rules));
	for (size_t i = 0; cp->rules && i < cp->n_rules && !r->bad; i++) {
		struct cp_rule *ru = &cp->rules[i];
		const uint8_t *mac;

		ru->flow = get_u32(r);
		ru->from_zone = get_u8(r);
		ru->to_zone = get_u8(r);
		ru->proto = get_u8(r);
		ru->src_len = get_u8(r);
		ru->dst_len = get_u8(r);
		ru->has_mac = get_bool(r);
		mac = get(r, 6);
		if (mac)
			memcpy(ru->src_mac, mac, 6);
		ru->src = get_u32(r);
		ru->dst = get_u32(r);
		ru->port_lo = get_u16(r);
		ru->port_hi = get_u16(r);
		if (ru->flow >= cp->n_flows || i < cp->flows[ru->flow].first_rule ||
		    i >= cp->flows[ru->flow].first_rule + cp->flows[ru->flow].n_rules ||
		    ru->from_zone >= ZONE_COUNT || ru->to_zone >= ZONE_COUNT ||
		    ru->from_zone == ru->to_zone ||
		    (ru->proto != 6 && ru->proto != 17 && ru->proto != 1) ||
		    !prefix_ok(ru->src, ru->src_len) || !prefix_ok(ru->dst, ru->dst_len) ||
		    ru->port_lo > ru->port_hi)
			r->bad = true;
	}
}

int cpolicy_deserialize(const uint8_t *buf, size_t len, struct cpolicy **out)
{
	struct rbuf r = { .p = buf, .len = len };
	uint8_t md[CPOLICY_DIGEST_LEN];
	struct cpolicy *cp;
	const uint8_t *b;
	int ret = -EBADMSG;

	*out = NULL;
	if (len < sizeof(MAGIC) + 4 + CPOLICY_DIGEST_LEN || memcmp(buf, MAGIC, sizeof(MAGIC)))
		return -EBADMSG;
	r.off = sizeof(MAGIC);
	if (get_u32(&r) != CPOLICY_FORMAT_VERSION)
		return -EPROTO;
	r.len = len - CPOLICY_DIGEST_LEN;
	if (!EVP_Digest(buf, r.len, md, NULL, EVP_sha256(), NULL))
		return -ENOMEM;
	if (CRYPTO_memcmp(md, buf + r.len, CPOLICY_DIGEST_LEN) != 0)
		return -EBADMSG;
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	b = get(&r, CPOLICY_DIGEST_LEN);
	if (b)
		memcpy(cp->digest, b, CPOLICY_DIGEST_LEN);
	cp->compiled_at = (int64_t)get_u64(&r);
	cp->next_change = (int64_t)get_u64(&r);
	cp->name = get_str(&r, 255);
	cp->timeouts.tcp_established = get_u32(&r);
	cp->timeouts.tcp_transitory = get_u32(&r);
	cp->timeouts.udp = get_u32(&r);
	cp->timeouts.icmp = get_u32(&r);
	cp->limits.connections = get_u32(&r);
	cp->limits.zone_connections = get_u8(&r);
	cp->limits.zone_embryonic = get_u8(&r);
	cp->limits.flow_connections = get_u8(&r);
	cp->limits.adaptive_start = get_u8(&r);
	cp->limits.adaptive_end = get_u16(&r);
	/* The same bounds appliance.cfg's `limits` has. */
	if (!limits_ok(&cp->limits))
		r.bad = true;
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		get_zone(&r, &cp->zones[z]);
	get_tables(&r, cp);
	get_flows(&r, cp);
	if (!r.bad && (!cp->name || !cp->nets || !cp->routes || !cp->neighbors || !cp->flows ||
		       !cp->rules)) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (r.bad || r.off != r.len)
		goto err_free;
	*out = cp;
	return 0;

err_free:
	cpolicy_free(cp);
	return ret;
}
