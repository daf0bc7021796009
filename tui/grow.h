/* grow.h - an array's room doubled until it holds need elements. */
#ifndef PT_GROW_H
#define PT_GROW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* *v (of *cap elements of elem bytes) made to hold at least need: false,
 * with *v and *cap as they were, when memory or size_t runs out. */
static inline bool pt_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *x;

	if (need <= *cap)
		return true;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return false;
	x = realloc(*v, ncap * elem);
	if (!x)
		return false;
	*v = x;
	*cap = ncap;
	return true;
}

#endif
