#include <math.h>
#include <string.h>

#include "distinct.h"

void distinct_clear(struct distinct *s)
{
	memset(s, 0, sizeof(*s));
}

/* splitmix64's finaliser: ports and addresses are anything but random, the registers
 * need every bit of the hash to be. */
static uint64_t mix(uint32_t v)
{
	uint64_t z = (uint64_t)v + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void distinct_add(struct distinct *s, uint32_t v)
{
	uint64_t h = mix(v), rest = h >> 7;
	uint8_t rank = rest ? (uint8_t)(__builtin_ctzll(rest) + 1) : 58;
	unsigned idx = (unsigned)(h & (DISTINCT_REGS - 1));

	_Static_assert((DISTINCT_REGS & (DISTINCT_REGS - 1)) == 0 && DISTINCT_REGS == 128,
		       "seven index bits");
	if (s->reg[idx] < rank)
		s->reg[idx] = rank;
	if (s->n_exact > DISTINCT_EXACT)
		return;
	for (uint32_t i = 0; i < s->n_exact; i++)
		if (s->exact[i] == v)
			return;
	if (s->n_exact < DISTINCT_EXACT)
		s->exact[s->n_exact] = v;
	s->n_exact++;
}

uint32_t distinct_count(const struct distinct *s)
{
	const double m = DISTINCT_REGS, alpha = 0.7213 / (1.0 + 1.079 / m);
	double sum = 0, e;
	unsigned zeros = 0;

	if (s->n_exact <= DISTINCT_EXACT)
		return s->n_exact;
	for (unsigned i = 0; i < DISTINCT_REGS; i++) {
		sum += ldexp(1.0, -s->reg[i]);
		zeros += s->reg[i] == 0;
	}
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);  /* linear counting: better for small sets */
	e = nearbyint(e);
	if (e < DISTINCT_EXACT + 1)
		return DISTINCT_EXACT + 1;
	return e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}
