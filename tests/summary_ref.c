/* summary_ref.c - the differential check of --summary: computes the
 * per-function figures from a recording on its own (jansson for the lines,
 * its own call stacks; nothing of the monitor's parser or model) and
 * compares them with the table pipetrace-tui printed for that recording.
 *
 *   tests/summary_ref RECORDING SUMMARY
 *
 * The figures, as the monitor documents them:
 *   calls      finished calls (exits);
 *   total      inclusive time of the outermost calls of the function on
 *              each thread: a call inside an open call of the same
 *              function adds nothing;
 *   self       a call's duration less those of the calls it made;
 *   exc        exception events naming the function.
 * The recording must be whole (a lossless run): any lost event, exit
 * without its enter or call left open makes this tool give up (status 2)
 * rather than guess.  Calls left by a longjmp (an outer call's exit while
 * they are open) have no duration: they count nowhere, and the time of
 * their finished callees is not their caller's own.
 *
 * The table prints durations to three significant digits: a figure
 * matches when the exact value rounds to what was printed.  Exit status 0
 * when every function matches, 1 otherwise, each difference on stderr. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fn {
	char *name;
	uint64_t calls, total, self, exc;
	int seen_in_table;
};

struct open_call {
	int fn;
	long long depth;
	uint64_t child;
};

struct thread {
	long long pid, tid, last_seq;
	struct open_call *stack;
	size_t n, cap;
};

static struct fn *fns;
static size_t nfns;
static struct thread *threads;
static size_t nthreads;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("summary_ref: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static int fn_index(const char *name)
{
	for (size_t i = 0; i < nfns; i++)
		if (!strcmp(fns[i].name, name))
			return (int)i;
	fns = xrealloc(fns, (nfns + 1) * sizeof(*fns));
	memset(&fns[nfns], 0, sizeof(*fns));
	fns[nfns].name = strdup(name);
	return (int)nfns++;
}

static struct thread *thread_of(long long pid, long long tid)
{
	for (size_t i = 0; i < nthreads; i++)
		if (threads[i].pid == pid && threads[i].tid == tid)
			return &threads[i];
	threads = xrealloc(threads, (nthreads + 1) * sizeof(*threads));
	memset(&threads[nthreads], 0, sizeof(*threads));
	threads[nthreads].pid = pid;
	threads[nthreads].tid = tid;
	return &threads[nthreads++];
}

static void give_up(long line, const char *why)
{
	fprintf(stderr, "summary_ref: line %ld: %s: not a whole recording\n", line, why);
	exit(2);
}

static void read_recording(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	long line = 0;

	if (!f) {
		perror(path);
		exit(2);
	}
	while (getline(&buf, &cap, f) > 0) {
		json_error_t err;
		json_t *o = json_loads(buf, 0, &err);

		line++;
		if (!o)
			give_up(line, err.text);
		const char *ev = json_string_value(json_object_get(o, "ev"));
		const char *name = json_string_value(json_object_get(o, "fn"));
		long long pid = json_integer_value(json_object_get(o, "pid"));
		long long tid = json_integer_value(json_object_get(o, "tid"));
		long long depth = json_integer_value(json_object_get(o, "depth"));
		long long seq = json_integer_value(json_object_get(o, "seq"));

		if (!ev)
			give_up(line, "no ev");
		if (!strcmp(ev, "drop"))
			give_up(line, "events dropped");
		if (strcmp(ev, "enter") && strcmp(ev, "exit") && strcmp(ev, "exception")) {
			json_decref(o);
			continue;
		}
		struct thread *t = thread_of(pid, tid);
		if (seq != t->last_seq + 1)
			give_up(line, "a gap in seq");
		t->last_seq = seq;
		if (!name)
			give_up(line, "no fn");
		if (!strcmp(ev, "exception")) {
			fns[fn_index(name)].exc++;
		} else if (!strcmp(ev, "enter")) {
			if (t->n && t->stack[t->n - 1].depth != depth - 1)
				give_up(line, "an enter at an unexpected depth");
			if (!t->n && depth != 0)
				give_up(line, "a first enter deeper than 0");
			if (t->n == t->cap) {
				t->cap = t->cap ? 2 * t->cap : 64;
				t->stack = xrealloc(t->stack, t->cap * sizeof(*t->stack));
			}
			t->stack[t->n++] = (struct open_call){ fn_index(name), depth, 0 };
		} else {
			uint64_t dur = (uint64_t)json_integer_value(json_object_get(o, "dur"));
			uint64_t known = 0;

			/* calls left by a longjmp */
			while (t->n && t->stack[t->n - 1].depth > depth)
				known += t->stack[--t->n].child;
			if (!t->n || t->stack[t->n - 1].depth != depth ||
			    strcmp(fns[t->stack[t->n - 1].fn].name, name))
				give_up(line, "an exit without its enter");
			struct open_call c = t->stack[--t->n];
			struct fn *fc = &fns[c.fn];
			int nested = 0;

			for (size_t i = 0; i < t->n; i++)
				nested |= t->stack[i].fn == c.fn;
			fc->calls++;
			if (!nested)
				fc->total += dur;
			c.child += known;
			fc->self += dur > c.child ? dur - c.child : 0;
			if (t->n)
				t->stack[t->n - 1].child += dur;
		}
		json_decref(o);
	}
	free(buf);
	fclose(f);
	for (size_t i = 0; i < nthreads; i++)
		if (threads[i].n)
			give_up(line, "calls still open at the end");
}

/* "1.46 s" -> the value in ns and half a unit of its last digit. */
static int parse_dur(const char *num, const char *unit, double *ns, double *tol)
{
	static const struct { const char *u; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *dot = strchr(num, '.');
	int decimals = dot ? (int)strlen(dot + 1) : 0;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].u)) {
			*ns = atof(num) * units[i].ns;
			*tol = 0.5 * pow(10, -decimals) * units[i].ns + 0.5;
			return 1;
		}
	}
	return 0;
}

static int check_dur(const char *fname, const char *what, const char *num, const char *unit,
		     uint64_t want)
{
	double ns, tol;

	if (!strcmp(num, "-")) {
		/* no finished call: nothing to print, nothing computed */
		if (want) {
			fprintf(stderr, "%s: %s printed -, computed %llu ns\n", fname, what,
				(unsigned long long)want);
			return 0;
		}
		return 1;
	}

	if (!parse_dur(num, unit, &ns, &tol)) {
		fprintf(stderr, "%s: %s: cannot read \"%s %s\"\n", fname, what, num, unit);
		return 0;
	}
	if (fabs(ns - (double)want) > tol) {
		fprintf(stderr, "%s: %s printed %s %s, computed %llu ns\n", fname, what, num, unit,
			(unsigned long long)want);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: summary_ref RECORDING SUMMARY\n", stderr);
		return 2;
	}
	read_recording(argv[1]);

	FILE *f = fopen(argv[2], "r");
	char *buf = NULL;
	size_t cap = 0;
	int in_table = 0, good = 1, rows = 0, has_self = 0;

	if (!f) {
		perror(argv[2]);
		return 2;
	}
	while (getline(&buf, &cap, f) > 0) {
		buf[strcspn(buf, "\n")] = 0;
		if (!in_table) {
			in_table = !strncmp(buf, "function ", 9);
			has_self = in_table && strstr(buf, " self ");
			continue;
		}
		/* The name takes 40 columns (the names compared here are
		 * ASCII and shorter), then: calls ("N", or "N+M" with M calls
		 * of unknown duration), total, self, avg, p99, max (each
		 * "number unit", or "-" with no call of known duration), exc.
		 * A monitor without the self column has one duration less. */
		if (strlen(buf) < 41 || buf[40] != ' ')
			break;   /* the table ended */
		char *tok[12];
		int nt = 0, ndur = has_self ? 5 : 4;
		char *save = NULL;

		buf[40] = 0;
		tok[nt++] = strtok_r(buf + 41, " ", &save);         /* calls */
		for (int d = 0; d < ndur && tok[0]; d++) {
			char *v = strtok_r(NULL, " ", &save);

			tok[nt++] = v;
			tok[nt++] = v && strcmp(v, "-") ? strtok_r(NULL, " ", &save) : "";
		}
		tok[nt++] = strtok_r(NULL, " ", &save);             /* exc */
		int bad_row = 0;

		for (int i = 0; i < nt; i++)
			bad_row |= !tok[i];
		if (bad_row)
			break;
		size_t len = 40;

		if (!has_self && rows == 0)
			fputs("summary_ref: the table has no self column\n", stderr);
		while (len > 0 && buf[len - 1] == ' ')
			buf[--len] = 0;
		const char *name = buf;
		int i;

		for (i = 0; i < (int)nfns && strcmp(fns[i].name, name); i++)
			;
		if (i == (int)nfns) {
			fprintf(stderr, "%s: in the table, not in the recording\n", name);
			good = 0;
			continue;
		}
		struct fn *fn = &fns[i];
		fn->seen_in_table = 1;
		rows++;
		if (strtoull(tok[0], NULL, 10) != fn->calls) {
			fprintf(stderr, "%s: calls printed %s, computed %llu\n", name, tok[0],
				(unsigned long long)fn->calls);
			good = 0;
		}
		if (strchr(tok[0], '+')) {
			fprintf(stderr, "%s: calls of unknown duration in a whole recording\n", name);
			good = 0;
		}
		if (strtoull(tok[nt - 1], NULL, 10) != fn->exc) {
			fprintf(stderr, "%s: exc printed %s, computed %llu\n", name, tok[nt - 1],
				(unsigned long long)fn->exc);
			good = 0;
		}
		good &= check_dur(name, "total", tok[1], tok[2], fn->total);
		if (has_self)
			good &= check_dur(name, "self", tok[3], tok[4], fn->self);
		else
			good = 0;   /* self time is part of what is checked */
	}
	free(buf);
	fclose(f);
	for (size_t i = 0; i < nfns; i++) {
		if (!fns[i].seen_in_table) {
			fprintf(stderr, "%s: in the recording, not in the table\n", fns[i].name);
			good = 0;
		}
	}
	printf("summary_ref: %d functions compared, %s\n", rows, good ? "all match" : "DIFFERENCES");
	return good ? 0 : 1;
}
