/* lib_wake.c - a traced program for tests/test_lib_wire.c, linked with the
 * static library so that it can read the flusher's counters (internal.h).
 *
 *   bursts R N   R times: waits until the flusher sleeps (it found every
 *                ring empty), then makes N x (mid -> leaf) at once: more
 *                events than a ring holds, so that in lossless mode the
 *                thread waits for room while the flusher sleeps.  Then
 *                writes `ring_waits=W missed=M` on stderr: M counts the
 *                flusher's sleeps that ran to their timeout while the
 *                thread waited (lost wake-ups).
 */
#include <config.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static volatile unsigned sink;

static void __attribute__((noinline)) leaf(int i)
{
	PT_TRACE();
	sink += (unsigned)i;
}

static void __attribute__((noinline)) mid(int i)
{
	PT_TRACE();
	leaf(i);
}

/* Until the flusher sleeps; 0 when it did not within 10 s. */
static int flusher_asleep(void)
{
	struct timespec d = { 0, 200000 };

	for (int i = 0; i < 50000; i++) {
		if (atomic_load(&ptp_g.fl_asleep))
			return 1;
		nanosleep(&d, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 2 ? atol(argv[2]) : 10;
	long n = argc > 3 ? atol(argv[3]) : 10000;

	if (argc < 2 || strcmp(argv[1], "bursts") != 0) {
		fprintf(stderr, "usage: lib_wake bursts ROUNDS CALLS\n");
		return 2;
	}
	PT_TRACE();
	for (long r = 0; r < rounds; r++) {
		if (!flusher_asleep()) {
			fprintf(stderr, "lib_wake: the flusher never slept\n");
			return 1;
		}
		for (long i = 0; i < n; i++)
			mid((int)i);
	}
	pt_flush();
	fprintf(stderr, "ring_waits=%u missed=%u\n", atomic_load(&ptp_g.ring_waits),
		atomic_load(&ptp_g.fl_missed));
	return 0;
}
