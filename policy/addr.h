/* IPv4 addresses, CIDR prefixes and MAC addresses as written in bunri's config files.
 * Addresses are held in host byte order. */
#ifndef BUNRI_ADDR_H
#define BUNRI_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t addr; /* host byte order, host bits zero */
	uint8_t len;   /* 0..32 */
};

#define ADDR_STRLEN 19 /* "255.255.255.255/32" + NUL */
#define MAC_STRLEN 18  /* "aa:bb:cc:dd:ee:ff" + NUL */

/* Dotted quad, exactly four decimal parts 0..255 and nothing else: 0 or -EINVAL. */
int addr_parse_ipv4(const char *s, uint32_t *out);
/* "a.b.c.d" (a /32) or "a.b.c.d/len": 0, or -EINVAL for bad syntax, or -EDOM when
 * host bits are set (10.0.0.1/8), so the caller can say which. */
int addr_parse_cidr(const char *s, struct cidr *out);
/* "aa:bb:cc:dd:ee:ff" (or with '-'); unicast, not all-zero: 0 or -EINVAL. */
int addr_parse_mac(const char *s, uint8_t mac[6]);

uint32_t cidr_mask(uint8_t len);
bool cidr_contains(struct cidr outer, struct cidr inner);
bool cidr_contains_addr(struct cidr c, uint32_t a);
bool cidr_overlaps(struct cidr a, struct cidr b);
/* How many addresses the union of the n prefixes covers (overlaps counted once), 0 to
 * 2^32. Sorts c in place. */
uint64_t cidr_union_size(struct cidr *c, size_t n);

/* Formats into buf (ADDR_STRLEN / MAC_STRLEN bytes) and returns buf. */
char *addr_format_ipv4(uint32_t a, char *buf);
char *addr_format_cidr(struct cidr c, char *buf);
char *addr_format_mac(const uint8_t mac[6], char *buf);

#endif
