/* scope.h - what the monitor shows of the model: scope filters.
 *
 * Plain C, no curses: the views ask these questions while they walk the
 * model; the model itself is never changed by a filter.  The words for
 * the status line, the menu and the walks are view_scope.c's.
 *
 * Filters (all may be combined):
 *   only      one process, or one thread, by node id (0: all);
 *   ended     processes that ended (bye or vanished) hidden;
 *   hidden    functions whose rows are left out while their callees stay,
 *             shown in the hidden row's place under its parent (uftrace's
 *             --hide); the parent's figures stay its own (its total still
 *             holds the hidden calls' time, its self time does not);
 *   min_ns    calls view only: finished calls shorter than this are left
 *             out with everything they called (running, unfinished and
 *             abandoned calls, whose duration is unknown, stay). */
#ifndef PT_SCOPE_H
#define PT_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define SCOPE_HIDDEN_MAX 32

struct scope {
	node_id only;            /* a process or thread id; 0 = everything */
	bool hide_ended;
	const struct mfunc *hidden[SCOPE_HIDDEN_MAX]; /* borrowed from the model */
	size_t nhidden;
	uint64_t min_ns;         /* 0 = off */
};

/* What a filter leaves out, for the status line. */
struct scope_counts {
	uint32_t procs_hidden, threads_hidden;
	uint64_t calls_hidden;   /* kept calls left out by min_ns */
};

static inline bool scope_active(const struct scope *s)
{
	return s && (s->only || s->hide_ended || s->nhidden || s->min_ns);
}

bool scope_shows_process(const struct scope *s, const struct model *m, const struct mprocess *p);
bool scope_shows_thread(const struct scope *s, const struct model *m, const struct mthread *t);
/* A path or call of a hidden function: its row is left out, its
 * children take its place. */
bool scope_fn_hidden(const struct scope *s, const struct mfunc *fn);
/* A call (calls view) left out with its subtree by min_ns. */
bool scope_call_short(const struct scope *s, const struct mcall *c);
/* Whether node n is shown at all: its process and thread are, no call
 * above it (or itself) is too short, and it is not of a hidden function. */
bool scope_shows_node(const struct scope *s, const struct model *m, enum model_view view,
		      const struct mnode *n);

/* Hides fn, or shows it again when hidden; false when the list is full. */
bool scope_toggle_hidden(struct scope *s, const struct mfunc *fn);

/* "1ms", "250 us", "2.5s", "800ns", "1500" (ns): false when it is none. */
bool scope_parse_duration(const char *text, uint64_t *ns);

/* Counts what the filters leave out.  Walks every kept call of the shown
 * threads when min_ns is set: call it at most about once a second. */
void scope_count(const struct scope *s, const struct model *m, struct scope_counts *out);

#endif
