/* draw.c - the colour table, glyph sets and safe drawing of untrusted text
 * shared by every pane. */
#include "config.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "draw.h"

static const struct draw_glyphs glyphs_utf8 = {
	.open = "\u25be", .closed = "\u25b8", .leaf = " ", .exc = "\u2717",
	.bar = "\u2588", .dot = "\u2500", .live = "\u25cf", .ellipsis = "\u2026",
	.up = "\u2191", .down = "\u2193", .left = "\u2190", .right = "\u2192",
};

static const struct draw_glyphs glyphs_ascii = {
	.open = "-", .closed = "+", .leaf = " ", .exc = "x",
	.bar = "#", .dot = "-", .live = "*", .ellipsis = "~",
	.up = "Up", .down = "Dn", .left = "<-", .right = "->",
};

struct palette_entry {
	short fg, bg;
	attr_t attr, mono;
};

static const struct palette_entry palette[COL_COUNT] = {
#define DRAW_ROW(name, f, b, a, m) [name] = { .fg = (f), .bg = (b), .attr = (a), .mono = (m) },
	DRAW_COLOURS(DRAW_ROW)
#undef DRAW_ROW
};

static bool use_utf8;
static bool use_colour;
static bool no_color_env;
static attr_t attrs[COL_COUNT];

void draw_init_locale(void)
{
	const char *cs;
	const char *nc;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	use_utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	/* https://no-color.org: set and not empty disables colour. */
	nc = getenv("NO_COLOR");
	no_color_env = nc && *nc;
}

static void set_attrs(void)
{
	for (int i = 0; i < COL_COUNT; i++)
		attrs[i] = use_colour ? (COLOR_PAIR(i + 1) | palette[i].attr) : palette[i].mono;
}

void draw_init_colours(void)
{
	use_colour = false;
	if (!no_color_env && has_colors() && start_color() == OK) {
		use_default_colors();
		use_colour = COLOR_PAIRS > COL_COUNT;
		for (int i = 0; use_colour && i < COL_COUNT; i++)
			init_pair((short)(i + 1), palette[i].fg, palette[i].bg);
	}
	set_attrs();
}

void draw_force(bool utf8, bool colour)
{
	use_utf8 = utf8;
	use_colour = colour;
	if (colour && has_colors() && start_color() == OK) {
		use_default_colors();
		for (int i = 0; i < COL_COUNT; i++)
			init_pair((short)(i + 1), palette[i].fg, palette[i].bg);
	} else {
		use_colour = false;
	}
	set_attrs();
}

bool draw_utf8(void)
{
	return use_utf8;
}

const struct draw_glyphs *draw_glyphs(void)
{
	return use_utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

attr_t draw_attr(enum draw_colour c)
{
	return attrs[c];
}

/* Decodes one UTF-8 sequence strictly (no overlongs, surrogates or values
 * past U+10FFFF).  Returns its length, or 0 with *cp = U+FFFD for one bad
 * byte. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		goto bad;
	}
	if (len < n)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = 0xfffd;
	return 0;
}

/* What a code point becomes on screen: the character to draw (0 = skip)
 * and its width. */
static unsigned visible(unsigned cp, int *width)
{
	int w;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
		*width = 1;
		return '?';
	}
	if (!use_utf8) {
		*width = 1;
		return cp < 0x80 ? cp : '?';
	}
	if (cp < 0x7f) {
		*width = 1;
		return cp;
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*width = 1;
		return 0xfffd;
	}
	*width = w;
	return w == 0 ? 0 : cp;  /* combining marks are dropped, not stacked */
}

static size_t next_visible(const char *s, size_t len, size_t i, unsigned *ch, int *w)
{
	unsigned cp;
	size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);

	*ch = visible(cp, w);
	return n ? n : 1;
}

static void put_char(WINDOW *w, unsigned ch, attr_t attr)
{
	cchar_t cc;
	wchar_t wc[2] = { (wchar_t)ch, 0 };

	setcchar(&cc, wc, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	wadd_wch(w, &cc);
}

/* Columns the text takes, measured only until it passes `limit`: a frame
 * draws a few dozen columns of each name, however long the name is. */
static int text_width(const char *s, size_t len, int limit)
{
	int total = 0, w;
	unsigned ch;

	for (size_t i = 0; i < len && total <= limit;) {
		i += next_visible(s, len, i, &ch, &w);
		if (ch)
			total += w;
	}
	return total;
}

int draw_width(const char *s)
{
	return s ? text_width(s, strlen(s), INT_MAX) : 0;
}

int draw_text_hl(WINDOW *w, int y, int x, int maxw, const char *s, size_t len,
		 attr_t attr, long hl_start, size_t hl_len, attr_t hl_attr)
{
	int used = 0, cw, limit = maxw;
	bool cut;
	unsigned ch;

	if (!s || maxw <= 0)
		return 0;
	cut = text_width(s, len, maxw) > maxw;
	if (cut)
		limit = maxw - 1;
	wmove(w, y, x);
	for (size_t i = 0; i < len;) {
		size_t at = i;

		i += next_visible(s, len, i, &ch, &cw);
		if (!ch)
			continue;
		if (used + cw > limit)
			break;
		bool hl = hl_start >= 0 && at >= (size_t)hl_start && at < (size_t)hl_start + hl_len;
		put_char(w, ch, hl ? hl_attr : attr);
		used += cw;
	}
	if (cut) {
		/* a wide character that did not fit leaves a column to fill */
		while (used < limit) {
			put_char(w, ' ', attr);
			used++;
		}
		wattr_set(w, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
		waddstr(w, draw_glyphs()->ellipsis);
		wattr_set(w, A_NORMAL, 0, NULL);
		used++;
	}
	return used;
}

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, attr_t attr)
{
	return s ? draw_text_hl(w, y, x, maxw, s, strlen(s), attr, -1, 0, 0) : 0;
}

int draw_text_right(WINDOW *w, int y, int x_end, int width, const char *s, attr_t attr)
{
	int n = draw_width(s);

	if (width <= 0)
		return 0;
	if (n > width - 1)
		n = width - 1;
	return draw_text_hl(w, y, x_end - n, n, s, strlen(s), attr, -1, 0, 0);
}

void draw_blank(WINDOW *w, int y, int x, int n, attr_t attr)
{
	wmove(w, y, x);
	for (int i = 0; i < n; i++)
		put_char(w, ' ', attr);
}

void draw_frame(WINDOW *w, const char *title, bool focused)
{
	attr_t b = focused ? draw_attr(COL_FOCUS) : draw_attr(COL_BORDER);
	int maxw = getmaxx(w) - 4;

	if (use_utf8) {
		/* Unicode lines rather than the terminal's alternate character
		 * set: they survive copy, paste and tmux capture-pane. */
		static const wchar_t ch[] = { 0x2502, 0x2502, 0x2500, 0x2500, 0x250c, 0x2510, 0x2514, 0x2518 };
		cchar_t cc[8];

		for (int i = 0; i < 8; i++) {
			wchar_t wc[2] = { ch[i], 0 };

			setcchar(&cc[i], wc, b & ~A_COLOR, (short)PAIR_NUMBER(b), NULL);
		}
		wborder_set(w, &cc[0], &cc[1], &cc[2], &cc[3], &cc[4], &cc[5], &cc[6], &cc[7]);
	} else {
		wattr_set(w, b & ~A_COLOR, (short)PAIR_NUMBER(b), NULL);
		box(w, 0, 0);
		wattr_set(w, A_NORMAL, 0, NULL);
	}
	if (title && maxw > 2) {
		attr_t t = focused ? draw_attr(COL_FOCUS) : draw_attr(COL_TITLE);

		mvwaddch(w, 0, 1, ' ');
		int n = draw_text(w, 0, 2, maxw - 1, title, t);
		mvwaddch(w, 0, 2 + n, ' ');
	}
}

char *draw_count(uint64_t n, char *buf, size_t size)
{
	if (n < 10000)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else if (n < 1000000)
		snprintf(buf, size, "%.1fk", n / 1e3);
	else if (n < 1000000000ull)
		snprintf(buf, size, "%.1fM", n / 1e6);
	else
		snprintf(buf, size, "%.1fG", n / 1e9);
	return buf;
}
