/* The semantic checks of a parsed policy, split by concept: check.c holds the checks
 * every flow must pass and the warnings; rails.c holds the law's guard rails. */
#ifndef BUNRI_CHECK_H
#define BUNRI_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#define CHECK_EXPIRY_WARN_DAYS 30

/* Guard rails 1-4 of DESIGN.md; rail 5 (expiry) is a warning raised in check.c.
 * Returns the number of errors added. */
unsigned rails_check(const struct appliance *a, const struct policy *p, struct diag *d);

/* The rules a flow compiles to: every source prefix x destination prefix x service. */
static inline size_t check_flow_rules(const struct flow *f)
{
	const struct cidr *x;

	return (size_t)endpoint_addrs(&f->from, &x) * endpoint_addrs(&f->to, &x) * f->n_svcs;
}

/* True when flow f is in force at now. */
static inline int check_flow_active(const struct flow *f, int64_t now)
{
	return !f->broken && (!f->valid_from || f->valid_from <= now) && now < f->valid_until;
}

#endif
