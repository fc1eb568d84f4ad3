/* One run: set up output and scripts, start or attach the tracees, wait for
 * their stops until none is left, then the summary and the exit status. */
#ifndef COMPENDIUM_SESSION_H
#define COMPENDIUM_SESSION_H

#include "cli.h"
#include "event.h"

/* Returns compendium's exit status. */
int session_run(const struct cli_options *opts);

struct source;
/* The source the run takes its records from (the session chooses it from
 * the options; a test may set its own before asking the host API). */
const struct source *session_source(void);
void session_set_source(const struct source *s);

/* The run as scripts see it in start/end hooks. */
void session_run_info(cmp_run_info *out);

struct source;
/* Where the run's records come from. */
const struct source *session_source(void);

#endif
