/* search.c - smart-case substring search over the model.
 *
 * Function, thread and program names are matched directly.  A call or path
 * also matches when an exception raised there matches: the kept exceptions
 * are scanned once per model generation into a set of call and path ids,
 * so stepping through rows does not rescan them for every node. */
#include <config.h>

#include <ctype.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "search.h"

struct idset {
	node_id *v;              /* owned; open addressing, 0 = empty */
	size_t cap, n;
};

struct exc_cache {
	const struct model *m;   /* borrowed; the model the set was built from */
	uint64_t gen;
	struct idset ids;        /* calls and paths with a matching exception */
};

/* Function names never change and are only ever added, so whether each
 * matches is worked out once: a walk over millions of calls then costs a
 * set lookup per node instead of a substring search. */
struct fn_cache {
	const struct model *m;   /* borrowed */
	uint64_t gen;            /* model generation when last used */
	size_t checked;          /* model_func_at(0 .. checked-1) are decided */
	struct idset match;      /* addresses of the matching struct mfunc */
};

struct search {
	char *q;                 /* owned */
	size_t qlen;
	bool fold;               /* no upper-case letter in the query */
	bool ascii;              /* the query is all ASCII: the byte loop suffices */
	uint32_t *qcp;           /* owned: the query's code points, folded (fold only) */
	size_t nqcp;
	struct exc_cache *cache; /* owned; mutable behind the const API */
	struct fn_cache *fns;    /* owned; likewise */
};

static size_t id_hash(node_id id)
{
	uint64_t h = id * 0x9E3779B97F4A7C15u;
	return (size_t)(h ^ (h >> 29));
}

static bool idset_has(const struct idset *s, node_id id)
{
	if (!s->cap)
		return false;
	for (size_t i = id_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == id)
			return true;
		if (!s->v[i])
			return false;
	}
}

static bool idset_add(struct idset *s, node_id id)
{
	if (!id || idset_has(s, id))
		return true;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		node_id *nv = calloc(ncap, sizeof(*nv));
		if (!nv)
			return false;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			size_t j = id_hash(s->v[i]) & (ncap - 1);
			while (nv[j])
				j = (j + 1) & (ncap - 1);
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	size_t j = id_hash(id) & (s->cap - 1);
	while (s->v[j])
		j = (j + 1) & (s->cap - 1);
	s->v[j] = id;
	s->n++;
	return true;
}

/* Case folding for smart case.  Not the user's locale: the same query must
 * find the same names whatever LANG says, so C.UTF-8's tables (glibc has
 * them built in), or the current locale's if that is missing. */
static locale_t fold_locale(void)
{
	static locale_t loc;
	static bool tried;
	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

/* One code point from s (at most `n` bytes, n > 0), its length in *len.
 * A byte that does not start a valid sequence (bad, overlong, surrogate,
 * cut short) is its own code point, 0x110000 + byte: matched only by
 * itself, never folded. */
static uint32_t utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char b = s[0];
	uint32_t cp, min;
	size_t k;
	if (b < 0x80) {
		*len = 1;
		return b;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		k = 2, cp = b & 0x1F, min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		k = 3, cp = b & 0x0F, min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		k = 4, cp = b & 0x07, min = 0x10000;
	} else {
		*len = 1;
		return 0x110000u + b;
	}
	if (k > n)
		goto bad;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		goto bad;
	*len = k;
	return cp;
bad:
	*len = 1;
	return 0x110000u + b;
}

static size_t utf8_length_of(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* The lower case of cp when it encodes in as many bytes as cp: a match
 * then spans as many bytes as the query, which the highlighting relies
 * on.  The few pairs that differ in length (U+0130 and i, U+1E9E and
 * U+00DF, the Kelvin sign and k) compare as they are. */
static uint32_t fold_cp(uint32_t cp)
{
	if (cp < 0x80)
		return (uint32_t)tolower((int)cp);
	if (cp > 0x10FFFF)
		return cp;
	locale_t loc = fold_locale();
	uint32_t lo = (uint32_t)(loc ? towlower_l((wint_t)cp, loc) : towlower((wint_t)cp));
	return utf8_length_of(lo) == utf8_length_of(cp) ? lo : cp;
}

static bool cp_is_upper(uint32_t cp)
{
	if (cp < 0x80)
		return isupper((int)cp);
	if (cp > 0x10FFFF)
		return false;
	locale_t loc = fold_locale();
	return loc ? iswupper_l((wint_t)cp, loc) : iswupper((wint_t)cp);
}

struct search *search_create(const char *query)
{
	if (!query || !*query)
		return NULL;
	struct search *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->q = strdup(query);
	s->cache = calloc(1, sizeof(*s->cache));
	s->fns = calloc(1, sizeof(*s->fns));
	s->qlen = strlen(query);
	s->qcp = calloc(s->qlen, sizeof(*s->qcp));
	if (!s->q || !s->cache || !s->fns || !s->qcp) {
		search_free(s);
		return NULL;
	}
	s->fold = true;
	s->ascii = true;
	for (size_t i = 0, len; i < s->qlen; i += len) {
		uint32_t cp = utf8_decode((const unsigned char *)query + i, s->qlen - i, &len);
		if (cp >= 0x80)
			s->ascii = false;
		if (cp_is_upper(cp))
			s->fold = false;
		s->qcp[s->nqcp++] = cp;
	}
	for (size_t i = 0; i < s->nqcp; i++)
		s->qcp[i] = fold_cp(s->qcp[i]);
	return s;
}

void search_free(struct search *s)
{
	if (!s)
		return;
	if (s->cache)
		free(s->cache->ids.v);
	free(s->cache);
	if (s->fns)
		free(s->fns->match.v);
	free(s->fns);
	free(s->qcp);
	free(s->q);
	free(s);
}

const char *search_query(const struct search *s)
{
	return s ? s->q : NULL;
}

/* Whether the folded query matches at t (which has n bytes left). */
static bool folded_match_at(const struct search *s, const unsigned char *t, size_t n)
{
	for (size_t i = 0, len; i < s->nqcp; i++, t += len, n -= len) {
		if (!n || fold_cp(utf8_decode(t, n, &len)) != s->qcp[i])
			return false;
	}
	return true;
}

long search_find_in(const struct search *s, const char *text)
{
	if (!s || !text)
		return -1;
	if (!s->fold) {
		const char *p = strstr(text, s->q);
		return p ? (long)(p - text) : -1;
	}
	if (s->ascii) {
		/* Bytes of multi-byte sequences never equal ASCII after tolower. */
		for (const char *t = text; *t; t++) {
			size_t i = 0;
			while (i < s->qlen && t[i] &&
			       tolower((unsigned char)t[i]) == tolower((unsigned char)s->q[i]))
				i++;
			if (i == s->qlen)
				return (long)(t - text);
		}
		return -1;
	}
	size_t n = strlen(text);
	for (size_t at = 0, len; at < n; at += len) {
		if (folded_match_at(s, (const unsigned char *)text + at, n - at))
			return (long)at;
		utf8_decode((const unsigned char *)text + at, n - at, &len);
	}
	return -1;
}

static const struct idset *exc_ids(const struct search *s, const struct model *m)
{
	struct exc_cache *c = s->cache;
	if (c->m == m && c->gen == model_generation(m))
		return &c->ids;
	free(c->ids.v);
	c->ids = (struct idset){ 0 };
	c->m = m;
	c->gen = model_generation(m);
	size_t n = model_exception_count(m);
	for (size_t i = 0; i < n; i++) {
		const struct mexception *e = model_exception_at(m, i);
		if (search_find_in(s, e->type) >= 0 || search_find_in(s, e->msg) >= 0 ||
		    (e->signal && search_find_in(s, e->signal) >= 0)) {
			if (!idset_add(&c->ids, e->call) || !idset_add(&c->ids, e->path)) {
				c->m = NULL;    /* out of memory: rebuild next time */
				break;
			}
		}
	}
	return &c->ids;
}

static bool fn_matches(const struct search *s, const struct model *m, const struct mfunc *fn)
{
	struct fn_cache *c = s->fns;
	uint64_t gen = model_generation(m);
	/* A generation going back means a new model at the same address. */
	if (c->m != m || gen < c->gen) {
		free(c->match.v);
		*c = (struct fn_cache){ .m = m };
	}
	c->gen = gen;
	size_t n = model_func_count(m);
	for (; c->checked < n; c->checked++) {
		const struct mfunc *f = model_func_at(m, c->checked);
		if (search_find_in(s, f->name) >= 0 && !idset_add(&c->match, (uintptr_t)f)) {
			c->m = NULL;            /* out of memory: start again next time */
			return search_find_in(s, fn->name) >= 0;
		}
	}
	return idset_has(&c->match, (uintptr_t)fn);
}

bool search_node_matches(const struct search *s, const struct model *m,
			 const struct mnode *node)
{
	if (!s || !node)
		return false;
	switch (mnode_kind(node)) {
	case MN_PROCESS:
		return search_find_in(s, ((const struct mprocess *)node)->prog) >= 0;
	case MN_THREAD: {
		const struct mthread *t = (const struct mthread *)node;
		return t->name && search_find_in(s, t->name) >= 0;
	}
	case MN_PATH: {
		const struct mpath *p = (const struct mpath *)node;
		if (fn_matches(s, m, p->fn))
			return true;
		return p->exceptions && idset_has(exc_ids(s, m), node->id);
	}
	case MN_CALL: {
		const struct mcall *c = (const struct mcall *)node;
		if (fn_matches(s, m, c->path->fn))
			return true;
		return c->has_exception && idset_has(exc_ids(s, m), node->id);
	}
	}
	return false;
}

size_t search_collect(const struct search *s, const struct model *m,
		      enum model_view view, node_id *out, size_t max)
{
	if (!s)
		return 0;
	size_t found = 0;
	for (const struct mnode *n = model_next_preorder(m, view, NULL, NULL); n;
	     n = model_next_preorder(m, view, n, NULL)) {
		if (search_node_matches(s, m, n)) {
			if (found < max)
				out[found] = n->id;
			found++;
		}
	}
	return found;
}
