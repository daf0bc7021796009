/* view_exc.c - the exceptions pane: newest first, two lines each (time,
 * pid/tid, function; type and message).  The cursor is kept on an
 * exception id so that new arrivals do not move it. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "view.h"

/* Index of the exception under the cursor (0 = newest). */
static size_t cursor_index(struct exc_view *ev, const struct model *m)
{
	size_t n = model_exception_count(m);
	const struct mexception *newest;

	if (!n)
		return 0;
	if (!ev->cursor_id)
		return 0;
	newest = model_exception_at(m, 0);
	/* kept exceptions have consecutive ids: try the direct index first */
	if (newest->id >= ev->cursor_id) {
		size_t i = (size_t)(newest->id - ev->cursor_id);

		if (i < n && model_exception_at(m, i)->id == ev->cursor_id)
			return i;
	}
	for (size_t i = 0; i < n; i++)
		if (model_exception_at(m, i)->id == ev->cursor_id)
			return i;
	ev->cursor_id = model_exception_at(m, n - 1)->id;  /* it was retired */
	return n - 1;
}

const struct mexception *exc_view_selected(struct exc_view *ev, const struct model *m)
{
	size_t n = model_exception_count(m);

	return n ? model_exception_at(m, cursor_index(ev, m)) : NULL;
}

static void fmt_time(const struct mexception *e, char *buf, size_t size)
{
	if (e->wall_ns > 0) {
		time_t t = (time_t)(e->wall_ns / 1000000000);
		struct tm tm;
		char hms[16];

		localtime_r(&t, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		snprintf(buf, size, "%s.%03d", hms, (int)((e->wall_ns / 1000000) % 1000));
	} else {
		snprintf(buf, size, "%.3f s", (double)e->ts / 1e9);
	}
}

void exc_view_draw(struct exc_view *ev, WINDOW *w, const struct model *m, bool focused)
{
	size_t n = model_exception_count(m), cur = cursor_index(ev, m);
	int H = getmaxy(w), W = getmaxx(w);
	size_t per_page = H > 2 ? (size_t)(H - 2) / 2 : 0;
	char title[64], line[160], num[24];
	struct model_stats ms;

	model_get_stats(m, &ms);
	if (ms.unwinds) {
		char nu[24];

		snprintf(title, sizeof(title), "Exceptions (%s) and longjmps (%s)",
			 draw_count(ms.exceptions, num, sizeof(num)), draw_count(ms.unwinds, nu, sizeof(nu)));
	} else {
		snprintf(title, sizeof(title), "Exceptions (%s)", draw_count(ms.exceptions, num, sizeof(num)));
	}
	werase(w);
	draw_frame(w, title, focused);
	if (!per_page)
		return;
	if (!n) {
		draw_text(w, 1, 2, W - 3, "none yet", draw_attr(COL_DIM));
		return;
	}
	if (cur < ev->top)
		ev->top = cur;
	if (cur >= ev->top + per_page)
		ev->top = cur - per_page + 1;
	if (ev->top >= n)
		ev->top = 0;
	for (size_t i = ev->top, y = 1; i < n && y + 1 <= (size_t)H - 2 && i < ev->top + per_page; i++, y += 2) {
		const struct mexception *e = model_exception_at(m, i);
		bool sel = focused && i == cur;
		attr_t base = sel ? draw_attr(COL_CURSOR) : draw_attr(COL_NORMAL);
		char when[40];
		int x = 1;

		draw_blank(w, (int)y, 1, W - 2, base);
		draw_blank(w, (int)y + 1, 1, W - 2, base);
		fmt_time(e, when, sizeof(when));
		snprintf(line, sizeof(line), "%s %d/%d ", when, (int)e->pid, (int)e->tid);
		x += draw_text(w, (int)y, x, W - 2, line, sel ? base : draw_attr(COL_DIM));
		draw_text(w, (int)y, x, W - 1 - x, e->fn ? e->fn : "?", base);
		x = 3 + draw_text(w, (int)y + 1, 3, W - 4, e->signal ? e->signal : (e->type ? e->type : "?"),
				  sel ? base : draw_attr(COL_EXC));
		if (e->msg && *e->msg && x + 2 < W - 1) {
			draw_text(w, (int)y + 1, x, 2, ": ", base);
			draw_text(w, (int)y + 1, x + 2, W - 1 - x - 2, e->msg, base);
		}
	}
}

unsigned exc_view_key(struct exc_view *ev, const struct model *m, int key, int page)
{
	size_t n = model_exception_count(m), cur = cursor_index(ev, m), to = cur;

	if (!n)
		return 0;
	switch (key) {
	case KEY_DOWN: case 'j':
		to = cur + 1 < n ? cur + 1 : cur;
		break;
	case KEY_UP: case 'k':
		to = cur ? cur - 1 : 0;
		break;
	case KEY_NPAGE: case VIEW_CTRL('f'):
		to = cur + (size_t)page < n ? cur + (size_t)page : n - 1;
		break;
	case KEY_PPAGE: case VIEW_CTRL('b'):
		to = cur > (size_t)page ? cur - (size_t)page : 0;
		break;
	case KEY_HOME: case 'g':
		to = 0;
		break;
	case KEY_END: case 'G':
		to = n - 1;
		break;
	default:
		return 0;
	}
	ev->cursor_id = model_exception_at(m, to)->id;
	return DIRTY_EXC;
}
