/* ui_loop.c - ui_run(): curses set-up and teardown, stderr kept off the
 * screen, signals, and the event loop.
 *
 * The loop interleaves input and keys: ingest runs in slices of about
 * SLICE_NS, keys are read between slices and redrawn at once, and redraws
 * caused by new data happen at most FRAME_NS apart and only for the panes
 * that changed. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui.h"
#include "ui_int.h"

#define SLICE_NS 8000000LL          /* ingest time between looks at the keyboard */
#define STEP_BUDGET 1024            /* events per ingest_step call */
#define FRAME_NS 33000000LL         /* at most ~30 data-driven redraws a second */
#define STATUS_NS 500000000LL       /* rate and memory on the status line */
#define MATCH_NS 1000000000LL       /* recount live search matches */
#define SORT_NS 1000000000LL        /* sort the calls pane again */

static volatile sig_atomic_t got_quit;
static long keep_ended = -1;

void ui_set_keep_ended(long n)
{
	keep_ended = n;
}
static bool curses_on;
static int saved_stderr = -1;
static FILE *err_capture;           /* owned: what was written to stderr */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_quit(int sig)
{
	got_quit = sig;
}

/* A crash must not leave the terminal in raw mode: endwin() is not
 * async-signal-safe, but the process is about to die either way and a
 * usable terminal is worth the risk (htop does the same). */
static void on_fatal(int sig)
{
	if (curses_on)
		endwin();
	if (saved_stderr >= 0)
		dup2(saved_stderr, 2);
	ingest_cleanup_signal_safe();
	signal(sig, SIG_DFL);
	raise(sig);
}

void ui_stderr_capture(void)
{
	err_capture = tmpfile();
	if (!err_capture)
		return;
	fflush(stderr);
	saved_stderr = dup(2);
	if (saved_stderr < 0 || dup2(fileno(err_capture), 2) < 0) {
		fclose(err_capture);
		err_capture = NULL;
		if (saved_stderr >= 0)
			close(saved_stderr);
		saved_stderr = -1;
	}
}

void ui_stderr_release(void)
{
	char buf[4096];
	size_t n;

	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(err_capture);
	while ((n = fread(buf, 1, sizeof(buf), err_capture)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(err_capture);
	err_capture = NULL;
}

static void teardown(void)
{
	if (curses_on) {
		endwin();
		curses_on = false;
	}
	ui_stderr_release();
}

static void set_signals(struct sigaction *old_int, struct sigaction *old_term, struct sigaction *old_hup)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;     /* no SA_RESTART: poll() must return */
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGHUP, &sa, old_hup);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

static void read_keys(struct ui *u)
{
	wint_t wc;
	int rc;

	while (!u->quit && (rc = wget_wch(stdscr, &wc)) != ERR) {
		ui_key(u, (int)wc);
		(void)rc;  /* KEY_CODE_YES and OK both give the key in wc */
	}
}

static bool key_waiting(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/* Ingests for about SLICE_NS, or until a key arrives; returns true when
 * more input is waiting. */
static bool ingest_slice(struct ingest *ing)
{
	int64_t t0 = now_ns();

	do {
		/* a short step means the input is drained for now */
		if (ingest_step(ing, STEP_BUDGET) < STEP_BUDGET)
			return false;
	} while (now_ns() - t0 < SLICE_NS && !key_waiting());
	return true;
}

static int event_loop(struct ui *u)
{
	int64_t last_frame = 0, last_status = 0, last_match = 0, last_sort = 0;
	struct pollfd fds[16];

	while (!u->quit && !got_quit) {
		bool more = ingest_slice(u->ing);
		int64_t now = now_ns();

		read_keys(u);
		if (u->dirty) {
			/* a key: answer now */
			ui_poll_model(u);
			ui_draw(u);
			last_frame = now;
		}
		if (now - last_match >= MATCH_NS && u->tv.search) {
			unsigned before = (unsigned)u->tv.matches_total;

			tree_view_refresh_matches(&u->tv, false);
			if (before != (unsigned)u->tv.matches_total)
				u->dirty |= DIRTY_HINT;
			last_match = now;
		}
		if (now - last_sort >= SORT_NS) {
			/* sorted rows move at most this often, not on every event */
			uint64_t e = u->tv.sort_epoch;

			tree_view_resort(&u->tv);
			if (e != u->tv.sort_epoch)
				u->dirty |= DIRTY_TREE;
			/* what the filters hide, when the model moved */
			if (scope_active(&u->tv.scope) && u->scope_gen != model_generation(u->m))
				ui_scope_recount(u);
			if (profile_view_refresh(&u->pv, false))
				u->dirty |= DIRTY_TREE | DIRTY_HIST;
			last_sort = now;
		}
		if (now - last_status >= STATUS_NS) {
			if (keep_ended >= 0)
				ui_forget_ended(u, (uint32_t)keep_ended);
			u->dirty |= DIRTY_STATUS;
			last_status = now;
		}
		if (now - last_frame >= FRAME_NS) {
			ui_poll_model(u);
			if (u->dirty) {
				ui_draw(u);
				last_frame = now;
			}
		}
		if (u->quit || got_quit)
			break;
		/* sleep until input, a key, or the next frame that has something to show */
		int nfds = ingest_pollfds(u->ing, fds + 1, (int)(sizeof(fds) / sizeof(fds[0])) - 1);
		int timeout;

		fds[0].fd = 0;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		if (more)
			timeout = 0;
		else if (model_generation(u->m) != u->last_gen || u->dirty)
			timeout = (int)((FRAME_NS - (now_ns() - last_frame)) / 1000000) + 1;
		else
			timeout = (int)(STATUS_NS / 1000000);
		if (timeout < 0)
			timeout = 0;
		if (poll(fds, (nfds_t)(nfds + 1), timeout) < 0 && errno != EINTR)
			return 1;
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			return 1;  /* the terminal went away */
	}
	return 0;
}

int ui_run(struct ingest *ing, struct model *m)
{
	struct sigaction old_int, old_term, old_hup;
	struct ui u;
	SCREEN *scr;
	int rc;

	draw_init_locale();
	ui_stderr_capture();
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		const char *term = getenv("TERM");
		char safe_term[4 * 64 + 8];

		ui_stderr_release();
		/* TERM is the user's: shown escaped, like any other input */
		if (term)
			event_safe_text(safe_term, sizeof safe_term, term, strnlen(term, 64), false);
		fprintf(stderr, "pipetrace-tui: cannot start the full-screen interface (TERM=%s); try --plain\n",
			term ? safe_term : "unset");
		return 1;
	}
	curses_on = true;
	atexit(teardown);
	set_signals(&old_int, &old_term, &old_hup);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* ncurses 6.4 flushes its output after every cursor move until the
	 * screen has been through endwin() once (it cannot tell a terminfo
	 * program's mvcur() from its own while SP->_endwin is ewInitial).  A
	 * frame went out as one write of ~15 bytes per changed cell run, about
	 * 1800 writes a second at full ingest, and tmux, woken for each, fell
	 * behind by 100+ ms at times: key presses shown late.  One
	 * endwin()/doupdate() round now makes a frame one write. */
	endwin();
	doupdate();
	curs_set(0);
	draw_init_colours();
	if (ui_mouse_enabled()) {
		/* presses, not clicks: no wait to tell a click from a double one */
		mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			  | BUTTON5_PRESSED
#endif
			  , NULL);
		mouseinterval(0);
	}

	ui_state_init(&u, ing, m);
	u.dirty = DIRTY_ALL;   /* with DIRTY_LAYOUT: windows are made by the first draw */
	ui_draw(&u);
	rc = event_loop(&u);
	ui_state_free(&u);

	teardown();
	delscreen(scr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (rc)
		fprintf(stderr, "pipetrace-tui: lost the terminal\n");
	/* Ctrl-C is the quit key; being told to stop says so in the status */
	if (!rc && (got_quit == SIGTERM || got_quit == SIGHUP))
		rc = 128 + got_quit;
	return rc;
}
