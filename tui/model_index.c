/* model_index.c - the model's lookups: allocation with byte accounting,
 * interned function names, merged paths keyed by (parent, function), the
 * current process of each pid and the threads of each process.  Open
 * addressing, tables at most half full (the paths' at most 3/4: there
 * are many more of those). */
#include <config.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

/* ---- allocation ------------------------------------------------------ */

static void *check(void *p)
{
	if (!p) {
		fputs("pipetrace-tui: out of memory in the trace model\n", stderr);
		abort();
	}
	return p;
}

void *model_alloc(struct model *m, size_t size)
{
	void *p = check(malloc(size ? size : 1));
	m->st.bytes += malloc_usable_size(p) + MALLOC_OVERHEAD;
	return p;
}

void *model_calloc(struct model *m, size_t size)
{
	void *p = check(calloc(1, size ? size : 1));
	m->st.bytes += malloc_usable_size(p) + MALLOC_OVERHEAD;
	return p;
}

void model_release(struct model *m, void *p)
{
	if (!p)
		return;
	m->st.bytes -= malloc_usable_size(p) + MALLOC_OVERHEAD;
	free(p);
}

char *model_strdup(struct model *m, const char *s, size_t len)
{
	char *d = model_alloc(m, len + 1);
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void *model_grow(struct model *m, void *arr, size_t n, size_t *cap, size_t elem_size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *na = model_alloc(m, ncap * elem_size);
	if (n)
		memcpy(na, arr, n * elem_size);
	model_release(m, arr);
	*cap = ncap;
	return na;
}

void model_ptrvec_push(struct model *m, struct ptrvec *v, void *p)
{
	if (v->n == v->cap)
		v->v = model_grow(m, v->v, v->n, &v->cap, sizeof(*v->v));
	v->v[v->n++] = p;
}

uint32_t model_chunkvec_add(struct model *m, struct chunkvec *v, size_t elem_size)
{
	if (v->n == UINT32_MAX - 1) {
		/* Some 340 GB of paths: memory runs out long before. */
		fputs("pipetrace-tui: too many call paths for the trace model\n", stderr);
		abort();
	}
	uint32_t s = ++v->n;
	size_t ci = s >> PATH_CHUNK_SHIFT;
	if (ci == v->nchunk) {
		if (v->nchunk == v->capchunk)
			v->chunk = model_grow(m, v->chunk, v->nchunk, &v->capchunk, sizeof(*v->chunk));
		v->chunk[v->nchunk++] = model_calloc(m, elem_size << PATH_CHUNK_SHIFT);
	}
	return s;
}

void model_chunkvec_free(struct model *m, struct chunkvec *v)
{
	for (size_t i = 0; i < v->nchunk; i++)
		model_release(m, v->chunk[i]);
	model_release(m, v->chunk);
	memset(v, 0, sizeof(*v));
}

/* ---- hashing --------------------------------------------------------- */

static uint32_t str_hash(const char *s, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15u ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9u;
		h ^= h >> 31;
		s += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0x94D049BB133111EBu;
	h ^= h >> 29;
	return (uint32_t)h;
}

static size_t mix2(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15u ^ b * 0xC2B2AE3D27D4EB4Fu;
	h ^= h >> 32;
	return (size_t)(h * 0xBF58476D1CE4E5B9u >> 16);
}

static size_t func_hash_of(const void *p)
{
	return ((const struct func_ent *)p)->hash;
}

/* A path's key: its parent, or its thread for a root path. */
static size_t path_hash(uint32_t parent, uint32_t thread, const struct mfunc *fn)
{
	return mix2(parent ? parent : (uint64_t)thread << 32, (uintptr_t)fn);
}

static size_t path_hash_of(const struct mpath *p)
{
	return path_hash(p->link.parent, p->link.thread, p->fn);
}

static size_t pid_hash(int32_t pid)
{
	return mix2((uint32_t)pid, 1);
}

static size_t pid_hash_of(const void *p)
{
	return pid_hash(((const struct proc_ent *)p)->pub.pid);
}

static size_t thread_hash(const struct mprocess *proc, int32_t tid)
{
	return mix2((uintptr_t)proc, (uint32_t)tid);
}

static size_t thread_hash_of(const void *p)
{
	const struct mthread *t = p;
	return thread_hash(t->proc, t->tid);
}

/* Open addressing with linear probing; tables are powers of two kept at
 * most half full. */
static void tab_grow(struct model *m, void ***tab, size_t *cap, size_t (*hash)(const void *))
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void **nt = model_calloc(m, ncap * sizeof(*nt));
	for (size_t i = 0; i < *cap; i++) {
		void *e = (*tab)[i];
		if (!e)
			continue;
		size_t j = hash(e) & (ncap - 1);
		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = e;
	}
	model_release(m, *tab);
	*tab = nt;
	*cap = ncap;
}

static void tab_insert(void **tab, size_t cap, size_t h, void *e)
{
	size_t j = h & (cap - 1);
	while (tab[j])
		j = (j + 1) & (cap - 1);
	tab[j] = e;
}

static void path_tab_insert(uint32_t *tab, size_t cap, size_t h, uint32_t serial)
{
	size_t j = h & (cap - 1);
	while (tab[j])
		j = (j + 1) & (cap - 1);
	tab[j] = serial;
}

static void path_tab_grow(struct model *m)
{
	size_t ncap = m->pcap ? m->pcap * 2 : 64;
	uint32_t *nt = model_calloc(m, ncap * sizeof(*nt));
	for (size_t i = 0; i < m->pcap; i++) {
		uint32_t s = m->ptab[i];
		if (s)
			path_tab_insert(nt, ncap, path_hash_of(model_path_at(m, s)), s);
	}
	model_release(m, m->ptab);
	m->ptab = nt;
	m->pcap = ncap;
}

/* A table without the entries gone(): rebuilt at the same size. */
static void tab_rebuild(struct model *m, void **tab, size_t cap, size_t (*hash)(const void *),
			bool (*gone)(const struct model *, const void *))
{
	if (!cap)
		return;
	void **keep = model_alloc(m, cap * sizeof(*keep));
	size_t n = 0;
	for (size_t i = 0; i < cap; i++)
		if (tab[i] && !gone(m, tab[i]))
			keep[n++] = tab[i];
	memset(tab, 0, cap * sizeof(*tab));
	for (size_t i = 0; i < n; i++)
		tab_insert(tab, cap, hash(keep[i]), keep[i]);
	model_release(m, keep);
}

static bool proc_gone(const struct model *m, const void *e)
{
	const struct proc_ent *p = e;
	return m->procs.v[p->serial - 1] != p;
}

static bool thread_gone(const struct model *m, const void *e)
{
	const struct thread_ent *t = e;
	return m->threads.v[MODEL_ID_SERIAL(t->pub.node.id) - 1] != t;
}

void model_index_rebuild(struct model *m)
{
	tab_rebuild(m, (void **)m->pidtab, m->pidcap, pid_hash_of, proc_gone);
	m->npid = 0;
	for (size_t i = 0; i < m->pidcap; i++)
		m->npid += m->pidtab[i] != NULL;
	tab_rebuild(m, (void **)m->ttab, m->tcap, thread_hash_of, thread_gone);
	if (m->pcap) {
		uint32_t *keep = model_alloc(m, m->pcap * sizeof(*keep));
		size_t n = 0;
		for (size_t i = 0; i < m->pcap; i++)
			if (m->ptab[i] && model_path_at(m, m->ptab[i])->node.id)
				keep[n++] = m->ptab[i];
		memset(m->ptab, 0, m->pcap * sizeof(*m->ptab));
		for (size_t i = 0; i < n; i++)
			path_tab_insert(m->ptab, m->pcap, path_hash_of(model_path_at(m, keep[i])), keep[i]);
		model_release(m, keep);
	}
}

/* ---- functions ------------------------------------------------------- */

static struct func_ent *func_lookup_h(const struct model *m, const char *s, size_t len, uint32_t h)
{
	if (!m->fcap)
		return NULL;
	size_t mask = m->fcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct func_ent *f = m->ftab[i];
		if (!f)
			return NULL;
		if (f->hash == h && f->len == len && memcmp(f->pub.name, s, len) == 0)
			return f;
	}
}

struct func_ent *model_func_lookup(const struct model *m, const char *s, size_t len)
{
	return func_lookup_h(m, s, len, str_hash(s, len));
}

struct func_ent *model_func_intern(struct model *m, const char *s, size_t len)
{
	uint32_t h = str_hash(s, len);
	struct func_ent *f = func_lookup_h(m, s, len, h);
	if (f)
		return f;
	if ((m->funcs.n + 1) * 2 > m->fcap)
		tab_grow(m, (void ***)&m->ftab, &m->fcap, func_hash_of);
	f = model_calloc(m, sizeof(*f));
	f->pub.name = model_strdup(m, s, len);
	f->len = (uint32_t)len;
	f->hash = h;
	hist_init(&f->pub.hist);
	tab_insert((void **)m->ftab, m->fcap, h, f);
	model_ptrvec_push(m, &m->funcs, f);
	return f;
}

/* ---- paths ----------------------------------------------------------- */

struct mpath *model_path_find(const struct model *m, const struct thread_ent *t,
			      const struct mpath *parent, const struct func_ent *f)
{
	uint32_t ps = parent ? model_path_serial(parent) : 0;
	uint32_t ts = (uint32_t)MODEL_ID_SERIAL(t->pub.node.id);
	if (!m->pcap)
		return NULL;
	size_t mask = m->pcap - 1;
	for (size_t i = path_hash(ps, ts, &f->pub) & mask; m->ptab[i]; i = (i + 1) & mask) {
		struct mpath *p = model_path_at(m, m->ptab[i]);
		if (p->fn == &f->pub && p->link.parent == ps && p->link.thread == ts)
			return p;
	}
	return NULL;
}

struct mpath *model_path_get(struct model *m, struct thread_ent *t, struct mpath *parent,
			      struct func_ent *f)
{
	struct mpath *found = model_path_find(m, t, parent, f);
	if (found)
		return found;
	uint32_t ps = parent ? model_path_serial(parent) : 0;
	uint32_t ts = (uint32_t)MODEL_ID_SERIAL(t->pub.node.id);
	size_t h = path_hash(ps, ts, &f->pub);
	/* The bound: a new path only at the top level now (model.h). */
	if (parent && m->paths.n >= m->cfg.max_paths) {
		m->paths_full = true;
		return model_path_get(m, t, NULL, f);
	}
	if ((m->paths.n + 1) * 4 > m->pcap * 3)
		path_tab_grow(m);
	uint32_t s = model_chunkvec_add(m, &m->paths, sizeof(struct mpath));
	struct mpath *p = model_path_at(m, s);
	p->node.id = MODEL_ID(s, MN_PATH);
	p->fn = &f->pub;
	p->link.thread = ts;
	p->link.parent = ps;
	/* Siblings form a ring through link.next, the parent knowing the
	 * last: appending is O(1) without a tail link in every path. */
	uint32_t *last = parent ? &parent->link.last_child : &t->paths_last;
	if (*last) {
		struct mpath *l = model_path_at(m, *last);
		p->link.next = l->link.next;
		l->link.next = s;
	} else {
		p->link.next = s;
		if (!parent)
			t->pub.paths = p;
	}
	*last = s;
	path_tab_insert(m->ptab, m->pcap, h, s);
	m->st.paths++;
	return p;
}

/* ---- processes and threads ------------------------------------------- */

struct proc_ent *model_proc_lookup(const struct model *m, int32_t pid)
{
	if (!m->pidcap)
		return NULL;
	size_t mask = m->pidcap - 1;
	for (size_t i = pid_hash(pid) & mask;; i = (i + 1) & mask) {
		struct proc_ent *p = m->pidtab[i];
		if (!p)
			return NULL;
		if (p->pub.pid == pid)
			return p;
	}
}

/* Processes by pid and the threads of each by tid: on Linux that is the
 * order they were made in (a parent before its children, a main thread
 * before its workers), whereas the order their events arrive in is the
 * writers' (libpipetrace flushes the newest thread first).  Equal keys (a
 * pid reused) keep their order.  A new one nearly always goes last, which
 * the tail says at once; past LIST_SORT_MAX entries (hostile input) new
 * ones are appended, so that a flood of descending ids costs no more than
 * ascending ones. */
#define LIST_SORT_MAX 4096

static void proc_link(struct model *m, struct mprocess *p)
{
	struct mprocess **at = &m->proc_head;
	if (m->proc_tail && (m->proc_tail->pid <= p->pid || m->st.processes >= LIST_SORT_MAX))
		at = &m->proc_tail->next;
	else
		while (*at && (*at)->pid <= p->pid)
			at = &(*at)->next;
	p->next = *at;
	*at = p;
	if (!p->next)
		m->proc_tail = p;
}

static void thread_link(struct proc_ent *p, struct mthread *t)
{
	struct mthread **at = &p->pub.threads;
	if (p->threads_tail && (p->threads_tail->tid <= t->tid || p->pub.nthreads >= LIST_SORT_MAX))
		at = &p->threads_tail->next;
	else
		while (*at && (*at)->tid <= t->tid)
			at = &(*at)->next;
	t->next = *at;
	*at = t;
	if (!t->next)
		p->threads_tail = t;
}

/* A new entry for `pid`, which becomes the pid's current one. */
struct proc_ent *model_proc_new(struct model *m, int32_t pid, int64_t ts)
{
	struct proc_ent *p = model_calloc(m, sizeof(*p));
	model_ptrvec_push(m, &m->procs, p);
	p->serial = (uint32_t)m->procs.n;
	p->pub.node.id = MODEL_ID(m->procs.n, MN_PROCESS);
	p->pub.pid = pid;
	p->pub.prog = model_strdup(m, "", 0);
	p->pub.state = PROC_LIVE;
	p->pub.first_ts = p->pub.last_ts = ts;
	proc_link(m, &p->pub);
	m->st.processes++;

	if (m->pidcap) {
		size_t mask = m->pidcap - 1;
		for (size_t i = pid_hash(pid) & mask; m->pidtab[i]; i = (i + 1) & mask) {
			if (m->pidtab[i]->pub.pid == pid) {
				m->pidtab[i] = p;
				goto done;
			}
		}
	}
	if ((m->npid + 1) * 2 > m->pidcap)
		tab_grow(m, (void ***)&m->pidtab, &m->pidcap, pid_hash_of);
	tab_insert((void **)m->pidtab, m->pidcap, pid_hash(pid), p);
	m->npid++;
done:
	if (m->c_pid == pid)
		m->c_thr = NULL;
	return p;
}

struct proc_ent *model_proc_get(struct model *m, int32_t pid, int64_t ts)
{
	struct proc_ent *p = model_proc_lookup(m, pid);
	return p ? p : model_proc_new(m, pid, ts);
}

static struct thread_ent *thread_new(struct model *m, struct proc_ent *p, int32_t tid)
{
	struct thread_ent *t = model_calloc(m, sizeof(*t));
	model_ptrvec_push(m, &m->threads, t);
	t->pub.node.id = MODEL_ID(m->threads.n, MN_THREAD);
	t->pub.tid = tid;
	t->orph_hi = -1;
	t->span_lost_end = INT64_MIN;
	t->pub.proc = &p->pub;
	/* its figures come from stats when its process sends them */
	t->pub.stats = p->pub.stats_ms != 0;
	m->st.stats_threads += t->pub.stats;
	thread_link(p, &t->pub);
	p->pub.nthreads++;
	m->st.threads++;
	if ((m->threads.n + 1) * 2 > m->tcap)
		tab_grow(m, (void ***)&m->ttab, &m->tcap, thread_hash_of);
	tab_insert((void **)m->ttab, m->tcap, thread_hash(&p->pub, tid), t);
	return t;
}

static struct thread_ent *thread_lookup(const struct model *m, const struct proc_ent *p,
				       int32_t tid)
{
	if (!m->tcap)
		return NULL;
	size_t mask = m->tcap - 1;
	for (size_t i = thread_hash(&p->pub, tid) & mask; m->ttab[i]; i = (i + 1) & mask) {
		struct thread_ent *c = m->ttab[i];
		if (c->pub.tid == tid && c->pub.proc == &p->pub)
			return c;
	}
	return NULL;
}

const struct mthread *model_thread_find(const struct model *m, int32_t pid, int32_t tid)
{
	const struct proc_ent *p = model_proc_lookup(m, pid);
	const struct thread_ent *t = p ? thread_lookup(m, p, tid) : NULL;
	return t ? &t->pub : NULL;
}

struct thread_ent *model_thread_get(struct model *m, int32_t pid, int32_t tid, int64_t ts)
{
	if (m->c_thr && m->c_pid == pid && m->c_tid == tid)
		return m->c_thr;
	struct proc_ent *p = model_proc_get(m, pid, ts);
	struct thread_ent *t = thread_lookup(m, p, tid);
	if (!t)
		t = thread_new(m, p, tid);
	m->c_pid = pid;
	m->c_tid = tid;
	m->c_thr = t;
	return t;
}
