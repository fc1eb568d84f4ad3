#include "session.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "interest.h"
#include "output.h"
#include "own_fds.h"
#include "procfs.h"
#include "proctable.h"
#include "ptrace_source.h"
#include "script_host.h"
#include "sources.h"
#include "state.h"
#include "wakeup.h"

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
    bool attached, detached, interrupted;
    char *command;
} run;

/* Signals that reached compendium itself, handled in the loop. */
static volatile sig_atomic_t signals_pending; /* any of the below changed */
static volatile sig_atomic_t stop_requests;   /* SIGINT/SIGTERM count */
static volatile sig_atomic_t hangup;          /* SIGHUP: the terminal is gone */
static volatile sig_atomic_t forward_pending[NSIG];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

static char *attached_command(pid_t pid)
{
    char buf[4096];
    size_t n = procfs_read(pid, "cmdline", buf, sizeof(buf) - 1);
    if (n == 0)
        return strdup("?");
    buf[n] = '\0';
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    return strdup(buf);
}

void session_run_info(cmp_run_info *out)
{
    memset(out, 0, sizeof(*out));
    const struct root_status *rs = ptrace_root_status();
    out->start_ns = run.start_ns;
    out->end_ns = run.end_ns ? run.end_ns : now_ns();
    out->root_pid = ptrace_root_pid();
    out->exit_code = rs->ended ? rs->exit_code : -1;
    out->exit_signal = rs->ended ? rs->exit_signal : 0;
    out->core_dumped = rs->ended && rs->core_dumped;
    out->attached = run.attached;
    out->detached = run.detached;
    out->interrupted = run.interrupted;
    out->io_traced = interest_io();
    state_totals(out);
    sources_totals(out);
    out->command = (cmp_str){run.command, (uint32_t)strlen(run.command ? run.command : "")};
}

/* Signals compendium received since the last look: Ctrl-C rules. */
static void handle_requests(int *seen_stops)
{
    signals_pending = 0;
    pid_t root = ptrace_root_pid();
    for (int sig = 1; sig < NSIG; sig++) {
        if (!forward_pending[sig])
            continue;
        forward_pending[sig] = 0;
        if (!run.attached && root > 0 && !ptrace_root_status()->ended)
            kill(root, sig);
    }
    bool stop = stop_requests != *seen_stops;
    *seen_stops = stop_requests;
    if (run.attached && (stop || hangup)) {
        ptrace_detach_all();
        run.detached = true;
    } else if (*seen_stops >= 2 && !run.interrupted) {
        run.interrupted = true;
        ptrace_kill_all();
    }
}

static void wait_loop(void)
{
    int seen_stops = 0;
    while (proctable_count() > 0) {
        if (signals_pending) {
            handle_requests(&seen_stops);
            if (run.detached)
                break;
        }
        uint64_t now = now_ns();
        uint64_t delay_due = ptrace_resume_due(now), pump_due = sources_next_pump(now);
        wakeup_arm(delay_due && (!pump_due || delay_due < pump_due) ? delay_due : pump_due);
        int status;
        pid_t tid = 0;
        /* Before blocking, show what is buffered; without output pending,
         * one blocking wait per stop is all the loop costs. */
        if (output_pending()) {
            tid = waitpid(-1, &status, __WALL | WNOHANG);
            if (tid == 0)
                output_flush();
        }
        if (tid == 0)
            tid = waitpid(-1, &status, __WALL);
        /* What perf and BPF saw happened before this stop: it goes first. */
        sources_pump();
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: nothing left to wait for */
        }
        ptrace_handle(tid, status);
    }
}

/* A failed check (or hook) is 125 whatever the command did, so a command
 * that succeeds cannot hide it; without failures the command's own status
 * passes through, so passing checks cannot hide its failure either. When
 * both failed, the verdict line and the JUnit report say how it ended. */
static int exit_status(int failures)
{
    const struct root_status *rs = ptrace_root_status();
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

/* From loading the scripts to the end hooks; the caller closes what this
 * opened, whichever way it returns. */
static int trace(const struct cli_options *opts, const char *data_dir, const char *path)
{
    if (!script_host_init(data_dir, opts, run.command))
        return EXIT_USAGE;
    if ((opts->faults || opts->ebpf) && !sources_open(opts->faults, opts->ebpf))
        return EXIT_TRACE_FAILED;
    install_signal_handlers();
    if (!wakeup_init()) {
        fprintf(stderr, "compendium: cannot create a timer: %s\n", strerror(errno));
        return EXIT_TRACE_FAILED;
    }
    bool started = opts->command ? ptrace_spawn(path, opts->command, run.start_ns) > 0
                                 : ptrace_attach(opts->attach_pid, run.start_ns);
    if (!started)
        return EXIT_TRACE_FAILED;
    /* No tracee stop is handled before this, so start hooks come first. */
    script_host_start();
    wait_loop();
    sources_pump();
    run.end_ns = now_ns();
    alarm(0);

    const struct root_status *rs = ptrace_root_status();
    if (rs->exec_errno) {
        fprintf(stderr, "compendium: cannot execute %s: %s\n", path, strerror(rs->exec_errno));
        return rs->exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
    }
    state_finish();
    return exit_status(script_host_finish());
}

int session_run(const struct cli_options *opts)
{
    run.start_ns = now_ns();
    own_fds_snapshot();
    char data_dir[PATH_MAX];
    if (!find_data_dir(data_dir, sizeof(data_dir))) {
        fprintf(stderr, "compendium: cannot find the bundled scripts (share/compendium next to "
                        "the binary's bin/); is the installation complete?\n");
        return EXIT_USAGE;
    }
    if (!output_open(opts->output_path))
        return EXIT_USAGE;

    char path[PATH_MAX];
    if (opts->command) {
        int rc = command_resolve(opts->command[0], path, sizeof(path));
        if (rc == ENOENT) {
            fprintf(stderr, "compendium: %s: command not found\n", opts->command[0]);
            output_close();
            return EXIT_NOT_FOUND;
        }
        if (rc != 0) {
            fprintf(stderr, "compendium: %s: permission denied (not an executable file)\n",
                    opts->command[0]);
            output_close();
            return EXIT_CANNOT_EXECUTE;
        }
        run.command = command_join(opts->command);
    } else {
        if (kill(opts->attach_pid, 0) != 0 && errno == ESRCH) {
            fprintf(stderr, "compendium: no process with PID %d\n", (int)opts->attach_pid);
            output_close();
            return EXIT_TRACE_FAILED;
        }
        run.command = attached_command(opts->attach_pid);
        run.attached = true;
    }

    interest_init();
    state_init(run.start_ns);
    int status = trace(opts, data_dir, path);
    sources_close();
    wakeup_close();
    output_close();
    script_host_close();
    free(run.command);
    return status;
}
