/* ui_save.c - the save (S) and export (X) keys: the trace received so
 * far, written to new files in the current directory, the status line
 * saying where.
 *
 * Both work from every valid event line received, kept on disk by the
 * ingest (keep.h) from the start, so nothing had to be asked for in
 * advance (--record): S copies the lines (a file --replay reads back the
 * same); X replays them, in a model of its own, through the exporter of
 * --export (export.c) into a Chrome trace JSON and a collapsed stacks
 * file.  When the bound on the lines kept was reached, the oldest were
 * let go: the status line says how many events the files hold and how
 * many older ones they miss. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "keep.h"
#include "ui_int.h"

#define EXPORT_MAX_CALLS 65536     /* the export's own model keeps names, not calls */

static void notice(struct ui *u, bool warn, const char *msg)
{
	snprintf(u->notice, sizeof u->notice, "%s", msg);
	u->notice_warn = warn;
	u->dirty |= DIRTY_STATUS;
}

/* The lines kept, or NULL with the reason said. */
static struct keep *kept(struct ui *u, const char *what)
{
	const char *why = NULL;
	struct keep *k = u->ing ? ingest_keep(u->ing, &why) : NULL;
	char msg[sizeof u->notice];
	struct keep_info ki;

	if (!k) {
		snprintf(msg, sizeof msg, "cannot %s: %s", what,
			 why ? why : "the events received are not kept (--keep-max 0)");
		notice(u, true, msg);
		return NULL;
	}
	keep_get_info(k, &ki);
	if (ki.error) {
		snprintf(msg, sizeof msg, "cannot %s: %s", what, ki.error);
		notice(u, true, msg);
		return NULL;
	}
	return k;
}

/* "12,345 events (every event received)", or with the older ones let go. */
static void what_kept(struct keep *k, char *buf, size_t size)
{
	struct keep_info ki;
	char n1[32], n2[32];

	keep_get_info(k, &ki);
	if (!ki.lines_lost)
		snprintf(buf, size, "%s event%s (every event received)", draw_count(ki.lines, n1, sizeof n1),
			 ki.lines == 1 ? "" : "s");
	else
		snprintf(buf, size, "the last %s events (%s older ones not kept: --keep-max)",
			 draw_count(ki.lines, n1, sizeof n1), draw_count(ki.lines_lost, n2, sizeof n2));
}

void ui_save_trace(struct ui *u)
{
	struct keep *k = kept(u, "save");
	char path[256], err[1200], msg[sizeof u->notice], what[160];

	if (!k)
		return;
	int fd = keep_create_output("pipetrace", ".jsonl", path, sizeof path, err, sizeof err);
	if (fd < 0) {
		snprintf(msg, sizeof msg, "cannot save: %.500s", err);
		notice(u, true, msg);
		return;
	}
	bool ok = keep_copy_to(k, fd, err, sizeof err);
	if (close(fd) != 0 && ok) {
		snprintf(err, sizeof err, "%s", strerror(errno));
		ok = false;
	}
	what_kept(k, what, sizeof what);
	if (ok)
		snprintf(msg, sizeof msg, "saved %s to ./%s", what, path);
	else
		snprintf(msg, sizeof msg, "saving ./%s failed: %.300s", path, err);
	notice(u, !ok, msg);
}

/* Replays the lines of tmp_fd into x through an ingest of their own. */
static bool export_replay(int tmp_fd, struct export *x, char *err, size_t errsize)
{
	char src[64];
	struct model_config mc = { .max_calls = EXPORT_MAX_CALLS };
	struct model *m = model_create(&mc);
	struct ingest_config ic = { .replay_path = src };

	snprintf(src, sizeof src, "/proc/self/fd/%d", tmp_fd);
	struct ingest *ing = ingest_create(&ic, m, err, errsize);
	if (!ing) {
		model_free(m);
		return false;
	}
	ingest_set_tap(ing, export_event, x);
	/* ingest_step applies the end of input in the step after the last line */
	while (ingest_step(ing, 65536) || !ingest_get_status(ing)->input_ended)
		;
	ingest_step(ing, 1);
	bool ok = export_finish(x, m, err, errsize);
	ingest_free(ing);
	model_free(m);
	return ok;
}

void ui_export_trace(struct ui *u)
{
	struct keep *k = kept(u, "export");
	char chrome[256], folded[256], err[1200], msg[sizeof u->notice], what[160];
	int tmp = -1, cfd = -1, ffd = -1;
	struct export *x = NULL;
	bool ok = false;

	if (!k)
		return;
	what_kept(k, what, sizeof what);
	/* it can take a few seconds: say so first */
	snprintf(msg, sizeof msg, "exporting %s...", what);
	notice(u, false, msg);
	ui_draw(u);
	if ((tmp = keep_temp_file(err, sizeof err)) < 0 || !keep_copy_to(k, tmp, err, sizeof err))
		goto out;
	if ((cfd = keep_create_output("pipetrace", ".trace.json", chrome, sizeof chrome, err, sizeof err)) < 0)
		goto out;
	/* the same name but for the suffix */
	snprintf(folded, sizeof folded, "%.*s.folded", (int)(strlen(chrome) - strlen(".trace.json")), chrome);
	if ((ffd = keep_create_named(folded, err, sizeof err)) < 0)
		goto out;
	if (!(x = export_create())) {
		snprintf(err, sizeof err, "out of memory");
		goto out;
	}
	ok = export_open_fds(x, cfd, chrome, ffd, folded, err, sizeof err);
	cfd = ffd = -1;   /* the exporter's now, even when it failed */
	if (ok)
		ok = export_replay(tmp, x, err, sizeof err);
out:
	if (cfd >= 0)
		close(cfd);
	if (ffd >= 0)
		close(ffd);
	if (tmp >= 0)
		close(tmp);
	export_free(x);
	if (ok)
		snprintf(msg, sizeof msg, "exported %s to ./%s (Chrome trace JSON) and ./%s (collapsed stacks)",
			 what, chrome, folded);
	else
		snprintf(msg, sizeof msg, "export failed: %.500s", err);
	notice(u, !ok, msg);
}
