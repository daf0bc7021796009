/* view.h - the panes of the full-screen interface and the state they keep.
 *
 * Each pane draws into a WINDOW from the model plus its own view state, so
 * tests can draw it into a headless screen.  Key handlers return a bitmask
 * of what needs redrawing; the loop in ui.c redraws only that. */
#ifndef PT_VIEW_H
#define PT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "draw.h"
#include "ingest.h"
#include "model.h"
#include "scope.h"
#include "search.h"

enum dirty {
	DIRTY_STATUS = 1 << 0,
	DIRTY_TREE = 1 << 1,
	DIRTY_CURSOR = 1 << 2,   /* only the old and the new cursor rows */
	DIRTY_HIST = 1 << 3,
	DIRTY_EXC = 1 << 4,
	DIRTY_HINT = 1 << 5,
	DIRTY_OVERLAY = 1 << 6,
	DIRTY_LAYOUT = 1 << 7,   /* windows must be rebuilt */
	DIRTY_ALL = 0xff,
};

enum pane { PANE_TREE, PANE_HIST, PANE_EXC, PANE_COUNT };

#define VIEW_CTRL(c) ((c) & 0x1f)   /* the key code of Ctrl-c */
#define VIEW_KEY_ESC 27

/* A set of node ids (open addressing; 0 is the empty slot). */
struct idset {
	uint64_t *slots;         /* owned */
	size_t cap, used;        /* used counts tombstones too */
};

void idset_init(struct idset *s);
void idset_free(struct idset *s);
bool idset_has(const struct idset *s, uint64_t id);
void idset_put(struct idset *s, uint64_t id);
void idset_del(struct idset *s, uint64_t id);
void idset_clear(struct idset *s);

#define TREE_MATCHES_MAX 100000u

struct tree_row {
	node_id id;
	int depth;
	int mark_x;              /* column of its \u25b8/\u25be mark (clicks), -1: none */
};

/* The calls pane. */
enum tree_sort { SORT_FIRST, SORT_TOTAL, SORT_COUNT, SORT_MAX, SORT_EXC, SORT_N };

struct tree_view {
	const struct model *m;   /* borrowed */
	enum model_view view;
	struct idset toggled;    /* ids whose expand state differs from the default */
	bool threads_closed;     /* default for thread rows (C collapses them) */
	node_id top[2], cursor[2]; /* per view: first row drawn, the cursor */
	bool follow;             /* keep the cursor on the newest row */
	/* rows of the last frame */
	struct tree_row *rows;   /* owned, `height` of them */
	int height, width;       /* of the content area (inside the frame, below the header) */
	int nrows;               /* rows drawn */
	int cursor_row;          /* -1 when the cursor is off screen */
	int old_cursor_row;      /* for a two-line repaint */
	/* search */
	struct search *search;   /* owned, NULL without a query */
	node_id *matches;        /* owned, up to TREE_MATCHES_MAX, tree order */
	size_t nmatches, matches_total, match_idx;
	uint64_t matches_gen;    /* model generation they were collected at */
	double matches_time;     /* when (monotonic s) */
	char message[120];       /* "match 3 of 27", "no match" */
	struct sibcaches *sib;   /* owned: marks into long sibling lists (view_sib.c) */
	/* order of children, per view (view_sort.c) */
	enum tree_sort sort[2];
	uint64_t sort_epoch;     /* sorted lists made in an older one are stale */
	uint64_t sort_gen;       /* model generation at the last sort */
	struct sortcache *sortc; /* owned */
	/* pids of the processes up to pids_upto (the list only grows), so a
	 * process row finds its traced parent without walking every process */
	struct idset pids;
	const struct mnode *pids_upto; /* borrowed, NULL before the first */
	const char *empty_note;  /* borrowed: shown instead of "waiting for events"
				  * when input ended with none (raw: drawn escaped) */
	int indent_shift;        /* call levels scrolled off the left ([ and ], view_depth.c) */
	struct folds *folds;     /* owned: folded recursion (view_fold.c) */
	/* calls view (view_time.c): start times by the wall clock, else since
	 * the process started; the time window of the rows on screen */
	bool wall_clock;
	int64_t tl_lo, tl_hi;
	/* what is shown (view_scope.c): the walks below leave out what it
	 * filters; stamp moves with every change of it */
	struct scope scope;
	unsigned scope_stamp;
};

/* Recursion folding (view_fold.c): a chain repeating a cycle of up to
 * three functions is one row; the pane walks the tree through these. */
struct folds;
void fold_free(struct folds *f);
/* The row above n in the pane (the fold row for the children of a
 * folded chain's last level); NULL at the top. */
const struct mnode *tree_vis_parent(const struct tree_view *tv, const struct mnode *n);
/* The node whose children are n's rows: a folded chain's last level for
 * its fold row, else n. */
const struct mnode *tree_list_of(const struct tree_view *tv, const struct mnode *n);
/* n, or the fold row standing for n when a folded chain hides it. */
const struct mnode *tree_fold_shown_as(const struct tree_view *tv, const struct mnode *n);
/* Depth of n's row in the pane (processes 0), and in the model. */
int tree_vis_depth(const struct tree_view *tv, const struct mnode *n);
int tree_real_depth(const struct tree_view *tv, const struct mnode *n);
struct fold_row {
	int period;              /* functions in the cycle */
	const char *fn[3];       /* borrowed from the model */
	uint32_t levels;         /* levels the chain spans */
	uint32_t side_levels;    /* levels that also made other calls (inside the fold) */
	bool folded;
};
/* Whether n starts a chain (folded or opened with z), and which. */
bool tree_fold_row(const struct tree_view *tv, const struct mnode *n, struct fold_row *out);
/* Folds every chain again (C). */
void tree_fold_reset(struct tree_view *tv);
/* Opens the folds that hide n. */
void tree_fold_reveal(struct tree_view *tv, const struct mnode *n);
/* z: fold or unfold the chain under the cursor. */
unsigned tree_view_fold_key(struct tree_view *tv, const struct mnode *cur);

/* Time in the calls view (view_time.c). */
struct mcall;
/* When c started: "+1.234567s" since its process started, or (T) the
 * wall clock, "14:03:59.123456" (local time), where its process sent one. */
const char *tree_start_text(const struct tree_view *tv, const struct mcall *c, char *buf, size_t size);
/* The time span of the call rows of the frame (after they are placed). */
void tree_timeline_window(struct tree_view *tv);
/* A call's cells in that span, right-aligned to x_end in `width` columns. */
void tree_timeline_draw(const struct tree_view *tv, WINDOW *w, int y, int x_end, int width,
			const struct mcall *c, attr_t base, bool is_cursor);
/* T: wall clock / since the process started. */
unsigned tree_view_time_key(struct tree_view *tv);
/* M: the slowest kept call of the path (or call's path) under the cursor. */
unsigned tree_view_slowest(struct tree_view *tv);
/* { }: the previous / next kept call of that path slower than its p99. */
unsigned tree_view_step_slow(struct tree_view *tv, bool backwards);

/* Indentation of a row (view_depth.c): columns before its glyph, given
 * its tree depth, its call level (-1 for process and thread rows) and the
 * columns left for the row's name; *at_depth when the row must say its
 * level as a number. */
int tree_indent(const struct tree_view *tv, int depth, int level, int room, bool *at_depth);
/* [ and ]: shift the indentation window by a few levels. */
unsigned tree_view_shift(struct tree_view *tv, bool deeper);

/* Children order (view_sort.c).  The walk of the pane goes through
 * tree_first_child(), tree_next_sib() and tree_parent() (view_scope.c:
 * the sorted order less what the scope filters leave out), never the
 * model's own. */
struct sortcache;
const char *tree_sort_name(enum model_view view, enum tree_sort s);
/* The next order of the current view (the `s` key). */
unsigned tree_view_cycle_sort(struct tree_view *tv);
/* Sorts again when the model changed since the last sort (call at most
 * about once a second: rows move then). */
void tree_view_resort(struct tree_view *tv);
const struct mnode *sort_first_child(const struct tree_view *tv, const struct mnode *p);
const struct mnode *sort_next_sib(const struct tree_view *tv, const struct mnode *n);
const struct mnode *tree_first_child(const struct tree_view *tv, const struct mnode *p);
const struct mnode *tree_next_sib(const struct tree_view *tv, const struct mnode *n);
/* The row above n's: its parent, past rows of hidden functions. */
const struct mnode *tree_parent(const struct tree_view *tv, const struct mnode *n);
/* The row a node is shown on under the scope: itself, else its nearest
 * shown ancestor (NULL when none is). */
const struct mnode *tree_scope_row(const struct tree_view *tv, const struct mnode *n);
/* The siblings before n in the sorted order (up to cap, in order, in
 * ring; *count of them); false when p is not sorted or n came after the
 * sort: then walk. */
bool sort_before(const struct tree_view *tv, const struct mnode *p, const struct mnode *n,
		 const struct mnode **ring, size_t cap, size_t *count);
/* The last child of p in the sorted order; *done false when p is not
 * sorted (then walk). */
const struct mnode *sort_last_child(const struct tree_view *tv, const struct mnode *p, bool *done);
void sort_free(struct sortcache *c);

void tree_view_init(struct tree_view *tv, const struct model *m);
void tree_view_free(struct tree_view *tv);
/* Sets the content size (rows x columns). */
void tree_view_resize(struct tree_view *tv, int height, int width);

bool tree_view_expanded(const struct tree_view *tv, const struct mnode *n);
const struct mnode *tree_view_cursor(struct tree_view *tv);
/* The pane's whole window (frame included). */
void tree_view_draw(struct tree_view *tv, WINDOW *w, bool focused);
/* Repaints the old and the new cursor rows only. */
void tree_view_draw_cursor(struct tree_view *tv, WINDOW *w, bool focused);
unsigned tree_view_key(struct tree_view *tv, int key);
/* Makes `id` the cursor, expanding its ancestors and scrolling to it. */
unsigned tree_view_jump(struct tree_view *tv, node_id id);
/* Follow mode: called when the model changed. */
void tree_view_follow(struct tree_view *tv);

/* Search (view_search.c). */
unsigned tree_view_set_query(struct tree_view *tv, const char *query);
unsigned tree_view_next_match(struct tree_view *tv, bool backwards);
/* Re-counts matches when the model moved on (throttled by the caller). */
void tree_view_refresh_matches(struct tree_view *tv, bool force);

/* Long sibling lists (view_sib.c): the last child of p, and the siblings
 * before n (the last `cap` of them in ring, in order; returns how many were
 * passed, *found false when n is not a child of p).  The walk may start
 * from a sibling other than the first: callers see only ring's content. */
struct sibcaches;
const struct mnode *sib_last_child(const struct tree_view *tv, const struct mnode *p);
size_t sib_before(const struct tree_view *tv, const struct mnode *p, const struct mnode *n,
		  const struct mnode **ring, size_t cap, bool *found);
void sib_free(struct sibcaches *s);

/* Tree walking helpers shared by view_tree.c and view_search.c. */
const struct mnode *tree_next_visible(const struct tree_view *tv, const struct mnode *n);
const struct mnode *tree_up(const struct tree_view *tv, const struct mnode *n, int k, int *moved);
/* The last visible row of n's subtree (n itself when collapsed; NULL for NULL). */
const struct mnode *tree_last_visible(const struct tree_view *tv, const struct mnode *n);

/* Histogram pane: for the node under the tree cursor, or the whole run. */
void hist_view_draw(WINDOW *w, const struct model *m, const struct mnode *sel, bool focused);
/* A function's (the profile view's row): scope is whose events tell
 * whether it is a sample (NULL: the whole run). */
void hist_view_draw_func(WINDOW *w, const struct model *m, const char *name, const struct hist *h,
			 uint64_t total_ns, uint64_t self_ns, const struct mnode *scope, bool focused);

/* Exceptions pane: the kept exceptions by time, newest first. */
struct exc_view {
	size_t top;              /* first shown, a position in `order` */
	uint64_t cursor_id;      /* exception id held under the cursor; 0: on the newest, following */
	size_t *order;           /* owned: model indexes by time, newest first */
	size_t norder, cap;
	uint64_t order_id;       /* newest id and count `order` was made for */
	size_t order_n;
	/* borrowed, may be NULL: only its processes' and threads' exceptions
	 * are listed; order_stamp is its stamp `order` was made for */
	const struct tree_view *scope_tv;
	unsigned order_stamp;
};
void exc_view_free(struct exc_view *ev);
/* How many kept exceptions are newer than the one held (0 when following). */
size_t exc_view_newer(struct exc_view *ev, const struct model *m);
void exc_view_draw(struct exc_view *ev, WINDOW *w, const struct model *m, bool focused);
unsigned exc_view_key(struct exc_view *ev, const struct model *m, int key, int page);
const struct mexception *exc_view_selected(struct exc_view *ev, const struct model *m);
/* A click on row y of the pane's window: the exception drawn there. */
unsigned exc_view_click(struct exc_view *ev, const struct model *m, int y);

/* Status and key hint lines. */
struct status_info {
	const struct ingest_status *st; /* borrowed; NULL in tests without a source */
	struct model_stats ms;
	bool follow;
	enum model_view view;
	const char *search_msg;  /* borrowed, may be NULL: what the last key said */
	bool searching;          /* a search is active (n/N step through it) */
	const char *prompt;      /* borrowed: the search being typed, or NULL */
	const char *note;        /* borrowed: a question in place of the hints, or NULL */
	const char *scope;       /* borrowed: what the filters leave out, "" for nothing */
	const char *notice;      /* borrowed: what the last key did (saved to...), or NULL */
	bool notice_warn;
	bool profile;            /* the profile view is shown: its keys */
};
void status_draw(WINDOW *w, const struct status_info *si);
void hint_draw(WINDOW *w, const struct status_info *si);

/* Overlays. */
void help_draw(WINDOW *w, int scroll, const struct ingest_status *st);
int help_lines(void);
/* The pager over a text file (child output); scroll < 0 = end. */
struct pager {
	char *text;              /* owned, the file's last bytes */
	size_t len;
	size_t *lines;           /* owned, offsets of line starts */
	size_t nlines;
	long scroll;
	int page;                /* rows shown at the last draw */
	long long file_size;     /* of the file when loaded */
	char title[160];
};
bool pager_load(struct pager *p, const char *path, const char *title);
/* Reloads when the file has grown, keeping the scroll (or the end). */
bool pager_refresh(struct pager *p, const char *path);
void pager_free(struct pager *p);
void pager_draw(struct pager *p, WINDOW *w);
unsigned pager_key(struct pager *p, int key, int page);

/* The message shown below the minimum size. */
#define UI_MIN_COLS 40
#define UI_MIN_LINES 10
void too_small_draw(WINDOW *w);

#endif
