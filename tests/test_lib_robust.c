/* test_lib_robust.c - libpipetrace never harms the traced program: no
 * reader, a reader that leaves, a full pipe, and paths that are not our
 * FIFO.  The helper (lib_traced) reports its phases on stdout, so these
 * tests wait on the program's progress, never on the clock.
 */
#include <config.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib_harness.h"

#define N 100000
/* main's enter and exit, and N x (mid, leaf) enter and exit. */
#define EVENTS (4 * N + 2)

/* No FIFO at all: the loop finishes and every event is counted as dropped;
 * the count arrives once a reader shows up. */
static void test_no_reader(void **state)
{
	const char *args[] = { "pause", "100000", NULL };
	struct cap c;
	struct replay r;

	cap_init(&c, 0);
	cap_spawn(&c, "lib_traced", args, NULL);
	cap_expect(&c, "done");
	assert_int_equal(mkfifo(c.fifo, 0600), 0);
	cap_open(&c);
	cap_say(&c, "go");
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(r.hellos, 1);
	assert_int_equal(r.n, 1);
	/* What was drained before the reader came was lost, and said so;
	 * at most a ring's worth (8192) was still buffered, plus main's exit. */
	assert_true(r.t[0].dropped >= EVENTS - 8192 - 1);
	assert_int_equal(r.t[0].events + r.t[0].dropped, EVENTS);
	assert_int_equal(replay_check_accounting(&r), 1);
	assert_int_equal(r.t[0].tally_seq, EVENTS);
	cap_free(&c);
}

/* A reader that reads nothing: the program does not block, and the lost
 * events are reported. */
static void test_full_pipe(void **state)
{
	const char *args[] = { "pause", "100000", NULL };
	struct cap c;
	struct replay r;

	cap_start(&c, "lib_traced", args, NULL);
	cap_expect(&c, "done");         /* came back although nobody read */
	cap_say(&c, "go");
	cap_done(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(r.n, 1);
	assert_true(r.t[0].dropped > 0);
	/* Less than 64 KiB could be held: most was dropped, and every event
	 * is either written or counted. */
	assert_true(r.t[0].events < EVENTS / 2);
	assert_int_equal(r.t[0].events + r.t[0].dropped, EVENTS);
	assert_int_equal(replay_check_accounting(&r), 1);
	cap_free(&c);
}

/* The reader goes away in the middle: no SIGPIPE death, exit status 0,
 * and the program keeps running to its end. */
static void run_reader_leaves(const char *mode)
{
	const char *args[] = { "twophase", "20000", NULL };
	const char *env[] = { mode, NULL };
	struct cap c;

	cap_start(&c, "lib_traced", args, env);
	cap_expect(&c, "phase1");
	cap_read(&c, 100);
	assert_true(c.len > 0);
	cap_close(&c);
	cap_say(&c, "go");
	cap_expect(&c, "phase2");
	cap_finish(&c);
	assert_exit_0(&c);
	cap_free(&c);
}

static void test_reader_leaves_async(void **state)
{
	run_reader_leaves("PIPETRACE_MODE=async");
}

static void test_reader_leaves_sync(void **state)
{
	run_reader_leaves("PIPETRACE_MODE=sync");
}

/* A reader that appears while the program runs is found without any help
 * (retries at a bounded rate); one that leaves and comes back is found
 * again, with a new hello. */
static void test_reconnect(void **state)
{
	const char *args[] = { "until-stop", NULL };
	struct cap c;
	json_t *o;
	size_t i;

	cap_init(&c, 0);
	cap_spawn(&c, "lib_traced", args, NULL);
	assert_int_equal(mkfifo(c.fifo, 0600), 0);
	cap_open(&c);
	cap_wait_for(&c, "\"ev\":\"hello\"", 1);
	cap_wait_for(&c, "\"ev\":\"enter\"", 1);
	cap_close(&c);
	cap_say(&c, "closed");
	cap_expect(&c, "flushed");
	/* Whatever this run had written is gone with the old pipe. */
	c.len = 0;
	cap_open(&c);
	cap_wait_for(&c, "\"ev\":\"hello\"", 1);
	cap_wait_for(&c, "\"ev\":\"enter\"", 1);
	cap_say(&c, "stop");
	cap_finish(&c);
	assert_exit_0(&c);
	/* Lines are whole from the hello on; drop what preceded it (the tail
	 * of a batch may have been cut by our closing). */
	char *h = memmem(c.buf, c.len, "{\"ev\":\"hello\"", 13);
	assert_non_null(h);
	c.len -= (size_t)(h - c.buf);
	memmove(c.buf, h, c.len);
	cap_parse(&c);
	assert_int_equal(c.bad, 0);
	json_array_foreach(c.lines, i, o)
		ev_check_schema(o);
	assert_string_equal(ev_kind(json_array_get(c.lines, json_array_size(c.lines) - 1)), "bye");
	/* The thread goes on numbering its events, and says what it lost
	 * while nobody listened. */
	o = need_ev(&c, "drop", NULL);
	assert_true(ev_int(o, "count") > 0);
	o = need_ev(&c, "enter", NULL);
	assert_true(ev_int(o, "seq") > 1);
	cap_free(&c);
}

/* The program closes the library's descriptor and reuses its number for a
 * file: nothing may be written into that file, and tracing goes on through
 * a new connection. */
static void test_fd_reused(void **state)
{
	char file[160];
	const char *args[] = { "closefds", file, NULL };
	struct cap c;
	struct replay r;
	struct stat st;

	cap_init(&c, 1);
	snprintf(file, sizeof file, "%s/other", c.dir);
	cap_open(&c);
	cap_spawn(&c, "lib_traced", args, NULL);
	cap_finish(&c);
	assert_exit_0(&c);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, 0);
	cap_parse(&c);
	replay(&c, &r, REPLAY_GAPS_COUNTED);
	assert_int_equal(r.hellos, 2);
	assert_int_equal(r.byes, 1);
	cap_free(&c);
}

/* Something at the path that is not our FIFO: refused with one message,
 * left untouched, and the program runs normally. */
static void run_refused(int symlink_to_fifo)
{
	const char *args[] = { "calls", "1000", NULL };
	char other[160], *err;
	const char *msg = "pipetrace: not writing to";
	struct cap c;
	struct stat before, after;

	cap_init(&c, 0);
	snprintf(other, sizeof other, "%s/other", c.dir);
	if (symlink_to_fifo) {
		/* A FIFO we own and read, behind a symlink: must not be used. */
		assert_int_equal(mkfifo(other, 0600), 0);
		assert_int_equal(symlink(other, c.fifo), 0);
		c.rfd = open(other, O_RDONLY | O_NONBLOCK);
		c.wfd = open(other, O_WRONLY | O_NONBLOCK);
		assert_true(c.rfd >= 0 && c.wfd >= 0);
	} else {
		int fd = open(c.fifo, O_WRONLY | O_CREAT | O_EXCL, 0600);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "keep", 4), 4);
		close(fd);
	}
	assert_int_equal(lstat(c.fifo, &before), 0);
	cap_spawn(&c, "lib_traced", args, NULL);
	cap_finish(&c);
	assert_exit_0(&c);
	assert_int_equal(c.len, 0);
	assert_int_equal(lstat(c.fifo, &after), 0);
	assert_int_equal(before.st_mode, after.st_mode);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	err = cap_stderr(&c);
	/* Said once, although the program retried. */
	assert_non_null(strstr(err, msg));
	assert_null(strstr(strstr(err, msg) + 1, msg));
	free(err);
	if (!symlink_to_fifo) {
		char buf[8] = "";
		int fd = open(c.fifo, O_RDONLY);

		assert_int_equal(read(fd, buf, sizeof buf), 4);
		assert_memory_equal(buf, "keep", 4);
		close(fd);
	}
	unlink(c.fifo);
	cap_free(&c);
}

static void test_symlink_refused(void **state)
{
	run_refused(1);
}

static void test_regular_file_refused(void **state)
{
	run_refused(0);
}

/* Without $PIPETRACE_FIFO, the library takes $XDG_RUNTIME_DIR/pipetrace.fifo
 * only where the monitor would (tui/fifo.c): an absolute path to a
 * directory of ours that group and others cannot write to. */
static size_t xdg_case(mode_t mode, int relative)
{
	const char *args[] = { "calls", "5", NULL };
	struct cap c;
	char xdg[512], envx[600];
	size_t got;

	cap_init(&c, 0);
	snprintf(c.fifo, sizeof c.fifo, "%s/pipetrace.fifo", c.dir);
	assert_int_equal(mkfifo(c.fifo, 0600), 0);
	assert_int_equal(chmod(c.dir, mode), 0);
	cap_open(&c);
	/* A relative path names the same directory from the child's cwd. */
	snprintf(xdg, sizeof xdg, "%s", relative ? c.dir + 1 : c.dir);
	snprintf(envx, sizeof envx, "XDG_RUNTIME_DIR=%s", xdg);
	const char *env[] = { "PIPETRACE_FIFO=", envx, NULL };
	if (relative)
		assert_int_equal(chdir("/"), 0);
	cap_spawn(&c, "lib_traced", args, env);
	cap_finish(&c);
	assert_exit_0(&c);
	got = c.len;
	chmod(c.dir, 0700);
	unlink(c.fifo);
	cap_free(&c);
	return got;
}

static void test_xdg_runtime_dir(void **state)
{
	char cwd[4096], top[4096];
	const char *t = getenv("top_builddir");

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	/* The relative case runs from /: the helper is found by full path. */
	assert_non_null(realpath(t ? t : ".", top));
	setenv("top_builddir", top, 1);
	assert_true(xdg_case(0700, 0) > 0);
	assert_true(xdg_case(0755, 0) > 0);      /* others may look, not write */
	assert_int_equal(xdg_case(0777, 0), 0);
	assert_int_equal(xdg_case(0730, 0), 0);
	assert_int_equal(xdg_case(0700, 1), 0);  /* relative */
	assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_reader),
		cmocka_unit_test(test_full_pipe),
		cmocka_unit_test(test_reader_leaves_async),
		cmocka_unit_test(test_reader_leaves_sync),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_fd_reused),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_regular_file_refused),
		cmocka_unit_test(test_xdg_runtime_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
