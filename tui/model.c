/* model.c - applies events to the trace model: processes, threads, merged
 * call paths, per-function figures and exceptions.  Individual call storage
 * and retirement are in model_calls.c, lookups (functions, paths,
 * processes, threads) in model_index.c, the read-only queries in
 * model_tree.c, the text dump in model_dump.c.
 *
 * The hot path (an enter or exit of a known thread) is: a one-entry thread
 * cache, a compare of the function name with the open frame (exit) or with
 * the child path used last (enter), and hash lookups only on a miss. */
#include <config.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

static const char *evstr(const struct event_str *e, size_t *len)
{
	if (!e->s) {
		*len = 0;
		return "";
	}
	*len = e->len;
	return e->s;
}

/* The child path of `parent` (NULL: a root path of t) for function `s`,
 * trying the one used last first: loops call the same thing again.  Past
 * max_paths it may be a root path instead: the call is counted as put
 * flat. */
static struct mpath *path_child(struct model *m, struct thread_ent *t, struct mpath *parent,
				const char *s, size_t len, struct mpath **cache)
{
	struct mpath *p = *cache;
	if (!p || !model_func_is(p->fn, s, len)) {
		p = model_path_get(m, t, parent, model_func_intern(m, s, len));
		*cache = p;
	}
	if (m->paths_full && parent && p->link.parent != model_path_serial(parent))
		m->st.calls_flattened++;
	return p;
}

/* ---- open calls ------------------------------------------------------ */

/* A frame ends: its path is no longer running, unless an outer frame
 * has it open too (past max_paths, a recursion's calls share their root
 * path).  Frames end in the reverse order they began, so the one that
 * found the path running when it began is never the last to end. */
static void frame_path_release(const struct frame *f)
{
	if (!f->path_shared)
		f->path->running = 0;
}

/* Takes t's innermost open call off as unfinished. */
static void frame_unfinish(struct model *m, struct thread_ent *t)
{
	model_excsum_pop(m, t, &t->stack[t->nstack - 1]);
	struct frame *f = &t->stack[--t->nstack];
	model_nest_pop(t, f);
	f->call->state = CALL_UNFINISHED;
	frame_path_release(f);
	if (f->path->unfinished != MPATH_UNFINISHED_MAX)
		f->path->unfinished++;
	m->st.calls_unfinished++;
}

/* The "(callers not seen)" node is a frame at depth -1 (depths from the
 * wire are never negative) under which the calls of a thread whose
 * callers were never seen are placed: an enter deeper than 0 with nothing
 * open, an exit deeper than 0 without its enter with nothing open.  It
 * ends at the next event at depth 0, which begins or ends an outermost
 * call, or with its thread. */
static bool frame_is_marker(const struct frame *f)
{
	return f->depth < 0;
}

static void marker_close(struct model *m, struct thread_ent *t)
{
	struct frame *f = &t->stack[--t->nstack];
	f->call->state = CALL_UNSEEN;
	frame_path_release(f);
	model_excsum_pop(m, t, f);
}

static void thread_close_all(struct model *m, struct thread_ent *t)
{
	while (t->nstack) {
		if (frame_is_marker(&t->stack[t->nstack - 1]))
			marker_close(m, t);
		else
			frame_unfinish(m, t);
	}
}

static void proc_close_all(struct model *m, struct mprocess *p)
{
	for (struct mthread *t = p->threads; t; t = t->next)
		thread_close_all(m, MODEL_CONTAINER(t, struct thread_ent, pub));
}

static void count_mismatch(struct model *m, struct thread_ent *t)
{
	t->pub.depth_mismatches++;
	m->st.depth_mismatches++;
}

/* Open calls at `depth` or deeper lost their exits: they end unfinished. */
static void unwind_from(struct model *m, struct thread_ent *t, int32_t depth)
{
	while (t->nstack && t->stack[t->nstack - 1].depth >= depth) {
		frame_unfinish(m, t);
		count_mismatch(m, t);
	}
}

static struct frame *top_frame(struct thread_ent *t)
{
	return t->nstack ? &t->stack[t->nstack - 1] : NULL;
}

/* A new kept call at `depth`, appended to the children of the innermost
 * open call (or to the thread's root calls); counted in calls. */
static struct mcall *call_link(struct model *m, struct thread_ent *t, struct frame *top,
			       struct mpath *path, int32_t depth)
{
	struct mcall *c = model_calls_new(m);
	c->path = path;
	c->depth = depth;
	struct kids *k = top ? &top->kids : &t->root;
	struct mcall **head = top ? &top->call->children : &t->pub.calls;
	if (top)
		c->parent = top->call;
	if (depth > (top ? top->depth + 1 : 0)) {
		if (!k->run) {
			k->run = c;
			k->run_prev = k->tail;
			k->run_len = 1;
		} else if (k->run_len == KIDS_RUN_MAX) {
			k->run_prev = k->run;
			k->run = k->run->next;
		} else {
			k->run_len++;
		}
	} else {
		k->run = k->run_prev = NULL;
		k->run_len = 0;
	}
	if (k->tail)
		k->tail->next = c;
	else
		*head = c;
	k->tail = c;
	return c;
}

static struct mcall *call_add(struct model *m, struct thread_ent *t, struct frame *top,
			      struct mpath *path, int32_t depth)
{
	m->st.calls++;
	return call_link(m, t, top, path, depth);
}

static void frame_push(struct model *m, struct thread_ent *t, struct mcall *c, struct mpath *path,
		       int32_t depth, uint32_t nest_slot)
{
	if (t->nstack == t->capstack) {
		size_t cap = t->capstack;
		t->stack = model_grow(m, t->stack, t->nstack, &cap, sizeof(*t->stack));
		t->capstack = (uint32_t)cap;
	}
	t->stack[t->nstack++] = (struct frame){ .call = c, .path = path, .depth = depth,
						.nest_slot = nest_slot,
						.lost_at = (uint32_t)(t->pub.seq_gaps + t->pub.drops),
						.path_shared = path->running };
	path->running = 1;
}

/* Opens the "(callers not seen)" node (nothing is open): its frame. */
static struct frame *marker_open(struct model *m, struct thread_ent *t, int64_t ts)
{
	struct mpath *path = model_path_get(m, t, NULL, m->marker);
	struct mcall *c = call_link(m, t, NULL, path, -1);
	c->start_ts = ts;
	c->dur_ns = -1;
	c->state = CALL_RUNNING;
	m->st.callers_unseen++;
	frame_push(m, t, c, path, -1, 0);
	return top_frame(t);
}

/* Before an exit without its enter at `depth` is added: the trailing
 * orphans deeper than it ran inside it.  Detaches them from the level and
 * returns the first (they stay linked by `next`), or NULL. */
static struct mcall *orphans_detach(struct thread_ent *t, struct frame *top, int32_t depth)
{
	struct kids *k = top ? &top->kids : &t->root;
	struct mcall *x = NULL, *xprev = NULL, *prev = k->run_prev;
	uint32_t nx = 0;
	for (struct mcall *c = k->run; c; prev = c, c = c->next) {
		if (c->depth <= depth) {
			x = NULL;
		} else if (!x) {
			x = c;
			xprev = prev;
			nx = 0;
		}
		nx++;
	}
	if (!x)
		return NULL;
	if (xprev)
		xprev->next = NULL;
	else
		*(top ? &top->call->children : &t->pub.calls) = NULL;
	k->tail = xprev;
	if (x == k->run) {
		k->run = k->run_prev = NULL;
		k->run_len = 0;
	} else {
		k->run_len -= nx;
	}
	return x;
}

/* The "(callers not seen)" node just closed, the last root call, taken
 * out of the root calls to be adopted. */
static struct mcall *marker_detach(struct thread_ent *t, struct mcall *marker)
{
	struct kids *k = &t->root;
	struct mcall *prev = NULL;
	for (struct mcall *c = t->pub.calls; c != marker; c = c->next)
		prev = c;
	if (prev)
		prev->next = NULL;
	else
		t->pub.calls = NULL;
	k->tail = prev;
	k->run = k->run_prev = NULL;
	k->run_len = 0;
	return marker;
}

/* Totals stick at the maximum rather than wrap (durations come from the
 * wire and may be absurd). */
static inline void sat_add(uint64_t *acc, uint64_t v)
{
	if (__builtin_add_overflow(*acc, v, acc))
		*acc = UINT64_MAX;
}

/* Orphan time at `depth` and deeper, cleared: the children of a call at
 * depth - 1 whose own parents' enters were lost.  Entries left at
 * different depths never overlap in time (an exit at depth d takes
 * everything deeper), so they add up. */
static uint64_t orphans_take(struct thread_ent *t, int32_t depth)
{
	uint64_t ns = 0;
	if (depth < 0)
		depth = 0;
	for (int32_t j = depth; j <= t->orph_hi; j++) {
		sat_add(&ns, t->orph_ns[j]);
		t->orph_ns[j] = 0;
	}
	if (t->orph_hi >= depth)
		t->orph_hi = depth - 1;
	return ns;
}

static void orphans_add(struct thread_ent *t, int32_t depth, uint64_t ns)
{
	if (depth <= 0 || depth >= ORPHAN_DEPTHS || !ns)
		return;
	sat_add(&t->orph_ns[depth], ns);
	if (depth > t->orph_hi)
		t->orph_hi = depth;
}

/* A path's histogram exists from its third finished call on: up to two,
 * count, total_ns and max_ns tell the durations (model_path_hist()), and
 * most paths of a big trace have only one or two.  Called before the
 * path's figures take `dur`. */
static void path_hist_add(struct model *m, struct mpath *p, uint64_t dur)
{
	if (p->count < 2)
		return;
	if (!p->link.hist) {
		p->link.hist = model_chunkvec_add(m, &m->hists, sizeof(struct hist_compact));
		struct hist_compact *h = model_hist_at(m, p->link.hist);
		hist_compact_add(h, p->max_ns, &m->halloc);
		hist_compact_add(h, model_path_second(p), &m->halloc);
	}
	hist_compact_add(model_hist_at(m, p->link.hist), dur, &m->halloc);
}

/* A finished call's figures go to its path, its function and the run;
 * its time to its parent's child time, or to the orphans of its depth
 * when its parent's enter was lost.  `incl` is what it adds to its
 * function's inclusive time: dur, or 0 inside a call of the same
 * function (model_nest.c). */
static void account(struct model *m, struct thread_ent *t, struct mpath *p, int32_t depth,
		    uint64_t dur, uint64_t child_ns, uint64_t incl)
{
	struct frame *parent = top_frame(t);
	if (parent && parent->depth == depth - 1) {
		sat_add(&parent->child_ns, dur);
	} else {
		orphans_add(t, depth, dur);
	}
	/* A stats thread's figures are the stats' (model_stats.c). */
	if (t->pub.stats)
		return;
	uint64_t self = dur > child_ns ? dur - child_ns : 0;
	path_hist_add(m, p, dur);
	p->count++;
	sat_add(&p->total_ns, dur);
	sat_add(&p->self_ns, self);
	if (dur > p->max_ns)
		p->max_ns = dur;
	struct mfunc *f = p->fn;
	f->calls++;
	sat_add(&f->total_ns, incl);
	sat_add(&f->self_ns, self);
	hist_add(&f->hist, dur);
	hist_add(&m->all, dur);
	hist_add(&t->hist, dur);
}

/* Depths from the wire, kept far enough from INT32_MAX to add one. */
static int32_t ev_depth(const struct event *ev)
{
	return ev->depth < 0 ? 0 : ev->depth > INT32_MAX - 1 ? INT32_MAX - 1 : ev->depth;
}

static void unwind_listed(struct model *m, struct thread_ent *t, const struct event *ev,
			  uint32_t first, uint64_t abandoned);

/* The exit of a call at depth d came while calls deeper than d were open.
 * Those that lost no event since they began were left by a longjmp (the
 * library closes the matching outer call, the skipped ones get no exit):
 * they end abandoned, their duration unknown and kept out of every figure;
 * the time of their finished callees goes to the call at depth d (how
 * the rest divides between them and it is unknown: it stays in its self
 * time).  The others lost their exits: unfinished, as a depth mismatch.
 * The unwind is listed with the exceptions. */
static void unwind_deeper(struct model *m, struct thread_ent *t, int32_t d, const struct event *ev)
{
	uint32_t k = t->nstack;
	while (k && t->stack[k - 1].depth > d)
		k--;
	uint32_t lost_now = (uint32_t)(t->pub.seq_gaps + t->pub.drops);
	uint64_t abandoned = 0, known = 0;
	for (uint32_t i = k; i < t->nstack; i++)
		abandoned += t->stack[i].lost_at == lost_now;
	if (abandoned)
		unwind_listed(m, t, ev, k, abandoned);
	while (t->nstack > k) {
		struct frame *f = &t->stack[t->nstack - 1];
		if (f->lost_at != lost_now) {
			frame_unfinish(m, t);
			count_mismatch(m, t);
			continue;
		}
		t->nstack--;
		model_nest_pop(t, f);
		model_excsum_pop(m, t, f);
		sat_add(&known, f->child_ns);
		f->call->state = CALL_ABANDONED;
		frame_path_release(f);
		m->st.calls_abandoned++;
		if (t->pub.stats)
			continue;
		if (f->path->abandoned != UINT32_MAX)
			f->path->abandoned++;
		f->path->fn->abandoned++;
	}
	struct frame *top = top_frame(t);
	if (top && top->depth == d)
		sat_add(&top->child_ns, known);
	else
		orphans_add(t, d + 1, known);
}

static uint32_t max_depth(const struct model *m)
{
	return m->cfg.max_depth ? m->cfg.max_depth : MODEL_MAX_DEPTH;
}

static void on_call(struct model *m, struct thread_ent *t, const struct event *ev)
{
	int32_t d = ev_depth(ev);
	struct frame *top = top_frame(t);
	if (top && top->depth >= d) {
		unwind_from(m, t, d);
		top = top_frame(t);
	}
	if (t->nstack >= max_depth(m)) {
		m->st.too_deep++;
		return;
	}
	if (top && frame_is_marker(top) && d == 0) {
		marker_close(m, t);
		top = NULL;
	}
	if (!top && d > 0) {
		top = marker_open(m, t, ev->ts);
	} else if (top && d != top->depth + 1 && !frame_is_marker(top)) {
		/* Enters were lost above this one. */
		count_mismatch(m, t);
	}
	size_t len;
	const char *fn = evstr(&ev->fn, &len);
	struct mpath *path = path_child(m, t, top ? top->path : NULL, fn, len,
					top ? &top->last_path : &t->last_root_path);
	/* Orphans deeper than this call belonged to an earlier call at its
	 * depth whose exit was lost: count them at this depth, for the
	 * parent. */
	if (t->orph_hi > d)
		orphans_add(t, d, orphans_take(t, d + 1));
	struct mcall *c = call_add(m, t, top, path, d);
	c->start_ts = ev->ts;
	c->dur_ns = -1;
	c->state = CALL_RUNNING;
	if (d == 0)
		model_nest_forget_spans(t);
	frame_push(m, t, c, path, d, model_nest_push(m, t, path->fn));
	if (m->st.calls_kept > m->cfg.max_calls)
		model_calls_retire_excess(m);
}

/* A finished call whose duration the writer did not know: counted apart,
 * never as 0 ns in any figure or histogram. */
static void account_nodur(struct model *m, struct thread_ent *t, struct mpath *p, int32_t depth)
{
	orphans_take(t, depth + 1);
	if (t->pub.stats)
		return;
	p->fn->calls_nodur++;
	m->st.calls_nodur++;
}

static void on_return(struct model *m, struct thread_ent *t, const struct event *ev)
{
	int32_t d = ev_depth(ev);
	bool known = ev->dur >= 0;   /* no "dur" on the line: unknown */
	uint64_t dur = known ? (uint64_t)ev->dur : 0;
	size_t len;
	const char *fn = evstr(&ev->fn, &len);
	struct frame *top = top_frame(t);
	if (t->nstack >= max_depth(m) && top->depth < d) {
		m->st.too_deep++;             /* the exit of an enter ignored as too deep */
		return;
	}
	if (top && top->depth > d) {
		unwind_deeper(m, t, d, ev);
		top = top_frame(t);
	}
	if (top && top->depth == d) {
		if (model_func_is(top->path->fn, fn, len)) {
			model_excsum_pop(m, t, top);
			struct frame f = *top;
			t->nstack--;
			model_nest_pop(t, &f);
			f.call->state = CALL_DONE;
			f.call->dur_ns = known ? (int64_t)dur : -1;
			frame_path_release(&f);
			if (!known) {
				account_nodur(m, t, f.path, d);
				return;
			}
			uint64_t child = f.child_ns;
			if (t->orph_hi > d)
				sat_add(&child, orphans_take(t, d + 1));
			account(m, t, f.path, d, dur, child, f.nest_slot ? dur : 0);
			/* Its callers were not all seen: an exit without its
			 * enter may yet enclose it. */
			if (f.nest_slot && d && (!t->nstack || t->stack[0].depth != 0))
				model_nest_span(m, t, f.path->fn, ev->ts, dur, true);
			return;
		}
		/* Another call is open at this depth: its exit and this
		 * call's enter were both lost. */
		unwind_from(m, t, d);
		top = top_frame(t);
	}
	/* An exit without its enter: place it under the innermost open call
	 * shallower than itself.  At depth 0 it is an outermost call, and
	 * every call under the "(callers not seen)" node ran inside it: in
	 * the calls view it takes the node as its child. */
	struct mcall *marker = NULL;
	if (top && frame_is_marker(top) && d == 0) {
		marker = top->call;
		marker_close(m, t);
		top = NULL;
	}
	int64_t start;
	if (__builtin_sub_overflow(ev->ts, (int64_t)dur, &start))
		start = INT64_MIN;
	if (!top && d > 0)
		top = marker_open(m, t, start);
	else if (top && frame_is_marker(top) && start < top->call->start_ts)
		top->call->start_ts = start;   /* it holds this call */
	struct mpath *path = path_child(m, t, top ? top->path : NULL, fn, len,
					top ? &top->last_path : &t->last_root_path);
	struct mcall *adopted = marker && t->root.tail == marker ? marker_detach(t, marker)
								 : orphans_detach(t, top, d);
	struct mcall *c = call_add(m, t, top, path, d);
	c->children = adopted;
	for (struct mcall *a = adopted; a; a = a->next) {
		a->parent = c;
		if ((a->has_exception || a->sub_exception) && !c->sub_exception)
			model_excsum_adopted(t, c);
	}
	c->start_ts = start;
	c->dur_ns = known ? (int64_t)dur : -1;
	c->state = CALL_PARTIAL;
	m->st.calls_partial++;
	if (known)
		account(m, t, path, d, dur, orphans_take(t, d + 1),
			model_nest_span(m, t, path->fn, ev->ts, dur, false));
	else
		account_nodur(m, t, path, d);
	if (m->st.calls_kept > m->cfg.max_calls)
		model_calls_retire_excess(m);
}

/* ---- exceptions ------------------------------------------------------ */

static void exc_clear(struct model *m, struct mexception *e)
{
	model_release(m, (void *)e->fn);
	model_release(m, (void *)e->type);
	model_release(m, (void *)e->msg);
	model_release(m, (void *)e->signal);
	model_release(m, (void *)e->to);
	for (size_t i = 0; i < e->nstack; i++)
		model_release(m, (void *)e->stack[i]);
	model_release(m, (void *)e->stack);
}

static char *dup_evstr(struct model *m, const struct event_str *s)
{
	size_t len;
	const char *p = evstr(s, &len);
	return model_strdup(m, p, len);
}

/* The wall-clock time of `ts` from the hello's pair of clocks; 0 when
 * there was no hello or the values from the wire overflow. */
static int64_t exc_wall(const struct mprocess *proc, int64_t ts)
{
	int64_t delta, wall;
	if (!proc->wall_ns || __builtin_sub_overflow(ts, proc->hello_ts, &delta) ||
	    __builtin_add_overflow(proc->wall_ns, delta, &wall))
		return 0;
	return wall;
}

/* The slot for a new entry of the list of exceptions (and unwinds), the
 * oldest let go when it is full; the caller fills it whole. */
static struct mexception *exc_new(struct model *m)
{
	if (!m->exc) {
		m->exc = model_calloc(m, m->cfg.max_exceptions * sizeof(*m->exc));
		m->exc_cap = m->cfg.max_exceptions;
	}
	struct mexception *e = &m->exc[m->exc_head];
	if (m->exc_n == m->exc_cap)
		exc_clear(m, e);
	else
		m->exc_n++;
	m->exc_head = (m->exc_head + 1) % m->exc_cap;
	return e;
}

static void unwind_listed(struct model *m, struct thread_ent *t, const struct event *ev,
			  uint32_t first, uint64_t abandoned)
{
	const struct frame *in = &t->stack[t->nstack - 1];
	const struct mprocess *proc = t->pub.proc;
	size_t tolen;
	const char *to = evstr(&ev->fn, &tolen);
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "%llu call%s abandoned, back in ",
			 (unsigned long long)abandoned, abandoned == 1 ? "" : "s");
	char *full = model_alloc(m, (size_t)n + tolen + 1);
	memcpy(full, msg, (size_t)n);
	memcpy(full + n, to, tolen);
	full[(size_t)n + tolen] = '\0';
	m->st.unwinds++;
	struct mexception *e = exc_new(m);
	*e = (struct mexception){
		.id = m->st.exceptions + m->st.unwinds,
		.ts = ev->ts,
		.wall_ns = exc_wall(proc, ev->ts),
		.pid = proc->pid,
		.tid = t->pub.tid,
		.fn = model_strdup(m, in->path->fn->name, strlen(in->path->fn->name)),
		.type = model_strdup(m, "longjmp", 7),
		.msg = full,
		.call = in->call->node.id,
		.path = in->path->node.id,
		.thread = t->pub.node.id,
		.abandoned = abandoned,
		.to = model_strdup(m, to, tolen),
	};
	uint32_t from = t->nstack - first > EVENT_STACK_MAX ? t->nstack - EVENT_STACK_MAX : first;
	const char **st = model_alloc(m, (t->nstack - from) * sizeof(*st));
	for (uint32_t i = from; i < t->nstack; i++) {
		const char *name = t->stack[i].path->fn->name;
		st[i - from] = model_strdup(m, name, strlen(name));
	}
	e->stack = st;
	e->nstack = t->nstack - from;
}

static void on_exception(struct model *m, struct thread_ent *t, const struct event *ev)
{
	size_t len;
	const char *fn = evstr(&ev->fn, &len);
	/* The innermost open call, or, when events were lost, the innermost
	 * one of that name; a fatal signal belongs to the innermost call.
	 * Never the "(callers not seen)" node. */
	struct frame *f = NULL;
	if (t->nstack) {
		if (ev->signal.s || model_func_is(t->stack[t->nstack - 1].path->fn, fn, len)) {
			f = &t->stack[t->nstack - 1];
		} else {
			for (uint32_t i = t->nstack; i-- > 0;) {
				if (model_func_is(t->stack[i].path->fn, fn, len)) {
					f = &t->stack[i];
					break;
				}
			}
		}
	}
	if (f && frame_is_marker(f))
		f = NULL;
	if (f)
		f->call->has_exception = 1;
	model_excsum_raise(m, t, f);
	/* A stats thread's figures are the stats' (model_stats.c). */
	if (!t->pub.stats) {
		if (f && f->path->exceptions != UINT32_MAX)
			f->path->exceptions++;
		if (len)
			model_func_intern(m, fn, len)->pub.exceptions++;
		else if (f)
			f->path->fn->exceptions++;
	}
	m->st.exceptions++;

	struct mexception *e = exc_new(m);
	const struct mprocess *proc = t->pub.proc;
	*e = (struct mexception){
		.id = m->st.exceptions + m->st.unwinds,
		.ts = ev->ts,
		.wall_ns = exc_wall(proc, ev->ts),
		.pid = proc->pid,
		.tid = t->pub.tid,
		.fn = dup_evstr(m, &ev->fn),
		.type = dup_evstr(m, &ev->type),
		.msg = dup_evstr(m, &ev->msg),
		.signal = ev->signal.s ? dup_evstr(m, &ev->signal) : NULL,
		.call = f ? f->call->node.id : 0,
		.path = f ? f->path->node.id : 0,
		.thread = t->pub.node.id,
	};
	size_t ns = ev->nstack > EVENT_STACK_MAX ? EVENT_STACK_MAX : ev->nstack;
	if (ns) {
		const char **st = model_alloc(m, ns * sizeof(*st));
		for (size_t i = 0; i < ns; i++)
			st[i] = dup_evstr(m, &ev->stack[i]);
		e->stack = st;
		e->nstack = ns;
	}
}

/* ---- lost events ------------------------------------------------------ */

bool model_proc_end_lost(const struct mprocess *p)
{
	return p->state == PROC_VANISHED || (p->has_bye_threads && p->tallies < p->bye_threads);
}

bool model_thread_stats_final_lost(const struct mthread *t)
{
	return t->stats && (t->stats_lost || (!t->has_tally && model_proc_end_lost(t->proc)));
}

static void thread_flag(struct model *m, struct thread_ent *t)
{
	bool inc = t->pub.unaccounted || t->overcount || t->pub.stats_lost ||
		   (!t->pub.has_tally && model_proc_end_lost(t->pub.proc));
	if (inc == t->pub.incomplete)
		return;
	t->pub.incomplete = inc;
	struct proc_ent *pe = MODEL_CONTAINER(t->pub.proc, struct proc_ent, pub);
	if (inc) {
		m->st.incomplete_threads++;
		pe->threads_incomplete++;
	} else {
		m->st.incomplete_threads--;
		pe->threads_incomplete--;
	}
}

static void proc_flag(struct model *m, struct mprocess *p)
{
	struct proc_ent *pe = MODEL_CONTAINER(p, struct proc_ent, pub);
	bool lost = model_proc_end_lost(p);
	if (lost != pe->end_lost) {
		pe->end_lost = lost;
		if (lost)
			m->st.processes_end_lost++;
		else
			m->st.processes_end_lost--;
	}
	bool inc = pe->threads_incomplete || lost;
	if (inc == p->incomplete)
		return;
	p->incomplete = inc;
	if (inc)
		m->st.incomplete_processes++;
	else
		m->st.incomplete_processes--;
}

/* After the process's state, bye or tallies changed. */
static void proc_refresh(struct model *m, struct mprocess *p)
{
	for (struct mthread *t = p->threads; t; t = t->next)
		thread_flag(m, MODEL_CONTAINER(t, struct thread_ent, pub));
	proc_flag(m, p);
}

/* Recomputes the thread's unaccounted events and carries the change to
 * its process and the run.  The sums move by exact differences (modulo
 * 2^64: only absurd seqs from the wire could wrap them). */
static void acc_refresh(struct model *m, struct thread_ent *t)
{
	uint64_t expected = t->pub.has_tally ? t->pub.tally_seq : t->max_seq;
	uint64_t have = t->pub.received - t->recv_base;
	sat_add(&have, t->pub.drops - t->drops_base);
	uint64_t u = t->unacc_done;
	if (expected > have)
		sat_add(&u, expected - have);
	/* More than the writer says it produced: not from libpipetrace, and
	 * not to be trusted.  (Before the tally it is only a drop count
	 * that came before the gap it explains.) */
	t->overcount = t->pub.has_tally && have > expected;
	struct mprocess *p = t->pub.proc;
	m->st.unaccounted += u - t->pub.unaccounted;
	p->unaccounted += u - t->pub.unaccounted;
	t->pub.unaccounted = u;
	thread_flag(m, t);
	proc_flag(m, p);
}

/* An event after the thread's tally: a new thread with the same tid (the
 * kernel reuses them), whose seqs start again at 1. */
static void acc_new_run(struct model *m, struct thread_ent *t)
{
	model_stats_new_run(m, t);
	t->unacc_done = t->pub.unaccounted;
	t->pub.has_tally = false;
	t->pub.tally_seq = 0;
	t->recv_base = t->pub.received;
	t->drops_base = t->pub.drops;
	t->max_seq = 0;
}

/* An enter, exit or exception: the common case (the next seq) leaves
 * the unaccounted events as they were. */
static void acc_seq(struct model *m, struct thread_ent *t, uint64_t seq)
{
	if (t->pub.has_tally)
		acc_new_run(m, t);
	t->pub.received++;
	if (seq == t->max_seq + 1) {
		t->max_seq = seq;
		return;
	}
	if (seq > t->max_seq)
		t->max_seq = seq;
	acc_refresh(m, t);
}

static void on_drop(struct model *m, struct thread_ent *t, uint64_t count)
{
	if (t->pub.has_tally)
		acc_new_run(m, t);
	sat_add(&t->pub.drops, count);
	sat_add(&m->st.drops, count);
	acc_refresh(m, t);
}

/* The writer's last word on a thread: its last seq and everything it
 * knows it lost, which supersedes the drop counts received. */
static void on_tally(struct model *m, struct thread_ent *t, const struct event *ev)
{
	struct mprocess *p = t->pub.proc;
	bool was = model_proc_end_lost(p);
	if (t->pub.has_tally)
		acc_new_run(m, t);
	uint64_t d = t->drops_base;
	sat_add(&d, ev->dropped);
	m->st.drops += d - t->pub.drops;
	t->pub.drops = d;
	t->pub.has_tally = true;
	t->pub.tally_seq = ev->seq;
	if (t->pub.stats && ev->stats_unsent) {
		/* Its final stats lines never came: its figures lag. */
		sat_add(&t->pub.stats_lost, ev->stats_unsent);
		sat_add(&m->st.stats_unsent, ev->stats_unsent);
	}
	if (p->tallies != UINT32_MAX)
		p->tallies++;
	acc_refresh(m, t);
	if (model_proc_end_lost(p) != was)
		proc_refresh(m, p);
}

/* ---- processes coming and going -------------------------------------- */

/* Threads flush separately and the hello is written when the library
 * connects, so times arrive out of order: keep the span. */
static void proc_saw(struct mprocess *p, int64_t ts)
{
	if (ts < p->first_ts)
		p->first_ts = ts;
	if (ts > p->last_ts)
		p->last_ts = ts;
}

static void proc_depth_max(struct model *m, struct mprocess *p, uint64_t depth_max)
{
	if (!p->depth_max != !depth_max) {
		if (depth_max)
			m->st.depth_limited++;
		else
			m->st.depth_limited--;
	}
	p->depth_max = depth_max;
	if (!depth_max)
		return;
	if (m->st.depth_limited == 1)
		m->st.depth_max = depth_max;
	else if (m->st.depth_max != depth_max)
		m->st.depth_max = 0;    /* several limits: each process says its own */
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* s into dst, cut with "…" when it does not fit (on a UTF-8 boundary). */
static void cut_copy(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len < size) {
		memcpy(dst, s, len + 1);
		return;
	}
	len = size - 4;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	memcpy(dst, s, len);
	memcpy(dst + len, "\xe2\x80\xa6", 4);
}

/* PIPETRACE_FILTER and _MIN_DURATION, as proc_depth_max(). */
static void proc_filter(struct model *m, struct mprocess *p, const struct event *ev)
{
	bool was = p->filter || p->min_duration;

	model_release(m, (void *)p->filter);
	p->filter = ev->filter.s ? dup_evstr(m, &ev->filter) : NULL;
	p->min_duration = ev->min_duration;
	if (!p->filter && !p->min_duration) {
		m->st.filtered -= was;
		return;
	}
	m->st.filtered += !was;
	if (m->st.filtered == 1 && !m->st.filters_differ) {
		free(m->st_filter_full);
		m->st_filter_full = p->filter ? strdup(p->filter) : NULL;
		cut_copy(m->st.filter, sizeof m->st.filter, p->filter ? p->filter : "");
		m->st.min_duration = p->min_duration;
	} else if (!m->st.filters_differ &&
		   (!same_str(m->st_filter_full, p->filter) || m->st.min_duration != p->min_duration)) {
		m->st.filters_differ = true;    /* each process says its own */
		m->st.filter[0] = 0;
		m->st.min_duration = 0;
	}
}

char *model_filter_text(char *buf, size_t size, const char *filter,
			uint64_t min_duration, const char *sep)
{
	char dur[32];
	int n = 0;

	if (!size)
		return buf;
	buf[0] = 0;
	if (filter)
		n = snprintf(buf, size, "filter: %s", filter);
	if (min_duration && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%scalls >= %s", n ? sep : "",
			 hist_format_ns(min_duration, dur, sizeof dur));
	return buf;
}

static void on_hello(struct model *m, const struct event *ev)
{
	struct proc_ent *p = model_proc_lookup(m, ev->pid);
	size_t plen;
	const char *prog = evstr(&ev->prog, &plen);
	if (p && p->pub.state == PROC_LIVE && p->had_hello &&
	    (p->pub.ppid != ev->ppid || strlen(p->pub.prog) != plen ||
	     memcmp(p->pub.prog, prog, plen))) {
		/* Same pid, another program (exec, or a reused pid whose old
		 * process never said bye): the old one is gone.  The same
		 * program and parent is the library reconnecting (it says
		 * hello on every new connection): same process. */
		p->pub.state = PROC_VANISHED;
		proc_close_all(m, &p->pub);
		proc_refresh(m, &p->pub);
		p = NULL;
	}
	if (!p || p->pub.state != PROC_LIVE)
		p = model_proc_new(m, ev->pid, ev->ts);
	p->had_hello = true;
	p->pub.ppid = ev->ppid;
	model_release(m, (void *)p->pub.prog);
	p->pub.prog = dup_evstr(m, &ev->prog);
	p->pub.hello_ts = ev->ts;
	p->pub.wall_ns = ev->wall;
	proc_depth_max(m, &p->pub, ev->depth_max);
	p->pub.stats_ms = ev->stats_ms;
	p->pub.clock_step = ev->clock_step;
	proc_filter(m, &p->pub, ev);
	proc_saw(&p->pub, ev->ts);
}

static void on_bye(struct model *m, const struct event *ev)
{
	struct proc_ent *p = model_proc_get(m, ev->pid, ev->ts);
	if (p->pub.state == PROC_LIVE)
		p->pub.state = PROC_EXITED;
	p->pub.has_status = ev->has_status;
	p->pub.status = ev->status;
	p->pub.has_bye_threads = ev->has_threads;
	p->pub.bye_threads = ev->threads;
	proc_saw(&p->pub, ev->ts);
	proc_close_all(m, &p->pub);
	proc_refresh(m, &p->pub);
}

void model_process_vanished(struct model *m, int32_t pid)
{
	struct proc_ent *p = model_proc_lookup(m, pid);
	if (!p || p->pub.state != PROC_LIVE)
		return;
	p->pub.state = PROC_VANISHED;
	proc_close_all(m, &p->pub);
	proc_refresh(m, &p->pub);
	m->gen++;
}

void model_end_of_input(struct model *m)
{
	for (struct mprocess *p = m->proc_head; p; p = p->next)
		proc_close_all(m, p);
	m->gen++;
}

/* ---- applying events ------------------------------------------------- */

void model_apply(struct model *m, const struct event *ev)
{
	m->st.events++;
	m->gen++;
	if (ev->kind == EV_HELLO) {
		on_hello(m, ev);
		return;
	}
	if (ev->kind == EV_BYE) {
		on_bye(m, ev);
		return;
	}
	if ((unsigned)ev->kind >= EV_KIND_COUNT)
		return;
	struct thread_ent *t = m->c_thr && m->c_pid == ev->pid && m->c_tid == ev->tid
				      ? m->c_thr : model_thread_get(m, ev->pid, ev->tid, ev->ts);
	t->pub.events++;
	proc_saw(t->pub.proc, ev->ts);
	if (ev->ts > t->pub.last_ts)
		t->pub.last_ts = ev->ts;
	if (ev->seq && ev->kind != EV_TALLY) {
		if (t->pub.last_seq && ev->seq > t->pub.last_seq + 1) {
			uint64_t gap = ev->seq - t->pub.last_seq - 1;
			sat_add(&t->pub.seq_gaps, gap);
			sat_add(&m->st.seq_gaps, gap);
		}
		t->pub.last_seq = ev->seq;
		acc_seq(m, t, ev->seq);
	}
	switch (ev->kind) {
	case EV_ENTER:
		on_call(m, t, ev);
		break;
	case EV_EXIT:
		on_return(m, t, ev);
		break;
	case EV_EXCEPTION:
		on_exception(m, t, ev);
		break;
	case EV_THREAD: {
		size_t len;
		const char *name = evstr(&ev->name, &len);
		if (!t->pub.name || strlen(t->pub.name) != len || memcmp(t->pub.name, name, len)) {
			model_release(m, (void *)t->pub.name);
			t->pub.name = model_strdup(m, name, len);
		}
		break;
	}
	case EV_DROP:
		on_drop(m, t, ev->count);
		break;
	case EV_TALLY:
		on_tally(m, t, ev);
		break;
	case EV_STATS:
		if (t->pub.has_tally)
			acc_new_run(m, t);  /* a new thread with the same tid */
		model_stats_apply(m, t, ev);
		thread_flag(m, t);
		proc_flag(m, t->pub.proc);
		break;
	default:
		break;
	}
}

/* ---- life cycle ------------------------------------------------------ */

/* Paths' histogram blocks go through the model's byte accounting. */
static void *hist_alloc_hook(void *ctx, size_t size)
{
	return model_alloc(ctx, size);
}

static void hist_release_hook(void *ctx, void *p)
{
	model_release(ctx, p);
}

struct model *model_create(const struct model_config *cfg)
{
	struct model *m = calloc(1, sizeof(*m));
	if (!m) {
		fputs("pipetrace-tui: out of memory in the trace model\n", stderr);
		abort();
	}
	m->st.bytes = malloc_usable_size(m) + MALLOC_OVERHEAD;
	if (cfg)
		m->cfg = *cfg;
	if (!m->cfg.max_calls)
		m->cfg.max_calls = MODEL_DEFAULT_MAX_CALLS;
	if (!m->cfg.max_exceptions)
		m->cfg.max_exceptions = MODEL_DEFAULT_MAX_EXCEPTIONS;
	if (!m->cfg.max_paths)
		m->cfg.max_paths = MODEL_DEFAULT_MAX_PATHS;
	m->next_call = 1;
	hist_init(&m->all);
	m->halloc = (struct hist_alloc){ .alloc = hist_alloc_hook, .release = hist_release_hook,
					 .ctx = m };
	static const char marker[] = "(callers not seen)";
	m->marker = model_calloc(m, sizeof(*m->marker));
	m->marker->pub.name = model_strdup(m, marker, sizeof(marker) - 1);
	m->marker->pub.marker = true;
	m->marker->len = sizeof(marker) - 1;
	hist_init(&m->marker->pub.hist);
	static const char other[] = "(other paths)";
	m->other = model_calloc(m, sizeof(*m->other));
	m->other->pub.name = model_strdup(m, other, sizeof(other) - 1);
	m->other->pub.other = true;
	m->other->len = sizeof(other) - 1;
	hist_init(&m->other->pub.hist);
	return m;
}

void model_thread_release(struct model *m, struct thread_ent *t)
{
	model_release(m, (void *)t->pub.name);
	model_release(m, t->stack);
	model_nest_free(m, t);
	model_stats_thread_free(m, t);
	model_release(m, t);
}

void model_proc_release(struct model *m, struct proc_ent *p)
{
	model_release(m, (void *)p->pub.prog);
	model_release(m, (void *)p->pub.filter);
	model_release(m, p);
}

void model_exc_drop_if(struct model *m, bool (*gone)(const struct mexception *, void *), void *ctx)
{
	size_t kept = 0;

	if (!m->exc_n)
		return;
	/* oldest first, survivors packed from slot 0: the ring starts again */
	struct mexception *nx = model_calloc(m, m->exc_cap * sizeof(*nx));
	for (size_t i = m->exc_n; i-- > 0;) {
		struct mexception *e = &m->exc[(m->exc_head + m->exc_cap - 1 - i) % m->exc_cap];
		if (gone(e, ctx))
			exc_clear(m, e);
		else
			nx[kept++] = *e;
	}
	model_release(m, m->exc);
	m->exc = nx;
	m->exc_n = kept;
	m->exc_head = kept % m->exc_cap;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->exc_n; i++) {
		size_t k = (m->exc_head + m->exc_cap - 1 - i) % m->exc_cap;
		exc_clear(m, &m->exc[k]);
	}
	model_release(m, m->exc);
	model_release(m, (void *)m->marker->pub.name);
	model_release(m, m->marker);
	model_release(m, (void *)m->other->pub.name);
	model_release(m, m->other);
	model_stats_free(m);
	for (size_t i = 0; i < m->funcs.n; i++) {
		struct func_ent *f = m->funcs.v[i];
		model_release(m, (void *)f->pub.name);
		model_release(m, f);
	}
	for (uint32_t i = 1; i <= m->hists.n; i++)
		hist_compact_free(model_hist_at(m, i), &m->halloc);
	model_chunkvec_free(m, &m->hists);
	model_excsum_free(m);
	model_chunkvec_free(m, &m->paths);
	/* entries cleared by model_forget_ended() are NULL */
	for (size_t i = 0; i < m->threads.n; i++)
		if (m->threads.v[i])
			model_thread_release(m, m->threads.v[i]);
	for (size_t i = 0; i < m->procs.n; i++)
		if (m->procs.v[i])
			model_proc_release(m, m->procs.v[i]);
	model_calls_free_all(m);
	struct ptrvec *vecs[] = { &m->funcs, &m->threads, &m->procs, &m->late, &m->work };
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		model_release(m, vecs[i]->v);
	free(m->st_filter_full);
	model_release(m, m->ftab);
	model_release(m, m->ptab);
	model_release(m, m->pidtab);
	model_release(m, m->ttab);
	free(m);
}
