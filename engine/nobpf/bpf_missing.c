/* What stands for the BPF parts (--ebpf, --bpf) in a build made without
 * kernel BTF, where the BPF programs could not be compiled: each says so
 * when asked for, before anything runs. */
#include <stdio.h>

#include "bpf_source.h"
#include "bpf_syscall_source.h"
#include "ptrace_source.h"

#define NOT_BUILT                                                                                  \
    "is not available: this compendium was built without kernel BTF, so without its BPF "          \
    "programs (rebuild where /sys/kernel/btf/vmlinux exists, or with -DKERNEL_BTF=FILE)"

bool bpf_source_open(uint64_t sched_threshold_ns, char *why, size_t cap)
{
    (void)sched_threshold_ns;
    snprintf(why, cap, "--ebpf " NOT_BUILT);
    return false;
}

void bpf_source_track(pid_t tid)
{
    (void)tid;
}

void bpf_source_untrack(pid_t tid)
{
    (void)tid;
}

void bpf_source_drain(struct native_buf *out)
{
    (void)out;
}

uint64_t bpf_source_dropped(void)
{
    return 0;
}

void bpf_source_close(void) {}

void bpf_libbpf_print_setup(void) {}

static enum source_open_result not_built(const struct source_target *target, char **command)
{
    (void)target;
    (void)command;
    fprintf(stderr, "compendium: --bpf " NOT_BUILT "\n");
    return SOURCE_FAILED;
}

static bool nothing(void)
{
    return false;
}

static const struct root_status no_root;

static const struct root_status *root_status(void)
{
    return &no_root;
}

static pid_t no_pid(void)
{
    return 0;
}

static void no_totals(cmp_run_info *out)
{
    (void)out;
}

static void no_interest(void) {}

static bool no_start(uint64_t now)
{
    (void)now;
    return false;
}

static enum source_step no_next(uint64_t deadline, bool block)
{
    (void)deadline;
    (void)block;
    return SOURCE_ENDED;
}

static void no_stop(enum source_stop_how how)
{
    (void)how;
}

const struct source bpf_syscall_source = {
    .caps = {.name = "bpf", .live = true, .can_stop = false, .can_attach = true},
    .prepare = ptrace_inherit_signals,
    .open = not_built,
    .set_interest = no_interest,
    .start = no_start,
    .tracing = nothing,
    .next = no_next,
    .stop = no_stop,
    .close = no_interest,
    .root = root_status,
    .root_pid = no_pid,
    .totals = no_totals,
};
