/* crash.c - a segfault caught with the stack of calls that led to it.
 *
 * pt_catch_signals() (or PIPETRACE_SIGNALS=1 in the environment) makes a
 * fatal signal send one last "exception" event: the signal's name and the
 * traced calls open at that moment.  The program then dies exactly as it
 * would have (here by SIGSEGV, core dump and all).
 */
#include <stdio.h>

#include <pipetrace.h>

struct config {
	const char *name;
	int *limits;   /* borrowed; NULL when the file had no [limits] section */
};

/* Read through a volatile pointer so the compiler cannot see the NULL. */
static int *volatile missing_section;

static int read_limit(const struct config *cfg, int i)
{
	PT_TRACE();
	return cfg->limits[i];   /* the bug: limits was never checked */
}

static int apply_config(const struct config *cfg)
{
	PT_TRACE();
	int total = 0;

	for (int i = 0; i < 3; i++)
		total += read_limit(cfg, i);
	return total;
}

static int load_config(const char *name)
{
	PT_TRACE();
	struct config cfg = { name, missing_section };

	return apply_config(&cfg);
}

int main(void)
{
	pt_catch_signals();
	printf("limits: %d\n", load_config("server.conf"));
	return 0;
}
