/* fake_model.c - a recording stand-in for the model, for tests/test_ingest.c:
 * it keeps what ingest hands over (which events, in which order, when input
 * ended, which processes vanished) so the tests can check exactly that. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fake_model.h"

struct model {
	int unused;
};

struct fake_log fake;

struct model *model_create(const struct model_config *cfg)
{
	(void)cfg;
	return calloc(1, sizeof(struct model));
}

void model_free(struct model *m)
{
	free(m);
}

void model_apply(struct model *m, const struct event *ev)
{
	(void)m;
	if (fake.n < FAKE_MAX) {
		struct fake_event *f = &fake.ev[fake.n];

		f->kind = ev->kind;
		f->pid = ev->pid;
		f->tid = ev->tid;
		f->seq = ev->seq;
		f->ts = ev->ts;
		f->fn[0] = '\0';
		if (ev->fn.s) {
			size_t n = ev->fn.len < sizeof f->fn - 1 ? ev->fn.len : sizeof f->fn - 1;
			memcpy(f->fn, ev->fn.s, n);
			f->fn[n] = '\0';
		}
	}
	fake.n++;
}

void model_process_vanished(struct model *m, int32_t pid)
{
	(void)m;
	fake.vanished_pid = pid;
	fake.vanished++;
}

void model_end_of_input(struct model *m)
{
	(void)m;
	fake.ended++;
}

/* No processes: ingest's vanish check walks nothing. */
const struct mnode *model_first_child(const struct model *m, enum model_view view,
				      const struct mnode *parent)
{
	(void)m, (void)view, (void)parent;
	return NULL;
}

const struct mnode *model_next_sibling(const struct model *m, enum model_view view,
				       const struct mnode *node)
{
	(void)m, (void)view, (void)node;
	return NULL;
}

void fake_reset(void)
{
	memset(&fake, 0, sizeof fake);
}
