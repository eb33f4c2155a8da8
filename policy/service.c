#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "service.h"

#define ICMP_ECHO_TYPE 8

const char *service_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	default:
		return "?";
	}
}

bool service_is_literal(const char *s)
{
	return strchr(s, '/') || strcmp(s, "tcp") == 0 || strcmp(s, "udp") == 0 ||
	       strcmp(s, "icmp") == 0;
}

/* 1..65535, decimal, no sign, no leading zero. */
static int parse_port(const char **s, uint16_t *out)
{
	unsigned v = 0;
	int n = 0;

	while (isdigit((unsigned char)**s) && n < 6) {
		if (n == 1 && v == 0)
			return -EINVAL;
		v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
		n++;
	}
	if (n == 0 || v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int service_parse(const char *s, struct svc_entry *out, const char **why)
{
	const char *slash = strchr(s, '/');
	size_t plen = slash ? (size_t)(slash - s) : strlen(s);
	const char *p = slash ? slash + 1 : "any";

	*why = "write protocol/port like \"tcp/443\", \"udp/5000-5010\" or \"icmp/echo\"";
	if (plen == 3 && strncmp(s, "tcp", 3) == 0)
		out->proto = IPPROTO_TCP;
	else if (plen == 3 && strncmp(s, "udp", 3) == 0)
		out->proto = IPPROTO_UDP;
	else if (plen == 4 && strncmp(s, "icmp", 4) == 0)
		out->proto = IPPROTO_ICMP;
	else {
		*why = "the protocol must be tcp, udp or icmp";
		return -EINVAL;
	}
	if (strcmp(p, "any") == 0) {
		out->lo = out->proto == IPPROTO_ICMP ? 0 : 1;
		out->hi = out->proto == IPPROTO_ICMP ? 255 : 65535;
		return 0;
	}
	if (out->proto == IPPROTO_ICMP) {
		/* Only an echo request opens an ICMP connection; errors and replies ride on
		 * the connection they belong to. */
		if (strcmp(p, "echo") != 0 && strcmp(p, "8") != 0) {
			*why = "an ICMP service is \"icmp/echo\"; other types cannot open a connection";
			return -EINVAL;
		}
		out->lo = out->hi = ICMP_ECHO_TYPE;
		return 0;
	}
	if (parse_port(&p, &out->lo) < 0) {
		*why = "a port is a number from 1 to 65535";
		return -EINVAL;
	}
	out->hi = out->lo;
	if (*p == '-') {
		p++;
		if (parse_port(&p, &out->hi) < 0) {
			*why = "a port range is two ports from 1 to 65535, like \"5000-5010\"";
			return -EINVAL;
		}
		if (out->hi < out->lo) {
			*why = "the port range is backwards; write the lower port first";
			return -EINVAL;
		}
	}
	if (*p != '\0')
		return -EINVAL;
	return 0;
}

bool service_unrestricted(const struct svc_entry *e)
{
	if (e->proto == IPPROTO_ICMP)
		return e->lo == 0 && e->hi == 255;
	return e->lo <= 1 && e->hi == 65535;
}

char *service_format(const struct svc_entry *e, char *buf)
{
	if (e->proto == IPPROTO_ICMP && e->lo == ICMP_ECHO_TYPE && e->hi == ICMP_ECHO_TYPE)
		snprintf(buf, 24, "icmp/echo");
	else if (e->lo == e->hi)
		snprintf(buf, 24, "%s/%u", service_proto_name(e->proto), e->lo);
	else
		snprintf(buf, 24, "%s/%u-%u", service_proto_name(e->proto), e->lo, e->hi);
	return buf;
}
