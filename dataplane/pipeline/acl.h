/* The rule table: the compiled policy's rules in rte_acl, matched against the first
 * packet of each new connection. Two answers per packet: the winning rule with the
 * source MAC binding enforced, and the winning rule with MAC bindings ignored, so a
 * drop can say `mac-mismatch` rather than `no-rule`. */
#ifndef BUNRI_ACL_H
#define BUNRI_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "cpolicy.h"

struct rte_acl_ctx;

/* rte_acl reads a first single byte, then groups of exactly 4 bytes that fields must
 * fill completely; multi-byte fields are in network byte order, as in a packet. Fill
 * with acl_key_fill(). */
struct acl_key {
	uint8_t proto;
	uint8_t pad0[3];
	uint8_t zin;
	uint8_t zout;
	uint16_t dport;   /* ICMP: type */
	uint32_t src;
	uint32_t dst;
	uint32_t mac_hi;  /* source MAC bytes 0-3 */
	uint32_t mac_lo;  /* source MAC bytes 4-5, then two zero bytes */
};

#define ACL_CATEGORIES 4 /* what rte_acl_classify() fills per packet */
#define ACL_CAT_EXACT 0   /* MAC bindings enforced */
#define ACL_CAT_ANY_MAC 1 /* MAC bindings ignored */
#define ACL_MAX_RULES CPOLICY_MAX_RULES /* policy_check() refuses more */

/* Builds a context over rules[0..n) (lower index wins). A match reports rule index + 1,
 * 0 means no match. 0 and *out (NULL when n == 0: nothing matches), -EINVAL for a bad
 * rule or too many, -ENOMEM, or rte_acl's own error. */
int acl_build(const char *name, const struct cp_rule *rules, size_t n, int socket,
	      struct rte_acl_ctx **out);
void acl_free(struct rte_acl_ctx *ctx);

/* Addresses in host byte order; mac may be NULL (matches only rules without binding). */
void acl_key_fill(struct acl_key *k, uint8_t proto, uint8_t zin, uint8_t zout,
		  uint32_t src, uint32_t dst, uint16_t dport, const uint8_t *mac);

/* results[i * ACL_CATEGORIES + ACL_CAT_*] for keys[0..n). 0 or -EINVAL. */
int acl_classify(const struct rte_acl_ctx *ctx, const struct acl_key **keys,
		 uint32_t *results, uint32_t n);

#endif
