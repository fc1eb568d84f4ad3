#include "ptrace_source.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <limits.h>
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

#include "capture.h"
#include "command.h"
#include "fdtable.h"
#include "inject.h"
#include "interest.h"
#include "own_fds.h"
#include "procfs.h"
#include "proctable.h"
#include "record.h"
#include "script_host.h"
#include "snapshot.h"
#include "stream.h"
#include "syscall_table.h"
#include "tracee_mem.h"
#include "wakeup.h"
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

static const struct root_status *ptrace_root_status(void)
{
    return &root;
}

static pid_t ptrace_root_pid(void)
{
    return root_pid;
}

/* Between a syscall's entry and exit the exit stop is needed; otherwise, with
 * seccomp choosing the stops, the tracee runs free until the next one. */
static void resume(struct task *t, int sig)
{
    t->stopped = false;
    int req = (use_seccomp && !t->call.active) ? PTRACE_CONT : PTRACE_SYSCALL;
    ptrace(req, t->tid, 0L, (long)sig);
}

/* Task records: the program a task runs, captured as it begins to be
 * traced and after each exec, for the state to apply. */
static bool track_root(struct task *t, unsigned flags, uint64_t now)
{
    struct program_record prog;
    capture_program(t->tid, t->tid, true, &prog);
    bool ok = stream_root(t, &prog, flags, now);
    program_release(&prog);
    return ok;
}

static void track_exec(struct task *t, pid_t former, uint64_t now)
{
    struct program_record prog;
    /* The working directory counts only for a relative path. */
    const struct syscall_call *c = &t->call;
    capture_program(t->pid, t->tid, c->path_len > 0 && c->path[0] != '/', &prog);
    capture_executed(t->pid, c, &prog);
    stream_exec(t, former, &prog, now);
    program_release(&prog);
    tracee_mem_forget(t->tid); /* a new address space */
}

static bool has_cap(int cap)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return false;
    return (data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap)) != 0;
}

/* The signal state compendium was started with, which the command must
 * start with too: an ignored signal stays ignored across exec (nohup's
 * SIGHUP, a caller's SIGPIPE), and so does the mask. */
static sigset_t inherited_mask;
static bool inherited_ignored[NSIG];

void ptrace_inherit_signals(void)
{
    sigprocmask(SIG_BLOCK, NULL, &inherited_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        inherited_ignored[sig] = sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
    }
}

/* Our handlers (and our own SIG_IGN of SIGPIPE) give way to what was
 * inherited; exec would reset handlers but keep an ignore. */
static void restore_dispositions(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, inherited_ignored[sig] ? SIG_IGN : SIG_DFL);
}

static void report_child_error(int fd, int err)
{
    ssize_t unused = write(fd, &err, sizeof(err));
    (void)unused;
}

void source_exec_command(const char *path, char *const argv[], int error_fd)
{
    sigprocmask(SIG_SETMASK, &inherited_mask, NULL);
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

void source_child_dispositions(void)
{
    restore_dispositions();
}

/* The child: wait to be seized, let seccomp pick the stops, then exec. */
static void run_child(const char *path, char *const argv[], int error_fd, bool nnp)
{
    restore_dispositions();
    kill(getpid(), SIGSTOP);
    if (use_seccomp) {
        int rc = interest_install_seccomp(nnp);
        if (rc != 0) {
            report_child_error(error_fd, -rc);
            _exit(126);
        }
    }
    source_exec_command(path, argv, error_fd);
}

static pid_t ptrace_spawn(const char *path, char *const argv[], uint64_t now)
{
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "compendium: pipe: %s\n", strerror(errno));
        return -1;
    }
    bool nnp = !has_cap(CAP_SYS_ADMIN);
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
    t->before_exec = true;
    /* Perf and BPF must watch it before it runs a single instruction of the
     * command, as ptrace does. */
    if (!track_root(t, 0, now)) {
        kill(pid, SIGKILL);
        return -1;
    }
    /* It is in a group-stop of its own making; SIGCONT ends it once the
     * loop has taken over. */
    kill(pid, SIGCONT);
    return pid;
}

/* A set of tids, small enough to search. */
struct tid_list {
    pid_t *tids;
    size_t count, cap;
};
static void tid_list_add(struct tid_list *l, pid_t tid);
static bool tid_list_has(const struct tid_list *l, pid_t tid);

/* ---- attach ---------------------------------------------------------------- */

static bool seize_thread(pid_t tid, bool *denied)
{
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
    if (ptrace(PTRACE_SEIZE, tid, 0L, opts) != 0) {
        if (errno == EPERM)
            *denied = true;
        return false;
    }
    ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
    return true;
}

/* How long the attach waits for the seized threads to stop before it reads
 * the snapshot anyway: a thread that cannot stop (a vfork parent, a task in
 * uninterruptible sleep) cannot change anything either. */
#define ATTACH_PATIENCE_NS 500000000u

/* Waits until every seized thread is in a stop (or gone), so that the
 * snapshot reads a process that holds still. WNOWAIT leaves each stop for
 * the loop to wait for and handle, as it would without this. */
static void wait_stopped(const struct tid_list *l)
{
    bool *done = xcalloc(l->count ? l->count : 1, sizeof(*done));
    size_t left = l->count;
    uint64_t deadline = now_ns() + ATTACH_PATIENCE_NS;
    while (left > 0 && now_ns() < deadline) {
        for (size_t i = 0; i < l->count; i++) {
            if (done[i])
                continue;
            siginfo_t info;
            memset(&info, 0, sizeof(info));
            int rc = waitid(P_PID, (id_t)l->tids[i], &info,
                            WSTOPPED | WEXITED | WNOHANG | WNOWAIT | __WALL);
            if ((rc == 0 && info.si_pid == l->tids[i]) || (rc != 0 && errno == ECHILD)) {
                done[i] = true;
                left--;
            }
        }
        if (left > 0) {
            struct timespec ms = {0, 1000000L};
            nanosleep(&ms, NULL);
        }
    }
    free(done);
}

/* The value after "NAME:" in a /proc/PID/status text, or "" if absent. */
static const char *status_field(const char *status, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = strlen(name);
    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            const char *v = line + len + 1;
            v += strspn(v, " \t");
            size_t n = strcspn(v, "\n");
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            break;
        }
    }
    return out;
}

/* The kernel's task flags: the 9th field of /proc/PID/stat. */
static unsigned long task_flags(pid_t pid)
{
    char stat[1024];
    size_t n = procfs_read(pid, "stat", stat, sizeof(stat) - 1);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')'); /* the name may hold spaces and ')' */
    unsigned long flags = 0;
    if (p)
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags);
    return flags;
}

/* The task's name, escaped: the process chooses it. */
static void comm_of(pid_t pid, char *out, size_t cap)
{
    char raw[64];
    size_t n = procfs_read(pid, "comm", raw, sizeof(raw) - 1);
    while (n > 0 && raw[n - 1] == '\n')
        n--;
    raw[n] = '\0';
    process_safe_name(raw, out, cap);
}

#define PF_KTHREAD_FLAG 0x00200000ul

/* Why PTRACE_SEIZE of pid failed with EPERM: the kernel gives one errno for
 * a kernel thread, a zombie, a tracee of someone else and a lack of
 * privilege; /proc tells them apart. */
static void explain_attach_denied(pid_t pid)
{
    char status[4096], state[64], tracer[32], threads[32], ppid[32], comm[128];
    size_t n = procfs_read(pid, "status", status, sizeof(status) - 1);
    status[n] = '\0';
    status_field(status, "State", state, sizeof(state));
    status_field(status, "TracerPid", tracer, sizeof(tracer));
    status_field(status, "Threads", threads, sizeof(threads));
    status_field(status, "PPid", ppid, sizeof(ppid));
    comm_of(pid, comm, sizeof(comm));
    int p = (int)pid;
    if (task_flags(pid) & PF_KTHREAD_FLAG) {
        fprintf(stderr, "compendium: PID %d (%s) is a kernel thread: it runs no program to trace\n",
                p, comm);
        return;
    }
    if (state[0] == 'Z' || state[0] == 'X') {
        int others = atoi(threads) - 1;
        if (others == 1)
            fprintf(stderr,
                    "compendium: the main thread of PID %d (%s) has exited and ptrace cannot "
                    "attach through it; its other thread runs on\n",
                    p, comm);
        else if (others > 1)
            fprintf(stderr,
                    "compendium: the main thread of PID %d (%s) has exited and ptrace cannot "
                    "attach through it; its %d other threads run on\n",
                    p, comm, others);
        else
            fprintf(stderr,
                    "compendium: PID %d (%s) is a zombie: it has exited and waits for its "
                    "parent (PID %s) to collect its status; there is nothing to trace\n",
                    p, comm, ppid[0] ? ppid : "?");
        return;
    }
    int tracer_pid = atoi(tracer);
    if (tracer_pid > 0) {
        char tracer_comm[128];
        comm_of(tracer_pid, tracer_comm, sizeof(tracer_comm));
        fprintf(stderr,
                "compendium: PID %d (%s) is already traced by PID %d (%s); a process has one "
                "tracer at a time\n",
                p, comm, tracer_pid, tracer_comm[0] ? tracer_comm : "?");
        return;
    }
    int yama = procfs_sysctl_int("kernel/yama/ptrace_scope", -1);
    if (yama >= 3) {
        fprintf(stderr,
                "compendium: not permitted to attach to PID %d: kernel.yama.ptrace_scope is %d, "
                "which forbids attaching to any process until the next boot\n",
                p, yama);
    } else if (has_cap(CAP_SYS_PTRACE)) {
        fprintf(stderr,
                "compendium: not permitted to attach to PID %d although compendium has "
                "CAP_SYS_PTRACE: a security module (SELinux, AppArmor), a seccomp filter or "
                "the container forbids it\n",
                p);
    } else if (yama >= 1) {
        fprintf(stderr,
                "compendium: not permitted to attach to PID %d: kernel.yama.ptrace_scope is %d, "
                "which allows it only %s; run as root or with CAP_SYS_PTRACE%s\n",
                p, yama, yama == 1 ? "to a process's ancestors" : "with CAP_SYS_PTRACE",
                yama == 1 ? ", or set kernel.yama.ptrace_scope=0 (sysctl)" : "");
    } else {
        fprintf(stderr,
                "compendium: not permitted to attach to PID %d: it belongs to another user or "
                "runs a privileged (setuid or non-dumpable) program; run as root or with "
                "CAP_SYS_PTRACE\n",
                p);
    }
}

static bool ptrace_attach(pid_t pid, uint64_t now)
{
    if (pid == getpid()) {
        fprintf(stderr, "compendium: cannot trace itself (PID %d)\n", (int)pid);
        return false;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
        fprintf(stderr, "compendium: no process with PID %d\n", (int)pid);
        return false;
    }
    bool denied = false;
    struct tid_list seized = {0};
    /* The leader first, so threads can share its state; then rescan until
     * no thread appeared that we have not seized. */
    if (!seize_thread(pid, &denied)) {
        int err = errno;
        if (denied)
            explain_attach_denied(pid);
        else if (err == ESRCH)
            fprintf(stderr, "compendium: no process with PID %d\n", (int)pid);
        else
            fprintf(stderr, "compendium: cannot attach to PID %d: %s\n", (int)pid, strerror(err));
        return false;
    }
    tid_list_add(&seized, pid);
    root_pid = pid;
    use_seccomp = false;
    for (bool found_new = true; found_new;) {
        found_new = false;
        size_t count;
        int *tids = procfs_list(pid, "task", &count);
        for (size_t i = 0; i < count; i++) {
            pid_t tid = (pid_t)tids[i];
            if (tid <= 0 || tid_list_has(&seized, tid) || !seize_thread(tid, &denied))
                continue;
            tid_list_add(&seized, tid);
            found_new = true;
        }
        free(tids);
    }
    /* What the process already has: its threads, fds and memory. */
    wait_stopped(&seized);
    struct snapshot snap;
    snapshot_read(&snap, pid, seized.tids, seized.count);
    stream_attach(&snap, now);
    snapshot_free(&snap);
    free(seized.tids);
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

static uint64_t ptrace_resume_due(uint64_t now)
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

/* ---- foreign ABIs -------------------------------------------------------------- */

/* Syscalls of another ABI that have no decoding: never dropped unseen, but
 * counted by name for the run object (checks fail closed on them). */
#define UNDECODED_NAMES 32
#define X32_SYSCALL_BIT 0x40000000
static struct {
    const char *name;
    uint64_t count;
} undecoded[UNDECODED_NAMES];
static uint64_t undecoded_total;
static char undecoded_text[UNDECODED_NAMES * 48];

static void count_undecoded(const char *name)
{
    undecoded_total++;
    for (size_t i = 0; i < UNDECODED_NAMES; i++) {
        if (!undecoded[i].name || strcmp(undecoded[i].name, name) == 0) {
            undecoded[i].name = name;
            undecoded[i].count++;
            return;
        }
    }
}

static void ptrace_abi_totals(cmp_run_info *out)
{
    size_t len = 0;
    undecoded_text[0] = '\0';
    for (size_t i = 0; i < UNDECODED_NAMES && undecoded[i].name; i++) {
        int n = snprintf(undecoded_text + len, sizeof(undecoded_text) - len, "%s%s=%llu",
                         len ? " " : "", undecoded[i].name, (unsigned long long)undecoded[i].count);
        if (n < 0 || (size_t)n >= sizeof(undecoded_text) - len)
            break;
        len += (size_t)n;
    }
    out->undecoded = undecoded_total;
    out->undecoded_names = (cmp_str){undecoded_text, (uint32_t)len};
}

static bool read_tracee(void *ctx, uint64_t addr, void *buf, size_t len)
{
    return tracee_read(*(pid_t *)ctx, addr, buf, len) == (ssize_t)len;
}

/* What the scripts want captured of syscall nr beyond what the state needs. */
static unsigned capture_wants(int32_t nr)
{
    unsigned want = 0;
    if (script_host_wants_entry(nr) || script_host_wants_exit(nr))
        want |= CAPTURE_DECODED;
    if (script_host_wants_format(nr))
        want |= CAPTURE_SHOWN;
    if (script_host_wants_resolved(nr))
        want |= CAPTURE_RESOLVED;
    /* A later replay may run any script: it gets everything. */
    if (stream_record_all())
        want |= CAPTURE_DECODED | CAPTURE_SHOWN | CAPTURE_RESOLVED;
    return want;
}

/* A syscall entry in x86-64 terms: number, arguments and the ABI it came
 * through. */
struct entry {
    int32_t nr;
    int32_t abi;
    uint64_t args[6];
};

/* False for a syscall that cannot be decoded (it is counted). */
static bool decode_entry(pid_t tid, uint32_t arch, int32_t nr, const uint64_t *args,
                         struct entry *out)
{
    /* x32 calls come through the x86-64 entry with a high bit set in the
     * number; a negative number is no syscall at all (ENOSYS). */
    if (arch == AUDIT_ARCH_X86_64 && nr < X32_SYSCALL_BIT) {
        out->nr = nr;
        out->abi = CMP_ABI_X86_64;
        memcpy(out->args, args, sizeof(out->args));
        return true;
    }
    if (arch == AUDIT_ARCH_I386) {
        struct syscall_i386_call c;
        if (syscall_i386_translate(nr, args, read_tracee, &tid, &c)) {
            out->nr = c.nr;
            out->abi = CMP_ABI_I386;
            memcpy(out->args, c.args, sizeof(out->args));
            return true;
        }
        count_undecoded(c.name ? c.name : "i386:unknown");
        return false;
    }
    count_undecoded(arch == AUDIT_ARCH_X86_64 ? "x32" : "unknown-abi");
    return false;
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
        /* Before its first exec the root runs our own setup code. */
        bool ours = !t->before_exec ||
                    (info.arch == AUDIT_ARCH_X86_64 && (nr == SYS_execve || nr == SYS_execveat));
        struct entry e;
        ours = ours && decode_entry(t->tid, info.arch, nr, args, &e) && interest_has(e.nr);
        if (!ours) {
            t->call.active = false;
            break;
        }
        t->call.nr = e.nr;
        t->call.abi = e.abi;
        memcpy(t->call.args, e.args, sizeof(t->call.args));
        capture_entry(t, capture_wants(e.nr));
        stream_syscall_entry(t, now);
        if (!t->call.want_exit)
            t->call.active = false;
        finish_syscall_stop(t, true, 0, now);
        return;
    }
    case PTRACE_SYSCALL_INFO_EXIT:
        if (t->call.active) {
            capture_exit(t, info.exit.rval, capture_wants(t->call.nr));
            stream_syscall_exit(t, info.exit.rval, now);
            finish_syscall_stop(t, false, info.exit.rval, now);
            return;
        }
        break;
    default:
        break;
    }
    resume(t, 0);
}

static void tid_list_add(struct tid_list *l, pid_t tid)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->tids = xrealloc(l->tids, l->cap * sizeof(*l->tids));
    }
    l->tids[l->count++] = tid;
}

static bool tid_list_has(const struct tid_list *l, pid_t tid)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->tids[i] == tid)
            return true;
    return false;
}

/* New tasks stopped before their parent's clone event (task.held). */
static size_t unclaimed;

/* Whether a clone event will still name this new task. A thread's creator
 * reports it, or the whole group dies, the thread too. A process's parent
 * reports it only if it lives: one killed in the middle of fork never
 * does, and its child, reparented, would wait in its stop for ever. */
static bool parent_will_claim(pid_t tid)
{
    char status[4096], field[32];
    size_t n = procfs_read(tid, "status", status, sizeof(status) - 1);
    status[n] = '\0';
    if (n == 0 || atoi(status_field(status, "Tgid", field, sizeof(field))) != tid)
        return true; /* gone (its exit is on the way) or a thread */
    struct task *parent = proctable_find(atoi(status_field(status, "PPid", field, sizeof(field))));
    return parent && !parent->exited && !parent->held;
}

/* A process whose parent died before reporting it: traced on as a process
 * of unknown origin, like one attached to. */
static void adopt(struct task *t, uint64_t now)
{
    t->held = false;
    unclaimed--;
    track_root(t, STREAM_ROOT_ADOPTED, now);
    resume(t, 0);
}

static void collect_unclaimed(struct task *t, void *arg)
{
    struct tid_list *l = arg;
    if (t->held)
        tid_list_add(l, t->tid);
}

static void adopt_orphans(uint64_t now)
{
    struct tid_list l = {0};
    proctable_each(collect_unclaimed, &l);
    for (size_t i = 0; i < l.count; i++) {
        struct task *t = proctable_find(l.tids[i]);
        if (t && t->held && !parent_will_claim(t->tid))
            adopt(t, now);
    }
    free(l.tids);
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
    /* Without its entry (attached mid-call) the flags are not known. */
    stream_spawn(parent, child, parent->call.active ? parent->call.clone_flags : SIGCHLD, now);
    if (was_held) {
        child->held = false;
        unclaimed--;
        resume(child, 0);
    }
}

static struct task *exec_event(struct task *t, pid_t tid, pid_t *former_out)
{
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, 0L, &msg);
    pid_t former = (pid_t)msg;
    *former_out = tid;
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
    *former_out = former;
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

static void ptrace_handle(pid_t tid, int status, uint64_t now)
{
    struct task *t = proctable_find(tid);

    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (!t)
            return;
        forget_held(tid);
        record_root_end(t, status);
        if (t->held) {
            unclaimed--; /* never reported as started: its end is no event either */
        } else {
            stream_exit(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                        WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                        WIFSIGNALED(status) && WCOREDUMP(status), now);
            tracee_mem_forget(tid);
        }
        proctable_remove(t);
        if (unclaimed > 0)
            adopt_orphans(now);
        return;
    }
    if (!WIFSTOPPED(status))
        return;
    if (!t) {
        /* A new task reporting before its parent's clone event: hold it
         * until we know what it is. */
        t = proctable_add(tid);
        t->held = true;
        unclaimed++;
        t->stopped = true;
        if (!parent_will_claim(tid))
            adopt(t, now);
        return;
    }
    t->stopped = true;
    if (t->held)
        return;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (sig == SYSCALL_STOP) {
        syscall_stop(t, now);
        return;
    }
    switch (event) {
    case 0:
        /* Signal-delivery-stop: pass the signal on, as if untraced. */
        stream_signal(t, sig, now);
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
    case PTRACE_EVENT_EXEC: {
        pid_t former;
        t = exec_event(t, tid, &former);
        if (!t)
            return;
        track_exec(t, former, now);
        resume(t, 0);
        return;
    }
    case PTRACE_EVENT_STOP:
        if (is_group_stop_signal(sig)) {
            /* Stay stopped like an untraced job, but hear about SIGCONT. */
            t->group_stopped = true;
            t->stopped = false; /* it reports again: on SIGCONT, or when interrupted */
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

static void forget_task(pid_t tid)
{
    struct task *t = proctable_find(tid);
    if (t)
        proctable_remove(t);
}

/* A task in a stop we have not ended is detached at once: it would report
 * nothing more to wait for. The others are asked to stop; one that cannot
 * be asked is gone. */
static void release_or_interrupt(struct task *t, void *arg)
{
    struct tid_list *done = arg;
    if (t->stopped) {
        ptrace(PTRACE_DETACH, t->tid, 0L, 0L);
        tid_list_add(done, t->tid);
    } else if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) != 0 && errno == ESRCH) {
        tid_list_add(done, t->tid);
    }
}

/* How long the detach waits for a task that neither stops nor exits (a
 * vfork parent until its child execs, a task in uninterruptible sleep).
 * Those stay traced only until compendium exits: the kernel detaches
 * whatever a tracer leaves behind, and drops the pending stop request. */
#define DETACH_PATIENCE_NS 500000000u

static void ptrace_detach_all(void)
{
    held_count = 0; /* the tasks a delay holds are stopped: released below */
    unclaimed = 0;  /* so are the new tasks no clone event named yet */
    /* Tids released while their parent's clone event was still to come:
     * when the event names them, they are not waited for. */
    struct tid_list done = {0};
    proctable_each(release_or_interrupt, &done);
    for (size_t i = 0; i < done.count; i++)
        forget_task(done.tids[i]);
    uint64_t last_progress = now_ns();
    while (proctable_count() > 0) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
        if (tid < 0 && errno == EINTR)
            continue;
        if (tid < 0)
            break; /* ECHILD: none left */
        if (tid == 0) {
            if (now_ns() - last_progress > DETACH_PATIENCE_NS)
                break;
            struct timespec ms = {0, 1000000L};
            nanosleep(&ms, NULL);
            continue;
        }
        last_progress = now_ns();
        struct task *t = proctable_find(tid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (t) {
                record_root_end(t, status);
                stream_exit(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                            WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                            WIFSIGNALED(status) && WCOREDUMP(status), last_progress);
                tracee_mem_forget(tid);
                proctable_remove(t);
            }
            continue;
        }
        if (!WIFSTOPPED(status))
            continue;
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        unsigned long msg = 0;
        if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
            event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_EXEC)
            ptrace(PTRACE_GETEVENTMSG, tid, 0L, &msg);
        /* A pending signal must not be lost on the way out. */
        int inject = (event == 0 && sig != SYSCALL_STOP) ? sig : 0;
        ptrace(PTRACE_DETACH, tid, 0L, (long)inject);
        if (t)
            proctable_remove(t);
        else
            tid_list_add(&done, tid); /* a new task, ahead of its parent's event */
        pid_t other = (pid_t)msg;
        if (event == PTRACE_EVENT_EXEC && other != tid) {
            forget_task(other); /* the execing thread, now known by the leader's tid */
        } else if (other > 0 && event != PTRACE_EVENT_EXEC && !proctable_find(other) &&
                   !tid_list_has(&done, other)) {
            /* The new task is traced too and will stop: wait for it. */
            proctable_add(other);
        }
    }
    free(done.tids);
}

static void kill_task(struct task *t, void *arg)
{
    (void)arg;
    kill(t->pid, SIGKILL);
}

static void ptrace_kill_all(void)
{
    held_count = 0; /* SIGKILL ends a stop too; nothing is owed a resume */
    proctable_each(kill_task, NULL);
}

/* ---- the source interface -------------------------------------------------- */

static char spawn_path[PATH_MAX];
static char *const *spawn_argv; /* NULL: attach to attach_pid */
static pid_t attach_pid;

/* The attached process's command line, its arguments space-joined. */
static char *attached_command(pid_t pid)
{
    size_t n = 0;
    char *text = procfs_read_all(pid, "cmdline", &n);
    if (!text || n == 0) {
        free(text);
        return xstrdup("?");
    }
    /* The arguments end in NULs; the last one ends the text. */
    for (size_t i = 0; i + 1 < n; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    return text;
}

static enum source_open_result ptrace_open(const struct source_target *target, char **command)
{
    if (!target->argv) {
        if (kill(target->pid, 0) != 0 && errno == ESRCH) {
            fprintf(stderr, "compendium: no process with PID %d\n", (int)target->pid);
            return SOURCE_FAILED;
        }
        attach_pid = target->pid;
        *command = attached_command(target->pid);
        return SOURCE_OPENED;
    }
    int rc = command_resolve(target->argv[0], spawn_path, sizeof(spawn_path));
    if (rc != 0)
        return rc == ENOENT ? SOURCE_NOT_FOUND : SOURCE_NOT_EXECUTABLE;
    spawn_argv = target->argv;
    root.program = spawn_path;
    *command = command_join(target->argv);
    return SOURCE_OPENED;
}

/* What seccomp lets run unstopped is known only once every script said what
 * it hooks; an attached process has no filter of ours. */
static void ptrace_set_interest(void)
{
    use_seccomp = spawn_argv && !interest_all();
}

static bool ptrace_start(uint64_t now)
{
    return spawn_argv ? ptrace_spawn(spawn_path, spawn_argv, now) > 0
                      : ptrace_attach(attach_pid, now);
}

static bool ptrace_tracing(void)
{
    return proctable_count() > 0;
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
    return a && (!b || a < b) ? a : b;
}

static enum source_step ptrace_next(uint64_t deadline, bool block)
{
    wakeup_arm(earlier(ptrace_resume_due(now_ns()), deadline));
    int status;
    pid_t tid = waitpid(-1, &status, __WALL | (block ? 0 : WNOHANG));
    if (tid == 0)
        return SOURCE_IDLE;
    /* What perf and BPF saw before this stop goes first; the stop's events
     * are given this time, so none of them is older. */
    uint64_t seen = now_ns();
    stream_pump(seen);
    if (tid < 0)
        return errno == EINTR ? SOURCE_IDLE : SOURCE_ENDED; /* ECHILD: none left */
    ptrace_handle(tid, status, seen);
    return SOURCE_HANDLED;
}

static void ptrace_stop(enum source_stop_how how)
{
    if (how == SOURCE_DETACH)
        ptrace_detach_all();
    else
        ptrace_kill_all();
}

static void ptrace_close(void)
{
    if (exec_error_fd >= 0)
        close(exec_error_fd);
    exec_error_fd = -1;
}

const struct source ptrace_source = {
    .caps = {.name = "ptrace", .live = true, .can_stop = true, .can_attach = true},
    .prepare = ptrace_inherit_signals,
    .open = ptrace_open,
    .set_interest = ptrace_set_interest,
    .start = ptrace_start,
    .tracing = ptrace_tracing,
    .next = ptrace_next,
    .stop = ptrace_stop,
    .close = ptrace_close,
    .root = ptrace_root_status,
    .root_pid = ptrace_root_pid,
    .totals = ptrace_abi_totals,
    .query_fd = capture_query_fd,
};
