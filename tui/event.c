/* event.c - the parser of record (jansson), the rules every event obeys,
 * and printing untrusted strings safely.
 *
 * event_parse() tries the fast path's tokenizer (event_fast.c) first and
 * falls back to jansson for every line it does not fully understand; the
 * verdict on a bad line and its reason always come from here (syntax from
 * jansson, meaning from event_validate()). */
#include <config.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_HELLO] = "hello", [EV_THREAD] = "thread", [EV_ENTER] = "enter",
	[EV_EXIT] = "exit", [EV_EXCEPTION] = "exception", [EV_DROP] = "drop",
	[EV_BYE] = "bye", [EV_TALLY] = "tally", [EV_STATS] = "stats",
};

static const char *const key_names[K_NKEYS] = {
	[K_EV] = "ev", [K_TS] = "ts", [K_PID] = "pid", [K_TID] = "tid",
	[K_SEQ] = "seq", [K_DEPTH] = "depth", [K_FN] = "fn", [K_FILE] = "file",
	[K_LINE] = "line", [K_DUR] = "dur", [K_TYPE] = "type", [K_MSG] = "msg",
	[K_SIGNAL] = "signal", [K_STACK] = "stack", [K_NAME] = "name",
	[K_PPID] = "ppid", [K_V] = "v", [K_PROG] = "prog", [K_LIB] = "lib",
	[K_WALL] = "wall", [K_COUNT] = "count", [K_STATUS] = "status",
	[K_DROPPED] = "dropped", [K_THREADS] = "threads", [K_DEPTH_MAX] = "depth_max",
	[K_NODES] = "nodes", [K_STATS_MS] = "stats_ms",
	[K_FILTER] = "filter", [K_MIN_DURATION] = "min_duration",
	[K_STATS_UNSENT] = "stats_unsent", [K_CLOCK_STEP] = "clock_step",
};

const char *event_kind_name(enum event_kind kind)
{
	if ((unsigned)kind >= EV_KIND_COUNT)
		return "?";
	return kind_names[kind];
}

int event_key_lookup(const char *k, size_t len)
{
	/* Dispatch on length and first byte: this runs for every key of
	 * every line on the fast path. */
	switch (len) {
	case 1:
		return k[0] == 'v' ? K_V : -1;
	case 2:
		if (k[0] == 'e' && k[1] == 'v') return K_EV;
		if (k[0] == 't' && k[1] == 's') return K_TS;
		if (k[0] == 'f' && k[1] == 'n') return K_FN;
		return -1;
	case 3:
		if (!memcmp(k, "pid", 3)) return K_PID;
		if (!memcmp(k, "tid", 3)) return K_TID;
		if (!memcmp(k, "seq", 3)) return K_SEQ;
		if (!memcmp(k, "dur", 3)) return K_DUR;
		if (!memcmp(k, "msg", 3)) return K_MSG;
		if (!memcmp(k, "lib", 3)) return K_LIB;
		return -1;
	case 4:
		if (!memcmp(k, "file", 4)) return K_FILE;
		if (!memcmp(k, "line", 4)) return K_LINE;
		if (!memcmp(k, "type", 4)) return K_TYPE;
		if (!memcmp(k, "name", 4)) return K_NAME;
		if (!memcmp(k, "ppid", 4)) return K_PPID;
		if (!memcmp(k, "prog", 4)) return K_PROG;
		if (!memcmp(k, "wall", 4)) return K_WALL;
		return -1;
	case 5:
		if (!memcmp(k, "depth", 5)) return K_DEPTH;
		if (!memcmp(k, "stack", 5)) return K_STACK;
		if (!memcmp(k, "count", 5)) return K_COUNT;
		if (!memcmp(k, "nodes", 5)) return K_NODES;
		return -1;
	case 6:
		if (!memcmp(k, "signal", 6)) return K_SIGNAL;
		if (!memcmp(k, "status", 6)) return K_STATUS;
		if (!memcmp(k, "filter", 6)) return K_FILTER;
		return -1;
	case 7:
		if (!memcmp(k, "dropped", 7)) return K_DROPPED;
		if (!memcmp(k, "threads", 7)) return K_THREADS;
		return -1;
	case 8:
		return !memcmp(k, "stats_ms", 8) ? K_STATS_MS : -1;
	case 9:
		return !memcmp(k, "depth_max", 9) ? K_DEPTH_MAX : -1;
	case 10:
		return !memcmp(k, "clock_step", 10) ? K_CLOCK_STEP : -1;
	case 12:
		if (!memcmp(k, "min_duration", 12)) return K_MIN_DURATION;
		if (!memcmp(k, "stats_unsent", 12)) return K_STATS_UNSENT;
		return -1;
	default:
		return -1;
	}
}

/* --- validation ---------------------------------------------------------- */

enum { OPT = 0, REQ = 1 };

struct rule {
	int8_t key;
	uint8_t req;
};

/* Per kind, the keys it uses besides ev, ts and pid, in checking order.
 * Keys of other kinds are ignored like unknown keys. */
#define RULES_MAX 12
static const struct rule rules[EV_KIND_COUNT][RULES_MAX] = {
	[EV_HELLO] = { {K_V, REQ}, {K_PPID, OPT}, {K_PROG, OPT}, {K_WALL, OPT},
		       {K_LIB, OPT}, {K_DEPTH_MAX, OPT}, {K_STATS_MS, OPT},
		       {K_FILTER, OPT}, {K_MIN_DURATION, OPT}, {K_CLOCK_STEP, OPT}, {-1, 0} },
	[EV_THREAD] = { {K_TID, REQ}, {K_NAME, REQ}, {-1, 0} },
	[EV_ENTER] = { {K_TID, REQ}, {K_SEQ, REQ}, {K_DEPTH, REQ}, {K_FN, REQ},
		       {K_FILE, OPT}, {K_LINE, OPT}, {-1, 0} },
	/* "dur" absent: the writer does not know the duration */
	[EV_EXIT] = { {K_TID, REQ}, {K_SEQ, REQ}, {K_DEPTH, REQ}, {K_FN, REQ},
		      {K_DUR, OPT}, {-1, 0} },
	[EV_EXCEPTION] = { {K_TID, REQ}, {K_SEQ, REQ}, {K_DEPTH, REQ}, {K_FN, REQ},
			   {K_TYPE, REQ}, {K_MSG, REQ}, {K_SIGNAL, OPT},
			   {K_STACK, OPT}, {-1, 0} },
	[EV_DROP] = { {K_TID, REQ}, {K_COUNT, REQ}, {-1, 0} },
	[EV_BYE] = { {K_STATUS, OPT}, {K_THREADS, OPT}, {-1, 0} },
	/* "seq" here is the thread's last seq, 0 for a thread that made none */
	[EV_TALLY] = { {K_TID, REQ}, {K_SEQ, REQ}, {K_DROPPED, REQ}, {K_STATS_UNSENT, OPT},
		       {-1, 0} },
	/* the entries of "nodes" are checked one by one (event_stats.c) */
	[EV_STATS] = { {K_TID, REQ}, {K_NODES, REQ}, {-1, 0} },
};

/* What each key must hold: its type, and for integers the allowed range. */
struct keyspec {
	uint8_t type;
	long long min, max;
};

#define I32 2147483647LL
#define I64 9223372036854775807LL
static const struct keyspec keyspecs[K_NKEYS] = {
	[K_EV] = { VAL_STR, 0, 0 },
	[K_TS] = { VAL_INT, 0, I64 },
	[K_PID] = { VAL_INT, 1, I32 },
	[K_TID] = { VAL_INT, 1, I32 },
	[K_SEQ] = { VAL_INT, 1, I64 },
	[K_DEPTH] = { VAL_INT, 0, I32 },
	[K_FN] = { VAL_STR, 0, 0 },
	[K_FILE] = { VAL_STR, 0, 0 },
	[K_LINE] = { VAL_INT, 0, I32 },
	[K_DUR] = { VAL_INT, 0, I64 },
	[K_TYPE] = { VAL_STR, 0, 0 },
	[K_MSG] = { VAL_STR, 0, 0 },
	[K_SIGNAL] = { VAL_STR, 0, 0 },
	[K_STACK] = { VAL_STRS, 0, 0 },
	[K_NAME] = { VAL_STR, 0, 0 },
	[K_PPID] = { VAL_INT, 0, I32 },
	[K_V] = { VAL_INT, 1, I32 },
	[K_PROG] = { VAL_STR, 0, 0 },
	[K_LIB] = { VAL_STR, 0, 0 },
	[K_WALL] = { VAL_INT, 0, I64 },
	[K_COUNT] = { VAL_INT, 0, I64 },
	[K_STATUS] = { VAL_INT, -I32 - 1, I32 },
	[K_DROPPED] = { VAL_INT, 0, I64 },
	[K_THREADS] = { VAL_INT, 0, I32 },
	[K_DEPTH_MAX] = { VAL_INT, 1, I64 },
	[K_NODES] = { VAL_ARR, 0, 0 },
	[K_STATS_MS] = { VAL_INT, 0, I32 },
	[K_FILTER] = { VAL_STR, 0, 0 },
	[K_MIN_DURATION] = { VAL_INT, 1, I64 },
	[K_STATS_UNSENT] = { VAL_INT, 0, I64 },
	/* ns; a clock coarser than a second tells nothing worth drawing */
	[K_CLOCK_STEP] = { VAL_INT, 1, 1000000000 },
};

static const char *type_name(uint8_t t)
{
	switch (t) {
	case VAL_INT: return "integer";
	case VAL_STR: return "string";
	case VAL_STRS: return "array of strings";
	case VAL_ARR: return "array";
	default: return "?";
	}
}

static enum event_result fail(struct event_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum event_result fail(struct event_error *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->text, sizeof err->text, fmt, ap);
		va_end(ap);
		err->column = 0;
	}
	return EVENT_BAD;
}

/* Checks one key; returns false (with err set) when it is wrong. */
static bool check_key(const struct ev_fields *f, int k, bool req, struct event_error *err)
{
	const struct ev_val *v = &f->v[k];
	const struct keyspec *ks = &keyspecs[k];

	if (!(f->present & (1u << k))) {
		if (req)
			fail(err, "missing key \"%s\"", key_names[k]);
		return !req;
	}
	if (v->type != ks->type) {
		fail(err, "key \"%s\": expected %s, got %s", key_names[k],
		     type_name(ks->type), v->type == VAL_OTHER ? v->tname : type_name(v->type));
		return false;
	}
	if (ks->type == VAL_INT && (v->i < ks->min || v->i > ks->max)) {
		fail(err, "key \"%s\": %lld is out of range", key_names[k], v->i);
		return false;
	}
	return true;
}

static struct event_str str_of(const struct ev_fields *f, int k)
{
	struct event_str s = { NULL, 0 };

	if (f->present & (1u << k)) {
		s.s = f->v[k].s;
		s.len = f->v[k].len;
	}
	return s;
}

static long long int_of(const struct ev_fields *f, int k, long long dflt)
{
	return (f->present & (1u << k)) ? f->v[k].i : dflt;
}

static int kind_of(const char *s, size_t len)
{
	int k;

	/* The first byte picks the one candidate (the length among
	 * enter, exit and exception); then one comparison. */
	switch (len ? s[0] : 0) {
	case 'h': k = EV_HELLO; break;
	case 't': k = len == 5 ? EV_TALLY : EV_THREAD; break;
	case 'e': k = len == 5 ? EV_ENTER : len == 4 ? EV_EXIT : EV_EXCEPTION; break;
	case 'd': k = EV_DROP; break;
	case 'b': k = EV_BYE; break;
	case 's': k = EV_STATS; break;
	default: return -1;
	}
	return strlen(kind_names[k]) == len && !memcmp(kind_names[k], s, len) ? k : -1;
}

/* "signal" is a name ("SIGSEGV") or, as libpipetrace writes it, the
 * signal's number: either way the event carries a name. */
static void signal_name(struct event_parser *p, long long n)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGSYS, "SIGSYS" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == n) {
			snprintf(p->signame, sizeof p->signame, "%s", names[i].name);
			return;
		}
	snprintf(p->signame, sizeof p->signame, "signal %lld", n);
}

enum event_result event_validate(struct event_parser *p, const struct ev_fields *f,
				 struct event *out, struct event_error *err)
{
	if (!check_key(f, K_EV, true, err))
		return EVENT_BAD;
	int kind = kind_of(f->v[K_EV].s, f->v[K_EV].len);
	if (kind < 0) {
		if (err) {
			char safe[64];

			event_safe_text(safe, sizeof safe, f->v[K_EV].s, f->v[K_EV].len, false);
			snprintf(err->text, sizeof err->text, "unknown kind \"%s\"", safe);
			err->column = 0;
		}
		return EVENT_UNKNOWN_KIND;
	}
	if (!check_key(f, K_TS, true, err) || !check_key(f, K_PID, true, err))
		return EVENT_BAD;
	bool signum = kind == EV_EXCEPTION && (f->present & (1u << K_SIGNAL)) &&
		f->v[K_SIGNAL].type == VAL_INT;
	for (const struct rule *r = rules[kind]; r < rules[kind] + RULES_MAX && r->key >= 0; r++) {
		if (r->key == K_SEQ && kind == EV_TALLY && (f->present & (1u << K_SEQ)) &&
		    f->v[K_SEQ].type == VAL_INT && f->v[K_SEQ].i == 0)
			continue;
		if (r->key == K_SIGNAL && signum) {
			if (f->v[K_SIGNAL].i < 1 || f->v[K_SIGNAL].i > 128)
				return fail(err, "key \"signal\": %lld is out of range",
					    f->v[K_SIGNAL].i);
			continue;
		}
		if (!check_key(f, r->key, r->req, err))
			return EVENT_BAD;
	}

	/* Only the keys of this kind are taken: the rest keep their "absent"
	 * values even when the line carried them. */
	bool calls = kind == EV_ENTER || kind == EV_EXIT || kind == EV_EXCEPTION;
	bool with_seq = calls || kind == EV_TALLY;
	out->kind = (enum event_kind)kind;
	out->ts = f->v[K_TS].i;
	out->pid = (int32_t)f->v[K_PID].i;
	out->tid = (kind == EV_HELLO || kind == EV_BYE) ? 0 : (int32_t)f->v[K_TID].i;
	out->seq = with_seq ? (uint64_t)f->v[K_SEQ].i : 0;
	out->depth = calls ? (int32_t)f->v[K_DEPTH].i : -1;
	out->fn = calls ? str_of(f, K_FN) : (struct event_str){ NULL, 0 };
	out->file = kind == EV_ENTER ? str_of(f, K_FILE) : (struct event_str){ NULL, 0 };
	out->line = kind == EV_ENTER ? (int32_t)int_of(f, K_LINE, 0) : 0;
	out->dur = kind == EV_EXIT ? int_of(f, K_DUR, -1) : 0;
	if (kind == EV_EXCEPTION) {
		out->type = str_of(f, K_TYPE);
		out->msg = str_of(f, K_MSG);
		out->signal = str_of(f, K_SIGNAL);
		if (signum) {
			signal_name(p, f->v[K_SIGNAL].i);
			out->signal.s = p->signame;
			out->signal.len = strlen(p->signame);
		}
		out->nstack = (f->present & (1u << K_STACK)) ? f->nstack : 0;
	} else {
		out->type = out->msg = out->signal = (struct event_str){ NULL, 0 };
		out->nstack = 0;
	}
	out->name = kind == EV_THREAD ? str_of(f, K_NAME) : (struct event_str){ NULL, 0 };
	if (kind == EV_HELLO) {
		out->ppid = (int32_t)int_of(f, K_PPID, 0);
		out->version = (int32_t)f->v[K_V].i;
		out->prog = str_of(f, K_PROG);
		out->lib = str_of(f, K_LIB);
		out->wall = int_of(f, K_WALL, 0);
		out->depth_max = (uint64_t)int_of(f, K_DEPTH_MAX, 0);
		out->filter = str_of(f, K_FILTER);
		out->min_duration = (uint64_t)int_of(f, K_MIN_DURATION, 0);
		out->clock_step = (uint32_t)int_of(f, K_CLOCK_STEP, 0);
	} else {
		out->ppid = 0;
		out->version = 0;
		out->prog = out->lib = (struct event_str){ NULL, 0 };
		out->wall = 0;
		out->depth_max = 0;
		out->filter = (struct event_str){ NULL, 0 };
		out->min_duration = 0;
		out->clock_step = 0;
	}
	out->count = kind == EV_DROP ? (uint64_t)f->v[K_COUNT].i : 0;
	out->dropped = kind == EV_TALLY ? (uint64_t)f->v[K_DROPPED].i : 0;
	out->stats_unsent = kind == EV_TALLY ? (uint64_t)int_of(f, K_STATS_UNSENT, 0) : 0;
	out->has_status = kind == EV_BYE && (f->present & (1u << K_STATUS));
	out->status = out->has_status ? (int32_t)f->v[K_STATUS].i : 0;
	out->has_threads = kind == EV_BYE && (f->present & (1u << K_THREADS));
	out->threads = out->has_threads ? (uint32_t)f->v[K_THREADS].i : 0;
	out->stats_ms = kind == EV_HELLO ? (uint32_t)int_of(f, K_STATS_MS, 0) : 0;
	out->stats = NULL;
	out->nstats = 0;
	out->stats_hist = NULL;
	out->stats_bad = 0;
	out->stats_bad_why = NULL;
	if (kind == EV_STATS && !event_stats_nodes(p, f->v[K_NODES].arr, out, err))
		return EVENT_BAD;
	return EVENT_OK;
}

/* --- UTF-8 ---------------------------------------------------------------- */

int event_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;        /* continuation byte or overlong 2-byte lead */
	if (c < 0xe0) {
		if (avail < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;        /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;        /* UTF-16 surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;        /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;        /* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Returns the line with each invalid UTF-8 byte replaced by U+FFFD, in the
 * parser's buffer, or the line itself when it is valid. */
const char *event_fix_utf8(struct event_parser *p, const char *line, size_t *len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t n = *len, i = 0;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int l = event_utf8_len(s + i, n - i);
		if (!l)
			break;
		i += (size_t)l;
	}
	if (i == n)
		return line;
	if (p->fixcap < 3 * n) {
		char *nb = realloc(p->fix, 3 * n);
		if (!nb)
			return line;     /* jansson will refuse it instead */
		p->fix = nb;
		p->fixcap = 3 * n;
	}
	memcpy(p->fix, line, i);
	size_t o = i;
	while (i < n) {
		int l = s[i] < 0x80 ? 1 : event_utf8_len(s + i, n - i);
		if (l) {
			memcpy(p->fix + o, s + i, (size_t)l);
			o += (size_t)l;
			i += (size_t)l;
		} else {
			memcpy(p->fix + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*len = o;
	return p->fix;
}

/* --- jansson -------------------------------------------------------------- */

struct event_parser *event_parser_create(void)
{
	return calloc(1, sizeof(struct event_parser));
}

void event_parser_free(struct event_parser *p)
{
	if (!p)
		return;
	json_decref(p->root);
	free(p->buf);
	free(p->fix);
	free(p->nodes);
	free(p->pairs);
	free(p);
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	default: return "null";
	}
}

static void take_value(struct ev_fields *f, int k, json_t *val, struct event *out)
{
	struct ev_val *v = &f->v[k];

	f->present |= 1u << k;
	if (json_is_integer(val)) {
		v->type = VAL_INT;
		v->i = json_integer_value(val);
	} else if (json_is_string(val)) {
		v->type = VAL_STR;
		v->s = json_string_value(val);
		v->len = json_string_length(val);
	} else if (json_is_array(val) && k == K_NODES) {
		v->type = VAL_ARR;
		v->arr = val;
	} else if (json_is_array(val)) {
		size_t n = json_array_size(val);

		for (size_t i = 0; i < n; i++) {
			if (!json_is_string(json_array_get(val, i))) {
				v->type = VAL_OTHER;
				v->tname = "array holding a non-string";
				return;
			}
		}
		v->type = VAL_STRS;
		f->nstack = n < EVENT_STACK_MAX ? n : EVENT_STACK_MAX;
		for (size_t i = 0; i < f->nstack; i++) {
			json_t *e = json_array_get(val, i);
			out->stack[i].s = json_string_value(e);
			out->stack[i].len = json_string_length(e);
		}
	} else {
		v->type = VAL_OTHER;
		v->tname = json_type_name(val);
	}
}

enum event_result event_parse_slow(struct event_parser *p, const char *line, size_t len,
				   struct event *out, struct event_error *err)
{
	json_error_t je;
	struct ev_fields f;

	json_decref(p->root);
	p->root = NULL;
	const char *nul = memchr(line, '\0', len);
	if (nul) {
		fail(err, "NUL byte in line");
		if (err)
			err->column = (int)(nul - line) + 1;
		return EVENT_BAD;
	}
	line = event_fix_utf8(p, line, &len);
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (err) {
			/* jansson quotes the offending token: make it printable. */
			event_safe_text(err->text, sizeof err->text, je.text, strlen(je.text), false);
			err->column = je.position > 0 ? je.position : je.column;
		}
		return EVENT_BAD;
	}
	p->root = root;
	if (!json_is_object(root))
		return fail(err, "expected a JSON object, got %s", json_type_name(root));

	const char *key;
	json_t *val;
	f.present = 0;
	f.nstack = 0;
	json_object_foreach(root, key, val) {
		int k = event_key_lookup(key, strlen(key));
		if (k >= 0)
			take_value(&f, k, val, out);
	}
	return event_validate(p, &f, out, err);
}

enum event_result event_parse(struct event_parser *p, const char *line, size_t len,
			      struct event *out, struct event_error *err)
{
	int r = event_try_fast(p, line, len, out, err);

	if (r == EVENT_OK)
		return EVENT_OK;
	return r > 0 ? (enum event_result)r : event_parse_slow(p, line, len, out, err);
}

/* --- safe text ------------------------------------------------------------ */

size_t event_safe_text(char *dst, size_t size, const char *s, size_t len, bool utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (!size)
		return 0;
	while (i < len) {
		char tmp[8];
		size_t n;
		unsigned c = u[i];
		int l = 1;

		if (c >= 0x20 && c < 0x7f) {
			tmp[0] = (char)c;
			n = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			tmp[0] = '\\';
			tmp[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			n = 2;
		} else if (c < 0x80) {
			n = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c);
		} else if ((l = event_utf8_len(u + i, len - i)) == 0) {
			l = 1;
			n = utf8 ? 3 : 1;
			memcpy(tmp, utf8 ? "\xef\xbf\xbd" : "?", n);
		} else if (l == 2 && c == 0xc2 && u[i + 1] < 0xa0) {
			/* C1 controls (0x9b is a CSI on some terminals) */
			n = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", u[i + 1]);
		} else if (l == 3 && c == 0xe2 && u[i + 1] == 0x80 &&
			   u[i + 2] >= 0xaa && u[i + 2] <= 0xae) {
			/* bidi embeddings and overrides reorder what follows */
			tmp[0] = '?';
			n = 1;
		} else if (l == 3 && c == 0xe2 && u[i + 1] == 0x81 &&
			   u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9) {
			tmp[0] = '?';    /* bidi isolates, likewise */
			n = 1;
		} else if (utf8) {
			memcpy(tmp, u + i, (size_t)l);
			n = (size_t)l;
		} else {
			tmp[0] = '?';
			n = 1;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, tmp, n);
		o += n;
		i += (size_t)l;
	}
	dst[o] = '\0';
	return o;
}
