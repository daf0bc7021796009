/* xorshift.h - the deterministic pseudo-random numbers of the tests,
 * benchmarks and generators (Marsaglia's xorshift64): seeded, so that a
 * failure or a figure can be had again. */
#ifndef PT_XORSHIFT_H
#define PT_XORSHIFT_H

#include <stdint.h>

/* The next number of the sequence kept in *state (never 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
