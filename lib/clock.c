/* clock.c - timestamps.  The hot path stores raw TSC ticks (rdtsc costs
 * about a third of clock_gettime); the consumer converts them into
 * CLOCK_MONOTONIC nanoseconds, the unit of the wire.  A call's duration is
 * converted by the traced thread itself at the exit, with the rate known
 * then (ptp_stats_mult, 32.32 fixed point), so that the exit event and the
 * statistics carry the same figure.  The rate is measured
 * against the clock over an ever longer baseline (from the first sample,
 * taken at start-up, to the latest), and each conversion is anchored at the
 * latest (tsc, clock) pair.
 *
 * Nobody waits for calibration.  A sample pair is off by at most its jitter
 * J (about 10 ns; the tightest of five reads), so a rate measured over a
 * baseline B is off by at most 2J/B, and a span S converted with it by
 * 2J*S/B.  Every converted span - a duration, or a timestamp's distance to
 * the anchor - is kept no longer than the baseline (a timestamp further past
 * the anchor takes a fresh sample first), so even the first events of a
 * process, converted with a rate from a baseline of microseconds, are off
 * by a few J at most, and the rate only gets better as the baseline grows.
 * (The clock itself is slewed by NTP, so over long spans it and any fixed
 * rate part by a few ppm whatever the baseline: calls of 50 ms read 0.1 to
 * 0.5 us longer in the trace than by clock_gettime() around their body,
 * with a 20 ms calibration as without.)
 *
 * The TSC is used only when the kernel itself uses it as its clocksource
 * (then it is invariant and synchronised across CPUs); otherwise raw
 * timestamps are already nanoseconds.
 *
 * Neither clock need advance by one unit: a virtual machine's TSC may move
 * in steps of tens of ticks (26 at 2.59 GHz, 10 ns, on one KVM guest seen),
 * so every duration is a multiple of that step and a call that "took 0 ns"
 * took less than one step.  The step is measured once at start-up and sent
 * in the hello (clock_step) so that a reader can say so.
 */
#include <config.h>

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "stats.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define PTP_HAVE_TSC 1
#else
#define PTP_HAVE_TSC 0
#endif

/* Calibration (written by init and by the consumer under ptp_g.lock). */
static int ptp_use_tsc;
static uint64_t ptp_base_tsc, ptp_base_ns;     /* first sample */
static uint64_t ptp_anchor_tsc, ptp_anchor_ns; /* latest sample */
static double ptp_ns_per_tick;
/* The same rate in 24.40 fixed point, for the consumer's conversion of
 * every event: a multiply and a shift instead of two conversions to and
 * from double (a tenth of the flusher's instructions in lossless mode);
 * 2^-41 ns a tick of rounding is 0.1 ns over a minute's span. */
static uint64_t ptp_mult40;
static uint64_t ptp_step_raw;    /* the raw clock's step, in its own units */
static uint32_t ptp_step_ns;     /* the same in ns, rounded up; 0 = unknown */

uint64_t ptp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ptp_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ptp_clock_raw_slow(void)
{
#if PTP_HAVE_TSC
	if (ptp_use_tsc)
		return __rdtsc();
#endif
	return ptp_mono_ns();
}

#if PTP_HAVE_TSC
/* A (tsc, ns) pair taken as close together as we can manage. */
static void ptp_sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	*tsc = *ns = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = __rdtsc();
		uint64_t n = ptp_mono_ns();
		uint64_t t1 = __rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

static int ptp_kernel_uses_tsc(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strncmp(buf, "tsc\n", 4) == 0;
}
#endif

/* Is every difference within one unit of a multiple of s?  (A virtual TSC
 * read twice within one step may move by 1, and the next step then by one
 * less; clock_gettime's ns are rounded.) */
static int ptp_step_fits(const uint64_t *d, int n, uint64_t s)
{
	for (int i = 0; i < n; i++) {
		uint64_t r = d[i] % s;

		if (r > 1 && r < s - 1)
			return 0;
	}
	return 1;
}

/* The raw clock's step: the largest s (at least 4 units; below that any
 * set of differences fits) that the differences of a few hundred reads,
 * spaced by varying spins so that a fine clock shows many values, are all
 * multiples of within one unit.  1 when no such s; 0 when the clock did
 * not move at all (coarser than the whole measurement).  Some 10 us, once. */
static uint64_t ptp_measure_step(void)
{
	enum { READS = 256 };
	uint64_t d[READS], m = UINT64_MAX;
	volatile unsigned spin = 0;
	int n = 0, k = 0;
	uint64_t prev = ptp_clock_raw_slow();

	for (int i = 0; i < READS; i++) {
		for (unsigned j = 0; j < (unsigned)(i % 8) * 2; j++)
			spin += j;
		uint64_t t = ptp_clock_raw_slow();

		if (t > prev) {
			d[n++] = t - prev;
			if (t - prev >= 2 && t - prev < m)
				m = t - prev;
		}
		prev = t;
	}
	if (n == 0)
		return 0;
	if (m == UINT64_MAX || m > 65536)
		return 1;
	/* A preemption between two reads is no measure of the step. */
	for (int i = 0; i < n; i++)
		if (d[i] <= 16 * m)
			d[k++] = d[i];
	for (uint64_t s = m + 1; s >= 4; s--)
		if (ptp_step_fits(d, k, s))
			return s;
	return 1;
}

/* The step in ns once the raw unit's rate is known. */
static void ptp_step_ns_update(void)
{
	double ns = (double)ptp_step_raw;

	if (ptp_use_tsc)
		ns *= ptp_ns_per_tick;
	else {
		/* A clock that did not move in the measurement, or whose
		 * kernel says it is coarser than it looked. */
		struct timespec res;

		if (clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
		    (double)res.tv_nsec > ns)
			ns = (double)res.tv_nsec;
	}
	if (ns > 0 && ns <= 1e9)
		ptp_step_ns = (uint32_t)ns + ((double)(uint32_t)ns < ns);
}

uint32_t ptp_clock_step_ns(void)
{
	return ptp_step_ns;
}

int ptp_clock_init(int allow_tsc)
{
#if PTP_HAVE_TSC
	ptp_use_tsc = allow_tsc && ptp_kernel_uses_tsc();
	if (ptp_use_tsc) {
		ptp_sample(&ptp_base_tsc, &ptp_base_ns);
		ptp_anchor_tsc = ptp_base_tsc;
		ptp_anchor_ns = ptp_base_ns;
	}
#endif
	ptp_step_raw = ptp_measure_step();
	if (!ptp_use_tsc)
		ptp_step_ns_update();
	/* A first rate now (a baseline of 1 us: within ~2 %), refined by
	 * each of the consumer's passes. */
	if (ptp_g.min_duration)
		ptp_clock_update();
	return ptp_use_tsc;
}

/* PIPETRACE_MIN_DURATION in ticks, for the traced threads' compare. */
static void ptp_min_ticks_update(void)
{
	uint64_t ticks = ptp_g.min_duration;

	if (!ticks)
		return;
	if (ptp_use_tsc && ptp_ns_per_tick > 0)
		ticks = (uint64_t)((double)ticks / ptp_ns_per_tick);
	atomic_store_explicit(&ptp_g.min_ticks, ticks, memory_order_relaxed);
}

void ptp_clock_update(void)
{
#if PTP_HAVE_TSC
	uint64_t tsc, ns;

	if (!ptp_use_tsc) {
		ptp_min_ticks_update();
		return;
	}
	/* A baseline of at least 1 us (a few samples' worth, spun once per
	 * process at most): a rate from a zero baseline is undefined. */
	do
		ptp_sample(&tsc, &ns);
	while (ns - ptp_base_ns < 1000u || tsc <= ptp_base_tsc);
	ptp_ns_per_tick = (double)(ns - ptp_base_ns) / (double)(tsc - ptp_base_tsc);
	ptp_mult40 = (uint64_t)(ptp_ns_per_tick * 1099511627776.0 + 0.5);
	ptp_anchor_tsc = tsc;
	ptp_anchor_ns = ns;
	atomic_store_explicit(&ptp_stats_mult,
			      (uint64_t)(ptp_ns_per_tick * 4294967296.0 + 0.5),
			      memory_order_relaxed);
#endif
	ptp_min_ticks_update();
}

/* The traced threads convert durations to ns from their first call on: a
 * baseline of 20 us makes that rate good to about 0.1% (see the top of the
 * file) until the consumer's passes refine it, a few ms later. */
void ptp_clock_prime(void)
{
#if PTP_HAVE_TSC
	if (!ptp_use_tsc)
		return;
	while (ptp_mono_ns() - ptp_base_ns < 20000u)
		;
	ptp_clock_update();
	ptp_step_ns_update();
#endif
}

static inline uint64_t ptp_ticks_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * ptp_mult40) >> 40);
}

uint64_t ptp_clock_ns(uint64_t raw)
{
	if (!ptp_use_tsc)
		return raw;
	/* Past the anchor by more than the baseline: see the top of the file. */
	if (raw >= ptp_anchor_tsc && raw - ptp_anchor_tsc > ptp_anchor_tsc - ptp_base_tsc)
		ptp_clock_update();
	if (raw >= ptp_anchor_tsc)
		return ptp_anchor_ns + ptp_ticks_ns(raw - ptp_anchor_tsc);
	uint64_t back = ptp_ticks_ns(ptp_anchor_tsc - raw);
	return back < ptp_anchor_ns ? ptp_anchor_ns - back : 0;
}

