/* view_hist.c - the histogram pane: log2 duration buckets of the path under
 * the tree cursor (of its thread or process on such a row, of the whole run
 * with nothing selected), bars scaled to the pane, and a footer with n,
 * p50, p90, p99 and max.  Buckets that do not fit are merged, never hidden.
 * Buckets wholly below the step of the clock that timed the calls are one
 * row, "<10ns": the clock cannot tell those durations apart. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "view.h"

/* "1.20 ms" -> "1.20ms": bucket labels must be short.  Below a clock step
 * of more than 1 ns, "<10ns". */
static void compact_ns_step(uint64_t ns, uint64_t step, char *buf, size_t size)
{
	char tmp[32];
	size_t j = 0;

	hist_format_ns_step(ns, step, tmp, sizeof(tmp));
	for (size_t i = 0; tmp[i] && j + 1 < size; i++)
		if (tmp[i] != ' ')
			buf[j++] = tmp[i];
	buf[j] = 0;
}

static void compact_ns(uint64_t ns, char *buf, size_t size)
{
	compact_ns_step(ns, 0, buf, size);
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

/* Rows of the pane: runs of buckets [a, b] and their summed counts. */
struct hrow {
	int a, b;
	uint64_t n;
};

/* Lays the populated span of h out in at most `rows` rows, hiding no
 * populated bucket: when the buckets do not fit, runs of empty ones become
 * one row each, then neighbours are merged, the narrowest pair first and of
 * those the one with the fewest calls (the first and the last row stay
 * single while that is possible, so the extremes keep their own rows).
 * The first `below` buckets (under the clock's step) start as one row.
 * Returns the row count. */
static int plan_rows(const struct hist *h, int rows, int below, struct hrow *out)
{
	int n = 0, lo = -1, hi = -1;

	for (int i = 0; i < HIST_BUCKETS; i++)
		if (h->bucket[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	if (lo < 0 || rows < 1)
		return 0;
	for (int i = lo; i <= hi; i++) {
		if (i < below && n)
			out[n - 1].n += h->bucket[i];
		else
			out[n++] = (struct hrow){ i, i < below ? below - 1 : i, h->bucket[i] };
	}
	if (n > rows) {
		int k = 0;

		for (int i = 0; i < n; i++) {
			if (k && !out[i].n && !out[k - 1].n)
				out[k - 1].b = out[i].b;
			else
				out[k++] = out[i];
		}
		n = k;
	}
	while (n > rows) {
		int best = -1;
		uint64_t best_n = 0;
		int from = n > 3 && rows >= 3 ? 1 : 0, to = n > 3 && rows >= 3 ? n - 2 : n - 1;

		int best_span = 0;

		/* the narrowest pair first, so that rows keep even spans and
		 * their bars stay comparable; of those the emptiest */
		for (int i = from; i < to; i++) {
			uint64_t sum = out[i].n + out[i + 1].n;
			int span = out[i + 1].b - out[i].a;

			if (best < 0 || span < best_span || (span == best_span && sum < best_n)) {
				best = i;
				best_n = sum;
				best_span = span;
			}
		}
		out[best].b = out[best + 1].b;
		out[best].n = best_n;
		memmove(&out[best + 1], &out[best + 2], (size_t)(n - best - 2) * sizeof(*out));
		n--;
	}
	return n;
}

static const char *calls_word(uint64_t n)
{
	return n == 1 ? "call" : "calls";
}

static void draw_titled(WINDOW *w, const struct model *m, const struct mnode *sel, const char *title,
			const struct hist *h, int mark, bool focused, uint32_t step);

void hist_view_draw(WINDOW *w, const struct model *m, const struct mnode *sel, bool focused)
{
	const struct hist *h = NULL;
	struct hist ph;      /* the selected path's (or process's), expanded */
	int mark = -1;
	char title[160], cnt[32], who[96];

	who[0] = 0;
	if (sel && mnode_kind(sel) == MN_CALL) {
		const struct mcall *c = (const struct mcall *)sel;

		if (c->state == CALL_DONE || c->state == CALL_PARTIAL)
			mark = hist_bucket_of(c->dur_ns > 0 ? (uint64_t)c->dur_ns : 0);
		sel = &c->path->node;
	}
	if (sel && mnode_kind(sel) == MN_PATH) {
		model_path_hist(m, (const struct mpath *)sel, &ph);
		h = &ph;
		snprintf(who, sizeof(who), "%s", ((const struct mpath *)sel)->fn->name);
	} else if (sel && mnode_kind(sel) == MN_THREAD) {
		const struct mthread *t = (const struct mthread *)sel;

		h = model_thread_hist(m, t);
		snprintf(who, sizeof(who), "thread %d%s%s", (int)t->tid, t->name ? " " : "",
			 t->name ? t->name : "");
	} else if (sel && mnode_kind(sel) == MN_PROCESS) {
		const struct mprocess *p = (const struct mprocess *)sel;

		model_process_hist(m, p, &ph);
		h = &ph;
		snprintf(who, sizeof(who), "process %d%s%s", (int)p->pid, *p->prog ? " " : "", p->prog);
	} else {
		h = model_all_hist(m);
	}
	if (sel && mnode_kind(sel) == MN_PATH && ((const struct mpath *)sel)->fn->marker) {
		snprintf(title, sizeof(title), "%s", who);   /* "(callers not seen)": no call of its own */
	} else if (sel && mnode_kind(sel) == MN_PATH) {
		const struct mpath *p = (const struct mpath *)sel;
		char tot[32], self[32];

		hist_format_ns(p->total_ns, tot, sizeof(tot));
		hist_format_ns(p->self_ns, self, sizeof(self));
		snprintf(title, sizeof(title), "%s: %s %s, total %s, self %s", who,
			 draw_count(h->n, cnt, sizeof(cnt)), calls_word(h->n), tot, self);
	} else if (who[0])
		snprintf(title, sizeof(title), "%s: %s %s", who, draw_count(h->n, cnt, sizeof(cnt)),
			 calls_word(h->n));
	else
		snprintf(title, sizeof(title), "All calls: %s", draw_count(h ? h->n : 0, cnt, sizeof(cnt)));
	draw_titled(w, m, sel, title, h, mark, focused, model_clock_step(m, sel));
}

/* The pane with its title (sel: whose events tell whether it is a sample;
 * step: the clock's, ns, 0 when not known). */
static void draw_titled(WINDOW *w, const struct model *m, const struct mnode *sel, const char *title,
			const struct hist *h, int mark, bool focused, uint32_t step)
{
	int H = getmaxy(w), W = getmaxx(w);
	int rows = H - 3;    /* frame and footer */
	struct hrow plan[HIST_BUCKETS];
	char cnt[32];

	werase(w);
	/* The sample mark first, where a narrow frame cannot cut it off. */
	uint64_t received, lost;
	char shown[160 + 32];

	/* a thread with stats has exact histograms whatever it lost */
	model_scope_figures(m, sel, &received, &lost, NULL);
	if (lost) {
		char pct[16];

		model_share_text(received, lost, pct, sizeof(pct));
		snprintf(shown, sizeof(shown), "sample %s %%: %s", pct, title);
	}
	draw_frame(w, lost ? shown : title, focused);
	if (rows < 1 || W < 12)
		return;
	if (!h || !h->n) {
		draw_text(w, 1, 2, W - 3, "no finished calls yet", draw_attr(COL_DIM));
		return;
	}
	int below = step > 1 ? hist_buckets_below(step) : 0;
	int nrows = plan_rows(h, rows, below, plan);
	uint64_t max = 0;

	for (int i = 0; i < nrows; i++)
		if (plan[i].n > max)
			max = plan[i].n;
	int labw = 0, cntw = 1;
	char lab[HIST_BUCKETS][40];

	for (int i = 0; i < nrows; i++) {
		char a[16], b[16];

		compact_ns(hist_bucket_lo(plan[i].a), a, sizeof(a));
		compact_ns(hist_bucket_hi(plan[i].b), b, sizeof(b));
		if (plan[i].b < below)
			compact_ns_step(0, step, lab[i], sizeof(lab[i]));
		else
			snprintf(lab[i], sizeof(lab[i]), "%s-%s", a, b);
		if ((int)strlen(lab[i]) > labw)
			labw = (int)strlen(lab[i]);
		int cw = snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)plan[i].n);

		if (cw > cntw)
			cntw = cw;
	}
	if (labw + cntw + 6 > W - 2)
		labw = W - 2 - cntw - 6;
	if (labw < 1)
		labw = 1;
	int barx = 1 + labw + 1 + cntw + 1;
	int barw = W - 1 - barx - 1;

	for (int i = 0, y = 1; i < nrows; i++, y++) {
		bool marked = mark >= plan[i].a && mark <= plan[i].b;

		draw_text(w, y, 1, labw, lab[i], marked ? draw_attr(COL_FOCUS) : draw_attr(COL_DIM));
		snprintf(cnt, sizeof(cnt), "%*llu", cntw > 20 ? 20 : cntw, (unsigned long long)plan[i].n);
		draw_text(w, y, 1 + labw + 1, cntw, cnt, draw_attr(plan[i].n ? COL_NORMAL : COL_DIM));
		draw_bar(w, y, barx, barw, plan[i].n, max);
		if (marked)
			draw_text(w, y, W - 2, 1, draw_utf8() ? "\u25c2" : "<", draw_attr(COL_FOCUS));
	}
	char p50[16], p90[16], p99[16], mx[16], sv[16], st[32] = "", foot[160];

	compact_ns_step(hist_quantile(h, 0.50), step, p50, sizeof(p50));
	compact_ns_step(hist_quantile(h, 0.90), step, p90, sizeof(p90));
	compact_ns_step(hist_quantile(h, 0.99), step, p99, sizeof(p99));
	compact_ns_step(h->max_ns, step, mx, sizeof(mx));
	/* what "<10ns" means, while there is room to say it */
	if (step > 1) {
		compact_ns(step, sv, sizeof(sv));
		snprintf(st, sizeof(st), " step %s", sv);
	}
	snprintf(foot, sizeof(foot), "n %s  p50 %s  p90 %s  p99 %s  max %s%s%s",
		 draw_count(h->n, cnt, sizeof(cnt)), p50, p90, p99, mx, *st ? "  clock" : "", st);
	if (draw_width(foot) > W - 2)
		snprintf(foot, sizeof(foot), "p50 %s p90 %s p99 %s max %s%s", p50, p90, p99, mx, st);
	if (draw_width(foot) > W - 2)
		snprintf(foot, sizeof(foot), "p50 %s p90 %s p99 %s max %s", p50, p90, p99, mx);
	if (draw_width(foot) > W - 2)
		/* a cut max would read as a different figure */
		snprintf(foot, sizeof(foot), "p50 %s p99 %s max %s", p50, p99, mx);
	draw_text(w, H - 2, 1, W - 2, foot, draw_attr(COL_TITLE));
}

void hist_view_draw_func(WINDOW *w, const struct model *m, const char *name, const struct hist *h,
			 uint64_t total_ns, uint64_t self_ns, const struct mnode *scope, bool focused)
{
	char title[160], cnt[32], tot[32], self[32];

	hist_format_ns(total_ns, tot, sizeof(tot));
	hist_format_ns(self_ns, self, sizeof(self));
	snprintf(title, sizeof(title), "%s: %s %s, total %s, self %s", name, draw_count(h->n, cnt, sizeof(cnt)),
		 calls_word(h->n), tot, self);
	draw_titled(w, m, scope, title, h, -1, focused, model_clock_step(m, scope));
}
