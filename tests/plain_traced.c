/* plain_traced.c - a small deterministic program traced with PT_TRACE, for
 * the plain-mode end-to-end test (tests/plain-lib.sh): nested calls, a
 * named second thread, an exception, and a chosen exit status. */
#include <pthread.h>
#include <stdio.h>

#include "pipetrace.h"

static int leaf(int i)
{
	PT_TRACE();
	return i * 2;
}

static int parse_token(const char *tok)
{
	PT_TRACE();
	if (tok[0] == 'x') {
		pt_exception("ParseError", "bad token '%s'", tok);
		return -1;
	}
	return leaf(tok[0]);
}

static int outer(int n)
{
	PT_TRACE();
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += leaf(i);
	return sum + parse_token("a") + parse_token("x\x1b[31m");
}

static void *worker(void *arg)
{
	(void)arg;
	pt_thread_name("plain-worker");
	PT_TRACE_NAMED("worker_body");
	leaf(1);
	return NULL;
}

int main(void)
{
	pthread_t t;

	outer(3);
	if (pthread_create(&t, NULL, worker, NULL) == 0)
		pthread_join(t, NULL);
	printf("done\n");
	return 5;
}
