/* fifo.h - where the FIFO lives and how the reader opens it safely.
 *
 * The reader creates the FIFO (0600) when it is missing, never follows a
 * symlink, refuses anything that is not a FIFO owned by the user, and holds
 * a write end of its own so that writers coming and going never cause EOF. */
#ifndef PT_FIFO_H
#define PT_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fifo {
	int rfd;                 /* owned: O_RDONLY|O_NONBLOCK */
	int wfd;                 /* owned: our own write end, never written */
	bool created;            /* we made it, so we remove it */
	dev_t dev;               /* the node we opened: removed only while the */
	ino_t ino;               /* path still names it */
	char path[4096];
};

/* Makes sure dir is a private directory of ours: creates it 0700 if
 * missing; refuses a symlink, a directory of another user or one open to
 * group or others.  Returns 0, or -1 with a message in err. */
int fifo_private_dir(const char *dir, char *err, size_t errsize);

/* The protocol's default path: $PIPETRACE_FIFO, else
 * $XDG_RUNTIME_DIR/pipetrace.fifo, else /tmp/pipetrace-$UID/pipetrace.fifo
 * (creating that directory 0700 and checking it is ours, not a symlink).
 * Returns 0, or -1 with a message in err. */
int fifo_default_path(char *buf, size_t size, char *err, size_t errsize);

/* Opens (creating if missing) the FIFO at path.  Returns 0, or -1 with a
 * message in err and nothing left open or created. */
int fifo_open(struct fifo *f, const char *path, char *err, size_t errsize);

/* Closes both ends and removes the FIFO if we created it. */
void fifo_close(struct fifo *f);

/* Removes the FIFO last opened with created == true and not yet closed,
 * and the private directory registered with fifo_register_dir(); only
 * async-signal-safe calls. */
void fifo_cleanup_signal_safe(void);

/* A directory (made with mkdtemp) to rmdir at cleanup if empty, or NULL. */
void fifo_register_dir(const char *dir);

#endif
