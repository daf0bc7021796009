/* source.c - reading event lines: the line splitter, and the three
 * sources (listening FIFO, traced child process, replayed recording). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>

#include "event_bin.h"
#include "source.h"

/* --- line splitting -------------------------------------------------------- */

void linebuf_init(struct linebuf *lb)
{
	lb->pos = lb->len = 0;
	lb->carry_len = 0;
	lb->over_len = 0;
	lb->over_told = false;
	lb->carry_used = false;
	lb->frame_len = 0;
}

char *linebuf_space(struct linebuf *lb, size_t *avail)
{
	if (lb->pos == lb->len)
		lb->pos = lb->len = 0;
	*avail = sizeof lb->buf - lb->len;
	return lb->buf + lb->len;
}

void linebuf_added(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

/* Adds a piece of a line that has not ended yet. */
static void carry_add(struct linebuf *lb, const char *p, size_t n)
{
	if (lb->over_len) {
		lb->over_len += n;
	} else if (lb->carry_len + n > EVENT_LINE_MAX - 1) {
		lb->over_len = lb->carry_len + n;
		lb->carry_len = 0;
	} else {
		memcpy(lb->carry + lb->carry_len, p, n);
		lb->carry_len += n;
	}
}

/* A unit that starts with the frame magic (nothing partial before it):
 * LINE_FRAME when it is whole, LINE_NONE when its bytes so far went to the
 * carry, LINE_OK (nothing done) when its header makes it no frame: it is
 * then read as a line, a bad one. */
static enum line_kind frame_next(struct linebuf *lb, const char **line, size_t *len)
{
	const char *p = lb->buf + lb->pos;
	size_t avail = lb->len - lb->pos, need;

	if (lb->frame_len == SIZE_MAX) {
		/* Its header, completed from the carry. */
		size_t take = BIN_HEAD - lb->carry_len < avail ? BIN_HEAD - lb->carry_len : avail;

		memcpy(lb->carry + lb->carry_len, p, take);
		lb->carry_len += take;
		lb->pos += take;
		if (lb->carry_len < BIN_HEAD)
			return LINE_NONE;
		lb->frame_len = bin_frame_len((const unsigned char *)lb->carry);
		/* No frame: the carry is the start of a line (a newline among
		 * those few bytes is not looked for: garbage either way). */
		if (!lb->frame_len)
			return LINE_OK;
		p += take;
		avail -= take;
	} else if (!lb->frame_len) {
		if (avail >= BIN_HEAD) {
			need = bin_frame_len((const unsigned char *)p);
			if (!need)
				return LINE_OK;
			if (avail >= need) {
				/* The common case: the whole frame is here. */
				lb->pos += need;
				*line = p;
				*len = need;
				return LINE_FRAME;
			}
			lb->frame_len = need;
		} else {
			lb->frame_len = SIZE_MAX;
			memcpy(lb->carry, p, avail);
			lb->carry_len = avail;
			lb->pos += avail;
			return LINE_NONE;
		}
	}
	need = lb->frame_len - lb->carry_len;
	if (avail < need)
		need = avail;
	memcpy(lb->carry + lb->carry_len, p, need);
	lb->carry_len += need;
	lb->pos += need;
	if (lb->carry_len < lb->frame_len)
		return LINE_NONE;
	*line = lb->carry;
	*len = lb->frame_len;
	lb->frame_len = 0;
	lb->carry_used = true;
	return LINE_FRAME;
}

enum line_kind linebuf_next(struct linebuf *lb, const char **line, size_t *len)
{
again:
	if (lb->carry_used) {
		lb->carry_len = 0;
		lb->carry_used = false;
	}
	if (lb->pos >= lb->len)
		return LINE_NONE;
	if (lb->frame_len || (!lb->carry_len && !lb->over_len &&
			      (unsigned char)lb->buf[lb->pos] == BIN_MAGIC)) {
		enum line_kind k = frame_next(lb, line, len);

		if (k != LINE_OK)
			return k;
		lb->frame_len = 0;
		if (lb->pos >= lb->len)
			return LINE_NONE;
	}
	const char *p = lb->buf + lb->pos;
	size_t avail = lb->len - lb->pos;
	const char *nl = memchr(p, '\n', avail);
	if (!nl) {
		carry_add(lb, p, avail);
		lb->pos = lb->len;
		if (lb->over_len && !lb->over_told) {
			lb->over_told = true;
			*line = NULL;
			*len = lb->over_len;
			return LINE_TOO_LONG;
		}
		return LINE_NONE;
	}
	size_t n = (size_t)(nl - p);
	lb->pos += n + 1;
	if (!lb->carry_len && !lb->over_len) {
		/* The common case: the whole line is in the read buffer. */
		*line = p;
		*len = n;
		if (n > EVENT_LINE_MAX - 1) {
			*line = NULL;
			return LINE_OVERSIZED;
		}
		return LINE_OK;
	}
	carry_add(lb, p, n);
	if (lb->over_len) {
		bool told = lb->over_told;

		*line = NULL;
		*len = lb->over_len;
		lb->over_len = 0;
		lb->over_told = false;
		if (told)
			goto again;      /* its end: already reported */
		return LINE_OVERSIZED;
	}
	*line = lb->carry;
	*len = lb->carry_len;
	lb->carry_used = true;
	return LINE_OK;
}

enum line_kind linebuf_finish(struct linebuf *lb, const char **line, size_t *len)
{
	enum line_kind k;

	if (lb->carry_used) {
		lb->carry_len = 0;
		lb->carry_used = false;
	}
	/* A frame cut short is judged as a line: a bad one. */
	lb->frame_len = 0;
	if (lb->pos < lb->len) {
		carry_add(lb, lb->buf + lb->pos, lb->len - lb->pos);
		lb->pos = lb->len;
	}
	if (lb->over_len && lb->over_told) {
		k = LINE_NONE;   /* reported when it passed the limit */
	} else if (lb->over_len) {
		*line = NULL;
		*len = lb->over_len;
		k = LINE_OVERSIZED;
	} else if (lb->carry_len) {
		*line = lb->carry;
		*len = lb->carry_len;
		k = LINE_OK;
	} else {
		return LINE_NONE;
	}
	lb->over_len = 0;
	lb->over_told = false;
	lb->carry_used = true;
	return k;
}

/* --- sources ---------------------------------------------------------------- */

static volatile sig_atomic_t running_child;
/* The private log, for a signal handler (flag raised once the copy is done). */
static char cleanup_log[4200];
static volatile sig_atomic_t cleanup_log_set;

static void init(struct source *s, enum source_kind kind)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->fd = -1;
	s->fifo.rfd = s->fifo.wfd = -1;
	s->child = -1;
}

int source_open_fifo(struct source *s, const char *path, char *err, size_t errsize)
{
	char def[4096];

	init(s, SRC_FIFO);
	if (!path) {
		if (fifo_default_path(def, sizeof def, s->warn, sizeof s->warn, err, errsize) < 0)
			return -1;
		path = def;
	}
	if (fifo_open(&s->fifo, path, err, errsize) < 0) {
		if (s->warn[0]) {
			/* why this path and not the one the user may expect */
			size_t n = strlen(err);
			snprintf(err + n, errsize - n, " (%s)", s->warn);
		}
		return -1;
	}
	s->fd = s->fifo.rfd;
	snprintf(s->desc, sizeof s->desc, "%.4100s", path);
	return 0;
}

int source_open_replay(struct source *s, const char *path, char *err, size_t errsize)
{
	struct stat st;

	init(s, SRC_REPLAY);
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (s->fd < 0) {
		snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(s->fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "cannot replay %s: not a file", path);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	snprintf(s->desc, sizeof s->desc, "%.4100s", path);
	return 0;
}

int source_open_output(const char *path, char *err, size_t errsize)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		      0600);

	if (fd < 0) {
		snprintf(err, errsize, "cannot write %s: %s%s", path, strerror(errno),
			 errno == ELOOP ? " (a symbolic link: refusing it)" : "");
		return -1;
	}
	/* A character device (/dev/null, a terminal) is taken as it is:
	 * nobody can plant one, and it has nothing to truncate. */
	const char *why = NULL;
	if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		why = "not a regular file: refusing it";
	else if (S_ISREG(st.st_mode) && st.st_uid != geteuid())
		why = "it belongs to another user: refusing it";
	if (why) {
		snprintf(err, errsize, "cannot write %s: %s", path, why);
		close(fd);
		return -1;
	}
	if ((S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) || fcntl(fd, F_SETFL, 0) < 0) {
		snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void end_subreaper(struct source *s)
{
#ifdef PR_SET_CHILD_SUBREAPER
	if (s->subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
#endif
	s->subreaper = false;
}

static void describe_cmd(struct source *s, char *const *cmd)
{
	size_t o = 0;

	s->desc[0] = '\0';
	for (size_t i = 0; cmd[i] && o + 1 < sizeof s->desc; i++) {
		int n = snprintf(s->desc + o, sizeof s->desc - o, "%s%s", i ? " " : "", cmd[i]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* In the forked child: wire up, exec, and on failure send errno back. */
static void __attribute__((noreturn))
exec_child(struct source *s, char *const *cmd, int logfd, int errpipe, bool keep_stdin)
{
	sigset_t none;

	if (!keep_stdin) {
		/* The terminal belongs to the interface. */
		int nullfd = open("/dev/null", O_RDONLY);
		if (nullfd >= 0)
			dup2(nullfd, 0);
	}
	dup2(logfd, 1);
	dup2(logfd, 2);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Only we read this FIFO, and we read binary frames: the cheaper
	 * wire, unless the user chose one. */
	if (setenv("PIPETRACE_FIFO", s->fifo.path, 1) == 0 &&
	    setenv("PIPETRACE_WIRE", "binary", 0) == 0)
		execvp(cmd[0], cmd);
	int e = errno;
	if (write(errpipe, &e, sizeof e) < 0) {
		/* nothing more can be done */
	}
	_exit(127);
}

int source_open_child(struct source *s, char *const *cmd, const char *log,
		      bool keep_stdin, char *err, size_t errsize)
{
	char fifo_path[4200];
	const char *tmp = getenv("TMPDIR");
	int logfd = -1, pfd[2] = { -1, -1 }, exec_err = 0;

	init(s, SRC_CHILD);
	if (!cmd || !cmd[0]) {
		snprintf(err, errsize, "no command to run");
		errno = 0;
		return -1;
	}
	describe_cmd(s, cmd);
	if (!tmp || *tmp != '/' || strlen(tmp) > 3000)
		tmp = "/tmp";
	snprintf(s->dir, sizeof s->dir, "%s/pipetrace-run-XXXXXX", tmp);
	if (!mkdtemp(s->dir)) {
		snprintf(err, errsize, "cannot create a directory in %s: %s", tmp, strerror(errno));
		s->dir[0] = '\0';
		errno = 0;
		return -1;
	}
	fifo_register_dir(s->dir);
	snprintf(fifo_path, sizeof fifo_path, "%s/pipetrace.fifo", s->dir);
	if (fifo_open(&s->fifo, fifo_path, err, errsize) < 0)
		goto fail;
	s->fd = s->fifo.rfd;
	if (log) {
		/* The user's file: created or truncated, kept. */
		snprintf(s->log_path, sizeof s->log_path, "%.4100s", log);
		logfd = source_open_output(s->log_path, err, errsize);
		if (logfd < 0)
			goto fail;
	} else {
		snprintf(s->log_path, sizeof s->log_path, "%s/output.log", s->dir);
		logfd = open(s->log_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			     0600);
		if (logfd >= 0) {
			s->log_private = true;
			memcpy(cleanup_log, s->log_path, sizeof cleanup_log);
			cleanup_log_set = 1;
		}
	}
	if (logfd < 0) {
		snprintf(err, errsize, "cannot create %s: %s", s->log_path, strerror(errno));
		goto fail;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		goto fail;
	}
#ifdef PR_SET_CHILD_SUBREAPER
	/* Processes the command leaves behind come to us instead of init
	 * when their parent exits: while any is left, one of them may still
	 * connect and write (a traced program started in the background
	 * opens the FIFO only at its first event).  Not inherited by the
	 * command itself. */
	s->subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#endif
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_child(s, cmd, logfd, pfd[1], keep_stdin);
	close(pfd[1]);
	pfd[1] = -1;
	close(logfd);
	logfd = -1;
	int e;
	ssize_t r;
	do
		r = read(pfd[0], &e, sizeof e);
	while (r < 0 && errno == EINTR);
	close(pfd[0]);
	pfd[0] = -1;
	if (r == (ssize_t)sizeof e) {
		/* exec failed: the child is exiting with 127 */
		waitpid(pid, NULL, 0);
		snprintf(err, errsize, "cannot run %s: %s", cmd[0], strerror(e));
		exec_err = e;
		goto fail;
	}
	s->child = pid;
	s->child_running = true;
	running_child = pid;
	return 0;
fail:
	if (logfd >= 0)
		close(logfd);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (s->log_private)
		unlink(s->log_path);
	s->log_private = false;
	cleanup_log_set = 0;
	end_subreaper(s);
	fifo_close(&s->fifo);
	s->fd = -1;
	rmdir(s->dir);
	fifo_register_dir(NULL);
	errno = exec_err;
	return -1;
}

ssize_t source_read(struct source *s, char *buf, size_t n)
{
	if (s->fd < 0 || s->eof)
		return -1;
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r > 0)
			return r;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/* From a FIFO, 0 means no writer right now (we dropped our
		 * own write end); another may still open it. */
		if (r == 0 && s->kind != SRC_REPLAY)
			return SOURCE_NO_WRITER;
		/* the end of a replay file, or a read error */
		s->eof = true;
		return -1;
	}
}

bool source_reap_child(struct source *s)
{
	bool changed = false;
	int st;

	if (s->kind != SRC_CHILD || s->child < 0)
		return false;
	if (!s->subreaper) {
		/* Only the command can be waited for; what it leaves behind
		 * is not ours to know about. */
		if (!s->child_running || waitpid(s->child, &st, WNOHANG) != s->child)
			return false;
		s->child_status = st;
		changed = true;
	} else {
		/* The command and any orphan of its tree handed to us: all
		 * are reaped here, so that none stays a zombie (which would
		 * also look alive to the check for vanished processes). */
		pid_t r;

		while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
			if (r == s->child && s->child_running) {
				s->child_status = st;
				changed = true;
			}
		}
		s->descendants = r == 0;
	}
	if (changed) {
		s->child_running = false;
		running_child = 0;
		/* Our own writer kept EOF away while the command ran; from
		 * now on EOF tells that no writer is left. */
		if (s->fifo.wfd >= 0) {
			close(s->fifo.wfd);
			s->fifo.wfd = -1;
		}
	}
	return changed;
}

int source_watch_fifo(struct source *s, int *old_rfd, char *msg, size_t msgsize)
{
	char err[1024];

	if (s->kind != SRC_FIFO || s->fd < 0 || fifo_still_there(&s->fifo))
		return 0;
	if (fifo_reopen(&s->fifo, old_rfd, err, sizeof err) < 0) {
		snprintf(msg, msgsize, "FIFO lost: %s; only writers connected before are read", err);
		return -1;
	}
	s->fd = s->fifo.rfd;
	if (s->fifo.created)
		snprintf(msg, msgsize, "FIFO %s was removed: created it again "
			 "(writers connected before are still read)", s->fifo.path);
	else
		snprintf(msg, msgsize, "FIFO %s was replaced by another FIFO: listening on that one "
			 "(writers connected before are still read)", s->fifo.path);
	return 1;
}

void source_cleanup_signal_safe(void)
{
	if (running_child > 0)
		kill((pid_t)running_child, SIGTERM);
	if (cleanup_log_set) {
		unlink(cleanup_log);
		cleanup_log_set = 0;
	}
}

void source_close(struct source *s)
{
	if (s->kind == SRC_CHILD && s->child_running) {
		/* Politely, then for sure: a command ignoring SIGTERM must not
		 * keep us from exiting.  At most about 2 s. */
		kill(s->child, SIGTERM);
		for (int i = 0; i < 200 && waitpid(s->child, &s->child_status, WNOHANG) == 0; i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			if (i == 99)
				kill(s->child, SIGKILL);
		}
		if (waitpid(s->child, &s->child_status, WNOHANG) == 0) {
			kill(s->child, SIGKILL);
			waitpid(s->child, &s->child_status, 0);
		}
		s->child_running = false;
		running_child = 0;
	}
	if (s->kind == SRC_CHILD)
		end_subreaper(s);
	if (s->kind == SRC_REPLAY) {
		if (s->fd >= 0)
			close(s->fd);
	} else {
		fifo_close(&s->fifo);
	}
	s->fd = -1;
	if (s->kind == SRC_CHILD && s->dir[0]) {
		if (s->log_private) {
			unlink(s->log_path);
			s->log_private = false;
			cleanup_log_set = 0;
		}
		rmdir(s->dir);
		fifo_register_dir(NULL);
	}
}
