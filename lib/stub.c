#include "pipetrace.h"
int pt_enabled(void) { return 0; }
