/* plain.h - the plain-text mode: the live trace as indented text lines,
 * one per event, and the per-function summary table. */
#ifndef PT_PLAIN_H
#define PT_PLAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "ingest.h"
#include "model.h"

struct plain_opts {
	bool summary;            /* print the table at the end of input or on stop */
	bool quiet;              /* no line per event (notes and summary only) */
	bool utf8;               /* arrows and non-ASCII text; ASCII otherwise */
	volatile sig_atomic_t *stop; /* borrowed: set by a signal handler to end */
};

/* Runs until the input ends (replay, traced command drained) or *stop is
 * set.  Returns the exit status: the traced command's when there is one. */
int plain_run(struct ingest *ing, struct model *m, const struct plain_opts *o, FILE *out);

/* The per-function table: calls, total, avg, p99, max, exceptions. */
void plain_summary(const struct model *m, const struct ingest_status *st, bool utf8, FILE *out);

#endif
