/* test_ingest.c - ingest from real FIFOs, files and child processes into a
 * recording stand-in for the model: line splitting across partial reads,
 * oversized lines, the pause queue and its bound, record -> replay, FIFO
 * safety, tracing a command, and the bad-input corpus in tests/data/bad. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
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

#include "event_orig.h"
#include "fake_model.h"
#include "fifo.h"
#include "ingest.h"
#include "source.h"

static char tmpdir[256];
static struct model *M;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pt-test-ingest-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	M = model_create(NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	model_free(M);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
	return buf[i];
}

static char *line_of(uint64_t seq, const char *fn)
{
	static char buf[256];

	snprintf(buf, sizeof buf,
		 "{\"ev\":\"enter\",\"ts\":%llu,\"pid\":100,\"tid\":101,\"seq\":%llu,\"depth\":0,"
		 "\"fn\":\"%s\"}\n", (unsigned long long)(1000 + seq), (unsigned long long)seq, fn);
	return buf;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

static struct ingest *open_fifo_ingest(const char *name, size_t qmax, int *wfd)
{
	struct ingest_config cfg = { .fifo_path = tpath(name), .pause_queue_max = qmax };
	char err[256];
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);

	if (!ing)
		fail_msg("ingest_create: %s", err);
	*wfd = open(cfg.fifo_path, O_WRONLY | O_NONBLOCK);
	assert_true(*wfd >= 0);
	return ing;
}

/* --- line splitting ------------------------------------------------------- */

static void feed(struct linebuf *lb, const char *s, size_t n)
{
	size_t avail;
	char *sp = linebuf_space(lb, &avail);

	assert_true(avail >= n);
	memcpy(sp, s, n);
	linebuf_added(lb, n);
}

static void test_linebuf(void **state)
{
	(void)state;
	static struct linebuf lb;
	const char *line;
	size_t len;

	linebuf_init(&lb);
	feed(&lb, "ab", 2);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	feed(&lb, "c\nde", 4);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "abc", 3);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	feed(&lb, "\n\nf\n", 4);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_memory_equal(line, "de", 2);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_int_equal(len, 0);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_memory_equal(line, "f", 1);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);

	/* the limit: 4095 bytes plus the newline pass, one more does not,
	 * whether the line comes whole or in pieces */
	static char big[EVENT_LINE_MAX + 2];
	memset(big, 'x', sizeof big);
	big[EVENT_LINE_MAX - 1] = '\n';
	feed(&lb, big, EVENT_LINE_MAX);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_int_equal(len, EVENT_LINE_MAX - 1);
	big[EVENT_LINE_MAX - 1] = 'x';
	big[EVENT_LINE_MAX] = '\n';
	feed(&lb, big, EVENT_LINE_MAX + 1);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OVERSIZED);
	assert_int_equal(len, EVENT_LINE_MAX);
	/* in pieces: said once, as soon as it passes the limit (input that
	 * never sends a newline is reported, not held back for ever), then
	 * skipped up to its newline without a second report */
	for (int piece = 0; piece < 2; piece++) {
		feed(&lb, big, 2000);
		assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	}
	feed(&lb, big, 2000);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_TOO_LONG);
	assert_null(line);
	assert_int_equal(len, 6000);
	for (int piece = 0; piece < 3; piece++) {
		feed(&lb, big, 2000);
		assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	}
	feed(&lb, "yy\nok\n", 6);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_memory_equal(line, "ok", 2);
	/* one that ends in the piece that passes the limit is whole: its
	 * length is known */
	feed(&lb, big, 4090);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	feed(&lb, "zzzzzzzzzz\nok\n", 14);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OVERSIZED);
	assert_int_equal(len, 4100);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_OK);
	assert_memory_equal(line, "ok", 2);
	/* an endless one at the end of input: reported once only */
	feed(&lb, big, 2000);
	feed(&lb, big, 2000);
	feed(&lb, big, 2000);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_TOO_LONG);
	assert_int_equal(linebuf_finish(&lb, &line, &len), LINE_NONE);

	/* the unterminated tail at the end of input */
	feed(&lb, "tail", 4);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	assert_int_equal(linebuf_finish(&lb, &line, &len), LINE_OK);
	assert_memory_equal(line, "tail", 4);
	assert_int_equal(linebuf_next(&lb, &line, &len), LINE_NONE);
	assert_int_equal(linebuf_finish(&lb, &line, &len), LINE_NONE);
}

static void test_partial_reads(void **state)
{
	(void)state;
	int wfd;
	char all[1024] = "";

	fake_reset();
	struct ingest *ing = open_fifo_ingest("split.fifo", 0, &wfd);
	for (int i = 1; i <= 3; i++)
		strcat(all, line_of((uint64_t)i, i == 2 ? "caf\\u00e9" : "f"));
	/* one byte at a time, stepping between bytes */
	for (size_t i = 0; all[i]; i++) {
		write_all(wfd, all + i, 1);
		ingest_step(ing, 100);
	}
	const struct ingest_status *st = ingest_get_status(ing);
	assert_int_equal(fake.n, 3);
	assert_int_equal(st->lines, 3);
	assert_int_equal(st->events, 3);
	assert_int_equal(st->bad_lines, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fake.ev[i].seq, (uint64_t)i + 1);
	assert_string_equal(fake.ev[1].fn, "caf\xc3\xa9");
	/* a writer that goes away causes no EOF: later writers still count */
	close(wfd);
	ingest_step(ing, 100);
	assert_false(st->input_ended);
	wfd = open(tpath("split.fifo"), O_WRONLY | O_NONBLOCK);
	assert_true(wfd >= 0);
	write_all(wfd, line_of(4, "g"), strlen(line_of(4, "g")));
	ingest_step(ing, 100);
	assert_int_equal(fake.n, 4);
	close(wfd);
	ingest_free(ing);
	/* it created the FIFO, so it removed it */
	struct stat sb;
	assert_int_equal(lstat(tpath("split.fifo"), &sb), -1);
}

static void test_oversized_and_budget(void **state)
{
	(void)state;
	int wfd;
	static char big[10 * 1024 + 1];

	fake_reset();
	struct ingest *ing = open_fifo_ingest("big.fifo", 0, &wfd);
	memset(big, 'a', sizeof big - 1);
	big[0] = '{';
	big[sizeof big - 2] = '\n';
	write_all(wfd, big, sizeof big - 1);
	for (int i = 1; i <= 10; i++)
		write_all(wfd, line_of((uint64_t)i, "f"), strlen(line_of((uint64_t)i, "f")));
	/* the budget bounds the events taken in one step */
	assert_int_equal(ingest_step(ing, 4), 4);
	const struct ingest_status *st = ingest_get_status(ing);
	assert_int_equal(st->lines, 5);
	assert_int_equal(fake.n, 4);
	assert_int_equal(ingest_step(ing, 100), 6);
	assert_int_equal(st->lines, 11);
	assert_int_equal(st->bad_lines, 1);
	assert_int_equal(st->oversized, 1);
	assert_int_equal(st->events, 10);
	assert_non_null(strstr(st->last_bad, "line 1: 10239 bytes"));
	/* a flood of garbage: one step reads a bounded number of lines */
	for (int i = 0; i < 1000; i++)
		write_all(wfd, "junk\n", 5);
	assert_int_equal(ingest_step(ing, 10), 0);
	assert_int_equal(st->lines, 11 + 4 * 10 + 64);
	for (int i = 0; i < 100 && st->lines < 1011; i++)
		assert_int_equal(ingest_step(ing, 10), 0);
	assert_int_equal(st->bad_lines, 1001);
	close(wfd);
	ingest_free(ing);
}

/* Input that never sends a newline (--replay /dev/zero): every step ends
 * after a bounded number of bytes, and the endless line is counted as bad
 * once, at once, without being held in memory. */
static void test_endless_line(void **state)
{
	(void)state;
	char err[512];
	struct ingest_config cfg = { .replay_path = "/dev/zero" };

	fake_reset();
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	if (!ing)
		fail_msg("%s", err);
	const struct ingest_status *st = ingest_get_status(ing);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ingest_step(ing, 100), 0);
	assert_false(st->input_ended);
	assert_int_equal(st->lines, 1);
	assert_int_equal(st->bad_lines, 1);
	assert_int_equal(st->oversized, 1);
	assert_non_null(strstr(st->last_bad, "line 1: no newline after"));
	assert_int_equal(fake.n, 0);
	ingest_free(ing);
}

/* Paused, events queue up; with the queue full, reading stops instead of
 * dropping: on resume everything is applied, in order (the writer, not the
 * monitor, deals with a reader that does not read). */
static void test_pause_queue(void **state)
{
	(void)state;
	int wfd;

	fake_reset();
	struct ingest *ing = open_fifo_ingest("pause.fifo", 5, &wfd);
	const struct ingest_status *st = ingest_get_status(ing);
	struct pollfd pfd[4];
	ingest_set_paused(ing, true);
	for (int i = 1; i <= 8; i++)
		write_all(wfd, line_of((uint64_t)i, "f"), strlen(line_of((uint64_t)i, "f")));
	ingest_step(ing, 1000);
	ingest_step(ing, 1000);
	assert_true(st->paused);
	assert_int_equal(fake.n, 0);
	assert_int_equal(st->queued, 5);
	assert_int_equal(st->queue_dropped, 0);
	assert_int_equal(st->events, 5);
	assert_int_equal(st->lines, 5);
	/* nothing to poll for meanwhile: no busy loop on a readable FIFO */
	assert_int_equal(ingest_pollfds(ing, pfd, 4), 0);

	ingest_set_paused(ing, false);
	assert_int_equal(ingest_step(ing, 2), 2);     /* resume in slices */
	assert_int_equal(fake.n, 2);
	assert_int_equal(st->queued, 3);
	/* what arrives now waits behind the queue */
	write_all(wfd, line_of(9, "late"), strlen(line_of(9, "late")));
	ingest_step(ing, 1000);
	ingest_step(ing, 1000);
	assert_int_equal(fake.n, 9);
	assert_int_equal(st->queued, 0);
	assert_int_equal(st->queue_dropped, 0);
	for (int i = 0; i < 9; i++)
		assert_int_equal(fake.ev[i].seq, (uint64_t)i + 1);
	assert_string_equal(fake.ev[8].fn, "late");
	close(wfd);
	ingest_free(ing);
}

/* The original pipetrace's lines, mixed with protocol lines, while paused:
 * queued as lines, and turned into the synthetic process's events only
 * when applied, so its depth and seq come out as if never paused; a
 * malformed one is counted bad with the reason. */
static void test_orig_lines(void **state)
{
	(void)state;
	int wfd;
	static const char lines[] =
		"ENTER: main from <module> (a.py:1)\n"
		"ENTER: load from main (a.py:2)\n"
		"EXIT: load (elapsed: 0.5s) - Exception: OSError: disk full\n"
		"EXIT: broken (elapsed: soon) - Success\n"
		"{\"ev\":\"enter\",\"ts\":5,\"pid\":100,\"tid\":101,\"seq\":1,\"depth\":0,\"fn\":\"c\"}\n"
		"{\"timestamp\": \"2026-01-02T03:04:05\", \"type\": \"exit\", \"function\": \"main\", "
		"\"elapsed\": 1.0}\n";
	static const struct { enum event_kind kind; int32_t pid; uint64_t seq; const char *fn; } want[] = {
		{ EV_HELLO, ORIG_PID, 0, "" },
		{ EV_ENTER, ORIG_PID, 1, "main" },
		{ EV_ENTER, ORIG_PID, 2, "load" },
		{ EV_EXCEPTION, ORIG_PID, 3, "load" },
		{ EV_EXIT, ORIG_PID, 4, "load" },
		{ EV_ENTER, 100, 1, "c" },
		{ EV_EXIT, ORIG_PID, 5, "main" },
	};

	fake_reset();
	struct ingest *ing = open_fifo_ingest("orig.fifo", 0, &wfd);
	const struct ingest_status *st = ingest_get_status(ing);
	ingest_set_paused(ing, true);
	write_all(wfd, lines, sizeof lines - 1);
	ingest_step(ing, 1000);
	assert_int_equal(fake.n, 0);
	assert_int_equal(st->lines, 6);
	assert_int_equal(st->queued, 5);
	assert_int_equal(st->bad_lines, 1);
	assert_non_null(strstr(st->last_bad, "line 4: original format: EXIT line: the elapsed time"));
	ingest_set_paused(ing, false);
	ingest_step(ing, 1000);
	assert_int_equal(fake.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < fake.n; i++) {
		assert_int_equal(fake.ev[i].kind, want[i].kind);
		assert_int_equal(fake.ev[i].pid, want[i].pid);
		assert_int_equal(fake.ev[i].seq, want[i].seq);
		assert_string_equal(fake.ev[i].fn, want[i].fn);
	}
	close(wfd);
	ingest_free(ing);
}

static void test_record_replay(void **state)
{
	(void)state;
	int wfd;
	struct fake_event first[16];
	char err[256];

	fake_reset();
	struct ingest_config cfg = { .fifo_path = tpath("rec.fifo"), .record_path = tpath("rec.jsonl") };
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	assert_non_null(ing);
	wfd = open(cfg.fifo_path, O_WRONLY | O_NONBLOCK);
	const char *input =
		"{\"ev\":\"hello\",\"ts\":1,\"pid\":100,\"v\":2,\"prog\":\"p\",\"new_key\":[1]}\n"
		"garbage\n"
		"{\"ev\":\"enter\",\"ts\":2,\"pid\":100,\"tid\":101,\"seq\":1,\"depth\":0,\"fn\":\"a\\nb\"}\n"
		"{\"ev\":\"someday\",\"ts\":3,\"pid\":100}\n"
		"{\"ev\":\"exit\",\"ts\":4,\"pid\":100,\"tid\":101,\"seq\":2,\"depth\":0,\"fn\":\"a\\nb\",\"dur\":2}\n"
		"{\"ev\":\"bye\",\"ts\":5,\"pid\":100}\n";
	write_all(wfd, input, strlen(input));
	ingest_step(ing, 100);
	close(wfd);
	assert_int_equal(fake.n, 4);
	memcpy(first, fake.ev, sizeof first);
	const struct ingest_status *st = ingest_get_status(ing);
	assert_int_equal(st->bad_lines, 1);
	assert_int_equal(st->unknown_kinds, 1);
	assert_int_equal(st->newer_version, 2);
	ingest_free(ing);

	fake_reset();
	struct ingest_config rcfg = { .replay_path = tpath("rec.jsonl") };
	ing = ingest_create(&rcfg, M, err, sizeof err);
	assert_non_null(ing);
	st = ingest_get_status(ing);
	for (int i = 0; i < 10 && !st->input_ended; i++)
		ingest_step(ing, 100);
	assert_true(st->input_ended);
	assert_int_equal(st->lines, 4);
	assert_int_equal(st->bad_lines, 0);
	assert_int_equal(fake.n, 4);
	assert_int_equal(fake.ended, 1);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fake.ev[i].kind, first[i].kind);
		assert_int_equal(fake.ev[i].ts, first[i].ts);
		assert_int_equal(fake.ev[i].seq, first[i].seq);
		assert_string_equal(fake.ev[i].fn, first[i].fn);
	}
	assert_string_equal(fake.ev[1].fn, "a\nb");
	struct pollfd fds[2];
	assert_int_equal(ingest_pollfds(ing, fds, 2), 0);
	ingest_free(ing);
}

/* --- FIFO safety ------------------------------------------------------------ */

static void test_fifo_safety(void **state)
{
	(void)state;
	struct fifo f;
	char err[512];
	struct stat sb;

	/* a symlink to a FIFO is refused, and not followed */
	assert_int_equal(mkfifo(tpath("real.fifo"), 0600), 0);
	assert_int_equal(symlink(tpath("real.fifo"), tpath("link.fifo")), 0);
	assert_int_equal(fifo_open(&f, tpath("link.fifo"), err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* a regular file is refused and left alone */
	int fd = open(tpath("file"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(fifo_open(&f, tpath("file"), err, sizeof err), -1);
	assert_non_null(strstr(err, "not a FIFO"));
	assert_int_equal(lstat(tpath("file"), &sb), 0);
	/* an existing FIFO of ours is used, made private, and not removed */
	assert_int_equal(chmod(tpath("real.fifo"), 0622), 0);
	assert_int_equal(fifo_open(&f, tpath("real.fifo"), err, sizeof err), 0);
	assert_false(f.created);
	assert_int_equal(lstat(tpath("real.fifo"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	fifo_close(&f);
	assert_int_equal(lstat(tpath("real.fifo"), &sb), 0);
	/* refused while another reader listens on it */
	int other = open(tpath("real.fifo"), O_RDONLY | O_NONBLOCK);
	assert_true(other >= 0);
	assert_int_equal(fifo_open(&f, tpath("real.fifo"), err, sizeof err), -1);
	assert_non_null(strstr(err, "another reader"));
	close(other);
	/* a new one is created 0600 and removed by its creator */
	assert_int_equal(fifo_open(&f, tpath("new.fifo"), err, sizeof err), 0);
	assert_true(f.created);
	assert_int_equal(lstat(tpath("new.fifo"), &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	fifo_close(&f);
	assert_int_equal(lstat(tpath("new.fifo"), &sb), -1);
	/* the signal-safe cleanup removes one still open */
	assert_int_equal(fifo_open(&f, tpath("sig.fifo"), err, sizeof err), 0);
	fifo_cleanup_signal_safe();
	assert_int_equal(lstat(tpath("sig.fifo"), &sb), -1);
	fifo_close(&f);
}

/* The FIFO we made is removed only while the path still names that very
 * node: one put in its place (same user, same type) stays. */
static void test_fifo_replaced(void **state)
{
	(void)state;
	struct fifo f;
	char err[512];
	struct stat sb, made;

	assert_int_equal(fifo_open(&f, tpath("swap.fifo"), err, sizeof err), 0);
	assert_true(f.created);
	assert_int_equal(lstat(tpath("swap.fifo"), &made), 0);
	assert_int_equal(rename(tpath("swap.fifo"), tpath("moved.fifo")), 0);
	assert_int_equal(mkfifo(tpath("swap.fifo"), 0600), 0);
	fifo_close(&f);
	assert_int_equal(lstat(tpath("swap.fifo"), &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_true(sb.st_ino != made.st_ino);
	unlink(tpath("swap.fifo"));
	unlink(tpath("moved.fifo"));

	/* the same from the signal handler's cleanup */
	assert_int_equal(fifo_open(&f, tpath("swap.fifo"), err, sizeof err), 0);
	assert_int_equal(rename(tpath("swap.fifo"), tpath("moved.fifo")), 0);
	assert_int_equal(mkfifo(tpath("swap.fifo"), 0600), 0);
	fifo_cleanup_signal_safe();
	assert_int_equal(lstat(tpath("swap.fifo"), &sb), 0);
	fifo_close(&f);
	assert_int_equal(lstat(tpath("swap.fifo"), &sb), 0);
	unlink(tpath("swap.fifo"));
	unlink(tpath("moved.fifo"));
}

static void test_private_dir(void **state)
{
	(void)state;
	char err[512];
	struct stat sb;

	/* created 0700 even under a lax umask, and accepted again */
	mode_t old = umask(0);
	assert_int_equal(fifo_private_dir(tpath("pd"), err, sizeof err), 0);
	umask(old);
	assert_int_equal(lstat(tpath("pd"), &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(fifo_private_dir(tpath("pd"), err, sizeof err), 0);
	/* open to others: refused, and left as it is */
	assert_int_equal(chmod(tpath("pd"), 0755), 0);
	assert_int_equal(fifo_private_dir(tpath("pd"), err, sizeof err), -1);
	assert_non_null(strstr(err, "open to other users"));
	assert_int_equal(lstat(tpath("pd"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0755);
	assert_int_equal(chmod(tpath("pd"), 0700), 0);
	/* a symlink to a private directory of ours: refused */
	assert_int_equal(symlink(tpath("pd"), tpath("pdlink")), 0);
	assert_int_equal(fifo_private_dir(tpath("pdlink"), err, sizeof err), -1);
	assert_non_null(strstr(err, "symlink"));
	/* a file */
	int fd = open(tpath("pdfile"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(fifo_private_dir(tpath("pdfile"), err, sizeof err), -1);
	/* another user's (only root can make one to test with) */
	if (geteuid() == 0) {
		assert_int_equal(mkdir(tpath("pdother"), 0700), 0);
		assert_int_equal(chown(tpath("pdother"), 12345, 12345), 0);
		assert_int_equal(fifo_private_dir(tpath("pdother"), err, sizeof err), -1);
		assert_non_null(strstr(err, "another user"));
	}
}

/* --log and --record files: never through a symlink, only a regular file. */
static void test_output_file(void **state)
{
	(void)state;
	char err[512], buf[64];
	struct stat sb;

	int fd = open(tpath("victim"), O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);
	assert_int_equal(symlink(tpath("victim"), tpath("out.link")), 0);
	assert_int_equal(source_open_output(tpath("out.link"), err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(lstat(tpath("victim"), &sb), 0);
	assert_int_equal(sb.st_size, 9);
	/* a FIFO there: refused at once (no wait for a reader), untouched */
	assert_int_equal(mkfifo(tpath("out.fifo"), 0600), 0);
	assert_int_equal(source_open_output(tpath("out.fifo"), err, sizeof err), -1);
	int rd = open(tpath("out.fifo"), O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(source_open_output(tpath("out.fifo"), err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	close(rd);
	assert_int_equal(source_open_output(tmpdir, err, sizeof err), -1);
	/* a character device is fine (nothing to truncate) */
	fd = source_open_output("/dev/null", err, sizeof err);
	assert_true(fd >= 0);
	close(fd);
	/* a new file is private; an existing file of ours is truncated */
	fd = source_open_output(tpath("out.new"), err, sizeof err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	fd = source_open_output(tpath("victim"), err, sizeof err);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new", 3), 3);
	close(fd);
	fd = open(tpath("victim"), O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof buf), 3);
	close(fd);
	/* --record through a symlink: ingest_create refuses it */
	struct ingest_config cfg = { .fifo_path = tpath("recl.fifo"), .record_path = tpath("out.link") };
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	assert_null(ing);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(lstat(tpath("recl.fifo"), &sb), -1);
}

static void test_default_path(void **state)
{
	(void)state;
	char buf[4096], err[256], warn[600];

	setenv("PIPETRACE_FIFO", "/some/where.fifo", 1);
	assert_int_equal(fifo_default_path(buf, sizeof buf, warn, sizeof warn, err, sizeof err), 0);
	assert_string_equal(buf, "/some/where.fifo");
	assert_string_equal(warn, "");
	unsetenv("PIPETRACE_FIFO");
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(fifo_default_path(buf, sizeof buf, warn, sizeof warn, err, sizeof err), 0);
	char want[128];
	snprintf(want, sizeof want, "/tmp/pipetrace-%lu/pipetrace.fifo", (unsigned long)getuid());
	assert_string_equal(buf, want);
	assert_string_equal(warn, "");
	struct stat sb;
	char wantdir[128];
	snprintf(wantdir, sizeof wantdir, "%s", want);
	*strrchr(wantdir, '/') = '\0';
	assert_int_equal(lstat(wantdir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 077, 0);
}

/* $XDG_RUNTIME_DIR is used only when it is a real directory of the user's
 * that others cannot write to; otherwise the private /tmp directory, with
 * a warning that says why and where. */
static void test_default_path_xdg(void **state)
{
	(void)state;
	char buf[4096], err[256], warn[600], want[128], xdg_fifo[600];
	struct {
		const char *dir;        /* XDG_RUNTIME_DIR */
		const char *why;        /* NULL: accepted */
	} cases[] = {
		{ tpath("xdg"), NULL },
		{ tpath("xdg-link"), "is a symbolic link" },
		{ tpath("xdg-file"), "is not a directory" },
		{ tpath("xdg-none"), "cannot be checked" },
		{ "relative/dir", "is not an absolute path" },
	};

	unsetenv("PIPETRACE_FIFO");
	snprintf(want, sizeof want, "/tmp/pipetrace-%lu/pipetrace.fifo", (unsigned long)getuid());
	assert_int_equal(mkdir(cases[0].dir, 0700), 0);
	assert_int_equal(symlink(cases[0].dir, cases[1].dir), 0);
	int fd = open(cases[2].dir, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		setenv("XDG_RUNTIME_DIR", cases[i].dir, 1);
		assert_int_equal(fifo_default_path(buf, sizeof buf, warn, sizeof warn, err, sizeof err), 0);
		if (!cases[i].why) {
			snprintf(xdg_fifo, sizeof xdg_fifo, "%s/pipetrace.fifo", cases[i].dir);
			assert_string_equal(buf, xdg_fifo);
			assert_string_equal(warn, "");
			continue;
		}
		assert_string_equal(buf, want);
		if (!strstr(warn, cases[i].why) || !strstr(warn, want) || !strstr(warn, cases[i].dir))
			fail_msg("%s: warning '%s'", cases[i].dir, warn);
	}

	/* the mode: read and search for others are fine, write is not */
	const char *dir = cases[0].dir;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	static const struct { mode_t mode; bool ok; } modes[] = {
		{ 0700, true }, { 0755, true }, { 0750, true }, { 0711, true },
		{ 0720, false }, { 0702, false }, { 0777, false }, { 01777, false },
	};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(dir, modes[i].mode), 0);
		assert_int_equal(fifo_default_path(buf, sizeof buf, warn, sizeof warn, err, sizeof err), 0);
		if (modes[i].ok) {
			assert_non_null(strstr(buf, dir));
			assert_string_equal(warn, "");
		} else {
			assert_string_equal(buf, want);
			char mode[64];
			snprintf(mode, sizeof mode, "is writable by group or others (mode %04o)",
				 (unsigned)modes[i].mode);
			if (!strstr(warn, mode))
				fail_msg("mode %04o: warning '%s'", (unsigned)modes[i].mode, warn);
		}
	}
	assert_int_equal(chmod(dir, 0700), 0);
	/* another user's directory (e.g. after su): only root can make one */
	if (getuid() == 0 && chown(dir, 65534, 65534) == 0) {
		assert_int_equal(fifo_default_path(buf, sizeof buf, warn, sizeof warn, err, sizeof err), 0);
		assert_string_equal(buf, want);
		assert_non_null(strstr(warn, "belongs to uid 65534, not to you"));
		assert_int_equal(chown(dir, 0, 0), 0);
	}
	unsetenv("XDG_RUNTIME_DIR");
}

/* A FIFO removed or replaced under the reader: fifo_reopen makes a new one
 * (registered for the signal cleanup instead of the old one), takes over a
 * FIFO of ours nobody reads (not removed at the end), refuses anything
 * else without touching it, and hands back the old read end, which still
 * delivers what writers connected to the old FIFO write, then EOF. */
static void test_fifo_reopen(void **state)
{
	(void)state;
	struct fifo f;
	char err[512], buf[64];
	struct stat sb;
	const char *path = tpath("re.fifo");
	int old_rfd = -1;

	assert_int_equal(fifo_open(&f, path, err, sizeof err), 0);
	assert_true(fifo_still_there(&f));
	int writer = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(writer >= 0);
	int rfd = f.rfd;
	ino_t first = f.ino;

	/* removed: made again */
	assert_int_equal(unlink(path), 0);
	assert_false(fifo_still_there(&f));
	assert_int_equal(fifo_reopen(&f, &old_rfd, err, sizeof err), 0);
	assert_int_equal(old_rfd, rfd);
	assert_true(f.created);
	assert_true(f.ino != first);
	assert_true(fifo_still_there(&f));
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* the old FIFO: still read, EOF once its writer goes (our own write
	 * end of it was closed) */
	assert_int_equal(write(writer, "x\n", 2), 2);
	assert_int_equal(read(old_rfd, buf, sizeof buf), 2);
	close(writer);
	assert_int_equal(read(old_rfd, buf, sizeof buf), 0);
	close(old_rfd);
	/* the new one gets the new writers */
	writer = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(writer >= 0);
	assert_int_equal(write(writer, "y\n", 2), 2);
	assert_int_equal(read(f.rfd, buf, sizeof buf), 2);
	close(writer);
	/* the signal cleanup now removes the new node */
	fifo_cleanup_signal_safe();
	assert_int_equal(lstat(path, &sb), -1);

	/* something else at the path: refused, untouched, f unchanged */
	rfd = f.rfd;
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
	old_rfd = -1;
	assert_int_equal(fifo_reopen(&f, &old_rfd, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a FIFO"));
	assert_int_equal(old_rfd, -1);
	assert_int_equal(f.rfd, rfd);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 4);
	assert_int_equal(sb.st_mode & 0777, 0644);
	unlink(path);
	assert_int_equal(symlink(tpath("nowhere"), path), 0);
	assert_int_equal(fifo_reopen(&f, &old_rfd, err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(lstat(tpath("nowhere"), &sb), -1);
	unlink(path);

	/* a FIFO of ours with a reader: another monitor took over */
	assert_int_equal(mkfifo(path, 0600), 0);
	int other = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(other >= 0);
	assert_int_equal(fifo_reopen(&f, &old_rfd, err, sizeof err), -1);
	assert_non_null(strstr(err, "another reader"));
	close(other);

	/* the same FIFO without a reader: taken over, not ours to remove */
	assert_int_equal(fifo_reopen(&f, &old_rfd, err, sizeof err), 0);
	close(old_rfd);
	assert_false(f.created);
	fifo_cleanup_signal_safe();
	assert_int_equal(lstat(path, &sb), 0);
	fifo_close(&f);
	assert_int_equal(lstat(path, &sb), 0);
	unlink(path);
}

/* --- tracing a command -------------------------------------------------------- */

static void run_until_ended(struct ingest *ing)
{
	const struct ingest_status *st = ingest_get_status(ing);

	/* bounded: 20 s at most, for a command that takes milliseconds */
	for (int i = 0; i < 2000 && !st->input_ended; i++) {
		struct pollfd fds[2];
		int n = ingest_pollfds(ing, fds, 2);
		poll(fds, (nfds_t)n, 10);
		ingest_step(ing, 1000);
	}
}

static void test_child(void **state)
{
	(void)state;
	char err[512];
	char *cmd[] = { "sh", "-c",
		"printf '%s\\n' '{\"ev\":\"hello\",\"ts\":1,\"pid\":7,\"v\":1}' > \"$PIPETRACE_FIFO\";"
		"printf '%s\\n' '{\"ev\":\"bye\",\"ts\":2,\"pid\":7,\"status\":3}' > \"$PIPETRACE_FIFO\";"
		"printf '{\"ev\":\"enter\",\"ts\":3,\"pi' > \"$PIPETRACE_FIFO\";"
		"echo 'to the log'; exit 3", NULL };
	struct ingest_config cfg = { .cmd = cmd };

	fake_reset();
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	if (!ing)
		fail_msg("%s", err);
	const struct ingest_status *st = ingest_get_status(ing);
	assert_true(st->has_child);
	assert_true(st->child_pid > 0);
	run_until_ended(ing);
	assert_true(st->input_ended);
	assert_false(st->child_running);
	assert_true(WIFEXITED(st->child_wait_status));
	assert_int_equal(WEXITSTATUS(st->child_wait_status), 3);
	assert_int_equal(fake.n, 2);
	assert_int_equal(fake.ended, 1);
	/* the line cut by the dying writer is counted */
	assert_int_equal(st->bad_lines, 1);
	assert_non_null(strstr(st->last_bad, "line 3:"));
	/* its output went to the log */
	char buf[64] = "";
	FILE *f = fopen(st->child_log, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "to the log\n");
	char log[4096];
	snprintf(log, sizeof log, "%s", st->child_log);
	ingest_free(ing);
	/* the private FIFO, log and directory are gone */
	struct stat sb;
	assert_int_equal(lstat(log, &sb), -1);
	*strrchr(log, '/') = '\0';
	assert_int_equal(lstat(log, &sb), -1);

	/* with a log file of the user's, it is kept */
	fake_reset();
	cfg.child_log_path = tpath("child.log");
	ing = ingest_create(&cfg, M, err, sizeof err);
	assert_non_null(ing);
	run_until_ended(ing);
	ingest_free(ing);
	f = fopen(tpath("child.log"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "to the log\n");

	char *bad[] = { "/nonexistent/program", NULL };
	struct ingest_config bcfg = { .cmd = bad };
	assert_null(ingest_create(&bcfg, M, err, sizeof err));
	assert_non_null(strstr(err, "cannot run /nonexistent/program"));
}

/* What the command leaves behind: a process it started in the background,
 * connecting only after it exited, is read (the full screen's setting,
 * cmd_quiet_end_ms 0: input ends only when no writer and no such process
 * is left), and a silent process holding the FIFO keeps the input open
 * there, while plain mode's quiet bound ends it. */
static void test_child_leaves_processes(void **state)
{
	(void)state;
	char err[512], cmdline[1024];
	char *late[] = { "sh", "-c",
		"(sleep 0.5; printf '%s\\n' '{\"ev\":\"hello\",\"ts\":1,\"pid\":8,\"v\":1}'"
		" > \"$PIPETRACE_FIFO\") & exit 4", NULL };
	struct ingest_config cfg = { .cmd = late };

	fake_reset();
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	if (!ing)
		fail_msg("%s", err);
	const struct ingest_status *st = ingest_get_status(ing);
	run_until_ended(ing);
	assert_true(st->input_ended);
	assert_false(st->child_running);
	assert_int_equal(WEXITSTATUS(st->child_wait_status), 4);
	assert_int_equal(fake.n, 1);
	assert_int_equal(fake.ev[0].pid, 8);
	assert_int_equal(fake.ended, 1);
	ingest_free(ing);

	/* a silent holder of the FIFO (its pid in a file, to end it) */
	snprintf(cmdline, sizeof cmdline,
		 "exec 3>\"$PIPETRACE_FIFO\"; sleep 60 & echo $! > '%s'; exit 0", tpath("holder"));
	char *hold[] = { "sh", "-c", cmdline, NULL };
	cfg.cmd = hold;
	fake_reset();
	ing = ingest_create(&cfg, M, err, sizeof err);
	assert_non_null(ing);
	st = ingest_get_status(ing);
	/* it has exited and the holder has been handed to us (reaped as
	 * ours once it ends) well before 150 rounds of >= 10 ms */
	for (int i = 0; i < 150; i++) {
		struct pollfd fds[2];
		int n = ingest_pollfds(ing, fds, 2);
		poll(fds, (nfds_t)n, 10);
		ingest_step(ing, 1000);
	}
	assert_false(st->child_running);
	assert_false(st->input_ended);
	FILE *f = fopen(tpath("holder"), "r");
	assert_non_null(f);
	int holder = 0;
	assert_int_equal(fscanf(f, "%d", &holder), 1);
	fclose(f);
	assert_true(holder > 0);
	kill(holder, SIGTERM);
	run_until_ended(ing);
	assert_true(st->input_ended);
	assert_int_equal(fake.ended, 1);
	ingest_free(ing);

	/* plain mode's bound: the same holder, input ends after 200 ms quiet */
	cfg.cmd_quiet_end_ms = 200;
	fake_reset();
	ing = ingest_create(&cfg, M, err, sizeof err);
	assert_non_null(ing);
	st = ingest_get_status(ing);
	run_until_ended(ing);
	assert_true(st->input_ended);
	f = fopen(tpath("holder"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &holder), 1);
	fclose(f);
	kill(holder, SIGTERM);
	waitpid(holder, NULL, 0);  /* handed to us when the command exited */
	ingest_free(ing);
}

/* --- the bad-input corpus ------------------------------------------------------ */

/* tests/data/bad/NAME.in is fed as a recording; NAME.expect lists
 * key=value lines: lines, events, bad, oversized, unknown (counts) and
 * reason (a substring of the last bad line's reason). */
static void check_case(const char *dir, const char *name)
{
	char path[1024], err[512], line[512];
	struct ingest_config cfg = { .replay_path = path };

	snprintf(path, sizeof path, "%s/%s.in", dir, name);
	fake_reset();
	struct ingest *ing = ingest_create(&cfg, M, err, sizeof err);
	if (!ing)
		fail_msg("%s: %s", name, err);
	run_until_ended(ing);
	const struct ingest_status *st = ingest_get_status(ing);
	assert_true(st->input_ended);
	/* nothing unsafe in the reason shown to people */
	for (const char *c = st->last_bad; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fail_msg("%s: control character in reason: %s", name, st->last_bad);

	snprintf(path, sizeof path, "%s/%s.expect", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: no %s", name, path);
	int checks = 0;
	while (fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');
		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		char *val = eq + 1;
		val[strcspn(val, "\n")] = '\0';
		uint64_t want = strtoull(val, NULL, 10), got;
		checks++;
		if (!strcmp(line, "reason")) {
			if (!strstr(st->last_bad, val))
				fail_msg("%s: reason '%s' not in '%s'", name, val, st->last_bad);
			continue;
		}
		if (!strcmp(line, "lines")) got = st->lines;
		else if (!strcmp(line, "events")) got = st->events;
		else if (!strcmp(line, "bad")) got = st->bad_lines;
		else if (!strcmp(line, "oversized")) got = st->oversized;
		else if (!strcmp(line, "unknown")) got = st->unknown_kinds;
		else fail_msg("%s: unknown expectation %s", name, line);
		if (got != want)
			fail_msg("%s: %s = %llu, expected %llu (last bad: %s)", name, line,
				 (unsigned long long)got, (unsigned long long)want, st->last_bad);
	}
	fclose(f);
	if (!checks)
		fail_msg("%s: expects nothing", name);
	assert_int_equal(fake.n, st->events);
	ingest_free(ing);
}

static void test_bad_corpus(void **state)
{
	(void)state;
	const char *dir = TEST_DATA_DIR "/bad";
	DIR *d = opendir(dir);
	struct dirent *e;
	int cases = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 3 && !strcmp(e->d_name + n - 3, ".in")) {
			char name[256];
			snprintf(name, sizeof name, "%.*s", (int)(n - 3), e->d_name);
			check_case(dir, name);
			cases++;
		}
	}
	closedir(d);
	assert_true(cases >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linebuf),
		cmocka_unit_test(test_partial_reads),
		cmocka_unit_test(test_oversized_and_budget),
		cmocka_unit_test(test_endless_line),
		cmocka_unit_test(test_pause_queue),
		cmocka_unit_test(test_orig_lines),
		cmocka_unit_test(test_record_replay),
		cmocka_unit_test(test_fifo_safety),
		cmocka_unit_test(test_fifo_replaced),
		cmocka_unit_test(test_private_dir),
		cmocka_unit_test(test_output_file),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_default_path_xdg),
		cmocka_unit_test(test_fifo_reopen),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_child_leaves_processes),
		cmocka_unit_test(test_bad_corpus),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
