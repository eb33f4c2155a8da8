/* The checks every flow must pass besides the guard rails, and the warnings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpolicy_impl.h"
#include "policy.h"
#include "service.h"
#include "timefmt.h"

#define ERR(d, p, line, f, code, ...) \
	diag_add(d, DIAG_ERROR, (p)->path, line, (f)->id, 0, code, __VA_ARGS__)
#define WARN(d, p, line, id, code, ...) \
	diag_add(d, DIAG_WARNING, (p)->path, line, id, 0, code, __VA_ARGS__)

/* Every address of the endpoint must be a source its zone may use (or anti-spoofing
 * drops it) and a destination the zone's routes reach (or replies have nowhere to go). */
static unsigned check_endpoint(const struct appliance *a, const struct policy *p,
			       const struct flow *f, const struct endpoint *e, const char *key,
			       unsigned line, struct diag *d)
{
	const struct cidr *addrs;
	unsigned n = endpoint_addrs(e, &addrs), errors = 0;
	char buf[ADDR_STRLEN];

	if (e->any)
		return 0; /* guard rail 3 names it */
	for (unsigned i = 0; i < n; i++) {
		enum zone owner = appliance_zone_of(a, addrs[i]);
		enum zone routed = appliance_route_zone(a, addrs[i]);

		if (owner != e->zone) {
			char also[40] = "";

			if (owner != ZONE_NONE)
				snprintf(also, sizeof(also), " (it belongs to %s)", zone_name(owner));
			ERR(d, p, line, f, "outside-zone",
			    "%s: %s is not inside the networks of zone %s%s; the dataplane's "
			    "anti-spoofing would drop it. Fix the address or the zone's networks",
			    key, addr_format_cidr(addrs[i], buf), zone_name(e->zone), also);
			errors++;
		} else if (addrs[i].len == 32 &&
			   addrs[i].addr == a->zones[e->zone].cp.address) {
			ERR(d, p, line, f, "appliance-address",
			    "%s: %s is the appliance's own address in zone %s; traffic to the "
			    "appliance never crosses it. Name the host behind it",
			    key, addr_format_cidr(addrs[i], buf), zone_name(e->zone));
			errors++;
		} else if (routed != e->zone) {
			ERR(d, p, line, f, "no-route",
			    "%s: no route of zone %s reaches %s; add a route for it in "
			    "appliance.cfg",
			    key, zone_name(e->zone), addr_format_cidr(addrs[i], buf));
			errors++;
		}
	}
	return errors;
}

/* Does rule-level coverage make every packet of f already match earlier flow g? */
static int covers_endpoint(const struct endpoint *outer, const struct endpoint *inner)
{
	const struct cidr *oa, *ia;
	unsigned on = endpoint_addrs(outer, &oa), in = endpoint_addrs(inner, &ia);

	for (unsigned i = 0; i < in; i++) {
		int covered = 0;

		for (unsigned j = 0; j < on && !covered; j++)
			covered = cidr_contains(oa[j], ia[i]);
		if (!covered)
			return 0;
	}
	return 1;
}

static int covers_services(const struct flow *g, const struct flow *f)
{
	for (unsigned i = 0; i < f->n_svcs; i++) {
		int covered = 0;

		for (unsigned j = 0; j < g->n_svcs && !covered; j++)
			covered = g->svcs[j].proto == f->svcs[i].proto &&
				  g->svcs[j].lo <= f->svcs[i].lo && g->svcs[j].hi >= f->svcs[i].hi;
		if (!covered)
			return 0;
	}
	return 1;
}

static int shadows(const struct flow *g, const struct flow *f)
{
	const struct host *gh = g->from.host, *fh = f->from.host;

	if (g->from.zone != f->from.zone || g->to.zone != f->to.zone)
		return 0;
	/* A MAC-bound earlier rule only covers senders with that same MAC binding. */
	if (gh && gh->has_mac && !(fh && fh->has_mac && memcmp(gh->mac, fh->mac, 6) == 0))
		return 0;
	/* Cheapest test first: this runs for every pair of flows. */
	return covers_services(g, f) && covers_endpoint(&g->from, &f->from) &&
	       covers_endpoint(&g->to, &f->to);
}

static void warn_flow(const struct policy *p, const struct flow *f, unsigned index,
		      int64_t now, struct diag *d)
{
	char when[TIMEFMT_STRLEN];

	if (f->valid_until <= now) {
		diag_add(d, DIAG_WARNING, p->path, f->until_line, f->id, 5, "expired",
			 "guard rail 5: expired at %s; left out of the compiled policy. Remove "
			 "it or renew the approval",
			 timefmt_format_jst(f->valid_until, when));
		return;
	}
	if (f->valid_from > now)
		WARN(d, p, f->line, f->id, "not-yet",
		     "not in force until %s; it is installed then, without an operator",
		     timefmt_format_jst(f->valid_from, when));
	if (f->valid_until - now <= (int64_t)CHECK_EXPIRY_WARN_DAYS * 86400)
		WARN(d, p, f->until_line, f->id, "expiring",
		     "expires at %s, within %d days; renew the approval if it is still needed",
		     timefmt_format_jst(f->valid_until, when), CHECK_EXPIRY_WARN_DAYS);
	for (unsigned i = 0; i < index; i++) {
		const struct flow *g = &p->flows[i];

		if (!g->broken && g->valid_until > now && shadows(g, f)) {
			WARN(d, p, f->line, f->id, "shadowed",
			     "shadowed by flow \"%s\" (line %u), which already allows all of it; "
			     "its connections will be counted under \"%s\"",
			     g->id, g->line, g->id);
			break;
		}
	}
	if (f->from.zone == ZONE_MYNUMBER || f->to.zone == ZONE_MYNUMBER) {
		const struct endpoint *ends[2] = { &f->from, &f->to };
		const unsigned lines[2] = { f->from_line, f->to_line };

		for (int i = 0; i < 2; i++)
			if (!ends[i]->host || !ends[i]->host->has_mac)
				WARN(d, p, lines[i], f->id, "no-mac",
				     "%s is a peer of a mynumber flow without a MAC binding; give "
				     "the host a mac to limit the route (経路限定) by MAC too",
				     ends[i]->text);
	}
}

/* The dataplane's rule table has a bound; say so here rather than fail at compile. */
static void check_size(const struct policy *p, int64_t now, struct diag *d)
{
	size_t rules = 0;

	for (unsigned i = 0; i < p->n_flows; i++)
		if (check_flow_active(&p->flows[i], now))
			rules += check_flow_rules(&p->flows[i]);
	if (rules > CPOLICY_MAX_RULES)
		diag_add(d, DIAG_ERROR, p->path, p->n_flows ? p->flows[0].line : 0, NULL, 0,
			 "too-many-rules",
			 "the flows in force expand to %zu rules (sources x destinations x "
			 "services); the dataplane holds at most %u. Use prefixes instead of long "
			 "address lists",
			 rules, CPOLICY_MAX_RULES);
}

unsigned policy_check(const struct appliance *a, const struct policy *p, int64_t now,
		      struct diag *d)
{
	size_t before = diag_errors(d);

	for (unsigned i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		/* A flow with parse errors still gets the checks its parts allow, so one
		 * run reports everything. */
		if (!f->from.parsed || !f->to.parsed)
			continue;
		if (f->from.zone == f->to.zone) {
			ERR(d, p, f->to_line, f, "same-zone",
			    "from and to are both in zone %s; traffic inside a zone never "
			    "crosses the appliance, so this flow can never match. Remove it",
			    zone_name(f->to.zone));
			continue;
		}
		check_endpoint(a, p, f, &f->from, "from", f->from_line, d);
		check_endpoint(a, p, f, &f->to, "to", f->to_line, d);
		if (!f->broken)
			warn_flow(p, f, i, now, d);
	}
	rails_check(a, p, d);
	check_size(p, now, d);
	for (unsigned i = 0; i < p->n_hosts; i++)
		if (!p->hosts[i].used)
			WARN(d, p, p->hosts[i].line, NULL, "unused",
			     "host \"%s\" is used by no flow", p->hosts[i].name);
	for (unsigned i = 0; i < p->n_services; i++)
		if (!p->services[i].used)
			WARN(d, p, p->services[i].line, NULL, "unused",
			     "service \"%s\" is used by no flow", p->services[i].name);
	return (unsigned)(diag_errors(d) - before);
}
