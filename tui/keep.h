/* keep.h - every valid event line received, kept on disk so that the full
 * screen can save the trace so far, or export it, without --record.
 *
 * The lines go, as they came, into private temporary files (unlinked at
 * once: nothing to clean up, nobody else can open them).  Disk use is
 * bounded: two segments of half the bound each; once the newer one is
 * full the older one is emptied and becomes the newer.  So the lines kept
 * are every line received while the total stays under half the bound, and
 * at least the last half-bound's worth after that; the lines let go are
 * counted.  No curses, no model. */
#ifndef PT_KEEP_H
#define PT_KEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEP_DEFAULT_MAX ((uint64_t)256 << 20)

struct keep;

struct keep_info {
	uint64_t lines;          /* lines kept now */
	uint64_t lines_lost;     /* older lines let go to stay under the bound */
	uint64_t bytes;          /* bytes kept now */
	const char *error;       /* why keeping stopped (disk full...), or NULL */
};

/* max_bytes: the bound (0: KEEP_DEFAULT_MAX).  NULL with a message in err
 * when no temporary file can be made ($TMPDIR, else /tmp). */
struct keep *keep_create(uint64_t max_bytes, char *err, size_t errsize);
void keep_free(struct keep *k);

/* One valid line, without its newline.  A write error stops keeping (said
 * by keep_get_info()); the monitor goes on. */
void keep_line(struct keep *k, const char *line, size_t len);

void keep_get_info(const struct keep *k, struct keep_info *out);

/* Writes the lines kept, oldest first, to fd (from its current offset).
 * false with a message in err on a write error. */
bool keep_copy_to(struct keep *k, int fd, char *err, size_t errsize);

/* An unlinked temporary file ($TMPDIR, else /tmp), read-write, mode 0600;
 * -1 with a message in err. */
int keep_temp_file(char *err, size_t errsize);

/* A new file in the current directory named PREFIX-YYYYmmdd-HHMMSS[-N]SUFFIX,
 * created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600): an existing
 * name or a planted symbolic link is never written through.  Its name
 * in path; -1 with a message in err. */
int keep_create_output(const char *prefix, const char *suffix, char *path, size_t pathsize,
		       char *err, size_t errsize);

/* The file `path`, created the same way; -1 with a message in err. */
int keep_create_named(const char *path, char *err, size_t errsize);

#endif
