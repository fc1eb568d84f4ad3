/* The source interface: where the records come from, as one table of
 * operations (libscap's engines have the same shape). The session chooses
 * a source from the options and drives it only through this table; what a
 * source cannot do is in its capabilities, which scripts see as run.source
 * and which refuse a script that needs more before anything runs.
 *
 * A live source tells the companions (sources.h: perf faults, BPF latency)
 * which tasks to watch, and hands their records to the scripts before each
 * batch of its own, so that events stay in time order. */
#ifndef COMPENDIUM_SOURCE_H
#define COMPENDIUM_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct snapshot_fd;

struct source_caps {
    const char *name; /* as run.source.name says it: "ptrace" */
    bool live;        /* the tasks run while it traces (companions can join) */
    bool can_stop;    /* a task waits while hooks run: enter hooks, injection, delay */
    bool can_attach;  /* --pid */
};

/* How the traced root ended, once it has. */
struct root_status {
    bool ended;
    int exit_code;   /* -1 if killed */
    int exit_signal; /* 0 if it exited */
    bool core_dumped;
    int exec_errno;      /* the command could not be executed: its errno */
    const char *program; /* and the file it tried */
};

/* What to trace: a command to start (argv) or, without one, a process to
 * attach to. */
struct source_target {
    char *const *argv;
    pid_t pid;
    const char *recording; /* --replay: the file the records come from */
};

/* What a source that replays a run knows of that run, so that the run
 * object says what it said live. */
struct source_run {
    uint64_t start_ns, wall_start_ns; /* the recorded clock anchor */
    uint64_t end_ns;                  /* the latest record's time; at the end, the run's */
    bool attached, detached, interrupted;
};

enum source_open_result {
    SOURCE_OPENED,
    SOURCE_NOT_FOUND,      /* the command does not exist */
    SOURCE_NOT_EXECUTABLE, /* it is no executable file */
    SOURCE_FAILED,         /* anything else: said why */
};

enum source_step {
    SOURCE_HANDLED, /* a batch of records (a tracee stop) went to the state and scripts */
    SOURCE_IDLE,    /* nothing came: not yet (no blocking), or a signal or the deadline */
    SOURCE_ENDED,   /* nothing will come any more */
};

enum source_stop_how {
    SOURCE_DETACH, /* stop tracing; every task runs on */
    SOURCE_KILL,   /* SIGKILL every traced process */
};

struct source {
    struct source_caps caps;
    /* First thing in the run, before compendium changes its own signal
     * state: what the tasks it starts must inherit. */
    void (*prepare)(void);
    /* Checks the target; *command gets the command line, for scripts (the
     * caller frees it). Says why when it fails (but NOT_FOUND and
     * NOT_EXECUTABLE, whose lines the caller prints). */
    enum source_open_result (*open)(const struct source_target *target, char **command);
    /* The scripts have said what they hook (interest.h): how to trace. */
    void (*set_interest)(void);
    /* Spawns or attaches; the state gets the root (or the snapshot) at
     * `now` (CLOCK_MONOTONIC ns). False after saying why. */
    bool (*start)(uint64_t now);
    /* Whether tasks (or records) are left. */
    bool (*tracing)(void);
    /* Waits for the next batch (a tracee stop) and hands it on; without
     * `block`, only what is already there. Returns by `deadline`
     * (CLOCK_MONOTONIC ns, 0 for none) or on a signal to compendium, as
     * IDLE; timers of its own (c.delay) it keeps itself. */
    enum source_step (*next)(uint64_t deadline, bool block);
    void (*stop)(enum source_stop_how how);
    void (*close)(void);
    const struct root_status *(*root)(void);
    pid_t (*root_pid)(void);
    /* The run object's fields that only the source knows. */
    void (*totals)(cmp_run_info *out);
    /* A source that replays a recorded run: what that run was. NULL for a
     * live source (the session's own clock and options say it). */
    const struct source_run *(*recorded)(void);
    /* Optional (NULL: the source cannot ask): what fd of process pid is,
     * for a script asking about an fd the state has not met (c.fd). 0, or
     * the errno saying why not; the caller frees out with
     * snapshot_fd_free. The answer is the script's alone: the state learns
     * fds from records only. */
    int (*query_fd)(pid_t pid, int fd, struct snapshot_fd *out);
};

#endif
