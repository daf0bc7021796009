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

/* Whether dir may hold the default FIFO as $XDG_RUNTIME_DIR: an absolute
 * path naming a real directory (lstat: not a symlink), owned by the user,
 * not writable by group or others.  Read or search permission for others
 * is allowed: the FIFO in it is 0600 anyway, and write permission is what
 * would let someone else remove or swap entries.  false with the reason
 * ("is writable by group or others (mode 0777)") in why. */
bool fifo_xdg_dir_ok(const char *dir, char *why, size_t whysize);

/* The protocol's default path: $PIPETRACE_FIFO, else
 * $XDG_RUNTIME_DIR/pipetrace.fifo when fifo_xdg_dir_ok() accepts it, else
 * /tmp/pipetrace-$UID/pipetrace.fifo (creating that directory 0700 and
 * checking it is ours, not a symlink).  When $XDG_RUNTIME_DIR is set but
 * refused, warn says why and which path is used instead (else warn is "").
 * Returns 0, or -1 with a message in err. */
int fifo_default_path(char *buf, size_t size, char *warn, size_t warnsize,
		      char *err, size_t errsize);

/* Opens (creating if missing) the FIFO at path.  Returns 0, or -1 with a
 * message in err and nothing left open or created. */
int fifo_open(struct fifo *f, const char *path, char *err, size_t errsize);

/* Whether the path still names the FIFO f has open (one lstat: cheap
 * enough to ask about once a second). */
bool fifo_still_there(const struct fifo *f);

/* For a FIFO no longer at its path (removed or replaced by someone else):
 * opens what the path holds now with all of fifo_open's checks, creating a
 * FIFO if the path is free, or taking over a FIFO of ours that nobody
 * reads (not removed at the end, since we did not make it).  On success f
 * describes the new FIFO (registered for the signal-safe cleanup if we
 * created it), f's old write end is closed, and its old read end is handed
 * over in *old_rfd: writers still connected to the old FIFO go on writing
 * there, and reading it reaches EOF once the last of them is gone.
 * Returns 0, or -1 with a message in err (what sits at the path, or why it
 * could not be made) and f unchanged: nothing at the path is touched
 * unless it is a FIFO of ours. */
int fifo_reopen(struct fifo *f, int *old_rfd, char *err, size_t errsize);

/* Closes both ends and removes the FIFO if we created it. */
void fifo_close(struct fifo *f);

/* Removes the FIFO last opened with created == true and not yet closed,
 * and the private directory registered with fifo_register_dir(); only
 * async-signal-safe calls. */
void fifo_cleanup_signal_safe(void);

/* A directory (made with mkdtemp) to rmdir at cleanup if empty, or NULL. */
void fifo_register_dir(const char *dir);

#endif
