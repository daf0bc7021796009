/* hostile_gen.c - hostile but plausible event streams for the soak test
 * (tests/soak-hostile.sh), and a checker for what the reader printed.
 *
 *   hostile_gen gen SEED LINES   writes a stream to stdout: valid lines
 *                                with wrong, huge or negative numbers, depth
 *                                jumps, exits without enters, seq near 2^64,
 *                                pid reuse, thousands of pids and tids, very
 *                                deep nesting, long names, control
 *                                characters and invalid UTF-8 in every string,
 *                                byte flips, cut lines, lines of 4095-4097
 *                                bytes, NULs, CR/LF mixes, random bytes;
 *                                stats lines of every shape (bad entries,
 *                                cycles, unknown parents, absurd figures,
 *                                long chains of distinct names);
 *                                and binary frames (lib/PROTOCOL.md) with
 *                                such names in their definitions, wrong
 *                                ids, huge varints, cut or flipped bytes.
 *   hostile_gen check FILE       exit 1 (saying where) if FILE holds a byte
 *                                below 0x20 other than \n, DEL, a C1
 *                                control or invalid UTF-8.
 *
 * The generator is seeded (xorshift) so that a failing seed can be rerun. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xorshift.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return xorshift64(&rng_state);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A growable line being built. */
struct buf {
	char *p;                 /* owned */
	size_t len, cap;
};

static void put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("hostile_gen");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Integers a reader may choke on, as JSON text. */
static const char *const weird_nums[] = {
	"0", "-1", "1", "2147483647", "2147483648", "-2147483648", "-2147483649",
	"4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "-9223372036854775809", "18446744073709551615",
	"18446744073709551616", "18446744073709551614", "99999999999999999999999",
	"1e400", "-1e400", "1.5", "-0", "0.0", "1e3", "1E-3", "00", "-", "+1",
	"0x10", "NaN", "Infinity", "null", "true", "\"1\"", "[]", "{}",
};

static void put_num(struct buf *b, uint64_t small)
{
	switch (below(4)) {
	case 0:
		puts_(b, weird_nums[below(sizeof weird_nums / sizeof *weird_nums)]);
		break;
	default:
		putf(b, "%" PRIu64, small);
		break;
	}
}

/* String content: plain names, long names, every control character,
 * escapes of C0/C1/surrogates/bidi, raw invalid UTF-8. */
static void put_str_body(struct buf *b, size_t maxlen)
{
	static const char *const pieces[] = {
		"main", "f", "ñame", "函数", "😀", "\\u001b[31m", "\\u001b]0;pwned\\u0007",
		"\\u0000", "\\u0085", "\\u009b", "\\u007f", "\\ud800", "\\udc00x",
		"\\ud83d\\ude00", "\\u202e", "\\u200b", "\\t", "\\r", "\\n", "\\b", "\\f",
		"\\\\", "\\\"", "\\/", "\\x", "\\u12", "\xff", "\xc0\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xe2\x82", "\xc2\x85", "\xc2\x9b", "\x1b[2J", "\x7f",
		"\t", "\r", "\xe3\x80\x80", "\xcc\x81", "\xef\xbb\xbf",
	};
	size_t n = below(8);
	for (size_t i = 0; i < n && b->len < maxlen; i++) {
		switch (below(5)) {
		case 0: {
			char c = (char)below(0x20);
			if (c == '\n')
				c = 'n';
			put(b, &c, 1);
			break;
		}
		case 1:
			putf(b, "\\u%04" PRIx64, below(0x100));
			break;
		default:
			puts_(b, pieces[below(sizeof pieces / sizeof *pieces)]);
			break;
		}
	}
}

static void put_str(struct buf *b)
{
	put(b, "\"", 1);
	if (below(20) == 0) {
		/* A long name: sized so that some lines land on 4095..4097. */
		size_t target = 3900 + below(200);
		while (b->len < target)
			put(b, below(3) ? "a" : "é", below(3) ? 1 : 2);
	} else {
		put_str_body(b, 4000);
	}
	put(b, "\"", 1);
}

/* Either a string, or a wrong type where a string belongs. */
static void put_strval(struct buf *b)
{
	if (below(12) == 0)
		put_num(b, below(10));
	else
		put_str(b);
}

static const char *const kinds[] = {
	"hello", "thread", "enter", "exit", "exception", "drop", "bye", "nope", "", "stats",
};

/* A stats line's "nodes": entries of every shape, ids small (to meet
 * each other: parents, cycles, redefinitions), huge or negative, figures
 * absurd, histograms with bad buckets, pairs and order. */
static void put_stats_nodes(struct buf *b)
{
	size_t n = below(4) ? below(12) : below(400);
	puts_(b, "[");
	for (size_t i = 0; i < n && b->len < 4200; i++) {
		if (i)
			puts_(b, ",");
		if (below(30) == 0) {
			put_strval(b);           /* not an object */
			continue;
		}
		puts_(b, "{\"id\":");
		put_num(b, 1 + below(below(3) ? 20 : 100000));
		if (below(4)) {
			puts_(b, ",\"parent\":");
			put_num(b, below(3) ? below(20) : below(100000));
		}
		if (below(3)) {
			puts_(b, ",\"fn\":");
			put_strval(b);
		}
		if (below(6) == 0) {
			puts_(b, ",\"file\":");
			put_strval(b);
			puts_(b, ",\"line\":");
			put_num(b, below(500));
		}
		static const char *const figs[] = { "count", "total", "self", "max", "exc", "abandoned" };
		for (size_t k = 0; k < sizeof figs / sizeof *figs; k++) {
			if (below(8) == 0)
				continue;
			putf(b, ",\"%s\":", figs[k]);
			put_num(b, below(2) ? below(100) : below(1000000000));
		}
		if (below(20) == 0)
			puts_(b, below(2) ? ",\"other\":true" : ",\"other\":1");
		if (below(2)) {
			puts_(b, ",\"hist\":[");
			size_t np = below(below(4) ? 6 : 60);
			for (size_t k = 0; k < np; k++) {
				if (k)
					puts_(b, ",");
				switch (below(10)) {
				case 0:
					put_num(b, below(50));   /* not a pair */
					break;
				case 1:
					puts_(b, "[1,2,3]");
					break;
				default:
					puts_(b, "[");
					put_num(b, below(2) ? 2 * k + below(2) : below(50));
					puts_(b, ",");
					put_num(b, below(100));
					puts_(b, "]");
				}
			}
			puts_(b, "]");
		}
		puts_(b, "}");
	}
	puts_(b, "]");
}

/* State kept so that streams look like real traces (nesting, reuse). */
static int32_t cur_pid = 100, cur_tid = 100;
static uint64_t cur_seq = 1;
static int64_t cur_depth;

static void gen_event(struct buf *b)
{
	const char *kind = kinds[below(sizeof kinds / sizeof *kinds)];
	if (below(3) == 0)
		kind = "enter";
	else if (below(3) == 0)
		kind = "exit";
	if (below(30) == 0)
		cur_pid = (int32_t)(1 + below(below(4) ? 20 : 5000));
	if (below(20) == 0)
		cur_tid = (int32_t)(1 + below(below(4) ? 50 : 5000));
	if (below(50) == 0)
		cur_seq = UINT64_MAX - below(4);
	if (below(100) == 0)
		cur_depth = (int64_t)below(200000);
	puts_(b, "{\"ev\":\"");
	puts_(b, kind);
	puts_(b, "\",\"ts\":");
	put_num(b, 1000000 + below(1000000000));
	puts_(b, ",\"pid\":");
	put_num(b, (uint64_t)cur_pid);
	if (strcmp(kind, "hello") && strcmp(kind, "bye")) {
		puts_(b, ",\"tid\":");
		put_num(b, (uint64_t)cur_tid);
	}
	if (!strcmp(kind, "enter") || !strcmp(kind, "exit") || !strcmp(kind, "exception")) {
		puts_(b, ",\"seq\":");
		put_num(b, cur_seq++);
		if (!strcmp(kind, "enter"))
			cur_depth++;
		else if (!strcmp(kind, "exit") && cur_depth > 0 && below(4))
			cur_depth--;
		puts_(b, ",\"depth\":");
		put_num(b, (uint64_t)(below(10) ? cur_depth : (int64_t)below(100000)));
		puts_(b, ",\"fn\":");
		put_strval(b);
	}
	if (!strcmp(kind, "enter") && below(2)) {
		puts_(b, ",\"file\":");
		put_strval(b);
		puts_(b, ",\"line\":");
		put_num(b, below(5000));
	}
	if (!strcmp(kind, "exit")) {
		puts_(b, ",\"dur\":");
		put_num(b, below(10) ? below(1000000) : UINT64_MAX / (1 + below(8)));
	}
	if (!strcmp(kind, "exception")) {
		puts_(b, ",\"type\":");
		put_strval(b);
		puts_(b, ",\"msg\":");
		put_strval(b);
		if (below(2)) {
			puts_(b, ",\"signal\":");
			put_strval(b);
		}
		if (below(2)) {
			puts_(b, ",\"stack\":[");
			size_t n = below(below(5) ? 6 : 300);
			for (size_t i = 0; i < n; i++) {
				if (i)
					puts_(b, ",");
				put_strval(b);
			}
			puts_(b, "]");
		}
	}
	if (!strcmp(kind, "thread")) {
		puts_(b, ",\"name\":");
		put_strval(b);
	}
	if (!strcmp(kind, "stats")) {
		puts_(b, ",\"nodes\":");
		if (below(15) == 0)
			put_strval(b);           /* not an array */
		else
			put_stats_nodes(b);
	}
	if (!strcmp(kind, "hello")) {
		puts_(b, ",\"v\":");
		put_num(b, below(3));
		puts_(b, ",\"ppid\":");
		put_num(b, below(100));
		puts_(b, ",\"prog\":");
		put_strval(b);
		puts_(b, ",\"wall\":");
		put_num(b, 1764100000123456789ULL);
		puts_(b, ",\"lib\":");
		put_strval(b);
		if (below(2)) {
			puts_(b, ",\"stats_ms\":");
			put_num(b, 200);
		}
		if (below(2)) {
			puts_(b, ",\"clock_step\":");
			put_num(b, below(2) ? 1 + below(1000) : UINT64_MAX - below(2));
		}
	}
	if (!strcmp(kind, "drop")) {
		puts_(b, ",\"count\":");
		put_num(b, below(3) ? below(1000) : UINT64_MAX);
	}
	if (!strcmp(kind, "bye") && below(2)) {
		puts_(b, ",\"status\":");
		put_num(b, below(256));
	}
	if (below(10) == 0) {
		puts_(b, ",\"extra\":");
		if (below(2)) {
			/* Deep JSON nesting in an ignored key. */
			size_t d = 1 + below(1500);
			for (size_t i = 0; i < d; i++)
				puts_(b, "[");
			for (size_t i = 0; i < d; i++)
				puts_(b, "]");
		} else {
			put_strval(b);
		}
	}
	if (below(30) == 0)
		puts_(b, ",\"ev\":\"enter\""); /* duplicate key */
	puts_(b, "}");
}

/* A run of enters (deep nesting) in one thread, then maybe their exits. */
static void gen_deep(FILE *out, size_t depth)
{
	int32_t pid = (int32_t)(1 + below(30000)), tid = pid;
	uint64_t seq = 1;
	fprintf(out, "{\"ev\":\"hello\",\"ts\":1,\"pid\":%d,\"v\":1,\"ppid\":1,\"prog\":\"deep\",\"wall\":1,\"lib\":\"x\"}\n",
		(int)pid);
	for (size_t d = 0; d < depth; d++)
		fprintf(out, "{\"ev\":\"enter\",\"ts\":%zu,\"pid\":%d,\"tid\":%d,\"seq\":%" PRIu64 ",\"depth\":%zu,\"fn\":\"d%zu\"}\n",
			d + 2, (int)pid, (int)tid, seq++, d, d % 7);
	if (below(2))
		for (size_t d = depth; d-- > 0;)
			fprintf(out, "{\"ev\":\"exit\",\"ts\":%zu,\"pid\":%d,\"tid\":%d,\"seq\":%" PRIu64 ",\"depth\":%zu,\"fn\":\"d%zu\",\"dur\":1}\n",
				2 * depth - d + 2, (int)pid, (int)tid, seq++, d, d % 7);
}

/* Many processes and threads, each with a call or an exit without enter. */
static void gen_many(FILE *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int pid = (int)(1000 + below(n)), tid = (int)(1000 + i);
		if (below(4) == 0)
			fprintf(out, "{\"ev\":\"hello\",\"ts\":%zu,\"pid\":%d,\"v\":1,\"ppid\":1,\"prog\":\"p%d\",\"wall\":1,\"lib\":\"x\"}\n",
				i, pid, pid);
		if (below(2))
			fprintf(out, "{\"ev\":\"enter\",\"ts\":%zu,\"pid\":%d,\"tid\":%d,\"seq\":1,\"depth\":0,\"fn\":\"t%d\"}\n",
				i, pid, tid, tid % 13);
		fprintf(out, "{\"ev\":\"exit\",\"ts\":%zu,\"pid\":%d,\"tid\":%d,\"seq\":2,\"depth\":0,\"fn\":\"t%d\",\"dur\":%zu}\n",
			i + 5, pid, tid, tid % 13, i);
		if (below(8) == 0)
			fprintf(out, "{\"ev\":\"bye\",\"ts\":%zu,\"pid\":%d}\n", i + 6, pid);
	}
}

/* A thread with stats whose nodes form one long chain of distinct names
 * (the costliest shape for finding a function's outermost calls), sent
 * in lines of many entries, the children first in each line at times;
 * then lines changing the deepest node's figures and exceptions, a cycle
 * through known ids and redefinitions of known ids. */
static void gen_stats_chain(FILE *out, size_t n)
{
	int32_t pid = (int32_t)(1 + below(30000));
	fprintf(out, "{\"ev\":\"hello\",\"ts\":1,\"pid\":%d,\"v\":1,\"ppid\":1,\"prog\":\"chain\",\"stats_ms\":200}\n",
		(int)pid);
	bool rev = below(2);
	for (size_t i = 1; i <= n; i += 30) {
		size_t end = i + 30 > n + 1 ? n + 1 : i + 30;
		fprintf(out, "{\"ev\":\"stats\",\"ts\":2,\"pid\":%d,\"tid\":%d,\"nodes\":[", (int)pid, (int)pid);
		for (size_t k = i; k < end; k++) {
			size_t id = rev ? end - 1 - (k - i) : k;
			fprintf(out, "%s{\"id\":%zu,\"parent\":%zu,\"fn\":\"f%zu\",\"count\":1,\"total\":%zu,\"self\":1,\"max\":%zu,\"hist\":[[3,1]]}",
				k == i ? "" : ",", id, id - 1, id, n - id + 1, n - id + 1);
		}
		fputs("]}\n", out);
	}
	for (size_t r = 0; r < 200; r++)
		fprintf(out, "{\"ev\":\"stats\",\"ts\":3,\"pid\":%d,\"tid\":%d,\"nodes\":[{\"id\":%zu,\"count\":%zu,\"total\":%zu,\"self\":1,\"max\":1,\"exc\":%zu},{\"id\":1,\"parent\":%zu,\"fn\":\"f1\"},{\"id\":2,\"parent\":0,\"fn\":\"zz\"}]}\n",
			(int)pid, (int)pid, n, r + 1, r + 1, r, n);
}

/* A line whose length (without newline) is exactly len, valid JSON. */
static void gen_exact(FILE *out, size_t len)
{
	static const char head[] = "{\"ev\":\"thread\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"";
	size_t fill = len - (sizeof head - 1) - 2;
	fputs(head, out);
	for (size_t i = 0; i < fill; i++)
		fputc('x', out);
	fputs("\"}\n", out);
}

static void put_var(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		char c = (char)(v | 0x80);
		put(b, &c, 1);
		v >>= 7;
	}
	char c = (char)v;
	put(b, &c, 1);
}

static uint64_t frame_num(uint64_t small)
{
	static const uint64_t weird[] = {
		0, 1, 62, 63, 64, 127, 128, 2147483647, 2147483648u, 4294967295u, 4294967296u,
		9223372036854775807u, 9223372036854775808u, UINT64_MAX,
	};
	return below(6) ? small : weird[below(sizeof weird / sizeof *weird)];
}

/* A binary frame: plausible, then damaged now and then. */
static void gen_frame(FILE *out, struct buf *b)
{
	b->len = 0;
	put(b, "\xff\x01\0\0", 4);
	if (below(4))
		cur_pid = (int32_t)(100 + below(20));
	put_var(b, frame_num((uint64_t)cur_pid));
	put_var(b, frame_num((uint64_t)cur_tid));
	put_var(b, frame_num(cur_seq));
	put_var(b, frame_num(1000000 + below(1000000)));
	for (size_t n = below(60); n > 0 && b->len < 3000; n--) {
		unsigned pick = (unsigned)below(10);
		if (pick < 2) {
			struct buf t = { 0 };
			puts_(&t, "\"fn\":");
			put_strval(&t);
			if (below(2)) {
				puts_(&t, ",\"file\":");
				put_strval(&t);
			}
			if (below(2)) {
				puts_(&t, ",\"line\":");
				put_num(&t, below(1000));
			}
			if (below(10) == 0)
				puts_(&t, below(2) ? ",\"ev\":\"exit\"" : "},{");
			char tag = 2;
			put(b, &tag, 1);
			put_var(b, frame_num(1 + below(8)));
			put_var(b, below(20) ? t.len : frame_num(t.len));
			put(b, t.p, t.len);
			free(t.p);
		} else if (pick < 3) {
			char tag = 3;
			put(b, &tag, 1);
			put_var(b, frame_num(below(5)));
		} else {
			uint64_t depth = frame_num((uint64_t)below(100));
			int exit = (int)below(2);
			char tag = (char)(exit | (depth < 63 ? depth : 63) << 2);
			put(b, &tag, 1);
			if (depth >= 63)
				put_var(b, depth - 63);
			put_var(b, frame_num(1 + below(9)));
			put_var(b, frame_num(below(5000)));
			if (exit)
				put_var(b, frame_num(below(100000)));
			cur_seq++;
		}
	}
	size_t len = b->len > 4096 ? 4096 : b->len;
	switch (below(12)) {
	case 0:
		for (size_t i = below(4) + 1; i > 0; i--)
			b->p[4 + below(b->len - 4)] ^= (char)(1u << below(8));
		break;
	case 1:
		len = 4 + below(len - 3);       /* says less than it holds */
		break;
	case 2:
		b->len = 4 + below(b->len - 3); /* holds less than it says */
		break;
	default:
		break;
	}
	b->p[2] = (char)(len & 0xff);
	b->p[3] = (char)(len >> 8);
	fwrite(b->p, 1, b->len, out);
}

static void emit(FILE *out, struct buf *b)
{
	/* Damage: byte flips, cut lines, NULs, CR, CRLF, no newline. */
	switch (below(14)) {
	case 0:
		for (size_t i = below(4) + 1; i > 0 && b->len; i--)
			b->p[below(b->len)] ^= (char)(1u << below(8));
		break;
	case 1:
		b->len = below(b->len + 1);
		break;
	case 2:
		if (b->len)
			b->p[below(b->len)] = '\0';
		break;
	case 3:
		put(b, "\r", 1);
		break;
	case 4:
		if (b->len)
			b->p[below(b->len)] = below(2) ? '\r' : '\n';
		break;
	default:
		break;
	}
	fwrite(b->p, 1, b->len, out);
	if (below(40))
		fputc('\n', out);
}

static int gen(uint64_t seed, size_t lines)
{
	FILE *out = stdout;
	struct buf b = { 0 };
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (size_t i = 0; i < lines; i++) {
		unsigned pick = (unsigned)below(1000);
		if (pick < 3) {
			gen_deep(out, below(4) ? below(3000) : 100000);
		} else if (pick < 6) {
			gen_many(out, below(4) ? 300 : 5000);
		} else if (pick < 8) {
			gen_stats_chain(out, below(4) ? below(3000) : 100000);
		} else if (pick < 20) {
			gen_exact(out, 4094 + below(4));
		} else if (pick < 40) {
			size_t n = 1 + below(below(4) ? 100 : 70000);
			for (size_t k = 0; k < n; k++)
				fputc((int)below(256), out);
		} else if (pick < 200) {
			gen_frame(out, &b);
		} else {
			b.len = 0;
			gen_event(&b);
			emit(out, &b);
		}
	}
	free(b.p);
	return fflush(out) ? 2 : 0;
}

/* Length of the valid UTF-8 character at p (n bytes left), 0 if invalid;
 * *cp gets the code point. */
static size_t utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2; v = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; v = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static int check(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	size_t cap = 1 << 20, n = 0;
	unsigned char *p = malloc(cap);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	if (!p)
		return 2;
	int rc = 0;
	size_t line = 1;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_char(p + i, n - i, &cp);
		if (!len) {
			fprintf(stderr, "%s: line %zu, byte %zu: invalid UTF-8 (0x%02x)\n", path, line, i, p[i]);
			rc = 1;
			break;
		}
		if ((cp < 0x20 && cp != '\n') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			fprintf(stderr, "%s: line %zu, byte %zu: control character U+%04X\n",
				path, line, i, (unsigned)cp);
			rc = 1;
			break;
		}
		if (cp == '\n')
			line++;
		i += len;
	}
	free(p);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return gen(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check(argv[2]);
	fputs("usage: hostile_gen gen SEED LINES | hostile_gen check FILE\n", stderr);
	return 2;
}
