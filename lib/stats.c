/* stats.c - the call-path tries of exact statistics (see stats.h): their
 * cold paths on the traced thread (a new path, a histogram that outgrows
 * its window, exceptions, abandoned calls, fork), and the consumer's side,
 * which writes the nodes changed since it last wrote them as `stats` lines
 * (lib/PROTOCOL.md).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stats.h"

#define PTP_STATS_MS_DEFAULT 200u
#define PTP_STATS_PATHS_DEFAULT 65536u
#define PTP_STATS_PATHS_MAX (1u << 24)
#define PTP_INDEX_MIN 1024u

/* Raw timestamps are ns until clock.c knows the TSC's rate. */
_Atomic uint64_t ptp_stats_mult = 1ull << 32;

/* A positive integer up to max, or `dflt` after a warning. */
static uint32_t ptp_env_u32(const char *name, uint32_t dflt, uint32_t min, uint32_t max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v)
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || n < min || n > max) {
		fprintf(stderr, "pipetrace: %s \"%s\" is not an integer from %u to %u, "
			"using %u\n", name, v, min, max, dflt);
		return dflt;
	}
	return (uint32_t)n;
}

void ptp_stats_env(void)
{
	ptp_g.stats_ms = ptp_env_u32("PIPETRACE_STATS_MS", PTP_STATS_MS_DEFAULT, 0, 3600000u);
	ptp_g.stats_paths = ptp_env_u32("PIPETRACE_STATS_PATHS", PTP_STATS_PATHS_DEFAULT, 1,
					PTP_STATS_PATHS_MAX);
}

/* ---- the traced thread's side ------------------------------------------ */

static void ptp_node_init(struct ptp_node *n, uint32_t id, uint32_t parent,
			  uintptr_t ref, unsigned is_addr, struct ptp_node *other)
{
	n->id = id;
	n->parent = parent;
	n->ref = ref;
	n->is_addr = (uint8_t)is_addr;
	n->last = other;
	atomic_store_explicit(&n->hist, n->win, PTP_RELAXED);
}

struct ptp_stats *ptp_stats_new(void)
{
	struct ptp_stats *s;
	uint32_t cap = ptp_g.stats_paths;

	if (!ptp_g.stats_ms)
		return NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cap = cap;
	s->chunks = calloc(cap / PTP_NODE_CHUNK + 1, sizeof *s->chunks);
	s->index = calloc(PTP_INDEX_MIN, sizeof *s->index);
	if (!s->chunks || !s->index) {
		ptp_stats_free(s);
		return NULL;
	}
	s->index_mask = PTP_INDEX_MIN - 1;
	/* "(other paths)" has no reference: no call's ref matches it, so the
	 * last-child caches pointing at it always miss. */
	ptp_node_init(&s->other, cap + 1, 0, 0, 0, &s->other);
	ptp_node_init(&s->root, 0, 0, 0, 0, &s->other);
	return s;
}

static void ptp_node_free_hist(struct ptp_node *n)
{
	_Atomic uint64_t *h = atomic_load_explicit(&n->hist, PTP_RELAXED);

	if (h != n->win)
		free((void *)h);
}

static inline struct ptp_node_chunk *ptp_chunk(const struct ptp_stats *s, uint32_t id)
{
	return s->chunks[id / PTP_NODE_CHUNK];
}

void ptp_stats_free(struct ptp_stats *s)
{
	uint32_t n;

	if (!s)
		return;
	n = atomic_load_explicit(&s->n, PTP_RELAXED);
	for (uint32_t id = 1; id <= n; id++)
		ptp_node_free_hist(&ptp_chunk(s, id)->node[id % PTP_NODE_CHUNK]);
	ptp_node_free_hist(&s->other);
	if (s->chunks)
		for (uint32_t k = 0; k <= s->cap / PTP_NODE_CHUNK; k++)
			free(s->chunks[k]);
	free(s->chunks);
	free(s->index);
	free(s);
}

static inline struct ptp_node *ptp_node_of(const struct ptp_stats *s, uint32_t id)
{
	return &ptp_chunk(s, id)->node[id % PTP_NODE_CHUNK];
}

static inline uint32_t ptp_hash(uint32_t parent, uintptr_t ref)
{
	uint64_t x = (uint64_t)(ref >> 3) * 0x9e3779b97f4a7c15ull +
		     (uint64_t)parent * 0xc2b2ae3d27d4eb4full;

	return (uint32_t)(x >> 32);
}

/* Memory the traced thread takes for itself: calls that the allocator
 * makes meanwhile (an instrumented malloc) are not traced, as while the
 * shadow stack grows. */
static void *ptp_owner_calloc(size_t n, size_t size)
{
	struct ptp_thread *t = ptp_thread_self();
	unsigned flags = t->flags;
	void *p;

	/* (The fences keep the compiler, which knows that calloc reads
	 * none of our memory, from dropping the first store.) */
	t->flags = flags | PTP_F_GROW;
	atomic_signal_fence(memory_order_seq_cst);
	p = calloc(n, size);
	atomic_signal_fence(memory_order_seq_cst);
	t->flags = flags;
	return p;
}

static void ptp_owner_free(void *p)
{
	struct ptp_thread *t = ptp_thread_self();
	unsigned flags = t->flags;

	t->flags = flags | PTP_F_GROW;
	atomic_signal_fence(memory_order_seq_cst);
	free(p);
	atomic_signal_fence(memory_order_seq_cst);
	t->flags = flags;
}

/* Doubles the index; 0 when memory is short. */
static int ptp_index_grow(struct ptp_stats *s, uint32_t n)
{
	uint32_t mask = s->index_mask * 2 + 1;
	uint32_t *index = ptp_owner_calloc((size_t)mask + 1, sizeof *index);

	if (!index)
		return 0;
	for (uint32_t id = 1; id <= n; id++) {
		const struct ptp_node *nd = ptp_node_of(s, id);
		uint32_t h = ptp_hash(nd->parent, nd->ref) & mask;

		while (index[h])
			h = (h + 1) & mask;
		index[h] = id;
	}
	ptp_owner_free(s->index);
	s->index = index;
	s->index_mask = mask;
	return 1;
}

/* A new node, its slot in the index free at *h; NULL past the cap or
 * out of memory. */
static struct ptp_node *ptp_node_make(struct ptp_stats *s, uint32_t parent,
				      uintptr_t ref, unsigned is_addr, uint32_t h)
{
	uint32_t id = atomic_load_explicit(&s->n, PTP_RELAXED) + 1;
	struct ptp_node_chunk **c;
	struct ptp_node *n;

	if (id > s->cap)
		return NULL;
	c = &s->chunks[id / PTP_NODE_CHUNK];
	if (!*c && !(*c = ptp_owner_calloc(1, sizeof **c)))
		return NULL;
	/* At most half full, so that probes stay short. */
	if ((uint64_t)id * 2 > (uint64_t)s->index_mask + 1) {
		if (!ptp_index_grow(s, id - 1))
			return NULL;
		h = ptp_hash(parent, ref) & s->index_mask;
		while (s->index[h])
			h = (h + 1) & s->index_mask;
	}
	n = &(*c)->node[id % PTP_NODE_CHUNK];
	ptp_node_init(n, id, parent, ref, is_addr, &s->other);
	s->index[h] = id;
	/* The node is complete before the consumer can see it. */
	atomic_store_explicit(&s->n, id, memory_order_release);
	return n;
}

struct ptp_node *ptp_stats_child(struct ptp_stats *s, struct ptp_node *p,
				 uintptr_t ref, unsigned is_addr)
{
	uint32_t h, id;
	struct ptp_node *n;

	if (p == &s->other)
		return p;       /* below "(other paths)": counted there too */
	h = ptp_hash(p->id, ref) & s->index_mask;
	while ((id = s->index[h]) != 0) {
		n = ptp_node_of(s, id);
		if (n->ref == ref && n->parent == p->id) {
			p->last = n;
			if (atomic_load_explicit(&n->inherited, PTP_RELAXED))
				atomic_store_explicit(&n->inherited, 0, memory_order_release);
			return n;
		}
		h = (h + 1) & s->index_mask;
	}
	n = ptp_node_make(s, p->id, ref, is_addr, h);
	if (!n) {
		atomic_store_explicit(&s->other_used, 1, memory_order_release);
		return &s->other;
	}
	p->last = n;
	return n;
}

/* The bucket is outside the node's span: its first call places the
 * window around it; later, the node moves to a full array. */
void ptp_stats_hist_cold(struct ptp_node *n, unsigned b)
{
	_Atomic uint64_t *h = atomic_load_explicit(&n->hist, PTP_RELAXED), *full;

	if (h == n->win && n->hlen == 0) {
		unsigned base = b > 2 ? b - 2 : 0;

		n->wbase = (uint8_t)base;
		n->hoff = (uint8_t)base;
		n->hlen = PTP_HIST_WIN;
		PTP_BUMP(n->win[b - base], 1, memory_order_release);
		return;
	}
	if (b >= PTP_HIST_BUCKETS)
		b = PTP_HIST_BUCKETS - 1;
	if (h != n->win) {
		PTP_BUMP(h[b], 1, memory_order_release);
		return;
	}
	full = ptp_owner_calloc(PTP_HIST_BUCKETS, sizeof *full);
	if (!full) {
		PTP_BUMP(n->hist_missing, 1, memory_order_release);
		return;
	}
	for (unsigned i = 0; i < PTP_HIST_WIN; i++) {
		unsigned k = n->wbase + i < PTP_HIST_BUCKETS ? n->wbase + i : PTP_HIST_BUCKETS - 1;

		PTP_BUMP(full[k], atomic_load_explicit(&n->win[i], PTP_RELAXED), PTP_RELAXED);
	}
	PTP_BUMP(full[b], 1, PTP_RELAXED);
	/* Filled before the consumer can see it (see ptp_entry_put()). */
	atomic_store_explicit(&n->hist, full, memory_order_release);
	n->hoff = 0;
	n->hlen = PTP_HIST_BUCKETS;
}

void ptp_stats_settle(struct ptp_thread *t)
{
	struct ptp_node *n = t->st_pend_node;

	t->st_pend = 0;
	if (n) {
		/* An exit whose bucket is outside its node's span. */
		t->st_pend_node = NULL;
		ptp_stats_hist_cold(n, t->st_pend_b);
	} else {
		/* An enter that missed both guesses (see ptp_stats_enter()):
		 * the top frame's node from the hash, and the guess for next
		 * time after the last child. */
		struct ptp_open *f = &t->stack[t->depth - 1];
		struct ptp_stats *s = t->st;
		struct ptp_node *p = t->st_pend_parent, *l = p->last, *c;

		c = ptp_stats_child(s, p, f->ref, (unsigned)(f->ts_kind & 1));
		if (l != &s->other && c != &s->other)
			l->then = c;
		f->node = c;
	}
}

/* Traced open calls have a start time, filtered ones none (see capture.c). */
static inline int ptp_traced(const struct ptp_open *f)
{
	return (f->ts_kind >> 1) != 0;
}

/* On the innermost traced open call (calls held by PIPETRACE_MIN_DURATION
 * included), if one is remembered. */
void ptp_stats_exception(struct ptp_thread *t)
{
	uint32_t d = t->depth < t->stack_cap ? t->depth : t->stack_cap;

	while (d-- > 0)
		if (ptp_traced(&t->stack[d])) {
			PTP_BUMP(t->stack[d].node->exc, 1, memory_order_release);
			return;
		}
}

void ptp_stats_unwind(struct ptp_thread *t, uint32_t k, uint32_t top)
{
	struct ptp_open *f = t->stack, *to = &f[-1];

	if (top >= t->stack_cap)
		top = t->stack_cap - 1;
	for (uint32_t i = k + 1; i-- > 0;)
		if (ptp_traced(&f[i])) {
			to = &f[i];
			break;
		}
	for (uint32_t i = k + 1; i <= top; i++)
		if (ptp_traced(&f[i])) {
			PTP_BUMP(f[i].node->abandoned, 1, memory_order_release);
			to->callee += f[i].callee;
		}
}

static void ptp_node_zero(struct ptp_node *n)
{
	_Atomic uint64_t *h = atomic_load_explicit(&n->hist, PTP_RELAXED);

	atomic_store(&n->total, 0);
	atomic_store(&n->self, 0);
	atomic_store(&n->max, 0);
	atomic_store(&n->exc, 0);
	atomic_store(&n->abandoned, 0);
	atomic_store(&n->hist_missing, 0);
	for (unsigned i = 0; i < PTP_HIST_WIN; i++)
		atomic_store(&n->win[i], 0);
	if (h != n->win)
		for (unsigned i = 0; i < PTP_HIST_BUCKETS; i++)
			atomic_store(&h[i], 0);
}

/* Whether q is a node of s's (a frame's pointer, checked before use). */
static int ptp_node_valid(const struct ptp_stats *s, const struct ptp_node *q, uint32_t n)
{
	if (q == &s->root || q == &s->other)
		return 1;
	for (uint32_t k = 0; k <= n / PTP_NODE_CHUNK; k++) {
		const struct ptp_node_chunk *c = s->chunks[k];

		if (c && q >= c->node && q < c->node + PTP_NODE_CHUNK)
			return q->id >= 1 && q->id <= n;
	}
	return 0;
}

/* The child of a fork, in the forking thread t: the paths stay (its open
 * calls are on them), their figures start again from zero, and every node
 * is new to the reader.  The parent's other paths are none of the child's
 * until it enters them: marked inherited, not sent meanwhile (a child
 * showed every path its parent had taken, at zero, as if it had run them).
 * Every last-child cache is reset, so that the first call of each path in
 * the child takes ptp_stats_child(), which clears the mark. */
void ptp_stats_fork_child(struct ptp_thread *t)
{
	struct ptp_stats *s = t->st;
	uint32_t n = atomic_load(&s->n);
	uint32_t open = t->depth < t->stack_cap ? t->depth : t->stack_cap;
	int other_open = 0;

	for (uint32_t id = 1; id <= n; id++) {
		struct ptp_node_chunk *c = ptp_chunk(s, id);
		struct ptp_node *nd = &c->node[id % PTP_NODE_CHUNK];

		ptp_node_zero(nd);
		nd->last = &s->other;
		nd->then = NULL;
		atomic_store(&nd->inherited, 1);
		memset(&c->sent[id % PTP_NODE_CHUNK], 0, sizeof c->sent[0]);
	}
	s->root.last = &s->other;
	/* The calls open now, traced ones (a filtered frame's start is 0),
	 * and their paths up to the top are the child's. */
	for (uint32_t d = 0; d < open; d++) {
		struct ptp_node *nd = t->stack[d].node;

		if (!(t->stack[d].ts_kind >> 1) || !ptp_node_valid(s, nd, n))
			continue;
		if (nd == &s->other)
			other_open = 1;
		while (nd != &s->root && nd != &s->other && atomic_load(&nd->inherited)) {
			atomic_store(&nd->inherited, 0);
			if (!nd->parent)
				break;
			nd = ptp_node_of(s, nd->parent);
		}
	}
	ptp_node_zero(&s->other);
	memset(&s->other_sent, 0, sizeof s->other_sent);
	atomic_store(&s->other_used, other_open);
	s->cursor = 0;
	s->due = s->restart = s->round_dead = s->clean_dead = 0;
}

/* ---- the consumer's side ----------------------------------------------- */

/* Longest node entry: the fn fragment (name and file of up to 512 bytes
 * escaped) and the figures, well within a line. */
#define PTP_ENTRY_MAX 3072
/* Room for entries in one line, after its head and `,"nodes":[` and
 * before `]}\n`. */
#define PTP_BODY_MAX (PTP_LINE_MAX - 160 - 16)
/* The smallest entry takes more than 64 bytes: a batch holds fewer. */
#define PTP_PEND_MAX 80

struct ptp_pend {
	struct ptp_node_sent *sent;
	uint64_t key;
};

/* The entries in the batch being built, marked written with it. */
static struct ptp_pend ptp_pend[PTP_PEND_MAX];
static unsigned ptp_npend;
static unsigned ptp_stats_gen;          /* connection of the last rounds */
static uint64_t ptp_stats_next;         /* next periodic round, mono ns */

void ptp_stats_batch_written(unsigned gen)
{
	for (unsigned i = 0; i < ptp_npend; i++) {
		ptp_pend[i].sent->key = ptp_pend[i].key;
		ptp_pend[i].sent->gen = gen;
	}
	ptp_npend = 0;
}

/* Given up: the nodes stay due, and the round starts again from the first
 * so that no node's first line goes before its parent's. */
void ptp_stats_batch_lost(struct ptp_thread *owner)
{
	if (ptp_npend && owner && owner->st) {
		owner->st->restart = 1;
		owner->st->due = 1;
		owner->st->clean_dead = 0;
	}
	ptp_npend = 0;
}

void ptp_stats_after_fork(void)
{
	ptp_npend = 0;
	ptp_stats_gen = 0;
	ptp_stats_next = 0;
}

/* n's histogram into b (zeroed by the caller), *missing its calls that
 * no bucket took; returns n's calls, the sum of both.  Read first, with
 * acquire: every other figure covers at least these calls (stats.h). */
static uint64_t ptp_node_calls(const struct ptp_node *n, uint64_t *b, uint64_t *missing)
{
	_Atomic uint64_t *h = atomic_load_explicit(&n->hist, memory_order_acquire);
	uint64_t count = 0;

	if (h == n->win) {
		for (unsigned i = 0; i < PTP_HIST_WIN; i++) {
			unsigned k = n->wbase + i;

			b[k < PTP_HIST_BUCKETS ? k : PTP_HIST_BUCKETS - 1] +=
				atomic_load_explicit(&n->win[i], memory_order_acquire);
		}
	} else {
		for (unsigned i = 0; i < PTP_HIST_BUCKETS; i++)
			b[i] = atomic_load_explicit(&h[i], memory_order_acquire);
	}
	*missing = atomic_load_explicit(&n->hist_missing, memory_order_acquire);
	for (unsigned i = 0; i < PTP_HIST_BUCKETS; i++)
		count += b[i];
	return count + *missing;
}

/* The reader misses n's figures when the last ones it got (none: all
 * zero) differ from n's now. */
static int ptp_node_unsent(const struct ptp_node *n, const struct ptp_node_sent *sent,
			   unsigned gen)
{
	uint64_t b[PTP_HIST_BUCKETS] = { 0 }, missing;
	uint64_t key = ptp_node_calls(n, b, &missing) +
		       atomic_load_explicit(&n->exc, memory_order_acquire) +
		       atomic_load_explicit(&n->abandoned, memory_order_acquire);

	return key != (sent->gen == gen ? sent->key : 0);
}

uint64_t ptp_stats_unsent(const struct ptp_thread *t)
{
	const struct ptp_stats *s = t->st;
	struct ptp_node_sent was[PTP_PEND_MAX];
	uint64_t unsent = 0;
	unsigned gen;
	uint32_t n;

	if (!ptp_g.stats_ms || !s)
		return 0;
	gen = ptp_fifo_gen();
	/* The entries in the batch being built go in the same write as the
	 * tally that asks (both or neither reach the reader): counted as
	 * sent while we count, as ptp_stats_batch_written() will mark them. */
	for (unsigned i = 0; i < ptp_npend; i++) {
		was[i] = *ptp_pend[i].sent;
		ptp_pend[i].sent->key = ptp_pend[i].key;
		ptp_pend[i].sent->gen = gen;
	}
	n = atomic_load_explicit(&s->n, memory_order_acquire);
	for (uint32_t id = 1; id <= n; id++) {
		const struct ptp_node_chunk *c = ptp_chunk(s, id);

		unsent += ptp_node_unsent(&c->node[id % PTP_NODE_CHUNK],
					  &c->sent[id % PTP_NODE_CHUNK], gen);
	}
	if (atomic_load_explicit(&s->other_used, memory_order_acquire))
		unsent += ptp_node_unsent(&s->other, &s->other_sent, gen);
	/* (Backwards: a node twice in the batch gets its first value back.) */
	for (unsigned i = ptp_npend; i-- > 0;)
		*ptp_pend[i].sent = was[i];
	return unsent;
}

/* Writes node n's entry into buf if the reader has not got its figures
 * on connection gen; returns its length (0: nothing new), *key what the
 * entry says. */
static size_t ptp_entry_put(char *buf, const struct ptp_node *n, int other,
			    const struct ptp_node_sent *sent, unsigned gen, uint64_t *key)
{
	uint64_t b[PTP_HIST_BUCKETS] = { 0 }, missing;
	uint64_t count = ptp_node_calls(n, b, &missing);
	uint64_t self = atomic_load_explicit(&n->self, PTP_RELAXED);
	uint64_t total = atomic_load_explicit(&n->total, PTP_RELAXED);
	uint64_t max = atomic_load_explicit(&n->max, PTP_RELAXED);
	uint64_t exc = atomic_load_explicit(&n->exc, memory_order_acquire);
	uint64_t ab = atomic_load_explicit(&n->abandoned, memory_order_acquire);
	char *p = buf;
	int first = 1;

	*key = count + exc + ab;
	if (sent->gen == gen && sent->key == *key)
		return 0;
	p = PTP_PUT_U64(p, "{\"id\":", n->id);
	if (sent->gen != gen) {
		p = PTP_PUT_U64(p, ",\"parent\":", n->parent);
		if (other) {
			p = PTP_PUTS(p, ",\"fn\":\"(other paths)\",\"other\":true");
		} else {
			size_t len, fn_len;
			const char *frag = ptp_fn_frag(n->ref, n->is_addr, &len, &fn_len);

			*p++ = ',';
			p = ptp_put(p, frag, len);
		}
	}
	p = PTP_PUT_U64(p, ",\"count\":", count);
	p = PTP_PUT_U64(p, ",\"total\":", total);
	p = PTP_PUT_U64(p, ",\"self\":", self);
	p = PTP_PUT_U64(p, ",\"max\":", max);
	p = PTP_PUT_U64(p, ",\"exc\":", exc);
	p = PTP_PUT_U64(p, ",\"abandoned\":", ab);
	p = PTP_PUTS(p, ",\"hist\":[");
	for (unsigned i = 0; i < PTP_HIST_BUCKETS; i++) {
		if (!b[i])
			continue;
		if (!first)
			*p++ = ',';
		first = 0;
		*p++ = '[';
		p = ptp_fmt_u64(p, i);
		*p++ = ',';
		p = ptp_fmt_u64(p, b[i]);
		*p++ = ']';
	}
	*p++ = ']';
	if (missing) {
		p = PTP_PUT_U64(p, ",\"hist_missing\":", missing);
	}
	*p++ = '}';
	return (size_t)(p - buf);
}

/* Whether node nd waits: a fork's child has not entered it yet, or it is
 * new to the reader and its parent waits (a parent this round passed over
 * while still marked may have been entered since: its line goes first, in
 * the next round).  Parents come before their children in a round. */
static int ptp_node_held(const struct ptp_stats *s, const struct ptp_node *nd,
			 struct ptp_node_sent *sent, unsigned gen)
{
	int held = atomic_load_explicit(&nd->inherited, memory_order_acquire);

	if (!held && sent->gen != gen && nd->parent)
		held = ptp_chunk(s, nd->parent)->sent[nd->parent % PTP_NODE_CHUNK].held;
	sent->held = (unsigned char)held;
	return held;
}

/* One stats line of t's being built. */
struct ptp_sline {
	char body[PTP_BODY_MAX];
	size_t len;
	struct ptp_pend pend[PTP_PEND_MAX];
	unsigned npend;
	uint32_t first;                 /* cursor at its first entry */
};

/* The raw clock of t's next event still in its ring, 0: none.  A stats
 * line takes its ts from there (else now), like the other lines that are
 * no events: written before those events, it must not make them later. */
static uint64_t ptp_next_raw(struct ptp_thread *t)
{
	uint64_t tail, head;

	if (!t->ring)
		return 0;
	tail = atomic_load_explicit(&t->tail, PTP_RELAXED);
	head = atomic_load_explicit(&t->head, memory_order_acquire);
	return tail != head ? t->ring[tail & (PTP_RING_SIZE - 1)].ts : 0;
}

/* Puts the line in the batch.  0, or -1 when it could not go (pipe full,
 * reader gone, or a batch of t's given up meanwhile). */
static int ptp_sline_flush(struct ptp_thread *t, struct ptp_sline *l, uint64_t deadline)
{
	struct ptp_stats *s = t->st;
	char *p;
	uint64_t raw = ptp_next_raw(t);

	if (!l->len)
		return 0;
	p = ptp_room(t, 160 + 16 + l->len, deadline, raw);
	if (!p || s->restart)
		return -1;
	p = ptp_head(p, "stats", 5, ptp_meta_ns(t, raw), t);
	p = PTP_PUTS(p, ",\"nodes\":[");
	p = ptp_put(p, l->body, l->len);
	p = PTP_PUTS(p, "]}\n");
	ptp_commit(p);
	memcpy(ptp_pend + ptp_npend, l->pend, l->npend * sizeof l->pend[0]);
	ptp_npend += l->npend;
	l->len = 0;
	l->npend = 0;
	return 0;
}

/* Goes on with t's round: the nodes from s->cursor on, then "(other
 * paths)", whose figures the reader has not got.  0 when the round is
 * done, -1 when it must go on later (s->cursor says where). */
static int ptp_stats_round(struct ptp_thread *t, uint64_t deadline)
{
	static struct ptp_sline l;
	static char ent[PTP_ENTRY_MAX];
	struct ptp_stats *s = t->st;
	unsigned gen = ptp_fifo_gen();
	uint32_t n = atomic_load_explicit(&s->n, memory_order_acquire);

	if (s->restart) {
		s->restart = 0;
		s->cursor = 0;
	}
	if (!s->cursor) {
		s->cursor = 1;
		s->round_dead = (unsigned char)atomic_load_explicit(&t->dead, memory_order_acquire);
	}
	l.len = 0;
	l.npend = 0;
	for (; s->cursor <= n + 1; s->cursor++) {
		const struct ptp_node *nd;
		struct ptp_node_sent *sent;
		uint64_t key;
		size_t len;

		if (s->cursor <= n) {
			struct ptp_node_chunk *c = ptp_chunk(s, s->cursor);

			nd = &c->node[s->cursor % PTP_NODE_CHUNK];
			sent = &c->sent[s->cursor % PTP_NODE_CHUNK];
			if (ptp_node_held(s, nd, sent, gen))
				continue;
		} else if (atomic_load_explicit(&s->other_used, memory_order_acquire)) {
			nd = &s->other;
			sent = &s->other_sent;
		} else {
			continue;
		}
		len = ptp_entry_put(ent, nd, nd == &s->other, sent, gen, &key);
		if (!len)
			continue;
		if (l.len + 1 + len > PTP_BODY_MAX || l.npend == PTP_PEND_MAX) {
			if (ptp_sline_flush(t, &l, deadline) < 0) {
				s->cursor = l.first;
				return -1;
			}
		}
		if (!l.len)
			l.first = s->cursor;
		else
			l.body[l.len++] = ',';
		memcpy(l.body + l.len, ent, len);
		l.len += len;
		l.pend[l.npend].sent = sent;
		l.pend[l.npend++].key = key;
	}
	if (ptp_sline_flush(t, &l, deadline) < 0) {
		s->cursor = l.first;
		return -1;
	}
	s->cursor = 0;
	s->due = 0;
	if (s->round_dead)
		s->clean_dead = 1;
	return 0;
}

/* The result of a round for a pass: -1 only when the pipe is full (a
 * reader that went away gets everything again when it comes back). */
static int ptp_round_result(struct ptp_thread *t, uint64_t deadline)
{
	if (ptp_stats_round(t, deadline) == 0)
		return 0;
	if (t->st->restart) {
		/* A batch of ours was given up: later, from the first node. */
		t->st->restart = 0;
		t->st->cursor = 0;
	}
	return ptp_is_connected() ? -1 : 0;
}

int ptp_stats_pass(uint64_t deadline, struct ptp_thread *only)
{
	unsigned gen;
	uint64_t now;
	struct ptp_thread *t;

	if (!ptp_g.stats_ms || !ptp_is_connected())
		return 0;
	gen = ptp_fifo_gen();
	now = ptp_mono_ns();
	if (gen != ptp_stats_gen || now >= ptp_stats_next) {
		/* A new reader gets every node again, each after its
		 * parent: rounds in progress start over. */
		int fresh = gen != ptp_stats_gen;

		ptp_stats_gen = gen;
		ptp_stats_next = now + (uint64_t)ptp_g.stats_ms * 1000000u;
		for (t = atomic_load_explicit(&ptp_g.threads, memory_order_acquire); t; t = t->next)
			if (t->st) {
				t->st->due = 1;
				if (fresh) {
					t->st->cursor = 0;
					t->st->clean_dead = 0;
				}
			}
	}
	/* A thread that ended gets its last round at once, before the
	 * events it left (and so before its tally), and none after its
	 * tally. */
	for (t = only ? only : atomic_load_explicit(&ptp_g.threads, memory_order_acquire); t;
	     t = only ? NULL : t->next) {
		if (!t->st || ptp_tally_done(t))
			continue;
		if (atomic_load_explicit(&t->dead, memory_order_acquire)) {
			if (ptp_stats_final(t, deadline) < 0)
				return -1;
		} else if (t->st->due && ptp_round_result(t, deadline) < 0) {
			return -1;
		}
	}
	return 0;
}

int ptp_stats_owed(void)
{
	if (!ptp_g.stats_ms)
		return 0;
	if (ptp_npend)
		return 1;
	for (struct ptp_thread *t = atomic_load_explicit(&ptp_g.threads, memory_order_acquire); t;
	     t = t->next)
		if (t->st && !ptp_tally_done(t) &&
		    (t->st->due || (atomic_load_explicit(&t->dead, memory_order_acquire) &&
				    !t->st->clean_dead)))
			return 1;
	return 0;
}

int ptp_stats_final(struct ptp_thread *t, uint64_t deadline)
{
	if (!ptp_g.stats_ms)
		return 0;
	if (!t) {
		/* Exit: a last round for every thread, from its first node.
		 * Due, so that the passes after go on with the rounds that a
		 * full pipe stops here. */
		for (t = atomic_load_explicit(&ptp_g.threads, memory_order_acquire); t; t = t->next)
			if (t->st && !ptp_tally_done(t)) {
				t->st->cursor = 0;
				t->st->due = 1;
			}
		for (t = atomic_load_explicit(&ptp_g.threads, memory_order_acquire); t; t = t->next) {
			if (!t->st || ptp_tally_done(t))
				continue;
			if (ptp_round_result(t, deadline) < 0 || !ptp_is_connected())
				return -1;
		}
		return 0;
	}
	if (!t->st || t->st->clean_dead)
		return 0;
	/* A round begun while the thread still ran may have passed nodes
	 * it changed since: one that began after its end. */
	if (!t->st->round_dead)
		t->st->cursor = 0;
	return ptp_round_result(t, deadline);
}
