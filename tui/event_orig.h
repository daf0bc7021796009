/* event_orig.h - lines in the original (Python) pipetrace's formats, an
 * accepted input that libpipetrace never writes.
 *
 * The original writes one line per call event, text or JSON, with no
 * process or thread ids and no seq.  orig_parse() recognizes such a line
 * (stateless: it may run once when the line arrives and again when a
 * paused view applies it); orig_events() turns it into protocol events of
 * one synthetic process and thread per stream, keeping the depth and seq
 * the original does not write. */
#ifndef PT_EVENT_ORIG_H
#define PT_EVENT_ORIG_H

#include "event.h"

/* Real pids are positive, and the check for vanished processes skips
 * pids below 1: the synthetic process is never taken for a real one. */
#define ORIG_PID (-1)
#define ORIG_TID 1
#define ORIG_PROG "python (original pipetrace format)"
/* Events one line can give: the stream's hello, then an exception and
 * its exit. */
#define ORIG_EVENTS_MAX 3
/* Open calls whose start time is kept, for an exit without "elapsed". */
#define ORIG_STARTS 64

enum orig_kind { ORIG_ENTER, ORIG_EXIT, ORIG_EXCEPTION };

struct orig_line {
	enum orig_kind kind;
	struct event_str fn;
	bool has_time;
	int64_t wall;            /* "timestamp" (JSON only): ns since the epoch */
	int64_t elapsed;         /* exit, exception: ns; -1 when the line has none */
	struct event_str type;   /* exception */
	struct event_str msg;    /* exception */
};

enum orig_result {
	ORIG_NOT,                /* not in an original format: judge it as a protocol line */
	ORIG_OK,                 /* *out filled; strings valid until the next parse on p */
	ORIG_BAD,                /* in an original format but malformed: err says why */
};

/* Looks at a line the protocol parser refused (`len` bytes, no newline).
 * Text: "ENTER: ", "EXIT: "; JSON: an object without "ev" whose "type" is
 * "enter", "exit" or "exception". */
enum orig_result orig_parse(struct event_parser *p, const char *line, size_t len,
			    struct orig_line *out, struct event_error *err);

/* event_parse(), and for a line it refuses, orig_parse(): what a reader
 * of mixed input calls.  A line jansson already parsed is not parsed
 * again.  EVENT_OK fills *ev (*is_orig false) or *ol (*is_orig true);
 * EVENT_BAD gives the original format's reason when the line is in one,
 * else the protocol's. */
enum event_result event_parse_mixed(struct event_parser *p, const char *line, size_t len,
				    struct event *ev, struct orig_line *ol, bool *is_orig,
				    struct event_error *err);

/* One writer stream's state (zeroed to start). */
struct orig_stream {
	bool started;            /* its hello was given */
	uint64_t seq;
	int32_t depth;           /* calls open */
	int64_t start[ORIG_STARTS]; /* wall ns of the open calls' enters, by depth; 0: unknown */
};

/* The events of one parsed line, in order, into out[]; returns how many.
 * `now_wall` (CLOCK_REALTIME ns) times a line without a timestamp.  The
 * events borrow their strings from `l`. */
size_t orig_events(struct orig_stream *s, const struct orig_line *l, int64_t now_wall,
		   struct event out[ORIG_EVENTS_MAX]);

#endif
