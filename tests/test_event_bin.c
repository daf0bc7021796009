/* test_event_bin.c - binary frames (tui/event_bin.c, lib/PROTOCOL.md): the
 * events of a well-formed frame, and hostile frames - cut, mutated,
 * undefined ids, definitions that are no names, out-of-range numbers -
 * which must never crash, and never yield an event whose JSON line (what
 * --record writes) the line parser would refuse.  Also the line splitter
 * handing out frames mixed with lines whatever the read boundaries. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event_bin.h"
#include "source.h"
#include "xorshift.h"

/* ---- building frames ----------------------------------------------------- */

struct fb {
	unsigned char b[8192];
	size_t len;
};

static void put_byte(struct fb *f, unsigned v)
{
	f->b[f->len++] = (unsigned char)v;
}

static void put_var(struct fb *f, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(f, (unsigned)(v | 0x80) & 0xff);
		v >>= 7;
	}
	put_byte(f, (unsigned)v);
}

static void fb_head(struct fb *f, uint64_t pid, uint64_t tid, uint64_t seq, uint64_t ts)
{
	f->len = 0;
	put_byte(f, 0xff);
	put_byte(f, 1);
	put_byte(f, 0);
	put_byte(f, 0);
	put_var(f, pid);
	put_var(f, tid);
	put_var(f, seq);
	put_var(f, ts);
}

static void fb_def(struct fb *f, uint64_t id, const char *text)
{
	put_byte(f, 2);
	put_var(f, id);
	put_var(f, strlen(text));
	memcpy(f->b + f->len, text, strlen(text));
	f->len += strlen(text);
}

static void fb_ev(struct fb *f, int exit, uint64_t depth, uint64_t id, uint64_t dts, uint64_t dur)
{
	put_byte(f, (unsigned)(exit | (depth < 63 ? depth : 63) << 2));
	if (depth >= 63)
		put_var(f, depth - 63);
	put_var(f, id);
	put_var(f, dts);
	if (exit)
		put_var(f, dur);
}

static void fb_end(struct fb *f)
{
	f->b[2] = (unsigned char)(f->len & 0xff);
	f->b[3] = (unsigned char)(f->len >> 8);
}

/* ---- collecting events ------------------------------------------------- */

#define MAXEV 64
struct got {
	size_t n;
	struct event ev[MAXEV];
	char fn[MAXEV][128];
	char file[MAXEV][128];
	size_t bad_json;        /* events whose JSON line does not parse */
};

static struct event_parser *jp;

static void collect(void *ctx, const struct event *ev)
{
	struct got *g = ctx;
	char line[EVENT_LINE_MAX + 64];
	struct event back;
	size_t n = bin_event_json(ev, line, sizeof line);

	/* What --record would write must be a valid line meaning the same. */
	if (!n || n > EVENT_LINE_MAX - 1 || event_parse(jp, line, n, &back, NULL) != EVENT_OK ||
	    back.kind != ev->kind || back.ts != ev->ts || back.pid != ev->pid ||
	    back.tid != ev->tid || back.seq != ev->seq || back.depth != ev->depth ||
	    back.fn.len != ev->fn.len || memcmp(back.fn.s, ev->fn.s, ev->fn.len) != 0 ||
	    (ev->kind == EV_EXIT && back.dur != ev->dur) ||
	    (ev->kind == EV_ENTER && back.line != ev->line))
		g->bad_json++;
	if (g->n < MAXEV) {
		g->ev[g->n] = *ev;
		snprintf(g->fn[g->n], sizeof g->fn[0], "%.*s", (int)ev->fn.len, ev->fn.s);
		snprintf(g->file[g->n], sizeof g->file[0], "%.*s", (int)ev->file.len,
			 ev->file.s ? ev->file.s : "");
	}
	g->n++;
}

static enum event_result decode(struct bin_decoder *d, struct fb *f, struct got *g)
{
	size_t n;
	enum event_result r;

	memset(g, 0, sizeof *g);
	r = bin_decode(d, f->b, f->len, collect, g, &n, NULL);
	assert_int_equal(n, g->n);
	return r;
}

/* ---- cases ------------------------------------------------------------- */

static void test_frame_events(void **state)
{
	struct bin_decoder *d = bin_decoder_create();
	struct fb f;
	struct got g;

	(void)state;
	fb_head(&f, 4242, 4243, 10, 5000000000ull);
	fb_def(&f, 1, "\"fn\":\"parse_term\",\"file\":\"p.c\",\"line\":40");
	fb_def(&f, 7, "\"fn\":\"leaf\"");
	fb_ev(&f, 0, 0, 1, 0, 0);
	fb_ev(&f, 0, 1, 7, 100, 0);
	fb_ev(&f, 1, 1, 7, 50, 50);
	put_byte(&f, 3);        /* 5 events lost */
	put_var(&f, 5);
	fb_ev(&f, 0, 70, 7, 20, 0);
	fb_ev(&f, 1, 0, 1, 1000, 1170);
	fb_end(&f);
	assert_int_equal(bin_frame_len(f.b), f.len);
	assert_int_equal(decode(d, &f, &g), EVENT_OK);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.bad_json, 0);
	assert_int_equal(g.ev[0].kind, EV_ENTER);
	assert_int_equal(g.ev[0].pid, 4242);
	assert_int_equal(g.ev[0].tid, 4243);
	assert_int_equal(g.ev[0].seq, 10);
	assert_int_equal(g.ev[0].ts, 5000000000ll);
	assert_int_equal(g.ev[0].depth, 0);
	assert_string_equal(g.fn[0], "parse_term");
	assert_string_equal(g.file[0], "p.c");
	assert_int_equal(g.ev[0].line, 40);
	assert_string_equal(g.fn[1], "leaf");
	assert_null(g.ev[1].file.s);
	assert_int_equal(g.ev[1].ts, 5000000100ll);
	assert_int_equal(g.ev[2].kind, EV_EXIT);
	assert_int_equal(g.ev[2].seq, 12);
	assert_int_equal(g.ev[2].dur, 50);
	assert_int_equal(g.ev[3].seq, 18);      /* after the gap of 5 */
	assert_int_equal(g.ev[3].depth, 70);    /* past the tag's 6 bits */
	assert_int_equal(g.ev[4].seq, 19);
	assert_int_equal(g.ev[4].ts, 5000001170ll);
	assert_int_equal(g.ev[4].dur, 1170);
	assert_null(g.ev[4].file.s);            /* an exit line has no file */

	/* Definitions last until the process's next hello. */
	fb_head(&f, 4242, 4243, 20, 6000000000ull);
	fb_ev(&f, 0, 0, 7, 0, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_OK);
	assert_string_equal(g.fn[0], "leaf");
	bin_decoder_forget(d, 4242);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	assert_int_equal(g.n, 0);
	/* ... and are the process's own */
	fb_head(&f, 4300, 4300, 1, 1);
	fb_def(&f, 7, "\"fn\":\"other\"");
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_OK);
	fb_head(&f, 4242, 4243, 20, 6000000000ull);
	fb_ev(&f, 0, 0, 7, 0, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	bin_decoder_free(d);
}

/* Each frame breaks one rule: refused, with the events before the fault. */
static void test_frame_rules(void **state)
{
	static const char *const not_names[] = {
		"\"file\":\"p.c\"",                     /* no fn */
		"\"fn\":\"a\",\"ev\":\"exit\"",         /* changes the kind */
		"\"fn\":\"a\"},{\"x\":1",               /* breaks out of the object */
		"\"fn\":1",
		"\"fn\":\"a\\u0000b\"",                 /* a NUL */
		"\"fn\":\"a\",\"line\":-1",
		"",
	};
	struct bin_decoder *d = bin_decoder_create();
	struct fb f;
	struct got g;
	char big[5000];

	(void)state;
	for (size_t i = 0; i < sizeof not_names / sizeof not_names[0]; i++) {
		fb_head(&f, 1, 1, 1, 0);
		fb_def(&f, 1, "\"fn\":\"ok\"");
		fb_ev(&f, 0, 0, 1, 0, 0);
		fb_def(&f, 2, not_names[i]);
		fb_ev(&f, 0, 1, 2, 0, 0);
		fb_end(&f);
		assert_int_equal(decode(d, &f, &g), EVENT_BAD);
		assert_int_equal(g.n, 1);
	}
	/* an undefined id, an id past 32 bits */
	fb_head(&f, 1, 1, 1, 0);
	fb_ev(&f, 0, 0, 99, 0, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	fb_head(&f, 1, 1, 1, 0);
	fb_ev(&f, 0, 0, (1ull << 32) + 1, 0, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	/* header values out of a line's range */
	uint64_t heads[][4] = {
		{ 0, 1, 1, 0 }, { 1ull << 31, 1, 1, 0 }, { 1, 0, 1, 0 }, { 1, 1, 0, 0 },
		{ 1, 1, 1ull << 63, 0 }, { 1, 1, 1, 1ull << 63 },
	};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		fb_head(&f, heads[i][0], heads[i][1], heads[i][2], heads[i][3]);
		fb_end(&f);
		assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	}
	/* ts and seq that would pass 2^63 - 1 after deltas and gaps */
	fb_head(&f, 1, 1, 1, INT64_MAX - 5);
	fb_def(&f, 1, "\"fn\":\"ok\"");
	fb_ev(&f, 0, 0, 1, 5, 0);
	fb_ev(&f, 0, 1, 1, 1, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	assert_int_equal(g.n, 1);
	fb_head(&f, 1, 1, INT64_MAX - 1, 0);
	fb_ev(&f, 0, 0, 1, 0, 0);
	put_byte(&f, 3);
	put_var(&f, 5);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	assert_int_equal(g.n, 1);
	/* a depth past 2^31 - 1, a varint of 11 bytes */
	fb_head(&f, 1, 1, 1, 0);
	fb_ev(&f, 0, 1ull << 31, 1, 0, 0);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	fb_head(&f, 1, 1, 1, 0);
	put_byte(&f, 0);
	for (int i = 0; i < 10; i++)
		put_byte(&f, 0x81);
	put_byte(&f, 1);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	/* a definition whose lines would pass 4096 bytes once escaped */
	memset(big, 0, sizeof big);
	strcpy(big, "\"fn\":\"");
	for (size_t i = strlen(big); i < 6 + 700; i++)
		big[i] = '\t';
	strcat(big, "\"");
	fb_head(&f, 1, 1, 1, 0);
	fb_def(&f, 3, big);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_BAD);
	/* no frame header: version, length */
	unsigned char h[4] = { 0xff, 2, 10, 0 };
	assert_int_equal(bin_frame_len(h), 0);
	h[1] = 1;
	assert_int_equal(bin_frame_len(h), 10);
	h[2] = 3;
	assert_int_equal(bin_frame_len(h), 0);
	h[2] = 1, h[3] = 16;
	assert_int_equal(bin_frame_len(h), 0);  /* 4097 */
	bin_decoder_free(d);
}

/* Every cut and tens of thousands of random mutations of a valid frame:
 * no crash (ASan/UBSan in CI), only events whose lines are valid. */
static void test_frame_fuzz(void **state)
{
	struct bin_decoder *d = bin_decoder_create();
	uint64_t rng = 0x1234567;
	struct fb f, m;
	struct got g;

	(void)state;
	fb_head(&f, 77, 78, 1, 123456789);
	fb_def(&f, 1, "\"fn\":\"a\\u001b[31m\\u0085\",\"file\":\"x\\\\y\",\"line\":3");
	fb_def(&f, 2, "\"fn\":\"b\\\"q\"");
	for (int i = 0; i < 40; i++)
		fb_ev(&f, i & 1, (uint64_t)i % 70, 1 + (uint64_t)i % 2, (uint64_t)i * 1000, 7);
	fb_end(&f);
	assert_int_equal(decode(d, &f, &g), EVENT_OK);
	assert_int_equal(g.n, 40);
	assert_int_equal(g.bad_json, 0);
	for (size_t cut = 0; cut < f.len; cut++) {
		m = f;
		m.len = cut;
		fb_end(&m);
		if (cut >= BIN_HEAD)
			decode(d, &m, &g);
		assert_int_equal(g.bad_json, 0);
	}
	for (int round = 0; round < 50000; round++) {
		m = f;
		for (int k = 1 + (int)(xorshift64(&rng) % 4); k > 0; k--) {
			size_t at = BIN_HEAD + xorshift64(&rng) % (m.len - BIN_HEAD);

			m.b[at] = (unsigned char)xorshift64(&rng);
		}
		if (xorshift64(&rng) % 4 == 0)
			m.len = BIN_HEAD + xorshift64(&rng) % (m.len - BIN_HEAD);
		fb_end(&m);
		decode(d, &m, &g);
		assert_int_equal(g.bad_json, 0);
		for (size_t i = 0; i < g.n && i < MAXEV; i++) {
			assert_true(g.ev[i].pid > 0 && g.ev[i].tid > 0 && g.ev[i].seq > 0);
			assert_true(g.ev[i].ts >= 0 && g.ev[i].depth >= 0 && g.ev[i].dur >= 0);
		}
		/* the process starts afresh now and then */
		if (round % 100 == 0)
			bin_decoder_forget(d, 77);
	}
	bin_decoder_free(d);
}

/* Lines and frames, split at every read boundary: the same units. */
static void test_linebuf_frames(void **state)
{
	static char stream[20000];
	size_t len = 0;
	struct fb f;
	struct linebuf *lb = malloc(sizeof *lb);
	const char *line;
	size_t n;

	(void)state;
	fb_head(&f, 5, 5, 1, 0);
	fb_def(&f, 1, "\"fn\":\"x\"");
	for (int i = 0; i < 300; i++)
		fb_ev(&f, i & 1, 1, 1, 10, 10);       /* 0x0a bytes: newlines */
	fb_end(&f);
	const char *l1 = "{\"ev\":\"bye\",\"ts\":1,\"pid\":5}\n";
	memcpy(stream + len, l1, strlen(l1)), len += strlen(l1);
	memcpy(stream + len, f.b, f.len), len += f.len;
	memcpy(stream + len, f.b, f.len), len += f.len;
	memcpy(stream + len, l1, strlen(l1)), len += strlen(l1);
	/* 0xff with no valid header: a (bad) line up to its newline */
	memcpy(stream + len, "\xff\x02zz\n", 5), len += 5;
	memcpy(stream + len, f.b, f.len), len += f.len;
	for (size_t step = 1; step <= len; step = step < 8 ? step + 1 : step * 3) {
		int frames = 0, lines = 0, bad = 0;

		linebuf_init(lb);
		for (size_t at = 0; at < len;) {
			size_t avail, k;
			char *space = linebuf_space(lb, &avail);
			enum line_kind kind;

			k = len - at < step ? len - at : step;
			if (k > avail)
				k = avail;
			memcpy(space, stream + at, k);
			linebuf_added(lb, k);
			at += k;
			while ((kind = linebuf_next(lb, &line, &n)) != LINE_NONE) {
				if (kind == LINE_FRAME) {
					assert_int_equal(n, f.len);
					assert_memory_equal(line, f.b, f.len);
					frames++;
				} else if (n == strlen(l1) - 1 && !memcmp(line, l1, n)) {
					lines++;
				} else {
					bad++;
				}
			}
		}
		assert_int_equal(linebuf_finish(lb, &line, &n), LINE_NONE);
		assert_int_equal(frames, 3);
		assert_int_equal(lines, 2);
		assert_int_equal(bad, 1);
	}
	free(lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_events),
		cmocka_unit_test(test_frame_rules),
		cmocka_unit_test(test_frame_fuzz),
		cmocka_unit_test(test_linebuf_frames),
	};
	int r;

	jp = event_parser_create();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	event_parser_free(jp);
	return r;
}
