/* source.h - where event lines come from, and cutting bytes into lines.
 *
 * A source is the listening FIFO, a child process traced through a private
 * FIFO, or a recording replayed from a file.  Reads never block.  The line
 * splitter keeps a partial line across reads and discards (and reports)
 * lines longer than the protocol's limit up to their newline, holding no
 * more than the limit of any line. */
#ifndef PT_SOURCE_H
#define PT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event.h"
#include "fifo.h"

#define LINEBUF_READ 65536

struct linebuf {
	size_t pos, len;         /* unsplit bytes are buf[pos..len) */
	size_t carry_len;        /* partial line kept in carry */
	size_t over_len;         /* > 0: discarding an oversized line this long so far */
	bool over_told;          /* that line was already reported (LINE_TOO_LONG) */
	bool carry_used;         /* carry was handed out as a line: reset it next */
	size_t frame_len;        /* > 0: carry holds part of a binary frame this
				  * long; SIZE_MAX: of its header */
	char carry[EVENT_LINE_MAX];
	char buf[LINEBUF_READ];
};

/* LINE_FRAME: a whole binary frame (event_bin.h) instead of a line: a
 * writer's unit that starts with its magic byte and a valid header. */
enum line_kind { LINE_NONE, LINE_OK, LINE_OVERSIZED, LINE_TOO_LONG, LINE_FRAME };

void linebuf_init(struct linebuf *lb);
/* Where to read into, and how much fits (always > 0 once next() said NONE). */
char *linebuf_space(struct linebuf *lb, size_t *avail);
void linebuf_added(struct linebuf *lb, size_t n);
/* The next complete line (without its newline; borrowed until the next
 * call): LINE_OK with the line and its length, LINE_OVERSIZED with only
 * its length (line NULL), or LINE_NONE when more bytes are needed.
 * LINE_TOO_LONG (line NULL, len: its bytes so far) says once that the line
 * being read has passed the limit before its newline came: input that
 * never sends one is reported at once, not never; the rest of that line
 * is then skipped without a second report. */
enum line_kind linebuf_next(struct linebuf *lb, const char **line, size_t *len);
/* At the end of input: the unterminated tail, if any (a writer that died
 * mid-line), as a line; LINE_NONE when there is none. */
enum line_kind linebuf_finish(struct linebuf *lb, const char **line, size_t *len);

enum source_kind { SRC_FIFO, SRC_CHILD, SRC_REPLAY };

struct source {
	enum source_kind kind;
	struct fifo fifo;        /* SRC_FIFO, SRC_CHILD */
	int fd;                  /* owned: the replay file (SRC_REPLAY), else fifo.rfd */
	bool eof;                /* replay: the file is read to its end */
	char desc[4200];         /* FIFO path, "CMD ARGS", or the replayed file */
	char warn[600];          /* SRC_FIFO: why $XDG_RUNTIME_DIR was not used, or "" */
	/* SRC_CHILD */
	char dir[4096];          /* private directory made with mkdtemp */
	char log_path[4200];     /* the child's stdout and stderr */
	bool log_private;        /* ours, in dir: removed at the end */
	pid_t child;
	bool child_running;
	int child_status;        /* from waitpid, once !child_running */
	bool subreaper;          /* orphans of the command's tree become our children */
	bool descendants;        /* once the command exited: some process it started
				  * still runs (known only with subreaper) */
};

/* Each returns 0, or -1 with a message in err and nothing left behind. */
int source_open_fifo(struct source *s, const char *path, char *err, size_t errsize);
/* log: where the command's output goes (kept), or NULL for a private log in
 * the private directory, removed by source_close().  keep_stdin: the
 * command inherits our stdin, else it reads /dev/null.  On failure errno is
 * exec's error if the command could not be run, else 0. */
int source_open_child(struct source *s, char *const *cmd, const char *log,
		      bool keep_stdin, char *err, size_t errsize);
int source_open_replay(struct source *s, const char *path, char *err, size_t errsize);

/* Creates (0600) or truncates a file the user named for our output
 * (--log, --record): never through a symlink, and only a regular file of
 * ours or a character device (/dev/null, a terminal), so that a planted
 * link cannot redirect the output or destroy another file.  Returns a
 * blocking O_CLOEXEC descriptor, or -1 with a message in err. */
int source_open_output(const char *path, char *err, size_t errsize);

/* source_read()'s answer when a FIFO is empty and no writer has it open
 * (only once the command has exited: before, we hold a write end). */
#define SOURCE_NO_WRITER (-2)

/* Reads at most n bytes: > 0 bytes read, 0 when nothing is available now,
 * SOURCE_NO_WRITER (a FIFO: may change when a writer comes), -1 at the end
 * of a replay file (or on a read error, then also ended). */
ssize_t source_read(struct source *s, char *buf, size_t n);

/* Reaps the child if it exited (non-blocking), and any orphan of its tree
 * handed to us; true when the child's state changed.  When the child has
 * exited, our own write end of its FIFO is closed, so that reading reaches
 * EOF once every writer left in the command's tree has gone. */
bool source_reap_child(struct source *s);

/* For a listening FIFO (SRC_FIFO): whether its path still names it; when
 * it does not (removed or replaced), opens or creates what is right there
 * with fifo_open's checks.  0: unchanged; 1: reopened, msg says what
 * happened and *old_rfd is the old FIFO's read end (the caller reads it to
 * EOF, then closes it); -1: the path holds something else, left alone, and
 * msg says what. */
int source_watch_fifo(struct source *s, int *old_rfd, char *msg, size_t msgsize);

/* Stops a running child (SIGTERM, then SIGKILL, and reaps it), closes,
 * removes what it created (FIFO, private log, private directory). */
void source_close(struct source *s);

/* For a signal handler: SIGTERM to the running child, if any, and removal
 * of the private log. */
void source_cleanup_signal_safe(void);

#endif
