/* bench_interp.c - an interpreter-like workload for `make bench`
 * (tests/bench_real.sh): a tokenizer, a recursive-descent parser and a
 * tree-walking evaluator of arithmetic programs, run again and again.  Many
 * tiny functions, recursion as deep as the expressions nest (~100 frames),
 * millions of calls per second: what a -finstrument-functions build of a
 * real interpreter does to a tracer.
 *
 * Built three ways from this one source: with -finstrument-functions and
 * libpipetrace (bench_interp), plain (bench_interp_plain), and with -pg for
 * `uftrace record` (bench_interp_pg).  Every function is noinline so that
 * all three make the same calls, and counts its calls itself, so that the
 * number of calls is known exactly whatever a tracer delivers.
 *
 * Usage: bench_interp ROUNDS.  Prints one line:
 *   calls=N wall_ns=W cpu_ns=C thread_cpu_ns=T result=R
 * W, C and T are the rounds' wall, process CPU and this (the traced)
 * thread's CPU time, measured here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define FN static __attribute__((noinline))
/* Setting up and timing is not the workload: not traced, not counted. */
#define SETUP __attribute__((no_instrument_function))
/* A function's first statement: the call count (same cost in every build). */
#define COUNT() (ncalls++)

static unsigned long long ncalls;

/* ---- the program text --------------------------------------------------- */

static char src[1 << 16];
static size_t srclen;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

SETUP static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

SETUP static void emit(const char *s)
{
	size_t n = strlen(s);

	if (srclen + n < sizeof src) {
		memcpy(src + srclen, s, n);
		srclen += n;
	}
}

/* An expression nesting up to `depth` parentheses. */
SETUP static void gen_expr(int depth)
{
	static const char *const ops[] = { " + ", " - ", " * ", " / ", " % " };
	int terms = 1 + (int)rnd(3);

	for (int i = 0; i < terms; i++) {
		char num[16];

		if (i)
			emit(ops[rnd(5)]);
		if (depth > 0 && rnd(3) != 0) {
			emit("(");
			gen_expr(depth - 1);
			emit(")");
		} else if (rnd(2)) {
			num[0] = (char)('a' + rnd(26));
			num[1] = 0;
			emit(num);
		} else {
			snprintf(num, sizeof num, "%u", 1 + rnd(999));
			emit(num);
		}
	}
}

SETUP static void gen_program(void)
{
	for (int i = 0; i < 40; i++) {
		char lhs[8];

		snprintf(lhs, sizeof lhs, "%c = ", 'a' + (int)rnd(26));
		emit(lhs);
		gen_expr(3 + (int)rnd(i % 8 == 0 ? 22 : 6));
		emit(";\n");
	}
	src[srclen] = 0;
}

/* ---- tokenizer ------------------------------------------------------------ */

enum tok { T_END, T_NUM, T_VAR, T_OP, T_LPAR, T_RPAR, T_ASSIGN, T_SEMI };

struct lexer {
	const char *p;
	enum tok kind;
	long num;
	char op;
};

FN int is_space(char c) { COUNT(); return c == ' ' || c == '\n' || c == '\t'; }
FN int is_digit(char c) { COUNT(); return c >= '0' && c <= '9'; }
FN int is_alpha(char c) { COUNT(); return c >= 'a' && c <= 'z'; }

FN void skip_space(struct lexer *lx)
{
	COUNT();
	while (is_space(*lx->p))
		lx->p++;
}

FN long read_number(struct lexer *lx)
{
	long v = 0;

	COUNT();
	while (is_digit(*lx->p))
		v = v * 10 + (*lx->p++ - '0');
	return v;
}

FN void next_token(struct lexer *lx)
{
	char c;

	COUNT();
	skip_space(lx);
	c = *lx->p;
	if (!c) {
		lx->kind = T_END;
	} else if (is_digit(c)) {
		lx->kind = T_NUM;
		lx->num = read_number(lx);
	} else if (is_alpha(c)) {
		lx->kind = T_VAR;
		lx->op = c;
		lx->p++;
	} else {
		lx->kind = c == '(' ? T_LPAR : c == ')' ? T_RPAR : c == '=' ? T_ASSIGN
			 : c == ';' ? T_SEMI : T_OP;
		lx->op = c;
		lx->p++;
	}
}

/* ---- parser --------------------------------------------------------------- */

struct node {
	char kind;              /* 'n' number, 'v' variable, else the operator */
	long num;
	struct node *l, *r;
};

static struct node arena[1 << 16];
static size_t used;

FN struct node *new_node(char kind, struct node *l, struct node *r)
{
	struct node *n = &arena[used++ & (sizeof arena / sizeof *arena - 1)];

	COUNT();
	n->kind = kind;
	n->l = l;
	n->r = r;
	n->num = 0;
	return n;
}

FN int accept(struct lexer *lx, enum tok kind)
{
	COUNT();
	if (lx->kind != kind)
		return 0;
	next_token(lx);
	return 1;
}

FN int is_mul_op(const struct lexer *lx)
{
	COUNT();
	return lx->kind == T_OP && (lx->op == '*' || lx->op == '/' || lx->op == '%');
}

FN int is_add_op(const struct lexer *lx)
{
	COUNT();
	return lx->kind == T_OP && (lx->op == '+' || lx->op == '-');
}

FN struct node *parse_expr(struct lexer *lx);

FN struct node *parse_primary(struct lexer *lx)
{
	struct node *n;

	COUNT();
	if (lx->kind == T_NUM) {
		n = new_node('n', NULL, NULL);
		n->num = lx->num;
		next_token(lx);
	} else if (lx->kind == T_VAR) {
		n = new_node('v', NULL, NULL);
		n->num = lx->op - 'a';
		next_token(lx);
	} else if (accept(lx, T_LPAR)) {
		n = parse_expr(lx);
		accept(lx, T_RPAR);
	} else {
		n = new_node('n', NULL, NULL);
		next_token(lx);
	}
	return n;
}

FN struct node *parse_term(struct lexer *lx)
{
	struct node *n;

	COUNT();
	n = parse_primary(lx);
	while (is_mul_op(lx)) {
		char op = lx->op;

		next_token(lx);
		n = new_node(op, n, parse_primary(lx));
	}
	return n;
}

FN struct node *parse_expr(struct lexer *lx)
{
	struct node *n;

	COUNT();
	n = parse_term(lx);
	while (is_add_op(lx)) {
		char op = lx->op;

		next_token(lx);
		n = new_node(op, n, parse_term(lx));
	}
	return n;
}

/* ---- evaluator -------------------------------------------------------------- */

static long vars[26];

FN long lookup(long i) { COUNT(); return vars[i]; }

FN long apply(char op, long a, long b)
{
	COUNT();
	switch (op) {
	case '+': return a + b;
	case '-': return a - b;
	case '*': return (a * b) % 1000003;
	case '/': return b ? a / b : 0;
	default: return b ? a % b : 0;
	}
}

FN long eval(const struct node *n)
{
	COUNT();
	if (n->kind == 'n')
		return n->num;
	if (n->kind == 'v')
		return lookup(n->num);
	return apply(n->kind, eval(n->l), eval(n->r));
}

FN void assign(long var, long v)
{
	COUNT();
	vars[var] = v % 1000003;
}

FN int statement(struct lexer *lx)
{
	long var;

	COUNT();
	if (lx->kind != T_VAR)
		return 0;
	var = lx->op - 'a';
	next_token(lx);
	accept(lx, T_ASSIGN);
	assign(var, eval(parse_expr(lx)));
	accept(lx, T_SEMI);
	return 1;
}

FN long run(void)
{
	struct lexer lx = { src, T_END, 0, 0 };

	COUNT();
	used = 0;
	next_token(&lx);
	while (statement(&lx))
		;
	return vars[0];
}

SETUP static double now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

SETUP int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 100;
	long result = 0;
	double w0, c0, t0;

	gen_program();
	w0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < rounds; i++)
		result += run();
	printf("calls=%llu wall_ns=%.0f cpu_ns=%.0f thread_cpu_ns=%.0f result=%ld\n", ncalls,
	       now_ns(CLOCK_MONOTONIC) - w0, now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0,
	       now_ns(CLOCK_THREAD_CPUTIME_ID) - t0, result);
	return 0;
}
