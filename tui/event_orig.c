/* event_orig.c - the original pipetrace's text and JSON lines, read as
 * calls of a synthetic process (see event_orig.h and lib/PROTOCOL.md).
 *
 * Everything here parses untrusted bytes: numbers and times are read by
 * hand (strtod and friends follow the locale, and accept "inf" and hex),
 * every range is checked, and strings only ever leave as event_str (valid
 * UTF-8, no NUL) for the model and the safe-text printers. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_int.h"
#include "event_orig.h"

/* The longest duration a line may give: INT64_MAX ns. */
#define MAX_SECONDS 9.2e9

static enum orig_result bad(struct event_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum orig_result bad(struct event_error *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		int n = snprintf(err->text, sizeof err->text, "original format: ");

		va_start(ap, fmt);
		vsnprintf(err->text + n, sizeof err->text - (size_t)n, fmt, ap);
		va_end(ap);
		err->column = 0;
	}
	return ORIG_BAD;
}

static const char *find(const char *s, size_t n, const char *what)
{
	size_t w = strlen(what);

	for (size_t i = 0; i + w <= n; i++)
		if (s[i] == what[0] && !memcmp(s + i, what, w))
			return s + i;
	return NULL;
}

static bool has_prefix(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);

	return n >= l && !memcmp(s, pre, l);
}

static struct event_str str(const char *s, size_t n)
{
	return (struct event_str){ s, n };
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal number of seconds ("0.001234", "12", "5.2e-05"), as the
 * original prints a float, into ns.  Returns the bytes used, 0 when there
 * is no valid number there or it is out of range. */
static size_t parse_seconds(const char *s, size_t n, int64_t *ns)
{
	uint64_t mant = 0;
	int exp10 = 0, digits = 0;
	size_t i = 0;

	while (i < n && is_digit(s[i])) {
		if (mant < 100000000000000000ULL)
			mant = mant * 10 + (uint64_t)(s[i] - '0');
		else
			exp10++;
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i])) {
			if (mant < 100000000000000000ULL) {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				exp10--;
			}
			i++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		int sign = 1, e = 0;

		if (j < n && (s[j] == '+' || s[j] == '-'))
			sign = s[j++] == '-' ? -1 : 1;
		if (j >= n || !is_digit(s[j]))
			return 0;
		while (j < n && is_digit(s[j])) {
			if (e < 10000)
				e = e * 10 + (s[j] - '0');
			j++;
		}
		exp10 += sign * e;
		i = j;
	}
	double v = (double)mant * pow(10.0, exp10);
	if (!isfinite(v) || v > MAX_SECONDS)
		return 0;
	*ns = (int64_t)llround(v * 1e9);
	return i;
}

/* "n" decimal digits at s, exactly. */
static bool digits_at(const char *s, size_t avail, size_t n, int *out)
{
	int v = 0;

	if (avail < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* ISO 8601 as Python's datetime.isoformat() writes it:
 * YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]; without an offset it is
 * local time.  Into ns since the epoch; false when malformed or outside
 * 1970..2261 (what int64 ns can hold). */
static bool parse_iso(const char *s, size_t n, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	memset(&tm, 0, sizeof tm);
	if (!digits_at(s, n, 4, &y) || n < 19 || s[4] != '-' || !digits_at(s + 5, n - 5, 2, &mo) ||
	    s[7] != '-' || !digits_at(s + 8, n - 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits_at(s + 11, n - 11, 2, &h) || s[13] != ':' ||
	    !digits_at(s + 14, n - 14, 2, &mi) || s[16] != ':' ||
	    !digits_at(s + 17, n - 17, 2, &sec))
		return false;
	if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	size_t i = 19;
	int64_t frac = 0;
	if (i < n && s[i] == '.') {
		int nd = 0;

		for (i++; i < n && is_digit(s[i]); i++, nd++)
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (!nd)
			return false;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	bool utc = false;
	int off = 0;
	if (i < n && s[i] == 'Z') {
		utc = true;
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int oh, om;

		if (!digits_at(s + i + 1, n - i - 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
		    !digits_at(s + i + 4, n - i - 4, 2, &om) || oh > 23 || om > 59)
			return false;
		off = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
		utc = true;
		i += 6;
	}
	if (i != n)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1)
		return false;
	int64_t secs = (int64_t)t - off, ns;
	if (__builtin_mul_overflow(secs, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, frac, &ns) || ns <= 0)
		return false;
	*out = ns;
	return true;
}

/* ENTER: <fn> from <caller> (<file>:<line>)
 * EXIT: <fn> (elapsed: <seconds>s) - Success
 * EXIT: <fn> (elapsed: <seconds>s) - Exception: <Type>: <message>
 * The function's name ends at the first anchor after it (" from ",
 * " (elapsed: "): a name may hold spaces and parentheses, but not those. */
static enum orig_result parse_text(const char *s, size_t n, struct orig_line *out,
				   struct event_error *err)
{
	memset(out, 0, sizeof *out);
	out->elapsed = -1;
	while (n && s[n - 1] == '\r')
		n--;                     /* a writer ending its lines with \r\n */
	if (has_prefix(s, n, "ENTER: ")) {
		const char *fn = s + 7, *from = find(fn, n - 7, " from ");

		if (!from)
			return bad(err, "ENTER line without \" from <caller>\"");
		out->kind = ORIG_ENTER;
		out->fn = str(fn, (size_t)(from - fn));
		return ORIG_OK;
	}
	const char *fn = s + 6, *end = s + n;
	const char *el = find(fn, n - 6, " (elapsed: ");
	if (!el)
		return bad(err, "EXIT line without \" (elapsed: <seconds>s)\"");
	const char *num = el + 11;
	size_t used = parse_seconds(num, (size_t)(end - num), &out->elapsed);
	if (!used)
		return bad(err, "EXIT line: the elapsed time is not a number of seconds in range");
	const char *rest = num + used;
	if (!has_prefix(rest, (size_t)(end - rest), "s) - "))
		return bad(err, "EXIT line: expected \"s) - \" after the elapsed time");
	rest += 5;
	out->fn = str(fn, (size_t)(el - fn));
	if ((size_t)(end - rest) == 7 && !memcmp(rest, "Success", 7)) {
		out->kind = ORIG_EXIT;
		return ORIG_OK;
	}
	if (!has_prefix(rest, (size_t)(end - rest), "Exception: "))
		return bad(err, "EXIT line ends in neither \"Success\" nor \"Exception: ...\"");
	rest += 11;
	/* "<Type>: <message>": a type name holds no ": ", a message may */
	const char *colon = find(rest, (size_t)(end - rest), ": ");
	out->kind = ORIG_EXCEPTION;
	if (colon) {
		out->type = str(rest, (size_t)(colon - rest));
		out->msg = str(colon + 2, (size_t)(end - colon - 2));
	} else {
		out->type = str(rest, (size_t)(end - rest));
		out->msg = str(end, 0);
	}
	if (!out->type.len)
		return bad(err, "EXIT line: the exception has no type");
	return ORIG_OK;
}

/* Strings from jansson or from the fixed line are NUL-terminated at len;
 * text-format strings point into the line: copied into the parser's
 * buffer so that every event_str ends with a NUL, as event.h promises. */
static bool own_strings(struct event_parser *p, struct orig_line *l)
{
	struct event_str *v[] = { &l->fn, &l->type, &l->msg };
	size_t need = 0;

	for (size_t i = 0; i < 3; i++)
		need += v[i]->len + 1;
	if (p->cap < need) {
		char *nb = realloc(p->buf, need);
		if (!nb)
			return false;
		p->buf = nb;
		p->cap = need;
	}
	size_t o = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!v[i]->s)
			continue;
		memcpy(p->buf + o, v[i]->s, v[i]->len);
		p->buf[o + v[i]->len] = '\0';
		v[i]->s = p->buf + o;
		o += v[i]->len + 1;
	}
	return true;
}

static bool json_str(json_t *obj, const char *key, struct event_str *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return false;
	*out = str(json_string_value(v), json_string_length(v));
	return true;
}

static enum orig_result parse_json(json_t *root, struct orig_line *out, struct event_error *err)
{
	json_t *type = json_object_get(root, "type");
	const char *t;

	memset(out, 0, sizeof *out);
	out->elapsed = -1;
	/* Only an object that can be nothing but an original line is judged
	 * here: a protocol line with a mistake keeps the protocol's verdict. */
	if (json_object_get(root, "ev") || !json_is_string(type))
		return ORIG_NOT;
	t = json_string_value(type);
	if (!strcmp(t, "enter"))
		out->kind = ORIG_ENTER;
	else if (!strcmp(t, "exit"))
		out->kind = ORIG_EXIT;
	else if (!strcmp(t, "exception"))
		out->kind = ORIG_EXCEPTION;
	else
		return ORIG_NOT;
	if (!json_str(root, "function", &out->fn))
		return bad(err, "key \"function\": missing or not a string");
	struct event_str ts;
	if (!json_str(root, "timestamp", &ts))
		return bad(err, "key \"timestamp\": missing or not a string");
	if (!parse_iso(ts.s, ts.len, &out->wall)) {
		char safe[48];

		event_safe_text(safe, sizeof safe, ts.s, ts.len, false);
		return bad(err, "timestamp \"%s\" is not an ISO 8601 time from 1970 to 2261", safe);
	}
	out->has_time = true;
	if (out->kind == ORIG_ENTER)
		return ORIG_OK;
	json_t *el = json_object_get(root, "elapsed");
	if (el) {
		double v = json_number_value(el);

		if (!json_is_number(el) || !isfinite(v) || v < 0 || v > MAX_SECONDS)
			return bad(err, "key \"elapsed\": not a number of seconds from 0 to 9.2e9");
		out->elapsed = (int64_t)llround(v * 1e9);
	}
	if (out->kind == ORIG_EXIT)
		return ORIG_OK;
	json_t *exc = json_object_get(root, "exception");
	if (!json_is_object(exc))
		return bad(err, "key \"exception\": missing or not an object");
	if (!json_str(exc, "type", &out->type))
		return bad(err, "key \"exception\": its \"type\" is missing or not a string");
	if (!json_object_get(exc, "message"))
		out->msg = str("", 0);
	else if (!json_str(exc, "message", &out->msg))
		return bad(err, "key \"exception\": its \"message\" is not a string");
	return ORIG_OK;
}

static bool json_like(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == '{';
}

enum orig_result orig_parse(struct event_parser *p, const char *line, size_t len,
			    struct orig_line *out, struct event_error *err)
{
	/* A NUL keeps the protocol parser's verdict ("NUL byte in line"). */
	if (memchr(line, '\0', len))
		return ORIG_NOT;
	if (json_like(line, len)) {
		json_error_t je;

		json_decref(p->root);
		line = event_fix_utf8(p, line, &len);
		p->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(p->root))
			return ORIG_NOT;
		return parse_json(p->root, out, err);
	}
	if (!has_prefix(line, len, "ENTER: ") && !has_prefix(line, len, "EXIT: "))
		return ORIG_NOT;
	line = event_fix_utf8(p, line, &len);
	enum orig_result r = parse_text(line, len, out, err);
	if (r == ORIG_OK && !own_strings(p, out))
		return bad(err, "out of memory");
	return r;
}

enum event_result event_parse_mixed(struct event_parser *p, const char *line, size_t len,
				    struct event *ev, struct orig_line *ol, bool *is_orig,
				    struct event_error *err)
{
	struct event_error oerr;
	enum orig_result o;
	int r = event_try_fast(p, line, len, ev, err);

	*is_orig = false;
	if (r == EVENT_OK)
		return EVENT_OK;
	/* jansson's document of this line is at hand only when the fast
	 * path left the line to it (its own verdicts leave p->root as it was) */
	bool parsed = r < 0;
	if (parsed)
		r = event_parse_slow(p, line, len, ev, err);
	if (r != EVENT_BAD)
		return (enum event_result)r;
	if (parsed && p->root)
		o = json_is_object(p->root) ? parse_json(p->root, ol, &oerr) : ORIG_NOT;
	else if (parsed && json_like(line, len))
		o = ORIG_NOT;            /* not JSON at all: jansson said why */
	else
		o = orig_parse(p, line, len, ol, &oerr);
	if (o == ORIG_OK) {
		*is_orig = true;
		return EVENT_OK;
	}
	if (o == ORIG_BAD && err)
		*err = oerr;
	return EVENT_BAD;
}

/* --- one stream, as calls --------------------------------------------------- */

static struct event *ev_new(struct event *e, enum event_kind kind, int64_t ts)
{
	/* Only the fields the model reads for the kind: a struct event is
	 * large (its stack), and the rest keep their "absent" values. */
	e->kind = kind;
	e->ts = ts;
	e->pid = ORIG_PID;
	e->tid = kind == EV_HELLO ? 0 : ORIG_TID;
	e->seq = 0;
	e->depth = -1;
	e->fn = e->file = e->type = e->msg = e->signal = e->name = e->prog = e->lib =
		(struct event_str){ NULL, 0 };
	e->line = 0;
	e->dur = 0;
	e->nstack = 0;
	e->ppid = 0;
	e->version = 0;
	e->wall = 0;
	e->count = e->dropped = 0;
	e->has_status = e->has_threads = false;
	e->status = 0;
	e->threads = 0;
	return e;
}

static struct event *call_ev(struct orig_stream *s, struct event *e, enum event_kind kind,
			     int64_t ts, const struct orig_line *l, int32_t depth)
{
	ev_new(e, kind, ts);
	e->seq = ++s->seq;
	e->depth = depth;
	e->fn = l->fn;
	return e;
}

size_t orig_events(struct orig_stream *s, const struct orig_line *l, int64_t now_wall,
		   struct event out[ORIG_EVENTS_MAX])
{
	int64_t ts = l->has_time ? l->wall : now_wall;
	size_t n = 0;

	if (!s->started) {
		static const char prog[] = ORIG_PROG, lib[] = "original format, no pids";
		struct event *h = ev_new(&out[n++], EV_HELLO, ts);

		h->version = 1;
		h->wall = ts;        /* its ts is a wall-clock time already */
		h->prog = str(prog, sizeof prog - 1);
		h->lib = str(lib, sizeof lib - 1);
		s->started = true;
	}
	if (l->kind == ORIG_ENTER) {
		call_ev(s, &out[n++], EV_ENTER, ts, l, s->depth);
		if (s->depth < ORIG_STARTS)
			s->start[s->depth] = l->has_time ? l->wall : 0;
		if (s->depth < INT32_MAX - 1)
			s->depth++;
		return n;
	}
	/* An exit with nothing open is one without its enter: the model
	 * places it at depth 0 like any such exit. */
	if (s->depth > 0)
		s->depth--;
	int64_t dur = l->elapsed;
	if (dur < 0 && l->has_time && s->depth < ORIG_STARTS && s->start[s->depth] &&
	    l->wall >= s->start[s->depth])
		dur = l->wall - s->start[s->depth];
	if (s->depth < ORIG_STARTS)
		s->start[s->depth] = 0;
	if (l->kind == ORIG_EXCEPTION) {
		struct event *x = call_ev(s, &out[n++], EV_EXCEPTION, ts, l, s->depth);

		x->type = l->type;
		x->msg = l->msg;
	}
	call_ev(s, &out[n++], EV_EXIT, ts, l, s->depth)->dur = dur;
	return n;
}
