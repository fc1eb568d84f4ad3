/* The BPF source: run-queue delay (wakeup or preemption to switch-in) and
 * block I/O latency of the traced tasks only, from tp_btf programs that
 * report through one BPF ring buffer. */
#ifndef COMPENDIUM_BPF_SOURCE_H
#define COMPENDIUM_BPF_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "native.h"

/* Loads and attaches the programs; sched delays shorter than
 * sched_threshold_ns are not reported. On failure writes one line saying
 * what is missing and how to get it (CAP_BPF/CAP_PERFMON or root, kernel
 * BTF) into why and returns false. Called before any tracee runs. */
bool bpf_source_open(uint64_t sched_threshold_ns, char *why, size_t cap);
/* Keeps the kernel's set of traced tasks in step with the tracer's (the
 * programs also follow forks of traced tasks themselves). Records name the
 * pid the kernel gives the task, so only the tid is needed. With from_exec
 * (the command compendium started, still in compendium's own code) its
 * run-queue waits count from the end of its execve. */
void bpf_source_track(pid_t tid, bool from_exec);
void bpf_source_untrack(pid_t tid);
/* Appends every record the ring buffer holds now; no syscall when empty. */
void bpf_source_drain(struct native_buf *out);
/* The last drain, once the traced tasks are gone: the ring buffer, then
 * the traced bios whose completion was never seen (see below). */
void bpf_source_finish(struct native_buf *out);
/* Appends a block_io record marked unseen (bytes and kind, no latency; at
 * its issue, or its submission) for each bio left in the programs' `bios` map (bios_fd: keys are
 * addresses, values struct latency_bio), and empties the map. The kernel
 * runs no BPF program for some request completions (in a softirq that
 * interrupted certain tasks), so a bio can end without the programs
 * knowing. Returns how many records it made. */
size_t bpf_source_report_unfinished(int bios_fd, struct native_buf *out);
/* Records lost: the ring buffer had no room for them. */
uint64_t bpf_source_dropped(void);
void bpf_source_close(void);
/* libbpf's own messages only with COMPENDIUM_BPF_DEBUG=1 (every BPF part of
 * compendium says what failed in one line of its own). */
void bpf_libbpf_print_setup(void);
/* COMPENDIUM_BPF_DEBUG is set: say why a load failed at length. */
bool bpf_debugging(void);
/* Whether to try the light skeleton (the kernel's loader program) first:
 * not with COMPENDIUM_BPF_LOADER=libbpf, which takes libbpf's way, the
 * fallback, so that it is tested on kernels that do not need it. */
bool bpf_light_wanted(void);
/* Whether a light load that failed with err (a positive errno) is worth
 * retrying through libbpf: not when the kernel refused it for privileges,
 * which libbpf cannot change. */
bool bpf_retry_with_libbpf(int err);

#endif
