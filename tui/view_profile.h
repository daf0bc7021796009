/* view_profile.h - the profile view: the flat profile table (one row per
 * function over a scope) drawn in the calls pane's place, and the list of
 * a function's call paths ("called from"). */
#ifndef PT_VIEW_PROFILE_H
#define PT_VIEW_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "model_profile.h"
#include "view.h"

/* After a key the rows keep their order this long (figures still
 * change), as htop does: rows must not jump under a reading eye. */
#define PROFILE_HOLD_NS 2000000000LL
#define PROFILE_CALLERS_MAX 10000
/* The name column asks for room for names up to this long, and at most
 * a quarter of the pane, before it keeps the figure columns that come last. */
#define PROFILE_NAME_WANT 40
/* A process's or thread's rows add up its paths (some 250 ns each): past
 * this many, they are made again every PROFILE_BIG_NS only (and on keys). */
#define PROFILE_BIG_PATHS 200000
#define PROFILE_BIG_NS 10000000000LL

enum profile_scope { PSCOPE_ALL, PSCOPE_PROCESS, PSCOPE_THREAD };

struct profile_view {
	const struct model *m;   /* borrowed */
	const struct tree_view *tv; /* borrowed, may be NULL: its filters apply */
	unsigned filter_stamp;   /* tv->scope_stamp the rows were made under */
	bool on;                 /* shown instead of the calls pane */
	struct profile prof;     /* owned: the rows, in the order shown */
	enum prof_col sort;
	enum profile_scope scope_kind;
	node_id scope;           /* the process or thread, 0 for the whole run */
	uint64_t built_gen;      /* model generation of the rows; 0: never built */
	int64_t built_ns;        /* when they were made */
	uint64_t sum_gen;        /* model generation of prof.self_sum_ns (live rows) */
	size_t big_paths;        /* PROFILE_BIG_PATHS (tests set their own) */
	int64_t last_key_ns;     /* the last key that moved or sorted */
	int64_t (*now)(void);    /* monotonic ns (tests set their own) */
	const struct mfunc *cursor_fn; /* held by function: rows move */
	size_t top;
	/* "called from": the paths of callers_of, largest total first */
	const struct mfunc *callers_of; /* NULL: the table */
	node_id *callers;        /* owned, up to PROFILE_CALLERS_MAX */
	size_t ncallers, callers_total, ccursor, ctop;
	int height, width;       /* content (inside the frame, below the header) */
	int name_need;           /* bytes of the rows' longest name, up to
				    PROFILE_NAME_WANT: columns give way to it */
	char message[200];       /* the last save's path or error */
};

void profile_view_init(struct profile_view *pv, const struct model *m, const struct tree_view *tv);
void profile_view_free(struct profile_view *pv);
void profile_view_resize(struct profile_view *pv, int height, int width);
/* Rebuilds the rows when the model moved (a process or thread scope
 * walks all its paths: call it about once a second, not per event);
 * within PROFILE_HOLD_NS of a key the order is kept.  True when rows
 * changed. */
bool profile_view_refresh(struct profile_view *pv, bool force);
void profile_view_draw(struct profile_view *pv, WINDOW *w, bool focused);
/* `sel`: the calls pane's cursor, whose process or thread a scope takes.
 * *jump is set to a path to show in the calls pane (Enter in "called
 * from"), else 0. */
unsigned profile_view_key(struct profile_view *pv, int key, const struct mnode *sel, node_id *jump);
/* Mouse: a click on content row `row` (-1: the header) at column `col`
 * (inside the frame); true when it did something. */
unsigned profile_view_click(struct profile_view *pv, int row, int col);
/* The selected function's figures and histogram, for the histogram pane
 * (NULL on an empty table); in "called from", *path the selected path. */
const struct prof_row *profile_view_selected(struct profile_view *pv, const struct mnode **path);
/* Writes the table shown as CSV and text into dir (NULL: the current
 * directory), new files named with the time; pv->message says where or
 * what went wrong. */
bool profile_view_save(struct profile_view *pv, const char *dir);
/* The next (previous) function whose name matches s, from the cursor. */
unsigned profile_view_find(struct profile_view *pv, const struct search *s, bool backwards);
/* The scope as words ("all processes", "process 100 demo", ...). */
void profile_view_scope_text(const struct profile_view *pv, char *buf, size_t size);

#endif
