/* event_bin.h - libpipetrace's binary frames (lib/PROTOCOL.md, "Binary
 * frames") turned into the same validated struct event as JSON lines.
 *
 * A frame carries one thread's enters and exits, numbered from a first seq
 * and timed from a first ts, and the definitions of the functions they
 * name (each the `"fn":…,"file":…,"line":N` part of an enter line, parsed
 * by the JSON parser, so names obey the same rules).  Definitions are kept
 * per process until its next hello.  Every byte is untrusted: a frame that
 * breaks a rule stops where it breaks, its events before that stand. */
#ifndef PT_EVENT_BIN_H
#define PT_EVENT_BIN_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define BIN_MAGIC 0xff
#define BIN_VERSION 1
/* magic, version, 16-bit little-endian length of the whole frame */
#define BIN_HEAD 4
/* Definitions kept at most, all processes together, and their bytes. */
#define BIN_DEFS_MAX (1u << 20)
#define BIN_DEF_BYTES_MAX ((size_t)64 << 20)

/* The whole frame's length from its first BIN_HEAD bytes, or 0 when they
 * are no frame header (not the magic and version, or a length below the
 * header's or above EVENT_LINE_MAX). */
size_t bin_frame_len(const unsigned char *head);

struct bin_decoder;

struct bin_decoder *bin_decoder_create(void);
void bin_decoder_free(struct bin_decoder *d);
/* A hello from pid: its earlier definitions are void (a new connection, or
 * a new process that reuses the pid). */
void bin_decoder_forget(struct bin_decoder *d, int32_t pid);

/* Called for each event of a frame, in order; the event's strings are valid
 * during the call only. */
typedef void (*bin_event_cb)(void *ctx, const struct event *ev);

/* Decodes one whole frame (`len` bytes, as bin_frame_len said).  Returns
 * EVENT_OK, or EVENT_BAD with err set when some part of it broke the rules
 * (the events before that were delivered).  *events: how many were. */
enum event_result bin_decode(struct bin_decoder *d, const unsigned char *frame, size_t len,
			     bin_event_cb cb, void *ctx, size_t *events,
			     struct event_error *err);

/* The JSON line of an enter or exit event (as the library would write it),
 * without newline, for recordings and the pause queue; returns its length,
 * 0 when it does not fit in `size`. */
size_t bin_event_json(const struct event *ev, char *buf, size_t size);

#endif
