/* demo_auto.c - the part of pipetrace-demo traced with no tracing code.
 *
 * demo/local.mk builds this file alone with -finstrument-functions, so every
 * function in it, the static ones included, appears in the trace under its
 * own name: the result cache the workers consult and the batch job of the
 * child process (a checksum tree over data segments).
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

/* The cache: fixed size, so the demo's memory stays flat however long it
 * runs; a colliding key simply replaces the old one. */
#define CACHE_SLOTS 128
#define CACHE_KEY_MAX 32

struct cache_slot {
	bool used;
	char key[CACHE_KEY_MAX];
	long long value;
};

static struct cache_slot cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a: small and good enough to spread short keys. */
static uint32_t hash_key(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

static struct cache_slot *slot_for(const char *key)
{
	return &cache[hash_key(key) % CACHE_SLOTS];
}

bool cache_lookup(const char *key, long long *value)
{
	bool hit;

	pthread_mutex_lock(&cache_lock);
	struct cache_slot *s = slot_for(key);
	hit = s->used && strncmp(s->key, key, CACHE_KEY_MAX) == 0;
	if (hit)
		*value = s->value;
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

void cache_store(const char *key, long long value)
{
	pthread_mutex_lock(&cache_lock);
	struct cache_slot *s = slot_for(key);
	s->used = true;
	snprintf(s->key, sizeof s->key, "%s", key);
	s->value = value;
	pthread_mutex_unlock(&cache_lock);
}

/* The batch job: segments of pseudo-random records, checksummed as a
 * binary tree (a recursive walk of depth log2(segments)). */
#define SEGMENT_WORDS 512
#define MAX_SEGMENTS 32

struct segment {
	uint32_t words[SEGMENT_WORDS];
};

static struct segment segments[MAX_SEGMENTS];

static void fill_segment(struct segment *seg, struct rng *r)
{
	for (int i = 0; i < SEGMENT_WORDS; i++)
		seg->words[i] = (uint32_t)rng_next(r);
}

static uint32_t checksum_segment(const struct segment *seg)
{
	uint32_t a = 1, b = 0;

	/* Adler-style running sums: cheap, order-sensitive. */
	for (int i = 0; i < SEGMENT_WORDS; i++) {
		a = (a + seg->words[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	return (b << 16) | a;
}

static uint32_t combine(uint32_t left, uint32_t right)
{
	return (left * 31u) ^ (right + 0x9e3779b9u + (left << 6) + (left >> 2));
}

static uint32_t checksum_tree(int lo, int hi)
{
	if (hi - lo == 1)
		return checksum_segment(&segments[lo]);
	int mid = lo + (hi - lo) / 2;
	return combine(checksum_tree(lo, mid), checksum_tree(mid, hi));
}

uint32_t batch_compact(struct rng *r, int nsegments)
{
	if (nsegments < 1)
		nsegments = 1;
	if (nsegments > MAX_SEGMENTS)
		nsegments = MAX_SEGMENTS;
	for (int i = 0; i < nsegments; i++)
		fill_segment(&segments[i], r);
	return checksum_tree(0, nsegments);
}
