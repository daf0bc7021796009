/* export.c - Chrome Trace Event JSON and collapsed stacks, streamed.
 *
 * Per thread only the open calls are kept; per distinct call path one node
 * (its self time, for the collapsed stacks); per distinct function name one
 * interned copy.  Chrome events go to the file as each call ends.
 *
 * The collapsed stacks of a thread whose writer sent stats are the model's
 * paths with their exact self times (every call counted in the traced
 * thread, whatever events were dropped), not the calls that arrived; its
 * label then says no events lost.  The Chrome trace is always the
 * individual calls that arrived. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "grow.h"

#define NONE UINT32_MAX
/* Open calls kept per thread: past it enters are ignored and counted, as
 * in the model, so that hostile input cannot grow a stack without end. */
#define EXPORT_MAX_DEPTH (1u << 16)

/* uint64 key -> uint32 value, open addressing; NONE marks a free slot. */
struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
};

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	return k ^ (k >> 33);
}

static uint32_t *map_slot(struct u64map *mp, uint64_t key)
{
	size_t i = mix64(key) & (mp->cap - 1);
	while (mp->vals[i] != NONE && mp->keys[i] != key)
		i = (i + 1) & (mp->cap - 1);
	mp->keys[i] = key;
	return &mp->vals[i];
}

static bool map_grow(struct u64map *mp)
{
	size_t ncap = mp->cap ? mp->cap * 2 : 256;
	struct u64map nm = { malloc(ncap * sizeof *nm.keys), malloc(ncap * sizeof *nm.vals), ncap, mp->n };
	if (!nm.keys || !nm.vals) {
		free(nm.keys);
		free(nm.vals);
		return false;
	}
	memset(nm.vals, 0xff, ncap * sizeof *nm.vals);
	for (size_t i = 0; i < mp->cap; i++)
		if (mp->vals[i] != NONE)
			*map_slot(&nm, mp->keys[i]) = mp->vals[i];
	free(mp->keys);
	free(mp->vals);
	*mp = nm;
	return true;
}

/* The value for key, or NONE; with `add` != NONE, stores it when absent. */
static uint32_t map_get(struct u64map *mp, uint64_t key, uint32_t add)
{
	if (!mp->cap || (add != NONE && (mp->n + 1) * 4 > mp->cap * 3)) {
		if (add == NONE && !mp->cap)
			return NONE;
		if (!map_grow(mp))
			return NONE;
	}
	size_t i = mix64(key) & (mp->cap - 1);
	while (mp->vals[i] != NONE) {
		if (mp->keys[i] == key)
			return mp->vals[i];
		i = (i + 1) & (mp->cap - 1);
	}
	if (add == NONE)
		return NONE;
	mp->keys[i] = key;
	mp->vals[i] = add;
	mp->n++;
	return add;
}

/* A growable byte buffer; a failed growth is remembered, not fatal. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

struct name {
	char *s;
	size_t len;
};

struct frame {
	int64_t ts;              /* the enter's own time */
	int64_t start;           /* as exported: no earlier than the parent's floor */
	int64_t floor;           /* its start, then its last finished child's end */
	uint64_t child_ns;       /* its finished children's exported durations */
	size_t pend;             /* where its held-back descendants start in pending */
	uint32_t fn;
	uint32_t node;
	int32_t depth;
};

struct xthread {
	int32_t pid, tid;
	uint32_t proc;
	uint32_t root;           /* its path root node */
	struct frame *frames;
	uint32_t nframes;
	size_t cap;
	int64_t floor;           /* end of its last outermost call */
	bool has_floor;
	uint64_t exits_unmatched; /* exits with no open call of their depth and name */
	uint64_t too_deep;
	/* Chrome events of ended calls that started with their still open
	 * parent: written after the parent (see place()). */
	struct sbuf pending;
};

struct xproc {
	int32_t pid;
	int64_t last_ts;
	bool named;
};

struct pnode {                   /* one call path of one thread */
	uint32_t parent;         /* NONE for a thread's root */
	uint32_t fn;             /* for a root: the thread's index */
	uint64_t self_ns;        /* finished calls only */
};

struct export {
	char *chrome_path, *collapsed_path;
	FILE *chrome;
	FILE *collapsed;         /* owned: given open by export_open_fds(), else NULL */
	bool chrome_first;       /* no event written yet */
	struct sbuf scratch;     /* the event being written */
	bool oom;

	struct name *names;
	size_t nnames, cap_names;
	uint32_t *name_slots;    /* hash of names: index + 1, 0 free */
	size_t cap_slots;

	struct xthread *threads;
	size_t nthreads, cap_threads;
	struct u64map thread_map;
	struct xproc *procs;
	size_t nprocs, cap_procs;
	struct u64map proc_map;

	struct pnode *nodes;
	size_t nnodes, cap_nodes;
	struct u64map node_map;  /* parent << 32 | fn -> node */
};

struct export *export_create(void)
{
	return calloc(1, sizeof(struct export));
}

bool export_add_spec(struct export *x, const char *spec, char *err, size_t errsize)
{
	const char *colon = strchr(spec, ':');
	char **slot = NULL;

	if (colon && colon - spec == 6 && !strncmp(spec, "chrome", 6))
		slot = &x->chrome_path;
	else if (colon && colon - spec == 9 && !strncmp(spec, "collapsed", 9))
		slot = &x->collapsed_path;
	if (!slot || !colon[1]) {
		snprintf(err, errsize, "--export wants FORMAT:FILE with FORMAT chrome or collapsed");
		return false;
	}
	if (*slot) {
		snprintf(err, errsize, "--export %.*s given twice", (int)(colon - spec), spec);
		return false;
	}
	*slot = strdup(colon + 1);
	if (!*slot) {
		snprintf(err, errsize, "out of memory");
		return false;
	}
	return true;
}

bool export_active(const struct export *x)
{
	return x && (x->chrome_path || x->collapsed_path);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!a || !b)
		return false;
	if (!strcmp(a, b))
		return true;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

const char *export_clash(const struct export *x, const char *path)
{
	if (same_file(x->chrome_path, path))
		return x->chrome_path;
	if (same_file(x->collapsed_path, path))
		return x->collapsed_path;
	return NULL;
}

static void chrome_begin(struct export *x)
{
	setvbuf(x->chrome, NULL, _IOFBF, 1 << 20);
	fputs("{\"traceEvents\":[\n", x->chrome);
	x->chrome_first = true;
}

bool export_open_fds(struct export *x, int chrome_fd, const char *chrome_path,
		     int collapsed_fd, const char *collapsed_path, char *err, size_t errsize)
{
	x->chrome_path = chrome_fd >= 0 ? strdup(chrome_path) : NULL;
	x->collapsed_path = collapsed_fd >= 0 ? strdup(collapsed_path) : NULL;
	x->chrome = chrome_fd >= 0 && x->chrome_path ? fdopen(chrome_fd, "w") : NULL;
	x->collapsed = collapsed_fd >= 0 && x->collapsed_path ? fdopen(collapsed_fd, "w") : NULL;
	if ((chrome_fd >= 0 && !x->chrome) || (collapsed_fd >= 0 && !x->collapsed)) {
		if (chrome_fd >= 0 && !x->chrome)
			close(chrome_fd);
		if (collapsed_fd >= 0 && !x->collapsed)
			close(collapsed_fd);
		snprintf(err, errsize, "out of memory");
		return false;
	}
	if (x->chrome)
		chrome_begin(x);
	return true;
}

bool export_open(struct export *x, char *err, size_t errsize)
{
	if (same_file(x->chrome_path, x->collapsed_path)) {
		snprintf(err, errsize, "--export chrome and collapsed both name %.1000s",
			 x->chrome_path);
		return false;
	}
	if (x->chrome_path) {
		x->chrome = fopen(x->chrome_path, "we");
		if (!x->chrome) {
			snprintf(err, errsize, "cannot write %.1000s: %s", x->chrome_path, strerror(errno));
			return false;
		}
		chrome_begin(x);
	}
	if (x->collapsed_path) {
		/* Written at the end; created now so that a bad path is told at once. */
		FILE *f = fopen(x->collapsed_path, "we");
		if (!f) {
			snprintf(err, errsize, "cannot write %.1000s: %s", x->collapsed_path,
				 strerror(errno));
			return false;
		}
		fclose(f);
	}
	return true;
}

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static uint32_t intern(struct export *x, const char *s, size_t len)
{
	if ((x->nnames + 1) * 4 > x->cap_slots * 3) {
		size_t ncap = x->cap_slots ? x->cap_slots * 2 : 1024;
		uint32_t *ns = calloc(ncap, sizeof *ns);
		if (!ns)
			return NONE;
		for (size_t i = 0; i < x->nnames; i++) {
			size_t j = hash_str(x->names[i].s, x->names[i].len) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = (uint32_t)i + 1;
		}
		free(x->name_slots);
		x->name_slots = ns;
		x->cap_slots = ncap;
	}
	size_t j = hash_str(s, len) & (x->cap_slots - 1);
	while (x->name_slots[j]) {
		const struct name *n = &x->names[x->name_slots[j] - 1];
		if (n->len == len && !memcmp(n->s, s, len))
			return x->name_slots[j] - 1;
		j = (j + 1) & (x->cap_slots - 1);
	}
	char *copy = malloc(len + 1);
	if (!copy || !pt_grow((void **)&x->names, &x->cap_names, x->nnames + 1, sizeof *x->names)) {
		free(copy);
		return NONE;
	}
	memcpy(copy, s, len);
	copy[len] = 0;
	x->names[x->nnames] = (struct name){ copy, len };
	x->name_slots[j] = (uint32_t)x->nnames + 1;
	return (uint32_t)x->nnames++;
}

static uint32_t node_get(struct export *x, uint32_t parent, uint32_t fn)
{
	uint64_t key = (uint64_t)parent << 32 | fn;
	uint32_t id = map_get(&x->node_map, key, NONE);
	if (id != NONE)
		return id;
	if (!pt_grow((void **)&x->nodes, &x->cap_nodes, x->nnodes + 1, sizeof *x->nodes))
		return NONE;
	id = (uint32_t)x->nnodes;
	if (map_get(&x->node_map, key, id) != id)
		return NONE;
	x->nodes[x->nnodes++] = (struct pnode){ parent, fn, 0 };
	return id;
}

static struct xproc *proc_get(struct export *x, int32_t pid)
{
	uint32_t i = map_get(&x->proc_map, (uint32_t)pid, NONE);
	if (i != NONE)
		return &x->procs[i];
	if (!pt_grow((void **)&x->procs, &x->cap_procs, x->nprocs + 1, sizeof *x->procs) ||
	    map_get(&x->proc_map, (uint32_t)pid, (uint32_t)x->nprocs) == NONE)
		return NULL;
	x->procs[x->nprocs] = (struct xproc){ .pid = pid, .last_ts = INT64_MIN };
	return &x->procs[x->nprocs++];
}

static struct xthread *thread_get(struct export *x, int32_t pid, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)pid << 32 | (uint32_t)tid;
	uint32_t i = map_get(&x->thread_map, key, NONE);
	if (i != NONE)
		return &x->threads[i];
	struct xproc *p = proc_get(x, pid);
	if (!p || !pt_grow((void **)&x->threads, &x->cap_threads, x->nthreads + 1, sizeof *x->threads))
		return NULL;
	/* A root's key cannot collide with a call path's: those have a
	 * node as parent, never NONE. */
	uint32_t root = node_get(x, NONE, (uint32_t)x->nthreads);
	if (root == NONE || map_get(&x->thread_map, key, (uint32_t)x->nthreads) == NONE)
		return NULL;
	x->threads[x->nthreads] = (struct xthread){
		.pid = pid, .tid = tid, .proc = (uint32_t)(p - x->procs), .root = root,
	};
	return &x->threads[x->nthreads++];
}

/* --- writing ------------------------------------------------------------ */

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap && !pt_grow((void **)&b->p, &b->cap, b->len + n, 1)) {
		b->oom = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A string from the trace as JSON: it is valid UTF-8 without NUL (the
 * parser saw to that) but may hold any control character. */
static void put_json_str(struct sbuf *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	sb_putc(f, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		sb_put(f, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			sb_putc(f, '\\');
			sb_putc(f, c);
		} else {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sb_put(f, u, sizeof u);
		}
	}
	sb_put(f, s + run, len - run);
	sb_putc(f, '"');
}

static char *fmt_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* ns as fractional microseconds, exactly: "123.456". */
static void put_us(struct sbuf *f, int64_t ns)
{
	char buf[32], *end = buf + sizeof buf, *p;
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	p = end;
	uint64_t frac = a % 1000;
	for (int i = 0; i < 3; i++, frac /= 10)
		*--p = (char)('0' + frac % 10);
	*--p = '.';
	p = fmt_u64(p, a / 1000);
	if (ns < 0)
		*--p = '-';
	sb_put(f, p, (size_t)(end - p));
}

static void put_i64(struct sbuf *f, int64_t v)
{
	char buf[24], *end = buf + sizeof buf, *p;
	p = fmt_u64(end, v < 0 ? -(uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	sb_put(f, p, (size_t)(end - p));
}

/* The scratch buffer, holding the separator that precedes every event
 * but the file's first (emit() drops it there). */
static struct sbuf *begin_event(struct export *x)
{
	x->scratch.len = 0;
	sb_put(&x->scratch, ",\n", 2);
	return &x->scratch;
}

/* Events to the file, in order. */
static void emit(struct export *x, const char *p, size_t n)
{
	if (!n)
		return;        /* p may be NULL then */
	if (x->chrome_first && n >= 2) {
		p += 2;
		n -= 2;
		x->chrome_first = false;
	}
	fwrite(p, 1, n, x->chrome);
}

static void put_pid_tid(struct sbuf *f, int32_t pid, int32_t tid)
{
	sb_puts(f, ",\"pid\":");
	put_i64(f, pid);
	sb_puts(f, ",\"tid\":");
	put_i64(f, tid);
}

/* Most bytes held back per thread: past it, events are written as they
 * end (still nested strictly, only no longer parent first). */
#define PENDING_MAX (8u << 20)

/* Writes the X event of f (just popped), in `o`, after the events its
 * descendants held back.  Viewers that sort by ts alone (a stable sort)
 * take, of two slices starting together, the first in the file as the
 * parent: so a call that starts with its parent still open is held back
 * until the parent is written, and goes right after it. */
static void place(struct export *x, struct xthread *th, const struct frame *f, const struct sbuf *o)
{
	struct sbuf *q = &th->pending;
	const struct frame *parent = th->nframes ? &th->frames[th->nframes - 1] : NULL;

	if (parent && parent->start == f->start && q->len + o->len <= PENDING_MAX &&
	    pt_grow((void **)&q->p, &q->cap, q->len + o->len, 1)) {
		/* before its own held-back descendants, which follow it */
		memmove(q->p + f->pend + o->len, q->p + f->pend, q->len - f->pend);
		memcpy(q->p + f->pend, o->p, o->len);
		q->len += o->len;
		return;
	}
	emit(x, o->p, o->len);
	emit(x, q->p + f->pend, q->len - f->pend);
	q->len = f->pend;
}

/* Ends the innermost open call of th at `end` (moved up to its floor, so
 * that it holds its children and its start).  `unfinished` says why its
 * exit never came, or NULL for a call that returned. */
static void close_top(struct export *x, struct xthread *th, int64_t end, const char *unfinished)
{
	struct frame *f = &th->frames[--th->nframes];
	if (end < f->floor)
		end = f->floor;
	uint64_t dur = (uint64_t)(end - f->start);

	if (x->chrome) {
		struct sbuf *o = begin_event(x);
		sb_puts(o, "{\"name\":");
		put_json_str(o, x->names[f->fn].s, x->names[f->fn].len);
		sb_puts(o, ",\"cat\":\"call\",\"ph\":\"X\",\"ts\":");
		put_us(o, f->start);
		sb_puts(o, ",\"dur\":");
		put_us(o, (int64_t)dur);
		put_pid_tid(o, th->pid, th->tid);
		if (unfinished) {
			sb_puts(o, ",\"args\":{\"unfinished\":");
			put_json_str(o, unfinished, strlen(unfinished));
			sb_putc(o, '}');
		}
		sb_putc(o, '}');
		place(x, th, f, o);
	}
	/* Self time of calls that returned only: an unfinished call's
	 * duration is a lower bound, not a figure. */
	if (!unfinished && f->node != NONE)
		x->nodes[f->node].self_ns += dur - (f->child_ns < dur ? f->child_ns : dur);
	if (th->nframes) {
		struct frame *p = &th->frames[th->nframes - 1];
		p->floor = end;
		p->child_ns += dur;
	} else {
		th->floor = end;
		th->has_floor = true;
	}
}

static void on_enter_ev(struct export *x, struct xthread *th, const struct event *ev)
{
	/* An open call as deep or deeper lost its exit. */
	while (th->nframes && th->frames[th->nframes - 1].depth >= ev->depth)
		close_top(x, th, ev->ts, "exit not seen");
	if (th->nframes >= EXPORT_MAX_DEPTH) {
		th->too_deep++;
		return;
	}
	uint32_t fn = intern(x, ev->fn.s, ev->fn.len);
	if (fn == NONE || !pt_grow((void **)&th->frames, &th->cap, th->nframes + 1, sizeof *th->frames)) {
		x->oom = true;
		return;
	}
	const struct frame *p = th->nframes ? &th->frames[th->nframes - 1] : NULL;
	int64_t floor = p ? p->floor : th->has_floor ? th->floor : INT64_MIN;
	int64_t start = ev->ts > floor ? ev->ts : floor;
	uint32_t node = node_get(x, p ? p->node : th->root, fn);
	if (node == NONE)
		x->oom = true;
	th->frames[th->nframes++] = (struct frame){
		.ts = ev->ts, .start = start, .floor = start, .pend = th->pending.len,
		.fn = fn, .node = node, .depth = ev->depth,
	};
}

static void on_exit_ev(struct export *x, struct xthread *th, const struct event *ev)
{
	uint32_t k = th->nframes;
	while (k > 0) {
		const struct frame *f = &th->frames[k - 1];
		if (f->depth == ev->depth) {
			const struct name *n = &x->names[f->fn];
			if (n->len != ev->fn.len || memcmp(n->s, ev->fn.s, n->len))
				k = 0;
			break;
		}
		if (f->depth < ev->depth) {
			k = 0;
			break;
		}
		k--;
	}
	if (!k) {
		th->exits_unmatched++;
		return;
	}
	/* Calls inside it that are still open were left without an exit
	 * (longjmp, or their exits were lost). */
	while (th->nframes > k)
		close_top(x, th, ev->ts, "exit not seen");
	const struct frame *f = &th->frames[k - 1];
	/* both are at most INT64_MAX (the parser's range): saturate */
	int64_t end = ev->dur < 0 ? ev->ts : ev->dur > INT64_MAX - f->ts ? INT64_MAX : f->ts + ev->dur;
	close_top(x, th, end, NULL);
}

static void on_instant(struct export *x, const struct event *ev)
{
	if (!x->chrome)
		return;
	struct sbuf *o = begin_event(x);
	if (ev->kind == EV_EXCEPTION) {
		sb_puts(o, "{\"name\":");
		put_json_str(o, ev->type.s ? ev->type.s : "", ev->type.len);
		sb_puts(o, ",\"cat\":\"exception\",\"ph\":\"i\",\"s\":\"t\",\"ts\":");
		put_us(o, ev->ts);
		put_pid_tid(o, ev->pid, ev->tid);
		sb_puts(o, ",\"args\":{\"type\":");
		put_json_str(o, ev->type.s ? ev->type.s : "", ev->type.len);
		sb_puts(o, ",\"message\":");
		put_json_str(o, ev->msg.s ? ev->msg.s : "", ev->msg.len);
		sb_puts(o, ",\"fn\":");
		put_json_str(o, ev->fn.s ? ev->fn.s : "", ev->fn.len);
		if (ev->signal.s) {
			sb_puts(o, ",\"signal\":");
			put_json_str(o, ev->signal.s, ev->signal.len);
		}
		if (ev->nstack) {
			sb_puts(o, ",\"stack\":[");
			for (size_t i = 0; i < ev->nstack; i++) {
				if (i)
					sb_putc(o, ',');
				put_json_str(o, ev->stack[i].s ? ev->stack[i].s : "", ev->stack[i].len);
			}
			sb_putc(o, ']');
		}
		sb_puts(o, "}}");
	} else {
		sb_puts(o, "{\"name\":\"events lost\",\"cat\":\"drop\",\"ph\":\"i\",\"s\":\"t\",\"ts\":");
		put_us(o, ev->ts);
		put_pid_tid(o, ev->pid, ev->tid);
		sb_puts(o, ",\"args\":{\"count\":");
		put_i64(o, (int64_t)(ev->count > INT64_MAX ? INT64_MAX : ev->count));
		sb_puts(o, "}}");
	}
	emit(x, o->p, o->len);
}
void export_event(void *ctx, const struct event *ev, const struct model *m)
{
	struct export *x = ctx;
	(void)m;
	struct xproc *p = proc_get(x, ev->pid);
	if (!p) {
		x->oom = true;
		return;
	}
	if (ev->ts > p->last_ts)
		p->last_ts = ev->ts;
	if (ev->kind == EV_HELLO || ev->kind == EV_BYE)
		return;
	struct xthread *th = thread_get(x, ev->pid, ev->tid);
	if (!th) {
		x->oom = true;
		return;
	}
	switch (ev->kind) {
	case EV_ENTER: on_enter_ev(x, th, ev); break;
	case EV_EXIT: on_exit_ev(x, th, ev); break;
	case EV_EXCEPTION: on_instant(x, ev); break;
	case EV_DROP: if (ev->count) on_instant(x, ev); break;
	default: break;
	}
}

/* --- the end ---------------------------------------------------------- */

/* A label for the collapsed format: ';' separates frames and a line
 * ends the record, so neither may appear in a name. */
static void put_frame(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		putc(c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

/* The length of s cut to at most max bytes on a character boundary (the
 * model's strings are valid UTF-8: so must the labels be). */
static int cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

/* "prog [pid] [incomplete]" and "name [tid] [N events lost]": the
 * model's names and its one account of lost events. */
static void proc_label(const struct model *m, const struct xthread *th, char *buf, size_t size)
{
	const struct mthread *t = m ? model_thread_find(m, th->pid, th->tid) : NULL;
	const struct mprocess *p = t ? t->proc : NULL;
	const char *prog = p && p->prog && *p->prog ? p->prog : "pid";
	snprintf(buf, size, "%.*s %ld%s", cut_utf8(prog, 400), prog, (long)th->pid,
		 p && p->incomplete ? " [incomplete trace]" : "");
}

/* exact: for the collapsed stacks, where a stats thread's figures lose
 * nothing */
static void thread_label(const struct model *m, const struct xthread *th, char *buf, size_t size,
			 bool exact)
{
	const struct mthread *t = m ? model_thread_find(m, th->pid, th->tid) : NULL;
	const char *name = t && t->name ? t->name : "thread";
	int n = snprintf(buf, size, "%.*s %ld", cut_utf8(name, 200), name, (long)th->tid);
	uint64_t lost = t && !(exact && t->stats) ? t->drops + t->unaccounted : 0;
	if (n > 0 && (size_t)n < size && lost)
		n += snprintf(buf + n, size - (size_t)n, " [%llu event%s lost]",
			      (unsigned long long)lost, lost == 1 ? "" : "s");
	if (n > 0 && (size_t)n < size && t && t->incomplete)
		n += snprintf(buf + n, size - (size_t)n, " [incomplete]");
	uint64_t unplaced = th->exits_unmatched + th->too_deep;
	if (n > 0 && (size_t)n < size && unplaced)
		snprintf(buf + n, size - (size_t)n, " [%llu event%s not placed]",
			 (unsigned long long)unplaced, unplaced == 1 ? "" : "s");
}

static void put_meta(struct export *x, const char *what, int32_t pid, int32_t tid, const char *name)
{
	struct sbuf *o = begin_event(x);
	sb_puts(o, "{\"name\":\"");
	sb_puts(o, what);
	sb_puts(o, "\",\"ph\":\"M\"");
	put_pid_tid(o, pid, tid);
	sb_puts(o, ",\"args\":{\"name\":");
	put_json_str(o, name, strlen(name));
	sb_puts(o, "}}");
	emit(x, o->p, o->len);
}

/* The paths of the model's threads with stats, each with its exact self
 * time: "proc;thread;outer;...;inner self_ns". */
static bool write_collapsed_stats(FILE *f, const struct model *m)
{
	const char **names = NULL;
	size_t cap = 0;
	char plab[600], tlab[600];
	for (const struct mnode *pn = model_first_child(m, VIEW_PATHS, NULL); pn;
	     pn = model_next_sibling(m, VIEW_PATHS, pn)) {
		for (const struct mthread *t = ((const struct mprocess *)pn)->threads; t; t = t->next) {
			if (!t->stats)
				continue;
			struct xthread th = { .pid = t->proc->pid, .tid = t->tid };
			proc_label(m, &th, plab, sizeof plab);
			thread_label(m, &th, tlab, sizeof tlab, true);
			int level = 0;
			for (const struct mnode *n = model_first_child(m, VIEW_PATHS, &t->node);
			     n && mnode_kind(n) == MN_PATH && level >= 0;
			     n = model_next_preorder(m, VIEW_PATHS, n, &level)) {
				if ((size_t)level >= cap) {
					size_t ncap = cap ? 2 * cap : 64;
					while (ncap <= (size_t)level)
						ncap *= 2;
					const char **nn = realloc(names, ncap * sizeof(*names));
					if (!nn) {
						free(names);
						return false;
					}
					names = nn;
					cap = ncap;
				}
				const struct mpath *p = (const struct mpath *)n;
				names[level] = p->fn->name;
				if (!p->self_ns)
					continue;
				put_frame(f, plab, strlen(plab));
				putc(';', f);
				put_frame(f, tlab, strlen(tlab));
				for (int k = 0; k <= level; k++) {
					putc(';', f);
					put_frame(f, names[k], strlen(names[k]));
				}
				fprintf(f, " %llu\n", (unsigned long long)p->self_ns);
			}
		}
	}
	free(names);
	return true;
}

static bool write_collapsed(struct export *x, const struct model *m, char *err, size_t errsize)
{
	FILE *f = x->collapsed ? x->collapsed : fopen(x->collapsed_path, "we");
	x->collapsed = NULL;
	if (!f) {
		snprintf(err, errsize, "cannot write %.1000s: %s", x->collapsed_path, strerror(errno));
		return false;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	char (*labels)[2][600] = calloc(x->nthreads ? x->nthreads : 1, sizeof *labels);
	uint32_t *chain = malloc((EXPORT_MAX_DEPTH + 2) * sizeof *chain);
	bool ok = labels && chain;
	for (size_t i = 0; ok && i < x->nthreads; i++) {
		proc_label(m, &x->threads[i], labels[i][0], sizeof labels[i][0]);
		thread_label(m, &x->threads[i], labels[i][1], sizeof labels[i][1], true);
	}
	for (size_t i = 0; ok && i < x->nnodes; i++) {
		const struct pnode *n = &x->nodes[i];
		if (n->parent == NONE || !n->self_ns)
			continue;
		size_t depth = 0;
		uint32_t at = (uint32_t)i;
		while (x->nodes[at].parent != NONE && depth <= EXPORT_MAX_DEPTH) {
			chain[depth++] = at;
			at = x->nodes[at].parent;
		}
		const struct xthread *th = &x->threads[x->nodes[at].fn];
		const struct mthread *mt = m ? model_thread_find(m, th->pid, th->tid) : NULL;
		if (mt && mt->stats)
			continue;        /* written from the model's exact paths below */
		const char (*lab)[600] = labels[x->nodes[at].fn];
		put_frame(f, lab[0], strlen(lab[0]));
		putc(';', f);
		put_frame(f, lab[1], strlen(lab[1]));
		while (depth--) {
			const struct name *nm = &x->names[x->nodes[chain[depth]].fn];
			putc(';', f);
			put_frame(f, nm->s, nm->len);
		}
		fprintf(f, " %llu\n", (unsigned long long)n->self_ns);
	}
	if (ok && m)
		ok = write_collapsed_stats(f, m);
	free(labels);
	free(chain);
	if (!ok) {
		fclose(f);
		snprintf(err, errsize, "out of memory writing %.1000s", x->collapsed_path);
		return false;
	}
	bool bad = ferror(f);
	if (fclose(f) || bad) {
		snprintf(err, errsize, "cannot write %.1000s completely", x->collapsed_path);
		return false;
	}
	return true;
}

bool export_finish(struct export *x, const struct model *m, char *err, size_t errsize)
{
	bool ok = true;
	char label[700];

	/* Calls still open end with their process's last event. */
	for (size_t i = 0; i < x->nthreads; i++) {
		struct xthread *th = &x->threads[i];
		while (th->nframes)
			close_top(x, th, x->procs[th->proc].last_ts, "no exit before the end of the trace");
	}
	if (x->chrome) {
		for (size_t i = 0; i < x->nthreads; i++) {
			struct xthread *th = &x->threads[i];
			struct xproc *p = &x->procs[th->proc];
			if (!p->named) {
				proc_label(m, th, label, sizeof label);
				put_meta(x, "process_name", th->pid, 0, label);
				p->named = true;
			}
			thread_label(m, th, label, sizeof label, false);
			put_meta(x, "thread_name", th->pid, th->tid, label);
		}
		fputs("\n],\"displayTimeUnit\":\"ns\"}\n", x->chrome);
		bool bad = ferror(x->chrome);
		if (fclose(x->chrome) || bad) {
			snprintf(err, errsize, "cannot write %.1000s completely", x->chrome_path);
			ok = false;
		}
		x->chrome = NULL;
	}
	if (x->collapsed_path && ok)
		ok = write_collapsed(x, m, err, errsize);
	if (x->scratch.oom)
		x->oom = true;
	if (ok && x->oom) {
		snprintf(err, errsize, "out of memory: the export misses calls");
		ok = false;
	}
	return ok;
}

void export_free(struct export *x)
{
	if (!x)
		return;
	if (x->chrome)
		fclose(x->chrome);
	if (x->collapsed)
		fclose(x->collapsed);
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i].s);
	for (size_t i = 0; i < x->nthreads; i++) {
		free(x->threads[i].frames);
		free(x->threads[i].pending.p);
	}
	free(x->scratch.p);
	free(x->names);
	free(x->name_slots);
	free(x->threads);
	free(x->procs);
	free(x->nodes);
	free(x->thread_map.keys);
	free(x->thread_map.vals);
	free(x->proc_map.keys);
	free(x->proc_map.vals);
	free(x->node_map.keys);
	free(x->node_map.vals);
	free(x->chrome_path);
	free(x->collapsed_path);
	free(x);
}
