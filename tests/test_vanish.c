/* test_vanish.c - a traced process that dies without "bye" is found gone
 * (kill(pid, 0) fails with ESRCH) while the traced command still runs, and
 * the real model marks it vanished with its open call unfinished.
 *
 * The test runs itself as the traced command ("child" argument): it forks
 * a grandchild that sends hello and an enter, then dies without bye; the
 * command then lives on for a few seconds so the check has time to run. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest.h"
#include "model.h"

static char self[4096];

static int run_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		FILE *f = fopen(getenv("PIPETRACE_FIFO"), "w");
		if (!f)
			_exit(1);
		int me = (int)getpid();
		fprintf(f, "{\"ev\":\"hello\",\"ts\":1,\"pid\":%d,\"v\":1,\"prog\":\"doomed\"}\n"
			"{\"ev\":\"enter\",\"ts\":2,\"pid\":%d,\"tid\":%d,\"seq\":1,\"depth\":0,"
			"\"fn\":\"never_returns\"}\n", me, me, me);
		fclose(f);
		_exit(0);        /* no bye */
	}
	waitpid(pid, NULL, 0);
	sleep(10);       /* ended early by ingest_free once the test saw enough */
	return 0;
}

static const struct mprocess *find_prog(const struct model *m, const char *prog)
{
	for (const struct mnode *n = model_first_child(m, VIEW_CALLS, NULL); n;
	     n = model_next_sibling(m, VIEW_CALLS, n)) {
		const struct mprocess *p = (const struct mprocess *)n;
		if (p->prog && !strcmp(p->prog, prog))
			return p;
	}
	return NULL;
}

static void test_vanished(void **state)
{
	(void)state;
	char *cmd[] = { self, "child", NULL };
	struct ingest_config cfg = { .cmd = cmd };
	struct model *m = model_create(NULL);
	char err[512];
	struct ingest *ing = ingest_create(&cfg, m, err, sizeof err);

	if (!ing)
		fail_msg("%s", err);
	const struct ingest_status *st = ingest_get_status(ing);
	const struct mprocess *p = NULL;
	/* bounded: the command lives up to 10 s; the check needs two rounds 1 s apart */
	for (int i = 0; i < 1500 && !st->input_ended; i++) {
		struct pollfd fds[2];
		int n = ingest_pollfds(ing, fds, 2);
		poll(fds, (nfds_t)n, 10);
		ingest_step(ing, 1000);
		p = find_prog(m, "doomed");
		if (p && p->state == PROC_VANISHED)
			break;
	}
	assert_non_null(p);
	assert_int_equal(p->state, PROC_VANISHED);
	/* seen gone while the traced command was still running */
	assert_false(st->input_ended);
	assert_true(st->child_running);
	const struct mnode *t = model_first_child(m, VIEW_CALLS, &p->node);
	assert_non_null(t);
	const struct mcall *c = (const struct mcall *)model_first_child(m, VIEW_CALLS, t);
	assert_non_null(c);
	assert_int_equal(mnode_kind(&c->node), MN_CALL);
	assert_int_equal(c->state, CALL_UNFINISHED);
	ingest_free(ing);
	model_free(m);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return run_child();
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return 99;
	self[n] = '\0';
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vanished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
