/* event_int.h - what event.c (jansson) and event_fast.c (the strict fast
 * path) share: the known keys, the values both parsers extract, and the one
 * validator that turns them into a struct event.
 *
 * Both parsers only tokenize; every rule about required keys, types and
 * ranges lives in event_validate(), so the two cannot disagree on meaning,
 * only on syntax (which tests/test_event.c checks differentially). */
#ifndef PT_EVENT_INT_H
#define PT_EVENT_INT_H

#include <jansson.h>

#include "event.h"

enum ev_key {
	K_EV, K_TS, K_PID, K_TID, K_SEQ, K_DEPTH, K_FN, K_FILE, K_LINE, K_DUR,
	K_TYPE, K_MSG, K_SIGNAL, K_STACK, K_NAME, K_PPID, K_V, K_PROG, K_LIB,
	K_WALL, K_COUNT, K_STATUS, K_DROPPED, K_THREADS, K_DEPTH_MAX, K_NODES, K_STATS_MS,
	K_FILTER, K_MIN_DURATION, K_STATS_UNSENT, K_CLOCK_STEP,
	K_NKEYS
};

enum val_type {
	VAL_INT,                 /* i */
	VAL_STR,                 /* s, len */
	VAL_STRS,                /* an array of strings, already in out->stack */
	VAL_ARR,                 /* any other array: arr (jansson's); for "nodes" from the
				  * fast path, arr NULL and the entries already decoded */
	VAL_OTHER,               /* anything else: tname says what, for the message */
};

struct ev_val {
	uint8_t type;            /* enum val_type */
	const char *tname;       /* static; VAL_OTHER only */
	long long i;
	const char *s;           /* borrowed from the parser */
	size_t len;
	json_t *arr;             /* borrowed from the parser's document: VAL_ARR */
	size_t n;                /* VAL_ARR "nodes" from the fast path: entries in p->nodes */
};

struct ev_fields {
	uint32_t present;        /* bit (1 << key) per key seen */
	size_t nstack;           /* VAL_STRS: names stored in out->stack */
	struct ev_val v[K_NKEYS];
};

struct event_parser {
	json_t *root;            /* owned: the last jansson document, holds the strings */
	char *buf;               /* owned: decoded strings of the fast path */
	size_t cap;
	char *fix;               /* owned: the line with invalid UTF-8 replaced */
	size_t fixcap;
	char signame[16];        /* a "signal" given as a number, by name */
	struct event_stats_node *nodes; /* owned: a stats line's valid entries */
	size_t nodes_cap;
	struct event_hist_pair *pairs;  /* owned: their histograms */
	size_t pairs_cap;
	size_t fast_nodes;       /* entries the fast path decoded into nodes */
};

/* The key's index, or -1 for a key this reader does not know. */
int event_key_lookup(const char *k, size_t len);

/* Checks the fields against the rules of their kind and fills *out. */
enum event_result event_validate(struct event_parser *p, const struct ev_fields *f,
				 struct event *out, struct event_error *err);

/* The fast path: -1 (only "ask jansson", never a verdict on the line)
 * unless it fully understood the line's syntax; then the fields are
 * exactly those jansson would find, and the result is event_validate()'s
 * (*out filled on EVENT_OK, err set otherwise). */
int event_try_fast(struct event_parser *p, const char *line, size_t len, struct event *out,
		   struct event_error *err);

/* event_try_fast() for the differential tests: EVENT_OK with *out filled
 * for a valid event it understood; otherwise EVENT_BAD, meaning only
 * "not taken by the fast path". */
enum event_result event_parse_fast(struct event_parser *p, const char *line, size_t len,
				   struct event *out);

/* A stats line's "nodes" array (event_stats.c): the valid entries into
 * out->stats, the others counted in out->stats_bad.  False (err set) only
 * without memory. */
bool event_stats_nodes(struct event_parser *p, json_t *arr, struct event *out,
		       struct event_error *err);
/* Room for this many entries and histogram pairs in p. */
bool event_stats_reserve(struct event_parser *p, size_t nodes, size_t pairs);

/* The line with each invalid UTF-8 byte replaced by U+FFFD (in p's
 * buffer, *len updated), or the line itself when it is valid. */
const char *event_fix_utf8(struct event_parser *p, const char *line, size_t *len);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid
 * (overlong, surrogate, above U+10FFFF, truncated). */
int event_utf8_len(const unsigned char *s, size_t avail);

#endif
