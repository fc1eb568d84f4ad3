/* The state's processes and tasks, fed synthetic task records: spawns,
 * execs (also by a thread that is not the leader), exits and signals, and
 * the events they make. */
#include "state_feed.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define PAGE 4096ull

static void test_spawn(void)
{
    struct task *p = feed_root(FEED_TID_BASE + 201);
    cmp_run_info before, after;
    state_totals(&before);
    seen_reset();
    struct task *child = feed_clone(p, SYS_fork, 0, FEED_TID_BASE + 202);
    struct task *thread = feed_clone(p, SYS_clone, THREAD_FLAGS, FEED_TID_BASE + 203);
    state_totals(&after);
    CHECK_INT(after.processes - before.processes, 1);
    CHECK_INT(after.threads - before.threads, 1);

    const struct seen_event *e = seen_nth(CMP_EV_SPAWN_PROCESS, 0);
    CHECK_INT(e->tid, p->tid);
    CHECK_INT(e->pid, p->pid);
    CHECK_INT(e->child, child->tid);
    CHECK_INT(seen_of(CMP_EV_SPAWN_PROCESS), 1);
    CHECK(!child->is_thread);
    CHECK_INT(child->pid, child->tid);
    CHECK_INT(child->proc->ppid, p->pid);
    CHECK(child->proc != p->proc);
    CHECK_STR(child->proc->exe, "/bin/root");

    e = seen_nth(CMP_EV_SPAWN_THREAD, 0);
    CHECK_INT(e->child, thread->tid);
    CHECK_INT(seen_of(CMP_EV_SPAWN_THREAD), 1);
    CHECK(thread->is_thread);
    CHECK_INT(thread->pid, p->pid);
    CHECK(thread->proc == p->proc);
    CHECK(thread->fs == p->fs);
    CHECK(child->fs != p->fs);
}

/* A thread that is not the leader execs: the kernel ends the other threads,
 * the leader vanishes without an exit of its own, and the execer goes on
 * with the leader's tid. The source rekeys the execer (proctable_rekey)
 * before it reports the exec, as ptrace_source.c does. */
static void test_exec_by_non_leader(void)
{
    const pid_t leader_tid = FEED_TID_BASE + 210;
    const pid_t execer_tid = FEED_TID_BASE + 211;
    const pid_t other_tid = FEED_TID_BASE + 212;
    struct task *leader = feed_root(leader_tid);
    struct task *execer = feed_clone(leader, SYS_clone, THREAD_FLAGS, execer_tid);
    struct task *other = feed_clone(leader, SYS_clone, THREAD_FLAGS, other_tid);
    feed_open(execer, 5, "/data/cloexec", O_RDONLY | O_CLOEXEC);
    feed_open(other, 6, "/data/kept", O_WRONLY);
    feed_begin(execer, SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1,
               0);
    feed_call(execer, 0x7f0000000000);

    cmp_run_info before, after;
    state_totals(&before);
    seen_reset();
    /* what the source reports, in the kernel's order */
    state_exit(other, 0, 0, false, 30);
    proctable_remove(other);
    proctable_remove(proctable_find(leader_tid));
    proctable_rekey(execer, leader_tid);
    feed_exec(execer, "/usr/bin/next", "/usr/bin/next");

    CHECK(proctable_find(execer_tid) == NULL);
    CHECK(proctable_find(other_tid) == NULL);
    CHECK(proctable_find(leader_tid) == execer);
    CHECK_INT(execer->tid, leader_tid);
    CHECK_INT(execer->pid, leader_tid);
    CHECK(!execer->is_thread);
    CHECK_INT(execer->proc->refs, 1);
    CHECK_STR(execer->proc->exe, "/usr/bin/next");
    CHECK(fd_of(execer, 5) == NULL);
    CHECK_STR(path_of(execer, 6), "/data/kept");

    CHECK_INT(seen_of(CMP_EV_EXIT), 1); /* the other thread's; none of the leader */
    const struct seen_event *e = seen_nth(CMP_EV_EXIT, 0);
    CHECK_INT(e->tid, other_tid);
    CHECK_INT(e->is_thread, 1);
    e = seen_nth(CMP_EV_EXEC, 0);
    CHECK_INT(e->tid, leader_tid);
    CHECK_INT(e->pid, leader_tid);
    CHECK_STR(e->program, "/usr/bin/next");

    /* the old address space counted once, at the exec */
    state_totals(&after);
    CHECK_INT(after.mmap_bytes - before.mmap_bytes, 2 * PAGE);

    /* the process ends with the execer's exit, as a process */
    seen_reset();
    state_exit(execer, 3, 0, false, 40);
    e = seen_nth(CMP_EV_EXIT, 0);
    CHECK_INT(e->tid, leader_tid);
    CHECK_INT(e->is_thread, 0);
    CHECK_INT(e->code, 3);
    CHECK(!execer->proc->alive);
    CHECK_INT(execer->proc->exit_code, 3);
    state_totals(&after);
    CHECK_INT(after.mmap_bytes - before.mmap_bytes, 2 * PAGE);
    proctable_remove(execer);
}

/* The exec event and the program: the path argument made absolute, the
 * file the kernel executed, the arguments. */
static void test_exec_event(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 220);
    feed_begin(t, SYS_execve, 0x1000, 0x2000, 0x3000, 0, 0, 0);
    feed_path(t, "./run.sh");
    state_syscall_entry(t, 10);
    struct program_record prog = feed_program("/bin/sh", "/srv", "sh\0./run.sh\0", 12);
    snprintf(prog.executed, sizeof(prog.executed), "/srv/run.sh");
    seen_reset();
    state_exec(t, &prog, 20);
    const struct seen_event *e = seen_nth(CMP_EV_EXEC, 0);
    CHECK_STR(e->program, "/srv/run.sh");
    CHECK_STR(e->path, "/srv/run.sh");
    CHECK_STR(t->proc->comm, "run.sh");
    CHECK_INT(t->proc->argv_len, 12);
}

static void test_exit_and_signal(void)
{
    struct task *p = feed_root(FEED_TID_BASE + 230);
    struct task *thread = feed_clone(p, SYS_clone, THREAD_FLAGS, FEED_TID_BASE + 231);
    seen_reset();
    state_signal(thread, SIGTERM, 30);
    const struct seen_event *e = seen_nth(CMP_EV_SIGNAL, 0);
    CHECK_INT(e->signal, SIGTERM);
    CHECK_INT(e->tid, thread->tid);
    CHECK_INT(e->pid, p->pid);

    /* killed: the thread's exit does not end the process, the last one does */
    state_exit(thread, 0, SIGKILL, false, 40);
    CHECK(p->proc->alive);
    proctable_remove(thread);
    state_exit(p, 0, SIGKILL, true, 41);
    CHECK_INT(seen_of(CMP_EV_EXIT), 2);
    e = seen_nth(CMP_EV_EXIT, 0);
    CHECK_INT(e->is_thread, 1);
    CHECK_INT(e->code, -1);
    CHECK_INT(e->signal, SIGKILL);
    e = seen_nth(CMP_EV_EXIT, 1);
    CHECK_INT(e->is_thread, 0);
    CHECK_INT(e->core_dumped, 1);
    CHECK(!p->proc->alive);
    CHECK_INT(p->proc->exit_code, -1);
    CHECK_INT(p->proc->exit_signal, SIGKILL);
    proctable_remove(p);

    /* the command before its first exec is compendium's own setup: no events */
    struct task *root = proctable_add(FEED_TID_BASE + 232);
    struct program_record prog = feed_program("/usr/bin/compendium", "/", "compendium\0", 11);
    state_track_root(root, NULL, &prog, 1);
    root->before_exec = true;
    seen_reset();
    state_signal(root, SIGCHLD, 50);
    state_exit(root, 127, 0, false, 51);
    CHECK_INT(seen_count, 0);
    CHECK_INT(root->proc->exit_code, 127);
    proctable_remove(root);
}

int main(void)
{
    feed_init();
    test_spawn();
    test_exec_by_non_leader();
    test_exec_event();
    test_exit_and_signal();
    return check_finish();
}
