/* event.h - one protocol line turned into a validated struct event.
 *
 * No curses, no model: this module only parses.  jansson is the parser of
 * record; a strict fast path may handle the library's canonical lines as
 * long as it yields exactly the event jansson would (tests/test_event.c
 * checks both on generated lines). */
#ifndef PT_EVENT_H
#define PT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The protocol's line limit, newline included. */
#define EVENT_LINE_MAX 4096
/* Most names a "stack" array may hold; more are cut. */
#define EVENT_STACK_MAX 128

enum event_kind {
	EV_HELLO,
	EV_THREAD,
	EV_ENTER,
	EV_EXIT,
	EV_EXCEPTION,
	EV_DROP,
	EV_BYE,
	EV_TALLY,
	EV_STATS,
	EV_KIND_COUNT
};

/* A string from a line: decoded from JSON escapes, valid UTF-8 (invalid
 * bytes in the line become U+FFFD before parsing, one per byte, instead of
 * refusing the line), never containing NUL (a line holding a NUL byte or
 * "\u0000" is refused).  It may still contain
 * control characters: whoever prints it must make them safe. */
struct event_str {
	const char *s;           /* borrowed from the parser, NUL-terminated; NULL when absent */
	size_t len;
};

/* One entry of a stats line's "nodes": the cumulative figures of one call
 * path of the thread (lib/PROTOCOL.md).  Entries that break the rules are
 * left out of the event and only counted (event.stats_bad). */
struct event_stats_node {
	uint64_t id;             /* >= 1 */
	uint64_t parent;         /* 0 = top level; valid when has_parent */
	bool has_parent;
	bool other;              /* the writer's "(other paths)" node */
	struct event_str fn;     /* s NULL when absent */
	struct event_str file;   /* optional */
	int32_t line;            /* optional; 0 when absent */
	uint64_t count, total, self, max, exc, abandoned; /* each <= INT64_MAX */
	uint64_t hist_missing;   /* calls the writer could not put in hist (optional) */
	uint32_t hist_off, hist_n; /* its [bucket, count] pairs: event.stats_hist[off .. off+n) */
};

struct event_hist_pair {
	uint32_t bucket;         /* < EVENT_HIST_BUCKETS, strictly increasing within a node */
	uint64_t count;
};

/* tui/hist.h's buckets, which the writers use too. */
#define EVENT_HIST_BUCKETS 48

struct event {
	enum event_kind kind;
	int64_t ts;              /* CLOCK_MONOTONIC ns */
	int32_t pid;
	int32_t tid;             /* 0 on hello and bye */
	uint64_t seq;            /* 0 when the kind has none; tally: the last seq
				  * the thread assigned (not a seq of its own) */
	int32_t depth;           /* -1 when the kind has none */
	struct event_str fn;     /* enter, exit, exception */
	struct event_str file;   /* enter, optional */
	int32_t line;            /* enter, optional; 0 when absent */
	int64_t dur;             /* exit: ns, >= 0; -1 when the line has no "dur"
				  * (the writer does not know it) */
	struct event_str type;   /* exception */
	struct event_str msg;    /* exception */
	struct event_str signal; /* exception, optional */
	struct event_str stack[EVENT_STACK_MAX]; /* exception, optional, outermost first */
	size_t nstack;
	struct event_str name;   /* thread */
	int32_t ppid;            /* hello */
	int32_t version;         /* hello: "v" */
	struct event_str prog;   /* hello */
	struct event_str lib;    /* hello */
	int64_t wall;            /* hello: CLOCK_REALTIME ns at ts */
	uint64_t depth_max;      /* hello: calls at this depth and deeper are
				  * not traced (PIPETRACE_DEPTH); 0 = no limit */
	struct event_str filter; /* hello, optional: PIPETRACE_FILTER's patterns */
	uint64_t min_duration;   /* hello: shorter calls are not sent
				  * (PIPETRACE_MIN_DURATION), ns; 0 = none */
	uint32_t clock_step;     /* hello: the writer's clock moves in steps of this
				  * many ns (durations below it are below what it can
				  * tell); 0 = not said */
	uint64_t count;          /* drop */
	uint64_t dropped;        /* tally: the thread's events the writer knows it lost */
	uint64_t stats_unsent;   /* tally: its stats nodes whose last figures were not
				    written (the reader misses them); 0 = none */
	bool has_status;         /* bye */
	int32_t status;          /* bye */
	bool has_threads;        /* bye */
	uint32_t threads;        /* bye: threads of the process that recorded events */
	uint32_t stats_ms;       /* hello: the writer sends stats this often; 0 = never */
	/* stats: the valid entries of "nodes" (borrowed from the parser, like
	 * the strings), and how many entries were refused, the first's reason */
	const struct event_stats_node *stats;
	size_t nstats;
	const struct event_hist_pair *stats_hist;
	uint32_t stats_bad;
	const char *stats_bad_why; /* static text; NULL when stats_bad is 0 */
};

/* Why a line was refused, jansson-style: the first error wins. */
struct event_error {
	int column;              /* 1-based byte position in the line, 0 if unknown */
	char text[160];          /* "expected ':' near 'x'", "missing key \"ts\"" ... */
};

enum event_result {
	EVENT_OK = 0,
	EVENT_BAD,               /* malformed or invalid: err says why */
	EVENT_UNKNOWN_KIND,      /* valid JSON object with an "ev" this reader does not know */
};

struct event_parser;

struct event_parser *event_parser_create(void);
void event_parser_free(struct event_parser *p);

/* Parses one line (without its newline; `len` bytes, may contain NULs).
 * On EVENT_OK fills *out, whose strings stay valid until the next call on
 * the same parser.  `err` may be NULL. */
enum event_result event_parse(struct event_parser *p, const char *line, size_t len,
			      struct event *out, struct event_error *err);

/* Parses with jansson only, skipping any fast path (for differential tests
 * and benchmarks). */
enum event_result event_parse_slow(struct event_parser *p, const char *line, size_t len,
				   struct event *out, struct event_error *err);

const char *event_kind_name(enum event_kind kind);

/* Writes a copy of `s` (`len` bytes, untrusted) that is safe to print on a
 * terminal: control characters (C0, DEL, C1) become \n, \t, \r or \xNN,
 * invalid UTF-8 becomes U+FFFD ("?" when !utf8), and when !utf8 every
 * non-ASCII character becomes "?".  Always NUL-terminates `dst` (size > 0)
 * and cuts on a character boundary; returns the bytes written. */
size_t event_safe_text(char *dst, size_t size, const char *s, size_t len, bool utf8);

#endif
