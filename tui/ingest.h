/* ingest.h - from a source (FIFO, child process, recording) to the model.
 *
 * Reads without blocking, splits lines across partial reads, parses, records
 * valid lines (--record), applies events to the model, or queues them while
 * the view is paused.  No curses: both the plain printer and the full-screen
 * interface drive it. */
#ifndef PT_INGEST_H
#define PT_INGEST_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "model.h"

struct ingest_config {
	const char *fifo_path;   /* listen here; NULL = the protocol's default */
	char *const *cmd;        /* run this program and trace it (NULL-terminated), or NULL */
	const char *record_path; /* write every valid line here, or NULL */
	const char *replay_path; /* read a recording instead of listening, or NULL */
	size_t pause_queue_max;  /* events queued while paused; 0 = default; past it dropped and counted */
	const char *child_log_path; /* cmd's stdout and stderr go here (kept), or NULL
				     * for a private temporary log removed at the end */
	bool cmd_stdin;          /* cmd reads our stdin (plain mode); else /dev/null */
	/* keep every valid line in private temporary files for the save and
	 * export keys (keep.h), up to this many bytes on disk; 0: not kept */
	uint64_t keep_max;
	unsigned cmd_quiet_end_ms; /* with cmd, once it has exited: input ends when no
				    * writer has the FIFO open and no process it started
				    * runs; with this > 0 (plain mode) also when nothing
				    * arrived for this long, so that an idle background
				    * process does not hold the end for ever; 0 (full
				    * screen): only then */
};

struct ingest_status {
	const char *source;      /* FIFO path, "CMD ARGS", or the replayed file */
	bool paused;
	bool input_ended;        /* replay finished, or the traced command exited and was drained */
	uint64_t lines;          /* lines read */
	uint64_t events;         /* valid events (applied + queued) */
	uint64_t bad_lines;      /* malformed, invalid or oversized */
	uint64_t oversized;      /* of which longer than 4096 bytes */
	uint64_t unknown_kinds;
	char last_bad[200];      /* "line 1234: expected ':' near 'x'" (already safe to print) */
	uint64_t queued;         /* waiting to be applied (paused) */
	uint64_t queue_max;
	uint64_t queue_dropped;  /* lost because the pause queue was full */
	double events_per_s;     /* recent ingest rate */
	bool has_child;
	bool child_running;
	int child_pid;
	int child_wait_status;   /* from waitpid, valid once !child_running */
	const char *child_log;   /* file holding the child's stdout and stderr */
	bool child_log_kept;     /* it is the user's --log file (else removed at the end) */
	const char *record_error; /* why --record stopped writing (e.g. disk full), or NULL */
	int32_t newer_version;   /* > 0: a hello spoke this protocol version, newer than 1 */
	/* The listening FIFO (not -- CMD, not --replay) */
	const char *fifo_warning; /* why $XDG_RUNTIME_DIR was not used for the default
				   * FIFO, and which path is used instead; or NULL */
	uint64_t fifo_recreated; /* times its path was found removed or replaced, and a
				  * FIFO there listened on again */
	const char *fifo_problem; /* while its path holds something that is not a FIFO
				   * we may use (left alone): what; else NULL */
	const char *fifo_note;   /* the last of those events, said in a sentence, or NULL */
	uint64_t fifo_notes;     /* bumped with each new fifo_note */
};

/* An event as the plain printer sees it, after it was applied. */
typedef void (*ingest_event_cb)(void *ctx, const struct event *ev, const struct model *m);

struct ingest;

/* Opens the source (creating the FIFO, starting the command).  NULL on
 * failure with a message in err, and errno set to exec's error when the
 * command could not be run (ENOENT: not found), else to 0. */
struct ingest *ingest_create(const struct ingest_config *cfg, struct model *m,
			     char *err, size_t errsize);
/* Stops the child if still running (SIGTERM, then SIGKILL), removes a FIFO
 * it created and the private log. */
void ingest_free(struct ingest *ing);

/* The lines kept for the save and export keys, or NULL (not asked for,
 * or no temporary file could be made: *why says so when not NULL). */
struct keep *ingest_keep(struct ingest *ing, const char **why);

/* Called for each applied event (optional). */
void ingest_set_event_cb(struct ingest *ing, ingest_event_cb cb, void *ctx);
/* A second consumer of each applied event, independent of the first (the
 * exporter, in both plain and full-screen modes). */
void ingest_set_tap(struct ingest *ing, ingest_event_cb cb, void *ctx);

/* File descriptors to poll(2) for input; returns how many were stored. */
int ingest_pollfds(struct ingest *ing, struct pollfd *fds, int max);

/* Reads what is available and applies (or queues) at most `budget` events,
 * reading at most about 4 * budget lines and 4 KiB * budget bytes in all.
 * Never blocks.  Returns the number of events taken in: less than `budget`
 * when the input is drained (or a run of bad lines hit the line cap, or
 * input without lines the byte cap: then poll(2) finds more waiting). */
size_t ingest_step(struct ingest *ing, size_t budget);

void ingest_set_paused(struct ingest *ing, bool paused);
const struct ingest_status *ingest_get_status(const struct ingest *ing);

/* Once the input has ended without a single valid event (a recording with
 * no valid line; -- CMD ran and exited and nothing arrived): writes into
 * buf what went wrong, and for a command the likely causes and how to check
 * them, and returns buf.  NULL while events came or input goes on.  The
 * text holds user input (paths, the command): escape it before printing. */
const char *ingest_no_events_note(const struct ingest *ing, char *buf, size_t size);

/* Removes a FIFO it created and the private log, sends SIGTERM to a running
 * command; async-signal-safe, for SIGINT/SIGTERM handlers. */
void ingest_cleanup_signal_safe(void);

#endif
