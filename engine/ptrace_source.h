/* The ptrace source: starts or attaches the tracees, turns each wait status
 * into state calls, and resumes the tracee as cheaply as the interest allows.
 * Live, stops tasks (enter hooks, injection, delays), attaches. */
#ifndef COMPENDIUM_PTRACE_SOURCE_H
#define COMPENDIUM_PTRACE_SOURCE_H

#include "source.h"

extern const struct source ptrace_source;

/* What a spawned command inherits, for every live source that starts one:
 * the signal state compendium was started with (taken first thing in the
 * run), restored in the child; and the exec, which reports its errno on
 * error_fd and exits 127 or 126 when it fails. */
void ptrace_inherit_signals(void);
void source_child_dispositions(void);
_Noreturn void source_exec_command(const char *path, char *const argv[], int error_fd);

#endif
