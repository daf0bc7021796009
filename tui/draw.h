/* draw.h - what every pane of the interface shares: the colour table, the
 * tree glyphs (UTF-8 or ASCII) and drawing of untrusted text.
 *
 * Every string that came from a trace goes through draw_text(), which never
 * lets a control character or an invalid byte reach the terminal and counts
 * wide characters as two columns. */
#ifndef PT_DRAW_H
#define PT_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

/* One table for the theme: name, foreground, background, attributes with
 * colours, attributes in the monochrome palette. */
#define DRAW_COLOURS(X)                                                        \
	X(COL_NORMAL,    -1,            -1,          A_NORMAL, A_NORMAL)       \
	X(COL_BORDER,    COLOR_BLUE,    -1,          A_NORMAL, A_NORMAL)       \
	X(COL_TITLE,     COLOR_CYAN,    -1,          A_BOLD,   A_BOLD)         \
	X(COL_FOCUS,     COLOR_YELLOW,  -1,          A_BOLD,   A_BOLD | A_UNDERLINE) \
	X(COL_PROCESS,   COLOR_GREEN,   -1,          A_BOLD,   A_BOLD)         \
	X(COL_THREAD,    COLOR_CYAN,    -1,          A_NORMAL, A_NORMAL)       \
	X(COL_DIM,       COLOR_WHITE,   -1,          A_DIM,    A_DIM)          \
	X(COL_EXC,       COLOR_RED,     -1,          A_BOLD,   A_BOLD)         \
	X(COL_EXCSUB,    COLOR_RED,     -1,          A_DIM,    A_DIM)          \
	X(COL_RUNNING,   COLOR_YELLOW,  -1,          A_NORMAL, A_UNDERLINE)    \
	X(COL_CURSOR,    COLOR_BLACK,   COLOR_CYAN,  A_NORMAL, A_REVERSE)      \
	X(COL_MATCH,     COLOR_BLACK,   COLOR_YELLOW, A_NORMAL, A_BOLD | A_UNDERLINE) \
	X(COL_BAR,       COLOR_GREEN,   -1,          A_NORMAL, A_NORMAL)       \
	X(COL_STATUS,    COLOR_WHITE,   COLOR_BLUE,  A_NORMAL, A_REVERSE)      \
	X(COL_LIVE,      COLOR_GREEN,   COLOR_BLUE,  A_BOLD,   A_REVERSE | A_BOLD) \
	X(COL_PAUSED,    COLOR_BLACK,   COLOR_YELLOW, A_BOLD,  A_BOLD)         \
	X(COL_WARN,      COLOR_RED,     COLOR_BLUE,  A_BOLD,   A_REVERSE | A_BOLD) \
	X(COL_HINTKEY,   COLOR_YELLOW,  -1,          A_BOLD,   A_BOLD)

enum draw_colour {
#define DRAW_ENUM(name, fg, bg, attr, mono) name,
	DRAW_COLOURS(DRAW_ENUM)
#undef DRAW_ENUM
	COL_COUNT
};

struct draw_glyphs {            /* every string static */
	const char *open;        /* expanded node */
	const char *closed;      /* collapsed node with children */
	const char *leaf;
	const char *exc;         /* exception mark */
	const char *bar;         /* histogram bar cell */
	const char *dot;         /* status line separator */
	const char *live;
	const char *ellipsis;
	const char *up, *down, *left, *right;
};

/* Reads the locale (UTF-8 or not) and NO_COLOR; safe before initscr. */
void draw_init_locale(void);
/* After initscr/newterm: sets up the colour pairs, or the monochrome
 * palette when the terminal has no colours or NO_COLOR is set. */
void draw_init_colours(void);
/* Forces a palette and glyph set (tests). */
void draw_force(bool utf8, bool colour);

bool draw_utf8(void);
const struct draw_glyphs *draw_glyphs(void);
attr_t draw_attr(enum draw_colour c);

/* Draws untrusted UTF-8 text at (y, x) in at most `maxw` columns.  Control
 * characters become '?', invalid bytes U+FFFD (or '?' in ASCII mode); text
 * that does not fit ends in an ellipsis.  Bytes [hl_start, hl_start+hl_len)
 * are drawn with `hl_attr` (hl_start < 0: none).  Returns columns used. */
int draw_text_hl(WINDOW *w, int y, int x, int maxw, const char *s, size_t len,
		 attr_t attr, long hl_start, size_t hl_len, attr_t hl_attr);
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, attr_t attr);
/* The same, right-aligned to end before column x_end in a field of
 * `width` (a column of it kept blank as a gap). */
int draw_text_right(WINDOW *w, int y, int x_end, int width, const char *s, attr_t attr);
/* Columns `s` takes when drawn (same rules as draw_text). */
int draw_width(const char *s);

/* Fills columns [x, x+n) of row y with blanks. */
void draw_blank(WINDOW *w, int y, int x, int n, attr_t attr);
/* A box with a title in the top border; focused boxes are highlighted. */
void draw_frame(WINDOW *w, const char *title, bool focused);

/* Formats a count for people: 999, 12.3k, 4.5M (returns buf). */
char *draw_count(uint64_t n, char *buf, size_t size);

#endif
