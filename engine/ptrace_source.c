#include "ptrace_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "interest.h"
#include "own_fds.h"
#include "proctable.h"
#include "sources.h"
#include "state.h"
#include "xalloc.h"

#define SYSCALL_STOP (SIGTRAP | 0x80)

static pid_t root_pid;
static struct root_status root;
static bool use_seccomp;
static int exec_error_fd = -1;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct root_status *ptrace_root_status(void)
{
    return &root;
}

pid_t ptrace_root_pid(void)
{
    return root_pid;
}

/* Between a syscall's entry and exit the exit stop is needed; otherwise, with
 * seccomp choosing the stops, the tracee runs free until the next one. */
static void resume(struct task *t, int sig)
{
    int req = (use_seccomp && !t->call.active) ? PTRACE_CONT : PTRACE_SYSCALL;
    ptrace(req, t->tid, 0L, (long)sig);
}

static bool has_cap_sys_admin(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return false;
    return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

static void report_child_error(int fd, int err)
{
    ssize_t unused = write(fd, &err, sizeof(err));
    (void)unused;
}

/* The child: wait to be seized, let seccomp pick the stops, then exec. */
static void run_child(const char *path, char *const argv[], int error_fd, bool nnp)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    kill(getpid(), SIGSTOP);
    if (use_seccomp) {
        int rc = interest_install_seccomp(nnp);
        if (rc != 0) {
            report_child_error(error_fd, -rc);
            _exit(126);
        }
    }
    execv(path, argv);
    if (errno == ENOEXEC) {
        /* Like execvp: a file without #! is a shell script. */
        size_t n = 0;
        while (argv[n])
            n++;
        char **sh_argv = calloc(n + 2, sizeof(char *));
        if (sh_argv) {
            sh_argv[0] = "sh";
            sh_argv[1] = (char *)path;
            for (size_t i = 1; i < n; i++)
                sh_argv[i + 1] = argv[i];
            execv("/bin/sh", sh_argv);
        }
        errno = ENOEXEC;
    }
    int err = errno;
    report_child_error(error_fd, err);
    _exit(err == ENOENT ? 127 : 126);
}

pid_t ptrace_spawn(const char *path, char *const argv[], uint64_t now)
{
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "compendium: pipe: %s\n", strerror(errno));
        return -1;
    }
    use_seccomp = !interest_all();
    bool nnp = !has_cap_sys_admin();
    own_fds_cloexec();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "compendium: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(errpipe[0]);
        run_child(path, argv, errpipe[1], nnp);
    }
    close(errpipe[1]);
    exec_error_fd = errpipe[0];

    int status;
    if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
        fprintf(stderr, "compendium: the command's process ended before it could be traced\n");
        return -1;
    }
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (use_seccomp)
        opts |= PTRACE_O_TRACESECCOMP;
    if (ptrace(PTRACE_SEIZE, pid, 0L, opts) != 0) {
        int err = errno;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        if (err == EPERM)
            fprintf(stderr,
                    "compendium: not permitted to use ptrace (%s): run as root, or grant "
                    "CAP_SYS_PTRACE, or check kernel.yama.ptrace_scope and seccomp/container "
                    "policy\n",
                    strerror(err));
        else
            fprintf(stderr, "compendium: ptrace: %s\n", strerror(err));
        return -1;
    }
    root_pid = pid;
    struct task *t = proctable_add(pid);
    state_track_root(t, NULL, now);
    t->before_exec = true;
    /* Perf and BPF must watch it before it runs a single instruction of the
     * command, as ptrace does. */
    if (!sources_track_root(pid)) {
        kill(pid, SIGKILL);
        return -1;
    }
    /* It is in a group-stop of its own making; SIGCONT ends it once the
     * loop has taken over. */
    kill(pid, SIGCONT);
    return pid;
}

/* ---- attach ---------------------------------------------------------------- */

static bool seize_thread(pid_t pid, pid_t tid, uint64_t now, bool *denied)
{
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
    if (ptrace(PTRACE_SEIZE, tid, 0L, opts) != 0) {
        if (errno == EPERM)
            *denied = true;
        return false;
    }
    ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
    struct task *t = proctable_add(tid);
    struct task *leader = proctable_find(pid);
    state_track_root(t, leader && leader != t ? leader : NULL, now);
    sources_track_root(tid);
    return true;
}

bool ptrace_attach(pid_t pid, uint64_t now)
{
    if (pid == getpid()) {
        fprintf(stderr, "compendium: cannot trace itself (PID %d)\n", (int)pid);
        return false;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
        fprintf(stderr, "compendium: no process with PID %d\n", (int)pid);
        return false;
    }
    char dir[64];
    snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
    bool denied = false;
    /* The leader first, so threads can share its state; then rescan until
     * no thread appeared that we have not seized. */
    if (!seize_thread(pid, pid, now, &denied)) {
        if (denied)
            fprintf(stderr,
                    "compendium: not permitted to attach to PID %d: run as root or as its "
                    "user with CAP_SYS_PTRACE, or set kernel.yama.ptrace_scope=0 (sysctl)\n",
                    (int)pid);
        else
            fprintf(stderr, "compendium: cannot attach to PID %d: %s\n", (int)pid, strerror(errno));
        return false;
    }
    root_pid = pid;
    use_seccomp = false;
    for (bool found_new = true; found_new;) {
        found_new = false;
        DIR *d = opendir(dir);
        if (!d)
            break;
        struct dirent *ent;
        while ((ent = readdir(d))) {
            pid_t tid = (pid_t)atoi(ent->d_name);
            if (tid <= 0 || proctable_find(tid))
                continue;
            if (seize_thread(pid, tid, now, &denied))
                found_new = true;
        }
        closedir(d);
    }
    return true;
}

/* ---- delays (c.delay) -------------------------------------------------------- */

/* Tasks kept stopped until a deadline; the loop asks ptrace_resume_due
 * before each wait, so the tracer never sleeps and other tasks run on. */
struct held_task {
    pid_t tid;
    uint64_t due;
};
static struct held_task *held_tasks;
static size_t held_count, held_cap;

static void hold(struct task *t, uint64_t due)
{
    if (held_count == held_cap) {
        held_cap = held_cap ? held_cap * 2 : 8;
        held_tasks = xrealloc(held_tasks, held_cap * sizeof(*held_tasks));
    }
    held_tasks[held_count++] = (struct held_task){t->tid, due};
}

/* The task is gone (or is about to be released): no resume is owed. */
static void forget_held(pid_t tid)
{
    for (size_t i = 0; i < held_count; i++) {
        if (held_tasks[i].tid == tid) {
            held_tasks[i] = held_tasks[--held_count];
            return;
        }
    }
}

uint64_t ptrace_resume_due(uint64_t now)
{
    uint64_t next = 0;
    for (size_t i = 0; i < held_count;) {
        if (held_tasks[i].due <= now) {
            struct task *t = proctable_find(held_tasks[i].tid);
            held_tasks[i] = held_tasks[--held_count];
            if (t)
                resume(t, 0);
            continue;
        }
        if (next == 0 || held_tasks[i].due < next)
            next = held_tasks[i].due;
        i++;
    }
    return next;
}

/* ---- stops ----------------------------------------------------------------- */

/* Applies what the hooks of this stop injected, then resumes the task, or
 * keeps it stopped for a delay. */
static void finish_syscall_stop(struct task *t, bool at_entry, int64_t rval, uint64_t now)
{
    struct syscall_call *c = &t->call;
    if (at_entry && c->skip)
        inject_result(t->tid, true, c->ret_value);
    else if (!at_entry && c->set_ret && rval != c->ret_value)
        inject_result(t->tid, false, c->ret_value);
    if (!at_entry)
        c->skip = c->set_ret = false;
    if (c->delay_ns > 0) {
        uint64_t due = now + c->delay_ns;
        c->delay_ns = 0;
        hold(t, due);
        return;
    }
    resume(t, 0);
}

static void syscall_stop(struct task *t, uint64_t now)
{
    struct __ptrace_syscall_info info;
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (long)sizeof(info), &info);
    if (n <= 0) {
        resume(t, 0);
        return;
    }
    switch (info.op) {
    case PTRACE_SYSCALL_INFO_ENTRY:
    case PTRACE_SYSCALL_INFO_SECCOMP: {
        int32_t nr = info.op == PTRACE_SYSCALL_INFO_ENTRY ? (int32_t)info.entry.nr
                                                          : (int32_t)info.seccomp.nr;
        const uint64_t *args =
            info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.args : info.seccomp.args;
        bool ours = info.arch == AUDIT_ARCH_X86_64 && interest_has(nr);
        /* Before its first exec the root runs our own setup code. */
        if (t->before_exec && nr != SYS_execve && nr != SYS_execveat)
            ours = false;
        if (!ours) {
            t->call.active = false;
            break;
        }
        t->call.nr = nr;
        memcpy(t->call.args, args, sizeof(t->call.args));
        state_syscall_entry(t, now);
        if (!t->call.want_exit)
            t->call.active = false;
        finish_syscall_stop(t, true, 0, now);
        return;
    }
    case PTRACE_SYSCALL_INFO_EXIT:
        if (t->call.active) {
            state_syscall_exit(t, info.exit.rval, now);
            finish_syscall_stop(t, false, info.exit.rval, now);
            return;
        }
        break;
    default:
        break;
    }
    resume(t, 0);
}

static void clone_event(struct task *parent, uint64_t now)
{
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, parent->tid, 0L, &msg);
    pid_t child_tid = (pid_t)msg;
    struct task *child = proctable_find(child_tid);
    bool was_held = child && child->held;
    if (!child)
        child = proctable_add(child_tid);
    if (!parent->call.active) /* entry not seen (attached mid-call) */
        parent->call.clone_flags = SIGCHLD;
    state_spawn(parent, child, now);
    sources_track_child(child->tid);
    if (was_held) {
        child->held = false;
        resume(child, 0);
    }
}

static struct task *exec_event(struct task *t, pid_t tid)
{
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, 0L, &msg);
    pid_t former = (pid_t)msg;
    if (former == tid || former <= 0)
        return t;
    /* A non-leader thread exec'd: it takes over the leader's tid and the
     * leader vanishes without an exit of its own. */
    struct task *execer = proctable_find(former);
    if (!execer)
        return t;
    forget_held(tid); /* the old leader, if a delay held it, is gone */
    if (t)
        proctable_remove(t);
    proctable_rekey(execer, tid);
    return execer;
}

static bool is_group_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void record_root_end(struct task *t, int status)
{
    if (t->tid != root_pid || root.ended)
        return;
    root.ended = true;
    root.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    root.exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    root.core_dumped = WIFSIGNALED(status) && WCOREDUMP(status);
    if (t->before_exec && exec_error_fd >= 0) {
        int err = 0;
        if (read(exec_error_fd, &err, sizeof(err)) == (ssize_t)sizeof(err))
            root.exec_errno = err;
    }
}

void ptrace_handle(pid_t tid, int status)
{
    uint64_t now = now_ns();
    struct task *t = proctable_find(tid);

    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (!t)
            return;
        forget_held(tid);
        record_root_end(t, status);
        state_exit(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                   WIFSIGNALED(status) && WCOREDUMP(status), now);
        sources_untrack(tid);
        proctable_remove(t);
        return;
    }
    if (!WIFSTOPPED(status))
        return;
    if (!t) {
        /* A new task reporting before its parent's clone event: hold it
         * until we know what it is. */
        t = proctable_add(tid);
        t->held = true;
        return;
    }
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (sig == SYSCALL_STOP) {
        syscall_stop(t, now);
        return;
    }
    switch (event) {
    case 0:
        /* Signal-delivery-stop: pass the signal on, as if untraced. */
        state_signal(t, sig, now);
        resume(t, sig);
        return;
    case PTRACE_EVENT_SECCOMP:
        syscall_stop(t, now);
        return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        clone_event(t, now);
        resume(t, 0);
        return;
    case PTRACE_EVENT_EXEC:
        t = exec_event(t, tid);
        if (!t)
            return;
        state_exec(t, now);
        resume(t, 0);
        return;
    case PTRACE_EVENT_STOP:
        if (t->held)
            return;
        if (is_group_stop_signal(sig)) {
            /* Stay stopped like an untraced job, but hear about SIGCONT. */
            t->group_stopped = true;
            ptrace(PTRACE_LISTEN, tid, 0L, 0L);
        } else {
            t->group_stopped = false;
            resume(t, 0);
        }
        return;
    default:
        resume(t, 0);
        return;
    }
}

/* ---- ending -------------------------------------------------------------- */

static void interrupt_task(struct task *t, void *arg)
{
    (void)arg;
    ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L);
}

void ptrace_detach_all(void)
{
    /* Tasks a delay holds are stopped already and would report no stop to
     * wait for: release them first (an injected result stays in place). */
    while (held_count > 0) {
        pid_t tid = held_tasks[--held_count].tid;
        ptrace(PTRACE_DETACH, tid, 0L, 0L);
        struct task *t = proctable_find(tid);
        if (t)
            proctable_remove(t);
    }
    proctable_each(interrupt_task, NULL);
    while (proctable_count() > 0) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        struct task *t = proctable_find(tid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (t) {
                record_root_end(t, status);
                state_exit(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                           WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                           WIFSIGNALED(status) && WCOREDUMP(status), now_ns());
                proctable_remove(t);
            }
            continue;
        }
        if (!WIFSTOPPED(status))
            continue;
        /* A pending signal must not be lost on the way out. */
        int sig = WSTOPSIG(status);
        int inject = ((status >> 16) == 0 && sig != SYSCALL_STOP) ? sig : 0;
        ptrace(PTRACE_DETACH, tid, 0L, (long)inject);
        if (t)
            proctable_remove(t);
    }
}

static void kill_task(struct task *t, void *arg)
{
    (void)arg;
    kill(t->pid, SIGKILL);
}

void ptrace_kill_all(void)
{
    held_count = 0; /* SIGKILL ends a stop too; nothing is owed a resume */
    proctable_each(kill_task, NULL);
}
