/* Traced tasks (threads) and the processes they belong to. */
#ifndef COMPENDIUM_PROCTABLE_H
#define COMPENDIUM_PROCTABLE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"

struct fdtable;
struct mm;

/* What a thread group shares: the program it runs and how it ended. */
struct process {
    int refs;
    pid_t pid;
    pid_t ppid; /* traced parent's pid, 0 for the root */
    char *exe;  /* program path; never NULL */
    char *comm; /* short name; never NULL */
    char *argv; /* NUL-separated arguments */
    size_t argv_len;
    uint64_t start_ns, end_ns;
    int exit_code;   /* -1 until it exits normally */
    int exit_signal; /* fatal signal, 0 if none */
    bool alive;
};

/* A syscall between its entry and exit stops. */
struct syscall_call {
    int32_t nr;  /* x86-64 number, also for a call made through another ABI */
    int32_t abi; /* enum cmp_abi: the ABI it was made through */
    uint64_t args[6];
    uint64_t entry_ns;
    bool active;             /* entry seen, exit not yet */
    bool want_exit;          /* someone needs the exit stop */
    char path[PATH_MAX];     /* first path argument, as given */
    char path2[PATH_MAX];    /* second path argument */
    int path_len, path2_len; /* -1: not read (or unreadable) */
    int path_err;            /* why path could not be read (errno), 0 */
    char sockaddr[160];
    int sockaddr_len;
    int sock_family;
    uint64_t clone_flags;        /* for clone/clone3/fork/vfork */
    uint32_t calls;              /* a run of this many like calls merged by the source; 0: one */
    struct syscall_payloads cap; /* what the source captured of the memory args point to */
    /* What hooks injected (the state decides, the ptrace source acts): */
    bool skip;         /* an enter hook failed the call: the kernel must skip it */
    bool set_ret;      /* the tracee must see ret_value when the call returns */
    int64_t ret_value; /* the injected return value */
    uint64_t delay_ns; /* hold the task this long at this stop (c.delay) */
};

/* The working directory, shared by tasks cloned with CLONE_FS. */
struct task_fs {
    int refs;
    char *cwd; /* "" when the kernel could not name it within PATH_MAX */
};

struct task {
    pid_t tid;
    pid_t pid; /* thread group id */
    bool is_thread;
    bool before_exec; /* the spawned root before its first exec: our own setup */
    bool group_stopped;
    bool exited;
    bool held;        /* a new task stopped before its parent's clone event */
    bool stopped;     /* in a ptrace-stop that nothing has ended yet: no stop to wait for */
    bool mm_borrowed; /* shares its parent's memory (vfork) until exec */
    struct process *proc;
    struct fdtable *fds;
    struct mm *mm;
    struct task_fs *fs;
    struct syscall_call call;
    uint64_t start_ns;
};

struct task *proctable_find(pid_t tid);
/* A new task with empty state; proc/fds/mm are the caller's to fill. */
struct task *proctable_add(pid_t tid);
/* Re-keys a task, for a non-leader thread's exec that takes the leader's tid. */
void proctable_rekey(struct task *t, pid_t new_tid);
void proctable_remove(struct task *t);
size_t proctable_count(void);
/* Calls fn for every task (fn must not add or remove tasks). */
void proctable_each(void (*fn)(struct task *t, void *arg), void *arg);
/* Collects the live tasks' tids into out (up to cap); returns the count. */
size_t proctable_tids(pid_t *out, size_t cap);

/* A process name (comm, program) as it may be printed on a terminal: the
 * escapes of decode_quote, without its quotes. Returns out. */
const char *process_safe_name(const char *name, char *out, size_t cap);

struct process *process_new(pid_t pid, pid_t ppid, const char *exe);
struct process *process_ref(struct process *p);
void process_unref(struct process *p);
struct task_fs *task_fs_new(const char *cwd);
struct task_fs *task_fs_ref(struct task_fs *fs);
void task_fs_unref(struct task_fs *fs);
void task_fs_set_cwd(struct task_fs *fs, const char *cwd);

void process_set_program(struct process *p, const char *exe, const char *argv, size_t argv_len);

#endif
