/* fake_model.h - the recording stand-in for the model used by test_ingest. */
#ifndef PT_FAKE_MODEL_H
#define PT_FAKE_MODEL_H

#include "model.h"

#define FAKE_MAX 4096

struct fake_event {
	enum event_kind kind;
	int32_t pid, tid;
	uint64_t seq;
	int64_t ts;
	char fn[64];
};

struct fake_log {
	size_t n;                /* events applied (may exceed FAKE_MAX) */
	struct fake_event ev[FAKE_MAX];
	int ended;               /* model_end_of_input calls */
	int vanished;
	int32_t vanished_pid;
};

extern struct fake_log fake;
void fake_reset(void);

#endif
