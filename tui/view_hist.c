/* view_hist.c - the histogram pane: log2 duration buckets of the path under
 * the tree cursor (or of the whole run), bars scaled to the pane, and a
 * footer with n, p50, p90, p99 and max. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "view.h"

/* "1.20 ms" -> "1.20ms": bucket labels must be short. */
static void compact_ns(uint64_t ns, char *buf, size_t size)
{
	char tmp[32];
	size_t j = 0;

	hist_format_ns(ns, tmp, sizeof(tmp));
	for (size_t i = 0; tmp[i] && j + 1 < size; i++)
		if (tmp[i] != ' ')
			buf[j++] = tmp[i];
	buf[j] = 0;
}

static void draw_bar(WINDOW *w, int y, int x, int width, uint64_t v, uint64_t max)
{
	static const char *const eighths[] = { "", "\u258f", "\u258e", "\u258d", "\u258c",
					       "\u258b", "\u258a", "\u2589" };
	attr_t a = draw_attr(COL_BAR);
	uint64_t units;
	int full, part;

	if (width <= 0 || !max)
		return;
	units = v * (uint64_t)width * 8 / max;
	if (v && !units)
		units = 1;   /* a non-empty bucket always shows */
	full = (int)(units / 8);
	part = (int)(units % 8);
	wmove(w, y, x);
	for (int i = 0; i < full; i++)
		draw_text(w, y, x + i, 1, draw_glyphs()->bar, a);
	if (part && full < width) {
		if (draw_utf8())
			draw_text(w, y, x + full, 1, eighths[part], a);
		else if (part >= 4 || !full)
			draw_text(w, y, x + full, 1, draw_glyphs()->bar, a);
	}
}

void hist_view_draw(WINDOW *w, const struct model *m, const struct mnode *sel, bool focused)
{
	const struct hist *h = NULL;
	struct hist ph;      /* the selected path's, expanded */
	const char *name = NULL;
	int mark = -1;
	char title[160], cnt[32];
	int H = getmaxy(w), W = getmaxx(w);
	int rows = H - 3;    /* frame and footer */
	int lo = -1, hi = -1;

	if (sel && mnode_kind(sel) == MN_CALL) {
		const struct mcall *c = (const struct mcall *)sel;

		if (c->state == CALL_DONE || c->state == CALL_PARTIAL)
			mark = hist_bucket_of(c->dur_ns > 0 ? (uint64_t)c->dur_ns : 0);
		sel = &c->path->node;
	}
	if (sel && mnode_kind(sel) == MN_PATH) {
		model_path_hist(m, (const struct mpath *)sel, &ph);
		h = &ph;
		name = ((const struct mpath *)sel)->fn->name;
	} else {
		h = model_all_hist(m);
	}
	werase(w);
	if (name && ((const struct mpath *)sel)->fn->marker) {
		snprintf(title, sizeof(title), "%s", name);
	} else if (name) {
		const struct mpath *p = (const struct mpath *)sel;
		char tot[32], self[32];

		hist_format_ns(p->total_ns, tot, sizeof(tot));
		hist_format_ns(p->self_ns, self, sizeof(self));
		snprintf(title, sizeof(title), "%s: %s calls, total %s, self %s", name,
			 draw_count(h ? h->n : 0, cnt, sizeof(cnt)), tot, self);
	}
	else
		snprintf(title, sizeof(title), "All calls: %s", draw_count(h ? h->n : 0, cnt, sizeof(cnt)));
	draw_frame(w, title, focused);
	if (rows < 1 || W < 12)
		return;
	if (!h || !h->n) {
		draw_text(w, 1, 2, W - 3, "no finished calls yet", draw_attr(COL_DIM));
		return;
	}
	for (int i = 0; i < HIST_BUCKETS; i++) {
		if (h->bucket[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	/* too many buckets for the pane: drop the emptier end first */
	while (hi - lo + 1 > rows) {
		if (h->bucket[lo] <= h->bucket[hi])
			lo++;
		else
			hi--;
	}
	uint64_t max = 0;

	for (int i = lo; i <= hi; i++)
		if (h->bucket[i] > max)
			max = h->bucket[i];
	int labw = 0, cntw = 1;
	char lab[HIST_BUCKETS][40];

	for (int i = lo; i <= hi; i++) {
		char a[16], b[16];

		compact_ns(hist_bucket_lo(i), a, sizeof(a));
		compact_ns(hist_bucket_hi(i), b, sizeof(b));
		snprintf(lab[i], sizeof(lab[i]), "%s-%s", a, b);
		if ((int)strlen(lab[i]) > labw)
			labw = (int)strlen(lab[i]);
		int cw = snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)h->bucket[i]);

		if (cw > cntw)
			cntw = cw;
	}
	if (labw + cntw + 6 > W - 2)
		labw = W - 2 - cntw - 6;
	if (labw < 1)
		labw = 1;
	int barx = 1 + labw + 1 + cntw + 1;
	int barw = W - 1 - barx - 1;

	for (int i = lo, y = 1; i <= hi; i++, y++) {
		draw_text(w, y, 1, labw, lab[i], i == mark ? draw_attr(COL_FOCUS) : draw_attr(COL_DIM));
		snprintf(cnt, sizeof(cnt), "%*llu", cntw > 20 ? 20 : cntw, (unsigned long long)h->bucket[i]);
		draw_text(w, y, 1 + labw + 1, cntw, cnt, draw_attr(COL_NORMAL));
		draw_bar(w, y, barx, barw, h->bucket[i], max);
		if (i == mark)
			draw_text(w, y, W - 2, 1, draw_utf8() ? "\u25c2" : "<", draw_attr(COL_FOCUS));
	}
	char p50[16], p90[16], p99[16], mx[16], foot[128];

	compact_ns(hist_quantile(h, 0.50), p50, sizeof(p50));
	compact_ns(hist_quantile(h, 0.90), p90, sizeof(p90));
	compact_ns(hist_quantile(h, 0.99), p99, sizeof(p99));
	compact_ns(h->max_ns, mx, sizeof(mx));
	snprintf(foot, sizeof(foot), "n %s  p50 %s  p90 %s  p99 %s  max %s",
		 draw_count(h->n, cnt, sizeof(cnt)), p50, p90, p99, mx);
	if (draw_width(foot) > W - 2)
		snprintf(foot, sizeof(foot), "p50 %s p90 %s p99 %s max %s", p50, p90, p99, mx);
	draw_text(w, H - 2, 1, W - 2, foot, draw_attr(COL_TITLE));
}
