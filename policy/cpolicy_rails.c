/* The rule-level guard rails (DESIGN.md) checked again on a compiled policy, where it
 * is about to be installed: defence in depth, so a policy that did not come through
 * the compiler's checks (a damaged controller, a client of the dataplane's socket)
 * still cannot open what the three-layer model keeps shut. Rail 4 (the peers of
 * mynumber flows) and expiry need the source files and stay with the compiler. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "cpolicy_impl.h"

static int refuse(char *err, size_t errlen, const struct cpolicy *cp, size_t i,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int refuse(char *err, size_t errlen, const struct cpolicy *cp, size_t i,
		  const char *fmt, ...)
{
	const struct cp_rule *r = &cp->rules[i];
	int n = snprintf(err, errlen, "flow \"%s\" rule %zu (%s -> %s): ",
			 r->flow < cp->n_flows ? cp->flows[r->flow].id : "?", i,
			 zone_name(r->from_zone), zone_name(r->to_zone));
	va_list ap;

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EPERM;
}

static bool joins(const struct cp_rule *r, enum zone a, enum zone b)
{
	return (r->from_zone == a && r->to_zone == b) || (r->from_zone == b && r->to_zone == a);
}

/* Rail 3 by size: each side of a cross-zone flow, the union of its rules' prefixes. */
static int check_sizes(const struct cpolicy *cp, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t fi = 0; fi < cp->n_flows && ret == 0; fi++) {
		const struct cp_flow *f = &cp->flows[fi];
		struct cidr *src, *dst;
		bool mynumber = false;
		size_t n = 0;

		if (f->n_rules == 0)
			continue;
		src = malloc(f->n_rules * sizeof(*src));
		dst = malloc(f->n_rules * sizeof(*dst));
		if (src == NULL || dst == NULL)
			ret = -ENOMEM;
		for (uint32_t k = 0; ret == 0 && k < f->n_rules; k++) {
			const struct cp_rule *r = &cp->rules[f->first_rule + k];

			if (r->from_zone == r->to_zone)
				continue;
			mynumber |= r->from_zone == ZONE_MYNUMBER || r->to_zone == ZONE_MYNUMBER;
			src[n] = (struct cidr){ r->src & cidr_mask(r->src_len), r->src_len };
			dst[n++] = (struct cidr){ r->dst & cidr_mask(r->dst_len), r->dst_len };
		}
		if (ret == 0 && n > 0) {
			uint64_t limit = mynumber ? CPOLICY_RAIL3_MYNUMBER_ADDRS :
				CPOLICY_RAIL3_SIDE_ADDRS;
			uint64_t s_size = cidr_union_size(src, n), d_size = cidr_union_size(dst, n);

			if (s_size > limit || d_size > limit)
				ret = refuse(err, errlen, cp, f->first_rule, "guard rail 3: the %s "
					     "covers %" PRIu64 " addresses, more than %" PRIu64,
					     s_size > limit ? "source" : "destination",
					     s_size > limit ? s_size : d_size, limit);
		}
		free(src);
		free(dst);
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory checking guard rail 3");
	return ret;
}

int cpolicy_check_rails(const struct cpolicy *cp, char *err, size_t errlen)
{
	for (size_t i = 0; i < cp->n_rules; i++) {
		const struct cp_rule *r = &cp->rules[i];
		const struct cp_flow *f;

		if (r->flow >= cp->n_flows)
			return refuse(err, errlen, cp, i, "names no flow");
		if (r->from_zone == r->to_zone)
			continue;   /* never crosses the appliance */
		f = &cp->flows[r->flow];
		if (joins(r, ZONE_MYNUMBER, ZONE_INTERNET))
			return refuse(err, errlen, cp, i, "guard rail 1: nothing may join mynumber "
				      "and internet, in either direction");
		if (joins(r, ZONE_LGWAN, ZONE_INTERNET) && f->kind != FLOW_SPECIFIC &&
		    f->kind != FLOW_SANITIZED)
			return refuse(err, errlen, cp, i, "guard rail 2: between lgwan and "
				      "internet only specific or sanitized flows");
		if (f->kind == FLOW_SANITIZED &&
		    (r->from_zone != ZONE_INTERNET || r->to_zone != ZONE_LGWAN))
			return refuse(err, errlen, cp, i, "guard rail 2: a sanitized flow goes "
				      "from internet (the sanitizer) to lgwan");
		if (r->src_len == 0 || r->dst_len == 0)
			return refuse(err, errlen, cp, i, "guard rail 3: the %s is any address; "
				      "a cross-zone rule names its hosts",
				      r->src_len == 0 ? "source" : "destination");
		if ((r->proto == 6 || r->proto == 17) && r->port_lo == 0 && r->port_hi == 65535)
			return refuse(err, errlen, cp, i, "guard rail 3: any port; 特定通信 limits "
				      "the port");
		if ((r->from_zone == ZONE_MYNUMBER || r->to_zone == ZONE_MYNUMBER) &&
		    (r->src_len < 24 || r->dst_len < 24))
			return refuse(err, errlen, cp, i, "guard rail 3: a mynumber rule names "
				      "hosts (/24 or narrower), not a /%u",
				      r->src_len < 24 ? r->src_len : r->dst_len);
	}
	return check_sizes(cp, err, errlen);
}
