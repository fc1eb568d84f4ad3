#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "interest.h"
#include "output.h"
#include "own_fds.h"
#include "proctable.h"
#include "bpf_syscall_source.h"
#include "ptrace_source.h"
#include "record_file.h"
#include "replay_source.h"
#include "strace_source.h"
#include "script_host.h"
#include "source.h"
#include "sources.h"
#include "state.h"
#include "stream.h"
#include "tracee_mem.h"
#include "syscall_table.h"
#include "wakeup.h"
#include "xalloc.h"

/* Exit statuses of our own (the rest is the tracee's). */
enum {
    EXIT_TRACE_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_SCRIPT_FAILED = 125,
    EXIT_CANNOT_EXECUTE = 126,
    EXIT_NOT_FOUND = 127,
};

static struct {
    uint64_t start_ns, end_ns;
    uint64_t wall_start_ns; /* CLOCK_REALTIME at start_ns */
    bool attached, detached, interrupted;
    bool leftovers_announced; /* the command exited and left processes behind */
    char *command;
} run;

/* Where the records come from; chosen from the options, driven only
 * through its operations. */
static const struct source *src = &ptrace_source;

/* Signals that reached compendium itself, handled in the loop. */
static volatile sig_atomic_t signals_pending; /* any of the below changed */
static volatile sig_atomic_t stop_requests;   /* SIGINT/SIGTERM count */
static volatile sig_atomic_t hangup;          /* SIGHUP: the terminal is gone */
static volatile sig_atomic_t forward_pending[NSIG];

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/* The run's start on both clocks, as one instant: the realtime read sits
 * between two monotonic ones, and the midpoint of those is its monotonic
 * time, off by at most half their gap. The tightest of a few tries wins (a
 * try that was preempted has a wide gap). */
static void take_clock_anchor(void)
{
    uint64_t best_gap = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t before = clock_ns(CLOCK_MONOTONIC);
        uint64_t wall = clock_ns(CLOCK_REALTIME);
        uint64_t after = clock_ns(CLOCK_MONOTONIC);
        if (after - before < best_gap) {
            best_gap = after - before;
            run.start_ns = before + best_gap / 2;
            run.wall_start_ns = wall;
        }
    }
}

uint64_t cmp_host_start_ns(void)
{
    return run.start_ns;
}

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    if (sig == SIGINT || sig == SIGTERM)
        stop_requests++;
    if (sig == SIGHUP)
        hangup = 1;
    /* A hook that runs on keeps the tracees stopped and this loop away:
     * what ends the trace interrupts it. */
    if (sig == SIGTERM || (sig == SIGINT && stop_requests >= 2) || (sig == SIGHUP && run.attached))
        script_host_interrupt(sig);
    /* A terminal's signal already reached the whole foreground job; one sent
     * to compendium alone (kill) is passed on to the traced command. */
    if (info->si_code == SI_USER || info->si_code == SI_QUEUE || info->si_code == SI_TKILL)
        forward_pending[sig] = 1;
    signals_pending = 1;
    /* waitpid may have been entered just before this ran: make sure it
     * returns soon to look at the flags. */
    alarm(1);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid must return EINTR */
    sigemptyset(&sa.sa_mask);
    const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaction(handled[i], &sa, NULL);
    struct sigaction alarm_sa;
    memset(&alarm_sa, 0, sizeof(alarm_sa));
    alarm_sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &alarm_sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The timers and Ctrl-C need these whatever mask we inherited; the
     * command still gets the inherited one. */
    sigset_t ours;
    sigemptyset(&ours);
    sigaddset(&ours, SIGALRM);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&ours, handled[i]);
    sigprocmask(SIG_UNBLOCK, &ours, NULL);
}

/* Where the bundled Lua lives: share/compendium beside bin/, both when
 * installed and in the build tree. */
static bool find_data_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    char joined[PATH_MAX + 64];
    if (snprintf(joined, sizeof(joined), "%s/../%s", exe, COMPENDIUM_DATA_SUBDIR) >=
            (int)sizeof(joined) ||
        cap < PATH_MAX || !realpath(joined, out))
        return false;
    char probe[PATH_MAX + 64];
    if (snprintf(probe, sizeof(probe), "%s/lua/compendium/runtime.lua", out) >= (int)sizeof(probe))
        return false;
    return access(probe, R_OK) == 0;
}

const struct source *session_source(void)
{
    return src;
}

void session_set_source(const struct source *s)
{
    src = s;
}

/* The source as scripts see it: run.source, and what c.on and c.inject
 * check when a script needs a source that stops the tracee. */
void cmp_host_source(cmp_source_info *out)
{
    const struct source_caps *caps = &src->caps;
    out->name = (cmp_str){caps->name, (uint32_t)strlen(caps->name)};
    out->live = caps->live;
    out->can_stop = caps->can_stop;
}

void session_run_info(cmp_run_info *out)
{
    memset(out, 0, sizeof(*out));
    const struct root_status *rs = src->root();
    out->start_ns = run.start_ns;
    out->wall_start_ns = run.wall_start_ns;
    out->end_ns = run.end_ns              ? run.end_ns
                  : src->recorded != NULL ? src->recorded()->end_ns
                                          : now_ns();
    out->root_pid = src->root_pid();
    out->exit_code = rs->ended ? rs->exit_code : -1;
    out->exit_signal = rs->ended ? rs->exit_signal : 0;
    out->core_dumped = rs->ended && rs->core_dumped;
    out->attached = run.attached;
    out->detached = run.detached;
    /* A root that had exited when the second Ctrl-C came was not killed. */
    out->interrupted = run.interrupted && (!rs->ended || rs->exit_signal == SIGKILL);
    out->io_traced = interest_io();
    state_totals(out);
    sources_totals(out);
    src->totals(out);
    cmp_host_source(&out->source);
    out->command = (cmp_str){run.command, (uint32_t)strlen(run.command ? run.command : "")};
}

/* The processes still traced, by pid (a process is listed once, however
 * many threads it has). */
struct leftovers {
    pid_t pids[8];
    const char *comms[8];
    size_t count; /* all of them, also those past the array */
};

static void add_leftover(struct task *t, void *arg)
{
    struct leftovers *l = arg;
    if (t->held || !t->proc)
        return;
    size_t kept = l->count < 8 ? l->count : 8;
    for (size_t i = 0; i < kept; i++)
        if (l->pids[i] == t->pid)
            return;
    if (l->count < 8) {
        l->pids[l->count] = t->pid;
        l->comms[l->count] = t->proc->comm;
    }
    l->count++;
}

/* "exited 0", "was killed by SIGTERM" */
static void describe_root_end(char *out, size_t cap)
{
    const struct root_status *rs = src->root();
    if (rs->exit_signal)
        snprintf(out, cap, "was killed by %s", cmp_signal_name(rs->exit_signal));
    else
        snprintf(out, cap, "exited %d", rs->exit_code);
}

/* What the command started outlives it (a daemon): say so once, or the
 * wait looks like a hang. */
static void announce_leftovers(void)
{
    run.leftovers_announced = true;
    struct leftovers l = {0};
    proctable_each(add_leftover, &l);
    if (l.count == 0)
        return;
    char how[64];
    describe_root_end(how, sizeof(how));
    output_flush();
    fprintf(stderr, "compendium: the command %s; still tracing %zu process%s it started:", how,
            l.count, l.count == 1 ? "" : "es");
    for (size_t i = 0; i < l.count && i < 8; i++) {
        char name[256];
        fprintf(stderr, " %d %s%s", (int)l.pids[i],
                process_safe_name(l.comms[i], name, sizeof(name)), i + 1 < l.count ? "," : "");
    }
    fprintf(stderr, "%s — Ctrl-C to stop\n", l.count > 8 ? " …" : "");
}

/* Signals compendium received since the last look: Ctrl-C rules. */
static void handle_requests(int *seen_stops)
{
    signals_pending = 0;
    pid_t root = src->root_pid();
    for (int sig = 1; sig < NSIG; sig++) {
        if (!forward_pending[sig])
            continue;
        forward_pending[sig] = 0;
        /* A replay's pids are those of the recorded run, not processes here. */
        if (!run.attached && root > 0 && !src->root()->ended && src->caps.live)
            kill(root, sig);
    }
    bool stop = stop_requests != *seen_stops;
    *seen_stops = stop_requests;
    if (!src->caps.live) {
        /* Nothing runs that could finish: a replay stops where it is. */
        if (stop || hangup)
            src->stop(SOURCE_DETACH);
        return;
    }
    if (run.attached && (stop || hangup)) {
        src->stop(SOURCE_DETACH);
        run.detached = true;
    } else if (stop && src->root()->ended) {
        /* Only what the command left behind is traced: one request ends
         * it. They are killed, not released: when seccomp chooses the
         * stops they carry our filter, which fails the syscalls it
         * traps (ENOSYS) once no tracer is there. */
        struct leftovers l = {0};
        proctable_each(add_leftover, &l);
        if (l.count > 0)
            fprintf(stderr,
                    "compendium: stopping: killing the %zu process%s the command left running\n",
                    l.count, l.count == 1 ? "" : "es");
        src->stop(SOURCE_KILL);
    } else if (*seen_stops >= 2 && !run.interrupted) {
        run.interrupted = true;
        src->stop(SOURCE_KILL);
    }
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
    return a && (!b || a < b) ? a : b;
}

/* How long what the command left behind must outlive it before the notice:
 * a child that ends a moment after its parent is no daemon. */
#define LEFTOVER_NOTICE_NS 1000000000u

static void wait_loop(void)
{
    int seen_stops = 0;
    uint64_t notice_due = 0;
    while (src->tracing()) {
        if (signals_pending) {
            handle_requests(&seen_stops);
            if (run.detached)
                break;
        }
        uint64_t now = now_ns();
        if (!run.attached && !run.leftovers_announced && src->root()->ended && src->caps.live) {
            if (!notice_due)
                notice_due = now + LEFTOVER_NOTICE_NS;
            else if (now >= notice_due)
                announce_leftovers();
        }
        uint64_t due = sources_next_pump(now);
        if (!run.leftovers_announced)
            due = earlier(due, notice_due);
        /* Records wait at most RECORD_FLUSH_NS, busy or idle. */
        uint64_t record_due = stream_flush_due();
        if (record_due && record_due <= now) {
            stream_flush(now);
            record_due = stream_flush_due();
        }
        due = earlier(due, record_due);
        /* Before blocking, show what is buffered; without output pending,
         * one blocking wait per batch is all the loop costs. */
        enum source_step step = SOURCE_IDLE;
        if (output_pending()) {
            step = src->next(due, false);
            if (step == SOURCE_IDLE)
                output_flush();
        }
        if (step == SOURCE_IDLE)
            step = src->next(due, true);
        if (step == SOURCE_ENDED)
            break;
    }
}

/* A failed check (or hook) is 125 whatever the command did, so a command
 * that succeeds cannot hide it; without failures the command's own status
 * passes through, so passing checks cannot hide its failure either. When
 * both failed, the verdict line and the JUnit report say how it ended. */
static int exit_status(int failures)
{
    const struct root_status *rs = src->root();
    if (failures > 0)
        return EXIT_SCRIPT_FAILED;
    if (run.detached)
        return 0;
    if (!rs->ended)
        return 0;
    if (rs->exit_signal)
        return 128 + rs->exit_signal;
    return rs->exit_code;
}

/* Output that could not be written completely must not look like a
 * success: 125, as for a failed check, whatever the command did; the line
 * says what the status would have been. */
static int complete_output_status(int status)
{
    if (!output_incomplete())
        return status;
    if (status == EXIT_SCRIPT_FAILED)
        fprintf(stderr, "compendium: the output is incomplete: %s\n", output_lost());
    else
        fprintf(stderr, "compendium: exit status %d, not %d: the output is incomplete: %s\n",
                EXIT_SCRIPT_FAILED, status, output_lost());
    return EXIT_SCRIPT_FAILED;
}

/* What a recording keeps beside what the scripts hook: the I/O the
 * default view, the JSON and the report count, so that they replay whatever
 * the run showed; with --record-all, every syscall and every argument. */
static void record_interest(bool all)
{
    interest_add_event(CMP_EV_READ);
    if (all)
        interest_add_syscall(-1);
}

static void bitmap_set(uint8_t *bits, int32_t nr)
{
    bits[nr / 8] |= (uint8_t)(1u << (nr % 8));
}

/* The recording's header: the clock anchor, the command and how it is
 * captured, once the scripts have said what they hook. */
static void record_header(void)
{
    if (!stream_recording())
        return;
    struct rf_header h;
    memset(&h, 0, sizeof(h));
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(h.kernel, sizeof(h.kernel), "%s", u.release);
    long page = sysconf(_SC_PAGESIZE);
    h.page_size = page > 0 ? (uint64_t)page : 0;
    h.start_ns = run.start_ns;
    h.wall_start_ns = run.wall_start_ns;
    h.command = run.command;
    snprintf(h.source, sizeof(h.source), "%s", src->caps.name);
    cmp_run_info companions;
    memset(&companions, 0, sizeof(companions));
    sources_totals(&companions);
    h.flags = (run.attached ? RF_ATTACHED : 0) | (interest_io() ? RF_IO_TRACED : 0) |
              (companions.faults_traced ? RF_FAULTS : 0) | (companions.ebpf_traced ? RF_EBPF : 0) |
              (interest_all() ? RF_ALL : 0) | (stream_record_all() ? RF_DECODE_ALL : 0);
    for (int32_t nr = 0; nr < RF_BITMAP_BYTES * 8 && nr < SYSCALL_TABLE_SIZE; nr++) {
        if (interest_has(nr))
            bitmap_set(h.traced, nr);
        if (script_host_wants_entry(nr))
            bitmap_set(h.at_entry, nr);
    }
    stream_record_header(&h);
}

/* The trailer: what only the source knew at the end. */
static void record_end(void)
{
    if (!stream_recording())
        return;
    const struct root_status *rs = src->root();
    cmp_run_info info;
    memset(&info, 0, sizeof(info));
    sources_totals(&info);
    src->totals(&info);
    struct rf_end e = {
        .end_ns = run.end_ns,
        .root_pid = src->root_pid(),
        .root_ended = rs->ended,
        .core_dumped = rs->core_dumped,
        .detached = run.detached,
        .interrupted = run.interrupted,
        .exit_code = rs->exit_code,
        .exit_signal = rs->exit_signal,
        .exec_errno = rs->exec_errno,
        .program = (char *)rs->program,
        .undecoded = info.undecoded,
        .undecoded_names = xstrndup(info.undecoded_names.ptr, info.undecoded_names.len),
        .faults_traced = info.faults_traced,
        .ebpf_traced = info.ebpf_traced,
        .page_size = info.page_size,
        .faults_dropped = info.faults_dropped,
        .ebpf_dropped = info.ebpf_dropped,
    };
    stream_record_close(&e);
    free(e.undecoded_names);
}

/* From loading the scripts to the end hooks; the caller closes what this
 * opened, whichever way it returns. */
static int trace(const struct cli_options *opts, const char *data_dir)
{
    /* Scripts that need what the source cannot do are refused here. */
    if (!script_host_init(data_dir, opts, run.command))
        return EXIT_USAGE;
    if ((opts->faults || opts->ebpf) && !src->caps.live) {
        fprintf(stderr,
                "compendium: --faults and --ebpf watch running tasks; the %s source has none\n",
                src->caps.name);
        return EXIT_USAGE;
    }
    if ((opts->faults || opts->ebpf) && !sources_open(opts->faults, opts->ebpf))
        return EXIT_TRACE_FAILED;
    if (opts->record_path)
        record_interest(opts->record_all);
    /* A replay's interest only warns of hooks that see nothing: the diff
     * script hooks every syscall to count whatever the recording has. */
    if (!opts->diff_mode || src->caps.live)
        src->set_interest();
    record_header();
    install_signal_handlers();
    if (!wakeup_init()) {
        fprintf(stderr, "compendium: cannot create a timer: %s\n", strerror(errno));
        return EXIT_TRACE_FAILED;
    }
    if (!src->start(run.start_ns))
        return EXIT_TRACE_FAILED;
    /* No record is handled before this, so start hooks come first. */
    script_host_start();
    wait_loop();
    stream_pump(UINT64_MAX);
    run.end_ns = now_ns();
    alarm(0);
    if (src->recorded) {
        const struct source_run *r = src->recorded();
        run.end_ns = r->end_ns;
        run.detached = r->detached;
        run.interrupted = r->interrupted;
    }
    record_end();

    const struct root_status *rs = src->root();
    if (rs->exec_errno && !opts->diff_mode) {
        fprintf(stderr, "compendium: cannot execute %s: %s\n", rs->program,
                strerror(rs->exec_errno));
        return rs->exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
    }
    state_finish();
    tracee_mem_forget_all();
    int failures = script_host_finish();
    output_close(); /* the -o file's last write counts too */
    /* A diff of a recording cut short would name what is missing from it
     * as differences: bad input, said in one line already. */
    if (opts->diff_mode && output_input_cut())
        return EXIT_USAGE;
    if (opts->diff_mode) /* the diff script fails the run when it found differences */
        return complete_output_status(failures > 0 ? 1 : 0);
    return complete_output_status(exit_status(failures));
}

/* --replay FILE: a recording (its magic), an strace log (its lines), or
 * neither (said, NULL). A file that cannot be read is the recording
 * source's to say why. */
static const struct source *replay_kind(const char *path)
{
    static const char magic[] = "\x89"
                                "CMPD";
    char head[4096];
    ssize_t n = -1;
    if (strace_per_pid(path))
        return &strace_source;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = read(fd, head, sizeof(head));
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return &replay_source;
    /* Empty, or cut within the magic: the recording source says so. */
    size_t m = (size_t)n < sizeof(magic) - 1 ? (size_t)n : sizeof(magic) - 1;
    if (memcmp(head, magic, m) == 0)
        return &replay_source;
    if (strace_log_looks(head, (size_t)n))
        return &strace_source;
    fprintf(stderr, "compendium: %s is neither a compendium recording nor an strace log\n", path);
    return NULL;
}

/* The source the options ask for: a recording, an strace log, or ptrace. */
static const struct source *choose_source(const struct cli_options *opts)
{
    const struct source *s = opts->replay_path ? replay_kind(opts->replay_path)
                             : opts->bpf       ? &bpf_syscall_source
                                               : &ptrace_source;
    if (!s)
        return NULL;
    if (!opts->command && !opts->replay_path && !s->caps.can_attach) {
        fprintf(stderr, "compendium: the %s source cannot attach to a process (--pid)\n",
                s->caps.name);
        return NULL;
    }
    return s;
}

/* Opens the source on the command or the process; 0, or the exit status. */
static int open_source(const struct cli_options *opts)
{
    struct source_target target = {
        .argv = opts->command, .pid = opts->attach_pid, .recording = opts->replay_path};
    switch (src->open(&target, &run.command)) {
    case SOURCE_OPENED:
        run.attached = !opts->command;
        if (src->recorded) {
            const struct source_run *r = src->recorded();
            run.start_ns = r->start_ns;
            run.wall_start_ns = r->wall_start_ns;
            run.attached = r->attached;
        }
        return 0;
    case SOURCE_NOT_FOUND:
        fprintf(stderr, "compendium: %s: command not found\n", opts->command[0]);
        return EXIT_NOT_FOUND;
    case SOURCE_NOT_EXECUTABLE:
        fprintf(stderr, "compendium: %s: permission denied (not an executable file)\n",
                opts->command[0]);
        return EXIT_CANNOT_EXECUTE;
    default:
        return EXIT_TRACE_FAILED;
    }
}

int session_run(const struct cli_options *opts)
{
    take_clock_anchor();
    src = choose_source(opts);
    if (!src)
        return EXIT_USAGE;
    src->prepare();
    own_fds_snapshot();
    char data_dir[PATH_MAX];
    if (!find_data_dir(data_dir, sizeof(data_dir))) {
        fprintf(stderr, "compendium: cannot find the bundled scripts (share/compendium next to "
                        "the binary's bin/); is the installation complete?\n");
        return EXIT_USAGE;
    }
    if (!output_open(opts->output_path))
        return EXIT_USAGE;
    if (!stream_record_open(opts->record_path, opts->record_all)) {
        output_close();
        return EXIT_USAGE;
    }
    int rc = open_source(opts);
    if (rc != 0) {
        stream_record_close(NULL);
        output_close();
        return opts->diff_mode ? EXIT_USAGE : rc;
    }

    interest_init();
    state_init(run.start_ns);
    int status = trace(opts, data_dir);
    stream_record_close(NULL); /* when the trace ended early: what it has */
    /* The source's BPF programs (--bpf) attached after the companions' to
     * the tracepoints both use: they detach first, which costs no RCU grace
     * period per shared tracepoint. */
    src->close();
    sources_close();
    wakeup_close();
    output_close();
    script_host_close();
    free(run.command);
    return status;
}
