/* Processes and tasks: the root (spawned or attached), clones, execs,
 * exits and signals, and the working directory. Each new task gets its
 * process, fd table, memory and working directory shared or copied as its
 * clone flags say; proctable.c keeps the tasks, state_fd.c and state_mm.c
 * their tables and address spaces. */
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "memregions.h"
#include "snapshot.h"
#include "state_internal.h"

/* The absolute program path of an exec; valid until the next exec. */
static char abs_path[PATH_MAX];

/* ---- syscalls ---------------------------------------------------------------- */

bool state_proc_at_entry(struct task *t, uint64_t now)
{
    (void)now;
    struct syscall_call *c = &t->call;
    const uint64_t *a = c->args;
    switch (c->nr) {
    case SYS_execve:
    case SYS_execveat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY | SYSCALL_NEED_STARTS);
        return true; /* the path is in the record; state_exec takes it */
    /* The clone flags, for state_spawn: the source reports the child later. */
    case SYS_clone:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY | SYSCALL_NEED_STARTS);
        c->clone_flags = a[0];
        return true;
    case 435: /* clone3: flags are the first field of struct clone_args */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY | SYSCALL_NEED_STARTS);
        if (payload_has(&c->cap, PAYLOAD_CLONE_ARGS))
            c->clone_flags = c->cap.clone_flags;
        return true;
    case SYS_fork:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY | SYSCALL_NEED_STARTS);
        c->clone_flags = SIGCHLD;
        return true;
    case SYS_vfork:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY | SYSCALL_NEED_STARTS);
        c->clone_flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
        return true;
    case SYS_exit:
    case SYS_exit_group:
        STATE_NEEDS(SYSCALL_NEED_NO_EXIT);
        c->want_exit = false;
        return true;
    default:
        return false;
    }
}

bool state_proc_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    (void)ret, (void)now;
    switch (t->call.nr) {
    case SYS_chdir:
    case SYS_fchdir:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_CWD);
        /* The record has it as the kernel names it: a lexical join would
         * miss the symlinks on the way. */
        if (t->fs && payload_has(&t->call.cap, PAYLOAD_CWD))
            task_fs_set_cwd(t->fs, t->call.cap.cwd);
        return true;
    default:
        return false;
    }
}

/* ---- task records ------------------------------------------------------------ */

void state_track_root(struct task *t, struct task *leader, const struct program_record *prog,
                      uint64_t now)
{
    t->start_ns = now;
    if (leader && leader != t) {
        t->is_thread = true;
        t->pid = leader->pid;
        t->proc = process_ref(leader->proc);
        t->fds = fdtable_ref(leader->fds);
        t->mm = mm_ref(leader->mm);
        t->fs = task_fs_ref(leader->fs);
        state_counts.threads++;
        return;
    }
    t->fs = task_fs_new(prog->cwd);
    t->proc = process_new(t->tid, 0, prog->exe);
    process_set_program(t->proc, prog->exe, prog->argv, prog->argv_len);
    t->proc->start_ns = now;
    t->fds = fdtable_new();
    t->mm = mm_new();
    state_counts.processes++;
}

void state_attach(const struct snapshot *s, uint64_t now)
{
    if (s->tid_count == 0 || proctable_find(s->tids[0]))
        return;
    struct task *leader = proctable_add(s->tids[0]);
    leader->start_ns = now;
    leader->proc = process_new(leader->tid, 0, s->exe);
    process_set_program(leader->proc, s->exe, s->argv, s->argv_len);
    leader->proc->start_ns = now;
    leader->fds = fdtable_new();
    leader->mm = mm_new();
    leader->fs = task_fs_new(s->cwd);
    state_counts.processes++;
    for (size_t i = 1; i < s->tid_count; i++)
        if (!proctable_find(s->tids[i]))
            state_track_root(proctable_add(s->tids[i]), leader, NULL, now);
    fdtable_apply_snapshot(leader->fds, s);
    state_mm_attach(leader, s);
}

void state_spawn(struct task *parent, struct task *child, uint64_t now)
{
    uint64_t flags = parent->call.clone_flags;
    bool thread = (flags & CLONE_THREAD) != 0;
    child->is_thread = thread;
    child->pid = thread ? parent->pid : child->tid;
    child->start_ns = now;
    if (thread) {
        child->proc = process_ref(parent->proc);
    } else {
        child->proc = process_new(child->tid, parent->pid, parent->proc->exe);
        process_set_program(child->proc, parent->proc->exe, parent->proc->argv,
                            parent->proc->argv_len);
        child->proc->start_ns = now;
    }
    state_fd_spawn(parent, child, flags);
    state_mm_spawn(parent, child, flags);
    child->fs = (flags & CLONE_FS) ? task_fs_ref(parent->fs)
                                   : task_fs_new(parent->fs ? parent->fs->cwd : NULL);
    if (thread)
        state_counts.threads++;
    else
        state_counts.processes++;
    state_emit_spawn(parent, child, now);
}

void state_exec(struct task *t, const struct program_record *prog, uint64_t now)
{
    /* the path argument made absolute, lexically */
    const char *path = state_absolute(
        t, t->call.nr == SYS_execveat ? (int)t->call.args[0] : AT_FDCWD,
        t->call.path_len >= 0 ? t->call.path : NULL, prog->cwd, abs_path, sizeof(abs_path));
    const char *program = path && t->call.path_len > 0 ? path : prog->exe;
    process_set_program(t->proc, program, prog->argv, prog->argv_len);
    state_fd_exec(t);
    state_mm_exec(t);
    t->is_thread = false;
    t->before_exec = false;
    state_emit_exec(t, prog, now);
}

void state_exit(struct task *t, int code, int signal, bool core_dumped, uint64_t now)
{
    /* The last task of a process takes the process's memory with it. */
    if (t->proc && t->proc->refs == 1) {
        state_mm_exit(t);
        t->proc->alive = false;
        t->proc->end_ns = now;
        t->proc->exit_code = signal ? -1 : code;
        t->proc->exit_signal = signal;
    }
    t->exited = true;
    if (!t->before_exec) /* the command's own setup is not its program's */
        state_emit_exit(t, code, signal, core_dumped, now);
}

void state_signal(struct task *t, int signal, uint64_t now)
{
    if (!t->before_exec)
        state_emit_signal(t, signal, now);
}
