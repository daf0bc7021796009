/* demo.h - what the source files of pipetrace-demo share.
 *
 * demo.c        the service: options, dispatcher, workers, the batch child
 * demo_parse.c  a recursive expression parser (traced with PT_TRACE)
 * demo_auto.c   a cache and the batch job, traced by -finstrument-functions
 */
#ifndef PT_DEMO_H
#define PT_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small per-thread random generator (xorshift64*): rand() would share
 * one hidden state, and its lock, between the workers. */
struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Log-normal around `median` (same unit), spread `sigma`: the long-tailed
 * shape of real service latencies. */
double rng_lognormal(struct rng *r, double median, double sigma);
/* Sleeps `seconds`; returns early if the demo is stopping. */
void demo_sleep(double seconds);
/* Burns about `seconds` of CPU time, like real work would. */
void demo_spin(double seconds);

/* demo_parse.c */

/* Writes a random arithmetic expression of nesting up to `max_depth` into
 * buf; now and then a malformed one, as real clients send. */
void expr_generate(struct rng *r, char *buf, size_t size, int max_depth);
/* Evaluates `text`.  On bad syntax, division by zero or overflow it raises
 * the matching exception with pt_exception and returns false. */
bool expr_evaluate(const char *text, long long *value);

/* demo_auto.c (built with -finstrument-functions: no tracing code) */

/* A fixed-size cache shared by the workers; lookups of absent keys miss. */
bool cache_lookup(const char *key, long long *value);
void cache_store(const char *key, long long value);
/* One round of the child's batch job: builds and checksums `nsegments`
 * segments.  Returns the checksum. */
uint32_t batch_compact(struct rng *r, int nsegments);

#endif /* PT_DEMO_H */
