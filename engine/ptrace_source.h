/* The ptrace source: starts or attaches the tracees, turns each wait status
 * into state calls, and resumes the tracee as cheaply as the interest allows. */
#ifndef COMPENDIUM_PTRACE_SOURCE_H
#define COMPENDIUM_PTRACE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/* How the traced root ended, once it has. */
struct root_status {
    bool ended;
    int exit_code;   /* -1 if killed */
    int exit_signal; /* 0 if it exited */
    bool core_dumped;
    int exec_errno; /* the command could not be executed: its errno */
};

/* Records the signal mask and ignored signals compendium was started with,
 * for the command to start with; call before installing any handler. */
void ptrace_inherit_signals(void);
/* Forks, makes the child wait, seizes it and lets it exec path with argv.
 * Returns the root pid, or -1 after printing why. */
pid_t ptrace_spawn(const char *path, char *const argv[], uint64_t now);
/* Seizes every thread of pid and, once they are all stopped, gives the
 * state a snapshot of what the process has (threads, fds, memory maps).
 * Returns false after printing why (with what to do about permissions). */
bool ptrace_attach(pid_t pid, uint64_t now);

/* Handles one status from waitpid(-1, __WALL), seen at `now` (CLOCK_MONOTONIC
 * ns): the time its events get, and a syscall's entry or exit time. */
void ptrace_handle(pid_t tid, int status, uint64_t now);

/* Resumes the tasks whose injected delay (c.delay) has run out. Returns
 * the earliest deadline still pending (CLOCK_MONOTONIC ns), 0 if none. */
uint64_t ptrace_resume_due(uint64_t now);

/* Stops tracing every task and lets it run on (attach mode). */
void ptrace_detach_all(void);
/* SIGKILLs every traced process (second Ctrl-C). */
void ptrace_kill_all(void);

const struct root_status *ptrace_root_status(void);
/* The run object's count of syscalls of another ABI that were not decoded. */
void ptrace_abi_totals(cmp_run_info *out);
pid_t ptrace_root_pid(void);

#endif
