/* demo.c - pipetrace-demo: a simulated request-handling service to watch
 * in pipetrace-tui.
 *
 * The main thread is the dispatcher: it accepts requests at a given rate
 * (random arrivals) and queues them for 4 named worker threads.  A worker
 * authenticates the request, then computes an expression (the recursive
 * parser of demo_parse.c), looks a key up (the cache of demo_auto.c, then a
 * simulated database with long-tailed latency) or builds a report from
 * several queries, and sends the response.  Failures are raised as
 * exceptions of several types at realistic rates.  A forked child process
 * runs a batch job twice a second.
 *
 * Everything is fixed-size: the demo can run for days in flat memory.
 * SIGINT or SIGTERM (or --duration) stops it cleanly: the queue is drained,
 * the workers joined and the child reaped, so every process says bye.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pipetrace.h>

#include "demo.h"

#define NWORKERS 4
#define QUEUE_MAX 64
#define DB_TIMEOUT 0.030            /* seconds */
#define BATCH_INTERVAL_MS 500
#define STATUS_INTERVAL 10.0        /* seconds between status lines */

enum op { OP_CALC, OP_LOOKUP, OP_REPORT };

struct request {
	unsigned long id;
	enum op op;
	char client[24];
	char key[24];
	char expr[192];
};

/* The bounded queue between the dispatcher and the workers. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct request items[QUEUE_MAX];
	unsigned head, count;
	bool closing;
} queue = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.nonempty = PTHREAD_COND_INITIALIZER,
};

static struct {
	unsigned long accepted, ok, failed, rejected;
} stats;

static volatile sig_atomic_t stopping;

/* --- helpers shared with the other files (see demo.h) ------------------ */

void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 4; i++)
		rng_next(r);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 2685821657736338717ull;
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_lognormal(struct rng *r, double median, double sigma)
{
	/* Box-Muller; 1 - u keeps log() away from 0. */
	double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);

	return median * exp(sigma * z);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct timespec to_timespec(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s };

	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

void demo_sleep(double seconds)
{
	if (stopping || seconds <= 0)
		return;
	struct timespec ts = to_timespec(seconds);
	nanosleep(&ts, NULL);
}

void demo_spin(double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end)
		;
}

/* --- the queue ----------------------------------------------------------- */

static bool queue_push(const struct request *req)
{
	bool ok;

	pthread_mutex_lock(&queue.lock);
	ok = queue.count < QUEUE_MAX;
	if (ok) {
		queue.items[(queue.head + queue.count) % QUEUE_MAX] = *req;
		queue.count++;
		pthread_cond_signal(&queue.nonempty);
	}
	pthread_mutex_unlock(&queue.lock);
	return ok;
}

/* Waits for a request; false once the queue is closed and empty. */
static bool queue_pop(struct request *req)
{
	bool ok;

	pthread_mutex_lock(&queue.lock);
	while (queue.count == 0 && !queue.closing)
		pthread_cond_wait(&queue.nonempty, &queue.lock);
	ok = queue.count > 0;
	if (ok) {
		*req = queue.items[queue.head];
		queue.head = (queue.head + 1) % QUEUE_MAX;
		queue.count--;
	}
	pthread_mutex_unlock(&queue.lock);
	return ok;
}

static void queue_close(void)
{
	pthread_mutex_lock(&queue.lock);
	queue.closing = true;
	pthread_cond_broadcast(&queue.nonempty);
	pthread_mutex_unlock(&queue.lock);
}

/* --- the workers ---------------------------------------------------------- */

static bool authenticate(const struct request *req, struct rng *r)
{
	PT_TRACE();
	demo_spin(rng_lognormal(r, 20e-6, 0.5));
	if (rng_uniform(r) < 0.01) {
		pt_exception("PermissionError", "token expired for client %s (request %lu)",
			     req->client, req->id);
		return false;
	}
	return true;
}

static bool db_query(const char *table, struct rng *r, long long *row)
{
	PT_TRACE();
	/* Most queries use an index; a few scan, and some scans time out. */
	double t = rng_uniform(r) < 0.04 ? rng_lognormal(r, 15e-3, 0.7)
					 : rng_lognormal(r, 1.2e-3, 0.6);
	if (t > DB_TIMEOUT) {
		demo_sleep(DB_TIMEOUT);
		pt_exception("TimeoutError", "no answer from db.%s in %.0f ms",
			     table, DB_TIMEOUT * 1e3);
		return false;
	}
	demo_sleep(t);
	*row = (long long)(rng_next(r) % 100000);
	return true;
}

static bool op_calc(const struct request *req, long long *result)
{
	PT_TRACE();
	return expr_evaluate(req->expr, result);
}

static bool op_lookup(const struct request *req, struct rng *r, long long *result)
{
	PT_TRACE();
	if (cache_lookup(req->key, result))
		return true;
	if (!db_query("users", r, result))
		return false;
	cache_store(req->key, *result);
	return true;
}

static void render_report(struct rng *r, int rows)
{
	PT_TRACE();
	demo_spin(rng_lognormal(r, 40e-6 * rows, 0.5));
}

static bool op_report(struct rng *r, long long *result)
{
	PT_TRACE();
	int rows = 2 + (int)(rng_uniform(r) * 4);
	long long sum = 0, row;

	for (int i = 0; i < rows; i++) {
		if (!db_query("orders", r, &row))
			return false;
		sum += row;
	}
	render_report(r, rows);
	*result = sum;
	return true;
}

static bool send_response(const struct request *req, struct rng *r)
{
	PT_TRACE();
	demo_spin(rng_lognormal(r, 30e-6, 0.8));
	if (rng_uniform(r) < 0.005) {
		pt_exception("IOError", "connection reset by %s while sending response %lu",
			     req->client, req->id);
		return false;
	}
	return true;
}

static void handle_request(const struct request *req, struct rng *r)
{
	PT_TRACE();
	long long result = 0;
	bool ok = authenticate(req, r);

	if (ok) {
		switch (req->op) {
		case OP_CALC:
			ok = op_calc(req, &result);
			break;
		case OP_LOOKUP:
			ok = op_lookup(req, r, &result);
			break;
		case OP_REPORT:
			ok = op_report(r, &result);
			break;
		}
	}
	/* Errors are answered too, and sending can fail on its own. */
	ok = send_response(req, r) && ok;
	__atomic_add_fetch(ok ? &stats.ok : &stats.failed, 1, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	int n = (int)(intptr_t)arg;
	char name[16];
	struct rng r;
	struct request req;

	snprintf(name, sizeof name, "worker-%d", n);
	pt_thread_name(name);
	pthread_setname_np(pthread_self(), name);
	rng_seed(&r, (uint64_t)time(NULL) * 7919u + (uint64_t)getpid() * 31u + (uint64_t)n);
	while (queue_pop(&req))
		handle_request(&req, &r);
	return NULL;
}

/* --- the dispatcher -------------------------------------------------------- */

static void accept_request(struct rng *r, unsigned long id, struct request *req)
{
	PT_TRACE();
	double u = rng_uniform(r);

	memset(req, 0, sizeof *req);
	req->id = id;
	req->op = u < 0.45 ? OP_CALC : u < 0.85 ? OP_LOOKUP : OP_REPORT;
	snprintf(req->client, sizeof req->client, "10.0.%u.%u",
		 (unsigned)(rng_next(r) % 8), (unsigned)(rng_next(r) % 250) + 2);
	/* A few hot keys and a long tail of cold ones, so the cache both hits and misses. */
	unsigned key = rng_uniform(r) < 0.6 ? (unsigned)(rng_next(r) % 20)
					     : (unsigned)(rng_next(r) % 5000);
	snprintf(req->key, sizeof req->key, "user:%u", key);
	if (req->op == OP_CALC)
		expr_generate(r, req->expr, sizeof req->expr, 1 + (int)(rng_next(r) % 5));
}

static void dispatch(const struct request *req)
{
	PT_TRACE();
	if (queue_push(req)) {
		stats.accepted++;
		return;
	}
	stats.rejected++;
	pt_exception("OverloadError", "%d requests waiting; request %lu from %s rejected",
		     QUEUE_MAX, req->id, req->client);
}

/* Sleeps until `when` (monotonic seconds) or until the demo stops.  In
 * slices: a signal may be delivered to a thread of the library rather than
 * to this one, and must still end the wait soon. */
static void sleep_until(double when)
{
	while (!stopping) {
		double t = now_s();
		if (t >= when)
			break;
		struct timespec ts = to_timespec(when - t < 0.1 ? when : t + 0.1);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void run_dispatcher(double rate, double duration)
{
	struct rng r;
	struct request req;
	double start = now_s(), next = start, status_at = start + STATUS_INTERVAL;
	double end = duration > 0 ? start + duration : INFINITY;
	unsigned long id = 0;

	rng_seed(&r, (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	while (!stopping) {
		/* Exponential gaps: requests arrive at random, like real ones. */
		next += -log(1.0 - rng_uniform(&r)) / rate;
		double t = now_s();
		if (next < t - 1.0)
			next = t;               /* fell behind: do not burst to catch up */
		if (next >= end) {
			sleep_until(end);
			break;
		}
		sleep_until(next);
		if (stopping)
			break;
		accept_request(&r, ++id, &req);
		dispatch(&req);
		if (next >= status_at) {
			printf("pipetrace-demo: %lu requests, %lu ok, %lu failed, %lu rejected\n",
			       stats.accepted,
			       __atomic_load_n(&stats.ok, __ATOMIC_RELAXED),
			       __atomic_load_n(&stats.failed, __ATOMIC_RELAXED),
			       stats.rejected);
			fflush(stdout);
			status_at += STATUS_INTERVAL;
		}
	}
}

/* --- the batch child --------------------------------------------------------- */

static void run_batch(struct rng *r, unsigned round)
{
	PT_TRACE();
	int nsegments = 4 + (int)(rng_next(r) % 29);
	uint32_t sum = batch_compact(r, nsegments);

	if (rng_uniform(r) < 0.08) {
		pt_exception("IOError", "round %u: no space left on device writing %d segments",
			     round, nsegments);
		return;
	}
	(void)sum;
}

/* The child's main loop: a round every BATCH_INTERVAL_MS until the parent
 * closes the pipe (or dies), or a signal asks it to stop. */
static int batch_main(int parent_fd)
{
	struct rng r;
	struct pollfd pfd = { .fd = parent_fd, .events = POLLIN };
	char c;

	pt_thread_name("batch");
	rng_seed(&r, (uint64_t)time(NULL) ^ (uint64_t)getpid());
	for (unsigned round = 1; !stopping; round++) {
		run_batch(&r, round);
		int n = poll(&pfd, 1, BATCH_INTERVAL_MS);
		if (n > 0 && read(parent_fd, &c, 1) <= 0)
			break;
	}
	close(parent_fd);
	return 0;
}

/* Forks the batch child; *to_child is the pipe whose closing stops it. */
static pid_t start_batch_child(int *to_child)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("pipetrace-demo: pipe");
		return -1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("pipetrace-demo: fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		exit(batch_main(fds[0]));  /* exit, not _exit: the library says bye */
	}
	close(fds[0]);
	*to_child = fds[1];
	return pid;
}

/* --- main ------------------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *out)
{
	fputs("Usage: pipetrace-demo [--rate N] [--duration SECONDS]\n"
	      "A simulated request-handling service traced with libpipetrace: a dispatcher,\n"
	      "4 worker threads and a batch child process.  Watch it with\n"
	      "  pipetrace-tui -- pipetrace-demo\n"
	      "\n"
	      "  -r, --rate N            requests per second (default 200)\n"
	      "  -d, --duration SECONDS  stop after this long (default: until Ctrl-C)\n"
	      "  -h, --help              show this help\n", out);
}

static bool parse_positive(const char *arg, double max, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double rate = 200, duration = 0;
	int c;

	while ((c = getopt_long(argc, argv, "r:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!parse_positive(optarg, 1e6, &rate)) {
				fprintf(stderr, "pipetrace-demo: --rate wants a number in (0, 1000000], not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			if (!parse_positive(optarg, 1e9, &duration)) {
				fprintf(stderr, "pipetrace-demo: --duration wants a positive number of seconds, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pipetrace-demo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART: sleeps wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	printf("pipetrace-demo: pid %d, %d workers, %g requests/s%s\n", (int)getpid(),
	       NWORKERS, rate, duration > 0 ? "" : "; Ctrl-C stops");
	int to_child = -1;
	pid_t child = start_batch_child(&to_child);

	pt_thread_name("dispatcher");
	/* Workers never take SIGINT/SIGTERM: the dispatcher (or a library thread)
	 * does, and the dispatcher notices within 100 ms. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_t workers[NWORKERS];
	int started = 0;
	for (int i = 0; i < NWORKERS; i++) {
		int err = pthread_create(&workers[i], NULL, worker_main, (void *)(intptr_t)(i + 1));
		if (err) {
			fprintf(stderr, "pipetrace-demo: pthread_create: %s\n", strerror(err));
			stopping = 1;
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (!stopping)
		run_dispatcher(rate, duration);

	queue_close();
	for (int i = 0; i < started; i++)
		pthread_join(workers[i], NULL);
	int status = 0, exit_code = 0;
	if (child > 0) {
		close(to_child);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "pipetrace-demo: batch child ended badly (status 0x%x)\n", status);
			exit_code = 1;
		}
	}
	printf("pipetrace-demo: %lu requests, %lu ok, %lu failed, %lu rejected\n",
	       stats.accepted, stats.ok, stats.failed, stats.rejected);
	return exit_code;
}
