/* filter.c - PIPETRACE_FILTER: which calls are traced, by the name of the
 * function, decided once per call site or function address and cached.
 *
 * The patterns are fnmatch(3) globs on the name as the wire shows it (a
 * site's name, an address's symbol, demangled), like uftrace -F/-N: with
 * any include pattern, only the calls of a matching function and what they
 * call are traced; a call matching an exclude pattern ("-glob") is not
 * traced, nor anything it calls, and exclusion wins.  capture.c applies
 * the decisions to the calls; this file only names and matches.
 */
#include <config.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Longest PIPETRACE_FILTER taken: it travels in hello, one line. */
#define PTP_FILTER_MAX 1024

struct ptp_pattern {
	const char *glob;       /* points into ptp_spec */
	int exclude;
};

static char *ptp_spec;                  /* owned: the patterns, cut apart */
static struct ptp_pattern *ptp_pats;    /* owned */
static size_t ptp_npats;

struct ptp_amap ptp_filter_cache;

/* A glob fnmatch would read other than as written: an unclosed bracket. */
static int ptp_glob_ok(const char *g)
{
	for (; *g; g++) {
		if (*g == '\\' && g[1]) {
			g++;
		} else if (*g == '[') {
			const char *q = g + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			q = strchr(q, ']');
			if (!q)
				return 0;
			g = q;
		}
	}
	return 1;
}

static void ptp_filter_bad(const char *v, const char *why)
{
	fprintf(stderr, "pipetrace: PIPETRACE_FILTER \"%s\": %s; tracing every "
		"function\n", v, why);
}

/* Parses the patterns; 0 when there are none to apply. */
static int ptp_filter_parse(const char *v)
{
	size_t n = 1, k = 0;
	char *p, *item, *save = NULL;
	int incl = 0;

	if (strlen(v) > PTP_FILTER_MAX) {
		ptp_filter_bad(v, "longer than 1024 bytes");
		return 0;
	}
	for (const char *c = v; *c; c++)
		n += *c == ',';
	/* An empty item (",," or a comma at an end) is a typo, not a pattern:
	 * strtok would skip it silently. */
	for (const char *c = v;; c = p + 1) {
		p = strchr(c, ',');
		size_t len = p ? (size_t)(p - c) : strlen(c);

		while (len && (*c == ' ' || *c == '\t'))
			c++, len--;
		while (len && (c[len - 1] == ' ' || c[len - 1] == '\t'))
			len--;
		if (len == 0 || (len == 1 && *c == '-')) {
			ptp_filter_bad(v, "empty pattern");
			return 0;
		}
		if (!p)
			break;
	}
	ptp_spec = strdup(v);
	ptp_pats = calloc(n, sizeof *ptp_pats);
	if (!ptp_spec || !ptp_pats) {
		ptp_filter_bad(v, "out of memory");
		return 0;
	}
	for (item = strtok_r(ptp_spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *end;

		while (*item == ' ' || *item == '\t')
			item++;
		end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		ptp_pats[k].exclude = *item == '-';
		ptp_pats[k].glob = item + ptp_pats[k].exclude;
		if (!ptp_glob_ok(ptp_pats[k].glob)) {
			ptp_filter_bad(v, "a '[' without its ']'");
			return 0;
		}
		incl |= !ptp_pats[k].exclude;
		ptp_g.filter_excl |= ptp_pats[k].exclude;
		k++;
	}
	ptp_npats = k;
	ptp_g.filter_incl = incl;
	return 1;
}

int ptp_filter_init(void)
{
	const char *v = getenv("PIPETRACE_FILTER");

	if (!v || !*v)
		return 0;       /* set empty: no filter, as if unset */
	if (!ptp_filter_parse(v)) {
		free(ptp_pats);
		free(ptp_spec);
		ptp_pats = NULL;
		ptp_spec = NULL;
		ptp_npats = 0;
		ptp_g.filter_incl = 0;
		ptp_g.filter_excl = 0;
		return 0;
	}
	ptp_g.filter = v;
	return 1;
}

static unsigned ptp_filter_match(const char *name)
{
	unsigned v = PTP_FD_NONE;

	for (size_t i = 0; i < ptp_npats; i++) {
		if (fnmatch(ptp_pats[i].glob, name, 0) != 0)
			continue;
		if (ptp_pats[i].exclude)
			return PTP_FD_EXCL;
		v = PTP_FD_INCL;
	}
	return v;
}

/* Under ptp_g.lock: the symbol resolvers are the consumer's, not
 * thread-safe, and the cache has one writer at a time. */
unsigned ptp_filter_decide(uintptr_t ref, unsigned is_addr)
{
	unsigned v;

	pthread_mutex_lock(&ptp_g.lock);
	v = (unsigned)ptp_amap_get(&ptp_filter_cache, ref);
	if (!v) {
		const char *name = is_addr ? ptp_addr_name(ref)
					   : ((const pt_site_t *)ref)->fn;

		v = ptp_filter_match(name ? name : "?");
		/* Out of memory: decided again next time. */
		ptp_amap_put(&ptp_filter_cache, ref, v);
	}
	pthread_mutex_unlock(&ptp_g.lock);
	return v;
}
