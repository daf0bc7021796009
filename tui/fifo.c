/* fifo.c - the FIFO's default path, its safe creation and opening, and
 * its removal (also from a signal handler). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"

/* What a signal handler must remove: copied here before it exists, the flag
 * raised only once the copy is complete. */
static char cleanup_fifo[4096];
static volatile sig_atomic_t cleanup_fifo_set;
/* Its inode once known (cleanup_fifo_ino_set): a signal removes only that. */
static dev_t cleanup_fifo_dev;
static ino_t cleanup_fifo_ino;
static volatile sig_atomic_t cleanup_fifo_ino_set;
static char cleanup_dir[4096];
static volatile sig_atomic_t cleanup_dir_set;

static int errf(char *err, size_t errsize, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int errf(char *err, size_t errsize, int e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e)
		snprintf(err, errsize, "%s: %s", msg, strerror(e));
	else
		snprintf(err, errsize, "%s", msg);
	return -1;
}

int fifo_private_dir(const char *dir, char *err, size_t errsize)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return errf(err, errsize, errno, "cannot create %s", dir);
	if (lstat(dir, &st) < 0)
		return errf(err, errsize, errno, "cannot check %s", dir);
	if (!S_ISDIR(st.st_mode))
		return errf(err, errsize, 0, "%s is not a directory (a symlink?): refusing it", dir);
	if (st.st_uid != getuid())
		return errf(err, errsize, 0, "%s belongs to another user: refusing it", dir);
	if (st.st_mode & 077)
		return errf(err, errsize, 0, "%s is open to other users (mode not 0700): refusing it", dir);
	return 0;
}

bool fifo_xdg_dir_ok(const char *dir, char *why, size_t whysize)
{
	struct stat st;

	if (*dir != '/') {
		snprintf(why, whysize, "is not an absolute path");
		return false;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(why, whysize, "cannot be checked (%s)", strerror(errno));
		return false;
	}
	if (S_ISLNK(st.st_mode)) {
		/* whoever controls the link chooses where the FIFO goes */
		snprintf(why, whysize, "is a symbolic link");
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whysize, "is not a directory");
		return false;
	}
	if (st.st_uid != getuid()) {
		/* its owner can rename or replace anything in it (e.g. the
		 * directory of the user one ran su from) */
		snprintf(why, whysize, "belongs to uid %lu, not to you", (unsigned long)st.st_uid);
		return false;
	}
	if (st.st_mode & 022) {
		/* others could remove or rename our FIFO (even with the
		 * sticky bit set, they can fill the name before we do) */
		snprintf(why, whysize, "is writable by group or others (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
		return false;
	}
	return true;
}

int fifo_default_path(char *buf, size_t size, char *warn, size_t warnsize,
		      char *err, size_t errsize)
{
	const char *env = getenv("PIPETRACE_FIFO");
	char why[128];
	int n;

	if (warnsize)
		warn[0] = '\0';
	if (env && *env) {
		n = snprintf(buf, size, "%s", env);
	} else if ((env = getenv("XDG_RUNTIME_DIR")) && *env &&
		   fifo_xdg_dir_ok(env, why, sizeof why)) {
		n = snprintf(buf, size, "%s/pipetrace.fifo", env);
	} else {
		char dir[64];

		snprintf(dir, sizeof dir, "/tmp/pipetrace-%lu", (unsigned long)getuid());
		if (fifo_private_dir(dir, err, errsize) < 0)
			return -1;
		n = snprintf(buf, size, "%s/pipetrace.fifo", dir);
		/* Said once, so that the user knows where programs must
		 * write (and can fix the directory): a silent switch would
		 * look like traced programs that never connect. */
		if (env && *env)
			snprintf(warn, warnsize, "$XDG_RUNTIME_DIR (%.200s) %s: not using it; "
				 "the FIFO is %s instead", env, why, buf);
	}
	if (n < 0 || (size_t)n >= size)
		return errf(err, errsize, 0, "FIFO path too long: %s", buf);
	return 0;
}

/* The path must name a FIFO of ours; lstat so that a symlink is seen as one. */
static int check_node(const struct stat *st, const char *path, char *err, size_t errsize)
{
	if (S_ISLNK(st->st_mode))
		return errf(err, errsize, 0, "%s is a symbolic link: refusing it", path);
	if (!S_ISFIFO(st->st_mode))
		return errf(err, errsize, 0, "%s exists and is not a FIFO: refusing it", path);
	if (st->st_uid != getuid())
		return errf(err, errsize, 0, "%s belongs to another user: refusing it", path);
	return 0;
}

int fifo_open(struct fifo *f, const char *path, char *err, size_t errsize)
{
	struct stat st;

	f->rfd = f->wfd = -1;
	f->created = false;
	f->dev = 0;
	f->ino = 0;
	if (errsize)
		err[0] = '\0';
	if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path)
		return errf(err, errsize, 0, "FIFO path too long: %s", path);
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return errf(err, errsize, errno, "cannot check %s", path);
		if (mkfifo(path, 0600) < 0) {
			if (errno != EEXIST)
				return errf(err, errsize, errno, "cannot create FIFO %s", path);
		} else {
			f->created = true;
			/* Registered at once: a signal may come before we finish. */
			cleanup_fifo_ino_set = 0;
			memcpy(cleanup_fifo, f->path, sizeof cleanup_fifo);
			cleanup_fifo_set = 1;
		}
		if (lstat(path, &st) < 0) {
			errf(err, errsize, errno, "cannot check %s", path);
			goto fail;
		}
	}
	if (check_node(&st, path, err, errsize) < 0)
		goto fail;
	if (!f->created) {
		/* A writer's open succeeds only when a reader exists: then
		 * another monitor is listening, and two readers would each
		 * get a random half of the lines. */
		int probe = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (probe >= 0) {
			close(probe);
			errf(err, errsize, 0, "another reader is already listening on %s", path);
			goto fail;
		}
	}
	/* O_NOFOLLOW, then fstat: the node may have been swapped since lstat. */
	f->rfd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (f->rfd < 0) {
		errf(err, errsize, errno, "cannot open %s", path);
		goto fail;
	}
	if (fstat(f->rfd, &st) < 0 || check_node(&st, path, err, errsize) < 0) {
		if (!err[0])
			errf(err, errsize, errno, "cannot check %s", path);
		goto fail;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (f->created) {
		cleanup_fifo_dev = st.st_dev;
		cleanup_fifo_ino = st.st_ino;
		cleanup_fifo_ino_set = 1;
	}
	if ((st.st_mode & 077) && fchmod(f->rfd, 0600) < 0) {
		errf(err, errsize, errno, "cannot make %s private (chmod 0600)", path);
		goto fail;
	}
#ifdef F_SETPIPE_SZ
	/* A deeper pipe rides out the moments the reader is busy (drawing,
	 * a burst) without writers dropping events; the kernel caps it at
	 * /proc/sys/fs/pipe-max-size for unprivileged users, so try less
	 * when more is refused. */
	for (int sz = 1 << 20; sz >= 1 << 16; sz >>= 1)
		if (fcntl(f->rfd, F_SETPIPE_SZ, sz) >= 0)
			break;
#endif
	/* Our own writer: with it, the read end never sees EOF between the
	 * traced programs, and poll never reports a hang-up. */
	f->wfd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (f->wfd < 0) {
		errf(err, errsize, errno, "cannot open %s for writing", path);
		goto fail;
	}
	/* Opened by name a second time: it must be the very FIFO we read. */
	if (fstat(f->wfd, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
		errf(err, errsize, 0, "%s was replaced while it was being opened: refusing it", path);
		goto fail;
	}
	return 0;
fail:
	fifo_close(f);
	return -1;
}

bool fifo_still_there(const struct fifo *f)
{
	struct stat st;

	return lstat(f->path, &st) == 0 && S_ISFIFO(st.st_mode) &&
	       st.st_dev == f->dev && st.st_ino == f->ino;
}

int fifo_reopen(struct fifo *f, int *old_rfd, char *err, size_t errsize)
{
	struct fifo nf;

	/* fifo_open makes no change to f or to what the path holds when it
	 * refuses; if it fails after making a FIFO, it removes that one,
	 * which is then the only FIFO of ours at the path. */
	if (fifo_open(&nf, f->path, err, errsize) < 0)
		return -1;
	if (!nf.created && cleanup_fifo_set && !strcmp(cleanup_fifo, f->path)) {
		/* The registration named the old node, now gone; the FIFO
		 * taken over is not ours to remove. */
		cleanup_fifo_set = 0;
		cleanup_fifo_ino_set = 0;
	}
	if (f->wfd >= 0)
		close(f->wfd);
	*old_rfd = f->rfd;
	*f = nf;
	return 0;
}

void fifo_close(struct fifo *f)
{
	if (f->rfd >= 0)
		close(f->rfd);
	if (f->wfd >= 0)
		close(f->wfd);
	f->rfd = f->wfd = -1;
	if (f->created) {
		/* Only if it is still the FIFO we made (not replaced meanwhile:
		 * same inode).  When opening failed before the inode was
		 * known, the node at the path is the one mkfifo just made. */
		struct stat st;

		if (lstat(f->path, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid == getuid() &&
		    (!f->ino || (st.st_dev == f->dev && st.st_ino == f->ino)))
			unlink(f->path);
		f->created = false;
		if (cleanup_fifo_set && !strcmp(cleanup_fifo, f->path)) {
			cleanup_fifo_set = 0;
			cleanup_fifo_ino_set = 0;
		}
	}
}

void fifo_register_dir(const char *dir)
{
	cleanup_dir_set = 0;
	if (dir && strlen(dir) < sizeof cleanup_dir) {
		memcpy(cleanup_dir, dir, strlen(dir) + 1);
		cleanup_dir_set = 1;
	}
}

void fifo_cleanup_signal_safe(void)
{
	if (cleanup_fifo_set) {
		struct stat st;  /* lstat is async-signal-safe */

		if (!cleanup_fifo_ino_set ||
		    (lstat(cleanup_fifo, &st) == 0 && S_ISFIFO(st.st_mode) &&
		     st.st_dev == cleanup_fifo_dev && st.st_ino == cleanup_fifo_ino))
			unlink(cleanup_fifo);
		cleanup_fifo_set = 0;
	}
	if (cleanup_dir_set) {
		rmdir(cleanup_dir);      /* fails, harmlessly, while a log is kept there */
		cleanup_dir_set = 0;
	}
}
