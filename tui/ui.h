/* ui.h - the full-screen ncurses interface. */
#ifndef PT_UI_H
#define PT_UI_H

#include <stdbool.h>

#include "ingest.h"
#include "model.h"

/* Runs the interface until the user quits.  Returns the process exit status
 * for main: 0 (q, Ctrl-C), 128 + the signal after SIGTERM or SIGHUP, or 1 on
 * a fatal error already reported on stderr. */
int ui_run(struct ingest *ing, struct model *m);
/* --keep-ended N: at most N ended processes stay in the model, the ones
 * that ended last; older ones are cleared as with F c.  -1 (the default):
 * all stay. */
void ui_set_keep_ended(long n);
/* Mouse clicks and wheel (on by default; --no-mouse): before ui_run(). */
void ui_set_mouse(bool on);

#endif
