/* model_profile.h - the flat profile: one row per function over a scope
 * (the whole run, one process or one thread), from the model's figures.
 *
 * Plain C, no curses.  The whole run takes the model's per-function
 * figures (struct mfunc) as they are; a process or a thread adds up its
 * merged paths, a function's inclusive time only from the paths with no
 * call of the same function above them (its outermost calls), as the
 * model counts mfunc.total_ns.  Rows borrow the model's functions: a
 * profile lives no longer than its model. */
#ifndef PT_MODEL_PROFILE_H
#define PT_MODEL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"
#include "model.h"

/* Columns, in the table's order; the first is the name. */
enum prof_col {
	PROF_NAME, PROF_CALLS, PROF_TOTAL, PROF_SELF, PROF_AVG, PROF_P99, PROF_MAX, PROF_EXC,
	PROF_SHARE, PROF_NCOLS
};

struct prof_row {
	const struct mfunc *fn;  /* borrowed from the model */
	uint64_t calls;          /* finished calls of known duration */
	uint64_t total_ns;       /* inclusive, outermost calls only */
	uint64_t self_ns;
	uint64_t sum_ns;         /* every finished call's duration: the average's */
	uint64_t max_ns, p99_ns;
	uint64_t exceptions;
	const struct hist *hist; /* borrowed: every finished call's duration */
	uint64_t key;            /* sort scratch */
};

struct profile {
	struct prof_row *rows;   /* owned, n of them */
	size_t n, cap;
	struct hist *hists;      /* owned: the rows' histograms, for a process or a thread */
	size_t hists_cap;        /* of hists and open */
	uint64_t self_sum_ns;    /* all rows' self time: the share's whole */
	node_id scope;           /* a process or thread id; 0 for the whole run */
	size_t paths;            /* paths added up (0 for the whole run) */
	bool live;               /* rows are the model's functions: profile_row_now() */
	/* the largest clock step of the scope's processes, ns (0: none
	 * said): avg, p99 and max below it read "<10 ns" */
	uint32_t clock_step;
	/* build scratch, kept for the next build */
	uint32_t *slots;         /* owned: open addressing, row index + 1 */
	size_t nslots;
	uint32_t *open;          /* owned: per row, its calls on the path being walked */
	uint32_t *stack;         /* owned: rows of the path being walked (UINT32_MAX: none) */
	size_t stack_cap;
};

void profile_init(struct profile *p);
void profile_free(struct profile *p);
/* Rows for scope (NULL: the whole run; a process or thread node; any
 * other node stands for its thread).  Row order is unspecified until
 * profile_sort().  False without memory (the rows are then empty). */
bool profile_build(struct profile *p, const struct model *m, const struct mnode *scope);
/* The same over the threads keep() says yes to (scope 0).  Callers'
 * filters: the model knows none. */
bool profile_build_threads(struct profile *p, const struct model *m,
			   bool (*keep)(const struct mthread *t, void *ctx), void *ctx);
/* Leaves out the rows of the functions drop() says yes to (their time
 * stays in the share's whole). */
void profile_remove_if(struct profile *p, bool (*drop)(const struct mfunc *fn, void *ctx), void *ctx);
/* The process (thread false) or thread (true) that node n belongs to;
 * a process's first thread for a thread; NULL for NULL. */
const struct mnode *profile_scope_of(const struct model *m, const struct mnode *n, bool thread);
/* A whole-run row with its function's figures as they are now (the
 * order stays the sort's); other rows as they are. */
void profile_row_now(const struct profile *p, struct prof_row *r);
/* The shares' whole as it is now, for rows drawn with profile_row_now()
 * (one look at every row). */
void profile_sum_now(struct profile *p);
/* A column's value for sorting: times in ns, share in millionths. */
uint64_t profile_value(const struct profile *p, const struct prof_row *r, enum prof_col col);
/* Largest first (names: A to Z), ties by name. */
void profile_sort(struct profile *p, enum prof_col col);
/* The order of `prev` (functions), rows not in it after them by `col`. */
void profile_sort_like(struct profile *p, const struct mfunc *const *prev, size_t nprev,
		       enum prof_col col);
/* The paths of fn within scope (as for profile_build), largest total
 * first: up to cap ids into out; returns how many there are in all. */
size_t profile_callers(const struct model *m, const struct mnode *scope, const struct mfunc *fn,
		       node_id *out, size_t cap);
/* Name of a column as the table's header and the CSV's say it. */
const char *profile_col_name(enum prof_col col);
/* The table as CSV (header line, one line per row, in row order): times
 * in ns, share in percent; names quoted as RFC 4180 wants. */
int profile_write_csv(const struct profile *p, FILE *out);
/* The same as a table for people (durations as "1.20 ms"), after a
 * title line when title is not NULL. */
int profile_write_text(const struct profile *p, FILE *out, const char *title);

#endif
