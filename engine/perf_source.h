/* The perf source: every minor page fault of the traced tasks, sampled with
 * TID, address and CLOCK_MONOTONIC time into per-CPU mmap rings. */
#ifndef COMPENDIUM_PERF_SOURCE_H
#define COMPENDIUM_PERF_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "native.h"

/* Checks that fault sampling is permitted; on failure writes one line
 * saying why and how to fix it into why and returns false. */
bool perf_source_open(char *why, size_t cap);
/* Samples tid's faults, minor and major, and (being inherited) those of
 * every task it creates from now on; with from_exec (the command
 * compendium started, still in compendium's own code) only from
 * perf_source_exec on. Returns false after printing why. */
bool perf_source_track(pid_t tid, bool from_exec);
/* tid, tracked from_exec, stops at the end of its execve: counting starts. */
void perf_source_exec(pid_t tid);
/* Appends every sample the rings hold now; no syscall when they are empty. */
void perf_source_drain(struct native_buf *out);
/* Samples the kernel lost because a ring was full. */
uint64_t perf_source_lost(void);
size_t perf_source_page_size(void);
void perf_source_close(void);

#endif
