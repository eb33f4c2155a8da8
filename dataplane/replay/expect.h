/* bunri-replay --expect: the verdicts a security team expects, one JSON object a line
 * with "zone", "index", "verdict" and optionally "to", "flow", "reason", compared with
 * what the pipeline decided. */
#ifndef BUNRI_EXPECT_H
#define BUNRI_EXPECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zone.h"

/* One verdict as bunri-replay reports it; strings are static or owned elsewhere. */
struct expect_verdict {
	uint8_t zone;
	uint64_t index;
	const char *verdict;
	const char *to;      /* NULL: null */
	const char *flow;    /* NULL: null */
	const char *reason;
};

struct expect;

/* Reads path. 0 and *out, or -EINVAL with every problem printed to err (file:line). */
int expect_load(const char *path, FILE *err, struct expect **out);
void expect_free(struct expect *e);
/* Compares the n verdicts (in processing order) with the expectations, printing each
 * mismatch and each expected frame that never came to out. Returns the number of
 * mismatches. */
unsigned expect_compare(const struct expect *e, const struct expect_verdict *got,
			size_t n, FILE *out);

#endif
