#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int addr_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		while (isdigit((unsigned char)*s)) {
			/* "010" is octal to some parsers and decimal to others: refuse it. */
			if (digits == 1 && v == 0)
				return -EINVAL;
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return -EINVAL;
			digits++;
			s++;
		}
		if (digits == 0)
			return -EINVAL;
		a = (a << 8) | v;
		if (part < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = a;
	return 0;
}

uint32_t cidr_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

int addr_parse_cidr(const char *s, struct cidr *out)
{
	char buf[ADDR_STRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned len = 32;
	uint32_t a;

	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse_ipv4(buf, &a) < 0)
		return -EINVAL;
	if (slash) {
		const char *p = slash + 1;
		int digits = 0;

		len = 0;
		while (isdigit((unsigned char)*p) && digits < 3) {
			len = len * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || *p != '\0' || len > 32)
			return -EINVAL;
	}
	if (a & ~cidr_mask((uint8_t)len))
		return -EDOM;
	out->addr = a;
	out->len = (uint8_t)len;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int addr_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == 5)
			break;
		if (sep == 0 && (*s == ':' || *s == '-'))
			sep = *s;
		if (*s++ != sep)
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	/* A binding to a group address or to nothing would never match a real sender. */
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return -EINVAL;
	memcpy(mac, m, 6);
	return 0;
}

bool cidr_contains_addr(struct cidr c, uint32_t a)
{
	return (a & cidr_mask(c.len)) == c.addr;
}

bool cidr_contains(struct cidr outer, struct cidr inner)
{
	return outer.len <= inner.len && cidr_contains_addr(outer, inner.addr);
}

bool cidr_overlaps(struct cidr a, struct cidr b)
{
	return cidr_contains(a, b) || cidr_contains(b, a);
}

static int cidr_cmp(const void *x, const void *y)
{
	const struct cidr *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

uint64_t cidr_union_size(struct cidr *c, size_t n)
{
	uint64_t total = 0;
	size_t kept = SIZE_MAX;

	/* Two prefixes either nest or are apart: in address order, widest first, each
	 * prefix is inside the last one kept or starts a new part of the union. */
	qsort(c, n, sizeof(*c), cidr_cmp);
	for (size_t i = 0; i < n; i++) {
		if (kept != SIZE_MAX && cidr_contains(c[kept], c[i]))
			continue;
		kept = i;
		total += (uint64_t)1 << (32 - c[i].len);
	}
	return total;
}

char *addr_format_ipv4(uint32_t a, char *buf)
{
	snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf;
}

char *addr_format_cidr(struct cidr c, char *buf)
{
	char ip[ADDR_STRLEN];

	snprintf(buf, ADDR_STRLEN, "%s/%u", addr_format_ipv4(c.addr, ip), c.len);
	return buf;
}

char *addr_format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}
