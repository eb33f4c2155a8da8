#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_log.h>

#include "acl.h"

#define ACL_LOG(level, ...) RTE_LOG(level, USER1, "acl: " __VA_ARGS__)

enum {
	F_PROTO, F_ZIN, F_ZOUT, F_DPORT, F_SRC, F_DST, F_MAC_HI, F_MAC_LO, F_COUNT,
};

RTE_ACL_RULE_DEF(acl_rule, F_COUNT);

static const struct rte_acl_field_def field_defs[F_COUNT] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_PROTO,
	  .input_index = 0, .offset = offsetof(struct acl_key, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_ZIN,
	  .input_index = 1, .offset = offsetof(struct acl_key, zin) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_ZOUT,
	  .input_index = 1, .offset = offsetof(struct acl_key, zout) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_DPORT,
	  .input_index = 1, .offset = offsetof(struct acl_key, dport) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_SRC,
	  .input_index = 2, .offset = offsetof(struct acl_key, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_DST,
	  .input_index = 3, .offset = offsetof(struct acl_key, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_MAC_HI,
	  .input_index = 4, .offset = offsetof(struct acl_key, mac_hi) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_MAC_LO,
	  .input_index = 5, .offset = offsetof(struct acl_key, mac_lo) },
};

static void rule_fill(struct acl_rule *ar, const struct cp_rule *r, uint32_t index,
		      uint32_t categories, bool with_mac)
{
	memset(ar, 0, sizeof(*ar));
	ar->data.category_mask = categories;
	/* rte_acl: the highest priority wins; the policy: the lowest index wins. */
	ar->data.priority = RTE_ACL_MAX_PRIORITY - (int32_t)index;
	ar->data.userdata = index + 1;
	ar->field[F_PROTO].value.u8 = r->proto;
	ar->field[F_PROTO].mask_range.u8 = 0xff;
	ar->field[F_ZIN].value.u8 = r->from_zone;
	ar->field[F_ZIN].mask_range.u8 = 0xff;
	ar->field[F_ZOUT].value.u8 = r->to_zone;
	ar->field[F_ZOUT].mask_range.u8 = 0xff;
	ar->field[F_SRC].value.u32 = r->src;
	ar->field[F_SRC].mask_range.u32 = r->src_len;
	ar->field[F_DST].value.u32 = r->dst;
	ar->field[F_DST].mask_range.u32 = r->dst_len;
	ar->field[F_DPORT].value.u16 = r->port_lo;
	ar->field[F_DPORT].mask_range.u16 = r->port_hi;
	if (with_mac) {
		ar->field[F_MAC_HI].value.u32 = (uint32_t)r->src_mac[0] << 24 |
			(uint32_t)r->src_mac[1] << 16 | (uint32_t)r->src_mac[2] << 8 |
			r->src_mac[3];
		ar->field[F_MAC_HI].mask_range.u32 = 32;
		ar->field[F_MAC_LO].value.u32 = (uint32_t)r->src_mac[4] << 24 |
			(uint32_t)r->src_mac[5] << 16;
		ar->field[F_MAC_LO].mask_range.u32 = 16;
	}
}

static bool rule_valid(const struct cp_rule *r)
{
	return r->src_len <= 32 && r->dst_len <= 32 && r->port_lo <= r->port_hi;
}

int acl_build(const char *name, const struct cp_rule *rules, size_t n, int socket,
	      struct rte_acl_ctx **out)
{
	struct rte_acl_param param = {
		.name = name,
		.socket_id = socket,
		.rule_size = RTE_ACL_RULE_SZ(F_COUNT),
		.max_rule_num = (uint32_t)(2 * n),
	};
	struct rte_acl_config cfg = {
		.num_categories = ACL_CATEGORIES,
		.num_fields = F_COUNT,
	};
	struct rte_acl_ctx *ctx;
	struct acl_rule ar;
	int ret;

	*out = NULL;
	if (n == 0)
		return 0;
	if (n > ACL_MAX_RULES) {
		ACL_LOG(ERR, "%zu rules, at most %u fit\n", n, ACL_MAX_RULES);
		return -EINVAL;
	}
	memcpy(cfg.defs, field_defs, sizeof(field_defs));
	ctx = rte_acl_create(&param);
	if (ctx == NULL) {
		ret = -rte_errno;
		ACL_LOG(ERR, "rte_acl_create %s: %s\n", name, rte_strerror(rte_errno));
		goto err_create;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rule_valid(&rules[i])) {
			ACL_LOG(ERR, "rule %zu: bad prefix length or port range\n", i);
			ret = -EINVAL;
			goto err_add;
		}
		/* A bound rule matches exactly in one category and MAC-blind in the other;
		 * an unbound rule is the same in both. */
		rule_fill(&ar, &rules[i], (uint32_t)i,
			  rules[i].has_mac ? 1u << ACL_CAT_EXACT :
			  (1u << ACL_CAT_EXACT) | (1u << ACL_CAT_ANY_MAC), rules[i].has_mac);
		ret = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&ar, 1);
		if (ret != 0)
			goto err_add_rte;
		if (rules[i].has_mac) {
			rule_fill(&ar, &rules[i], (uint32_t)i, 1u << ACL_CAT_ANY_MAC, false);
			ret = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&ar, 1);
			if (ret != 0)
				goto err_add_rte;
		}
	}
	ret = rte_acl_build(ctx, &cfg);
	if (ret != 0) {
		ACL_LOG(ERR, "rte_acl_build %s: %s\n", name, rte_strerror(-ret));
		goto err_add;
	}
	*out = ctx;
	return 0;

err_add_rte:
	ACL_LOG(ERR, "rte_acl_add_rules %s: %s\n", name, rte_strerror(-ret));
err_add:
	rte_acl_free(ctx);
err_create:
	return ret;
}

void acl_free(struct rte_acl_ctx *ctx)
{
	rte_acl_free(ctx);
}

void acl_key_fill(struct acl_key *k, uint8_t proto, uint8_t zin, uint8_t zout,
		  uint32_t src, uint32_t dst, uint16_t dport, const uint8_t *mac)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->zin = zin;
	k->zout = zout;
	k->src = rte_cpu_to_be_32(src);
	k->dst = rte_cpu_to_be_32(dst);
	k->dport = rte_cpu_to_be_16(dport);
	if (mac != NULL) {
		memcpy(&k->mac_hi, mac, 4);
		memcpy(&k->mac_lo, mac + 4, 2);
	}
}

int acl_classify(const struct rte_acl_ctx *ctx, const struct acl_key **keys,
		 uint32_t *results, uint32_t n)
{
	if (ctx == NULL) {
		memset(results, 0, sizeof(*results) * ACL_CATEGORIES * n);
		return 0;
	}
	return rte_acl_classify(ctx, (const uint8_t **)keys, results, n, ACL_CATEGORIES);
}
