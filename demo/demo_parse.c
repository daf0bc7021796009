/* demo_parse.c - the recursive part of pipetrace-demo: a recursive-descent
 * parser and evaluator for arithmetic expressions sent by the "clients".
 *
 * Each grammar rule is a traced function, so nested parentheses show up as
 * a deep call tree (expr -> term -> factor -> expr ...), and bad input
 * raises ValueError, ZeroDivisionError or OverflowError where it is found.
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := number | '(' expr ')' | '-' factor
 */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <pipetrace.h>

#include "demo.h"

/* Deeper than any generated expression; stops a runaway recursion on
 * hostile input. */
#define PARSE_MAX_DEPTH 64

struct parser {
	const char *text;   /* whole expression, for messages (borrowed) */
	const char *pos;    /* next character to read (borrowed, into text) */
	int depth;
};

static bool parse_expr(struct parser *p, long long *value);

static void skip_spaces(struct parser *p)
{
	while (*p->pos == ' ')
		p->pos++;
}

static int column(const struct parser *p)
{
	return (int)(p->pos - p->text) + 1;
}

static bool parse_number(struct parser *p, long long *value)
{
	long long v = 0;

	if (*p->pos < '0' || *p->pos > '9') {
		if (*p->pos)
			pt_exception("ValueError", "unexpected '%c' at column %d in \"%s\"",
				     *p->pos, column(p), p->text);
		else
			pt_exception("ValueError", "unexpected end of input in \"%s\"",
				     p->text);
		return false;
	}
	while (*p->pos >= '0' && *p->pos <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *p->pos - '0', &v)) {
			pt_exception("OverflowError", "number too large at column %d",
				     column(p));
			return false;
		}
		p->pos++;
	}
	*value = v;
	return true;
}

static bool parse_factor(struct parser *p, long long *value)
{
	PT_TRACE();
	skip_spaces(p);
	if (*p->pos == '-') {
		p->pos++;
		if (!parse_factor(p, value))
			return false;
		if (*value == LLONG_MIN) {
			pt_exception("OverflowError", "negation overflows in \"%s\"", p->text);
			return false;
		}
		*value = -*value;
		return true;
	}
	if (*p->pos != '(')
		return parse_number(p, value);
	if (p->depth >= PARSE_MAX_DEPTH) {
		pt_exception("ValueError", "nesting deeper than %d at column %d",
			     PARSE_MAX_DEPTH, column(p));
		return false;
	}
	p->pos++;
	p->depth++;
	if (!parse_expr(p, value))
		return false;
	p->depth--;
	skip_spaces(p);
	if (*p->pos != ')') {
		pt_exception("ValueError", "expected ')' at column %d in \"%s\"",
			     column(p), p->text);
		return false;
	}
	p->pos++;
	return true;
}

static bool parse_term(struct parser *p, long long *value)
{
	PT_TRACE();
	long long rhs;

	if (!parse_factor(p, value))
		return false;
	for (;;) {
		skip_spaces(p);
		char op = *p->pos;
		if (op != '*' && op != '/')
			return true;
		p->pos++;
		if (!parse_factor(p, &rhs))
			return false;
		if (op == '*') {
			if (__builtin_mul_overflow(*value, rhs, value)) {
				pt_exception("OverflowError", "product overflows at column %d",
					     column(p));
				return false;
			}
		} else if (rhs == 0) {
			pt_exception("ZeroDivisionError", "division by zero at column %d in \"%s\"",
				     column(p), p->text);
			return false;
		} else if (*value == LLONG_MIN && rhs == -1) {
			pt_exception("OverflowError", "quotient overflows at column %d",
				     column(p));
			return false;
		} else {
			*value /= rhs;
		}
	}
}

static bool parse_expr(struct parser *p, long long *value)
{
	PT_TRACE();
	long long rhs;

	if (!parse_term(p, value))
		return false;
	for (;;) {
		skip_spaces(p);
		char op = *p->pos;
		if (op != '+' && op != '-')
			return true;
		p->pos++;
		if (!parse_term(p, &rhs))
			return false;
		if (op == '+' ? __builtin_add_overflow(*value, rhs, value)
			      : __builtin_sub_overflow(*value, rhs, value)) {
			pt_exception("OverflowError", "sum overflows at column %d", column(p));
			return false;
		}
	}
}

bool expr_evaluate(const char *text, long long *value)
{
	PT_TRACE();
	struct parser p = { .text = text, .pos = text, .depth = 0 };

	if (!parse_expr(&p, value))
		return false;
	skip_spaces(&p);
	if (*p.pos) {
		pt_exception("ValueError", "unexpected '%c' at column %d in \"%s\"",
			     *p.pos, column(&p), text);
		return false;
	}
	return true;
}

/* Appends to a fixed buffer, silently stopping at its end (the expression
 * is then cut, which the parser reports like any other bad input). */
struct out {
	char *buf;    /* borrowed */
	size_t size;
	size_t len;
};

static void out_add(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n + 1 > o->size)
		n = o->size - o->len - 1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void gen_expr(struct rng *r, struct out *o, int depth);

static void gen_factor(struct rng *r, struct out *o, int depth)
{
	char num[24];

	if (depth > 0 && rng_uniform(r) < 0.45) {
		out_add(o, "(");
		gen_expr(r, o, depth - 1);
		out_add(o, ")");
		return;
	}
	snprintf(num, sizeof num, "%d", 1 + (int)(rng_uniform(r) * 99));
	out_add(o, num);
}

static void gen_expr(struct rng *r, struct out *o, int depth)
{
	int terms = 1 + (int)(rng_uniform(r) * 3);
	static const char *const ops[] = { " + ", " - ", " * ", " / " };

	gen_factor(r, o, depth);
	for (int i = 1; i < terms; i++) {
		const char *op = ops[rng_next(r) % 4];
		out_add(o, op);
		/* Now and then a divisor that computes to zero, as in "x / (7 - 7)". */
		if (op[1] == '/' && rng_uniform(r) < 0.003) {
			char zero[32];
			int n = 1 + (int)(rng_uniform(r) * 9);
			snprintf(zero, sizeof zero, "(%d - %d)", n, n);
			out_add(o, zero);
		} else {
			gen_factor(r, o, depth);
		}
	}
}

void expr_generate(struct rng *r, char *buf, size_t size, int max_depth)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	buf[0] = '\0';
	gen_expr(r, &o, max_depth);
	/* About 3 % of clients send something malformed. */
	double u = rng_uniform(r);
	if (u < 0.01 && o.len > 1) {
		buf[o.len - 1] = '\0';            /* cut short */
	} else if (u < 0.02) {
		out_add(&o, " )");                /* unbalanced */
	} else if (u < 0.03) {
		out_add(&o, " * x");              /* not a number */
	}
}
