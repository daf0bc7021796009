/* addrmap.c - a map from addresses (call sites, function addresses) to
 * nonzero words, read without a lock, written by one holder of a lock at a
 * time.  Readers may be a crash handler or a traced thread's hot path: they
 * only ever do atomic loads, and always find either nothing or a finished
 * value.  A full table is replaced by one twice its size; the old one is
 * kept (linked from the new) for readers still walking it, so nothing a
 * reader holds is ever freed.
 */
#include <config.h>

#include <stdlib.h>

#include "internal.h"

static struct ptp_amap_tab *ptp_amap_new(size_t size)
{
	struct ptp_amap_tab *t = calloc(1, sizeof *t + size * sizeof t->slots[0]);

	if (t)
		t->mask = size - 1;
	return t;
}

int ptp_amap_put(struct ptp_amap *m, uintptr_t key, uintptr_t val)
{
	struct ptp_amap_tab *t = atomic_load(&m->tab);
	struct ptp_amap_slot *s;

	if (!t || 2 * (t->used + 1) > t->mask + 1) {
		struct ptp_amap_tab *n = ptp_amap_new(t ? 2 * (t->mask + 1) : 1024);

		if (!n)
			return -1;
		if (t) {
			for (size_t i = 0; i <= t->mask; i++) {
				uintptr_t k = atomic_load(&t->slots[i].key);

				if (!k)
					continue;
				s = ptp_amap_slot(n, k);
				atomic_store(&s->val, atomic_load(&t->slots[i].val));
				atomic_store(&s->key, k);
			}
			n->used = t->used;
		}
		n->older = t;
		atomic_store_explicit(&m->tab, n, memory_order_release);
		t = n;
	}
	s = ptp_amap_slot(t, key);
	/* The value first, so that a reader that sees the key sees it. */
	atomic_store_explicit(&s->val, val, memory_order_release);
	if (atomic_load_explicit(&s->key, memory_order_relaxed) != key) {
		atomic_store_explicit(&s->key, key, memory_order_release);
		t->used++;
	}
	return 0;
}
