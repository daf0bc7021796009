/* idset.c - a set of node ids for the expand state (open addressing with
 * linear probing; 0 marks an empty slot, ~0 a deleted one). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"

#define TOMB UINT64_MAX

void idset_init(struct idset *s)
{
	s->slots = NULL;
	s->cap = s->used = 0;
}

void idset_free(struct idset *s)
{
	free(s->slots);
	idset_init(s);
}

static size_t slot_of(uint64_t id, size_t cap)
{
	/* ids count up, so spread them (Fibonacci hashing) */
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 16) & (cap - 1);
}

bool idset_has(const struct idset *s, uint64_t id)
{
	if (!s->cap || id == 0 || id == TOMB)
		return false;
	for (size_t i = slot_of(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == id)
			return true;
		if (s->slots[i] == 0)
			return false;
	}
}

static bool grow(struct idset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64;
	uint64_t *n = calloc(ncap, sizeof(*n));
	size_t used = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t id = s->slots[i];

		if (id == 0 || id == TOMB)
			continue;
		size_t j = slot_of(id, ncap);

		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = id;
		used++;
	}
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	s->used = used;
	return true;
}

void idset_put(struct idset *s, uint64_t id)
{
	if (id == 0 || id == TOMB || idset_has(s, id))
		return;
	if ((s->used + 1) * 4 > s->cap * 3 && !grow(s))
		return;  /* out of memory: the node just stays in its default state */
	size_t i = slot_of(id, s->cap);

	while (s->slots[i] != 0 && s->slots[i] != TOMB)
		i = (i + 1) & (s->cap - 1);
	if (s->slots[i] == 0)
		s->used++;
	s->slots[i] = id;
}

void idset_del(struct idset *s, uint64_t id)
{
	if (!s->cap || id == 0 || id == TOMB)
		return;
	for (size_t i = slot_of(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == id) {
			s->slots[i] = TOMB;
			return;
		}
		if (s->slots[i] == 0)
			return;
	}
}

void idset_clear(struct idset *s)
{
	if (s->cap)
		memset(s->slots, 0, s->cap * sizeof(*s->slots));
	s->used = 0;
}
