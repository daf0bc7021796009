/* lib_harness.c - see lib_harness.h.  The test process is the reader: it
 * owns the FIFO and runs the traced program as a child, so each case gets a
 * library initialised with exactly the environment it needs.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "event_bin.h"
#include "lib_harness.h"

/* How long a helper may run.  Under AddressSanitizer the helpers and this
 * reader (jansson on every line) run several times slower: the 16-process
 * lossless test once took more than 60 s there on a loaded 2-core CI. */
#if defined(__SANITIZE_ADDRESS__)
#define CAP_WAIT_MS 240000
#else
#define CAP_WAIT_MS 60000
#endif

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cap_init(struct cap *c, int make_fifo)
{
	memset(c, 0, sizeof *c);
	c->rfd = c->wfd = c->to_child = c->from_child = -1;
	strcpy(c->dir, "/tmp/pt-libtest-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->fifo, sizeof c->fifo, "%s/trace.fifo", c->dir);
	snprintf(c->errfile, sizeof c->errfile, "%s/stderr", c->dir);
	if (make_fifo)
		assert_int_equal(mkfifo(c->fifo, 0600), 0);
}

void cap_open(struct cap *c)
{
	c->rfd = open(c->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(c->rfd >= 0);
	c->wfd = open(c->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(c->wfd >= 0);
}

void cap_close(struct cap *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->wfd >= 0)
		close(c->wfd);
	c->rfd = c->wfd = -1;
}

/* Children still running when the test program ends (a failed assertion
 * skips cap_free) are killed then. */
static pid_t cap_children[64];

static void cap_kill_children(void)
{
	for (size_t i = 0; i < sizeof cap_children / sizeof cap_children[0]; i++)
		if (cap_children[i] > 0 && waitpid(cap_children[i], NULL, WNOHANG) == 0) {
			kill(cap_children[i], SIGKILL);
			waitpid(cap_children[i], NULL, 0);
		}
}

static void cap_track(pid_t pid)
{
	static int registered;

	if (!registered)
		registered = atexit(cap_kill_children) == 0;
	for (size_t i = 0; i < sizeof cap_children / sizeof cap_children[0]; i++)
		if (cap_children[i] <= 0 || waitpid(cap_children[i], NULL, WNOHANG) != 0) {
			cap_children[i] = pid;
			return;
		}
}

void cap_spawn(struct cap *c, const char *helper, const char *const *args,
	       const char *const *env)
{
	const char *top = getenv("top_builddir");
	char path[512];
	int in[2], out[2];
	pid_t pid;

	snprintf(path, sizeof path, "%s/tests/%s", top ? top : ".", helper);
	/* Close-on-exec: a later child must not keep this one's stdin open,
	 * or it would never see end-of-file if its test fails. */
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16];
		int n = 0, fd;

		argv[n++] = path;
		for (; args && *args && n < 15; args++)
			argv[n++] = *args;
		argv[n] = NULL;
		dup2(in[0], 0);
		dup2(out[1], 1);
		fd = open(c->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		setenv("PIPETRACE_FIFO", c->fifo, 1);
		unsetenv("PIPETRACE");
		unsetenv("PIPETRACE_MODE");
		unsetenv("PIPETRACE_LOSSLESS");
		unsetenv("PIPETRACE_SIGNALS");
		unsetenv("PIPETRACE_DEMANGLE");
		unsetenv("PIPETRACE_WIRE");
		for (; env && *env; env++)
			putenv((char *)*env);
		execve(path, (char *const *)argv, environ);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	cap_track(pid);
	c->to_child = in[1];
	c->from_child = out[0];
	c->pid = pid;
	c->spawned = pid;
}

static void cap_grow(struct cap *c, size_t more)
{
	if (c->len + more <= c->size)
		return;
	c->size = (c->len + more) * 2;
	c->buf = realloc(c->buf, c->size);
	assert_non_null(c->buf);
}

/* Reads what is there; returns the number of bytes read. */
static size_t cap_drain(struct cap *c)
{
	size_t total = 0;

	if (c->rfd < 0)
		return 0;
	for (;;) {
		ssize_t n;

		cap_grow(c, 65536);
		n = read(c->rfd, c->buf + c->len, c->size - c->len);
		if (n <= 0)
			break;
		c->len += (size_t)n;
		total += (size_t)n;
	}
	return total;
}

void cap_read(struct cap *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->rfd, .events = POLLIN };

	if (c->rfd >= 0 && poll(&p, 1, timeout_ms) > 0)
		cap_drain(c);
}

void cap_expect(struct cap *c, const char *line)
{
	char got[256];
	size_t n = 0;
	long long end = now_ms() + 30000;

	while (n < sizeof got - 1) {
		struct pollfd p = { .fd = c->from_child, .events = POLLIN };
		ssize_t r;

		/* The FIFO is not read meanwhile: tests that wait here either
		 * want it full or have little in it. */
		assert_true(now_ms() < end);
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(c->from_child, got + n, 1);
		assert_true(r == 1);
		if (got[n] == '\n')
			break;
		n++;
	}
	got[n] = 0;
	assert_string_equal(got, line);
}

static int cap_count(struct cap *c, const char *needle)
{
	size_t nl = strlen(needle);
	int n = 0;

	for (size_t i = 0; i + nl <= c->len; i++)
		if (memcmp(c->buf + i, needle, nl) == 0)
			n++;
	return n;
}

void cap_wait_for(struct cap *c, const char *needle, int n)
{
	long long end = now_ms() + 30000;

	while (cap_count(c, needle) < n) {
		if (now_ms() > end)
			fail_msg("\"%s\" did not come %d times within 30 s (%zu bytes read: %.300s)",
				 needle, n, c->len, c->len ? c->buf : "");
		cap_read(c, 50);
	}
}

void cap_say(struct cap *c, const char *line)
{
	size_t n = strlen(line);

	assert_int_equal(write(c->to_child, line, n), (ssize_t)n);
	assert_int_equal(write(c->to_child, "\n", 1), 1);
}

void cap_finish(struct cap *c)
{
	long long end = now_ms() + CAP_WAIT_MS;

	while (c->pid) {
		pid_t r = waitpid(c->pid, &c->status, WNOHANG);

		if (r == c->pid) {
			c->pid = 0;
			break;
		}
		if (now_ms() > end) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			c->pid = 0;
			fail_msg("helper did not finish within %d s", CAP_WAIT_MS / 1000);
		}
		cap_read(c, 20);
	}
	while (cap_drain(c) > 0)
		;
}

void cap_finish_slow(struct cap *c, size_t chunk, int interval_ms)
{
	long long end = now_ms() + CAP_WAIT_MS;
	struct timespec d = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };

	while (c->pid) {
		pid_t r = waitpid(c->pid, &c->status, WNOHANG);
		ssize_t n;

		if (r == c->pid) {
			c->pid = 0;
			break;
		}
		if (now_ms() > end) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			c->pid = 0;
			fail_msg("helper did not finish within %d s", CAP_WAIT_MS / 1000);
		}
		cap_grow(c, chunk);
		n = read(c->rfd, c->buf + c->len, chunk);
		if (n > 0)
			c->len += (size_t)n;
		nanosleep(&d, NULL);
	}
	while (cap_drain(c) > 0)
		;
}

/* An event of a binary frame (PIPETRACE_WIRE=binary), as its JSON line. */
static void frame_line(void *ctx, const struct event *ev)
{
	struct cap *c = ctx;
	char line[EVENT_LINE_MAX + 64];
	size_t n = bin_event_json(ev, line, sizeof line);
	json_t *o = n ? json_loadb(line, n, 0, NULL) : NULL;

	if (o)
		json_array_append_new(c->lines, o);
	else
		c->bad++;
}

void cap_parse(struct cap *c)
{
	struct bin_decoder *bin = bin_decoder_create();
	size_t start = 0;

	json_decref(c->lines);
	c->lines = json_array();
	c->bad = 0;
	for (size_t i = 0; i < c->len; i++) {
		json_error_t err;
		json_t *o;
		size_t flen, nev;

		if (i == start && (unsigned char)c->buf[i] == BIN_MAGIC && c->len - i >= BIN_HEAD &&
		    (flen = bin_frame_len((const unsigned char *)c->buf + i)) != 0 &&
		    flen <= c->len - i) {
			if (bin_decode(bin, (const unsigned char *)c->buf + i, flen, frame_line, c,
				       &nev, NULL) != EVENT_OK) {
				print_error("bad binary frame at byte %zu\n", i);
				c->bad++;
			}
			start = i + flen;
			i = start - 1;
			continue;
		}
		if (c->buf[i] != '\n')
			continue;
		o = json_loadb(c->buf + start, i - start, 0, &err);
		if (!o || !json_is_object(o) || i + 1 - start > 4096) {
			print_error("bad line: %.*s (%s)\n", (int)(i - start > 200 ? 200 : i - start),
				    c->buf + start, err.text);
			c->bad++;
			json_decref(o);
		} else {
			json_t *ev = json_object_get(o, "ev"), *pid = json_object_get(o, "pid");

			/* a new connection: its frames define their names anew */
			if (json_is_string(ev) && !strcmp(json_string_value(ev), "hello") &&
			    json_is_integer(pid))
				bin_decoder_forget(bin, (int32_t)json_integer_value(pid));
			json_array_append_new(c->lines, o);
		}
		start = i + 1;
	}
	/* Whole lines only: nothing may trail the last newline. */
	if (start != c->len)
		c->bad++;
	bin_decoder_free(bin);
}

char *cap_stderr(struct cap *c)
{
	FILE *f = fopen(c->errfile, "r");
	char *s = calloc(1, 65536);

	assert_non_null(s);
	if (f) {
		size_t n = fread(s, 1, 65535, f);

		s[n] = 0;
		fclose(f);
	}
	return s;
}

void cap_free(struct cap *c)
{
	char path[256];

	if (c->pid) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	cap_close(c);
	if (c->to_child >= 0)
		close(c->to_child);
	if (c->from_child >= 0)
		close(c->from_child);
	free(c->buf);
	json_decref(c->lines);
	unlink(c->fifo);
	unlink(c->errfile);
	snprintf(path, sizeof path, "%s/other", c->dir);
	unlink(path);
	rmdir(c->dir);
	memset(c, 0, sizeof *c);
}

const char *ev_kind(json_t *o)
{
	return json_string_value(json_object_get(o, "ev"));
}

json_int_t ev_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

const char *ev_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void need(json_t *o, const char *key, int (*is)(const json_t *))
{
	json_t *v = json_object_get(o, key);

	if (!v || !is(v))
		fail_msg("event \"%s\": key \"%s\" missing or of the wrong type",
			 ev_kind(o) ? ev_kind(o) : "?", key);
}

/* A key the protocol allows but does not require: right type if present. */
static void need_opt(json_t *o, const char *key, int (*is)(const json_t *))
{
	if (json_object_get(o, key))
		need(o, key, is);
}

static int is_int(const json_t *v) { return json_is_integer(v) && json_integer_value(v) >= 0; }
static int is_str(const json_t *v) { return json_is_string(v); }
static int is_arr(const json_t *v) { return json_is_array(v); }

void ev_check_schema(json_t *o)
{
	const char *ev = ev_kind(o);

	assert_non_null(ev);
	need(o, "ts", is_int);
	need(o, "pid", is_int);
	if (strcmp(ev, "hello") == 0) {
		need(o, "v", is_int);
		assert_int_equal(ev_int(o, "v"), 1);
		need(o, "ppid", is_int);
		need(o, "prog", is_str);
		need(o, "wall", is_int);
		need(o, "lib", is_str);
		return;
	}
	if (strcmp(ev, "bye") == 0) {
		need_opt(o, "status", is_int);
		need(o, "threads", is_int);
		return;
	}
	need(o, "tid", is_int);
	if (strcmp(ev, "thread") == 0) {
		need(o, "name", is_str);
	} else if (strcmp(ev, "stats") == 0) {
		size_t i;
		json_t *n;

		need(o, "nodes", is_arr);
		json_array_foreach(json_object_get(o, "nodes"), i, n) {
			static const char *const figs[] = { "id", "count", "total", "self", "max",
							    "exc", "abandoned" };
			size_t k;
			json_t *pair;

			assert_true(json_is_object(n));
			for (k = 0; k < sizeof figs / sizeof figs[0]; k++)
				need(n, figs[k], is_int);
			assert_true(ev_int(n, "id") >= 1);
			need_opt(n, "parent", is_int);
			need_opt(n, "fn", is_str);
			need_opt(n, "file", is_str);
			need_opt(n, "line", is_int);
			need(n, "hist", is_arr);
			json_array_foreach(json_object_get(n, "hist"), k, pair) {
				assert_true(json_is_array(pair) && json_array_size(pair) == 2);
				assert_true(is_int(json_array_get(pair, 0)));
				assert_true(json_integer_value(json_array_get(pair, 0)) < 48);
				assert_true(is_int(json_array_get(pair, 1)));
				assert_true(json_integer_value(json_array_get(pair, 1)) > 0);
			}
		}
	} else if (strcmp(ev, "tally") == 0) {
		need(o, "seq", is_int);
		need(o, "dropped", is_int);
		need_opt(o, "stats_unsent", is_int);
		if (json_object_get(o, "stats_unsent"))
			assert_true(ev_int(o, "stats_unsent") > 0);
	} else if (strcmp(ev, "drop") == 0) {
		need(o, "count", is_int);
		assert_true(ev_int(o, "count") > 0);
	} else if (strcmp(ev, "enter") == 0 || strcmp(ev, "exit") == 0 ||
		   strcmp(ev, "exception") == 0) {
		need(o, "seq", is_int);
		assert_true(ev_int(o, "seq") >= 1);
		need(o, "depth", is_int);
		need(o, "fn", is_str);
		need_opt(o, "file", is_str);
		need_opt(o, "line", is_int);
		if (ev[1] == 'x' && ev[2] == 'i')
			need(o, "dur", is_int);
		if (ev[1] == 'x' && ev[2] == 'c') {
			need(o, "type", is_str);
			need(o, "msg", is_str);
			need_opt(o, "stack", is_arr);
			need_opt(o, "signal", is_int);
		}
	} else {
		fail_msg("unknown event kind \"%s\"", ev);
	}
}

/* ---- replay ---------------------------------------------------------- */

static struct tstate *tstate_of(struct replay *r, json_int_t pid, json_int_t tid)
{
	for (int i = 0; i < r->n; i++)
		if (r->t[i].pid == pid && r->t[i].tid == tid)
			return &r->t[i];
	assert_true(r->n < REPLAY_MAXT);
	memset(&r->t[r->n], 0, sizeof r->t[0]);
	r->t[r->n].pid = pid;
	r->t[r->n].tid = tid;
	return &r->t[r->n++];
}

static struct pstate *pstate_of(struct replay *r, json_int_t pid)
{
	for (int i = 0; i < r->np; i++)
		if (r->p[i].pid == pid)
			return &r->p[i];
	assert_true(r->np < REPLAY_MAXP);
	memset(&r->p[r->np], 0, sizeof r->p[0]);
	r->p[r->np].pid = pid;
	return &r->p[r->np++];
}

void replay(struct cap *c, struct replay *r, int gaps)
{
	static struct tstate pool[REPLAY_MAXT];
	int contiguous = gaps == REPLAY_CONTIGUOUS;
	size_t i;
	json_t *o;

	memset(r, 0, sizeof *r);
	r->t = pool;
	assert_int_equal(c->bad, 0);
	json_array_foreach(c->lines, i, o) {
		const char *ev = ev_kind(o);
		struct tstate *t;

		ev_check_schema(o);
		if (strcmp(ev, "hello") == 0) {
			r->hellos++;
			continue;
		}
		if (strcmp(ev, "bye") == 0) {
			struct pstate *p = pstate_of(r, ev_int(o, "pid"));

			p->byes++;
			p->threads = ev_int(o, "threads");
			r->byes++;
			continue;
		}
		t = tstate_of(r, ev_int(o, "pid"), ev_int(o, "tid"));
		pstate_of(r, t->pid);
		if (strcmp(ev, "drop") == 0) {
			t->dropped += ev_int(o, "count");
			continue;
		}
		if (strcmp(ev, "thread") == 0) {
			t->named++;
			continue;
		}
		if (strcmp(ev, "stats") == 0) {
			/* Nothing of the thread's comes after its tally. */
			if (t->tallies)
				fail_msg("pid %lld tid %lld: stats after its tally", (long long)t->pid,
					 (long long)t->tid);
			continue;
		}
		if (strcmp(ev, "tally") == 0) {
			t->tallies++;
			t->tally_seq = ev_int(o, "seq");
			t->tally_dropped = ev_int(o, "dropped");
			/* Nothing of the thread's comes after its tally. */
			assert_true(t->tally_seq >= t->last_seq);
			continue;
		}
		json_int_t seq = ev_int(o, "seq");
		if (t->tallies)
			fail_msg("pid %lld tid %lld: seq %lld after its tally", (long long)t->pid,
				 (long long)t->tid, (long long)seq);
		json_int_t depth = ev_int(o, "depth");
		const char *fn = ev_str(o, "fn");

		if (contiguous)
			assert_int_equal(seq, t->last_seq + 1);
		else
			assert_true(seq > t->last_seq);
		t->last_seq = seq;
		t->events++;
		if (strcmp(ev, "enter") == 0) {
			/* Gaps (drops) make depth checks meaningless. */
			if (contiguous) {
				assert_int_equal(depth, t->depth);
				assert_true(t->depth < 256);
				snprintf(t->stack[t->depth], 64, "%s", fn);
			}
			t->depth++;
		} else if (strcmp(ev, "exit") == 0) {
			if (contiguous) {
				assert_true(t->depth > 0);
				assert_int_equal(depth, t->depth - 1);
				assert_string_equal(fn, t->stack[t->depth - 1]);
			}
			if (t->depth > 0)
				t->depth--;
		} else if (contiguous) {        /* exception: innermost call */
			assert_int_equal(depth, t->depth ? t->depth - 1 : 0);
			if (t->depth)
				assert_string_equal(fn, t->stack[t->depth - 1]);
		}
	}
	if (gaps == REPLAY_GAPS_COUNTED)
		for (int k = 0; k < r->n; k++) {
			struct tstate *t = &r->t[k];
			json_int_t dropped = t->tallies && t->tally_dropped > t->dropped
				? t->tally_dropped : t->dropped;

			if (t->events + dropped < t->last_seq)
				fail_msg("pid %lld tid %lld: %lld received + %lld dropped < last seq %lld",
					 (long long)t->pid, (long long)t->tid, (long long)t->events,
					 (long long)dropped, (long long)t->last_seq);
		}
}

int replay_check_accounting(struct replay *r)
{
	int said_bye = 0;

	for (int k = 0; k < r->n; k++) {
		struct tstate *t = &r->t[k];

		if (t->tallies == 0)
			continue;
		/* The tally supersedes the drop lines: a drop line given up
		 * with its batch at exit is counted in the tally only. */
		if (t->events + t->tally_dropped != t->tally_seq || t->dropped > t->tally_dropped)
			fail_msg("pid %lld tid %lld: %lld received + %lld dropped (drop lines: %lld)"
				 " != tally seq %lld", (long long)t->pid, (long long)t->tid,
				 (long long)t->events, (long long)t->tally_dropped,
				 (long long)t->dropped, (long long)t->tally_seq);
	}
	for (int i = 0; i < r->np; i++) {
		struct pstate *p = &r->p[i];
		int tallied = 0;

		if (!p->byes)
			continue;
		said_bye++;
		assert_int_equal(p->byes, 1);
		for (int k = 0; k < r->n; k++) {
			struct tstate *t = &r->t[k];

			if (t->pid != p->pid)
				continue;
			if (t->tallies != 1 || !t->named)
				fail_msg("pid %lld tid %lld: %d tallies, %d thread lines, before bye",
					 (long long)t->pid, (long long)t->tid, t->tallies, t->named);
			tallied++;
		}
		if (tallied != p->threads)
			fail_msg("pid %lld: bye says %lld threads, %d tallied", (long long)p->pid,
				 (long long)p->threads, tallied);
	}
	return said_bye;
}

json_t *find_ev(struct cap *c, const char *ev, const char *fn)
{
	size_t i;
	json_t *o;

	json_array_foreach(c->lines, i, o)
		if (strcmp(ev_kind(o), ev) == 0 &&
		    (!fn || (json_object_get(o, "fn") && strcmp(ev_str(o, "fn"), fn) == 0)))
			return o;
	return NULL;
}

json_t *need_ev(struct cap *c, const char *ev, const char *fn)
{
	json_t *o = find_ev(c, ev, fn);

	if (!o)
		fail_msg("no \"%s\" event%s%s", ev, fn ? " of " : "", fn ? fn : "");
	return o;
}

json_t *need_segv_exception(struct cap *c)
{
	json_t *o;

	cap_finish(c);
	assert_true(WIFSIGNALED(c->status));
	assert_int_equal(WTERMSIG(c->status), SIGSEGV);
	cap_parse(c);
	assert_int_equal(c->bad, 0);
	o = need_ev(c, "exception", NULL);
	ev_check_schema(o);
	assert_string_equal(ev_str(o, "type"), "SIGSEGV");
	assert_int_equal(ev_int(o, "signal"), SIGSEGV);
	return o;
}

void check_crash_in_outer(const char *setting)
{
	const char *args[] = { "crash", NULL };
	const char *env[] = { "PIPETRACE_SIGNALS=1", setting,
			      "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0",
			      NULL };
	struct cap c;
	struct replay r;
	json_t *o;

	cap_start(&c, "lib_traced", args, env);
	o = need_segv_exception(&c);
	replay(&c, &r, REPLAY_CONTIGUOUS);
	assert_null(find_ev(&c, "enter", "inner"));
	assert_string_equal(ev_str(o, "fn"), "outer");
	assert_int_equal(ev_int(o, "depth"), 1);
	assert_int_equal(json_array_size(json_object_get(o, "stack")), 3);
	cap_free(&c);
}

void assert_exit_0(struct cap *c)
{
	if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0)
		fail_msg("helper ended with wait status 0x%x", c->status);
}

void cap_start(struct cap *c, const char *helper, const char *const *args,
	       const char *const *env)
{
	cap_init(c, 1);
	cap_open(c);
	cap_spawn(c, helper, args, env);
}

void cap_done(struct cap *c)
{
	cap_finish(c);
	assert_exit_0(c);
	cap_parse(c);
}

/* ---- stats ------------------------------------------------------------ */

static struct snode *snode_of(struct sthread *s, json_int_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->nodes[i].id == id)
			return &s->nodes[i];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->nodes = realloc(s->nodes, s->cap * sizeof *s->nodes);
		assert_non_null(s->nodes);
	}
	memset(&s->nodes[s->n], 0, sizeof s->nodes[0]);
	s->nodes[s->n].id = id;
	return &s->nodes[s->n++];
}

void stats_of(struct cap *c, json_int_t pid, json_int_t tid, struct sthread *s)
{
	size_t i;
	json_t *o;
	json_int_t last_ts = 0;
	int held = 0;

	memset(s, 0, sizeof *s);
	s->pid = pid;
	s->tid = tid;
	json_array_foreach(c->lines, i, o) {
		const char *ev = ev_kind(o);
		size_t k;
		json_t *n;

		if (ev_int(o, "pid") != pid)
			continue;
		if (strcmp(ev, "hello") == 0) {
			/* A new connection: names come again. */
			for (k = 0; k < s->n; k++)
				s->nodes[k].named = 0;
			s->hellos++;
			if (json_object_get(o, "stats_ms"))
				s->stats_ms = ev_int(o, "stats_ms");
			held = json_object_get(o, "min_duration") != NULL;
			continue;
		}
		if (strcmp(ev, "bye") == 0 || ev_int(o, "tid") != tid)
			continue;
		/* Within a thread, ts never decreases, stats lines included
		 * (but for the enters PIPETRACE_MIN_DURATION held, which keep
		 * their own ts). */
		if (!held || strcmp(ev, "enter") != 0)
			assert_true(ev_int(o, "ts") >= last_ts);
		if (ev_int(o, "ts") > last_ts)
			last_ts = ev_int(o, "ts");
		if (strcmp(ev, "tally") == 0) {
			s->tallied = 1;
			if (json_object_get(o, "stats_unsent"))
				s->unsent = ev_int(o, "stats_unsent");
		}
		if (strcmp(ev, "stats") != 0)
			continue;
		assert_false(s->tallied);
		s->lines++;
		json_array_foreach(json_object_get(o, "nodes"), k, n) {
			struct snode *sn = snode_of(s, ev_int(n, "id"));
			json_t *h;
			size_t b;

			if (json_object_get(n, "fn")) {
				snprintf(sn->fn, sizeof sn->fn, "%s", ev_str(n, "fn"));
				sn->parent = ev_int(n, "parent");
				sn->other = json_is_true(json_object_get(n, "other"));
				sn->named = 1;
			}
			/* The first entry of a node on a connection names it. */
			if (!sn->named)
				fail_msg("stats node %lld without fn on this connection",
					 (long long)sn->id);
			/* Cumulative: a later line never says less. */
			assert_true(ev_int(n, "count") >= sn->count);
			assert_true(ev_int(n, "exc") >= sn->exc);
			assert_true(ev_int(n, "abandoned") >= sn->abandoned);
			sn->count = ev_int(n, "count");
			sn->total = ev_int(n, "total");
			sn->self = ev_int(n, "self");
			sn->max = ev_int(n, "max");
			sn->exc = ev_int(n, "exc");
			sn->abandoned = ev_int(n, "abandoned");
			sn->hist_sum = 0;
			json_array_foreach(json_object_get(n, "hist"), b, h)
				sn->hist_sum += json_integer_value(json_array_get(h, 1));
			sn->entries++;
		}
	}
	for (size_t k = 0; k < s->n; k++) {
		struct snode *sn = &s->nodes[k];

		/* Parents are sent before their children. */
		if (sn->parent)
			assert_true(sn->parent < sn->id || s->nodes[k].other);
	}
}

const struct snode *stats_path(const struct sthread *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct snode *sn = &s->nodes[i];
		const char *end = path + strlen(path);

		/* Walk up from the node, matching the path from its end. */
		for (;;) {
			const char *slash = end;
			size_t len;

			while (slash > path && slash[-1] != '/')
				slash--;
			len = (size_t)(end - slash);
			if (strlen(sn->fn) != len || memcmp(sn->fn, slash, len) != 0)
				break;
			if (slash == path) {
				if (sn->parent == 0)
					return &s->nodes[i];
				break;
			}
			end = slash - 1;
			if (!sn->parent)
				break;
			const struct snode *p = NULL;

			for (size_t k = 0; k < s->n; k++)
				if (s->nodes[k].id == sn->parent)
					p = &s->nodes[k];
			if (!p)
				break;
			sn = p;
		}
	}
	return NULL;
}

void stats_check_sums(const struct sthread *s)
{
	int other = 0;

	/* Whose callees the "(other paths)" calls were is not said. */
	for (size_t i = 0; i < s->n; i++)
		other |= s->nodes[i].other;
	for (size_t i = 0; i < s->n; i++) {
		const struct snode *sn = &s->nodes[i];
		json_int_t child_total = 0, child_count = 0;

		if (sn->self > sn->total || sn->max > sn->total || sn->hist_sum != sn->count)
			fail_msg("stats node %lld (%s): count %lld total %lld self %lld max %lld "
				 "hist %lld", (long long)sn->id, sn->fn, (long long)sn->count,
				 (long long)sn->total, (long long)sn->self, (long long)sn->max,
				 (long long)sn->hist_sum);
		if (other)
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (s->nodes[k].parent == sn->id && !s->nodes[k].other) {
				child_total += s->nodes[k].total;
				child_count += s->nodes[k].count;
			}
		/* Children's time is within the parent's; self is the rest, up to
		 * the rounding of each call's ticks to ns. */
		/* (The TSC's rate is refined while the program runs: a call
		 * and its callees, converted at their own exits, may differ
		 * by a few parts in 10^4 as well.) */
		json_int_t slack = sn->count + child_count + sn->total / 2000;

		if (sn->count && sn->abandoned == 0 &&
		    (child_total > sn->total + slack ||
		     llabs((long long)(sn->total - child_total - sn->self)) > (long long)slack))
			fail_msg("stats node %lld (%s): total %lld self %lld, children total %lld",
				 (long long)sn->id, sn->fn, (long long)sn->total,
				 (long long)sn->self, (long long)child_total);
	}
}

void stats_free(struct sthread *s)
{
	free(s->nodes);
	memset(s, 0, sizeof *s);
}

int run_slow_until_bye(struct cap *c, struct replay *r, const char *const *args,
		       size_t chunk, int interval_ms)
{
	for (int tries = 0; tries < 3; tries++) {
		cap_start(c, "lib_traced", args, NULL);
		cap_finish_slow(c, chunk, interval_ms);
		assert_exit_0(c);
		cap_parse(c);
		replay(c, r, REPLAY_GAPS_COUNTED);
		if (replay_check_accounting(r) > 0)
			return 1;
		print_message("no bye (reader too late?), trying again\n");
		cap_free(c);
	}
	fail_msg("three runs without a bye");
	return 0;
}
