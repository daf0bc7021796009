/* threads.c - named threads in two processes, all in one trace.
 *
 * Each thread names itself with pt_thread_name(); after fork() the child
 * process traces on under its own pid.  The monitor groups the calls by
 * process, then by thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pipetrace.h>

static void step(int n)
{
	PT_TRACE();
	struct timespec ts = { 0, 1000000L * (n % 3 + 1) };   /* 1-3 ms */

	nanosleep(&ts, NULL);
}

static void *worker(void *name)
{
	pt_thread_name(name);
	for (int i = 0; i < 5; i++)
		step(i);
	return NULL;
}

static void run_threads(const char *who, int count)
{
	PT_TRACE();
	pthread_t threads[3];
	char names[3][32];
	int started = 0;

	for (int i = 0; i < count && i < 3; i++) {
		snprintf(names[i], sizeof names[i], "%s-worker-%d", who, i + 1);
		if (pthread_create(&threads[started], NULL, worker, names[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

int main(void)
{
	pid_t pid = fork();   /* -1: no child, the parent goes on alone */

	pt_thread_name(pid == 0 ? "child-main" : "parent-main");
	run_threads(pid == 0 ? "child" : "parent", pid == 0 ? 2 : 3);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;   /* the library flushes and says bye at exit */
}
