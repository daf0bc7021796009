/* ingest.c - from a source to the model: split, parse, count, record,
 * apply, or queue while paused; and the status the interface shows.
 *
 * Everything runs in budgeted slices (ingest_step) so that the caller's
 * key handling and drawing stay responsive at full input rate. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_bin.h"
#include "event_orig.h"
#include "ingest.h"
#include "keep.h"
#include "source.h"

#define QUEUE_DEFAULT_MAX 1000000u
/* The queue also stops at this many bytes (~2 KiB a line at worst would
 * otherwise let 1 M queued lines take 2 GiB). */
#define QUEUE_BYTES_MAX ((size_t)256 << 20)
#define VANISH_SUSPECTS 64
/* FIFOs removed or replaced under us whose writers are still being read. */
#define OLD_FIFO_MAX 4

/* A FIFO no longer at its path, read until its last writer is gone. */
struct old_fifo {
	int fd;                  /* owned: its read end */
	struct linebuf *lb;      /* owned: its own partial line */
};

struct ingest {
	struct model *model;     /* borrowed */
	struct event_parser *parser; /* owned */
	struct bin_decoder *bin; /* owned: binary frames' function names */
	struct source src;
	struct linebuf *lb;      /* owned */
	FILE *rec;               /* owned: --record, or NULL */
	bool rec_dirty;
	char rec_error[300];
	struct keep *keep;       /* owned: lines kept for the save and export keys, or NULL */
	char keep_error[300];
	struct ingest_status st;
	ingest_event_cb cb;
	void *cb_ctx;            /* borrowed */
	ingest_event_cb tap;     /* --export */
	void *tap_ctx;           /* borrowed */

	/* pause queue: whole valid lines, each ended by '\n' */
	char *q;                 /* owned */
	size_t qhead, qlen, qcap;

	bool src_ended;          /* the source has nothing more to give */
	bool end_applied;        /* model_end_of_input() done */

	double rate_t0;
	uint64_t rate_ev0;

	double vanish_t;
	int32_t suspects[VANISH_SUSPECTS]; /* pids seen gone once, confirmed next round */
	size_t nsuspects;

	/* the listening FIFO: its path looked at about once a second */
	double watch_t;
	struct old_fifo old[OLD_FIFO_MAX];
	int nold;
	char fifo_problem[700];
	char fifo_note[700];

	/* -- CMD, once the command has exited */
	double quiet_end;        /* seconds; 0: wait for every writer and process */
	double last_data_t;      /* when bytes last came, or the command exited */
	bool no_writer;          /* the last read found no writer: not polled then,
				  * since poll would report a hang-up at once */

	const char *cmd0;        /* borrowed: the command's name, or NULL */

	struct event ev;         /* the event being handled (large: stack names) */
	/* Lines in the original pipetrace's formats: one stream per monitor
	 * (such a writer reopens the FIFO for every line, so none stays on
	 * an old FIFO), and the events each line becomes. */
	struct orig_stream orig;
	struct orig_line oline;
	struct event oev[ORIG_EVENTS_MAX];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct ingest *ingest_create(const struct ingest_config *cfg, struct model *m,
			     char *err, size_t errsize)
{
	struct ingest *ing = calloc(1, sizeof *ing);
	int r, exec_err = 0;

	if (!ing) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	ing->model = m;
	ing->parser = event_parser_create();
	ing->bin = bin_decoder_create();
	ing->lb = malloc(sizeof *ing->lb);
	if (!ing->parser || !ing->bin || !ing->lb) {
		snprintf(err, errsize, "out of memory");
		goto fail_early;
	}
	linebuf_init(ing->lb);
	if (cfg->replay_path)
		r = source_open_replay(&ing->src, cfg->replay_path, err, errsize);
	else if (cfg->cmd)
		r = source_open_child(&ing->src, cfg->cmd, cfg->child_log_path, cfg->cmd_stdin,
				      err, errsize);
	else
		r = source_open_fifo(&ing->src, cfg->fifo_path, err, errsize);
	if (r < 0) {
		exec_err = errno;  /* exec's error, or 0 */
		goto fail_early;
	}
	if (cfg->record_path) {
		int fd = source_open_output(cfg->record_path, err, errsize);
		ing->rec = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!ing->rec) {
			if (fd >= 0) {
				snprintf(err, errsize, "cannot write %s: %s", cfg->record_path,
					 strerror(errno));
				close(fd);
			}
			source_close(&ing->src);
			goto fail_early;
		}
	}
	if (cfg->keep_max)
		ing->keep = keep_create(cfg->keep_max, ing->keep_error, sizeof ing->keep_error);
	ing->st.source = ing->src.desc;
	ing->cmd0 = cfg->cmd && !cfg->replay_path ? cfg->cmd[0] : NULL;
	ing->st.queue_max = cfg->pause_queue_max ? cfg->pause_queue_max : QUEUE_DEFAULT_MAX;
	ing->st.has_child = ing->src.kind == SRC_CHILD;
	ing->st.child_running = ing->src.child_running;
	ing->st.child_pid = ing->src.kind == SRC_CHILD ? ing->src.child : 0;
	ing->st.child_log = ing->src.kind == SRC_CHILD ? ing->src.log_path : NULL;
	ing->st.child_log_kept = ing->st.child_log && cfg->child_log_path;
	ing->st.fifo_warning = ing->src.warn[0] ? ing->src.warn : NULL;
	ing->quiet_end = cfg->cmd_quiet_end_ms / 1000.0;
	ing->rate_t0 = ing->vanish_t = ing->watch_t = ing->last_data_t = now_s();
	return ing;
fail_early:
	event_parser_free(ing->parser);
	bin_decoder_free(ing->bin);
	free(ing->lb);
	free(ing);
	errno = exec_err;
	return NULL;
}

void ingest_free(struct ingest *ing)
{
	if (!ing)
		return;
	source_close(&ing->src);
	for (int i = 0; i < ing->nold; i++) {
		close(ing->old[i].fd);
		free(ing->old[i].lb);
	}
	if (ing->rec)
		fclose(ing->rec);
	keep_free(ing->keep);
	event_parser_free(ing->parser);
	bin_decoder_free(ing->bin);
	free(ing->lb);
	free(ing->q);
	free(ing);
}

struct keep *ingest_keep(struct ingest *ing, const char **why)
{
	if (why)
		*why = ing->keep_error[0] ? ing->keep_error : NULL;
	return ing->keep;
}

void ingest_set_event_cb(struct ingest *ing, ingest_event_cb cb, void *ctx)
{
	ing->cb = cb;
	ing->cb_ctx = ctx;
}

void ingest_set_tap(struct ingest *ing, ingest_event_cb cb, void *ctx)
{
	ing->tap = cb;
	ing->tap_ctx = ctx;
}

/* Paused with a full queue: reading stops rather than dropping lines; the
 * writers then wait or count their own drops, as with any slow reader. */
static bool held_back(const struct ingest *ing)
{
	return ing->st.paused && (ing->st.queued >= ing->st.queue_max ||
				  ing->qlen - ing->qhead + EVENT_LINE_MAX + 1 > QUEUE_BYTES_MAX);
}

int ingest_pollfds(struct ingest *ing, struct pollfd *fds, int max)
{
	int n = 0;

	if (ing->src_ended || ing->src.fd < 0 || held_back(ing))
		return 0;
	/* Without a writer the caller's timeout paces the reads instead. */
	if (n < max && !ing->no_writer) {
		fds[n].fd = ing->src.fd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	for (int i = 0; i < ing->nold && n < max; i++) {
		fds[n].fd = ing->old[i].fd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	return n;
}

void ingest_set_paused(struct ingest *ing, bool paused)
{
	ing->st.paused = paused;
}

const struct ingest_status *ingest_get_status(const struct ingest *ing)
{
	return &ing->st;
}

const char *ingest_no_events_note(const struct ingest *ing, char *buf, size_t size)
{
	const struct ingest_status *st = &ing->st;
	char what[400] = "";

	if (!st->input_ended || st->events || (st->has_child && st->child_running))
		return NULL;
	if (st->lines)
		snprintf(what, sizeof what, "%llu line%s, %llu bad%s%s%s",
			 (unsigned long long)st->lines, st->lines == 1 ? "" : "s",
			 (unsigned long long)st->bad_lines, st->bad_lines ? " (last: " : "",
			 st->bad_lines ? st->last_bad : "", st->bad_lines ? ")" : "");
	if (st->lines && st->unknown_kinds) {
		size_t n = strlen(what);
		snprintf(what + n, sizeof what - n, ", %llu of a kind this reader does not know",
			 (unsigned long long)st->unknown_kinds);
	}
	if (ing->src.kind == SRC_REPLAY) {
		if (!st->lines)
			snprintf(buf, size, "%.2000s holds no event line: it is empty", st->source);
		else
			snprintf(buf, size, "%.2000s holds no valid event: %s", st->source, what);
		return buf;
	}
	if (!st->has_child)
		return NULL;
	/* The command ran and nothing came.  Say what is known for sure
	 * first, then the usual reasons, each with a way to check it. */
	const char *off = getenv("PIPETRACE");
	const char *cmd = ing->cmd0 ? ing->cmd0 : "the command";
	if (st->lines) {
		/* something wrote: the lines say what went wrong */
		snprintf(buf, size, "no valid event arrived from %.1000s: %s.", st->source, what);
		return buf;
	}
	int o = snprintf(buf, size, "no event arrived from %.1000s.", st->source);
	if (o < 0 || (size_t)o >= size)
		return buf;
	if (off && !strcmp(off, "0"))
		snprintf(buf + o, size - (size_t)o, " PIPETRACE=0 is set in the environment: "
			 "tracing is off; unset it.");
	else
		snprintf(buf + o, size - (size_t)o, " Likely causes: %.1000s is not linked with "
			 "libpipetrace (check: ldd \"$(command -v %.1000s)\" | grep pipetrace; a "
			 "linker with --as-needed drops -lpipetrace placed before the objects, so put "
			 "it after them, or use pkg-config --libs pipetrace); it has no PT_TRACE() and "
			 "was not built with -finstrument-functions; it unsets or changes "
			 "PIPETRACE_FIFO or sets PIPETRACE=0 for the programs it runs.", cmd, cmd);
	return buf;
}

void ingest_cleanup_signal_safe(void)
{
	source_cleanup_signal_safe();
	fifo_cleanup_signal_safe();
}

static void apply(struct ingest *ing, const struct event *ev)
{
	model_apply(ing->model, ev);
	if (ing->cb)
		ing->cb(ing->cb_ctx, ev, ing->model);
	if (ing->tap)
		ing->tap(ing->tap_ctx, ev, ing->model);
}

/* An original-format line (ing->oline, parsed): the calls it gives, in
 * order, timed by the wall clock when it carries no time of its own. */
static void apply_orig(struct ingest *ing)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	size_t n = orig_events(&ing->orig, &ing->oline,
			       (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, ing->oev);
	for (size_t i = 0; i < n; i++)
		apply(ing, &ing->oev[i]);
}

static bool queue_push(struct ingest *ing, const char *line, size_t len)
{
	if (ing->st.queued >= ing->st.queue_max ||
	    ing->qlen - ing->qhead + len + 1 > QUEUE_BYTES_MAX)
		return false;
	if (ing->qlen + len + 1 > ing->qcap) {
		if (ing->qhead > 0) {
			/* Slide the live part down before growing. */
			memmove(ing->q, ing->q + ing->qhead, ing->qlen - ing->qhead);
			ing->qlen -= ing->qhead;
			ing->qhead = 0;
		}
		if (ing->qlen + len + 1 > ing->qcap) {
			size_t cap = ing->qcap ? ing->qcap * 2 : 65536;
			while (cap < ing->qlen + len + 1)
				cap *= 2;
			char *nq = realloc(ing->q, cap);
			if (!nq)
				return false;
			ing->q = nq;
			ing->qcap = cap;
		}
	}
	memcpy(ing->q + ing->qlen, line, len);
	ing->q[ing->qlen + len] = '\n';
	ing->qlen += len + 1;
	ing->st.queued++;
	return true;
}

/* Applies the oldest queued line; false when the queue is empty. */
static bool queue_pop_apply(struct ingest *ing)
{
	if (!ing->st.queued)
		return false;
	const char *line = ing->q + ing->qhead;
	const char *nl = memchr(line, '\n', ing->qlen - ing->qhead);
	size_t len = (size_t)(nl - line);

	ing->qhead += len + 1;
	ing->st.queued--;
	if (!ing->st.queued)
		ing->qhead = ing->qlen = 0;
	/* It parsed when it arrived; it parses the same now. */
	bool orig;
	if (event_parse_mixed(ing->parser, line, len, &ing->ev, &ing->oline, &orig, NULL) ==
	    EVENT_OK) {
		if (orig)
			apply_orig(ing);
		else
			apply(ing, &ing->ev);
	}
	return true;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* An event of a binary frame: as a valid line's (take_line), recorded,
 * kept and queued as its JSON line. */
static void take_frame_event(void *ctx, const struct event *ev)
{
	struct ingest *ing = ctx;
	struct ingest_status *st = &ing->st;

	if (ing->rec || ing->keep || st->paused || st->queued) {
		char line[EVENT_LINE_MAX + 64];
		size_t n = bin_event_json(ev, line, sizeof line);

		if (ing->rec && n) {
			fwrite(line, 1, n, ing->rec);
			putc('\n', ing->rec);
			ing->rec_dirty = true;
		}
		if (ing->keep && n)
			keep_line(ing->keep, line, n);
		if (st->paused || st->queued) {
			if (!n || !queue_push(ing, line, n)) {
				st->queue_dropped++;
				return;
			}
			st->events++;
			return;
		}
	}
	apply(ing, ev);
	st->events++;
}

/* A binary frame: its events; what breaks its rules is a bad line. */
static size_t take_frame(struct ingest *ing, const char *frame, size_t len)
{
	struct ingest_status *st = &ing->st;
	struct event_error err;
	size_t n;

	st->lines++;
	if (bin_decode(ing->bin, (const unsigned char *)frame, len, take_frame_event, ing, &n,
		       &err) != EVENT_OK) {
		st->bad_lines++;
		snprintf(st->last_bad, sizeof st->last_bad, "line %llu: binary frame: %s (byte %d)",
			 (unsigned long long)st->lines, err.text, err.column);
	}
	return n;
}

/* One line (or binary frame) from the source; the valid events it gave. */
static size_t take_line(struct ingest *ing, enum line_kind kind, const char *line, size_t len)
{
	struct ingest_status *st = &ing->st;
	struct event_error err;

	if (kind == LINE_FRAME)
		return take_frame(ing, line, len);

	if (kind == LINE_OVERSIZED || kind == LINE_TOO_LONG) {
		st->lines++;
		st->bad_lines++;
		st->oversized++;
		if (kind == LINE_OVERSIZED)
			snprintf(st->last_bad, sizeof st->last_bad,
				 "line %llu: %zu bytes, longer than the limit of %d: discarded",
				 (unsigned long long)st->lines, len, EVENT_LINE_MAX);
		else
			snprintf(st->last_bad, sizeof st->last_bad,
				 "line %llu: no newline after %zu bytes, longer than the limit "
				 "of %d: discarded up to its newline",
				 (unsigned long long)st->lines, len, EVENT_LINE_MAX);
		return false;
	}
	/* Empty lines carry nothing and harm nothing: not even counted. */
	if (blank(line, len))
		return false;
	st->lines++;
	/* a protocol line, or one of the original pipetrace's */
	bool orig;
	enum event_result r = event_parse_mixed(ing->parser, line, len, &ing->ev, &ing->oline,
						&orig, &err);
	if (r == EVENT_UNKNOWN_KIND) {
		st->unknown_kinds++;
		return false;
	}
	if (r != EVENT_OK) {
		st->bad_lines++;
		if (err.column > 0)
			snprintf(st->last_bad, sizeof st->last_bad, "line %llu: %s (col %d)",
				 (unsigned long long)st->lines, err.text, err.column);
		else
			snprintf(st->last_bad, sizeof st->last_bad, "line %llu: %s",
				 (unsigned long long)st->lines, err.text);
		return false;
	}
	/* Read as far as it can be; the interface says so (protocol.md). */
	if (!orig && ing->ev.kind == EV_HELLO && ing->ev.version > 1 && ing->ev.version > st->newer_version)
		st->newer_version = ing->ev.version;
	/* A new connection: its frames define their functions anew. */
	if (!orig && ing->ev.kind == EV_HELLO)
		bin_decoder_forget(ing->bin, ing->ev.pid);
	if (ing->rec) {
		fwrite(line, 1, len, ing->rec);
		putc('\n', ing->rec);
		ing->rec_dirty = true;
	}
	if (ing->keep)
		keep_line(ing->keep, line, len);
	if (st->paused || st->queued) {
		/* Behind what is already queued, to keep the order. */
		if (!queue_push(ing, line, len)) {
			st->queue_dropped++;
			return false;
		}
	} else if (orig) {
		apply_orig(ing);
	} else {
		apply(ing, &ing->ev);
	}
	st->events++;
	return true;
}

/* Processes which vanished without bye: gone on two checks in a row with
 * the FIFO drained in between, so their last events were read first. */
static void check_vanished(struct ingest *ing)
{
	int32_t gone[VANISH_SUSPECTS];
	size_t ngone = 0;

	for (const struct mnode *n = model_first_child(ing->model, VIEW_PATHS, NULL); n;
	     n = model_next_sibling(ing->model, VIEW_PATHS, n)) {
		const struct mprocess *p = (const struct mprocess *)n;

		if (mnode_kind(n) != MN_PROCESS || p->state != PROC_LIVE || p->pid <= 0)
			continue;
		if (kill(p->pid, 0) == 0 || errno != ESRCH)
			continue;
		bool suspect = false;
		for (size_t i = 0; i < ing->nsuspects; i++)
			suspect |= ing->suspects[i] == p->pid;
		if (suspect)
			model_process_vanished(ing->model, p->pid);
		else if (ngone < VANISH_SUSPECTS)
			gone[ngone++] = p->pid;
	}
	memcpy(ing->suspects, gone, ngone * sizeof gone[0]);
	ing->nsuspects = ngone;
}

/* At the end of a traced command's input: every live process whose pid is
 * gone vanished (nothing of it is left to read, so no second look). */
static void mark_gone(struct ingest *ing)
{
	const struct mnode *n = model_first_child(ing->model, VIEW_PATHS, NULL);

	while (n) {
		const struct mprocess *p = (const struct mprocess *)n;

		n = model_next_sibling(ing->model, VIEW_PATHS, n);
		if (p->state == PROC_LIVE && p->pid > 0 && kill(p->pid, 0) != 0 && errno == ESRCH)
			model_process_vanished(ing->model, p->pid);
	}
}

/* A new sentence about the listening FIFO, for the notes and the status. */
static void fifo_note(struct ingest *ing, const char *msg)
{
	snprintf(ing->fifo_note, sizeof ing->fifo_note, "%s", msg);
	ing->st.fifo_note = ing->fifo_note;
	ing->st.fifo_notes++;
}

/* Whether the listening FIFO is still at its path; if it was removed or
 * replaced, listens on a new one there (the old one is read until its last
 * writer is gone) or says what blocks the path. */
static void watch_fifo(struct ingest *ing)
{
	struct ingest_status *st = &ing->st;
	char msg[sizeof ing->fifo_note];
	int old_rfd = -1, r;
	struct linebuf *fresh = NULL;

	if (fifo_still_there(&ing->src.fifo)) {
		/* back in place (moved away and back): nothing to say */
		st->fifo_problem = NULL;
		return;
	}
	if (ing->nold == OLD_FIFO_MAX) {
		snprintf(msg, sizeof msg, "FIFO %.500s gone again while %d earlier ones still have "
			 "writers: not made again until one of them ends", ing->src.fifo.path,
			 OLD_FIFO_MAX);
		r = -1;
	} else if (!(fresh = malloc(sizeof *fresh))) {
		return;          /* tried again in a second */
	} else {
		r = source_watch_fifo(&ing->src, &old_rfd, msg, sizeof msg);
	}
	if (r < 0) {
		free(fresh);
		/* said once while it lasts, not every second */
		if (!st->fifo_problem || strcmp(ing->fifo_problem, msg)) {
			snprintf(ing->fifo_problem, sizeof ing->fifo_problem, "%s", msg);
			st->fifo_problem = ing->fifo_problem;
			fifo_note(ing, msg);
		}
		return;
	}
	if (r == 0) {
		free(fresh);
		return;
	}
	/* The partial line in our buffer came from the old FIFO: it stays
	 * with it, and the new one starts clean. */
	linebuf_init(fresh);
	ing->old[ing->nold].fd = old_rfd;
	ing->old[ing->nold].lb = ing->lb;
	ing->nold++;
	ing->lb = fresh;
	st->fifo_recreated++;
	st->fifo_problem = NULL;
	fifo_note(ing, msg);
}

/* Reads the FIFOs no longer at their path, dropping each at its EOF. */
static void read_old_fifos(struct ingest *ing, size_t budget, size_t max_lines,
			   size_t max_bytes, size_t *taken, size_t *lines, size_t *bytes)
{
	for (int i = 0; i < ing->nold && *taken < budget && *lines < max_lines && !held_back(ing);) {
		struct old_fifo *o = &ing->old[i];
		const char *line;
		size_t len, avail;
		enum line_kind k = linebuf_next(o->lb, &line, &len);

		if (k != LINE_NONE) {
			*taken += take_line(ing, k, line, len);
			(*lines)++;
			continue;
		}
		if (*bytes >= max_bytes)
			break;
		char *space = linebuf_space(o->lb, &avail);
		ssize_t r = read(o->fd, space, avail);
		if (r > 0) {
			linebuf_added(o->lb, (size_t)r);
			*bytes += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			i++;
			continue;
		}
		/* EOF: its last writer is gone (a line it left unfinished is
		 * judged as is), or a read error */
		k = linebuf_finish(o->lb, &line, &len);
		if (k != LINE_NONE) {
			*taken += take_line(ing, k, line, len);
			(*lines)++;
		}
		close(o->fd);
		free(o->lb);
		*o = ing->old[--ing->nold];
	}
}

/* With -- CMD, once the command has exited and the FIFO is drained:
 * whether its input has ended (see cmd_quiet_end_ms). */
static bool cmd_input_done(const struct ingest *ing, double now, bool got_data)
{
	if (ing->no_writer && !ing->src.descendants)
		return true;
	return ing->quiet_end > 0 && !got_data && now - ing->last_data_t >= ing->quiet_end;
}

size_t ingest_step(struct ingest *ing, size_t budget)
{
	struct ingest_status *st = &ing->st;
	size_t lines = 0, taken = 0;
	/* Lines that are not events (bad, unknown, dropped) count against a
	 * looser cap, so that a step returning less than its budget means the
	 * input is drained, while a flood of garbage still cannot hold it long. */
	size_t max_lines = budget > SIZE_MAX / 8 ? SIZE_MAX : budget * 4 + 64;
	/* Bytes too: input that never sends a newline (an endless line)
	 * makes no line at all, and must not hold the step for ever.  A
	 * step stops reading past this; lines already read are still taken. */
	size_t max_bytes = max_lines > SIZE_MAX / 1024 ? SIZE_MAX : max_lines * 1024;
	size_t bytes = 0;
	bool drained = false, got_data = false;
	double now = now_s();

	if (source_reap_child(&ing->src)) {
		st->child_running = false;
		st->child_wait_status = ing->src.child_status;
		ing->last_data_t = now;
	}
	bool child_gone = st->has_child && !st->child_running;

	if (ing->src.kind == SRC_FIFO && now - ing->watch_t >= 1.0) {
		ing->watch_t = now;
		watch_fifo(ing);
	}
	if (!st->paused)
		while (taken < budget && queue_pop_apply(ing))
			taken++;
	while (taken < budget && lines < max_lines && !ing->src_ended && !held_back(ing)) {
		const char *line;
		size_t len, avail;
		enum line_kind k = linebuf_next(ing->lb, &line, &len);

		if (k != LINE_NONE) {
			taken += take_line(ing, k, line, len);
			lines++;
			continue;
		}
		if (bytes >= max_bytes)
			break;
		char *space = linebuf_space(ing->lb, &avail);
		ssize_t r = source_read(&ing->src, space, avail);
		if (r > 0) {
			linebuf_added(ing->lb, (size_t)r);
			bytes += (size_t)r;
			got_data = true;
			ing->no_writer = false;
			continue;
		}
		if (r == 0 || r == SOURCE_NO_WRITER) {
			drained = true;
			ing->no_writer = r == SOURCE_NO_WRITER;
			if (!child_gone || !cmd_input_done(ing, now, got_data))
				break;
		}
		/* End of input: a replay's end, or the traced command exited
		 * and nothing more can come from what it started.  A last
		 * line without its newline (a writer that died mid-line) is
		 * judged as is. */
		k = linebuf_finish(ing->lb, &line, &len);
		if (k != LINE_NONE) {
			taken += take_line(ing, k, line, len);
			lines++;
		}
		ing->src_ended = true;
		st->input_ended = true;
	}
	read_old_fifos(ing, budget, max_lines, max_bytes, &taken, &lines, &bytes);
	if (got_data)
		ing->last_data_t = now;

	now = now_s();
	/* Only with nothing queued: a process's queued events must reach the
	 * model before it can be declared gone.  Writers to our FIFO share
	 * our host and user, so their pids are ours to check too (a program
	 * that ended while we were stopped never said bye: incomplete). */
	if ((st->has_child || ing->src.kind == SRC_FIFO) && drained && !st->queued &&
	    now - ing->vanish_t >= 1.0) {
		ing->vanish_t = now;
		check_vanished(ing);
	}
	if (st->input_ended && !st->queued && !ing->end_applied && !st->paused) {
		/* Everything was read: a traced process that is gone and said
		 * no bye ended without it (its last events may be missing). */
		if (st->has_child)
			mark_gone(ing);
		model_end_of_input(ing->model);
		ing->end_applied = true;
	}
	if (now - ing->rate_t0 >= 0.5) {
		st->events_per_s = (double)(st->events - ing->rate_ev0) / (now - ing->rate_t0);
		ing->rate_t0 = now;
		ing->rate_ev0 = st->events;
	}
	if (ing->rec_dirty) {
		ing->rec_dirty = false;
		if (fflush(ing->rec) != 0 || ferror(ing->rec)) {
			/* Say so once and stop recording; the view goes on. */
			snprintf(ing->rec_error, sizeof ing->rec_error,
				 "recording stopped: %s", strerror(errno));
			st->record_error = ing->rec_error;
			fclose(ing->rec);
			ing->rec = NULL;
		}
	}
	return taken;
}
