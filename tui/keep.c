/* keep.c - the valid event lines received, in two bounded temporary
 * segments on disk (keep.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keep.h"

#define KEEP_BUF (1u << 20)

struct seg {
	int fd;                  /* owned, unlinked */
	uint64_t bytes, lines;
};

struct keep {
	struct seg seg[2];       /* seg[cur] is written; the other holds older lines */
	int cur;
	uint64_t half;           /* a segment's bound */
	uint64_t lines_lost;
	char *buf;               /* owned: lines not yet written to seg[cur] */
	size_t nbuf;
	char error[200];
};

int keep_temp_file(char *err, size_t errsize)
{
	const char *dir = getenv("TMPDIR");
	char path[4200];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	snprintf(path, sizeof path, "%.4000s/pipetrace-keep.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "cannot make a temporary file in %.1000s: %s", dir, strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

struct keep *keep_create(uint64_t max_bytes, char *err, size_t errsize)
{
	struct keep *k = calloc(1, sizeof *k);

	if (!k || !(k->buf = malloc(KEEP_BUF))) {
		free(k);
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	k->half = (max_bytes ? max_bytes : KEEP_DEFAULT_MAX) / 2;
	k->seg[0].fd = keep_temp_file(err, errsize);
	k->seg[1].fd = k->seg[0].fd >= 0 ? keep_temp_file(err, errsize) : -1;
	if (k->seg[1].fd < 0) {
		keep_free(k);
		return NULL;
	}
	return k;
}

void keep_free(struct keep *k)
{
	if (!k)
		return;
	for (int i = 0; i < 2; i++)
		if (k->seg[i].fd >= 0)
			close(k->seg[i].fd);
	free(k->buf);
	free(k);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void stop(struct keep *k, const char *what)
{
	snprintf(k->error, sizeof k->error, "%s: %s", what, strerror(errno ? errno : EIO));
	k->nbuf = 0;
}

static void flush(struct keep *k)
{
	if (k->nbuf && !k->error[0] && !write_all(k->seg[k->cur].fd, k->buf, k->nbuf))
		stop(k, "keeping the events stopped");
	k->nbuf = 0;
}

/* The current segment is full: the older one is emptied and written next. */
static void rotate(struct keep *k)
{
	struct seg *old = &k->seg[!k->cur];

	flush(k);
	if (ftruncate(old->fd, 0) < 0 || lseek(old->fd, 0, SEEK_SET) < 0) {
		stop(k, "keeping the events stopped");
		return;
	}
	k->lines_lost += old->lines;
	old->bytes = old->lines = 0;
	k->cur = !k->cur;
}

void keep_line(struct keep *k, const char *line, size_t len)
{
	struct seg *s = &k->seg[k->cur];

	if (k->error[0])
		return;
	if (s->bytes && s->bytes + len + 1 > k->half) {
		rotate(k);
		s = &k->seg[k->cur];
	}
	if (k->nbuf + len + 1 > KEEP_BUF)
		flush(k);
	if (len + 1 > KEEP_BUF) {
		/* never: lines are at most EVENT_LINE_MAX */
		return;
	}
	memcpy(k->buf + k->nbuf, line, len);
	k->buf[k->nbuf + len] = '\n';
	k->nbuf += len + 1;
	s->bytes += len + 1;
	s->lines++;
}

void keep_get_info(const struct keep *k, struct keep_info *out)
{
	out->lines = k->seg[0].lines + k->seg[1].lines;
	out->bytes = k->seg[0].bytes + k->seg[1].bytes;
	out->lines_lost = k->lines_lost;
	out->error = k->error[0] ? k->error : NULL;
}

static bool copy_seg(const struct seg *s, int fd, char *buf, char *err, size_t errsize)
{
	off_t at = 0;

	while ((uint64_t)at < s->bytes) {
		size_t want = s->bytes - (uint64_t)at < KEEP_BUF ? (size_t)(s->bytes - (uint64_t)at) : KEEP_BUF;
		ssize_t r = pread(s->fd, buf, want, at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errsize, "cannot read the events kept: %s",
				 r < 0 ? strerror(errno) : "file shorter than written");
			return false;
		}
		if (!write_all(fd, buf, (size_t)r)) {
			snprintf(err, errsize, "%s", strerror(errno ? errno : EIO));
			return false;
		}
		at += r;
	}
	return true;
}

bool keep_copy_to(struct keep *k, int fd, char *err, size_t errsize)
{
	char *buf = malloc(KEEP_BUF);
	bool ok;

	flush(k);
	if (!buf) {
		snprintf(err, errsize, "out of memory");
		return false;
	}
	ok = copy_seg(&k->seg[!k->cur], fd, buf, err, errsize) &&
	     copy_seg(&k->seg[k->cur], fd, buf, err, errsize);
	free(buf);
	return ok;
}

int keep_create_named(const char *path, char *err, size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);

	if (fd < 0)
		snprintf(err, errsize, "cannot create %.1000s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (not overwritten)" : "");
	return fd;
}

int keep_create_output(const char *prefix, const char *suffix, char *path, size_t pathsize,
		       char *err, size_t errsize)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	for (int n = 1; n < 100; n++) {
		if (n == 1)
			snprintf(path, pathsize, "%s-%s%s", prefix, stamp, suffix);
		else
			snprintf(path, pathsize, "%s-%s-%d%s", prefix, stamp, n, suffix);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);

		if (fd >= 0)
			return fd;
		if (errno != EEXIST) {
			snprintf(err, errsize, "cannot create %.1000s: %s", path, strerror(errno));
			return -1;
		}
	}
	snprintf(err, errsize, "cannot create %.1000s: names taken", path);
	return -1;
}
