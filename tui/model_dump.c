/* model_dump.c - the model as stable text, for tests and debugging: one line
 * per node, indented by level; then functions, exceptions and stats.  The
 * data-driven tests (tests/data/model/<case>/expected) compare against it,
 * so change the format only together with those files. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "model.h"

/* Writes `s` quoted, with control characters, quotes and backslashes
 * escaped, so a dump never carries raw bytes from a trace. */
static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void put_quantiles(FILE *out, const struct hist *h)
{
	if (!h || !h->n)
		return;
	fprintf(out, " p50=%llu p90=%llu p99=%llu",
		(unsigned long long)hist_quantile(h, 0.5),
		(unsigned long long)hist_quantile(h, 0.9),
		(unsigned long long)hist_quantile(h, 0.99));
}

static const char *proc_state(enum mprocess_state s)
{
	switch (s) {
	case PROC_LIVE: return "live";
	case PROC_EXITED: return "exited";
	case PROC_VANISHED: return "vanished";
	}
	return "?";
}

static const char *call_state(int s)
{
	switch (s) {
	case CALL_RUNNING: return "running";
	case CALL_DONE: return "done";
	case CALL_PARTIAL: return "partial";
	case CALL_UNFINISHED: return "unfinished";
	case CALL_ABANDONED: return "abandoned";
	case CALL_UNSEEN: return "marker";
	}
	return "?";
}

static void dump_node(FILE *out, const struct model *m, const struct mnode *n, int level)
{
	fprintf(out, "%*s", level * 2, "");
	switch (mnode_kind(n)) {
	case MN_PROCESS: {
		const struct mprocess *p = (const struct mprocess *)n;
		fprintf(out, "process %d ", p->pid);
		put_str(out, p->prog);
		fprintf(out, " ppid=%d %s", p->ppid, proc_state(p->state));
		if (p->has_status)
			fprintf(out, " status=%d", p->status);
		fprintf(out, " threads=%u ts=%lld..%lld", p->nthreads, (long long)p->first_ts,
			(long long)p->last_ts);
		/* accounting only where there is some: older cases stay as they were */
		if (p->has_bye_threads)
			fprintf(out, " bye_threads=%u", p->bye_threads);
		if (p->tallies)
			fprintf(out, " tallies=%u", p->tallies);
		if (p->unaccounted)
			fprintf(out, " unaccounted=%llu", (unsigned long long)p->unaccounted);
		fputs(p->incomplete ? " incomplete\n" : "\n", out);
		break;
	}
	case MN_THREAD: {
		const struct mthread *t = (const struct mthread *)n;
		fprintf(out, "thread %d ", t->tid);
		if (t->name)
			put_str(out, t->name);
		else
			fputs("-", out);
		fprintf(out, " events=%llu seq_gaps=%llu drops=%llu depth_mismatches=%llu",
			(unsigned long long)t->events, (unsigned long long)t->seq_gaps,
			(unsigned long long)t->drops, (unsigned long long)t->depth_mismatches);
		if (t->has_tally)
			fprintf(out, " received=%llu tally_seq=%llu", (unsigned long long)t->received,
				(unsigned long long)t->tally_seq);
		if (t->unaccounted)
			fprintf(out, " unaccounted=%llu", (unsigned long long)t->unaccounted);
		if (t->stats)
			fprintf(out, " stats_lines=%llu stats_lost=%llu",
				(unsigned long long)t->stats_lines, (unsigned long long)t->stats_lost);
		fputs(t->incomplete ? " incomplete\n" : "\n", out);
		break;
	}
	case MN_PATH: {
		const struct mpath *p = (const struct mpath *)n;
		put_str(out, p->fn->name);
		fprintf(out, " n=%llu run=%llu unf=%llu exc=%llu total=%llu self=%llu max=%llu",
			(unsigned long long)p->count, (unsigned long long)p->running,
			(unsigned long long)p->unfinished, (unsigned long long)p->exceptions,
			(unsigned long long)p->total_ns, (unsigned long long)p->self_ns,
			(unsigned long long)p->max_ns);
		if (p->abandoned)
			fprintf(out, " abandoned=%llu", (unsigned long long)p->abandoned);
		if (p->fn->marker)
			fputs(" marker", out);
		if (p->fn->other)
			fputs(" other", out);
		if (p->stats)
			fputs(" stats", out);
		struct hist h;
		model_path_hist(m, p, &h);
		put_quantiles(out, &h);
		fputc('\n', out);
		break;
	}
	case MN_CALL: {
		const struct mcall *c = (const struct mcall *)n;
		put_str(out, c->path->fn->name);
		fprintf(out, " start=%lld", (long long)c->start_ts);
		if (c->dur_ns >= 0)
			fprintf(out, " dur=%lld", (long long)c->dur_ns);
		fprintf(out, " %s%s\n", call_state(c->state), c->has_exception ? " exc" : "");
		break;
	}
	}
}

void model_dump(const struct model *m, enum model_view view, FILE *out)
{
	int level = 0;

	for (const struct mnode *n = model_next_preorder(m, view, NULL, &level); n;
	     n = model_next_preorder(m, view, n, &level))
		dump_node(out, m, n, level);
}

/* Appends to buf[*at..size) without overflowing; keeps it terminated. */
static void label_put(char *buf, size_t size, size_t *at, const char *s)
{
	for (; *s && *at + 1 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		buf[(*at)++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	buf[*at < size ? *at : size - 1] = '\0';
}

char *model_node_label(const struct model *m, const struct mnode *node, char *buf, size_t size)
{
	if (!size)
		return buf;
	buf[0] = '\0';
	if (!node)
		return buf;
	/* Collect the chain of names from the node up to its thread. */
	const char *names[64];
	size_t nn = 0, skipped = 0;
	const struct mnode *n = node;
	while (n && (mnode_kind(n) == MN_PATH || mnode_kind(n) == MN_CALL)) {
		const struct mpath *p = mnode_kind(n) == MN_PATH ? (const struct mpath *)n
							   : ((const struct mcall *)n)->path;
		if (nn < sizeof(names) / sizeof(names[0]))
			names[nn++] = p->fn->name;
		else
			skipped++;
		n = model_parent(m, mnode_kind(n) == MN_PATH ? VIEW_PATHS : VIEW_CALLS, n);
	}
	char num[48];
	size_t at = 0;
	if (n && mnode_kind(n) == MN_THREAD) {
		const struct mthread *t = (const struct mthread *)n;
		snprintf(num, sizeof(num), "%d/%d", t->proc->pid, t->tid);
	} else if (n && mnode_kind(n) == MN_PROCESS) {
		snprintf(num, sizeof(num), "%d", ((const struct mprocess *)n)->pid);
	} else {
		num[0] = '\0';
	}
	label_put(buf, size, &at, num);
	if (skipped)
		label_put(buf, size, &at, "/...");
	while (nn)
		label_put(buf, size, &at, "/"), label_put(buf, size, &at, names[--nn]);
	if (mnode_kind(node) == MN_CALL) {
		snprintf(num, sizeof(num), "@%lld", (long long)((const struct mcall *)node)->start_ts);
		label_put(buf, size, &at, num);
	}
	return buf;
}

void model_dump_summary(const struct model *m, FILE *out)
{
	for (size_t i = 0; i < model_func_count(m); i++) {
		const struct mfunc *f = model_func_at(m, i);
		fputs("func ", out);
		put_str(out, f->name);
		fprintf(out, " calls=%llu exc=%llu total=%llu self=%llu max=%llu",
			(unsigned long long)f->calls, (unsigned long long)f->exceptions,
			(unsigned long long)f->total_ns, (unsigned long long)f->self_ns,
			(unsigned long long)f->hist.max_ns);
		if (f->abandoned)
			fprintf(out, " abandoned=%llu", (unsigned long long)f->abandoned);
		put_quantiles(out, &f->hist);
		if (f->calls_nodur)
			fprintf(out, " nodur=%llu", (unsigned long long)f->calls_nodur);
		fputc('\n', out);
	}
	char label[512];
	for (size_t i = 0; i < model_exception_count(m); i++) {
		const struct mexception *e = model_exception_at(m, i);
		fprintf(out, "exception #%llu ts=%lld wall=%lld %d/%d ", (unsigned long long)e->id,
			(long long)e->ts, (long long)e->wall_ns, e->pid, e->tid);
		put_str(out, e->fn);
		fputc(' ', out);
		put_str(out, e->type);
		fputc(' ', out);
		put_str(out, e->msg);
		if (e->signal) {
			fputs(" signal=", out);
			put_str(out, e->signal);
		}
		if (e->abandoned) {
			fprintf(out, " abandoned=%llu to=", (unsigned long long)e->abandoned);
			put_str(out, e->to);
		}
		if (e->nstack) {
			fputs(" stack=", out);
			for (size_t k = 0; k < e->nstack; k++) {
				if (k)
					fputc(',', out);
				put_str(out, e->stack[k]);
			}
		}
		const struct mnode *c = e->call ? model_find(m, e->call) : NULL;
		fprintf(out, " call=%s", e->call ? (c ? model_node_label(m, c, label, sizeof(label))
						      : "(retired)") : "-");
		const struct mnode *p = e->path ? model_find(m, e->path) : NULL;
		fprintf(out, " path=%s\n", p ? model_node_label(m, p, label, sizeof(label)) : "-");
	}
	struct model_stats st;
	model_get_stats(m, &st);
	fprintf(out, "stats events=%llu calls=%llu kept=%llu retired=%llu partial=%llu "
		"unfinished=%llu paths=%llu exceptions=%llu drops=%llu seq_gaps=%llu "
		"depth_mismatches=%llu too_deep=%llu processes=%u threads=%u\n",
		(unsigned long long)st.events, (unsigned long long)st.calls,
		(unsigned long long)st.calls_kept, (unsigned long long)st.calls_retired,
		(unsigned long long)st.calls_partial, (unsigned long long)st.calls_unfinished,
		(unsigned long long)st.paths, (unsigned long long)st.exceptions,
		(unsigned long long)st.drops, (unsigned long long)st.seq_gaps,
		(unsigned long long)st.depth_mismatches, (unsigned long long)st.too_deep,
		st.processes, st.threads);
	if (st.nest_unsure)
		fprintf(out, "stats nest_unsure=%llu\n", (unsigned long long)st.nest_unsure);
	if (st.calls_abandoned || st.unwinds || st.callers_unseen)
		fprintf(out, "stats abandoned=%llu unwinds=%llu callers_unseen=%llu\n",
			(unsigned long long)st.calls_abandoned, (unsigned long long)st.unwinds,
			(unsigned long long)st.callers_unseen);
	if (st.stats_lines || st.stats_bad || st.stats_ignored)
		fprintf(out, "stats lines=%llu nodes=%llu bad=%llu ignored=%llu clamped=%llu threads=%u\n",
			(unsigned long long)st.stats_lines, (unsigned long long)st.stats_nodes,
			(unsigned long long)st.stats_bad, (unsigned long long)st.stats_ignored,
			(unsigned long long)st.stats_clamped, st.stats_threads);
	if (st.calls_flattened)
		fprintf(out, "flattened %llu\n", (unsigned long long)st.calls_flattened);
	if (st.unaccounted || st.incomplete_processes || st.incomplete_threads || st.calls_nodur)
		fprintf(out, "accounting unaccounted=%llu incomplete_processes=%u incomplete_threads=%u "
			"end_lost=%u nodur=%llu\n", (unsigned long long)st.unaccounted,
			st.incomplete_processes, st.incomplete_threads, st.processes_end_lost,
			(unsigned long long)st.calls_nodur);
	const struct hist *all = model_all_hist(m);
	fprintf(out, "all n=%llu sum=%llu min=%llu max=%llu", (unsigned long long)all->n,
		(unsigned long long)all->sum_ns, (unsigned long long)all->min_ns,
		(unsigned long long)all->max_ns);
	put_quantiles(out, all);
	fputc('\n', out);
}
