/* event_bin.c - binary frames to events (see event_bin.h, lib/PROTOCOL.md). */
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_bin.h"

#define I32 2147483647ull
#define I64 9223372036854775807ull
/* A definition's text must leave room for the enter line it is read in. */
#define DEF_TEXT_MAX (EVENT_LINE_MAX - 128)

struct bin_def {
	uint32_t id;             /* 0: empty slot */
	int32_t line;
	char *fn;                /* owned, NUL-terminated */
	size_t fn_len;
	char *file;              /* owned, or NULL */
	size_t file_len;
};

/* One process's definitions: open addressing on the id. */
struct bin_proc {
	int32_t pid;             /* 0: empty slot */
	size_t mask, used;
	struct bin_def *defs;    /* owned, mask + 1 slots, or NULL */
};

struct bin_decoder {
	struct event_parser *parser;    /* owned: reads definitions */
	struct bin_proc *procs;         /* owned, pmask + 1 slots */
	size_t pmask, pused;
	size_t ndefs, def_bytes;        /* all processes, against the caps */
	struct event ev;                /* the event being delivered */
	char line[EVENT_LINE_MAX + 64];
};

static size_t hash32(uint32_t v)
{
	return (size_t)(((uint64_t)v * 0x9e3779b97f4a7c15ull) >> 32);
}

size_t bin_frame_len(const unsigned char *head)
{
	size_t len = (size_t)head[2] | (size_t)head[3] << 8;

	if (head[0] != BIN_MAGIC || head[1] != BIN_VERSION || len < BIN_HEAD ||
	    len > EVENT_LINE_MAX)
		return 0;
	return len;
}

struct bin_decoder *bin_decoder_create(void)
{
	struct bin_decoder *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->parser = event_parser_create();
	d->pmask = 63;
	d->procs = calloc(d->pmask + 1, sizeof *d->procs);
	if (!d->parser || !d->procs) {
		bin_decoder_free(d);
		return NULL;
	}
	return d;
}

static void def_clear(struct bin_decoder *d, struct bin_def *e)
{
	d->ndefs--;
	d->def_bytes -= e->fn_len + e->file_len;
	free(e->fn);
	free(e->file);
	e->fn = e->file = NULL;
}

static void proc_clear(struct bin_decoder *d, struct bin_proc *pr)
{
	for (size_t i = 0; pr->defs && i <= pr->mask; i++)
		if (pr->defs[i].id)
			def_clear(d, &pr->defs[i]);
	free(pr->defs);
	pr->defs = NULL;
	pr->mask = pr->used = 0;
}

void bin_decoder_free(struct bin_decoder *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->procs && i <= d->pmask; i++)
		proc_clear(d, &d->procs[i]);
	free(d->procs);
	event_parser_free(d->parser);
	free(d);
}

static struct bin_proc *proc_slot(struct bin_proc *procs, size_t mask, int32_t pid)
{
	size_t i = hash32((uint32_t)pid) & mask;

	while (procs[i].pid && procs[i].pid != pid)
		i = (i + 1) & mask;
	return &procs[i];
}

/* The process's entry, made if `make`; NULL when absent or out of memory. */
static struct bin_proc *proc_get(struct bin_decoder *d, int32_t pid, bool make)
{
	struct bin_proc *pr = proc_slot(d->procs, d->pmask, pid);

	if (pr->pid || !make)
		return pr->pid ? pr : NULL;
	if (2 * (d->pused + 1) > d->pmask + 1) {
		size_t mask = 2 * d->pmask + 1;
		struct bin_proc *n = calloc(mask + 1, sizeof *n);

		if (!n)
			return NULL;
		for (size_t i = 0; i <= d->pmask; i++)
			if (d->procs[i].pid)
				*proc_slot(n, mask, d->procs[i].pid) = d->procs[i];
		free(d->procs);
		d->procs = n;
		d->pmask = mask;
		pr = proc_slot(n, mask, pid);
	}
	pr->pid = pid;
	d->pused++;
	return pr;
}

void bin_decoder_forget(struct bin_decoder *d, int32_t pid)
{
	struct bin_proc *pr = proc_get(d, pid, false);

	if (pr)
		proc_clear(d, pr);
}

static struct bin_def *def_slot(struct bin_def *defs, size_t mask, uint32_t id)
{
	size_t i = hash32(id) & mask;

	while (defs[i].id && defs[i].id != id)
		i = (i + 1) & mask;
	return &defs[i];
}

static const struct bin_def *def_find(const struct bin_proc *pr, uint32_t id)
{
	const struct bin_def *e;

	if (!pr || !pr->defs)
		return NULL;
	e = def_slot(pr->defs, pr->mask, id);
	return e->id ? e : NULL;
}

static enum event_result bad(struct event_error *err, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum event_result bad(struct event_error *err, size_t at, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->text, sizeof err->text, fmt, ap);
		va_end(ap);
		err->column = (int)at + 1;
	}
	return EVENT_BAD;
}

/* Whether the lines of every event naming this function fit the line
 * limit, whatever its numbers (a recording holds them as lines). */
static bool def_fits(const struct event_str *fn, const struct event_str *file, int32_t line)
{
	char buf[EVENT_LINE_MAX];
	struct event ev = {
		.kind = EV_ENTER, .ts = INT64_MAX, .pid = INT32_MAX, .tid = INT32_MAX,
		.seq = INT64_MAX, .depth = INT32_MAX, .fn = *fn, .file = *file, .line = line,
	};
	size_t n = bin_event_json(&ev, buf, sizeof buf);

	if (!n || n > EVENT_LINE_MAX - 1)
		return false;
	ev.kind = EV_EXIT;
	ev.dur = INT64_MAX;
	n = bin_event_json(&ev, buf, sizeof buf);
	return n && n <= EVENT_LINE_MAX - 1;
}

/* A definition: its text read as the fn, file and line of an enter line. */
static enum event_result def_add(struct bin_decoder *d, int32_t pid, uint32_t id,
				 const unsigned char *text, size_t n, size_t at,
				 struct event_error *err)
{
	static const char pre[] = "{\"ev\":\"enter\",\"ts\":0,\"pid\":1,\"tid\":1,\"seq\":1,"
				  "\"depth\":0,";
	struct event_error perr;
	struct bin_proc *pr;
	struct bin_def *e;
	char *fn, *file = NULL;

	if (n > DEF_TEXT_MAX)
		return bad(err, at, "function definition of %zu bytes, longer than %d", n,
			   DEF_TEXT_MAX);
	memcpy(d->line, pre, sizeof pre - 1);
	memcpy(d->line + sizeof pre - 1, text, n);
	d->line[sizeof pre - 1 + n] = '}';
	if (event_parse(d->parser, d->line, sizeof pre + n, &d->ev, &perr) != EVENT_OK)
		return bad(err, at, "function definition %u: %s", id, perr.text);
	if (d->ev.kind != EV_ENTER || !d->ev.fn.s)
		return bad(err, at, "function definition %u: its keys change the event", id);
	if (!def_fits(&d->ev.fn, &d->ev.file, d->ev.line))
		return bad(err, at, "function definition %u: its lines would pass %d bytes", id,
			   EVENT_LINE_MAX);
	if (d->ndefs >= BIN_DEFS_MAX ||
	    d->def_bytes + d->ev.fn.len + d->ev.file.len > BIN_DEF_BYTES_MAX)
		return bad(err, at, "function definition %u: more than the %u definitions "
			   "or %zu MiB kept", id, BIN_DEFS_MAX, BIN_DEF_BYTES_MAX >> 20);
	pr = proc_get(d, pid, true);
	if (!pr)
		return bad(err, at, "out of memory");
	if (!pr->defs || 2 * (pr->used + 1) > pr->mask + 1) {
		size_t mask = pr->defs ? 2 * pr->mask + 1 : 255;
		struct bin_def *nd = calloc(mask + 1, sizeof *nd);

		if (!nd)
			return bad(err, at, "out of memory");
		for (size_t i = 0; pr->defs && i <= pr->mask; i++)
			if (pr->defs[i].id)
				*def_slot(nd, mask, pr->defs[i].id) = pr->defs[i];
		free(pr->defs);
		pr->defs = nd;
		pr->mask = mask;
	}
	fn = strndup(d->ev.fn.s, d->ev.fn.len);
	if (d->ev.file.s)
		file = strndup(d->ev.file.s, d->ev.file.len);
	if (!fn || (d->ev.file.s && !file)) {
		free(fn);
		free(file);
		return bad(err, at, "out of memory");
	}
	e = def_slot(pr->defs, pr->mask, id);
	if (e->id)
		def_clear(d, e);        /* defined again: the new one holds */
	else
		pr->used++;
	e->id = id;
	e->fn = fn;
	e->fn_len = d->ev.fn.len;
	e->file = file;
	e->file_len = file ? d->ev.file.len : 0;
	e->line = d->ev.line;
	d->ndefs++;
	d->def_bytes += e->fn_len + e->file_len;
	return EVENT_OK;
}

/* An unsigned LEB128 number of at most 64 bits. */
static bool varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned sh = 0; sh < 64; sh += 7) {
		unsigned char b;

		if (*p >= end)
			return false;
		b = *(*p)++;
		if (sh == 63 && b > 1)
			return false;
		r |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

enum event_result bin_decode(struct bin_decoder *d, const unsigned char *frame, size_t len,
			     bin_event_cb cb, void *ctx, size_t *events,
			     struct event_error *err)
{
	const unsigned char *p = frame + BIN_HEAD, *end = frame + len;
	uint64_t pid, tid, seq, ts, v;
	struct event *ev = &d->ev;
	const struct bin_proc *pr;

	*events = 0;
	if (len < BIN_HEAD || bin_frame_len(frame) != len)
		return bad(err, 0, "not a binary frame");
	if (!varint(&p, end, &pid) || pid < 1 || pid > I32 || !varint(&p, end, &tid) ||
	    tid < 1 || tid > I32 || !varint(&p, end, &seq) || seq < 1 || seq > I64 ||
	    !varint(&p, end, &ts) || ts > I64)
		return bad(err, (size_t)(p - frame), "frame header: pid, tid, seq or ts missing "
			   "or out of range");
	pr = proc_get(d, (int32_t)pid, false);
	/* What no enter or exit carries, cleared once a frame (a definition
	 * read meanwhile reuses the event: cleared again after it). */
	bool clear = true;
	while (p < end) {
		size_t at = (size_t)(p - frame);
		unsigned tag = *p++, kind = tag & 3;
		uint64_t depth = tag >> 2, id, dts, dur = 0;
		const struct bin_def *def;

		if (kind == 2) {
			enum event_result r;

			if (!varint(&p, end, &id) || id < 1 || id > UINT32_MAX ||
			    !varint(&p, end, &v) || v > (uint64_t)(end - p))
				return bad(err, at, "function definition cut short");
			r = def_add(d, (int32_t)pid, (uint32_t)id, p, (size_t)v, at, err);
			if (r != EVENT_OK)
				return r;
			p += v;
			clear = true;
			pr = proc_get(d, (int32_t)pid, false);
			continue;
		}
		if (kind == 3) {
			if (!varint(&p, end, &v) || v > I64 - seq)
				return bad(err, at, "seq gap cut short or out of range");
			seq += v;
			continue;
		}
		if (depth == 63 && (!varint(&p, end, &v) || v > I32 - 63))
			return bad(err, at, "depth cut short or out of range");
		if (depth == 63)
			depth += v;
		if (!varint(&p, end, &id) || !varint(&p, end, &dts) ||
		    (kind == 1 && !varint(&p, end, &dur)))
			return bad(err, at, "%s cut short", kind ? "exit" : "enter");
		if (dts > I64 - ts || dur > I64 || seq > I64)
			return bad(err, at, "ts, dur or seq out of range");
		def = id <= UINT32_MAX ? def_find(pr, (uint32_t)id) : NULL;
		if (!def)
			return bad(err, at, "function id %llu not defined", (unsigned long long)id);
		ts += dts;
		if (clear) {
			memset(ev, 0, offsetof(struct event, stack));
			memset(&ev->nstack, 0, sizeof *ev - offsetof(struct event, nstack));
			ev->pid = (int32_t)pid;
			ev->tid = (int32_t)tid;
			clear = false;
		}
		ev->kind = kind ? EV_EXIT : EV_ENTER;
		ev->ts = (int64_t)ts;
		ev->seq = seq++;
		ev->depth = (int32_t)depth;
		ev->fn.s = def->fn;
		ev->fn.len = def->fn_len;
		if (kind) {
			ev->dur = (int64_t)dur;
			ev->file.s = NULL;
			ev->file.len = 0;
			ev->line = 0;
		} else {
			ev->dur = 0;
			ev->file.s = def->file;
			ev->file.len = def->file_len;
			ev->line = def->line;
		}
		cb(ctx, ev);
		++*events;
	}
	return EVENT_OK;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static char *json_str(char *p, char *end, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (end - p < 2)
		return NULL;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (end - p < 8)
			return NULL;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			p += 6;
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	return p;
}

/* Decimal digits of v at p (no snprintf: the full screen formats every
 * event of a frame for its save key). */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

#define PUTS(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

size_t bin_event_json(const struct event *ev, char *buf, size_t size)
{
	char *p = buf, *end = buf + size;

	/* the fixed part: at most 40 bytes of keys and 5 numbers of 20 */
	if (size < 160 || ev->ts < 0 || ev->pid < 0 || ev->tid < 0 || ev->depth < 0)
		return 0;
	p = ev->kind == EV_EXIT ? PUTS(p, "{\"ev\":\"exit\",\"ts\":")
				: PUTS(p, "{\"ev\":\"enter\",\"ts\":");
	p = put_u64(p, (uint64_t)ev->ts);
	p = PUTS(p, ",\"pid\":");
	p = put_u64(p, (uint64_t)ev->pid);
	p = PUTS(p, ",\"tid\":");
	p = put_u64(p, (uint64_t)ev->tid);
	p = PUTS(p, ",\"seq\":");
	p = put_u64(p, ev->seq);
	p = PUTS(p, ",\"depth\":");
	p = put_u64(p, (uint64_t)ev->depth);
	p = PUTS(p, ",\"fn\":");
	p = json_str(p, end, ev->fn.s, ev->fn.len);
	if (p && ev->kind == EV_ENTER && ev->file.s) {
		if (end - p < 8)
			return 0;
		p = json_str(PUTS(p, ",\"file\":"), end, ev->file.s, ev->file.len);
	}
	if (!p || end - p < 32)
		return 0;
	if (ev->kind == EV_ENTER && ev->line > 0)
		p = put_u64(PUTS(p, ",\"line\":"), (uint64_t)ev->line);
	else if (ev->kind == EV_EXIT && ev->dur >= 0)
		p = put_u64(PUTS(p, ",\"dur\":"), (uint64_t)ev->dur);
	*p++ = '}';
	return (size_t)(p - buf);
}
