/* How many distinct values (ports, addresses) a deny summary has seen, in fixed space:
 * exact up to DISTINCT_EXACT values, then a HyperLogLog estimate (128 registers,
 * about 9 % standard error), so a random-port flood costs a summary no more memory
 * than a single probe. */
#ifndef BUNRI_DISTINCT_H
#define BUNRI_DISTINCT_H

#include <stdint.h>

#define DISTINCT_EXACT 8
#define DISTINCT_REGS 128

struct distinct {
	uint32_t exact[DISTINCT_EXACT];
	uint32_t n_exact;          /* DISTINCT_EXACT + 1: more than exact[] holds */
	uint8_t reg[DISTINCT_REGS];
};

void distinct_clear(struct distinct *s);
void distinct_add(struct distinct *s, uint32_t v);
/* The number of distinct values added: exact up to DISTINCT_EXACT, an estimate (never
 * below DISTINCT_EXACT + 1) above. */
uint32_t distinct_count(const struct distinct *s);

#endif
