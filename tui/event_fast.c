/* event_fast.c - a strict parser for the lines libpipetrace writes.
 * (Stats lines too: their "nodes" array of flat objects, when every entry
 * is valid.)
 *
 * jansson costs ~3 us a line (~0.3 M lines/s); the reader must take in
 * millions of events a second.  This path accepts only a flat object of
 * known keys whose values are strings or non-negative 64-bit integers, with no duplicate keys, valid UTF-8, and escapes that decode
 * to something other than NUL.  On anything else - other values, unknown
 * keys, a lone surrogate, a doubt of any kind - it answers "ask jansson",
 * which then gives the verdict on the syntax.  What it does take yields
 * the very fields jansson would, so their meaning (required keys, ranges)
 * is judged once, by event_validate(), shared with the jansson path: a
 * well-formed but invalid line is not parsed a second time. */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"

/* Not a verdict: "ask jansson". */
#define FALLBACK (-1)

/* 1 for bytes that may be copied as they are inside a string. */
static const unsigned char plain_byte[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
	R16(0), R16(0),                          /* 0x00-0x1f: controls */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 '"' */
	R16(1), R16(1),
	R4(1), R4(1), R4(1), 0, 1, 1, 1,               /* 0x5c '\\' */
	R16(1), R16(1),
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
#undef R4
};

static inline const char *skip_ws(const char *s, const char *e)
{
	/* The library writes no whitespace: make that case one test. */
	if (s < e && (unsigned char)*s > ' ')
		return s;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static char *put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* True when none of the 8 bytes needs a look: no control character, no
 * '"', no '\\', nothing above 0x7f.  (The zero-byte tests may also fire
 * for a harmless byte next to a real hit; then the byte loop decides.) */
static inline bool plain8(uint64_t v)
{
	uint64_t q = v ^ (0x22 * ONES), b = v ^ (0x5c * ONES);

	return !((v | ((v - 0x20 * ONES) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS);
}

/* Decodes the string whose opening quote is at s[-1] into *wp.  Returns
 * the byte after the closing quote, or NULL to fall back. */
static const char *scan_string(const char *s, const char *e, char **wp)
{
	char *w = *wp;

	for (;;) {
		const char *run = s;
		while (e - s >= 8) {
			uint64_t v;
			memcpy(&v, s, 8);
			if (!plain8(v))
				break;
			s += 8;
		}
		while (s < e && plain_byte[(unsigned char)*s])
			s++;
		memcpy(w, run, (size_t)(s - run));
		w += s - run;
		if (s >= e)
			return NULL;
		unsigned char c = (unsigned char)*s;
		if (c == '"') {
			*w++ = '\0';
			*wp = w;
			return s + 1;
		}
		if (c == '\\') {
			if (e - s < 2)
				return NULL;
			switch (s[1]) {
			case '"': *w++ = '"'; break;
			case '\\': *w++ = '\\'; break;
			case '/': *w++ = '/'; break;
			case 'b': *w++ = '\b'; break;
			case 'f': *w++ = '\f'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			case 't': *w++ = '\t'; break;
			case 'u': {
				if (e - s < 6)
					return NULL;
				int cp = hex4(s + 2);
				if (cp <= 0 || (cp >= 0xdc00 && cp <= 0xdfff))
					return NULL;     /* NUL, bad hex, lone low surrogate */
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (e - s < 12 || s[6] != '\\' || s[7] != 'u')
						return NULL;
					int lo = hex4(s + 8);
					if (lo < 0xdc00 || lo > 0xdfff)
						return NULL;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
				w = put_utf8(w, (unsigned)cp);
				s += 6;
				continue;
			}
			default:
				return NULL;
			}
			s += 2;
			continue;
		}
		if (c < 0x80)
			return NULL;     /* a raw control character */
		int l = event_utf8_len((const unsigned char *)s, (size_t)(e - s));
		if (!l)
			return NULL;
		memcpy(w, s, (size_t)l);
		w += l;
		s += l;
	}
}

/* A non-negative integer as the main loop takes them: NULL to fall back
 * (a sign, leading zeros, 20+ digits, beyond int64, a fraction). */
static const char *scan_uint(const char *s, const char *e, uint64_t *out)
{
	const char *d0 = s;
	uint64_t n = 0;
	const char *lim = e - s > 19 ? s + 19 : e;

	while (s < lim && (unsigned char)(*s - '0') < 10)
		n = n * 10 + (uint64_t)(*s++ - '0');
	if (s == d0 || n > INT64_MAX || (*d0 == '0' && s - d0 > 1))
		return NULL;
	if (s < e && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E'))
		return NULL;
	*out = n;
	return s;
}

enum { N_ID, N_PARENT, N_FN, N_FILE, N_LINE, N_COUNT, N_TOTAL, N_SELF, N_MAX, N_EXC,
       N_ABANDONED, N_OTHER, N_HIST, N_HIST_MISSING };

static int node_key(const char *k, size_t len)
{
	switch (len) {
	case 2:
		return k[0] == 'i' && k[1] == 'd' ? N_ID : k[0] == 'f' && k[1] == 'n' ? N_FN : -1;
	case 3:
		if (!memcmp(k, "max", 3)) return N_MAX;
		if (!memcmp(k, "exc", 3)) return N_EXC;
		return -1;
	case 4:
		if (!memcmp(k, "self", 4)) return N_SELF;
		if (!memcmp(k, "hist", 4)) return N_HIST;
		if (!memcmp(k, "file", 4)) return N_FILE;
		if (!memcmp(k, "line", 4)) return N_LINE;
		return -1;
	case 5:
		if (!memcmp(k, "count", 5)) return N_COUNT;
		if (!memcmp(k, "total", 5)) return N_TOTAL;
		if (!memcmp(k, "other", 5)) return N_OTHER;
		return -1;
	case 6:
		return !memcmp(k, "parent", 6) ? N_PARENT : -1;
	case 9:
		return !memcmp(k, "abandoned", 9) ? N_ABANDONED : -1;
	case 12:
		return !memcmp(k, "hist_missing", 12) ? N_HIST_MISSING : -1;
	default:
		return -1;
	}
}

/* A stats line's "hist": [[bucket,count],...], buckets increasing. */
static const char *scan_hist(struct event_parser *p, const char *s, const char *e, size_t *npairs,
			     struct event_stats_node *nd)
{
	long long prev = -1;

	s = skip_ws(s, e);
	if (s < e && *s == ']')
		return s + 1;
	for (;;) {
		uint64_t b, c;
		if (s >= e || *s != '[')
			return NULL;
		s = skip_ws(s + 1, e);
		if (!(s = scan_uint(s, e, &b)))
			return NULL;
		s = skip_ws(s, e);
		if (s >= e || *s != ',')
			return NULL;
		s = skip_ws(s + 1, e);
		if (!(s = scan_uint(s, e, &c)))
			return NULL;
		s = skip_ws(s, e);
		if (s >= e || *s != ']' || b >= EVENT_HIST_BUCKETS || (long long)b <= prev)
			return NULL;
		prev = (long long)b;
		p->pairs[(*npairs)++] = (struct event_hist_pair){ (uint32_t)b, c };
		nd->hist_n++;
		s = skip_ws(s + 1, e);
		if (s < e && *s == ']')
			return s + 1;
		if (s >= e || *s != ',')
			return NULL;
		s = skip_ws(s + 1, e);
	}
}

/* A stats line's "nodes" whose entries are all objects of known keys and
 * valid (event_stats.c's rules) into p->nodes: NULL to fall back (jansson
 * then judges each entry, and counts the bad ones). */
static const char *scan_nodes(struct event_parser *p, const char *s, const char *e, char **wp)
{
	size_t n = 0, npairs = 0;

	s = skip_ws(s, e);
	if (s < e && *s == ']') {
		p->fast_nodes = 0;
		return s + 1;
	}
	for (;;) {
		if (s >= e || *s != '{' || !event_stats_reserve(p, n + 1, npairs + EVENT_HIST_BUCKETS))
			return NULL;
		struct event_stats_node *nd = &p->nodes[n];
		memset(nd, 0, sizeof(*nd));
		nd->hist_off = (uint32_t)npairs;
		uint32_t seen = 0;
		s = skip_ws(s + 1, e);
		for (;;) {
			if (s >= e || *s != '"')
				return NULL;
			const char *k0 = ++s;
			while (s < e && plain_byte[(unsigned char)*s])
				s++;
			if (s >= e || *s != '"')
				return NULL;
			int k = node_key(k0, (size_t)(s - k0));
			if (k < 0 || (seen & (1u << k)))
				return NULL;
			seen |= 1u << k;
			s = skip_ws(s + 1, e);
			if (s >= e || *s != ':')
				return NULL;
			s = skip_ws(s + 1, e);
			if (s >= e)
				return NULL;
			uint64_t v = 0;
			if (k == N_FN || k == N_FILE) {
				struct event_str *str = k == N_FN ? &nd->fn : &nd->file;
				if (*s != '"')
					return NULL;
				str->s = *wp;
				if (!(s = scan_string(s + 1, e, wp)))
					return NULL;
				str->len = (size_t)(*wp - str->s) - 1;
			} else if (k == N_OTHER) {
				if (e - s >= 4 && !memcmp(s, "true", 4)) {
					nd->other = true;
					s += 4;
				} else if (e - s >= 5 && !memcmp(s, "false", 5)) {
					s += 5;
				} else {
					return NULL;
				}
			} else if (k == N_HIST) {
				if (*s != '[' || !(s = scan_hist(p, s + 1, e, &npairs, nd)))
					return NULL;
			} else if (!(s = scan_uint(s, e, &v))) {
				return NULL;
			}
			switch (k) {
			case N_ID: nd->id = v; break;
			case N_PARENT: nd->parent = v; nd->has_parent = true; break;
			case N_LINE: nd->line = v > INT32_MAX ? -1 : (int32_t)v; break;
			case N_COUNT: nd->count = v; break;
			case N_TOTAL: nd->total = v; break;
			case N_SELF: nd->self = v; break;
			case N_MAX: nd->max = v; break;
			case N_EXC: nd->exc = v; break;
			case N_ABANDONED: nd->abandoned = v; break;
			case N_HIST_MISSING: nd->hist_missing = v; break;
			default: break;
			}
			s = skip_ws(s, e);
			if (s < e && *s == '}')
				break;
			if (s >= e || *s != ',')
				return NULL;
			s = skip_ws(s + 1, e);
		}
		/* an entry jansson's path would refuse: let it count it */
		if (!nd->id || (nd->has_parent && nd->parent == nd->id) || nd->line < 0)
			return NULL;
		n++;
		s = skip_ws(s + 1, e);
		if (s < e && *s == ']')
			break;
		if (s >= e || *s != ',')
			return NULL;
		s = skip_ws(s + 1, e);
	}
	p->fast_nodes = n;
	return s + 1;
}

int event_try_fast(struct event_parser *p, const char *line, size_t len, struct event *out,
		   struct event_error *err)
{
	struct ev_fields f;
	/* Decoded strings never outgrow their encoding, plus one NUL per key. */
	size_t need = len + K_NKEYS + 1;

	if (p->cap < need) {
		size_t cap = need < 8192 ? 8192 : need;
		char *nb = realloc(p->buf, cap);
		if (!nb)
			return FALLBACK;
		p->buf = nb;
		p->cap = cap;
	}
	char *w = p->buf;
	const char *s = line, *e = line + len;

	f.present = 0;
	f.nstack = 0;
	s = skip_ws(s, e);
	if (s >= e || *s != '{')
		return FALLBACK;
	s = skip_ws(s + 1, e);
	for (;;) {
		if (s >= e || *s != '"')
			return FALLBACK;
		const char *k0 = ++s;
		while (s < e && plain_byte[(unsigned char)*s])
			s++;
		if (s >= e || *s != '"')
			return FALLBACK;
		int k = event_key_lookup(k0, (size_t)(s - k0));
		if (k < 0 || (f.present & (1u << k)))
			return FALLBACK;
		s = skip_ws(s + 1, e);
		if (s >= e || *s != ':')
			return FALLBACK;
		s = skip_ws(s + 1, e);
		if (s >= e)
			return FALLBACK;
		struct ev_val *v = &f.v[k];
		if (*s == '"') {
			v->type = VAL_STR;
			v->s = w;
			s = scan_string(s + 1, e, &w);
			if (!s)
				return FALLBACK;
			v->len = (size_t)(w - v->s) - 1;
		} else if (*s >= '0' && *s <= '9') {
			const char *d0 = s;
			uint64_t n = 0;

			/* 19 digits cannot overflow 64 bits unsigned. */
			const char *lim = e - s > 19 ? s + 19 : e;
			while (s < lim && (unsigned char)(*s - '0') < 10)
				n = n * 10 + (uint64_t)(*s++ - '0');
			/* Leading zeros, 20+ digits, beyond int64, fractions,
			 * exponents: all jansson's to judge. */
			if (n > INT64_MAX || (*d0 == '0' && s - d0 > 1))
				return FALLBACK;
			if (s < e && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E'))
				return FALLBACK;
			v->type = VAL_INT;
			v->i = (long long)n;
		} else if (*s == '[' && k == K_NODES) {
			s = scan_nodes(p, s + 1, e, &w);
			if (!s)
				return FALLBACK;
			v->type = VAL_ARR;
			v->arr = NULL;
		} else {
			return FALLBACK;
		}
		f.present |= 1u << k;
		s = skip_ws(s, e);
		if (s >= e)
			return FALLBACK;
		if (*s == '}')
			break;
		if (*s != ',')
			return FALLBACK;
		s = skip_ws(s + 1, e);
	}
	if (skip_ws(s + 1, e) != e)
		return FALLBACK;
	if (event_validate(p, &f, out, NULL) == EVENT_OK)
		return EVENT_OK;
	/* Bad lines only: the same check again, now writing the reason. */
	return event_validate(p, &f, out, err);
}

enum event_result event_parse_fast(struct event_parser *p, const char *line, size_t len,
				   struct event *out)
{
	return event_try_fast(p, line, len, out, NULL) == EVENT_OK ? EVENT_OK : EVENT_BAD;
}
