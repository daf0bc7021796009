/* ui_int.h - the interface's state between the event loop and the panes;
 * internal, shared with tests/test_render.c, which drives it on a headless
 * screen without a source. */
#ifndef PT_UI_INT_H
#define PT_UI_INT_H

#include <stdbool.h>

#include "view.h"
#include "view_profile.h"

enum overlay { OV_NONE, OV_HELP, OV_PAGER };
enum layout { LAYOUT_SIDE, LAYOUT_STACK, LAYOUT_SINGLE, LAYOUT_TOO_SMALL };

struct ui {
	struct ingest *ing;      /* borrowed; NULL in tests */
	struct model *m;         /* borrowed */
	struct tree_view tv;
	struct exc_view ev;
	struct profile_view pv;  /* the profile view, in the calls pane's place when on */
	struct pager pager;
	WINDOW *win[PANE_COUNT]; /* owned; NULL when the pane is hidden */
	WINDOW *status, *hint, *overlay_win; /* owned */
	enum layout layout;
	enum pane focus;
	enum overlay overlay;
	int help_scroll;
	bool prompt;             /* typing a search */
	char query[256];
	size_t qlen;
	unsigned dirty;
	uint64_t last_gen;
	size_t last_exc_count;   /* exceptions kept at the last look, and the newest id */
	uint64_t last_exc_id;
	bool quit;
	char empty_note[2048];   /* why no event came, once input ended (tv.empty_note) */
	/* q with -- CMD running asks first: what is said, until the next key */
	char quit_note[400];
	/* the filter menu and its prompt (ui_scope.c) */
	int scope_mode;          /* 0, or the menu or the prompt is on the hint line */
	char scope_input[64];
	size_t scope_ilen;
	struct scope_counts scope_counts; /* what the filters leave out, as last counted */
	uint64_t scope_gen;      /* the model generation they were counted at */
	char scope_hint[300];    /* the menu or prompt line */
	char scope_text[1000];   /* the status line's words for the scope */
	/* what the last filter, save or export key did, on the status line
	 * until the next key */
	char notice[600];
	bool notice_warn;        /* it says something went wrong */
};

/* ui_scope.c: the filter menu (F, F4), its prompt, the save and export keys */
void ui_scope_open(struct ui *u);
/* A key while the menu or its prompt is open. */
void ui_scope_key(struct ui *u, int key);
/* The menu or prompt line for the hint line, or NULL. */
const char *ui_scope_hint(struct ui *u);
/* Counts again what the filters leave out (walks the kept calls with a
 * minimum duration set: about once a second, or after a change). */
void ui_scope_recount(struct ui *u);
/* What is filtered and how much is hidden, for the status line ("" when
 * nothing is). */
const char *ui_scope_status(struct ui *u, char *buf, size_t size);
/* Clears ended processes from the model, all but the `keep` that ended
 * last (F c: 0; --keep-ended), and what the view held of them. */
void ui_forget_ended(struct ui *u, uint32_t keep);
/* ui_save.c: S and X, the trace received so far into new files here */
void ui_save_trace(struct ui *u);
void ui_export_trace(struct ui *u);

void ui_state_init(struct ui *u, struct ingest *ing, struct model *m);
void ui_state_free(struct ui *u);
/* Rebuilds the windows for the current LINES x COLS. */
void ui_layout(struct ui *u);
/* Redraws what u->dirty says and sends it to the terminal. */
void ui_draw(struct ui *u);
/* One key (a curses key code or a character); sets u->dirty. */
void ui_key(struct ui *u, int key);
/* Notes model and source changes since the last call (sets u->dirty). */
void ui_poll_model(struct ui *u);
/* The profile view's keys (ui_profile.c): true when the key was its. */
bool ui_profile_key(struct ui *u, int key);
/* A mouse event (ui_mouse.c); ui_key() takes KEY_MOUSE to it. */
void ui_mouse(struct ui *u, const MEVENT *me);
bool ui_mouse_enabled(void);
/* The histogram pane under the profile view. */
void ui_profile_hist(struct ui *u);
/* While curses runs, whatever is written to fd 2 goes to a temporary file;
 * release puts fd 2 back and copies out what was written meanwhile. */
void ui_stderr_capture(void);
void ui_stderr_release(void);

#endif
