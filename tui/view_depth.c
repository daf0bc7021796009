/* view_depth.c - how far a row of the calls pane is indented.
 *
 * A row always keeps room for its function's name: indentation (two
 * columns a level) stops where it would leave less than TREE_NAME_MIN
 * columns (or half the name area) for the name, and from there rows say
 * their level as a number instead ("·27 parse_term").  (A third left 14
 * columns at 160: sqlite3DbMallocRaw, -RawNN and -Zero all read
 * "sqlite3DbMalloc…".)  The indentation
 * window can also be shifted by whole levels ([ and ]), so that the
 * structure deep in a recursion shows as indentation again. */
#include "config.h"

#include "view.h"

#define TREE_NAME_MIN 14
#define TREE_LABEL_W 5          /* "·27 ", most of the time */
#define TREE_SHIFT_STEP 4
#define TREE_SHIFT_MAX (1 << 20)

int tree_indent(const struct tree_view *tv, int depth, int level, int room, bool *at_depth)
{
	int name_min = room / 2 > TREE_NAME_MIN ? room / 2 : TREE_NAME_MIN;
	int cap = (room - 2 - TREE_LABEL_W - name_min) & ~1;
	int d = depth;

	*at_depth = false;
	if (level >= 0 && tv->indent_shift) {
		/* calls above the window are drawn at its left edge */
		d = 2 + (level > tv->indent_shift ? level - tv->indent_shift : 0);
		*at_depth = true;
	}
	if (cap < 0)
		cap = 0;
	if (2 * d <= cap)
		return 2 * d;
	if (level >= 0)
		*at_depth = true;
	return cap;
}

unsigned tree_view_shift(struct tree_view *tv, bool deeper)
{
	int s = tv->indent_shift + (deeper ? TREE_SHIFT_STEP : -TREE_SHIFT_STEP);

	if (s < 0)
		s = 0;
	if (s > TREE_SHIFT_MAX)
		s = TREE_SHIFT_MAX;
	if (s == tv->indent_shift)
		return 0;
	tv->indent_shift = s;
	return DIRTY_TREE;
}
