/* --diff A B: two recordings compared by the bundled diff script. */
#ifndef COMPENDIUM_DIFF_MODE_H
#define COMPENDIUM_DIFF_MODE_H

#include "cli.h"

/* 0: equal within the thresholds, 1: not, 2: bad input (said in one line),
 * 125: an output could not be written. */
int diff_run(const struct cli_options *opts);

#endif
