/* The guard rails of the three-layer model (DESIGN.md). They are built in and cannot be
 * configured away: a policy that breaks one is refused whole. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RAIL(d, p, line, f, n, code, ...) \
	diag_add(d, DIAG_ERROR, (p)->path, line, (f)->id, n, code, __VA_ARGS__)

static int touches(const struct flow *f, enum zone z)
{
	return f->from.zone == z || f->to.zone == z;
}

/* 1: nothing between mynumber and internet, either direction. */
static unsigned rail_mynumber_internet(const struct policy *p, const struct flow *f,
				       struct diag *d)
{
	if (!touches(f, ZONE_MYNUMBER) || !touches(f, ZONE_INTERNET))
		return 0;
	RAIL(d, p, f->to_line, f, 1, "rail-1",
	     "guard rail 1: no flow may join mynumber and internet (%s -> %s), in either "
	     "direction; マイナンバー利用事務系 is cut off from the Internet",
	     f->from.text, f->to.text);
	return 1;
}

/* 2: lgwan/internet only as specific or sanitized; sanitized only from the sanitizer. */
static unsigned rail_kinds(const struct appliance *a, const struct policy *p,
			   const struct flow *f, struct diag *d)
{
	const struct cidr *src;
	unsigned n;

	if (f->kind != FLOW_SANITIZED)
		return 0; /* specific is the other kind, and is allowed between lgwan and internet */
	n = endpoint_addrs(&f->from, &src);
	if (f->from.zone == ZONE_INTERNET && f->to.zone == ZONE_LGWAN && a->has_sanitizer &&
	    !f->from.any && n == 1 && src[0].len == 32 && src[0].addr == a->sanitizer_host)
		return 0;
	if (!a->has_sanitizer)
		RAIL(d, p, f->kind_line, f, 2, "rail-2",
		     "guard rail 2: kind = \"sanitized\" needs the sanitizer host; declare "
		     "sanitizer = { host = \"...\"; } in appliance.cfg");
	else
		RAIL(d, p, f->kind_line, f, 2, "rail-2",
		     "guard rail 2: a sanitized flow carries files the sanitizer cleaned, so "
		     "it must go from the sanitizer host (internet:<sanitizer host>) to lgwan, "
		     "not %s -> %s",
		     f->from.text, f->to.text);
	return 1;
}

/* The addresses a side covers, overlaps once; UINT64_MAX when memory runs out (which
 * then refuses the flow rather than passing it unmeasured). */
static uint64_t side_size(const struct cidr *addrs, unsigned n)
{
	struct cidr *copy = malloc((n ? n : 1) * sizeof(*copy));
	uint64_t size;

	if (copy == NULL)
		return UINT64_MAX;
	memcpy(copy, addrs, n * sizeof(*copy));
	size = cidr_union_size(copy, n);
	free(copy);
	return size;
}

/* 3 by size: what a side covers, however it is spelt, stays within the rail's bound. */
static unsigned rail_side_size(const struct policy *p, const struct flow *f, int i,
			       const struct cidr *addrs, unsigned n, struct diag *d)
{
	const struct endpoint *e = i == 0 ? &f->from : &f->to;
	bool mynumber = touches(f, ZONE_MYNUMBER);
	uint64_t limit = mynumber ? CPOLICY_RAIL3_MYNUMBER_ADDRS : CPOLICY_RAIL3_SIDE_ADDRS;
	uint64_t size = side_size(addrs, n);

	if (size <= limit)
		return 0;
	RAIL(d, p, i == 0 ? f->from_line : f->to_line, f, 3, "rail-3",
	     "guard rail 3: %s = \"%s\" covers %" PRIu64 " addresses, more than %s (%" PRIu64
	     "); 特定通信 names its hosts: list the servers the flow is for",
	     i == 0 ? "from" : "to", e->text, size,
	     mynumber ? "a /16's worth on a mynumber flow" : "a /8's worth", limit);
	return 1;
}

/* 3: no unrestricted side; mynumber flows name hosts, /24 or narrower. */
static unsigned rail_restricted(const struct policy *p, const struct flow *f, struct diag *d)
{
	const struct endpoint *ends[2] = { &f->from, &f->to };
	const unsigned lines[2] = { f->from_line, f->to_line };
	const char *keys[2] = { "from", "to" };
	unsigned errors = 0;

	for (int i = 0; i < 2; i++) {
		const struct cidr *addrs;
		unsigned n = endpoint_addrs(ends[i], &addrs);

		if (ends[i]->any) {
			RAIL(d, p, lines[i], f, 3, "rail-3",
			     "guard rail 3: %s = \"%s\" is unrestricted; 特定通信 names its hosts",
			     keys[i], ends[i]->text);
			errors++;
			continue;
		}
		errors += rail_side_size(p, f, i, addrs, n, d);
		if (!touches(f, ZONE_MYNUMBER))
			continue;
		for (unsigned j = 0; j < n; j++)
			if (addrs[j].len < 24) {
				char buf[ADDR_STRLEN];

				RAIL(d, p, lines[i], f, 3, "rail-3",
				     "guard rail 3: %s includes %s, wider than /24; a mynumber flow "
				     "names its hosts (/24 or narrower)",
				     keys[i], addr_format_cidr(addrs[j], buf));
				errors++;
			}
	}
	if (f->port_unrestricted) {
		RAIL(d, p, f->services_line, f, 3, "rail-3",
		     "guard rail 3: a service allows any port; 特定通信 limits the port, e.g. "
		     "\"tcp/443\"");
		errors++;
	}
	return errors;
}

static int endpoints_overlap(const struct endpoint *x, const struct endpoint *y)
{
	const struct cidr *xa, *ya;
	unsigned xn = endpoint_addrs(x, &xa), yn = endpoint_addrs(y, &ya);

	for (unsigned i = 0; i < xn; i++)
		for (unsigned j = 0; j < yn; j++)
			if (cidr_overlaps(xa[i], ya[j]))
				return 1;
	return 0;
}

/* 4: the peers of mynumber flows have no flow to or from internet (by address). */
static unsigned rail_peers(const struct policy *p, struct diag *d)
{
	unsigned errors = 0;

	for (unsigned i = 0; i < p->n_flows; i++) {
		const struct flow *m = &p->flows[i];
		const struct endpoint *peer;

		if (m->broken || !touches(m, ZONE_MYNUMBER) || touches(m, ZONE_INTERNET))
			continue;
		peer = m->from.zone == ZONE_MYNUMBER ? &m->to : &m->from;
		for (unsigned j = 0; j < p->n_flows; j++) {
			const struct flow *f = &p->flows[j];
			const struct endpoint *inside;

			if (f->broken || !touches(f, ZONE_INTERNET) || touches(f, ZONE_MYNUMBER))
				continue;
			inside = f->from.zone == ZONE_INTERNET ? &f->to : &f->from;
			if (inside->zone != peer->zone || !endpoints_overlap(inside, peer))
				continue;
			RAIL(d, p, f->from.zone == ZONE_INTERNET ? f->to_line : f->from_line, f, 4,
			     "rail-4",
			     "guard rail 4: %s is a peer of mynumber flow \"%s\" (line %u) and must "
			     "have no path to the Internet, but this flow joins it with internet",
			     inside->text, m->id, m->line);
			errors++;
		}
	}
	return errors;
}

unsigned rails_check(const struct appliance *a, const struct policy *p, struct diag *d)
{
	unsigned errors = 0;

	for (unsigned i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		if (f->broken || f->from.zone == f->to.zone)
			continue;
		errors += rail_mynumber_internet(p, f, d);
		errors += rail_kinds(a, p, f, d);
		errors += rail_restricted(p, f, d);
	}
	return errors + rail_peers(p, d);
}
