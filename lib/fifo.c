/* fifo.c - the writer's end of the rendezvous FIFO.
 *
 * The library never creates the FIFO and never blocks on it: it opens it
 * non-blocking and without following a symlink, and writes only into a FIFO
 * owned by its own user.  With no reader it retries at most every 100 ms;
 * when the reader goes away it gets EPIPE (never a fatal SIGPIPE) and goes
 * back to waiting for one.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define PTP_RETRY_NS 100000000u

static char ptp_path[PATH_MAX];
static int ptp_fd = -1;
static dev_t ptp_dev;                   /* identity of what ptp_fd opened */
static ino_t ptp_ino;
static unsigned ptp_gen;                /* bumped on each new connection */
static uint64_t ptp_last_try;
static int ptp_warned;
/* Set in the flusher, where SIGPIPE is blocked for good. */
static __thread int ptp_sigpipe_blocked;

/* The same rule as the monitor's (tui/fifo.c, fifo_xdg_dir_ok): an
 * absolute path to a real directory of ours that nobody else can write to.
 * An inherited $XDG_RUNTIME_DIR (su, sudo) names another user's directory;
 * there, and in a world-writable one, someone else could put their own
 * FIFO under the name.  Both sides then fall back to the same /tmp path. */
static int ptp_xdg_dir_ok(const char *dir)
{
	struct stat st;

	return dir && *dir == '/' && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == getuid() && !(st.st_mode & 022);
}

void ptp_fifo_init(void)
{
	const char *env = getenv("PIPETRACE_FIFO");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env && *env)
		n = snprintf(ptp_path, sizeof ptp_path, "%s", env);
	else if (ptp_xdg_dir_ok(xdg))
		n = snprintf(ptp_path, sizeof ptp_path, "%s/pipetrace.fifo", xdg);
	else
		n = snprintf(ptp_path, sizeof ptp_path, "/tmp/pipetrace-%u/pipetrace.fifo",
			     (unsigned)getuid());
	if (n < 0 || (size_t)n >= sizeof ptp_path)
		ptp_path[0] = 0;        /* too long: never connects */
}

int ptp_fifo_fd(void)
{
	return ptp_fd;
}

unsigned ptp_fifo_gen(void)
{
	return ptp_gen;
}

void ptp_fifo_mark_flusher(void)
{
	ptp_sigpipe_blocked = 1;
}

/* Opens the FIFO if it is safe to write to.  Async-signal-safe.  Returns the
 * fd, -1 when there is no reader (or no FIFO yet), -2 when the path is
 * refused (not a FIFO, not ours, a symlink), -3 on another error. */
int ptp_fifo_open_raw(void)
{
	struct stat st;
	int fd;

	if (!ptp_path[0])
		return -3;
	/* Check before opening, so that a device or a file is not even
	 * opened; the fstat below closes the race. */
	if (lstat(ptp_path, &st) < 0)
		return errno == ENOENT ? -1 : -3;
	if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid())
		return -2;
	fd = open(ptp_path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENXIO || errno == ENOENT ? -1 : errno == ELOOP ? -2 : -3;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -2;
	}
	return fd;
}

int ptp_fifo_connect(int force)
{
	uint64_t now;
	int fd;

	if (ptp_fd >= 0)
		return ptp_fd;
	now = ptp_mono_ns();
	if (!force && ptp_last_try && now - ptp_last_try < PTP_RETRY_NS)
		return -1;
	ptp_last_try = now;
	fd = ptp_fifo_open_raw();
	if (fd >= 0) {
		struct stat st;

		fstat(fd, &st);         /* cannot fail: open_raw just did it */
		ptp_dev = st.st_dev;
		ptp_ino = st.st_ino;
		ptp_fd = fd;
		ptp_gen++;
		return fd;
	}
	if (fd < -1 && !ptp_warned) {
		ptp_warned = 1;
		if (fd == -2)
			fprintf(stderr, "pipetrace: not writing to %s: not a FIFO owned by you\n",
				ptp_path);
		else
			fprintf(stderr, "pipetrace: cannot open %s: %s\n", ptp_path,
				strerror(errno));
	}
	return -1;
}

void ptp_fifo_close(void)
{
	if (ptp_fd >= 0)
		close(ptp_fd);
	ptp_fd = -1;
}

void ptp_fifo_new_process(void)
{
	if (ptp_fd >= 0)
		ptp_gen++;
}

/* write(2) from a program thread: its SIGPIPE must neither kill the program
 * nor reach the program's own handler, and the program's signal mask and
 * dispositions stay as they were. */
static ssize_t ptp_write_nosigpipe(int fd, const char *buf, size_t len)
{
	sigset_t pipe, old;
	ssize_t n;
	int err;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
		/* Ours, since the thread had it unblocked until now. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/* Whether fd still is the FIFO we opened.  A program that closes every
 * descriptor (daemons do) may get our number back for a file of its own,
 * and we must never write into that.  Async-signal-safe. */
int ptp_fifo_still_ours(int fd)
{
	struct stat st;

	return fd >= 0 && fd == ptp_fd && fstat(fd, &st) == 0 &&
	       st.st_dev == ptp_dev && st.st_ino == ptp_ino && S_ISFIFO(st.st_mode);
}

enum ptp_wr ptp_fifo_write(const char *buf, size_t len)
{
	ssize_t n;

	if (ptp_fd < 0)
		return PTP_WR_GONE;
	if (!ptp_fifo_still_ours(ptp_fd)) {
		ptp_fd = -1;            /* not ours to close any more */
		return PTP_WR_GONE;
	}
	do
		n = ptp_sigpipe_blocked ? write(ptp_fd, buf, len)
					: ptp_write_nosigpipe(ptp_fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return PTP_WR_OK;       /* <= PIPE_BUF: all or nothing */
	if (errno == EAGAIN)
		return PTP_WR_AGAIN;
	return PTP_WR_GONE;
}

/* Whether the reader closed its end (the write end then polls POLLERR). */
int ptp_fifo_reader_gone(void)
{
	struct pollfd p = { .fd = ptp_fd, .events = POLLOUT };

	return ptp_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* Bytes in the pipe not read yet, or -1. */
long ptp_fifo_unread(void)
{
	int n;

	return ptp_fd >= 0 && ioctl(ptp_fd, FIONREAD, &n) == 0 ? n : -1;
}

int ptp_fifo_wait_writable(int timeout_ms)
{
	struct pollfd p = { .fd = ptp_fd, .events = POLLOUT };

	if (ptp_fd < 0)
		return -1;
	return poll(&p, 1, timeout_ms);
}
