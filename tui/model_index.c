/* model_index.c - the model's lookups: allocation with byte accounting,
 * interned function names, merged paths keyed by (parent, function), the
 * current process of each pid and the threads of each process.  Open
 * addressing, tables at most half full. */
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

void model_ptrvec_push(struct model *m, struct ptrvec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void **nv = model_alloc(m, cap * sizeof(*nv));
		if (v->n)
			memcpy(nv, v->v, v->n * sizeof(*nv));
		model_release(m, v->v);
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = p;
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

static size_t path_hash(const void *owner, const struct mfunc *fn)
{
	return mix2((uintptr_t)owner, (uintptr_t)fn);
}

static const void *path_owner(const struct mpath *p)
{
	return p->parent ? (const void *)p->parent : (const void *)p->thread;
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

static void path_tab_insert(struct path_slot *tab, size_t cap, size_t h, struct mpath *p)
{
	size_t j = h & (cap - 1);
	while (tab[j].p)
		j = (j + 1) & (cap - 1);
	tab[j] = (struct path_slot){ .hash = h, .p = p };
}

static void path_tab_grow(struct model *m)
{
	size_t ncap = m->pcap ? m->pcap * 2 : 64;
	struct path_slot *nt = model_calloc(m, ncap * sizeof(*nt));
	for (size_t i = 0; i < m->pcap; i++)
		if (m->ptab[i].p)
			path_tab_insert(nt, ncap, m->ptab[i].hash, m->ptab[i].p);
	model_release(m, m->ptab);
	m->ptab = nt;
	m->pcap = ncap;
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

struct mpath *model_path_get(struct model *m, struct thread_ent *t, struct mpath *parent,
			      struct func_ent *f)
{
	const void *owner = parent ? (const void *)parent : (const void *)&t->pub;
	size_t h = path_hash(owner, &f->pub);
	if (m->pcap) {
		size_t mask = m->pcap - 1;
		for (size_t i = h & mask;; i = (i + 1) & mask) {
			struct path_slot *sl = &m->ptab[i];
			if (!sl->p)
				break;
			if (sl->hash == h && sl->p->fn == &f->pub && path_owner(sl->p) == owner)
				return sl->p;
		}
	}
	if ((m->paths.n + 1) * 2 > m->pcap)
		path_tab_grow(m);
	struct path_ent *pe = model_calloc(m, sizeof(*pe));
	struct mpath *p = &pe->pub;
	model_ptrvec_push(m, &m->paths, pe);
	p->node.id = MODEL_ID(m->paths.n, MN_PATH);
	p->node.kind = MN_PATH;
	p->fn = &f->pub;
	p->thread = &t->pub;
	p->parent = parent;
	if (parent) {
		struct path_ent *pp = MODEL_CONTAINER(parent, struct path_ent, pub);
		if (pp->tail)
			pp->tail->next = p;
		else
			parent->children = p;
		pp->tail = p;
	} else {
		if (t->paths_tail)
			t->paths_tail->next = p;
		else
			t->pub.paths = p;
		t->paths_tail = p;
	}
	path_tab_insert(m->ptab, m->pcap, h, p);
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

/* A new entry for `pid`, which becomes the pid's current one. */
struct proc_ent *model_proc_new(struct model *m, int32_t pid, int64_t ts)
{
	struct proc_ent *p = model_calloc(m, sizeof(*p));
	model_ptrvec_push(m, &m->procs, p);
	p->serial = (uint32_t)m->procs.n;
	p->pub.node.id = MODEL_ID(m->procs.n, MN_PROCESS);
	p->pub.node.kind = MN_PROCESS;
	p->pub.pid = pid;
	p->pub.prog = model_strdup(m, "", 0);
	p->pub.state = PROC_LIVE;
	p->pub.first_ts = p->pub.last_ts = ts;
	if (m->proc_tail)
		m->proc_tail->next = &p->pub;
	else
		m->proc_head = &p->pub;
	m->proc_tail = &p->pub;
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
	t->pub.node.kind = MN_THREAD;
	t->pub.tid = tid;
	t->orph_hi = -1;
	t->pub.proc = &p->pub;
	if (p->threads_tail)
		p->threads_tail->next = &t->pub;
	else
		p->pub.threads = &t->pub;
	p->threads_tail = &t->pub;
	p->pub.nthreads++;
	m->st.threads++;
	if ((m->threads.n + 1) * 2 > m->tcap)
		tab_grow(m, (void ***)&m->ttab, &m->tcap, thread_hash_of);
	tab_insert((void **)m->ttab, m->tcap, thread_hash(&p->pub, tid), t);
	return t;
}

struct thread_ent *model_thread_get(struct model *m, int32_t pid, int32_t tid, int64_t ts)
{
	if (m->c_thr && m->c_pid == pid && m->c_tid == tid)
		return m->c_thr;
	struct proc_ent *p = model_proc_get(m, pid, ts);
	struct thread_ent *t = NULL;
	if (m->tcap) {
		size_t mask = m->tcap - 1;
		for (size_t i = thread_hash(&p->pub, tid) & mask; m->ttab[i]; i = (i + 1) & mask) {
			struct thread_ent *c = m->ttab[i];
			if (c->pub.tid == tid && c->pub.proc == &p->pub) {
				t = c;
				break;
			}
		}
	}
	if (!t)
		t = thread_new(m, p, tid);
	m->c_pid = pid;
	m->c_tid = tid;
	m->c_thr = t;
	return t;
}
