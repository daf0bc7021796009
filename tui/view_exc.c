/* view_exc.c - the exceptions pane: by time, newest first, two lines each
 * (time, pid/tid, function; type and message).  It follows the newest
 * until the cursor is moved; then the cursor holds its exception while new
 * ones arrive above it, the title says how many, and g or Home follows
 * again.  Threads and processes flush separately, so exceptions do not
 * arrive in time order: the pane sorts them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"

void exc_view_free(struct exc_view *ev)
{
	free(ev->order);
	ev->order = NULL;
	ev->norder = ev->cap = 0;
	ev->order_n = 0;
	ev->order_id = 0;
}

static const struct model *sort_model;

static int newer_first(const void *a, const void *b)
{
	const struct mexception *x = model_exception_at(sort_model, *(const size_t *)a);
	const struct mexception *y = model_exception_at(sort_model, *(const size_t *)b);

	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* Brings `order` up to date with the model's kept exceptions. */
static void sort_exceptions(struct exc_view *ev, const struct model *m)
{
	size_t n = model_exception_count(m);
	uint64_t newest = n ? model_exception_at(m, 0)->id : 0;

	unsigned stamp = ev->scope_tv ? ev->scope_tv->scope_stamp : 0;

	if (ev->order && n == ev->order_n && newest == ev->order_id && stamp == ev->order_stamp)
		return;
	if (n > ev->cap) {
		size_t *o = realloc(ev->order, n * sizeof(*o));

		if (!o) {
			ev->norder = 0;   /* nothing shown rather than stale indexes */
			return;
		}
		ev->order = o;
		ev->cap = n;
	}
	size_t k = 0;
	const struct scope *sc = ev->scope_tv && scope_active(&ev->scope_tv->scope) ?
		&ev->scope_tv->scope : NULL;

	for (size_t i = 0; i < n; i++) {
		/* only those of the processes and threads shown */
		const struct mnode *t = sc ? model_find(m, model_exception_at(m, i)->thread) : NULL;

		if (!t || scope_shows_thread(sc, m, (const struct mthread *)t))
			ev->order[k++] = i;
	}
	sort_model = m;
	if (k > 1)          /* qsort(NULL, 0, ...) is undefined (UBSan stops there) */
		qsort(ev->order, k, sizeof(*ev->order), newer_first);
	ev->norder = k;
	ev->order_stamp = stamp;
	ev->order_n = n;
	ev->order_id = newest;
}

static const struct mexception *at(const struct exc_view *ev, const struct model *m, size_t pos)
{
	return model_exception_at(m, ev->order[pos]);
}

/* Position of the cursor in `order` (0 = newest). */
static size_t cursor_pos(struct exc_view *ev, const struct model *m)
{
	sort_exceptions(ev, m);
	if (!ev->norder || !ev->cursor_id)
		return 0;
	for (size_t i = 0; i < ev->norder; i++)
		if (at(ev, m, i)->id == ev->cursor_id)
			return i;
	/* it was retired: hold the oldest kept instead */
	ev->cursor_id = at(ev, m, ev->norder - 1)->id;
	return ev->norder - 1;
}

size_t exc_view_newer(struct exc_view *ev, const struct model *m)
{
	return ev->cursor_id ? cursor_pos(ev, m) : 0;
}

const struct mexception *exc_view_selected(struct exc_view *ev, const struct model *m)
{
	size_t pos = cursor_pos(ev, m);

	return ev->norder ? at(ev, m, pos) : NULL;
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
	size_t cur = cursor_pos(ev, m), n = ev->norder;
	int H = getmaxy(w), W = getmaxx(w);
	size_t per_page = H > 2 ? (size_t)(H - 2) / 2 : 0;
	char title[96], num[24], num2[24], cnt[64];
	struct model_stats ms;

	model_get_stats(m, &ms);
	/* longjmps (calls abandoned) are listed too: counted apart */
	if (ms.unwinds) {
		char nu[24];

		snprintf(cnt, sizeof(cnt), "%s, %s longjmp%s", draw_count(ms.exceptions, num, sizeof(num)),
			 draw_count(ms.unwinds, nu, sizeof(nu)), ms.unwinds == 1 ? "" : "s");
	} else {
		snprintf(cnt, sizeof(cnt), "%s", draw_count(ms.exceptions, num, sizeof(num)));
	}
	if (ev->norder < ms.exceptions + ms.unwinds && ev->scope_tv && scope_active(&ev->scope_tv->scope)) {
		/* the scope leaves some out: say how many are listed */
		size_t at = strlen(cnt);

		snprintf(cnt + at, sizeof(cnt) - at, "; %s shown", draw_count(ev->norder, num2, sizeof(num2)));
	}
	if (ev->cursor_id && cur)
		snprintf(title, sizeof(title), "Exceptions (%s): %s newer, g: newest", cnt,
			 draw_count(cur, num2, sizeof(num2)));
	else
		snprintf(title, sizeof(title), "Exceptions (%s), newest first", cnt);
	werase(w);
	draw_frame(w, title, focused);
	if (!per_page)
		return;
	if (!n) {
		draw_text(w, 1, 2, W - 3, "none yet", draw_attr(COL_DIM));
		return;
	}
	if (!ev->cursor_id)
		ev->top = 0;
	if (cur < ev->top)
		ev->top = cur;
	if (cur >= ev->top + per_page)
		ev->top = cur - per_page + 1;
	if (ev->top >= n)
		ev->top = 0;
	for (size_t i = ev->top, y = 1; i < n && y + 1 <= (size_t)H - 2 && i < ev->top + per_page; i++, y += 2) {
		const struct mexception *e = at(ev, m, i);
		bool sel = focused && i == cur;
		attr_t base = sel ? draw_attr(COL_CURSOR) : draw_attr(COL_NORMAL);
		char when[40], line[160];
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
	size_t cur = cursor_pos(ev, m), n = ev->norder, to = cur;

	if (!n)
		return 0;
	switch (key) {
	case KEY_DOWN: case 'j':
		to = cur + 1 < n ? cur + 1 : cur;
		break;
	case KEY_UP: case 'k':
		to = cur ? cur - 1 : 0;
		break;
	case KEY_NPAGE: case VIEW_CTRL('f'): case VIEW_CTRL('d'): case ' ':
		to = cur + (size_t)page < n ? cur + (size_t)page : n - 1;
		break;
	case KEY_PPAGE: case VIEW_CTRL('b'): case VIEW_CTRL('u'):
		to = cur > (size_t)page ? cur - (size_t)page : 0;
		break;
	case KEY_HOME: case 'g':
		ev->cursor_id = 0;   /* follow the newest again */
		ev->top = 0;
		return DIRTY_EXC;
	case KEY_END: case 'G':
		to = n - 1;
		break;
	default:
		return 0;
	}
	ev->cursor_id = at(ev, m, to)->id;
	return DIRTY_EXC;
}

unsigned exc_view_click(struct exc_view *ev, const struct model *m, int y)
{
	size_t i = ev->top + (size_t)(y > 1 ? y - 1 : 0) / 2;

	cursor_pos(ev, m);   /* the order as drawn */
	if (y < 1 || i >= ev->norder)
		return 0;
	ev->cursor_id = at(ev, m, i)->id;
	return DIRTY_EXC;
}
