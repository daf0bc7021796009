/* export.h - the trace written out for other tools, as events arrive.
 *
 * Two formats:
 *   chrome     Chrome Trace Event JSON (Perfetto's UI, chrome://tracing,
 *              speedscope): one complete event ("ph":"X") per call, written
 *              when the call ends; exceptions and drops as instant events;
 *              process and thread names as metadata at the end.
 *   collapsed  one line per call stack, "proc;thread;outer;inner SELF_NS",
 *              for flamegraph.pl, speedscope and Perfetto.
 *
 * Streaming: the exporter keeps each thread's open calls and, for the
 * collapsed stacks, one counter per distinct call path, never the calls.
 * It does not touch the model while events arrive; at the end it reads the
 * model's names and accounts of lost events to label processes and threads.
 *
 * Times stay consistent however odd the input: a call starts no earlier
 * than its parent and its previous sibling's end, and ends no earlier than
 * its last child, so that the slices of a thread always nest strictly. */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "model.h"

struct export;

/* Parses "FORMAT:FILE" (FORMAT chrome or collapsed) into the exporter's
 * settings.  false with a message in err when it is not one. */
bool export_add_spec(struct export *x, const char *spec, char *err, size_t errsize);

struct export *export_create(void);
/* The export file that is `path` (same name, or same file), or NULL:
 * opening it for writing would truncate an input or a recording. */
const char *export_clash(const struct export *x, const char *path);
/* Opens the files given by export_add_spec(); false with a message in err. */
bool export_open(struct export *x, char *err, size_t errsize);
/* Instead of export_add_spec() and export_open(): files the caller
 * created (fd -1: not that format), named for messages; the exporter
 * owns the fds from here on. */
bool export_open_fds(struct export *x, int chrome_fd, const char *chrome_path,
		     int collapsed_fd, const char *collapsed_path, char *err, size_t errsize);
bool export_active(const struct export *x);

/* One applied event; the signature of an ingest tap. */
void export_event(void *x, const struct event *ev, const struct model *m);

/* Input ended (or the user quit): closes the open calls at their
 * process's last time, marked unfinished, writes the metadata and the
 * collapsed stacks, and closes the files.  false with a message in err
 * when a file could not be written completely. */
bool export_finish(struct export *x, const struct model *m, char *err, size_t errsize);
void export_free(struct export *x);

#endif
